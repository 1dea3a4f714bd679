// SPDX-License-Identifier: MIT
/*
 * topo_diff() against hand-built kernels: the exact plan (steps, order,
 * wording, counts) for an empty kernel, nothing for a converged one, the
 * smallest change for a drift, and never a step on what is not topo's.
 */
#include "tests/unit/fixtures.h"
#include "model/link_macvlan.h"

/* Seed 001's lab (topologies/seed001-bridge.yaml without its checks). */
#define SEED_HEAD \
	"topology: seed001\n" \
	"namespaces:\n" \
	"  host:\n" \
	"    sysctls:\n" \
	"      net.ipv4.ip_forward: 1\n" \
	"    interfaces:\n" \
	"      mybr0: {type: bridge, addresses: [172.18.0.1/16]}\n"
#define SEED_NETNS_A \
	"  netns_A:\n" \
	"    interfaces:\n" \
	"      eth0: {addresses: [172.18.0.2/16]}\n" \
	"    routes:\n" \
	"      - {to: default, via: 172.18.0.1}\n"
#define SEED_NETNS_B \
	"  netns_B:\n" \
	"    interfaces:\n" \
	"      eth0: {addresses: [172.18.0.3/16]}\n" \
	"    routes:\n" \
	"      - {to: default, via: 172.18.0.1}\n"

static const char seed[] =
	SEED_HEAD
	"      vethA: {master: mybr0}\n"
	"      vethB: {master: mybr0}\n"
	SEED_NETNS_A
	SEED_NETNS_B
	"links:\n"
	"  - [host:vethA, netns_A:eth0]\n"
	"  - [host:vethB, netns_B:eth0]\n";

/* The state file after seed001 was applied on a kernel with ip_forward 0. */
static void seed_state(struct topo_state *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->topology, sizeof(s->topology), "seed001");
	assert_int_equal(topo_state_ns_put(s, "netns_A", TOPO_NS_CREATED, NULL, 0), 0);
	assert_int_equal(topo_state_ns_put(s, "netns_B", TOPO_NS_CREATED, NULL, 0), 0);
	assert_int_equal(topo_state_sysctl_put(s, "host", "net.ipv4.ip_forward", "0"), 0);
}

struct fx {
	struct topology d, o;
	struct topo_state s;
	struct diff_result r;
};

static void fx_diff(struct fx *f)
{
	assert_int_equal(topo_diff(&f->d, &f->o, &f->s, &f->r), 0);
	fx_assert_phase_order(&f->r.plan);
	fx_assert_ids(&f->r.plan);
	fx_assert_implicit_before_parent(&f->r.plan);
}

static void fx_free(struct fx *f)
{
	diff_result_free(&f->r);
	topology_free(&f->d);
	topology_free(&f->o);
	topo_state_free(&f->s);
}

/* Converged seed001 kernel, diffed against `yaml` (default: seed001 itself). */
static void fx_seed_converged(struct fx *f, const char *yaml)
{
	struct topology full;

	memset(f, 0, sizeof(*f));
	fx_load(seed, &full);
	fx_observe_converged(&full, &f->o);
	topology_free(&full);
	fx_load(yaml ? yaml : seed, &f->d);
	seed_state(&f->s);
}

static bool step_is(const struct step *s, enum step_op op, const char *ns, const char *name)
{
	if (s->op != op || strcmp(s->ns, ns) != 0)
		return false;
	return !name || strcmp(op == STEP_LINK_ADD || op == STEP_LINK_DEL ? s->lk->link.name : s->ifname, name) == 0;
}

/* ------------------------------------------------------ (1) empty kernel -- */

static void test_empty_kernel_seed(void **state)
{
	struct fx f = { 0 };
	const struct plan *p = &f.r.plan;
	const struct step *s;

	(void)state;
	fx_load(seed, &f.d);
	fx_observe_empty(&f.d, &f.o, "0");
	fx_diff(&f);
	fx_assert_no_conflicts(&f.r);
	assert_int_equal(f.r.warnings.n, 0);
	fx_assert_plan(p,
		"+ netns add netns_A\n"
		"+ netns add netns_B\n"
		"~ sysctl net.ipv4.ip_forward=1 (was 0)\n"
		"+ link add mybr0 type bridge\n"
		"+ link add vethA type veth master mybr0 peer eth0 netns netns_A\n"
		"+ link add vethB type veth master mybr0 peer eth0 netns netns_B\n"
		"~ link set eth0 up netns netns_A\n"
		"~ link set eth0 up netns netns_B\n"
		"+ address add 172.18.0.1/16 dev mybr0\n"
		"+ address add 172.18.0.2/16 dev eth0 netns netns_A\n"
		"+ address add 172.18.0.3/16 dev eth0 netns netns_B\n"
		"~ link set mybr0 up\n"
		"+ route add default via 172.18.0.1 netns netns_A\n"
		"+ route add default via 172.18.0.1 netns netns_B\n");
	/* Nothing implicit: nothing is deleted. */
	assert_int_equal(p->n, 14);
	/* `topo diff` says "10 to add, 1 to change, 0 to remove". */
	fx_assert_counts(p, 10, 1, 0);

	assert_int_equal(p->steps[0].phase, PHASE_NETNS_ADD);
	s = &p->steps[3];
	assert_true(step_is(s, STEP_LINK_ADD, "host", "mybr0"));
	assert_int_equal(s->lk->link.type, TOPO_IF_BRIDGE);
	assert_true(s->lk->link.owned);
	assert_string_equal(s->lk->link.owner, "seed001");
	assert_int_equal(s->lk->link.n_addrs, 0);
	assert_null(s->lk->link.addrs);

	/* The veth is created from its host end, enslaved at creation, peer
	 * in the other namespace, the peer neither up nor enslaved yet. */
	s = &p->steps[4];
	assert_true(step_is(s, STEP_LINK_ADD, "host", "vethA"));
	assert_int_equal(s->phase, PHASE_LINK_ADD);
	assert_int_equal(s->lk->link.type, TOPO_IF_VETH);
	assert_string_equal(s->lk->link.master, "mybr0");
	assert_true(s->lk->link.up);
	assert_true(s->lk->link.owned);
	assert_string_equal(s->lk->peer_ns, "netns_A");
	assert_string_equal(s->lk->peer.name, "eth0");
	assert_false(s->lk->peer.up);
	assert_string_equal(s->lk->peer.master, "");
	assert_true(s->lk->peer.owned);
	assert_string_equal(s->lk->peer.owner, "seed001");
	assert_int_equal(s->pos.line, 8);       /* vethA's declaration */
	assert_null(s->note);

	/* The peers are brought up after: follow-ups, not counted. */
	for (int i = 6; i <= 7; i++) {
		s = &p->steps[i];
		assert_int_equal(s->op, STEP_LINK_SET);
		assert_int_equal(s->attr, LINK_ATTR_UP);
		assert_int_equal(s->phase, PHASE_UP);
		assert_true(s->follows_add);
		assert_true(s->set->new.flag);
		assert_string_equal(s->ifname, "eth0");
	}
	assert_string_equal(p->steps[6].ns, "netns_A");
	assert_string_equal(p->steps[7].ns, "netns_B");

	/* The bridge is created down and comes up after its ports, before
	 * the routes: a follow-up, not counted. */
	assert_false(p->steps[3].lk->link.up);
	s = &p->steps[11];
	assert_true(step_is(s, STEP_LINK_SET, "host", "mybr0"));
	assert_int_equal(s->attr, LINK_ATTR_UP);
	assert_int_equal(s->phase, PHASE_ADDR_DEL);
	assert_true(s->follows_add);
	assert_true(s->set->new.flag);

	s = &p->steps[10];
	assert_int_equal(s->op, STEP_ADDR_ADD);
	assert_int_equal(s->addr.proto, TOPO_IFAPROT);
	s = &p->steps[12];
	assert_int_equal(s->op, STEP_ROUTE_ADD);
	assert_int_equal(s->rt->route.proto, TOPO_RTPROT);
	assert_int_equal(s->rt->route.table, TOPO_TABLE_MAIN);
	assert_int_equal(s->rt->route.dst.plen, 0);

	/* The sysctl right after the namespaces, before any link, with the
	 * value it overwrites. */
	s = &p->steps[2];
	assert_int_equal(s->op, STEP_SYSCTL_SET);
	assert_int_equal(s->phase, PHASE_SYSCTL_NS);
	assert_string_equal(s->key, "net.ipv4.ip_forward");
	assert_string_equal(s->value, "1");
	assert_string_equal(s->old_value, "0");

	/* host's own objects are not topo's. */
	assert_false(fx_plan_touches(p, "host", "eth0"));
	assert_false(fx_plan_touches(p, "host", "vethforeign"));
	assert_false(fx_plan_touches(p, "host", "lo"));
	fx_free(&f);
}

/* A veth with no master and one end in host is created from host; with
 * neither end in host, from the first end. A master on the second end
 * makes that end the local one. */
static void test_empty_kernel_veth_local_end(void **state)
{
	struct fx f = { 0 };

	(void)state;
	fx_load("topology: v\n"
		"namespaces:\n"
		"  a: {interfaces: {x: {addresses: [10.0.0.1/30]}}}\n"
		"  b:\n"
		"    interfaces:\n"
		"      br: {type: bridge}\n"
		"      y: {master: br}\n"
		"  host: {interfaces: {h: {}}}\n"
		"  c: {interfaces: {z: {}}}\n"
		"links:\n"
		"  - [a:x, b:y]\n"
		"  - [c:z, host:h]\n", &f.d);
	fx_observe_empty(&f.d, &f.o, NULL);
	fx_diff(&f);
	fx_assert_no_conflicts(&f.r);
	fx_assert_plan(&f.r.plan,
		"+ netns add a\n"
		"+ netns add b\n"
		"+ netns add c\n"
		"+ link add br type bridge netns b\n"
		"+ link add y netns b type veth master br peer x netns a\n"
		"+ link add h type veth peer z netns c\n"
		"~ link set x up netns a\n"
		"~ link set z up netns c\n"
		"+ address add 10.0.0.1/30 dev x netns a\n"
		"~ link set br up netns b\n");
	fx_assert_counts(&f.r.plan, 7, 0, 0);
	fx_free(&f);
}

/* Both ends enslaved: the remote end's master is a follow-up step. */
static void test_empty_kernel_veth_both_masters(void **state)
{
	struct fx f = { 0 };
	const struct step *m;

	(void)state;
	fx_load("topology: v\n"
		"namespaces:\n"
		"  a:\n"
		"    interfaces:\n"
		"      bra: {type: bridge}\n"
		"      x: {master: bra}\n"
		"  b:\n"
		"    interfaces:\n"
		"      brb: {type: bridge}\n"
		"      y: {master: brb}\n"
		"links:\n"
		"  - [a:x, b:y]\n", &f.d);
	fx_observe_empty(&f.d, &f.o, NULL);
	fx_diff(&f);
	fx_assert_plan(&f.r.plan,
		"+ netns add a\n"
		"+ netns add b\n"
		"+ link add bra type bridge netns a\n"
		"+ link add brb type bridge netns b\n"
		"+ link add x netns a type veth master bra peer y netns b\n"
		"~ link set y master brb netns b\n"
		"~ link set y up netns b\n"
		"~ link set bra up netns a\n"
		"~ link set brb up netns b\n");
	m = &f.r.plan.steps[5];
	assert_int_equal(m->phase, PHASE_MASTER);
	assert_true(m->follows_add);
	fx_assert_counts(&f.r.plan, 5, 0, 0);
	fx_free(&f);
}

/* Links are created bridges first, then veths, then vxlans: a vxlan's
 * master and underlay are looked up when it is created. */
static void test_empty_kernel_creation_order(void **state)
{
	struct fx f = { 0 };

	(void)state;
	fx_load("topology: vx\n"
		"namespaces:\n"
		"  a:\n"
		"    interfaces:\n"
		"      vx0: {type: vxlan, vni: 42, remote: 10.0.0.2, dev: eth0, master: br0}\n"
		"      br0: {type: bridge}\n"
		"      eth0: {addresses: [10.0.0.1/24]}\n"
		"  b:\n"
		"    interfaces:\n"
		"      eth0: {addresses: [10.0.0.2/24]}\n"
		"links:\n"
		"  - [a:eth0, b:eth0]\n", &f.d);
	fx_observe_empty(&f.d, &f.o, NULL);
	fx_diff(&f);
	fx_assert_plan(&f.r.plan,
		"+ netns add a\n"
		"+ netns add b\n"
		"+ link add br0 type bridge netns a\n"
		"+ link add eth0 netns a type veth peer eth0 netns b\n"
		"+ link add vx0 type vxlan id 42 remote 10.0.0.2 dev eth0 dstport 4789 master br0 netns a\n"
		"~ link set eth0 up netns b\n"
		"+ address add 10.0.0.1/24 dev eth0 netns a\n"
		"+ address add 10.0.0.2/24 dev eth0 netns b\n"
		"~ link set br0 up netns a\n");
	fx_free(&f);
}

/* -------------------------------------------------------- (2) converged -- */

static void test_converged_seed(void **state)
{
	struct fx f;

	(void)state;
	fx_seed_converged(&f, NULL);
	fx_diff(&f);
	fx_assert_no_conflicts(&f.r);
	assert_int_equal(f.r.warnings.n, 0);
	fx_assert_plan(&f.r.plan, "");
	assert_int_equal(f.r.plan.n, 0);
	fx_free(&f);

	/* Without a state file (lost /run): the lo marks are enough. */
	fx_seed_converged(&f, NULL);
	topo_state_free(&f.s);
	fx_diff(&f);
	fx_assert_no_conflicts(&f.r);
	assert_int_equal(f.r.plan.n, 0);
	fx_free(&f);
}

static const char rich[] =
	"topology: rich\n"
	"namespaces:\n"
	"  host:\n"
	"    interfaces:\n"
	"      br0: {type: bridge, addresses: [172.18.0.1/16, \"fd00::1/64\"], mtu: 1500, stp: true}\n"
	"      vethA: {master: br0}\n"
	"      vx0: {type: vxlan, vni: 42, remote: 192.0.2.9, dev: eth0}\n"
	"  web:\n"
	"    interfaces:\n"
	"      eth0: {addresses: [172.18.0.2/16, \"fd00::2/64\"], mtu: 1400, mac: \"02:00:00:00:00:02\"}\n"
	"      lo: {addresses: [10.255.0.1/32]}\n"
	"    routes:\n"
	"      - {to: default, via: 172.18.0.1}\n"
	"      - {to: default, via: \"fd00::1\"}\n"
	"      - {to: 10.9.0.0/24, via: 172.18.0.9, metric: 10, table: 100, src: 172.18.0.2}\n"
	"      - {to: 10.8.0.0/16, dev: eth0}\n"
	"      - {to: 10.7.0.0/16, type: blackhole}\n"
	"    sysctls: {net.ipv6.conf.all.forwarding: 1}\n"
	"    nat:\n"
	"      - masquerade: {source: 10.1.0.0/24, out: eth0}\n"
	"      - dnat: {protocol: tcp, port: 8080, to: \"172.18.0.2:80\", in: eth0}\n"
	"    forward:\n"
	"      - {action: accept, in: br0, out: eth0}\n"
	"links:\n"
	"  - [host:vethA, web:eth0]\n";

