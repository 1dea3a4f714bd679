// SPDX-License-Identifier: MIT
/*
 * Links, whatever their type: each type's netlink is a table in its own
 * file (backends/link_TYPE.c, backends/linktype.h), which the generic
 * builder and parser here walk; only a type that needs more (veth's peer)
 * builds its own request. Creation requests are built with libnl's message
 * primitives (libnl 3.7 cannot express most IFLA_INFO_DATA); changes of
 * common attributes with libnl-route-3's link objects. Dumps are parsed
 * directly into the model's types.
 *
 * The local end of a veth takes master and IFF_UP at creation; the peer
 * cannot (ENOTCONN), the plan has separate steps for it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/addr.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/link/veth.h>

#include "backends/internal.h"
#include "backends/linktype.h"
#include "model/ip.h"
#include "model/linktype.h"

/* ------------------------------------------------------------ type table -- */

/* The registry: adding a type is two lines here (and two in model/linktype.c). */
extern const struct be_linktype be_link_macvlan;
static const struct be_linktype *const be_linktypes[] = {
	&be_link_bridge,
	&be_link_veth,
	&be_link_vxlan,
	&be_link_macvlan,
};

const struct be_linktype *be_linktype_find(const char *kind)
{
	for (size_t i = 0; i < sizeof(be_linktypes) / sizeof(be_linktypes[0]); i++)
		if (strcmp(be_linktypes[i]->lt->name, kind) == 0)
			return be_linktypes[i];
	return NULL;
}

const struct be_linktype *be_linktype_of(const struct topo_linktype *lt)
{
	for (size_t i = 0; lt && i < sizeof(be_linktypes) / sizeof(be_linktypes[0]); i++)
		if (be_linktypes[i]->lt == lt)
			return be_linktypes[i];
	return NULL;
}

const char *link_explain(const struct step *s, int err, char *buf, size_t len)
{
	const struct topo_linktype *lt = s->op == STEP_LINK_ADD ? s->lk->link.type :
					 s->op == STEP_LINK_SET && s->attr == LINK_ATTR_OPT ? s->set->new.type : NULL;
	const struct be_linktype *bt = be_linktype_of(lt);

	return bt && bt->explain ? bt->explain(s, err < 0 ? err : -err, buf, len) : NULL;
}

/* ---------------------------------------------------------------- parsing -- */

/* One attribute into option k; an ifindex waits in *dep for names. */
static void parse_lattr(const struct be_lattr *a, const struct nlattr *nla, struct topo_linkopt *v, int *dep)
{
	int len = nla_len(nla);
	const uint8_t *p = nla_data(nla);

	memset(v, 0, sizeof(*v));
	switch (a->enc) {
	case BE_U8:
		if (len < 1)
			return;
		v->u = p[0];
		break;
	case BE_U16:
		if (len < 2)
			return;
		v->u = nla_get_u16((struct nlattr *)nla);
		break;
	case BE_U32:
		if (len < 4)
			return;
		v->u = nla_get_u32((struct nlattr *)nla);
		break;
	case BE_BE16:
		if (len < 2)
			return;
		v->u = ntohs(nla_get_u16((struct nlattr *)nla));
		break;
	case BE_ADDR: {
		bool zero = true;

		if (len != 4 && len != 16)
			return;
		v->ip.family = len == 16 ? AF_INET6 : AF_INET;
		v->ip.plen = (uint8_t)(len * 8);
		memcpy(v->ip.bytes, p, (size_t)len);
		for (int i = 0; i < len; i++)
			zero &= p[i] == 0;
		if (zero)
			return;
		break;
	}
	case BE_IFINDEX:
		if (len >= 4)
			*dep = (int)nla_get_u32((struct nlattr *)nla);
		return;         /* named once the dump is complete */
	case BE_RANGE_BE16: {
		uint16_t r[2];

		if (len < 4)
			return;
		memcpy(r, p, 4);
		v->range[0] = ntohs(r[0]);
		v->range[1] = ntohs(r[1]);
		break;
	}
	case BE_NONE:
		return;
	}
	v->set = true;
}

static void parse_opts(const struct be_linktype *bt, struct nlattr **tb, struct nlattr *data, struct topo_iface *ret,
		       int *dep)
{
	const struct topo_linktype *lt = bt->lt;

	for (size_t k = 0; bt->attrs && k < lt->n_opts; k++) {
		const struct be_lattr *a = &bt->attrs[k];
		struct nlattr *nla;
		int rem;

		if (a->top) {
			/* IFLA_LINK of a link whose lower device lives in another
			 * namespace (IFLA_LINK_NETNSID) is an ifindex there: no
			 * name of this namespace. */
			if (tb[a->nla] && !(a->enc == BE_IFINDEX && a->nla == IFLA_LINK && tb[IFLA_LINK_NETNSID]))
				parse_lattr(a, tb[a->nla], &ret->opt[k], dep);
			else if (tb[a->nla] && nla_len(tb[a->nla]) >= 4 && nla_len(tb[IFLA_LINK_NETNSID]) >= 4) {
				/* Named by link_lowers_resolve once every namespace is read. */
				ret->peer_ifindex = (int)nla_get_u32(tb[a->nla]);
				ret->peer_netnsid = nla_get_s32(tb[IFLA_LINK_NETNSID]);
			}
			continue;
		}
		if (!data)
			continue;
		nla_for_each_nested(nla, data, rem)
			if (nla_type(nla) == a->nla || (a->nla6 && nla_type(nla) == a->nla6))
				parse_lattr(a, nla, &ret->opt[k], dep);
	}
	if (bt->parse)
		bt->parse(tb, ret);
}

