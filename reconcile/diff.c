// SPDX-License-Identifier: MIT
/*
 * diff(desired, observed, state) -> plan. Pure: no syscalls, no libnl.
 *
 * Objects are matched by their kernel key: a namespace and a link by name,
 * an address by (link, family, address, prefix length), a route by (table,
 * family, destination, metric). Ownership decides what may be touched, and
 * reconcile/owner.c decides ownership (the rules are there, not here):
 * inside a namespace topo created everything but the kernel's and routing
 * daemons' objects is topo's; in `host` and in attached namespaces only
 * links carrying the alias topo:<topology>, the addresses on them, and
 * addresses and routes carrying topo's protocol that no other topology
 * records. A declared object that is not ours is a conflict.
 *
 * The passes run over all namespaces in turn, because a veth joins two of
 * them: links first (what is created, replaced, deleted), then what hangs on
 * links (addresses, routes, attributes), then sysctls, nft and namespaces.
 * A final stable sort by phase gives the execution order.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "model/ip.h"
#include "model/linktype.h"
#include "model/kind.h"
#include "model/route.h"
#include "model/shape.h"
#include "model/strbuf.h"
#include "model/strmap.h"
#include "reconcile/nft_render.h"
#include "reconcile/nftx.h"
#include "reconcile/owner.h"
#include "reconcile/plan.h"
#include "model/vec.h"

#define RTPROT_KERNEL_ 2        /* routes the kernel made itself */

/* Per observed namespace: what the plan does to its objects. */
struct obs {
	const struct topo_ns *o;
	const struct topo_ns *d;     /* desired namespace of the same name, or NULL */
	struct owner_scope sc;       /* whose its objects are; sc.ifmap: name -> index in o->ifaces */
	struct strmap difmap;        /* name -> index in d->ifaces (host: thousands, each asked for) */
	bool *gone;                  /* link deleted by the plan (explicitly or not) */
	bool *kept;                  /* link matched by a declared one and staying */
	bool *adopted;               /* unmarked link taken over (--adopt) */
	bool *route_done;
	bool *obj_done[TOPO_KINDS_MAX];  /* per table kind: gone with its link or namespace */
	size_t *addr_off;            /* o->ifaces[i].addrs start at addr_done[addr_off[i]] */
	bool *addr_done;
	void *marks;                 /* the arrays above, in one allocation (obs_init) */
	bool all_ours;               /* a namespace topo created (or adopts) */
	bool adopting;               /* --adopt takes this namespace over */
	bool pruned;                 /* the namespace is deleted */
	unsigned del_id;             /* id of its NETNS_DEL step */
	struct step_wait *waits;     /* links elsewhere that go with it */
	size_t n_waits;
	bool conflict;               /* nothing in it is touched */
};

struct differ {
	const struct topology *d;
	const struct topology *o;
	const struct topo_state *state;
	struct diff_result *r;
	struct obs *obs;             /* parallel to o->ns */
	struct strmap o_ns;
	struct strmap d_ns;
	struct owner_ctx own;        /* the ownership rules' input */
	bool adopt;
	unsigned ids;                /* last step id handed out */
	unsigned parent;             /* while > 0, implicit steps are caused by this step */
	size_t *bridges_down;        /* plan positions of bridges created down, to come up last */
	size_t n_bridges_down, cap_bridges_down;
	int err;
	/* Where a step whose body could not be allocated is written (err is
	 * set then, and add_step drops the step): any op's body fits. */
	_Alignas(max_align_t) unsigned char oom_body[sizeof(struct step_link) + sizeof(struct topo_route) +
						     sizeof(union topo_obj_buf)];
};

/* --------------------------------------------------------------- helpers -- */

int topo_msgs_add(struct topo_msgs *m, const char *fmt, ...)
{
	va_list ap;
	char *s, **v;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	v = VEC_APPEND(m->v, m->n);
	if (!v) {
		free(s);
		return -ENOMEM;
	}
	*v = s;
	return 0;
}

void topo_msgs_free(struct topo_msgs *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i]);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

static void add_step(struct differ *df, struct step *s)
{
	if (!s->id)
		s->id = ++df->ids;
	if (s->implicit && !s->parent)
		s->parent = df->parent;
	if (df->err)
		goto drop;
	if (plan_append(&df->r->plan, s) < 0) {
		df->err = -ENOMEM;
		goto drop;
	}
	return;
drop:
	if (s->body == (void *)df->oom_body) {
		step_body_clear(s);
		s->body = NULL;
	}
	step_free(s);
}

/* A zeroed step with the body of its op (plan.h's struct step_link). */
static struct step step_new(struct differ *df, enum step_op op, enum step_phase phase, const char *ns)
{
	struct step s;

	memset(&s, 0, sizeof(s));
	s.op = op;
	s.phase = phase;
	snprintf(s.ns, sizeof(s.ns), "%s", ns);
	if (step_body_new(&s) < 0) {
		df->err = -ENOMEM;
		memset(df->oom_body, 0, sizeof(df->oom_body));
		s.body = df->oom_body;
	}
	return s;
}

__attribute__((format(printf, 3, 4)))
static void conflict(struct differ *df, const struct topo_pos *pos, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg) {
		df->err = -ENOMEM;
		return;
	}
	if (pos && pos->line)
		topo_msgs_add(&df->r->conflicts, "%s:%u:%u: %s", df->d->file ? df->d->file : "-",
			      pos->line, pos->col, msg);
	else
		topo_msgs_add(&df->r->conflicts, "%s", msg);
	free(msg);
}

static const struct topo_iface *obs_iface(const struct obs *ob, const char *name, size_t *ret_idx)
{
	size_t i;

	long k;

	if (!ob || !ob->o->exists || (k = owner_scope_iface(&ob->sc, name)) < 0)
		return NULL;
	i = (size_t)k;
	if (ret_idx)
		*ret_idx = i;
	return &ob->o->ifaces[i];
}

/* The declared interface of that name in ob's namespace: its index, or -1. */
static long obs_decl(const struct obs *ob, const char *name)
{
	size_t i;

	if (ob->d && ob->d->n_ifaces < OWNER_IFMAP_MIN)
		return topo_ns_iface_find(ob->d, name);
	return ob->d && strmap_get(&ob->difmap, name, &i) == 0 ? (long)i : -1;
}

static struct obs *obs_find(struct differ *df, const char *ns)
{
	size_t i;

	if (!ns[0] || strmap_get(&df->o_ns, ns, &i) < 0)
		return NULL;
	return &df->obs[i];
}

static const struct topo_ns *desired_ns(const struct differ *df, const char *name)
{
	size_t i;

	if (strmap_get(&df->d_ns, name, &i) < 0)
		return NULL;
	return &df->d->ns[i];
}

/* Is this observed object one topo may change or delete? owner.c decides. */
static bool link_is_ours(const struct differ *df, const struct obs *ob, const struct topo_iface *o)
{
	return owner_link(&df->own, &ob->sc, o) == OWNER_OURS;
}

static bool addr_is_kernels(const struct topo_iface *ifc, const struct topo_addr *a)
{
	return owner_addr_is_kernels(ifc, a);
}

static bool addr_is_ours(const struct differ *df, const struct obs *ob, const struct topo_iface *ifc,
			 const struct topo_addr *a)
{
	return owner_addr(&df->own, &ob->sc, ifc, a) == OWNER_OURS;
}

static char *xstrdup(struct differ *df, const char *s)
{
	char *p;

	if (!s)
		return NULL;
	p = strdup(s);
	if (!p)
		df->err = -ENOMEM;
	return p;
}

/* ------------------------------------------------------------ link steps -- */

/* The link as it must be created, from its declaration. */
/* A step's own copy of a link (desired or observed), without its addresses. */
static void link_copy(struct differ *df, struct topo_iface *ret, const struct topo_iface *from)
{
	if (topo_iface_copy_link(ret, from) < 0)
		df->err = -ENOMEM;
}

/*
 * Addresses and routes that go with a link the plan deletes: implicit steps,
 * so that a rollback puts them back. Also ports of a deleted bridge lose
 * their master.
 */
static void link_delete(struct differ *df, struct obs *ob, size_t idx, bool implicit, const char *note);
static void objs_gone_with(struct differ *df, struct obs *ob, const char *dev);

static void link_gone_implicit(struct differ *df, struct obs *ob, size_t idx)
{
	const struct topo_iface *o = &ob->o->ifaces[idx];

	ob->gone[idx] = true;
	/* Our qdisc goes with the link: a rollback that makes the link again
	 * puts it back. */
	if (topo_iface_shape(o)->root == TOPO_QDISC_OURS) {
		struct step s = step_new(df, STEP_LINK_SET, PHASE_ADDR_DEL_GONE, ob->o->name);

		s.implicit = true;
		s.attr = LINK_ATTR_SHAPE;
		snprintf(s.ifname, sizeof(s.ifname), "%s", o->name);
		s.set->old.shape = *topo_iface_shape(o);
		add_step(df, &s);
	}
	for (size_t a = 0; a < o->n_addrs; a++) {
		struct step s;

		if (ob->addr_done[ob->addr_off[idx] + a] || addr_is_kernels(o, &o->addrs[a]))
			continue;
		ob->addr_done[ob->addr_off[idx] + a] = true;
		s = step_new(df, STEP_ADDR_DEL, PHASE_ADDR_DEL_GONE, ob->o->name);
		s.implicit = true;
		snprintf(s.ifname, sizeof(s.ifname), "%s", o->name);
		s.addr = o->addrs[a];
		add_step(df, &s);
	}
	for (size_t r = 0; r < ob->o->n_routes; r++) {
		const struct topo_route *rt = &ob->o->routes[r];
		struct step s;

		if (ob->route_done[r] || !topo_route_uses_oif(rt, o->ifindex) || rt->proto == RTPROT_KERNEL_)
			continue;
		ob->route_done[r] = true;
		s = step_new(df, STEP_ROUTE_DEL, PHASE_ROUTE_DEL, ob->o->name);
		s.implicit = true;
		if (topo_route_copy(&s.rt->route, rt) < 0)
			df->err = -ENOMEM;
		add_step(df, &s);
	}
	objs_gone_with(df, ob, o->name);
	/* Its static fdb entries go with it: a rollback re-creates the link,
	 * then puts them back. */
	for (size_t f = 0; f < ob->o->n_fdb; f++) {
		const struct topo_fdb *e = &ob->o->fdb[f];
		struct step s;

		if (strcmp(e->dev, o->name) != 0 || owner_fdb(&df->own, &ob->sc, o, e) != OWNER_OURS)
			continue;
		s = step_new(df, STEP_FDB_DEL, PHASE_ADDR_DEL_GONE, ob->o->name);
		s.implicit = true;
		snprintf(s.ifname, sizeof(s.ifname), "%s", e->dev);
		s.fdb = *e;
		add_step(df, &s);
	}
	/* A link that goes with the one it depends on (a vxlan with its
	 * underlay device): the kernel deletes it too. */
	for (size_t i = 0; i < ob->o->n_ifaces; i++) {
		const struct topo_iface *dep = &ob->o->ifaces[i];

		if (!ob->gone[i] && topo_lt_is(dep->type, TOPO_LT_WITH_DEP) &&
		    strcmp(topo_link_depends_on(dep), o->name) == 0)
			link_delete(df, ob, i, true, NULL);
	}
	if (!topo_lt_is(o->type, TOPO_LT_MASTER))
		return;
	for (size_t i = 0; i < ob->o->n_ifaces; i++) {
		const struct topo_iface *port = &ob->o->ifaces[i];
		struct step s;

		if (ob->gone[i] || port->master_ifindex != o->ifindex || !o->ifindex)
			continue;
		/* Before the delete, like the addresses: a rollback re-creates
		 * the bridge first, then re-enslaves its ports. */
		s = step_new(df, STEP_LINK_SET, PHASE_ADDR_DEL_GONE, ob->o->name);
		s.implicit = true;
		s.attr = LINK_ATTR_MASTER;
		snprintf(s.ifname, sizeof(s.ifname), "%s", port->name);
		snprintf(s.set->old.master, sizeof(s.set->old.master), "%s", o->name);
		add_step(df, &s);
	}
}

/*
 * A port whose bridge the plan deleted before it is no longer enslaved when
 * it goes (an implicit step says so): a rollback re-creates it without a
 * master, since the bridge comes back only after it, and that implicit step
 * then enslaves it again.
 */
static void link_drop_gone_master(const struct obs *ob, struct topo_iface *l)
{
	size_t mi;

	if (l->master[0] && obs_iface(ob, l->master, &mi) && ob->gone[mi]) {
		l->master[0] = '\0';
		l->master_ifindex = 0;
	}
}

