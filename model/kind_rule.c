// SPDX-License-Identifier: MIT
/*
 * `rules:` of a namespace: policy routing rules, as `ip rule`. The kernel
 * knows a rule by all of its selectors, its action and its priority, so the
 * key is the whole rule (two rules differing only in their protocol are two
 * rules: topo's carry FRA_PROTOCOL 149 and never match a foreign twin).
 * A priority is required: without one the kernel picks it, and the file
 * would not say which rule is which.
 *
 * `replace_default: true` on a rule that looks up local, main or default
 * deletes the kernel's default rule of that table and family (0: lookup
 * local, 32766: lookup main, 32767: lookup default) while the rule stands,
 * as fib_rule_tests does to move `lookup local`. Nothing else may touch a
 * default rule; a default that is missing while topo has a rule of its own
 * looking up that table from all is put back.
 */
#include "model/kind_rule.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/ip.h"
#include "model/names.h"

#define RTPROT_KERNEL_ 2

static const struct {
	const char *name;
	uint8_t proto;
} ipprotos[] = { { "icmp", 1 }, { "tcp", 6 }, { "udp", 17 }, { "icmpv6", 58 }, { "sctp", 132 } };

static const struct {
	const char *name;
	uint8_t action;
} actions[] = {
	{ "lookup", TOPO_RULE_LOOKUP }, { "blackhole", TOPO_RULE_BLACKHOLE },
	{ "unreachable", TOPO_RULE_UNREACHABLE }, { "prohibit", TOPO_RULE_PROHIBIT },
};

static const char *action_name(uint8_t a)
{
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (actions[i].action == a)
			return actions[i].name;
	return "?";
}

static const char *ipproto_name(uint8_t p, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(ipprotos) / sizeof(ipprotos[0]); i++)
		if (ipprotos[i].proto == p)
			return ipprotos[i].name;
	snprintf(buf, len, "%u", p);
	return buf;
}

static const char *table_name(uint32_t t, char *buf, size_t len)
{
	if (t == TOPO_TABLE_MAIN)
		return "main";
	if (t == TOPO_TABLE_LOCAL)
		return "local";
	if (t == TOPO_TABLE_DEFAULT)
		return "default";
	snprintf(buf, len, "%u", t);
	return buf;
}

/* "N" or "LOW-HIGH", LOW <= HIGH, each in [0, max]. */
static bool parse_range(const char *s, uint64_t max, uint32_t *lo, uint32_t *hi)
{
	char *end;
	unsigned long long a, b;

	if (!s[0] || s[0] == '-' || s[0] == '+')
		return false;
	a = strtoull(s, &end, 10);
	if (*end == '\0') {
		b = a;
	} else if (*end == '-' && end[1] && end[1] != '-' && end[1] != '+') {
		b = strtoull(end + 1, &end, 10);
		if (*end)
			return false;
	} else {
		return false;
	}
	if (a > max || b > max || a > b)
		return false;
	*lo = (uint32_t)a;
	*hi = (uint32_t)b;
	return true;
}

/* "MARK" or "MARK/MASK", decimal or 0x hex. */
static bool parse_fwmark(const char *s, uint32_t *mark, uint32_t *mask)
{
	char *end;
	unsigned long long m, k = 0xffffffffu;

	if (!s[0] || s[0] == '-' || s[0] == '+')
		return false;
	m = strtoull(s, &end, 0);
	if (*end == '/') {
		const char *t = end + 1;

		if (!t[0] || t[0] == '-' || t[0] == '+')
			return false;
		k = strtoull(t, &end, 0);
	}
	if (*end || m > 0xffffffffu || k > 0xffffffffu)
		return false;
	*mark = (uint32_t)m;
	*mask = (uint32_t)k;
	return true;
}

