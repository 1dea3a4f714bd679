// SPDX-License-Identifier: MIT
/*
 * The plan as data: step_invert (what rollback runs) for every op,
 * plan_count, destroy's order (plan_namespaces_first), and the iproute2 wording of step_format, plan_print and
 * plan_print_json.
 */
#include "tests/unit/fixtures.h"

static struct step mk(enum step_op op, enum step_phase phase, const char *ns)
{
	struct step s;

	memset(&s, 0, sizeof(s));
	s.op = op;
	s.phase = phase;
	s.id = 7;
	snprintf(s.ns, sizeof(s.ns), "%s", ns);
	fx_step_body(&s);
	return s;
}

static void set_name(char *dst, size_t len, const char *v)
{
	snprintf(dst, len, "%s", v);
}
#define SET(field, v) set_name((field), sizeof(field), (v))

static void iface(struct topo_iface *l, const char *name, const struct topo_linktype *type)
{
	topo_iface_init(l);
	SET(l->name, name);
	fx_set_type(l, type);
}

/* A veth vethA (host, master mybr0) with its peer eth0 in netns_A. */
static struct step veth_add(void)
{
	struct step s = mk(STEP_LINK_ADD, PHASE_LINK_ADD, "host");

	iface(&s.lk->link, "vethA", TOPO_IF_VETH);
	SET(s.lk->link.master, "mybr0");
	SET(s.lk->peer_ns, "netns_A");
	iface(&s.lk->peer, "eth0", TOPO_IF_VETH);
	s.lk->peer.up = false;
	return s;
}

static const char *fmt(const struct step *s)
{
	static char buf[1024];

	step_format(s, buf, sizeof(buf));
	return buf;
}

/* ---------------------------------------------------------- step_invert -- */

static void test_invert_namespaces(void **state)
{
	struct step s = mk(STEP_NETNS_ADD, PHASE_NETNS_ADD, "web"), v;

	(void)state;
	assert_int_equal(step_invert(&s, &v), 0);
	assert_int_equal(v.op, STEP_NETNS_DEL);
	assert_string_equal(v.ns, "web");
	assert_string_equal(v.note, "rollback");
	assert_string_equal(fmt(&v), "- netns del web  # rollback");
	s.op = STEP_NETNS_DEL;
	assert_int_equal(step_invert(&s, &v), 0);
	assert_int_equal(v.op, STEP_NETNS_ADD);
}

static void test_invert_links(void **state)
{
	struct step s = veth_add(), v = { 0 };

	(void)state;
	s.follows_add = true;
	fx_step_body_free(&v);
	assert_int_equal(step_invert(&s, &v), 0);
	assert_int_equal(v.op, STEP_LINK_DEL);
	assert_string_equal(v.lk->link.name, "vethA");
	assert_string_equal(v.lk->peer.name, "eth0");
	assert_string_equal(v.lk->peer_ns, "netns_A");
	assert_false(v.follows_add);
	assert_false(v.peer_followups);
	assert_int_equal(v.id, 7);
	assert_string_equal(fmt(&v), "- link del vethA (veth, with its peer eth0 in netns_A)  # rollback");

	/* Deleting comes back as a creation that also restores the peer's
	 * state (up, master): it is one step in a rollback. An implicit delete
	 * (the kernel's doing) comes back as an explicit creation. */
	fx_step_body_free(&s);
	s = mk(STEP_LINK_DEL, PHASE_LINK_DEL, "host");
	iface(&s.lk->link, "br0", TOPO_IF_BRIDGE);
	s.implicit = true;
	s.parent = 3;
	fx_step_body_free(&v);
	assert_int_equal(step_invert(&s, &v), 0);
	assert_int_equal(v.op, STEP_LINK_ADD);
	assert_true(v.peer_followups);
	assert_false(v.implicit);
	assert_string_equal(v.lk->link.name, "br0");
	fx_step_body_free(&s);
	fx_step_body_free(&v);
}

static void test_invert_link_set_swaps(void **state)
{
	struct step s = mk(STEP_LINK_SET, PHASE_LINK_ATTR, "web"), v;

	(void)state;
	SET(s.ifname, "eth0");
	s.attr = LINK_ATTR_MTU;
	s.set->old.mtu = 1500;
	s.set->new.mtu = 1400;
	assert_int_equal(step_invert(&s, &v), 0);
	assert_int_equal(v.op, STEP_LINK_SET);
	assert_int_equal(v.attr, LINK_ATTR_MTU);
	assert_int_equal(v.set->new.mtu, 1500);
	assert_int_equal(v.set->old.mtu, 1400);
	assert_string_equal(fmt(&v), "~ link set eth0 mtu 1500 netns web  # rollback");
	step_free(&v);

	s.attr = LINK_ATTR_MASTER;
	SET(s.set->old.master, "br0");
	SET(s.set->new.master, "");
	assert_int_equal(step_invert(&s, &v), 0);
	assert_string_equal(v.set->new.master, "br0");
	assert_string_equal(v.set->old.master, "");
	assert_string_equal(fmt(&v), "~ link set eth0 master br0 netns web  # rollback");
	step_free(&v);

	s.attr = LINK_ATTR_UP;
	s.set->old.flag = false;
	s.set->new.flag = true;
	assert_int_equal(step_invert(&s, &v), 0);
	assert_false(v.set->new.flag);
	assert_string_equal(fmt(&v), "~ link set eth0 down netns web  # rollback");
	step_free(&v);
	step_free(&s);
}

