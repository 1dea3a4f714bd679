// SPDX-License-Identifier: MIT
/*
 * show: the topology as the kernel has it. Per namespace its interfaces
 * (state, mtu, mac, addresses, master, and for a veth its peer as ns:ifname,
 * which answers seed 004's question without ethtool and ifindex arithmetic),
 * routes, sysctls and nft rules; whatever drifted from the file is marked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd/cmd.h"
#include "reconcile/nftx.h"
#include "cmd/session.h"
#include "cmd/target.h"
#include "model/names.h"
#include "model/ip.h"
#include "model/linktype.h"
#include "model/json.h"
#include "model/strbuf.h"
#include "model/route.h"
#include "model/shape.h"

/* Does the plan touch this interface (or its addresses)? */
static bool iface_drifted(const struct plan *p, const char *ns, const char *name)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct step *st = &p->steps[i];

		if (st->implicit || strcmp(st->ns, ns) != 0)
			continue;
		if (strcmp(st->ifname, name) == 0 ||
		    ((st->op == STEP_LINK_ADD || st->op == STEP_LINK_DEL) && strcmp(st->lk->link.name, name) == 0))
			return true;
	}
	return false;
}

static const char *kind_word(enum topo_ns_kind k)
{
	switch (k) {
	case TOPO_NS_IS_HOST: return "host";
	case TOPO_NS_PATH: return "attached (path)";
	case TOPO_NS_PID: return "attached (pid)";
	case TOPO_NS_DOCKER: return "attached (docker)";
	case TOPO_NS_CREATED: break;
	}
	return "created";
}

/*
 * One walk of the observed model builds the document; --json prints it and
 * the text is read back from it, so the two cannot disagree. Strings follow
 * model/json.h's byte rule; the text printer decodes them to the bytes.
 */
/* An attached namespace is listed whole, what is not topo's marked
 * foreign (topo reads it, never touches it); with --netns every namespace. */
static bool list_all(const struct topo_ns *o, bool netns)
{
	return netns || topo_ns_attached(o->kind);
}

