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
/* libnftables' parse of every nft: text (a dry run), errors written to err
 * as FILE:LINE:COL inside the file's block scalars. 0 or -EINVAL. */
int backend_nft_text_check(const struct topology *t, const char *file, FILE *err);
void backend_close(struct backend *b);

/* The addresses of the namespace topo runs in (caller frees *ret): how a
 * file with nodes: finds which node this host is. 0 or -errno, err set. */
int backend_host_addresses(struct topo_ip **ret, size_t *n_ret, char *err, size_t errlen);

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

/*
 * The read that verifies what a plan did: prev is the read the plan was
 * made from, fresh[i] says prev->ns[i] may have changed since (see
 * plan_touches). Those are read again; the others are moved from prev
 * into *ret as they were (prev keeps emptied entries: free it after).
 * A namespace in scope that prev lacks is read. 0 or -errno.
 */
int backend_observe_again(struct backend *b, const struct topology *desired, const struct topo_state *state,
			  struct topology *prev, const bool *fresh, struct topology *ret);

/* The executor behind reconcile's plan_execute/plan_rollback; ctx = backend. */
extern const struct exec_ops backend_exec_ops;

/*
 * Asked before each step of a batch (not during rollback): when it returns
 * true the rest of the batch is not run; those steps fail with -ECANCELED
 * ("not run: interrupted"), so the journal holds exactly what was done.
 */
void backend_set_stop(struct backend *b, bool (*stop)(void *arg), void *arg);

/* Every kind of object read in every namespace (show, export): otherwise a
 * read leaves out what topo cannot touch there (see backends/observe.c). */
void backend_read_everything(struct backend *b);
/* destroy: each of topo's own namespaces goes whole or stays untouched, so
 * only their links (lo's mark, veth peers) are read. */
void backend_read_for_destroy(struct backend *b);
/*
 * On: a batch deleting namespaces returns without waiting for the links
 * that go with them (the kernel's cleanup is asynchronous); the wait comes
 * before the next batch that must see them gone, or at
 * backend_wait_deferred. destroy overlaps the cleanup with its other
 * steps this way. 0 or -errno (backend_error says which links stayed).
 */
void backend_defer_waits(struct backend *b, bool on);
int backend_wait_deferred(struct backend *b);

/* Sysctl values recorded before topo changes them go here (the executor
 * records and saves them before it writes). */
void backend_set_state(struct backend *b, struct topo_state *state);

/* ---------------------------------------------------------------- probes -- */

/* Why a probe did not get through. */
enum probe_reason {
	PROBE_OK = 0,
	PROBE_NO_ROUTE,         /* no route, or a host/network unreachable on the way */
	PROBE_REFUSED,          /* a TCP reset, or ICMP port unreachable */
	PROBE_TIMEOUT,          /* no answer in the time given */
	PROBE_TOO_BIG,          /* don't fragment, and bigger than the path MTU */
	PROBE_ERROR,            /* anything else: backend_error says */
};

#define PROBE_MAX_LISTEN 4

/* A listening socket topo opens for the probe's duration: in namespace NS,
 * on ADDR (family 0: the wildcard address of the probe's family), port PORT. */
struct probe_listen {
	const struct topo_ns *ns;
	uint16_t port;
	struct topo_ip addr;
};

struct probe_request {
	const struct topo_ns *from;
	enum topo_check_kind kind;
	struct topo_ip dst;
	uint16_t port;                    /* tcp, udp */
	bool has_size;                    /* ping: size = ICMP payload bytes (else a 16-byte probe) */
	uint32_t size;
	bool df;                          /* ping: don't fragment */
	const struct probe_listen *listen;   /* tcp, udp: at most PROBE_MAX_LISTEN */
	size_t n_listen;
	int timeout_ms;
};

