/* SPDX-License-Identifier: MIT */
/* The CLI: one file per subcommand, each `int cmd_NAME(int argc, char **argv)`
 * returning the process exit status. */
#ifndef TOPO_CMD_CMD_H
#define TOPO_CMD_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "model/topology.h"

/* Exit statuses, part of the CLI's contract. */
#define EXIT_OK       0
#define EXIT_ERROR    1
#define EXIT_PENDING  2    /* diff: changes are pending */

struct cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *args;
	const char *help;
};

extern const char *topo_prog;

void usage(FILE *out);
/* Prints "topo: MSG" on stderr; returns EXIT_ERROR for `return fail(...)`. */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Loads and validates FILE, printing FILE:LINE:COL errors; 0 or EXIT_ERROR. */
int cmd_load(const char *file, struct topology *ret);

/* A file with nodes: becomes the slice of `node` (NULL: the node whose
 * underlay address is this host's); other files are left alone. 0 or
 * EXIT_ERROR, said why. */
int cmd_node_slice(struct topology *t, const char *node);

int cmd_validate(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_export(int argc, char **argv);

#endif
