// SPDX-License-Identifier: MIT
/*
 * model/vec.c: VEC_PUSH doubles from 4 and hands out zeroed elements with
 * the earlier ones intact; VEC_APPEND keeps the allocation exact (valgrind
 * would see a write past it); an impossible size fails with the array as
 * it was.
 */
#include "tests/unit/fixtures.h"

#include <stdint.h>

#include "model/vec.h"

struct item {
	int a;
	char name[13];
};

static void test_push(void **state)
{
	struct item *v = NULL, *it;
	size_t n = 0, cap = 0, grows = 0, last_cap = 0;

	(void)state;
	for (int i = 0; i < 10000; i++) {
		it = VEC_PUSH(v, n, cap);
		assert_non_null(it);
		assert_int_equal(it->a, 0);                     /* zeroed */
		assert_int_equal(it->name[0], 0);
		it->a = i;
		snprintf(it->name, sizeof(it->name), "n%d", i);
		if (cap != last_cap) {
			grows++;
			last_cap = cap;
		}
	}
	assert_int_equal(n, 10000);
	assert_int_equal(cap, 16384);
	assert_int_equal(grows, 13);                        /* 4, 8, ..., 16384 */
	for (int i = 0; i < 10000; i++) {
		char want[13];

		snprintf(want, sizeof(want), "n%d", i);
		assert_int_equal(v[i].a, i);
		assert_string_equal(v[i].name, want);
	}
	/* Shrinking the length and pushing again reuses the room. */
	n = 3;
	it = VEC_PUSH(v, n, cap);
	assert_ptr_equal(it, &v[3]);
	assert_int_equal(it->a, 0);
	assert_int_equal(cap, 16384);
	free(v);
}

static void test_append(void **state)
{
	char **v = NULL, **slot;
	size_t n = 0;

	(void)state;
	for (int i = 0; i < 100; i++) {
		slot = VEC_APPEND(v, n);
		assert_non_null(slot);
		assert_null(*slot);
		*slot = strdup("x");
		/* Exact: the last element is the allocation's last word. */
		v[n - 1][0] = 'y';
	}
	assert_int_equal(n, 100);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(v[i], "y");
		free(v[i]);
	}
	free(v);
	/* An array made elsewhere at its exact size grows from there. */
	v = malloc(3 * sizeof(*v));
	n = 3;
	v[0] = v[1] = v[2] = NULL;
	assert_non_null(VEC_APPEND(v, n));
	assert_int_equal(n, 4);
	free(v);
}

static void test_too_big(void **state)
{
	char *v = NULL;
	size_t n = SIZE_MAX / 2 + 1, cap = SIZE_MAX / 2 + 1;
	struct item *w = NULL;
	size_t wn = SIZE_MAX / sizeof(struct item), wcap = wn;

	(void)state;
	assert_null(vec_push((void **)&v, &n, &cap, 1));         /* cap would overflow */
	assert_int_equal(cap, SIZE_MAX / 2 + 1);
	assert_null(VEC_PUSH(w, wn, wcap));                      /* bytes would overflow */
	assert_null(w);
	n = SIZE_MAX;
	assert_null(vec_append((void **)&v, &n, 1));
	assert_int_equal(n, SIZE_MAX);
	assert_null(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_too_big),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