/* Deletes an observed link (and with a veth, its peer). */
static void link_delete(struct differ *df, struct obs *ob, size_t idx, bool implicit, const char *note)
{
	const struct topo_iface *o = &ob->o->ifaces[idx];
	unsigned saved_parent = df->parent;

	if (ob->gone[idx])
		return;
	struct step s = step_new(df, STEP_LINK_DEL, PHASE_LINK_DEL, ob->o->name);

	s.implicit = implicit;
	s.note = note;
	s.id = ++df->ids;
	/* Implicit: caused by the step being planned (a vxlan's underlay), or
	 * by the namespace's deletion. */
	if (implicit)
		s.parent = saved_parent ? saved_parent : ob->del_id;
	df->parent = s.id;
	link_copy(df, &s.lk->link, o);
	link_drop_gone_master(ob, &s.lk->link);
	if (topo_lt_is(o->type, TOPO_LT_PAIR) && o->peer_end) {
		struct obs *pob = obs_find(df, topo_iface_peer_ns(o));
		size_t pidx;
		const struct topo_iface *p = obs_iface(pob, topo_iface_peer_name(o), &pidx);

		if (p) {
			snprintf(s.lk->peer_ns, sizeof(s.lk->peer_ns), "%s", topo_iface_peer_ns(o));
			link_copy(df, &s.lk->peer, p);
			link_drop_gone_master(pob, &s.lk->peer);
			link_gone_implicit(df, pob, pidx);
		}
	}
	link_gone_implicit(df, ob, idx);
	df->parent = saved_parent;
	add_step(df, &s);
}

/* A link the plan creates comes up in a step of its own (phase). */
static void created_link_up(struct differ *df, enum step_phase phase, const char *ns, const char *ifname)
{
	struct step up = step_new(df, STEP_LINK_SET, phase, ns);

	up.follows_add = true;
	up.attr = LINK_ATTR_UP;
	up.set->new.flag = true;
	snprintf(up.ifname, sizeof(up.ifname), "%s", ifname);
	add_step(df, &up);
}

/* The addr_gen_mode of a link link_create made (and its coming up, when
 * the creation left it down for the mode). */
static void link_created_mode(struct differ *df, const char *ns, const struct topo_iface *d, bool up_after)
{
	if (!d->addr_gen_mode)
		return;
	struct step m = step_new(df, STEP_LINK_SET, PHASE_LINK_ATTR, ns);

	m.follows_add = true;
	m.attr = LINK_ATTR_ADDR_GEN;
	m.set->new.addr_gen_mode = d->addr_gen_mode;
	snprintf(m.ifname, sizeof(m.ifname), "%s", d->name);
	add_step(df, &m);
	if (up_after)
		created_link_up(df, PHASE_UP, ns, d->name);
}

static void link_create(struct differ *df, const char *ns, const struct topo_iface *d,
			const char *peer_ns, const struct topo_iface *peer, const char *note)
{
	struct step s = step_new(df, STEP_LINK_ADD, PHASE_LINK_ADD, ns);

	s.note = note;
	s.pos = d->pos;
	link_copy(df, &s.lk->link, d);
	s.lk->link.owned = true;
	snprintf(s.lk->link.owner, sizeof(s.lk->link.owner), "%s", df->d->name);
	if (peer) {
		snprintf(s.lk->peer_ns, sizeof(s.lk->peer_ns), "%s", peer_ns);
		link_copy(df, &s.lk->peer, peer);
		s.lk->peer.owned = true;
		snprintf(s.lk->peer.owner, sizeof(s.lk->peer.owner), "%s", df->d->name);
		/* The peer cannot be up at creation; PHASE_UP does it. */
		s.lk->peer.up = false;
		s.lk->peer.master[0] = '\0';
	}
	/* A running bridge recomputes its ports' states on each port's carrier
	 * change: created down, it comes up after its ports and addresses
	 * (pass_bridges_up). */
	bool up_later = topo_lt_is(d->type, TOPO_LT_MASTER) && s.lk->link.up;
	/* The kernel makes the link-local address when the link first has
	 * carrier and refuses the mode in the creation request
	 * (EAFNOSUPPORT): a link with addr_gen_mode gets it before PHASE_UP,
	 * so one that would have carrier at once (a macvlan, a vxlan) waits
	 * for it down. A veth's local end may be up: its peer is not yet. */
	bool mode_first = d->addr_gen_mode && !up_later && !topo_lt_is(d->type, TOPO_LT_PAIR) && s.lk->link.up;

	s.lk->link.up = !up_later && !mode_first && s.lk->link.up;
	add_step(df, &s);
	if (up_later && !df->err) {
		size_t *v = VEC_PUSH(df->bridges_down, df->n_bridges_down, df->cap_bridges_down);

		if (!v) {
			df->err = -ENOMEM;
			return;
		}
		*v = df->r->plan.n - 1;
	}
	link_created_mode(df, ns, d, mode_first);
	if (peer)
		link_created_mode(df, peer_ns, peer, false);

	/* What the kernel cannot do at creation: a veth peer can be neither up
	 * (ENOTCONN) nor enslaved in the same request. */
	if (peer) {
		if (peer->master[0]) {
			struct step m = step_new(df, STEP_LINK_SET, PHASE_MASTER, peer_ns);

			m.follows_add = true;
			m.attr = LINK_ATTR_MASTER;
			snprintf(m.ifname, sizeof(m.ifname), "%s", peer->name);
			snprintf(m.set->new.master, sizeof(m.set->new.master), "%s", peer->master);
			add_step(df, &m);
		}
		created_link_up(df, PHASE_UP, peer_ns, peer->name);
	}
}

/* A declared name held by something that is not ours stops the whole plan. */
static bool link_check_foreign(struct differ *df, struct obs *ob, const struct topo_iface *o,
			       const struct topo_iface *d, const char *ns)
{
	enum owner_verdict v = owner_link(&df->own, &ob->sc, o);
	const char *other = v == OWNER_OTHER ? owner_link_other(&df->own, &ob->sc, o) : NULL;
	char why[256];

	if (v == OWNER_OURS)
		return true;
	if (v == OWNER_ADOPTABLE) {
		ob->adopted[o - ob->o->ifaces] = true;
		return true;
	}
	if (other && other[0])
		conflict(df, &d->pos, "interface %s in namespace %s belongs to topology '%s', not '%s'; "
			 "nothing was changed", d->name, ns, other, df->d->name);
	else if (df->own.adopt && owner_adopt_refusal(&df->own, &ob->sc, o, why, sizeof(why)))
		conflict(df, &d->pos, "interface %s in namespace %s: --adopt refuses it: %s; leave it out of "
			 "the file (attach to the container's namespace by path: instead); nothing was changed",
			 d->name, ns, why);
	else
		conflict(df, &d->pos, "interface %s in namespace %s exists and was not created by topo "
			 "(a foreign %s, ifindex %d); rename the declared one or remove the foreign one; "
			 "nothing was changed", d->name, ns, topo_iftype_name(o->type), o->ifindex);
	return false;
}

/*
 * Declared links that are not pairs (bridges, vxlans, lo, ...). A link
 * that depends on another declared link of its namespace (a vxlan on its
 * `dev`, a macvlan on its parent) is created after it, by
 * pass_links_dep_create, once the pairs exist too (a dependency may be a
 * veth); masters come first, being no one's dependants. Deletes stay here,
 * before the pairs'.
 */
static bool link_has_declared_dep(const struct topo_ns *d, const struct topo_iface *di)
{
	const char *dep = topo_link_depends_on(di);

	return dep[0] && topo_ns_iface_find(d, dep) >= 0;
}

/* Created by pass_links_dep_create: after a dependency declared here, or
 * one in another namespace (which may be a veth end made by the pairs). */
static bool link_created_late(const struct topo_ns *d, const struct topo_iface *di)
{
	return link_has_declared_dep(d, di) || di->link_ns;
}

static void pass_links_plain(struct differ *df, struct obs *ob)
{
	const struct topo_ns *d = ob->d;

	for (size_t i = 0; d && i < d->n_ifaces; i++) {
		const struct topo_iface *di = &d->ifaces[i];
		const struct topo_iface *o;
		size_t oi;
		const char *why;
		bool later = link_created_late(d, di);

		if (topo_lt_is(di->type, TOPO_LT_PAIR))
			continue;
		o = obs_iface(ob, di->name, &oi);
		if (topo_lt_is(di->type, TOPO_LT_KERNEL)) {
			/* lo is the kernel's; topo only adds addresses (and keeps it up where it owns it). */
			if (o)
				ob->kept[oi] = true;
			continue;
		}
		if (!o) {
			if (!later)
				link_create(df, d->name, di, NULL, NULL, NULL);
			continue;
		}
		if (!link_check_foreign(df, ob, o, di, d->name))
			continue;
		why = topo_link_replace_why(di, o);
		if (why) {
			link_delete(df, ob, oi, false, why);
			if (!later)
				link_create(df, d->name, di, NULL, NULL, why);
			continue;
		}
		ob->kept[oi] = true;
	}
}

/* Declared links with a declared dependency, not there (or just deleted
 * for a replace): each after the link it depends on, which is there, kept,
 * or created earlier in this pass. Quadratic only in the length of a
 * chain of dependants. */
static void pass_links_dep_create(struct differ *df, struct obs *ob)
{
	const struct topo_ns *d = ob->d;
	bool *done;
	bool progress = true;

	if (!d || !d->n_ifaces)
		return;
	done = calloc(d->n_ifaces, sizeof(*done));
	if (!done) {
		df->err = -ENOMEM;
		return;
	}
	while (progress) {
		progress = false;
		for (size_t i = 0; i < d->n_ifaces; i++) {
			const struct topo_iface *di = &d->ifaces[i];
			size_t oi;
			const struct topo_iface *o;
			long dep;

			if (done[i] || topo_lt_is(di->type, TOPO_LT_PAIR) || !link_created_late(d, di))
				continue;
			dep = topo_link_depends_on(di)[0] ? topo_ns_iface_find(d, topo_link_depends_on(di)) : -1;
			if (dep >= 0 && link_created_late(d, &d->ifaces[dep]) && !done[dep])
				continue;       /* its dependency first */
			done[i] = progress = true;
			o = obs_iface(ob, di->name, &oi);
			if (o && !ob->gone[oi])
				continue;       /* kept, or foreign (a conflict says so) */
			link_create(df, d->name, di, NULL, NULL, o ? topo_link_replace_why(di, o) : NULL);
		}
	}
	free(done);
}

/* Which end a veth is created from: the one with a master (IFLA_MASTER works
 * at creation only on the local end), else the one in host, else the first. */
static int veth_local_end(const struct topology *t, const struct topo_link *l)
{
	const struct topo_iface *a = &t->ns[l->end[0].ns].ifaces[l->end[0].iface];
	const struct topo_iface *b = &t->ns[l->end[1].ns].ifaces[l->end[1].iface];

	if (a->master[0])
		return 0;
	if (b->master[0])
		return 1;
	if (t->ns[l->end[1].ns].kind == TOPO_NS_IS_HOST && t->ns[l->end[0].ns].kind != TOPO_NS_IS_HOST)
		return 1;
	return 0;
}

static void pass_links_veth(struct differ *df)
{
	const struct topology *t = df->d;

	for (size_t li = 0; li < t->n_links; li++) {
		const struct topo_link *l = &t->links[li];
		int local = veth_local_end(t, l);
		const struct topo_ns *dns[2];
		const struct topo_iface *di[2], *o[2];
		struct obs *ob[2];
		size_t oi[2] = { 0, 0 };
		bool ok = true;
		const char *why = NULL;

		for (int e = 0; e < 2; e++) {
			dns[e] = &t->ns[l->end[e].ns];
			di[e] = &dns[e]->ifaces[l->end[e].iface];
			ob[e] = obs_find(df, dns[e]->name);
			if (ob[e] && ob[e]->conflict)
				ok = false;
			o[e] = ob[e] ? obs_iface(ob[e], di[e]->name, &oi[e]) : NULL;
			if (o[e] && ob[e]->gone[oi[e]])
				o[e] = NULL;
			if (o[e] && !ob[e]->conflict && !link_check_foreign(df, ob[e], o[e], di[e], dns[e]->name))
				ok = false;
		}
		if (!ok) {
			/* A conflict stops the plan; our end is not "undeclared". */
			for (int e = 0; e < 2; e++)
				if (o[e] && link_is_ours(df, ob[e], o[e]))
					ob[e]->kept[oi[e]] = true;
			continue;
		}

		if (o[0] && o[1] && topo_lt_is(o[0]->type, TOPO_LT_PAIR) && topo_lt_is(o[1]->type, TOPO_LT_PAIR) &&
		    strcmp(topo_iface_peer_ns(o[0]), dns[1]->name) == 0 && strcmp(topo_iface_peer_name(o[0]), di[1]->name) == 0 &&
		    strcmp(topo_iface_peer_ns(o[1]), dns[0]->name) == 0 && strcmp(topo_iface_peer_name(o[1]), di[0]->name) == 0) {
			ob[0]->kept[oi[0]] = true;
			ob[1]->kept[oi[1]] = true;
			continue;
		}
		for (int e = 0; e < 2; e++) {
			if (!o[e])
				continue;
			if (!topo_lt_is(o[e]->type, TOPO_LT_PAIR))
				why = "replace: kind changed";
			else if (!why && strcmp(topo_iface_peer_name(o[e]), di[1 - e]->name) == 0)
				why = "replace: peer namespace changed";
			else if (!why)
				why = "replace: peer changed";
		}
		for (int e = 0; e < 2; e++)
			if (o[e] && !ob[e]->gone[oi[e]])
				link_delete(df, ob[e], oi[e], false, why);
		link_create(df, dns[local]->name, di[local], dns[1 - local]->name, di[1 - local], why);
	}
}

