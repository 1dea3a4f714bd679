// SPDX-License-Identifier: MIT
/* reconcile/owner.c: whose an object is, and the diff's conflicts that follow. */
#include "tests/unit/fixtures.h"
#include "reconcile/owner.h"

#define RTPROT_OSPF 188

static const char lo_lab[] =
	"topology: lab2\n"
	"namespaces:\n"
	"  host:\n"
	"    interfaces:\n"
	"      lo: {addresses: [10.255.1.1/32]}\n"
	"    routes:\n"
	"      - {to: 10.127.0.0/24, type: blackhole}\n";

/* host with lo carrying topo's address and blackhole route, as lab1 left them. */
static void host_with_lab1(struct topology *o)
{
	struct topo_ns *h = fx_host_base(o);
	struct topo_iface *lo = &h->ifaces[topo_ns_iface_find(h, "lo")];

	fx_addr(lo, "10.255.1.1/32", TOPO_IFAPROT);
	fx_route(h, "10.127.0.0/24", NULL, NULL, TOPO_RTPROT)->type = TOPO_RT_BLACKHOLE;
}

/* lab1's record of them. */
static void lab1_state(struct topo_state *s)
{
	struct topo_ip ip = fx_ip("10.255.1.1/32");
	struct topo_route rt = { .dst = fx_ip("10.127.0.0/24"), .table = TOPO_TABLE_MAIN, .type = TOPO_RT_BLACKHOLE };
	char *a = topo_object_id_addr("host", "lo", &ip), *r = topo_object_id_route("host", &rt);

	memset(s, 0, sizeof(*s));
	snprintf(s->topology, sizeof(s->topology), "lab1");
	assert_int_equal(topo_state_object_put(s, a), 0);
	assert_int_equal(topo_state_object_put(s, r), 0);
	free(a);
	free(r);
}

static void test_route_protocols(void **state)
{
	static const unsigned char daemons[] = { 11, 12, 16, 18, 42, 186, 187, 188, 189, 192 };

	(void)state;
	for (size_t i = 0; i < sizeof(daemons); i++) {
		assert_int_equal(owner_route_protocol(true, daemons[i]), OWNER_FOREIGN);
		assert_int_equal(owner_route_protocol(false, daemons[i]), OWNER_FOREIGN);
	}
	/* By hand or by topo in its own namespace: drift, topo's to fix. */
	assert_int_equal(owner_route_protocol(true, 0), OWNER_OURS);
	assert_int_equal(owner_route_protocol(true, 1), OWNER_OURS);
	assert_int_equal(owner_route_protocol(true, FX_RTPROT_BOOT), OWNER_OURS);
	assert_int_equal(owner_route_protocol(true, FX_RTPROT_STATIC), OWNER_OURS);
	assert_int_equal(owner_route_protocol(true, TOPO_RTPROT), OWNER_OURS);
	/* Elsewhere only topo's protocol. */
	assert_int_equal(owner_route_protocol(false, FX_RTPROT_BOOT), OWNER_FOREIGN);
	assert_int_equal(owner_route_protocol(false, TOPO_RTPROT), OWNER_OURS);
	/* The kernel's own (prefix routes, router advertisements). */
	assert_int_equal(owner_route_protocol(true, FX_RTPROT_KERNEL), OWNER_KERNEL);
	assert_int_equal(owner_route_protocol(true, 9), OWNER_KERNEL);
}

/* Two labs declaring the same address and blackhole on host's lo: the
 * second is refused, naming the first. */
