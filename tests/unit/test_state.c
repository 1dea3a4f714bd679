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
	assert_int_equal(topo_state_ns_put(s, "app", TOPO_NS_PATH, "/var/run/docker/netns/1a \"b\"\\c%\xff", 0), 0);
	assert_int_equal(topo_state_ns_put(s, "proc", TOPO_NS_PID, NULL, 4242), 0);
	assert_int_equal(topo_state_ns_put(s, "web", TOPO_NS_DOCKER, "/var/run/docker/netns/a1b2c3d4e5f6", 0), 0);
	assert_int_equal(topo_state_ns_docker(s, "web", "my_web.1", "4:4026532301"), 0);
	assert_int_equal(topo_state_ns_docker(s, "nope", "my_web.1", "4:4026532301"), -ENOENT);
	assert_int_equal(topo_state_sysctl_put(s, "host", "net.ipv4.ip_forward", "0"), 0);
	assert_int_equal(topo_state_sysctl_put(s, "netns_A", "net.ipv4.ip_local_port_range", "32768 60999"), 0);
	assert_int_equal(topo_state_sysctl_put(s, "host", "net.x", "a \"quoted\" \\back\\ \ttab\nnl \x01 caf\xc3\xa9"), 0);
	assert_int_equal(topo_state_sysctl_put(s, "host", "net.empty", ""), 0);
	/* Interface names as the kernel takes them: any byte but '/', ':', blanks. */
	assert_int_equal(topo_state_link_put(s, "host", "caf\xe9"), 0);           /* Latin-1, not UTF-8 */
	assert_int_equal(topo_state_link_put(s, "host", "100%"), 0);
	assert_int_equal(topo_state_link_put(s, "host", "a\x01\x7f\xff\xfe"), 0);
	assert_int_equal(topo_state_link_put(s, "app", "\xc3\xa9t\xc3\xa9"), 0);  /* UTF-8 */
	assert_int_equal(topo_state_link_put(s, "app", "%41"), 0);
	assert_int_equal(topo_state_object_put(s, "host\tr\t254\t0\t10.7.0.0/16"), 0);
	assert_int_equal(topo_state_object_put(s, "host\ta\tcaf\xe9\tfd00::1/64"), 0);
	assert_int_equal(topo_state_object_put(s, "host\tn"), 0);
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
		assert_string_equal(state_ns_container(&a->ns[i]), state_ns_container(&b->ns[i]));
		assert_string_equal(state_ns_netns(&a->ns[i]), state_ns_netns(&b->ns[i]));
	}
	assert_int_equal(a->n_sysctls, b->n_sysctls);
	for (size_t i = 0; i < a->n_sysctls; i++) {
		assert_string_equal(a->sysctls[i].ns, b->sysctls[i].ns);
		assert_string_equal(a->sysctls[i].key, b->sysctls[i].key);
		assert_string_equal(a->sysctls[i].original, b->sysctls[i].original);
	}
	assert_int_equal(a->n_links, b->n_links);
	for (size_t i = 0; i < a->n_links; i++) {
		assert_string_equal(a->links[i].ns, b->links[i].ns);
		assert_string_equal(a->links[i].name, b->links[i].name);   /* byte for byte */
	}
	assert_int_equal(a->n_objects, b->n_objects);
	for (size_t i = 0; i < a->n_objects; i++)
		assert_string_equal(a->objects[i], b->objects[i]);
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
	/* JSON through jansson: quotes and backslashes escaped, control
	 * characters as \u; bytes outside UTF-8 and '%' as %XX. */
	assert_non_null(strstr(text, "\"path\": \"/var/run/docker/netns/1a \\\"b\\\"\\\\c%25%FF\""));
	assert_non_null(strstr(text, "\"original\": \"a \\\"quoted\\\" \\\\back\\\\ \\ttab\\nnl \\u0001 caf\xc3\xa9\""));
	assert_non_null(strstr(text, "\"name\": \"caf%E9\""));
	assert_non_null(strstr(text, "\"name\": \"100%25\""));
	assert_non_null(strstr(text, "\"name\": \"a\\u0001\x7f%FF%FE\""));
	assert_non_null(strstr(text, "\"name\": \"\xc3\xa9t\xc3\xa9\""));
	assert_non_null(strstr(text, "\"name\": \"%2541\""));
	assert_non_null(strstr(text, "\"host\\ta\\tcaf%E9\\tfd00::1/64\""));
	assert_non_null(strstr(text, "\"pid\": 4242"));
	assert_int_equal(text[strlen(text) - 1], '\n');
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

/* The table kinds a created namespace may hold: written as their keys,
 * read back; a record without them (an older topo's) cannot say. */
