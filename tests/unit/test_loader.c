// SPDX-License-Identifier: MIT
/*
 * The loader against the file-format contract (issue 3): for each rule a file
 * that passes and one that breaks it, with the exact line, column and wording
 * of the error. Every error test also checks that nothing else was reported,
 * so a rule that fires twice, or drags a second false error along, fails too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "model/link_bridge.h"
#include "model/link_macvlan.h"
#include "model/link_vxlan.h"
#include "model/linktype.h"
#include "model/loader.h"
#include "model/names.h"
#include "model/yaml_scalar.h"

/* ------------------------------------------------------------- helpers -- */

struct want {
	unsigned line, col;
	const char *sub;        /* a distinctive part of the message */
};

static int load_len(const void *buf, size_t len, struct topology *t, struct topo_diags *d)
{
	return topo_load_buffer("t.yaml", buf, len, t, d);
}

static void dump_diags(const struct topo_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		print_message("    got  %u:%u: %s\n", d->v[i].pos.line, d->v[i].pos.col, d->v[i].msg);
}

/* Loads text that must validate; the caller frees *t. */
static void load_ok(const char *text, struct topology *t)
{
	struct topo_diags d;
	int r = load_len(text, strlen(text), t, &d);

	if (r != 0) {
		print_message("load failed (%d) on:\n%s\n", r, text);
		dump_diags(&d);
	}
	topo_diags_free(&d);
	assert_int_equal(r, 0);
}

static bool diag_matches(const struct topo_diag *g, const struct want *w)
{
	return g->pos.line == w->line && g->pos.col == w->col && strstr(g->msg, w->sub);
}

/* Exactly the errors in w (in any order at one position) and nothing else;
 * a refused file leaves the topology empty. */
static void check_errors(const void *buf, size_t len, const struct want *w, size_t n)
{
	struct topology t;
	struct topo_diags d;
	int r = load_len(buf, len, &t, &d);
	bool ok = r == -EINVAL && d.n == n && d.dropped == 0;

	for (size_t i = 0; ok && i < n; i++) {
		bool found = false;

		for (size_t j = 0; j < d.n && !found; j++)
			found = diag_matches(&d.v[j], &w[i]);
		ok = found;
	}
	if (!ok) {
		print_message("r=%d, %zu errors; wanted %zu:\n", r, d.n, n);
		for (size_t i = 0; i < n; i++)
			print_message("    want %u:%u: ...%s...\n", w[i].line, w[i].col, w[i].sub);
		dump_diags(&d);
	}
	bool empty = t.n_ns == 0 && !t.ns && !t.links && !t.checks && !t.file && !t.name[0];

	topology_free(&t);
	topo_diags_free(&d);
	assert_true(ok);
	assert_true(empty);
}

#define WANTS(...) (const struct want[]){ __VA_ARGS__ }, \
	sizeof((const struct want[]){ __VA_ARGS__ }) / sizeof(struct want)
#define EXPECT_ERRORS(text, ...) check_errors((text), strlen(text), WANTS(__VA_ARGS__))

/* A text built at run time (names of varying length). A few buffers in
 * turn, so the file and the expected message can both come from here. */
__attribute__((format(printf, 1, 2)))
static const char *fmt(const char *f, ...)
{
	static char bufs[4][8192];
	static unsigned next;
	char *buf = bufs[next++ % 4];
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, sizeof(bufs[0]), f, ap);
	va_end(ap);
	return buf;
}

static const struct topo_ns *ns_named(const struct topology *t, const char *name)
{
	long i = topology_ns_find(t, name);

	assert_true(i >= 0);
	return &t->ns[i];
}

static const struct topo_iface *if_named(const struct topo_ns *ns, const char *name)
{
	long i = topo_ns_iface_find(ns, name);

	assert_true(i >= 0);
	return &ns->ifaces[i];
}

static void assert_ip(const struct topo_ip *ip, uint8_t family, uint8_t plen, const uint8_t *bytes)
{
	assert_int_equal(ip->family, family);
	assert_int_equal(ip->plen, plen);
	assert_memory_equal(ip->bytes, bytes, family == AF_INET ? 4 : 16);
}

/* The prefix most tests share: one created namespace "web" with a bridge. */
#define HEAD \
	"topology: t\n"                         /* 1 */ \
	"namespaces:\n"                         /* 2 */ \
	"  web:\n"                              /* 3 */ \
	"    interfaces:\n"                     /* 4 */ \
	"      br0: {type: bridge}\n"           /* 5 */

/* ------------------------------------------------- the contract example -- */

static const char contract_example[] =
	"topology: lab1                  # required; [a-z0-9][a-z0-9_-]{0,31}\n"
	"namespaces:                     # map: name -> namespace\n"
	"  host:                         # reserved name\n"
	"    sysctls: {net.ipv4.ip_forward: 1}\n"
	"    interfaces:\n"
	"      br0: {type: bridge, addresses: [172.18.0.1/16], mtu: 1500, stp: false}\n"
	"      vethA: {master: br0}      # type comes from `links:`\n"
	"  web:                          # a named netns topo creates and owns\n"
	"    interfaces:\n"
	"      eth0: {addresses: [172.18.0.2/16, \"fd00::2/64\"], mtu: 1400, mac: \"02:00:00:00:00:02\"}\n"
	"      lo: {addresses: [10.255.0.1/32]}        # lo is always up in created namespaces\n"
	"    routes:\n"
	"      - {to: default, via: 172.18.0.1}\n"
	"      - {to: 10.9.0.0/24, via: 172.18.0.9, metric: 10, table: 100, src: 172.18.0.2}\n"
	"      - {to: 10.8.0.0/16, dev: eth0}          # scope link\n"
	"      - {to: 10.7.0.0/16, type: blackhole}    # also unreachable, prohibit\n"
	"    sysctls: {net.ipv6.conf.all.disable_ipv6: 0}\n"
	"    nat:\n"
	"      - masquerade: {source: 10.1.0.0/24, out: eth0}          # out may be \"!br0\"\n"
	"      - snat: {source: 10.1.0.0/24, out: eth0, to: 192.0.2.1}\n"
	"      - dnat: {protocol: tcp, port: 8080, to: \"172.18.0.2:80\", in: eth0}\n"
	"    forward:\n"
	"      - {action: accept, in: br0, out: eth0}  # also source, destination\n"
	"  app:\n"
	"    path: /var/run/docker/netns/1a2b3c4d     # attach (or pid: 1234)\n"
	"    interfaces:\n"
	"      eth1: {addresses: [10.3.0.2/24]}\n"
	"links:                                        # veth pairs\n"
	"  - [host:vethA, web:eth0]\n"
	"  - {endpoints: [\"web:eth1\", \"app:eth1\"], mtu: 9000}\n"
	"checks:\n"
	"  - {from: web, ping: 172.18.0.1}\n"
	"  - {from: web, tcp: \"10.3.0.2:80\", expect: fail}\n";

static void check_example_host(const struct topology *t)
{
	const struct topo_ns *host = &t->ns[0];
	const struct topo_iface *br0 = &host->ifaces[0], *veth = &host->ifaces[1];

	assert_string_equal(host->name, "host");
	assert_int_equal(host->kind, TOPO_NS_IS_HOST);
	assert_null(host->path);
	assert_int_equal(host->pos.line, 3);
	assert_int_equal(host->pos.col, 3);
	assert_int_equal(host->n_sysctls, 1);
	assert_string_equal(host->sysctls[0].key, "net.ipv4.ip_forward");
	assert_string_equal(host->sysctls[0].value, "1");
	assert_int_equal(host->n_ifaces, 2);

	assert_string_equal(br0->name, "br0");
	assert_int_equal(br0->type, TOPO_IF_BRIDGE);
	assert_int_equal(br0->mtu, 1500);
	assert_true(br0->opt[BR_STP].set && br0->opt[BR_STP].u == 0);
	assert_true(br0->up);
	assert_int_equal(br0->link, -1);
	assert_int_equal(br0->n_addrs, 1);
	assert_ip(&br0->addrs[0].ip, AF_INET, 16, (const uint8_t[]){ 172, 18, 0, 1 });
	assert_int_equal(br0->pos.line, 6);
	assert_int_equal(br0->pos.col, 7);

	assert_string_equal(veth->name, "vethA");
	assert_int_equal(veth->type, TOPO_IF_VETH);
	assert_string_equal(veth->master, "br0");
	assert_int_equal(veth->link, 0);
	assert_int_equal(veth->mtu, 0);          /* the link declares none */
	assert_null(veth->opt);   /* a veth has no options */
}

static void check_example_web(const struct topology *t)
{
	static const uint8_t fd00_2[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
	const struct topo_ns *web = &t->ns[1];
	const struct topo_iface *eth0 = &web->ifaces[0], *lo = &web->ifaces[1], *eth1 = &web->ifaces[2];

	assert_string_equal(web->name, "web");
	assert_int_equal(web->kind, TOPO_NS_CREATED);
	assert_int_equal(web->n_ifaces, 3);

	assert_string_equal(eth0->name, "eth0");
	assert_int_equal(eth0->type, TOPO_IF_VETH);
	assert_int_equal(eth0->mtu, 1400);
	assert_true(eth0->has_mac);
	assert_memory_equal(eth0->mac, ((const uint8_t[]){ 2, 0, 0, 0, 0, 2 }), 6);
	assert_int_equal(eth0->link, 0);
	assert_int_equal(eth0->n_addrs, 2);
	assert_ip(&eth0->addrs[0].ip, AF_INET, 16, (const uint8_t[]){ 172, 18, 0, 2 });
	assert_ip(&eth0->addrs[1].ip, AF_INET6, 64, fd00_2);
	assert_int_equal(eth0->addrs[1].pos.line, 10);
	assert_int_equal(eth0->addrs[1].pos.col, 41);

	assert_string_equal(lo->name, "lo");
	assert_int_equal(lo->type, TOPO_IF_LOOPBACK);
	assert_int_equal(lo->link, -1);
	assert_int_equal(lo->n_addrs, 1);
	assert_ip(&lo->addrs[0].ip, AF_INET, 32, (const uint8_t[]){ 10, 255, 0, 1 });

	/* Not listed under interfaces: made by the link, where the link names it. */
	assert_string_equal(eth1->name, "eth1");
	assert_int_equal(eth1->type, TOPO_IF_VETH);
	assert_int_equal(eth1->link, 1);
	assert_int_equal(eth1->mtu, 9000);
	assert_int_equal(eth1->n_addrs, 0);
	assert_int_equal(eth1->pos.line, 30);
	assert_int_equal(eth1->pos.col, 18);

	assert_int_equal(web->n_sysctls, 1);
	assert_string_equal(web->sysctls[0].key, "net.ipv6.conf.all.disable_ipv6");
	assert_string_equal(web->sysctls[0].value, "0");
}

static void check_example_routes(const struct topology *t)
{
	const struct topo_ns *web = &t->ns[1];
	const struct topo_route *rt = web->routes;

	assert_int_equal(web->n_routes, 4);
	/* default via an IPv4 gateway: 0.0.0.0/0 in main. */
	assert_ip(&rt[0].dst, AF_INET, 0, (const uint8_t[]){ 0, 0, 0, 0 });
	assert_ip(&rt[0].via, AF_INET, 32, (const uint8_t[]){ 172, 18, 0, 1 });
	assert_int_equal(rt[0].table, 254);
	assert_int_equal(rt[0].metric, 0);
	assert_int_equal(rt[0].type, TOPO_RT_UNICAST);
	assert_string_equal(rt[0].dev, "");
	assert_int_equal(rt[0].src.family, 0);
	assert_int_equal(rt[0].pos.line, 13);
	assert_int_equal(rt[0].pos.col, 9);

	assert_ip(&rt[1].dst, AF_INET, 24, (const uint8_t[]){ 10, 9, 0, 0 });
	assert_ip(&rt[1].via, AF_INET, 32, (const uint8_t[]){ 172, 18, 0, 9 });
	assert_ip(&rt[1].src, AF_INET, 32, (const uint8_t[]){ 172, 18, 0, 2 });
	assert_int_equal(rt[1].metric, 10);
	assert_int_equal(rt[1].table, 100);

	assert_ip(&rt[2].dst, AF_INET, 16, (const uint8_t[]){ 10, 8, 0, 0 });
	assert_int_equal(rt[2].via.family, 0);
	assert_string_equal(rt[2].dev, "eth0");

	assert_ip(&rt[3].dst, AF_INET, 16, (const uint8_t[]){ 10, 7, 0, 0 });
	assert_int_equal(rt[3].type, TOPO_RT_BLACKHOLE);
}

static void check_example_rules(const struct topology *t)
{
	const struct topo_ns *web = &t->ns[1];
	const struct topo_nat *nat = web->nat;

	assert_int_equal(web->n_nat, 3);
	assert_int_equal(nat[0].kind, TOPO_NAT_MASQUERADE);
	assert_ip(&nat[0].source, AF_INET, 24, (const uint8_t[]){ 10, 1, 0, 0 });
	assert_string_equal(nat[0].out.name, "eth0");
	assert_false(nat[0].out.negate);
	assert_int_equal(nat[0].pos.line, 19);

	assert_int_equal(nat[1].kind, TOPO_NAT_SNAT);
	assert_ip(&nat[1].to, AF_INET, 32, (const uint8_t[]){ 192, 0, 2, 1 });
	assert_int_equal(nat[1].to_port, 0);

	assert_int_equal(nat[2].kind, TOPO_NAT_DNAT);
	assert_int_equal(nat[2].protocol, IPPROTO_TCP);
	assert_int_equal(nat[2].port_lo, 8080);
	assert_int_equal(nat[2].port_hi, 8080);
	assert_ip(&nat[2].to, AF_INET, 32, (const uint8_t[]){ 172, 18, 0, 2 });
	assert_int_equal(nat[2].to_port, 80);
	assert_string_equal(nat[2].in.name, "eth0");

	assert_int_equal(web->n_forward, 1);
	assert_int_equal(web->forward[0].action, TOPO_FWD_ACCEPT);
	assert_string_equal(web->forward[0].in.name, "br0");
	assert_string_equal(web->forward[0].out.name, "eth0");
	assert_int_equal(web->forward[0].source.family, 0);
}

static void check_example_app_links_checks(const struct topology *t)
{
	const struct topo_ns *app = &t->ns[2];

	assert_string_equal(app->name, "app");
	assert_int_equal(app->kind, TOPO_NS_PATH);
	assert_string_equal(app->path, "/var/run/docker/netns/1a2b3c4d");
	assert_int_equal(app->n_ifaces, 1);
	assert_int_equal(app->ifaces[0].type, TOPO_IF_VETH);
	assert_int_equal(app->ifaces[0].mtu, 9000);   /* from the link */
	assert_int_equal(app->ifaces[0].link, 1);
	assert_ip(&app->ifaces[0].addrs[0].ip, AF_INET, 24, (const uint8_t[]){ 10, 3, 0, 2 });

	assert_int_equal(t->n_links, 2);
	assert_int_equal(t->links[0].end[0].ns, 0);
	assert_int_equal(t->links[0].end[0].iface, 1);
	assert_int_equal(t->links[0].end[1].ns, 1);
	assert_int_equal(t->links[0].end[1].iface, 0);
	assert_int_equal(t->links[0].mtu, 0);
	assert_int_equal(t->links[0].pos.line, 29);
	assert_int_equal(t->links[1].end[0].ns, 1);
	assert_int_equal(t->links[1].end[0].iface, 2);
	assert_int_equal(t->links[1].end[1].ns, 2);
	assert_int_equal(t->links[1].end[1].iface, 0);
	assert_int_equal(t->links[1].mtu, 9000);

	assert_int_equal(t->n_checks, 2);
	assert_int_equal(t->checks[0].from, 1);
	assert_int_equal(t->checks[0].kind, TOPO_CHECK_PING);
	assert_ip(&t->checks[0].addr, AF_INET, 32, (const uint8_t[]){ 172, 18, 0, 1 });
	assert_false(t->checks[0].expect_fail);
	assert_int_equal(t->checks[1].kind, TOPO_CHECK_TCP);
	assert_ip(&t->checks[1].addr, AF_INET, 32, (const uint8_t[]){ 10, 3, 0, 2 });
	assert_int_equal(t->checks[1].port, 80);
	assert_true(t->checks[1].expect_fail);
}

static void test_contract_example(void **state)
{
	struct topology t;

	(void)state;
	load_ok(contract_example, &t);
	assert_string_equal(t.name, "lab1");
	assert_string_equal(t.file, "t.yaml");
	assert_int_equal(t.n_ns, 3);
	check_example_host(&t);
	check_example_web(&t);
	check_example_routes(&t);
	check_example_rules(&t);
	check_example_app_links_checks(&t);
	topology_free(&t);
	assert_int_equal(t.n_ns, 0);
	assert_null(t.ns);
}

/* No file name: messages and the model say "-" (standard input). */
static void test_file_name_default(void **state)
{
	struct topology t;
	struct topo_diags d;

	(void)state;
	assert_int_equal(topo_load_buffer(NULL, (const unsigned char *)"topology: a\n", 12, &t, &d), 0);
	assert_string_equal(t.file, "-");
	assert_string_equal(t.name, "a");
	assert_int_equal(d.n, 0);
	topology_free(&t);
	topo_diags_free(&d);
}

/* ----------------------------------------------------------- unknown keys -- */

static void test_unknown_keys(void **state)
{
	(void)state;
	EXPECT_ERRORS("topology: t\nnamspaces: {}\n",
		      { 2, 1, "unknown key 'namspaces' in the top level (accepted: topology, prefix, defaults, nodes, namespaces, links, checks, coexist)" });
	EXPECT_ERRORS(HEAD "    interface: {}\n",
		      { 6, 5, "unknown key 'interface' in a namespace (accepted: path, pid, interfaces" });
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, colour: red}\n",
		      { 6, 26, "unknown key 'colour' in an interface (accepted: type, addresses" });
	EXPECT_ERRORS(HEAD "    routes:\n      - {to: 10.0.0.0/8, dev: br0, tos: 4}\n",
		      { 7, 36, "unknown key 'tos' in a route (accepted: to, via, dev, nexthops, nhid, metric, table, src, type, "
		      "scope, onlink, mtu, advmss)" });
	EXPECT_ERRORS(HEAD "    nat:\n      - masquerade: {out: br0, to: 10.0.0.1}\n",
		      { 7, 32, "unknown key 'to' in masquerade (accepted: source, out, protocol, ports, random, fully_random, persistent)" });
	EXPECT_ERRORS(HEAD "    nat:\n      - snat: {to: 10.0.0.1, in: br0}\n",
		      { 7, 30, "unknown key 'in' in snat (accepted: source, out, to, protocol, ports, random, fully_random, persistent)" });
	EXPECT_ERRORS(HEAD "    nat:\n      - dnat: {protocol: tcp, port: 80, to: 10.0.0.1, out: br0}\n",
		      { 7, 55, "unknown key 'out' in dnat (accepted: protocol, port, to, in, destination)" });
	EXPECT_ERRORS(HEAD "    forward:\n      - {action: drop, chain: x}\n",
		      { 7, 24, "unknown key 'chain' in a forward rule (accepted: action, in, out, source, destination)" });
	EXPECT_ERRORS(HEAD "links:\n  - {endpoints: [web:a, web:b], name: x}\n",
		      { 7, 33, "unknown key 'name' in a link (accepted: endpoints, mtu, addr_gen_mode)" });
	EXPECT_ERRORS(HEAD "checks:\n  - {from: web, ping: 10.0.0.1, count: 3}\n",
		      { 7, 33, "unknown key 'count' in a check (accepted: from, ping, tcp, udp, expect, size, df, source, "
			       "arrives, served_by, isolated)" });
	EXPECT_ERRORS(HEAD "    nat:\n      - netmap: {}\n",
		      { 7, 9, "unknown nat kind 'netmap' (accepted: masquerade, snat, dnat, redirect)" });
}

