/*
 * Stack (docs/FORMAT.md, "Stack"): a top index moved by CAS and a state per
 * slot, in the shared layout.
 *
 *   push                                    pop
 *   CAS top t -> t+1 (acq_rel)              CAS top t -> t-1 (acq_rel)
 *   slot t+1: CAS empty -> writing (acq A)  slot t: CAS ready -> reading (acq C)
 *   write                                   read
 *   CAS writing -> ready       (release B)  CAS reading -> empty     (release D)
 *
 * B pairs with C (the element is visible to its popper), D with A (a pusher
 * never overwrites an element being read). Claiming top is lock-free; after
 * that a push or pop waits for the slot's previous user to finish, which is
 * a handoff of a few nanoseconds unless that user died. Recovery after the
 * stall timeout with the slot unchanged (every transition a CAS, so a late
 * owner's CAS fails and it starts over or drops its element):
 * - a popper waiting for ready: empty/writing/abandoned -> abandoned; pop again;
 * - a pusher waiting for empty: writing -> abandoned (then taken);
 *   ready/reading -> writing (the element of a dead popper is given up).
 * State 4 (abandoned) is ours; pushers treat it as empty.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zeroipc/stack.h>

#include "common_i.h"
#include "error_i.h"
#include "fault_i.h"
#include "kinds_i.h"
#include "registry_i.h"
#include "types_i.h"
#include "wait_i.h"

enum slot_state { EMPTY = 0, WRITING = 1, READY = 2, READING = 3, ABANDONED = 4 };

struct zipc__stack_hdr {
	_Atomic int32_t top;
	uint32_t capacity;  /* read-only after creation */
	uint32_t elem_size; /* read-only after creation */
	uint32_t reserved;
};
_Static_assert(sizeof(struct zipc__stack_hdr) == 16, "stack header is 16 bytes");

struct zipc_stack {
	struct zipc_segment *seg;
	struct zipc__stack_hdr *hdr;
	unsigned char *slots;
	_Atomic uint32_t *state;
	struct zipc__wait_block *wb; /* NULL for stacks made elsewhere */
	/* Read once at open, never re-read from the segment: */
	uint32_t capacity;
	uint32_t elem_size;
	struct zipc_type type;
	int64_t stall_ns;
};

int zipc__stack_layout(const unsigned char *base, uint64_t size, uint32_t *capacity,
		       uint32_t *elem_size)
{
	const struct zipc__stack_hdr *hdr = (const struct zipc__stack_hdr *)base;
	uint32_t cap, elem;

	if (size < sizeof(*hdr))
		return zipc__fail(-EBADMSG, "stack of %llu bytes has no header",
				  (unsigned long long)size);
	cap = hdr->capacity;
	elem = hdr->elem_size;
	if (cap < 1 || cap > ZIPC_STACK_CAPACITY_MAX)
		return zipc__fail(-EBADMSG, "stack capacity %u outside 1..2^30", cap);
	if (elem == 0 || elem > ZIPC_ELEM_SIZE_MAX)
		return zipc__fail(-EBADMSG, "stack element size %u is absurd", elem);
	if (zipc__slotted_size(cap, elem) > size)
		return zipc__fail(-EBADMSG, "stack of %u x %u bytes does not fit its %llu bytes",
				  cap, elem, (unsigned long long)size);
	*capacity = cap;
	*elem_size = elem;
	return 0;
}

static inline unsigned char *slot_at(const struct zipc_stack *s, int32_t i)
{
	return s->slots + (size_t)i * s->elem_size;
}

/* Wake waiters after a slot transition, whose seq_cst CAS is fence (B) (wait.c). */
static void announce(struct zipc_stack *s, bool readable)
{
	if (s->wb)
		zipc__event_signal_after_rmw(readable ? &s->wb->readable : &s->wb->writable);
}

/* Move top up (push) or down (pop) by one. Returns the slot index or -EAGAIN/-EBADMSG. */
static int32_t claim_top(struct zipc_stack *s, bool push)
{
	/* acquire: pairs with the acq_rel CAS of other claimers (orders nothing
	 * else; slot contents are ordered by A-D) */
	int32_t t = atomic_load_explicit(&s->hdr->top, memory_order_acquire);

	for (;;) {
		if (t < -1 || t >= (int32_t)s->capacity)
			return zipc__fail(-EBADMSG, "stack top %d outside -1..%u", t, s->capacity - 1);
		if (push ? t == (int32_t)s->capacity - 1 : t == -1)
			return -EAGAIN;
		if (atomic_compare_exchange_weak_explicit(&s->hdr->top, &t, push ? t + 1 : t - 1,
							  memory_order_acq_rel,
							  memory_order_acquire))
			return push ? t + 1 : t;
	}
}

