// SPDX-License-Identifier: MIT
/*
 * nftables: topo's NAT and forward rules live in one table per namespace,
 * `inet topo-<topology>`, reached through nfnetlink (libnftnl builds and
 * parses the messages, libmnl carries them; no nft binary).
 *
 * Reading renders the live table in the words reconcile/nft_render.c uses
 * for the declared rules, expression by expression, so the diff compares
 * text. Writing rebuilds the whole table in one transaction, tied to the
 * ruleset generation that was read: it lands entirely or not at all, and
 * what was saved for a rollback is exactly what it replaced.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "backends/internal.h"
#include "model/ip.h"
#include "reconcile/nft_render.h"
#include "model/vec.h"

/* nf_tables messages stay below 64 KiB (attribute lengths are 16 bits). */
#define NFT_MSG_ROOM    (65536 + 4096)
#define NFT_RETRIES     8
#define NFT_MAX_EXPRS   48
#define NFT_TEXT_MAX    1024
#define NFT_IFNAME_LEN  (TOPO_IFNAME_MAX + 1)   /* IFNAMSIZ: nft compares the zero-padded name */
/* The table's comment is topo's mark (`nft list` shows it): TOPO_ALIAS_PREFIX
 * and the topology, then these words. Tables made before the mark carry the
 * words alone, and count as marked too. */
#define NFT_COMMENT     "managed by topo; changes here are undone by `topo apply`"

#define NFT_TYPE(msg)   ((uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | (msg)))

static const char *const hook_names[] = {
	[NF_INET_PRE_ROUTING] = "prerouting",
	[NF_INET_LOCAL_IN] = "input",
	[NF_INET_FORWARD] = "forward",
	[NF_INET_LOCAL_OUT] = "output",
	[NF_INET_POST_ROUTING] = "postrouting",
	[NF_INET_INGRESS] = "ingress",
};

static int hook_num(const char *name)
{
	for (size_t i = 0; i < sizeof(hook_names) / sizeof(hook_names[0]); i++)
		if (hook_names[i] && strcmp(hook_names[i], name) == 0)
			return (int)i;
	return -1;
}

static const char *family_word(uint32_t family)
{
	switch (family) {
	case NFPROTO_INET: return "inet";
	case NFPROTO_IPV4: return "ip";
	case NFPROTO_IPV6: return "ip6";
	case NFPROTO_ARP: return "arp";
	case NFPROTO_BRIDGE: return "bridge";
	case NFPROTO_NETDEV: return "netdev";
	}
	return "?";
}

uint32_t next_seq(struct bns *ns)
{
	/* Distinct from answers a previous run of topo may have left queued. */
	if (ns->nft_seq == 0)
		ns->nft_seq = (uint32_t)time(NULL);
	return ns->nft_seq++;
}

/* ------------------------------------------------------------ byte buffer -- */

/* Netlink messages laid end to end: a batch, or a saved table. */
struct nbuf {
	unsigned char *p;
	size_t len, cap;
};

static struct nlmsghdr *nbuf_room(struct nbuf *nb, size_t need)
{
	if (nb->cap - nb->len < need) {
		size_t cap = nb->cap ? nb->cap : 4 * NFT_MSG_ROOM;
		unsigned char *p;

		while (cap - nb->len < need)
			cap *= 2;
		p = realloc(nb->p, cap);
		if (!p)
			return NULL;
		/* libmnl leaves attribute padding as it finds it: send zeros, not heap. */
		memset(p + nb->cap, 0, cap - nb->cap);
		nb->p = p;
		nb->cap = cap;
	}
	return (struct nlmsghdr *)(void *)(nb->p + nb->len);
}

static void nbuf_commit(struct nbuf *nb, const struct nlmsghdr *nlh)
{
	nb->len += MNL_ALIGN(nlh->nlmsg_len);
}

static void nbuf_free(struct nbuf *nb)
{
	free(nb->p);
	memset(nb, 0, sizeof(*nb));
}

/* A top-level string attribute of an nf_tables message, or NULL. */
static const char *msg_str(const struct nlmsghdr *nlh, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == type && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			return mnl_attr_get_str(a);
	return NULL;
}

static uint8_t msg_family(const struct nlmsghdr *nlh)
{
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);

	return g->nfgen_family;
}

/* -------------------------------------------------------------- transport -- */

/*
 * Sends one request and reads its answers, each data message to fn. A dump
 * is read to its end even after an error, so nothing stale stays queued.
 * gen: the ruleset generation (low 16 bits, as every answer carries it) the
 * answers must belong to; -1 = take it from the first one. Returns -EINTR
 * when the ruleset changed under the dump.
 */
int nft_talk(struct bns *ns, struct nlmsghdr *req, int *gen,
		    int (*fn)(void *arg, const struct nlmsghdr *nlh), void *arg)
{
	uint32_t portid = mnl_socket_get_portid(ns->nft), seq = req->nlmsg_seq;
	bool dump = req->nlmsg_flags & NLM_F_DUMP, done = false, intr = false;
	unsigned char *buf;
	int r = 0;

	if (mnl_socket_sendto(ns->nft, req, req->nlmsg_len) < 0)
		return -errno;
	buf = malloc(NFT_MSG_ROOM);
	if (!buf)
		return -ENOMEM;
	while (!done) {
		ssize_t n = mnl_socket_recvfrom(ns->nft, buf, NFT_MSG_ROOM);
		const struct nlmsghdr *nlh = (const void *)buf;
		int left = (int)n;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		for (; !done && mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != portid)
				continue;   /* the answer to an earlier request */
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (nlh->nlmsg_type == NLMSG_DONE) {
				done = true;
			} else if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

				if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
					r = r ? r : -EBADMSG;
				else if (e->error)
					r = r ? r : e->error;
				done = true;
			} else if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(struct nfgenmsg))) {
				const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
				int id = ntohs(g->res_id);

				if (*gen < 0)
					*gen = id;
				else if (*gen != id)
					intr = true;
				if (r == 0 && !intr && fn)
					r = fn(arg, nlh);
				done = !dump;
			}
		}
	}
	free(buf);
	return r == 0 && intr ? -EINTR : r;
}

static int on_gen(void *arg, const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFTA_GEN_ID && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			*(uint32_t *)arg = ntohl(mnl_attr_get_u32(a));
	return 0;
}

/* The ruleset generation, to tie a batch to what was read before it. */
static int nft_genid(struct bns *ns, uint32_t *ret)
{
	union { struct nlmsghdr h; char buf[256]; } req = { 0 };
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(req.buf, NFT_MSG_GETGEN, AF_UNSPEC, 0, next_seq(ns));
	int gen = -1;

	*ret = 0;
	return nft_talk(ns, nlh, &gen, on_gen, ret);
}

/* ---------------------------------------------------------------- reading -- */

/* Our table as the kernel dumped it (raw messages), and what else matters. */
struct snapshot {
	struct nlmsghdr *table;           /* NULL = no table */
	struct nlmsghdr **chains;         /* in the kernel's order */
	size_t n_chains;
	struct nlmsghdr **rules;          /* in the kernel's order: evaluation order per chain */
	size_t n_rules;
	/* Stateful objects, flowtables, sets, then each set's elements: what
	 * rules may refer to, in an order they can be created in. Read only
	 * for a save. */
	struct nlmsghdr **others;
	size_t n_others;
	char **foreign_drop;              /* "table ip filter chain FORWARD" */
	size_t n_foreign_drop;
	bool docker;                      /* iptables-nft chains named DOCKER* */
	bool cni;                         /* iptables-nft chains named CNI-* (bridge, portmap plugins) */
	bool other_tables;                /* an ip, ip6 or inet table besides ours */
	char **tables;                    /* every other table, "FAMILY NAME" (for export) */
	size_t n_tables;
};

struct reader {
	struct snapshot *snap;
	const char *table;
	bool foreign;                     /* also look at other tables' forward chains */
};

static void snapshot_clear(struct snapshot *s)
{
	free(s->table);
	for (size_t i = 0; i < s->n_chains; i++)
		free(s->chains[i]);
	free(s->chains);
	for (size_t i = 0; i < s->n_rules; i++)
		free(s->rules[i]);
	free(s->rules);
	for (size_t i = 0; i < s->n_others; i++)
		free(s->others[i]);
	free(s->others);
	for (size_t i = 0; i < s->n_foreign_drop; i++)
		free(s->foreign_drop[i]);
	free(s->foreign_drop);
	for (size_t i = 0; i < s->n_tables; i++)
		free(s->tables[i]);
	free(s->tables);
	memset(s, 0, sizeof(*s));
}

static int push_msg(struct nlmsghdr ***v, size_t *n, const struct nlmsghdr *nlh)
{
	struct nlmsghdr *copy = malloc(nlh->nlmsg_len), **slot = copy ? vec_append((void **)v, n, sizeof(**v)) : NULL;

	if (!slot) {
		free(copy);
		return -ENOMEM;
	}
	memcpy(copy, nlh, nlh->nlmsg_len);
	*slot = copy;
	return 0;
}

static bool is_ip_family(uint8_t family)
{
	return family == NFPROTO_IPV4 || family == NFPROTO_IPV6 || family == NFPROTO_INET;
}

static bool is_ours(const struct reader *rd, const struct nlmsghdr *nlh, uint16_t table_attr)
{
	const char *t = msg_str(nlh, table_attr);

	return msg_family(nlh) == NFPROTO_INET && t && strcmp(t, rd->table) == 0;
}

