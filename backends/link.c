// SPDX-License-Identifier: MIT
/*
 * Links: bridge, veth, vxlan (and lo, which is only ever set up).
 *
 * Requests are built with libnl-route-3's link objects; a bridge's STP state
 * lives in IFLA_INFO_DATA, which libnl 3.7 cannot express, so bridge requests
 * are built with libnl's message primitives instead. Dumps are parsed
 * directly into the model's types.
 *
 * A veth is born with each end in its namespace (IFLA_NET_NS_FD on the
 * peer): moving a link later would drop its addresses. The local end takes
 * master and IFF_UP at creation; the peer cannot (ENOTCONN), the plan has
 * separate steps for it. Both ends are born with one tx and one rx queue:
 * without counts, veth registers more queues than it keeps and shrinks them
 * after registration (netif_set_real_num_tx_queues, a synchronize_net()
 * under RTNL, twice per pair: the largest cost of creating a pair).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/addr.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

#include "backends/internal.h"
#include "model/ip.h"

/* ---------------------------------------------------------------- parsing -- */

static void parse_vxlan(struct nlattr *data, struct topo_iface *ret, int *underlay)
{
	struct nlattr *tb[IFLA_VXLAN_MAX + 1];

	if (nla_parse_nested(tb, IFLA_VXLAN_MAX, data, NULL) < 0)
		return;
	if (tb[IFLA_VXLAN_ID] && nla_len(tb[IFLA_VXLAN_ID]) >= 4)
		ret->vxlan.vni = nla_get_u32(tb[IFLA_VXLAN_ID]);
	if (tb[IFLA_VXLAN_PORT] && nla_len(tb[IFLA_VXLAN_PORT]) >= 2)
		ret->vxlan.port = ntohs(nla_get_u16(tb[IFLA_VXLAN_PORT]));
	if (tb[IFLA_VXLAN_LINK] && nla_len(tb[IFLA_VXLAN_LINK]) >= 4)
		*underlay = (int)nla_get_u32(tb[IFLA_VXLAN_LINK]);
	for (int v6 = 0; v6 < 2; v6++) {
		struct nlattr *g = tb[v6 ? IFLA_VXLAN_GROUP6 : IFLA_VXLAN_GROUP];
		struct nlattr *l = tb[v6 ? IFLA_VXLAN_LOCAL6 : IFLA_VXLAN_LOCAL];
		int len = v6 ? 16 : 4;
		struct topo_ip ip = { .family = v6 ? AF_INET6 : AF_INET, .plen = (uint8_t)(len * 8) };

		if (g && nla_len(g) >= len) {
			memcpy(ip.bytes, nla_data(g), (size_t)len);
			bool multicast = v6 ? ip.bytes[0] == 0xff : (ip.bytes[0] & 0xf0) == 0xe0;
			bool zero = true;

			for (int i = 0; i < len; i++)
				zero &= ip.bytes[i] == 0;
			if (!zero) {
				if (multicast)
					ret->vxlan.group = ip;
				else
					ret->vxlan.remote = ip;
			}
		}
		if (l && nla_len(l) >= len) {
			memset(ip.bytes, 0, sizeof(ip.bytes));
			memcpy(ip.bytes, nla_data(l), (size_t)len);
			bool zero = true;

			for (int i = 0; i < len; i++)
				zero &= ip.bytes[i] == 0;
			if (!zero)
				ret->vxlan.local = ip;
		}
	}
}

/* vxlan's underlay ifindex rides in master_ifindex's neighbour: kept here
 * until the dump is complete and names can be resolved. */
struct link_parse_extra {
	int underlay;
};

