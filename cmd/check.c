// SPDX-License-Identifier: MIT
/*
 * check: run the file's `checks:` in-process, from inside each namespace.
 * For tcp and udp, topo listens itself where the connection should be
 * received (the loader worked out where, following the file's own dnat),
 * and where it would land if that dnat did not act, so each line says who
 * received it and from which source address: what the lab is about.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd/cmd.h"
#include "cmd/session.h"
#include "model/ip.h"
#include "model/json.h"

struct outcome {
	struct probe_result res;
	struct probe_listen listen[PROBE_MAX_LISTEN];
	size_t listen_ns[PROBE_MAX_LISTEN];    /* namespace index of each listener */
	size_t n_listen;
	long receiver;                          /* index in listen[] that received it, -1 = unknown */
	bool receiver_foreign;                  /* received by another process's server there */
	bool good;
	const char *reason;                     /* why it does not hold; NULL when it does */
	char why[512];                          /* the detail that goes with reason */
};

static const char *probe_reason_name(enum probe_reason r)
{
	switch (r) {
	case PROBE_OK: return "reached";
	case PROBE_NO_ROUTE: return "no route";
	case PROBE_REFUSED: return "refused";
	case PROBE_TIMEOUT: return "timeout";
	case PROBE_TOO_BIG: return "too big";
	case PROBE_ERROR: break;
	}
	return "error";
}

static void end_format(const struct topology *t, const struct topo_check_end *e, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%u", t->ns[e->ns].name, e->port);
}

static bool end_equal(const struct topo_check_end *a, size_t ns, uint16_t port)
{
	return a->set && a->ns == ns && a->port == port;
}

static void listen_add(struct outcome *o, const struct topology *t, const struct topo_check_end *e)
{
	if (!e->set || o->n_listen >= PROBE_MAX_LISTEN)
		return;
	for (size_t i = 0; i < o->n_listen; i++)
		if (o->listen_ns[i] == e->ns && o->listen[i].port == e->port)
			return;
	o->listen[o->n_listen] = (struct probe_listen){ &t->ns[e->ns], e->port, e->addr };
	o->listen_ns[o->n_listen++] = e->ns;
}

static void what_format(const struct topo_check *c, char *buf, size_t len)
{
	char addr[TOPO_IP_STRLEN];

	topo_ip_format(&c->addr, false, addr, sizeof(addr));
	if (c->kind == TOPO_CHECK_PING) {
		int n = snprintf(buf, len, "ping %s", addr);

		if (c->has_size && n > 0 && (size_t)n < len)
			snprintf(buf + n, len - (size_t)n, " size %u%s", c->size, c->df ? " df" : "");
	} else {
		const char *proto = c->kind == TOPO_CHECK_TCP ? "tcp" : "udp";

		snprintf(buf, len, c->addr.family == AF_INET6 ? "%s [%s]:%u" : "%s %s:%u", proto, addr, c->port);
	}
}

