// SPDX-License-Identifier: MIT
/*
 * Readiness after an apply. A veth is "up" as soon as topo sets IFF_UP, but
 * the end brought up first has no carrier yet, so the kernel defers its
 * qdisc (noop: drops everything) and its operstate ("unknown") to linkwatch,
 * which runs a little later; an IPv6 address is unusable while tentative.
 * So: look (one link dump, one IPv6 address dump per namespace involved);
 * for the namespaces that are not ready, subscribe (RTNLGRP_LINK,
 * RTNLGRP_IPV6_IFADDR) and look again (nothing slips between the two), then
 * after each notification look at those again, until everything is ready or
 * the time is up. Never a blind sleep; lookups by hash and sorted arrays, so
 * the wait stays linear in the size of the lab.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/internal.h"
#include "model/linktype.h"
#include "model/ip.h"
#include "model/vec.h"

struct ready_item {
	const char *ifname;               /* borrowed from the desired model ("lo" is static) */
	const struct topo_iface *decl;    /* the declaration (NULL for a created namespace's lo) */
	bool need_carrier;                /* false: a bridge without declared ports, up is enough */
	bool need_oper_up;                /* veths and bridges: linkwatch must have said UP (lo and
					   * vxlan stay "unknown" for good) */
	int ifindex;
	bool ready;
	char why[96];
};

struct ready_ns {
	const struct topo_ns *decl;
	struct bns *bn;
	struct mnl_socket *sub;           /* only while something here is not ready */
	struct ready_item *items;
	size_t n_items;
	struct strmap names;              /* ifname -> index in items */
	struct ready_item **by_ifindex;   /* after a link dump: items sorted by ifindex */
	size_t n_by_ifindex;
	size_t not_ready;
	bool dirty;                       /* something may have changed since the last look */
};

struct ready {
	struct ready_ns *ns;
	size_t n_ns;
	long *slot_of;                    /* desired namespace index -> index in ns, -1 = none */
	struct ready_ns *cur;             /* the namespace being dumped */
};

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Bridges that some declared interface names as its master. */
static int bridges_with_ports(const struct topo_ns *ns, struct strmap *ret)
{
	for (size_t i = 0; i < ns->n_ifaces; i++)
		if (ns->ifaces[i].master[0] && strmap_put(ret, ns->ifaces[i].master, i) == -ENOMEM)
			return -ENOMEM;
	return 0;
}

/* Adds NS:IFNAME when the file still declares it (steps of an earlier round
 * may be about objects a later one removed). */
static int item_add(struct ready *rd, const struct topology *desired, const char *ns, const char *ifname)
{
	long n = topology_ns_find(desired, ns), i;
	struct ready_ns *rn;
	struct ready_item *it;
	size_t dummy;

	if (n < 0 || !ifname[0])
		return 0;
	i = topo_ns_iface_find(&desired->ns[n], ifname);
	if (i < 0 && !(strcmp(ifname, "lo") == 0 && desired->ns[n].kind == TOPO_NS_CREATED))
		return 0;
	if (rd->slot_of[n] < 0) {
		struct ready_ns *v = VEC_APPEND(rd->ns, rd->n_ns);

		if (!v)
			return -ENOMEM;
		v->decl = &desired->ns[n];
		rd->slot_of[n] = (long)rd->n_ns - 1;
	}
	rn = &rd->ns[rd->slot_of[n]];
	const char *name = i >= 0 ? desired->ns[n].ifaces[i].name : "lo";

	if (strmap_get(&rn->names, name, &dummy) == 0)
		return 0;
	if (strmap_put(&rn->names, name, rn->n_items) == -ENOMEM)
		return -ENOMEM;
	it = VEC_APPEND(rn->items, rn->n_items);
	if (!it)
		return -ENOMEM;
	it->ifname = name;
	it->decl = i >= 0 ? &desired->ns[n].ifaces[i] : NULL;
	it->need_carrier = true;
	it->need_oper_up = it->decl &&
			   (topo_lt_is(it->decl->type, TOPO_LT_MASTER) || topo_lt_is(it->decl->type, TOPO_LT_PAIR) || it->decl->link >= 0);
	return 0;
}