static bool rule_load(struct loader *ld, const struct ynode *n, void *obj)
{
	struct topo_rule *r = obj;
	const struct ynode *prio = NULL, *table = NULL, *action = NULL, *family = NULL, *from = NULL, *to = NULL;
	const struct ynode *repl = NULL, *sport = NULL, *dport = NULL, *ipproto = NULL;
	bool ok = true;
	uint64_t u;

	if (!topo_ld_map(ld, n, "a rule"))
		return false;
	r->action = TOPO_RULE_LOOKUP;
	for (size_t i = 0; i < topo_ld_len(n); i++) {
		const struct ynode *k = topo_ld_key(n, i), *v = topo_ld_val(n, i);
		const char *key = topo_ld_text(k), *s;

		if (topo_ld_type(k) != TOPO_YN_SCALAR)
			continue;
		if (strcmp(key, "priority") == 0) {
			prio = v;
			if (topo_ld_uint(ld, v, "priority", 0, 4294967295u, &u))
				r->priority = (uint32_t)u;
			else
				ok = false;
		} else if (strcmp(key, "family") == 0) {
			family = v;
			s = topo_ld_str(ld, v, "family");
			if (s && (strcmp(s, "ipv4") == 0 || strcmp(s, "inet") == 0))
				r->family = AF_INET;
			else if (s && (strcmp(s, "ipv6") == 0 || strcmp(s, "inet6") == 0))
				r->family = AF_INET6;
			else {
				if (s)
					topo_ld_diag(ld, v, "family '%s' is not ipv4 or ipv6", s);
				ok = false;
			}
		} else if (strcmp(key, "from") == 0 || strcmp(key, "to") == 0) {
			struct topo_ip *ip = key[0] == 'f' ? &r->from : &r->to;

			if (key[0] == 'f')
				from = v;
			else
				to = v;
			if (topo_ld_type(v) == TOPO_YN_SCALAR && strcmp(topo_ld_text(v), "all") == 0)
				memset(ip, 0, sizeof(*ip));
			else
				ok &= topo_ld_network(ld, v, key[0] == 'f' ? "rule 'from'" : "rule 'to'", ip);
		} else if (strcmp(key, "iif") == 0) {
			ok &= topo_ld_ifname(ld, v, "iif", r->iif);
		} else if (strcmp(key, "oif") == 0) {
			ok &= topo_ld_ifname(ld, v, "oif", r->oif);
		} else if (strcmp(key, "fwmark") == 0) {
			s = topo_ld_type(v) == TOPO_YN_SCALAR ? topo_ld_text(v) : NULL;
			if (!s || !parse_fwmark(s, &r->fwmark, &r->fwmask)) {
				topo_ld_diag(ld, v, "fwmark must be MARK or MARK/MASK (integers up to 0xffffffff, e.g. 0x1/0xff)");
				ok = false;
			}
			r->has_fwmark = true;
		} else if (strcmp(key, "tos") == 0 || strcmp(key, "dsfield") == 0) {
			s = topo_ld_type(v) == TOPO_YN_SCALAR ? topo_ld_text(v) : "";
			char *end;
			unsigned long t = strtoul(s, &end, 0);

			if (!s[0] || *end || t > 255 || s[0] == '-') {
				topo_ld_diag(ld, v, "%s must be an integer 0-255 (e.g. 0x10)", key);
				ok = false;
			}
			r->tos = (uint8_t)t;
		} else if (strcmp(key, "ipproto") == 0) {
			bool found = false;

			ipproto = v;
			s = topo_ld_type(v) == TOPO_YN_SCALAR ? topo_ld_text(v) : "";
			for (size_t p = 0; p < sizeof(ipprotos) / sizeof(ipprotos[0]); p++)
				if (strcmp(s, ipprotos[p].name) == 0) {
					r->ipproto = ipprotos[p].proto;
					found = true;
				}
			if (!found && topo_ld_uint(ld, v, "ipproto (tcp, udp, sctp, icmp, icmpv6 or a number)", 1, 255, &u))
				r->ipproto = (uint8_t)u;
			else if (!found)
				ok = false;
		} else if (strcmp(key, "sport") == 0 || strcmp(key, "dport") == 0) {
			uint16_t *lo = key[0] == 's' ? &r->sport_lo : &r->dport_lo;
			uint16_t *hi = key[0] == 's' ? &r->sport_hi : &r->dport_hi;

			if (key[0] == 's')
				sport = v;
			else
				dport = v;
			ok &= topo_ld_port_range(ld, v, lo, hi);
		} else if (strcmp(key, "uidrange") == 0) {
			s = topo_ld_type(v) == TOPO_YN_SCALAR ? topo_ld_text(v) : "";
			if (!parse_range(s, 4294967294u, &r->uid_lo, &r->uid_hi)) {
				topo_ld_diag(ld, v, "uidrange must be UID or \"LOW-HIGH\" with LOW <= HIGH");
				ok = false;
			}
			r->has_uidrange = true;
		} else if (strcmp(key, "table") == 0) {
			table = v;
			ok &= topo_ld_table(ld, v, &r->table);
		} else if (strcmp(key, "action") == 0) {
			bool found = false;

			action = v;
			s = topo_ld_str(ld, v, "action");
			for (size_t a = 0; s && a < sizeof(actions) / sizeof(actions[0]); a++)
				if (strcmp(s, actions[a].name) == 0) {
					r->action = actions[a].action;
					found = true;
				}
			if (s && !found)
				topo_ld_diag(ld, v, "rule action '%s' is not one of lookup, blackhole, unreachable, prohibit", s);
			ok &= found;
		} else if (strcmp(key, "replace_default") == 0) {
			repl = v;
			ok &= topo_ld_bool(ld, v, "replace_default", &r->replace_default);
		} else {
			topo_ld_unknown_key(ld, k, "a rule",
					    "priority, family, from, to, iif, oif, fwmark, tos, dsfield, ipproto, sport, "
					    "dport, uidrange, table, action, replace_default");
		}
	}
	if (!ok)
		return false;
	if (!prio) {
		topo_ld_diag(ld, n, "a rule needs 'priority' (without one the kernel picks it)");
		return false;
	}
	/* The family: from the addresses, else `family:`, else IPv4. */
	uint8_t fam = r->from.family ? r->from.family : r->to.family;

	if (r->from.family && r->to.family && r->from.family != r->to.family) {
		topo_ld_diag(ld, to, "rule 'to' is not in the same address family as 'from'");
		return false;
	}
	if (fam && family && fam != r->family) {
		topo_ld_diag(ld, family, "family says %s, but the rule's addresses are %s",
			     r->family == AF_INET6 ? "ipv6" : "ipv4", fam == AF_INET6 ? "ipv6" : "ipv4");
		return false;
	}
	if (!r->family)
		r->family = fam ? fam : AF_INET;
	(void)from;
	if (r->action != TOPO_RULE_LOOKUP && table) {
		topo_ld_diag(ld, table, "a %s rule takes no table", action_name(r->action));
		return false;
	}
	if (r->action == TOPO_RULE_LOOKUP && !table)
		r->table = TOPO_TABLE_MAIN;
	if ((sport || dport) && !ipproto) {
		topo_ld_diag(ld, sport ? sport : dport, "sport and dport need 'ipproto' (tcp, udp or sctp)");
		return false;
	}
	if (r->has_fwmark && r->fwmask == 0) {
		topo_ld_diag(ld, n, "fwmark with mask 0 matches every packet; leave the fwmark out");
		return false;
	}
	(void)action;
	if (r->replace_default) {
		bool v6 = r->family == AF_INET6;

		if (r->action != TOPO_RULE_LOOKUP ||
		    (r->table != TOPO_TABLE_LOCAL && r->table != TOPO_TABLE_MAIN &&
		     (v6 || r->table != TOPO_TABLE_DEFAULT))) {
			topo_ld_diag(ld, repl, "replace_default needs a rule that looks up a table with a kernel default "
				     "rule: local, main%s", v6 ? " (IPv6 has no default-table rule)" : " or default");
			return false;
		}
	}
	return true;
}

