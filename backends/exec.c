// SPDX-License-Identifier: MIT
/*
 * The executor: runs a batch of plan steps (one phase) against the kernel.
 * Netlink steps are pipelined per namespace socket and their answers
 * collected at the end of the batch; namespace, sysctl and nft steps are
 * synchronous. A new link's ifindex comes back in the echo of its creation
 * (NLM_F_ECHO), so later steps need no lookup.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>

#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <netlink/msg.h>

#include "backends/internal.h"
#include "model/vec.h"
#include "model/linktype.h"
#include "backends/linktype.h"
#include "backends/kinds.h"
#include "model/names.h"

struct run {
	struct backend *b;
	struct step **steps;
	int *errs;
	const char **msgs;
	struct bns **touched;
	size_t n_touched;
};

#define STEP_MSG_MAX 256

/* Step i's message buffer, made on its first use; NULL when out of memory
 * (the step's errno then says why). */
static char *step_msg_buf(struct backend *b, size_t i)
{
	if (!b->msgs[i])
		b->msgs[i] = malloc(STEP_MSG_MAX);
	return b->msgs[i];
}

static void run_fail(struct run *r, size_t i, int err, const char *msg)
{
	char *buf;

	if (r->errs[i])
		return;   /* keep the first reason */
	r->errs[i] = err ? err : -EIO;
	buf = step_msg_buf(r->b, i);
	if (buf)
		snprintf(buf, STEP_MSG_MAX, "%s", msg && msg[0] ? msg : strerror(-r->errs[i]));
	r->msgs[i] = buf;
}

static void on_ack(void *arg, size_t tag, int err, const char *msg)
{
	struct run *r = arg;

	char why[256];
	const char *explained;

	if (!err)
		return;
	explained = link_explain(r->steps[tag], err, why, sizeof(why));
	run_fail(r, tag, err, explained ? explained : msg);
}

/* The echo of a link creation: learn the new ifindex (and the peer's). */
static void on_echo(void *arg, size_t tag, const void *nlh)
{
	struct run *r = arg;
	const struct step *s = r->steps[tag];
	struct topo_iface ifc;
	struct bns *ns;

	if (s->op != STEP_LINK_ADD)
		return;
	if (link_parse(nlh, &ifc) < 0) {
		topo_iface_clear(&ifc);
		return;
	}
	ns = bns_find(r->b, s->ns);
	if (ns)
		ifnames_set(&ns->ifs, ifc.name, ifc.ifindex);
	if (topo_lt_is(s->lk->link.type, TOPO_LT_PAIR) && ifc.peer_ifindex > 0) {
		struct bns *pns = bns_find(r->b, s->lk->peer_ns);

		if (pns)
			ifnames_set(&pns->ifs, s->lk->peer.name, ifc.peer_ifindex);
	}
	topo_iface_clear(&ifc);
}

static int touch(struct run *r, struct bns *ns)
{
	for (size_t i = 0; i < r->n_touched; i++)
		if (r->touched[i] == ns)
			return 0;
	struct bns **v = VEC_APPEND(r->touched, r->n_touched);

	if (!v)
		return -ENOMEM;
	*v = ns;
	return 0;
}

static int drain(struct run *r, struct bns *ns)
{
	return nlq_drain(r->b, ns, on_ack, on_echo, r);
}

static int drain_all(struct run *r)
{
	int ret = 0;

	for (size_t i = 0; i < r->n_touched; i++) {
		int e = drain(r, r->touched[i]);

		if (e < 0 && !ret)
			ret = e;
	}
	return ret;
}

/* Queues one request; the answer comes with the next drain. */
static void send_msg(struct run *r, size_t i, struct bns *ns, int built, struct nl_msg *msg)
{
	int e;

	if (built < 0) {
		run_fail(r, i, built, r->b->err);
		return;
	}
	e = touch(r, ns);
	if (e == 0)
		e = nlq_queue(r->b, ns, msg, i);
	else
		nlmsg_free(msg);
	if (e < 0) {
		run_fail(r, i, e, "netlink send failed");
		return;
	}
	if (nlq_window_full(ns))
		drain(r, ns);
}

static struct bns *step_ns(struct run *r, size_t i)
{
	struct bns *ns = bns_find(r->b, r->steps[i]->ns);

