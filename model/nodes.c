// SPDX-License-Identifier: MIT
#include "model/nodes.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/ip.h"
#include "model/link_vxlan.h"

/* The name of a tunnel device topo adds on a node's host: exact, from the
 * VNI, so it is found by name and mark, never by a prefix. */
#define TUN_VXLAN  "vxlan%u"
#define TUN_BRIDGE "vxbr%u"
#define TUN_PORT   "vxp%u"

enum tun_dev { TUN_DEV_VXLAN, TUN_DEV_BRIDGE, TUN_DEV_PORT };

static void tun_name(char buf[TOPO_IFNAME_MAX + 1], enum tun_dev kind, uint32_t vni)
{
	switch (kind) {
	case TUN_DEV_VXLAN: snprintf(buf, TOPO_IFNAME_MAX + 1, TUN_VXLAN, vni); break;
	case TUN_DEV_BRIDGE: snprintf(buf, TOPO_IFNAME_MAX + 1, TUN_BRIDGE, vni); break;
	case TUN_DEV_PORT: snprintf(buf, TOPO_IFNAME_MAX + 1, TUN_PORT, vni); break;
	}
}

uint32_t topo_node_overlay_mtu(const struct topo_node *n)
{
	uint32_t u = n->mtu ? n->mtu : TOPO_UNDERLAY_MTU;
	/* outer IP (20 or 40) + UDP 8 + VXLAN 8 + inner Ethernet 14 */
	uint32_t headers = n->underlay.family == AF_INET6 ? 70 : 50;

	return u > headers ? u - headers : 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

uint32_t topo_vni_derive(const char *const *names, size_t n)
{
	const char *sorted[2];
	uint32_t h = 2166136261u;   /* FNV-1a */

	if (n > 2)
		n = 2;
	memcpy(sorted, names, n * sizeof(*names));
	qsort(sorted, n, sizeof(*sorted), str_cmp);
	for (size_t i = 0; i < n; i++) {
		for (const char *p = sorted[i]; *p; p++) {
			h ^= (unsigned char)*p;
			h *= 16777619u;
		}
		h ^= '\n';
		h *= 16777619u;
	}
	/* Fold to 24 bits; 0 is not a VNI topo uses. */
	h = (h >> 24) ^ (h & 0xffffff);
	return h ? h : 1;
}

static long node_find(const struct topology *t, const char *name)
{
	for (size_t i = 0; i < t->n_nodes; i++)
		if (strcmp(t->nodes[i].name, name) == 0)
			return (long)i;
	return -1;
}

static const struct topo_node *ns_node(const struct topology *t, size_t ns)
{
	long i = node_find(t, t->ns[ns].node);

	return i < 0 ? NULL : &t->nodes[i];
}

static bool same_addr(const struct topo_ip *a, const struct topo_ip *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, a->family == AF_INET6 ? 16 : 4) == 0;
}

static struct topo_ip bare(const struct topo_ip *ip)
{
	struct topo_ip r = *ip;

	r.plen = (uint8_t)topo_ip_maxlen(ip->family);
	return r;
}

/* The host namespace of node n in t, or -1. */
static long node_host(const struct topology *t, const char *node)
{
	for (size_t i = 0; i < t->n_ns; i++)
		if (t->ns[i].kind == TOPO_NS_IS_HOST && strcmp(t->ns[i].node, node) == 0)
			return (long)i;
	return -1;
}

/* ---------------------------------------------------------------- resolve -- */

struct tunnel {
	uint32_t vni;
	struct topo_pos pos;
	char what[200];
};

struct resolver {
	struct topology *t;
	struct topo_diags *d;
	struct tunnel *tun;
	size_t n_tun;
	int r;              /* -ENOMEM sticks */
	bool bad;
};

__attribute__((format(printf, 3, 4)))
static void rdiag(struct resolver *rs, struct topo_pos pos, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rs->bad = true;
	if (topo_diag_add(rs->d, pos, "%s", msg) < 0)
		rs->r = -ENOMEM;
}

