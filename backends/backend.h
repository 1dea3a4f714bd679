/* SPDX-License-Identifier: MIT */
/*
 * The kernel, behind our own types. Nothing from libnl, libnftnl or libmnl
 * crosses this header: callers see the model (observed state is a struct
 * topology), the plan, and errors as -errno plus a message.
 */
#ifndef TOPO_BACKENDS_BACKEND_H
#define TOPO_BACKENDS_BACKEND_H

#include <stdbool.h>
#include <stdio.h>

#include "model/state.h"
#include "model/topology.h"
#include "reconcile/exec.h"
#include "reconcile/plan.h"

struct backend;

struct backend_opts {
	bool verbose;           /* print each netlink step on stderr */
	/* Where namespaces live: /run/netns; state and locks: /run/topo. Tests
	 * may point them elsewhere. */
	const char *netns_dir;
	const char *state_dir;
	/* Test hook: SIGKILL right after the Nth netlink request is sent. */
	unsigned long kill_after_msgs;
};

/* 0 or -errno; on error *ret is NULL. */
int backend_open(struct backend **ret, const char *topology, const struct backend_opts *opts);
void backend_close(struct backend *b);

/* The message that goes with the last error a backend call returned. */
const char *backend_error(const struct backend *b);

/*
 * Reads the kernel into *ret: one struct topo_ns per namespace in scope,
 * matched by name with the desired ones. In scope: every declared namespace,
 * every namespace the state file records, and with scan_marks every named
 * namespace under /run/netns whose lo carries this topology's mark (destroy
 * without a state file). 0 or -errno.
 */
int backend_observe(struct backend *b, const struct topology *desired, const struct topo_state *state,
		    bool scan_marks, struct topology *ret);

/* The executor behind reconcile's plan_execute/plan_rollback; ctx = backend. */
extern const struct exec_ops backend_exec_ops;

/*
 * Asked before each step of a batch (not during rollback): when it returns
 * true the rest of the batch is not run; those steps fail with -ECANCELED
 * ("not run: interrupted"), so the journal holds exactly what was done.
 */
void backend_set_stop(struct backend *b, bool (*stop)(void *arg), void *arg);

/* Sysctl values recorded before topo changes them go here (the executor
 * records and saves them before it writes). */
void backend_set_state(struct backend *b, struct topo_state *state);

/* ---------------------------------------------------------------- probes -- */

/*
 * From inside the namespace NS (declared in t): an ICMP echo, or a TCP
 * connect to dst:port. 0 with the time taken, or -errno (backend_error says
 * what happened: "no reply in 1000 ms", "Connection refused").
 */
int backend_ping(struct backend *b, const struct topo_ns *ns, const struct topo_ip *dst, int timeout_ms,
		 double *ret_ms);
int backend_tcp(struct backend *b, const struct topo_ns *ns, const struct topo_ip *dst, uint16_t port,
		int timeout_ms, double *ret_ms);

/*
 * Moves the calling process into a namespace for good, as `ip netns exec`
 * does: the network namespace by name (/run/netns/NAME), by path or by pid,
 * plus a private mount namespace with /sys remounted so that /sys/class/net
 * shows that namespace's links. For `topo exec`, just before execvp().
 */
int netns_switch_for_exec(const char *name, enum topo_ns_kind kind, const char *path, int pid, char *err,
			  size_t errlen);

/* ------------------------------------------------------------- state file -- */

/* /run/topo/<topology>.json. -ENOENT when there is none. */
int state_load(const char *dir, const char *topology, struct topo_state *ret);
/* Written to a temporary file, fsync'ed and renamed over the old one. */
int state_save(const char *dir, const struct topo_state *s);
int state_remove(const char *dir, const char *topology);

/*
 * flock(2) on DIR/<topology>.lock (and with global, DIR/.global.lock):
 * wait, printing `waiting` once if the lock is held, or with no_wait return
 * -EWOULDBLOCK at once. Returns an fd to pass to state_unlock, or -errno.
 */
int state_lock(const char *dir, const char *name, bool no_wait, FILE *waiting);
void state_unlock(int fd);

#endif
