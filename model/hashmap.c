// SPDX-License-Identifier: MIT
#include "model/hashmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { SLOT_EMPTY, SLOT_USED, SLOT_DELETED };

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;   /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t hash_num(uint64_t x)
{
	/* splitmix64's finalizer: every input bit reaches the low bits the mask keeps. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

struct key {
	uint64_t hash;
	const char *str;
	uint64_t num;
};

static bool same(const struct hashmap_slot *s, const struct key *k)
{
	if (s->hash != (uint32_t)k->hash || s->is_num != !k->str)
		return false;
	return k->str ? strcmp(s->key, k->str) == 0 : s->num == k->num;
}

/* The slot holding k, or NULL; with ret_free, the slot an insert would use. */
static struct hashmap_slot *find(const struct hashmap *m, const struct key *k, struct hashmap_slot **ret_free)
{
	size_t mask = m->cap - 1;
	struct hashmap_slot *tomb = NULL;

	/* used < cap always holds (load under 1/2), so an empty slot ends this. */
	for (size_t i = (uint32_t)k->hash & mask;; i = (i + 1) & mask) {
		struct hashmap_slot *s = &m->slots[i];

		if (s->state == SLOT_EMPTY) {
			if (ret_free)
				*ret_free = tomb ? tomb : s;
			return NULL;
		}
		if (s->state == SLOT_DELETED) {
			if (!tomb)
				tomb = s;
		} else if (same(s, k)) {
			return s;
		}
	}
}

static int rehash(struct hashmap *m, size_t cap)
{
	struct hashmap bigger = { .cap = cap, .len = m->len, .used = m->len };

	bigger.slots = calloc(cap, sizeof(*bigger.slots));
	if (!bigger.slots)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		struct hashmap_slot *s = &m->slots[i], *to;

		if (s->state != SLOT_USED)
			continue;
		for (size_t j = s->hash & (cap - 1);; j = (j + 1) & (cap - 1)) {
			to = &bigger.slots[j];
			if (to->state == SLOT_EMPTY)
				break;
		}
		*to = *s;
	}
	free(m->slots);
	*m = bigger;
	return 0;
}

/* Room for one more entry, keeping entries and deleted slots under half.
 * A map starts at 4 slots (2 entries): many are per namespace, with a name
 * or two in each, and a slot is 24 bytes. */
static int room(struct hashmap *m)
{
	size_t cap = m->cap ? m->cap : 4;

	if ((m->used + 1) * 2 <= m->cap)
		return 0;
	/* Mostly deleted slots: the same size, cleaned; else twice the size
	 * (the load is then a quarter: doubling until it is under half would
	 * quadruple a map that has no deleted slots). */
	while ((m->len + 1) * 2 > cap)
		cap *= 2;
	return rehash(m, cap);
}

static int put(struct hashmap *m, const struct key *k, size_t value, size_t *ret_value, bool replace)
{
	struct hashmap_slot *s, *free_slot = NULL;
	int r;

	if (m->cap) {
		s = find(m, k, NULL);
		if (s) {
			if (ret_value)
				*ret_value = s->value;
			if (!replace)
				return -EEXIST;
			s->value = value;
			return 0;
		}
	}
	r = room(m);
	if (r < 0)
		return r;
	find(m, k, &free_slot);
	if (free_slot->state == SLOT_EMPTY)
		m->used++;
	*free_slot = (struct hashmap_slot){ .hash = (uint32_t)k->hash, .state = SLOT_USED, .is_num = !k->str,
					    .value = value };
	if (k->str)
		free_slot->key = k->str;
	else
		free_slot->num = k->num;
	m->len++;
	return 0;
}

static int get(const struct hashmap *m, const struct key *k, size_t *ret_value)
{
	const struct hashmap_slot *s = m->cap ? find(m, k, NULL) : NULL;

	if (!s)
		return -ENOENT;
	if (ret_value)
		*ret_value = s->value;
	return 0;
}

static int del(struct hashmap *m, const struct key *k, const char **ret_key)
{
	struct hashmap_slot *s = m->cap ? find(m, k, NULL) : NULL;

	if (!s)
		return -ENOENT;
	if (ret_key)
		*ret_key = s->is_num ? NULL : s->key;
	s->state = SLOT_DELETED;
	s->num = 0;
	m->len--;
	return 0;
}

#define STR_KEY(s) (&(struct key){ .hash = hash_str(s), .str = (s) })
#define NUM_KEY(n) (&(struct key){ .hash = hash_num(n), .num = (n) })

int hashmap_put(struct hashmap *m, const char *key, size_t value, size_t *ret_value)
{
	return put(m, STR_KEY(key), value, ret_value, false);
}

int hashmap_set(struct hashmap *m, const char *key, size_t value)
{
	return put(m, STR_KEY(key), value, NULL, true);
}

int hashmap_get(const struct hashmap *m, const char *key, size_t *ret_value)
{
	return get(m, STR_KEY(key), ret_value);
}

int hashmap_del(struct hashmap *m, const char *key, const char **ret_key)
{
	return del(m, STR_KEY(key), ret_key);
}

int hashmap_put_num(struct hashmap *m, uint64_t key, size_t value, size_t *ret_value)
{
	return put(m, NUM_KEY(key), value, ret_value, false);
}

int hashmap_set_num(struct hashmap *m, uint64_t key, size_t value)
{
	return put(m, NUM_KEY(key), value, NULL, true);
}

int hashmap_get_num(const struct hashmap *m, uint64_t key, size_t *ret_value)
{
	return get(m, NUM_KEY(key), ret_value);
}

int hashmap_del_num(struct hashmap *m, uint64_t key)
{
	return del(m, NUM_KEY(key), NULL);
}

bool hashmap_next(const struct hashmap *m, size_t *pos, const struct hashmap_slot **ret)
{
	for (; *pos < m->cap; (*pos)++) {
		if (m->slots[*pos].state == SLOT_USED) {
			*ret = &m->slots[(*pos)++];
			return true;
		}
	}
	return false;
}

void hashmap_free(struct hashmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}
