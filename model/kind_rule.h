/* SPDX-License-Identifier: MIT */
/* `rules:`: policy routing rules (ip rule), a table kind (model/kind.h). */
#ifndef TOPO_MODEL_KIND_RULE_H
#define TOPO_MODEL_KIND_RULE_H

#include "model/kind.h"

/* Values as the kernel's FR_ACT_* (linux/fib_rules.h). */
enum topo_rule_action {
	TOPO_RULE_LOOKUP = 1,
	TOPO_RULE_BLACKHOLE = 6,
	TOPO_RULE_UNREACHABLE = 7,
	TOPO_RULE_PROHIBIT = 8,
};

struct topo_rule {
	struct topo_pos pos;              /* first: see model/kind.h */
	uint8_t family;                   /* AF_INET or AF_INET6 */
	uint8_t action;                   /* enum topo_rule_action */
	uint8_t tos;                      /* tos / dsfield, 0 = any */
	uint8_t ipproto;                  /* 0 = any */
	uint32_t priority;
	struct topo_ip from, to;          /* family 0 = all */
	char iif[TOPO_IFNAME_MAX + 1];    /* "" = any */
	char oif[TOPO_IFNAME_MAX + 1];
	bool has_fwmark;
	uint32_t fwmark, fwmask;          /* canonical: mask 0xffffffff when not given */
	uint16_t sport_lo, sport_hi;      /* 0 = any */
	uint16_t dport_lo, dport_hi;
	bool has_uidrange;
	uint32_t uid_lo, uid_hi;
	uint32_t table;                   /* lookup: canonical main = 254; other actions 0 */
	bool replace_default;             /* declared: the kernel's default rule of table goes */
	uint8_t proto;                    /* FRA_PROTOCOL; TOPO_RTPROT = ours */
};

extern const struct topo_kind topo_kind_rule;

#endif
