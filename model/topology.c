// SPDX-License-Identifier: MIT
#include "model/topology.h"
#include "model/vec.h"
#include "model/linktype.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Arrays grow by doubling; the capacity is implied by the length (it is the
 * smallest power of two >= len), which keeps the structs plain. So these
 * arrays are grown only here. They start at one element, not vec_push's
 * four: most namespaces have one or two interfaces and a route or three, and
 * an interface is 200 bytes, a route 128, in two models (desired, observed).
 */
static size_t implied_cap(size_t len)
{
	size_t cap = 1;

	if (len == 0)
		return 0;
	while (cap < len)
		cap *= 2;
	return cap;
}

static void *array_append(void **arr, size_t *len, size_t elem)
{
	size_t cap = implied_cap(*len);

	if (*len == 0)
		return vec_append(arr, len, elem);   /* one element */
	return vec_push(arr, len, &cap, elem);
}

#define APPEND(arr, len) array_append((void **)&(arr), &(len), sizeof(*(arr)))

struct topo_ns *topology_ns_add(struct topology *t)
{
	return APPEND(t->ns, t->n_ns);
}

struct topo_iface *topo_ns_iface_add(struct topo_ns *ns)
{
	struct topo_iface *ifc = APPEND(ns->ifaces, ns->n_ifaces);

	if (ifc)
		topo_iface_init(ifc);
	return ifc;
}

struct topo_addr *topo_iface_addr_add(struct topo_iface *ifc)
{
	return APPEND(ifc->addrs, ifc->n_addrs);
}

struct topo_route *topo_ns_route_add(struct topo_ns *ns)
{
	struct topo_route *rt = APPEND(ns->routes, ns->n_routes);

	if (rt)
		rt->table = TOPO_TABLE_MAIN;
	return rt;
}

struct topo_sysctl *topo_ns_sysctl_add(struct topo_ns *ns)
{
	return APPEND(ns->sysctls, ns->n_sysctls);
}

struct topo_nft_rule *topo_ns_nft_rule_add(struct topo_ns *ns)
{
	return APPEND(ns->nft_rules, ns->n_nft_rules);
}

struct topo_fdb *topo_ns_fdb_add(struct topo_ns *ns)
{
	return APPEND(ns->fdb, ns->n_fdb);
}

void topo_iface_init(struct topo_iface *ifc)
{
	memset(ifc, 0, sizeof(*ifc));
	ifc->up = true;
	ifc->link = -1;
	ifc->peer_netnsid = -1;
}

int topo_iface_set_type(struct topo_iface *ifc, const struct topo_linktype *type)
{
	if (type && type->n_opts && !ifc->opt) {
		ifc->opt = calloc(TOPO_LINK_OPTS_MAX, sizeof(*ifc->opt));
		if (!ifc->opt)
			return -ENOMEM;
	} else if ((!type || !type->n_opts) && ifc->opt) {
		free(ifc->opt);
		ifc->opt = NULL;
	}
	ifc->type = type;
	return 0;
}

int topo_iface_copy_link(struct topo_iface *dst, const struct topo_iface *src)
{
	*dst = *src;
	dst->addrs = NULL;
	dst->n_addrs = 0;
	dst->opt = NULL;
	dst->link_ns = NULL;
	dst->shape = NULL;
	dst->peer_end = NULL;
	if (src->opt && !(dst->opt = malloc(TOPO_LINK_OPTS_MAX * sizeof(*dst->opt))))
		goto oom;
	if (src->opt)
		memcpy(dst->opt, src->opt, TOPO_LINK_OPTS_MAX * sizeof(*dst->opt));
	if (src->link_ns && !(dst->link_ns = strdup(src->link_ns)))
		goto oom;
	if (src->shape && !(dst->shape = malloc(sizeof(*dst->shape))))
		goto oom;
	if (src->shape)
		*dst->shape = *src->shape;
	if (src->peer_end && !(dst->peer_end = malloc(sizeof(*dst->peer_end))))
		goto oom;
	if (src->peer_end)
		*dst->peer_end = *src->peer_end;
	return 0;
oom:
	topo_iface_clear(dst);
	return -ENOMEM;
}

