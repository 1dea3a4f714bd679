/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers for the reconcile unit tests: desired models from YAML text,
 * observed models built by hand the way the backends fill them (ifindex,
 * owner marks, veth peers, address and route protocols, the kernel's own
 * addresses and prefix routes), and plans turned into text to compare.
 *
 * Header-only; every function is static inline so that a test file that uses
 * only some of them still builds with -Werror.
 */
#ifndef TOPO_TESTS_UNIT_FIXTURES_H
#define TOPO_TESTS_UNIT_FIXTURES_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/ip.h"
#include "model/link_bridge.h"
#include "model/link_vxlan.h"
#include "model/linktype.h"
#include "model/kind.h"
#include "model/loader.h"
#include "model/state.h"
#include "model/topology.h"
#include "reconcile/nft_render.h"
#include "reconcile/plan.h"

/* Protocols the kernel uses (linux/rtnetlink.h, linux/if_addr.h). */
#define FX_RTPROT_BOOT     3
#define FX_RTPROT_KERNEL   2
#define FX_RTPROT_STATIC   4
#define FX_IFAPROT_LO      1
#define FX_IFAPROT_LL      3

/* ------------------------------------------------------------- desired -- */

/* Loads YAML text that must validate. */
static inline void fx_load(const char *yaml, struct topology *t)
{
	struct topo_diags d;
	int r = topo_load_buffer("t.yaml", (const unsigned char *)yaml, strlen(yaml), t, &d);

	if (r != 0) {
		print_message("load failed (%d):\n%s\n", r, yaml);
		for (size_t i = 0; i < d.n; i++)
			print_message("  %u:%u: %s\n", d.v[i].pos.line, d.v[i].pos.col, d.v[i].msg);
	}
	topo_diags_free(&d);
	assert_int_equal(r, 0);
}

static inline struct topo_ip fx_ip(const char *s)
{
	struct topo_ip ip;

	assert_int_equal(topo_ip_parse(s, &ip), 0);
	return ip;
}

static inline struct topo_ns *fx_dns(const struct topology *t, const char *name)
{
	long i = topology_ns_find(t, name);

	assert_true(i >= 0);
	return &t->ns[i];
}

static inline struct topo_iface *fx_dif(const struct topology *t, const char *ns, const char *name)
{
	struct topo_ns *n = fx_dns(t, ns);
	long i = topo_ns_iface_find(n, name);

	assert_true(i >= 0);
	return &n->ifaces[i];
}

/* ------------------------------------------------------------ observed -- */

static inline struct topo_ns *fx_ns(struct topology *o, const char *name, enum topo_ns_kind kind, bool exists)
{
	struct topo_ns *ns = topology_ns_add(o);

	assert_non_null(ns);
	snprintf(ns->name, sizeof(ns->name), "%s", name);
	ns->kind = kind;
	ns->exists = exists;
	return ns;
}

/* An interface's type, with room for the type's options (model/topology.h). */
static inline void fx_set_type(struct topo_iface *ifc, const struct topo_linktype *type)
{
	assert_int_equal(topo_iface_set_type(ifc, type), 0);
}

/* A link as the backend reports it: up, mtu 1500, a MAC from its ifindex. */
static inline struct topo_iface *fx_if(struct topo_ns *ns, const char *name, const struct topo_linktype *type, int ifindex)
{
	struct topo_iface *ifc = topo_ns_iface_add(ns);

	assert_non_null(ifc);
	snprintf(ifc->name, sizeof(ifc->name), "%s", name);
	fx_set_type(ifc, type);
	ifc->ifindex = ifindex;
	ifc->mtu = type == TOPO_IF_LOOPBACK ? 65536 : 1500;
	ifc->mac[0] = 0x0a;
	ifc->mac[4] = (uint8_t)(ifindex >> 8);
	ifc->mac[5] = (uint8_t)ifindex;
	if (type == TOPO_IF_BRIDGE)
		ifc->opt[BR_STP] = (struct topo_linkopt){ .set = true, .u = 0 };
	ifc->up = true;
	return ifc;
}

