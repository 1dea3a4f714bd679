// SPDX-License-Identifier: MIT
#include "reconcile/nftx.h"

#include <inttypes.h>
#include <string.h>

#include "model/nft_text.h"
#include "reconcile/nft_render.h"

bool nftx_structured(const struct topo_nft_rule *r)
{
	for (int id = 0; id < NFT_CHAIN_COUNT; id++)
		if (strcmp(r->chain, nft_chains[id].name) == 0)
			return true;
	return false;
}

bool nftx_same(const struct topo_ns *d, const struct topo_ns *o, FILE *detail)
{
	unsigned want = 0;
	bool text = d && d->n_nft_text, same = true;
	char expect[128], rec_text[32] = "", now_text[32];

	for (size_t i = 0; text && i < d->n_nft_text; i++)
		if (strcmp(d->nft_text[i].family, "inet") != 0)
			want |= 1u << topo_nft_family_index(d->nft_text[i].family);
	for (int i = 1; i < TOPO_NFT_FAMILIES; i++) {
		unsigned bit = 1u << i;

		if ((o->nftx_ours & bit) && !(want & bit))
			fprintf(detail, "nft: table %s is not declared\n", topo_nft_families[i]);
		else if (!(o->nftx_ours & bit) && (want & bit))
			fprintf(detail, "nft: table %s is missing\n", topo_nft_families[i]);
		else
			continue;
		same = false;
	}
	if (!text)
		return same;
	if (!o->nftx_mark) {
		fprintf(detail, "nft: the text is not loaded\n");
		return false;
	}
	topo_nft_mark(topo_nft_text_hash(d), o->nftx_listing, expect, sizeof(expect));
	if (strcmp(expect, o->nftx_mark) == 0)
		return same;
	/* Which half differs: the text in the file, or the tables in the kernel. */
	snprintf(now_text, sizeof(now_text), "%016" PRIx64, topo_nft_text_hash(d));
	sscanf(o->nftx_mark, "topo nft text %31s", rec_text);
	if (strcmp(rec_text, now_text) != 0)
		fprintf(detail, "nft: the text changed since it was loaded\n");
	else
		fprintf(detail, "nft: the tables were changed by hand (their listing is not the one recorded at "
			"the last load)\n");
	return false;
}
