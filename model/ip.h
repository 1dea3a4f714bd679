/* SPDX-License-Identifier: MIT */
/* Addresses, prefixes and MACs: parse, print, compare. No syscalls. */
#ifndef TOPO_MODEL_IP_H
#define TOPO_MODEL_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/topology.h"

/* Longest text topo_ip_format writes, with "/128" and the NUL. */
#define TOPO_IP_STRLEN 50

/* "10.0.0.1", "10.0.0.1/24", "fd00::1/64". A bare address gets the full
 * prefix length. Returns 0 or -EINVAL. */
int topo_ip_parse(const char *s, struct topo_ip *ret);
/* Just an address, no prefix allowed. */
int topo_ip_parse_addr(const char *s, struct topo_ip *ret);

/* Writes the canonical form (RFC 5952 for IPv6); with_plen adds "/N". */
const char *topo_ip_format(const struct topo_ip *ip, bool with_plen, char *buf, size_t len);

unsigned topo_ip_maxlen(uint8_t family);
bool topo_ip_is_network(const struct topo_ip *ip);     /* host bits all zero */
void topo_ip_to_network(struct topo_ip *ip);           /* clear host bits */
bool topo_ip_contains(const struct topo_ip *net, const struct topo_ip *addr);
int topo_ip_cmp(const struct topo_ip *a, const struct topo_ip *b);
bool topo_ip_equal(const struct topo_ip *a, const struct topo_ip *b);

/* Same nolearning and the same destinations (both canonical: sorted). */
bool topo_flood_equal(const struct topo_flood *a, const struct topo_flood *b);
/* Sorts dst (the canonical order). */
void topo_flood_sort(struct topo_flood *f);

/* "02:00:00:00:00:02" in any case; returns 0 or -EINVAL. */
int topo_mac_parse(const char *s, uint8_t ret[6]);
const char *topo_mac_format(const uint8_t mac[6], char buf[18]);

#endif
