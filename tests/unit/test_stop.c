// SPDX-License-Identifier: MIT
/*
 * Interruption (exec_opts.stop, and a backend that stops inside a batch):
 * the run ends as an interrupted failure, and the journal holds exactly the
 * steps that were done, so a rollback undoes those and nothing else.
 */
#include "tests/unit/fixtures.h"

#include "reconcile/exec.h"

struct fake {
	size_t ran;                  /* steps the "kernel" did */
	size_t cancel_after;         /* inside a batch: steps after this many are not run; 0 = never */
	size_t batches;
};

static int fake_run(void *ctx, struct step **steps, size_t n, int *errs, const char **msgs)
{
	struct fake *f = ctx;

	(void)steps;
	f->batches++;
	for (size_t i = 0; i < n; i++) {
		if (f->cancel_after && f->ran >= f->cancel_after) {
			errs[i] = -ECANCELED;
			msgs[i] = "not run: interrupted";
			continue;
		}
		errs[i] = 0;
		f->ran++;
	}
	return 0;
}

static const struct exec_ops fake_ops = { .run = fake_run };

struct stopper {
	size_t asked, stop_at;       /* true from the stop_at-th question on (1-based) */
};

static bool stop_cb(void *arg)
{
	struct stopper *s = arg;

	return ++s->asked >= s->stop_at;
}

/* Three namespaces, then a link in each: two phases of three steps. */
static void two_phase_plan(struct plan *p)
{
	memset(p, 0, sizeof(*p));
	for (int phase = 0; phase < 2; phase++)
		for (int i = 0; i < 3; i++) {
			struct step s;

			memset(&s, 0, sizeof(s));
			s.op = phase ? STEP_LINK_ADD : STEP_NETNS_ADD;
			s.phase = phase ? PHASE_LINK_ADD : PHASE_NETNS_ADD;
			s.id = (unsigned)p->n + 1;
			snprintf(s.ns, sizeof(s.ns), "n%d", i);
			fx_step_body(&s);
			if (phase) {
				topo_iface_init(&s.lk->link);
				snprintf(s.lk->link.name, sizeof(s.lk->link.name), "br0");
				fx_set_type(&s.lk->link, TOPO_IF_BRIDGE);
			}
			assert_int_equal(plan_append(p, &s), 0);
		}
}

static void test_stop_before_anything(void **state)
{
	struct plan p, journal = { 0 };
	struct fake f = { 0 };
	struct stopper st = { .stop_at = 1 };
	struct exec_opts eo = { .stop = stop_cb, .stop_arg = &st };
	struct exec_report rep;

	(void)state;
	two_phase_plan(&p);
	assert_int_equal(plan_execute(&p, &fake_ops, &f, &eo, &journal, &rep), -ECANCELED);
	assert_true(rep.failed);
	assert_true(rep.interrupted);
	assert_int_equal(rep.executed, 0);
	assert_int_equal(f.batches, 0);
	assert_int_equal(journal.n, 0);
	plan_free(&p);
	plan_free(&journal);
}

static void test_stop_between_batches(void **state)
{
	struct plan p, journal = { 0 };
	struct fake f = { 0 };
	struct stopper st = { .stop_at = 2 };
	struct exec_opts eo = { .stop = stop_cb, .stop_arg = &st };
	struct exec_report rep;
	struct rollback_report rb;

	(void)state;
	two_phase_plan(&p);
	assert_int_equal(plan_execute(&p, &fake_ops, &f, &eo, &journal, &rep), -ECANCELED);
	assert_true(rep.interrupted);
	assert_int_equal(rep.executed, 3);
	assert_int_equal(f.ran, 3);
	assert_int_equal(journal.n, 3);
	for (size_t i = 0; i < journal.n; i++)
		assert_int_equal(journal.steps[i].op, STEP_NETNS_ADD);
	/* The rollback undoes the three namespaces, and only them. */
	f.ran = 0;
	assert_int_equal(plan_rollback(&journal, &fake_ops, &f, &rb), 0);
	assert_int_equal(rb.undone, 3);
	assert_int_equal(rb.failed, 0);
	plan_free(&p);
	plan_free(&journal);
}

static void test_stop_inside_a_batch(void **state)
{
	struct plan p, journal = { 0 };
	struct fake f = { .cancel_after = 4 };
	struct exec_report rep;

	(void)state;
	two_phase_plan(&p);
	assert_int_equal(plan_execute(&p, &fake_ops, &f, NULL, &journal, &rep), -ECANCELED);
	assert_true(rep.failed);
	assert_true(rep.interrupted);
	/* Steps not run are not counted as executed, nor journaled. */
	assert_int_equal(rep.executed, 4);
	assert_int_equal(journal.n, 4);
	assert_int_equal(journal.steps[3].op, STEP_LINK_ADD);
	assert_string_equal(rep.msg, "not run: interrupted");
	plan_free(&p);
	plan_free(&journal);
}

static void test_no_stop_runs_all(void **state)
{
	struct plan p, journal = { 0 };
	struct fake f = { 0 };
	struct stopper st = { .stop_at = 100 };
	struct exec_opts eo = { .stop = stop_cb, .stop_arg = &st };
	struct exec_report rep;

	(void)state;
	two_phase_plan(&p);
	assert_int_equal(plan_execute(&p, &fake_ops, &f, &eo, &journal, &rep), 0);
	assert_false(rep.failed);
	assert_false(rep.interrupted);
	assert_int_equal(journal.n, 6);
	assert_int_equal(st.asked, 2);   /* once per batch */
	plan_free(&p);
	plan_free(&journal);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stop_before_anything),
		cmocka_unit_test(test_stop_between_batches),
		cmocka_unit_test(test_stop_inside_a_batch),
		cmocka_unit_test(test_no_stop_runs_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
