// SPDX-License-Identifier: MIT
/*
 * Policy routing rules (RTM_*RULE), both families. Every rule is read;
 * those using what topo does not model (goto, nop, l3mdev, tunnel id,
 * suppress_prefixlength/ifgroup, realms) are left out of the model, so they
 * can neither be matched nor touched. The protocol is sent as the object
 * carries it (the diff puts TOPO_RTPROT on what topo adds; a rollback puts
 * back what it found): a delete naming 149 never takes a foreign twin
 * (rule_find); protocol 0 is the kernel's wildcard, so the diff removes an
 * unmarked twin before its marked replacement comes.
 */
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "backends/kinds.h"
#include "model/kind_rule.h"

struct rule_dump {
	struct topo_objs *objs;
};

static bool action_known(uint8_t a)
{
	return a == TOPO_RULE_LOOKUP || a == TOPO_RULE_BLACKHOLE || a == TOPO_RULE_UNREACHABLE ||
	       a == TOPO_RULE_PROHIBIT;
}

static void get_ip(struct nlattr *a, uint8_t family, uint8_t plen, struct topo_ip *ret)
{
	size_t len = family == AF_INET6 ? 16 : 4;

	if (!a || (size_t)nla_len(a) < len)
		return;
	ret->family = family;
	ret->plen = plen;
	memcpy(ret->bytes, nla_data(a), len);
}

static int rule_dump_one(void *arg, const void *nlhv)
{
	struct rule_dump *d = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)nlhv;
	struct fib_rule_hdr *h = nlmsg_data(nlh);
	struct nlattr *tb[FRA_MAX + 1];
	struct topo_rule r = { 0 }, *slot;

	if (nlh->nlmsg_type != RTM_NEWRULE || (h->family != AF_INET && h->family != AF_INET6))
		return 0;
	if (nlmsg_parse(nlh, sizeof(*h), tb, FRA_MAX, NULL) < 0)
		return 0;
	/* suppress_* are always reported, -1 meaning "not set". */
	if (!action_known(h->action) || tb[FRA_GOTO] || (tb[FRA_L3MDEV] && nla_get_u8(tb[FRA_L3MDEV])) ||
	    tb[FRA_TUN_ID] || tb[FRA_FLOW] ||
	    (tb[FRA_SUPPRESS_PREFIXLEN] && nla_get_u32(tb[FRA_SUPPRESS_PREFIXLEN]) != 0xffffffffu) ||
	    (tb[FRA_SUPPRESS_IFGROUP] && nla_get_u32(tb[FRA_SUPPRESS_IFGROUP]) != 0xffffffffu))
		return 0;
	r.family = h->family;
	r.action = h->action;
	r.tos = h->tos;
	if (tb[FRA_PRIORITY])
		r.priority = nla_get_u32(tb[FRA_PRIORITY]);
	get_ip(tb[FRA_SRC], h->family, h->src_len, &r.from);
	get_ip(tb[FRA_DST], h->family, h->dst_len, &r.to);
	if (tb[FRA_IIFNAME])
		nla_strlcpy(r.iif, tb[FRA_IIFNAME], sizeof(r.iif));
	if (tb[FRA_OIFNAME])
		nla_strlcpy(r.oif, tb[FRA_OIFNAME], sizeof(r.oif));
	if (tb[FRA_FWMARK] || tb[FRA_FWMASK]) {
		r.has_fwmark = true;
		r.fwmark = tb[FRA_FWMARK] ? nla_get_u32(tb[FRA_FWMARK]) : 0;
		r.fwmask = tb[FRA_FWMASK] ? nla_get_u32(tb[FRA_FWMASK]) : 0xffffffffu;
	}
	if (tb[FRA_IP_PROTO])
		r.ipproto = nla_get_u8(tb[FRA_IP_PROTO]);
	if (tb[FRA_SPORT_RANGE] && nla_len(tb[FRA_SPORT_RANGE]) >= (int)sizeof(struct fib_rule_port_range)) {
		const struct fib_rule_port_range *p = nla_data(tb[FRA_SPORT_RANGE]);

		r.sport_lo = p->start;
		r.sport_hi = p->end;
	}
	if (tb[FRA_DPORT_RANGE] && nla_len(tb[FRA_DPORT_RANGE]) >= (int)sizeof(struct fib_rule_port_range)) {
		const struct fib_rule_port_range *p = nla_data(tb[FRA_DPORT_RANGE]);

		r.dport_lo = p->start;
		r.dport_hi = p->end;
	}
	if (tb[FRA_UID_RANGE] && nla_len(tb[FRA_UID_RANGE]) >= (int)sizeof(struct fib_rule_uid_range)) {
		const struct fib_rule_uid_range *u = nla_data(tb[FRA_UID_RANGE]);

		r.has_uidrange = true;
		r.uid_lo = u->start;
		r.uid_hi = u->end;
	}
	if (r.action == TOPO_RULE_LOOKUP)
		r.table = tb[FRA_TABLE] ? nla_get_u32(tb[FRA_TABLE]) : h->table;
	r.proto = tb[FRA_PROTOCOL] ? nla_get_u8(tb[FRA_PROTOCOL]) : 0;
	slot = topo_objs_add(&topo_kind_rule, d->objs);
	if (!slot)
		return -ENOMEM;
	*slot = r;
	return 0;
}

