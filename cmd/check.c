// SPDX-License-Identifier: MIT
/* check: run the file's `checks:` in-process, from inside each namespace. */
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/session.h"
#include "model/ip.h"
#include "model/json.h"

int cmd_check(int argc, char **argv)
{
	struct cmd_opts opts;
	struct session s;
	size_t passed = 0, failed = 0;
	const char *tmo = getenv("TOPO_CHECK_TIMEOUT_MS");
	int timeout = tmo ? atoi(tmo) : 2000;
	int r;

	r = cmd_parse(argc, argv, OPT_JSON, "check [--json] [--no-color] [-q] FILE", &opts);
	if (r)
		return r;
	r = session_open(&s, &opts, true);
	if (r) {
		session_close(&s);
		return r;
	}
	if (opts.json)
		printf("{\"checks\":[");
	for (size_t i = 0; i < s.desired.n_checks; i++) {
		const struct topo_check *c = &s.desired.checks[i];
		const struct topo_ns *from = &s.desired.ns[c->from];
		char addr[TOPO_IP_STRLEN], what[128];
		double ms = 0;
		bool reached, good;

		topo_ip_format(&c->addr, false, addr, sizeof(addr));
		if (c->kind == TOPO_CHECK_PING) {
			snprintf(what, sizeof(what), "ping %s", addr);
			reached = backend_ping(s.b, from, &c->addr, timeout, &ms) == 0;
		} else {
			snprintf(what, sizeof(what), c->addr.family == AF_INET6 ? "tcp [%s]:%u" : "tcp %s:%u", addr, c->port);
			reached = backend_tcp(s.b, from, &c->addr, c->port, timeout, &ms) == 0;
		}
		good = reached != c->expect_fail;
		good ? passed++ : failed++;
		if (opts.json) {
			printf("%s\n  {\"from\":", i ? "," : "");
			json_string(stdout, from->name);
			printf(",\"check\":");
			json_string(stdout, what);
			printf(",\"expect\":\"%s\",\"reached\":%s,\"ok\":%s,\"ms\":%.3f,\"line\":%u",
			       c->expect_fail ? "fail" : "success", reached ? "true" : "false", good ? "true" : "false",
			       ms, c->pos.line);
			if (!reached) {
				printf(",\"error\":");
				json_string(stdout, backend_error(s.b));
			}
			printf("}");
		} else if (!opts.quiet || !good) {
			const char *mark = good ? (opts.color ? "\033[32m✓\033[0m" : "✓") : (opts.color ? "\033[31m✗\033[0m" : "✗");

			printf("%s %s from %s", mark, what, from->name);
			if (reached)
				printf(" (%.1f ms)", ms);
			else
				printf(" (%s)", backend_error(s.b));
			if (c->expect_fail)
				printf(good ? " - fails as expected" : " - expected to fail");
			else if (!good)
				printf(" - expected to succeed");
			printf("  [%s:%u]\n", s.desired.file, c->pos.line);
		}
	}
	if (opts.json)
		printf("%s],\"passed\":%zu,\"failed\":%zu}\n", s.desired.n_checks ? "\n" : "", passed, failed);
	else if (!opts.quiet)
		printf("%zu passed, %zu failed\n", passed, failed);
	session_close(&s);
	return failed ? EXIT_ERROR : EXIT_OK;
}
