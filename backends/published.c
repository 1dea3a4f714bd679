// SPDX-License-Identifier: MIT
/*
 * The ports other tables already publish by dnat in a namespace: Docker's
 * `DOCKER` chain and CNI portmap's `CNI-DN-*` chains (iptables-nft rules in
 * table ip nat), another topology's inet table. Read through libnftnl from
 * every rule of the namespace, so that a declared dnat on such a port is a
 * conflict before anything changes (the rule is in reconcile/owner.c).
 *
 * A rule publishes when it ends in a dnat (the nat expression, or
 * iptables' xt target DNAT) and matches a destination port: iptables-nft
 * 1.8 writes `-p tcp --dport N` as native expressions (meta l4proto, a
 * payload load of transport header + 2, cmp/range); older ones as the xt
 * matches tcp, udp and multiport, whose data is read too. A port matched
 * through a set lookup is not read (the rule is left out).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <libmnl/libmnl.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>

#include "backends/internal.h"
#include "reconcile/nft_render.h"

#define PUB_RETRIES 8
#define TOPO_TABLE_PREFIX "topo-"

enum reg_kind { REG_NONE, REG_L4PROTO, REG_DPORT, REG_DADDR4 };

struct reg {
	enum reg_kind kind;
	uint8_t plen;           /* REG_DADDR4 after a bitwise mask */
};

/* What one rule matches, as its expressions are walked. */
struct rule_facts {
	struct reg regs[32];    /* by register number (NFT_REG_1.. and the 32-bit ones) */
	bool dnat;
	bool unreadable;        /* a port through a set, a negated port: not read */
	bool has_port;
	struct topo_published pub;
	uint16_t extra[XT_MULTI_PORTS];   /* multiport: more single ports */
	size_t n_extra;
};

struct pub_reader {
	struct topo_ns *out;
	const char *our_table;
	int err;
};

static struct reg *reg_at(struct rule_facts *f, uint32_t r)
{
	return r < 32 ? &f->regs[r] : NULL;
}

static void on_meta(struct rule_facts *f, struct nftnl_expr *e)
{
	struct reg *r;

	if (!nftnl_expr_is_set(e, NFTNL_EXPR_META_DREG))
		return;
	r = reg_at(f, nftnl_expr_get_u32(e, NFTNL_EXPR_META_DREG));
	if (r)
		r->kind = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY) == NFT_META_L4PROTO ? REG_L4PROTO : REG_NONE;
}

static void on_payload(struct rule_facts *f, struct nftnl_expr *e)
{
	uint32_t base = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE);
	uint32_t off = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
	uint32_t len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);
	struct reg *r;

	if (!nftnl_expr_is_set(e, NFTNL_EXPR_PAYLOAD_DREG))
		return;
	r = reg_at(f, nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_DREG));
	if (!r)
		return;
	r->kind = REG_NONE;
	if (base == NFT_PAYLOAD_TRANSPORT_HEADER && off == 2 && len == 2)
		r->kind = REG_DPORT;
	else if (base == NFT_PAYLOAD_NETWORK_HEADER && off == 16 && len == 4)
		r->kind = REG_DADDR4, r->plen = 32;
	else if (base == NFT_PAYLOAD_NETWORK_HEADER && off == 9 && len == 1)
		r->kind = REG_L4PROTO;
}

static void on_bitwise(struct rule_facts *f, struct nftnl_expr *e)
{
	struct reg *s = reg_at(f, nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_SREG));
	struct reg *d = reg_at(f, nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_DREG));
	uint32_t len = 0;
	const uint8_t *mask = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_MASK, &len);
	uint8_t plen = 0;

	if (!s || !d)
		return;
	if (s->kind != REG_DADDR4 || !mask || len != 4) {
		d->kind = REG_NONE;
		return;
	}
	for (uint32_t i = 0; i < 32 && (mask[i / 8] & (0x80 >> (i % 8))); i++)
		plen++;
	d->kind = REG_DADDR4;
	d->plen = plen;
}