static int link_parse_full(const void *nlhv, struct topo_iface *ret, struct link_parse_extra *extra)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)nlhv;
	struct ifinfomsg *ifi = nlmsg_data(nlh);
	struct nlattr *tb[IFLA_MAX + 1];

	topo_iface_init(ret);
	extra->underlay = 0;
	if (nlh->nlmsg_type != RTM_NEWLINK || nlmsg_parse(nlh, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0)
		return -EINVAL;
	if (!tb[IFLA_IFNAME])
		return -EINVAL;
	ret->ifindex = ifi->ifi_index;
	ret->up = (ifi->ifi_flags & IFF_UP) != 0;
	nla_strlcpy(ret->name, tb[IFLA_IFNAME], sizeof(ret->name));
	if (tb[IFLA_MTU] && nla_len(tb[IFLA_MTU]) >= 4)
		ret->mtu = nla_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) == 6) {
		memcpy(ret->mac, nla_data(tb[IFLA_ADDRESS]), 6);
		ret->has_mac = true;
	}
	if (tb[IFLA_MASTER] && nla_len(tb[IFLA_MASTER]) >= 4)
		ret->master_ifindex = (int)nla_get_u32(tb[IFLA_MASTER]);
	/* The root qdisc's kind: shape_observe reads the qdiscs only when one
	 * is not the kernel's plain default. */
	if (tb[IFLA_QDISC])
		nla_strlcpy(ret->shape.root_kind, tb[IFLA_QDISC], sizeof(ret->shape.root_kind));
	if (tb[IFLA_IFALIAS]) {
		char alias[256];

		nla_strlcpy(alias, tb[IFLA_IFALIAS], sizeof(alias));
		if (strncmp(alias, TOPO_ALIAS_PREFIX, strlen(TOPO_ALIAS_PREFIX)) == 0) {
			ret->owned = true;
			snprintf(ret->owner, sizeof(ret->owner), "%.*s", TOPO_NAME_MAX,
				 alias + strlen(TOPO_ALIAS_PREFIX));
		}
	}
	ret->type = ifi->ifi_type == ARPHRD_LOOPBACK ? TOPO_IF_LOOPBACK : TOPO_IF_OTHER;
	if (tb[IFLA_LINKINFO]) {
		struct nlattr *li[IFLA_INFO_MAX + 1];

		if (nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) == 0 && li[IFLA_INFO_KIND]) {
			char kind[32];

			nla_strlcpy(kind, li[IFLA_INFO_KIND], sizeof(kind));
			if (strcmp(kind, "bridge") == 0) {
				ret->type = TOPO_IF_BRIDGE;
				ret->stp = 0;
				if (li[IFLA_INFO_DATA]) {
					struct nlattr *br[IFLA_BR_MAX + 1];

					if (nla_parse_nested(br, IFLA_BR_MAX, li[IFLA_INFO_DATA], NULL) == 0 &&
					    br[IFLA_BR_STP_STATE] && nla_len(br[IFLA_BR_STP_STATE]) >= 4)
						ret->stp = nla_get_u32(br[IFLA_BR_STP_STATE]) ? 1 : 0;
				}
			} else if (strcmp(kind, "veth") == 0) {
				ret->type = TOPO_IF_VETH;
			} else if (strcmp(kind, "vxlan") == 0) {
				ret->type = TOPO_IF_VXLAN;
				if (li[IFLA_INFO_DATA])
					parse_vxlan(li[IFLA_INFO_DATA], ret, &extra->underlay);
			}
		}
	}
	if (ret->type == TOPO_IF_VETH) {
		if (tb[IFLA_LINK] && nla_len(tb[IFLA_LINK]) >= 4)
			ret->peer_ifindex = (int)nla_get_u32(tb[IFLA_LINK]);
		/* Present but unassigned: the peer's namespace is being torn down
		 * (its ids are gone, its devices not yet). */
		if (tb[IFLA_LINK_NETNSID] && nla_len(tb[IFLA_LINK_NETNSID]) >= 4)
			ret->peer_netnsid = nla_get_s32(tb[IFLA_LINK_NETNSID]) >= 0 ?
					    nla_get_s32(tb[IFLA_LINK_NETNSID]) : NSID_DYING;
	}
	return 0;
}

int link_parse(const void *nlh, struct topo_iface *ret)
{
	struct link_parse_extra extra;

	return link_parse_full(nlh, ret, &extra);
}

struct link_dump {
	struct topo_ns *out;
	int *underlay;          /* parallel to out->ifaces */
	size_t cap;
	bool oom;
};

