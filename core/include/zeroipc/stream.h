/*
 * Stream: an unbounded sequence with many writers and many readers; each
 * reader (subscriber) sees every element emitted after it subscribed.
 *
 * A ring of capacity elements with 64-bit sequence numbers and a fixed table
 * of subscribers, each with its own cursor (docs/FORMAT.md, "Stream"). The
 * policy is chosen at creation:
 * - ZIPC_STREAM_BLOCK: backpressure; writers sleep while the slowest live
 *   subscriber is capacity elements behind. Subscribers never miss anything.
 * - ZIPC_STREAM_OVERWRITE: writers never wait for readers; a reader that
 *   fell behind skips to the oldest retained element and learns exactly how
 *   many it missed (seen + missed = sequence numbers past its start).
 * Elements of one writer keep their order; elements of different writers
 * interleave in the order their sequence numbers were claimed.
 * close() ends the stream: readers drain what is there, then get -EPIPE.
 *
 * Concurrency: every call on a stream handle may run concurrently with any
 * other, from any thread or process. A subscription (struct zipc_sub) is a
 * single reader: its calls must not run concurrently, and it belongs to the
 * process that subscribed (a child after fork() subscribes for itself).
 * Writers check everything before claiming sequence numbers, so a claim is
 * always completed without waiting; try_emit and try_next are lock-free.
 *
 * Dead peers. Subscribers record their process (pid and start time); a
 * writer that waits for a subscriber checks it every stall period and
 * removes it if its process is gone, so it cannot stall writers forever (a
 * stopped process is alive and keeps blocking). A writer that dies while
 * writing is found the same way by whoever waits for its slot, and its
 * sequence number becomes a hole that readers skip; one that dies between
 * claiming and writing is given up after the stall timeout (default 1 s).
 * Holes are not counted as missed: they never held an element. A writer
 * that was only stopped past the stall timeout between claiming and writing
 * finds its number skipped and emits the element again, later in the order.
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

/* Largest stream capacity. */
#define ZIPC_STREAM_CAPACITY_MAX (1u << 30)

/*
 * Create the stream NAME: a ring of capacity elements (1..2^30, rounded up
 * to a power of two) of type, with room for max_subscribers (0: the default;
 * at most ZIPC_STREAM_SUBSCRIBERS_MAX), or open it if it exists with the
 * same element size (its capacity, policy and table stay as created).
 * Returns 0, -EINVAL (capacity, policy, max_subscribers, type or name),
 * -ENAMETOOLONG, -EEXIST (NAME is something else, or holds other elements),
 * -ENOSPC, -EBADMSG, -ENOMEM.
 */
int zipc_stream_create(struct zipc_segment *seg, const char *name, struct zipc_type type,
		       uint32_t capacity, enum zipc_stream_policy policy,
		       uint32_t max_subscribers, struct zipc_stream **out);

/* Open the stream NAME. Returns 0, -ENOENT, -EINVAL (not a stream), -EBADMSG, -ENOMEM. */
int zipc_stream_open(struct zipc_segment *seg, const char *name, struct zipc_stream **out);

/* Release the handle; subscriptions made from it keep it alive until they end. */
void zipc_stream_close_handle(struct zipc_stream *st);

struct zipc_type zipc_stream_type(const struct zipc_stream *st);
uint32_t zipc_stream_capacity(const struct zipc_stream *st);
enum zipc_stream_policy zipc_stream_policy(const struct zipc_stream *st);
/* Sequence number the next element will get (elements emitted so far). */
uint64_t zipc_stream_emitted(const struct zipc_stream *st);
bool zipc_stream_is_closed(const struct zipc_stream *st);
/* Subscriber records in use now (a dead subscriber counts until it is removed). */
uint32_t zipc_stream_subscribers(const struct zipc_stream *st);

/*
 * Emit one element, waiting up to timeout_ns for room: in block policy until
 * every live subscriber has read the element capacity numbers back; in both
 * policies until the writer of that element's slot one lap back is done.
 * Returns 0, -EPIPE (closed), -ETIMEDOUT, -EINTR, -EOVERFLOW (2^56 sequence
 * numbers used). try_emit: -EAGAIN instead of waiting. On failure nothing
 * was emitted.
 */
int zipc_stream_emit(struct zipc_stream *st, const void *elem, int64_t timeout_ns);
int zipc_stream_try_emit(struct zipc_stream *st, const void *elem);

/*
 * Emit n elements in order (several per claim). Returns n, or how many were
 * emitted before an error, or the error if none was; -EINVAL if n is 0.
 */
ssize_t zipc_stream_emit_batch(struct zipc_stream *st, const void *elems, size_t n,
			       int64_t timeout_ns);

