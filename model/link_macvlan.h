/* SPDX-License-Identifier: MIT */
/* macvlan's option indexes, shared by model/link_macvlan.c and backends/link_macvlan.c. */
#ifndef TOPO_MODEL_LINK_MACVLAN_H
#define TOPO_MODEL_LINK_MACVLAN_H

enum { MV_PARENT, MV_MODE, MV_N };

#endif
