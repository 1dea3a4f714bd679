// SPDX-License-Identifier: MIT
#include "model/strbuf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_init_fixed(struct strbuf *b, char *buf, size_t size)
{
	*b = (struct strbuf){ .p = buf, .cap = size, .fixed = true, .truncated = size == 0 };
	if (size)
		buf[0] = '\0';
}

/* Room for n more bytes and the NUL; heap only. */
static int grow(struct strbuf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 64;
	char *p;

	if (n > SIZE_MAX / 2 - b->len)
		return -ENOMEM;
	while (cap < b->len + n + 1)
		cap *= 2;
	if (cap == b->cap)
		return 0;
	p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

static int fail(struct strbuf *b, int r)
{
	b->truncated = true;
	return r;
}

int strbuf_add(struct strbuf *b, const char *s, size_t n)
{
	if (b->fixed) {
		size_t room = b->cap ? b->cap - 1 - b->len : 0;
		size_t k = n < room ? n : room;

		if (b->cap) {
			memcpy(b->p + b->len, s, k);
			b->len += k;
			b->p[b->len] = '\0';
		}
		return k < n ? fail(b, -ENOSPC) : 0;
	}
	if (grow(b, n) < 0)
		return fail(b, -ENOMEM);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int strbuf_vaddf(struct strbuf *b, const char *fmt, va_list ap)
{
	size_t room = b->cap > b->len ? b->cap - b->len : 0;
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap);
	if (n < 0) {
		va_end(again);
		return fail(b, -EINVAL);
	}
	if ((size_t)n < room) {
		b->len += (size_t)n;
		va_end(again);
		return 0;
	}
	if (b->fixed) {
		/* vsnprintf wrote what fits. */
		if (room)
			b->len = b->cap - 1;
		va_end(again);
		return fail(b, -ENOSPC);
	}
	if (grow(b, (size_t)n) < 0) {
		if (b->p)
			b->p[b->len] = '\0';   /* the cut attempt is not kept */
		va_end(again);
		return fail(b, -ENOMEM);
	}
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, again);
	va_end(again);
	b->len += (size_t)n;
	return 0;
}

int strbuf_addf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = strbuf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

const char *strbuf_str(const struct strbuf *b)
{
	return b->p && b->cap ? b->p : "";
}

char *strbuf_take(struct strbuf *b)
{
	char *p = b->p;

	if (b->fixed)
		return NULL;
	if (!p)
		p = strdup("");
	*b = (struct strbuf){ 0 };
	return p;
}

void strbuf_free(struct strbuf *b)
{
	if (!b->fixed)
		free(b->p);
	*b = (struct strbuf){ 0 };
}