static void test_invert_addresses_routes(void **state)
{
	struct step s = mk(STEP_ADDR_ADD, PHASE_ADDR_ADD, "netns_A"), v = { 0 };

	(void)state;
	SET(s.ifname, "eth0");
	s.addr.ip = fx_ip("172.18.0.2/16");
	s.addr.proto = TOPO_IFAPROT;
	fx_step_body_free(&v);
	assert_int_equal(step_invert(&s, &v), 0);
	assert_int_equal(v.op, STEP_ADDR_DEL);
	assert_int_equal(v.addr.proto, TOPO_IFAPROT);
	assert_string_equal(fmt(&v), "- address del 172.18.0.2/16 dev eth0 netns netns_A  # rollback");
	s.op = STEP_ADDR_DEL;
	fx_step_body_free(&v);
	assert_int_equal(step_invert(&s, &v), 0);
	assert_int_equal(v.op, STEP_ADDR_ADD);

	fx_step_body_free(&s);
	s = mk(STEP_ROUTE_ADD, PHASE_ROUTE_ADD, "web");
	s.rt->route.dst.family = AF_INET;
	s.rt->route.via = fx_ip("172.18.0.1");
	s.rt->route.table = TOPO_TABLE_MAIN;
	fx_step_body_free(&v);
	assert_int_equal(step_invert(&s, &v), 0);
	assert_int_equal(v.op, STEP_ROUTE_DEL);
	assert_string_equal(fmt(&v), "- route del default via 172.18.0.1 netns web  # rollback");
	s.op = STEP_ROUTE_DEL;
	fx_step_body_free(&v);
	assert_int_equal(step_invert(&s, &v), 0);
	assert_int_equal(v.op, STEP_ROUTE_ADD);

	/* replace: the old route becomes the new one and vice versa */
	s.op = STEP_ROUTE_REPLACE;
	s.rt->old_route[0] = s.rt->route;
	s.rt->old_route[0].via = fx_ip("172.18.0.254");
	fx_step_body_free(&v);
	assert_int_equal(step_invert(&s, &v), 0);
	assert_int_equal(v.op, STEP_ROUTE_REPLACE);
	assert_true(topo_ip_equal(&v.rt->route.via, &s.rt->old_route[0].via));
	assert_true(topo_ip_equal(&v.rt->old_route[0].via, &s.rt->route.via));
	assert_string_equal(fmt(&v), "~ route replace default via 172.18.0.254 netns web  # rollback");
	fx_step_body_free(&s);
	fx_step_body_free(&v);
}

static void test_invert_sysctl(void **state)
{
	struct step s = mk(STEP_SYSCTL_SET, PHASE_SYSCTL_NS, "host"), v;

	(void)state;
	s.key = strdup("net.ipv4.ip_forward");
	s.value = strdup("1");
	/* Never written (the backend fills old_value when it writes). */
	memset(&v, 0x5a, sizeof(v));
	assert_int_equal(step_invert(&s, &v), 1);

	s.old_value = strdup("0");
	assert_int_equal(step_invert(&s, &v), 0);
	assert_int_equal(v.op, STEP_SYSCTL_SET);
	assert_string_equal(v.key, "net.ipv4.ip_forward");
	assert_string_equal(v.value, "0");
	assert_string_equal(v.old_value, "1");
	/* Its own copies. */
	assert_ptr_not_equal(v.key, s.key);
	assert_ptr_not_equal(v.value, s.old_value);
	assert_string_equal(fmt(&v), "~ sysctl net.ipv4.ip_forward=0 (was 1)  # rollback");
	step_free(&v);
	assert_null(v.key);
	step_free(&s);
}

static void test_invert_nft(void **state)
{
	struct step s = mk(STEP_NFT_SET, PHASE_NFT, "host"), v;
	static const unsigned char blob[] = { 1, 2, 3, 4, 5 };

	(void)state;
	SET(s.table, "topo-lab");
	/* There was no table: undoing the set deletes it. */
	assert_int_equal(step_invert(&s, &v), 0);
	assert_int_equal(v.op, STEP_NFT_DEL);
	assert_null(v.nf->nft_saved);
	assert_string_equal(fmt(&v), "- nft table inet topo-lab  # rollback");
	step_free(&v);

	/* There was one: put it back as it was saved. */
	s.nf->nft_had_table = true;
	s.nf->nft_saved = malloc(sizeof(blob));
	memcpy(s.nf->nft_saved, blob, sizeof(blob));
	s.nf->nft_saved_len = sizeof(blob);
	assert_int_equal(step_invert(&s, &v), 0);
	assert_int_equal(v.op, STEP_NFT_RESTORE);
	assert_int_equal(v.nf->nft_saved_len, sizeof(blob));
	assert_non_null(v.nf->nft_saved);
	assert_ptr_not_equal(v.nf->nft_saved, s.nf->nft_saved);
	assert_memory_equal(v.nf->nft_saved, blob, sizeof(blob));
	assert_string_equal(fmt(&v), "~ nft table inet topo-lab restored  # rollback");
	step_free(&v);

	/* A delete of a table that was there: restore; of none: nothing. */
	s.op = STEP_NFT_DEL;
	assert_int_equal(step_invert(&s, &v), 0);
	assert_int_equal(v.op, STEP_NFT_RESTORE);
	assert_memory_equal(v.nf->nft_saved, blob, sizeof(blob));
	step_free(&v);
	s.nf->nft_had_table = false;
	assert_int_equal(step_invert(&s, &v), 1);

	/* A restore is rollback's own: not undone. */
	s.op = STEP_NFT_RESTORE;
	assert_int_equal(step_invert(&s, &v), 1);
	step_free(&s);
}

