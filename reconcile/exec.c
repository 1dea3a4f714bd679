// SPDX-License-Identifier: MIT
#include "reconcile/exec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/strmap.h"

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

/*
 * Moves the steps the kernel did from plan to the end of journal, in plan
 * order, and frees the others: the plan is left empty. Moving, not copying:
 * a plan of 10,000 steps is tens of megabytes, and the journal is the only
 * one of the two anyone reads after the run (a second round diffs again).
 */
static int journal_take_done(struct plan *plan, const bool *ok, struct plan *journal)
{
	unsigned max_id = 0;
	unsigned *index_of_id;
	bool *done;
	size_t n_done = 0;
	struct step *v;

	for (size_t i = 0; i < plan->n; i++)
		if (plan->steps[i].id > max_id)
			max_id = plan->steps[i].id;
	index_of_id = malloc((max_id + 1) * sizeof(*index_of_id));
	done = calloc(plan->n + 1, sizeof(*done));
	if (!index_of_id || !done) {
		free(index_of_id);
		free(done);
		return -ENOMEM;
	}
	memset(index_of_id, 0xff, (max_id + 1) * sizeof(*index_of_id));
	for (size_t i = 0; i < plan->n; i++)
		index_of_id[plan->steps[i].id] = (unsigned)i;
	/* Decided before anything moves: an implicit step follows its cause. */
	for (size_t i = 0; i < plan->n; i++)
		n_done += done[i] = step_done(plan, ok, i, index_of_id, max_id);
	free(index_of_id);
	if (journal->n == 0 && n_done == plan->n) {
		/* The common case, all done in the first round: the array itself. */
		plan_free(journal);
		*journal = *plan;
		memset(plan, 0, sizeof(*plan));
		free(done);
		return 0;
	}
	v = n_done ? realloc(journal->steps, (journal->n + n_done) * sizeof(*v)) : journal->steps;
	if (n_done && !v) {
		free(done);
		return -ENOMEM;
	}
	journal->steps = v;
	if (n_done)
		journal->cap = journal->n + n_done;
	for (size_t i = 0; i < plan->n; i++) {
		if (done[i])
			journal->steps[journal->n++] = plan->steps[i];
		else
			step_free(&plan->steps[i]);
	}
	free(plan->steps);
	memset(plan, 0, sizeof(*plan));
	free(done);
	return 0;
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
	ret = journal_take_done(plan, ok, journal);
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

/* ------------------------------------------------------------ rollback -- */

/*
 * The order of a rollback. Undoing newest first is not enough: renumbering
 * replaced a route through a new gateway, then deleted the old address;
 * putting the old route back first fails (its gateway is not reachable yet).
 * So the inverse steps run in the forward plan's phase order, which is
 * dependency-safe (route deletes early, address adds before address deletes,
 * links before what hangs on them, routes late); within a phase, newest
 * first.
 *
 * One exception: a step that acted on a namespace or a link the journal
 * created (an address on a new link, its peer brought up) is undone first,
 * newest first as it was done, while its object is still there: the
 * rollback deletes the object itself a few phases later.
 */
enum { RANK_EARLY = -1 };

/* A journal step's place in the rollback; its inverse is made when it runs
 * (one at a time: a journal of 10,000 steps is not copied whole). */
struct inverse {
	size_t index;                     /* in the journal */
	int rank;                         /* RANK_EARLY or an enum step_phase */
	enum step_phase phase;            /* the inverse step's */
	size_t age;                       /* 0 = the newest journal step */
};

/* The phase the inverse step s would have in a forward plan. */
static int rollback_phase(const struct step *s, bool of_implicit)
{
	char ifname[TOPO_IFNAME_MAX + 1];

	switch (s->op) {
	case STEP_NETNS_ADD: return PHASE_NETNS_ADD;
	case STEP_NETNS_DEL: return PHASE_NETNS_DEL;
	case STEP_LINK_ADD: return PHASE_LINK_ADD;
	case STEP_LINK_DEL: return PHASE_LINK_DEL;
	case STEP_LINK_SET:
		switch (s->attr) {
		case LINK_ATTR_MASTER: return PHASE_MASTER;
		case LINK_ATTR_UP: return PHASE_UP;
		case LINK_ATTR_MTU:
		case LINK_ATTR_MAC:
		case LINK_ATTR_OPT:
		case LINK_ATTR_MARK:
		case LINK_ATTR_SHAPE:
		case LINK_ATTR_ADDR_GEN:
			return PHASE_LINK_ATTR;
		}
		return PHASE_LINK_ATTR;
	case STEP_ADDR_ADD: return PHASE_ADDR_ADD;
	case STEP_ADDR_DEL:
		/* IPv6 before an mtu goes below 1280 and before the same
		 * address comes back with its old prefix length. */
		return s->addr.ip.family == AF_INET6 ? PHASE_ADDR_DEL_GONE : PHASE_ADDR_DEL;
	case STEP_ROUTE_ADD:
	case STEP_ROUTE_REPLACE:
		return PHASE_ROUTE_ADD;
	case STEP_ROUTE_DEL: return PHASE_ROUTE_DEL;
	/* After the link (and its addresses); gone with the link's own. */
	case STEP_FDB_ADD: return PHASE_ROUTE_ADD;
	case STEP_FDB_DEL: return PHASE_ADDR_DEL_GONE;
	case STEP_SYSCTL_SET:
		/* Put back where it was changed: namespace-wide keys before the
		 * links the rollback re-creates (which copy conf.default.*), the
		 * others once those links exist. An explicit write of a key that
		 * sets every interface's forwarding was made before the
		 * per-interface ones and recorded their values after it: it is
		 * undone after them, with them. */
		if (sysctl_key_iface(s->key, ifname))
			return PHASE_SYSCTL_IF;
		if (!of_implicit && sysctl_key_is_global_forwarding(s->key))
			return PHASE_SYSCTL_IF;
		return PHASE_SYSCTL_NS;
	case STEP_NFT_SET:
	case STEP_NFT_RESTORE:
		return PHASE_NFT;
	case STEP_NFT_DEL: return PHASE_NFT_DEL;
	case STEP_OBJ_ADD:
	case STEP_OBJ_REPLACE:
		return PHASE_OBJ_ADD;
	case STEP_OBJ_DEL: return PHASE_OBJ_DEL;
	case STEP_DU_ADD: return PHASE_NFT;
	case STEP_DU_DEL: return PHASE_NFT_DEL;
	}
	return PHASE_COUNT;
}

/* The link a step acts on (named in ifname, or in its sysctl key) into
 * ifname; false for steps that act on no one link. */
static bool step_link(const struct step *s, char *ifname)
{
	switch (s->op) {
	case STEP_LINK_SET:
	case STEP_ADDR_ADD:
	case STEP_ADDR_DEL:
	case STEP_FDB_ADD:
	case STEP_FDB_DEL:
		snprintf(ifname, TOPO_IFNAME_MAX + 1, "%s", s->ifname);
		return true;
	case STEP_SYSCTL_SET:
		return s->key && sysctl_key_iface(s->key, ifname);
	case STEP_OBJ_ADD:
	case STEP_OBJ_DEL:
	case STEP_OBJ_REPLACE:
		if (!s->ob->kind->dev || !s->ob->kind->dev(s->ob->obj.b)[0])
			return false;
		snprintf(ifname, TOPO_IFNAME_MAX + 1, "%s", s->ob->kind->dev(s->ob->obj.b));
		return true;
	default:
		return false;
	}
}

/* The last creation or deletion of each namespace ("ns") and link
 * ("ns/link") seen so far in the journal. */
struct lifecycle {
	struct strmap map;              /* key -> index in the arrays below */
	char **keys;                    /* owned; the map borrows them */
	size_t *when;                   /* journal index of the event */
	bool *created;
	size_t n, cap;
};

static void lifecycle_free(struct lifecycle *lc)
{
	strmap_free(&lc->map);
	for (size_t i = 0; i < lc->n; i++)
		free(lc->keys[i]);
	free(lc->keys);
	free(lc->when);
	free(lc->created);
}

/* The event recorded for (ns, link), link NULL for the namespace; NULL if none. */
static const size_t *lifecycle_get(const struct lifecycle *lc, const char *ns, const char *link, bool *created)
{
	char key[TOPO_NS_NAME_MAX + TOPO_IFNAME_MAX + 2];
	size_t k;

	snprintf(key, sizeof(key), "%s%s%s", ns, link ? "/" : "", link ? link : "");
	if (strmap_get(&lc->map, key, &k) < 0)
		return NULL;
	*created = lc->created[k];
	return &lc->when[k];
}

static int lifecycle_put(struct lifecycle *lc, const char *ns, const char *link, size_t when, bool created)
{
	char *key;
	size_t k;
	int r;

	if (asprintf(&key, "%s%s%s", ns, link ? "/" : "", link ? link : "") < 0)
		return -ENOMEM;
	if (strmap_get(&lc->map, key, &k) == 0) {
		free(key);
		lc->when[k] = when;
		lc->created[k] = created;
		return 0;
	}
	if (lc->n == lc->cap) {
		size_t cap = lc->cap ? 2 * lc->cap : 16;
		char **keys = realloc(lc->keys, cap * sizeof(*keys));
		size_t *w = keys ? realloc(lc->when, cap * sizeof(*w)) : NULL;
		bool *c = w ? realloc(lc->created, cap * sizeof(*c)) : NULL;

		if (keys)
			lc->keys = keys;
		if (w)
			lc->when = w;
		if (!c) {
			free(key);
			return -ENOMEM;
		}
		lc->created = c;
		lc->cap = cap;
	}
	r = strmap_put(&lc->map, key, lc->n);
	if (r < 0) {
		free(key);
		return r;
	}
	lc->keys[lc->n] = key;
	lc->when[lc->n] = when;
	lc->created[lc->n++] = created;
	return 0;
}

/*
 * For each journal step: did it act on something an earlier journal step
 * created? The latest creation or deletion of its namespace, or of its
 * link, before it decides: a replaced link's old addresses were removed
 * before the new link came. One pass, linear in the journal.
 */
static int acts_on_created(const struct plan *journal, bool *ret)
{
	struct lifecycle lc = { 0 };
	int r = 0;

	for (size_t i = 0; i < journal->n && r == 0; i++) {
		const struct step *s = &journal->steps[i];
		char ifname[TOPO_IFNAME_MAX + 1];
		const size_t *ns_when, *link_when = NULL;
		bool ns_created = false, link_created = false;

		ret[i] = false;
		if (s->op == STEP_NETNS_ADD || s->op == STEP_NETNS_DEL) {
			r = lifecycle_put(&lc, s->ns, NULL, i, s->op == STEP_NETNS_ADD);
			continue;
		}
		ns_when = lifecycle_get(&lc, s->ns, NULL, &ns_created);
		if (step_link(s, ifname))
			link_when = lifecycle_get(&lc, s->ns, ifname, &link_created);
		if (link_when && (!ns_when || *link_when > *ns_when))
			ret[i] = link_created;
		else if (ns_when)
			ret[i] = ns_created;
		if (s->op == STEP_LINK_ADD || s->op == STEP_LINK_DEL) {
			r = lifecycle_put(&lc, s->ns, s->lk->link.name, i, s->op == STEP_LINK_ADD);
			if (r == 0 && s->lk->peer.name[0])
				r = lifecycle_put(&lc, s->lk->peer_ns, s->lk->peer.name, i, s->op == STEP_LINK_ADD);
		}
	}
	lifecycle_free(&lc);
	return r;
}

static int inverse_cmp(const void *a, const void *b)
{
	const struct inverse *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->age < y->age ? -1 : x->age > y->age;
}

/* The journal's inverse steps, in the order they must run. */
static int rollback_order(const struct plan *journal, struct inverse **ret, size_t *ret_n)
{
	struct inverse *v = calloc(journal->n + 1, sizeof(*v));
	bool *early = calloc(journal->n + 1, sizeof(*early));
	size_t n = 0;
	int r = v && early ? acts_on_created(journal, early) : -ENOMEM;

	for (size_t i = journal->n; r == 0 && i-- > 0;) {
		struct step inv;

		r = step_invert(&journal->steps[i], &inv);
		if (r == 1) {
			r = 0;
			continue;
		}
		if (r < 0)
			break;
		v[n].index = i;
		v[n].age = journal->n - 1 - i;
		v[n].rank = early[i] ? RANK_EARLY : rollback_phase(&inv, journal->steps[i].implicit);
		v[n].phase = v[n].rank == RANK_EARLY ? journal->steps[i].phase : (enum step_phase)v[n].rank;
		step_free(&inv);
		n++;
	}
	free(early);
	if (r < 0) {
		free(v);
		return r;
	}
	qsort(v, n, sizeof(*v), inverse_cmp);
	*ret = v;
	*ret_n = n;
	return 0;
}

int plan_rollback(struct plan *journal, const struct exec_ops *ops, void *ctx, struct rollback_report *rep)
{
	struct inverse *v;
	size_t n;
	int r;

	memset(rep, 0, sizeof(*rep));
	r = rollback_order(journal, &v, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct step inv;
		struct step *one = &inv;
		int err = 0;
		const char *msg = NULL;

		/* The same inverse rollback_order ranked (step_invert is pure). */
		r = step_invert(&journal->steps[v[i].index], &inv);
		if (r < 0) {
			err = r;
			if (!rep->failed)
				snprintf(rep->first_error, sizeof(rep->first_error), "%s", strerror(-err));
			rep->failed++;
			continue;
		}
		inv.phase = v[i].phase;
		/* The kernel redoes some side effects itself when the cause is
		 * undone; the backend treats "already there" as done. */
		r = ops->run(ctx, &one, 1, &err, &msg);
		if (r < 0 && !err)
			err = r;
		if (err) {
			if (!rep->failed) {
				char line[400];

				step_format(one, line, sizeof(line));
				snprintf(rep->first_error, sizeof(rep->first_error), "%s: %s", line,
					 msg ? msg : strerror(-err));
			}
			rep->failed++;
		} else {
			rep->undone++;
		}
		step_free(&inv);
	}
	free(v);
	return 0;
}
