// SPDX-License-Identifier: MIT
/*
 * Routes, every table. topo's carry rtm_protocol TOPO_RTPROT. Routes the
 * kernel derives (local, broadcast, multicast types; cloned cache entries)
 * are not read at all; prefix routes (protocol kernel) are read and left to
 * the reconciler to ignore.
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

struct route_dump {
	struct topo_ns *out;
	const struct idx_name {
		int ifindex;
		const char *name;
	} *names;
};

static int name_cmp(const void *a, const void *b)
{
	int x = ((const struct idx_name *)a)->ifindex, y = ((const struct idx_name *)b)->ifindex;

	return (x > y) - (x < y);
}

static bool route_type_from_kernel(unsigned char t, enum topo_rtype *ret)
{
	switch (t) {
	case RTN_UNICAST: *ret = TOPO_RT_UNICAST; return true;
	case RTN_BLACKHOLE: *ret = TOPO_RT_BLACKHOLE; return true;
	case RTN_UNREACHABLE: *ret = TOPO_RT_UNREACHABLE; return true;
	case RTN_PROHIBIT: *ret = TOPO_RT_PROHIBIT; return true;
	}
	return false;
}

static int route_dump_one(void *arg, const void *nlhv)
{
	struct route_dump *d = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)nlhv;
	struct rtmsg *rtm = nlmsg_data(nlh);
	struct nlattr *tb[RTA_MAX + 1];
	struct topo_route rt = { 0 }, *slot;
	int len = rtm->rtm_family == AF_INET6 ? 16 : 4;

	if (nlh->nlmsg_type != RTM_NEWROUTE || (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6))
		return 0;
	if ((rtm->rtm_flags & RTM_F_CLONED) || !route_type_from_kernel(rtm->rtm_type, &rt.type))
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
	if (tb[RTA_GATEWAY] && nla_len(tb[RTA_GATEWAY]) >= len) {
		rt.via.family = rtm->rtm_family;
		rt.via.plen = (uint8_t)(len * 8);
		memcpy(rt.via.bytes, nla_data(tb[RTA_GATEWAY]), (size_t)len);
	}
	if (tb[RTA_PREFSRC] && nla_len(tb[RTA_PREFSRC]) >= len) {
		rt.src.family = rtm->rtm_family;
		rt.src.plen = (uint8_t)(len * 8);
		memcpy(rt.src.bytes, nla_data(tb[RTA_PREFSRC]), (size_t)len);
	}
	if (tb[RTA_OIF] && nla_len(tb[RTA_OIF]) >= 4) {
		struct idx_name key = { (int)nla_get_u32(tb[RTA_OIF]), NULL };
		const struct idx_name *hit = bsearch(&key, d->names, d->out->n_ifaces, sizeof(*d->names), name_cmp);

		rt.oif = key.ifindex;
		if (hit)
			snprintf(rt.dev, sizeof(rt.dev), "%s", hit->name);
	}
	/* Through a nexthop object: the kernel reports that object's gateway
	 * and device too, but the route says only its id. */
	if (tb[RTA_NH_ID] && nla_len(tb[RTA_NH_ID]) >= 4) {
		rt.nhid = nla_get_u32(tb[RTA_NH_ID]);
		memset(&rt.via, 0, sizeof(rt.via));
		rt.dev[0] = '\0';
		rt.oif = 0;
	}
	/* Blackhole and friends report lo as their device: not part of the route. */
	if (rt.type != TOPO_RT_UNICAST) {
		rt.dev[0] = '\0';
		rt.oif = 0;
	}
	rt.proto = rtm->rtm_protocol;
	slot = topo_ns_route_add(d->out);
	if (!slot)
		return -ENOMEM;
	*slot = rt;
	return 0;
}

static void route_dump_reset(void *arg)
{
	((struct route_dump *)arg)->out->n_routes = 0;
}

int route_observe(struct backend *b, struct bns *ns, struct topo_ns *out)
{
	struct idx_name *names = malloc((out->n_ifaces + 1) * sizeof(*names));
	struct route_dump d = { .out = out, .names = names };
	int r;

	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < out->n_ifaces; i++)
		names[i] = (struct idx_name){ out->ifaces[i].ifindex, out->ifaces[i].name };
	qsort(names, out->n_ifaces, sizeof(*names), name_cmp);
	r = nlq_dump(b, ns, RTM_GETROUTE, AF_UNSPEC, route_dump_one, &d, route_dump_reset);
	free(names);
	return r;
}

static unsigned char route_type_to_kernel(enum topo_rtype t)
{
	switch (t) {
	case TOPO_RT_BLACKHOLE: return RTN_BLACKHOLE;
	case TOPO_RT_UNREACHABLE: return RTN_UNREACHABLE;
	case TOPO_RT_PROHIBIT: return RTN_PROHIBIT;
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

int route_msg(struct backend *b, struct bns *ns, enum step_op op, const struct topo_route *rt, struct nl_msg **ret)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct nl_addr *dst = NULL, *gw = NULL, *src = NULL;
	struct rtnl_nexthop *nh = NULL;
	int oif = 0, err = -ENOMEM;

	if (!r)
		return -ENOMEM;
	if (rt->dev[0] && rt->type == TOPO_RT_UNICAST) {
		oif = link_resolve(b, ns, rt->dev);
		if (oif < 0) {
			rtnl_route_put(r);
			return oif;
		}
	}
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
	rtnl_route_set_scope(r, rt->type == TOPO_RT_UNICAST && !rt->via.family && !rt->nhid ? RT_SCOPE_LINK
											      : RT_SCOPE_UNIVERSE);
	if (rt->src.family) {
		src = ip_addr(&rt->src);
		if (!src)
			goto out;
		rtnl_route_set_pref_src(r, src);
	}
	if (rt->type == TOPO_RT_UNICAST && (oif || rt->via.family)) {
		nh = rtnl_route_nh_alloc();
		if (!nh)
			goto out;
		if (oif)
			rtnl_route_nh_set_ifindex(nh, oif);
		if (rt->via.family) {
			gw = ip_addr(&rt->via);
			if (!gw)
				goto out;
			rtnl_route_nh_set_gateway(nh, gw);
		}
		rtnl_route_add_nexthop(r, nh);
		nh = NULL;   /* the route owns it now */
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
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(dst);
	nl_addr_put(gw);
	nl_addr_put(src);
	rtnl_route_put(r);
	return err;
}
