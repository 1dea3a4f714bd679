// SPDX-License-Identifier: MIT
/*
 * Table kinds (model/kind.h): the loader rules of rules: and nexthops: and
 * route nhid (a file that passes and files that break each rule, with the
 * exact line, column and wording), the generic diff through the kinds'
 * tables (add, converge, drift, foreign twins, --adopt, the kernel's default
 * rules displaced and put back, cascades for rollback), and the printer.
 */
#include "tests/unit/fixtures.h"

#include "model/kind_neigh.h"
#include "model/kind_nexthop.h"
#include "model/kind_rule.h"
#include "reconcile/owner.h"

struct want {
	unsigned line, col;
	const char *sub;
};

static void expect_errors(const char *text, const struct want *w, size_t n)
{
	struct topology t;
	struct topo_diags d;
	int r = topo_load_buffer("t.yaml", (const unsigned char *)text, strlen(text), &t, &d);
	bool ok = r == -EINVAL && d.n == n;

	for (size_t i = 0; ok && i < n; i++) {
		bool found = false;

		for (size_t j = 0; j < d.n && !found; j++)
			found = d.v[j].pos.line == w[i].line && d.v[j].pos.col == w[i].col && strstr(d.v[j].msg, w[i].sub);
		ok = found;
	}
	if (!ok) {
		print_message("r=%d, %zu errors; wanted %zu:\n", r, d.n, n);
		for (size_t i = 0; i < n; i++)
			print_message("    want %u:%u: ...%s...\n", w[i].line, w[i].col, w[i].sub);
		for (size_t i = 0; i < d.n; i++)
			print_message("    got  %u:%u: %s\n", d.v[i].pos.line, d.v[i].pos.col, d.v[i].msg);
	}
	topology_free(&t);
	topo_diags_free(&d);
	assert_true(ok);
}

#define WANTS(...) (const struct want[]){ __VA_ARGS__ }, \
	sizeof((const struct want[]){ __VA_ARGS__ }) / sizeof(struct want)
#define EXPECT_ERRORS(text, ...) expect_errors((text), WANTS(__VA_ARGS__))

#define HEAD \
	"topology: t\n"                                  /* 1 */ \
	"namespaces:\n"                                  /* 2 */ \
	"  web:\n"                                       /* 3 */ \
	"    interfaces:\n"                              /* 4 */ \
	"      br0: {type: bridge, addresses: [10.0.0.1/24]}\n"   /* 5 */

static const struct topo_rule *rule_at(const struct topology *t, size_t ns, size_t i)
{
	size_t slot = topo_kind_slot(&topo_kind_rule);

	assert_true(i < t->ns[ns].objs[slot].n);
	return topo_obj_at(&topo_kind_rule, &t->ns[ns].objs[slot], i);
}

static const struct topo_nexthop *nh_at(const struct topology *t, size_t ns, size_t i)
{
	size_t slot = topo_kind_slot(&topo_kind_nexthop);

	assert_true(i < t->ns[ns].objs[slot].n);
	return topo_obj_at(&topo_kind_nexthop, &t->ns[ns].objs[slot], i);
}

/* ----------------------------------------------------------------- loader -- */

static void test_rules_load(void **state)
{
	struct topology t;
	char buf[512];

	(void)state;
	fx_load(HEAD "    rules:\n"
		"      - {priority: 100, from: 10.1.0.0/24, to: 192.0.2.0/24, iif: br0, oif: lo, fwmark: 0x10/0xff,\n"
		"         tos: 0x10, ipproto: tcp, sport: 80, dport: 1000-2000, uidrange: 0-100, table: 100}\n"
		"      - {priority: 5, table: local, replace_default: true}\n"
		"      - {priority: 6, family: ipv6, action: prohibit}\n"
		"      - {priority: 7, to: fd00::/8, fwmark: 3}\n", &t);
	const struct topo_rule *r = rule_at(&t, 0, 0);

	assert_int_equal(r->family, AF_INET);
	assert_int_equal(r->fwmark, 0x10);
	assert_int_equal(r->fwmask, 0xff);
	assert_int_equal(r->ipproto, 6);
	assert_int_equal(r->sport_lo, 80);
	assert_int_equal(r->sport_hi, 80);
	assert_int_equal(r->dport_hi, 2000);
	assert_int_equal(r->table, 100);
	assert_int_equal(r->pos.line, 7);
	assert_int_equal(r->pos.col, 9);
	topo_obj_format(&topo_kind_rule, r, buf, sizeof(buf));
	assert_string_equal(buf, "pref 100 from 10.1.0.0/24 to 192.0.2.0/24 iif br0 oif lo fwmark 0x10/0xff tos 0x10 "
				 "ipproto tcp sport 80 dport 1000-2000 uidrange 0-100 lookup 100");
	r = rule_at(&t, 0, 1);
	assert_true(r->replace_default);
	assert_int_equal(r->table, TOPO_TABLE_LOCAL);
	topo_obj_format(&topo_kind_rule, r, buf, sizeof(buf));
	assert_string_equal(buf, "pref 5 from all lookup local");
	r = rule_at(&t, 0, 2);
	assert_int_equal(r->family, AF_INET6);
	assert_int_equal(r->table, 0);
	topo_obj_format(&topo_kind_rule, r, buf, sizeof(buf));
	assert_string_equal(buf, "pref 6 from all prohibit (ipv6)");
	r = rule_at(&t, 0, 3);
	assert_int_equal(r->family, AF_INET6);
	assert_int_equal(r->fwmask, 0xffffffffu);
	assert_int_equal(r->table, TOPO_TABLE_MAIN);
	topology_free(&t);
}