/* Other families' tables (nft text) saved by a step come back with a
 * restore, even where there was no inet table; copies, not the original. */
static void test_invert_nftx(void **state)
{
	struct step s = mk(STEP_NFT_SET, PHASE_NFT, "host"), v;

	(void)state;
	SET(s.table, "topo-lab");
	s.nf->nftx = true;
	s.nf->nftx_saved = strdup("table bridge topo-lab {\n}\n");
	assert_int_equal(step_invert(&s, &v), 0);
	assert_int_equal(v.op, STEP_NFT_RESTORE);
	assert_true(v.nf->nftx);
	assert_null(v.nf->nft_saved);
	assert_string_equal(v.nf->nftx_saved, s.nf->nftx_saved);
	assert_ptr_not_equal(v.nf->nftx_saved, s.nf->nftx_saved);
	step_free(&v);
	/* A delete that removed only such tables: restored too. */
	s.op = STEP_NFT_DEL;
	assert_int_equal(step_invert(&s, &v), 0);
	assert_int_equal(v.op, STEP_NFT_RESTORE);
	assert_string_equal(v.nf->nftx_saved, "table bridge topo-lab {\n}\n");
	step_free(&v);
	/* Nothing saved, no inet table: a set's undo is a delete. */
	free(s.nf->nftx_saved);
	s.nf->nftx_saved = NULL;
	s.op = STEP_NFT_SET;
	assert_int_equal(step_invert(&s, &v), 0);
	assert_int_equal(v.op, STEP_NFT_DEL);
	assert_null(v.nf->nftx_saved);
	step_free(&v);
	step_free(&s);
}

/* Inverting twice gives the step back (for the reversible ops). */
static void test_invert_involution(void **state)
{
	static const enum step_op ops[] = {
		STEP_NETNS_ADD, STEP_NETNS_DEL, STEP_ADDR_ADD, STEP_ADDR_DEL,
		STEP_ROUTE_ADD, STEP_ROUTE_DEL, STEP_ROUTE_REPLACE, STEP_LINK_SET,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		struct step s = mk(ops[i], PHASE_ADDR_ADD, "x"), v, w;
		bool replace = ops[i] == STEP_ROUTE_REPLACE;

		if (s.rt) {
			s.rt->route.dst = fx_ip("10.0.0.0/8");
			if (replace) {
				s.rt->old_route[0].dst = fx_ip("10.0.0.0/8");
				s.rt->old_route[0].metric = 5;
			}
		}
		if (s.op == STEP_LINK_SET) {
			s.set->old.mtu = 1;
			s.set->new.mtu = 2;
		}
		assert_int_equal(step_invert(&s, &v), 0);
		assert_int_equal(step_invert(&v, &w), 0);
		assert_int_equal(w.op, s.op);
		if (s.op == STEP_LINK_SET) {
			assert_int_equal(w.set->old.mtu, 1);
			assert_int_equal(w.set->new.mtu, 2);
		}
		if (s.rt) {
			assert_int_equal(w.rt->route.metric, s.rt->route.metric);
			if (replace)
				assert_int_equal(w.rt->old_route[0].metric, s.rt->old_route[0].metric);
		}
		step_free(&s);
		step_free(&v);
		step_free(&w);
	}
}

/* ----------------------------------------------------------- plan_count -- */

