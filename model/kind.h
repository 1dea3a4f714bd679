/* SPDX-License-Identifier: MIT */
/*
 * Table kinds: namespace-scoped objects with a kernel key, described by one
 * table each (struct topo_kind) so that the loader, the diff, the plan
 * printer, show, export and the backends handle every such kind with the
 * same generic code, found by the YAML key or by the step's kind pointer.
 * The generic code never names a kind; a kind is one file in model/ (this
 * table) and one in backends/ (its netlink ops, backends/kinds.h).
 *
 * Objects are plain data without pointers (copied with memcpy, at most
 * TOPO_KIND_OBJ_MAX bytes, carried inline in plan steps) whose first member
 * is their struct topo_pos. They live per namespace in topo_ns.objs[slot],
 * slot = the kind's index in topo_kinds[]. Ownership is the kernel's
 * protocol byte (kind->proto): reconcile/owner.c decides what it means.
 */
#ifndef TOPO_MODEL_KIND_H
#define TOPO_MODEL_KIND_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/topology.h"

#define TOPO_KIND_OBJ_MAX 384

struct loader;
struct ynode;

/* An object carried by value (plan steps). */
union topo_obj_buf {
	max_align_t align;
	unsigned char b[TOPO_KIND_OBJ_MAX];
};

struct topo_kind {
	const char *key;            /* the namespace's YAML key, a list */
	const char *noun;           /* one object, in messages */
	const char *ip_object;      /* iproute2's object word: "+ OBJ add WORDS" */
	size_t size;                /* sizeof the model type, <= TOPO_KIND_OBJ_MAX */
	size_t max;                 /* per file */

	/* Loader: one list entry into obj (zeroed, pos set); false = refused
	 * (the diagnostics are recorded). */
	bool (*load)(struct loader *ld, const struct ynode *n, void *obj);
	/* After the whole namespace is read (its interfaces, routes and the
	 * kind's objects): cross checks, duplicates. May be NULL. */
	void (*validate)(struct loader *ld, const struct topo_ns *ns, const void *objs, size_t n);

	/* The kernel's key: objects with cmp == 0 are the same object. */
	int (*cmp)(const void *a, const void *b);
	/* Same key: does the observed o match the declared d? NULL = the key
	 * is the whole object. */
	bool (*same)(const void *d, const void *o);
	/* Can old be replaced by new in place (NLM_F_REPLACE)? NULL = never:
	 * delete and add. */
	bool (*replaceable)(const void *old_obj, const void *new_obj);
	/* The owner mark (a protocol byte) of an observed object; set_proto
	 * puts TOPO_RTPROT on what topo adds. */
	uint8_t (*proto)(const void *o);
	void (*set_proto)(void *o, uint8_t proto);
	/* Dependency depth: adds run in increasing, deletes in decreasing
	 * level (a group after its members). NULL = 0. */
	unsigned (*level)(const void *o);
	/* The device the kernel deletes the object with; NULL or "" = none. */
	const char *(*dev)(const void *o);
	/* Does the kernel delete this route when o goes? NULL = never. */
	bool (*takes_route)(const void *o, const struct topo_route *rt);

	/* Kernel defaults a declaration may displace (e.g. a default rule
	 * moved to another priority). defaults fills out[0..max) and returns
	 * their count; displaces: does the declared d remove the
	 * default dflt; covers: is the observed object of ours o the evidence
	 * that topo displaced dflt (then a missing dflt is put back). NULL =
	 * the kind has none. */
	size_t (*defaults)(union topo_obj_buf *out, size_t max);
	bool (*displaces)(const void *d, const void *dflt);
	bool (*covers)(const void *o, const void *dflt);
	/* Export: o, which covers a missing default, is declared displacing it. */
	void (*set_displaces)(void *o);

	/* iproute2's words for the object, as after "ip OBJ add": one printer
	 * for plan, show and export comments. */
	void (*format)(const void *o, char *buf, size_t len);
	/* The key alone in those words (the state file's record of an object
	 * in a shared namespace); NULL = the key is the whole object. */
	void (*key_words)(const void *o, char *buf, size_t len);
	/* One YAML list item at the given indent ("- key: value" lines),
	 * as the loader reads it back. */
	void (*emit)(FILE *out, const void *o, int indent);
};

