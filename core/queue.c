/*
 * Queue: bounded MPMC FIFO with per-slot sequence numbers (Vyukov), in the
 * shared layout of docs/FORMAT.md, "Queue".
 *
 *   producer at p                           consumer at p
 *   s = seq[p%cap]           (acquire A)    s = seq[p%cap]            (acquire C)
 *   if s == p: CAS tail p -> p+1            if s == p+1: CAS head p -> p+1
 *   write slot                              read slot
 *   CAS seq p -> p+1         (release B)    CAS seq p+1 -> p+cap      (release D)
 *   signal readable                         signal writable
 *
 * B pairs with C: a consumer that sees p+1 sees the element. D pairs with A:
 * a producer that sees p (one lap later) never overwrites an element still
 * being read. The CAS on head/tail orders nothing (relaxed): who owns a
 * position is decided by the CAS, what is in the slot by A-D.
 * Positions and seq values are free-running u32 compared by signed
 * difference, exact while capacity <= 2^30 (a difference never exceeds 2^31).
 *
 * B and D are CASes rather than stores so that recovery (below) and a peer
 * presumed dead can never both own a slot: whichever CAS loses knows it.
 * Recovery, in blocking calls after the stall timeout without progress:
 * - a consumer at head p with seq == p and tail past p (a producer claimed p
 *   and never published) claims p and CASes seq p -> p+cap: the hole is
 *   skipped. If the CAS finds p+1 the producer published after all and the
 *   element is popped normally.
 * - a producer at tail p whose slot still holds seq p-cap+1 or p-cap while
 *   head is past p-cap (a consumer claimed it and never released) CASes seq
 *   to p: that element is given up.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zeroipc/queue.h>

#include "common_i.h"
#include "error_i.h"
#include "fault_i.h"
#include "kinds_i.h"
#include "registry_i.h"
#include "types_i.h"
#include "queue_i.h"
#include "wait_i.h"

int zipc__queue_layout(const unsigned char *base, uint64_t size, uint32_t *capacity,
		       uint32_t *elem_size)
{
	const struct zipc__queue_hdr *hdr = (const struct zipc__queue_hdr *)base;
	uint32_t cap, elem;

	if (size < sizeof(*hdr))
		return zipc__fail(-EBADMSG, "queue of %llu bytes has no header",
				  (unsigned long long)size);
	cap = hdr->capacity;
	elem = hdr->elem_size;
	if (cap < 2 || cap > ZIPC_QUEUE_CAPACITY_MAX || (cap & (cap - 1)))
		return zipc__fail(-EBADMSG, "queue capacity %u is not a power of two in 2..2^30",
				  cap);
	if (elem == 0 || elem > ZIPC_ELEM_SIZE_MAX)
		return zipc__fail(-EBADMSG, "queue element size %u is absurd", elem);
	if (zipc__slotted_size(cap, elem) > size)
		return zipc__fail(-EBADMSG, "queue of %u x %u bytes does not fit its %llu bytes",
				  cap, elem, (unsigned long long)size);
	*capacity = cap;
	*elem_size = elem;
	return 0;
}

static inline unsigned char *slot_at(const struct zipc_queue *q, uint32_t pos)
{
	return q->slots + (size_t)(pos & q->mask) * q->elem_size;
}

static inline _Atomic uint32_t *seq_at(const struct zipc_queue *q, uint32_t pos)
{
	return &q->seq[pos & q->mask];
}

/* Copy one element; fixed sizes let the compiler inline the copy. */
static inline void copy_elem(void *dst, const void *src, uint32_t size)
{
	switch (size) {
	case 4:
		memcpy(dst, src, 4);
		break;
	case 8:
		memcpy(dst, src, 8);
		break;
	case 16:
		memcpy(dst, src, 16);
		break;
	default:
		memcpy(dst, src, size);
	}
}

