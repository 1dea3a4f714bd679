// SPDX-License-Identifier: MIT
/* --node: which slice of a file with nodes: this host reconciles. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "backends/backend.h"
#include "cmd/cmd.h"
#include "model/nodes.h"

int cmd_node_slice(struct topology *t, const char *node)
{
	char err[512];
	int r;

	if (!t->n_nodes) {
		if (node)
			return fail("--node %s: %s declares no nodes: (it is a single-host file)", node, t->file);
		return 0;
	}
	if (!node) {
		struct topo_ip *addrs;
		size_t n, i;

		r = backend_host_addresses(&addrs, &n, err, sizeof(err));
		if (r < 0)
			return fail("%s", err);
		r = topo_nodes_pick(t, addrs, n, &i, err, sizeof(err));
		free(addrs);
		if (r < 0)
			return fail("%s", err);
		node = t->nodes[i].name;
	}
	/* node may point into t, which the slice replaces. */
	char name[TOPO_NS_NAME_MAX + 1];

	snprintf(name, sizeof(name), "%s", node);
	r = topo_nodes_slice(t, name, err, sizeof(err));
	if (r < 0)
		return fail("%s", err);
	return 0;
}
