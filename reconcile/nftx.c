// SPDX-License-Identifier: MIT
#include "reconcile/nftx.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
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

bool nftx_as_recorded(const struct topo_ns *o)
{
	char want[32];
	const char *l = o->nftx_mark ? strstr(o->nftx_mark, " listing ") : NULL;

	snprintf(want, sizeof(want), "%016" PRIx64, o->nftx_listing);
	return o->nftx_read && l && strcmp(l + 9, want) == 0;
}

bool nftx_show_rule(const struct topo_ns *o, const struct topo_nft_rule *r)
{
	return !o->nftx_read || nftx_structured(r);
}

bool nftx_declared(const struct topo_ns *d)
{
	return d->n_nft_text || nft_nat_as_text(d);
}

int nftx_texts_get(const struct topo_ns *d, struct nftx_texts *ret)
{
	bool nat = nft_nat_as_text(d);
	struct topo_nft_text *v = calloc(d->n_nft_text + 1, sizeof(*v));
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!v)
		return -ENOMEM;
	if (d->n_nft_text)
		memcpy(v, d->nft_text, d->n_nft_text * sizeof(*v));
	ret->v = v;
	ret->n = ret->borrowed = d->n_nft_text;
	if (!nat)
		return 0;
	r = nft_render_nat_text(d, &v[ret->n].text, &v[ret->n].line_pos, &v[ret->n].n_line_pos);
	if (r < 0) {
		nftx_texts_free(ret);
		return r;
	}
	snprintf(v[ret->n].family, sizeof(v[ret->n].family), "inet");
	v[ret->n].pos = d->nat[0].pos;
	ret->n++;
	return 0;
}

void nftx_texts_free(struct nftx_texts *t)
{
	for (size_t i = t->borrowed; i < t->n; i++) {
		free(t->v[i].text);
		free(t->v[i].line_pos);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

uint64_t nftx_hash(const struct topo_ns *d)
{
	struct nftx_texts t;
	uint64_t h = TOPO_NFT_HASH0;

	if (nftx_texts_get(d, &t) < 0)
		return 0;
	for (size_t i = 0; i < t.n; i++) {
		h = topo_nft_hash(t.v[i].family, strlen(t.v[i].family) + 1, h);
		h = topo_nft_hash(t.v[i].text, strlen(t.v[i].text) + 1, h);
	}
	nftx_texts_free(&t);
	return h;
}

/* A text's lines without their indentation, trailing blanks and empty
 * lines: what a listing written back into a file (export) keeps of it. */
static uint64_t normal_hash(const char *text, uint64_t h)
{
	for (const char *p = text; p && *p;) {
		size_t n = strcspn(p, "\n"), a = 0, z = n;

		while (a < z && (p[a] == ' ' || p[a] == '\t'))
			a++;
		while (z > a && (p[z - 1] == ' ' || p[z - 1] == '\t' || p[z - 1] == '\r'))
			z--;
		if (z > a) {
			h = topo_nft_hash(p + a, z - a, h);
			h = topo_nft_hash("\n", 1, h);
		}
		p += n + (p[n] == '\n');
	}
	return h;
}

bool nftx_text_is_listing(const struct topo_ns *d, const struct topo_ns *o)
{
	struct nftx_texts t;
	bool same = o->nftx_read;

	if (!same || nftx_texts_get(d, &t) < 0)
		return false;
	for (int i = 0; i < TOPO_NFT_FAMILIES && same; i++) {
		uint64_t want = TOPO_NFT_HASH0;
		bool any = false;

		for (size_t k = 0; k < t.n; k++)
			if (strcmp(t.v[k].family, topo_nft_families[i]) == 0) {
				want = normal_hash(t.v[k].text, want);
				any = true;
			}
		/* inet: the table is there for the structured chains anyway. */
		if (!any && i > 0)
			continue;
		same = topo_ns_nftx_body(o, i) && normal_hash(topo_ns_nftx_body(o, i), TOPO_NFT_HASH0) == want;
	}
	nftx_texts_free(&t);
	return same;
}

bool nftx_same(const struct topo_ns *d, const struct topo_ns *o, FILE *detail)
{
	unsigned want = 0;
	bool text = d && nftx_declared(d), same = true;
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
	topo_nft_mark(nftx_hash(d), o->nftx_listing, expect, sizeof(expect));
	if (strcmp(expect, o->nftx_mark) == 0)
		return same;
	/* Text that is the kernel's own listing (what export writes) asks for
	 * exactly what is there, whatever text made it. */
	if (nftx_text_is_listing(d, o))
		return same;
	/* Which half differs: the text in the file, or the tables in the kernel. */
	snprintf(now_text, sizeof(now_text), "%016" PRIx64, nftx_hash(d));
	sscanf(o->nftx_mark, "topo nft text %31s", rec_text);
	if (strcmp(rec_text, now_text) != 0)
		fprintf(detail, "nft: the text changed since it was loaded\n");
	else
		fprintf(detail, "nft: the tables were changed by hand (their listing is not the one recorded at "
			"the last load)\n");
	return false;
}
