// SPDX-License-Identifier: MIT
/*
 * apply: plan, record in the state file what is about to be created, run,
 * read the kernel again and check it converged; on any failure undo every
 * step done so far, newest first, and say which step failed and why.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/interrupt.h"
#include "cmd/session.h"
#include "model/json.h"
#include "model/route.h"

/* A plan may need a second look: the kernel flushes routes when a link goes
 * down or loses its last address. Each round re-reads and re-plans. */
#define APPLY_ROUNDS 3
/* How long apply waits, by default, for what it changed to carry traffic. */
#define APPLY_READY_MS 5000

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Prints and drops the --json document. A member that could not be added
 * (out of memory) is missing from it; the exit code still tells. */
static void json_end(json_t *doc)
{
	if (topo_json_print(doc, stdout) < 0)
		fprintf(stderr, "%s: error: cannot write the JSON result\n", topo_prog);
	json_decref(doc);
}

static bool plan_pending(const struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (!p->steps[i].implicit)
			return true;
	return false;
}

/* Test hooks: TOPO_KILL_AT_STEP=K dies (SIGKILL) just before step K;
 * TOPO_STEP_DELAY_MS=N waits before each step (to widen races in tests). */
struct step_hooks {
	unsigned long kill_at;
	unsigned long delay_ms;
};