static int on_table(void *arg, const struct nlmsghdr *nlh)
{
	struct reader *rd = arg;

	if (is_ours(rd, nlh, NFTA_TABLE_NAME)) {
		if (rd->snap->table)
			return 0;
		rd->snap->table = malloc(nlh->nlmsg_len);
		if (!rd->snap->table)
			return -ENOMEM;
		memcpy(rd->snap->table, nlh, nlh->nlmsg_len);
	} else {
		const char *name = msg_str(nlh, NFTA_TABLE_NAME);
		char **v, *s;

		if (is_ip_family(msg_family(nlh)))
			rd->snap->other_tables = true;
		if (!name || asprintf(&s, "%s %s", family_word(msg_family(nlh)), name) < 0)
			return name ? -ENOMEM : 0;
		v = realloc(rd->snap->tables, (rd->snap->n_tables + 1) * sizeof(*v));
		if (!v) {
			free(s);
			return -ENOMEM;
		}
		rd->snap->tables = v;
		v[rd->snap->n_tables++] = s;
	}
	return 0;
}

/*
 * A forward chain in someone else's table that drops by default (iptables-nft
 * once Docker ran): our accept cannot override it.
 */
static int foreign_drop(struct reader *rd, const struct nlmsghdr *nlh)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	char **v, *s;
	int r = 0;

	if (!c)
		return -ENOMEM;
	if (nftnl_chain_nlmsg_parse(nlh, c) < 0)
		goto out;   /* not ours to understand */
	/* Docker's iptables chains (DOCKER, DOCKER-USER, DOCKER-ISOLATION-...). */
	if (nftnl_chain_is_set(c, NFTNL_CHAIN_NAME) && strncmp(nftnl_chain_get_str(c, NFTNL_CHAIN_NAME), "DOCKER", 6) == 0)
		rd->snap->docker = true;
	if (nftnl_chain_is_set(c, NFTNL_CHAIN_NAME) && strncmp(nftnl_chain_get_str(c, NFTNL_CHAIN_NAME), "CNI-", 4) == 0)
		rd->snap->cni = true;
	if (!nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM) || !nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY) ||
	    !nftnl_chain_is_set(c, NFTNL_CHAIN_TYPE) ||
	    nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM) != NF_INET_FORWARD ||
	    nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) != NF_DROP ||
	    strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE), "filter") != 0)
		goto out;
	if (asprintf(&s, "table %s %s chain %s", family_word(msg_family(nlh)),
		     nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), nftnl_chain_get_str(c, NFTNL_CHAIN_NAME)) < 0) {
		r = -ENOMEM;
		goto out;
	}
	v = VEC_APPEND(rd->snap->foreign_drop, rd->snap->n_foreign_drop);
	if (!v) {
		free(s);
		r = -ENOMEM;
		goto out;
	}
	*v = s;
out:
	nftnl_chain_free(c);
	return r;
}

static int on_chain(void *arg, const struct nlmsghdr *nlh)
{
	struct reader *rd = arg;

	if (is_ours(rd, nlh, NFTA_CHAIN_TABLE))
		return push_msg(&rd->snap->chains, &rd->snap->n_chains, nlh);
	if (rd->foreign && is_ip_family(msg_family(nlh)))
		return foreign_drop(rd, nlh);
	return 0;
}

static int on_rule(void *arg, const struct nlmsghdr *nlh)
{
	struct reader *rd = arg;

	if (!is_ours(rd, nlh, NFTA_RULE_TABLE))
		return 0;
	return push_msg(&rd->snap->rules, &rd->snap->n_rules, nlh);
}

static int on_other(void *arg, const struct nlmsghdr *nlh)
{
	struct reader *rd = arg;

	return push_msg(&rd->snap->others, &rd->snap->n_others, nlh);
}

/* Chains, named sets, stateful objects and flowtables count once each in a
 * table's use count (anonymous sets belong to their rule). */
static size_t table_use(const struct nlmsghdr *table)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, table, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFTA_TABLE_USE && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			return ntohl(mnl_attr_get_u32(a));
	return 0;
}

/* A dump of one kind of object in our table (the kernel filters by table). */
static int dump_in_table(struct bns *ns, int *gen, uint16_t type, uint16_t table_attr, const char *table,
			 const char *set, struct reader *rd, int (*fn)(void *arg, const struct nlmsghdr *nlh))
{
	union { struct nlmsghdr h; char buf[512]; } req = { 0 };
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(req.buf, type, NFPROTO_INET, NLM_F_DUMP, next_seq(ns));

	mnl_attr_put_strz(nlh, table_attr, table);
	if (set)
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	return nft_talk(ns, nlh, gen, fn, rd);
}

static int read_others(struct bns *ns, const char *table, int *gen, struct reader *rd)
{
	struct snapshot *snap = rd->snap;
	size_t first_set;
	int r;

	r = dump_in_table(ns, gen, NFT_MSG_GETOBJ, NFTA_OBJ_TABLE, table, NULL, rd, on_other);
	if (r == 0)
		r = dump_in_table(ns, gen, NFT_MSG_GETFLOWTABLE, NFTA_FLOWTABLE_TABLE, table, NULL, rd, on_other);
	first_set = snap->n_others;
	if (r == 0)
		r = dump_in_table(ns, gen, NFT_MSG_GETSET, NFTA_SET_TABLE, table, NULL, rd, on_other);
	for (size_t i = first_set, n = snap->n_others; i < n && r == 0; i++) {
		const char *name = msg_str(snap->others[i], NFTA_SET_NAME);

		if (name)
			r = dump_in_table(ns, gen, NFT_MSG_GETSETELEM, NFTA_SET_ELEM_LIST_TABLE, table, name, rd,
					  on_other);
	}
	return r;
}

/*
 * One consistent read: tables (one dump, all that an empty namespace costs),
 * then chains and our rules when there is something to look at, and with
 * whole (a save) what else our table holds. Every answer must carry the
 * same generation (gen; -1 = the first one's).
 */
static int nft_read_once(struct bns *ns, const char *table, bool foreign, bool whole, int gen,
			 struct snapshot *snap)
{
	union { struct nlmsghdr h; char buf[512]; } req = { 0 };
	struct reader rd = { .snap = snap, .table = table, .foreign = foreign };
	uint16_t family = foreign ? NFPROTO_UNSPEC : NFPROTO_INET;
	struct nlmsghdr *nlh;
	int r;

	snapshot_clear(snap);
	nlh = nftnl_nlmsg_build_hdr(req.buf, NFT_MSG_GETTABLE, family, NLM_F_DUMP, next_seq(ns));
	r = nft_talk(ns, nlh, &gen, on_table, &rd);
	if (r < 0 || (!snap->table && !(foreign && snap->other_tables)))
		return r;
	/* Chain dumps cannot be filtered by table: all chains of the family. */
	nlh = nftnl_nlmsg_build_hdr(req.buf, NFT_MSG_GETCHAIN, family, NLM_F_DUMP, next_seq(ns));
	r = nft_talk(ns, nlh, &gen, on_chain, &rd);
	if (r < 0 || !snap->table)
		return r;
	r = dump_in_table(ns, &gen, NFT_MSG_GETRULE, NFTA_RULE_TABLE, table, NULL, &rd, on_rule);
	/* Not worth guessing from the use count: anonymous sets are not in it. */
	if (r == 0 && whole)
		r = read_others(ns, table, &gen, &rd);
	return r;
}

/* ------------------------------------------------------ rendering (live) -- */

struct text {
	char *p;
	size_t len, used;
	bool full;
};

__attribute__((format(printf, 2, 3)))
static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->full)
		return;
	if (t->used && t->used + 1 < t->len)
		t->p[t->used++] = ' ';
	va_start(ap, fmt);
	n = vsnprintf(t->p + t->used, t->len - t->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->len - t->used)
		t->full = true;
	else
		t->used += (size_t)n;
}

/* What the expressions of one rule have said so far. */
struct live {
	const struct nftnl_expr *e[NFT_MAX_EXPRS];
	size_t n;
	uint8_t nfproto;                         /* from `meta nfproto`; 0 = not matched */
	uint8_t reg[NFT_REG32_COUNT * 4];        /* what immediates loaded */
	bool reg_set[NFT_REG32_COUNT];
	struct text t;
};

static const char *ename(const struct nftnl_expr *e)
{
	return nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
}

static bool is(const struct nftnl_expr *e, const char *name)
{
	return e && strcmp(ename(e), name) == 0;
}

/* The 4-byte slot a register starts at; the kernel dumps the old 16-byte
 * registers by their old numbers. -1 = not a data register. */
static int reg_slot(uint32_t reg)
{
	if (reg >= NFT_REG_1 && reg <= NFT_REG_4)
		return (int)(reg - NFT_REG_1) * 4;
	if (reg >= NFT_REG32_00 && reg < NFT_REG32_00 + NFT_REG32_COUNT)
		return (int)(reg - NFT_REG32_00);
	return -1;
}

static const void *reg_get(const struct live *lv, uint32_t reg, uint32_t len)
{
	int slot = reg_slot(reg);

	if (slot < 0 || (size_t)slot * 4 + len > sizeof(lv->reg))
		return NULL;
	for (uint32_t i = 0; i * 4 < len; i++)
		if (!lv->reg_set[slot + (int)i])
			return NULL;
	return lv->reg + slot * 4;
}

