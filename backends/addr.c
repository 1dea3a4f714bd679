// SPDX-License-Identifier: MIT
/*
 * Addresses. Added with IFA_F_NODAD so an IPv6 address is usable at once
 * (otherwise it stays tentative for a second or two, or for ever on a link
 * that is down), and tagged with IFA_PROTO so topo can tell its addresses on
 * links it does not own.
 */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/addr.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>

#include "backends/internal.h"

struct addr_dump {
	struct topo_ns *out;
	struct idx {
		int ifindex;
		size_t pos;
	} *byidx;
};

static int idx_cmp(const void *a, const void *b)
{
	int x = ((const struct idx *)a)->ifindex, y = ((const struct idx *)b)->ifindex;

	return (x > y) - (x < y);
}

static int addr_dump_one(void *arg, const void *nlhv)
{
	struct addr_dump *d = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)nlhv;
	struct ifaddrmsg *ifa = nlmsg_data(nlh);
	struct nlattr *tb[IFA_MAX + 1];
	struct nlattr *a;
	struct topo_addr *ta;
	struct idx key = { (int)ifa->ifa_index, 0 }, *hit;
	int len = ifa->ifa_family == AF_INET6 ? 16 : 4;

	if (nlh->nlmsg_type != RTM_NEWADDR || (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return 0;
	if (nlmsg_parse(nlh, sizeof(*ifa), tb, IFA_MAX, NULL) < 0)
		return 0;
	/* IFA_LOCAL is the address; IFA_ADDRESS is the peer on point-to-point links. */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || nla_len(a) < len)
		return 0;
	hit = bsearch(&key, d->byidx, d->out->n_ifaces, sizeof(*d->byidx), idx_cmp);
	if (!hit)
		return 0;
	ta = topo_iface_addr_add(&d->out->ifaces[hit->pos]);
	if (!ta)
		return -ENOMEM;
	ta->ip.family = ifa->ifa_family;
	ta->ip.plen = ifa->ifa_prefixlen;
	memcpy(ta->ip.bytes, nla_data(a), (size_t)len);
	if (tb[IFA_PROTO] && nla_len(tb[IFA_PROTO]) >= 1)
		ta->proto = nla_get_u8(tb[IFA_PROTO]);
	return 0;
}

static void addr_dump_reset(void *arg)
{
	struct addr_dump *d = arg;

	for (size_t i = 0; i < d->out->n_ifaces; i++) {
		free(d->out->ifaces[i].addrs);
		d->out->ifaces[i].addrs = NULL;
		d->out->ifaces[i].n_addrs = 0;
	}
}

/* After link_observe: each address goes to its link. */
int addr_observe(struct backend *b, struct bns *ns, struct topo_ns *out)
{
	struct addr_dump d = { .out = out };
	int r;

	d.byidx = malloc((out->n_ifaces + 1) * sizeof(*d.byidx));
	if (!d.byidx)
		return -ENOMEM;
	for (size_t i = 0; i < out->n_ifaces; i++)
		d.byidx[i] = (struct idx){ out->ifaces[i].ifindex, i };
	qsort(d.byidx, out->n_ifaces, sizeof(*d.byidx), idx_cmp);
	r = nlq_dump_inet(b, ns, RTM_GETADDR, addr_dump_one, &d, addr_dump_reset);
	free(d.byidx);
	return r;
}

int addr_msg(struct backend *b, struct bns *ns, bool add, const char *ifname, const struct topo_addr *a,
	     struct nl_msg **ret)
{
	struct rtnl_addr *ra;
	struct nl_addr *local;
	int idx = link_resolve(b, ns, ifname), r;

	if (idx < 0)
		return idx;
	ra = rtnl_addr_alloc();
	local = nl_addr_build(a->ip.family, a->ip.bytes, a->ip.family == AF_INET6 ? 16 : 4);
	if (!ra || !local) {
		rtnl_addr_put(ra);
		nl_addr_put(local);
		return -ENOMEM;
	}
	nl_addr_set_prefixlen(local, a->ip.plen);
	rtnl_addr_set_ifindex(ra, idx);
	rtnl_addr_set_family(ra, a->ip.family);
	rtnl_addr_set_local(ra, local);
	rtnl_addr_set_prefixlen(ra, a->ip.plen);
	if (add) {
		if (a->ip.family == AF_INET6)
			rtnl_addr_set_flags(ra, IFA_F_NODAD);
		r = rtnl_addr_build_add_request(ra, NLM_F_CREATE | NLM_F_EXCL, ret);
		/* IFA_PROTO is newer than libnl 3.7: append it. */
		if (r == 0 && a->proto && nla_put_u8(*ret, IFA_PROTO, a->proto) < 0) {
			nlmsg_free(*ret);
			r = -ENOMEM;
		}
	} else {
		r = rtnl_addr_build_delete_request(ra, 0, ret);
	}
	rtnl_addr_put(ra);
	nl_addr_put(local);
	return r < 0 ? -ENOMEM : 0;
}