static int items_from_plan(struct ready *rd, const struct topology *desired, const struct plan *done)
{
	int r = 0;

	for (size_t i = 0; i < done->n && r == 0; i++) {
		const struct step *s = &done->steps[i];

		switch (s->op) {
		case STEP_NETNS_ADD:
			r = item_add(rd, desired, s->ns, "lo");
			break;
		case STEP_LINK_ADD:
			r = item_add(rd, desired, s->ns, s->lk->link.name);
			if (r == 0 && s->lk->peer.name[0])
				r = item_add(rd, desired, s->lk->peer_ns, s->lk->peer.name);
			break;
		case STEP_LINK_SET:
		case STEP_ADDR_ADD:
			r = item_add(rd, desired, s->ns, s->ifname);
			break;
		default:
			break;
		}
	}
	/* A bridge nobody declared a port of has no carrier to wait for. */
	for (size_t k = 0; k < rd->n_ns && r == 0; k++) {
		struct ready_ns *rn = &rd->ns[k];
		struct strmap ported = { 0 };
		size_t dummy;

		r = bridges_with_ports(rn->decl, &ported);
		for (size_t i = 0; i < rn->n_items && r == 0; i++) {
			struct ready_item *it = &rn->items[i];

			if (it->decl && topo_lt_is(it->decl->type, TOPO_LT_MASTER) && strmap_get(&ported, it->ifname, &dummy) < 0)
				it->need_carrier = it->need_oper_up = false;
		}
		strmap_free(&ported);
	}
	return r;
}

static int on_link(void *arg, const void *msg)
{
	struct ready *rd = arg;
	const struct nlmsghdr *nlh = msg;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	const char *name = NULL;
	int oper = -1;
	struct ready_item *it;
	size_t idx;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		if (mnl_attr_get_type(a) == IFLA_IFNAME && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			name = mnl_attr_get_str(a);
		else if (mnl_attr_get_type(a) == IFLA_OPERSTATE && mnl_attr_get_payload_len(a) >= 1)
			oper = mnl_attr_get_u8(a);
	}
	if (!name || strmap_get(&rd->cur->names, name, &idx) < 0)
		return 0;
	it = &rd->cur->items[idx];
	it->ifindex = ifi->ifi_index;
	if (!(ifi->ifi_flags & IFF_UP))
		snprintf(it->why, sizeof(it->why), "down");
	else if (it->need_carrier && !(ifi->ifi_flags & IFF_LOWER_UP))
		snprintf(it->why, sizeof(it->why), "no carrier");
	else if (it->need_carrier && !(ifi->ifi_flags & IFF_RUNNING))
		snprintf(it->why, sizeof(it->why), "carrier, but operstate not up yet");
	/* "Unknown" on a veth or bridge: linkwatch has not run, the qdisc is
	 * still the one that drops everything. */
	else if (it->need_oper_up && oper != IF_OPER_UP)
		snprintf(it->why, sizeof(it->why), "operstate %s, not up yet",
			 oper == IF_OPER_UNKNOWN ? "unknown" : "down");
	else {
		it->ready = true;
		it->why[0] = '\0';
	}
	return 0;
}