static void test_plan_count(void **state)
{
	struct plan p = { 0 };
	struct step s;
	struct plan_counts c;

	(void)state;
	s = veth_add();
	assert_int_equal(plan_append(&p, &s), 0);                   /* add */
	s = mk(STEP_LINK_SET, PHASE_UP, "netns_A");
	s.follows_add = true;
	assert_int_equal(plan_append(&p, &s), 0);                   /* not counted */
	s = mk(STEP_ADDR_DEL, PHASE_ADDR_DEL_GONE, "netns_A");
	s.implicit = true;
	assert_int_equal(plan_append(&p, &s), 0);                   /* not counted */
	s = mk(STEP_NFT_SET, PHASE_NFT, "host");
	assert_int_equal(plan_append(&p, &s), 0);                   /* add: no table yet */
	s = mk(STEP_NFT_SET, PHASE_NFT, "host");
	s.nf->nft_had_table = true;
	assert_int_equal(plan_append(&p, &s), 0);                   /* change */
	s = mk(STEP_ROUTE_REPLACE, PHASE_ROUTE_ADD, "host");
	assert_int_equal(plan_append(&p, &s), 0);                   /* change */
	s = mk(STEP_NFT_DEL, PHASE_NFT_DEL, "host");
	assert_int_equal(plan_append(&p, &s), 0);                   /* remove */
	s = mk(STEP_NETNS_DEL, PHASE_NETNS_DEL, "x");
	assert_int_equal(plan_append(&p, &s), 0);                   /* remove */
	c = plan_count(&p);
	assert_int_equal(c.add, 2);
	assert_int_equal(c.change, 2);
	assert_int_equal(c.remove, 2);
	plan_free(&p);
	assert_int_equal(p.n, 0);
	assert_null(p.steps);
}

/* ------------------------------------------------- plan_namespaces_first -- */

/*
 * destroy's order: the namespace deletions first, then only what cannot
 * depend on them (nftables, a sysctl naming no interface, a link that is
 * not a dying namespace's veth end, and what those cause implicitly).
 */
static void test_plan_namespaces_first(void **state)
{
	struct plan p = { 0 };
	struct step s;
	static const unsigned want[] = { 3, 4, 6, 8, 9, 10, 1, 2, 5, 7 };

	(void)state;
	s = mk(STEP_NFT_DEL, PHASE_NFT_DEL, "host");
	s.id = 1;
	assert_int_equal(plan_append(&p, &s), 0);
	s = mk(STEP_SYSCTL_SET, PHASE_SYSCTL_RESTORE, "host");
	s.id = 2;
	s.key = strdup("net.ipv4.ip_forward");
	assert_int_equal(plan_append(&p, &s), 0);
	s = mk(STEP_SYSCTL_SET, PHASE_SYSCTL_RESTORE, "host");
	s.id = 3;
	s.key = strdup("net.ipv4.conf.h0.forwarding");      /* names an interface: stays */
	assert_int_equal(plan_append(&p, &s), 0);
	s = mk(STEP_ROUTE_DEL, PHASE_ROUTE_DEL, "host");    /* not a kind that moves */
	s.id = 4;
	assert_int_equal(plan_append(&p, &s), 0);
	s = mk(STEP_LINK_DEL, PHASE_LINK_DEL, "host");
	s.id = 5;
	SET(s.lk->link.name, "br0");
	assert_int_equal(plan_append(&p, &s), 0);
	s = mk(STEP_LINK_DEL, PHASE_LINK_DEL, "host");     /* n0's veth end: stays */
	s.id = 6;
	SET(s.lk->link.name, "h0");
	assert_int_equal(plan_append(&p, &s), 0);
	s = mk(STEP_ADDR_DEL, PHASE_ADDR_DEL_GONE, "host"); /* goes with br0 */
	s.id = 7;
	s.implicit = true;
	s.parent = 5;
	assert_int_equal(plan_append(&p, &s), 0);
	s = mk(STEP_LINK_DEL, PHASE_LINK_DEL, "n0");       /* in a dying namespace: stays */
	s.id = 8;
	SET(s.lk->link.name, "eth9");
	assert_int_equal(plan_append(&p, &s), 0);
	s = mk(STEP_NETNS_DEL, PHASE_NETNS_DEL, "n0");
	s.id = 9;
	s.waits = calloc(1, sizeof(*s.waits));
	assert_non_null(s.waits);
	s.n_waits = 1;
	SET(s.waits[0].ns, "host");
	SET(s.waits[0].name, "h0");
	assert_int_equal(plan_append(&p, &s), 0);
	s = mk(STEP_NETNS_DEL, PHASE_NETNS_DEL, "n1");
	s.id = 10;
	assert_int_equal(plan_append(&p, &s), 0);

	assert_int_equal(plan_namespaces_first(&p), 0);
	assert_int_equal(p.n, 10);
	for (size_t i = 0; i < p.n; i++)
		assert_int_equal(p.steps[i].id, want[i]);
	assert_string_equal(p.steps[7].key, "net.ipv4.ip_forward");
	assert_int_equal(p.steps[4].n_waits, 1);
	plan_free(&p);

	/* Nothing to delete: nothing moves. */
	s = mk(STEP_LINK_DEL, PHASE_LINK_DEL, "host");
	s.id = 1;
	assert_int_equal(plan_append(&p, &s), 0);
	s = mk(STEP_NFT_DEL, PHASE_NFT_DEL, "host");
	s.id = 2;
	assert_int_equal(plan_append(&p, &s), 0);
	assert_int_equal(plan_namespaces_first(&p), 0);
	assert_int_equal(p.steps[0].id, 1);
	assert_int_equal(p.steps[1].id, 2);
	plan_free(&p);
}

