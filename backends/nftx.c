// SPDX-License-Identifier: MIT
/*
 * nft text (a namespace's nft: key) through libnftables, the netfilter
 * project's own parser, so the text is exactly what `nft -f` accepts.
 *
 * The text is the body of `table FAMILY topo-<topology> { ... }`: topo
 * writes that line, the table's comment (the ownership mark, as nft.c writes
 * it on the inet table) and the closing brace; model/nft_text.c has already
 * checked the text cannot close the table or include a file. The inet text
 * goes into the table nft.c has just rebuilt (its structured chains
 * alongside); other families get tables of their own, replaced whole.
 *
 * Comparison is by the kernel's own listing (libnftables `list table`,
 * stateless, without handles), topo's structured chains and its record left
 * out: right after a load topo writes the hash of the declared text and of
 * that listing as the comment of chain TOPO_NFT_STATE_CHAIN in the inet
 * table. A later listing with another hash was changed by hand; one
 * re-spelled into the same objects lists the same and is not drift.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backends/dlib.h"
#include "backends/internal.h"
#include "model/nft_text.h"
#include "reconcile/nft_render.h"
#include "reconcile/nftx.h"

#define INET_BIT 1u

/*
 * The loaded libnftables: only called where a context exists, so the
 * library is loaded and dlib_nftables() returns its cached table.
 */
static const struct nft_fns *nf(void)
{
	return dlib_nftables(NULL, 0);
}

/*
 * A context, or NULL with err set and *ret_r = -ELIBACC (libnftables
 * missing) or -ENOMEM.
 */
static struct nft_ctx *ctx_new(unsigned flags, int *ret_r, char *err, size_t len)
{
	const struct nft_fns *n = dlib_nftables(err, len);
	struct nft_ctx *x;

	*ret_r = -ELIBACC;
	if (!n)
		return NULL;
	*ret_r = -ENOMEM;
	x = n->ctx_new(NFT_CTX_DEFAULT);
	if (!x) {
		snprintf(err, len, "libnftables: out of memory");
		return NULL;
	}
	if (n->ctx_buffer_output(x) < 0 || n->ctx_buffer_error(x) < 0) {
		n->ctx_free(x);
		snprintf(err, len, "libnftables: out of memory");
		return NULL;
	}
	n->ctx_output_set_flags(x, flags);
	return x;
}

/* The first complaint in libnftables' error text, one line. */
static void first_error_in(const char *e, char *buf, size_t len)
{
	const char *p = e ? strstr(e, "Error: ") : NULL;

	if (p)
		p += 7;
	else
		p = e && e[0] ? e : "refused";
	snprintf(buf, len, "%.*s", (int)strcspn(p, "\n"), p);
}

/* libnftables hands its error buffer out once (reading it empties it). */
static void first_error(struct nft_ctx *x, char *buf, size_t len)
{
	first_error_in(nf()->ctx_get_error_buffer(x), buf, len);
}

static char *run_out(struct nft_ctx *x, const char *cmd)
{
	const char *o;

	if (nf()->run_cmd_from_buffer(x, cmd) != 0)
		return NULL;
	o = nf()->ctx_get_output_buffer(x);
	return strdup(o ? o : "");
}

/* `list table FAMILY NAME`, or NULL (none, or refused). */
static char *table_listing(struct nft_ctx *x, const char *family, const char *table, bool stateless)
{
	char cmd[128];

	nf()->ctx_output_set_flags(x, stateless ? NFT_CTX_OUTPUT_STATELESS : 0);
	snprintf(cmd, sizeof(cmd), "list table %s %s", family, table);
	return run_out(x, cmd);
}

/* Does the listing carry the mark as the table's comment (its second line)? */
static bool listing_marked(const char *l, const char *mark)
{
	const char *nl = strchr(l, '\n');
	size_t n = strlen(mark);

	return nl && strncmp(nl + 1, "\tcomment \"", 10) == 0 && strncmp(nl + 11, mark, n) == 0 &&
	       strncmp(nl + 11 + n, "\"\n", 2) == 0;
}

