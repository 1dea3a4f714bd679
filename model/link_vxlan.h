/* SPDX-License-Identifier: MIT */
/* vxlan's option indexes, shared by model/link_vxlan.c and backends/link_vxlan.c. */
#ifndef TOPO_MODEL_LINK_VXLAN_H
#define TOPO_MODEL_LINK_VXLAN_H

#include <stdbool.h>

#include "model/topology.h"

enum { VX_VNI, VX_REMOTE, VX_GROUP, VX_LOCAL, VX_DEV, VX_PORT, VX_SRCPORT, VX_UDPCSUM, VX_TTL, VX_TOS, VX_DF,
       VX_LEARNING, VX_N };

bool topo_vxlan_v6(const struct topo_iface *ifc);

#endif
