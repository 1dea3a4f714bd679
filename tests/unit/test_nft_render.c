// SPDX-License-Identifier: MIT
/*
 * The nft words of declared nat/forward rules. The nft backend renders the
 * live table the same way; equal text is an equal rule, so every character
 * here is part of a contract.
 */
#include "tests/unit/fixtures.h"

static const char *nat(const char *yaml_rule)
{
	static char buf[512];
	char text[1024];
	struct topology t;

	snprintf(text, sizeof(text), "topology: n\nnamespaces:\n  host:\n    nat:\n      - %s\n", yaml_rule);
	fx_load(text, &t);
	assert_int_equal(t.ns[0].n_nat, 1);
	assert_int_equal(nft_render_nat(&t.ns[0].nat[0],
					t.ns[0].nat[0].kind == TOPO_NAT_DNAT ? NFT_CHAIN_PREROUTING : NFT_CHAIN_POSTROUTING,
					buf, sizeof(buf)), 0);
	topology_free(&t);
	return buf;
}

static const char *dnat_output(const char *yaml_rule)
{
	static char buf[512];
	char text[1024];
	struct topology t;

	snprintf(text, sizeof(text), "topology: n\nnamespaces:\n  host:\n    nat:\n      - %s\n", yaml_rule);
	fx_load(text, &t);
	assert_int_equal(nft_render_nat(&t.ns[0].nat[0], NFT_CHAIN_OUTPUT, buf, sizeof(buf)), 0);
	topology_free(&t);
	return buf;
}

static const char *fwd(const char *yaml_rule)
{
	static char buf[512];
	char text[1024];
	struct topology t;

	snprintf(text, sizeof(text), "topology: n\nnamespaces:\n  host:\n    forward:\n      - %s\n", yaml_rule);
	fx_load(text, &t);
	assert_int_equal(t.ns[0].n_forward, 1);
	assert_int_equal(nft_render_forward(&t.ns[0].forward[0], buf, sizeof(buf)), 0);
	topology_free(&t);
	return buf;
}

static void test_masquerade(void **state)
{
	(void)state;
	assert_string_equal(nat("masquerade: {}"), "counter masquerade");
	assert_string_equal(nat("masquerade: {out: eth0}"), "oifname \"eth0\" counter masquerade");
	assert_string_equal(nat("masquerade: {source: 172.17.0.0/16, out: \"!docker0\"}"),
			    "meta nfproto ipv4 oifname != \"docker0\" ip saddr 172.17.0.0/16 counter masquerade");
	assert_string_equal(nat("masquerade: {source: \"fd00::/64\"}"),
			    "meta nfproto ipv6 ip6 saddr fd00::/64 counter masquerade");
	/* A single host: no prefix length, as nft prints it. */
	assert_string_equal(nat("masquerade: {source: 10.1.0.5/32}"),
			    "meta nfproto ipv4 ip saddr 10.1.0.5 counter masquerade");
}

static void test_snat(void **state)
{
	(void)state;
	assert_string_equal(nat("snat: {source: 10.1.0.0/24, out: eth0, to: 192.0.2.1}"),
			    "meta nfproto ipv4 oifname \"eth0\" ip saddr 10.1.0.0/24 counter snat ip to 192.0.2.1");
	assert_string_equal(nat("snat: {to: 192.0.2.1}"), "meta nfproto ipv4 counter snat ip to 192.0.2.1");
	assert_string_equal(nat("snat: {source: \"fd00::/64\", to: \"2001:db8::1\"}"),
			    "meta nfproto ipv6 ip6 saddr fd00::/64 counter snat ip6 to 2001:db8::1");
}

