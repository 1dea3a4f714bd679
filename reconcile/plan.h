/* SPDX-License-Identifier: MIT */
/*
 * The plan: an ordered array of steps, pure data. It is computed by
 * topo_diff() from the desired and observed models, printed by `topo diff`,
 * executed by the backends, and inverted step by step for rollback.
 *
 * A step marked `implicit` is one the kernel does by itself as a side effect
 * of a later step (deleting a link removes its addresses and routes, deleting
 * a namespace removes everything in it). Implicit steps are not executed and
 * not printed; they are in the plan so that a rollback can rebuild what the
 * kernel removed.
 */
#ifndef TOPO_RECONCILE_PLAN_H
#define TOPO_RECONCILE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "model/kind.h"
#include "model/state.h"
#include "model/topology.h"

enum step_op {
	STEP_NETNS_ADD,
	STEP_NETNS_DEL,
	STEP_LINK_ADD,          /* bridge, vxlan, or a veth pair (both ends) */
	STEP_LINK_DEL,
	STEP_LINK_SET,          /* one attribute, see enum link_attr */
	STEP_ADDR_ADD,
	STEP_ADDR_DEL,
	STEP_ROUTE_ADD,
	STEP_ROUTE_DEL,
	STEP_ROUTE_REPLACE,
	STEP_SYSCTL_SET,
	STEP_NFT_SET,           /* rebuild our table in one transaction */
	STEP_NFT_DEL,
	STEP_NFT_RESTORE,       /* rollback only: put back a saved table */
	/* An object of a table kind (model/kind.h): kind + obj (+ old_obj). */
	STEP_OBJ_ADD,
	STEP_OBJ_DEL,
	STEP_OBJ_REPLACE,
	STEP_DU_ADD,            /* coexist docker_user: an accept for ifname (new.flag: oifname) in DOCKER-USER */
	STEP_DU_DEL,
	STEP_FDB_ADD,           /* a static fdb entry (bridge fdb append): ifname + fdb */
	STEP_FDB_DEL,
};

enum link_attr {
	LINK_ATTR_MASTER,
	LINK_ATTR_MTU,
	LINK_ATTR_MAC,
	LINK_ATTR_OPT,          /* one option of the link's type (model/linktype.h) */
	LINK_ATTR_UP,
	LINK_ATTR_MARK,         /* the alias topo:<topology>; flag false clears it */
	LINK_ATTR_SHAPE,        /* topo's root qdisc (tbf, netem); "none" deletes it */
	LINK_ATTR_ADDR_GEN,     /* IPv6 addr_gen_mode (TOPO_AGM_*), set while the link has no carrier */
};

/* Execution happens phase by phase; within a phase, steps may be pipelined. */
enum step_phase {
	PHASE_NFT_DEL,
	PHASE_SYSCTL_RESTORE,
	PHASE_ROUTE_DEL,
	/* Addresses of links about to go (implicit); IPv6 addresses that must
	 * be gone before the same address comes back with another prefix
	 * length, or before an mtu below 1280 takes IPv6 off their link. */
	PHASE_ADDR_DEL_GONE,
	PHASE_LINK_DEL,
	PHASE_NETNS_DEL,
	PHASE_NETNS_ADD,
	/* Namespace-wide keys, before the links: a new link copies
	 * net.ipv4.conf.default.* and net.ipv6.conf.default.*, a route caches
	 * its source under route_localnet. */
	PHASE_SYSCTL_NS,
	PHASE_LINK_ADD,
	PHASE_MASTER,
	PHASE_LINK_ATTR,        /* mtu (raised before IPv6 addresses come), mac, type options */
	PHASE_UP,
	PHASE_SYSCTL_IF,        /* keys naming a declared interface: once it exists */
	PHASE_ADDR_ADD,
	PHASE_ADDR_DEL,         /* after the adds: an interface never drops to zero addresses */
	/* Table kinds' adds and replaces: after the addresses (a gateway is
	 * reachable), the bridges' coming up, before the routes (which may go
	 * through such an object); lower levels first. */
	PHASE_OBJ_ADD,
	PHASE_ROUTE_ADD,
	/* Their deletes: once what replaces them is in place (a displaced
	 * default's replacement, a higher level no longer naming a lower
	 * one); higher levels first. */
	PHASE_OBJ_DEL,
	PHASE_NFT,
	PHASE_COUNT,
};

/* IPv6 is off on a link whose mtu is below this (the kernel removes it). */
#define TOPO_IPV6_MIN_MTU 1280

struct link_value {
	uint32_t mtu;
	uint8_t mac[6];
	bool flag;                        /* up, mark */
	uint8_t addr_gen_mode;            /* TOPO_AGM_* */
	char master[TOPO_IFNAME_MAX + 1];
	/* The values of two attributes that never meet (a LINK_SET step has
	 * one attr): read them only for it. */
	union {
		struct {                  /* LINK_ATTR_OPT: option opt of type, its value */
			const struct topo_linktype *type;
			unsigned opt;
			struct topo_linkopt val;
		};
		struct topo_shape shape;  /* LINK_ATTR_SHAPE */
	};
};

