// SPDX-License-Identifier: MIT
/*
 * One file across several hosts (model/nodes.c): the slice of each node, the
 * VNIs (stable when the file is reordered, collisions refused at their
 * line:col), the overlay MTU rule, host-gw gateways, and the single-host
 * format left as it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/ip.h"
#include "model/link_vxlan.h"
#include "model/linktype.h"
#include "model/loader.h"
#include "model/nodes.h"

static int load(const char *text, struct topology *t, struct topo_diags *d)
{
	return topo_load_buffer("t.yaml", (const unsigned char *)text, strlen(text), t, d);
}

static void load_ok(const char *text, struct topology *t)
{
	struct topo_diags d;
	int r = load(text, t, &d);

	for (size_t i = 0; i < d.n; i++)
		print_message("    got %u:%u: %s\n", d.v[i].pos.line, d.v[i].pos.col, d.v[i].msg);
	topo_diags_free(&d);
	assert_int_equal(r, 0);
}

/* Exactly one error, at line:col, containing sub. */
static void load_error(const char *text, unsigned line, unsigned col, const char *sub)
{
	struct topology t;
	struct topo_diags d;
	int r = load(text, &t, &d);
	bool ok = r == -EINVAL && d.n == 1 && d.v[0].pos.line == line && d.v[0].pos.col == col &&
		  strstr(d.v[0].msg, sub);

	if (!ok) {
		print_message("r=%d; wanted %u:%u: ...%s...\n", r, line, col, sub);
		for (size_t i = 0; i < d.n; i++)
			print_message("    got %u:%u: %s\n", d.v[i].pos.line, d.v[i].pos.col, d.v[i].msg);
	}
	topology_free(&t);
	topo_diags_free(&d);
	assert_true(ok);
}

static void slice_ok(const char *text, const char *node, struct topology *t)
{
	char err[256];

	load_ok(text, t);
	assert_int_equal(topo_nodes_slice(t, node, err, sizeof(err)), 0);
}

static const struct topo_iface *iface(const struct topology *t, const char *ns, const char *name)
{
	long n = topology_ns_find(t, ns), i;

	assert_true(n >= 0);
	i = topo_ns_iface_find(&t->ns[n], name);
	if (i < 0)
		print_message("no interface %s in %s\n", name, ns);
	assert_true(i >= 0);
	return &t->ns[n].ifaces[i];
}

static void assert_ip(const struct topo_ip *ip, const char *want)
{
	char buf[TOPO_IP_STRLEN];

	assert_string_equal(topo_ip_format(ip, false, buf, sizeof(buf)), want);
}

#define NODES \
	"topology: lab\n" \
	"nodes:\n" \
	"  a: {underlay: 10.0.0.1/24, dev: eth0}\n" \
	"  b: {underlay: 10.0.0.2/24}\n" \
	"  c: {underlay: 10.0.0.3/24, mtu: 9000}\n"

/* A veth with its ends on two nodes becomes a vxlan on each: on a host, by
 * the declared name; from a namespace, through a host bridge. */
