/*
 * Channel: CSP send/receive between any number of senders and receivers.
 *
 * Buffered (capacity >= 1) or unbuffered (capacity 0: send returns only once
 * a receiver has taken the value). close(): later sends fail with -EPIPE;
 * receivers drain what is buffered, then get -EPIPE (end of channel).
 * select waits until any of several channels can receive or is closed.
 *
 * Layout (docs/FORMAT.md, "Channel"): our header followed by a queue in the
 * shared format, so the buffer has the queue's slot protocol and its
 * dead-peer recovery: a sender or receiver that dies mid-operation costs at
 * most its one element and a stall-timeout wait for whoever reaches its slot.
 */
#ifndef ZEROIPC_CHANNEL_H
#define ZEROIPC_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include <zeroipc/event.h>
#include <zeroipc/segment.h>
#include <zeroipc/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct zipc_channel;

/*
 * Create the channel NAME with a buffer of capacity elements (0:
 * unbuffered; else rounded up to a power of two), or open it if it exists
 * with the same element size. Returns 0, -EINVAL, -ENAMETOOLONG, -EEXIST,
 * -ENOSPC, -EBADMSG, -ENOMEM.
 */
int zipc_channel_create(struct zipc_segment *seg, const char *name, struct zipc_type type,
			uint32_t capacity, struct zipc_channel **out);
int zipc_channel_open(struct zipc_segment *seg, const char *name, struct zipc_channel **out);
void zipc_channel_close_handle(struct zipc_channel *ch);

struct zipc_type zipc_channel_type(const struct zipc_channel *ch);
/* 0 for unbuffered channels. */
uint32_t zipc_channel_capacity(const struct zipc_channel *ch);
/* Values buffered now. */
uint32_t zipc_channel_count(const struct zipc_channel *ch);
int zipc_channel_is_closed(const struct zipc_channel *ch);

/*
 * Send, waiting up to timeout_ns for buffer room (and, unbuffered, for a
 * receiver to take the value; if none does in time the value is withdrawn).
 * Returns 0, -EPIPE (closed), -ETIMEDOUT, -EINTR; try_send: -EAGAIN, and an
 * unbuffered try_send succeeds only if a receiver takes it at once (within
 * the brief spin of a blocking call).
 */
int zipc_channel_send(struct zipc_channel *ch, const void *elem, int64_t timeout_ns);
int zipc_channel_try_send(struct zipc_channel *ch, const void *elem);

/* Receive. Returns 0, -EPIPE (closed and drained), -ETIMEDOUT, -EINTR; try: -EAGAIN. */
int zipc_channel_recv(struct zipc_channel *ch, void *out, int64_t timeout_ns);
int zipc_channel_try_recv(struct zipc_channel *ch, void *out);

/* Close the channel and wake every blocked sender and receiver. Idempotent; returns 0. */
int zipc_channel_close(struct zipc_channel *ch);

/*
 * Wait until one of chans[0..n) has a value (which is received into out,
 * sized for that channel's element) or is closed and drained. Returns the
 * index (>= 0) of that channel and sets *status to 0 (received) or -EPIPE
 * (closed); or -ETIMEDOUT, -EINTR, -EINVAL (n outside 1..64).
 */
int zipc_channel_select(struct zipc_channel *const chans[], size_t n, void *out, int *status,
			int64_t timeout_ns);

/* Event for ZIPC_READABLE (a value or close arrived) or ZIPC_WRITABLE. */
struct zipc_event *zipc_channel_event(struct zipc_channel *ch, enum zipc_ready what);

int zipc_channel_set_stall_timeout(struct zipc_channel *ch, int64_t ns);

#ifdef __cplusplus
}
#endif
#endif
