/* SPDX-License-Identifier: MIT */
/*
 * A string -> index map (open addressing). Keys are borrowed: the strings
 * must outlive the map. Used wherever a name is looked up per object, so
 * loading and diffing stay linear in the size of the topology.
 */
#ifndef TOPO_MODEL_STRMAP_H
#define TOPO_MODEL_STRMAP_H

#include <stddef.h>

struct strmap_slot {
	const char *key;
	size_t value;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap;      /* power of two, 0 when empty */
	size_t len;
};

/* Returns 0, -EEXIST when the key is there already (value untouched), or -ENOMEM. */
int strmap_put(struct strmap *m, const char *key, size_t value);
/* Returns 0 and sets *ret_value, or -ENOENT. */
int strmap_get(const struct strmap *m, const char *key, size_t *ret_value);
void strmap_free(struct strmap *m);

#endif