/* Everything the file can say, converged: still nothing to do. */
static void test_converged_rich(void **state)
{
	struct fx f = { 0 };

	(void)state;
	fx_load(rich, &f.d);
	fx_observe_converged(&f.d, &f.o);
	fx_diff(&f);
	fx_assert_no_conflicts(&f.r);
	fx_assert_plan(&f.r.plan, "");
	assert_int_equal(f.r.plan.n, 0);
	fx_free(&f);
}

/* ------------------------------------------------------- (3) minimality -- */

static void test_minimal_address_change(void **state)
{
	struct fx f;
	const struct plan *p = &f.r.plan;

	(void)state;
	fx_seed_converged(&f, NULL);
	/* Someone changed netns_A's eth0 address. */
	fx_oif(&f.o, "netns_A", "eth0")->addrs[0].ip = fx_ip("172.18.0.9/16");
	fx_diff(&f);
	fx_assert_no_conflicts(&f.r);
	fx_assert_plan(p,
		"+ address add 172.18.0.2/16 dev eth0 netns netns_A\n"
		"- address del 172.18.0.9/16 dev eth0 netns netns_A\n");
	assert_int_equal(p->n, 2);
	assert_int_equal(p->steps[0].op, STEP_ADDR_ADD);
	assert_int_equal(p->steps[0].phase, PHASE_ADDR_ADD);
	assert_int_equal(p->steps[1].op, STEP_ADDR_DEL);
	assert_int_equal(p->steps[1].phase, PHASE_ADDR_DEL);
	assert_true(PHASE_ADDR_ADD < PHASE_ADDR_DEL);
	assert_string_equal(p->steps[0].ifname, "eth0");
	assert_int_equal(p->steps[0].addr.proto, TOPO_IFAPROT);
	assert_int_equal(p->steps[0].pos.line, 12);     /* eth0's declaration */
	assert_int_equal(p->steps[1].addr.proto, TOPO_IFAPROT);
	fx_assert_counts(p, 1, 0, 1);
	fx_free(&f);
}

/* An IPv4 prefix length change: the kernel holds 10.0.0.2/24 and /16 side
 * by side, so add-then-delete keeps the link addressed throughout. */
static void test_minimal_prefix_length_change_ipv4(void **state)
{
	struct fx f;

	(void)state;
	fx_seed_converged(&f, NULL);
	fx_oif(&f.o, "netns_A", "eth0")->addrs[0].ip = fx_ip("172.18.0.2/24");
	fx_diff(&f);
	fx_assert_plan(&f.r.plan,
		"+ address add 172.18.0.2/16 dev eth0 netns netns_A\n"
		"- address del 172.18.0.2/24 dev eth0 netns netns_A\n");
	fx_free(&f);
}

/*
 * IPv6 allows an address once per link whatever its prefix length ("ipv6:
 * address already assigned", EEXIST): when only the prefix length changes,
 * the old one must be deleted before the new one is added.
 */
static void test_minimal_prefix_length_change_ipv6(void **state)
{
	struct fx f = { 0 };
	size_t add = 0, del = 0;

	(void)state;
	fx_load(rich, &f.d);
	fx_observe_converged(&f.d, &f.o);
	fx_oif(&f.o, "web", "eth0")->addrs[1].ip = fx_ip("fd00::2/48");
	fx_diff(&f);
	for (size_t i = 0; i < f.r.plan.n; i++) {
		if (f.r.plan.steps[i].op == STEP_ADDR_ADD)
			add = i;
		if (f.r.plan.steps[i].op == STEP_ADDR_DEL)
			del = i;
	}
	if (f.r.plan.n != 2)
		fx_assert_plan(&f.r.plan, "");
	assert_int_equal(f.r.plan.n, 2);
	assert_true(del < add);
	fx_free(&f);
}

static void test_minimal_mtu_change(void **state)
{
	struct fx f;
	const struct step *s;

	(void)state;
	fx_seed_converged(&f, NULL);
	fx_oif(&f.o, "netns_A", "eth0")->mtu = 1500;
	fx_dif(&f.d, "netns_A", "eth0")->mtu = 1400;
	fx_diff(&f);
	fx_assert_plan(&f.r.plan, "~ link set eth0 mtu 1400 netns netns_A\n");
	assert_int_equal(f.r.plan.n, 1);
	s = &f.r.plan.steps[0];
	assert_int_equal(s->op, STEP_LINK_SET);
	assert_int_equal(s->attr, LINK_ATTR_MTU);
	assert_int_equal(s->phase, PHASE_LINK_ATTR);
	assert_int_equal(s->set->old.mtu, 1500);
	assert_int_equal(s->set->new.mtu, 1400);
	fx_assert_counts(&f.r.plan, 0, 1, 0);
	fx_free(&f);
}

/*
 * addr_gen_mode on new links: a step after each creation that declares one
 * (the link's own or its end's), before anything comes up; a macvlan,
 * which would have carrier at once, is created down and comes up after
 * it. A veth's local end may be up at creation: its peer is not. A new
 * link's mode has no inverse: it goes with the link.
 */
static void test_addr_gen_mode_new_links(void **state)
{
	struct fx f = { 0 };

	(void)state;
	fx_load("topology: g\n"
		"namespaces:\n"
		"  a:\n"
		"    interfaces:\n"
		"      br: {type: bridge, addr_gen_mode: none}\n"
		"      x: {master: br}\n"
		"      mv: {type: macvlan, parent: x, addr_gen_mode: none}\n"
		"  b: {interfaces: {y: {addr_gen_mode: eui64}}}\n"
		"links:\n"
		"  - {endpoints: [a:x, b:y], addr_gen_mode: random}\n", &f.d);
	fx_observe_empty(&f.d, &f.o, NULL);
	fx_diff(&f);
	fx_assert_no_conflicts(&f.r);
	fx_assert_plan(&f.r.plan,
		"+ netns add a\n"
		"+ netns add b\n"
		"+ link add br type bridge netns a\n"
		"+ link add x netns a type veth master br peer y netns b\n"
		"+ link add mv type macvlan link x netns a\n"
		"~ link set br addrgenmode none netns a\n"
		"~ link set x addrgenmode random netns a\n"
		"~ link set y addrgenmode eui64 netns b\n"
		"~ link set mv addrgenmode none netns a\n"
		"~ link set y up netns b\n"
		"~ link set mv up netns a\n"
		"~ link set br up netns a\n");
	for (size_t i = 0; i < f.r.plan.n; i++) {
		const struct step *s = &f.r.plan.steps[i];
		struct step inv;

		if (s->op == STEP_LINK_ADD)
			assert_int_equal(s->lk->link.up, strcmp(s->lk->link.name, "x") == 0);
		if (s->op != STEP_LINK_SET || s->attr != LINK_ATTR_ADDR_GEN)
			continue;
		assert_int_equal(s->phase, PHASE_LINK_ATTR);
		assert_true(s->follows_add);
		assert_int_equal(s->set->old.addr_gen_mode, TOPO_AGM_UNSET);
		assert_int_equal(step_invert(s, &inv), 1);
	}
	fx_assert_counts(&f.r.plan, 5, 0, 0);
	fx_free(&f);
}

/* On a link that exists: changed in place, undone with the old mode; not
 * declared, the kernel's mode stays; on a link without IPv6, nothing. */
static void test_addr_gen_mode_existing(void **state)
{
	struct fx f;
	struct step inv;
	const struct step *s;

	(void)state;
	fx_seed_converged(&f, NULL);
	fx_oif(&f.o, "netns_A", "eth0")->addr_gen_mode = TOPO_AGM_EUI64;
	fx_dif(&f.d, "netns_A", "eth0")->addr_gen_mode = TOPO_AGM_NONE;
	fx_oif(&f.o, "netns_B", "eth0")->addr_gen_mode = TOPO_AGM_RANDOM;
	fx_oif(&f.o, "host", "vethA")->addr_gen_mode = TOPO_AGM_UNSET;
	fx_dif(&f.d, "host", "vethA")->addr_gen_mode = TOPO_AGM_NONE;
	fx_diff(&f);
	fx_assert_plan(&f.r.plan, "~ link set eth0 addrgenmode none (was eui64) netns netns_A\n");
	s = &f.r.plan.steps[0];
	assert_int_equal(s->attr, LINK_ATTR_ADDR_GEN);
	assert_int_equal(s->phase, PHASE_LINK_ATTR);
	assert_false(s->follows_add);
	assert_int_equal(step_invert(s, &inv), 0);
	assert_int_equal(inv.attr, LINK_ATTR_ADDR_GEN);
	assert_int_equal(inv.set->new.addr_gen_mode, TOPO_AGM_EUI64);
	assert_int_equal(inv.set->old.addr_gen_mode, TOPO_AGM_NONE);
	step_free(&inv);
	fx_assert_counts(&f.r.plan, 0, 1, 0);
	fx_free(&f);
}

/* The first declared IPv4 address of a link is its primary: the adds are
 * in file order, not sorted. */
static void test_addresses_in_file_order(void **state)
{
	struct fx f;

	(void)state;
	fx_seed_converged(&f, NULL);
	topology_free(&f.d);
	fx_load(SEED_HEAD
		"      vethA: {master: mybr0}\n"
		"      vethB: {master: mybr0}\n"
		"  netns_A:\n"
		"    interfaces:\n"
		"      eth0: {addresses: [172.18.0.2/16, 10.9.0.30/24, \"fd00::9/64\", 10.9.0.4/24]}\n"
		"    routes:\n"
		"      - {to: default, via: 172.18.0.1}\n"
		SEED_NETNS_B
		"links:\n"
		"  - [host:vethA, netns_A:eth0]\n"
		"  - [host:vethB, netns_B:eth0]\n", &f.d);
	fx_diff(&f);
	fx_assert_plan(&f.r.plan,
		"+ address add 10.9.0.30/24 dev eth0 netns netns_A\n"
		"+ address add fd00::9/64 dev eth0 netns netns_A\n"
		"+ address add 10.9.0.4/24 dev eth0 netns netns_A\n");
	fx_free(&f);
}

/*
 * An mtu below 1280 takes IPv6 off the link: its IPv6 addresses are
 * deleted before the mtu changes (an early phase), its IPv4 ones after the
 * adds as always; the other end's too.
 */
static void test_mtu_below_1280_ipv6_first(void **state)
{
	struct fx f = { 0 };
	static const char v6[] =
		"topology: m\n"
		"namespaces:\n"
		"  host:\n"
		"    interfaces:\n"
		"      vethP: {addresses: [10.40.0.1/24, \"fd40::1/64\"]}\n"
		"  p1:\n"
		"    interfaces:\n"
		"      eth0: {addresses: [10.40.0.2/24, \"fd40::2/64\"]}\n"
		"links:\n"
		"  - [host:vethP, p1:eth0]\n";
	static const char small[] =
		"topology: m\n"
		"namespaces:\n"
		"  host:\n"
		"    interfaces:\n"
		"      vethP: {addresses: [10.40.0.1/24]}\n"
		"  p1:\n"
		"    interfaces:\n"
		"      eth0: {addresses: [10.40.0.3/24]}\n"
		"links:\n"
		"  - {endpoints: [host:vethP, p1:eth0], mtu: 1200}\n";

	(void)state;
	fx_load(v6, &f.d);
	fx_observe_converged(&f.d, &f.o);
	topology_free(&f.d);
	fx_load(small, &f.d);
	fx_diff(&f);
	fx_assert_plan(&f.r.plan,
		"- address del fd40::1/64 dev vethP\n"
		"- address del fd40::2/64 dev eth0 netns p1\n"
		"~ link set vethP mtu 1200\n"
		"~ link set eth0 mtu 1200 netns p1\n"
		"+ address add 10.40.0.3/24 dev eth0 netns p1\n"
		"- address del 10.40.0.2/24 dev eth0 netns p1\n");
	assert_int_equal(f.r.plan.steps[0].phase, PHASE_ADDR_DEL_GONE);
	assert_int_equal(f.r.plan.steps[5].phase, PHASE_ADDR_DEL);
	fx_free(&f);

	/* Back up: the mtu is raised before IPv6 addresses are added. */
	memset(&f, 0, sizeof(f));
	fx_load(small, &f.d);
	fx_observe_converged(&f.d, &f.o);
	topology_free(&f.d);
	fx_load(v6, &f.d);
	fx_diff(&f);
	fx_assert_plan(&f.r.plan,
		"~ link set vethP mtu 1500\n"
		"~ link set eth0 mtu 1500 netns p1\n"
		"+ address add fd40::1/64 dev vethP\n"
		"+ address add 10.40.0.2/24 dev eth0 netns p1\n"
		"+ address add fd40::2/64 dev eth0 netns p1\n"
		"- address del 10.40.0.3/24 dev eth0 netns p1\n");
	fx_free(&f);
}

/*
 * Without `mtu:`, a link topo owns gets the kernel's default for its kind:
 * veth 1500, vxlan its underlay's less 50 (70 over IPv6) or 1500 without
 * one, a bridge the smallest of its ports' (it follows them by itself
 * until an mtu is set by hand). A foreign link is never touched.
 */