/* Run one check and judge it: reached, by whom, seen from where. */
static int run_one(struct session *s, const struct topo_check *c, int timeout, struct outcome *o)
{
	const struct topology *t = &s->desired;
	struct probe_request rq = {
		.from = &t->ns[c->from], .kind = c->kind, .dst = c->addr, .port = c->port,
		.has_size = c->has_size, .size = c->size, .df = c->df, .timeout_ms = timeout,
	};
	int r;

	memset(o, 0, sizeof(*o));
	o->receiver = -1;
	if (c->kind != TOPO_CHECK_PING) {
		listen_add(o, t, &c->served_by);
		listen_add(o, t, &c->arrives);
		listen_add(o, t, &c->unrewritten);
	}
	rq.listen = o->listen;
	rq.n_listen = o->n_listen;
	r = backend_probe(s->b, &rq, &o->res);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		o->res.reason = PROBE_ERROR;
		snprintf(o->why, sizeof(o->why), "%s", backend_error(s->b));
	} else if (o->res.reason != PROBE_OK)
		snprintf(o->why, sizeof(o->why), "%s", backend_error(s->b));

	bool reached = o->res.reason == PROBE_OK;
	long expected = -1;

	for (size_t i = 0; i < o->n_listen; i++)
		if (end_equal(&c->arrives, o->listen_ns[i], o->listen[i].port))
			expected = (long)i;
	if (o->res.received_by >= 0) {
		o->receiver = o->res.received_by;
		o->receiver_foreign = o->res.received_foreign;
	} else if (reached && expected >= 0 && o->res.held[expected]) {
		/* Someone else's server there answered: reachability only. */
		o->receiver = expected;
		o->receiver_foreign = true;
	}
	if (c->expect_fail) {
		o->good = !reached;
		if (!o->good) {
			o->reason = "unexpected success";
			snprintf(o->why, sizeof(o->why), "it was expected to fail");
		}
		return 0;
	}
	/* A datagram that reached our listener says who got it and from where,
	 * even when its echo did not make it back: judge that first. */
	if (!reached && o->res.received_by < 0) {
		o->reason = probe_reason_name(o->res.reason);
		return 0;
	}
	o->good = true;
	if (expected >= 0 && o->receiver != expected) {
		char want[TOPO_NS_NAME_MAX + 8];

		end_format(t, &c->arrives, want, sizeof(want));
		o->good = false;
		o->reason = "wrong receiver";
		if (o->receiver >= 0)
			snprintf(o->why, sizeof(o->why), "received by %s:%u, expected %s",
				 t->ns[o->listen_ns[o->receiver]].name, o->listen[o->receiver].port, want);
		else
			snprintf(o->why, sizeof(o->why), "answered, but not by topo's listener at %s", want);
		return 0;
	}
	if (c->source.family) {
		char want[TOPO_IP_STRLEN], got[TOPO_IP_STRLEN];

		topo_ip_format(&c->source, false, want, sizeof(want));
		if (!o->res.peer.family) {
			o->good = false;
			o->reason = "source not observable";
			snprintf(o->why, sizeof(o->why), "another process serves %s:%u, so the source %s cannot be seen",
				 o->receiver >= 0 ? t->ns[o->listen_ns[o->receiver]].name : "?",
				 o->receiver >= 0 ? o->listen[o->receiver].port : 0, want);
		} else if (memcmp(o->res.peer.bytes, c->source.bytes, c->source.family == AF_INET6 ? 16 : 4) != 0 ||
			   o->res.peer.family != c->source.family) {
			topo_ip_format(&o->res.peer, false, got, sizeof(got));
			o->good = false;
			o->reason = "wrong source";
			snprintf(o->why, sizeof(o->why), "seen from %s, expected %s", got, want);
		}
	}
	if (o->good && !reached) {
		char got[TOPO_IP_STRLEN];

		topo_ip_format(&o->res.peer, false, got, sizeof(got));
		o->good = false;
		o->reason = probe_reason_name(o->res.reason);
		snprintf(o->why, sizeof(o->why), "received by %s:%u from %s, but the echo did not come back",
			 t->ns[o->listen_ns[o->receiver]].name, o->listen[o->receiver].port, got);
	}
	return 0;
}

/* A JSON string for the bytes s, or null when absent. */
static json_t *str_or_null(const char *s)
{
	return s ? topo_json_bytes(s) : json_null();
}

