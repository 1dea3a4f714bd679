// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/session.h"
#include "backends/docker.h"
#include "model/linktype.h"
#include "model/names.h"
#include <sys/socket.h>

int cmd_parse(int argc, char **argv, unsigned allowed, const char *usage_line, struct cmd_opts *ret)
{
	const char *no_color = getenv("NO_COLOR");

	memset(ret, 0, sizeof(*ret));
	ret->wait_ms = -1;
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
		} else if (strcmp(a, "--wait") == 0 && (allowed & OPT_WAIT) && i + 1 < argc) {
			char *end;
			double sec = strtod(argv[++i], &end);

			if (end == argv[i] || *end || !(sec >= 0 && sec <= 3600)) {
				fprintf(stderr, "%s: --wait takes seconds, 0-3600 (0: do not wait)\nusage: %s %s\n",
					topo_prog, topo_prog, usage_line);
				return EXIT_ERROR;
			}
			ret->wait_ms = (int)(sec * 1000);
		} else if (strcmp(a, "--adopt") == 0 && (allowed & OPT_ADOPT)) {
			ret->adopt = true;
		} else if ((strcmp(a, "--name") == 0 || strcmp(a, "-n") == 0) && (allowed & OPT_NAME) && i + 1 < argc) {
			ret->name = argv[++i];
		} else if (strcmp(a, "--node") == 0 && (allowed & OPT_NODE) && i + 1 < argc) {
			ret->node = argv[++i];
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

/*
 * Where each docker: namespace is now, asked of Docker before anything is
 * read or changed. apply, diff and check need it (an unreachable daemon, a
 * missing or stopped container is an error naming it); destroy, show and
 * export go on without it (a stopped container's namespace is gone, and
 * destroy goes by the state file's record). A namespace identity other than
 * the recorded one is a restarted container: said, because what topo put in
 * the old namespace died with it and is added again.
 */
static int session_resolve_docker(struct session *s, bool strict)
{
	for (size_t i = 0; i < s->desired.n_ns; i++) {
		struct topo_ns *ns = &s->desired.ns[i];
		const struct state_ns *rec;
		char err[600];

		if (ns->kind != TOPO_NS_DOCKER)
			continue;
		if (docker_resolve_ns(ns, err, sizeof(err)) < 0) {
			if (strict) {
				fprintf(stderr, "%s:%u:%u: namespace %s: %s; nothing was changed\n", s->desired.file,
					ns->pos.line, ns->pos.col, ns->name, err);
				return -1;
			}
			fprintf(stderr, "%s: warning: namespace %s: %s\n", topo_prog, ns->name, err);
			continue;
		}
		rec = topo_state_ns_find(&s->state, ns->name);
		/* The kernel reuses a dead namespace's inode number at once, so
		 * dev:ino alone can match across a restart; Docker's sandbox
		 * path (a new sandbox id per start) or the pid tells it. */
		if (strict && !s->opts.quiet && rec && rec->kind == TOPO_NS_DOCKER && rec->path &&
		    strcmp(state_ns_container(rec), ns->docker) == 0 &&
		    (strcmp(state_ns_netns(rec), topo_ns_docker_netns(ns)) != 0 || strcmp(rec->path, ns->path) != 0))
			fprintf(s->opts.json ? stderr : stdout, "note: container %s restarted: new namespace "
				"(%s, was %s): topo's objects in it are added again\n", ns->docker, ns->path,
				rec->path);
	}
	return 0;
}

int session_open(struct session *s, const struct cmd_opts *opts, bool need_file)
{
	struct backend_opts bo = { 0 };
	const char *name;
	char err[512];
	int r;

	memset(s, 0, sizeof(*s));
	s->opts = *opts;
	s->lock_fd = s->global_fd = -1;
	s->state_dir = getenv("TOPO_STATE_DIR") ? getenv("TOPO_STATE_DIR") : "/run/topo";
	if (opts->file) {
		if (cmd_load(opts->file, &s->desired) || cmd_node_slice(&s->desired, opts->node))
			return EXIT_ERROR;
		s->have_desired = true;
	} else if (need_file || !opts->name) {
		fprintf(stderr, "%s: a topology FILE is needed%s\n", topo_prog, need_file ? "" : " (or --name TOPOLOGY)");
		return EXIT_ERROR;
	} else if (opts->node) {
		/* A node names a slice of a file; without one it would be ignored. */
		return fail("--node %s goes with a FILE that declares nodes:", opts->node);
	}
	name = s->have_desired ? s->desired.name : opts->name;
	if (opts->name && s->have_desired && strcmp(opts->name, s->desired.name) != 0)
		return fail("--name %s does not match the file's topology '%s'", opts->name, s->desired.name);
	if (!s->have_desired) {
		/* The loader's rule for names applies to --name too. */
		if (!topo_name_valid(name))
			return fail("'%s' is not a topology name (%s)", name, TOPO_NAME_RULE);
		snprintf(s->desired.name, sizeof(s->desired.name), "%s", name);
	}
	r = state_load_msg(s->state_dir, name, &s->state, err, sizeof(err));
	if (r == 0) {
		s->have_state = true;
	} else if (r != -ENOENT) {
		/* apply and diff must not guess; destroy, show and export can go by
		 * the kernel's marks, which are the primary record anyway. */
		if (need_file)
			return fail("state file %s/%s.json: %s (remove or repair it; topo destroy --name %s "
				    "works without it)", s->state_dir, name, err, name);
		fprintf(stderr, "%s: warning: state file %s/%s.json: %s; ignoring it and going by the kernel's "
			"marks: sysctls recorded only there cannot be restored\n", topo_prog, s->state_dir, name, err);
	}
	if (!s->have_state)
		snprintf(s->state.topology, sizeof(s->state.topology), "%s", name);
	if (s->have_desired && session_resolve_docker(s, need_file) < 0)
		return EXIT_ERROR;
	/* What the others recorded is theirs (a route on host's lo, say). */
	r = state_load_others(s->state_dir, name, &s->others, &s->n_others);
	if (r < 0)
		return fail("state files in %s: %s", s->state_dir, strerror(-r));
	r = host_sysctls_merge(s->state_dir, s->have_desired ? &s->desired : NULL, &s->state, err, sizeof(err));
	if (r < 0) {
		char reg[512];

		host_sysctls_path(s->state_dir, reg, sizeof(reg));
		if (need_file)
			return fail("%s: %s (it says which topologies share host sysctls; repair or remove it)", reg,
				    err);
		fprintf(stderr, "%s: warning: %s: %s; ignoring it: sysctls shared with other topologies are "
			"restored from this topology's record alone\n", topo_prog, reg, err);
	}

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

static void scopes_free(struct session *s)
{
	for (size_t i = 0; i < s->n_scopes; i++)
		owner_scope_free(&s->scopes[i]);
	free(s->scopes);
	s->scopes = NULL;
	s->n_scopes = 0;
	owner_ctx_free(&s->own);
}

int session_owner_refresh(struct session *s, const struct topology *desired)
{
	struct strmap d_ns = { 0 };
	int r = 0;

	scopes_free(s);
	if (owner_ctx_init(&s->own, desired, &s->state, s->others, s->n_others, s->opts.adopt) < 0)
		return fail("out of memory");
	s->scopes = calloc(s->observed.n_ns + 1, sizeof(*s->scopes));
	if (!s->scopes)
		r = -ENOMEM;
	for (size_t i = 0; i < desired->n_ns && r == 0; i++)
		if (strmap_put(&d_ns, desired->ns[i].name, i) == -ENOMEM)
			r = -ENOMEM;
	for (size_t i = 0; i < s->observed.n_ns && r == 0; i++) {
		size_t k;
		const struct topo_ns *d = strmap_get(&d_ns, s->observed.ns[i].name, &k) == 0 ? &desired->ns[k] : NULL;

		r = owner_scope_init(&s->scopes[i], &s->own, &s->observed.ns[i], d);
		if (r == 0)
			s->n_scopes++;
	}
	strmap_free(&d_ns);
	return r < 0 ? fail("out of memory") : 0;
}

int session_observe(struct session *s, const struct topology *desired, bool scan_marks)
{
	int r;

	scopes_free(s);
	topology_free(&s->observed);
	diff_result_free(&s->diff);
	r = backend_observe(s->b, desired, &s->state, scan_marks, &s->observed);
	if (r < 0)
		return fail("reading the kernel: %s%s%s", strerror(-r), backend_error(s->b)[0] ? ": " : "",
			    backend_error(s->b));
	return session_owner_refresh(s, desired);
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

/* The diff of desired against what s->observed holds. */
static int diff_observed(struct session *s, const struct topology *desired)
{
	int r;
	struct diff_opts dopts = { .adopt = s->opts.adopt, .others = s->others, .n_others = s->n_others };

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

int session_diff(struct session *s, const struct topology *desired, bool scan_marks)
{
	int r = session_observe(s, desired, scan_marks);

	return r ? r : diff_observed(s, desired);
}

int session_diff_after(struct session *s, const struct topology *desired, const struct plan *done)
{
	struct topology prev = s->observed;
	bool *fresh = calloc(prev.n_ns + 1, sizeof(*fresh));
	int r;

	if (!fresh || plan_touches(done, &prev, fresh) < 0) {
		free(fresh);
		return fail("out of memory");
	}
	/* Only what the read again keeps stays: a first apply touches every
	 * namespace it creates, and the read before holds a record of each
	 * (a thousand of them, beside the new read, at the process's peak). */
	size_t keep = 0;

	for (size_t i = 0; i < prev.n_ns; i++) {
		if (fresh[i]) {
			topo_ns_clear(&prev.ns[i]);
			continue;
		}
		prev.ns[keep] = prev.ns[i];
		fresh[keep++] = false;
	}
	prev.n_ns = keep;
	if (keep == 0) {
		free(prev.ns);
		prev.ns = NULL;
	} else {
		struct topo_ns *less = realloc(prev.ns, keep * sizeof(*less));

		if (less)
			prev.ns = less;
	}
	scopes_free(s);
	diff_result_free(&s->diff);
	memset(&s->observed, 0, sizeof(s->observed));
	r = backend_observe_again(s->b, desired, &s->state, &prev, fresh, &s->observed);
	topology_free(&prev);
	free(fresh);
	if (r < 0)
		return fail("reading the kernel: %s%s%s", strerror(-r), backend_error(s->b)[0] ? ": " : "",
			    backend_error(s->b));
	r = session_owner_refresh(s, desired);
	return r ? r : diff_observed(s, desired);
}

void session_forget_observed(struct session *s)
{
	scopes_free(s);
	diff_result_free(&s->diff);
	topology_free(&s->observed);
}

void session_close(struct session *s)
{
	scopes_free(s);
	for (size_t i = 0; i < s->n_others; i++)
		topo_state_free(&s->others[i]);
	free(s->others);
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

static const struct owner_scope *scope_of(const struct session *s, const struct topo_ns *o)
{
	size_t i = (size_t)(o - s->observed.ns);

	return i < s->n_scopes ? &s->scopes[i] : NULL;
}

bool session_addr_ours(const struct session *s, const struct topo_ns *o, const struct topo_iface *ifc,
		       const struct topo_addr *a)
{
	const struct owner_scope *sc = scope_of(s, o);

	return sc && owner_addr(&s->own, sc, ifc, a) == OWNER_OURS;
}

bool session_iface_ours(const struct session *s, const struct topo_ns *o, const struct topo_iface *ifc)
{
	const struct owner_scope *sc = scope_of(s, o);

	if (!sc)
		return false;
	if (topo_lt_is(ifc->type, TOPO_LT_KERNEL)) {
		/* lo only when it carries something of ours. */
		for (size_t i = 0; i < ifc->n_addrs; i++)
			if (owner_addr(&s->own, sc, ifc, &ifc->addrs[i]) == OWNER_OURS)
				return true;
		return false;
	}
	return owner_link(&s->own, sc, ifc) == OWNER_OURS;
}

bool session_route_ours(const struct session *s, const struct topo_ns *o, const struct topo_route *rt)
{
	const struct owner_scope *sc = scope_of(s, o);

	return sc && owner_route(&s->own, sc, rt) == OWNER_OURS;
}

bool session_object_ours(const struct session *s, const struct topo_ns *o, const struct topo_kind *k, const void *obj)
{
	const struct owner_scope *sc = scope_of(s, o);

	return sc && owner_object(&s->own, sc, k, obj) == OWNER_OURS;
}

bool session_sysctl_ours(const struct session *s, const struct topo_ns *o, const char *key)
{
	const struct owner_scope *sc = scope_of(s, o);

	return sc && owner_sysctl(&s->own, sc, key) == OWNER_OURS;
}

bool session_nft_ours(const struct session *s, const struct topo_ns *o)
{
	const struct owner_scope *sc = scope_of(s, o);

	return sc && owner_nft_present(o) && owner_nft(&s->own, sc) == OWNER_OURS;
}
