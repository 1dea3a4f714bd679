// SPDX-License-Identifier: MIT
#include "reconcile/nft_render.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/ip.h"
#include "model/strbuf.h"
#include "model/vec.h"

const struct nft_chain_def nft_chains[NFT_CHAIN_COUNT] = {
	[NFT_CHAIN_PREROUTING] = { "prerouting", "nat", "prerouting", -100 },
	[NFT_CHAIN_OUTPUT] = { "output", "nat", "output", -100 },
	[NFT_CHAIN_POSTROUTING] = { "postrouting", "nat", "postrouting", 100 },
	[NFT_CHAIN_FORWARD] = { "forward", "filter", "forward", 0 },
};

void nft_table_name(const char *topology, char *buf, size_t len)
{
	snprintf(buf, len, "topo-%s", topology);
}

void nft_render_chain(enum nft_chain_id id, char *buf, size_t len)
{
	const struct nft_chain_def *c = &nft_chains[id];

	snprintf(buf, len, "type %s hook %s priority %d policy accept", c->type, c->hook, c->priority);
}

/* A rule that does not fit is refused (rb_finish), never cut. */
__attribute__((format(printf, 2, 3)))
static void rb_add(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(b, fmt, ap);
	va_end(ap);
}

static const char *fam_word(uint8_t family)
{
	return family == AF_INET6 ? "ip6" : "ip";
}

static void rb_ifmatch(struct strbuf *b, const char *what, const struct topo_ifmatch *m)
{
	if (m->name[0])
		rb_add(b, "%s%s \"%s\" ", what, m->negate ? " !=" : "", m->name);
}

static void rb_prefix(struct strbuf *b, const char *what, const struct topo_ip *ip)
{
	char a[TOPO_IP_STRLEN];

	if (!ip->family)
		return;
	rb_add(b, "%s %s %s ", fam_word(ip->family), what,
	       topo_ip_format(ip, ip->plen < topo_ip_maxlen(ip->family), a, sizeof(a)));
}

static const char *proto_word(uint8_t p)
{
	switch (p) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_SCTP: return "sctp";
	}
	return "?";
}

static int rb_finish(struct strbuf *b)
{
	/* Drop the trailing blank. */
	if (b->truncated)
		return -ENOSPC;
	if (b->len && b->p[b->len - 1] == ' ')
		b->p[--b->len] = '\0';
	return 0;
}

void nft_output_loopback(uint8_t family, struct topo_ip *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = family;
	if (family == AF_INET6) {
		ret->bytes[15] = 1;
		ret->plen = 128;
	} else {
		ret->bytes[0] = 127;
		ret->plen = 8;
	}
}

int nft_render_nat(const struct topo_nat *nat, enum nft_chain_id chain, char *buf, size_t len)
{
	struct strbuf b;
	uint8_t fam = nat->to.family ? nat->to.family : nat->source.family ? nat->source.family :
		      nat->destination.family;
	char a[TOPO_IP_STRLEN];

	strbuf_init_fixed(&b, buf, len);
	if (fam)
		rb_add(&b, "meta nfproto %s ", fam == AF_INET6 ? "ipv6" : "ipv4");
	if (nat->kind == TOPO_NAT_DNAT) {
		/* Locally generated packets have no input interface. */
		if (chain == NFT_CHAIN_PREROUTING)
			rb_ifmatch(&b, "iifname", &nat->in);
		if (chain == NFT_CHAIN_OUTPUT) {
			struct topo_ip lo;

			nft_output_loopback(fam, &lo);
			rb_prefix(&b, "daddr !=", &lo);
		}
		if (nat->destination.family)
			rb_prefix(&b, "daddr", &nat->destination);
		else
			rb_add(&b, "fib daddr type local ");
		rb_add(&b, "meta l4proto %s ", proto_word(nat->protocol));
		if (nat->port_lo == nat->port_hi)
			rb_add(&b, "th dport %u ", nat->port_lo);
		else
			rb_add(&b, "th dport %u-%u ", nat->port_lo, nat->port_hi);
		rb_add(&b, "counter ");
		topo_ip_format(&nat->to, false, a, sizeof(a));
		if (nat->to_port)
			rb_add(&b, fam == AF_INET6 ? "dnat ip6 to [%s]:%u" : "dnat ip to %s:%u", a, nat->to_port);
		else
			rb_add(&b, "dnat %s to %s", fam_word(fam), a);
		return rb_finish(&b);
	}
	rb_ifmatch(&b, "oifname", &nat->out);
	rb_prefix(&b, "saddr", &nat->source);
	rb_add(&b, "counter ");
	if (nat->kind == TOPO_NAT_MASQUERADE)
		rb_add(&b, "masquerade");
	else
		rb_add(&b, "snat %s to %s", fam_word(fam), topo_ip_format(&nat->to, false, a, sizeof(a)));
	return rb_finish(&b);
}

int nft_render_forward(const struct topo_forward *fw, char *buf, size_t len)
{
	struct strbuf b;
	uint8_t fam = fw->source.family ? fw->source.family : fw->destination.family;

	strbuf_init_fixed(&b, buf, len);
	if (fam)
		rb_add(&b, "meta nfproto %s ", fam == AF_INET6 ? "ipv6" : "ipv4");
	rb_ifmatch(&b, "iifname", &fw->in);
	rb_ifmatch(&b, "oifname", &fw->out);
	rb_prefix(&b, "saddr", &fw->source);
	rb_prefix(&b, "daddr", &fw->destination);
	rb_add(&b, "counter %s", fw->action == TOPO_FWD_DROP ? "drop" : "accept");
	return rb_finish(&b);
}

static int push(struct topo_nft_rule **v, size_t *n, const char *chain, const char *text)
{
	char *c = strdup(chain), *t = strdup(text);
	struct topo_nft_rule *r = c && t ? VEC_APPEND(*v, *n) : NULL;

	if (!r) {
		free(c);
		free(t);
		return -ENOMEM;
	}
	r->chain = c;
	r->text = t;
	return 0;
}

int nft_render(const struct topo_ns *ns, struct topo_nft_rule **ret, size_t *ret_n)
{
	struct topo_nft_rule *v = NULL;
	size_t n = 0;
	char buf[512];
	int r = 0;

	for (int c = 0; c < NFT_CHAIN_COUNT && r == 0; c++) {
		bool header = false;
		size_t count = c == NFT_CHAIN_FORWARD ? ns->n_forward : ns->n_nat;

		for (size_t i = 0; i < count && r == 0; i++) {
			if (c == NFT_CHAIN_FORWARD) {
				r = nft_render_forward(&ns->forward[i], buf, sizeof(buf));
			} else {
				const struct topo_nat *nat = &ns->nat[i];
				bool dnat = nat->kind == TOPO_NAT_DNAT;

				if (dnat != (c == NFT_CHAIN_PREROUTING || c == NFT_CHAIN_OUTPUT))
					continue;
				r = nft_render_nat(nat, (enum nft_chain_id)c, buf, sizeof(buf));
			}
			if (r < 0)
				break;
			if (!header) {
				char chain[128];

				nft_render_chain((enum nft_chain_id)c, chain, sizeof(chain));
				r = push(&v, &n, nft_chains[c].name, chain);
				header = true;
				if (r < 0)
					break;
			}
			r = push(&v, &n, nft_chains[c].name, buf);
		}
	}
	if (r < 0) {
		nft_rules_free(v, n);
		return r == -ENOSPC ? -EINVAL : r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

void nft_rules_free(struct topo_nft_rule *rules, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rules[i].chain);
		free(rules[i].text);
	}
	free(rules);
}
