// SPDX-License-Identifier: MIT
#include "cmd/interrupt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const int watched_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define N_WATCHED (sizeof(watched_signals) / sizeof(watched_signals[0]))

void interrupt_block(struct interrupt *it)
{
	memset(it, 0, sizeof(*it));
	sigemptyset(&it->watched);
	for (size_t i = 0; i < N_WATCHED; i++) {
		struct sigaction sa;

		/* A background job's SIGINT is ignored by its shell: it stays ignored. */
		if (sigaction(watched_signals[i], NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			continue;
		sigaddset(&it->watched, watched_signals[i]);
	}
	it->blocked = sigprocmask(SIG_BLOCK, &it->watched, &it->old) == 0;
}

bool interrupt_requested(void *arg)
{
	struct interrupt *it = arg;
	sigset_t pending;

	if (it->sig)
		return true;
	if (!it->blocked || sigpending(&pending) < 0)
		return false;
	for (size_t i = 0; i < N_WATCHED; i++)
		if (sigismember(&it->watched, watched_signals[i]) && sigismember(&pending, watched_signals[i])) {
			it->sig = watched_signals[i];
			return true;
		}
	return false;
}

const char *interrupt_name(const struct interrupt *it)
{
	switch (it->sig) {
	case SIGINT:
		return "SIGINT";
	case SIGTERM:
		return "SIGTERM";
	case SIGHUP:
		return "SIGHUP";
	default:
		return "a signal";
	}
}

void interrupt_end(struct interrupt *it)
{
	if (!it->blocked)
		return;
	if (it->sig) {
		sigset_t one;

		fflush(NULL);
		signal(it->sig, SIG_DFL);
		sigemptyset(&one);
		sigaddset(&one, it->sig);
		sigprocmask(SIG_UNBLOCK, &one, NULL);   /* pending: delivered here, and fatal */
		raise(it->sig);
	}
	/* One that came after the last step found the work done: taken here, so
	 * that the run ends as what it is, a success. */
	for (size_t i = 0; i < N_WATCHED; i++) {
		sigset_t one;
		const struct timespec zero = { 0, 0 };

		if (!sigismember(&it->watched, watched_signals[i]))
			continue;
		sigemptyset(&one);
		sigaddset(&one, watched_signals[i]);
		if (sigtimedwait(&one, NULL, &zero) > 0)
			fprintf(stderr, "topo: %s came after the last step; the run had completed\n",
				watched_signals[i] == SIGINT ? "SIGINT" : watched_signals[i] == SIGTERM ? "SIGTERM" : "SIGHUP");
	}
	sigprocmask(SIG_SETMASK, &it->old, NULL);
	it->blocked = false;
}