/* vxlan's underlay ifindex rides in master_ifindex's neighbour: kept here
 * until the dump is complete and names can be resolved. */
struct link_parse_extra {
	int underlay;
};

/* IFLA_AF_SPEC's AF_INET6 IFLA_INET6_ADDR_GEN_MODE, as TOPO_AGM_*; UNSET
 * where the link has no IPv6 (no AF_INET6 entry). */
static uint8_t link_parse_agm(const struct nlattr *af_spec)
{
	const struct nlattr *af, *a;
	int rem, rem6;

	if (!af_spec)
		return TOPO_AGM_UNSET;
	nla_for_each_nested(af, af_spec, rem) {
		if (nla_type(af) != AF_INET6)
			continue;
		nla_for_each_nested(a, af, rem6)
			if (nla_type(a) == IFLA_INET6_ADDR_GEN_MODE && nla_len(a) >= 1)
				return (uint8_t)(nla_get_u8(a) + 1);
	}
	return TOPO_AGM_UNSET;
}

static int link_parse_full(const void *nlhv, struct topo_iface *ret, struct link_parse_extra *extra)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)nlhv;
	struct ifinfomsg *ifi = nlmsg_data(nlh);
	struct nlattr *tb[IFLA_MAX + 1];

	topo_iface_init(ret);
	extra->underlay = 0;
	if (nlh->nlmsg_type != RTM_NEWLINK || nlmsg_parse(nlh, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0)
		return -EINVAL;
	if (!tb[IFLA_IFNAME])
		return -EINVAL;
	ret->ifindex = ifi->ifi_index;
	ret->up = (ifi->ifi_flags & IFF_UP) != 0;
	nla_strlcpy(ret->name, tb[IFLA_IFNAME], sizeof(ret->name));
	if (tb[IFLA_MTU] && nla_len(tb[IFLA_MTU]) >= 4)
		ret->mtu = nla_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) == 6) {
		memcpy(ret->mac, nla_data(tb[IFLA_ADDRESS]), 6);
		ret->has_mac = true;
	}
	if (tb[IFLA_MASTER] && nla_len(tb[IFLA_MASTER]) >= 4)
		ret->master_ifindex = (int)nla_get_u32(tb[IFLA_MASTER]);
	/* The root qdisc's kind: shape_observe reads the qdiscs only when one
	 * is not the kernel's plain default. */
	if (tb[IFLA_QDISC]) {
		char qdisc[sizeof(ret->shape->root_kind)];

		nla_strlcpy(qdisc, tb[IFLA_QDISC], sizeof(qdisc));
		if (shape_link_root(ret, qdisc) < 0)
			return -ENOMEM;
	}
	if (tb[IFLA_IFALIAS]) {
		char alias[256];

		nla_strlcpy(alias, tb[IFLA_IFALIAS], sizeof(alias));
		if (strncmp(alias, TOPO_ALIAS_PREFIX, strlen(TOPO_ALIAS_PREFIX)) == 0) {
			ret->owned = true;
			snprintf(ret->owner, sizeof(ret->owner), "%.*s", TOPO_NAME_MAX,
				 alias + strlen(TOPO_ALIAS_PREFIX));
		}
	}
	ret->addr_gen_mode = link_parse_agm(tb[IFLA_AF_SPEC]);
	ret->type = ifi->ifi_type == ARPHRD_LOOPBACK ? TOPO_IF_LOOPBACK : TOPO_IF_OTHER;
	if (tb[IFLA_LINKINFO]) {
		struct nlattr *li[IFLA_INFO_MAX + 1];

		if (nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) == 0 && li[IFLA_INFO_KIND]) {
			char kind[32];
			const struct be_linktype *bt;

			nla_strlcpy(kind, li[IFLA_INFO_KIND], sizeof(kind));
			bt = be_linktype_find(kind);
			if (bt) {
				if (topo_iface_set_type(ret, bt->lt) < 0)
					return -ENOMEM;
				parse_opts(bt, tb, li[IFLA_INFO_DATA], ret, &extra->underlay);
			}
		}
	}
	if (topo_lt_is(ret->type, TOPO_LT_PAIR)) {
		if (tb[IFLA_LINK] && nla_len(tb[IFLA_LINK]) >= 4)
			ret->peer_ifindex = (int)nla_get_u32(tb[IFLA_LINK]);
		/* Present but unassigned: the peer's namespace is being torn down
		 * (its ids are gone, its devices not yet). */
		if (tb[IFLA_LINK_NETNSID] && nla_len(tb[IFLA_LINK_NETNSID]) >= 4)
			ret->peer_netnsid = nla_get_s32(tb[IFLA_LINK_NETNSID]) >= 0 ?
					    nla_get_s32(tb[IFLA_LINK_NETNSID]) : NSID_DYING;
	}
	return 0;
}

int link_parse(const void *nlh, struct topo_iface *ret)
{
	struct link_parse_extra extra;

	return link_parse_full(nlh, ret, &extra);
}

struct link_dump {
	struct topo_ns *out;
	int *underlay;          /* parallel to out->ifaces */
	size_t cap;
	bool oom;
};