static void test_other_topology_record_is_a_conflict(void **state)
{
	struct topology d, o;
	struct topo_state mine = { 0 }, other;
	struct diff_opts opts = { 0 };
	struct diff_result r;
	struct owner_ctx ctx;
	struct owner_scope sc;

	(void)state;
	fx_load(lo_lab, &d);
	memset(&o, 0, sizeof(o));
	host_with_lab1(&o);
	lab1_state(&other);
	snprintf(mine.topology, sizeof(mine.topology), "lab2");

	/* Without the others' records, lab2 would call them its own. */
	assert_int_equal(topo_diff(&d, &o, &mine, &r), 0);
	assert_int_equal(r.conflicts.n, 0);
	assert_int_equal(r.plan.n, 0);
	diff_result_free(&r);

	opts.others = &other;
	opts.n_others = 1;
	assert_int_equal(topo_diff_opts(&d, &o, &mine, &opts, &r), 0);
	assert_int_equal(r.conflicts.n, 2);
	assert_true(fx_msgs_have(&r.conflicts, "address 10.255.1.1/32 on lo in namespace host belongs to topology 'lab1'"));
	assert_true(fx_msgs_have(&r.conflicts, "blackhole 10.127.0.0/24 in namespace host belongs to topology 'lab1'"));
	diff_result_free(&r);

	/* The verdicts themselves. */
	assert_int_equal(owner_ctx_init(&ctx, &d, &mine, &other, 1, false), 0);
	assert_int_equal(owner_scope_init(&sc, &ctx, &o.ns[0], &d.ns[0]), 0);
	assert_int_equal(owner_addr(&ctx, &sc, &o.ns[0].ifaces[0], &o.ns[0].ifaces[0].addrs[2]), OWNER_OTHER);
	assert_int_equal(owner_addr(&ctx, &sc, &o.ns[0].ifaces[0], &o.ns[0].ifaces[0].addrs[0]), OWNER_KERNEL);
	assert_int_equal(owner_route(&ctx, &sc, &o.ns[0].routes[o.ns[0].n_routes - 1]), OWNER_OTHER);
	assert_string_equal(owner_route_other(&ctx, "host", &o.ns[0].routes[o.ns[0].n_routes - 1]), "lab1");
	owner_scope_free(&sc);
	owner_ctx_free(&ctx);

	topo_state_free(&mine);
	topo_state_free(&other);
	topology_free(&d);
	topology_free(&o);
}

/* Even when this topology's record claims them too (a run before the
 * rule), its destroy leaves what another topology recorded. */
static void test_destroy_leaves_other_topology_record(void **state)
{
	struct topology d = { 0 }, o = { 0 };
	struct topo_state mine, other;
	struct diff_opts opts = { 0 };
	struct diff_result r;

	(void)state;
	snprintf(d.name, sizeof(d.name), "lab2");
	host_with_lab1(&o);
	lab1_state(&other);
	lab1_state(&mine);
	snprintf(mine.topology, sizeof(mine.topology), "lab2");
	assert_int_equal(topo_diff(&d, &o, &mine, &r), 0);
	assert_true(r.plan.n > 0);          /* without the others: lab1's objects would go */
	diff_result_free(&r);
	opts.others = &other;
	opts.n_others = 1;
	assert_int_equal(topo_diff_opts(&d, &o, &mine, &opts, &r), 0);
	fx_assert_no_conflicts(&r);
	assert_int_equal(r.plan.n, 0);
	diff_result_free(&r);
	topo_state_free(&mine);
	topo_state_free(&other);
	topology_free(&o);
}

static const char pending_lab[] =
	"topology: lab2\n"
	"namespaces:\n"
	"  host:\n"
	"    interfaces:\n"
	"      br-x: {type: bridge}\n";

/* An unmarked link another topology recorded as being created (it died
 * before marking it) is that topology's, even under --adopt. */
static void test_other_topology_pending_link(void **state)
{
	struct topology d, o = { 0 };
	struct topo_state st = { 0 }, other = { 0 };
	struct diff_opts opts = { .others = &other, .n_others = 1, .adopt = true };
	struct diff_result r;

	(void)state;
	fx_load(pending_lab, &d);
	fx_if(fx_host_base(&o), "br-x", TOPO_IF_BRIDGE, 40);
	snprintf(other.topology, sizeof(other.topology), "lab1");
	assert_int_equal(topo_state_link_put(&other, "host", "br-x"), 0);
	assert_int_equal(topo_diff_opts(&d, &o, &st, &opts, &r), 0);
	assert_int_equal(r.conflicts.n, 1);
	assert_true(fx_msgs_have(&r.conflicts, "interface br-x in namespace host belongs to topology 'lab1', not 'lab2'"));
	diff_result_free(&r);
	topo_state_free(&other);
	topology_free(&d);
	topology_free(&o);
}

static const char nat_lab[] =
	"topology: natlab\n"
	"namespaces:\n"
	"  host:\n"
	"    sysctls: {net.ipv4.ip_forward: 1}\n"
	"    nat:\n"
	"      - masquerade: {source: 10.77.0.0/24, out: eth9}\n";