	if (!ns || !ns->sk) {
		char msg[128];

		snprintf(msg, sizeof(msg), "namespace %s is not open", r->steps[i]->ns);
		run_fail(r, i, -ENOENT, msg);
		return NULL;
	}
	return ns;
}

static void exec_link_add(struct run *r, size_t i, struct bns *ns)
{
	struct step *s = r->steps[i];
	struct nl_msg *msg = NULL;
	int e = link_add_msg(r->b, ns, s, &msg);

	send_msg(r, i, ns, e, msg);
	/* Inside a namespace topo created everything is its own; elsewhere the
	 * alias is how it knows its links from everyone else's. */
	if (s->lk->link.owned && ns->kind != TOPO_NS_CREATED && !r->errs[i]) {
		e = link_mark_msg(s->lk->link.name, s->lk->link.owner, &msg);
		send_msg(r, i, ns, e, msg);
	}
	if (s->lk->peer.name[0] && s->lk->peer.owned && !r->errs[i]) {
		struct bns *pns = bns_find(r->b, s->lk->peer_ns);

		if (pns && pns->kind != TOPO_NS_CREATED) {
			e = link_mark_msg(s->lk->peer.name, s->lk->peer.owner, &msg);
			send_msg(r, i, pns, e, msg);
		}
	}
	if (!s->peer_followups || !s->lk->peer.name[0] || r->errs[i])
		return;
	/* Rollback recreates a veth in one step: the peer's state follows. */
	struct bns *pns = bns_find(r->b, s->lk->peer_ns);

	if (!pns || drain(r, ns) < 0 || r->errs[i])
		return;
	if (s->lk->peer.master[0]) {
		e = link_master_msg(r->b, pns, s->lk->peer.name, s->lk->peer.master, &msg);
		send_msg(r, i, pns, e, msg);
	}
	if (s->lk->peer.up) {
		e = link_up_msg(r->b, pns, s->lk->peer.name, true, &msg);
		send_msg(r, i, pns, e, msg);
	}
}

static void exec_link_del(struct run *r, size_t i, struct bns *ns)
{
	struct step *s = r->steps[i];
	struct nl_msg *msg = NULL;
	int e = link_del_msg(r->b, ns, s->lk->link.name, &msg);

	send_msg(r, i, ns, e, msg);
	ifnames_del(&ns->ifs, s->lk->link.name);
	if (s->lk->peer.name[0]) {
		struct bns *pns = bns_find(r->b, s->lk->peer_ns);

		if (pns)
			ifnames_del(&pns->ifs, s->lk->peer.name);
	}
}

/*
 * With promote_secondaries=0 (the kernel's default), deleting an interface's
 * primary IPv4 address deletes its secondaries too: an address change (new
 * one added, old one deleted) would take the new address with it. In a
 * namespace topo owns it promotes instead, set before the first deletion.
 */
static int promote_here(void *arg)
{
	(void)arg;
	return netns_write_sysctl_here("/proc/sys/net/ipv4/conf/all/promote_secondaries", "1");
}

static void promote_secondaries(struct run *r, struct bns *ns)
{
	drain(r, ns);
	if (netns_run(r->b, ns, promote_here, NULL) == 0)
		ns->promote_secondaries = true;
}

/* ---------------------------------------------------------------- sysctl -- */

struct sysctl_job {
	struct run *r;
	size_t from, to;        /* steps [from, to) in one namespace */
	bool record;            /* first pass: read old values */
};

static int sysctl_here(void *arg)
{
	struct sysctl_job *j = arg;

	for (size_t i = j->from; i < j->to; i++) {
		struct step *s = j->r->steps[i];
		int e;

		if (j->r->errs[i])
			continue;
		if (j->record) {
			char *old = NULL;

			e = sysctl_read(s->key, &old);
			if (e < 0) {
				char msg[256];

				if (e == -ENOENT && strncmp(s->key, "net.bridge.", 11) == 0)
					snprintf(msg, sizeof(msg), "%s does not exist: net.bridge.* needs the "
						 "br_netfilter module", s->key);
				else
					snprintf(msg, sizeof(msg), "%s: %s", s->key, strerror(-e));
				run_fail(j->r, i, e, msg);
				continue;
			}
			free(s->old_value);
			s->old_value = old;
			continue;
		}
		e = sysctl_write(s->key, s->value);
		if (e < 0) {
			char msg[256];

			snprintf(msg, sizeof(msg), "writing %s=%s: %s", s->key, s->value, strerror(-e));
			run_fail(j->r, i, e, msg);
		}
	}
	return 0;
}