struct slot_op {
	struct zipc_stack *s;
	int32_t index;
	bool push;
	bool gave_up; /* popper: the pusher was presumed dead; pop again */
	bool stuck;
	uint32_t stuck_state;
	int64_t since;
};

static bool cas_state(_Atomic uint32_t *st, uint32_t from, uint32_t to, memory_order order)
{
	return atomic_compare_exchange_strong_explicit(st, &from, to, order, memory_order_relaxed);
}

/* Recovery of a slot stuck in `cur` for the stall timeout; see the file top. */
static long recover(struct slot_op *op, _Atomic uint32_t *st, uint32_t cur)
{
	struct zipc_stack *s = op->s;

	if (!op->push) {
		/* seq_cst: a late pusher's CAS (B) fails on our value; fence for announce() */
		if (cas_state(st, cur, ABANDONED, memory_order_seq_cst)) {
			if (s->wb)
				atomic_fetch_add_explicit(&s->wb->holes_skipped, 1,
							  memory_order_relaxed);
			announce(s, false);
			op->gave_up = true;
			return 0;
		}
		return -EAGAIN;
	}
	if (cur == WRITING) {
		/* acq_rel: the late pusher's (B) fails; we then take the slot as empty */
		cas_state(st, WRITING, ABANDONED, memory_order_acq_rel);
		return -EAGAIN;
	}
	/* ready or reading, owned by a popper presumed dead: take it (as A) */
	if (cas_state(st, cur, WRITING, memory_order_acq_rel)) {
		if (s->wb)
			atomic_fetch_add_explicit(&s->wb->claims_reclaimed, 1, memory_order_relaxed);
		return 0;
	}
	return -EAGAIN;
}

/* One attempt to take slot index for our role (see struct slot_op). */
static long slot_attempt(void *ctx, struct zipc__waiter *w)
{
	struct slot_op *op = ctx;
	_Atomic uint32_t *st = &op->s->state[op->index];
	/* acquire: pairs with the release transitions (B, D) and recovery */
	uint32_t cur = atomic_load_explicit(st, memory_order_acquire);
	int64_t now;

	w->recheck_at = ZIPC__NEVER;
	if (op->push && (cur == EMPTY || cur == ABANDONED)) {
		/* acquire (A): pairs with release (D) of the last popper */
		if (cas_state(st, cur, WRITING, memory_order_acquire))
			return 0;
		return -EAGAIN;
	}
	if (!op->push && cur == READY) {
		/* acquire (C): pairs with release (B) of the pusher */
		if (cas_state(st, READY, READING, memory_order_acquire))
			return 0;
		return -EAGAIN;
	}
	now = zipc__now_ns();
	if (!op->stuck || op->stuck_state != cur) {
		op->stuck = true;
		op->stuck_state = cur;
		op->since = now;
	}
	if (now - op->since < op->s->stall_ns) {
		w->recheck_at = op->since + op->s->stall_ns;
		return -EAGAIN;
	}
	op->stuck = false;
	return recover(op, st, cur);
}

/*
 * Take slot index: wait (spin, then sleep) for its previous user. The wait
 * ignores the caller's deadline: top is already moved and cannot be undone.
 * Returns 0, or 1 when a popper must pop again (the pusher was given up).
 */
static int take_slot(struct zipc_stack *s, int32_t index, bool push)
{
	struct slot_op op = {.s = s, .index = index, .push = push};
	struct zipc__waiter w = {
		.ev = s->wb ? (push ? &s->wb->writable : &s->wb->readable) : NULL,
		.fallback = &s->state[index],
		.deadline = ZIPC__NEVER,
	};
	long r;

	do
		r = zipc__wait_for(&w, slot_attempt, &op);
	while (r == -EINTR);
	return op.gave_up ? 1 : 0;
}

