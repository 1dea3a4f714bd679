/* SPDX-License-Identifier: MIT */
/*
 * The one rule for YAML scalars, shared by the loader (what a plain scalar
 * means) and every writer of topology files (when a string must be quoted).
 * A plain scalar that reads as null, a boolean or a number, or that YAML's
 * syntax would take apart (indicators, ": ", " #", flow characters), is
 * written double-quoted, with YAML escapes for what cannot appear raw.
 */
#ifndef TOPO_MODEL_YAML_SCALAR_H
#define TOPO_MODEL_YAML_SCALAR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Plain scalars the loader reads as null: empty, ~, null, Null, NULL. */
bool yaml_plain_is_null(const char *s);
/* Plain scalars the loader reads as booleans (YAML 1.1's words in three
 * casings: true/yes/on, false/no/off). */
bool yaml_plain_bool(const char *s, bool *ret);
/* A decimal integer without sign or blanks, at most UINT64_MAX. */
bool yaml_plain_uint(const char *s, uint64_t *ret);

/* Would s, written unquoted (as a key or inside a flow collection), be read
 * back by topo's loader, and by other YAML 1.1/1.2 readers, as this string? */
bool yaml_plain_safe(const char *s);
/* Valid UTF-8 without C0 controls or DEL: text a topology file can hold
 * (libyaml refuses anything else in a file, and its \xNN escape yields
 * the code point U+00NN, never a raw byte). */
bool yaml_text_printable(const char *s);

/* s as a YAML scalar: plain when yaml_plain_safe, else double-quoted with
 * escapes (\" \\ \t \n \xNN for controls, \uNNNN for line separators and
 * non-characters). Returns 0, or -EILSEQ (nothing written) when s is not
 * valid UTF-8, which no YAML scalar can carry. */
int yaml_scalar_write(FILE *f, const char *s);
/* s inside a '#' comment: printable text as is, anything else as \xNN, so
 * no name can end the comment or put a control character in the file. */
void yaml_comment_write(FILE *f, const char *s);

#endif