/* Owned links nobody declares any more. */
static int obs_add_wait(struct obs *dying, const char *ns, const struct topo_iface *link)
{
	struct step_wait *v = VEC_APPEND(dying->waits, dying->n_waits);

	if (!v)
		return -ENOMEM;
	snprintf(v->ns, sizeof(v->ns), "%s", ns);
	snprintf(v->name, sizeof(v->name), "%s", link->name);
	v->ifindex = link->ifindex;
	return 0;
}

static void pass_links_prune(struct differ *df, struct obs *ob)
{
	const struct topo_ns *o = ob->o;
	unsigned saved_parent;

	if (!o->exists || ob->conflict)
		return;
	for (size_t i = 0; i < o->n_ifaces; i++) {
		const struct topo_iface *oi = &o->ifaces[i];
		bool implicit;

		if (ob->gone[i] || ob->kept[i] || topo_lt_is(oi->type, TOPO_LT_KERNEL) || !link_is_ours(df, ob, oi))
			continue;
		/*
		 * A veth with an end in a namespace that goes goes with it: the
		 * kernel unregisters all of a dying namespace's devices in one
		 * batch, where deleting each pair costs an RCU grace period
		 * (~20 ms). Namespace cleanup is asynchronous, so the namespace's
		 * deletion waits until the end that lived elsewhere is gone too.
		 */
		implicit = ob->pruned;
		struct obs *pob = topo_lt_is(oi->type, TOPO_LT_PAIR) ? obs_find(df, topo_iface_peer_ns(oi)) : NULL;
		struct obs *dying = ob->pruned ? ob : pob && pob->pruned ? pob : NULL;
		struct obs *staying = ob->pruned ? (pob && !pob->pruned ? pob : NULL) : ob;
		size_t pidx;

		if (dying && topo_lt_is(oi->type, TOPO_LT_PAIR)) {
			const struct topo_iface *left = staying == ob ? oi :
							staying ? obs_iface(staying, topo_iface_peer_name(oi), &pidx) : NULL;

			if (staying && !left) {
				implicit = false;    /* the peer is unknown: delete it ourselves */
			} else {
				implicit = true;
				if (left && obs_add_wait(dying, staying->o->name, left) < 0)
					df->err = -ENOMEM;
				saved_parent = df->parent;
				df->parent = dying->del_id;
				link_delete(df, ob, i, true, NULL);
				df->parent = saved_parent;
				continue;
			}
		}
		link_delete(df, ob, i, implicit, NULL);
	}
}

/* ------------------------------------------------------------------- fdb -- */

static bool fdb_equal(const struct topo_fdb *a, const struct topo_fdb *b)
{
	return strcmp(a->dev, b->dev) == 0 && memcmp(a->mac, b->mac, 6) == 0 && topo_ip_equal(&a->dst, &b->dst);
}

static bool fdb_in(const struct topo_fdb *v, size_t n, const struct topo_fdb *e)
{
	for (size_t i = 0; i < n; i++)
		if (fdb_equal(&v[i], e))
			return true;
	return false;
}

/*
 * Static fdb entries: a declared one missing is appended; one of ours
 * (owner_fdb) nobody declares is deleted, unless its link goes anyway
 * (link_gone_implicit). Quadratic in the entries of one namespace: a
 * head-end list is a handful of remotes.
 */
static void pass_fdb(struct differ *df, struct obs *ob)
{
	const struct topo_ns *d = ob->d, *o = ob->o;

	if (ob->conflict || ob->pruned)
		return;
	for (size_t i = 0; o->exists && i < o->n_fdb; i++) {
		const struct topo_fdb *e = &o->fdb[i];
		size_t idx;
		const struct topo_iface *dev = obs_iface(ob, e->dev, &idx);
		struct step s;

		if (!dev || ob->gone[idx] || owner_fdb(&df->own, &ob->sc, dev, e) != OWNER_OURS ||
		    (d && fdb_in(d->fdb, d->n_fdb, e)))
			continue;
		s = step_new(df, STEP_FDB_DEL, PHASE_ADDR_DEL_GONE, o->name);
		snprintf(s.ifname, sizeof(s.ifname), "%s", e->dev);
		s.fdb = *e;
		add_step(df, &s);
	}
	for (size_t i = 0; d && i < d->n_fdb; i++) {
		const struct topo_fdb *e = &d->fdb[i];
		size_t idx;
		const struct topo_iface *dev = o->exists ? obs_iface(ob, e->dev, &idx) : NULL;
		struct step s;

		if (dev && !ob->gone[idx] && fdb_in(o->fdb, o->n_fdb, e))
			continue;
		s = step_new(df, STEP_FDB_ADD, PHASE_ROUTE_ADD, d->name);
		s.pos = e->pos;
		snprintf(s.ifname, sizeof(s.ifname), "%s", e->dev);
		s.fdb = *e;
		add_step(df, &s);
	}
}

/* ------------------------------------------------------------- addresses -- */

/* A declared address and its place in the file. */
struct want_addr {
	struct topo_addr a;
	size_t idx;
};

static int want_addr_cmp(const void *a, const void *b)
{
	return topo_ip_cmp(&((const struct want_addr *)a)->a.ip, &((const struct want_addr *)b)->a.ip);
}

static int addr_cmp(const void *a, const void *b)
{
	return topo_ip_cmp(&((const struct topo_addr *)a)->ip, &((const struct topo_addr *)b)->ip);
}

static void addr_step(struct differ *df, enum step_op op, enum step_phase phase, const char *ns,
		      const char *ifname, const struct topo_addr *a, bool implicit)
{
	struct step s = step_new(df, op, phase, ns);

	s.implicit = implicit;
	s.pos = a->pos;
	snprintf(s.ifname, sizeof(s.ifname), "%s", ifname);
	s.addr = *a;
	add_step(df, &s);
}

/* The address is on the link already, but someone else's. Linear in the
 * link's addresses: only reached for a declared address topo does not hold. */
static bool addr_held_by_other(const struct differ *df, const struct obs *ob, const struct topo_iface *o,
			       const struct topo_addr *want)
{
	for (size_t k = 0; k < o->n_addrs; k++)
		if (topo_ip_equal(&o->addrs[k].ip, &want->ip))
			return !addr_is_ours(df, ob, o, &o->addrs[k]);
	return false;
}

/* Is the same IPv6 address (any prefix length) wanted? want is sorted by
 * address first, so a binary search on the bytes finds it. */
