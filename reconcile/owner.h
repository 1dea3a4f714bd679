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

#include "model/kind.h"
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
	const struct topology *desired;      /* borrowed: the file (peers' namespaces, for --adopt) */
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
	struct strmap ifmap;                 /* name -> index in o->ifaces; see owner_scope_iface */
};

/* Fewer interfaces than this (most namespaces hold two or three) are found
 * by a walk: a map per namespace costs more than it saves. */
#define OWNER_IFMAP_MIN 8

/* The index of the interface of that name in sc->o, or -1. */
long owner_scope_iface(const struct owner_scope *sc, const char *name);

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
/* The root qdisc of a link topo manages: the kernel's default (OWNER_KERNEL,
 * which shaping may replace), topo's (handle 9500:, OWNER_OURS), or
 * someone's (OWNER_FOREIGN: never replaced). */
enum owner_verdict owner_qdisc(const struct topo_shape *observed);

/* May an `absent:` entry delete this route? Only one the kernel made
 * (protocol kernel): anyone else's route is never touched. */
bool owner_route_absent_deletable(const struct topo_route *rt);
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
/* The first of d's nft texts whose table (another family's topo-<t>) is
 * there without our mark, or -1. */
int owner_nft_text_foreign(const struct topo_ns *o, const struct topo_ns *d);

/* A sysctl: OURS when this topology declares it or recorded its old value
 * (it restores it), FOREIGN otherwise. */
enum owner_verdict owner_sysctl(const struct owner_ctx *ctx, const struct owner_scope *sc, const char *key);

/*
 * An object of a table kind (model/kind.h), by its protocol byte:
 * TOPO_RTPROT is topo's, kernel (2) is the kernel's own (the defaults it
 * makes with a namespace), anything else a person's or a daemon's, in every
 * namespace (even one topo created: a twin made by hand is not topo's).
 * With --adopt a foreign one is ADOPTABLE. In a namespace that is foreign
 * or another topology's, nothing is ours. In host and attached namespaces
 * the protocol says "topo" but not which topology: the state files decide,
 * another topology's record first, then this one's record or declaration
 * (unclaimed: FOREIGN, never touched).
 */
enum owner_verdict owner_object(const struct owner_ctx *ctx, const struct owner_scope *sc, const struct topo_kind *k,
				const void *o);

/*
 * Container runtimes. A namespace under Docker's netns directory
 * (/run/docker/netns, /var/run/docker/netns) is Docker's, one under CNI's
 * (/run/netns/cni-*, /var/run/netns/cni-*, or a namespace of topo's
 * directory named cni-*) is CNI's: "Docker" / "CNI", or NULL. They are
 * never topo's: --adopt takes nothing in them and never the namespace.
 */
const char *owner_ns_runtime(const struct topo_ns *o);

/*
 * Why --adopt must not take this link over, written to buf (and returned),
 * or NULL: a bridge whose ports lead into namespaces a container runtime
 * owns or the file does not declare (docker0, cni0 with their containers'
 * veths), a bridge named docker0 or cni0, or any link in a runtime's
 * namespace. Such a link is FOREIGN even under --adopt.
 */
const char *owner_adopt_refusal(const struct owner_ctx *ctx, const struct owner_scope *sc,
				const struct topo_iface *ifc, char *buf, size_t n);

/*
 * Who else depends on a forwarding sysctl (net.ipv4.ip_forward,
 * net.ipv4.conf.all.forwarding) being on in this namespace: Docker or CNI,
 * by their iptables chains or by a bridge of theirs (one whose ports lead to
 * container namespaces, docker0, cni0). Written to buf and returned, or
 * NULL. Destroy keeps such a value instead of switching forwarding off
 * under them; apply warns before switching it off.
 */
const char *owner_sysctl_dependent(const struct owner_ctx *ctx, const struct owner_scope *sc, const char *key,
				   char *buf, size_t n);

/*
 * A declared dnat whose protocol, port and address another table already
 * publishes in this namespace (observed: o->published): that rule, or
 * NULL. topo would take the port over silently; diff makes it a conflict.
 * who: "Docker", "CNI portmap", "topology 'lab1'" or "another table".
 */
const struct topo_published *owner_dnat_published(const struct topo_ns *o, const struct topo_nat *n);
const char *owner_published_by(const struct topo_published *p, char *buf, size_t len);

/* A rule in Docker's DOCKER-USER chain carrying topo's comment: OURS when it
 * names this topology (topo:<topology>), OTHER for another's. */
enum owner_verdict owner_du_rule(const struct owner_ctx *ctx, const struct topo_du_rule *r);

/* The kernel's own address (IFA_PROTO kernel_lo/ra/ll, link-local, lo's). */
bool owner_addr_is_kernels(const struct topo_iface *ifc, const struct topo_addr *a);

#endif