static void test_ns_kinds(void **state)
{
	struct topo_state a = { 0 }, b;
	char *text;

	(void)state;
	snprintf(a.topology, sizeof(a.topology), "t");
	assert_int_equal(topo_state_ns_put(&a, "r1", TOPO_NS_CREATED, NULL, 0), 0);
	assert_int_equal(topo_state_ns_put(&a, "plain", TOPO_NS_CREATED, NULL, 0), 0);
	assert_int_equal(topo_state_ns_put(&a, "old", TOPO_NS_CREATED, NULL, 0), 0);
	assert_int_equal(topo_state_ns_kinds(&a, "r1", 1u << 1, true), 0);
	assert_int_equal(topo_state_ns_kinds(&a, "r1", 1u << 0, false), 0);   /* ORed in */
	assert_int_equal(topo_state_ns_kinds(&a, "plain", 0, true), 0);
	assert_int_equal(topo_state_ns_kinds(&a, "old", 1u << 2, false), 0);  /* still unknown */
	assert_int_equal(topo_state_ns_kinds(&a, "nope", 0, true), -ENOENT);
	assert_true(a.ns[0].kinds_known);
	assert_int_equal(a.ns[0].kinds, 3);
	assert_false(a.ns[2].kinds_known);
	assert_int_equal(topo_state_format(&a, &text), 0);
	assert_non_null(strstr(text, "\"kinds\": []"));
	assert_int_equal(parse(text, &b), 0);
	assert_true(b.ns[0].kinds_known);
	assert_int_equal(b.ns[0].kinds, 3);
	assert_true(b.ns[1].kinds_known);
	assert_int_equal(b.ns[1].kinds, 0);
	assert_false(b.ns[2].kinds_known);   /* not written: read as not known */
	free(text);
	topo_state_free(&b);
	/* An older topo's record, and one with a kind this topo does not know. */
	assert_int_equal(parse("{\"topology\": \"t\", \"namespaces\": [{\"name\": \"a\", \"kind\": \"created\"},"
			       " {\"name\": \"b\", \"kind\": \"created\", \"kinds\": [\"tunnels\", \"rules\"]}]}",
			       &b), 0);
	assert_false(b.ns[0].kinds_known);
	assert_true(b.ns[1].kinds_known);
	for (size_t k = 0; k < topo_n_kinds; k++)
		assert_int_equal(!!(b.ns[1].kinds & (1u << k)), strcmp(topo_kinds[k]->key, "rules") == 0);
	topo_state_free(&b);
	assert_int_not_equal(parse("{\"topology\": \"t\", \"namespaces\": [{\"name\": \"a\", \"kind\": \"created\","
				   " \"kinds\": \"rules\"}]}", &b), 0);
	assert_int_not_equal(parse("{\"topology\": \"t\", \"namespaces\": [{\"name\": \"a\", \"kind\": \"created\","
				   " \"kinds\": [1]}]}", &b), 0);
	/* A copy keeps them. */
	assert_int_equal(topo_state_copy(&a, &b), 0);
	assert_true(b.ns[0].kinds_known);
	assert_int_equal(b.ns[0].kinds, 3);
	assert_false(b.ns[2].kinds_known);
	topo_state_free(&b);
	topo_state_free(&a);
}

/* The name index behind find/put/remove and link_pending: the same answers
 * as a walk, after puts, a repeated put, removals from the middle, a copy. */
static void test_index(void **state)
{
	struct topo_state a = { 0 }, b;
	char name[32];

	(void)state;
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		assert_int_equal(topo_state_ns_put(&a, name, TOPO_NS_CREATED, NULL, 0), 0);
		assert_int_equal(topo_state_link_put(&a, "host", name), 0);
	}
	assert_int_equal(topo_state_ns_put(&a, "n7", TOPO_NS_PID, NULL, 77), 0);   /* updates, no new entry */
	assert_int_equal(topo_state_link_put(&a, "host", "n7"), 0);
	assert_int_equal(a.n_ns, 3000);
	assert_int_equal(a.n_links, 3000);
	assert_int_equal(topo_state_ns_find(&a, "n7")->pid, 77);
	topo_state_ns_remove(&a, "n0");
	topo_state_ns_remove(&a, "n1500");
	topo_state_ns_remove(&a, "nope");
	assert_int_equal(a.n_ns, 2998);
	assert_null(topo_state_ns_find(&a, "n0"));
	assert_null(topo_state_ns_find(&a, "n1500"));
	for (int i = 1; i < 3000; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		if (i != 1500) {
			assert_non_null(topo_state_ns_find(&a, name));
			assert_string_equal(topo_state_ns_find(&a, name)->name, name);
		}
		assert_true(topo_state_link_pending(&a, "host", name));
		assert_false(topo_state_link_pending(&a, "n1", name));
	}
	assert_int_equal(topo_state_copy(&a, &b), 0);
	assert_string_equal(topo_state_ns_find(&b, "n2999")->name, "n2999");
	assert_true(topo_state_link_pending(&b, "host", "n2999"));
	assert_null(topo_state_ns_find(&b, "n3000"));
	topo_state_free(&b);
	topo_state_free(&a);
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