/* ----------------------------------------------------- wrong scalar types -- */

static void test_scalar_types(void **state)
{
	struct topology t;

	(void)state;
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, mtu: abc}\n",
		      { 6, 31, "mtu must be an integer 68-65535, not 'abc'" });
	/* A quoted number is a string, and says so. */
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, mtu: \"1500\"}\n",
		      { 6, 31, "mtu must be an integer 68-65535, not the quoted string '1500'" });
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, mtu: [1500]}\n",
		      { 6, 31, "mtu must be an integer 68-65535, not a list" });
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, mtu: 1500.0}\n",
		      { 6, 31, "mtu must be an integer" });
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, stp: maybe}\n",
		      { 6, 31, "stp must be true or false" });
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, stp: \"true\"}\n",
		      { 6, 31, "stp must be true or false" });
	EXPECT_ERRORS("topology: [a]\n", { 1, 11, "topology must be a string, not a list" });
	EXPECT_ERRORS("topology: t\nnamespaces: [web]\n",
		      { 2, 13, "namespaces must be a mapping (key: value), not a list" });
	EXPECT_ERRORS("topology: t\nnamespaces:\n  web:\n    interfaces: [eth0]\n",
		      { 4, 17, "interfaces must be a mapping (key: value), not a list" });
	EXPECT_ERRORS(HEAD "    routes: {to: default}\n", { 6, 13, "routes must be a list, not a mapping" });
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, addresses: 10.0.0.1/24}\n",
		      { 6, 37, "addresses must be a list, not a scalar" });
	EXPECT_ERRORS(HEAD "      b1: bridge\n",
		      { 6, 11, "an interface must be a mapping (key: value), not a scalar" },
		      { 6, 7, "interface b1 has no type" });
	EXPECT_ERRORS(HEAD "      b1: {type: [bridge]}\n",
		      { 6, 18, "type must be a string, not a list" }, { 6, 7, "interface b1 has no type" });
	EXPECT_ERRORS("topology: t\n{a: 1}: 2\n", { 2, 1, "mapping keys must be plain strings, not a mapping" });
	EXPECT_ERRORS("- topology: t\n", { 1, 1, "the file must be a mapping with 'topology:' and 'namespaces:', not a list" });
	EXPECT_ERRORS("topology:\n", { 1, 10, "topology is empty" });
	EXPECT_ERRORS("namespaces: {}\n", { 1, 1, "missing 'topology: NAME'" });

	/* The YAML 1.1 booleans are booleans; an empty namespace is allowed. */
	load_ok(HEAD "      b1: {type: bridge, stp: yes}\n      b2: {type: bridge, stp: off}\n  empty:\n", &t);
	assert_true(t.ns[0].ifaces[1].opt[BR_STP].set && t.ns[0].ifaces[1].opt[BR_STP].u == 1);
	assert_true(t.ns[0].ifaces[2].opt[BR_STP].set && t.ns[0].ifaces[2].opt[BR_STP].u == 0);
	assert_false(t.ns[0].ifaces[0].opt[BR_STP].set);
	assert_int_equal(t.n_ns, 2);
	assert_int_equal(t.ns[1].n_ifaces, 0);
	topology_free(&t);
}

/* --------------------------------------------------------- duplicate keys -- */

static void test_duplicate_keys(void **state)
{
	(void)state;
	EXPECT_ERRORS("topology: a\ntopology: b\n", { 2, 1, "duplicate key 'topology' (first at line 1, column 1)" });
	EXPECT_ERRORS("topology: t\nnamespaces:\n  web: {}\n  app: {}\n  web: {}\n",
		      { 5, 3, "duplicate key 'web' (first at line 3, column 3)" });
	EXPECT_ERRORS(HEAD "      br0: {type: bridge}\n", { 6, 7, "duplicate key 'br0' (first at line 5, column 7)" });
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, mtu: 1500, mtu: 1400}\n",
		      { 6, 37, "duplicate key 'mtu' (first at line 6, column 26)" });
	/* The same interface name in two namespaces is fine. */
	struct topology t;

	load_ok(HEAD "  app:\n    interfaces:\n      br0: {type: bridge}\n", &t);
	assert_int_equal(t.n_ns, 2);
	assert_string_equal(t.ns[1].ifaces[0].name, "br0");
	topology_free(&t);
}

/* Maps past 16 keys are checked through a hash map, not pairwise. */
static void test_duplicate_keys_many(void **state)
{
	char text[2048];
	size_t n = 0;
	struct topology t;

	(void)state;
	n += (size_t)snprintf(text + n, sizeof(text) - n, HEAD "    sysctls:\n");
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "      net.k%d: %d\n", i, i);
	load_ok(text, &t);
	assert_int_equal(t.ns[0].n_sysctls, 20);
	assert_string_equal(t.ns[0].sysctls[19].key, "net.k19");
	assert_string_equal(t.ns[0].sysctls[19].value, "19");
	topology_free(&t);

	snprintf(text + n, sizeof(text) - n, "      net.k7: 1\n");   /* line 27 */
	EXPECT_ERRORS(text, { 27, 7, "duplicate key 'net.k7' (first at line 14, column 7)" });
}

/* --------------------------------------------------------------- links -- */

static void test_link_ends(void **state)
{
	(void)state;
	EXPECT_ERRORS(HEAD "links:\n  - [web:a, web:b]\n  - [web:c, web:a]\n",
		      { 8, 13, "link end 'web:a' is already used by the link at line 7" });
	EXPECT_ERRORS(HEAD "links:\n  - [web:a, nope:b]\n",
		      { 7, 13, "link end 'nope:b' is in namespace 'nope', which is not declared under namespaces:" });
	EXPECT_ERRORS(HEAD "links:\n  - [web:a, web:a]\n", { 7, 5, "a link cannot join an interface to itself" });
	EXPECT_ERRORS(HEAD "links:\n  - [web:a, web]\n", { 7, 13, "link end 'web' must be NAMESPACE:INTERFACE (e.g. host:vethA)" });
	EXPECT_ERRORS(HEAD "links:\n  - [web:a, \":b\"]\n", { 7, 13, "link end ':b' must be NAMESPACE:INTERFACE" });
	EXPECT_ERRORS(HEAD "links:\n  - [web:a, \"web:\"]\n", { 7, 13, "link end 'web:' must be NAMESPACE:INTERFACE" });
	EXPECT_ERRORS(HEAD "links:\n  - [web:a, web:a/b]\n", { 7, 13, "link end 'web:a/b' must be NAMESPACE:INTERFACE" });
	EXPECT_ERRORS(HEAD "links:\n  - [web:a]\n", { 7, 5, "a link has exactly two ends: [NS:IF, NS:IF]" });
	EXPECT_ERRORS(HEAD "links:\n  - [web:a, web:b, web:c]\n", { 7, 5, "a link has exactly two ends" });
	EXPECT_ERRORS(HEAD "links:\n  - {mtu: 1500}\n", { 7, 5, "a link needs 'endpoints: [NS:IF, NS:IF]'" });
	EXPECT_ERRORS(HEAD "links:\n  - web:a\n", { 7, 5, "a link is [NS:IF, NS:IF] or {endpoints: [NS:IF, NS:IF], mtu: N}" });
	EXPECT_ERRORS(HEAD "links:\n  - {endpoints: [web:a, web:b], mtu: 9001000}\n",
		      { 7, 38, "mtu must be an integer 68-65535" });
	EXPECT_ERRORS(HEAD "links: {a: b}\n", { 6, 8, "links must be a list, not a mapping" });
}

/* A rejected link leaves no half-made veth behind to draw a second error. */
static void test_link_rejected_adds_nothing(void **state)
{
	(void)state;
	EXPECT_ERRORS(HEAD "links:\n  - [web:new, web:br0]\n",
		      { 7, 15, "link end 'web:br0' is declared as a bridge (line 5); a link end is a veth" });
	EXPECT_ERRORS(HEAD "links:\n  - [web:a, web:b]\n  - [web:b, web:c]\n",
		      { 8, 6, "link end 'web:b' is already used by the link at line 7" });
}

static void test_link_implicit_and_mtu(void **state)
{
	struct topology t;

	(void)state;
	load_ok(HEAD
		"      a: {mtu: 1400}\n"                            /* 6 */
		"  app: {}\n"                                       /* 7 */
		"links:\n"                                          /* 8 */
		"  - {endpoints: [web:a, app:b], mtu: 9000}\n"      /* 9 */
		"  - [web:c, app:d]\n", &t);                        /* 10 */
	const struct topo_ns *web = ns_named(&t, "web"), *app = ns_named(&t, "app");

	assert_int_equal(if_named(web, "a")->mtu, 1400);    /* its own mtu wins */
	assert_int_equal(if_named(web, "a")->type, TOPO_IF_VETH);
	assert_int_equal(if_named(app, "b")->mtu, 9000);
	assert_int_equal(if_named(app, "b")->type, TOPO_IF_VETH);
	assert_int_equal(if_named(app, "b")->link, 0);
	assert_int_equal(if_named(web, "c")->mtu, 0);
	assert_int_equal(if_named(app, "d")->link, 1);
	assert_int_equal(if_named(app, "d")->pos.line, 10);
	assert_int_equal(if_named(app, "d")->pos.col, 13);
	assert_int_equal(web->n_ifaces, 3);
	assert_int_equal(app->n_ifaces, 2);
	assert_int_equal(t.links[1].end[0].ns, 0);
	assert_int_equal(t.links[1].end[0].iface, 2);
	assert_int_equal(t.links[1].end[1].ns, 1);
	assert_int_equal(t.links[1].end[1].iface, 1);
	topology_free(&t);
}

/* addr_gen_mode: an end's own wins over its link's; iproute2's words;
 * not on lo, not below IPv6's mtu. */
static void test_addr_gen_mode(void **state)
{
	struct topology t;

	(void)state;
	load_ok(HEAD
		"      a: {addr_gen_mode: random}\n"                           /* 6 */
		"      br: {type: bridge, addr_gen_mode: stable_secret}\n"     /* 7 */
		"  app: {}\n"                                                  /* 8 */
		"links:\n"                                                     /* 9 */
		"  - {endpoints: [web:a, app:b], addr_gen_mode: none}\n"       /* 10 */
		"  - [web:c, app:d]\n", &t);                                   /* 11 */
	const struct topo_ns *web = ns_named(&t, "web"), *app = ns_named(&t, "app");

	assert_int_equal(if_named(web, "a")->addr_gen_mode, TOPO_AGM_RANDOM);
	assert_int_equal(if_named(app, "b")->addr_gen_mode, TOPO_AGM_NONE);
	assert_int_equal(if_named(web, "br")->addr_gen_mode, TOPO_AGM_STABLE_SECRET);
	assert_int_equal(if_named(web, "c")->addr_gen_mode, TOPO_AGM_UNSET);
	assert_int_equal(if_named(app, "d")->addr_gen_mode, TOPO_AGM_UNSET);
	topology_free(&t);
	assert_string_equal(topo_agm_name(TOPO_AGM_EUI64), "eui64");
	assert_int_equal(topo_agm_parse("eui64"), TOPO_AGM_EUI64);
	assert_int_equal(topo_agm_parse(""), TOPO_AGM_UNSET);

	EXPECT_ERRORS(HEAD "      a: {type: bridge, addr_gen_mode: EUI64}\n",
		      { 6, 40, "addr_gen_mode 'EUI64' is not a mode (accepted: eui64, none, stable_secret, random)" });
	EXPECT_ERRORS(HEAD "      a: {type: bridge, addr_gen_mode: [none]}\n",
		      { 6, 40, "addr_gen_mode must be a string" });
	EXPECT_ERRORS(HEAD "      lo: {addr_gen_mode: none}\n",
		      { 6, 7, "addr_gen_mode on lo: the kernel makes no link-local address there" });
	EXPECT_ERRORS(HEAD "      a: {type: bridge, mtu: 1200, addr_gen_mode: none}\n",
		      { 6, 7, "addr_gen_mode on a, whose mtu is 1200: the kernel turns IPv6 off on a link with an mtu "
			      "below 1280 (raise the mtu, or drop addr_gen_mode)" });
	EXPECT_ERRORS(HEAD "  app: {}\nlinks:\n  - {endpoints: [web:a, app:b], mtu: 1000, addr_gen_mode: none}\n",
		      { 8, 18, "addr_gen_mode on a, whose mtu is 1000: the kernel turns IPv6 off on a link with an mtu "
			       "below 1280 (raise the mtu, or drop addr_gen_mode)" },
		      { 8, 25, "addr_gen_mode on b, whose mtu is 1000: the kernel turns IPv6 off on a link with an mtu "
			       "below 1280 (raise the mtu, or drop addr_gen_mode)" });
}

/* ---------------------------------------------------------------- names -- */

static void test_topology_names(void **state)
{
	static const char *const good[] = { "a", "0", "lab-1_x", "abcdefghijklmnopqrstuvwxyz012345" };
	static const char *const bad[] = { "Lab", "-a", "_a", "a.b", "a b", "abcdefghijklmnopqrstuvwxyz0123456" };
	struct topology t;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		load_ok(fmt("topology: \"%s\"\n", good[i]), &t);
		assert_string_equal(t.name, good[i]);
		topology_free(&t);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_ERRORS(fmt("topology: \"%s\"\n", bad[i]),
			      { 1, 11, fmt("topology name '%s' is not valid ([a-z0-9][a-z0-9_-]{0,31})", bad[i]) });
}

static void test_namespace_names(void **state)
{
	static const char *const good[] = {
		"a", "Ab.c-d_e", "9", "a..b",
		"a123456789012345678901234567890123456789012345678901234567890123",   /* 64 */
	};
	static const char *const bad[] = {
		".", "..", "a/b", "a:b", "-x", ".a", "_a", "a b",
		"a1234567890123456789012345678901234567890123456789012345678901234",  /* 65 */
	};
	struct topology t;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		load_ok(fmt("topology: t\nnamespaces:\n  \"%s\": {}\n", good[i]), &t);
		assert_string_equal(t.ns[0].name, good[i]);
		assert_int_equal(t.ns[0].kind, TOPO_NS_CREATED);
		topology_free(&t);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_ERRORS(fmt("topology: t\nnamespaces:\n  \"%s\": {}\n", bad[i]),
			      { 3, 3, fmt("namespace name '%s' is not valid ([A-Za-z0-9][A-Za-z0-9_.-]{0,63}", bad[i]) });
	EXPECT_ERRORS("topology: t\nnamespaces:\n  \"\": {}\n", { 3, 3, "namespace name '' is not valid" });
}

static void test_interface_names(void **state)
{
	static const char *const good[] = { "e", "eth0.100", "a-b_c@d", "123456789012345", "éééé" };
	static const char *const bad[] = {
		".", "..", "a/b", "a:b", "a b", "a\\tb", "1234567890123456", "éééééééé",
	};
	struct topology t;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		load_ok(fmt(HEAD "      \"%s\": {type: bridge}\n", good[i]), &t);
		assert_string_equal(t.ns[0].ifaces[1].name, good[i]);
		topology_free(&t);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_ERRORS(fmt(HEAD "      \"%s\": {type: bridge}\n", bad[i]),
			      { 6, 7, "is not a valid interface name (1-15 bytes, no '/', ':', '%' or whitespace, not '.' or '..')" });
	EXPECT_ERRORS(HEAD "      \"\": {type: bridge}\n", { 6, 7, "interface name '' is not a valid interface name" });
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, master: \"a:b\"}\n",
		      { 6, 34, "master 'a:b' is not a valid interface name" });
}

/* ---------------------------------------------------------------- types -- */

static void test_types(void **state)
{
	struct topology t;

	(void)state;
	EXPECT_ERRORS(HEAD "      v: {type: veth}\n",
		      { 6, 7, "veth v is not a link end: list it under links: as [web:v, NS:IF]" });
	EXPECT_ERRORS(HEAD "      x: {mtu: 1500}\n",
		      { 6, 7, "interface x has no type: add type: bridge|vxlan|macvlan, or make it a link end under links:" });
	EXPECT_ERRORS(HEAD "      x:\n", { 6, 7, "interface x has no type" });
	EXPECT_ERRORS(HEAD "      x: {type: tap}\n",
		      { 6, 17, "unknown interface type 'tap' (accepted: bridge, veth, vxlan, loopback, macvlan)" },
		      { 6, 7, "interface x has no type" });
	EXPECT_ERRORS(HEAD "      lo: {type: bridge}\n", { 6, 18, "lo is the loopback interface; it cannot be a bridge" });
	EXPECT_ERRORS(HEAD "      lo0: {type: loopback}\n", { 6, 19, "type loopback is only for 'lo'" });
	EXPECT_ERRORS(HEAD "      lo: {mtu: 1500}\n", { 6, 7, "lo takes only addresses" });
	EXPECT_ERRORS(HEAD "      vx: {type: vxlan, vni: 5}\nlinks:\n  - [web:vx, web:b]\n",
		      { 8, 6, "link end 'web:vx' is declared as a vxlan (line 6); a link end is a veth" });
	EXPECT_ERRORS(HEAD "      lo: {}\nlinks:\n  - [web:lo, web:b]\n",
		      { 8, 6, "link end 'web:lo' is declared as a loopback (line 6); a link end is a veth" });
	EXPECT_ERRORS(HEAD "      v: {type: veth, stp: true}\nlinks:\n  - [web:v, web:w]\n",
		      { 6, 23, "'stp' applies to bridge interfaces only (add type: bridge)" });

	/* lo needs no type; a link end may say veth; a link end needs no entry at all. */
	load_ok(HEAD "      lo: {}\n      v: {type: veth}\n      w: {mtu: 1300}\nlinks:\n  - [web:v, web:w]\n", &t);
	assert_int_equal(if_named(&t.ns[0], "lo")->type, TOPO_IF_LOOPBACK);
	assert_int_equal(if_named(&t.ns[0], "v")->type, TOPO_IF_VETH);
	assert_int_equal(if_named(&t.ns[0], "w")->type, TOPO_IF_VETH);
	assert_int_equal(if_named(&t.ns[0], "w")->mtu, 1300);
	assert_int_equal(if_named(&t.ns[0], "br0")->type, TOPO_IF_BRIDGE);
	topology_free(&t);
}

/* Bridge and vxlan options: loaded into the type's table, undeclared ones
 * unset; bad ones at their line:col. */