static void test_mtu_default_when_not_declared(void **state)
{
	struct fx f = { 0 };
	struct topo_iface *foreign;
	static const char lab[] =
		"topology: m\n"
		"namespaces:\n"
		"  host:\n"
		"    interfaces:\n"
		"      br0: {type: bridge}\n"
		"      vethA: {master: br0}\n"
		"      vethB: {master: br0, mtu: 1400}\n"
		"      vx4: {type: vxlan, vni: 4, remote: 10.0.0.2, dev: vethA}\n"
		"      vx6: {type: vxlan, vni: 6, remote: \"fd00::2\", dev: vethA}\n"
		"      vx0: {type: vxlan, vni: 7, remote: 10.0.0.2}\n"
		"  a:\n"
		"    interfaces: {eth0: {}, eth1: {}}\n"
		"links:\n"
		"  - [host:vethA, a:eth0]\n"
		"  - [host:vethB, a:eth1]\n";

	(void)state;
	fx_load(lab, &f.d);
	fx_observe_converged(&f.d, &f.o);
	/* A converged kernel: the bridge follows its smallest port. */
	fx_oif(&f.o, "host", "br0")->mtu = 1400;
	fx_diff(&f);
	fx_assert_plan(&f.r.plan, "");
	diff_result_free(&f.r);

	/* Someone's mtus everywhere (an earlier file's): back to the defaults;
	 * the bridge no longer follows its ports (set by hand): set to theirs. */
	fx_oif(&f.o, "host", "br0")->mtu = 9000;
	fx_oif(&f.o, "host", "vethA")->mtu = 9000;
	fx_oif(&f.o, "host", "vx4")->mtu = 1000;
	fx_oif(&f.o, "host", "vx6")->mtu = 1000;
	fx_oif(&f.o, "host", "vx0")->mtu = 1000;
	fx_oif(&f.o, "a", "eth0")->mtu = 1000;
	foreign = fx_oif(&f.o, "host", "vethforeign");
	foreign->mtu = 1234;
	fx_diff(&f);
	fx_assert_plan(&f.r.plan,
		"~ link set br0 mtu 1400\n"
		"~ link set vethA mtu 1500\n"
		"~ link set vx0 mtu 1500\n"     /* no underlay: with the links that depend on none */
		"~ link set vx4 mtu 1450\n"
		"~ link set vx6 mtu 1430\n"
		"~ link set eth0 mtu 1500 netns a\n");
	fx_free(&f);
}

/*
 * sysctls go where a person at the shell puts them: namespace-wide keys
 * right after the namespace, before any link (a link copies conf.default.*);
 * a key naming a declared interface once it exists, before its addresses;
 * a key that sets every interface's forwarding before the rest.
 */
static void test_sysctl_phases(void **state)
{
	struct fx f = { 0 };
	const struct plan *p = &f.r.plan;

	(void)state;
	fx_load("topology: s\n"
		"namespaces:\n"
		"  o1:\n"
		"    sysctls:\n"
		"      net.ipv4.conf.default.arp_ignore: 1\n"
		"      net.ipv4.conf.eth0.forwarding: 0\n"
		"      net.ipv6.conf.eth0.hop_limit: 9\n"
		"      net.ipv4.conf.all.route_localnet: 1\n"
		"      net.ipv4.ip_forward: 1\n"
		"    interfaces:\n"
		"      eth0: {addresses: [10.0.0.2/24]}\n"
		"    routes: [{to: default, via: 10.0.0.1}]\n"
		"  host: {interfaces: {veth0: {addresses: [10.0.0.1/24]}}}\n"
		"links:\n"
		"  - [host:veth0, o1:eth0]\n", &f.d);
	fx_observe_empty(&f.d, &f.o, NULL);
	fx_diff(&f);
	fx_assert_no_conflicts(&f.r);
	fx_assert_plan(p,
		"+ netns add o1\n"
		"~ sysctl net.ipv4.ip_forward=1 netns o1\n"
		"~ sysctl net.ipv4.conf.default.arp_ignore=1 netns o1\n"
		"~ sysctl net.ipv4.conf.all.route_localnet=1 netns o1\n"
		"+ link add veth0 type veth peer eth0 netns o1\n"
		"~ link set eth0 up netns o1\n"
		"~ sysctl net.ipv4.conf.eth0.forwarding=0 netns o1\n"
		"~ sysctl net.ipv6.conf.eth0.hop_limit=9 netns o1\n"
		"+ address add 10.0.0.1/24 dev veth0\n"
		"+ address add 10.0.0.2/24 dev eth0 netns o1\n"
		"+ route add default via 10.0.0.1 netns o1\n");
	assert_int_equal(p->steps[1].phase, PHASE_SYSCTL_NS);
	assert_int_equal(p->steps[6].phase, PHASE_SYSCTL_IF);
	fx_free(&f);
}

/*
 * The "ip_forward is 0" warning: net.ipv4.conf.all.forwarding is the same
 * setting; an interface's own forwarding forwards what comes in on it.
 */
static void test_ip_forward_warning(void **state)
{
	static const char *const sysctls[] = {
		"", "    sysctls: {net.ipv4.conf.all.forwarding: 1}\n", "    sysctls: {net.ipv4.conf.eth0.forwarding: 1}\n",
		"    sysctls: {net.ipv4.ip_forward: 0}\n", "    sysctls: {net.ipv4.conf.eth0.forwarding: 0}\n",
		"    sysctls: {net.ipv6.conf.all.forwarding: 1}\n",
	};
	static const size_t want[] = { 1, 0, 0, 0, 1, 1 };

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct fx f = { 0 };
		char *yaml;

		assert_true(asprintf(&yaml, "topology: w\n"
				     "namespaces:\n"
				     "  wn:\n"
				     "%s"
				     "    interfaces: {eth0: {addresses: [10.80.0.2/24]}}\n"
				     "    nat:\n"
				     "      - masquerade: {source: 10.80.0.0/24, out: eth0}\n"
				     "  host: {interfaces: {vethW: {}}}\n"
				     "links:\n"
				     "  - [host:vethW, wn:eth0]\n", sysctls[i]) > 0);
		fx_load(yaml, &f.d);
		fx_observe_empty(&f.d, &f.o, "0");
		fx_diff(&f);
		if (f.r.warnings.n != want[i])
			print_message("case %zu: %zu warnings\n", i, f.r.warnings.n);
		assert_int_equal(f.r.warnings.n, want[i]);
		if (want[i])
			assert_true(fx_msgs_have(&f.r.warnings, "net.ipv4.ip_forward is 0"));
		fx_free(&f);
		free(yaml);
	}
	/* The kernel's value counts, under either name. */
	for (int k = 0; k < 2; k++) {
		struct fx f = { 0 };

		fx_load("topology: w\n"
			"namespaces:\n"
			"  host:\n"
			"    interfaces: {br0: {type: bridge}}\n"
			"    nat:\n"
			"      - masquerade: {source: 10.80.0.0/24, out: br0}\n", &f.d);
		fx_observe_empty(&f.d, &f.o, NULL);
		fx_sysctl(&f.o.ns[0], k ? "net.ipv4.conf.all.forwarding" : "net.ipv4.ip_forward", "1");
		fx_diff(&f);
		assert_int_equal(f.r.warnings.n, 0);
		fx_free(&f);
	}
}

static void test_minimal_route_via_change(void **state)
{
	struct fx f;
	const struct step *s;
	struct topo_ns *a;
	char via[TOPO_IP_STRLEN];

	(void)state;
	fx_seed_converged(&f, NULL);
	a = fx_dns(&f.o, "netns_A");
	for (size_t i = 0; i < a->n_routes; i++)
		if (a->routes[i].proto == TOPO_RTPROT)
			a->routes[i].via = fx_ip("172.18.0.254");
	fx_diff(&f);
	fx_assert_plan(&f.r.plan, "~ route replace default via 172.18.0.1 netns netns_A\n");
	assert_int_equal(f.r.plan.n, 1);
	s = &f.r.plan.steps[0];
	assert_int_equal(s->op, STEP_ROUTE_REPLACE);
	assert_int_equal(s->rt->route.proto, TOPO_RTPROT);
	assert_string_equal(topo_ip_format(&s->rt->old_route[0].via, false, via, sizeof(via)), "172.18.0.254");
	assert_string_equal(s->rt->old_route[0].dev, "eth0");
	fx_assert_counts(&f.r.plan, 0, 1, 0);
	fx_free(&f);
}

/* Other drifts, one step each: master, link down, MAC, stp. */
static void test_minimal_link_attrs(void **state)
{
	struct fx f;
	struct topo_iface *v;

	(void)state;
	fx_seed_converged(&f, NULL);
	v = fx_oif(&f.o, "host", "vethA");
	v->master[0] = '\0';
	v->master_ifindex = 0;
	fx_oif(&f.o, "netns_B", "eth0")->up = false;
	fx_diff(&f);
	fx_assert_plan(&f.r.plan,
		"~ link set vethA master mybr0\n"
		"~ link set eth0 up netns netns_B\n");
	assert_int_equal(f.r.plan.steps[0].phase, PHASE_MASTER);
	assert_string_equal(f.r.plan.steps[0].set->old.master, "");
	assert_false(f.r.plan.steps[1].follows_add);
	fx_assert_counts(&f.r.plan, 0, 2, 0);
	fx_free(&f);

	memset(&f, 0, sizeof(f));
	fx_load(rich, &f.d);
	fx_observe_converged(&f.d, &f.o);
	fx_oif(&f.o, "web", "eth0")->mac[5] = 0x99;
	fx_oif(&f.o, "host", "br0")->opt[BR_STP].u = 0;
	fx_diff(&f);
	fx_assert_plan(&f.r.plan,
		"~ link set br0 type bridge stp_state 1\n"
		"~ link set eth0 address 02:00:00:00:00:02 netns web\n");
	fx_free(&f);
}

/* ------------------------------------------------ (4) canonical compare -- */

static void test_canonical_compare(void **state)
{
	struct fx f = { 0 };
	struct topo_ns *web;
	struct topo_iface *eth0;
	static const uint8_t mac[6] = { 0x02, 0xab, 0xcd, 0x00, 0x00, 0x01 };

	(void)state;
	fx_load("topology: canon\n"
		"namespaces:\n"
		"  web:\n"
		"    interfaces:\n"
		"      eth0: {addresses: [\"fd00:0:0::2/64\", 10.1.0.2/24], mac: \"02:AB:cd:00:00:01\"}\n"
		"    routes:\n"
		"      - {to: default, via: 10.1.0.1}\n"
		"      - {to: \"fd01:0::/64\", via: \"FD00::1\"}\n"
		"      - {to: default, via: \"fd00::0:1\"}\n"
		"  host: {interfaces: {vweb: {}}}\n"
		"links:\n"
		"  - [host:vweb, web:eth0]\n", &f.d);
	/* The kernel's spelling, built without the desired model. */
	fx_host_base(&f.o);
	web = fx_ns(&f.o, "web", TOPO_NS_CREATED, true);
	web->owned = true;
	fx_lo(web, "canon");
	eth0 = fx_if(web, "eth0", TOPO_IF_VETH, 20);
	fx_own(eth0, "canon");
	memcpy(eth0->mac, mac, 6);
	fx_addr(eth0, "10.1.0.2/24", TOPO_IFAPROT);
	fx_addr(eth0, "fd00::2/64", TOPO_IFAPROT);
	fx_link_local(eth0);
	fx_own(fx_if(&f.o.ns[0], "vweb", TOPO_IF_VETH, 21), "canon");
	fx_peer(&f.o, "host", "vweb", "web", "eth0");
	web = fx_dns(&f.o, "web");
	fx_route(web, "10.1.0.0/24", NULL, "eth0", FX_RTPROT_KERNEL);
	fx_route(web, "fd00::/64", NULL, "eth0", FX_RTPROT_KERNEL)->metric = 256;
	fx_route(web, "default4", "10.1.0.1", "eth0", TOPO_RTPROT);
	fx_route(web, "fd01::/64", "fd00::1", "eth0", TOPO_RTPROT);      /* metric 1024 */
	fx_route(web, "default6", "fd00::1", "eth0", TOPO_RTPROT);       /* metric 1024 */
	fx_diff(&f);
	fx_assert_no_conflicts(&f.r);
	fx_assert_plan(&f.r.plan, "");

	/* Another metric is another route: add the declared, drop the stray. */
	diff_result_free(&f.r);
	for (size_t i = 0; i < web->n_routes; i++)
		if (web->routes[i].dst.plen == 64 && web->routes[i].proto == TOPO_RTPROT)
			web->routes[i].metric = 512;
	fx_diff(&f);
	fx_assert_plan(&f.r.plan,
		"- route del fd01::/64 via fd00::1 dev eth0 metric 512 netns web\n"
		"+ route add fd01::/64 via fd00::1 netns web\n");
	assert_int_equal(f.r.plan.steps[1].rt->route.metric, 1024);
	fx_free(&f);
}

/* ------------------------------------------- route options, nexthops -- */

#define RT_OPTS \
	"topology: rt\n" \
	"namespaces:\n" \
	"  web:\n" \
	"    interfaces:\n" \
	"      p1: {type: bridge, addresses: [10.1.0.1/24]}\n" \
	"      p2: {type: bridge, addresses: [10.2.0.1/24]}\n" \
	"    routes:\n" \
	"      - {to: default, via: 192.168.9.1, dev: p1, onlink: true, mtu: 1400, advmss: 1360}\n" \
	"      - {to: 10.7.0.0/24, dev: p2, scope: host}\n" \
	"      - {to: 10.9.0.0/24, nexthops: [{via: 10.2.0.2, weight: 2}, {via: 10.1.0.2, dev: p1}]}\n"

static struct topo_route *rt_find(struct topo_ns *ns, const char *dst)
{
	struct topo_ip ip = fx_ip(dst);

	for (size_t i = 0; i < ns->n_routes; i++)
		if (ns->routes[i].proto == TOPO_RTPROT && topo_ip_equal(&ns->routes[i].dst, &ip))
			return &ns->routes[i];
	fail_msg("no route to %s", dst);
	return NULL;
}

/* The kernel's reading of each option matches the file's; each drifted
 * option is repaired by a replace whose old route is what the kernel had. */
