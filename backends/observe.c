// SPDX-License-Identifier: MIT
/*
 * Reading the kernel into the model: for each namespace in scope, one dump
 * of links, one of addresses, one of routes, the sysctls that matter, our
 * nft table; then the veth peers across namespaces.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>

#include "backends/internal.h"
#include "model/vec.h"
#include "backends/kinds.h"
#include "model/linktype.h"

/* The same namespace as the one topo runs in? Namespaces are inodes of nsfs. */
struct scope {
	const char *name;
	enum topo_ns_kind kind;
	const char *path;
	int pid;
	const struct topo_ns *desired;
	const struct state_ns *rec;      /* its entry in the state file, if any */
	/* destroy: one of topo's own namespaces goes whole or stays untouched,
	 * so its links (lo's mark, veth peers) are all there is to read. */
	bool links_only;
};

static int scope_add(struct scope **v, size_t *n, struct strmap *seen, struct scope s)
{
	struct scope *nv;

	if (strmap_put(seen, s.name, *n) == -EEXIST)
		return 0;
	nv = vec_append((void **)v, n, sizeof(**v));
	if (!nv)
		return -ENOMEM;
	*nv = s;
	return 0;
}

/*
 * Our nft table can matter in a namespace that declares rules, in host and
 * attached namespaces (also for the foreign-drop warning), in a destroy's
 * scan, and where the state file says we put one. Elsewhere the read (a
 * socket and a dump per namespace) is skipped.
 */
static bool nft_matters(const struct scope *sc, const struct topo_state *state, const struct strmap *nft_ns,
			bool scan_marks)
{
	size_t dummy;

	(void)state;
	if (scan_marks || sc->kind != TOPO_NS_CREATED)
		return true;
	if (sc->desired && (sc->desired->n_nat || sc->desired->n_forward || sc->desired->n_nft_text))
		return true;
	for (size_t i = 0; sc->desired && i < sc->desired->n_ifaces; i++)
		if (topo_lt_is(sc->desired->ifaces[i].type, TOPO_LT_MASTER))
			return true;   /* bridged traffic may meet a foreign drop */
	return strmap_get(nft_ns, sc->name, &dummy) == 0;
}

/* The kernel's own routes (local and broadcast, an address's prefix route)
 * are read only where `absent:` names some, or where topo deleted some (the
 * state file's record), and for show and export: so a lab without either
 * keeps the observed model as small as it was. */
static bool ns_wants_kernel_routes(const struct scope *sc, const struct topo_state *state, const char *name)
{
	if (sc->desired && sc->desired->n_absent_routes)
		return true;
	for (size_t i = 0; state && i < state->n_removed; i++)
		if (strcmp(state->removed[i].ns, name) == 0)
			return true;
	return false;
}

/*
 * A table kind (rules, nexthops, neighbours) is read in one of topo's own
 * namespaces only where topo can have something of it to touch: the file
 * declares some, or the record says some may be there (it is written before
 * any is added), or the record cannot say (none, or an older topo's). A lab
 * of plain links saves a dump per kind per namespace. Host, attached
 * namespaces, show and export read every kind: other people's objects there
 * can clash with declared ones, or are what is asked for.
 */
static bool kind_matters(const struct backend *b, const struct scope *sc, size_t slot)
{
	if (sc->kind != TOPO_NS_CREATED || b->read_all)
		return true;
	if (sc->desired && sc->desired->objs[slot].n)
		return true;
	return !sc->rec || !sc->rec->kinds_known || (sc->rec->kinds & (1u << slot));
}

/*
 * A namespace is read in three parts: opened (serially: the backend's table
 * of namespaces grows), its rtnetlink dumps (links, addresses, routes, table
 * kinds: on the namespace's own socket only, so two workers can do them at
 * once), the rest (serially: sysctls through setns, nft through libnftnl and
 * libnftables). *ret = the namespace to read, NULL when there is nothing to
 * read (absent, a leftover, foreign, host itself).
 */
