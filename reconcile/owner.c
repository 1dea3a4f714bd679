// SPDX-License-Identifier: MIT
/* Ownership: every rule about whose an object is. Pure, see owner.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "reconcile/owner.h"
#include "model/vec.h"
#include "model/nft_text.h"

#include "model/ip.h"
#include "model/linktype.h"
#include "model/link_vxlan.h"

#define RTPROT_UNSPEC_   0
#define RTPROT_REDIRECT_ 1
#define RTPROT_KERNEL_   2
#define RTPROT_BOOT_     3
#define RTPROT_STATIC_   4
#define RTPROT_RA_       9
#define IFAPROT_KERNEL_MAX 3    /* IFAPROT_KERNEL_LO, _RA, _LL */

enum owner_verdict owner_route_protocol(bool ns_ours, unsigned char proto)
{
	if (proto == RTPROT_KERNEL_ || proto == RTPROT_RA_)
		return OWNER_KERNEL;
	if (proto == TOPO_RTPROT)
		return OWNER_OURS;
	if (ns_ours && (proto == RTPROT_UNSPEC_ || proto == RTPROT_REDIRECT_ || proto == RTPROT_BOOT_ ||
			proto == RTPROT_STATIC_))
		return OWNER_OURS;
	return OWNER_FOREIGN;
}

bool owner_addr_is_kernels(const struct topo_iface *ifc, const struct topo_addr *a)
{
	static const uint8_t lo6[16] = { [15] = 1 };

	if (a->proto && a->proto <= IFAPROT_KERNEL_MAX)
		return true;
	/* IPv6 link-local: the kernel makes and remakes its own with the link
	 * (IFA_PROTO kernel_ll, or none before 5.18); one carrying topo's mark
	 * was declared, and is topo's like any other address. */
	if (a->ip.family == AF_INET6 && a->ip.bytes[0] == 0xfe && (a->ip.bytes[1] & 0xc0) == 0x80 &&
	    a->proto != TOPO_IFAPROT)
		return true;
	/* Kernels before 5.18 have no IFA_PROTO: know lo's own addresses by sight. */
	if (topo_lt_is(ifc->type, TOPO_LT_KERNEL) &&
	    ((a->ip.family == AF_INET && a->ip.bytes[0] == 127 && a->ip.plen == 8) ||
	     (a->ip.family == AF_INET6 && memcmp(a->ip.bytes, lo6, 16) == 0)))
		return true;
	return false;
}

/* ---------------------------------------------------------------- context -- */

static int ctx_keep(struct owner_ctx *ctx, char *id, struct strmap *map, size_t value)
{
	char **v;
	int r;

	if (!id)
		return -ENOMEM;
	v = VEC_APPEND(ctx->ids, ctx->n_ids);
	if (!v) {
		free(id);
		return -ENOMEM;
	}
	*v = id;
	r = strmap_put(map, id, value);
	return r == -ENOMEM ? r : 0;
}

static char *id_link(const char *ns, const char *name)
{
	char *s;

	return asprintf(&s, "%s\tl\t%s", ns, name) < 0 ? NULL : s;
}

static char *id_created(const char *ns)
{
	char *s;

	return asprintf(&s, "%s\tc", ns) < 0 ? NULL : s;
}

