/* SPDX-License-Identifier: MIT */
/*
 * The string builder. Either it grows on the heap (zero-initialised, then
 * strbuf_take or strbuf_free), or it writes into the caller's buffer
 * (strbuf_init_fixed) and never allocates: what does not fit is cut, as
 * snprintf cuts, and `truncated` says so. The text is always terminated.
 */
#ifndef TOPO_MODEL_STRBUF_H
#define TOPO_MODEL_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *p;
	size_t len;             /* bytes of text, without the NUL */
	size_t cap;             /* bytes at p */
	bool fixed;             /* p is the caller's: never grown or freed */
	bool truncated;         /* a fixed buffer was too small, or memory ran out */
};

void strbuf_init_fixed(struct strbuf *b, char *buf, size_t size);

/* 0; -ENOSPC (fixed, cut) or -ENOMEM (heap, nothing added); either way
 * `truncated` stays set. */
int strbuf_add(struct strbuf *b, const char *s, size_t n);
int strbuf_addf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int strbuf_vaddf(struct strbuf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* The text so far ("" before anything was added). */
const char *strbuf_str(const struct strbuf *b);
/* Heap: the text, now the caller's (never NULL unless out of memory); the
 * builder is empty again. */
char *strbuf_take(struct strbuf *b);
void strbuf_free(struct strbuf *b);

#endif