static void test_cross_node_link(void **state)
{
	(void)state;
	const char *text = NODES
		"namespaces:\n"
		"  a: {}\n"
		"  b: {}\n"
		"  ctr: {node: a, interfaces: {eth0: {addresses: [192.168.0.1/30]}}}\n"
		"  ctr2: {node: c, interfaces: {eth0: {addresses: [192.168.0.2/30]}}}\n"
		"links:\n"
		"  - [a:t0, b:t0]\n"
		"  - [ctr:eth0, ctr2:eth0]\n";
	struct topology t;
	const struct topo_iface *x;

	slice_ok(text, "a", &t);
	x = iface(&t, "host", "t0");
	assert_ptr_equal(x->type, TOPO_IF_VXLAN);
	assert_ip(&x->opt[VX_REMOTE].ip, "10.0.0.2");
	assert_ip(&x->opt[VX_LOCAL].ip, "10.0.0.1");
	assert_string_equal(x->opt[VX_DEV].name, "eth0");
	assert_int_equal(x->opt[VX_PORT].u, 4789);
	assert_int_equal(x->mtu, 1450);
	assert_int_equal(x->link, -1);
	uint32_t vni = x->opt[VX_VNI].u;

	/* ctr's end stays a veth in ctr, its peer bridged with the tunnel. */
	assert_int_equal(t.n_links, 1);
	x = iface(&t, "ctr", "eth0");
	assert_ptr_equal(x->type, TOPO_IF_VETH);
	assert_int_equal(x->mtu, 1450);   /* the lower of the two overlays: a's 1450, c's 8950 */
	const struct topo_link *l = &t.links[x->link];
	const struct topo_iface *peer = &t.ns[l->end[1].ns].ifaces[l->end[1].iface];
	char name[16];

	assert_string_equal(t.ns[l->end[1].ns].name, "host");
	uint32_t vni2 = 0;

	for (size_t i = 0; i < t.n_ns; i++)
		for (size_t j = 0; j < t.ns[i].n_ifaces; j++)
			if (t.ns[i].ifaces[j].type == TOPO_IF_VXLAN && strcmp(t.ns[i].ifaces[j].name, "t0") != 0)
				vni2 = t.ns[i].ifaces[j].opt[VX_VNI].u;
	assert_true(vni2 && vni2 != vni);
	snprintf(name, sizeof(name), "vxlan%u", vni2);
	x = iface(&t, "host", name);
	assert_ip(&x->opt[VX_REMOTE].ip, "10.0.0.3");
	snprintf(name, sizeof(name), "vxbr%u", vni2);
	assert_string_equal(x->master, name);
	assert_ptr_equal(iface(&t, "host", name)->type, TOPO_IF_BRIDGE);
	assert_string_equal(peer->master, name);
	assert_int_equal(topology_ns_find(&t, "ctr2"), -1);
	assert_int_equal(topology_ns_find(&t, "b"), -1);
	assert_int_equal(t.n_nodes, 0);       /* a slice is a single-host topology */
	topology_free(&t);

	/* The other side: the same VNI, remote and local swapped. */
	slice_ok(text, "b", &t);
	x = iface(&t, "host", "t0");
	assert_int_equal(x->opt[VX_VNI].u, vni);
	assert_ip(&x->opt[VX_REMOTE].ip, "10.0.0.1");
	assert_ip(&x->opt[VX_LOCAL].ip, "10.0.0.2");
	assert_false(x->opt[VX_DEV].set);
	assert_int_equal(t.n_links, 0);
	topology_free(&t);

	/* A node that declares no host namespace gets one for its tunnels. */
	slice_ok(text, "c", &t);
	snprintf(name, sizeof(name), "vxlan%u", vni2);
	x = iface(&t, "host", name);
	assert_ip(&x->opt[VX_REMOTE].ip, "10.0.0.1");
	assert_int_equal(t.ns[topology_ns_find(&t, "host")].kind, TOPO_NS_IS_HOST);
	topology_free(&t);
}

/* Derived VNIs depend on the names, not on where they stand in the file. */
static void test_vni_stable_under_reordering(void **state)
{
	(void)state;
	const char *one = NODES
		"namespaces:\n"
		"  x: {node: a}\n"
		"  y: {node: b}\n"
		"links:\n"
		"  - [x:e1, y:e1]\n"
		"  - [x:e2, y:e2]\n";
	const char *two = NODES
		"namespaces:\n"
		"  y: {node: b}\n"
		"  x: {node: a}\n"
		"links:\n"
		"  - [y:e2, x:e2]\n"
		"  - [y:e1, x:e1]\n";
	const char *ab[] = { "x:e1", "y:e1" }, *ba[] = { "y:e1", "x:e1" };
	struct topology t1, t2;

	assert_int_equal(topo_vni_derive(ab, 2), topo_vni_derive(ba, 2));
	assert_true(topo_vni_derive(ab, 2) >= 1 && topo_vni_derive(ab, 2) <= 16777215);
	load_ok(one, &t1);
	load_ok(two, &t2);
	assert_int_equal(t1.links[0].vni, t2.links[1].vni);
	assert_int_equal(t1.links[1].vni, t2.links[0].vni);
	assert_int_equal(t1.links[0].vni, topo_vni_derive(ab, 2));
	assert_int_not_equal(t1.links[0].vni, t1.links[1].vni);
	topology_free(&t1);
	topology_free(&t2);
}

