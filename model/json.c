// SPDX-License-Identifier: MIT
#include "model/json.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF; what jansson accepts), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

json_t *topo_json_bytes(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len, o = 0;
	char *buf;
	json_t *j;

	if (!s)
		return json_null();
	len = strlen(s);
	buf = malloc(len * 3 + 1);
	if (!buf)
		return NULL;
	for (size_t i = 0; i < len;) {
		const unsigned char *p = (const unsigned char *)s + i;
		size_t n = *p == '%' ? 0 : utf8_seq(p, len - i);

		if (n == 0) {
			buf[o++] = '%';
			buf[o++] = hex[*p >> 4];
			buf[o++] = hex[*p & 15];
			i++;
		} else {
			memcpy(buf + o, p, n);
			o += n;
			i += n;
		}
	}
	j = json_stringn(buf, o);
	free(buf);
	return j;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 :
	       c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *topo_json_bytes_decode(const json_t *j, const char **why)
{
	const char *s = json_string_value(j);
	size_t len = json_string_length(j), o = 0;
	char *out;

	if (!s) {
		*why = "must be a string";
		return NULL;
	}
	if (strlen(s) != len) {
		*why = "holds a NUL character";
		return NULL;
	}
	out = malloc(len + 1);
	if (!out) {
		*why = NULL;        /* out of memory */
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '%') {
			out[o++] = s[i];
			continue;
		}
		int hi = i + 2 < len ? hexval(s[i + 1]) : -1;
		int lo = hi >= 0 ? hexval(s[i + 2]) : -1;

		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
			*why = "has a '%' not followed by two hex digits (%XX stands for a byte, %25 for '%')";
			free(out);
			return NULL;
		}
		out[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[o] = '\0';
	return out;
}

const char *topo_json_bytes_get(const json_t *j, char *buf, size_t len)
{
	const char *why;
	char *s = json_is_string(j) ? topo_json_bytes_decode(j, &why) : NULL;

	if (len)
		snprintf(buf, len, "%s", s ? s : "");
	free(s);
	return buf;
}

int topo_json_print(const json_t *doc, FILE *f)
{
	if (!doc)
		return -ENOMEM;
	/* Compact, in the order built (jansson keeps insertion order); ten
	 * significant digits print a millisecond count as 12.345, not as
	 * 12.345000000000001. */
	if (json_dumpf(doc, f, JSON_COMPACT | JSON_REAL_PRECISION(10)) < 0 || fputc('\n', f) == EOF)
		return -EIO;
	return 0;
}

int topo_json_set(json_t *obj, const char *key, json_t *v)
{
	return v && json_object_set_new(obj, key, v) == 0 ? 0 : -ENOMEM;
}

int topo_json_push(json_t *arr, json_t *v)
{
	return v && json_array_append_new(arr, v) == 0 ? 0 : -ENOMEM;
}