/* Copy k elements between a contiguous buffer and the ring starting at pos. */
static void copy_in(struct zipc_queue *q, uint32_t pos, const unsigned char *src, uint32_t k)
{
	uint32_t first = q->capacity - (pos & q->mask);

	if (k <= first) {
		memcpy(slot_at(q, pos), src, (size_t)k * q->elem_size);
	} else {
		memcpy(slot_at(q, pos), src, (size_t)first * q->elem_size);
		memcpy(q->slots, src + (size_t)first * q->elem_size, (size_t)(k - first) * q->elem_size);
	}
}

static void copy_out(const struct zipc_queue *q, uint32_t pos, unsigned char *dst, uint32_t k)
{
	uint32_t first = q->capacity - (pos & q->mask);

	if (k <= first) {
		memcpy(dst, slot_at(q, pos), (size_t)k * q->elem_size);
	} else {
		memcpy(dst, slot_at(q, pos), (size_t)first * q->elem_size);
		memcpy(dst + (size_t)first * q->elem_size, q->slots, (size_t)(k - first) * q->elem_size);
	}
}

static uint32_t clamp_batch(const struct zipc_queue *q, size_t n)
{
	return n > q->capacity ? q->capacity : (uint32_t)n;
}

/*
 * Claim up to n free positions at the tail. Returns how many (0: full) and
 * the first in *pos, or -EBADMSG when the sequence numbers are impossible.
 */
static long claim_push(struct zipc_queue *q, uint32_t n, uint32_t *pos_out)
{
	/* relaxed: the CAS decides ownership; slot contents are ordered by A/D */
	uint32_t pos = atomic_load_explicit(&q->tail_hint, memory_order_relaxed);

	for (;;) {
		/* acquire (A): pairs with release (D) of the consumer one lap before */
		uint32_t s = atomic_load_explicit(seq_at(q, pos), memory_order_acquire);
		int32_t d = (int32_t)(s - pos);

		if (d == 0) {
			uint32_t k = 1;
			while (k < n && atomic_load_explicit(seq_at(q, pos + k),
							     memory_order_acquire) == pos + k)
				k++;
			if (atomic_compare_exchange_weak_explicit(&q->hdr->tail, &pos, pos + k,
								  memory_order_relaxed,
								  memory_order_relaxed)) {
				atomic_store_explicit(&q->tail_hint, pos + k, memory_order_relaxed);
				*pos_out = pos;
				return k;
			}
		} else if (d < 0) {
			/* Full at pos, unless the hint is stale by more than 2^31
			 * positions (a handle idle that long) and only looks ahead. */
			uint32_t tail = atomic_load_explicit(&q->hdr->tail, memory_order_relaxed);
			if (tail == pos)
				return 0;
			pos = tail;
		} else {
			uint32_t again = atomic_load_explicit(&q->hdr->tail, memory_order_relaxed);
			/* After acquiring seq > pos, tail must have moved past pos. */
			if (again == pos)
				return zipc__fail(-EBADMSG, "queue seq %u ahead of tail %u", s, pos);
			pos = again;
		}
	}
}

