/*
 * Stream: an unbounded sequence with many writers and many readers; each
 * reader (subscriber) sees every element emitted after it subscribed.
 *
 * A ring of capacity elements with 64-bit sequence numbers and a fixed table
 * of subscribers, each with its own cursor. The policy is chosen at creation:
 * - ZIPC_STREAM_BLOCK: backpressure; writers sleep while the slowest live
 *   subscriber is capacity elements behind.
 * - ZIPC_STREAM_OVERWRITE: writers never wait for readers; a reader that
 *   fell behind skips to the oldest retained element and learns exactly how
 *   many it missed.
 * close() ends the stream: readers drain what is there, then get -EPIPE.
 *
 * Dead peers: subscribers record their process (pid and start time);
 * writers that wait for a subscriber check it every stall period and remove
 * a dead one, so it cannot stall them. A writer that dies between claiming a
 * sequence number and completing it leaves a hole that readers skip after
 * the stall timeout (the element never existed).
 */
#ifndef ZEROIPC_STREAM_H
#define ZEROIPC_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <zeroipc/event.h>
#include <zeroipc/segment.h>
#include <zeroipc/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct zipc_stream;
struct zipc_sub;

enum zipc_stream_policy {
	ZIPC_STREAM_BLOCK = 0,
	ZIPC_STREAM_OVERWRITE = 1,
};

/* Subscribe from the next element emitted, or from the oldest still retained. */
enum zipc_stream_start {
	ZIPC_STREAM_FROM_NOW = 0,
	ZIPC_STREAM_FROM_OLDEST = 1,
};

#define ZIPC_STREAM_SUBSCRIBERS_DEFAULT 64u
#define ZIPC_STREAM_SUBSCRIBERS_MAX 4096u

/*
 * Create the stream NAME: a ring of capacity elements (rounded up to a power
 * of two) of type, with room for max_subscribers (0: the default), or open
 * it if it exists with the same element size. Returns 0, -EINVAL,
 * -ENAMETOOLONG, -EEXIST, -ENOSPC, -EBADMSG, -ENOMEM.
 */
int zipc_stream_create(struct zipc_segment *seg, const char *name, struct zipc_type type,
		       uint32_t capacity, enum zipc_stream_policy policy,
		       uint32_t max_subscribers, struct zipc_stream **out);

int zipc_stream_open(struct zipc_segment *seg, const char *name, struct zipc_stream **out);
void zipc_stream_close_handle(struct zipc_stream *st);

struct zipc_type zipc_stream_type(const struct zipc_stream *st);
uint32_t zipc_stream_capacity(const struct zipc_stream *st);
enum zipc_stream_policy zipc_stream_policy(const struct zipc_stream *st);
/* Sequence number the next element will get (elements emitted so far). */
uint64_t zipc_stream_emitted(const struct zipc_stream *st);
bool zipc_stream_is_closed(const struct zipc_stream *st);
/* Live subscribers now. */
uint32_t zipc_stream_subscribers(const struct zipc_stream *st);

/*
 * Emit one element, waiting (block policy) up to timeout_ns for room.
 * Returns 0, -EPIPE (closed), -ETIMEDOUT, -EINTR. try_emit: -EAGAIN instead of waiting.
 */
int zipc_stream_emit(struct zipc_stream *st, const void *elem, int64_t timeout_ns);
int zipc_stream_try_emit(struct zipc_stream *st, const void *elem);

/* Emit n elements in order; returns n, or how many before an error (the error if 0). */
ssize_t zipc_stream_emit_batch(struct zipc_stream *st, const void *elems, size_t n,
			       int64_t timeout_ns);

/* Close: later emits fail with -EPIPE; readers drain, then get -EPIPE. Idempotent. */
int zipc_stream_close(struct zipc_stream *st);

/* Subscribe. Returns 0, -ENOSPC (subscriber table full), -ENOMEM. */
int zipc_stream_subscribe(struct zipc_stream *st, enum zipc_stream_start start,
			  struct zipc_sub **out);
void zipc_stream_unsubscribe(struct zipc_sub *sub);

/*
 * Next element for this subscriber, waiting up to timeout_ns. Returns 0,
 * -EPIPE (closed and drained), -ETIMEDOUT, -EINTR; -EAGAIN for try_next.
 * Elements missed because of overwriting are added to the missed count.
 */
int zipc_stream_next(struct zipc_sub *sub, void *out, int64_t timeout_ns);
int zipc_stream_try_next(struct zipc_sub *sub, void *out);

/* Up to max elements, waiting for the first: count, or an error as zipc_stream_next. */
ssize_t zipc_stream_next_batch(struct zipc_sub *sub, void *out, size_t max, int64_t timeout_ns);

/* Elements this subscriber missed (overwrite policy), in total. */
uint64_t zipc_stream_missed(const struct zipc_sub *sub);
/* Sequence number of the next element this subscriber will read. */
uint64_t zipc_stream_cursor(const struct zipc_sub *sub);

/* Event readers wait on: bumped when elements are completed or the stream closes. */
struct zipc_event *zipc_stream_event(struct zipc_stream *st, enum zipc_ready what);

int zipc_stream_set_stall_timeout(struct zipc_stream *st, int64_t ns);

/*
 * Operators: run in the calling process.
 * fn returns 1 to emit out, 0 to drop the element, or a negative errno to stop.
 */
typedef int (*zipc_stream_fn)(void *ctx, const void *in, void *out);

/*
 * Pump src into dst through fn until src is closed and drained (then close
 * dst and return the number of elements emitted), fn fails, or a call
 * fails. Output element size is dst's. Returns the count or a negative errno.
 */
ssize_t zipc_stream_pipe(struct zipc_sub *src, struct zipc_stream *dst, zipc_stream_fn fn,
			 void *ctx);

/* Map: out = fn(in) for every element (fn returning 0 drops as in pipe). */
ssize_t zipc_stream_map(struct zipc_sub *src, struct zipc_stream *dst, zipc_stream_fn fn,
			void *ctx);

/* Filter: keep elements for which pred(ctx, in) is true; dst has src's element size. */
typedef bool (*zipc_stream_pred)(void *ctx, const void *in);
ssize_t zipc_stream_filter(struct zipc_sub *src, struct zipc_stream *dst, zipc_stream_pred pred,
			   void *ctx);

/* Take: copy the first n elements of src into dst, then close dst. Returns the count. */
ssize_t zipc_stream_take(struct zipc_sub *src, struct zipc_stream *dst, uint64_t n);

/*
 * Fold: acc = fn(ctx, acc, in) over every element until close; acc is
 * updated in place. Returns the number of elements folded or an error.
 */
typedef void (*zipc_stream_fold_fn)(void *ctx, void *acc, const void *in);
ssize_t zipc_stream_fold(struct zipc_sub *src, void *acc, zipc_stream_fold_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
