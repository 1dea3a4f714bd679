// SPDX-License-Identifier: MIT
#include "reconcile/plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/ip.h"
#include "model/json.h"
#include "model/names.h"

int plan_append(struct plan *p, const struct step *s)
{
	size_t n = p->n;

	if (n == 0 || (n >= 16 && (n & (n - 1)) == 0)) {
		struct step *v = realloc(p->steps, (n < 16 ? 16 : n * 2) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->steps = v;
	}
	p->steps[p->n++] = *s;
	return 0;
}

void step_free(struct step *s)
{
	free(s->key);
	free(s->value);
	free(s->old_value);
	free(s->nft_saved);
	free(s->detail);
	free(s->waits);
	s->key = s->value = s->old_value = s->detail = NULL;
	s->nft_saved = NULL;
	s->waits = NULL;
	s->n_waits = 0;
}

void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		step_free(&p->steps[i]);
	free(p->steps);
	memset(p, 0, sizeof(*p));
}

static int dup_or_null(const char *s, char **ret)
{
	*ret = NULL;
	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

int step_invert(const struct step *s, struct step *ret)
{
	struct step v = *s;

	/* Fresh copies of what the inverse owns. */
	v.key = v.value = v.old_value = v.detail = NULL;
	v.nft_saved = NULL;
	v.nft_saved_len = 0;
	v.waits = NULL;
	v.n_waits = 0;
	v.implicit = false;
	v.follows_add = false;
	v.peer_followups = false;
	v.note = "rollback";

	switch (s->op) {
	case STEP_NETNS_ADD: v.op = STEP_NETNS_DEL; break;
	case STEP_NETNS_DEL:
		v.op = STEP_NETNS_ADD;
		v.netns_ipv6 = true;   /* what it held is not known here; a rollback can afford it */
		break;
	case STEP_LINK_ADD: v.op = STEP_LINK_DEL; break;
	case STEP_LINK_DEL:
		v.op = STEP_LINK_ADD;
		v.peer_followups = true;
		break;
	case STEP_LINK_SET:
		v.old = s->new;
		v.new = s->old;
		break;
	case STEP_ADDR_ADD: v.op = STEP_ADDR_DEL; break;
	case STEP_ADDR_DEL: v.op = STEP_ADDR_ADD; break;
	case STEP_ROUTE_ADD: v.op = STEP_ROUTE_DEL; break;
	case STEP_ROUTE_DEL: v.op = STEP_ROUTE_ADD; break;
	case STEP_ROUTE_REPLACE:
		v.route = s->old_route;
		v.old_route = s->route;
		break;
	case STEP_SYSCTL_SET:
		if (!s->old_value)
			return 1;   /* never written */
		if (dup_or_null(s->key, &v.key) < 0 || dup_or_null(s->old_value, &v.value) < 0 ||
		    dup_or_null(s->value, &v.old_value) < 0)
			goto oom;
		break;
	case STEP_NFT_SET:
	case STEP_NFT_DEL:
		if (!s->nft_had_table) {
			if (s->op == STEP_NFT_DEL)
				return 1;
			v.op = STEP_NFT_DEL;
			break;
		}
		v.op = STEP_NFT_RESTORE;
		if (s->nft_saved_len) {
			v.nft_saved = malloc(s->nft_saved_len);
			if (!v.nft_saved)
				goto oom;
			memcpy(v.nft_saved, s->nft_saved, s->nft_saved_len);
			v.nft_saved_len = s->nft_saved_len;
		}
		break;
	case STEP_NFT_RESTORE:
		return 1;
	}
	*ret = v;
	return 0;
oom:
	step_free(&v);
	return -ENOMEM;
}

bool sysctl_key_is_global_forwarding(const char *key)
{
	return strcmp(key, "net.ipv4.ip_forward") == 0 || strcmp(key, "net.ipv4.conf.all.forwarding") == 0 ||
	       strcmp(key, "net.ipv6.conf.all.forwarding") == 0;
}

bool sysctl_key_iface(const char *key, char *ifname)
{
	return topo_sysctl_key_iface(key, ifname);
}

struct plan_counts plan_count(const struct plan *p)
{
	struct plan_counts c = { 0, 0, 0 };

	for (size_t i = 0; i < p->n; i++) {
		const struct step *s = &p->steps[i];

		if (s->implicit || s->follows_add)
			continue;
		switch (s->op) {
		case STEP_NETNS_ADD:
		case STEP_LINK_ADD:
		case STEP_ADDR_ADD:
		case STEP_ROUTE_ADD:
			c.add++;
			break;
		case STEP_NFT_SET:
			if (s->nft_had_table)
				c.change++;
			else
				c.add++;
			break;
		case STEP_LINK_SET:
		case STEP_ROUTE_REPLACE:
		case STEP_SYSCTL_SET:
		case STEP_NFT_RESTORE:
			c.change++;
			break;
		case STEP_NETNS_DEL:
		case STEP_LINK_DEL:
		case STEP_ADDR_DEL:
		case STEP_ROUTE_DEL:
		case STEP_NFT_DEL:
			c.remove++;
			break;
		}
	}
	return c;
}

const char *step_op_name(enum step_op op)
{
	static const char *const names[] = {
		[STEP_NETNS_ADD] = "netns_add", [STEP_NETNS_DEL] = "netns_del",
		[STEP_LINK_ADD] = "link_add", [STEP_LINK_DEL] = "link_del", [STEP_LINK_SET] = "link_set",
		[STEP_ADDR_ADD] = "address_add", [STEP_ADDR_DEL] = "address_del",
		[STEP_ROUTE_ADD] = "route_add", [STEP_ROUTE_DEL] = "route_del",
		[STEP_ROUTE_REPLACE] = "route_replace", [STEP_SYSCTL_SET] = "sysctl_set",
		[STEP_NFT_SET] = "nft_set", [STEP_NFT_DEL] = "nft_del", [STEP_NFT_RESTORE] = "nft_restore",
	};

	return op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}

/* ---------------------------------------------------------- formatting -- */

struct fbuf {
	char *p;
	size_t len, used;
};

__attribute__((format(printf, 2, 3)))
static void fb(struct fbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->used >= b->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->used, b->len - b->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->used += (size_t)n < b->len - b->used ? (size_t)n : b->len - b->used - 1;
}

static void fb_netns(struct fbuf *b, const char *ns)
{
	if (strcmp(ns, TOPO_NS_HOST) != 0)
		fb(b, " netns %s", ns);
}

static void fb_link_attrs(struct fbuf *b, const struct topo_iface *l)
{
	char mac[18];

	if (l->mtu)
		fb(b, " mtu %u", l->mtu);
	if (l->has_mac)
		fb(b, " address %s", topo_mac_format(l->mac, mac));
	if (l->master[0])
		fb(b, " master %s", l->master);
}

static void fb_route(struct fbuf *b, const struct topo_route *rt)
{
	char a[TOPO_IP_STRLEN];

	if (rt->type != TOPO_RT_UNICAST)
		fb(b, " %s", topo_rtype_name(rt->type));
	if (rt->dst.plen == 0)
		fb(b, " default");
	else
		fb(b, " %s", topo_ip_format(&rt->dst, true, a, sizeof(a)));
	if (rt->via.family)
		fb(b, " via %s", topo_ip_format(&rt->via, false, a, sizeof(a)));
	if (rt->dev[0])
		fb(b, " dev %s", rt->dev);
	if (rt->src.family)
		fb(b, " src %s", topo_ip_format(&rt->src, false, a, sizeof(a)));
	if (rt->metric && !(rt->dst.family == AF_INET6 && rt->metric == 1024))
		fb(b, " metric %u", rt->metric);
	if (rt->table != TOPO_TABLE_MAIN)
		fb(b, " table %u", rt->table);
	if (rt->dst.plen == 0 && rt->dst.family == AF_INET6)
		fb(b, " (ipv6)");
}

static void fb_link_add(struct fbuf *b, const struct step *s)
{
	const struct topo_iface *l = &s->link;
	char a[TOPO_IP_STRLEN];

	fb(b, "link add %s", l->name);
	if (l->type == TOPO_IF_VETH) {
		fb_netns(b, s->ns);
		fb(b, " type veth");
		fb_link_attrs(b, l);
		fb(b, " peer %s", s->peer.name);
		if (strcmp(s->peer_ns, s->ns) != 0)
			fb(b, " netns %s", s->peer_ns);
		fb_link_attrs(b, &s->peer);
		return;
	}
	fb(b, " type %s", topo_iftype_name(l->type));
	if (l->type == TOPO_IF_VXLAN) {
		fb(b, " id %u", l->vxlan.vni);
		if (l->vxlan.remote.family)
			fb(b, " remote %s", topo_ip_format(&l->vxlan.remote, false, a, sizeof(a)));
		if (l->vxlan.group.family)
			fb(b, " group %s", topo_ip_format(&l->vxlan.group, false, a, sizeof(a)));
		if (l->vxlan.local.family)
			fb(b, " local %s", topo_ip_format(&l->vxlan.local, false, a, sizeof(a)));
		if (l->vxlan.dev[0])
			fb(b, " dev %s", l->vxlan.dev);
		fb(b, " dstport %u", l->vxlan.port);
		if (l->flood.nolearning)
			fb(b, " nolearning");
		for (uint8_t k = 0; k < l->flood.n; k++)
			fb(b, "%s%s", k ? "," : " flood ", topo_ip_format(&l->flood.dst[k], false, a, sizeof(a)));
	}
	if (l->type == TOPO_IF_BRIDGE && l->stp >= 0)
		fb(b, " stp_state %d", l->stp);
	fb_link_attrs(b, l);
	fb_netns(b, s->ns);
}

void step_format(const struct step *s, char *buf, size_t len)
{
	struct fbuf b = { .p = buf, .len = len };
	char a[TOPO_IP_STRLEN], mac[18];

	buf[0] = '\0';
	switch (s->op) {
	case STEP_NETNS_ADD:
		fb(&b, "+ netns add %s", s->ns);
		break;
	case STEP_NETNS_DEL:
		fb(&b, "- netns del %s", s->ns);
		/* Links elsewhere that go with it, so the reader sees them go. */
		for (size_t i = 0; i < s->n_waits && i < 3; i++)
			fb(&b, "%s%s:%s", i ? ", " : " (with ", s->waits[i].ns, s->waits[i].name);
		if (s->n_waits > 3)
			fb(&b, " and %zu more", s->n_waits - 3);
		if (s->n_waits)
			fb(&b, ")");
		break;
	case STEP_LINK_ADD:
		fb(&b, "+ ");
		fb_link_add(&b, s);
		break;
	case STEP_LINK_DEL:
		fb(&b, "- link del %s", s->link.name);
		fb_netns(&b, s->ns);
		if (s->peer.name[0])
			fb(&b, " (veth, with its peer %s%s%s)", s->peer.name,
			   strcmp(s->peer_ns, TOPO_NS_HOST) ? " in " : "",
			   strcmp(s->peer_ns, TOPO_NS_HOST) ? s->peer_ns : "");
		break;
	case STEP_LINK_SET:
		fb(&b, "~ link set %s", s->ifname);
		switch (s->attr) {
		case LINK_ATTR_MASTER:
			if (s->new.master[0])
				fb(&b, " master %s", s->new.master);
			else
				fb(&b, " nomaster");
			break;
		case LINK_ATTR_MTU:
			fb(&b, " mtu %u", s->new.mtu);
			break;
		case LINK_ATTR_MAC:
			fb(&b, " address %s", topo_mac_format(s->new.mac, mac));
			break;
		case LINK_ATTR_STP:
			fb(&b, " type bridge stp_state %d", s->new.flag);
			break;
		case LINK_ATTR_UP:
			fb(&b, " %s", s->new.flag ? "up" : "down");
			break;
		case LINK_ATTR_MARK:
			fb(&b, " alias %s", s->new.flag ? "topo:<topology>" : "\"\"");
			break;
		}
		fb_netns(&b, s->ns);
		break;
	case STEP_ADDR_ADD:
	case STEP_ADDR_DEL:
		fb(&b, "%s address %s %s dev %s", s->op == STEP_ADDR_ADD ? "+" : "-",
		   s->op == STEP_ADDR_ADD ? "add" : "del", topo_ip_format(&s->addr.ip, true, a, sizeof(a)), s->ifname);
		fb_netns(&b, s->ns);
		break;
	case STEP_ROUTE_ADD:
	case STEP_ROUTE_DEL:
	case STEP_ROUTE_REPLACE:
		fb(&b, "%s route %s", s->op == STEP_ROUTE_ADD ? "+" : s->op == STEP_ROUTE_DEL ? "-" : "~",
		   s->op == STEP_ROUTE_ADD ? "add" : s->op == STEP_ROUTE_DEL ? "del" : "replace");
		fb_route(&b, &s->route);
		fb_netns(&b, s->ns);
		break;
	case STEP_SYSCTL_SET:
		fb(&b, "~ sysctl %s=%s", s->key, s->value);
		fb_netns(&b, s->ns);
		if (s->old_value)
			fb(&b, " (was %s)", s->old_value);
		break;
	case STEP_NFT_SET:
		fb(&b, "%s nft table inet %s", s->nft_had_table ? "~" : "+", s->table);
		fb_netns(&b, s->ns);
		break;
	case STEP_NFT_DEL:
		fb(&b, "- nft table inet %s", s->table);
		fb_netns(&b, s->ns);
		break;
	case STEP_NFT_RESTORE:
		fb(&b, "~ nft table inet %s restored", s->table);
		fb_netns(&b, s->ns);
		break;
	}
	if (s->note)
		fb(&b, "  # %s", s->note);
}

void plan_print(const struct plan *p, FILE *out, bool color)
{
	char line[1024];

	for (size_t i = 0; i < p->n; i++) {
		const struct step *s = &p->steps[i];
		const char *c = "";

		if (s->implicit)
			continue;
		step_format(s, line, sizeof(line));
		if (color)
			c = line[0] == '+' ? "\033[32m" : line[0] == '-' ? "\033[31m" : "\033[33m";
		fprintf(out, "%s%s%s\n", c, line, color ? "\033[0m" : "");
		if (s->detail) {
			const char *d = s->detail;

			while (*d) {
				const char *nl = strchr(d, '\n');
				int n = nl ? (int)(nl - d) : (int)strlen(d);

				fprintf(out, "    %.*s\n", n, d);
				d += n + (nl ? 1 : 0);
			}
		}
	}
}

void plan_print_json(const struct plan *p, FILE *out)
{
	char line[1024];
	struct plan_counts c = plan_count(p);
	bool first = true;

	fprintf(out, "{\"steps\":[");
	for (size_t i = 0; i < p->n; i++) {
		const struct step *s = &p->steps[i];

		if (s->implicit)
			continue;
		step_format(s, line, sizeof(line));
		fprintf(out, "%s\n  {\"op\":\"%s\",\"ns\":", first ? "" : ",", step_op_name(s->op));
		json_string(out, s->ns);
		fprintf(out, ",\"text\":");
		json_string(out, line);
		if (s->note) {
			fprintf(out, ",\"note\":");
			json_string(out, s->note);
		}
		if (s->detail) {
			fprintf(out, ",\"detail\":");
			json_string(out, s->detail);
		}
		if (s->pos.line)
			fprintf(out, ",\"line\":%u,\"column\":%u", s->pos.line, s->pos.col);
		fprintf(out, "}");
		first = false;
	}
	fprintf(out, "%s],\"add\":%zu,\"change\":%zu,\"remove\":%zu}\n", first ? "" : "\n", c.add, c.change, c.remove);
}