/* One pass (read or write) over sysctl steps [from, to), in each namespace
 * they name, one entry into it per run of steps of the same namespace. */
static void sysctl_pass(struct run *r, size_t from, size_t to, bool record)
{
	for (size_t g = from, end; g < to; g = end) {
		struct bns *ns = step_ns(r, g);
		struct sysctl_job job = { r, g, 0, record };

		for (end = g + 1; end < to && strcmp(r->steps[end]->ns, r->steps[g]->ns) == 0; end++)
			if (!ns)
				run_fail(r, end, -ENOENT, r->msgs[g]);
		job.to = end;
		if (ns)
			netns_run(r->b, ns, sysctl_here, &job);
	}
}

/*
 * Consecutive sysctl steps [from, to), grouped by namespace, in two passes:
 * read the values being replaced in every namespace and record them in the
 * state file (so destroy can put them back even after a crash), then write.
 * One state save for all of them: a save per namespace wrote the whole state
 * file once per namespace, which for a `defaults: sysctls:` key in a lab of
 * 1000 namespaces was 7 of apply's 9 seconds. Within a namespace every read
 * still comes before any write (a global forwarding key changes the
 * per-interface ones). Returns to.
 */
static size_t exec_sysctls(struct run *r, size_t from, size_t n)
{
	struct backend *b = r->b;
	size_t to = from;
	bool changed = false;

	while (to < n && r->steps[to]->op == STEP_SYSCTL_SET)
		to++;
	sysctl_pass(r, from, to, true);
	for (size_t i = from; b->state && i < to; i++) {
		struct step *s = r->steps[i];
		bool rollback = s->note && strcmp(s->note, "rollback") == 0;

		if (rollback || r->errs[i] || !s->old_value || topo_state_sysctl_find(b->state, s->ns, s->key))
			continue;
		if (topo_state_sysctl_put(b->state, s->ns, s->key, s->old_value) < 0)
			run_fail(r, i, -ENOMEM, NULL);
		changed = true;
	}
	if (changed && b->opts.state_dir) {
		int e = state_save(b->opts.state_dir, b->state);

		for (size_t i = from; e < 0 && i < to; i++)
			run_fail(r, i, e, "cannot record the old value in the state file");
	}
	sysctl_pass(r, from, to, false);
	return to;
}

/* ----------------------------------------------------- namespace deletes -- */

/*
 * Steps [from, to) deleting namespaces, consecutive in the batch, go in one
 * netns_delete_many: its unmounts come in one sweep. Returns to.
 */
static size_t exec_netns_dels(struct run *r, size_t from, size_t n)
{
	size_t to = from;
	const char **names;
	int *errs;

	while (to < n && r->steps[to]->op == STEP_NETNS_DEL)
		to++;
	names = malloc((to - from) * sizeof(*names));
	errs = malloc((to - from) * sizeof(*errs));
	if (!names || !errs) {
		for (size_t i = from; i < to; i++)
			run_fail(r, i, -ENOMEM, NULL);
		goto out;
	}
	for (size_t i = from; i < to; i++) {
		struct bns *ns = bns_find(r->b, r->steps[i]->ns);

		if (r->b->opts.verbose && i > from) {   /* the first was printed by the caller */
			char line[512];

			step_format(r->steps[i], line, sizeof(line));
			fprintf(stderr, "topo: %s\n", line);
		}
		/* What was queued in it is answered before its sockets go. */
		if (ns && drain(r, ns) < 0)
			run_fail(r, i, -EIO, r->b->err);
		names[i - from] = r->steps[i]->ns;
	}
	if (netns_delete_many(r->b, names, to - from, errs) < 0)
		for (size_t i = from; i < to; i++)
			if (errs[i - from])
				run_fail(r, i, errs[i - from], r->b->err);
out:
	free(names);
	free(errs);
	return to;
}

/* ------------------------------------------------------- namespace waits -- */

struct wait_dump {
	const struct step_wait **want;   /* sorted by ifindex */
	size_t n;
	size_t present;
};

static int wait_cmp(const void *a, const void *b)
{
	int x = (*(const struct step_wait *const *)a)->ifindex, y = (*(const struct step_wait *const *)b)->ifindex;

	return (x > y) - (x < y);
}