static void tunnel_add(struct resolver *rs, uint32_t vni, struct topo_pos pos, const char *what)
{
	struct tunnel *v = realloc(rs->tun, (rs->n_tun + 1) * sizeof(*v));

	if (!v) {
		rs->r = -ENOMEM;
		return;
	}
	rs->tun = v;
	v[rs->n_tun] = (struct tunnel){ .vni = vni, .pos = pos };
	snprintf(v[rs->n_tun].what, sizeof(v[rs->n_tun].what), "%s", what);
	rs->n_tun++;
}

static int pos_cmp(struct topo_pos a, struct topo_pos b)
{
	if (a.line != b.line)
		return a.line < b.line ? -1 : 1;
	return a.col < b.col ? -1 : a.col > b.col;
}

static int tunnel_cmp(const void *a, const void *b)
{
	const struct tunnel *x = a, *y = b;

	if (x->vni != y->vni)
		return x->vni < y->vni ? -1 : 1;
	return pos_cmp(x->pos, y->pos);
}

/* An interface that crosses or is bridged over a tunnel gets the overlay mtu;
 * a declared larger one cannot pass and is refused. */
static void mtu_cap(struct resolver *rs, struct topo_iface *ifc, const char *ns, uint32_t mtu, const char *why)
{
	if (ifc->mtu && !ifc->mtu_from_defaults && ifc->mtu > mtu) {
		rdiag(rs, ifc->pos, "interface %s:%s has mtu %u, more than the %u of %s (the underlay's less the "
		      "VXLAN headers: 50 over IPv4, 70 over IPv6)", ns, ifc->name, ifc->mtu, mtu, why);
		return;
	}
	if (!ifc->mtu || ifc->mtu_from_defaults || ifc->mtu > mtu) {
		ifc->mtu = mtu;
		ifc->mtu_from_defaults = false;
	}
}

static void resolve_links(struct resolver *rs)
{
	struct topology *t = rs->t;

	for (size_t i = 0; i < t->n_links; i++) {
		struct topo_link *l = &t->links[i];
		const struct topo_node *n0 = ns_node(t, l->end[0].ns), *n1 = ns_node(t, l->end[1].ns);
		char names[2][TOPO_NS_NAME_MAX + TOPO_IFNAME_MAX + 2];
		const char *np[2] = { names[0], names[1] };
		char what[200];
		uint32_t mtu;

		if (!n0 || !n1 || n0 == n1) {
			if (l->vni || l->port)
				rdiag(rs, l->pos, "vni and dstport apply to a link between two nodes; both ends are on %s",
				      n0 ? n0->name : "one host");
			continue;
		}
		if (n0->underlay.family != n1->underlay.family) {
			rdiag(rs, l->pos, "nodes %s and %s have underlays of different families: no tunnel joins them",
			      n0->name, n1->name);
			continue;
		}
		for (int e = 0; e < 2; e++)
			snprintf(names[e], sizeof(names[e]), "%s:%s", t->ns[l->end[e].ns].name,
				 t->ns[l->end[e].ns].ifaces[l->end[e].iface].name);
		if (!l->vni)
			l->vni = topo_vni_derive(np, 2);
		if (!l->port)
			l->port = TOPO_VXLAN_PORT;
		snprintf(what, sizeof(what), "the link %s - %s", names[0], names[1]);
		tunnel_add(rs, l->vni, l->pos, what);
		mtu = topo_node_overlay_mtu(n0);
		if (topo_node_overlay_mtu(n1) < mtu)
			mtu = topo_node_overlay_mtu(n1);
		if (l->mtu > mtu) {
			rdiag(rs, l->pos, "the link %s - %s has mtu %u, more than the overlay's %u", names[0], names[1],
			      l->mtu, mtu);
			continue;
		}
		for (int e = 0; e < 2; e++)
			mtu_cap(rs, &t->ns[l->end[e].ns].ifaces[l->end[e].iface], t->ns[l->end[e].ns].name, mtu, what);
	}
}