static int link_dump_one(void *arg, const void *nlh)
{
	struct link_dump *d = arg;
	struct topo_iface parsed, *ifc;
	struct link_parse_extra extra;

	if (link_parse_full(nlh, &parsed, &extra) < 0)
		return 0;
	ifc = topo_ns_iface_add(d->out);
	if (!ifc)
		return -ENOMEM;
	*ifc = parsed;
	if (d->out->n_ifaces > d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		int *v = realloc(d->underlay, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->underlay = v;
		d->cap = cap;
	}
	d->underlay[d->out->n_ifaces - 1] = extra.underlay;
	return 0;
}

static void link_dump_reset(void *arg)
{
	struct link_dump *d = arg;

	for (size_t i = 0; i < d->out->n_ifaces; i++)
		free(d->out->ifaces[i].addrs);
	d->out->n_ifaces = 0;
}

struct idx_pos {
	int ifindex;
	size_t pos;
};

static int idx_pos_cmp(const void *a, const void *b)
{
	int x = ((const struct idx_pos *)a)->ifindex, y = ((const struct idx_pos *)b)->ifindex;

	return (x > y) - (x < y);
}

static const struct topo_iface *iface_by_index(const struct topo_ns *ns, const struct idx_pos *sorted, int ifindex)
{
	struct idx_pos key = { ifindex, 0 };
	const struct idx_pos *hit = bsearch(&key, sorted, ns->n_ifaces, sizeof(*sorted), idx_pos_cmp);

	return hit ? &ns->ifaces[hit->pos] : NULL;
}

int link_observe(struct backend *b, struct bns *ns, struct topo_ns *out)
{
	struct link_dump d = { .out = out };
	int r;

	r = nlq_dump(b, ns, RTM_GETLINK, AF_UNSPEC, link_dump_one, &d, link_dump_reset);
	if (r < 0) {
		free(d.underlay);
		return r;
	}
	ifnames_free(&ns->ifs);
	for (size_t i = 0; i < out->n_ifaces; i++)
		if (ifnames_set(&ns->ifs, out->ifaces[i].name, out->ifaces[i].ifindex) < 0)
			r = -ENOMEM;
	/* Indexes to names, now that the whole namespace is known: sort the
	 * (ifindex, position) pairs once, then look each one up. */
	struct idx_pos *byidx = malloc((out->n_ifaces + 1) * sizeof(*byidx));

	if (!byidx)
		r = -ENOMEM;
	for (size_t i = 0; byidx && i < out->n_ifaces; i++)
		byidx[i] = (struct idx_pos){ out->ifaces[i].ifindex, i };
	if (byidx)
		qsort(byidx, out->n_ifaces, sizeof(*byidx), idx_pos_cmp);
	for (size_t i = 0; i < out->n_ifaces && r == 0; i++) {
		struct topo_iface *ifc = &out->ifaces[i];
		const struct topo_iface *m;

		if (ifc->master_ifindex && (m = iface_by_index(out, byidx, ifc->master_ifindex)))
			snprintf(ifc->master, sizeof(ifc->master), "%s", m->name);
		if (d.underlay[i] && (m = iface_by_index(out, byidx, d.underlay[i])))
			snprintf(ifc->vxlan.dev, sizeof(ifc->vxlan.dev), "%s", m->name);
	}
	free(byidx);
	free(d.underlay);
	return r;
}

/* ----------------------------------------------------------- name lookup -- */

struct getlink_result {
	int ifindex;
};

static void getlink_on_msg(void *arg, size_t tag, const void *nlh)
{
	struct getlink_result *res = arg;
	struct topo_iface ifc;

	(void)tag;
	if (link_parse(nlh, &ifc) == 0)
		res->ifindex = ifc.ifindex;
}

int link_resolve(struct backend *b, struct bns *ns, const char *name)
{
	struct getlink_result res = { 0 };
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *msg;
	int idx = ifnames_get(&ns->ifs, name), r;

	if (idx > 0)
		return idx;
	msg = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_REQUEST);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 || nla_put_string(msg, IFLA_IFNAME, name) < 0 ||
	    nla_put_u32(msg, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	r = nlq_request(b, ns, msg, getlink_on_msg, &res);
	if (r < 0)
		return backend_fail(b, "no interface %s in namespace %s", name, ns->name), r;
	if (res.ifindex <= 0)
		return backend_fail(b, "no interface %s in namespace %s", name, ns->name), -ENODEV;
	ifnames_set(&ns->ifs, name, res.ifindex);
	return res.ifindex;
}

/* ---------------------------------------------------------------- building -- */

static int nl_addr_of_mac(const uint8_t mac[6], struct nl_addr **ret)
{
	*ret = nl_addr_build(AF_LLC, mac, 6);
	return *ret ? 0 : -ENOMEM;
}

/* Attributes common to both ends: name, mtu, mac. (Not the alias: the
 * kernel ignores IFLA_IFALIAS when it creates a link; link_mark_msg.) */
static int link_fill_common(struct rtnl_link *l, const struct topo_iface *ifc)
{
	rtnl_link_set_name(l, ifc->name);
	if (ifc->mtu)
		rtnl_link_set_mtu(l, ifc->mtu);
	if (ifc->has_mac) {
		struct nl_addr *mac;

		if (nl_addr_of_mac(ifc->mac, &mac) < 0)
			return -ENOMEM;
		rtnl_link_set_addr(l, mac);
		nl_addr_put(mac);
	}
	return 0;
}

/*
 * The head of a link creation built by hand: ifinfomsg (up if wanted), name,
 * mtu, MAC (set explicitly, a bridge's MAC stays put; unset, it follows its
 * ports), master, and IFLA_LINKINFO with the kind, left open for the
 * caller's IFLA_INFO_DATA. The kernel echoes the new link (NLM_F_ECHO).
 */
static int link_new_msg(const struct topo_iface *ifc, int master, const char *kind, struct nl_msg **ret_msg,
			struct nlattr **ret_info)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO);
	struct nlattr *info;

	if (!msg)
		return -ENOMEM;
	if (ifc->up) {
		ifi.ifi_flags = IFF_UP;
		ifi.ifi_change = IFF_UP;
	}
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 || nla_put_string(msg, IFLA_IFNAME, ifc->name) < 0 ||
	    (ifc->mtu && nla_put_u32(msg, IFLA_MTU, ifc->mtu) < 0) ||
	    (ifc->has_mac && nla_put(msg, IFLA_ADDRESS, 6, ifc->mac) < 0) ||
	    (master && nla_put_u32(msg, IFLA_MASTER, (uint32_t)master) < 0) ||
	    !(info = nla_nest_start(msg, IFLA_LINKINFO)) || nla_put_string(msg, IFLA_INFO_KIND, kind) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	*ret_msg = msg;
	*ret_info = info;
	return 0;
}