static void test_link_options(void **state)
{
	struct topology t;

	(void)state;
	load_ok(HEAD "      b1: {type: bridge, stp: true, ageing_time: 12000, forward_delay: 400, hello_time: 300, "
		"max_age: 1000, priority: 100, mcast_snooping: false, nf_call_iptables: true, nf_call_ip6tables: false, "
		"nf_call_arptables: true, vlan_filtering: false}\n"
		"      v: {type: vxlan, vni: 9, ttl: 64, tos: 1, df: inherit, learning: false, udpcsum: true, "
		"srcport: \"40000-41000\", fdb: [{mac: \"00:00:00:00:00:00\", dst: 192.0.2.2}, "
		"{mac: \"02:00:00:00:00:01\", dst: \"fd00::2\"}]}\n", &t);
	const struct topo_iface *br0 = if_named(&t.ns[0], "br0"), *b1 = if_named(&t.ns[0], "b1"), *v = if_named(&t.ns[0], "v");

	for (int k = 0; k < BR_N; k++)
		assert_false(br0->opt[k].set);   /* nothing declared: the kernel's defaults */
	assert_int_equal(b1->opt[BR_STP].u, 1);
	assert_int_equal(b1->opt[BR_AGEING].u, 12000);
	assert_int_equal(b1->opt[BR_FWD_DELAY].u, 400);
	assert_int_equal(b1->opt[BR_HELLO].u, 300);
	assert_int_equal(b1->opt[BR_MAX_AGE].u, 1000);
	assert_int_equal(b1->opt[BR_PRIORITY].u, 100);
	assert_true(b1->opt[BR_MCAST_SNOOPING].set && !b1->opt[BR_MCAST_SNOOPING].u);
	assert_int_equal(b1->opt[BR_NF_IPT].u, 1);
	assert_true(b1->opt[BR_NF_IP6T].set && !b1->opt[BR_NF_IP6T].u);
	assert_int_equal(b1->opt[BR_NF_ARPT].u, 1);
	assert_true(b1->opt[BR_VLAN_FILTERING].set && !b1->opt[BR_VLAN_FILTERING].u);
	assert_int_equal(v->opt[VX_TTL].u, 64);
	assert_int_equal(v->opt[VX_TOS].u, 1);
	assert_int_equal(v->opt[VX_DF].u, 2);
	assert_true(v->opt[VX_LEARNING].set && !v->opt[VX_LEARNING].u);
	assert_int_equal(v->opt[VX_UDPCSUM].u, 1);
	assert_int_equal(v->opt[VX_SRCPORT].range[0], 40000);
	assert_int_equal(v->opt[VX_SRCPORT].range[1], 41000);
	assert_int_equal(t.ns[0].n_fdb, 2);
	assert_string_equal(t.ns[0].fdb[0].dev, "v");
	assert_ip(&t.ns[0].fdb[0].dst, AF_INET, 32, (const uint8_t[]){ 192, 0, 2, 2 });
	assert_int_equal(t.ns[0].fdb[1].mac[5], 1);
	topology_free(&t);

	EXPECT_ERRORS(HEAD "      b: {type: bridge, hello_time: 50}\n",
		      { 6, 37, "hello_time must be an integer 100-1000, not '50'" });
	EXPECT_ERRORS(HEAD "      b: {type: bridge, priority: 65536}\n", { 6, 35, "priority must be an integer 0-65535" });
	EXPECT_ERRORS(HEAD "      b: {type: bridge, nf_call_iptables: 2}\n", { 6, 43, "nf_call_iptables must be true or false" });
	EXPECT_ERRORS(HEAD "      b: {type: bridge, stp: true, forward_delay: 100}\n",
		      { 6, 36, "forward_delay 100 on b: with stp the kernel takes 200-3000 centiseconds" });
	EXPECT_ERRORS(HEAD "      v: {type: vxlan, vni: 1, ageing_time: 5}\n",
		      { 6, 32, "'ageing_time' applies to bridge interfaces only (add type: bridge)" });
	EXPECT_ERRORS(HEAD "      v: {type: vxlan, vni: 1, df: sometimes}\n",
		      { 6, 36, "unknown df 'sometimes' (accepted: unset, set, inherit)" });
	EXPECT_ERRORS(HEAD "      v: {type: vxlan, vni: 1, srcport: \"5-4\"}\n",
		      { 6, 41, "srcport must be LOW-HIGH, 1 <= LOW <= HIGH <= 65535" });
	EXPECT_ERRORS(HEAD "      v: {type: vxlan, vni: 1, ttl: 256}\n", { 6, 37, "ttl must be an integer 0-255" });
	EXPECT_ERRORS(HEAD "      v: {type: vxlan, vni: 1, fdb: [{mac: nope, dst: 192.0.2.1}]}\n",
		      { 6, 44, "mac 'nope' is not a MAC address" });
	EXPECT_ERRORS(HEAD "      v: {type: vxlan, vni: 1, fdb: [{dst: 192.0.2.1}]}\n", { 6, 38, "an fdb entry needs mac and dst" });
	EXPECT_ERRORS(HEAD "      v: {type: vxlan, vni: 1, fdb: [{mac: \"00:00:00:00:00:00\", dst: 192.0.2.1}, "
		      "{mac: \"00:00:00:00:00:00\", dst: 192.0.2.1}]}\n", { 6, 82, "is listed twice on v (line 6)" });
	EXPECT_ERRORS(HEAD "      b: {type: bridge, fdb: []}\n", { 6, 25, "'fdb' applies to vxlan interfaces only" });
}

static void test_macvlan(void **state)
{
	struct topology t;

	(void)state;
	load_ok(HEAD "      m: {type: macvlan, parent: br0, mode: vepa}\n      n: {type: macvlan, parent: br0}\n", &t);
	const struct topo_iface *m = if_named(&t.ns[0], "m"), *n = if_named(&t.ns[0], "n");

	assert_ptr_equal(m->type, topo_linktype_find("macvlan"));
	assert_string_equal(m->opt[MV_PARENT].name, "br0");
	assert_true(m->opt[MV_MODE].set);
	assert_int_equal(m->opt[MV_MODE].u, 2);          /* MACVLAN_MODE_VEPA */
	assert_false(n->opt[MV_MODE].set);               /* the kernel's default, not topo's */
	topology_free(&t);

	/* A parent in host, from another namespace. */
	load_ok(HEAD "      m: {type: macvlan, parent: \"host:eth0\", mode: bridge}\n", &t);
	m = if_named(&t.ns[0], "m");
	assert_string_equal(m->opt[MV_PARENT].name, "eth0");
	assert_string_equal(m->link_ns, "host");
	assert_string_equal(topo_link_depends_on(m), "");   /* orders nothing in web */
	topology_free(&t);
	EXPECT_ERRORS("topology: t\nnamespaces:\n  host:\n    interfaces:\n      m: {type: macvlan, parent: \"host:eth0\"}\n",
		      { 5, 7, "macvlan m is in host already: name its parent without 'host:'" });
	EXPECT_ERRORS(HEAD "      m: {type: macvlan, parent: \"host:\"}\n", { 6, 34, "parent 'host:' is not host:IFNAME" });
	EXPECT_ERRORS(HEAD "      m: {type: macvlan}\n", { 6, 7, "macvlan interface m needs a parent (parent: IFNAME)" });
	EXPECT_ERRORS(HEAD "      m: {type: macvlan, parent: br0, mode: bridgy}\n",
		      { 6, 45, "unknown mode 'bridgy' (accepted: private, vepa, bridge, passthru)" });
	EXPECT_ERRORS(HEAD "      m: {type: macvlan, parent: eth9}\n",
		      { 6, 7, "macvlan parent 'eth9' is not an interface of namespace web" });
	EXPECT_ERRORS(HEAD "      m: {type: macvlan, parent: m}\n", { 6, 7, "macvlan m cannot be its own parent" });
	EXPECT_ERRORS(HEAD "      m: {type: bridge, mode: bridge}\n",
		      { 6, 25, "'mode' applies to macvlan interfaces only (add type: macvlan)" });
	EXPECT_ERRORS(HEAD "      m: {type: macvlan, parent: \"a b\"}\n", { 6, 34, "parent 'a b' is not a valid interface name" });
	EXPECT_ERRORS(HEAD "      m: {type: macvlan, parent: br0, mode: passthru, master: br0}\n",
		      { 6, 39, "a passthru macvlan cannot be a bridge port" });
}

static void test_vxlan(void **state)
{
	struct topology t;

	(void)state;
	load_ok(HEAD "      vx: {type: vxlan, vni: 42, remote: 192.0.2.9, dev: br0}\n", &t);
	const struct topo_iface *vx = if_named(&t.ns[0], "vx");

	assert_int_equal(vx->type, TOPO_IF_VXLAN);
	assert_int_equal(vx->opt[VX_VNI].u, 42);
	assert_int_equal(vx->opt[VX_PORT].u, 4789);
	assert_ip(&vx->opt[VX_REMOTE].ip, AF_INET, 32, (const uint8_t[]){ 192, 0, 2, 9 });
	assert_string_equal(vx->opt[VX_DEV].name, "br0");
	topology_free(&t);

	EXPECT_ERRORS(HEAD "      vx: {type: vxlan}\n", { 6, 7, "vxlan interface vx needs a vni" });
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, vni: 5}\n", { 6, 26, "'vni' applies to vxlan interfaces only" });
	EXPECT_ERRORS(HEAD "      vx: {type: vxlan, vni: 16777216}\n", { 6, 30, "vni must be an integer 0-16777215" });
	EXPECT_ERRORS(HEAD "      vx: {type: vxlan, vni: 1, dev: eth9}\n",
		      { 6, 7, "vxlan dev 'eth9' is not an interface of namespace web" });
}

/* --------------------------------------------------------------- master -- */

static void test_master(void **state)
{
	struct topology t;

	(void)state;
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, master: x}\n      x: {type: vxlan, vni: 1}\n",
		      { 6, 7, "master 'x' of b1 is not a bridge" });
	EXPECT_ERRORS(HEAD "  app:\n    interfaces:\n      v: {master: br0}\nlinks:\n  - [app:v, web:v]\n",
		      { 8, 7, "master 'br0' of v is not an interface of namespace app" });
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, master: b1}\n", { 6, 7, "b1 cannot be its own master" });
	EXPECT_ERRORS(HEAD "      v: {master: br0}\n", { 6, 7, "interface v has no type" });

	load_ok(HEAD "      b1: {type: bridge, master: br0}\n      v: {master: b1}\nlinks:\n  - [web:v, web:w]\n", &t);
	assert_string_equal(if_named(&t.ns[0], "b1")->master, "br0");
	assert_string_equal(if_named(&t.ns[0], "v")->master, "b1");
	assert_string_equal(if_named(&t.ns[0], "w")->master, "");
	topology_free(&t);
}

/* ------------------------------------------------------------ addresses -- */

static void test_addresses(void **state)
{
	static const uint8_t fd00_1[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 0xcd, 0, 0x0e };
	struct topology t;

	(void)state;
	load_ok(HEAD "      b1: {type: bridge, addresses: [10.0.0.5/24, 10.0.0.9, fd00::1, \"2001:DB8:0:0::AbCd:e/48\"]}\n", &t);
	const struct topo_iface *b1 = if_named(&t.ns[0], "b1");

	assert_int_equal(b1->n_addrs, 4);
	/* Host bits are kept: it is an interface address, not a network. */
	assert_ip(&b1->addrs[0].ip, AF_INET, 24, (const uint8_t[]){ 10, 0, 0, 5 });
	assert_ip(&b1->addrs[1].ip, AF_INET, 32, (const uint8_t[]){ 10, 0, 0, 9 });
	assert_ip(&b1->addrs[2].ip, AF_INET6, 128, fd00_1);
	assert_ip(&b1->addrs[3].ip, AF_INET6, 48, v6);
	assert_int_equal(b1->addrs[1].pos.line, 6);
	assert_int_equal(b1->addrs[1].pos.col, 51);
	topology_free(&t);

	static const char *const bad[] = {
		"10.0.0.1/33", "10.0.0.256", "fd00::1/129", "10.0.0.1/", "/24", "10.0.0.1/+8", "10.0.0.1/ 8",
		"10.0.0.1/0x8", "fd00:::1", "eth0", "10.0.0.1/24/1", "10.0.0",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_ERRORS(fmt(HEAD "      b1: {type: bridge, addresses: [\"%s\"]}\n", bad[i]),
			      { 6, 38, fmt("address '%s' is not an address (IPv4 or IPv6, optionally /PREFIX", bad[i]) });
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, addresses: [10.0.0.1/24, 10.0.0.1/24]}\n",
		      { 6, 51, "address '10.0.0.1/24' is listed twice on b1" });
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, addresses: [[10.0.0.1]]}\n",
		      { 6, 38, "address must be a string, not a list" });
}

/* --------------------------------------------------------------- routes -- */

#define ROUTES HEAD "    routes:\n"                  /* 6 */