static void test_route_options_drift(void **state)
{
	struct fx f = { 0 };
	struct topo_ns *web;
	struct topo_route *rt, *mp, *sc;

	(void)state;
	fx_load(RT_OPTS, &f.d);
	fx_observe_converged(&f.d, &f.o);
	web = fx_dns(&f.o, "web");
	/* As the kernel reports them: every route has a scope, every path a device. */
	rt = rt_find(web, "0.0.0.0/0");
	rt->has_scope = true;
	rt->scope = TOPO_SCOPE_GLOBAL;
	mp = rt_find(web, "10.9.0.0/24");
	mp->has_scope = true;
	snprintf(mp->nh[1].dev, sizeof(mp->nh[1].dev), "p2");
	sc = rt_find(web, "10.7.0.0/24");
	fx_diff(&f);
	fx_assert_no_conflicts(&f.r);
	fx_assert_plan(&f.r.plan, "");

	rt->mtu = 1500;
	diff_result_free(&f.r);
	fx_diff(&f);
	fx_assert_plan(&f.r.plan, "~ route replace default via 192.168.9.1 dev p1 onlink mtu 1400 advmss 1360 netns web\n");
	assert_int_equal(f.r.plan.steps[0].rt->old_route[0].mtu, 1500);
	rt->mtu = 1400;
	rt->advmss = 0;
	diff_result_free(&f.r);
	fx_diff(&f);
	assert_int_equal(fx_count_op(&f.r.plan, STEP_ROUTE_REPLACE, false), 1);
	rt->advmss = 1360;
	rt->onlink = false;
	diff_result_free(&f.r);
	fx_diff(&f);
	assert_int_equal(fx_count_op(&f.r.plan, STEP_ROUTE_REPLACE, false), 1);
	assert_false(f.r.plan.steps[0].rt->old_route[0].onlink);
	rt->onlink = true;

	/* A scope: declared host, the kernel says link. */
	sc->has_scope = true;
	sc->scope = TOPO_SCOPE_LINK;
	diff_result_free(&f.r);
	fx_diff(&f);
	fx_assert_plan(&f.r.plan, "~ route replace 10.7.0.0/24 dev p2 scope host netns web\n");
	sc->scope = TOPO_SCOPE_HOST;

	/* A weight changed, a path gone, a path more. */
	mp->nh[1].weight = 3;
	diff_result_free(&f.r);
	fx_diff(&f);
	fx_assert_plan(&f.r.plan, "~ route replace 10.9.0.0/24 nexthop via 10.1.0.2 dev p1 weight 1 "
		       "nexthop via 10.2.0.2 weight 2 netns web\n");
	assert_int_equal(f.r.plan.steps[0].rt->old_route[0].nh[1].weight, 3);
	mp->nh[1].weight = 2;
	mp->n_nh = 1;
	diff_result_free(&f.r);
	fx_diff(&f);
	assert_int_equal(fx_count_op(&f.r.plan, STEP_ROUTE_REPLACE, false), 1);
	mp->n_nh = 2;                              /* the second path is still there */
	assert_non_null(topo_route_nh_add(mp));   /* and a third */
	mp->nh[2] = mp->nh[1];
	mp->nh[2].via.bytes[3] = 9;
	diff_result_free(&f.r);
	fx_diff(&f);
	assert_int_equal(fx_count_op(&f.r.plan, STEP_ROUTE_REPLACE, false), 1);
	/* A path through another device than declared. */
	mp->n_nh = 2;
	snprintf(mp->nh[0].dev, sizeof(mp->nh[0].dev), "p2");
	diff_result_free(&f.r);
	fx_diff(&f);
	assert_int_equal(fx_count_op(&f.r.plan, STEP_ROUTE_REPLACE, false), 1);
	snprintf(mp->nh[0].dev, sizeof(mp->nh[0].dev), "p1");
	diff_result_free(&f.r);
	fx_diff(&f);
	fx_assert_plan(&f.r.plan, "");
	fx_free(&f);
}

/* A link deleted takes a multipath route through it along (the kernel
 * deletes the route when one of its devices goes): an implicit step, so a
 * rollback puts the route back. */
static void test_route_nexthop_link_gone(void **state)
{
	struct fx f = { 0 }, g = { 0 };

	(void)state;
	fx_load(RT_OPTS, &f.d);
	fx_observe_converged(&f.d, &f.o);
	for (size_t i = 0; i < fx_dns(&f.o, "web")->n_routes; i++) {
		struct topo_route *rt = &fx_dns(&f.o, "web")->routes[i];

		for (size_t k = 0; k < rt->n_nh; k++)
			rt->nh[k].oif = fx_oif(&f.o, "web", k ? "p2" : "p1")->ifindex;
	}
	fx_load("topology: rt\n"
		"namespaces:\n"
		"  web:\n"
		"    interfaces:\n"
		"      p1: {type: bridge, addresses: [10.1.0.1/24]}\n"
		"    routes:\n"
		"      - {to: default, via: 192.168.9.1, dev: p1, onlink: true, mtu: 1400, advmss: 1360}\n", &g.d);
	assert_int_equal(topo_diff(&g.d, &f.o, &f.s, &f.r), 0);
	char *text = fx_plan_text(&f.r.plan, true);

	assert_non_null(strstr(text, "[implicit] - route del 10.9.0.0/24 nexthop via 10.1.0.2 dev p1 weight 1 "
			       "nexthop via 10.2.0.2 weight 2 netns web"));
	free(text);
	topology_free(&g.d);
	fx_free(&f);
}

/* ------------------------------------------------------------ absent: -- */

#define ABSENT_YAML \
	"topology: noloop\n" \
	"namespaces:\n" \
	"  host:\n" \
	"    absent:\n" \
	"      - {to: 127.0.0.0/8, table: local, type: local}\n" \
	"      - {to: 10.0.2.0/24, dev: eth0}\n" \
	"      - {to: 192.168.50.0/24}\n"

static struct topo_route *fx_local_route(struct topo_ns *h)
{
	struct topo_route *rt = fx_route(h, "127.0.0.0/8", NULL, "lo", FX_RTPROT_KERNEL);

	rt->type = TOPO_RT_LOCAL;
	rt->table = TOPO_TABLE_LOCAL;
	rt->src = fx_ip("127.0.0.1");
	rt->has_scope = true;
	rt->scope = TOPO_SCOPE_HOST;
	return rt;
}

/* Only the kernel's routes an entry names go, each marked for the state
 * file; a static route of the same destination stays, with a warning. */
static void test_absent_deletes_kernel_routes(void **state)
{
	struct fx f = { 0 };
	struct topo_ns *h;

	(void)state;
	fx_load(ABSENT_YAML, &f.d);
	fx_host_base(&f.o);
	snprintf(f.o.name, sizeof(f.o.name), "noloop");
	h = &f.o.ns[0];
	fx_local_route(h);
	fx_diff(&f);
	fx_assert_no_conflicts(&f.r);
	fx_assert_plan(&f.r.plan,
		"- route del local 127.0.0.0/8 dev lo src 127.0.0.1 table local proto kernel  # absent:\n"
		"- route del 10.0.2.0/24 dev eth0 src 10.0.2.15 proto kernel  # absent:\n");
	for (size_t i = 0; i < f.r.plan.n; i++)
		assert_true(f.r.plan.steps[i].absent);
	assert_true(fx_msgs_have(&f.r.warnings, "absent: the route 192.168.50.0/24 via 10.0.2.3 dev eth0 in namespace "
				 "host is not the kernel's (protocol 4): left alone"));
	/* Undone, the route comes back as the kernel had it. */
	struct step inv;

	assert_int_equal(step_invert(&f.r.plan.steps[0], &inv), 0);
	assert_int_equal(inv.op, STEP_ROUTE_ADD);
	assert_int_equal(inv.rt->route.proto, FX_RTPROT_KERNEL);
	assert_int_equal(inv.rt->route.type, TOPO_RT_LOCAL);
	assert_int_equal(inv.rt->route.scope, TOPO_SCOPE_HOST);
	step_free(&inv);
	fx_free(&f);
}

/* What the state file says topo deleted comes back when no entry names it
 * and the kernel has not made it again; while an entry names it, nothing. */
static void test_absent_restores_recorded(void **state)
{
	struct fx f = { 0 };
	struct topo_route rec;
	struct topo_ns *h;

	(void)state;
	fx_load("topology: noloop\nnamespaces:\n  host: {}\n", &f.d);
	fx_host_base(&f.o);
	snprintf(f.o.name, sizeof(f.o.name), "noloop");
	h = &f.o.ns[0];
	rec = *fx_local_route(h);
	h->n_routes--;                       /* deleted, as topo did */
	snprintf(f.s.topology, sizeof(f.s.topology), "noloop");
	assert_int_equal(topo_state_removed_put(&f.s, "host", &rec), 0);
	fx_diff(&f);
	fx_assert_plan(&f.r.plan,
		"+ route add local 127.0.0.0/8 dev lo src 127.0.0.1 table local proto kernel  # restore: no absent: entry names it\n");
	assert_int_equal(f.r.plan.steps[0].rt->route.proto, FX_RTPROT_KERNEL);
	assert_int_equal(f.r.plan.steps[0].rt->route.scope, TOPO_SCOPE_HOST);
	/* The kernel made it again by itself: nothing to do. */
	diff_result_free(&f.r);
	fx_local_route(h);
	fx_diff(&f);
	fx_assert_plan(&f.r.plan, "");
	h->n_routes--;
	/* Still named: stays deleted. */
	diff_result_free(&f.r);
	topology_free(&f.d);
	fx_load(ABSENT_YAML, &f.d);
	fx_diff(&f);
	char *text = fx_plan_text(&f.r.plan, false);

	assert_null(strstr(text, "127.0.0.0/8"));
	free(text);
	fx_free(&f);
}

/* ----------------------------------------------------------- shaping -- */

#define SHAPE_YAML \
	"topology: slow\n" \
	"namespaces:\n" \
	"  a:\n" \
	"    interfaces:\n" \
	"      eth0: {addresses: [10.1.0.1/24], rate: 1mbit}\n" \
	"  b:\n" \
	"    interfaces:\n" \
	"      eth0: {addresses: [10.1.0.2/24]}\n" \
	"links:\n" \
	"  - [a:eth0, b:eth0]\n"

/* The kernel's default root is replaced, ours repaired or removed, a new
 * link shaped after it is made, someone's root qdisc refused. */
static void test_shaping_diff(void **state)
{
	struct fx f = { 0 };
	struct topo_iface *a, *b;
	struct topo_shape *as, *bs;

	(void)state;
	fx_load(SHAPE_YAML, &f.d);
	fx_observe_converged(&f.d, &f.o);
	a = fx_oif(&f.o, "a", "eth0");
	b = fx_oif(&f.o, "b", "eth0");
	as = topo_iface_shape_edit(a);
	assert_non_null(as);
	snprintf(as->root_kind, sizeof(as->root_kind), "noqueue");
	fx_diff(&f);
	fx_assert_plan(&f.r.plan, "~ link set eth0 qdisc tbf rate 1mbit burst 1600b limit 7850b (was none) netns a\n");

	/* Ours, as declared (burst read back through the kernel's ticks). */
	*as = *topo_iface_shape(fx_dif(&f.d, "a", "eth0"));
	as->root = TOPO_QDISC_OURS;
	as->burst = 1599;
	diff_result_free(&f.r);
	fx_diff(&f);
	fx_assert_plan(&f.r.plan, "");
	/* Ours, another rate: replaced; undone, the old rate comes back. */
	as->rate = 250000;
	diff_result_free(&f.r);
	fx_diff(&f);
	assert_int_equal(f.r.plan.n, 1);
	assert_int_equal(f.r.plan.steps[0].set->old.shape.rate, 250000);
	assert_int_equal(f.r.plan.steps[0].set->new.shape.rate, 125000);
	struct step inv;

	assert_int_equal(step_invert(&f.r.plan.steps[0], &inv), 0);
	assert_int_equal(inv.set->new.shape.rate, 250000);
	step_free(&inv);
	as->rate = 125000;
	/* Ours on a link the file no longer shapes: removed. */
	bs = topo_iface_shape_edit(b);
	assert_non_null(bs);
	*bs = *as;
	diff_result_free(&f.r);
	fx_diff(&f);
	fx_assert_plan(&f.r.plan, "~ link set eth0 qdisc none (was tbf rate 1mbit burst 1599b limit 7850b) netns b\n");
	topo_iface_shape_drop(b);
	/* Ours of the other kind: the kernel cannot change a qdisc's kind. */
	as->netem = true;
	diff_result_free(&f.r);
	fx_diff(&f);
	fx_assert_plan(&f.r.plan,
		"~ link set eth0 qdisc none (was netem delay 0.000ms) netns a\n"
		"~ link set eth0 qdisc tbf rate 1mbit burst 1600b limit 7850b (was none) netns a\n");
	as->netem = false;
	/* Someone's root qdisc: a conflict at the rate: key. */
	memset(as, 0, sizeof(*as));
	as->root = TOPO_QDISC_FOREIGN;
	as->root_handle = 0x10000;
	snprintf(as->root_kind, sizeof(as->root_kind), "htb");
	diff_result_free(&f.r);
	fx_diff(&f);
	assert_true(fx_msgs_have(&f.r.conflicts, "5:40: interface eth0 in namespace a has a root qdisc topo did not make "
				 "(htb, handle 1:)"));
	/* Someone's, on a link the file does not shape: none of topo's business. */
	bs = topo_iface_shape_edit(b);
	assert_non_null(bs);
	*bs = *as;
	memset(as, 0, sizeof(*as));
	*as = *topo_iface_shape(fx_dif(&f.d, "a", "eth0"));
	as->root = TOPO_QDISC_OURS;
	diff_result_free(&f.r);
	fx_diff(&f);
	fx_assert_no_conflicts(&f.r);
	fx_assert_plan(&f.r.plan, "");
	fx_free(&f);
}

/* From nothing: the new link is shaped in the same plan, after it is made. */
static void test_shaping_new_link(void **state)
{
	struct fx f = { 0 };
	const struct step *add = NULL, *shape = NULL;

	(void)state;
	fx_load(SHAPE_YAML, &f.d);
	fx_observe_empty(&f.d, &f.o, "0");
	fx_diff(&f);
	for (size_t i = 0; i < f.r.plan.n; i++) {
		const struct step *s = &f.r.plan.steps[i];

		if (s->op == STEP_LINK_ADD)
			add = s;
		if (s->op == STEP_LINK_SET && s->attr == LINK_ATTR_SHAPE)
			shape = s;
	}
	assert_non_null(add);
	assert_non_null(shape);
	assert_true(add->phase < shape->phase);
	assert_string_equal(shape->ns, "a");
	fx_free(&f);
}

/* ------------------------------------------------------- (5) ownership -- */

/* A foreign bridge (libvirt's, say) holds a declared name. */
static void test_foreign_link_declared_name(void **state)
{
	struct fx f;
	struct topo_iface *br;

	(void)state;
	fx_seed_converged(&f, NULL);
	br = fx_oif(&f.o, "host", "mybr0");
	fx_own(br, NULL);
	br->addrs[0].ip = fx_ip("192.168.122.1/24");
	br->addrs[0].proto = 0;
	fx_diff(&f);
	assert_int_equal(f.r.conflicts.n, 1);
	assert_true(fx_msgs_have(&f.r.conflicts, "t.yaml:7:7: interface mybr0 in namespace host exists and "
				 "was not created by topo (a foreign bridge, ifindex 10)"));
	/* Nothing touches it: not its address, not the one declared for it. */
	if (fx_plan_touches(&f.r.plan, "host", "mybr0")) {
		char *t = fx_plan_text(&f.r.plan, true);

		print_message("plan touches the foreign mybr0:\n%s", t);
		free(t);
	}
	assert_false(fx_plan_touches(&f.r.plan, "host", "mybr0"));
	fx_free(&f);
}