int owner_ctx_init(struct owner_ctx *ctx, const struct topology *desired, const struct topo_state *state,
		   const struct topo_state *others, size_t n_others, bool adopt)
{
	int r = 0;

	memset(ctx, 0, sizeof(*ctx));
	ctx->topology = desired->name;
	ctx->desired = desired;
	ctx->state = state;
	ctx->others = others;
	ctx->n_others = n_others;
	ctx->adopt = adopt;
	/* What this topology claims among routes and addresses that carry only
	 * topo's protocol: what it declares outside its own namespaces, and
	 * what its state file recorded. */
	for (size_t n = 0; n < desired->n_ns && r == 0; n++) {
		const struct topo_ns *ns = &desired->ns[n];

		if (ns->kind == TOPO_NS_CREATED)
			continue;
		for (size_t i = 0; i < ns->n_routes && r == 0; i++)
			r = ctx_keep(ctx, topo_object_id_route(ns->name, &ns->routes[i]), &ctx->claimed, 0);
		for (size_t k = 0; k < topo_n_kinds && r == 0; k++)
			for (size_t i = 0; i < ns->objs[k].n && r == 0; i++)
				r = ctx_keep(ctx, topo_object_id_kind(ns->name, topo_kinds[k],
								      topo_obj_at(topo_kinds[k], &ns->objs[k], i)),
					     &ctx->claimed, 0);
		for (size_t i = 0; i < ns->n_ifaces && r == 0; i++)
			for (size_t a = 0; a < ns->ifaces[i].n_addrs && r == 0; a++)
				r = ctx_keep(ctx, topo_object_id_addr(ns->name, ns->ifaces[i].name,
								      &ns->ifaces[i].addrs[a].ip), &ctx->claimed, 0);
	}
	for (size_t i = 0; state && i < state->n_objects && r == 0; i++)
		if (strmap_put(&ctx->claimed, state->objects[i], 0) == -ENOMEM)
			r = -ENOMEM;
	/* The other topologies' records, first one wins. */
	for (size_t t = 0; t < n_others && r == 0; t++) {
		const struct topo_state *o = &others[t];

		if (strcmp(o->topology, desired->name) == 0)
			continue;
		for (size_t i = 0; i < o->n_objects && r == 0; i++)
			if (strmap_put(&ctx->other_ids, o->objects[i], t) == -ENOMEM)
				r = -ENOMEM;
		for (size_t i = 0; i < o->n_links && r == 0; i++)
			r = ctx_keep(ctx, id_link(o->links[i].ns, o->links[i].name), &ctx->other_ids, t);
		for (size_t i = 0; i < o->n_ns && r == 0; i++)
			if (o->ns[i].kind == TOPO_NS_CREATED)
				r = ctx_keep(ctx, id_created(o->ns[i].name), &ctx->other_ids, t);
	}
	if (r < 0)
		owner_ctx_free(ctx);
	return r;
}

void owner_ctx_free(struct owner_ctx *ctx)
{
	strmap_free(&ctx->claimed);
	strmap_free(&ctx->other_ids);
	for (size_t i = 0; i < ctx->n_ids; i++)
		free(ctx->ids[i]);
	free(ctx->ids);
	memset(ctx, 0, sizeof(*ctx));
}

/* The other topology recording this id (the id is freed), or NULL. */
static const char *other_of(const struct owner_ctx *ctx, char *id)
{
	size_t t;
	const char *r = NULL;

	if (id && strmap_get(&ctx->other_ids, id, &t) == 0)
		r = ctx->others[t].topology;
	free(id);
	return r;
}

static bool claimed(const struct owner_ctx *ctx, char *id)
{
	size_t dummy;
	bool r = id && strmap_get(&ctx->claimed, id, &dummy) == 0;

	free(id);
	return r;
}

/* ------------------------------------------------------------- namespaces -- */

static const struct topo_iface *ns_lo(const struct topo_ns *o)
{
	for (size_t i = 0; i < o->n_ifaces; i++)
		if (topo_lt_is(o->ifaces[i].type, TOPO_LT_KERNEL))
			return &o->ifaces[i];
	return NULL;
}

const char *owner_ns_other(const struct owner_ctx *ctx, const struct topo_ns *o)
{
	const struct topo_iface *lo = ns_lo(o);

	if (lo && lo->owned && strcmp(lo->owner, ctx->topology) != 0)
		return lo->owner;
	if (lo && lo->owned)
		return NULL;
	return other_of(ctx, id_created(o->name));
}

