/* SPDX-License-Identifier: MIT */
/*
 * The growable array. An array is a pointer and a length (and, where the
 * struct has one, a capacity); these append one zeroed element and return
 * it, or NULL when out of memory with the array as it was.
 *
 *   struct topo_route *rt = VEC_PUSH(ns->routes, ns->n_routes, ns->cap_routes);
 *   char **id = VEC_APPEND(s->objects, s->n_objects);
 */
#ifndef TOPO_MODEL_VEC_H
#define TOPO_MODEL_VEC_H

#include <stddef.h>

/* With a capacity: doubles (from 4) when full, amortised O(1). */
void *vec_push(void **arr, size_t *len, size_t *cap, size_t elem);
/* Without one: the allocation is exactly *len elements, as for arrays
 * that other code allocates or copies at their exact size. */
void *vec_append(void **arr, size_t *len, size_t elem);

#define VEC_PUSH(arr, len, cap) vec_push((void **)&(arr), &(len), &(cap), sizeof(*(arr)))
#define VEC_APPEND(arr, len) vec_append((void **)&(arr), &(len), sizeof(*(arr)))

#endif
