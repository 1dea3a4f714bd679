// SPDX-License-Identifier: MIT
#include "model/state.h"

#include "model/kind.h"

#include "model/ip.h"
#include "model/json.h"
#include "model/names.h"
#include "model/route.h"
#include "model/strmap.h"
#include "model/vec.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* A recorded value (a sysctl's) is at most what one read of /proc/sys gives. */
#define STATE_VALUE_MAX 4096
#define STATE_PATH_MAX 4096
#define PID_MAX_ 4194304

/* ------------------------------------------------------------ checking -- */

struct checker {
	char *err;
	size_t errlen;
	int r;
};

__attribute__((format(printf, 2, 3)))
static int bad(struct checker *c, const char *fmt, ...)
{
	va_list ap;

	if (c->r == 0 && c->err && c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	if (c->r == 0)
		c->r = -EINVAL;
	return -EINVAL;
}

/* Printable for a message: what is not, as \xNN. */
static const char *shown(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s && o + 5 < len; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x20 || ch >= 0x7f || ch == '\'')
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", ch);
		else
			buf[o++] = (char)ch;
	}
	if (*s && o + 4 <= len)
		memcpy(buf + o, "...", 3), o += 3;
	buf[o] = '\0';
	return buf;
}

static bool u32_text(const char **p, char stop)
{
	const char *s = *p;
	uint64_t v = 0;
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9' && n < 11)
		v = v * 10 + (uint64_t)(s[n++] - '0');
	if (n == 0 || n > 10 || (n > 1 && s[0] == '0') || v > UINT32_MAX || s[n] != stop)
		return false;
	*p = s + n + (stop ? 1 : 0);
	return true;
}

/* As topo_object_id_* writes it: canonical, with the prefix length; a
 * route's destination is a network (the loader's rule). */
static bool ip_text(const char *s, bool network)
{
	struct topo_ip ip;
	char canon[TOPO_IP_STRLEN];

	if (topo_ip_parse(s, &ip) < 0 || (network && !topo_ip_is_network(&ip)))
		return false;
	return strcmp(topo_ip_format(&ip, true, canon, sizeof(canon)), s) == 0;
}