/* What the reader refuses the writer never writes. */
static void test_format_refuses(void **state)
{
	static const char *const bad_keys[] = { "kernel.core_pattern", "net", "net.", "net../x", "net.a/b",
						"net.a..b", "net.a b", "vm.swappiness" };
	static const char *const bad_ns[] = { "..", ".", "../etc", "a/b", "-a", "", "x y" };
	static const char *const bad_if[] = { "", ".", "..", "a/b", "a:b", "a b", "a\tb", "\xa0x", "0123456789abcdef" };
	struct topo_state s;
	char *text = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++) {
		memset(&s, 0, sizeof(s));
		snprintf(s.topology, sizeof(s.topology), "t");
		assert_int_equal(topo_state_sysctl_put(&s, "host", bad_keys[i], "1"), 0);
		assert_int_equal(topo_state_format(&s, &text), -EINVAL);
		assert_null(text);
		topo_state_free(&s);
	}
	for (size_t i = 0; i < sizeof(bad_ns) / sizeof(bad_ns[0]); i++) {
		memset(&s, 0, sizeof(s));
		snprintf(s.topology, sizeof(s.topology), "t");
		assert_int_equal(topo_state_ns_put(&s, bad_ns[i], TOPO_NS_CREATED, NULL, 0), 0);
		assert_int_equal(topo_state_format(&s, &text), -EINVAL);
		topo_state_free(&s);
	}
	for (size_t i = 0; i < sizeof(bad_if) / sizeof(bad_if[0]); i++) {
		memset(&s, 0, sizeof(s));
		snprintf(s.topology, sizeof(s.topology), "t");
		assert_int_equal(topo_state_link_put(&s, "host", bad_if[i]), 0);
		if (strlen(bad_if[i]) <= TOPO_IFNAME_MAX)
			assert_int_equal(topo_state_format(&s, &text), -EINVAL);
		topo_state_free(&s);
	}
	/* host is never recorded as a namespace; kinds need what they name. */
	memset(&s, 0, sizeof(s));
	snprintf(s.topology, sizeof(s.topology), "t");
	assert_int_equal(topo_state_ns_put(&s, "host", TOPO_NS_IS_HOST, NULL, 0), 0);
	assert_int_equal(topo_state_format(&s, &text), -EINVAL);
	topo_state_free(&s);
	memset(&s, 0, sizeof(s));
	snprintf(s.topology, sizeof(s.topology), "t");
	assert_int_equal(topo_state_ns_put(&s, "a", TOPO_NS_PATH, "relative/path", 0), 0);
	assert_int_equal(topo_state_format(&s, &text), -EINVAL);
	topo_state_free(&s);
	memset(&s, 0, sizeof(s));
	snprintf(s.topology, sizeof(s.topology), "Bad/Name");
	assert_int_equal(topo_state_format(&s, &text), -EINVAL);
}

#define ST(body) "{\"topology\": \"t\", " body "}"

/* A kernel route deleted for absent: reads back field for field. */
static void test_removed_routes_round_trip(void **state)
{
	struct topo_state a = { 0 }, b = { 0 }, c = { 0 };
	struct topo_route rt = { .type = TOPO_RT_LOCAL, .table = TOPO_TABLE_LOCAL, .proto = 2,
				 .has_scope = true, .scope = TOPO_SCOPE_HOST };
	char *text = NULL;

	(void)state;
	snprintf(a.topology, sizeof(a.topology), "t");
	assert_int_equal(topo_ip_parse("127.0.0.0/8", &rt.dst), 0);
	assert_int_equal(topo_ip_parse_addr("127.0.0.1", &rt.src), 0);
	snprintf(rt.dev, sizeof(rt.dev), "lo");
	assert_int_equal(topo_state_removed_put(&a, "host", &rt), 0);
	assert_int_equal(topo_state_removed_put(&a, "host", &rt), 0);   /* once per key */
	assert_int_equal(a.n_removed, 1);
	rt.type = TOPO_RT_UNICAST;
	rt.table = TOPO_TABLE_MAIN;
	rt.scope = TOPO_SCOPE_LINK;
	memset(&rt.src, 0, sizeof(rt.src));
	assert_int_equal(topo_ip_parse("10.1.0.0/24", &rt.dst), 0);
	assert_int_equal(topo_ip_parse_addr("10.1.0.254", &rt.via), 0);
	rt.metric = 7;
	assert_int_equal(topo_state_removed_put(&a, "h1", &rt), 0);
	assert_int_equal(topo_state_format(&a, &text), 0);
	assert_non_null(strstr(text, "\"removed_routes\""));
	assert_int_equal(topo_state_parse(text, strlen(text), &b), 0);
	assert_int_equal(b.n_removed, 2);
	for (size_t i = 0; i < 2; i++) {
		const struct topo_route *x = &a.removed[i].route, *y = &b.removed[i].route;

		assert_string_equal(a.removed[i].ns, b.removed[i].ns);
		assert_true(topo_ip_equal(&x->dst, &y->dst));
		assert_true(topo_ip_equal(&x->via, &y->via));
		assert_true(topo_ip_equal(&x->src, &y->src));
		assert_string_equal(x->dev, y->dev);
		assert_int_equal(x->type, y->type);
		assert_int_equal(x->table, y->table);
		assert_int_equal(x->metric, y->metric);
		assert_int_equal(x->scope, y->scope);
		assert_int_equal(x->proto, y->proto);
	}
	assert_non_null(topo_state_removed_find(&b, "h1", &rt));
	assert_null(topo_state_removed_find(&b, "host", &rt));
	assert_int_equal(topo_state_copy(&b, &c), 0);
	assert_int_equal(c.n_removed, 2);
	free(text);
	/* Without removed routes the key is not written at all. */
	topo_state_free(&c);
	snprintf(c.topology, sizeof(c.topology), "t");
	assert_int_equal(topo_state_format(&c, &text), 0);
	assert_null(strstr(text, "removed_routes"));
	free(text);
	topo_state_free(&a);
	topo_state_free(&b);
	topo_state_free(&c);
}

