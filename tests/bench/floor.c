// SPDX-License-Identifier: MIT
/*
 * floor — the benchmark's lower bound (issue 7): the star topology of
 * tests/bench/gen.sh built and torn down with raw rtnetlink through libmnl,
 * as fast as the kernel lets one process do it. topo's figures are compared
 * with this program's.
 *
 *   floor [--no-nat] [--per-bridge P] [--tight] [--addr-gen-none] build N
 *   floor [--no-nat] [--per-bridge P] [--by-netns] teardown N
 *
 * build: namespaces n0..n(N-1), each made with unshare(CLONE_NEWNET) and a
 * bind mount on /run/netns/nI (/run/netns made a shared mount point first,
 * as iproute2 does), with an rtnetlink socket opened inside it and held;
 * bridges br0, br1, ... (at most P ports each, default 500), brK up with
 * 10.K.0.1/16; veth pairs hI/eth0 whose eth0 end is born in nI
 * (IFLA_NET_NS_FD on the peer), and whose hI end has its master and
 * IFF_UP set at creation; in each namespace lo and eth0 up, the address
 * 10.K.J/250.J%250+2/16 on eth0 (IFA_F_NODAD) and a default route via
 * 10.K.0.1; net.ipv4.ip_forward=1; and (unless --no-nat) the table
 * `ip floor` with one rule `ip saddr 10.0.0.0/8 oifname != "br0" masquerade`
 * in a nat postrouting chain, in one nftables batch.
 *
 * --tight (issue 16) builds the same kernel state faster, with two kernel
 * facts (each on its own: --one-queue, --bridge-up-last):
 *  - --one-queue: both ends of each veth are created with IFLA_NUM_TX_QUEUES
 *    = IFLA_NUM_RX_QUEUES = 1 (the peer's in its own header inside
 *    VETH_INFO_PEER). Without them veth registers one queue per possible
 *    CPU and shrinks to one after registration: netif_set_real_num_tx_queues
 *    then waits for an RCU grace period (synchronize_net) under RTNL, twice
 *    per pair. Only num_tx_queues/num_rx_queues differ in `ip -d link`.
 *  - --bridge-up-last: the bridges are created down and brought up at the
 *    very end. A running bridge redoes its port state selection (over all
 *    its ports) and notifies on each port's carrier change, in linkwatch
 *    work that competes for RTNL with the rest of the build; a bridge that
 *    is down ignores them, and when it comes up takes its ports at once.
 *    Addresses on a down bridge are kept, and its prefix route comes with
 *    IFF_UP: the end state is the same.
 *
 * --addr-gen-none builds what a file with `addr_gen_mode: none` on every
 * bridge and veth end holds (tests/bench/gen.sh GEN_ADDRGEN=none): each
 * such link gets IFLA_INET6_ADDR_GEN_MODE = NONE in a request of its own
 * (the kernel refuses it at creation) before it has carrier, so none of
 * them makes an IPv6 link-local address, probes it or reports MLD.
 *
 * teardown: the host veth ends deleted (which takes their peers with them),
 * the namespaces unmounted and unlinked, the bridges deleted, the nftables
 * table deleted and ip_forward put back to 0. With --by-netns the veths are
 * not deleted one by one: unmounting the namespaces lets the kernel destroy
 * them, with the pairs, in batches in its netns cleanup work (asynchronous:
 * the caller waits for the host ends to disappear).
 *
 * Requests are pipelined: many messages per sendmsg, then their replies
 * collected (recvmmsg), and every acknowledgement is checked. Per-phase
 * times go to stderr. Run it only inside tests/sandbox.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#define NETNS_DIR "/run/netns"
#define NFT_TABLE "floor"
#define NFT_CHAIN "postrouting"
#define SEND_BUF (128u * 1024u)  /* below the default netlink sndbuf */
#define MSG_ROOM 512u            /* the largest request we build */
#define RECV_VEC 64
#define RECV_SIZE 16384u

static const char *prog = "floor";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double t_phase;

static void phase(const char *name)
{
	double t = now();

	if (name)
		fprintf(stderr, "floor: %-28s %8.1f ms\n", name, (t - t_phase) * 1e3);
	t_phase = t;
}