ZIPC_EXPORT int zipc_stack_try_push(struct zipc_stack *s, const void *elem)
{
	for (;;) {
		int32_t i = claim_top(s, true);

		if (i < 0)
			return i;
		take_slot(s, i, true);
		ZIPC__FAULT(ZIPC__FP_STACK_PUSH_CLAIMED);
		memcpy(slot_at(s, i), elem, s->elem_size);
		/* release (B): pairs with acquire (C) of the popper; seq_cst for announce() */
		if (cas_state(&s->state[i], WRITING, READY, memory_order_seq_cst)) {
			announce(s, true);
			return 0;
		}
		/* We were presumed dead and the slot abandoned: push again. */
	}
}

ZIPC_EXPORT int zipc_stack_try_pop(struct zipc_stack *s, void *out)
{
	for (;;) {
		int32_t i = claim_top(s, false);

		if (i < 0)
			return i;
		if (take_slot(s, i, false))
			continue; /* its pusher died: nothing there */
		ZIPC__FAULT(ZIPC__FP_STACK_POP_CLAIMED);
		memcpy(out, slot_at(s, i), s->elem_size);
		/* release (D): pairs with acquire (A) of the next pusher; seq_cst for announce() */
		if (cas_state(&s->state[i], READING, EMPTY, memory_order_seq_cst)) {
			announce(s, false);
			return 0;
		}
		/* We were presumed dead: the element is gone, pop another. */
	}
}

struct block_op {
	struct zipc_stack *s;
	const void *in;
	void *out;
};

static long push_attempt(void *ctx, struct zipc__waiter *w)
{
	struct block_op *op = ctx;

	(void)w;
	return zipc_stack_try_push(op->s, op->in);
}

static long pop_attempt(void *ctx, struct zipc__waiter *w)
{
	struct block_op *op = ctx;

	(void)w;
	return zipc_stack_try_pop(op->s, op->out);
}

static int block(struct zipc_stack *s, bool push, struct block_op *op, int64_t timeout_ns)
{
	struct zipc__waiter w = {
		.ev = s->wb ? (push ? &s->wb->writable : &s->wb->readable) : NULL,
		.fallback = (_Atomic uint32_t *)&s->hdr->top,
		.timeout_ns = timeout_ns,
		.deadline = ZIPC__DEADLINE_UNSET,
	};

	return (int)zipc__wait_for(&w, push ? push_attempt : pop_attempt, op);
}

ZIPC_EXPORT int zipc_stack_push(struct zipc_stack *s, const void *elem, int64_t timeout_ns)
{
	struct block_op op = {.s = s, .in = elem};
	return block(s, true, &op, timeout_ns);
}

ZIPC_EXPORT int zipc_stack_pop(struct zipc_stack *s, void *out, int64_t timeout_ns)
{
	struct block_op op = {.s = s, .out = out};
	return block(s, false, &op, timeout_ns);
}

static void stack_init(unsigned char *base, const struct zipc__create_req *req)
{
	struct zipc__stack_hdr *hdr = (struct zipc__stack_hdr *)base;
	uint32_t cap = *(const uint32_t *)req->init_ctx;
	_Atomic uint32_t *state =
		(_Atomic uint32_t *)(base + 16 + zipc__align8((uint64_t)cap * req->type.size));

	/* relaxed: the entry claim (release E in registry.c) publishes all of this */
	atomic_store_explicit(&hdr->top, -1, memory_order_relaxed);
	hdr->capacity = cap;
	hdr->elem_size = req->type.size;
	hdr->reserved = 0;
	for (uint32_t i = 0; i < cap; i++)
		atomic_store_explicit(&state[i], EMPTY, memory_order_relaxed);
}

