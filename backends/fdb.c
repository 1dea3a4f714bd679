// SPDX-License-Identifier: MIT
/*
 * Static forwarding-database entries on links (AF_BRIDGE neighbours with
 * NTF_SELF: the device's own table, e.g. a vxlan's list of remote VTEPs for
 * head-end replication, `bridge fdb append MAC dev DEV dst IP`). Only
 * permanent entries are read: learned ones are the kernel's.
 */
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "backends/internal.h"
#include "model/linktype.h"

#ifndef AF_BRIDGE
#define AF_BRIDGE 7
#endif

struct fdb_dump {
	struct topo_ns *out;
	bool oom;
};

static const struct topo_iface *iface_by_index(const struct topo_ns *ns, int ifindex)
{
	for (size_t i = 0; i < ns->n_ifaces; i++)
		if (ns->ifaces[i].ifindex == ifindex)
			return &ns->ifaces[i];
	return NULL;
}

static int fdb_dump_one(void *arg, const void *nlhv)
{
	struct fdb_dump *d = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)nlhv;
	struct ndmsg *ndm = nlmsg_data(nlh);
	struct nlattr *tb[NDA_MAX + 1];
	const struct topo_iface *dev;
	struct topo_fdb *e;
	int len;

	if (nlh->nlmsg_type != RTM_NEWNEIGH || ndm->ndm_family != AF_BRIDGE || !(ndm->ndm_state & NUD_PERMANENT) ||
	    !(ndm->ndm_flags & NTF_SELF))
		return 0;
	if (nlmsg_parse(nlh, sizeof(*ndm), tb, NDA_MAX, NULL) < 0 || !tb[NDA_LLADDR] || nla_len(tb[NDA_LLADDR]) != 6 ||
	    !tb[NDA_DST])
		return 0;
	len = nla_len(tb[NDA_DST]);
	if (len != 4 && len != 16)
		return 0;
	/* Only on links whose type keeps such a list (linear: a few per lab). */
	dev = iface_by_index(d->out, ndm->ndm_ifindex);
	if (!dev || !topo_lt_is(dev->type, TOPO_LT_FDB))
		return 0;
	e = topo_ns_fdb_add(d->out);
	if (!e)
		return -ENOMEM;
	snprintf(e->dev, sizeof(e->dev), "%s", dev->name);
	memcpy(e->mac, nla_data(tb[NDA_LLADDR]), 6);
	e->dst.family = len == 16 ? AF_INET6 : AF_INET;
	e->dst.plen = (uint8_t)(len * 8);
	memcpy(e->dst.bytes, nla_data(tb[NDA_DST]), (size_t)len);
	return 0;
}

static void fdb_dump_reset(void *arg)
{
	struct fdb_dump *d = arg;

	d->out->n_fdb = 0;
}

int fdb_observe(struct backend *b, struct bns *ns, struct topo_ns *out)
{
	struct fdb_dump d = { .out = out };
	bool any = false;

	for (size_t i = 0; i < out->n_ifaces && !any; i++)
		any = topo_lt_is(out->ifaces[i].type, TOPO_LT_FDB);
	if (!any)
		return 0;       /* no dump where no link keeps a list */
	return nlq_dump(b, ns, RTM_GETNEIGH, AF_BRIDGE, fdb_dump_one, &d, fdb_dump_reset);
}

int fdb_msg(struct backend *b, struct bns *ns, bool add, const char *ifname, const struct topo_fdb *e,
	    struct nl_msg **ret)
{
	struct ndmsg ndm = { .ndm_family = AF_BRIDGE, .ndm_flags = NTF_SELF, .ndm_state = NUD_PERMANENT | NUD_NOARP };
	struct nl_msg *msg;
	int idx = link_resolve(b, ns, ifname);

	if (idx < 0)
		return idx;
	ndm.ndm_ifindex = idx;
	/* Append: several entries for one MAC (all zeros: flood to each). */
	msg = nlmsg_alloc_simple(add ? RTM_NEWNEIGH : RTM_DELNEIGH,
				 NLM_F_REQUEST | (add ? NLM_F_CREATE | NLM_F_APPEND : 0));
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ndm, sizeof(ndm), NLMSG_ALIGNTO) < 0 || nla_put(msg, NDA_LLADDR, 6, e->mac) < 0 ||
	    nla_put(msg, NDA_DST, e->dst.family == AF_INET6 ? 16 : 4, e->dst.bytes) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	*ret = msg;
	return 0;
}
