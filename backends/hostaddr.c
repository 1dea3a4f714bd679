// SPDX-License-Identifier: MIT
/*
 * The addresses of the namespace topo runs in: what picks a file's node when
 * --node is not given (model/nodes.h). Its own short-lived socket: asked
 * before the backend opens, and nothing else needs it.
 */
#include <errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "backends/backend.h"

struct collect {
	struct topo_ip *v;
	size_t n;
	int r;
};

static void collect_one(struct nl_object *obj, void *arg)
{
	struct collect *c = arg;
	struct nl_addr *a = rtnl_addr_get_local((struct rtnl_addr *)obj);
	struct topo_ip ip = { 0 };
	struct topo_ip *v;
	int fam;

	if (!a || c->r < 0)
		return;
	fam = nl_addr_get_family(a);
	if ((fam != AF_INET && fam != AF_INET6) || nl_addr_get_len(a) > sizeof(ip.bytes))
		return;
	ip.family = (uint8_t)fam;
	ip.plen = (uint8_t)nl_addr_get_prefixlen(a);
	memcpy(ip.bytes, nl_addr_get_binary_addr(a), nl_addr_get_len(a));
	v = realloc(c->v, (c->n + 1) * sizeof(*v));
	if (!v) {
		c->r = -ENOMEM;
		return;
	}
	c->v = v;
	c->v[c->n++] = ip;
}

int backend_host_addresses(struct topo_ip **ret, size_t *n_ret, char *err, size_t errlen)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *cache = NULL;
	struct collect c = { 0 };
	int r;

	*ret = NULL;
	*n_ret = 0;
	if (!sk) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r == 0)
		r = rtnl_addr_alloc_cache(sk, &cache);
	if (r < 0) {
		snprintf(err, errlen, "reading this host's addresses: %s", nl_geterror(r));
		nl_socket_free(sk);
		return -EIO;
	}
	nl_cache_foreach(cache, collect_one, &c);
	nl_cache_free(cache);
	nl_socket_free(sk);
	if (c.r < 0) {
		free(c.v);
		snprintf(err, errlen, "out of memory");
		return c.r;
	}
	*ret = c.v;
	*n_ret = c.n;
	return 0;
}
