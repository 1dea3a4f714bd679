// SPDX-License-Identifier: MIT
/*
 * export: the kernel's state of a topology, written as a topology file that
 * `topo diff` against the same state finds converged.
 *   topo export FILE | --name TOPOLOGY     what the topology owns now
 *   topo export --netns NS [NS...] [--name T]  namespaces built by hand
 * A --netns word with a '/' is a path, and a name that is no namespace of
 * topo's directory but one of Docker's (/var/run/docker/netns/ID) is
 * Docker's path: both are written as attachments (path:), never as
 * namespaces topo creates, and what is in them is not claimed: topo adds its
 * own interfaces to an attached namespace but never adopts (and so never
 * deletes) what someone else put there.
 * nft rules come back from the text the nft backend renders them to (the
 * same words reconcile/nft_render.c writes), parsed here.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "model/nft_text.h"
#include "reconcile/nftx.h"
#include "cmd/session.h"
#include "cmd/target.h"
#include "backends/docker.h"
#include "model/ip.h"
#include "model/linktype.h"
#include "model/names.h"
#include "model/route.h"
#include "model/shape.h"
#include "model/yaml_scalar.h"
#include "reconcile/owner.h"

#include "version.h"

/* Every string goes through the file format's one quoting rule
 * (model/yaml_scalar.c); callers leave out what exportable() refuses. */
static void yaml_str(FILE *f, const char *s)
{
	if (yaml_scalar_write(f, s) < 0)
		fputs("\"\"", f);   /* not reached: callers check exportable() */
}

/* Text a topology file can hold. The kernel allows more in a name (control
 * characters, bytes that are not UTF-8); such an object is left out of the
 * export, with a comment, rather than written as a file that does not load. */
static bool exportable(const char *s)
{
	return yaml_text_printable(s);
}

static void not_exported(FILE *f, const char *indent, const char *what, const char *name, const char *why)
{
	fprintf(f, "%s# not exported: %s ", indent, what);
	yaml_comment_write(f, name);
	fprintf(f, " (%s)\n", why);
}

static void yaml_ip(FILE *f, const struct topo_ip *ip, bool with_plen)
{
	char a[TOPO_IP_STRLEN];

	fprintf(f, "\"%s\"", topo_ip_format(ip, with_plen, a, sizeof(a)));
}

/* ---------------------------------------------------- nft text -> model -- */

struct tokens {
	char *v[64];
	int n;
	char buf[512];
};

static void tokenize(const char *text, struct tokens *t)
{
	char *p;

	snprintf(t->buf, sizeof(t->buf), "%s", text);
	t->n = 0;
	p = t->buf;
	while (*p && t->n < 64) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (*p == '"') {
			t->v[t->n++] = ++p;
			while (*p && *p != '"')
				p++;
		} else {
			t->v[t->n++] = p;
			while (*p && *p != ' ')
				p++;
		}
		if (*p)
			*p++ = '\0';
	}
}

struct parsed_rule {
	bool is_nat, is_fwd;
	struct topo_nat nat;
	struct topo_forward fwd;
};

static bool parse_addr_port(const char *s, struct topo_ip *ip, uint16_t *port)
{
	char a[64];
	const char *colon;

	*port = 0;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || (size_t)(close - s - 1) >= sizeof(a))
			return false;
		memcpy(a, s + 1, (size_t)(close - s - 1));
		a[close - s - 1] = '\0';
		if (close[1] == ':')
			*port = (uint16_t)atoi(close + 2);
		return topo_ip_parse_addr(a, ip) == 0;
	}
	colon = strchr(s, ':');
	if (colon && strchr(s, '.')) {
		snprintf(a, sizeof(a), "%.*s", (int)(colon - s), s);
		*port = (uint16_t)atoi(colon + 1);
		return topo_ip_parse_addr(a, ip) == 0;
	}
	return topo_ip_parse_addr(s, ip) == 0;
}

