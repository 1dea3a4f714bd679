// SPDX-License-Identifier: MIT
/*
 * The link-type registry and what every type's options share: parsing,
 * equality, the ip-words and YAML forms. A type's own file holds only its
 * table and its few rules.
 */
#include "model/linktype.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "model/ip.h"
#include "model/names.h"

/* The registry: adding a type is two lines here (and two in backends/link.c). */
extern const struct topo_linktype topo_lt_macvlan;
const struct topo_linktype *const topo_linktypes[] = {
	&topo_lt_bridge,
	&topo_lt_veth,
	&topo_lt_vxlan,
	&topo_lt_loopback,
	&topo_lt_macvlan,
};
const size_t topo_n_linktypes = sizeof(topo_linktypes) / sizeof(topo_linktypes[0]);

const struct topo_linktype topo_lt_other = { .name = "other" };

const struct topo_linktype *topo_linktype_find(const char *name)
{
	for (size_t i = 0; i < topo_n_linktypes; i++)
		if (strcmp(topo_linktypes[i]->name, name) == 0)
			return topo_linktypes[i];
	return NULL;
}

/* Appends a then b to buf. */
static void cat(char *buf, size_t len, const char *a, const char *b)
{
	size_t n = strlen(buf);

	if (n < len)
		snprintf(buf + n, len - n, "%s%s", a, b);
}

const char *topo_linktypes_accepted(char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < topo_n_linktypes; i++)
		if (topo_linktypes[i]->flags & TOPO_LT_DECLARE)
			cat(buf, len, buf[0] ? ", " : "", topo_linktypes[i]->name);
	return buf;
}

const char *topo_lopts_accepted(char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < topo_n_linktypes; i++) {
		const struct topo_linktype *lt = topo_linktypes[i];

		for (size_t k = 0; k < lt->n_opts; k++)
			cat(buf, len, buf[0] ? ", " : "", lt->opts[k].key);
		if (lt->n_opts)
			{ cat(buf, len, " (", lt->name); cat(buf, len, ")", ""); }
	}
	return buf;
}

int topo_lopt_find(const struct topo_linktype *lt, const char *key)
{
	for (size_t k = 0; lt && k < lt->n_opts; k++)
		if (strcmp(lt->opts[k].key, key) == 0)
			return (int)k;
	return -1;
}

const struct topo_linktype *topo_lopt_owner(const char *key, int *idx)
{
	for (size_t i = 0; i < topo_n_linktypes; i++) {
		int k = topo_lopt_find(topo_linktypes[i], key);

		if (k >= 0) {
			*idx = k;
			return topo_linktypes[i];
		}
	}
	return NULL;
}

static void words_list(const struct topo_lopt *o, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; o->words[i]; i++)
		cat(buf, len, i ? ", " : "", o->words[i]);
}