static void test_vni_collision(void **state)
{
	(void)state;
	load_error(NODES
		   "namespaces:\n"
		   "  x: {node: a}\n"
		   "  y: {node: b}\n"
		   "links:\n"
		   "  - {endpoints: [x:e1, y:e1], vni: 100}\n"
		   "  - {endpoints: [x:e2, y:e2], vni: 100}\n",
		   11, 5, "vni 100 of the link x:e2 - y:e2 is also the vni of the link x:e1 - y:e1 (line 10)");
	/* A vxlan the file declares on a host counts too. */
	load_error(NODES
		   "namespaces:\n"
		   "  a: {interfaces: {vx: {type: vxlan, vni: 7, remote: 10.0.0.9}}}\n"
		   "  x: {node: a}\n"
		   "  y: {node: b}\n"
		   "links:\n"
		   "  - {endpoints: [x:e1, y:e1], vni: 7}\n",
		   11, 5, "vni 7 of the link x:e1 - y:e1 is also the vni of vxlan a:vx (line 7)");
	/* A link on one node takes no vni. */
	load_error(NODES
		   "namespaces:\n"
		   "  x: {node: a}\n"
		   "  y: {node: a}\n"
		   "links:\n"
		   "  - {endpoints: [x:e1, y:e1], vni: 5}\n",
		   10, 5, "vni and dstport apply to a link between two nodes");
}

static void test_mtu_rule(void **state)
{
	(void)state;
	struct topology t;

	/* IPv6 underlay: less 70; a smaller declared mtu is kept. */
	load_ok("topology: lab\n"
		"nodes:\n"
		"  a: {underlay: 'fd00::1/64', mtu: 9000}\n"
		"  b: {underlay: 'fd00::2/64', mtu: 9000}\n"
		"namespaces:\n"
		"  x: {node: a, interfaces: {e1: {mtu: 1400}}}\n"
		"  y: {node: b}\n"
		"links:\n"
		"  - [x:e1, y:e1]\n"
		"  - [x:e2, y:e2]\n", &t);
	assert_int_equal(t.ns[0].ifaces[0].mtu, 1400);
	assert_int_equal(t.ns[1].ifaces[1].mtu, 8930);
	assert_int_equal(t.ns[0].ifaces[1].mtu, 8930);
	topology_free(&t);
	/* defaults: mtu is capped, a declared one exceeding is refused. */
	load_ok(NODES
		"defaults: {mtu: 9000}\n"
		"namespaces:\n"
		"  x: {node: a}\n"
		"  y: {node: b}\n"
		"links:\n"
		"  - [x:e1, y:e1]\n", &t);
	assert_int_equal(t.ns[0].ifaces[0].mtu, 1450);
	topology_free(&t);
	load_error(NODES
		   "namespaces:\n"
		   "  x: {node: a, interfaces: {e1: {mtu: 1451}}}\n"
		   "  y: {node: b}\n"
		   "links:\n"
		   "  - [x:e1, y:e1]\n",
		   7, 29, "has mtu 1451, more than the 1450 of the link x:e1 - y:e1");
	load_error(NODES
		   "namespaces:\n"
		   "  x: {node: a}\n"
		   "  y: {node: b}\n"
		   "links:\n"
		   "  - {endpoints: [x:e1, y:e1], mtu: 1500}\n",
		   10, 5, "has mtu 1500, more than the overlay's 1450");
}

/* Stretched over two nodes: each gets a vxlan port on its bridge; every
 * port and the port's veth peer get the overlay mtu. */