static const struct nftnl_expr *at(const struct live *lv, size_t i)
{
	return i < lv->n ? lv->e[i] : NULL;
}

/* The expression at i compares register reg with op; its data, or NULL. */
static const uint8_t *cmp_data(const struct live *lv, size_t i, uint32_t reg, uint32_t op, uint32_t *len)
{
	const struct nftnl_expr *e = at(lv, i);

	if (!is(e, "cmp") || nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_SREG) != reg ||
	    nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP) != op)
		return NULL;
	return nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, len);
}

static const char *l4_word(uint8_t p)
{
	switch (p) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_SCTP: return "sctp";
	}
	return NULL;
}

static bool zero_padded(const uint8_t *d, uint32_t len)
{
	const uint8_t *end = memchr(d, '\0', len);

	if (!end)
		return false;
	for (; end < d + len; end++)
		if (*end)
			return false;
	return true;
}

/* Each recogniser returns how many expressions it took; 0 = not recognised. */

static size_t live_meta(struct live *lv, size_t i)
{
	const struct nftnl_expr *e = lv->e[i];
	uint32_t key = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY);
	uint32_t reg = nftnl_expr_get_u32(e, NFTNL_EXPR_META_DREG);
	const uint8_t *d;
	uint32_t len;

	if (!nftnl_expr_is_set(e, NFTNL_EXPR_META_DREG))
		return 0;
	switch (key) {
	case NFT_META_NFPROTO:
		d = cmp_data(lv, i + 1, reg, NFT_CMP_EQ, &len);
		if (!d || len != 1 || (d[0] != NFPROTO_IPV4 && d[0] != NFPROTO_IPV6))
			return 0;
		lv->nfproto = d[0];
		text_add(&lv->t, "meta nfproto %s", d[0] == NFPROTO_IPV6 ? "ipv6" : "ipv4");
		return 2;
	case NFT_META_IIFNAME:
	case NFT_META_OIFNAME: {
		bool neg = false;

		d = cmp_data(lv, i + 1, reg, NFT_CMP_EQ, &len);
		if (!d) {
			d = cmp_data(lv, i + 1, reg, NFT_CMP_NEQ, &len);
			neg = true;
		}
		/* A shorter compare is a wildcard ("eth*"): not a name topo writes;
		 * bytes after the name must be zero, as in the kernel's copy of it. */
		if (!d || len != NFT_IFNAME_LEN || d[0] == '\0' || !zero_padded(d, len))
			return 0;
		text_add(&lv->t, "%s%s \"%s\"", key == NFT_META_IIFNAME ? "iifname" : "oifname",
			 neg ? " !=" : "", (const char *)d);
		return 2;
	}
	case NFT_META_L4PROTO:
		d = cmp_data(lv, i + 1, reg, NFT_CMP_EQ, &len);
		if (!d || len != 1 || !l4_word(d[0]))
			return 0;
		text_add(&lv->t, "meta l4proto %s", l4_word(d[0]));
		return 2;
	}
	return 0;
}

/* Prefix length of a mask of len bytes, or -1 when its ones are not leading. */
static int mask_plen(const uint8_t *m, uint32_t len)
{
	int plen = 0;
	bool zero = false;

	for (uint32_t i = 0; i < len * 8; i++) {
		bool bit = m[i / 8] & (0x80 >> (i % 8));

		if (bit && zero)
			return -1;
		if (bit)
			plen++;
		else
			zero = true;
	}
	return plen;
}

/* ip/ip6 saddr/daddr: load (part of) the address, maybe mask it, compare. */
static size_t live_address(struct live *lv, size_t i, uint32_t reg, uint32_t off, uint32_t len)
{
	uint8_t family = lv->nfproto == NFPROTO_IPV6 ? AF_INET6 : AF_INET;
	uint32_t alen = family == AF_INET6 ? 16 : 4;
	uint32_t src = family == AF_INET6 ? 8 : 12, dst = family == AF_INET6 ? 24 : 16;
	struct topo_ip ip = { .family = family };
	const struct nftnl_expr *bw = at(lv, i + 1);
	uint8_t mask[16];
	char a[TOPO_IP_STRLEN];
	const uint8_t *d;
	uint32_t dlen;
	size_t used = 1;
	int plen = (int)len * 8;
	bool neg = false;

	/* Without `meta nfproto` first, the offset means something else for IPv6. */
	if (!lv->nfproto || (off != src && off != dst) || len < 1 || len > alen)
		return 0;
	memset(mask, 0xff, sizeof(mask));
	if (is(bw, "bitwise")) {
		const uint8_t *m, *x;
		uint32_t mlen = 0, xlen = 0;

		if (nftnl_expr_get_u32(bw, NFTNL_EXPR_BITWISE_SREG) != reg ||
		    nftnl_expr_get_u32(bw, NFTNL_EXPR_BITWISE_DREG) != reg ||
		    nftnl_expr_get_u32(bw, NFTNL_EXPR_BITWISE_LEN) != len ||
		    (nftnl_expr_is_set(bw, NFTNL_EXPR_BITWISE_OP) &&
		     nftnl_expr_get_u32(bw, NFTNL_EXPR_BITWISE_OP) != NFT_BITWISE_BOOL))
			return 0;
		m = nftnl_expr_get(bw, NFTNL_EXPR_BITWISE_MASK, &mlen);
		x = nftnl_expr_get(bw, NFTNL_EXPR_BITWISE_XOR, &xlen);
		if (!m || mlen != len || !x || xlen != len)
			return 0;
		for (uint32_t k = 0; k < len; k++)
			if (x[k])
				return 0;
		plen = mask_plen(m, len);
		if (plen < 0)
			return 0;
		memcpy(mask, m, len);
		used++;
	}
	d = cmp_data(lv, i + used, reg, NFT_CMP_EQ, &dlen);
	if (!d) {
		d = cmp_data(lv, i + used, reg, NFT_CMP_NEQ, &dlen);
		neg = true;
	}
	if (!d || dlen != len)
		return 0;
	for (uint32_t k = 0; k < len; k++) {
		if (d[k] & ~mask[k])
			return 0;   /* can never match: not a prefix */
		ip.bytes[k] = d[k];
	}
	ip.plen = (uint8_t)plen;
	text_add(&lv->t, "%s %s%s %s", family == AF_INET6 ? "ip6" : "ip", off == src ? "saddr" : "daddr",
		 neg ? " !=" : "", topo_ip_format(&ip, ip.plen < alen * 8, a, sizeof(a)));
	return used + 1;
}

static size_t live_payload(struct live *lv, size_t i)
{
	const struct nftnl_expr *e = lv->e[i];
	uint32_t reg = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_DREG);
	uint32_t base = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE);
	uint32_t off = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
	uint32_t len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);
	const uint8_t *lo, *hi;
	uint32_t llen, hlen;

	if (!nftnl_expr_is_set(e, NFTNL_EXPR_PAYLOAD_DREG) || nftnl_expr_is_set(e, NFTNL_EXPR_PAYLOAD_SREG))
		return 0;
	if (base == NFT_PAYLOAD_NETWORK_HEADER)
		return live_address(lv, i, reg, off, len);
	if (base != NFT_PAYLOAD_TRANSPORT_HEADER || off != 2 || len != 2)
		return 0;
	/* th dport: one port, or a range as nft writes it (gte, lte). */
	lo = cmp_data(lv, i + 1, reg, NFT_CMP_EQ, &llen);
	if (lo && llen == 2) {
		text_add(&lv->t, "th dport %u", (unsigned)(lo[0] << 8 | lo[1]));
		return 2;
	}
	lo = cmp_data(lv, i + 1, reg, NFT_CMP_GTE, &llen);
	hi = cmp_data(lv, i + 2, reg, NFT_CMP_LTE, &hlen);
	if (!lo || !hi || llen != 2 || hlen != 2)
		return 0;
	text_add(&lv->t, "th dport %u-%u", (unsigned)(lo[0] << 8 | lo[1]), (unsigned)(hi[0] << 8 | hi[1]));
	return 3;
}

static size_t live_fib(struct live *lv, size_t i)
{
	const struct nftnl_expr *e = lv->e[i];
	const uint8_t *d;
	uint32_t len, type;

	if (nftnl_expr_get_u32(e, NFTNL_EXPR_FIB_FLAGS) != NFTA_FIB_F_DADDR ||
	    nftnl_expr_get_u32(e, NFTNL_EXPR_FIB_RESULT) != NFT_FIB_RESULT_ADDRTYPE)
		return 0;
	d = cmp_data(lv, i + 1, nftnl_expr_get_u32(e, NFTNL_EXPR_FIB_DREG), NFT_CMP_EQ, &len);
	if (!d || len != sizeof(type))
		return 0;
	memcpy(&type, d, sizeof(type));   /* host order, like the kernel's result */
	if (type != RTN_LOCAL)
		return 0;
	text_add(&lv->t, "fib daddr type local");
	return 2;
}

static size_t live_counter(struct live *lv)
{
	text_add(&lv->t, "counter");
	return 1;
}

