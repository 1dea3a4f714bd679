// SPDX-License-Identifier: MIT
/* type bridge in netlink: IFLA_INFO_DATA IFLA_BR_* (libnl 3.7 has none of them). */
#include <errno.h>
#include <linux/if_link.h>
#include <stdio.h>

#include "backends/linktype.h"
#include "model/link_bridge.h"

static const struct be_lattr bridge_attrs[BR_N] = {
	[BR_STP] = { IFLA_BR_STP_STATE, 0, BE_U32, false },
	[BR_AGEING] = { IFLA_BR_AGEING_TIME, 0, BE_U32, false },
	[BR_FWD_DELAY] = { IFLA_BR_FORWARD_DELAY, 0, BE_U32, false },
	[BR_HELLO] = { IFLA_BR_HELLO_TIME, 0, BE_U32, false },
	[BR_MAX_AGE] = { IFLA_BR_MAX_AGE, 0, BE_U32, false },
	[BR_PRIORITY] = { IFLA_BR_PRIORITY, 0, BE_U16, false },
	[BR_MCAST_SNOOPING] = { IFLA_BR_MCAST_SNOOPING, 0, BE_U8, false },
	[BR_NF_IPT] = { IFLA_BR_NF_CALL_IPTABLES, 0, BE_U8, false },
	[BR_NF_IP6T] = { IFLA_BR_NF_CALL_IP6TABLES, 0, BE_U8, false },
	[BR_NF_ARPT] = { IFLA_BR_NF_CALL_ARPTABLES, 0, BE_U8, false },
	[BR_VLAN_FILTERING] = { IFLA_BR_VLAN_FILTERING, 0, BE_U8, false },
};

/* A kernel built without CONFIG_BRIDGE_VLAN_FILTERING refuses the option
 * with EOPNOTSUPP (this project's machines do): only the kernel can say,
 * so validation cannot. */
static const char *bridge_explain(const struct step *s, int err, char *buf, size_t len)
{
	bool vf = s->op == STEP_LINK_ADD ? s->lk->link.opt[BR_VLAN_FILTERING].set && s->lk->link.opt[BR_VLAN_FILTERING].u :
		  s->op == STEP_LINK_SET && s->attr == LINK_ATTR_OPT && s->set->new.opt == BR_VLAN_FILTERING;
	const char *name = s->op == STEP_LINK_ADD ? s->lk->link.name : s->ifname;

	if (err != -EOPNOTSUPP || !vf)
		return NULL;
	snprintf(buf, len, "this kernel does not support bridge vlan_filtering (EOPNOTSUPP: built without "
		 "CONFIG_BRIDGE_VLAN_FILTERING); remove vlan_filtering from %s", name);
	return buf;
}

const struct be_linktype be_link_bridge = {
	.lt = &topo_lt_bridge,
	.attrs = bridge_attrs,
	.explain = bridge_explain,
};