static int link_dump_one(void *arg, const void *nlh)
{
	struct link_dump *d = arg;
	struct topo_iface parsed, *ifc;
	struct link_parse_extra extra;
	int r = link_parse_full(nlh, &parsed, &extra);

	if (r < 0) {
		topo_iface_clear(&parsed);
		return r == -ENOMEM ? r : 0;
	}
	ifc = topo_ns_iface_add(d->out);
	if (!ifc) {
		topo_iface_clear(&parsed);
		return -ENOMEM;
	}
	*ifc = parsed;
	if (d->out->n_ifaces > d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		int *v = realloc(d->underlay, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->underlay = v;
		d->cap = cap;
	}
	d->underlay[d->out->n_ifaces - 1] = extra.underlay;
	return 0;
}

static void link_dump_reset(void *arg)
{
	struct link_dump *d = arg;

	for (size_t i = 0; i < d->out->n_ifaces; i++)
		topo_iface_clear(&d->out->ifaces[i]);
	d->out->n_ifaces = 0;
}

struct idx_pos {
	int ifindex;
	size_t pos;
};

static int idx_pos_cmp(const void *a, const void *b)
{
	int x = ((const struct idx_pos *)a)->ifindex, y = ((const struct idx_pos *)b)->ifindex;

	return (x > y) - (x < y);
}

static const struct topo_iface *iface_by_index(const struct topo_ns *ns, const struct idx_pos *sorted, int ifindex)
{
	struct idx_pos key = { ifindex, 0 };
	const struct idx_pos *hit = bsearch(&key, sorted, ns->n_ifaces, sizeof(*sorted), idx_pos_cmp);

	return hit ? &ns->ifaces[hit->pos] : NULL;
}

int link_observe(struct backend *b, struct bns *ns, struct topo_ns *out)
{
	struct link_dump d = { .out = out };
	int r;

	r = nlq_dump(b, ns, RTM_GETLINK, AF_UNSPEC, link_dump_one, &d, link_dump_reset);
	if (r < 0) {
		free(d.underlay);
		return r;
	}
	ifnames_free(&ns->ifs);
	for (size_t i = 0; i < out->n_ifaces; i++)
		if (ifnames_set(&ns->ifs, out->ifaces[i].name, out->ifaces[i].ifindex) < 0)
			r = -ENOMEM;
	/* Indexes to names, now that the whole namespace is known: sort the
	 * (ifindex, position) pairs once, then look each one up. */
	struct idx_pos *byidx = malloc((out->n_ifaces + 1) * sizeof(*byidx));

	if (!byidx)
		r = -ENOMEM;
	for (size_t i = 0; byidx && i < out->n_ifaces; i++)
		byidx[i] = (struct idx_pos){ out->ifaces[i].ifindex, i };
	if (byidx)
		qsort(byidx, out->n_ifaces, sizeof(*byidx), idx_pos_cmp);
	for (size_t i = 0; i < out->n_ifaces && r == 0; i++) {
		struct topo_iface *ifc = &out->ifaces[i];
		const struct topo_iface *m;

		if (ifc->master_ifindex && (m = iface_by_index(out, byidx, ifc->master_ifindex)))
			snprintf(ifc->master, sizeof(ifc->master), "%s", m->name);
		int k = ifc->type && ifc->type->dep_key ? topo_lopt_find(ifc->type, ifc->type->dep_key) : -1;

		if (k >= 0 && d.underlay[i] && (m = iface_by_index(out, byidx, d.underlay[i]))) {
			ifc->opt[k].set = true;
			snprintf(ifc->opt[k].name, sizeof(ifc->opt[k].name), "%s", m->name);
		}
	}
	free(byidx);
	free(d.underlay);
	return r;
}

/* ----------------------------------------------------------- name lookup -- */

struct getlink_result {
	int ifindex;
};

static void getlink_on_msg(void *arg, size_t tag, const void *nlh)
{
	struct getlink_result *res = arg;
	struct topo_iface ifc;

	(void)tag;
	if (link_parse(nlh, &ifc) == 0)
		res->ifindex = ifc.ifindex;
	topo_iface_clear(&ifc);
}

int link_resolve(struct backend *b, struct bns *ns, const char *name)
{
	struct getlink_result res = { 0 };
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *msg;
	int idx = ifnames_get(&ns->ifs, name), r;

	if (idx > 0)
		return idx;
	msg = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_REQUEST);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 || nla_put_string(msg, IFLA_IFNAME, name) < 0 ||
	    nla_put_u32(msg, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	r = nlq_request(b, ns, msg, getlink_on_msg, &res);
	if (r < 0)
		return backend_fail(b, "no interface %s in namespace %s", name, ns->name), r;
	if (res.ifindex <= 0)
		return backend_fail(b, "no interface %s in namespace %s", name, ns->name), -ENODEV;
	ifnames_set(&ns->ifs, name, res.ifindex);
	return res.ifindex;
}

/* ---------------------------------------------------------------- building -- */

static int nl_addr_of_mac(const uint8_t mac[6], struct nl_addr **ret)
{
	*ret = nl_addr_build(AF_LLC, mac, 6);
	return *ret ? 0 : -ENOMEM;
}

/* Attributes common to both ends: name, mtu, mac. (Not the alias: the
 * kernel ignores IFLA_IFALIAS when it creates a link; link_mark_msg.) */
int link_fill_common(struct rtnl_link *l, const struct topo_iface *ifc)
{
	rtnl_link_set_name(l, ifc->name);
	if (ifc->mtu)
		rtnl_link_set_mtu(l, ifc->mtu);
	if (ifc->has_mac) {
		struct nl_addr *mac;

		if (nl_addr_of_mac(ifc->mac, &mac) < 0)
			return -ENOMEM;
		rtnl_link_set_addr(l, mac);
		nl_addr_put(mac);
	}
	return 0;
}

/*
 * The head of a link creation built by hand: ifinfomsg (up if wanted), name,
 * mtu, MAC (set explicitly, a bridge's MAC stays put; unset, it follows its
 * ports), master, and IFLA_LINKINFO with the kind, left open for the
 * caller's IFLA_INFO_DATA. The kernel echoes the new link (NLM_F_ECHO).
 */
static int link_new_msg(const struct topo_iface *ifc, int master, const char *kind, struct nl_msg **ret_msg,
			struct nlattr **ret_info)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO);
	struct nlattr *info;

	if (!msg)
		return -ENOMEM;
	if (ifc->up) {
		ifi.ifi_flags = IFF_UP;
		ifi.ifi_change = IFF_UP;
	}
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 || nla_put_string(msg, IFLA_IFNAME, ifc->name) < 0 ||
	    (ifc->mtu && nla_put_u32(msg, IFLA_MTU, ifc->mtu) < 0) ||
	    (ifc->has_mac && nla_put(msg, IFLA_ADDRESS, 6, ifc->mac) < 0) ||
	    (master && nla_put_u32(msg, IFLA_MASTER, (uint32_t)master) < 0) ||
	    !(info = nla_nest_start(msg, IFLA_LINKINFO)) || nla_put_string(msg, IFLA_INFO_KIND, kind) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	*ret_msg = msg;
	*ret_info = info;
	return 0;
}

