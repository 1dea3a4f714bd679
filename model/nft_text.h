/* SPDX-License-Identifier: MIT */
/*
 * The `nft:` escape hatch, as far as it can be checked without the kernel.
 * A namespace's nft text is the body of `table FAMILY topo-<topology> { ... }`:
 * topo writes the table line, its comment (the ownership mark) and the
 * closing brace, so the text can only add chains, sets, maps, flowtables and
 * stateful objects to tables topo owns. This check keeps it there (balanced
 * braces, no table, no include, no comment or flags on the table); the full
 * parse is libnftables' (backends/nftx.c), at validate time.
 */
#ifndef TOPO_MODEL_NFT_TEXT_H
#define TOPO_MODEL_NFT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The families a `nft:` mapping may name, inet first. */
#define TOPO_NFT_FAMILIES 6
extern const char *const topo_nft_families[TOPO_NFT_FAMILIES];
/* Index in topo_nft_families, or -1. */
int topo_nft_family_index(const char *word);

/* 0, or -EINVAL with *ret_off the byte offset in text of what is refused and
 * msg saying why. */
int topo_nft_text_check(const char *text, const char *family, size_t *ret_off, char *msg, size_t len);

/*
 * The record topo keeps of its last load, as the comment of a chain
 * TOPO_NFT_STATE_CHAIN in inet topo-<topology>: the hash of the declared
 * text, and the hash of the owned tables' listing right after the load.
 * Changed text or a changed listing (by hand) is a difference; a listing
 * re-spelled by hand into the same objects is not.
 */
#define TOPO_NFT_STATE_CHAIN "topo-state"
struct topo_ns;
uint64_t topo_nft_hash(const void *p, size_t len, uint64_t h);
#define TOPO_NFT_HASH0 0xcbf29ce484222325ULL
/* The declared text of a namespace, every family, in file order. */
uint64_t topo_nft_text_hash(const struct topo_ns *ns);
void topo_nft_mark(uint64_t text, uint64_t listing, char *buf, size_t len);
/* Is chain NAME of inet topo-<topology> one that topo's structured rules or
 * its record use (never the text's)? */
bool topo_nft_inet_reserved(const char *name);

#endif
