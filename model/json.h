/* SPDX-License-Identifier: MIT */
/* Writing JSON strings; shared by every --json output. */
#ifndef TOPO_MODEL_JSON_H
#define TOPO_MODEL_JSON_H

#include <stdio.h>

/* Writes s as a JSON string literal, quotes included. The symbol is
 * topo_json_string: jansson (the state file's codec) exports json_string,
 * and ours would take its place in the whole process. */
#define json_string topo_json_string
void json_string(FILE *f, const char *s);

#endif
