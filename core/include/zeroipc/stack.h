/*
 * Stack: a bounded LIFO in shared memory, per the shared format (a top index
 * moved by CAS and a state per slot: empty, writing, ready, reading).
 *
 * Every call may run concurrently with any other on the same stack, from any
 * thread or process. Claiming the top is lock-free; a push or pop then hands
 * its slot over with the operation that last used it, which normally takes
 * nanoseconds, so even try_* may wait that long for a concurrent operation
 * on the same slot to finish copying.
 *
 * Dead peers: a waiter whose slot stays in one in-progress state for the
 * stall timeout (default 1 s) treats its owner as dead and takes the slot
 * over. A dead pusher costs nothing that was pushed; a dead popper loses the
 * element it had claimed. A process stopped (not dead) for longer than the
 * stall timeout inside an operation is treated as dead too, and may lose the
 * element it was pushing or popping; the stack is never corrupted.
 * Stacks made by other implementations have no wait block: blocking calls on
 * them re-check every 10 ms.
 */
#ifndef ZEROIPC_STACK_H
#define ZEROIPC_STACK_H

#include <stdint.h>

#include <zeroipc/event.h>
#include <zeroipc/segment.h>
#include <zeroipc/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct zipc_stack;

/* Largest stack capacity (top is a signed 32-bit index). */
#define ZIPC_STACK_CAPACITY_MAX (1u << 30)

/*
 * Create the stack NAME of capacity elements of type, or open it if it
 * exists with the same element size. Returns 0, -EINVAL, -ENAMETOOLONG,
 * -EEXIST, -ENOSPC, -EBADMSG, -ENOMEM.
 */
int zipc_stack_create(struct zipc_segment *seg, const char *name, struct zipc_type type,
		      uint32_t capacity, struct zipc_stack **out);

/* Open the existing stack NAME. Returns 0, -ENOENT, -EINVAL, -EBADMSG, -ENOMEM. */
int zipc_stack_open(struct zipc_segment *seg, const char *name, struct zipc_stack **out);

void zipc_stack_close(struct zipc_stack *s);

uint32_t zipc_stack_capacity(const struct zipc_stack *s);
struct zipc_type zipc_stack_type(const struct zipc_stack *s);
/* Elements on the stack now (top + 1, a snapshot). */
uint32_t zipc_stack_count(const struct zipc_stack *s);

/* Stall timeout of this handle, in ns (>= 1 ms). Returns 0 or -EINVAL. */
int zipc_stack_set_stall_timeout(struct zipc_stack *s, int64_t ns);

/* Returns 0, -EAGAIN (full / empty), -EBADMSG (top out of range). */
int zipc_stack_try_push(struct zipc_stack *s, const void *elem);
int zipc_stack_try_pop(struct zipc_stack *s, void *out);

/* Blocking forms: 0, -ETIMEDOUT, -EINTR, -EBADMSG. timeout_ns as for queues. */
int zipc_stack_push(struct zipc_stack *s, const void *elem, int64_t timeout_ns);
int zipc_stack_pop(struct zipc_stack *s, void *out, int64_t timeout_ns);

struct zipc_stack_stats {
	uint64_t pushes_abandoned; /* slots of dead pushers given up by poppers */
	uint64_t pops_reclaimed;   /* elements of dead poppers given up (lost) */
};

/* Counters of dead-peer recovery, kept in the segment. Zero for untagged stacks. */
void zipc_stack_stats(const struct zipc_stack *s, struct zipc_stack_stats *stats);

/* Event for ZIPC_READABLE or ZIPC_WRITABLE; NULL for stacks without a wait block. */
struct zipc_event *zipc_stack_event(struct zipc_stack *s, enum zipc_ready what);

#ifdef __cplusplus
}
#endif
#endif