/* ---- a netlink socket with an outgoing batch ---- */

struct nl {
	struct mnl_socket *sock;
	int proto;
	uint32_t seq;
	size_t len;            /* bytes queued in buf */
	size_t expect;         /* replies owed for what was sent */
	size_t queued;         /* replies owed for what is still in buf */
	char *buf;
};

/* Called for each reply that is not an error: a GETLINK answer. */
typedef void reply_fn(const struct nlmsghdr *nlh, void *arg);

static void nl_open(struct nl *nl, int proto, bool big)
{
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->proto = proto;
	nl->sock = mnl_socket_open(proto);
	if (!nl->sock)
		die("netlink socket: %s", strerror(errno));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink bind: %s", strerror(errno));
	/* Short acks (no copy of the request), with the kernel's error text. */
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	if (big) {
		int sz = 32 << 20;

		if (setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
			die("SO_RCVBUFFORCE: %s", strerror(errno));
	}
	nl->buf = malloc(big ? SEND_BUF : 4096);
	if (!nl->buf)
		die("out of memory");
	nl->seq = 1;
}

static void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	nl->sock = NULL;
	nl->buf = NULL;
}

static void nl_send(struct nl *nl)
{
	ssize_t n;

	if (!nl->len)
		return;
	n = mnl_socket_sendto(nl->sock, nl->buf, nl->len);
	if (n < 0 || (size_t)n != nl->len)
		die("netlink send (%zu bytes): %s", nl->len, n < 0 ? strerror(errno) : "short write");
	nl->expect += nl->queued;
	nl->queued = 0;
	nl->len = 0;
}

static const char *ext_msg(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	size_t off = sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	mnl_attr_for_each(a, nlh, off)
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
			return mnl_attr_get_str(a);
	return NULL;
}

/* Read until every reply owed has arrived; any error is fatal. */
static void nl_collect(struct nl *nl, const char *what, reply_fn *fn, void *arg)
{
	static char bufs[RECV_VEC][RECV_SIZE];
	struct mmsghdr mm[RECV_VEC];
	struct iovec iov[RECV_VEC];
	int fd = mnl_socket_get_fd(nl->sock);

	while (nl->expect) {
		int got;

		for (int i = 0; i < RECV_VEC; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = RECV_SIZE;
			memset(&mm[i], 0, sizeof(mm[i]));
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		/* Block for the first, then take what is queued. */
		got = recvmmsg(fd, mm, RECV_VEC, MSG_WAITFORONE, NULL);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			die("%s: netlink receive: %s", what, strerror(errno));
		}
		for (int i = 0; i < got; i++) {
			const struct nlmsghdr *nlh = (const struct nlmsghdr *)bufs[i];
			int len = (int)mm[i].msg_len;

			if (mm[i].msg_hdr.msg_flags & MSG_TRUNC)
				die("%s: netlink reply truncated", what);
			for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
				if (nlh->nlmsg_type == NLMSG_ERROR) {
					const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

					if (e->error) {
						const char *m = ext_msg(nlh);

						die("%s: request %u failed: %s%s%s", what, nlh->nlmsg_seq,
						    strerror(-e->error), m ? ": " : "", m ? m : "");
					}
				} else if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_NOOP) {
					continue;
				} else if (fn) {
					fn(nlh, arg);
				}
				if (!nl->expect)
					die("%s: unexpected netlink message (type %u)", what, nlh->nlmsg_type);
				nl->expect--;
			}
		}
	}
}

static void nl_flush(struct nl *nl, const char *what, reply_fn *fn, void *arg)
{
	nl_send(nl);
	nl_collect(nl, what, fn, arg);
}

/* Room for one more request; sends (and collects) the batch when full. */
static struct nlmsghdr *nl_msg(struct nl *nl, size_t cap, uint16_t type, uint16_t flags, const char *what)
{
	struct nlmsghdr *nlh;

	if (nl->len + MSG_ROOM > cap)
		nl_flush(nl, what, NULL, NULL);
	nlh = mnl_nlmsg_put_header(nl->buf + nl->len);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = nl->seq++;
	return nlh;
}

