// SPDX-License-Identifier: MIT
#include "model/route.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/ip.h"
#include "model/yaml_scalar.h"

uint8_t topo_route_default_scope(const struct topo_route *rt)
{
	bool gw = rt->via.family != 0;

	for (size_t i = 0; i < rt->n_nh; i++)
		gw |= rt->nh[i].via.family != 0;
	/* IPv6 keeps no scope: every route reads back global. */
	if (rt->dst.family == AF_INET6)
		return TOPO_SCOPE_GLOBAL;
	switch (rt->type) {
	case TOPO_RT_LOCAL: return TOPO_SCOPE_HOST;
	case TOPO_RT_BROADCAST: return TOPO_SCOPE_LINK;
	case TOPO_RT_UNICAST: return gw || rt->nhid ? TOPO_SCOPE_GLOBAL : TOPO_SCOPE_LINK;
	case TOPO_RT_BLACKHOLE:
	case TOPO_RT_UNREACHABLE:
	case TOPO_RT_PROHIBIT: break;
	}
	return TOPO_SCOPE_GLOBAL;
}

uint8_t topo_route_scope(const struct topo_route *rt)
{
	return rt->has_scope ? rt->scope : topo_route_default_scope(rt);
}

static const struct { const char *name; uint8_t scope; } scopes[] = {
	{ "global", TOPO_SCOPE_GLOBAL }, { "site", 200 }, { "link", TOPO_SCOPE_LINK },
	{ "host", TOPO_SCOPE_HOST }, { "nowhere", 255 },
};

const char *topo_scope_name(uint8_t scope, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
		if (scopes[i].scope == scope)
			return scopes[i].name;
	snprintf(buf, len, "%u", scope);
	return buf;
}

int topo_scope_parse(const char *s, uint8_t *ret)
{
	uint64_t u;

	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
		if (strcmp(s, scopes[i].name) == 0) {
			*ret = scopes[i].scope;
			return 0;
		}
	if (!yaml_plain_uint(s, &u) || u > 255)
		return -EINVAL;
	*ret = (uint8_t)u;
	return 0;
}

static int nh_cmp(const void *a, const void *b)
{
	const struct topo_route_nh *x = a, *y = b;
	int c = topo_ip_cmp(&x->via, &y->via);

	if (c)
		return c;
	c = strcmp(x->dev, y->dev);
	if (c)
		return c;
	return (x->weight > y->weight) - (x->weight < y->weight);
}

void topo_route_nh_sort(struct topo_route *rt)
{
	if (rt->n_nh > 1)
		qsort(rt->nh, rt->n_nh, sizeof(rt->nh[0]), nh_cmp);
}

/* Nexthops sort by gateway first; one the file gives without a device
 * matches whatever device the kernel chose. */
static bool nh_same(const struct topo_route_nh *d, const struct topo_route_nh *o)
{
	return topo_ip_equal(&d->via, &o->via) && d->weight == o->weight && (!d->dev[0] || strcmp(d->dev, o->dev) == 0);
}

bool topo_route_same(const struct topo_route *d, const struct topo_route *o)
{
	if (d->type != o->type || d->nhid != o->nhid || !topo_ip_equal(&d->via, &o->via) ||
	    !topo_ip_equal(&d->src, &o->src))
		return false;
	/* Without `dev`, the kernel picks the device from the gateway. */
	if (d->dev[0] && strcmp(d->dev, o->dev) != 0)
		return false;
	if (d->onlink != o->onlink || d->mtu != o->mtu || d->advmss != o->advmss)
		return false;
	if (topo_route_scope(d) != topo_route_scope(o))
		return false;
	if (d->n_nh != o->n_nh)
		return false;
	for (size_t i = 0; i < d->n_nh; i++)
		if (!nh_same(&d->nh[i], &o->nh[i]))
			return false;
	return true;
}

bool topo_route_uses_oif(const struct topo_route *rt, int ifindex)
{
	if (!ifindex)
		return false;
	if (rt->oif == ifindex)
		return true;
	for (size_t i = 0; i < rt->n_nh; i++)
		if (rt->nh[i].oif == ifindex)
			return true;
	return false;
}

struct rbuf {
	char *p;
	size_t len, used;
};

__attribute__((format(printf, 2, 3)))
static void rb(struct rbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->used + 1 >= b->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->used, b->len - b->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->used += (size_t)n < b->len - b->used ? (size_t)n : b->len - b->used - 1;
}