/* A table named topo-<name> without the mark: refused by apply, left by destroy. */
static void test_nft_table_without_mark(void **state)
{
	struct topology d, empty = { 0 }, o = { 0 };
	struct topo_state st = { 0 };
	struct diff_result r;
	struct topo_ns *h;

	(void)state;
	fx_load(nat_lab, &d);
	snprintf(empty.name, sizeof(empty.name), "natlab");
	snprintf(st.topology, sizeof(st.topology), "natlab");
	h = fx_host_base(&o);
	fx_sysctl(h, "net.ipv4.ip_forward", "1");
	h->nft_table_foreign = true;
	assert_non_null(topo_ns_nft_rule_add(h));
	h->nft_rules[0].chain = strdup("postrouting");
	h->nft_rules[0].text = strdup("ip saddr 10.66.0.0/16 masquerade");

	assert_int_equal(topo_diff(&d, &o, &st, &r), 0);
	assert_int_equal(r.conflicts.n, 1);
	assert_true(fx_msgs_have(&r.conflicts, "nft table inet topo-natlab in namespace host exists and was not made by topo"));
	diff_result_free(&r);
	assert_int_equal(topo_diff(&empty, &o, &st, &r), 0);
	fx_assert_no_conflicts(&r);
	assert_int_equal(fx_count_op(&r.plan, STEP_NFT_DEL, false), 0);
	diff_result_free(&r);

	/* With the mark it is ours: destroy deletes it. */
	h->nft_table_foreign = false;
	h->nft_table = true;
	assert_int_equal(topo_diff(&empty, &o, &st, &r), 0);
	assert_int_equal(fx_count_op(&r.plan, STEP_NFT_DEL, false), 1);
	diff_result_free(&r);

	topo_state_free(&st);
	topology_free(&d);
	topology_free(&o);
}

static const char attached_lab[] =
	"topology: selfish\n"
	"namespaces:\n"
	"  box:\n"
	"    path: /run/docker/netns/default\n"
	"    interfaces:\n"
	"      lo: {addresses: [10.91.0.2/32]}\n";

/* An attached namespace that is host under another name. */
static void test_attached_namespace_is_host(void **state)
{
	struct topology d, o = { 0 };
	struct topo_state st = { 0 };
	struct diff_result r;
	struct topo_ns *box;

	(void)state;
	fx_load(attached_lab, &d);
	fx_host_base(&o);
	box = fx_ns(&o, "box", TOPO_NS_PATH, true);
	box->path = strdup("/run/docker/netns/default");
	box->is_self = true;
	assert_int_equal(topo_diff(&d, &o, &st, &r), 0);
	assert_int_equal(r.conflicts.n, 1);
	assert_true(fx_msgs_have(&r.conflicts, "namespace box (path /run/docker/netns/default) is the namespace topo runs in"));
	diff_result_free(&r);
	/* Not recognised: it would be used as another namespace. */
	box->is_self = false;
	fx_lo(box, NULL);
	assert_int_equal(topo_diff(&d, &o, &st, &r), 0);
	fx_assert_no_conflicts(&r);
	assert_int_equal(fx_count_op(&r.plan, STEP_ADDR_ADD, false), 1);
	diff_result_free(&r);
	topology_free(&d);
	topology_free(&o);
}

static const char adopt_lab[] =
	"topology: adopted\n"
	"namespaces:\n"
	"  host:\n"
	"    interfaces:\n"
	"      kb: {type: bridge}\n"
	"      hb: {type: bridge}\n";

/* --adopt marks in place; a kind mismatch would need a replace: refused. */
static void test_adopt_refuses_replace(void **state)
{
	struct topology d, o = { 0 };
	struct topo_state st = { 0 };
	struct diff_opts adopt = { .adopt = true };
	struct diff_result r;
	struct topo_ns *h;

	(void)state;
	fx_load(adopt_lab, &d);
	h = fx_host_base(&o);
	fx_if(h, "kb", TOPO_IF_VETH, 20);
	fx_if(h, "hb", TOPO_IF_BRIDGE, 21);
	assert_int_equal(topo_diff_opts(&d, &o, &st, &adopt, &r), 0);
	assert_int_equal(r.conflicts.n, 1);
	assert_true(fx_msgs_have(&r.conflicts, "apply --adopt would have to delete `- link del kb"));
	assert_true(fx_msgs_have(&r.conflicts, "(replace: kind changed)"));
	diff_result_free(&r);
	/* The same kind: only marks. */
	fx_set_type(&h->ifaces[topo_ns_iface_find(h, "kb")], TOPO_IF_BRIDGE);
	assert_int_equal(topo_diff_opts(&d, &o, &st, &adopt, &r), 0);
	fx_assert_no_conflicts(&r);
	for (size_t i = 0; i < r.plan.n; i++)
		assert_int_equal(r.plan.steps[i].attr, LINK_ATTR_MARK);
	assert_int_equal(r.plan.n, 2);
	diff_result_free(&r);
	topology_free(&d);
	topology_free(&o);
}

