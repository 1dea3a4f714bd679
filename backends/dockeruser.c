// SPDX-License-Identifier: MIT
/*
 * coexist: {docker_user: true}: topo's accept rules in Docker's DOCKER-USER
 * chain (table ip filter, made by dockerd through iptables-nft), the one
 * chain Docker leaves to its users and jumps to first from FORWARD, before
 * its own policy drop. Each rule is `iifname BRIDGE accept` or `oifname
 * BRIDGE accept` for a bridge the host declares, carrying the userdata
 * comment "topo:<topology>" (iptables-save shows it as
 * `-m comment --comment "topo:<topology>"`): that mark is what makes it
 * topo's, and destroy removes exactly the rules carrying it.
 *
 * Also here: whether iptables-legacy holds rules in the namespace (the xt
 * tables listed in /proc/net/ip_tables_names): those are invisible to
 * nftables, so topo can neither see nor pass them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>

#include "backends/internal.h"

#define DU_TABLE "filter"
#define DU_CHAIN "DOCKER-USER"
#define DU_ROOM  8192

struct du_found {
	char ifname[TOPO_IFNAME_MAX + 1];
	bool out;
	bool iface_only;        /* nothing but the interface match and an accept */
	uint64_t handle;
	char owner[TOPO_NAME_MAX + 1];
};

struct du_walk {
	uint32_t reg_kind;      /* NFT_META_IIFNAME / OIFNAME loaded in reg 1, or 0 */
	struct du_found f;
	bool accept, other;
};

static int du_expr(struct nftnl_expr *e, void *arg)
{
	struct du_walk *w = arg;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	uint32_t len = 0;

	if (!name)
		return MNL_CB_OK;
	if (strcmp(name, "meta") == 0 && nftnl_expr_is_set(e, NFTNL_EXPR_META_DREG)) {
		uint32_t key = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY);

		w->reg_kind = key == NFT_META_IIFNAME || key == NFT_META_OIFNAME ? key : 0;
		if (!w->reg_kind)
			w->other = true;
	} else if (strcmp(name, "cmp") == 0) {
		const char *d = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);

		if (w->reg_kind && d && len > 0 && len <= TOPO_IFNAME_MAX + 1 &&
		    nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP) == NFT_CMP_EQ && !w->f.ifname[0]) {
			memcpy(w->f.ifname, d, len);
			w->f.ifname[len < sizeof(w->f.ifname) ? len : sizeof(w->f.ifname) - 1] = 0;
			w->f.out = w->reg_kind == NFT_META_OIFNAME;
		} else {
			w->other = true;
		}
	} else if (strcmp(name, "immediate") == 0) {
		w->accept = nftnl_expr_is_set(e, NFTNL_EXPR_IMM_VERDICT) &&
			    nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT) == NF_ACCEPT;
	} else if (strcmp(name, "counter") != 0) {
		w->other = true;
	}
	return MNL_CB_OK;
}

static int du_comment_cb(const struct nftnl_udata *attr, void *data)
{
	const char **ret = data;

	if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT && nftnl_udata_len(attr) > 0) {
		const char *v = nftnl_udata_get(attr);

		if (v[nftnl_udata_len(attr) - 1] == 0)
			*ret = v;
	}
	return 0;
}

struct du_list {
	struct du_found *v;
	size_t n;
};

/* Rules of DOCKER-USER marked topo:<something>; others are not read. */
static int du_on_rule(void *arg, const struct nlmsghdr *nlh)
{
	struct du_list *l = arg;
	struct nftnl_rule *rule = nftnl_rule_alloc();
	struct du_walk w;
	const char *comment = NULL;
	const void *data;
	uint32_t len = 0;
	int r = 0;

	if (!rule)
		return -ENOMEM;
	memset(&w, 0, sizeof(w));
	if (nftnl_rule_nlmsg_parse(nlh, rule) < 0 || !nftnl_rule_is_set(rule, NFTNL_RULE_USERDATA))
		goto out;
	data = nftnl_rule_get_data(rule, NFTNL_RULE_USERDATA, &len);
	if (data && nftnl_udata_parse(data, len, du_comment_cb, &comment) >= 0 && comment &&
	    strncmp(comment, TOPO_ALIAS_PREFIX, strlen(TOPO_ALIAS_PREFIX)) == 0) {
		nftnl_expr_foreach(rule, du_expr, &w);
		snprintf(w.f.owner, sizeof(w.f.owner), "%s", comment + strlen(TOPO_ALIAS_PREFIX));
		w.f.handle = nftnl_rule_get_u64(rule, NFTNL_RULE_HANDLE);
		w.f.iface_only = w.accept && !w.other && w.f.ifname[0];
		struct du_found *v = realloc(l->v, (l->n + 1) * sizeof(*v));

		if (!v) {
			r = -ENOMEM;
		} else {
			l->v = v;
			v[l->n++] = w.f;
		}
	}
out:
	nftnl_rule_free(rule);
	return r;
}

