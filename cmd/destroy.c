// SPDX-License-Identifier: MIT
/*
 * destroy: plan against an empty topology of the same name. Scope comes from
 * the state file and, so that it also works without one, from the kernel's
 * marks: named namespaces whose lo carries topo:<topology>, links with that
 * alias in host, routes and addresses with topo's protocol.
 *
 * A failed step is not the end: the kernel may have removed the object by
 * itself in the meantime (an attached namespace whose last process just
 * exited is torn down asynchronously, veths included). destroy reads the
 * kernel again and finishes what is left; only what is still there and
 * still cannot be removed is an error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/interrupt.h"
#include "cmd/session.h"

#define DESTROY_ROUNDS 3
/* The topology holds no host sysctl any more. */
static void release_host_sysctls(struct session *s)
{
	char err[256];

	if (host_sysctls_commit(s->state_dir, NULL, &s->state, err, sizeof(err)) < 0)
		fprintf(stderr, "%s: warning: host sysctl registry in %s: %s\n", topo_prog, s->state_dir, err);
}

/*
 * The plan, and then the wait for the links that go with the deleted
 * namespaces (deferred, so the kernel's cleanup overlaps the later steps):
 * the next round reads a kernel where they are gone.
 */
static int destroy_execute(struct session *s, const struct exec_opts *eo, struct plan *journal,
			   struct exec_report *rep)
{
	int r = plan_execute(&s->diff.plan, &backend_exec_ops, s->b, eo, journal, rep);
	int w = backend_wait_deferred(s->b);

	if (r == 0 && w < 0) {
		rep->failed = true;
		rep->err = w;
		snprintf(rep->step, sizeof(rep->step), "waiting for the deleted namespaces' links");
		snprintf(rep->msg, sizeof(rep->msg), "%s", backend_error(s->b));
		r = w;
	}
	return r;
}

int cmd_destroy(int argc, char **argv)
{
	struct cmd_opts opts;
	struct session s;
	struct topology empty = { 0 };
	struct plan journal = { 0 };
	struct exec_report rep;
	struct plan_counts counts;
	char err[256];
	struct exec_opts eo = { 0 };
	struct interrupt intr = { .blocked = false };
	int r;

	r = cmd_parse(argc, argv, OPT_NAME | OPT_NO_WAIT | OPT_NODE, "destroy [--no-wait] [-q] [-v] [--node N] FILE | --name TOPOLOGY", &opts);
	if (r)
		return r;
	r = session_open(&s, &opts, false);
	if (r == 0)
		r = session_lock(&s);
	if (r)
		goto out;
	backend_read_for_destroy(s.b);
	/* Who else holds host sysctls, read again under the global lock. */
	if (host_sysctls_merge(s.state_dir, s.have_desired ? &s.desired : NULL, &s.state, err, sizeof(err)) < 0)
		fprintf(stderr, "%s: warning: host sysctl registry in %s: %s\n", topo_prog, s.state_dir, err);
	/* A signal stops the run between steps; what is gone stays gone. */
	interrupt_block(&intr);
	eo.stop = interrupt_requested;
	eo.stop_arg = &intr;
	backend_set_stop(s.b, interrupt_requested, &intr);
	snprintf(empty.name, sizeof(empty.name), "%s", s.desired.name);
	empty.file = s.desired.file;
	r = session_diff(&s, &empty, true);
	if (r)
		goto out;
	r = plan_namespaces_first(&s.diff.plan);
	if (r)
		goto out;
	if (s.diff.plan.n == 0) {
		if (!opts.quiet)
			printf("nothing to destroy: topology %s has nothing in the kernel\n", s.desired.name);
		state_remove(s.state_dir, s.desired.name);
		release_host_sysctls(&s);
		r = EXIT_OK;
		goto out;
	}
	if (!opts.quiet)
		plan_print(&s.diff.plan, stdout, opts.color);
	fflush(stdout);
	backend_set_state(s.b, NULL);
	counts = plan_count(&s.diff.plan);
	backend_defer_waits(s.b, true);
	r = destroy_execute(&s, &eo, &journal, &rep);
	if (r < 0 && rep.interrupted)
		goto interrupted;
	for (int again = 0; r < 0 && again < DESTROY_ROUNDS; again++) {
		if (opts.verbose)
			fprintf(stderr, "%s: %s: %s; reading the kernel again\n", topo_prog, rep.step, rep.msg);
		r = session_diff(&s, &empty, true);
		if (r) {
			r = -EIO;
			break;
		}
		if (s.diff.plan.n == 0)
			break;         /* what failed is gone all the same */
		r = plan_namespaces_first(&s.diff.plan);
		if (r)
			break;
		plan_free(&journal);
		r = destroy_execute(&s, &eo, &journal, &rep);
		if (r < 0 && rep.interrupted)
			goto interrupted;
	}
	if (r < 0) {
		/* No rollback: what is gone stays gone, and another destroy finishes the job. */
		fprintf(stderr, "%s: error: %s: %s (run destroy again once the cause is fixed)\n", topo_prog,
			rep.step, rep.msg);
		r = EXIT_ERROR;
		goto out;
	}
	if (state_remove(s.state_dir, s.desired.name) < 0)
		fprintf(stderr, "%s: warning: cannot remove the state file\n", topo_prog);
	release_host_sysctls(&s);
	if (!opts.quiet)
		printf("destroyed: %zu removed, %zu restored\n", counts.remove, counts.change);
	r = EXIT_OK;
	goto out;
interrupted:
	fprintf(stderr, "%s: interrupted by %s after %lu steps: the rest was not started "
		"(run destroy again to finish)\n", topo_prog, interrupt_name(&intr), rep.executed);
	r = EXIT_ERROR;
out:
	empty.file = NULL;
	topology_free(&empty);
	plan_free(&journal);
	session_close(&s);
	interrupt_end(&intr);   /* interrupted: dies of the signal */
	return r;
}