/* A bridge: built by hand for IFLA_BR_STP_STATE, which libnl 3.7 lacks. */
static int bridge_add_msg(int master, const struct topo_iface *ifc, struct nl_msg **ret)
{
	struct nl_msg *msg;
	struct nlattr *info, *data;

	if (link_new_msg(ifc, master, "bridge", &msg, &info) < 0)
		return -ENOMEM;
	if (ifc->stp >= 0) {
		data = nla_nest_start(msg, IFLA_INFO_DATA);
		if (!data || nla_put_u32(msg, IFLA_BR_STP_STATE, (uint32_t)ifc->stp) < 0)
			goto fail;
		nla_nest_end(msg, data);
	}
	nla_nest_end(msg, info);
	*ret = msg;
	return 0;
fail:
	nlmsg_free(msg);
	return -ENOMEM;
}

static int resolve_or_zero(struct backend *b, struct bns *ns, const char *name, int *ret);

/* A vxlan: built by hand because libnl 3.7 writes IFLA_VXLAN_PORT as a u32
 * (the kernel wants a big-endian u16 and logs "invalid length"). */
static int vxlan_add_msg(struct backend *b, struct bns *ns, int master, const struct topo_iface *ifc,
			 struct nl_msg **ret)
{
	const struct topo_vxlan *vx = &ifc->vxlan;
	struct nl_msg *msg;
	struct nlattr *info, *data;
	int underlay = 0, r;

	r = resolve_or_zero(b, ns, vx->dev, &underlay);
	if (r < 0)
		return r;
	if (link_new_msg(ifc, master, "vxlan", &msg, &info) < 0)
		return -ENOMEM;
	data = nla_nest_start(msg, IFLA_INFO_DATA);
	if (!data || nla_put_u32(msg, IFLA_VXLAN_ID, vx->vni) < 0 ||
	    nla_put_u16(msg, IFLA_VXLAN_PORT, htons(vx->port)) < 0)
		goto fail;
	if (underlay && nla_put_u32(msg, IFLA_VXLAN_LINK, (uint32_t)underlay) < 0)
		goto fail;
	for (int i = 0; i < 2; i++) {
		const struct topo_ip *ip = i == 0 ? (vx->remote.family ? &vx->remote : &vx->group) : &vx->local;
		bool v6 = ip->family == AF_INET6;

		if (!ip->family)
			continue;
		if (nla_put(msg, i == 0 ? (v6 ? IFLA_VXLAN_GROUP6 : IFLA_VXLAN_GROUP) :
				       (v6 ? IFLA_VXLAN_LOCAL6 : IFLA_VXLAN_LOCAL), v6 ? 16 : 4, ip->bytes) < 0)
			goto fail;
	}
	nla_nest_end(msg, data);
	nla_nest_end(msg, info);
	*ret = msg;
	return 0;
fail:
	nlmsg_free(msg);
	return -ENOMEM;
}

static int resolve_or_zero(struct backend *b, struct bns *ns, const char *name, int *ret)
{
	*ret = 0;
	if (!name[0])
		return 0;
	int idx = link_resolve(b, ns, name);

	if (idx < 0)
		return idx;
	*ret = idx;
	return 0;
}