/* The chain's marked rules; *exists false when there is no DOCKER-USER. */
static int du_list(struct backend *b, struct bns *ns, struct du_list *l, bool *exists)
{
	int r = bns_nft_socket(b, ns);

	*exists = false;
	if (r < 0)
		return r;
	/* A dump filtered by a table or chain that does not exist is empty, not
	 * an error: ask for the chain itself first. */
	{
		union { struct nlmsghdr h; char buf[512]; } req = { 0 };
		struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(req.buf, NFT_MSG_GETCHAIN, NFPROTO_IPV4, NLM_F_ACK,
							     next_seq(ns));
		int gen = -1;

		mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, DU_TABLE);
		mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, DU_CHAIN);
		r = nft_talk(ns, nlh, &gen, NULL, NULL);
		if (r == -ENOENT || r == -EOPNOTSUPP)
			return 0;       /* no table filter, no chain: no Docker on iptables-nft */
		if (r < 0)
			return r;
	}
	for (int attempt = 0; attempt < 8; attempt++) {
		union { struct nlmsghdr h; char buf[512]; } req = { 0 };
		struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(req.buf, NFT_MSG_GETRULE, NFPROTO_IPV4, NLM_F_DUMP,
							     next_seq(ns));
		int gen = -1;

		mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, DU_TABLE);
		mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, DU_CHAIN);
		free(l->v);
		l->v = NULL;
		l->n = 0;
		r = nft_talk(ns, nlh, &gen, du_on_rule, l);
		if (r != -EINTR)
			break;
	}
	if (r == -ENOENT || r == -EOPNOTSUPP)
		return 0;       /* no table filter, no chain: no Docker on iptables-nft */
	if (r == 0)
		*exists = true;
	return r;
}

/* /proc/net/ip_tables_names lists the legacy xt tables in use in the
 * caller's namespace (/proc/net follows the thread's namespace). */
static int legacy_in_use(void *arg)
{
	bool *ret = arg;
	FILE *f = fopen("/proc/net/ip_tables_names", "re");
	int c;

	*ret = false;
	if (!f)
		return 0;       /* no ip_tables module: nothing legacy */
	c = fgetc(f);
	*ret = c != EOF;
	fclose(f);
	return 0;
}

int dockeruser_observe(struct backend *b, struct bns *ns, struct topo_ns *out)
{
	struct du_list l = { 0 };
	bool exists;
	int r = du_list(b, ns, &l, &exists);

	if (r < 0) {
		free(l.v);
		return backend_fail(b, "namespace %s: reading chain %s: %s", ns->name, DU_CHAIN, strerror(-r)), r;
	}
	out->docker_user_chain = exists;
	for (size_t i = 0; i < l.n && r == 0; i++) {
		struct topo_du_rule *v = realloc(out->du_rules, (out->n_du_rules + 1) * sizeof(*v));

		if (!v) {
			r = -ENOMEM;
			break;
		}
		out->du_rules = v;
		memset(&v[out->n_du_rules], 0, sizeof(*v));
		snprintf(v[out->n_du_rules].ifname, sizeof(v->ifname), "%s", l.v[i].ifname);
		snprintf(v[out->n_du_rules].owner, sizeof(v->owner), "%s", l.v[i].owner);
		v[out->n_du_rules].out = l.v[i].out;
		v[out->n_du_rules].plain = l.v[i].iface_only;
		out->n_du_rules++;
	}
	free(l.v);
	if (r == 0)
		r = netns_run(b, ns, legacy_in_use, &out->iptables_legacy);
	return r;
}

/* One message in a batch of its own, acked. */
static int du_send(struct bns *ns, uint16_t type, uint16_t flags, struct nftnl_rule *rule)
{
	char *buf = malloc(DU_ROOM);
	struct mnl_nlmsg_batch *batch;
	struct nlmsghdr *nlh;
	uint32_t seq0 = next_seq(ns), seq;
	uint32_t portid = mnl_socket_get_portid(ns->nft);
	int r = 1;

	if (!buf)
		return -ENOMEM;
	batch = mnl_nlmsg_batch_start(buf, DU_ROOM);
	nftnl_batch_begin(mnl_nlmsg_batch_current(batch), seq0);
	mnl_nlmsg_batch_next(batch);
	seq = next_seq(ns);
	nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(batch), type, NFPROTO_IPV4, flags | NLM_F_ACK, seq);
	nftnl_rule_nlmsg_build_payload(nlh, rule);
	mnl_nlmsg_batch_next(batch);
	nftnl_batch_end(mnl_nlmsg_batch_current(batch), next_seq(ns));
	mnl_nlmsg_batch_next(batch);
	if (mnl_socket_sendto(ns->nft, mnl_nlmsg_batch_head(batch), mnl_nlmsg_batch_size(batch)) < 0)
		r = -errno;
	mnl_nlmsg_batch_stop(batch);
	while (r == 1) {
		ssize_t n = mnl_socket_recvfrom(ns->nft, buf, DU_ROOM);
		const struct nlmsghdr *h = (const void *)buf;
		int left = (int)n;

		if (n < 0) {
			if (errno != EINTR)
				r = -errno;
			continue;
		}
		for (; r == 1 && mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

			if (h->nlmsg_pid != portid || h->nlmsg_type != NLMSG_ERROR ||
			    h->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
				continue;
			if (h->nlmsg_seq == seq || e->error)
				r = e->error;
		}
	}
	free(buf);
	return r;
}