static int wait_dump_one(void *arg, const void *nlh)
{
	struct wait_dump *d = arg;
	struct topo_iface ifc;
	struct step_wait key, *kp = &key;
	const struct step_wait **hit;

	int r = link_parse(nlh, &ifc);

	topo_iface_clear(&ifc);   /* its ifindex and name are all that is wanted */
	if (r < 0)
		return 0;
	key.ifindex = ifc.ifindex;
	hit = bsearch(&kp, d->want, d->n, sizeof(*d->want), wait_cmp);
	if (hit && strcmp((*hit)->name, ifc.name) == 0)
		d->present++;
	return 0;
}

static void wait_dump_reset(void *arg)
{
	((struct wait_dump *)arg)->present = 0;
}

static void ignore_ack(void *arg, size_t tag, int err, const char *msg)
{
	(void)arg, (void)tag, (void)err, (void)msg;
}

/* Deletes the waited-for links still present, by ifindex; gone already is fine. */
static int wait_delete_left(struct backend *b, struct bns *ns, const struct step_wait **w, size_t n)
{
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++) {
		struct nl_msg *msg = NULL;

		if (ifnames_get(&ns->ifs, w[i]->name) != w[i]->ifindex)
			ifnames_set(&ns->ifs, w[i]->name, w[i]->ifindex);
		r = link_del_msg(b, ns, w[i]->name, &msg);
		if (r == 0)
			r = nlq_queue(b, ns, msg, i);
		if (r == 0 && nlq_window_full(ns))
			r = nlq_drain(b, ns, ignore_ack, NULL, NULL);
	}
	if (r == 0)
		r = nlq_drain(b, ns, ignore_ack, NULL, NULL);
	return r;
}

/*
 * A deleted namespace's devices go in the kernel's cleanup work, a little
 * later; the ends of its veths in namespaces that stay go with them. Wait
 * until they are gone, so that whatever runs next sees the kernel as the
 * plan left it. One dump per namespace per round. all[0..total) is
 * reordered.
 */
static int wait_links(struct backend *b, const struct step_wait **all, size_t total)
{
	int r = 0;

	/* Group by namespace: each group is waited for with one dump a round. */
	for (size_t from = 0; from < total && r == 0;) {
		size_t to = from;
		struct bns *ns = bns_find(b, all[from]->ns);

		for (size_t k = from; k < total; k++)
			if (strcmp(all[k]->ns, all[from]->ns) == 0) {
				const struct step_wait *t = all[to];

				all[to++] = all[k];
				all[k] = t;
			}
		if (ns && ns->sk) {
			struct wait_dump d = { .want = all + from, .n = to - from };

			qsort(all + from, to - from, sizeof(*all), wait_cmp);
			/*
			 * A dump of every link takes the RTNL lock the kernel's
			 * cleanup needs, and a few ms of CPU at a thousand links;
			 * until the newest link (highest ifindex, in practice the
			 * last to go) is gone, one lookup by name a round, and a
			 * dump only every 50 rounds to see progress.
			 */
			const struct step_wait *sentinel = all[to - 1];
			size_t last = SIZE_MAX;
			int progress = 0;
			bool deleted = false;

			d.present = to - from;
			for (int round = 0; round < 3000; round++) {
				bool full = !sentinel || round % 50 == 49;

				if (!full) {
					r = netns_getlink(b, ns, sentinel->name);
					if (r == -ENODEV) {
						sentinel = NULL;
						full = true;
					} else if (r < 0) {
						break;
					}
					r = 0;
				}
				if (full) {
					d.present = 0;
					r = nlq_dump(b, ns, RTM_GETLINK, AF_UNSPEC, wait_dump_one, &d, wait_dump_reset);
					if (r < 0 || d.present == 0)
						break;
					if (d.present < last)
						progress = round;
					last = d.present;
				}
				/* A process still inside a deleted namespace keeps it
				 * alive: when the cleanup stops making progress, delete
				 * what is left ourselves. */
				if (!deleted && round - progress >= 150) {
					deleted = true;
					r = wait_delete_left(b, ns, all + from, to - from);
					if (r < 0)
						break;
				}
				struct timespec ts = { 0, 2 * 1000 * 1000 };

				nanosleep(&ts, NULL);
			}
			if (r == 0 && d.present) {
				backend_fail(b, "%zu links in namespace %s were still there 6 s after their namespaces went",
					     d.present, ns->name);
				r = -ETIMEDOUT;
			}
			for (size_t k = from; k < to; k++)
				ifnames_del(&ns->ifs, all[k]->name);
		}
		from = to;
	}
	return r;
}