static void on_cmp(struct rule_facts *f, struct nftnl_expr *e)
{
	struct reg *r = reg_at(f, nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_SREG));
	uint32_t op = nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP), len = 0;
	const uint8_t *d = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);
	uint16_t port;

	if (!r || !d || r->kind == REG_NONE)
		return;
	if (r->kind == REG_L4PROTO && len >= 1 && op == NFT_CMP_EQ) {
		f->pub.protocol = d[0];
	} else if (r->kind == REG_DADDR4 && len == 4 && op == NFT_CMP_EQ) {
		f->pub.daddr.family = AF_INET;
		memcpy(f->pub.daddr.bytes, d, 4);
		f->pub.daddr.plen = r->plen;
	} else if (r->kind == REG_DPORT && len == 2) {
		port = (uint16_t)(d[0] << 8 | d[1]);
		if (op == NFT_CMP_EQ) {
			f->pub.port_lo = f->pub.port_hi = port;
		} else if (op == NFT_CMP_GTE) {
			f->pub.port_lo = port;
			if (!f->pub.port_hi)
				f->pub.port_hi = 65535;
		} else if (op == NFT_CMP_LTE) {
			f->pub.port_hi = port;
		} else {
			f->unreadable = true;
			return;
		}
		f->has_port = true;
	}
}

static void on_range(struct rule_facts *f, struct nftnl_expr *e)
{
	struct reg *r = reg_at(f, nftnl_expr_get_u32(e, NFTNL_EXPR_RANGE_SREG));
	uint32_t l1 = 0, l2 = 0;
	const uint8_t *a = nftnl_expr_get(e, NFTNL_EXPR_RANGE_FROM_DATA, &l1);
	const uint8_t *b = nftnl_expr_get(e, NFTNL_EXPR_RANGE_TO_DATA, &l2);

	if (!r || r->kind != REG_DPORT || !a || !b || l1 != 2 || l2 != 2)
		return;
	if (nftnl_expr_get_u32(e, NFTNL_EXPR_RANGE_OP) != NFT_RANGE_EQ) {
		f->unreadable = true;
		return;
	}
	f->pub.port_lo = (uint16_t)(a[0] << 8 | a[1]);
	f->pub.port_hi = (uint16_t)(b[0] << 8 | b[1]);
	f->has_port = true;
}

/* iptables' own matches (older iptables-nft, or iptables-nft's compat path). */
static void on_xt_match(struct rule_facts *f, struct nftnl_expr *e)
{
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME);
	uint32_t len = 0, rev = nftnl_expr_get_u32(e, NFTNL_EXPR_MT_REV);
	const void *info = nftnl_expr_get(e, NFTNL_EXPR_MT_INFO, &len);

	if (!name || !info)
		return;
	if ((strcmp(name, "tcp") == 0 && len >= sizeof(struct xt_tcp)) ||
	    (strcmp(name, "udp") == 0 && len >= sizeof(struct xt_udp))) {
		const uint16_t *dpts = strcmp(name, "tcp") == 0 ? ((const struct xt_tcp *)info)->dpts
								: ((const struct xt_udp *)info)->dpts;
		uint8_t inv = strcmp(name, "tcp") == 0 ? ((const struct xt_tcp *)info)->invflags
						       : ((const struct xt_udp *)info)->invflags;

		f->pub.protocol = strcmp(name, "tcp") == 0 ? IPPROTO_TCP : IPPROTO_UDP;
		if (inv & XT_TCP_INV_DSTPT) {
			f->unreadable = true;
			return;
		}
		if (dpts[0] == 0 && dpts[1] == 65535)
			return;     /* any port */
		f->pub.port_lo = dpts[0];
		f->pub.port_hi = dpts[1];
		f->has_port = true;
	} else if (strcmp(name, "multiport") == 0) {
		uint8_t flags, count;
		const uint16_t *ports;

		if (rev >= 1 && len >= sizeof(struct xt_multiport_v1)) {
			const struct xt_multiport_v1 *m = info;

			if (m->invert) {
				f->unreadable = true;
				return;
			}
			for (uint8_t i = 0; i < m->count && i < XT_MULTI_PORTS; i++)
				if (m->pflags[i]) {
					f->unreadable = true;   /* ranges: not read */
					return;
				}
			flags = m->flags, count = m->count, ports = m->ports;
		} else if (rev == 0 && len >= sizeof(struct xt_multiport)) {
			const struct xt_multiport *m = info;

			flags = m->flags, count = m->count, ports = m->ports;
		} else {
			f->unreadable = true;
			return;
		}
		if (flags == XT_MULTIPORT_SOURCE || count == 0 || count > XT_MULTI_PORTS)
			return;
		f->pub.port_lo = f->pub.port_hi = ports[0];
		for (uint8_t i = 1; i < count; i++)
			f->extra[f->n_extra++] = ports[i];
		f->has_port = true;
	}
}

