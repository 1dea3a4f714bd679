// SPDX-License-Identifier: MIT
#include "reconcile/plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/ip.h"
#include "model/linktype.h"
#include "model/json.h"
#include "model/names.h"
#include "model/strbuf.h"
#include "model/strmap.h"
#include "model/route.h"
#include "model/shape.h"
#include "model/strmap.h"

int plan_append(struct plan *p, const struct step *s)
{
	if (p->n == p->cap) {
		size_t cap = p->cap < 16 ? 16 : p->cap * 2;
		struct step *v;

		if (cap > SIZE_MAX / sizeof(*v))
			return -ENOMEM;
		v = realloc(p->steps, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		p->steps = v;
		p->cap = cap;
	}
	p->steps[p->n++] = *s;
	return 0;
}

void plan_trim(struct plan *p)
{
	struct step *v;

	if (p->n == p->cap || p->n == 0)
		return;
	v = realloc(p->steps, p->n * sizeof(*v));
	if (v) {                /* else it stays as it was, which is as good */
		p->steps = v;
		p->cap = p->n;
	}
}

size_t step_body_size(enum step_op op)
{
	switch (op) {
	case STEP_LINK_ADD:
	case STEP_LINK_DEL:
		return sizeof(struct step_link);
	case STEP_ROUTE_ADD:
	case STEP_ROUTE_DEL:
		return sizeof(struct step_route);
	case STEP_ROUTE_REPLACE:
		return sizeof(struct step_route) + sizeof(struct topo_route);
	case STEP_OBJ_ADD:
	case STEP_OBJ_DEL:
		return sizeof(struct step_obj);
	case STEP_OBJ_REPLACE:
		return sizeof(struct step_obj) + sizeof(union topo_obj_buf);
	case STEP_LINK_SET:
	case STEP_DU_ADD:
	case STEP_DU_DEL:
		return sizeof(struct step_set);
	case STEP_NFT_SET:
	case STEP_NFT_DEL:
	case STEP_NFT_RESTORE:
		return sizeof(struct step_nft);
	default:
		return 0;
	}
}

int step_body_new(struct step *s)
{
	size_t n = step_body_size(s->op);

	if (!n)
		return 0;
	s->body = calloc(1, n);
	return s->body ? 0 : -ENOMEM;
}

void step_body_clear(struct step *s)
{
	if (!s->body)
		return;
	switch (s->op) {
	case STEP_ROUTE_REPLACE:
		topo_route_clear(&s->rt->old_route[0]);
		/* fall through */
	case STEP_ROUTE_ADD:
	case STEP_ROUTE_DEL:
		topo_route_clear(&s->rt->route);
		break;
	case STEP_LINK_ADD:
	case STEP_LINK_DEL:
		topo_iface_clear(&s->lk->link);
		topo_iface_clear(&s->lk->peer);
		break;
	case STEP_NFT_SET:
	case STEP_NFT_DEL:
	case STEP_NFT_RESTORE:
		free(s->nf->nft_saved);
		free(s->nf->nftx_saved);
		s->nf->nft_saved = NULL;
		s->nf->nft_saved_len = 0;
		s->nf->nftx_saved = NULL;
		break;
	default:
		break;
	}
}

/* The pointers in the step's union are its op's (struct step). */
static void step_union_clear(struct step *s)
{
	if (s->op == STEP_SYSCTL_SET) {
		free(s->key);
		free(s->value);
		free(s->old_value);
		s->key = s->value = s->old_value = NULL;
	} else if (s->op == STEP_NETNS_DEL) {
		free(s->waits);
		s->waits = NULL;
		s->n_waits = 0;
	}
}

void step_free(struct step *s)
{
	step_body_clear(s);
	free(s->body);
	s->body = NULL;
	step_union_clear(s);
	free(s->detail);
	s->detail = NULL;
}

void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		step_free(&p->steps[i]);
	free(p->steps);
	memset(p, 0, sizeof(*p));
}