enum owner_verdict owner_ns(const struct owner_ctx *ctx, const struct topo_ns *o, const struct topo_ns *d)
{
	if (o->is_self && o->kind != TOPO_NS_IS_HOST)
		return OWNER_FOREIGN;   /* the namespace topo runs in: host, by another name */
	if (o->kind != TOPO_NS_CREATED)
		return OWNER_KERNEL;    /* shared: host or attached */
	if (!o->exists)
		return OWNER_OURS;      /* to be created (or gone) */
	/* The kernel's mark first: lo's alias names the topology. */
	if (o->owned)
		return OWNER_OURS;
	if (owner_ns_other(ctx, o))
		return OWNER_OTHER;
	/* No "created by a run that died before it could mark lo": lo is
	 * marked before the namespace has a name, and the state file's "about
	 * to create" is no proof (someone may have made it since). */
	if (ctx->adopt && d && d->kind == TOPO_NS_CREATED && !owner_ns_runtime(o))
		return OWNER_ADOPTABLE;
	return OWNER_FOREIGN;
}

int owner_scope_init(struct owner_scope *sc, const struct owner_ctx *ctx, const struct topo_ns *o,
		     const struct topo_ns *d)
{
	memset(sc, 0, sizeof(*sc));
	sc->o = o;
	sc->d = d;
	sc->ns = owner_ns(ctx, o, d);
	sc->all_ours = o->kind == TOPO_NS_CREATED && (sc->ns == OWNER_OURS || sc->ns == OWNER_ADOPTABLE);
	for (size_t i = 0; o->n_ifaces >= OWNER_IFMAP_MIN && i < o->n_ifaces; i++)
		if (strmap_put(&sc->ifmap, o->ifaces[i].name, i) == -ENOMEM) {
			owner_scope_free(sc);
			return -ENOMEM;
		}
	return 0;
}

void owner_scope_free(struct owner_scope *sc)
{
	strmap_free(&sc->ifmap);
}

long owner_scope_iface(const struct owner_scope *sc, const char *name)
{
	size_t i;

	if (sc->o->n_ifaces < OWNER_IFMAP_MIN)
		return topo_ns_iface_find(sc->o, name);
	return strmap_get(&sc->ifmap, name, &i) == 0 ? (long)i : -1;
}

/* ------------------------------------------------------- container runtimes -- */