static int u32cmp(uint32_t a, uint32_t b)
{
	return (a > b) - (a < b);
}

static int rule_cmp(const void *a, const void *b)
{
	const struct topo_rule *x = a, *y = b;
	int c;

	if ((c = u32cmp(x->family, y->family)) || (c = u32cmp(x->priority, y->priority)) ||
	    (c = u32cmp(x->action, y->action)) || (c = u32cmp(x->table, y->table)) ||
	    (c = topo_ip_cmp(&x->from, &y->from)) || (c = topo_ip_cmp(&x->to, &y->to)) ||
	    (c = strcmp(x->iif, y->iif)) || (c = strcmp(x->oif, y->oif)) ||
	    (c = u32cmp(x->has_fwmark, y->has_fwmark)) || (c = u32cmp(x->fwmark, y->fwmark)) ||
	    (c = u32cmp(x->fwmask, y->fwmask)) || (c = u32cmp(x->tos, y->tos)) ||
	    (c = u32cmp(x->ipproto, y->ipproto)) || (c = u32cmp(x->sport_lo, y->sport_lo)) ||
	    (c = u32cmp(x->sport_hi, y->sport_hi)) || (c = u32cmp(x->dport_lo, y->dport_lo)) ||
	    (c = u32cmp(x->dport_hi, y->dport_hi)) || (c = u32cmp(x->has_uidrange, y->has_uidrange)) ||
	    (c = u32cmp(x->uid_lo, y->uid_lo)) || (c = u32cmp(x->uid_hi, y->uid_hi)))
		return c;
	return 0;
}

