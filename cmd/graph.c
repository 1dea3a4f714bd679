// SPDX-License-Identifier: MIT
/*
 * graph: the topology file as a picture. Namespaces are boxes (clusters),
 * interfaces nodes inside them with their addresses, ports hang off their
 * bridge, veth pairs are edges between namespaces. DOT by default; SVG is
 * laid out by graphviz's library (libgvc), not by running `dot`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/dlib.h"
#include "cmd/cmd.h"
#include "cmd/session.h"
#include "model/ip.h"
#include "model/strbuf.h"
#include "model/linktype.h"

/* DOT strings: quotes and backslashes escaped; "\n" kept as DOT's line break. */
static void dot_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || (*s == '\\' && s[1] != 'n'))
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void node_id(char *buf, size_t len, const char *ns, const char *ifname)
{
	snprintf(buf, len, "%s/%s", ns, ifname);
}

static void iface_label(const struct topo_iface *ifc, char *buf, size_t len)
{
	char a[TOPO_IP_STRLEN];
	struct strbuf b;

	strbuf_init_fixed(&b, buf, len);
	strbuf_addf(&b, "%s", ifc->name);
	if (ifc->type && !topo_lt_is(ifc->type, TOPO_LT_PAIR | TOPO_LT_KERNEL))
		strbuf_addf(&b, " (%s)", topo_iftype_name(ifc->type));
	for (size_t i = 0; i < ifc->n_addrs; i++)
		strbuf_addf(&b, "\\n%s", topo_ip_format(&ifc->addrs[i].ip, true, a, sizeof(a)));
}

/* One namespace: a cluster of its interfaces, ports to their bridge. */
static void ns_dot(const struct topology *t, size_t n, FILE *f)
{
	char id[128], id2[128], label[1024];
	const struct topo_ns *ns = &t->ns[n];

	fprintf(f, "\tsubgraph ");
	snprintf(id, sizeof(id), "cluster_%zu", n);
	dot_str(f, id);
	fprintf(f, " {\n\t\tlabel=");
	snprintf(label, sizeof(label), "%s%s", ns->name,
		 ns->kind == TOPO_NS_IS_HOST ? " (host)" : ns->kind == TOPO_NS_CREATED ? "" : " (attached)");
	dot_str(f, label);
	fprintf(f, "; style=\"rounded,filled\"; fillcolor=\"%s\";\n",
		ns->kind == TOPO_NS_IS_HOST ? "#eeeeee" : "#e8f0fe");
	for (size_t i = 0; i < ns->n_ifaces; i++) {
		const struct topo_iface *ifc = &ns->ifaces[i];

		if (topo_lt_is(ifc->type, TOPO_LT_KERNEL) && !ifc->n_addrs)
			continue;
		node_id(id, sizeof(id), ns->name, ifc->name);
		iface_label(ifc, label, sizeof(label));
		fprintf(f, "\t\t");
		dot_str(f, id);
		fprintf(f, " [label=");
		dot_str(f, label);
		if (topo_lt_is(ifc->type, TOPO_LT_MASTER))
			fprintf(f, ", shape=box3d, fillcolor=\"#fff4d6\"");
		else if (topo_lt_is(ifc->type, TOPO_LT_PAIR))
			fprintf(f, ", shape=ellipse");
		fprintf(f, "];\n");
	}
	/* A node per namespace so an empty one still shows. */
	if (ns->n_ifaces == 0) {
		snprintf(id, sizeof(id), "%s/", ns->name);
		fprintf(f, "\t\t");
		dot_str(f, id);
		fprintf(f, " [label=\"(only lo)\", shape=plaintext, style=\"\"];\n");
	}
	for (size_t i = 0; i < ns->n_ifaces; i++) {
		const struct topo_iface *ifc = &ns->ifaces[i];

		if (!ifc->master[0])
			continue;
		node_id(id, sizeof(id), ns->name, ifc->name);
		node_id(id2, sizeof(id2), ns->name, ifc->master);
		fprintf(f, "\t\t");
		dot_str(f, id);
		fprintf(f, " -- ");
		dot_str(f, id2);
		fprintf(f, " [style=dashed, label=\"port\"];\n");
	}
	/* A link on another (a vxlan's dev, a macvlan's parent). */
	for (size_t i = 0; i < ns->n_ifaces; i++) {
		const struct topo_iface *ifc = &ns->ifaces[i];
		const char *dep = topo_link_depends_on(ifc);

		if (!dep[0] || topo_ns_iface_find(ns, dep) < 0)
			continue;
		node_id(id, sizeof(id), ns->name, ifc->name);
		node_id(id2, sizeof(id2), ns->name, dep);
		fprintf(f, "\t\t");
		dot_str(f, id);
		fprintf(f, " -- ");
		dot_str(f, id2);
		fprintf(f, " [style=dotted, label=");
		dot_str(f, ifc->type->dep_key);
		fprintf(f, "];\n");
	}
	fprintf(f, "\t}\n");
}