/* Claim up to n published positions at the head; as claim_push(). */
static long claim_pop(struct zipc_queue *q, uint32_t n, uint32_t *pos_out)
{
	/* relaxed: as in claim_push() */
	uint32_t pos = atomic_load_explicit(&q->head_hint, memory_order_relaxed);

	for (;;) {
		/* acquire (C): pairs with release (B); the element is visible */
		uint32_t s = atomic_load_explicit(seq_at(q, pos), memory_order_acquire);
		int32_t d = (int32_t)(s - (pos + 1));

		if (d == 0) {
			uint32_t k = 1;
			while (k < n && atomic_load_explicit(seq_at(q, pos + k),
							     memory_order_acquire) == pos + k + 1)
				k++;
			if (atomic_compare_exchange_weak_explicit(&q->hdr->head, &pos, pos + k,
								  memory_order_relaxed,
								  memory_order_relaxed)) {
				atomic_store_explicit(&q->head_hint, pos + k, memory_order_relaxed);
				*pos_out = pos;
				return k;
			}
		} else if (d < 0) {
			/* Empty at pos, unless the hint is stale (as in claim_push()). */
			uint32_t head = atomic_load_explicit(&q->hdr->head, memory_order_relaxed);
			if (head == pos)
				return 0;
			pos = head;
		} else {
			uint32_t again = atomic_load_explicit(&q->hdr->head, memory_order_relaxed);
			uint32_t tail = atomic_load_explicit(&q->hdr->tail, memory_order_relaxed);
			if (again != pos) {
				pos = again;
			} else if ((int32_t)(s - (pos + q->capacity)) >= 0 &&
				   (int32_t)(tail - pos) > 0) {
				/* Position withdrawn by its producer (zipc__queue_revoke),
				 * its slot possibly reused already by the next lap: with head
				 * still at pos nothing else makes seq >= pos + capacity. Help
				 * head past it. relaxed as the claim CAS. */
				atomic_compare_exchange_strong_explicit(&q->hdr->head, &pos, pos + 1,
									memory_order_relaxed,
									memory_order_relaxed);
				pos = atomic_load_explicit(&q->hdr->head, memory_order_relaxed);
			} else {
				return zipc__fail(-EBADMSG, "queue seq %u ahead of head %u", s, pos);
			}
		}
	}
}

/* Publish position pos (release B). False if recovery took it from us. */
static inline bool publish(struct zipc_queue *q, uint32_t pos)
{
	uint32_t expected = pos;

	/* release (B): pairs with acquire (C) in claim_pop(); seq_cst so that it
	 * also serves as fence (B) of the event protocol (wait.c) */
	return atomic_compare_exchange_strong_explicit(seq_at(q, pos), &expected, pos + 1,
						       memory_order_seq_cst, memory_order_relaxed);
}

/* Release position pos after reading it (release D). False if reclaimed. */
static inline bool release(struct zipc_queue *q, uint32_t pos)
{
	uint32_t expected = pos + 1;

	/* release (D): pairs with acquire (A) in claim_push(); seq_cst as in publish() */
	return atomic_compare_exchange_strong_explicit(seq_at(q, pos), &expected,
						       pos + q->capacity, memory_order_seq_cst,
						       memory_order_relaxed);
}

/* Wake waiters after publish()/release(), whose seq_cst CAS is fence (B). */
static inline void announce(struct zipc__wait_block *wb, bool readable)
{
	if (wb)
		zipc__event_signal_after_rmw(readable ? &wb->readable : &wb->writable);
}

/* Push one element again after our position was taken from us; never drops it. */
static void push_again(struct zipc_queue *q, const unsigned char *elem)
{
	while (zipc_queue_push(q, elem, ZIPC_FOREVER) == -EINTR)
		;
}

/*
 * Write and publish k elements claimed at pos. A position whose publication
 * fails was taken from us while we were stopped past the stall timeout: its
 * element is pushed again (after the rest of the batch).
 */
static void fill_claimed(struct zipc_queue *q, uint32_t pos, const unsigned char *src, uint32_t k)
{
	uint32_t *lost = NULL, nlost = 0;

	ZIPC__FAULT(ZIPC__FP_QUEUE_PUSH_CLAIMED);
	if (k == 1)
		copy_elem(slot_at(q, pos), src, q->elem_size);
	else
		copy_in(q, pos, src, k);
	for (uint32_t i = 0; i < k; i++) {
		if (publish(q, pos + i))
			continue;
		if (!lost)
			lost = malloc((size_t)k * sizeof(*lost));
		if (lost)
			lost[nlost++] = i;
		else
			push_again(q, src + (size_t)i * q->elem_size);
	}
	announce(q->wb, true);
	for (uint32_t j = 0; j < nlost; j++)
		push_again(q, src + (size_t)lost[j] * q->elem_size);
	free(lost);
}

/*
 * Read and release k elements claimed at pos into dst. Elements whose
 * release fails were reclaimed while we were stopped (their bytes may be
 * torn): they are dropped. Returns how many were kept, compacted in dst.
 */