static json_t *check_json(const struct session *s, const struct topo_check *c, const struct outcome *o)
{
	const struct topology *t = &s->desired;
	char what[160], buf[TOPO_IP_STRLEN + TOPO_NS_NAME_MAX];
	json_t *j = json_object();
	int r = 0;

	what_format(c, what, sizeof(what));
	r |= topo_json_set(j, "from", topo_json_bytes(t->ns[c->from].name));
	r |= topo_json_set(j, "check", topo_json_bytes(what));
	r |= topo_json_set(j, "kind", json_string(c->kind == TOPO_CHECK_PING ? "ping" : c->kind == TOPO_CHECK_TCP ? "tcp" : "udp"));
	r |= topo_json_set(j, "line", json_integer(c->pos.line));
	r |= topo_json_set(j, "expect", json_string(c->expect_fail ? "fail" : "success"));
	r |= topo_json_set(j, "reached", json_boolean(o->res.reason == PROBE_OK));
	r |= topo_json_set(j, "ok", json_boolean(o->good));
	/* Microseconds are what the probe measures; more digits would be noise. */
	r |= topo_json_set(j, "ms", json_real((double)(long long)(o->res.ms * 1000 + 0.5) / 1000));
	r |= topo_json_set(j, "probe", json_string(probe_reason_name(o->res.reason)));
	if (o->res.reason == PROBE_TOO_BIG && o->res.mtu)
		r |= topo_json_set(j, "mtu", json_integer(o->res.mtu));
	r |= topo_json_set(j, "reason", str_or_null(o->reason));
	if (o->why[0])
		r |= topo_json_set(j, "error", topo_json_bytes(o->why));
	if (c->kind != TOPO_CHECK_PING) {
		r |= topo_json_set(j, "source", str_or_null(o->res.peer.family ?
			topo_ip_format(&o->res.peer, false, buf, sizeof(buf)) : NULL));
		if (o->receiver >= 0)
			snprintf(buf, sizeof(buf), "%s:%u", t->ns[o->listen_ns[o->receiver]].name,
				 o->listen[o->receiver].port);
		r |= topo_json_set(j, "receiver", str_or_null(o->receiver >= 0 ? buf : NULL));
		r |= topo_json_set(j, "receiver_foreign", json_boolean(o->receiver_foreign));
		r |= topo_json_set(j, "expected_source", str_or_null(c->source.family ?
			topo_ip_format(&c->source, false, buf, sizeof(buf)) : NULL));
		if (c->arrives.set)
			end_format(t, &c->arrives, buf, sizeof(buf));
		r |= topo_json_set(j, "expected_receiver", str_or_null(c->arrives.set ? buf : NULL));
	}
	if (r) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static void print_text(const struct session *s, const struct topo_check *c, const struct outcome *o, bool color)
{
	const struct topology *t = &s->desired;
	const char *mark = o->good ? (color ? "\033[32m✓\033[0m" : "✓") : (color ? "\033[31m✗\033[0m" : "✗");
	char what[160], buf[TOPO_IP_STRLEN];

	what_format(c, what, sizeof(what));
	printf("%s %s from %s", mark, what, t->ns[c->from].name);
	if (o->receiver >= 0)
		printf(" → %s:%u%s", t->ns[o->listen_ns[o->receiver]].name, o->listen[o->receiver].port,
		       o->receiver_foreign ? " (its own server)" : "");
	if (o->res.peer.family) {
		topo_ip_format(&o->res.peer, false, buf, sizeof(buf));
		printf(", seen from %s", buf);
	}
	if (o->res.reason == PROBE_OK)
		printf(" (%.1f ms)", o->res.ms);
	if (c->expect_fail && o->good)
		printf(" (%s: %s) - fails as expected%s", probe_reason_name(o->res.reason), o->why,
		       c->isolated ? " (isolated)" : "");
	else if (!o->good)
		printf(" - %s: %s", o->reason, o->why);
	printf("  [%s:%u]\n", t->file, c->pos.line);
}

/* A namespace topo created for another topology (its lo carries that mark),
 * or one no topology created, is not this file's to probe from or listen in. */
static int refuse_foreign(struct session *s)
{
	const struct topology *t = &s->desired;
	bool *used = calloc(t->n_ns + 1, sizeof(*used));
	int bad = 0;

	if (!used)
		return fail("out of memory");
	for (size_t i = 0; i < t->n_checks; i++) {
		const struct topo_check *c = &t->checks[i];

		used[c->from] = true;
		if (c->served_by.set)
			used[c->served_by.ns] = true;
		if (c->arrives.set)
			used[c->arrives.ns] = true;
		if (c->unrewritten.set)
			used[c->unrewritten.ns] = true;
	}
	for (size_t n = 0; n < t->n_ns; n++) {
		char owner[TOPO_NAME_MAX + 1];
		int r;

		if (!used[n] || t->ns[n].kind != TOPO_NS_CREATED)
			continue;
		r = backend_ns_owner(s->b, &t->ns[n], owner, sizeof(owner));
		if (r == -ENOENT)
			continue;   /* not applied: each check says it cannot enter it */
		if (r < 0)
			bad = fail("%s", backend_error(s->b));
		else if (!owner[0])
			bad = fail("namespace %s was not created by topology %s (its lo carries no topo mark): "
				   "not running checks in it", t->ns[n].name, t->name);
		else if (strcmp(owner, t->name) != 0)
			bad = fail("namespace %s belongs to topology %s: not running topology %s's checks in it",
				   t->ns[n].name, owner, t->name);
	}
	free(used);
	return bad;
}

int cmd_check(int argc, char **argv)
{
	struct cmd_opts opts;
	struct session s;
	size_t passed = 0, failed = 0;
	json_t *checks = NULL;
	const char *tmo = getenv("TOPO_CHECK_TIMEOUT_MS");
	int timeout = tmo ? atoi(tmo) : 2000;
	int r;

	r = cmd_parse(argc, argv, OPT_JSON | OPT_NODE, "check [--json] [--no-color] [-q] [--node N] FILE", &opts);
	if (r)
		return r;
	if (timeout <= 0)
		timeout = 2000;
	if (opts.json && !(checks = json_array()))
		return fail("out of memory");
	r = session_open(&s, &opts, true);
	if (r == 0)
		r = refuse_foreign(&s);
	if (r) {
		json_decref(checks);
		session_close(&s);
		return r;
	}
	for (size_t i = 0; i < s.desired.n_checks; i++) {
		const struct topo_check *c = &s.desired.checks[i];
		struct outcome o;

		if (run_one(&s, c, timeout, &o) < 0 ||
		    (opts.json && topo_json_push(checks, check_json(&s, c, &o)) < 0)) {
			json_decref(checks);
			session_close(&s);
			return fail("out of memory");
		}
		o.good ? passed++ : failed++;
		if (!opts.json && (!opts.quiet || !o.good))
			print_text(&s, c, &o, opts.color);
		fflush(stdout);
	}
	if (opts.json) {
		json_t *doc = json_object();
		int e = topo_json_set(doc, "checks", checks);

		e |= topo_json_set(doc, "passed", json_integer((json_int_t)passed));
		e |= topo_json_set(doc, "failed", json_integer((json_int_t)failed));
		if (e || topo_json_print(doc, stdout) < 0) {
			json_decref(doc);
			session_close(&s);
			return fail(e ? "out of memory" : "cannot write the result");
		}
		json_decref(doc);
	} else if (!opts.quiet)
		printf("%zu passed, %zu failed\n", passed, failed);
	session_close(&s);
	return failed ? EXIT_ERROR : EXIT_OK;
}