static void nl_done(struct nl *nl, struct nlmsghdr *nlh, bool reply)
{
	nl->len += nlh->nlmsg_len;
	if (reply)
		nl->queued++;
}

/* ---- requests ---- */

static struct ifinfomsg *put_ifinfo(struct nlmsghdr *nlh, int index, unsigned flags)
{
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	ifi->ifi_flags = flags;
	ifi->ifi_change = flags;
	return ifi;
}

static void req_bridge(struct nl *nl, const char *name, bool up)
{
	struct nlmsghdr *nlh = nl_msg(nl, SEND_BUF, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, "bridges");
	struct nlattr *li;

	put_ifinfo(nlh, 0, up ? IFF_UP : 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, li);
	nl_done(nl, nlh, true);
}

static void req_getlink(struct nl *nl, size_t cap, const char *name)
{
	struct nlmsghdr *nlh = nl_msg(nl, cap, RTM_GETLINK, 0, "getlink");

	put_ifinfo(nlh, 0, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	nl_done(nl, nlh, true);
}

/* One tx and one rx queue: what a veth keeps anyway (see the top). */
static void put_queues(struct nlmsghdr *nlh, bool one_queue)
{
	if (!one_queue)
		return;
	mnl_attr_put_u32(nlh, IFLA_NUM_TX_QUEUES, 1);
	mnl_attr_put_u32(nlh, IFLA_NUM_RX_QUEUES, 1);
}

static void req_veth(struct nl *nl, const char *host, int master, int nsfd, bool one_queue)
{
	struct nlmsghdr *nlh = nl_msg(nl, SEND_BUF, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, "veths");
	struct nlattr *li, *data, *peer;

	put_ifinfo(nlh, 0, IFF_UP);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, host);
	put_queues(nlh, one_queue);
	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer's own header. It cannot be up at birth: veth_open() says
	 * ENOTCONN while the pair is not linked yet. */
	put_ifinfo(nlh, 0, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth0");
	put_queues(nlh, one_queue);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)nsfd);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	nl_done(nl, nlh, true);
}

/* IPv6 addr_gen_mode none on a link, by index or (index 0) by name. */
static void req_addr_gen_none(struct nl *nl, size_t cap, int index, const char *name)
{
	struct nlmsghdr *nlh = nl_msg(nl, cap, RTM_NEWLINK, NLM_F_ACK, "addr_gen_mode");
	struct nlattr *af, *in6;

	put_ifinfo(nlh, index, 0);
	if (!index)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	af = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	in6 = mnl_attr_nest_start(nlh, AF_INET6);
	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(nlh, in6);
	mnl_attr_nest_end(nlh, af);
	nl_done(nl, nlh, true);
}

static void req_dellink(struct nl *nl, const char *name, const char *what)
{
	struct nlmsghdr *nlh = nl_msg(nl, SEND_BUF, RTM_DELLINK, NLM_F_ACK, what);

	put_ifinfo(nlh, 0, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	nl_done(nl, nlh, true);
}

static void req_linkup(struct nl *nl, size_t cap, int index)
{
	struct nlmsghdr *nlh = nl_msg(nl, cap, RTM_NEWLINK, NLM_F_ACK, "link up");

	put_ifinfo(nlh, index, IFF_UP);
	nl_done(nl, nlh, true);
}

static void req_addr(struct nl *nl, size_t cap, int index, in_addr_t a, int plen)
{
	struct nlmsghdr *nlh = nl_msg(nl, cap, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, "address");
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)plen;
	ifa->ifa_flags = IFA_F_NODAD;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)index;
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(a), &a);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(a), &a);
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	nl_done(nl, nlh, true);
}

static void req_default_route(struct nl *nl, size_t cap, int index, in_addr_t gw)
{
	struct nlmsghdr *nlh = nl_msg(nl, cap, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, "route");
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = AF_INET;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_GATEWAY, sizeof(gw), &gw);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)index);
	nl_done(nl, nlh, true);
}

static void getlink_index(const struct nlmsghdr *nlh, void *arg)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK)
		die("getlink: unexpected reply type %u", nlh->nlmsg_type);
	*(int *)arg = ifi->ifi_index;
}

/* ---- nftables: one batch ---- */