static int resolve_or_zero(struct backend *b, struct bns *ns, const char *name, int *ret);

static int nsid_of(struct backend *b, struct bns *ns, struct bns *other, int32_t *ret);

/* The id `other` has as seen from `ns`, assigned if it has none (as
 * `ip netns set NAME auto`). */
static int nsid_get_or_assign(struct backend *b, struct bns *ns, struct bns *other, int32_t *ret)
{
	struct rtgenmsg g = { .rtgen_family = AF_UNSPEC };
	struct nl_msg *msg;
	int fd, r = nsid_of(b, ns, other, ret);

	if (r < 0 || *ret >= 0)
		return r;
	if ((fd = bns_fd(b, other)) < 0)
		return fd;
	msg = nlmsg_alloc_simple(RTM_NEWNSID, NLM_F_REQUEST);
	if (!msg || nlmsg_append(msg, &g, sizeof(g), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, NETNSA_FD, (uint32_t)fd) < 0 || nla_put_s32(msg, NETNSA_NSID, -1) < 0) {
		nlmsg_free(msg);
		bns_fd_unpin(b);
		return -ENOMEM;
	}
	r = nlq_request(b, ns, msg, NULL, NULL);
	bns_fd_unpin(b);
	if (r < 0)
		return backend_fail(b, "cannot give namespace %s an id in %s", other->name, ns->name), r;
	r = nsid_of(b, ns, other, ret);
	if (r == 0 && *ret < 0)
		return backend_fail(b, "namespace %s has no id in %s", other->name, ns->name), -ENOENT;
	return r;
}

/* A lower link in another namespace (link_ns): its ifindex there, and
 * IFLA_LINK_NETNSID, so the kernel makes the link there and moves it here. */
static int put_lower_elsewhere(struct backend *b, struct bns *ns, struct nl_msg *msg, const struct be_lattr *a,
			       const char *link_ns, const char *name)
{
	struct bns *other = bns_find(b, link_ns);
	int32_t id;
	int idx, r;

	if (!other || !other->sk)
		return backend_fail(b, "%s: namespace %s is not open", name, link_ns), -ENOENT;
	idx = link_resolve(b, other, name);
	if (idx < 0)
		return idx;
	r = nsid_get_or_assign(b, ns, other, &id);
	if (r < 0)
		return r;
	return nla_put_u32(msg, a->nla, (uint32_t)idx) < 0 || nla_put_s32(msg, IFLA_LINK_NETNSID, id) < 0 ? -ENOMEM : 0;
}

/* One option as its attribute. */
static int put_lattr(struct backend *b, struct bns *ns, struct nl_msg *msg, const struct be_lattr *a,
		     const struct topo_linkopt *v)
{
	int idx;

	switch (a->enc) {
	case BE_U8:
		return nla_put_u8(msg, a->nla, (uint8_t)v->u);
	case BE_U16:
		return nla_put_u16(msg, a->nla, (uint16_t)v->u);
	case BE_U32:
		return nla_put_u32(msg, a->nla, v->u);
	case BE_BE16:
		return nla_put_u16(msg, a->nla, htons((uint16_t)v->u));
	case BE_ADDR:
		return v->ip.family == AF_INET6 ? nla_put(msg, a->nla6, 16, v->ip.bytes) :
						  nla_put(msg, a->nla, 4, v->ip.bytes);
	case BE_IFINDEX: {
		int r = resolve_or_zero(b, ns, v->name, &idx);

		return r < 0 ? r : nla_put_u32(msg, a->nla, (uint32_t)idx);
	}
	case BE_RANGE_BE16: {
		uint16_t r[2] = { htons(v->range[0]), htons(v->range[1]) };

		return nla_put(msg, a->nla, sizeof(r), r);
	}
	case BE_NONE:
		break;
	}
	return 0;
}

