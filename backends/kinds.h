/* SPDX-License-Identifier: MIT */
/*
 * Table kinds in the backends: per kind, observe (a dump into the model's
 * objects) and the netlink request for a step. Found by the model's kind
 * pointer; observe.c and exec.c never name a kind.
 */
#ifndef TOPO_BACKENDS_KINDS_H
#define TOPO_BACKENDS_KINDS_H

#include "backends/internal.h"
#include "model/kind.h"

struct kind_backend {
	const struct topo_kind *kind;
	/* Appends the namespace's objects to objs (out's links are read
	 * already: ifindex -> name). 0 or -errno. */
	int (*observe)(struct backend *b, struct bns *ns, const struct topo_ns *out, struct topo_objs *objs);
	/* The request for STEP_OBJ_ADD / _DEL / _REPLACE of obj. */
	int (*msg)(struct backend *b, struct bns *ns, enum step_op op, const void *obj, struct nl_msg **ret);
};

const struct kind_backend *kind_backend_find(const struct topo_kind *k);
/* The objects of every kind with want[slot] of the namespace into out->objs
 * (the others left empty). */
int kinds_observe(struct backend *b, struct bns *ns, struct topo_ns *out, const bool *want);

/* The name of ifindex among out's links, "" if none. */
const char *kinds_ifname(const struct topo_ns *out, int ifindex);

#endif
