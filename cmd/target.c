// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/docker.h"
#include "cmd/target.h"
#include "model/names.h"

static const char *netns_dir(void)
{
	const char *d = getenv("TOPO_NETNS_DIR");

	return d && d[0] ? d : "/run/netns";
}

static int as_container(const char *name, struct ns_target *ret, char *err, size_t errlen)
{
	struct topo_ns ns = { .kind = TOPO_NS_DOCKER, .docker = (char *)name };
	int r = docker_resolve_ns(&ns, err, errlen);

	if (r == 0) {
		ret->kind = TOPO_NS_DOCKER;
		snprintf(ret->path, sizeof(ret->path), "%s", ns.path);
		snprintf(ret->container, sizeof(ret->container), "%s", name);
		if (topo_ns_name_valid(name))
			snprintf(ret->name, sizeof(ret->name), "%s", name);
		else
			snprintf(ret->name, sizeof(ret->name), "container");
	}
	free(ns.path);
	free(ns.docker_netns);
	return r;
}

int ns_target_resolve(const char *word, bool allow_path, struct ns_target *ret, char *err, size_t errlen)
{
	char nspath[512], sock[512], derr[600];
	bool have_ns, docker_here;
	struct ns_target c;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (strcmp(word, TOPO_NS_HOST) == 0) {
		ret->kind = TOPO_NS_IS_HOST;
		snprintf(ret->name, sizeof(ret->name), "%s", TOPO_NS_HOST);
		return 0;
	}
	if (strncmp(word, "docker:", 7) == 0)
		return as_container(word + 7, ret, err, errlen);
	if (strchr(word, '/')) {
		if (!allow_path) {
			snprintf(err, errlen, "'%s' is not a namespace name (%s) or docker:CONTAINER", word, TOPO_NS_NAME_RULE);
			return -EINVAL;
		}
		if (word[0] != '/') {
			snprintf(err, errlen, "'%s': a path must be absolute", word);
			return -EINVAL;
		}
		ret->kind = TOPO_NS_PATH;
		snprintf(ret->path, sizeof(ret->path), "%s", word);
		return 0;
	}
	if (strncmp(word, "netns:", 6) == 0 || !topo_docker_name_valid(word)) {
		const char *name = strncmp(word, "netns:", 6) == 0 ? word + 6 : word;

		if (!topo_ns_name_valid(name)) {
			snprintf(err, errlen, "'%s' is not a namespace name (%s) or docker:CONTAINER", word, TOPO_NS_NAME_RULE);
			return -EINVAL;
		}
		ret->kind = TOPO_NS_CREATED;
		snprintf(ret->name, sizeof(ret->name), "%s", name);
		return 0;
	}
	/* A bare word: a namespace of topo's directory, a container, or both. */
	snprintf(nspath, sizeof(nspath), "%s/%s", netns_dir(), word);
	have_ns = topo_ns_name_valid(word) && access(nspath, F_OK) == 0;
	/* No Docker on this machine: the word can only be a namespace. */
	docker_here = docker_socket_path(NULL, sock, sizeof(sock), derr, sizeof(derr)) == 0 && access(sock, F_OK) == 0;
	r = docker_here ? as_container(word, &c, derr, sizeof(derr)) : -ENOENT;
	if (!docker_here)
		snprintf(derr, sizeof(derr), "no Docker socket");
	if (have_ns && r == 0) {
		snprintf(err, errlen, "'%s' is both the namespace %s and Docker's container %s: say netns:%s or "
			 "docker:%s", word, nspath, word, word, word);
		return -EEXIST;
	}
	if (have_ns) {
		ret->kind = TOPO_NS_CREATED;
		snprintf(ret->name, sizeof(ret->name), "%s", word);
		return 0;
	}
	if (r == 0) {
		*ret = c;
		return 0;
	}
	/* A stopped container is worth saying as it is. */
	if (r == -ESRCH) {
		snprintf(err, errlen, "%s", derr);
		return r;
	}
	snprintf(err, errlen, "no namespace '%s' (%s) and no running Docker container of that name (%s)", word,
		 nspath, derr);
	return -ENOENT;
}
