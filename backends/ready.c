// SPDX-License-Identifier: MIT
/*
 * Readiness after an apply. A veth is "up" as soon as topo sets IFF_UP, but
 * it carries nothing until the kernel's linkwatch has seen its carrier,
 * set operstate and swapped the noop qdisc for a real one (IFF_RUNNING says
 * that has happened); an IPv6 address is unusable while tentative. So: one
 * subscription per namespace involved (RTNLGRP_LINK, RTNLGRP_IPV6_IFADDR),
 * opened before the first look, then a fresh dump each time the kernel says
 * something changed, until everything is ready or the time is up.
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
#include "model/ip.h"

struct ready_item {
	size_t slot;                      /* index in the namespace list */
	char ifname[TOPO_IFNAME_MAX + 1];
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
	struct mnl_socket *sub;
};

struct ready {
	struct ready_ns *ns;
	size_t n_ns;
	struct ready_item *items;
	size_t n_items;
	size_t cur;                       /* the namespace being dumped */
};

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static bool bridge_has_ports(const struct topo_ns *ns, const char *bridge)
{
	for (size_t i = 0; i < ns->n_ifaces; i++)
		if (strcmp(ns->ifaces[i].master, bridge) == 0)
			return true;
	return false;
}

/* Adds NS:IFNAME when the file still declares it (steps of an earlier round
 * may be about objects a later one removed). */
static int item_add(struct ready *rd, const struct topology *desired, const char *ns, const char *ifname)
{
	long n = topology_ns_find(desired, ns), i;
	size_t slot;

	if (n < 0 || !ifname[0])
		return 0;
	i = topo_ns_iface_find(&desired->ns[n], ifname);
	if (i < 0 && !(strcmp(ifname, "lo") == 0 && desired->ns[n].kind == TOPO_NS_CREATED))
		return 0;
	for (size_t k = 0; k < rd->n_items; k++)
		if (rd->ns[rd->items[k].slot].decl == &desired->ns[n] && strcmp(rd->items[k].ifname, ifname) == 0)
			return 0;
	for (slot = 0; slot < rd->n_ns && rd->ns[slot].decl != &desired->ns[n]; slot++)
		;
	if (slot == rd->n_ns) {
		struct ready_ns *v = realloc(rd->ns, (rd->n_ns + 1) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		rd->ns = v;
		rd->ns[rd->n_ns++] = (struct ready_ns){ .decl = &desired->ns[n] };
	}
	struct ready_item *v = realloc(rd->items, (rd->n_items + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	rd->items = v;
	struct ready_item *it = &rd->items[rd->n_items++];

	memset(it, 0, sizeof(*it));
	it->slot = slot;
	snprintf(it->ifname, sizeof(it->ifname), "%s", ifname);
	it->decl = i >= 0 ? &desired->ns[n].ifaces[i] : NULL;
	it->need_carrier = !(it->decl && it->decl->type == TOPO_IF_BRIDGE && !bridge_has_ports(&desired->ns[n], ifname));
	it->need_oper_up = it->need_carrier && it->decl &&
			   (it->decl->type == TOPO_IF_BRIDGE || it->decl->type == TOPO_IF_VETH || it->decl->link >= 0);
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
			r = item_add(rd, desired, s->ns, s->link.name);
			if (r == 0 && s->peer.name[0])
				r = item_add(rd, desired, s->peer_ns, s->peer.name);
			break;
		case STEP_LINK_SET:
		case STEP_ADDR_ADD:
			r = item_add(rd, desired, s->ns, s->ifname[0] ? s->ifname : s->link.name);
			break;
		default:
			break;
		}
	}
	return r;
}

static struct ready_item *item_by_name(struct ready *rd, const char *name)
{
	for (size_t i = 0; i < rd->n_items; i++)
		if (rd->items[i].slot == rd->cur && strcmp(rd->items[i].ifname, name) == 0)
			return &rd->items[i];
	return NULL;
}

static struct ready_item *item_by_index(struct ready *rd, int ifindex)
{
	for (size_t i = 0; i < rd->n_items; i++)
		if (rd->items[i].slot == rd->cur && rd->items[i].ifindex == ifindex)
			return &rd->items[i];
	return NULL;
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

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		if (mnl_attr_get_type(a) == IFLA_IFNAME && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			name = mnl_attr_get_str(a);
		else if (mnl_attr_get_type(a) == IFLA_OPERSTATE && mnl_attr_get_payload_len(a) >= 1)
			oper = mnl_attr_get_u8(a);
	}
	if (!name || !(it = item_by_name(rd, name)))
		return 0;
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
		snprintf(it->why, sizeof(it->why), "operstate %s, not up yet", oper == IF_OPER_UNKNOWN ? "unknown" : "down");
	else {
		it->ready = true;
		it->why[0] = '\0';
	}
	return 0;
}

static int on_addr(void *arg, const void *msg)
{
	struct ready *rd = arg;
	const struct nlmsghdr *nlh = msg;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	uint32_t flags = ifa->ifa_flags;
	struct topo_ip ip = { .family = AF_INET6, .plen = ifa->ifa_prefixlen };
	bool have = false;
	struct ready_item *it;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET6)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_type(a) == IFA_FLAGS && mnl_attr_get_payload_len(a) >= 4)
			flags = mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == IFA_ADDRESS && mnl_attr_get_payload_len(a) == 16) {
			memcpy(ip.bytes, mnl_attr_get_payload(a), 16);
			have = true;
		}
	}
	if (!have || !(flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) || !(it = item_by_index(rd, (int)ifa->ifa_index)) ||
	    !it->decl)
		return 0;
	for (size_t i = 0; i < it->decl->n_addrs; i++) {
		const struct topo_ip *d = &it->decl->addrs[i].ip;
		char buf[TOPO_IP_STRLEN];

		if (d->family != AF_INET6 || memcmp(d->bytes, ip.bytes, 16) != 0)
			continue;
		it->ready = false;
		topo_ip_format(d, false, buf, sizeof(buf));
		snprintf(it->why, sizeof(it->why), "%s %s", buf,
			 flags & IFA_F_DADFAILED ? "failed duplicate address detection" : "is tentative");
	}
	return 0;
}