static struct nlmsghdr *nft_msg(char *buf, uint16_t type, uint16_t flags, uint8_t family, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	g->res_id = htons(NFNL_SUBSYS_NFTABLES);
	return nlh;
}

#define NFT_TYPE(m) ((uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | (m)))

static struct nlattr *expr_begin(struct nlmsghdr *nlh, const char *name)
{
	struct nlattr *elem = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);

	mnl_attr_put_strz(nlh, NFTA_EXPR_NAME, name);
	return elem;
}

static void put_data(struct nlmsghdr *nlh, uint16_t type, const void *v, size_t len)
{
	struct nlattr *d = mnl_attr_nest_start(nlh, type);

	mnl_attr_put(nlh, NFTA_DATA_VALUE, len, v);
	mnl_attr_nest_end(nlh, d);
}

static void put_cmp(struct nlmsghdr *nlh, enum nft_cmp_ops op, const void *v, size_t len)
{
	struct nlattr *e = expr_begin(nlh, "cmp"), *d = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);

	mnl_attr_put_u32(nlh, NFTA_CMP_SREG, htonl(NFT_REG_1));
	mnl_attr_put_u32(nlh, NFTA_CMP_OP, htonl(op));
	put_data(nlh, NFTA_CMP_DATA, v, len);
	mnl_attr_nest_end(nlh, d);
	mnl_attr_nest_end(nlh, e);
}

static void nft_masquerade(bool add)
{
	char *buf = calloc(1, 8192);
	struct nl nl;
	struct nlmsghdr *nlh;
	size_t len = 0;
	uint32_t seq = 1;
	size_t acks = 0;

	if (!buf)
		die("out of memory");
	nl_open(&nl, NETLINK_NETFILTER, false);

	nlh = nft_msg(buf + len, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC, seq++);
	len += nlh->nlmsg_len;

	if (!add) {
		nlh = nft_msg(buf + len, NFT_TYPE(NFT_MSG_DELTABLE), NLM_F_ACK, NFPROTO_IPV4, seq++);
		mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, NFT_TABLE);
		len += nlh->nlmsg_len;
		acks++;
	} else {
		struct nlattr *hook, *exprs, *e, *d;
		uint32_t mask = htonl(0xff000000u), zero = 0, net = htonl(0x0a000000u);
		char ifname[IFNAMSIZ] = "br0";

		nlh = nft_msg(buf + len, NFT_TYPE(NFT_MSG_NEWTABLE), NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK,
			      NFPROTO_IPV4, seq++);
		mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, NFT_TABLE);
		len += nlh->nlmsg_len;
		acks++;

		nlh = nft_msg(buf + len, NFT_TYPE(NFT_MSG_NEWCHAIN), NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK,
			      NFPROTO_IPV4, seq++);
		mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, NFT_TABLE);
		mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, NFT_CHAIN);
		mnl_attr_put_strz(nlh, NFTA_CHAIN_TYPE, "nat");
		mnl_attr_put_u32(nlh, NFTA_CHAIN_POLICY, htonl(NF_ACCEPT));
		hook = mnl_attr_nest_start(nlh, NFTA_CHAIN_HOOK);
		mnl_attr_put_u32(nlh, NFTA_HOOK_HOOKNUM, htonl(NF_INET_POST_ROUTING));
		mnl_attr_put_u32(nlh, NFTA_HOOK_PRIORITY, htonl(100)); /* srcnat */
		mnl_attr_nest_end(nlh, hook);
		len += nlh->nlmsg_len;
		acks++;

		/* ip saddr 10.0.0.0/8 oifname != "br0" masquerade */
		nlh = nft_msg(buf + len, NFT_TYPE(NFT_MSG_NEWRULE), NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK,
			      NFPROTO_IPV4, seq++);
		mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, NFT_TABLE);
		mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, NFT_CHAIN);
		exprs = mnl_attr_nest_start(nlh, NFTA_RULE_EXPRESSIONS);

		e = expr_begin(nlh, "payload");
		d = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
		mnl_attr_put_u32(nlh, NFTA_PAYLOAD_DREG, htonl(NFT_REG_1));
		mnl_attr_put_u32(nlh, NFTA_PAYLOAD_BASE, htonl(NFT_PAYLOAD_NETWORK_HEADER));
		mnl_attr_put_u32(nlh, NFTA_PAYLOAD_OFFSET, htonl(12)); /* iphdr.saddr */
		mnl_attr_put_u32(nlh, NFTA_PAYLOAD_LEN, htonl(4));
		mnl_attr_nest_end(nlh, d);
		mnl_attr_nest_end(nlh, e);

		e = expr_begin(nlh, "bitwise");
		d = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
		mnl_attr_put_u32(nlh, NFTA_BITWISE_SREG, htonl(NFT_REG_1));
		mnl_attr_put_u32(nlh, NFTA_BITWISE_DREG, htonl(NFT_REG_1));
		mnl_attr_put_u32(nlh, NFTA_BITWISE_LEN, htonl(4));
		put_data(nlh, NFTA_BITWISE_MASK, &mask, sizeof(mask));
		put_data(nlh, NFTA_BITWISE_XOR, &zero, sizeof(zero));
		mnl_attr_nest_end(nlh, d);
		mnl_attr_nest_end(nlh, e);

		put_cmp(nlh, NFT_CMP_EQ, &net, sizeof(net));

		e = expr_begin(nlh, "meta");
		d = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
		mnl_attr_put_u32(nlh, NFTA_META_KEY, htonl(NFT_META_OIFNAME));
		mnl_attr_put_u32(nlh, NFTA_META_DREG, htonl(NFT_REG_1));
		mnl_attr_nest_end(nlh, d);
		mnl_attr_nest_end(nlh, e);

		put_cmp(nlh, NFT_CMP_NEQ, ifname, sizeof(ifname));

		e = expr_begin(nlh, "masq");
		mnl_attr_nest_end(nlh, e);

		mnl_attr_nest_end(nlh, exprs);
		len += nlh->nlmsg_len;
		acks++;
	}

	nlh = nft_msg(buf + len, NFNL_MSG_BATCH_END, 0, AF_UNSPEC, seq++);
	len += nlh->nlmsg_len;

	memcpy(nl.buf, buf, len);
	nl.len = len;
	nl.queued = acks;
	nl_flush(&nl, "nftables", NULL, NULL);
	nl_close(&nl);
	free(buf);
}