static void test_parse_refuses(void **state)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "", "line 1" },
		{ "garbage", "line 1, column 7" },
		{ "[1, 2]", "not a JSON object" },
		{ "{\"topology\": ", "line 1" },
		{ "{\"namespaces\": [], \"sysctls\": []}", "no \"topology\"" },
		{ "{\"topology\": \"\"}", "not a topology name" },
		{ "{\"topology\": \"../x\"}", "not a topology name" },
		{ "{\"topology\": 3}", "topology: must be a string" },
		{ "{\"topology\": \"t\", \"topology\": \"u\"}", "duplicate" },
		{ ST("\"namespaces\": {\"a\": 1}"), "\"namespaces\" must be a list" },
		{ ST("\"namespaces\": [{\"kind\": \"created\"}]"), "namespaces[0]: no \"name\"" },
		{ ST("\"namespaces\": [\"netns_A\"]"), "namespaces[0] must be an object" },
		{ ST("\"namespaces\": [{\"name\": \"../../etc\", \"kind\": \"created\"}]"), "namespaces[0].name: '../../etc' is not a namespace name" },
		{ ST("\"namespaces\": [{\"name\": \"..\", \"kind\": \"created\"}]"), "not a namespace name" },
		{ ST("\"namespaces\": [{\"name\": \"a/b\", \"kind\": \"created\"}]"), "not a namespace name" },
		{ ST("\"namespaces\": [{\"name\": \"host\", \"kind\": \"created\"}]"), "host is never recorded" },
		{ ST("\"namespaces\": [{\"name\": \"a\", \"kind\": \"weird\"}]"), "kind: must be created, path, pid or docker" },
		{ ST("\"namespaces\": [{\"name\": \"w\", \"kind\": \"docker\", \"path\": \"/run/docker/netns/x\", \"netns\": \"4:5\"}]"),
		  "namespaces[0]: no \"container\"" },
		{ ST("\"namespaces\": [{\"name\": \"w\", \"kind\": \"docker\", \"path\": \"/run/docker/netns/x\", \"container\": \"web\"}]"),
		  "namespaces[0]: no \"netns\"" },
		{ ST("\"namespaces\": [{\"name\": \"w\", \"kind\": \"docker\", \"path\": \"/run/docker/netns/x\", \"container\": \"../web\", \"netns\": \"4:5\"}]"),
		  "kind docker needs an absolute path, a container name" },
		{ ST("\"namespaces\": [{\"name\": \"w\", \"kind\": \"docker\", \"path\": \"/run/docker/netns/x\", \"container\": \"web\", \"netns\": \"4:x\"}]"),
		  "kind docker needs" },
		{ ST("\"namespaces\": [{\"name\": \"w\", \"kind\": \"docker\", \"container\": \"web\", \"netns\": \"4:5\"}]"),
		  "kind docker needs an absolute path" },
		{ ST("\"namespaces\": [{\"name\": \"w\", \"kind\": \"docker\", \"path\": \"/x\", \"pid\": 3, \"container\": \"web\", \"netns\": \"4:5\"}]"),
		  "and no pid" },
		{ ST("\"namespaces\": [{\"name\": \"a\", \"kind\": \"created\"}, {\"name\": \"a\", \"kind\": \"created\"}]"), "recorded twice" },
		{ ST("\"namespaces\": [{\"name\": \"a\", \"kind\": \"pid\", \"pid\": \"12\"}]"), "pid: must be an integer" },
		{ ST("\"namespaces\": [{\"name\": \"a\", \"kind\": \"pid\", \"pid\": 0}]"), "is not a pid" },
		{ ST("\"namespaces\": [{\"name\": \"a\", \"kind\": \"pid\"}]"), "kind pid needs a pid" },
		{ ST("\"namespaces\": [{\"name\": \"a\", \"kind\": \"path\", \"path\": \"x\"}]"), "absolute path" },
		{ ST("\"namespaces\": [{\"name\": \"a\", \"kind\": \"path\", \"path\": 7}]"), "path: must be a string" },
		{ ST("\"namespaces\": [{\"name\": \"a\", \"kind\": \"created\", \"path\": \"/x\"}]"), "takes no path" },
		{ ST("\"sysctls\": [{\"ns\": \"host\", \"key\": \"net.x\"}]"), "sysctls[0]: no \"original\"" },
		{ ST("\"sysctls\": [{\"ns\": \"host\", \"key\": \"kernel.core_pattern\", \"original\": \"x\"}]"), "sysctls[0].key: 'kernel.core_pattern' is not a sysctl topo may touch" },
		{ ST("\"sysctls\": [{\"ns\": \"host\", \"key\": \"net.a/../../kernel/x\", \"original\": \"x\"}]"), "is not a sysctl" },
		{ ST("\"sysctls\": [{\"ns\": \"host\", \"key\": \"net.x\", \"original\": 1}]"), "original: must be a string" },
		{ ST("\"sysctls\": [{\"ns\": \"../x\", \"key\": \"net.x\", \"original\": \"1\"}]"), "sysctls[0].ns" },
		{ ST("\"links\": [{\"ns\": \"host\", \"name\": \"a/b\"}]"), "links[0].name: 'a/b' is not an interface name" },
		{ ST("\"links\": [{\"ns\": \"host\", \"name\": \"..\"}]"), "is not an interface name" },
		{ ST("\"links\": [{\"ns\": \"host\", \"name\": \"0123456789abcdef\"}]"), "longer than 15 bytes" },
		{ ST("\"links\": [{\"ns\": \"host\", \"name\": \"a%zz\"}]"), "'%' not followed by two hex digits" },
		{ ST("\"links\": [{\"ns\": \"host\", \"name\": \"a%00b\"}]"), "'%' not followed" },
		{ ST("\"links\": [{\"ns\": \"host\", \"name\": \"a\\u0000b\"}]"), "NUL" },
		{ ST("\"links\": [{\"ns\": \"host\", \"name\": \"a%2Fb\"}]"), "is not an interface name" },
		{ ST("\"objects\": [\"host\\tq\"]"), "objects[0]" },
		{ ST("\"objects\": [\"../x\\tn\"]"), "objects[0]" },
		{ ST("\"objects\": [\"host\\tr\\t254\\t0\\t10.7.0.1/16\"]"), "objects[0]" },   /* not canonical */
		{ ST("\"objects\": [\"host\\tr\\t254\\t99999999999\\t10.7.0.0/16\"]"), "objects[0]" },
		{ ST("\"objects\": [\"host\\ta\\ta/b\\t10.0.0.1/32\"]"), "objects[0]" },
		{ ST("\"objects\": [3]"), "objects[0]: must be a string" },
		{ ST("\"removed_routes\": {}"), "\"removed_routes\" must be a list" },
		{ ST("\"removed_routes\": [{\"ns\": \"host\", \"type\": \"local\", \"table\": 255, \"metric\": 0, \"scope\": 254, \"protocol\": 2}]"), "removed_routes[0]: no \"to\"" },
		{ ST("\"removed_routes\": [{\"ns\": \"host\", \"to\": \"127.0.0.1/8\", \"type\": \"local\", \"table\": 255, \"metric\": 0, \"scope\": 254, \"protocol\": 2}]"), "removed_routes[0].to: not a network" },
		{ ST("\"removed_routes\": [{\"ns\": \"host\", \"to\": \"127.0.0.0/8\", \"type\": \"anycast\", \"table\": 255, \"metric\": 0, \"scope\": 254, \"protocol\": 2}]"), "removed_routes[0].type: 'anycast' is not a route type" },
		{ ST("\"removed_routes\": [{\"ns\": \"host\", \"to\": \"127.0.0.0/8\", \"type\": \"local\", \"table\": -1, \"metric\": 0, \"scope\": 254, \"protocol\": 2}]"), "removed_routes[0].table: not an integer" },
		{ ST("\"removed_routes\": [{\"ns\": \"host\", \"to\": \"127.0.0.0/8\", \"type\": \"local\", \"table\": 255, \"metric\": 0, \"scope\": 256, \"protocol\": 2}]"), "removed_routes[0].scope: not an integer 0-255" },
		{ ST("\"removed_routes\": [{\"ns\": \"host\", \"to\": \"127.0.0.0/8\", \"type\": \"local\", \"table\": 255, \"metric\": 0, \"scope\": 254}]"), "removed_routes[0]: no \"protocol\"" },
		{ ST("\"removed_routes\": [{\"ns\": \"../x\", \"to\": \"127.0.0.0/8\", \"type\": \"local\", \"table\": 255, \"metric\": 0, \"scope\": 254, \"protocol\": 2}]"), "removed_routes[0].ns" },
		{ ST("\"removed_routes\": [{\"ns\": \"host\", \"to\": \"127.0.0.0/8\", \"dev\": \"a/b\", \"type\": \"local\", \"table\": 255, \"metric\": 0, \"scope\": 254, \"protocol\": 2}]"), "removed_routes[0].dev: 'a/b' is not an interface name" },
		{ ST("\"removed_routes\": [{\"ns\": \"host\", \"to\": \"127.0.0.0/8\", \"src\": \"fd00::1\", \"type\": \"local\", \"table\": 255, \"metric\": 0, \"scope\": 254, \"protocol\": 2}]"), "via and src must be of the family" },
		{ ST("\"removed_routes\": [{\"ns\": \"host\", \"to\": \"127.0.0.0/8\", \"type\": \"local\", \"table\": 255, \"metric\": 0, \"scope\": 254, \"protocol\": 2}, {\"ns\": \"host\", \"to\": \"127.0.0.0/8\", \"type\": \"local\", \"table\": 255, \"metric\": 0, \"scope\": 254, \"protocol\": 2}]"), "removed_routes[1]: the route is recorded twice" },
		/* a name too long */
		{ ST("\"namespaces\": [{\"name\": \"0123456789012345678901234567890123456789012345678901234567890123456789\", \"kind\": \"created\"}]"), "longer than 64 bytes" },
		{ "{\"topology\": \"t\"", "line 1" },
		{ "{\"topology\": \"t\", \"x\": [1, 2}", "line 1" },
		{ "{\"topology\": \"t\"} {}", "end of file expected" },
		{ "{\"topology\": \"t\xff\"}", "unable to decode byte 0xff" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct topo_state s;
		char err[256];
		int r;

		memset(&s, 0x5a, sizeof(s));
		r = topo_state_parse_msg(bad[i].text, strlen(bad[i].text), &s, err, sizeof(err));
		if (r != -EINVAL || !strstr(err, bad[i].why))
			print_message("%s -> %d '%s', expected '%s'\n", bad[i].text, r, err, bad[i].why);
		assert_int_equal(r, -EINVAL);
		assert_non_null(strstr(err, bad[i].why));
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
			       " \"sysctls\": [{\"ns\": \"host\", \"key\": \"net.k\", \"original\": \"1\", \"when\": \"now\"}],\n"
			       " \"future\": []}", &s), 0);
	assert_string_equal(s.topology, "lab");
	assert_int_equal(s.n_ns, 1);
	assert_string_equal(s.ns[0].name, "web");
	assert_int_equal(s.ns[0].kind, TOPO_NS_PATH);
	assert_string_equal(s.ns[0].path, "/p");
	assert_int_equal(s.n_sysctls, 1);
	assert_string_equal(s.sysctls[0].original, "1");
	topo_state_free(&s);

	/* Fields in any order; lists may be missing. */
	assert_int_equal(parse("{\"namespaces\": [{\"kind\": \"created\", \"name\": \"a\"}], \"topology\": \"t\"}", &s), 0);
	assert_int_equal(s.ns[0].kind, TOPO_NS_CREATED);
	topo_state_free(&s);
}

