// SPDX-License-Identifier: MIT
/*
 * model/strbuf.c: the heap builder grows from nothing through many
 * doublings with the text intact; a fixed buffer cuts like snprintf (never
 * a byte past its end), says so, and later writes do not undo the cut;
 * an impossible size is refused as out of memory with the text kept.
 */
#include "tests/unit/fixtures.h"

#include <stdint.h>

#include "model/strbuf.h"

static void test_heap(void **state)
{
	struct strbuf b = { 0 };
	char *s;

	(void)state;
	assert_string_equal(strbuf_str(&b), "");
	for (int i = 0; i < 10000; i++)
		assert_int_equal(strbuf_addf(&b, "%d,", i % 10), 0);
	assert_int_equal(b.len, 20000);
	assert_true(b.cap > b.len);
	for (size_t i = 0; i < 20000; i += 2)
		assert_int_equal(b.p[i], '0' + (int)(i / 2 % 10));
	assert_int_equal(strbuf_add(&b, "xyz", 2), 0);
	assert_string_equal(strbuf_str(&b) + 20000, "xy");
	/* One write larger than the whole buffer. */
	assert_int_equal(strbuf_addf(&b, "%5000s|", "a"), 0);
	assert_int_equal(b.len, 20002 + 5001);
	assert_int_equal(b.p[b.len - 1], '|');
	assert_false(b.truncated);
	s = strbuf_take(&b);
	assert_int_equal(strlen(s), 25003);
	free(s);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	/* Taking from an empty builder gives "" to free. */
	s = strbuf_take(&b);
	assert_string_equal(s, "");
	free(s);
}

static void test_heap_oom(void **state)
{
	struct strbuf b = { 0 };

	(void)state;
	assert_int_equal(strbuf_addf(&b, "keep"), 0);
	assert_int_equal(strbuf_add(&b, "", SIZE_MAX / 2), -ENOMEM);
	assert_true(b.truncated);
	assert_string_equal(strbuf_str(&b), "keep");
	strbuf_free(&b);
	assert_null(b.p);
}

static void test_fixed(void **state)
{
	char buf[8];
	struct strbuf b;

	(void)state;
	memset(buf, 'X', sizeof(buf));
	strbuf_init_fixed(&b, buf, 6);
	assert_string_equal(strbuf_str(&b), "");
	assert_int_equal(strbuf_addf(&b, "ab"), 0);
	assert_int_equal(strbuf_addf(&b, "%s", "cdef"), -ENOSPC);   /* cut to 5 */
	assert_string_equal(buf, "abcde");
	assert_true(b.truncated);
	assert_int_equal(buf[6], 'X');                               /* not a byte past */
	assert_int_equal(strbuf_addf(&b, "z"), -ENOSPC);
	assert_int_equal(strbuf_add(&b, "z", 1), -ENOSPC);
	assert_string_equal(buf, "abcde");
	/* strbuf_add cuts the same way. */
	strbuf_init_fixed(&b, buf, 4);
	assert_int_equal(strbuf_add(&b, "12345", 5), -ENOSPC);
	assert_string_equal(buf, "123");
	/* A fixed buffer is never the caller's to take or free. */
	assert_null(strbuf_take(&b));
	/* Exactly full is not cut. */
	strbuf_init_fixed(&b, buf, 4);
	assert_int_equal(strbuf_addf(&b, "abc"), 0);
	assert_false(b.truncated);
	/* One byte: only the terminator; zero bytes: nothing written at all. */
	strbuf_init_fixed(&b, buf, 1);
	assert_int_equal(strbuf_addf(&b, "a"), -ENOSPC);
	assert_string_equal(buf, "");
	buf[0] = 'X';
	strbuf_init_fixed(&b, buf, 0);
	assert_int_equal(strbuf_addf(&b, "a"), -ENOSPC);
	assert_int_equal(strbuf_add(&b, "a", 1), -ENOSPC);
	assert_int_equal(buf[0], 'X');
	assert_string_equal(strbuf_str(&b), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heap),
		cmocka_unit_test(test_heap_oom),
		cmocka_unit_test(test_fixed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
