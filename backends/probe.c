// SPDX-License-Identifier: MIT
/*
 * Probes for `topo check`, run from inside a namespace: every socket is made
 * there (setns in, socket(), setns back) and keeps talking from there. ping
 * is a raw ICMP echo (optionally of a given size, with don't-fragment), tcp a
 * non-blocking connect(), udp a datagram that topo's own listener echoes.
 * The listeners are sockets too, each made in the namespace that should
 * receive the connection, so that what the receiving end saw (the peer
 * address, which listener got it) is observed, not guessed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <libmnl/libmnl.h>
#include <linux/errqueue.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "backends/internal.h"
#include "model/linktype.h"
#include "model/ip.h"

#define PING_BUF (65536 + 64)
#define RESEND_MS 200

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int socket_in(struct backend *b, struct bns *ns, int family, int type, int proto)
{
	int fd, r;

	if (ns->kind != TOPO_NS_IS_HOST) {
		r = netns_enter(b, ns);
		if (r < 0)
			return r;
	}
	fd = socket(family, type | SOCK_CLOEXEC, proto);
	r = fd < 0 ? -errno : fd;
	if (ns->kind != TOPO_NS_IS_HOST)
		netns_leave(b);
	return r;
}

static void sockaddr_of(const struct topo_ip *ip, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (ip->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, ip->bytes, 16);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, ip->bytes, 4);
		*len = sizeof(*s4);
	}
}

static void ip_of_sockaddr(const struct sockaddr_storage *ss, struct topo_ip *ip, uint16_t *port)
{
	memset(ip, 0, sizeof(*ip));
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

		if (memcmp(&s6->sin6_addr, mapped, 12) == 0) {
			ip->family = AF_INET;
			ip->plen = 32;
			memcpy(ip->bytes, (const uint8_t *)&s6->sin6_addr + 12, 4);
		} else {
			ip->family = AF_INET6;
			ip->plen = 128;
			memcpy(ip->bytes, &s6->sin6_addr, 16);
		}
		*port = ntohs(s6->sin6_port);
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		ip->family = AF_INET;
		ip->plen = 32;
		memcpy(ip->bytes, &s4->sin_addr, 4);
		*port = ntohs(s4->sin_port);
	}
}

static uint16_t icmp_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static enum probe_reason reason_of_errno(int err)
{
	switch (err) {
	case 0: return PROBE_OK;
	case ENETUNREACH: case EHOSTUNREACH: case EADDRNOTAVAIL: case ENONET: case EHOSTDOWN:
		return PROBE_NO_ROUTE;
	case ECONNREFUSED: return PROBE_REFUSED;
	case ETIMEDOUT: return PROBE_TIMEOUT;
	case EMSGSIZE: return PROBE_TOO_BIG;
	default: return PROBE_ERROR;
	}
}

/* The path MTU a connected socket's route carries now. */
static unsigned path_mtu(int fd, bool v6)
{
	int mtu = 0;
	socklen_t len = sizeof(mtu);

	if (getsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_MTU : IP_MTU, &mtu, &len) < 0 || mtu < 0)
		return 0;
	return (unsigned)mtu;
}

/* After a socket error: what the error queue says (the ICMP error, who sent
 * it, the MTU it carries), newest last. */
static void ping_error_queue(int fd, struct probe_result *res, int *err, char *offender, size_t len)
{
	for (int i = 0; i < 8; i++) {
		char data[256], cbuf[512];
		struct iovec iov = { data, sizeof(data) };
		struct sockaddr_storage from;
		struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };

		if (recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			return;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			const struct sock_extended_err *ee = (const void *)CMSG_DATA(cm);
			const struct sockaddr *off;

			if (!((cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_RECVERR) ||
			      (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_RECVERR)))
				continue;
			*err = (int)ee->ee_errno;
			if (ee->ee_errno == EMSGSIZE)
				res->mtu = ee->ee_info;
			off = SO_EE_OFFENDER(ee);
			if (ee->ee_origin == SO_EE_ORIGIN_ICMP || ee->ee_origin == SO_EE_ORIGIN_ICMP6) {
				struct topo_ip ip;
				char buf[TOPO_IP_STRLEN];
				uint16_t port;

				ip_of_sockaddr((const struct sockaddr_storage *)(const void *)off, &ip, &port);
				if (ip.family) {
					topo_ip_format(&ip, false, buf, sizeof(buf));
					snprintf(offender, len, " (from %s)", buf);
				}
			}
		}
	}
}

