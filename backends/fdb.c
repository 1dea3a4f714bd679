// SPDX-License-Identifier: MIT
/*
 * Head-end replication on a vxlan: one all-zeros FDB entry per remote
 * (`bridge fdb append 00:00:00:00:00:00 dev VX dst IP`), so broadcast and
 * unknown unicast go to every peer of a bridge stretched over several nodes.
 * Only a vxlan with no remote and no group is read: the kernel adds the
 * all-zeros entry of a remote or group itself, and that one is its own.
 */
#include <errno.h>
#include <linux/neighbour.h>
#include <netlink/msg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "backends/internal.h"
#include "model/ip.h"

static bool flood_read(const struct topo_iface *ifc)
{
	return ifc->type == TOPO_IF_VXLAN && !ifc->vxlan.remote.family && !ifc->vxlan.group.family;
}

struct fdb_dump {
	struct topo_ns *out;
};

static int fdb_one(void *arg, const void *nlhv)
{
	struct fdb_dump *d = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)nlhv;
	struct ndmsg *ndm = nlmsg_data(nlh);
	struct nlattr *tb[NDA_MAX + 1];
	static const uint8_t zero[6];
	struct topo_ip ip = { 0 };

	if (nlh->nlmsg_type != RTM_NEWNEIGH || ndm->ndm_family != AF_BRIDGE ||
	    nlmsg_parse(nlh, sizeof(*ndm), tb, NDA_MAX, NULL) < 0)
		return 0;
	if (!tb[NDA_LLADDR] || nla_len(tb[NDA_LLADDR]) != 6 || memcmp(nla_data(tb[NDA_LLADDR]), zero, 6) != 0 ||
	    !tb[NDA_DST])
		return 0;
	if (nla_len(tb[NDA_DST]) == 4)
		ip.family = AF_INET;
	else if (nla_len(tb[NDA_DST]) == 16)
		ip.family = AF_INET6;
	else
		return 0;
	ip.plen = (uint8_t)topo_ip_maxlen(ip.family);
	memcpy(ip.bytes, nla_data(tb[NDA_DST]), (size_t)nla_len(tb[NDA_DST]));
	for (size_t i = 0; i < d->out->n_ifaces; i++) {
		struct topo_iface *ifc = &d->out->ifaces[i];

		if (ifc->ifindex != ndm->ndm_ifindex || !flood_read(ifc))
			continue;
		/* More than topo ever writes: the last slot holds an entry no
		 * declaration has (family 0), so it reads as drift. */
		if (ifc->flood.n < TOPO_FLOOD_MAX)
			ifc->flood.dst[ifc->flood.n++] = ip;
		else
			memset(&ifc->flood.dst[TOPO_FLOOD_MAX - 1], 0, sizeof(ip));
	}
	return 0;
}

static void fdb_reset(void *arg)
{
	struct fdb_dump *d = arg;

	for (size_t i = 0; i < d->out->n_ifaces; i++)
		d->out->ifaces[i].flood.n = 0;
}

int fdb_observe(struct backend *b, struct bns *ns, struct topo_ns *out)
{
	struct fdb_dump d = { .out = out };
	bool any = false;
	int r;

	for (size_t i = 0; i < out->n_ifaces; i++)
		any |= flood_read(&out->ifaces[i]);
	if (!any)
		return 0;
	r = nlq_dump(b, ns, RTM_GETNEIGH, AF_BRIDGE, fdb_one, &d, fdb_reset);
	for (size_t i = 0; i < out->n_ifaces; i++)
		topo_flood_sort(&out->ifaces[i].flood);
	return r;
}

int fdb_add_msg(struct backend *b, struct bns *ns, const char *ifname, const struct topo_ip *dst,
		struct nl_msg **ret)
{
	static const uint8_t zero[6];
	struct ndmsg ndm = { .ndm_family = AF_BRIDGE, .ndm_state = NUD_PERMANENT | NUD_NOARP, .ndm_flags = NTF_SELF };
	struct nl_msg *msg;
	int idx = link_resolve(b, ns, ifname);

	*ret = NULL;
	if (idx < 0)
		return idx;
	ndm.ndm_ifindex = idx;
	msg = nlmsg_alloc_simple(RTM_NEWNEIGH, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_APPEND);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ndm, sizeof(ndm), NLMSG_ALIGNTO) < 0 || nla_put(msg, NDA_LLADDR, 6, zero) < 0 ||
	    nla_put(msg, NDA_DST, dst->family == AF_INET6 ? 16 : 4, dst->bytes) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	*ret = msg;
	return 0;
}