int link_add_msg(struct backend *b, struct bns *ns, const struct step *s, struct nl_msg **ret)
{
	const struct topo_iface *ifc = &s->link;
	struct rtnl_link *l = NULL, *peer = NULL;
	int master = 0, r;

	*ret = NULL;
	r = resolve_or_zero(b, ns, ifc->master, &master);
	if (r < 0)
		return r;
	if (ifc->type == TOPO_IF_BRIDGE)
		return bridge_add_msg(master, ifc, ret);

	if (ifc->type == TOPO_IF_VETH) {
		struct bns *pns = bns_find(b, s->peer_ns);
		int pfd = -1;

		if (!pns || !pns->sk)
			return backend_fail(b, "veth %s: peer namespace %s is not open", ifc->name, s->peer_ns), -ENOENT;
		/* The descriptor stays open until the step is sent (bns_fd_unpin). */
		if (pns != ns && (pfd = bns_fd(b, pns)) < 0)
			return pfd;
		l = rtnl_link_veth_alloc();
		if (!l)
			return -ENOMEM;
		peer = rtnl_link_veth_get_peer(l);
		r = link_fill_common(peer, &s->peer);
		if (r < 0)
			goto out;
		rtnl_link_set_num_tx_queues(l, 1);
		rtnl_link_set_num_rx_queues(l, 1);
		rtnl_link_set_num_tx_queues(peer, 1);
		rtnl_link_set_num_rx_queues(peer, 1);
		if (pns != ns)
			rtnl_link_set_ns_fd(peer, pfd);
	} else if (ifc->type == TOPO_IF_VXLAN) {
		return vxlan_add_msg(b, ns, master, ifc, ret);
	} else {
		return backend_fail(b, "cannot create a link of type %s", topo_iftype_name(ifc->type)), -EOPNOTSUPP;
	}
	r = link_fill_common(l, ifc);
	if (r < 0)
		goto out;
	if (master)
		rtnl_link_set_master(l, master);
	if (ifc->up)
		rtnl_link_set_flags(l, IFF_UP);
	r = rtnl_link_build_add_request(l, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO, ret) < 0 ? -ENOMEM : 0;
out:
	if (peer)
		rtnl_link_put(peer);
	rtnl_link_put(l);
	return r;
}

int link_del_msg(struct backend *b, struct bns *ns, const char *name, struct nl_msg **ret)
{
	struct rtnl_link *l;
	int idx = link_resolve(b, ns, name), r;

	if (idx < 0)
		return idx;
	l = rtnl_link_alloc();
	if (!l)
		return -ENOMEM;
	rtnl_link_set_ifindex(l, idx);
	r = rtnl_link_build_delete_request(l, ret) < 0 ? -ENOMEM : 0;
	rtnl_link_put(l);
	return r;
}

/* A change request: RTM_NEWLINK on an existing ifindex, without NLM_F_CREATE. */
static int link_change(struct backend *b, struct bns *ns, const char *name, struct rtnl_link *l,
		       struct nl_msg **ret)
{
	int idx = link_resolve(b, ns, name), r;

	if (idx < 0)
		return idx;
	rtnl_link_set_ifindex(l, idx);
	r = rtnl_link_build_add_request(l, 0, ret) < 0 ? -ENOMEM : 0;
	return r;
}

int link_up_msg(struct backend *b, struct bns *ns, const char *name, bool up, struct nl_msg **ret)
{
	struct rtnl_link *l = rtnl_link_alloc();
	int r;

	if (!l)
		return -ENOMEM;
	if (up)
		rtnl_link_set_flags(l, IFF_UP);
	else
		rtnl_link_unset_flags(l, IFF_UP);
	r = link_change(b, ns, name, l, ret);
	rtnl_link_put(l);
	return r;
}

int link_master_msg(struct backend *b, struct bns *ns, const char *name, const char *master, struct nl_msg **ret)
{
	struct rtnl_link *l;
	int midx = 0, r;

	r = resolve_or_zero(b, ns, master, &midx);
	if (r < 0)
		return r;
	l = rtnl_link_alloc();
	if (!l)
		return -ENOMEM;
	/* IFLA_MASTER 0 is "nomaster". */
	rtnl_link_set_master(l, midx);
	r = link_change(b, ns, name, l, ret);
	rtnl_link_put(l);
	return r;
}

