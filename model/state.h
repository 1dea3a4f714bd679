/* SPDX-License-Identifier: MIT */
/*
 * What topo remembers between runs, in /run/topo/<topology>.json: the
 * namespaces it created (written before it creates them), the namespaces it
 * attached to, and each sysctl's value from before topo first changed it.
 * The kernel's own marks (link alias, route and address protocol, lo alias of
 * a created namespace) are the primary record; this file adds what the kernel
 * cannot hold. Pure (de)serialization here; the file I/O is in backends/.
 *
 * The file is JSON (jansson). It is input like the topology file: the reader
 * checks every name and key by the loader's rules (model/names.h), and the
 * writer refuses what the reader would refuse, so every file written reads
 * back. Strings hold bytes, not only text: a byte that is not part of valid
 * UTF-8, and '%' itself, are written as %XX (two upper-case hex digits), so
 * an interface name the kernel accepts survives byte for byte ("caf\xe9"
 * is "caf%E9", "100%" is "100%25"; valid UTF-8 such as "é" stays as it is).
 */
#ifndef TOPO_MODEL_STATE_H
#define TOPO_MODEL_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "model/docker.h"
#include "model/hashmap.h"
#include "model/topology.h"

/* DOCKER: the container as the file names it, and its namespace's
 * identity ("DEV:INO") when applied: another identity now is a restarted
 * container, whose new namespace lacks what topo put there. */
struct state_docker {
	char container[TOPO_DOCKER_NAME_MAX + 1];
	char netns[48];
};

