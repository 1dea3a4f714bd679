// SPDX-License-Identifier: MIT
/*
 * Two passes. First libyaml's event API builds a small tree in which every
 * node keeps its line and column. Anchors, aliases and merge keys are
 * resolved right there: an alias is a copy of its anchor's value (whose
 * nodes keep the anchored text's positions and remember the alias), counted
 * against the node budget before it is made, so nested aliases cannot blow
 * up memory or time; an alias inside its own anchor's value (`&a [*a]`) or
 * before any anchor is refused. Tags are refused (an unquoted `!br0` is a
 * tag with an empty value), duplicate keys are caught (libyaml accepts them
 * silently), and the depth is capped so no walk can exhaust the stack. Then
 * a schema walk turns the tree into the model, recording every error it
 * finds instead of stopping at the first.
 */
#include "model/docker.h"
#include "model/loader.h"
#include "model/linktype.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "model/ip.h"
#include "model/kind.h"
#include "model/names.h"
#include "model/nodes.h"
#include "model/route.h"
#include "model/shape.h"
#include "model/nft_text.h"
#include "model/strmap.h"
#include "model/yaml_scalar.h"
#include "model/vec.h"

#define YAML_MAX_DEPTH 32
/* Values in the tree, counting every value an alias stands for: an alias is
 * expanded by copying its anchor's value, so this one limit bounds memory and
 * time for any file, a "billion laughs" of nested aliases included. */
#define YAML_MAX_NODES 1000000

enum ynode_type { YN_SCALAR, YN_SEQ, YN_MAP };

struct ynode {
	enum ynode_type type;
	bool plain;             /* a scalar written without quotes */
	bool owns_str;          /* false in a copy: it shares the anchored value's text */
	bool literal;           /* a literal block scalar (|) */
	unsigned body_line;     /* literal: the file line of its first line */
	unsigned body_indent;   /* literal: its indentation */
	struct topo_pos pos;    /* where its text is (for a copy, in the anchored value) */
	struct topo_pos via;    /* a copy: the alias it came through, the innermost; line 0 = none */
	char *str;              /* scalar text */
	size_t len;
	struct ynode **kids;    /* seq: items; map: key, value, key, value, ... */
	size_t n;
	size_t size;            /* values in this subtree, itself included; set once complete */
	unsigned height;        /* lists and maps nested in it, itself included; 0 for a scalar */
};

/* Nodes live in chunks freed at once, so a copy can share its original's
 * strings and nothing is freed twice. */
#define YNODE_CHUNK 1024
struct ynode_chunk {
	struct ynode_chunk *next;
	size_t used;
	struct ynode v[YNODE_CHUNK];
};

struct anchor {
	char *name;
	struct ynode *node;     /* the latest value defined under this name */
	bool complete;          /* false until that value ends: an alias to it then is inside it */
};

/* Interface names of one namespace -> index; keys point into ns->ifaces,
 * so the map is rebuilt whenever that array moves. */
struct iface_index {
	struct strmap map;
	const struct topo_iface *base;
};

struct loader {
	const char *file;
	struct iface_index *ifidx;   /* per namespace, built when links are read */
	struct topo_diags *diags;
	struct topology *t;
	size_t n_nodes;
	bool oom;
	size_t n_ifaces, n_addrs, n_routes, n_rules, n_sysctls;
	size_t n_kind[TOPO_KINDS_MAX];   /* objects of each table kind, model/kind.h */
	bool limit_reported;
	bool host_declared;         /* host is not counted in TOPO_MAX_NAMESPACES */

	struct ynode_chunk *arena;
	struct anchor *anchors;
	size_t n_anchors;
	struct strmap anchor_index;  /* name -> index in anchors; keys are anchors[i].name */

	/* defaults: applied to every namespace topo creates */
	struct topo_ns defaults;     /* only its sysctls */
	uint32_t default_mtu;        /* 0 = none */
	struct topo_pos default_mtu_pos;
};

static struct topo_pos mark_pos(yaml_mark_t m)
{
	return (struct topo_pos){ .line = (unsigned)m.line + 1, .col = (unsigned)m.column + 1 };
}

static int diag_vadd(struct topo_diags *d, struct topo_pos pos, const char *fmt, va_list ap)
{
	struct topo_diag *v;
	char *msg;

	if (d->n >= TOPO_MAX_DIAGS) {
		d->dropped++;
		return 0;
	}
	if (vasprintf(&msg, fmt, ap) < 0)
		return -ENOMEM;
	v = VEC_APPEND(d->v, d->n);
	if (!v) {
		free(msg);
		return -ENOMEM;
	}
	*v = (struct topo_diag){ .pos = pos, .msg = msg };
	return 0;
}

int topo_diag_add(struct topo_diags *d, struct topo_pos pos, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = diag_vadd(d, pos, fmt, ap);
	va_end(ap);
	return r;
}

__attribute__((format(printf, 3, 4)))
static void diag(struct loader *ld, struct topo_pos pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (diag_vadd(ld->diags, pos, fmt, ap) < 0)
		ld->oom = true;
	va_end(ap);
}

/* An error about a value, at its text; a value copied through an alias also
 * says which alias brought it here. */
__attribute__((format(printf, 3, 4)))
static void ndiag(struct loader *ld, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg) {
		ld->oom = true;
		return;
	}
	if (n->via.line)
		diag(ld, n->pos, "%s (used through the alias at line %u, column %u)", msg, n->via.line, n->via.col);
	else
		diag(ld, n->pos, "%s", msg);
	free(msg);
}

/* ---------------------------------------------------------------- tree -- */

static struct ynode *ynode_new(struct loader *ld, enum ynode_type type)
{
	struct ynode_chunk *c = ld->arena;
	struct ynode *n;

	if (!c || c->used == YNODE_CHUNK) {
		c = malloc(sizeof(*c));
		if (!c)
			return NULL;
		c->next = ld->arena;
		c->used = 0;
		ld->arena = c;
	}
	n = &c->v[c->used++];
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->size = 1;
	return n;
}

static void tree_free(struct loader *ld)
{
	while (ld->arena) {
		struct ynode_chunk *c = ld->arena;

		ld->arena = c->next;
		for (size_t i = 0; i < c->used; i++) {
			free(c->v[i].kids);
			if (c->v[i].owns_str)
				free(c->v[i].str);
		}
		free(c);
	}
}

static void anchors_free(struct loader *ld)
{
	for (size_t i = 0; i < ld->n_anchors; i++)
		free(ld->anchors[i].name);
	free(ld->anchors);
	ld->anchors = NULL;
	ld->n_anchors = 0;
	strmap_free(&ld->anchor_index);
}

/* Defines (or, as YAML allows, redefines) an anchor; returns its index or -1
 * when out of memory. */
static long anchor_define(struct loader *ld, const char *name, struct ynode *node, bool complete)
{
	struct anchor *v;
	size_t i;

	if (strmap_get(&ld->anchor_index, name, &i) == 0) {
		ld->anchors[i].node = node;
		ld->anchors[i].complete = complete;
		return (long)i;
	}
	v = realloc(ld->anchors, (ld->n_anchors + 1) * sizeof(*v));
	if (!v)
		return -1;
	ld->anchors = v;
	i = ld->n_anchors;
	v[i] = (struct anchor){ .name = strdup(name), .node = node, .complete = complete };
	if (!v[i].name)
		return -1;
	ld->n_anchors++;
	if (strmap_put(&ld->anchor_index, v[i].name, i) < 0)
		return -1;
	return (long)i;
}

/* A deep copy sharing the strings; every node of it remembers the alias
 * (unless it came through an inner one already). The caller has checked the
 * budget. Depth is that of the anchored value, which is capped. */
static struct ynode *ynode_copy(struct loader *ld, const struct ynode *from, struct topo_pos via)
{
	struct ynode *n = ynode_new(ld, from->type);

	if (!n)
		return NULL;
	*n = *from;
	n->owns_str = false;
	n->kids = NULL;
	n->n = 0;
	if (!n->via.line)
		n->via = via;
	if (from->n) {
		n->kids = malloc(from->n * sizeof(*n->kids));
		if (!n->kids)
			return NULL;
		for (size_t i = 0; i < from->n; i++) {
			n->kids[i] = ynode_copy(ld, from->kids[i], via);
			if (!n->kids[i])
				return NULL;
			n->n++;
		}
	}
	return n;
}

static int ynode_append(struct ynode *parent, struct ynode *kid)
{
	size_t n = parent->n;

	if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
		struct ynode **k = realloc(parent->kids, (n < 4 ? 4 : n * 2) * sizeof(*k));

		if (!k)
			return -ENOMEM;
		parent->kids = k;
	}
	parent->kids[parent->n++] = kid;
	return 0;
}

static const char *ynode_what(const struct ynode *n)
{
	switch (n->type) {
	case YN_MAP: return "a mapping";
	case YN_SEQ: return "a list";
	case YN_SCALAR: break;
	}
	return "a scalar";
}

/* Once a list or mapping is complete: how many values and levels it holds,
 * what an alias to it would cost. */
static void ynode_measure(struct ynode *n)
{
	n->size = 1;
	n->height = 0;
	for (size_t i = 0; i < n->n; i++) {
		n->size += n->kids[i]->size;
		if (n->kids[i]->height > n->height)
			n->height = n->kids[i]->height;
	}
	n->height++;
}

/* Duplicate keys, and keys that are not scalars. */
static void map_check_keys(struct loader *ld, const struct ynode *map)
{
	size_t pairs = map->n / 2;
	struct strmap seen = { 0 };

	for (size_t i = 0; i < map->n; i += 2) {
		const struct ynode *k = map->kids[i];
		size_t first;

		if (k->type != YN_SCALAR) {
			ndiag(ld, k, "mapping keys must be plain strings, not %s", ynode_what(k));
			continue;
		}
		if (pairs <= 16) {
			for (size_t j = 0; j < i; j += 2) {
				const struct ynode *o = map->kids[j];

				if (o->type == YN_SCALAR && o->len == k->len &&
				    memcmp(o->str, k->str, k->len) == 0) {
					ndiag(ld, k, "duplicate key '%s' (first at line %u, column %u)",
					      k->str, o->pos.line, o->pos.col);
					break;
				}
			}
			continue;
		}
		int r = strmap_put(&seen, k->str, i);

		if (r == -EEXIST && strmap_get(&seen, k->str, &first) == 0) {
			const struct ynode *o = map->kids[first];

			ndiag(ld, k, "duplicate key '%s' (first at line %u, column %u)",
			      k->str, o->pos.line, o->pos.col);
		} else if (r < 0 && r != -EEXIST) {
			ld->oom = true;
		}
	}
	strmap_free(&seen);
}

static bool is_null(const struct ynode *n);

/* YAML 1.1's merge key: a plain `<<`. */
static bool is_merge_key(const struct ynode *k)
{
	return k->type == YN_SCALAR && k->plain && k->len == 2 && memcmp(k->str, "<<", 2) == 0;
}

/* Where to point at a value that is wrong as a whole: the alias that
 * brought it, if one did (its text may be fine where it is defined). */
static struct topo_pos use_pos(const struct ynode *n)
{
	return n->via.line ? n->via : n->pos;
}

/*
 * `<<: *a` or `<<: [*a, *b]` (or inline mappings) adds the pairs of those
 * mappings whose keys the mapping does not have: its own keys win, and an
 * earlier mapping in the list wins over a later one (YAML 1.1's merge
 * spec). The pairs take the place of the `<<`. Returns false after an error.
 */
static bool map_merge(struct loader *ld, struct ynode *map)
{
	struct strmap have = { 0 };
	struct ynode **kids;
	size_t total = map->n, out = 0;
	bool any = false, ok = true;

	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const struct ynode *v = map->kids[i + 1];

		if (!is_merge_key(map->kids[i]))
			continue;
		any = true;
		if (v->type == YN_MAP) {
			total += v->n;
			continue;
		}
		if (v->type == YN_SEQ && v->n) {
			for (size_t j = 0; j < v->n; j++) {
				if (v->kids[j]->type == YN_MAP) {
					total += v->kids[j]->n;
					continue;
				}
				diag(ld, use_pos(v->kids[j]), "the merge key '<<' takes mappings; this item of its list is %s",
				     is_null(v->kids[j]) ? "empty" : ynode_what(v->kids[j]));
				ok = false;
			}
			continue;
		}
		diag(ld, use_pos(v), "the merge key '<<' takes a mapping or a list of mappings "
		     "(e.g. <<: *common or <<: [*a, *b]), not %s",
		     v->type == YN_SEQ ? "an empty list" : is_null(v) ? "an empty value" : ynode_what(v));
		ok = false;
	}
	if (!any || !ok)
		return ok;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (!is_merge_key(map->kids[i]) && map->kids[i]->type == YN_SCALAR &&
		    strmap_put(&have, map->kids[i]->str, 0) == -ENOMEM)
			ld->oom = true;
	kids = malloc(total * sizeof(*kids));
	if (!kids) {
		strmap_free(&have);
		ld->oom = true;
		return false;
	}
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		struct ynode *v = map->kids[i + 1];
		struct ynode *const *src = &v;
		size_t n_src = 1;

		if (!is_merge_key(map->kids[i])) {
			kids[out++] = map->kids[i];
			kids[out++] = v;
			continue;
		}
		if (v->type == YN_SEQ) {
			src = v->kids;
			n_src = v->n;
		}
		for (size_t s = 0; s < n_src; s++)
			for (size_t j = 0; j + 1 < src[s]->n; j += 2) {
				struct ynode *k = src[s]->kids[j];

				if (k->type == YN_SCALAR) {
					int r = strmap_put(&have, k->str, 0);

					if (r == -EEXIST)
						continue;
					if (r < 0)
						ld->oom = true;
				}
				kids[out++] = k;
				kids[out++] = src[s]->kids[j + 1];
			}
	}
	strmap_free(&have);
	free(map->kids);
	map->kids = kids;
	map->n = out;
	return true;
}

/* The position of byte `off` in buf, counted as libyaml counts its marks
 * (columns in characters). */
static struct topo_pos offset_pos(const unsigned char *buf, size_t len, size_t off)
{
	struct topo_pos pos = { 1, 1 };

	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			pos.line++;
			pos.col = 1;
		} else if ((buf[i] & 0xc0) != 0x80) {
			pos.col++;
		}
	}
	return pos;
}

static const char *encoding_name(yaml_encoding_t e)
{
	switch (e) {
	case YAML_UTF16LE_ENCODING: return "UTF-16LE";
	case YAML_UTF16BE_ENCODING: return "UTF-16BE";
	default: return "an unknown encoding";
	}
}

/* An alias: a copy of its anchor's value, if that is defined, complete
 * (not the value the alias is inside of) and within the budget. NULL after
 * recording why not. */
static struct ynode *alias_expand(struct loader *ld, const char *name, struct topo_pos pos, size_t depth)
{
	const struct ynode *target;
	struct ynode *copy;
	size_t i;

	if (strmap_get(&ld->anchor_index, name, &i) < 0) {
		diag(ld, pos, "alias *%s: no anchor &%s before it (an alias refers to a value anchored earlier in the file)",
		     name, name);
		return NULL;
	}
	target = ld->anchors[i].node;
	if (!ld->anchors[i].complete) {
		diag(ld, pos, "alias *%s is inside the value of its own anchor &%s (line %u, column %u): "
		     "a value cannot contain itself", name, name, target->pos.line, target->pos.col);
		return NULL;
	}
	if (target->size > YAML_MAX_NODES - ld->n_nodes) {
		diag(ld, pos, "alias *%s stands for %zu YAML values, which takes the file past %u "
		     "(every alias counts the values it repeats; nested aliases that multiply, a \"billion laughs\", end here)",
		     name, target->size, YAML_MAX_NODES);
		return NULL;
	}
	if (depth + target->height > YAML_MAX_DEPTH) {
		diag(ld, pos, "nested more than %u levels deep through the alias *%s", YAML_MAX_DEPTH, name);
		return NULL;
	}
	ld->n_nodes += target->size;
	copy = ynode_copy(ld, target, pos);
	if (!copy)
		ld->oom = true;
	return copy;
}

/*
 * Where a literal block scalar's text is in the file, so a position inside
 * the text (an nft error) maps back to it: the line after the '|' header,
 * and the indentation of its first non-blank line (YAML strips that much
 * from every line).
 */
static void literal_body(struct ynode *node, const unsigned char *buf, size_t len, yaml_mark_t m)
{
	size_t i = m.index;
	unsigned line = (unsigned)m.line + 1;

	while (i < len && buf[i] != '\n')
		i++;
	node->literal = true;
	node->body_line = line + 1;
	while (i < len) {
		unsigned ind = 0;

		i++;   /* past the '\n' */
		while (i + ind < len && buf[i + ind] == ' ')
			ind++;
		if (i + ind < len && buf[i + ind] != '\n' && buf[i + ind] != '\r') {
			node->body_indent = ind;
			return;
		}
		i += ind;
	}
}

/*
 * Returns the document's root node, or NULL after recording why not. An
 * empty stream returns NULL with no diagnostic; the caller says "empty".
 * The nodes belong to ld->arena (tree_free).
 */
static struct ynode *tree_build(struct loader *ld, const unsigned char *buf, size_t len, bool *ret_failed)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct ynode *stack[YAML_MAX_DEPTH];
	long stack_anchor[YAML_MAX_DEPTH];   /* the anchor each open value defines, or -1 */
	size_t depth = 0;
	struct ynode *root = NULL;
	unsigned docs = 0;
	bool done = false, failed = false;

	if (!yaml_parser_initialize(&parser)) {
		ld->oom = true;
		*ret_failed = true;
		return NULL;
	}
	yaml_parser_set_input_string(&parser, buf, len);

	while (!done && !failed) {
		struct ynode *node = NULL;
		const char *anchor = NULL, *tag = NULL;
		bool is_value = false, copied = false;

		if (!yaml_parser_parse(&parser, &ev)) {
			/* A reader error (bad UTF-8) has only a byte offset; its
			 * problem_mark is left at 0:0. */
			struct topo_pos pos = parser.error == YAML_READER_ERROR ?
					      offset_pos(buf, len, parser.problem_offset) :
					      mark_pos(parser.problem_mark);

			if (parser.error == YAML_MEMORY_ERROR)
				ld->oom = true;
			else if (parser.context && strstr(parser.context, "tag"))
				diag(ld, pos, "invalid YAML: %s %s; an unquoted value starting with '!' is a YAML tag: "
				     "quote it (e.g. out: \"!br0\")", parser.problem ? parser.problem : "error",
				     parser.context);
			else if (parser.context)
				diag(ld, pos, "invalid YAML: %s %s", parser.problem ? parser.problem : "error",
				     parser.context);
			else
				diag(ld, pos, "invalid YAML: %s", parser.problem ? parser.problem : "error");
			failed = true;
			break;
		}
		struct topo_pos pos = mark_pos(ev.start_mark);

		switch (ev.type) {
		case YAML_STREAM_START_EVENT:
			if (ev.data.stream_start.encoding != YAML_UTF8_ENCODING &&
			    ev.data.stream_start.encoding != YAML_ANY_ENCODING) {
				diag(ld, pos, "the file is in %s; topology files must be UTF-8",
				     encoding_name(ev.data.stream_start.encoding));
				failed = true;
			}
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				diag(ld, pos, "a second YAML document: a topology file holds exactly one (remove the '---')");
				failed = true;
			}
			break;
		case YAML_ALIAS_EVENT:
			node = alias_expand(ld, (const char *)ev.data.alias.anchor, pos, depth);
			if (!node)
				failed = true;
			is_value = copied = true;
			break;
		case YAML_SCALAR_EVENT:
			is_value = true;
			anchor = (const char *)ev.data.scalar.anchor;
			tag = (const char *)ev.data.scalar.tag;
			node = ynode_new(ld, YN_SCALAR);
			if (!node)
				break;
			node->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			if (ev.data.scalar.style == YAML_LITERAL_SCALAR_STYLE)
				literal_body(node, buf, len, ev.start_mark);
			node->len = ev.data.scalar.length;
			node->str = malloc(node->len + 1);
			node->owns_str = true;
			if (node->str) {
				memcpy(node->str, ev.data.scalar.value, node->len);
				node->str[node->len] = '\0';
			}
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			is_value = true;
			if (ev.type == YAML_SEQUENCE_START_EVENT) {
				anchor = (const char *)ev.data.sequence_start.anchor;
				tag = (const char *)ev.data.sequence_start.tag;
			} else {
				anchor = (const char *)ev.data.mapping_start.anchor;
				tag = (const char *)ev.data.mapping_start.tag;
			}
			node = ynode_new(ld, ev.type == YAML_SEQUENCE_START_EVENT ? YN_SEQ : YN_MAP);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0) {
				struct ynode *top = stack[depth - 1];
				long a = stack_anchor[depth - 1];

				if (top->type == YN_MAP) {
					map_check_keys(ld, top);
					if (!map_merge(ld, top))
						failed = true;
				}
				ynode_measure(top);
				if (a >= 0 && ld->anchors[a].node == top)
					ld->anchors[a].complete = true;
				depth--;
			}
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}

		if (is_value && !failed) {
			if (!node || (node->type == YN_SCALAR && !node->str)) {
				ld->oom = true;
				failed = true;
			} else if (!copied) {
				node->pos = pos;
				if (tag) {
					if (node->type == YN_SCALAR && node->len == 0)
						diag(ld, pos, "YAML tag '%s' here: an unquoted value starting with '!' is a tag, "
						     "not a string; quote it: \"%s\"", tag, tag);
					else
						diag(ld, pos, "YAML tag '%s' is not supported; if it is meant as text, quote it",
						     tag);
					failed = true;
				} else if (++ld->n_nodes > YAML_MAX_NODES) {
					diag(ld, pos, "the file has more than %u YAML values; that is past any topology topo accepts",
					     YAML_MAX_NODES);
					failed = true;
				} else if (node->type != YN_SCALAR && depth >= YAML_MAX_DEPTH) {
					diag(ld, pos, "nested more than %u levels deep", YAML_MAX_DEPTH);
					failed = true;
				}
			}
			if (!failed && depth > 0 && ynode_append(stack[depth - 1], node) < 0) {
				ld->oom = true;
				failed = true;
			} else if (!failed && depth == 0) {
				if (root)     /* cannot happen in one document */
					failed = true;
				else
					root = node;
			}
			if (!failed && !copied && node->type != YN_SCALAR) {
				stack_anchor[depth] = -1;
				stack[depth++] = node;
			}
			if (!failed && anchor) {
				long a = anchor_define(ld, anchor, node, node->type == YN_SCALAR);

				if (a < 0) {
					ld->oom = true;
					failed = true;
				} else if (node->type != YN_SCALAR) {
					stack_anchor[depth - 1] = a;
				}
			}
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	anchors_free(ld);
	*ret_failed = failed;
	return failed ? NULL : root;
}