static int du_add(struct backend *b, struct bns *ns, const char *ifname, bool out)
{
	struct nftnl_rule *rule = nftnl_rule_alloc();
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(256);
	struct nftnl_expr *meta = nftnl_expr_alloc("meta"), *cmp = nftnl_expr_alloc("cmp");
	struct nftnl_expr *cnt = nftnl_expr_alloc("counter"), *imm = nftnl_expr_alloc("immediate");
	char comment[TOPO_NAME_MAX + 8];
	int r = -ENOMEM;

	if (!rule || !ud || !meta || !cmp || !cnt || !imm)
		goto out;
	snprintf(comment, sizeof(comment), TOPO_ALIAS_PREFIX "%s", b->topology);
	nftnl_rule_set_u32(rule, NFTNL_RULE_FAMILY, NFPROTO_IPV4);
	nftnl_rule_set_str(rule, NFTNL_RULE_TABLE, DU_TABLE);
	nftnl_rule_set_str(rule, NFTNL_RULE_CHAIN, DU_CHAIN);
	/* As iptables-nft writes `-i NAME`: the name with its NUL, exact. */
	nftnl_expr_set_u32(meta, NFTNL_EXPR_META_KEY, out ? NFT_META_OIFNAME : NFT_META_IIFNAME);
	nftnl_expr_set_u32(meta, NFTNL_EXPR_META_DREG, NFT_REG_1);
	nftnl_rule_add_expr(rule, meta);
	meta = NULL;
	nftnl_expr_set_u32(cmp, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(cmp, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set(cmp, NFTNL_EXPR_CMP_DATA, ifname, (uint32_t)strlen(ifname) + 1);
	nftnl_rule_add_expr(rule, cmp);
	cmp = NULL;
	nftnl_rule_add_expr(rule, cnt);
	cnt = NULL;
	nftnl_expr_set_u32(imm, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(imm, NFTNL_EXPR_IMM_VERDICT, NF_ACCEPT);
	nftnl_rule_add_expr(rule, imm);
	imm = NULL;
	if (!nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, comment))
		goto out;
	nftnl_rule_set_data(rule, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
	/* No NLM_F_APPEND: at the head of the chain, before Docker's RETURN. */
	r = du_send(ns, NFT_MSG_NEWRULE, NLM_F_CREATE, rule);
out:
	if (ud)
		nftnl_udata_buf_free(ud);
	/* (nftnl_expr_free and nftnl_rule_free do not take NULL.) */
	struct nftnl_expr *left[] = { meta, cmp, cnt, imm };

	for (size_t i = 0; i < sizeof(left) / sizeof(left[0]); i++)
		if (left[i])
			nftnl_expr_free(left[i]);
	if (rule)
		nftnl_rule_free(rule);
	return r;
}

/* Every rule of ours for this interface and direction (by its mark). */
static int du_del(struct backend *b, struct bns *ns, const char *ifname, bool out)
{
	struct du_list l = { 0 };
	bool exists;
	int r = du_list(b, ns, &l, &exists);

	for (size_t i = 0; i < l.n && r == 0; i++) {
		struct nftnl_rule *rule;

		if (strcmp(l.v[i].owner, b->topology) != 0 || strcmp(l.v[i].ifname, ifname) != 0 || l.v[i].out != out)
			continue;
		rule = nftnl_rule_alloc();
		if (!rule) {
			r = -ENOMEM;
			break;
		}
		nftnl_rule_set_u32(rule, NFTNL_RULE_FAMILY, NFPROTO_IPV4);
		nftnl_rule_set_str(rule, NFTNL_RULE_TABLE, DU_TABLE);
		nftnl_rule_set_str(rule, NFTNL_RULE_CHAIN, DU_CHAIN);
		nftnl_rule_set_u64(rule, NFTNL_RULE_HANDLE, l.v[i].handle);
		r = du_send(ns, NFT_MSG_DELRULE, 0, rule);
		if (r == -ENOENT)
			r = 0;  /* gone already (Docker restarted and flushed it) */
		nftnl_rule_free(rule);
	}
	free(l.v);
	return r;
}

int dockeruser_apply(struct backend *b, struct bns *ns, const struct step *s)
{
	int r = bns_nft_socket(b, ns);

	if (r == 0)
		r = s->op == STEP_DU_ADD ? du_add(b, ns, s->ifname, s->set->new.flag) : du_del(b, ns, s->ifname, s->set->new.flag);
	if (r < 0)
		return backend_fail(b, "%s rule %sifname %s in table ip %s chain %s: %s",
				    s->op == STEP_DU_ADD ? "adding" : "removing", s->set->new.flag ? "o" : "i", s->ifname,
				    DU_TABLE, DU_CHAIN, strerror(-r)), r;
	return 0;
}