/*
 * Close: later emits fail with -EPIPE; readers drain, then get -EPIPE; every
 * sleeper is woken. Idempotent; returns 0.
 */
int zipc_stream_close(struct zipc_stream *st);

/*
 * Subscribe from the next element emitted or from the oldest one retained
 * (up to capacity elements back; those a dead writer left are skipped). A
 * full table is searched for dead subscribers to take over. Returns 0,
 * -EINVAL (start), -ENOSPC (every record is held by a live process), -ENOMEM.
 */
int zipc_stream_subscribe(struct zipc_stream *st, enum zipc_stream_start start,
			  struct zipc_sub **out);
void zipc_stream_unsubscribe(struct zipc_sub *sub);

/*
 * Next element for this subscriber, waiting up to timeout_ns. Returns 0,
 * -EPIPE (closed and drained), -ETIMEDOUT, -EINTR, -EBADMSG (the segment
 * contradicts itself); -EAGAIN for try_next. Elements missed because of
 * overwriting are added to the missed count. Only the blocking form skips
 * the holes of dead writers (try_next reports -EAGAIN meanwhile).
 */
int zipc_stream_next(struct zipc_sub *sub, void *out, int64_t timeout_ns);
int zipc_stream_try_next(struct zipc_sub *sub, void *out);

/*
 * Up to max elements into out (max * element size bytes), waiting only for
 * the first: the count, -EINVAL if max is 0, or an error as zipc_stream_next.
 */
ssize_t zipc_stream_next_batch(struct zipc_sub *sub, void *out, size_t max, int64_t timeout_ns);

/* Elements this subscriber missed (overwrite policy), in total. */
uint64_t zipc_stream_missed(const struct zipc_sub *sub);
/* Sequence number of the next element this subscriber will read. */
uint64_t zipc_stream_cursor(const struct zipc_sub *sub);

/*
 * ZIPC_READABLE: bumped when an element is completed or skipped, or the
 * stream closes. ZIPC_WRITABLE: bumped when a slot is freed, a cursor moves
 * (block policy), a subscriber leaves, or the stream closes.
 */
struct zipc_event *zipc_stream_event(struct zipc_stream *st, enum zipc_ready what);

/*
 * Stall timeout of this handle and its subscriptions, in ns (>= 1 ms): how
 * long a blocking call waits on an unchanging peer before checking whether
 * it died. Returns 0 or -EINVAL.
 */
int zipc_stream_set_stall_timeout(struct zipc_stream *st, int64_t ns);

/*
 * Operators: run in the calling process, with blocking next and emit without
 * a time limit (a signal stops them with -EINTR). Elements already read when
 * an operator fails are lost to the subscription.
 * fn returns 1 to emit out, 0 to drop the element, or a negative errno to stop.
 */
typedef int (*zipc_stream_fn)(void *ctx, const void *in, void *out);

/*
 * Pump src into dst through fn until src is closed and drained (then close
 * dst and return the number of elements emitted), fn fails, or a call
 * fails (dst stays open). Output element size is dst's. Returns the count,
 * fn's error, an error of next or emit, or -ENOMEM.
 */
ssize_t zipc_stream_pipe(struct zipc_sub *src, struct zipc_stream *dst, zipc_stream_fn fn,
			 void *ctx);

/* Map: out = fn(in) for every element (fn returning 0 drops as in pipe). */
ssize_t zipc_stream_map(struct zipc_sub *src, struct zipc_stream *dst, zipc_stream_fn fn,
			void *ctx);

/*
 * Filter: keep elements for which pred(ctx, in) is true, as pipe; dst must
 * have src's element size (-EINVAL otherwise).
 */
typedef bool (*zipc_stream_pred)(void *ctx, const void *in);
ssize_t zipc_stream_filter(struct zipc_sub *src, struct zipc_stream *dst, zipc_stream_pred pred,
			   void *ctx);

/*
 * Take: copy the next n elements of src into dst (fewer if src ends), then
 * close dst. Returns the count, or an error as pipe; -EINVAL if the element
 * sizes differ.
 */
ssize_t zipc_stream_take(struct zipc_sub *src, struct zipc_stream *dst, uint64_t n);

/*
 * Fold: acc = fn(ctx, acc, in) over every element until src is closed and
 * drained; acc is updated in place. Returns the number of elements folded,
 * an error of next, or -ENOMEM.
 */
typedef void (*zipc_stream_fold_fn)(void *ctx, void *acc, const void *in);
ssize_t zipc_stream_fold(struct zipc_sub *src, void *acc, zipc_stream_fold_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
