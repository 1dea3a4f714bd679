// SPDX-License-Identifier: MIT
/* The backends' table of table kinds (see backends/kinds.h). */
#include "backends/kinds.h"

#include <errno.h>
#include <string.h>

extern const struct kind_backend kind_backend_rule;
extern const struct kind_backend kind_backend_nexthop;
extern const struct kind_backend kind_backend_neigh;

/* Adding a kind: its backend file, then one line here. */
static const struct kind_backend *const kind_backends[] = {
	&kind_backend_nexthop,
	&kind_backend_rule,
	&kind_backend_neigh,
};

const struct kind_backend *kind_backend_find(const struct topo_kind *k)
{
	for (size_t i = 0; i < sizeof(kind_backends) / sizeof(kind_backends[0]); i++)
		if (kind_backends[i]->kind == k)
			return kind_backends[i];
	return NULL;
}

int kinds_observe(struct backend *b, struct bns *ns, struct topo_ns *out, const bool *want)
{
	for (size_t s = 0; s < topo_n_kinds; s++) {
		const struct kind_backend *kb = kind_backend_find(topo_kinds[s]);
		int r;

		topo_objs_free(&out->objs[s]);
		if (!want[s])
			continue;
		if (!kb) {
			backend_fail(b, "no backend for %s", topo_kinds[s]->key);
			return -ENOSYS;
		}
		r = kb->observe(b, ns, out, &out->objs[s]);
		if (r < 0)
			return r;
	}
	return 0;
}

const char *kinds_ifname(const struct topo_ns *out, int ifindex)
{
	for (size_t i = 0; ifindex > 0 && i < out->n_ifaces; i++)
		if (out->ifaces[i].ifindex == ifindex)
			return out->ifaces[i].name;
	return "";
}
