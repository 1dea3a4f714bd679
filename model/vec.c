// SPDX-License-Identifier: MIT
#include "model/vec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *grow_to(void **arr, size_t *len, size_t cap, size_t elem)
{
	char *p;

	if (elem && cap > SIZE_MAX / elem)
		return NULL;
	p = realloc(*arr, cap * elem);
	if (!p)
		return NULL;
	*arr = p;
	memset(p + *len * elem, 0, elem);
	return p + (*len)++ * elem;
}

void *vec_push(void **arr, size_t *len, size_t *cap, size_t elem)
{
	char *p = *arr;

	if (*len < *cap) {
		memset(p + *len * elem, 0, elem);
		return p + (*len)++ * elem;
	}
	if (*cap > SIZE_MAX / 2)
		return NULL;
	{
		size_t bigger = *cap ? *cap * 2 : 4;
		void *slot = grow_to(arr, len, bigger, elem);

		if (slot)
			*cap = bigger;
		return slot;
	}
}

void *vec_append(void **arr, size_t *len, size_t elem)
{
	if (*len == SIZE_MAX)
		return NULL;
	return grow_to(arr, len, *len + 1, elem);
}