extern const struct topo_kind *const topo_kinds[];
extern const size_t topo_n_kinds;

/* The kind whose YAML key is key, or NULL. */
const struct topo_kind *topo_kind_by_key(const char *key);
size_t topo_kind_slot(const struct topo_kind *k);
/* ", KEY, KEY" for the loader's "accepted:" lists. */
void topo_kind_keys(char *buf, size_t len);

static inline void *topo_obj_at(const struct topo_kind *k, const struct topo_objs *objs, size_t i)
{
	return objs->v + i * k->size;
}
static inline const struct topo_pos *topo_obj_pos(const void *o)
{
	return (const struct topo_pos *)o;
}
/* Appends a zeroed object; NULL when out of memory. */
void *topo_objs_add(const struct topo_kind *k, struct topo_objs *objs);
void topo_objs_free(struct topo_objs *objs);

/* "NS\tk\tKEY\tWORDS": the state file's id of an object (model/state.h,
 * topo_object_id_*); NULL when out of memory. */
char *topo_object_id_kind(const char *ns, const struct topo_kind *k, const void *o);

/* Object formatted with the kind's words into buf. */
void topo_obj_format(const struct topo_kind *k, const void *o, char *buf, size_t len);

/* Export: every kind's objects of a namespace, as YAML under `indent`. */
void topo_kinds_emit(FILE *out, const struct topo_ns *ns, int indent, bool (*keep)(const struct topo_kind *k,
		     const struct topo_ns *ns, const void *o, void *arg), void *arg);

/* --- The loader's vocabulary, for the kinds' load functions (loader.c). --- */

enum topo_ynode_type { TOPO_YN_SCALAR, TOPO_YN_SEQ, TOPO_YN_MAP };

/* The node's kind; a map's (key, value) pairs; a scalar's text. */
enum topo_ynode_type topo_ld_type(const struct ynode *n);
size_t topo_ld_len(const struct ynode *n);              /* pairs in a map, items in a list */
const struct ynode *topo_ld_key(const struct ynode *n, size_t i);
const struct ynode *topo_ld_val(const struct ynode *n, size_t i);   /* map: value of pair i; list: item i */
const char *topo_ld_text(const struct ynode *n);        /* scalar text, "" for others */
struct topo_pos topo_ld_pos(const struct ynode *n);
bool topo_ld_is_null(const struct ynode *n);

__attribute__((format(printf, 3, 4)))
void topo_ld_diag(struct loader *ld, const struct ynode *n, const char *fmt, ...);
void topo_ld_oom(struct loader *ld);
void topo_ld_unknown_key(struct loader *ld, const struct ynode *k, const char *where, const char *accepted);
const char *topo_ld_str(struct loader *ld, const struct ynode *n, const char *what);
bool topo_ld_uint(struct loader *ld, const struct ynode *n, const char *what, uint64_t min, uint64_t max,
		  uint64_t *ret);
bool topo_ld_bool(struct loader *ld, const struct ynode *n, const char *what, bool *ret);
bool topo_ld_map(struct loader *ld, const struct ynode *n, const char *what);
bool topo_ld_seq(struct loader *ld, const struct ynode *n, const char *what);
bool topo_ld_ifname(struct loader *ld, const struct ynode *n, const char *what, char ret[TOPO_IFNAME_MAX + 1]);
bool topo_ld_ip(struct loader *ld, const struct ynode *n, const char *what, struct topo_ip *ret);
bool topo_ld_network(struct loader *ld, const struct ynode *n, const char *what, struct topo_ip *ret);
bool topo_ld_port_range(struct loader *ld, const struct ynode *n, uint16_t *lo, uint16_t *hi);
/* main, local, default or 1-4294967295. */
bool topo_ld_table(struct loader *ld, const struct ynode *n, uint32_t *ret);
/* A diagnostic at a model position (from an object's pos). */
__attribute__((format(printf, 3, 4)))
void topo_ld_diag_at(struct loader *ld, struct topo_pos pos, const char *fmt, ...);

#endif