/* ---- namespaces, sysctl ---- */

/* /run/netns a shared mount point, so that mounts under it propagate. */
static void netns_dir(void)
{
	if (mkdir(NETNS_DIR, 0755) < 0 && errno != EEXIST)
		die("mkdir %s: %s", NETNS_DIR, strerror(errno));
	for (int tries = 0;; tries++) {
		if (mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
			return;
		if (errno != EINVAL || tries)
			die("mount --make-rshared %s: %s", NETNS_DIR, strerror(errno));
		if (mount(NETNS_DIR, NETNS_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
			die("mount --bind %s: %s", NETNS_DIR, strerror(errno));
	}
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		die("%s: %s", path, strerror(errno));
	close(fd);
}

static void raise_nofile(rlim_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit: %s", strerror(errno));
	if (rl.rlim_cur >= want)
		return;
	if (rl.rlim_max < want)
		rl.rlim_max = want;
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("cannot raise the open-file limit to %lu: %s", (unsigned long)want, strerror(errno));
}

static in_addr_t ip4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return htonl(a << 24 | b << 16 | c << 8 | d);
}

/* ---- the two modes ---- */

static void bridges_up(struct nl *host, const int *brx, unsigned nbr)
{
	for (unsigned k = 0; k < nbr; k++)
		req_linkup(host, SEND_BUF, brx[k]);
	nl_flush(host, "bridges up", NULL, NULL);
	phase("bridges up");
}

static void build(unsigned n, unsigned per, bool nat, bool one_queue, bool bridge_up_last, bool no_ll)
{
	unsigned nbr = (n + per - 1) / per;
	int *nsfd = calloc(n, sizeof(int)), *ifx = calloc(n, sizeof(int)), *brx = calloc(nbr, sizeof(int));
	struct nl *ns = calloc(n, sizeof(struct nl));
	struct nl host;
	char name[IFNAMSIZ + 8], path[64];
	int hostns;
	double t0 = now();

	if (!nsfd || !ifx || !brx || !ns)
		die("out of memory");
	raise_nofile((rlim_t)n * 2 + 64);
	t_phase = t0;

	netns_dir();
	hostns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (hostns < 0)
		die("/proc/self/ns/net: %s", strerror(errno));
	nl_open(&host, NETLINK_ROUTE, true);

	/* Namespaces: each born by unshare, pinned by a bind mount, with its
	 * own rtnetlink socket opened while inside; back home at the end. */
	for (unsigned i = 0; i < n; i++) {
		int fd;

		snprintf(path, sizeof(path), NETNS_DIR "/n%u", i);
		if (unshare(CLONE_NEWNET) < 0)
			die("unshare(CLONE_NEWNET): %s", strerror(errno));
		fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
		if (fd < 0)
			die("%s: %s", path, strerror(errno));
		close(fd);
		if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0)
			die("mount --bind /proc/self/ns/net %s: %s", path, strerror(errno));
		nsfd[i] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (nsfd[i] < 0)
			die("/proc/self/ns/net: %s", strerror(errno));
		nl_open(&ns[i], NETLINK_ROUTE, false);
	}
	if (setns(hostns, CLONE_NEWNET) < 0)
		die("setns(host): %s", strerror(errno));
	phase("namespaces");

	/* Host: bridges (up at birth, or down until the end), their indexes,
	 * their addresses. */
	for (unsigned k = 0; k < nbr; k++) {
		snprintf(name, sizeof(name), "br%u", k);
		req_bridge(&host, name, !bridge_up_last && !no_ll);
	}
	nl_flush(&host, "bridges", NULL, NULL);
	for (unsigned k = 0; k < nbr; k++) {
		snprintf(name, sizeof(name), "br%u", k);
		req_getlink(&host, SEND_BUF, name);
		nl_flush(&host, "bridge index", getlink_index, &brx[k]);
	}
	for (unsigned k = 0; no_ll && k < nbr; k++)
		req_addr_gen_none(&host, SEND_BUF, brx[k], NULL);
	for (unsigned k = 0; k < nbr; k++)
		req_addr(&host, SEND_BUF, brx[k], ip4(10, k, 0, 1), 16);
	nl_flush(&host, "bridge addresses", NULL, NULL);
	/* Up only once the mode is set (a bridge without ports has carrier). */
	if (no_ll && !bridge_up_last) {
		for (unsigned k = 0; k < nbr; k++)
			req_linkup(&host, SEND_BUF, brx[k]);
		nl_flush(&host, "bridges up", NULL, NULL);
	}
	phase("bridges");

	/* Veth pairs: host end enslaved and up, peer born in its namespace
	 * (with --one-queue, both ends with one tx and one rx queue). */
	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "h%u", i);
		req_veth(&host, name, brx[i / per], nsfd[i], one_queue);
	}
	nl_flush(&host, "veths", NULL, NULL);
	/* (The host ends are up, without carrier until their peers are.) */
	for (unsigned i = 0; no_ll && i < n; i++) {
		snprintf(name, sizeof(name), "h%u", i);
		req_addr_gen_none(&host, SEND_BUF, 0, name);
	}
	if (no_ll)
		nl_flush(&host, "addr_gen_mode", NULL, NULL);
	for (unsigned i = 0; i < n; i++)
		close(nsfd[i]);
	phase("veth pairs");

	/* In each namespace: eth0's index, then lo and eth0 up, address, route —
	 * first every request sent, then every reply read. */
	for (unsigned i = 0; i < n; i++) {
		req_getlink(&ns[i], 4096, "eth0");
		nl_send(&ns[i]);
	}
	for (unsigned i = 0; i < n; i++)
		nl_collect(&ns[i], "eth0 index", getlink_index, &ifx[i]);
	for (unsigned i = 0; i < n; i++) {
		unsigned k = i / per, j = i % per;

		req_linkup(&ns[i], 4096, 1);
		if (no_ll)
			req_addr_gen_none(&ns[i], 4096, ifx[i], NULL);
		req_linkup(&ns[i], 4096, ifx[i]);
		req_addr(&ns[i], 4096, ifx[i], ip4(10, k, j / 250, j % 250 + 2), 16);
		req_default_route(&ns[i], 4096, ifx[i], ip4(10, k, 0, 1));
		nl_send(&ns[i]);
	}
	for (unsigned i = 0; i < n; i++) {
		nl_collect(&ns[i], "namespace lo/address/route", NULL, NULL);
		nl_close(&ns[i]);
	}
	phase("addresses and routes");
	if (bridge_up_last)
		bridges_up(&host, brx, nbr);

	write_file("/proc/sys/net/ipv4/ip_forward", "1\n");
	if (nat)
		nft_masquerade(true);
	phase("ip_forward and nftables");

	nl_close(&host);
	close(hostns);
	fprintf(stderr, "floor: build of %u namespaces on %u bridge(s): %.1f ms\n", n, nbr, (now() - t0) * 1e3);
	free(nsfd);
	free(ifx);
	free(brx);
	free(ns);
}