static int dup_or_null(const char *s, char **ret)
{
	*ret = NULL;
	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

static bool op_is_nft(enum step_op op)
{
	return op == STEP_NFT_SET || op == STEP_NFT_DEL || op == STEP_NFT_RESTORE;
}

int step_invert(const struct step *s, struct step *ret)
{
	struct step v = *s;

	/* Fresh copies of what the inverse owns (the union's pointers are
	 * those of s's op; the inverse's op is of the same kind, or NETNS_ADD,
	 * which carries nothing there; the body's, below). */
	if (s->op == STEP_SYSCTL_SET) {
		v.key = v.value = v.old_value = NULL;
	} else if (s->op == STEP_NETNS_DEL) {
		v.waits = NULL;
		v.n_waits = 0;
	}
	v.detail = NULL;
	v.body = NULL;
	v.implicit = false;
	v.follows_add = false;
	v.peer_followups = false;
	v.note = "rollback";

	switch (s->op) {
	case STEP_NETNS_ADD: v.op = STEP_NETNS_DEL; break;
	case STEP_NETNS_DEL:
		v.op = STEP_NETNS_ADD;
		v.netns_ipv6 = true;   /* what it held is not known here; a rollback can afford it */
		break;
	case STEP_LINK_ADD: v.op = STEP_LINK_DEL; break;
	case STEP_LINK_DEL:
		v.op = STEP_LINK_ADD;
		v.peer_followups = true;
		break;
	case STEP_LINK_SET:
		/* A new link's mode goes with the link. */
		if (s->attr == LINK_ATTR_ADDR_GEN && !s->set->old.addr_gen_mode)
			return 1;
		break;    /* the values swap with the body, below */
	case STEP_ADDR_ADD: v.op = STEP_ADDR_DEL; break;
	case STEP_ADDR_DEL: v.op = STEP_ADDR_ADD; break;
	case STEP_FDB_ADD: v.op = STEP_FDB_DEL; break;
	case STEP_FDB_DEL: v.op = STEP_FDB_ADD; break;
	case STEP_ROUTE_ADD: v.op = STEP_ROUTE_DEL; break;
	case STEP_ROUTE_DEL: v.op = STEP_ROUTE_ADD; break;
	case STEP_ROUTE_REPLACE:
		break;
	case STEP_SYSCTL_SET:
		if (!s->old_value)
			return 1;   /* never written */
		if (dup_or_null(s->key, &v.key) < 0 || dup_or_null(s->old_value, &v.value) < 0 ||
		    dup_or_null(s->value, &v.old_value) < 0)
			goto oom;
		break;
	case STEP_NFT_SET:
	case STEP_NFT_DEL:
		/* Other families' tables it replaced come back with a restore
		 * (which, with no inet table saved, deletes that one); what it
		 * saved is copied with the body, below. */
		if (!s->nf->nft_had_table && !s->nf->nftx_saved) {
			if (s->op == STEP_NFT_DEL)
				return 1;
			v.op = STEP_NFT_DEL;
			break;
		}
		v.op = STEP_NFT_RESTORE;
		break;
	case STEP_NFT_RESTORE:
		return 1;
	case STEP_OBJ_ADD: v.op = STEP_OBJ_DEL; break;
	case STEP_OBJ_DEL: v.op = STEP_OBJ_ADD; break;
	case STEP_OBJ_REPLACE:
		break;
	case STEP_DU_ADD: v.op = STEP_DU_DEL; break;
	case STEP_DU_DEL: v.op = STEP_DU_ADD; break;
	}
	/* The inverse's own copy of the body (an inverse op carries the same
	 * set as its op), the replaces' two halves swapped. */
	if (s->body) {
		size_t n = step_body_size(s->op);

		if (!(v.body = malloc(n)))
			goto oom;
		memcpy(v.body, s->body, n);
		if (op_is_nft(v.op)) {
			/* Its own copies of what was saved (the inet table's only
			 * for a restore); none of s's before one is made. */
			size_t len = v.op == STEP_NFT_RESTORE ? s->nf->nft_saved_len : 0;

			v.nf->nft_saved = NULL;
			v.nf->nft_saved_len = 0;
			v.nf->nftx_saved = NULL;
			if (s->nf->nftx_saved && !(v.nf->nftx_saved = strdup(s->nf->nftx_saved)))
				goto oom;
			if (len && !(v.nf->nft_saved = malloc(len)))
				goto oom;
			if (len) {
				memcpy(v.nf->nft_saved, s->nf->nft_saved, len);
				v.nf->nft_saved_len = len;
			}
		} else if (v.op == STEP_LINK_ADD || v.op == STEP_LINK_DEL) {
			v.lk->link.opt = v.lk->peer.opt = NULL;   /* its own options, below */
			if (topo_iface_copy_link(&v.lk->link, &s->lk->link) < 0 ||
			    topo_iface_copy_link(&v.lk->peer, &s->lk->peer) < 0)
				goto oom;
		} else if (v.op == STEP_ROUTE_ADD || v.op == STEP_ROUTE_DEL) {
			v.rt->route.nh = NULL;      /* its own paths, below */
			v.rt->route.n_nh = 0;
			if (topo_route_copy(&v.rt->route, &s->rt->route) < 0)
				goto oom;
		} else if (v.op == STEP_ROUTE_REPLACE) {
			v.rt->route.nh = v.rt->old_route[0].nh = NULL;
			v.rt->route.n_nh = v.rt->old_route[0].n_nh = 0;
			if (topo_route_copy(&v.rt->route, &s->rt->old_route[0]) < 0 ||
			    topo_route_copy(&v.rt->old_route[0], &s->rt->route) < 0)
				goto oom;
		} else if (v.op == STEP_OBJ_REPLACE) {
			v.ob->obj = s->ob->old_obj[0];
			v.ob->old_obj[0] = s->ob->obj;
		} else if (v.op == STEP_LINK_SET) {
			v.set->old = s->set->new;
			v.set->new = s->set->old;
		}
	}
	*ret = v;
	return 0;
oom:
	step_free(&v);
	return -ENOMEM;
}

bool sysctl_key_is_global_forwarding(const char *key)
{
	return strcmp(key, "net.ipv4.ip_forward") == 0 || strcmp(key, "net.ipv4.conf.all.forwarding") == 0 ||
	       strcmp(key, "net.ipv6.conf.all.forwarding") == 0;
}

bool sysctl_key_iface(const char *key, char *ifname)
{
	return topo_sysctl_key_iface(key, ifname);
}

static void touch(const struct strmap *index, const char *ns, bool *ret)
{
	size_t i;

	if (ns[0] && strmap_get(index, ns, &i) == 0)
		ret[i] = true;
}

int plan_touches(const struct plan *p, const struct topology *t, bool *ret)
{
	struct strmap index = { 0 };

	for (size_t i = 0; i < t->n_ns; i++) {
		ret[i] = false;
		if (strmap_put(&index, t->ns[i].name, i) == -ENOMEM) {
			strmap_free(&index);
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct step *st = &p->steps[i];

		touch(&index, st->ns, ret);
		if ((st->op == STEP_LINK_ADD || st->op == STEP_LINK_DEL) && st->lk) {
			touch(&index, st->lk->peer_ns, ret);
			touch(&index, topo_iface_link_ns(&st->lk->link), ret);
		}
		for (size_t k = 0; st->op == STEP_NETNS_DEL && k < st->n_waits; k++)
			touch(&index, st->waits[k].ns, ret);
	}
	strmap_free(&index);
	return 0;
}

static bool ns_dying(const struct strmap *dying, const char *ns)
{
	size_t i;

	return ns[0] && strmap_get(dying, ns, &i) == 0;
}

/* Is link NAME in NS one that goes with a dying namespace (a veth's end)? */
static bool link_dying(const struct plan *p, const char *ns, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		for (size_t k = 0; p->steps[i].op == STEP_NETNS_DEL && k < p->steps[i].n_waits; k++)
			if (strcmp(p->steps[i].waits[k].ns, ns) == 0 && strcmp(p->steps[i].waits[k].name, name) == 0)
				return true;
	return false;
}

/* May s run after the namespace deletions? Only what cannot depend on them. */
static bool after_namespaces(const struct plan *p, const struct strmap *dying, const struct step *s)
{
	char ifname[TOPO_IFNAME_MAX + 1];

	bool link_op = (s->op == STEP_LINK_ADD || s->op == STEP_LINK_DEL) && s->lk;

	if (ns_dying(dying, s->ns) || (link_op && ns_dying(dying, s->lk->peer_ns)))
		return false;
	switch (s->op) {
	case STEP_NFT_DEL:
		return true;
	case STEP_SYSCTL_SET:
		return s->key && !sysctl_key_iface(s->key, ifname);
	case STEP_LINK_DEL:
		return link_op && !link_dying(p, s->ns, s->lk->link.name) &&
		       !(s->lk->peer.name[0] && link_dying(p, s->lk->peer_ns, s->lk->peer.name));
	default:
		return false;
	}
}

int plan_namespaces_first(struct plan *p)
{
	struct strmap dying = { 0 };
	size_t *from = NULL;            /* from[j]: the old index of the step going to j */
	bool *late = NULL, *late_id = NULL, *done = NULL;
	unsigned max_id = 0;
	size_t n = 0, n_dying = 0;
	int r = 0;

	for (size_t i = 0; i < p->n; i++) {
		if (p->steps[i].id > max_id)
			max_id = p->steps[i].id;
		if (p->steps[i].op != STEP_NETNS_DEL)
			continue;
		n_dying++;
		if (strmap_put(&dying, p->steps[i].ns, i) == -ENOMEM)
			r = -ENOMEM;
	}
	if (r || n_dying == 0)
		goto out;
	from = malloc(p->n * sizeof(*from));
	late = calloc(p->n, sizeof(*late));
	done = calloc(p->n, sizeof(*done));
	late_id = calloc((size_t)max_id + 1, sizeof(*late_id));
	if (!from || !late || !done || !late_id) {
		r = -ENOMEM;
		goto out;
	}
	/* Implicit steps go where the step that causes them goes. */
	for (size_t i = 0; i < p->n; i++)
		if (!p->steps[i].implicit && after_namespaces(p, &dying, &p->steps[i]))
			late[i] = late_id[p->steps[i].id] = true;
	for (size_t i = 0; i < p->n; i++)
		if (p->steps[i].implicit && p->steps[i].parent <= max_id && late_id[p->steps[i].parent])
			late[i] = true;
	for (size_t i = 0; i < p->n; i++)
		if (!late[i])
			from[n++] = i;
	for (size_t i = 0; i < p->n; i++)
		if (late[i])
			from[n++] = i;
	/* In place, cycle by cycle: a copy of the whole plan (a step is large)
	 * would be most of a big destroy's memory for a moment. */
	for (size_t i = 0; i < p->n; i++) {
		struct step keep;
		size_t j = i;

		if (done[i] || from[i] == i)
			continue;
		keep = p->steps[i];
		while (from[j] != i) {
			p->steps[j] = p->steps[from[j]];
			done[j] = true;
			j = from[j];
		}
		p->steps[j] = keep;
		done[j] = true;
	}
out:
	free(from);
	free(late);
	free(done);
	free(late_id);
	strmap_free(&dying);
	return r;
}

struct plan_counts plan_count(const struct plan *p)
{
	struct plan_counts c = { 0, 0, 0 };

	for (size_t i = 0; i < p->n; i++) {
		const struct step *s = &p->steps[i];

		if (s->implicit || s->follows_add)
			continue;
		switch (s->op) {
		case STEP_NETNS_ADD:
		case STEP_LINK_ADD:
		case STEP_ADDR_ADD:
		case STEP_ROUTE_ADD:
		case STEP_OBJ_ADD:
		case STEP_DU_ADD:
		case STEP_FDB_ADD:
			c.add++;
			break;
		case STEP_NFT_SET:
			if (s->nf->nft_had_table)
				c.change++;
			else
				c.add++;
			break;
		case STEP_LINK_SET:
		case STEP_ROUTE_REPLACE:
		case STEP_SYSCTL_SET:
		case STEP_NFT_RESTORE:
		case STEP_OBJ_REPLACE:
			c.change++;
			break;
		case STEP_NETNS_DEL:
		case STEP_LINK_DEL:
		case STEP_ADDR_DEL:
		case STEP_ROUTE_DEL:
		case STEP_NFT_DEL:
		case STEP_OBJ_DEL:
		case STEP_DU_DEL:
		case STEP_FDB_DEL:
			c.remove++;
			break;
		}
	}
	return c;
}

const char *step_op_name(enum step_op op)
{
	static const char *const names[] = {
		[STEP_NETNS_ADD] = "netns_add", [STEP_NETNS_DEL] = "netns_del",
		[STEP_LINK_ADD] = "link_add", [STEP_LINK_DEL] = "link_del", [STEP_LINK_SET] = "link_set",
		[STEP_ADDR_ADD] = "address_add", [STEP_ADDR_DEL] = "address_del",
		[STEP_ROUTE_ADD] = "route_add", [STEP_ROUTE_DEL] = "route_del",
		[STEP_ROUTE_REPLACE] = "route_replace", [STEP_SYSCTL_SET] = "sysctl_set",
		[STEP_NFT_SET] = "nft_set", [STEP_NFT_DEL] = "nft_del", [STEP_NFT_RESTORE] = "nft_restore",
		[STEP_OBJ_ADD] = "object_add", [STEP_OBJ_DEL] = "object_del", [STEP_OBJ_REPLACE] = "object_replace",
		[STEP_DU_ADD] = "docker_user_add", [STEP_DU_DEL] = "docker_user_del",
		[STEP_FDB_ADD] = "fdb_add", [STEP_FDB_DEL] = "fdb_del",
	};

	return op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}

/* ---------------------------------------------------------- formatting -- */

__attribute__((format(printf, 2, 3)))
static void fb(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;

	/* A step line that does not fit is cut, like snprintf. */
	va_start(ap, fmt);
	strbuf_vaddf(b, fmt, ap);
	va_end(ap);
}

static void fb_netns(struct strbuf *b, const char *ns)
{
	if (strcmp(ns, TOPO_NS_HOST) != 0)
		fb(b, " netns %s", ns);
}

static void fb_link_attrs(struct strbuf *b, const struct topo_iface *l)
{
	char mac[18];

	if (l->mtu)
		fb(b, " mtu %u", l->mtu);
	if (l->has_mac)
		fb(b, " address %s", topo_mac_format(l->mac, mac));
	if (l->master[0])
		fb(b, " master %s", l->master);
}

static void fb_route(struct strbuf *b, const struct topo_route *rt)
{
	char words[512];

	topo_route_format(rt, words, sizeof(words));
	fb(b, " %s", words);
}

static void fb_link_add(struct strbuf *b, const struct step *s)
{
	const struct topo_iface *l = &s->lk->link;
	char opts[512] = "";

	fb(b, "link add %s", l->name);
	/* A pair: both ends in one request. */
	if (s->lk->peer.name[0]) {
		fb_netns(b, s->ns);
		fb(b, " type veth");
		fb_link_attrs(b, l);
		fb(b, " peer %s", s->lk->peer.name);
		if (strcmp(s->lk->peer_ns, s->ns) != 0)
			fb(b, " netns %s", s->lk->peer_ns);
		fb_link_attrs(b, &s->lk->peer);
		return;
	}
	topo_link_format_opts(l, opts, sizeof(opts));
	fb(b, " type %s%s", topo_iftype_name(l->type), opts);
	fb_link_attrs(b, l);
	fb_netns(b, s->ns);
}

void step_format(const struct step *s, char *buf, size_t len)
{
	struct strbuf b;
	char a[TOPO_IP_STRLEN], mac[18];

	strbuf_init_fixed(&b, buf, len);
	switch (s->op) {
	case STEP_NETNS_ADD:
		fb(&b, "+ netns add %s", s->ns);
		break;
	case STEP_NETNS_DEL:
		fb(&b, "- netns del %s", s->ns);
		/* Links elsewhere that go with it, so the reader sees them go. */
		for (size_t i = 0; i < s->n_waits && i < 3; i++)
			fb(&b, "%s%s:%s", i ? ", " : " (with ", s->waits[i].ns, s->waits[i].name);
		if (s->n_waits > 3)
			fb(&b, " and %zu more", s->n_waits - 3);
		if (s->n_waits)
			fb(&b, ")");
		break;
	case STEP_LINK_ADD:
		fb(&b, "+ ");
		fb_link_add(&b, s);
		break;
	case STEP_LINK_DEL:
		fb(&b, "- link del %s", s->lk->link.name);
		fb_netns(&b, s->ns);
		if (s->lk->peer.name[0])
			fb(&b, " (veth, with its peer %s%s%s)", s->lk->peer.name,
			   strcmp(s->lk->peer_ns, TOPO_NS_HOST) ? " in " : "",
			   strcmp(s->lk->peer_ns, TOPO_NS_HOST) ? s->lk->peer_ns : "");
		break;
	case STEP_LINK_SET:
		fb(&b, "~ link set %s", s->ifname);
		switch (s->attr) {
		case LINK_ATTR_MASTER:
			if (s->set->new.master[0])
				fb(&b, " master %s", s->set->new.master);
			else
				fb(&b, " nomaster");
			break;
		case LINK_ATTR_MTU:
			fb(&b, " mtu %u", s->set->new.mtu);
			break;
		case LINK_ATTR_MAC:
			fb(&b, " address %s", topo_mac_format(s->set->new.mac, mac));
			break;
		case LINK_ATTR_OPT:
			if (s->set->new.type && s->set->new.opt < s->set->new.type->n_opts) {
				char w[96];

				topo_lopt_format_ip(&s->set->new.type->opts[s->set->new.opt], &s->set->new.val, w, sizeof(w));
				fb(&b, " type %s %s", s->set->new.type->name, w);
			}
			break;
		case LINK_ATTR_UP:
			fb(&b, " %s", s->set->new.flag ? "up" : "down");
			break;
		case LINK_ATTR_ADDR_GEN:
			fb(&b, " addrgenmode %s", topo_agm_name(s->set->new.addr_gen_mode));
			if (s->set->old.addr_gen_mode)
				fb(&b, " (was %s)", topo_agm_name(s->set->old.addr_gen_mode));
			break;
		case LINK_ATTR_MARK:
			fb(&b, " alias %s", s->set->new.flag ? "topo:<topology>" : "\"\"");
			break;
		case LINK_ATTR_SHAPE: {
			char sh[128], old[128];

			topo_shape_format(&s->set->new.shape, sh, sizeof(sh));
			topo_shape_format(&s->set->old.shape, old, sizeof(old));
			fb(&b, " qdisc %s (was %s)", sh, old);
			break;
		}
		}
		fb_netns(&b, s->ns);
		break;
	case STEP_ADDR_ADD:
	case STEP_ADDR_DEL:
		fb(&b, "%s address %s %s dev %s", s->op == STEP_ADDR_ADD ? "+" : "-",
		   s->op == STEP_ADDR_ADD ? "add" : "del", topo_ip_format(&s->addr.ip, true, a, sizeof(a)), s->ifname);
		fb_netns(&b, s->ns);
		break;
	case STEP_FDB_ADD:
	case STEP_FDB_DEL:
		fb(&b, "%s fdb %s %s dev %s dst %s", s->op == STEP_FDB_ADD ? "+" : "-",
		   s->op == STEP_FDB_ADD ? "append" : "del", topo_mac_format(s->fdb.mac, mac), s->ifname,
		   topo_ip_format(&s->fdb.dst, false, a, sizeof(a)));
		fb_netns(&b, s->ns);
		break;
	case STEP_ROUTE_ADD:
	case STEP_ROUTE_DEL:
	case STEP_ROUTE_REPLACE:
		fb(&b, "%s route %s", s->op == STEP_ROUTE_ADD ? "+" : s->op == STEP_ROUTE_DEL ? "-" : "~",
		   s->op == STEP_ROUTE_ADD ? "add" : s->op == STEP_ROUTE_DEL ? "del" : "replace");
		fb_route(&b, &s->rt->route);
		fb_netns(&b, s->ns);
		break;
	case STEP_SYSCTL_SET:
		fb(&b, "~ sysctl %s=%s", s->key, s->value);
		fb_netns(&b, s->ns);
		if (s->old_value)
			fb(&b, " (was %s)", s->old_value);
		break;
	case STEP_NFT_SET:
		fb(&b, "%s nft table inet %s", s->nf->nft_had_table ? "~" : "+", s->table);
		fb_netns(&b, s->ns);
		break;
	case STEP_NFT_DEL:
		fb(&b, "- nft table inet %s", s->table);
		fb_netns(&b, s->ns);
		break;
	case STEP_NFT_RESTORE:
		fb(&b, "~ nft table inet %s restored", s->table);
		fb_netns(&b, s->ns);
		break;
	case STEP_OBJ_ADD:
	case STEP_OBJ_DEL:
	case STEP_OBJ_REPLACE: {
		char words[512];

		topo_obj_format(s->ob->kind, s->ob->obj.b, words, sizeof(words));
		fb(&b, "%s %s %s %s", s->op == STEP_OBJ_ADD ? "+" : s->op == STEP_OBJ_DEL ? "-" : "~",
		   s->ob->kind->ip_object, s->op == STEP_OBJ_ADD ? "add" : s->op == STEP_OBJ_DEL ? "del" : "replace", words);
		fb_netns(&b, s->ns);
		break;
	}
	case STEP_DU_ADD:
	case STEP_DU_DEL:
		fb(&b, "%s rule ip filter DOCKER-USER %sifname \"%s\" accept", s->op == STEP_DU_ADD ? "+" : "-",
		   s->set->new.flag ? "o" : "i", s->ifname);
		fb_netns(&b, s->ns);
		break;
	}
	if (s->note)
		fb(&b, "  # %s", s->note);
}

void plan_print_line(FILE *out, const char *line, const char *detail, bool color)
{
	const char *c = "";

	if (color)
		c = line[0] == '+' ? "\033[32m" : line[0] == '-' ? "\033[31m" : "\033[33m";
	fprintf(out, "%s%s%s\n", c, line, color ? "\033[0m" : "");
	while (detail && *detail) {
		const char *nl = strchr(detail, '\n');
		int n = nl ? (int)(nl - detail) : (int)strlen(detail);

		fprintf(out, "    %.*s\n", n, detail);
		detail += n + (nl ? 1 : 0);
	}
}

void plan_print(const struct plan *p, FILE *out, bool color)
{
	char line[1024];

	for (size_t i = 0; i < p->n; i++) {
		const struct step *s = &p->steps[i];

		if (s->implicit)
			continue;
		step_format(s, line, sizeof(line));
		plan_print_line(out, line, s->detail, color);
	}
}

json_t *plan_json(const struct plan *p)
{
	char line[1024];
	struct plan_counts c = plan_count(p);
	json_t *doc = json_object(), *steps = json_array();
	int r = 0;

	for (size_t i = 0; i < p->n; i++) {
		const struct step *s = &p->steps[i];
		json_t *o = json_object();

		if (s->implicit) {
			json_decref(o);
			continue;
		}
		step_format(s, line, sizeof(line));
		r |= topo_json_set(o, "op", json_string(step_op_name(s->op)));
		r |= topo_json_set(o, "ns", topo_json_bytes(s->ns));
		r |= topo_json_set(o, "text", topo_json_bytes(line));
		if (s->note)
			r |= topo_json_set(o, "note", topo_json_bytes(s->note));
		if (s->detail)
			r |= topo_json_set(o, "detail", topo_json_bytes(s->detail));
		if (s->pos.line) {
			r |= topo_json_set(o, "line", json_integer(s->pos.line));
			r |= topo_json_set(o, "column", json_integer(s->pos.col));
		}
		r |= topo_json_push(steps, o);
	}
	r |= topo_json_set(doc, "steps", steps);
	r |= topo_json_set(doc, "add", json_integer((json_int_t)c.add));
	r |= topo_json_set(doc, "change", json_integer((json_int_t)c.change));
	r |= topo_json_set(doc, "remove", json_integer((json_int_t)c.remove));
	if (r) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

int plan_print_json(const struct plan *p, FILE *out)
{
	json_t *doc = plan_json(p);
	int r = topo_json_print(doc, out);

	json_decref(doc);
	return r;
}