/* -------------------------------------------------------- scalar helpers -- */

static bool is_null(const struct ynode *n)
{
	return n->type == YN_SCALAR && n->plain && (n->len == 0 || yaml_plain_is_null(n->str));
}

/* A scalar's text, or NULL after saying why not. */
static const char *want_str(struct loader *ld, const struct ynode *n, const char *what)
{
	if (n->type != YN_SCALAR) {
		ndiag(ld, n, "%s must be a string, not %s", what, ynode_what(n));
		return NULL;
	}
	if (strlen(n->str) != n->len) {
		ndiag(ld, n, "%s contains a NUL byte", what);
		return NULL;
	}
	if (is_null(n)) {
		ndiag(ld, n, "%s is empty", what);
		return NULL;
	}
	return n->str;
}

/* An integer in [min, max], written as a plain (unquoted) scalar. */
static bool want_uint(struct loader *ld, const struct ynode *n, const char *what,
		      uint64_t min, uint64_t max, uint64_t *ret)
{
	uint64_t v;

	if (n->type != YN_SCALAR || !n->plain || !yaml_plain_uint(n->str, &v) || v < min || v > max) {
		if (n->type == YN_SCALAR)
			ndiag(ld, n, "%s must be an integer %llu-%llu, not %s'%s'", what,
			     (unsigned long long)min, (unsigned long long)max,
			     n->plain ? "" : "the quoted string ", n->str);
		else
			ndiag(ld, n, "%s must be an integer %llu-%llu, not %s", what,
			     (unsigned long long)min, (unsigned long long)max, ynode_what(n));
		return false;
	}
	*ret = v;
	return true;
}

static bool want_bool(struct loader *ld, const struct ynode *n, const char *what, bool *ret)
{
	if (n->type == YN_SCALAR && n->plain && yaml_plain_bool(n->str, ret))
		return true;
	ndiag(ld, n, "%s must be true or false", what);
	return false;
}

static bool want_agm(struct loader *ld, const struct ynode *n, uint8_t *ret)
{
	const char *s = want_str(ld, n, "addr_gen_mode");
	uint8_t m = s ? topo_agm_parse(s) : TOPO_AGM_UNSET;

	if (s && m == TOPO_AGM_UNSET)
		ndiag(ld, n, "addr_gen_mode '%s' is not a mode (accepted: %s)", s, topo_agm_accepted());
	if (m != TOPO_AGM_UNSET)
		*ret = m;
	return m != TOPO_AGM_UNSET;
}

static bool want_map(struct loader *ld, const struct ynode *n, const char *what)
{
	if (n->type != YN_MAP) {
		ndiag(ld, n, "%s must be a mapping (key: value), not %s", what, ynode_what(n));
		return false;
	}
	return true;
}

static bool want_seq(struct loader *ld, const struct ynode *n, const char *what)
{
	if (n->type != YN_SEQ) {
		ndiag(ld, n, "%s must be a list, not %s", what, ynode_what(n));
		return false;
	}
	return true;
}

static void unknown_key(struct loader *ld, const struct ynode *k, const char *where, const char *accepted)
{
	ndiag(ld, k, "unknown key '%s' in %s (accepted: %s)", k->str, where, accepted);
}

/* ----------------------------------------------------------------- names -- */

/* The rules themselves are in model/names.c, shared with the state file reader. */
#define IFNAME_RULE TOPO_IFNAME_RULE
#define NSNAME_RULE TOPO_NS_NAME_RULE

static bool want_ifname(struct loader *ld, const struct ynode *n, const char *what, char ret[TOPO_IFNAME_MAX + 1])
{
	const char *s = want_str(ld, n, what);

	if (!s)
		return false;
	if (!topo_ifname_valid(s)) {
		ndiag(ld, n, "%s '%s' is not a valid interface name (%s)", what, s, IFNAME_RULE);
		return false;
	}
	snprintf(ret, TOPO_IFNAME_MAX + 1, "%s", s);
	return true;
}

/* `in:`/`out:`: an interface name, maybe with a leading '!'. */
static bool want_ifmatch(struct loader *ld, const struct ynode *n, const char *what, struct topo_ifmatch *ret)
{
	const char *s = want_str(ld, n, what);

	if (!s)
		return false;
	ret->negate = s[0] == '!';
	if (ret->negate)
		s++;
	if (!topo_ifname_valid(s)) {
		ndiag(ld, n, "%s '%s' is not an interface name, or '!' and one (%s)", what, n->str, IFNAME_RULE);
		return false;
	}
	snprintf(ret->name, sizeof(ret->name), "%s", s);
	return true;
}

/* --------------------------------------------------------------- addresses -- */

static bool want_address(struct loader *ld, const struct ynode *n, const char *what, struct topo_ip *ret)
{
	const char *s = want_str(ld, n, what);

	if (!s)
		return false;
	if (topo_ip_parse(s, ret) < 0) {
		ndiag(ld, n, "%s '%s' is not an address (IPv4 or IPv6, optionally /PREFIX, e.g. 10.0.0.1/24 or fd00::1/64)",
		     what, s);
		return false;
	}
	return true;
}

/* A bare IP: no prefix. */
static bool want_ip(struct loader *ld, const struct ynode *n, const char *what, struct topo_ip *ret)
{
	const char *s = want_str(ld, n, what);

	if (!s)
		return false;
	if (topo_ip_parse_addr(s, ret) < 0) {
		ndiag(ld, n, "%s '%s' is not an IP address (e.g. 10.0.0.1 or fd00::1)", what, s);
		return false;
	}
	return true;
}

/* A network: an address with its host bits zero (a bare IP is a /32 or /128). */
static bool want_network(struct loader *ld, const struct ynode *n, const char *what, struct topo_ip *ret)
{
	char buf[TOPO_IP_STRLEN];

	if (!want_address(ld, n, what, ret))
		return false;
	if (!topo_ip_is_network(ret)) {
		struct topo_ip net = *ret;

		topo_ip_to_network(&net);
		ndiag(ld, n, "%s '%s' has host bits set; the network is %s", what, n->str,
		     topo_ip_format(&net, true, buf, sizeof(buf)));
		return false;
	}
	return true;
}

static bool check_limit(struct loader *ld, size_t *count, size_t max, const struct ynode *n, const char *what)
{
	if (++*count <= max)
		return true;
	if (*count == max + 1)
		ndiag(ld, n, "more than %zu %s in one file (topo's limit)", max, what);
	return false;
}

/* ------------------------------------------------------------- interfaces -- */

/* A declarable link type by its name (model/linktype.c's registry). */
static const struct topo_linktype *parse_iftype(const char *s)
{
	const struct topo_linktype *lt = topo_linktype_find(s);

	return lt && (lt->flags & TOPO_LT_DECLARE) ? lt : NULL;
}

static void lt_diag(void *ctx, struct topo_pos pos, const char *fmt, ...)
{
	struct loader *ld = ctx;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg) {
		ld->oom = true;
		return;
	}
	diag(ld, pos, "%s", msg);
	free(msg);
}

/* The keys of an interface entry: the common ones, then each type's (and,
 * in a file with nodes:, a bridge's stretch). */
static const char *topo_iface_keys_accepted(char *buf, size_t len, bool nodes)
{
	char opts[1024];
	size_t n;

	snprintf(buf, len, "type, addresses, mtu, addr_gen_mode, mac, master, rate, burst, latency, netem, %s%s",
		 nodes ? "stretch (bridge), " : "", topo_lopts_accepted(opts, sizeof(opts)));
	for (size_t t = 0; t < topo_n_linktypes; t++)
		if (topo_lt_is(topo_linktypes[t], TOPO_LT_FDB) && (n = strlen(buf)) < len)
			snprintf(buf + n, len - n, ", fdb (%s)", topo_linktypes[t]->name);
	return buf;
}

/* One option of the interface's type, read by its kind. */
static void load_lopt(struct loader *ld, struct topo_iface *ifc, int k, const struct ynode *v)
{
	const struct topo_lopt *o = &ifc->type->opts[k];
	struct topo_linkopt *val = &ifc->opt[k];
	char err[256];
	uint64_t u;
	bool b;

	memset(val, 0, sizeof(*val));
	switch (o->kind) {
	case TOPO_LOPT_UINT:
		if (want_uint(ld, v, o->key, o->min, o->max, &u)) {
			val->u = (uint32_t)u;
			val->set = true;
		}
		break;
	case TOPO_LOPT_BOOL:
	case TOPO_LOPT_FLAG:
		if (want_bool(ld, v, o->key, &b)) {
			val->u = b;
			val->set = true;
		}
		break;
	case TOPO_LOPT_IP:
		val->set = want_ip(ld, v, o->key, &val->ip);
		break;
	case TOPO_LOPT_IFNAME:
		/* "host:IF": a link of host, from another namespace. */
		if (o->host_ok && v->type == YN_SCALAR && strncmp(v->str, TOPO_NS_HOST ":", strlen(TOPO_NS_HOST) + 1) == 0) {
			if (!topo_ifname_valid(v->str + strlen(TOPO_NS_HOST) + 1)) {
				ndiag(ld, v, "%s '%s' is not host:IFNAME (%s)", o->key, v->str, IFNAME_RULE);
				break;
			}
			snprintf(val->name, sizeof(val->name), "%s", v->str + strlen(TOPO_NS_HOST) + 1);
			if (topo_iface_set_link_ns(ifc, TOPO_NS_HOST) < 0)
				ld->oom = true;
			val->set = true;
			break;
		}
		val->set = want_ifname(ld, v, o->key, val->name);
		break;
	case TOPO_LOPT_WORD:
	case TOPO_LOPT_RANGE: {
		const char *str = want_str(ld, v, o->key);

		if (str && topo_lopt_parse(o, str, false, false, val, err, sizeof(err)) < 0)
			ndiag(ld, v, "%s", err);
		break;
	}
	}
}

static int addr_pos_cmp(const void *a, const void *b)
{
	const struct topo_addr *x = a, *y = b;
	int c = topo_ip_cmp(&x->ip, &y->ip);

	if (c)
		return c;
	if (x->pos.line != y->pos.line)
		return x->pos.line < y->pos.line ? -1 : 1;
	return (x->pos.col > y->pos.col) - (x->pos.col < y->pos.col);
}

/* Sorted, a duplicate sits next to its first occurrence: linear after the sort. */
static void addrs_check_duplicates(struct loader *ld, struct topo_iface *ifc)
{
	struct topo_addr *sorted;
	char buf[TOPO_IP_STRLEN];

	if (ifc->n_addrs < 2)
		return;
	sorted = malloc(ifc->n_addrs * sizeof(*sorted));
	if (!sorted) {
		ld->oom = true;
		return;
	}
	memcpy(sorted, ifc->addrs, ifc->n_addrs * sizeof(*sorted));
	qsort(sorted, ifc->n_addrs, sizeof(*sorted), addr_pos_cmp);
	for (size_t i = 1; i < ifc->n_addrs; i++)
		if (topo_ip_equal(&sorted[i].ip, &sorted[i - 1].ip))
			diag(ld, sorted[i].pos, "address '%s' is listed twice on %s",
			     topo_ip_format(&sorted[i].ip, true, buf, sizeof(buf)), ifc->name);
	free(sorted);
}

/*
 * The kernel gives every link but lo an IPv6 link-local address of its own,
 * fe80::/64 with the EUI-64 interface id made from the MAC (IFA_PROTO
 * kernel_ll); IPv6 holds an address once per link, so declaring that one
 * would fail with EEXIST, or fight the kernel after a MAC change. Other
 * link-local addresses are topo's like any address. Without a declared MAC
 * the kernel's id is unknown until the link exists: an EUI-64-shaped id
 * (ff:fe in its middle) may be it.
 */
static void check_link_local(struct loader *ld, const struct topo_iface *ifc, const struct topo_addr *a)
{
	static const uint8_t ll_prefix[8] = { 0xfe, 0x80 };
	const uint8_t *b = a->ip.bytes;
	char buf[TOPO_IP_STRLEN], mac[18];

	if (a->ip.family != AF_INET6 || memcmp(b, ll_prefix, 8) != 0 || b[11] != 0xff || b[12] != 0xfe)
		return;
	topo_ip_format(&a->ip, false, buf, sizeof(buf));
	if (!ifc->has_mac) {
		diag(ld, a->pos, "address %s on %s has an EUI-64 interface id, like the link-local address the kernel "
		     "makes from the MAC, which this file does not set: declare mac, or use another id (e.g. fe80::1/64)",
		     buf, ifc->name);
		return;
	}
	const uint8_t *m = ifc->mac;
	const uint8_t eui[8] = { m[0] ^ 0x02, m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5] };

	if (memcmp(b + 8, eui, 8) == 0)
		diag(ld, a->pos, "address %s on %s is the link-local address the kernel makes itself from mac %s: "
		     "leave it out, or use another id (e.g. fe80::1/64)", buf, ifc->name, topo_mac_format(m, mac));
}

/* fdb: [{mac: M, dst: IP}, ...] of a link whose type takes them. */
static void load_fdb(struct loader *ld, struct topo_ns *ns, const struct topo_iface *ifc, const struct ynode *v)
{
	char m[18], a[TOPO_IP_STRLEN];

	if (!want_seq(ld, v, "fdb"))
		return;
	for (size_t j = 0; j < v->n; j++) {
		const struct ynode *e = v->kids[j];
		struct topo_fdb f = { .pos = e->pos };
		bool has_mac = false, has_dst = false, mac_key = false, dst_key = false;

		if (!want_map(ld, e, "an fdb entry"))
			continue;
		snprintf(f.dev, sizeof(f.dev), "%s", ifc->name);
		for (size_t i = 0; i + 1 < e->n; i += 2) {
			const struct ynode *k = e->kids[i], *x = e->kids[i + 1];
			const char *s;

			if (k->type != YN_SCALAR)
				continue;
			if (strcmp(k->str, "mac") == 0) {
				mac_key = true;
				if (!(s = want_str(ld, x, "mac")))
					continue;
				if (topo_mac_parse(s, f.mac) < 0)
					ndiag(ld, x, "mac '%s' is not a MAC address (six hex octets, e.g. \"00:00:00:00:00:00\")", s);
				else
					has_mac = true;
			} else if (strcmp(k->str, "dst") == 0) {
				dst_key = true;
				has_dst = want_ip(ld, x, "dst", &f.dst);
			} else {
				unknown_key(ld, k, "an fdb entry", "mac, dst");
			}
		}
		if (!mac_key || !dst_key)
			ndiag(ld, e, "an fdb entry needs mac and dst (e.g. {mac: \"00:00:00:00:00:00\", dst: 192.0.2.2})");
		if (!has_mac || !has_dst)
			continue;
		for (size_t k = 0; k < ns->n_fdb; k++)
			if (strcmp(ns->fdb[k].dev, f.dev) == 0 && memcmp(ns->fdb[k].mac, f.mac, 6) == 0 &&
			    topo_ip_equal(&ns->fdb[k].dst, &f.dst)) {
				ndiag(ld, e, "fdb entry %s dst %s is listed twice on %s (line %u)", topo_mac_format(f.mac, m),
				      topo_ip_format(&f.dst, false, a, sizeof(a)), f.dev, ns->fdb[k].pos.line);
				has_mac = false;
				break;
			}
		if (!has_mac)
			continue;
		struct topo_fdb *slot = topo_ns_fdb_add(ns);

		if (!slot) {
			ld->oom = true;
			return;
		}
		*slot = f;
	}
}

struct iface_seen {
	const struct ynode *type;
	const struct ynode *rate, *burst, *latency, *netem;
	const struct ynode *stretch, *stretch_key;
	struct topo_pos opt_pos[TOPO_LINK_OPTS_MAX];
};

static bool want_units(struct loader *ld, const struct ynode *v, const char *what,
		       int (*parse)(const char *, uint64_t *), const char *example, uint64_t max, uint64_t *ret)
{
	const char *s = want_str(ld, v, what);

	if (!s)
		return false;
	if (parse(s, ret) < 0 || *ret > max) {
		ndiag(ld, v, "%s '%s' is not %s", what, s, example);
		return false;
	}
	return true;
}

/* netem: {delay: 10ms, loss: 1%} */
static void load_netem(struct loader *ld, struct topo_shape *sh, const struct ynode *v)
{
	uint64_t u;

	if (!want_map(ld, v, "netem"))
		return;
	sh->netem = true;
	for (size_t i = 0; i + 1 < v->n; i += 2) {
		const struct ynode *k = v->kids[i], *x = v->kids[i + 1];

		if (k->type != YN_SCALAR)
			continue;
		if (strcmp(k->str, "delay") == 0) {
			if (want_units(ld, x, "delay", topo_time_parse, "a time (e.g. 10ms, 500us, 1s)", 60000000, &u))
				sh->delay_us = (uint32_t)u;
		} else if (strcmp(k->str, "loss") == 0) {
			const char *str = want_str(ld, x, "loss");

			if (str && topo_percent_parse(str, &sh->loss_ppm) < 0)
				ndiag(ld, x, "loss '%s' is not a percentage 0-100%% (e.g. 1%% or 0.5%%)", str);
		} else {
			unknown_key(ld, k, "netem", "delay, loss");
		}
	}
}

/* rate:, burst:, latency:, netem: of an interface; false if k is none of them. */
static bool load_shape_key(struct loader *ld, struct topo_iface *ifc, const struct ynode *k, const struct ynode *v,
			   struct iface_seen *seen)
{
	struct topo_shape *sh;
	uint64_t u = 0;

	if (strcmp(k->str, "rate") != 0 && strcmp(k->str, "burst") != 0 && strcmp(k->str, "latency") != 0 &&
	    strcmp(k->str, "netem") != 0)
		return false;
	sh = topo_iface_shape_edit(ifc);
	if (!sh) {
		ld->oom = true;
		return true;
	}
	if (strcmp(k->str, "rate") == 0) {
		seen->rate = k;
		if (want_units(ld, v, "rate", topo_rate_parse,
			       "a rate (e.g. 10mbit, 500kbit, 1gbit; kbps/mbps are bytes per second)", 1ull << 37, &u))
			sh->rate = u;
	} else if (strcmp(k->str, "burst") == 0) {
		seen->burst = k;
		if (want_units(ld, v, "burst", topo_size_parse, "a size 1600-64mb (e.g. 1600, 32kb)", 64u << 20, &u) &&
		    u >= 1600)
			sh->burst = (uint32_t)u;
		else if (u && u < 1600)
			ndiag(ld, v, "burst %s is less than a full frame: at least 1600 bytes", v->str);
	} else if (strcmp(k->str, "latency") == 0) {
		seen->latency = k;
		if (want_units(ld, v, "latency", topo_time_parse, "a time (e.g. 50ms)", 10000000, &u) && u)
			sh->latency_us = (uint32_t)u;
	} else {
		seen->netem = k;
		load_netem(ld, sh, v);
	}
	if (!ifc->shape_pos.line)
		ifc->shape_pos = k->pos;
	return true;
}

/* The rules between the shaping keys, once the whole entry is read. */
static void check_shape(struct loader *ld, struct topo_iface *ifc, const struct iface_seen *seen)
{
	if ((seen->burst || seen->latency) && !seen->rate)
		ndiag(ld, seen->burst ? seen->burst : seen->latency, "'%s' goes with rate: (the token bucket's size "
		      "and queue)", (seen->burst ? seen->burst : seen->latency)->str);
	if (seen->netem && seen->rate)
		ndiag(ld, seen->netem, "netem and rate on one interface are not supported yet: one root qdisc each");
	if ((seen->rate || seen->netem) && (ifc->type == TOPO_IF_LOOPBACK || ifc->type == TOPO_IF_BRIDGE))
		ndiag(ld, seen->rate ? seen->rate : seen->netem, "shaping applies to veth and vxlan interfaces, "
		      "not to a %s", topo_iftype_name(ifc->type));
	if (ifc->shape)
		topo_shape_canon(ifc->shape);
}

