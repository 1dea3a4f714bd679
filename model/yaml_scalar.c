// SPDX-License-Identifier: MIT
#include "model/yaml_scalar.h"

#include <errno.h>
#include <string.h>

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

bool yaml_plain_is_null(const char *s)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };

	return in_list(s, nulls, sizeof(nulls) / sizeof(nulls[0]));
}

bool yaml_plain_bool(const char *s, bool *ret)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON" };
	static const char *const no[] = { "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF" };

	if (in_list(s, yes, sizeof(yes) / sizeof(yes[0]))) {
		*ret = true;
		return true;
	}
	if (in_list(s, no, sizeof(no) / sizeof(no[0]))) {
		*ret = false;
		return true;
	}
	return false;
}

bool yaml_plain_uint(const char *s, uint64_t *ret)
{
	uint64_t v = 0;

	if (!*s || strlen(s) > 20)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*ret = v;
	return true;
}

bool yaml_plain_safe(const char *s)
{
	/* YAML 1.1's one-letter booleans: topo reads them as text, other
	 * readers of an exported file would not. */
	static const char *const letters[] = { "y", "Y", "n", "N" };
	bool b;

	/* A letter or '_' first: no number (1e3, 0x1, 1:20, .5, +1, .inf)
	 * and no indicator (- ? : , [ ] { } # & * ! | > ' " % @ `) starts so. */
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return false;
	for (const char *p = s; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || c == '/'))
			return false;
	}
	return !yaml_plain_is_null(s) && !yaml_plain_bool(s, &b) &&
	       !in_list(s, letters, sizeof(letters) / sizeof(letters[0]));
}

/* The code point at s and its length in bytes, or 0 when s does not start
 * with a valid UTF-8 sequence (overlong forms and surrogates included). */
static size_t utf8_next(const unsigned char *s, uint32_t *ret)
{
	uint32_t cp, min;
	size_t n;

	if (s[0] < 0x80) {
		*ret = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		cp = s[0] & 0x1f, n = 2, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		cp = s[0] & 0x0f, n = 3, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		cp = s[0] & 0x07, n = 4, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*ret = cp;
	return n;
}

bool yaml_text_printable(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		uint32_t cp;
		size_t n = utf8_next(p, &cp);

		if (!n || cp < 0x20 || cp == 0x7f)
			return false;
		p += n;
	}
	return true;
}

static bool utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		uint32_t cp;
		size_t n = utf8_next(p, &cp);

		if (!n)
			return false;
		p += n;
	}
	return true;
}

int yaml_scalar_write(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!utf8_valid(s))
		return -EILSEQ;
	if (yaml_plain_safe(s)) {
		fputs(s, f);
		return 0;
	}
	fputc('"', f);
	while (*p) {
		uint32_t cp;
		size_t n = utf8_next(p, &cp);

		if (cp == '"' || cp == '\\')
			fprintf(f, "\\%c", (char)cp);
		else if (cp == '\t')
			fputs("\\t", f);
		else if (cp == '\n')
			fputs("\\n", f);
		else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			/* C0, DEL and C1 (U+0085 is a YAML line break): libyaml
			 * reads \xNN back as U+00NN, the same bytes. */
			fprintf(f, "\\x%02x", (unsigned)cp);
		else if (cp == 0x2028 || cp == 0x2029 || cp == 0xfeff || cp == 0xfffe || cp == 0xffff)
			/* Line and paragraph separators fold like newlines; a BOM
			 * and the non-characters are refused raw by the reader. */
			fprintf(f, "\\u%04x", (unsigned)cp);
		else
			fwrite(p, 1, n, f);
		p += n;
	}
	fputc('"', f);
	return 0;
}

void yaml_comment_write(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		uint32_t cp = 0;
		size_t n = utf8_next(p, &cp);

		if (!n || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
		    cp == 0xfeff || cp == 0xfffe || cp == 0xffff || cp == '\\') {
			/* One byte at a time: an invalid sequence is shown as it is. */
			size_t len = n ? n : 1;

			for (size_t i = 0; i < len; i++)
				fprintf(f, "\\x%02x", p[i]);
			p += len;
			continue;
		}
		fwrite(p, 1, n, f);
		p += n;
	}
}