static void test_rules_errors(void **state)
{
	(void)state;
	EXPECT_ERRORS(HEAD "    rules:\n      - {from: 10.0.0.0/8, table: 100}\n",
		      { 7, 9, "a rule needs 'priority' (without one the kernel picks it)" });
	EXPECT_ERRORS(HEAD "    rules:\n      - {priority: 1, colour: red}\n",
		      { 7, 23, "unknown key 'colour' in a rule (accepted: priority, family, from, to, iif, oif, fwmark" });
	EXPECT_ERRORS(HEAD "    rules:\n      - {priority: 1, from: 10.0.0.1/8}\n",
		      { 7, 29, "rule 'from' '10.0.0.1/8' has host bits set; the network is 10.0.0.0/8" });
	EXPECT_ERRORS(HEAD "    rules:\n      - {priority: 1, from: 10.0.0.0/8, to: 'fd00::/8'}\n",
		      { 7, 45, "rule 'to' is not in the same address family as 'from'" });
	EXPECT_ERRORS(HEAD "    rules:\n      - {priority: 1, family: ipv6, from: 10.0.0.0/8}\n",
		      { 7, 31, "family says ipv6, but the rule's addresses are ipv4" });
	EXPECT_ERRORS(HEAD "    rules:\n      - {priority: 1, action: blackhole, table: 100}\n",
		      { 7, 49, "a blackhole rule takes no table" });
	EXPECT_ERRORS(HEAD "    rules:\n      - {priority: 1, action: goto}\n",
		      { 7, 31, "rule action 'goto' is not one of lookup, blackhole, unreachable, prohibit" });
	EXPECT_ERRORS(HEAD "    rules:\n      - {priority: 1, dport: 80}\n",
		      { 7, 30, "sport and dport need 'ipproto' (tcp, udp or sctp)" });
	EXPECT_ERRORS(HEAD "    rules:\n      - {priority: 1, fwmark: 0x1/0}\n",
		      { 7, 9, "fwmark with mask 0 matches every packet" });
	EXPECT_ERRORS(HEAD "    rules:\n      - {priority: 1, fwmark: lots}\n",
		      { 7, 31, "fwmark must be MARK or MARK/MASK" });
	EXPECT_ERRORS(HEAD "    rules:\n      - {priority: 1, uidrange: 9-3}\n",
		      { 7, 33, "uidrange must be UID or \"LOW-HIGH\" with LOW <= HIGH" });
	EXPECT_ERRORS(HEAD "    rules:\n      - {priority: 1, table: 100, replace_default: true}\n",
		      { 7, 52, "replace_default needs a rule that looks up a table with a kernel default rule: local, main or default" });
	EXPECT_ERRORS(HEAD "    rules:\n      - {priority: 1, family: ipv6, table: default, replace_default: true}\n",
		      { 7, 70, "(IPv6 has no default-table rule)" });
	EXPECT_ERRORS(HEAD "    rules:\n      - {priority: 1, iif: eth9}\n",
		      { 7, 9, "rule iif 'eth9' is not an interface of namespace web" });
	EXPECT_ERRORS(HEAD "    rules:\n      - {priority: 1, table: 100}\n      - {priority: 1, table: 100}\n",
		      { 8, 9, "the same rule as at line 7, column 9" });
	EXPECT_ERRORS(HEAD "    rules: {priority: 1}\n",
		      { 6, 12, "rules must be a list, not a mapping" });
	EXPECT_ERRORS(HEAD "    rulez: []\n",
		      { 6, 5, "unknown key 'rulez' in a namespace (accepted: path, pid, interfaces, routes, absent, sysctls, nat, "
			      "forward, nft, filter, docker, docker_socket, nexthops, rules, neighbours)" });
}