static size_t live_immediate(struct live *lv, size_t i)
{
	const struct nftnl_expr *e = lv->e[i];
	uint32_t reg = nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG);
	const void *d;
	uint32_t len;
	int slot;

	if (reg == NFT_REG_VERDICT) {
		int v = (int)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT);

		if (!nftnl_expr_is_set(e, NFTNL_EXPR_IMM_VERDICT) || (v != NF_ACCEPT && v != NF_DROP))
			return 0;
		text_add(&lv->t, "%s", v == NF_ACCEPT ? "accept" : "drop");
		return 1;
	}
	d = nftnl_expr_get(e, NFTNL_EXPR_IMM_DATA, &len);
	slot = reg_slot(reg);
	if (!d || slot < 0 || len == 0 || (size_t)slot * 4 + len > sizeof(lv->reg))
		return 0;
	memcpy(lv->reg + slot * 4, d, len);
	for (uint32_t k = 0; k * 4 < len; k++)
		lv->reg_set[slot + (int)k] = true;
	return 1;
}

static size_t live_masq(struct live *lv, size_t i)
{
	const struct nftnl_expr *e = lv->e[i];

	if ((nftnl_expr_is_set(e, NFTNL_EXPR_MASQ_FLAGS) && nftnl_expr_get_u32(e, NFTNL_EXPR_MASQ_FLAGS)) ||
	    nftnl_expr_is_set(e, NFTNL_EXPR_MASQ_REG_PROTO_MIN))
		return 0;
	text_add(&lv->t, "masquerade");
	return 1;
}

/* The second register of a range, when given, must be the first (one value). */
static bool same_reg(const struct nftnl_expr *e, uint16_t min, uint16_t max)
{
	return !nftnl_expr_is_set(e, max) || nftnl_expr_get_u32(e, max) == nftnl_expr_get_u32(e, min);
}

static size_t live_nat(struct live *lv, size_t i)
{
	const struct nftnl_expr *e = lv->e[i];
	uint32_t type = nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_TYPE);
	uint32_t family = nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_FAMILY);
	uint32_t flags = nftnl_expr_is_set(e, NFTNL_EXPR_NAT_FLAGS) ? nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_FLAGS) : 0;
	bool has_port = nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_PROTO_MIN);
	struct topo_ip ip = { 0 };
	const uint8_t *addr, *port = NULL;
	char a[TOPO_IP_STRLEN];

	if ((type != NFT_NAT_SNAT && type != NFT_NAT_DNAT) ||
	    (family != NFPROTO_IPV4 && family != NFPROTO_IPV6) ||
	    !nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_ADDR_MIN) ||
	    !same_reg(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFTNL_EXPR_NAT_REG_ADDR_MAX) ||
	    !same_reg(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFTNL_EXPR_NAT_REG_PROTO_MAX))
		return 0;
	/* The kernel adds MAP_IPS itself; without PROTO_SPECIFIED a port is ignored. */
	if ((flags & ~(uint32_t)(NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED)) ||
	    !!(flags & NF_NAT_RANGE_PROTO_SPECIFIED) != has_port)
		return 0;
	ip.family = family == NFPROTO_IPV6 ? AF_INET6 : AF_INET;
	ip.plen = (uint8_t)topo_ip_maxlen(ip.family);
	addr = reg_get(lv, nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN), ip.plen / 8);
	if (has_port)
		port = reg_get(lv, nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN), 2);
	if (!addr || (has_port && !port))
		return 0;
	memcpy(ip.bytes, addr, ip.plen / 8);
	topo_ip_format(&ip, false, a, sizeof(a));
	if (port)
		text_add(&lv->t, ip.family == AF_INET6 ? "%s ip6 to [%s]:%u" : "%s ip to %s:%u",
			 type == NFT_NAT_DNAT ? "dnat" : "snat", a, (unsigned)(port[0] << 8 | port[1]));
	else
		text_add(&lv->t, "%s %s to %s", type == NFT_NAT_DNAT ? "dnat" : "snat",
			 ip.family == AF_INET6 ? "ip6" : "ip", a);
	return 1;
}

/* Anything else, in libnftnl's words: it can never equal a declared rule. */
static void render_raw(struct live *lv)
{
	char ex[256];

	lv->t.used = 0;
	lv->t.full = false;
	lv->t.p[0] = '\0';
	text_add(&lv->t, "unrecognised:");
	for (size_t i = 0; i < lv->n; i++) {
		size_t l;

		nftnl_expr_snprintf(ex, sizeof(ex), lv->e[i], NFTNL_OUTPUT_DEFAULT, 0);
		l = strlen(ex);
		while (l && ex[l - 1] == ' ')
			ex[--l] = '\0';
		text_add(&lv->t, "[%s %s]", ename(lv->e[i]), ex);
	}
	if (lv->t.full && lv->t.len > 4)
		memcpy(lv->t.p + lv->t.len - 4, "...", 4);
}

static void render_rule(const struct nlmsghdr *nlh, char *buf, size_t len)
{
	struct live lv = { .t = { .p = buf, .len = len } };
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr_iter *it = NULL;
	const struct nftnl_expr *e;
	bool ok = r && nftnl_rule_nlmsg_parse(nlh, r) == 0 && (it = nftnl_expr_iter_create(r));

	buf[0] = '\0';
	if (!ok) {
		snprintf(buf, len, "unrecognised: a rule libnftnl cannot read");
		goto out;
	}
	while ((e = nftnl_expr_iter_next(it))) {
		if (lv.n == NFT_MAX_EXPRS) {
			ok = false;
			break;
		}
		lv.e[lv.n++] = e;
	}
	for (size_t i = 0; ok && i < lv.n;) {
		const char *name = ename(lv.e[i]);
		size_t used = 0;

		if (strcmp(name, "meta") == 0)
			used = live_meta(&lv, i);
		else if (strcmp(name, "payload") == 0)
			used = live_payload(&lv, i);
		else if (strcmp(name, "fib") == 0)
			used = live_fib(&lv, i);
		else if (strcmp(name, "counter") == 0)
			used = live_counter(&lv);
		else if (strcmp(name, "immediate") == 0)
			used = live_immediate(&lv, i);
		else if (strcmp(name, "masq") == 0)
			used = live_masq(&lv, i);
		else if (strcmp(name, "nat") == 0)
			used = live_nat(&lv, i);
		ok = used > 0;
		i += used;
	}
	if (!ok || lv.t.full)
		render_raw(&lv);
out:
	if (it)
		nftnl_expr_iter_destroy(it);
	nftnl_rule_free(r);
}

/* The chain line, as nft_render_chain() words it. */
static void render_chain(const struct nlmsghdr *nlh, bool dormant, char *buf, size_t len)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	const char *suffix = dormant ? " (table dormant)" : "";

	if (!c || nftnl_chain_nlmsg_parse(nlh, c) < 0) {
		snprintf(buf, len, "unrecognised chain%s", suffix);
	} else if (!nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM)) {
		snprintf(buf, len, "regular chain%s", suffix);
	} else {
		uint32_t hook = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);
		uint32_t policy = nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY) ?
				  nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) : NF_ACCEPT;
		const char *type = nftnl_chain_is_set(c, NFTNL_CHAIN_TYPE) ?
				   nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE) : "?";
		const char *hname = hook < sizeof(hook_names) / sizeof(hook_names[0]) && hook_names[hook] ?
				    hook_names[hook] : "?";

		snprintf(buf, len, "type %s hook %s priority %d policy %s%s", type, hname,
			 nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO),
			 policy == NF_ACCEPT ? "accept" : policy == NF_DROP ? "drop" : "?", suffix);
	}
	nftnl_chain_free(c);
}

static int out_add(struct topo_ns *out, const char *chain, const char *text)
{
	struct topo_nft_rule *r = topo_ns_nft_rule_add(out);

	if (!r)
		return -ENOMEM;
	r->chain = strdup(chain);
	r->text = strdup(text);
	return r->chain && r->text ? 0 : -ENOMEM;
}

/* A chain line, then its rules in evaluation order. */
static int out_chain(struct topo_ns *out, const struct snapshot *snap, const struct nlmsghdr *chain, bool dormant)
{
	const char *name = msg_str(chain, NFTA_CHAIN_NAME);
	char text[NFT_TEXT_MAX];
	int r;

	if (!name)
		return 0;
	render_chain(chain, dormant, text, sizeof(text));
	r = out_add(out, name, text);
	for (size_t i = 0; i < snap->n_rules && r == 0; i++) {
		const char *c = msg_str(snap->rules[i], NFTA_RULE_CHAIN);

		if (!c || strcmp(c, name) != 0)
			continue;
		render_rule(snap->rules[i], text, sizeof(text));
		r = out_add(out, name, text);
	}
	return r;
}

static bool table_dormant(const struct nlmsghdr *table)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, table, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFTA_TABLE_FLAGS && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			return ntohl(mnl_attr_get_u32(a)) & NFT_TABLE_F_DORMANT;
	return false;
}

void nft_mark_comment(const char *topology, char *buf, size_t len)
{
	snprintf(buf, len, TOPO_ALIAS_PREFIX "%s " NFT_COMMENT, topology);
}

static int on_table_udata(const struct nftnl_udata *attr, void *data)
{
	const char **comment = data;
	const char *v = nftnl_udata_get(attr);
	uint8_t len = nftnl_udata_len(attr);

	/* A comment is a NUL-terminated string in its TLV (nftables' own check). */
	if (nftnl_udata_type(attr) == NFTNL_UDATA_TABLE_COMMENT && len > 0 && v[len - 1] == '\0')
		*comment = v;
	return 0;
}