struct state_ns {
	char name[TOPO_NS_NAME_MAX + 1];
	enum topo_ns_kind kind;          /* CREATED, PATH, PID or DOCKER */
	char *path;                      /* DOCKER: where its namespace was when applied */
	int pid;
	/* DOCKER (topo_state_ns_docker), out of line: a lab of thousands of
	 * created namespaces has none; NULL = none. Read it with
	 * state_ns_container and state_ns_netns ("" when none). */
	struct state_docker *docker;
	/* CREATED: the table kinds (bit i = topo_kinds[i]) topo may have put
	 * objects of in it, written before any is added. Only these are read
	 * there when the file declares none (a dump per kind per namespace
	 * saved); kinds_known false (a record of an older topo): all are read. */
	bool kinds_known;
	unsigned kinds;
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

/* A sysctl that another applied topology holds in a namespace this one
 * shares (host, an attached namespace), from the host registry: never put
 * back while that topology holds it, and wanting another value is a
 * conflict. In memory only, never in the topology's own file. */
struct state_held {
	char ns[TOPO_NS_NAME_MAX + 1];   /* this topology's name for the namespace */
	char *key;
	char *value;
	char holder[TOPO_NAME_MAX + 1];
};

/* A route the kernel made that topo deleted for an `absent:` entry, as it
 * was: put back when no entry names it any more, and on destroy. */
struct state_route {
	char ns[TOPO_NS_NAME_MAX + 1];
	struct topo_route route;
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
	struct state_route *removed;     /* see struct state_route */
	size_t n_removed;
	struct state_held *held;         /* not written: see struct state_held */
	size_t n_held;
	/* Lookups of ns by name and of links by (ns, name), kept by the helpers
	 * below: a 64-bit hash of the name -> the index (a record of thousands
	 * of namespaces is searched once per namespace and per link). A second
	 * name with the same hash turns the index off: lookups walk the array. */
	struct hashmap ns_index, link_index;
	bool index_off;
};

/* JSON text, NUL-terminated, caller frees. 0 or -ENOMEM. */
int topo_state_format(const struct topo_state *s, char **ret);
/* 0, -EINVAL on malformed input, -ENOMEM. */
int topo_state_parse(const char *buf, size_t len, struct topo_state *ret);
/* The same, saying what is wrong in err (a JSON syntax error with its line
 * and column, or the entry and the rule it breaks: "namespaces[2].name:
 * '../x' is not a namespace name ([A-Za-z0-9][A-Za-z0-9_.-]{0,63})"). */
int topo_state_parse_msg(const char *buf, size_t len, struct topo_state *ret, char *err, size_t errlen);
/* What the reader checks, on a state in memory: 0 or -EINVAL with err set.
 * topo_state_format refuses (-EINVAL) a state that does not pass. */
int topo_state_check(const struct topo_state *s, char *err, size_t errlen);
void topo_state_free(struct topo_state *s);
int topo_state_copy(const struct topo_state *s, struct topo_state *ret);

struct state_ns *topo_state_ns_find(const struct topo_state *s, const char *name);
/* Adds or updates; 0 or -ENOMEM. */
int topo_state_ns_put(struct topo_state *s, const char *name, enum topo_ns_kind kind,
		      const char *path, int pid);
void topo_state_ns_remove(struct topo_state *s, const char *name);
/* Records that kinds (bits of topo_kinds) may be in the entry of name:
 * ORed in, or with replace exactly these. 0 or -ENOENT. */
int topo_state_ns_kinds(struct topo_state *s, const char *name, unsigned kinds, bool replace);
/* The table kinds ns declares objects of, as topo_state_ns_kinds takes them. */
unsigned topo_ns_kinds_declared(const struct topo_ns *ns);
/* The container and namespace identity of a DOCKER entry put before. 0 or -ENOENT. */
int topo_state_ns_docker(struct topo_state *s, const char *name, const char *container, const char *netns);
const char *state_ns_container(const struct state_ns *ns);
const char *state_ns_netns(const struct state_ns *ns);

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

/* By the kernel's key (table, destination, metric) in ns. */
const struct state_route *topo_state_removed_find(const struct topo_state *s, const char *ns,
						  const struct topo_route *rt);
/* Records rt unless its key is recorded already; 0 or -ENOMEM. */
int topo_state_removed_put(struct topo_state *s, const char *ns, const struct topo_route *rt);

bool topo_state_link_pending(const struct topo_state *s, const char *ns, const char *name);
int topo_state_link_put(struct topo_state *s, const char *ns, const char *name);

const struct state_held *topo_state_held_find(const struct topo_state *s, const char *ns, const char *key);
/* One holder per (ns, key) is enough to say who holds it; 0 or -ENOMEM. */
int topo_state_held_put(struct topo_state *s, const char *ns, const char *key, const char *value,
			const char *holder);
void topo_state_held_clear(struct topo_state *s);

/* ------------------------------------------------- host sysctl registry -- */

/*
 * /run/topo/host-sysctls.json: the sysctls of namespaces that topologies
 * share (host, attached ones), one entry per (namespace, key) while any
 * applied topology declares it: the value from before the first of them
 * changed it, and who holds it with which value. A namespace is named by its
 * identity, "DEV:INO" of its nsfs file (stat(2) of /proc/self/ns/net or of
 * the attached path), so two topologies attaching one namespace by different
 * names or paths meet in one entry. Read and written under the global lock.
 */
struct host_holder {
	char topology[TOPO_NAME_MAX + 1];
	char ns[TOPO_NS_NAME_MAX + 1];   /* that topology's name for the namespace */
	char *value;
};

struct host_sysctl {
	char *netns;                     /* "DEV:INO" */
	char *key;
	char *original;
	struct host_holder *holders;     /* never empty in a valid registry */
	size_t n_holders;
};

struct host_sysctls {
	struct host_sysctl *v;
	size_t n;
};

int topo_host_sysctls_parse(const char *buf, size_t len, struct host_sysctls *ret, char *err, size_t errlen);
/* -EINVAL when the registry would not read back (an entry without holders). */
int topo_host_sysctls_format(const struct host_sysctls *r, char **ret);
void topo_host_sysctls_free(struct host_sysctls *r);

/* Drops every hold of topology; entries nobody holds any more go. */
void topo_host_sysctls_release(struct host_sysctls *r, const char *topology);
/* topology holds key in netns (its name for it: ns) at value; a new entry
 * records original. 0 or -ENOMEM. */
int topo_host_sysctls_hold(struct host_sysctls *r, const char *netns, const char *key, const char *original,
			   const char *topology, const char *ns, const char *value);

/* A namespace of this topology that others may share, by its identity. */
struct shared_ns {
	const char *name;
	const char *netns;               /* "DEV:INO" */
};

/*
 * Brings what the registry knows into a topology's state: for every entry
 * this topology holds, its original (over the one in the topology's file,
 * which a topology that found the value already set never recorded); for
 * every entry in one of its namespaces, the other holders as held. 0 or
 * -ENOMEM.
 */
int topo_state_merge_host(struct topo_state *s, const struct host_sysctls *r, const struct shared_ns *ns,
			  size_t n_ns);

#endif