/* The waits of the batch's namespace deletions; deferred: kept for later. */
static int wait_links_gone(struct backend *b, struct step **steps, size_t n)
{
	const struct step_wait **all = NULL;
	size_t total = 0;
	int r;

	for (size_t i = 0; i < n; i++)
		if (steps[i]->op == STEP_NETNS_DEL)
			total += steps[i]->n_waits;
	if (!total)
		return 0;
	if (b->defer_waits) {
		struct step_wait *v = realloc(b->deferred, (b->n_deferred + total) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		b->deferred = v;
		for (size_t i = 0; i < n; i++)
			for (size_t k = 0; steps[i]->op == STEP_NETNS_DEL && k < steps[i]->n_waits; k++)
				v[b->n_deferred++] = steps[i]->waits[k];
		return 0;
	}
	all = malloc(total * sizeof(*all));
	if (!all)
		return -ENOMEM;
	total = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; steps[i]->op == STEP_NETNS_DEL && k < steps[i]->n_waits; k++)
			all[total++] = &steps[i]->waits[k];
	r = wait_links(b, all, total);
	free(all);
	return r;
}

int backend_wait_deferred(struct backend *b)
{
	const struct step_wait **all;
	int r;

	if (!b->n_deferred)
		return 0;
	all = malloc(b->n_deferred * sizeof(*all));
	if (!all)
		return backend_fail(b, "out of memory"), -ENOMEM;
	for (size_t i = 0; i < b->n_deferred; i++)
		all[i] = &b->deferred[i];
	r = wait_links(b, all, b->n_deferred);
	free(all);
	free(b->deferred);
	b->deferred = NULL;
	b->n_deferred = 0;
	return r;
}

void backend_defer_waits(struct backend *b, bool on)
{
	b->defer_waits = on;
}

/*
 * With waits deferred, what may run while the kernel is still tearing
 * the namespaces down: more deletions of namespaces, and nftables (which
 * does not contend for the RTNL lock). Everything else waits first:
 * ip_forward's sysctl spins on that lock while the cleanup holds it, and a
 * bridge deleted after its ports went with their namespaces is deleted
 * without taking them out one by one.
 */
static bool overlaps_cleanup(struct step **steps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		switch (steps[i]->op) {
		case STEP_NETNS_DEL:
		case STEP_NFT_DEL:
			break;
		default:
			return false;
		}
	return true;
}

/* ----------------------------------------------- gone with a dying peer -- */

static bool is_rollback(const struct step *s)
{
	return s->note && strcmp(s->note, "rollback") == 0;
}

/*
 * A veth whose other end was in no namespace the read could name: the read
 * saw its peer's ifindex and a namespace id (or the id of a dying one) but
 * no namespace in scope holds that end. After a topo killed during destroy
 * that is a namespace of ours the kernel is tearing down: its last
 * reference goes with the killed process (its sockets let go of it a grace
 * period after it died) and the kernel's one cleanup worker deletes it, and
 * both ends of its veths, when it gets to it. That can be after the read
 * that waited for it (backend_observe: its throwaway namespace may die
 * before ours has let go, and others' namespaces keep that worker busy) and
 * before or while the plan deletes the end. (An end in someone else's live
 * namespace looks the same: the checks below tell the two apart by asking
 * the kernel.)
 */
static bool peer_unread(const struct step *s)
{
	return s->lk && topo_lt_is(s->lk->link.type, TOPO_LT_PAIR) && !s->lk->peer_ns[0] &&
	       s->lk->link.peer_ifindex > 0 && s->lk->link.peer_netnsid != -1;
}

/* Is the link with this ifindex gone from ns? Asked again, by ifindex (the
 * one the plan read; the kernel does not reuse one at once). */
static bool link_gone(struct backend *b, struct bns *ns, int ifindex)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_REQUEST);

	if (!msg)
		return false;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return false;
	}
	return nlq_request(b, ns, msg, NULL, NULL) == -ENODEV;
}

