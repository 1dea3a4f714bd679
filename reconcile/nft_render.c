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

static const char *l4_word(uint8_t p)
{
	switch (p) {
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "ipv6-icmp";
	}
	return proto_word(p);
}

static void rb_ports(struct strbuf *b, uint16_t lo, uint16_t hi)
{
	if (hi && hi != lo)
		rb_add(b, ":%u-%u", lo, hi);
	else
		rb_add(b, ":%u", lo);
}

static void rb_flags(struct strbuf *b, unsigned flags)
{
	const char *sep = " ";

	if (flags & TOPO_NAT_F_RANDOM) {
		rb_add(b, "%srandom", sep);
		sep = ",";
	}
	if (flags & TOPO_NAT_F_FULLY_RANDOM) {
		rb_add(b, "%sfully-random", sep);
		sep = ",";
	}
	if (flags & TOPO_NAT_F_PERSISTENT)
		rb_add(b, "%spersistent", sep);
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
	if (nat->kind == TOPO_NAT_DNAT || nat->kind == TOPO_NAT_REDIRECT) {
		/* Locally generated packets have no input interface. */
		if (chain == NFT_CHAIN_PREROUTING)
			rb_ifmatch(&b, "iifname", &nat->in);
		/* A new address for a loopback connection: its loopback source
		 * would be dropped (only when the address changes). */
		if (chain == NFT_CHAIN_OUTPUT && nat->to.family) {
			struct topo_ip lo;

			nft_output_loopback(fam, &lo);
			rb_prefix(&b, "daddr !=", &lo);
		}
		if (nat->destination.family)
			rb_prefix(&b, "daddr", &nat->destination);
		else if (nat->kind == TOPO_NAT_DNAT)
			rb_add(&b, "fib daddr type local ");
		if (nat->protocol)
			rb_add(&b, "meta l4proto %s ", l4_word(nat->protocol));
		if (nat->port_lo == nat->port_hi && nat->port_lo)
			rb_add(&b, "th dport %u ", nat->port_lo);
		else if (nat->port_lo)
			rb_add(&b, "th dport %u-%u ", nat->port_lo, nat->port_hi);
		rb_add(&b, "counter ");
		if (nat->kind == TOPO_NAT_REDIRECT) {
			rb_add(&b, "redirect");
			if (nat->to_port) {
				rb_add(&b, " to ");
				rb_ports(&b, nat->to_port, nat->to_port_hi);
			}
			return rb_finish(&b);
		}
		if (!nat->to.family) {
			rb_add(&b, "dnat to :%u", nat->to_port);
			return rb_finish(&b);
		}
		topo_ip_format(&nat->to, false, a, sizeof(a));
		if (nat->to_port)
			rb_add(&b, fam == AF_INET6 ? "dnat ip6 to [%s]:%u" : "dnat ip to %s:%u", a, nat->to_port);
		else
			rb_add(&b, "dnat %s to %s", fam_word(fam), a);
		return rb_finish(&b);
	}
	rb_ifmatch(&b, "oifname", &nat->out);
	rb_prefix(&b, "saddr", &nat->source);
	if (nat->protocol)
		rb_add(&b, "meta l4proto %s ", l4_word(nat->protocol));
	rb_add(&b, "counter ");
	if (nat->kind == TOPO_NAT_MASQUERADE) {
		rb_add(&b, "masquerade");
		if (nat->to_port) {
			rb_add(&b, " to ");
			rb_ports(&b, nat->to_port, nat->to_port_hi);
		}
	} else {
		rb_add(&b, "snat %s to %s", fam_word(fam), topo_ip_format(&nat->to, false, a, sizeof(a)));
		if (nat->to_port)
			rb_ports(&b, nat->to_port, nat->to_port_hi);
	}
	rb_flags(&b, nat->flags);
	return rb_finish(&b);
}

bool nft_nat_structured(const struct topo_nat *nat)
{
	/* What backends/nft.c builds as expressions and reads back. */
	if (nat->kind == TOPO_NAT_REDIRECT || nat->flags || nat->to_port_hi)
		return false;
	if (nat->kind == TOPO_NAT_DNAT)
		return nat->to.family && nat->port_lo &&
		       (nat->protocol == IPPROTO_TCP || nat->protocol == IPPROTO_UDP || nat->protocol == IPPROTO_SCTP);
	return !nat->protocol && !nat->to_port;
}