/* Does the table carry topo's mark for this topology? */
static bool table_marked(const struct nlmsghdr *table, const char *topology)
{
	struct nftnl_table *t = nftnl_table_alloc();
	const char *comment = NULL;
	char want[160];
	bool r = false;

	if (!t || nftnl_table_nlmsg_parse(table, t) < 0 || !nftnl_table_is_set(t, NFTNL_TABLE_USERDATA))
		goto out;
	uint32_t len = 0;
	const void *ud = nftnl_table_get_data(t, NFTNL_TABLE_USERDATA, &len);

	if (!ud || nftnl_udata_parse(ud, len, on_table_udata, &comment) < 0 || !comment)
		goto out;
	nft_mark_comment(topology, want, sizeof(want));
	r = strcmp(comment, want) == 0 || strcmp(comment, NFT_COMMENT) == 0;
out:
	nftnl_table_free(t);
	return r;
}

static int observe_fill(const struct snapshot *snap, const char *topology, struct topo_ns *out)
{
	bool dormant;
	int r = 0;

	out->nft_table = snap->table && table_marked(snap->table, topology);
	out->nft_table_foreign = snap->table && !out->nft_table;
	if (!snap->table)
		return 0;
	dormant = table_dormant(snap->table);
	/* Our chains in nft_render()'s order, then any chain someone else added. */
	for (int id = 0; id < NFT_CHAIN_COUNT && r == 0; id++)
		for (size_t i = 0; i < snap->n_chains && r == 0; i++) {
			const char *name = msg_str(snap->chains[i], NFTA_CHAIN_NAME);

			if (name && strcmp(name, nft_chains[id].name) == 0)
				r = out_chain(out, snap, snap->chains[i], dormant);
		}
	for (size_t i = 0; i < snap->n_chains && r == 0; i++) {
		const char *name = msg_str(snap->chains[i], NFTA_CHAIN_NAME);
		bool known = false;

		for (int id = 0; id < NFT_CHAIN_COUNT && name; id++)
			known |= strcmp(name, nft_chains[id].name) == 0;
		if (!known)
			r = out_chain(out, snap, snap->chains[i], dormant);
	}
	/* topo never makes sets, maps, stateful objects or flowtables. */
	if (r == 0 && table_use(snap->table) > snap->n_chains) {
		char text[128];

		snprintf(text, sizeof(text), "%zu sets, maps, stateful objects or flowtables",
			 table_use(snap->table) - snap->n_chains);
		r = out_add(out, "(table)", text);
	}
	return r;
}

int nft_observe(struct backend *b, struct bns *ns, struct topo_ns *out)
{
	struct snapshot snap = { 0 };
	char table[TOPO_NAME_MAX + 8];
	int r;

	r = bns_nft_socket(b, ns);
	if (r < 0)
		return r;
	nft_table_name(b->topology, table, sizeof(table));
	for (int attempt = 0;; attempt++) {
		r = nft_read_once(ns, table, true, false, -1, &snap);
		if (r != -EINTR || attempt == NFT_RETRIES)
			break;
	}
	/* A kernel without nf_tables has no table of ours (nor anyone's). */
	if (r == -EOPNOTSUPP)
		r = 0;
	if (r == 0)
		r = observe_fill(&snap, b->topology, out);
	if (r == 0) {
		out->nft_foreign_drop = snap.foreign_drop;
		out->n_nft_foreign_drop = snap.n_foreign_drop;
		out->nft_docker = snap.docker;
		out->nft_cni = snap.cni;
		out->nft_tables_other = snap.tables;
		out->n_nft_tables_other = snap.n_tables;
		snap.tables = NULL;
		snap.n_tables = 0;
		snap.foreign_drop = NULL;
		snap.n_foreign_drop = 0;
	} else if (r == -EINTR) {
		backend_fail(b, "namespace %s: the nftables ruleset kept changing while topo read it", ns->name);
	} else {
		backend_fail(b, "namespace %s: reading nftables: %s", ns->name, strerror(-r));
	}
	snapshot_clear(&snap);
	return r;
}

/* -------------------------------------------------------- the saved table -- */

/*
 * The saved table is a run of ready-to-send NEWTABLE, NEWCHAIN, NEWOBJ,
 * NEWFLOWTABLE, NEWSET, NEWSETELEM and NEWRULE messages, in that order
 * (family inet, sequence numbers filled in at replay): the dumped messages
 * keeping only the attributes a create message may carry (no handles, use
 * counts, owner...), those copied verbatim, so rules, sets and expressions
 * this file cannot read come back byte for byte too.
 */
static int save_msg(struct nbuf *nb, const struct nlmsghdr *src, uint16_t type, uint16_t flags,
		    bool (*keep)(uint16_t attr), uint32_t set_id)
{
	struct nlmsghdr *nlh = nbuf_room(nb, src->nlmsg_len + MNL_NLMSG_HDRLEN);
	const struct nlattr *a;

	if (!nlh)
		return -ENOMEM;
	nlh = nftnl_nlmsg_build_hdr((char *)nlh, type, NFPROTO_INET, flags, 0);
	mnl_attr_for_each(a, src, sizeof(struct nfgenmsg)) {
		uint16_t t = mnl_attr_get_type(a);

		if (!keep(t))
			continue;
		if (type == NFT_MSG_NEWTABLE && t == NFTA_TABLE_FLAGS && mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
			/* An owner flag would tie the table to topo's socket. */
			mnl_attr_put_u32(nlh, NFTA_TABLE_FLAGS,
					 htonl(ntohl(mnl_attr_get_u32(a)) & NFT_TABLE_F_DORMANT));
			continue;
		}
		memcpy(mnl_nlmsg_get_payload_tail(nlh), a, MNL_ALIGN(a->nla_len));
		nlh->nlmsg_len += MNL_ALIGN(a->nla_len);
	}
	/* A new set needs an id within its batch; rules find it by name. */
	if (set_id)
		mnl_attr_put_u32(nlh, NFTA_SET_ID, htonl(set_id));
	nbuf_commit(nb, nlh);
	return 0;
}

/* What a create message may carry: dumps also hold attributes only the
 * kernel sets (handles, use counts, a set's backend and size...), and newer
 * kernels add more, which their policies refuse on input. */
static bool keep_table(uint16_t t)
{
	return t == NFTA_TABLE_NAME || t == NFTA_TABLE_FLAGS || t == NFTA_TABLE_USERDATA;
}

static bool keep_chain(uint16_t t)
{
	return t == NFTA_CHAIN_TABLE || t == NFTA_CHAIN_NAME || t == NFTA_CHAIN_HOOK || t == NFTA_CHAIN_POLICY ||
	       t == NFTA_CHAIN_TYPE || t == NFTA_CHAIN_FLAGS || t == NFTA_CHAIN_USERDATA;
}

static bool keep_rule(uint16_t t)
{
	return t == NFTA_RULE_TABLE || t == NFTA_RULE_CHAIN || t == NFTA_RULE_EXPRESSIONS ||
	       t == NFTA_RULE_COMPAT || t == NFTA_RULE_USERDATA;
}

static bool keep_set(uint16_t t)
{
	switch (t) {
	case NFTA_SET_TABLE: case NFTA_SET_NAME: case NFTA_SET_FLAGS: case NFTA_SET_KEY_TYPE:
	case NFTA_SET_KEY_LEN: case NFTA_SET_DATA_TYPE: case NFTA_SET_DATA_LEN: case NFTA_SET_POLICY:
	case NFTA_SET_DESC: case NFTA_SET_TIMEOUT: case NFTA_SET_GC_INTERVAL: case NFTA_SET_USERDATA:
	case NFTA_SET_OBJ_TYPE: case NFTA_SET_EXPR: case NFTA_SET_EXPRESSIONS:
		return true;
	}
	return false;
}

static bool keep_setelem(uint16_t t)
{
	return t == NFTA_SET_ELEM_LIST_TABLE || t == NFTA_SET_ELEM_LIST_SET || t == NFTA_SET_ELEM_LIST_ELEMENTS;
}

static bool keep_obj(uint16_t t)
{
	return t == NFTA_OBJ_TABLE || t == NFTA_OBJ_NAME || t == NFTA_OBJ_TYPE || t == NFTA_OBJ_DATA ||
	       t == NFTA_OBJ_USERDATA;
}

static bool keep_flowtable(uint16_t t)
{
	return t == NFTA_FLOWTABLE_TABLE || t == NFTA_FLOWTABLE_NAME || t == NFTA_FLOWTABLE_HOOK ||
	       t == NFTA_FLOWTABLE_FLAGS;
}

static int save_other(struct nbuf *nb, const struct nlmsghdr *src, uint32_t index)
{
	switch (NFNL_MSG_TYPE(src->nlmsg_type)) {
	case NFT_MSG_NEWSET:
		return save_msg(nb, src, NFT_MSG_NEWSET, NLM_F_CREATE, keep_set, index + 1);
	case NFT_MSG_NEWSETELEM:
		return save_msg(nb, src, NFT_MSG_NEWSETELEM, NLM_F_CREATE, keep_setelem, 0);
	case NFT_MSG_NEWOBJ:
		return save_msg(nb, src, NFT_MSG_NEWOBJ, NLM_F_CREATE, keep_obj, 0);
	case NFT_MSG_NEWFLOWTABLE:
		return save_msg(nb, src, NFT_MSG_NEWFLOWTABLE, NLM_F_CREATE, keep_flowtable, 0);
	}
	return 0;
}

