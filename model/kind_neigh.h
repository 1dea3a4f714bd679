/* SPDX-License-Identifier: MIT */
/* `neighbours:`: static ARP/NDP entries (ip neigh), a table kind (model/kind.h). */
#ifndef TOPO_MODEL_KIND_NEIGH_H
#define TOPO_MODEL_KIND_NEIGH_H

#include "model/kind.h"

struct topo_neigh {
	struct topo_pos pos;              /* first: see model/kind.h */
	struct topo_ip ip;                /* full prefix length */
	char dev[TOPO_IFNAME_MAX + 1];
	uint8_t mac[6];
	uint8_t proto;                    /* NDA_PROTOCOL; TOPO_RTPROT = ours */
};

extern const struct topo_kind topo_kind_neigh;

#endif
