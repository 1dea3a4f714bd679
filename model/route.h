/* SPDX-License-Identifier: MIT */
/*
 * Route rules that every layer shares: the kernel's default scope, the
 * canonical order of a multipath route's nexthops, which attributes make two
 * routes of one key the same, and the one `ip route` words printer that
 * plan, show and the conflict messages use. No syscalls.
 */
#ifndef TOPO_MODEL_ROUTE_H
#define TOPO_MODEL_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "model/topology.h"

/* The scope the kernel gives a route nobody chose one for, as `ip route`
 * does: host for local routes, link for a broadcast route or a unicast one
 * with no gateway, global otherwise. */
uint8_t topo_route_default_scope(const struct topo_route *rt);
/* The scope the route has, declared or the default. */
uint8_t topo_route_scope(const struct topo_route *rt);

/* "global", "link", "host", "site", "nowhere" or the number; buf >= 4 bytes. */
const char *topo_scope_name(uint8_t scope, char *buf, size_t len);
/* A name above or a number 0-255: 0, -EINVAL. */
int topo_scope_parse(const char *s, uint8_t *ret);

/* Sorts nexthops by (gateway, device, weight): the kernel keeps IPv6 ones in
 * the order they came, and a file may list them in any order. */
void topo_route_nh_sort(struct topo_route *rt);

/* Does the observed route o (of the same key) match the declared d? A
 * device or a scope d leaves out is the kernel's choice. */
bool topo_route_same(const struct topo_route *d, const struct topo_route *o);

/* Does the route leave through ifindex (its device, or one nexthop's)? */
bool topo_route_uses_oif(const struct topo_route *rt, int ifindex);

/* `ip route` words after "ip route add": "10.0.0.0/24 via 10.1.0.1 dev eth0
 * metric 5", "blackhole default (ipv6)", "10.9.0.0/24 nexthop via A dev X
 * weight 1 nexthop via B dev Y weight 2". Truncates to len. */
void topo_route_format(const struct topo_route *rt, char *buf, size_t len);

/* Does the route (as the kernel has it) fall under the `absent:` entry:
 * same table, destination and type, and metric and device where the entry
 * gives them? Whose the route is, is owner.c's question. */
bool topo_absent_matches(const struct topo_absent *a, const struct topo_route *rt);

/* The kernel's key of a route: (table, destination, metric). */
bool topo_route_same_key(const struct topo_route *a, const struct topo_route *b);

/* Every route type's name as topo_rtype_name writes it: 0, -EINVAL. */
int topo_rtype_parse(const char *s, enum topo_rtype *ret);

/* "to 127.0.0.0/8 table local type local": an `absent:` entry in words. */
void topo_absent_format(const struct topo_absent *a, char *buf, size_t len);

#endif
