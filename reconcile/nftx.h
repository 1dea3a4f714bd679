/* SPDX-License-Identifier: MIT */
/*
 * The nft text's comparison (pure): what backends/nftx.c read (the hash of
 * the owned tables' listing, the record of the last load, which tables of
 * our name exist) against what the file declares.
 */
#ifndef TOPO_RECONCILE_NFTX_H
#define TOPO_RECONCILE_NFTX_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "model/topology.h"

/* Does the kernel hold what d's nft text asks for (d NULL or without text:
 * nothing)? What differs goes to detail, one line each. */
bool nftx_same(const struct topo_ns *d, const struct topo_ns *o, FILE *detail);
/* Is this observed rule (nft.c's reading of inet topo-<t>) one of topo's
 * structured chains, which nft_render compares? The rest is the text's. */
bool nftx_structured(const struct topo_nft_rule *r);

/* Is d's nft text, family by family, the owned tables' listing as read
 * (o->nftx_body), up to indentation and empty lines? */
bool nftx_text_is_listing(const struct topo_ns *d, const struct topo_ns *o);
/* Observed: do the owned tables still list as right after topo's last load
 * (the record's listing hash)? False without a record. */
bool nftx_as_recorded(const struct topo_ns *o);
/* Observed rules show and export name: with nft text read, the structured
 * chains' only (the text's objects are listed as a whole, not as rules). */
bool nftx_show_rule(const struct topo_ns *o, const struct topo_nft_rule *r);

/* The nft text a namespace declares: its nft: and filter: texts (borrowed),
 * then its nat rules when they go as text (owned). */
struct nftx_texts {
	struct topo_nft_text *v;
	size_t n;
	size_t borrowed;                  /* v[0..borrowed) are d's own */
};
int nftx_texts_get(const struct topo_ns *d, struct nftx_texts *ret);
void nftx_texts_free(struct nftx_texts *t);
/* Does d declare any? */
bool nftx_declared(const struct topo_ns *d);
/* The hash the record keeps of it (0 when there is none to hash: -ENOMEM). */
uint64_t nftx_hash(const struct topo_ns *d);

#endif
