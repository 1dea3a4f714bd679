// SPDX-License-Identifier: MIT
/*
 * Routes, every table. topo's carry rtm_protocol TOPO_RTPROT. Routes the
 * kernel derives are read with protocol kernel (prefix routes; local and
 * broadcast ones, which only `absent:` may name) and left to the reconciler
 * to ignore; multicast and cloned cache entries are not read at all.
 */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/addr.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

#include "backends/internal.h"
#include "model/ip.h"
#include "model/route.h"

struct route_dump {
	struct topo_ns *out;
	const struct idx_name {
		int ifindex;
		const char *name;
	} *names;
	bool kernel_own;        /* keep the routes the kernel made itself (protocol kernel) */
	bool kernel_local;      /* of those, the local and broadcast ones too */
};

static int name_cmp(const void *a, const void *b)
{
	int x = ((const struct idx_name *)a)->ifindex, y = ((const struct idx_name *)b)->ifindex;

	return (x > y) - (x < y);
}

/* Local and broadcast routes are read only as the kernel makes them, for
 * `absent:` to name; one someone added is not topo's business. */
static bool route_type_from_kernel(unsigned char t, unsigned char proto, enum topo_rtype *ret)
{
	switch (t) {
	case RTN_UNICAST: *ret = TOPO_RT_UNICAST; return true;
	case RTN_BLACKHOLE: *ret = TOPO_RT_BLACKHOLE; return true;
	case RTN_UNREACHABLE: *ret = TOPO_RT_UNREACHABLE; return true;
	case RTN_PROHIBIT: *ret = TOPO_RT_PROHIBIT; return true;
	case RTN_LOCAL: *ret = TOPO_RT_LOCAL; return proto == RTPROT_KERNEL;
	case RTN_BROADCAST: *ret = TOPO_RT_BROADCAST; return proto == RTPROT_KERNEL;
	}
	return false;
}

static void ip_from_attr(struct topo_ip *ip, int family, const struct nlattr *a)
{
	int len = family == AF_INET6 ? 16 : 4;

	if (!a || nla_len(a) < len)
		return;
	ip->family = (uint8_t)family;
	ip->plen = (uint8_t)(len * 8);
	memcpy(ip->bytes, nla_data(a), (size_t)len);
}

static void dev_from_oif(const struct route_dump *d, int oif, char dev[TOPO_IFNAME_MAX + 1])
{
	struct idx_name key = { oif, NULL };
	const struct idx_name *hit = bsearch(&key, d->names, d->out->n_ifaces, sizeof(*d->names), name_cmp);

	if (hit)
		snprintf(dev, TOPO_IFNAME_MAX + 1, "%s", hit->name);
}

/* RTA_MULTIPATH: one rtnexthop per path, its gateway nested in it. The
 * route is onlink when every path is. */
static int route_multipath(const struct route_dump *d, struct topo_route *rt, int family, const struct nlattr *mp)
{
	const struct rtnexthop *nh = nla_data(mp);
	int left = nla_len(mp);
	bool all_onlink = true;

	while (RTNH_OK(nh, left) && rt->n_nh < TOPO_ROUTE_NH_MAX) {
		struct topo_route_nh *out = topo_route_nh_add(rt);
		struct nlattr *tb[RTA_MAX + 1];
		int alen = nh->rtnh_len - (int)RTNH_LENGTH(0);

		if (!out)
			return -ENOMEM;
		out->weight = (uint16_t)(nh->rtnh_hops + 1);
		out->oif = nh->rtnh_ifindex;
		dev_from_oif(d, out->oif, out->dev);
		all_onlink &= (nh->rtnh_flags & RTNH_F_ONLINK) != 0;
		if (alen > 0 && nla_parse(tb, RTA_MAX, (struct nlattr *)RTNH_DATA(nh), alen, NULL) == 0)
			ip_from_attr(&out->via, family, tb[RTA_GATEWAY]);
		left -= NLMSG_ALIGN(nh->rtnh_len);
		nh = RTNH_NEXT(nh);
	}
	rt->onlink = rt->n_nh && all_onlink;
	return 0;
}