static inline void fx_own(struct topo_iface *ifc, const char *owner)
{
	ifc->owned = owner != NULL;
	snprintf(ifc->owner, sizeof(ifc->owner), "%s", owner ? owner : "");
}

static inline struct topo_addr *fx_addr(struct topo_iface *ifc, const char *ip, uint8_t proto)
{
	struct topo_addr *a = topo_iface_addr_add(ifc);

	assert_non_null(a);
	a->ip = fx_ip(ip);
	a->proto = proto;
	return a;
}

/* dst: "default4", "default6" or a prefix; via, dev may be NULL. */
static inline struct topo_route *fx_route(struct topo_ns *ns, const char *dst, const char *via, const char *dev,
					   uint8_t proto)
{
	struct topo_route *rt = topo_ns_route_add(ns);

	assert_non_null(rt);
	if (strcmp(dst, "default4") == 0) {
		rt->dst.family = AF_INET;
	} else if (strcmp(dst, "default6") == 0) {
		rt->dst.family = AF_INET6;
	} else {
		rt->dst = fx_ip(dst);
		topo_ip_to_network(&rt->dst);
	}
	if (via)
		assert_int_equal(topo_ip_parse_addr(via, &rt->via), 0);
	if (dev) {
		long i = topo_ns_iface_find(ns, dev);

		assert_true(i >= 0);
		snprintf(rt->dev, sizeof(rt->dev), "%s", dev);
		rt->oif = ns->ifaces[i].ifindex;
	}
	if (rt->dst.family == AF_INET6)
		rt->metric = 1024;
	rt->proto = proto;
	return rt;
}

static inline void fx_sysctl(struct topo_ns *ns, const char *key, const char *value)
{
	struct topo_sysctl *c = topo_ns_sysctl_add(ns);

	assert_non_null(c);
	c->key = strdup(key);
	c->value = value ? strdup(value) : NULL;
	assert_non_null(c->key);
}

static inline struct topo_iface *fx_oif(const struct topology *o, const char *ns, const char *name)
{
	return fx_dif(o, ns, name);
}

/* Peers two observed veths (both must be in o already). */
static inline void fx_peer(struct topology *o, const char *ns_a, const char *a, const char *ns_b, const char *b)
{
	struct topo_iface *x = fx_oif(o, ns_a, a), *y = fx_oif(o, ns_b, b);

	assert_int_equal(topo_iface_set_peer(x, ns_b, b), 0);
	x->peer_ifindex = y->ifindex;
	x->peer_netnsid = strcmp(ns_a, ns_b) ? 1 : -1;
	assert_int_equal(topo_iface_set_peer(y, ns_a, a), 0);
	y->peer_ifindex = x->ifindex;
	y->peer_netnsid = strcmp(ns_a, ns_b) ? 1 : -1;
}

/* An IPv6 link-local address the kernel gives every link. */
static inline void fx_link_local(struct topo_iface *ifc)
{
	char ll[64];

	snprintf(ll, sizeof(ll), "fe80::8:%x/64", (unsigned)ifc->ifindex);
	fx_addr(ifc, ll, FX_IFAPROT_LL);
}

/* lo as the kernel has it, with topo's mark in a namespace topo created. */
static inline struct topo_iface *fx_lo(struct topo_ns *ns, const char *mark)
{
	struct topo_iface *lo = fx_if(ns, "lo", TOPO_IF_LOOPBACK, 1);

	fx_addr(lo, "127.0.0.1/8", FX_IFAPROT_LO);
	fx_addr(lo, "::1/128", FX_IFAPROT_LO);
	if (mark)
		fx_own(lo, mark);
	return lo;
}

/*
 * host as a typical machine has it before topo: lo, a foreign eth0 (DHCP
 * address without a protocol, link-local), a foreign veth of some container
 * runtime, the boot default route, a static route, prefix routes.
 */