static int by_ifindex_cmp(const void *a, const void *b)
{
	const struct ready_item *x = *(const struct ready_item *const *)a, *y = *(const struct ready_item *const *)b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

static struct ready_item *item_by_ifindex(const struct ready_ns *rn, int ifindex)
{
	size_t lo = 0, hi = rn->n_by_ifindex;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rn->by_ifindex[mid]->ifindex == ifindex)
			return rn->by_ifindex[mid];
		if (rn->by_ifindex[mid]->ifindex < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int on_addr(void *arg, const void *msg)
{
	struct ready *rd = arg;
	const struct nlmsghdr *nlh = msg;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	uint32_t flags = ifa->ifa_flags;
	uint8_t bytes[16];
	bool have = false;
	struct ready_item *it;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET6)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_type(a) == IFA_FLAGS && mnl_attr_get_payload_len(a) >= 4)
			flags = mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == IFA_ADDRESS && mnl_attr_get_payload_len(a) == 16) {
			memcpy(bytes, mnl_attr_get_payload(a), 16);
			have = true;
		}
	}
	if (!have || !(flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) ||
	    !(it = item_by_ifindex(rd->cur, (int)ifa->ifa_index)) || !it->decl)
		return 0;
	for (size_t i = 0; i < it->decl->n_addrs; i++) {
		const struct topo_ip *d = &it->decl->addrs[i].ip;
		char buf[TOPO_IP_STRLEN];

		if (d->family != AF_INET6 || memcmp(d->bytes, bytes, 16) != 0)
			continue;
		it->ready = false;
		topo_ip_format(d, false, buf, sizeof(buf));
		snprintf(it->why, sizeof(it->why), "%s %s", buf,
			 flags & IFA_F_DADFAILED ? "failed duplicate address detection" : "is tentative");
	}
	return 0;
}

/* A fresh look at one namespace: links first (ifindexes), then addresses. */
static int ready_look(struct backend *b, struct ready *rd, struct ready_ns *rn)
{
	int r;

	if (rn->n_items && rn->not_ready == 0)
		return 0;
	rd->cur = rn;
	for (size_t i = 0; i < rn->n_items; i++) {
		rn->items[i].ready = false;
		rn->items[i].ifindex = 0;
		snprintf(rn->items[i].why, sizeof(rn->items[i].why), "not there");
	}
	r = nlq_dump(b, rn->bn, RTM_GETLINK, AF_UNSPEC, on_link, rd, NULL);
	if (r == 0) {
		rn->n_by_ifindex = 0;
		for (size_t i = 0; i < rn->n_items; i++)
			if (rn->items[i].ifindex > 0)
				rn->by_ifindex[rn->n_by_ifindex++] = &rn->items[i];
		qsort(rn->by_ifindex, rn->n_by_ifindex, sizeof(*rn->by_ifindex), by_ifindex_cmp);
		r = nlq_dump(b, rn->bn, RTM_GETADDR, AF_INET6, on_addr, rd, NULL);
	}
	if (r < 0)
		return backend_fail(b, "reading namespace %s: %s", rn->decl->name, strerror(-r)), r;
	rn->not_ready = 0;
	for (size_t i = 0; i < rn->n_items; i++)
		rn->not_ready += !rn->items[i].ready;
	return 0;
}

static int subscribe(struct backend *b, struct ready_ns *rn)
{
	int r = 0;

	if (rn->bn->kind != TOPO_NS_IS_HOST && (r = netns_enter(b, rn->bn)) < 0)
		return r;
	rn->sub = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	r = rn->sub ? 0 : -errno;
	if (rn->bn->kind != TOPO_NS_IS_HOST)
		netns_leave(b);
	if (r == 0 && mnl_socket_bind(rn->sub, RTMGRP_LINK | RTMGRP_IPV6_IFADDR, MNL_SOCKET_AUTOPID) < 0)
		r = -errno;
	if (r < 0)
		backend_fail(b, "netlink subscription in %s: %s", rn->decl->name, strerror(-r));
	return r;
}

static void drain(struct mnl_socket *sk)
{
	char buf[8192];

	/* What changed does not matter: the next dump reads it whole. */
	while (mnl_socket_recvfrom(sk, buf, sizeof(buf)) > 0 || errno == ENOBUFS)
		;
}

