/* SPDX-License-Identifier: MIT */
/*
 * Whose is this object? The one place that answers it, for diff, destroy,
 * show and export alike. Pure: it reads the observed model (the kernel's
 * marks), the state files (this topology's and the others') and the file.
 *
 * The kernel proves "made by topo": a link's alias topo:<topology>, the
 * alias of a created namespace's lo, route protocol 149, address IFA_PROTO
 * 149, the comment of the nft table. Where the mark names no topology (a
 * route or an address on a link nobody marks, like host's lo), the state
 * files say which topology made it: another topology's record wins, then
 * this topology's record or declaration. A name alone proves nothing.
 */
#ifndef TOPO_RECONCILE_OWNER_H
#define TOPO_RECONCILE_OWNER_H

#include <stdbool.h>
#include <stddef.h>

#include "model/state.h"
#include "model/strmap.h"
#include "model/topology.h"

enum owner_verdict {
	OWNER_OURS,        /* this topology's: topo may change and delete it */
	OWNER_KERNEL,      /* the kernel's own (lo, 127.0.0.1/8, link-local, prefix routes) */
	OWNER_FOREIGN,     /* not topo's: a person's, a daemon's, Docker's */
	OWNER_OTHER,       /* another topology's (owner_*_other says which) */
	OWNER_ADOPTABLE,   /* foreign, unmarked, and apply --adopt may mark it in place */
};

/*
 * Route protocols (rtm_protocol) in a namespace topo created:
 *  - kernel (2) and ra (9): the kernel's;
 *  - unspec (0), redirect (1), boot (3, `ip route add` without proto),
 *    static (4) and topo's 149: drift, topo's to change and delete;
 *  - anything else (zebra 11, bird 12, babel 42, bgp 186, isis 187,
 *    ospf 188, rip 189, dhcp 16, keepalived 18...): a daemon's, never topo's.
 * In host and attached namespaces only 149 can be topo's.
 */
enum owner_verdict owner_route_protocol(bool ns_ours, unsigned char proto);

struct owner_ctx {
	const char *topology;
	const struct topo_state *state;      /* this topology's record; may be NULL */
	const struct topo_state *others;     /* other topologies' records */
	size_t n_others;
	bool adopt;                          /* apply --adopt */
	struct strmap claimed;               /* ids this topology declares (outside its namespaces) or recorded */
	struct strmap other_ids;             /* ids, pending links ("NS\tl\tNAME"), created namespaces ("NS\tc") -> index in others */
	char **ids;                          /* the strings the maps point at */
	size_t n_ids;
};

/* desired: the file (or the empty topology of a destroy); state and others
 * are borrowed and must outlive the context. 0 or -ENOMEM. */
int owner_ctx_init(struct owner_ctx *ctx, const struct topology *desired, const struct topo_state *state,
		   const struct topo_state *others, size_t n_others, bool adopt);
void owner_ctx_free(struct owner_ctx *ctx);

/* One observed namespace, as the predicates see it. */
struct owner_scope {
	const struct topo_ns *o;
	enum owner_verdict ns;               /* owner_ns() */
	bool all_ours;                       /* a namespace this topology created or adopts */
	const struct topo_ns *d;             /* the declared namespace of the same name, or NULL */
	const bool *adopted;                 /* per o->ifaces: taken over by --adopt; NULL = none */
	struct strmap ifmap;                 /* name -> index in o->ifaces */
};

/* d: the declared namespace of the same name, or NULL. 0 or -ENOMEM. */
int owner_scope_init(struct owner_scope *sc, const struct owner_ctx *ctx, const struct topo_ns *o,
		     const struct topo_ns *d);
void owner_scope_free(struct owner_scope *sc);

/*
 * A namespace: OURS (created by this topology: lo's mark or the record of its
 * creation), OTHER (lo carries another topology's mark, or another record
 * says it created it), ADOPTABLE (declared as created, there without any
 * mark, --adopt), FOREIGN (any other existing created-kind namespace; or an
 * attached one that is in fact the namespace topo runs in). Host and other
 * attached namespaces are shared: OWNER_KERNEL, only marked objects in them
 * are topo's.
 */
enum owner_verdict owner_ns(const struct owner_ctx *ctx, const struct topo_ns *o, const struct topo_ns *d);
const char *owner_ns_other(const struct owner_ctx *ctx, const struct topo_ns *o);

enum owner_verdict owner_link(const struct owner_ctx *ctx, const struct owner_scope *sc, const struct topo_iface *ifc);
const char *owner_link_other(const struct owner_ctx *ctx, const struct owner_scope *sc, const struct topo_iface *ifc);

enum owner_verdict owner_addr(const struct owner_ctx *ctx, const struct owner_scope *sc, const struct topo_iface *ifc,
			      const struct topo_addr *a);
/* The other topology whose state file records this address (route), or NULL. */
const char *owner_addr_other(const struct owner_ctx *ctx, const char *ns, const char *dev, const struct topo_ip *ip);

enum owner_verdict owner_route(const struct owner_ctx *ctx, const struct owner_scope *sc, const struct topo_route *rt);
const char *owner_route_other(const struct owner_ctx *ctx, const char *ns, const struct topo_route *rt);

/* Our nft table inet topo-<topology> in this namespace (when there is one of
 * that name): OURS when it carries our comment (or, in a namespace this
 * topology created, from a topo before the mark); else FOREIGN. */
enum owner_verdict owner_nft(const struct owner_ctx *ctx, const struct owner_scope *sc);

/* A static fdb entry has no owner field of its own: one on a link that is
 * ours is ours (the link's mark proves it), except the entry the kernel
 * makes itself from a vxlan's remote (all-zeros MAC to that address).
 * dev: the observed link it is on (NULL = unknown: foreign). */
bool owner_fdb_is_kernels(const struct topo_iface *dev, const struct topo_fdb *e);
enum owner_verdict owner_fdb(const struct owner_ctx *ctx, const struct owner_scope *sc, const struct topo_iface *dev,
			     const struct topo_fdb *e);
/* Is there a table of our name at all? */
bool owner_nft_present(const struct topo_ns *o);

/* A sysctl: OURS when this topology declares it or recorded its old value
 * (it restores it), FOREIGN otherwise. */
enum owner_verdict owner_sysctl(const struct owner_ctx *ctx, const struct owner_scope *sc, const char *key);

/* The kernel's own address (IFA_PROTO kernel_lo/ra/ll, link-local, lo's). */
bool owner_addr_is_kernels(const struct topo_iface *ifc, const struct topo_addr *a);

#endif