static void test_link_of_another_topology(void **state)
{
	struct fx f;
	struct topo_iface *br;

	(void)state;
	fx_seed_converged(&f, NULL);
	br = fx_oif(&f.o, "host", "mybr0");
	fx_own(br, "other");
	br->addrs[0].ip = fx_ip("10.99.0.1/24");
	fx_diff(&f);
	assert_int_equal(f.r.conflicts.n, 1);
	assert_true(fx_msgs_have(&f.r.conflicts, "interface mybr0 in namespace host belongs to topology 'other', "
				 "not 'seed001'; nothing was changed"));
	assert_false(fx_plan_touches(&f.r.plan, "host", "mybr0"));
	fx_free(&f);
}

/*
 * Another topology's links in host, with their addresses (tagged with topo's
 * address protocol, as every topo address is) are the other topology's: a
 * diff of seed001 must leave them alone.
 */
static void test_other_topology_addresses_untouched(void **state)
{
	struct fx f;
	struct topo_iface *d0;

	(void)state;
	fx_seed_converged(&f, NULL);
	d0 = fx_if(&f.o.ns[0], "docker0", TOPO_IF_BRIDGE, 90);
	fx_own(d0, "seed000");
	fx_addr(d0, "172.17.0.1/16", TOPO_IFAPROT);
	fx_link_local(d0);
	fx_diff(&f);
	fx_assert_no_conflicts(&f.r);
	if (f.r.plan.n) {
		char *t = fx_plan_text(&f.r.plan, true);

		print_message("plan touches seed000's docker0:\n%s", t);
		free(t);
	}
	assert_false(fx_plan_touches(&f.r.plan, "host", "docker0"));
	assert_int_equal(f.r.plan.n, 0);
	fx_free(&f);
}

/* Nor its routes through its links (tagged with topo's route protocol too). */
static void test_other_topology_routes_untouched(void **state)
{
	struct fx f;
	struct topo_iface *d0;

	(void)state;
	fx_seed_converged(&f, NULL);
	d0 = fx_if(&f.o.ns[0], "docker0", TOPO_IF_BRIDGE, 90);
	fx_own(d0, "seed000");
	fx_addr(d0, "172.17.0.1/16", TOPO_IFAPROT);
	fx_route(&f.o.ns[0], "10.200.0.0/16", "172.17.0.9", "docker0", TOPO_RTPROT);
	fx_diff(&f);
	assert_int_equal(f.r.plan.n, 0);
	fx_free(&f);
}

/*
 * A host route without a device (blackhole, unreachable, prohibit) carries
 * nothing that says which topology made it: it is this topology's only when
 * the file declares it or the state file records it. Another topology's is
 * left alone; a recorded one of ours is removed.
 */
static void test_other_topology_blackhole_untouched(void **state)
{
	struct fx f;

	(void)state;
	fx_seed_converged(&f, NULL);
	fx_route(&f.o.ns[0], "10.201.0.0/16", NULL, NULL, TOPO_RTPROT)->type = TOPO_RT_BLACKHOLE;
	fx_diff(&f);
	assert_int_equal(f.r.plan.n, 0);
	fx_free(&f);
}

static void test_own_blackhole_recorded_is_removed(void **state)
{
	struct fx f;
	struct topo_route *rt;
	char *id;

	(void)state;
	fx_seed_converged(&f, NULL);
	rt = fx_route(&f.o.ns[0], "10.201.0.0/16", NULL, NULL, TOPO_RTPROT);
	rt->type = TOPO_RT_BLACKHOLE;
	id = topo_object_id_route("host", rt);
	assert_non_null(id);
	assert_int_equal(topo_state_object_put(&f.s, id), 0);
	free(id);
	fx_diff(&f);
	assert_int_equal(f.r.plan.n, 1);
	assert_int_equal(f.r.plan.steps[0].op, STEP_ROUTE_DEL);
	assert_int_equal(f.r.plan.steps[0].rt->route.type, TOPO_RT_BLACKHOLE);
	fx_free(&f);
}

/*
 * A lab built by hand: nothing carries a mark and no state records it.
 * Without --adopt that is a conflict; with it, each declared object is
 * marked in place (nothing recreated), and other topologies' stay theirs.
 */
static void hand_built(struct fx *f)
{
	fx_seed_converged(f, NULL);
	topo_state_free(&f->s);
	snprintf(f->s.topology, sizeof(f->s.topology), "seed001");
	for (size_t n = 0; n < f->o.n_ns; n++) {
		f->o.ns[n].owned = false;
		for (size_t i = 0; i < f->o.ns[n].n_ifaces; i++) {
			f->o.ns[n].ifaces[i].owned = false;
			f->o.ns[n].ifaces[i].owner[0] = '\0';
		}
	}
}

static void test_adopt_hand_built_lab(void **state)
{
	struct fx f;
	struct diff_opts adopt = { .adopt = true };
	size_t marks = 0;

	(void)state;
	hand_built(&f);
	fx_diff(&f);
	assert_true(f.r.conflicts.n > 0);
	diff_result_free(&f.r);

	assert_int_equal(topo_diff_opts(&f.d, &f.o, &f.s, &adopt, &f.r), 0);
	fx_assert_no_conflicts(&f.r);
	for (size_t i = 0; i < f.r.plan.n; i++) {
		const struct step *s = &f.r.plan.steps[i];

		assert_int_equal(s->op, STEP_LINK_SET);
		assert_int_equal(s->attr, LINK_ATTR_MARK);
		assert_true(s->set->new.flag);
		marks++;
	}
	/* lo of netns_A and netns_B; mybr0, vethA, vethB in host. */
	assert_int_equal(marks, 5);
	assert_true(fx_plan_touches(&f.r.plan, "host", "mybr0"));
	assert_true(fx_plan_touches(&f.r.plan, "netns_A", "lo"));
	fx_free(&f);
}

static void test_adopt_leaves_other_topologies(void **state)
{
	struct fx f;
	struct diff_opts adopt = { .adopt = true };

	(void)state;
	hand_built(&f);
	fx_oif(&f.o, "host", "mybr0")->owned = true;
	snprintf(fx_oif(&f.o, "host", "mybr0")->owner, TOPO_NAME_MAX + 1, "other");
	assert_int_equal(topo_diff_opts(&f.d, &f.o, &f.s, &adopt, &f.r), 0);
	assert_true(f.r.conflicts.n > 0);
	assert_non_null(strstr(f.r.conflicts.v[0], "belongs to topology 'other'"));
	fx_free(&f);
}

/* host's own objects never appear, even in a destroy that removes all of topo's. */
static void test_foreign_objects_never_in_plan(void **state)
{
	struct fx f;
	struct topo_ns *h;
	struct topo_iface *ifc;

	(void)state;
	fx_seed_converged(&f, NULL);
	h = &f.o.ns[0];
	/* A foreign address on our bridge, a foreign dummy with a route. */
	fx_addr(fx_oif(&f.o, "host", "mybr0"), "192.168.7.1/24", 0);
	ifc = fx_if(h, "dummy0", TOPO_IF_OTHER, 80);
	fx_addr(ifc, "10.77.0.1/24", 0);
	fx_route(h, "10.78.0.0/16", "10.77.0.254", "dummy0", FX_RTPROT_STATIC);
	topology_free(&f.d);
	snprintf(f.d.name, sizeof(f.d.name), "seed001");      /* destroy: nothing declared */
	fx_diff(&f);
	fx_assert_no_conflicts(&f.r);
	fx_assert_plan(&f.r.plan,
		"~ sysctl net.ipv4.ip_forward=0 (was 1)\n"
		"- link del mybr0\n"
		"- netns del netns_A (with host:vethA)\n"
		"- netns del netns_B (with host:vethB)\n");
	fx_assert_counts(&f.r.plan, 0, 1, 3);
	for (size_t i = 0; i < f.r.plan.n; i++) {
		const struct step *s = &f.r.plan.steps[i];
		char a[TOPO_IP_STRLEN];

		/* Foreign routes (boot, static, kernel) never; the foreign address
		 * on our bridge only as what goes with the bridge (for a rollback). */
		if (s->op == STEP_ROUTE_DEL || s->op == STEP_ROUTE_ADD)
			assert_int_equal(s->rt->route.proto, TOPO_RTPROT);
		if (s->op == STEP_ADDR_DEL && !strcmp(topo_ip_format(&s->addr.ip, true, a, sizeof(a)), "192.168.7.1/24")) {
			assert_true(s->implicit);
			assert_string_equal(s->ifname, "mybr0");
			assert_int_equal(s->addr.proto, 0);
		}
	}
	assert_int_equal(fx_count_op(&f.r.plan, STEP_ADDR_DEL, false), 0);
	assert_int_equal(fx_count_op(&f.r.plan, STEP_ROUTE_DEL, false), 0);
	assert_false(fx_plan_touches(&f.r.plan, "host", "eth0"));
	assert_false(fx_plan_touches(&f.r.plan, "host", "dummy0"));
	assert_false(fx_plan_touches(&f.r.plan, "host", "vethforeign"));
	assert_false(fx_plan_touches(&f.r.plan, "host", "lo"));
	fx_free(&f);
}

/* In a namespace topo created, whatever is not declared goes. */
static void test_created_namespace_undeclared_link_deleted(void **state)
{
	struct fx f;
	struct topo_ns *a;
	struct topo_iface *ifc;
	const struct step *del = NULL;

	(void)state;
	fx_seed_converged(&f, NULL);
	a = fx_dns(&f.o, "netns_A");
	assert_true(a->owned);
	ifc = fx_if(a, "dummy0", TOPO_IF_OTHER, 70);      /* not marked: someone else's */
	fx_addr(ifc, "10.9.9.9/24", 0);
	fx_link_local(ifc);
	fx_route(a, "10.9.9.0/24", NULL, "dummy0", FX_RTPROT_KERNEL);
	fx_route(a, "10.60.0.0/16", "10.9.9.1", "dummy0", FX_RTPROT_STATIC);
	fx_route(a, "10.50.0.0/16", "172.18.0.254", "eth0", FX_RTPROT_BOOT);
	fx_diff(&f);
	fx_assert_no_conflicts(&f.r);
	fx_assert_plan(&f.r.plan,
		"- route del 10.50.0.0/16 via 172.18.0.254 dev eth0 netns netns_A\n"
		"- link del dummy0 netns netns_A\n");
	fx_assert_counts(&f.r.plan, 0, 0, 2);
	for (size_t i = 0; i < f.r.plan.n; i++)
		if (step_is(&f.r.plan.steps[i], STEP_LINK_DEL, "netns_A", "dummy0"))
			del = &f.r.plan.steps[i];
	assert_non_null(del);
	assert_false(del->implicit);
	/* Its address and its static route go with it: implicit, caused by it. */
	assert_int_equal(fx_count_op(&f.r.plan, STEP_ADDR_DEL, true), 1);
	assert_int_equal(fx_count_op(&f.r.plan, STEP_ROUTE_DEL, true), 1);
	for (size_t i = 0; i < f.r.plan.n; i++)
		if (f.r.plan.steps[i].implicit)
			assert_int_equal(f.r.plan.steps[i].parent, del->id);
	fx_free(&f);

	/* The same link in host is left alone. */
	fx_seed_converged(&f, NULL);
	ifc = fx_if(&f.o.ns[0], "dummy0", TOPO_IF_OTHER, 70);
	fx_addr(ifc, "10.9.9.9/24", 0);
	fx_diff(&f);
	assert_int_equal(f.r.plan.n, 0);
	fx_free(&f);
}

/* A namespace of that name that topo did not make stops everything. */
static void test_foreign_namespace_conflict(void **state)
{
	struct fx f;
	struct topo_ns *a;

	(void)state;
	fx_seed_converged(&f, NULL);
	topo_state_ns_remove(&f.s, "netns_A");
	a = fx_dns(&f.o, "netns_A");
	a->owned = false;
	fx_own(&a->ifaces[0], NULL);        /* lo without our mark */
	fx_oif(&f.o, "netns_A", "eth0")->addrs[0].ip = fx_ip("10.0.0.1/8");
	fx_diff(&f);
	assert_int_equal(f.r.conflicts.n, 1);
	assert_true(fx_msgs_have(&f.r.conflicts, "namespace netns_A exists (/run/netns/netns_A) and was not "
				 "created by topology 'seed001'; nothing was changed"));
	for (size_t i = 0; i < f.r.plan.n; i++) {
		if (!strcmp(f.r.plan.steps[i].ns, "netns_A")) {
			char *t = fx_plan_text(&f.r.plan, true);

			print_message("plan:\n%s", t);
			free(t);
		}
		assert_string_not_equal(f.r.plan.steps[i].ns, "netns_A");
	}
	fx_free(&f);
}

/* ----------------------------------------------------------- (6) prune -- */

static const char seed_rich_a[] =
	SEED_HEAD
	"      vethA: {master: mybr0}\n"
	"      vethB: {master: mybr0}\n"
	"  netns_A:\n"
	"    interfaces:\n"
	"      eth0: {addresses: [172.18.0.2/16]}\n"
	"      lo: {addresses: [10.255.0.1/32]}\n"
	"    routes:\n"
	"      - {to: default, via: 172.18.0.1}\n"
	"      - {to: 10.7.0.0/16, type: blackhole}\n"
	"    sysctls: {net.ipv4.conf.all.rp_filter: 2}\n"
	SEED_NETNS_B
	"links:\n"
	"  - [host:vethA, netns_A:eth0]\n"
	"  - [host:vethB, netns_B:eth0]\n";

static const char seed_without_a[] =
	SEED_HEAD
	"      vethB: {master: mybr0}\n"
	SEED_NETNS_B
	"links:\n"
	"  - [host:vethB, netns_B:eth0]\n";

