// SPDX-License-Identifier: MIT
/*
 * show: the topology as the kernel has it. Per namespace its interfaces
 * (state, mtu, mac, addresses, master, and for a veth its peer as ns:ifname,
 * which answers seed 004's question without ethtool and ifindex arithmetic),
 * routes, sysctls and nft rules; whatever drifted from the file is marked.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd/cmd.h"
#include "cmd/session.h"
#include "model/ip.h"
#include "model/linktype.h"
#include "model/json.h"

/* Does the plan touch this interface (or its addresses)? */
static bool iface_drifted(const struct plan *p, const char *ns, const char *name)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct step *st = &p->steps[i];

		if (st->implicit || strcmp(st->ns, ns) != 0)
			continue;
		if (strcmp(st->ifname, name) == 0 || strcmp(st->link.name, name) == 0)
			return true;
	}
	return false;
}

static void route_text(const struct topo_route *rt, char *buf, size_t len)
{
	char a[TOPO_IP_STRLEN], v[TOPO_IP_STRLEN], src[TOPO_IP_STRLEN];
	int n = 0;

	n += snprintf(buf + n, len - (size_t)n, "%s%s%s", rt->type != TOPO_RT_UNICAST ? topo_rtype_name(rt->type) : "",
		      rt->type != TOPO_RT_UNICAST ? " " : "",
		      rt->dst.plen == 0 ? "default" : topo_ip_format(&rt->dst, true, a, sizeof(a)));
	if (rt->via.family && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " via %s", topo_ip_format(&rt->via, false, v, sizeof(v)));
	if (rt->dev[0] && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " dev %s", rt->dev);
	if (rt->src.family && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " src %s", topo_ip_format(&rt->src, false, src, sizeof(src)));
	if (rt->metric && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " metric %u", rt->metric);
	if (rt->table != TOPO_TABLE_MAIN && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " table %u", rt->table);
}

static const char *kind_word(enum topo_ns_kind k)
{
	switch (k) {
	case TOPO_NS_IS_HOST: return "host";
	case TOPO_NS_PATH: return "attached (path)";
	case TOPO_NS_PID: return "attached (pid)";
	case TOPO_NS_CREATED: break;
	}
	return "created";
}