/* Our own rendering, read back; anything else is not ours to export. */
static bool parse_rule(const char *chain, const char *text, struct parsed_rule *ret)
{
	struct tokens t;
	struct topo_ifmatch in = { "", false }, out = { "", false };
	struct topo_ip src = { 0 }, dst = { 0 };
	uint8_t proto = 0;
	uint16_t lo = 0, hi = 0;

	memset(ret, 0, sizeof(*ret));
	tokenize(text, &t);
	for (int i = 0; i < t.n; i++) {
		const char *w = t.v[i];

		if (strcmp(w, "meta") == 0 && i + 2 < t.n && strcmp(t.v[i + 1], "nfproto") == 0) {
			i += 2;
		} else if ((strcmp(w, "iifname") == 0 || strcmp(w, "oifname") == 0) && i + 1 < t.n) {
			struct topo_ifmatch *m = w[0] == 'i' ? &in : &out;

			if (strcmp(t.v[i + 1], "!=") == 0) {
				m->negate = true;
				i++;
			}
			if (i + 1 >= t.n)
				return false;
			snprintf(m->name, sizeof(m->name), "%s", t.v[++i]);
		} else if ((strcmp(w, "ip") == 0 || strcmp(w, "ip6") == 0) && i + 2 < t.n &&
			   (strcmp(t.v[i + 1], "saddr") == 0 || strcmp(t.v[i + 1], "daddr") == 0)) {
			if (topo_ip_parse(t.v[i + 2], t.v[i + 1][0] == 's' ? &src : &dst) < 0)
				return false;
			i += 2;
		} else if (strcmp(w, "fib") == 0 && i + 3 < t.n) {
			i += 3;
		} else if (strcmp(w, "meta") == 0 && i + 2 < t.n && strcmp(t.v[i + 1], "l4proto") == 0) {
			const char *p = t.v[i + 2];

			proto = strcmp(p, "tcp") == 0 ? IPPROTO_TCP : strcmp(p, "udp") == 0 ? IPPROTO_UDP :
				strcmp(p, "sctp") == 0 ? IPPROTO_SCTP : 0;
			i += 2;
		} else if (strcmp(w, "th") == 0 && i + 2 < t.n && strcmp(t.v[i + 1], "dport") == 0) {
			const char *p = t.v[i + 2], *dash = strchr(p, '-');

			lo = (uint16_t)atoi(p);
			hi = dash ? (uint16_t)atoi(dash + 1) : lo;
			i += 2;
		} else if (strcmp(w, "counter") == 0) {
			continue;
		} else if (strcmp(w, "masquerade") == 0 || strcmp(w, "snat") == 0 || strcmp(w, "dnat") == 0) {
			struct topo_nat *n = &ret->nat;

			n->kind = w[0] == 'm' ? TOPO_NAT_MASQUERADE : w[0] == 's' ? TOPO_NAT_SNAT : TOPO_NAT_DNAT;
			n->in = in;
			n->out = out;
			n->source = src;
			n->destination = dst;
			n->protocol = proto;
			n->port_lo = lo;
			n->port_hi = hi;
			if (n->kind != TOPO_NAT_MASQUERADE) {
				/* "snat ip to A" / "dnat ip to A:P" */
				if (i + 3 >= t.n || !parse_addr_port(t.v[i + 3], &n->to, &n->to_port))
					return false;
			}
			ret->is_nat = true;
			return strcmp(chain, "output") != 0;   /* output repeats prerouting */
		} else if (strcmp(w, "accept") == 0 || strcmp(w, "drop") == 0) {
			ret->fwd = (struct topo_forward){ .action = w[0] == 'd' ? TOPO_FWD_DROP : TOPO_FWD_ACCEPT,
							  .in = in, .out = out, .source = src, .destination = dst };
			ret->is_fwd = true;
			return true;
		} else {
			return false;
		}
	}
	return false;
}

static void emit_ifmatch(FILE *f, const char *key, const struct topo_ifmatch *m, bool *first)
{
	char buf[TOPO_IFNAME_MAX + 2];

	if (!m->name[0])
		return;
	snprintf(buf, sizeof(buf), "%s%s", m->negate ? "!" : "", m->name);
	fprintf(f, "%s%s: ", *first ? "" : ", ", key);
	yaml_str(f, buf);
	*first = false;
}

/* One family's listing as a literal block scalar; leading tabs become two
 * spaces each (a block scalar is indented with spaces). */
static void emit_nft_body(FILE *f, const char *body, int indent)
{
	fprintf(f, "|\n");
	for (const char *p = body; *p;) {
		size_t n = strcspn(p, "\n"), t = 0;

		while (t < n && p[t] == '\t')
			t++;
		fprintf(f, "%*s%*s%.*s\n", indent, "", (int)(2 * t), "", (int)(n - t), p + t);
		p += n + (p[n] == '\n');
	}
}