/* stretch:, and a bridge's vni: and dstport: (its tunnel's when stretched,
 * model/nodes.c); false if k is none of them. */
static bool load_stretch_key(struct loader *ld, struct topo_iface *ifc, const struct ynode *k, const struct ynode *v,
			     struct iface_seen *seen)
{
	uint64_t u;

	if (strcmp(k->str, "stretch") == 0) {
		seen->stretch = k;
		want_bool(ld, v, "stretch", &ifc->stretch);
	} else if (ifc->type == TOPO_IF_BRIDGE && strcmp(k->str, "vni") == 0) {
		seen->stretch_key = k;
		if (want_uint(ld, v, "vni", 0, 16777215, &u))
			ifc->stretch_vni = (uint32_t)u;
	} else if (ifc->type == TOPO_IF_BRIDGE && strcmp(k->str, "dstport") == 0) {
		seen->stretch_key = k;
		if (want_uint(ld, v, "dstport", 1, 65535, &u))
			ifc->stretch_port = (uint16_t)u;
	} else {
		return false;
	}
	return true;
}

static void check_stretch(struct loader *ld, const struct topo_iface *ifc, const struct iface_seen *seen)
{
	if (seen->stretch && ifc->type != TOPO_IF_BRIDGE)
		ndiag(ld, seen->stretch, "stretch applies to bridges only (add type: bridge)");
	else if (seen->stretch && !ld->t->n_nodes)
		ndiag(ld, seen->stretch, "stretch needs the file's nodes: (a bridge is stretched over several hosts)");
	if (seen->stretch_key && !ifc->stretch)
		ndiag(ld, seen->stretch_key, "'%s' applies to vxlan interfaces only (add type: vxlan)",
		      seen->stretch_key->str);
}

static void load_iface(struct loader *ld, struct topo_ns *ns, const struct ynode *key, const struct ynode *val)
{
	struct topo_iface *ifc;
	struct iface_seen seen = { 0 };
	char name[TOPO_IFNAME_MAX + 1];

	if (!want_ifname(ld, key, "interface name", name))
		return;
	if (!check_limit(ld, &ld->n_ifaces, TOPO_MAX_INTERFACES, key, "interfaces"))
		return;
	ifc = topo_ns_iface_add(ns);
	if (!ifc) {
		ld->oom = true;
		return;
	}
	memcpy(ifc->name, name, sizeof(name));
	ifc->pos = key->pos;
	if (strcmp(name, "lo") == 0)
		ifc->type = TOPO_IF_LOOPBACK;
	if (is_null(val))
		return;
	if (!want_map(ld, val, "an interface"))
		return;

	/* The type first: it says which option keys the entry takes. */
	for (size_t i = 0; i + 1 < val->n; i += 2) {
		const struct ynode *k = val->kids[i], *v = val->kids[i + 1];
		const struct topo_linktype *lt;
		char accepted[256];
		const char *s;

		if (k->type != YN_SCALAR || strcmp(k->str, "type") != 0)
			continue;
		s = want_str(ld, v, "type");
		seen.type = v;
		if (s && !(lt = parse_iftype(s)))
			ndiag(ld, v, "unknown interface type '%s' (accepted: %s)", s,
			      topo_linktypes_accepted(accepted, sizeof(accepted)));
		else if (s && topo_iface_set_type(ifc, lt) < 0)
			ld->oom = true;
	}
	for (size_t i = 0; i + 1 < val->n; i += 2) {
		const struct ynode *k = val->kids[i], *v = val->kids[i + 1];
		const char *kn = k->str;
		const struct topo_linktype *owner;
		uint64_t u;
		int oi;

		if (k->type != YN_SCALAR)
			continue;
		if (strcmp(kn, "type") == 0) {
			continue;
		} else if (strcmp(kn, "addresses") == 0) {
			if (!want_seq(ld, v, "addresses"))
				continue;
			for (size_t j = 0; j < v->n; j++) {
				struct topo_ip ip;
				struct topo_addr *a;

				if (!want_address(ld, v->kids[j], "address", &ip))
					continue;
				if (!check_limit(ld, &ld->n_addrs, TOPO_MAX_ADDRESSES, v->kids[j], "addresses"))
					break;
				a = topo_iface_addr_add(ifc);
				if (!a) {
					ld->oom = true;
					return;
				}
				a->ip = ip;
				a->pos = v->kids[j]->pos;
			}
			addrs_check_duplicates(ld, ifc);
		} else if (strcmp(kn, "mtu") == 0) {
			if (want_uint(ld, v, "mtu", 68, 65535, &u))
				ifc->mtu = (uint32_t)u;
		} else if (strcmp(kn, "addr_gen_mode") == 0) {
			want_agm(ld, v, &ifc->addr_gen_mode);
		} else if (strcmp(kn, "mac") == 0) {
			const char *s = want_str(ld, v, "mac");

			if (!s)
				continue;
			if (topo_mac_parse(s, ifc->mac) < 0)
				ndiag(ld, v, "mac '%s' is not a MAC address (six hex octets, e.g. \"02:00:00:00:00:01\")", s);
			else if (ifc->mac[0] & 1)
				ndiag(ld, v, "mac '%s' is a multicast address; an interface needs a unicast one (first octet even)", s);
			else if (!(ifc->mac[0] | ifc->mac[1] | ifc->mac[2] | ifc->mac[3] | ifc->mac[4] | ifc->mac[5]))
				ndiag(ld, v, "mac '%s' is all zeros", s);
			else
				ifc->has_mac = true;
		} else if (strcmp(kn, "master") == 0) {
			want_ifname(ld, v, "master", ifc->master);
		} else if (load_shape_key(ld, ifc, k, v, &seen)) {
			continue;
		} else if (load_stretch_key(ld, ifc, k, v, &seen)) {
			continue;
		} else if (strcmp(kn, "fdb") == 0 && topo_lt_is(ifc->type, TOPO_LT_FDB)) {
			load_fdb(ld, ns, ifc, v);
		} else if (strcmp(kn, "fdb") == 0) {
			char types[128] = "";

			for (size_t t = 0; t < topo_n_linktypes; t++)
				if (topo_lt_is(topo_linktypes[t], TOPO_LT_FDB))
					snprintf(types + strlen(types), sizeof(types) - strlen(types), "%s%s",
						 types[0] ? "|" : "", topo_linktypes[t]->name);
			ndiag(ld, k, "'fdb' applies to %s interfaces only (add type: %s)", types, types);
		} else if ((oi = topo_lopt_find(ifc->type, kn)) >= 0) {
			seen.opt_pos[oi] = k->pos;
			load_lopt(ld, ifc, oi, v);
		} else if ((owner = topo_lopt_owner(kn, &oi))) {
			ndiag(ld, k, "'%s' applies to %s interfaces only (add type: %s)", kn, owner->name, owner->name);
		} else {
			char accepted[1024];

			unknown_key(ld, k, "an interface", topo_iface_keys_accepted(accepted, sizeof(accepted),
										    ld->t->n_nodes > 0));
		}
	}
	check_shape(ld, ifc, &seen);

	check_stretch(ld, ifc, &seen);

	/* Rules that need the whole entry: the type's own. */
	if (ifc->type && ifc->type->complete)
		ifc->type->complete(ifc);
	if (ifc->type && ifc->type->validate) {
		struct topo_lt_report r = { .ctx = ld, .diag = lt_diag, .opt_pos = seen.opt_pos, .pos = key->pos };

		ifc->type->validate(ifc, &r);
	}
	if (strcmp(ifc->name, "lo") == 0 && ifc->type != TOPO_IF_LOOPBACK)
		diag(ld, seen.type ? seen.type->pos : key->pos, "lo is the loopback interface; it cannot be a %s",
		     topo_iftype_name(ifc->type));
	if (ifc->type == TOPO_IF_LOOPBACK && strcmp(ifc->name, "lo") != 0)
		diag(ld, seen.type ? seen.type->pos : key->pos,
		     "type loopback is only for 'lo' (each namespace has exactly one loopback)");
	if (topo_lt_is(ifc->type, TOPO_LT_KERNEL) && (ifc->mtu || ifc->has_mac || ifc->master[0]))
		ndiag(ld, key, "lo takes only addresses (its mtu, mac and master are the kernel's)");
	if (!topo_lt_is(ifc->type, TOPO_LT_KERNEL))
		for (size_t i = 0; i < ifc->n_addrs; i++)
			check_link_local(ld, ifc, &ifc->addrs[i]);
}

/* ----------------------------------------------------------------- routes -- */

/* `nexthops:` of a multipath route: 2..TOPO_ROUTE_NH_MAX paths, each with
 * via and/or dev and a weight 1-256 (1 unless given), none twice. */
static bool load_route_nexthops(struct loader *ld, struct topo_route *rt, const struct ynode *v)
{
	bool ok = true;

	if (!want_seq(ld, v, "nexthops"))
		return false;
	if (v->n < 2 || v->n > TOPO_ROUTE_NH_MAX) {
		ndiag(ld, v, "nexthops takes 2-%d paths, not %zu (a route with one path takes via and dev itself)",
		      TOPO_ROUTE_NH_MAX, v->n);
		return false;
	}
	/* A second `nexthops:` (a duplicate key, reported as such) starts over:
	 * the paths never run past TOPO_ROUTE_NH_MAX. */
	topo_route_clear(rt);
	for (size_t j = 0; j < v->n && rt->n_nh < TOPO_ROUTE_NH_MAX; j++) {
		const struct ynode *e = v->kids[j], *via = NULL, *dev = NULL;
		struct topo_route_nh *nh = topo_route_nh_add(rt);
		uint64_t u;

		if (!nh) {
			ld->oom = true;
			return false;
		}
		nh->weight = 1;
		if (!want_map(ld, e, "a nexthop")) {
			rt->n_nh--;     /* not a path */
			ok = false;
			continue;
		}
		for (size_t i = 0; i + 1 < e->n; i += 2) {
			const struct ynode *k = e->kids[i], *x = e->kids[i + 1];

			if (k->type != YN_SCALAR)
				continue;
			if (strcmp(k->str, "via") == 0) {
				via = x;
				ok &= want_ip(ld, x, "via", &nh->via);
			} else if (strcmp(k->str, "dev") == 0) {
				dev = x;
				ok &= want_ifname(ld, x, "dev", nh->dev);
			} else if (strcmp(k->str, "weight") == 0) {
				if (want_uint(ld, x, "weight", 1, 256, &u))
					nh->weight = (uint16_t)u;
				else
					ok = false;
			} else {
				unknown_key(ld, k, "a nexthop", "via, dev, weight");
				ok = false;
			}
		}
		if (!via && !dev) {
			ndiag(ld, e, "a nexthop needs 'via' or 'dev' (or both)");
			ok = false;
		}
		for (size_t i = 0; i + 1 < rt->n_nh && ok; i++) {
			const struct topo_route_nh *o = &rt->nh[i];

			if ((nh->via.family && topo_ip_equal(&o->via, &nh->via)) ||
			    (!nh->via.family && !o->via.family && strcmp(o->dev, nh->dev) == 0)) {
				ndiag(ld, e, "this nexthop repeats nexthop %zu (the same %s)", i + 1,
				      nh->via.family ? "gateway" : "device");
				ok = false;
			}
		}
	}
	return ok;
}

static bool want_table(struct loader *ld, const struct ynode *v, uint32_t *ret)
{
	uint64_t u;

	if (v->type == YN_SCALAR && strcmp(v->str, "main") == 0)
		*ret = TOPO_TABLE_MAIN;
	else if (v->type == YN_SCALAR && strcmp(v->str, "local") == 0)
		*ret = TOPO_TABLE_LOCAL;
	else if (v->type == YN_SCALAR && strcmp(v->str, "default") == 0)
		*ret = TOPO_TABLE_DEFAULT;
	else if (v->type == YN_SCALAR && v->plain && yaml_plain_uint(v->str, &u) && u >= 1 && u <= 4294967295u)
		*ret = (uint32_t)u;
	else {
		ndiag(ld, v, "table must be main, local, default or an integer 1-4294967295");
		return false;
	}
	return true;
}

/*
 * `absent:` entries: {to, table, type, metric, dev}. `to` is required; type
 * unicast (a prefix route), local or broadcast (the local table's); metric
 * and dev narrow the match. A declared route with the same key is refused
 * later (absent_check_routes).
 */
static void load_absent(struct loader *ld, struct topo_ns *ns, const struct ynode *n)
{
	struct topo_absent a = { .table = TOPO_TABLE_MAIN, .pos = n->pos };
	const struct ynode *to = NULL;
	bool ok = true;
	uint64_t u;

	if (!want_map(ld, n, "an absent: entry"))
		return;
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const struct ynode *k = n->kids[i], *v = n->kids[i + 1];

		if (k->type != YN_SCALAR)
			continue;
		if (strcmp(k->str, "to") == 0) {
			to = v;
		} else if (strcmp(k->str, "table") == 0) {
			ok &= want_table(ld, v, &a.table);
		} else if (strcmp(k->str, "type") == 0) {
			const char *s = want_str(ld, v, "type");

			if (!s || topo_rtype_parse(s, &a.type) < 0 ||
			    (a.type != TOPO_RT_UNICAST && a.type != TOPO_RT_LOCAL && a.type != TOPO_RT_BROADCAST)) {
				if (s)
					ndiag(ld, v, "type '%s' of an absent: route is not one of unicast, local, broadcast "
					      "(the kinds of route the kernel makes)", s);
				ok = false;
			}
		} else if (strcmp(k->str, "metric") == 0) {
			if (want_uint(ld, v, "metric", 0, 4294967295u, &u)) {
				a.metric = (uint32_t)u;
				a.has_metric = true;
			} else {
				ok = false;
			}
		} else if (strcmp(k->str, "dev") == 0) {
			ok &= want_ifname(ld, v, "dev", a.dev);
		} else {
			unknown_key(ld, k, "an absent: entry", "to, table, type, metric, dev");
			ok = false;
		}
	}
	if (!to) {
		ndiag(ld, n, "an absent: entry needs 'to' (the destination of the kernel's route, e.g. 127.0.0.0/8)");
		return;
	}
	if (!want_network(ld, to, "absent 'to'", &a.dst) || !ok)
		return;
	struct topo_absent *v = realloc(ns->absent_routes, (ns->n_absent_routes + 1) * sizeof(*v));

	if (!v) {
		ld->oom = true;
		return;
	}
	ns->absent_routes = v;
	v[ns->n_absent_routes++] = a;
}

/* The rules between a route's paths and its options, once its family is known. */
static bool route_check_paths(struct loader *ld, const struct topo_route *rt, const struct ynode *via,
			      const struct ynode *dev, const struct ynode *nexthops, const struct ynode *onlink,
			      const struct ynode *scope)
{
	bool ok = true, gw = rt->via.family != 0;

	if (nexthops && (via || dev)) {
		diag(ld, (via ? via : dev)->pos, "'%s' and 'nexthops' are exclusive: give each path its own via and dev",
		     via ? "via" : "dev");
		ok = false;
	}
	for (size_t i = 0; i < rt->n_nh; i++) {
		const struct ynode *e = nexthops->kids[i];

		gw |= rt->nh[i].via.family != 0;
		if (rt->nh[i].via.family && rt->nh[i].via.family != rt->dst.family) {
			ndiag(ld, e, "nexthop %zu: its via is not in the same address family as 'to'", i + 1);
			ok = false;
		}
		if (rt->onlink && !rt->nh[i].dev[0]) {
			ndiag(ld, e, "nexthop %zu: an onlink route needs a 'dev' on every path (the kernel cannot "
			      "find the link of a gateway that is on no subnet)", i + 1);
			ok = false;
		}
	}
	if (rt->onlink && !gw) {
		ndiag(ld, onlink, "onlink applies to a gateway: add 'via' (or nexthops with via)");
		ok = false;
	} else if (rt->onlink && !rt->n_nh && !dev) {
		ndiag(ld, onlink, "an onlink route needs 'dev' (the kernel cannot find the link of a gateway "
		      "that is on no subnet)");
		ok = false;
	}
	if (scope && rt->dst.family == AF_INET6 && rt->scope != TOPO_SCOPE_GLOBAL) {
		ndiag(ld, scope, "IPv6 routes have no scope (the kernel keeps every one global); leave 'scope' out");
		ok = false;
	} else if (scope && gw && rt->scope >= TOPO_SCOPE_LINK) {
		ndiag(ld, scope, "a route through a gateway cannot have scope %s (the kernel refuses it: the "
		      "gateway must be farther than the route)", scope->str);
		ok = false;
	}
	return ok;
}

static void load_route(struct loader *ld, struct topo_ns *ns, const struct ynode *n)
{
	struct topo_route rt = { .table = TOPO_TABLE_MAIN };
	const struct ynode *to = NULL, *via = NULL, *src = NULL, *dev = NULL, *type = NULL, *metric = NULL;
	const struct ynode *nhid = NULL;
	const struct ynode *nexthops = NULL, *onlink = NULL, *scope = NULL;
	bool is_default = false, ok = true;
	uint64_t u;

	if (!want_map(ld, n, "a route"))
		return;
	rt.pos = n->pos;
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const struct ynode *k = n->kids[i], *v = n->kids[i + 1];

		if (k->type != YN_SCALAR)
			continue;
		if (strcmp(k->str, "to") == 0) {
			to = v;
		} else if (strcmp(k->str, "via") == 0) {
			via = v;
			ok &= want_ip(ld, v, "via", &rt.via);
		} else if (strcmp(k->str, "src") == 0) {
			src = v;
			ok &= want_ip(ld, v, "src", &rt.src);
		} else if (strcmp(k->str, "dev") == 0) {
			dev = v;
			ok &= want_ifname(ld, v, "dev", rt.dev);
		} else if (strcmp(k->str, "metric") == 0) {
			metric = v;
			if (want_uint(ld, v, "metric", 0, 4294967295u, &u))
				rt.metric = (uint32_t)u;
			else
				ok = false;
		} else if (strcmp(k->str, "table") == 0) {
			ok &= want_table(ld, v, &rt.table);
		} else if (strcmp(k->str, "type") == 0) {
			const char *s = want_str(ld, v, "type");

			type = v;
			if (!s)
				ok = false;
			else if (strcmp(s, "unicast") == 0)
				rt.type = TOPO_RT_UNICAST;
			else if (strcmp(s, "blackhole") == 0)
				rt.type = TOPO_RT_BLACKHOLE;
			else if (strcmp(s, "unreachable") == 0)
				rt.type = TOPO_RT_UNREACHABLE;
			else if (strcmp(s, "prohibit") == 0)
				rt.type = TOPO_RT_PROHIBIT;
			else {
				ndiag(ld, v, "route type '%s' is not one of unicast, blackhole, unreachable, prohibit", s);
				ok = false;
			}
		} else if (strcmp(k->str, "nhid") == 0) {
			nhid = v;
			if (want_uint(ld, v, "nhid", 1, 4294967295u, &u))
				rt.nhid = (uint32_t)u;
			else
				ok = false;
		} else if (strcmp(k->str, "nexthops") == 0) {
			nexthops = v;
			ok &= load_route_nexthops(ld, &rt, v);
		} else if (strcmp(k->str, "onlink") == 0) {
			onlink = v;
			ok &= want_bool(ld, v, "onlink", &rt.onlink);
		} else if (strcmp(k->str, "scope") == 0) {
			const char *s = want_str(ld, v, "scope");

			scope = v;
			if (s && topo_scope_parse(s, &rt.scope) == 0) {
				rt.has_scope = true;
			} else {
				if (s)
					ndiag(ld, v, "scope '%s' is not one of global, site, link, host, nowhere or a number 0-255", s);
				ok = false;
			}
		} else if (strcmp(k->str, "mtu") == 0 || strcmp(k->str, "advmss") == 0) {
			bool is_mtu = k->str[0] == 'm';

			if (want_uint(ld, v, k->str, is_mtu ? 68 : 1, 65535, &u))
				*(is_mtu ? &rt.mtu : &rt.advmss) = (uint32_t)u;
			else
				ok = false;
		} else {
			unknown_key(ld, k, "a route",
				    "to, via, dev, nexthops, nhid, metric, table, src, type, scope, onlink, mtu, advmss");
		}
	}

	if (!to) {
		ndiag(ld, n, "a route needs 'to' (default or a network like 10.0.0.0/24)");
		goto drop;
	}
	if (to->type == YN_SCALAR && strcmp(to->str, "default") == 0)
		is_default = true;
	else if (!want_network(ld, to, "route 'to'", &rt.dst))
		ok = false;
	if (!ok)
		goto drop;

	/* `default` takes its family from the gateway or the source. */
	if (is_default) {
		rt.dst.family = rt.via.family ? rt.via.family : rt.n_nh && rt.nh[0].via.family ? rt.nh[0].via.family :
				rt.src.family ? rt.src.family : AF_INET;
		rt.dst.plen = 0;
	}
	ok &= route_check_paths(ld, &rt, via, dev, nexthops, onlink, scope);
	if (rt.via.family && rt.via.family != rt.dst.family) {
		ndiag(ld, via, "via %s is not in the same address family as 'to'", via->str);
		ok = false;
	}
	if (rt.src.family && rt.src.family != rt.dst.family) {
		ndiag(ld, src, "src %s is not in the same address family as 'to'", src->str);
		ok = false;
	}
	/* A nexthop object carries the gateway and the device. */
	if (nhid && (via || dev || nexthops || rt.type != TOPO_RT_UNICAST)) {
		ndiag(ld, nhid, "a route with nhid takes no 'via', 'dev', 'nexthops' or 'type' (the nexthop object says them)");
		ok = false;
	}
	if (rt.type == TOPO_RT_UNICAST && !via && !dev && !nexthops && !nhid) {
		ndiag(ld, n, "a unicast route needs 'via', 'dev', 'nexthops' or 'nhid' (or a type: blackhole, unreachable, prohibit)");
		ok = false;
	}
	if (rt.type != TOPO_RT_UNICAST && (via || dev || nexthops)) {
		const struct ynode *w = via ? via : dev ? dev : nexthops;

		diag(ld, w->pos, "a %s route takes no 'via', 'dev' or 'nexthops'", topo_rtype_name(rt.type));
		ok = false;
	}
	topo_route_nh_sort(&rt);
	(void)type;
	/* The kernel stores IPv6 routes without a metric as 1024 (IP6_RT_PRIO_USER). */
	if (rt.dst.family == AF_INET6 && rt.metric == 0)
		rt.metric = 1024;
	(void)metric;
	if (!ok)
		goto drop;
	if (!check_limit(ld, &ld->n_routes, TOPO_MAX_ROUTES, n, "routes"))
		goto drop;
	struct topo_route *slot = topo_ns_route_add(ns);

	if (!slot) {
		ld->oom = true;
		goto drop;
	}
	*slot = rt;
	return;
