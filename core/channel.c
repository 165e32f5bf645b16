/*
 * Channel (docs/FORMAT.md, "Channel"): our header and a wait block, then a
 * queue in the shared format whose slot protocol (queue.c, labels A-D there)
 * carries the values. What the channel adds is close and rendezvous:
 *
 *   sender                                    receiver
 *   closed?                  (acquire)        pop (queue.c C, D)
 *   push at p (queue.c B, seq_cst: P)         if empty: closed?          (seq_cst R)
 *   closed?                  (seq_cst Q)                fence            (seq_cst F)
 *     yes: withdraw p, -EPIPE                           pop; empty: -EPIPE
 *   unbuffered: sleep until seq[p] != p+1  (acquire T: pairs with D)
 *   close: closed = 1 (seq_cst X), wake readers and writers
 *
 * If Q read 0, P precedes X in the total order S; R reads X, so P precedes
 * F, and the pop after F sees P's publication or later: a value whose
 * sender did not see close is received (or was taken). A sender that saw
 * close withdraws its value, or finds it taken and reports success.
 *
 * Withdrawing (unbuffered timeouts, close) takes position p the way a
 * receiver would when p is at the head (CAS head, then release the slot), so
 * no receiver can be copying a slot that is then reused. A value a receiver
 * has claimed cannot be withdrawn; the sender waits until it is taken.
 *
 * Dead peers, in blocking calls after the stall timeout without change (the
 * queue's own recovery steps, zipc__queue_recover_head/_tail): a receiver skips the position of a sender that
 * claimed it and never published; a sender reclaims the slot of a receiver
 * that claimed a value and never released it; an unbuffered sender whose
 * value such a receiver claimed withdraws it and sends it again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zeroipc/channel.h>

#include "channel_i.h"
#include "common_i.h"
#include "error_i.h"
#include "fault_i.h"
#include "fence_i.h"
#include "kinds_i.h"
#include "registry_i.h"
#include "types_i.h"
#include "wait_i.h"

/* How long an unbuffered try_send waits for a receiver to take its value. */
#define TRY_SEND_WINDOW_NS (200 * 1000LL)

static inline _Atomic uint32_t *seq_at(const struct zipc_queue *q, uint32_t pos)
{
	return &q->seq[pos & q->mask];
}

/* Closed, for a sender after its push (Q) or a receiver finding it empty (R, F). */
static bool closed_final(const struct zipc_channel *ch)
{
	/* seq_cst (Q/R): see the top comment */
	if (!atomic_load_explicit(&ch->hdr->closed, memory_order_seq_cst))
		return false;
	/* seq_cst (F): a pop after this sees every publication before close */
	zipc__fence_seq_cst();
	return true;
}

static bool closed_hint(const struct zipc_channel *ch)
{
	/* acquire: pairs with (X); a sender checks again after pushing (Q) */
	return atomic_load_explicit(&ch->hdr->closed, memory_order_acquire) != 0;
}

/* ---- receiving ------------------------------------------------------------ */

long zipc__channel_recv_attempt(void *ctx, struct zipc__waiter *w)
{
	struct zipc__recv_op *op = ctx;
	struct zipc_queue *q = &op->ch->q;
	int r = zipc_queue_try_pop(q, op->out);

	w->recheck_at = ZIPC__NEVER;
	if (r != -EAGAIN)
		return r;
	if (closed_final(op->ch)) {
		r = zipc_queue_try_pop(q, op->out);
		return r == -EAGAIN ? -EPIPE : r;
	}
	if (!op->recover)
		return -EAGAIN;
	r = (int)zipc__queue_recover_head(q, op->out, &op->stall, w);
	if (r == 0)
		return zipc__channel_recv_attempt(ctx, w); /* the hole is gone: look again */
	return r == 1 ? 0 : r;
}

static int recv(struct zipc_channel *ch, void *out, int64_t timeout_ns, bool wait)
{
	struct zipc__recv_op op = {.ch = ch, .out = out, .recover = wait};
	struct zipc__waiter w = {
		.ev = &ch->hdr->wb.readable,
		.timeout_ns = timeout_ns,
		.deadline = ZIPC__DEADLINE_UNSET,
	};

	return (int)(wait ? zipc__wait_for(&w, zipc__channel_recv_attempt, &op)
			  : zipc__channel_recv_attempt(&op, &w));
}