struct probe_result {
	enum probe_reason reason;
	double ms;                        /* PROBE_OK: time to the answer */
	unsigned mtu;                     /* PROBE_TOO_BIG: the path MTU the kernel knows, 0 = unknown */
	int received_by;                  /* index in listen[] that got it; -1 = unknown */
	bool received_foreign;            /* by the server already there (held), seen in its socket table */
	bool held[PROBE_MAX_LISTEN];      /* listen[i]'s port was taken there: another server answers */
	struct topo_ip peer;              /* the source address topo's listener saw; family 0 = not seen */
	uint16_t peer_port;
};

/*
 * From inside req->from: an ICMP echo (raw socket, optionally of a given size
 * with don't-fragment), a TCP connect, or a UDP datagram echoed back by
 * topo's own listener. Listeners are opened first (each in its namespace,
 * unless the port is already taken there, which is then someone else's
 * server) and closed before returning. No program is run.
 * 0 with *ret filled (reason PROBE_OK or why not; backend_error has the
 * detail), or -errno when the probe could not be made at all.
 */
int backend_probe(struct backend *b, const struct probe_request *req, struct probe_result *ret);

/* The topology named by the mark on a namespace's lo: owner = "" when it
 * carries none. 0, or -errno (backend_error says) when it cannot be read. */
int backend_ns_owner(struct backend *b, const struct topo_ns *ns, char *owner, size_t len);

/* ------------------------------------------------------------- readiness -- */

/*
 * After an apply: waits until every interface the executed steps created or
 * changed (and that the file still declares) is up with carrier and
 * operstate up (or unknown, as lo and vxlan report), and none of their
 * declared IPv6 addresses is tentative; reading the kernel again on each
 * RTNLGRP_LINK / RTNLGRP_IPV6_IFADDR notification, never sleeping blind.
 * Bridges without a declared port only have to be up. 0 when ready,
 * -ETIMEDOUT after timeout_ms with backend_error naming what is not ready,
 * or another -errno.
 */
int backend_wait_ready(struct backend *b, const struct topology *desired, const struct plan *done,
		       int timeout_ms);

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
/* The same; on any other error err says what is wrong with the file. */
int state_load_msg(const char *dir, const char *topology, struct topo_state *ret, char *err, size_t errlen);
/* Written to a temporary file, fsync'ed and renamed over the old one. */
int state_save(const char *dir, const struct topo_state *s);
int state_remove(const char *dir, const char *topology);
/* Every other topology's state file in DIR (not `except`'s), parsed; files
 * that cannot be read or parsed are skipped. 0 or -ENOMEM; caller frees
 * each with topo_state_free, then the array. */
int state_load_others(const char *dir, const char *except, struct topo_state **ret, size_t *ret_n);

/* The host sysctl registry (model/state.h), DIR/host-sysctls.json; call
 * these under the global lock. Missing reads as empty; an empty one is
 * removed. On error err says what is wrong. */
void host_sysctls_path(const char *dir, char *buf, size_t len);
int host_sysctls_load(const char *dir, struct host_sysctls *ret, char *err, size_t errlen);
int host_sysctls_save(const char *dir, const struct host_sysctls *reg);
/* Fills st's held sysctls and shared originals from the registry, for host
 * and the attached namespaces of desired and st. */
int host_sysctls_merge(const char *dir, const struct topology *desired, struct topo_state *st, char *err,
		       size_t errlen);
/* After a successful apply (desired) or destroy (desired NULL): the
 * topology now holds exactly the sysctls desired declares in host and
 * attached namespaces. */
int host_sysctls_commit(const char *dir, const struct topology *desired, const struct topo_state *st, char *err,
			size_t errlen);

/*
 * flock(2) on DIR/<topology>.lock (and with global, DIR/.global.lock):
 * wait, printing `waiting` once if the lock is held, or with no_wait return
 * -EWOULDBLOCK at once. Returns an fd to pass to state_unlock, or -errno.
 */
int state_lock(const char *dir, const char *name, bool no_wait, FILE *waiting);
void state_unlock(int fd);

#endif
