// SPDX-License-Identifier: MIT
/*
 * Namespace ownership in the diff: only the mark on lo proves a namespace
 * topo's (the state file's "about to create" does not), and something that
 * is not a namespace at a declared name (the backend's reason in `absent`)
 * is a conflict before any step.
 */
#include "tests/unit/fixtures.h"

static const char *lab = "topology: lab\n"
			 "namespaces:\n"
			 "  web:\n"
			 "    interfaces:\n"
			 "      lo: {addresses: [10.255.0.1/32]}\n";

static void state_says_created(struct topo_state *st)
{
	memset(st, 0, sizeof(*st));
	snprintf(st->topology, sizeof(st->topology), "lab");
	assert_int_equal(topo_state_ns_put(st, "web", TOPO_NS_CREATED, NULL, 0), 0);
}

/* A killed apply recorded "web", then someone else made a namespace web. */
static void test_state_record_is_not_proof_for_apply(void **state)
{
	struct topology d = { 0 }, o = { 0 };
	struct topo_state st;
	struct diff_result r = { 0 };

	(void)state;
	fx_load(lab, &d);
	fx_host_base(&o);
	fx_lo(fx_ns(&o, "web", TOPO_NS_CREATED, true), NULL);
	state_says_created(&st);
	assert_int_equal(topo_diff(&d, &o, &st, &r), 0);
	assert_true(r.conflicts.n >= 1);
	assert_true(fx_msgs_have(&r.conflicts, "namespace web exists"));
	diff_result_free(&r);
	topo_state_free(&st);
	topology_free(&d);
	topology_free(&o);
}

/* The same, seen by destroy (nothing declared): never deleted. */
static void test_state_record_is_not_proof_for_destroy(void **state)
{
	struct topology d = { 0 }, o = { 0 };
	struct topo_state st;
	struct diff_result r = { 0 };

	(void)state;
	snprintf(d.name, sizeof(d.name), "lab");
	fx_host_base(&o);
	fx_lo(fx_ns(&o, "web", TOPO_NS_CREATED, true), NULL);
	state_says_created(&st);
	assert_int_equal(topo_diff(&d, &o, &st, &r), 0);
	assert_int_equal(fx_count_op(&r.plan, STEP_NETNS_DEL, false), 0);
	assert_false(fx_plan_touches(&r.plan, "web", "lo"));
	diff_result_free(&r);
	topo_state_free(&st);
	topology_free(&d);
	topology_free(&o);
}

/* Marked by us: destroy deletes it, with or without the record. */
static void test_marked_is_ours(void **state)
{
	struct topology d = { 0 }, o = { 0 };
	struct topo_state st = { 0 };
	struct diff_result r = { 0 };
	struct topo_ns *web;

	(void)state;
	snprintf(d.name, sizeof(d.name), "lab");
	snprintf(st.topology, sizeof(st.topology), "lab");
	fx_host_base(&o);
	web = fx_ns(&o, "web", TOPO_NS_CREATED, true);
	fx_lo(web, "lab");
	web->owned = true;   /* as observe says of a namespace whose lo has our mark */
	assert_int_equal(topo_diff(&d, &o, &st, &r), 0);
	assert_int_equal(fx_count_op(&r.plan, STEP_NETNS_DEL, false), 1);
	diff_result_free(&r);
	topology_free(&d);
	topology_free(&o);
}

/* A plain file (or a foreign mount) holds the declared name: a conflict, no step. */
static void test_foreign_entry_is_a_conflict(void **state)
{
	struct topology d = { 0 }, o = { 0 };
	struct topo_state st;
	struct diff_result r = { 0 };
	struct topo_ns *web;

	(void)state;
	fx_load(lab, &d);
	fx_host_base(&o);
	web = fx_ns(&o, "web", TOPO_NS_CREATED, false);
	web->absent = strdup("/run/netns/web is an empty plain file, not a mounted network namespace");
	state_says_created(&st);
	assert_int_equal(topo_diff(&d, &o, &st, &r), 0);
	assert_true(fx_msgs_have(&r.conflicts, "/run/netns/web is an empty plain file"));
	diff_result_free(&r);
	topo_state_free(&st);
	topology_free(&d);
	topology_free(&o);
}

/* Absent without a reason (nothing there, or our own leftover): created. */
static void test_absent_is_created(void **state)
{
	struct topology d = { 0 }, o = { 0 };
	struct diff_result r = { 0 };

	(void)state;
	fx_load(lab, &d);
	fx_host_base(&o);
	fx_ns(&o, "web", TOPO_NS_CREATED, false);
	assert_int_equal(topo_diff(&d, &o, NULL, &r), 0);
	fx_assert_no_conflicts(&r);
	assert_int_equal(fx_count_op(&r.plan, STEP_NETNS_ADD, false), 1);
	diff_result_free(&r);
	topology_free(&d);
	topology_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_record_is_not_proof_for_apply),
		cmocka_unit_test(test_state_record_is_not_proof_for_destroy),
		cmocka_unit_test(test_marked_is_ours),
		cmocka_unit_test(test_foreign_entry_is_a_conflict),
		cmocka_unit_test(test_absent_is_created),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