static const char adopt_veth_lab[] =
	"topology: adopted\n"
	"namespaces:\n"
	"  host:\n"
	"    interfaces:\n"
	"      hv: {}\n"
	"  hand:\n"
	"    interfaces:\n"
	"      eth0: {}\n"
	"links:\n"
	"  - [host:hv, hand:eth0]\n";

/* A veth whose peer is in an undeclared namespace, and a route nobody
 * declares in a namespace --adopt takes over: deletes, so refused. */
static void test_adopt_refuses_deletes(void **state)
{
	struct topology d, o = { 0 };
	struct topo_state st = { 0 };
	struct diff_opts adopt = { .adopt = true };
	struct diff_result r;
	struct topo_ns *h, *hand;
	struct topo_iface *hv;

	(void)state;
	fx_load(adopt_veth_lab, &d);
	h = fx_host_base(&o);
	hv = fx_if(h, "hv", TOPO_IF_VETH, 30);
	assert_int_equal(topo_iface_set_peer(hv, "elsewhere", "eth0"), 0);
	hv->peer_netnsid = 3;
	hand = fx_ns(&o, "hand", TOPO_NS_CREATED, true);
	fx_lo(hand, NULL);
	fx_route(hand, "10.88.0.0/16", NULL, "lo", FX_RTPROT_BOOT);
	assert_int_equal(topo_diff_opts(&d, &o, &st, &adopt, &r), 0);
	assert_true(fx_msgs_have(&r.conflicts, "apply --adopt would have to delete `- link del hv"));
	assert_true(fx_msgs_have(&r.conflicts, "(replace: peer namespace changed)"));
	assert_true(fx_msgs_have(&r.conflicts, "apply --adopt would have to delete `- route del 10.88.0.0/16 dev lo netns hand"));
	assert_int_equal(r.conflicts.n, 2);
	diff_result_free(&r);
	/* The route declared, the veth where the file says: only marks. */
	assert_int_equal(topo_iface_set_peer(hv, "hand", "eth0"), 0);
	fx_if(hand, "eth0", TOPO_IF_VETH, 2);
	fx_peer(&o, "host", "hv", "hand", "eth0");
	hand->n_routes = 0;
	assert_int_equal(topo_diff_opts(&d, &o, &st, &adopt, &r), 0);
	fx_assert_no_conflicts(&r);
	for (size_t i = 0; i < r.plan.n; i++)
		assert_int_equal(r.plan.steps[i].attr, LINK_ATTR_MARK);
	assert_int_equal(r.plan.n, 2);
	diff_result_free(&r);
	topology_free(&d);
	topology_free(&o);
}

static const char routed_lab[] =
	"topology: routed\n"
	"namespaces:\n"
	"  r1:\n"
	"    interfaces:\n"
	"      lo: {addresses: [10.1.1.1/32]}\n";

/* In a namespace topo created: a daemon's route stays, a boot route is drift;
 * a namespace whose lo carries another topology's mark is that topology's,
 * whatever this one's record says. */
static void test_created_namespace_routes_and_marks(void **state)
{
	struct topology d, o = { 0 };
	struct topo_state st = { 0 };
	struct diff_result r;
	struct topo_ns *r1;
	struct topo_iface *lo;

	(void)state;
	fx_load(routed_lab, &d);
	snprintf(st.topology, sizeof(st.topology), "routed");
	assert_int_equal(topo_state_ns_put(&st, "r1", TOPO_NS_CREATED, NULL, 0), 0);
	fx_host_base(&o);
	r1 = fx_ns(&o, "r1", TOPO_NS_CREATED, true);
	r1->owned = true;
	lo = fx_lo(r1, "routed");
	fx_addr(lo, "10.1.1.1/32", TOPO_IFAPROT);
	fx_route(r1, "10.200.0.0/24", NULL, "lo", RTPROT_OSPF);
	fx_route(r1, "10.201.0.0/24", NULL, "lo", 186);
	assert_int_equal(topo_diff(&d, &o, &st, &r), 0);
	fx_assert_no_conflicts(&r);
	assert_int_equal(r.plan.n, 0);
	diff_result_free(&r);

	fx_route(r1, "10.204.0.0/24", NULL, "lo", FX_RTPROT_BOOT);
	assert_int_equal(topo_diff(&d, &o, &st, &r), 0);
	fx_assert_plan(&r.plan, "- route del 10.204.0.0/24 dev lo netns r1\n");
	diff_result_free(&r);

	r1->owned = false;
	fx_own(lo, "otherlab");
	assert_int_equal(topo_diff(&d, &o, &st, &r), 0);
	assert_true(fx_msgs_have(&r.conflicts, "it belongs to topology 'otherlab'"));
	diff_result_free(&r);

	topo_state_free(&st);
	topology_free(&d);
	topology_free(&o);
}