/* "NS\tn", "NS\tr\tTABLE\tMETRIC\tDST", "NS\ta\tDEV\tADDR", "NS\tk\tKIND\tKEY". */
static bool object_id_valid(const char *id)
{
	const char *tab = strchr(id, '\t'), *p;
	char ns[TOPO_NS_NAME_MAX + 1], dev[TOPO_IFNAME_MAX + 1];
	size_t n;

	if (!tab || (size_t)(tab - id) > TOPO_NS_NAME_MAX)
		return false;
	memcpy(ns, id, (size_t)(tab - id));
	ns[tab - id] = '\0';
	if (!topo_ns_name_valid(ns))
		return false;
	p = tab + 1;
	if (strcmp(p, "n") == 0)
		return true;
	/* A table kind's object (model/kind.h): its key in the kind's words. */
	if (strncmp(p, "k\t", 2) == 0) {
		const char *k = p + 2, *t = strchr(k, '\t');
		char key[32];

		if (!t || (size_t)(t - k) >= sizeof(key) || !t[1])
			return false;
		memcpy(key, k, (size_t)(t - k));
		key[t - k] = '\0';
		for (const char *c = t + 1; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				return false;
		return topo_kind_by_key(key) != NULL;
	}
	if (strncmp(p, "r\t", 2) == 0) {
		p += 2;
		return u32_text(&p, '\t') && u32_text(&p, '\t') && ip_text(p, true);
	}
	if (strncmp(p, "a\t", 2) != 0)
		return false;
	p += 2;
	tab = strchr(p, '\t');
	n = tab ? (size_t)(tab - p) : 0;
	if (!tab || n > TOPO_IFNAME_MAX)
		return false;
	memcpy(dev, p, n);
	dev[n] = '\0';
	return topo_ifname_kernel_valid(dev) && ip_text(tab + 1, false);
}

static const char *ns_kind_name(enum topo_ns_kind k)
{
	switch (k) {
	case TOPO_NS_PATH: return "path";
	case TOPO_NS_PID: return "pid";
	case TOPO_NS_DOCKER: return "docker";
	case TOPO_NS_IS_HOST: return "host";
	case TOPO_NS_CREATED: break;
	}
	return "created";
}

static bool netns_id_valid(const char *s);   /* the host registry's rule, below */

static void check_ns(struct checker *c, size_t i, const struct state_ns *ns)
{
	char b[160];

	if (!topo_ns_name_valid(ns->name))
		bad(c, "namespaces[%zu].name: '%s' is not a namespace name (%s)", i, shown(ns->name, b, sizeof(b)),
		    TOPO_NS_NAME_RULE);
	else if (strcmp(ns->name, TOPO_NS_HOST) == 0 || ns->kind == TOPO_NS_IS_HOST)
		bad(c, "namespaces[%zu]: '%s' as kind %s: host is never recorded (topo runs in it)", i, ns->name,
		    ns_kind_name(ns->kind));
	else if (ns->kind == TOPO_NS_PATH &&
		 (!ns->path || ns->path[0] != '/' || strlen(ns->path) > STATE_PATH_MAX || ns->pid))
		bad(c, "namespaces[%zu] (%s): kind path needs an absolute path and no pid", i, ns->name);
	else if (ns->kind == TOPO_NS_PID && (ns->path || ns->pid < 1 || ns->pid > PID_MAX_))
		bad(c, "namespaces[%zu] (%s): kind pid needs a pid (1-%d) and no path", i, ns->name, PID_MAX_);
	else if (ns->kind == TOPO_NS_DOCKER &&
		 (!ns->path || ns->path[0] != '/' || strlen(ns->path) > STATE_PATH_MAX || ns->pid ||
		  !topo_docker_name_valid(state_ns_container(ns)) || !netns_id_valid(state_ns_netns(ns))))
		bad(c, "namespaces[%zu] (%s): kind docker needs an absolute path, a container name (%s), "
		    "the namespace's DEV:INO and no pid", i, ns->name, TOPO_DOCKER_NAME_RULE);
	else if (ns->kind != TOPO_NS_DOCKER && (state_ns_container(ns)[0] || state_ns_netns(ns)[0]))
		bad(c, "namespaces[%zu] (%s): only kind docker names a container", i, ns->name);
	else if (ns->kind == TOPO_NS_CREATED && (ns->path || ns->pid))
		bad(c, "namespaces[%zu] (%s): kind created takes no path or pid", i, ns->name);
}

static void check_value(struct checker *c, const char *where, size_t i, const char *what, const char *v)
{
	if (!v)
		bad(c, "%s[%zu].%s: missing", where, i, what);
	else if (strlen(v) > STATE_VALUE_MAX)
		bad(c, "%s[%zu].%s: longer than %d bytes", where, i, what, STATE_VALUE_MAX);
}

static void check_sysctl(struct checker *c, const char *where, size_t i, const char *ns, const char *key)
{
	char b[160];

	if (!topo_ns_name_valid(ns))
		bad(c, "%s[%zu].ns: '%s' is not a namespace name (%s)", where, i, shown(ns, b, sizeof(b)),
		    TOPO_NS_NAME_RULE);
	else if (!key || !topo_sysctl_key_valid(key))
		bad(c, "%s[%zu].key: '%s' is not a sysctl topo may touch (%s)", where, i,
		    key ? shown(key, b, sizeof(b)) : "", TOPO_SYSCTL_KEY_RULE);
}

int topo_state_check(const struct topo_state *s, char *err, size_t errlen)
{
	struct checker c = { err, errlen, 0 };
	struct strmap names = { 0 };
	char b[160];

	if (!topo_name_valid(s->topology))
		bad(&c, "topology: '%s' is not a topology name (%s)", shown(s->topology, b, sizeof(b)), TOPO_NAME_RULE);
	if (s->n_ns > TOPO_MAX_NAMESPACES || s->n_sysctls > TOPO_MAX_SYSCTLS || s->n_links > TOPO_MAX_INTERFACES ||
	    s->n_objects > TOPO_MAX_ADDRESSES + TOPO_MAX_ROUTES + TOPO_MAX_NAMESPACES)
		bad(&c, "more entries than a topology can have (topo's limits)");
	for (size_t i = 0; i < s->n_ns && c.r == 0; i++) {
		check_ns(&c, i, &s->ns[i]);
		if (c.r == 0 && strmap_put(&names, s->ns[i].name, i) == -EEXIST)
			bad(&c, "namespaces[%zu]: '%s' is recorded twice", i, s->ns[i].name);
	}
	strmap_free(&names);
	for (size_t i = 0; i < s->n_sysctls && c.r == 0; i++) {
		check_sysctl(&c, "sysctls", i, s->sysctls[i].ns, s->sysctls[i].key);
		check_value(&c, "sysctls", i, "original", s->sysctls[i].original);
	}
	for (size_t i = 0; i < s->n_links && c.r == 0; i++) {
		if (!topo_ns_name_valid(s->links[i].ns))
			bad(&c, "links[%zu].ns: '%s' is not a namespace name (%s)", i,
			    shown(s->links[i].ns, b, sizeof(b)), TOPO_NS_NAME_RULE);
		else if (!topo_ifname_kernel_valid(s->links[i].name))
			bad(&c, "links[%zu].name: '%s' is not an interface name (%s)", i,
			    shown(s->links[i].name, b, sizeof(b)), TOPO_IFNAME_RULE);
	}
	if (s->n_removed > TOPO_MAX_ROUTES)
		bad(&c, "more removed routes than a topology can have (topo's limits)");
	for (size_t i = 0; i < s->n_removed && c.r == 0; i++) {
		const struct topo_route *rt = &s->removed[i].route;

		if (!topo_ns_name_valid(s->removed[i].ns))
			bad(&c, "removed_routes[%zu].ns: '%s' is not a namespace name (%s)", i,
			    shown(s->removed[i].ns, b, sizeof(b)), TOPO_NS_NAME_RULE);
		else if (rt->dev[0] && !topo_ifname_kernel_valid(rt->dev))
			bad(&c, "removed_routes[%zu].dev: '%s' is not an interface name (%s)", i,
			    shown(rt->dev, b, sizeof(b)), TOPO_IFNAME_RULE);
		else if ((rt->dst.family != AF_INET && rt->dst.family != AF_INET6) || !topo_ip_is_network(&rt->dst))
			bad(&c, "removed_routes[%zu].to: not a network", i);
	}
	for (size_t i = 0; i < s->n_objects && c.r == 0; i++)
		if (!object_id_valid(s->objects[i]))
			bad(&c, "objects[%zu]: '%s' is not a route, address or nft table id", i,
			    shown(s->objects[i], b, sizeof(b)));
	return c.r;
}

/* ------------------------------------------------------------- writing -- */

static int dump(json_t *root, char **ret)
{
	char *text = json_dumps(root, JSON_INDENT(2));
	size_t n;

	json_decref(root);
	if (!text)
		return -ENOMEM;
	/* A text file ends with a newline; jansson's allocator is malloc. */
	n = strlen(text);
	char *t = realloc(text, n + 2);

	if (!t) {
		free(text);
		return -ENOMEM;
	}
	t[n] = '\n';
	t[n + 1] = '\0';
	*ret = t;
	return 0;
}

static json_t *ip_new(const struct topo_ip *ip, bool with_plen)
{
	char a[TOPO_IP_STRLEN];

	return json_string(topo_ip_format(ip, with_plen, a, sizeof(a)));
}

/* "kinds": the keys of the table kinds a created namespace may hold. */
static int wr_kinds(json_t *o, unsigned kinds)
{
	json_t *list = json_array();
	int r = topo_json_set(o, "kinds", list);

	for (size_t k = 0; k < topo_n_kinds && r == 0; k++)
		if (kinds & (1u << k))
			r = topo_json_push(list, json_string(topo_kinds[k]->key));
	return r;
}

/* "removed_routes": written only when there are some, so older files and
 * topo versions read each other's. */
static int wr_removed(json_t *root, const struct topo_state *s)
{
	json_t *list = json_array();
	int r = topo_json_set(root, "removed_routes", list);

	for (size_t i = 0; i < s->n_removed && r == 0; i++) {
		const struct topo_route *rt = &s->removed[i].route;
		json_t *o = json_object();

		r = topo_json_push(list, o);
		if (r == 0)
			r = topo_json_set(o, "ns", topo_json_bytes(s->removed[i].ns));
		if (r == 0)
			r = topo_json_set(o, "to", ip_new(&rt->dst, true));
		if (r == 0)
			r = topo_json_set(o, "type", json_string(topo_rtype_name(rt->type)));
		if (r == 0)
			r = topo_json_set(o, "table", json_integer(rt->table));
		if (r == 0)
			r = topo_json_set(o, "metric", json_integer(rt->metric));
		if (r == 0)
			r = topo_json_set(o, "scope", json_integer(topo_route_scope(rt)));
		if (r == 0)
			r = topo_json_set(o, "protocol", json_integer(rt->proto));
		if (r == 0 && rt->dev[0])
			r = topo_json_set(o, "dev", topo_json_bytes(rt->dev));
		if (r == 0 && rt->via.family)
			r = topo_json_set(o, "via", ip_new(&rt->via, false));
		if (r == 0 && rt->src.family)
			r = topo_json_set(o, "src", ip_new(&rt->src, false));
	}
	return r;
}

int topo_state_format(const struct topo_state *s, char **ret)
{
	json_t *root, *nss, *scs, *lks, *objs;
	int r;

	*ret = NULL;
	if (topo_state_check(s, NULL, 0) < 0)
		return -EINVAL;
	root = json_object();
	nss = json_array();
	scs = json_array();
	lks = json_array();
	objs = json_array();
	r = root && nss && scs && lks && objs ? 0 : -ENOMEM;
	if (r == 0)
		r = topo_json_set(root, "topology", topo_json_bytes(s->topology));
	if (r == 0)
		r = topo_json_set(root, "namespaces", json_incref(nss));
	if (r == 0)
		r = topo_json_set(root, "sysctls", json_incref(scs));
	if (r == 0)
		r = topo_json_set(root, "links", json_incref(lks));
	if (r == 0)
		r = topo_json_set(root, "objects", json_incref(objs));
	for (size_t i = 0; i < s->n_ns && r == 0; i++) {
		const struct state_ns *ns = &s->ns[i];
		json_t *o = json_object();

		r = topo_json_push(nss, o);
		if (r == 0)
			r = topo_json_set(o, "name", topo_json_bytes(ns->name));
		if (r == 0)
			r = topo_json_set(o, "kind", json_string(ns_kind_name(ns->kind)));
		if (r == 0 && ns->path)
			r = topo_json_set(o, "path", topo_json_bytes(ns->path));
		if (r == 0 && ns->pid)
			r = topo_json_set(o, "pid", json_integer(ns->pid));
		if (r == 0 && ns->kind == TOPO_NS_DOCKER)
			r = topo_json_set(o, "container", topo_json_bytes(state_ns_container(ns)));
		if (r == 0 && ns->kind == TOPO_NS_DOCKER)
			r = topo_json_set(o, "netns", topo_json_bytes(state_ns_netns(ns)));
		if (r == 0 && ns->kind == TOPO_NS_CREATED && ns->kinds_known)
			r = wr_kinds(o, ns->kinds);
	}
	for (size_t i = 0; i < s->n_sysctls && r == 0; i++) {
		const struct state_sysctl *c = &s->sysctls[i];
		json_t *o = json_object();

		r = topo_json_push(scs, o);
		if (r == 0)
			r = topo_json_set(o, "ns", topo_json_bytes(c->ns));
		if (r == 0)
			r = topo_json_set(o, "key", topo_json_bytes(c->key));
		if (r == 0)
			r = topo_json_set(o, "original", topo_json_bytes(c->original));
	}
	for (size_t i = 0; i < s->n_links && r == 0; i++) {
		json_t *o = json_object();

		r = topo_json_push(lks, o);
		if (r == 0)
			r = topo_json_set(o, "ns", topo_json_bytes(s->links[i].ns));
		if (r == 0)
			r = topo_json_set(o, "name", topo_json_bytes(s->links[i].name));
	}
	for (size_t i = 0; i < s->n_objects && r == 0; i++)
		r = topo_json_push(objs, topo_json_bytes(s->objects[i]));
	if (r == 0 && s->n_removed)
		r = wr_removed(root, s);
	json_decref(nss);
	json_decref(scs);
	json_decref(lks);
	json_decref(objs);
	if (r < 0) {
		json_decref(root);
		return r;
	}
	return dump(root, ret);
}

/* ------------------------------------------------------------- reading -- */

/*
 * The reader takes what topo_state_format writes: known keys must have the
 * right type and pass the checks; unknown keys are skipped, so a newer
 * topo's file still reads.
 */
static json_t *load_root(const char *buf, size_t len, struct checker *c)
{
	json_error_t je;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);

	if (!root) {
		if (je.line > 0)
			bad(c, "line %d, column %d: %s", je.line, je.column, je.text);
		else
			bad(c, "%s", je.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		bad(c, "not a JSON object");
		json_decref(root);
		return NULL;
	}
	return root;
}

/* A string member: 0 with *ret (NULL when absent and optional), or -EINVAL/-ENOMEM. */
static int get_str(struct checker *c, const json_t *obj, const char *key, bool required, const char *where,
		   size_t i, char **ret)
{
	const json_t *v = json_object_get(obj, key);
	const char *why = NULL;

	*ret = NULL;
	if (!v)
		return required ? bad(c, "%s[%zu]: no \"%s\"", where, i, key) : 0;
	*ret = topo_json_bytes_decode(v, &why);
	if (*ret)
		return 0;
	if (!why)
		return c->r = -ENOMEM;
	return bad(c, "%s[%zu].%s: %s", where, i, key, why);
}

/* Copies a string that must fit a fixed buffer. */
static int get_name(struct checker *c, const json_t *obj, const char *key, const char *where, size_t i,
		    char *dst, size_t len)
{
	char *v;
	int r = get_str(c, obj, key, true, where, i, &v);
	char b[160];

	if (r < 0)
		return r;
	if (strlen(v) >= len)
		r = bad(c, "%s[%zu].%s: '%s' is longer than %zu bytes", where, i, key, shown(v, b, sizeof(b)),
			len - 1);
	else
		memcpy(dst, v, strlen(v) + 1);
	free(v);
	return r;
}

static const json_t *get_list(struct checker *c, const json_t *root, const char *key)
{
	const json_t *v = json_object_get(root, key);

	if (v && !json_is_array(v)) {
		bad(c, "\"%s\" must be a list", key);
		return NULL;
	}
	return v;
}

static const json_t *get_item(struct checker *c, const json_t *list, const char *where, size_t i)
{
	const json_t *o = json_array_get(list, i);

	if (!json_is_object(o)) {
		bad(c, "%s[%zu] must be an object", where, i);
		return NULL;
	}
	return o;
}

/* "kinds" of a created namespace; a key this topo does not know is a kind
 * of a newer one, which this one cannot read anyway. Absent: not known. */
static int rd_kinds(struct checker *c, const json_t *o, size_t i, struct topo_state *s)
{
	const json_t *list = json_object_get(o, "kinds");
	unsigned bits = 0;

	if (!list)
		return 0;
	if (!json_is_array(list))
		return bad(c, "namespaces[%zu].kinds: must be a list", i);
	for (size_t j = 0; j < json_array_size(list); j++) {
		const char *key = json_string_value(json_array_get(list, j));

		if (!key)
			return bad(c, "namespaces[%zu].kinds[%zu]: must be a string", i, j);
		for (size_t k = 0; k < topo_n_kinds; k++)
			if (strcmp(topo_kinds[k]->key, key) == 0)
				bits |= 1u << k;
	}
	/* The entry rd_ns just put (by index: a lookup by name is linear). */
	s->ns[s->n_ns - 1].kinds = bits;
	s->ns[s->n_ns - 1].kinds_known = true;
	return 0;
}

static int rd_ns(struct checker *c, const json_t *o, size_t i, struct topo_state *s)
{
	char name[TOPO_NS_NAME_MAX + 1], *kind = NULL, *path = NULL, *container = NULL, *netns = NULL;
	const json_t *pid = json_object_get(o, "pid");
	enum topo_ns_kind k = TOPO_NS_CREATED;
	json_int_t p = 0;
	int r;

	r = get_name(c, o, "name", "namespaces", i, name, sizeof(name));
	if (r == 0)
		r = get_str(c, o, "kind", true, "namespaces", i, &kind);
	if (r == 0)
		r = get_str(c, o, "path", false, "namespaces", i, &path);
	if (r == 0 && pid && !json_is_integer(pid))
		r = bad(c, "namespaces[%zu].pid: must be an integer", i);
	if (r == 0 && pid) {
		p = json_integer_value(pid);
		if (p < 1 || p > PID_MAX_)
			r = bad(c, "namespaces[%zu].pid: %lld is not a pid (1-%d)", i, (long long)p, PID_MAX_);
	}
	if (r == 0) {
		if (strcmp(kind, "created") == 0)
			k = TOPO_NS_CREATED;
		else if (strcmp(kind, "path") == 0)
			k = TOPO_NS_PATH;
		else if (strcmp(kind, "pid") == 0)
			k = TOPO_NS_PID;
		else if (strcmp(kind, "docker") == 0)
			k = TOPO_NS_DOCKER;
		else
			r = bad(c, "namespaces[%zu].kind: must be created, path, pid or docker", i);
	}
	if (r == 0 && k == TOPO_NS_DOCKER)
		r = get_str(c, o, "container", true, "namespaces", i, &container);
	if (r == 0 && k == TOPO_NS_DOCKER)
		r = get_str(c, o, "netns", true, "namespaces", i, &netns);
	if (r == 0 && k == TOPO_NS_DOCKER &&
	    (strlen(container) > TOPO_DOCKER_NAME_MAX || strlen(netns) >= sizeof(s->ns[0].docker->netns)))
		r = bad(c, "namespaces[%zu]: container or netns too long", i);
	if (r == 0)
		r = topo_state_ns_put(s, name, k, path, (int)p);
	if (r == 0 && k == TOPO_NS_DOCKER)
		r = topo_state_ns_docker(s, name, container, netns);
	if (r == 0 && k == TOPO_NS_CREATED)
		r = rd_kinds(c, o, i, s);
	free(kind);
	free(path);
	free(container);
	free(netns);
	return r;
}

static int rd_sysctl(struct checker *c, const json_t *o, size_t i, struct topo_state *s)
{
	char ns[TOPO_NS_NAME_MAX + 1], *key = NULL, *orig = NULL;
	int r = get_name(c, o, "ns", "sysctls", i, ns, sizeof(ns));

	if (r == 0)
		r = get_str(c, o, "key", true, "sysctls", i, &key);
	if (r == 0)
		r = get_str(c, o, "original", true, "sysctls", i, &orig);
	if (r == 0)
		r = topo_state_sysctl_put(s, ns, key, orig);
	free(key);
	free(orig);
	return r;
}

static int rd_link(struct checker *c, const json_t *o, size_t i, struct topo_state *s)
{
	char ns[TOPO_NS_NAME_MAX + 1], name[TOPO_IFNAME_MAX + 1];
	int r = get_name(c, o, "ns", "links", i, ns, sizeof(ns));

	if (r == 0)
		r = get_name(c, o, "name", "links", i, name, sizeof(name));
	if (r == 0)
		r = topo_state_link_put(s, ns, name);
	return r;
}

static int get_uint(struct checker *c, const json_t *o, const char *key, bool required, size_t i, uint64_t max,
		    uint64_t *ret)
{
	const json_t *v = json_object_get(o, key);

	*ret = 0;
	if (!v)
		return required ? bad(c, "removed_routes[%zu]: no \"%s\"", i, key) : 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max)
		return bad(c, "removed_routes[%zu].%s: not an integer 0-%llu", i, key, (unsigned long long)max);
	*ret = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_ip(struct checker *c, const json_t *o, const char *key, bool required, size_t i, bool network,
		  struct topo_ip *ret)
{
	const json_t *v = json_object_get(o, key);
	int e;

	memset(ret, 0, sizeof(*ret));
	if (!v)
		return required ? bad(c, "removed_routes[%zu]: no \"%s\"", i, key) : 0;
	e = !json_is_string(v) ? -EINVAL : network ? topo_ip_parse(json_string_value(v), ret) :
	    topo_ip_parse_addr(json_string_value(v), ret);
	if (e < 0 || (network && !topo_ip_is_network(ret)))
		return bad(c, "removed_routes[%zu].%s: not %s", i, key, network ? "a network" : "an address");
	return 0;
}

static int rd_removed(struct checker *c, const json_t *o, size_t i, struct topo_state *s)
{
	char ns[TOPO_NS_NAME_MAX + 1], *type = NULL;
	struct topo_route rt = { 0 };
	uint64_t u;
	int r = get_name(c, o, "ns", "removed_routes", i, ns, sizeof(ns));

	if (r == 0)
		r = get_ip(c, o, "to", true, i, true, &rt.dst);
	if (r == 0)
		r = get_ip(c, o, "via", false, i, false, &rt.via);
	if (r == 0)
		r = get_ip(c, o, "src", false, i, false, &rt.src);
	if (r == 0 && json_object_get(o, "dev"))
		r = get_name(c, o, "dev", "removed_routes", i, rt.dev, sizeof(rt.dev));
	if (r == 0 && (r = get_str(c, o, "type", true, "removed_routes", i, &type)) == 0 &&
	    topo_rtype_parse(type, &rt.type) < 0)
		r = bad(c, "removed_routes[%zu].type: '%s' is not a route type", i, type);
	free(type);
	if (r == 0 && (r = get_uint(c, o, "table", true, i, UINT32_MAX, &u)) == 0)
		rt.table = (uint32_t)u;
	if (r == 0 && (r = get_uint(c, o, "metric", true, i, UINT32_MAX, &u)) == 0)
		rt.metric = (uint32_t)u;
	if (r == 0 && (r = get_uint(c, o, "scope", true, i, 255, &u)) == 0) {
		rt.scope = (uint8_t)u;
		rt.has_scope = true;
	}
	if (r == 0 && (r = get_uint(c, o, "protocol", true, i, 255, &u)) == 0)
		rt.proto = (uint8_t)u;
	if (r == 0 && ((rt.via.family && rt.via.family != rt.dst.family) ||
		       (rt.src.family && rt.src.family != rt.dst.family)))
		r = bad(c, "removed_routes[%zu]: via and src must be of the family of 'to'", i);
	if (r == 0 && topo_state_removed_find(s, ns, &rt))
		r = bad(c, "removed_routes[%zu]: the route is recorded twice", i);
	if (r == 0)
		r = topo_state_removed_put(s, ns, &rt);
	return r;
}

int topo_state_parse_msg(const char *buf, size_t len, struct topo_state *ret, char *err, size_t errlen)
{
	struct checker c = { err, errlen, 0 };
	struct topo_state s = { 0 };
	const json_t *v, *nss, *scs, *lks, *objs, *rms;
	char *topology = NULL;
	json_t *root;

	memset(ret, 0, sizeof(*ret));
	if (err && errlen)
		err[0] = '\0';
	root = load_root(buf, len, &c);
	if (!root)
		return c.r;
	v = json_object_get(root, "topology");
	if (!v) {
		bad(&c, "no \"topology\"");
	} else {
		const char *why = NULL;
		char b[160];

		topology = topo_json_bytes_decode(v, &why);
		if (!topology && !why)
			c.r = -ENOMEM;
		else if (!topology)
			bad(&c, "topology: %s", why);
		else if (!topo_name_valid(topology))
			bad(&c, "topology: '%s' is not a topology name (%s)", shown(topology, b, sizeof(b)), TOPO_NAME_RULE);
		else
			memcpy(s.topology, topology, strlen(topology) + 1);
		free(topology);
	}
	nss = get_list(&c, root, "namespaces");
	scs = get_list(&c, root, "sysctls");
	lks = get_list(&c, root, "links");
	objs = get_list(&c, root, "objects");
	rms = get_list(&c, root, "removed_routes");
	if (json_array_size(rms) > TOPO_MAX_ROUTES)
		bad(&c, "more removed routes than a topology can have (topo's limits)");
	for (size_t i = 0; c.r == 0 && i < json_array_size(rms); i++) {
		const json_t *o = get_item(&c, rms, "removed_routes", i);

		if (o && rd_removed(&c, o, i, &s) == -ENOMEM)
			c.r = -ENOMEM;
	}
	/* Before reading (the helpers look up linearly): topo's own limits. */
	if (json_array_size(nss) > TOPO_MAX_NAMESPACES || json_array_size(scs) > TOPO_MAX_SYSCTLS ||
	    json_array_size(lks) > TOPO_MAX_INTERFACES ||
	    json_array_size(objs) > TOPO_MAX_ADDRESSES + TOPO_MAX_ROUTES + TOPO_MAX_NAMESPACES)
		bad(&c, "more entries than a topology can have (topo's limits)");
	for (size_t i = 0; c.r == 0 && i < json_array_size(nss); i++) {
		const json_t *o = get_item(&c, nss, "namespaces", i);

		if (o && rd_ns(&c, o, i, &s) == -ENOMEM)
			c.r = -ENOMEM;
		/* topo_state_ns_put would merge a repeated name: refuse it first. */
		if (c.r == 0 && s.n_ns != i + 1)
			bad(&c, "namespaces[%zu]: '%s' is recorded twice", i, s.ns[s.n_ns - 1].name);
	}
	for (size_t i = 0; c.r == 0 && i < json_array_size(scs); i++) {
		const json_t *o = get_item(&c, scs, "sysctls", i);

		if (o && rd_sysctl(&c, o, i, &s) == -ENOMEM)
			c.r = -ENOMEM;
	}
	for (size_t i = 0; c.r == 0 && i < json_array_size(lks); i++) {
		const json_t *o = get_item(&c, lks, "links", i);

		if (o && rd_link(&c, o, i, &s) == -ENOMEM)
			c.r = -ENOMEM;
	}
	for (size_t i = 0; c.r == 0 && i < json_array_size(objs); i++) {
		const char *why = NULL;
		char *id = topo_json_bytes_decode(json_array_get(objs, i), &why);

		if (!id && !why)
			c.r = -ENOMEM;
		else if (!id)
			bad(&c, "objects[%zu]: %s", i, why);
		else if (topo_state_object_put(&s, id) < 0)
			c.r = -ENOMEM;
		free(id);
	}
	json_decref(root);
	if (c.r == 0)
		topo_state_check(&s, c.err, c.errlen) < 0 ? (void)(c.r = -EINVAL) : (void)0;
	if (c.r < 0) {
		if (c.r == -ENOMEM && err && errlen)
			snprintf(err, errlen, "out of memory");
		topo_state_free(&s);
		return c.r;
	}
	*ret = s;
	return 0;
}

int topo_state_parse(const char *buf, size_t len, struct topo_state *ret)
{
	return topo_state_parse_msg(buf, len, ret, NULL, 0);
}
/* ----------------------------------------------------------- mutation -- */

void topo_state_free(struct topo_state *s)
{
	for (size_t i = 0; i < s->n_ns; i++) {
		free(s->ns[i].path);
		free(s->ns[i].docker);
	}
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
	for (size_t i = 0; i < s->n_removed; i++)
		topo_route_clear(&s->removed[i].route);
	free(s->removed);
	topo_state_held_clear(s);
	hashmap_free(&s->ns_index);
	hashmap_free(&s->link_index);
	memset(s, 0, sizeof(*s));
}

int topo_state_copy(const struct topo_state *s, struct topo_state *ret)
{
	struct topo_state c = { 0 };

	memcpy(c.topology, s->topology, sizeof(c.topology));
	for (size_t i = 0; i < s->n_ns; i++)
		if (topo_state_ns_put(&c, s->ns[i].name, s->ns[i].kind, s->ns[i].path, s->ns[i].pid) < 0 ||
		    (s->ns[i].kind == TOPO_NS_DOCKER &&
		     topo_state_ns_docker(&c, s->ns[i].name, state_ns_container(&s->ns[i]),
					   state_ns_netns(&s->ns[i])) < 0))
			goto oom;
		else if (s->ns[i].kinds_known)
			topo_state_ns_kinds(&c, s->ns[i].name, s->ns[i].kinds, true);
	for (size_t i = 0; i < s->n_sysctls; i++)
		if (topo_state_sysctl_put(&c, s->sysctls[i].ns, s->sysctls[i].key, s->sysctls[i].original) < 0)
			goto oom;
	for (size_t i = 0; i < s->n_links; i++)
		if (topo_state_link_put(&c, s->links[i].ns, s->links[i].name) < 0)
			goto oom;
	for (size_t i = 0; i < s->n_objects; i++)
		if (topo_state_object_put(&c, s->objects[i]) < 0)
			goto oom;
	for (size_t i = 0; i < s->n_held; i++)
		if (topo_state_held_put(&c, s->held[i].ns, s->held[i].key, s->held[i].value, s->held[i].holder) < 0)
			goto oom;
	for (size_t i = 0; i < s->n_removed; i++)
		if (topo_state_removed_put(&c, s->removed[i].ns, &s->removed[i].route) < 0)
			goto oom;
	*ret = c;
	return 0;
oom:
	topo_state_free(&c);
	return -ENOMEM;
}

/* FNV-1a over a, a 0 byte, b (b may be NULL). */
static uint64_t names_hash(const char *a, const char *b)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const char *p = a; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	h *= 0x100000001b3ULL;
	for (const char *p = b; p && *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	return h;
}

/* Entry i was appended: into its index. 0 or -ENOMEM. */
static int index_add(struct topo_state *s, struct hashmap *m, uint64_t h, size_t i)
{
	int r;

	if (s->index_off)
		return 0;
	r = hashmap_put_num(m, h, i, NULL);
	if (r == -EEXIST) {
		s->index_off = true;   /* two names, one hash: walk the arrays */
		hashmap_free(&s->ns_index);
		hashmap_free(&s->link_index);
		return 0;
	}
	return r;
}

struct state_ns *topo_state_ns_find(const struct topo_state *s, const char *name)
{
	size_t i;

	if (!s->index_off) {
		if (hashmap_get_num(&s->ns_index, names_hash(name, NULL), &i) == 0 && i < s->n_ns &&
		    strcmp(s->ns[i].name, name) == 0)
			return &s->ns[i];
		return NULL;
	}
	for (i = 0; i < s->n_ns; i++)
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
		ns = VEC_APPEND(s->ns, s->n_ns);
		if (!ns || index_add(s, &s->ns_index, names_hash(name, NULL), s->n_ns - 1) < 0) {
			if (ns)
				s->n_ns--;
			free(p);
			return -ENOMEM;
		}
		snprintf(ns->name, sizeof(ns->name), "%s", name);
	}
	free(ns->path);
	ns->path = p;
	if (ns->kind != kind) {
		free(ns->docker);
		ns->docker = NULL;
	}
	ns->kind = kind;
	ns->pid = pid;
	return 0;
}