static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *ret)
{
	char *end;
	unsigned long long v;

	if (!s[0] || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

int topo_lopt_parse(const struct topo_lopt *o, const char *s, bool is_bool, bool b,
		    struct topo_linkopt *ret, char *err, size_t errlen)
{
	char w[256];

	memset(ret, 0, sizeof(*ret));
	switch (o->kind) {
	case TOPO_LOPT_BOOL:
	case TOPO_LOPT_FLAG:
		if (!is_bool) {
			snprintf(err, errlen, "%s must be true or false", o->key);
			return -EINVAL;
		}
		ret->u = b;
		break;
	case TOPO_LOPT_UINT:
		if (parse_u32(s, o->min, o->max, &ret->u) < 0) {
			snprintf(err, errlen, "%s must be an integer %" PRIu32 "-%" PRIu32 "%s%s", o->key, o->min, o->max,
				 o->unit ? " " : "", o->unit ? o->unit : "");
			return -EINVAL;
		}
		break;
	case TOPO_LOPT_WORD:
		for (size_t i = 0; o->words[i]; i++) {
			if (strcmp(s, o->words[i]) == 0) {
				ret->u = o->values ? o->values[i] : (uint32_t)i;
				ret->set = true;
				return 0;
			}
		}
		words_list(o, w, sizeof(w));
		snprintf(err, errlen, "unknown %s '%s' (accepted: %s)", o->key, s, w);
		return -EINVAL;
	case TOPO_LOPT_IP:
		if (topo_ip_parse_addr(s, &ret->ip) < 0) {
			snprintf(err, errlen, "%s '%s' is not an IP address (e.g. 10.0.0.1 or fd00::1)", o->key, s);
			return -EINVAL;
		}
		break;
	case TOPO_LOPT_IFNAME:
		if (!topo_ifname_valid(s)) {
			snprintf(err, errlen, "%s '%s' is not a valid interface name (%s)", o->key, s, TOPO_IFNAME_RULE);
			return -EINVAL;
		}
		snprintf(ret->name, sizeof(ret->name), "%s", s);
		break;
	case TOPO_LOPT_RANGE: {
		const char *dash = strchr(s, '-');
		char lo[16];
		uint32_t a, z;

		if (!dash || (size_t)(dash - s) >= sizeof(lo)) {
			a = z = 0;
		} else {
			memcpy(lo, s, (size_t)(dash - s));
			lo[dash - s] = '\0';
			if (parse_u32(lo, o->min, o->max, &a) < 0 || parse_u32(dash + 1, o->min, o->max, &z) < 0)
				a = z = 0;
		}
		if (!a || a > z) {
			snprintf(err, errlen, "%s must be LOW-HIGH, %" PRIu32 " <= LOW <= HIGH <= %" PRIu32 " (e.g. \"%" PRIu32
				 "-%" PRIu32 "\")", o->key, o->min, o->max, o->min, o->max);
			return -EINVAL;
		}
		ret->range[0] = (uint16_t)a;
		ret->range[1] = (uint16_t)z;
		break;
	}
	}
	ret->set = true;
	return 0;
}

bool topo_lopt_equal(const struct topo_lopt *o, const struct topo_linkopt *a, const struct topo_linkopt *b)
{
	if (a->set != b->set)
		return false;
	if (!a->set)
		return true;
	switch (o->kind) {
	case TOPO_LOPT_IP:
		return topo_ip_equal(&a->ip, &b->ip);
	case TOPO_LOPT_IFNAME:
		return strcmp(a->name, b->name) == 0;
	case TOPO_LOPT_RANGE:
		return a->range[0] == b->range[0] && a->range[1] == b->range[1];
	default:
		return a->u == b->u;
	}
}

static const char *word_of(const struct topo_lopt *o, uint32_t u)
{
	for (size_t i = 0; o->words[i]; i++)
		if ((o->values ? o->values[i] : (uint32_t)i) == u)
			return o->words[i];
	return "?";
}

void topo_lopt_format_ip(const struct topo_lopt *o, const struct topo_linkopt *v, char *buf, size_t len)
{
	char a[TOPO_IP_STRLEN];

	switch (o->kind) {
	case TOPO_LOPT_FLAG:
		snprintf(buf, len, "%s%s", v->u ? "" : "no", o->ip);
		break;
	case TOPO_LOPT_WORD:
		snprintf(buf, len, "%s %s", o->ip, word_of(o, v->u));
		break;
	case TOPO_LOPT_IP:
		snprintf(buf, len, "%s %s", o->ip, topo_ip_format(&v->ip, false, a, sizeof(a)));
		break;
	case TOPO_LOPT_IFNAME:
		snprintf(buf, len, "%s %s", o->ip, v->name);
		break;
	case TOPO_LOPT_RANGE:
		snprintf(buf, len, "%s %u %u", o->ip, v->range[0], v->range[1]);
		break;
	default:
		snprintf(buf, len, "%s %" PRIu32, o->ip, v->u);
		break;
	}
}

void topo_lopt_format_yaml(const struct topo_lopt *o, const struct topo_linkopt *v, char *buf, size_t len)
{
	char a[TOPO_IP_STRLEN];

	switch (o->kind) {
	case TOPO_LOPT_BOOL:
	case TOPO_LOPT_FLAG:
		snprintf(buf, len, "%s", v->u ? "true" : "false");
		break;
	case TOPO_LOPT_WORD:
		snprintf(buf, len, "%s", word_of(o, v->u));
		break;
	case TOPO_LOPT_IP:
		snprintf(buf, len, "\"%s\"", topo_ip_format(&v->ip, false, a, sizeof(a)));
		break;
	case TOPO_LOPT_IFNAME:
		snprintf(buf, len, "%s", v->name);
		break;
	case TOPO_LOPT_RANGE:
		snprintf(buf, len, "\"%u-%u\"", v->range[0], v->range[1]);
		break;
	default:
		snprintf(buf, len, "%" PRIu32, v->u);
		break;
	}
}

void topo_link_format_opts(const struct topo_iface *ifc, char *buf, size_t len)
{
	const struct topo_linktype *lt = ifc->type;
	char w[96];

	for (size_t k = 0; lt && k < lt->n_opts; k++) {
		if (!ifc->opt[k].set)
			continue;
		topo_lopt_format_ip(&lt->opts[k], &ifc->opt[k], w, sizeof(w));
		cat(buf, len, " ", w);
		if (lt->opts[k].kind == TOPO_LOPT_IFNAME && lt->opts[k].host_ok && ifc->link_ns)
			cat(buf, len, " link-netns ", ifc->link_ns);
	}
}

int topo_link_opts_differ(const struct topo_iface *d, const struct topo_iface *o, bool *immutable)
{
	const struct topo_linktype *lt = d->type;
	int first = -1;

	*immutable = false;
	if (!lt || lt != o->type)
		return -1;
	for (size_t k = 0; k < lt->n_opts; k++) {
		bool other_ns = lt->dep_key && strcmp(lt->opts[k].key, lt->dep_key) == 0 && strcmp(topo_iface_link_ns(d), topo_iface_link_ns(o)) != 0;

		if (!d->opt[k].set || (topo_lopt_equal(&lt->opts[k], &d->opt[k], &o->opt[k]) && !other_ns))
			continue;
		if (lt->opts[k].replace) {
			*immutable = true;
			return (int)k;
		}
		if (first < 0)
			first = (int)k;
	}
	return first;
}

const char *topo_link_replace_why(const struct topo_iface *d, const struct topo_iface *o)
{
	bool imm;
	int k;

	if (d->type != o->type)
		return "replace: kind changed";
	k = topo_link_opts_differ(d, o, &imm);
	if (k >= 0 && imm)
		return d->type->opts[k].replace;
	return d->type && d->type->replace_why ? d->type->replace_why(d, o) : NULL;
}

const char *topo_link_depends_on(const struct topo_iface *ifc)
{
	int k = ifc->type && ifc->type->dep_key ? topo_lopt_find(ifc->type, ifc->type->dep_key) : -1;

	/* A link of another namespace orders nothing here. */
	return k >= 0 && ifc->opt[k].set && !ifc->link_ns ? ifc->opt[k].name : "";
}

bool topo_lopt_exported(const struct topo_lopt *o, const struct topo_linkopt *v)
{
	if (!v->set)
		return false;
	switch (o->export) {
	case TOPO_EXPORT_ALWAYS:
		return true;
	case TOPO_EXPORT_UNLESS:
		return v->u != o->dflt;
	default:
		return false;
	}
}
