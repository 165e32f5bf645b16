/*
 * futex(2)-based waiting: deadlines, events, and the spin-then-sleep loop.
 *
 * Event protocol (docs/FORMAT.md, "Wait block"), a Dekker pair of fences:
 *
 *   waiter                          changer
 *   waiters += 1                    store the change      (release)
 *   fence seq_cst           (A)     fence seq_cst         (B)
 *   token = seq                     if waiters != 0:
 *   re-check the condition              seq += 1; FUTEX_WAKE(seq)
 *   FUTEX_WAIT(seq, token)
 *   waiters -= 1
 *
 * (A) and (B) order each side's store before its load, so either the waiter's
 * re-check sees the change, or the changer sees waiters != 0 and bumps seq
 * after the waiter read its token, which makes FUTEX_WAIT return at once or
 * be woken. With nobody waiting, a change costs the fence and one load.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <zeroipc/event.h>

#include "common_i.h"
#include "wait_i.h"

/* How long a blocking call spins before it sleeps. */
#define SPIN_NS 50000

int64_t zipc__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t zipc__deadline(int64_t timeout_ns)
{
	int64_t now;

	if (timeout_ns < 0)
		return ZIPC__NEVER;
	now = zipc__now_ns();
	return timeout_ns > ZIPC__NEVER - now ? ZIPC__NEVER : now + timeout_ns;
}

static struct timespec timespec_of(int64_t ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};
	return ts;
}

int zipc__futex_wait(_Atomic uint32_t *word, uint32_t expected, int64_t deadline)
{
	struct timespec ts, *tsp = NULL;
	long r;

	if (deadline != ZIPC__NEVER) {
		if (zipc__now_ns() >= deadline)
			return -ETIMEDOUT;
		ts = timespec_of(deadline);
		tsp = &ts;
	}
	/* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time, so a wait
	 * interrupted and restarted never extends past the deadline. */
	r = syscall(SYS_futex, word, FUTEX_WAIT_BITSET, expected, tsp, NULL, FUTEX_BITSET_MATCH_ANY);
	if (r == 0 || errno == EAGAIN)
		return 0;
	if (errno == ETIMEDOUT)
		return -ETIMEDOUT;
	if (errno == EINTR)
		return -EINTR;
	return -errno;
}

void zipc__futex_wake_all(_Atomic uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static void bump_and_wake(struct zipc_event *ev)
{
	/* release: a waiter that reads the new seq as its token also sees the change */
	atomic_fetch_add_explicit(&ev->seq, 1, memory_order_release);
	zipc__futex_wake_all(&ev->seq);
}

void zipc__event_signal(struct zipc_event *ev)
{
	/* (B): orders the caller's change before the waiters load; pairs with (A) */
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&ev->waiters, memory_order_relaxed) != 0)
		bump_and_wake(ev);
}

void zipc__event_signal_after_rmw(struct zipc_event *ev)
{
	/* seq_cst: with the caller's seq_cst RMW, plays the part of (B); pairs
	 * with (A): the waiter's RMW on waiters precedes its fence in S */
	if (atomic_load_explicit(&ev->waiters, memory_order_seq_cst) != 0)
		bump_and_wake(ev);
}

ZIPC_EXPORT uint32_t zipc_event_arm(struct zipc_event *ev)
{
	/* relaxed: ordered against the re-check by the fence (A) below */
	atomic_fetch_add_explicit(&ev->waiters, 1, memory_order_relaxed);
	/* (A): pairs with (B) in zipc__event_signal() */
	atomic_thread_fence(memory_order_seq_cst);
	/* acquire: pairs with the release bump of seq in zipc__event_signal() */
	return atomic_load_explicit(&ev->seq, memory_order_acquire);
}

ZIPC_EXPORT void zipc_event_disarm(struct zipc_event *ev)
{
	/* relaxed: the count only decides whether changers call futex wake */
	atomic_fetch_sub_explicit(&ev->waiters, 1, memory_order_relaxed);
}

ZIPC_EXPORT uint32_t zipc_event_sequence(const struct zipc_event *ev)
{
	/* acquire: pairs with the release bump in zipc__event_signal() */
	return atomic_load_explicit(&((struct zipc_event *)ev)->seq, memory_order_acquire);
}

