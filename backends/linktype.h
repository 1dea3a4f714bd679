/* SPDX-License-Identifier: MIT */
/*
 * The kernel side of a link type (model/linktype.h): how each option is
 * carried in netlink, so one generic builder writes IFLA_INFO_DATA and one
 * parser reads it back. A type's file (backends/link_TYPE.c) holds its
 * table and what does not fit it (veth's peer, vxlan's remote/group split).
 */
#ifndef TOPO_BACKENDS_LINKTYPE_H
#define TOPO_BACKENDS_LINKTYPE_H

#include <stdbool.h>

#include "backends/internal.h"
#include "model/linktype.h"

struct nlattr;

enum be_enc {
	BE_NONE = 0,            /* not carried (or by the type's own hooks) */
	BE_U8,
	BE_U16,
	BE_U32,
	BE_BE16,                /* network order u16 */
	BE_ADDR,                /* nla (IPv4, 4 bytes) or nla6 (IPv6, 16 bytes); all zeros = unset */
	BE_IFINDEX,             /* u32 ifindex of the link named (the type's dep_key) */
	BE_RANGE_BE16,          /* two network-order u16 (struct ifla_vxlan_port_range) */
};

struct be_lattr {
	int nla, nla6;
	enum be_enc enc;
	bool top;               /* a top-level IFLA_* attribute, not in IFLA_INFO_DATA */
};

struct be_linktype {
	const struct topo_linktype *lt;
	const struct be_lattr *attrs;     /* parallel to lt->opts */
	/* Builds the whole creation request itself (veth); NULL = generic. */
	int (*add_msg)(struct backend *b, struct bns *ns, const struct step *s, int master, struct nl_msg **ret);
	/* After the generic parse: what the table cannot say. tb: IFLA_*,
	 * data: the parsed IFLA_INFO_DATA (may be NULL). */
	void (*parse)(struct nlattr **tb, struct topo_iface *ret);
	/* What a refusal of a step on this type means, in words (buf), or
	 * NULL: the kernel's own message stands. err is -errno. */
	const char *(*explain)(const struct step *s, int err, char *buf, size_t len);
};

extern const struct be_linktype be_link_bridge, be_link_veth, be_link_vxlan;

struct rtnl_link;
/* Name, mtu, mac of one end, into a libnl link object (backends/link.c). */
int link_fill_common(struct rtnl_link *l, const struct topo_iface *ifc);

const struct be_linktype *be_linktype_find(const char *kind);
/* The type's explanation of a refused LINK_ADD / LINK_SET of an option, or NULL. */
const char *link_explain(const struct step *s, int err, char *buf, size_t len);
const struct be_linktype *be_linktype_of(const struct topo_linktype *lt);

#endif