static int observe_open(struct backend *b, const struct scope *sc, struct topo_ns *out, struct bns **ret)
{
	struct bns *ns;
	int r;

	*ret = NULL;
	snprintf(out->name, sizeof(out->name), "%s", sc->name);
	out->kind = sc->kind;
	out->pid = sc->pid;
	if (sc->path && !(out->path = strdup(sc->path)))
		return -ENOMEM;
	if (sc->kind == TOPO_NS_DOCKER && sc->desired && sc->desired->docker &&
	    !(out->docker = strdup(sc->desired->docker)))
		return -ENOMEM;
	b->err[0] = '\0';
	ns = bns_find(b, sc->name);
	if (ns && ns->sk) {
		/* Read before in this run (apply's verification): its sockets stay. */
	} else if (sc->kind == TOPO_NS_CREATED) {
		enum netns_entry what;
		int fd;

		/* Unreadable is not absent: any failure but "not there" stops here. */
		r = netns_probe(b, sc->name, &what, &fd);
		if (r < 0)
			return r;
		switch (what) {
		case NSE_ABSENT:
			out->exists = false;
			return 0;
		case NSE_LEFTOVER:
			/* An interrupted creation or deletion of ours: declared, it is
			 * made again; otherwise it is there to be removed. */
			out->exists = out->owned = !sc->desired;
			return 0;
		case NSE_FOREIGN:
			/* Someone else's: a conflict when declared, left alone otherwise. */
			out->exists = false;
			return (out->absent = strdup(b->err)) ? 0 : -ENOMEM;
		case NSE_NETNS:
			break;
		}
		r = bns_open_fd(b, sc->name, sc->kind, NULL, 0, fd, &ns);
		if (r < 0)
			return r;
	} else {
		r = bns_open(b, sc->name, sc->kind, sc->path, sc->pid, &ns);
		if (r == -ENOENT || r == -ENOTTY || r == -ESRCH) {
			/* Not there: the diff says whether that is an error. */
			out->exists = false;
			if ((sc->kind == TOPO_NS_PATH || sc->kind == TOPO_NS_DOCKER) && r == -ENOENT)
				out->absent = strdup("its path does not exist");
			else if (b->err[0])
				out->absent = strdup(b->err);
			return 0;
		}
		if (r < 0)
			return r;
	}
	out->exists = true;
	/* Attached by a path or pid that leads back to host (/proc/1/ns/net,
	 * Docker's netns/default): the owner rules refuse it; nothing to read. */
	out->is_self = sc->kind != TOPO_NS_IS_HOST && bns_is(ns, b->self_fd);
	if (!out->is_self)
		*ret = ns;
	return 0;
}

/* The dumps on the namespace's rtnetlink socket (see observe_open). */
static int observe_rtnl(struct backend *b, const struct scope *sc, const struct topo_state *state, struct bns *ns,
			struct topo_ns *out)
{
	bool kinds[TOPO_KINDS_MAX];
	int r;

	r = link_observe(b, ns, out);
	if (r < 0 || sc->links_only)
		return r;
	r = addr_observe(b, ns, out);
	if (r == 0)
		r = route_observe(b, ns, out, b->read_all, ns_wants_kernel_routes(sc, state, out->name));
	for (size_t k = 0; k < topo_n_kinds; k++)
		kinds[k] = kind_matters(b, sc, k);
	if (r == 0)
		r = kinds_observe(b, ns, out, kinds);
	return r;
}

static int observe_rest(struct backend *b, const struct scope *sc, const struct topo_state *state,
			bool with_nft, struct bns *ns, struct topo_ns *out)
{
	char mark[TOPO_NAME_MAX + 8];
	int r = 0;

	if (!sc->links_only)
		r = shape_observe(b, ns, sc->desired, out);
	if (r == 0 && !sc->links_only)
		r = fdb_observe(b, ns, out);
	if (r == 0 && !sc->links_only)
		r = sysctl_observe(b, ns, sc->desired, state, out);
	with_nft &= !sc->links_only;
	if (r == 0 && with_nft)
		r = nft_observe(b, ns, out);
	if (r == 0 && with_nft && sc->kind == TOPO_NS_IS_HOST)
		r = dockeruser_observe(b, ns, out);
	if (r == 0 && with_nft && sc->desired)
		for (size_t i = 0; i < sc->desired->n_nat && r == 0; i++)
			if (sc->desired->nat[i].kind == TOPO_NAT_DNAT) {
				r = published_observe(b, ns, out);
				break;
			}
	if (r == 0 && with_nft)
		r = nftx_observe(b, ns, sc->desired, out);
	/* Under a tight limit only the rtnetlink sockets stay open. */
	if (!b->hold_fds)
		bns_nft_close(ns);
	if (r < 0)
		return r;
	snprintf(mark, sizeof(mark), "%s", b->topology);
	for (size_t i = 0; i < out->n_ifaces; i++) {
		const struct topo_iface *ifc = &out->ifaces[i];

		if (topo_lt_is(ifc->type, TOPO_LT_KERNEL) && ifc->owned && strcmp(ifc->owner, mark) == 0)
			out->owned = true;
	}
	return 0;
}