/* Printable but for its line breaks and indentation tabs. */
static bool body_exportable(const char *body)
{
	char *c = strdup(body);
	bool ok = c != NULL;

	for (char *p = c; ok && *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	ok = ok && exportable(c);
	free(c);
	return ok;
}

/*
 * The owned tables' listing (backends/nftx.c: the kernel's own, stateless,
 * without topo's structured chains and its record) as nft:, whatever wrote
 * it (nft:, filter:, nat: beyond the expression forms): diff takes text
 * that is the listing as converged (nftx_text_is_listing).
 */
static void emit_nft_text(FILE *f, const struct topo_ns *o)
{
	int n = 0;
	bool other = false;

	for (int i = 0; i < TOPO_NFT_FAMILIES; i++) {
		if (!topo_ns_nftx_body(o, i) || !topo_ns_nftx_body(o, i)[0])
			continue;
		if (!body_exportable(topo_ns_nftx_body(o, i))) {
			not_exported(f, "    ", "nft text of table", topo_nft_families[i],
				     "its listing is not text a topology file can hold");
			return;
		}
		n++;
		other |= i > 0;
	}
	if (!n)
		return;
	fprintf(f, "    nft:%s", other ? "\n" : " ");
	for (int i = 0; i < TOPO_NFT_FAMILIES; i++) {
		if (!topo_ns_nftx_body(o, i) || !topo_ns_nftx_body(o, i)[0])
			continue;
		if (other)
			fprintf(f, "      %s: ", topo_nft_families[i]);
		emit_nft_body(f, topo_ns_nftx_body(o, i), other ? 8 : 6);
	}
}

static void emit_rules(FILE *f, const struct topo_ns *o)
{
	bool nat_head = false, fwd_head = false;
	static const char *const protos[] = { [IPPROTO_TCP] = "tcp", [IPPROTO_UDP] = "udp", [IPPROTO_SCTP] = "sctp" };

	/* nft text's tables are listed by libnftables, not read as rules. */
	if (o->nftx_read)
		emit_nft_text(f, o);
	/* Two passes keep the file's shape: nat first, then forward. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < o->n_nft_rules; i++) {
			struct parsed_rule pr;
			bool first = true;

			if (strncmp(o->nft_rules[i].text, "type ", 5) == 0 || !nftx_show_rule(o, &o->nft_rules[i]))
				continue;
			if (!parse_rule(o->nft_rules[i].chain, o->nft_rules[i].text, &pr)) {
				if (pass == 0 && strcmp(o->nft_rules[i].chain, "output") != 0)
					not_exported(f, "    ", "rule", o->nft_rules[i].text, "not a rule topo writes");
				continue;
			}
			if (!exportable(pr.is_nat ? pr.nat.in.name : pr.fwd.in.name) ||
			    !exportable(pr.is_nat ? pr.nat.out.name : pr.fwd.out.name)) {
				if (pass == 0)
					not_exported(f, "    ", "rule", o->nft_rules[i].text,
						     "an interface name a topology file cannot hold");
				continue;
			}
			if (pass == 0 && pr.is_nat) {
				const struct topo_nat *n = &pr.nat;

				if (!nat_head)
					fprintf(f, "    nat:\n");
				nat_head = true;
				fprintf(f, "      - %s: {", n->kind == TOPO_NAT_MASQUERADE ? "masquerade" :
					n->kind == TOPO_NAT_SNAT ? "snat" : "dnat");
				if (n->kind == TOPO_NAT_DNAT) {
					fprintf(f, "protocol: %s", n->protocol < sizeof(protos) / sizeof(protos[0]) &&
						protos[n->protocol] ? protos[n->protocol] : "tcp");
					if (n->port_lo == n->port_hi)
						fprintf(f, ", port: %u", n->port_lo);
					else
						fprintf(f, ", port: \"%u-%u\"", n->port_lo, n->port_hi);
					first = false;
					emit_ifmatch(f, "in", &n->in, &first);
					if (n->destination.family) {
						fprintf(f, ", destination: ");
						yaml_ip(f, &n->destination, true);
					}
				} else {
					if (n->source.family) {
						fprintf(f, "source: ");
						yaml_ip(f, &n->source, true);
						first = false;
					}
					emit_ifmatch(f, "out", &n->out, &first);
				}
				if (n->kind != TOPO_NAT_MASQUERADE) {
					char a[TOPO_IP_STRLEN];

					topo_ip_format(&n->to, false, a, sizeof(a));
					fprintf(f, "%sto: ", first ? "" : ", ");
					if (n->to_port && n->to.family == AF_INET6)
						fprintf(f, "\"[%s]:%u\"", a, n->to_port);
					else if (n->to_port)
						fprintf(f, "\"%s:%u\"", a, n->to_port);
					else
						fprintf(f, "\"%s\"", a);
				}
				fprintf(f, "}\n");
			} else if (pass == 1 && pr.is_fwd) {
				const struct topo_forward *w = &pr.fwd;

				if (!fwd_head)
					fprintf(f, "    forward:\n");
				fwd_head = true;
				fprintf(f, "      - {action: %s", w->action == TOPO_FWD_DROP ? "drop" : "accept");
				first = false;
				emit_ifmatch(f, "in", &w->in, &first);
				emit_ifmatch(f, "out", &w->out, &first);
				if (w->source.family) {
					fprintf(f, ", source: ");
					yaml_ip(f, &w->source, true);
				}
				if (w->destination.family) {
					fprintf(f, ", destination: ");
					yaml_ip(f, &w->destination, true);
				}
				fprintf(f, "}\n");
			}
		}
	}
}

/* ------------------------------------------------------------ the file -- */

static bool ns_exported(const struct session *s, const struct topo_ns *o)
{
	if (!o->exists)
		return false;
	if (o->kind != TOPO_NS_IS_HOST)
		return true;
	for (size_t i = 0; i < o->n_ifaces; i++)
		if (session_iface_ours(s, o, &o->ifaces[i]))
			return true;
	for (size_t i = 0; i < o->n_routes; i++)
		if (session_route_ours(s, o, &o->routes[i]))
			return true;
	for (size_t i = 0; i < s->state.n_removed; i++)
		if (strcmp(s->state.removed[i].ns, o->name) == 0)
			return true;
	return o->n_sysctls || (o->n_nft_rules && session_nft_ours(s, o));
}

static bool ns_representable(const struct topo_ns *o)
{
	return exportable(o->name) && (o->kind != TOPO_NS_PATH || !o->path || exportable(o->path));
}

/* Everything emit_iface and the links: section write for it. A veth goes
 * with its peer: a veth that is no link end would not load. */
static bool iface_representable(const struct session *s, const struct topo_iface *ifc)
{
	long pn;

	if (!exportable(ifc->name) || !exportable(ifc->master) || !exportable(topo_link_depends_on(ifc)))
		return false;
	if (!topo_lt_is(ifc->type, TOPO_LT_PAIR) || !ifc->peer_end)
		return true;
	pn = topology_ns_find(&s->observed, topo_iface_peer_ns(ifc));
	return exportable(topo_iface_peer_name(ifc)) && (pn < 0 || ns_representable(&s->observed.ns[pn]));
}

static void emit_iface(FILE *f, const struct session *s, const struct topo_ns *o, const struct topo_iface *ifc)
{
	char mac[18];
	bool first = true;

	fprintf(f, "      ");
	yaml_str(f, ifc->name);
	fprintf(f, ": {");
	/* A veth's type comes from links:, lo's from its name. */
	if (ifc->type && !topo_lt_is(ifc->type, TOPO_LT_PAIR | TOPO_LT_KERNEL)) {
		fprintf(f, "type: %s", topo_iftype_name(ifc->type));
		first = false;
	}
	if (ifc->n_addrs) {
		bool fa = true;

		for (size_t k = 0; k < ifc->n_addrs; k++) {
			if (!session_addr_ours(s, o, ifc, &ifc->addrs[k]))
				continue;
			fprintf(f, "%s", fa ? (first ? "addresses: [" : ", addresses: [") : ", ");
			yaml_ip(f, &ifc->addrs[k].ip, true);
			fa = false;
			first = false;
		}
		if (!fa)
			fprintf(f, "]");
	}
	if (!topo_lt_is(ifc->type, TOPO_LT_KERNEL)) {
		fprintf(f, "%smtu: %u", first ? "" : ", ", ifc->mtu);
		first = false;
		/* The kernel's default mode is not written. */
		if (ifc->addr_gen_mode && ifc->addr_gen_mode != TOPO_AGM_EUI64)
			fprintf(f, ", addr_gen_mode: %s", topo_agm_name(ifc->addr_gen_mode));
		if (ifc->has_mac)
			fprintf(f, ", mac: \"%s\"", topo_mac_format(ifc->mac, mac));
		if (ifc->master[0]) {
			fprintf(f, ", master: ");
			yaml_str(f, ifc->master);
		}
		if (topo_iface_shape(ifc)->root == TOPO_QDISC_OURS) {
			char sh[128];

			topo_shape_yaml(ifc->shape, sh, sizeof(sh));
			fprintf(f, ", %s", sh);
		}
	}
	/* The type's options, in its table's order. */
	for (size_t k = 0; ifc->type && k < ifc->type->n_opts; k++) {
		const struct topo_lopt *lo = &ifc->type->opts[k];
		char v[96];

		if (!topo_lopt_exported(lo, &ifc->opt[k]))
			continue;
		fprintf(f, ", %s: ", lo->key);
		if (lo->kind == TOPO_LOPT_IP) {
			yaml_ip(f, &ifc->opt[k].ip, false);
		} else if (lo->kind == TOPO_LOPT_IFNAME && lo->host_ok && topo_iface_link_ns(ifc)[0]) {
			char qualified[TOPO_NS_NAME_MAX + TOPO_IFNAME_MAX + 2];

			snprintf(qualified, sizeof(qualified), "%s:%s", topo_iface_link_ns(ifc), ifc->opt[k].name);
			yaml_str(f, qualified);
		} else if (lo->kind == TOPO_LOPT_IFNAME) {
			yaml_str(f, ifc->opt[k].name);
		} else {
			topo_lopt_format_yaml(lo, &ifc->opt[k], v, sizeof(v));
			fprintf(f, "%s", v);
		}
	}
	/* Its static fdb entries, but the one the kernel makes itself. */
	bool first_fdb = true;

	for (size_t k = 0; topo_lt_is(ifc->type, TOPO_LT_FDB) && k < o->n_fdb; k++) {
		if (strcmp(o->fdb[k].dev, ifc->name) != 0 || owner_fdb_is_kernels(ifc, &o->fdb[k]))
			continue;
		fprintf(f, "%s{mac: \"%s\", dst: ", first_fdb ? ", fdb: [" : ", ", topo_mac_format(o->fdb[k].mac, mac));
		yaml_ip(f, &o->fdb[k].dst, false);
		fprintf(f, "}");
		first_fdb = false;
	}
	if (!first_fdb)
		fprintf(f, "]");
	fprintf(f, "}\n");
}

/* Table kinds: what is ours (the kernel's own defaults are not; a default
 * that one of ours displaced is said by the kind's emitter, model/kind.c). */
static bool export_object_ours(const struct topo_kind *k, const struct topo_ns *o, const void *obj, void *arg)
{
	return session_object_ours(arg, o, k, obj);
}

static void emit_route(FILE *f, const struct topo_route *rt)
{
	char a[TOPO_IP_STRLEN];

	fprintf(f, "      - {to: ");
	if (rt->dst.plen == 0 && rt->dst.family == AF_INET)
		fprintf(f, "default");
	else
		fprintf(f, "\"%s\"", topo_ip_format(&rt->dst, true, a, sizeof(a)));
	if (rt->type != TOPO_RT_UNICAST)
		fprintf(f, ", type: %s", topo_rtype_name(rt->type));
	if (rt->via.family) {
		fprintf(f, ", via: ");
		yaml_ip(f, &rt->via, false);
	}
	/* The kernel finds a gateway's device by itself, except an onlink one's. */
	if (rt->dev[0] && (!rt->via.family || rt->onlink)) {
		fprintf(f, ", dev: ");
		yaml_str(f, rt->dev);
	}
	if (rt->n_nh) {
		fprintf(f, ", nexthops: [");
		for (size_t i = 0; i < rt->n_nh; i++) {
			const struct topo_route_nh *nh = &rt->nh[i];
			const char *sep = "";

			fprintf(f, "%s{", i ? ", " : "");
			if (nh->via.family) {
				fprintf(f, "via: ");
				yaml_ip(f, &nh->via, false);
				sep = ", ";
			}
			if (nh->dev[0]) {
				fprintf(f, "%sdev: ", sep);
				yaml_str(f, nh->dev);
			}
			if (nh->weight != 1)
				fprintf(f, ", weight: %u", nh->weight);
			fprintf(f, "}");
		}
		fprintf(f, "]");
	}
	if (rt->src.family) {
		fprintf(f, ", src: ");
		yaml_ip(f, &rt->src, false);
	}
	if (rt->metric && !(rt->dst.family == AF_INET6 && rt->metric == 1024))
		fprintf(f, ", metric: %u", rt->metric);
	if (rt->table != TOPO_TABLE_MAIN)
		fprintf(f, ", table: %u", rt->table);
	if (rt->has_scope && rt->scope != topo_route_default_scope(rt)) {
		char sc[4];

		fprintf(f, ", scope: %s", topo_scope_name(rt->scope, sc, sizeof(sc)));
	}
	if (rt->onlink)
		fprintf(f, ", onlink: true");
	if (rt->mtu)
		fprintf(f, ", mtu: %u", rt->mtu);
	if (rt->advmss)
		fprintf(f, ", advmss: %u", rt->advmss);
	if (rt->nhid)
		fprintf(f, ", nhid: %u", rt->nhid);
	fprintf(f, "}\n");
}

/* The kernel routes topo deleted for absent: entries (the state file has
 * them; the kernel cannot say a route is missing on purpose). */
static bool emit_absent(FILE *f, const struct session *s, const struct topo_ns *o)
{
	bool any = false;

	for (size_t i = 0; i < s->state.n_removed; i++) {
		const struct topo_route *rt = &s->state.removed[i].route;

		if (strcmp(s->state.removed[i].ns, o->name) != 0)
			continue;
		if (!any)
			fprintf(f, "    absent:\n");
		any = true;
		fprintf(f, "      - {to: ");
		yaml_ip(f, &rt->dst, true);
		if (rt->table != TOPO_TABLE_MAIN)
			fprintf(f, ", table: %u", rt->table);
		if (rt->type != TOPO_RT_UNICAST)
			fprintf(f, ", type: %s", topo_rtype_name(rt->type));
		fprintf(f, "}\n");
	}
	return any;
}

/* Where Docker keeps its containers' namespaces (their SandboxKey), and the
 * same directory through /run, where /var/run leads. */
#define DOCKER_NETNS_DIR "/var/run/docker/netns/"
#define DOCKER_NETNS_DIR_RUN "/run/docker/netns/"

static bool attached(const struct topo_ns *o)
{
	return topo_ns_attached(o->kind);
}

/* What was left out of an attached namespace, and whose it is. */
static void attached_left_out(FILE *f, const struct session *s, const struct topo_ns *o)
{
	bool docker = o->kind == TOPO_NS_DOCKER || (o->kind == TOPO_NS_PATH && o->path &&
		      (strncmp(o->path, DOCKER_NETNS_DIR, strlen(DOCKER_NETNS_DIR)) == 0 ||
		       strncmp(o->path, DOCKER_NETNS_DIR_RUN, strlen(DOCKER_NETNS_DIR_RUN)) == 0));

	for (size_t i = 0; i < o->n_ifaces; i++) {
		const struct topo_iface *ifc = &o->ifaces[i];

		if (topo_lt_is(ifc->type, TOPO_LT_KERNEL) || session_iface_ours(s, o, ifc))
			continue;
		not_exported(f, "    ", "interface", ifc->name,
			     docker ? "Docker's: the namespace is a container's, under Docker's netns directory" :
			     "not topo's: the namespace is attached, and topo adopts nothing in it");
	}
}

/* The container an attached namespace is: as the file or the state file
 * names it, else the running one whose namespace it is (asked of Docker);
 * NULL: none, or Docker does not answer (then path: it stays). */
static const char *export_container(const struct session *s, const struct topo_ns *o, char *buf, size_t len)
{
	const struct state_ns *rec = topo_state_ns_find(&s->state, o->name);

	if (o->kind == TOPO_NS_DOCKER && o->docker)
		return o->docker;
	if (o->kind == TOPO_NS_DOCKER && rec && rec->kind == TOPO_NS_DOCKER && state_ns_container(rec)[0])
		return state_ns_container(rec);
	if ((o->kind == TOPO_NS_PATH || o->kind == TOPO_NS_DOCKER) && o->path &&
	    docker_container_of(o->path, buf, len) == 0)
		return buf;
	return NULL;
}

/*
 * What export did not write although it is there, at the top of the file:
 * nft tables that are not topo's (iptables-nft's ip filter / ip nat with
 * Docker's or CNI's chains among them), iptables-legacy rules (invisible to
 * nftables), and the sysctl values topo read but no topology of its set.
 */
static void export_left_out(FILE *f, const struct session *s)
{
	bool head = false;

	for (size_t n = 0; n < s->observed.n_ns; n++) {
		const struct topo_ns *o = &s->observed.ns[n];
		bool sysctls = false;

		/* Also host when nothing in it is exported: the runtimes' tables are there. */
		if (!o->exists || !ns_representable(o))
			continue;
		for (size_t i = 0; i < o->n_sysctls; i++)
			sysctls |= o->sysctls[i].value && !session_sysctl_ours(s, o, o->sysctls[i].key) &&
				   exportable(o->sysctls[i].key) && exportable(o->sysctls[i].value);
		if (!o->n_nft_tables_other && !o->iptables_legacy && !sysctls)
			continue;
		if (!head)
			fprintf(f, "# Left out (not topo's; apply and destroy of this file leave them as they are):\n");
		head = true;
		fprintf(f, "#   namespace ");
		yaml_comment_write(f, o->name);
		fprintf(f, ":\n");
		for (size_t i = 0; i < o->n_nft_tables_other; i++) {
			const char *t = o->nft_tables_other[i];
			bool ipt = strcmp(t, "ip filter") == 0 || strcmp(t, "ip nat") == 0 || strcmp(t, "ip mangle") == 0 ||
				   strcmp(t, "ip6 filter") == 0 || strcmp(t, "ip6 nat") == 0 || strcmp(t, "ip raw") == 0;

			fprintf(f, "#     nft table ");
			yaml_comment_write(f, t);
			if (ipt)
				fprintf(f, " (iptables-nft rules%s%s)", o->nft_docker ? "; Docker's chains" : "",
					o->nft_cni ? "; CNI's chains (bridge masquerade, portmap)" : "");
			fprintf(f, "\n");
		}
		if (o->iptables_legacy)
			fprintf(f, "#     iptables-legacy rules (xt tables in /proc/net/ip_tables_names): invisible to "
				"nftables, not read\n");
		for (size_t i = 0; i < o->n_sysctls; i++) {
			const struct topo_sysctl *c = &o->sysctls[i];

			if (!c->value || session_sysctl_ours(s, o, c->key) || !exportable(c->key) || !exportable(c->value))
				continue;
			fprintf(f, "#     sysctl ");
			yaml_comment_write(f, c->key);
			fprintf(f, "=");
			yaml_comment_write(f, c->value);
			fprintf(f, " (not set by topo; declare it under sysctls: to keep it)\n");
		}
	}
	if (head)
		fprintf(f, "#   sysctls: only those a topology set are exported; the kernel's other values "
			"(net.ipv4.ip_forward, per-interface keys) are not captured.\n");
}

static void export_yaml(const struct session *s, FILE *f)
{
	bool any_link = false;

	fprintf(f, "# Exported by topo %s from the kernel: topology %s.\n", TOPO_VERSION, s->desired.name);
	export_left_out(f, s);
	fprintf(f, "topology: ");
	yaml_str(f, s->desired.name);
	fprintf(f, "\nnamespaces:\n");
	for (size_t n = 0; n < s->observed.n_ns; n++) {
		const struct topo_ns *o = &s->observed.ns[n];
		char container[TOPO_DOCKER_NAME_MAX + 1];
		const char *dname;
		bool any;

		if (!ns_exported(s, o))
			continue;
		if (!ns_representable(o)) {
			not_exported(f, "  ", "namespace", o->name, "its name or path is not text a topology file can hold");
			continue;
		}
		fprintf(f, "  ");
		yaml_str(f, o->name);
		fprintf(f, ":\n");
		dname = export_container(s, o, container, sizeof(container));
		if (dname) {
			/* A running container's namespace: by its name, which
			 * outlives the namespace (a restart makes a new one). */
			fprintf(f, "    docker: ");
			yaml_str(f, dname);
			fprintf(f, "\n");
		} else if (o->kind == TOPO_NS_PATH || o->kind == TOPO_NS_DOCKER) {
			fprintf(f, "    path: ");
			yaml_str(f, o->path);
			fprintf(f, "\n");
		} else if (o->kind == TOPO_NS_PID) {
			fprintf(f, "    pid: %d\n", o->pid);
		}
		if (attached(o))
			attached_left_out(f, s, o);
		any = false;
		for (size_t i = 0; i < o->n_sysctls; i++) {
			if (!o->sysctls[i].value || !session_sysctl_ours(s, o, o->sysctls[i].key))
				continue;
			if (!any)
				fprintf(f, "    sysctls:\n");
			any = true;
			if (!exportable(o->sysctls[i].key) || !exportable(o->sysctls[i].value)) {
				not_exported(f, "      ", "sysctl", o->sysctls[i].key,
					     "its value is not text a topology file can hold");
				continue;
			}
			fprintf(f, "      ");
			yaml_str(f, o->sysctls[i].key);
			fprintf(f, ": ");
			yaml_str(f, o->sysctls[i].value);
			fprintf(f, "\n");
		}
		any = false;
		for (size_t i = 0; i < o->n_ifaces; i++) {
			const struct topo_iface *ifc = &o->ifaces[i];

			if (!session_iface_ours(s, o, ifc))
				continue;
			if (ifc->type == TOPO_IF_OTHER) {
				not_exported(f, "    ", "interface", ifc->name, "a kind topo does not manage");
				continue;
			}
			if (!iface_representable(s, ifc)) {
				not_exported(f, "    ", "interface", ifc->name,
					     "its name, its master's, its dev's or its peer's is not text a topology file can hold");
				continue;
			}
			if (!any)
				fprintf(f, "    interfaces:\n");
			any = true;
			emit_iface(f, s, o, ifc);
		}
		any = false;
		for (size_t i = 0; i < o->n_routes; i++) {
			if (!session_route_ours(s, o, &o->routes[i]))
				continue;
			if (!exportable(o->routes[i].dev)) {
				not_exported(f, "    ", "a route through", o->routes[i].dev,
					     "a name a topology file cannot hold");
				continue;
			}
			if (!any)
				fprintf(f, "    routes:\n");
			any = true;
			emit_route(f, &o->routes[i]);
		}
		bool absent = emit_absent(f, s, o);

		if (session_nft_ours(s, o))
			emit_rules(f, o);
		topo_kinds_emit(f, o, 4, export_object_ours, (void *)s);
		if (!o->n_ifaces && !o->n_routes && !attached(o) && !absent)
			fprintf(f, "    {}\n");
	}
	/* Each veth pair once: from the end that comes first. */
	for (size_t n = 0; n < s->observed.n_ns; n++) {
		const struct topo_ns *o = &s->observed.ns[n];

		if (!ns_exported(s, o))
			continue;
		for (size_t i = 0; i < o->n_ifaces; i++) {
			const struct topo_iface *ifc = &o->ifaces[i];
			long pn;

			if (!topo_lt_is(ifc->type, TOPO_LT_PAIR) || !session_iface_ours(s, o, ifc) || !ns_representable(o) ||
			    !iface_representable(s, ifc))
				continue;
			if (!ifc->peer_end) {
				char end[TOPO_NS_NAME_MAX + TOPO_IFNAME_MAX + 2];

				snprintf(end, sizeof(end), "%s:%s", o->name, ifc->name);
				not_exported(f, "", "veth", end, "its peer is outside the namespaces read");
				continue;
			}
			pn = topology_ns_find(&s->observed, topo_iface_peer_ns(ifc));
			if (pn < 0 || (size_t)pn < n || ((size_t)pn == n && strcmp(topo_iface_peer_name(ifc), ifc->name) < 0))
				continue;
			if (!any_link)
				fprintf(f, "links:\n");
			any_link = true;
			char end[TOPO_NS_NAME_MAX + TOPO_IFNAME_MAX + 2];

			snprintf(end, sizeof(end), "%s:%s", o->name, ifc->name);
			fprintf(f, "  - [");
			yaml_str(f, end);
			snprintf(end, sizeof(end), "%s:%s", topo_iface_peer_ns(ifc), topo_iface_peer_name(ifc));
			fprintf(f, ", ");
			yaml_str(f, end);
			fprintf(f, "]\n");
		}
	}
}

/* Marks a host link (and its master) as part of the export. */
static void export_claim(struct session *s, const char *name)
{
	long h = topology_ns_find(&s->observed, TOPO_NS_HOST);
	struct topo_ns *host;
	long i;

	if (h < 0)
		return;
	host = &s->observed.ns[h];
	i = topo_ns_iface_find(host, name);
	if (i < 0)
		return;
	host->ifaces[i].owned = true;
	snprintf(host->ifaces[i].owner, sizeof(host->ifaces[i].owner), "%s", s->desired.name);
	if (host->ifaces[i].master[0])
		export_claim(s, host->ifaces[i].master);
}

/* --netns WORD: a name, or a path when it has a '/' (named after its last
 * part when that is a namespace name, else "attachedK"). */
static int export_want(struct topology *want, const char *word, int k)
{
	struct topo_ns *ns = topology_ns_add(want);
	const char *base = strrchr(word, '/');

	if (!ns)
		return fail("out of memory");
	if (!base) {
		struct ns_target tg;
		char err[1024];
		int r = strcmp(word, TOPO_NS_HOST) == 0 ? -ENOENT : ns_target_resolve(word, false, &tg, err, sizeof(err));

		/* Neither a namespace nor a container: maybe Docker's sandbox id (export_docker_names). */
		if (r < 0 && r != -ENOENT)
			return fail("export: --netns %s: %s", word, err);
		snprintf(ns->name, sizeof(ns->name), "%s", r == 0 ? tg.name : word);
		ns->kind = r == 0 ? tg.kind : TOPO_NS_CREATED;
		if (r == 0 && tg.kind == TOPO_NS_DOCKER &&
		    (!(ns->docker = strdup(tg.container)) || !(ns->path = strdup(tg.path))))
			return fail("out of memory");
		return 0;
	}
	if (word[0] != '/')
		return fail("export: --netns '%s': a path must be absolute", word);
	if (topo_ns_name_valid(base + 1) && topology_ns_find(want, base + 1) < 0)
		snprintf(ns->name, sizeof(ns->name), "%s", base + 1);
	else
		snprintf(ns->name, sizeof(ns->name), "attached%d", k);
	ns->kind = TOPO_NS_PATH;
	ns->path = strdup(word);
	return ns->path ? 0 : fail("out of memory");
}

/* Names not found in topo's directory that Docker has: made its paths.
 * True when any was. */
static bool export_docker_names(struct topology *want, const struct topology *observed)
{
	bool any = false;

	for (size_t i = 0; i < want->n_ns; i++) {
		struct topo_ns *ns = &want->ns[i];
		long o = topology_ns_find(observed, ns->name);
		char path[sizeof(DOCKER_NETNS_DIR) + TOPO_NS_NAME_MAX + 1];

		if (ns->kind != TOPO_NS_CREATED || (o >= 0 && observed->ns[o].exists))
			continue;
		snprintf(path, sizeof(path), DOCKER_NETNS_DIR "%s", ns->name);
		if (access(path, F_OK) != 0 || !(ns->path = strdup(path)))
			continue;
		ns->kind = TOPO_NS_PATH;
		any = true;
	}
	return any;
}

int cmd_export(int argc, char **argv)
{
	struct cmd_opts opts;
	struct session s;
	struct topology want = { 0 };
	int netns_n = 0, r;

	/* --netns NS... takes every following word that is not an option; the
	 * rest goes to the common parser. */
	char **rest = calloc((size_t)argc + 1, sizeof(*rest)), **names = calloc((size_t)argc + 1, sizeof(*names));
	int n_rest = 0, n_names = 0;

	if (!rest || !names) {
		free(rest);
		free(names);
		return fail("out of memory");
	}

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--netns") == 0) {
			while (i + 1 < argc && argv[i + 1][0] != '-')
				names[n_names++] = argv[++i];
			netns_n = n_names ? n_names : -1;
			continue;
		}
		rest[n_rest++] = argv[i];
	}
	rest[n_rest] = NULL;
	if (netns_n < 0) {
		free(rest);
		free(names);
		return fail("--netns needs at least one namespace name");
	}
	r = cmd_parse(n_rest, rest, OPT_NAME, "export FILE | --name TOPOLOGY | --netns NS [NS...] [--name T]", &opts);
	if (r)
		goto out_args;
	if (netns_n && !opts.name && !opts.file)
		opts.name = "exported";
	r = session_open(&s, &opts, false);
	if (r)
		goto out;
	backend_read_everything(s.b);
	snprintf(want.name, sizeof(want.name), "%s", s.desired.name);
	if (netns_n) {
		for (int k = 0; k < n_names && r == 0; k++)
			r = export_want(&want, names[k], k);
		if (r == 0)
			r = session_observe(&s, &want, false);
		/* A name that is no namespace of topo's directory but Docker's
		 * sandbox id: Docker's path, read again as an attachment. */
		if (r == 0 && export_docker_names(&want, &s.observed))
			r = session_observe(&s, &want, false);
		for (size_t i = 0; r == 0 && i < want.n_ns; i++) {
			long o = topology_ns_find(&s.observed, want.ns[i].name);

			if (o < 0 || !s.observed.ns[o].exists)
				r = fail("export: no network namespace '%s'%s%s", want.ns[i].path ? want.ns[i].path :
					 want.ns[i].name, o >= 0 && s.observed.ns[o].absent ? ": " : "",
					 o >= 0 && s.observed.ns[o].absent ? s.observed.ns[o].absent : "");
		}
		/* Built by hand: everything in them counts, and in host the other
		 * ends of their veths and the bridges those hang on. An attached
		 * namespace is someone else's: only what carries our mark. */
		for (size_t i = 0; r == 0 && i < s.observed.n_ns; i++) {
			struct topo_ns *o = &s.observed.ns[i];

			if (attached(o))
				continue;
			o->owned = true;
			for (size_t k = 0; o->kind != TOPO_NS_IS_HOST && k < o->n_ifaces; k++)
				if (topo_lt_is(o->ifaces[k].type, TOPO_LT_PAIR) && strcmp(topo_iface_peer_ns(&o->ifaces[k]), TOPO_NS_HOST) == 0)
					export_claim(&s, topo_iface_peer_name(&o->ifaces[k]));
		}
		if (r == 0)
			r = session_owner_refresh(&s, &want);
	} else {
		r = session_diff(&s, s.have_desired ? &s.desired : &want, !s.have_desired);
	}
	if (r == 0)
		export_yaml(&s, stdout);
out:
	topology_free(&want);
	session_close(&s);
out_args:
	free(rest);
	free(names);
	return r;
}