const struct topo_shape *topo_iface_shape(const struct topo_iface *ifc)
{
	static const struct topo_shape none;

	return ifc->shape ? ifc->shape : &none;
}

struct topo_shape *topo_iface_shape_edit(struct topo_iface *ifc)
{
	if (!ifc->shape)
		ifc->shape = calloc(1, sizeof(*ifc->shape));
	return ifc->shape;
}

void topo_iface_shape_drop(struct topo_iface *ifc)
{
	free(ifc->shape);
	ifc->shape = NULL;
}

const char *topo_iface_peer_ns(const struct topo_iface *ifc)
{
	return ifc->peer_end ? ifc->peer_end->ns : "";
}

const char *topo_iface_peer_name(const struct topo_iface *ifc)
{
	return ifc->peer_end ? ifc->peer_end->name : "";
}

int topo_iface_set_peer(struct topo_iface *ifc, const char *ns, const char *name)
{
	if (!ns) {
		free(ifc->peer_end);
		ifc->peer_end = NULL;
		return 0;
	}
	if (!ifc->peer_end && !(ifc->peer_end = malloc(sizeof(*ifc->peer_end))))
		return -ENOMEM;
	snprintf(ifc->peer_end->ns, sizeof(ifc->peer_end->ns), "%s", ns);
	snprintf(ifc->peer_end->name, sizeof(ifc->peer_end->name), "%s", name ? name : "");
	return 0;
}

const char *topo_iface_link_ns(const struct topo_iface *ifc)
{
	return ifc->link_ns ? ifc->link_ns : "";
}

int topo_iface_set_link_ns(struct topo_iface *ifc, const char *ns)
{
	char *copy = NULL;

	if (ns && ns[0] && !(copy = strdup(ns)))
		return -ENOMEM;
	free(ifc->link_ns);
	ifc->link_ns = copy;
	return 0;
}

void topo_iface_clear(struct topo_iface *ifc)
{
	free(ifc->opt);
	ifc->opt = NULL;
	free(ifc->link_ns);
	ifc->link_ns = NULL;
	topo_iface_shape_drop(ifc);
	topo_iface_set_peer(ifc, NULL, NULL);
	free(ifc->addrs);
	ifc->addrs = NULL;
	ifc->n_addrs = 0;
}

int topo_route_copy(struct topo_route *dst, const struct topo_route *src)
{
	*dst = *src;
	dst->nh = NULL;
	if (!src->n_nh)
		return 0;
	dst->nh = malloc(src->n_nh * sizeof(*dst->nh));
	if (!dst->nh) {
		dst->n_nh = 0;
		return -ENOMEM;
	}
	memcpy(dst->nh, src->nh, src->n_nh * sizeof(*dst->nh));
	return 0;
}

void topo_route_clear(struct topo_route *rt)
{
	free(rt->nh);
	rt->nh = NULL;
	rt->n_nh = 0;
}

struct topo_route_nh *topo_route_nh_add(struct topo_route *rt)
{
	struct topo_route_nh *v = realloc(rt->nh, (rt->n_nh + 1u) * sizeof(*v));

	if (!v)
		return NULL;
	rt->nh = v;
	memset(&v[rt->n_nh], 0, sizeof(v[0]));
	return &v[rt->n_nh++];
}

const char *topo_ns_docker_netns(const struct topo_ns *ns)
{
	return ns->docker_netns ? ns->docker_netns : "";
}

int topo_ns_set_docker_netns(struct topo_ns *ns, const char *id)
{
	char *copy = strdup(id);

	if (!copy)
		return -ENOMEM;
	free(ns->docker_netns);
	ns->docker_netns = copy;
	return 0;
}

const char *topo_ns_nftx_body(const struct topo_ns *ns, size_t i)
{
	return ns->nftx_body && i < TOPO_NFT_FAMILY_SLOTS ? ns->nftx_body[i] : NULL;
}

char **topo_ns_nftx_slots(struct topo_ns *ns)
{
	if (!ns->nftx_body)
		ns->nftx_body = calloc(TOPO_NFT_FAMILY_SLOTS, sizeof(*ns->nftx_body));
	return ns->nftx_body;
}