static void test_nexthops_load(void **state)
{
	struct topology t;
	char buf[512];

	(void)state;
	fx_load(HEAD "    nexthops:\n"
		"      - {id: 1, via: 10.0.0.2, dev: br0}\n"
		"      - {id: 2, via: 10.9.0.2, dev: br0, onlink: true}\n"
		"      - {id: 3, blackhole: true}\n"
		"      - {id: 10, group: [{id: 2, weight: 3}, {id: 1}]}\n"
		"    routes:\n"
		"      - {to: 198.51.100.0/24, nhid: 10}\n", &t);
	const struct topo_nexthop *g = nh_at(&t, 0, 3);

	assert_int_equal(g->n_group, 2);
	assert_int_equal(g->group[0].id, 1);   /* sorted by id */
	assert_int_equal(g->group[1].weight, 3);
	topo_obj_format(&topo_kind_nexthop, g, buf, sizeof(buf));
	assert_string_equal(buf, "id 10 group 1/2,3");
	topo_obj_format(&topo_kind_nexthop, nh_at(&t, 0, 1), buf, sizeof(buf));
	assert_string_equal(buf, "id 2 via 10.9.0.2 dev br0 onlink");
	assert_int_equal(t.ns[0].routes[0].nhid, 10);
	topology_free(&t);
}

static void test_nexthops_errors(void **state)
{
	(void)state;
	EXPECT_ERRORS(HEAD "    nexthops:\n      - {via: 10.0.0.2, dev: br0}\n",
		      { 7, 9, "a nexthop needs 'id' (1-4294967295)" });
	EXPECT_ERRORS(HEAD "    nexthops:\n      - {id: 1, via: 10.0.0.2}\n",
		      { 7, 9, "a nexthop needs 'dev' (with or without 'via'), 'blackhole: true' or 'group'" });
	EXPECT_ERRORS(HEAD "    nexthops:\n      - {id: 1, blackhole: true, dev: br0}\n",
		      { 7, 28, "a blackhole nexthop takes no via, dev or onlink" });
	EXPECT_ERRORS(HEAD "    nexthops:\n      - {id: 1, dev: br0, onlink: true}\n",
		      { 7, 35, "onlink needs 'via'" });
	EXPECT_ERRORS(HEAD "    nexthops:\n      - {id: 1, dev: br0}\n      - {id: 2, group: [{id: 1}], dev: br0}\n",
		      { 8, 24, "a group takes no via, dev, onlink or blackhole" });
	EXPECT_ERRORS(HEAD "    nexthops:\n      - {id: 1, dev: br0}\n      - {id: 2, group: [{id: 1}, {id: 1, weight: 2}]}\n",
		      { 8, 24, "member 1 is in the group twice" });
	EXPECT_ERRORS(HEAD "    nexthops:\n      - {id: 1, dev: br0}\n      - {id: 2, group: [{id: 1, weight: 257}]}\n",
		      { 8, 41, "weight must be an integer 1-256, not '257'" });
	EXPECT_ERRORS(HEAD "    nexthops:\n      - {id: 2, group: [{id: 7}]}\n",
		      { 7, 9, "group member 7 is not a nexthop of namespace web" });
	EXPECT_ERRORS(HEAD "    nexthops:\n      - {id: 1, blackhole: true}\n      - {id: 2, group: [{id: 1}]}\n",
		      { 8, 9, "group member 1 is a blackhole" });
	EXPECT_ERRORS(HEAD "    nexthops:\n      - {id: 1, dev: br0}\n      - {id: 1, dev: br0}\n",
		      { 8, 9, "nexthop id 1 is declared twice (first at line 7, column 9)" });
	EXPECT_ERRORS(HEAD "    nexthops:\n      - {id: 1, dev: eth7}\n",
		      { 7, 9, "nexthop dev 'eth7' is not an interface of namespace web" });
	EXPECT_ERRORS(HEAD "    routes:\n      - {to: 10.9.0.0/16, nhid: 4}\n",
		      { 7, 9, "route nhid 4 is not a nexthop of namespace web (declare it under nexthops:)" });
	EXPECT_ERRORS(HEAD "    nexthops:\n      - {id: 4, dev: br0}\n    routes:\n      - {to: 10.9.0.0/16, nhid: 4, dev: br0}\n",
		      { 9, 33, "a route with nhid takes no 'via', 'dev', 'nexthops' or 'type'" });
}