static const char adopt_docker_lab[] =
	"topology: adoptdocker\n"
	"namespaces:\n"
	"  host:\n"
	"    interfaces:\n"
	"      docker0: {type: bridge, addresses: [172.17.0.1/16]}\n"
	"      mybr: {type: bridge}\n";

/* A bridge whose port leads into a namespace the file does not declare (a
 * container's): Docker's, never adopted, the message names the owner. A
 * hand-made bridge with no such port is still adopted. */
static void test_adopt_refuses_runtime_bridges(void **state)
{
	struct topology d, o = { 0 };
	struct topo_state st = { 0 };
	struct diff_opts adopt = { .adopt = true };
	struct diff_result r;
	struct owner_ctx ctx;
	struct owner_scope sc;
	struct topo_ns *h;
	struct topo_iface *port, *br;
	char why[256];

	(void)state;
	fx_load(adopt_docker_lab, &d);
	h = fx_host_base(&o);
	fx_if(h, "docker0", TOPO_IF_BRIDGE, 30);
	fx_if(h, "mybr", TOPO_IF_BRIDGE, 31);
	port = &h->ifaces[topo_ns_iface_find(h, "vethforeign")];
	snprintf(port->master, sizeof(port->master), "docker0");
	port->master_ifindex = 30;
	assert_int_equal(topo_diff_opts(&d, &o, &st, &adopt, &r), 0);
	assert_int_equal(r.conflicts.n, 1);
	assert_true(fx_msgs_have(&r.conflicts, "docker0 is Docker's: its ports lead to container namespaces"));
	diff_result_free(&r);

	assert_int_equal(owner_ctx_init(&ctx, &d, &st, NULL, 0, true), 0);
	assert_int_equal(owner_scope_init(&sc, &ctx, h, &d.ns[0]), 0);
	br = &h->ifaces[topo_ns_iface_find(h, "docker0")];
	assert_int_equal(owner_link(&ctx, &sc, br), OWNER_FOREIGN);
	assert_int_equal(owner_link(&ctx, &sc, &h->ifaces[topo_ns_iface_find(h, "mybr")]), OWNER_ADOPTABLE);
	assert_null(owner_adopt_refusal(&ctx, &sc, &h->ifaces[topo_ns_iface_find(h, "mybr")], why, sizeof(why)));
	/* The same ports under another name: whose is unknown, still refused. */
	snprintf(br->name, sizeof(br->name), "lab7");
	snprintf(port->master, sizeof(port->master), "lab7");
	assert_string_equal(owner_adopt_refusal(&ctx, &sc, br, why, sizeof(why)),
			    "lab7 is a container runtime's: its ports lead to container namespaces");
	/* cni0 without ports: CNI's by its name. */
	snprintf(br->name, sizeof(br->name), "cni0");
	port->master[0] = 0;
	port->master_ifindex = 0;
	assert_string_equal(owner_adopt_refusal(&ctx, &sc, br, why, sizeof(why)), "cni0 is CNI's bridge");
	/* Docker's user networks: br-<12 hex>; br-lab is anybody's. */
	snprintf(br->name, sizeof(br->name), "br-0123456789ab");
	assert_non_null(owner_adopt_refusal(&ctx, &sc, br, why, sizeof(why)));
	snprintf(br->name, sizeof(br->name), "br-lab");
	assert_null(owner_adopt_refusal(&ctx, &sc, br, why, sizeof(why)));
	owner_scope_free(&sc);
	owner_ctx_free(&ctx);
	topology_free(&d);
	topology_free(&o);
}

static const char adopt_runtime_ns_lab[] =
	"topology: adoptns\n"
	"namespaces:\n"
	"  cni-1234:\n"
	"    interfaces:\n"
	"      eth0: {type: bridge, addresses: [10.22.0.2/16]}\n"
	"  web:\n"
	"    path: /run/docker/netns/abc123\n"
	"    interfaces:\n"
	"      eth1: {type: bridge}\n"
	"  mine:\n"
	"    path: /run/netns/mine\n"
	"    interfaces:\n"
	"      eth2: {type: bridge}\n";

/* Namespaces under Docker's or CNI's directories: never adopted, nor
 * anything in them; an attachment elsewhere still is. */
