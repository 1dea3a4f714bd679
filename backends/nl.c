// SPDX-License-Identifier: MIT
/*
 * rtnetlink transport. Requests are pipelined: sent one after another
 * without waiting, their acks collected later by sequence number. rtnetlink
 * handles a request synchronously inside sendmsg(), so requests take effect
 * in the order they are sent, across sockets too; only the answers wait.
 * At most NL_WINDOW answers are left unread, so the receive buffer never
 * overflows (an overflow would lose acks).
 */
#include <errno.h>
#include <linux/netlink.h>
#include <signal.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "backends/internal.h"

#define NL_WINDOW 128
#define NL_RECVBUF (256 * 1024)

/* ----------------------------------------------------------------- ifmap -- */

static long few_find(const struct ifnames *m, const char *name)
{
	for (size_t i = 0; i < m->n_few; i++)
		if (strcmp(m->few[i].name, name) == 0)
			return (long)i;
	return -1;
}

int ifnames_set(struct ifnames *m, const char *name, int ifindex)
{
	long i = few_find(m, name);
	char *copy;
	int r;

	if (i >= 0) {
		m->few[i].ifindex = ifindex;
		return 0;
	}
	if (hashmap_get(&m->map, name, NULL) == 0)
		return hashmap_set(&m->map, name, (size_t)ifindex);
	if (m->n_few < IFNAMES_INLINE && strlen(name) < sizeof(m->few[0].name)) {
		snprintf(m->few[m->n_few].name, sizeof(m->few[0].name), "%s", name);
		m->few[m->n_few++].ifindex = ifindex;
		return 0;
	}
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	r = hashmap_put(&m->map, copy, (size_t)ifindex, NULL);
	if (r < 0)
		free(copy);
	return r;
}

int ifnames_get(const struct ifnames *m, const char *name)
{
	long i = few_find(m, name);
	size_t v;

	if (i >= 0)
		return m->few[i].ifindex;
	return hashmap_get(&m->map, name, &v) == 0 ? (int)v : 0;
}

void ifnames_del(struct ifnames *m, const char *name)
{
	long i = few_find(m, name);
	const char *key;

	if (i >= 0) {
		m->few[i] = m->few[--m->n_few];
		return;
	}
	if (hashmap_del(&m->map, name, &key) == 0)
		free((char *)key);
}

void ifnames_free(struct ifnames *m)
{
	const struct hashmap_slot *s;
	size_t pos = 0;

	m->n_few = 0;
	while (hashmap_next(&m->map, &pos, &s))
		free((char *)s->key);
	hashmap_free(&m->map);
}

/* --------------------------------------------------------------- sending -- */

static int nl_send_raw(struct bns *ns, struct nlmsghdr *nlh)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	int fd = nl_socket_get_fd(ns->sk);

	for (;;) {
		ssize_t n = sendto(fd, nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel));

		if (n >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

static void nl_ignore_err(void *arg, size_t tag, int err, const char *msg)
{
	(void)arg, (void)tag, (void)err, (void)msg;
}

int nlq_queue(struct backend *b, struct bns *ns, struct nl_msg *msg, size_t tag)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int r;

	/* From 4: a namespace of a large topology has a few requests in
	 * flight, and there are thousands of namespaces. */
	if (ns->n_pending == ns->cap_pending) {
		size_t cap = ns->cap_pending ? ns->cap_pending * 2 : 4;
		struct nl_pending *v = realloc(ns->pending, cap * sizeof(*v));

		if (!v) {
			nlmsg_free(msg);
			return -ENOMEM;
		}
		ns->pending = v;
		ns->cap_pending = cap;
	}
	nl_complete_msg(ns->sk, msg);
	nlh->nlmsg_flags |= NLM_F_ACK;
	r = nl_send_raw(ns, nlh);
	if (r == 0)
		ns->pending[ns->n_pending++] = (struct nl_pending){ .seq = nlh->nlmsg_seq, .tag = tag };
	nlmsg_free(msg);
	if (r == 0 && b->opts.kill_after_msgs && ++b->sent == b->opts.kill_after_msgs)
		raise(SIGKILL);
	return r;
}