static void test_stretched_bridge(void **state)
{
	(void)state;
	const char *text = NODES
		"namespaces:\n"
		"  a: {interfaces: {br0: {type: bridge, stretch: true}, va: {master: br0}}}\n"
		"  b: {interfaces: {br0: {type: bridge, stretch: true, mtu: 1400}, vb: {master: br0}}}\n"
		"  c: {interfaces: {br1: {type: bridge}}}\n"
		"  x: {node: a}\n"
		"  y: {node: b}\n"
		"links:\n"
		"  - [a:va, x:eth0]\n"
		"  - [b:vb, y:eth0]\n";
	const char *name[] = { "br0" };
	struct topology t;
	char vx[16];

	snprintf(vx, sizeof(vx), "vxlan%u", topo_vni_derive(name, 1));
	slice_ok(text, "a", &t);
	const struct topo_iface *p = iface(&t, "host", vx);

	assert_ptr_equal(p->type, TOPO_IF_VXLAN);
	assert_string_equal(p->master, "br0");
	assert_ip(&p->opt[VX_REMOTE].ip, "10.0.0.2");
	assert_int_equal(p->mtu, 1450);
	assert_false(p->opt[VX_LEARNING].set);      /* point to point: the kernel's defaults */
	assert_int_equal(t.ns[topology_ns_find(&t, "host")].n_fdb, 0);
	assert_int_equal(iface(&t, "host", "br0")->mtu, 1450);
	assert_false(iface(&t, "host", "br0")->stretch);
	assert_int_equal(iface(&t, "host", "va")->mtu, 1450);
	assert_int_equal(iface(&t, "x", "eth0")->mtu, 1450);
	topology_free(&t);
	/* c's br1 is its own bridge, no tunnel. */
	slice_ok(text, "c", &t);
	assert_int_equal(t.ns[0].n_ifaces, 1);
	topology_free(&t);

	load_error(NODES
		   "namespaces:\n"
		   "  a: {interfaces: {br0: {type: bridge, stretch: true}}}\n",
		   7, 20, "only node a declares it");
	/* The same name unstretched on another node is a forgotten stretch:. */
	load_error(NODES
		   "namespaces:\n"
		   "  a: {interfaces: {br0: {type: bridge, stretch: true}}}\n"
		   "  b: {interfaces: {br0: {type: bridge, stretch: true}}}\n"
		   "  c: {interfaces: {br0: {type: bridge}}}\n",
		   9, 20, "bridge br0 is stretched on node a (line 7) but not here on c");
	/* Also when the unstretched one comes first in the file. */
	load_error(NODES
		   "namespaces:\n"
		   "  c: {interfaces: {br0: {type: bridge}}}\n"
		   "  a: {interfaces: {br0: {type: bridge, stretch: true}}}\n"
		   "  b: {interfaces: {br0: {type: bridge, stretch: true}}}\n",
		   7, 20, "bridge br0 is stretched on node a (line 8) but not here on c");
	load_error(NODES
		   "namespaces:\n"
		   "  a: {interfaces: {br0: {type: bridge, stretch: true, vni: 5}}}\n"
		   "  b: {interfaces: {br0: {type: bridge, stretch: true, vni: 6}}}\n",
		   8, 20, "has vni 6 here and 5 on another node");
	load_error(NODES
		   "namespaces:\n"
		   "  a: {interfaces: {br0: {type: bridge, stretch: true}, vxlan5: {type: bridge}}}\n"
		   "  b: {interfaces: {br0: {type: bridge, stretch: true, vni: 5}}}\n",
		   7, 56, "is the name topo gives the tunnel port of stretched bridge br0");
}

/* Over three nodes: no remote, learning off, an all-zeros FDB entry per
 * peer, sorted; the plan says so. */
static void test_stretched_three_floods(void **state)
{
	(void)state;
	const char *text = NODES
		"namespaces:\n"
		"  c: {interfaces: {br0: {type: bridge, stretch: true}}}\n"
		"  a: {interfaces: {br0: {type: bridge, stretch: true}}}\n"
		"  b: {interfaces: {br0: {type: bridge, stretch: true}}}\n";
	const char *name[] = { "br0" };
	struct topology t;
	char vx[16];

	snprintf(vx, sizeof(vx), "vxlan%u", topo_vni_derive(name, 1));
	slice_ok(text, "b", &t);
	const struct topo_iface *p = iface(&t, "host", vx);

	assert_false(p->opt[VX_REMOTE].set);
	assert_ip(&p->opt[VX_LOCAL].ip, "10.0.0.2");
	assert_true(p->opt[VX_LEARNING].set);
	assert_int_equal(p->opt[VX_LEARNING].u, 0);
	assert_int_equal(p->mtu, 1450);       /* the smallest overlay of the three */
	/* The flood list: the generic fdb entries of the host, one per peer. */
	const struct topo_ns *h = &t.ns[topology_ns_find(&t, "host")];
	static const uint8_t zero[6];

	assert_int_equal(h->n_fdb, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(h->fdb[i].dev, vx);
		assert_memory_equal(h->fdb[i].mac, zero, 6);
	}
	assert_ip(&h->fdb[0].dst, "10.0.0.1");
	assert_ip(&h->fdb[1].dst, "10.0.0.3");
	topology_free(&t);
}

