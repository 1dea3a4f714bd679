// SPDX-License-Identifier: MIT
/*
 * type: bridge. Times are in centiseconds, as `ip link ... type bridge`
 * takes them and `ip -d link` shows them (the kernel's clock_t). The
 * kernel's own ranges: hello_time 1-10 s, max_age 6-40 s, forward_delay
 * 2-30 s while STP runs (any value without it).
 */
#include "model/linktype.h"

#include "model/link_bridge.h"

static const struct topo_lopt bridge_opts[] = {
	[BR_STP] = { .key = "stp", .ip = "stp_state", .kind = TOPO_LOPT_BOOL , .export = TOPO_EXPORT_ALWAYS },
	[BR_AGEING] = { .key = "ageing_time", .ip = "ageing_time", .kind = TOPO_LOPT_UINT,
			.min = 0, .max = 100000000, .unit = "centiseconds" , .export = TOPO_EXPORT_UNLESS, .dflt = 30000 },
	[BR_FWD_DELAY] = { .key = "forward_delay", .ip = "forward_delay", .kind = TOPO_LOPT_UINT,
			   .min = 0, .max = 3000, .unit = "centiseconds" , .export = TOPO_EXPORT_UNLESS, .dflt = 1500 },
	[BR_HELLO] = { .key = "hello_time", .ip = "hello_time", .kind = TOPO_LOPT_UINT,
		       .min = 100, .max = 1000, .unit = "centiseconds" , .export = TOPO_EXPORT_UNLESS, .dflt = 200 },
	[BR_MAX_AGE] = { .key = "max_age", .ip = "max_age", .kind = TOPO_LOPT_UINT,
			 .min = 600, .max = 4000, .unit = "centiseconds" , .export = TOPO_EXPORT_UNLESS, .dflt = 2000 },
	[BR_PRIORITY] = { .key = "priority", .ip = "priority", .kind = TOPO_LOPT_UINT, .min = 0, .max = 65535 , .export = TOPO_EXPORT_UNLESS, .dflt = 32768 },
	[BR_MCAST_SNOOPING] = { .key = "mcast_snooping", .ip = "mcast_snooping", .kind = TOPO_LOPT_BOOL , .export = TOPO_EXPORT_UNLESS, .dflt = 1 },
	[BR_NF_IPT] = { .key = "nf_call_iptables", .ip = "nf_call_iptables", .kind = TOPO_LOPT_BOOL },
	[BR_NF_IP6T] = { .key = "nf_call_ip6tables", .ip = "nf_call_ip6tables", .kind = TOPO_LOPT_BOOL },
	[BR_NF_ARPT] = { .key = "nf_call_arptables", .ip = "nf_call_arptables", .kind = TOPO_LOPT_BOOL },
	[BR_VLAN_FILTERING] = { .key = "vlan_filtering", .ip = "vlan_filtering", .kind = TOPO_LOPT_BOOL , .export = TOPO_EXPORT_UNLESS, .dflt = 0 },
};
_Static_assert(BR_N <= TOPO_LINK_OPTS_MAX, "too many bridge options");

static void bridge_validate(const struct topo_iface *ifc, const struct topo_lt_report *r)
{
	const struct topo_linkopt *fd = &ifc->opt[BR_FWD_DELAY];

	/* The kernel refuses it then (ERANGE); said here with the line. */
	if (ifc->opt[BR_STP].set && ifc->opt[BR_STP].u && fd->set && fd->u < 200)
		r->diag(r->ctx, r->opt_pos[BR_FWD_DELAY],
			"forward_delay %u on %s: with stp the kernel takes 200-3000 centiseconds (2-30 s)",
			fd->u, ifc->name);
}

const struct topo_linktype topo_lt_bridge = {
	.name = "bridge",
	.flags = TOPO_LT_DECLARE | TOPO_LT_MASTER | TOPO_LT_DEFAULTS_MTU,
	.opts = bridge_opts,
	.n_opts = BR_N,
	.validate = bridge_validate,
};
