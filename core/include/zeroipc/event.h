/*
 * Events: waiting for a structure to change, for programs that wait on many
 * structures at once (the filesystem daemon, event loops).
 *
 * An event is a 32-bit sequence word and a waiter count in the segment. A
 * process that changes the structure bumps the sequence and calls futex
 * wake, but only when the waiter count says someone sleeps, so an unwatched
 * event costs nothing. Protocol for a watcher:
 *
 *	token = zipc_event_arm(ev);          registers as a waiter
 *	if (the condition already holds)     re-check after arming
 *		...;
 *	else
 *		zipc_event_wait(ev, token, timeout);
 *	zipc_event_disarm(ev);
 *
 * A watcher that dies while armed leaves the count one too high: later
 * changes then make a futex wake call nobody needs. Nothing hangs.
 * Queues and stacks made by other implementations have no events (their
 * accessors return NULL): wait on those with their own blocking calls.
 * Futures and lazies use their state word as the event, which other
 * implementations change too, but do not always wake.
 */
#ifndef ZEROIPC_EVENT_H
#define ZEROIPC_EVENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Wait without a time limit (only a signal or the event ends the wait). */
#define ZIPC_FOREVER (-1)

/* Which change of a structure to wait for. */
enum zipc_ready {
	ZIPC_READABLE = 1, /* something may have been added */
	ZIPC_WRITABLE = 2, /* room may have been made */
};

struct zipc_event;

/* Register as a waiter and return the current sequence (the token). */
uint32_t zipc_event_arm(struct zipc_event *ev);

/* Undo one zipc_event_arm(). */
void zipc_event_disarm(struct zipc_event *ev);

/*
 * Sleep until the event's sequence differs from token, timeout_ns passes
 * (ZIPC_FOREVER: no limit; 0: do not sleep) or a signal arrives.
 * Returns 0 (changed, or woken), -ETIMEDOUT, or -EINTR.
 */
int zipc_event_wait(struct zipc_event *ev, uint32_t token, int64_t timeout_ns);

/*
 * The same over n events (1 <= n <= 128) with futex_waitv: returns as soon as
 * any of them moves past its token. Returns 0, -ETIMEDOUT, -EINTR, -EINVAL.
 */
int zipc_event_wait_any(struct zipc_event *const evs[], const uint32_t tokens[], size_t n,
			int64_t timeout_ns);

/* The current sequence of ev (acquire). */
uint32_t zipc_event_sequence(const struct zipc_event *ev);

#ifdef __cplusplus
}
#endif
#endif
