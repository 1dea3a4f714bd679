// SPDX-License-Identifier: MIT
/*
 * libFuzzer entry for the state file codec (model/state.c): any bytes in,
 * never a crash, a leak or a read past the buffer. Beyond that it aborts
 * when the codec breaks its contract:
 *  - a state file that parses passes the checks, and format -> parse ->
 *    format gives the same text, with every name and value byte for byte;
 *  - the same for the host sysctl registry;
 *  - a state built from the raw input (its lines as interface names,
 *    values, paths: any bytes) is written, read back and identical, or, when
 *    the checks refuse it, not written at all.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/names.h"
#include "model/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_state(const struct topo_state *a, const struct topo_state *b)
{
	if (strcmp(a->topology, b->topology) || a->n_ns != b->n_ns || a->n_sysctls != b->n_sysctls ||
	    a->n_links != b->n_links || a->n_objects != b->n_objects)
		abort();
	for (size_t i = 0; i < a->n_ns; i++)
		if (strcmp(a->ns[i].name, b->ns[i].name) || a->ns[i].kind != b->ns[i].kind ||
		    a->ns[i].pid != b->ns[i].pid || !a->ns[i].path != !b->ns[i].path ||
		    (a->ns[i].path && strcmp(a->ns[i].path, b->ns[i].path)) ||
		    strcmp(state_ns_container(&a->ns[i]), state_ns_container(&b->ns[i])) ||
		    strcmp(state_ns_netns(&a->ns[i]), state_ns_netns(&b->ns[i])))
			abort();
	for (size_t i = 0; i < a->n_sysctls; i++)
		if (strcmp(a->sysctls[i].ns, b->sysctls[i].ns) || strcmp(a->sysctls[i].key, b->sysctls[i].key) ||
		    strcmp(a->sysctls[i].original, b->sysctls[i].original))
			abort();
	for (size_t i = 0; i < a->n_links; i++)
		if (strcmp(a->links[i].ns, b->links[i].ns) || strcmp(a->links[i].name, b->links[i].name))
			abort();
	for (size_t i = 0; i < a->n_objects; i++)
		if (strcmp(a->objects[i], b->objects[i]))
			abort();
}

/* s formats; the text parses back to the same state and formats the same. */
static void round_trip(const struct topo_state *s)
{
	struct topo_state b;
	char *text, *again, err[256];

	if (topo_state_check(s, err, sizeof(err)) < 0) {
		text = (char *)1;
		if (topo_state_format(s, &text) != -EINVAL || text)
			abort();    /* what the reader refuses is never written */
		return;
	}
	if (topo_state_format(s, &text) < 0)
		return;         /* out of memory */
	if (topo_state_parse_msg(text, strlen(text), &b, err, sizeof(err)) != 0)
		abort();
	same_state(s, &b);
	if (topo_state_format(&b, &again) < 0)
		abort();
	if (strcmp(text, again))
		abort();
	free(text);
	free(again);
	topo_state_free(&b);
}

static void registry(const uint8_t *data, size_t size)
{
	struct host_sysctls r, b;
	char *text, *again, err[256];

	if (topo_host_sysctls_parse((const char *)data, size, &r, err, sizeof(err)) != 0) {
		if (!err[0] || r.n || r.v)
			abort();
		return;
	}
	if (topo_host_sysctls_format(&r, &text) == 0) {
		if (topo_host_sysctls_parse(text, strlen(text), &b, err, sizeof(err)) != 0)
			abort();
		if (b.n != r.n)
			abort();
		for (size_t i = 0; i < r.n; i++) {
			if (strcmp(r.v[i].netns, b.v[i].netns) || strcmp(r.v[i].key, b.v[i].key) ||
			    strcmp(r.v[i].original, b.v[i].original) || r.v[i].n_holders != b.v[i].n_holders)
				abort();
			for (size_t k = 0; k < r.v[i].n_holders; k++)
				if (strcmp(r.v[i].holders[k].topology, b.v[i].holders[k].topology) ||
				    strcmp(r.v[i].holders[k].ns, b.v[i].holders[k].ns) ||
				    strcmp(r.v[i].holders[k].value, b.v[i].holders[k].value))
					abort();
		}
		if (topo_host_sysctls_format(&b, &again) == 0) {
			if (strcmp(text, again))
				abort();
			free(again);
		}
		topo_host_sysctls_free(&b);
		free(text);
	}
	topo_host_sysctls_free(&r);
}

/* Each line of the input, as raw bytes, where a name or a value goes. */
static void raw_names(const uint8_t *data, size_t size)
{
	struct topo_state s = { 0 };
	size_t start = 0, n = 0;

	snprintf(s.topology, sizeof(s.topology), "fuzz");
	for (size_t i = 0; i <= size && n < 16; i++) {
		char line[80], path[84], ns[16];

		if (i < size && data[i] != '\n')
			continue;
		size_t len = i - start;

		if (len < sizeof(line) && !memchr(data + start, '\0', len)) {
			memcpy(line, data + start, len);
			line[len] = '\0';
			snprintf(ns, sizeof(ns), "n%zu", n);
			snprintf(path, sizeof(path), "/%s", line);
			if (len <= 15)
				topo_state_link_put(&s, "host", line);   /* checked below */
			topo_state_sysctl_put(&s, ns, "net.ipv4.ip_forward", line);
			topo_state_ns_put(&s, ns, TOPO_NS_PATH, path, 0);
			n++;
		}
		start = i + 1;
	}
	/* Only names the kernel accepts stay; the others must make format refuse. */
	round_trip(&s);
	size_t keep = 0;

	for (size_t i = 0; i < s.n_links; i++)
		if (topo_ifname_kernel_valid(s.links[i].name))
			s.links[keep++] = s.links[i];
	s.n_links = keep;
	if (topo_state_check(&s, NULL, 0) < 0)
		abort();
	round_trip(&s);
	topo_state_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct topo_state s;
	char err[256];
	int r;

	r = topo_state_parse_msg((const char *)data, size, &s, err, sizeof(err));
	if (r != 0 && r != -EINVAL && r != -ENOMEM)
		abort();
	if (r == 0) {
		if (topo_state_check(&s, NULL, 0) < 0)
			abort();
		round_trip(&s);
		topo_state_free(&s);
	} else if (!err[0] || s.n_ns || s.ns || s.n_sysctls || s.n_links || s.n_objects) {
		abort();        /* a refusal says why and hands nothing back */
	}
	registry(data, size);
	raw_names(data, size);
	return 0;
}
