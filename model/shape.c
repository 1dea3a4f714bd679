// SPDX-License-Identifier: MIT
#include "model/shape.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Digits then a unit from the table: value * mul / div. */
struct unit {
	const char *name;
	uint64_t mul, div;
};

static int parse_units(const char *s, const struct unit *u, size_t n, bool bare_ok, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!s || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || v > (1ull << 40))
		return -EINVAL;
	if (!*end)
		return bare_ok ? (*ret = v, 0) : -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(end, u[i].name) == 0) {
			*ret = v * u[i].mul / u[i].div;
			return 0;
		}
	return -EINVAL;
}

int topo_rate_parse(const char *s, uint64_t *ret)
{
	static const struct unit u[] = {
		{ "bit", 1, 8 }, { "kbit", 1000, 8 }, { "mbit", 1000000, 8 }, { "gbit", 1000000000, 8 },
		{ "bps", 1, 1 }, { "kbps", 1000, 1 }, { "mbps", 1000000, 1 }, { "gbps", 1000000000, 1 },
	};

	return parse_units(s, u, sizeof(u) / sizeof(u[0]), false, ret) == 0 && *ret ? 0 : -EINVAL;
}

int topo_size_parse(const char *s, uint64_t *ret)
{
	static const struct unit u[] = { { "b", 1, 1 }, { "kb", 1024, 1 }, { "mb", 1024 * 1024, 1 } };

	return parse_units(s, u, sizeof(u) / sizeof(u[0]), true, ret);
}

int topo_time_parse(const char *s, uint64_t *ret)
{
	static const struct unit u[] = { { "us", 1, 1 }, { "ms", 1000, 1 }, { "s", 1000000, 1 } };

	return parse_units(s, u, sizeof(u) / sizeof(u[0]), false, ret);
}

int topo_percent_parse(const char *s, uint32_t *ret)
{
	unsigned whole = 0, frac = 0, scale = 10000;
	const char *p = s;

	if (!s || *p < '0' || *p > '9')
		return -EINVAL;
	while (*p >= '0' && *p <= '9' && whole <= 100)
		whole = whole * 10 + (unsigned)(*p++ - '0');
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9' && scale > 1) {
			scale /= 10;
			frac += (unsigned)(*p++ - '0') * scale;
		}
	}
	if (strcmp(p, "%") != 0 || whole > 100 || (whole == 100 && frac))
		return -EINVAL;
	*ret = whole * 10000 + frac;
	return 0;
}

#define SHAPE_MIN_BURST 1600
#define SHAPE_LATENCY_US 50000

void topo_shape_canon(struct topo_shape *sh)
{
	if (!sh->rate)
		return;
	if (!sh->burst)
		sh->burst = sh->rate / 100 > SHAPE_MIN_BURST ? (uint32_t)(sh->rate / 100) : SHAPE_MIN_BURST;
	if (!sh->latency_us)
		sh->latency_us = SHAPE_LATENCY_US;
	sh->limit = (uint32_t)(sh->rate * sh->latency_us / 1000000 + sh->burst);
}

bool topo_shape_declared(const struct topo_shape *sh)
{
	return sh->rate || sh->netem;
}

static bool near(uint64_t a, uint64_t b)
{
	uint64_t d = a > b ? a - b : b - a;

	return d <= a / 100 + 2;
}

bool topo_shape_same(const struct topo_shape *d, const struct topo_shape *o)
{
	if (d->netem != o->netem || d->rate != o->rate)
		return false;
	if (d->netem)
		return near(d->delay_us, o->delay_us) && d->loss_ppm == o->loss_ppm;
	return near(d->burst, o->burst) && near(d->limit, o->limit);
}

static void rate_words(uint64_t bytes, char *buf, size_t len)
{
	uint64_t bits = bytes * 8;

	if (bits % 1000000000 == 0)
		snprintf(buf, len, "%llugbit", (unsigned long long)(bits / 1000000000));
	else if (bits % 1000000 == 0)
		snprintf(buf, len, "%llumbit", (unsigned long long)(bits / 1000000));
	else if (bits % 1000 == 0)
		snprintf(buf, len, "%llukbit", (unsigned long long)(bits / 1000));
	else
		snprintf(buf, len, "%llubit", (unsigned long long)bits);
}

void topo_shape_format(const struct topo_shape *sh, char *buf, size_t len)
{
	char r[32];

	if (!len)
		return;
	if (sh->netem) {
		int n = snprintf(buf, len, "netem delay %u.%03ums", sh->delay_us / 1000, sh->delay_us % 1000);

		if (sh->loss_ppm && n > 0 && (size_t)n < len)
			snprintf(buf + n, len - (size_t)n, " loss %u.%04u%%", sh->loss_ppm / 10000, sh->loss_ppm % 10000);
		return;
	}
	if (!sh->rate) {
		snprintf(buf, len, "none");
		return;
	}
	rate_words(sh->rate, r, sizeof(r));
	snprintf(buf, len, "tbf rate %s burst %ub limit %ub", r, sh->burst, sh->limit);
}

void topo_shape_yaml(const struct topo_shape *sh, char *buf, size_t len)
{
	char r[32];

	if (!len)
		return;
	buf[0] = '\0';
	if (sh->netem) {
		int n = snprintf(buf, len, "netem: {delay: %uus", sh->delay_us);

		if (sh->loss_ppm && n > 0 && (size_t)n < len)
			n += snprintf(buf + n, len - (size_t)n, ", loss: %u.%04u%%", sh->loss_ppm / 10000, sh->loss_ppm % 10000);
		if (n > 0 && (size_t)n < len)
			snprintf(buf + n, len - (size_t)n, "}");
		return;
	}
	if (!sh->rate)
		return;
	rate_words(sh->rate, r, sizeof(r));
	/* The kernel keeps the queue as a limit in bytes: its latency at the rate. */
	uint64_t lat = sh->limit > sh->burst ? (uint64_t)(sh->limit - sh->burst) * 1000000 / sh->rate : 0;

	snprintf(buf, len, "rate: %s, burst: %u, latency: %lluus", r, sh->burst, (unsigned long long)(lat ? lat : 1));
}
