// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/session.h"
#include <sys/socket.h>

int cmd_parse(int argc, char **argv, unsigned allowed, const char *usage_line, struct cmd_opts *ret)
{
	const char *no_color = getenv("NO_COLOR");

	memset(ret, 0, sizeof(*ret));
	ret->color = isatty(STDOUT_FILENO) && !(no_color && no_color[0]);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			ret->quiet = true;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			ret->verbose = true;
		} else if (strcmp(a, "--no-color") == 0) {
			ret->color = false;
		} else if (strcmp(a, "--json") == 0 && (allowed & OPT_JSON)) {
			ret->json = true;
		} else if (strcmp(a, "--no-wait") == 0 && (allowed & OPT_NO_WAIT)) {
			ret->no_wait = true;
		} else if (strcmp(a, "--adopt") == 0 && (allowed & OPT_ADOPT)) {
			ret->adopt = true;
		} else if ((strcmp(a, "--name") == 0 || strcmp(a, "-n") == 0) && (allowed & OPT_NAME) && i + 1 < argc) {
			ret->name = argv[++i];
		} else if (strcmp(a, "--format") == 0 && (allowed & OPT_FORMAT) && i + 1 < argc) {
			ret->format = argv[++i];
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			printf("usage: %s %s\n", topo_prog, usage_line);
			exit(EXIT_OK);
		} else if (strcmp(a, "--") == 0) {
			ret->rest = argv + i + 1;
			ret->n_rest = argc - i - 1;
			break;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "%s: unknown option '%s'\nusage: %s %s\n", topo_prog, a, topo_prog, usage_line);
			return EXIT_ERROR;
		} else if (!ret->file) {
			ret->file = a;
		} else {
			fprintf(stderr, "%s: unexpected argument '%s'\nusage: %s %s\n", topo_prog, a, topo_prog, usage_line);
			return EXIT_ERROR;
		}
	}
	if (ret->json)
		ret->color = false;
	return 0;
}