static void test_prune_namespace(void **state)
{
	struct fx f = { 0 };
	struct topology full;
	const struct plan *p = &f.r.plan;
	const struct step *vdel = NULL, *nsdel = NULL;
	char *txt;

	(void)state;
	fx_load(seed_rich_a, &full);
	fx_observe_converged(&full, &f.o);
	topology_free(&full);
	fx_load(seed_without_a, &f.d);
	seed_state(&f.s);
	assert_int_equal(topo_state_sysctl_put(&f.s, "netns_A", "net.ipv4.conf.all.rp_filter", "0"), 0);
	fx_diff(&f);
	fx_assert_no_conflicts(&f.r);
	fx_assert_plan(p, "- netns del netns_A (with host:vethA)\n");
	fx_assert_counts(p, 0, 0, 1);
	for (size_t i = 0; i < p->n; i++) {
		if (step_is(&p->steps[i], STEP_LINK_DEL, "host", "vethA"))
			vdel = &p->steps[i];
		if (p->steps[i].op == STEP_NETNS_DEL)
			nsdel = &p->steps[i];
	}
	assert_non_null(vdel);
	assert_non_null(nsdel);
	/* The host end goes with the namespace (one batch in the kernel, no
	 * RCU grace period per pair); the namespace's deletion waits for it. */
	assert_true(vdel->implicit);
	assert_int_equal(vdel->parent, nsdel->id);
	assert_string_equal(vdel->lk->peer_ns, "netns_A");
	assert_string_equal(vdel->lk->peer.name, "eth0");
	assert_string_equal(vdel->lk->link.master, "mybr0");
	assert_string_equal(nsdel->ns, "netns_A");
	assert_int_equal(nsdel->n_waits, 1);
	assert_string_equal(nsdel->waits[0].ns, "host");
	assert_string_equal(nsdel->waits[0].name, "vethA");

	/* What goes with them, for a rollback: eth0's address and the route
	 * through it with the veth; lo's address, the blackhole route and the
	 * sysctl with the namespace. */
	txt = fx_plan_text(p, true);
	assert_string_equal(txt,
		"[implicit] ~ sysctl net.ipv4.conf.all.rp_filter=0 netns netns_A (was 2)\n"
		"[implicit] - route del default via 172.18.0.1 dev eth0 netns netns_A\n"
		"[implicit] - route del blackhole 10.7.0.0/16 netns netns_A\n"
		"[implicit] - address del 172.18.0.2/16 dev eth0 netns netns_A\n"
		"[implicit] - address del 10.255.0.1/32 dev lo netns netns_A\n"
		"[implicit] - link del vethA (veth, with its peer eth0 in netns_A)\n"
		"- netns del netns_A (with host:vethA)\n");
	free(txt);
	for (size_t i = 0; i < p->n; i++) {
		const struct step *s = &p->steps[i];
		bool with_link = (s->op == STEP_ADDR_DEL && strcmp(s->ifname, "eth0") == 0) ||
				 (s->op == STEP_ROUTE_DEL && s->rt->route.dst.plen == 0);

		if (!s->implicit)
			continue;
		assert_int_equal(s->parent, with_link ? vdel->id : nsdel->id);
		if (s->op == STEP_SYSCTL_SET)
			assert_int_equal(s->phase, PHASE_SYSCTL_RESTORE);
	}
	/* Nothing else: mybr0, vethB, netns_B untouched. */
	assert_false(fx_plan_touches(p, "host", "mybr0"));
	assert_false(fx_plan_touches(p, "host", "vethB"));
	for (size_t i = 0; i < p->n; i++)
		assert_string_not_equal(p->steps[i].ns, "netns_B");
	fx_free(&f);
}

/* A pruned namespace with links inside only: they go with it, implicitly. */
static void test_prune_namespace_inner_links(void **state)
{
	struct fx f = { 0 };
	struct topology full;
	const struct step *nsdel = NULL;
	size_t implicit_links = 0;

	(void)state;
	fx_load("topology: p\n"
		"namespaces:\n"
		"  keep: {interfaces: {lo: {addresses: [10.0.0.1/32]}}}\n"
		"  gone:\n"
		"    interfaces:\n"
		"      br: {type: bridge, addresses: [10.1.0.1/24]}\n"
		"      a: {master: br}\n"
		"      b: {addresses: [10.1.0.2/24]}\n"
		"links:\n"
		"  - [gone:a, gone:b]\n", &full);
	fx_observe_converged(&full, &f.o);
	topology_free(&full);
	fx_load("topology: p\n"
		"namespaces:\n"
		"  keep: {interfaces: {lo: {addresses: [10.0.0.1/32]}}}\n", &f.d);
	snprintf(f.s.topology, sizeof(f.s.topology), "p");
	assert_int_equal(topo_state_ns_put(&f.s, "gone", TOPO_NS_CREATED, NULL, 0), 0);
	fx_diff(&f);
	fx_assert_no_conflicts(&f.r);
	fx_assert_plan(&f.r.plan, "- netns del gone\n");
	fx_assert_counts(&f.r.plan, 0, 0, 1);
	nsdel = &f.r.plan.steps[f.r.plan.n - 1];
	assert_int_equal(nsdel->op, STEP_NETNS_DEL);
	for (size_t i = 0; i < f.r.plan.n; i++) {
		const struct step *s = &f.r.plan.steps[i];

		if (s->op == STEP_LINK_DEL) {
			assert_true(s->implicit);
			assert_int_equal(s->parent, nsdel->id);
			implicit_links++;
		}
	}
	/* br, and the veth pair once (a with its peer b, or b with a). */
	assert_int_equal(implicit_links, 2);
	assert_int_equal(fx_count_op(&f.r.plan, STEP_ADDR_DEL, true), 2);
	fx_free(&f);
}

/* ---------------------------------------------------------- (7) replace -- */

static const char two_ns_one_link[] =
	"topology: r\n"
	"namespaces:\n"
	"  host:\n"
	"    interfaces:\n"
	"      vethA: {}\n"
	"  netns_A:\n"
	"    interfaces:\n"
	"      eth0: {addresses: [10.0.0.2/24]}\n"
	"  netns_B:\n"
	"    interfaces:\n"
	"      lo: {addresses: [10.9.0.1/32]}\n"
	"links:\n"
	"  - [host:vethA, netns_A:eth0]\n";

static void test_replace_peer_namespace_changed(void **state)
{
	struct fx f = { 0 };
	struct topo_ns *b;
	const struct step *del, *add;

	(void)state;
	fx_load(two_ns_one_link, &f.d);
	fx_observe_converged(&f.d, &f.o);
	/* vethA's peer went to netns_B (someone moved it, or an old file). */
	fx_dns(&f.o, "netns_A")->n_ifaces = 1;          /* only lo stays */
	topo_iface_clear(&f.o.ns[1].ifaces[1]);
	b = fx_dns(&f.o, "netns_B");
	fx_addr(fx_if(b, "eth0", TOPO_IF_VETH, 40), "10.0.0.2/24", TOPO_IFAPROT);
	fx_own(fx_oif(&f.o, "netns_B", "eth0"), "r");
	fx_peer(&f.o, "host", "vethA", "netns_B", "eth0");
	fx_diff(&f);
	fx_assert_no_conflicts(&f.r);
	fx_assert_plan(&f.r.plan,
		"- link del vethA (veth, with its peer eth0 in netns_B)  # replace: peer namespace changed\n"
		"+ link add vethA type veth peer eth0 netns netns_A  # replace: peer namespace changed\n"
		"~ link set eth0 up netns netns_A\n"
		"+ address add 10.0.0.2/24 dev eth0 netns netns_A\n");
	del = &f.r.plan.steps[1];
	add = &f.r.plan.steps[2];
	assert_int_equal(del->op, STEP_LINK_DEL);
	assert_string_equal(del->note, "replace: peer namespace changed");
	assert_int_equal(add->op, STEP_LINK_ADD);
	assert_string_equal(add->note, "replace: peer namespace changed");
	assert_string_equal(add->lk->peer_ns, "netns_A");
	/* The old peer's address goes with it (implicit, first). */
	assert_true(f.r.plan.steps[0].implicit);
	assert_int_equal(f.r.plan.steps[0].op, STEP_ADDR_DEL);
	assert_string_equal(f.r.plan.steps[0].ns, "netns_B");
	assert_int_equal(f.r.plan.steps[0].parent, del->id);
	fx_assert_counts(&f.r.plan, 2, 0, 1);
	fx_free(&f);
}

static void test_replace_kind_changed(void **state)
{
	struct fx f;
	struct topo_iface *v;

	(void)state;
	/* vethA is a bridge now (ours). */
	fx_seed_converged(&f, NULL);
	v = fx_oif(&f.o, "host", "vethA");
	fx_set_type(v, TOPO_IF_BRIDGE);
	v->master[0] = '\0';
	topo_iface_set_peer(v, NULL, NULL);
	v = fx_oif(&f.o, "netns_A", "eth0");
	topo_iface_set_peer(v, NULL, NULL);
	v->peer_netnsid = -1;
	fx_diff(&f);
	fx_assert_no_conflicts(&f.r);
	fx_assert_plan(&f.r.plan,
		"- link del vethA  # replace: kind changed\n"
		"- link del eth0 netns netns_A  # replace: kind changed\n"
		"+ link add vethA type veth master mybr0 peer eth0 netns netns_A  # replace: kind changed\n"
		"~ link set eth0 up netns netns_A\n"
		"+ address add 172.18.0.2/16 dev eth0 netns netns_A\n"
		"+ route add default via 172.18.0.1 netns netns_A\n");
	fx_free(&f);

	/* A declared bridge found as a vxlan (which has no ports). */
	fx_seed_converged(&f, NULL);
	fx_set_type(fx_oif(&f.o, "host", "mybr0"), TOPO_IF_VXLAN);
	fx_oif(&f.o, "host", "vethA")->master[0] = '\0';
	fx_oif(&f.o, "host", "vethA")->master_ifindex = 0;
	fx_oif(&f.o, "host", "vethB")->master[0] = '\0';
	fx_oif(&f.o, "host", "vethB")->master_ifindex = 0;
	fx_diff(&f);
	fx_assert_no_conflicts(&f.r);
	fx_assert_plan(&f.r.plan,
		"- link del mybr0  # replace: kind changed\n"
		"+ link add mybr0 type bridge  # replace: kind changed\n"
		"~ link set vethA master mybr0\n"
		"~ link set vethB master mybr0\n"
		"+ address add 172.18.0.1/16 dev mybr0\n"
		"~ link set mybr0 up\n");
	assert_int_equal(fx_count_op(&f.r.plan, STEP_LINK_SET, true), 0);
	assert_int_equal(fx_count_op(&f.r.plan, STEP_ADDR_DEL, true), 1);
	fx_assert_counts(&f.r.plan, 2, 2, 1);
	fx_free(&f);
}

/*
 * The bridge leaves the file, its ports stay: the ports lose their master
 * with it (implicit), and those implicit steps come before the delete, so
 * that a rollback re-creates the bridge before it re-enslaves them.
 */
static void test_bridge_removed_ports_stay(void **state)
{
	struct fx f;
	char *txt;

	(void)state;
	fx_seed_converged(&f,
		"topology: seed001\n"
		"namespaces:\n"
		"  host:\n"
		"    sysctls:\n"
		"      net.ipv4.ip_forward: 1\n"
		"    interfaces:\n"
		"      vethA: {}\n"
		"      vethB: {}\n"
		SEED_NETNS_A
		SEED_NETNS_B
		"links:\n"
		"  - [host:vethA, netns_A:eth0]\n"
		"  - [host:vethB, netns_B:eth0]\n");
	fx_diff(&f);
	fx_assert_no_conflicts(&f.r);
	txt = fx_plan_text(&f.r.plan, true);
	assert_string_equal(txt,
		"[implicit] - address del 172.18.0.1/16 dev mybr0\n"
		"[implicit] ~ link set vethA nomaster\n"
		"[implicit] ~ link set vethB nomaster\n"
		"- link del mybr0\n");
	free(txt);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(f.r.plan.steps[i].parent, f.r.plan.steps[3].id);
	assert_string_equal(f.r.plan.steps[1].set->old.master, "mybr0");
	assert_string_equal(f.r.plan.steps[1].set->new.master, "");
	fx_assert_counts(&f.r.plan, 0, 0, 1);
	fx_free(&f);
}

/* macvlan: created after its parent (a veth), converged, its mode drifted
 * and repaired in place, a parent change or passthru is a replace; on a
 * foreign parent in host, nothing touches the parent, and destroy takes
 * only the macvlan. */
static const char macvlan_lab[] =
	"topology: mv\n"
	"namespaces:\n"
	"  host:\n"
	"    interfaces:\n"
	"      hm0: {type: macvlan, parent: eth0, mode: bridge, addresses: [10.50.0.9/24]}\n"
	"  a:\n"
	"    interfaces:\n"
	"      m1: {type: macvlan, parent: eth0, mode: bridge, addresses: [10.40.0.1/24]}\n"
	"      eth0: {addresses: [10.40.0.9/24]}\n"
	"links:\n"
	"  - [host:vethA, a:eth0]\n";

