// SPDX-License-Identifier: MIT
/*
 * `neighbours:` of a namespace: static ARP/NDP entries (`ip neigh add IP
 * lladdr MAC dev X nud permanent`), keyed by (device, address). topo's
 * carry NDA_PROTOCOL 149 (Linux >= 5.9); only permanent entries are read,
 * the kernel's cache is not an object. An entry changes its MAC in place
 * and goes with its device.
 */
#include "model/kind_neigh.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/ip.h"

static bool neigh_load(struct loader *ld, const struct ynode *n, void *obj)
{
	struct topo_neigh *ne = obj;
	const struct ynode *ip = NULL, *mac = NULL, *dev = NULL;
	bool ok = true;

	if (!topo_ld_map(ld, n, "a neighbour"))
		return false;
	for (size_t i = 0; i < topo_ld_len(n); i++) {
		const struct ynode *k = topo_ld_key(n, i), *v = topo_ld_val(n, i);
		const char *key = topo_ld_text(k);

		if (strcmp(key, "ip") == 0) {
			ip = v;
			ok &= topo_ld_ip(ld, v, "neighbour ip", &ne->ip);
		} else if (strcmp(key, "lladdr") == 0) {
			const char *s = topo_ld_str(ld, v, "lladdr");

			mac = v;
			if (s && topo_mac_parse(s, ne->mac) < 0) {
				topo_ld_diag(ld, v, "lladdr '%s' is not a MAC address (e.g. 02:00:00:00:00:01)", s);
				ok = false;
			} else if (!s) {
				ok = false;
			}
		} else if (strcmp(key, "dev") == 0) {
			dev = v;
			ok &= topo_ld_ifname(ld, v, "dev", ne->dev);
		} else {
			topo_ld_unknown_key(ld, k, "a neighbour", "ip, lladdr, dev");
		}
	}
	if (!ok)
		return false;
	if (!ip || !mac || !dev) {
		topo_ld_diag(ld, n, "a neighbour needs 'ip', 'lladdr' and 'dev'");
		return false;
	}
	return true;
}

static int neigh_cmp(const void *a, const void *b)
{
	const struct topo_neigh *x = a, *y = b;
	int c = strcmp(x->dev, y->dev);

	return c ? c : topo_ip_cmp(&x->ip, &y->ip);
}

static bool neigh_same(const void *d, const void *o)
{
	return memcmp(((const struct topo_neigh *)d)->mac, ((const struct topo_neigh *)o)->mac, 6) == 0;
}

static bool neigh_replaceable(const void *old_obj, const void *new_obj)
{
	(void)old_obj, (void)new_obj;
	return true;
}

static uint8_t neigh_proto(const void *o)
{
	return ((const struct topo_neigh *)o)->proto;
}

static void neigh_set_proto(void *o, uint8_t proto)
{
	((struct topo_neigh *)o)->proto = proto;
}

static const char *neigh_dev(const void *o)
{
	return ((const struct topo_neigh *)o)->dev;
}

static void neigh_format(const void *o, char *buf, size_t len)
{
	const struct topo_neigh *ne = o;
	char a[TOPO_IP_STRLEN], m[18];

	snprintf(buf, len, "%s lladdr %s dev %s nud permanent", topo_ip_format(&ne->ip, false, a, sizeof(a)),
		 topo_mac_format(ne->mac, m), ne->dev);
}

static void neigh_key_words(const void *o, char *buf, size_t len)
{
	const struct topo_neigh *ne = o;
	char a[TOPO_IP_STRLEN];

	snprintf(buf, len, "%s dev %s", topo_ip_format(&ne->ip, false, a, sizeof(a)), ne->dev);
}

static void neigh_emit(FILE *out, const void *o, int indent)
{
	const struct topo_neigh *ne = o;
	char a[TOPO_IP_STRLEN], m[18];

	fprintf(out, "%*s- {ip: \"%s\", lladdr: \"%s\", dev: %s}\n", indent, "",
		topo_ip_format(&ne->ip, false, a, sizeof(a)), topo_mac_format(ne->mac, m), ne->dev);
}

static void neigh_validate(struct loader *ld, const struct topo_ns *ns, const void *objs, size_t n)
{
	const struct topo_neigh *v = objs;

	for (size_t i = 0; i < n; i++) {
		char a[TOPO_IP_STRLEN];

		for (size_t j = 0; j < i; j++)
			if (neigh_cmp(&v[i], &v[j]) == 0) {
				topo_ld_diag_at(ld, v[i].pos, "a second entry for %s on %s (first at line %u, column %u)",
						topo_ip_format(&v[i].ip, false, a, sizeof(a)), v[i].dev, v[j].pos.line,
						v[j].pos.col);
				break;
			}
		if (ns->kind == TOPO_NS_CREATED && topo_ns_iface_find(ns, v[i].dev) < 0)
			topo_ld_diag_at(ld, v[i].pos, "neighbour dev '%s' is not an interface of namespace %s", v[i].dev,
					ns->name);
	}
}

const struct topo_kind topo_kind_neigh = {
	.key = "neighbours",
	.noun = "neighbour",
	.ip_object = "neigh",
	.size = sizeof(struct topo_neigh),
	.max = 65536,
	.load = neigh_load,
	.validate = neigh_validate,
	.cmp = neigh_cmp,
	.same = neigh_same,
	.replaceable = neigh_replaceable,
	.proto = neigh_proto,
	.set_proto = neigh_set_proto,
	.dev = neigh_dev,
	.format = neigh_format,
	.key_words = neigh_key_words,
	.emit = neigh_emit,
};

_Static_assert(sizeof(struct topo_neigh) <= TOPO_KIND_OBJ_MAX, "struct topo_neigh outgrew TOPO_KIND_OBJ_MAX");