/*
 * Deleting such a veth found it gone: the kernel's teardown of the peer's
 * namespace took it between the read and the step. The link is gone, which
 * is what the step was for: done, once a fresh read of that ifindex
 * confirms it. Anything else stays a failure.
 */
static void link_del_gone_done(struct run *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct step *s = r->steps[i];
		struct bns *ns;

		if (r->errs[i] != -ENODEV || s->op != STEP_LINK_DEL || is_rollback(s) || !peer_unread(s))
			continue;
		ns = bns_find(r->b, s->ns);
		if (ns && ns->sk && link_gone(r->b, ns, s->lk->link.ifindex)) {
			r->errs[i] = 0;
			r->msgs[i] = NULL;
		}
	}
}

/* Does ns still know a live namespace by this id? The kernel answers an id
 * it no longer has, or has for a namespace whose last reference went, with
 * ENOENT. */
static int nsid_live(struct backend *b, struct bns *ns, int32_t id)
{
	struct rtgenmsg g = { .rtgen_family = AF_UNSPEC };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETNSID, NLM_F_REQUEST);

	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &g, sizeof(g), NLMSG_ALIGNTO) < 0 || nla_put_s32(msg, NETNSA_NSID, id) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return nlq_request(b, ns, msg, NULL, NULL);
}

/* How long one run waits, in all, for unread peers' namespaces to go. */
#define GONE_WAIT_MS 5000

/*
 * Is the namespace a veth's unread peer was in (by its id as seen from ns)
 * gone? Right after a kill it may still be alive for a while with no name
 * (the killed process's sockets let go of it a grace period after it died,
 * and only then does the kernel's teardown start): it is waited for, within
 * GONE_WAIT_MS over the whole run. One still alive after that is someone
 * else's (or the id was given since to another namespace): the rollback
 * then tries, and says it could not.
 */
static bool peer_ns_gone(struct backend *b, struct bns *ns, const struct step *s)
{
	if (s->lk->link.peer_netnsid == NSID_DYING)
		return true;
	for (;;) {
		int r = nsid_live(b, ns, s->lk->link.peer_netnsid);

		if (r == -ENOENT)
			return true;
		if (r < 0 || b->gone_wait_ms >= GONE_WAIT_MS)
			return false;
		nanosleep(&(struct timespec){ 0, 2 * 1000 * 1000 }, NULL);
		b->gone_wait_ms += 2;
	}
}

static bool gone_find(const struct backend *b, const char *ns, const char *name)
{
	for (size_t i = 0; i < b->n_gone; i++)
		if (strcmp(b->gone[i].ns, ns) == 0 && strcmp(b->gone[i].name, name) == 0)
			return true;
	return false;
}

static void gone_clear(struct backend *b, const char *ns, const char *name)
{
	for (size_t i = 0; i < b->n_gone; i++)
		if (strcmp(b->gone[i].ns, ns) == 0 && strcmp(b->gone[i].name, name) == 0)
			b->gone[i].name[0] = '\0';
}

/*
 * A rollback step with nothing to undo: re-creating a veth deleted while its
 * peer's namespace was going (by the kernel, or by the plan just before the
 * kernel would have) cannot be done, there is no peer to pair it with, and
 * need not be: as it was, it would be gone by now. Nor are what hung on it
 * (its addresses, routes, settings) put back: the name may be someone
 * else's by now. Such a step counts as undone.
 */