/*
 * Echo requests every RESEND_MS (the first may wait for ARP/ND) until a reply
 * with our id comes or the time is up. The socket is connected, so errors the
 * network reports about our packets (unreachable, fragmentation needed) come
 * back as socket errors, and IP_MTU then tells the path MTU.
 */
static int probe_ping(struct backend *b, struct bns *ns, const struct probe_request *rq, struct probe_result *res)
{
	const struct topo_ip *dst = &rq->dst;
	bool v6 = dst->family == AF_INET6;
	size_t payload = rq->has_size ? rq->size : 16, len = sizeof(struct icmphdr) + payload;
	struct sockaddr_storage ss;
	socklen_t sslen;
	uint16_t id = (uint16_t)(getpid() ^ (uintptr_t)ns ^ (uintptr_t)rq);
	double start = mono_ms(), next = start;
	int fd, err = ETIMEDOUT;
	uint16_t seq = 0;
	unsigned char *req = NULL, *buf = NULL;
	char offender[TOPO_IP_STRLEN + 8] = "";

	fd = socket_in(b, ns, dst->family, SOCK_RAW, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (fd < 0)
		return backend_fail(b, "raw ICMP socket: %s", strerror(-fd)), fd;
	req = calloc(1, len);
	buf = malloc(PING_BUF);
	if (!req || !buf) {
		err = ENOMEM;
		goto out;
	}
	if (rq->df || rq->has_size) {
		/* With df the kernel refuses to fragment (locally EMSGSIZE, remotely
		 * "fragmentation needed"); a plain sized ping may be fragmented. */
		int v = v6 ? (rq->df ? IPV6_PMTUDISC_DO : IPV6_PMTUDISC_DONT) : (rq->df ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT);

		if (setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_MTU_DISCOVER : IP_MTU_DISCOVER, &v,
			       sizeof(v)) < 0) {
			err = errno;
			goto out;
		}
	}
	/* Every error about our packets, with who sent it and the MTU it gives. */
	if (setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_RECVERR : IP_RECVERR, &(int){ 1 }, sizeof(int)) < 0) {
		err = errno;
		goto out;
	}
	sockaddr_of(dst, 0, &ss, &sslen);
	if (connect(fd, (struct sockaddr *)&ss, sslen) < 0) {
		err = errno;
		goto out;
	}
	for (size_t i = 0; i < payload; i++)
		req[sizeof(struct icmphdr) + i] = (unsigned char)"topo check probe"[i % 16];
	for (;;) {
		double now = mono_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (now - start >= rq->timeout_ms)
			break;
		if (now >= next) {
			struct icmphdr *h = (struct icmphdr *)(void *)req;

			h->type = v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
			h->code = 0;
			h->checksum = 0;
			h->un.echo.id = htons(id);
			h->un.echo.sequence = htons(++seq);
			if (!v6)   /* the kernel fills ICMPv6 checksums itself */
				h->checksum = icmp_checksum(req, len);
			if (send(fd, req, len, 0) < 0) {
				err = errno;
				/* A neighbour not answering yet may still; anything else is final. */
				if (errno != EHOSTUNREACH)
					break;
			}
			next = now + RESEND_MS;
		}
		int wait = (int)(next - now);

		if (wait > rq->timeout_ms - (now - start))
			wait = (int)(rq->timeout_ms - (now - start)) + 1;
		if (poll(&pfd, 1, wait > 0 ? wait : 0) <= 0)
			continue;
		ssize_t n = recv(fd, buf, PING_BUF, 0);
		const unsigned char *icmp = buf;

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			err = errno;
			ping_error_queue(fd, res, &err, offender, sizeof(offender));
			break;
		}
		/* IPv4 raw sockets hand over the IP header too; ICMPv6 ones do not. */
		if (!v6) {
			size_t hl = (size_t)(buf[0] & 0x0f) * 4;

			if ((size_t)n < hl + 8)
				continue;
			icmp = buf + hl;
			n -= (ssize_t)hl;
		}
		if (n < 8)
			continue;
		const struct icmphdr *h = (const struct icmphdr *)(const void *)icmp;

		if (h->type == (v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY) && ntohs(h->un.echo.id) == id) {
			err = 0;
			res->ms = mono_ms() - start;
			break;
		}
	}
