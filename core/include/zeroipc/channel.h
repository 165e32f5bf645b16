/*
 * Channel: CSP send/receive between any number of senders and receivers.
 *
 * Buffered (capacity >= 1) or unbuffered (capacity 0: send returns only once
 * a receiver has taken the value; until then the value is parked in a ring
 * of two, and a send that gives up withdraws it). close(): later sends fail
 * with -EPIPE; receivers drain what is buffered, then get -EPIPE (end of
 * channel). select waits until any of several channels can receive or is
 * closed. Values of one sender reach any one receiver in the order sent.
 *
 * Concurrency: every call may run concurrently with any other on the same
 * channel, from any thread or process. try_send (buffered) and try_recv are
 * lock-free; blocking calls spin briefly, then sleep on a futex word.
 *
 * Layout (docs/FORMAT.md, "Channel"): our header followed by a queue in the
 * shared format, so the buffer has the queue's slot protocol and its
 * dead-peer recovery: a sender or receiver that dies mid-operation costs at
 * most its one element and a stall-timeout wait for whoever reaches its slot.
 * An unbuffered sender whose value was claimed by a receiver that then died
 * sends it again (to another receiver) after the stall timeout. As with
 * queues, a process stopped past the stall timeout inside an operation is
 * treated as dead: a stopped receiver drops the value it had claimed.
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
 * unbuffered; else rounded up to a power of two, at least 2, at most 2^30),
 * or open it if it exists with the same element size (its capacity stays).
 * Returns 0, -EINVAL (capacity, type or name), -ENAMETOOLONG, -EEXIST (NAME
 * is something else, or holds other elements), -ENOSPC, -EBADMSG, -ENOMEM.
 */
int zipc_channel_create(struct zipc_segment *seg, const char *name, struct zipc_type type,
			uint32_t capacity, struct zipc_channel **out);

/* Open the channel NAME. Returns 0, -ENOENT, -EINVAL (not a channel), -EBADMSG, -ENOMEM. */
int zipc_channel_open(struct zipc_segment *seg, const char *name, struct zipc_channel **out);

/* Release the handle (the channel stays, open or closed, in the segment). */
void zipc_channel_close_handle(struct zipc_channel *ch);

struct zipc_type zipc_channel_type(const struct zipc_channel *ch);
/* 0 for unbuffered channels, else the buffer's capacity. */
uint32_t zipc_channel_capacity(const struct zipc_channel *ch);
/*
 * Positions in use in the ring now, a snapshot: buffered values, parked
 * unbuffered sends, and withdrawn values no receiver has moved past yet.
 */
uint32_t zipc_channel_count(const struct zipc_channel *ch);
/* 1 once closed, else 0. */
int zipc_channel_is_closed(const struct zipc_channel *ch);

/*
 * Send, waiting up to timeout_ns for buffer room (and, unbuffered, for a
 * receiver to take the value; if none does in time the value is withdrawn,
 * except that one a receiver is already taking is waited for, so the call
 * can overrun timeout_ns by that receiver's copy, or by the stall timeout if
 * it died). Returns 0 (delivered, or buffered), -EPIPE (closed: the value
 * was not sent), -ETIMEDOUT, -EINTR (nothing sent). try_send: -EAGAIN
 * instead of waiting; an unbuffered try_send succeeds only if a receiver
 * takes the value within 200 us (one that is waiting or spinning).
 */
int zipc_channel_send(struct zipc_channel *ch, const void *elem, int64_t timeout_ns);
int zipc_channel_try_send(struct zipc_channel *ch, const void *elem);

/*
 * Receive into out, waiting up to timeout_ns. Returns 0, -EPIPE (closed and
 * drained), -ETIMEDOUT, -EINTR, -EBADMSG; try_recv: -EAGAIN instead of
 * waiting (and it does not skip dead senders' holes).
 */
int zipc_channel_recv(struct zipc_channel *ch, void *out, int64_t timeout_ns);
int zipc_channel_try_recv(struct zipc_channel *ch, void *out);

/* Close the channel and wake every blocked sender and receiver. Idempotent; returns 0. */
int zipc_channel_close(struct zipc_channel *ch);

/*
 * Wait until one of chans[0..n) has a value (which is received into out,
 * sized for the largest element among them) or is closed and drained.
 * Channels are tried in order. Returns the index (>= 0) of that channel and
 * sets *status to 0 (received) or -EPIPE (closed); or -ETIMEDOUT, -EINTR,
 * -EINVAL (n outside 1..64), -EBADMSG.
 */
int zipc_channel_select(struct zipc_channel *const chans[], size_t n, void *out, int *status,
			int64_t timeout_ns);

/* Event for ZIPC_READABLE (a value or close arrived) or ZIPC_WRITABLE. */
struct zipc_event *zipc_channel_event(struct zipc_channel *ch, enum zipc_ready what);

/*
 * Stall timeout of this handle, in ns (>= 1 ms): how long a blocking call
 * waits on an unchanging peer before treating it as dead. Returns 0 or -EINVAL.
 */
int zipc_channel_set_stall_timeout(struct zipc_channel *ch, int64_t ns);

#ifdef __cplusplus
}
#endif
#endif
