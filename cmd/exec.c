// SPDX-License-Identifier: MIT
/*
 * exec: run a command inside a namespace. The one place topo executes a
 * program, because the user asked it to.
 *   topo exec NS -- CMD [ARGS...]            (NS: host, a /run/netns name, a running Docker
 *                                           container, netns:NAME or docker:NAME; never a path)
 *   topo exec -f FILE NS -- CMD [ARGS...]   (NS as FILE declares it: path or pid;
 *                                           with prefix:, its name in the file or its real one)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backends/backend.h"
#include "backends/docker.h"
#include "cmd/cmd.h"
#include "cmd/target.h"
#include "model/loader.h"
#include "model/names.h"

int cmd_exec(int argc, char **argv)
{
	const char *file = NULL, *ns = NULL;
	struct topology t = { 0 };
	enum topo_ns_kind kind = TOPO_NS_CREATED;
	const char *path = NULL;
	int pid = 0, i, r;
	char err[1024];
	struct ns_target tg;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if ((strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--file") == 0) && i + 1 < argc) {
			file = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			printf("usage: %s exec [-f FILE] NAMESPACE -- COMMAND [ARGS...]\n", topo_prog);
			return EXIT_OK;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "%s: exec: unknown option '%s'\n", topo_prog, argv[i]);
			return EXIT_ERROR;
		} else if (!ns) {
			ns = argv[i];
		} else {
			break;   /* `topo exec NS cmd` without -- works too */
		}
	}
	if (!ns || i >= argc) {
		fprintf(stderr, "usage: %s exec [-f FILE] NAMESPACE -- COMMAND [ARGS...]\n", topo_prog);
		return EXIT_ERROR;
	}
	/* A name, never a path: "../x" or "/proc/1/ns/net" would reach any
	 * namespace of the machine with a command of the user's choosing, and
	 * a path to a namespace is no name anyone declared. Names are
	 * /run/netns/NAME or a running Docker container (cmd/target.h);
	 * attached namespaces are reached by their declared name with -f. */
	if (!file) {
		r = ns_target_resolve(ns, false, &tg, err, sizeof(err));
		if (r < 0)
			return fail("exec: %s%s", err, r == -EINVAL ? "; a namespace declared with path: or pid: is "
				    "reached with -f FILE and its name" : "");
		kind = tg.kind;
		ns = tg.name;
		path = tg.kind == TOPO_NS_DOCKER ? tg.path : NULL;
	}
	if (file) {
		long n;

		if (cmd_load(file, &t))
			return EXIT_ERROR;
		n = topology_ns_find(&t, ns);
		/* With prefix:, the file's own name of a created namespace
		 * names it too (the real name is prefix + that). */
		if (n < 0 && t.prefix[0]) {
			char real[TOPO_NS_NAME_MAX + 2];

			snprintf(real, sizeof(real), "%s%s", t.prefix, ns);
			n = topology_ns_find(&t, real);
			if (n >= 0 && t.ns[n].kind != TOPO_NS_CREATED)
				n = -1;
		}
		if (n < 0) {
			topology_free(&t);
			return fail("%s declares no namespace '%s'", file, ns);
		}
		if (t.ns[n].kind == TOPO_NS_DOCKER && docker_resolve_ns(&t.ns[n], err, sizeof(err)) < 0) {
			topology_free(&t);
			return fail("exec: namespace %s: %s", ns, err);
		}
		ns = t.ns[n].name;
		kind = t.ns[n].kind;
		path = t.ns[n].path;
		pid = t.ns[n].pid;
	}
	if (netns_switch_for_exec(ns, kind, path, pid, err, sizeof(err)) < 0) {
		topology_free(&t);
		return fail("%s", err);
	}
	topology_free(&t);
	execvp(argv[i], argv + i);
	return fail("%s: %s", argv[i], strerror(errno));
}
