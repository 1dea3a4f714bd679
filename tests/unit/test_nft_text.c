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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inet_text),
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