static int on_expr(struct nftnl_expr *e, void *arg)
{
	struct rule_facts *f = arg;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	struct reg *r;

	if (!name)
		return MNL_CB_OK;
	if (strcmp(name, "meta") == 0)
		on_meta(f, e);
	else if (strcmp(name, "payload") == 0)
		on_payload(f, e);
	else if (strcmp(name, "bitwise") == 0)
		on_bitwise(f, e);
	else if (strcmp(name, "cmp") == 0)
		on_cmp(f, e);
	else if (strcmp(name, "range") == 0)
		on_range(f, e);
	else if (strcmp(name, "match") == 0)
		on_xt_match(f, e);
	else if (strcmp(name, "lookup") == 0) {
		r = reg_at(f, nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_SREG));
		if (r && r->kind == REG_DPORT)
			f->unreadable = true;
	} else if (strcmp(name, "nat") == 0) {
		f->dnat |= nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_TYPE) == NFT_NAT_DNAT;
	} else if (strcmp(name, "target") == 0) {
		const char *t = nftnl_expr_get_str(e, NFTNL_EXPR_TG_NAME);

		f->dnat |= t && strcmp(t, "DNAT") == 0;
	}
	return MNL_CB_OK;
}

static int pub_add(struct topo_ns *out, const struct topo_published *p)
{
	struct topo_published *v = realloc(out->published, (out->n_published + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	out->published = v;
	v[out->n_published++] = *p;
	return 0;
}

static const char *family_name(uint32_t f)
{
	switch (f) {
	case NFPROTO_IPV4: return "ip";
	case NFPROTO_IPV6: return "ip6";
	case NFPROTO_INET: return "inet";
	default: return NULL;
	}
}

static int on_rule(void *arg, const struct nlmsghdr *nlh)
{
	struct pub_reader *rd = arg;
	struct nftnl_rule *rule = nftnl_rule_alloc();
	struct rule_facts f;
	const char *fam, *table, *chain;
	int r = 0;

	if (!rule)
		return -ENOMEM;
	memset(&f, 0, sizeof(f));
	if (nftnl_rule_nlmsg_parse(nlh, rule) < 0)
		goto out;       /* not ours to understand */
	fam = family_name(nftnl_rule_get_u32(rule, NFTNL_RULE_FAMILY));
	table = nftnl_rule_get_str(rule, NFTNL_RULE_TABLE);
	chain = nftnl_rule_get_str(rule, NFTNL_RULE_CHAIN);
	/* IPv4 and inet tables; ours is not another's. */
	if (!fam || strcmp(fam, "ip6") == 0 || !table || !chain ||
	    (strcmp(fam, "inet") == 0 && strcmp(table, rd->our_table) == 0))
		goto out;
	nftnl_expr_foreach(rule, on_expr, &f);
	if (!f.dnat || !f.has_port || f.unreadable)
		goto out;
	snprintf(f.pub.table, sizeof(f.pub.table), "%s %s", fam, table);
	snprintf(f.pub.chain, sizeof(f.pub.chain), "%s", chain);
	if (strcmp(fam, "inet") == 0 && strncmp(table, TOPO_TABLE_PREFIX, strlen(TOPO_TABLE_PREFIX)) == 0)
		snprintf(f.pub.topology, sizeof(f.pub.topology), "%s", table + strlen(TOPO_TABLE_PREFIX));
	r = pub_add(rd->out, &f.pub);
	for (size_t i = 0; i < f.n_extra && r == 0; i++) {
		f.pub.port_lo = f.pub.port_hi = f.extra[i];
		r = pub_add(rd->out, &f.pub);
	}
out:
	nftnl_rule_free(rule);
	return r;
}

int published_observe(struct backend *b, struct bns *ns, struct topo_ns *out)
{
	char our[TOPO_NAME_MAX + 8];
	struct pub_reader rd = { .out = out, .our_table = our };
	int r;

	r = bns_nft_socket(b, ns);
	if (r < 0)
		return r;
	nft_table_name(b->topology, our, sizeof(our));
	for (int attempt = 0;; attempt++) {
		union { struct nlmsghdr h; char buf[256]; } req = { 0 };
		struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(req.buf, NFT_MSG_GETRULE, NFPROTO_UNSPEC, NLM_F_DUMP,
							     next_seq(ns));
		int gen = -1;

		free(out->published);
		out->published = NULL;
		out->n_published = 0;
		r = nft_talk(ns, nlh, &gen, on_rule, &rd);
		if (r != -EINTR || attempt == PUB_RETRIES)
			break;
	}
	if (r == -EOPNOTSUPP)
		r = 0;
	if (r == -EINTR)
		return backend_fail(b, "namespace %s: the nftables ruleset kept changing while topo read it", ns->name),
		       -EINTR;
	if (r < 0)
		return backend_fail(b, "namespace %s: reading nftables rules: %s", ns->name, strerror(-r)), r;
	return 0;
}