static bool rollback_gone(struct backend *b, const struct step *s)
{
	char ifname[TOPO_IFNAME_MAX + 1] = "";
	struct bns *ns;

	switch (s->op) {
	case STEP_LINK_ADD:
		ns = bns_find(b, s->ns);
		if (!peer_unread(s) || !ns || !ns->sk || !peer_ns_gone(b, ns, s)) {
			/* Made again (tried, at least): what hangs on those
			 * names from here on is this link's. */
			gone_clear(b, s->ns, s->lk->link.name);
			if (s->lk->peer_ns[0])
				gone_clear(b, s->lk->peer_ns, s->lk->peer.name);
			return false;
		}
		struct gone_link *g = VEC_APPEND(b->gone, b->n_gone);

		if (!g)
			return false;   /* then it is tried, and fails as before */
		snprintf(g->ns, sizeof(g->ns), "%s", s->ns);
		snprintf(g->name, sizeof(g->name), "%s", s->lk->link.name);
		return true;
	case STEP_LINK_SET:
	case STEP_ADDR_ADD:
	case STEP_FDB_ADD:
		snprintf(ifname, sizeof(ifname), "%s", s->ifname);
		break;
	case STEP_ROUTE_ADD:
	case STEP_ROUTE_REPLACE:
		snprintf(ifname, sizeof(ifname), "%s", s->rt->route.dev);
		break;
	case STEP_SYSCTL_SET:
		if (!s->key || !topo_sysctl_key_iface(s->key, ifname))
			return false;
		break;
	case STEP_OBJ_ADD:
	case STEP_OBJ_REPLACE:
		if (s->ob->kind->dev)
			snprintf(ifname, sizeof(ifname), "%s", s->ob->kind->dev(s->ob->obj.b));
		break;
	default:
		return false;
	}
	return ifname[0] && gone_find(b, s->ns, ifname);
}

/* ------------------------------------------------------------------ run -- */

/* Undoing a step whose effect the kernel already undid is not a failure. */
static bool rollback_tolerates(const struct step *s, int err)
{
	switch (s->op) {
	case STEP_LINK_ADD:
	case STEP_ADDR_ADD:
	case STEP_ROUTE_ADD:
	case STEP_NETNS_ADD:
	case STEP_OBJ_ADD:
	case STEP_FDB_ADD:
		return err == -EEXIST;
	case STEP_LINK_DEL:
	case STEP_ADDR_DEL:
	case STEP_ROUTE_DEL:
	case STEP_FDB_DEL:
	case STEP_NETNS_DEL:
	case STEP_OBJ_DEL:
		return err == -ENODEV || err == -ENOENT || err == -ESRCH || err == -EADDRNOTAVAIL;
	default:
		return false;
	}
}