/* Which tables of our name exist, by family (bit i = topo_nft_families[i]). */
static int tables_here(struct nft_ctx *x, const char *table, const char *mark, unsigned *ours, unsigned *foreign)
{
	char *all, *line, *save = NULL;

	*ours = *foreign = 0;
	nf()->ctx_output_set_flags(x, 0);
	all = run_out(x, "list tables");
	if (!all)
		return -EIO;
	for (line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char fam[16], name[300];
		int i;

		if (sscanf(line, "table %15s %299s", fam, name) != 2 || strcmp(name, table) != 0 ||
		    (i = topo_nft_family_index(fam)) < 0)
			continue;
		char *l = table_listing(x, fam, table, true);

		if (l && listing_marked(l, mark))
			*ours |= 1u << i;
		else
			*foreign |= 1u << i;
		free(l);
	}
	free(all);
	return 0;
}

/*
 * The listing topo compares: each owned table in family order; in inet,
 * without topo's structured chains and its record (their own comparison
 * is nft.c's). *ret_mark: the record's comment, when asked for and there.
 */
static int owned_listing(struct nft_ctx *x, const char *table, unsigned ours, char **ret, char **ret_mark,
			 char **ret_bodies)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r = 0;

	*ret = NULL;
	if (ret_mark)
		*ret_mark = NULL;
	if (!f)
		return -ENOMEM;
	for (int i = 0; i < TOPO_NFT_FAMILIES && r == 0; i++) {
		char *l, *line, *save = NULL, *body = NULL;
		size_t blen = 0;
		FILE *bf = NULL;
		bool skip = false;
		unsigned n = 0;

		if (!(ours & (1u << i)))
			continue;
		l = table_listing(x, topo_nft_families[i], table, true);
		if (!l) {
			r = -EIO;
			break;
		}
		if (ret_bodies && !(bf = open_memstream(&body, &blen))) {
			free(l);
			r = -ENOMEM;
			break;
		}
		for (line = strtok_r(l, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			/* The body: not the table's line, its comment (the
			 * mark topo writes) or its closing brace. */
			bool own = n++ == 0 || strcmp(line, "}") == 0 || (n == 2 && strncmp(line, "\tcomment \"", 10) == 0);

			char name[300];

			if (i == 0 && sscanf(line, "\tchain %299s {", name) == 1 && topo_nft_inet_reserved(name)) {
				skip = true;
				if (ret_mark && strcmp(name, TOPO_NFT_STATE_CHAIN) == 0) {
					char *c = strtok_r(NULL, "\n", &save);

					if (c && strncmp(c, "\t\tcomment \"", 11) == 0) {
						free(*ret_mark);
						*ret_mark = strndup(c + 11, strcspn(c + 11, "\""));
					}
					if (c && strcmp(c, "\t}") == 0)
						skip = false;
				}
				continue;
			}
			if (skip) {
				skip = strcmp(line, "\t}") != 0;
				continue;
			}
			fprintf(f, "%s\n", line);
			if (bf && !own)
				fprintf(bf, "%s\n", line[0] == '\t' ? line + 1 : line);
		}
		free(l);
		if (bf && fclose(bf) != 0)
			r = -ENOMEM;
		else if (bf)
			ret_bodies[i] = body, body = NULL;
		free(body);
	}
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r == 0)
		*ret = buf;
	else
		free(buf);
	return r;
}

static uint64_t listing_hash(const char *l)
{
	return topo_nft_hash(l, strlen(l), TOPO_NFT_HASH0);
}

/* ---------------------------------------------------------------- observe -- */

static bool has_record(const struct topo_ns *out)
{
	for (size_t i = 0; i < out->n_nft_rules; i++)
		if (strcmp(out->nft_rules[i].chain, TOPO_NFT_STATE_CHAIN) == 0)
			return true;
	return false;
}

int nftx_observe(struct backend *b, struct bns *ns, const struct topo_ns *desired, struct topo_ns *out)
{
	char table[TOPO_NAME_MAX + 8], mark[160], e[256], *l = NULL;
	struct nft_ctx *x;
	unsigned ours, foreign;
	int r;

	/* Only where there is text, or was: a namespace without costs nothing. */
	if (!(desired && nftx_declared(desired)) && !has_record(out))
		return 0;
	nft_table_name(b->topology, table, sizeof(table));
	nft_mark_comment(b->topology, mark, sizeof(mark));
	r = netns_enter(b, ns);
	if (r < 0)
		return r;
	x = ctx_new(0, &r, e, sizeof(e));
	if (!x) {
		netns_leave(b);
		return backend_fail(b, "namespace %s: %s", ns->name, e), r;
	}
	r = tables_here(x, table, mark, &ours, &foreign);
	if (r == 0) {
		char **bodies = topo_ns_nftx_slots(out);

		out->nftx_ours = ours & ~INET_BIT;
		out->nftx_foreign = foreign & ~INET_BIT;
		r = bodies ? owned_listing(x, table, out->nftx_ours | (out->nft_table ? INET_BIT : 0), &l,
					   &out->nftx_mark, bodies) : -ENOMEM;
	}
	if (r == 0) {
		out->nftx_listing = listing_hash(l);
		out->nftx_read = true;
	} else {
		first_error(x, e, sizeof(e));
		backend_fail(b, "namespace %s: listing the nft text's tables: %s", ns->name, e);
	}
	free(l);
	nf()->ctx_free(x);
	netns_leave(b);
	return r;
}

