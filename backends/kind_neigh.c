// SPDX-License-Identifier: MIT
/*
 * Static neighbours (RTM_*NEIGH), both families. Only NUD_PERMANENT
 * entries are read (the rest is the kernel's cache, proxies are another
 * thing). An add replaces a cached entry of the same address (NLM_F_REPLACE):
 * a declared entry is the point, whatever the cache learnt. NDA_PROTOCOL
 * needs Linux >= 5.9; before that every entry reads as foreign.
 */
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "backends/kinds.h"
#include "model/kind_neigh.h"

struct neigh_dump {
	const struct topo_ns *out;
	struct topo_objs *objs;
};

static int neigh_dump_one(void *arg, const void *nlhv)
{
	struct neigh_dump *d = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)nlhv;
	struct ndmsg *h = nlmsg_data(nlh);
	struct nlattr *tb[NDA_MAX + 1];
	struct topo_neigh ne = { 0 }, *slot;
	size_t len = h->ndm_family == AF_INET6 ? 16 : 4;

	if (nlh->nlmsg_type != RTM_NEWNEIGH || (h->ndm_family != AF_INET && h->ndm_family != AF_INET6) ||
	    !(h->ndm_state & NUD_PERMANENT) || (h->ndm_flags & NTF_PROXY))
		return 0;
	if (nlmsg_parse(nlh, sizeof(*h), tb, NDA_MAX, NULL) < 0 || !tb[NDA_DST] || (size_t)nla_len(tb[NDA_DST]) < len ||
	    !tb[NDA_LLADDR] || nla_len(tb[NDA_LLADDR]) != 6)
		return 0;
	ne.ip.family = h->ndm_family;
	ne.ip.plen = (uint8_t)(len * 8);
	memcpy(ne.ip.bytes, nla_data(tb[NDA_DST]), len);
	memcpy(ne.mac, nla_data(tb[NDA_LLADDR]), 6);
	snprintf(ne.dev, sizeof(ne.dev), "%s", kinds_ifname(d->out, h->ndm_ifindex));
	ne.proto = tb[NDA_PROTOCOL] ? nla_get_u8(tb[NDA_PROTOCOL]) : 0;
	slot = topo_objs_add(&topo_kind_neigh, d->objs);
	if (!slot)
		return -ENOMEM;
	*slot = ne;
	return 0;
}

static void neigh_dump_reset(void *arg)
{
	topo_objs_free(((struct neigh_dump *)arg)->objs);
}

static int neigh_observe(struct backend *b, struct bns *ns, const struct topo_ns *out, struct topo_objs *objs)
{
	struct neigh_dump d = { out, objs };

	return nlq_dump(b, ns, RTM_GETNEIGH, AF_UNSPEC, neigh_dump_one, &d, neigh_dump_reset);
}

static int neigh_msg(struct backend *b, struct bns *ns, enum step_op op, const void *obj, struct nl_msg **ret)
{
	const struct topo_neigh *ne = obj;
	struct ndmsg h = { 0 };
	struct nl_msg *m;
	int ifindex = link_resolve(b, ns, ne->dev);

	if (ifindex < 0)
		return ifindex;
	m = nlmsg_alloc_simple(op == STEP_OBJ_DEL ? RTM_DELNEIGH : RTM_NEWNEIGH,
			       op == STEP_OBJ_DEL ? 0 : NLM_F_CREATE | NLM_F_REPLACE);
	if (!m)
		return -ENOMEM;
	h.ndm_family = ne->ip.family;
	h.ndm_ifindex = ifindex;
	h.ndm_state = NUD_PERMANENT;
	if (nlmsg_append(m, &h, sizeof(h), NLMSG_ALIGNTO) < 0 ||
	    nla_put(m, NDA_DST, ne->ip.family == AF_INET6 ? 16 : 4, ne->ip.bytes) < 0 ||
	    (op != STEP_OBJ_DEL && nla_put(m, NDA_LLADDR, 6, ne->mac) < 0) ||
	    (op != STEP_OBJ_DEL && ne->proto && nla_put_u8(m, NDA_PROTOCOL, ne->proto) < 0)) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	*ret = m;
	return 0;
}

const struct kind_backend kind_backend_neigh = {
	.kind = &topo_kind_neigh,
	.observe = neigh_observe,
	.msg = neigh_msg,
};