/* Head-end replication to at most 15 peers: a bridge over 17 nodes is refused. */
static void test_stretch_cap(void **state)
{
	(void)state;
	char text[4096];
	size_t n = 0;

	for (int k = 16; k <= 17; k++) {
		n = (size_t)snprintf(text, sizeof(text), "topology: lab\nnodes:\n");
		for (int i = 1; i <= k; i++)
			n += (size_t)snprintf(text + n, sizeof(text) - n, "  n%d: {underlay: 10.0.0.%d/24}\n", i, i);
		n += (size_t)snprintf(text + n, sizeof(text) - n, "namespaces:\n");
		for (int i = 1; i <= k; i++)
			n += (size_t)snprintf(text + n, sizeof(text) - n,
					      "  n%d: {interfaces: {br0: {type: bridge, stretch: true}}}\n", i);
		if (k == 16) {
			struct topology t;

			slice_ok(text, "n3", &t);
			assert_int_equal(t.ns[topology_ns_find(&t, "host")].n_fdb, 15);
			topology_free(&t);
		} else {
			load_error(text, 21, 21, "stretched over 17 nodes; topo floods to at most 15 peers");
		}
	}
}

/* A vxlan declared with no remote and no group (head-end replication) is
 * not the kernel's point-to-point one with the same id: a replace. */
static void test_headend_replaces_p2p(void **state)
{
	(void)state;
	struct topo_iface d, o;

	topo_iface_init(&d);
	assert_int_equal(topo_iface_set_type(&d, TOPO_IF_VXLAN), 0);
	d.opt[VX_VNI] = (struct topo_linkopt){ .set = true, .u = 5 };
	d.opt[VX_LEARNING] = (struct topo_linkopt){ .set = true, .u = 0 };
	assert_int_equal(topo_iface_copy_link(&o, &d), 0);
	assert_null(topo_link_replace_why(&d, &o));
	o.opt[VX_REMOTE].set = true;
	topo_ip_parse("10.0.0.2", &o.opt[VX_REMOTE].ip);
	assert_non_null(topo_link_replace_why(&d, &o));
	d.opt[VX_REMOTE] = o.opt[VX_REMOTE];
	assert_null(topo_link_replace_why(&d, &o));
	/* The other way round stays the option rule's: a declared remote differs. */
	o.opt[VX_REMOTE].set = false;
	assert_non_null(topo_link_replace_why(&d, &o));
	topo_iface_clear(&d);
	topo_iface_clear(&o);
}

/* host-gw: a gateway that is another node's underlay must be on ours. */
static void test_host_gw_via(void **state)
{
	(void)state;
	struct topology t;

	load_ok(NODES
		"namespaces:\n"
		"  a:\n"
		"    routes: [{to: 172.18.2.0/24, via: 10.0.0.2}]\n"
		"  b:\n"
		"    routes: [{to: 172.18.1.0/24, via: 10.0.0.1}]\n", &t);
	topology_free(&t);
	load_error("topology: lab\n"
		   "nodes:\n"
		   "  a: {underlay: 10.0.0.1/24}\n"
		   "  b: {underlay: 10.0.1.2/24}\n"
		   "namespaces:\n"
		   "  a:\n"
		   "    routes: [{to: 172.18.2.0/24, via: 10.0.1.2}]\n",
		   7, 14, "via 10.0.1.2 (node b's underlay) is not on node a's underlay subnet 10.0.0.0/24");
}