/* Every interface bridged on a stretched bridge, and its veth peer. */
static void bridge_mtu(struct resolver *rs, size_t nsi, struct topo_iface *br, uint32_t mtu)
{
	struct topology *t = rs->t;
	struct topo_ns *ns = &t->ns[nsi];
	char what[200];

	snprintf(what, sizeof(what), "the stretched bridge %s", br->name);
	mtu_cap(rs, br, ns->name, mtu, what);
	for (size_t j = 0; j < ns->n_ifaces; j++) {
		struct topo_iface *p = &ns->ifaces[j];

		if (strcmp(p->master, br->name) != 0)
			continue;
		mtu_cap(rs, p, ns->name, mtu, what);
		if (p->link >= 0) {
			const struct topo_link *l = &t->links[p->link];
			int o = l->end[0].ns == nsi && l->end[0].iface == j ? 1 : 0;

			mtu_cap(rs, &t->ns[l->end[o].ns].ifaces[l->end[o].iface], t->ns[l->end[o].ns].name, mtu, what);
		}
	}
}

static void resolve_bridges(struct resolver *rs)
{
	struct topology *t = rs->t;

	for (size_t i = 0; i < t->n_ns; i++) {
		if (t->ns[i].kind != TOPO_NS_IS_HOST || !t->ns[i].node[0])
			continue;
		for (size_t j = 0; j < t->ns[i].n_ifaces; j++) {
			struct topo_iface *br = &t->ns[i].ifaces[j];
			const char *name = br->name;
			uint32_t vni = 0, mtu = UINT32_MAX;
			uint16_t port = 0;
			size_t members = 0;
			bool first = true, agree = true;
			char what[200];

			if (br->type != TOPO_IF_BRIDGE || !br->stretch)
				continue;
			/* Handled once, from the first node that declares it. */
			for (size_t k = 0; k < i && first; k++)
				if (t->ns[k].kind == TOPO_NS_IS_HOST && t->ns[k].node[0]) {
					long m = topo_ns_iface_find(&t->ns[k], name);

					first = !(m >= 0 && t->ns[k].ifaces[m].stretch);
				}
			if (!first)
				continue;
			/* From the first node: a same-named bridge left unstretched on an
			 * earlier one is an error too. */
			for (size_t k = 0; k < t->n_ns; k++) {
				const struct topo_node *nd = ns_node(t, k);
				long m;

				if (t->ns[k].kind != TOPO_NS_IS_HOST || !nd)
					continue;
				m = topo_ns_iface_find(&t->ns[k], name);
				if (m < 0)
					continue;
				const struct topo_iface *o = &t->ns[k].ifaces[m];

				if (!o->stretch) {
					rdiag(rs, o->pos, "bridge %s is stretched on node %s (line %u) but not here on %s: "
					      "say stretch: true on each node, or name them apart", name, t->ns[i].node,
					      br->pos.line, nd->name);
					agree = false;
					continue;
				}
				members++;
				if (o->stretch_vni && vni && o->stretch_vni != vni) {
					rdiag(rs, o->pos, "stretched bridge %s has vni %u here and %u on another node",
					      name, o->stretch_vni, vni);
					agree = false;
				}
				if (o->stretch_port && port && o->stretch_port != port) {
					rdiag(rs, o->pos, "stretched bridge %s has dstport %u here and %u on another node",
					      name, o->stretch_port, port);
					agree = false;
				}
				if (o->stretch_vni)
					vni = o->stretch_vni;
				if (o->stretch_port)
					port = o->stretch_port;
				if (topo_node_overlay_mtu(nd) < mtu)
					mtu = topo_node_overlay_mtu(nd);
			}
			if (members < 2) {
				rdiag(rs, br->pos, "bridge %s is stretched but only node %s declares it (declare it, with "
				      "stretch: true, on each node it spans)", name, t->ns[i].node);
				continue;
			}
			if (members > TOPO_STRETCH_MAX_NODES) {
				rdiag(rs, br->pos, "bridge %s is stretched over %zu nodes; topo floods to at most %d peers",
				      name, members, TOPO_STRETCH_MAX_NODES - 1);
				continue;
			}
			if (!agree)
				continue;
			if (!vni)
				vni = topo_vni_derive(&name, 1);
			if (!port)
				port = TOPO_VXLAN_PORT;
			snprintf(what, sizeof(what), "the stretched bridge %s", name);
			tunnel_add(rs, vni, br->pos, what);
			for (size_t k = i; k < t->n_ns; k++) {
				long m;

				if (t->ns[k].kind != TOPO_NS_IS_HOST || !t->ns[k].node[0])
					continue;
				m = topo_ns_iface_find(&t->ns[k], name);
				if (m < 0)
					continue;
				t->ns[k].ifaces[m].stretch_vni = vni;
				t->ns[k].ifaces[m].stretch_port = (uint16_t)port;
				bridge_mtu(rs, k, &t->ns[k].ifaces[m], mtu);
			}
		}
	}
}