static void test_route_to(void **state)
{
	struct topology t;

	(void)state;
	EXPECT_ERRORS(ROUTES "      - {to: 10.0.0.1/24, dev: br0}\n",
		      { 7, 14, "route 'to' '10.0.0.1/24' has host bits set; the network is 10.0.0.0/24" });
	EXPECT_ERRORS(ROUTES "      - {to: \"fd00::1/64\", dev: br0}\n",
		      { 7, 14, "has host bits set; the network is fd00::/64" });
	EXPECT_ERRORS(ROUTES "      - {to: everywhere, dev: br0}\n", { 7, 14, "route 'to' 'everywhere' is not an address" });
	EXPECT_ERRORS(ROUTES "      - {dev: br0}\n", { 7, 9, "a route needs 'to' (default or a network like 10.0.0.0/24)" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.0.0.0/8}\n", { 7, 9, "a unicast route needs 'via', 'dev', 'nexthops' or 'nhid'" });
	EXPECT_ERRORS(ROUTES "      - 10.0.0.0/8\n", { 7, 9, "a route must be a mapping (key: value), not a scalar" });

	/* A bare address is a host route; default takes via's family, else src's. */
	load_ok(ROUTES
		"      - {to: 10.1.2.3, dev: br0}\n"                      /* 7 */
		"      - {to: default, via: \"fd00::1\"}\n"                /* 8 */
		"      - {to: default, dev: br0, table: 5}\n"             /* 9 */
		"      - {to: default, dev: br0, src: \"fd00::2\", table: 6}\n", &t);
	const struct topo_route *rt = t.ns[0].routes;

	assert_int_equal(t.ns[0].n_routes, 4);
	assert_ip(&rt[0].dst, AF_INET, 32, (const uint8_t[]){ 10, 1, 2, 3 });
	assert_int_equal(rt[1].dst.family, AF_INET6);
	assert_int_equal(rt[1].dst.plen, 0);
	assert_memory_equal(rt[1].dst.bytes, (const uint8_t[16]){ 0 }, 16);
	assert_int_equal(rt[2].dst.family, AF_INET);
	assert_int_equal(rt[2].dst.plen, 0);
	assert_int_equal(rt[3].dst.family, AF_INET6);
	topology_free(&t);
}

static void test_route_via_src(void **state)
{
	(void)state;
	EXPECT_ERRORS(ROUTES "      - {to: 10.0.0.0/24, via: \"fd00::1\"}\n",
		      { 7, 32, "via fd00::1 is not in the same address family as 'to'" });
	EXPECT_ERRORS(ROUTES "      - {to: \"fd00::/64\", via: 10.0.0.1}\n",
		      { 7, 32, "via 10.0.0.1 is not in the same address family as 'to'" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.0.0.0/24, via: 10.0.0.1/32}\n",
		      { 7, 32, "via '10.0.0.1/32' is not an IP address (e.g. 10.0.0.1 or fd00::1)" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.0.0.0/24, dev: br0, src: \"fd00::1\"}\n",
		      { 7, 42, "src fd00::1 is not in the same address family as 'to'" });
	EXPECT_ERRORS(ROUTES "      - {to: default, via: 10.0.0.1, src: \"fd00::1\"}\n",
		      { 7, 43, "src fd00::1 is not in the same address family as 'to'" });
}

static void test_route_dev(void **state)
{
	struct topology t;

	(void)state;
	EXPECT_ERRORS(ROUTES "      - {to: 10.0.0.0/8, dev: eth9}\n",
		      { 7, 9, "route dev 'eth9' is not an interface of namespace web" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.0.0.0/8, dev: \"a/b\"}\n", { 7, 31, "dev 'a/b' is not a valid interface name" });
	/* host and attached namespaces may route through devices topo does not manage. */
	load_ok("topology: t\nnamespaces:\n"
		"  host:\n    routes:\n      - {to: 10.0.0.0/8, dev: eth9}\n"
		"  app:\n    path: /run/netns/x\n    routes:\n      - {to: 10.0.0.0/8, dev: eth7}\n"
		"  db:\n    pid: 1\n    routes:\n      - {to: 10.0.0.0/8, dev: eth8}\n", &t);
	assert_string_equal(t.ns[0].routes[0].dev, "eth9");
	assert_string_equal(t.ns[1].routes[0].dev, "eth7");
	assert_string_equal(t.ns[2].routes[0].dev, "eth8");
	topology_free(&t);
}

static void test_route_metric_table(void **state)
{
	struct topology t;

	(void)state;
	load_ok(ROUTES
		"      - {to: 10.0.0.0/8, dev: br0, metric: 0, table: main}\n"            /* 7 */
		"      - {to: 10.0.0.0/8, dev: br0, metric: 4294967295, table: local}\n"  /* 8 */
		"      - {to: 10.0.0.0/8, dev: br0, metric: 7, table: default}\n"         /* 9 */
		"      - {to: 10.0.0.0/8, dev: br0, metric: 7, table: 1}\n"               /* 10 */
		"      - {to: 10.0.0.0/8, dev: br0, metric: 7, table: 4294967295}\n"      /* 11 */
		"      - {to: \"fd00::/8\", dev: br0}\n"                                  /* 12 */
		"      - {to: \"fd01::/16\", dev: br0, metric: 5}\n", &t);
	const struct topo_route *rt = t.ns[0].routes;

	assert_int_equal(t.ns[0].n_routes, 7);
	assert_int_equal(rt[0].table, 254);
	assert_int_equal(rt[0].metric, 0);
	assert_int_equal(rt[1].table, 255);
	assert_int_equal(rt[1].metric, 4294967295u);
	assert_int_equal(rt[2].table, 253);
	assert_int_equal(rt[3].table, 1);
	assert_int_equal(rt[4].table, 4294967295u);
	/* The kernel's default metric for IPv6 routes. */
	assert_int_equal(rt[5].metric, 1024);
	assert_int_equal(rt[5].table, 254);
	assert_int_equal(rt[6].metric, 5);
	topology_free(&t);

	EXPECT_ERRORS(ROUTES "      - {to: 10.0.0.0/8, dev: br0, metric: 4294967296}\n",
		      { 7, 44, "metric must be an integer 0-4294967295, not '4294967296'" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.0.0.0/8, dev: br0, metric: -1}\n", { 7, 44, "metric must be an integer" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.0.0.0/8, dev: br0, metric: \"10\"}\n",
		      { 7, 44, "metric must be an integer 0-4294967295, not the quoted string '10'" });
	static const char *const bad_tables[] = { "0", "4294967296", "mine", "\"100\"", "-5", "[1]", "Main" };

	for (size_t i = 0; i < sizeof(bad_tables) / sizeof(bad_tables[0]); i++)
		EXPECT_ERRORS(fmt(ROUTES "      - {to: 10.0.0.0/8, dev: br0, table: %s}\n", bad_tables[i]),
			      { 7, 43, "table must be main, local, default or an integer 1-4294967295" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.0.0.0/8, dev: br0}\n      - {to: 10.0.0.0/8, via: 10.0.0.1, table: main}\n",
		      { 8, 9, "a route to the same destination, table and metric is already declared at line 7" });
}

static void test_route_types(void **state)
{
	static const struct { const char *name; enum topo_rtype type; } types[] = {
		{ "unicast", TOPO_RT_UNICAST }, { "blackhole", TOPO_RT_BLACKHOLE },
		{ "unreachable", TOPO_RT_UNREACHABLE }, { "prohibit", TOPO_RT_PROHIBIT },
	};
	struct topology t;

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		const char *extra = types[i].type == TOPO_RT_UNICAST ? ", dev: br0" : "";

		load_ok(fmt(ROUTES "      - {to: 10.0.0.0/8, type: %s%s}\n", types[i].name, extra), &t);
		assert_int_equal(t.ns[0].routes[0].type, types[i].type);
		topology_free(&t);
	}
	EXPECT_ERRORS(ROUTES "      - {to: 10.0.0.0/8, type: anycast}\n",
		      { 7, 32, "route type 'anycast' is not one of unicast, blackhole, unreachable, prohibit" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.0.0.0/8, type: blackhole, via: 10.0.0.1}\n",
		      { 7, 48, "a blackhole route takes no 'via', 'dev' or 'nexthops'" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.0.0.0/8, type: prohibit, dev: br0}\n",
		      { 7, 47, "a prohibit route takes no 'via', 'dev' or 'nexthops'" });
}

/* ---------------------------------------------- route options, nexthops -- */

static void test_route_nexthops(void **state)
{
	struct topology t;
	const struct topo_route *rt;
	char many[2048];
	int n;

	(void)state;
	/* Sorted by gateway, whatever the file's order; weight 1 unless given. */
	load_ok(ROUTES "      - {to: 10.9.0.0/24, nexthops: [{via: 10.0.0.3, weight: 2}, {via: 10.0.0.2, dev: br0}]}\n", &t);
	rt = &t.ns[0].routes[0];
	assert_int_equal(rt->n_nh, 2);
	assert_int_equal(rt->via.family, 0);
	assert_string_equal(rt->dev, "");
	assert_int_equal(rt->nh[0].via.bytes[3], 2);
	assert_string_equal(rt->nh[0].dev, "br0");
	assert_int_equal(rt->nh[0].weight, 1);
	assert_int_equal(rt->nh[1].via.bytes[3], 3);
	assert_int_equal(rt->nh[1].weight, 2);
	topology_free(&t);
	/* default takes the paths' family; 256 is the largest weight. */
	load_ok(ROUTES "      - {to: default, nexthops: [{via: \"fd00::2\", weight: 256}, {via: \"fd00::1\", dev: br0}]}\n", &t);
	rt = &t.ns[0].routes[0];
	assert_int_equal(rt->dst.family, AF_INET6);
	assert_int_equal(rt->metric, 1024);
	assert_int_equal(rt->nh[1].weight, 256);
	topology_free(&t);
	/* Paths by device only. */
	load_ok(ROUTES "      - {to: 10.9.0.0/24, nexthops: [{dev: br0}, {dev: br0, via: 10.0.0.1}]}\n", &t);
	assert_int_equal(t.ns[0].routes[0].n_nh, 2);
	topology_free(&t);

	n = snprintf(many, sizeof(many), ROUTES "      - {to: 10.9.0.0/24, nexthops: [");
	for (int i = 0; i < 9; i++)
		n += snprintf(many + n, sizeof(many) - (size_t)n, "%s{via: 10.0.0.%d}", i ? ", " : "", i + 1);
	snprintf(many + n, sizeof(many) - (size_t)n, "]}\n");
	EXPECT_ERRORS(many, { 7, 37, "nexthops takes 2-8 paths, not 9" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.9.0.0/24, nexthops: [{via: 10.0.0.2}]}\n",
		      { 7, 37, "nexthops takes 2-8 paths, not 1 (a route with one path takes via and dev itself)" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.9.0.0/24, nexthops: {via: 10.0.0.2}}\n",
		      { 7, 37, "nexthops must be a list, not a mapping" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.9.0.0/24, nexthops: [10.0.0.2, 10.0.0.3]}\n",
		      { 7, 38, "a nexthop must be a mapping (key: value), not a scalar" },
		      { 7, 48, "a nexthop must be a mapping (key: value), not a scalar" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.9.0.0/24, nexthops: [{via: 10.0.0.2}, {weight: 2}]}\n",
		      { 7, 55, "a nexthop needs 'via' or 'dev' (or both)" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.9.0.0/24, nexthops: [{via: 10.0.0.2, weight: 0}, {via: 10.0.0.3}]}\n",
		      { 7, 62, "weight must be an integer 1-256, not '0'" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.9.0.0/24, nexthops: [{via: 10.0.0.2, weight: 257}, {via: 10.0.0.3}]}\n",
		      { 7, 62, "weight must be an integer 1-256, not '257'" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.9.0.0/24, nexthops: [{via: 10.0.0.2}, {via: 10.0.0.2, dev: br0}]}\n",
		      { 7, 55, "this nexthop repeats nexthop 1 (the same gateway)" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.9.0.0/24, nexthops: [{dev: br0}, {dev: br0}]}\n",
		      { 7, 50, "this nexthop repeats nexthop 1 (the same device)" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.9.0.0/24, via: 10.0.0.1, nexthops: [{via: 10.0.0.2}, {via: 10.0.0.3}]}\n",
		      { 7, 32, "'via' and 'nexthops' are exclusive: give each path its own via and dev" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.9.0.0/24, dev: br0, nexthops: [{via: 10.0.0.2}, {via: 10.0.0.3}]}\n",
		      { 7, 32, "'dev' and 'nexthops' are exclusive" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.9.0.0/24, nexthops: [{via: 10.0.0.2, gw: 1}, {via: 10.0.0.3}]}\n",
		      { 7, 54, "unknown key 'gw' in a nexthop (accepted: via, dev, weight)" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.0.0.0/8, nexthops: [{via: 10.0.0.1}, {via: \"fd00::1\"}]}\n",
		      { 7, 54, "nexthop 2: its via is not in the same address family as 'to'" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.0.0.0/8, type: blackhole, nexthops: [{via: 10.0.0.1}, {via: 10.0.0.2}]}\n",
		      { 7, 53, "a blackhole route takes no 'via', 'dev' or 'nexthops'" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.8.0.0/24, via: 192.168.1.1, onlink: true}\n",
		      { 7, 53, "an onlink route needs 'dev'" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.8.0.0/24, dev: br0, onlink: true}\n",
		      { 7, 45, "onlink applies to a gateway: add 'via' (or nexthops with via)" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.8.0.0/24, onlink: true, nexthops: [{via: 10.0.0.1, dev: br0}, {via: 10.0.0.2}]}\n",
		      { 7, 79, "nexthop 2: an onlink route needs a 'dev' on every path" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.8.0.0/24, via: 1.2.3.4, dev: br0, onlink: yes please}\n",
		      { 7, 59, "onlink must be true or false" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.8.0.0/24, dev: br0, scope: universe}\n",
		      { 7, 44, "scope 'universe' is not one of global, site, link, host, nowhere or a number 0-255" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.8.0.0/24, dev: br0, scope: 256}\n",
		      { 7, 44, "scope '256' is not one of" });
	EXPECT_ERRORS(ROUTES "      - {to: \"fd08::/64\", dev: br0, scope: link}\n",
		      { 7, 44, "IPv6 routes have no scope (the kernel keeps every one global); leave 'scope' out" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.8.0.0/24, via: 10.0.0.1, scope: link}\n",
		      { 7, 49, "a route through a gateway cannot have scope link" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.8.0.0/24, dev: br0, mtu: 67}\n",
		      { 7, 42, "mtu must be an integer 68-65535, not '67'" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.8.0.0/24, dev: br0, advmss: 0}\n",
		      { 7, 45, "advmss must be an integer 1-65535, not '0'" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.8.0.0/24, dev: br0, mtu: \"1400\"}\n",
		      { 7, 42, "mtu must be an integer 68-65535, not the quoted string '1400'" });
	EXPECT_ERRORS(ROUTES "      - {to: 10.9.0.0/24, nexthops: [{via: 10.0.0.2}, {via: 10.0.0.3, dev: nope}]}\n",
		      { 7, 9, "route nexthop dev 'nope' is not an interface of namespace web" });
}

static void test_route_options(void **state)
{
	struct topology t;
	const struct topo_route *rt;

	(void)state;
	load_ok(ROUTES "      - {to: 10.8.0.0/24, via: 192.168.1.1, dev: br0, onlink: true, mtu: 1400, advmss: 1360}\n"
		"      - {to: 10.7.0.0/24, dev: br0, scope: host}\n"
		"      - {to: 10.6.0.0/24, dev: br0, scope: 200}\n"
		"      - {to: 10.5.0.0/24, via: 10.0.0.1, scope: global, onlink: false}\n", &t);
	rt = &t.ns[0].routes[0];
	assert_true(rt->onlink);
	assert_int_equal(rt->mtu, 1400);
	assert_int_equal(rt->advmss, 1360);
	assert_false(rt->has_scope);
	rt = &t.ns[0].routes[1];
	assert_true(rt->has_scope);
	assert_int_equal(rt->scope, TOPO_SCOPE_HOST);
	assert_int_equal(t.ns[0].routes[2].scope, 200);
	assert_false(t.ns[0].routes[3].onlink);
	assert_int_equal(t.ns[0].routes[3].scope, TOPO_SCOPE_GLOBAL);
	topology_free(&t);
}

/* ------------------------------------------------------------- absent: -- */

#define ABSENT HEAD "    absent:\n"                  /* 6 */

static void test_absent(void **state)
{
	struct topology t;
	const struct topo_absent *a;

	(void)state;
	load_ok(ABSENT "      - {to: 127.0.0.0/8, table: local, type: local}\n"
		"      - {to: 10.0.0.0/24, dev: br0, metric: 5}\n"
		"      - {to: \"::1/128\", table: local, type: local}\n"
		"      - {to: 127.255.255.255, table: local, type: broadcast}\n", &t);
	assert_int_equal(t.ns[0].n_absent_routes, 4);
	a = &t.ns[0].absent_routes[0];
	assert_int_equal(a->table, TOPO_TABLE_LOCAL);
	assert_int_equal(a->type, TOPO_RT_LOCAL);
	assert_int_equal(a->dst.plen, 8);
	assert_false(a->has_metric);
	assert_int_equal(a->pos.line, 7);
	a = &t.ns[0].absent_routes[1];
	assert_int_equal(a->table, TOPO_TABLE_MAIN);
	assert_int_equal(a->type, TOPO_RT_UNICAST);
	assert_true(a->has_metric);
	assert_int_equal(a->metric, 5);
	assert_string_equal(a->dev, "br0");
	assert_int_equal(t.ns[0].absent_routes[2].dst.family, AF_INET6);
	assert_int_equal(t.ns[0].absent_routes[3].type, TOPO_RT_BROADCAST);
	topology_free(&t);
	load_ok(ABSENT, &t);   /* empty */
	topology_free(&t);

	EXPECT_ERRORS(ABSENT "      - {table: local, type: local}\n",
		      { 7, 9, "an absent: entry needs 'to' (the destination of the kernel's route, e.g. 127.0.0.0/8)" });
	EXPECT_ERRORS(ABSENT "      - {to: 127.0.0.1/8, table: local, type: local}\n",
		      { 7, 14, "absent 'to' '127.0.0.1/8' has host bits set; the network is 127.0.0.0/8" });
	EXPECT_ERRORS(ABSENT "      - {to: 127.0.0.0/8, type: blackhole}\n",
		      { 7, 33, "type 'blackhole' of an absent: route is not one of unicast, local, broadcast" });
	EXPECT_ERRORS(ABSENT "      - {to: 127.0.0.0/8, via: 10.0.0.1}\n",
		      { 7, 27, "unknown key 'via' in an absent: entry (accepted: to, table, type, metric, dev)" });
	EXPECT_ERRORS(ABSENT "      - {to: 127.0.0.0/8, metric: x}\n",
		      { 7, 35, "metric must be an integer 0-4294967295, not 'x'" });
	EXPECT_ERRORS(ABSENT "      - {to: 127.0.0.0/8, table: nowhere}\n",
		      { 7, 34, "table must be main, local, default or an integer 1-4294967295" });
	EXPECT_ERRORS(ABSENT "      - 127.0.0.0/8\n",
		      { 7, 9, "an absent: entry must be a mapping (key: value), not a scalar" });
	EXPECT_ERRORS(HEAD "    absent: {to: 127.0.0.0/8}\n", { 6, 13, "absent must be a list, not a mapping" });
	/* A route cannot be declared and absent. */
	EXPECT_ERRORS(HEAD "    routes:\n"
		      "      - {to: 10.0.0.0/24, dev: br0}\n"
		      "    absent:\n"
		      "      - {to: 10.0.0.0/24}\n",
		      { 9, 9, "this absent: entry names the route declared at line 7, column 9: a route cannot be both" });
}

/* ---------------------------------------------------------------- shaping -- */

#define SHAPE_HEAD \
	"topology: t\n"                         /* 1 */ \
	"namespaces:\n"                         /* 2 */ \
	"  a:\n"                                /* 3 */ \
	"    interfaces:\n"                     /* 4: the interface is line 5 */
#define SHAPE_TAIL \
	"  b:\n" \
	"    interfaces: {eth0: {}}\n" \
	"links:\n" \
	"  - [a:eth0, b:eth0]\n"

static void test_shaping(void **state)
{
	struct topology t;
	const struct topo_shape *sh;

	(void)state;
	load_ok(SHAPE_HEAD "      eth0: {rate: 1mbit}\n" SHAPE_TAIL, &t);
	sh = topo_iface_shape(&t.ns[0].ifaces[0]);
	assert_int_equal(sh->rate, 125000);
	assert_int_equal(sh->burst, 1600);              /* a full frame at least */
	assert_int_equal(sh->latency_us, 50000);
	assert_int_equal(sh->limit, 125000 / 20 + 1600);
	assert_int_equal(t.ns[0].ifaces[0].shape_pos.line, 5);
	topology_free(&t);
	load_ok(SHAPE_HEAD "      eth0: {rate: 1gbit, burst: 1mb, latency: 2ms}\n" SHAPE_TAIL, &t);
	sh = topo_iface_shape(&t.ns[0].ifaces[0]);
	assert_int_equal(sh->rate, 125000000);
	assert_int_equal(sh->burst, 1048576);
	assert_int_equal(sh->limit, 250000 + 1048576);
	topology_free(&t);
	load_ok(SHAPE_HEAD "      eth0: {rate: 64kbps}\n" SHAPE_TAIL, &t);
	assert_int_equal(topo_iface_shape(&t.ns[0].ifaces[0])->rate, 64000);   /* bytes */
	topology_free(&t);
	load_ok(SHAPE_HEAD "      eth0: {netem: {delay: 20ms, loss: 0.5%}}\n" SHAPE_TAIL, &t);
	sh = topo_iface_shape(&t.ns[0].ifaces[0]);
	assert_true(sh->netem);
	assert_int_equal(sh->rate, 0);
	assert_int_equal(sh->delay_us, 20000);
	assert_int_equal(sh->loss_ppm, 5000);
	topology_free(&t);

	/* Positions: line 5 is the interface (SHAPE_HEAD is 4 lines). */
	EXPECT_ERRORS(SHAPE_HEAD "      eth0: {rate: fast}\n" SHAPE_TAIL,
		      { 5, 20, "rate 'fast' is not a rate (e.g. 10mbit, 500kbit, 1gbit; kbps/mbps are bytes per second)" });
	EXPECT_ERRORS(SHAPE_HEAD "      eth0: {rate: 10mbit, burst: 100}\n" SHAPE_TAIL,
		      { 5, 35, "burst 100 is less than a full frame: at least 1600 bytes" });
	EXPECT_ERRORS(SHAPE_HEAD "      eth0: {rate: 10mbit, burst: 2tb}\n" SHAPE_TAIL,
		      { 5, 35, "burst '2tb' is not a size 1600-64mb (e.g. 1600, 32kb)" });
	EXPECT_ERRORS(SHAPE_HEAD "      eth0: {rate: 10mbit, latency: 50}\n" SHAPE_TAIL,
		      { 5, 37, "latency '50' is not a time (e.g. 50ms)" });
	EXPECT_ERRORS(SHAPE_HEAD "      eth0: {burst: 32kb}\n" SHAPE_TAIL,
		      { 5, 14, "'burst' goes with rate: (the token bucket's size and queue)" });
	EXPECT_ERRORS(SHAPE_HEAD "      eth0: {latency: 10ms}\n" SHAPE_TAIL,
		      { 5, 14, "'latency' goes with rate: (the token bucket's size and queue)" });
	EXPECT_ERRORS(SHAPE_HEAD "      eth0: {rate: 1mbit, netem: {delay: 10ms}}\n" SHAPE_TAIL,
		      { 5, 27, "netem and rate on one interface are not supported yet: one root qdisc each" });
	EXPECT_ERRORS(SHAPE_HEAD "      eth0: {netem: {delay: soon}}\n" SHAPE_TAIL,
		      { 5, 29, "delay 'soon' is not a time (e.g. 10ms, 500us, 1s)" });
	EXPECT_ERRORS(SHAPE_HEAD "      eth0: {netem: {loss: 101%}}\n" SHAPE_TAIL,
		      { 5, 28, "loss '101%' is not a percentage 0-100% (e.g. 1% or 0.5%)" });
	EXPECT_ERRORS(SHAPE_HEAD "      eth0: {netem: {loss: 5}}\n" SHAPE_TAIL,
		      { 5, 28, "loss '5' is not a percentage" });
	EXPECT_ERRORS(SHAPE_HEAD "      eth0: {netem: {jitter: 1ms}}\n" SHAPE_TAIL,
		      { 5, 22, "unknown key 'jitter' in netem (accepted: delay, loss)" });
	EXPECT_ERRORS(SHAPE_HEAD "      eth0: {netem: 10ms}\n" SHAPE_TAIL,
		      { 5, 21, "netem must be a mapping (key: value), not a scalar" });
	EXPECT_ERRORS("topology: t\nnamespaces:\n  a:\n    interfaces:\n      br0: {type: bridge, rate: 1mbit}\n",
		      { 5, 27, "shaping applies to veth and vxlan interfaces, not to a bridge" });
}

/* ------------------------------------------------------------- mtu, mac -- */

static void test_mtu(void **state)
{
	struct topology t;

	(void)state;
	load_ok(HEAD "      b1: {type: bridge, mtu: 68}\n      b2: {type: bridge, mtu: 65535}\n", &t);
	assert_int_equal(t.ns[0].ifaces[1].mtu, 68);
	assert_int_equal(t.ns[0].ifaces[2].mtu, 65535);
	assert_int_equal(t.ns[0].ifaces[0].mtu, 0);
	topology_free(&t);
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, mtu: 67}\n", { 6, 31, "mtu must be an integer 68-65535, not '67'" });
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, mtu: 65536}\n", { 6, 31, "mtu must be an integer 68-65535, not '65536'" });
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, mtu: 0}\n", { 6, 31, "not '0'" });
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, mtu: 99999999999999999999999}\n", { 6, 31, "mtu must be an integer" });
}

static void test_mac(void **state)
{
	struct topology t;

	(void)state;
	load_ok(HEAD "      b1: {type: bridge, mac: \"02:AB:cd:Ef:00:0F\"}\n"
		"      b2: {type: bridge, mac: fe:ff:ff:ff:ff:ff}\n", &t);
	assert_true(t.ns[0].ifaces[1].has_mac);
	assert_memory_equal(t.ns[0].ifaces[1].mac, ((const uint8_t[]){ 0x02, 0xab, 0xcd, 0xef, 0x00, 0x0f }), 6);
	assert_memory_equal(t.ns[0].ifaces[2].mac, ((const uint8_t[]){ 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff }), 6);
	assert_false(t.ns[0].ifaces[0].has_mac);
	topology_free(&t);

	EXPECT_ERRORS(HEAD "      b1: {type: bridge, mac: \"01:00:5e:00:00:01\"}\n",
		      { 6, 31, "mac '01:00:5e:00:00:01' is a multicast address; an interface needs a unicast one" });
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, mac: \"ff:ff:ff:ff:ff:ff\"}\n", { 6, 31, "is a multicast address" });
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, mac: \"00:00:00:00:00:00\"}\n", { 6, 31, "is all zeros" });
	static const char *const bad[] = {
		"02:00:00:00:00", "02:00:00:00:00:00:00", "02-00-00-00-00-01", "02:00:00:00:00:0g",
		"0200.0000.0001", "2:0:0:0:0:1", "02:00:00:00:00:01 ",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_ERRORS(fmt(HEAD "      b1: {type: bridge, mac: \"%s\"}\n", bad[i]),
			      { 6, 31, fmt("mac '%s' is not a MAC address (six hex octets", bad[i]) });
}

/* ----------------------------------------------------------- nat, ports -- */

#define NAT HEAD "    nat:\n"                     /* 6 */

static void test_dnat_ports(void **state)
{
	static const struct { const char *port; uint16_t lo, hi; } good[] = {
		{ "1", 1, 1 }, { "65535", 65535, 65535 }, { "\"8080\"", 8080, 8080 },
		{ "\"1000-2000\"", 1000, 2000 }, { "80-80", 80, 80 }, { "\"1-65535\"", 1, 65535 },
	};
	static const char *const bad[] = {
		"0", "65536", "\"90-80\"", "\"0-5\"", "\"5-65536\"", "\"a-b\"", "\"80-\"", "\"-80\"", "\"1-2-3\"", "http",
	};
	struct topology t;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		load_ok(fmt(NAT "      - dnat: {protocol: udp, port: %s, to: 10.0.0.2}\n", good[i].port), &t);
		assert_int_equal(t.ns[0].nat[0].port_lo, good[i].lo);
		assert_int_equal(t.ns[0].nat[0].port_hi, good[i].hi);
		assert_int_equal(t.ns[0].nat[0].to_port, 0);
		topology_free(&t);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_ERRORS(fmt(NAT "      - dnat: {protocol: udp, port: %s, to: 10.0.0.2}\n", bad[i]),
			      { 7, 37, "port must be 1-65535 or a range \"LOW-HIGH\" with LOW <= HIGH" });
}

static void test_dnat_to_protocol(void **state)
{
	static const uint8_t fd00_2[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
	struct topology t;

	(void)state;
	load_ok(NAT
		"      - dnat: {protocol: sctp, port: 80, to: \"[fd00::2]:8080\", in: \"!br0\"}\n"
		"      - dnat: {protocol: tcp, port: 80, to: \"fd00::2\", destination: \"fd00::/64\"}\n", &t);
	const struct topo_nat *nat = t.ns[0].nat;

	assert_int_equal(nat[0].protocol, IPPROTO_SCTP);
	assert_ip(&nat[0].to, AF_INET6, 128, fd00_2);
	assert_int_equal(nat[0].to_port, 8080);
	assert_true(nat[0].in.negate);
	assert_string_equal(nat[0].in.name, "br0");
	assert_int_equal(nat[1].protocol, IPPROTO_TCP);
	assert_int_equal(nat[1].to_port, 0);
	assert_int_equal(nat[1].destination.plen, 64);
	topology_free(&t);

	EXPECT_ERRORS(NAT "      - dnat: {protocol: icmp, port: 80, to: 10.0.0.2}\n",
		      { 7, 26, "protocol 'icmp' is not tcp, udp or sctp" });
	EXPECT_ERRORS(NAT "      - dnat: {port: 80, to: 10.0.0.2}\n",
		      { 7, 9, "dnat needs 'protocol' (tcp, udp, sctp) and 'port'" });
	EXPECT_ERRORS(NAT "      - dnat: {protocol: tcp, port: 80}\n", { 7, 9, "dnat needs 'to'" });
	EXPECT_ERRORS(NAT "      - dnat: {protocol: tcp, port: 80, to: \"10.0.0.2:0\"}\n",
		      { 7, 45, "to '10.0.0.2:0' is not IP or IP:PORT (e.g. 172.18.0.2:80 or [fd00::2]:80)" });
	EXPECT_ERRORS(NAT "      - dnat: {protocol: tcp, port: 80, to: \"10.0.0.2:65536\"}\n", { 7, 45, "is not IP or IP:PORT" });
	EXPECT_ERRORS(NAT "      - dnat: {protocol: tcp, port: 80, to: \"[fd00::2\"}\n", { 7, 45, "is not IP or IP:PORT" });
	EXPECT_ERRORS(NAT "      - dnat: {protocol: tcp, port: 80, to: 10.0.0.0/24}\n", { 7, 45, "is not IP or IP:PORT" });
	EXPECT_ERRORS(NAT "      - dnat: {protocol: tcp, port: 80, to: \"fd00::2\", destination: 10.0.0.0/8}\n",
		      { 7, 9, "destination and to are not the same address family" });
}

static void test_snat_masquerade(void **state)
{
	struct topology t;

	(void)state;
	load_ok(NAT "      - masquerade: {source: 10.1.0.0/24, out: \"!br0\"}\n"
		"      - masquerade:\n"
		"      - snat: {to: 192.0.2.1, out: eth5}\n", &t);
	assert_int_equal(t.ns[0].n_nat, 3);
	assert_true(t.ns[0].nat[0].out.negate);
	assert_string_equal(t.ns[0].nat[0].out.name, "br0");
	assert_int_equal(t.ns[0].nat[1].source.family, 0);
	assert_string_equal(t.ns[0].nat[1].out.name, "");
	assert_int_equal(t.ns[0].nat[2].kind, TOPO_NAT_SNAT);
	assert_string_equal(t.ns[0].nat[2].out.name, "eth5");
	assert_ip(&t.ns[0].nat[2].to, AF_INET, 32, (const uint8_t[]){ 192, 0, 2, 1 });
	topology_free(&t);
	EXPECT_ERRORS(NAT "      - snat: {to: 192.0.2.1, source: \"fd00::/8\"}\n",
		      { 7, 9, "source and to are not the same address family" });
	EXPECT_ERRORS(NAT "      - snat: {source: 10.1.0.0/24, out: eth0}\n", { 7, 9, "snat needs 'to'" });
	EXPECT_ERRORS(NAT "      - snat: {to: \"192.0.2.1:80\"}\n", { 7, 20, "to takes an address without a port" });
	EXPECT_ERRORS(NAT "      - masquerade: {source: 10.1.0.1/24}\n",
		      { 7, 30, "source '10.1.0.1/24' has host bits set; the network is 10.1.0.0/24" });
	EXPECT_ERRORS(NAT "      - {masquerade: {}, snat: {to: 192.0.2.1}}\n",
		      { 7, 9, "a nat entry has exactly one key: masquerade, snat, dnat or redirect" });
	EXPECT_ERRORS(NAT "      - masquerade: [br0]\n", { 7, 21, "masquerade must be a mapping (key: value), not a list" });
}

static void test_ifmatch(void **state)
{
	struct topology t;

	(void)state;
	load_ok(HEAD "    forward:\n      - {action: drop, in: \"!eth0\", out: br0}\n", &t);
	assert_int_equal(t.ns[0].forward[0].action, TOPO_FWD_DROP);
	assert_true(t.ns[0].forward[0].in.negate);
	assert_string_equal(t.ns[0].forward[0].in.name, "eth0");
	assert_false(t.ns[0].forward[0].out.negate);
	assert_string_equal(t.ns[0].forward[0].out.name, "br0");
	topology_free(&t);

	static const char *const bad[] = { "!", "a/b", "x:y", "!a b", "!1234567890123456", "..", "!." };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_ERRORS(fmt(HEAD "    forward:\n      - {action: drop, out: \"%s\"}\n", bad[i]),
			      { 7, 29, fmt("out '%s' is not an interface name, or '!' and one", bad[i]) });
		EXPECT_ERRORS(fmt(NAT "      - masquerade: {out: \"%s\"}\n", bad[i]),
			      { 7, 27, fmt("out '%s' is not an interface name, or '!' and one", bad[i]) });
	}
	EXPECT_ERRORS(NAT "      - dnat: {protocol: tcp, port: 1, to: 10.0.0.1, in: \"\"}\n",
		      { 7, 58, "in '' is not an interface name" });
}

static void test_forward(void **state)
{
	struct topology t;

	(void)state;
	load_ok(HEAD "    forward:\n      - {action: accept, source: 10.0.0.0/8, destination: 192.168.0.0/16}\n", &t);
	assert_ip(&t.ns[0].forward[0].source, AF_INET, 8, (const uint8_t[]){ 10, 0, 0, 0 });
	assert_ip(&t.ns[0].forward[0].destination, AF_INET, 16, (const uint8_t[]){ 192, 168, 0, 0 });
	topology_free(&t);
	EXPECT_ERRORS(HEAD "    forward:\n      - {action: reject}\n", { 7, 18, "action 'reject' is not accept or drop" });
	EXPECT_ERRORS(HEAD "    forward:\n      - {in: br0}\n", { 7, 9, "a forward rule needs 'action' (accept or drop)" });
	EXPECT_ERRORS(HEAD "    forward:\n      - {action: drop, source: 10.0.0.0/8, destination: \"fd00::/8\"}\n",
		      { 7, 9, "source and destination are not the same address family" });
	EXPECT_ERRORS(HEAD "    forward:\n      - {action: drop, destination: 10.0.0.1/8}\n",
		      { 7, 37, "destination '10.0.0.1/8' has host bits set" });
}

/* -------------------------------------------------------------- sysctls -- */

static void test_sysctl_values(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "1", "1" }, { "\"01\"", "1" }, { "\"60000   61000\"", "60000 61000" },
		{ "\"  60000\\t61000  \"", "60000 61000" }, { "\"007 08\"", "7 8" }, { "\"+5\"", "5" },
		{ "\"-0\"", "0" }, { "-12", "-12" }, { "\"-007\"", "-7" }, { "cubic", "cubic" },
		{ "\"a  b\"", "a b" }, { "0", "0" }, { "\"000\"", "0" }, { "1.5", "1.5" },
	};
	struct topology t;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		load_ok(fmt(HEAD "    sysctls:\n      net.ipv4.ip_local_port_range: %s\n", cases[i].in), &t);
		assert_int_equal(t.ns[0].n_sysctls, 1);
		assert_string_equal(t.ns[0].sysctls[0].key, "net.ipv4.ip_local_port_range");
		assert_string_equal(t.ns[0].sysctls[0].value, cases[i].out);
		assert_int_equal(t.ns[0].sysctls[0].pos.line, 7);
		topology_free(&t);
	}
	EXPECT_ERRORS(HEAD "    sysctls:\n      net.a: [1]\n",
		      { 7, 14, "sysctl net.a needs a scalar value (an integer or a string)" });
	EXPECT_ERRORS(HEAD "    sysctls:\n      net.a: {x: 1}\n", { 7, 14, "sysctl net.a needs a scalar value" });
	EXPECT_ERRORS(HEAD "    sysctls:\n      net.a:\n", { 7, 13, "sysctl net.a needs a scalar value" });
	EXPECT_ERRORS(HEAD "    sysctls:\n      net.a: \"  \"\n", { 7, 14, "sysctl net.a has an empty value" });
	EXPECT_ERRORS(HEAD "    sysctls: [net.a]\n", { 6, 14, "sysctls must be a mapping (key: value), not a list" });
}