static void teardown(unsigned n, unsigned per, bool nat, bool by_netns)
{
	unsigned nbr = (n + per - 1) / per;
	struct nl host;
	char name[IFNAMSIZ + 8], path[64];
	double t0 = now();

	t_phase = t0;
	nl_open(&host, NETLINK_ROUTE, true);
	if (!by_netns) {
		for (unsigned i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "h%u", i);
			req_dellink(&host, name, "delete veths");
		}
		nl_flush(&host, "delete veths", NULL, NULL);
		phase("delete veth pairs");
	}

	for (unsigned i = 0; i < n; i++) {
		snprintf(path, sizeof(path), NETNS_DIR "/n%u", i);
		if (umount2(path, MNT_DETACH) < 0)
			die("umount %s: %s", path, strerror(errno));
		if (unlink(path) < 0)
			die("unlink %s: %s", path, strerror(errno));
	}
	phase("unmount namespaces");

	for (unsigned k = 0; k < nbr; k++) {
		snprintf(name, sizeof(name), "br%u", k);
		req_dellink(&host, name, "delete bridges");
	}
	nl_flush(&host, "delete bridges", NULL, NULL);
	phase("delete bridges");

	if (nat)
		nft_masquerade(false);
	write_file("/proc/sys/net/ipv4/ip_forward", "0\n");
	phase("nftables and ip_forward");
	nl_close(&host);
	fprintf(stderr, "floor: teardown of %u namespaces: %.1f ms\n", n, (now() - t0) * 1e3);
}