static void check_vnis(struct resolver *rs)
{
	struct topology *t = rs->t;

	/* A vxlan the file declares itself shares the VNI space on its host. */
	for (size_t i = 0; i < t->n_ns; i++)
		for (size_t j = 0; j < t->ns[i].n_ifaces; j++) {
			const struct topo_iface *x = &t->ns[i].ifaces[j];
			char what[200];

			if (x->type != TOPO_IF_VXLAN)
				continue;
			snprintf(what, sizeof(what), "vxlan %s:%s", t->ns[i].name, x->name);
			tunnel_add(rs, x->opt[VX_VNI].u, x->pos, what);
		}
	if (rs->r < 0)
		return;
	if (rs->n_tun > 1)
		qsort(rs->tun, rs->n_tun, sizeof(*rs->tun), tunnel_cmp);
	for (size_t i = 1; i < rs->n_tun; i++)
		if (rs->tun[i].vni == rs->tun[i - 1].vni)
			rdiag(rs, rs->tun[i].pos, "vni %u of %s is also the vni of %s (line %u): give one of them "
			      "vni: N", rs->tun[i].vni, rs->tun[i].what, rs->tun[i - 1].what, rs->tun[i - 1].pos.line);
}

/* The devices topo adds on a host must not be names the file uses there. */
static void check_tunnel_names(struct resolver *rs)
{
	struct topology *t = rs->t;

	for (size_t i = 0; i < t->n_links; i++) {
		const struct topo_link *l = &t->links[i];

		if (!l->vni)
			continue;
		for (int e = 0; e < 2; e++) {
			const struct topo_ns *ns = &t->ns[l->end[e].ns];
			long h = node_host(t, ns->node);
			char names[3][TOPO_IFNAME_MAX + 1];

			if (ns->kind == TOPO_NS_IS_HOST || h < 0)
				continue;
			tun_name(names[0], TUN_DEV_VXLAN, l->vni);
			tun_name(names[1], TUN_DEV_BRIDGE, l->vni);
			tun_name(names[2], TUN_DEV_PORT, l->vni);
			for (int k = 0; k < 3; k++) {
				long m = topo_ns_iface_find(&t->ns[h], names[k]);

				if (m >= 0)
					rdiag(rs, t->ns[h].ifaces[m].pos, "interface %s is the name topo gives the tunnel "
					      "of the link at line %u on node %s; rename it", names[k], l->pos.line,
					      ns->node);
			}
		}
	}
	for (size_t i = 0; i < t->n_ns; i++)
		for (size_t j = 0; j < t->ns[i].n_ifaces; j++) {
			const struct topo_iface *br = &t->ns[i].ifaces[j];
			char name[TOPO_IFNAME_MAX + 1];
			long m;

			if (!br->stretch || !br->stretch_vni || t->ns[i].kind != TOPO_NS_IS_HOST)
				continue;
			tun_name(name, TUN_DEV_VXLAN, br->stretch_vni);
			m = topo_ns_iface_find(&t->ns[i], name);
			if (m >= 0)
				rdiag(rs, t->ns[i].ifaces[m].pos, "interface %s is the name topo gives the tunnel port "
				      "of stretched bridge %s; rename it", name, br->name);
		}
}