static json_t *iface_doc(const struct session *s, const struct topo_ns *o, const struct topo_iface *ifc, bool all)
{
	char a[TOPO_IP_STRLEN], mac[18];
	json_t *j = json_object(), *addrs = json_array(), *faddrs = json_array();
	bool ours = session_iface_ours(s, o, ifc);
	int r = 0;

	r |= topo_json_set(j, "name", topo_json_bytes(ifc->name));
	r |= topo_json_set(j, "type", json_string(topo_iftype_name(ifc->type)));
	r |= topo_json_set(j, "ifindex", json_integer(ifc->ifindex));
	r |= topo_json_set(j, "state", json_string(ifc->up ? "up" : "down"));
	r |= topo_json_set(j, "mtu", json_integer(ifc->mtu));
	if (ifc->has_mac)
		r |= topo_json_set(j, "mac", json_string(topo_mac_format(ifc->mac, mac)));
	r |= topo_json_set(j, "owned", json_boolean(ifc->owned));
	for (size_t k = 0; k < ifc->n_addrs; k++) {
		bool mine = session_addr_ours(s, o, ifc, &ifc->addrs[k]);

		if (mine || !ours)
			r |= topo_json_push(addrs, json_string(topo_ip_format(&ifc->addrs[k].ip, true, a, sizeof(a))));
		else if (all)
			r |= topo_json_push(faddrs, json_string(topo_ip_format(&ifc->addrs[k].ip, true, a, sizeof(a))));
	}
	r |= topo_json_set(j, "addresses", addrs);
	/* Listed whole: the addresses on topo's interface that are not topo's. */
	if (json_array_size(faddrs))
		r |= topo_json_set(j, "foreign_addresses", json_incref(faddrs));
	json_decref(faddrs);
	if (!ours)
		r |= topo_json_set(j, "foreign", json_true());
	if (ifc->master[0])
		r |= topo_json_set(j, "master", topo_json_bytes(ifc->master));
	/* The type's options in ip's words, as plan prints them. */
	json_t *opts = json_object();

	for (size_t k = 0; ifc->type && k < ifc->type->n_opts; k++) {
		char v[96];

		if (!ifc->opt[k].set)
			continue;
		topo_lopt_format_ip(&ifc->type->opts[k], &ifc->opt[k], v, sizeof(v));
		r |= topo_json_set(opts, ifc->type->opts[k].key, json_string(v));
	}
	r |= topo_json_set(j, "options", opts);
	if (topo_iface_shape(ifc)->root == TOPO_QDISC_OURS) {
		char sh[128];

		topo_shape_format(ifc->shape, sh, sizeof(sh));
		r |= topo_json_set(j, "qdisc", json_string(sh));
	}
	if (topo_lt_is(ifc->type, TOPO_LT_PAIR)) {
		json_t *peer = json_object();

		r |= topo_json_set(peer, "namespace", topo_json_bytes(topo_iface_peer_ns(ifc)));
		r |= topo_json_set(peer, "interface", topo_json_bytes(topo_iface_peer_name(ifc)));
		r |= topo_json_set(peer, "ifindex", json_integer(ifc->peer_ifindex));
		r |= topo_json_set(j, "peer", peer);
	}
	r |= topo_json_set(j, "drift", json_boolean(iface_drifted(&s->diff.plan, o->name, ifc->name)));
	if (r) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static json_t *ns_doc(const struct session *s, const struct topo_ns *o, bool netns)
{
	bool all = list_all(o, netns);
	char line[512];
	json_t *j = json_object(), *ifs = json_array(), *rts = json_array(), *scs = json_object(),
	       *nft = json_array(), *absent = json_array(), *frts = json_array(), *fdb = json_array(),
	       *objs = json_array();
	int r = 0;

	r |= topo_json_set(j, "name", topo_json_bytes(o->name));
	r |= topo_json_set(j, "kind", json_string(kind_word(o->kind)));
	r |= topo_json_set(j, "exists", json_boolean(o->exists));
	for (size_t i = 0; i < o->n_ifaces; i++)
		if (all || session_iface_ours(s, o, &o->ifaces[i]))
			r |= topo_json_push(ifs, iface_doc(s, o, &o->ifaces[i], all));
	for (size_t i = 0; i < o->n_routes; i++) {
		bool ours = session_route_ours(s, o, &o->routes[i]);

		if (!ours && !all)
			continue;
		topo_route_format(&o->routes[i], line, sizeof(line));
		r |= topo_json_push(ours ? rts : frts, topo_json_bytes(line));
	}
	/* The table kinds' objects (model/kind.h), in ip's words. */
	for (size_t k = 0; k < topo_n_kinds; k++)
		for (size_t i = 0; i < o->objs[k].n; i++) {
			const void *obj = topo_obj_at(topo_kinds[k], &o->objs[k], i);
			json_t *e;

			if (!session_object_ours(s, o, topo_kinds[k], obj))
				continue;
			topo_obj_format(topo_kinds[k], obj, line, sizeof(line));
			e = json_object();
			r |= topo_json_set(e, "kind", json_string(topo_kinds[k]->ip_object));
			r |= topo_json_set(e, "text", topo_json_bytes(line));
			r |= topo_json_push(objs, e);
		}
	/* Static fdb entries on our links (with the kernel's own from a vxlan's remote). */
	for (size_t i = 0; i < o->n_fdb; i++) {
		long k = topo_ns_iface_find(o, o->fdb[i].dev);
		char mac[18], a[TOPO_IP_STRLEN];

		if (k < 0 || !session_iface_ours(s, o, &o->ifaces[k]))
			continue;
		snprintf(line, sizeof(line), "%s dev %s dst %s", topo_mac_format(o->fdb[i].mac, mac), o->fdb[i].dev,
			 topo_ip_format(&o->fdb[i].dst, false, a, sizeof(a)));
		r |= topo_json_push(fdb, topo_json_bytes(line));
	}
	/* What topo deleted for absent: (the state file's record). */
	for (size_t i = 0; i < s->state.n_removed; i++) {
		if (strcmp(s->state.removed[i].ns, o->name) != 0)
			continue;
		topo_route_format(&s->state.removed[i].route, line, sizeof(line));
		r |= topo_json_push(absent, topo_json_bytes(line));
	}
	for (size_t i = 0; i < o->n_sysctls; i++) {
		/* An object key must be UTF-8 too: the same rule for the key. */
		json_t *key = topo_json_bytes(o->sysctls[i].key);

		r |= key ? topo_json_set(scs, json_string_value(key), topo_json_bytes(o->sysctls[i].value)) : -ENOMEM;
		json_decref(key);
	}
	for (size_t i = 0; session_nft_ours(s, o) && i < o->n_nft_rules; i++) {
		json_t *rule;

		if (strncmp(o->nft_rules[i].text, "type ", 5) == 0 || !nftx_show_rule(o, &o->nft_rules[i]))
			continue;
		rule = json_object();
		r |= topo_json_set(rule, "chain", topo_json_bytes(o->nft_rules[i].chain));
		r |= topo_json_set(rule, "rule", topo_json_bytes(o->nft_rules[i].text));
		r |= topo_json_push(nft, rule);
	}
	r |= topo_json_set(j, "interfaces", ifs);
	r |= topo_json_set(j, "routes", rts);
	r |= topo_json_set(j, "objects", objs);
	r |= topo_json_set(j, "absent", absent);
	if (json_array_size(fdb))
		r |= topo_json_set(j, "fdb", json_incref(fdb));
	json_decref(fdb);
	if (json_array_size(frts))
		r |= topo_json_set(j, "foreign_routes", json_incref(frts));
	json_decref(frts);
	r |= topo_json_set(j, "sysctls", scs);
	r |= topo_json_set(j, "nft", nft);
	if (o->nftx_read)
		r |= topo_json_set(j, "nft_text", json_string(!o->nftx_mark ? "not loaded by topo" :
							      nftx_as_recorded(o) ? "the tables list as topo loaded them" :
							      "the tables were changed since topo loaded them"));
	if (r) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* {topology, file?, namespaces, drift: [step text], steps: diff --json's steps}. */
static json_t *show_doc(const struct session *s, bool netns)
{
	json_t *j = json_object(), *nss = json_array(), *drift = json_array(), *plan = plan_json(&s->diff.plan);
	json_t *steps = json_object_get(plan, "steps");
	size_t i;
	json_t *st;
	int r = 0;

	r |= topo_json_set(j, "topology", topo_json_bytes(s->desired.name));
	if (s->have_desired)
		r |= topo_json_set(j, "file", topo_json_bytes(s->desired.file));
	for (size_t n = 0; n < s->observed.n_ns; n++)
		r |= topo_json_push(nss, ns_doc(s, &s->observed.ns[n], netns));
	r |= topo_json_set(j, "namespaces", nss);
	json_array_foreach(steps, i, st)
		r |= topo_json_push(drift, json_incref(json_object_get(st, "text")));
	r |= topo_json_set(j, "drift", drift);
	r |= topo_json_set(j, "steps", steps ? json_incref(steps) : NULL);
	json_decref(plan);
	if (r) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* The string member KEY of j as bytes, in buf. */
static const char *mem(const json_t *j, const char *key, char *buf, size_t len)
{
	return topo_json_bytes_get(json_object_get(j, key), buf, len);
}

/* Writes the bytes a string stands for (texts without a length limit). */
static void put_bytes(const json_t *j)
{
	const char *why;
	char *s = topo_json_bytes_decode(j, &why);

	fputs(s ? s : "", stdout);
	free(s);
}

static void iface_text(const json_t *ifc, bool color)
{
	const char *red = color ? "\033[31m" : "", *off = color ? "\033[0m" : "";
	const json_t *peer = json_object_get(ifc, "peer"), *a;
	bool d = json_is_true(json_object_get(ifc, "drift"));
	char name[64], mac[64], buf[TOPO_IP_STRLEN], pns[TOPO_NS_NAME_MAX * 3 + 1], pif[64];
	const char *okey;
	size_t k;

	printf("  %s%-15s%s %-8s %-4s mtu %-5u %s", d ? red : "", mem(ifc, "name", name, sizeof(name)), d ? off : "",
	       json_string_value(json_object_get(ifc, "type")),
	       strcmp(json_string_value(json_object_get(ifc, "state")), "up") == 0 ? "UP" : "DOWN",
	       (unsigned)json_integer_value(json_object_get(ifc, "mtu")),
	       json_object_get(ifc, "mac") ? mem(ifc, "mac", mac, sizeof(mac)) : "-");
	json_array_foreach(json_object_get(ifc, "addresses"), k, a)
		printf(" %s", topo_json_bytes_get(a, buf, sizeof(buf)));
	if (json_object_get(ifc, "master"))
		printf(" master %s", mem(ifc, "master", name, sizeof(name)));
	json_object_foreach((json_t *)json_object_get(ifc, "options"), okey, a)
		printf(" %s", json_string_value(a));
	if (json_object_get(ifc, "qdisc"))
		printf(" qdisc %s", json_string_value(json_object_get(ifc, "qdisc")));
	if (peer) {
		mem(peer, "namespace", pns, sizeof(pns));
		mem(peer, "interface", pif, sizeof(pif));
		printf(" peer %s:%s", pns[0] ? pns : "?", pif[0] ? pif : "?");
	}
	json_array_foreach(json_object_get(ifc, "foreign_addresses"), k, a)
		printf(" %s (foreign)", topo_json_bytes_get(a, buf, sizeof(buf)));
	if (d)
		printf("  %s(drifted)%s", red, off);
	if (json_is_true(json_object_get(ifc, "foreign")))
		printf("  (foreign)");
	printf("\n");
}

static void ns_text(const json_t *ns, bool color)
{
	const char *bold = color ? "\033[1m" : "", *red = color ? "\033[31m" : "", *off = color ? "\033[0m" : "";
	char name[TOPO_NS_NAME_MAX * 3 + 1];
	const char *key;
	json_t *v;
	size_t i;

	mem(ns, "name", name, sizeof(name));
	if (!json_is_true(json_object_get(ns, "exists"))) {
		printf("\n%snamespace %s%s  (%s)  %sMISSING%s\n", bold, name, off,
		       json_string_value(json_object_get(ns, "kind")), red, off);
		return;
	}
	printf("\n%snamespace %s%s  (%s)\n", bold, name, off, json_string_value(json_object_get(ns, "kind")));
	json_array_foreach(json_object_get(ns, "interfaces"), i, v)
		iface_text(v, color);
	json_array_foreach(json_object_get(ns, "routes"), i, v) {
		fputs("  route ", stdout);
		put_bytes(v);
		fputc('\n', stdout);
	}
	json_array_foreach(json_object_get(ns, "objects"), i, v) {
		printf("  %s ", json_string_value(json_object_get(v, "kind")));
		put_bytes(json_object_get(v, "text"));
		fputc('\n', stdout);
	}
	json_array_foreach(json_object_get(ns, "foreign_routes"), i, v) {
		fputs("  route ", stdout);
		put_bytes(v);
		fputs("  (foreign)\n", stdout);
	}
	json_array_foreach(json_object_get(ns, "fdb"), i, v) {
		fputs("  fdb ", stdout);
		put_bytes(v);
		fputc('\n', stdout);
	}
	json_array_foreach(json_object_get(ns, "absent"), i, v) {
		fputs("  absent route ", stdout);
		put_bytes(v);
		fputc('\n', stdout);
	}
	json_object_foreach(json_object_get(ns, "sysctls"), key, v) {
		json_t *k = json_string(key);

		fputs("  sysctl ", stdout);
		put_bytes(k);
		fputs(" = ", stdout);
		json_decref(k);
		if (json_is_null(v))
			fputs("(missing)", stdout);
		else
			put_bytes(v);
		fputc('\n', stdout);
	}
	json_array_foreach(json_object_get(ns, "nft"), i, v) {
		fputs("  nft ", stdout);
		put_bytes(json_object_get(v, "chain"));
		fputs(": ", stdout);
		put_bytes(json_object_get(v, "rule"));
		fputc('\n', stdout);
	}
	if (json_object_get(ns, "nft_text"))
		printf("  nft text (nft:, filter:, nat: as text): %s\n",
		       json_string_value(json_object_get(ns, "nft_text")));
}

static void show_text(const json_t *doc, bool color, bool netns)
{
	const char *red = color ? "\033[31m" : "", *off = color ? "\033[0m" : "";
	const json_t *steps = json_object_get(doc, "steps");
	char line[1024], *detail;
	json_t *v;
	size_t i;

	printf("topology %s\n", mem(doc, "topology", line, sizeof(line)));
	json_array_foreach(json_object_get(doc, "namespaces"), i, v)
		ns_text(v, color);
	if (netns)
		return;   /* no file: nothing to drift from */
	if (json_array_size(steps) == 0) {
		printf("\nno drift: the kernel matches %s\n",
		       json_object_get(doc, "file") ? mem(doc, "file", line, sizeof(line)) : "the topology");
		return;
	}
	printf("\n%sdrift%s (`topo apply` would do):\n", red, off);
	json_array_foreach(steps, i, v) {
		const char *why;

		detail = json_object_get(v, "detail") ? topo_json_bytes_decode(json_object_get(v, "detail"), &why) : NULL;
		plan_print_line(stdout, mem(v, "text", line, sizeof(line)), detail, color);
		free(detail);
	}
}

/* show --netns NS: one namespace as cmd/target.h reads the word, listed whole. */
static int show_want(struct topology *want, const char *word)
{
	struct ns_target tg;
	struct topo_ns *ns;
	char err[1024];
	int r = ns_target_resolve(word, true, &tg, err, sizeof(err));

	if (r < 0)
		return fail("show: %s", err);
	ns = topology_ns_add(want);
	if (!ns)
		return fail("out of memory");
	ns->kind = tg.kind;
	if (tg.kind == TOPO_NS_PATH) {
		const char *base = strrchr(tg.path, '/') + 1;

		snprintf(ns->name, sizeof(ns->name), "%s", topo_ns_name_valid(base) ? base : "attached");
	} else {
		snprintf(ns->name, sizeof(ns->name), "%s", tg.name);
	}
	if (tg.kind == TOPO_NS_DOCKER && !(ns->docker = strdup(tg.container)))
		return fail("out of memory");
	if ((tg.kind == TOPO_NS_PATH || tg.kind == TOPO_NS_DOCKER) && !(ns->path = strdup(tg.path)))
		return fail("out of memory");
	return 0;
}

int cmd_show(int argc, char **argv)
{
	struct cmd_opts opts;
	struct session s;
	struct topology empty = { 0 }, want = { 0 };
	const char *netns = NULL;
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	int n_rest = 0, r;

	if (!rest)
		return fail("out of memory");
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--netns") == 0 && i + 1 < argc)
			netns = argv[++i];
		else
			rest[n_rest++] = argv[i];
	}
	r = cmd_parse(n_rest, rest, OPT_JSON | OPT_NAME | OPT_NODE,
		      "show [--json] [--no-color] [--node N] FILE | --name TOPOLOGY | --netns NS [--name TOPOLOGY]", &opts);
	free(rest);
	if (r)
		return r;
	if (netns && opts.file)
		return fail("show: --netns NS or FILE, not both");
	if (netns && !opts.name)
		opts.name = "shown";
	r = session_open(&s, &opts, false);
	if (r == 0)
		backend_read_everything(s.b);   /* show lists what is there, not only what topo may touch */
	if (r == 0 && netns) {
		snprintf(want.name, sizeof(want.name), "%s", s.desired.name);
		r = show_want(&want, netns);
		if (r == 0)
			r = session_observe(&s, &want, false);
		if (r == 0 && (!s.observed.n_ns || !s.observed.ns[0].exists))
			r = fail("show: no network namespace '%s'%s%s", netns,
				 s.observed.n_ns && s.observed.ns[0].absent ? ": " : "",
				 s.observed.n_ns && s.observed.ns[0].absent ? s.observed.ns[0].absent : "");
	} else if (r == 0) {
		/* Without the file, show what the kernel's marks and the state file find. */
		const struct topology *want_t = &s.desired;

		if (!s.have_desired) {
			snprintf(empty.name, sizeof(empty.name), "%s", s.desired.name);
			want_t = &empty;
		}
		r = session_diff(&s, want_t, !s.have_desired);
		/* Drift needs the file: against nothing, everything would look surplus. */
		if (r == 0 && !s.have_desired)
			plan_free(&s.diff.plan);
	}
	if (r == 0) {
		json_t *doc = show_doc(&s, netns != NULL);

		if (!doc)
			r = fail("out of memory");
		else if (opts.json)
			r = topo_json_print(doc, stdout) < 0 ? fail("cannot write the result") : 0;
		else
			show_text(doc, opts.color, netns != NULL);
		json_decref(doc);
	}
	session_close(&s);
	topology_free(&want);
	return r;
}
