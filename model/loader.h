/* SPDX-License-Identifier: MIT */
/*
 * The topology file loader: YAML -> validated, canonical struct topology.
 * The only I/O is reading the file. Errors are collected, not printed.
 */
#ifndef TOPO_MODEL_LOADER_H
#define TOPO_MODEL_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "model/topology.h"

/* At most this many errors are kept; the last one then says so. */
#define TOPO_MAX_DIAGS 100

struct topo_diag {
	struct topo_pos pos;
	char *msg;
};

struct topo_diags {
	struct topo_diag *v;
	size_t n;
	size_t dropped;         /* errors past TOPO_MAX_DIAGS */
};

/*
 * Returns 0 with *ret filled; -EINVAL when the input does not validate (the
 * reasons are in *diags, and *ret is left empty); -ENOMEM; or, for
 * topo_load_file, the errno of opening or reading the file.
 */
int topo_load_buffer(const char *file, const unsigned char *buf, size_t len,
		     struct topology *ret, struct topo_diags *diags);
int topo_load_file(const char *path, struct topology *ret, struct topo_diags *diags);

/* Appends one error (past TOPO_MAX_DIAGS: counts it as dropped); 0 or -ENOMEM. */
int topo_diag_add(struct topo_diags *d, struct topo_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "FILE:LINE:COL: error: MSG\n" for each, in file order. */
void topo_diags_print(const struct topo_diags *diags, const char *file, FILE *out);
void topo_diags_free(struct topo_diags *diags);

/* A sysctl value as the kernel prints it back: integers without leading
 * zeros, runs of blanks as one space. Caller frees; NULL when out of memory. */
char *topo_sysctl_value_canon(const char *s);

#endif