static void test_sysctl_keys(void **state)
{
	static const char *const bad[] = {
		"kernel.pid_max", "net", "net.", "net.ipv4/ip_forward", "net..ipv4", "net.ipv4..x", "net.ipv4.",
		"\"net.a b\"", "NET.ipv4.x", "vm.net.x",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_ERRORS(fmt(HEAD "    sysctls:\n      %s: 1\n", bad[i]),
			      { 7, 7, "must start with 'net.' and contain no '/', '..' or blanks (e.g. net.ipv4.ip_forward)" });
}

/* ------------------------------------------------------------ path, pid -- */

static void test_path_pid(void **state)
{
	struct topology t;

	(void)state;
	load_ok("topology: t\nnamespaces:\n  a:\n    path: /run/netns/a\n  b:\n    pid: 4194304\n  c:\n    pid: 1\n", &t);
	assert_int_equal(t.ns[0].kind, TOPO_NS_PATH);
	assert_string_equal(t.ns[0].path, "/run/netns/a");
	assert_int_equal(t.ns[1].kind, TOPO_NS_PID);
	assert_int_equal(t.ns[1].pid, 4194304);
	assert_null(t.ns[1].path);
	assert_int_equal(t.ns[2].pid, 1);
	topology_free(&t);

	EXPECT_ERRORS("topology: t\nnamespaces:\n  a:\n    path: run/netns/a\n",
		      { 4, 11, "path 'run/netns/a' must be absolute (e.g. /var/run/docker/netns/1a2b3c4d)" });
	EXPECT_ERRORS("topology: t\nnamespaces:\n  a:\n    path: [/x]\n", { 4, 11, "path must be a string, not a list" });
	EXPECT_ERRORS("topology: t\nnamespaces:\n  a:\n    pid: 0\n", { 4, 10, "pid must be an integer 1-4194304, not '0'" });
	EXPECT_ERRORS("topology: t\nnamespaces:\n  a:\n    pid: -3\n", { 4, 10, "pid must be an integer 1-4194304, not '-3'" });
	EXPECT_ERRORS("topology: t\nnamespaces:\n  a:\n    pid: \"12\"\n", { 4, 10, "not the quoted string '12'" });
	EXPECT_ERRORS("topology: t\nnamespaces:\n  a:\n    pid: 1x\n", { 4, 10, "pid must be an integer" });
	EXPECT_ERRORS("topology: t\nnamespaces:\n  a:\n    path: /x\n    pid: 5\n",
		      { 5, 5, "path and pid are exclusive: attach by one of them" });
	EXPECT_ERRORS("topology: t\nnamespaces:\n  host:\n    path: /x\n",
		      { 4, 5, "'host' is the namespace topo runs in; it takes no path or pid" });
	EXPECT_ERRORS("topology: t\nnamespaces:\n  host:\n    pid: 1\n", { 4, 5, "'host' is the namespace topo runs in" });
}

/* docker: NAME_OR_ID: only the name is checked at load (Docker's rule: it
 * goes into the API's URL); where it is, is asked at every run. */
static void test_docker_key(void **state)
{
	struct topology t;

	(void)state;
	load_ok("topology: t\nnamespaces:\n  web:\n    docker: web\n  db:\n    docker: 3f4e5d6c7b8a\n"
		"    docker_socket: /run/user/1000/docker.sock\n", &t);
	assert_int_equal(t.ns[0].kind, TOPO_NS_DOCKER);
	assert_string_equal(t.ns[0].docker, "web");
	assert_null(t.ns[0].path);
	assert_null(t.ns[0].docker_socket);
	assert_true(topo_ns_attached(t.ns[0].kind));
	assert_int_equal(t.ns[1].kind, TOPO_NS_DOCKER);
	assert_string_equal(t.ns[1].docker, "3f4e5d6c7b8a");
	assert_string_equal(t.ns[1].docker_socket, "/run/user/1000/docker.sock");
	topology_free(&t);

	EXPECT_ERRORS("topology: t\nnamespaces:\n  a:\n    docker: ../x\n",
		      { 4, 13, "container '../x' is not a Docker container name or id ([a-zA-Z0-9][a-zA-Z0-9_.-]*" });
	EXPECT_ERRORS("topology: t\nnamespaces:\n  a:\n    docker: \"web?all=1\"\n",
		      { 4, 13, "is not a Docker container name or id" });
	EXPECT_ERRORS("topology: t\nnamespaces:\n  a:\n    docker: _web\n", { 4, 13, "is not a Docker container name" });
	EXPECT_ERRORS("topology: t\nnamespaces:\n  a:\n    docker: [web]\n", { 4, 13, "docker must be a string, not a list" });
	EXPECT_ERRORS("topology: t\nnamespaces:\n  a:\n    docker: web\n    path: /x\n",
		      { 4, 5, "path, pid and docker are exclusive: attach by one of them" });
	EXPECT_ERRORS("topology: t\nnamespaces:\n  a:\n    pid: 3\n    docker: web\n",
		      { 5, 5, "path, pid and docker are exclusive" });
	EXPECT_ERRORS("topology: t\nnamespaces:\n  host:\n    docker: web\n",
		      { 4, 5, "'host' is the namespace topo runs in; it takes no path or pid, and no docker" });
	EXPECT_ERRORS("topology: t\nnamespaces:\n  a:\n    docker_socket: /run/docker.sock\n",
		      { 4, 5, "docker_socket: goes with docker: (the container's name)" });
	EXPECT_ERRORS("topology: t\nnamespaces:\n  a:\n    docker: web\n    docker_socket: run/docker.sock\n",
		      { 5, 20, "docker_socket 'run/docker.sock' must be an absolute path" });
}

/* ----------------------------------------------------------------- checks -- */

static void test_checks(void **state)
{
	(void)state;
	EXPECT_ERRORS(HEAD "checks:\n  - {from: nope, ping: 10.0.0.1}\n",
		      { 7, 12, "check from 'nope': no such namespace in this file" });
	EXPECT_ERRORS(HEAD "checks:\n  - {from: web, tcp: 10.0.0.1}\n", { 7, 22, "tcp needs IP:PORT" });
	EXPECT_ERRORS(HEAD "checks:\n  - {from: web, udp: 10.0.0.1}\n", { 7, 22, "udp needs IP:PORT" });
	EXPECT_ERRORS(HEAD "checks:\n  - {from: web}\n",
		      { 7, 5, "a check needs 'from' and one of 'ping: IP', 'tcp: IP:PORT', 'udp: IP:PORT'" });
	EXPECT_ERRORS(HEAD "checks:\n  - {from: web, ping: 10.0.0.1, expect: maybe}\n",
		      { 7, 41, "expect 'maybe' is not success or fail" });
	EXPECT_ERRORS(HEAD "checks:\n  - {from: web, ping: 10.0.0.1, tcp: \"10.0.0.1:80\"}\n",
		      { 7, 33, "a check is one of ping, tcp or udp, not both ping and tcp" });
}

/* Two namespaces on a bridge, a router with a dnat: the receiver rules. */
#define CHK \
	"topology: t\n"                                                        /* 1 */ \
	"namespaces:\n"                                                        /* 2 */ \
	"  r:\n"                                                               /* 3 */ \
	"    interfaces:\n"                                                    /* 4 */ \
	"      e0: {addresses: [10.0.0.1/24]}\n"                               /* 5 */ \
	"      e1: {addresses: [10.1.0.1/24, \"fd00::1/64\"]}\n"                /* 6 */ \
	"    nat:\n"                                                           /* 7 */ \
	"      - dnat: {protocol: tcp, port: 8080, to: \"10.1.0.2:80\"}\n"     /* 8 */ \
	"      - dnat: {protocol: udp, port: \"5000-5010\", to: 10.1.0.2}\n"    /* 9 */ \
	"  c:\n"                                                               /* 10 */ \
	"    interfaces:\n"                                                    /* 11 */ \
	"      e0: {addresses: [10.0.0.2/24]}\n"                               /* 12 */ \
	"  s:\n"                                                               /* 13 */ \
	"    interfaces:\n"                                                    /* 14 */ \
	"      e0: {addresses: [10.1.0.2/24, \"fd00::2/64\"]}\n"                /* 15 */ \
	"  empty: {}\n"                                                        /* 16 */ \
	"links:\n"                                                             /* 17 */ \
	"  - [r:e0, c:e0]\n"                                                   /* 18 */ \
	"  - [r:e1, s:e0]\n"                                                   /* 19 */ \
	"checks:\n"                                                            /* 20 */

static const struct topo_check *only_check(const char *text, struct topology *t)
{
	load_ok(text, t);
	assert_int_equal(t->n_checks, 1);
	return &t->checks[0];
}

static void assert_end(const struct topology *t, const struct topo_check_end *e, const char *ns, unsigned port)
{
	assert_true(e->set);
	assert_string_equal(t->ns[e->ns].name, ns);
	assert_int_equal(e->port, port);
}

static void test_check_receivers(void **state)
{
	struct topology t;
	const struct topo_check *c;

	(void)state;
	/* Through the file's dnat: received by s:80; without it, by r:8080. */
	c = only_check(CHK "  - {from: c, tcp: \"10.0.0.1:8080\", source: 10.0.0.2}\n", &t);
	assert_int_equal(c->kind, TOPO_CHECK_TCP);
	assert_end(&t, &c->served_by, "s", 80);
	assert_end(&t, &c->arrives, "s", 80);
	assert_end(&t, &c->unrewritten, "r", 8080);
	assert_int_equal(c->source.family, AF_INET);
	/* Listeners bind the address the connection arrives at there. */
	assert_int_equal(c->served_by.addr.family, AF_INET);
	assert_memory_equal(c->served_by.addr.bytes, ((uint8_t[]){ 10, 1, 0, 2 }), 4);
	assert_memory_equal(c->unrewritten.addr.bytes, ((uint8_t[]){ 10, 0, 0, 1 }), 4);
	topology_free(&t);
	/* The dnat is for tcp: udp to that port is received where the address is. */
	c = only_check(CHK "  - {from: c, udp: \"10.0.0.1:8080\"}\n", &t);
	assert_end(&t, &c->served_by, "r", 8080);
	assert_false(c->unrewritten.set);
	topology_free(&t);
	/* A port range mapped to an address only: the port is kept. */
	c = only_check(CHK "  - {from: c, udp: \"10.0.0.1:5005\"}\n", &t);
	assert_end(&t, &c->served_by, "s", 5005);
	assert_end(&t, &c->unrewritten, "r", 5005);
	topology_free(&t);
	/* No dnat: the owner of the address; IPv6 too. */
	c = only_check(CHK "  - {from: c, tcp: \"[fd00::2]:22\"}\n", &t);
	assert_end(&t, &c->served_by, "s", 22);
	assert_false(c->unrewritten.set);
	topology_free(&t);
	/* Loopback is the client's own namespace. */
	c = only_check(CHK "  - {from: c, tcp: \"127.0.0.1:22\"}\n", &t);
	assert_end(&t, &c->served_by, "c", 22);
	topology_free(&t);
	/* served_by and arrives declared; their ports default sensibly. */
	c = only_check(CHK "  - {from: c, tcp: \"10.0.0.1:8080\", served_by: s, arrives: \"s:80\"}\n", &t);
	assert_end(&t, &c->served_by, "s", 80);
	assert_end(&t, &c->arrives, "s", 80);
	topology_free(&t);
	c = only_check(CHK "  - {from: c, tcp: \"192.0.2.1:443\", served_by: \"empty:8443\"}\n", &t);
	assert_end(&t, &c->served_by, "empty", 8443);
	assert_end(&t, &c->arrives, "empty", 8443);
	assert_int_equal(c->served_by.addr.family, 0);   /* not its address: the wildcard */
	topology_free(&t);
	/* Nobody owns the address: where it must arrive is where it is served. */
	c = only_check(CHK "  - {from: c, udp: \"192.0.2.1:53\", arrives: s}\n", &t);
	assert_end(&t, &c->served_by, "s", 53);
	assert_end(&t, &c->arrives, "s", 53);
	assert_int_equal(c->served_by.addr.family, 0);
	topology_free(&t);
	/* Nobody owns the address and nothing is asserted: reachability only. */
	c = only_check(CHK "  - {from: c, tcp: \"192.0.2.1:443\"}\n", &t);
	assert_false(c->served_by.set);
	assert_false(c->arrives.set);
	topology_free(&t);
	/* Ping size and df. */
	c = only_check(CHK "  - {from: c, ping: 10.1.0.2, size: 1472, df: true, expect: fail}\n", &t);
	assert_true(c->has_size && c->df && c->expect_fail);
	assert_int_equal(c->size, 1472);
	topology_free(&t);
}

static void test_check_isolated(void **state)
{
	struct topology t;

	(void)state;
	/* c and s: c pings s's two addresses, s pings c's one; empty has none. */
	load_ok(CHK "  - {isolated: [c, s, empty]}\n", &t);
	assert_int_equal(t.n_checks, 2 + 1 + 1 + 2);
	for (size_t i = 0; i < t.n_checks; i++) {
		assert_int_equal(t.checks[i].kind, TOPO_CHECK_PING);
		assert_true(t.checks[i].expect_fail);
		assert_true(t.checks[i].isolated);
		assert_int_equal(t.checks[i].pos.line, 21);
	}
	topology_free(&t);
	EXPECT_ERRORS(CHK "  - {isolated: [c]}\n", { 21, 16, "isolated needs at least two namespaces" });
	EXPECT_ERRORS(CHK "  - {isolated: [c, c]}\n", { 21, 20, "isolated names 'c' twice" });
	EXPECT_ERRORS(CHK "  - {isolated: [c, nope]}\n", { 21, 20, "isolated 'nope': no such namespace" });
	EXPECT_ERRORS(CHK "  - {isolated: [empty, empty2]}\n", { 21, 24, "isolated 'empty2': no such namespace" });
	EXPECT_ERRORS("topology: t\nnamespaces: {a: {}, b: {}}\nchecks:\n  - {isolated: [a, b]}\n",
		      { 4, 16, "none of these namespaces declares an address" });
	EXPECT_ERRORS(CHK "  - {isolated: [c, s], from: c}\n", { 21, 30, "isolated: [NS, ...] stands alone" });
	EXPECT_ERRORS(CHK "  - {isolated: [c, s], expect: success}\n", { 21, 32, "isolated: always expects" });
	EXPECT_ERRORS(CHK "  - {isolated: c}\n", { 21, 16, "isolated must be a list" });
}

static void test_check_rules(void **state)
{
	(void)state;
	EXPECT_ERRORS(CHK "  - {from: c, ping: 10.1.0.2, df: true}\n", { 21, 31, "df: true needs size: N" });
	EXPECT_ERRORS(CHK "  - {from: c, ping: 10.1.0.2, size: 65508}\n", { 21, 37, "size must be an integer 0-65507" });
	EXPECT_ERRORS(CHK "  - {from: c, ping: 10.1.0.2, df: maybe, size: 1}\n", { 21, 35, "df must be true or false" });
	EXPECT_ERRORS(CHK "  - {from: c, ping: 10.1.0.2, source: 10.0.0.2}\n",
		      { 21, 31, "source is for tcp and udp checks, not ping" });
	EXPECT_ERRORS(CHK "  - {from: c, ping: 10.1.0.2, served_by: s}\n",
		      { 21, 31, "served_by is for tcp and udp checks, not ping" });
	EXPECT_ERRORS(CHK "  - {from: c, tcp: \"10.1.0.2:80\", size: 100}\n",
		      { 21, 35, "size is for ping checks, not tcp" });
	EXPECT_ERRORS(CHK "  - {from: c, tcp: \"10.1.0.2:80\", source: \"fd00::9\"}\n",
		      { 21, 35, "source is IPv6 but the check's address is IPv4" });
	EXPECT_ERRORS(CHK "  - {from: c, tcp: \"10.1.0.2:80\", source: 10.0.0.2, expect: fail}\n",
		      { 21, 35, "source says what a connection that succeeds looks like; not with expect: fail" });
	EXPECT_ERRORS(CHK "  - {from: c, tcp: \"10.1.0.2:80\", arrives: nope}\n",
		      { 21, 44, "arrives 'nope': no such namespace in this file" });
	EXPECT_ERRORS(CHK "  - {from: c, tcp: \"10.1.0.2:80\", arrives: \"s:0\"}\n",
		      { 21, 44, "arrives 's:0' is not NS or NS:PORT" });
	EXPECT_ERRORS(CHK "  - {from: c, tcp: \"10.1.0.2:80\", served_by: \"s:x\"}\n",
		      { 21, 46, "served_by 's:x' is not NS or NS:PORT" });
	/* Who receives it must be known before what it saw can be asserted. */
	EXPECT_ERRORS(CHK "  - {from: c, tcp: \"192.0.2.1:80\", source: 10.0.0.2}\n",
		      { 21, 5, "no namespace in this file receives 192.0.2.1:80: say which with served_by: NS[:PORT]" });
	EXPECT_ERRORS(CHK "  - {from: c, udp: \"10.1.0.2:80\", ping: 10.1.0.2}\n",
		      { 21, 35, "a check is one of ping, tcp or udp, not both udp and ping" });
}

/* --------------------------------------------------------- YAML features -- */

static void test_yaml_alias_anchor(void **state)
{
	struct topology t;

	(void)state;
	/* Anchors on a scalar, a list and a mapping; aliases copy them. */
	load_ok("topology: t\n"
		"namespaces:\n"
		"  a: &ns\n"
		"    interfaces:\n"
		"      br0: {type: bridge, mtu: &m 1400, addresses: &addrs [10.0.0.1/24]}\n"
		"      br1: {type: bridge, mtu: *m}\n"
		"  b: *ns\n"
		"  c:\n"
		"    interfaces:\n"
		"      br9: {type: bridge, addresses: *addrs}\n", &t);
	assert_int_equal(t.n_ns, 3);
	const struct topo_ns *b = ns_named(&t, "b"), *c = ns_named(&t, "c");

	assert_int_equal(b->n_ifaces, 2);
	assert_int_equal(if_named(b, "br0")->mtu, 1400);
	assert_int_equal(if_named(b, "br1")->mtu, 1400);
	assert_int_equal(if_named(ns_named(&t, "a"), "br1")->mtu, 1400);
	/* A copy's positions are those of the anchored text. */
	assert_int_equal(if_named(b, "br0")->pos.line, 5);
	assert_int_equal(if_named(c, "br9")->n_addrs, 1);
	assert_int_equal(if_named(c, "br9")->addrs[0].pos.line, 5);
	topology_free(&t);

	/* An anchor may be defined again: an alias takes the latest. */
	load_ok("topology: t\nnamespaces:\n  a: {interfaces: {x: {type: bridge, mtu: &m 1400}}}\n"
		"  b: {interfaces: {x: {type: bridge, mtu: &m 1500}, y: {type: bridge, mtu: *m}}}\n", &t);
	assert_int_equal(if_named(ns_named(&t, "b"), "y")->mtu, 1500);
	topology_free(&t);

	EXPECT_ERRORS("topology: t\nx: *b\n",
		      { 2, 4, "alias *b: no anchor &b before it (an alias refers to a value anchored earlier in the file)" });
	/* Before the anchor is no better than without one. */
	EXPECT_ERRORS("topology: t\nnamespaces: {a: *n, b: &n {}}\n", { 2, 17, "alias *n: no anchor &n before it" });
	/* `&a [*a]`: libyaml reports the alias before the anchored list ends. */
	EXPECT_ERRORS("topology: t\nx: &a [*a]\n",
		      { 2, 8, "alias *a is inside the value of its own anchor &a (line 2, column 4): "
			      "a value cannot contain itself" });
	/* Tags stay refused, with or without an anchor. */
	EXPECT_ERRORS("topology: t\nnamespaces: &n !!map {}\n", { 2, 13, "YAML tag 'tag:yaml.org,2002:map' is not supported" });
	EXPECT_ERRORS(NAT "      - masquerade: {out: &o !br0 }\n", { 7, 27, "quote it: \"!br0\"" });
	EXPECT_ERRORS("topology: a\nnamespaces: &x {a: *x}\n",
		      { 2, 20, "alias *x is inside the value of its own anchor &x (line 2, column 13)" });
	EXPECT_ERRORS("topology: t\nnamespaces:\n  a: &x {b: [1, {c: *x}]}\n",
		      { 3, 21, "alias *x is inside the value of its own anchor &x (line 3, column 6)" });
}

/* An error in an anchored value is at its text, and says which alias. */
static void test_yaml_alias_errors(void **state)
{
	(void)state;
	EXPECT_ERRORS("topology: t\n"
		      "namespaces:\n"
		      "  a: {interfaces: {br0: {type: bridge}}}\n"
		      "  b: {interfaces: {br0: &b {type: bridge, mtu: big}}}\n"
		      "  c: {interfaces: {br0: *b}}\n",
		      { 4, 48, "mtu must be an integer 68-65535, not 'big'" },
		      { 4, 48, "mtu must be an integer 68-65535, not 'big' (used through the alias at line 5, column 25)" });
	/* Two aliases: one error each, and the text's own. */
	EXPECT_ERRORS("topology: t\n"
		      "namespaces:\n"
		      "  a: &n {interfaces: {br0: {tipe: bridge}}}\n"
		      "  b: *n\n"
		      "  c: *n\n",
		      { 3, 29, "unknown key 'tipe' in an interface" },
		      { 3, 29, "unknown key 'tipe' in an interface (accepted: type, addresses, mtu, addr_gen_mode, mac, master, rate, burst, latency, netem, stp, ageing_time, forward_delay, hello_time, max_age, "
		"priority, mcast_snooping, nf_call_iptables, nf_call_ip6tables, nf_call_arptables, vlan_filtering (bridge), "
		"vni, remote, group, local, dev, dstport, srcport, udpcsum, ttl, tos, df, learning (vxlan), parent, mode (macvlan), "
		"fdb (vxlan)) (used through the alias at line 4, column 6)" },
		      { 3, 29, "(used through the alias at line 5, column 6)" },
		      /* Found in the model, where copies are alike: said once. */
		      { 3, 23, "interface br0 has no type" });
}

static void test_yaml_merge(void **state)
{
	struct topology t;

	(void)state;
	load_ok("topology: t\n"
		"namespaces:\n"
		"  a: &common\n"
		"    sysctls: {net.ipv4.ip_forward: 1}\n"
		"    interfaces: {br0: {type: bridge}}\n"
		"  b:\n"
		"    <<: *common\n"
		"    sysctls: {net.ipv6.conf.all.forwarding: 1}\n"
		"links:\n"
		"  - &l {endpoints: [\"a:v0\", \"b:v0\"], mtu: 1400}\n"
		"  - {<<: *l, endpoints: [\"a:v1\", \"b:v1\"]}\n", &t);
	const struct topo_ns *b = ns_named(&t, "b");

	/* Its own sysctls: won over the merged ones, which are not added too. */
	assert_int_equal(b->n_sysctls, 1);
	assert_string_equal(b->sysctls[0].key, "net.ipv6.conf.all.forwarding");
	assert_true(topo_ns_iface_find(b, "br0") >= 0);
	assert_int_equal(t.n_links, 2);
	assert_int_equal(t.links[1].mtu, 1400);
	assert_int_equal(if_named(b, "v1")->mtu, 1400);
	topology_free(&t);

	/* A list of mappings: the earlier one wins; explicit keys over both. */
	load_ok("topology: t\n"
		"namespaces:\n"
		"  a:\n"
		"    interfaces:\n"
		"      x: &x {type: bridge, mtu: 1400}\n"
		"      y: &y {type: bridge, mtu: 1500, stp: true}\n"
		"      z: {<<: [*x, *y]}\n"
		"      w: {<<: [*y, *x], stp: false}\n"
		"      v: {<<: {type: bridge, mtu: 1300}}\n", &t);
	const struct topo_ns *a = ns_named(&t, "a");

	assert_int_equal(if_named(a, "z")->mtu, 1400);
	assert_true(if_named(a, "z")->opt[BR_STP].set && if_named(a, "z")->opt[BR_STP].u == 1);
	assert_int_equal(if_named(a, "w")->mtu, 1500);
	assert_true(if_named(a, "w")->opt[BR_STP].set && if_named(a, "w")->opt[BR_STP].u == 0);
	assert_int_equal(if_named(a, "v")->mtu, 1300);
	topology_free(&t);

	/* A quoted "<<" is an ordinary key. */
	EXPECT_ERRORS(HEAD "      br1: {\"<<\": {type: bridge}}\n",
		      { 6, 13, "unknown key '<<' in an interface" }, { 6, 7, "interface br1 has no type" });
	EXPECT_ERRORS("topology: t\nx: &s 1\nnamespaces: {a: {<<: *s}}\n",
		      { 3, 22, "the merge key '<<' takes a mapping or a list of mappings (e.g. <<: *common or "
			       "<<: [*a, *b]), not a scalar" });
	EXPECT_ERRORS("topology: t\nnamespaces: {a: {<<: }}\n",
		      { 2, 22, "the merge key '<<' takes a mapping or a list of mappings" });
	EXPECT_ERRORS("topology: t\nx: &m {}\nnamespaces: {a: {<<: [*m, [1]]}}\n",
		      { 3, 27, "the merge key '<<' takes mappings; this item of its list is a list" });
	/* Explicit keys are still checked for duplicates; two merge keys are too. */
	EXPECT_ERRORS("topology: t\nx: &m {}\nnamespaces: {a: {<<: *m, pid: 1, pid: 2}}\n",
		      { 3, 34, "duplicate key 'pid' (first at line 3, column 26)" },
		      { 2, 1, "unknown key 'x' in the top level" });
	EXPECT_ERRORS("topology: t\nx: &m {}\nnamespaces: {a: {<<: *m, <<: *m}}\n",
		      { 3, 26, "duplicate key '<<' (first at line 3, column 18)" },
		      { 2, 1, "unknown key 'x' in the top level" });
	/* x: is not a top-level key: the anchor's place must be valid too. */
	EXPECT_ERRORS("topology: t\nx: &m {}\n", { 2, 1, "unknown key 'x' in the top level" });
}

/* A billion laughs: each level ten aliases of the one before. Refused at
 * the alias that takes the file past its value limit, before copying. */
static void test_yaml_billion_laughs(void **state)
{
	char text[2048];
	size_t off = 0;
	struct timespec t0, t1;

	(void)state;
	off += (size_t)snprintf(text + off, sizeof(text) - off, "topology: t\nx:\n  - &l0 [lol]\n");
	for (int i = 1; i <= 9; i++) {
		off += (size_t)snprintf(text + off, sizeof(text) - off, "  - &l%d [", i);
		for (int j = 0; j < 10; j++)
			off += (size_t)snprintf(text + off, sizeof(text) - off, "%s*l%d", j ? ", " : "", i - 1);
		off += (size_t)snprintf(text + off, sizeof(text) - off, "]\n");
	}
	/* Level 0 is 2 values, level N 1 + 10 * level N-1: level 5 is 211111,
	 * and the 4th alias of it (after ~234000 for levels 1-5 and 3 copies)
	 * takes the file past 1000000. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	check_errors(text, off, WANTS({ 9, 25, "alias *l5 stands for 211111 YAML values, which takes the file past 1000000" }));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* A sanity bound, not a speed target (valgrind runs this too). */
	assert_true(t1.tv_sec - t0.tv_sec < 20);

	/* Deep through aliases: the depth limit counts the copy's levels. */
	off = (size_t)snprintf(text, sizeof(text), "topology: t\nx: &d ");
	for (int i = 0; i < 20; i++)
		text[off++] = '[';
	for (int i = 0; i < 20; i++)
		text[off++] = ']';
	off += (size_t)snprintf(text + off, sizeof(text) - off, "\ny: [[[[[[[[[[[[[*d]]]]]]]]]]]]]\n");
	check_errors(text, off, WANTS({ 3, 17, "nested more than 32 levels deep through the alias *d" }));
}

static void test_defaults(void **state)
{
	struct topology t;

	(void)state;
	load_ok("topology: t\n"
		"defaults:\n"
		"  sysctls: {net.ipv4.ip_forward: 1, net.ipv6.conf.all.forwarding: 1}\n"
		"  mtu: 1400\n"
		"namespaces:\n"
		"  host:\n"
		"    interfaces: {hb: {type: bridge}, hv: {master: hb}}\n"
		"  a:\n"
		"    sysctls: {net.ipv4.ip_forward: 0}\n"
		"    interfaces:\n"
		"      br0: {type: bridge}\n"
		"      br1: {type: bridge, mtu: 9000}\n"
		"      vx: {type: vxlan, vni: 1, dev: br0}\n"
		"      lo: {addresses: [10.255.0.1/32]}\n"
		"  b: {}\n"
		"  c: {path: /run/netns/other}\n"
		"links:\n"
		"  - [\"a:v0\", \"b:v0\"]\n"
		"  - {endpoints: [\"a:v1\", \"b:v1\"], mtu: 1500}\n"
		"  - [\"host:hv\", \"b:v2\"]\n", &t);
	const struct topo_ns *h = ns_named(&t, "host"), *a = ns_named(&t, "a"), *b = ns_named(&t, "b");
	const struct topo_ns *c = ns_named(&t, "c");

	/* Its own sysctl wins; the other default is added, at the default's line. */
	assert_int_equal(a->n_sysctls, 2);
	assert_string_equal(a->sysctls[0].key, "net.ipv4.ip_forward");
	assert_string_equal(a->sysctls[0].value, "0");
	assert_string_equal(a->sysctls[1].key, "net.ipv6.conf.all.forwarding");
	assert_int_equal(a->sysctls[1].pos.line, 3);
	assert_int_equal(b->n_sysctls, 2);
	/* Never host or an attached namespace. */
	assert_int_equal(h->n_sysctls, 0);
	assert_int_equal(c->n_sysctls, 0);
	assert_int_equal(if_named(h, "hb")->mtu, 0);
	assert_int_equal(if_named(h, "hv")->mtu, 0);
	/* mtu: veths and bridges without their own or their link's. */
	assert_int_equal(if_named(a, "br0")->mtu, 1400);
	assert_true(if_named(a, "br0")->mtu_from_defaults);
	assert_int_equal(if_named(a, "br1")->mtu, 9000);
	assert_false(if_named(a, "br1")->mtu_from_defaults);
	assert_int_equal(if_named(a, "vx")->mtu, 0);
	assert_int_equal(if_named(a, "lo")->mtu, 0);
	assert_int_equal(if_named(a, "v0")->mtu, 1400);
	assert_int_equal(if_named(b, "v0")->mtu, 1400);
	assert_int_equal(if_named(a, "v1")->mtu, 1500);
	assert_int_equal(if_named(b, "v2")->mtu, 1400);
	topology_free(&t);

	/* A default naming an interface goes where that interface is (lo is everywhere). */
	load_ok("topology: t\n"
		"defaults: {sysctls: {net.ipv4.conf.eth0.rp_filter: 2, net.ipv6.conf.lo.disable_ipv6: 0,\n"
		"                     net.ipv4.neigh.eth0.gc_stale_time: 30, net.ipv4.conf.all.rp_filter: 1}}\n"
		"namespaces:\n"
		"  a: {interfaces: {eth0: {}}}\n"
		"  b: {interfaces: {eth1: {}}}\n"
		"links:\n"
		"  - [a:eth0, b:eth1]\n", &t);
	assert_int_equal(ns_named(&t, "a")->n_sysctls, 4);
	assert_int_equal(ns_named(&t, "b")->n_sysctls, 2);
	assert_string_equal(ns_named(&t, "b")->sysctls[0].key, "net.ipv6.conf.lo.disable_ipv6");
	assert_string_equal(ns_named(&t, "b")->sysctls[1].key, "net.ipv4.conf.all.rp_filter");
	topology_free(&t);

	load_ok("topology: t\ndefaults: {}\nnamespaces: {a: {}}\n", &t);
	topology_free(&t);
	load_ok("topology: t\ndefaults:\nnamespaces: {a: {}}\n", &t);
	topology_free(&t);

	EXPECT_ERRORS("topology: t\ndefaults: {mtu: 1400, routes: []}\n",
		      { 2, 23, "unknown key 'routes' in defaults (accepted: sysctls, mtu)" });
	EXPECT_ERRORS("topology: t\ndefaults: {mtu: 20}\n", { 2, 17, "mtu must be an integer 68-65535, not '20'" });
	EXPECT_ERRORS("topology: t\ndefaults: [mtu]\n", { 2, 11, "defaults must be a mapping" });
	EXPECT_ERRORS("topology: t\ndefaults: {sysctls: {kernel.hostname: x}}\n",
		      { 2, 22, "sysctl key 'kernel.hostname' must start with 'net.'" });
	/* A default mtu below 1280 with IPv6: said at the address, with where the mtu comes from. */
	EXPECT_ERRORS("topology: t\ndefaults: {mtu: 1200}\nnamespaces:\n  a:\n    interfaces:\n"
		      "      br0: {type: bridge, addresses: [\"fd00::1/64\"]}\n",
		      { 6, 39, "IPv6 address fd00::1/64 on br0, whose mtu is 1200 (from defaults:): the kernel turns IPv6 off" });
	/* Defaults count once per namespace towards the sysctl limit. */
	{
		static char text[200000];
		size_t off = (size_t)snprintf(text, sizeof(text), "topology: t\ndefaults:\n  sysctls:\n");

		for (int i = 0; i < 3; i++)
			off += (size_t)snprintf(text + off, sizeof(text) - off, "    net.ipv4.conf.all.x%d: 1\n", i);
		off += (size_t)snprintf(text + off, sizeof(text) - off, "namespaces:\n");
		for (int i = 0; i < 1366; i++)
			off += (size_t)snprintf(text + off, sizeof(text) - off, "  n%d: {}\n", i);
		check_errors(text, off, WANTS({ 5, 5, "more than 4096 sysctls in one file (topo's limit; a default "
						     "counts once in each namespace it applies to)" }));
	}
}

static void test_prefix(void **state)
{
	struct topology t;

	(void)state;
	load_ok("topology: t\n"
		"prefix: lab1-\n"
		"namespaces:\n"
		"  host: {interfaces: {hv: {}}}\n"
		"  h1: {interfaces: {eth0: {addresses: [10.0.0.1/24]}}}\n"
		"  h2: {interfaces: {eth0: {addresses: [10.0.0.2/24]}}}\n"
		"  att: {pid: 1}\n"
		"links:\n"
		"  - [\"h1:eth0\", \"h2:eth0\"]\n"
		"  - [\"host:hv\", \"h1:eth1\"]\n"
		"checks:\n"
		"  - {from: h1, ping: 10.0.0.2}\n", &t);
	assert_string_equal(t.prefix, "lab1-");
	assert_true(topology_ns_find(&t, "h1") < 0);
	assert_int_equal(ns_named(&t, "lab1-h1")->kind, TOPO_NS_CREATED);
	assert_int_equal(ns_named(&t, "lab1-h2")->n_ifaces, 1);
	assert_int_equal(ns_named(&t, "host")->kind, TOPO_NS_IS_HOST);
	assert_int_equal(ns_named(&t, "att")->kind, TOPO_NS_PID);
	assert_string_equal(t.ns[t.checks[0].from].name, "lab1-h1");
	assert_string_equal(t.ns[t.links[1].end[1].ns].name, "lab1-h1");
	topology_free(&t);

	/* Without prefix: the names as written. */
	load_ok("topology: t\nnamespaces: {h1: {}}\n", &t);
	assert_string_equal(t.prefix, "");
	assert_int_equal(topology_ns_find(&t, "h1"), 0);
	topology_free(&t);

	EXPECT_ERRORS("topology: t\nprefix: -x\n", { 2, 9, "prefix '-x' is not valid: with a name after it, it must make "
							   "a namespace name ([A-Za-z0-9][A-Za-z0-9_.-]{0,63})" });
	EXPECT_ERRORS("topology: t\nprefix: a/b\n", { 2, 9, "prefix 'a/b' is not valid" });
	EXPECT_ERRORS("topology: t\nprefix: [a]\n", { 2, 9, "prefix must be a string, not a list" });
	EXPECT_ERRORS("topology: t\nprefix:\n", { 2, 8, "prefix is empty" });
	EXPECT_ERRORS(fmt("topology: t\nprefix: %.64s\n", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
		      { 2, 9, "is not valid" });
	EXPECT_ERRORS(fmt("topology: t\nprefix: %.60s\nnamespaces:\n  abcde: {}\n  abcd: {}\n",
			  "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"),
		      { 4, 3, "namespace abcde with prefix 'pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp' "
			      "makes a name longer than 64 bytes" });
	EXPECT_ERRORS("topology: t\nprefix: ho\nnamespaces:\n  st: {}\n",
		      { 4, 3, "namespace st with prefix 'ho' is called host, the namespace topo runs in" });
	EXPECT_ERRORS("topology: t\nprefix: a\nnamespaces:\n  ab: {path: /run/netns/x}\n  b: {}\n",
		      { 5, 3, "namespace b with prefix 'a' is called ab, like the namespace at line 4" });
}

static void test_yaml_tags(void **state)
{
	(void)state;
	/* Block style: libyaml reads `!br0` as a tag on an empty scalar. */
	EXPECT_ERRORS(NAT "      - masquerade:\n          out: !br0\n",
		      { 8, 16, "YAML tag '!br0' here: an unquoted value starting with '!' is a tag, "
			       "not a string; quote it: \"!br0\"" });
	/* Flow style: libyaml stops inside the tag, at the '}'. */
	EXPECT_ERRORS(NAT "      - masquerade: {out: !br0}\n",
		      { 7, 31, "an unquoted value starting with '!' is a YAML tag: quote it (e.g. out: \"!br0\")" });
	EXPECT_ERRORS(HEAD "    forward:\n      - {action: drop, in: !eth0 }\n",
		      { 7, 28, "quote it: \"!eth0\"" });
	EXPECT_ERRORS("topology: !!str t\n",
		      { 1, 11, "YAML tag 'tag:yaml.org,2002:str' is not supported; if it is meant as text, quote it" });
	EXPECT_ERRORS("topology: t\nnamespaces: !!map {}\n", { 2, 13, "YAML tag 'tag:yaml.org,2002:map' is not supported" });
}

static void test_yaml_syntax(void **state)
{
	(void)state;
	EXPECT_ERRORS("topology: t\nnamespaces: {web: \n",
		      { 3, 1, "invalid YAML: did not find expected node content while parsing a flow node" });
	EXPECT_ERRORS("topology: t\n\tnamespaces: {}\n", { 2, 1, "invalid YAML: found a tab character" });
	EXPECT_ERRORS("topology: \"t\n", { 2, 1, "invalid YAML: found unexpected end of stream" });
}

/* Binary and non-UTF-8 input are refused where they go wrong. */
static void test_encoding(void **state)
{
	static const unsigned char nul[] = "topology: a\0b\n";
	static const unsigned char elf[] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0 };
	static const unsigned char nul_line3[] = "topology: t\nnamespaces:\n  w\0b: {}\n";
	/* UTF-16 with a BOM: ASCII text is full of NUL bytes... */
	static const unsigned char u16_ascii[] = { 0xff, 0xfe, 't', 0, 'o', 0, 'p', 0 };
	/* ...and CJK text has none, which libyaml then reads as UTF-16. */
	static const unsigned char u16le[] = { 0xff, 0xfe, 0x2d, 0x4e, 0x2d, 0x4e };
	static const unsigned char u16be[] = { 0xfe, 0xff, 0x4e, 0x2d, 0x4e, 0x2d };

	(void)state;
	check_errors(nul, sizeof(nul) - 1, WANTS({ 1, 12, "a NUL byte: this is not a text file" }));
	check_errors(elf, sizeof(elf), WANTS({ 1, 8, "a NUL byte" }));
	check_errors(nul_line3, sizeof(nul_line3) - 1, WANTS({ 3, 4, "a NUL byte" }));
	check_errors(u16_ascii, sizeof(u16_ascii), WANTS({ 1, 4, "a NUL byte" }));
	check_errors(u16le, sizeof(u16le), WANTS({ 1, 1, "the file is in UTF-16LE; topology files must be UTF-8" }));
	check_errors(u16be, sizeof(u16be), WANTS({ 1, 1, "the file is in UTF-16BE; topology files must be UTF-8" }));
	/* Invalid UTF-8, at the bad byte (columns count characters). */
	EXPECT_ERRORS("topology: a\xff\n", { 1, 12, "invalid YAML: invalid leading UTF-8 octet" });
	EXPECT_ERRORS("topology: t\nnamespaces:\n  w\xc3\x28: {}\n", { 3, 5, "invalid trailing UTF-8 octet" });
	EXPECT_ERRORS("topology: t\n# \xc3\xa9\xc3\xa9 \xc0\xaf\n", { 2, 6, "invalid" });
	EXPECT_ERRORS("topology: t\xe2\x82", { 1, 12, "incomplete UTF-8 octet sequence" });

	/* A UTF-8 BOM and non-ASCII text are fine. */
	struct topology t;

	load_ok("\xef\xbb\xbftopology: t\nnamespaces:\n  \"web\":\n    interfaces:\n      \"\xc3\xa9t\": {type: bridge}\n", &t);
	assert_string_equal(t.ns[0].ifaces[0].name, "\xc3\xa9t");
	topology_free(&t);
}

static void test_empty_and_documents(void **state)
{
	struct topology t;

	(void)state;
	check_errors("", 0, WANTS({ 1, 1, "the file is empty; a topology needs at least 'topology: NAME'" }));
	EXPECT_ERRORS("# nothing\n\n   \n", { 1, 1, "the file is empty" });
	EXPECT_ERRORS("~\n", { 1, 1, "the file must be a mapping with 'topology:' and 'namespaces:', not empty" });
	EXPECT_ERRORS("---\n", { 2, 1, "not empty" });
	EXPECT_ERRORS("hello\n", { 1, 1, "the file must be a mapping with 'topology:' and 'namespaces:', not a scalar" });
	EXPECT_ERRORS("topology: a\n---\ntopology: b\n",
		      { 2, 1, "a second YAML document: a topology file holds exactly one (remove the '---')" });
	EXPECT_ERRORS("---\ntopology: a\n...\n---\n", { 4, 1, "a second YAML document" });

	/* One document, marked or not. */
	load_ok("---\ntopology: a\n...\n", &t);
	assert_string_equal(t.name, "a");
	assert_int_equal(t.n_ns, 0);
	topology_free(&t);
}

static void test_file_size(void **state)
{
	size_t max = 16u << 20;
	char *buf = malloc(max + 1);
	struct topology t;
	struct topo_diags d;

	(void)state;
	assert_non_null(buf);
	memset(buf, ' ', max + 1);
	check_errors(buf, max + 1, WANTS({ 1, 1, "the file is larger than 16 MiB" }));

	/* Exactly 16 MiB is still read. */
	memcpy(buf, "topology: big\n", 14);
	assert_int_equal(load_len(buf, max, &t, &d), 0);
	assert_string_equal(t.name, "big");
	topology_free(&t);
	topo_diags_free(&d);
	free(buf);
}

static void test_nesting_depth(void **state)
{
	char text[256];
	int n;

	(void)state;
	/* The root mapping and 31 lists: 32 levels, accepted by the parser. */
	n = snprintf(text, sizeof(text), "topology: t\nx: ");
	for (int i = 0; i < 31; i++)
		text[n++] = '[';
	for (int i = 0; i < 31; i++)
		text[n++] = ']';
	snprintf(text + n, sizeof(text) - (size_t)n, "\n");
	EXPECT_ERRORS(text, { 2, 1, "unknown key 'x' in the top level" });

	/* 33 levels: refused at the 33rd. */
	n = snprintf(text, sizeof(text), "topology: t\nx: ");
	for (int i = 0; i < 40; i++)
		text[n++] = '[';
	for (int i = 0; i < 40; i++)
		text[n++] = ']';
	snprintf(text + n, sizeof(text) - (size_t)n, "\n");
	EXPECT_ERRORS(text, { 2, 35, "nested more than 32 levels deep" });
}

/* ------------------------------------------------------- many errors -- */

/* Errors come all at once, in file order, from every part of the file. */
static void test_many_errors(void **state)
{
	(void)state;
	EXPECT_ERRORS("topology: T\n"                                         /* 1 */
		      "namespaces:\n"                                         /* 2 */
		      "  web:\n"                                              /* 3 */
		      "    interfaces:\n"                                     /* 4 */
		      "      b1: {type: bridge, mtu: 10}\n"                   /* 5 */
		      "      x: {}\n"                                         /* 6 */
		      "    routes:\n"                                         /* 7 */
		      "      - {to: 10.0.0.1/8, dev: b1}\n"                   /* 8 */
		      "    sysctls: {kernel.x: 1}\n"                          /* 9 */
		      "  bad/name: {}\n"                                      /* 10 */
		      "links:\n"                                              /* 11 */
		      "  - [web:a, nope:b]\n"                                 /* 12 */
		      "checks:\n"                                             /* 13 */
		      "  - {from: web, ping: 10.0.0.300}\n",                  /* 14 */
		      { 1, 11, "topology name 'T' is not valid" },
		      { 5, 31, "mtu must be an integer 68-65535" },
		      { 6, 7, "interface x has no type" },
		      { 8, 14, "has host bits set" },
		      { 9, 15, "sysctl key 'kernel.x'" },
		      { 10, 3, "namespace name 'bad/name' is not valid" },
		      { 12, 13, "link end 'nope:b' is in namespace 'nope'" },
		      { 14, 23, "ping '10.0.0.300' is not an IP address" });
}

static void test_diags_order_and_print(void **state)
{
	struct topology t;
	struct topo_diags d;
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	const char *text = HEAD "      x: {}\n      b1: {type: bridge, mtu: 1}\n";

	(void)state;
	assert_int_equal(load_len(text, strlen(text), &t, &d), -EINVAL);
	assert_int_equal(d.n, 2);
	f = open_memstream(&out, &len);
	assert_non_null(f);
	topo_diags_print(&d, "lab.yaml", f);
	fclose(f);
	assert_string_equal(out,
			    "lab.yaml:6:7: error: interface x has no type: add type: bridge|vxlan|macvlan, or make it a link end under links:\n"
			    "lab.yaml:7:31: error: mtu must be an integer 68-65535, not '1'\n");
	free(out);
	topo_diags_free(&d);
	assert_int_equal(d.n, 0);
	assert_null(d.v);
}

/* Past TOPO_MAX_DIAGS errors are counted, not kept, and the print says so. */
static void test_diags_cap(void **state)
{
	char *text = malloc(8192), *out = NULL;
	size_t n = 0, len = 0;
	struct topology t;
	struct topo_diags d;
	FILE *f;

	(void)state;
	assert_non_null(text);
	n += (size_t)snprintf(text + n, 8192 - n, HEAD);
	for (int i = 0; i < TOPO_MAX_DIAGS + 50; i++)
		n += (size_t)snprintf(text + n, 8192 - n, "      e%d: {}\n", i);
	assert_true(n < 8192);
	assert_int_equal(load_len(text, n, &t, &d), -EINVAL);
	assert_int_equal(d.n, TOPO_MAX_DIAGS);
	assert_int_equal(d.dropped, 50);
	assert_int_equal(d.v[0].pos.line, 6);
	assert_string_equal(d.v[0].msg, "interface e0 has no type: add type: bridge|vxlan|macvlan, or make it a link end under links:");
	assert_int_equal(d.v[TOPO_MAX_DIAGS - 1].pos.line, 6 + TOPO_MAX_DIAGS - 1);
	assert_int_equal(t.n_ns, 0);

	f = open_memstream(&out, &len);
	assert_non_null(f);
	topo_diags_print(&d, "t.yaml", f);
	fclose(f);
	assert_non_null(strstr(out, "t.yaml:105:7: error: interface e99 has no type"));
	assert_non_null(strstr(out, "\nt.yaml: error: 50 more errors not shown\n"));
	free(out);
	topo_diags_free(&d);
	free(text);
}

/* ------------------------------------------------------------ limits -- */

static char *namespaces_file(int count, size_t *ret_len)
{
	size_t cap = 32 + (size_t)count * 16, n = 0;
	char *text = malloc(cap);

	assert_non_null(text);
	n += (size_t)snprintf(text, cap, "topology: t\nnamespaces:\n");
	for (int i = 0; i < count; i++)
		n += (size_t)snprintf(text + n, cap - n, "  n%d:\n", i);
	*ret_len = n;
	return text;
}

static void test_namespace_limit(void **state)
{
	struct topology t;
	struct topo_diags d;
	size_t len;
	char *text;

	(void)state;
	text = namespaces_file(TOPO_MAX_NAMESPACES, &len);
	assert_int_equal(load_len(text, len, &t, &d), 0);
	assert_int_equal(t.n_ns, TOPO_MAX_NAMESPACES);
	assert_string_equal(t.ns[4095].name, "n4095");
	topology_free(&t);
	topo_diags_free(&d);
	/* host comes on top: the limit is on the lab's own namespaces. */
	{
		char *more = malloc(len + 32);

		assert_non_null(more);
		memcpy(more, text, len);
		memcpy(more + len, "  host: {}\n", 11);
		assert_int_equal(load_len(more, len + 11, &t, &d), 0);
		assert_int_equal(t.n_ns, TOPO_MAX_NAMESPACES + 1);
		topology_free(&t);
		topo_diags_free(&d);
		free(more);
	}

	free(text);

	/* One more: one error, at the namespace past the limit (line 2 + 4097). */
	text = namespaces_file(TOPO_MAX_NAMESPACES + 3, &len);
	check_errors(text, len, WANTS({ 4099, 3, "more than 4096 namespaces in one file (topo's limit)" }));
	free(text);
}

/* ------------------------------------------------------------ files -- */

/* The fuzzer's seeds double as the loader's bad-input files: each good-*
 * loads, each bad-* is refused with at least one positioned error. The
 * suite runs from the top of the source tree (make unit). */
#define SEEDS "tests/fuzz/seeds"

static void test_seed_files(void **state)
{
	DIR *dir = opendir(SEEDS);
	struct dirent *e;
	unsigned good = 0, bad = 0;

	(void)state;
	assert_non_null(dir);
	while ((e = readdir(dir))) {
		struct topology t;
		struct topo_diags d;
		char path[512];
		int r;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), SEEDS "/%s", e->d_name);
		r = topo_load_file(path, &t, &d);
		if (strncmp(e->d_name, "good-", 5) == 0) {
			if (r != 0) {
				print_message("%s:\n", path);
				dump_diags(&d);
			}
			assert_int_equal(r, 0);
			assert_string_equal(t.file, path);
			good++;
		} else {
			if (r != -EINVAL || d.n == 0)
				print_message("%s: not refused (%d)\n", path, r);
			assert_int_equal(r, -EINVAL);
			assert_true(d.n > 0);
			assert_true(d.v[0].pos.line >= 1 && d.v[0].pos.col >= 1);
			bad++;
		}
		topology_free(&t);
		topo_diags_free(&d);
	}
	closedir(dir);
	assert_true(good >= 3);
	assert_true(bad >= 12);
}