void topo_ns_clear(struct topo_ns *ns)
{
	for (size_t i = 0; i < ns->n_ifaces; i++)
		topo_iface_clear(&ns->ifaces[i]);
	free(ns->ifaces);
	for (size_t i = 0; i < ns->n_routes; i++)
		topo_route_clear(&ns->routes[i]);
	free(ns->routes);
	free(ns->absent_routes);
	for (size_t i = 0; i < ns->n_sysctls; i++) {
		free(ns->sysctls[i].key);
		free(ns->sysctls[i].value);
	}
	free(ns->sysctls);
	free(ns->nat);
	free(ns->forward);
	for (size_t i = 0; i < ns->n_nft_text; i++) {
		free(ns->nft_text[i].text);
		free(ns->nft_text[i].line_pos);
	}
	free(ns->nft_text);
	free(ns->nftx_mark);
	for (size_t i = 0; ns->nftx_body && i < TOPO_NFT_FAMILY_SLOTS; i++)
		free(ns->nftx_body[i]);
	free(ns->nftx_body);
	free(ns->docker_netns);
	free(ns->fdb);
	for (size_t i = 0; i < ns->n_nft_rules; i++) {
		free(ns->nft_rules[i].chain);
		free(ns->nft_rules[i].text);
	}
	free(ns->nft_rules);
	for (size_t i = 0; i < ns->n_nft_foreign_drop; i++)
		free(ns->nft_foreign_drop[i]);
	free(ns->nft_foreign_drop);
	for (size_t k = 0; k < TOPO_KINDS_MAX; k++)
		free(ns->objs[k].v);
	free(ns->published);
	for (size_t i = 0; i < ns->n_nft_tables_other; i++)
		free(ns->nft_tables_other[i]);
	free(ns->nft_tables_other);
	free(ns->du_rules);
	free(ns->path);
	free(ns->docker);
	free(ns->docker_socket);
	free(ns->absent);
	memset(ns, 0, sizeof(*ns));
}

void topology_free(struct topology *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_ns; i++)
		topo_ns_clear(&t->ns[i]);
	free(t->ns);
	free(t->links);
	free(t->checks);
	free(t->nodes);
	free(t->file);
	memset(t, 0, sizeof(*t));
}

long topology_ns_find(const struct topology *t, const char *name)
{
	for (size_t i = 0; i < t->n_ns; i++)
		if (strcmp(t->ns[i].name, name) == 0)
			return (long)i;
	return -1;
}

long topo_ns_iface_find(const struct topo_ns *ns, const char *name)
{
	for (size_t i = 0; i < ns->n_ifaces; i++)
		if (strcmp(ns->ifaces[i].name, name) == 0)
			return (long)i;
	return -1;
}

const char *topo_iftype_name(const struct topo_linktype *type)
{
	return type ? type->name : "unset";
}

/* Indexed by TOPO_AGM_*; the words are iproute2's (`ip link set X addrgenmode`). */
static const char *const agm_names[] = { "", "eui64", "none", "stable_secret", "random" };

const char *topo_agm_name(uint8_t mode)
{
	return mode < sizeof(agm_names) / sizeof(agm_names[0]) ? agm_names[mode] : "";
}

uint8_t topo_agm_parse(const char *word)
{
	for (uint8_t m = TOPO_AGM_EUI64; m < sizeof(agm_names) / sizeof(agm_names[0]); m++)
		if (strcmp(word, agm_names[m]) == 0)
			return m;
	return TOPO_AGM_UNSET;
}

const char *topo_agm_accepted(void)
{
	return "eui64, none, stable_secret, random";
}

const char *topo_rtype_name(enum topo_rtype type)
{
	switch (type) {
	case TOPO_RT_BLACKHOLE: return "blackhole";
	case TOPO_RT_UNREACHABLE: return "unreachable";
	case TOPO_RT_PROHIBIT: return "prohibit";
	case TOPO_RT_LOCAL: return "local";
	case TOPO_RT_BROADCAST: return "broadcast";
	case TOPO_RT_UNICAST: break;
	}
	return "unicast";
}