/* "ns:if (why), ..." for the first few that are not ready. */
static void not_ready_message(struct backend *b, const struct ready *rd)
{
	char msg[400] = "";
	size_t len = 0, shown = 0, total = 0;

	for (size_t k = 0; k < rd->n_ns; k++) {
		for (size_t i = 0; i < rd->ns[k].n_items; i++) {
			const struct ready_item *it = &rd->ns[k].items[i];
			int n;

			if (it->ready)
				continue;
			total++;
			if (shown == 4 || len >= sizeof(msg) - 1)
				continue;
			n = snprintf(msg + len, sizeof(msg) - len, "%s%s:%s (%s)", shown ? ", " : "",
				     rd->ns[k].decl->name, it->ifname, it->why);
			len += n > 0 ? (size_t)n : 0;
			shown++;
		}
	}
	if (len >= sizeof(msg))
		len = sizeof(msg) - 1;
	if (total > shown)
		snprintf(msg + len, sizeof(msg) - len, " and %zu more", total - shown);
	backend_fail(b, "%s", msg);
}

int backend_wait_ready(struct backend *b, const struct topology *desired, const struct plan *done, int timeout_ms)
{
	struct ready rd = { 0 };
	double deadline = mono_ms() + timeout_ms;
	struct pollfd *pfd = NULL;
	size_t *polled = NULL;
	int r = 0;

	rd.slot_of = malloc((desired->n_ns + 1) * sizeof(*rd.slot_of));
	if (!rd.slot_of)
		return -ENOMEM;
	for (size_t i = 0; i < desired->n_ns; i++)
		rd.slot_of[i] = -1;
	r = items_from_plan(&rd, desired, done);
	for (size_t k = 0; k < rd.n_ns && r == 0; k++) {
		struct ready_ns *rn = &rd.ns[k];
		const struct topo_ns *d = rn->decl;

		rn->not_ready = rn->n_items;
		rn->dirty = true;
		rn->by_ifindex = calloc(rn->n_items + 1, sizeof(*rn->by_ifindex));
		if (!rn->by_ifindex)
			r = -ENOMEM;
		else
			r = bns_open(b, d->name, d->kind, d->path, d->pid, &rn->bn);
	}
	if (r == 0 && rd.n_ns && (!(pfd = calloc(rd.n_ns, sizeof(*pfd))) || !(polled = calloc(rd.n_ns, sizeof(*polled)))))
		r = -ENOMEM;
	while (r == 0) {
		size_t not_ready = 0, n_poll = 0;
		double left;

		for (size_t k = 0; k < rd.n_ns && r == 0; k++) {
			struct ready_ns *rn = &rd.ns[k];

			if (!rn->dirty) {
				not_ready += rn->not_ready;
				continue;
			}
			rn->dirty = false;
			r = ready_look(b, &rd, rn);
			/* Not ready: listen from now on, then look once more, so a
			 * change between the look and the subscription is not lost. */
			if (r == 0 && rn->not_ready && !rn->sub && (r = subscribe(b, rn)) == 0)
				r = ready_look(b, &rd, rn);
			if (r == 0 && !rn->not_ready && rn->sub) {
				mnl_socket_close(rn->sub);
				rn->sub = NULL;
			}
			not_ready += rn->not_ready;
		}
		if (r < 0 || not_ready == 0)
			break;
		left = deadline - mono_ms();
		if (left <= 0) {
			not_ready_message(b, &rd);
			r = -ETIMEDOUT;
			break;
		}
		for (size_t k = 0; k < rd.n_ns; k++) {
			if (!rd.ns[k].sub)
				continue;
			pfd[n_poll] = (struct pollfd){ .fd = mnl_socket_get_fd(rd.ns[k].sub), .events = POLLIN };
			polled[n_poll++] = k;
		}
		if (poll(pfd, n_poll, (int)left + 1) < 0 && errno != EINTR)
			r = -errno;
		for (size_t i = 0; i < n_poll && r == 0; i++)
			if (pfd[i].revents) {
				drain(rd.ns[polled[i]].sub);
				rd.ns[polled[i]].dirty = true;
			}
	}
	for (size_t k = 0; k < rd.n_ns; k++) {
		if (rd.ns[k].sub)
			mnl_socket_close(rd.ns[k].sub);
		free(rd.ns[k].items);
		free(rd.ns[k].by_ifindex);
		strmap_free(&rd.ns[k].names);
	}
	free(pfd);
	free(polled);
	free(rd.ns);
	free(rd.slot_of);
	return r;
}
