// SPDX-License-Identifier: MIT
/*
 * plan_execute and plan_rollback through fake ops tables: a recorder (which
 * steps reach the "kernel", in which batches, in which order; faults on
 * demand), and an in-memory kernel that applies steps to an observed model
 * the way Linux would (a link takes its addresses, routes and ports' master
 * along; a namespace takes its links and their veth peers), so that a plan
 * from topo_diff can be executed, failed at any step, rolled back and
 * compared with the kernel it started from.
 */
#include "tests/unit/fixtures.h"

#include "reconcile/exec.h"

/* ------------------------------------------------------------ recorder -- */

struct rec {
	char log[128][300];
	size_t n;
	size_t batches;
	size_t batch_size[64];
	unsigned long fail_call;     /* 1-based over all steps run; 0 = never */
	int fail_err;
	const char *fail_msg;        /* NULL: let plan_execute use strerror */
	int batch_ret;               /* whole-batch failure (errs left 0) */
	bool fill_sysctl_old;        /* act like the backend: remember the old value */
};

static int rec_run(void *ctx, struct step **steps, size_t n, int *errs, const char **msgs)
{
	struct rec *r = ctx;

	if (r->batches < 64)
		r->batch_size[r->batches] = n;
	r->batches++;
	if (r->batch_ret)
		return r->batch_ret;
	for (size_t i = 0; i < n; i++) {
		assert_true(r->n < 128);
		assert_false(steps[i]->implicit);
		step_format(steps[i], r->log[r->n], sizeof(r->log[0]));
		r->n++;
		if (r->fail_call && r->n == r->fail_call) {
			errs[i] = r->fail_err;
			msgs[i] = r->fail_msg;
			continue;
		}
		if (r->fill_sysctl_old && steps[i]->op == STEP_SYSCTL_SET && !steps[i]->old_value)
			steps[i]->old_value = strdup("0");
	}
	return 0;
}

static const struct exec_ops rec_ops = { .run = rec_run };

/* Appends a step; ids in order of appending. */
static char *dup_or_null(const char *v)
{
	char *c = v ? strdup(v) : NULL;

	assert_true(!v || c);
	return c;
}

/* plan_execute moves the plan into the journal; the tests run a copy, so
 * they can read the plan after and run it again. */
static int execute_copy(const struct plan *p, const struct exec_ops *ops, void *ctx,
			const struct exec_opts *opts, struct plan *journal, struct exec_report *rep)
{
	struct plan c = { 0 };
	int r;

	for (size_t i = 0; i < p->n; i++) {
		struct step s = p->steps[i];

		bool nft = s.op == STEP_NFT_SET || s.op == STEP_NFT_DEL || s.op == STEP_NFT_RESTORE;

		/* The union's pointers are those of the step's op (struct step). */
		if (s.op == STEP_SYSCTL_SET) {
			s.key = dup_or_null(s.key);
			s.value = dup_or_null(s.value);
			s.old_value = dup_or_null(s.old_value);
		}
		s.detail = dup_or_null(s.detail);
		if (nft) {
			s.nf->nftx_saved = dup_or_null(s.nf->nftx_saved);
			s.nf->nft_saved = NULL;
		}
		if (nft && p->steps[i].nf->nft_saved_len) {
			s.nf->nft_saved = malloc(s.nf->nft_saved_len);
			assert_non_null(s.nf->nft_saved);
			memcpy(s.nf->nft_saved, p->steps[i].nf->nft_saved, s.nf->nft_saved_len);
		}
		if (s.body) {
			s.body = malloc(FX_STEP_BODY_MAX);
			assert_non_null(s.body);
			memcpy(s.body, p->steps[i].body, step_body_size(s.op));
			if (s.op == STEP_ROUTE_ADD || s.op == STEP_ROUTE_DEL || s.op == STEP_ROUTE_REPLACE)
				assert_int_equal(topo_route_copy(&s.rt->route, &p->steps[i].rt->route), 0);
			if (s.op == STEP_ROUTE_REPLACE)
				assert_int_equal(topo_route_copy(&s.rt->old_route[0], &p->steps[i].rt->old_route[0]), 0);
			if (s.op == STEP_LINK_ADD || s.op == STEP_LINK_DEL) {
				assert_int_equal(topo_iface_copy_link(&s.lk->link, &p->steps[i].lk->link), 0);
				assert_int_equal(topo_iface_copy_link(&s.lk->peer, &p->steps[i].lk->peer), 0);
			}
		}
		if (s.op == STEP_NETNS_DEL)
			s.waits = NULL;
		if (s.op == STEP_NETNS_DEL && p->steps[i].n_waits) {
			s.waits = calloc(s.n_waits, sizeof(*s.waits));
			assert_non_null(s.waits);
			memcpy(s.waits, p->steps[i].waits, s.n_waits * sizeof(*s.waits));
		}
		assert_int_equal(plan_append(&c, &s), 0);
	}
	r = plan_execute(&c, ops, ctx, opts, journal, rep);
	assert_int_equal(c.n, 0);      /* moved or freed, whatever happened */
	plan_free(&c);
	return r;
}

static struct step *push(struct plan *p, enum step_op op, enum step_phase phase, const char *ns)
{
	struct step s;

	memset(&s, 0, sizeof(s));
	s.op = op;
	s.phase = phase;
	s.id = (unsigned)p->n + 1;
	snprintf(s.ns, sizeof(s.ns), "%s", ns);
	fx_step_body(&s);
	assert_int_equal(plan_append(p, &s), 0);
	return &p->steps[p->n - 1];
}

/* netns add web; link add br0 in it; address; route; sysctl; nft. */
static void creation_plan(struct plan *p)
{
	struct step *s;

	memset(p, 0, sizeof(*p));
	push(p, STEP_NETNS_ADD, PHASE_NETNS_ADD, "web");
	s = push(p, STEP_LINK_ADD, PHASE_LINK_ADD, "web");
	topo_iface_init(&s->lk->link);
	snprintf(s->lk->link.name, sizeof(s->lk->link.name), "br0");
	fx_set_type(&s->lk->link, TOPO_IF_BRIDGE);
	s->pos = (struct topo_pos){ 5, 7 };
	s = push(p, STEP_ADDR_ADD, PHASE_ADDR_ADD, "web");
	snprintf(s->ifname, sizeof(s->ifname), "br0");
	s->addr.ip = fx_ip("10.0.0.1/24");
	s = push(p, STEP_ADDR_ADD, PHASE_ADDR_ADD, "web");
	snprintf(s->ifname, sizeof(s->ifname), "br0");
	s->addr.ip = fx_ip("10.0.1.1/24");
	s = push(p, STEP_ROUTE_ADD, PHASE_ROUTE_ADD, "web");
	s->rt->route.dst.family = AF_INET;
	s->rt->route.via = fx_ip("10.0.0.254");
	s->rt->route.table = TOPO_TABLE_MAIN;
	s = push(p, STEP_SYSCTL_SET, PHASE_SYSCTL_NS, "web");
	s->key = strdup("net.ipv4.ip_forward");
	s->value = strdup("1");
	s = push(p, STEP_NFT_SET, PHASE_NFT, "web");
	snprintf(s->table, sizeof(s->table), "topo-t");
	s->pos = (struct topo_pos){ 9, 9 };
}

