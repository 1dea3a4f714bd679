// SPDX-License-Identifier: MIT
/*
 * model/hashmap.c: string and number keys (in one map, never equal to each
 * other), growth from empty to 100k entries with every key still found,
 * colliding probes, delete and re-insert through deleted slots without the
 * table growing, replace vs put, walking every entry once; strmap on top.
 */
#include "tests/unit/fixtures.h"

#include "model/hashmap.h"
#include "model/strmap.h"

static void test_basic(void **state)
{
	struct hashmap m = { 0 };
	size_t v = 99;
	const char *k = NULL;

	(void)state;
	assert_int_equal(hashmap_get(&m, "a", &v), -ENOENT);         /* empty, no table */
	assert_int_equal(hashmap_del(&m, "a", NULL), -ENOENT);
	assert_int_equal(hashmap_get_num(&m, 1, &v), -ENOENT);
	assert_int_equal(hashmap_put(&m, "a", 1, NULL), 0);
	assert_int_equal(hashmap_put(&m, "a", 2, &v), -EEXIST);
	assert_int_equal(v, 1);                                     /* the one there, untouched */
	assert_int_equal(hashmap_get(&m, "a", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(hashmap_set(&m, "a", 3), 0);
	assert_int_equal(hashmap_get(&m, "a", &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(m.len, 1);
	/* A number key never equals a string key, whatever the bytes. */
	assert_int_equal(hashmap_put_num(&m, 'a', 7, NULL), 0);
	assert_int_equal(hashmap_put_num(&m, 0, 8, NULL), 0);
	assert_int_equal(hashmap_put(&m, "", 9, NULL), 0);
	assert_int_equal(hashmap_get_num(&m, 0, &v), 0);
	assert_int_equal(v, 8);
	assert_int_equal(hashmap_get(&m, "", &v), 0);
	assert_int_equal(v, 9);
	assert_int_equal(m.len, 4);
	assert_int_equal(hashmap_del(&m, "a", &k), 0);
	assert_string_equal(k, "a");
	assert_int_equal(hashmap_get(&m, "a", &v), -ENOENT);
	assert_int_equal(hashmap_get_num(&m, 'a', &v), 0);
	assert_int_equal(hashmap_del_num(&m, 'a'), 0);
	assert_int_equal(hashmap_del_num(&m, 'a'), -ENOENT);
	assert_int_equal(m.len, 2);
	hashmap_free(&m);
	assert_null(m.slots);
	assert_int_equal(m.cap, 0);
}

static void test_growth(void **state)
{
	enum { N = 100000 };
	struct hashmap m = { 0 };
	char (*names)[16] = malloc(N * sizeof(*names));
	size_t v;

	(void)state;
	assert_non_null(names);
	for (size_t i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "if%zu", i);
		assert_int_equal(hashmap_put(&m, names[i], i, NULL), 0);
		assert_int_equal(hashmap_put_num(&m, (uint64_t)i << 32, N + i, NULL), 0);
		assert_true(m.used * 2 <= m.cap);                    /* load under 1/2 */
	}
	assert_int_equal(m.len, 2 * N);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(hashmap_get(&m, names[i], &v), 0);
		assert_int_equal(v, i);
		assert_int_equal(hashmap_get_num(&m, (uint64_t)i << 32, &v), 0);
		assert_int_equal(v, N + i);
	}
	assert_int_equal(hashmap_get(&m, "if100000", &v), -ENOENT);
	assert_int_equal(hashmap_get_num(&m, 1, &v), -ENOENT);
	hashmap_free(&m);
	free(names);
}

/* Keys that all land in the same home slot of a 16-slot table: FNV-1a's low
 * four bits of one-byte keys c differ, so find ones that agree. */
static void test_collisions(void **state)
{
	struct hashmap m = { 0 };
	static char keys[256][2];
	size_t n = 0, v;
	uint64_t want = 0;

	(void)state;
	for (int c = 1; c < 256; c++) {
		uint64_t h = (0xcbf29ce484222325ull ^ (uint64_t)c) * 0x100000001b3ull;

		if (n == 0)
			want = h & 15;
		if ((h & 15) == want && n < 7) {
			keys[n][0] = (char)c;
			n++;
		}
	}
	assert_int_equal(n, 7);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(hashmap_put(&m, keys[i], i, NULL), 0);
	assert_int_equal(m.cap, 16);                                 /* one chain, no growth */
	/* Delete from the middle of the chain: the ones behind stay reachable. */
	assert_int_equal(hashmap_del(&m, keys[2], NULL), 0);
	for (size_t i = 0; i < n; i++) {
		int r = hashmap_get(&m, keys[i], &v);

		assert_int_equal(r, i == 2 ? -ENOENT : 0);
		if (r == 0)
			assert_int_equal(v, i);
	}
	/* Re-inserting reuses the deleted slot. */
	assert_int_equal(hashmap_put(&m, keys[2], 22, NULL), 0);
	assert_int_equal(hashmap_get(&m, keys[2], &v), 0);
	assert_int_equal(v, 22);
	hashmap_free(&m);
}

static void test_churn(void **state)
{
	struct hashmap m = { 0 };
	size_t cap = 0, v;

	(void)state;
	/* An ifname cache's life: the same few names added and deleted again
	 * and again. Deleted slots are reused or cleaned; the table stays small. */
	for (uint64_t i = 0; i < 200000; i++) {
		assert_int_equal(hashmap_put_num(&m, i, i, NULL), 0);
		if (i >= 5)
			assert_int_equal(hashmap_del_num(&m, i - 5), 0);
		if (i == 1000)
			cap = m.cap;
	}
	assert_int_equal(m.len, 5);
	assert_int_equal(m.cap, cap);
	assert_true(m.cap <= 64);
	for (uint64_t i = 199995; i < 200000; i++) {
		assert_int_equal(hashmap_get_num(&m, i, &v), 0);
		assert_int_equal(v, i);
	}
	hashmap_free(&m);
}

static void test_walk(void **state)
{
	struct hashmap m = { 0 };
	const struct hashmap_slot *s;
	size_t pos = 0, seen = 0, sum = 0;

	(void)state;
	assert_false(hashmap_next(&m, &pos, &s));
	for (uint64_t i = 1; i <= 100; i++)
		assert_int_equal(hashmap_put_num(&m, i, i, NULL), 0);
	assert_int_equal(hashmap_del_num(&m, 50), 0);
	assert_int_equal(hashmap_put(&m, "x", 1000, NULL), 0);
	while (hashmap_next(&m, &pos, &s)) {
		seen++;
		sum += s->value;
		if (!s->is_num)
			assert_string_equal(s->key, "x");
	}
	assert_int_equal(seen, 100);
	assert_int_equal(sum, 5050 - 50 + 1000);
	hashmap_free(&m);
}

static void test_strmap(void **state)
{
	struct strmap m = { 0 };
	size_t v;

	(void)state;
	assert_int_equal(strmap_put(&m, "eth0", 3), 0);
	assert_int_equal(strmap_put(&m, "eth0", 4), -EEXIST);
	assert_int_equal(strmap_get(&m, "eth0", &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(strmap_get(&m, "eth1", &v), -ENOENT);
	strmap_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_collisions),
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_strmap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