static void route_metrics(struct topo_route *rt, struct nlattr *m)
{
	struct nlattr *tb[RTAX_MAX + 1];

	if (nla_parse_nested(tb, RTAX_MAX, m, NULL) < 0)
		return;
	if (tb[RTAX_MTU] && nla_len(tb[RTAX_MTU]) >= 4)
		rt->mtu = nla_get_u32(tb[RTAX_MTU]);
	if (tb[RTAX_ADVMSS] && nla_len(tb[RTAX_ADVMSS]) >= 4)
		rt->advmss = nla_get_u32(tb[RTAX_ADVMSS]);
}

/* Older kernels dump an IPv6 multipath route as one entry per path (its
 * siblings), each with the same key: fold a sibling into the route before
 * it, so the model holds one multipath route either way. 1 when folded, 0
 * when not a sibling, -ENOMEM. */
static int route_fold_sibling(struct topo_ns *out, const struct topo_route *rt)
{
	struct topo_route *prev = out->n_routes ? &out->routes[out->n_routes - 1] : NULL;
	struct topo_route_nh *nh;

	if (!prev || rt->dst.family != AF_INET6 || rt->type != TOPO_RT_UNICAST || prev->type != TOPO_RT_UNICAST ||
	    !rt->via.family || rt->n_nh || prev->table != rt->table || prev->metric != rt->metric ||
	    !topo_ip_equal(&prev->dst, &rt->dst) || prev->proto != rt->proto || (!prev->via.family && !prev->n_nh))
		return 0;
	if (!prev->n_nh) {
		if (!(nh = topo_route_nh_add(prev)))
			return -ENOMEM;
		*nh = (struct topo_route_nh){ .via = prev->via, .weight = 1, .oif = prev->oif };
		memcpy(nh->dev, prev->dev, sizeof(prev->dev));
		memset(&prev->via, 0, sizeof(prev->via));
		prev->dev[0] = '\0';
		prev->oif = 0;
	}
	if (prev->n_nh == TOPO_ROUTE_NH_MAX)
		return 1;
	if (!(nh = topo_route_nh_add(prev)))
		return -ENOMEM;
	*nh = (struct topo_route_nh){ .via = rt->via, .weight = 1, .oif = rt->oif };
	memcpy(nh->dev, rt->dev, sizeof(rt->dev));
	topo_route_nh_sort(prev);
	return 1;
}