ZIPC_EXPORT int zipc_channel_recv(struct zipc_channel *ch, void *out, int64_t timeout_ns)
{
	return recv(ch, out, timeout_ns, true);
}

ZIPC_EXPORT int zipc_channel_try_recv(struct zipc_channel *ch, void *out)
{
	return recv(ch, out, 0, false);
}

/* ---- sending -------------------------------------------------------------- */

struct send_op {
	struct zipc_channel *ch;
	const void *elem;
	bool recover;
	uint32_t pos; /* where the value went */
	struct zipc__queue_stall stall;
};

static long push_attempt(void *ctx, struct zipc__waiter *w)
{
	struct send_op *op = ctx;
	int r;

	w->recheck_at = ZIPC__NEVER;
	if (closed_hint(op->ch))
		return -EPIPE;
	/* A timeout of 0 makes it one try that reports the position. */
	r = zipc__queue_push_at(&op->ch->q, op->elem, 0, &op->pos);
	if (r != -ETIMEDOUT)
		return r;
	if (op->recover && zipc__queue_recover_tail(&op->ch->q, &op->stall, w))
		return push_attempt(ctx, w); /* the slot is free now */
	return -EAGAIN;
}

/* Push the value; after close (Q), withdraw it. Returns 0, -EPIPE, or a wait error. */
static int push(struct zipc_channel *ch, struct send_op *op, struct zipc__waiter *w)
{
	long r = op->recover ? zipc__wait_for(w, push_attempt, op) : push_attempt(op, w);

	if (r < 0)
		return (int)r;
	if (closed_final(ch) && zipc__queue_withdraw(&ch->q, op->pos) == ZIPC__WITHDRAWN)
		return -EPIPE;
	return 0;
}

struct taken_op {
	struct zipc_channel *ch;
	uint32_t pos;
	int give_up; /* why we withdraw (-EPIPE, -ETIMEDOUT, -EINTR); 0 while waiting */
	struct zipc__queue_stall stall;
};

/* Results of taken_attempt() besides waiting and errors. */
enum { TAKEN_OK = 0, SEND_AGAIN = 1, GAVE_UP = 2 };

/* Wait for a receiver to take the value at pos, or withdraw it once giving up. */
static long taken_attempt(void *ctx, struct zipc__waiter *w)
{
	struct taken_op *op = ctx;
	struct zipc_queue *q = &op->ch->q;
	uint32_t head, s;

	w->recheck_at = ZIPC__NEVER;
	/* acquire (T): pairs with the receiver's release (D) */
	if (zipc__queue_taken(q, op->pos))
		return TAKEN_OK;
	if (!op->give_up && closed_hint(op->ch))
		op->give_up = -EPIPE;
	if (op->give_up) {
		switch (zipc__queue_withdraw(q, op->pos)) {
		case ZIPC__WITHDRAWN:
			return GAVE_UP;
		case ZIPC__TAKEN:
			return TAKEN_OK;
		case ZIPC__BUSY:
			break;
		}
	}
	/* relaxed: hints for recovery; the withdrawal decides */
	head = atomic_load_explicit(&q->hdr->head, memory_order_relaxed);
	s = atomic_load_explicit(seq_at(q, op->pos), memory_order_relaxed);
	if ((int32_t)(head - op->pos) <= 0 || s != op->pos + 1) {
		/* Not claimed yet, or just taken. A claim wakes nobody (only the
		 * release does), so look again each stall period: a receiver
		 * that claims the value and dies is noticed within two. */
		op->stall.active = false;
		w->recheck_at = zipc__now_ns() + q->stall_ns;
		return -EAGAIN;
	}
	/* A receiver claimed it: it has the stall timeout to finish. */
	if (!zipc__queue_stalled(&op->stall, q, w, op->pos, s))
		return -EAGAIN;
	if (!zipc__queue_revoke(q, op->pos))
		return TAKEN_OK;
	return op->give_up ? GAVE_UP : SEND_AGAIN;
}