bool nft_nat_as_text(const struct topo_ns *ns)
{
	for (size_t i = 0; i < ns->n_nat; i++)
		if (!nft_nat_structured(&ns->nat[i]))
			return true;
	return false;
}

static const struct {
	const char *name, *hook, *priority;
	enum nft_chain_id as;
} nat_text_chains[] = {
	{ "nat_prerouting", "prerouting", "-100", NFT_CHAIN_PREROUTING },
	{ "nat_output", "output", "-100", NFT_CHAIN_OUTPUT },
	{ "nat_postrouting", "postrouting", "100", NFT_CHAIN_POSTROUTING },
};

int nft_render_nat_text(const struct topo_ns *ns, char **ret, struct topo_pos **ret_lines, size_t *ret_n)
{
	char *text = NULL, line[600];
	size_t len = 0, n = 0, cap = 0;
	struct topo_pos *lines = NULL;
	FILE *f = open_memstream(&text, &len);
	int r = 0;

	*ret = NULL;
	*ret_lines = NULL;
	*ret_n = 0;
	if (!f)
		return -ENOMEM;
	for (size_t c = 0; c < sizeof(nat_text_chains) / sizeof(nat_text_chains[0]) && r == 0; c++) {
		bool header = false, pre = nat_text_chains[c].as != NFT_CHAIN_POSTROUTING;

		for (size_t i = 0; i < ns->n_nat && r == 0; i++) {
			const struct topo_nat *nat = &ns->nat[i];
			bool dnatlike = nat->kind == TOPO_NAT_DNAT || nat->kind == TOPO_NAT_REDIRECT;
			char rule[512];

			if (dnatlike != pre)
				continue;
			r = nft_render_nat(nat, nat_text_chains[c].as, rule, sizeof(rule));
			for (int k = header ? 1 : 0; k < 2 && r == 0; k++) {
				struct topo_pos *v;

				if (n + 1 >= cap) {
					cap = cap ? cap * 2 : 16;
					v = realloc(lines, cap * sizeof(*v));
					if (!v) {
						r = -ENOMEM;
						break;
					}
					lines = v;
				}
				if (k == 0) {
					snprintf(line, sizeof(line), "\tchain %s {\n\t\ttype nat hook %s priority %s; policy accept;",
						 nat_text_chains[c].name, nat_text_chains[c].hook,
						 nat_text_chains[c].priority);
					lines[n++] = nat->pos;
					lines[n++] = nat->pos;
					header = true;
				} else {
					snprintf(line, sizeof(line), "\t\t%s", rule);
					lines[n++] = nat->pos;
				}
				fprintf(f, "%s\n", line);
			}
		}
		if (header && r == 0) {
			struct topo_pos last = lines[n - 1], *v = lines;

			if (n + 1 >= cap) {
				cap = cap * 2 + 2;
				v = realloc(lines, cap * sizeof(*v));
			}
			if (!v) {
				r = -ENOMEM;
				break;
			}
			lines = v;
			lines[n++] = last;
			fputs("\t}\n", f);
		}
	}
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r < 0) {
		free(text);
		free(lines);
		return r == -ENOSPC ? -EINVAL : r;
	}
	*ret = text;
	*ret_lines = lines;
	*ret_n = n;
	return 0;
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
		/* nat rules beyond what the expressions express go as nft text (all of
		 * them, in file order): none here then. */
		size_t count = c == NFT_CHAIN_FORWARD ? ns->n_forward : nft_nat_as_text(ns) ? 0 : ns->n_nat;

		for (size_t i = 0; i < count && r == 0; i++) {
			if (c == NFT_CHAIN_FORWARD) {
				r = nft_render_forward(&ns->forward[i], buf, sizeof(buf));
			} else {
				const struct topo_nat *nat = &ns->nat[i];
				bool dnat = nat->kind == TOPO_NAT_DNAT || nat->kind == TOPO_NAT_REDIRECT;

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