/* The kernel's extended-ack message, if it sent one. */
static const char *nl_extack_msg(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t off = sizeof(*e);
	struct nlattr *attrs;
	int len;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	/* Without NLM_F_CAPPED the request itself follows the header. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (NLMSG_HDRLEN + off > nlh->nlmsg_len)
		return NULL;
	attrs = (struct nlattr *)(void *)((char *)e + NLMSG_ALIGN(off));
	len = (int)(nlh->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(off));
	for (struct nlattr *a = attrs; nla_ok(a, len); a = nla_next(a, &len)) {
		if (nla_type(a) == NLMSGERR_ATTR_MSG && nla_len(a) > 0) {
			char *s = nla_data(a);

			s[nla_len(a) - 1] = '\0';
			return s;
		}
	}
	return NULL;
}

static ssize_t nl_recv_some(struct bns *ns, char *buf, size_t len)
{
	int fd = nl_socket_get_fd(ns->sk);

	for (;;) {
		ssize_t n = recv(fd, buf, len, 0);

		if (n >= 0)
			return n;
		if (errno != EINTR)
			return -errno;
	}
}

int nlq_drain(struct backend *b, struct bns *ns,
	     void (*on_err)(void *arg, size_t tag, int err, const char *msg),
	     void (*on_msg)(void *arg, size_t tag, const void *nlh), void *arg)
{
	char *buf;
	int r = 0;

	if (!ns->n_pending)
		return 0;
	buf = malloc(NL_RECVBUF);
	if (!buf)
		return -ENOMEM;
	if (!on_err)
		on_err = nl_ignore_err;
	while (ns->n_pending && r == 0) {
		ssize_t n = nl_recv_some(ns, buf, NL_RECVBUF);
		int len = (int)n;

		if (n < 0) {
			r = (int)n;
			backend_fail(b, "netlink receive in namespace %s: %s", ns->name, strerror(-r));
			break;
		}
		for (struct nlmsghdr *nlh = (struct nlmsghdr *)(void *)buf; nlmsg_ok(nlh, len);
		     nlh = nlmsg_next(nlh, &len)) {
			size_t p;

			for (p = 0; p < ns->n_pending; p++)
				if (ns->pending[p].seq == nlh->nlmsg_seq)
					break;
			if (p == ns->n_pending)
				continue;   /* not ours to wait for */
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);
				size_t tag = ns->pending[p].tag;

				memmove(&ns->pending[p], &ns->pending[p + 1],
					(ns->n_pending - p - 1) * sizeof(*ns->pending));
				ns->n_pending--;
				on_err(arg, tag, e->error, e->error ? nl_extack_msg(nlh) : NULL);
			} else if (on_msg) {
				on_msg(arg, ns->pending[p].tag, nlh);
			}
		}
	}
	free(buf);
	return r;
}

/* ------------------------------------------------------------------ dumps -- */

/* One pass of a dump: fn for each message until the kernel's DONE (with
 * only_family, each message of that family: a kernel without the family's
 * table answers with every family's).
 * *interrupted: the set changed while the kernel walked it (what fn got
 * is not the whole set). */
