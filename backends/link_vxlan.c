// SPDX-License-Identifier: MIT
/*
 * type vxlan in netlink. Built by hand because libnl 3.7 writes
 * IFLA_VXLAN_PORT as a u32 (the kernel wants a big-endian u16 and logs
 * "invalid length"). remote and group share IFLA_VXLAN_GROUP(6): the
 * kernel tells them apart by the address being multicast.
 */
#include <linux/if_link.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/attr.h>

#include "backends/linktype.h"
#include "model/link_vxlan.h"

static const struct be_lattr vxlan_attrs[VX_N] = {
	[VX_VNI] = { IFLA_VXLAN_ID, 0, BE_U32, false },
	[VX_REMOTE] = { IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6, BE_ADDR, false },
	[VX_GROUP] = { IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6, BE_ADDR, false },
	[VX_LOCAL] = { IFLA_VXLAN_LOCAL, IFLA_VXLAN_LOCAL6, BE_ADDR, false },
	[VX_DEV] = { IFLA_VXLAN_LINK, 0, BE_IFINDEX, false },
	[VX_PORT] = { IFLA_VXLAN_PORT, 0, BE_BE16, false },
	[VX_SRCPORT] = { IFLA_VXLAN_PORT_RANGE, 0, BE_RANGE_BE16, false },
	[VX_UDPCSUM] = { IFLA_VXLAN_UDP_CSUM, 0, BE_U8, false },
	[VX_TTL] = { IFLA_VXLAN_TTL, 0, BE_U8, false },
	[VX_TOS] = { IFLA_VXLAN_TOS, 0, BE_U8, false },
	[VX_DF] = { IFLA_VXLAN_DF, 0, BE_U8, false },
	[VX_LEARNING] = { IFLA_VXLAN_LEARNING, 0, BE_U8, false },
};

static bool is_multicast(const struct topo_ip *ip)
{
	return ip->family == AF_INET6 ? ip->bytes[0] == 0xff : (ip->bytes[0] & 0xf0) == 0xe0;
}

/* The generic parse put IFLA_VXLAN_GROUP in both: keep the one it is. */
static void vxlan_parse(struct nlattr **tb, struct topo_iface *ret)
{
	(void)tb;
	if (ret->opt[VX_GROUP].set && !is_multicast(&ret->opt[VX_GROUP].ip))
		ret->opt[VX_GROUP].set = false;
	if (ret->opt[VX_REMOTE].set && is_multicast(&ret->opt[VX_REMOTE].ip))
		ret->opt[VX_REMOTE].set = false;
}

const struct be_linktype be_link_vxlan = {
	.lt = &topo_lt_vxlan,
	.attrs = vxlan_attrs,
	.parse = vxlan_parse,
};
