// SPDX-License-Identifier: MIT
/*
 * Link shaping: the root qdisc of each interface. topo's is a tbf or netem
 * with handle TOPO_QDISC_HANDLE (9500:); the kernel's own default root
 * (noqueue, pfifo_fast, fq_codel... with handle 0:) may be replaced; any
 * other root qdisc is someone's (the reconciler refuses to touch it).
 * Deleting ours gives the link the kernel's default back.
 */
#include <errno.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>
#include <netlink/utils.h>

#include "backends/internal.h"
#include "model/shape.h"

struct qdisc_dump {
	struct topo_ns *out;
};

static void tbf_parse(struct topo_shape *sh, struct nlattr *opts)
{
	struct nlattr *tb[TCA_TBF_MAX + 1];
	struct tc_tbf_qopt q;

	if (nla_parse_nested(tb, TCA_TBF_MAX, opts, NULL) < 0 || !tb[TCA_TBF_PARMS] ||
	    nla_len(tb[TCA_TBF_PARMS]) < (int)sizeof(q))
		return;
	memcpy(&q, nla_data(tb[TCA_TBF_PARMS]), sizeof(q));
	sh->rate = q.rate.rate;
	if (tb[TCA_TBF_RATE64] && nla_len(tb[TCA_TBF_RATE64]) >= 8)
		sh->rate = nla_get_u64(tb[TCA_TBF_RATE64]);
	sh->limit = q.limit;
	/* The bucket is kept as time at the rate, in the kernel's ticks. */
	if (sh->rate && sh->rate <= INT32_MAX)
		sh->burst = (uint32_t)rtnl_tc_calc_bufsize((int)nl_ticks2us(q.buffer), (int)sh->rate);
}

static void netem_parse(struct topo_shape *sh, struct nlattr *opts)
{
	struct tc_netem_qopt q;

	sh->netem = true;
	if (nla_len(opts) < (int)sizeof(q))
		return;
	memcpy(&q, nla_data(opts), sizeof(q));
	sh->delay_us = nl_ticks2us(q.latency);
	sh->loss_ppm = (uint32_t)((uint64_t)q.loss * 1000000 / UINT32_MAX);
}

static int qdisc_dump_one(void *arg, const void *nlhv)
{
	struct qdisc_dump *d = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)nlhv;
	struct tcmsg *tcm = nlmsg_data(nlh);
	struct nlattr *tb[TCA_MAX + 1];
	struct topo_shape *sh = NULL;
	const char *kind;

	if (nlh->nlmsg_type != RTM_NEWQDISC || tcm->tcm_parent != TC_H_ROOT)
		return 0;
	if (nlmsg_parse(nlh, sizeof(*tcm), tb, TCA_MAX, NULL) < 0 || !tb[TCA_KIND])
		return 0;
	for (size_t i = 0; i < d->out->n_ifaces && !sh; i++)
		if (d->out->ifaces[i].ifindex == tcm->tcm_ifindex) {
			sh = topo_iface_shape_edit(&d->out->ifaces[i]);
			if (!sh)
				return -ENOMEM;
		}
	if (!sh)
		return 0;
	kind = nla_get_string(tb[TCA_KIND]);
	memset(sh, 0, sizeof(*sh));
	snprintf(sh->root_kind, sizeof(sh->root_kind), "%s", kind);
	sh->root_handle = tcm->tcm_handle;
	if (tcm->tcm_handle == 0) {
		sh->root = TOPO_QDISC_DEFAULT;
	} else if (tcm->tcm_handle == TOPO_QDISC_HANDLE && tb[TCA_OPTIONS] &&
		   (strcmp(kind, "tbf") == 0 || strcmp(kind, "netem") == 0)) {
		sh->root = TOPO_QDISC_OURS;
		if (kind[0] == 't')
			tbf_parse(sh, tb[TCA_OPTIONS]);
		else
			netem_parse(sh, tb[TCA_OPTIONS]);
	} else {
		sh->root = TOPO_QDISC_FOREIGN;
	}
	return 0;
}