/* The ids topo itself makes read back. */
static void test_object_ids(void **state)
{
	struct topo_state a = { 0 }, b;
	struct topo_route rt = { 0 };
	struct topo_ip ip;
	char *text, *id;

	(void)state;
	snprintf(a.topology, sizeof(a.topology), "t");
	assert_int_equal(topo_ip_parse("2001:db8::/32", &rt.dst), 0);
	rt.table = 4294967295u;
	rt.metric = 1024;
	id = topo_object_id_route("app", &rt);
	assert_int_equal(topo_state_object_put(&a, id), 0);
	free(id);
	assert_int_equal(topo_ip_parse("10.255.0.1/32", &ip), 0);
	id = topo_object_id_addr("host", "lo", &ip);
	assert_int_equal(topo_state_object_put(&a, id), 0);
	free(id);
	id = topo_object_id_nft("web");
	assert_int_equal(topo_state_object_put(&a, id), 0);
	free(id);
	assert_int_equal(topo_state_format(&a, &text), 0);
	assert_int_equal(parse(text, &b), 0);
	assert_same(&a, &b);
	free(text);
	topo_state_free(&a);
	topo_state_free(&b);
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
	assert_string_equal(b.ns[1].path, "/var/run/docker/netns/1a \"b\"\\c%\xff");
	topo_state_free(&b);
}