/* host-gw: a route on node X whose gateway is another node's underlay
 * address goes straight over the underlay, so that address must be on X's
 * own underlay subnet. */
static void check_host_gw(struct resolver *rs)
{
	struct topology *t = rs->t;

	for (size_t i = 0; i < t->n_ns; i++) {
		const struct topo_ns *ns = &t->ns[i];
		const struct topo_node *me = ns_node(t, i);

		if (ns->kind != TOPO_NS_IS_HOST || !me)
			continue;
		for (size_t r = 0; r < ns->n_routes; r++) {
			const struct topo_route *rt = &ns->routes[r];
			char via[TOPO_IP_STRLEN], net[TOPO_IP_STRLEN];

			if (!rt->via.family)
				continue;
			for (size_t k = 0; k < t->n_nodes; k++) {
				const struct topo_node *o = &t->nodes[k];

				if (o == me || !same_addr(&rt->via, &o->underlay))
					continue;
				if (!topo_ip_contains(&me->underlay, &rt->via)) {
					struct topo_ip n = me->underlay;

					topo_ip_to_network(&n);
					rdiag(rs, rt->pos, "via %s (node %s's underlay) is not on node %s's underlay subnet %s: "
					      "a host-gw route needs both hosts on one subnet",
					      topo_ip_format(&rt->via, false, via, sizeof(via)), o->name, me->name,
					      topo_ip_format(&n, true, net, sizeof(net)));
				}
			}
		}
	}
}

static void check_nodes(struct resolver *rs)
{
	struct topology *t = rs->t;

	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct topo_node *n = &t->nodes[i];

		if (!n->underlay.family)
			continue;   /* the loader said so */
		if (n->underlay.family != t->nodes[0].underlay.family)
			rdiag(rs, n->pos, "node %s's underlay is not the same family as node %s's", n->name,
			      t->nodes[0].name);
		for (size_t k = 0; k < i; k++)
			if (same_addr(&n->underlay, &t->nodes[k].underlay))
				rdiag(rs, n->pos, "node %s has the underlay address of node %s (line %u)", n->name,
				      t->nodes[k].name, t->nodes[k].pos.line);
	}
}

int topo_nodes_resolve(struct topology *t, struct topo_diags *diags)
{
	struct resolver rs = { .t = t, .d = diags };

	check_nodes(&rs);
	resolve_links(&rs);
	resolve_bridges(&rs);
	check_vnis(&rs);
	check_tunnel_names(&rs);
	check_host_gw(&rs);
	free(rs.tun);
	if (rs.r < 0)
		return rs.r;
	return rs.bad ? -EINVAL : 0;
}

/* ------------------------------------------------------------------ slice -- */

static void opt_u(struct topo_iface *ifc, int k, uint32_t u)
{
	ifc->opt[k] = (struct topo_linkopt){ .set = true, .u = u };
}

static void opt_ip(struct topo_iface *ifc, int k, const struct topo_ip *ip)
{
	ifc->opt[k] = (struct topo_linkopt){ .set = true, .ip = bare(ip) };
}

/* ifc becomes the tunnel: a vxlan from this node's underlay address (over
 * its dev), to peer's (NULL: no remote, the fdb entries say where). */