/*
 * The rtnetlink dumps of many namespaces, by two workers: the kernel
 * answers link, address and route dumps without RTNL (RCU), so they run
 * side by side on two CPUs. Each worker takes every other namespace and
 * stops at its first error; the first error by position is returned.
 */
struct rtnl_job {
	struct backend *b;
	const struct scope *sc;
	const struct topo_state *state;
	struct bns **nsp;
	struct topo_ns *out;
	size_t n, first, step;
	int r;
	size_t failed_at;
};

static void *rtnl_worker(void *arg)
{
	struct rtnl_job *j = arg;

	j->r = 0;
	for (size_t i = j->first; i < j->n && j->r == 0; i += j->step)
		if (j->nsp[i] && (j->r = observe_rtnl(j->b, &j->sc[i], j->state, j->nsp[i], &j->out[i])) < 0)
			j->failed_at = i;
	return NULL;
}

/* Below this many namespaces a second thread costs more than it saves. */
#define RTNL_PARALLEL_MIN 64

static int observe_rtnl_all(struct backend *b, const struct scope *sc, const struct topo_state *state,
			    struct bns **nsp, struct topo_ns *out, size_t n)
{
	struct rtnl_job jobs[2] = {
		{ b, sc, state, nsp, out, n, 0, 2, 0, 0 },
		{ b, sc, state, nsp, out, n, 1, 2, 0, 0 },
	};
	pthread_t t;
	/* The kill-after-N-requests hook counts requests in order: one worker. */
	bool two = n >= RTNL_PARALLEL_MIN && !b->opts.kill_after_msgs && sysconf(_SC_NPROCESSORS_ONLN) > 1;

	if (!two) {
		jobs[0].step = 1;
		rtnl_worker(&jobs[0]);
		return jobs[0].r;
	}
	if (pthread_create(&t, NULL, rtnl_worker, &jobs[1]) != 0) {
		jobs[0].step = 1;   /* no thread: all of it here */
		rtnl_worker(&jobs[0]);
		return jobs[0].r;
	}
	rtnl_worker(&jobs[0]);
	pthread_join(t, NULL);
	if (jobs[0].r < 0 && (jobs[1].r == 0 || jobs[0].failed_at < jobs[1].failed_at))
		return jobs[0].r;
	return jobs[1].r;
}

/* Descriptors kept for other uses (stdio, state file, locks, a dump's spare). */
#define FD_RESERVE 64

/*
 * Every namespace in scope keeps its rtnetlink socket. Its own descriptor
 * and its nfnetlink socket (where nft matters) are kept too when all of them
 * fit the limit; otherwise they are opened for each use and closed after.
 * A limit too low even for the rtnetlink sockets is refused here, before
 * anything is read or changed.
 */