static void test_format_errors(void **state)
{
	(void)state;
	load_error(NODES "namespaces:\n  x: {}\n", 7, 3, "namespace x needs node: NAME");
	load_error(NODES "namespaces:\n  x: {node: d}\n", 7, 13, "node 'd' is not declared under nodes:");
	load_error(NODES "namespaces:\n  host: {}\n", 7, 3, "each node has its own host");
	load_error(NODES "namespaces:\n  a: {node: a}\n", 7, 7, "it takes no node:");
	load_error("topology: lab\nnodes:\n  a: {dev: eth0}\n", 3, 3, "node a needs underlay:");
	load_error("topology: lab\nnodes:\n  a: {underlay: 10.0.0.1/24}\n  b: {underlay: 10.0.0.1/24}\n", 4, 3,
		   "has the underlay address of node a");
	/* Without nodes:, node: and stretch: are refused, and nothing else changed. */
	load_error("topology: lab\nnamespaces:\n  x: {node: a}\n", 3, 7, "node: needs the top-level nodes:");
	load_error("topology: lab\nnamespaces:\n  host: {interfaces: {br0: {type: bridge, stretch: true}}}\n", 3, 43,
		   "stretch needs the file's nodes:");
}

/* The single-host format is untouched: no nodes, host is the host. */
static void test_single_host_unchanged(void **state)
{
	(void)state;
	struct topology t;
	char err[256];

	load_ok("topology: lab\n"
		"namespaces:\n"
		"  host: {interfaces: {br0: {type: bridge}, v: {master: br0}}}\n"
		"  x: {}\n"
		"links:\n"
		"  - [host:v, x:eth0]\n", &t);
	assert_int_equal(t.n_nodes, 0);
	assert_int_equal(t.ns[0].kind, TOPO_NS_IS_HOST);
	assert_string_equal(t.ns[0].node, "");
	assert_int_equal(t.ns[1].ifaces[0].mtu, 0);
	assert_int_equal(t.links[0].vni, 0);
	assert_int_equal(topo_nodes_slice(&t, "a", err, sizeof(err)), -ENOENT);
	topology_free(&t);
}

static void test_slice_checks_and_pick(void **state)
{
	(void)state;
	const char *text = NODES
		"namespaces:\n"
		"  x: {node: a, interfaces: {e1: {addresses: [192.168.0.1/30]}}}\n"
		"  y: {node: b, interfaces: {e1: {addresses: [192.168.0.2/30]}}}\n"
		"links:\n"
		"  - [x:e1, y:e1]\n"
		"checks:\n"
		"  - {from: x, ping: 192.168.0.2}\n"
		"  - {from: x, tcp: '192.168.0.2:80'}\n"
		"  - {from: y, ping: 192.168.0.1}\n";
	struct topology t;
	struct topo_ip addrs[2];
	size_t i;
	char err[256];

	slice_ok(text, "a", &t);
	assert_int_equal(t.n_checks, 2);
	assert_string_equal(t.ns[t.checks[0].from].name, "x");
	assert_false(t.checks[1].served_by.set);     /* y is on b: not ours to listen in */
	topology_free(&t);

	load_ok(text, &t);
	assert_int_equal(topo_nodes_slice(&t, "z", err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no node 'z' in t.yaml (nodes: a b c)"));
	topology_free(&t);

	load_ok(text, &t);
	topo_ip_parse("127.0.0.1/8", &addrs[0]);
	topo_ip_parse("10.0.0.2/24", &addrs[1]);
	assert_int_equal(topo_nodes_pick(&t, addrs, 2, &i, err, sizeof(err)), 0);
	assert_string_equal(t.nodes[i].name, "b");
	assert_int_equal(topo_nodes_pick(&t, addrs, 1, &i, err, sizeof(err)), -ENOENT);
	topo_ip_parse("10.0.0.3/24", &addrs[0]);
	assert_int_equal(topo_nodes_pick(&t, addrs, 2, &i, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "nodes b and c"));
	topology_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cross_node_link),
		cmocka_unit_test(test_vni_stable_under_reordering),
		cmocka_unit_test(test_vni_collision),
		cmocka_unit_test(test_mtu_rule),
		cmocka_unit_test(test_stretched_bridge),
		cmocka_unit_test(test_stretched_three_floods),
		cmocka_unit_test(test_stretch_cap),
		cmocka_unit_test(test_headend_replaces_p2p),
		cmocka_unit_test(test_host_gw_via),
		cmocka_unit_test(test_format_errors),
		cmocka_unit_test(test_single_host_unchanged),
		cmocka_unit_test(test_slice_checks_and_pick),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
