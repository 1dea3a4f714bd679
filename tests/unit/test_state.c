// SPDX-License-Identifier: MIT
/*
 * The state file: what topo_state_format writes, topo_state_parse reads back
 * exactly (any bytes in names and values), garbage and a missing topology
 * are refused, unknown keys are skipped; the put/find/remove helpers.
 */
#include "tests/unit/fixtures.h"

static void sample(struct topo_state *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->topology, sizeof(s->topology), "lab1");
	assert_int_equal(topo_state_ns_put(s, "netns_A", TOPO_NS_CREATED, NULL, 0), 0);
	assert_int_equal(topo_state_ns_put(s, "app", TOPO_NS_PATH, "/var/run/docker/netns/1a \"b\"\\c", 0), 0);
	assert_int_equal(topo_state_ns_put(s, "proc", TOPO_NS_PID, NULL, 4242), 0);
	assert_int_equal(topo_state_ns_put(s, "host", TOPO_NS_IS_HOST, NULL, 0), 0);
	assert_int_equal(topo_state_sysctl_put(s, "host", "net.ipv4.ip_forward", "0"), 0);
	assert_int_equal(topo_state_sysctl_put(s, "netns_A", "net.ipv4.ip_local_port_range", "32768 60999"), 0);
	assert_int_equal(topo_state_sysctl_put(s, "host", "kernel.x", "a \"quoted\" \\back\\ \ttab\nnl \x01"), 0);
	assert_int_equal(topo_state_sysctl_put(s, "host", "kernel.empty", ""), 0);
}

static void assert_same(const struct topo_state *a, const struct topo_state *b)
{
	assert_string_equal(a->topology, b->topology);
	assert_int_equal(a->n_ns, b->n_ns);
	for (size_t i = 0; i < a->n_ns; i++) {
		assert_string_equal(a->ns[i].name, b->ns[i].name);
		assert_int_equal(a->ns[i].kind, b->ns[i].kind);
		assert_int_equal(a->ns[i].pid, b->ns[i].pid);
		if (a->ns[i].path)
			assert_string_equal(a->ns[i].path, b->ns[i].path);
		else
			assert_null(b->ns[i].path);
	}
	assert_int_equal(a->n_sysctls, b->n_sysctls);
	for (size_t i = 0; i < a->n_sysctls; i++) {
		assert_string_equal(a->sysctls[i].ns, b->sysctls[i].ns);
		assert_string_equal(a->sysctls[i].key, b->sysctls[i].key);
		assert_string_equal(a->sysctls[i].original, b->sysctls[i].original);
	}
}

static int parse(const char *text, struct topo_state *s)
{
	return topo_state_parse(text, strlen(text), s);
}

static void test_round_trip(void **state)
{
	struct topo_state a, b;
	char *text, *again;

	(void)state;
	sample(&a);
	assert_int_equal(topo_state_format(&a, &text), 0);
	/* JSON: strings escaped, control characters as \u. */
	assert_non_null(strstr(text, "\"path\": \"/var/run/docker/netns/1a \\\"b\\\"\\\\c\""));
	assert_non_null(strstr(text, "\"original\": \"a \\\"quoted\\\" \\\\back\\\\ \\u0009tab\\u000anl \\u0001\""));
	assert_non_null(strstr(text, "{\"name\": \"proc\", \"kind\": \"pid\", \"pid\": 4242}"));
	assert_non_null(strstr(text, "{\"name\": \"netns_A\", \"kind\": \"created\"}"));
	assert_non_null(strstr(text, "{\"name\": \"host\", \"kind\": \"host\"}"));
	assert_int_equal(topo_state_parse(text, strlen(text), &b), 0);
	assert_same(&a, &b);
	/* And the same text again. */
	assert_int_equal(topo_state_format(&b, &again), 0);
	assert_string_equal(text, again);
	free(text);
	free(again);
	topo_state_free(&a);
	topo_state_free(&b);
}

static void test_format_empty(void **state)
{
	struct topo_state a = { 0 }, b;
	char *text;

	(void)state;
	snprintf(a.topology, sizeof(a.topology), "t");
	assert_int_equal(topo_state_format(&a, &text), 0);
	assert_non_null(strstr(text, "\"topology\": \"t\""));
	assert_non_null(strstr(text, "\"namespaces\": []"));
	assert_non_null(strstr(text, "\"sysctls\": []"));
	assert_int_equal(parse(text, &b), 0);
	assert_same(&a, &b);
	free(text);
	topo_state_free(&b);
}

