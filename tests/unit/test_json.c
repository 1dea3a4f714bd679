// SPDX-License-Identifier: MIT
/*
 * model/json.c: the byte-string rule (valid UTF-8 as it is, '%' and every
 * other byte as %XX) round-trips every byte string and always yields valid
 * JSON; malformed %XX is refused; the builders carry an allocation failure
 * to the end without leaking; plan_json's exact document, hostile names
 * included, and every allocation failure in it.
 */
#include "tests/unit/fixtures.h"

#include "model/json.h"

static char *dumped(const json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);

	assert_non_null(s);
	return s;
}

/* The JSON text for bytes, and that it reads back as the same bytes. */
static void roundtrip(const char *bytes, const char *want_json)
{
	json_t *j = topo_json_bytes(bytes), *back;
	const char *why = "x";
	char *text, *dec;
	json_error_t err;

	assert_non_null(j);
	text = dumped(j);
	assert_string_equal(text, want_json);
	/* A strict parser takes it (jansson refuses invalid UTF-8). */
	back = json_loads(text, JSON_DECODE_ANY, &err);
	assert_non_null(back);
	dec = topo_json_bytes_decode(back, &why);
	assert_non_null(dec);
	assert_string_equal(dec, bytes);
	free(dec);
	free(text);
	json_decref(back);
	json_decref(j);
}

static void test_bytes_rule(void **state)
{
	(void)state;
	roundtrip("eth0", "\"eth0\"");
	roundtrip("", "\"\"");
	roundtrip("caf\xc3\xa9", "\"caf\xc3\xa9\"");               /* UTF-8 stays */
	roundtrip("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");        /* 4 bytes, U+1F600 */
	roundtrip("\xff\xfe", "\"%FF%FE\"");                          /* what ip link add $'\xff\xfe' makes */
	roundtrip("caf\xe9", "\"caf%E9\"");                           /* Latin-1 */
	roundtrip("100%", "\"100%25\"");                              /* '%' itself */
	roundtrip("%41", "\"%2541\"");                                /* not read back as "A" */
	roundtrip("\xc0\x80", "\"%C0%80\"");                          /* overlong NUL */
	roundtrip("\xe0\x80\xaf", "\"%E0%80%AF\"");                   /* overlong '/' */
	roundtrip("\xed\xa0\x80", "\"%ED%A0%80\"");                   /* a surrogate */
	roundtrip("\xf4\x90\x80\x80", "\"%F4%90%80%80\"");            /* past U+10FFFF */
	roundtrip("a\xc3", "\"a%C3\"");                               /* cut short */
	roundtrip("\xc3(", "\"%C3(\"");                               /* bad continuation */
	roundtrip("q\"b\\\n\x01\x7f", "\"q\\\"b\\\\\\n\\u0001\x7f\"");  /* JSON's own escapes */
}

static void test_bytes_all_pairs(void **state)
{
	char in[3] = { 0 };

	(void)state;
	/* Every two-byte string: valid JSON that reads back as itself. */
	for (int a = 1; a < 256; a++)
		for (int b = 0; b < 256; b++) {
			json_t *j, *back;
			char *text, *dec;
			const char *why;

			in[0] = (char)a;
			in[1] = (char)b;
			j = topo_json_bytes(in);
			text = dumped(j);
			back = json_loads(text, JSON_DECODE_ANY, NULL);
			assert_non_null(back);
			dec = topo_json_bytes_decode(back, &why);
			assert_non_null(dec);
			assert_string_equal(dec, in);
			free(dec);
			free(text);
			json_decref(back);
			json_decref(j);
		}
}

static void refused(const char *text_value)
{
	json_t *j = json_string(text_value);
	const char *why = NULL;

	assert_null(topo_json_bytes_decode(j, &why));
	assert_non_null(why);
	json_decref(j);
}

static void test_decode_refuses(void **state)
{
	json_t *j;
	const char *why = NULL;
	char buf[8];

	(void)state;
	refused("%");
	refused("a%4");
	refused("%G1");
	refused("%1G");
	refused("%00");          /* a NUL would cut the name short */
	j = json_integer(3);
	assert_null(topo_json_bytes_decode(j, &why));
	assert_string_equal(why, "must be a string");
	assert_string_equal(topo_json_bytes_get(j, buf, sizeof(buf)), "");
	json_decref(j);
	j = json_stringn("a\0b", 3);
	assert_null(topo_json_bytes_decode(j, &why));
	json_decref(j);
	/* Lower-case hex is read too; _get truncates to the buffer. */
	j = json_string("%ff%FEabcdefgh");
	assert_string_equal(topo_json_bytes_get(j, buf, sizeof(buf)), "\xff\xfe" "abcde");
	json_decref(j);
	/* NULL bytes -> null. */
	j = topo_json_bytes(NULL);
	assert_true(json_is_null(j));
	json_decref(j);
}