static void test_adopt_refuses_runtime_namespaces(void **state)
{
	struct topology d, o = { 0 };
	struct topo_state st = { 0 };
	struct diff_opts adopt = { .adopt = true };
	struct diff_result r;
	struct topo_ns *n;

	(void)state;
	fx_load(adopt_runtime_ns_lab, &d);
	fx_host_base(&o);
	n = fx_ns(&o, "cni-1234", TOPO_NS_CREATED, true);
	fx_lo(n, NULL);
	fx_if(n, "eth0", TOPO_IF_BRIDGE, 2);
	n = fx_ns(&o, "web", TOPO_NS_PATH, true);
	n->path = strdup("/run/docker/netns/abc123");
	fx_lo(n, NULL);
	fx_if(n, "eth1", TOPO_IF_BRIDGE, 2);
	n = fx_ns(&o, "mine", TOPO_NS_PATH, true);
	n->path = strdup("/run/netns/mine");
	fx_lo(n, NULL);
	fx_if(n, "eth2", TOPO_IF_BRIDGE, 2);

	assert_string_equal(owner_ns_runtime(fx_dns(&d, "cni-1234")), "CNI");
	assert_string_equal(owner_ns_runtime(fx_dns(&d, "web")), "Docker");
	assert_null(owner_ns_runtime(fx_dns(&d, "mine")));
	assert_int_equal(topo_diff_opts(&d, &o, &st, &adopt, &r), 0);
	assert_true(fx_msgs_have(&r.conflicts, "namespace cni-1234 (/run/netns/cni-1234) is CNI's: --adopt never takes over"));
	assert_true(fx_msgs_have(&r.conflicts, "interface eth1 in namespace web: --adopt refuses it: namespace web is "
				 "Docker's (/run/docker/netns/abc123)"));
	assert_false(fx_msgs_have(&r.conflicts, "eth2"));
	assert_int_equal(r.conflicts.n, 2);
	diff_result_free(&r);
	/* Without --adopt the same file is the usual conflicts, nothing about runtimes. */
	assert_int_equal(topo_diff(&d, &o, &st, &r), 0);
	assert_false(fx_msgs_have(&r.conflicts, "CNI's"));
	assert_false(fx_msgs_have(&r.conflicts, "Docker's"));
	diff_result_free(&r);
	topology_free(&d);
	topology_free(&o);
}

/* Destroy would put ip_forward back to 0 under Docker's chains (or a
 * runtime's bridge) that came after apply: the value stays, with a
 * warning; without them it is restored. */
static void test_forwarding_kept_for_runtimes(void **state)
{
	struct topology d = { 0 }, o = { 0 };
	struct topo_state st = { 0 };
	struct diff_result r;
	struct topo_ns *h;
	struct topo_iface *br, *port;

	(void)state;
	snprintf(d.name, sizeof(d.name), "fwdlab");
	snprintf(st.topology, sizeof(st.topology), "fwdlab");
	assert_int_equal(topo_state_sysctl_put(&st, "host", "net.ipv4.ip_forward", "0"), 0);
	h = fx_host_base(&o);
	fx_sysctl(h, "net.ipv4.ip_forward", "1");
	/* Nobody else: restored. */
	assert_int_equal(topo_diff(&d, &o, &st, &r), 0);
	fx_assert_plan(&r.plan, "~ sysctl net.ipv4.ip_forward=0 (was 1)\n");
	diff_result_free(&r);
	/* Docker's chains. */
	h->nft_docker = true;
	assert_int_equal(topo_diff(&d, &o, &st, &r), 0);
	assert_int_equal(r.plan.n, 0);
	assert_true(fx_msgs_have(&r.warnings, "namespace host: keeping net.ipv4.ip_forward=1 (it was 0 before topo): "
				 "Docker (its iptables chains are present) depends on it"));
	diff_result_free(&r);
	/* CNI's bridge with a container's veth on it, no chains. */
	h->nft_docker = false;
	br = fx_if(h, "cni0", TOPO_IF_BRIDGE, 40);
	port = &h->ifaces[topo_ns_iface_find(h, "vethforeign")];
	snprintf(port->master, sizeof(port->master), "cni0");
	port->master_ifindex = br->ifindex;
	assert_int_equal(topo_diff(&d, &o, &st, &r), 0);
	assert_int_equal(r.plan.n, 0);
	assert_true(fx_msgs_have(&r.warnings, "CNI (bridge cni0, its ports lead to container namespaces) depends on it"));
	diff_result_free(&r);
	/* Another key is restored all the same. */
	topo_state_free(&st);
	memset(&st, 0, sizeof(st));
	snprintf(st.topology, sizeof(st.topology), "fwdlab");
	assert_int_equal(topo_state_sysctl_put(&st, "host", "net.ipv4.conf.all.rp_filter", "2"), 0);
	fx_sysctl(h, "net.ipv4.conf.all.rp_filter", "0");
	assert_int_equal(topo_diff(&d, &o, &st, &r), 0);
	assert_int_equal(r.plan.n, 1);
	diff_result_free(&r);
	topo_state_free(&st);
	topology_free(&o);
}

