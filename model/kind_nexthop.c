// SPDX-License-Identifier: MIT
/*
 * `nexthops:` of a namespace: nexthop objects (`ip nexthop`), keyed by id:
 * a gateway and/or a device (onlink), a blackhole, or a group of other
 * nexthops with weights. Routes use them with `nhid:`. The kernel deletes a
 * nexthop with its device, and the routes using a nexthop with it; a group
 * is added after its members and deleted before them.
 */
#include "model/kind_nexthop.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/ip.h"

static int member_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct topo_nh_member *)a)->id, y = ((const struct topo_nh_member *)b)->id;

	return (x > y) - (x < y);
}

/* One member: {id: N, weight: W}. */
static bool load_member(struct loader *ld, const struct ynode *n, struct topo_nh_member *m)
{
	const struct ynode *id = NULL;
	uint64_t u;
	bool ok = true;

	m->weight = 1;
	if (!topo_ld_map(ld, n, "a group member"))
		return false;
	for (size_t i = 0; i < topo_ld_len(n); i++) {
		const struct ynode *k = topo_ld_key(n, i), *v = topo_ld_val(n, i);

		if (strcmp(topo_ld_text(k), "id") == 0) {
			id = v;
			if (topo_ld_uint(ld, v, "member id", 1, 4294967295u, &u))
				m->id = (uint32_t)u;
			else
				ok = false;
		} else if (strcmp(topo_ld_text(k), "weight") == 0) {
			if (topo_ld_uint(ld, v, "weight", 1, 256, &u))
				m->weight = (uint16_t)u;
			else
				ok = false;
		} else {
			topo_ld_unknown_key(ld, k, "a group member", "id, weight");
		}
	}
	if (ok && !id) {
		topo_ld_diag(ld, n, "a group member needs 'id'");
		return false;
	}
	return ok;
}

static bool nh_load(struct loader *ld, const struct ynode *n, void *obj)
{
	struct topo_nexthop *nh = obj;
	const struct ynode *id = NULL, *via = NULL, *dev = NULL, *group = NULL, *onlink = NULL, *bh = NULL;
	bool ok = true;
	uint64_t u;

	if (!topo_ld_map(ld, n, "a nexthop"))
		return false;
	for (size_t i = 0; i < topo_ld_len(n); i++) {
		const struct ynode *k = topo_ld_key(n, i), *v = topo_ld_val(n, i);
		const char *key = topo_ld_text(k);

		if (topo_ld_type(k) != TOPO_YN_SCALAR)
			continue;
		if (strcmp(key, "id") == 0) {
			id = v;
			if (topo_ld_uint(ld, v, "nexthop id", 1, 4294967295u, &u))
				nh->id = (uint32_t)u;
			else
				ok = false;
		} else if (strcmp(key, "via") == 0) {
			via = v;
			ok &= topo_ld_ip(ld, v, "via", &nh->via);
		} else if (strcmp(key, "dev") == 0) {
			dev = v;
			ok &= topo_ld_ifname(ld, v, "dev", nh->dev);
		} else if (strcmp(key, "onlink") == 0) {
			onlink = v;
			ok &= topo_ld_bool(ld, v, "onlink", &nh->onlink);
		} else if (strcmp(key, "blackhole") == 0) {
			bh = v;
			ok &= topo_ld_bool(ld, v, "blackhole", &nh->blackhole);
		} else if (strcmp(key, "group") == 0) {
			group = v;
			if (!topo_ld_seq(ld, v, "group")) {
				ok = false;
				continue;
			}
			if (topo_ld_len(v) == 0 || topo_ld_len(v) > TOPO_NH_GROUP_MAX) {
				topo_ld_diag(ld, v, "a group has 1 to %d members", TOPO_NH_GROUP_MAX);
				ok = false;
				continue;
			}
			for (size_t j = 0; j < topo_ld_len(v); j++)
				ok &= load_member(ld, topo_ld_val(v, j), &nh->group[j]);
			nh->n_group = (uint8_t)topo_ld_len(v);
		} else {
			topo_ld_unknown_key(ld, k, "a nexthop", "id, via, dev, onlink, blackhole, group");
		}
	}
	if (!ok)
		return false;
	if (!id) {
		topo_ld_diag(ld, n, "a nexthop needs 'id' (1-4294967295)");
		return false;
	}
	if (group && (via || dev || nh->blackhole || nh->onlink)) {
		topo_ld_diag(ld, group, "a group takes no via, dev, onlink or blackhole (its members do)");
		return false;
	}
	if (nh->blackhole && (via || dev || nh->onlink)) {
		topo_ld_diag(ld, bh, "a blackhole nexthop takes no via, dev or onlink");
		return false;
	}
	if (!group && !nh->blackhole && !dev) {
		topo_ld_diag(ld, n, "a nexthop needs 'dev' (with or without 'via'), 'blackhole: true' or 'group'");
		return false;
	}
	if (nh->onlink && !via) {
		topo_ld_diag(ld, onlink, "onlink needs 'via'");
		return false;
	}
	qsort(nh->group, nh->n_group, sizeof(nh->group[0]), member_cmp);
	for (size_t j = 1; j < nh->n_group; j++)
		if (nh->group[j].id == nh->group[j - 1].id) {
			topo_ld_diag(ld, group, "member %u is in the group twice", nh->group[j].id);
			return false;
		}
	nh->family = nh->via.family;
	return true;
}