/* The array grows past its first allocations and keeps every step. */
/* What a verification reads again: the namespaces steps name. */
static void test_plan_touches(void **state)
{
	struct topology t = { 0 };
	struct plan p = { 0 };
	struct step s;
	bool touched[6];
	const char *names[] = { "host", "a", "b", "c", "d", "e" };

	(void)state;
	for (size_t i = 0; i < 6; i++)
		snprintf(topology_ns_add(&t)->name, TOPO_NS_NAME_MAX + 1, "%s", names[i]);
	assert_int_equal(plan_touches(&p, &t, touched), 0);
	for (size_t i = 0; i < 6; i++)
		assert_false(touched[i]);
	s = veth_add();                     /* host, peer in netns_A (not in t) */
	SET(s.lk->peer_ns, "a");
	assert_int_equal(plan_append(&p, &s), 0);
	s = mk(STEP_ADDR_ADD, PHASE_ADDR_ADD, "b");
	assert_int_equal(plan_append(&p, &s), 0);
	s = mk(STEP_NETNS_DEL, PHASE_NETNS_DEL, "zz");   /* not read: nothing to keep */
	s.waits = calloc(1, sizeof(*s.waits));
	s.n_waits = 1;
	SET(s.waits[0].ns, "d");
	assert_int_equal(plan_append(&p, &s), 0);
	s = mk(STEP_LINK_ADD, PHASE_LINK_ADD, "zz");
	iface(&s.lk->link, "mv0", TOPO_IF_VETH);
	assert_int_equal(topo_iface_set_link_ns(&s.lk->link, "e"), 0);   /* its parent's namespace */
	assert_int_equal(plan_append(&p, &s), 0);
	assert_int_equal(plan_touches(&p, &t, touched), 0);
	assert_true(touched[0]);
	assert_true(touched[1]);
	assert_true(touched[2]);
	assert_false(touched[3]);           /* c: no step names it */
	assert_true(touched[4]);
	assert_true(touched[5]);
	plan_free(&p);
	topology_free(&t);
}

static void test_plan_append_grows(void **state)
{
	struct plan p = { 0 };

	(void)state;
	for (unsigned i = 0; i < 100; i++) {
		struct step s = mk(STEP_SYSCTL_SET, PHASE_SYSCTL_NS, "host");

		s.id = i + 1;
		assert_non_null(s.key = strdup("k"));
		assert_int_equal(plan_append(&p, &s), 0);
	}
	assert_int_equal(p.n, 100);
	for (unsigned i = 0; i < 100; i++) {
		assert_int_equal(p.steps[i].id, i + 1);
		assert_string_equal(p.steps[i].key, "k");
	}
	plan_free(&p);
}

/* ---------------------------------------------------------- step_format -- */

static void test_format_links(void **state)
{
	struct step s = veth_add();

	(void)state;
	assert_string_equal(fmt(&s), "+ link add vethA type veth master mybr0 peer eth0 netns netns_A");

	/* Created from inside a namespace, both ends there, attributes on both. */
	fx_step_body_free(&s);
	s = mk(STEP_LINK_ADD, PHASE_LINK_ADD, "web");
	iface(&s.lk->link, "a", TOPO_IF_VETH);
	s.lk->link.mtu = 9000;
	SET(s.lk->peer_ns, "web");
	iface(&s.lk->peer, "b", TOPO_IF_VETH);
	s.lk->peer.mtu = 9000;
	s.lk->peer.has_mac = true;
	memcpy(s.lk->peer.mac, (const uint8_t[]){ 0x02, 0, 0, 0, 0, 0xab }, 6);
	assert_string_equal(fmt(&s), "+ link add a netns web type veth mtu 9000 peer b mtu 9000 address 02:00:00:00:00:ab");

	fx_step_body_free(&s);
	s = mk(STEP_LINK_ADD, PHASE_LINK_ADD, "host");
	iface(&s.lk->link, "mybr0", TOPO_IF_BRIDGE);
	assert_string_equal(fmt(&s), "+ link add mybr0 type bridge");
	s.lk->link.opt[BR_STP] = (struct topo_linkopt){ .set = true, .u = 1 };
	s.lk->link.mtu = 1500;
	SET(s.ns, "web");
	assert_string_equal(fmt(&s), "+ link add mybr0 type bridge stp_state 1 mtu 1500 netns web");

	fx_step_body_free(&s);
	s = mk(STEP_LINK_ADD, PHASE_LINK_ADD, "host");
	iface(&s.lk->link, "vx0", TOPO_IF_VXLAN);
	s.lk->link.opt[VX_VNI] = (struct topo_linkopt){ .set = true, .u = 42 };
	s.lk->link.opt[VX_REMOTE] = (struct topo_linkopt){ .set = true, .ip = fx_ip("192.0.2.9") };
	s.lk->link.opt[VX_LOCAL] = (struct topo_linkopt){ .set = true, .ip = fx_ip("192.0.2.1") };
	s.lk->link.opt[VX_DEV].set = true;
	SET(s.lk->link.opt[VX_DEV].name, "eth0");
	s.lk->link.opt[VX_PORT] = (struct topo_linkopt){ .set = true, .u = 4789 };
	assert_string_equal(fmt(&s), "+ link add vx0 type vxlan id 42 remote 192.0.2.9 local 192.0.2.1 dev eth0 dstport 4789");
	s.lk->link.opt[VX_REMOTE].set = false;
	s.lk->link.opt[VX_GROUP] = (struct topo_linkopt){ .set = true, .ip = fx_ip("239.1.1.1") };
	s.note = "replace: vni changed";
	assert_string_equal(fmt(&s), "+ link add vx0 type vxlan id 42 group 239.1.1.1 local 192.0.2.1 dev eth0 "
			    "dstport 4789  # replace: vni changed");

	fx_step_body_free(&s);
	s = mk(STEP_LINK_DEL, PHASE_LINK_DEL, "host");
	iface(&s.lk->link, "mybr0", TOPO_IF_BRIDGE);
	assert_string_equal(fmt(&s), "- link del mybr0");
	fx_step_body_free(&s);
	s = mk(STEP_LINK_DEL, PHASE_LINK_DEL, "netns_A");
	iface(&s.lk->link, "eth0", TOPO_IF_VETH);
	iface(&s.lk->peer, "vethA", TOPO_IF_VETH);
	SET(s.lk->peer_ns, "host");
	assert_string_equal(fmt(&s), "- link del eth0 netns netns_A (veth, with its peer vethA)");
	fx_step_body_free(&s);
}

