/* SPDX-License-Identifier: MIT */
/* `nexthops:`: nexthop objects and groups (ip nexthop), a table kind (model/kind.h). */
#ifndef TOPO_MODEL_KIND_NEXTHOP_H
#define TOPO_MODEL_KIND_NEXTHOP_H

#include "model/kind.h"

#define TOPO_NH_GROUP_MAX 32

struct topo_nh_member {
	uint32_t id;
	uint16_t weight;                  /* 1-256 */
};

struct topo_nexthop {
	struct topo_pos pos;              /* first: see model/kind.h */
	uint32_t id;
	uint8_t family;                   /* of via; observed: nhm_family */
	bool onlink, blackhole;
	struct topo_ip via;               /* family 0 = none */
	char dev[TOPO_IFNAME_MAX + 1];    /* "" = none */
	uint8_t n_group;                  /* 0 = not a group */
	struct topo_nh_member group[TOPO_NH_GROUP_MAX];   /* sorted by id */
	uint8_t proto;                    /* nhm_protocol; TOPO_RTPROT = ours */
};

extern const struct topo_kind topo_kind_nexthop;

#endif