static bool want_has_v6_addr(const struct want_addr *want, size_t nw, const struct topo_ip *ip)
{
	size_t lo = 0, hi = nw;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct topo_ip *w = &want[mid].a.ip;
		int c = w->family != ip->family ? (w->family < ip->family ? -1 : 1) : memcmp(w->bytes, ip->bytes, 16);

		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/*
 * Declared vs live addresses of one link: sort both, merge. The adds are
 * made in file order: the first IPv4 address of a subnet added to a link is
 * its primary, the source of what the namespace sends.
 */
static void addr_diff_link(struct differ *df, struct obs *ob, const char *ns, const struct topo_iface *d,
			   const struct topo_iface *o, size_t oidx)
{
	struct want_addr *want = NULL;
	struct topo_addr *have = NULL;
	bool *add = NULL;
	size_t nw = d ? d->n_addrs : 0, nh = 0;
	/* Below 1280 the kernel takes IPv6 off the link: its IPv6 addresses
	 * go before the mtu comes down (PHASE_LINK_ATTR). */
	bool v6_goes_early = d && d->mtu && d->mtu < TOPO_IPV6_MIN_MTU;

	if (nw) {
		want = malloc(nw * sizeof(*want));
		add = calloc(nw, sizeof(*add));
		if (!want || !add)
			goto oom;
		for (size_t i = 0; i < nw; i++) {
			want[i].a = d->addrs[i];
			want[i].a.proto = TOPO_IFAPROT;
			want[i].idx = i;
		}
		qsort(want, nw, sizeof(*want), want_addr_cmp);
	}
	if (o && o->n_addrs) {
		have = malloc(o->n_addrs * sizeof(*have));
		if (!have)
			goto oom;
		for (size_t i = 0; i < o->n_addrs; i++) {
			if (ob->addr_done[ob->addr_off[oidx] + i] || !addr_is_ours(df, ob, o, &o->addrs[i]))
				continue;
			have[nh++] = o->addrs[i];
		}
		qsort(have, nh, sizeof(*have), addr_cmp);
	}
	for (size_t i = 0, j = 0; i < nw || j < nh;) {
		int c = i == nw ? 1 : j == nh ? -1 : topo_ip_cmp(&want[i].a.ip, &have[j].ip);
		const char *other = c < 0 && !ob->all_ours ? owner_addr_other(&df->own, ns, d->name, &want[i].a.ip) : NULL;

		if (other) {
			char a[TOPO_IP_STRLEN];

			conflict(df, &want[i].a.pos, "address %s on %s in namespace %s belongs to topology '%s' (its "
				 "state file records it), not '%s'; nothing was changed",
				 topo_ip_format(&want[i].a.ip, true, a, sizeof(a)), d->name, ns, other, df->d->name);
			i++;
		} else if (c < 0 && o && addr_held_by_other(df, ob, o, &want[i].a)) {
			char a[TOPO_IP_STRLEN];

			conflict(df, &want[i].a.pos, "address %s on %s in namespace %s exists and is not topo's; "
				 "nothing was changed", topo_ip_format(&want[i].a.ip, true, a, sizeof(a)), d->name, ns);
			i++;
		} else if (c < 0)
			add[want[i++].idx] = true;
		else if (c > 0) {
			/* IPv6 holds an address once per link whatever its prefix
			 * length: when only that changes, the old one goes first. */
			bool early = have[j].ip.family == AF_INET6 &&
				     (v6_goes_early || want_has_v6_addr(want, nw, &have[j].ip));

			addr_step(df, STEP_ADDR_DEL, early ? PHASE_ADDR_DEL_GONE : PHASE_ADDR_DEL, ns, o->name,
				  &have[j++], false);
		}
		else
			i++, j++;
	}
	for (size_t i = 0; i < nw; i++) {
		struct topo_addr a = d->addrs[i];

		a.proto = TOPO_IFAPROT;
		if (add[i])
			addr_step(df, STEP_ADDR_ADD, PHASE_ADDR_ADD, ns, d->name, &a, false);
	}
	free(want);
	free(have);
	free(add);
	return;
oom:
	free(want);
	free(add);
	df->err = -ENOMEM;
}

static void pass_addrs(struct differ *df, struct obs *ob)
{
	const struct topo_ns *d = ob->d;
	const struct topo_ns *o = ob->o;

	if (ob->conflict || ob->pruned)
		return;
	for (size_t i = 0; d && i < d->n_ifaces; i++) {
		size_t oi = 0;
		const struct topo_iface *oif = obs_iface(ob, d->ifaces[i].name, &oi);

		if (oif && ob->gone[oi])
			oif = NULL;
		/* Neither kept nor replaced: a foreign link holds the name (a
		 * conflict says so); its addresses are not ours to change. */
		if (oif && !ob->kept[oi])
			continue;
		addr_diff_link(df, ob, d->name, &d->ifaces[i], oif, oi);
	}
	/* Our addresses on links that are not declared (say host's lo after it left the file). */
	for (size_t i = 0; o->exists && i < o->n_ifaces; i++) {
		if (ob->gone[i] || obs_decl(ob, o->ifaces[i].name) >= 0)
			continue;
		addr_diff_link(df, ob, o->name, NULL, &o->ifaces[i], i);
	}
}

/*
 * What a deleted namespace takes with it besides its links (which have their
 * own steps): routes on no link (blackhole and friends) and lo's addresses.
 * Implicit, for a rollback that brings the namespace back.
 */
static void pass_pruned_leftovers(struct differ *df, struct obs *ob)
{
	const struct topo_ns *o = ob->o;
	unsigned saved = df->parent;

	if (!ob->pruned)
		return;
	df->parent = ob->del_id;
	for (size_t i = 0; i < o->n_ifaces; i++) {
		const struct topo_iface *ifc = &o->ifaces[i];

		if (ob->gone[i])
			continue;
		for (size_t a = 0; a < ifc->n_addrs; a++) {
			if (ob->addr_done[ob->addr_off[i] + a] || addr_is_kernels(ifc, &ifc->addrs[a]))
				continue;
			ob->addr_done[ob->addr_off[i] + a] = true;
			addr_step(df, STEP_ADDR_DEL, PHASE_ADDR_DEL_GONE, o->name, ifc->name, &ifc->addrs[a], true);
		}
	}
	for (size_t r = 0; r < o->n_routes; r++) {
		struct step s;

		if (ob->route_done[r] || o->routes[r].proto == RTPROT_KERNEL_)
			continue;
		ob->route_done[r] = true;
		s = step_new(df, STEP_ROUTE_DEL, PHASE_ROUTE_DEL, o->name);
		s.implicit = true;
		if (topo_route_copy(&s.rt->route, &o->routes[r]) < 0)
			df->err = -ENOMEM;
		add_step(df, &s);
	}
	objs_gone_with(df, ob, NULL);
	df->parent = saved;
}

/* ----------------------------------------------------------- table kinds -- */

/* One step on an object of a table kind; returns its id. */
static unsigned obj_step(struct differ *df, enum step_op op, enum step_phase phase, const char *ns,
			 const struct topo_kind *k, const void *obj, const void *old, const char *note)
{
	struct step s = step_new(df, op, phase, ns);

	s.ob->kind = k;
	memcpy(s.ob->obj.b, obj, k->size);
	if (old)
		memcpy(s.ob->old_obj[0].b, old, k->size);
	s.pos = *topo_obj_pos(obj);
	s.note = note;
	s.id = ++df->ids;
	add_step(df, &s);
	return s.id;
}

/* An add: the declared object carrying topo's mark. */
static void obj_add(struct differ *df, enum step_op op, const char *ns, const struct topo_kind *k, const void *d,
		    const void *old, const char *note)
{
	union topo_obj_buf v;

	memcpy(v.b, d, k->size);
	k->set_proto(v.b, TOPO_RTPROT);
	obj_step(df, op, PHASE_OBJ_ADD, ns, k, v.b, old, note);
}

/* Would deleting o take a route that is not topo's (the kernel deletes the
 * routes through it)? Then it is a conflict, named here. */
static bool obj_holds_foreign_route(struct differ *df, struct obs *ob, const struct topo_kind *k, const void *o)
{
	for (size_t r = 0; k->takes_route && r < ob->o->n_routes; r++) {
		const struct topo_route *rt = &ob->o->routes[r];
		enum owner_verdict v;
		char words[512];

		if (ob->route_done[r] || !k->takes_route(o, rt))
			continue;
		v = owner_route(&df->own, &ob->sc, rt);
		if (v == OWNER_OURS || v == OWNER_KERNEL)
			continue;
		topo_obj_format(k, o, words, sizeof(words));
		conflict(df, NULL, "deleting the %s %s in namespace %s would take a route that is not topo's with it "
			 "(the kernel deletes the routes through it); nothing was changed", k->noun, words, ob->o->name);
		return true;
	}
	return false;
}

/* Routes the kernel deletes with object o: implicit, caused by step id. */
static void obj_routes_gone(struct differ *df, struct obs *ob, const struct topo_kind *k, const void *o, unsigned id)
{
	unsigned saved = df->parent;

	if (!k->takes_route)
		return;
	df->parent = id;
	for (size_t r = 0; r < ob->o->n_routes; r++) {
		struct step s;

		if (ob->route_done[r] || !k->takes_route(o, &ob->o->routes[r]))
			continue;
		ob->route_done[r] = true;
		s = step_new(df, STEP_ROUTE_DEL, PHASE_ROUTE_DEL, ob->o->name);
		s.implicit = true;
		if (topo_route_copy(&s.rt->route, &ob->o->routes[r]) < 0)
			df->err = -ENOMEM;
		add_step(df, &s);
	}
	df->parent = saved;
}

/* Objects the kernel deletes with device dev (NULL: with the namespace),
 * whoever's they are, but the kernel's own: implicit steps, so a rollback
 * puts them back. */
static void objs_gone_with(struct differ *df, struct obs *ob, const char *dev)
{
	for (size_t slot = 0; slot < topo_n_kinds; slot++) {
		const struct topo_kind *k = topo_kinds[slot];
		const struct topo_objs *objs = &ob->o->objs[slot];

		for (size_t i = 0; i < objs->n; i++) {
			const void *o = topo_obj_at(k, objs, i);
			struct step s;

			if (ob->obj_done[slot][i] || owner_object(&df->own, &ob->sc, k, o) == OWNER_KERNEL)
				continue;
			if (dev && (!k->dev || strcmp(k->dev(o), dev) != 0))
				continue;
			ob->obj_done[slot][i] = true;
			s = step_new(df, STEP_OBJ_DEL, PHASE_ADDR_DEL_GONE, ob->o->name);
			s.implicit = true;
			s.ob->kind = k;
			memcpy(s.ob->obj.b, o, k->size);
			s.id = ++df->ids;
			add_step(df, &s);
			obj_routes_gone(df, ob, k, o, s.id);
		}
	}
}

static int obj_ptr_cmp(const void *a, const void *b, void *kind)
{
	return ((const struct topo_kind *)kind)->cmp(*(const void *const *)a, *(const void *const *)b);
}

/* The object in sorted v[0..n) with o's key, or NULL. */
static const void *obj_find(const struct topo_kind *k, const void **v, size_t n, const void *o)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = k->cmp(o, v[mid]);

		if (c == 0)
			return v[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static unsigned obj_level(const struct topo_kind *k, const void *o)
{
	return k->level ? k->level(o) : 0;
}

/*
 * The kernel's defaults of a kind (kind->defaults): a declaration that
 * displaces one deletes it, once its replacement is in; one missing while
 * an object of ours covers it (topo displaced it) is put back as the
 * kernel's.
 */
static void kind_defaults(struct differ *df, struct obs *ob, size_t slot, const void **want, size_t nw,
			  const void **have, size_t nh)
{
	const struct topo_kind *k = topo_kinds[slot];
	const struct topo_objs *objs = &ob->o->objs[slot];
	union topo_obj_buf dflt[8];
	size_t nd;

	if (!k->defaults)
		return;
	nd = k->defaults(dflt, 8);
	for (size_t d = 0; d < nd; d++) {
		const void *present = NULL;
		bool displaced = false, covered = false;

		/* A namespace the plan creates comes with the defaults. */
		if (!ob->o->exists)
			present = dflt[d].b;
		for (size_t i = 0; ob->o->exists && i < objs->n && !present; i++) {
			const void *o = topo_obj_at(k, objs, i);

			if (!ob->obj_done[slot][i] && k->cmp(o, dflt[d].b) == 0 &&
			    owner_object(&df->own, &ob->sc, k, o) == OWNER_KERNEL)
				present = o;
		}
		for (size_t i = 0; i < nw; i++)
			displaced |= k->displaces(want[i], dflt[d].b);
		for (size_t i = 0; i < nh; i++)
			covered |= k->covers(have[i], dflt[d].b);
		if (displaced && present)
			obj_step(df, STEP_OBJ_DEL, PHASE_OBJ_DEL, ob->o->name, k, present, NULL,
				 "the kernel's default, displaced by a declaration");
		else if (!displaced && !present && covered)
			obj_step(df, STEP_OBJ_ADD, PHASE_OBJ_ADD, ob->o->name, k, dflt[d].b, NULL,
				 "the kernel's default, put back");
	}
}

/*
 * One keyed sort-merge per table kind: declared objects against observed
 * ones of ours; a declared object whose key an unmarked one holds is a
 * conflict (with --adopt: replaced in place, or the twin deleted and ours
 * added). Adds by increasing level, deletes by decreasing level.
 */
static void pass_kind(struct differ *df, struct obs *ob, size_t slot)
{
	const struct topo_kind *k = topo_kinds[slot];
	const struct topo_objs *dobjs = ob->d ? &ob->d->objs[slot] : NULL;
	const struct topo_objs *oobjs = &ob->o->objs[slot];
	const void **want = calloc((dobjs ? dobjs->n : 0) + 1, sizeof(*want));
	const void **have = calloc(oobjs->n + 1, sizeof(*have));
	const void **others = calloc(oobjs->n + 1, sizeof(*others));
	size_t nw = 0, nh = 0, no = 0;
	unsigned max_level = 0;

	if (!want || !have || !others) {
		df->err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; dobjs && i < dobjs->n; i++)
		want[nw++] = topo_obj_at(k, dobjs, i);
	for (size_t i = 0; ob->o->exists && i < oobjs->n; i++) {
		const void *o = topo_obj_at(k, oobjs, i);
		enum owner_verdict v = ob->obj_done[slot][i] ? OWNER_KERNEL : owner_object(&df->own, &ob->sc, k, o);

		if (v == OWNER_OURS)
			have[nh++] = o;
		else if (v != OWNER_KERNEL)
			others[no++] = o;
	}
	qsort_r(want, nw, sizeof(*want), obj_ptr_cmp, (void *)k);
	qsort_r(have, nh, sizeof(*have), obj_ptr_cmp, (void *)k);
	qsort_r(others, no, sizeof(*others), obj_ptr_cmp, (void *)k);
	for (size_t i = 0; i < nw; i++)
		max_level = obj_level(k, want[i]) > max_level ? obj_level(k, want[i]) : max_level;
	for (size_t i = 0; i < nh; i++)
		max_level = obj_level(k, have[i]) > max_level ? obj_level(k, have[i]) : max_level;

	/* Adds and replaces, members before groups. */
	for (unsigned lv = 0; lv <= max_level; lv++) {
		for (size_t i = 0, j = 0; i < nw || j < nh;) {
			int c = i == nw ? 1 : j == nh ? -1 : k->cmp(want[i], have[j]);
			const void *twin;

			if (c > 0) {
				j++;
				continue;
			}
			if (obj_level(k, want[i]) != lv) {
				i++, j += c == 0;
				continue;
			}
			twin = c < 0 ? obj_find(k, others, no, want[i]) : NULL;
			if (twin && owner_object(&df->own, &ob->sc, k, twin) == OWNER_ADOPTABLE) {
				if (k->replaceable && k->replaceable(twin, want[i]))
					obj_add(df, STEP_OBJ_REPLACE, ob->o->name, k, want[i], twin, "adopt: marked in place");
				else {
					/* Unmarked first: a delete without a protocol
					 * could take either twin. */
					obj_step(df, STEP_OBJ_DEL, PHASE_OBJ_ADD, ob->o->name, k, twin, NULL,
						 "adopt: the unmarked twin, replaced by a marked one");
					obj_add(df, STEP_OBJ_ADD, ob->o->name, k, want[i], NULL, "adopt");
				}
			} else if (twin) {
				char words[512];

				topo_obj_format(k, twin, words, sizeof(words));
				conflict(df, topo_obj_pos(want[i]), "a %s with the same key exists in namespace %s and is "
					 "not topo's (%s, protocol %u); nothing was changed", k->noun, ob->o->name, words,
					 k->proto(twin));
			} else if (c < 0) {
				obj_add(df, STEP_OBJ_ADD, ob->o->name, k, want[i], NULL, NULL);
			} else if (k->same && !k->same(want[i], have[j])) {
				if (k->replaceable && k->replaceable(have[j], want[i]))
					obj_add(df, STEP_OBJ_REPLACE, ob->o->name, k, want[i], have[j], NULL);
				else
					obj_add(df, STEP_OBJ_ADD, ob->o->name, k, want[i], NULL, "replace: cannot change in place");
			}
			i++, j += c == 0;
		}
	}
	/* Deletes, groups before members. */
	for (unsigned lv = max_level + 1; lv-- > 0;) {
		for (size_t i = 0, j = 0; i < nw || j < nh;) {
			int c = i == nw ? 1 : j == nh ? -1 : k->cmp(want[i], have[j]);

			if (c < 0) {
				i++;
				continue;
			}
			if (obj_level(k, have[j]) == lv) {
				if (c > 0 && !obj_holds_foreign_route(df, ob, k, have[j])) {
					unsigned id = obj_step(df, STEP_OBJ_DEL, PHASE_OBJ_DEL, ob->o->name, k, have[j],
							       NULL, NULL);

					obj_routes_gone(df, ob, k, have[j], id);
				} else if (c == 0 && k->same && !k->same(want[i], have[j]) &&
					   !(k->replaceable && k->replaceable(have[j], want[i])) &&
					   !obj_holds_foreign_route(df, ob, k, have[j])) {
					/* Before its new self is added under the same key. */
					unsigned id = obj_step(df, STEP_OBJ_DEL, PHASE_ROUTE_DEL, ob->o->name, k, have[j],
							       NULL, "replace: cannot change in place");

					obj_routes_gone(df, ob, k, have[j], id);
				}
			}
			i += c == 0;
			j++;
		}
	}
	kind_defaults(df, ob, slot, want, nw, have, nh);
out:
	free(want);
	free(have);
	free(others);
}

static void pass_kinds(struct differ *df, struct obs *ob)
{
	if (ob->conflict || ob->pruned)
		return;
	for (size_t slot = 0; slot < topo_n_kinds && !df->err; slot++)
		pass_kind(df, ob, slot);
}

/* ---------------------------------------------------------------- routes -- */

static int route_key_cmp(const struct topo_route *a, const struct topo_route *b)
{
	if (a->table != b->table)
		return a->table < b->table ? -1 : 1;
	if (a->metric != b->metric)
		return a->metric < b->metric ? -1 : 1;
	return topo_ip_cmp(&a->dst, &b->dst);
}

static int route_ptr_cmp(const void *a, const void *b)
{
	return route_key_cmp(*(const struct topo_route *const *)a, *(const struct topo_route *const *)b);
}

static void route_step(struct differ *df, enum step_op op, enum step_phase phase, const char *ns,
		       const struct topo_route *rt, const struct topo_route *old)
{
	struct step s = step_new(df, op, phase, ns);

	s.pos = rt->pos;
	if (topo_route_copy(&s.rt->route, rt) < 0)
		df->err = -ENOMEM;
	if (op == STEP_ROUTE_ADD || op == STEP_ROUTE_REPLACE)
		s.rt->route.proto = TOPO_RTPROT;
	if (old && topo_route_copy(&s.rt->old_route[0], old) < 0)
		df->err = -ENOMEM;
	add_step(df, &s);
}

static void pass_routes(struct differ *df, struct obs *ob)
{
	const struct topo_ns *d = ob->d;
	const struct topo_ns *o = ob->o;
	const struct topo_route **want = NULL, **have = NULL, **others = NULL;
	size_t nw = 0, nh = 0, no = 0;

	if (ob->conflict || ob->pruned)
		return;
	if (d && d->n_routes) {
		want = malloc(d->n_routes * sizeof(*want));
		if (!want)
			goto oom;
		for (size_t i = 0; i < d->n_routes; i++)
			want[nw++] = &d->routes[i];
		qsort(want, nw, sizeof(*want), route_ptr_cmp);
	}
	if (o->exists && o->n_routes) {
		have = malloc(o->n_routes * sizeof(*have));
		if (!have)
			goto oom;
		others = malloc(o->n_routes * sizeof(*others));
		if (!others)
			goto oom;
		for (size_t i = 0; i < o->n_routes; i++) {
			enum owner_verdict v = ob->route_done[i] ? OWNER_KERNEL : owner_route(&df->own, &ob->sc, &o->routes[i]);

			if (v == OWNER_OURS)
				have[nh++] = &o->routes[i];
			else if (v != OWNER_KERNEL)
				others[no++] = &o->routes[i];
		}
		qsort(have, nh, sizeof(*have), route_ptr_cmp);
		qsort(others, no, sizeof(*others), route_ptr_cmp);
	}
	for (size_t i = 0, j = 0; i < nw || j < nh;) {
		int c = i == nw ? 1 : j == nh ? -1 : route_key_cmp(want[i], have[j]);
		const char *other = c < 0 && !ob->all_ours ? owner_route_other(&df->own, o->name, want[i]) : NULL;

		if (other || (c < 0 && no && bsearch(&want[i], others, no, sizeof(*others), route_ptr_cmp))) {
			char line[256];
			struct step tmp;
			struct step_route body;

			memset(&tmp, 0, sizeof(tmp));
			tmp.op = STEP_ROUTE_ADD;
			tmp.rt = &body;   /* formatted only, never freed */
			snprintf(tmp.ns, sizeof(tmp.ns), "%s", o->name);
			tmp.rt->route = *want[i];
			step_format(&tmp, line, sizeof(line));
			if (other)
				conflict(df, &want[i]->pos, "the route %s in namespace %s belongs to topology '%s' (its state "
					 "file records it), not '%s'; nothing was changed", line + 12, o->name, other,
					 df->d->name);
			else
				conflict(df, &want[i]->pos, "a route with the same key (table, destination, metric) exists in "
					 "namespace %s and is not topo's (%s); nothing was changed", o->name, line + 12);
			i++;
		} else if (c < 0) {
			route_step(df, STEP_ROUTE_ADD, PHASE_ROUTE_ADD, o->name, want[i++], NULL);
		} else if (c > 0) {
			route_step(df, STEP_ROUTE_DEL, PHASE_ROUTE_DEL, o->name, have[j++], NULL);
		} else {
			if (!topo_route_same(want[i], have[j]))
				route_step(df, STEP_ROUTE_REPLACE, PHASE_ROUTE_ADD, o->name, want[i], have[j]);
			i++, j++;
		}
	}
	free(want);
	free(have);
	free(others);
	return;
oom:
	free(want);
	free(have);
	df->err = -ENOMEM;
}

/*
 * Shaping: topo's root qdisc on each declared link, as the file says. A new
 * link gets it after it is made; the kernel's default root is replaced; a
 * root qdisc someone else made is a conflict; ours goes when the file no
 * longer shapes the link (the kernel's default comes back).
 */
static void link_set(struct differ *df, const char *ns, const struct topo_iface *d, enum link_attr attr,
		     enum step_phase phase, const struct link_value *old, const struct link_value *new);

static void shape_step(struct differ *df, const char *ns, const struct topo_iface *di,
		       const struct topo_shape *old, const struct topo_shape *new)
{
	struct link_value o = { 0 }, n = { 0 };

	o.shape = *old;
	n.shape = *new;
	link_set(df, ns, di, LINK_ATTR_SHAPE, PHASE_LINK_ATTR, &o, &n);
}

static void pass_shaping(struct differ *df, struct obs *ob)
{
	const struct topo_ns *d = ob->d;
	static const struct topo_shape none;

	if (!d || ob->conflict || ob->pruned)
		return;
	for (size_t i = 0; i < d->n_ifaces; i++) {
		const struct topo_iface *di = &d->ifaces[i];
		const struct topo_shape *want = topo_iface_shape(di);
		size_t oi;
		const struct topo_iface *o = ob->o->exists ? obs_iface(ob, di->name, &oi) : NULL;
		struct topo_shape have = none;

		if (o && !ob->gone[oi])
			have = *topo_iface_shape(o);
		switch (owner_qdisc(&have)) {
		case OWNER_FOREIGN:
			if (topo_shape_declared(want))
				conflict(df, &di->shape_pos, "interface %s in namespace %s has a root qdisc topo did not make "
					 "(%s, handle %x:): shaping it would replace someone's; nothing was changed",
					 di->name, d->name, have.root_kind, have.root_handle >> 16);
			break;
		case OWNER_OURS:
			if (!topo_shape_declared(want)) {
				shape_step(df, d->name, di, &have, &none);
			} else if (have.netem != want->netem) {
				/* The kernel changes a qdisc's settings, never its kind. */
				shape_step(df, d->name, di, &have, &none);
				shape_step(df, d->name, di, &none, want);
			} else if (!topo_shape_same(want, &have)) {
				shape_step(df, d->name, di, &have, want);
			}
			break;
		default:
			if (topo_shape_declared(want))
				shape_step(df, d->name, di, &none, want);
			break;
		}
	}
}

/*
 * `absent:`: a kernel-made route an entry names is deleted (the state file
 * records it first, see cmd/apply.c). A route deleted so comes back, as it
 * was, once no entry names it (the entry left the file, or destroy), unless
 * its namespace goes or the kernel has made it again. Never implicit.
 */
static void pass_absent(struct differ *df, struct obs *ob)
{
	const struct topo_ns *d = ob->d, *o = ob->o;
	char line[256];

	if (ob->conflict || ob->pruned || !o->exists)
		return;
	for (size_t i = 0; d && i < d->n_absent_routes; i++) {
		const struct topo_absent *a = &d->absent_routes[i];

		for (size_t r = 0; r < o->n_routes; r++) {
			const struct topo_route *rt = &o->routes[r];
			struct step s;

			if (ob->route_done[r] || !topo_absent_matches(a, rt))
				continue;
			if (!owner_route_absent_deletable(rt)) {
				topo_route_format(rt, line, sizeof(line));
				topo_msgs_add(&df->r->warnings, "absent: the route %s in namespace %s is not the kernel's "
					      "(protocol %u): left alone", line, o->name, rt->proto);
				continue;
			}
			ob->route_done[r] = true;
			s = step_new(df, STEP_ROUTE_DEL, PHASE_ROUTE_DEL, o->name);
			s.pos = a->pos;
			if (topo_route_copy(&s.rt->route, rt) < 0)
				df->err = -ENOMEM;
			s.absent = true;
			s.note = "absent:";
			add_step(df, &s);
		}
	}
	for (size_t i = 0; df->state && i < df->state->n_removed; i++) {
		const struct state_route *rec = &df->state->removed[i];
		bool keep = false;
		struct step s;

		if (strcmp(rec->ns, o->name) != 0)
			continue;
		for (size_t k = 0; d && k < d->n_absent_routes && !keep; k++)
			keep = topo_absent_matches(&d->absent_routes[k], &rec->route);
		for (size_t r = 0; r < o->n_routes && !keep; r++)
			keep = topo_route_same_key(&o->routes[r], &rec->route);
		if (keep)
			continue;
		s = step_new(df, STEP_ROUTE_ADD, PHASE_ROUTE_ADD, o->name);
		if (topo_route_copy(&s.rt->route, &rec->route) < 0)
			df->err = -ENOMEM;
		s.note = "restore: no absent: entry names it";
		add_step(df, &s);
	}
}

/* ------------------------------------------------------ link attributes -- */

static void link_set(struct differ *df, const char *ns, const struct topo_iface *d, enum link_attr attr,
		     enum step_phase phase, const struct link_value *old, const struct link_value *new)
{
	struct step s = step_new(df, STEP_LINK_SET, phase, ns);

	s.pos = d->pos;
	s.attr = attr;
	snprintf(s.ifname, sizeof(s.ifname), "%s", d->name);
	s.set->old = *old;
	s.set->new = *new;
	add_step(df, &s);
}

#define VXLAN_HEADROOM_V4 50
#define VXLAN_HEADROOM_V6 70
#define ETH_DATA_LEN_ 1500

static uint32_t link_default_mtu(const struct obs *ob, const struct topo_ns *d, const struct topo_iface *di,
				 int depth);

/* The mtu a declared link will have once the plan is done. */
static uint32_t link_planned_mtu(const struct obs *ob, const struct topo_ns *d, const char *name, int depth)
{
	long i = ob && ob->d == d ? obs_decl(ob, name) : topo_ns_iface_find(d, name);
	const struct topo_iface *o;

	if (i >= 0)
		return d->ifaces[i].mtu ? d->ifaces[i].mtu : link_default_mtu(ob, d, &d->ifaces[i], depth + 1);
	o = obs_iface(ob, name, NULL);
	return o ? o->mtu : 0;
}

/*
 * The mtu a link topo owns gets back when its `mtu:` leaves the file: what
 * the kernel gives a new one. A veth: 1500. A vxlan: its underlay's mtu
 * less the encapsulation (50 bytes over IPv4, 70 over IPv6), 1500 without
 * one. A bridge: the kernel's automatic mtu, the smallest of its ports'
 * (1500 without ports); once an mtu was set by hand the kernel never goes
 * back to following its ports (only a new bridge does), so topo sets that
 * value itself (see bridge_follows_ports). 0: unknown, leave it.
 */
static uint32_t link_default_mtu(const struct obs *ob, const struct topo_ns *d, const struct topo_iface *di,
				 int depth)
{
	uint32_t m = 0;

	if (depth > 4)
		return 0;
	if (topo_lt_is(di->type, TOPO_LT_MASTER)) {
		for (size_t i = 0; i < d->n_ifaces; i++) {
			uint32_t p;

			if (strcmp(d->ifaces[i].master, di->name) != 0)
				continue;
			p = link_planned_mtu(ob, d, d->ifaces[i].name, depth);
			if (!p)
				return 0;
			m = !m || p < m ? p : m;
		}
		/* Ports enslaved by someone else count too. */
		for (size_t i = 0; ob->o->exists && i < ob->o->n_ifaces; i++) {
			const struct topo_iface *port = &ob->o->ifaces[i];

			if (strcmp(port->master, di->name) == 0 && !ob->gone[i] && obs_decl(ob, port->name) < 0)
				m = !m || port->mtu < m ? port->mtu : m;
		}
		return m ? m : ETH_DATA_LEN_;
	}
	if (!di->type || !di->type->default_mtu)
		return 0;       /* lo is the kernel's */
	const char *dep = topo_link_depends_on(di);

	if (dep[0]) {
		m = link_planned_mtu(ob, d, dep, depth);
		if (!m)
			return 0;
	}
	return di->type->default_mtu(di, m);
}

/*
 * A bridge whose mtu is the smallest of its ports' (1500 without ports) is
 * left to the kernel, which keeps it so as ports come, go and change: one
 * set by hand (it differs) is set by topo. The kernel does not say which a
 * bridge is; one set by hand to the very value its ports give is found
 * when apply reads the kernel again after its plan.
 */
static bool bridge_follows_ports(const struct obs *ob, const struct topo_iface *o)
{
	uint32_t m = 0;

	for (size_t i = 0; i < ob->o->n_ifaces; i++) {
		const struct topo_iface *port = &ob->o->ifaces[i];

		if (strcmp(port->master, o->name) == 0 && (!m || port->mtu < m))
			m = port->mtu;
	}
	return o->mtu == (m ? m : ETH_DATA_LEN_);
}

static void pass_link_attrs(struct differ *df, struct obs *ob)
{
	const struct topo_ns *d = ob->d;

	if (!d || ob->conflict || ob->pruned)
		return;
	/* vxlans after the other links: the kernel refuses a vxlan an mtu
	 * above its underlay's (less the encapsulation) until that is raised. */
	for (size_t n = 0; n < 2 * d->n_ifaces; n++) {
		const struct topo_iface *di = &d->ifaces[n % d->n_ifaces];
		size_t oi;
		const struct topo_iface *o = obs_iface(ob, di->name, &oi);
		struct link_value old = { 0 }, new = { 0 };

		if (topo_link_depends_on(di)[0] != '\0' && (n < d->n_ifaces))
			continue;
		if (topo_link_depends_on(di)[0] == '\0' && (n >= d->n_ifaces))
			continue;
		if (!o || ob->gone[oi] || !ob->kept[oi])
			continue;
		if (topo_lt_is(di->type, TOPO_LT_KERNEL)) {
			if (ob->all_ours && !o->up) {
				old.flag = false;
				new.flag = true;
				link_set(df, d->name, di, LINK_ATTR_UP, PHASE_UP, &old, &new);
			}
			continue;
		}
		/* A master the plan deletes is already gone (an implicit step says so). */
		const char *cur_master = o->master;
		size_t mi;

		if (cur_master[0] && obs_iface(ob, cur_master, &mi) && ob->gone[mi])
			cur_master = "";
		if (strcmp(cur_master, di->master) != 0) {
			snprintf(old.master, sizeof(old.master), "%s", cur_master);
			snprintf(new.master, sizeof(new.master), "%s", di->master);
			link_set(df, d->name, di, LINK_ATTR_MASTER, PHASE_MASTER, &old, &new);
		}
		/* Without `mtu:`, the kernel's default for a new link of its kind. */
		uint32_t mtu = di->mtu ? di->mtu :
			       topo_lt_is(di->type, TOPO_LT_MASTER) && bridge_follows_ports(ob, o) ? 0 :
			       link_default_mtu(ob, d, di, 0);

		if (mtu && mtu != o->mtu) {
			old = (struct link_value){ .mtu = o->mtu };
			new = (struct link_value){ .mtu = mtu };
			link_set(df, d->name, di, LINK_ATTR_MTU, PHASE_LINK_ATTR, &old, &new);
		}
		/* Without `addr_gen_mode:`, the kernel's; on a link without IPv6
		 * (observed UNSET) there is nothing to set. */
		if (di->addr_gen_mode && o->addr_gen_mode && di->addr_gen_mode != o->addr_gen_mode) {
			old = (struct link_value){ .addr_gen_mode = o->addr_gen_mode };
			new = (struct link_value){ .addr_gen_mode = di->addr_gen_mode };
			link_set(df, d->name, di, LINK_ATTR_ADDR_GEN, PHASE_LINK_ATTR, &old, &new);
		}
		if (di->has_mac && memcmp(di->mac, o->mac, 6) != 0) {
			memset(&old, 0, sizeof(old));
			memset(&new, 0, sizeof(new));
			memcpy(old.mac, o->mac, 6);
			memcpy(new.mac, di->mac, 6);
			link_set(df, d->name, di, LINK_ATTR_MAC, PHASE_LINK_ATTR, &old, &new);
		}
		/* The type's options it declares, one step each (a change the
		 * kernel cannot make was a replace, pass_links_plain). */
		for (size_t k = 0; di->type == o->type && di->type && k < di->type->n_opts; k++) {
			if (!di->opt[k].set || topo_lopt_equal(&di->type->opts[k], &di->opt[k], &o->opt[k]))
				continue;
			old = (struct link_value){ .type = di->type, .opt = (unsigned)k, .val = o->opt[k] };
			new = (struct link_value){ .type = di->type, .opt = (unsigned)k, .val = di->opt[k] };
			link_set(df, d->name, di, LINK_ATTR_OPT, PHASE_LINK_ATTR, &old, &new);
		}
		if (!o->up) {
			old = (struct link_value){ .flag = false };
			new = (struct link_value){ .flag = true };
			link_set(df, d->name, di, LINK_ATTR_UP, PHASE_UP, &old, &new);
		}
		/* Ours but unmarked: created by a run that died before marking it. */
		if (!ob->all_ours && !o->owned) {
			old = (struct link_value){ .flag = false };
			new = (struct link_value){ .flag = true };
			link_set(df, d->name, di, LINK_ATTR_MARK, PHASE_LINK_ATTR, &old, &new);
		}
	}
}

/* --------------------------------------------------------------- sysctls -- */

static const struct topo_sysctl *obs_sysctl(const struct topo_ns *o, const char *key)
{
	for (size_t i = 0; i < o->n_sysctls; i++)
		if (strcmp(o->sysctls[i].key, key) == 0)
			return &o->sysctls[i];
	return NULL;
}

/* net.ipv4.conf.IFNAME.x: a key that exists once the declared IFNAME does. */
static bool sysctl_key_names_iface(const struct topo_ns *d, const char *key)
{
	char name[TOPO_IFNAME_MAX + 1];

	return d && sysctl_key_iface(key, name) && topo_ns_iface_find(d, name) >= 0;
}

/*
 * Where a declared key goes: one naming a declared interface once the link
 * exists (and is up), before its addresses; every other one right after the
 * namespace is created, before any link, as a person at the shell does
 * (a new link copies conf.default.*).
 */
static enum step_phase sysctl_phase(const struct topo_ns *d, const char *key)
{
	return sysctl_key_names_iface(d, key) ? PHASE_SYSCTL_IF : PHASE_SYSCTL_NS;
}

static void sysctl_step(struct differ *df, enum step_phase phase, const char *ns, const char *key,
			const char *value, const char *old, const struct topo_pos *pos, bool implicit)
{
	struct step s = step_new(df, STEP_SYSCTL_SET, phase, ns);

	s.implicit = implicit;
	if (pos)
		s.pos = *pos;
	s.key = xstrdup(df, key);
	s.value = xstrdup(df, value);
	s.old_value = xstrdup(df, old);
	add_step(df, &s);
}

static void pass_sysctl_declared(struct differ *df, struct obs *ob, const struct topo_sysctl *want)
{
	const struct topo_ns *d = ob->d;
	const struct topo_ns *o = ob->o;
	const struct topo_sysctl *have = o->exists ? obs_sysctl(o, want->key) : NULL;
	enum step_phase phase = sysctl_phase(d, want->key);
	const struct state_held *held = topo_state_held_find(df->state, d->name, want->key);

	/* A shared namespace has one value per key: two labs cannot both win. */
	if (held && strcmp(held->value, want->value) != 0) {
		conflict(df, &want->pos, "sysctl %s in namespace %s: topology %s holds it at %s, this file "
			 "wants %s (one value per shared namespace; topo destroy --name %s releases it)",
			 want->key, d->name, held->holder, held->value, want->value, held->holder);
		return;
	}
	if (o->exists && (!have || !have->value)) {
		if (phase == PHASE_SYSCTL_IF) {
			sysctl_step(df, phase, d->name, want->key, want->value, NULL, &want->pos, false);
			return;
		}
		if (strncmp(want->key, "net.bridge.", 11) == 0)
			conflict(df, &want->pos, "sysctl %s does not exist in namespace %s: "
				 "net.bridge.* needs the br_netfilter module (modprobe br_netfilter)",
				 want->key, d->name);
		else
			conflict(df, &want->pos, "sysctl %s does not exist in namespace %s "
				 "(no /proc/sys/%s)", want->key, d->name, want->key);
		return;
	}
	if (have && strcmp(have->value, want->value) == 0)
		return;
	char who[160];

	if (strcmp(want->value, "0") == 0 && owner_sysctl_dependent(&df->own, &ob->sc, want->key, who, sizeof(who)))
		topo_msgs_add(&df->r->warnings, "namespace %s: %s=0 cuts off %s: its containers lose forwarded "
			      "traffic while this topology is applied", d->name, want->key, who);
	sysctl_step(df, phase, d->name, want->key, want->value, have ? have->value : NULL, &want->pos, false);
}

static void pass_sysctl_restore(struct differ *df, struct obs *ob, const struct state_sysctl *rec)
{
	const struct topo_ns *d = ob->d;
	const struct topo_ns *o = ob->o;
	const struct topo_sysctl *have;

	if (strcmp(rec->ns, o->name) != 0 || !o->exists)
		return;
	for (size_t j = 0; d && !ob->pruned && j < d->n_sysctls; j++)
		if (strcmp(d->sysctls[j].key, rec->key) == 0)
			return;   /* still declared */
	/* Another applied topology still wants it: not ours to put back yet
	 * (the last one to leave restores the original). */
	if (topo_state_held_find(df->state, rec->ns, rec->key))
		return;
	have = obs_sysctl(o, rec->key);
	if (!have || !have->value || strcmp(have->value, rec->original) == 0)
		return;
	/* Switching forwarding off under a Docker or CNI network that came
	 * since: the value stays, and the user is told. */
	char who[160];

	if (strcmp(rec->original, "0") == 0 && !(ob->pruned && ob->all_ours) &&
	    owner_sysctl_dependent(&df->own, &ob->sc, rec->key, who, sizeof(who))) {
		topo_msgs_add(&df->r->warnings, "namespace %s: keeping %s=%s (it was %s before topo): %s depends on it",
			      o->name, rec->key, have->value, rec->original, who);
		return;
	}
	/* In a namespace that goes away the value goes with it; the step is
	 * there for a rollback that brings the namespace back. */
	unsigned saved = df->parent;

	if (ob->pruned && ob->all_ours)
		df->parent = ob->del_id;
	sysctl_step(df, PHASE_SYSCTL_RESTORE, o->name, rec->key, rec->original, have->value, NULL,
		    ob->pruned && ob->all_ours);
	df->parent = saved;
}

/*
 * Writing net.ipv4.ip_forward (or conf.all.forwarding) sets every
 * interface's forwarding: those keys go first in their namespace (the
 * phase sort is stable), so a per-interface key declared with them wins.
 */
static void pass_sysctls(struct differ *df, struct obs *ob)
{
	const struct topo_ns *d = ob->d;

	if (ob->conflict)
		return;
	for (int global = 1; global >= 0; global--) {
		for (size_t i = 0; d && !ob->pruned && i < d->n_sysctls; i++)
			if (sysctl_key_is_global_forwarding(d->sysctls[i].key) == (global == 1))
				pass_sysctl_declared(df, ob, &d->sysctls[i]);
		/* Values topo changed earlier and the file no longer declares: put them back. */
		for (size_t i = 0; df->state && i < df->state->n_sysctls; i++)
			if (sysctl_key_is_global_forwarding(df->state->sysctls[i].key) == (global == 1))
				pass_sysctl_restore(df, ob, &df->state->sysctls[i]);
	}
}

/* ---------------------------------------------------- coexist docker_user -- */

/* coexist docker_user acts here: the host of a file that asks for it, with
 * Docker's DOCKER-USER chain present. */
static bool docker_user_effective(const struct differ *df, const struct obs *ob)
{
	return ob->d && !ob->pruned && df->d->coexist_docker_user && ob->o->kind == TOPO_NS_IS_HOST &&
	       ob->o->docker_user_chain;
}

static bool du_wanted(const struct topo_ns *d, const char *ifname)
{
	long i = topo_ns_iface_find(d, ifname);

	return i >= 0 && topo_lt_is(d->ifaces[i].type, TOPO_LT_MASTER);
}

static void du_step(struct differ *df, enum step_op op, const char *ns, const char *ifname, bool out,
		    const struct topo_pos *pos)
{
	struct step s = step_new(df, op, op == STEP_DU_ADD ? PHASE_NFT : PHASE_NFT_DEL, ns);

	snprintf(s.ifname, sizeof(s.ifname), "%s", ifname);
	s.set->new.flag = out;
	if (pos)
		s.pos = *pos;
	add_step(df, &s);
}

/*
 * An accept for each of the host's declared bridges, in and out, in
 * DOCKER-USER; topo's marked rules that the file no longer wants go.
 */
static void pass_docker_user(struct differ *df, struct obs *ob)
{
	const struct topo_ns *d = ob->d, *o = ob->o;
	bool on = docker_user_effective(df, ob);
	bool bridged = false;

	if (ob->conflict || !o->exists)
		return;
	for (size_t i = 0; d && !ob->pruned && i < d->n_ifaces; i++)
		bridged |= topo_lt_is(d->ifaces[i].type, TOPO_LT_MASTER);
	if (d && !ob->pruned && df->d->coexist_docker_user && o->kind == TOPO_NS_IS_HOST && !o->docker_user_chain)
		topo_msgs_add(&df->r->warnings, "coexist docker_user: namespace %s has no chain DOCKER-USER in table "
			      "ip filter (Docker is not running, or not through iptables-nft): no rule added", o->name);
	if (o->iptables_legacy && d && !ob->pruned && (bridged || d->n_nat || d->n_forward))
		topo_msgs_add(&df->r->warnings, "namespace %s: iptables-legacy rules are in use "
			      "(/proc/net/ip_tables_names lists xt tables): topo cannot see them through nftables, "
			      "nor pass a FORWARD drop there (coexist docker_user works with iptables-nft only)", o->name);
	/* Ours no longer wanted. */
	for (size_t i = 0; i < o->n_du_rules; i++) {
		const struct topo_du_rule *h = &o->du_rules[i];

		if (owner_du_rule(&df->own, h) != OWNER_OURS)
			continue;
		if (!on || !du_wanted(d, h->ifname))
			du_step(df, STEP_DU_DEL, o->name, h->ifname, h->out, NULL);
	}
	if (!on)
		return;
	for (size_t i = 0; i < d->n_ifaces; i++) {
		const struct topo_iface *di = &d->ifaces[i];

		if (!topo_lt_is(di->type, TOPO_LT_MASTER))
			continue;
		for (int out = 0; out <= 1; out++) {
			bool have = false;

			for (size_t j = 0; j < o->n_du_rules && !have; j++)
				have = owner_du_rule(&df->own, &o->du_rules[j]) == OWNER_OURS &&
				       strcmp(o->du_rules[j].ifname, di->name) == 0 && o->du_rules[j].out == (out == 1);
			if (!have)
				du_step(df, STEP_DU_ADD, o->name, di->name, out == 1, &df->d->coexist_pos);
		}
	}
}

/* ------------------------------------------------------------------- nft -- */

/*
 * Will the namespace forward IPv4? The kernel asks the interface a packet
 * came in on (its conf.IF.forwarding); net.ipv4.ip_forward and
 * net.ipv4.conf.all.forwarding are one setting that writes every
 * interface's. A file that sets any of them has decided; otherwise the
 * kernel's value tells.
 */
static bool ns_may_forward_v4(const struct topo_ns *d, const struct topo_ns *o)
{
	char ifname[TOPO_IFNAME_MAX + 1];

	for (size_t i = 0; i < d->n_sysctls; i++) {
		const char *key = d->sysctls[i].key;
		size_t n = strlen(key);

		if (sysctl_key_is_global_forwarding(key) && strncmp(key, "net.ipv4.", 9) == 0)
			return true;
		if (strncmp(key, "net.ipv4.conf.", 14) == 0 && n > 11 && strcmp(key + n - 11, ".forwarding") == 0 &&
		    sysctl_key_iface(key, ifname) && strcmp(d->sysctls[i].value, "1") == 0)
			return true;
	}
	for (size_t i = 0; o->exists && i < o->n_sysctls; i++) {
		const struct topo_sysctl *c = &o->sysctls[i];

		if (sysctl_key_is_global_forwarding(c->key) && strncmp(c->key, "net.ipv4.", 9) == 0 && c->value &&
		    strcmp(c->value, "1") == 0)
			return true;
	}
	return false;
}

static void pass_nft(struct differ *df, struct obs *ob)
{
	const struct topo_ns *d = ob->d;
	const struct topo_ns *o = ob->o;
	struct topo_nft_rule *want = NULL, *kept = NULL;
	const struct topo_nft_rule *orules;
	size_t nw = 0, on;
	bool text = d && !ob->pruned && nftx_declared(d);
	int fam;
	char table[TOPO_NAME_MAX + 8];
	struct step s;

	/* A namespace still to be created gets its table too (phase NFT runs
	 * after NETNS_ADD), like its sysctls. */
	if (ob->conflict)
		goto warn;
	if (d && !ob->pruned && nft_render(d, &want, &nw) < 0) {
		df->err = -ENOMEM;
		return;
	}
	nft_table_name(df->d->name, table, sizeof(table));
	/* A port someone else publishes already: taking it over is not ours to do. */
	for (size_t i = 0; d && !ob->pruned && o->exists && i < d->n_nat; i++) {
		const struct topo_published *p = owner_dnat_published(o, &d->nat[i]);
		char who[TOPO_NAME_MAX + 16], ports[16];

		if (!p)
			continue;
		if (p->port_lo == p->port_hi)
			snprintf(ports, sizeof(ports), "%u", p->port_lo);
		else
			snprintf(ports, sizeof(ports), "%u-%u", p->port_lo, p->port_hi);
		conflict(df, &d->nat[i].pos, "dnat in namespace %s: %s port %s is already published by %s "
			 "(table %s chain %s); topo would take it over; choose another port or remove that "
			 "rule; nothing was changed", o->name,
			 p->protocol == IPPROTO_UDP ? "udp" : p->protocol == IPPROTO_TCP ? "tcp" :
			 p->protocol == IPPROTO_SCTP ? "sctp" : "any protocol's", ports,
			 owner_published_by(p, who, sizeof(who)), p->table, p->chain);
	}
	/* A table of our name without our mark is someone else's: never replaced. */
	bool have = owner_nft_present(o) && owner_nft(&df->own, &ob->sc) == OWNER_OURS;

	if ((nw || text) && owner_nft_present(o) && !have) {
		conflict(df, d->n_nat ? &d->nat[0].pos : d->n_forward ? &d->forward[0].pos : &d->nft_text[0].pos,
			 "nft table inet %s in namespace %s exists "
			 "and was not made by topo (its comment lacks the mark " TOPO_ALIAS_PREFIX "%s); rename or remove "
			 "it; nothing was changed", table, o->name, df->d->name);
		nft_rules_free(want, nw);
		goto warn;
	}
	if (text && (fam = owner_nft_text_foreign(o, d)) >= 0) {
		conflict(df, &d->nft_text[fam].pos, "nft table %s %s in namespace %s exists and was not made by topo "
			 "(its comment lacks the mark " TOPO_ALIAS_PREFIX "%s); rename or remove it; nothing was changed",
			 d->nft_text[fam].family, table, o->name, df->d->name);
		nft_rules_free(want, nw);
		goto warn;
	}
	if (nw == 0 && !text) {
		if (have || o->nftx_ours) {
			s = step_new(df, STEP_NFT_DEL, PHASE_NFT_DEL, o->name);
			snprintf(s.table, sizeof(s.table), "%s", table);
			s.nf->nft_had_table = have;
			s.nf->nftx = o->nftx_read;
			add_step(df, &s);
		}
		goto warn;
	}

	/* Same rules in the same order, chain lines included? */
	char *detail = NULL;
	size_t dlen = 0;
	FILE *f = open_memstream(&detail, &dlen);
	/* With nft text, the inet table holds the text's objects too: those
	 * are compared by their listing (nftx_same), the rest here. */
	orules = o->nft_rules;
	on = o->n_nft_rules;
	if (text && on) {
		kept = malloc(on * sizeof(*kept));
		if (!kept) {
			if (f)
				fclose(f);
			free(detail);
			nft_rules_free(want, nw);
			df->err = -ENOMEM;
			return;
		}
		on = 0;
		for (size_t j = 0; j < o->n_nft_rules; j++)
			if (nftx_structured(&o->nft_rules[j]))
				kept[on++] = o->nft_rules[j];
		orules = kept;
	}
	bool same = have && on == nw;

	if (!f) {
		free(kept);
		nft_rules_free(want, nw);
		df->err = -ENOMEM;
		return;
	}
	for (size_t i = 0; same && i < nw; i++)
		same = strcmp(want[i].chain, orules[i].chain) == 0 &&
		       strcmp(want[i].text, orules[i].text) == 0;
	if (!same && have) {
		/* Name what differs: rules missing from the kernel, rules that should not be there. */
		for (size_t i = 0; i < nw; i++) {
			bool found = false;

			for (size_t j = 0; j < on && !found; j++)
				found = strcmp(want[i].chain, orules[j].chain) == 0 &&
					strcmp(want[i].text, orules[j].text) == 0;
			if (!found)
				fprintf(f, "missing in chain %s: %s\n", want[i].chain, want[i].text);
		}
		for (size_t j = 0; j < on; j++) {
			bool found = false;

			for (size_t i = 0; i < nw && !found; i++)
				found = strcmp(want[i].chain, orules[j].chain) == 0 &&
					strcmp(want[i].text, orules[j].text) == 0;
			if (!found)
				fprintf(f, "unexpected in chain %s: %s\n", orules[j].chain, orules[j].text);
		}
		if (ftell(f) == 0)
			fprintf(f, "rules in another order\n");
	}
	/* The text: only once the table is ours (a new table loads it anyway). */
	if (have && !nftx_same(text ? d : NULL, o, f))
		same = false;
	fclose(f);
	if (!same) {
		s = step_new(df, STEP_NFT_SET, PHASE_NFT, o->name);
		snprintf(s.table, sizeof(s.table), "%s", table);
		s.nf->nft_desired = d;
		s.nf->nft_had_table = have;
		s.nf->nftx = text || o->nftx_read;
		if (d->n_nat)
			s.pos = d->nat[0].pos;
		else if (d->n_forward)
			s.pos = d->forward[0].pos;
		else if (text)
			s.pos = d->nft_text[0].pos;
		s.detail = detail && detail[0] ? detail : NULL;
		if (!s.detail)
			free(detail);
		add_step(df, &s);
	} else {
		free(detail);
	}
	free(kept);
	nft_rules_free(want, nw);
warn:
	if (d && !ob->pruned && (d->n_nat || d->n_forward) && !ns_may_forward_v4(d, o)) {
		const struct topo_sysctl *fwd = o->exists ? obs_sysctl(o, "net.ipv4.ip_forward") : NULL;

		topo_msgs_add(&df->r->warnings,
			      "namespace %s has nat/forward rules but net.ipv4.ip_forward is %s and the file "
			      "does not set it (nor net.ipv4.conf.all.forwarding, nor an interface's forwarding): "
			      "forwarded and NATed traffic will not pass (add sysctls: {net.ipv4.ip_forward: 1})",
			      o->name, fwd && fwd->value ? fwd->value : "0");
	}
	/* Bridged traffic: with br_netfilter calling the ip hooks, a foreign
	 * forward chain that drops drops it too. */
	const char *bridge = NULL;

	for (size_t i = 0; d && !ob->pruned && i < d->n_ifaces && !bridge; i++)
		if (topo_lt_is(d->ifaces[i].type, TOPO_LT_MASTER))
			bridge = d->ifaces[i].name;
	const struct topo_sysctl *brnf = bridge && o->exists ? obs_sysctl(o, "net.bridge.bridge-nf-call-iptables") : NULL;

	/* Docker's filter table is passed by coexist docker_user: its drop is not in the way. */
	bool passed = docker_user_effective(df, ob);

	if (bridge && brnf && brnf->value && strcmp(brnf->value, "1") == 0)
		for (size_t i = 0; i < o->n_nft_foreign_drop && !(passed && strcmp(o->nft_foreign_drop[i],
										       "table ip filter chain FORWARD") == 0); i++)
			topo_msgs_add(&df->r->warnings,
				      "namespace %s: traffic bridged on %s goes through the ip hooks "
				      "(net.bridge.bridge-nf-call-iptables=1) and %s drops forwarded packets by default",
				      o->name, bridge, o->nft_foreign_drop[i]);
	if (o->nft_docker && d && !ob->pruned && (bridge || d->n_nat || d->n_forward) && !passed)
		topo_msgs_add(&df->r->warnings,
			      "namespace %s: Docker's iptables chains are present; Docker sets the FORWARD policy "
			      "to drop, which topo's accept rules do not override (coexist: {docker_user: true} "
			      "adds accepts for the host's bridges to Docker's DOCKER-USER chain)", o->name);
	if (d && !ob->pruned && (d->n_nat || d->n_forward))
		for (size_t i = 0; i < o->n_nft_foreign_drop && !(passed && strcmp(o->nft_foreign_drop[i],
										       "table ip filter chain FORWARD") == 0); i++)
			topo_msgs_add(&df->r->warnings,
				      "namespace %s: %s drops forwarded packets by default; an accept in topo's "
				      "forward chain does not override another table's drop", o->name,
				      o->nft_foreign_drop[i]);
}

/* ------------------------------------------------------------ namespaces -- */

/* Taking over a namespace made by hand: its lo gets our mark. */
static void adopt_namespace(struct differ *df, const struct topo_ns *d)
{
	struct step s = step_new(df, STEP_LINK_SET, PHASE_LINK_ATTR, d->name);

	s.pos = d->pos;
	s.attr = LINK_ATTR_MARK;
	s.note = "adopt";
	snprintf(s.ifname, sizeof(s.ifname), "lo");
	s.set->old.flag = false;
	s.set->new.flag = true;
	add_step(df, &s);
}

static void pass_namespaces_classify(struct differ *df)
{
	for (size_t i = 0; i < df->o->n_ns; i++) {
		struct obs *ob = &df->obs[i];
		const struct topo_ns *o = ob->o;
		const struct topo_ns *d = ob->d;
		enum owner_verdict v = ob->sc.ns;

		ob->all_ours = ob->sc.all_ours;
		if (d && d->kind == TOPO_NS_CREATED) {
			/* Something that is not a namespace holds the name (the
			 * backend says what): not ours to replace. */
			if (!o->exists && o->absent) {
				conflict(df, &d->pos, "namespace %s: %s; nothing was changed", d->name, o->absent);
				ob->conflict = true;
				continue;
			}
			if (v == OWNER_ADOPTABLE) {
				adopt_namespace(df, d);
				ob->adopting = true;
			} else if (v == OWNER_OTHER) {
				conflict(df, &d->pos, "namespace %s exists (/run/netns/%s) and was not created by "
					 "topology '%s': it belongs to topology '%s'; nothing was changed", d->name, d->name,
					 df->d->name, owner_ns_other(&df->own, o));
				ob->conflict = true;
			} else if (v != OWNER_OURS && df->own.adopt && owner_ns_runtime(o)) {
				conflict(df, &d->pos, "namespace %s (/run/netns/%s) is %s's: --adopt never takes "
					 "over a container runtime's namespace (attach to it by path: instead); nothing "
					 "was changed", d->name, d->name, owner_ns_runtime(o));
				ob->conflict = true;
			} else if (v != OWNER_OURS) {
				conflict(df, &d->pos, "namespace %s exists (/run/netns/%s) and was not created by "
					 "topology '%s'; nothing was changed", d->name, d->name, df->d->name);
				ob->conflict = true;
			}
		} else if (d) {
			if (!o->exists) {
				conflict(df, &d->pos, "namespace %s: %s; nothing was changed", d->name,
					 o->absent ? o->absent :
					 d->kind == TOPO_NS_PATH || d->kind == TOPO_NS_DOCKER ?
					 "its path is not a network namespace" :
					 d->kind == TOPO_NS_PID ? "no such process" : "not found");
				ob->conflict = true;
			} else if (v == OWNER_FOREIGN) {
				char how[300];

				if (d->kind == TOPO_NS_DOCKER)
					snprintf(how, sizeof(how), "container %s", d->docker ? d->docker : "?");
				else if (d->kind == TOPO_NS_PATH)
					snprintf(how, sizeof(how), "path %s", d->path);
				else
					snprintf(how, sizeof(how), "pid %d", d->pid);
				conflict(df, &d->pos, "namespace %s (%s) is the namespace topo runs in, not another one: "
					 "declare its interfaces and routes under host; nothing was changed", d->name, how);
				ob->conflict = true;
			}
		} else if (o->kind == TOPO_NS_CREATED) {
			/* In scope but not declared: ours to remove if we made it. */
			if (o->exists && v == OWNER_OURS) {
				ob->pruned = true;
				ob->del_id = ++df->ids;
			} else {
				ob->conflict = true;   /* nothing of ours in it */
			}
		} else if (v == OWNER_FOREIGN) {
			ob->conflict = true;           /* recorded as attached, but it is host */
		}
	}
}

static bool ns_uses_ipv6(const struct topo_ns *d)
{
	for (size_t i = 0; i < d->n_ifaces; i++)
		for (size_t a = 0; a < d->ifaces[i].n_addrs; a++)
			if (d->ifaces[i].addrs[a].ip.family == AF_INET6)
				return true;
	for (size_t i = 0; i < d->n_routes; i++)
		if (d->routes[i].dst.family == AF_INET6)
			return true;
	return false;
}

static void pass_namespaces_steps(struct differ *df)
{
	/* Creation, in file order. */
	for (size_t i = 0; i < df->d->n_ns; i++) {
		const struct topo_ns *d = &df->d->ns[i];
		struct obs *ob = obs_find(df, d->name);
		struct step s;

		if (d->kind != TOPO_NS_CREATED || (ob && ob->o->exists))
			continue;
		s = step_new(df, STEP_NETNS_ADD, PHASE_NETNS_ADD, d->name);
		s.pos = d->pos;
		s.netns_ipv6 = ns_uses_ipv6(d);
		add_step(df, &s);
	}
	for (size_t i = 0; i < df->o->n_ns; i++) {
		struct obs *ob = &df->obs[i];
		struct step s;

		if (!ob->pruned)
			continue;
		s = step_new(df, STEP_NETNS_DEL, PHASE_NETNS_DEL, ob->o->name);
		s.id = ob->del_id;
		s.waits = ob->waits;
		s.n_waits = ob->n_waits;
		ob->waits = NULL;
		ob->n_waits = 0;
		add_step(df, &s);
	}
}

/* ---------------------------------------------------------------- adopt -- */

static bool link_adopted(struct differ *df, const char *ns, const char *name)
{
	const struct obs *ob = obs_find(df, ns);
	long i = ob && name[0] ? owner_scope_iface(&ob->sc, name) : -1;

	return i >= 0 && ob->adopted[i];
}

/*
 * --adopt marks objects in place and nothing more: a plan that would delete
 * or replace something it takes over (a veth whose peer is elsewhere, a
 * link of another kind), or anything in a namespace it takes over, is
 * refused, naming the object.
 */
static void pass_adopt_refusals(struct differ *df)
{
	const struct plan *p = &df->r->plan;

	for (size_t i = 0; df->adopt && i < p->n; i++) {
		const struct step *st = &p->steps[i];
		const struct obs *ob = obs_find(df, st->ns);
		bool refuse = false;
		char line[256];

		if (st->implicit || !ob)
			continue;
		switch (st->op) {
		case STEP_LINK_DEL:
			refuse = ob->adopting || link_adopted(df, st->ns, st->lk->link.name) ||
				 (st->lk->peer_ns[0] && link_adopted(df, st->lk->peer_ns, st->lk->peer.name));
			break;
		case STEP_ADDR_DEL:
			refuse = ob->adopting || link_adopted(df, st->ns, st->ifname);
			break;
		case STEP_ROUTE_DEL:
		case STEP_ROUTE_REPLACE:
		case STEP_NFT_DEL:
			refuse = ob->adopting;
			break;
		case STEP_NFT_SET:
			refuse = ob->adopting && st->nf->nft_had_table;
			break;
		default:
			break;
		}
		if (!refuse)
			continue;
		step_format(st, line, sizeof(line));
		conflict(df, &st->pos, "apply --adopt would have to %s `%s`%s%s%s in namespace %s, which it takes over: "
			 "--adopt only marks objects in place; change or remove it by hand; nothing was changed",
			 st->op == STEP_ROUTE_REPLACE || st->op == STEP_NFT_SET ? "replace" : "delete", line,
			 st->note ? " (" : "", st->note ? st->note : "", st->note ? ")" : "", st->ns);
	}
}

/*
 * The bridges link_create made down come up as late as they can: after
 * every port is attached and up (PHASE_UP gives the ports their carrier;
 * the addresses between let the kernel's linkwatch catch up), before the
 * routes (a route via a bridge needs it up). The last phase before
 * PHASE_ROUTE_ADD is PHASE_ADDR_DEL. Addresses wait on a down bridge and its
 * prefix routes come with IFF_UP: the end state is the same.
 */
static void pass_bridges_up(struct differ *df)
{
	for (size_t i = 0; i < df->n_bridges_down && !df->err; i++) {
		const struct step *add = &df->r->plan.steps[df->bridges_down[i]];

		created_link_up(df, PHASE_ADDR_DEL, add->ns, add->lk->link.name);
	}
}

/* ----------------------------------------------------------------- entry -- */

struct sort_item {
	enum step_phase phase;
	size_t idx;
};

/* qsort is not stable: order by (phase, position in the plan). */
static int sort_item_cmp(const void *a, const void *b)
{
	const struct sort_item *x = a, *y = b;

	if (x->phase != y->phase)
		return x->phase < y->phase ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Sorts the plan by phase in place: the steps move along the cycles of the
 * permutation, one held aside at a time (a copy of the whole plan would
 * double its memory for a moment). */
static int plan_sort(struct plan *p)
{
	struct sort_item *tmp;

	if (p->n < 2)
		return 0;
	tmp = malloc(p->n * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++) {
		tmp[i].phase = p->steps[i].phase;
		tmp[i].idx = i;
	}
	qsort(tmp, p->n, sizeof(*tmp), sort_item_cmp);
	/* Position i takes the step at tmp[i].idx; SIZE_MAX marks a done one. */
	for (size_t i = 0; i < p->n; i++) {
		struct step held;
		size_t at = i;

		if (tmp[i].idx == SIZE_MAX || tmp[i].idx == i) {
			tmp[i].idx = SIZE_MAX;
			continue;
		}
		held = p->steps[i];
		for (;;) {
			size_t from = tmp[at].idx;

			tmp[at].idx = SIZE_MAX;
			if (from == i) {
				p->steps[at] = held;
				break;
			}
			p->steps[at] = p->steps[from];
			at = from;
		}
	}
	free(tmp);
	return 0;
}

static int obs_init(const struct differ *df, struct obs *ob, const struct topo_ns *o, const struct topo_ns *d)
{
	size_t n_addr = 0;

	memset(ob, 0, sizeof(*ob));
	ob->o = o;
	ob->d = d;
	if (owner_scope_init(&ob->sc, &df->own, o, d) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < o->n_ifaces; i++)
		n_addr += o->ifaces[i].n_addrs;
	/* One allocation for the namespace's marks (thousands of namespaces,
	 * nine small arrays each), each array one longer than its objects. */
	size_t n_ifs = o->n_ifaces + 1, n_bools = 3 * n_ifs + o->n_routes + 1 + n_addr + 1;
	bool *b;

	for (size_t k = 0; k < topo_n_kinds; k++)
		n_bools += o->objs[k].n + 1;
	ob->marks = calloc(1, n_ifs * sizeof(size_t) + n_bools * sizeof(bool));
	if (!ob->marks)
		return -ENOMEM;
	ob->addr_off = ob->marks;
	b = (bool *)(ob->addr_off + n_ifs);
	ob->gone = b;
	ob->kept = b += n_ifs;
	ob->adopted = b += n_ifs;
	ob->route_done = b += n_ifs;
	ob->addr_done = b += o->n_routes + 1;
	b += n_addr + 1;
	for (size_t k = 0; k < topo_n_kinds; k++) {
		ob->obj_done[k] = b;
		b += o->objs[k].n + 1;
	}
	ob->sc.adopted = ob->adopted;
	for (size_t i = 0; d && d->n_ifaces >= OWNER_IFMAP_MIN && i < d->n_ifaces; i++)
		if (strmap_put(&ob->difmap, d->ifaces[i].name, i) == -ENOMEM)
			return -ENOMEM;
	n_addr = 0;
	for (size_t i = 0; i < o->n_ifaces; i++) {
		ob->addr_off[i] = n_addr;
		n_addr += o->ifaces[i].n_addrs;
	}
	return 0;
}

static void obs_free(struct obs *ob)
{
	owner_scope_free(&ob->sc);
	strmap_free(&ob->difmap);
	free(ob->marks);
	free(ob->waits);
}

int topo_diff(const struct topology *desired, const struct topology *observed,
	      const struct topo_state *state, struct diff_result *ret)
{
	return topo_diff_opts(desired, observed, state, NULL, ret);
}

int topo_diff_opts(const struct topology *desired, const struct topology *observed,
		   const struct topo_state *state, const struct diff_opts *opts, struct diff_result *ret)
{
	struct differ df = { .d = desired, .o = observed, .state = state, .r = ret, .adopt = opts && opts->adopt };
	struct topo_ns *empty = NULL;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	if (owner_ctx_init(&df.own, desired, state, opts ? opts->others : NULL, opts ? opts->n_others : 0,
			   df.adopt) < 0)
		return -ENOMEM;
	df.obs = calloc(observed->n_ns + 1, sizeof(*df.obs));
	if (!df.obs) {
		owner_ctx_free(&df.own);
		return -ENOMEM;
	}
	for (size_t i = 0; i < desired->n_ns; i++)
		if (strmap_put(&df.d_ns, desired->ns[i].name, i) == -ENOMEM)
			df.err = -ENOMEM;
	for (size_t i = 0; i < observed->n_ns && !df.err; i++) {
		if (strmap_put(&df.o_ns, observed->ns[i].name, i) == -ENOMEM ||
		    obs_init(&df, &df.obs[i], &observed->ns[i], desired_ns(&df, observed->ns[i].name)) < 0)
			df.err = -ENOMEM;
	}
	/* A declared namespace the backend did not report is one that does not exist. */
	for (size_t i = 0; i < desired->n_ns && !df.err; i++) {
		if (obs_find(&df, desired->ns[i].name))
			continue;
		conflict(&df, &desired->ns[i].pos, "namespace %s was not observed (internal error)",
			 desired->ns[i].name);
	}
	if (df.err)
		goto out;

	pass_namespaces_classify(&df);
	for (size_t i = 0; i < observed->n_ns; i++)
		if (!df.obs[i].conflict)
			pass_links_plain(&df, &df.obs[i]);
	pass_links_veth(&df);
	for (size_t i = 0; i < observed->n_ns; i++)
		if (!df.obs[i].conflict)
			pass_links_dep_create(&df, &df.obs[i]);
	for (size_t i = 0; i < observed->n_ns; i++)
		pass_links_prune(&df, &df.obs[i]);
	for (size_t i = 0; i < observed->n_ns; i++) {
		pass_pruned_leftovers(&df, &df.obs[i]);
		pass_addrs(&df, &df.obs[i]);
		pass_kinds(&df, &df.obs[i]);
		pass_routes(&df, &df.obs[i]);
		pass_absent(&df, &df.obs[i]);
		pass_shaping(&df, &df.obs[i]);
		pass_fdb(&df, &df.obs[i]);
		pass_link_attrs(&df, &df.obs[i]);
		pass_sysctls(&df, &df.obs[i]);
		pass_nft(&df, &df.obs[i]);
		pass_docker_user(&df, &df.obs[i]);
	}
	pass_namespaces_steps(&df);
	pass_bridges_up(&df);
	pass_adopt_refusals(&df);
	plan_trim(&ret->plan);   /* it lives through the run (the journal): no slack */
	if (!df.err)
		df.err = plan_sort(&ret->plan);
out:
	r = df.err;
	free(df.bridges_down);
	for (size_t i = 0; i < observed->n_ns; i++)
		obs_free(&df.obs[i]);
	free(df.obs);
	free(empty);
	strmap_free(&df.o_ns);
	strmap_free(&df.d_ns);
	owner_ctx_free(&df.own);
	if (r < 0)
		diff_result_free(ret);
	return r;
}

void diff_result_free(struct diff_result *r)
{
	plan_free(&r->plan);
	topo_msgs_free(&r->conflicts);
	topo_msgs_free(&r->warnings);
}