static int vxlan_fill(struct topo_iface *ifc, uint32_t vni, uint16_t port, const struct topo_node *me,
		      const struct topo_node *peer)
{
	if (topo_iface_set_type(ifc, TOPO_IF_VXLAN) < 0)
		return -ENOMEM;
	ifc->link = -1;
	ifc->stretch = false;
	ifc->stretch_vni = 0;
	ifc->stretch_port = 0;
	memset(ifc->opt, 0, TOPO_LINK_OPTS_MAX * sizeof(*ifc->opt));
	opt_u(ifc, VX_VNI, vni);
	opt_u(ifc, VX_PORT, port);
	opt_ip(ifc, VX_LOCAL, &me->underlay);
	if (peer)
		opt_ip(ifc, VX_REMOTE, &peer->underlay);
	if (me->dev[0]) {
		ifc->opt[VX_DEV].set = true;
		snprintf(ifc->opt[VX_DEV].name, sizeof(ifc->opt[VX_DEV].name), "%s", me->dev);
	}
	return 0;
}

static struct topo_iface *iface_new(struct topo_ns *ns, enum tun_dev kind, uint32_t vni, const struct topo_linktype *type,
				    uint32_t mtu, struct topo_pos pos)
{
	struct topo_iface *ifc = topo_ns_iface_add(ns);

	if (!ifc)
		return NULL;
	tun_name(ifc->name, kind, vni);
	if (topo_iface_set_type(ifc, type) < 0) {
		ns->n_ifaces--;   /* the slot just added, empty again */
		return NULL;
	}
	ifc->mtu = mtu;
	ifc->pos = pos;
	return ifc;
}