/* Between nodes: a stretched bridge's tunnel from its first node to each other. */
static void nodes_tunnels_dot(const struct topology *t, FILE *f)
{
	char id[128], id2[128], label[64];

	for (size_t n = 0; n < t->n_ns; n++) {
		const struct topo_ns *ns = &t->ns[n];

		for (size_t i = 0; ns->node[0] && i < ns->n_ifaces; i++) {
			const struct topo_iface *br = &ns->ifaces[i];

			if (!br->stretch)
				continue;
			for (size_t m = n + 1; m < t->n_ns; m++) {
				long j = topo_ns_iface_find(&t->ns[m], br->name);
				bool earlier = false;

				if (j < 0 || !t->ns[m].ifaces[j].stretch || !t->ns[m].node[0])
					continue;
				for (size_t e = 0; e < n && !earlier; e++) {
					long q = t->ns[e].node[0] ? topo_ns_iface_find(&t->ns[e], br->name) : -1;

					earlier = q >= 0 && t->ns[e].ifaces[q].stretch;
				}
				if (earlier)
					break;   /* drawn from the first node that declares it */
				node_id(id, sizeof(id), ns->name, br->name);
				node_id(id2, sizeof(id2), t->ns[m].name, br->name);
				fprintf(f, "\t");
				dot_str(f, id);
				fprintf(f, " -- ");
				dot_str(f, id2);
				snprintf(label, sizeof(label), "vxlan vni %u (stretched)", br->stretch_vni);
				fprintf(f, " [penwidth=2, style=bold, color=\"#1a73e8\", label=");
				dot_str(f, label);
				fprintf(f, "];\n");
			}
		}
	}
}