out:
	res->reason = reason_of_errno(err);
	if (err == EMSGSIZE) {
		if (!res->mtu)
			res->mtu = path_mtu(fd, v6);
		if (res->mtu)
			backend_fail(b, "%zu bytes do not fit the path MTU %u", len + (v6 ? 40 : 20), res->mtu);
		else
			backend_fail(b, "%zu bytes do not fit the path MTU", len + (v6 ? 40 : 20));
	} else if (err == ETIMEDOUT)
		backend_fail(b, "no reply in %d ms", rq->timeout_ms);
	else if (err)
		backend_fail(b, "%s%s", strerror(err), offender);
	free(req);
	free(buf);
	close(fd);
	return err == ENOMEM ? -ENOMEM : 0;
}

/* ------------------------------------------------------------ listeners -- */

struct listeners {
	int fd[PROBE_MAX_LISTEN];
	size_t n;
};

static void listeners_close(struct listeners *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->fd[i] >= 0)
			close(l->fd[i]);
	l->n = 0;
}

/* One socket per listen[] entry, made in its namespace and bound to the
 * address the connection arrives at (or that namespace's wildcard address):
 * nothing outside the namespace can reach it. A port already taken there
 * is someone else's server: left alone, marked held. */
static int listeners_open(struct backend *b, const struct probe_request *rq, struct listeners *l,
			  struct probe_result *res)
{
	bool v6 = rq->dst.family == AF_INET6, udp = rq->kind == TOPO_CHECK_UDP;
	int one = 1;

	l->n = 0;
	for (size_t i = 0; i < rq->n_listen && i < PROBE_MAX_LISTEN; i++) {
		const struct topo_ns *tns = rq->listen[i].ns;
		struct sockaddr_storage ss;
		socklen_t sslen;
		struct topo_ip any = rq->listen[i].addr.family == rq->dst.family ? rq->listen[i].addr
						 : (struct topo_ip){ .family = rq->dst.family };
		struct bns *bn;
		int r = bns_open(b, tns->name, tns->kind, tns->path, tns->pid, &bn), fd;

		l->fd[l->n++] = -1;
		if (r < 0)
			return backend_fail(b, "namespace %s cannot be entered (%s)", tns->name, strerror(-r)), r;
		fd = socket_in(b, bn, rq->dst.family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK, 0);
		if (fd < 0)
			return backend_fail(b, "listener in %s: socket: %s", tns->name, strerror(-fd)), fd;
		l->fd[l->n - 1] = fd;
		/* SO_REUSEADDR lets us bind over TIME_WAIT leftovers, never over a
		 * listening or bound socket. */
		if ((!udp && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) ||
		    (v6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
		    (udp && setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_RECVPKTINFO : IP_PKTINFO, &one,
				       sizeof(one)) < 0))
			return backend_fail(b, "listener in %s: %s", tns->name, strerror(errno)), -errno;
		sockaddr_of(&any, rq->listen[i].port, &ss, &sslen);
		if (bind(fd, (struct sockaddr *)&ss, sslen) < 0) {
			if (errno != EADDRINUSE)
				return backend_fail(b, "listener in %s port %u: %s", tns->name, rq->listen[i].port,
						    strerror(errno)), -errno;
			res->held[i] = true;
			close(fd);
			l->fd[l->n - 1] = -1;
			continue;
		}
		if (!udp && listen(fd, 16) < 0)
			return backend_fail(b, "listener in %s: %s", tns->name, strerror(errno)), -errno;
	}
	return 0;
}

/* A connection waiting on one of our listeners: who it came from. */
static void tcp_accept_ready(const struct listeners *l, const struct pollfd *pfd, struct probe_result *res)
{
	for (size_t i = 0; i < l->n; i++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int c;

		if (l->fd[i] < 0 || !(pfd[i].revents & POLLIN) || res->received_by >= 0)
			continue;
		c = accept4(l->fd[i], (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		ip_of_sockaddr(&peer, &res->peer, &res->peer_port);
		res->received_by = (int)i;
		close(c);
	}
}

struct diag_match {
	uint16_t port, peer_port;         /* the server's port; the client's, as it arrives */
	struct probe_result *res;
	bool found;
};

static int diag_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct diag_match *m = arg;
	const struct inet_diag_msg *d = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY || m->found || ntohs(d->id.idiag_sport) != m->port ||
	    ntohs(d->id.idiag_dport) != m->peer_port)
		return MNL_CB_OK;
	memset(&m->res->peer, 0, sizeof(m->res->peer));
	m->res->peer.family = d->idiag_family;
	m->res->peer.plen = d->idiag_family == AF_INET6 ? 128 : 32;
	memcpy(m->res->peer.bytes, d->id.idiag_dst, d->idiag_family == AF_INET6 ? 16 : 4);
	m->res->peer_port = m->peer_port;
	m->found = true;
	return MNL_CB_OK;
}

