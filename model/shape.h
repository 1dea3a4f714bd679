/* SPDX-License-Identifier: MIT */
/*
 * Link shaping values: tc's units (rates in bit/s or byte/s, sizes, times),
 * the defaults topo fills in, the comparison with what the kernel reports,
 * and the words plan and show print. No syscalls.
 */
#ifndef TOPO_MODEL_SHAPE_H
#define TOPO_MODEL_SHAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/topology.h"

/* "10mbit", "1gbit", "500kbit", "64000bit", "1mbps" (bytes): bytes per
 * second in *ret; 0 or -EINVAL. */
int topo_rate_parse(const char *s, uint64_t *ret);
/* "1600", "32kb", "1mb", "1600b": bytes; 0 or -EINVAL. */
int topo_size_parse(const char *s, uint64_t *ret);
/* "50ms", "200us", "1s": microseconds; 0 or -EINVAL. */
int topo_time_parse(const char *s, uint64_t *ret);
/* "1%", "0.5%": parts per million; 0 or -EINVAL. */
int topo_percent_parse(const char *s, uint32_t *ret);

/* Fills what the file left out: burst max(rate/100, 1600) bytes (one
 * 10 ms tick at least, a full frame at least), latency 50 ms; limit =
 * rate * latency + burst, as tc computes it. */
void topo_shape_canon(struct topo_shape *sh);
bool topo_shape_declared(const struct topo_shape *sh);
/* Does the kernel's qdisc (ours) match the declared one? burst and limit
 * pass through the kernel's clock ticks: equal within 1%. */
bool topo_shape_same(const struct topo_shape *d, const struct topo_shape *o);
/* "tbf rate 10mbit burst 12500b limit 75000b", "netem delay 10ms loss 1%", "none". */
void topo_shape_format(const struct topo_shape *sh, char *buf, size_t len);

/* The YAML keys that declare sh, for export: "rate: 10mbit, burst: 12500,
 * latency: 50000us" or "netem: {delay: 10000us, loss: 1.5%}"; "" when not shaped. */
void topo_shape_yaml(const struct topo_shape *sh, char *buf, size_t len);

#endif
