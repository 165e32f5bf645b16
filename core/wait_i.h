/*
 * Waiting: futex(2) on 32-bit words in the segment (shared futexes: the
 * words are in a MAP_SHARED mapping, so no FUTEX_PRIVATE_FLAG), events with
 * waiter counts, deadlines on CLOCK_MONOTONIC, and the spin-then-sleep loop
 * every blocking call uses. Nothing here polls with sleeps: a waiter sleeps on
 * a futex until woken, its deadline, or a recheck time a caller asked for
 * (dead-peer detection, structures without a wait block).
 */
#ifndef ZEROIPC_WAIT_I_H
#define ZEROIPC_WAIT_I_H

#include <stdatomic.h>
#include <stdint.h>

#include <zeroipc/event.h>

struct zipc_event {
	_Atomic uint32_t seq;     /* futex word: bumped on change when waiters != 0 */
	_Atomic uint32_t waiters; /* processes between arm and disarm */
};
_Static_assert(sizeof(struct zipc_event) == 8, "event is 8 bytes");

#define ZIPC__NEVER INT64_MAX
/* Recheck period for structures without a wait block (made elsewhere). */
#define ZIPC__FOREIGN_RECHECK_NS (10 * 1000 * 1000LL)
/* Default time without progress after which a peer is presumed dead. */
#define ZIPC__STALL_DEFAULT_NS (1000 * 1000 * 1000LL)
#define ZIPC__STALL_MIN_NS (1000 * 1000LL)

int64_t zipc__now_ns(void);

/* Absolute deadline for a relative timeout (ZIPC_FOREVER or < 0: ZIPC__NEVER). */
int64_t zipc__deadline(int64_t timeout_ns);

/*
 * Sleep while *word == expected, until deadline (absolute, CLOCK_MONOTONIC).
 * Returns 0 (woken, or the word differed), -ETIMEDOUT or -EINTR.
 */
int zipc__futex_wait(_Atomic uint32_t *word, uint32_t expected, int64_t deadline);
void zipc__futex_wake_all(_Atomic uint32_t *word);

/*
 * Announce a change to waiters of ev. Call after the change is stored
 * (release). Costs a fence and a load when nobody waits.
 */
void zipc__event_signal(struct zipc_event *ev);

/*
 * The same, for a caller whose change was a seq_cst read-modify-write: that
 * RMW takes the place of fence (B) (a locked instruction on x86 already), so
 * the waiter count is read with a seq_cst load and no fence.
 */
void zipc__event_signal_after_rmw(struct zipc_event *ev);

/*
 * One blocking operation. attempt() returns >= 0 when done, -EAGAIN to wait,
 * any other negative errno to fail; it may lower w->recheck_at to be called
 * again by then even if nobody signals (dead-peer detection).
 */
struct zipc__waiter {
	struct zipc_event *ev;      /* NULL: the structure has no wait block */
	_Atomic uint32_t *fallback; /* with ev NULL: a word that changes with the structure */
	int64_t timeout_ns;         /* relative, as given by the caller */
	int64_t deadline;           /* absolute; ZIPC__DEADLINE_UNSET until first needed */
	int64_t recheck_at;         /* absolute; ZIPC__NEVER unless an attempt set it */
};

/* The deadline is computed from timeout_ns only once a call has to wait, so a
 * blocking call that succeeds at once costs no clock read. A waiter reused
 * across several waits keeps the deadline of the first. */
#define ZIPC__DEADLINE_UNSET INT64_MIN
typedef long (*zipc__attempt_fn)(void *ctx, struct zipc__waiter *w);

/*
 * Try, spin briefly, then sleep on the event until attempt() succeeds or
 * fails. Returns attempt()'s result, -ETIMEDOUT at the deadline, -EINTR.
 */
long zipc__wait_for(struct zipc__waiter *w, zipc__attempt_fn attempt, void *ctx);

#endif