static bool has_prefix(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

const char *owner_ns_runtime(const struct topo_ns *o)
{
	static const char *const docker[] = { "/run/docker/netns/", "/var/run/docker/netns/" };
	static const char *const cni[] = { "/run/netns/cni-", "/var/run/netns/cni-" };

	if (o->kind == TOPO_NS_CREATED)
		return has_prefix(o->name, "cni-") ? "CNI" : NULL;
	if (o->kind != TOPO_NS_PATH)
		return NULL;
	for (size_t i = 0; i < 2; i++) {
		if (has_prefix(o->path, docker[i]))
			return "Docker";
		if (has_prefix(o->path, cni[i]))
			return "CNI";
	}
	return NULL;
}

/* The declared namespace of this name, or NULL. */
static const struct topo_ns *declared_ns(const struct owner_ctx *ctx, const char *name)
{
	for (size_t i = 0; ctx->desired && name[0] && i < ctx->desired->n_ns; i++)
		if (strcmp(ctx->desired->ns[i].name, name) == 0)
			return &ctx->desired->ns[i];
	return NULL;
}

/* Docker names its bridges docker0 and br-<12 hex digits> (user networks). */
static bool docker_bridge_name(const char *name)
{
	if (strcmp(name, "docker0") == 0)
		return true;
	if (!has_prefix(name, "br-") || strlen(name) != 15)
		return false;
	for (size_t i = 3; i < 15; i++)
		if (!strchr("0123456789abcdef", name[i]))
			return false;
	return true;
}

/*
 * Whose a bridge is, for the message: the runtime of a port's namespace,
 * else by its name (the ports are the proof, the name only says whose).
 */
static const char *bridge_runtime(const char *name, const char *port_runtime)
{
	if (port_runtime)
		return port_runtime;
	if (docker_bridge_name(name))
		return "Docker";
	if (strcmp(name, "cni0") == 0 || has_prefix(name, "cni"))
		return "CNI";
	return NULL;
}

/*
 * Does this bridge have a port leading into a namespace that the file does
 * not declare (topo does not know it: a container's) or that a runtime
 * owns? Its ports are veths whose other end is in another namespace; topo's
 * own ports do not count. *runtime: the runtime of such a namespace, or
 * NULL when unknown.
 */
static bool bridge_leads_out(const struct owner_ctx *ctx, const struct owner_scope *sc, const struct topo_iface *ifc,
			     const char **runtime)
{
	bool out = false;

	*runtime = NULL;
	for (size_t i = 0; i < sc->o->n_ifaces; i++) {
		const struct topo_iface *p = &sc->o->ifaces[i];
		const struct topo_ns *pd;

		if (p == ifc || (strcmp(p->master, ifc->name) != 0 &&
				 !(ifc->ifindex > 0 && p->master_ifindex == ifc->ifindex)))
			continue;
		if (!topo_lt_is(p->type, TOPO_LT_PAIR) || p->peer_netnsid < 0 || (p->owned && strcmp(p->owner, ctx->topology) == 0))
			continue;
		pd = declared_ns(ctx, topo_iface_peer_ns(p));
		if (!pd) {
			out = true;
		} else if (owner_ns_runtime(pd)) {
			out = true;
			*runtime = owner_ns_runtime(pd);
		}
	}
	return out;
}

const char *owner_adopt_refusal(const struct owner_ctx *ctx, const struct owner_scope *sc,
				const struct topo_iface *ifc, char *buf, size_t n)
{
	const char *rt = owner_ns_runtime(sc->o);
	const char *port_rt;
	bool leads_out;

	if (rt) {
		snprintf(buf, n, "namespace %s is %s's (%s): topo never takes over what is in it", sc->o->name, rt,
			 sc->o->kind == TOPO_NS_PATH ? sc->o->path : "a CNI namespace");
		return buf;
	}
	if (topo_lt_is(ifc->type, TOPO_LT_PAIR) && ifc->peer_netnsid >= 0) {
		const struct topo_ns *pd = declared_ns(ctx, topo_iface_peer_ns(ifc));

		if (pd && owner_ns_runtime(pd)) {
			snprintf(buf, n, "%s is %s's: its peer is in the container namespace %s", ifc->name,
				 owner_ns_runtime(pd), pd->name);
			return buf;
		}
	}
	if (!topo_lt_is(ifc->type, TOPO_LT_MASTER))
		return NULL;
	leads_out = bridge_leads_out(ctx, sc, ifc, &port_rt);
	if (!leads_out && !bridge_runtime(ifc->name, NULL))
		return NULL;
	rt = bridge_runtime(ifc->name, port_rt);
	if (leads_out)
		snprintf(buf, n, "%s is %s: its ports lead to container namespaces", ifc->name,
			 rt ? (strcmp(rt, "Docker") == 0 ? "Docker's" : "CNI's") : "a container runtime's");
	else
		snprintf(buf, n, "%s is %s's bridge", ifc->name, rt);
	return buf;
}

static bool forwarding_key(const char *key)
{
	return strcmp(key, "net.ipv4.ip_forward") == 0 || strcmp(key, "net.ipv4.conf.all.forwarding") == 0;
}

const char *owner_sysctl_dependent(const struct owner_ctx *ctx, const struct owner_scope *sc, const char *key,
				   char *buf, size_t n)
{
	const char *rt;

	if (!forwarding_key(key))
		return NULL;
	if (sc->o->nft_docker) {
		snprintf(buf, n, "Docker (its iptables chains are present)");
		return buf;
	}
	if (sc->o->nft_cni) {
		snprintf(buf, n, "CNI (its iptables chains are present)");
		return buf;
	}
	for (size_t i = 0; i < sc->o->n_ifaces; i++) {
		const struct topo_iface *ifc = &sc->o->ifaces[i];

		if (!topo_lt_is(ifc->type, TOPO_LT_MASTER) || (ifc->owned && strcmp(ifc->owner, ctx->topology) == 0))
			continue;
		bool out = bridge_leads_out(ctx, sc, ifc, &rt);

		if (out || bridge_runtime(ifc->name, NULL)) {
			rt = bridge_runtime(ifc->name, rt);
			snprintf(buf, n, "%s (bridge %s%s)", rt ? rt : "a container runtime", ifc->name,
				 out ? ", its ports lead to container namespaces" : "");
			return buf;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------ links -- */

enum owner_verdict owner_link(const struct owner_ctx *ctx, const struct owner_scope *sc, const struct topo_iface *ifc)
{
	if (topo_lt_is(ifc->type, TOPO_LT_KERNEL))
		return OWNER_KERNEL;
	if (sc->ns == OWNER_FOREIGN || sc->ns == OWNER_OTHER)
		return sc->ns;
	if (sc->all_ours)
		return OWNER_OURS;
	if (ifc->owned)
		return strcmp(ifc->owner, ctx->topology) == 0 ? OWNER_OURS : OWNER_OTHER;
	/* Created by a run that died before it could mark it, or taken over. */
	if (topo_state_link_pending(ctx->state, sc->o->name, ifc->name))
		return OWNER_OURS;
	if (sc->adopted && sc->adopted[ifc - sc->o->ifaces])
		return OWNER_OURS;
	if (other_of(ctx, id_link(sc->o->name, ifc->name)))
		return OWNER_OTHER;
	if (ctx->adopt) {
		char why[256];

		return owner_adopt_refusal(ctx, sc, ifc, why, sizeof(why)) ? OWNER_FOREIGN : OWNER_ADOPTABLE;
	}
	return OWNER_FOREIGN;
}

const char *owner_link_other(const struct owner_ctx *ctx, const struct owner_scope *sc, const struct topo_iface *ifc)
{
	if (ifc->owned && strcmp(ifc->owner, ctx->topology) != 0)
		return ifc->owner;
	return other_of(ctx, id_link(sc->o->name, ifc->name));
}

/* -------------------------------------------------------------------- fdb -- */

bool owner_fdb_is_kernels(const struct topo_iface *dev, const struct topo_fdb *e)
{
	static const uint8_t zero[6];

	return dev->type == TOPO_IF_VXLAN && memcmp(e->mac, zero, 6) == 0 && dev->opt[VX_REMOTE].set &&
	       topo_ip_equal(&dev->opt[VX_REMOTE].ip, &e->dst);
}

enum owner_verdict owner_fdb(const struct owner_ctx *ctx, const struct owner_scope *sc, const struct topo_iface *dev,
			     const struct topo_fdb *e)
{
	enum owner_verdict v;

	if (!dev)
		return OWNER_FOREIGN;
	if (owner_fdb_is_kernels(dev, e))
		return OWNER_KERNEL;
	v = owner_link(ctx, sc, dev);
	return v == OWNER_OURS ? OWNER_OURS : v == OWNER_OTHER ? OWNER_OTHER : OWNER_FOREIGN;
}

/* -------------------------------------------------------------- addresses -- */

const char *owner_addr_other(const struct owner_ctx *ctx, const char *ns, const char *dev, const struct topo_ip *ip)
{
	return other_of(ctx, topo_object_id_addr(ns, dev, ip));
}

enum owner_verdict owner_addr(const struct owner_ctx *ctx, const struct owner_scope *sc, const struct topo_iface *ifc,
			      const struct topo_addr *a)
{
	enum owner_verdict link;

	if (owner_addr_is_kernels(ifc, a))
		return OWNER_KERNEL;
	if (sc->all_ours)
		return OWNER_OURS;      /* lo's too */
	link = owner_link(ctx, sc, ifc);
	/* On a link topo owns, every address; on another topology's, none. */
	if (link == OWNER_OURS || link == OWNER_OTHER)
		return link;
	if (sc->ns == OWNER_FOREIGN || a->proto != TOPO_IFAPROT)
		return OWNER_FOREIGN;
	/* On a link nobody marks (host's lo) the protocol says "topo"; the
	 * records say which topology, another's first. */
	if (owner_addr_other(ctx, sc->o->name, ifc->name, &a->ip))
		return OWNER_OTHER;
	return claimed(ctx, topo_object_id_addr(sc->o->name, ifc->name, &a->ip)) ? OWNER_OURS : OWNER_FOREIGN;
}

/* ----------------------------------------------------------------- routes -- */

const char *owner_route_other(const struct owner_ctx *ctx, const char *ns, const struct topo_route *rt)
{
	return other_of(ctx, topo_object_id_route(ns, rt));
}

enum owner_verdict owner_route(const struct owner_ctx *ctx, const struct owner_scope *sc, const struct topo_route *rt)
{
	enum owner_verdict v;

	if (sc->ns == OWNER_FOREIGN || sc->ns == OWNER_OTHER)
		return rt->proto == RTPROT_KERNEL_ ? OWNER_KERNEL : sc->ns;
	v = owner_route_protocol(sc->all_ours, rt->proto);
	if (sc->all_ours || v != OWNER_OURS)
		return v;
	/* Through another topology's link: that topology's; through ours: ours. */
	long k = rt->dev[0] ? owner_scope_iface(sc, rt->dev) : -1;

	if (k >= 0) {
		v = owner_link(ctx, sc, &sc->o->ifaces[k]);
		if (v == OWNER_OURS || v == OWNER_OTHER)
			return v;
	}
	/* No device, or one nobody marks: the records decide, another's first. */
	if (owner_route_other(ctx, sc->o->name, rt))
		return OWNER_OTHER;
	return claimed(ctx, topo_object_id_route(sc->o->name, rt)) ? OWNER_OURS : OWNER_FOREIGN;
}

/* ------------------------------------------------------------ table kinds -- */

enum owner_verdict owner_object(const struct owner_ctx *ctx, const struct owner_scope *sc, const struct topo_kind *k,
				const void *o)
{
	uint8_t proto = k->proto(o);

	if (proto == RTPROT_KERNEL_)
		return OWNER_KERNEL;
	if (sc->ns == OWNER_FOREIGN || sc->ns == OWNER_OTHER)
		return sc->ns;
	if (proto != TOPO_RTPROT)
		return ctx->adopt ? OWNER_ADOPTABLE : OWNER_FOREIGN;
	if (sc->all_ours)
		return OWNER_OURS;
	if (other_of(ctx, topo_object_id_kind(sc->o->name, k, o)))
		return OWNER_OTHER;
	return claimed(ctx, topo_object_id_kind(sc->o->name, k, o)) ? OWNER_OURS : OWNER_FOREIGN;
}

/* ---------------------------------------------------------------- shaping -- */

enum owner_verdict owner_qdisc(const struct topo_shape *observed)
{
	switch (observed->root) {
	case TOPO_QDISC_DEFAULT: return OWNER_KERNEL;
	case TOPO_QDISC_OURS: return OWNER_OURS;
	case TOPO_QDISC_FOREIGN: break;
	}
	return OWNER_FOREIGN;
}

bool owner_route_absent_deletable(const struct topo_route *rt)
{
	return rt->proto == RTPROT_KERNEL_;
}

/* -------------------------------------------------------------------- nft -- */

bool owner_nft_present(const struct topo_ns *o)
{
	return o->nft_table || o->nft_table_foreign;
}

enum owner_verdict owner_nft(const struct owner_ctx *ctx, const struct owner_scope *sc)
{
	(void)ctx;
	if (sc->ns == OWNER_FOREIGN || sc->ns == OWNER_OTHER)
		return sc->ns;
	/* The comment is the mark; in a namespace we created an unmarked table
	 * of our name (from a topo before the mark) is ours all the same, not
	 * in one --adopt takes over. */
	if (sc->o->nft_table || (sc->o->nft_table_foreign && sc->o->kind == TOPO_NS_CREATED && sc->ns == OWNER_OURS))
		return OWNER_OURS;
	return OWNER_FOREIGN;
}

/* ------------------------------------------------------------ DOCKER-USER -- */

enum owner_verdict owner_du_rule(const struct owner_ctx *ctx, const struct topo_du_rule *r)
{
	return strcmp(r->owner, ctx->topology) == 0 ? OWNER_OURS : OWNER_OTHER;
}

/* -------------------------------------------------------- published ports -- */

static bool ports_overlap(uint16_t alo, uint16_t ahi, uint16_t blo, uint16_t bhi)
{
	if ((alo == 0 && ahi == 0) || (blo == 0 && bhi == 0))
		return true;    /* any port */
	return alo <= bhi && blo <= ahi;
}

/* Either is any, or one prefix holds the other. */
static bool addrs_overlap(const struct topo_ip *a, const struct topo_ip *b)
{
	uint8_t plen;

	if (!a->family || !b->family)
		return true;
	if (a->family != b->family)
		return false;
	plen = a->plen < b->plen ? a->plen : b->plen;
	for (uint8_t i = 0; i < plen; i++)
		if ((a->bytes[i / 8] ^ b->bytes[i / 8]) & (0x80 >> (i % 8)))
			return false;
	return true;
}

const struct topo_published *owner_dnat_published(const struct topo_ns *o, const struct topo_nat *n)
{
	if (n->kind != TOPO_NAT_DNAT || (n->destination.family && n->destination.family != AF_INET))
		return NULL;
	for (size_t i = 0; i < o->n_published; i++) {
		const struct topo_published *p = &o->published[i];

		if (p->protocol && n->protocol && p->protocol != n->protocol)
			continue;
		if (ports_overlap(p->port_lo, p->port_hi, n->port_lo, n->port_hi) &&
		    addrs_overlap(&p->daddr, &n->destination))
			return p;
	}
	return NULL;
}

const char *owner_published_by(const struct topo_published *p, char *buf, size_t len)
{
	if (strncmp(p->chain, "DOCKER", 6) == 0)
		snprintf(buf, len, "Docker");
	else if (strncmp(p->chain, "CNI-", 4) == 0)
		snprintf(buf, len, "CNI portmap");
	else if (p->topology[0])
		snprintf(buf, len, "topology '%s'", p->topology);
	else
		snprintf(buf, len, "another table");
	return buf;
}

/* ---------------------------------------------------------------- sysctls -- */

enum owner_verdict owner_sysctl(const struct owner_ctx *ctx, const struct owner_scope *sc, const char *key)
{
	for (size_t i = 0; sc->d && i < sc->d->n_sysctls; i++)
		if (strcmp(sc->d->sysctls[i].key, key) == 0)
			return OWNER_OURS;
	return ctx->state && topo_state_sysctl_find(ctx->state, sc->o->name, key) ? OWNER_OURS : OWNER_FOREIGN;
}

int owner_nft_text_foreign(const struct topo_ns *o, const struct topo_ns *d)
{
	/* Tables of the other families carry the inet table's mark; a table
	 * of our name without it is someone else's (backends/nftx.c reads
	 * which is which). */
	for (size_t i = 0; i < d->n_nft_text; i++) {
		int fam = topo_nft_family_index(d->nft_text[i].family);

		if (fam > 0 && (o->nftx_foreign & (1u << fam)))
			return (int)i;
	}
	return -1;
}