static inline struct topo_ns *fx_host_base(struct topology *o)
{
	struct topo_ns *h = fx_ns(o, TOPO_NS_HOST, TOPO_NS_IS_HOST, true);
	struct topo_iface *ifc;

	fx_lo(h, NULL);
	ifc = fx_if(h, "eth0", TOPO_IF_OTHER, 2);
	fx_addr(ifc, "10.0.2.15/24", 0);
	fx_link_local(ifc);
	ifc = fx_if(h, "vethforeign", TOPO_IF_VETH, 3);
	ifc->peer_netnsid = 7;          /* its peer is in a namespace we do not see */
	ifc->peer_ifindex = 2;
	fx_addr(ifc, "10.88.0.1/16", 0);
	fx_link_local(ifc);
	fx_route(h, "default4", "10.0.2.2", "eth0", FX_RTPROT_BOOT);
	fx_route(h, "10.0.2.0/24", NULL, "eth0", FX_RTPROT_KERNEL)->src = fx_ip("10.0.2.15");
	fx_route(h, "192.168.50.0/24", "10.0.2.3", "eth0", FX_RTPROT_STATIC);
	fx_route(h, "10.88.0.0/16", NULL, "vethforeign", FX_RTPROT_KERNEL);
	fx_route(h, "fe80::/64", NULL, "eth0", FX_RTPROT_KERNEL)->metric = 256;
	return h;
}

/* The interface a gateway is reached through: the one with an address whose
 * prefix contains it. */
static inline const char *fx_dev_for(const struct topo_ns *ns, const struct topo_ip *via)
{
	for (size_t i = 0; i < ns->n_ifaces; i++)
		for (size_t a = 0; a < ns->ifaces[i].n_addrs; a++) {
			struct topo_ip net = ns->ifaces[i].addrs[a].ip;

			topo_ip_to_network(&net);
			if (net.family == via->family && topo_ip_contains(&net, via))
				return ns->ifaces[i].name;
		}
	return NULL;
}

static inline void fx_nft_from(struct topo_ns *o, const struct topo_ns *d)
{
	struct topo_nft_rule *v = NULL;
	size_t n = 0;

	if (!d->n_nat && !d->n_forward)
		return;
	assert_int_equal(nft_render(d, &v, &n), 0);
	o->nft_table = true;
	o->nft_rules = v;
	o->n_nft_rules = n;
}

/*
 * The kernel after a successful apply of d: every declared namespace exists
 * (created ones marked through lo), every declared link owned, with its
 * addresses (tagged TOPO_IFAPROT), a link-local address and the kernel's
 * prefix routes beside them, veth peers resolved, declared routes tagged
 * TOPO_RTPROT, sysctls at their declared values, the nft table as rendered.
 * host is always there, with the foreign objects of fx_host_base.
 */
/* The objects the kernel makes with a namespace (the default rules), but
 * those a declaration of dn displaces (dn NULL: none). */
static inline void fx_kind_defaults(struct topo_ns *on, const struct topo_ns *dn)
{
	for (size_t s = 0; s < topo_n_kinds; s++) {
		const struct topo_kind *kd = topo_kinds[s];
		union topo_obj_buf dflt[8];
		size_t nd = kd->defaults ? kd->defaults(dflt, 8) : 0;

		for (size_t i = 0; i < nd; i++) {
			bool displaced = false;
			void *obj;

			for (size_t j = 0; dn && j < dn->objs[s].n; j++)
				displaced |= kd->displaces(topo_obj_at(kd, &dn->objs[s], j), dflt[i].b);
			if (displaced)
				continue;
			obj = topo_objs_add(kd, &on->objs[s]);
			assert_non_null(obj);
			memcpy(obj, dflt[i].b, kd->size);
		}
	}
}