static void test_load_file_errors(void **state)
{
	struct topology t;
	struct topo_diags d;
	char path[] = "/tmp/topo-test-XXXXXX";
	size_t max = 16u << 20;
	char *buf = malloc(max + 1);
	int fd;

	(void)state;
	assert_int_equal(topo_load_file("/nonexistent/topo.yaml", &t, &d), -ENOENT);
	assert_int_equal(d.n, 0);
	assert_int_equal(topo_load_file("/", &t, &d), -EISDIR);

	/* Past 16 MiB on disk too, however the file was written. */
	assert_non_null(buf);
	memset(buf, '#', max + 1);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, max + 1), (ssize_t)(max + 1));
	close(fd);
	free(buf);
	assert_int_equal(topo_load_file(path, &t, &d), -EINVAL);
	unlink(path);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].msg, "the file is larger than 16 MiB");
	topo_diags_free(&d);
}


/* ------------------------------------------- what apply would fail on -- */

/* A sysctl value is one line of printable text (tabs are blanks). */
static void test_sysctl_value_control_chars(void **state)
{
	struct topology t;

	(void)state;
	load_ok(HEAD "    sysctls:\n      net.ipv4.ip_local_port_range: \"1024\\t2048\"\n"
		"      net.ipv4.tcp_congestion_control: \"caf\xc3\xa9\"\n", &t);
	assert_string_equal(t.ns[0].sysctls[0].value, "1024 2048");
	topology_free(&t);

	EXPECT_ERRORS(HEAD "    sysctls:\n      net.a: \"1\\n2\"\n",
		      { 7, 14, "sysctl net.a: the value holds a line break; /proc/sys takes one line "
			       "(separate several values with spaces)" });
	EXPECT_ERRORS(HEAD "    sysctls:\n      net.a: \"1\\r\"\n", { 7, 14, "sysctl net.a: the value holds a line break" });
	/* A literal block keeps its line breaks. */
	EXPECT_ERRORS(HEAD "    sysctls:\n      net.a: |\n        1\n        2\n",
		      { 7, 14, "sysctl net.a: the value holds a line break" });
	static const struct { const char *in, *code; } ctl[] = {
		{ "\\x01", "\\x01" }, { "a\\eb", "\\x1b" }, { "\\x7f", "\\x7f" }, { "1\\x85", "\\x85" },
		{ "\\x9f", "\\x9f" }, { "\\b", "\\x08" },
	};

	for (size_t i = 0; i < sizeof(ctl) / sizeof(ctl[0]); i++)
		EXPECT_ERRORS(fmt(HEAD "    sysctls:\n      net.a: \"%s\"\n", ctl[i].in),
			      { 7, 14, fmt("sysctl net.a: the value holds the control character %s; the kernel refuses it "
					   "(values are printable text)", ctl[i].code) });
}