/*
 * Someone else's server holds the port: what it saw is in the namespace's
 * socket table (sock_diag), the connection whose peer port is our client's.
 * The source port survives NAT unless it clashes, so a miss is "unknown",
 * never a guess.
 */
static bool tcp_peer_from_diag(struct backend *b, struct bns *ns, int family, uint16_t port, uint16_t client_port,
			       struct probe_result *res)
{
	struct diag_match m = { .port = port, .peer_port = client_port, .res = res };
	char buf[32768];
	struct mnl_socket *sk;
	bool ok = true;

	if (ns->kind != TOPO_NS_IS_HOST && netns_enter(b, ns) < 0)
		return false;
	sk = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (ns->kind != TOPO_NS_IS_HOST)
		netns_leave(b);
	if (!sk)
		return false;
	if (mnl_socket_bind(sk, 0, MNL_SOCKET_AUTOPID) < 0)
		ok = false;
	for (int fam = 0; ok && fam < 2 && !m.found; fam++) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct inet_diag_req_v2 *rq;
		unsigned seq = (unsigned)fam + 1, pid = mnl_socket_get_portid(sk);
		ssize_t n;

		/* A v4 client reaches a dual-stack v6 server as a mapped address. */
		if (fam == 1 && family == AF_INET6)
			break;
		nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		nlh->nlmsg_seq = seq;
		rq = mnl_nlmsg_put_extra_header(nlh, sizeof(*rq));
		rq->sdiag_family = (uint8_t)(fam == 0 ? family : AF_INET6);
		rq->sdiag_protocol = IPPROTO_TCP;
		rq->idiag_states = (1u << TCP_ESTABLISHED) | (1u << TCP_SYN_RECV) | (1u << 12 /* TCP_NEW_SYN_RECV */) |
				   (1u << TCP_CLOSE_WAIT);
		if (mnl_socket_sendto(sk, nlh, nlh->nlmsg_len) < 0)
			break;
		while ((n = mnl_socket_recvfrom(sk, buf, sizeof(buf))) > 0) {
			int r = mnl_cb_run(buf, (size_t)n, seq, pid, diag_cb, &m);

			if (r <= MNL_CB_STOP)
				break;
		}
		if (fam == 1 && m.found && m.res->peer.family == AF_INET6) {
			static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

			if (memcmp(m.res->peer.bytes, mapped, 12) == 0) {
				memmove(m.res->peer.bytes, m.res->peer.bytes + 12, 4);
				memset(m.res->peer.bytes + 4, 0, 12);
				m.res->peer.family = AF_INET;
				m.res->peer.plen = 32;
			}
		}
	}
	mnl_socket_close(sk);
	return m.found;
}

static int probe_tcp(struct backend *b, struct bns *ns, const struct probe_request *rq, const struct listeners *l,
		     struct probe_result *res)
{
	struct sockaddr_storage ss;
	socklen_t sslen, errlen = sizeof(int);
	double start = mono_ms(), connected_at = 0;
	struct pollfd pfd[PROBE_MAX_LISTEN + 1];
	int fd, err = ETIMEDOUT;
	bool any_ours = false;