drop:
	topo_route_clear(&rt);
}

/* ---------------------------------------------------------------- sysctls -- */

/* Integers lose leading zeros and '+', runs of blanks become one space: the
 * way the kernel prints the value back. */
char *topo_sysctl_value_canon(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(n + 1), *o = out;

	if (!out)
		return NULL;
	while (*s) {
		const char *end;
		size_t len;

		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			break;
		for (end = s; *end && *end != ' ' && *end != '\t' && *end != '\n'; end++)
			;
		len = (size_t)(end - s);
		if (o != out)
			*o++ = ' ';
		const char *d = s;
		bool neg = false;

		if (*d == '-' || *d == '+') {
			neg = *d == '-';
			d++;
		}
		bool digits = d < end;

		for (const char *p = d; p < end; p++)
			if (*p < '0' || *p > '9')
				digits = false;
		if (digits) {
			while (d + 1 < end && *d == '0')
				d++;
			if (neg && !(end - d == 1 && *d == '0'))
				*o++ = '-';
			memcpy(o, d, (size_t)(end - d));
			o += end - d;
		} else {
			memcpy(o, s, len);
			o += len;
		}
		s = end;
	}
	*o = '\0';
	return out;
}

/* A value is one line of text: the kernel ends a string value at its first
 * newline, and other control characters make the write fail (EINVAL for
 * integers, no such algorithm for names). Tabs are blanks, as the kernel
 * itself prints some values (ip_local_port_range). */
static bool sysctl_value_is_one_line(struct loader *ld, const struct ynode *k, const struct ynode *v)
{
	for (size_t i = 0; i < v->len; i++) {
		unsigned char c = (unsigned char)v->str[i];
		bool c1 = c == 0xc2 && i + 1 < v->len && (unsigned char)v->str[i + 1] >= 0x80 &&
			  (unsigned char)v->str[i + 1] <= 0x9f;

		if (c == '\n' || c == '\r') {
			ndiag(ld, v, "sysctl %s: the value holds a line break; /proc/sys takes one line "
			     "(separate several values with spaces)", k->str);
			return false;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f || c1) {
			ndiag(ld, v, "sysctl %s: the value holds the control character \\x%02x; "
			     "the kernel refuses it (values are printable text)", k->str,
			     c1 ? (unsigned char)v->str[i + 1] : c);
			return false;
		}
	}
	return true;
}

static void load_sysctls(struct loader *ld, struct topo_ns *ns, const struct ynode *n)
{
	if (is_null(n) || !want_map(ld, n, "sysctls"))
		return;
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const struct ynode *k = n->kids[i], *v = n->kids[i + 1];
		struct topo_sysctl *s;

		if (k->type != YN_SCALAR)
			continue;
		if (!topo_sysctl_key_valid(k->str)) {
			ndiag(ld, k, "sysctl key '%s' must start with 'net.' and contain no '/', '..' or blanks "
			     "(e.g. net.ipv4.ip_forward)", k->str);
			continue;
		}
		if (v->type != YN_SCALAR || is_null(v) || strlen(v->str) != v->len) {
			ndiag(ld, v, "sysctl %s needs a scalar value (an integer or a string)", k->str);
			continue;
		}
		if (!sysctl_value_is_one_line(ld, k, v))
			continue;
		if (!check_limit(ld, &ld->n_sysctls, TOPO_MAX_SYSCTLS, k, "sysctls"))
			return;
		s = topo_ns_sysctl_add(ns);
		if (!s) {
			ld->oom = true;
			return;
		}
		s->key = strdup(k->str);
		s->value = topo_sysctl_value_canon(v->str);
		s->pos = k->pos;
		if (!s->key || !s->value)
			ld->oom = true;
		else if (!s->value[0])
			ndiag(ld, v, "sysctl %s has an empty value", k->str);
	}
}

/* -------------------------------------------------------- nat and forward -- */

static bool same_family(struct loader *ld, const struct ynode *at, const struct topo_ip *a,
			const struct topo_ip *b, const char *an, const char *bn)
{
	if (a->family && b->family && a->family != b->family) {
		diag(ld, at->pos, "%s and %s are not the same address family", an, bn);
		return false;
	}
	return true;
}

/* "N" or "N-M"; a plain integer or a string. */
static bool want_port_range(struct loader *ld, const struct ynode *n, uint16_t *lo, uint16_t *hi)
{
	uint64_t a, b;
	const char *dash;
	char first[8];

	if (n->type == YN_SCALAR && yaml_plain_uint(n->str, &a) && a >= 1 && a <= 65535) {
		*lo = *hi = (uint16_t)a;
		return true;
	}
	if (n->type == YN_SCALAR && (dash = strchr(n->str, '-')) && (size_t)(dash - n->str) < sizeof(first)) {
		memcpy(first, n->str, (size_t)(dash - n->str));
		first[dash - n->str] = '\0';
		if (yaml_plain_uint(first, &a) && yaml_plain_uint(dash + 1, &b) && a >= 1 && b <= 65535 && a <= b) {
			*lo = (uint16_t)a;
			*hi = (uint16_t)b;
			return true;
		}
	}
	ndiag(ld, n, "port must be 1-65535 or a range \"LOW-HIGH\" with LOW <= HIGH");
	return false;
}

/* "IP", "IP:PORT", "[IPv6]:PORT". */
static bool want_ip_port(struct loader *ld, const struct ynode *n, const char *what,
			 struct topo_ip *ip, uint16_t *port, bool port_allowed)
{
	const char *s = want_str(ld, n, what);
	char buf[64];
	const char *addr = s, *ps = NULL;
	uint64_t p = 0;

	if (!s)
		return false;
	if (strlen(s) >= sizeof(buf))
		goto bad;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || (close[1] && close[1] != ':'))
			goto bad;
		memcpy(buf, s + 1, (size_t)(close - s - 1));
		buf[close - s - 1] = '\0';
		addr = buf;
		ps = close[1] ? close + 2 : NULL;
	} else if (strchr(s, '.') && strchr(s, ':')) {
		const char *colon = strchr(s, ':');

		memcpy(buf, s, (size_t)(colon - s));
		buf[colon - s] = '\0';
		addr = buf;
		ps = colon + 1;
	}
	if (topo_ip_parse_addr(addr, ip) < 0)
		goto bad;
	if (ps) {
		if (!port_allowed) {
			ndiag(ld, n, "%s takes an address without a port", what);
			return false;
		}
		if (!yaml_plain_uint(ps, &p) || p < 1 || p > 65535)
			goto bad;
	}
	if (port)
		*port = (uint16_t)p;
	return true;
bad:
	ndiag(ld, n, "%s '%s' is not %s", what, s,
	     port_allowed ? "IP or IP:PORT (e.g. 172.18.0.2:80 or [fd00::2]:80)" : "an IP address");
	return false;
}

static bool want_nat_source(struct loader *ld, const struct ynode *v, const char *what, struct topo_ip *ip)
{
	return want_network(ld, v, what, ip);
}

/* ":PORT" or ":LOW-HIGH": the port part of a nat target alone. */
static bool want_colon_ports(struct loader *ld, const struct ynode *n, const char *what, uint16_t *lo, uint16_t *hi)
{
	struct ynode tmp;

	if (n->type != YN_SCALAR || n->str[0] != ':') {
		ndiag(ld, n, "%s must be \":PORT\" or \":LOW-HIGH\"", what);
		return false;
	}
	tmp = *n;
	tmp.str = n->str + 1;
	tmp.len = n->len - 1;
	tmp.plain = true;
	if (!want_port_range(ld, &tmp, lo, hi))
		return false;
	if (*hi == *lo)
		*hi = 0;
	return true;
}

static bool want_nat_protocol(struct loader *ld, const struct ynode *v, bool icmp, uint8_t *ret)
{
	const char *s = want_str(ld, v, "protocol");

	if (!s)
		return false;
	if (strcmp(s, "tcp") == 0)
		*ret = IPPROTO_TCP;
	else if (strcmp(s, "udp") == 0)
		*ret = IPPROTO_UDP;
	else if (strcmp(s, "sctp") == 0)
		*ret = IPPROTO_SCTP;
	else if (icmp && strcmp(s, "icmp") == 0)
		*ret = IPPROTO_ICMP;
	else if (icmp && strcmp(s, "icmpv6") == 0)
		*ret = IPPROTO_ICMPV6;
	else {
		ndiag(ld, v, "protocol '%s' is not tcp, udp or sctp%s", s, icmp ? " (or icmp, icmpv6 without a port)" : "");
		return false;
	}
	return true;
}

static void load_nat(struct loader *ld, struct topo_ns *ns, const struct ynode *n)
{
	const struct ynode *kind, *body;
	struct topo_nat nat = { 0 };
	const struct ynode *to = NULL, *proto = NULL, *port = NULL, *ports = NULL;
	bool ok = true, dnatlike;

	if (!want_map(ld, n, "a nat entry"))
		return;
	if (n->n != 2) {
		ndiag(ld, n, "a nat entry has exactly one key: masquerade, snat, dnat or redirect");
		return;
	}
	kind = n->kids[0];
	body = n->kids[1];
	if (kind->type != YN_SCALAR)
		return;
	if (strcmp(kind->str, "masquerade") == 0)
		nat.kind = TOPO_NAT_MASQUERADE;
	else if (strcmp(kind->str, "snat") == 0)
		nat.kind = TOPO_NAT_SNAT;
	else if (strcmp(kind->str, "dnat") == 0)
		nat.kind = TOPO_NAT_DNAT;
	else if (strcmp(kind->str, "redirect") == 0)
		nat.kind = TOPO_NAT_REDIRECT;
	else {
		ndiag(ld, kind, "unknown nat kind '%s' (accepted: masquerade, snat, dnat, redirect)", kind->str);
		return;
	}
	dnatlike = nat.kind == TOPO_NAT_DNAT || nat.kind == TOPO_NAT_REDIRECT;
	nat.pos = kind->pos;
	if (!is_null(body) && !want_map(ld, body, kind->str))
		return;

	for (size_t i = 0; !is_null(body) && i + 1 < body->n; i += 2) {
		const struct ynode *k = body->kids[i], *v = body->kids[i + 1];
		const char *kn = k->str;
		bool known = true, flag = false;
		unsigned bit = 0;

		if (k->type != YN_SCALAR)
			continue;
		if (strcmp(kn, "protocol") == 0) {
			proto = v;
			ok &= want_nat_protocol(ld, v, dnatlike, &nat.protocol);
		} else if (!dnatlike && strcmp(kn, "source") == 0) {
			ok &= want_nat_source(ld, v, "source", &nat.source);
		} else if (!dnatlike && strcmp(kn, "out") == 0) {
			ok &= want_ifmatch(ld, v, "out", &nat.out);
		} else if (!dnatlike && strcmp(kn, "ports") == 0) {
			ports = v;
			ok &= want_port_range(ld, v, &nat.to_port, &nat.to_port_hi);
			if (nat.to_port_hi == nat.to_port)
				nat.to_port_hi = 0;
		} else if (!dnatlike && ((flag = strcmp(kn, "random") == 0 && (bit = TOPO_NAT_F_RANDOM)) ||
					 (flag = strcmp(kn, "fully_random") == 0 && (bit = TOPO_NAT_F_FULLY_RANDOM)) ||
					 (flag = strcmp(kn, "persistent") == 0 && (bit = TOPO_NAT_F_PERSISTENT)))) {
			bool b = false;

			ok &= want_bool(ld, v, kn, &b);
			if (b)
				nat.flags |= bit;
		} else if (strcmp(kn, "to") == 0 && nat.kind == TOPO_NAT_SNAT) {
			to = v;
			ok &= want_ip_port(ld, v, "to", &nat.to, NULL, false);
		} else if (strcmp(kn, "to") == 0 && nat.kind == TOPO_NAT_REDIRECT) {
			to = v;
			ok &= want_colon_ports(ld, v, "to", &nat.to_port, &nat.to_port_hi);
		} else if (strcmp(kn, "to") == 0 && nat.kind == TOPO_NAT_DNAT) {
			to = v;
			/* ":PORT": the destination address stays, only the port changes. */
			if (v->type == YN_SCALAR && v->str[0] == ':') {
				ok &= want_colon_ports(ld, v, "to", &nat.to_port, &nat.to_port_hi);
				if (nat.to_port_hi) {
					ndiag(ld, v, "a dnat target port is one port, not a range");
					ok = false;
				}
			} else {
				ok &= want_ip_port(ld, v, "to", &nat.to, &nat.to_port, true);
			}
		} else if (dnatlike && strcmp(kn, "port") == 0) {
			port = v;
			ok &= want_port_range(ld, v, &nat.port_lo, &nat.port_hi);
		} else if (dnatlike && strcmp(kn, "in") == 0) {
			ok &= want_ifmatch(ld, v, "in", &nat.in);
		} else if (dnatlike && strcmp(kn, "destination") == 0) {
			ok &= want_network(ld, v, "destination", &nat.destination);
		} else {
			known = false;
		}
		(void)flag;
		if (!known)
			unknown_key(ld, k, kind->str,
				    nat.kind == TOPO_NAT_MASQUERADE ? "source, out, protocol, ports, random, fully_random, "
								      "persistent" :
				    nat.kind == TOPO_NAT_SNAT ? "source, out, to, protocol, ports, random, fully_random, "
								"persistent" :
				    "protocol, port, to, in, destination");
	}
	if ((nat.kind == TOPO_NAT_SNAT || nat.kind == TOPO_NAT_DNAT) && !to) {
		ndiag(ld, kind, "%s needs 'to'", kind->str);
		ok = false;
	}
	if (dnatlike && port && !proto) {
		ndiag(ld, kind, "%s needs 'protocol' (tcp, udp, sctp) and 'port' together (or neither: every protocol)",
		      kind->str);
		ok = false;
	}
	if (ok && dnatlike && port && nat.protocol != IPPROTO_TCP && nat.protocol != IPPROTO_UDP &&
	    nat.protocol != IPPROTO_SCTP) {
		ndiag(ld, proto, "protocol '%s' is not tcp, udp or sctp (a port needs one)", proto->str);
		ok = false;
	}
	if (ok && (nat.to_port || ports) && !proto && nat.kind != TOPO_NAT_DNAT) {
		ndiag(ld, ports ? ports : to, "a port mapping needs 'protocol' (tcp, udp or sctp)");
		ok = false;
	}
	if (ok && nat.kind == TOPO_NAT_DNAT && nat.to_port && !nat.port_lo && !proto) {
		ndiag(ld, to, "a target port needs 'protocol' (tcp, udp or sctp)");
		ok = false;
	}
	if (ok && (nat.flags & TOPO_NAT_F_RANDOM) && (nat.flags & TOPO_NAT_F_FULLY_RANDOM)) {
		ndiag(ld, kind, "random and fully_random exclude each other");
		ok = false;
	}
	if (ok) {
		ok &= same_family(ld, kind, &nat.source, &nat.to, "source", "to");
		ok &= same_family(ld, kind, &nat.destination, &nat.to, "destination", "to");
	}
	if (ok && nat.protocol == IPPROTO_ICMP && (nat.to.family == AF_INET6 || nat.destination.family == AF_INET6)) {
		ndiag(ld, proto, "protocol icmp is IPv4's; IPv6 has icmpv6");
		ok = false;
	}
	if (ok && nat.protocol == IPPROTO_ICMPV6 && (nat.to.family == AF_INET || nat.destination.family == AF_INET)) {
		ndiag(ld, proto, "protocol icmpv6 is IPv6's; IPv4 has icmp");
		ok = false;
	}
	if (!ok || !check_limit(ld, &ld->n_rules, TOPO_MAX_RULES, n, "nat and forward rules"))
		return;
	struct topo_nat *v = VEC_APPEND(ns->nat, ns->n_nat);

	if (!v) {
		ld->oom = true;
		return;
	}
	*v = nat;
}

static void load_forward(struct loader *ld, struct topo_ns *ns, const struct ynode *n)
{
	struct topo_forward fw = { 0 };
	bool ok = true, has_action = false;

	if (!want_map(ld, n, "a forward rule"))
		return;
	fw.pos = n->pos;
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const struct ynode *k = n->kids[i], *v = n->kids[i + 1];

		if (k->type != YN_SCALAR)
			continue;
		if (strcmp(k->str, "action") == 0) {
			const char *s = want_str(ld, v, "action");

			has_action = true;
			if (s && strcmp(s, "accept") == 0)
				fw.action = TOPO_FWD_ACCEPT;
			else if (s && strcmp(s, "drop") == 0)
				fw.action = TOPO_FWD_DROP;
			else {
				if (s)
					ndiag(ld, v, "action '%s' is not accept or drop", s);
				ok = false;
			}
		} else if (strcmp(k->str, "in") == 0) {
			ok &= want_ifmatch(ld, v, "in", &fw.in);
		} else if (strcmp(k->str, "out") == 0) {
			ok &= want_ifmatch(ld, v, "out", &fw.out);
		} else if (strcmp(k->str, "source") == 0) {
			ok &= want_network(ld, v, "source", &fw.source);
		} else if (strcmp(k->str, "destination") == 0) {
			ok &= want_network(ld, v, "destination", &fw.destination);
		} else {
			unknown_key(ld, k, "a forward rule", "action, in, out, source, destination");
		}
	}
	if (!has_action) {
		ndiag(ld, n, "a forward rule needs 'action' (accept or drop)");
		ok = false;
	}
	if (ok)
		ok = same_family(ld, n, &fw.source, &fw.destination, "source", "destination");
	if (!ok || !check_limit(ld, &ld->n_rules, TOPO_MAX_RULES, n, "nat and forward rules"))
		return;
	struct topo_forward *v = VEC_APPEND(ns->forward, ns->n_forward);

	if (!v) {
		ld->oom = true;
		return;
	}
	*v = fw;
}

/* ------------------------------------------------------------- namespaces -- */

/* A table kind's list (model/kind.h): each entry through the kind's loader. */
static void load_kind(struct loader *ld, struct topo_ns *ns, const struct topo_kind *kind, const struct ynode *v)
{
	size_t slot = topo_kind_slot(kind);
	union {
		max_align_t align;
		unsigned char b[TOPO_KIND_OBJ_MAX];
	} tmp;

	if (is_null(v) || !want_seq(ld, v, kind->key))
		return;
	for (size_t j = 0; j < v->n; j++) {
		const struct ynode *n = v->kids[j];
		void *slotp;

		memset(&tmp, 0, sizeof(tmp));
		*(struct topo_pos *)tmp.b = n->pos;
		if (!kind->load(ld, n, tmp.b))
			continue;
		if (!check_limit(ld, &ld->n_kind[slot], kind->max, n, kind->key))
			return;
		slotp = topo_objs_add(kind, &ns->objs[slot]);
		if (!slotp) {
			ld->oom = true;
			return;
		}
		memcpy(slotp, tmp.b, kind->size);
	}
}

/* docker: NAME_OR_ID and docker_socket: PATH. Only the name is checked
 * here; which namespace it is, is asked of Docker at every run. */
