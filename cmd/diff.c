// SPDX-License-Identifier: MIT
#include <stdio.h>

#include "cmd/cmd.h"
#include "cmd/session.h"

int cmd_diff(int argc, char **argv)
{
	struct cmd_opts opts;
	struct session s;
	int r;

	r = cmd_parse(argc, argv, OPT_JSON | OPT_ADOPT | OPT_NODE, "diff [--json] [--adopt] [--no-color] [-q] [--node N] FILE", &opts);
	if (r)
		return r;
	r = session_open(&s, &opts, true);
	if (r == 0)
		r = session_diff(&s, &s.desired, false);
	if (r == 0) {
		const struct plan *p = &s.diff.plan;
		bool pending = false;

		for (size_t i = 0; i < p->n; i++)
			pending |= !p->steps[i].implicit;

		if (opts.json && plan_print_json(p, stdout) < 0) {
			session_close(&s);
			return fail("cannot write the plan as JSON");
		} else if (!opts.json && !opts.quiet) {
			plan_print(p, stdout, opts.color);
			if (pending)
				print_counts(stdout, p);
			else
				printf("no changes: topology %s is converged\n", s.desired.name);
		}
		r = pending ? EXIT_PENDING : EXIT_OK;
	}
	session_close(&s);
	return r;
}
