/* SPDX-License-Identifier: MIT */
/*
 * What topo remembers between runs, in /run/topo/<topology>.json: the
 * namespaces it created (written before it creates them), the namespaces it
 * attached to, and each sysctl's value from before topo first changed it.
 * The kernel's own marks (link alias, route and address protocol, lo alias of
 * a created namespace) are the primary record; this file adds what the kernel
 * cannot hold. Pure (de)serialization here; the file I/O is in backends/.
 */
#ifndef TOPO_MODEL_STATE_H
#define TOPO_MODEL_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "model/topology.h"

struct state_ns {
	char name[TOPO_NS_NAME_MAX + 1];
	enum topo_ns_kind kind;          /* CREATED, PATH or PID */
	char *path;
	int pid;
};

struct state_sysctl {
	char ns[TOPO_NS_NAME_MAX + 1];
	char *key;
	char *original;
};

/* A link about to be created in host or an attached namespace: recorded
 * before the creation, because the mark (the alias) comes in a second
 * request and a crash between the two must not make the link look foreign. */
struct state_link {
	char ns[TOPO_NS_NAME_MAX + 1];
	char name[TOPO_IFNAME_MAX + 1];
};

struct topo_state {
	char topology[TOPO_NAME_MAX + 1];
	struct state_link *links;
	size_t n_links;
	/* Routes and addresses topo added in host or an attached namespace that
	 * are not on a link it owns (a blackhole route, an address on host's lo):
	 * their protocol says "topo" but not which topology. Each is an id made
	 * by topo_object_id. */
	char **objects;
	size_t n_objects;
	struct state_ns *ns;
	size_t n_ns;
	struct state_sysctl *sysctls;
	size_t n_sysctls;
};

/* JSON text, NUL-terminated, caller frees. 0 or -ENOMEM. */
int topo_state_format(const struct topo_state *s, char **ret);
/* 0, -EINVAL on malformed input, -ENOMEM. */
int topo_state_parse(const char *buf, size_t len, struct topo_state *ret);
void topo_state_free(struct topo_state *s);
int topo_state_copy(const struct topo_state *s, struct topo_state *ret);

struct state_ns *topo_state_ns_find(const struct topo_state *s, const char *name);
/* Adds or updates; 0 or -ENOMEM. */
int topo_state_ns_put(struct topo_state *s, const char *name, enum topo_ns_kind kind,
		      const char *path, int pid);
void topo_state_ns_remove(struct topo_state *s, const char *name);

struct state_sysctl *topo_state_sysctl_find(const struct topo_state *s, const char *ns, const char *key);
/* Records the original value unless one is recorded already; 0 or -ENOMEM. */
int topo_state_sysctl_put(struct topo_state *s, const char *ns, const char *key, const char *original);
void topo_state_sysctl_remove(struct topo_state *s, const char *ns, const char *key);

/* "NS\tr\tTABLE\tMETRIC\tDST" for a route, "NS\ta\tDEV\tADDR" for an
 * address; whitespace cannot occur in any part. Caller frees; NULL = ENOMEM. */
char *topo_object_id_route(const char *ns, const struct topo_route *rt);
char *topo_object_id_addr(const char *ns, const char *dev, const struct topo_ip *ip);
/* "NS\tn": topo's nft table was put in this namespace. */
char *topo_object_id_nft(const char *ns);
bool topo_state_object_has(const struct topo_state *s, const char *id);
int topo_state_object_put(struct topo_state *s, const char *id);

bool topo_state_link_pending(const struct topo_state *s, const char *ns, const char *name);
int topo_state_link_put(struct topo_state *s, const char *ns, const char *name);

#endif