static uint8_t rule_proto(const void *o)
{
	return ((const struct topo_rule *)o)->proto;
}

static void rule_set_proto(void *o, uint8_t proto)
{
	((struct topo_rule *)o)->proto = proto;
}

static size_t rule_defaults(union topo_obj_buf *out, size_t max)
{
	static const struct {
		uint8_t family;
		uint32_t priority, table;
	} d[] = {
		{ AF_INET, 0, TOPO_TABLE_LOCAL }, { AF_INET, 32766, TOPO_TABLE_MAIN },
		{ AF_INET, 32767, TOPO_TABLE_DEFAULT }, { AF_INET6, 0, TOPO_TABLE_LOCAL },
		{ AF_INET6, 32766, TOPO_TABLE_MAIN },
	};
	size_t n = 0;

	for (; n < sizeof(d) / sizeof(d[0]) && n < max; n++) {
		struct topo_rule *r = (struct topo_rule *)out[n].b;

		memset(r, 0, sizeof(*r));
		r->family = d[n].family;
		r->priority = d[n].priority;
		r->table = d[n].table;
		r->action = TOPO_RULE_LOOKUP;
		r->proto = RTPROT_KERNEL_;
	}
	return n;
}

static bool rule_displaces(const void *d, const void *dflt)
{
	const struct topo_rule *x = d, *y = dflt;

	return x->replace_default && x->family == y->family && x->table == y->table;
}

/* A rule of ours from all to all looking up the default's table. */
static bool rule_covers(const void *o, const void *dflt)
{
	const struct topo_rule *x = o, *y = dflt;
	struct topo_rule bare = *y;

	bare.priority = x->priority;
	bare.proto = x->proto;
	return x->family == y->family && rule_cmp(x, &bare) == 0;
}

static void rule_set_displaces(void *o)
{
	((struct topo_rule *)o)->replace_default = true;
}

static void rule_format(const void *o, char *buf, size_t len)
{
	const struct topo_rule *r = o;
	char a[TOPO_IP_STRLEN], t[16];
	size_t used = 0;

#define RF(...)                                                                    \
	do {                                                                       \
		int n_ = snprintf(buf + used, used < len ? len - used : 0, __VA_ARGS__); \
		if (n_ > 0)                                                        \
			used = used + (size_t)n_ < len ? used + (size_t)n_ : len;  \
	} while (0)
	buf[0] = '\0';
	RF("pref %u", r->priority);
	RF(" from %s", r->from.family ? topo_ip_format(&r->from, true, a, sizeof(a)) : "all");
	if (r->to.family)
		RF(" to %s", topo_ip_format(&r->to, true, a, sizeof(a)));
	if (r->iif[0])
		RF(" iif %s", r->iif);
	if (r->oif[0])
		RF(" oif %s", r->oif);
	if (r->has_fwmark) {
		RF(" fwmark %#x", r->fwmark);
		if (r->fwmask != 0xffffffffu)
			RF("/%#x", r->fwmask);
	}
	if (r->tos)
		RF(" tos %#x", r->tos);
	if (r->ipproto)
		RF(" ipproto %s", ipproto_name(r->ipproto, t, sizeof(t)));
	if (r->sport_lo && r->sport_lo == r->sport_hi)
		RF(" sport %u", r->sport_lo);
	else if (r->sport_lo)
		RF(" sport %u-%u", r->sport_lo, r->sport_hi);
	if (r->dport_lo && r->dport_lo == r->dport_hi)
		RF(" dport %u", r->dport_lo);
	else if (r->dport_lo)
		RF(" dport %u-%u", r->dport_lo, r->dport_hi);
	if (r->has_uidrange)
		RF(" uidrange %u-%u", r->uid_lo, r->uid_hi);
	if (r->action == TOPO_RULE_LOOKUP)
		RF(" lookup %s", table_name(r->table, t, sizeof(t)));
	else
		RF(" %s", action_name(r->action));
	if (r->family == AF_INET6 && !r->from.family && !r->to.family)
		RF(" (ipv6)");
#undef RF
}