static int nh_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct topo_nexthop *)a)->id, y = ((const struct topo_nexthop *)b)->id;

	return (x > y) - (x < y);
}

static bool nh_same(const void *d, const void *o)
{
	const struct topo_nexthop *x = d, *y = o;

	if (x->blackhole != y->blackhole || x->onlink != y->onlink || !topo_ip_equal(&x->via, &y->via) ||
	    strcmp(x->dev, y->dev) != 0 || x->n_group != y->n_group)
		return false;
	for (size_t i = 0; i < x->n_group; i++)
		if (x->group[i].id != y->group[i].id || x->group[i].weight != y->group[i].weight)
			return false;
	return true;
}

/* The kernel refuses to turn a nexthop into a group, or back. */
static bool nh_replaceable(const void *old_obj, const void *new_obj)
{
	return (((const struct topo_nexthop *)old_obj)->n_group > 0) ==
	       (((const struct topo_nexthop *)new_obj)->n_group > 0);
}

static uint8_t nh_proto(const void *o)
{
	return ((const struct topo_nexthop *)o)->proto;
}

static void nh_set_proto(void *o, uint8_t proto)
{
	((struct topo_nexthop *)o)->proto = proto;
}

static unsigned nh_level(const void *o)
{
	return ((const struct topo_nexthop *)o)->n_group ? 1 : 0;
}

static const char *nh_dev(const void *o)
{
	return ((const struct topo_nexthop *)o)->dev;
}

static bool nh_takes_route(const void *o, const struct topo_route *rt)
{
	return rt->nhid && rt->nhid == ((const struct topo_nexthop *)o)->id;
}

static void nh_format(const void *o, char *buf, size_t len)
{
	const struct topo_nexthop *nh = o;
	char a[TOPO_IP_STRLEN];
	size_t used = 0;

#define NF(...)                                                                     \
	do {                                                                        \
		int n_ = snprintf(buf + used, used < len ? len - used : 0, __VA_ARGS__); \
		if (n_ > 0)                                                         \
			used = used + (size_t)n_ < len ? used + (size_t)n_ : len;   \
	} while (0)
	buf[0] = '\0';
	NF("id %u", nh->id);
	if (nh->via.family)
		NF(" via %s", topo_ip_format(&nh->via, false, a, sizeof(a)));
	if (nh->dev[0])
		NF(" dev %s", nh->dev);
	if (nh->onlink)
		NF(" onlink");
	if (nh->blackhole)
		NF(" blackhole");
	for (size_t i = 0; i < nh->n_group; i++) {
		NF("%s%u", i ? "/" : " group ", nh->group[i].id);
		if (nh->group[i].weight != 1)
			NF(",%u", nh->group[i].weight);
	}
#undef NF
}