/* ------------------------------------------------------------------ apply -- */

static void put_table(FILE *f, const char *family, const char *table, const char *mark, const char *body)
{
	fprintf(f, "table %s %s {\n", family, table);
	if (mark)
		fprintf(f, "\tcomment \"%s\"\n", mark);
	fprintf(f, "%s\n}\n", body);
}

/* nft: per family, filter:, nat: at most. */
#define NFTX_MAX_TEXTS (TOPO_NFT_FAMILIES + 2)

static size_t count_lines(const char *p, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; p && i < len; i++)
		n += p[i] == '\n';
	return n;
}

/*
 * Runs cmd from a file (libnftables then says LINE:COL, not only the
 * column), and on a refusal puts in e the first complaint with its place
 * in the topology file: text i's first line is line first_line[i] of cmd.
 */
static int run_mapped(struct nft_ctx *x, const char *cmd, const struct nftx_texts *tx, const unsigned *first_line,
		      char *e, size_t elen)
{
	int fd = memfd_create("topo-nft", MFD_CLOEXEC);
	size_t len = strlen(cmd), plen, off = 0;
	char path[64];
	const char *eb, *p;
	unsigned line, col;
	int r;

	if (fd < 0)
		return nf()->run_cmd_from_buffer(x, cmd) != 0 ? (first_error(x, e, elen), -1) : 0;
	while (off < len) {
		ssize_t w = write(fd, cmd + off, len - off);

		if (w <= 0) {
			close(fd);
			return nf()->run_cmd_from_buffer(x, cmd) != 0 ? (first_error(x, e, elen), -1) : 0;
		}
		off += (size_t)w;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = nf()->run_cmd_from_filename(x, path);
	close(fd);
	if (r == 0)
		return 0;
	eb = nf()->ctx_get_error_buffer(x);
	first_error_in(eb, e, elen);
	plen = strlen(path);
	p = eb ? strstr(eb, path) : NULL;
	if (!p || p[plen] != ':' || sscanf(p + plen + 1, "%u:%u", &line, &col) != 2)
		return -1;
	for (size_t i = tx->n < NFTX_MAX_TEXTS ? tx->n : NFTX_MAX_TEXTS; i-- > 0;) {
		const struct topo_nft_text *nt = &tx->v[i];
		unsigned k;
		size_t used = strlen(e);

		if (!first_line[i] || line < first_line[i])
			continue;
		k = line - first_line[i];   /* 0-based line of the text */
		if (nt->line_pos && k < nt->n_line_pos)
			snprintf(e + used, elen - used, " (the rule at file line %u, column %u)", nt->line_pos[k].line,
				 nt->line_pos[k].col);
		else if (!nt->line_pos && k <= count_lines(nt->text, strlen(nt->text)))
			snprintf(e + used, elen - used, " (at file line %u, column %u)", nt->line + k, nt->indent + col);
		break;
	}
	return -1;
}

/*
 * Runs after nft.c replaced (SET, DEL) or restored (RESTORE) the inet table:
 * the other families' tables and the inet text, in one transaction. SET and
 * DEL first save the other tables they replace (s->nf->nftx_saved, what RESTORE
 * puts back); on SET, the record of the load follows.
 */
int nftx_apply(struct backend *b, struct bns *ns, struct step *s)
{
	const struct topo_ns *d = s->op == STEP_NFT_SET ? s->nf->nft_desired : NULL;
	unsigned first_line[NFTX_MAX_TEXTS] = { 0 };
	struct nftx_texts tx = { 0 };
	char mark[160], e[256], *cmd = NULL, *saved = NULL, *l = NULL;
	unsigned ours = 0, foreign = 0;
	size_t len = 0;
	struct nft_ctx *x;
	FILE *f;
	int r;

	nft_mark_comment(b->topology, mark, sizeof(mark));
	if (d && nftx_texts_get(d, &tx) < 0)
		return backend_fail(b, "rendering the nat rules as nft text: out of memory"), -ENOMEM;
	r = netns_enter(b, ns);
	if (r < 0) {
		nftx_texts_free(&tx);
		return r;
	}
	x = ctx_new(0, &r, e, sizeof(e));
	if (!x) {
		backend_fail(b, "%s", e);
		goto out;
	}
	f = open_memstream(&cmd, &len);
	if (!f) {
		r = -ENOMEM;
		backend_fail(b, "out of memory");
		goto out;
	}
	r = tables_here(x, s->table, mark, &ours, &foreign);
	ours &= ~INET_BIT;
	if (r == 0 && s->op != STEP_NFT_RESTORE && ours) {
		/* What is replaced, with its counters, as nft text. */
		char *buf = NULL;
		size_t blen = 0;
		FILE *sf = open_memstream(&buf, &blen);

		for (int i = 1; sf && i < TOPO_NFT_FAMILIES && r == 0; i++) {
			char *t = (ours & (1u << i)) ? table_listing(x, topo_nft_families[i], s->table, false) : NULL;

			if ((ours & (1u << i)) && !t)
				r = -EIO;
			else if (t)
				fputs(t, sf);
			free(t);
		}
		if (!sf || fclose(sf) != 0) {
			r = -ENOMEM;
		} else if (r == 0) {
			saved = buf;
			buf = NULL;
		}
		free(buf);
	}
	if (r < 0) {
		first_error(x, e, sizeof(e));
		backend_fail(b, "reading the other families' tables %s: %s", s->table, r == -ENOMEM ? "out of memory" : e);
		fclose(f);
		goto out;
	}
	/* Recorded before the load: a failed step is undone too (its inverse
	 * puts back what this saved). */
	if (s->op != STEP_NFT_RESTORE) {
		free(s->nf->nftx_saved);
		s->nf->nftx_saved = saved;
	}
	for (int i = 1; i < TOPO_NFT_FAMILIES; i++)
		if (ours & (1u << i))
			fprintf(f, "delete table %s %s\n", topo_nft_families[i], s->table);
	for (size_t i = 0; i < tx.n && i < NFTX_MAX_TEXTS; i++) {
		const struct topo_nft_text *nt = &tx.v[i];
		bool inet = strcmp(nt->family, "inet") == 0;

		/* Where its first line lands in the command, for the error's place. */
		fflush(f);
		first_line[i] = 1 + (unsigned)count_lines(cmd, len) + 1 + !inet;
		put_table(f, nt->family, s->table, inet ? NULL : mark, nt->text);
	}
	if (s->op == STEP_NFT_RESTORE && s->nf->nftx_saved)
		fputs(s->nf->nftx_saved, f);
	if (fclose(f) != 0) {
		r = -ENOMEM;
		backend_fail(b, "out of memory");
		goto out;
	}
	if (cmd[0] && run_mapped(x, cmd, &tx, first_line, e, sizeof(e)) != 0) {
		r = -EINVAL;
		backend_fail(b, "loading the nft text: %s", e);
		goto out;
	}
	if (tx.n) {
		/* The record: what was declared, and how the kernel lists what it made. */
		unsigned want = INET_BIT;
		char rec[128], add[400];

		for (size_t i = 0; i < tx.n; i++)
			want |= 1u << topo_nft_family_index(tx.v[i].family);
		r = owned_listing(x, s->table, want, &l, NULL, NULL);
		if (r == 0) {
			topo_nft_mark(nftx_hash(d), listing_hash(l), rec, sizeof(rec));
			snprintf(add, sizeof(add), "add chain inet %s " TOPO_NFT_STATE_CHAIN " { comment \"%s\"; }",
				 s->table, rec);
			if (nf()->run_cmd_from_buffer(x, add) != 0)
				r = -EIO;
		}
		if (r < 0) {
			first_error(x, e, sizeof(e));
			backend_fail(b, "recording the nft text's load: %s", e);
			/* Put the other families back as they were; nft.c restores inet. */
			FILE *uf;

			free(cmd);
			cmd = NULL;
			uf = open_memstream(&cmd, &len);

			if (uf) {
				for (size_t i = 0; i < tx.n; i++)
					if (strcmp(tx.v[i].family, "inet") != 0)
						fprintf(uf, "delete table %s %s\n", tx.v[i].family, s->table);
				if (s->nf->nftx_saved)
					fputs(s->nf->nftx_saved, uf);
				if (fclose(uf) == 0 && cmd[0])
					(void)nf()->run_cmd_from_buffer(x, cmd);
			}
			goto out;
		}
	}
out:
	nftx_texts_free(&tx);
	free(l);
	free(cmd);
	if (s->op == STEP_NFT_RESTORE || s->nf->nftx_saved != saved)
		free(saved);
	if (x)
		nf()->ctx_free(x);
	netns_leave(b);
	return r;
}

/* -------------------------------------------------------------- the check -- */

/*
 * libnftables' dry run of each text, wrapped as it will be loaded, errors
 * mapped back into the topology file. Only what depends on the text alone
 * is reported: the dry run evaluates against the namespace topo runs in,
 * where the lab's interfaces are not (the real load reports those), and an
 * unprivileged caller cannot read the kernel's cache at all.
 */
static int check_one(const char *file, const char *nsname, const char *topology, const struct topo_nft_text *nt,
		     FILE *err)
{
	char path[64], table[TOPO_NAME_MAX + 8];
	char e[256];
	int r = 0;
	struct nft_ctx *x = ctx_new(0, &r, e, sizeof(e));
	int fd;
	FILE *f;
	const char *eb, *p;

	if (!x) {
		fprintf(err, "%s: checking the nft text of namespace %s: %s\n", file, nsname, e);
		return r;
	}
	fd = memfd_create("topo-nft", MFD_CLOEXEC);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	r = 0;
	if (!f) {
		if (f)
			fclose(f);
		else if (fd >= 0)
			close(fd);
		if (x)
			nf()->ctx_free(x);
		fprintf(err, "%s: checking the nft text of namespace %s: out of memory\n", file, nsname);
		return -ENOMEM;
	}
	nft_table_name(topology, table, sizeof(table));
	put_table(f, nt->family, table, NULL, nt->text);
	fflush(f);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nf()->ctx_set_dry_run(x, true);
	if (nf()->run_cmd_from_filename(x, path) != 0) {
		size_t plen = strlen(path);

		eb = nf()->ctx_get_error_buffer(x);
		/* "PATH:LINE:COL-COL: Error: MESSAGE", line 1 being the table line. */
		for (p = eb; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
			unsigned line, col;
			const char *m;

			if (strncmp(p, path, plen) != 0 || p[plen] != ':' ||
			    sscanf(p + plen + 1, "%u:%u", &line, &col) != 2 || !(m = strstr(p, "Error: ")))
				continue;
			m += 7;
			if (strncmp(m, "Interface does not exist", 24) == 0)
				continue;
			if (nt->line_pos && line >= 2 && line - 2 < nt->n_line_pos)
				fprintf(err, "%s:%u:%u: nft refuses this rule: %.*s\n", file,
					nt->line_pos[line - 2].line, nt->line_pos[line - 2].col, (int)strcspn(m, "\n"), m);
			else if (!nt->line_pos && line >= 2)
				fprintf(err, "%s:%u:%u: nft: %.*s\n", file, nt->line + line - 2, nt->indent + col,
					(int)strcspn(m, "\n"), m);
			else
				fprintf(err, "%s:%u:%u: nft: %.*s\n", file, nt->pos.line, nt->pos.col,
					(int)strcspn(m, "\n"), m);
			r = -EINVAL;
		}
	}
	fclose(f);
	nf()->ctx_free(x);
	return r;
}

int backend_nft_text_check(const struct topology *t, const char *file, FILE *err)
{
	int r = 0;

	for (size_t i = 0; i < t->n_ns; i++) {
		struct nftx_texts tx;

		if (!nftx_declared(&t->ns[i]))
			continue;
		if (nftx_texts_get(&t->ns[i], &tx) < 0) {
			fprintf(err, "%s: rendering the nat rules of namespace %s: out of memory\n", file, t->ns[i].name);
			return -ENOMEM;
		}
		for (size_t j = 0; j < tx.n; j++) {
			int e = check_one(file, t->ns[i].name, t->name, &tx.v[j], err);

			if (e < 0 && r == 0)
				r = e;
		}
		nftx_texts_free(&tx);
	}
	return r;
}