static int route_dump_one(void *arg, const void *nlhv)
{
	struct route_dump *d = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)nlhv;
	struct rtmsg *rtm = nlmsg_data(nlh);
	struct nlattr *tb[RTA_MAX + 1];
	struct topo_route rt = { 0 }, *slot;
	int len = rtm->rtm_family == AF_INET6 ? 16 : 4;
	int r;

	if (nlh->nlmsg_type != RTM_NEWROUTE || (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6))
		return 0;
	if ((rtm->rtm_flags & RTM_F_CLONED) || !route_type_from_kernel(rtm->rtm_type, rtm->rtm_protocol, &rt.type))
		return 0;
	/* The kernel's own (an address's prefix route, fe80::/64 on every
	 * link) are never topo's and never in a plan but through `absent:`,
	 * and a diff sets them aside (owner_route: kernel): kept where absent:
	 * asks and for show and export, not for thousands of links of a lab. */
	if (!d->kernel_own && rtm->rtm_protocol == RTPROT_KERNEL)
		return 0;
	/* Three of them per IPv4 address: not kept unless `absent:` asks. */
	if (!d->kernel_local && (rt.type == TOPO_RT_LOCAL || rt.type == TOPO_RT_BROADCAST))
		return 0;
	if (nlmsg_parse(nlh, sizeof(*rtm), tb, RTA_MAX, NULL) < 0)
		return 0;
	rt.dst.family = rtm->rtm_family;
	rt.dst.plen = rtm->rtm_dst_len;
	if (tb[RTA_DST] && nla_len(tb[RTA_DST]) >= len)
		memcpy(rt.dst.bytes, nla_data(tb[RTA_DST]), (size_t)len);
	rt.table = tb[RTA_TABLE] && nla_len(tb[RTA_TABLE]) >= 4 ? nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (tb[RTA_PRIORITY] && nla_len(tb[RTA_PRIORITY]) >= 4)
		rt.metric = nla_get_u32(tb[RTA_PRIORITY]);
	ip_from_attr(&rt.via, rtm->rtm_family, tb[RTA_GATEWAY]);
	ip_from_attr(&rt.src, rtm->rtm_family, tb[RTA_PREFSRC]);
	if (tb[RTA_OIF] && nla_len(tb[RTA_OIF]) >= 4) {
		rt.oif = (int)nla_get_u32(tb[RTA_OIF]);
		dev_from_oif(d, rt.oif, rt.dev);
	}
	/* Through a nexthop object: the kernel reports that object's gateway
	 * and device too, but the route says only its id. */
	if (tb[RTA_NH_ID] && nla_len(tb[RTA_NH_ID]) >= 4) {
		rt.nhid = nla_get_u32(tb[RTA_NH_ID]);
		memset(&rt.via, 0, sizeof(rt.via));
		rt.dev[0] = '\0';
		rt.oif = 0;
	}
	rt.onlink = (rtm->rtm_flags & RTNH_F_ONLINK) != 0;
	if (tb[RTA_MULTIPATH] && !rt.nhid &&   /* the nexthop object's paths, not the route's */
	    route_multipath(d, &rt, rtm->rtm_family, tb[RTA_MULTIPATH]) < 0) {
		topo_route_clear(&rt);
		return -ENOMEM;
	}
	topo_route_nh_sort(&rt);
	if (tb[RTA_METRICS])
		route_metrics(&rt, tb[RTA_METRICS]);
	rt.has_scope = true;
	rt.scope = rtm->rtm_scope;
	/* Blackhole and friends report lo as their device: not part of the route. */
	if (rt.type != TOPO_RT_UNICAST && rt.type != TOPO_RT_LOCAL && rt.type != TOPO_RT_BROADCAST) {
		rt.dev[0] = '\0';
		rt.oif = 0;
	}
	rt.proto = rtm->rtm_protocol;
	r = route_fold_sibling(d->out, &rt);   /* rt has no paths then */
	if (r)
		return r < 0 ? r : 0;
	slot = topo_ns_route_add(d->out);
	if (!slot) {
		topo_route_clear(&rt);
		return -ENOMEM;
	}
	*slot = rt;
	return 0;
}

static void route_dump_reset(void *arg)
{
	struct topo_ns *out = ((struct route_dump *)arg)->out;

	for (size_t i = 0; i < out->n_routes; i++)
		topo_route_clear(&out->routes[i]);
	out->n_routes = 0;
}

int route_observe(struct backend *b, struct bns *ns, struct topo_ns *out, bool kernel_own, bool kernel_local)
{
	struct idx_name *names = malloc((out->n_ifaces + 1) * sizeof(*names));
	struct route_dump d = { .out = out, .names = names, .kernel_own = kernel_own || kernel_local,
				.kernel_local = kernel_local };
	int r;

	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < out->n_ifaces; i++)
		names[i] = (struct idx_name){ out->ifaces[i].ifindex, out->ifaces[i].name };
	qsort(names, out->n_ifaces, sizeof(*names), name_cmp);
	r = nlq_dump_inet(b, ns, RTM_GETROUTE, route_dump_one, &d, route_dump_reset);
	free(names);
	return r;
}

static unsigned char route_type_to_kernel(enum topo_rtype t)
{
	switch (t) {
	case TOPO_RT_BLACKHOLE: return RTN_BLACKHOLE;
	case TOPO_RT_UNREACHABLE: return RTN_UNREACHABLE;
	case TOPO_RT_PROHIBIT: return RTN_PROHIBIT;
	case TOPO_RT_LOCAL: return RTN_LOCAL;
	case TOPO_RT_BROADCAST: return RTN_BROADCAST;
	case TOPO_RT_UNICAST: break;
	}
	return RTN_UNICAST;
}

static struct nl_addr *ip_addr(const struct topo_ip *ip)
{
	struct nl_addr *a = nl_addr_build(ip->family, ip->bytes, ip->family == AF_INET6 ? 16 : 4);

	if (a)
		nl_addr_set_prefixlen(a, ip->plen);
	return a;
}