static void qdisc_dump_reset(void *arg)
{
	struct qdisc_dump *d = arg;

	for (size_t i = 0; i < d->out->n_ifaces; i++)
		topo_iface_shape_drop(&d->out->ifaces[i]);
}

static bool root_plain(const char *kind)
{
	return !kind[0] || strcmp(kind, "noqueue") == 0 || strcmp(kind, "noop") == 0;
}

int shape_link_root(struct topo_iface *ifc, const char *kind)
{
	struct topo_shape *sh;

	if (root_plain(kind))
		return 0;
	sh = topo_iface_shape_edit(ifc);
	if (!sh)
		return -ENOMEM;
	snprintf(sh->root_kind, sizeof(sh->root_kind), "%s", kind);
	return 0;
}

/* The link dump names each root qdisc's kind (IFLA_QDISC): where every
 * one is noqueue or noop (a down link) and the file shapes nothing here,
 * there is no qdisc of topo's or anyone's to read, and no dump to pay for
 * (one per namespace, in every diff). */
static bool qdiscs_matter(const struct topo_ns *out, const struct topo_ns *desired)
{
	for (size_t i = 0; desired && i < desired->n_ifaces; i++)
		if (topo_shape_declared(topo_iface_shape(&desired->ifaces[i])))
			return true;
	for (size_t i = 0; i < out->n_ifaces; i++)
		if (!root_plain(topo_iface_shape(&out->ifaces[i])->root_kind))
			return true;
	return false;
}

int shape_observe(struct backend *b, struct bns *ns, const struct topo_ns *desired, struct topo_ns *out)
{
	struct qdisc_dump d = { .out = out };

	if (!qdiscs_matter(out, desired))
		return 0;
	return nlq_dump(b, ns, RTM_GETQDISC, AF_UNSPEC, qdisc_dump_one, &d, qdisc_dump_reset);
}

int shape_msg(struct backend *b, struct bns *ns, const struct step *s, struct nl_msg **ret)
{
	const struct topo_shape *sh = &s->set->new.shape;
	struct rtnl_qdisc *q;
	int idx = link_resolve(b, ns, s->ifname), r;

	if (idx < 0)
		return idx;
	q = rtnl_qdisc_alloc();
	if (!q)
		return -ENOMEM;
	rtnl_tc_set_ifindex(TC_CAST(q), idx);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	rtnl_tc_set_handle(TC_CAST(q), TOPO_QDISC_HANDLE);
	if (!topo_shape_declared(sh)) {
		/* Ours goes; the kernel puts its default back. */
		r = rtnl_qdisc_build_delete_request(q, ret);
		rtnl_qdisc_put(q);
		return r < 0 ? -ENOMEM : 0;
	}
	if (rtnl_tc_set_kind(TC_CAST(q), sh->netem ? "netem" : "tbf") < 0) {
		rtnl_qdisc_put(q);
		return -ENOMEM;
	}
	if (sh->netem) {
		rtnl_netem_set_delay(q, (int)sh->delay_us);
		rtnl_netem_set_loss(q, (int)(uint32_t)((uint64_t)sh->loss_ppm * UINT32_MAX / 1000000));
	} else {
		rtnl_qdisc_tbf_set_rate(q, (int)sh->rate, (int)sh->burst, 0);
		rtnl_qdisc_tbf_set_limit(q, (int)sh->limit);
	}
	/* Replace: over the kernel's default root, or over ours. */
	r = rtnl_qdisc_build_add_request(q, NLM_F_CREATE | NLM_F_REPLACE, ret);
	rtnl_qdisc_put(q);
	return r < 0 ? -ENOMEM : 0;
}

void shape_explain(const struct step *s, int err, char *msg, size_t len)
{
	if (err == -ENOENT && s->set->new.shape.netem)
		snprintf(msg, len, "this kernel has no netem qdisc: the sch_netem module is missing "
			 "(modprobe sch_netem, or a kernel built with CONFIG_NET_SCH_NETEM)");
}
