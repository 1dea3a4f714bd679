/* SPDX-License-Identifier: MIT */
/*
 * SIGINT, SIGTERM and SIGHUP during apply and destroy: blocked, so they
 * never cut a step in half, and looked for between steps (the executor's
 * stop callback). The run stops there, apply rolls back, and then topo dies
 * of the signal it got, as an interrupted program should (its parent sees
 * WIFSIGNALED: a shell reports 130/143/129 and stops its loop or script).
 * No handler, no global state: the pending set is the kernel's.
 */
#ifndef TOPO_CMD_INTERRUPT_H
#define TOPO_CMD_INTERRUPT_H

#include <signal.h>
#include <stdbool.h>

struct interrupt {
	sigset_t watched;       /* ours and not ignored by whoever started topo */
	sigset_t old;
	bool blocked;
	int sig;                /* the one that asked to stop, 0 = none */
};

/* Blocks the watched signals (those not already ignored). */
void interrupt_block(struct interrupt *it);
/* The stop callback (arg = struct interrupt *): true once a watched signal is pending. */
bool interrupt_requested(void *arg);
/* "SIGTERM" */
const char *interrupt_name(const struct interrupt *it);
/* With a signal taken: restores its default action and dies of it. Otherwise
 * puts the signal mask back (a signal that came after the last step is
 * then delivered as usual: the work is done). */
void interrupt_end(struct interrupt *it);

#endif
