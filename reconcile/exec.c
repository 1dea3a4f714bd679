// SPDX-License-Identifier: MIT
#include "reconcile/exec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int step_copy(const struct step *s, struct step *ret)
{
	*ret = *s;
	ret->key = ret->value = ret->old_value = ret->detail = NULL;
	ret->nft_saved = NULL;
	ret->waits = NULL;
	ret->n_waits = 0;
	if ((s->key && !(ret->key = strdup(s->key))) || (s->value && !(ret->value = strdup(s->value))) ||
	    (s->old_value && !(ret->old_value = strdup(s->old_value))))
		goto oom;
	if (s->nft_saved_len) {
		ret->nft_saved = malloc(s->nft_saved_len);
		if (!ret->nft_saved)
			goto oom;
		memcpy(ret->nft_saved, s->nft_saved, s->nft_saved_len);
	}
	return 0;
oom:
	step_free(ret);
	return -ENOMEM;
}

/*
 * Did the kernel do this step? An explicit step did if it ran without error;
 * an implicit one if the step causing it did (following the chain: a bridge
 * implicitly deleted with its namespace takes its addresses with it).
 */
static bool step_done(const struct plan *plan, const bool *ok, size_t i, const unsigned *index_of_id,
		      unsigned max_id)
{
	for (int hops = 0; hops < 8; hops++) {
		const struct step *s = &plan->steps[i];

		if (!s->implicit)
			return ok[i];
		if (!s->parent || s->parent > max_id || index_of_id[s->parent] == (unsigned)-1)
			return false;
		i = index_of_id[s->parent];
	}
	return false;
}

static int journal_add_done(struct plan *plan, const bool *ok, struct plan *journal)
{
	unsigned max_id = 0;
	unsigned *index_of_id;
	int r = 0;

	for (size_t i = 0; i < plan->n; i++)
		if (plan->steps[i].id > max_id)
			max_id = plan->steps[i].id;
	index_of_id = malloc((max_id + 1) * sizeof(*index_of_id));
	if (!index_of_id)
		return -ENOMEM;
	memset(index_of_id, 0xff, (max_id + 1) * sizeof(*index_of_id));
	for (size_t i = 0; i < plan->n; i++)
		index_of_id[plan->steps[i].id] = (unsigned)i;
	for (size_t i = 0; i < plan->n && r == 0; i++) {
		struct step copy;

		if (!step_done(plan, ok, i, index_of_id, max_id))
			continue;
		r = step_copy(&plan->steps[i], &copy);
		if (r == 0) {
			r = plan_append(journal, &copy);
			if (r < 0)
				step_free(&copy);
		}
	}
	free(index_of_id);
	return r;
}

int plan_execute(struct plan *plan, const struct exec_ops *ops, void *ctx,
		 const struct exec_opts *opts, struct plan *journal, struct exec_report *rep)
{
	struct step **batch = NULL;
	int *errs = NULL;
	const char **msgs = NULL;
	bool *ok = NULL;
	size_t *where = NULL;
	unsigned long k = opts ? opts->executed_before : 0;
	int ret = 0;

	unsigned long total = 0;

	memset(rep, 0, sizeof(*rep));
	if (!plan->n)
		return 0;
	for (size_t i = 0; i < plan->n; i++)
		total += !plan->steps[i].implicit;
	batch = calloc(plan->n, sizeof(*batch));
	errs = calloc(plan->n, sizeof(*errs));
	msgs = calloc(plan->n, sizeof(*msgs));
	ok = calloc(plan->n, sizeof(*ok));
	where = calloc(plan->n, sizeof(*where));
	if (!batch || !errs || !msgs || !ok || !where) {
		ret = -ENOMEM;
		goto out;
	}

	for (size_t i = 0; i < plan->n && !rep->failed;) {
		enum step_phase phase = plan->steps[i].phase;
		bool watching = opts && opts->before_step;
		bool inject = false;
		size_t n = 0, j = i;

		/* One phase at a time; cut short where a test injects a failure or
		 * watches each step. j ends just past the last step considered. */
		while (j < plan->n && plan->steps[j].phase == phase) {
			if (plan->steps[j].implicit) {
				j++;
				continue;
			}
			if (n > 0 && watching)
				break;
			if (opts && opts->fail_at && k + n + 1 == opts->fail_at) {
				if (n > 0)
					break;
				inject = true;
				where[n] = j;
				batch[n++] = &plan->steps[j++];
				break;
			}
			where[n] = j;
			batch[n++] = &plan->steps[j++];
		}
		if (opts && opts->stop && opts->stop(opts->stop_arg)) {
			rep->failed = rep->interrupted = true;
			rep->err = -ECANCELED;
			step_format(&plan->steps[i], rep->step, sizeof(rep->step));
			snprintf(rep->msg, sizeof(rep->msg), "not run: interrupted");
			break;
		}
		i = j;
		if (n == 0)
			continue;
		if (watching)
			opts->before_step(k + 1, batch[0], opts->arg);
		for (size_t b = 0; b < n; b++) {
			errs[b] = 0;
			msgs[b] = NULL;
		}
		if (inject) {
			errs[0] = -EPERM;
			msgs[0] = "injected failure (TOPO_FAIL_AT_STEP)";
		} else {
			int r = ops->run(ctx, batch, n, errs, msgs);

			for (size_t b = 0; r < 0 && b < n; b++)
				if (!errs[b])
					errs[b] = r;
		}
		for (size_t b = 0; b < n; b++) {
			/* Not run (interrupted): not counted as executed either. */
			if (errs[b] != -ECANCELED) {
				k++;
				rep->executed++;
			}
			if (errs[b] == 0) {
				ok[where[b]] = true;
				continue;
			}
			if (!rep->failed) {
				rep->failed = true;
				rep->interrupted = errs[b] == -ECANCELED;
				rep->err = errs[b];
				rep->pos = batch[b]->pos;
				step_format(batch[b], rep->step, sizeof(rep->step));
				snprintf(rep->msg, sizeof(rep->msg), "%s", msgs[b] ? msgs[b] : strerror(-errs[b]));
			}
		}
		if (opts && opts->progress)
			opts->progress(rep->executed, total, batch[n - 1], opts->progress_arg);
	}
	ret = journal_add_done(plan, ok, journal);
	if (ret == 0 && rep->failed)
		ret = rep->err < 0 ? rep->err : -EIO;
out:
	free(batch);
	free(errs);
	free(msgs);
	free(ok);
	free(where);
	return ret;
}

int plan_rollback(struct plan *journal, const struct exec_ops *ops, void *ctx, struct rollback_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	for (size_t i = journal->n; i-- > 0;) {
		struct step inv, *one = &inv;
		int err = 0, r;
		const char *msg = NULL;

		r = step_invert(&journal->steps[i], &inv);
		if (r == 1)
			continue;
		if (r < 0)
			return r;
		/* The kernel redoes some side effects itself when the cause is
		 * undone; the backend treats "already there" as done. */
		r = ops->run(ctx, &one, 1, &err, &msg);
		if (r < 0 && !err)
			err = r;
		if (err) {
			if (!rep->failed) {
				char line[400];

				step_format(&inv, line, sizeof(line));
				snprintf(rep->first_error, sizeof(rep->first_error), "%s: %s", line,
					 msg ? msg : strerror(-err));
			}
			rep->failed++;
		} else {
			rep->undone++;
		}
		step_free(&inv);
	}
	return 0;
}
