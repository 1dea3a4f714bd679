/* SPDX-License-Identifier: MIT */
/* What diff, apply, destroy and show share: options, loading, observing. */
#ifndef TOPO_CMD_SESSION_H
#define TOPO_CMD_SESSION_H

#include <stdbool.h>

#include "backends/backend.h"
#include "model/state.h"
#include "model/topology.h"
#include "reconcile/plan.h"

enum {
	OPT_JSON = 1 << 0,
	OPT_NO_WAIT = 1 << 1,
	OPT_NAME = 1 << 2,      /* --name TOPOLOGY instead of FILE */
	OPT_FORMAT = 1 << 3,
	OPT_ADOPT = 1 << 4,
};

struct cmd_opts {
	bool quiet, verbose, json, color, no_wait, adopt;
	const char *file;
	const char *name;
	const char *format;
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
	struct topology observed;
	struct diff_result diff;
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
int session_lock(struct session *s);
void session_close(struct session *s);

/* What of the observed state is the topology's, as show and export list it:
 * links topo owns or the file declares (lo only with topo's addresses),
 * addresses other than the kernel's, routes topo owns. */
bool session_iface_ours(const struct session *s, const struct topo_ns *o, const struct topo_iface *ifc);
bool session_addr_shown(const struct topo_addr *a);
bool session_route_ours(const struct topo_ns *o, const struct topo_route *rt);

/* "3 to add, 1 to change, 2 to remove" */
void print_counts(FILE *out, const struct plan *p);

#endif
