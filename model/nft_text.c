// SPDX-License-Identifier: MIT
#include "model/nft_text.h"
#include "model/topology.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *const topo_nft_families[TOPO_NFT_FAMILIES] = { "inet", "ip", "ip6", "arp", "bridge", "netdev" };
_Static_assert(TOPO_NFT_FAMILIES == TOPO_NFT_FAMILY_SLOTS, "topo_ns.nftx_body has a slot per family");

/* The chains topo's own nat:/forward: rules use in inet topo-<topology>
 * (reconcile/nft_render.c): the text must not redefine them. */
static const char *const inet_reserved[] = { "prerouting", "output", "postrouting", "forward",
					     TOPO_NFT_STATE_CHAIN };

bool topo_nft_inet_reserved(const char *name)
{
	for (size_t k = 0; k < sizeof(inet_reserved) / sizeof(inet_reserved[0]); k++)
		if (strcmp(name, inet_reserved[k]) == 0)
			return true;
	return false;
}

/* FNV-1a, 64 bits: a record of what was loaded, not a defence. */
uint64_t topo_nft_hash(const void *p, size_t len, uint64_t h)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < len; i++) {
		h ^= c[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t topo_nft_text_hash(const struct topo_ns *ns)
{
	uint64_t h = TOPO_NFT_HASH0;

	for (size_t i = 0; i < ns->n_nft_text; i++) {
		h = topo_nft_hash(ns->nft_text[i].family, strlen(ns->nft_text[i].family) + 1, h);
		h = topo_nft_hash(ns->nft_text[i].text, strlen(ns->nft_text[i].text) + 1, h);
	}
	return h;
}

void topo_nft_mark(uint64_t text, uint64_t listing, char *buf, size_t len)
{
	snprintf(buf, len, "topo nft text %016llx listing %016llx", (unsigned long long)text,
		 (unsigned long long)listing);
}

int topo_nft_family_index(const char *word)
{
	for (int i = 0; i < TOPO_NFT_FAMILIES; i++)
		if (strcmp(word, topo_nft_families[i]) == 0)
			return i;
	return -1;
}

static size_t word_at(const char *s, size_t i, char *buf, size_t len)
{
	size_t n = 0;

	while (s[i + n] && (isalnum((unsigned char)s[i + n]) || s[i + n] == '_' || s[i + n] == '-')) {
		if (n + 1 < len)
			buf[n] = s[i + n];
		n++;
	}
	buf[n < len ? n : len - 1] = '\0';
	return n;
}

static int refuse(size_t off, size_t *ret_off, char *msg, size_t len, const char *what)
{
	*ret_off = off;
	snprintf(msg, len, "%s", what);
	return -EINVAL;
}

/*
 * nft's scanner, as far as structure goes: "..." strings (no escapes),
 * # comments to the end of the line, braces; statements start after a
 * newline, ';', '{' or '}'.
 */
int topo_nft_text_check(const char *text, const char *family, size_t *ret_off, char *msg, size_t len)
{
	bool inet = strcmp(family, "inet") == 0, start = true;
	size_t depth = 0, open_at = 0;
	char w[32], name[64];

	for (size_t i = 0; text[i]; i++) {
		char c = text[i];

		if (c == '"') {
			size_t from = i;

			while (text[++i] && text[i] != '"' && text[i] != '\n')
				;
			if (text[i] != '"')
				return refuse(from, ret_off, msg, len, "unterminated string");
			start = false;
			continue;
		}
		if (c == '#') {
			while (text[i + 1] && text[i + 1] != '\n')
				i++;
			continue;
		}
		if (c == '\n' || c == ';') {
			start = true;
			continue;
		}
		if (c == '{') {
			if (depth++ == 0)
				open_at = i;
			start = true;
			continue;
		}
		if (c == '}') {
			if (depth == 0)
				return refuse(i, ret_off, msg, len, "this '}' has no '{' in the text: it would close the "
					      "table topo wraps the text in");
			depth--;
			start = true;
			continue;
		}
		if (isspace((unsigned char)c) || !start)
			continue;
		start = false;
		size_t n = word_at(text, i, w, sizeof(w));

		if (n == 0)
			continue;
		if (strcmp(w, "include") == 0)
			return refuse(i, ret_off, msg, len, "include is not allowed: topo loads only the text in the file");
		if (depth == 0 && strcmp(w, "table") == 0)
			return refuse(i, ret_off, msg, len, "the text is the body of topo's table: no table inside it "
				      "(other families go under their own key, e.g. nft: {bridge: |...})");
		if (depth == 0 && (strcmp(w, "comment") == 0 || strcmp(w, "flags") == 0))
			return refuse(i, ret_off, msg, len, "the table's comment (topo's ownership mark) and flags are "
				      "topo's; put comments on chains, sets or rules");
		if (depth == 0 && inet && strcmp(w, "chain") == 0) {
			size_t j = i + n;

			while (text[j] == ' ' || text[j] == '\t')
				j++;
			word_at(text, j, name, sizeof(name));
			if (topo_nft_inet_reserved(name)) {
				snprintf(msg, len, "chain %s is topo's own (nat:/forward:, its record) in inet "
					 "topo-<topology>; give this chain another name (the hook decides what it sees)",
					 name);
				*ret_off = j;
				return -EINVAL;
			}
		}
		i += n - 1;
	}
	if (depth)
		return refuse(open_at, ret_off, msg, len, "this '{' is never closed");
	return 0;
}