static void show_text(const struct session *s, bool color)
{
	const char *bold = color ? "\033[1m" : "", *red = color ? "\033[31m" : "", *off = color ? "\033[0m" : "";
	const struct plan *p = &s->diff.plan;
	char a[TOPO_IP_STRLEN], mac[18], line[512];
	bool drift = false;

	printf("topology %s\n", s->desired.name);
	for (size_t n = 0; n < s->observed.n_ns; n++) {
		const struct topo_ns *o = &s->observed.ns[n];

		if (!o->exists) {
			printf("\n%snamespace %s%s  (%s)  %sMISSING%s\n", bold, o->name, off, kind_word(o->kind), red, off);
			continue;
		}
		printf("\n%snamespace %s%s  (%s)\n", bold, o->name, off, kind_word(o->kind));
		for (size_t i = 0; i < o->n_ifaces; i++) {
			const struct topo_iface *ifc = &o->ifaces[i];
			bool d;

			if (!session_iface_ours(s, o, ifc))
				continue;
			d = iface_drifted(p, o->name, ifc->name);
			printf("  %s%-15s%s %-8s %-4s mtu %-5u %s", d ? red : "", ifc->name, d ? off : "",
			       topo_iftype_name(ifc->type), ifc->up ? "UP" : "DOWN", ifc->mtu,
			       ifc->has_mac ? topo_mac_format(ifc->mac, mac) : "-");
			for (size_t k = 0; k < ifc->n_addrs; k++)
				if (session_addr_ours(s, o, ifc, &ifc->addrs[k]))
					printf(" %s", topo_ip_format(&ifc->addrs[k].ip, true, a, sizeof(a)));
			if (ifc->master[0])
				printf(" master %s", ifc->master);
			char opts[512] = "";

			/* The type's options in ip's words, as plan prints them. */
			topo_link_format_opts(ifc, opts, sizeof(opts));
			printf("%s", opts);
			if (topo_lt_is(ifc->type, TOPO_LT_PAIR))
				printf(" peer %s:%s", ifc->peer_ns[0] ? ifc->peer_ns : "?",
				       ifc->peer_name[0] ? ifc->peer_name : "?");
			if (d)
				printf("  %s(drifted)%s", red, off);
			printf("\n");
		}
		for (size_t i = 0; i < o->n_routes; i++) {
			if (!session_route_ours(s, o, &o->routes[i]))
				continue;
			route_text(&o->routes[i], line, sizeof(line));
			printf("  route %s\n", line);
		}
		/* Static fdb entries on our links (with the kernel's own from a vxlan's remote). */
		for (size_t i = 0; i < o->n_fdb; i++) {
			long k = topo_ns_iface_find(o, o->fdb[i].dev);

			if (k < 0 || !session_iface_ours(s, o, &o->ifaces[k]))
				continue;
			printf("  fdb %s dev %s dst %s\n", topo_mac_format(o->fdb[i].mac, mac), o->fdb[i].dev,
			       topo_ip_format(&o->fdb[i].dst, false, a, sizeof(a)));
		}
		for (size_t i = 0; i < o->n_sysctls; i++)
			printf("  sysctl %s = %s\n", o->sysctls[i].key, o->sysctls[i].value ? o->sysctls[i].value : "(missing)");
		for (size_t i = 0; session_nft_ours(s, o) && i < o->n_nft_rules; i++)
			if (strncmp(o->nft_rules[i].text, "type ", 5) != 0)
				printf("  nft %s: %s\n", o->nft_rules[i].chain, o->nft_rules[i].text);
	}
	for (size_t i = 0; i < p->n; i++)
		drift |= !p->steps[i].implicit;
	if (!drift) {
		printf("\nno drift: the kernel matches %s\n", s->have_desired ? s->desired.file : "the topology");
		return;
	}
	printf("\n%sdrift%s (`topo apply` would do):\n", red, off);
	plan_print(p, stdout, color);
}

