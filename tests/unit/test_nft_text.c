// SPDX-License-Identifier: MIT
/*
 * The nft: key: what the loader keeps (family, text, where the text's lines
 * are in the file) and what it refuses without the kernel, each refusal at
 * the exact line and column inside the block scalar.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/loader.h"
#include "model/nft_text.h"
#include "reconcile/nft_render.h"
#include "reconcile/nftx.h"

#define HEAD \
	"topology: t\n"                         /* 1 */ \
	"namespaces:\n"                         /* 2 */ \
	"  r:\n"                                /* 3 */

static int load(const char *text, struct topology *t, struct topo_diags *d)
{
	return topo_load_buffer("t.yaml", (const unsigned char *)text, strlen(text), t, d);
}

/* One error, at line:col, whose message contains sub. */
static void bad(const char *text, unsigned line, unsigned col, const char *sub)
{
	struct topology t;
	struct topo_diags d;
	int r = load(text, &t, &d);

	if (r != -EINVAL || d.n != 1 || d.v[0].pos.line != line || d.v[0].pos.col != col || !strstr(d.v[0].msg, sub)) {
		print_message("want %u:%u: ...%s...\n", line, col, sub);
		for (size_t i = 0; i < d.n; i++)
			print_message("got  %u:%u: %s\n", d.v[i].pos.line, d.v[i].pos.col, d.v[i].msg);
		fail();
	}
	topo_diags_free(&d);
}

static void test_inet_text(void **state)
{
	struct topology t;
	struct topo_diags d;
	const char *text = HEAD
		"    nft: |\n"                                                  /* 4 */
		"      set blocked { type ipv4_addr; elements = { 10.0.0.9 }; }\n" /* 5 */
		"      chain in { # a comment with } and {\n"                    /* 6 */
		"        type filter hook input priority 0; policy accept;\n"   /* 7 */
		"        ip saddr @blocked counter drop comment \"x } y\"\n"    /* 8 */
		"      }\n";                                                    /* 9 */

	(void)state;
	assert_int_equal(load(text, &t, &d), 0);
	topo_diags_free(&d);
	assert_int_equal(t.ns[0].n_nft_text, 1);
	assert_string_equal(t.ns[0].nft_text[0].family, "inet");
	assert_int_equal(t.ns[0].nft_text[0].line, 5);
	assert_int_equal(t.ns[0].nft_text[0].indent, 6);
	assert_int_equal(t.ns[0].nft_text[0].pos.line, 4);
	assert_int_equal(t.ns[0].nft_text[0].pos.col, 10);
	assert_true(strncmp(t.ns[0].nft_text[0].text, "set blocked {", 13) == 0);
	topology_free(&t);
}

static void test_families(void **state)
{
	struct topology t;
	struct topo_diags d;
	const char *text = HEAD
		"    nft:\n"                                                      /* 4 */
		"      bridge: |\n"                                               /* 5 */
		"\n"                                                              /* 6: a blank first line */
		"        chain fwd { type filter hook forward priority 0; }\n"   /* 7 */
		"      inet: |\n"                                                 /* 8 */
		"        counter pings { }\n";                                    /* 9 */

	(void)state;
	assert_int_equal(load(text, &t, &d), 0);
	topo_diags_free(&d);
	assert_int_equal(t.ns[0].n_nft_text, 2);
	assert_string_equal(t.ns[0].nft_text[0].family, "bridge");
	assert_int_equal(t.ns[0].nft_text[0].line, 6);
	assert_int_equal(t.ns[0].nft_text[0].indent, 8);
	assert_string_equal(t.ns[0].nft_text[1].family, "inet");
	assert_int_equal(t.ns[0].nft_text[1].line, 9);
	topology_free(&t);
}