/* ------------------------------------------------- host sysctl registry -- */

static void registry_sample(struct host_sysctls *r)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(topo_host_sysctls_hold(r, "4:4026531840", "net.ipv4.ip_forward", "0", "laba", "host", "1"), 0);
	assert_int_equal(topo_host_sysctls_hold(r, "4:4026531840", "net.ipv4.ip_forward", "7", "labb", "host", "1"), 0);
	assert_int_equal(topo_host_sysctls_hold(r, "4:4026532000", "net.ipv4.ip_forward", "0", "labb", "box\xff", "1"), 0);
}

static void test_registry(void **state)
{
	struct host_sysctls r, b;
	char *text, *again, err[256];

	(void)state;
	registry_sample(&r);
	/* One entry per (namespace, key); the first original stays. */
	assert_int_equal(r.n, 2);
	assert_string_equal(r.v[0].original, "0");
	assert_int_equal(r.v[0].n_holders, 2);
	assert_int_equal(topo_host_sysctls_format(&r, &text), -EINVAL);   /* "box\xff" is no namespace name */
	snprintf(r.v[1].holders[0].ns, sizeof(r.v[1].holders[0].ns), "box");
	assert_int_equal(topo_host_sysctls_format(&r, &text), 0);
	assert_int_equal(topo_host_sysctls_parse(text, strlen(text), &b, err, sizeof(err)), 0);
	assert_int_equal(topo_host_sysctls_format(&b, &again), 0);
	assert_string_equal(text, again);
	free(text);
	free(again);
	topo_host_sysctls_free(&b);

	/* laba leaves: the entry stays for labb; labb leaves: nothing is left. */
	topo_host_sysctls_release(&r, "laba");
	assert_int_equal(r.n, 2);
	assert_int_equal(r.v[0].n_holders, 1);
	assert_string_equal(r.v[0].holders[0].topology, "labb");
	topo_host_sysctls_release(&r, "labb");
	assert_int_equal(r.n, 0);
	assert_int_equal(topo_host_sysctls_format(&r, &text), 0);
	assert_non_null(strstr(text, "\"sysctls\": []"));
	free(text);
	topo_host_sysctls_free(&r);
}