static int backend_run(void *ctx, struct step **steps, size_t n, int *errs, const char **msgs)
{
	struct backend *b = ctx;
	struct run r = { .b = b, .steps = steps, .errs = errs, .msgs = msgs };
	char line[512];
	int ret;

	for (size_t i = 0; i < b->n_msgs; i++) {
		free(b->msgs[i]);
		b->msgs[i] = NULL;
	}
	if (n > b->n_msgs) {
		char **v = realloc(b->msgs, n * sizeof(*b->msgs));

		if (!v)
			return -ENOMEM;
		memset(v + b->n_msgs, 0, (n - b->n_msgs) * sizeof(*v));
		b->msgs = v;
		b->n_msgs = n;
	}
	for (size_t i = 0; i < n; i++) {
		errs[i] = 0;
		msgs[i] = NULL;
	}
	if (b->n_deferred && !overlaps_cleanup(steps, n)) {
		ret = backend_wait_deferred(b);
		if (ret < 0) {
			run_fail(&r, 0, ret, b->err);
			for (size_t i = 1; i < n; i++)
				run_fail(&r, i, -ECANCELED, "not run: an earlier deletion is not finished");
			return ret;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct step *s = steps[i];
		struct nl_msg *msg = NULL;
		struct bns *ns;
		int e;

		bns_fd_unpin(b);
		/* Interrupted: the rest of the batch is not run (and not undone). */
		if (!is_rollback(s) && backend_stop_requested(b)) {
			for (size_t k = i; k < n; k++)
				run_fail(&r, k, -ECANCELED, "not run: interrupted");
			break;
		}
		if (b->opts.verbose) {
			step_format(s, line, sizeof(line));
			fprintf(stderr, "topo: %s\n", line);
		}
		if (is_rollback(s) && rollback_gone(b, s)) {
			if (b->opts.verbose)
				fprintf(stderr, "topo: (nothing to undo: gone with its peer's namespace)\n");
			continue;
		}
		switch (s->op) {
		case STEP_NETNS_ADD:
			/* Born marked (lo up, topo:<topology>) before it has a name. */
			e = netns_create(b, s->ns, s->netns_ipv6, &ns);
			if (e < 0)
				run_fail(&r, i, e, b->err);
			break;
		case STEP_NETNS_DEL:
			i = exec_netns_dels(&r, i, n) - 1;
			break;
		case STEP_LINK_ADD:
			if ((ns = step_ns(&r, i)))
				exec_link_add(&r, i, ns);
			break;
		case STEP_LINK_DEL:
			if ((ns = step_ns(&r, i)))
				exec_link_del(&r, i, ns);
			break;
		case STEP_LINK_SET:
			if ((ns = step_ns(&r, i))) {
				e = link_set_msg(b, ns, s, &msg);
				send_msg(&r, i, ns, e, msg);
			}
			break;
		case STEP_ADDR_ADD:
		case STEP_ADDR_DEL:
			if ((ns = step_ns(&r, i))) {
				if (s->op == STEP_ADDR_DEL && ns->kind == TOPO_NS_CREATED && !ns->promote_secondaries)
					promote_secondaries(&r, ns);
				e = addr_msg(b, ns, s->op == STEP_ADDR_ADD, s->ifname, &s->addr, &msg);
				send_msg(&r, i, ns, e, msg);
			}
			break;
		case STEP_FDB_ADD:
		case STEP_FDB_DEL:
			if ((ns = step_ns(&r, i))) {
				e = fdb_msg(b, ns, s->op == STEP_FDB_ADD, s->ifname, &s->fdb, &msg);
				send_msg(&r, i, ns, e, msg);
			}
			break;
		case STEP_ROUTE_ADD:
		case STEP_ROUTE_DEL:
		case STEP_ROUTE_REPLACE:
			if ((ns = step_ns(&r, i))) {
				e = route_msg(b, ns, s->op, &s->rt->route, &msg);
				send_msg(&r, i, ns, e, msg);
			}
			break;
		case STEP_OBJ_ADD:
		case STEP_OBJ_DEL:
		case STEP_OBJ_REPLACE:
			if ((ns = step_ns(&r, i))) {
				const struct kind_backend *kb = kind_backend_find(s->ob->kind);

				e = kb ? kb->msg(b, ns, s->op, s->ob->obj.b, &msg) : -ENOSYS;
				send_msg(&r, i, ns, e, msg);
			}
			break;
		case STEP_SYSCTL_SET:
			drain_all(&r);
			i = exec_sysctls(&r, i, n) - 1;
			break;
		case STEP_NFT_SET:
		case STEP_NFT_DEL:
		case STEP_NFT_RESTORE:
			if ((ns = step_ns(&r, i))) {
				e = nft_apply(b, ns, s);
				if (e < 0)
					run_fail(&r, i, e, b->err);
			}
			break;
		case STEP_DU_ADD:
		case STEP_DU_DEL:
			if ((ns = step_ns(&r, i))) {
				e = dockeruser_apply(b, ns, s);
				if (e < 0)
					run_fail(&r, i, e, b->err);
			}
			break;
		}
	}
	bns_fd_unpin(b);
	ret = drain_all(&r);
	if (ret == 0)
		link_del_gone_done(&r, n);
	if (ret == 0) {
		int e = wait_links_gone(b, steps, n);

		for (size_t i = 0; e < 0 && i < n; i++)
			if (steps[i]->op == STEP_NETNS_DEL)
				run_fail(&r, i, e, b->err);
	}
	for (size_t i = 0; i < n; i++)
		if (errs[i] && is_rollback(steps[i]) && rollback_tolerates(steps[i], errs[i]))
			errs[i] = 0;
	for (size_t i = 0; i < n; i++)
		if (errs[i] && steps[i]->op == STEP_LINK_SET && steps[i]->attr == LINK_ATTR_SHAPE) {
			char *buf = step_msg_buf(b, i);

			if (buf && !msgs[i])
				snprintf(buf, STEP_MSG_MAX, "%s", strerror(-errs[i]));
			if (buf) {
				shape_explain(steps[i], errs[i], buf, STEP_MSG_MAX);
				msgs[i] = buf;
			}
		}
	free(r.touched);
	return ret;
}

const struct exec_ops backend_exec_ops = { .run = backend_run };

void backend_set_stop(struct backend *b, bool (*stop)(void *arg), void *arg)
{
	b->stop = stop;
	b->stop_arg = arg;
}

bool backend_stop_requested(struct backend *b)
{
	return b->stop && b->stop(b->stop_arg);
}

void backend_read_everything(struct backend *b)
{
	b->read_all = true;
}

void backend_read_for_destroy(struct backend *b)
{
	b->destroying = true;
}

void backend_set_state(struct backend *b, struct topo_state *state)
{
	b->state = state;
}