static void assert_log(const struct rec *r, const char *const *want, size_t n)
{
	for (size_t i = 0; i < r->n && i < n; i++)
		if (strcmp(r->log[i], want[i]) != 0)
			print_message("step %zu: got '%s', wanted '%s'\n", i + 1, r->log[i], want[i]);
	assert_int_equal(r->n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(r->log[i], want[i]);
}
#define ASSERT_LOG(r, ...) assert_log((r), (const char *const[]){ __VA_ARGS__ }, \
	sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

static const char *const creation_text[] = {
	"+ netns add web",
	"+ link add br0 type bridge netns web",
	"+ address add 10.0.0.1/24 dev br0 netns web",
	"+ address add 10.0.1.1/24 dev br0 netns web",
	"+ route add default via 10.0.0.254 netns web",
	"~ sysctl net.ipv4.ip_forward=1 netns web",
	"+ nft table inet topo-t netns web",
};

static void test_execute_all(void **state)
{
	struct plan p, j = { 0 };
	struct rec r = { 0 };
	struct exec_report rep;

	(void)state;
	creation_plan(&p);
	assert_int_equal(execute_copy(&p, &rec_ops, &r, NULL, &j, &rep), 0);
	assert_log(&r, creation_text, 7);
	/* One batch per phase, both addresses in one. */
	assert_int_equal(r.batches, 6);
	assert_int_equal(r.batch_size[2], 2);
	assert_false(rep.failed);
	assert_int_equal(rep.executed, 7);
	assert_int_equal(j.n, 7);
	for (size_t i = 0; i < j.n; i++) {
		assert_int_equal(j.steps[i].id, p.steps[i].id);
		assert_int_equal(j.steps[i].op, p.steps[i].op);
	}
	/* The journal holds its own copies. */
	assert_ptr_not_equal(j.steps[5].key, p.steps[5].key);
	assert_string_equal(j.steps[5].key, "net.ipv4.ip_forward");
	plan_free(&j);

	/* Run itself, the plan moves into the journal: the same strings, the
	 * plan left empty. */
	{
		char *key = p.steps[5].key;

		memset(&r, 0, sizeof(r));
		assert_int_equal(plan_execute(&p, &rec_ops, &r, NULL, &j, &rep), 0);
		assert_int_equal(p.n, 0);
		assert_null(p.steps);
		assert_int_equal(j.n, 7);
		assert_ptr_equal(j.steps[5].key, key);
		/* A second round appends to it. */
		creation_plan(&p);
		assert_int_equal(plan_execute(&p, &rec_ops, &r, NULL, &j, &rep), 0);
		assert_int_equal(p.n, 0);
		assert_int_equal(j.n, 14);
		assert_int_equal(j.steps[7].id, 1);
		assert_string_equal(j.steps[12].key, "net.ipv4.ip_forward");
		plan_free(&j);
		creation_plan(&p);
	}
	plan_free(&p);

	/* Nothing to do: nothing run. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(execute_copy(&p, &rec_ops, &r, NULL, &j, &rep), 0);
	assert_int_equal(r.batches, 0);
	assert_int_equal(j.n, 0);
}

/* plan_execute keeps the plan's order (topo_diff sorts it by phase) and
 * batches consecutive steps of one phase only. */
static void test_execute_keeps_plan_order(void **state)
{
	struct plan p = { 0 }, j = { 0 };
	struct rec r = { 0 };
	struct exec_report rep;
	struct step *s;

	(void)state;
	s = push(&p, STEP_NETNS_ADD, PHASE_NETNS_ADD, "a");
	s = push(&p, STEP_NETNS_ADD, PHASE_NETNS_ADD, "b");
	s = push(&p, STEP_SYSCTL_SET, PHASE_SYSCTL_NS, "a");
	s->key = strdup("k");
	s->value = strdup("1");
	s = push(&p, STEP_NETNS_ADD, PHASE_NETNS_ADD, "c");
	assert_int_equal(execute_copy(&p, &rec_ops, &r, NULL, &j, &rep), 0);
	ASSERT_LOG(&r, "+ netns add a", "+ netns add b", "~ sysctl k=1 netns a", "+ netns add c");
	assert_int_equal(r.batches, 3);
	plan_free(&p);
	plan_free(&j);
}

static void test_fail_at_and_rollback(void **state)
{
	struct plan p, j = { 0 };
	struct rec r = { .fill_sysctl_old = true };
	struct exec_opts o = { .fail_at = 7 };
	struct exec_report rep;
	struct rollback_report rb;

	(void)state;
	creation_plan(&p);
	assert_int_equal(execute_copy(&p, &rec_ops, &r, &o, &j, &rep), -EPERM);
	/* Six ran; the seventh failed before reaching the kernel. */
	assert_log(&r, creation_text, 6);
	assert_true(rep.failed);
	assert_int_equal(rep.err, -EPERM);
	assert_int_equal(rep.executed, 7);
	assert_string_equal(rep.step, "+ nft table inet topo-t netns web");
	assert_string_equal(rep.msg, "injected failure (TOPO_FAIL_AT_STEP)");
	assert_int_equal(rep.pos.line, 9);
	assert_int_equal(j.n, 6);
	/* The backend filled the value it overwrote: the journal has it. */
	assert_string_equal(j.steps[5].old_value, "0");

	/* Undo, newest first. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(plan_rollback(&j, &rec_ops, &r, &rb), 0);
	ASSERT_LOG(&r,
		   "~ sysctl net.ipv4.ip_forward=0 netns web (was 1)  # rollback",
		   "- route del default via 10.0.0.254 netns web  # rollback",
		   "- address del 10.0.1.1/24 dev br0 netns web  # rollback",
		   "- address del 10.0.0.1/24 dev br0 netns web  # rollback",
		   "- link del br0 netns web  # rollback",
		   "- netns del web  # rollback");
	assert_int_equal(rb.undone, 6);
	assert_int_equal(rb.failed, 0);
	assert_int_equal(r.batches, 6);      /* one step at a time */
	plan_free(&p);
	plan_free(&j);
}

/* Failing the first step: nothing journaled, nothing to undo. A sysctl
 * never written (no old value) is not undone either. */
static void test_fail_at_first_and_unwritten_sysctl(void **state)
{
	struct plan p, j = { 0 };
	struct rec r = { 0 };
	struct exec_opts o = { .fail_at = 1 };
	struct exec_report rep;
	struct rollback_report rb;

	(void)state;
	creation_plan(&p);
	assert_int_equal(execute_copy(&p, &rec_ops, &r, &o, &j, &rep), -EPERM);
	assert_int_equal(r.n, 0);
	assert_int_equal(rep.executed, 1);
	assert_string_equal(rep.step, "+ netns add web");
	assert_int_equal(j.n, 0);
	plan_free(&p);

	/* No old value recorded by this backend: the sysctl is skipped. */
	creation_plan(&p);
	memset(&r, 0, sizeof(r));
	o.fail_at = 7;
	assert_int_equal(execute_copy(&p, &rec_ops, &r, &o, &j, &rep), -EPERM);
	assert_int_equal(j.n, 6);
	memset(&r, 0, sizeof(r));
	assert_int_equal(plan_rollback(&j, &rec_ops, &r, &rb), 0);
	assert_int_equal(rb.undone, 5);
	assert_string_equal(r.log[0], "- route del default via 10.0.0.254 netns web  # rollback");
	plan_free(&p);
	plan_free(&j);
}

/* Implicit steps: never run, journaled only when what causes them was done
 * (following chains), in plan order so that the rollback undoes the cause
 * first. */
static void test_implicit_journal(void **state)
{
	struct plan p = { 0 }, j = { 0 };
	struct rec r = { 0 };
	struct exec_opts o = { .fail_at = 3 };
	struct exec_report rep;
	struct rollback_report rb;
	struct step *s;

	(void)state;
	/* ids: 1 addr(A) 2 addr(B) 3 addr(C, via 6) 4 del A 5 del B 6 del C
	 * (implicit, via 7) 7 netns del x, 8 addr with a parent not in the plan */
	s = push(&p, STEP_ADDR_DEL, PHASE_ADDR_DEL_GONE, "host");
	s->implicit = true, s->parent = 4;
	snprintf(s->ifname, sizeof(s->ifname), "A");
	s->addr.ip = fx_ip("10.0.0.1/24");
	s = push(&p, STEP_ADDR_DEL, PHASE_ADDR_DEL_GONE, "host");
	s->implicit = true, s->parent = 5;
	snprintf(s->ifname, sizeof(s->ifname), "B");
	s->addr.ip = fx_ip("10.0.0.2/24");
	s = push(&p, STEP_ADDR_DEL, PHASE_ADDR_DEL_GONE, "x");
	s->implicit = true, s->parent = 6;
	snprintf(s->ifname, sizeof(s->ifname), "C");
	s->addr.ip = fx_ip("10.0.0.3/24");
	s = push(&p, STEP_LINK_DEL, PHASE_LINK_DEL, "host");
	topo_iface_init(&s->lk->link);
	snprintf(s->lk->link.name, sizeof(s->lk->link.name), "A");
	fx_set_type(&s->lk->link, TOPO_IF_BRIDGE);
	s = push(&p, STEP_LINK_DEL, PHASE_LINK_DEL, "host");
	topo_iface_init(&s->lk->link);
	snprintf(s->lk->link.name, sizeof(s->lk->link.name), "B");
	fx_set_type(&s->lk->link, TOPO_IF_BRIDGE);
	s = push(&p, STEP_LINK_DEL, PHASE_LINK_DEL, "x");
	s->implicit = true, s->parent = 7;
	topo_iface_init(&s->lk->link);
	snprintf(s->lk->link.name, sizeof(s->lk->link.name), "C");
	fx_set_type(&s->lk->link, TOPO_IF_BRIDGE);
	push(&p, STEP_NETNS_DEL, PHASE_NETNS_DEL, "x");
	s = push(&p, STEP_ADDR_DEL, PHASE_ADDR_DEL, "host");
	s->implicit = true, s->parent = 99;

	/* All done: everything but the orphan is journaled. */
	assert_int_equal(execute_copy(&p, &rec_ops, &r, NULL, &j, &rep), 0);
	ASSERT_LOG(&r, "- link del A", "- link del B", "- netns del x");
	assert_int_equal(j.n, 7);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(j.steps[i].id, i + 1);
	plan_free(&j);

	/* The third explicit step (netns del x) fails: C and its address are not
	 * journaled; A, B and theirs are. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(execute_copy(&p, &rec_ops, &r, &o, &j, &rep), -EPERM);
	assert_string_equal(rep.step, "- netns del x");
	assert_int_equal(j.n, 4);
	assert_int_equal(j.steps[0].id, 1);
	assert_int_equal(j.steps[1].id, 2);
	assert_int_equal(j.steps[2].id, 4);
	assert_int_equal(j.steps[3].id, 5);
	memset(&r, 0, sizeof(r));
	assert_int_equal(plan_rollback(&j, &rec_ops, &r, &rb), 0);
	ASSERT_LOG(&r, "+ link add B type bridge  # rollback", "+ link add A type bridge  # rollback",
		   "+ address add 10.0.0.2/24 dev B  # rollback", "+ address add 10.0.0.1/24 dev A  # rollback");
	plan_free(&j);

	/* B fails: only A and its address. */
	memset(&r, 0, sizeof(r));
	o.fail_at = 2;
	assert_int_equal(execute_copy(&p, &rec_ops, &r, &o, &j, &rep), -EPERM);
	assert_int_equal(j.n, 2);
	assert_int_equal(j.steps[0].id, 1);
	assert_int_equal(j.steps[1].id, 4);
	plan_free(&j);
	plan_free(&p);
}

struct seen {
	unsigned long k[16];
	unsigned id[16];
	size_t n;
};

static void watch(unsigned long k, const struct step *s, void *arg)
{
	struct seen *w = arg;

	if (w->n < 16) {
		w->k[w->n] = k;
		w->id[w->n] = s->id;
	}
	w->n++;
}

static void test_before_step_hook(void **state)
{
	struct plan p, j = { 0 };
	struct rec r = { 0 };
	struct seen w = { 0 };
	struct exec_opts o = { .before_step = watch, .arg = &w };
	struct exec_report rep;

	(void)state;
	creation_plan(&p);
	assert_int_equal(execute_copy(&p, &rec_ops, &r, &o, &j, &rep), 0);
	assert_int_equal(w.n, 7);
	for (size_t i = 0; i < 7; i++) {
		assert_int_equal(w.k[i], i + 1);
		assert_int_equal(w.id[i], p.steps[i].id);
	}
	/* Watching: one step per batch, so a kill at K leaves exactly K-1 done. */
	assert_int_equal(r.batches, 7);
	plan_free(&j);

	/* A second round continues the count; fail_at counts over both. */
	memset(&r, 0, sizeof(r));
	memset(&w, 0, sizeof(w));
	o.executed_before = 10;
	o.fail_at = 12;
	assert_int_equal(execute_copy(&p, &rec_ops, &r, &o, &j, &rep), -EPERM);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.k[0], 11);
	assert_int_equal(w.k[1], 12);
	assert_int_equal(r.n, 1);
	assert_string_equal(rep.step, "+ link add br0 type bridge netns web");
	assert_int_equal(rep.pos.line, 5);
	assert_int_equal(rep.pos.col, 7);
	assert_int_equal(j.n, 1);
	plan_free(&j);
	plan_free(&p);
}

/* The backend refuses one step of a batch: the report names it with the
 * backend's words; the others of the batch were done and are journaled;
 * later phases do not run. */
static void test_backend_failure_in_batch(void **state)
{
	struct plan p, j = { 0 };
	struct rec r = { .fail_call = 4, .fail_err = -EEXIST, .fail_msg = "address 10.0.1.1/24 exists (fake)" };
	struct exec_report rep;
	struct rollback_report rb;

	(void)state;
	creation_plan(&p);
	/* a third address in the same phase, after the failing one */
	{
		struct step s = p.steps[3];

		s.id = 50;
		s.addr.ip = fx_ip("10.0.2.1/24");
		assert_int_equal(plan_append(&p, &s), 0);
		memmove(&p.steps[5], &p.steps[4], 3 * sizeof(p.steps[0]));
		p.steps[4] = s;
	}
	assert_int_equal(execute_copy(&p, &rec_ops, &r, NULL, &j, &rep), -EEXIST);
	ASSERT_LOG(&r, "+ netns add web", "+ link add br0 type bridge netns web",
		   "+ address add 10.0.0.1/24 dev br0 netns web", "+ address add 10.0.1.1/24 dev br0 netns web",
		   "+ address add 10.0.2.1/24 dev br0 netns web");
	assert_true(rep.failed);
	assert_int_equal(rep.err, -EEXIST);
	assert_string_equal(rep.step, "+ address add 10.0.1.1/24 dev br0 netns web");
	assert_string_equal(rep.msg, "address 10.0.1.1/24 exists (fake)");
	assert_int_equal(rep.executed, 5);
	assert_int_equal(j.n, 4);
	assert_int_equal(j.steps[3].id, 50);
	memset(&r, 0, sizeof(r));
	assert_int_equal(plan_rollback(&j, &rec_ops, &r, &rb), 0);
	ASSERT_LOG(&r, "- address del 10.0.2.1/24 dev br0 netns web  # rollback",
		   "- address del 10.0.0.1/24 dev br0 netns web  # rollback",
		   "- link del br0 netns web  # rollback", "- netns del web  # rollback");
	plan_free(&j);

	/* Without a message: strerror. */
	memset(&r, 0, sizeof(r));
	r.fail_call = 2;
	r.fail_err = -ENODEV;
	assert_int_equal(execute_copy(&p, &rec_ops, &r, NULL, &j, &rep), -ENODEV);
	assert_string_equal(rep.msg, strerror(ENODEV));
	assert_string_equal(rep.step, "+ link add br0 type bridge netns web");
	plan_free(&j);

	/* The batch could not run at all: every step of it failed. */
	memset(&r, 0, sizeof(r));
	r.batch_ret = -EIO;
	assert_int_equal(execute_copy(&p, &rec_ops, &r, NULL, &j, &rep), -EIO);
	assert_int_equal(r.batches, 1);
	assert_string_equal(rep.step, "+ netns add web");
	assert_string_equal(rep.msg, strerror(EIO));
	assert_int_equal(j.n, 0);
	plan_free(&p);
}

/* A rollback keeps going past a step it cannot undo, and says which. */
static void test_rollback_keeps_going(void **state)
{
	struct plan p, j = { 0 };
	struct rec r = { 0 };
	struct exec_report rep;
	struct rollback_report rb;

	(void)state;
	creation_plan(&p);
	assert_int_equal(execute_copy(&p, &rec_ops, &r, NULL, &j, &rep), 0);
	memset(&r, 0, sizeof(r));
	r.fail_call = 2;
	r.fail_err = -EBUSY;
	r.fail_msg = "busy (fake)";
	assert_int_equal(plan_rollback(&j, &rec_ops, &r, &rb), 0);
	/* nft set without a table before: deleted; the sysctl was never written */
	assert_int_equal(r.n, 6);
	assert_string_equal(r.log[0], "- nft table inet topo-t netns web  # rollback");
	assert_string_equal(r.log[5], "- netns del web  # rollback");
	assert_int_equal(rb.failed, 1);
	assert_int_equal(rb.undone, 5);
	assert_string_equal(rb.first_error, "- route del default via 10.0.0.254 netns web  # rollback: busy (fake)");
	plan_free(&p);
	plan_free(&j);
}

/* ------------------------------------------------- an in-memory kernel -- */

struct kern {
	struct topology t;            /* the kernel, as the backend would observe it */
	char topo[TOPO_NAME_MAX + 1];
	int next_ifindex;
	char msg[256];                /* the current step's error */
	char msgs[256][256];          /* per step of a batch: valid until the next call */
	unsigned long calls;
	/* Bridges whose mtu was set by hand (BROPT_MTU_SET_BY_USER): "ns/name". */
	char mtu_set[32][TOPO_NS_NAME_MAX + TOPO_IFNAME_MAX + 2];
	size_t n_mtu_set;
};

static struct topo_ns *k_ns(struct kern *k, const char *name)
{
	long i = topology_ns_find(&k->t, name);

	return i < 0 ? NULL : &k->t.ns[i];
}

static struct topo_ns *k_live_ns(struct kern *k, const char *name)
{
	struct topo_ns *ns = k_ns(k, name);

	return ns && ns->exists ? ns : NULL;
}

static struct topo_iface *k_if(struct topo_ns *ns, const char *name)
{
	long i = ns ? topo_ns_iface_find(ns, name) : -1;

	return i < 0 ? NULL : &ns->ifaces[i];
}

/* net.ipv4.conf.IF.x and friends: the keys of one link. */
static bool k_key_of_link(const char *key, const char *ifname)
{
	char name[TOPO_IFNAME_MAX + 1];

	return sysctl_key_iface(key, name) && strcmp(name, ifname) == 0;
}

static void k_sysctl_put(struct topo_ns *ns, const char *key, const char *value)
{
	for (size_t i = 0; i < ns->n_sysctls; i++)
		if (strcmp(ns->sysctls[i].key, key) == 0) {
			free(ns->sysctls[i].value);
			ns->sysctls[i].value = strdup(value);
			return;
		}
	fx_sysctl(ns, key, value);
}

/* A new link copies net.ipv{4,6}.conf.default.* (the ones this kernel knows). */
static void k_sysctl_link_born(struct topo_ns *ns, const char *ifname)
{
	static const char *const defaults[] = { "net.ipv4.conf.default.", "net.ipv6.conf.default." };
	size_t n = ns->n_sysctls;

	for (size_t i = 0; i < n; i++)
		for (size_t f = 0; f < 2; f++) {
			size_t len = strlen(defaults[f]);
			char key[256];

			if (strncmp(ns->sysctls[i].key, defaults[f], len) != 0 || !ns->sysctls[i].value)
				continue;
			snprintf(key, sizeof(key), "%.*s%s.%s", (int)(len - 8), defaults[f], ifname,
				 ns->sysctls[i].key + len);
			k_sysctl_put(ns, key, ns->sysctls[i].value);
		}
}

static void k_sysctl_link_gone(struct topo_ns *ns, const char *ifname)
{
	for (size_t i = 0; i < ns->n_sysctls;) {
		if (k_key_of_link(ns->sysctls[i].key, ifname)) {
			free(ns->sysctls[i].key);
			free(ns->sysctls[i].value);
			memmove(&ns->sysctls[i], &ns->sysctls[i + 1], (ns->n_sysctls - i - 1) * sizeof(ns->sysctls[0]));
			ns->n_sysctls--;
		} else {
			i++;
		}
	}
}

/* A link goes: its addresses, the routes through it, its ports' master,
 * the vxlans over it. */
static void k_unlink_one(struct topo_ns *ns, const char *name)
{
	long i = topo_ns_iface_find(ns, name);
	char gone[TOPO_IFNAME_MAX + 1];

	if (i < 0)
		return;
	snprintf(gone, sizeof(gone), "%s", name);
	k_sysctl_link_gone(ns, gone);
	/* The link's fdb goes with it. */
	for (size_t f = 0; f < ns->n_fdb;) {
		if (strcmp(ns->fdb[f].dev, gone) == 0) {
			memmove(&ns->fdb[f], &ns->fdb[f + 1], (ns->n_fdb - f - 1) * sizeof(ns->fdb[0]));
			ns->n_fdb--;
		} else {
			f++;
		}
	}
	topo_iface_clear(&ns->ifaces[i]);
	memmove(&ns->ifaces[i], &ns->ifaces[i + 1], (ns->n_ifaces - (size_t)i - 1) * sizeof(ns->ifaces[0]));
	ns->n_ifaces--;
	for (size_t r = 0; r < ns->n_routes;) {
		if (strcmp(ns->routes[r].dev, gone) == 0) {
			memmove(&ns->routes[r], &ns->routes[r + 1], (ns->n_routes - r - 1) * sizeof(ns->routes[0]));
			ns->n_routes--;
		} else {
			r++;
		}
	}
	for (size_t sl = 0; sl < topo_n_kinds; sl++) {
		const struct topo_kind *kd = topo_kinds[sl];
		struct topo_objs *objs = &ns->objs[sl];

		for (size_t o = 0; kd->dev && o < objs->n;) {
			if (strcmp(kd->dev(topo_obj_at(kd, objs, o)), gone) != 0) {
				o++;
				continue;
			}
			for (size_t r = 0; kd->takes_route && r < ns->n_routes;) {
				if (kd->takes_route(topo_obj_at(kd, objs, o), &ns->routes[r])) {
					memmove(&ns->routes[r], &ns->routes[r + 1],
						(ns->n_routes - r - 1) * sizeof(ns->routes[0]));
					ns->n_routes--;
				} else {
					r++;
				}
			}
			memmove(topo_obj_at(kd, objs, o), topo_obj_at(kd, objs, o + 1), (objs->n - o - 1) * kd->size);
			objs->n--;
		}
	}
	for (size_t p = 0; p < ns->n_ifaces; p++)
		if (strcmp(ns->ifaces[p].master, gone) == 0) {
			ns->ifaces[p].master[0] = '\0';
			ns->ifaces[p].master_ifindex = 0;
		}
	for (size_t v = 0; v < ns->n_ifaces;) {
		if (ns->ifaces[v].type == TOPO_IF_VXLAN && strcmp(topo_link_depends_on(&ns->ifaces[v]), gone) == 0) {
			k_unlink_one(ns, ns->ifaces[v].name);
			v = 0;
			continue;
		}
		v++;
	}
}

/* ...and a veth its peer. */
static void k_unlink(struct kern *k, struct topo_ns *ns, const char *name)
{
	struct topo_iface *ifc = k_if(ns, name);
	char pns[TOPO_NS_NAME_MAX + 1], pname[TOPO_IFNAME_MAX + 1];

	if (!ifc)
		return;
	snprintf(pns, sizeof(pns), "%s", ifc->type == TOPO_IF_VETH ? topo_iface_peer_ns(ifc) : "");
	snprintf(pname, sizeof(pname), "%s", topo_iface_peer_name(ifc));
	k_unlink_one(ns, name);
	if (pns[0] && k_live_ns(k, pns))
		k_unlink_one(k_ns(k, pns), pname);
}

static struct topo_iface *k_new_if(struct kern *k, struct topo_ns *ns, const struct topo_iface *l)
{
	struct topo_iface *ifc = fx_if(ns, l->name, l->type, k->next_ifindex++);

	if (l->mtu) {
		ifc->mtu = l->mtu;
	} else if (l->type == TOPO_IF_VXLAN && topo_link_depends_on(l)[0] && k_if(ns, topo_link_depends_on(l))) {
		/* vxlan_config_apply: the underlay's mtu less the encapsulation */
		bool v6 = topo_vxlan_v6(l);

		ifc->mtu = k_if(ns, topo_link_depends_on(l))->mtu - (v6 ? 70 : 50);
	}
	if (l->has_mac)
		memcpy(ifc->mac, l->mac, 6);
	if (l->opt)
		memcpy(ifc->opt, l->opt, TOPO_LINK_OPTS_MAX * sizeof(*ifc->opt));
	/* vxlan_dev_configure: the default destination is an all-zeros fdb entry. */
	if (l->type == TOPO_IF_VXLAN && l->opt[VX_REMOTE].set) {
		struct topo_fdb *e = topo_ns_fdb_add(ns);

		assert_non_null(e);
		*e = (struct topo_fdb){ .dst = l->opt[VX_REMOTE].ip };
		snprintf(e->dev, sizeof(e->dev), "%s", l->name);
		ifc = k_if(ns, l->name);
	}
	if (l->type == TOPO_IF_BRIDGE && !ifc->opt[BR_STP].set)
		ifc->opt[BR_STP] = (struct topo_linkopt){ .set = true, .u = 0 };
	ifc->up = l->up;
	ifc->owned = l->owned;
	snprintf(ifc->owner, sizeof(ifc->owner), "%s", l->owner);
	k_sysctl_link_born(ns, l->name);
	return k_if(ns, l->name);
}

static int k_set_master(struct topo_ns *ns, const char *name, const char *master)
{
	struct topo_iface *m = master[0] ? k_if(ns, master) : NULL;
	struct topo_iface *ifc;

	if (master[0] && !m)
		return -ENODEV;
	ifc = k_if(ns, name);
	if (!ifc)
		return -ENODEV;
	snprintf(ifc->master, sizeof(ifc->master), "%s", master);
	ifc->master_ifindex = m ? m->ifindex : 0;
	return 0;
}

static int k_link_add(struct kern *k, struct step *s)
{
	struct topo_ns *ns = k_live_ns(k, s->ns), *pns = NULL;
	struct topo_iface *a, *b;
	int r;

	if (!ns)
		return -ENOENT;
	if (k_if(ns, s->lk->link.name))
		return -EEXIST;
	if (s->lk->link.master[0] && !k_if(ns, s->lk->link.master))
		return snprintf(k->msg, sizeof(k->msg), "master %s of %s does not exist", s->lk->link.master,
				s->lk->link.name), -ENODEV;
	if (topo_link_depends_on(&s->lk->link)[0] && !k_if(ns, topo_link_depends_on(&s->lk->link)))
		return snprintf(k->msg, sizeof(k->msg), "underlay %s of %s does not exist", topo_link_depends_on(&s->lk->link),
				s->lk->link.name), -ENODEV;
	if (s->lk->link.type == TOPO_IF_VETH) {
		pns = k_live_ns(k, s->lk->peer_ns);
		if (!pns)
			return -ENOENT;
		if (k_if(pns, s->lk->peer.name))
			return -EEXIST;
	}
	k_new_if(k, ns, &s->lk->link);
	r = k_set_master(ns, s->lk->link.name, s->lk->link.master);
	assert_int_equal(r, 0);
	if (!pns)
		return 0;
	b = k_new_if(k, pns, &s->lk->peer);
	b->up = false;                      /* the kernel makes the peer down */
	a = k_if(ns, s->lk->link.name);
	if (topo_iface_set_peer(a, pns->name, b->name) < 0)
		return -ENOMEM;
	a->peer_ifindex = b->ifindex;
	a->peer_netnsid = ns == pns ? -1 : 1;
	if (topo_iface_set_peer(b, ns->name, a->name) < 0)
		return -ENOMEM;
	b->peer_ifindex = a->ifindex;
	b->peer_netnsid = a->peer_netnsid;
	/* A rollback's creation also restores the peer (as the backend does). */
	if (s->peer_followups) {
		if (s->lk->peer.master[0]) {
			r = k_set_master(pns, s->lk->peer.name, s->lk->peer.master);
			if (r < 0)
				return snprintf(k->msg, sizeof(k->msg), "master %s of %s does not exist",
						s->lk->peer.master, s->lk->peer.name), r;
		}
		k_if(pns, s->lk->peer.name)->up = s->lk->peer.up;
	}
	return 0;
}

/* addrconf_notify(NETDEV_CHANGEMTU) below IPV6_MIN_MTU: the link loses its
 * IPv6 addresses and the IPv6 routes through it. */
static void k_ipv6_off(struct topo_ns *ns, struct topo_iface *ifc)
{
	for (size_t i = 0; i < ifc->n_addrs;) {
		if (ifc->addrs[i].ip.family == AF_INET6) {
			memmove(&ifc->addrs[i], &ifc->addrs[i + 1], (ifc->n_addrs - i - 1) * sizeof(ifc->addrs[0]));
			ifc->n_addrs--;
		} else {
			i++;
		}
	}
	for (size_t r = 0; r < ns->n_routes;) {
		if (ns->routes[r].dst.family == AF_INET6 && strcmp(ns->routes[r].dev, ifc->name) == 0) {
			memmove(&ns->routes[r], &ns->routes[r + 1], (ns->n_routes - r - 1) * sizeof(ns->routes[0]));
			ns->n_routes--;
		} else {
			r++;
		}
	}
}

/* fib_sync_down_dev: a link without IPv4 addresses loses its IPv4 routes. */
static void k_ipv4_gone(struct topo_ns *ns, const struct topo_iface *ifc)
{
	for (size_t i = 0; i < ifc->n_addrs; i++)
		if (ifc->addrs[i].ip.family == AF_INET)
			return;
	for (size_t r = 0; r < ns->n_routes;) {
		if (ns->routes[r].dst.family == AF_INET && strcmp(ns->routes[r].dev, ifc->name) == 0) {
			memmove(&ns->routes[r], &ns->routes[r + 1], (ns->n_routes - r - 1) * sizeof(ns->routes[0]));
			ns->n_routes--;
		} else {
			r++;
		}
	}
}

static int k_link_set(struct kern *k, struct step *s)
{
	struct topo_ns *ns = k_live_ns(k, s->ns);
	struct topo_iface *ifc = k_if(ns, s->ifname);

	if (!ifc)
		return snprintf(k->msg, sizeof(k->msg), "no link %s", s->ifname), -ENODEV;
	switch (s->attr) {
	case LINK_ATTR_MASTER:
		return k_set_master(ns, s->ifname, s->set->new.master);
	case LINK_ATTR_MTU:
		/* vxlan_change_mtu: not above the underlay's less the encapsulation. */
		if (ifc->type == TOPO_IF_VXLAN && topo_link_depends_on(ifc)[0] && k_if(ns, topo_link_depends_on(ifc))) {
			bool v6 = topo_vxlan_v6(ifc);

			if (s->set->new.mtu + (v6 ? 70 : 50) > k_if(ns, topo_link_depends_on(ifc))->mtu)
				return snprintf(k->msg, sizeof(k->msg), "mtu greater than device maximum"), -EINVAL;
		}
		ifc->mtu = s->set->new.mtu;
		if (ifc->mtu < TOPO_IPV6_MIN_MTU)
			k_ipv6_off(ns, ifc);
		return 0;
	case LINK_ATTR_MAC:
		memcpy(ifc->mac, s->set->new.mac, 6);
		return 0;
	case LINK_ATTR_OPT:
		ifc->opt[s->set->new.opt] = s->set->new.val;
		return 0;
	case LINK_ATTR_UP:
		ifc->up = s->set->new.flag;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static bool k_addr_clash(const struct topo_ip *a, const struct topo_ip *b)
{
	if (a->family != b->family || memcmp(a->bytes, b->bytes, 16) != 0)
		return false;
	/* IPv6 holds an address once per link, whatever its prefix length. */
	return a->family == AF_INET6 || a->plen == b->plen;
}

/* rtnl_fdb_add/del on a link's own table (vxlan_fdb_add: EEXIST, vxlan_fdb_delete: ENOENT). */
static int k_fdb(struct kern *k, struct step *s)
{
	struct topo_ns *ns = k_live_ns(k, s->ns);
	size_t f;

	if (!k_if(ns, s->ifname))
		return snprintf(k->msg, sizeof(k->msg), "no link %s", s->ifname), -ENODEV;
	for (f = 0; f < ns->n_fdb; f++)
		if (strcmp(ns->fdb[f].dev, s->ifname) == 0 && memcmp(ns->fdb[f].mac, s->fdb.mac, 6) == 0 &&
		    topo_ip_equal(&ns->fdb[f].dst, &s->fdb.dst))
			break;
	if (s->op == STEP_FDB_ADD) {
		struct topo_fdb *e;

		if (f < ns->n_fdb)
			return -EEXIST;
		e = topo_ns_fdb_add(ns);
		assert_non_null(e);
		*e = s->fdb;
		snprintf(e->dev, sizeof(e->dev), "%s", s->ifname);
		return 0;
	}
	if (f == ns->n_fdb)
		return -ENOENT;
	memmove(&ns->fdb[f], &ns->fdb[f + 1], (ns->n_fdb - f - 1) * sizeof(ns->fdb[0]));
	ns->n_fdb--;
	return 0;
}

static int k_addr(struct kern *k, struct step *s)
{
	struct topo_ns *ns = k_live_ns(k, s->ns);
	struct topo_iface *ifc = k_if(ns, s->ifname);

	if (!ifc)
		return snprintf(k->msg, sizeof(k->msg), "no link %s", s->ifname), -ENODEV;
	if (s->addr.ip.family == AF_INET6 && ifc->type != TOPO_IF_LOOPBACK && ifc->mtu < TOPO_IPV6_MIN_MTU)
		return snprintf(k->msg, sizeof(k->msg), "IPv6 is disabled on this device"), -EACCES;
	for (size_t i = 0; i < ifc->n_addrs; i++) {
		if (s->op == STEP_ADDR_ADD && k_addr_clash(&ifc->addrs[i].ip, &s->addr.ip))
			return -EEXIST;
		if (s->op == STEP_ADDR_DEL && topo_ip_equal(&ifc->addrs[i].ip, &s->addr.ip)) {
			memmove(&ifc->addrs[i], &ifc->addrs[i + 1], (ifc->n_addrs - i - 1) * sizeof(ifc->addrs[0]));
			ifc->n_addrs--;
			if (s->addr.ip.family == AF_INET)
				k_ipv4_gone(ns, ifc);
			return 0;
		}
	}
	if (s->op == STEP_ADDR_DEL)
		return -EADDRNOTAVAIL;
	*topo_iface_addr_add(ifc) = s->addr;
	return 0;
}

static bool k_route_key_eq(const struct topo_route *a, const struct topo_route *b)
{
	return a->table == b->table && a->metric == b->metric && topo_ip_equal(&a->dst, &b->dst);
}

static int k_route(struct kern *k, struct step *s)
{
	struct topo_ns *ns = k_live_ns(k, s->ns);
	struct topo_route rt = s->rt->route;
	size_t i;

	if (!ns)
		return -ENOENT;
	for (i = 0; i < ns->n_routes && !k_route_key_eq(&ns->routes[i], &rt); i++)
		;
	if (s->op == STEP_ROUTE_DEL) {
		if (i == ns->n_routes)
			return -ESRCH;
		memmove(&ns->routes[i], &ns->routes[i + 1], (ns->n_routes - i - 1) * sizeof(ns->routes[0]));
		ns->n_routes--;
		return 0;
	}
	if (s->op == STEP_ROUTE_ADD && i < ns->n_routes)
		return -EEXIST;
	if (rt.nhid) {
		/* Through an object some kind says the route goes with. */
		bool found = false;

		for (size_t sl = 0; sl < topo_n_kinds; sl++)
			for (size_t o = 0; topo_kinds[sl]->takes_route && o < ns->objs[sl].n; o++)
				found |= topo_kinds[sl]->takes_route(topo_obj_at(topo_kinds[sl], &ns->objs[sl], o), &rt);
		if (!found)
			return snprintf(k->msg, sizeof(k->msg), "Nexthop id does not exist"), -EINVAL;
	} else if (rt.type == TOPO_RT_UNICAST && !rt.dev[0]) {
		const char *dev = fx_dev_for(ns, &rt.via);

		if (!dev)
			return snprintf(k->msg, sizeof(k->msg), "no route to gateway"), -ENETUNREACH;
		snprintf(rt.dev, sizeof(rt.dev), "%s", dev);
	}
	if (rt.dev[0]) {
		struct topo_iface *ifc = k_if(ns, rt.dev);

		if (!ifc)
			return -ENODEV;
		rt.oif = ifc->ifindex;
		/* fib_check_nh: the gateway must be reachable through the device. */
		if (rt.type == TOPO_RT_UNICAST && rt.via.family) {
			const char *via_dev = fx_dev_for(ns, &rt.via);

			if (!via_dev || strcmp(via_dev, rt.dev) != 0)
				return snprintf(k->msg, sizeof(k->msg), "Nexthop has invalid gateway"), -EINVAL;
		}
	}
	rt.pos = (struct topo_pos){ 0, 0 };
	if (i == ns->n_routes)
		*topo_ns_route_add(ns) = rt;
	else
		ns->routes[i] = rt;
	return 0;
}

static int k_sysctl(struct kern *k, struct step *s)
{
	struct topo_ns *ns = k_live_ns(k, s->ns);
	struct topo_sysctl *c = NULL;

	char ifname[TOPO_IFNAME_MAX + 1];

	if (!ns)
		return -ENOENT;
	if (sysctl_key_iface(s->key, ifname) && !k_if(ns, ifname))
		return snprintf(k->msg, sizeof(k->msg), "no /proc/sys for %s: no link %s", s->key, ifname), -ENOENT;
	for (size_t i = 0; i < ns->n_sysctls; i++)
		if (strcmp(ns->sysctls[i].key, s->key) == 0)
			c = &ns->sysctls[i];
	if (!c) {
		fx_sysctl(ns, s->key, "0");       /* the kernel's default */
		c = &ns->sysctls[ns->n_sysctls - 1];
	}
	/* The backend reads the value it overwrites when it writes. */
	free(s->old_value);
	s->old_value = strdup(c->value);
	free(c->value);
	c->value = strdup(s->value);
	/* devinet_sysctl_forward: one setting, written to every interface. */
	if (strcmp(s->key, "net.ipv4.ip_forward") == 0 || strcmp(s->key, "net.ipv4.conf.all.forwarding") == 0) {
		size_t n = ns->n_sysctls;

		for (size_t i = 0; i < n; i++) {
			const char *key = ns->sysctls[i].key;
			size_t len = strlen(key);

			if ((strncmp(key, "net.ipv4.conf.", 14) == 0 && len > 11 &&
			     strcmp(key + len - 11, ".forwarding") == 0) || strcmp(key, "net.ipv4.ip_forward") == 0)
				k_sysctl_put(ns, key, s->value);
		}
	}
	return 0;
}

/* nft: the table is its rendered rules; saved as "chain\ttext\n" lines. */
static void k_nft_save(struct topo_ns *ns, struct step *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	s->nf->nft_had_table = ns->nft_table;
	if (!ns->nft_table)
		return;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	for (size_t i = 0; i < ns->n_nft_rules; i++)
		fprintf(f, "%s\t%s\n", ns->nft_rules[i].chain, ns->nft_rules[i].text);
	fclose(f);
	s->nf->nft_saved = (unsigned char *)buf;
	s->nf->nft_saved_len = len + 1;
}

static void k_nft_clear(struct topo_ns *ns)
{
	nft_rules_free(ns->nft_rules, ns->n_nft_rules);
	ns->nft_rules = NULL;
	ns->n_nft_rules = 0;
	ns->nft_table = false;
}

static int k_nft(struct kern *k, struct step *s)
{
	struct topo_ns *ns = k_live_ns(k, s->ns);

	if (!ns)
		return -ENOENT;
	if (s->op == STEP_NFT_RESTORE) {
		char *copy = strndup((const char *)s->nf->nft_saved, s->nf->nft_saved_len), *line, *save = NULL;

		k_nft_clear(ns);
		ns->nft_table = true;
		for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char *tab = strchr(line, '\t');
			struct topo_nft_rule *v = realloc(ns->nft_rules, (ns->n_nft_rules + 1) * sizeof(*v));

			assert_non_null(tab);
			assert_non_null(v);
			*tab = '\0';
			ns->nft_rules = v;
			v[ns->n_nft_rules].chain = strdup(line);
			v[ns->n_nft_rules++].text = strdup(tab + 1);
		}
		free(copy);
		return 0;
	}
	if (!s->nf->nft_saved)
		k_nft_save(ns, s);
	k_nft_clear(ns);
	if (s->op == STEP_NFT_SET) {
		assert_non_null(s->nf->nft_desired);
		fx_nft_from(ns, s->nf->nft_desired);
		ns->nft_table = true;
	}
	return 0;
}

static int k_netns_add(struct kern *k, struct step *s)
{
	struct topo_ns *ns = k_ns(k, s->ns);

	if (ns && ns->exists)
		return -EEXIST;
	if (!ns)
		ns = fx_ns(&k->t, s->ns, TOPO_NS_CREATED, true);
	ns->exists = true;
	ns->owned = true;
	fx_lo(ns, k->topo);
	fx_kind_defaults(ns, NULL);
	return 0;
}

static int k_netns_del(struct kern *k, struct step *s)
{
	struct topo_ns *ns = k_live_ns(k, s->ns);
	char name[TOPO_NS_NAME_MAX + 1];
	enum topo_ns_kind kind;

	if (!ns)
		return -ENOENT;
	/* Its veths' peers elsewhere go with it. */
	for (size_t i = 0; i < ns->n_ifaces; i++) {
		const struct topo_iface *ifc = &ns->ifaces[i];

		if (ifc->type == TOPO_IF_VETH && ifc->peer_end && strcmp(topo_iface_peer_ns(ifc), ns->name) != 0 &&
		    k_live_ns(k, topo_iface_peer_ns(ifc)))
			k_unlink_one(k_ns(k, topo_iface_peer_ns(ifc)), topo_iface_peer_name(ifc));
	}
	snprintf(name, sizeof(name), "%s", ns->name);
	kind = ns->kind;
	topo_ns_clear(ns);
	snprintf(ns->name, sizeof(ns->name), "%s", name);
	ns->kind = kind;
	ns->exists = false;
	return 0;
}

/* Table kinds, generically: the key finds the object (with the same
 * protocol: twins of another protocol are other objects); deleting one
 * takes the routes the kind says go with it. */
static int k_obj(struct kern *k, struct step *s)
{
	struct topo_ns *ns = k_live_ns(k, s->ns);
	const struct topo_kind *kd = s->ob->kind;
	size_t slot = topo_kind_slot(kd);
	struct topo_objs *objs;
	union topo_obj_buf v;
	long at = -1;

	if (!ns)
		return -ENOENT;
	objs = &ns->objs[slot];
	memcpy(v.b, s->ob->obj.b, kd->size);
	*(struct topo_pos *)v.b = (struct topo_pos){ 0, 0 };
	for (size_t i = 0; i < objs->n; i++)
		if (kd->cmp(topo_obj_at(kd, objs, i), v.b) == 0 &&
		    (s->op == STEP_OBJ_REPLACE || kd->proto(topo_obj_at(kd, objs, i)) == kd->proto(v.b)))
			at = (long)i;
	if (s->op == STEP_OBJ_ADD) {
		void *o;

		if (at >= 0)
			return -EEXIST;
		if (kd->dev && kd->dev(v.b)[0] && !k_if(ns, kd->dev(v.b)))
			return -ENODEV;
		o = topo_objs_add(kd, objs);
		assert_non_null(o);
		memcpy(o, v.b, kd->size);
		return 0;
	}
	if (at < 0)
		return -ENOENT;
	if (s->op == STEP_OBJ_REPLACE) {
		memcpy(topo_obj_at(kd, objs, (size_t)at), v.b, kd->size);
		return 0;
	}
	for (size_t r = 0; kd->takes_route && r < ns->n_routes;) {
		if (kd->takes_route(topo_obj_at(kd, objs, (size_t)at), &ns->routes[r])) {
			memmove(&ns->routes[r], &ns->routes[r + 1], (ns->n_routes - r - 1) * sizeof(ns->routes[0]));
			ns->n_routes--;
		} else {
			r++;
		}
	}
	memmove(topo_obj_at(kd, objs, (size_t)at), topo_obj_at(kd, objs, (size_t)at + 1),
		(objs->n - (size_t)at - 1) * kd->size);
	objs->n--;
	return 0;
}

/* Docker's DOCKER-USER chain: topo's marked rules, at the head. */
static int k_du(struct kern *k, struct step *s)
{
	struct topo_ns *ns = k_live_ns(k, s->ns);

	if (!ns || !ns->docker_user_chain)
		return -ENOENT;
	if (s->op == STEP_DU_DEL) {
		for (size_t i = 0; i < ns->n_du_rules; i++)
			if (strcmp(ns->du_rules[i].ifname, s->ifname) == 0 && ns->du_rules[i].out == s->set->new.flag &&
			    strcmp(ns->du_rules[i].owner, k->topo) == 0) {
				ns->du_rules[i] = ns->du_rules[--ns->n_du_rules];
				i--;
			}
		return 0;
	}
	struct topo_du_rule *v = realloc(ns->du_rules, (ns->n_du_rules + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	ns->du_rules = v;
	memset(&v[ns->n_du_rules], 0, sizeof(*v));
	snprintf(v[ns->n_du_rules].ifname, sizeof(v->ifname), "%s", s->ifname);
	snprintf(v[ns->n_du_rules].owner, sizeof(v->owner), "%s", k->topo);
	v[ns->n_du_rules].out = s->set->new.flag;
	v[ns->n_du_rules].plain = true;
	ns->n_du_rules++;
	return 0;
}

static int k_step(struct kern *k, struct step *s)
{
	struct topo_ns *ns;

	switch (s->op) {
	case STEP_NETNS_ADD: return k_netns_add(k, s);
	case STEP_NETNS_DEL: return k_netns_del(k, s);
	case STEP_LINK_ADD: return k_link_add(k, s);
	case STEP_LINK_DEL:
		ns = k_live_ns(k, s->ns);
		if (!k_if(ns, s->lk->link.name))
			return -ENODEV;
		k_unlink(k, ns, s->lk->link.name);
		return 0;
	case STEP_LINK_SET: return k_link_set(k, s);
	case STEP_ADDR_ADD:
	case STEP_ADDR_DEL: return k_addr(k, s);
	case STEP_ROUTE_ADD:
	case STEP_ROUTE_DEL:
	case STEP_ROUTE_REPLACE: return k_route(k, s);
	case STEP_SYSCTL_SET: return k_sysctl(k, s);
	case STEP_NFT_SET:
	case STEP_NFT_DEL:
	case STEP_NFT_RESTORE: return k_nft(k, s);
	case STEP_OBJ_ADD:
	case STEP_OBJ_DEL:
	case STEP_OBJ_REPLACE: return k_obj(k, s);
	case STEP_DU_ADD:
	case STEP_DU_DEL: return k_du(k, s);
	case STEP_FDB_ADD:
	case STEP_FDB_DEL: return k_fdb(k, s);
	}
	return -EINVAL;
}

static bool k_mtu_set_find(const struct kern *k, const char *ns, const char *name, size_t *ret)
{
	char id[sizeof(k->mtu_set[0])];

	snprintf(id, sizeof(id), "%s/%s", ns, name);
	for (size_t i = 0; i < k->n_mtu_set; i++)
		if (strcmp(k->mtu_set[i], id) == 0) {
			if (ret)
				*ret = i;
			return true;
		}
	return false;
}

/* A bridge's mtu: set by hand (at creation or later), it stays; a new
 * bridge follows its ports' (br_mtu_auto_adjust), 1500 without ports. */
static void k_bridge_mtu(struct kern *k, const struct step *s)
{
	size_t at;

	if (s->op == STEP_LINK_DEL && s->lk->link.type == TOPO_IF_BRIDGE && k_mtu_set_find(k, s->ns, s->lk->link.name, &at))
		memmove(&k->mtu_set[at], &k->mtu_set[at + 1], (--k->n_mtu_set - at) * sizeof(k->mtu_set[0]));
	if ((s->op == STEP_LINK_ADD && s->lk->link.type == TOPO_IF_BRIDGE && s->lk->link.mtu) ||
	    (s->op == STEP_LINK_SET && s->attr == LINK_ATTR_MTU && k_if(k_live_ns(k, s->ns), s->ifname) &&
	     k_if(k_live_ns(k, s->ns), s->ifname)->type == TOPO_IF_BRIDGE)) {
		const char *name = s->op == STEP_LINK_ADD ? s->lk->link.name : s->ifname;

		if (!k_mtu_set_find(k, s->ns, name, NULL)) {
			assert_true(k->n_mtu_set < 32);
			snprintf(k->mtu_set[k->n_mtu_set++], sizeof(k->mtu_set[0]), "%s/%s", s->ns, name);
		}
	}
	for (size_t n = 0; n < k->t.n_ns; n++) {
		struct topo_ns *ns = &k->t.ns[n];

		for (size_t b = 0; ns->exists && b < ns->n_ifaces; b++) {
			struct topo_iface *br = &ns->ifaces[b];
			uint32_t m = 0;

			if (br->type != TOPO_IF_BRIDGE || k_mtu_set_find(k, ns->name, br->name, NULL))
				continue;
			for (size_t p = 0; p < ns->n_ifaces; p++)
				if (strcmp(ns->ifaces[p].master, br->name) == 0 && (!m || ns->ifaces[p].mtu < m))
					m = ns->ifaces[p].mtu;
			br->mtu = m ? m : 1500;
		}
	}
}

/* As the backend: a rollback step whose effect the kernel already undid is done. */
static bool k_tolerated(const struct step *s, int err)
{
	if (!s->note || strcmp(s->note, "rollback") != 0)
		return false;
	switch (s->op) {
	case STEP_LINK_ADD: case STEP_ADDR_ADD: case STEP_ROUTE_ADD: case STEP_NETNS_ADD: case STEP_FDB_ADD:
		return err == -EEXIST;
	case STEP_LINK_DEL: case STEP_ADDR_DEL: case STEP_ROUTE_DEL: case STEP_NETNS_DEL: case STEP_FDB_DEL:
		return err == -ENODEV || err == -ENOENT || err == -ESRCH || err == -EADDRNOTAVAIL;
	default:
		return false;
	}
}

static int kern_run(void *ctx, struct step **steps, size_t n, int *errs, const char **msgs)
{
	struct kern *k = ctx;

	for (size_t i = 0; i < n; i++) {
		k->calls++;
		k->msg[0] = '\0';
		errs[i] = k_step(k, steps[i]);
		if (!errs[i])
			k_bridge_mtu(k, steps[i]);
		if (errs[i] && k_tolerated(steps[i], errs[i]))
			errs[i] = 0;
		assert_true(i < 256);
		snprintf(k->msgs[i], sizeof(k->msgs[i]), "%s", k->msg);
		msgs[i] = errs[i] && k->msg[0] ? k->msgs[i] : NULL;
	}
	return 0;
}

static const struct exec_ops kern_ops = { .run = kern_run };

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * What a rollback must restore, as sorted text: namespaces, links (not their
 * ifindex or MAC, which a re-created link gets anew), addresses and routes
 * but not the kernel's own (link-local, lo's, prefix routes, which the kernel
 * re-creates with the link), sysctls, nft rules.
 */
static char *k_dump(const struct topology *t)
{
	char **lines = NULL, *out = NULL, a[TOPO_IP_STRLEN], b[TOPO_IP_STRLEN], c[TOPO_IP_STRLEN];
	size_t n = 0, len = 0;
	FILE *f;

#define LINE(...) do { \
		lines = realloc(lines, (n + 1) * sizeof(*lines)); \
		assert_non_null(lines); \
		assert_true(asprintf(&lines[n++], __VA_ARGS__) > 0); \
	} while (0)
	for (size_t i = 0; i < t->n_ns; i++) {
		const struct topo_ns *ns = &t->ns[i];

		if (!ns->exists)
			continue;
		LINE("netns %s owned=%d nft=%d", ns->name, ns->owned, ns->nft_table);
		for (size_t l = 0; l < ns->n_ifaces; l++) {
			const struct topo_iface *x = &ns->ifaces[l];
			char opts[512] = "";

			topo_link_format_opts(x, opts, sizeof(opts));
			LINE("link %s %s %s up=%d mtu=%u opts=%s master=%s owner=%d:%s peer=%s/%s", ns->name,
			     x->name, topo_iftype_name(x->type), x->up, x->mtu, opts, x->master, x->owned,
			     x->owner, topo_iface_peer_ns(x), topo_iface_peer_name(x));
			for (size_t k = 0; k < x->n_addrs; k++) {
				const struct topo_addr *ad = &x->addrs[k];

				if (ad->proto >= 1 && ad->proto <= 3)
					continue;
				LINE("addr %s %s %s proto=%u", ns->name, x->name,
				     topo_ip_format(&ad->ip, true, a, sizeof(a)), ad->proto);
			}
		}
		for (size_t fi = 0; fi < ns->n_fdb; fi++) {
			char m[18];

			LINE("fdb %s %s %s dst %s", ns->name, ns->fdb[fi].dev, topo_mac_format(ns->fdb[fi].mac, m),
			     topo_ip_format(&ns->fdb[fi].dst, false, a, sizeof(a)));
		}
		for (size_t r = 0; r < ns->n_routes; r++) {
			const struct topo_route *rt = &ns->routes[r];

			if (rt->proto == FX_RTPROT_KERNEL)
				continue;
			LINE("route %s %s %s via %s src %s dev %s metric %u table %u proto %u nhid %u", ns->name,
			     topo_rtype_name(rt->type), topo_ip_format(&rt->dst, true, a, sizeof(a)),
			     topo_ip_format(&rt->via, false, b, sizeof(b)), topo_ip_format(&rt->src, false, c, sizeof(c)),
			     rt->dev, rt->metric, rt->table, rt->proto, rt->nhid);
		}
		for (size_t s = 0; s < ns->n_sysctls; s++)
			LINE("sysctl %s %s=%s", ns->name, ns->sysctls[s].key, ns->sysctls[s].value);
		for (size_t s = 0; s < topo_n_kinds; s++)
			for (size_t o = 0; o < ns->objs[s].n; o++) {
				char words[512];
				const void *ob = topo_obj_at(topo_kinds[s], &ns->objs[s], o);

				topo_obj_format(topo_kinds[s], ob, words, sizeof(words));
				LINE("%s %s %s proto %u", topo_kinds[s]->ip_object, ns->name, words, topo_kinds[s]->proto(ob));
			}
		for (size_t r = 0; r < ns->n_nft_rules; r++)
			LINE("nft %s %03zu %s: %s", ns->name, r, ns->nft_rules[r].chain, ns->nft_rules[r].text);
	}
#undef LINE
	qsort(lines, n, sizeof(*lines), line_cmp);
	f = open_memstream(&out, &len);
	assert_non_null(f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s\n", lines[i]);
		free(lines[i]);
	}
	fclose(f);
	free(lines);
	return out;
}

/* ----------------------------------------------- scenarios for the kernel -- */

struct scenario {
	const char *name;
	const char *before;          /* the file the kernel is converged to; NULL = empty kernel */
	const char *after;           /* the file applied */
	void (*tweak)(struct kern *k);   /* drift after convergence */
	const char *state_ns[4];     /* namespaces the state says topo created */
};

#define SEED_HOST \
	"topology: seed001\n" \
	"namespaces:\n" \
	"  host:\n" \
	"    sysctls:\n" \
	"      net.ipv4.ip_forward: 1\n" \
	"    interfaces:\n"
#define SEED_A \
	"  netns_A:\n" \
	"    interfaces:\n" \
	"      eth0: {addresses: [172.18.0.2/16]}\n" \
	"      lo: {addresses: [10.255.0.1/32]}\n" \
	"    routes:\n" \
	"      - {to: default, via: 172.18.0.1}\n" \
	"      - {to: 10.7.0.0/16, type: blackhole}\n" \
	"    sysctls: {net.ipv4.conf.all.rp_filter: 2}\n"
#define SEED_B \
	"  netns_B:\n" \
	"    interfaces:\n" \
	"      eth0: {addresses: [172.18.0.3/16]}\n" \
	"    routes:\n" \
	"      - {to: default, via: 172.18.0.1}\n"

static const char seed[] =
	SEED_HOST
	"      mybr0: {type: bridge, addresses: [172.18.0.1/16]}\n"
	"      vethA: {master: mybr0}\n"
	"      vethB: {master: mybr0}\n"
	SEED_A SEED_B
	"links:\n"
	"  - [host:vethA, netns_A:eth0]\n"
	"  - [host:vethB, netns_B:eth0]\n";

/* netns_A leaves the file. */
static const char seed_without_a[] =
	SEED_HOST
	"      mybr0: {type: bridge, addresses: [172.18.0.1/16]}\n"
	"      vethB: {master: mybr0}\n"
	SEED_B
	"links:\n"
	"  - [host:vethB, netns_B:eth0]\n";

/* The bridge leaves, its ports stay (one gets an address: a step after the delete). */
static const char seed_without_bridge[] =
	SEED_HOST
	"      vethA: {addresses: [172.18.0.100/16]}\n"
	"      vethB: {}\n"
	SEED_A SEED_B
	"links:\n"
	"  - [host:vethA, netns_A:eth0]\n"
	"  - [host:vethB, netns_B:eth0]\n";

/* The bridge and netns_A (with vethA, a port of the bridge) leave. */
static const char seed_without_bridge_and_a[] =
	SEED_HOST
	"      vethB: {}\n"
	SEED_B
	"links:\n"
	"  - [host:vethB, netns_B:eth0]\n";

/* Changed attributes everywhere. */
static const char seed_changed[] =
	SEED_HOST
	"      mybr0: {type: bridge, addresses: [172.18.0.1/16, 172.19.0.1/16], stp: true}\n"
	"      vethA: {master: mybr0, mtu: 1400}\n"
	"      vethB: {master: mybr0}\n"
	"  netns_A:\n"
	"    interfaces:\n"
	"      eth0: {addresses: [172.18.0.12/16], mtu: 1400}\n"
	"    routes:\n"
	"      - {to: default, via: 172.18.0.1, metric: 5}\n"
	"      - {to: 10.8.0.0/16, via: 172.18.0.1}\n"
	"    sysctls: {net.ipv4.conf.all.rp_filter: 1}\n"
	SEED_B
	"    nat:\n"
	"      - masquerade: {out: eth0}\n"
	"links:\n"
	"  - [host:vethA, netns_A:eth0]\n"
	"  - [host:vethB, netns_B:eth0]\n";

static const char rich[] =
	"topology: seed001\n"
	"namespaces:\n"
	"  host:\n"
	"    sysctls: {net.ipv4.ip_forward: 1}\n"
	"    interfaces:\n"
	"      br0: {type: bridge, addresses: [172.18.0.1/16, \"fd00::1/64\"], mtu: 1500, stp: true}\n"
	"      vethA: {master: br0}\n"
	"      vx0: {type: vxlan, vni: 42, remote: 192.0.2.9, dev: eth0}\n"
	"    nat:\n"
	"      - masquerade: {source: 172.18.0.0/16, out: \"!br0\"}\n"
	"  web:\n"
	"    interfaces:\n"
	"      eth0: {addresses: [172.18.0.2/16, \"fd00::2/64\"], mtu: 1400, mac: \"02:00:00:00:00:02\"}\n"
	"      lo: {addresses: [10.255.0.1/32]}\n"
	"      inner: {type: bridge}\n"
	"      p1: {master: inner}\n"
	"      p2: {addresses: [10.5.0.2/30]}\n"
	"    routes:\n"
	"      - {to: default, via: 172.18.0.1}\n"
	"      - {to: default, via: \"fd00::1\"}\n"
	"      - {to: 10.9.0.0/24, via: 172.18.0.9, metric: 10, table: 100, src: 172.18.0.2}\n"
	"      - {to: 10.8.0.0/16, dev: eth0}\n"
	"      - {to: 10.7.0.0/16, type: blackhole}\n"
	"    sysctls: {net.ipv6.conf.all.forwarding: 1}\n"
	"    nat:\n"
	"      - dnat: {protocol: tcp, port: 8080, to: \"172.18.0.2:80\", in: eth0}\n"
	"    forward:\n"
	"      - {action: accept, in: br0, out: eth0}\n"
	"links:\n"
	"  - [host:vethA, web:eth0]\n"
	"  - [web:p1, web:p2]\n";

/* A vxlan over a veth, a port of a bridge, declared before both. */
static const char vxlan_lab[] =
	"topology: seed001\n"
	"namespaces:\n"
	"  a:\n"
	"    interfaces:\n"
	"      vx0: {type: vxlan, vni: 42, remote: 10.0.0.2, dev: eth0, master: br0}\n"
	"      br0: {type: bridge, addresses: [192.168.0.1/24]}\n"
	"      eth0: {addresses: [10.0.0.1/24]}\n"
	"  b:\n"
	"    interfaces:\n"
	"      vx0: {type: vxlan, vni: 42, remote: 10.0.0.1, dev: eth0}\n"
	"      eth0: {addresses: [10.0.0.2/24]}\n"
	"links:\n"
	"  - [a:eth0, b:eth0]\n";

/* Static fdb entries (head-end replication): created, changed, with their
 * vxlan replaced (they go with it and come back), destroyed. */
#define VXFDB(vni, list) \
	"topology: seed001\n" \
	"namespaces:\n" \
	"  a:\n" \
	"    interfaces:\n" \
	"      vx0: {type: vxlan, vni: " vni ", remote: 10.0.0.2, dev: eth0, fdb: " list "}\n" \
	"      eth0: {addresses: [10.0.0.1/24]}\n" \
	"  b:\n" \
	"    interfaces:\n" \
	"      eth0: {addresses: [10.0.0.2/24]}\n" \
	"links:\n" \
	"  - [a:eth0, b:eth0]\n"
static const char vxfdb1[] = VXFDB("42", "[{mac: \"00:00:00:00:00:00\", dst: 10.0.0.3}, "
				   "{mac: \"00:00:00:00:00:00\", dst: 10.0.0.4}]");
static const char vxfdb2[] = VXFDB("42", "[{mac: \"00:00:00:00:00:00\", dst: 10.0.0.4}, "
				   "{mac: \"02:00:00:00:00:07\", dst: 10.0.0.5}]");
static const char vxfdb3[] = VXFDB("43", "[{mac: \"00:00:00:00:00:00\", dst: 10.0.0.3}, "
				   "{mac: \"00:00:00:00:00:00\", dst: 10.0.0.4}]");

/* A vxlan over a host veth: both replaced at once (vni; peer namespace). */
#define VX_HEAD \
	"topology: seed001\n" \
	"namespaces:\n" \
	"  host:\n" \
	"    interfaces:\n" \
	"      vethA: {addresses: [10.0.0.1/24]}\n"
static const char vx_before[] =
	VX_HEAD
	"      vx0: {type: vxlan, vni: 43, remote: 10.0.0.2, dev: vethA}\n"
	"  netns_A: {interfaces: {lo: {addresses: [10.9.0.1/32]}}}\n"
	"  netns_B: {interfaces: {eth0: {addresses: [10.0.0.2/24]}}}\n"
	"links:\n"
	"  - [host:vethA, netns_B:eth0]\n";
static const char vx_after[] =
	VX_HEAD
	"      vx0: {type: vxlan, vni: 42, remote: 10.0.0.2, dev: vethA}\n"
	"  netns_A: {interfaces: {eth0: {addresses: [10.0.0.2/24]}}}\n"
	"  netns_B: {interfaces: {lo: {addresses: [10.9.0.1/32]}}}\n"
	"links:\n"
	"  - [host:vethA, netns_A:eth0]\n";

/* A veth whose peer went to another namespace; a bridge found as a vxlan. */
static void tweak_replace(struct kern *k)
{
	struct topo_iface *br = fx_oif(&k->t, "host", "mybr0");

	fx_set_type(br, TOPO_IF_VXLAN);
	memset(br->opt, 0, TOPO_LINK_OPTS_MAX * sizeof(*br->opt));
	for (size_t i = 0; i < k->t.ns[0].n_ifaces; i++)
		if (strcmp(k->t.ns[0].ifaces[i].master, "mybr0") == 0) {
			k->t.ns[0].ifaces[i].master[0] = '\0';
			k->t.ns[0].ifaces[i].master_ifindex = 0;
		}
	/* vethB's peer is netns_A's eth1 instead of netns_B's eth0 */
	k_unlink_one(k_ns(k, "netns_B"), "eth0");
	{
		struct topo_iface *e = fx_if(k_ns(k, "netns_A"), "eth1", TOPO_IF_VETH, k->next_ifindex++);

		fx_own(e, k->topo);
		fx_addr(e, "172.18.0.3/16", TOPO_IFAPROT);
	}
	fx_peer(&k->t, "host", "vethB", "netns_A", "eth1");
}

/* Drift: addresses, mtu, master, down, a route, a sysctl, the nft table. */
static void tweak_drift(struct kern *k)
{
	struct topo_ns *a = k_ns(k, "netns_A");
	struct topo_iface *e = fx_oif(&k->t, "netns_A", "eth0");

	e->addrs[0].ip = fx_ip("172.18.0.99/16");
	e->mtu = 9000;
	e->up = false;
	fx_oif(&k->t, "host", "vethB")->master[0] = '\0';
	for (size_t i = 0; i < a->n_routes; i++)
		if (a->routes[i].proto == TOPO_RTPROT && a->routes[i].dst.plen == 0)
			a->routes[i].via = fx_ip("172.18.0.254");
	fx_route(a, "10.66.0.0/16", "172.18.0.1", "eth0", FX_RTPROT_STATIC);
	free(a->sysctls[0].value);
	a->sysctls[0].value = strdup("0");
	fx_nft_from(k_ns(k, "netns_A"), fx_dns(&k->t, "netns_A"));   /* none declared: nothing */
	k_ns(k, "netns_A")->nft_table = true;
}

/* Renumbering: addresses and the routes through the gateway (a nat rule
 * makes a step after the routes). */
#define RENUM(net, extra) \
	"topology: seed001\n" \
	"namespaces:\n" \
	"  host:\n" \
	"    interfaces:\n" \
	"      mybr0: {type: bridge, addresses: [" net ".1/24]}\n" \
	"      vethA: {master: mybr0}\n" \
	"  netns_A:\n" \
	"    interfaces:\n" \
	"      eth0: {addresses: [" net ".2/24]}\n" \
	"    routes:\n" \
	"      - {to: default, via: " net ".1}\n" \
	"      - {to: 10.99.0.0/16, via: " net ".1, metric: 7}\n" \
	extra \
	"links:\n" \
	"  - [host:vethA, netns_A:eth0]\n"
static const char renum1[] = RENUM("10.10.0", "");
static const char renum2[] = RENUM("10.20.0", "    nat:\n      - masquerade: {out: eth0}\n");

/* Bridge membership: a port moves to the other bridge, another leaves its
 * bridge for an address of its own. */
static const char member1[] =
	"topology: seed001\n"
	"namespaces:\n"
	"  host:\n"
	"    interfaces:\n"
	"      br0: {type: bridge, addresses: [10.30.0.1/24]}\n"
	"      br1: {type: bridge, addresses: [10.31.0.1/24]}\n"
	"      vethM: {master: br0}\n"
	"      vethN: {master: br1}\n"
	"  netns_A:\n"
	"    interfaces: {eth0: {addresses: [10.30.0.2/24]}}\n"
	"    routes: [{to: default, via: 10.30.0.1}]\n"
	"  netns_B:\n"
	"    interfaces: {eth0: {addresses: [10.31.0.2/24]}}\n"
	"    routes: [{to: default, via: 10.31.0.1}]\n"
	"links:\n"
	"  - [host:vethM, netns_A:eth0]\n"
	"  - [host:vethN, netns_B:eth0]\n";
static const char member2[] =
	"topology: seed001\n"
	"namespaces:\n"
	"  host:\n"
	"    interfaces:\n"
	"      br0: {type: bridge, addresses: [10.30.0.1/24]}\n"
	"      br1: {type: bridge, addresses: [10.31.0.1/24]}\n"
	"      vethM: {master: br1}\n"
	"      vethN: {addresses: [10.32.0.1/24]}\n"
	"  netns_A:\n"
	"    interfaces: {eth0: {addresses: [10.31.0.3/24]}}\n"
	"    routes: [{to: default, via: 10.31.0.1}]\n"
	"  netns_B:\n"
	"    interfaces: {eth0: {addresses: [10.32.0.2/24]}}\n"
	"    routes: [{to: default, via: 10.32.0.1}]\n"
	"links:\n"
	"  - [host:vethM, netns_A:eth0]\n"
	"  - [host:vethN, netns_B:eth0]\n";

/* An mtu across 1280 with IPv6 addresses and an IPv6 route. */
static const char mtu_v6[] =
	"topology: seed001\n"
	"namespaces:\n"
	"  host:\n"
	"    interfaces:\n"
	"      vethP: {addresses: [10.40.0.1/24, \"fd40::1/64\"]}\n"
	"  netns_A:\n"
	"    interfaces: {eth0: {addresses: [10.40.0.2/24, \"fd40::2/64\"]}}\n"
	"    routes: [{to: default, via: 10.40.0.1}, {to: \"fd41::/64\", via: \"fd40::1\"}]\n"
	"links:\n"
	"  - [host:vethP, netns_A:eth0]\n";
static const char mtu_small[] =
	"topology: seed001\n"
	"namespaces:\n"
	"  host:\n"
	"    interfaces:\n"
	"      vethP: {addresses: [10.40.0.1/24]}\n"
	"  netns_A:\n"
	"    interfaces: {eth0: {addresses: [10.40.0.2/24]}}\n"
	"    routes: [{to: default, via: 10.40.0.1}]\n"
	"links:\n"
	"  - {endpoints: [host:vethP, netns_A:eth0], mtu: 1200}\n";

/* sysctls that a link copies, per-interface keys, ip_forward. */
#define ORDER_HEAD \
	"topology: seed001\n" \
	"namespaces:\n" \
	"  netns_A:\n" \
	"    sysctls:\n" \
	"      net.ipv4.conf.default.arp_ignore: 1\n" \
	"      net.ipv4.conf.eth0.forwarding: 0\n" \
	"      net.ipv4.ip_forward: 1\n" \
	"    interfaces:\n" \
	"      eth0: {addresses: [10.50.0.9/24, 10.50.0.2/24]}\n"
static const char order1[] =
	ORDER_HEAD
	"  host: {interfaces: {vethO: {addresses: [10.50.0.1/24]}}}\n"
	"links:\n"
	"  - [host:vethO, netns_A:eth0]\n";
static const char order2[] =
	ORDER_HEAD
	"      eth1: {addresses: [10.51.0.2/24]}\n"
	"  host: {interfaces: {vethO: {addresses: [10.50.0.1/24]}, vethO2: {}}}\n"
	"links:\n"
	"  - [host:vethO, netns_A:eth0]\n"
	"  - [host:vethO2, netns_A:eth1]\n";

/* A vxlan declared before its underlay; both mtus go up (the underlay's
 * first) and come back down. */
#define VXMTU(mtu) \
	"topology: seed001\n" \
	"namespaces:\n" \
	"  host:\n" \
	"    interfaces:\n" \
	"      vxU: {type: vxlan, vni: 7, remote: 10.0.0.2, dev: vethU}\n" \
	"      vethU: {addresses: [10.0.0.1/24]" mtu "}\n" \
	"  netns_A: {interfaces: {eth0: {addresses: [10.0.0.2/24]}}}\n" \
	"links:\n" \
	"  - [host:vethU, netns_A:eth0]\n"
static const char vxmtu_small[] = VXMTU("");
static const char vxmtu_big[] = VXMTU(", mtu: 9000");

/* Table kinds: nexthops (a group over two, a route through it), rules
 * (one displacing the default lookup local), then changed: a member goes, a
 * nexthop moves to another gateway, the group's weights change, a rule
 * goes, another comes. */
#define KINDS(nh, rules) \
	"topology: seed001\n" \
	"namespaces:\n" \
	"  netns_A:\n" \
	"    interfaces:\n" \
	"      eth0: {addresses: [10.40.0.1/24]}\n" \
	"      eth1: {addresses: [10.41.0.1/24]}\n" \
	"    nexthops:\n" nh \
	"    routes: [{to: 198.51.100.0/24, nhid: 10}]\n" \
	"    rules:\n" rules \
	"  netns_B: {interfaces: {eth0: {addresses: [10.40.0.2/24]}, eth1: {addresses: [10.41.0.2/24]}}}\n" \
	"links:\n" \
	"  - [netns_A:eth0, netns_B:eth0]\n" \
	"  - [netns_A:eth1, netns_B:eth1]\n"
static const char kinds1[] = KINDS(
	"      - {id: 1, via: 10.40.0.2, dev: eth0}\n"
	"      - {id: 2, via: 10.41.0.2, dev: eth1}\n"
	"      - {id: 3, blackhole: true}\n"
	"      - {id: 10, group: [{id: 1}, {id: 2, weight: 3}]}\n",
	"      - {priority: 100, from: 10.40.0.0/24, table: 100}\n"
	"      - {priority: 1000, table: local, replace_default: true}\n"
	"      - {priority: 200, fwmark: 0x1/0xff, action: blackhole}\n");
static const char kinds2[] = KINDS(
	"      - {id: 1, via: 10.40.0.3, dev: eth0}\n"
	"      - {id: 10, group: [{id: 1, weight: 2}]}\n",
	"      - {priority: 100, from: 10.40.0.0/24, table: 101}\n"
	"      - {priority: 300, iif: eth1, ipproto: tcp, dport: 80-90, table: main}\n");

static const struct scenario scenarios[] = {
	{ "table kinds from an empty kernel", NULL, kinds1, NULL, { NULL } },
	{ "table kinds changed", kinds1, kinds2, NULL, { "netns_A", "netns_B" } },
	{ "table kinds changed back", kinds2, kinds1, NULL, { "netns_A", "netns_B" } },
	{ "vxlan and underlay mtu up", vxmtu_small, vxmtu_big, NULL, { "netns_A" } },
	{ "vxlan and underlay mtu down", vxmtu_big, vxmtu_small, NULL, { "netns_A" } },
	{ "renumbering", renum1, renum2, NULL, { "netns_A" } },
	{ "renumbering back", renum2, renum1, NULL, { "netns_A" } },
	{ "bridge membership", member1, member2, NULL, { "netns_A", "netns_B" } },
	{ "bridge membership back", member2, member1, NULL, { "netns_A", "netns_B" } },
	{ "mtu below 1280, IPv6 removed", mtu_v6, mtu_small, NULL, { "netns_A" } },
	{ "mtu above 1280, IPv6 added", mtu_small, mtu_v6, NULL, { "netns_A" } },
	{ "sysctls, a link copies defaults", NULL, order1, NULL, { NULL } },
	{ "sysctls, a new link in an existing namespace", order1, order2, NULL, { "netns_A" } },
	{ "seed from an empty kernel", NULL, seed, NULL, { NULL } },
	{ "rich file from an empty kernel", NULL, rich, NULL, { NULL } },
	{ "vxlan over a veth, port of a bridge", NULL, vxlan_lab, NULL, { NULL } },
	{ "vxlan and its underlay replaced", vx_before, vx_after, NULL, { "netns_A", "netns_B" } },
	{ "vxlan fdb from an empty kernel", NULL, vxfdb1, NULL, { NULL } },
	{ "vxlan fdb changed", vxfdb1, vxfdb2, NULL, { "a", "b" } },
	{ "vxlan with fdb replaced", vxfdb1, vxfdb3, NULL, { "a", "b" } },
	{ "vxlan with fdb destroyed", vxfdb1, NULL, NULL, { "a", "b" } },
	{ "prune netns_A", seed, seed_without_a, NULL, { "netns_A", "netns_B" } },
	{ "bridge removed, ports stay", seed, seed_without_bridge, NULL, { "netns_A", "netns_B" } },
	{ "bridge, a port and its namespace removed", seed, seed_without_bridge_and_a, NULL, { "netns_A", "netns_B" } },
	{ "everything changed", seed, seed_changed, NULL, { "netns_A", "netns_B" } },
	{ "replace: kind and peer", seed, seed, tweak_replace, { "netns_A", "netns_B" } },
	{ "drift", seed, seed, tweak_drift, { "netns_A", "netns_B" } },
	{ "destroy", seed, NULL, NULL, { "netns_A", "netns_B" } },
};

struct world {
	struct kern k;
	struct topology d;
	struct topo_state s;
};

static void world_build(struct world *w, const struct scenario *sc)
{
	struct topology before;

	memset(w, 0, sizeof(*w));
	snprintf(w->k.topo, sizeof(w->k.topo), "seed001");
	w->k.next_ifindex = 100;
	if (sc->after)
		fx_load(sc->after, &w->d);
	else
		snprintf(w->d.name, sizeof(w->d.name), "seed001");
	snprintf(w->s.topology, sizeof(w->s.topology), "seed001");
	for (int i = 0; i < 4 && sc->state_ns[i]; i++)
		assert_int_equal(topo_state_ns_put(&w->s, sc->state_ns[i], TOPO_NS_CREATED, NULL, 0), 0);
	if (sc->before) {
		fx_load(sc->before, &before);
		fx_observe_converged(&before, &w->k.t);
		/* The sysctls topo changed, as the state file has them. */
		for (size_t i = 0; i < before.n_ns; i++)
			for (size_t c = 0; c < before.ns[i].n_sysctls; c++)
				assert_int_equal(topo_state_sysctl_put(&w->s, before.ns[i].name,
								       before.ns[i].sysctls[c].key, "0"), 0);
		topology_free(&before);
	} else {
		fx_observe_empty(&w->d, &w->k.t, "0");
	}
	/* The namespaces the backend looks at: declared ones and recorded ones. */
	for (size_t i = 0; i < w->d.n_ns; i++)
		if (!k_ns(&w->k, w->d.ns[i].name))
			fx_ns(&w->k.t, w->d.ns[i].name, w->d.ns[i].kind, false);
	if (sc->tweak)
		sc->tweak(&w->k);
}

static void world_free(struct world *w)
{
	topology_free(&w->k.t);
	topology_free(&w->d);
	topo_state_free(&w->s);
}

static size_t explicit_steps(const struct plan *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++)
		n += !p->steps[i].implicit;
	return n;
}

static void print_plan(const struct plan *p)
{
	char *t = fx_plan_text(p, true);

	print_message("%s", t);
	free(t);
}

/* The plan, applied in full, converges: a second diff has nothing to do. */
static void check_converges(const struct scenario *sc)
{
	struct world w;
	struct diff_result r, again;
	struct plan j = { 0 };
	struct exec_report rep;
	int ret;

	world_build(&w, sc);
	assert_int_equal(topo_diff(&w.d, &w.k.t, &w.s, &r), 0);
	fx_assert_no_conflicts(&r);
	assert_true(explicit_steps(&r.plan) > 0);
	ret = plan_execute(&r.plan, &kern_ops, &w.k, NULL, &j, &rep);
	if (ret != 0) {
		print_message("%s: apply failed at '%s': %s\n", sc->name, rep.step, rep.msg);
		print_plan(&j);
	}
	assert_int_equal(ret, 0);
	assert_int_equal(topo_diff(&w.d, &w.k.t, &w.s, &again), 0);
	fx_assert_no_conflicts(&again);
	if (explicit_steps(&again.plan)) {
		print_message("%s: not converged; first plan:\n", sc->name);
		print_plan(&j);
		print_message("second plan:\n");
		print_plan(&again.plan);
	}
	assert_int_equal(explicit_steps(&again.plan), 0);
	diff_result_free(&again);
	diff_result_free(&r);
	plan_free(&j);
	world_free(&w);
}

/* Failing at each step K in turn, then rolling back, leaves the kernel as it was. */
static void check_rollback_everywhere(const struct scenario *sc)
{
	struct world w;
	struct diff_result r;
	size_t n;

	world_build(&w, sc);
	assert_int_equal(topo_diff(&w.d, &w.k.t, &w.s, &r), 0);
	n = explicit_steps(&r.plan);
	diff_result_free(&r);
	world_free(&w);
	for (size_t k = 1; k <= n; k++) {
		struct plan j = { 0 };
		struct exec_opts o = { .fail_at = k };
		struct exec_report rep;
		struct rollback_report rb;
		char *before, *after;

		world_build(&w, sc);
		before = k_dump(&w.k.t);
		assert_int_equal(topo_diff(&w.d, &w.k.t, &w.s, &r), 0);
		assert_int_equal(plan_execute(&r.plan, &kern_ops, &w.k, &o, &j, &rep), -EPERM);
		assert_int_equal(plan_rollback(&j, &kern_ops, &w.k, &rb), 0);
		after = k_dump(&w.k.t);
		if (rb.failed || strcmp(before, after) != 0) {
			print_message("%s: fail at step %zu ('%s'): rollback %zu undone, %zu failed (%s)\n", sc->name,
				      k, rep.step, rb.undone, rb.failed, rb.first_error);
			print_message("---- journal (the plan moved into it, up to the failure):\n");
			print_plan(&j);
			print_message("---- kernel before:\n%s", before);
			print_message("---- after rollback:\n%s", after);
		}
		assert_int_equal(rb.failed, 0);
		assert_string_equal(before, after);
		free(before);
		free(after);
		plan_free(&j);
		diff_result_free(&r);
		world_free(&w);
	}
}

/*
 * The kernel deletes a vxlan together with its underlay
 * (vxlan_handle_lowerdev_unregister): the diff makes the vxlan's delete
 * implicit in the underlay's, so apply does not trip over ENODEV and a
 * rollback brings both back.
 */
static const char host_vxlan[] =
	"topology: seed001\n"
	"namespaces:\n"
	"  host:\n"
	"    interfaces:\n"
	"      vethU: {addresses: [10.0.0.1/24]}\n"
	"      vxU: {type: vxlan, vni: 7, remote: 10.0.0.2, dev: vethU}\n"
	"  u:\n"
	"    interfaces:\n"
	"      eth0: {addresses: [10.0.0.2/24]}\n"
	"links:\n"
	"  - [host:vethU, u:eth0]\n";

static void test_kernel_vxlan_goes_with_underlay(void **state)
{
	static const struct scenario sc = { "vxlan and its underlay removed", host_vxlan, NULL, NULL, { "u" } };

	(void)state;
	check_converges(&sc);
	check_rollback_everywhere(&sc);
}

/*
 * Rollback order: the inverse steps in the forward plan's phase order,
 * newest first within a phase. Undoing a renumbering, the old address
 * comes back before the old route through it, and the new address goes
 * after (a link never drops to no address); steps on a link the journal
 * created come first, while it is there.
 */
static void test_rollback_phase_order(void **state)
{
	struct plan j = { 0 };
	struct rec r = { 0 };
	struct rollback_report rb;
	struct step *s;

	(void)state;
	s = push(&j, STEP_ADDR_ADD, PHASE_ADDR_ADD, "leaf");
	snprintf(s->ifname, sizeof(s->ifname), "eth0");
	s->addr.ip = fx_ip("10.20.0.2/24");
	s = push(&j, STEP_ADDR_DEL, PHASE_ADDR_DEL, "leaf");
	snprintf(s->ifname, sizeof(s->ifname), "eth0");
	s->addr.ip = fx_ip("10.10.0.2/24");
	s = push(&j, STEP_ROUTE_REPLACE, PHASE_ROUTE_ADD, "leaf");
	s->rt->route.dst.family = AF_INET;
	s->rt->route.via = fx_ip("10.20.0.1");
	s->rt->route.table = TOPO_TABLE_MAIN;
	s->rt->old_route[0] = s->rt->route;
	s->rt->old_route[0].via = fx_ip("10.10.0.1");
	s = push(&j, STEP_LINK_ADD, PHASE_LINK_ADD, "leaf");
	topo_iface_init(&s->lk->link);
	snprintf(s->lk->link.name, sizeof(s->lk->link.name), "br9");
	fx_set_type(&s->lk->link, TOPO_IF_BRIDGE);
	s = push(&j, STEP_ADDR_ADD, PHASE_ADDR_ADD, "leaf");
	snprintf(s->ifname, sizeof(s->ifname), "br9");
	s->addr.ip = fx_ip("10.9.0.1/24");
	s = push(&j, STEP_ADDR_DEL, PHASE_ADDR_DEL_GONE, "leaf");
	snprintf(s->ifname, sizeof(s->ifname), "eth0");
	s->addr.ip = fx_ip("fd00::2/64");
	s = push(&j, STEP_LINK_SET, PHASE_LINK_ATTR, "leaf");
	snprintf(s->ifname, sizeof(s->ifname), "eth0");
	s->attr = LINK_ATTR_MTU;
	s->set->old.mtu = 1500;
	s->set->new.mtu = 1200;
	assert_int_equal(plan_rollback(&j, &rec_ops, &r, &rb), 0);
	ASSERT_LOG(&r,
		   "- address del 10.9.0.1/24 dev br9 netns leaf  # rollback",
		   "- link del br9 netns leaf  # rollback",
		   "~ link set eth0 mtu 1500 netns leaf  # rollback",
		   "+ address add fd00::2/64 dev eth0 netns leaf  # rollback",
		   "+ address add 10.10.0.2/24 dev eth0 netns leaf  # rollback",
		   "- address del 10.20.0.2/24 dev eth0 netns leaf  # rollback",
		   "~ route replace default via 10.10.0.1 netns leaf  # rollback");
	assert_int_equal(rb.undone, 7);
	plan_free(&j);
}

/*
 * sysctls: a namespace-wide key is put back before the links a rollback
 * re-creates (they copy conf.default.*); a per-interface key after them;
 * ip_forward, which set every interface's forwarding before the
 * per-interface keys were written (and their old values read), after those.
 */
static void test_rollback_sysctl_order(void **state)
{
	struct plan j = { 0 };
	struct rec r = { 0 };
	struct rollback_report rb;
	struct step *s;
	static const char *const keys[][3] = {
		{ "net.ipv4.ip_forward", "1", "0" },
		{ "net.ipv4.conf.default.arp_ignore", "1", "0" },
		{ "net.ipv4.conf.eth0.forwarding", "0", "1" },
	};

	(void)state;
	s = push(&j, STEP_LINK_DEL, PHASE_LINK_DEL, "a");
	topo_iface_init(&s->lk->link);
	snprintf(s->lk->link.name, sizeof(s->lk->link.name), "br9");
	fx_set_type(&s->lk->link, TOPO_IF_BRIDGE);
	for (size_t i = 0; i < 3; i++) {
		s = push(&j, STEP_SYSCTL_SET, i < 2 ? PHASE_SYSCTL_NS : PHASE_SYSCTL_IF, "a");
		s->key = strdup(keys[i][0]);
		s->value = strdup(keys[i][1]);
		s->old_value = strdup(keys[i][2]);
	}
	assert_int_equal(plan_rollback(&j, &rec_ops, &r, &rb), 0);
	ASSERT_LOG(&r,
		   "~ sysctl net.ipv4.conf.default.arp_ignore=0 netns a (was 1)  # rollback",
		   "+ link add br9 type bridge netns a  # rollback",
		   "~ sysctl net.ipv4.conf.eth0.forwarding=1 netns a (was 0)  # rollback",
		   "~ sysctl net.ipv4.ip_forward=0 netns a (was 1)  # rollback");
	plan_free(&j);
}

static const char *k_sysctl_value(struct kern *k, const char *ns, const char *key)
{
	struct topo_ns *n = k_live_ns(k, ns);

	for (size_t i = 0; n && i < n->n_sysctls; i++)
		if (strcmp(n->sysctls[i].key, key) == 0)
			return n->sysctls[i].value;
	return NULL;
}

/* What the order buys, in the fake kernel: the link copies the default set
 * before it; ip_forward does not overwrite the interface's own key; the
 * first declared address is the first on the link. */
static void test_kernel_order_effects(void **state)
{
	static const struct scenario fresh = { "order", NULL, order1, NULL, { NULL } };
	static const struct scenario update = { "order update", order1, order2, NULL, { "netns_A" } };
	const struct scenario *sc[] = { &fresh, &update };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct world w;
		struct diff_result r;
		struct plan j = { 0 };
		struct exec_report rep;
		const struct topo_iface *eth0;
		char a[TOPO_IP_STRLEN];

		world_build(&w, sc[i]);
		assert_int_equal(topo_diff(&w.d, &w.k.t, &w.s, &r), 0);
		assert_int_equal(plan_execute(&r.plan, &kern_ops, &w.k, NULL, &j, &rep), 0);
		if (i == 0) {
			assert_string_equal(k_sysctl_value(&w.k, "netns_A", "net.ipv4.conf.eth0.arp_ignore"), "1");
			assert_string_equal(k_sysctl_value(&w.k, "netns_A", "net.ipv4.conf.eth0.forwarding"), "0");
			assert_string_equal(k_sysctl_value(&w.k, "netns_A", "net.ipv4.ip_forward"), "1");
			eth0 = fx_oif(&w.k.t, "netns_A", "eth0");
			assert_int_equal(eth0->n_addrs, 2);
			assert_string_equal(topo_ip_format(&eth0->addrs[0].ip, true, a, sizeof(a)), "10.50.0.9/24");
		} else {
			assert_string_equal(k_sysctl_value(&w.k, "netns_A", "net.ipv4.conf.eth1.arp_ignore"), "1");
		}
		diff_result_free(&r);
		plan_free(&j);
		world_free(&w);
	}
}

static void test_kernel_converges(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		check_converges(&scenarios[i]);
}

static void test_kernel_rollback_at_every_step(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		check_rollback_everywhere(&scenarios[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_execute_all),
		cmocka_unit_test(test_execute_keeps_plan_order),
		cmocka_unit_test(test_fail_at_and_rollback),
		cmocka_unit_test(test_fail_at_first_and_unwritten_sysctl),
		cmocka_unit_test(test_implicit_journal),
		cmocka_unit_test(test_before_step_hook),
		cmocka_unit_test(test_backend_failure_in_batch),
		cmocka_unit_test(test_rollback_keeps_going),
		cmocka_unit_test(test_rollback_phase_order),
		cmocka_unit_test(test_rollback_sysctl_order),
		cmocka_unit_test(test_kernel_order_effects),
		cmocka_unit_test(test_kernel_converges),
		cmocka_unit_test(test_kernel_rollback_at_every_step),
		cmocka_unit_test(test_kernel_vxlan_goes_with_underlay),
	};

	return cmocka_run_group_tests_name("exec", tests, NULL, NULL);
}