/* A route's path on the request; the route owns it once added. */
static int route_add_path(struct backend *b, struct bns *ns, struct rtnl_route *r, const struct topo_ip *via,
			  const char *dev, unsigned weight, bool onlink)
{
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *gw = NULL;
	int oif = 0;

	if (!nh)
		return -ENOMEM;
	if (dev[0]) {
		oif = link_resolve(b, ns, dev);
		if (oif < 0) {
			rtnl_route_nh_free(nh);
			return oif;
		}
		rtnl_route_nh_set_ifindex(nh, oif);
	}
	if (via->family) {
		gw = ip_addr(via);
		if (!gw) {
			rtnl_route_nh_free(nh);
			return -ENOMEM;
		}
		rtnl_route_nh_set_gateway(nh, gw);
		nl_addr_put(gw);
	}
	/* libnl writes its weight as rtnh_hops, which the kernel reads as weight - 1. */
	if (weight)
		rtnl_route_nh_set_weight(nh, (uint8_t)(weight - 1));
	if (onlink)
		rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
	rtnl_route_add_nexthop(r, nh);
	return 0;
}

int route_msg(struct backend *b, struct bns *ns, enum step_op op, const struct topo_route *rt, struct nl_msg **ret)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct nl_addr *dst = NULL, *src = NULL;
	bool has_path = rt->type == TOPO_RT_UNICAST || rt->type == TOPO_RT_LOCAL || rt->type == TOPO_RT_BROADCAST;
	int err = -ENOMEM;

	if (!r)
		return -ENOMEM;
	dst = ip_addr(&rt->dst);
	if (!dst)
		goto out;
	rtnl_route_set_family(r, rt->dst.family);
	rtnl_route_set_dst(r, dst);
	rtnl_route_set_table(r, rt->table);
	rtnl_route_set_priority(r, rt->metric);
	rtnl_route_set_type(r, route_type_to_kernel(rt->type));
	rtnl_route_set_protocol(r, rt->proto ? rt->proto : TOPO_RTPROT);
	/* As `ip route` does: a unicast route with no gateway is on-link. */
	rtnl_route_set_scope(r, topo_route_scope(rt));
	/* One path: libnl puts its gateway and device on the route itself and
	 * drops the nexthop's flags, so onlink goes on rtm_flags. */
	if (rt->onlink && !rt->n_nh)
		rtnl_route_set_flags(r, RTNH_F_ONLINK);
	if (rt->mtu && rtnl_route_set_metric(r, RTAX_MTU, rt->mtu) < 0)
		goto out;
	if (rt->advmss && rtnl_route_set_metric(r, RTAX_ADVMSS, rt->advmss) < 0)
		goto out;
	if (rt->src.family) {
		src = ip_addr(&rt->src);
		if (!src)
			goto out;
		rtnl_route_set_pref_src(r, src);
	}
	if (has_path && rt->n_nh) {
		for (size_t i = 0; i < rt->n_nh; i++) {
			err = route_add_path(b, ns, r, &rt->nh[i].via, rt->nh[i].dev, rt->nh[i].weight, rt->onlink);
			if (err < 0)
				goto out;
		}
	} else if (has_path && (rt->dev[0] || rt->via.family)) {
		err = route_add_path(b, ns, r, &rt->via, rt->dev, 0, rt->onlink);
		if (err < 0)
			goto out;
	}
	if (op == STEP_ROUTE_DEL)
		err = rtnl_route_build_del_request(r, 0, ret);
	else if (op == STEP_ROUTE_REPLACE)
		err = rtnl_route_build_add_request(r, NLM_F_CREATE | NLM_F_REPLACE, ret);
	else
		err = rtnl_route_build_add_request(r, NLM_F_CREATE | NLM_F_EXCL, ret);
	err = err < 0 ? -ENOMEM : 0;
	if (err == 0 && rt->nhid && op != STEP_ROUTE_DEL && nla_put_u32(*ret, RTA_NH_ID, rt->nhid) < 0) {
		nlmsg_free(*ret);
		err = -ENOMEM;
	}
out:
	nl_addr_put(dst);
	nl_addr_put(src);
	rtnl_route_put(r);
	return err;
}