static int save_table(const struct snapshot *snap, struct nbuf *ret)
{
	int r = 0;

	if (!snap->table)
		return 0;
	r = save_msg(ret, snap->table, NFT_MSG_NEWTABLE, NLM_F_CREATE, keep_table, 0);
	for (size_t i = 0; i < snap->n_chains && r == 0; i++)
		r = save_msg(ret, snap->chains[i], NFT_MSG_NEWCHAIN, NLM_F_CREATE, keep_chain, 0);
	/* After the chains (a verdict map names them), before the rules (which
	 * bind sets: a constant set takes no elements once bound). */
	for (size_t i = 0; i < snap->n_others && r == 0; i++)
		r = save_other(ret, snap->others[i], (uint32_t)i);
	for (size_t i = 0; i < snap->n_rules && r == 0; i++)
		r = save_msg(ret, snap->rules[i], NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, keep_rule, 0);
	return r;
}

/* Only our own kind of messages, whole, for family inet: a damaged blob must
 * not reach the kernel as something else. */
static bool saved_valid(const unsigned char *p, size_t len)
{
	const struct nlmsghdr *nlh = (const void *)p;
	int left = (int)len;

	if (len > INT_MAX)
		return false;
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		uint16_t t = nlh->nlmsg_type;

		if ((t != NFT_TYPE(NFT_MSG_NEWTABLE) && t != NFT_TYPE(NFT_MSG_NEWCHAIN) &&
		     t != NFT_TYPE(NFT_MSG_NEWRULE) && t != NFT_TYPE(NFT_MSG_NEWSET) &&
		     t != NFT_TYPE(NFT_MSG_NEWSETELEM) && t != NFT_TYPE(NFT_MSG_NEWOBJ) &&
		     t != NFT_TYPE(NFT_MSG_NEWFLOWTABLE)) ||
		    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct nfgenmsg)) || msg_family(nlh) != NFPROTO_INET)
			return false;
	}
	return left == 0;
}

/* ------------------------------------------------------------ rule builder -- */

/* A rule being built; the first error sticks and the rest of the calls do nothing. */
struct rbuild {
	struct nftnl_rule *r;
	int err;
};

static struct nftnl_expr *expr_add(struct rbuild *rb, const char *name)
{
	struct nftnl_expr *e;

	if (rb->err)
		return NULL;
	e = nftnl_expr_alloc(name);
	if (!e)
		rb->err = -ENOMEM;
	else
		nftnl_rule_add_expr(rb->r, e);
	return e;
}

static void expr_data(struct rbuild *rb, struct nftnl_expr *e, uint16_t attr, const void *data, uint32_t len)
{
	if (nftnl_expr_set(e, attr, data, len) < 0)
		rb->err = -EINVAL;
}

static void put_cmp(struct rbuild *rb, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr_add(rb, "cmp");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	expr_data(rb, e, NFTNL_EXPR_CMP_DATA, data, len);
}

static void put_meta(struct rbuild *rb, uint32_t key)
{
	struct nftnl_expr *e = expr_add(rb, "meta");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
}

static void put_payload(struct rbuild *rb, uint32_t base, uint32_t off, uint32_t len)
{
	struct nftnl_expr *e = expr_add(rb, "payload");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
}

/* meta nfproto ipv4|ipv6 */
static void match_nfproto(struct rbuild *rb, uint8_t family)
{
	uint8_t v = family == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4;

	if (!family)
		return;
	put_meta(rb, NFT_META_NFPROTO);
	put_cmp(rb, NFT_CMP_EQ, &v, 1);
}

/* iifname/oifname: by name, so a recreated link still matches. */
static void match_ifname(struct rbuild *rb, uint32_t key, const struct topo_ifmatch *m)
{
	char name[NFT_IFNAME_LEN] = { 0 };

	if (!m->name[0])
		return;
	memcpy(name, m->name, strnlen(m->name, sizeof(name) - 1));
	put_meta(rb, key);
	put_cmp(rb, m->negate ? NFT_CMP_NEQ : NFT_CMP_EQ, name, sizeof(name));
}

/* ip/ip6 saddr/daddr [!=] PREFIX, as nft writes it (so `nft list` reads it
 * back as a prefix): a whole-byte prefix loads just its bytes; any other (/0
 * included) loads the whole address and masks it. */
static void match_prefix_op(struct rbuild *rb, const struct topo_ip *ip, bool dst, uint32_t op)
{
	static const uint8_t zero[16];
	bool v6 = ip->family == AF_INET6;
	uint32_t off = v6 ? (dst ? 24 : 8) : (dst ? 16 : 12);
	uint32_t len = ip->plen && ip->plen % 8 == 0 ? ip->plen / 8u : (v6 ? 16 : 4);
	uint8_t mask[16] = { 0 }, data[16] = { 0 };

	if (!ip->family)
		return;
	for (unsigned i = 0; i < ip->plen; i++)
		mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	for (uint32_t i = 0; i < len; i++)
		data[i] = ip->bytes[i] & mask[i];
	put_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, off, len);
	if (ip->plen < len * 8) {
		struct nftnl_expr *bw = expr_add(rb, "bitwise");

		if (!bw)
			return;
		nftnl_expr_set_u32(bw, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(bw, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(bw, NFTNL_EXPR_BITWISE_LEN, len);
		expr_data(rb, bw, NFTNL_EXPR_BITWISE_MASK, mask, len);
		expr_data(rb, bw, NFTNL_EXPR_BITWISE_XOR, zero, len);
	}
	put_cmp(rb, op, data, len);
}

static void match_prefix(struct rbuild *rb, const struct topo_ip *ip, bool dst)
{
	match_prefix_op(rb, ip, dst, NFT_CMP_EQ);
}

/* fib daddr type local: the packet is for this host (any of its addresses). */
static void match_fib_local(struct rbuild *rb)
{
	struct nftnl_expr *e = expr_add(rb, "fib");
	uint32_t local = RTN_LOCAL;   /* host order, like the kernel's result */

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
	put_cmp(rb, NFT_CMP_EQ, &local, sizeof(local));
}

/* meta l4proto P th dport N, or N-M as nft writes a range (gte, lte). */
static void match_dport(struct rbuild *rb, uint8_t proto, uint16_t lo, uint16_t hi)
{
	uint16_t blo = htons(lo), bhi = htons(hi);

	put_meta(rb, NFT_META_L4PROTO);
	put_cmp(rb, NFT_CMP_EQ, &proto, 1);
	put_payload(rb, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	if (lo == hi) {
		put_cmp(rb, NFT_CMP_EQ, &blo, 2);
	} else {
		put_cmp(rb, NFT_CMP_GTE, &blo, 2);
		put_cmp(rb, NFT_CMP_LTE, &bhi, 2);
	}
}

static void put_verdict(struct rbuild *rb, int verdict)
{
	struct nftnl_expr *e = expr_add(rb, "immediate");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
}

static void put_immediate(struct rbuild *rb, uint32_t reg, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr_add(rb, "immediate");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, reg);
	expr_data(rb, e, NFTNL_EXPR_IMM_DATA, data, len);
}

/* snat/dnat ip|ip6 to ADDR[:PORT]: the family must be explicit, the table is inet. */
static void put_nat(struct rbuild *rb, uint32_t type, const struct topo_ip *to, uint16_t port)
{
	uint16_t bport = htons(port);
	struct nftnl_expr *e;

	put_immediate(rb, NFT_REG_1, to->bytes, to->family == AF_INET6 ? 16 : 4);
	if (port)
		put_immediate(rb, NFT_REG_2, &bport, sizeof(bport));
	e = expr_add(rb, "nat");
	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, type);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, to->family == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
	if (port) {
		/* Without PROTO_SPECIFIED the kernel keeps the port. */
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
	}
}

/* The expressions of nft_render_nat()'s text, in its order. */
static void build_nat(struct rbuild *rb, const struct topo_nat *nat, enum nft_chain_id chain)
{
	uint8_t fam = nat->to.family ? nat->to.family : nat->source.family ? nat->source.family :
		      nat->destination.family;

	match_nfproto(rb, fam);
	if (nat->kind == TOPO_NAT_DNAT) {
		if (chain == NFT_CHAIN_PREROUTING)
			match_ifname(rb, NFT_META_IIFNAME, &nat->in);
		if (chain == NFT_CHAIN_OUTPUT && fam) {
			struct topo_ip lo;

			nft_output_loopback(fam, &lo);
			match_prefix_op(rb, &lo, true, NFT_CMP_NEQ);
		}
		if (nat->destination.family)
			match_prefix(rb, &nat->destination, true);
		else
			match_fib_local(rb);
		match_dport(rb, nat->protocol, nat->port_lo, nat->port_hi);
		expr_add(rb, "counter");
		put_nat(rb, NFT_NAT_DNAT, &nat->to, nat->to_port);
		return;
	}
	match_ifname(rb, NFT_META_OIFNAME, &nat->out);
	match_prefix(rb, &nat->source, false);
	expr_add(rb, "counter");
	if (nat->kind == TOPO_NAT_MASQUERADE)
		expr_add(rb, "masq");
	else
		put_nat(rb, NFT_NAT_SNAT, &nat->to, 0);
}