/* Below 1280 the kernel takes IPv6 off a link. */
static void test_ipv6_mtu(void **state)
{
	struct topology t;

	(void)state;
	load_ok(HEAD "      b1: {type: bridge, mtu: 1280, addresses: [\"fd00::1/64\"]}\n"
		"      b2: {type: bridge, mtu: 1279, addresses: [10.0.0.1/24]}\n"
		"      b3: {type: bridge, mtu: 1500, addresses: [\"fd00:3::1/64\"]}\n"
		"      p3: {master: b3, mtu: 1000}\n"
		"      u: {type: bridge, mtu: 1330}\n"
		"      vx: {type: vxlan, vni: 1, dev: u, addresses: [\"fd00:4::1/64\"]}\n"
		"      lo: {addresses: [\"::2/128\"]}\n"
		"    routes:\n      - {to: \"fd00:9::/64\", dev: b1}\n      - {to: 10.9.0.0/24, dev: b2}\n"
		"  o:\n    interfaces: {q3: {}}\nlinks:\n  - [web:p3, o:q3]\n", &t);
	topology_free(&t);

	EXPECT_ERRORS(HEAD "      b1: {type: bridge, mtu: 1279, addresses: [10.0.0.1/24, \"fd00::1/64\"]}\n",
		      { 6, 62, "IPv6 address fd00::1/64 on b1, whose mtu is 1279: the kernel turns IPv6 off on a link "
			       "with an mtu below 1280 (raise the mtu, or drop the address)" });
	/* A link's mtu is its ends'. */
	EXPECT_ERRORS("topology: t\nnamespaces:\n  a:\n    interfaces:\n      e: {addresses: [\"fd00::1/64\"]}\n"
		      "  b:\nlinks:\n  - {endpoints: [a:e, b:f], mtu: 1000}\n",
		      { 5, 23, "IPv6 address fd00::1/64 on e, whose mtu is 1000: the kernel turns IPv6 off" });
	/* A bridge without its own mtu follows its smallest port. */
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, addresses: [\"fd00::1/64\"]}\n"
		      "      p1: {master: b1, mtu: 1400}\n      p2: {master: b1, mtu: 1200}\n"
		      "  o:\nlinks:\n  - [web:p1, o:q1]\n  - [web:p2, o:q2]\n",
		      { 6, 38, "IPv6 address fd00::1/64 on b1, whose mtu is 1200 (that of its port p2): the kernel turns "
			       "IPv6 off" });
	/* A vxlan without one takes its dev's, less 50 (70 over IPv6). */
	EXPECT_ERRORS(HEAD "      u: {type: bridge, mtu: 1329}\n"
		      "      vx: {type: vxlan, vni: 1, dev: u, addresses: [\"fd00::1/64\"]}\n",
		      { 7, 53, "IPv6 address fd00::1/64 on vx, whose mtu is 1279 (dev u's 1329 less 50 for the vxlan "
			       "headers): the kernel turns IPv6 off" });
	EXPECT_ERRORS(HEAD "      u: {type: bridge, mtu: 1340}\n"
		      "      vx: {type: vxlan, vni: 1, dev: u, remote: \"fd01::2\", addresses: [\"fd00::1/64\"]}\n",
		      { 7, 72, "on vx, whose mtu is 1270 (dev u's 1340 less 70 for the vxlan headers)" });
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, mtu: 1000}\n    routes:\n      - {to: \"fd00:9::/64\", dev: b1}\n",
		      { 8, 9, "IPv6 route to fd00:9::/64 through b1, whose mtu is 1000: the kernel turns IPv6 off on a "
			      "link with an mtu below 1280 (raise the mtu)" });
}