/* A fresh look at one namespace: links first (ifindexes), then addresses. */
static int ready_look(struct backend *b, struct ready *rd, size_t slot)
{
	bool pending = false;
	int r;

	rd->cur = slot;
	for (size_t i = 0; i < rd->n_items; i++)
		pending |= rd->items[i].slot == slot && !rd->items[i].ready;
	if (!pending)
		return 0;
	for (size_t i = 0; i < rd->n_items; i++) {
		if (rd->items[i].slot != slot)
			continue;
		rd->items[i].ready = false;
		rd->items[i].ifindex = 0;
		snprintf(rd->items[i].why, sizeof(rd->items[i].why), "not there");
	}
	r = nlq_dump(b, rd->ns[slot].bn, RTM_GETLINK, AF_UNSPEC, on_link, rd, NULL);
	if (r == 0)
		r = nlq_dump(b, rd->ns[slot].bn, RTM_GETADDR, AF_INET6, on_addr, rd, NULL);
	if (r < 0)
		backend_fail(b, "reading namespace %s: %s", rd->ns[slot].decl->name, strerror(-r));
	return r;
}

static int subscribe(struct backend *b, struct ready_ns *rn)
{
	const struct topo_ns *d = rn->decl;
	int r = bns_open(b, d->name, d->kind, d->path, d->pid, &rn->bn);

	if (r < 0)
		return r;
	if (rn->bn->kind != TOPO_NS_IS_HOST && (r = netns_enter(b, rn->bn)) < 0)
		return r;
	rn->sub = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	r = rn->sub ? 0 : -errno;
	if (rn->bn->kind != TOPO_NS_IS_HOST)
		netns_leave(b);
	if (r == 0 && mnl_socket_bind(rn->sub, RTMGRP_LINK | RTMGRP_IPV6_IFADDR, MNL_SOCKET_AUTOPID) < 0)
		r = -errno;
	if (r < 0)
		backend_fail(b, "netlink subscription in %s: %s", d->name, strerror(-r));
	return r;
}

static void drain(struct mnl_socket *sk)
{
	char buf[8192];

	/* What changed does not matter: the next dump reads it whole. */
	while (mnl_socket_recvfrom(sk, buf, sizeof(buf)) > 0 || errno == ENOBUFS)
		;
}

int backend_wait_ready(struct backend *b, const struct topology *desired, const struct plan *done, int timeout_ms)
{
	struct ready rd = { 0 };
	double deadline = mono_ms() + timeout_ms;
	struct pollfd *pfd = NULL;
	int r = items_from_plan(&rd, desired, done);

	for (size_t i = 0; i < rd.n_ns && r == 0; i++)
		r = subscribe(b, &rd.ns[i]);
	if (r == 0 && rd.n_ns && !(pfd = calloc(rd.n_ns, sizeof(*pfd))))
		r = -ENOMEM;
	while (r == 0) {
		size_t not_ready = 0;
		double left;

		for (size_t i = 0; i < rd.n_ns && r == 0; i++)
			r = ready_look(b, &rd, i);
		for (size_t i = 0; i < rd.n_items; i++)
			not_ready += !rd.items[i].ready;
		if (r < 0 || not_ready == 0)
			break;
		left = deadline - mono_ms();
		if (left <= 0) {
			char msg[400] = "";
			size_t len = 0, shown = 0;

			for (size_t i = 0; i < rd.n_items && len < sizeof(msg) - 1; i++) {
				const struct ready_item *it = &rd.items[i];
				int n;

				if (it->ready || shown == 4)
					continue;
				n = snprintf(msg + len, sizeof(msg) - len, "%s%s:%s (%s)", shown ? ", " : "",
					     rd.ns[it->slot].decl->name, it->ifname, it->why);
				len += n > 0 ? (size_t)n : 0;
				shown++;
			}
			if (len >= sizeof(msg))
				len = sizeof(msg) - 1;
			if (not_ready > shown)
				snprintf(msg + len, sizeof(msg) - len, " and %zu more", not_ready - shown);
			backend_fail(b, "%s", msg);
			r = -ETIMEDOUT;
			break;
		}
		for (size_t i = 0; i < rd.n_ns; i++)
			pfd[i] = (struct pollfd){ .fd = mnl_socket_get_fd(rd.ns[i].sub), .events = POLLIN };
		if (poll(pfd, rd.n_ns, (int)left + 1) < 0 && errno != EINTR)
			r = -errno;
		for (size_t i = 0; i < rd.n_ns && r == 0; i++)
			if (pfd[i].revents)
				drain(rd.ns[i].sub);
	}
	for (size_t i = 0; i < rd.n_ns; i++)
		if (rd.ns[i].sub)
			mnl_socket_close(rd.ns[i].sub);
	free(pfd);
	free(rd.ns);
	free(rd.items);
	return r;
}
