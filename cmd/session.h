/* SPDX-License-Identifier: MIT */
/* What diff, apply, destroy and show share: options, loading, observing. */
#ifndef TOPO_CMD_SESSION_H
#define TOPO_CMD_SESSION_H

#include <stdbool.h>

#include "backends/backend.h"
#include "model/state.h"
#include "model/kind.h"
#include "model/topology.h"
#include "reconcile/owner.h"
#include "reconcile/plan.h"

enum {
	OPT_JSON = 1 << 0,
	OPT_NO_WAIT = 1 << 1,
	OPT_NAME = 1 << 2,      /* --name TOPOLOGY instead of FILE */
	OPT_FORMAT = 1 << 3,
	OPT_ADOPT = 1 << 4,
	OPT_WAIT = 1 << 5,      /* --wait S: readiness bound after apply */
	OPT_NODE = 1 << 6,      /* --node NAME: a file with nodes:, that node's slice */
};

struct cmd_opts {
	bool quiet, verbose, json, color, no_wait, adopt;
	const char *file;
	const char *name;
	const char *format;
	const char *node;       /* --node NAME; NULL = the node whose underlay is this host's */
	int wait_ms;            /* --wait S in ms; -1 = not given */
	char **rest;            /* after "--" */
	int n_rest;
};

/* Parses [-q] [-v] [--json] [--no-color] [--no-wait] [--name T] [FILE]; on a
 * bad option prints usage and returns EXIT_ERROR. */
int cmd_parse(int argc, char **argv, unsigned allowed, const char *usage_line, struct cmd_opts *ret);

struct session {
	struct cmd_opts opts;
	const char *state_dir;
	struct topology desired;
	bool have_desired;
	struct topo_state state;
	bool have_state;
	struct backend *b;
	struct topo_state *others;      /* the other topologies' state files */
	size_t n_others;
	struct topology observed;
	struct diff_result diff;
	/* Whose the observed objects are (reconcile/owner.h), for show and export. */
	struct owner_ctx own;
	struct owner_scope *scopes;     /* parallel to observed.ns */
	size_t n_scopes;
	struct topo_msgs warned;        /* warnings already printed: each once per run */
	int lock_fd, global_fd;
};

/* Loads the file (or takes --name), the state file, opens the backend. */
int session_open(struct session *s, const struct cmd_opts *opts, bool need_file);
/* Read the kernel only. 0 or EXIT_ERROR. */
int session_observe(struct session *s, const struct topology *desired, bool scan_marks);
/* Observe the kernel and diff; prints conflicts, and warnings (each once per
 * run, none with -q). 0, or EXIT_ERROR. */
int session_diff(struct session *s, const struct topology *desired, bool scan_marks);
/* The same, after done was executed: only the namespaces its steps can have
 * changed are read again (plan_touches); the rest is the read before. */
int session_diff_after(struct session *s, const struct topology *desired, const struct plan *done);
/* Frees the last read of the kernel and its diff (scopes, plan, messages):
 * a converged apply needs neither to write its record, and thousands of
 * namespaces' read is the largest thing the process holds then. */
void session_forget_observed(struct session *s);
int session_lock(struct session *s);
void session_close(struct session *s);

/* Rebuilds the ownership view of s->observed (after a caller changed its
 * marks, as export --netns does). 0 or EXIT_ERROR. */
int session_owner_refresh(struct session *s, const struct topology *desired);

/* What of the observed state is the topology's, as show and export list it:
 * the rules of reconcile/owner.h, the same as diff and destroy use. An
 * interface is listed when it is ours, lo when an address on it is ours. */
bool session_iface_ours(const struct session *s, const struct topo_ns *o, const struct topo_iface *ifc);
bool session_addr_ours(const struct session *s, const struct topo_ns *o, const struct topo_iface *ifc,
		       const struct topo_addr *a);
bool session_route_ours(const struct session *s, const struct topo_ns *o, const struct topo_route *rt);
bool session_nft_ours(const struct session *s, const struct topo_ns *o);
/* An object of a table kind (model/kind.h). */
bool session_object_ours(const struct session *s, const struct topo_ns *o, const struct topo_kind *k, const void *obj);
bool session_sysctl_ours(const struct session *s, const struct topo_ns *o, const char *key);

/* "3 to add, 1 to change, 2 to remove" */
void print_counts(FILE *out, const struct plan *p);

#endif