static bool load_ns_docker(struct loader *ld, struct topo_ns *ns, const struct ynode *k, const struct ynode *v)
{
	bool is_socket = strcmp(k->str, "docker_socket") == 0;
	const char *s = want_str(ld, v, k->str);
	char **to = is_socket ? &ns->docker_socket : &ns->docker;

	if (!s)
		return false;
	if (is_socket && s[0] != '/') {
		ndiag(ld, v, "docker_socket '%s' must be an absolute path (e.g. /run/docker.sock)", s);
		return false;
	}
	if (!is_socket && !topo_docker_name_valid(s)) {
		ndiag(ld, v, "container '%s' is not a Docker container name or id (%s)", s, TOPO_DOCKER_NAME_RULE);
		return false;
	}
	free(*to);
	*to = strdup(s);
	if (!*to)
		ld->oom = true;
	return true;
}

/*
 * nft: | TEXT  (the inet table's body), or nft: {FAMILY: | TEXT, ...}.
 * A literal block scalar, so every line of the text is a line of the file
 * and an nft error maps back to it (topo_nft_text_pos).
 */
static void load_nft_one(struct loader *ld, struct topo_ns *ns, const char *family, const struct ynode *v)
{
	struct topo_nft_text *nt;
	char msg[256];
	size_t off = 0;

	if (v->type != YN_SCALAR || !v->literal) {
		ndiag(ld, v, "nft text is a literal block scalar: write '|' and the nft text on the lines below");
		return;
	}
	for (size_t i = 0; i < ns->n_nft_text; i++)
		if (strcmp(ns->nft_text[i].family, family) == 0) {
			ndiag(ld, v, "a second nft text for family %s", family);
			return;
		}
	if (topo_nft_text_check(v->str, family, &off, msg, sizeof(msg)) < 0) {
		unsigned line = v->body_line, col = v->body_indent + 1;

		for (size_t i = 0; i < off; i++) {
			if (v->str[i] == '\n') {
				line++;
				col = v->body_indent + 1;
			} else {
				col++;
			}
		}
		diag(ld, (struct topo_pos){ .line = line, .col = col }, "nft: %s", msg);
		return;
	}
	nt = realloc(ns->nft_text, (ns->n_nft_text + 1) * sizeof(*nt));
	if (!nt) {
		ld->oom = true;
		return;
	}
	ns->nft_text = nt;
	nt = &ns->nft_text[ns->n_nft_text];
	memset(nt, 0, sizeof(*nt));
	snprintf(nt->family, sizeof(nt->family), "%s", family);
	nt->text = strdup(v->str);
	if (!nt->text) {
		ld->oom = true;
		return;
	}
	nt->pos = v->pos;
	nt->line = v->body_line;
	nt->indent = v->body_indent;
	ns->n_nft_text++;
}

static void load_nft(struct loader *ld, struct topo_ns *ns, const struct ynode *v)
{
	if (is_null(v))
		return;
	if (v->type == YN_SCALAR) {
		load_nft_one(ld, ns, "inet", v);
		return;
	}
	if (!want_map(ld, v, "nft (a '|' text, or a map of family to text)"))
		return;
	for (size_t i = 0; i + 1 < v->n; i += 2) {
		const struct ynode *k = v->kids[i];

		if (k->type != YN_SCALAR)
			continue;
		if (topo_nft_family_index(k->str) < 0) {
			unknown_key(ld, k, "nft", "inet, ip, ip6, arp, bridge, netdev");
			continue;
		}
		load_nft_one(ld, ns, k->str, v->kids[i + 1]);
	}
}

/*
 * filter: structured firewall rules, rendered into nft text for the inet
 * table (one more topo_nft_text, loaded and compared like nft:'s), each
 * line's position kept so libnftables' complaints land on the rule.
 */
struct frender {
	FILE *f;
	char *buf;
	size_t len;
	struct topo_pos *lines;     /* line k (1-based) of the text at lines[k - 1] */
	size_t n_lines, cap_lines;
	bool oom;
};

static void fr_line(struct frender *fr, struct topo_pos pos, const char *text)
{
	if (fr->n_lines == fr->cap_lines) {
		size_t cap = fr->cap_lines ? fr->cap_lines * 2 : 16;
		struct topo_pos *v = realloc(fr->lines, cap * sizeof(*v));

		if (!v) {
			fr->oom = true;
			return;
		}
		fr->lines = v;
		fr->cap_lines = cap;
	}
	fr->lines[fr->n_lines++] = pos;
	fprintf(fr->f, "%s\n", text);
}

static const char *const filter_hooks[] = { "input", "forward", "output", "prerouting", "postrouting" };
static const char *const reject_kinds[] = { "tcp-reset", "port-unreachable", "host-unreachable", "no-route",
					    "admin-prohibited" };

static bool word_in(const char *w, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(w, v[i]) == 0)
			return true;
	return false;
}
#define WORD_IN(w, v) word_in((w), (v), sizeof(v) / sizeof((v)[0]))

/* A filter chain's own name: what nft accepts unquoted, and short. */
static bool filter_chain_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/* One value or a list: each item to fn, which writes it; "{ a, b }" for a list. */
static bool fr_values(struct loader *ld, FILE *f, const struct ynode *v, const char *what,
		      bool (*fn)(struct loader *ld, FILE *f, const struct ynode *item, const char *what, void *arg),
		      void *arg)
{
	bool ok = true;

	if (v->type != YN_SEQ)
		return fn(ld, f, v, what, arg);
	if (v->n == 0) {
		ndiag(ld, v, "%s is an empty list", what);
		return false;
	}
	fputs(v->n > 1 ? "{ " : "", f);
	for (size_t i = 0; i < v->n; i++) {
		if (i)
			fputs(", ", f);
		ok &= fn(ld, f, v->kids[i], what, arg);
	}
	fputs(v->n > 1 ? " }" : "", f);
	return ok;
}

static bool fr_port(struct loader *ld, FILE *f, const struct ynode *item, const char *what, void *arg)
{
	uint16_t lo, hi;

	(void)what;
	(void)arg;
	if (!want_port_range(ld, item, &lo, &hi))
		return false;
	if (lo == hi)
		fprintf(f, "%u", lo);
	else
		fprintf(f, "%u-%u", lo, hi);
	return true;
}

static bool fr_net(struct loader *ld, FILE *f, const struct ynode *item, const char *what, void *arg)
{
	uint8_t *family = arg;
	struct topo_ip ip;
	char a[TOPO_IP_STRLEN];

	if (!want_network(ld, item, what, &ip))
		return false;
	if (*family && *family != ip.family) {
		ndiag(ld, item, "%s mixes IPv4 and IPv6 (a rule matches one family; write two rules)", what);
		return false;
	}
	*family = ip.family;
	fputs(topo_ip_format(&ip, ip.plen < topo_ip_maxlen(ip.family), a, sizeof(a)), f);
	return true;
}

/* A network match: "ip saddr X" / "ip6 daddr { X, Y }"; family agreed across the rule. */
static bool fr_addr(struct loader *ld, FILE *f, const struct ynode *v, const char *what, const char *field,
		    uint8_t *rule_family)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	uint8_t family = 0;
	bool ok;

	if (!m) {
		ld->oom = true;
		return false;
	}
	ok = fr_values(ld, m, v, what, fr_net, &family);
	fclose(m);
	if (ok && *rule_family && family != *rule_family) {
		ndiag(ld, v, "%s is not of the rule's address family", what);
		ok = false;
	}
	if (ok) {
		*rule_family = family;
		fprintf(f, "%s %s %s ", family == AF_INET6 ? "ip6" : "ip", field, buf ? buf : "");
	}
	free(buf);
	return ok;
}

static bool fr_word(struct loader *ld, FILE *f, const struct ynode *item, const char *what, void *arg)
{
	const char *const *words = arg;
	const char *s = want_str(ld, item, what);
	bool known = false;

	if (!s)
		return false;
	for (size_t i = 0; words[i]; i++)
		known |= strcmp(s, words[i]) == 0;
	if (!known) {
		ndiag(ld, item, "%s '%s' is not one of: new, established, related, invalid, untracked", what, s);
		return false;
	}
	fputs(s, f);
	return true;
}

/* A word nft takes unquoted (an icmp type name). */
static bool plain_word(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

/* One rule, one line of nft text; false after saying why not. */
static bool fr_rule(struct loader *ld, FILE *f, const struct ynode *n, const char *hook, const char *priority,
		    const struct ynode *chains)
{
	const struct ynode *proto = NULL, *sport = NULL, *dport = NULL, *icmp = NULL, *action = NULL, *jump = NULL,
			   *reject_with = NULL;
	static const char *const ct_words[] = { "new", "established", "related", "invalid", "untracked", NULL };
	uint8_t family = 0;
	bool ok = true, counter = false;
	const char *p = NULL;

	if (!want_map(ld, n, "a filter rule"))
		return false;
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const struct ynode *k = n->kids[i];

		if (k->type != YN_SCALAR)
			continue;
		if (strcmp(k->str, "protocol") == 0)
			proto = n->kids[i + 1];
		else if (strcmp(k->str, "sport") == 0)
			sport = n->kids[i + 1];
		else if (strcmp(k->str, "dport") == 0)
			dport = n->kids[i + 1];
		else if (strcmp(k->str, "icmp_type") == 0)
			icmp = n->kids[i + 1];
		else if (strcmp(k->str, "action") == 0)
			action = n->kids[i + 1];
		else if (strcmp(k->str, "jump") == 0)
			jump = n->kids[i + 1];
		else if (strcmp(k->str, "reject_with") == 0)
			reject_with = n->kids[i + 1];
	}
	if (proto) {
		p = want_str(ld, proto, "protocol");
		if (p && strcmp(p, "tcp") && strcmp(p, "udp") && strcmp(p, "sctp") && strcmp(p, "icmp") &&
		    strcmp(p, "icmpv6")) {
			ndiag(ld, proto, "protocol '%s' is not tcp, udp, sctp, icmp or icmpv6", p);
			p = NULL;
		}
		ok &= p != NULL;
	}
	/* Matches, in a fixed order; then the statements; then the verdict. */
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const struct ynode *k = n->kids[i], *v = n->kids[i + 1];
		struct topo_ifmatch m = { 0 };

		if (k->type != YN_SCALAR)
			continue;
		if (strcmp(k->str, "in") == 0 || strcmp(k->str, "out") == 0) {
			if (want_ifmatch(ld, v, k->str, &m))
				fprintf(f, "%s %s\"%s\" ", k->str[0] == 'i' ? "iifname" : "oifname", m.negate ? "!= " : "",
					m.name);
			else
				ok = false;
		} else if (strcmp(k->str, "source") == 0) {
			ok &= fr_addr(ld, f, v, "source", "saddr", &family);
		} else if (strcmp(k->str, "destination") == 0) {
			ok &= fr_addr(ld, f, v, "destination", "daddr", &family);
		} else if (strcmp(k->str, "ct_state") == 0) {
			/* ct state is a bit mask: "a,b" matches either. */
			if (v->type == YN_SEQ && v->n > 0) {
				fputs("ct state ", f);
				for (size_t j = 0; j < v->n; j++) {
					if (j)
						fputc(',', f);
					ok &= fr_word(ld, f, v->kids[j], "ct_state", (void *)ct_words);
				}
				fputc(' ', f);
			} else if (v->type == YN_SCALAR) {
				fputs("ct state ", f);
				ok &= fr_word(ld, f, v, "ct_state", (void *)ct_words);
				fputc(' ', f);
			} else {
				ndiag(ld, v, "ct_state must be a state or a list of them");
				ok = false;
			}
		} else if (strcmp(k->str, "mark") == 0) {
			uint64_t u;

			if (want_uint(ld, v, "mark", 0, UINT32_MAX, &u))
				fprintf(f, "meta mark %llu ", (unsigned long long)u);
			else
				ok = false;
		} else if (strcmp(k->str, "counter") == 0) {
			ok &= want_bool(ld, v, "counter", &counter);
		} else if (!strcmp(k->str, "protocol") || !strcmp(k->str, "sport") || !strcmp(k->str, "dport") ||
			   !strcmp(k->str, "icmp_type") || !strcmp(k->str, "action") || !strcmp(k->str, "jump") ||
			   !strcmp(k->str, "reject_with") || !strcmp(k->str, "log") || !strcmp(k->str, "set_mark")) {
			continue;
		} else {
			unknown_key(ld, k, "a filter rule", "in, out, source, destination, protocol, sport, dport, "
				    "icmp_type, ct_state, mark, counter, log, set_mark, action, jump, reject_with");
			ok = false;
		}
	}
	if ((sport || dport) && p && strcmp(p, "tcp") && strcmp(p, "udp") && strcmp(p, "sctp")) {
		ndiag(ld, sport ? sport : dport, "sport and dport need protocol tcp, udp or sctp");
		ok = false;
	} else if ((sport || dport) && !p) {
		ndiag(ld, sport ? sport : dport, "sport and dport need protocol tcp, udp or sctp");
		ok = false;
	}
	if (icmp && !(p && (strcmp(p, "icmp") == 0 || strcmp(p, "icmpv6") == 0))) {
		ndiag(ld, icmp, "icmp_type needs protocol icmp or icmpv6");
		ok = false;
	}
	if (p && (sport || dport || icmp)) {
		if (sport) {
			fprintf(f, "%s sport ", p);
			ok &= fr_values(ld, f, sport, "sport", fr_port, NULL);
			fputc(' ', f);
		}
		if (dport) {
			fprintf(f, "%s dport ", p);
			ok &= fr_values(ld, f, dport, "dport", fr_port, NULL);
			fputc(' ', f);
		}
		if (icmp) {
			const char *s = want_str(ld, icmp, "icmp_type");

			if (s && plain_word(s))
				fprintf(f, "%s type %s ", p, s);
			else {
				if (s)
					ndiag(ld, icmp, "icmp_type '%s' is not an icmp type name (e.g. echo-request)", s);
				ok = false;
			}
		}
	} else if (p) {
		fprintf(f, "meta l4proto %s ", strcmp(p, "icmpv6") == 0 ? "ipv6-icmp" : p);
	}
	if (counter)
		fputs("counter ", f);
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const struct ynode *k = n->kids[i], *v = n->kids[i + 1];

		if (k->type != YN_SCALAR)
			continue;
		if (strcmp(k->str, "log") == 0) {
			const char *s = want_str(ld, v, "log");

			if (s && (strchr(s, '"') || strchr(s, '\n') || strchr(s, '\\') || strlen(s) > 127)) {
				ndiag(ld, v, "a log prefix has at most 127 characters and no '\"', '\\\\' or newline");
				ok = false;
			} else if (s) {
				fprintf(f, "log prefix \"%s\" ", s);
			} else {
				ok = false;
			}
		} else if (strcmp(k->str, "set_mark") == 0) {
			uint64_t u;

			if (want_uint(ld, v, "set_mark", 0, UINT32_MAX, &u))
				fprintf(f, "meta mark set %llu ", (unsigned long long)u);
			else
				ok = false;
		}
	}
	if (jump && action) {
		ndiag(ld, jump, "a rule has 'action' or 'jump', not both");
		return false;
	}
	if (jump) {
		const char *s = want_str(ld, jump, "jump");
		bool known = false;

		for (size_t i = 0; s && chains && i + 1 < chains->n; i += 2)
			known |= chains->kids[i]->type == YN_SCALAR && strcmp(chains->kids[i]->str, s) == 0;
		if (s && !known) {
			ndiag(ld, jump, "jump to '%s': no such chain under filter: chains:", s);
			ok = false;
		} else if (s) {
			fprintf(f, "jump filter_%s", s);
		} else {
			ok = false;
		}
	} else if (action) {
		const char *s = want_str(ld, action, "action");

		if (!s) {
			ok = false;
		} else if (!strcmp(s, "accept") || !strcmp(s, "drop") || !strcmp(s, "return")) {
			fputs(s, f);
		} else if (strcmp(s, "reject") == 0) {
			const char *w = reject_with ? want_str(ld, reject_with, "reject_with") : NULL;

			if (reject_with && !w) {
				ok = false;
			} else if (w && !WORD_IN(w, reject_kinds)) {
				ndiag(ld, reject_with, "reject_with '%s' is not tcp-reset, port-unreachable, "
				      "host-unreachable, no-route or admin-prohibited", w);
				ok = false;
			} else if (w && strcmp(w, "tcp-reset") == 0) {
				if (!p || strcmp(p, "tcp") != 0) {
					ndiag(ld, reject_with, "reject_with tcp-reset needs protocol tcp");
					ok = false;
				}
				fputs("reject with tcp reset", f);
			} else if (w) {
				fprintf(f, "reject with icmpx type %s", w);
			} else {
				fputs("reject", f);
			}
		} else if (strcmp(s, "notrack") == 0) {
			if ((strcmp(hook, "prerouting") && strcmp(hook, "output")) || strcmp(priority, "raw") != 0) {
				ndiag(ld, action, "notrack works before conntrack: only in prerouting or output with "
				      "priority: raw");
				ok = false;
			}
			fputs("notrack", f);
		} else if (strcmp(s, "continue") == 0) {
			/* Only the statements (counter, log, set_mark). */
		} else {
			ndiag(ld, action, "action '%s' is not accept, drop, reject, return, notrack or continue", s);
			ok = false;
		}
	} else {
		ndiag(ld, n, "a filter rule needs 'action' (accept, drop, reject, return, notrack, continue) or 'jump'");
		ok = false;
	}
	if (reject_with && !(action && action->type == YN_SCALAR && strcmp(action->str, "reject") == 0)) {
		ndiag(ld, reject_with, "reject_with goes with action: reject");
		ok = false;
	}
	return ok;
}

/* One chain: a base chain (hook set) or a user chain (hook NULL). */
static bool fr_chain(struct loader *ld, struct frender *fr, const struct ynode *key, const struct ynode *v,
		     const char *hook, const struct ynode *chains)
{
	const struct ynode *rules = NULL, *policy = NULL, *prio = NULL;
	const char *pol = "accept", *priority = "filter";
	char line[160];
	bool ok = true;

	if (hook && v->type == YN_MAP) {
		for (size_t i = 0; i + 1 < v->n; i += 2) {
			const struct ynode *k = v->kids[i];

			if (k->type != YN_SCALAR)
				continue;
			if (strcmp(k->str, "rules") == 0)
				rules = v->kids[i + 1];
			else if (strcmp(k->str, "policy") == 0)
				policy = v->kids[i + 1];
			else if (strcmp(k->str, "priority") == 0)
				prio = v->kids[i + 1];
			else {
				unknown_key(ld, k, "a filter chain", "policy, priority, rules");
				ok = false;
			}
		}
	} else if (hook && !is_null(v)) {
		ndiag(ld, v, "filter chain %s must be a mapping (policy, priority, rules)", hook);
		return false;
	} else if (!hook) {
		rules = v;
	}
	if (policy) {
		pol = want_str(ld, policy, "policy");
		if (pol && strcmp(pol, "accept") && strcmp(pol, "drop")) {
			ndiag(ld, policy, "policy '%s' is not accept or drop", pol);
			pol = NULL;
		}
		ok &= pol != NULL;
	}
	if (prio) {
		static const char *const prios[] = { "raw", "mangle", "filter", "security" };

		priority = want_str(ld, prio, "priority");
		if (priority && !WORD_IN(priority, prios)) {
			ndiag(ld, prio, "priority '%s' is not raw, mangle, filter or security", priority);
			priority = NULL;
		}
		ok &= priority != NULL;
	}
	if (!ok)
		return false;
	snprintf(line, sizeof(line), "\tchain filter_%s {", hook ? hook : key->str);
	fr_line(fr, key->pos, line);
	if (hook) {
		snprintf(line, sizeof(line), "\t\ttype filter hook %s priority %s; policy %s;", hook, priority, pol);
		fr_line(fr, policy ? policy->pos : key->pos, line);
	}
	if (rules && !is_null(rules) && want_seq(ld, rules, hook ? "rules" : "a user chain (a list of rules)")) {
		for (size_t i = 0; i < rules->n; i++) {
			char *buf = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&buf, &len);

			if (!f) {
				ld->oom = true;
				return false;
			}
			fputs("\t\t", f);
			ok &= fr_rule(ld, f, rules->kids[i], hook ? hook : "", priority, chains);
			fclose(f);
			if (buf) {
				size_t n = strlen(buf);

				while (n && buf[n - 1] == ' ')
					buf[--n] = '\0';
				fr_line(fr, rules->kids[i]->pos, buf);
			}
			free(buf);
		}
	} else if (rules && !is_null(rules)) {
		ok = false;
	}
	fr_line(fr, key->pos, "\t}");
	return ok;
}