int topo_state_ns_docker(struct topo_state *s, const char *name, const char *container, const char *netns)
{
	struct state_ns *ns = topo_state_ns_find(s, name);

	if (!ns)
		return -ENOENT;
	if (!ns->docker && !(ns->docker = calloc(1, sizeof(*ns->docker))))
		return -ENOMEM;
	snprintf(ns->docker->container, sizeof(ns->docker->container), "%s", container ? container : "");
	snprintf(ns->docker->netns, sizeof(ns->docker->netns), "%s", netns ? netns : "");
	return 0;
}

const char *state_ns_container(const struct state_ns *ns)
{
	return ns->docker ? ns->docker->container : "";
}

const char *state_ns_netns(const struct state_ns *ns)
{
	return ns->docker ? ns->docker->netns : "";
}

int topo_state_ns_kinds(struct topo_state *s, const char *name, unsigned kinds, bool replace)
{
	struct state_ns *ns = topo_state_ns_find(s, name);

	if (!ns)
		return -ENOENT;
	/* ORed into a record that could not say: it still cannot. */
	ns->kinds = replace ? kinds : ns->kinds | kinds;
	ns->kinds_known |= replace;
	return 0;
}

unsigned topo_ns_kinds_declared(const struct topo_ns *ns)
{
	unsigned bits = 0;

	for (size_t k = 0; k < topo_n_kinds; k++)
		if (ns->objs[k].n)
			bits |= 1u << k;
	return bits;
}

