// SPDX-License-Identifier: MIT
/*
 * type: vxlan. The kernel changes ttl, tos, df and learning in place; the
 * id, the addresses, the ports, the underlay and udpcsum only on a new
 * device (vxlan_nl2conf: "Cannot change ..."), so a change there is a
 * replace. A vxlan goes after its `dev`, and the kernel deletes it with it.
 */
#include "model/linktype.h"

#include <sys/socket.h>

#include "model/link_vxlan.h"

#define VXLAN_HEADROOM_V4 50
#define VXLAN_HEADROOM_V6 70
#define ETH_DATA_LEN_ 1500

static const char *const df_words[] = { "unset", "set", "inherit", NULL };
#define PARAMS "replace: vxlan parameters changed"

static const struct topo_lopt vxlan_opts[] = {
	[VX_VNI] = { .key = "vni", .ip = "id", .kind = TOPO_LOPT_UINT, .min = 0, .max = 16777215,
		     .replace = "replace: vni changed" , .export = TOPO_EXPORT_ALWAYS },
	[VX_REMOTE] = { .key = "remote", .ip = "remote", .kind = TOPO_LOPT_IP, .replace = PARAMS , .export = TOPO_EXPORT_ALWAYS },
	[VX_GROUP] = { .key = "group", .ip = "group", .kind = TOPO_LOPT_IP, .replace = PARAMS , .export = TOPO_EXPORT_ALWAYS },
	[VX_LOCAL] = { .key = "local", .ip = "local", .kind = TOPO_LOPT_IP, .replace = PARAMS , .export = TOPO_EXPORT_ALWAYS },
	[VX_DEV] = { .key = "dev", .ip = "dev", .kind = TOPO_LOPT_IFNAME, .replace = PARAMS , .export = TOPO_EXPORT_ALWAYS },
	[VX_PORT] = { .key = "dstport", .ip = "dstport", .kind = TOPO_LOPT_UINT, .min = 1, .max = 65535,
		      .replace = PARAMS , .export = TOPO_EXPORT_ALWAYS },
	[VX_SRCPORT] = { .key = "srcport", .ip = "srcport", .kind = TOPO_LOPT_RANGE, .min = 1, .max = 65535,
			 .replace = PARAMS },
	[VX_UDPCSUM] = { .key = "udpcsum", .ip = "udpcsum", .kind = TOPO_LOPT_FLAG, .replace = PARAMS },
	[VX_TTL] = { .key = "ttl", .ip = "ttl", .kind = TOPO_LOPT_UINT, .min = 0, .max = 255 , .export = TOPO_EXPORT_UNLESS, .dflt = 0 },
	[VX_TOS] = { .key = "tos", .ip = "tos", .kind = TOPO_LOPT_UINT, .min = 0, .max = 255 , .export = TOPO_EXPORT_UNLESS, .dflt = 0 },
	[VX_DF] = { .key = "df", .ip = "df", .kind = TOPO_LOPT_WORD, .words = df_words , .export = TOPO_EXPORT_UNLESS, .dflt = 0 },
	[VX_LEARNING] = { .key = "learning", .ip = "learning", .kind = TOPO_LOPT_FLAG , .export = TOPO_EXPORT_UNLESS, .dflt = 1 },
};
_Static_assert(VX_N <= TOPO_LINK_OPTS_MAX, "too many vxlan options");

static void vxlan_complete(struct topo_iface *ifc)
{
	if (!ifc->opt[VX_PORT].set) {
		ifc->opt[VX_PORT].set = true;
		ifc->opt[VX_PORT].u = 4789;
	}
}

static void vxlan_validate(const struct topo_iface *ifc, const struct topo_lt_report *r)
{
	const struct topo_linkopt *o = ifc->opt;
	uint8_t fam = o[VX_REMOTE].set ? o[VX_REMOTE].ip.family : o[VX_GROUP].set ? o[VX_GROUP].ip.family : 0;

	if (!r->opt_pos[VX_VNI].line)
		r->diag(r->ctx, r->pos, "vxlan interface %s needs a vni (0-16777215)", ifc->name);
	if (o[VX_REMOTE].set && o[VX_GROUP].set)
		r->diag(r->ctx, r->pos, "vxlan %s: remote and group are exclusive", ifc->name);
	if (o[VX_LOCAL].set && fam && o[VX_LOCAL].ip.family != fam)
		r->diag(r->ctx, r->pos, "vxlan %s: local and remote/group must be the same address family", ifc->name);
}

bool topo_vxlan_v6(const struct topo_iface *ifc)
{
	if (ifc->type != TOPO_IF_VXLAN)
		return false;
	for (int k = VX_REMOTE; k <= VX_LOCAL; k++)
		if (ifc->opt[k].set && ifc->opt[k].ip.family == AF_INET6)
			return true;
	return false;
}

/* Its dev's mtu less the encapsulation (50 bytes over IPv4, 70 over IPv6). */
static uint32_t vxlan_default_mtu(const struct topo_iface *ifc, uint32_t dep_mtu)
{
	uint32_t headroom = topo_vxlan_v6(ifc) ? VXLAN_HEADROOM_V6 : VXLAN_HEADROOM_V4;

	if (!ifc->opt[VX_DEV].set)
		return ETH_DATA_LEN_;
	return dep_mtu > headroom ? dep_mtu - headroom : 0;
}

/* Neither remote nor group declared: no default destination (what fdb:
 * entries are for, head-end replication); a kernel one with either has
 * one, which only a new device loses. */
static const char *vxlan_replace_why(const struct topo_iface *d, const struct topo_iface *o)
{
	if (!d->opt[VX_REMOTE].set && !d->opt[VX_GROUP].set && (o->opt[VX_REMOTE].set || o->opt[VX_GROUP].set))
		return PARAMS;
	return NULL;
}

const struct topo_linktype topo_lt_vxlan = {
	.name = "vxlan",
	.flags = TOPO_LT_DECLARE | TOPO_LT_WITH_DEP | TOPO_LT_FDB,
	.opts = vxlan_opts,
	.n_opts = VX_N,
	.complete = vxlan_complete,
	.validate = vxlan_validate,
	.dep_key = "dev",
	.default_mtu = vxlan_default_mtu,
	.replace_why = vxlan_replace_why,
};
