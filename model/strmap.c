// SPDX-License-Identifier: MIT
#include "model/strmap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t strmap_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;   /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

static struct strmap_slot *strmap_slot_find(const struct strmap *m, const char *key)
{
	size_t mask = m->cap - 1;

	for (size_t i = strmap_hash(key) & mask;; i = (i + 1) & mask) {
		struct strmap_slot *slot = &m->slots[i];

		if (!slot->key || strcmp(slot->key, key) == 0)
			return slot;
	}
}

static int strmap_grow(struct strmap *m)
{
	struct strmap bigger = { 0 };

	bigger.cap = m->cap ? m->cap * 2 : 16;
	bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
	if (!bigger.slots)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		if (m->slots[i].key) {
			*strmap_slot_find(&bigger, m->slots[i].key) = m->slots[i];
			bigger.len++;
		}
	}
	free(m->slots);
	*m = bigger;
	return 0;
}

int strmap_put(struct strmap *m, const char *key, size_t value)
{
	struct strmap_slot *slot;

	/* Keep the load under 1/2 so probes stay short. */
	if ((m->len + 1) * 2 > m->cap) {
		int r = strmap_grow(m);

		if (r < 0)
			return r;
	}
	slot = strmap_slot_find(m, key);
	if (slot->key)
		return -EEXIST;
	slot->key = key;
	slot->value = value;
	m->len++;
	return 0;
}

int strmap_get(const struct strmap *m, const char *key, size_t *ret_value)
{
	struct strmap_slot *slot;

	if (!m->cap)
		return -ENOENT;
	slot = strmap_slot_find(m, key);
	if (!slot->key)
		return -ENOENT;
	*ret_value = slot->value;
	return 0;
}

void strmap_free(struct strmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}