static void load_filter(struct loader *ld, struct topo_ns *ns, const struct ynode *key, const struct ynode *v)
{
	struct frender fr = { 0 };
	const struct ynode *chains = NULL;
	struct topo_nft_text *nt;
	bool ok = true;

	if (is_null(v) || !want_map(ld, v, "filter"))
		return;
	for (size_t i = 0; i + 1 < v->n; i += 2)
		if (v->kids[i]->type == YN_SCALAR && strcmp(v->kids[i]->str, "chains") == 0)
			chains = v->kids[i + 1];
	if (chains && !is_null(chains) && !want_map(ld, chains, "filter chains"))
		return;
	if (chains && is_null(chains))
		chains = NULL;
	fr.f = open_memstream(&fr.buf, &fr.len);
	if (!fr.f) {
		ld->oom = true;
		return;
	}
	/* User chains first: the base chains jump to them. */
	for (size_t i = 0; chains && i + 1 < chains->n; i += 2) {
		const struct ynode *k = chains->kids[i];

		if (k->type != YN_SCALAR)
			continue;
		if (!filter_chain_name_ok(k->str)) {
			ndiag(ld, k, "chain name '%s' must be a letter, then letters, digits, '_' or '-' (at most 32)",
			      k->str);
			ok = false;
			continue;
		}
		ok &= fr_chain(ld, &fr, k, chains->kids[i + 1], NULL, chains);
	}
	for (size_t i = 0; i + 1 < v->n; i += 2) {
		const struct ynode *k = v->kids[i];

		if (k->type != YN_SCALAR || strcmp(k->str, "chains") == 0)
			continue;
		if (!WORD_IN(k->str, filter_hooks)) {
			unknown_key(ld, k, "filter", "input, forward, output, prerouting, postrouting, chains");
			ok = false;
			continue;
		}
		ok &= fr_chain(ld, &fr, k, v->kids[i + 1], k->str, chains);
	}
	if (fclose(fr.f) != 0)
		ld->oom = true;
	if (!ok || ld->oom || !fr.buf || !fr.buf[0]) {
		free(fr.buf);
		free(fr.lines);
		return;
	}
	nt = realloc(ns->nft_text, (ns->n_nft_text + 1) * sizeof(*nt));
	if (!nt) {
		free(fr.buf);
		free(fr.lines);
		ld->oom = true;
		return;
	}
	ns->nft_text = nt;
	nt = &ns->nft_text[ns->n_nft_text++];
	memset(nt, 0, sizeof(*nt));
	snprintf(nt->family, sizeof(nt->family), "inet");
	nt->text = fr.buf;
	nt->pos = key->pos;
	nt->line_pos = fr.lines;
	nt->n_line_pos = fr.n_lines;
}

static void load_ns(struct loader *ld, const struct ynode *key, const struct ynode *val)
{
	struct topology *t = ld->t;
	struct topo_ns *ns;
	const char *name = want_str(ld, key, "namespace name");
	const struct ynode *path = NULL, *pid = NULL, *docker = NULL, *filter = NULL, *filter_v = NULL, *node = NULL;

	if (!name)
		return;
	if (!topo_ns_name_valid(name)) {
		ndiag(ld, key, "namespace name '%s' is not valid (%s; it becomes a file under /run/netns)",
		     name, NSNAME_RULE);
		return;
	}
	/* The limit is on the lab's namespaces: host is there anyway. */
	size_t lab = t->n_ns - ld->host_declared;

	if (lab >= TOPO_MAX_NAMESPACES && strcmp(name, TOPO_NS_HOST) != 0) {
		if (lab == TOPO_MAX_NAMESPACES && !ld->limit_reported) {
			ndiag(ld, key, "more than %d namespaces in one file (topo's limit)", TOPO_MAX_NAMESPACES);
			ld->limit_reported = true;
		}
		return;
	}
	ns = topology_ns_add(t);
	if (!ns) {
		ld->oom = true;
		return;
	}
	snprintf(ns->name, sizeof(ns->name), "%s", name);
	ns->pos = key->pos;
	ns->kind = strcmp(name, TOPO_NS_HOST) == 0 ? TOPO_NS_IS_HOST : TOPO_NS_CREATED;
	ld->host_declared |= ns->kind == TOPO_NS_IS_HOST;
	/* With nodes:, the namespace named after a node is that node's host. */
	for (size_t i = 0; i < t->n_nodes; i++)
		if (strcmp(t->nodes[i].name, name) == 0) {
			ns->kind = TOPO_NS_IS_HOST;
			snprintf(ns->node, sizeof(ns->node), "%s", name);
		}
	if (t->n_nodes && strcmp(name, TOPO_NS_HOST) == 0)
		ndiag(ld, key, "with nodes:, each node has its own host: the namespace named after the node "
		      "(e.g. %s:), not host", t->nodes[0].name);
	if (is_null(val) || !want_map(ld, val, "a namespace"))
		goto node_check;

	for (size_t i = 0; i + 1 < val->n; i += 2) {
		const struct ynode *k = val->kids[i], *v = val->kids[i + 1];

		if (k->type != YN_SCALAR)
			continue;
		if (strcmp(k->str, "path") == 0) {
			const char *s = want_str(ld, v, "path");

			path = k;
			if (!s)
				continue;
			if (s[0] != '/') {
				ndiag(ld, v, "path '%s' must be absolute (e.g. /var/run/docker/netns/1a2b3c4d)", s);
				continue;
			}
			free(ns->path);
			ns->path = strdup(s);
			if (!ns->path)
				ld->oom = true;
		} else if (strcmp(k->str, "docker") == 0 || strcmp(k->str, "docker_socket") == 0) {
			if (load_ns_docker(ld, ns, k, v))
				docker = k;
		} else if (strcmp(k->str, "pid") == 0) {
			uint64_t u;

			pid = k;
			if (want_uint(ld, v, "pid", 1, 4194304, &u))
				ns->pid = (int)u;
		} else if (strcmp(k->str, "interfaces") == 0) {
			if (is_null(v) || !want_map(ld, v, "interfaces"))
				continue;
			for (size_t j = 0; j + 1 < v->n; j += 2)
				if (v->kids[j]->type == YN_SCALAR)
					load_iface(ld, ns, v->kids[j], v->kids[j + 1]);
		} else if (strcmp(k->str, "routes") == 0) {
			if (is_null(v) || !want_seq(ld, v, "routes"))
				continue;
			for (size_t j = 0; j < v->n; j++)
				load_route(ld, ns, v->kids[j]);
		} else if (strcmp(k->str, "absent") == 0) {
			if (is_null(v) || !want_seq(ld, v, "absent"))
				continue;
			for (size_t j = 0; j < v->n; j++)
				load_absent(ld, ns, v->kids[j]);
		} else if (strcmp(k->str, "sysctls") == 0) {
			load_sysctls(ld, ns, v);
		} else if (strcmp(k->str, "nat") == 0) {
			if (is_null(v) || !want_seq(ld, v, "nat"))
				continue;
			for (size_t j = 0; j < v->n; j++)
				load_nat(ld, ns, v->kids[j]);
		} else if (strcmp(k->str, "forward") == 0) {
			if (is_null(v) || !want_seq(ld, v, "forward"))
				continue;
			for (size_t j = 0; j < v->n; j++)
				load_forward(ld, ns, v->kids[j]);
		} else if (strcmp(k->str, "node") == 0) {
			const char *s = want_str(ld, v, "node");
			bool found = false;

			node = k;
			for (size_t j = 0; s && j < t->n_nodes; j++)
				found |= strcmp(t->nodes[j].name, s) == 0;
			if (!s)
				continue;
			if (!t->n_nodes)
				ndiag(ld, k, "node: needs the top-level nodes: (the hosts the file spans)");
			else if (ns->kind == TOPO_NS_IS_HOST)
				ndiag(ld, k, "namespace %s is the host of node %s; it takes no node:", name, name);
			else if (!found)
				ndiag(ld, v, "node '%s' is not declared under nodes:", s);
			else
				snprintf(ns->node, sizeof(ns->node), "%s", s);
		} else if (strcmp(k->str, "nft") == 0) {
			load_nft(ld, ns, v);
		} else if (strcmp(k->str, "filter") == 0) {
			filter = k;
			filter_v = v;
		} else if (topo_kind_by_key(k->str)) {
			load_kind(ld, ns, topo_kind_by_key(k->str), v);
		} else {
			char kinds[128], accepted[256];

			topo_kind_keys(kinds, sizeof(kinds));
			snprintf(accepted, sizeof(accepted),
				 "path, pid, interfaces, routes, absent, sysctls, nat, forward, nft, filter, docker, docker_socket%s%s",
				 kinds, t->n_nodes ? ", node" : "");
			unknown_key(ld, k, "a namespace", accepted);
		}
	}
	/* After nft:, so its text loads first (filter: may jump to nothing of it,
	 * but nft: text may refer to filter's chains only once they exist). */
	if (filter)
		load_filter(ld, ns, filter, filter_v);
	if (ns->kind == TOPO_NS_IS_HOST && (path || pid || docker))
		diag(ld, (path ? path : pid ? pid : docker)->pos,
		     "'host' is the namespace topo runs in; it takes no path or pid, and no docker");
	else if (path && pid && !docker)
		diag(ld, pid->pos, "path and pid are exclusive: attach by one of them");
	else if (ns->docker && (path || pid))
		diag(ld, docker->pos, "path, pid and docker are exclusive: attach by one of them");
	else if (ns->docker_socket && !ns->docker)
		diag(ld, docker->pos, "docker_socket: goes with docker: (the container's name)");
	else if (ns->docker)
		ns->kind = TOPO_NS_DOCKER;
	else if (ns->path)
		ns->kind = TOPO_NS_PATH;
	else if (ns->pid)
		ns->kind = TOPO_NS_PID;
node_check:
	if (t->n_nodes && !ns->node[0] && !node && strcmp(name, TOPO_NS_HOST) != 0)
		ndiag(ld, key, "namespace %s needs node: NAME (the file declares nodes:)", name);
}

/* ------------------------------------------------------------------ links -- */

/* "ns:ifname" -> (namespace index, interface name), or false after saying why not. */
static bool parse_endpoint(struct loader *ld, const struct ynode *n, struct strmap *ns_index,
			   size_t *ret_ns, const char **ret_ifname)
{
	const char *s = want_str(ld, n, "link end");
	char nsname[TOPO_NS_NAME_MAX + 1];
	const char *colon;

	if (!s)
		return false;
	colon = strchr(s, ':');
	if (!colon || (size_t)(colon - s) > TOPO_NS_NAME_MAX || colon == s || !topo_ifname_valid(colon + 1)) {
		ndiag(ld, n, "link end '%s' must be NAMESPACE:INTERFACE (e.g. host:vethA)", s);
		return false;
	}
	memcpy(nsname, s, (size_t)(colon - s));
	nsname[colon - s] = '\0';
	if (strmap_get(ns_index, nsname, ret_ns) < 0) {
		ndiag(ld, n, "link end '%s' is in namespace '%s', which is not declared under namespaces:", s, nsname);
		return false;
	}
	*ret_ifname = colon + 1;
	return true;
}

static long iface_lookup(struct loader *ld, size_t nsi, const char *name)
{
	struct topo_ns *ns = &ld->t->ns[nsi];
	struct iface_index *ix = &ld->ifidx[nsi];
	size_t i;

	if (ix->base != ns->ifaces) {
		strmap_free(&ix->map);
		for (i = 0; i < ns->n_ifaces; i++)
			if (strmap_put(&ix->map, ns->ifaces[i].name, i) == -ENOMEM)
				ld->oom = true;
		ix->base = ns->ifaces;
	}
	return strmap_get(&ix->map, name, &i) == 0 ? (long)i : -1;
}

/* The endpoint's interface, added as a veth when the file did not list it. */
static bool resolve_endpoint(struct loader *ld, const struct ynode *n, size_t nsi, const char *ifname,
			     struct topo_endpoint *ret)
{
	struct topo_ns *ns = &ld->t->ns[nsi];
	long ifi = iface_lookup(ld, nsi, ifname);

	if (ifi < 0) {
		struct topo_iface *ifc;
		const struct topo_iface *before = ns->ifaces;

		if (!check_limit(ld, &ld->n_ifaces, TOPO_MAX_INTERFACES, n, "interfaces"))
			return false;
		ifc = topo_ns_iface_add(ns);
		if (!ifc) {
			ld->oom = true;
			return false;
		}
		snprintf(ifc->name, sizeof(ifc->name), "%s", ifname);
		ifc->type = TOPO_IF_VETH;
		ifc->pos = n->pos;
		ifi = (long)(ns->n_ifaces - 1);
		/* Same array: add the name; moved: the next lookup rebuilds. */
		if (ns->ifaces == before && strmap_put(&ld->ifidx[nsi].map, ifc->name, (size_t)ifi) == -ENOMEM)
			ld->oom = true;
		else if (ns->ifaces != before)
			ld->ifidx[nsi].base = NULL;
	}
	ret->ns = nsi;
	ret->iface = (size_t)ifi;
	return true;
}

static void load_link(struct loader *ld, const struct ynode *n, struct strmap *ns_index)
{
	struct topology *t = ld->t;
	const struct ynode *ends = NULL;
	struct topo_link link = { 0 };
	uint64_t u;

	link.pos = n->pos;
	if (n->type == YN_SEQ) {
		ends = n;
	} else if (n->type == YN_MAP) {
		for (size_t i = 0; i + 1 < n->n; i += 2) {
			const struct ynode *k = n->kids[i], *v = n->kids[i + 1];

			if (k->type != YN_SCALAR)
				continue;
			if (strcmp(k->str, "endpoints") == 0)
				ends = v;
			else if (strcmp(k->str, "mtu") == 0) {
				if (want_uint(ld, v, "mtu", 68, 65535, &u))
					link.mtu = (uint32_t)u;
			} else if (strcmp(k->str, "addr_gen_mode") == 0) {
				want_agm(ld, v, &link.addr_gen_mode);
			} else if (strcmp(k->str, "vni") == 0 && t->n_nodes) {
				if (want_uint(ld, v, "vni", 1, 16777215, &u))
					link.vni = (uint32_t)u;
			} else if (strcmp(k->str, "dstport") == 0 && t->n_nodes) {
				if (want_uint(ld, v, "dstport", 1, 65535, &u))
					link.port = (uint16_t)u;
			} else
				unknown_key(ld, k, "a link", t->n_nodes ? "endpoints, mtu, addr_gen_mode, vni, dstport" :
									  "endpoints, mtu, addr_gen_mode");
		}
		if (!ends) {
			ndiag(ld, n, "a link needs 'endpoints: [NS:IF, NS:IF]'");
			return;
		}
	} else {
		ndiag(ld, n, "a link is [NS:IF, NS:IF] or {endpoints: [NS:IF, NS:IF], mtu: N}");
		return;
	}
	if (ends->type != YN_SEQ || ends->n != 2) {
		ndiag(ld, ends, "a link has exactly two ends: [NS:IF, NS:IF]");
		return;
	}
	size_t nsi[2];
	const char *ifname[2];

	/* Both ends must parse before either adds an interface to the model. */
	if (!parse_endpoint(ld, ends->kids[0], ns_index, &nsi[0], &ifname[0]) ||
	    !parse_endpoint(ld, ends->kids[1], ns_index, &nsi[1], &ifname[1]))
		return;
	/* Check both ends before either adds an implicit interface: a rejected
	 * link must leave no stray veth behind, which would draw a second,
	 * wrong "not a link end" error. */
	for (int e = 0; e < 2; e++) {
		long ifi = iface_lookup(ld, nsi[e], ifname[e]);
		const struct topo_iface *ifc;

		if (ifi < 0)
			continue;
		ifc = &t->ns[nsi[e]].ifaces[ifi];
		if (ifc->link >= 0) {
			const struct topo_link *o = &t->links[ifc->link];

			ndiag(ld, ends->kids[e], "link end '%s' is already used by the link at line %u",
			     ends->kids[e]->str, o->pos.line);
			return;
		}
		if (ifc->type != TOPO_IF_UNSET && ifc->type != TOPO_IF_VETH) {
			ndiag(ld, ends->kids[e], "link end '%s' is declared as a %s (line %u); a link end is a veth",
			     ends->kids[e]->str, topo_iftype_name(ifc->type), ifc->pos.line);
			return;
		}
	}
	if (nsi[0] == nsi[1] && strcmp(ifname[0], ifname[1]) == 0) {
		ndiag(ld, ends, "a link cannot join an interface to itself");
		return;
	}
	for (int e = 0; e < 2; e++)
		if (!resolve_endpoint(ld, ends->kids[e], nsi[e], ifname[e], &link.end[e]))
			return;
	struct topo_link *v = realloc(t->links, (t->n_links + 1) * sizeof(*v));

	if (!v) {
		ld->oom = true;
		return;
	}
	t->links = v;
	for (int e = 0; e < 2; e++) {
		struct topo_iface *ifc = &t->ns[link.end[e].ns].ifaces[link.end[e].iface];

		ifc->type = TOPO_IF_VETH;
		ifc->link = (int)t->n_links;
		if (!ifc->mtu)
			ifc->mtu = link.mtu;
		if (!ifc->addr_gen_mode)
			ifc->addr_gen_mode = link.addr_gen_mode;
	}
	t->links[t->n_links++] = link;
}

/* ----------------------------------------------------------------- checks -- */

static bool same_address(const struct topo_ip *a, const struct topo_ip *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, a->family == AF_INET6 ? 16 : 4) == 0;
}

static bool ns_has_address(const struct topo_ns *ns, const struct topo_ip *a)
{
	for (size_t i = 0; i < ns->n_ifaces; i++)
		for (size_t k = 0; k < ns->ifaces[i].n_addrs; k++)
			if (same_address(&ns->ifaces[i].addrs[k].ip, a))
				return true;
	return false;
}

static bool is_loopback_address(const struct topo_ip *a)
{
	static const uint8_t v6_lo[16] = { [15] = 1 };

	return a->family == AF_INET ? a->bytes[0] == 127 : memcmp(a->bytes, v6_lo, 16) == 0;
}

/* The namespace that receives packets addressed to A, seen from FROM:
 * FROM itself when it has the address (or for loopback), else the first
 * namespace that declares it; -1 when none does. */
static long address_owner(const struct topology *t, const struct topo_ip *a, size_t from)
{
	if (is_loopback_address(a) || ns_has_address(&t->ns[from], a))
		return (long)from;
	for (size_t n = 0; n < t->n_ns; n++)
		if (ns_has_address(&t->ns[n], a))
			return (long)n;
	return -1;
}

/* The file's own dnat that rewrites a connection to A:PORT, as nft would
 * match it: protocol, port range, and the destination (declared, or "an
 * address of this namespace" as the rendered `fib daddr type local`). */
static const struct topo_nat *dnat_for(const struct topology *t, uint8_t proto, const struct topo_ip *a,
				       uint16_t port)
{
	for (size_t n = 0; n < t->n_ns; n++) {
		const struct topo_ns *ns = &t->ns[n];

		for (size_t i = 0; i < ns->n_nat; i++) {
			const struct topo_nat *r = &ns->nat[i];

			if (r->kind != TOPO_NAT_DNAT || (r->protocol && r->protocol != proto) ||
			    r->to.family != a->family)
				continue;
			if (r->port_lo && (port < r->port_lo || port > (r->port_hi ? r->port_hi : r->port_lo)))
				continue;
			if (r->destination.family ? !topo_ip_contains(&r->destination, a) : !ns_has_address(ns, a))
				continue;
			return r;
		}
	}
	return NULL;
}

/* NS or NS:PORT (a namespace name has no ':'). */
static bool want_check_end(struct loader *ld, const struct ynode *v, const char *what, struct strmap *ns_index,
			   struct topo_check_end *ret)
{
	const char *s = want_str(ld, v, what);
	char name[TOPO_NS_NAME_MAX + 1];
	const char *colon;
	uint64_t port = 0;
	size_t idx, len;

	if (!s)
		return false;
	colon = strchr(s, ':');
	len = colon ? (size_t)(colon - s) : strlen(s);
	if (len == 0 || len > TOPO_NS_NAME_MAX || (colon && (!yaml_plain_uint(colon + 1, &port) || port < 1 || port > 65535))) {
		ndiag(ld, v, "%s '%s' is not NS or NS:PORT (e.g. \"busybox1:80\")", what, s);
		return false;
	}
	memcpy(name, s, len);
	name[len] = '\0';
	if (strmap_get(ns_index, name, &idx) < 0) {
		ndiag(ld, v, "%s '%s': no such namespace in this file", what, name);
		return false;
	}
	*ret = (struct topo_check_end){ .set = true, .ns = idx, .port = (uint16_t)port };
	return true;
}

static bool check_append(struct loader *ld, const struct ynode *n, const struct topo_check *c)
{
	struct topology *t = ld->t;
	struct topo_check *v;

	if (t->n_checks >= TOPO_MAX_CHECKS) {
		if (!ld->limit_reported)
			ndiag(ld, n, "more than %d checks (isolated: counts every ping it expands to)",
			     TOPO_MAX_CHECKS);
		ld->limit_reported = true;
		return false;
	}
	v = VEC_APPEND(t->checks, t->n_checks);
	if (!v) {
		ld->oom = true;
		return false;
	}
	*v = *c;
	return true;
}

/* Where a tcp/udp check is served and must arrive: declared, or followed
 * through the file's own dnat, or the namespace owning the address. */