/* The options of ifc that live in IFLA_INFO_DATA (top false) or beside it (top true). */
static int put_opts(struct backend *b, struct bns *ns, struct nl_msg *msg, const struct be_linktype *bt,
		    const struct topo_iface *ifc, bool top)
{
	for (size_t k = 0; bt->attrs && k < bt->lt->n_opts; k++) {
		int r;

		if (!ifc->opt[k].set || bt->attrs[k].top != top || bt->attrs[k].enc == BE_NONE)
			continue;
		if (bt->attrs[k].enc == BE_IFINDEX && bt->attrs[k].top && ifc->link_ns)
			r = put_lower_elsewhere(b, ns, msg, &bt->attrs[k], ifc->link_ns, ifc->opt[k].name);
		else
			r = put_lattr(b, ns, msg, &bt->attrs[k], &ifc->opt[k]);
		if (r < 0)
			return r == -1 || r == -NLE_NOMEM ? -ENOMEM : r;
	}
	return 0;
}

/* A link of a type without its own builder: the head, then its options. */
static int generic_add_msg(struct backend *b, struct bns *ns, const struct be_linktype *bt, int master,
			   const struct topo_iface *ifc, struct nl_msg **ret)
{
	struct nl_msg *msg;
	struct nlattr *info, *data;
	int r;

	if (link_new_msg(ifc, master, bt->lt->name, &msg, &info) < 0)
		return -ENOMEM;
	data = nla_nest_start(msg, IFLA_INFO_DATA);
	if (!data) {
		r = -ENOMEM;
		goto fail;
	}
	r = put_opts(b, ns, msg, bt, ifc, false);
	if (r < 0)
		goto fail;
	nla_nest_end(msg, data);
	nla_nest_end(msg, info);
	r = put_opts(b, ns, msg, bt, ifc, true);
	if (r < 0)
		goto fail;
	*ret = msg;
	return 0;
fail:
	nlmsg_free(msg);
	return r;
}

static int resolve_or_zero(struct backend *b, struct bns *ns, const char *name, int *ret)
{
	*ret = 0;
	if (!name[0])
		return 0;
	int idx = link_resolve(b, ns, name);

	if (idx < 0)
		return idx;
	*ret = idx;
	return 0;
}

int link_add_msg(struct backend *b, struct bns *ns, const struct step *s, struct nl_msg **ret)
{
	const struct topo_iface *ifc = &s->lk->link;
	const struct be_linktype *bt = be_linktype_of(ifc->type);
	int master = 0, r;

	*ret = NULL;
	if (!bt || topo_lt_is(ifc->type, TOPO_LT_KERNEL))
		return backend_fail(b, "cannot create a link of type %s", topo_iftype_name(ifc->type)), -EOPNOTSUPP;
	r = resolve_or_zero(b, ns, ifc->master, &master);
	if (r < 0)
		return r;
	if (bt->add_msg)
		return bt->add_msg(b, ns, s, master, ret);
	return generic_add_msg(b, ns, bt, master, ifc, ret);
}

int link_del_msg(struct backend *b, struct bns *ns, const char *name, struct nl_msg **ret)
{
	struct rtnl_link *l;
	int idx = link_resolve(b, ns, name), r;

	if (idx < 0)
		return idx;
	l = rtnl_link_alloc();
	if (!l)
		return -ENOMEM;
	rtnl_link_set_ifindex(l, idx);
	r = rtnl_link_build_delete_request(l, ret) < 0 ? -ENOMEM : 0;
	rtnl_link_put(l);
	return r;
}

/* A change request: RTM_NEWLINK on an existing ifindex, without NLM_F_CREATE. */
static int link_change(struct backend *b, struct bns *ns, const char *name, struct rtnl_link *l,
		       struct nl_msg **ret)
{
	int idx = link_resolve(b, ns, name), r;

	if (idx < 0)
		return idx;
	rtnl_link_set_ifindex(l, idx);
	r = rtnl_link_build_add_request(l, 0, ret) < 0 ? -ENOMEM : 0;
	return r;
}

int link_up_msg(struct backend *b, struct bns *ns, const char *name, bool up, struct nl_msg **ret)
{
	struct rtnl_link *l = rtnl_link_alloc();
	int r;

	if (!l)
		return -ENOMEM;
	if (up)
		rtnl_link_set_flags(l, IFF_UP);
	else
		rtnl_link_unset_flags(l, IFF_UP);
	r = link_change(b, ns, name, l, ret);
	rtnl_link_put(l);
	return r;
}

int link_master_msg(struct backend *b, struct bns *ns, const char *name, const char *master, struct nl_msg **ret)
{
	struct rtnl_link *l;
	int midx = 0, r;

	r = resolve_or_zero(b, ns, master, &midx);
	if (r < 0)
		return r;
	l = rtnl_link_alloc();
	if (!l)
		return -ENOMEM;
	/* IFLA_MASTER 0 is "nomaster". */
	rtnl_link_set_master(l, midx);
	r = link_change(b, ns, name, l, ret);
	rtnl_link_put(l);
	return r;
}

int link_set_alias_msg(struct backend *b, struct bns *ns, const char *name, const char *alias, struct nl_msg **ret)
{
	struct rtnl_link *l = rtnl_link_alloc();
	int r;

	if (!l)
		return -ENOMEM;
	rtnl_link_set_ifalias(l, alias);
	r = link_change(b, ns, name, l, ret);
	rtnl_link_put(l);
	return r;
}