static int stack_from(struct zipc_segment *seg, const struct zipc__located *loc,
		      const struct zipc_type *want, struct zipc_stack **out)
{
	unsigned char *base = seg->base + loc->rec.offset;
	struct zipc_type type;
	struct zipc_stack *s;
	uint32_t cap, elem;
	int r;

	if (loc->tagged && loc->tag.kind != ZIPC_KIND_STACK)
		return zipc__fail(want ? -EEXIST : -EINVAL, "'%s' is a %s, not a stack",
				  loc->rec.name, zipc_kind_name(loc->tag.kind));
	r = zipc__stack_layout(base, loc->rec.size, &cap, &elem);
	if (r < 0)
		return r;
	if (loc->tagged) {
		type = zipc__tag_type(&loc->tag);
		if (type.size != elem || zipc__type_check(type) < 0)
			return zipc__fail(-EBADMSG, "'%s': tag and stack header disagree",
					  loc->rec.name);
	} else {
		type.elem = ZIPC_ELEM_NONE;
		type.size = elem;
	}
	if (want && want->size != elem)
		return zipc__fail(-EEXIST, "'%s' exists with %u-byte elements", loc->rec.name, elem);
	s = calloc(1, sizeof(*s));
	if (!s)
		return zipc__fail(-ENOMEM, "out of memory");
	zipc__segment_ref(seg);
	s->seg = seg;
	s->hdr = (struct zipc__stack_hdr *)base;
	s->slots = base + 16;
	s->state = (_Atomic uint32_t *)(base + 16 + zipc__align8((uint64_t)cap * elem));
	s->wb = loc->tagged ? zipc__wait_block_of(seg, &loc->tag) : NULL;
	s->capacity = cap;
	s->elem_size = elem;
	s->type = type;
	s->stall_ns = ZIPC__STALL_DEFAULT_NS;
	*out = s;
	return 0;
}

ZIPC_EXPORT int zipc_stack_create(struct zipc_segment *seg, const char *name, struct zipc_type type,
				  uint32_t capacity, struct zipc_stack **out)
{
	struct zipc__create_req req = {
		.name = name,
		.kind = ZIPC_KIND_STACK,
		.type = type,
		.align = 8,
		.wait_block = true,
		.init = stack_init,
		.init_ctx = &capacity,
	};
	struct zipc__located loc;
	bool created;
	int r = zipc__type_check(type);

	if (r < 0)
		return r;
	if (capacity == 0 || capacity > ZIPC_STACK_CAPACITY_MAX)
		return zipc__fail(-EINVAL, "stack capacity must be 1..%u", ZIPC_STACK_CAPACITY_MAX);
	req.size = zipc__slotted_size(capacity, type.size);
	r = zipc__registry_create(seg, &req, &loc, &created);
	if (r < 0)
		return r;
	return stack_from(seg, &loc, &type, out);
}

ZIPC_EXPORT int zipc_stack_open(struct zipc_segment *seg, const char *name, struct zipc_stack **out)
{
	struct zipc__located loc;
	int r = zipc__registry_locate(seg, name, 0, &loc);
	if (r < 0)
		return r;
	return stack_from(seg, &loc, NULL, out);
}

ZIPC_EXPORT void zipc_stack_close(struct zipc_stack *s)
{
	if (!s)
		return;
	zipc__segment_unref(s->seg);
	free(s);
}

ZIPC_EXPORT uint32_t zipc_stack_capacity(const struct zipc_stack *s)
{
	return s->capacity;
}

ZIPC_EXPORT struct zipc_type zipc_stack_type(const struct zipc_stack *s)
{
	return s->type;
}

ZIPC_EXPORT uint32_t zipc_stack_count(const struct zipc_stack *s)
{
	/* relaxed: a snapshot for display */
	int32_t t = atomic_load_explicit(&s->hdr->top, memory_order_relaxed);

	return t < 0 ? 0 : t >= (int32_t)s->capacity ? s->capacity : (uint32_t)t + 1;
}

ZIPC_EXPORT int zipc_stack_set_stall_timeout(struct zipc_stack *s, int64_t ns)
{
	if (ns < ZIPC__STALL_MIN_NS)
		return zipc__fail(-EINVAL, "stall timeout below 1 ms");
	s->stall_ns = ns;
	return 0;
}

ZIPC_EXPORT void zipc_stack_stats(const struct zipc_stack *s, struct zipc_stack_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	if (!s->wb)
		return;
	/* relaxed: statistics */
	stats->pushes_abandoned = atomic_load_explicit(&s->wb->holes_skipped, memory_order_relaxed);
	stats->pops_reclaimed = atomic_load_explicit(&s->wb->claims_reclaimed, memory_order_relaxed);
}

ZIPC_EXPORT struct zipc_event *zipc_stack_event(struct zipc_stack *s, enum zipc_ready what)
{
	if (!s->wb)
		return NULL;
	return what == ZIPC_READABLE ? &s->wb->readable : &s->wb->writable;
}