static void test_refused(void **state)
{
	(void)state;
	/* Escaping the table topo wraps the text in. */
	bad(HEAD "    nft: |\n      chain a { }\n      }\n      table ip evil { }\n", 6, 7, "no '{' in the text");
	bad(HEAD "    nft: |\n      table ip evil { chain x { } }\n", 5, 7, "no table inside it");
	bad(HEAD "    nft: |\n      chain a {\n        type filter hook input priority 0;\n", 5, 15, "never closed");
	bad(HEAD "    nft: |\n      chain a { }\n      include \"/etc/passwd\"\n", 6, 7, "include is not allowed");
	bad(HEAD "    nft: |\n      chain a { include \"/x\" }\n", 5, 17, "include is not allowed");
	/* The mark is topo's. */
	bad(HEAD "    nft: |\n      comment \"mine\"\n", 5, 7, "ownership mark");
	bad(HEAD "    nft: |\n  \n      chain a { }; flags dormant\n", 6, 20, "ownership mark");
	/* Strings and comments do not hide a brace from the check, nor fake one. */
	bad(HEAD "    nft: |\n      chain a { comment \"}\"; } }\n", 5, 32, "no '{' in the text");
	bad(HEAD "    nft: |\n      chain a { comment \"open\n      }\n", 5, 25, "unterminated string");
	/* topo's own chains in inet. */
	bad(HEAD "    nft: |\n      chain forward { type filter hook forward priority 0; policy drop; }\n", 5, 13,
	    "chain forward is topo's own");
	/* Other families may use any name. */
	struct topology t;
	struct topo_diags d;

	assert_int_equal(load(HEAD "    nft:\n      bridge: |\n        chain forward { }\n", &t, &d), 0);
	topo_diags_free(&d);
	topology_free(&t);
	/* Shapes. */
	bad(HEAD "    nft: \"chain a { }\"\n", 4, 10, "literal block scalar");
	bad(HEAD "    nft: {bridge: \"x\"}\n", 4, 19, "literal block scalar");
	bad(HEAD "    nft:\n      ipx: |\n        chain a { }\n", 5, 7, "unknown key 'ipx' in nft");
	bad(HEAD "    nft: [a]\n", 4, 10, "nft (a '|' text");
}

static void test_filter_render(void **state)
{
	struct topology t;
	struct topo_diags d;
	const char *text = HEAD
		"    filter:\n"                                                            /* 4 */
		"      forward:\n"                                                         /* 5 */
		"        policy: drop\n"                                                   /* 6 */
		"        rules:\n"                                                         /* 7 */
		"          - {ct_state: [established, related], action: accept}\n"         /* 8 */
		"          - {in: eth0, out: \"!eth1\", protocol: tcp, dport: [80, \"8000-8080\"], action: accept}\n" /* 9 */
		"          - {source: [10.1.0.0/24, 10.2.0.9], jump: web}\n"               /* 10 */
		"          - {protocol: icmp, icmp_type: echo-request, counter: true, log: \"ping \", action: accept}\n"
		"          - {protocol: tcp, action: reject, reject_with: tcp-reset}\n"     /* 12 */
		"      chains:\n"                                                          /* 13 */
		"        web:\n"                                                           /* 14 */
		"          - {protocol: udp, sport: 53, mark: 7, set_mark: 9, action: return}\n"; /* 15 */
	const char *want =
		"\tchain filter_web {\n"
		"\t\tmeta mark 7 udp sport 53 meta mark set 9 return\n"
		"\t}\n"
		"\tchain filter_forward {\n"
		"\t\ttype filter hook forward priority filter; policy drop;\n"
		"\t\tct state established,related accept\n"
		"\t\tiifname \"eth0\" oifname != \"eth1\" tcp dport { 80, 8000-8080 } accept\n"
		"\t\tip saddr { 10.1.0.0/24, 10.2.0.9 } jump filter_web\n"
		"\t\ticmp type echo-request counter log prefix \"ping \" accept\n"
		"\t\tmeta l4proto tcp reject with tcp reset\n"
		"\t}\n";
	const struct topo_nft_text *nt;

	(void)state;
	assert_int_equal(load(text, &t, &d), 0);
	topo_diags_free(&d);
	assert_int_equal(t.ns[0].n_nft_text, 1);
	nt = &t.ns[0].nft_text[0];
	assert_string_equal(nt->family, "inet");
	assert_string_equal(nt->text, want);
	/* Each line knows its rule: line 8 of the text is the jump (file line 10). */
	assert_int_equal(nt->n_line_pos, 11);
	assert_int_equal(nt->line_pos[7].line, 10);
	assert_int_equal(nt->line_pos[7].col, 13);
	assert_int_equal(nt->line_pos[0].line, 14);
	topology_free(&t);
}