static void test_format_link_set(void **state)
{
	struct step s = mk(STEP_LINK_SET, PHASE_LINK_ATTR, "web");

	(void)state;
	SET(s.ifname, "eth0");
	s.attr = LINK_ATTR_MTU;
	s.set->new.mtu = 1400;
	assert_string_equal(fmt(&s), "~ link set eth0 mtu 1400 netns web");
	s.attr = LINK_ATTR_MAC;
	memcpy(s.set->new.mac, (const uint8_t[]){ 0x02, 0x42, 0xAC, 0x11, 0, 2 }, 6);
	assert_string_equal(fmt(&s), "~ link set eth0 address 02:42:ac:11:00:02 netns web");
	s.attr = LINK_ATTR_OPT;
	s.set->new.type = TOPO_IF_BRIDGE;
	s.set->new.opt = BR_STP;
	s.set->new.val = (struct topo_linkopt){ .set = true, .u = 0 };
	SET(s.ns, "host");
	SET(s.ifname, "br0");
	assert_string_equal(fmt(&s), "~ link set br0 type bridge stp_state 0");
	s.attr = LINK_ATTR_MASTER;
	SET(s.ifname, "vethA");
	SET(s.set->new.master, "br0");
	assert_string_equal(fmt(&s), "~ link set vethA master br0");
	SET(s.set->new.master, "");
	assert_string_equal(fmt(&s), "~ link set vethA nomaster");
	s.attr = LINK_ATTR_UP;
	s.set->new.flag = true;
	assert_string_equal(fmt(&s), "~ link set vethA up");
	step_free(&s);
}

static void test_format_addresses(void **state)
{
	struct step s = mk(STEP_ADDR_DEL, PHASE_ADDR_DEL, "netns_A");

	(void)state;
	SET(s.ifname, "eth0");
	s.addr.ip = fx_ip("172.18.0.2/16");
	assert_string_equal(fmt(&s), "- address del 172.18.0.2/16 dev eth0 netns netns_A");
	s.op = STEP_ADDR_ADD;
	SET(s.ns, "host");
	s.addr.ip = fx_ip("fd00:0:0:0::1/64");
	assert_string_equal(fmt(&s), "+ address add fd00::1/64 dev eth0");
}

static void test_format_routes(void **state)
{
	struct step s = mk(STEP_ROUTE_ADD, PHASE_ROUTE_ADD, "web");

	(void)state;
	s.rt->route.dst.family = AF_INET;
	s.rt->route.via = fx_ip("172.18.0.1");
	s.rt->route.table = TOPO_TABLE_MAIN;
	assert_string_equal(fmt(&s), "+ route add default via 172.18.0.1 netns web");

	s.rt->route.dst = fx_ip("10.9.0.0/24");
	s.rt->route.src = fx_ip("172.18.0.2");
	SET(s.rt->route.dev, "eth0");
	s.rt->route.metric = 10;
	s.rt->route.table = 100;
	assert_string_equal(fmt(&s), "+ route add 10.9.0.0/24 via 172.18.0.1 dev eth0 src 172.18.0.2 metric 10 "
			    "table 100 netns web");

	fx_step_body_free(&s);
	s = mk(STEP_ROUTE_DEL, PHASE_ROUTE_DEL, "host");
	s.rt->route.dst = fx_ip("10.7.0.0/16");
	s.rt->route.type = TOPO_RT_BLACKHOLE;
	s.rt->route.table = TOPO_TABLE_MAIN;
	assert_string_equal(fmt(&s), "- route del blackhole 10.7.0.0/16");
	s.rt->route.type = TOPO_RT_UNREACHABLE;
	assert_string_equal(fmt(&s), "- route del unreachable 10.7.0.0/16");

	/* IPv6: metric 1024 is the default and is not shown; default says (ipv6). */
	fx_step_body_free(&s);
	s = mk(STEP_ROUTE_REPLACE, PHASE_ROUTE_ADD, "web");
	s.rt->route.dst.family = AF_INET6;
	s.rt->route.via = fx_ip("fd00::1");
	s.rt->route.metric = 1024;
	s.rt->route.table = TOPO_TABLE_MAIN;
	assert_string_equal(fmt(&s), "~ route replace default via fd00::1 (ipv6) netns web");
	s.rt->route.metric = 256;
	assert_string_equal(fmt(&s), "~ route replace default via fd00::1 metric 256 (ipv6) netns web");
	fx_step_body_free(&s);
}