/*
 * The kernel ignores IFLA_IFALIAS when it creates a link (only a change sets
 * it), so the mark goes in a second request. Addressed by name, it can be
 * queued right behind the creation, before the new ifindex is known.
 */
int link_mark_msg(const char *name, const char *owner, struct nl_msg **ret)
{
	struct rtnl_link *l = rtnl_link_alloc();
	char alias[TOPO_NAME_MAX + 8];
	int r;

	if (!l)
		return -ENOMEM;
	snprintf(alias, sizeof(alias), TOPO_ALIAS_PREFIX "%s", owner);
	rtnl_link_set_name(l, name);
	rtnl_link_set_ifalias(l, alias);
	r = rtnl_link_build_add_request(l, 0, ret) < 0 ? -ENOMEM : 0;
	rtnl_link_put(l);
	return r;
}

int link_lo_init_msg(const char *owner, struct nl_msg **ret)
{
	struct rtnl_link *l = rtnl_link_alloc();
	char alias[TOPO_NAME_MAX + 8];
	int r;

	if (!l)
		return -ENOMEM;
	snprintf(alias, sizeof(alias), TOPO_ALIAS_PREFIX "%s", owner);
	rtnl_link_set_ifindex(l, 1);
	rtnl_link_set_flags(l, IFF_UP);
	rtnl_link_set_ifalias(l, alias);
	r = rtnl_link_build_add_request(l, 0, ret) < 0 ? -ENOMEM : 0;
	rtnl_link_put(l);
	return r;
}

/* One option of the link's type changed in place: RTM_NEWLINK on its
 * ifindex with the kind and that one attribute. */
static int link_opt_msg(struct backend *b, struct bns *ns, const struct step *s, struct nl_msg **ret)
{
	const struct be_linktype *bt = be_linktype_of(s->set->new.type);
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *msg;
	struct nlattr *info, *data;
	const struct be_lattr *a;
	int idx = link_resolve(b, ns, s->ifname), r;

	if (idx < 0)
		return idx;
	if (!bt || !bt->attrs || s->set->new.opt >= bt->lt->n_opts || bt->attrs[s->set->new.opt].enc == BE_NONE)
		return backend_fail(b, "%s: cannot change that option of a %s in place", s->ifname,
				    topo_iftype_name(s->set->new.type)), -EOPNOTSUPP;
	a = &bt->attrs[s->set->new.opt];
	ifi.ifi_index = idx;
	msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_REQUEST);
	if (!msg)
		return -ENOMEM;
	r = -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 || !(info = nla_nest_start(msg, IFLA_LINKINFO)) ||
	    nla_put_string(msg, IFLA_INFO_KIND, bt->lt->name) < 0)
		goto fail;
	if (!a->top) {
		if (!(data = nla_nest_start(msg, IFLA_INFO_DATA)))
			goto fail;
		if ((r = put_lattr(b, ns, msg, a, &s->set->new.val)) < 0)
			goto fail;
		nla_nest_end(msg, data);
	}
	nla_nest_end(msg, info);
	if (a->top && (r = put_lattr(b, ns, msg, a, &s->set->new.val)) < 0)
		goto fail;
	*ret = msg;
	return 0;
fail:
	nlmsg_free(msg);
	return r == -1 ? -ENOMEM : r;
}

int link_set_msg(struct backend *b, struct bns *ns, const struct step *s, struct nl_msg **ret)
{
	struct rtnl_link *l;
	int r;

	switch (s->attr) {
	case LINK_ATTR_UP:
		return link_up_msg(b, ns, s->ifname, s->set->new.flag, ret);
	case LINK_ATTR_MASTER:
		return link_master_msg(b, ns, s->ifname, s->set->new.master, ret);
	case LINK_ATTR_OPT:
		return link_opt_msg(b, ns, s, ret);
	case LINK_ATTR_MARK: {
		char alias[TOPO_NAME_MAX + 8] = "";

		/* An empty alias removes it. */
		if (s->set->new.flag)
			snprintf(alias, sizeof(alias), TOPO_ALIAS_PREFIX "%s", b->topology);
		return link_set_alias_msg(b, ns, s->ifname, alias, ret);
	}
	case LINK_ATTR_SHAPE:
		return shape_msg(b, ns, s, ret);
	case LINK_ATTR_MTU:
	case LINK_ATTR_MAC:
	case LINK_ATTR_ADDR_GEN:
		break;
	}
	l = rtnl_link_alloc();
	if (!l)
		return -ENOMEM;
	if (s->attr == LINK_ATTR_MTU) {
		rtnl_link_set_mtu(l, s->set->new.mtu);
	} else if (s->attr == LINK_ATTR_ADDR_GEN) {
		r = rtnl_link_inet6_set_addr_gen_mode(l, (uint8_t)(s->set->new.addr_gen_mode - 1));
		if (r < 0) {
			rtnl_link_put(l);
			return -ENOMEM;
		}
	} else {
		struct nl_addr *mac;

		if (nl_addr_of_mac(s->set->new.mac, &mac) < 0) {
			rtnl_link_put(l);
			return -ENOMEM;
		}
		rtnl_link_set_addr(l, mac);
		nl_addr_put(mac);
	}
	r = link_change(b, ns, s->ifname, l, ret);
	rtnl_link_put(l);
	return r;
}