static int dump_once(struct bns *ns, int type, int family, bool only_family, int (*fn)(void *arg, const void *nlh),
		     void *arg, char *buf, bool *interrupted)
{
	struct {
		struct nlmsghdr nlh;
		union {
			struct ifinfomsg ifi;
			struct ifaddrmsg ifa;
			struct rtmsg rtm;
			struct tcmsg tcm;
		};
		char attrs[16];
	} req;
	bool done = false;
	uint32_t seq;
	int r;

	*interrupted = false;
	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_type = (uint16_t)type;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nlh.nlmsg_seq = seq = nl_socket_use_seq(ns->sk);
	if (type == RTM_GETLINK) {
		struct nlattr *a = (struct nlattr *)(void *)((char *)&req + NLMSG_LENGTH(sizeof(req.ifi)));

		req.ifi.ifi_family = (unsigned char)family;
		/* Counters are a third of each message and never read. */
		a->nla_type = IFLA_EXT_MASK;
		a->nla_len = NLA_HDRLEN + 4;
		*(uint32_t *)(void *)((char *)a + NLA_HDRLEN) = RTEXT_FILTER_SKIP_STATS;
		req.nlh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi)) + NLA_ALIGN(a->nla_len);
	} else if (type == RTM_GETADDR) {
		req.ifa.ifa_family = (unsigned char)family;
		req.nlh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifa));
	} else if (type == RTM_GETNEXTHOP) {
		/* struct nhmsg: 8 bytes, and the kernel checks it strictly. */
		req.rtm.rtm_family = (unsigned char)family;
		req.nlh.nlmsg_len = NLMSG_LENGTH(8);
	} else if (type == RTM_GETQDISC) {
		/* The kernel refuses a qdisc dump shorter than a tcmsg. */
		req.tcm.tcm_family = (unsigned char)family;
		req.nlh.nlmsg_len = NLMSG_LENGTH(sizeof(req.tcm));
	} else {
		req.rtm.rtm_family = (unsigned char)family;
		req.nlh.nlmsg_len = NLMSG_LENGTH(sizeof(req.rtm));
	}
	r = nl_send_raw(ns, &req.nlh);
	while (!done && r == 0) {
		ssize_t n = nl_recv_some(ns, buf, NL_RECVBUF);
		int len = (int)n;

		if (n < 0)
			return (int)n;
		for (struct nlmsghdr *nlh = (struct nlmsghdr *)(void *)buf; nlmsg_ok(nlh, len);
		     nlh = nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				*interrupted = true;
			if (nlh->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				r = ((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
				done = true;
				break;
			}
			if (only_family && nlh->nlmsg_len >= NLMSG_LENGTH(1) &&
			    *(const unsigned char *)NLMSG_DATA(nlh) != (unsigned char)family)
				continue;
			if (!*interrupted && fn(arg, nlh) < 0) {
				r = -ENOMEM;
				break;
			}
		}
	}
	return r;
}

/* The dump of each family in turn, as one: an interrupted pass starts the
 * whole over, from empty (reset). */
static int dump_families(struct backend *b, struct bns *ns, int type, const int *families, size_t n_families,
			 int (*fn)(void *arg, const void *nlh), void *arg, void (*reset)(void *arg))
{
	char *buf = malloc(NL_RECVBUF);
	int r = 0;

	if (!buf)
		return -ENOMEM;
	for (int attempt = 0; attempt < 10; attempt++) {
		bool interrupted = false;

		for (size_t f = 0; f < n_families && r == 0 && !interrupted; f++)
			r = dump_once(ns, type, families[f], n_families > 1, fn, arg, buf, &interrupted);
		if (r < 0 || !interrupted)
			break;
		if (reset)
			reset(arg);
	}
	free(buf);
	if (r < 0)
		backend_fail(b, "netlink dump in namespace %s: %s", ns->name, strerror(-r));
	return r;
}

int nlq_dump(struct backend *b, struct bns *ns, int type, int family,
	    int (*fn)(void *arg, const void *nlh), void *arg, void (*reset)(void *arg))
{
	return dump_families(b, ns, type, &family, 1, fn, arg, reset);
}

int nlq_dump_inet(struct backend *b, struct bns *ns, int type, int (*fn)(void *arg, const void *nlh), void *arg,
		  void (*reset)(void *arg))
{
	static const int families[] = { AF_INET, AF_INET6 };

	return dump_families(b, ns, type, families, 2, fn, arg, reset);
}

/* ---------------------------------------------------------- one request -- */

struct req_result {
	int err;
	const char *msg;
	char msgbuf[256];
};

static void req_on_err(void *arg, size_t tag, int err, const char *msg)
{
	struct req_result *res = arg;

	(void)tag;
	res->err = err;
	if (msg) {
		snprintf(res->msgbuf, sizeof(res->msgbuf), "%s", msg);
		res->msg = res->msgbuf;
	}
}

struct req_ctx {
	struct req_result res;
	void (*on_msg)(void *arg, size_t tag, const void *nlh);
	void *arg;
};

static void req_ctx_err(void *arg, size_t tag, int err, const char *msg)
{
	req_on_err(&((struct req_ctx *)arg)->res, tag, err, msg);
}

static void req_ctx_msg(void *arg, size_t tag, const void *nlh)
{
	struct req_ctx *c = arg;

	if (c->on_msg)
		c->on_msg(c->arg, tag, nlh);
}

int nlq_request(struct backend *b, struct bns *ns, struct nl_msg *msg,
	       void (*on_msg)(void *arg, size_t tag, const void *nlh), void *arg)
{
	struct req_ctx c = { .on_msg = on_msg, .arg = arg };
	int r;

	/* Whatever was queued before is answered first. */
	r = nlq_drain(b, ns, NULL, NULL, NULL);
	if (r < 0) {
		nlmsg_free(msg);
		return r;
	}
	r = nlq_queue(b, ns, msg, 0);
	if (r < 0)
		return r;
	r = nlq_drain(b, ns, req_ctx_err, req_ctx_msg, &c);
	if (r < 0)
		return r;
	if (c.res.err && c.res.msg)
		backend_fail(b, "%s", c.res.msg);
	return c.res.err;
}

bool nlq_window_full(const struct bns *ns)
{
	return ns->n_pending >= NL_WINDOW;
}