static void test_registry_refuses(void **state)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "[]", "not a JSON object" },
		{ "{\"sysctls\": {}}", "\"sysctls\" must be a list" },
		{ "{\"sysctls\": [{\"netns\": \"1:2\", \"key\": \"kernel.x\", \"original\": \"0\", \"holders\": "
		  "[{\"topology\": \"a\", \"ns\": \"host\", \"value\": \"1\"}]}]}", "'kernel.x' is not a sysctl" },
		{ "{\"sysctls\": [{\"netns\": \"../x\", \"key\": \"net.x\", \"original\": \"0\", \"holders\": "
		  "[{\"topology\": \"a\", \"ns\": \"host\", \"value\": \"1\"}]}]}", "not a namespace identity" },
		{ "{\"sysctls\": [{\"netns\": \"1:2\", \"key\": \"net.x\", \"original\": \"0\", \"holders\": []}]}",
		  "no holders" },
		{ "{\"sysctls\": [{\"netns\": \"1:2\", \"key\": \"net.x\", \"original\": \"0\"}]}", "holders must be a list" },
		{ "{\"sysctls\": [{\"netns\": \"1:2\", \"key\": \"net.x\", \"original\": \"0\", \"holders\": "
		  "[{\"topology\": \"A/B\", \"ns\": \"host\", \"value\": \"1\"}]}]}", "not a topology name" },
		{ "{\"sysctls\": [{\"netns\": \"1:2\", \"key\": \"net.x\", \"original\": \"0\", \"holders\": "
		  "[{\"topology\": \"a\", \"ns\": \"..\", \"value\": \"1\"}]}]}", "not a namespace name" },
		{ "{\"sysctls\": [{\"netns\": \"1:2\", \"key\": \"net.x\", \"original\": \"0\", \"holders\": "
		  "[{\"topology\": \"a\", \"ns\": \"host\", \"value\": 1}]}]}", "value: must be a string" },
		{ "{\"sysctls\": [{\"netns\": \"1:2\", \"key\": \"net.x\", \"original\": \"0\", \"holders\": "
		  "[{\"topology\": \"a\", \"ns\": \"host\", \"value\": \"1\"}, {\"topology\": \"a\", \"ns\": \"host\", "
		  "\"value\": \"2\"}]}]}", "holds it twice" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct host_sysctls r;
		char err[256];
		int e = topo_host_sysctls_parse(bad[i].text, strlen(bad[i].text), &r, err, sizeof(err));

		if (e != -EINVAL || !strstr(err, bad[i].why))
			print_message("%s -> %d '%s', expected '%s'\n", bad[i].text, e, err, bad[i].why);
		assert_int_equal(e, -EINVAL);
		assert_non_null(strstr(err, bad[i].why));
		assert_int_equal(r.n, 0);
	}
}

