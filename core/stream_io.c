/*
 * Stream ring: emit and next (docs/FORMAT.md, "Stream"). Sequence number t
 * lives in slot t % N; the slot's version word says which t it holds and in
 * what state: (t+1) << 2 | 1 writing, 2 complete, 3 hole (skipped). A
 * writer checks everything before it claims, so nothing waits after a claim:
 *
 *   writer of t = h .. h+k-1                     reader at cursor c
 *   x = claim; h = its seq        (acquire A)    v = version[c % N]        (acquire E)
 *   block: each live cursor       (acquire B)    if v == complete(c):
 *          > t - N                                  copy the words (relaxed)
 *   version[t % N] == prev(t)     (acquire C)       fence                   (acquire F)
 *   writer[t % N] == 0                              if version unchanged:
 *   CAS claim x -> x + k          (validates A)        cursor = c + 1       (release G)
 *   each t: CAS writer 0 -> self  (acquire L)    if v names a later t: overwritten;
 *     CAS version -> writing(t)   (release W)       cursor = claim - N, missed += gap
 *     fence                       (release D0)   if v is older and claim <= c: empty
 *     store the words (relaxed)                     (end of stream once closed)
 *     CAS version -> complete(t)  (seq_cst D)
 *     CAS writer self -> 0        (seq_cst L')
 *   signal readable and writable                 block: signal writable
 *
 * D pairs with E: a complete version publishes the words. D0 and F make a
 * seqlock: a copy that read any word of a later writer also sees that
 * writer's version W on the re-check, so a torn copy is never returned.
 * G pairs with B: in block policy a writer reuses slot c only after every
 * reader finished copying c. C pairs with D of the slot's previous writer
 * (our words land after its words); L pairs with L'. W lets a reader that
 * sees a later t also see the claim of t (the jump target is past c). A
 * pairs with the subscriber's release (S) in stream.c, and the claim CAS
 * fails if anything (a claim, a subscription, close) changed the claim word
 * since A, so the checks hold for exactly the numbers claimed.
 *
 * Dead peers (blocking calls, once what they wait on has not changed for the
 * stall timeout): a slot held by a dead writer has its t made a hole, then
 * is released; a claimed t whose slot nobody holds (its writer died between
 * claim and lock) becomes a hole; in block policy a subscriber a writer waits
 * for is removed if its process is dead. Every step is a CAS, so a writer
 * that was only slow finds its t taken and emits the element again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zeroipc/stream.h>

#include "common_i.h"
#include "error_i.h"
#include "fault_i.h"
#include "fence_i.h"
#include "owner_i.h"
#include "stream_i.h"
#include "wait_i.h"

/* Most bytes one claim covers: a claimed but unwritten t must not wait long. */
#define BATCH_BYTES (64u * 1024u)
/* Attempts at a slot lock held by another process (only a writer that was too slow). */
#define LOCK_SPINS 1024u
/* Stall keys of subscriber records, beside slot indices. */
#define STALL_SUB (1ull << 63)

static inline struct zipc__stream_slot *slot_of(const struct zipc_stream *st, uint64_t t)
{
	return &st->slots[t & st->mask];
}

static inline _Atomic uint64_t *words_of(const struct zipc_stream *st, uint64_t t)
{
	return st->data + (size_t)(t & st->mask) * (st->stride / 8);
}

/* Is v what the slot of t holds when t may be written: the previous lap done? */
static inline bool lap_done(const struct zipc_stream *st, uint64_t v, uint64_t t)
{
	if (t < st->capacity)
		return v == 0;
	return (v | 1) == zipc__version(t - st->capacity, ZIPC__V_HOLE);
}

/* Elements are copied as 8-byte relaxed atomics: readers race with writers
 * in overwrite policy, and the seqlock re-check, not the copy, decides. */
static void store_words(_Atomic uint64_t *dst, const unsigned char *src, uint32_t size)
{
	uint32_t full = size / 8, rest = size % 8;
	uint64_t w;

	for (uint32_t i = 0; i < full; i++) {
		memcpy(&w, src + 8 * (size_t)i, 8);
		atomic_store_explicit(&dst[i], w, memory_order_relaxed);
	}
	if (rest) {
		w = 0;
		memcpy(&w, src + 8 * (size_t)full, rest);
		atomic_store_explicit(&dst[full], w, memory_order_relaxed);
	}
}