static void test_builders(void **state)
{
	json_t *o = json_object(), *a = json_array();
	char *text;

	(void)state;
	assert_int_equal(topo_json_set(o, "b", json_integer(1)), 0);
	assert_int_equal(topo_json_set(o, "a", json_true()), 0);
	assert_int_equal(topo_json_set(o, "x", NULL), -ENOMEM);         /* a failed allocation */
	assert_int_equal(topo_json_push(a, topo_json_bytes("\xff")), 0);
	assert_int_equal(topo_json_push(a, NULL), -ENOMEM);
	/* A failed container takes the value with it (valgrind: no leak). */
	assert_int_equal(topo_json_set(NULL, "k", json_string("v")), -ENOMEM);
	assert_int_equal(topo_json_push(NULL, json_string("v")), -ENOMEM);
	/* Invalid UTF-8 as a key is refused, not written. */
	assert_int_equal(topo_json_set(o, "\xff", json_integer(2)), -ENOMEM);
	assert_int_equal(topo_json_set(o, "list", a), 0);
	text = dumped(o);
	assert_string_equal(text, "{\"b\":1,\"a\":true,\"list\":[\"%FF\"]}");   /* insertion order */
	free(text);
	json_decref(o);
}

static void test_print(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_t *j = json_pack("{s:f,s:f,s:s}", "ms", 12.345, "x", 0.1, "s", "t");

	(void)state;
	assert_non_null(f);
	assert_int_equal(topo_json_print(j, f), 0);
	assert_int_equal(topo_json_print(NULL, f), -ENOMEM);
	fclose(f);
	assert_string_equal(buf, "{\"ms\":12.345,\"x\":0.1,\"s\":\"t\"}\n");
	free(buf);
	json_decref(j);
	f = fopen("/dev/full", "w");
	if (f) {
		j = json_string("x");
		setvbuf(f, NULL, _IONBF, 0);
		assert_int_equal(topo_json_print(j, f), -EIO);
		fclose(f);
		json_decref(j);
	}
}

/* ------------------------------------------------------------ plan_json -- */

static void hostile_plan(struct plan *p)
{
	struct step s;

	memset(p, 0, sizeof(*p));
	memset(&s, 0, sizeof(s));
	s.op = STEP_LINK_DEL;
	s.phase = PHASE_LINK_DEL;
	snprintf(s.ns, sizeof(s.ns), "n%%1");
	fx_step_body(&s);
	topo_iface_init(&s.lk->link);
	snprintf(s.lk->link.name, sizeof(s.lk->link.name), "\xff\xfe");
	fx_set_type(&s.lk->link, TOPO_IF_BRIDGE);
	s.note = "surplus \xe9";
	s.detail = strdup("line \"1\"\n");
	s.pos = (struct topo_pos){ 3, 5 };
	assert_int_equal(plan_append(p, &s), 0);
}

static void test_plan_json_exact(void **state)
{
	struct plan p;
	json_t *j;
	char *text;

	(void)state;
	hostile_plan(&p);
	j = plan_json(&p);
	assert_non_null(j);
	text = dumped(j);
	assert_string_equal(text,
		"{\"steps\":[{\"op\":\"link_del\",\"ns\":\"n%251\",\"text\":\"- link del %FF%FE netns n%251  # surplus %E9\","
		"\"note\":\"surplus %E9\",\"detail\":\"line \\\"1\\\"\\n\",\"line\":3,\"column\":5}],"
		"\"add\":0,\"change\":0,\"remove\":1}");
	free(text);
	json_decref(j);
	plan_free(&p);
}

/* jansson's allocator, failing the Nth allocation from now. */
static long alloc_left;

static void *failing_malloc(size_t n)
{
	if (alloc_left-- == 0)
		return NULL;
	return malloc(n);
}

static void test_plan_json_oom(void **state)
{
	struct plan p;
	json_t *j = NULL;
	long n;

	(void)state;
	hostile_plan(&p);
	/* Each allocation failing in turn: NULL, nothing leaked (valgrind),
	 * until enough succeed for the whole document. */
	for (n = 0; n < 1000; n++) {
		alloc_left = n;
		json_set_alloc_funcs(failing_malloc, free);
		j = plan_json(&p);
		json_set_alloc_funcs(malloc, free);
		if (j)
			break;
	}
	assert_non_null(j);
	assert_true(n > 5);
	assert_int_equal(json_array_size(json_object_get(j, "steps")), 1);
	json_decref(j);
	plan_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes_rule),
		cmocka_unit_test(test_bytes_all_pairs),
		cmocka_unit_test(test_decode_refuses),
		cmocka_unit_test(test_builders),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_plan_json_exact),
		cmocka_unit_test(test_plan_json_oom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
