/* SPDX-License-Identifier: MIT */
/* Writing JSON strings; shared by every --json output. */
#ifndef TOPO_MODEL_JSON_H
#define TOPO_MODEL_JSON_H

#include <stdio.h>

/* Writes s as a JSON string literal, quotes included. */
void json_string(FILE *f, const char *s);

#endif