static void test_filter_refused(void **state)
{
	(void)state;
	bad(HEAD "    filter:\n      input:\n        policy: reject\n", 6, 17, "policy 'reject' is not accept or drop");
	bad(HEAD "    filter:\n      inptu: {}\n", 5, 7, "unknown key 'inptu' in filter");
	bad(HEAD "    filter:\n      input:\n        rules:\n          - {dport: 80, action: accept}\n", 7, 21,
	    "sport and dport need protocol tcp, udp or sctp");
	bad(HEAD "    filter:\n      input:\n        rules:\n          - {protocol: icmp, dport: 80, action: accept}\n",
	    7, 37, "need protocol tcp, udp or sctp");
	bad(HEAD "    filter:\n      input:\n        rules:\n          - {protocol: tcp, dport: 70000, action: accept}\n",
	    7, 36, "port must be 1-65535");
	bad(HEAD "    filter:\n      input:\n        rules:\n          - {source: [10.0.0.0/8, \"fd00::/8\"], action: drop}\n",
	    7, 35, "mixes IPv4 and IPv6");
	bad(HEAD "    filter:\n      input:\n        rules:\n          - {source: 10.0.0.1/8, action: drop}\n", 7, 22,
	    "has host bits set");
	bad(HEAD "    filter:\n      input:\n        rules:\n          - {ct_state: [new, bogus], action: drop}\n", 7, 30,
	    "ct_state 'bogus' is not one of");
	bad(HEAD "    filter:\n      input:\n        rules:\n          - {jump: nowhere}\n", 7, 20,
	    "jump to 'nowhere': no such chain");
	bad(HEAD "    filter:\n      input:\n        rules:\n          - {protocol: tcp}\n", 7, 13, "needs 'action'");
	bad(HEAD "    filter:\n      input:\n        rules:\n          - {action: notrack}\n", 7, 22,
	    "only in prerouting or output with priority: raw");
	bad(HEAD "    filter:\n      input:\n        rules:\n          - {protocol: udp, action: reject, reject_with: tcp-reset}\n",
	    7, 58, "reject_with tcp-reset needs protocol tcp");
	bad(HEAD "    filter:\n      input:\n        rules:\n          - {log: \"a\\\"b\", action: accept}\n", 7, 19,
	    "a log prefix has at most 127 characters");
	bad(HEAD "    filter:\n      input:\n        rules:\n          - {sauce: 1, action: accept}\n", 7, 14,
	    "unknown key 'sauce' in a filter rule");
	bad(HEAD "    filter:\n      chains:\n        9x: []\n", 6, 9, "chain name '9x'");
}

static void test_nat_text(void **state)
{
	struct topology t;
	struct topo_diags d;
	const char *text = HEAD
		"    nat:\n"                                                                        /* 4 */
		"      - redirect: {protocol: tcp, port: 8080, to: \":3000\", in: eth0}\n"           /* 5 */
		"      - dnat: {protocol: tcp, port: 81, to: \":2000\"}\n"                           /* 6 */
		"      - dnat: {protocol: icmp, to: 10.2.0.2}\n"                                     /* 7 */
		"      - masquerade: {out: eth1, protocol: udp, ports: \"2000-3000\", random: true, persistent: true}\n"
		"      - snat: {to: 10.9.0.1, protocol: tcp, ports: 5000, fully_random: true}\n";   /* 9 */
	const char *want =
		"\tchain nat_prerouting {\n"
		"\t\ttype nat hook prerouting priority -100; policy accept;\n"
		"\t\tiifname \"eth0\" meta l4proto tcp th dport 8080 counter redirect to :3000\n"
		"\t\tfib daddr type local meta l4proto tcp th dport 81 counter dnat to :2000\n"
		"\t\tmeta nfproto ipv4 fib daddr type local meta l4proto icmp counter dnat ip to 10.2.0.2\n"
		"\t}\n"
		"\tchain nat_output {\n"
		"\t\ttype nat hook output priority -100; policy accept;\n"
		"\t\tmeta l4proto tcp th dport 8080 counter redirect to :3000\n"
		"\t\tfib daddr type local meta l4proto tcp th dport 81 counter dnat to :2000\n"
		"\t\tmeta nfproto ipv4 ip daddr != 127.0.0.0/8 fib daddr type local meta l4proto icmp counter dnat ip to 10.2.0.2\n"
		"\t}\n"
		"\tchain nat_postrouting {\n"
		"\t\ttype nat hook postrouting priority 100; policy accept;\n"
		"\t\toifname \"eth1\" meta l4proto udp counter masquerade to :2000-3000 random,persistent\n"
		"\t\tmeta nfproto ipv4 meta l4proto tcp counter snat ip to 10.9.0.1:5000 fully-random\n"
		"\t}\n";
	struct topo_nft_rule *rules = NULL;
	struct nftx_texts tx;
	size_t n = 0;

	(void)state;
	assert_int_equal(load(text, &t, &d), 0);
	topo_diags_free(&d);
	assert_true(nft_nat_as_text(&t.ns[0]));
	assert_true(nftx_declared(&t.ns[0]));
	/* None of it on the expression path. */
	assert_int_equal(nft_render(&t.ns[0], &rules, &n), 0);
	assert_int_equal(n, 0);
	nft_rules_free(rules, n);
	assert_int_equal(nftx_texts_get(&t.ns[0], &tx), 0);
	assert_int_equal(tx.n, 1);
	assert_string_equal(tx.v[0].family, "inet");
	assert_string_equal(tx.v[0].text, want);
	assert_int_equal(tx.v[0].n_line_pos, 17);
	assert_int_equal(tx.v[0].line_pos[4].line, 7);   /* the icmp dnat */
	assert_int_equal(tx.v[0].line_pos[15].line, 9);  /* the snat */
	nftx_texts_free(&tx);
	topology_free(&t);

	/* Plain rules stay on the expression path. */
	assert_int_equal(load(HEAD "    nat:\n      - masquerade: {out: eth1}\n"
			      "      - dnat: {protocol: tcp, port: 80, to: \"10.0.0.2:8080\"}\n", &t, &d), 0);
	topo_diags_free(&d);
	assert_false(nft_nat_as_text(&t.ns[0]));
	assert_false(nftx_declared(&t.ns[0]));
	topology_free(&t);
}