static void nh_key_words(const void *o, char *buf, size_t len)
{
	snprintf(buf, len, "id %u", ((const struct topo_nexthop *)o)->id);
}

static void nh_emit(FILE *out, const void *o, int indent)
{
	const struct topo_nexthop *nh = o;
	char a[TOPO_IP_STRLEN];

	fprintf(out, "%*s- id: %u\n", indent, "", nh->id);
	if (nh->via.family)
		fprintf(out, "%*s  via: \"%s\"\n", indent, "", topo_ip_format(&nh->via, false, a, sizeof(a)));
	if (nh->dev[0])
		fprintf(out, "%*s  dev: %s\n", indent, "", nh->dev);
	if (nh->onlink)
		fprintf(out, "%*s  onlink: true\n", indent, "");
	if (nh->blackhole)
		fprintf(out, "%*s  blackhole: true\n", indent, "");
	if (nh->n_group) {
		fprintf(out, "%*s  group: [", indent, "");
		for (size_t i = 0; i < nh->n_group; i++)
			fprintf(out, "%s{id: %u, weight: %u}", i ? ", " : "", nh->group[i].id, nh->group[i].weight);
		fprintf(out, "]\n");
	}
}

static const struct topo_nexthop *find_id(const struct topo_nexthop *v, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].id == id)
			return &v[i];
	return NULL;
}

static void nh_validate(struct loader *ld, const struct topo_ns *ns, const void *objs, size_t n)
{
	const struct topo_nexthop *v = objs;

	for (size_t i = 0; i < n; i++) {
		const struct topo_nexthop *first = find_id(v, i, v[i].id);

		if (first)
			topo_ld_diag_at(ld, v[i].pos, "nexthop id %u is declared twice (first at line %u, column %u)",
					v[i].id, first->pos.line, first->pos.col);
		if (v[i].dev[0] && ns->kind == TOPO_NS_CREATED && topo_ns_iface_find(ns, v[i].dev) < 0)
			topo_ld_diag_at(ld, v[i].pos, "nexthop dev '%s' is not an interface of namespace %s", v[i].dev,
					ns->name);
		for (size_t j = 0; j < v[i].n_group; j++) {
			const struct topo_nexthop *m = find_id(v, n, v[i].group[j].id);

			if (!m)
				topo_ld_diag_at(ld, v[i].pos, "group member %u is not a nexthop of namespace %s",
						v[i].group[j].id, ns->name);
			else if (m->n_group)
				topo_ld_diag_at(ld, v[i].pos, "group member %u is a group itself (the kernel nests none)",
						m->id);
			else if (m->blackhole)
				topo_ld_diag_at(ld, v[i].pos, "group member %u is a blackhole (the kernel refuses it "
						"in a group)", m->id);
		}
	}
	for (size_t i = 0; i < ns->n_routes; i++)
		if (ns->routes[i].nhid && !find_id(v, n, ns->routes[i].nhid))
			topo_ld_diag_at(ld, ns->routes[i].pos, "route nhid %u is not a nexthop of namespace %s "
					"(declare it under nexthops:)", ns->routes[i].nhid, ns->name);
}

const struct topo_kind topo_kind_nexthop = {
	.key = "nexthops",
	.noun = "nexthop",
	.ip_object = "nexthop",
	.size = sizeof(struct topo_nexthop),
	.max = 4096,
	.load = nh_load,
	.validate = nh_validate,
	.cmp = nh_cmp,
	.same = nh_same,
	.replaceable = nh_replaceable,
	.proto = nh_proto,
	.set_proto = nh_set_proto,
	.level = nh_level,
	.dev = nh_dev,
	.takes_route = nh_takes_route,
	.format = nh_format,
	.key_words = nh_key_words,
	.emit = nh_emit,
};

_Static_assert(sizeof(struct topo_nexthop) <= TOPO_KIND_OBJ_MAX, "struct topo_nexthop outgrew TOPO_KIND_OBJ_MAX");