int link_set_alias_msg(struct backend *b, struct bns *ns, const char *name, const char *alias, struct nl_msg **ret)
{
	struct rtnl_link *l = rtnl_link_alloc();
	int r;

	if (!l)
		return -ENOMEM;
	rtnl_link_set_ifalias(l, alias);
	r = link_change(b, ns, name, l, ret);
	rtnl_link_put(l);
	return r;
}

/*
 * The kernel ignores IFLA_IFALIAS when it creates a link (only a change sets
 * it), so the mark goes in a second request. Addressed by name, it can be
 * queued right behind the creation, before the new ifindex is known.
 */
int link_mark_msg(const char *name, const char *owner, struct nl_msg **ret)
{
	struct rtnl_link *l = rtnl_link_alloc();
	char alias[TOPO_NAME_MAX + 8];
	int r;

	if (!l)
		return -ENOMEM;
	snprintf(alias, sizeof(alias), TOPO_ALIAS_PREFIX "%s", owner);
	rtnl_link_set_name(l, name);
	rtnl_link_set_ifalias(l, alias);
	r = rtnl_link_build_add_request(l, 0, ret) < 0 ? -ENOMEM : 0;
	rtnl_link_put(l);
	return r;
}

int link_lo_init_msg(const char *owner, struct nl_msg **ret)
{
	struct rtnl_link *l = rtnl_link_alloc();
	char alias[TOPO_NAME_MAX + 8];
	int r;

	if (!l)
		return -ENOMEM;
	snprintf(alias, sizeof(alias), TOPO_ALIAS_PREFIX "%s", owner);
	rtnl_link_set_ifindex(l, 1);
	rtnl_link_set_flags(l, IFF_UP);
	rtnl_link_set_ifalias(l, alias);
	r = rtnl_link_build_add_request(l, 0, ret) < 0 ? -ENOMEM : 0;
	rtnl_link_put(l);
	return r;
}

static int bridge_stp_msg(struct backend *b, struct bns *ns, const char *name, bool on, struct nl_msg **ret)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *msg;
	struct nlattr *info, *data;
	int idx = link_resolve(b, ns, name);

	if (idx < 0)
		return idx;
	ifi.ifi_index = idx;
	msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_REQUEST);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 || !(info = nla_nest_start(msg, IFLA_LINKINFO)) ||
	    nla_put_string(msg, IFLA_INFO_KIND, "bridge") < 0 || !(data = nla_nest_start(msg, IFLA_INFO_DATA)) ||
	    nla_put_u32(msg, IFLA_BR_STP_STATE, on) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nla_nest_end(msg, data);
	nla_nest_end(msg, info);
	*ret = msg;
	return 0;
}

int link_set_msg(struct backend *b, struct bns *ns, const struct step *s, struct nl_msg **ret)
{
	struct rtnl_link *l;
	int r;

	switch (s->attr) {
	case LINK_ATTR_UP:
		return link_up_msg(b, ns, s->ifname, s->new.flag, ret);
	case LINK_ATTR_MASTER:
		return link_master_msg(b, ns, s->ifname, s->new.master, ret);
	case LINK_ATTR_STP:
		return bridge_stp_msg(b, ns, s->ifname, s->new.flag, ret);
	case LINK_ATTR_MARK: {
		char alias[TOPO_NAME_MAX + 8] = "";

		/* An empty alias removes it. */
		if (s->new.flag)
			snprintf(alias, sizeof(alias), TOPO_ALIAS_PREFIX "%s", b->topology);
		return link_set_alias_msg(b, ns, s->ifname, alias, ret);
	}
	case LINK_ATTR_SHAPE:
		return shape_msg(b, ns, s, ret);
	case LINK_ATTR_MTU:
	case LINK_ATTR_MAC:
		break;
	}
	l = rtnl_link_alloc();
	if (!l)
		return -ENOMEM;
	if (s->attr == LINK_ATTR_MTU) {
		rtnl_link_set_mtu(l, s->new.mtu);
	} else {
		struct nl_addr *mac;

		if (nl_addr_of_mac(s->new.mac, &mac) < 0) {
			rtnl_link_put(l);
			return -ENOMEM;
		}
		rtnl_link_set_addr(l, mac);
		nl_addr_put(mac);
	}
	r = link_change(b, ns, s->ifname, l, ret);
	rtnl_link_put(l);
	return r;
}

/* ------------------------------------------------------- veth peer lookup -- */

struct nsid_result {
	int32_t nsid;
};

