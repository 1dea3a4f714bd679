/* SPDX-License-Identifier: MIT */
/*
 * JSON through jansson: the state file and every --json output.
 *
 * Names and texts are bytes (an interface name may hold any byte but NUL,
 * '/', ':' and blanks; a namespace name or a sysctl value any byte but NUL),
 * JSON strings are Unicode. One rule maps the first onto the
 * second, here and nowhere else: valid UTF-8 is written as it is, except
 * '%'; '%' and every byte that is not part of valid UTF-8 are written as %XX
 * (two upper-case hex digits). Reading back replaces each %XX by its byte,
 * so every string round-trips; a plain ASCII or UTF-8 name without '%' reads
 * as itself.
 */
#ifndef TOPO_MODEL_JSON_H
#define TOPO_MODEL_JSON_H

#include <jansson.h>
#include <stdio.h>

/* A JSON string for the bytes s (NULL -> JSON null); NULL when out of memory. */
json_t *topo_json_bytes(const char *s);
/* The bytes a topo_json_bytes string stands for, malloc'd; NULL with *why set
 * when it is not such a string, NULL with *why NULL when out of memory. */
char *topo_json_bytes_decode(const json_t *j, const char **why);
/* The same decoding into buf (truncated to len - 1 bytes); "" for a
 * non-string. For printers that read back a document they built. */
const char *topo_json_bytes_get(const json_t *j, char *buf, size_t len);

/* Writes doc on one line and a newline; 0 or -EIO (-ENOMEM for a NULL doc,
 * which is what a builder that ran out of memory hands over). */
int topo_json_print(const json_t *doc, FILE *f);

/* Builders that carry an allocation failure to the end: each returns 0 or
 * -ENOMEM and takes the reference to v in both cases (NULL v fails). */
int topo_json_set(json_t *obj, const char *key, json_t *v);
int topo_json_push(json_t *arr, json_t *v);

#endif