/* A link in a namespace that stays, which the kernel deletes when another
 * namespace goes (a veth's other end): NETNS_DEL waits until it is gone. */
struct step_wait {
	char ns[TOPO_NS_NAME_MAX + 1];
	char name[TOPO_IFNAME_MAX + 1];
	int ifindex;
};

/*
 * What only some ops carry, one set per step: a plan holds thousands of
 * steps, and each set is a few hundred bytes to 1.5 KB, so a step holds
 * its set out of line, in an allocation of its op's size that it owns
 * (step_body_new, step_body_size). The replaces' second half (old_route,
 * old_obj) is there for ROUTE_REPLACE and OBJ_REPLACE only. The body holds
 * copies (a route's paths and a link's options too), never pointers into an
 * observed model: the journal of an apply outlives the observed model of
 * each round (an NFT step's nft_desired borrows the desired one, which
 * outlives every plan of the run).
 */
struct step_link {              /* LINK_ADD / LINK_DEL: the whole link; for a veth, its peer too */
	struct topo_iface link;
	char peer_ns[TOPO_NS_NAME_MAX + 1];
	struct topo_iface peer;
};

struct step_set {               /* LINK_SET: attr's value before and after; DU_*: new.flag (oifname) */
	struct link_value old, new;
};

struct step_route {             /* ROUTE_* */
	struct topo_route route;
	struct topo_route old_route[]; /* ROUTE_REPLACE: [0] */
};

struct step_nft {               /* NFT_* */
	/* NFT_SET: the namespace's declared rules (borrowed from the desired model). */
	const struct topo_ns *nft_desired;
	/* NFT_SET/NFT_DEL once executed, NFT_RESTORE: the table as it was,
	 * saved by the backend as raw netlink messages; NULL = there was none. */
	unsigned char *nft_saved;
	size_t nft_saved_len;
	/* The same for the other families' tables topo-<topology> (nft: text),
	 * as nft text (libnftables' listing); NULL = there were none. */
	char *nftx_saved;
	bool nft_had_table;
	/* The step touches nft text's tables too (declared, or read there):
	 * without it the backend leaves libnftables out. */
	bool nftx;
};

struct step_obj {               /* OBJ_*: the object (kind->size bytes) */
	const struct topo_kind *kind;
	union topo_obj_buf obj;
	union topo_obj_buf old_obj[];  /* OBJ_REPLACE: [0] */
};

struct step {
	enum step_op op;
	enum step_phase phase;
	unsigned id;                      /* unique in its plan, 1-based */
	unsigned parent;                  /* implicit: the id of the step that causes it */
	bool implicit;
	bool follows_add;                 /* finishes a LINK_ADD (peer up, peer master): not counted */
	bool peer_followups;              /* LINK_ADD from a rollback: also bring the peer up / enslave it */
	bool netns_ipv6;                  /* NETNS_ADD: the namespace will carry IPv6 */
	const char *note;                 /* static text saying why, e.g. "replace: peer namespace changed" */
	struct topo_pos pos;              /* the declaration it comes from, if any */

	char ns[TOPO_NS_NAME_MAX + 1];    /* where the object lives */

	/* LINK_SET (its values in set), ADDR_*, FDB_*, DU_* */
	char ifname[TOPO_IFNAME_MAX + 1];
	enum link_attr attr;

	/* What one op carries, which no other op's code reads: the ops share
	 * the space (a plan has thousands of steps, 288 bytes each before).
	 * Read a member only after checking the op; step_free frees the
	 * pointers of the step's own op (step_union_clear, plan.c). */
	union {
		struct topo_fdb fdb;      /* FDB_*: ifname + fdb */
		/* ADDR_*: ifname + addr (addr.proto: TOPO_IFAPROT for ours, else restored as found) */
		struct topo_addr addr;
		/* ROUTE_DEL of a kernel-made route an `absent:` entry names: the
		 * state file records it before, so destroy can put it back. */
		bool absent;
		struct {                  /* SYSCTL_SET: old_value NULL = not known before execution */
			char *key, *value, *old_value;
		};
		struct {                  /* NETNS_DEL: links elsewhere that go with the namespace */
			struct step_wait *waits;
			size_t n_waits;
		};
		char table[TOPO_NAME_MAX + 8];   /* NFT_*: our table's name, "topo-<topology>" (the rest in nf) */
	};

	/* What only some ops carry (see struct step_link): the step's own
	 * allocation, NULL for the other ops. */
	union {
		void *body;
		struct step_link *lk;     /* LINK_ADD, LINK_DEL */
		struct step_route *rt;    /* ROUTE_* */
		struct step_obj *ob;      /* OBJ_* */
		struct step_set *set;     /* LINK_SET, DU_* */
		struct step_nft *nf;      /* NFT_* */
	};