/* ------------------------------------------------------- veth peer lookup -- */

struct nsid_result {
	int32_t nsid;
};

static void nsid_on_msg(void *arg, size_t tag, const void *nlhv)
{
	struct nsid_result *res = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)nlhv;
	struct nlattr *tb[NETNSA_MAX + 1];

	(void)tag;
	if (nlh->nlmsg_type != RTM_NEWNSID || nlmsg_parse(nlh, sizeof(struct rtgenmsg), tb, NETNSA_MAX, NULL) < 0)
		return;
	if (tb[NETNSA_NSID] && nla_len(tb[NETNSA_NSID]) >= 4)
		res->nsid = nla_get_s32(tb[NETNSA_NSID]);
}

/* The id namespace `other` has as seen from `ns` (-1: none assigned). */
static int nsid_of(struct backend *b, struct bns *ns, struct bns *other, int32_t *ret)
{
	struct rtgenmsg g = { .rtgen_family = AF_UNSPEC };
	struct nsid_result res = { .nsid = -1 };
	struct nl_msg *msg;
	int fd = bns_fd(b, other), r;

	if (fd < 0)
		return fd;
	msg = nlmsg_alloc_simple(RTM_GETNSID, NLM_F_REQUEST);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &g, sizeof(g), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, NETNSA_FD, (uint32_t)fd) < 0) {
		nlmsg_free(msg);
		bns_fd_unpin(b);
		return -ENOMEM;
	}
	r = nlq_request(b, ns, msg, nsid_on_msg, &res);
	bns_fd_unpin(b);
	if (r < 0)
		return r;
	*ret = res.nsid;
	return 0;
}

static size_t count_veths(const struct topo_ns *ns)
{
	size_t n = 0;

	for (size_t i = 0; i < ns->n_ifaces; i++)
		n += topo_lt_is(ns->ifaces[i].type, TOPO_LT_PAIR);
	return n;
}

struct ns_weight {
	size_t idx, veths;
};

