// SPDX-License-Identifier: MIT
/*
 * type veth in netlink, through libnl's veth objects: both ends in one
 * request, the peer born in its namespace (IFLA_NET_NS_FD on the peer;
 * moving a link later would drop its addresses). Both ends are born with
 * one tx and one rx queue: without counts, veth registers more queues than
 * it keeps and shrinks them after registration (a synchronize_net() under
 * RTNL, twice per pair: the largest cost of creating a pair). The peer's
 * ifindex and namespace id are read by backends/link.c (link_peers_resolve).
 */
#include <errno.h>
#include <linux/if.h>

#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

#include "backends/linktype.h"

static int veth_add_msg(struct backend *b, struct bns *ns, const struct step *s, int master, struct nl_msg **ret)
{
	const struct topo_iface *ifc = &s->lk->link;
	struct bns *pns = bns_find(b, s->lk->peer_ns);
	struct rtnl_link *l, *peer;
	int pfd = -1, r;

	if (!pns || !pns->sk)
		return backend_fail(b, "veth %s: peer namespace %s is not open", ifc->name, s->lk->peer_ns), -ENOENT;
	/* The descriptor stays open until the step is sent (bns_fd_unpin). */
	if (pns != ns && (pfd = bns_fd(b, pns)) < 0)
		return pfd;
	l = rtnl_link_veth_alloc();
	if (!l)
		return -ENOMEM;
	peer = rtnl_link_veth_get_peer(l);
	r = link_fill_common(peer, &s->lk->peer);
	if (r < 0)
		goto out;
	rtnl_link_set_num_tx_queues(l, 1);
	rtnl_link_set_num_rx_queues(l, 1);
	rtnl_link_set_num_tx_queues(peer, 1);
	rtnl_link_set_num_rx_queues(peer, 1);
	if (pns != ns)
		rtnl_link_set_ns_fd(peer, pfd);
	r = link_fill_common(l, ifc);
	if (r < 0)
		goto out;
	if (master)
		rtnl_link_set_master(l, master);
	if (ifc->up)
		rtnl_link_set_flags(l, IFF_UP);
	r = rtnl_link_build_add_request(l, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO, ret) < 0 ? -ENOMEM : 0;
out:
	rtnl_link_put(peer);
	rtnl_link_put(l);
	return r;
}

const struct be_linktype be_link_veth = {
	.lt = &topo_lt_veth,
	.add_msg = veth_add_msg,
};