static void rule_dump_reset(void *arg)
{
	topo_objs_free(((struct rule_dump *)arg)->objs);
}

static int rule_observe(struct backend *b, struct bns *ns, const struct topo_ns *out, struct topo_objs *objs)
{
	struct rule_dump d = { objs };

	(void)out;
	return nlq_dump(b, ns, RTM_GETRULE, AF_UNSPEC, rule_dump_one, &d, rule_dump_reset);
}

static int rule_msg(struct backend *b, struct bns *ns, enum step_op op, const void *obj, struct nl_msg **ret)
{
	const struct topo_rule *r = obj;
	struct fib_rule_hdr h = { 0 };
	size_t alen = r->family == AF_INET6 ? 16 : 4;
	struct nl_msg *m;

	(void)b, (void)ns;
	m = nlmsg_alloc_simple(op == STEP_OBJ_DEL ? RTM_DELRULE : RTM_NEWRULE,
			       op == STEP_OBJ_DEL ? 0 : NLM_F_CREATE | NLM_F_EXCL);
	if (!m)
		return -ENOMEM;
	h.family = r->family;
	h.src_len = r->from.family ? r->from.plen : 0;
	h.dst_len = r->to.family ? r->to.plen : 0;
	h.tos = r->tos;
	h.action = r->action;
	h.table = r->action == TOPO_RULE_LOOKUP && r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	if (nlmsg_append(m, &h, sizeof(h), NLMSG_ALIGNTO) < 0 || nla_put_u32(m, FRA_PRIORITY, r->priority) < 0 ||
	    (r->from.family && nla_put(m, FRA_SRC, (int)alen, r->from.bytes) < 0) ||
	    (r->to.family && nla_put(m, FRA_DST, (int)alen, r->to.bytes) < 0) ||
	    (r->iif[0] && nla_put_string(m, FRA_IIFNAME, r->iif) < 0) ||
	    (r->oif[0] && nla_put_string(m, FRA_OIFNAME, r->oif) < 0) ||
	    (r->has_fwmark && (nla_put_u32(m, FRA_FWMARK, r->fwmark) < 0 || nla_put_u32(m, FRA_FWMASK, r->fwmask) < 0)) ||
	    (r->action == TOPO_RULE_LOOKUP && nla_put_u32(m, FRA_TABLE, r->table) < 0) ||
	    (r->ipproto && nla_put_u8(m, FRA_IP_PROTO, r->ipproto) < 0) ||
	    (r->proto && nla_put_u8(m, FRA_PROTOCOL, r->proto) < 0))
		goto oom;
	if (r->sport_lo) {
		struct fib_rule_port_range p = { r->sport_lo, r->sport_hi };

		if (nla_put(m, FRA_SPORT_RANGE, sizeof(p), &p) < 0)
			goto oom;
	}
	if (r->dport_lo) {
		struct fib_rule_port_range p = { r->dport_lo, r->dport_hi };

		if (nla_put(m, FRA_DPORT_RANGE, sizeof(p), &p) < 0)
			goto oom;
	}
	if (r->has_uidrange) {
		struct fib_rule_uid_range u = { r->uid_lo, r->uid_hi };

		if (nla_put(m, FRA_UID_RANGE, sizeof(u), &u) < 0)
			goto oom;
	}
	*ret = m;
	return 0;
oom:
	nlmsg_free(m);
	return -ENOMEM;
}

const struct kind_backend kind_backend_rule = {
	.kind = &topo_kind_rule,
	.observe = rule_observe,
	.msg = rule_msg,
};
