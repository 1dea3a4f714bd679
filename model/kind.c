// SPDX-License-Identifier: MIT
/* The table of table kinds, and what every kind shares (see kind.h). */
#include "model/kind.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct topo_kind topo_kind_rule;
extern const struct topo_kind topo_kind_nexthop;
extern const struct topo_kind topo_kind_neigh;

/* Adding a kind: its model file, then one line here (and one in
 * backends/kinds.c). The order is the order of export and show. */
const struct topo_kind *const topo_kinds[] = {
	&topo_kind_nexthop,
	&topo_kind_rule,
	&topo_kind_neigh,
};
const size_t topo_n_kinds = sizeof(topo_kinds) / sizeof(topo_kinds[0]);

_Static_assert(sizeof(topo_kinds) / sizeof(topo_kinds[0]) <= TOPO_KINDS_MAX, "raise TOPO_KINDS_MAX");

const struct topo_kind *topo_kind_by_key(const char *key)
{
	for (size_t i = 0; i < topo_n_kinds; i++)
		if (strcmp(topo_kinds[i]->key, key) == 0)
			return topo_kinds[i];
	return NULL;
}

size_t topo_kind_slot(const struct topo_kind *k)
{
	for (size_t i = 0; i < topo_n_kinds; i++)
		if (topo_kinds[i] == k)
			return i;
	abort();   /* a kind outside the table: a programming error */
}

void topo_kind_keys(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < topo_n_kinds && used < len; i++) {
		int n = snprintf(buf + used, len - used, ", %s", topo_kinds[i]->key);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

void *topo_objs_add(const struct topo_kind *k, struct topo_objs *objs)
{
	size_t n = objs->n;

	/* Capacity implied by the length, as model/topology.c's arrays. */
	if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
		unsigned char *p = realloc(objs->v, (n < 4 ? 4 : n * 2) * k->size);

		if (!p)
			return NULL;
		objs->v = p;
	}
	memset(objs->v + n * k->size, 0, k->size);
	objs->n = n + 1;
	return objs->v + n * k->size;
}

void topo_objs_free(struct topo_objs *objs)
{
	free(objs->v);
	objs->v = NULL;
	objs->n = 0;
}

char *topo_object_id_kind(const char *ns, const struct topo_kind *k, const void *o)
{
	char words[512], *id;

	(k->key_words ? k->key_words : k->format)(o, words, sizeof(words));
	return asprintf(&id, "%s\tk\t%s\t%s", ns, k->key, words) < 0 ? NULL : id;
}

void topo_obj_format(const struct topo_kind *k, const void *o, char *buf, size_t len)
{
	k->format(o, buf, len);
}

void topo_kinds_emit(FILE *out, const struct topo_ns *ns, int indent,
		     bool (*keep)(const struct topo_kind *k, const struct topo_ns *ns, const void *o, void *arg), void *arg)
{
	for (size_t s = 0; s < topo_n_kinds; s++) {
		const struct topo_kind *k = topo_kinds[s];
		const struct topo_objs *objs = &ns->objs[s];
		bool any = false;

		union topo_obj_buf dflt[8];
		size_t nd = k->defaults ? k->defaults(dflt, 8) : 0;

		for (size_t i = 0; i < objs->n; i++) {
			const void *o = topo_obj_at(k, objs, i);
			union topo_obj_buf v;

			if (keep && !keep(k, ns, o, arg))
				continue;
			if (!any)
				fprintf(out, "%*s%s:\n", indent, "", k->key);
			any = true;
			memcpy(v.b, o, k->size);
			/* A default missing where an object of ours covers it: the
			 * file said replace_default. */
			for (size_t d = 0; d < nd; d++) {
				bool present = false;

				for (size_t j = 0; j < objs->n && !present; j++)
					present = k->cmp(topo_obj_at(k, objs, j), dflt[d].b) == 0;
				if (!present && k->covers(o, dflt[d].b))
					k->set_displaces(v.b);
			}
			k->emit(out, v.b, indent + 2);
		}
	}
}