static int links_append(struct topology *t, const struct topo_link *l)
{
	struct topo_link *v = realloc(t->links, (t->n_links + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	t->links = v;
	t->links[t->n_links++] = *l;
	return 0;
}

static int ip_qsort_cmp(const void *a, const void *b)
{
	return topo_ip_cmp(a, b);
}

/*
 * The stretched bridge's tunnel port. Two nodes: point to point to the
 * other one. More: no remote, learning off, and an all-zeros fdb entry per
 * peer (head-end replication: broadcast and unknown unicast go to each), in
 * the order of their addresses.
 */
static int stretch_port(struct topology *t, const struct topology *all, size_t host, struct topo_iface *br,
			const struct topo_node *me)
{
	const struct topo_node *peer = NULL;
	struct topo_ip *dst = NULL;
	size_t peers = 0;
	struct topo_iface *vx;
	uint32_t vni = br->stretch_vni, mtu = br->mtu;
	uint16_t port = br->stretch_port;
	struct topo_pos pos = br->pos;
	char brname[TOPO_IFNAME_MAX + 1];
	int r = -ENOMEM;

	snprintf(brname, sizeof(brname), "%s", br->name);
	for (size_t i = 0; i < all->n_ns; i++) {
		long m;

		if (all->ns[i].kind != TOPO_NS_IS_HOST || !all->ns[i].node[0] || strcmp(all->ns[i].node, me->name) == 0)
			continue;
		m = topo_ns_iface_find(&all->ns[i], brname);
		if (m >= 0 && all->ns[i].ifaces[m].stretch) {
			struct topo_ip *v = realloc(dst, (peers + 1) * sizeof(*v));

			if (!v)
				goto out;
			dst = v;
			peer = &all->nodes[node_find(all, all->ns[i].node)];
			dst[peers++] = bare(&peer->underlay);
		}
	}
	br->stretch = false;
	br->stretch_vni = 0;
	br->stretch_port = 0;
	vx = iface_new(&t->ns[host], TUN_DEV_VXLAN, vni, TOPO_IF_VXLAN, mtu, pos);
	if (!vx)
		goto out;
	if (vxlan_fill(vx, vni, port, me, peers == 1 ? peer : NULL) < 0)
		goto out;
	snprintf(vx->master, sizeof(vx->master), "%s", brname);
	if (peers > 1) {
		char name[TOPO_IFNAME_MAX + 1];

		opt_u(vx, VX_LEARNING, 0);
		snprintf(name, sizeof(name), "%s", vx->name);
		qsort(dst, peers, sizeof(*dst), ip_qsort_cmp);
		for (size_t k = 0; k < peers; k++) {
			struct topo_fdb *e = topo_ns_fdb_add(&t->ns[host]);

			if (!e)
				goto out;
			memset(e, 0, sizeof(*e));
			snprintf(e->dev, sizeof(e->dev), "%s", name);
			e->dst = dst[k];
			e->pos = pos;
		}
	}
	r = 0;
out:
	free(dst);
	return r;
}

int topo_nodes_slice(struct topology *t, const char *node, char *err, size_t errlen)
{
	struct topology all = *t, out = { 0 };
	const struct topo_node *me;
	long *map = NULL, host = -1, ni = node_find(t, node);
	int r = -ENOMEM;

	if (ni < 0) {
		int n = snprintf(err, errlen, "no node '%s' in %s (nodes:", node, t->file ? t->file : "the file");

		for (size_t i = 0; i < t->n_nodes && n > 0 && (size_t)n < errlen; i++)
			n += snprintf(err + n, errlen - (size_t)n, " %s", t->nodes[i].name);
		if (n > 0 && (size_t)n < errlen)
			snprintf(err + n, errlen - (size_t)n, ")");
		return -ENOENT;
	}
	me = &all.nodes[ni];
	snprintf(err, errlen, "out of memory");
	memcpy(out.name, all.name, sizeof(out.name));
	memcpy(out.prefix, all.prefix, sizeof(out.prefix));
	out.file = all.file;
	all.file = NULL;
	map = calloc(all.n_ns + 1, sizeof(*map));
	if (!map)
		goto fail;
	/* Namespaces: this node's, moved over; the others' freed with all. */
	for (size_t i = 0; i < all.n_ns; i++) {
		struct topo_ns *ns;

		map[i] = -1;
		if (strcmp(all.ns[i].node, node) != 0)
			continue;
		ns = topology_ns_add(&out);
		if (!ns)
			goto fail;
		*ns = all.ns[i];
		memset(&all.ns[i], 0, sizeof(all.ns[i]));
		map[i] = (long)(out.n_ns - 1);
		if (ns->kind == TOPO_NS_IS_HOST) {
			host = map[i];
			snprintf(ns->name, sizeof(ns->name), "%s", TOPO_NS_HOST);
		}
		for (size_t j = 0; j < ns->n_ifaces; j++)
			ns->ifaces[j].link = -1;
	}
	if (host < 0) {
		struct topo_ns *ns = topology_ns_add(&out);

		if (!ns)
			goto fail;
		snprintf(ns->name, sizeof(ns->name), "%s", TOPO_NS_HOST);
		ns->kind = TOPO_NS_IS_HOST;
		snprintf(ns->node, sizeof(ns->node), "%s", node);
		ns->pos = me->pos;
		host = (long)(out.n_ns - 1);
	}
	/* Links: kept when both ends are here, a tunnel when one is. */
	for (size_t i = 0; i < all.n_links; i++) {
		struct topo_link l = all.links[i];
		long a = map[l.end[0].ns], b = map[l.end[1].ns];

		if (a >= 0 && b >= 0) {
			l.end[0].ns = (size_t)a;
			l.end[1].ns = (size_t)b;
			for (int e = 0; e < 2; e++)
				out.ns[l.end[e].ns].ifaces[l.end[e].iface].link = (int)out.n_links;
			if (links_append(&out, &l) < 0)
				goto fail;
			continue;
		}
		if (a < 0 && b < 0)
			continue;
		int e = a >= 0 ? 0 : 1;
		size_t nsi = (size_t)(e == 0 ? a : b);
		const struct topo_node *peer = &all.nodes[node_find(&all, all.ns[l.end[1 - e].ns].node)];
		struct topo_iface *end = &out.ns[nsi].ifaces[l.end[e].iface];
		uint32_t mtu = end->mtu;

		if ((long)nsi == host) {
			/* Declared on the host itself: the tunnel takes the end's name. */
			if (vxlan_fill(end, l.vni, l.port, me, peer) < 0)
				goto fail;
			continue;
		}
		/* In a namespace: its end stays a veth, whose peer on the host is
		 * bridged with the tunnel (a vxlan's socket lives where it is
		 * created, so it must be created on the host). */
		struct topo_iface *vx, *vp;
		struct topo_link nl = { .mtu = l.mtu, .pos = l.pos };

		if (!(iface_new(&out.ns[host], TUN_DEV_BRIDGE, l.vni, TOPO_IF_BRIDGE, mtu, l.pos)))
			goto fail;
		if (!(vx = iface_new(&out.ns[host], TUN_DEV_VXLAN, l.vni, TOPO_IF_VXLAN, mtu, l.pos)))
			goto fail;
		if (vxlan_fill(vx, l.vni, l.port, me, peer) < 0)
			goto fail;
		tun_name(vx->master, TUN_DEV_BRIDGE, l.vni);
		if (!(vp = iface_new(&out.ns[host], TUN_DEV_PORT, l.vni, TOPO_IF_VETH, mtu, l.pos)))
			goto fail;
		tun_name(vp->master, TUN_DEV_BRIDGE, l.vni);
		vp->link = (int)out.n_links;
		out.ns[nsi].ifaces[l.end[e].iface].link = (int)out.n_links;
		nl.end[0] = (struct topo_endpoint){ nsi, l.end[e].iface };
		nl.end[1] = (struct topo_endpoint){ (size_t)host, out.ns[host].n_ifaces - 1 };
		if (links_append(&out, &nl) < 0)
			goto fail;
	}
	/* Stretched bridges: a tunnel port each. */
	for (size_t j = 0; j < out.ns[host].n_ifaces; j++) {
		struct topo_iface *br = &out.ns[host].ifaces[j];

		if (br->type == TOPO_IF_BRIDGE && br->stretch) {
			if (stretch_port(&out, &all, (size_t)host, br, me) < 0)
				goto fail;
		}
	}
	/* Checks run from here; an end on another node is not ours to listen at. */
	for (size_t i = 0; i < all.n_checks; i++) {
		struct topo_check c = all.checks[i];
		struct topo_check_end *ends[3] = { &c.served_by, &c.arrives, &c.unrewritten };
		struct topo_check *v;

		if (map[c.from] < 0)
			continue;
		c.from = (size_t)map[c.from];
		for (int k = 0; k < 3; k++) {
			if (!ends[k]->set)
				continue;
			if (map[ends[k]->ns] < 0)
				ends[k]->set = false;
			else
				ends[k]->ns = (size_t)map[ends[k]->ns];
		}
		v = realloc(out.checks, (out.n_checks + 1) * sizeof(*v));
		if (!v)
			goto fail;
		out.checks = v;
		out.checks[out.n_checks++] = c;
	}
	free(map);
	topology_free(&all);
	*t = out;
	err[0] = '\0';
	return 0;
fail:
	free(map);
	topology_free(&all);
	topology_free(&out);
	memset(t, 0, sizeof(*t));
	return r;
}

int topo_nodes_pick(const struct topology *t, const struct topo_ip *addrs, size_t n_addrs, size_t *ret,
		    char *err, size_t errlen)
{
	long found = -1;

	for (size_t i = 0; i < t->n_nodes; i++)
		for (size_t k = 0; k < n_addrs; k++) {
			if (!same_addr(&t->nodes[i].underlay, &addrs[k]))
				continue;
			if (found >= 0 && (size_t)found != i) {
				snprintf(err, errlen, "this host has the underlay addresses of nodes %s and %s: say which "
					 "with --node NAME", t->nodes[found].name, t->nodes[i].name);
				return -EEXIST;
			}
			found = (long)i;
		}
	if (found < 0) {
		snprintf(err, errlen, "no node of %s has an underlay address of this host: say which with --node NAME",
			 t->file ? t->file : "the file");
		return -ENOENT;
	}
	*ret = (size_t)found;
	return 0;
}