static uint32_t drain_claimed(struct zipc_queue *q, uint32_t pos, unsigned char *dst, uint32_t k)
{
	uint32_t kept = 0;

	ZIPC__FAULT(ZIPC__FP_QUEUE_POP_CLAIMED);
	if (k == 1)
		copy_elem(dst, slot_at(q, pos), q->elem_size);
	else
		copy_out(q, pos, dst, k);
	for (uint32_t i = 0; i < k; i++) {
		if (!release(q, pos + i))
			continue;
		if (kept != i)
			memmove(dst + (size_t)kept * q->elem_size, dst + (size_t)i * q->elem_size,
				q->elem_size);
		kept++;
	}
	announce(q->wb, false);
	return kept;
}

/* try_push_batch, reporting the first position in *pos. */
static ssize_t try_push_batch_at(struct zipc_queue *q, const void *elems, size_t n,
				 uint32_t *pos)
{
	long k;

	if (n == 0)
		return zipc__fail(-EINVAL, "empty batch");
	k = claim_push(q, clamp_batch(q, n), pos);
	if (k <= 0)
		return k == 0 ? -EAGAIN : k;
	fill_claimed(q, *pos, elems, (uint32_t)k);
	return k;
}

ZIPC_EXPORT ssize_t zipc_queue_try_push_batch(struct zipc_queue *q, const void *elems, size_t n)
{
	uint32_t pos = 0;

	return try_push_batch_at(q, elems, n, &pos);
}

ZIPC_EXPORT ssize_t zipc_queue_try_pop_batch(struct zipc_queue *q, void *out, size_t max)
{
	uint32_t pos = 0, kept;
	long k;

	if (max == 0)
		return zipc__fail(-EINVAL, "empty batch");
	do {
		k = claim_pop(q, clamp_batch(q, max), &pos);
		if (k <= 0)
			return k == 0 ? -EAGAIN : k;
		kept = drain_claimed(q, pos, out, (uint32_t)k);
	} while (kept == 0);
	return kept;
}

ZIPC_EXPORT int zipc_queue_try_push(struct zipc_queue *q, const void *elem)
{
	ssize_t r = zipc_queue_try_push_batch(q, elem, 1);
	return r < 0 ? (int)r : 0;
}

ZIPC_EXPORT int zipc_queue_try_pop(struct zipc_queue *q, void *out)
{
	ssize_t r = zipc_queue_try_pop_batch(q, out, 1);
	return r < 0 ? (int)r : 0;
}

/*
 * Has (pos, seq) been stuck for the stall timeout? Starts or restarts the
 * clock when the state is new, and asks the waiter to recheck in time.
 */
bool zipc__queue_stalled(struct zipc__queue_stall *st, const struct zipc_queue *q,
			 struct zipc__waiter *w, uint32_t pos, uint32_t seq)
{
	int64_t now = zipc__now_ns();

	if (!st->active || st->pos != pos || st->seq != seq) {
		st->active = true;
		st->pos = pos;
		st->seq = seq;
		st->since = now;
	}
	if (now - st->since >= q->stall_ns)
		return true;
	w->recheck_at = st->since + q->stall_ns;
	return false;
}