static void nsid_on_msg(void *arg, size_t tag, const void *nlhv)
{
	struct nsid_result *res = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)nlhv;
	struct nlattr *tb[NETNSA_MAX + 1];

	(void)tag;
	if (nlh->nlmsg_type != RTM_NEWNSID || nlmsg_parse(nlh, sizeof(struct rtgenmsg), tb, NETNSA_MAX, NULL) < 0)
		return;
	if (tb[NETNSA_NSID] && nla_len(tb[NETNSA_NSID]) >= 4)
		res->nsid = nla_get_s32(tb[NETNSA_NSID]);
}

/* The id namespace `other` has as seen from `ns` (-1: none assigned). */
static int nsid_of(struct backend *b, struct bns *ns, struct bns *other, int32_t *ret)
{
	struct rtgenmsg g = { .rtgen_family = AF_UNSPEC };
	struct nsid_result res = { .nsid = -1 };
	struct nl_msg *msg;
	int fd = bns_fd(b, other), r;

	if (fd < 0)
		return fd;
	msg = nlmsg_alloc_simple(RTM_GETNSID, NLM_F_REQUEST);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &g, sizeof(g), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, NETNSA_FD, (uint32_t)fd) < 0) {
		nlmsg_free(msg);
		bns_fd_unpin(b);
		return -ENOMEM;
	}
	r = nlq_request(b, ns, msg, nsid_on_msg, &res);
	bns_fd_unpin(b);
	if (r < 0)
		return r;
	*ret = res.nsid;
	return 0;
}

static size_t count_veths(const struct topo_ns *ns)
{
	size_t n = 0;

	for (size_t i = 0; i < ns->n_ifaces; i++)
		n += ns->ifaces[i].type == TOPO_IF_VETH;
	return n;
}

struct ns_weight {
	size_t idx, veths;
};