/* What a topology's state learns from the registry. */
static void test_merge_host(void **state)
{
	struct host_sysctls r;
	struct topo_state s = { 0 };
	const struct shared_ns shared[] = { { "host", "4:4026531840" }, { "mybox", "4:4026532000" } };

	(void)state;
	registry_sample(&r);
	snprintf(r.v[1].holders[0].ns, sizeof(r.v[1].holders[0].ns), "box");
	/* labb found ip_forward already on: its own file has no original. */
	snprintf(s.topology, sizeof(s.topology), "labb");
	assert_int_equal(topo_state_merge_host(&s, &r, shared, 2), 0);
	assert_string_equal(topo_state_sysctl_find(&s, "host", "net.ipv4.ip_forward")->original, "0");
	/* Its own name for the attached namespace, from the registry. */
	assert_non_null(topo_state_sysctl_find(&s, "box", "net.ipv4.ip_forward"));
	assert_non_null(topo_state_held_find(&s, "host", "net.ipv4.ip_forward"));
	assert_string_equal(topo_state_held_find(&s, "host", "net.ipv4.ip_forward")->holder, "laba");
	assert_null(topo_state_held_find(&s, "box", "net.ipv4.ip_forward"));   /* labb alone there */
	topo_state_free(&s);

	/* A newcomer that holds nothing sees who does, under its own names. */
	snprintf(s.topology, sizeof(s.topology), "labc");
	assert_int_equal(topo_state_sysctl_put(&s, "host", "net.ipv4.ip_forward", "9"), 0);
	assert_int_equal(topo_state_merge_host(&s, &r, shared, 2), 0);
	assert_string_equal(topo_state_held_find(&s, "mybox", "net.ipv4.ip_forward")->holder, "labb");
	assert_non_null(topo_state_held_find(&s, "host", "net.ipv4.ip_forward"));
	/* Not a holder: its own record is left as it is. */
	assert_string_equal(topo_state_sysctl_find(&s, "host", "net.ipv4.ip_forward")->original, "9");
	/* Merging again does not pile up. */
	size_t n = s.n_held;

	assert_int_equal(topo_state_merge_host(&s, &r, shared, 2), 0);
	assert_int_equal(s.n_held, n);
	topo_state_free(&s);
	topo_host_sysctls_free(&r);
}

/* The diff: no restore while another topology holds the key, a conflict
 * for another value. */
static void test_diff_shared(void **state)
{
	static const char wants0[] = "topology: labc\nnamespaces:\n  host:\n    sysctls: {net.ipv4.ip_forward: 0}\n";
	static const char wants1[] = "topology: labc\nnamespaces:\n  host:\n    sysctls: {net.ipv4.ip_forward: 1}\n";
	struct topology d, o, empty = { 0 };
	struct topo_state s = { 0 };
	struct diff_result r;

	(void)state;
	snprintf(s.topology, sizeof(s.topology), "labc");
	assert_int_equal(topo_state_held_put(&s, "host", "net.ipv4.ip_forward", "1", "laba"), 0);
	fx_load(wants0, &d);
	fx_observe_empty(&d, &o, "1");
	assert_int_equal(topo_diff(&d, &o, &s, &r), 0);
	assert_true(fx_msgs_have(&r.conflicts, "sysctl net.ipv4.ip_forward in namespace host: topology laba holds it at 1, this file wants 0"));
	assert_int_equal(r.plan.n, 0);
	diff_result_free(&r);
	topology_free(&d);
	topology_free(&o);

	/* The same value: fine. */
	fx_load(wants1, &d);
	fx_observe_empty(&d, &o, "0");
	assert_int_equal(topo_diff(&d, &o, &s, &r), 0);
	assert_int_equal(r.conflicts.n, 0);
	fx_assert_plan(&r.plan, "~ sysctl net.ipv4.ip_forward=1 (was 0)\n");
	diff_result_free(&r);
	topology_free(&o);

	/* Leaving (destroy) while laba holds it: not put back. */
	snprintf(empty.name, sizeof(empty.name), "labc");
	assert_int_equal(topo_state_sysctl_put(&s, "host", "net.ipv4.ip_forward", "0"), 0);
	fx_observe_empty(&d, &o, "1");
	assert_int_equal(topo_diff(&empty, &o, &s, &r), 0);
	assert_int_equal(r.plan.n, 0);
	diff_result_free(&r);
	/* The last one to leave puts it back. */
	topo_state_held_clear(&s);
	assert_int_equal(topo_diff(&empty, &o, &s, &r), 0);
	fx_assert_plan(&r.plan, "~ sysctl net.ipv4.ip_forward=0 (was 1)\n");
	diff_result_free(&r);
	topology_free(&o);
	topology_free(&d);
	topo_state_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_removed_routes_round_trip),
		cmocka_unit_test(test_format_empty),
		cmocka_unit_test(test_ns_kinds),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_links_round_trip),
		cmocka_unit_test(test_format_refuses),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_object_ids),
		cmocka_unit_test(test_parse_unknown_keys),
		cmocka_unit_test(test_ns_helpers),
		cmocka_unit_test(test_sysctl_helpers),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_registry_refuses),
		cmocka_unit_test(test_merge_host),
		cmocka_unit_test(test_diff_shared),
	};

	return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