static void load_words(unsigned char *dst, _Atomic uint64_t *src, uint32_t size)
{
	uint32_t full = size / 8, rest = size % 8;
	uint64_t w;

	for (uint32_t i = 0; i < full; i++) {
		w = atomic_load_explicit(&src[i], memory_order_relaxed);
		memcpy(dst + 8 * (size_t)i, &w, 8);
	}
	if (rest) {
		w = atomic_load_explicit(&src[full], memory_order_relaxed);
		memcpy(dst + 8 * (size_t)full, &w, rest);
	}
}

static void announce(struct zipc_stream *st)
{
	/* after a seq_cst RMW of the caller: fence (B) of wait.c's protocol */
	zipc__event_signal_after_rmw(&st->hdr->readable);
	zipc__event_signal_after_rmw(&st->hdr->writable);
}

static void count(_Atomic uint64_t *counter)
{
	/* relaxed: statistics */
	atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

/* ---- dead-peer detection ------------------------------------------------ */

/* What one blocking call waits on, and since when it has not changed. */
struct stall {
	bool active;
	uint64_t key; /* slot index, or STALL_SUB | subscriber index */
	uint64_t a, b;
	int64_t since;
};

/*
 * Has (key, a, b) been unchanged for the stall timeout? Starts the clock on
 * a new state and asks the waiter to come back when it would expire.
 */
static bool stalled(struct stall *s, const struct zipc_stream *st, struct zipc__waiter *w,
		    uint64_t key, uint64_t a, uint64_t b)
{
	int64_t now = zipc__now_ns();

	if (!s->active || s->key != key || s->a != a || s->b != b) {
		*s = (struct stall){.active = true, .key = key, .a = a, .b = b, .since = now};
	}
	if (now - s->since >= st->stall_ns) {
		s->active = false; /* checked: the next look starts a new period */
		return true;
	}
	w->recheck_at = s->since + st->stall_ns;
	return false;
}

/*
 * Slot i has been stuck at version v, held by holder, for the stall timeout
 * (h: claimed count). Move it on if its writer is dead. Returns true if it
 * changed anything.
 */
static bool unstick_slot(struct zipc_stream *st, uint64_t i, uint64_t v, uint64_t holder,
			 uint64_t h)
{
	struct zipc__stream_slot *s = &st->slots[i];
	uint64_t pending;

	if (holder != 0) {
		if (zipc__owner_alive(holder))
			return false; /* slow or stopped, not dead: keep waiting */
		/* seq_cst: the hole publishes nothing but is fence (B) for announce() */
		if ((v & 3) == ZIPC__V_WRITING &&
		    atomic_compare_exchange_strong_explicit(&s->version, &v, v | ZIPC__V_HOLE,
							    memory_order_seq_cst,
							    memory_order_relaxed))
			count(&st->hdr->holes);
		/* seq_cst: as (L'), releasing the slot */
		atomic_compare_exchange_strong_explicit(&s->writer, &holder, 0, memory_order_seq_cst,
							memory_order_relaxed);
		announce(st);
		return true;
	}
	if ((v & 3) == ZIPC__V_WRITING)
		return false; /* writing is always held: not a state we made */
	/* The number this slot waits for: its first lap, or one lap after v's. */
	pending = v == 0 ? i : (v >> 2) - 1 + st->capacity;
	if (pending >= h)
		return false; /* not claimed: nothing is late */
	/* seq_cst: as above; a writer of pending that was only slow fails its
	 * writing-CAS and emits again */
	if (!atomic_compare_exchange_strong_explicit(&s->version, &v,
						     zipc__version(pending, ZIPC__V_HOLE),
						     memory_order_seq_cst, memory_order_relaxed))
		return false;
	count(&st->hdr->holes);
	announce(st);
	return true;
}

/* Waiting on slot i at version v: recover it once stuck long enough. */
static bool slot_stalled(struct stall *stall, struct zipc_stream *st, struct zipc__waiter *w,
			 uint64_t i, uint64_t v)
{
	/* relaxed: hints for recovery; every decision is a CAS */
	uint64_t holder = atomic_load_explicit(&st->slots[i].writer, memory_order_relaxed);
	uint64_t h = zipc__claim_seq(atomic_load_explicit(&st->hdr->claim, memory_order_relaxed));

	return stalled(stall, st, w, i, v, holder) && unstick_slot(st, i, v, holder, h);
}

/* Waiting on subscriber j: remove it once stuck long enough and dead. */
static bool sub_stalled(struct stall *stall, struct zipc_stream *st, struct zipc__waiter *w,
			uint32_t j, uint64_t cursor)
{
	struct zipc__stream_sub_rec *rec = &st->subs[j];
	/* relaxed: a hint; the CAS decides */
	uint64_t owner = atomic_load_explicit(&rec->owner, memory_order_relaxed);

	if (owner == 0 || !stalled(stall, st, w, STALL_SUB | j, owner, cursor) ||
	    zipc__owner_alive(owner))
		return false;
	/* seq_cst: fence (B) for the signal */
	if (!atomic_compare_exchange_strong_explicit(&rec->owner, &owner, 0, memory_order_seq_cst,
						     memory_order_relaxed))
		return false;
	count(&st->hdr->subs_removed);
	zipc__event_signal_after_rmw(&st->hdr->writable);
	return true;
}

/* ---- emit ---------------------------------------------------------------- */

struct claim_op {
	struct zipc_stream *st;
	uint32_t want;
	bool recover; /* a blocking call: recover dead peers */
	uint64_t first; /* out: first number claimed */
	struct stall stall;
};

/*
 * Block policy: how many of h .. h+want-1 no live subscriber forbids (t is
 * forbidden while a cursor is <= t - N). On 0, *who and *cursor name one
 * subscriber in the way.
 */
static uint32_t subscriber_room(const struct zipc_stream *st, uint64_t h, uint32_t want,
				uint32_t *who, uint64_t *cursor)
{
	uint32_t n = zipc__stream_sub_limit(st), room = want;

	for (uint32_t j = 0; j < n && room > 0; j++) {
		const struct zipc__stream_sub_rec *rec = &st->subs[j];
		uint64_t c, limit;

		/* relaxed: a subscription that matters is visible through (A)/(S) */
		if (atomic_load_explicit(&rec->owner, memory_order_relaxed) == 0)
			continue;
		/* acquire (B): pairs with (G); the reader is done with what is below c */
		c = atomic_load_explicit(&rec->cursor, memory_order_acquire);
		if (c == ZIPC__CURSOR_IDLE)
			continue;
		limit = c + st->capacity > h ? c + st->capacity - h : 0;
		if (limit < room) {
			room = (uint32_t)limit;
			*who = j;
			*cursor = c;
		}
	}
	return room;
}

/* How many of h .. h+want-1 have a free slot; on 0, *v is h's slot's version. */
static uint32_t free_run(const struct zipc_stream *st, uint64_t h, uint32_t want, uint64_t *v)
{
	uint32_t k;

	for (k = 0; k < want; k++) {
		const struct zipc__stream_slot *s = slot_of(st, h + k);
		/* acquire (C): pairs with (D) of the slot's previous writer */
		uint64_t ver = atomic_load_explicit(&s->version, memory_order_acquire);

		if (k == 0)
			*v = ver;
		/* relaxed: the lock CAS in put() decides; this only avoids a claim
		 * that would have to wait */
		if (!lap_done(st, ver, h + k) ||
		    atomic_load_explicit(&s->writer, memory_order_relaxed) != 0)
			break;
	}
	return k;
}

static long claim_attempt(void *ctx, struct zipc__waiter *w)
{
	struct claim_op *op = ctx;
	struct zipc_stream *st = op->st;
	/* acquire (A): pairs with (S); also the CAS's failure order below */
	uint64_t x = atomic_load_explicit(&st->hdr->claim, memory_order_acquire);

	w->recheck_at = ZIPC__NEVER;
	for (;;) {
		uint64_t h = zipc__claim_seq(x), cursor = 0, v = 0;
		uint32_t k = op->want, who = 0;

		if (x & ZIPC__CLAIM_CLOSED)
			return -EPIPE;
		if (h + k > ZIPC__CLAIM_SEQ_MASK)
			return zipc__fail(-EOVERFLOW, "stream sequence numbers exhausted");
		if (st->policy == ZIPC_STREAM_BLOCK)
			k = subscriber_room(st, h, k, &who, &cursor);
		if (k == 0) {
			if (op->recover && sub_stalled(&op->stall, st, w, who, cursor))
				goto again;
			return -EAGAIN;
		}
		k = free_run(st, h, k, &v);
		if (k == 0) {
			if (op->recover && slot_stalled(&op->stall, st, w, h & st->mask, v))
				goto again;
			return -EAGAIN;
		}
		/* acquire as (A) on failure; on success it validates that the
		 * claim word did not change since (A) and publishes nothing (the
		 * version words do) */
		if (atomic_compare_exchange_weak_explicit(&st->hdr->claim, &x, x + k,
							  memory_order_acquire,
							  memory_order_acquire)) {
			op->first = h;
			return k;
		}
		continue;
again:
		x = atomic_load_explicit(&st->hdr->claim, memory_order_acquire);
	}
}

static bool lock_slot(struct zipc__stream_slot *s, uint64_t self)
{
	for (uint32_t i = 0; i < LOCK_SPINS; i++) {
		uint64_t expected = 0;

		/* acquire (L): pairs with (L') of the slot's previous holder */
		if (atomic_compare_exchange_weak_explicit(&s->writer, &expected, self,
							  memory_order_acquire,
							  memory_order_relaxed))
			return true;
		zipc__cpu_relax();
	}
	return false;
}

static void unlock_slot(struct zipc__stream_slot *s, uint64_t self)
{
	/* seq_cst (L'): releases the slot; fence (B) for announce() */
	atomic_compare_exchange_strong_explicit(&s->writer, &self, 0, memory_order_seq_cst,
						memory_order_relaxed);
}

/*
 * Write t, which we claimed, from src. Returns 0, or -EAGAIN if t was taken
 * from us (we were stopped past the stall timeout): the caller emits again.
 */
static int put(struct zipc_stream *st, uint64_t t, const unsigned char *src, uint64_t self)
{
	struct zipc__stream_slot *s = slot_of(st, t);
	uint64_t v, writing = zipc__version(t, ZIPC__V_WRITING);
	bool done;

	if (!lock_slot(s, self))
		return -EAGAIN;
	/* acquire (C): the previous lap's words are written before ours */
	v = atomic_load_explicit(&s->version, memory_order_acquire);
	/* release (W): a reader that sees writing(t) sees our claim of t */
	if (!lap_done(st, v, t) ||
	    !atomic_compare_exchange_strong_explicit(&s->version, &v, writing, memory_order_release,
						     memory_order_relaxed)) {
		unlock_slot(s, self);
		return -EAGAIN;
	}
	/* release (D0): orders writing(t) before the words; pairs with (F) */
	zipc__fence_release();
	ZIPC__FAULT(ZIPC__FP_STREAM_EMIT_WRITING);
	store_words(words_of(st, t), src, st->elem_size);
	/* seq_cst (D): publishes the words; pairs with (E) */
	done = atomic_compare_exchange_strong_explicit(&s->version, &writing,
						       zipc__version(t, ZIPC__V_COMPLETE),
						       memory_order_seq_cst, memory_order_relaxed);
	unlock_slot(s, self);
	return done ? 0 : -EAGAIN;
}

static ssize_t emit(struct zipc_stream *st, const unsigned char *src, size_t n,
		    int64_t timeout_ns, bool wait);

/* What is left of a waiter's time, as a relative timeout. */
static int64_t time_left(const struct zipc__waiter *w)
{
	int64_t left;

	if (w->deadline == ZIPC__DEADLINE_UNSET)
		return w->timeout_ns;
	if (w->deadline == ZIPC__NEVER)
		return ZIPC_FOREVER;
	left = w->deadline - zipc__now_ns();
	return left > 0 ? left : 0;
}

static uint32_t batch_limit(const struct zipc_stream *st, size_t n)
{
	uint32_t most = BATCH_BYTES / st->stride;

	if (most == 0)
		most = 1;
	if (most > st->capacity)
		most = st->capacity;
	return n < most ? (uint32_t)n : most;
}

/*
 * Write the k numbers claimed from first. Elements whose number was taken
 * from us (we were stopped past the stall timeout) are emitted again after
 * the others. Returns how many of the k were lost for good, and the error
 * of the last such loss in *err.
 */
static size_t put_claimed(struct zipc_stream *st, uint64_t first, const unsigned char *src,
			  uint32_t k, struct zipc__waiter *w, bool wait, int *err)
{
	uint64_t self = zipc__owner_self();
	uint32_t *retry = NULL, nretry = 0;
	size_t lost = 0;

	ZIPC__FAULT(ZIPC__FP_STREAM_EMIT_CLAIMED);
	for (uint32_t j = 0; j < k; j++) {
		if (put(st, first + j, src + (size_t)j * st->elem_size, self) == 0)
			continue;
		if (!retry)
			retry = malloc((size_t)k * sizeof(*retry));
		if (retry) {
			retry[nretry++] = j;
		} else {
			lost++;
			*err = -ENOMEM;
		}
	}
	announce(st);
	for (uint32_t r = 0; r < nretry; r++) {
		ssize_t again = emit(st, src + (size_t)retry[r] * st->elem_size, 1, time_left(w),
				     wait);

		if (again < 0) {
			lost++;
			*err = (int)again;
		}
	}
	free(retry);
	return lost;
}

/*
 * Emit n elements, waiting for room up to timeout_ns (or not at all).
 * Returns how many were emitted, or the error if none.
 */
static ssize_t emit(struct zipc_stream *st, const unsigned char *src, size_t n,
		    int64_t timeout_ns, bool wait)
{
	struct zipc__waiter w = {
		.ev = &st->hdr->writable,
		.timeout_ns = timeout_ns,
		.deadline = ZIPC__DEADLINE_UNSET,
	};
	size_t done = 0, lost = 0;
	int err = 0;

	while (done < n) {
		struct claim_op op = {.st = st, .want = batch_limit(st, n - done), .recover = wait};
		long k = wait ? zipc__wait_for(&w, claim_attempt, &op) : claim_attempt(&op, &w);

		if (k < 0)
			return done > lost ? (ssize_t)(done - lost) : k;
		lost += put_claimed(st, op.first, src + done * st->elem_size, (uint32_t)k, &w, wait,
				    &err);
		done += (size_t)k;
	}
	return done > lost ? (ssize_t)(done - lost) : err;
}

ZIPC_EXPORT ssize_t zipc_stream_emit_batch(struct zipc_stream *st, const void *elems, size_t n,
					   int64_t timeout_ns)
{
	if (n == 0)
		return zipc__fail(-EINVAL, "empty batch");
	return emit(st, elems, n, timeout_ns, true);
}

ZIPC_EXPORT int zipc_stream_emit(struct zipc_stream *st, const void *elem, int64_t timeout_ns)
{
	ssize_t r = emit(st, elem, 1, timeout_ns, true);

	return r < 0 ? (int)r : 0;
}

ZIPC_EXPORT int zipc_stream_try_emit(struct zipc_stream *st, const void *elem)
{
	ssize_t r = emit(st, elem, 1, 0, false);

	return r < 0 ? (int)r : 0;
}

/* ---- next ----------------------------------------------------------------- */

struct next_op {
	struct zipc_sub *sub;
	unsigned char *out;
	bool recover;
	struct stall stall;
};

static void advance(struct zipc_sub *sub, uint64_t c)
{
	struct zipc_stream *st = sub->st;

	sub->cursor = c;
	/* release (G): pairs with (B); our copy is done before the slot is reused */
	atomic_store_explicit(&sub->rec->cursor, c, memory_order_release);
	if (st->policy == ZIPC_STREAM_BLOCK)
		zipc__event_signal(&st->hdr->writable);
}

/* Cursor c was overwritten: jump to the oldest element retained. */
static int jump(struct zipc_sub *sub, uint64_t c)
{
	struct zipc_stream *st = sub->st;
	/* relaxed: after (E) saw a later number, whose claim (W) made visible */
	uint64_t h = zipc__claim_seq(atomic_load_explicit(&st->hdr->claim, memory_order_relaxed));

	if (h <= c + st->capacity)
		return zipc__fail(-EBADMSG, "stream version names a number beyond claim %llu",
				  (unsigned long long)h);
	sub->missed += h - st->capacity - c;
	/* relaxed: only this subscription writes it; for inspection */
	atomic_store_explicit(&sub->rec->missed, sub->missed, memory_order_relaxed);
	advance(sub, h - st->capacity);
	return 0;
}

/* One try at the next element: 0 (in out), -EAGAIN, -EPIPE, -EBADMSG. */
static long next_attempt(void *ctx, struct zipc__waiter *w)
{
	struct next_op *op = ctx;
	struct zipc_sub *sub = op->sub;
	struct zipc_stream *st = sub->st;

	w->recheck_at = ZIPC__NEVER;
	for (;;) {
		uint64_t c = sub->cursor, i = c & st->mask, x;
		_Atomic uint64_t *version = &st->slots[i].version;
		/* acquire (E): pairs with (D), (W) and the holes' CAS */
		uint64_t v = atomic_load_explicit(version, memory_order_acquire);

		if ((v >> 2) > c + 1) {
			int r = jump(sub, c);
			if (r < 0)
				return r;
			continue;
		}
		if ((v >> 2) == c + 1 && (v & 3) == ZIPC__V_COMPLETE) {
			load_words(op->out, words_of(st, c), st->elem_size);
			/* acquire (F): the words are read before the re-check; pairs with (D0) */
			zipc__fence_acquire();
			if (atomic_load_explicit(version, memory_order_relaxed) == v) {
				advance(sub, c + 1);
				return 0;
			}
			continue; /* overwritten while we copied */
		}
		if ((v >> 2) == c + 1 && (v & 3) == ZIPC__V_HOLE) {
			advance(sub, c + 1);
			continue;
		}
		/* c is being written, or not yet (v is older). relaxed: the closed
		 * bit and the count are final together (one word); the element
		 * itself is seen through (E) on the next try */
		x = atomic_load_explicit(&st->hdr->claim, memory_order_relaxed);
		if (zipc__claim_seq(x) <= c) {
			op->stall.active = false;
			return x & ZIPC__CLAIM_CLOSED ? -EPIPE : -EAGAIN;
		}
		if (!op->recover || !slot_stalled(&op->stall, st, w, i, v))
			return -EAGAIN;
	}
}

ZIPC_EXPORT int zipc_stream_next(struct zipc_sub *sub, void *out, int64_t timeout_ns)
{
	struct next_op op = {.sub = sub, .out = out, .recover = true};
	struct zipc__waiter w = {
		.ev = &sub->st->hdr->readable,
		.timeout_ns = timeout_ns,
		.deadline = ZIPC__DEADLINE_UNSET,
	};

	return (int)zipc__wait_for(&w, next_attempt, &op);
}

ZIPC_EXPORT int zipc_stream_try_next(struct zipc_sub *sub, void *out)
{
	struct next_op op = {.sub = sub, .out = out};
	struct zipc__waiter w = {.deadline = ZIPC__NEVER};

	return (int)next_attempt(&op, &w);
}

ZIPC_EXPORT ssize_t zipc_stream_next_batch(struct zipc_sub *sub, void *out, size_t max,
					   int64_t timeout_ns)
{
	unsigned char *dst = out;
	size_t n;
	int r;

	if (max == 0)
		return zipc__fail(-EINVAL, "empty batch");
	r = zipc_stream_next(sub, dst, timeout_ns);
	if (r < 0)
		return r;
	for (n = 1; n < max; n++)
		if (zipc_stream_try_next(sub, dst + n * sub->st->elem_size) < 0)
			break;
	return (ssize_t)n;
}