static void test_nat_refused(void **state)
{
	(void)state;
	bad(HEAD "    nat:\n      - redirect: {protocol: tcp, port: 80, to: \"3000\"}\n", 5, 49, "to must be \":PORT\"");
	bad(HEAD "    nat:\n      - masquerade: {ports: \"1-2\"}\n", 5, 29, "a port mapping needs 'protocol'");
	bad(HEAD "    nat:\n      - masquerade: {protocol: tcp, random: true, fully_random: true}\n", 5, 9,
	    "random and fully_random exclude each other");
	bad(HEAD "    nat:\n      - dnat: {protocol: icmp, port: 80, to: 10.0.0.2}\n", 5, 26, "a port needs one");
	bad(HEAD "    nat:\n      - dnat: {to: \":2000\"}\n", 5, 20, "a target port needs 'protocol'");
	bad(HEAD "    nat:\n      - dnat: {protocol: tcp, port: 80, to: \":2000-2001\"}\n", 5, 45, "one port, not a range");
	bad(HEAD "    nat:\n      - dnat: {protocol: icmp, to: \"fd00::2\"}\n", 5, 26, "icmp is IPv4's");
	bad(HEAD "    nat:\n      - redirect: {random: true}\n", 5, 20, "unknown key 'random' in redirect");
}

/* Text that is the kernel's listing (what export writes) is converged
 * whatever text the record was made from; one line off is not. */
static void test_text_is_listing(void **state)
{
	struct topology t;
	struct topo_diags d;
	struct topo_ns o = { 0 };
	char mark[128];
	const char *text = HEAD
		"    nft:\n"
		"      inet: |\n"
		"        counter c {\n"
		"        }\n"
		"        chain fw {\n"
		"          type filter hook forward priority filter; policy drop;\n"
		"          ct state established,related accept\n"
		"        }\n"
		"      bridge: |\n"
		"        chain b {\n"
		"          type filter hook forward priority filter; policy accept;\n"
		"        }\n";
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(load(text, &t, &d), 0);
	topo_diags_free(&d);
	o.nftx_read = true;
	o.nftx_ours = 1u << topo_nft_family_index("bridge");
	o.nftx_listing = 0x1234;
	topo_nft_mark(nftx_hash(&t.ns[0]) ^ 1, o.nftx_listing, mark, sizeof(mark));
	o.nftx_mark = mark;
	assert_non_null(topo_ns_nftx_slots(&o));
	o.nftx_body[0] = strdup("counter c {\n}\nchain fw {\n\ttype filter hook forward priority filter; policy drop;\n"
				"\tct state established,related accept\n}\n");
	o.nftx_body[4] = strdup("chain b {\n\ttype filter hook forward priority filter; policy accept;\n}\n");
	assert_true(nftx_text_is_listing(&t.ns[0], &o));
	f = open_memstream(&buf, &len);
	assert_true(nftx_same(&t.ns[0], &o, f));
	fclose(f);
	assert_string_equal(buf, "");
	free(buf);
	/* A rule the listing has and the text does not. */
	free(o.nftx_body[4]);
	o.nftx_body[4] = strdup("chain b {\n\ttype filter hook forward priority filter; policy accept;\n\tdrop\n}\n");
	assert_false(nftx_text_is_listing(&t.ns[0], &o));
	f = open_memstream(&buf, &len);
	assert_false(nftx_same(&t.ns[0], &o, f));
	fclose(f);
	assert_non_null(strstr(buf, "the text changed"));
	free(buf);
	/* A family's table gone. */
	free(o.nftx_body[4]);
	o.nftx_body[4] = NULL;
	assert_false(nftx_text_is_listing(&t.ns[0], &o));
	/* Not read: nothing to compare with. */
	o.nftx_body[4] = strdup("chain b {\n\ttype filter hook forward priority filter; policy accept;\n}\n");
	o.nftx_read = false;
	assert_false(nftx_text_is_listing(&t.ns[0], &o));
	free(o.nftx_body[0]);
	free(o.nftx_body[4]);
	free(o.nftx_body);
	topology_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inet_text),
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_filter_render),
		cmocka_unit_test(test_filter_refused),
		cmocka_unit_test(test_nat_text),
		cmocka_unit_test(test_nat_refused),
		cmocka_unit_test(test_text_is_listing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