static void check_resolve_receiver(struct loader *ld, const struct ynode *n, struct topo_check *c)
{
	const struct topology *t = ld->t;
	const struct topo_nat *dnat = dnat_for(t, c->kind == TOPO_CHECK_TCP ? IPPROTO_TCP : IPPROTO_UDP,
					       &c->addr, c->port);
	const struct topo_ip *arrival = dnat ? &dnat->to : &c->addr;
	struct topo_check_end natural = { 0 };
	long owner;

	if (dnat) {
		/* The rewritten destination is received where that address lives. */
		owner = address_owner(t, &dnat->to, c->from);
		if (owner >= 0)
			natural = (struct topo_check_end){ true, (size_t)owner, dnat->to_port ? dnat->to_port : c->port,
							   dnat->to };
		owner = address_owner(t, &c->addr, c->from);
		if (owner >= 0)
			c->unrewritten = (struct topo_check_end){ true, (size_t)owner, c->port, c->addr };
	} else {
		owner = address_owner(t, &c->addr, c->from);
		if (owner >= 0)
			natural = (struct topo_check_end){ true, (size_t)owner, c->port, c->addr };
	}
	/* Listeners bind the address the connection arrives at when that
	 * namespace has it (nothing else can reach them), else the wildcard. */
	if (c->served_declared) {
		if (!c->served_by.port)
			c->served_by.port = natural.set && natural.ns == c->served_by.ns ? natural.port : c->port;
		if (address_owner(t, arrival, c->served_by.ns) == (long)c->served_by.ns)
			c->served_by.addr = *arrival;
	} else if (natural.set || !c->arrives_declared)
		c->served_by = natural;
	else {
		/* Nothing in the file says; where it must arrive is where to serve. */
		c->served_by = c->arrives;
		c->served_by.port = c->served_by.port ? c->served_by.port : c->port;
		if (address_owner(t, arrival, c->served_by.ns) == (long)c->served_by.ns)
			c->served_by.addr = *arrival;
	}
	if (c->arrives_declared) {
		if (!c->arrives.port)
			c->arrives.port = c->served_by.set && c->served_by.ns == c->arrives.ns ? c->served_by.port : c->port;
		if (address_owner(t, arrival, c->arrives.ns) == (long)c->arrives.ns)
			c->arrives.addr = *arrival;
	} else
		c->arrives = c->served_by;
	if (c->unrewritten.set && ((c->served_by.set && c->unrewritten.ns == c->served_by.ns &&
				    c->unrewritten.port == c->served_by.port) ||
				   (c->unrewritten.ns == c->arrives.ns && c->unrewritten.port == c->arrives.port)))
		c->unrewritten.set = false;
	if (!c->served_by.set && c->source.family)
		ndiag(ld, n, "no namespace in this file receives %s:%u: say which with served_by: NS[:PORT]",
		     topo_ip_format(&c->addr, false, (char[TOPO_IP_STRLEN]){ 0 }, TOPO_IP_STRLEN), c->port);
}

/* isolated: [A, B, ...]: from each, a ping to every address of each other
 * one, all of which must fail. */
static void load_isolated(struct loader *ld, const struct ynode *n, const struct ynode *v, struct strmap *ns_index)
{
	const struct topology *t = ld->t;
	size_t *idx, count = 0, made = 0;
	bool ok = true;

	if (!want_seq(ld, v, "isolated"))
		return;
	if (v->n < 2) {
		ndiag(ld, v, "isolated needs at least two namespaces (e.g. [ns1, ns2])");
		return;
	}
	idx = calloc(v->n, sizeof(*idx));
	if (!idx) {
		ld->oom = true;
		return;
	}
	for (size_t i = 0; i < v->n; i++) {
		const char *s = want_str(ld, v->kids[i], "isolated");
		size_t k;

		if (!s) {
			ok = false;
			continue;
		}
		if (strmap_get(ns_index, s, &k) < 0) {
			ndiag(ld, v->kids[i], "isolated '%s': no such namespace in this file", s);
			ok = false;
			continue;
		}
		for (size_t j = 0; j < count; j++)
			if (idx[j] == k) {
				ndiag(ld, v->kids[i], "isolated names '%s' twice", s);
				ok = false;
			}
		idx[count++] = k;
	}
	for (size_t a = 0; ok && a < count; a++) {
		for (size_t b = 0; ok && b < count; b++) {
			const struct topo_ns *to = &t->ns[idx[b]];

			if (a == b)
				continue;
			for (size_t i = 0; ok && i < to->n_ifaces; i++) {
				for (size_t k = 0; ok && k < to->ifaces[i].n_addrs; k++) {
					struct topo_check c = { .from = idx[a], .kind = TOPO_CHECK_PING, .expect_fail = true,
								.isolated = true, .pos = n->pos };

					c.addr = to->ifaces[i].addrs[k].ip;
					c.addr.plen = c.addr.family == AF_INET6 ? 128 : 32;
					ok = check_append(ld, n, &c);
					made++;
				}
			}
		}
	}
	if (ok && made == 0)
		ndiag(ld, v, "isolated: none of these namespaces declares an address, so there is nothing to ping");
	free(idx);
}

static void load_check(struct loader *ld, const struct ynode *n, struct strmap *ns_index)
{
	struct topo_check c = { 0 };
	const struct ynode *from = NULL, *what = NULL, *isolated = NULL, *size = NULL, *df = NULL;
	const struct ynode *source = NULL, *arrives = NULL, *served = NULL, *expect = NULL;
	bool ok = true;

	if (!want_map(ld, n, "a check"))
		return;
	c.pos = n->pos;
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const struct ynode *k = n->kids[i], *v = n->kids[i + 1];

		if (k->type != YN_SCALAR)
			continue;
		if (strcmp(k->str, "from") == 0) {
			const char *s = want_str(ld, v, "from");
			size_t idx;

			from = v;
			if (!s)
				ok = false;
			else if (strmap_get(ns_index, s, &idx) < 0) {
				ndiag(ld, v, "check from '%s': no such namespace in this file", s);
				ok = false;
			} else
				c.from = idx;
		} else if (strcmp(k->str, "ping") == 0 || strcmp(k->str, "tcp") == 0 || strcmp(k->str, "udp") == 0) {
			if (what) {
				ndiag(ld, k, "a check is one of ping, tcp or udp, not both %s and %s", what->str, k->str);
				ok = false;
			}
			what = k;
			if (k->str[0] == 'p') {
				c.kind = TOPO_CHECK_PING;
				ok &= want_ip(ld, v, "ping", &c.addr);
			} else {
				c.kind = k->str[0] == 't' ? TOPO_CHECK_TCP : TOPO_CHECK_UDP;
				if (!want_ip_port(ld, v, k->str, &c.addr, &c.port, true))
					ok = false;
				else if (!c.port) {
					ndiag(ld, v, "%s needs IP:PORT (e.g. \"10.0.0.2:80\")", k->str);
					ok = false;
				}
			}
		} else if (strcmp(k->str, "expect") == 0) {
			const char *s = want_str(ld, v, "expect");

			expect = v;
			if (s && strcmp(s, "fail") == 0)
				c.expect_fail = true;
			else if (s && strcmp(s, "success") == 0)
				c.expect_fail = false;
			else {
				if (s)
					ndiag(ld, v, "expect '%s' is not success or fail", s);
				ok = false;
			}
		} else if (strcmp(k->str, "size") == 0) {
			uint64_t sz;

			size = k;
			if (want_uint(ld, v, "size", 0, 65507, &sz)) {
				c.has_size = true;
				c.size = (uint32_t)sz;
			} else
				ok = false;
		} else if (strcmp(k->str, "df") == 0) {
			df = k;
			ok &= want_bool(ld, v, "df", &c.df);
		} else if (strcmp(k->str, "source") == 0) {
			source = k;
			ok &= want_ip(ld, v, "source", &c.source);
		} else if (strcmp(k->str, "arrives") == 0) {
			arrives = k;
			ok &= c.arrives_declared = want_check_end(ld, v, "arrives", ns_index, &c.arrives);
		} else if (strcmp(k->str, "served_by") == 0) {
			served = k;
			ok &= c.served_declared = want_check_end(ld, v, "served_by", ns_index, &c.served_by);
		} else if (strcmp(k->str, "isolated") == 0) {
			isolated = v;
		} else {
			unknown_key(ld, k, "a check", "from, ping, tcp, udp, expect, size, df, source, arrives, served_by, isolated");
			ok = false;
		}
	}
	if (isolated) {
		const struct ynode *extra = from ? from : what ? what : size ? size : df ? df : source ? source
					    : arrives ? arrives : served;

		if (extra)
			diag(ld, extra->pos, "isolated: [NS, ...] stands alone (it expands to pings both ways that must fail)");
		else if (expect && !c.expect_fail)
			diag(ld, expect->pos, "isolated: always expects its pings to fail");
		else if (ok)
			load_isolated(ld, n, isolated, ns_index);
		return;
	}
	if (!from || !what) {
		ndiag(ld, n, "a check needs 'from' and one of 'ping: IP', 'tcp: IP:PORT', 'udp: IP:PORT' "
			       "(or is 'isolated: [NS, NS...]')");
		return;
	}
	if (c.kind == TOPO_CHECK_PING) {
		const struct ynode *bad = source ? source : arrives ? arrives : served;

		if (bad) {
			ndiag(ld, bad, "%s is for tcp and udp checks, not ping", bad->str);
			ok = false;
		}
		if (c.df && !c.has_size)
			ndiag(ld, df, "df: true needs size: N (the ICMP payload that must or must not pass whole)");
		ok &= !(c.df && !c.has_size);
	} else {
		const struct ynode *bad = size ? size : df;

		if (bad) {
			ndiag(ld, bad, "%s is for ping checks, not %s", bad->str, what->str);
			ok = false;
		}
		if (c.source.family && c.source.family != c.addr.family) {
			ndiag(ld, source, "source is IPv%c but the check's address is IPv%c",
			     c.source.family == AF_INET ? '4' : '6', c.addr.family == AF_INET ? '4' : '6');
			ok = false;
		}
		if (c.expect_fail && (source || arrives)) {
			diag(ld, (source ? source : arrives)->pos,
			     "%s says what a connection that succeeds looks like; not with expect: fail",
			     (source ? source : arrives)->str);
			ok = false;
		}
		if (ok)
			check_resolve_receiver(ld, n, &c);
	}
	if (!ok || !check_limit(ld, &ld->n_rules, TOPO_MAX_CHECKS + TOPO_MAX_RULES, n, "checks"))
		return;
	check_append(ld, n, &c);
}

/* ------------------------------------------------------ cross references -- */

static int route_key_pos_cmp(const void *a, const void *b)
{
	const struct topo_route *x = *(const struct topo_route *const *)a, *y = *(const struct topo_route *const *)b;
	int c;

	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	if (x->metric != y->metric)
		return x->metric < y->metric ? -1 : 1;
	c = topo_ip_cmp(&x->dst, &y->dst);
	if (c)
		return c;
	if (x->pos.line != y->pos.line)
		return x->pos.line < y->pos.line ? -1 : 1;
	return (x->pos.col > y->pos.col) - (x->pos.col < y->pos.col);
}

/* The kernel's key for a route is (table, destination, metric): two
 * declarations with one key would fight. Sorted, duplicates are neighbours. */
static void routes_check_duplicates(struct loader *ld, const struct topo_ns *ns)
{
	const struct topo_route **v;

	if (ns->n_routes < 2)
		return;
	v = malloc(ns->n_routes * sizeof(*v));
	if (!v) {
		ld->oom = true;
		return;
	}
	for (size_t i = 0; i < ns->n_routes; i++)
		v[i] = &ns->routes[i];
	qsort(v, ns->n_routes, sizeof(*v), route_key_pos_cmp);
	for (size_t i = 1; i < ns->n_routes; i++)
		if (v[i]->table == v[i - 1]->table && v[i]->metric == v[i - 1]->metric &&
		    topo_ip_equal(&v[i]->dst, &v[i - 1]->dst))
			diag(ld, v[i]->pos, "a route to the same destination, table and metric is already declared at line %u "
			     "(the kernel keeps one; use another metric)", v[i - 1]->pos.line);
	free(v);
}

/* A route both declared and absent would be added and deleted in turn. */
static void absent_check_routes(struct loader *ld, const struct topo_ns *ns)
{
	for (size_t i = 0; i < ns->n_absent_routes; i++) {
		const struct topo_absent *a = &ns->absent_routes[i];

		for (size_t j = 0; j < ns->n_routes; j++) {
			const struct topo_route *rt = &ns->routes[j];

			if (a->table == rt->table && topo_ip_equal(&a->dst, &rt->dst) &&
			    (!a->has_metric || a->metric == rt->metric)) {
				diag(ld, a->pos, "this absent: entry names the route declared at line %u, column %u: "
				     "a route cannot be both", rt->pos.line, rt->pos.col);
				break;
			}
		}
	}
}

#define IPV6_MIN_MTU 1280

/* The MTU the kernel will give link i, when the file decides it below
 * IPV6_MIN_MTU; 0 otherwise. A bridge without its own mtu follows its
 * smallest port (min_port[i], an index, or -1); a vxlan without one takes its
 * dev's less its headers. *why says where the value comes from. */
static uint32_t low_mtu(const struct topo_ns *ns, const struct strmap *ifs, const long *min_port, size_t i,
			char *why, size_t len)
{
	const struct topo_iface *ifc = &ns->ifaces[i];
	uint32_t mtu = ifc->mtu;
	size_t m;

	why[0] = '\0';
	if (ifc->mtu_from_defaults)
		snprintf(why, len, " (from defaults:)");
	const char *dep = topo_link_depends_on(ifc);

	if (!mtu && topo_lt_is(ifc->type, TOPO_LT_MASTER) && min_port[i] >= 0) {
		mtu = ns->ifaces[min_port[i]].mtu;
		snprintf(why, len, " (that of its port %s)", ns->ifaces[min_port[i]].name);
	} else if (!mtu && dep[0] && ifc->type->default_mtu && strmap_get(ifs, dep, &m) == 0 && ns->ifaces[m].mtu) {
		uint32_t dep_mtu = ns->ifaces[m].mtu;

		mtu = ifc->type->default_mtu(ifc, dep_mtu);
		if (!mtu)
			mtu = 1;
		snprintf(why, len, " (%s %s's %u less %u for the %s headers)", ifc->type->dep_key, dep, dep_mtu,
			 dep_mtu > mtu ? dep_mtu - mtu : 0, ifc->type->name);
	}
	return mtu && mtu < IPV6_MIN_MTU ? mtu : 0;
}

/* Below 1280 the kernel turns IPv6 off on a link ("IPv6 is disabled on this
 * device"): its IPv6 addresses and routes would fail at apply. */
static void check_ipv6_mtu(struct loader *ld, const struct topo_ns *ns, const struct strmap *ifs)
{
	char why[96], a[TOPO_IP_STRLEN];
	long *min_port;
	size_t m;

	if (!ns->n_ifaces)
		return;
	min_port = malloc(ns->n_ifaces * sizeof(*min_port));
	if (!min_port) {
		ld->oom = true;
		return;
	}
	for (size_t i = 0; i < ns->n_ifaces; i++)
		min_port[i] = -1;
	for (size_t i = 0; i < ns->n_ifaces; i++) {
		const struct topo_iface *port = &ns->ifaces[i];

		if (port->mtu && port->master[0] && strmap_get(ifs, port->master, &m) == 0 &&
		    (min_port[m] < 0 || port->mtu < ns->ifaces[min_port[m]].mtu))
			min_port[m] = (long)i;
	}
	for (size_t i = 0; i < ns->n_ifaces; i++) {
		const struct topo_iface *ifc = &ns->ifaces[i];
		uint32_t mtu = 0;
		bool computed = false;

		if (ifc->addr_gen_mode && topo_lt_is(ifc->type, TOPO_LT_KERNEL)) {
			diag(ld, ifc->pos, "addr_gen_mode on %s: the kernel makes no link-local address there", ifc->name);
		} else if (ifc->addr_gen_mode) {
			mtu = low_mtu(ns, ifs, min_port, i, why, sizeof(why));
			computed = true;
			if (mtu)
				diag(ld, ifc->pos, "addr_gen_mode on %s, whose mtu is %u%s: the kernel turns IPv6 off on a "
				     "link with an mtu below %u (raise the mtu, or drop addr_gen_mode)",
				     ifc->name, mtu, why, IPV6_MIN_MTU);
		}

		for (size_t k = 0; k < ifc->n_addrs; k++) {
			if (ifc->addrs[k].ip.family != AF_INET6 || topo_lt_is(ifc->type, TOPO_LT_KERNEL))
				continue;
			if (!computed)
				mtu = low_mtu(ns, ifs, min_port, i, why, sizeof(why));
			computed = true;
			if (mtu)
				diag(ld, ifc->addrs[k].pos, "IPv6 address %s on %s, whose mtu is %u%s: the kernel turns IPv6 "
				     "off on a link with an mtu below %u (raise the mtu, or drop the address)",
				     topo_ip_format(&ifc->addrs[k].ip, true, a, sizeof(a)), ifc->name, mtu, why, IPV6_MIN_MTU);
		}
	}
	for (size_t i = 0; i < ns->n_routes; i++) {
		const struct topo_route *rt = &ns->routes[i];
		uint32_t mtu;

		if (rt->dst.family != AF_INET6 || !rt->dev[0] || strmap_get(ifs, rt->dev, &m) < 0 ||
		    topo_lt_is(ns->ifaces[m].type, TOPO_LT_KERNEL))
			continue;
		mtu = low_mtu(ns, ifs, min_port, m, why, sizeof(why));
		if (mtu)
			diag(ld, rt->pos, "IPv6 route to %s through %s, whose mtu is %u%s: the kernel turns IPv6 off on "
			     "a link with an mtu below %u (raise the mtu)",
			     topo_ip_format(&rt->dst, true, a, sizeof(a)), rt->dev, mtu, why, IPV6_MIN_MTU);
	}
	free(min_port);
}

static void validate_ns(struct loader *ld, struct topo_ns *ns)
{
	routes_check_duplicates(ld, ns);
	absent_check_routes(ld, ns);
	struct strmap ifs = { 0 };

	for (size_t i = 0; i < ns->n_ifaces; i++)
		if (strmap_put(&ifs, ns->ifaces[i].name, i) == -ENOMEM)
			ld->oom = true;

	for (size_t i = 0; i < ns->n_ifaces; i++) {
		struct topo_iface *ifc = &ns->ifaces[i];
		size_t m;

		if (ifc->type == TOPO_IF_UNSET) {
			char types[256] = "";

			/* The types written under interfaces: (not pairs, not the kernel's own). */
			for (size_t t = 0; t < topo_n_linktypes; t++) {
				const struct topo_linktype *lt = topo_linktypes[t];
				size_t n = strlen(types);

				if (topo_lt_is(lt, TOPO_LT_DECLARE) && !topo_lt_is(lt, TOPO_LT_PAIR | TOPO_LT_KERNEL))
					snprintf(types + n, sizeof(types) - n, "%s%s", n ? "|" : "", lt->name);
			}
			diag(ld, ifc->pos, "interface %s has no type: add type: %s, or make it a link end under links:",
			     ifc->name, types);
		}
		if (topo_lt_is(ifc->type, TOPO_LT_PAIR) && ifc->link < 0)
			diag(ld, ifc->pos, "veth %s is not a link end: list it under links: as [%s:%s, NS:IF]",
			     ifc->name, ns->name, ifc->name);
		if (ifc->master[0]) {
			if (strmap_get(&ifs, ifc->master, &m) < 0)
				diag(ld, ifc->pos, "master '%s' of %s is not an interface of namespace %s",
				     ifc->master, ifc->name, ns->name);
			else if (!topo_lt_is(ns->ifaces[m].type, TOPO_LT_MASTER))
				diag(ld, ifc->pos, "master '%s' of %s is not a bridge", ifc->master, ifc->name);
			else if (m == i)
				diag(ld, ifc->pos, "%s cannot be its own master", ifc->name);
		}
		if (strcmp(topo_iface_link_ns(ifc), ns->name) == 0)
			diag(ld, ifc->pos, "%s %s is in %s already: name its %s without '%s:'", ifc->type->name, ifc->name,
			     ns->name, ifc->type->dep_key, ns->name);
		/* In host and attached namespaces it may be a link topo does not manage. */
		const char *dep = topo_link_depends_on(ifc);

		if (dep[0] && ns->kind == TOPO_NS_CREATED && strmap_get(&ifs, dep, &m) < 0)
			diag(ld, ifc->pos, "%s %s '%s' is not an interface of namespace %s", ifc->type->name,
			     ifc->type->dep_key, dep, ns->name);
		else if (dep[0] && strcmp(dep, ifc->name) == 0)
			diag(ld, ifc->pos, "%s %s cannot be its own %s", ifc->type->name, ifc->name, ifc->type->dep_key);
	}
	for (size_t i = 0; i < ns->n_routes; i++) {
		struct topo_route *rt = &ns->routes[i];
		size_t m;

		/* In host and attached namespaces a route may use a device topo does not manage. */
		if (rt->dev[0] && ns->kind == TOPO_NS_CREATED && strmap_get(&ifs, rt->dev, &m) < 0)
			diag(ld, rt->pos, "route dev '%s' is not an interface of namespace %s", rt->dev, ns->name);
		for (size_t j = 0; j < rt->n_nh; j++)
			if (rt->nh[j].dev[0] && ns->kind == TOPO_NS_CREATED && strmap_get(&ifs, rt->nh[j].dev, &m) < 0)
				diag(ld, rt->pos, "route nexthop dev '%s' is not an interface of namespace %s",
				     rt->nh[j].dev, ns->name);
	}
	check_ipv6_mtu(ld, ns, &ifs);
	strmap_free(&ifs);
	for (size_t k = 0; k < topo_n_kinds; k++)
		if (topo_kinds[k]->validate)
			topo_kinds[k]->validate(ld, ns, ns->objs[k].v, ns->objs[k].n);
}

