// SPDX-License-Identifier: MIT
/*
 * libFuzzer entry for the loader: any bytes in, never a crash, a leak or a
 * read past the buffer (ASan and UBSan watch that). Beyond "no crash" it
 * aborts when the loader breaks its own contract, so the fuzzer reports a
 * wrong answer too: a result code other than the three documented, errors
 * without a position, success with errors, failure without one, or a
 * loaded model whose links and interfaces do not point at each other.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/loader.h"
#include "model/names.h"
#include "model/nodes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_diags(int r, const struct topo_diags *d)
{
	if (r != 0 && r != -EINVAL && r != -ENOMEM)
		abort();
	if ((r == 0) != (d->n == 0 && d->dropped == 0))
		abort();
	if (d->n > TOPO_MAX_DIAGS || (d->dropped && d->n != TOPO_MAX_DIAGS))
		abort();
	for (size_t i = 0; i < d->n; i++) {
		if (!d->v[i].msg || !d->v[i].msg[0] || d->v[i].pos.line < 1 || d->v[i].pos.col < 1)
			abort();
		/* In file order. */
		if (i && (d->v[i].pos.line < d->v[i - 1].pos.line ||
			  (d->v[i].pos.line == d->v[i - 1].pos.line && d->v[i].pos.col < d->v[i - 1].pos.col)))
			abort();
	}
}

static void check_iface(const struct topology *t, size_t n, size_t i)
{
	const struct topo_iface *ifc = &t->ns[n].ifaces[i];

	if (!ifc->name[0] || strlen(ifc->name) > TOPO_IFNAME_MAX || ifc->type == TOPO_IF_UNSET)
		abort();
	if ((ifc->type == TOPO_IF_VETH) != (ifc->link >= 0))
		abort();
	if (ifc->link >= 0) {
		const struct topo_link *l;

		if ((size_t)ifc->link >= t->n_links)
			abort();
		l = &t->links[ifc->link];
		if (!((l->end[0].ns == n && l->end[0].iface == i) || (l->end[1].ns == n && l->end[1].iface == i)))
			abort();
	}
	for (size_t a = 0; a < ifc->n_addrs; a++)
		if (ifc->addrs[a].ip.plen > (ifc->addrs[a].ip.family == AF_INET6 ? 128 : 32))
			abort();
}

/* A loaded model is consistent: what the reconciler will trust. */
static void check_model(const struct topology *t)
{
	if (!t->name[0] || !t->file || t->n_ns > TOPO_MAX_NAMESPACES)
		abort();
	for (size_t n = 0; n < t->n_ns; n++) {
		const struct topo_ns *ns = &t->ns[n];

		/* With prefix: too, a real name under /run/netns, never host's. */
		if (!topo_ns_name_valid(ns->name) ||
		    (ns->kind == TOPO_NS_CREATED && strcmp(ns->name, TOPO_NS_HOST) == 0) ||
		    (ns->kind == TOPO_NS_CREATED && strncmp(ns->name, t->prefix, strlen(t->prefix)) != 0))
			abort();
		for (size_t i = 0; i < ns->n_ifaces; i++)
			check_iface(t, n, i);
	}
	for (size_t l = 0; l < t->n_links; l++)
		for (int e = 0; e < 2; e++) {
			const struct topo_endpoint *end = &t->links[l].end[e];

			if (end->ns >= t->n_ns || end->iface >= t->ns[end->ns].n_ifaces ||
			    t->ns[end->ns].ifaces[end->iface].link != (int)l)
				abort();
		}
	for (size_t c = 0; c < t->n_checks; c++)
		if (t->checks[c].from >= t->n_ns)
			abort();
}

/* Each node's slice of a file with nodes: is a consistent single-host
 * model too, with one host namespace. */
static void check_slices(const uint8_t *data, size_t size, const struct topology *all)
{
	for (size_t k = 0; k < all->n_nodes; k++) {
		struct topology t;
		struct topo_diags d;
		char err[256];
		size_t hosts = 0;

		if (topo_load_buffer("fuzz.yaml", data, size, &t, &d) != 0)
			abort();
		topo_diags_free(&d);
		int r = topo_nodes_slice(&t, all->nodes[k].name, err, sizeof(err));

		if (r == -ENOMEM)
			return;
		if (r != 0 || err[0] != '\0' || t.n_nodes)
			abort();
		check_model(&t);
		for (size_t n = 0; n < t.n_ns; n++)
			hosts += t.ns[n].kind == TOPO_NS_IS_HOST && strcmp(t.ns[n].name, TOPO_NS_HOST) == 0;
		if (hosts != 1)
			abort();
		topology_free(&t);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct topology t;
	struct topo_diags d;
	int r;

	r = topo_load_buffer("fuzz.yaml", data, size, &t, &d);
	check_diags(r, &d);
	if (r == 0) {
		check_model(&t);
		check_slices(data, size, &t);
	}
	else if (t.n_ns || t.ns || t.links || t.checks || t.file)
		abort();                /* a refused file leaves the topology empty */
	/* The printer walks every message too. */
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (devnull)
		topo_diags_print(&d, "fuzz.yaml", devnull);
	topology_free(&t);
	topo_diags_free(&d);
	return 0;
}
