/* SPDX-License-Identifier: MIT */
/*
 * A string -> index map: model/hashmap.h with string keys. Keys are
 * borrowed: the strings must outlive the map.
 */
#ifndef TOPO_MODEL_STRMAP_H
#define TOPO_MODEL_STRMAP_H

#include "model/hashmap.h"

struct strmap {
	struct hashmap h;
};

/* Returns 0, -EEXIST when the key is there already (value untouched), or -ENOMEM. */
static inline int strmap_put(struct strmap *m, const char *key, size_t value)
{
	return hashmap_put(&m->h, key, value, NULL);
}

/* Returns 0 and sets *ret_value, or -ENOENT. */
static inline int strmap_get(const struct strmap *m, const char *key, size_t *ret_value)
{
	return hashmap_get(&m->h, key, ret_value);
}

static inline void strmap_free(struct strmap *m)
{
	hashmap_free(&m->h);
}

#endif