/* Links recorded before creation (a crash between creating and marking). */
static void test_links_round_trip(void **state)
{
	struct topo_state a = { 0 }, b;
	char *text;

	(void)state;
	snprintf(a.topology, sizeof(a.topology), "t");
	assert_int_equal(topo_state_link_put(&a, "host", "vethA"), 0);
	assert_int_equal(topo_state_link_put(&a, "host", "vethA"), 0);     /* once */
	assert_int_equal(topo_state_link_put(&a, "app", "eth1"), 0);
	assert_int_equal(a.n_links, 2);
	assert_true(topo_state_link_pending(&a, "host", "vethA"));
	assert_false(topo_state_link_pending(&a, "app", "vethA"));
	assert_false(topo_state_link_pending(NULL, "host", "vethA"));
	assert_int_equal(topo_state_format(&a, &text), 0);
	assert_int_equal(parse(text, &b), 0);
	assert_int_equal(b.n_links, 2);
	assert_true(topo_state_link_pending(&b, "host", "vethA"));
	assert_true(topo_state_link_pending(&b, "app", "eth1"));
	free(text);
	topo_state_free(&a);
	topo_state_free(&b);
}

static void test_parse_refuses(void **state)
{
	static const char *const bad[] = {
		"",
		"garbage",
		"[1, 2]",
		"{\"topology\": ",
		"{\"namespaces\": [], \"sysctls\": []}",                           /* no topology */
		"{\"topology\": \"\"}",
		"{\"topology\": \"t\", \"namespaces\": {\"a\": 1}}",             /* not a list */
		"{\"topology\": \"t\", \"namespaces\": [{\"kind\": \"created\"}]}",  /* no name */
		"{\"topology\": \"t\", \"namespaces\": [\"netns_A\"]}",
		"{\"topology\": \"t\", \"sysctls\": [{\"ns\": \"host\", \"key\": \"k\"}]}",   /* no original */
		/* a name too long */
		("{\"topology\": \"t\", \"namespaces\": [{\"name\": "
		 "\"0123456789012345678901234567890123456789012345678901234567890123456789\"}]}"),
		"{\"topology\": \"t\"",
		"{\"topology\": \"t\", \"x\": [1, 2}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct topo_state s;
		int r;

		memset(&s, 0x5a, sizeof(s));
		r = parse(bad[i], &s);
		if (r != -EINVAL)
			print_message("accepted: %s\n", bad[i]);
		assert_int_equal(r, -EINVAL);
		/* Nothing handed back. */
		assert_int_equal(s.n_ns, 0);
		assert_null(s.ns);
		assert_int_equal(s.n_sysctls, 0);
		topo_state_free(&s);
	}
}

/* A newer topo's file: unknown keys, at every level, are skipped. */
static void test_parse_unknown_keys(void **state)
{
	struct topo_state s;

	(void)state;
	assert_int_equal(parse("{\"version\": 3, \"topology\": \"lab\", \"extra\": {\"a\": [1, {\"b\": 2}]},\n"
			       " \"namespaces\": [{\"name\": \"web\", \"kind\": \"path\", \"path\": \"/p\", "
			       "\"inode\": 1234, \"tags\": [\"x\"], \"more\": {\"k\": \"v\"}}],\n"
			       " \"sysctls\": [{\"ns\": \"host\", \"key\": \"k\", \"original\": \"1\", \"when\": \"now\"}],\n"
			       " \"future\": []}", &s), 0);
	assert_string_equal(s.topology, "lab");
	assert_int_equal(s.n_ns, 1);
	assert_string_equal(s.ns[0].name, "web");
	assert_int_equal(s.ns[0].kind, TOPO_NS_PATH);
	assert_string_equal(s.ns[0].path, "/p");
	assert_int_equal(s.n_sysctls, 1);
	assert_string_equal(s.sysctls[0].original, "1");
	topo_state_free(&s);

	/* Fields in any order; an unknown kind reads as created. */
	assert_int_equal(parse("{\"namespaces\": [{\"kind\": \"weird\", \"name\": \"a\"}], \"topology\": \"t\"}", &s), 0);
	assert_int_equal(s.ns[0].kind, TOPO_NS_CREATED);
	topo_state_free(&s);
}