static void graph_dot(const struct topology *t, FILE *f)
{
	char id[128], id2[128], label[1024];

	fprintf(f, "graph ");
	dot_str(f, t->name);
	fprintf(f, " {\n\tgraph [rankdir=LR, fontname=\"Helvetica\", label=");
	dot_str(f, t->name);
	fprintf(f, ", labelloc=t];\n\tnode [fontname=\"Helvetica\", fontsize=10, shape=box, style=\"rounded,filled\", fillcolor=white];\n"
		   "\tedge [fontname=\"Helvetica\", fontsize=9];\n");
	if (!t->n_nodes)
		for (size_t n = 0; n < t->n_ns; n++)
			ns_dot(t, n, f);
	/* A file across several hosts: each node a cluster of its namespaces. */
	for (size_t k = 0; k < t->n_nodes; k++) {
		const struct topo_node *nd = &t->nodes[k];
		char a[TOPO_IP_STRLEN];

		fprintf(f, "\tsubgraph ");
		snprintf(id, sizeof(id), "cluster_node_%zu", k);
		dot_str(f, id);
		fprintf(f, " {\n\tlabel=");
		snprintf(label, sizeof(label), "node %s (%s%s%s)", nd->name, topo_ip_format(&nd->underlay, true, a, sizeof(a)),
			 nd->dev[0] ? " dev " : "", nd->dev);
		dot_str(f, label);
		fprintf(f, "; style=\"dashed\"; fontsize=14;\n");
		for (size_t n = 0; n < t->n_ns; n++)
			if (strcmp(t->ns[n].node, nd->name) == 0)
				ns_dot(t, n, f);
		fprintf(f, "\t}\n");
	}
	nodes_tunnels_dot(t, f);
	for (size_t l = 0; l < t->n_links; l++) {
		const struct topo_link *lk = &t->links[l];
		const struct topo_ns *a = &t->ns[lk->end[0].ns], *b = &t->ns[lk->end[1].ns];
		const struct topo_iface *ia = &a->ifaces[lk->end[0].iface], *ib = &b->ifaces[lk->end[1].iface];

		node_id(id, sizeof(id), a->name, ia->name);
		node_id(id2, sizeof(id2), b->name, ib->name);
		fprintf(f, "\t");
		dot_str(f, id);
		fprintf(f, " -- ");
		dot_str(f, id2);
		if (lk->vni)
			snprintf(label, sizeof(label), "vxlan vni %u\\n%s - %s", lk->vni, ia->name, ib->name);
		else
			snprintf(label, sizeof(label), "veth %s - %s", ia->name, ib->name);
		if (lk->mtu)
			snprintf(label + strlen(label), sizeof(label) - strlen(label), "\\nmtu %u", lk->mtu);
		fprintf(f, " [penwidth=2%s, label=", lk->vni ? ", style=bold, color=\"#1a73e8\"" : "");
		dot_str(f, label);
		fprintf(f, "];\n");
	}
	fprintf(f, "}\n");
}

static int graph_svg(const struct gv_fns *gv, const char *dot, FILE *out)
{
	GVC_t *gvc = gv->context();
	Agraph_t *g;
	char *data = NULL;
	unsigned int len = 0;
	int r = 0;

	if (!gvc)
		return -ENOMEM;
	g = gv->memread(dot);
	if (!g) {
		gv->free_context(gvc);
		return -EINVAL;
	}
	if (gv->layout(gvc, g, "dot") != 0 || gv->render_data(gvc, g, "svg", &data, &len) != 0) {
		r = -EIO;
	} else {
		fwrite(data, 1, len, out);
		gv->free_render_data(data);
	}
	gv->free_layout(gvc, g);
	gv->close(g);
	gv->free_context(gvc);
	return r;
}

int cmd_graph(int argc, char **argv)
{
	struct cmd_opts opts;
	struct topology t;
	char *dot = NULL;
	size_t len = 0;
	FILE *mem;
	int r;

	r = cmd_parse(argc, argv, OPT_FORMAT, "graph [--format dot|svg] FILE", &opts);
	if (r)
		return r;
	if (!opts.file)
		return fail("graph needs a topology FILE");
	if (opts.format && strcmp(opts.format, "dot") != 0 && strcmp(opts.format, "svg") != 0)
		return fail("--format is dot or svg, not '%s'", opts.format);
	if (cmd_load(opts.file, &t))
		return EXIT_ERROR;
	mem = open_memstream(&dot, &len);
	if (!mem) {
		topology_free(&t);
		return fail("out of memory");
	}
	graph_dot(&t, mem);
	fclose(mem);
	if (opts.format && strcmp(opts.format, "svg") == 0) {
		char err[512];
		const struct gv_fns *gv = dlib_graphviz(err, sizeof(err));

		if (!gv)
			r = fail("%s", err);
		else
			r = graph_svg(gv, dot, stdout) < 0 ? fail("graphviz could not lay the graph out") : EXIT_OK;
	} else
		r = fwrite(dot, 1, len, stdout) == len ? EXIT_OK : EXIT_ERROR;
	free(dot);
	topology_free(&t);
	return r;
}
