/* SPDX-License-Identifier: MIT */
/* bridge's option indexes, shared by model/link_bridge.c and backends/link_bridge.c. */
#ifndef TOPO_MODEL_LINK_BRIDGE_H
#define TOPO_MODEL_LINK_BRIDGE_H

enum { BR_STP, BR_AGEING, BR_FWD_DELAY, BR_HELLO, BR_MAX_AGE, BR_PRIORITY, BR_MCAST_SNOOPING,
       BR_NF_IPT, BR_NF_IP6T, BR_NF_ARPT, BR_VLAN_FILTERING, BR_N };

#endif