static int fd_budget(struct backend *b, const struct scope *sc, size_t n, const struct topo_state *state,
		     const struct strmap *nft_ns, bool scan_marks)
{
	struct rlimit rl;
	size_t need = FD_RESERVE;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return backend_fail(b, "getrlimit: %s", strerror(errno)), -errno;
	size_t n_nft = 0;

	for (size_t i = 0; i < n; i++)
		n_nft += nft_matters(&sc[i], state, nft_ns, scan_marks);
	/* At least: an rtnetlink socket each, and one nfnetlink socket at a time. */
	need += n + 1;
	if (rl.rlim_cur != RLIM_INFINITY && need > rl.rlim_cur)
		return backend_fail(b, "%zu namespaces need about %zu open files (a netlink socket each) and the "
				    "limit is %llu (hard limit %llu): raise it (ulimit -n)", n, need,
				    (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max), -EMFILE;
	/* Everything held (the fast way): namespace files and nft sockets too. */
	b->hold_fds = rl.rlim_cur == RLIM_INFINITY || need + n + n_nft <= rl.rlim_cur;
	return 0;
}

static int observe_once(struct backend *b, const struct topology *desired, const struct topo_state *state,
			bool scan_marks, struct topology *prev, const bool *prev_fresh, struct topology *ret)
{
	struct scope *sc = NULL;
	size_t n = 0;
	struct strmap seen = { 0 };
	char **names = NULL;
	size_t n_names = 0;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	snprintf(ret->name, sizeof(ret->name), "%s", b->topology);
	/* host is always in scope: a link topo made there may have left the file. */
	r = scope_add(&sc, &n, &seen, (struct scope){ .name = TOPO_NS_HOST, .kind = TOPO_NS_IS_HOST });
	for (size_t i = 0; desired && i < desired->n_ns && r == 0; i++) {
		const struct topo_ns *d = &desired->ns[i];

		if (d->kind == TOPO_NS_IS_HOST) {
			sc[0].desired = d;
			continue;
		}
		r = scope_add(&sc, &n, &seen, (struct scope){ d->name, d->kind, d->path, d->pid, d, NULL, false });
	}
	for (size_t i = 0; state && i < state->n_ns && r == 0; i++) {
		const struct state_ns *s = &state->ns[i];

		r = scope_add(&sc, &n, &seen, (struct scope){ s->name, s->kind, s->path, s->pid, NULL, NULL, false });
	}
	/* Each scope's record, found once (a state file of thousands of namespaces). */
	for (size_t i = 0; state && i < state->n_ns && r == 0; i++) {
		size_t at;

		if (strmap_get(&seen, state->ns[i].name, &at) == 0)
			sc[at].rec = &state->ns[i];
	}
	if (scan_marks && r == 0) {
		r = netns_list(b, &names, &n_names);
		for (size_t i = 0; i < n_names && r == 0; i++)
			r = scope_add(&sc, &n, &seen, (struct scope){ .name = names[i], .kind = TOPO_NS_CREATED });
	}
	for (size_t i = 0; i < n; i++)
		sc[i].links_only = b->destroying && sc[i].kind == TOPO_NS_CREATED;
	/* Namespaces where the state file says topo put an nft table ("NS\tn"). */
	struct strmap nft_ns = { 0 };
	char **nft_names = NULL;
	size_t n_nft = 0;

	for (size_t i = 0; state && i < state->n_objects && r == 0; i++) {
		const char *id = state->objects[i];
		size_t len = strlen(id);

		if (len < 3 || strcmp(id + len - 2, "\tn") != 0)
			continue;
		char **v = VEC_APPEND(nft_names, n_nft);

		if (!v || !(*v = strndup(id, len - 2))) {
			r = -ENOMEM;
			break;
		}
		if (strmap_put(&nft_ns, *v, n_nft - 1) == -ENOMEM)
			r = -ENOMEM;
	}
	if (r == 0)
		r = fd_budget(b, sc, n, state, &nft_ns, scan_marks);
	/* What a read again can keep: prev's namespaces not marked fresh. */
	struct strmap kept = { 0 };
	bool *moved = prev ? calloc(prev->n_ns + 1, sizeof(*moved)) : NULL;

	if (prev && !moved)
		r = -ENOMEM;
	for (size_t i = 0; prev && i < prev->n_ns && r == 0; i++)
		if (!prev_fresh[i] && prev->ns[i].name[0] && strmap_put(&kept, prev->ns[i].name, i) == -ENOMEM)
			r = -ENOMEM;
	struct bns **nsp = calloc(n + 1, sizeof(*nsp));   /* per scope: the namespace to read, or NULL */

	if (!nsp)
		r = -ENOMEM;
	for (size_t i = 0; i < n && r == 0; i++) {
		struct topo_ns *out = topology_ns_add(ret);
		size_t p;

		if (!out) {
			r = -ENOMEM;
		} else if (prev && strmap_get(&kept, sc[i].name, &p) == 0) {
			*out = prev->ns[p];
			moved[p] = true;
		} else {
			r = observe_open(b, &sc[i], out, &nsp[i]);
		}
	}
	/* ret->ns stays where it is from here. */
	if (r == 0)
		r = observe_rtnl_all(b, sc, state, nsp, ret->ns, n);
	for (size_t i = 0; i < n && r == 0; i++)
		if (nsp[i])
			r = observe_rest(b, &sc[i], state, nft_matters(&sc[i], state, &nft_ns, scan_marks), nsp[i],
					 &ret->ns[i]);
	free(nsp);
	/* Emptied only now: kept borrows their names. */
	for (size_t i = 0; prev && moved && i < prev->n_ns; i++)
		if (moved[i])
			memset(&prev->ns[i], 0, sizeof(prev->ns[i]));
	strmap_free(&kept);
	free(moved);
	strmap_free(&nft_ns);
	for (size_t i = 0; i < n_nft; i++)
		free(nft_names[i]);
	free(nft_names);
	/* A scan keeps only the namespaces that carry our mark. */
	if (scan_marks && r == 0) {
		size_t keep = 0;

		for (size_t i = 0; i < ret->n_ns; i++) {
			bool wanted = i < n && (sc[i].desired || sc[i].kind != TOPO_NS_CREATED ||
						sc[i].rec);

			if (wanted || ret->ns[i].owned) {
				ret->ns[keep++] = ret->ns[i];
			} else {
				topo_ns_clear(&ret->ns[i]);
			}
		}
		ret->n_ns = keep;
	}
	if (r == 0)
		r = link_peers_resolve(b, ret);
	if (r == 0)
		r = link_lowers_resolve(b, ret);
	for (size_t i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	free(sc);
	strmap_free(&seen);
	if (r < 0)
		topology_free(ret);
	return r;
}

/* A veth whose peer matters here: in a namespace of ours, carrying our mark, or declared. */
static bool veth_matters(const struct backend *b, const struct topology *desired, const struct topo_ns *o,
			 const struct topo_iface *ifc)
{
	long d;

	if (o->kind == TOPO_NS_CREATED || (ifc->owned && strcmp(ifc->owner, b->topology) == 0))
		return true;
	d = desired ? topology_ns_find(desired, o->name) : -1;
	return d >= 0 && topo_ns_iface_find(&desired->ns[d], ifc->name) >= 0;
}

/* Veths whose other end is in a namespace being torn down (its ids already
 * gone), or, among those that matter, in none that was read. */
static bool peers_dying(const struct backend *b, const struct topology *desired, const struct topology *t,
			bool *unknown)
{
	bool dying = false;

	*unknown = false;
	for (size_t i = 0; i < t->n_ns; i++)
		for (size_t k = 0; k < t->ns[i].n_ifaces; k++) {
			const struct topo_iface *ifc = &t->ns[i].ifaces[k];

			if (!topo_lt_is(ifc->type, TOPO_LT_PAIR))
				continue;
			dying |= ifc->peer_netnsid == NSID_DYING;
			if (ifc->peer_ifindex > 0 && !ifc->peer_end && !*unknown)
				*unknown = veth_matters(b, desired, &t->ns[i], ifc);
		}
	return dying;
}

/*
 * A namespace whose last holder just went (a topo killed a moment ago) is
 * torn down by the kernel a little later, taking its veths' other ends with
 * it: read in between, those ends look like veths whose peer is nowhere
 * (or whose peer's namespace has no id any more). When the read finds such
 * veths, it waits for the kernel's teardown of what died before it
 * (netns_cleanup_barrier) and reads again. A peer still unknown after that
 * is in someone else's namespace: the second read is final (a dying one gets
 * a second wait).
 */
static int observe(struct backend *b, const struct topology *desired, const struct topo_state *state,
		   bool scan_marks, struct topology *prev, const bool *prev_fresh, struct topology *ret)
{
	for (int attempt = 0;; attempt++) {
		/* A second attempt reads everything: the first took what it kept. */
		int r = observe_once(b, desired, state, scan_marks, attempt ? NULL : prev, prev_fresh, ret);
		bool unknown, dying;

		if (r < 0)
			return r;
		dying = peers_dying(b, desired, ret, &unknown);
		if (!(dying || (unknown && attempt == 0)) || attempt == 2)
			return 0;
		topology_free(ret);
		r = netns_cleanup_barrier(b);
		if (r < 0 && r != -ETIMEDOUT)
			return backend_fail(b, "waiting for the kernel to finish deleting namespaces: %s", strerror(-r)), r;
	}
}

int backend_observe(struct backend *b, const struct topology *desired, const struct topo_state *state,
		    bool scan_marks, struct topology *ret)
{
	return observe(b, desired, state, scan_marks, NULL, NULL, ret);
}

int backend_observe_again(struct backend *b, const struct topology *desired, const struct topo_state *state,
			  struct topology *prev, const bool *fresh, struct topology *ret)
{
	return observe(b, desired, state, false, prev, fresh, ret);
}