static void show_json(const struct session *s)
{
	const struct plan *p = &s->diff.plan;
	char a[TOPO_IP_STRLEN], mac[18], line[512];
	bool first_step = true;

	printf("{\"topology\":");
	json_string(stdout, s->desired.name);
	printf(",\"namespaces\":[");
	for (size_t n = 0; n < s->observed.n_ns; n++) {
		const struct topo_ns *o = &s->observed.ns[n];
		bool first = true;

		printf("%s\n {\"name\":", n ? "," : "");
		json_string(stdout, o->name);
		printf(",\"kind\":\"%s\",\"exists\":%s,\"interfaces\":[", kind_word(o->kind), o->exists ? "true" : "false");
		for (size_t i = 0; i < o->n_ifaces; i++) {
			const struct topo_iface *ifc = &o->ifaces[i];
			bool fa = true;

			if (!session_iface_ours(s, o, ifc))
				continue;
			printf("%s\n  {\"name\":", first ? "" : ",");
			json_string(stdout, ifc->name);
			printf(",\"type\":\"%s\",\"ifindex\":%d,\"state\":\"%s\",\"mtu\":%u", topo_iftype_name(ifc->type),
			       ifc->ifindex, ifc->up ? "up" : "down", ifc->mtu);
			if (ifc->has_mac)
				printf(",\"mac\":\"%s\"", topo_mac_format(ifc->mac, mac));
			printf(",\"owned\":%s,\"addresses\":[", ifc->owned ? "true" : "false");
			for (size_t k = 0; k < ifc->n_addrs; k++) {
				if (!session_addr_ours(s, o, ifc, &ifc->addrs[k]))
					continue;
				printf("%s\"%s\"", fa ? "" : ",", topo_ip_format(&ifc->addrs[k].ip, true, a, sizeof(a)));
				fa = false;
			}
			printf("]");
			if (ifc->master[0]) {
				printf(",\"master\":");
				json_string(stdout, ifc->master);
			}
			if (topo_lt_is(ifc->type, TOPO_LT_PAIR)) {
				printf(",\"peer\":{\"namespace\":");
				json_string(stdout, ifc->peer_ns);
				printf(",\"interface\":");
				json_string(stdout, ifc->peer_name);
				printf(",\"ifindex\":%d}", ifc->peer_ifindex);
			}
			printf(",\"options\":{");
			for (size_t k = 0, nopt = 0; ifc->type && k < ifc->type->n_opts; k++) {
				char v[96];

				if (!ifc->opt[k].set)
					continue;
				topo_lopt_format_ip(&ifc->type->opts[k], &ifc->opt[k], v, sizeof(v));
				printf("%s", nopt++ ? "," : "");
				json_string(stdout, ifc->type->opts[k].key);
				printf(":");
				json_string(stdout, v);
			}
			printf("}");
			printf(",\"drift\":%s}", iface_drifted(p, o->name, ifc->name) ? "true" : "false");
			first = false;
		}
		printf("],\"routes\":[");
		first = true;
		for (size_t i = 0; i < o->n_routes; i++) {
			if (!session_route_ours(s, o, &o->routes[i]))
				continue;
			route_text(&o->routes[i], line, sizeof(line));
			printf("%s", first ? "" : ",");
			json_string(stdout, line);
			first = false;
		}
		printf("],\"sysctls\":{");
		for (size_t i = 0; i < o->n_sysctls; i++) {
			printf("%s", i ? "," : "");
			json_string(stdout, o->sysctls[i].key);
			printf(":");
			if (o->sysctls[i].value)
				json_string(stdout, o->sysctls[i].value);
			else
				printf("null");
		}
		printf("},\"nft\":[");
		first = true;
		for (size_t i = 0; session_nft_ours(s, o) && i < o->n_nft_rules; i++) {
			if (strncmp(o->nft_rules[i].text, "type ", 5) == 0)
				continue;
			printf("%s{\"chain\":", first ? "" : ",");
			json_string(stdout, o->nft_rules[i].chain);
			printf(",\"rule\":");
			json_string(stdout, o->nft_rules[i].text);
			printf("}");
			first = false;
		}
		printf("]}");
	}
	printf("\n],\"drift\":[");
	for (size_t i = 0; i < p->n; i++) {
		if (p->steps[i].implicit)
			continue;
		step_format(&p->steps[i], line, sizeof(line));
		printf("%s", first_step ? "" : ",");
		json_string(stdout, line);
		first_step = false;
	}
	printf("]}\n");
}

int cmd_show(int argc, char **argv)
{
	struct cmd_opts opts;
	struct session s;
	struct topology empty = { 0 };
	int r;

	r = cmd_parse(argc, argv, OPT_JSON | OPT_NAME, "show [--json] [--no-color] FILE | --name TOPOLOGY", &opts);
	if (r)
		return r;
	r = session_open(&s, &opts, false);
	if (r == 0) {
		/* Without the file, show what the kernel's marks and the state file find. */
		const struct topology *want = &s.desired;

		if (!s.have_desired) {
			snprintf(empty.name, sizeof(empty.name), "%s", s.desired.name);
			want = &empty;
		}
		r = session_diff(&s, want, !s.have_desired);
		/* Drift needs the file: against nothing, everything would look surplus. */
		if (r == 0 && !s.have_desired)
			plan_free(&s.diff.plan);
	}
	if (r == 0) {
		if (opts.json)
			show_json(&s);
		else
			show_text(&s, opts.color);
	}
	session_close(&s);
	return r;
}