static inline void fx_observe_converged(const struct topology *d, struct topology *o)
{
	int next_ifindex = 10;

	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", d->name);
	fx_host_base(o);
	for (size_t i = 0; i < d->n_ns; i++) {
		const struct topo_ns *dn = &d->ns[i];
		struct topo_ns *on;

		if (dn->kind == TOPO_NS_IS_HOST) {
			on = &o->ns[0];
		} else {
			on = fx_ns(o, dn->name, dn->kind, true);
			on->pid = dn->pid;
			if (dn->path)
				on->path = strdup(dn->path);
			on->owned = dn->kind == TOPO_NS_CREATED;
			fx_lo(on, dn->kind == TOPO_NS_CREATED ? d->name : NULL);
		}
		for (size_t k = 0; k < dn->n_ifaces; k++) {
			const struct topo_iface *di = &dn->ifaces[k];
			struct topo_iface *oi;
			long lo = topo_ns_iface_find(on, "lo");

			if (di->type == TOPO_IF_LOOPBACK) {
				assert_true(lo >= 0);
				oi = &on->ifaces[lo];
			} else {
				oi = fx_if(on, di->name, di->type, next_ifindex++);
				fx_own(oi, d->name);
				if (di->mtu)
					oi->mtu = di->mtu;
				if (di->has_mac)
					memcpy(oi->mac, di->mac, 6);
				if (di->opt)
					memcpy(oi->opt, di->opt, TOPO_LINK_OPTS_MAX * sizeof(*oi->opt));
				if (di->type == TOPO_IF_BRIDGE && !oi->opt[BR_STP].set)
					oi->opt[BR_STP] = (struct topo_linkopt){ .set = true, .u = 0 };
				snprintf(oi->master, sizeof(oi->master), "%s", di->master);
			}
			for (size_t a = 0; a < di->n_addrs; a++) {
				struct topo_addr *oa = topo_iface_addr_add(oi);

				assert_non_null(oa);
				oa->ip = di->addrs[a].ip;
				oa->proto = TOPO_IFAPROT;
			}
			if (di->type != TOPO_IF_LOOPBACK)
				fx_link_local(oi);
		}
		/* A vxlan without mtu gets its underlay's less the encapsulation. */
		for (size_t k = 0; k < dn->n_ifaces; k++) {
			const struct topo_iface *di = &dn->ifaces[k];
			const char *dev = topo_link_depends_on(di);
			long u = di->type == TOPO_IF_VXLAN && !di->mtu && dev[0] ? topo_ns_iface_find(on, dev) : -1;
			bool v6 = topo_vxlan_v6(di);

			if (u >= 0)
				on->ifaces[topo_ns_iface_find(on, di->name)].mtu = on->ifaces[u].mtu - (v6 ? 70 : 50);
		}
		/* The declared static fdb entries, and the one the kernel makes from a vxlan's remote. */
		for (size_t k = 0; k < dn->n_fdb; k++) {
			struct topo_fdb *e = topo_ns_fdb_add(on);

			assert_non_null(e);
			*e = dn->fdb[k];
		}
		for (size_t k = 0; k < dn->n_ifaces; k++) {
			const struct topo_iface *di = &dn->ifaces[k];
			struct topo_fdb *e;

			if (di->type != TOPO_IF_VXLAN || !di->opt[VX_REMOTE].set)
				continue;
			e = topo_ns_fdb_add(on);
			assert_non_null(e);
			*e = (struct topo_fdb){ .dst = di->opt[VX_REMOTE].ip };
			snprintf(e->dev, sizeof(e->dev), "%s", di->name);
		}
		/* Prefix routes of the addresses, then masters by ifindex. */
		for (size_t k = 0; k < on->n_ifaces; k++) {
			struct topo_iface *oi = &on->ifaces[k];

			if (oi->type == TOPO_IF_LOOPBACK || topo_ns_iface_find(dn, oi->name) < 0)
				continue;
			for (size_t a = 0; a < oi->n_addrs; a++) {
				struct topo_ip ip = oi->addrs[a].ip;
				struct topo_route *rt;
				char net[TOPO_IP_STRLEN];

				if (ip.plen == topo_ip_maxlen(ip.family))
					continue;
				topo_ip_to_network(&ip);
				topo_ip_format(&ip, true, net, sizeof(net));
				rt = fx_route(on, net, NULL, oi->name, FX_RTPROT_KERNEL);
				if (ip.family == AF_INET6)
					rt->metric = 256;
				oi = &on->ifaces[k];
			}
			if (oi->master[0]) {
				long m = topo_ns_iface_find(on, oi->master);

				assert_true(m >= 0);
				oi->master_ifindex = on->ifaces[m].ifindex;
			}
		}
		for (size_t r = 0; r < dn->n_routes; r++) {
			struct topo_route *rt = topo_ns_route_add(on);
			const char *dev;

			assert_non_null(rt);
			assert_int_equal(topo_route_copy(rt, &dn->routes[r]), 0);
			rt->pos = (struct topo_pos){ 0, 0 };
			rt->proto = TOPO_RTPROT;
			dev = rt->dev[0] ? NULL : rt->via.family ? fx_dev_for(dn, &rt->via) : NULL;
			if (dev && rt->type == TOPO_RT_UNICAST)
				snprintf(rt->dev, sizeof(rt->dev), "%s", dev);
			if (rt->dev[0])
				rt->oif = on->ifaces[topo_ns_iface_find(on, rt->dev)].ifindex;
		}
		for (size_t c = 0; c < dn->n_sysctls; c++)
			fx_sysctl(on, dn->sysctls[c].key, dn->sysctls[c].value);
		fx_nft_from(on, dn);
		/* Table kinds: the kernel's defaults, and as declared, carrying topo's mark. */
		fx_kind_defaults(on, dn);
		for (size_t s = 0; s < topo_n_kinds; s++) {
			const struct topo_kind *kd = topo_kinds[s];

			for (size_t oi = 0; oi < dn->objs[s].n; oi++) {
				void *obj = topo_objs_add(kd, &on->objs[s]);

				assert_non_null(obj);
				memcpy(obj, topo_obj_at(kd, &dn->objs[s], oi), kd->size);
				*(struct topo_pos *)obj = (struct topo_pos){ 0, 0 };
				kd->set_proto(obj, TOPO_RTPROT);
			}
		}
	}
	for (size_t l = 0; l < d->n_links; l++) {
		const struct topo_link *lk = &d->links[l];
		const struct topo_ns *a = &d->ns[lk->end[0].ns], *b = &d->ns[lk->end[1].ns];

		fx_peer(o, a->name, a->ifaces[lk->end[0].iface].name, b->name, b->ifaces[lk->end[1].iface].name);
	}
}

