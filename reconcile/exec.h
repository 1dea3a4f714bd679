/* SPDX-License-Identifier: MIT */
/*
 * Running a plan, and undoing it. Pure: the kernel is reached through an ops
 * table (the backends' executor, or an in-memory fake in unit tests).
 *
 * Steps run phase by phase; within a phase the backend may pipeline them.
 * Every step that succeeded moves to a journal (with what the backend learnt
 * while doing it: the sysctl value it overwrote, the nft table it replaced).
 * When a step fails, the journal is inverted step by step, in the order a
 * forward plan would run the inverse steps (see plan_rollback).
 */
#ifndef TOPO_RECONCILE_EXEC_H
#define TOPO_RECONCILE_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "reconcile/plan.h"

struct exec_ops {
	/*
	 * Executes steps[0..n) in this order; sets errs[i] to 0 or -errno and,
	 * for a failure, msgs[i] to what went wrong (valid until the next call).
	 * May fill in steps' old_value / nft_saved. Returns 0, or -errno when
	 * the batch could not be run at all (then errs are all set).
	 */
	int (*run)(void *ctx, struct step **steps, size_t n, int *errs, const char **msgs);
};

struct exec_opts {
	/* Fault injection: the Kth step executed (1-based, over the whole run)
	 * fails as if the kernel refused it; 0 = never. */
	unsigned long fail_at;
	/* Called before the Kth step is executed (tests kill the process there). */
	void (*before_step)(unsigned long k, const struct step *s, void *arg);
	void *arg;
	/* Steps executed before this run (a second converge round continues the count). */
	unsigned long executed_before;
	/* Called after each batch with the steps done and the plan's total. */
	void (*progress)(unsigned long done, unsigned long total, const struct step *last, void *arg);
	void *progress_arg;
	/* Asked before each batch: true = stop here (a signal asked to); the
	 * run ends as a failure with -ECANCELED and report.interrupted. A
	 * backend may stop inside a batch too: a step it did not run fails
	 * with -ECANCELED. */
	bool (*stop)(void *arg);
	void *stop_arg;
};

struct exec_report {
	unsigned long executed;           /* steps executed by this call */
	bool failed;
	bool interrupted;                 /* stopped by opts.stop, not by a failing step */
	int err;
	char step[512];                   /* the failing step, formatted */
	char msg[512];                    /* the kernel's (or injector's) message */
	struct topo_pos pos;              /* the failing step's declaration */
};

/* Runs plan; moves what was done to the end of *journal and frees the rest
 * (the plan is left empty, unless out of memory before the end). 0 on
 * success, -errno of the first failing step (the report says which),
 * -ENOMEM. */
int plan_execute(struct plan *plan, const struct exec_ops *ops, void *ctx,
		 const struct exec_opts *opts, struct plan *journal, struct exec_report *rep);

struct rollback_report {
	size_t undone;
	size_t failed;
	char first_error[512];
};

/* Undoes the journal; keeps going past failures. The inverse steps run in
 * the forward plan's phase order (route deletes early, links before what
 * hangs on them, address adds before address deletes, routes late), newest
 * first within a phase; what acted on an object the journal created is
 * undone first, newest first, before the object goes. */
int plan_rollback(struct plan *journal, const struct exec_ops *ops, void *ctx, struct rollback_report *rep);

#endif
