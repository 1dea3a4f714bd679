// SPDX-License-Identifier: MIT
#include "model/state.h"

#include "model/ip.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ------------------------------------------------------------- writing -- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;

		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);

		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sbuf_str(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

/* A JSON string (also a YAML double-quoted scalar, which is how it is read back). */
static void sbuf_json(struct sbuf *b, const char *s)
{
	sbuf_add(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			sbuf_add(b, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			sbuf_add(b, esc, 6);
		} else {
			sbuf_add(b, s, 1);
		}
	}
	sbuf_add(b, "\"", 1);
}

static const char *ns_kind_name(enum topo_ns_kind k)
{
	switch (k) {
	case TOPO_NS_PATH: return "path";
	case TOPO_NS_PID: return "pid";
	case TOPO_NS_IS_HOST: return "host";
	case TOPO_NS_CREATED: break;
	}
	return "created";
}

int topo_state_format(const struct topo_state *s, char **ret)
{
	struct sbuf b = { 0 };
	char num[32];

	sbuf_str(&b, "{\n  \"topology\": ");
	sbuf_json(&b, s->topology);
	sbuf_str(&b, ",\n  \"namespaces\": [");
	for (size_t i = 0; i < s->n_ns; i++) {
		const struct state_ns *ns = &s->ns[i];

		sbuf_str(&b, i ? ",\n    {\"name\": " : "\n    {\"name\": ");
		sbuf_json(&b, ns->name);
		sbuf_str(&b, ", \"kind\": ");
		sbuf_json(&b, ns_kind_name(ns->kind));
		if (ns->path) {
			sbuf_str(&b, ", \"path\": ");
			sbuf_json(&b, ns->path);
		}
		if (ns->pid) {
			snprintf(num, sizeof(num), ", \"pid\": %d", ns->pid);
			sbuf_str(&b, num);
		}
		sbuf_str(&b, "}");
	}
	sbuf_str(&b, s->n_ns ? "\n  ],\n  \"sysctls\": [" : "],\n  \"sysctls\": [");
	for (size_t i = 0; i < s->n_sysctls; i++) {
		const struct state_sysctl *c = &s->sysctls[i];

		sbuf_str(&b, i ? ",\n    {\"ns\": " : "\n    {\"ns\": ");
		sbuf_json(&b, c->ns);
		sbuf_str(&b, ", \"key\": ");
		sbuf_json(&b, c->key);
		sbuf_str(&b, ", \"original\": ");
		sbuf_json(&b, c->original);
		sbuf_str(&b, "}");
	}
	sbuf_str(&b, s->n_sysctls ? "\n  ],\n  \"links\": [" : "],\n  \"links\": [");
	for (size_t i = 0; i < s->n_links; i++) {
		sbuf_str(&b, i ? ",\n    {\"ns\": " : "\n    {\"ns\": ");
		sbuf_json(&b, s->links[i].ns);
		sbuf_str(&b, ", \"name\": ");
		sbuf_json(&b, s->links[i].name);
		sbuf_str(&b, "}");
	}
	sbuf_str(&b, s->n_links ? "\n  ],\n  \"objects\": [" : "],\n  \"objects\": [");
	for (size_t i = 0; i < s->n_objects; i++) {
		sbuf_str(&b, i ? ",\n    " : "\n    ");
		sbuf_json(&b, s->objects[i]);
	}
	sbuf_str(&b, s->n_objects ? "\n  ]\n}\n" : "]\n}\n");
	if (b.oom) {
		free(b.p);
		return -ENOMEM;
	}
	*ret = b.p;
	return 0;
}

/* ------------------------------------------------------------- reading -- */

/*
 * The file is JSON, which libyaml reads as flow YAML. The reader accepts
 * exactly the shape topo_state_format writes, ignoring unknown keys, so a
 * newer topo's state file still reads.
 */
struct state_reader {
	yaml_parser_t parser;
	yaml_event_t ev;
	bool have;
};

static int rd_next(struct state_reader *r)
{
	if (r->have)
		yaml_event_delete(&r->ev);
	r->have = false;
	if (!yaml_parser_parse(&r->parser, &r->ev))
		return -EINVAL;
	r->have = true;
	return 0;
}

/* Skips the value whose first event is current. */
static int rd_skip(struct state_reader *r)
{
	int depth = 0;

	do {
		if (r->ev.type == YAML_MAPPING_START_EVENT || r->ev.type == YAML_SEQUENCE_START_EVENT)
			depth++;
		else if (r->ev.type == YAML_MAPPING_END_EVENT || r->ev.type == YAML_SEQUENCE_END_EVENT)
			depth--;
		else if (r->ev.type != YAML_SCALAR_EVENT)
			return -EINVAL;
		if (depth > 0 && rd_next(r) < 0)
			return -EINVAL;
	} while (depth > 0);
	return 0;
}

static const char *rd_scalar(struct state_reader *r)
{
	return r->ev.type == YAML_SCALAR_EVENT ? (const char *)r->ev.data.scalar.value : NULL;
}

/*
 * Walks a flat mapping of scalars (the current event is its start), calling
 * pair() for each key and scalar value; values that are not scalars are
 * skipped. 0, or -EINVAL on malformed input, or what pair() returned.
 */
static int rd_pairs(struct state_reader *r, int (*pair)(void *ctx, const char *key, const char *value), void *ctx)
{
	if (r->ev.type != YAML_MAPPING_START_EVENT)
		return -EINVAL;
	for (;;) {
		char key[16];
		const char *k, *v;
		int err;

		if (rd_next(r) < 0)
			return -EINVAL;
		if (r->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		k = rd_scalar(r);
		if (!k)
			return -EINVAL;
		snprintf(key, sizeof(key), "%s", k);
		if (rd_next(r) < 0)
			return -EINVAL;
		v = rd_scalar(r);
		if (!v) {
			if (rd_skip(r) < 0)
				return -EINVAL;
			continue;
		}
		err = pair(ctx, key, v);
		if (err < 0)
			return err;
	}
}

/* Copies a value that must fit; anything longer is malformed. */
static int rd_copy(char *dst, size_t len, const char *v)
{
	if (strlen(v) >= len)
		return -EINVAL;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int rd_replace(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	return *dst ? 0 : -ENOMEM;
}

struct rd_ns_item {
	char name[TOPO_NS_NAME_MAX + 1];
	enum topo_ns_kind kind;
	char *path;
	int pid;
};

static int rd_ns_pair(void *ctx, const char *key, const char *v)
{
	struct rd_ns_item *it = ctx;

	if (strcmp(key, "name") == 0)
		return rd_copy(it->name, sizeof(it->name), v);
	if (strcmp(key, "kind") == 0)
		it->kind = strcmp(v, "path") == 0 ? TOPO_NS_PATH : strcmp(v, "pid") == 0 ? TOPO_NS_PID :
			   strcmp(v, "host") == 0 ? TOPO_NS_IS_HOST : TOPO_NS_CREATED;
	else if (strcmp(key, "path") == 0)
		return rd_replace(&it->path, v);
	else if (strcmp(key, "pid") == 0)
		it->pid = atoi(v);
	return 0;
}

static int rd_ns(struct state_reader *r, struct topo_state *s)
{
	struct rd_ns_item it = { .kind = TOPO_NS_CREATED };
	int err = rd_pairs(r, rd_ns_pair, &it);

	if (err == 0)
		err = it.name[0] ? topo_state_ns_put(s, it.name, it.kind, it.path, it.pid) : -EINVAL;
	free(it.path);
	return err;
}

struct rd_sysctl_item {
	char ns[TOPO_NS_NAME_MAX + 1];
	char *key, *original;
};

static int rd_sysctl_pair(void *ctx, const char *key, const char *v)
{
	struct rd_sysctl_item *it = ctx;

	if (strcmp(key, "ns") == 0)
		return rd_copy(it->ns, sizeof(it->ns), v);
	if (strcmp(key, "key") == 0)
		return rd_replace(&it->key, v);
	if (strcmp(key, "original") == 0)
		return rd_replace(&it->original, v);
	return 0;
}

static int rd_sysctl(struct state_reader *r, struct topo_state *s)
{
	struct rd_sysctl_item it = { 0 };
	int err = rd_pairs(r, rd_sysctl_pair, &it);

	if (err == 0)
		err = it.ns[0] && it.key && it.original ? topo_state_sysctl_put(s, it.ns, it.key, it.original) : -EINVAL;
	free(it.key);
	free(it.original);
	return err;
}

static int rd_link_pair(void *ctx, const char *key, const char *v)
{
	struct state_link *it = ctx;

	if (strcmp(key, "ns") == 0)
		return rd_copy(it->ns, sizeof(it->ns), v);
	if (strcmp(key, "name") == 0)
		return rd_copy(it->name, sizeof(it->name), v);
	return 0;
}

static int rd_link(struct state_reader *r, struct topo_state *s)
{
	struct state_link it = { 0 };
	int err = rd_pairs(r, rd_link_pair, &it);

	if (err == 0)
		err = it.ns[0] && it.name[0] ? topo_state_link_put(s, it.ns, it.name) : -EINVAL;
	return err;
}

static int rd_object(struct state_reader *r, struct topo_state *s)
{
	const char *v = rd_scalar(r);

	if (!v)
		return -EINVAL;
	return topo_state_object_put(s, v);
}

static int rd_list(struct state_reader *r, struct topo_state *s, int (*item)(struct state_reader *, struct topo_state *))
{
	if (r->ev.type != YAML_SEQUENCE_START_EVENT)
		return -EINVAL;
	for (;;) {
		int ret;

		if (rd_next(r) < 0)
			return -EINVAL;
		if (r->ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		ret = item(r, s);
		if (ret < 0)
			return ret;
	}
}

typedef int (*list_item_fn)(struct state_reader *, struct topo_state *);

/* The top-level lists and the reader of their items. */
static list_item_fn list_reader(const char *key)
{
	static const struct {
		const char *key;
		list_item_fn item;
	} lists[] = {
		{ "namespaces", rd_ns }, { "sysctls", rd_sysctl }, { "links", rd_link }, { "objects", rd_object },
	};

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (strcmp(key, lists[i].key) == 0)
			return lists[i].item;
	return NULL;
}

int topo_state_parse(const char *buf, size_t len, struct topo_state *ret)
{
	struct state_reader r = { 0 };
	struct topo_state s = { 0 };
	int err = -EINVAL;

	memset(ret, 0, sizeof(*ret));
	if (!yaml_parser_initialize(&r.parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&r.parser, (const unsigned char *)buf, len);
	/* stream start, document start, mapping start */
	if (rd_next(&r) < 0 || r.ev.type != YAML_STREAM_START_EVENT ||
	    rd_next(&r) < 0 || r.ev.type != YAML_DOCUMENT_START_EVENT ||
	    rd_next(&r) < 0 || r.ev.type != YAML_MAPPING_START_EVENT)
		goto out;
	for (;;) {
		char key[32];
		const char *k;
		list_item_fn item;

		if (rd_next(&r) < 0)
			goto out;
		if (r.ev.type == YAML_MAPPING_END_EVENT)
			break;
		k = rd_scalar(&r);
		if (!k)
			goto out;
		snprintf(key, sizeof(key), "%s", k);
		if (rd_next(&r) < 0)
			goto out;
		if (strcmp(key, "topology") == 0 && rd_scalar(&r)) {
			snprintf(s.topology, sizeof(s.topology), "%s", rd_scalar(&r));
		} else if ((item = list_reader(key))) {
			err = rd_list(&r, &s, item);
			if (err < 0)
				goto out;
			err = -EINVAL;
		} else if (rd_skip(&r) < 0) {
			goto out;
		}
	}
	if (!s.topology[0])
		goto out;
	*ret = s;
	memset(&s, 0, sizeof(s));
	err = 0;
out:
	if (r.have)
		yaml_event_delete(&r.ev);
	yaml_parser_delete(&r.parser);
	topo_state_free(&s);
	return err;
}

/* ----------------------------------------------------------- mutation -- */

void topo_state_free(struct topo_state *s)
{
	for (size_t i = 0; i < s->n_ns; i++)
		free(s->ns[i].path);
	free(s->ns);
	for (size_t i = 0; i < s->n_sysctls; i++) {
		free(s->sysctls[i].key);
		free(s->sysctls[i].original);
	}
	free(s->sysctls);
	free(s->links);
	for (size_t i = 0; i < s->n_objects; i++)
		free(s->objects[i]);
	free(s->objects);
	memset(s, 0, sizeof(*s));
}

int topo_state_copy(const struct topo_state *s, struct topo_state *ret)
{
	struct topo_state c = { 0 };

	memcpy(c.topology, s->topology, sizeof(c.topology));
	for (size_t i = 0; i < s->n_ns; i++)
		if (topo_state_ns_put(&c, s->ns[i].name, s->ns[i].kind, s->ns[i].path, s->ns[i].pid) < 0)
			goto oom;
	for (size_t i = 0; i < s->n_sysctls; i++)
		if (topo_state_sysctl_put(&c, s->sysctls[i].ns, s->sysctls[i].key, s->sysctls[i].original) < 0)
			goto oom;
	for (size_t i = 0; i < s->n_links; i++)
		if (topo_state_link_put(&c, s->links[i].ns, s->links[i].name) < 0)
			goto oom;
	for (size_t i = 0; i < s->n_objects; i++)
		if (topo_state_object_put(&c, s->objects[i]) < 0)
			goto oom;
	*ret = c;
	return 0;
oom:
	topo_state_free(&c);
	return -ENOMEM;
}

struct state_ns *topo_state_ns_find(const struct topo_state *s, const char *name)
{
	for (size_t i = 0; i < s->n_ns; i++)
		if (strcmp(s->ns[i].name, name) == 0)
			return &s->ns[i];
	return NULL;
}

int topo_state_ns_put(struct topo_state *s, const char *name, enum topo_ns_kind kind, const char *path, int pid)
{
	struct state_ns *ns = topo_state_ns_find(s, name);
	char *p = NULL;

	if (path) {
		p = strdup(path);
		if (!p)
			return -ENOMEM;
	}
	if (!ns) {
		struct state_ns *v = realloc(s->ns, (s->n_ns + 1) * sizeof(*v));

		if (!v) {
			free(p);
			return -ENOMEM;
		}
		s->ns = v;
		ns = &s->ns[s->n_ns++];
		memset(ns, 0, sizeof(*ns));
		snprintf(ns->name, sizeof(ns->name), "%s", name);
	}
	free(ns->path);
	ns->path = p;
	ns->kind = kind;
	ns->pid = pid;
	return 0;
}

void topo_state_ns_remove(struct topo_state *s, const char *name)
{
	struct state_ns *ns = topo_state_ns_find(s, name);

	if (!ns)
		return;
	free(ns->path);
	memmove(ns, ns + 1, (size_t)(s->ns + s->n_ns - (ns + 1)) * sizeof(*ns));
	s->n_ns--;
}

struct state_sysctl *topo_state_sysctl_find(const struct topo_state *s, const char *ns, const char *key)
{
	for (size_t i = 0; i < s->n_sysctls; i++)
		if (strcmp(s->sysctls[i].ns, ns) == 0 && strcmp(s->sysctls[i].key, key) == 0)
			return &s->sysctls[i];
	return NULL;
}

int topo_state_sysctl_put(struct topo_state *s, const char *ns, const char *key, const char *original)
{
	struct state_sysctl *v, *c;

	if (topo_state_sysctl_find(s, ns, key))
		return 0;
	v = realloc(s->sysctls, (s->n_sysctls + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->sysctls = v;
	c = &s->sysctls[s->n_sysctls];
	memset(c, 0, sizeof(*c));
	snprintf(c->ns, sizeof(c->ns), "%s", ns);
	c->key = strdup(key);
	c->original = strdup(original);
	if (!c->key || !c->original) {
		free(c->key);
		free(c->original);
		return -ENOMEM;
	}
	s->n_sysctls++;
	return 0;
}

void topo_state_sysctl_remove(struct topo_state *s, const char *ns, const char *key)
{
	struct state_sysctl *c = topo_state_sysctl_find(s, ns, key);

	if (!c)
		return;
	free(c->key);
	free(c->original);
	memmove(c, c + 1, (size_t)(s->sysctls + s->n_sysctls - (c + 1)) * sizeof(*c));
	s->n_sysctls--;
}

bool topo_state_link_pending(const struct topo_state *s, const char *ns, const char *name)
{
	for (size_t i = 0; s && i < s->n_links; i++)
		if (strcmp(s->links[i].ns, ns) == 0 && strcmp(s->links[i].name, name) == 0)
			return true;
	return false;
}

int topo_state_link_put(struct topo_state *s, const char *ns, const char *name)
{
	struct state_link *v;

	if (topo_state_link_pending(s, ns, name))
		return 0;
	v = realloc(s->links, (s->n_links + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->links = v;
	snprintf(v[s->n_links].ns, sizeof(v[s->n_links].ns), "%s", ns);
	snprintf(v[s->n_links].name, sizeof(v[s->n_links].name), "%s", name);
	s->n_links++;
	return 0;
}

char *topo_object_id_route(const char *ns, const struct topo_route *rt)
{
	char dst[TOPO_IP_STRLEN], *id;

	topo_ip_format(&rt->dst, true, dst, sizeof(dst));
	if (asprintf(&id, "%s\tr\t%u\t%u\t%s", ns, rt->table, rt->metric, dst) < 0)
		return NULL;
	return id;
}

char *topo_object_id_addr(const char *ns, const char *dev, const struct topo_ip *ip)
{
	char a[TOPO_IP_STRLEN], *id;

	topo_ip_format(ip, true, a, sizeof(a));
	if (asprintf(&id, "%s\ta\t%s\t%s", ns, dev, a) < 0)
		return NULL;
	return id;
}

/* Appends without a duplicate check: readers put the ids in a map, where a
 * duplicate is harmless. */
int topo_state_object_put(struct topo_state *s, const char *id)
{
	char **v = realloc(s->objects, (s->n_objects + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	s->objects = v;
	v[s->n_objects] = strdup(id);
	if (!v[s->n_objects])
		return -ENOMEM;
	s->n_objects++;
	return 0;
}

char *topo_object_id_nft(const char *ns)
{
	char *id;

	if (asprintf(&id, "%s\tn", ns) < 0)
		return NULL;
	return id;
}

/* Linear: for the few lookups per namespace outside the diff (the diff maps them). */
bool topo_state_object_has(const struct topo_state *s, const char *id)
{
	for (size_t i = 0; s && i < s->n_objects; i++)
		if (strcmp(s->objects[i], id) == 0)
			return true;
	return false;
}