/*
 * Wait (with w, on the writable event) until the value at pos is taken:
 * TAKEN_OK, SEND_AGAIN (its receiver died), or why it was withdrawn
 * (-EPIPE, -ETIMEDOUT, -EINTR).
 */
static long await_taken(struct zipc_channel *ch, uint32_t pos, struct zipc__waiter *w)
{
	struct taken_op op = {.ch = ch, .pos = pos};
	long r = zipc__wait_for(w, taken_attempt, &op);

	if (r == -ETIMEDOUT || r == -EINTR) {
		/* Give up; a value a receiver is taking is waited for (it
		 * finishes, or is given up for dead after the stall timeout). */
		struct zipc__waiter rest = {.ev = w->ev, .deadline = ZIPC__NEVER};

		op.give_up = (int)r;
		while ((r = zipc__wait_for(&rest, taken_attempt, &op)) == -EINTR)
			;
	}
	return r == GAVE_UP ? op.give_up : r;
}

static int send(struct zipc_channel *ch, const void *elem, int64_t timeout_ns, bool wait)
{
	struct send_op op = {.ch = ch, .elem = elem, .recover = wait};
	/* One waiter for every wait of this send: they share its deadline. A
	 * try_send waits only for its value to be taken, briefly. */
	struct zipc__waiter w = {
		.ev = &ch->hdr->wb.writable,
		.timeout_ns = wait ? timeout_ns : TRY_SEND_WINDOW_NS,
		.deadline = ZIPC__DEADLINE_UNSET,
	};
	long r;

	for (;;) {
		r = push(ch, &op, &w);
		if (r < 0)
			return (int)r;
		if (ch->capacity != 0)
			return 0;
		ZIPC__FAULT(ZIPC__FP_CHANNEL_SEND_PARKED);
		r = await_taken(ch, op.pos, &w);
		if (r != SEND_AGAIN)
			return r == -ETIMEDOUT && !wait ? -EAGAIN : (int)r;
	}
}

ZIPC_EXPORT int zipc_channel_send(struct zipc_channel *ch, const void *elem, int64_t timeout_ns)
{
	return send(ch, elem, timeout_ns, true);
}

ZIPC_EXPORT int zipc_channel_try_send(struct zipc_channel *ch, const void *elem)
{
	return send(ch, elem, 0, false);
}

ZIPC_EXPORT int zipc_channel_close(struct zipc_channel *ch)
{
	/* seq_cst (X): see the top comment; also fence (B) for both signals */
	atomic_exchange_explicit(&ch->hdr->closed, 1, memory_order_seq_cst);
	zipc__event_signal_after_rmw(&ch->hdr->wb.readable);
	zipc__event_signal_after_rmw(&ch->hdr->wb.writable);
	return 0;
}

/* ---- handles ---------------------------------------------------------------- */

struct channel_init {
	uint32_t capacity;
	uint32_t ring;
};

static void channel_init(unsigned char *base, const struct zipc__create_req *req)
{
	const struct channel_init *init = req->init_ctx;
	struct zipc__channel_hdr *hdr = (struct zipc__channel_hdr *)base;

	/* Fresh space is zero: open, events and counters 0. relaxed: the entry
	 * claim (release E in registry.c) publishes all of this. */
	hdr->capacity = init->capacity;
	hdr->elem_size = req->type.size;
	zipc__queue_format(base + ZIPC__CHANNEL_HEADER, init->ring, req->type.size);
}

