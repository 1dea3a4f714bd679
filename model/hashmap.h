/* SPDX-License-Identifier: MIT */
/*
 * The hash map (open addressing, linear probing, load under 1/2): a key is
 * a string (borrowed: it must outlive its entry) or a 64-bit number, the
 * value a size_t. Used wherever something is looked up per object, so
 * loading, diffing and observing stay linear in the size of the topology:
 * names (model/strmap.h), ifname -> ifindex caches, (ifindex, peer) pairs.
 */
#ifndef TOPO_MODEL_HASHMAP_H
#define TOPO_MODEL_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 24 bytes: thousands of maps of a name or two each (one per namespace
 * in the backend, the diff and the owner rules) are much of a large lab's
 * memory. */
struct hashmap_slot {
	uint32_t hash;          /* the key's hash, its low half (the bits an index takes) */
	unsigned char state;    /* empty, used, deleted */
	bool is_num;            /* the key is num, not key */
	union {
		const char *key;
		uint64_t num;
	};
	size_t value;
};

struct hashmap {
	struct hashmap_slot *slots;
	size_t cap;             /* power of two, 0 when empty */
	size_t len;             /* entries */
	size_t used;            /* entries and deleted slots */
};

/* put: 0, -EEXIST when the key is there (value untouched; *ret_value, when
 * given, is set to it), -ENOMEM. set: inserts or replaces; 0 or -ENOMEM.
 * get: 0 with *ret_value, or -ENOENT. del: 0 with the stored key in *ret_key
 * (may be NULL) so an owner can free it, or -ENOENT. */
int hashmap_put(struct hashmap *m, const char *key, size_t value, size_t *ret_value);
int hashmap_set(struct hashmap *m, const char *key, size_t value);
int hashmap_get(const struct hashmap *m, const char *key, size_t *ret_value);
int hashmap_del(struct hashmap *m, const char *key, const char **ret_key);

int hashmap_put_num(struct hashmap *m, uint64_t key, size_t value, size_t *ret_value);
int hashmap_set_num(struct hashmap *m, uint64_t key, size_t value);
int hashmap_get_num(const struct hashmap *m, uint64_t key, size_t *ret_value);
int hashmap_del_num(struct hashmap *m, uint64_t key);

/* Walks the entries in no particular order: start with *pos = 0; false at
 * the end. Not across changes to the map. */
bool hashmap_next(const struct hashmap *m, size_t *pos, const struct hashmap_slot **ret);

void hashmap_free(struct hashmap *m);

#endif