ZIPC_EXPORT int zipc_event_wait(struct zipc_event *ev, uint32_t token, int64_t timeout_ns)
{
	if (timeout_ns == 0)
		return zipc_event_sequence(ev) != token ? 0 : -ETIMEDOUT;
	return zipc__futex_wait(&ev->seq, token, zipc__deadline(timeout_ns));
}

/* struct futex_waitv and FUTEX_32 are in linux/futex.h from Linux 5.16 on. */
#ifndef FUTEX_32
#define FUTEX_32 2
struct futex_waitv {
	uint64_t val;
	uint64_t uaddr;
	uint32_t flags;
	uint32_t __reserved;
};
#endif
#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif

ZIPC_EXPORT int zipc_event_wait_any(struct zipc_event *const evs[], const uint32_t tokens[],
				    size_t n, int64_t timeout_ns)
{
	struct futex_waitv waits[128];
	struct timespec ts, *tsp = NULL;
	int64_t deadline = zipc__deadline(timeout_ns);
	long r;

	if (n == 0 || n > 128)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		waits[i].val = tokens[i];
		waits[i].uaddr = (uintptr_t)&evs[i]->seq;
		waits[i].flags = FUTEX_32;
		waits[i].__reserved = 0;
	}
	if (deadline != ZIPC__NEVER) {
		ts = timespec_of(deadline);
		tsp = &ts;
	}
	r = syscall(SYS_futex_waitv, waits, (unsigned)n, 0, tsp, CLOCK_MONOTONIC);
	if (r >= 0 || errno == EAGAIN)
		return 0;
	return -errno;
}

/* Spin on attempt() for up to SPIN_NS. */
static long spin(zipc__attempt_fn attempt, void *ctx, struct zipc__waiter *w)
{
	int64_t until = zipc__now_ns() + SPIN_NS;
	long r;

	for (unsigned i = 1;; i++) {
		/* One pause per attempt: a reply that arrives is seen within a
		 * cache-line transfer or so, which is what ping-pong latency needs. */
		zipc__cpu_relax();
		r = attempt(ctx, w);
		if (r != -EAGAIN)
			return r;
		if ((i & 63) == 0 && zipc__now_ns() >= until)
			return -EAGAIN;
	}
}

long zipc__wait_for(struct zipc__waiter *w, zipc__attempt_fn attempt, void *ctx)
{
	long r;

	w->recheck_at = ZIPC__NEVER;
	r = attempt(ctx, w);
	if (r != -EAGAIN)
		return r;
	if (w->deadline == ZIPC__DEADLINE_UNSET) {
		if (w->timeout_ns == 0)
			return -ETIMEDOUT;
		w->deadline = zipc__deadline(w->timeout_ns);
	}
	if (w->deadline != ZIPC__NEVER && zipc__now_ns() >= w->deadline)
		return -ETIMEDOUT;
	r = spin(attempt, ctx, w);
	if (r != -EAGAIN)
		return r;
	for (;;) {
		_Atomic uint32_t *word;
		uint32_t token;
		int64_t wake;
		int s;

		if (w->ev) {
			word = &w->ev->seq;
			token = zipc_event_arm(w->ev);
		} else {
			word = w->fallback;
			/* relaxed: without a wait block we only sleep to the recheck time */
			token = atomic_load_explicit(word, memory_order_relaxed);
		}
		r = attempt(ctx, w);
		if (r != -EAGAIN) {
			if (w->ev)
				zipc_event_disarm(w->ev);
			return r;
		}
		wake = w->deadline < w->recheck_at ? w->deadline : w->recheck_at;
		if (!w->ev) {
			int64_t soon = zipc__now_ns() + ZIPC__FOREIGN_RECHECK_NS;
			wake = soon < wake ? soon : wake;
		}
		s = zipc__futex_wait(word, token, wake);
		if (w->ev)
			zipc_event_disarm(w->ev);
		if (s == -EINTR)
			return -EINTR;
		if (w->deadline != ZIPC__NEVER && zipc__now_ns() >= w->deadline) {
			r = attempt(ctx, w);
			return r == -EAGAIN ? -ETIMEDOUT : r;
		}
	}
}