static void test_neighbours(void **state)
{
	struct topology t, o;
	struct diff_result r;
	char buf[256];
	size_t slot = topo_kind_slot(&topo_kind_neigh);

	(void)state;
	fx_load(HEAD "    neighbours:\n"
		"      - {ip: 10.0.0.2, lladdr: \"02:00:00:00:00:02\", dev: br0}\n"
		"      - {ip: \"fd00::2\", lladdr: \"02:00:00:00:00:02\", dev: br0}\n", &t);
	assert_int_equal(t.ns[0].objs[slot].n, 2);
	topo_obj_format(&topo_kind_neigh, topo_obj_at(&topo_kind_neigh, &t.ns[0].objs[slot], 0), buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.2 lladdr 02:00:00:00:00:02 dev br0 nud permanent");
	/* Converged, then the MAC changed by hand: replaced in place. */
	fx_observe_converged(&t, &o);
	assert_int_equal(topo_diff(&t, &o, NULL, &r), 0);
	fx_assert_plan(&r.plan, "");
	diff_result_free(&r);
	((struct topo_neigh *)topo_obj_at(&topo_kind_neigh, &o.ns[1].objs[slot], 0))->mac[5] = 9;
	assert_int_equal(topo_diff(&t, &o, NULL, &r), 0);
	fx_assert_plan(&r.plan, "~ neigh replace 10.0.0.2 lladdr 02:00:00:00:00:02 dev br0 nud permanent netns web\n");
	diff_result_free(&r);
	topology_free(&o);
	topology_free(&t);

	EXPECT_ERRORS(HEAD "    neighbours:\n      - {ip: 10.0.0.2, dev: br0}\n",
		      { 7, 9, "a neighbour needs 'ip', 'lladdr' and 'dev'" });
	EXPECT_ERRORS(HEAD "    neighbours:\n      - {ip: 10.0.0.2, lladdr: zz, dev: br0}\n",
		      { 7, 32, "lladdr 'zz' is not a MAC address" });
	EXPECT_ERRORS(HEAD "    neighbours:\n      - {ip: 10.0.0.0/24, lladdr: \"02:00:00:00:00:02\", dev: br0}\n",
		      { 7, 14, "neighbour ip '10.0.0.0/24' is not an IP address" });
	EXPECT_ERRORS(HEAD "    neighbours:\n      - {ip: 10.0.0.2, lladdr: \"02:00:00:00:00:02\", dev: eth5}\n",
		      { 7, 9, "neighbour dev 'eth5' is not an interface of namespace web" });
	EXPECT_ERRORS(HEAD "    neighbours:\n      - {ip: 10.0.0.2, lladdr: \"02:00:00:00:00:02\", dev: br0}\n"
		      "      - {ip: 10.0.0.2, lladdr: \"02:00:00:00:00:03\", dev: br0}\n",
		      { 8, 9, "a second entry for 10.0.0.2 on br0 (first at line 7, column 9)" });
}

/* ------------------------------------------------------------------- diff -- */

#define LAB(extra_rules) \
	"topology: seed001\n" \
	"namespaces:\n" \
	"  netns_A:\n" \
	"    interfaces: {eth0: {addresses: [10.40.0.1/24]}}\n" \
	"    nexthops:\n" \
	"      - {id: 1, via: 10.40.0.2, dev: eth0}\n" \
	"      - {id: 10, group: [{id: 1}]}\n" \
	"    routes: [{to: 198.51.100.0/24, nhid: 10}]\n" \
	"    rules:\n" \
	"      - {priority: 100, from: 10.40.0.0/24, table: 100}\n" extra_rules \
	"  netns_B: {interfaces: {eth0: {addresses: [10.40.0.2/24]}}}\n" \
	"links:\n" \
	"  - [netns_A:eth0, netns_B:eth0]\n"

struct world {
	struct topology d, o;
	struct topo_state s;
	struct diff_result r;
};

static void world(struct world *w, const char *yaml)
{
	memset(w, 0, sizeof(*w));
	fx_load(yaml, &w->d);
	fx_observe_converged(&w->d, &w->o);
	snprintf(w->s.topology, sizeof(w->s.topology), "seed001");
	assert_int_equal(topo_state_ns_put(&w->s, "netns_A", TOPO_NS_CREATED, NULL, 0), 0);
	assert_int_equal(topo_state_ns_put(&w->s, "netns_B", TOPO_NS_CREATED, NULL, 0), 0);
}

static void world_diff(struct world *w, bool adopt)
{
	struct diff_opts opts = { .adopt = adopt };

	diff_result_free(&w->r);
	assert_int_equal(topo_diff_opts(&w->d, &w->o, &w->s, &opts, &w->r), 0);
}

static void world_free(struct world *w)
{
	diff_result_free(&w->r);
	topology_free(&w->d);
	topology_free(&w->o);
	topo_state_free(&w->s);
}

static struct topo_ns *obs_ns(struct world *w, const char *name)
{
	return &w->o.ns[topology_ns_find(&w->o, name)];
}

static struct topo_objs *obs_objs(struct world *w, const char *ns, const struct topo_kind *k)
{
	return &obs_ns(w, ns)->objs[topo_kind_slot(k)];
}

/* Not inlined: GCC takes open_memstream's buffer for a dangling local. */
__attribute__((noinline)) static long pos_of(const char *text, const char *sub)
{
	const char *p = strstr(text, sub);

	return p ? (long)(p - text) : -1;
}

static void test_diff_fresh(void **state)
{
	struct topology d, o;
	struct diff_result r;
	char *text;

	(void)state;
	fx_load(LAB("      - {priority: 5, table: local, replace_default: true}\n"), &d);
	fx_observe_empty(&d, &o, NULL);
	assert_int_equal(topo_diff(&d, &o, NULL, &r), 0);
	fx_assert_no_conflicts(&r);
	fx_assert_phase_order(&r.plan);
	text = fx_plan_text(&r.plan, false);
	/* Members before groups, nexthops before the route using them, the
	 * displaced default after its replacement. */
	long p_nh1 = pos_of(text, "+ nexthop add id 1 via 10.40.0.2 dev eth0 netns netns_A");
	long p_nh10 = pos_of(text, "+ nexthop add id 10 group 1 netns netns_A");
	long p_route = pos_of(text, "+ route add 198.51.100.0/24 nhid 10 netns netns_A");
	long p_rule = pos_of(text, "+ rule add pref 5 from all lookup local netns netns_A");
	long p_del = pos_of(text, "- rule del pref 0 from all lookup local netns netns_A  # the kernel's default");
	bool order = p_nh1 >= 0 && p_nh1 < p_nh10 && p_nh10 < p_route && p_rule >= 0 && p_rule < p_del;

	if (!order)
		print_message("%s", text);
	assert_true(order);
	assert_null(strstr(text, "pref 32766"));
	free(text);
	diff_result_free(&r);
	topology_free(&d);
	topology_free(&o);
}

static void test_diff_converged_and_drift(void **state)
{
	struct world w;
	struct topo_objs *rules, *nhs;

	(void)state;
	world(&w, LAB(""));
	world_diff(&w, false);
	fx_assert_no_conflicts(&w.r);
	fx_assert_plan(&w.r.plan, "");

	/* Drift: our rule gone, one of ours extra, the group's weight changed. */
	rules = obs_objs(&w, "netns_A", &topo_kind_rule);
	for (size_t i = 0; i < rules->n; i++) {
		struct topo_rule *r = topo_obj_at(&topo_kind_rule, rules, i);

		if (r->priority == 100)
			r->priority = 150;
	}
	nhs = obs_objs(&w, "netns_A", &topo_kind_nexthop);
	for (size_t i = 0; i < nhs->n; i++) {
		struct topo_nexthop *nh = topo_obj_at(&topo_kind_nexthop, nhs, i);

		if (nh->id == 10)
			nh->group[0].weight = 5;
	}
	world_diff(&w, false);
	fx_assert_no_conflicts(&w.r);
	fx_assert_plan(&w.r.plan,
		       "~ nexthop replace id 10 group 1 netns netns_A\n"
		       "+ rule add pref 100 from 10.40.0.0/24 lookup 100 netns netns_A\n"
		       "- rule del pref 150 from 10.40.0.0/24 lookup 100 netns netns_A\n");
	world_free(&w);
}

/* A foreign twin: a conflict; --adopt removes it first, then adds ours; a
 * foreign rule nobody declares is never in the plan. */
static void test_diff_foreign(void **state)
{
	struct world w;
	struct topo_objs *rules;

	(void)state;
	world(&w, LAB(""));
	rules = obs_objs(&w, "netns_A", &topo_kind_rule);
	for (size_t i = 0; i < rules->n; i++) {
		struct topo_rule *r = topo_obj_at(&topo_kind_rule, rules, i);

		if (r->priority == 100)
			r->proto = 0;     /* `ip rule add` by hand */
	}
	struct topo_rule *extra = topo_objs_add(&topo_kind_rule, rules);

	extra->family = AF_INET;
	extra->priority = 300;
	extra->action = TOPO_RULE_BLACKHOLE;
	extra->proto = 16;       /* a daemon's */
	world_diff(&w, false);
	assert_int_equal(w.r.conflicts.n, 1);
	assert_non_null(strstr(w.r.conflicts.v[0], "t.yaml:10:9: a rule with the same key exists in namespace netns_A "
						  "and is not topo's (pref 100 from 10.40.0.0/24 lookup 100, protocol 0)"));
	world_diff(&w, true);
	fx_assert_no_conflicts(&w.r);
	fx_assert_plan(&w.r.plan,
		       "- rule del pref 100 from 10.40.0.0/24 lookup 100 netns netns_A  # adopt: the unmarked twin, "
		       "replaced by a marked one\n"
		       "+ rule add pref 100 from 10.40.0.0/24 lookup 100 netns netns_A  # adopt\n");
	world_free(&w);
}

/* The nexthop kind: a foreign twin is marked in place by --adopt. */
static void test_diff_adopt_in_place(void **state)
{
	struct world w;
	struct topo_objs *nhs;

	(void)state;
	world(&w, LAB(""));
	nhs = obs_objs(&w, "netns_A", &topo_kind_nexthop);
	((struct topo_nexthop *)topo_obj_at(&topo_kind_nexthop, nhs, 0))->proto = 0;
	world_diff(&w, false);
	assert_int_equal(w.r.conflicts.n, 1);
	assert_non_null(strstr(w.r.conflicts.v[0], "a nexthop with the same key exists in namespace netns_A"));
	world_diff(&w, true);
	fx_assert_no_conflicts(&w.r);
	fx_assert_plan(&w.r.plan, "~ nexthop replace id 1 via 10.40.0.2 dev eth0 netns netns_A  # adopt: marked in place\n");
	world_free(&w);
}

/* Removing replace_default puts the kernel's rule back (as the kernel's);
 * the kernel's defaults are never deleted otherwise. */
static void test_diff_defaults(void **state)
{
	struct world w;
	struct topology d2;
	struct topo_objs *rules;

	(void)state;
	world(&w, LAB("      - {priority: 5, table: local, replace_default: true}\n"));
	world_diff(&w, false);
	fx_assert_plan(&w.r.plan, "");
	fx_load(LAB(""), &d2);
	topology_free(&w.d);
	w.d = d2;
	world_diff(&w, false);
	fx_assert_plan(&w.r.plan,
		       "+ rule add pref 0 from all lookup local netns netns_A  # the kernel's default, put back\n"
		       "- rule del pref 5 from all lookup local netns netns_A\n");
	const struct step *put_back = NULL;

	for (size_t i = 0; i < w.r.plan.n; i++)
		if (w.r.plan.steps[i].op == STEP_OBJ_ADD)
			put_back = &w.r.plan.steps[i];
	assert_non_null(put_back);
	assert_int_equal(((const struct topo_rule *)put_back->ob->obj.b)->proto, 2);
	/* Someone deleted the main default by hand, and topo has no rule on
	 * main: not topo's business. */
	rules = obs_objs(&w, "netns_A", &topo_kind_rule);
	for (size_t i = 0; i < rules->n; i++) {
		struct topo_rule *r = topo_obj_at(&topo_kind_rule, rules, i);

		if (r->priority == 32766)
			r->priority = 32000, r->proto = 0;
	}
	world_diff(&w, false);
	for (size_t i = 0; i < w.r.plan.n; i++) {
		char line[512];

		step_format(&w.r.plan.steps[i], line, sizeof(line));
		assert_null(strstr(line, "main"));
	}
	world_free(&w);
}

/* A nexthop deleted takes its routes (implicit, for a rollback); one on a
 * deleted link goes with the link. */
static void test_diff_cascades(void **state)
{
	struct world w;
	struct topology d2;
	char *text;

	(void)state;
	world(&w, LAB(""));
	fx_load("topology: seed001\n"
		"namespaces:\n"
		"  netns_A:\n"
		"    interfaces: {eth0: {addresses: [10.40.0.1/24]}}\n"
		"    nexthops:\n"
		"      - {id: 1, via: 10.40.0.2, dev: eth0}\n"
		"  netns_B: {interfaces: {eth0: {addresses: [10.40.0.2/24]}}}\n"
		"links:\n"
		"  - [netns_A:eth0, netns_B:eth0]\n", &d2);
	topology_free(&w.d);
	w.d = d2;
	world_diff(&w, false);
	fx_assert_no_conflicts(&w.r);
	fx_assert_implicit_before_parent(&w.r.plan);
	text = fx_plan_text(&w.r.plan, true);
	assert_non_null(strstr(text, "[implicit] - route del 198.51.100.0/24 nhid 10 netns netns_A"));
	assert_non_null(strstr(text, "- nexthop del id 10 group 1 netns netns_A"));
	free(text);
	/* Inverse: a rollback re-adds the group, then the route. */
	for (size_t i = 0; i < w.r.plan.n; i++) {
		struct step inv;

		if (w.r.plan.steps[i].op != STEP_OBJ_DEL || w.r.plan.steps[i].ob->kind != &topo_kind_nexthop)
			continue;
		assert_int_equal(step_invert(&w.r.plan.steps[i], &inv), 0);
		assert_int_equal(inv.op, STEP_OBJ_ADD);
		assert_int_equal(((const struct topo_nexthop *)inv.ob->obj.b)->id, 10);
		step_free(&inv);
	}
	world_free(&w);
}

/* Deleting a nexthop that a daemon's route goes through: a conflict, not
 * a silent deletion of someone else's route. */
static void test_diff_foreign_route_through_ours(void **state)
{
	struct world w;
	struct topology d2;
	struct topo_ns *o;

	(void)state;
	world(&w, LAB(""));
	o = obs_ns(&w, "netns_A");
	for (size_t i = 0; i < o->n_routes; i++)
		if (o->routes[i].nhid == 10)
			o->routes[i].proto = 186;   /* bgp */
	fx_load("topology: seed001\n"
		"namespaces:\n"
		"  netns_A:\n"
		"    interfaces: {eth0: {addresses: [10.40.0.1/24]}}\n"
		"    nexthops:\n"
		"      - {id: 1, via: 10.40.0.2, dev: eth0}\n"
		"    rules:\n"
		"      - {priority: 100, from: 10.40.0.0/24, table: 100}\n"
		"  netns_B: {interfaces: {eth0: {addresses: [10.40.0.2/24]}}}\n"
		"links:\n"
		"  - [netns_A:eth0, netns_B:eth0]\n", &d2);
	topology_free(&w.d);
	w.d = d2;
	world_diff(&w, false);
	assert_int_equal(w.r.conflicts.n, 1);
	assert_non_null(strstr(w.r.conflicts.v[0], "deleting the nexthop id 10 group 1 in namespace netns_A would take a "
						  "route that is not topo's with it"));
	world_free(&w);
}

/* The one ownership rule of the table kinds (reconcile/owner.c). */
static enum owner_verdict verdict(const struct owner_ctx *ctx, const struct owner_scope *sc, uint8_t proto)
{
	struct topo_rule r = { .family = AF_INET, .priority = 77, .action = TOPO_RULE_LOOKUP, .table = 100 };

	r.proto = proto;
	return owner_object(ctx, sc, &topo_kind_rule, &r);
}

static void test_owner_object(void **state)
{
	struct topology d, o;
	struct owner_ctx ctx, adopt, rec, oth;
	struct owner_scope sc;
	struct topo_state mine = { 0 }, other = { 0 };
	struct topo_rule r77 = { .family = AF_INET, .priority = 77, .action = TOPO_RULE_LOOKUP, .table = 100 };
	char *id = topo_object_id_kind(TOPO_NS_HOST, &topo_kind_rule, &r77);

	(void)state;
	assert_string_equal(id, "host\tk\trules\tpref 77 from all lookup 100");
	fx_load(LAB(""), &d);
	fx_observe_converged(&d, &o);
	snprintf(mine.topology, sizeof(mine.topology), "seed001");
	snprintf(other.topology, sizeof(other.topology), "other");
	assert_int_equal(topo_state_object_put(&mine, id), 0);
	assert_int_equal(topo_state_object_put(&other, id), 0);
	free(id);
	assert_int_equal(owner_ctx_init(&ctx, &d, NULL, NULL, 0, false), 0);
	assert_int_equal(owner_ctx_init(&adopt, &d, NULL, NULL, 0, true), 0);
	assert_int_equal(owner_ctx_init(&rec, &d, &mine, NULL, 0, false), 0);
	assert_int_equal(owner_ctx_init(&oth, &d, &mine, &other, 1, false), 0);

	/* host: shared; the mark says topo, the records say which topology. */
	assert_int_equal(owner_scope_init(&sc, &ctx, &o.ns[0], NULL), 0);
	assert_int_equal(verdict(&ctx, &sc, TOPO_RTPROT), OWNER_FOREIGN);   /* nobody's record */
	assert_int_equal(verdict(&rec, &sc, TOPO_RTPROT), OWNER_OURS);      /* ours recorded it */
	assert_int_equal(verdict(&oth, &sc, TOPO_RTPROT), OWNER_OTHER);     /* another's record first */
	assert_int_equal(verdict(&ctx, &sc, 2), OWNER_KERNEL);
	assert_int_equal(verdict(&ctx, &sc, 0), OWNER_FOREIGN);
	assert_int_equal(verdict(&ctx, &sc, 186), OWNER_FOREIGN);
	assert_int_equal(verdict(&adopt, &sc, 0), OWNER_ADOPTABLE);
	owner_scope_free(&sc);
	/* A namespace topo created (lo marked): ours by the mark; a hand-made
	 * twin is still not ours. */
	struct topo_ns *a = &o.ns[topology_ns_find(&o, "netns_A")];

	assert_int_equal(owner_scope_init(&sc, &ctx, a, &d.ns[0]), 0);
	assert_true(sc.all_ours);
	assert_int_equal(verdict(&ctx, &sc, TOPO_RTPROT), OWNER_OURS);
	assert_int_equal(verdict(&ctx, &sc, 0), OWNER_FOREIGN);
	assert_int_equal(verdict(&ctx, &sc, 3), OWNER_FOREIGN);
	owner_scope_free(&sc);
	/* A foreign namespace of a declared name: nothing in it is ours. */
	a->owned = false;
	for (size_t i = 0; i < a->n_ifaces; i++)
		a->ifaces[i].owned = false;
	assert_int_equal(owner_scope_init(&sc, &ctx, a, &d.ns[0]), 0);
	assert_int_equal(verdict(&ctx, &sc, TOPO_RTPROT), OWNER_FOREIGN);
	owner_scope_free(&sc);
	owner_ctx_free(&ctx);
	owner_ctx_free(&adopt);
	owner_ctx_free(&rec);
	owner_ctx_free(&oth);
	topo_state_free(&mine);
	topo_state_free(&other);
	topology_free(&d);
	topology_free(&o);
}

/* The state file's record of a table-kind object: a known kind, printable words. */
static void test_state_ids(void **state)
{
	static const char *const good = "{\"topology\": \"t\", \"objects\": [\"host\\tk\\trules\\tpref 7 from all "
					 "lookup 100\", \"host\\tk\\tnexthops\\tid 3\"]}";
	static const char *const bad[] = {
		"{\"topology\": \"t\", \"objects\": [\"host\\tk\\tbogus\\tx\"]}",
		"{\"topology\": \"t\", \"objects\": [\"host\\tk\\trules\"]}",
		"{\"topology\": \"t\", \"objects\": [\"host\\tk\\trules\\t\"]}",
		"{\"topology\": \"t\", \"objects\": [\"host\\tk\\trules\\tpref\\n1\"]}",
	};
	struct topo_state st;
	char err[256];

	(void)state;
	assert_int_equal(topo_state_parse_msg(good, strlen(good), &st, err, sizeof(err)), 0);
	assert_int_equal(st.n_objects, 2);
	assert_true(topo_state_object_has(&st, "host\tk\tnexthops\tid 3"));
	topo_state_free(&st);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = topo_state_parse_msg(bad[i], strlen(bad[i]), &st, err, sizeof(err));

		if (r != -EINVAL)
			print_message("accepted: %s\n", bad[i]);
		assert_int_equal(r, -EINVAL);
		assert_non_null(strstr(err, "objects[0]"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules_load),
		cmocka_unit_test(test_rules_errors),
		cmocka_unit_test(test_nexthops_load),
		cmocka_unit_test(test_nexthops_errors),
		cmocka_unit_test(test_neighbours),
		cmocka_unit_test(test_diff_fresh),
		cmocka_unit_test(test_diff_converged_and_drift),
		cmocka_unit_test(test_diff_foreign),
		cmocka_unit_test(test_diff_adopt_in_place),
		cmocka_unit_test(test_diff_defaults),
		cmocka_unit_test(test_diff_cascades),
		cmocka_unit_test(test_diff_foreign_route_through_ours),
		cmocka_unit_test(test_owner_object),
		cmocka_unit_test(test_state_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
