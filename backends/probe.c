// SPDX-License-Identifier: MIT
/*
 * Reachability probes for `topo check`, run from inside a namespace: the
 * socket is made there (setns in, socket(), setns back) and keeps talking
 * from there. ping is a raw ICMP echo, tcp a non-blocking connect().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "backends/internal.h"

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

/* Echo requests every 200 ms (the first may wait for ARP/ND) until a reply
 * with our id comes or the time is up. */
static int probe_ping(struct backend *b, struct bns *ns, const struct topo_ip *dst, int timeout_ms, double *ret_ms)
{
	bool v6 = dst->family == AF_INET6;
	struct sockaddr_storage ss;
	socklen_t sslen;
	uint16_t id = (uint16_t)(getpid() ^ (uintptr_t)ns);
	double start = mono_ms(), next = start;
	int fd, r = -ETIMEDOUT;
	uint16_t seq = 0;

	fd = socket_in(b, ns, dst->family, SOCK_RAW, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (fd < 0)
		return backend_fail(b, "raw ICMP socket: %s", strerror(-fd)), fd;
	sockaddr_of(dst, 0, &ss, &sslen);
	for (;;) {
		double now = mono_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		unsigned char buf[1500];

		if (now - start >= timeout_ms)
			break;
		if (now >= next) {
			struct { struct icmphdr h; char payload[16]; } req;

			memset(&req, 0, sizeof(req));
			req.h.type = v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
			req.h.un.echo.id = htons(id);
			req.h.un.echo.sequence = htons(++seq);
			memcpy(req.payload, "topo check probe", 16);
			if (!v6)   /* the kernel fills ICMPv6 checksums itself */
				req.h.checksum = icmp_checksum(&req, sizeof(req));
			if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&ss, sslen) < 0) {
				r = -errno;
				backend_fail(b, "%s", strerror(errno));
				/* No route is final; a neighbour not answering yet may still. */
				if (errno != EHOSTUNREACH)
					break;
			}
			next = now + 200;
		}
		int wait = (int)(next - now);

		if (wait > timeout_ms - (now - start))
			wait = (int)(timeout_ms - (now - start)) + 1;
		if (poll(&pfd, 1, wait > 0 ? wait : 0) <= 0)
			continue;
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		const unsigned char *icmp = buf;

		if (n <= 0)
			continue;
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
			r = 0;
			*ret_ms = mono_ms() - start;
			break;
		}
		if (h->type == (v6 ? ICMP6_DST_UNREACH : ICMP_DEST_UNREACH)) {
			r = -EHOSTUNREACH;
			backend_fail(b, "destination unreachable");
		}
	}
	if (r == -ETIMEDOUT)
		backend_fail(b, "no reply in %d ms", timeout_ms);
	close(fd);
	return r;
}

static int probe_tcp(struct backend *b, struct bns *ns, const struct topo_ip *dst, uint16_t port, int timeout_ms,
	      double *ret_ms)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	double start = mono_ms();
	int fd, r, err = 0;
	socklen_t errlen = sizeof(err);
	struct pollfd pfd;

	fd = socket_in(b, ns, dst->family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return backend_fail(b, "socket: %s", strerror(-fd)), fd;
	sockaddr_of(dst, port, &ss, &sslen);
	r = connect(fd, (struct sockaddr *)&ss, sslen);
	if (r < 0 && errno != EINPROGRESS) {
		r = -errno;
		goto out;
	}
	pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
	r = poll(&pfd, 1, timeout_ms);
	if (r == 0) {
		r = -ETIMEDOUT;
		goto out;
	}
	if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0) {
		r = -errno;
		goto out;
	}
	r = -err;
	if (r == 0)
		*ret_ms = mono_ms() - start;
out:
	if (r < 0)
		backend_fail(b, "%s", r == -ETIMEDOUT ? "no answer (timed out)" : strerror(-r));
	close(fd);
	return r;
}

int backend_ping(struct backend *b, const struct topo_ns *ns, const struct topo_ip *dst, int timeout_ms,
		 double *ret_ms)
{
	struct bns *bn;
	int r = bns_open(b, ns->name, ns->kind, ns->path, ns->pid, &bn);

	if (r < 0)
		return backend_fail(b, "namespace %s cannot be entered (%s)", ns->name, strerror(-r)), r;
	return probe_ping(b, bn, dst, timeout_ms, ret_ms);
}

int backend_tcp(struct backend *b, const struct topo_ns *ns, const struct topo_ip *dst, uint16_t port,
		int timeout_ms, double *ret_ms)
{
	struct bns *bn;
	int r = bns_open(b, ns->name, ns->kind, ns->path, ns->pid, &bn);

	if (r < 0)
		return backend_fail(b, "namespace %s cannot be entered (%s)", ns->name, strerror(-r)), r;
	return probe_tcp(b, bn, dst, port, timeout_ms, ret_ms);
}