/* The expressions of nft_render_forward()'s text, in its order. */
static void build_forward(struct rbuild *rb, const struct topo_forward *fw)
{
	match_nfproto(rb, fw->source.family ? fw->source.family : fw->destination.family);
	match_ifname(rb, NFT_META_IIFNAME, &fw->in);
	match_ifname(rb, NFT_META_OIFNAME, &fw->out);
	match_prefix(rb, &fw->source, false);
	match_prefix(rb, &fw->destination, true);
	expr_add(rb, "counter");
	put_verdict(rb, fw->action == TOPO_FWD_DROP ? NF_DROP : NF_ACCEPT);
}

/* ------------------------------------------------------------------ batch -- */

enum bmsg_kind {
	BM_TABLE,
	BM_CHAIN,
	BM_NAT,
	BM_FORWARD,
	BM_SAVED,
};

/* What one message of a batch is, to name it when the kernel refuses it. */
struct bmsg {
	uint8_t kind;
	uint8_t chain;                   /* enum nft_chain_id */
	uint16_t type;                   /* NFT_MSG_NEW... */
	uint32_t index;                  /* nat[]/forward[] entry, saved message */
};

struct batch {
	struct nbuf buf;
	uint32_t seq0;                   /* BEGIN's; message k (1-based) has seq0 + k */
	struct bmsg *what;
	size_t n, cap;
};

static void batch_free(struct batch *bt)
{
	nbuf_free(&bt->buf);
	free(bt->what);
	memset(bt, 0, sizeof(*bt));
}

static int batch_begin(struct batch *bt, struct bns *ns, uint32_t genid)
{
	struct nlmsghdr *nlh = nbuf_room(&bt->buf, NFT_MSG_ROOM);

	if (!nlh)
		return -ENOMEM;
	bt->seq0 = next_seq(ns);
	nlh = nftnl_batch_begin((char *)nlh, bt->seq0);
	/* The kernel refuses the batch (ERESTART) if the ruleset changed since. */
	if (genid)
		mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(genid));
	nbuf_commit(&bt->buf, nlh);
	return 0;
}

/* A message header at the end of the batch; the caller adds the payload and
 * calls nbuf_commit. Every message asks for an ack, so each is checked. */
static struct nlmsghdr *batch_put(struct batch *bt, struct bns *ns, uint16_t type, uint16_t flags,
				  struct bmsg what, size_t room)
{
	struct nlmsghdr *nlh;

	if (bt->n == bt->cap) {
		size_t cap = bt->cap ? bt->cap * 2 : 64;
		struct bmsg *v = realloc(bt->what, cap * sizeof(*v));

		if (!v)
			return NULL;
		bt->what = v;
		bt->cap = cap;
	}
	nlh = nbuf_room(&bt->buf, room);
	if (!nlh)
		return NULL;
	if (!what.type)
		what.type = type;
	bt->what[bt->n++] = what;
	(void)next_seq(ns);
	return nftnl_nlmsg_build_hdr((char *)nlh, type, NFPROTO_INET, flags | NLM_F_ACK, bt->seq0 + (uint32_t)bt->n);
}

static int batch_end(struct batch *bt, struct bns *ns)
{
	struct nlmsghdr *nlh = nbuf_room(&bt->buf, NFT_MSG_ROOM);

	if (!nlh)
		return -ENOMEM;
	(void)next_seq(ns);
	nlh = nftnl_batch_end((char *)nlh, bt->seq0 + (uint32_t)bt->n + 1);
	nbuf_commit(&bt->buf, nlh);
	return 0;
}

static int batch_table(struct batch *bt, struct bns *ns, uint16_t type, uint16_t flags, const char *name,
		       const char *comment)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nftnl_udata_buf *ud = NULL;
	struct nlmsghdr *nlh;
	int r = -ENOMEM;

	if (!t || nftnl_table_set_str(t, NFTNL_TABLE_NAME, name) < 0)
		goto out;
	if (comment) {
		/* What nft shows as the table's comment. */
		ud = nftnl_udata_buf_alloc(256);
		if (!ud || !nftnl_udata_put_strz(ud, NFTNL_UDATA_TABLE_COMMENT, comment) ||
		    nftnl_table_set_data(t, NFTNL_TABLE_USERDATA, nftnl_udata_buf_data(ud),
					 nftnl_udata_buf_len(ud)) < 0)
			goto out;
	}
	nlh = batch_put(bt, ns, type, flags, (struct bmsg){ .kind = BM_TABLE }, NFT_MSG_ROOM);
	if (!nlh)
		goto out;
	nftnl_table_nlmsg_build_payload(nlh, t);
	nbuf_commit(&bt->buf, nlh);
	r = 0;
out:
	if (ud)
		nftnl_udata_buf_free(ud);
	nftnl_table_free(t);
	return r;
}

static int batch_chain(struct batch *bt, struct bns *ns, const char *table, enum nft_chain_id id)
{
	const struct nft_chain_def *def = &nft_chains[id];
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;
	int r = -ENOMEM;

	if (!c || nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table) < 0 ||
	    nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, def->name) < 0 ||
	    nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, def->type) < 0)
		goto out;
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, (uint32_t)hook_num(def->hook));
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, def->priority);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nlh = batch_put(bt, ns, NFT_MSG_NEWCHAIN, NLM_F_CREATE, (struct bmsg){ .kind = BM_CHAIN, .chain = id },
			NFT_MSG_ROOM);
	if (!nlh)
		goto out;
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nbuf_commit(&bt->buf, nlh);
	r = 0;
out:
	nftnl_chain_free(c);
	return r;
}

static int batch_rule(struct batch *bt, struct bns *ns, const char *table, const struct topo_ns *d,
		      enum nft_chain_id id, size_t index)
{
	struct rbuild rb = { .r = nftnl_rule_alloc() };
	struct bmsg what = { .kind = id == NFT_CHAIN_FORWARD ? BM_FORWARD : BM_NAT, .chain = id,
			     .index = (uint32_t)index };
	struct nlmsghdr *nlh;

	if (!rb.r || nftnl_rule_set_str(rb.r, NFTNL_RULE_TABLE, table) < 0 ||
	    nftnl_rule_set_str(rb.r, NFTNL_RULE_CHAIN, nft_chains[id].name) < 0) {
		rb.err = -ENOMEM;
		goto out;
	}
	if (id == NFT_CHAIN_FORWARD)
		build_forward(&rb, &d->forward[index]);
	else
		build_nat(&rb, &d->nat[index], id);
	if (rb.err)
		goto out;
	nlh = batch_put(bt, ns, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, what, NFT_MSG_ROOM);
	if (!nlh) {
		rb.err = -ENOMEM;
		goto out;
	}
	nftnl_rule_nlmsg_build_payload(nlh, rb.r);
	nbuf_commit(&bt->buf, nlh);
out:
	nftnl_rule_free(rb.r);
	return rb.err;
}

/* Our declared rules: chains that have rules, each followed by its rules
 * in file order (dnat goes to prerouting and output alike). */
static int batch_declared(struct batch *bt, struct bns *ns, const char *table, const struct topo_ns *d)
{
	int r = 0;

	for (int c = 0; c < NFT_CHAIN_COUNT && r == 0; c++) {
		bool forward = c == NFT_CHAIN_FORWARD, header = false;
		/* nat as nft text (nft_nat_as_text): nftx.c loads it. */
		size_t count = forward ? d->n_forward : nft_nat_as_text(d) ? 0 : d->n_nat;

		for (size_t i = 0; i < count && r == 0; i++) {
			if (!forward && (d->nat[i].kind == TOPO_NAT_DNAT) !=
					(c == NFT_CHAIN_PREROUTING || c == NFT_CHAIN_OUTPUT))
				continue;
			if (!header) {
				r = batch_chain(bt, ns, table, (enum nft_chain_id)c);
				header = true;
			}
			if (r == 0)
				r = batch_rule(bt, ns, table, d, (enum nft_chain_id)c, i);
		}
	}
	return r;
}

static int batch_saved(struct batch *bt, struct bns *ns, const unsigned char *p, size_t len)
{
	const struct nlmsghdr *src = (const void *)p;
	int left = (int)len;
	uint32_t k = 0;

	for (; mnl_nlmsg_ok(src, left); src = mnl_nlmsg_next(src, &left), k++) {
		struct bmsg what = { .kind = BM_SAVED, .type = NFNL_MSG_TYPE(src->nlmsg_type), .index = k };
		struct nlmsghdr *nlh = batch_put(bt, ns, 0, 0, what, src->nlmsg_len);
		uint32_t seq;

		if (!nlh)
			return -ENOMEM;
		seq = nlh->nlmsg_seq;
		memcpy(nlh, src, src->nlmsg_len);
		nlh->nlmsg_seq = seq;
		nlh->nlmsg_flags |= NLM_F_ACK;
		nbuf_commit(&bt->buf, nlh);
	}
	return 0;
}

static const char *msg_noun(uint16_t type)
{
	switch (type) {
	case NFT_MSG_NEWTABLE: case NFT_MSG_DELTABLE: return "table";
	case NFT_MSG_NEWCHAIN: return "chain";
	case NFT_MSG_NEWRULE: return "rule";
	case NFT_MSG_NEWSET: return "set";
	case NFT_MSG_NEWSETELEM: return "set elements";
	case NFT_MSG_NEWOBJ: return "stateful object";
	case NFT_MSG_NEWFLOWTABLE: return "flowtable";
	}
	return "message";
}