/*
 * The kernel before topo ever ran: host as fx_host_base (with each declared
 * host sysctl at `sysctl_value`), every other declared namespace absent.
 */
static inline void fx_observe_empty(const struct topology *d, struct topology *o, const char *sysctl_value)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", d->name);
	fx_host_base(o);
	for (size_t i = 0; i < d->n_ns; i++) {
		const struct topo_ns *dn = &d->ns[i];

		if (dn->kind == TOPO_NS_IS_HOST) {
			for (size_t c = 0; c < dn->n_sysctls; c++)
				fx_sysctl(&o->ns[0], dn->sysctls[c].key, sysctl_value);
			continue;
		}
		fx_ns(o, dn->name, dn->kind, false);
	}
}

/* ---------------------------------------------------------------- plans -- */

/* The plan's printed lines ("\n" after each); implicit steps too when asked,
 * marked "[implicit]". Caller frees. */
static inline char *fx_plan_text(const struct plan *p, bool implicit)
{
	char *buf = NULL, line[1024];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	for (size_t i = 0; i < p->n; i++) {
		if (p->steps[i].implicit && !implicit)
			continue;
		step_format(&p->steps[i], line, sizeof(line));
		fprintf(f, "%s%s\n", p->steps[i].implicit ? "[implicit] " : "", line);
	}
	fclose(f);
	return buf;
}

/* The printed plan is exactly `want`. */
static inline void fx_assert_plan(const struct plan *p, const char *want)
{
	char *got = fx_plan_text(p, false);

	if (strcmp(got, want) != 0)
		print_message("plan:\n%s---- wanted:\n%s----\n", got, want);
	assert_string_equal(got, want);
	free(got);
}

static inline void fx_assert_no_conflicts(const struct diff_result *r)
{
	for (size_t i = 0; i < r->conflicts.n; i++)
		print_message("unexpected conflict: %s\n", r->conflicts.v[i]);
	assert_int_equal(r->conflicts.n, 0);
}

static inline void fx_assert_counts(const struct plan *p, size_t add, size_t change, size_t remove)
{
	struct plan_counts c = plan_count(p);

	if (c.add != add || c.change != change || c.remove != remove)
		print_message("counts: %zu to add, %zu to change, %zu to remove\n", c.add, c.change, c.remove);
	assert_int_equal(c.add, add);
	assert_int_equal(c.change, change);
	assert_int_equal(c.remove, remove);
}