static void test_dnat(void **state)
{
	(void)state;
	/* docker run -p 8080:80 */
	assert_string_equal(nat("dnat: {protocol: tcp, port: 8080, to: \"172.17.0.2:80\"}"),
			    "meta nfproto ipv4 fib daddr type local meta l4proto tcp th dport 8080 counter "
			    "dnat ip to 172.17.0.2:80");
	/* A range, no port rewrite. */
	assert_string_equal(nat("dnat: {protocol: udp, port: 5000-5010, to: 172.17.0.2}"),
			    "meta nfproto ipv4 fib daddr type local meta l4proto udp th dport 5000-5010 counter "
			    "dnat ip to 172.17.0.2");
	/* in and destination */
	assert_string_equal(nat("dnat: {protocol: tcp, port: 8080, to: \"172.18.0.2:80\", in: eth0, "
				"destination: 192.168.1.0/24}"),
			    "meta nfproto ipv4 iifname \"eth0\" ip daddr 192.168.1.0/24 meta l4proto tcp "
			    "th dport 8080 counter dnat ip to 172.18.0.2:80");
	assert_string_equal(nat("dnat: {protocol: sctp, port: 9, to: 10.0.0.9, in: \"!lo\", destination: 192.168.1.7/32}"),
			    "meta nfproto ipv4 iifname != \"lo\" ip daddr 192.168.1.7 meta l4proto sctp th dport 9 "
			    "counter dnat ip to 10.0.0.9");
	/* IPv6: the address in brackets when a port follows. */
	assert_string_equal(nat("dnat: {protocol: tcp, port: 8080, to: \"[fd00::2]:80\"}"),
			    "meta nfproto ipv6 fib daddr type local meta l4proto tcp th dport 8080 counter "
			    "dnat ip6 to [fd00::2]:80");
	assert_string_equal(nat("dnat: {protocol: tcp, port: 8080, to: \"fd00::2\"}"),
			    "meta nfproto ipv6 fib daddr type local meta l4proto tcp th dport 8080 counter "
			    "dnat ip6 to fd00::2");
	/* In output (locally generated): no input interface, and never loopback
	 * (127.0.0.1:8080 stays a local connection, as Docker's rule keeps it). */
	assert_string_equal(dnat_output("dnat: {protocol: tcp, port: 8080, to: \"172.18.0.2:80\", in: eth0}"),
			    "meta nfproto ipv4 ip daddr != 127.0.0.0/8 fib daddr type local meta l4proto tcp "
			    "th dport 8080 counter dnat ip to 172.18.0.2:80");
	assert_string_equal(dnat_output("dnat: {protocol: tcp, port: 8080, to: \"[fd00::2]:80\"}"),
			    "meta nfproto ipv6 ip6 daddr != ::1 fib daddr type local meta l4proto tcp "
			    "th dport 8080 counter dnat ip6 to [fd00::2]:80");
	/* A declared destination does not lift the exclusion (0.0.0.0/0 holds 127.0.0.1). */
	assert_string_equal(dnat_output("dnat: {protocol: udp, port: 53, to: 10.0.0.9, destination: 0.0.0.0/0}"),
			    "meta nfproto ipv4 ip daddr != 127.0.0.0/8 ip daddr 0.0.0.0/0 meta l4proto udp "
			    "th dport 53 counter dnat ip to 10.0.0.9");
}

static void test_forward(void **state)
{
	(void)state;
	assert_string_equal(fwd("{action: accept, in: br0, out: eth0}"),
			    "iifname \"br0\" oifname \"eth0\" counter accept");
	assert_string_equal(fwd("{action: drop}"), "counter drop");
	assert_string_equal(fwd("{action: drop, in: \"!br0\", source: 10.0.0.0/8, destination: 192.168.0.0/16}"),
			    "meta nfproto ipv4 iifname != \"br0\" ip saddr 10.0.0.0/8 ip daddr 192.168.0.0/16 counter drop");
	assert_string_equal(fwd("{action: accept, destination: \"fd00::/64\"}"),
			    "meta nfproto ipv6 ip6 daddr fd00::/64 counter accept");
	assert_string_equal(fwd("{action: accept, source: 10.0.0.1/32}"),
			    "meta nfproto ipv4 ip saddr 10.0.0.1 counter accept");
}

static void test_chain_lines(void **state)
{
	char buf[128];

	(void)state;
	nft_render_chain(NFT_CHAIN_PREROUTING, buf, sizeof(buf));
	assert_string_equal(buf, "type nat hook prerouting priority -100 policy accept");
	nft_render_chain(NFT_CHAIN_OUTPUT, buf, sizeof(buf));
	assert_string_equal(buf, "type nat hook output priority -100 policy accept");
	nft_render_chain(NFT_CHAIN_POSTROUTING, buf, sizeof(buf));
	assert_string_equal(buf, "type nat hook postrouting priority 100 policy accept");
	nft_render_chain(NFT_CHAIN_FORWARD, buf, sizeof(buf));
	assert_string_equal(buf, "type filter hook forward priority 0 policy accept");
	nft_table_name("seed000", buf, sizeof(buf));
	assert_string_equal(buf, "topo-seed000");
}