static void rule_emit(FILE *out, const void *o, int indent)
{
	const struct topo_rule *r = o;
	char a[TOPO_IP_STRLEN], t[16];
	const char *lead = "- ";

#define EK(fmt, ...)                                                                  \
	do {                                                                          \
		fprintf(out, "%*s%s" fmt "\n", indent, "", lead, __VA_ARGS__);        \
		lead = "  ";                                                          \
	} while (0)
	EK("priority: %u", r->priority);
	if (r->family == AF_INET6 && !r->from.family && !r->to.family)
		EK("family: %s", "ipv6");
	if (r->from.family)
		EK("from: \"%s\"", topo_ip_format(&r->from, true, a, sizeof(a)));
	if (r->to.family)
		EK("to: \"%s\"", topo_ip_format(&r->to, true, a, sizeof(a)));
	if (r->iif[0])
		EK("iif: %s", r->iif);
	if (r->oif[0])
		EK("oif: %s", r->oif);
	if (r->has_fwmark)
		EK("fwmark: \"%#x/%#x\"", r->fwmark, r->fwmask);
	if (r->tos)
		EK("tos: %u", r->tos);
	if (r->ipproto)
		EK("ipproto: %s", ipproto_name(r->ipproto, t, sizeof(t)));
	if (r->sport_lo)
		EK("sport: \"%u-%u\"", r->sport_lo, r->sport_hi);
	if (r->dport_lo)
		EK("dport: \"%u-%u\"", r->dport_lo, r->dport_hi);
	if (r->has_uidrange)
		EK("uidrange: \"%u-%u\"", r->uid_lo, r->uid_hi);
	if (r->action == TOPO_RULE_LOOKUP)
		EK("table: %s", table_name(r->table, t, sizeof(t)));
	else
		EK("action: %s", action_name(r->action));
	if (r->replace_default)
		EK("replace_default: %s", "true");
#undef EK
}

static void rule_validate(struct loader *ld, const struct topo_ns *ns, const void *objs, size_t n)
{
	const struct topo_rule *v = objs;

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < i; j++)
			if (rule_cmp(&v[i], &v[j]) == 0) {
				topo_ld_diag_at(ld, v[i].pos, "the same rule as at line %u, column %u", v[j].pos.line,
						v[j].pos.col);
				break;
			}
		for (int e = 0; e < 2 && ns->kind == TOPO_NS_CREATED; e++) {
			const char *dev = e ? v[i].oif : v[i].iif;

			if (dev[0] && strcmp(dev, "lo") != 0 && topo_ns_iface_find(ns, dev) < 0)
				topo_ld_diag_at(ld, v[i].pos, "rule %s '%s' is not an interface of namespace %s",
						e ? "oif" : "iif", dev, ns->name);
		}
	}
}

const struct topo_kind topo_kind_rule = {
	.key = "rules",
	.noun = "rule",
	.ip_object = "rule",
	.size = sizeof(struct topo_rule),
	.max = 4096,
	.load = rule_load,
	.validate = rule_validate,
	.cmp = rule_cmp,
	.proto = rule_proto,
	.set_proto = rule_set_proto,
	.defaults = rule_defaults,
	.displaces = rule_displaces,
	.covers = rule_covers,
	.set_displaces = rule_set_displaces,
	.format = rule_format,
	.emit = rule_emit,
};

_Static_assert(sizeof(struct topo_rule) <= TOPO_KIND_OBJ_MAX, "struct topo_rule outgrew TOPO_KIND_OBJ_MAX");