static void test_macvlan(void **state)
{
	struct fx f = { 0 };
	long h;
	struct topo_iface *foreign;

	(void)state;
	fx_load(macvlan_lab, &f.d);
	fx_observe_empty(&f.d, &f.o, "0");
	h = topology_ns_find(&f.o, "host");
	assert_true(h >= 0);
	foreign = fx_if(&f.o.ns[h], "eth0", TOPO_IF_OTHER, 2);
	(void)foreign;
	fx_diff(&f);
	char *text = fx_plan_text(&f.r.plan, false);
	const char *veth = strstr(text, "+ link add vethA");
	const char *m1 = strstr(text, "+ link add m1 type macvlan link eth0 mode bridge netns a");

	assert_non_null(veth);
	assert_non_null(m1);
	assert_true(veth < m1);         /* after the link it depends on */
	assert_non_null(strstr(text, "+ link add hm0 type macvlan link eth0 mode bridge\n"));
	/* The foreign parent in host: never a step of its own (a's eth0 has its own). */
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		if (strstr(line, " eth0") && !strstr(line, "netns a") && !strstr(line, "type macvlan link eth0"))
			fail_msg("a step touches host's foreign eth0: %s", line);
	free(text);
	fx_free(&f);

	memset(&f, 0, sizeof(f));
	fx_load(macvlan_lab, &f.d);
	fx_observe_converged(&f.d, &f.o);
	h = topology_ns_find(&f.o, "host");
	fx_if(&f.o.ns[h], "eth0", TOPO_IF_OTHER, 900);
	fx_diff(&f);
	fx_assert_plan(&f.r.plan, "");
	diff_result_free(&f.r);

	/* Mode changed by hand: set back in place. */
	fx_oif(&f.o, "a", "m1")->opt[MV_MODE].u = 2;    /* vepa */
	fx_diff(&f);
	fx_assert_plan(&f.r.plan, "~ link set m1 type macvlan mode bridge netns a\n");
	diff_result_free(&f.r);

	/* Passthru is a replace (the kernel will not switch it in place). */
	fx_oif(&f.o, "a", "m1")->opt[MV_MODE].u = 8;
	fx_diff(&f);
	text = fx_plan_text(&f.r.plan, false);
	assert_non_null(strstr(text, "- link del m1 netns a  # replace: macvlan mode to or from passthru\n"));
	assert_non_null(strstr(text, "+ link add m1 type macvlan link eth0 mode bridge netns a  # replace: macvlan mode"));
	free(text);
	diff_result_free(&f.r);
	fx_oif(&f.o, "a", "m1")->opt[MV_MODE].u = 4;

	/* Another parent: a replace. */
	snprintf(fx_oif(&f.o, "a", "m1")->opt[MV_PARENT].name, TOPO_IFNAME_MAX + 1, "%s", "lo");
	fx_diff(&f);
	text = fx_plan_text(&f.r.plan, false);
	assert_non_null(strstr(text, "- link del m1 netns a  # replace: parent changed\n"));
	free(text);
	fx_free(&f);

	/* Destroy: the macvlans go, the foreign parent stays. */
	memset(&f, 0, sizeof(f));
	{
		struct topology lab;

		fx_load(macvlan_lab, &lab);
		fx_observe_converged(&lab, &f.o);
		topology_free(&lab);
	}
	h = topology_ns_find(&f.o, "host");
	fx_if(&f.o.ns[h], "eth0", TOPO_IF_OTHER, 900);
	fx_load("topology: mv\nnamespaces:\n  host: {}\n", &f.d);
	fx_diff(&f);
	text = fx_plan_text(&f.r.plan, false);
	assert_non_null(strstr(text, "- link del hm0\n"));
	assert_null(strstr(text, "del eth0\n"));
	free(text);
	fx_free(&f);
}

/* Static fdb entries on a vxlan: converged; a missing one appended; an
 * extra one on our vxlan (ours by the link's mark) deleted; the kernel's
 * own entry from remote: never; entries on a foreign vxlan: never. */
static void test_vxlan_fdb(void **state)
{
	struct fx f = { 0 };
	struct topo_fdb *e;
	long a;
	char *text;

	(void)state;
	fx_load("topology: t\n"
		"namespaces:\n"
		"  host:\n"
		"    interfaces:\n"
		"      vx0: {type: vxlan, vni: 42, remote: 10.0.0.2, fdb: [{mac: \"00:00:00:00:00:00\", dst: 10.0.0.3},\n"
		"                                                     {mac: \"00:00:00:00:00:00\", dst: 10.0.0.4}]}\n",
		&f.d);
	assert_int_equal(f.d.ns[0].n_fdb, 2);
	fx_observe_converged(&f.d, &f.o);
	fx_own(fx_oif(&f.o, "host", "vx0"), "t");
	fx_diff(&f);
	fx_assert_plan(&f.r.plan, "");
	diff_result_free(&f.r);

	a = topology_ns_find(&f.o, "host");
	/* 10.0.0.3 removed by hand, 10.0.0.9 added by hand. */
	for (size_t i = 0; i < f.o.ns[a].n_fdb; i++)
		if (f.o.ns[a].fdb[i].dst.bytes[3] == 3)
			f.o.ns[a].fdb[i].dst.bytes[3] = 9;
	fx_diff(&f);
	fx_assert_plan(&f.r.plan,
		"- fdb del 00:00:00:00:00:00 dev vx0 dst 10.0.0.9\n"
		"+ fdb append 00:00:00:00:00:00 dev vx0 dst 10.0.0.3\n");
	diff_result_free(&f.r);

	/* Nothing declared: ours go, the kernel's (from remote) stays. */
	f.d.ns[0].n_fdb = 0;
	fx_diff(&f);
	text = fx_plan_text(&f.r.plan, false);
	assert_non_null(strstr(text, "- fdb del 00:00:00:00:00:00 dev vx0 dst 10.0.0.9\n"));
	assert_non_null(strstr(text, "- fdb del 00:00:00:00:00:00 dev vx0 dst 10.0.0.4\n"));
	assert_null(strstr(text, "dst 10.0.0.2"));
	free(text);
	diff_result_free(&f.r);

	/* On a vxlan that is not ours: untouched (and a conflict says why). */
	fx_oif(&f.o, "host", "vx0")->owned = false;
	e = topo_ns_fdb_add(&f.o.ns[a]);
	assert_non_null(e);
	*e = (struct topo_fdb){ .dev = "vx0", .dst = fx_ip("10.0.0.77") };
	fx_diff(&f);
	text = fx_plan_text(&f.r.plan, false);
	assert_null(strstr(text, "fdb del"));
	free(text);
	fx_free(&f);

}

/* Options: a declared one that drifted is one step in place, an undeclared
 * one is never drift, an immutable one is a replace with its note. */
static void test_link_option_drift(void **state)
{
	struct fx f = { 0 };
	struct topo_iface *br, *vx;

	(void)state;
	fx_load("topology: t\n"
		"namespaces:\n"
		"  host:\n"
		"    interfaces:\n"
		"      br0: {type: bridge, ageing_time: 12000, nf_call_iptables: true}\n"
		"      vx0: {type: vxlan, vni: 5, remote: 192.0.2.1, ttl: 64, udpcsum: false}\n", &f.d);
	fx_observe_converged(&f.d, &f.o);
	fx_diff(&f);
	fx_assert_plan(&f.r.plan, "");
	diff_result_free(&f.r);

	br = fx_oif(&f.o, "host", "br0");
	vx = fx_oif(&f.o, "host", "vx0");
	br->opt[BR_AGEING].u = 500;
	br->opt[BR_NF_IPT].u = 0;
	br->opt[BR_PRIORITY] = (struct topo_linkopt){ .set = true, .u = 7 };     /* not declared */
	vx->opt[VX_TTL].u = 3;
	vx->opt[VX_TOS] = (struct topo_linkopt){ .set = true, .u = 9 };          /* not declared */
	fx_diff(&f);
	fx_assert_plan(&f.r.plan,
		"~ link set br0 type bridge ageing_time 12000\n"
		"~ link set br0 type bridge nf_call_iptables 1\n"
		"~ link set vx0 type vxlan ttl 64\n");
	/* Rollback puts the kernel's values back. */
	for (size_t i = 0; i < f.r.plan.n; i++) {
		struct step inv;

		assert_int_equal(step_invert(&f.r.plan.steps[i], &inv), 0);
		assert_int_equal(inv.set->new.val.u, i == 0 ? 500 : i == 1 ? 0 : 3);
		step_free(&inv);
	}
	diff_result_free(&f.r);

	vx->opt[VX_UDPCSUM].u = 1;
	fx_diff(&f);
	char *text = fx_plan_text(&f.r.plan, false);

	assert_non_null(strstr(text, "- link del vx0  # replace: vxlan parameters changed\n"));
	assert_non_null(strstr(text, "+ link add vx0 type vxlan id 5 remote 192.0.2.1 dstport 4789 noudpcsum ttl 64  # replace"));
	free(text);
	fx_free(&f);
}

static void test_replace_vxlan_params(void **state)
{
	struct fx f = { 0 };

	(void)state;
	fx_load(rich, &f.d);
	fx_observe_converged(&f.d, &f.o);
	fx_oif(&f.o, "host", "vx0")->opt[VX_VNI].u = 43;
	fx_diff(&f);
	fx_assert_plan(&f.r.plan,
		"- link del vx0  # replace: vni changed\n"
		"+ link add vx0 type vxlan id 42 remote 192.0.2.9 dev eth0 dstport 4789  # replace: vni changed\n");
	diff_result_free(&f.r);
	fx_oif(&f.o, "host", "vx0")->opt[VX_VNI].u = 42;
	fx_oif(&f.o, "host", "vx0")->opt[VX_PORT].u = 8472;
	fx_diff(&f);
	fx_assert_plan(&f.r.plan,
		"- link del vx0  # replace: vxlan parameters changed\n"
		"+ link add vx0 type vxlan id 42 remote 192.0.2.9 dev eth0 dstport 4789  # replace: vxlan parameters changed\n");
	fx_free(&f);
}

/* A vxlan and the veth under it, both replaced: the vxlan goes first (the
 * kernel would take it along with its underlay) and comes back last. */
static void test_replace_vxlan_and_underlay(void **state)
{
	struct fx f = { 0 };
	struct topology before;

	(void)state;
	fx_load("topology: r\n"
		"namespaces:\n"
		"  host:\n"
		"    interfaces:\n"
		"      vethA: {addresses: [10.0.0.1/24]}\n"
		"      vx0: {type: vxlan, vni: 43, remote: 10.0.0.2, dev: vethA}\n"
		"  netns_A: {interfaces: {lo: {addresses: [10.9.0.1/32]}}}\n"
		"  netns_B: {interfaces: {eth0: {addresses: [10.0.0.2/24]}}}\n"
		"links:\n"
		"  - [host:vethA, netns_B:eth0]\n", &before);
	fx_observe_converged(&before, &f.o);
	topology_free(&before);
	fx_load("topology: r\n"
		"namespaces:\n"
		"  host:\n"
		"    interfaces:\n"
		"      vethA: {addresses: [10.0.0.1/24]}\n"
		"      vx0: {type: vxlan, vni: 42, remote: 10.0.0.2, dev: vethA}\n"
		"  netns_A: {interfaces: {eth0: {addresses: [10.0.0.2/24]}}}\n"
		"  netns_B: {interfaces: {lo: {addresses: [10.9.0.1/32]}}}\n"
		"links:\n"
		"  - [host:vethA, netns_A:eth0]\n", &f.d);
	fx_diff(&f);
	fx_assert_no_conflicts(&f.r);
	fx_assert_plan(&f.r.plan,
		"- link del vx0  # replace: vni changed\n"
		"- link del vethA (veth, with its peer eth0 in netns_B)  # replace: peer namespace changed\n"
		"+ link add vethA type veth peer eth0 netns netns_A  # replace: peer namespace changed\n"
		"+ link add vx0 type vxlan id 42 remote 10.0.0.2 dev vethA dstport 4789  # replace: vni changed\n"
		"~ link set eth0 up netns netns_A\n"
		"+ address add 10.0.0.1/24 dev vethA\n"
		"+ address add 10.0.0.2/24 dev eth0 netns netns_A\n"
		"+ address add 10.9.0.1/32 dev lo netns netns_B\n"
		"- address del 10.9.0.1/32 dev lo netns netns_A\n");
	fx_free(&f);
}

/* ---------------------------------------------------------- (8) sysctls -- */

static void test_sysctl_restore(void **state)
{
	struct fx f;
	const struct step *s;
	static const char no_sysctl[] =
		"topology: seed001\n"
		"namespaces:\n"
		"  host:\n"
		"    interfaces:\n"
		"      mybr0: {type: bridge, addresses: [172.18.0.1/16]}\n"
		"      vethA: {master: mybr0}\n"
		"      vethB: {master: mybr0}\n"
		SEED_NETNS_A
		SEED_NETNS_B
		"links:\n"
		"  - [host:vethA, netns_A:eth0]\n"
		"  - [host:vethB, netns_B:eth0]\n";

	(void)state;
	fx_seed_converged(&f, no_sysctl);
	fx_diff(&f);
	fx_assert_plan(&f.r.plan, "~ sysctl net.ipv4.ip_forward=0 (was 1)\n");
	s = &f.r.plan.steps[0];
	assert_int_equal(s->phase, PHASE_SYSCTL_RESTORE);
	assert_false(s->implicit);
	assert_string_equal(s->key, "net.ipv4.ip_forward");
	assert_string_equal(s->value, "0");
	assert_string_equal(s->old_value, "1");
	fx_assert_counts(&f.r.plan, 0, 1, 0);
	fx_free(&f);

	/* Already back at the recorded value: nothing. */
	fx_seed_converged(&f, no_sysctl);
	free(f.o.ns[0].sysctls[0].value);
	f.o.ns[0].sysctls[0].value = strdup("0");
	fx_diff(&f);
	assert_int_equal(f.r.plan.n, 0);
	fx_free(&f);
}

static void test_sysctl_missing_keys(void **state)
{
	struct fx f = { 0 };
	struct topo_ns *h;

	(void)state;
	fx_load("topology: s\n"
		"namespaces:\n"
		"  host:\n"
		"    sysctls:\n"
		"      net.bridge.bridge-nf-call-iptables: 1\n"
		"      net.ipv4.nosuch: 1\n"
		"      net.ipv4.conf.br9.rp_filter: 2\n"
		"      net.ipv4.ip_forward: 1\n"
		"    interfaces:\n"
		"      br9: {type: bridge}\n", &f.d);
	fx_host_base(&f.o);
	h = &f.o.ns[0];
	fx_sysctl(h, "net.ipv4.ip_forward", "0");
	fx_sysctl(h, "net.ipv4.nosuch", NULL);     /* read, not there */
	fx_diff(&f);
	assert_int_equal(f.r.conflicts.n, 2);
	assert_true(fx_msgs_have(&f.r.conflicts, "t.yaml:5:7: sysctl net.bridge.bridge-nf-call-iptables does "
				 "not exist in namespace host: net.bridge.* needs the br_netfilter module"));
	assert_true(fx_msgs_have(&f.r.conflicts, "t.yaml:6:7: sysctl net.ipv4.nosuch does not exist in "
				 "namespace host (no /proc/sys/net.ipv4.nosuch)"));
	/* The key of a link still to be made is set after the link, unknown
	 * before; a namespace-wide key before any link. */
	fx_assert_plan(&f.r.plan,
		"~ sysctl net.ipv4.ip_forward=1 (was 0)\n"
		"+ link add br9 type bridge\n"
		"~ sysctl net.ipv4.conf.br9.rp_filter=2\n"
		"~ link set br9 up\n");
	assert_null(f.r.plan.steps[2].old_value);
	assert_int_equal(f.r.plan.steps[0].phase, PHASE_SYSCTL_NS);
	assert_int_equal(f.r.plan.steps[2].phase, PHASE_SYSCTL_IF);
	fx_free(&f);
}

/* -------------------------------------------------------------- (9) nft -- */

static const char natted[] =
	"topology: nat1\n"
	"namespaces:\n"
	"  host:\n"
	"    sysctls: {net.ipv4.ip_forward: 1}\n"
	"    interfaces:\n"
	"      docker0: {type: bridge, addresses: [172.17.0.1/16]}\n"
	"    nat:\n"
	"      - masquerade: {source: 172.17.0.0/16, out: \"!docker0\"}\n"
	"      - dnat: {protocol: tcp, port: 8080, to: \"172.17.0.2:80\"}\n"
	"    forward:\n"
	"      - {action: accept, in: docker0}\n";