static void count(_Atomic uint64_t *counter)
{
	/* relaxed: statistics */
	atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

struct pop_op {
	struct zipc_queue *q;
	unsigned char *out;
	uint32_t max;
	struct zipc__queue_stall stall;
};

/*
 * Skip the hole at head pos: claim pos like a consumer, then mark it
 * consumed. Returns 1 if the producer published meanwhile and the element
 * was popped into out, 0 otherwise (the head has moved past pos).
 */
static long skip_hole(struct zipc_queue *q, uint32_t pos, unsigned char *out)
{
	uint32_t expected = pos;

	if (!atomic_compare_exchange_strong_explicit(&q->hdr->head, &expected, pos + 1,
						     memory_order_relaxed, memory_order_relaxed))
		return 0; /* someone else moved on */
	ZIPC__FAULT(ZIPC__FP_QUEUE_POP_CLAIMED);
	/* seq_cst: as (D) when it succeeds; acquire (C) when it finds p+1 */
	if (atomic_compare_exchange_strong_explicit(seq_at(q, pos), &expected, pos + q->capacity,
						    memory_order_seq_cst, memory_order_acquire)) {
		if (q->wb)
			count(&q->wb->holes_skipped);
		announce(q->wb, false);
		return 0;
	}
	if (expected != pos + 1)
		return 0; /* a producer reclaimed it after we claimed: nothing there */
	return drain_claimed(q, pos, out, 1);
}

long zipc__queue_recover_head(struct zipc_queue *q, void *out, struct zipc__queue_stall *st,
			      struct zipc__waiter *w)
{
	/* relaxed: a hint for recovery; every decision below is a CAS */
	uint32_t pos = atomic_load_explicit(&q->hdr->head, memory_order_relaxed);
	uint32_t s = atomic_load_explicit(seq_at(q, pos), memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&q->hdr->tail, memory_order_relaxed);

	if (s != pos || (int32_t)(tail - pos) <= 0) {
		st->active = false;
		return -EAGAIN; /* plainly empty */
	}
	if (!zipc__queue_stalled(st, q, w, pos, s))
		return -EAGAIN;
	st->active = false;
	return skip_hole(q, pos, out);
}

static long pop_attempt(void *ctx, struct zipc__waiter *w)
{
	struct pop_op *op = ctx;
	struct zipc_queue *q = op->q;
	ssize_t r = zipc_queue_try_pop_batch(q, op->out, op->max);

	w->recheck_at = ZIPC__NEVER;
	if (r != -EAGAIN)
		return r;
	r = zipc__queue_recover_head(q, op->out, &op->stall, w);
	if (r == 0)
		return pop_attempt(ctx, w); /* the hole is gone: what comes after it? */
	return r;
}

struct push_op {
	struct zipc_queue *q;
	const unsigned char *elems;
	uint32_t n;
	uint32_t pos; /* first position pushed */
	struct zipc__queue_stall stall;
};

/* Give up the slot of position pos - capacity, claimed by a consumer that stopped. */
static void reclaim_slot(struct zipc_queue *q, uint32_t pos, uint32_t s)
{
	/* seq_cst: the slot is ours to overwrite (as A), a late consumer's
	 * release CAS then fails; and it serves as fence (B) for announce() */
	if (!atomic_compare_exchange_strong_explicit(seq_at(q, pos), &s, pos, memory_order_seq_cst,
						     memory_order_relaxed))
		return;
	if (q->wb)
		count(s == pos - q->capacity + 1 ? &q->wb->claims_reclaimed : &q->wb->holes_skipped);
	announce(q->wb, false);
}

bool zipc__queue_recover_tail(struct zipc_queue *q, struct zipc__queue_stall *st,
			      struct zipc__waiter *w)
{
	/* relaxed: a hint for recovery; every decision below is a CAS */
	uint32_t pos = atomic_load_explicit(&q->hdr->tail, memory_order_relaxed);
	uint32_t s = atomic_load_explicit(seq_at(q, pos), memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&q->hdr->head, memory_order_relaxed);
	uint32_t prev = pos - q->capacity;

	if ((s != prev && s != prev + 1) || (int32_t)(head - prev) <= 0) {
		st->active = false;
		return false; /* plainly full */
	}
	if (!zipc__queue_stalled(st, q, w, pos, s))
		return false;
	st->active = false;
	reclaim_slot(q, pos, s);
	return true;
}

static long push_attempt(void *ctx, struct zipc__waiter *w)
{
	struct push_op *op = ctx;
	struct zipc_queue *q = op->q;
	ssize_t r = try_push_batch_at(q, op->elems, op->n, &op->pos);

	w->recheck_at = ZIPC__NEVER;
	if (r != -EAGAIN)
		return r;
	if (zipc__queue_recover_tail(q, &op->stall, w))
		return push_attempt(ctx, w); /* the slot is free now */
	return -EAGAIN;
}

static void waiter_init(struct zipc__waiter *w, struct zipc_queue *q, bool readable,
			int64_t timeout_ns)
{
	w->ev = q->wb ? (readable ? &q->wb->readable : &q->wb->writable) : NULL;
	w->fallback = readable ? &q->hdr->tail : &q->hdr->head;
	w->timeout_ns = timeout_ns;
	w->deadline = ZIPC__DEADLINE_UNSET;
	w->recheck_at = ZIPC__NEVER;
}

ZIPC_EXPORT ssize_t zipc_queue_pop_batch(struct zipc_queue *q, void *out, size_t max,
					 int64_t timeout_ns)
{
	struct pop_op op = {.q = q, .out = out, .max = clamp_batch(q, max)};
	struct zipc__waiter w;
	long r;

	if (max == 0)
		return zipc__fail(-EINVAL, "empty batch");
	waiter_init(&w, q, true, timeout_ns);
	r = zipc__wait_for(&w, pop_attempt, &op);
	return r;
}

ZIPC_EXPORT int zipc_queue_pop(struct zipc_queue *q, void *out, int64_t timeout_ns)
{
	ssize_t r = zipc_queue_pop_batch(q, out, 1, timeout_ns);
	return r < 0 ? (int)r : 0;
}

/* push_batch, reporting the position of the last claim in *pos. */
static ssize_t push_batch_at(struct zipc_queue *q, const void *elems, size_t n,
			     int64_t timeout_ns, uint32_t *pos)
{
	const unsigned char *src = elems;
	struct zipc__waiter w;
	size_t done = 0;

	if (n == 0)
		return zipc__fail(-EINVAL, "empty batch");
	waiter_init(&w, q, false, timeout_ns);
	while (done < n) {
		struct push_op op = {
			.q = q,
			.elems = src + done * q->elem_size,
			.n = clamp_batch(q, n - done),
		};
		long r = zipc__wait_for(&w, push_attempt, &op);
		if (r < 0)
			return done ? (ssize_t)done : r;
		done += (size_t)r;
		*pos = op.pos;
	}
	return (ssize_t)done;
}

ZIPC_EXPORT ssize_t zipc_queue_push_batch(struct zipc_queue *q, const void *elems, size_t n,
					  int64_t timeout_ns)
{
	uint32_t pos;

	return push_batch_at(q, elems, n, timeout_ns, &pos);
}

ZIPC_EXPORT int zipc_queue_push(struct zipc_queue *q, const void *elem, int64_t timeout_ns)
{
	ssize_t r = zipc_queue_push_batch(q, elem, 1, timeout_ns);
	return r < 0 ? (int)r : 0;
}

int zipc__queue_push_at(struct zipc_queue *q, const void *elem, int64_t timeout_ns,
			uint32_t *pos)
{
	ssize_t r = push_batch_at(q, elem, 1, timeout_ns, pos);
	return r < 0 ? (int)r : 0;
}

bool zipc__queue_taken(const struct zipc_queue *q, uint32_t pos)
{
	/* acquire: pairs with release (D) of the consumer that took it */
	return atomic_load_explicit(seq_at(q, pos), memory_order_acquire) != pos + 1;
}

bool zipc__queue_revoke(struct zipc_queue *q, uint32_t pos)
{
	uint32_t expected = pos + 1;

	/* seq_cst: as release (D): the slot is free again; a consumer that had
	 * claimed pos fails its own release and drops the element */
	if (!atomic_compare_exchange_strong_explicit(seq_at(q, pos), &expected, pos + q->capacity,
						     memory_order_seq_cst, memory_order_relaxed))
		return false;
	announce(q->wb, false);
	return true;
}

enum zipc__withdrawal zipc__queue_withdraw(struct zipc_queue *q, uint32_t pos)
{
	/* relaxed: the CASes below decide */
	uint32_t head = atomic_load_explicit(&q->hdr->head, memory_order_relaxed);

	if (head == pos &&
	    atomic_compare_exchange_strong_explicit(&q->hdr->head, &head, pos + 1,
						    memory_order_relaxed, memory_order_relaxed)) {
		/* Claimed like a consumer: nobody else copies the slot. */
		if (!release(q, pos))
			return ZIPC__TAKEN;
		announce(q->wb, false);
		return ZIPC__WITHDRAWN;
	}
	if (zipc__queue_taken(q, pos))
		return ZIPC__TAKEN;
	if ((int32_t)(head - pos) >= 0)
		return ZIPC__BUSY; /* a consumer claimed it */
	/* Not at the head yet: nobody can be reading it. */
	return zipc__queue_revoke(q, pos) ? ZIPC__WITHDRAWN : ZIPC__TAKEN;
}

void zipc__queue_format(unsigned char *base, uint32_t cap, uint32_t elem_size)
{
	struct zipc__queue_hdr *hdr = (struct zipc__queue_hdr *)base;
	_Atomic uint32_t *seq =
		(_Atomic uint32_t *)(base + 16 + zipc__align8((uint64_t)cap * elem_size));

	/* relaxed: the entry claim (release E in registry.c) publishes all of this */
	atomic_store_explicit(&hdr->head, 0, memory_order_relaxed);
	atomic_store_explicit(&hdr->tail, 0, memory_order_relaxed);
	hdr->capacity = cap;
	hdr->elem_size = elem_size;
	for (uint32_t i = 0; i < cap; i++)
		atomic_store_explicit(&seq[i], i, memory_order_relaxed);
}

static void queue_init(unsigned char *base, const struct zipc__create_req *req)
{
	zipc__queue_format(base, *(const uint32_t *)req->init_ctx, req->type.size);
}

int zipc__queue_bind(struct zipc_queue *q, struct zipc_segment *seg, unsigned char *base,
		     uint64_t size, struct zipc__wait_block *wb, struct zipc_type type)
{
	uint32_t cap, elem;
	int r = zipc__queue_layout(base, size, &cap, &elem);

	if (r < 0)
		return r;
	if (type.size != elem)
		return zipc__fail(-EBADMSG, "queue holds %u-byte elements, not %u", elem, type.size);
	memset(q, 0, sizeof(*q));
	q->seg = seg;
	q->hdr = (struct zipc__queue_hdr *)base;
	q->slots = base + 16;
	q->seq = (_Atomic uint32_t *)(base + 16 + zipc__align8((uint64_t)cap * elem));
	q->wb = wb;
	q->capacity = cap;
	q->mask = cap - 1;
	q->elem_size = elem;
	q->type = type;
	q->stall_ns = ZIPC__STALL_DEFAULT_NS;
	/* relaxed: hints only */
	atomic_init(&q->head_hint, atomic_load_explicit(&q->hdr->head, memory_order_relaxed));
	atomic_init(&q->tail_hint, atomic_load_explicit(&q->hdr->tail, memory_order_relaxed));
	return 0;
}

static int queue_from(struct zipc_segment *seg, const struct zipc__located *loc,
		      const struct zipc_type *want, struct zipc_queue **out)
{
	unsigned char *base = seg->base + loc->rec.offset;
	struct zipc_type type;
	struct zipc_queue *q;
	uint32_t cap, elem;
	int r;

	if (loc->tagged && loc->tag.kind != ZIPC_KIND_QUEUE)
		return zipc__fail(want ? -EEXIST : -EINVAL, "'%s' is a %s, not a queue",
				  loc->rec.name, zipc_kind_name(loc->tag.kind));
	r = zipc__queue_layout(base, loc->rec.size, &cap, &elem);
	if (r < 0)
		return r;
	if (loc->tagged) {
		type = zipc__tag_type(&loc->tag);
		if (type.size != elem || zipc__type_check(type) < 0)
			return zipc__fail(-EBADMSG, "'%s': tag and queue header disagree",
					  loc->rec.name);
	} else {
		type.elem = ZIPC_ELEM_NONE;
		type.size = elem;
	}
	if (want && want->size != elem)
		return zipc__fail(-EEXIST, "'%s' exists with %u-byte elements", loc->rec.name, elem);
	q = malloc(sizeof(*q));
	if (!q)
		return zipc__fail(-ENOMEM, "out of memory");
	r = zipc__queue_bind(q, seg, base, loc->rec.size,
			     loc->tagged ? zipc__wait_block_of(seg, &loc->tag) : NULL, type);
	if (r < 0) {
		free(q);
		return r;
	}
	zipc__segment_ref(seg);
	*out = q;
	return 0;
}

ZIPC_EXPORT int zipc_queue_create(struct zipc_segment *seg, const char *name, struct zipc_type type,
				  uint32_t capacity, struct zipc_queue **out)
{
	struct zipc__create_req req = {
		.name = name,
		.kind = ZIPC_KIND_QUEUE,
		.type = type,
		.align = 8,
		.wait_block = true,
		.init = queue_init,
	};
	struct zipc__located loc;
	uint32_t cap = 2;
	bool created;
	int r = zipc__type_check(type);

	if (r < 0)
		return r;
	if (capacity == 0 || capacity > ZIPC_QUEUE_CAPACITY_MAX)
		return zipc__fail(-EINVAL, "queue capacity must be 1..%u", ZIPC_QUEUE_CAPACITY_MAX);
	while (cap < capacity)
		cap <<= 1;
	req.size = zipc__slotted_size(cap, type.size);
	req.init_ctx = &cap;
	r = zipc__registry_create(seg, &req, &loc, &created);
	if (r < 0)
		return r;
	return queue_from(seg, &loc, &type, out);
}

ZIPC_EXPORT int zipc_queue_open(struct zipc_segment *seg, const char *name, struct zipc_queue **out)
{
	struct zipc__located loc;
	int r = zipc__registry_locate(seg, name, 0, &loc);
	if (r < 0)
		return r;
	return queue_from(seg, &loc, NULL, out);
}

ZIPC_EXPORT void zipc_queue_close(struct zipc_queue *q)
{
	if (!q)
		return;
	zipc__segment_unref(q->seg);
	free(q);
}

ZIPC_EXPORT uint32_t zipc_queue_capacity(const struct zipc_queue *q)
{
	return q->capacity;
}

ZIPC_EXPORT struct zipc_type zipc_queue_type(const struct zipc_queue *q)
{
	return q->type;
}

ZIPC_EXPORT uint32_t zipc_queue_count(const struct zipc_queue *q)
{
	/* relaxed: a snapshot for display */
	uint32_t head = atomic_load_explicit(&q->hdr->head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&q->hdr->tail, memory_order_relaxed);
	int32_t d = (int32_t)(tail - head);

	return d < 0 ? 0 : (uint32_t)d > q->capacity ? q->capacity : (uint32_t)d;
}

ZIPC_EXPORT int zipc_queue_set_stall_timeout(struct zipc_queue *q, int64_t ns)
{
	if (ns < ZIPC__STALL_MIN_NS)
		return zipc__fail(-EINVAL, "stall timeout below 1 ms");
	q->stall_ns = ns;
	return 0;
}

ZIPC_EXPORT void zipc_queue_stats(const struct zipc_queue *q, struct zipc_queue_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	if (!q->wb)
		return;
	/* relaxed: statistics */
	stats->holes_skipped = atomic_load_explicit(&q->wb->holes_skipped, memory_order_relaxed);
	stats->claims_reclaimed =
		atomic_load_explicit(&q->wb->claims_reclaimed, memory_order_relaxed);
}

ZIPC_EXPORT struct zipc_event *zipc_queue_event(struct zipc_queue *q, enum zipc_ready what)
{
	if (!q->wb)
		return NULL;
	return what == ZIPC_READABLE ? &q->wb->readable : &q->wb->writable;
}