static void before_step(unsigned long k, const struct step *s, void *arg)
{
	const struct step_hooks *h = arg;

	(void)s;
	if (h->delay_ms) {
		struct timespec ts = { (time_t)(h->delay_ms / 1000), (long)(h->delay_ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	}
	if (k == h->kill_at) {
		fflush(stdout);
		raise(SIGKILL);
	}
}

/* On a terminal, big applies say how far they are. */
static void progress_line(unsigned long done, unsigned long total, const struct step *last, void *arg)
{
	(void)arg;
	fprintf(stderr, "\r%s: %lu/%lu steps (%s)   ", topo_prog, done, total, step_op_name(last->op));
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

static unsigned long env_ulong(const char *name)
{
	const char *v = getenv(name);

	return v ? strtoul(v, NULL, 10) : 0;
}

/* by_name: desired's namespaces by name (a plan of thousands of steps asks for each). */
static bool ns_is_created(const struct session *s, const struct strmap *by_name, const char *name)
{
	size_t i;

	return strmap_get(by_name, name, &i) == 0 && s->desired.ns[i].kind == TOPO_NS_CREATED;
}

/* Routes, addresses and table-kind objects declared outside topo's own namespaces: recorded, so
 * they are told from another topology's when the file is gone. */
static int state_record_objects(const struct session *s, struct topo_state *st)
{
	int r = 0;

	for (size_t n = 0; n < s->desired.n_ns && r == 0; n++) {
		const struct topo_ns *ns = &s->desired.ns[n];

		/* Where our nft table is: observed there on later runs even when the
		 * file no longer declares rules. */
		if (ns->n_nat || ns->n_forward || ns->n_nft_text) {
			char *id = topo_object_id_nft(ns->name);

			r = id ? topo_state_object_put(st, id) : -ENOMEM;
			free(id);
		}
		if (ns->kind == TOPO_NS_CREATED || r < 0)
			continue;
		for (size_t k = 0; k < topo_n_kinds && r == 0; k++)
			for (size_t i = 0; i < ns->objs[k].n && r == 0; i++) {
				char *id = topo_object_id_kind(ns->name, topo_kinds[k],
							       topo_obj_at(topo_kinds[k], &ns->objs[k], i));

				r = id ? topo_state_object_put(st, id) : -ENOMEM;
				free(id);
			}
		for (size_t i = 0; i < ns->n_routes && r == 0; i++) {
			char *id = topo_object_id_route(ns->name, &ns->routes[i]);

			r = id ? topo_state_object_put(st, id) : -ENOMEM;
			free(id);
		}
		for (size_t i = 0; i < ns->n_ifaces && r == 0; i++) {
			for (size_t a = 0; a < ns->ifaces[i].n_addrs && r == 0; a++) {
				char *id = topo_object_id_addr(ns->name, ns->ifaces[i].name, &ns->ifaces[i].addrs[a].ip);

				r = id ? topo_state_object_put(st, id) : -ENOMEM;
				free(id);
			}
		}
	}
	return r;
}

/* What the plan will create and where (state_record_intent). */
static int state_record_steps(struct session *s, const struct plan *p, const struct strmap *by_name)
{
	for (size_t i = 0; i < s->desired.n_ns; i++) {
		const struct topo_ns *ns = &s->desired.ns[i];

		if (topo_ns_attached(ns->kind) &&
		    (topo_state_ns_put(&s->state, ns->name, ns->kind, ns->path, ns->pid) < 0 ||
		     (ns->kind == TOPO_NS_DOCKER &&
		      topo_state_ns_docker(&s->state, ns->name, ns->docker, topo_ns_docker_netns(ns)) < 0)))
			return -ENOMEM;
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct step *st = &p->steps[i];

		if (st->op == STEP_NETNS_ADD) {
			size_t d;

			/* A new namespace holds exactly the kinds the file declares there. */
			if (topo_state_ns_put(&s->state, st->ns, TOPO_NS_CREATED, NULL, 0) < 0 ||
			    (strmap_get(by_name, st->ns, &d) == 0 &&
			     topo_state_ns_kinds(&s->state, st->ns, topo_ns_kinds_declared(&s->desired.ns[d]), true) < 0))
				return -ENOMEM;
		}
		/* What an absent: entry deletes, as it was: destroy puts it back. */
		if (st->op == STEP_ROUTE_DEL && st->absent && topo_state_removed_put(&s->state, st->ns, &st->rt->route) < 0)
			return -ENOMEM;
		if (st->op != STEP_LINK_ADD)
			continue;
		/* Outside its own namespaces topo marks a link in a second request. */
		if (!ns_is_created(s, by_name, st->ns) && topo_state_link_put(&s->state, st->ns, st->lk->link.name) < 0)
			return -ENOMEM;
		if (st->lk->peer.name[0] && !ns_is_created(s, by_name, st->lk->peer_ns) &&
		    topo_state_link_put(&s->state, st->lk->peer_ns, st->lk->peer.name) < 0)
			return -ENOMEM;
	}
	/* An existing one may get more (a namespace never recorded keeps
	 * saying nothing: everything is read there). */
	for (size_t i = 0; i < s->desired.n_ns; i++)
		if (s->desired.ns[i].kind == TOPO_NS_CREATED)
			topo_state_ns_kinds(&s->state, s->desired.ns[i].name, topo_ns_kinds_declared(&s->desired.ns[i]),
					    false);
	return state_record_objects(s, &s->state) < 0 ? -ENOMEM : 0;
}

/* Before anything is created, the state file says it will be. */
static int state_record_intent(struct session *s, const struct plan *p)
{
	struct strmap by_name = { 0 };
	int r = 0;

	for (size_t i = 0; i < s->desired.n_ns; i++)
		if (strmap_put(&by_name, s->desired.ns[i].name, i) == -ENOMEM) {
			strmap_free(&by_name);
			return -ENOMEM;
		}
	r = state_record_steps(s, p, &by_name);
	strmap_free(&by_name);
	return r < 0 ? r : state_save(s->state_dir, &s->state);
}

/* The kernel routes topo deleted that an absent: entry still names; the
 * others were put back by the plan just done. */
static int state_keep_removed(const struct session *s, struct topo_state *next)
{
	for (size_t i = 0; i < s->state.n_removed; i++) {
		const struct state_route *rec = &s->state.removed[i];
		long n = topology_ns_find(&s->desired, rec->ns);

		for (size_t k = 0; n >= 0 && k < s->desired.ns[n].n_absent_routes; k++)
			if (topo_absent_matches(&s->desired.ns[n].absent_routes[k], &rec->route)) {
				if (topo_state_removed_put(next, rec->ns, &rec->route) < 0)
					return -ENOMEM;
				break;
			}
	}
	return 0;
}

/* After success: exactly what the file declares, plus the old sysctl values
 * of keys still declared. */
static int state_record_result(struct session *s)
{
	struct topo_state next = { 0 };
	int r = 0;

	snprintf(next.topology, sizeof(next.topology), "%s", s->desired.name);
	for (size_t i = 0; i < s->desired.n_ns && r == 0; i++) {
		const struct topo_ns *ns = &s->desired.ns[i];

		if (ns->kind != TOPO_NS_IS_HOST)
			r = topo_state_ns_put(&next, ns->name, ns->kind, ns->path, ns->pid);
		/* Converged: the kinds it holds are those declared. */
		if (r == 0 && ns->kind == TOPO_NS_CREATED)
			r = topo_state_ns_kinds(&next, ns->name, topo_ns_kinds_declared(ns), true);
		if (r == 0 && ns->kind == TOPO_NS_DOCKER)
			r = topo_state_ns_docker(&next, ns->name, ns->docker, topo_ns_docker_netns(ns));
		for (size_t k = 0; k < ns->n_sysctls && r == 0; k++) {
			const struct state_sysctl *rec = topo_state_sysctl_find(&s->state, ns->name, ns->sysctls[k].key);

			if (rec)
				r = topo_state_sysctl_put(&next, rec->ns, rec->key, rec->original);
		}
	}
	if (r == 0)
		r = state_record_objects(s, &next);
	if (r == 0)
		r = state_keep_removed(s, &next);
	if (r == 0)
		r = state_save(s->state_dir, &next);
	topo_state_free(&next);
	/* The host registry: this topology now holds what it declares there. */
	if (r == 0) {
		char err[256];

		r = host_sysctls_commit(s->state_dir, &s->desired, &s->state, err, sizeof(err));
		if (r < 0)
			fprintf(stderr, "%s: error: host sysctl registry in %s: %s\n", topo_prog, s->state_dir, err);
	}
	return r;
}

/* Who else holds host sysctls, read again now that the global lock is ours. */
static int state_merge_locked(struct session *s)
{
	char err[256];

	if (host_sysctls_merge(s->state_dir, &s->desired, &s->state, err, sizeof(err)) < 0)
		return fail("host sysctl registry in %s: %s", s->state_dir, err);
	return 0;
}

int cmd_apply(int argc, char **argv)
{
	struct cmd_opts opts;
	struct session s;
	struct topo_state before = { 0 };
	struct plan journal = { 0 };
	struct exec_opts eo = { 0 };
	struct exec_report rep;
	struct step_hooks hooks;
	json_t *jdoc = NULL;   /* --json: the document, printed when the run ends */
	double t0 = now_ms();
	int r, round;
	size_t steps = 0;
	struct plan_counts total = { 0, 0, 0 };
	struct interrupt intr = { .blocked = false };

	r = cmd_parse(argc, argv, OPT_JSON | OPT_NO_WAIT | OPT_ADOPT | OPT_WAIT | OPT_NODE,
		      "apply [--no-wait] [--wait S] [--adopt] [--json] [-q] [-v] [--no-color] [--node N] FILE", &opts);
	if (r)
		return r;
	r = session_open(&s, &opts, true);
	if (r == 0)
		r = session_lock(&s);
	if (r == 0)
		r = state_merge_locked(&s);
	if (r == 0) {
		/* From here a signal stops the run between steps (after the lock:
		 * waiting for it stays interruptible). */
		interrupt_block(&intr);
		eo.stop = interrupt_requested;
		eo.stop_arg = &intr;
		backend_set_stop(s.b, interrupt_requested, &intr);
		r = session_diff(&s, &s.desired, false);
	}
	if (r)
		goto out;
	if (!plan_pending(&s.diff.plan)) {
		if (opts.json)
			json_end(json_pack("{s:{s:[],s:i,s:i,s:i},s:b,s:i}", "plan", "steps", "add", 0, "change", 0,
					   "remove", 0, "applied", 1, "steps", 0));
		else if (!opts.quiet)
			printf("no changes: topology %s is converged\n", s.desired.name);
		/* Keep the record in step with the file (an attached namespace added, say). */
		session_forget_observed(&s);
		r = state_record_result(&s) < 0 ? fail("cannot write the state file") : EXIT_OK;
		goto out;
	}
	if (topo_state_copy(&s.state, &before) < 0) {
		r = fail("out of memory");
		goto out;
	}

	eo.fail_at = env_ulong("TOPO_FAIL_AT_STEP");
	hooks.kill_at = env_ulong("TOPO_KILL_AT_STEP");
	hooks.delay_ms = env_ulong("TOPO_STEP_DELAY_MS");
	if (hooks.kill_at || hooks.delay_ms) {
		eo.before_step = before_step;
		eo.arg = &hooks;
	}
	backend_set_state(s.b, &s.state);

	for (round = 0; round < APPLY_ROUNDS && plan_pending(&s.diff.plan); round++) {
		struct plan_counts c = plan_count(&s.diff.plan);
		size_t n = 0;

		for (size_t i = 0; i < s.diff.plan.n; i++)
			n += !s.diff.plan.steps[i].implicit;
		eo.progress = n > 200 && isatty(STDERR_FILENO) && !opts.quiet ? progress_line : NULL;
		if (opts.json && round == 0) {
			/* The first plan; later rounds only add to the totals. */
			jdoc = json_object();
			if (topo_json_set(jdoc, "plan", plan_json(&s.diff.plan)) < 0) {
				r = fail("out of memory");
				goto out;
			}
		} else if (!opts.json && !opts.quiet)
			plan_print(&s.diff.plan, stdout, opts.color);
		fflush(stdout);
		if (state_record_intent(&s, &s.diff.plan) < 0) {
			r = fail("cannot write the state file %s/%s.json", s.state_dir, s.desired.name);
			goto rollback;
		}
		eo.executed_before = steps;
		r = plan_execute(&s.diff.plan, &backend_exec_ops, s.b, &eo, &journal, &rep);
		steps += rep.executed;
		if (r < 0 && rep.interrupted) {
			fprintf(stderr, "%s: interrupted by %s after %lu steps (the rest not started); rolling back\n", topo_prog,
				interrupt_name(&intr), eo.executed_before + (unsigned long)rep.executed);
			if (jdoc) {
				json_object_set_new(jdoc, "applied", json_false());
				json_object_set_new(jdoc, "interrupted", json_string(interrupt_name(&intr)));
				json_object_set_new(jdoc, "rolled_back", json_true());
				json_end(jdoc);
				jdoc = NULL;
			}
			goto rollback;
		}
		if (r < 0) {
			if (rep.failed) {
				fprintf(stderr, "%s: error: step %lu failed: %s: %s\n", topo_prog,
					eo.executed_before + (unsigned long)rep.executed, rep.step, rep.msg);
				if (jdoc) {
					json_object_set_new(jdoc, "applied", json_false());
					json_object_set_new(jdoc, "failed_step", topo_json_bytes(rep.step));
					json_object_set_new(jdoc, "error", topo_json_bytes(rep.msg));
					json_object_set_new(jdoc, "rolled_back", json_true());
					json_end(jdoc);
					jdoc = NULL;
				}
				if (rep.pos.line)
					fprintf(stderr, "%s:%u:%u: declared here\n", s.desired.file, rep.pos.line, rep.pos.col);
			} else {
				fprintf(stderr, "%s: error: %s\n", topo_prog, strerror(-r));
			}
			goto rollback;
		}
		total.add += c.add;
		total.change += c.change;
		total.remove += c.remove;
		/* Verify: the kernel must now match the file. Read again is what
		 * the steps done can have changed (a one-address edit of a lab of
		 * a thousand namespaces reads one). */
		r = session_diff_after(&s, &s.desired, &journal);
		if (r)
			goto rollback;
	}
	if (plan_pending(&s.diff.plan)) {
		fprintf(stderr, "%s: error: the kernel did not converge after %d rounds; still different:\n",
			topo_prog, APPLY_ROUNDS);
		plan_print(&s.diff.plan, stderr, false);
		goto rollback;
	}
	session_forget_observed(&s);
	if (state_record_result(&s) < 0) {
		r = fail("cannot write the state file %s/%s.json", s.state_dir, s.desired.name);
		goto out;
	}
	/* Return when the lab carries traffic; not ready in time is a warning. */
	if (opts.wait_ms != 0 &&
	    backend_wait_ready(s.b, &s.desired, &journal, opts.wait_ms < 0 ? APPLY_READY_MS : opts.wait_ms) < 0)
		fprintf(stderr, "%s: warning: not ready after %.1f s: %s\n", topo_prog,
			(opts.wait_ms < 0 ? APPLY_READY_MS : opts.wait_ms) / 1000.0, backend_error(s.b));
	if (jdoc) {
		json_object_set_new(jdoc, "applied", json_true());
		json_object_set_new(jdoc, "add", json_integer((json_int_t)total.add));
		json_object_set_new(jdoc, "change", json_integer((json_int_t)total.change));
		json_object_set_new(jdoc, "remove", json_integer((json_int_t)total.remove));
		json_object_set_new(jdoc, "steps", json_integer((json_int_t)steps));
		json_object_set_new(jdoc, "ms", json_real((double)(long long)((now_ms() - t0) * 10 + 0.5) / 10));
		json_end(jdoc);
		jdoc = NULL;
	} else if (!opts.quiet)
		printf("applied: %zu added, %zu changed, %zu removed (%zu steps, %.0f ms)\n", total.add,
		       total.change, total.remove, steps, now_ms() - t0);
	r = EXIT_OK;
	goto out;

rollback:;
	struct rollback_report rb;

	plan_rollback(&journal, &backend_exec_ops, s.b, &rb);
	if (rb.failed)
		fprintf(stderr, "%s: error: rollback: %zu of %zu steps could not be undone; first: %s\n", topo_prog,
			rb.failed, rb.failed + rb.undone, rb.first_error);
	else
		fprintf(stderr, "%s: rolled back: %zu steps undone, the kernel is as it was\n", topo_prog, rb.undone);
	/* The record goes back to what it was, including not being there. */
	if ((s.have_state ? state_save(s.state_dir, &before) : state_remove(s.state_dir, s.desired.name)) < 0)
		fprintf(stderr, "%s: error: cannot restore the state file\n", topo_prog);
	r = EXIT_ERROR;
	if (jdoc) {
		json_object_set_new(jdoc, "applied", json_false());
		json_object_set_new(jdoc, "rolled_back", json_true());
		json_end(jdoc);
		jdoc = NULL;
	}
out:
	json_decref(jdoc);   /* a run that ended before its outcome: no document */
	plan_free(&journal);
	topo_state_free(&before);
	session_close(&s);
	interrupt_end(&intr);   /* interrupted: dies of the signal, rolled back */
	return r;
}