int session_open(struct session *s, const struct cmd_opts *opts, bool need_file)
{
	struct backend_opts bo = { 0 };
	const char *name;
	int r;

	memset(s, 0, sizeof(*s));
	s->opts = *opts;
	s->lock_fd = s->global_fd = -1;
	s->state_dir = getenv("TOPO_STATE_DIR") ? getenv("TOPO_STATE_DIR") : "/run/topo";
	if (opts->file) {
		if (cmd_load(opts->file, &s->desired))
			return EXIT_ERROR;
		s->have_desired = true;
	} else if (need_file || !opts->name) {
		fprintf(stderr, "%s: a topology FILE is needed%s\n", topo_prog, need_file ? "" : " (or --name TOPOLOGY)");
		return EXIT_ERROR;
	}
	name = s->have_desired ? s->desired.name : opts->name;
	if (opts->name && s->have_desired && strcmp(opts->name, s->desired.name) != 0)
		return fail("--name %s does not match the file's topology '%s'", opts->name, s->desired.name);
	if (!s->have_desired) {
		/* The loader's rule for names applies to --name too. */
		size_t n = strlen(name);
		bool ok = n >= 1 && n <= TOPO_NAME_MAX;

		for (size_t i = 0; ok && i < n; i++)
			ok = (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
			     (i > 0 && (name[i] == '-' || name[i] == '_'));
		if (!ok)
			return fail("'%s' is not a topology name ([a-z0-9][a-z0-9_-]{0,31})", name);
		snprintf(s->desired.name, sizeof(s->desired.name), "%s", name);
	}
	r = state_load(s->state_dir, name, &s->state);
	if (r == 0)
		s->have_state = true;
	else if (r != -ENOENT)
		return fail("state file %s/%s.json: %s", s->state_dir, name, strerror(-r));
	else
		snprintf(s->state.topology, sizeof(s->state.topology), "%s", name);

	bo.verbose = opts->verbose;
	bo.state_dir = s->state_dir;
	bo.netns_dir = getenv("TOPO_NETNS_DIR");
	if (getenv("TOPO_KILL_AFTER_MSG"))
		bo.kill_after_msgs = strtoul(getenv("TOPO_KILL_AFTER_MSG"), NULL, 10);
	r = backend_open(&s->b, name, &bo);
	if (r < 0)
		return fail("cannot start: %s", strerror(-r));
	return 0;
}

int session_lock(struct session *s)
{
	s->lock_fd = state_lock(s->state_dir, s->desired.name, s->opts.no_wait, stderr);
	if (s->lock_fd < 0) {
		if (s->lock_fd == -EWOULDBLOCK)
			return fail("topology %s is locked by another topo run (--no-wait)", s->desired.name);
		return fail("lock %s/%s.lock: %s", s->state_dir, s->desired.name, strerror(-s->lock_fd));
	}
	s->global_fd = state_lock(s->state_dir, ".global", s->opts.no_wait, stderr);
	if (s->global_fd < 0) {
		if (s->global_fd == -EWOULDBLOCK)
			return fail("another topo run is applying a topology (--no-wait)");
		return fail("lock %s/.global.lock: %s", s->state_dir, strerror(-s->global_fd));
	}
	return 0;
}

int session_observe(struct session *s, const struct topology *desired, bool scan_marks)
{
	int r;

	topology_free(&s->observed);
	diff_result_free(&s->diff);
	r = backend_observe(s->b, desired, &s->state, scan_marks, &s->observed);
	if (r < 0)
		return fail("reading the kernel: %s%s%s", strerror(-r), backend_error(s->b)[0] ? ": " : "",
			    backend_error(s->b));
	return 0;
}

/* apply diffs again after each round: a warning is said once, not per round. */
static void session_warn(struct session *s, const char *msg)
{
	if (s->opts.quiet)
		return;
	for (size_t i = 0; i < s->warned.n; i++)
		if (strcmp(s->warned.v[i], msg) == 0)
			return;
	fprintf(stderr, "%s: warning: %s\n", topo_prog, msg);
	/* Out of memory: the worst is saying it again. */
	topo_msgs_add(&s->warned, "%s", msg);
}

int session_diff(struct session *s, const struct topology *desired, bool scan_marks)
{
	int r = session_observe(s, desired, scan_marks);

	if (r)
		return r;
	struct diff_opts dopts = { .adopt = s->opts.adopt };

	r = topo_diff_opts(desired, &s->observed, &s->state, &dopts, &s->diff);
	if (r < 0)
		return fail("diff: %s", strerror(-r));
	for (size_t i = 0; i < s->diff.warnings.n; i++)
		session_warn(s, s->diff.warnings.v[i]);
	if (s->diff.conflicts.n) {
		for (size_t i = 0; i < s->diff.conflicts.n; i++)
			fprintf(stderr, "%s: error: %s\n", topo_prog, s->diff.conflicts.v[i]);
		return EXIT_ERROR;
	}
	return 0;
}

void session_close(struct session *s)
{
	diff_result_free(&s->diff);
	topo_msgs_free(&s->warned);
	topology_free(&s->observed);
	topology_free(&s->desired);
	topo_state_free(&s->state);
	backend_close(s->b);
	state_unlock(s->global_fd);
	state_unlock(s->lock_fd);
}

void print_counts(FILE *out, const struct plan *p)
{
	struct plan_counts c = plan_count(p);

	fprintf(out, "%zu to add, %zu to change, %zu to remove\n", c.add, c.change, c.remove);
}

#define RTPROT_KERNEL_ 2

static bool ns_all_ours(const struct topo_ns *o)
{
	return o->kind == TOPO_NS_CREATED;
}

bool session_iface_ours(const struct session *s, const struct topo_ns *o, const struct topo_iface *ifc)
{
	long d = topology_ns_find(&s->desired, o->name);

	if (ifc->type == TOPO_IF_LOOPBACK) {
		/* lo only when it carries something of ours. */
		for (size_t i = 0; i < ifc->n_addrs; i++)
			if (ifc->addrs[i].proto == TOPO_IFAPROT)
				return true;
		return false;
	}
	if (ns_all_ours(o))
		return true;
	if (ifc->owned && strcmp(ifc->owner, s->desired.name) == 0)
		return true;
	return d >= 0 && topo_ns_iface_find(&s->desired.ns[d], ifc->name) >= 0;
}

bool session_addr_shown(const struct topo_addr *a)
{
	if (a->proto && a->proto <= 3)
		return false;
	if (a->ip.family == AF_INET6 && a->ip.bytes[0] == 0xfe && (a->ip.bytes[1] & 0xc0) == 0x80)
		return false;
	return true;
}

bool session_route_ours(const struct topo_ns *o, const struct topo_route *rt)
{
	return ns_all_ours(o) ? rt->proto != RTPROT_KERNEL_ : rt->proto == TOPO_RTPROT;
}