	fd = socket_in(b, ns, rq->dst.family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return backend_fail(b, "socket: %s", strerror(-fd)), fd;
	sockaddr_of(&rq->dst, rq->port, &ss, &sslen);
	if (connect(fd, (struct sockaddr *)&ss, sslen) < 0 && errno != EINPROGRESS) {
		err = errno;
		goto out;
	}
	for (size_t i = 0; i < l->n; i++) {
		pfd[i] = (struct pollfd){ .fd = l->fd[i], .events = POLLIN };
		any_ours |= l->fd[i] >= 0;
	}
	pfd[l->n] = (struct pollfd){ .fd = fd, .events = POLLOUT };
	for (;;) {
		double now = mono_ms();
		int left = (int)(rq->timeout_ms - (now - start));

		/* Connected: give our listener a moment to see the handshake end. */
		if (connected_at && (res->received_by >= 0 || !any_ours || now - connected_at > 500 || left <= 0))
			break;
		if (!connected_at && left <= 0)
			break;
		if (poll(pfd, l->n + 1, left > 0 ? left : 1) < 0 && errno != EINTR) {
			err = errno;
			break;
		}
		tcp_accept_ready(l, pfd, res);
		if (!connected_at && pfd[l->n].revents) {
			int e = 0;

			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &errlen) < 0)
				e = errno;
			err = e;
			if (e)
				break;
			connected_at = mono_ms();
			res->ms = connected_at - start;
			pfd[l->n].fd = -1;
		}
	}
	/* Connected, but not to us: to a server already there, if any. */
	if (connected_at && res->received_by < 0) {
		struct sockaddr_storage me;
		socklen_t melen = sizeof(me);
		struct topo_ip myip;
		uint16_t myport = 0;

		if (getsockname(fd, (struct sockaddr *)&me, &melen) == 0)
			ip_of_sockaddr(&me, &myip, &myport);
		for (int attempt = 0; attempt < 5 && res->received_by < 0 && myport; attempt++) {
			for (size_t i = 0; i < rq->n_listen && res->received_by < 0; i++) {
				const struct topo_ns *tns = rq->listen[i].ns;
				struct bns *bn;

				if (res->held[i] && bns_open(b, tns->name, tns->kind, tns->path, tns->pid, &bn) == 0 &&
				    tcp_peer_from_diag(b, bn, rq->dst.family, rq->listen[i].port, myport, res))
					res->received_by = (int)i;
			}
			if (res->received_by < 0)
				nanosleep(&(struct timespec){ 0, 20 * 1000000L }, NULL);
		}
		if (res->received_by >= 0)
			res->received_foreign = true;
	}
out:
	res->reason = reason_of_errno(err);
	if (err)
		backend_fail(b, "%s", err == ETIMEDOUT ? "no answer (timed out)" : strerror(err));
	close(fd);
	return 0;
}

/* A datagram for our UDP listener: echo it to its sender, from the address
 * it was sent to (so conntrack undoes any NAT on the way back). */
static void udp_echo_ready(const struct listeners *l, const struct pollfd *pfd, const char *token,
			   struct probe_result *res)
{
	for (size_t i = 0; i < l->n; i++) {
		char data[64], cbuf[256];
		struct sockaddr_storage peer;
		struct iovec iov = { data, sizeof(data) };
		struct msghdr mh = { .msg_name = &peer, .msg_namelen = sizeof(peer), .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		ssize_t n;

		if (l->fd[i] < 0 || !(pfd[i].revents & POLLIN))
			continue;
		while ((n = recvmsg(l->fd[i], &mh, 0)) >= 0) {
			char obuf[CMSG_SPACE(sizeof(struct in6_pktinfo))] = { 0 };
			struct msghdr out = { .msg_name = &peer, .msg_namelen = mh.msg_namelen, .msg_iov = &iov,
					      .msg_iovlen = 1 };

			iov.iov_len = (size_t)n;
			if ((size_t)n == strlen(token) && memcmp(data, token, (size_t)n) == 0) {
				for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
					if ((cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) ||
					    (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO)) {
						size_t dl = cm->cmsg_len - CMSG_LEN(0);
						struct cmsghdr *oc;

						out.msg_control = obuf;
						out.msg_controllen = CMSG_SPACE(dl);
						oc = CMSG_FIRSTHDR(&out);
						oc->cmsg_level = cm->cmsg_level;
						oc->cmsg_type = cm->cmsg_type;
						oc->cmsg_len = cm->cmsg_len;
						memcpy(CMSG_DATA(oc), CMSG_DATA(cm), dl);
						if (cm->cmsg_level == IPPROTO_IP) {
							struct in_pktinfo *pi = (struct in_pktinfo *)(void *)CMSG_DATA(oc);

							pi->ipi_spec_dst = pi->ipi_addr;
							pi->ipi_ifindex = 0;
						}
					}
				}
				if (res->received_by < 0) {
					ip_of_sockaddr(&peer, &res->peer, &res->peer_port);
					res->received_by = (int)i;
				}
				(void)sendmsg(l->fd[i], &out, MSG_DONTWAIT);
			}
			iov.iov_len = sizeof(data);
			mh.msg_namelen = sizeof(peer);
			mh.msg_controllen = sizeof(cbuf);
		}
	}
}

