/* SPDX-License-Identifier: MIT */
/*
 * One table per link type (iproute2's struct link_util, networkd's
 * NetDevVTable): its YAML name (also its IFLA_INFO_KIND), its options as
 * data, and the few rules that are the type's own. The loader, the diff,
 * the plan printer, show and export walk these tables and never name a
 * type; a new type is one file here (model/link_TYPE.c) and one in
 * backends/ (backends/link_TYPE.c), each registered in its layer's list.
 *
 * An option's value lives in topo_iface.opt[i], i its index in the type's
 * table; `set` false = not declared (loaded) or not reported (observed).
 * Undeclared options are not drift: the kernel's default is left alone.
 */
#ifndef TOPO_MODEL_LINKTYPE_H
#define TOPO_MODEL_LINKTYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/topology.h"

enum topo_lopt_kind {
	TOPO_LOPT_UINT,         /* u, min..max; ip: "WORD N" */
	TOPO_LOPT_BOOL,         /* u 0/1; YAML true/false; ip: "WORD 0|1" */
	TOPO_LOPT_FLAG,         /* u 0/1; YAML true/false; ip: "WORD" or "noWORD" */
	TOPO_LOPT_WORD,         /* u = values[i] of words[i]; ip: "WORD word" */
	TOPO_LOPT_IP,           /* ip, full length */
	TOPO_LOPT_IFNAME,       /* name: another link of the same namespace */
	TOPO_LOPT_RANGE,        /* range[0]..range[1] within min..max; YAML "LO-HI" */
};

struct topo_lopt {
	const char *key;                  /* YAML key */
	const char *ip;                   /* iproute2's word for it */
	enum topo_lopt_kind kind;
	uint32_t min, max;
	const char *const *words;         /* WORD: NULL-terminated */
	const uint32_t *values;           /* WORD: the value of each word; NULL = its index */
	const char *replace;              /* immutable: the note of a replace ("replace: vni changed");
					   * NULL = the kernel changes it in place */
	const char *unit;                 /* for messages, e.g. "centiseconds" */
	bool host_ok;                     /* IFNAME: may be "host:IF", a link of host (topo_iface.link_ns) */
	/* What export writes of an observed link: NEVER (the kernel's value
	 * depends on more than the link: left out), ALWAYS, or UNLESS the
	 * value is dflt, the kernel's default for a new link. */
	enum { TOPO_EXPORT_NEVER = 0, TOPO_EXPORT_ALWAYS, TOPO_EXPORT_UNLESS } export;
	uint32_t dflt;
};

/* Whether export writes option k of ifc. */
bool topo_lopt_exported(const struct topo_lopt *o, const struct topo_linkopt *v);

/* Where the loader reports a type's own rules. */
struct topo_lt_report {
	void *ctx;
	void (*diag)(void *ctx, struct topo_pos pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
	const struct topo_pos *opt_pos;   /* per option: where it was declared (line 0 = not) */
	struct topo_pos pos;              /* the interface's key */
};

enum {
	TOPO_LT_DECLARE  = 1u << 0,   /* may be written as `type:` under interfaces: */
	TOPO_LT_MASTER   = 1u << 1,   /* can be a master; its default mtu follows its ports */
	TOPO_LT_PAIR     = 1u << 2,   /* created in pairs by links: (veth) */
	TOPO_LT_KERNEL   = 1u << 3,   /* the kernel's own (lo): never created or deleted */
	TOPO_LT_WITH_DEP = 1u << 4,   /* the kernel deletes it with the link it depends on */
	TOPO_LT_DEFAULTS_MTU = 1u << 5, /* defaults: mtu applies to it */
	TOPO_LT_FDB      = 1u << 6,   /* takes static fdb: entries (vxlan's head-end replication) */
};

struct topo_linktype {
	const char *name;                 /* `type:` and the kernel's IFLA_INFO_KIND */
	unsigned flags;
	const struct topo_lopt *opts;
	size_t n_opts;
	/* After the options are loaded: fill in defaults (vxlan dstport 4789). */
	void (*complete)(struct topo_iface *ifc);
	/* The type's own rules on one entry; NULL = none. */
	void (*validate)(const struct topo_iface *ifc, const struct topo_lt_report *r);
	/* The IFNAME option naming the link of the same namespace it goes
	 * after (vxlan dev, macvlan parent); NULL = none. */
	const char *dep_key;
	/* The mtu the kernel gives a new one, given the mtu of the link it
	 * depends on (0 = none or unknown); 0 = unknown, leave it. NULL: 0. */
	uint32_t (*default_mtu)(const struct topo_iface *ifc, uint32_t dep_mtu);
	/* Why a change from o to d needs a replace beyond the immutable
	 * options (NULL = it does not); may be NULL. */
	const char *(*replace_why)(const struct topo_iface *d, const struct topo_iface *o);
};

/* Observed links of a kind topo does not manage. */
extern const struct topo_linktype topo_lt_other;

/* Every type, in the order of the "accepted" list. */
extern const struct topo_linktype *const topo_linktypes[];
extern const size_t topo_n_linktypes;

const struct topo_linktype *topo_linktype_find(const char *name);
/* "bridge, veth, vxlan, ..." of the declarable types, into buf. */
const char *topo_linktypes_accepted(char *buf, size_t len);
/* "KEY, KEY (TYPE), ..." of every type's options, into buf. */
const char *topo_lopts_accepted(char *buf, size_t len);
/* The option called key of lt: its index, or -1. */
int topo_lopt_find(const struct topo_linktype *lt, const char *key);
/* The type that has an option called key (first one), or NULL. */
const struct topo_linktype *topo_lopt_owner(const char *key, int *idx);

/* Parse a scalar into option o: 0, or -EINVAL with a message in err. */
int topo_lopt_parse(const struct topo_lopt *o, const char *s, bool is_bool, bool b,
		    struct topo_linkopt *ret, char *err, size_t errlen);
bool topo_lopt_equal(const struct topo_lopt *o, const struct topo_linkopt *a, const struct topo_linkopt *b);
/* The value in ip's words ("stp_state 1", "nolearning", "id 42"). */
void topo_lopt_format_ip(const struct topo_lopt *o, const struct topo_linkopt *v, char *buf, size_t len);
/* The value as YAML ("true", "bridge", "1.2.3.4", "32768-60999"). */
void topo_lopt_format_yaml(const struct topo_lopt *o, const struct topo_linkopt *v, char *buf, size_t len);

/* " OPT VALUE ..." for each set option of ifc, appended to buf. */
void topo_link_format_opts(const struct topo_iface *ifc, char *buf, size_t len);
/* Which declared option differs between d and o, if any: its index, or
 * -1; *immutable says whether that change needs a replace. Options d does
 * not declare are not compared. */
int topo_link_opts_differ(const struct topo_iface *d, const struct topo_iface *o, bool *immutable);
/* Why d cannot be reached from o in place ("replace: vni changed"), or NULL. */
const char *topo_link_replace_why(const struct topo_iface *d, const struct topo_iface *o);
/* The link ifc depends on, or "". */
const char *topo_link_depends_on(const struct topo_iface *ifc);

static inline bool topo_lt_is(const struct topo_linktype *lt, unsigned flag)
{
	return lt && (lt->flags & flag);
}

#endif
