// SPDX-License-Identifier: MIT
/* type macvlan in netlink: the parent is IFLA_LINK, the mode IFLA_MACVLAN_MODE. */
#include <linux/if_link.h>

#include "backends/linktype.h"
#include "model/link_macvlan.h"

extern const struct topo_linktype topo_lt_macvlan;   /* model/link_macvlan.c */

static const struct be_lattr macvlan_attrs[MV_N] = {
	[MV_PARENT] = { IFLA_LINK, 0, BE_IFINDEX, true },
	[MV_MODE] = { IFLA_MACVLAN_MODE, 0, BE_U32, false },
};

const struct be_linktype be_link_macvlan = {
	.lt = &topo_lt_macvlan,
	.attrs = macvlan_attrs,
};