/* Execution order holds: phases never go back. */
static inline void fx_assert_phase_order(const struct plan *p)
{
	for (size_t i = 1; i < p->n; i++)
		assert_true(p->steps[i - 1].phase <= p->steps[i].phase);
}

/* The step with this id. */
static inline const struct step *fx_step_by_id(const struct plan *p, unsigned id)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->steps[i].id == id)
			return &p->steps[i];
	fail_msg("no step with id %u", id);
	return NULL;
}

/*
 * Ids unique and non-zero; every implicit step's parent is a step of the plan
 * (itself maybe implicit: a bridge that goes with its namespace takes its
 * addresses along), and the chain ends at an explicit step.
 */
static inline void fx_assert_ids(const struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		assert_true(p->steps[i].id > 0);
		for (size_t j = i + 1; j < p->n; j++)
			assert_true(p->steps[i].id != p->steps[j].id);
		if (!p->steps[i].implicit)
			assert_int_equal(p->steps[i].parent, 0);
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct step *s = &p->steps[i];
		int hops = 0;

		while (s->implicit) {
			assert_true(++hops < 8);
			s = fx_step_by_id(p, s->parent);
		}
	}
}

/*
 * What the kernel removes along with a step (implicit) must come before that
 * step in the plan: a rollback tells what acted on an old link from what
 * acted on its replacement by their places in the journal, and undoes the
 * cause (the link comes back) before its side effects (the address on it).
 */
static inline void fx_assert_implicit_before_parent(const struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		if (!p->steps[i].implicit)
			continue;
		for (size_t j = 0; j < i; j++) {
			if (p->steps[j].id != p->steps[i].parent)
				continue;
			char a[512], b[512];

			step_format(&p->steps[i], a, sizeof(a));
			step_format(&p->steps[j], b, sizeof(b));
			fail_msg("implicit step '%s' (phase %d) comes after its cause '%s' (phase %d)", a,
				 p->steps[i].phase, b, p->steps[j].phase);
		}
	}
}

static inline size_t fx_count_op(const struct plan *p, enum step_op op, bool implicit)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++)
		n += p->steps[i].op == op && p->steps[i].implicit == implicit;
	return n;
}

static inline bool fx_msgs_have(const struct topo_msgs *m, const char *sub)
{
	for (size_t i = 0; i < m->n; i++)
		if (strstr(m->v[i], sub))
			return true;
	return false;
}

/* A step built by hand gets the body of its op (plan.h's struct
 * step_link), big enough for any op's: some tests change s->op after. */
#define FX_STEP_BODY_MAX (sizeof(struct step_link) + sizeof(struct topo_route) + sizeof(union topo_obj_buf))
static inline void fx_step_body(struct step *s)
{
	if (!step_body_size(s->op) || s->body)
		return;
	s->body = calloc(1, FX_STEP_BODY_MAX);
	assert_non_null(s->body);
}

/* Frees what fx_step_body gave s (and what its op's body holds: a link's
 * options, a route's paths); s itself stays. */
static inline void fx_step_body_free(struct step *s)
{
	step_body_clear(s);
	free(s->body);
	s->body = NULL;
}

/* Does any step (implicit or not) name this interface in this namespace? */
static inline bool fx_plan_touches(const struct plan *p, const char *ns, const char *ifname)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct step *s = &p->steps[i];

		bool link = s->op == STEP_LINK_ADD || s->op == STEP_LINK_DEL;
		bool route = s->op == STEP_ROUTE_ADD || s->op == STEP_ROUTE_DEL || s->op == STEP_ROUTE_REPLACE;

		if (strcmp(s->ns, ns) == 0 &&
		    ((link && strcmp(s->lk->link.name, ifname) == 0) || strcmp(s->ifname, ifname) == 0 ||
		     (route && strcmp(s->rt->route.dev, ifname) == 0)))
			return true;
		if (link && strcmp(s->lk->peer_ns, ns) == 0 && strcmp(s->lk->peer.name, ifname) == 0)
			return true;
	}
	return false;
}

#endif