static char *render_text(const char *yaml)
{
	struct topology t;
	struct topo_nft_rule *v = NULL;
	size_t n = 0;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	fx_load(yaml, &t);
	assert_int_equal(nft_render(&t.ns[0], &v, &n), 0);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s: %s\n", v[i].chain, v[i].text);
	fclose(f);
	nft_rules_free(v, n);
	topology_free(&t);
	return out;
}

/* Chains in a fixed order, each headed by its chain line, rules in file
 * order; dnat in prerouting and output; empty chains absent. */
static void test_render_order(void **state)
{
	char *out;

	(void)state;
	out = render_text("topology: n\n"
			  "namespaces:\n"
			  "  host:\n"
			  "    forward:\n"
			  "      - {action: accept, in: docker0}\n"
			  "      - {action: drop}\n"
			  "    nat:\n"
			  "      - masquerade: {source: 172.17.0.0/16, out: \"!docker0\"}\n"
			  "      - dnat: {protocol: tcp, port: 8080, to: \"172.17.0.2:80\", in: uplink}\n"
			  "      - snat: {source: 10.9.0.0/16, to: 192.0.2.1}\n"
			  "      - dnat: {protocol: udp, port: 53, to: 172.17.0.3}\n");
	assert_string_equal(out,
		"prerouting: type nat hook prerouting priority -100 policy accept\n"
		"prerouting: meta nfproto ipv4 iifname \"uplink\" fib daddr type local meta l4proto tcp th dport 8080 "
		"counter dnat ip to 172.17.0.2:80\n"
		"prerouting: meta nfproto ipv4 fib daddr type local meta l4proto udp th dport 53 counter dnat ip to "
		"172.17.0.3\n"
		"output: type nat hook output priority -100 policy accept\n"
		"output: meta nfproto ipv4 ip daddr != 127.0.0.0/8 fib daddr type local meta l4proto tcp th dport 8080 "
		"counter dnat ip to 172.17.0.2:80\n"
		"output: meta nfproto ipv4 ip daddr != 127.0.0.0/8 fib daddr type local meta l4proto udp th dport 53 "
		"counter dnat ip to 172.17.0.3\n"
		"postrouting: type nat hook postrouting priority 100 policy accept\n"
		"postrouting: meta nfproto ipv4 oifname != \"docker0\" ip saddr 172.17.0.0/16 counter masquerade\n"
		"postrouting: meta nfproto ipv4 ip saddr 10.9.0.0/16 counter snat ip to 192.0.2.1\n"
		"forward: type filter hook forward priority 0 policy accept\n"
		"forward: iifname \"docker0\" counter accept\n"
		"forward: counter drop\n");
	free(out);

	/* Only a masquerade: one chain. */
	out = render_text("topology: n\nnamespaces:\n  host:\n    nat: [{masquerade: {}}]\n");
	assert_string_equal(out,
		"postrouting: type nat hook postrouting priority 100 policy accept\n"
		"postrouting: counter masquerade\n");
	free(out);

	/* Nothing declared: nothing at all. */
	out = render_text("topology: n\nnamespaces:\n  host:\n    interfaces: {lo: {}}\n");
	assert_string_equal(out, "");
	free(out);
}

/* A buffer too small: an error, not a cut rule that would compare wrong. */
static void test_render_small_buffer(void **state)
{
	struct topo_forward fw;
	char buf[10];

	(void)state;
	memset(&fw, 0, sizeof(fw));
	fw.action = TOPO_FWD_ACCEPT;
	snprintf(fw.in.name, sizeof(fw.in.name), "br0");
	assert_int_equal(nft_render_forward(&fw, buf, sizeof(buf)), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_masquerade),
		cmocka_unit_test(test_snat),
		cmocka_unit_test(test_dnat),
		cmocka_unit_test(test_forward),
		cmocka_unit_test(test_chain_lines),
		cmocka_unit_test(test_render_order),
		cmocka_unit_test(test_render_small_buffer),
	};

	return cmocka_run_group_tests_name("nft_render", tests, NULL, NULL);
}
