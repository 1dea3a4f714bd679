// SPDX-License-Identifier: MIT
/*
 * type: macvlan, on a `parent:` that is a declared interface of the same
 * namespace, or (in host or an attached namespace) an existing one topo
 * does not manage: a foreign parent is used, never changed or deleted. It
 * goes after its parent, and the kernel deletes it with it. The kernel
 * changes the mode in place (macvlan_changelink) except to or from
 * passthru, which takes the whole parent: that is a replace.
 */
#include "model/linktype.h"

#include "model/link_macvlan.h"

/* IFLA_MACVLAN_MODE values (linux/if_link.h). */
static const char *const mode_words[] = { "private", "vepa", "bridge", "passthru", NULL };
static const uint32_t mode_values[] = { 1, 2, 4, 8 };
#define MODE_PASSTHRU 8

static const struct topo_lopt macvlan_opts[] = {
	[MV_PARENT] = { .key = "parent", .ip = "link", .kind = TOPO_LOPT_IFNAME, .replace = "replace: parent changed",
			.export = TOPO_EXPORT_ALWAYS, .host_ok = true },
	[MV_MODE] = { .key = "mode", .ip = "mode", .kind = TOPO_LOPT_WORD, .words = mode_words, .values = mode_values,
		      .export = TOPO_EXPORT_ALWAYS },
};
_Static_assert(MV_N <= TOPO_LINK_OPTS_MAX, "too many macvlan options");

static void macvlan_validate(const struct topo_iface *ifc, const struct topo_lt_report *r)
{
	if (!r->opt_pos[MV_PARENT].line)
		r->diag(r->ctx, r->pos, "macvlan interface %s needs a parent (parent: IFNAME)", ifc->name);
	if (ifc->master[0] && ifc->opt[MV_MODE].set && ifc->opt[MV_MODE].u == MODE_PASSTHRU)
		r->diag(r->ctx, r->opt_pos[MV_MODE], "macvlan %s: a passthru macvlan cannot be a bridge port here "
			"(it takes its parent's identity); drop master or the mode", ifc->name);
}

/* The kernel's mtu for a new one: its parent's. */
static uint32_t macvlan_default_mtu(const struct topo_iface *ifc, uint32_t dep_mtu)
{
	(void)ifc;
	return dep_mtu;
}

static const char *macvlan_replace_why(const struct topo_iface *d, const struct topo_iface *o)
{
	const struct topo_linkopt *a = &d->opt[MV_MODE], *b = &o->opt[MV_MODE];

	if (a->set && b->set && a->u != b->u && (a->u == MODE_PASSTHRU || b->u == MODE_PASSTHRU))
		return "replace: macvlan mode to or from passthru";
	return NULL;
}

const struct topo_linktype topo_lt_macvlan = {
	.name = "macvlan",
	.flags = TOPO_LT_DECLARE | TOPO_LT_WITH_DEP,
	.opts = macvlan_opts,
	.n_opts = MV_N,
	.validate = macvlan_validate,
	.dep_key = "parent",
	.default_mtu = macvlan_default_mtu,
	.replace_why = macvlan_replace_why,
};