static int probe_udp(struct backend *b, struct bns *ns, const struct probe_request *rq, const struct listeners *l,
		     struct probe_result *res)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	double start = mono_ms(), next = start;
	struct pollfd pfd[PROBE_MAX_LISTEN + 1];
	char token[48];
	int fd, err = ETIMEDOUT;
	bool sent = false;

	snprintf(token, sizeof(token), "topo check %d.%ld", (int)getpid(), (long)(start * 1000));
	fd = socket_in(b, ns, rq->dst.family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return backend_fail(b, "socket: %s", strerror(-fd)), fd;
	sockaddr_of(&rq->dst, rq->port, &ss, &sslen);
	if (connect(fd, (struct sockaddr *)&ss, sslen) < 0) {
		err = errno;
		goto out;
	}
	for (size_t i = 0; i < l->n; i++)
		pfd[i] = (struct pollfd){ .fd = l->fd[i], .events = POLLIN };
	pfd[l->n] = (struct pollfd){ .fd = fd, .events = POLLIN };
	for (;;) {
		double now = mono_ms();
		int left = (int)(rq->timeout_ms - (now - start)), wait;

		if (left <= 0)
			break;
		if (now >= next) {
			if (send(fd, token, strlen(token), 0) < 0 && errno != EAGAIN) {
				err = errno;
				if (errno != EHOSTUNREACH)
					break;
			} else
				sent = true;
			next = now + RESEND_MS;
		}
		wait = (int)(next - now);
		if (wait > left)
			wait = left;
		if (poll(pfd, l->n + 1, wait > 0 ? wait : 1) <= 0)
			continue;
		udp_echo_ready(l, pfd, token, res);
		if (pfd[l->n].revents) {
			char data[64];
			ssize_t n = recv(fd, data, sizeof(data), 0);

			if (n >= 0) {
				/* Only the destination can answer a connected socket; another
				 * server's answer need not be our echo. */
				err = 0;
				res->ms = mono_ms() - start;
				break;
			}
			if (errno == EAGAIN || errno == EINTR)
				continue;
			err = errno;   /* port unreachable (refused), host unreachable */
			break;
		}
	}
out:
	res->reason = reason_of_errno(err);
	if (err == ETIMEDOUT)
		backend_fail(b, "%s", sent ? "no echo (timed out)" : "could not send");
	else if (err)
		backend_fail(b, "%s", strerror(err));
	close(fd);
	return 0;
}

int backend_probe(struct backend *b, const struct probe_request *rq, struct probe_result *ret)
{
	struct listeners l = { .n = 0 };
	struct bns *bn;
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->received_by = -1;
	r = bns_open(b, rq->from->name, rq->from->kind, rq->from->path, rq->from->pid, &bn);
	if (r < 0)
		return backend_fail(b, "namespace %s cannot be entered (%s)", rq->from->name, strerror(-r)), r;
	if (rq->kind == TOPO_CHECK_PING)
		return probe_ping(b, bn, rq, ret);
	r = listeners_open(b, rq, &l, ret);
	if (r == 0)
		r = rq->kind == TOPO_CHECK_TCP ? probe_tcp(b, bn, rq, &l, ret) : probe_udp(b, bn, rq, &l, ret);
	listeners_close(&l);
	return r;
}

int backend_ns_owner(struct backend *b, const struct topo_ns *ns, char *owner, size_t len)
{
	struct topo_ns seen = { 0 };
	struct bns *bn;
	int r = bns_open(b, ns->name, ns->kind, ns->path, ns->pid, &bn);

	if (r < 0)
		return backend_fail(b, "namespace %s cannot be entered (%s)", ns->name,
				    r == -ENOENT ? "it does not exist" : strerror(-r)), r;
	r = link_observe(b, bn, &seen);
	owner[0] = '\0';
	for (size_t i = 0; r == 0 && i < seen.n_ifaces; i++)
		if (topo_lt_is(seen.ifaces[i].type, TOPO_LT_KERNEL) && seen.ifaces[i].owned)
			snprintf(owner, len, "%s", seen.ifaces[i].owner);
	topo_ns_clear(&seen);
	return r;
}
