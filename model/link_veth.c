// SPDX-License-Identifier: MIT
/* type: veth, made in pairs by `links:`; no options of its own. */
#include "model/linktype.h"

#define ETH_DATA_LEN_ 1500

static uint32_t veth_default_mtu(const struct topo_iface *ifc, uint32_t dep_mtu)
{
	(void)ifc;
	(void)dep_mtu;
	return ETH_DATA_LEN_;
}

const struct topo_linktype topo_lt_veth = {
	.name = "veth",
	.flags = TOPO_LT_DECLARE | TOPO_LT_PAIR | TOPO_LT_DEFAULTS_MTU,
	.default_mtu = veth_default_mtu,
};