static int ns_weight_cmp(const void *a, const void *b)
{
	const struct ns_weight *x = a, *y = b;

	if (x->veths != y->veths)
		return x->veths < y->veths ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* Namespaces with fewer veths first. */
static void sort_by_veths(const struct topology *obs, size_t *order)
{
	struct ns_weight *w = malloc(obs->n_ns * sizeof(*w));

	if (!w)
		return;   /* the order stays as it is: correct, only slower */
	for (size_t i = 0; i < obs->n_ns; i++)
		w[i] = (struct ns_weight){ order[i], count_veths(&obs->ns[order[i]]) };
	qsort(w, obs->n_ns, sizeof(*w), ns_weight_cmp);
	for (size_t i = 0; i < obs->n_ns; i++)
		order[i] = w[i].idx;
	free(w);
}

/*
 * The id `other` has as seen from `ns`, once known, for the rest of the run.
 * Keyed by the two namespaces themselves (bns.gen), not by where a read put
 * them: a read numbers its namespaces anew, and one gone between reads
 * shifts those after it. An id stays what it is while both namespaces live,
 * and topo's sockets in them keep them alive; a namespace made again under
 * the same name gets sockets, so a gen, of its own.
 */
static uint64_t nsid_key(const struct bns *ns, const struct bns *other)
{
	return (uint64_t)ns->gen << 32 | other->gen;
}

static bool nsid_cache_get(const struct backend *b, const struct bns *ns, const struct bns *other, int32_t *ret)
{
	size_t v;

	if (!ns->sk || !other->sk || hashmap_get_num(&b->nsids, nsid_key(ns, other), &v) < 0)
		return false;
	*ret = (int32_t)v;
	return true;
}

static int nsid_cache_put(struct backend *b, const struct bns *ns, const struct bns *other, int32_t nsid)
{
	if (!ns->sk || !other->sk || nsid < 0)
		return 0;
	return hashmap_set_num(&b->nsids, nsid_key(ns, other), (size_t)(uint32_t)nsid);
}

struct veth_key {
	uint64_t key;           /* ifindex << 32 | peer ifindex */
	size_t ns, iface;
	size_t next;            /* chain, SIZE_MAX = end */
};

static uint64_t veth_key(int ifindex, int peer)
{
	return (uint64_t)(uint32_t)ifindex << 32 | (uint32_t)peer;
}

/*
 * Which namespace and interface is each veth's peer? The kernel gives the
 * peer's ifindex and the peer namespace's id as seen from this namespace
 * (ifindexes repeat across namespaces, so the index alone proves nothing).
 * Candidates come from a hash of (ifindex, peer ifindex) over every veth in
 * scope; each candidate namespace is then confirmed by asking this
 * namespace for that namespace's id (RTM_GETNSID), once per pair of
 * namespaces. Linear in the number of veths.
 */
/*
 * A link whose lower device (its type's dep_key: a macvlan's parent) is in
 * another namespace: which namespace and device? The kernel gives that
 * namespace's id as seen from here and the ifindex there; each candidate
 * namespace is asked for its id (RTM_GETNSID). Linear in such links times
 * namespaces: a few per lab.
 */
int link_lowers_resolve(struct backend *b, struct topology *obs)
{
	for (size_t i = 0; i < obs->n_ns; i++) {
		struct topo_ns *S = &obs->ns[i];
		struct bns *sns = bns_find(b, S->name);

		for (size_t j = 0; sns && j < S->n_ifaces; j++) {
			struct topo_iface *ifc = &S->ifaces[j];
			int k = ifc->type && ifc->type->dep_key ? topo_lopt_find(ifc->type, ifc->type->dep_key) : -1;

			if (k < 0 || topo_lt_is(ifc->type, TOPO_LT_PAIR) || ifc->peer_netnsid < 0 || !ifc->peer_ifindex)
				continue;
			for (size_t t = 0; t < obs->n_ns; t++) {
				const struct topo_ns *T = &obs->ns[t];
				struct bns *tns = bns_find(b, T->name);
				int32_t id = -1;
				int r;

				if (t == i || !T->exists || !tns)
					continue;
				r = nsid_of(b, sns, tns, &id);
				if (r < 0)
					return r;
				if (id != ifc->peer_netnsid)
					continue;
				for (size_t m = 0; m < T->n_ifaces; m++)
					if (T->ifaces[m].ifindex == ifc->peer_ifindex) {
						ifc->opt[k].set = true;
						snprintf(ifc->opt[k].name, sizeof(ifc->opt[k].name), "%s", T->ifaces[m].name);
						if (topo_iface_set_link_ns(ifc, T->name) < 0)
							return -ENOMEM;
					}
				break;
			}
		}
	}
	return 0;
}

int link_peers_resolve(struct backend *b, struct topology *obs)
{
	size_t n = 0;
	struct veth_key *v;
	struct hashmap heads = { 0 };   /* key -> first of the veths with it; then v[].next */
	int r = 0;

	for (size_t i = 0; i < obs->n_ns; i++)
		for (size_t j = 0; j < obs->ns[i].n_ifaces; j++)
			n += topo_lt_is(obs->ns[i].ifaces[j].type, TOPO_LT_PAIR);
	if (!n)
		return 0;
	v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < obs->n_ns; i++) {
		for (size_t j = 0; j < obs->ns[i].n_ifaces; j++) {
			const struct topo_iface *ifc = &obs->ns[i].ifaces[j];
			size_t head = SIZE_MAX;

			if (!topo_lt_is(ifc->type, TOPO_LT_PAIR))
				continue;
			v[n] = (struct veth_key){ .key = veth_key(ifc->ifindex, ifc->peer_ifindex), .ns = i, .iface = j };
			hashmap_get_num(&heads, v[n].key, &head);
			v[n].next = head;
			if (hashmap_set_num(&heads, v[n].key, n) < 0) {
				free(v);
				hashmap_free(&heads);
				return -ENOMEM;
			}
			n++;
		}
	}
	/*
	 * RTM_GETNSID from a namespace scans that namespace's whole table of ids,
	 * and host holds one per peer namespace: ask from the side with fewer
	 * veths (a leaf), and settle both ends of a pair with one answer.
	 */
	size_t *order = malloc(obs->n_ns * sizeof(*order));

	if (!order) {
		free(v);
		hashmap_free(&heads);
		return -ENOMEM;
	}
	for (size_t i = 0; i < obs->n_ns; i++)
		order[i] = i;
	sort_by_veths(obs, order);
	for (size_t oi = 0; oi < obs->n_ns && r == 0; oi++) {
		size_t i = order[oi];
		struct topo_ns *S = &obs->ns[i];
		struct bns *sns = bns_find(b, S->name);

		for (size_t j = 0; j < S->n_ifaces && r == 0; j++) {
			struct topo_iface *ifc = &S->ifaces[j];
			uint64_t want = veth_key(ifc->peer_ifindex, ifc->ifindex);
			size_t first = SIZE_MAX;

			if (!topo_lt_is(ifc->type, TOPO_LT_PAIR) || !ifc->peer_ifindex || ifc->peer_end)
				continue;
			hashmap_get_num(&heads, want, &first);
			for (size_t k = first; k != SIZE_MAX && r == 0; k = v[k].next) {
				struct topo_ns *T = &obs->ns[v[k].ns];
				struct topo_iface *peer = &T->ifaces[v[k].iface];
				struct bns *tns = NULL;
				int32_t id = -1;

				if (v[k].key != want)
					continue;
				if (ifc->peer_netnsid == NSID_DYING)
					break;
				if (ifc->peer_netnsid < 0) {
					if (v[k].ns != i)
						continue;
				} else {
					if (v[k].ns == i || !sns)
						continue;
					tns = bns_find(b, T->name);
					if (!tns || !tns->sk)
						continue;
					/* Known already for this pair of namespaces? */
					if (!nsid_cache_get(b, sns, tns, &id)) {
						r = nsid_of(b, sns, tns, &id);
						if (r == 0)
							r = nsid_cache_put(b, sns, tns, id);
						if (r < 0)
							break;
					}
					if (id != ifc->peer_netnsid)
						continue;
				}
				/* A veth's peer's peer is itself: both ends at once. And
				 * the id the peer's end names this namespace by is now
				 * known too: a later read of the peer's namespace alone
				 * (an edit's verification, host read again beside kept
				 * namespaces) need not ask for it. */
				if (topo_iface_set_peer(ifc, T->name, peer->name) < 0 ||
				    topo_iface_set_peer(peer, S->name, ifc->name) < 0)
					r = -ENOMEM;
				if (r == 0 && tns)
					r = nsid_cache_put(b, tns, sns, peer->peer_netnsid);
				break;
			}
		}
	}
	free(order);
	free(v);
	hashmap_free(&heads);
	return r;
}