	/* What differs, one item per line ("rule missing: ..."); may be NULL. */
	char *detail;
};

struct plan {
	struct step *steps;
	size_t n;
	size_t cap;             /* slots allocated (plan_append doubles; plan_trim fits) */
};

struct plan_counts {
	size_t add, change, remove;
};

/* A diff also finds reasons not to go on (a foreign object holds a declared
 * name) and things worth a word (a foreign forward chain that drops). */
struct topo_msgs {
	char **v;
	size_t n;
};

struct diff_result {
	struct plan plan;
	struct topo_msgs conflicts;   /* non-empty: nothing may be applied */
	struct topo_msgs warnings;
};

/*
 * desired: the loaded file (or, for destroy, the topology with nothing in it).
 * observed: the same namespaces as read from the kernel (backends fill it;
 *           namespaces matched by name, one entry per namespace in scope).
 * state:    what topo recorded earlier (namespaces it created, sysctl values
 *           it found before changing them); may be empty.
 * Returns 0 or -ENOMEM.
 */
int topo_diff(const struct topology *desired, const struct topology *observed,
	      const struct topo_state *state, struct diff_result *ret);

struct diff_opts {
	/* Take over declared objects that exist without anyone's mark (a lab
	 * built by hand, then exported): mark them, then manage them. */
	bool adopt;
	/* The other topologies' state files: what they recorded is theirs. */
	const struct topo_state *others;
	size_t n_others;
};

int topo_diff_opts(const struct topology *desired, const struct topology *observed,
		   const struct topo_state *state, const struct diff_opts *opts, struct diff_result *ret);
void diff_result_free(struct diff_result *r);

/* The step that undoes s (for rollback): 0 with *ret filled, 1 when there is
 * nothing to undo, -ENOMEM. */
int step_invert(const struct step *s, struct step *ret);

/* sysctl keys. Writing one of these (net.ipv4.ip_forward,
 * net.ipv4.conf.all.forwarding, net.ipv6.conf.all.forwarding) sets the
 * forwarding of every interface of the namespace. */
bool sysctl_key_is_global_forwarding(const char *key);
/* net.ipv{4,6}.conf.IF.*, net.ipv{4,6}.neigh.IF.* (not all/default): true
 * and IF in ifname (TOPO_IFNAME_MAX + 1 bytes). */
bool sysctl_key_iface(const char *key, char *ifname);
void step_free(struct step *s);
/* Frees what s's body holds (a route's paths), not the body itself. */
void step_body_clear(struct step *s);
/* The size of the body op's steps carry; 0 = op has none. */
size_t step_body_size(enum step_op op);
/* Give s (op set, body NULL) a zeroed body of its op's size: 0 or -ENOMEM
 * (then s->body stays NULL). Nothing to do for an op without one. */
int step_body_new(struct step *s);
void plan_free(struct plan *p);
int plan_append(struct plan *p, const struct step *s);   /* takes s's strings and body */
/* Gives back the slots past the last step (a finished plan). */
void plan_trim(struct plan *p);

/*
 * destroy's order: the namespace deletions as early as they can come, and
 * after them what cannot depend on them (nftables, sysctls not naming an
 * interface, deleting links that are not a dying namespace's veth ends):
 * the kernel's asynchronous cleanup of the namespaces then overlaps the
 * rest. Stable otherwise; phases are kept, so batches stay by phase. 0 or
 * -ENOMEM (the plan as it was).
 */
int plan_namespaces_first(struct plan *p);
struct plan_counts plan_count(const struct plan *p);

/*
 * Which of t's namespaces the steps of p can have changed: ret[i] for
 * t->ns[i]. A step changes its own namespace, and a link step also its
 * veth's other end's and its parent's (link_ns); a namespace's deletion
 * also those its links elsewhere go with. What no step names was left as
 * it was read. 0 or -ENOMEM.
 */
int plan_touches(const struct plan *p, const struct topology *t, bool *ret);
/* Human form, iproute2's words: "+ link add ...", "~ link set ...", "- address del ...". */
void step_format(const struct step *s, char *buf, size_t len);
void plan_print(const struct plan *p, FILE *out, bool color);
/* One step as plan_print writes it: LINE (coloured by its +/~/- sign), then
 * each line of DETAIL (may be NULL) indented. */
void plan_print_line(FILE *out, const char *line, const char *detail, bool color);
/* The plan as diff --json prints it: {"steps":[{op, ns, text, note?, detail?,
 * line?, column?}], add, change, remove}; strings by model/json.h's rule.
 * A new reference, NULL when out of memory. */
struct json_t *plan_json(const struct plan *p);
int plan_print_json(const struct plan *p, FILE *out);   /* 0 or -errno */
const char *step_op_name(enum step_op op);

int topo_msgs_add(struct topo_msgs *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void topo_msgs_free(struct topo_msgs *m);

#endif