static int ns_weight_cmp(const void *a, const void *b)
{
	const struct ns_weight *x = a, *y = b;

	if (x->veths != y->veths)
		return x->veths < y->veths ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* Namespaces with fewer veths first. */
static void sort_by_veths(const struct topology *obs, size_t *order)
{
	struct ns_weight *w = malloc(obs->n_ns * sizeof(*w));

	if (!w)
		return;   /* the order stays as it is: correct, only slower */
	for (size_t i = 0; i < obs->n_ns; i++)
		w[i] = (struct ns_weight){ order[i], count_veths(&obs->ns[order[i]]) };
	qsort(w, obs->n_ns, sizeof(*w), ns_weight_cmp);
	for (size_t i = 0; i < obs->n_ns; i++)
		order[i] = w[i].idx;
	free(w);
}

/* Per namespace: other namespace's index -> its id as seen from here. */
static bool nsid_cache_get(const struct bns *ns, size_t other, int32_t *ret)
{
	size_t mask = ns->nsid_cap - 1;

	if (!ns->nsid_cap)
		return false;
	for (size_t i = (other * 0x9e3779b97f4a7c15ull) & mask;; i = (i + 1) & mask) {
		if (!ns->nsids[i].used)
			return false;
		if (ns->nsids[i].ns == other) {
			*ret = ns->nsids[i].nsid;
			return true;
		}
	}
}

static int nsid_cache_put(struct bns *ns, size_t other, int32_t nsid)
{
	if ((ns->n_nsids + 1) * 2 > ns->nsid_cap) {
		size_t cap = ns->nsid_cap ? ns->nsid_cap * 2 : 8;
		struct nsid_slot *v = calloc(cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		for (size_t i = 0; i < ns->nsid_cap; i++) {
			if (!ns->nsids[i].used)
				continue;
			size_t j = (ns->nsids[i].ns * 0x9e3779b97f4a7c15ull) & (cap - 1);

			while (v[j].used)
				j = (j + 1) & (cap - 1);
			v[j] = ns->nsids[i];
		}
		free(ns->nsids);
		ns->nsids = v;
		ns->nsid_cap = cap;
	}
	size_t mask = ns->nsid_cap - 1, i = (other * 0x9e3779b97f4a7c15ull) & mask;

	while (ns->nsids[i].used)
		i = (i + 1) & mask;
	ns->nsids[i] = (struct nsid_slot){ .ns = other, .nsid = nsid, .used = true };
	ns->n_nsids++;
	return 0;
}

struct veth_key {
	uint64_t key;           /* ifindex << 32 | peer ifindex */
	size_t ns, iface;
	size_t next;            /* chain, SIZE_MAX = end */
};

static uint64_t veth_key(int ifindex, int peer)
{
	return (uint64_t)(uint32_t)ifindex << 32 | (uint32_t)peer;
}

/*
 * Which namespace and interface is each veth's peer? The kernel gives the
 * peer's ifindex and the peer namespace's id as seen from this namespace
 * (ifindexes repeat across namespaces, so the index alone proves nothing).
 * Candidates come from a hash of (ifindex, peer ifindex) over every veth in
 * scope; each candidate namespace is then confirmed by asking this
 * namespace for that namespace's id (RTM_GETNSID), once per pair of
 * namespaces. Linear in the number of veths.
 */
int link_peers_resolve(struct backend *b, struct topology *obs)
{
	size_t n = 0, nb;
	struct veth_key *v;
	size_t *buckets;
	int r = 0;

	for (size_t i = 0; i < obs->n_ns; i++)
		for (size_t j = 0; j < obs->ns[i].n_ifaces; j++)
			n += obs->ns[i].ifaces[j].type == TOPO_IF_VETH;
	if (!n)
		return 0;
	for (nb = 16; nb < n * 2; nb *= 2)
		;
	v = calloc(n, sizeof(*v));
	buckets = malloc(nb * sizeof(*buckets));
	if (!v || !buckets) {
		free(v);
		free(buckets);
		return -ENOMEM;
	}
	memset(buckets, 0xff, nb * sizeof(*buckets));
	n = 0;
	for (size_t i = 0; i < obs->n_ns; i++) {
		for (size_t j = 0; j < obs->ns[i].n_ifaces; j++) {
			const struct topo_iface *ifc = &obs->ns[i].ifaces[j];
			size_t h;

			if (ifc->type != TOPO_IF_VETH)
				continue;
			v[n] = (struct veth_key){ .key = veth_key(ifc->ifindex, ifc->peer_ifindex), .ns = i, .iface = j };
			h = (size_t)(v[n].key * 0x9e3779b97f4a7c15ull) & (nb - 1);
			v[n].next = buckets[h];
			buckets[h] = n;
			n++;
		}
	}
	/*
	 * RTM_GETNSID from a namespace scans that namespace's whole table of ids,
	 * and host holds one per peer namespace: ask from the side with fewer
	 * veths (a leaf), and settle both ends of a pair with one answer.
	 */
	size_t *order = malloc(obs->n_ns * sizeof(*order));

	if (!order) {
		free(v);
		free(buckets);
		return -ENOMEM;
	}
	for (size_t i = 0; i < obs->n_ns; i++)
		order[i] = i;
	sort_by_veths(obs, order);
	for (size_t oi = 0; oi < obs->n_ns && r == 0; oi++) {
		size_t i = order[oi];
		struct topo_ns *S = &obs->ns[i];
		struct bns *sns = bns_find(b, S->name);

		for (size_t j = 0; j < S->n_ifaces && r == 0; j++) {
			struct topo_iface *ifc = &S->ifaces[j];
			uint64_t want = veth_key(ifc->peer_ifindex, ifc->ifindex);
			size_t h = (size_t)(want * 0x9e3779b97f4a7c15ull) & (nb - 1);

			if (ifc->type != TOPO_IF_VETH || !ifc->peer_ifindex || ifc->peer_ns[0])
				continue;
			for (size_t k = buckets[h]; k != SIZE_MAX && r == 0; k = v[k].next) {
				struct topo_ns *T = &obs->ns[v[k].ns];
				struct topo_iface *peer = &T->ifaces[v[k].iface];
				struct bns *tns;
				int32_t id = -1;

				if (v[k].key != want)
					continue;
				if (ifc->peer_netnsid == NSID_DYING)
					break;
				if (ifc->peer_netnsid < 0) {
					if (v[k].ns != i)
						continue;
				} else {
					if (v[k].ns == i || !sns)
						continue;
					/* Asked already for this pair of namespaces? */
					if (!nsid_cache_get(sns, v[k].ns, &id)) {
						tns = bns_find(b, T->name);
						if (!tns || !tns->sk)
							continue;
						r = nsid_of(b, sns, tns, &id);
						if (r == 0)
							r = nsid_cache_put(sns, v[k].ns, id);
						if (r < 0)
							break;
					}
					if (id != ifc->peer_netnsid)
						continue;
				}
				/* A veth's peer's peer is itself: both ends at once. */
				snprintf(ifc->peer_ns, sizeof(ifc->peer_ns), "%s", T->name);
				snprintf(ifc->peer_name, sizeof(ifc->peer_name), "%s", peer->name);
				snprintf(peer->peer_ns, sizeof(peer->peer_ns), "%s", S->name);
				snprintf(peer->peer_name, sizeof(peer->peer_name), "%s", ifc->name);
				break;
			}
		}
	}
	free(order);
	free(v);
	free(buckets);
	return r;
}