static const char *table_name(uint32_t table, char *buf, size_t len)
{
	switch (table) {
	case TOPO_TABLE_LOCAL: return "local";
	case TOPO_TABLE_DEFAULT: return "default";
	}
	snprintf(buf, len, "%u", table);
	return buf;
}

void topo_route_format(const struct topo_route *rt, char *buf, size_t len)
{
	struct rbuf b = { .p = buf, .len = len };
	char a[TOPO_IP_STRLEN], t[12];

	if (!len)
		return;
	buf[0] = '\0';
	if (rt->type != TOPO_RT_UNICAST)
		rb(&b, "%s ", topo_rtype_name(rt->type));
	if (rt->dst.plen == 0)
		rb(&b, "default");
	else
		rb(&b, "%s", topo_ip_format(&rt->dst, true, a, sizeof(a)));
	if (rt->via.family)
		rb(&b, " via %s", topo_ip_format(&rt->via, false, a, sizeof(a)));
	if (rt->dev[0])
		rb(&b, " dev %s", rt->dev);
	if (rt->nhid)
		rb(&b, " nhid %u", rt->nhid);
	for (size_t i = 0; i < rt->n_nh; i++) {
		const struct topo_route_nh *nh = &rt->nh[i];

		rb(&b, " nexthop");
		if (nh->via.family)
			rb(&b, " via %s", topo_ip_format(&nh->via, false, a, sizeof(a)));
		if (nh->dev[0])
			rb(&b, " dev %s", nh->dev);
		if (rt->onlink)
			rb(&b, " onlink");
		rb(&b, " weight %u", nh->weight);
	}
	if (rt->src.family)
		rb(&b, " src %s", topo_ip_format(&rt->src, false, a, sizeof(a)));
	if (rt->metric && !(rt->dst.family == AF_INET6 && rt->metric == 1024))
		rb(&b, " metric %u", rt->metric);
	if (rt->table != TOPO_TABLE_MAIN)
		rb(&b, " table %s", table_name(rt->table, t, sizeof(t)));
	/* A route the kernel made (an absent: entry's) says so; other protocols
	 * are the owner rules' business, not the route's words. */
	if (rt->proto == TOPO_RTPROT_KERNEL)
		rb(&b, " proto kernel");
	if (rt->has_scope && rt->scope != topo_route_default_scope(rt))
		rb(&b, " scope %s", topo_scope_name(rt->scope, t, sizeof(t)));
	if (rt->onlink && !rt->n_nh)
		rb(&b, " onlink");
	if (rt->mtu)
		rb(&b, " mtu %u", rt->mtu);
	if (rt->advmss)
		rb(&b, " advmss %u", rt->advmss);
	if (rt->dst.plen == 0 && rt->dst.family == AF_INET6)
		rb(&b, " (ipv6)");
}

bool topo_route_same_key(const struct topo_route *a, const struct topo_route *b)
{
	return a->table == b->table && a->metric == b->metric && topo_ip_equal(&a->dst, &b->dst);
}

bool topo_absent_matches(const struct topo_absent *a, const struct topo_route *rt)
{
	return a->table == rt->table && a->type == rt->type && topo_ip_equal(&a->dst, &rt->dst) &&
	       (!a->has_metric || a->metric == rt->metric) && (!a->dev[0] || strcmp(a->dev, rt->dev) == 0);
}

int topo_rtype_parse(const char *s, enum topo_rtype *ret)
{
	static const enum topo_rtype all[] = {
		TOPO_RT_UNICAST, TOPO_RT_BLACKHOLE, TOPO_RT_UNREACHABLE, TOPO_RT_PROHIBIT,
		TOPO_RT_LOCAL, TOPO_RT_BROADCAST,
	};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(s, topo_rtype_name(all[i])) == 0) {
			*ret = all[i];
			return 0;
		}
	return -EINVAL;
}

void topo_absent_format(const struct topo_absent *a, char *buf, size_t len)
{
	struct rbuf b = { .p = buf, .len = len };
	char ip[TOPO_IP_STRLEN], t[12];

	if (!len)
		return;
	buf[0] = '\0';
	if (a->type != TOPO_RT_UNICAST)
		rb(&b, "%s ", topo_rtype_name(a->type));
	rb(&b, "%s", a->dst.plen ? topo_ip_format(&a->dst, true, ip, sizeof(ip)) : "default");
	if (a->dev[0])
		rb(&b, " dev %s", a->dev);
	if (a->has_metric)
		rb(&b, " metric %u", a->metric);
	if (a->table != TOPO_TABLE_MAIN)
		rb(&b, " table %s", table_name(a->table, t, sizeof(t)));
}