static int channel_from(struct zipc_segment *seg, const struct zipc__located *loc,
			const struct zipc_type *want, struct zipc_channel **out)
{
	unsigned char *base = seg->base + loc->rec.offset;
	struct zipc__channel_hdr *hdr = (struct zipc__channel_hdr *)base;
	struct zipc_channel *ch;
	struct zipc_type type;
	uint32_t cap;
	int r;

	if (!loc->tagged || loc->tag.kind != ZIPC_KIND_CHANNEL)
		return zipc__fail(want ? -EEXIST : -EINVAL, "'%s' is not a channel", loc->rec.name);
	type = zipc__tag_type(&loc->tag);
	if (zipc__type_check(type) < 0 || loc->rec.size < ZIPC__CHANNEL_HEADER)
		return zipc__fail(-EBADMSG, "'%s': bad channel tag or size", loc->rec.name);
	cap = hdr->capacity;
	if (hdr->elem_size != type.size ||
	    (cap != 0 && (cap < 2 || cap > ZIPC_QUEUE_CAPACITY_MAX || (cap & (cap - 1)))))
		return zipc__fail(-EBADMSG, "'%s': channel header (%u x %u) is invalid",
				  loc->rec.name, cap, hdr->elem_size);
	if (want && want->size != type.size)
		return zipc__fail(-EEXIST, "'%s' exists with %u-byte elements", loc->rec.name,
				  type.size);
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return zipc__fail(-ENOMEM, "out of memory");
	r = zipc__queue_bind(&ch->q, seg, base + ZIPC__CHANNEL_HEADER,
			     loc->rec.size - ZIPC__CHANNEL_HEADER, &hdr->wb, type);
	if (r == 0 && ch->q.capacity != (cap ? cap : 2))
		r = zipc__fail(-EBADMSG, "'%s': channel ring of %u for capacity %u", loc->rec.name,
			       ch->q.capacity, cap);
	if (r < 0) {
		free(ch);
		return r;
	}
	zipc__segment_ref(seg);
	ch->seg = seg;
	ch->hdr = hdr;
	ch->capacity = cap;
	ch->type = type;
	*out = ch;
	return 0;
}

ZIPC_EXPORT int zipc_channel_create(struct zipc_segment *seg, const char *name,
				    struct zipc_type type, uint32_t capacity,
				    struct zipc_channel **out)
{
	struct channel_init init = {.ring = 2};
	struct zipc__create_req req = {
		.name = name,
		.kind = ZIPC_KIND_CHANNEL,
		.type = type,
		.align = 8,
		.init = channel_init,
		.init_ctx = &init,
	};
	struct zipc__located loc;
	bool created;
	int r = zipc__type_check(type);

	if (r < 0)
		return r;
	if (capacity > ZIPC_QUEUE_CAPACITY_MAX)
		return zipc__fail(-EINVAL, "channel capacity must be 0..%u", ZIPC_QUEUE_CAPACITY_MAX);
	while (init.ring < capacity)
		init.ring <<= 1;
	init.capacity = capacity ? init.ring : 0;
	req.size = ZIPC__CHANNEL_HEADER + zipc__slotted_size(init.ring, type.size);
	r = zipc__registry_create(seg, &req, &loc, &created);
	if (r < 0)
		return r;
	return channel_from(seg, &loc, &type, out);
}

ZIPC_EXPORT int zipc_channel_open(struct zipc_segment *seg, const char *name,
				  struct zipc_channel **out)
{
	struct zipc__located loc;
	int r = zipc__registry_locate(seg, name, 0, &loc);
	if (r < 0)
		return r;
	return channel_from(seg, &loc, NULL, out);
}

ZIPC_EXPORT void zipc_channel_close_handle(struct zipc_channel *ch)
{
	if (!ch)
		return;
	zipc__segment_unref(ch->seg);
	free(ch);
}

ZIPC_EXPORT struct zipc_type zipc_channel_type(const struct zipc_channel *ch)
{
	return ch->type;
}

ZIPC_EXPORT uint32_t zipc_channel_capacity(const struct zipc_channel *ch)
{
	return ch->capacity;
}

ZIPC_EXPORT uint32_t zipc_channel_count(const struct zipc_channel *ch)
{
	return zipc_queue_count(&ch->q);
}

ZIPC_EXPORT int zipc_channel_is_closed(const struct zipc_channel *ch)
{
	return closed_hint(ch);
}

ZIPC_EXPORT struct zipc_event *zipc_channel_event(struct zipc_channel *ch, enum zipc_ready what)
{
	return what == ZIPC_WRITABLE ? &ch->hdr->wb.writable : &ch->hdr->wb.readable;
}

ZIPC_EXPORT int zipc_channel_set_stall_timeout(struct zipc_channel *ch, int64_t ns)
{
	return zipc_queue_set_stall_timeout(&ch->q, ns);
}
