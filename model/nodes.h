/* SPDX-License-Identifier: MIT */
/*
 * One file across several hosts (`nodes:`). Pure: no syscalls.
 *
 * The whole file loads as one topology in which every namespace names its
 * node, and the namespace named after a node is that node's host. Each host
 * then reconciles only its slice: topo_nodes_slice turns the whole model into
 * the single-host topology of one node, in which what crosses to another node
 * has become VXLAN. The rest of topo (diff, apply, destroy, show, check) runs
 * unchanged on the slice.
 */
#ifndef TOPO_MODEL_NODES_H
#define TOPO_MODEL_NODES_H

#include <stddef.h>
#include <stdint.h>

#include "model/loader.h"
#include "model/topology.h"

#define TOPO_VXLAN_PORT 4789        /* IANA's VXLAN port (RFC 7348), Linux's iproute2 default */
#define TOPO_UNDERLAY_MTU 1500      /* a node's underlay mtu when the file does not say */
/* A stretched bridge spans at most this many nodes: head-end replication
 * sends each broadcast once per peer, which does not scale past a few. */
#define TOPO_STRETCH_MAX_NODES 16

/*
 * The per-file rules and derived values of a file with nodes:, run by the
 * loader once the rest validated: VNIs (explicit, or derived from the sorted
 * endpoint names so reordering the file never changes them; a collision is
 * an error), UDP ports, the overlay MTU (underlay less 50 for IPv4, 70 for
 * IPv6) set on every interface that crosses or is bridged over a tunnel (a
 * declared larger one is an error), host-gw `via`s on the node's own
 * underlay subnet. Errors go to *diags; 0, -EINVAL (diags added) or -ENOMEM.
 */
int topo_nodes_resolve(struct topology *t, struct topo_diags *diags);

/* The overlay mtu over a node's underlay: its mtu less the VXLAN headers. */
uint32_t topo_node_overlay_mtu(const struct topo_node *n);

/* The VNI a tunnel gets when the file gives none: a hash of the sorted
 * names, 1..16777215. "a:eth0" "b:eth0" for a link, the bridge's name for a
 * stretched bridge (one name). */
uint32_t topo_vni_derive(const char *const *names, size_t n);

/*
 * Replaces *t (a file with nodes:, loaded) by the single-host topology of
 * node `node`: its namespaces (its host namespace becomes `host`), the links
 * with both ends there, each link to another node as a VXLAN tunnel, each
 * stretched bridge with a VXLAN port, and the checks run from there.
 * 0; -ENOENT when there is no such node; -ENOMEM. err says why.
 */
int topo_nodes_slice(struct topology *t, const char *node, char *err, size_t errlen);

/* The node whose underlay address is one of addrs[] (the host's own):
 * 0 and *ret = its index; -ENOENT none; -EEXIST several. err says which. */
int topo_nodes_pick(const struct topology *t, const struct topo_ip *addrs, size_t n_addrs, size_t *ret,
		    char *err, size_t errlen);

#endif