/* What the refused message was doing, for the step's error line. */
static void describe(const struct step *s, const struct bmsg *m, char *buf, size_t len)
{
	char text[512];

	switch (m->kind) {
	case BM_TABLE:
		snprintf(buf, len, "%s table", m->type == NFT_MSG_DELTABLE ? "delete" : "add");
		return;
	case BM_CHAIN:
		snprintf(buf, len, "add chain %s", nft_chains[m->chain].name);
		return;
	case BM_NAT:
	case BM_FORWARD:
		if (m->kind == BM_NAT)
			nft_render_nat(&s->nf->nft_desired->nat[m->index], (enum nft_chain_id)m->chain, text, sizeof(text));
		else
			nft_render_forward(&s->nf->nft_desired->forward[m->index], text, sizeof(text));
		snprintf(buf, len, "add rule to chain %s `%.200s`", nft_chains[m->chain].name, text);
		return;
	case BM_SAVED:
		snprintf(buf, len, "restore %s (saved message %u)", msg_noun(m->type), (unsigned)m->index + 1);
		return;
	}
	snprintf(buf, len, "?");
}

/* The kernel's own words for a refusal, when it gave any (extended ack). */
static void ack_text(const struct nlmsghdr *nlh, char *buf, size_t len)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);
	const struct nlattr *a;

	buf[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += mnl_nlmsg_get_payload_len(&e->msg);
	if (mnl_nlmsg_size(off) > nlh->nlmsg_len)
		return;
	mnl_attr_for_each(a, nlh, off)
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(buf, len, "%s", mnl_attr_get_str(a));
}

static void socket_room(int fd, int opt, int force, size_t want)
{
	int cur = 0, v = want > INT_MAX / 2 ? INT_MAX / 2 : (int)want;
	socklen_t l = sizeof(cur);

	if (getsockopt(fd, SOL_SOCKET, opt, &cur, &l) == 0 && cur >= v)
		return;
	if (setsockopt(fd, SOL_SOCKET, force, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v));
}

/*
 * One sendmsg, then every ack. nfnetlink handles the whole batch inside that
 * sendmsg (module loading included), so all answers are queued when it
 * returns: read until the queue is empty, and an ack missing then is lost.
 */
static int batch_send(struct backend *b, struct bns *ns, const struct step *s, struct batch *bt)
{
	int fd = mnl_socket_get_fd(ns->nft);
	uint32_t portid = mnl_socket_get_portid(ns->nft);
	size_t n = bt->n + 2, missing = 0, bad = SIZE_MAX;
	bool *acked = calloc(n, sizeof(*acked));
	unsigned char *buf = malloc(NFT_MSG_ROOM);
	char kmsg[256] = "", what[300];
	int err = 0, r = 0;

	if (!acked || !buf) {
		r = -ENOMEM;
		goto out;
	}
	socket_room(fd, SO_SNDBUF, SO_SNDBUFFORCE, bt->buf.len + 65536);
	socket_room(fd, SO_RCVBUF, SO_RCVBUFFORCE, n * 1024 + 65536);
	if (mnl_socket_sendto(ns->nft, bt->buf.p, bt->buf.len) < 0) {
		r = -errno;
		backend_fail(b, "sending %zu messages: %s", bt->n, strerror(errno));
		goto out;
	}
	for (;;) {
		ssize_t got = recv(fd, buf, NFT_MSG_ROOM, MSG_DONTWAIT);
		const struct nlmsghdr *nlh = (const void *)buf;
		int left = (int)got;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && errno == EAGAIN)
			break;
		if (got < 0) {
			r = -errno;
			backend_fail(b, "reading the kernel's answers: %s", strerror(errno));
			goto out;
		}
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
			size_t k = nlh->nlmsg_seq - bt->seq0;

			if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_pid != portid || k >= n ||
			    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
				continue;
			acked[k] = true;
			/* The first message refused names the cause; later ones may only follow from it. */
			if (e->error && k < bad) {
				bad = k;
				err = e->error;
				ack_text(nlh, kmsg, sizeof(kmsg));
			}
		}
	}
	if (err == -ERESTART) {
		r = err;   /* the ruleset changed since it was read: the caller reads again */
		goto out;
	}
	if (err) {
		if (bad == 0 || bad > bt->n)
			snprintf(what, sizeof(what), "commit");
		else
			describe(s, &bt->what[bad - 1], what, sizeof(what));
		r = err;
		backend_fail(b, "%s: %s%s%s", what, strerror(-err), kmsg[0] ? ": " : "", kmsg);
		goto out;
	}
	for (size_t k = 1; k <= bt->n; k++)
		missing += !acked[k];
	if (missing) {
		r = -EIO;
		backend_fail(b, "no answer from the kernel for %zu of %zu messages", missing, bt->n);
	}
out:
	free(acked);
	free(buf);
	return r;
}

/* ------------------------------------------------------------------ apply -- */

static int build_batch(struct batch *bt, struct bns *ns, const struct step *s, uint32_t genid, const char *comment)
{
	int r = batch_begin(bt, ns, genid);

	/* Add (a no-op when it exists) then delete: the same batch works either way. */
	if (r == 0)
		r = batch_table(bt, ns, NFT_MSG_NEWTABLE, NLM_F_CREATE, s->table, NULL);
	if (r == 0)
		r = batch_table(bt, ns, NFT_MSG_DELTABLE, 0, s->table, NULL);
	if (r == 0 && s->op == STEP_NFT_SET) {
		r = batch_table(bt, ns, NFT_MSG_NEWTABLE, NLM_F_CREATE, s->table, comment);
		if (r == 0)
			r = batch_declared(bt, ns, s->table, s->nf->nft_desired);
	}
	if (r == 0 && s->op == STEP_NFT_RESTORE && s->nf->nft_saved_len)
		r = batch_saved(bt, ns, s->nf->nft_saved, s->nf->nft_saved_len);
	if (r == 0)
		r = batch_end(bt, ns);
	return r;
}

static int nft_apply_table(struct backend *b, struct bns *ns, struct step *s)
{
	struct snapshot snap = { 0 };
	struct nbuf saved = { 0 };
	struct batch bt = { 0 };
	uint32_t genid = 0;
	char comment[160];
	int r = 0;

	nft_mark_comment(b->topology, comment, sizeof(comment));
	r = bns_nft_socket(b, ns);
	if (r < 0)
		return r;
	if (s->op == STEP_NFT_SET && !s->nf->nft_desired)
		return backend_fail(b, "no rules given"), -EINVAL;
	if (s->op == STEP_NFT_RESTORE && s->nf->nft_saved_len && !saved_valid(s->nf->nft_saved, s->nf->nft_saved_len))
		return backend_fail(b, "the saved table is damaged"), -EINVAL;
	for (int attempt = 0;; attempt++) {
		snapshot_clear(&snap);
		nbuf_free(&saved);
		batch_free(&bt);
		r = nft_genid(ns, &genid);
		/* Save what the batch replaces, read at the generation it is tied to. */
		if (r == 0 && s->op != STEP_NFT_RESTORE)
			r = nft_read_once(ns, s->table, false, true, (int)(genid & 0xffff), &snap);
		if (r == 0)
			r = save_table(&snap, &saved);
		if (r == 0)
			r = build_batch(&bt, ns, s, genid, comment);
		if (r < 0 && r != -EINTR) {
			backend_fail(b, "reading the table and preparing the change: %s", strerror(-r));
			goto out;
		}
		if (r == 0)
			r = batch_send(b, ns, s, &bt);
		if ((r != -EINTR && r != -ERESTART) || attempt == NFT_RETRIES)
			break;
	}
	if (r == -EINTR || r == -ERESTART) {
		backend_fail(b, "the nftables ruleset kept changing while topo replaced the table");
		r = -EAGAIN;
	}
	if (r == 0 && s->op != STEP_NFT_RESTORE) {
		free(s->nf->nft_saved);
		s->nf->nft_saved = saved.p;
		s->nf->nft_saved_len = saved.len;
		s->nf->nft_had_table = snap.table != NULL;
		memset(&saved, 0, sizeof(saved));
	}
out:
	snapshot_clear(&snap);
	nbuf_free(&saved);
	batch_free(&bt);
	return r;
}

/* The inet table (nftables messages), then what nft text adds to it and the
 * other families' tables (libnftables, nftx.c). When the second part is
 * refused, the first is undone: the step changes all or nothing. */
int nft_apply(struct backend *b, struct bns *ns, struct step *s)
{
	struct step undo;
	char err[sizeof(b->err)];
	int r = nft_apply_table(b, ns, s);

	if (r < 0 || !s->nf->nftx)
		return r;
	r = nftx_apply(b, ns, s);
	if (r == 0 || s->op == STEP_NFT_RESTORE)
		return r;
	/* Both halves again, as a rollback would: the tables come back in the
	 * order they were made (inet first), as nft lists them. */
	undo = *s;
	undo.op = STEP_NFT_RESTORE;
	snprintf(err, sizeof(err), "%s", b->err);
	if (nft_apply_table(b, ns, &undo) < 0 || nftx_apply(b, ns, &undo) < 0)
		fprintf(stderr, "topo: namespace %s: putting tables %s back failed: %s\n", ns->name, s->table, b->err);
	snprintf(b->err, sizeof(b->err), "%s", err);
	return r;
}