static void test_ns_helpers(void **state)
{
	struct topo_state s = { 0 };
	struct state_ns *n;

	(void)state;
	assert_null(topo_state_ns_find(&s, "a"));
	assert_int_equal(topo_state_ns_put(&s, "a", TOPO_NS_CREATED, NULL, 0), 0);
	assert_int_equal(topo_state_ns_put(&s, "b", TOPO_NS_PATH, "/x", 0), 0);
	assert_int_equal(topo_state_ns_put(&s, "c", TOPO_NS_PID, NULL, 9), 0);
	/* put updates in place */
	assert_int_equal(topo_state_ns_put(&s, "b", TOPO_NS_PATH, "/y", 0), 0);
	assert_int_equal(s.n_ns, 3);
	n = topo_state_ns_find(&s, "b");
	assert_non_null(n);
	assert_string_equal(n->path, "/y");
	assert_int_equal(topo_state_ns_put(&s, "b", TOPO_NS_CREATED, NULL, 0), 0);
	assert_null(topo_state_ns_find(&s, "b")->path);
	/* remove keeps the order of the rest */
	topo_state_ns_remove(&s, "a");
	assert_int_equal(s.n_ns, 2);
	assert_string_equal(s.ns[0].name, "b");
	assert_string_equal(s.ns[1].name, "c");
	assert_int_equal(s.ns[1].pid, 9);
	topo_state_ns_remove(&s, "nosuch");
	assert_int_equal(s.n_ns, 2);
	topo_state_ns_remove(&s, "c");
	topo_state_ns_remove(&s, "b");
	assert_int_equal(s.n_ns, 0);
	topo_state_free(&s);
}

static void test_sysctl_helpers(void **state)
{
	struct topo_state s = { 0 }, c;
	struct state_sysctl *r;

	(void)state;
	assert_int_equal(topo_state_sysctl_put(&s, "host", "net.ipv4.ip_forward", "0"), 0);
	/* The first original stays: a later put does not overwrite it. */
	assert_int_equal(topo_state_sysctl_put(&s, "host", "net.ipv4.ip_forward", "1"), 0);
	assert_int_equal(topo_state_sysctl_put(&s, "web", "net.ipv4.ip_forward", "1"), 0);
	assert_int_equal(s.n_sysctls, 2);
	r = topo_state_sysctl_find(&s, "host", "net.ipv4.ip_forward");
	assert_non_null(r);
	assert_string_equal(r->original, "0");
	assert_string_equal(topo_state_sysctl_find(&s, "web", "net.ipv4.ip_forward")->original, "1");
	assert_null(topo_state_sysctl_find(&s, "web", "net.other"));

	assert_int_equal(topo_state_copy(&s, &c), 0);
	topo_state_sysctl_remove(&s, "host", "net.ipv4.ip_forward");
	assert_int_equal(s.n_sysctls, 1);
	assert_string_equal(s.sysctls[0].ns, "web");
	/* the copy is its own */
	assert_int_equal(c.n_sysctls, 2);
	assert_string_equal(topo_state_sysctl_find(&c, "host", "net.ipv4.ip_forward")->original, "0");
	topo_state_sysctl_remove(&s, "host", "net.ipv4.ip_forward");
	assert_int_equal(s.n_sysctls, 1);
	topo_state_free(&s);
	topo_state_free(&c);
	assert_int_equal(c.n_sysctls, 0);
	assert_null(c.sysctls);
}

static void test_copy(void **state)
{
	struct topo_state a, b;

	(void)state;
	sample(&a);
	assert_int_equal(topo_state_copy(&a, &b), 0);
	assert_same(&a, &b);
	assert_ptr_not_equal(a.ns[1].path, b.ns[1].path);
	topo_state_free(&a);
	assert_string_equal(b.ns[1].path, "/var/run/docker/netns/1a \"b\"\\c");
	topo_state_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_format_empty),
		cmocka_unit_test(test_links_round_trip),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_parse_unknown_keys),
		cmocka_unit_test(test_ns_helpers),
		cmocka_unit_test(test_sysctl_helpers),
		cmocka_unit_test(test_copy),
	};

	return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