static const char fwd_off_lab[] =
	"topology: fwdoff\n"
	"namespaces:\n"
	"  host:\n"
	"    sysctls: {net.ipv4.ip_forward: 0}\n";

/* ip_forward: 0 next to Docker: applied, with one warning saying whom it cuts off. */
static void test_forwarding_off_warns(void **state)
{
	struct topology d, o = { 0 };
	struct topo_state st = { 0 };
	struct diff_result r;
	struct topo_ns *h;

	(void)state;
	fx_load(fwd_off_lab, &d);
	h = fx_host_base(&o);
	fx_sysctl(h, "net.ipv4.ip_forward", "1");
	assert_int_equal(topo_diff(&d, &o, &st, &r), 0);
	assert_false(fx_msgs_have(&r.warnings, "cuts off"));
	diff_result_free(&r);
	h->nft_docker = true;
	assert_int_equal(topo_diff(&d, &o, &st, &r), 0);
	fx_assert_no_conflicts(&r);
	assert_int_equal(r.plan.n, 1);
	assert_int_equal(r.warnings.n, 1);
	assert_true(fx_msgs_have(&r.warnings, "namespace host: net.ipv4.ip_forward=0 cuts off Docker"));
	diff_result_free(&r);
	topology_free(&d);
	topology_free(&o);
}

static const char dnat_lab[] =
	"topology: dnatlab\n"
	"namespaces:\n"
	"  host:\n"
	"    nat:\n"
	"      - dnat: {protocol: tcp, port: 8080, to: \"10.9.0.2:80\"}\n"
	"      - dnat: {protocol: udp, port: 8080, to: \"10.9.0.2:80\"}\n"
	"      - dnat: {protocol: tcp, port: 9000, destination: 192.0.2.1, to: \"10.9.0.2:80\"}\n";

/* A port Docker, CNI or another topology publishes is a conflict naming
 * it; another protocol, port or address is not. */
static void test_dnat_on_published_port(void **state)
{
	struct topology d, o = { 0 };
	struct topo_state st = { 0 };
	struct diff_result r;
	struct topo_ns *h;
	struct topo_published p = { .protocol = 6, .port_lo = 8080, .port_hi = 8080 };
	char who[64];

	(void)state;
	fx_load(dnat_lab, &d);
	h = fx_host_base(&o);
	fx_sysctl(h, "net.ipv4.ip_forward", "1");
	snprintf(p.table, sizeof(p.table), "ip nat");
	snprintf(p.chain, sizeof(p.chain), "DOCKER");
	h->published = calloc(3, sizeof(*h->published));
	assert_non_null(h->published);
	h->published[h->n_published++] = p;
	assert_int_equal(topo_diff(&d, &o, &st, &r), 0);
	assert_int_equal(r.conflicts.n, 1);
	assert_true(fx_msgs_have(&r.conflicts, "t.yaml:5:9: dnat in namespace host: tcp port 8080 is already "
				 "published by Docker (table ip nat chain DOCKER)"));
	diff_result_free(&r);
	assert_ptr_equal(owner_dnat_published(h, &d.ns[0].nat[0]), &h->published[0]);
	assert_null(owner_dnat_published(h, &d.ns[0].nat[1]));
	/* A range of CNI's holding 9000, on any address: the declared address is in it. */
	p.port_lo = 8500;
	p.port_hi = 9500;
	snprintf(p.chain, sizeof(p.chain), "CNI-DN-1234");
	h->published[h->n_published++] = p;
	assert_ptr_equal(owner_dnat_published(h, &d.ns[0].nat[2]), &h->published[1]);
	assert_string_equal(owner_published_by(&h->published[1], who, sizeof(who)), "CNI portmap");
	/* Only on another address: not the same port. */
	h->published[1].daddr = fx_ip("127.0.0.1/32");
	assert_null(owner_dnat_published(h, &d.ns[0].nat[2]));
	h->published[1].daddr = fx_ip("192.0.2.0/24");
	assert_non_null(owner_dnat_published(h, &d.ns[0].nat[2]));
	snprintf(h->published[1].topology, sizeof(h->published[1].topology), "lab1");
	snprintf(h->published[1].chain, sizeof(h->published[1].chain), "prerouting");
	assert_string_equal(owner_published_by(&h->published[1], who, sizeof(who)), "topology 'lab1'");
	topology_free(&d);
	topology_free(&o);
}