static void test_format_sysctl_nft_netns(void **state)
{
	struct step s = mk(STEP_SYSCTL_SET, PHASE_SYSCTL_NS, "host");

	(void)state;
	s.key = (char *)"net.ipv4.ip_forward";
	s.value = (char *)"1";
	assert_string_equal(fmt(&s), "~ sysctl net.ipv4.ip_forward=1");
	s.old_value = (char *)"0";
	SET(s.ns, "r");
	assert_string_equal(fmt(&s), "~ sysctl net.ipv4.ip_forward=1 netns r (was 0)");

	s = mk(STEP_NFT_SET, PHASE_NFT, "host");
	SET(s.table, "topo-seed000");
	assert_string_equal(fmt(&s), "+ nft table inet topo-seed000");
	s.nf->nft_had_table = true;
	SET(s.ns, "gw");
	assert_string_equal(fmt(&s), "~ nft table inet topo-seed000 netns gw");
	s.op = STEP_NFT_DEL;
	assert_string_equal(fmt(&s), "- nft table inet topo-seed000 netns gw");
	fx_step_body_free(&s);

	s = mk(STEP_NETNS_ADD, PHASE_NETNS_ADD, "netns_A");
	assert_string_equal(fmt(&s), "+ netns add netns_A");
}

/* A short buffer: cut, terminated, nothing written past it. */
static void test_format_truncates(void **state)
{
	struct step s = veth_add();
	char buf[24];

	(void)state;
	memset(buf, 'X', sizeof(buf));
	step_format(&s, buf, 16);
	assert_string_equal(buf, "+ link add veth");
	assert_int_equal(buf[16], 'X');
	step_format(&s, buf, 1);
	assert_string_equal(buf, "");
	fx_step_body_free(&s);
}

/* ---------------------------------------------------------- plan_print -- */

static char *capture(void (*fn)(const struct plan *, FILE *, int), const struct plan *p, int arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(p, f, arg);
	fclose(f);
	return buf;
}

static void print_plain(const struct plan *p, FILE *f, int color)
{
	plan_print(p, f, color != 0);
}

static void print_json(const struct plan *p, FILE *f, int unused)
{
	(void)unused;
	plan_print_json(p, f);
}

static void small_plan(struct plan *p)
{
	struct step s;

	memset(p, 0, sizeof(*p));
	s = veth_add();
	s.pos = (struct topo_pos){ 8, 7 };
	assert_int_equal(plan_append(p, &s), 0);
	s = mk(STEP_ADDR_DEL, PHASE_ADDR_DEL_GONE, "netns_A");
	s.implicit = true;
	SET(s.ifname, "eth0");
	s.addr.ip = fx_ip("10.0.0.1/24");
	assert_int_equal(plan_append(p, &s), 0);
	s = mk(STEP_NFT_SET, PHASE_NFT, "host");
	SET(s.table, "topo-x");
	s.nf->nft_had_table = true;
	s.detail = strdup("missing in chain forward: iifname \"br0\" counter accept\nrules in another order\n");
	assert_int_equal(plan_append(p, &s), 0);
	s = mk(STEP_LINK_DEL, PHASE_LINK_DEL, "host");
	iface(&s.lk->link, "old0", TOPO_IF_BRIDGE);
	s.note = "replace: kind changed";
	assert_int_equal(plan_append(p, &s), 0);
}

static void test_plan_print(void **state)
{
	struct plan p;
	char *out;

	(void)state;
	small_plan(&p);
	out = capture(print_plain, &p, 0);
	assert_string_equal(out,
		"+ link add vethA type veth master mybr0 peer eth0 netns netns_A\n"
		"~ nft table inet topo-x\n"
		"    missing in chain forward: iifname \"br0\" counter accept\n"
		"    rules in another order\n"
		"- link del old0  # replace: kind changed\n");
	free(out);
	out = capture(print_plain, &p, 1);
	assert_string_equal(out,
		"\033[32m+ link add vethA type veth master mybr0 peer eth0 netns netns_A\033[0m\n"
		"\033[33m~ nft table inet topo-x\033[0m\n"
		"    missing in chain forward: iifname \"br0\" counter accept\n"
		"    rules in another order\n"
		"\033[31m- link del old0  # replace: kind changed\033[0m\n");
	free(out);
	plan_free(&p);
}