/* The kernel's own link-local address (EUI-64 of the MAC) cannot be
 * declared; any other link-local address is topo's like any address. */
static void test_link_local(void **state)
{
	static const uint8_t fe80_1[16] = { 0xfe, 0x80, [15] = 1 };
	struct topology t;

	(void)state;
	load_ok(HEAD "      b1: {type: bridge, addresses: [\"fe80::1/64\", \"fe80::abcd:1/64\"]}\n"
		"      b2: {type: bridge, mac: \"02:00:00:00:00:02\", addresses: [\"fe80::ff:fe00:1/64\"]}\n"
		"      b3: {type: bridge, addresses: [\"fe80:1::ff:fe00:1/64\", \"fd00::ff:fe00:1/64\"]}\n"
		"      lo: {addresses: [\"fe80::ff:fe00:1/64\"]}\n", &t);
	assert_ip(&if_named(&t.ns[0], "b1")->addrs[0].ip, AF_INET6, 64, fe80_1);
	topology_free(&t);

	EXPECT_ERRORS(HEAD "      b1: {type: bridge, mac: \"02:00:00:00:00:01\", addresses: [\"fe80::ff:fe00:1/64\"]}\n",
		      { 6, 64, "address fe80::ff:fe00:1 on b1 is the link-local address the kernel makes itself from "
			       "mac 02:00:00:00:00:01: leave it out, or use another id (e.g. fe80::1/64)" });
	/* Whatever the prefix length and spelling; the mac after the address. */
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, addresses: [\"FE80:0::a8BB:CCff:FEdd:eeff/128\"], mac: \"AA:BB:CC:DD:EE:FF\"}\n",
		      { 6, 38, "address fe80::a8bb:ccff:fedd:eeff on b1 is the link-local address the kernel makes itself "
			       "from mac aa:bb:cc:dd:ee:ff" });
	EXPECT_ERRORS(HEAD "      b1: {type: bridge, addresses: [\"fe80::1234:56ff:fe78:9abc/64\"]}\n",
		      { 6, 38, "address fe80::1234:56ff:fe78:9abc on b1 has an EUI-64 interface id, like the link-local "
			       "address the kernel makes from the MAC, which this file does not set: declare mac, or use "
			       "another id (e.g. fe80::1/64)" });
}

/* -------------------------------------------------- one scalar rule -- */

/* s as yaml_scalar_write writes it; the caller frees. */
static char *scalar_text(const char *s, int *ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*ret = yaml_scalar_write(f, s);
	fclose(f);
	return buf;
}

/* What the writer writes, the loader reads back as the same string: as a
 * path (any text), an interface name and a namespace name, in block and
 * flow style; and the loader's plain readings are exactly what it quotes. */
static void test_scalar_round_trip(void **state)
{
	static const char *const texts[] = {
		"NULL", "null", "Null", "~", "true", "True", "TRUE", "false", "yes", "No", "ON", "off", "y", "N",
		"0x1", "1e3", "1_000", "0o7", "017", ".inf", "-.inf", ".NaN", "+1", "-1", "1:20", "1.5", "",
		"a\"b", "c\\d", "e#f", "e #f", "g: h", "g:h", "-x", "- x", "?", "? x", "[x]", "{y}", "a,b", "&a",
		"*a", "!t", "%p", "@q", "`r", "'s", "|h", ">g", "=", "<<", "---", "...", " lead", "trail ", "a\tb",
		"a\nb", "a\rb", "\x01", "\x1b[31m", "\x7f", "\xc2\x80", "\xc2\x85z", "\xc2\xa0", "\xe2\x80\xa8",
		"\xe2\x80\xa9", "\xef\xbb\xbf", "\xef\xbf\xbe", "\xef\xbf\xbf", "\xf0\x9f\x98\x80", "caf\xc3\xa9",
		"eth0", "br-pub", "a.b", "x/y", "_u",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		const char *s = texts[i];
		struct topology t;
		int r;
		char *path = malloc(strlen(s) + 2), *w, *wp;

		assert_non_null(path);
		sprintf(path, "/%s", s);
		wp = scalar_text(path, &r);
		assert_int_equal(r, 0);
		w = scalar_text(s, &r);
		assert_int_equal(r, 0);
		load_ok(fmt("topology: t\nnamespaces:\n  a:\n    path: %s\n  b: {path: %s}\n", wp, wp), &t);
		assert_string_equal(t.ns[0].path, path);
		assert_string_equal(t.ns[1].path, path);
		topology_free(&t);
		/* Names the file's rules allow. */
		if (topo_ifname_valid(s)) {
			load_ok(fmt("topology: t\nnamespaces:\n  host:\n    interfaces:\n      %s: {type: bridge}\n"
				    "      p: {type: bridge, master: %s}\n", w, w), &t);
			assert_string_equal(t.ns[0].ifaces[0].name, s);
			assert_string_equal(t.ns[0].ifaces[1].master, s);
			topology_free(&t);
		}
		if (topo_ns_name_valid(s)) {
			char end[80], *we;

			snprintf(end, sizeof(end), "%s:v", s);
			we = scalar_text(end, &r);
			load_ok(fmt("topology: t\nnamespaces:\n  %s:\n  x: {}\nlinks:\n  - [%s, x:e]\n", w, we), &t);
			assert_string_equal(t.ns[0].name, s);
			assert_int_equal(t.n_links, 1);
			assert_string_equal(t.ns[0].ifaces[0].name, "v");
			topology_free(&t);
			free(we);
		}
		/* Written plain only when the loader reads it as this text. */
		bool b;
		uint64_t u;

		if (yaml_plain_safe(s)) {
			assert_string_equal(w, s);
			assert_false(yaml_plain_is_null(s) || yaml_plain_bool(s, &b) || yaml_plain_uint(s, &u));
		} else {
			assert_int_equal(w[0], '"');
		}
		free(w);
		free(wp);
		free(path);
	}
}

/* No YAML scalar holds a byte that is not UTF-8 (libyaml reads "\xff" as
 * U+00FF): the writer refuses, and writes nothing. */
static void test_scalar_not_utf8(void **state)
{
	static const char *const bad[] = {
		"\xff", "a\x80", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc3", "\xe2\x82",
	};
	int r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *w = scalar_text(bad[i], &r);

		assert_int_equal(r, -EILSEQ);
		assert_string_equal(w, "");
		free(w);
		assert_false(yaml_text_printable(bad[i]));
	}
	assert_false(yaml_text_printable("a\x01"));
	assert_false(yaml_text_printable("\x7f"));
	assert_true(yaml_text_printable("\xc2\x85 caf\xc3\xa9"));
	/* The loader's plain readings, from the one table. */
	bool b = false;
	uint64_t u;

	assert_true(yaml_plain_bool("ON", &b) && b);
	assert_true(yaml_plain_bool("No", &b) && !b);
	assert_false(yaml_plain_bool("y", &b));
	assert_true(yaml_plain_is_null("~") && yaml_plain_is_null("NULL") && !yaml_plain_is_null("nULL"));
	assert_true(yaml_plain_uint("18446744073709551615", &u) && u == UINT64_MAX);
	assert_false(yaml_plain_uint("18446744073709551616", &u));
	assert_false(yaml_plain_uint("0x1", &u) || yaml_plain_uint("+1", &u) || yaml_plain_uint("", &u));
}

/* Names the kernel and the file allow that YAML would read as something
 * else: quoted, they are names; plain, the loader says what it read. */
static void test_hostile_names(void **state)
{
	static const char *const names[] = { "NULL", "true", "0x1", "1e3", "yes", "No", "ON", "y", "1_000" };
	struct topology t;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		load_ok(fmt("topology: t\nnamespaces:\n  \"%s\":\n    interfaces:\n      \"%s\": {type: bridge}\n"
			    "  b:\nlinks:\n  - [\"%s:v\", \"b:%s\"]\n", names[i], names[i], names[i], names[i]), &t);
		assert_string_equal(t.ns[0].name, names[i]);
		assert_string_equal(t.ns[0].ifaces[0].name, names[i]);
		assert_string_equal(t.ns[1].ifaces[0].name, names[i]);
		topology_free(&t);
	}
	/* Plain true, 0x1, 1e3 are text where the schema wants a name. */
	load_ok("topology: t\nnamespaces:\n  true:\n  0x1:\n  1e3: {interfaces: {ON: {type: bridge}}}\n", &t);
	assert_string_equal(t.ns[0].name, "true");
	assert_string_equal(t.ns[1].name, "0x1");
	assert_string_equal(t.ns[2].ifaces[0].name, "ON");
	topology_free(&t);
	/* Plain NULL and ~ are null. */
	EXPECT_ERRORS("topology: t\nnamespaces:\n  NULL:\n", { 3, 3, "namespace name is empty" });
	EXPECT_ERRORS(HEAD "      ~: {type: bridge}\n", { 6, 7, "interface name is empty" });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contract_example),
		cmocka_unit_test(test_file_name_default),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_scalar_types),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_duplicate_keys_many),
		cmocka_unit_test(test_link_ends),
		cmocka_unit_test(test_link_rejected_adds_nothing),
		cmocka_unit_test(test_link_implicit_and_mtu),
		cmocka_unit_test(test_addr_gen_mode),
		cmocka_unit_test(test_topology_names),
		cmocka_unit_test(test_namespace_names),
		cmocka_unit_test(test_interface_names),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_vxlan),
		cmocka_unit_test(test_macvlan),
		cmocka_unit_test(test_link_options),
		cmocka_unit_test(test_master),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_route_to),
		cmocka_unit_test(test_route_via_src),
		cmocka_unit_test(test_route_dev),
		cmocka_unit_test(test_route_metric_table),
		cmocka_unit_test(test_route_types),
		cmocka_unit_test(test_route_nexthops),
		cmocka_unit_test(test_route_options),
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_shaping),
		cmocka_unit_test(test_mtu),
		cmocka_unit_test(test_mac),
		cmocka_unit_test(test_dnat_ports),
		cmocka_unit_test(test_dnat_to_protocol),
		cmocka_unit_test(test_snat_masquerade),
		cmocka_unit_test(test_ifmatch),
		cmocka_unit_test(test_forward),
		cmocka_unit_test(test_sysctl_values),
		cmocka_unit_test(test_sysctl_keys),
		cmocka_unit_test(test_path_pid),
		cmocka_unit_test(test_docker_key),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_check_receivers),
		cmocka_unit_test(test_check_isolated),
		cmocka_unit_test(test_check_rules),
		cmocka_unit_test(test_yaml_alias_anchor),
		cmocka_unit_test(test_yaml_alias_errors),
		cmocka_unit_test(test_yaml_merge),
		cmocka_unit_test(test_yaml_billion_laughs),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_yaml_tags),
		cmocka_unit_test(test_yaml_syntax),
		cmocka_unit_test(test_encoding),
		cmocka_unit_test(test_empty_and_documents),
		cmocka_unit_test(test_file_size),
		cmocka_unit_test(test_nesting_depth),
		cmocka_unit_test(test_many_errors),
		cmocka_unit_test(test_diags_order_and_print),
		cmocka_unit_test(test_diags_cap),
		cmocka_unit_test(test_namespace_limit),
		cmocka_unit_test(test_seed_files),
		cmocka_unit_test(test_load_file_errors),
		cmocka_unit_test(test_sysctl_value_control_chars),
		cmocka_unit_test(test_ipv6_mtu),
		cmocka_unit_test(test_link_local),
		cmocka_unit_test(test_scalar_round_trip),
		cmocka_unit_test(test_scalar_not_utf8),
		cmocka_unit_test(test_hostile_names),
	};

	return cmocka_run_group_tests_name("loader", tests, NULL, NULL);
}