void topo_state_ns_remove(struct topo_state *s, const char *name)
{
	struct state_ns *ns = topo_state_ns_find(s, name);

	if (!ns)
		return;
	free(ns->path);
	free(ns->docker);
	memmove(ns, ns + 1, (size_t)(s->ns + s->n_ns - (ns + 1)) * sizeof(*ns));
	s->n_ns--;
	/* The ones after it moved down: indexed again. */
	hashmap_free(&s->ns_index);
	for (size_t i = 0; i < s->n_ns && !s->index_off; i++)
		if (index_add(s, &s->ns_index, names_hash(s->ns[i].name, NULL), i) < 0)
			s->index_off = true;   /* out of memory: the slow way still works */
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
	struct state_sysctl *c;

	if (topo_state_sysctl_find(s, ns, key))
		return 0;
	c = VEC_APPEND(s->sysctls, s->n_sysctls);
	if (!c)
		return -ENOMEM;
	snprintf(c->ns, sizeof(c->ns), "%s", ns);
	c->key = strdup(key);
	c->original = strdup(original);
	if (!c->key || !c->original) {
		free(c->key);
		free(c->original);
		s->n_sysctls--;
		return -ENOMEM;
	}
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

const struct state_route *topo_state_removed_find(const struct topo_state *s, const char *ns,
						  const struct topo_route *rt)
{
	for (size_t i = 0; s && i < s->n_removed; i++)
		if (strcmp(s->removed[i].ns, ns) == 0 && topo_route_same_key(&s->removed[i].route, rt))
			return &s->removed[i];
	return NULL;
}

int topo_state_removed_put(struct topo_state *s, const char *ns, const struct topo_route *rt)
{
	struct state_route *v;

	if (topo_state_removed_find(s, ns, rt))
		return 0;
	v = realloc(s->removed, (s->n_removed + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->removed = v;
	memset(&v[s->n_removed], 0, sizeof(v[0]));
	snprintf(v[s->n_removed].ns, sizeof(v[s->n_removed].ns), "%s", ns);
	if (topo_route_copy(&v[s->n_removed].route, rt) < 0)
		return -ENOMEM;
	v[s->n_removed].route.pos = (struct topo_pos){ 0, 0 };
	s->n_removed++;
	return 0;
}

bool topo_state_link_pending(const struct topo_state *s, const char *ns, const char *name)
{
	size_t i;

	if (s && !s->index_off)
		return hashmap_get_num(&s->link_index, names_hash(ns, name), &i) == 0 && i < s->n_links &&
		       strcmp(s->links[i].ns, ns) == 0 && strcmp(s->links[i].name, name) == 0;
	for (i = 0; s && i < s->n_links; i++)
		if (strcmp(s->links[i].ns, ns) == 0 && strcmp(s->links[i].name, name) == 0)
			return true;
	return false;
}

int topo_state_link_put(struct topo_state *s, const char *ns, const char *name)
{
	struct state_link *v;

	if (topo_state_link_pending(s, ns, name))
		return 0;
	v = VEC_APPEND(s->links, s->n_links);
	if (!v)
		return -ENOMEM;
	if (index_add(s, &s->link_index, names_hash(ns, name), s->n_links - 1) < 0) {
		s->n_links--;
		return -ENOMEM;
	}
	snprintf(v->ns, sizeof(v->ns), "%s", ns);
	snprintf(v->name, sizeof(v->name), "%s", name);
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
	char *copy = strdup(id), **v = copy ? VEC_APPEND(s->objects, s->n_objects) : NULL;

	if (!v) {
		free(copy);
		return -ENOMEM;
	}
	*v = copy;
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

/* ------------------------------------------------------------------ held -- */

const struct state_held *topo_state_held_find(const struct topo_state *s, const char *ns, const char *key)
{
	for (size_t i = 0; s && i < s->n_held; i++)
		if (strcmp(s->held[i].ns, ns) == 0 && strcmp(s->held[i].key, key) == 0)
			return &s->held[i];
	return NULL;
}

int topo_state_held_put(struct topo_state *s, const char *ns, const char *key, const char *value,
			const char *holder)
{
	struct state_held *h;

	if (topo_state_held_find(s, ns, key))
		return 0;
	h = VEC_APPEND(s->held, s->n_held);
	if (!h)
		return -ENOMEM;
	snprintf(h->ns, sizeof(h->ns), "%s", ns);
	snprintf(h->holder, sizeof(h->holder), "%s", holder);
	h->key = strdup(key);
	h->value = strdup(value);
	if (!h->key || !h->value) {
		free(h->key);
		free(h->value);
		s->n_held--;
		return -ENOMEM;
	}
	return 0;
}

void topo_state_held_clear(struct topo_state *s)
{
	for (size_t i = 0; i < s->n_held; i++) {
		free(s->held[i].key);
		free(s->held[i].value);
	}
	free(s->held);
	s->held = NULL;
	s->n_held = 0;
}

/* ------------------------------------------------- host sysctl registry -- */

/* "DEV:INO": two decimal numbers without leading zeros (u32, u64). */
static bool netns_id_valid(const char *s)
{
	const char *p = s, *ino;
	size_t n;

	if (!u32_text(&p, ':'))
		return false;
	ino = p;
	n = strspn(ino, "0123456789");
	return n >= 1 && n <= 20 && ino[n] == '\0' && (n == 1 || ino[0] != '0') &&
	       (n < 20 || strcmp(ino, "18446744073709551615") <= 0);
}

static void host_sysctl_clear(struct host_sysctl *e)
{
	free(e->netns);
	free(e->key);
	free(e->original);
	for (size_t i = 0; i < e->n_holders; i++)
		free(e->holders[i].value);
	free(e->holders);
	memset(e, 0, sizeof(*e));
}

void topo_host_sysctls_free(struct host_sysctls *r)
{
	for (size_t i = 0; i < r->n; i++)
		host_sysctl_clear(&r->v[i]);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static struct host_sysctl *host_find(const struct host_sysctls *r, const char *netns, const char *key)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].netns, netns) == 0 && strcmp(r->v[i].key, key) == 0)
			return &r->v[i];
	return NULL;
}

static struct host_holder *holder_find(const struct host_sysctl *e, const char *topology)
{
	for (size_t i = 0; i < e->n_holders; i++)
		if (strcmp(e->holders[i].topology, topology) == 0)
			return &e->holders[i];
	return NULL;
}

void topo_host_sysctls_release(struct host_sysctls *r, const char *topology)
{
	size_t keep = 0;

	for (size_t i = 0; i < r->n; i++) {
		struct host_sysctl *e = &r->v[i];
		struct host_holder *h = holder_find(e, topology);

		if (h) {
			free(h->value);
			memmove(h, h + 1, (size_t)(e->holders + e->n_holders - (h + 1)) * sizeof(*h));
			e->n_holders--;
		}
		if (e->n_holders == 0)
			host_sysctl_clear(e);
		else
			r->v[keep++] = *e;
	}
	r->n = keep;
}

int topo_host_sysctls_hold(struct host_sysctls *r, const char *netns, const char *key, const char *original,
			   const char *topology, const char *ns, const char *value)
{
	struct host_sysctl *e = host_find(r, netns, key);
	struct host_holder *h;
	char *val = strdup(value);

	if (!val)
		return -ENOMEM;
	if (!e) {
		e = VEC_APPEND(r->v, r->n);
		if (!e) {
			free(val);
			return -ENOMEM;
		}
		e->netns = strdup(netns);
		e->key = strdup(key);
		e->original = strdup(original);
		if (!e->netns || !e->key || !e->original) {
			host_sysctl_clear(e);
			r->n--;
			free(val);
			return -ENOMEM;
		}
	}
	h = holder_find(e, topology);
	if (!h) {
		h = VEC_APPEND(e->holders, e->n_holders);
		if (!h) {
			free(val);
			return -ENOMEM;   /* an entry without holders is dropped by the next release */
		}
		snprintf(h->topology, sizeof(h->topology), "%s", topology);
	}
	free(h->value);
	h->value = val;
	snprintf(h->ns, sizeof(h->ns), "%s", ns);
	return 0;
}

static int host_check(const struct host_sysctls *r, struct checker *c)
{
	char b[160];

	for (size_t i = 0; i < r->n && c->r == 0; i++) {
		const struct host_sysctl *e = &r->v[i];

		if (!netns_id_valid(e->netns))
			bad(c, "sysctls[%zu].netns: '%s' is not a namespace identity (DEV:INO)", i,
			    shown(e->netns, b, sizeof(b)));
		else if (!topo_sysctl_key_valid(e->key))
			bad(c, "sysctls[%zu].key: '%s' is not a sysctl topo may touch (%s)", i,
			    shown(e->key, b, sizeof(b)), TOPO_SYSCTL_KEY_RULE);
		else if (host_find(r, e->netns, e->key) != e)
			bad(c, "sysctls[%zu]: %s in %s is recorded twice", i, e->key, e->netns);
		else if (e->n_holders == 0)
			bad(c, "sysctls[%zu]: no holders (an entry goes when its last holder does)", i);
		check_value(c, "sysctls", i, "original", e->original);
		for (size_t k = 0; k < e->n_holders && c->r == 0; k++) {
			const struct host_holder *h = &e->holders[k];

			if (!topo_name_valid(h->topology))
				bad(c, "sysctls[%zu].holders[%zu].topology: '%s' is not a topology name (%s)", i, k,
				    shown(h->topology, b, sizeof(b)), TOPO_NAME_RULE);
			else if (holder_find(e, h->topology) != h)
				bad(c, "sysctls[%zu].holders[%zu]: %s holds it twice", i, k, h->topology);
			else if (!topo_ns_name_valid(h->ns))
				bad(c, "sysctls[%zu].holders[%zu].ns: '%s' is not a namespace name (%s)", i, k,
				    shown(h->ns, b, sizeof(b)), TOPO_NS_NAME_RULE);
			else
				check_value(c, "holders", k, "value", h->value);
		}
	}
	return c->r;
}

int topo_host_sysctls_format(const struct host_sysctls *r, char **ret)
{
	struct checker c = { NULL, 0, 0 };
	json_t *root, *list;
	int e;

	*ret = NULL;
	if (host_check(r, &c) < 0)
		return -EINVAL;
	root = json_object();
	list = json_array();
	e = root && list ? 0 : -ENOMEM;
	if (e == 0)
		e = topo_json_set(root, "sysctls", json_incref(list));
	for (size_t i = 0; i < r->n && e == 0; i++) {
		const struct host_sysctl *hs = &r->v[i];
		json_t *o = json_object(), *hl = json_array();

		e = topo_json_push(list, o);
		if (e == 0)
			e = topo_json_set(o, "netns", topo_json_bytes(hs->netns));
		if (e == 0)
			e = topo_json_set(o, "key", topo_json_bytes(hs->key));
		if (e == 0)
			e = topo_json_set(o, "original", topo_json_bytes(hs->original));
		if (e == 0)
			e = topo_json_set(o, "holders", hl);
		else
			json_decref(hl);
		for (size_t k = 0; k < hs->n_holders && e == 0; k++) {
			json_t *h = json_object();

			e = topo_json_push(hl, h);
			if (e == 0)
				e = topo_json_set(h, "topology", topo_json_bytes(hs->holders[k].topology));
			if (e == 0)
				e = topo_json_set(h, "ns", topo_json_bytes(hs->holders[k].ns));
			if (e == 0)
				e = topo_json_set(h, "value", topo_json_bytes(hs->holders[k].value));
		}
	}
	json_decref(list);
	if (e < 0) {
		json_decref(root);
		return e;
	}
	return dump(root, ret);
}

static int rd_holder(struct checker *c, const json_t *o, size_t i, struct host_sysctl *e)
{
	struct host_holder h = { 0 };
	struct host_holder *v;
	int r = get_name(c, o, "topology", "holders", i, h.topology, sizeof(h.topology));

	if (r == 0)
		r = get_name(c, o, "ns", "holders", i, h.ns, sizeof(h.ns));
	if (r == 0)
		r = get_str(c, o, "value", true, "holders", i, &h.value);
	if (r < 0)
		return r;
	v = VEC_APPEND(e->holders, e->n_holders);
	if (!v) {
		free(h.value);
		return c->r = -ENOMEM;
	}
	*v = h;
	return 0;
}

int topo_host_sysctls_parse(const char *buf, size_t len, struct host_sysctls *ret, char *err, size_t errlen)
{
	struct checker c = { err, errlen, 0 };
	struct host_sysctls r = { 0 };
	const json_t *list;
	json_t *root;

	memset(ret, 0, sizeof(*ret));
	if (err && errlen)
		err[0] = '\0';
	root = load_root(buf, len, &c);
	if (!root)
		return c.r;
	list = get_list(&c, root, "sysctls");
	if (json_array_size(list) > TOPO_MAX_SYSCTLS * 4)
		bad(&c, "more entries than topo keeps");
	for (size_t i = 0; c.r == 0 && i < json_array_size(list); i++) {
		const json_t *o = get_item(&c, list, "sysctls", i), *hl;
		struct host_sysctl *e;

		if (!o)
			break;
		e = VEC_APPEND(r.v, r.n);
		if (!e) {
			c.r = -ENOMEM;
			break;
		}
		if (get_str(&c, o, "netns", true, "sysctls", i, &e->netns) < 0 ||
		    get_str(&c, o, "key", true, "sysctls", i, &e->key) < 0 ||
		    get_str(&c, o, "original", true, "sysctls", i, &e->original) < 0)
			break;
		hl = json_object_get(o, "holders");
		if (!json_is_array(hl)) {
			bad(&c, "sysctls[%zu].holders must be a list", i);
			break;
		}
		if (json_array_size(hl) > 4096) {
			bad(&c, "sysctls[%zu].holders: more than 4096", i);
			break;
		}
		for (size_t k = 0; c.r == 0 && k < json_array_size(hl); k++) {
			const json_t *h = get_item(&c, hl, "holders", k);

			if (h)
				rd_holder(&c, h, k, e);
		}
	}
	json_decref(root);
	if (c.r == 0)
		host_check(&r, &c);
	if (c.r < 0) {
		if (c.r == -ENOMEM && err && errlen)
			snprintf(err, errlen, "out of memory");
		topo_host_sysctls_free(&r);
		return c.r;
	}
	*ret = r;
	return 0;
}

int topo_state_merge_host(struct topo_state *s, const struct host_sysctls *r, const struct shared_ns *ns,
			  size_t n_ns)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct host_sysctl *e = &r->v[i];
		const struct host_holder *mine = holder_find(e, s->topology);
		const char *name = mine ? mine->ns : NULL;

		for (size_t k = 0; !name && k < n_ns; k++)
			if (strcmp(ns[k].netns, e->netns) == 0)
				name = ns[k].name;
		if (!name)
			continue;   /* a namespace this topology does not use */
		for (size_t k = 0; k < e->n_holders; k++)
			if (&e->holders[k] != mine &&
			    topo_state_held_put(s, name, e->key, e->holders[k].value, e->holders[k].topology) < 0)
				return -ENOMEM;
		if (!mine)
			continue;
		/* The registry's original is the namespace's: over the topology's own. */
		struct state_sysctl *rec = topo_state_sysctl_find(s, name, e->key);

		if (rec) {
			char *o = strdup(e->original);

			if (!o)
				return -ENOMEM;
			free(rec->original);
			rec->original = o;
		} else if (topo_state_sysctl_put(s, name, e->key, e->original) < 0) {
			return -ENOMEM;
		}
	}
	return 0;
}