static unsigned number(const char *s, const char *what, unsigned max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v == 0 || v > max)
		die("%s: want a number from 1 to %u, not \"%s\"", what, max, s);
	return (unsigned)v;
}

int main(int argc, char **argv)
{
	unsigned per = 500, n;
	bool nat = true, by_netns = false, one_queue = false, bridge_up_last = false, no_ll = false;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--no-nat") == 0)
			nat = false;
		else if (strcmp(argv[i], "--tight") == 0)
			one_queue = bridge_up_last = true;
		else if (strcmp(argv[i], "--one-queue") == 0)
			one_queue = true;
		else if (strcmp(argv[i], "--bridge-up-last") == 0)
			bridge_up_last = true;
		else if (strcmp(argv[i], "--addr-gen-none") == 0)
			no_ll = true;
		else if (strcmp(argv[i], "--by-netns") == 0)
			by_netns = true;
		else if (strcmp(argv[i], "--per-bridge") == 0 && i + 1 < argc)
			per = number(argv[++i], "--per-bridge", 1023);
		else
			break;
	}
	if (argc - i != 2 || (strcmp(argv[i], "build") != 0 && strcmp(argv[i], "teardown") != 0)) {
		fprintf(stderr, "usage: %s [--no-nat] [--per-bridge P] [--tight | --one-queue | --bridge-up-last] "
			"[--addr-gen-none] [--by-netns] build|teardown N\n", prog);
		return 2;
	}
	n = number(argv[i + 1], "N", 100000);
	if ((n + per - 1) / per > 255)
		die("too many bridges: at most 255 (N/P)");
	if (strcmp(argv[i], "build") == 0)
		build(n, per, nat, one_queue, bridge_up_last, no_ll);
	else
		teardown(n, per, nat, by_netns);
	return 0;
}