static void test_nft_table_absent(void **state)
{
	struct fx f = { 0 };
	const struct step *s;
	struct topo_ns *h;

	(void)state;
	fx_load(natted, &f.d);
	fx_observe_converged(&f.d, &f.o);
	h = &f.o.ns[0];
	nft_rules_free(h->nft_rules, h->n_nft_rules);
	h->nft_rules = NULL;
	h->n_nft_rules = 0;
	h->nft_table = false;
	fx_diff(&f);
	fx_assert_plan(&f.r.plan, "+ nft table inet topo-nat1\n");
	s = &f.r.plan.steps[0];
	assert_int_equal(s->op, STEP_NFT_SET);
	assert_int_equal(s->phase, PHASE_NFT);
	assert_false(s->nf->nft_had_table);
	assert_ptr_equal(s->nf->nft_desired, &f.d.ns[0]);
	assert_string_equal(s->table, "topo-nat1");
	assert_int_equal(s->pos.line, 8);
	assert_null(s->detail);
	fx_assert_counts(&f.r.plan, 1, 0, 0);
	fx_free(&f);
}

static void test_nft_converged_and_drift(void **state)
{
	struct fx f = { 0 };
	const struct step *s;
	struct topo_ns *h;

	(void)state;
	fx_load(natted, &f.d);
	fx_observe_converged(&f.d, &f.o);
	h = &f.o.ns[0];
	/* chain lines and rules, as nft_render has them */
	assert_int_equal(h->n_nft_rules, 8);
	fx_diff(&f);
	assert_int_equal(f.r.plan.n, 0);
	diff_result_free(&f.r);

	/* The masquerade rule (postrouting, index 5) is gone from the kernel. */
	assert_string_equal(h->nft_rules[5].chain, "postrouting");
	free(h->nft_rules[5].chain);
	free(h->nft_rules[5].text);
	memmove(&h->nft_rules[5], &h->nft_rules[6], 2 * sizeof(h->nft_rules[0]));
	h->n_nft_rules--;
	fx_diff(&f);
	fx_assert_plan(&f.r.plan, "~ nft table inet topo-nat1\n");
	s = &f.r.plan.steps[0];
	assert_int_equal(s->op, STEP_NFT_SET);
	assert_true(s->nf->nft_had_table);
	assert_string_equal(s->detail,
		"missing in chain postrouting: meta nfproto ipv4 oifname != \"docker0\" ip saddr 172.17.0.0/16 "
		"counter masquerade\n");
	fx_assert_counts(&f.r.plan, 0, 1, 0);
	diff_result_free(&f.r);

	/* A rule that is not declared, and the order. */
	{
		struct topo_nft_rule *v = realloc(h->nft_rules, (h->n_nft_rules + 1) * sizeof(*v));

		assert_non_null(v);
		h->nft_rules = v;
		v[h->n_nft_rules].chain = strdup("forward");
		v[h->n_nft_rules++].text = strdup("counter drop");
	}
	fx_diff(&f);
	assert_string_equal(f.r.plan.steps[0].detail,
		"missing in chain postrouting: meta nfproto ipv4 oifname != \"docker0\" ip saddr 172.17.0.0/16 "
		"counter masquerade\n"
		"unexpected in chain forward: counter drop\n");
	diff_result_free(&f.r);
	topology_free(&f.o);
	fx_observe_converged(&f.d, &f.o);
	h = &f.o.ns[0];
	{
		struct topo_nft_rule t = h->nft_rules[1];

		h->nft_rules[1] = h->nft_rules[3];
		h->nft_rules[3] = t;
	}
	fx_diff(&f);
	assert_string_equal(f.r.plan.steps[0].detail, "rules in another order\n");
	fx_free(&f);
}

static void test_nft_table_not_declared(void **state)
{
	struct fx f;
	const struct step *s;

	(void)state;
	fx_seed_converged(&f, NULL);
	f.o.ns[0].nft_table = true;
	fx_diff(&f);
	fx_assert_plan(&f.r.plan, "- nft table inet topo-seed001\n");
	s = &f.r.plan.steps[0];
	assert_int_equal(s->op, STEP_NFT_DEL);
	assert_int_equal(s->phase, PHASE_NFT_DEL);
	assert_true(s->nf->nft_had_table);
	fx_assert_counts(&f.r.plan, 0, 0, 1);
	fx_free(&f);
}

static void test_nft_foreign_drop_warning(void **state)
{
	struct fx f = { 0 };
	struct topo_ns *h;

	(void)state;
	fx_load(natted, &f.d);
	fx_observe_converged(&f.d, &f.o);
	h = &f.o.ns[0];
	h->nft_foreign_drop = calloc(1, sizeof(char *));
	h->nft_foreign_drop[0] = strdup("table ip filter chain FORWARD");
	h->n_nft_foreign_drop = 1;
	fx_diff(&f);
	assert_int_equal(f.r.plan.n, 0);
	assert_int_equal(f.r.warnings.n, 1);
	assert_true(fx_msgs_have(&f.r.warnings, "namespace host: table ip filter chain FORWARD drops forwarded "
				 "packets by default"));
	fx_free(&f);
}

/*
 * A namespace still to be created, with nat: its table is part of the plan
 * from the start, like its sysctls (phase NFT runs after NETNS_ADD).
 */
static void test_nft_in_new_namespace(void **state)
{
	struct fx f = { 0 };

	(void)state;
	fx_load("topology: n\n"
		"namespaces:\n"
		"  gw:\n"
		"    sysctls: {net.ipv4.ip_forward: 1}\n"
		"    interfaces: {lo: {addresses: [10.0.0.1/32]}}\n"
		"    nat:\n"
		"      - masquerade: {source: 10.1.0.0/24}\n", &f.d);
	fx_observe_empty(&f.d, &f.o, NULL);
	fx_diff(&f);
	fx_assert_no_conflicts(&f.r);
	fx_assert_plan(&f.r.plan,
		"+ netns add gw\n"
		"~ sysctl net.ipv4.ip_forward=1 netns gw\n"
		"+ address add 10.0.0.1/32 dev lo netns gw\n"
		"+ nft table inet topo-n netns gw\n");
	fx_assert_counts(&f.r.plan, 3, 1, 0);
	fx_free(&f);
}

/* ------------------------------------------------------------ (10) scale -- */

#define STAR_N 2000

static void star_yaml(char **ret)
{
	size_t len = 0;
	FILE *f = open_memstream(ret, &len);

	assert_non_null(f);
	fprintf(f, "topology: star\nnamespaces:\n  host:\n    interfaces:\n"
		"      br0: {type: bridge, addresses: [10.0.0.1/16]}\n");
	for (int i = 0; i < STAR_N; i++)
		fprintf(f, "      h%d: {master: br0}\n", i);
	for (int i = 0; i < STAR_N; i++)
		fprintf(f, "  ns%d:\n    interfaces: {eth0: {addresses: [10.0.%d.%d/16]}}\n"
			"    routes: [{to: default, via: 10.0.0.1}]\n", i, (i + 2) / 256, (i + 2) % 256);
	fprintf(f, "links:\n");
	for (int i = 0; i < STAR_N; i++)
		fprintf(f, "  - [host:h%d, ns%d:eth0]\n", i, i);
	fclose(f);
}

static void test_scale_star(void **state)
{
	struct fx f = { 0 };
	char *yaml;

	(void)state;
	star_yaml(&yaml);
	fx_load(yaml, &f.d);
	free(yaml);
	assert_int_equal(f.d.n_ns, STAR_N + 1);

	fx_observe_empty(&f.d, &f.o, NULL);
	assert_int_equal(topo_diff(&f.d, &f.o, &f.s, &f.r), 0);
	fx_assert_no_conflicts(&f.r);
	fx_assert_phase_order(&f.r.plan);
	/* netns, bridge + veths, addresses, routes; the peers' up steps. */
	fx_assert_counts(&f.r.plan, STAR_N + 1 + STAR_N + STAR_N + 1 + STAR_N, 0, 0);
	/* ... and the bridge's, created down, up after its ports and addresses. */
	assert_int_equal(f.r.plan.n, 5 * STAR_N + 3);
	diff_result_free(&f.r);
	topology_free(&f.o);

	fx_observe_converged(&f.d, &f.o);
	assert_int_equal(topo_diff(&f.d, &f.o, &f.s, &f.r), 0);
	fx_assert_no_conflicts(&f.r);
	assert_int_equal(f.r.plan.n, 0);
	fx_free(&f);
}

/* ---------------------------------------------------------------- misc -- */

/* A declared namespace the backend did not report is an internal error. */
static void test_unobserved_namespace(void **state)
{
	struct fx f = { 0 };

	(void)state;
	fx_load(seed, &f.d);
	fx_host_base(&f.o);
	fx_diff(&f);
	assert_true(fx_msgs_have(&f.r.conflicts, "namespace netns_A was not observed (internal error)"));
	assert_true(fx_msgs_have(&f.r.conflicts, "namespace netns_B was not observed (internal error)"));
	fx_free(&f);
}

/* Attached namespaces: never created, never deleted; missing = conflict. */
static void test_attached_namespace(void **state)
{
	struct fx f = { 0 };

	(void)state;
	fx_load("topology: att\n"
		"namespaces:\n"
		"  app:\n"
		"    path: /var/run/docker/netns/1a2b\n"
		"    interfaces: {lo: {addresses: [10.3.0.2/32]}}\n", &f.d);
	fx_host_base(&f.o);
	fx_ns(&f.o, "app", TOPO_NS_PATH, false);
	fx_diff(&f);
	assert_int_equal(f.r.conflicts.n, 1);
	assert_true(fx_msgs_have(&f.r.conflicts, "namespace app: its path is not a network namespace"));
	assert_int_equal(fx_count_op(&f.r.plan, STEP_NETNS_ADD, false), 0);
	fx_free(&f);

	/* Present, with a foreign address on lo and ours missing. */
	memset(&f, 0, sizeof(f));
	fx_load("topology: att\n"
		"namespaces:\n"
		"  app:\n"
		"    path: /var/run/docker/netns/1a2b\n"
		"    interfaces: {lo: {addresses: [10.3.0.2/32]}}\n", &f.d);
	fx_host_base(&f.o);
	{
		struct topo_ns *app = fx_ns(&f.o, "app", TOPO_NS_PATH, true);
		struct topo_iface *e;

		fx_lo(app, NULL);
		e = fx_if(app, "eth0", TOPO_IF_VETH, 5);
		fx_addr(e, "172.17.0.5/16", 0);
		fx_route(app, "default4", "172.17.0.1", "eth0", FX_RTPROT_BOOT);
	}
	fx_diff(&f);
	fx_assert_no_conflicts(&f.r);
	fx_assert_plan(&f.r.plan, "+ address add 10.3.0.2/32 dev lo netns app\n");
	fx_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_kernel_seed),
		cmocka_unit_test(test_route_options_drift),
		cmocka_unit_test(test_route_nexthop_link_gone),
		cmocka_unit_test(test_absent_deletes_kernel_routes),
		cmocka_unit_test(test_absent_restores_recorded),
		cmocka_unit_test(test_shaping_diff),
		cmocka_unit_test(test_shaping_new_link),
		cmocka_unit_test(test_empty_kernel_veth_local_end),
		cmocka_unit_test(test_empty_kernel_veth_both_masters),
		cmocka_unit_test(test_empty_kernel_creation_order),
		cmocka_unit_test(test_converged_seed),
		cmocka_unit_test(test_converged_rich),
		cmocka_unit_test(test_minimal_address_change),
		cmocka_unit_test(test_minimal_prefix_length_change_ipv4),
		cmocka_unit_test(test_minimal_mtu_change),
		cmocka_unit_test(test_addr_gen_mode_new_links),
		cmocka_unit_test(test_addr_gen_mode_existing),
		cmocka_unit_test(test_minimal_prefix_length_change_ipv6),
		cmocka_unit_test(test_other_topology_blackhole_untouched),
		cmocka_unit_test(test_adopt_hand_built_lab),
		cmocka_unit_test(test_adopt_leaves_other_topologies),
		cmocka_unit_test(test_own_blackhole_recorded_is_removed),
		cmocka_unit_test(test_minimal_route_via_change),
		cmocka_unit_test(test_addresses_in_file_order),
		cmocka_unit_test(test_mtu_below_1280_ipv6_first),
		cmocka_unit_test(test_mtu_default_when_not_declared),
		cmocka_unit_test(test_sysctl_phases),
		cmocka_unit_test(test_ip_forward_warning),
		cmocka_unit_test(test_minimal_link_attrs),
		cmocka_unit_test(test_canonical_compare),
		cmocka_unit_test(test_foreign_link_declared_name),
		cmocka_unit_test(test_link_of_another_topology),
		cmocka_unit_test(test_other_topology_addresses_untouched),
		cmocka_unit_test(test_other_topology_routes_untouched),
		cmocka_unit_test(test_foreign_objects_never_in_plan),
		cmocka_unit_test(test_created_namespace_undeclared_link_deleted),
		cmocka_unit_test(test_foreign_namespace_conflict),
		cmocka_unit_test(test_prune_namespace),
		cmocka_unit_test(test_prune_namespace_inner_links),
		cmocka_unit_test(test_replace_peer_namespace_changed),
		cmocka_unit_test(test_replace_kind_changed),
		cmocka_unit_test(test_bridge_removed_ports_stay),
		cmocka_unit_test(test_replace_vxlan_params),
		cmocka_unit_test(test_macvlan),
		cmocka_unit_test(test_link_option_drift),
		cmocka_unit_test(test_vxlan_fdb),
		cmocka_unit_test(test_replace_vxlan_and_underlay),
		cmocka_unit_test(test_sysctl_restore),
		cmocka_unit_test(test_sysctl_missing_keys),
		cmocka_unit_test(test_nft_table_absent),
		cmocka_unit_test(test_nft_converged_and_drift),
		cmocka_unit_test(test_nft_table_not_declared),
		cmocka_unit_test(test_nft_foreign_drop_warning),
		cmocka_unit_test(test_nft_in_new_namespace),
		cmocka_unit_test(test_scale_star),
		cmocka_unit_test(test_unobserved_namespace),
		cmocka_unit_test(test_attached_namespace),
	};

	return cmocka_run_group_tests_name("diff", tests, NULL, NULL);
}