static void test_plan_print_json(void **state)
{
	struct plan p = { 0 };
	char *out;

	(void)state;
	out = capture(print_json, &p, 0);
	assert_string_equal(out, "{\"steps\":[],\"add\":0,\"change\":0,\"remove\":0}\n");
	free(out);

	small_plan(&p);
	out = capture(print_json, &p, 0);
	assert_string_equal(out,
		"{\"steps\":["
		"{\"op\":\"link_add\",\"ns\":\"host\",\"text\":\"+ link add vethA type veth master mybr0 peer eth0 "
		"netns netns_A\",\"line\":8,\"column\":7},"
		"{\"op\":\"nft_set\",\"ns\":\"host\",\"text\":\"~ nft table inet topo-x\",\"detail\":\"missing in "
		"chain forward: iifname \\\"br0\\\" counter accept\\nrules in another order\\n\"},"
		"{\"op\":\"link_del\",\"ns\":\"host\",\"text\":\"- link del old0  # replace: kind changed\","
		"\"note\":\"replace: kind changed\"}"
		"],\"add\":1,\"change\":1,\"remove\":1}\n");
	free(out);
	plan_free(&p);
}

static void test_op_names(void **state)
{
	static const char *const want[] = {
		"netns_add", "netns_del", "link_add", "link_del", "link_set", "address_add", "address_del",
		"route_add", "route_del", "route_replace", "sysctl_set", "nft_set", "nft_del", "nft_restore",
	};

	(void)state;
	for (int i = 0; i <= STEP_NFT_RESTORE; i++)
		assert_string_equal(step_op_name((enum step_op)i), want[i]);
	assert_string_equal(step_op_name((enum step_op)99), "?");
}

static void test_msgs(void **state)
{
	struct topo_msgs m = { 0 };

	(void)state;
	assert_int_equal(topo_msgs_add(&m, "a %d", 1), 0);
	assert_int_equal(topo_msgs_add(&m, "%s", "b"), 0);
	assert_int_equal(m.n, 2);
	assert_string_equal(m.v[0], "a 1");
	assert_string_equal(m.v[1], "b");
	topo_msgs_free(&m);
	assert_int_equal(m.n, 0);
	assert_null(m.v);
}

/* Which sysctl keys name an interface, which set every interface's forwarding. */
static void test_sysctl_key_kinds(void **state)
{
	char name[TOPO_IFNAME_MAX + 1];

	(void)state;
	assert_true(sysctl_key_iface("net.ipv4.conf.eth0.rp_filter", name));
	assert_string_equal(name, "eth0");
	assert_true(sysctl_key_iface("net.ipv6.conf.br-x.hop_limit", name));
	assert_string_equal(name, "br-x");
	assert_true(sysctl_key_iface("net.ipv4.neigh.veth1.gc_stale_time", name));
	assert_string_equal(name, "veth1");
	assert_true(sysctl_key_iface("net.ipv4.conf.eth0/1.forwarding", name));
	assert_string_equal(name, "eth0.1");       /* sysctl(8)'s dotted form */
	assert_false(sysctl_key_iface("net.ipv4.conf.all.forwarding", name));
	assert_false(sysctl_key_iface("net.ipv4.conf.default.arp_ignore", name));
	assert_false(sysctl_key_iface("net.ipv6.neigh.default.gc_thresh1", name));
	assert_false(sysctl_key_iface("net.ipv4.ip_forward", name));
	assert_false(sysctl_key_iface("net.ipv4.conf.", name));
	assert_false(sysctl_key_iface("net.ipv4.conf.abcdefghijklmnopq.x", name));
	assert_false(sysctl_key_iface("net.core.somaxconn", name));

	assert_true(sysctl_key_is_global_forwarding("net.ipv4.ip_forward"));
	assert_true(sysctl_key_is_global_forwarding("net.ipv4.conf.all.forwarding"));
	assert_true(sysctl_key_is_global_forwarding("net.ipv6.conf.all.forwarding"));
	assert_false(sysctl_key_is_global_forwarding("net.ipv4.conf.default.forwarding"));
	assert_false(sysctl_key_is_global_forwarding("net.ipv4.conf.eth0.forwarding"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invert_namespaces),
		cmocka_unit_test(test_invert_links),
		cmocka_unit_test(test_invert_link_set_swaps),
		cmocka_unit_test(test_invert_addresses_routes),
		cmocka_unit_test(test_invert_sysctl),
		cmocka_unit_test(test_invert_nft),
		cmocka_unit_test(test_invert_nftx),
		cmocka_unit_test(test_invert_involution),
		cmocka_unit_test(test_plan_count),
		cmocka_unit_test(test_plan_append_grows),
		cmocka_unit_test(test_plan_touches),
		cmocka_unit_test(test_plan_namespaces_first),
		cmocka_unit_test(test_format_links),
		cmocka_unit_test(test_format_link_set),
		cmocka_unit_test(test_format_addresses),
		cmocka_unit_test(test_format_routes),
		cmocka_unit_test(test_format_sysctl_nft_netns),
		cmocka_unit_test(test_format_truncates),
		cmocka_unit_test(test_plan_print),
		cmocka_unit_test(test_plan_print_json),
		cmocka_unit_test(test_op_names),
		cmocka_unit_test(test_msgs),
		cmocka_unit_test(test_sysctl_key_kinds),
	};

	return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
