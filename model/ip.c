// SPDX-License-Identifier: MIT
#include "model/ip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

unsigned topo_ip_maxlen(uint8_t family)
{
	return family == AF_INET6 ? 128 : 32;
}

int topo_ip_parse_addr(const char *s, struct topo_ip *ret)
{
	struct topo_ip ip = { 0 };

	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, ip.bytes) != 1)
			return -EINVAL;
		ip.family = AF_INET6;
	} else {
		if (inet_pton(AF_INET, s, ip.bytes) != 1)
			return -EINVAL;
		ip.family = AF_INET;
	}
	ip.plen = (uint8_t)topo_ip_maxlen(ip.family);
	*ret = ip;
	return 0;
}

int topo_ip_parse(const char *s, struct topo_ip *ret)
{
	char buf[TOPO_IP_STRLEN];
	const char *slash = strchr(s, '/');
	struct topo_ip ip;
	size_t n;
	unsigned plen = 0;

	if (!slash)
		return topo_ip_parse_addr(s, ret);
	n = (size_t)(slash - s);
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (topo_ip_parse_addr(buf, &ip) < 0)
		return -EINVAL;
	/* Digits only: strtoul would take "+8", " 8" and "0x8". */
	slash++;
	if (!*slash || strlen(slash) > 3)
		return -EINVAL;
	for (const char *p = slash; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		plen = plen * 10 + (unsigned)(*p - '0');
	}
	if (plen > topo_ip_maxlen(ip.family))
		return -EINVAL;
	ip.plen = (uint8_t)plen;
	*ret = ip;
	return 0;
}

const char *topo_ip_format(const struct topo_ip *ip, bool with_plen, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!ip->family) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (!inet_ntop(ip->family, ip->bytes, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (with_plen)
		snprintf(buf, len, "%s/%u", a, ip->plen);
	else
		snprintf(buf, len, "%s", a);
	return buf;
}

bool topo_ip_is_network(const struct topo_ip *ip)
{
	struct topo_ip net = *ip;

	topo_ip_to_network(&net);
	return memcmp(net.bytes, ip->bytes, sizeof(net.bytes)) == 0;
}

void topo_ip_to_network(struct topo_ip *ip)
{
	unsigned max = topo_ip_maxlen(ip->family);

	for (unsigned bit = ip->plen; bit < max; bit++)
		ip->bytes[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	for (unsigned byte = max / 8; byte < sizeof(ip->bytes); byte++)
		ip->bytes[byte] = 0;
}

bool topo_ip_contains(const struct topo_ip *net, const struct topo_ip *addr)
{
	struct topo_ip a = *addr;

	if (net->family != addr->family)
		return false;
	a.plen = net->plen;
	topo_ip_to_network(&a);
	struct topo_ip n = *net;
	topo_ip_to_network(&n);
	return memcmp(a.bytes, n.bytes, sizeof(a.bytes)) == 0;
}

int topo_ip_cmp(const struct topo_ip *a, const struct topo_ip *b)
{
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	r = memcmp(a->bytes, b->bytes, topo_ip_maxlen(a->family) / 8);
	if (r)
		return r < 0 ? -1 : 1;
	if (a->plen != b->plen)
		return a->plen < b->plen ? -1 : 1;
	return 0;
}

bool topo_ip_equal(const struct topo_ip *a, const struct topo_ip *b)
{
	return topo_ip_cmp(a, b) == 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int topo_mac_parse(const char *s, uint8_t ret[6])
{
	uint8_t mac[6];

	if (strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[i * 3]), lo = hexval(s[i * 3 + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		if (i < 5 && s[i * 3 + 2] != ':')
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(ret, mac, 6);
	return 0;
}

const char *topo_mac_format(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

static int ip_cmp_qsort(const void *a, const void *b)
{
	return topo_ip_cmp(a, b);
}

void topo_flood_sort(struct topo_flood *f)
{
	qsort(f->dst, f->n, sizeof(f->dst[0]), ip_cmp_qsort);
}

bool topo_flood_equal(const struct topo_flood *a, const struct topo_flood *b)
{
	if (a->nolearning != b->nolearning || a->n != b->n)
		return false;
	for (uint8_t i = 0; i < a->n; i++)
		if (!topo_ip_equal(&a->dst[i], &b->dst[i]))
			return false;
	return true;
}
