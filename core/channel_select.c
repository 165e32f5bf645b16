/*
 * Channel select: receive from whichever of several channels is ready.
 *
 *   try each channel (receive, or closed and drained)
 *   arm every readable event            (wait.c (A), once per event)
 *   try each channel again              (the re-check after arming)
 *   futex_waitv on all the sequences, until the deadline or a recheck time
 *   disarm every event, repeat
 *
 * The re-check after arming is what makes the wait safe: a value published
 * (or a close) after it bumps a sequence we wait on, one published before it
 * is found by it. Recheck times come from dead-sender detection in the
 * receive attempts (channel.c), so a hole in one channel is skipped while
 * the others are watched.
 */
#include <errno.h>

#include <zeroipc/channel.h>

#include "channel_i.h"
#include "common_i.h"
#include "error_i.h"
#include "wait_i.h"

#define SELECT_MAX 64

struct select_state {
	size_t n;
	struct zipc__recv_op ops[SELECT_MAX];
	struct zipc__waiter ws[SELECT_MAX];
	struct zipc_event *evs[SELECT_MAX];
	uint32_t tokens[SELECT_MAX];
};

/* One round over every channel: the ready index, -EAGAIN, or an error. */
static long round_robin(struct select_state *s, int *status)
{
	for (size_t i = 0; i < s->n; i++) {
		long r = zipc__channel_recv_attempt(&s->ops[i], &s->ws[i]);

		if (r == 0 || r == -EPIPE) {
			*status = (int)r;
			return (long)i;
		}
		if (r != -EAGAIN)
			return r;
	}
	return -EAGAIN;
}

/* The earliest of the deadline and every channel's recheck time. */
static int64_t wake_time(const struct select_state *s, int64_t deadline)
{
	int64_t wake = deadline;

	for (size_t i = 0; i < s->n; i++)
		if (s->ws[i].recheck_at < wake)
			wake = s->ws[i].recheck_at;
	return wake;
}

static int sleep_until(struct select_state *s, int64_t wake)
{
	int64_t left;

	if (wake == ZIPC__NEVER)
		return zipc_event_wait_any(s->evs, s->tokens, s->n, ZIPC_FOREVER);
	left = wake - zipc__now_ns();
	return zipc_event_wait_any(s->evs, s->tokens, s->n, left > 0 ? left : 0);
}

ZIPC_EXPORT int zipc_channel_select(struct zipc_channel *const chans[], size_t n, void *out,
				    int *status, int64_t timeout_ns)
{
	struct select_state s = {.n = n};
	int64_t deadline = zipc__deadline(timeout_ns);
	long r;

	if (n == 0 || n > SELECT_MAX)
		return zipc__fail(-EINVAL, "select over %zu channels (1..%d)", n, SELECT_MAX);
	for (size_t i = 0; i < n; i++) {
		s.ops[i] = (struct zipc__recv_op){.ch = chans[i], .out = out, .recover = true};
		s.ws[i].deadline = deadline;
		s.evs[i] = &chans[i]->hdr->wb.readable;
	}
	for (;;) {
		int w = 0;

		r = round_robin(&s, status);
		if (r != -EAGAIN)
			return (int)r;
		if (deadline != ZIPC__NEVER && zipc__now_ns() >= deadline)
			return -ETIMEDOUT;
		for (size_t i = 0; i < n; i++)
			s.tokens[i] = zipc_event_arm(s.evs[i]);
		r = round_robin(&s, status);
		if (r == -EAGAIN)
			w = sleep_until(&s, wake_time(&s, deadline));
		for (size_t i = 0; i < n; i++)
			zipc_event_disarm(s.evs[i]);
		if (r != -EAGAIN)
			return (int)r;
		if (w == -EINTR)
			return -EINTR;
	}
}
