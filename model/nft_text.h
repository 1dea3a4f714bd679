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

/* The families a `nft:` mapping may name, inet first. */
#define TOPO_NFT_FAMILIES 6
extern const char *const topo_nft_families[TOPO_NFT_FAMILIES];
/* Index in topo_nft_families, or -1. */
int topo_nft_family_index(const char *word);

/* 0, or -EINVAL with *ret_off the byte offset in text of what is refused and
 * msg saying why. */
int topo_nft_text_check(const char *text, const char *family, size_t *ret_off, char *msg, size_t len);

#endif
