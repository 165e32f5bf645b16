/*
 * Queue: a bounded multi-producer multi-consumer FIFO in shared memory.
 *
 * Layout and slot protocol are the shared format's (FORMAT.md, Vyukov's
 * algorithm with per-slot sequence numbers), so queues made by other
 * implementations work here and the reverse. Every call may run concurrently
 * with any other call on the same queue, from any thread or process.
 * try_* calls are lock-free; the blocking calls spin briefly, then sleep on a
 * futex word in the segment until the other side wakes them.
 *
 * Dead peers. A process may die between claiming a slot and finishing it.
 * - A producer that dies after claiming a position leaves a hole: consumers
 *   that reach it wait up to the stall timeout (default 1 s), then skip it.
 *   Nothing that was pushed successfully is lost.
 * - A consumer that dies after claiming an element loses that element (or
 *   the batch it claimed). Producers that come round to its slot wait up to
 *   the stall timeout, then reclaim it.
 * Only the blocking calls recover holes (try_* report -EAGAIN meanwhile).
 * Recovery is detected by time, not by pid: a process stopped (SIGSTOP, a
 * debugger) for longer than the stall timeout inside an operation is treated
 * as dead. Every slot transition is a CAS, so such a process can never
 * corrupt the queue when it resumes: a stopped producer pushes its element
 * again (elements of one batch may then arrive out of order), a stopped
 * consumer drops the element it had claimed and pops another.
 * Skipped holes and dropped elements are counted (zipc_queue_stats).
 *
 * Queues made by other implementations have no wait block: blocking calls on
 * them re-check every 10 ms instead of being woken.
 */
#ifndef ZEROIPC_QUEUE_H
#define ZEROIPC_QUEUE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <zeroipc/event.h>
#include <zeroipc/segment.h>
#include <zeroipc/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct zipc_queue;

/* Largest queue capacity (positions are 32-bit and compared by difference). */
#define ZIPC_QUEUE_CAPACITY_MAX (1u << 30)

/*
 * Create the queue NAME holding capacity elements of type (rounded up to a
 * power of two, at least 2), or open it if it exists with the same element
 * size. Returns 0, -EINVAL (capacity 0 or above ZIPC_QUEUE_CAPACITY_MAX, bad
 * type or name), -ENAMETOOLONG, -EEXIST (NAME is something else), -ENOSPC,
 * -EBADMSG, -ENOMEM.
 */
int zipc_queue_create(struct zipc_segment *seg, const char *name, struct zipc_type type,
		      uint32_t capacity, struct zipc_queue **out);

/* Open the existing queue NAME. Returns 0, -ENOENT, -EINVAL (not a queue), -EBADMSG, -ENOMEM. */
int zipc_queue_open(struct zipc_segment *seg, const char *name, struct zipc_queue **out);

void zipc_queue_close(struct zipc_queue *q);

uint32_t zipc_queue_capacity(const struct zipc_queue *q);
struct zipc_type zipc_queue_type(const struct zipc_queue *q);
/* Elements in the queue now (a snapshot: tail - head, clamped to capacity). */
uint32_t zipc_queue_count(const struct zipc_queue *q);

/* Stall timeout of this handle, in ns (>= 1 ms). Returns 0 or -EINVAL. */
int zipc_queue_set_stall_timeout(struct zipc_queue *q, int64_t ns);

/* Push one element (elem_size bytes). Returns 0 or -EAGAIN (full). Lock-free. */
int zipc_queue_try_push(struct zipc_queue *q, const void *elem);

/* Pop one element into out. Returns 0 or -EAGAIN (empty). Lock-free. */
int zipc_queue_try_pop(struct zipc_queue *q, void *out);

/*
 * Push, waiting while the queue is full: spin briefly, then sleep until a
 * consumer makes room or timeout_ns passes (ZIPC_FOREVER: no limit, 0: try
 * once). Returns 0, -ETIMEDOUT, or -EINTR (a signal arrived; nothing pushed).
 */
int zipc_queue_push(struct zipc_queue *q, const void *elem, int64_t timeout_ns);

/* Pop, waiting while empty. Returns 0, -ETIMEDOUT, -EINTR (nothing popped). */
int zipc_queue_pop(struct zipc_queue *q, void *out, int64_t timeout_ns);

/*
 * Push up to n elements (contiguous, n * elem_size bytes) with one claim:
 * returns how many were pushed (1..n, the first ones of elems) or -EAGAIN
 * (full). Lock-free. Elements of one batch stay in order and contiguous
 * with respect to other producers.
 */
ssize_t zipc_queue_try_push_batch(struct zipc_queue *q, const void *elems, size_t n);

/* Pop up to max elements with one claim: returns 1..max, or -EAGAIN. Lock-free. */
ssize_t zipc_queue_try_pop_batch(struct zipc_queue *q, void *out, size_t max);

/*
 * Push all n elements, waiting for room as zipc_queue_push does. Returns n,
 * or how many were pushed (possibly 0) before -ETIMEDOUT / -EINTR; when that
 * count is 0 the error is returned instead.
 */
ssize_t zipc_queue_push_batch(struct zipc_queue *q, const void *elems, size_t n,
			      int64_t timeout_ns);

/* Pop 1..max elements, waiting for the first. Returns the count, -ETIMEDOUT, -EINTR. */
ssize_t zipc_queue_pop_batch(struct zipc_queue *q, void *out, size_t max, int64_t timeout_ns);

struct zipc_queue_stats {
	uint64_t holes_skipped;    /* positions of dead producers skipped */
	uint64_t claims_reclaimed; /* elements of dead consumers reclaimed (lost) */
};

/* Counters of dead-peer recovery, kept in the segment. Zero for untagged queues. */
void zipc_queue_stats(const struct zipc_queue *q, struct zipc_queue_stats *stats);

/* Event for ZIPC_READABLE or ZIPC_WRITABLE; NULL for queues without a wait block. */
struct zipc_event *zipc_queue_event(struct zipc_queue *q, enum zipc_ready what);

#ifdef __cplusplus
}
#endif
#endif