/* --------------------------------------------------- defaults and prefix -- */

/* coexist: how the host's lab lives next to a container runtime. */
static void load_coexist(struct loader *ld, const struct ynode *n)
{
	if (is_null(n) || !want_map(ld, n, "coexist"))
		return;
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const struct ynode *k = n->kids[i], *v = n->kids[i + 1];

		if (k->type != YN_SCALAR)
			continue;
		if (strcmp(k->str, "docker_user") == 0) {
			if (want_bool(ld, v, "docker_user", &ld->t->coexist_docker_user))
				ld->t->coexist_pos = k->pos;
		} else {
			unknown_key(ld, k, "coexist", "docker_user");
		}
	}
}

static void load_defaults(struct loader *ld, const struct ynode *n)
{
	uint64_t u;

	if (is_null(n) || !want_map(ld, n, "defaults"))
		return;
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const struct ynode *k = n->kids[i], *v = n->kids[i + 1];

		if (k->type != YN_SCALAR)
			continue;
		if (strcmp(k->str, "sysctls") == 0) {
			/* Counted where they apply, once per namespace. */
			size_t counted = ld->n_sysctls;

			load_sysctls(ld, &ld->defaults, v);
			ld->n_sysctls = counted;
		} else if (strcmp(k->str, "mtu") == 0) {
			if (want_uint(ld, v, "mtu", 68, 65535, &u)) {
				ld->default_mtu = (uint32_t)u;
				ld->default_mtu_pos = v->pos;
			}
		} else {
			unknown_key(ld, k, "defaults", "sysctls, mtu");
		}
	}
}

/* defaults: to each namespace topo creates, unless it says otherwise: a
 * sysctl it declares itself (one naming an interface goes only where that
 * interface is declared), an mtu of the interface's own or its link's
 * (load_link has copied that one already). The mtu goes to veths and
 * bridges: a vxlan's must stay below its underlay's less the headers, which
 * the kernel works out, and lo's is the kernel's. */
static void apply_defaults(struct loader *ld)
{
	struct topology *t = ld->t;
	const struct topo_ns *d = &ld->defaults;

	for (size_t i = 0; i < t->n_ns; i++) {
		struct topo_ns *ns = &t->ns[i];
		struct strmap have = { 0 };

		if (ns->kind != TOPO_NS_CREATED)
			continue;
		for (size_t j = 0; ld->default_mtu && j < ns->n_ifaces; j++) {
			struct topo_iface *ifc = &ns->ifaces[j];

			if (!ifc->mtu && topo_lt_is(ifc->type, TOPO_LT_DEFAULTS_MTU)) {
				ifc->mtu = ld->default_mtu;
				ifc->mtu_from_defaults = true;
			}
		}
		if (!d->n_sysctls)
			continue;
		for (size_t j = 0; j < ns->n_sysctls; j++)
			if (strmap_put(&have, ns->sysctls[j].key, j) == -ENOMEM)
				ld->oom = true;
		for (size_t j = 0; j < d->n_sysctls && !ld->oom; j++) {
			char ifname[TOPO_IFNAME_MAX + 1];
			struct topo_sysctl *s;
			size_t m;

			if (strmap_get(&have, d->sysctls[j].key, &m) == 0)
				continue;
			/* net.ipv4.conf.eth0.*: for the namespaces that have an eth0. */
			if (topo_sysctl_key_iface(d->sysctls[j].key, ifname) && strcmp(ifname, "lo") != 0 &&
			    topo_ns_iface_find(ns, ifname) < 0)
				continue;
			if (++ld->n_sysctls > TOPO_MAX_SYSCTLS) {
				if (ld->n_sysctls == TOPO_MAX_SYSCTLS + 1)
					diag(ld, d->sysctls[j].pos, "more than %d sysctls in one file (topo's limit; a default "
					     "counts once in each namespace it applies to)", TOPO_MAX_SYSCTLS);
				break;
			}
			s = topo_ns_sysctl_add(ns);
			if (!s) {
				ld->oom = true;
				break;
			}
			s->key = strdup(d->sysctls[j].key);
			s->value = strdup(d->sysctls[j].value);
			s->pos = d->sysctls[j].pos;
			if (!s->key || !s->value)
				ld->oom = true;
		}
		strmap_free(&have);
	}
}

static void load_prefix(struct loader *ld, const struct ynode *n)
{
	const char *s = want_str(ld, n, "prefix");

	if (!s)
		return;
	if (!topo_ns_name_valid(s) || strlen(s) >= TOPO_NS_NAME_MAX) {
		ndiag(ld, n, "prefix '%s' is not valid: with a name after it, it must make a namespace name (%s)",
		      s, NSNAME_RULE);
		return;
	}
	snprintf(ld->t->prefix, sizeof(ld->t->prefix), "%s", s);
}

/* Every namespace topo creates is called prefix + its name in the kernel
 * (/run/netns), in the state file and in every command's output; the file
 * keeps using its own names, resolved before this. host and attached
 * namespaces keep theirs: they are not created under a name. */
static void apply_prefix(struct loader *ld)
{
	struct topology *t = ld->t;
	size_t plen = strlen(t->prefix);
	char (*full)[TOPO_NS_NAME_MAX + 1];
	struct strmap names = { 0 };
	bool ok = true;

	if (!plen || !t->n_ns)
		return;
	full = calloc(t->n_ns, sizeof(*full));
	if (!full) {
		ld->oom = true;
		return;
	}
	for (size_t i = 0; i < t->n_ns; i++) {
		snprintf(full[i], sizeof(full[i]), "%s", t->ns[i].name);
		if (t->ns[i].kind != TOPO_NS_CREATED && strmap_put(&names, full[i], i) == -ENOMEM)
			ld->oom = true;
	}
	for (size_t i = 0; i < t->n_ns; i++) {
		const struct topo_ns *ns = &t->ns[i];
		size_t m;

		if (ns->kind != TOPO_NS_CREATED)
			continue;
		if (plen + strlen(ns->name) > TOPO_NS_NAME_MAX) {
			diag(ld, ns->pos, "namespace %s with prefix '%s' makes a name longer than %d bytes", ns->name,
			     t->prefix, TOPO_NS_NAME_MAX);
			ok = false;
			continue;
		}
		/* Both fit: checked just above. */
		memcpy(full[i], t->prefix, plen);
		memcpy(full[i] + plen, ns->name, strlen(ns->name) + 1);
		if (strcmp(full[i], TOPO_NS_HOST) == 0) {
			diag(ld, ns->pos, "namespace %s with prefix '%s' is called host, the namespace topo runs in",
			     ns->name, t->prefix);
			ok = false;
		} else if (strmap_get(&names, full[i], &m) == 0) {
			diag(ld, ns->pos, "namespace %s with prefix '%s' is called %s, like the namespace at line %u",
			     ns->name, t->prefix, full[i], t->ns[m].pos.line);
			ok = false;
		}
	}
	for (size_t i = 0; ok && i < t->n_ns; i++)
		memcpy(t->ns[i].name, full[i], sizeof(t->ns[i].name));
	strmap_free(&names);
	free(full);
}

/* nodes: NAME -> {underlay: ADDRESS/PREFIX, dev: IFNAME, mtu: N} */
static void load_nodes(struct loader *ld, const struct ynode *n)
{
	struct topology *t = ld->t;

	if (is_null(n) || !want_map(ld, n, "nodes"))
		return;
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const struct ynode *k = n->kids[i], *v = n->kids[i + 1];
		const char *name = want_str(ld, k, "node name");
		struct topo_node *nd, *grown;
		bool underlay = false;

		if (!name)
			continue;
		if (!topo_ns_name_valid(name) || strcmp(name, TOPO_NS_HOST) == 0) {
			ndiag(ld, k, "node name '%s' is not valid (%s, not host: it also names the node's host namespace)",
			      name, NSNAME_RULE);
			continue;
		}
		grown = realloc(t->nodes, (t->n_nodes + 1) * sizeof(*grown));
		if (!grown) {
			ld->oom = true;
			return;
		}
		t->nodes = grown;
		nd = &t->nodes[t->n_nodes++];
		memset(nd, 0, sizeof(*nd));
		snprintf(nd->name, sizeof(nd->name), "%s", name);
		nd->pos = k->pos;
		if (!want_map(ld, v, "a node"))
			continue;
		for (size_t j = 0; j + 1 < v->n; j += 2) {
			const struct ynode *kk = v->kids[j], *vv = v->kids[j + 1];
			uint64_t u;

			if (kk->type != YN_SCALAR)
				continue;
			if (strcmp(kk->str, "underlay") == 0) {
				underlay = true;
				want_address(ld, vv, "underlay", &nd->underlay);
			} else if (strcmp(kk->str, "dev") == 0) {
				want_ifname(ld, vv, "dev", nd->dev);
			} else if (strcmp(kk->str, "mtu") == 0) {
				if (want_uint(ld, vv, "mtu", 1280, 65535, &u))
					nd->mtu = (uint32_t)u;
			} else {
				unknown_key(ld, kk, "a node", "underlay, dev, mtu");
			}
		}
		if (!underlay)
			ndiag(ld, k, "node %s needs underlay: ADDRESS/PREFIX (its own address on the hosts' network)", name);
	}
}

static void load_root(struct loader *ld, const struct ynode *root)
{
	struct topology *t = ld->t;
	const struct ynode *name = NULL, *namespaces = NULL, *links = NULL, *checks = NULL;
	const struct ynode *defaults = NULL, *prefix = NULL, *coexist = NULL, *nodes = NULL;
	struct strmap ns_index = { 0 };

	if (root->type != YN_MAP) {
		diag(ld, root->pos, "the file must be a mapping with 'topology:' and 'namespaces:', not %s",
		     is_null(root) ? "empty" : ynode_what(root));
		return;
	}
	for (size_t i = 0; i + 1 < root->n; i += 2) {
		const struct ynode *k = root->kids[i], *v = root->kids[i + 1];

		if (k->type != YN_SCALAR)
			continue;
		if (strcmp(k->str, "topology") == 0)
			name = v;
		else if (strcmp(k->str, "namespaces") == 0)
			namespaces = v;
		else if (strcmp(k->str, "links") == 0)
			links = v;
		else if (strcmp(k->str, "checks") == 0)
			checks = v;
		else if (strcmp(k->str, "defaults") == 0)
			defaults = v;
		else if (strcmp(k->str, "prefix") == 0)
			prefix = v;
		else if (strcmp(k->str, "coexist") == 0)
			coexist = v;
		else if (strcmp(k->str, "nodes") == 0)
			nodes = v;
		else
			unknown_key(ld, k, "the top level",
				    "topology, prefix, defaults, nodes, namespaces, links, checks, coexist");
	}
	if (!name) {
		diag(ld, root->pos, "missing 'topology: NAME' ([a-z0-9][a-z0-9_-]{0,31})");
	} else {
		const char *s = want_str(ld, name, "topology");

		if (s && !topo_name_valid(s))
			diag(ld, name->pos, "topology name '%s' is not valid ([a-z0-9][a-z0-9_-]{0,31})", s);
		else if (s)
			snprintf(t->name, sizeof(t->name), "%s", s);
	}
	if (prefix)
		load_prefix(ld, prefix);
	if (defaults)
		load_defaults(ld, defaults);
	if (coexist)
		load_coexist(ld, coexist);
	if (nodes)
		load_nodes(ld, nodes);
	if (namespaces && !is_null(namespaces) && want_map(ld, namespaces, "namespaces")) {
		for (size_t i = 0; i + 1 < namespaces->n; i += 2)
			if (namespaces->kids[i]->type == YN_SCALAR)
				load_ns(ld, namespaces->kids[i], namespaces->kids[i + 1]);
	}
	/* Duplicate names are caught as duplicate keys; the index only ever sees one. */
	for (size_t i = 0; i < t->n_ns; i++)
		if (strmap_put(&ns_index, t->ns[i].name, i) == -ENOMEM)
			ld->oom = true;

	ld->ifidx = calloc(t->n_ns + 1, sizeof(*ld->ifidx));
	if (!ld->ifidx)
		ld->oom = true;
	else if (links && !is_null(links) && want_seq(ld, links, "links"))
		for (size_t i = 0; i < links->n; i++)
			load_link(ld, links->kids[i], &ns_index);
	for (size_t i = 0; ld->ifidx && i < t->n_ns; i++)
		strmap_free(&ld->ifidx[i].map);
	free(ld->ifidx);
	ld->ifidx = NULL;
	if (checks && !is_null(checks) && want_seq(ld, checks, "checks"))
		for (size_t i = 0; i < checks->n; i++)
			load_check(ld, checks->kids[i], &ns_index);
	apply_defaults(ld);
	for (size_t i = 0; i < t->n_ns; i++)
		validate_ns(ld, &t->ns[i]);
	apply_prefix(ld);
	if (t->n_nodes && !ld->diags->n && topo_nodes_resolve(t, ld->diags) == -ENOMEM)
		ld->oom = true;
	strmap_free(&ns_index);
}

/* ------------------------------------------------------------------- API -- */

static int diag_cmp(const void *a, const void *b)
{
	const struct topo_diag *x = a, *y = b;

	if (x->pos.line != y->pos.line)
		return x->pos.line < y->pos.line ? -1 : 1;
	if (x->pos.col != y->pos.col)
		return x->pos.col < y->pos.col ? -1 : 1;
	/* Same place: keep the order they were found in (msg pointers grow
	 * unpredictably, so compare addresses in the array instead). */
	return x < y ? -1 : x > y;
}

/* Sorted: one error said twice at one place goes once. A value copied by
 * aliases is walked once per copy; copies that say which alias differ. */
static void diags_dedup(struct topo_diags *d)
{
	size_t out = 0;

	for (size_t i = 0; i < d->n; i++) {
		if (out && d->v[out - 1].pos.line == d->v[i].pos.line && d->v[out - 1].pos.col == d->v[i].pos.col &&
		    strcmp(d->v[out - 1].msg, d->v[i].msg) == 0) {
			free(d->v[i].msg);
			continue;
		}
		d->v[out++] = d->v[i];
	}
	d->n = out;
}

int topo_load_buffer(const char *file, const unsigned char *buf, size_t len,
		     struct topology *ret, struct topo_diags *diags)
{
	struct topology t = { 0 };
	struct loader ld = { .file = file, .diags = diags, .t = &t };
	struct ynode *root;
	bool failed;
	int r;

	memset(ret, 0, sizeof(*ret));
	memset(diags, 0, sizeof(*diags));
	if (len > TOPO_MAX_FILE_SIZE) {
		diag(&ld, (struct topo_pos){ 1, 1 }, "the file is larger than %u MiB", TOPO_MAX_FILE_SIZE >> 20);
		return -EINVAL;
	}
	if (memchr(buf, '\0', len)) {
		const unsigned char *z = memchr(buf, '\0', len);
		unsigned line = 1, col = 1;

		for (const unsigned char *p = buf; p < z; p++) {
			if (*p == '\n') {
				line++;
				col = 1;
			} else
				col++;
		}
		diag(&ld, (struct topo_pos){ line, col }, "a NUL byte: this is not a text file");
		return -EINVAL;
	}
	root = tree_build(&ld, buf, len, &failed);
	if (!root && !failed)
		diag(&ld, (struct topo_pos){ 1, 1 }, "the file is empty; a topology needs at least 'topology: NAME'");
	if (root)
		load_root(&ld, root);
	tree_free(&ld);
	topo_ns_clear(&ld.defaults);
	if (ld.oom) {
		r = -ENOMEM;
		goto fail;
	}
	if (diags->n) {
		r = -EINVAL;
		goto fail;
	}
	t.file = strdup(file ? file : "-");
	if (!t.file) {
		r = -ENOMEM;
		goto fail;
	}
	*ret = t;
	return 0;
fail:
	qsort(diags->v, diags->n, sizeof(*diags->v), diag_cmp);
	diags_dedup(diags);
	topology_free(&t);
	return r;
}

int topo_load_file(const char *path, struct topology *ret, struct topo_diags *diags)
{
	struct stat st;
	unsigned char *buf = NULL;
	size_t len = 0;
	int fd, r;

	memset(ret, 0, sizeof(*ret));
	memset(diags, 0, sizeof(*diags));
	fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		r = -EISDIR;
		goto out;
	}
	/* Read at most one byte past the limit: enough to tell it is too big,
	 * whatever the file claims its size is (pipes, /proc). */
	buf = malloc(TOPO_MAX_FILE_SIZE + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, TOPO_MAX_FILE_SIZE + 1 - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > TOPO_MAX_FILE_SIZE)
			break;
	}
	r = topo_load_buffer(path, buf, len, ret, diags);
out:
	free(buf);
	close(fd);
	return r;
}

void topo_diags_print(const struct topo_diags *diags, const char *file, FILE *out)
{
	for (size_t i = 0; i < diags->n; i++)
		fprintf(out, "%s:%u:%u: error: %s\n", file, diags->v[i].pos.line, diags->v[i].pos.col,
			diags->v[i].msg);
	if (diags->dropped)
		fprintf(out, "%s: error: %zu more errors not shown\n", file, diags->dropped);
}

void topo_diags_free(struct topo_diags *diags)
{
	for (size_t i = 0; i < diags->n; i++)
		free(diags->v[i].msg);
	free(diags->v);
	memset(diags, 0, sizeof(*diags));
}

/* ------------------------------------------- the vocabulary, for kinds -- */

enum topo_ynode_type topo_ld_type(const struct ynode *n)
{
	return n->type == YN_MAP ? TOPO_YN_MAP : n->type == YN_SEQ ? TOPO_YN_SEQ : TOPO_YN_SCALAR;
}

size_t topo_ld_len(const struct ynode *n)
{
	return n->type == YN_MAP ? n->n / 2 : n->type == YN_SEQ ? n->n : 0;
}

const struct ynode *topo_ld_key(const struct ynode *n, size_t i)
{
	return n->kids[2 * i];
}

const struct ynode *topo_ld_val(const struct ynode *n, size_t i)
{
	return n->type == YN_MAP ? n->kids[2 * i + 1] : n->kids[i];
}

const char *topo_ld_text(const struct ynode *n)
{
	return n->type == YN_SCALAR && n->str ? n->str : "";
}

struct topo_pos topo_ld_pos(const struct ynode *n)
{
	return n->pos;
}

bool topo_ld_is_null(const struct ynode *n)
{
	return is_null(n);
}

void topo_ld_diag(struct loader *ld, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg) {
		ld->oom = true;
		return;
	}
	ndiag(ld, n, "%s", msg);
	free(msg);
}

void topo_ld_diag_at(struct loader *ld, struct topo_pos pos, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg) {
		ld->oom = true;
		return;
	}
	diag(ld, pos, "%s", msg);
	free(msg);
}

void topo_ld_oom(struct loader *ld)
{
	ld->oom = true;
}

void topo_ld_unknown_key(struct loader *ld, const struct ynode *k, const char *where, const char *accepted)
{
	unknown_key(ld, k, where, accepted);
}

const char *topo_ld_str(struct loader *ld, const struct ynode *n, const char *what)
{
	return want_str(ld, n, what);
}

bool topo_ld_uint(struct loader *ld, const struct ynode *n, const char *what, uint64_t min, uint64_t max,
		  uint64_t *ret)
{
	return want_uint(ld, n, what, min, max, ret);
}

bool topo_ld_bool(struct loader *ld, const struct ynode *n, const char *what, bool *ret)
{
	return want_bool(ld, n, what, ret);
}

bool topo_ld_map(struct loader *ld, const struct ynode *n, const char *what)
{
	return want_map(ld, n, what);
}

bool topo_ld_seq(struct loader *ld, const struct ynode *n, const char *what)
{
	return want_seq(ld, n, what);
}

bool topo_ld_ifname(struct loader *ld, const struct ynode *n, const char *what, char ret[TOPO_IFNAME_MAX + 1])
{
	return want_ifname(ld, n, what, ret);
}

bool topo_ld_ip(struct loader *ld, const struct ynode *n, const char *what, struct topo_ip *ret)
{
	return want_ip(ld, n, what, ret);
}

bool topo_ld_network(struct loader *ld, const struct ynode *n, const char *what, struct topo_ip *ret)
{
	return want_network(ld, n, what, ret);
}

bool topo_ld_port_range(struct loader *ld, const struct ynode *n, uint16_t *lo, uint16_t *hi)
{
	return want_port_range(ld, n, lo, hi);
}

bool topo_ld_table(struct loader *ld, const struct ynode *n, uint32_t *ret)
{
	return want_table(ld, n, ret);
}
