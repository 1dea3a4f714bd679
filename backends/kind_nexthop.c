// SPDX-License-Identifier: MIT
/*
 * Nexthop objects (RTM_*NEXTHOP, Linux >= 5.3). FDB nexthops and groups of
 * a type other than multipath are left out of the model (never matched,
 * never touched). A group member's weight is the kernel's u8 plus one.
 */
#include <errno.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "backends/kinds.h"
#include "model/kind_nexthop.h"

struct nh_dump {
	const struct topo_ns *out;
	struct topo_objs *objs;
};

static int member_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct topo_nh_member *)a)->id, y = ((const struct topo_nh_member *)b)->id;

	return (x > y) - (x < y);
}

static int nh_dump_one(void *arg, const void *nlhv)
{
	struct nh_dump *d = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)nlhv;
	struct nhmsg *h = nlmsg_data(nlh);
	struct nlattr *tb[NHA_MAX + 1];
	struct topo_nexthop nh = { 0 }, *slot;

	if (nlh->nlmsg_type != RTM_NEWNEXTHOP || nlmsg_parse(nlh, sizeof(*h), tb, NHA_MAX, NULL) < 0 || !tb[NHA_ID])
		return 0;
	if (tb[NHA_FDB] || (tb[NHA_GROUP_TYPE] && nla_get_u16(tb[NHA_GROUP_TYPE]) != NEXTHOP_GRP_TYPE_MPATH))
		return 0;
	nh.id = nla_get_u32(tb[NHA_ID]);
	nh.family = h->nh_family;
	nh.proto = h->nh_protocol;
	nh.onlink = h->nh_flags & RTNH_F_ONLINK;
	nh.blackhole = tb[NHA_BLACKHOLE] != NULL;
	if (tb[NHA_OIF])
		snprintf(nh.dev, sizeof(nh.dev), "%s", kinds_ifname(d->out, (int)nla_get_u32(tb[NHA_OIF])));
	if (tb[NHA_GATEWAY]) {
		size_t len = h->nh_family == AF_INET6 ? 16 : 4;

		if ((size_t)nla_len(tb[NHA_GATEWAY]) >= len) {
			nh.via.family = h->nh_family;
			nh.via.plen = (uint8_t)(len * 8);
			memcpy(nh.via.bytes, nla_data(tb[NHA_GATEWAY]), len);
		}
	}
	if (tb[NHA_GROUP]) {
		const struct nexthop_grp *g = nla_data(tb[NHA_GROUP]);
		size_t n = (size_t)nla_len(tb[NHA_GROUP]) / sizeof(*g);

		if (n > TOPO_NH_GROUP_MAX)
			return 0;   /* more than topo declares: not one of ours */
		for (size_t i = 0; i < n; i++)
			nh.group[i] = (struct topo_nh_member){ g[i].id, (uint16_t)(g[i].weight + 1) };
		nh.n_group = (uint8_t)n;
		qsort(nh.group, n, sizeof(nh.group[0]), member_cmp);
	}
	slot = topo_objs_add(&topo_kind_nexthop, d->objs);
	if (!slot)
		return -ENOMEM;
	*slot = nh;
	return 0;
}

static void nh_dump_reset(void *arg)
{
	topo_objs_free(((struct nh_dump *)arg)->objs);
}

static int nh_observe(struct backend *b, struct bns *ns, const struct topo_ns *out, struct topo_objs *objs)
{
	struct nh_dump d = { out, objs };
	int r = nlq_dump(b, ns, RTM_GETNEXTHOP, AF_UNSPEC, nh_dump_one, &d, nh_dump_reset);

	/* A kernel without nexthop objects has none to read. */
	return r == -EOPNOTSUPP || r == -EINVAL ? 0 : r;
}

static int nh_msg(struct backend *b, struct bns *ns, enum step_op op, const void *obj, struct nl_msg **ret)
{
	const struct topo_nexthop *nh = obj;
	struct nhmsg h = { 0 };
	struct nl_msg *m;
	int oif = 0;

	if (op != STEP_OBJ_DEL && nh->dev[0]) {
		oif = link_resolve(b, ns, nh->dev);
		if (oif < 0)
			return oif;
	}
	m = nlmsg_alloc_simple(op == STEP_OBJ_DEL ? RTM_DELNEXTHOP : RTM_NEWNEXTHOP,
			       op == STEP_OBJ_ADD ? NLM_F_CREATE | NLM_F_EXCL :
			       op == STEP_OBJ_REPLACE ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	if (!m)
		return -ENOMEM;
	/* A delete's header must be all zero but the family (nh_valid_get_del_req). */
	h.nh_family = op == STEP_OBJ_DEL || nh->n_group ? AF_UNSPEC : nh->via.family ? nh->via.family : AF_INET;
	if (op != STEP_OBJ_DEL) {
		h.nh_protocol = nh->proto;   /* TOPO_RTPROT from the diff; as found in a rollback */
		h.nh_flags = nh->onlink ? RTNH_F_ONLINK : 0;
	}
	if (nlmsg_append(m, &h, sizeof(h), NLMSG_ALIGNTO) < 0 || nla_put_u32(m, NHA_ID, nh->id) < 0)
		goto oom;
	if (op != STEP_OBJ_DEL) {
		if ((nh->blackhole && nla_put_flag(m, NHA_BLACKHOLE) < 0) ||
		    (oif && nla_put_u32(m, NHA_OIF, (uint32_t)oif) < 0) ||
		    (nh->via.family &&
		     nla_put(m, NHA_GATEWAY, nh->via.family == AF_INET6 ? 16 : 4, nh->via.bytes) < 0))
			goto oom;
		if (nh->n_group) {
			struct nexthop_grp g[TOPO_NH_GROUP_MAX];

			memset(g, 0, sizeof(g));
			for (size_t i = 0; i < nh->n_group; i++) {
				g[i].id = nh->group[i].id;
				g[i].weight = (uint8_t)(nh->group[i].weight - 1);
			}
			if (nla_put(m, NHA_GROUP, (int)(nh->n_group * sizeof(g[0])), g) < 0)
				goto oom;
		}
	}
	*ret = m;
	return 0;
oom:
	nlmsg_free(m);
	return -ENOMEM;
}

const struct kind_backend kind_backend_nexthop = {
	.kind = &topo_kind_nexthop,
	.observe = nh_observe,
	.msg = nh_msg,
};