static const char du_lab[] =
	"topology: dulab\n"
	"coexist: {docker_user: true}\n"
	"namespaces:\n"
	"  host:\n"
	"    interfaces:\n"
	"      lab0: {type: bridge}\n";

static void du_rule(struct topo_ns *h, const char *ifname, bool out, const char *owner)
{
	struct topo_du_rule *v = realloc(h->du_rules, (h->n_du_rules + 1) * sizeof(*v));

	assert_non_null(v);
	h->du_rules = v;
	memset(&v[h->n_du_rules], 0, sizeof(*v));
	snprintf(v[h->n_du_rules].ifname, sizeof(v->ifname), "%s", ifname);
	snprintf(v[h->n_du_rules].owner, sizeof(v->owner), "%s", owner);
	v[h->n_du_rules].out = out;
	v[h->n_du_rules].plain = true;
	h->n_du_rules++;
}

/* coexist docker_user: accepts for the host's bridges in DOCKER-USER; ours
 * (by the comment) that the file no longer wants go, another topology's
 * stay; destroy takes exactly ours; no chain: a warning, nothing. */
static void test_docker_user_rules(void **state)
{
	struct topology d, o = { 0 }, empty = { 0 };
	struct topo_state st = { 0 };
	struct diff_result r;
	struct topo_ns *h;

	(void)state;
	fx_load(du_lab, &d);
	h = fx_host_base(&o);
	fx_if(h, "lab0", TOPO_IF_BRIDGE, 50);
	fx_own(&h->ifaces[topo_ns_iface_find(h, "lab0")], "dulab");
	assert_int_equal(topo_diff(&d, &o, &st, &r), 0);
	assert_int_equal(r.plan.n, 0);
	assert_true(fx_msgs_have(&r.warnings, "coexist docker_user: namespace host has no chain DOCKER-USER"));
	diff_result_free(&r);

	h->docker_user_chain = true;
	du_rule(h, "lab0", false, "dulab");
	du_rule(h, "old0", true, "dulab");
	du_rule(h, "lab0", true, "otherlab");
	assert_int_equal(topo_diff(&d, &o, &st, &r), 0);
	fx_assert_no_conflicts(&r);
	fx_assert_plan(&r.plan, "- rule ip filter DOCKER-USER oifname \"old0\" accept\n"
				"+ rule ip filter DOCKER-USER oifname \"lab0\" accept\n");
	assert_false(fx_msgs_have(&r.warnings, "DOCKER-USER"));
	diff_result_free(&r);

	snprintf(empty.name, sizeof(empty.name), "dulab");
	assert_int_equal(topo_diff(&empty, &o, &st, &r), 0);
	assert_int_equal(fx_count_op(&r.plan, STEP_DU_DEL, false), 2);
	assert_int_equal(fx_count_op(&r.plan, STEP_DU_ADD, false), 0);
	diff_result_free(&r);

	/* The file drops the key: ours go. */
	d.coexist_docker_user = false;
	assert_int_equal(topo_diff(&d, &o, &st, &r), 0);
	assert_int_equal(fx_count_op(&r.plan, STEP_DU_DEL, false), 2);
	assert_int_equal(fx_count_op(&r.plan, STEP_DU_ADD, false), 0);
	diff_result_free(&r);
	topology_free(&d);
	topology_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_protocols),
		cmocka_unit_test(test_other_topology_record_is_a_conflict),
		cmocka_unit_test(test_destroy_leaves_other_topology_record),
		cmocka_unit_test(test_other_topology_pending_link),
		cmocka_unit_test(test_nft_table_without_mark),
		cmocka_unit_test(test_attached_namespace_is_host),
		cmocka_unit_test(test_adopt_refuses_replace),
		cmocka_unit_test(test_adopt_refuses_deletes),
		cmocka_unit_test(test_created_namespace_routes_and_marks),
		cmocka_unit_test(test_adopt_refuses_runtime_bridges),
		cmocka_unit_test(test_adopt_refuses_runtime_namespaces),
		cmocka_unit_test(test_forwarding_kept_for_runtimes),
		cmocka_unit_test(test_forwarding_off_warns),
		cmocka_unit_test(test_dnat_on_published_port),
		cmocka_unit_test(test_docker_user_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
