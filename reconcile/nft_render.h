/* SPDX-License-Identifier: MIT */
/*
 * The rules topo keeps in its nftables table, rendered as text in nft's
 * words. The reconciler renders the declared `nat:`/`forward:` entries; the
 * nft backend renders the live table's expressions the same way; equal text
 * means an equal rule. Pure.
 */
#ifndef TOPO_RECONCILE_NFT_RENDER_H
#define TOPO_RECONCILE_NFT_RENDER_H

#include <stddef.h>

#include "model/topology.h"

enum nft_chain_id {
	NFT_CHAIN_PREROUTING,   /* nat, hook prerouting, priority dstnat (-100) */
	NFT_CHAIN_OUTPUT,       /* nat, hook output, priority dstnat (-100) */
	NFT_CHAIN_POSTROUTING,  /* nat, hook postrouting, priority srcnat (100) */
	NFT_CHAIN_FORWARD,      /* filter, hook forward, priority filter (0) */
	NFT_CHAIN_COUNT,
};

struct nft_chain_def {
	const char *name;
	const char *type;       /* "nat" or "filter" */
	const char *hook;
	int priority;
};

extern const struct nft_chain_def nft_chains[NFT_CHAIN_COUNT];

/* "topo-<topology>" */
void nft_table_name(const char *topology, char *buf, size_t len);

/* The chain line as it appears in a rendered rule list ("chain" pseudo-rule). */
void nft_render_chain(enum nft_chain_id id, char *buf, size_t len);

/*
 * The namespace's rule list: for each chain that has rules, first the chain
 * line (chain = name, text = "type nat hook prerouting priority -100 policy accept"),
 * then its rules in file order. 0 or -ENOMEM. Entries are freed with
 * nft_rules_free.
 */
int nft_render(const struct topo_ns *ns, struct topo_nft_rule **ret, size_t *ret_n);
void nft_rules_free(struct topo_nft_rule *rules, size_t n);

/*
 * The loopback destinations a dnat in the output chain never matches
 * (127.0.0.0/8, ::1): a local program's connection to 127.0.0.1:PORT stays on
 * loopback, as with Docker's own rule; rewritten, it would leave with a
 * loopback source and be dropped (route_localnet=0). The renderer and the nft
 * backend's rule builder both take it from here.
 */
void nft_output_loopback(uint8_t family, struct topo_ip *ret);

/* Which chain a rendered entry of a declared rule goes to, and its text. */
int nft_render_nat(const struct topo_nat *nat, enum nft_chain_id chain, char *buf, size_t len);
int nft_render_forward(const struct topo_forward *fw, char *buf, size_t len);
/* Can backends/nft.c build this rule as expressions (and read it back)? */
bool nft_nat_structured(const struct topo_nat *nat);
/* Does any of the namespace's nat rules need nft text? Then all of them go
 * as text (chains nat_prerouting, nat_output, nat_postrouting), in file
 * order, and the structured chains carry none. */
bool nft_nat_as_text(const struct topo_ns *ns);
/* That text (a table body), with each line's position in the file. */
int nft_render_nat_text(const struct topo_ns *ns, char **ret, struct topo_pos **ret_lines, size_t *ret_n);

#endif
