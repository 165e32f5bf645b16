/*
 * Future (docs/FORMAT.md, "Future"): the shared layout, set once.
 *
 *   setter                                   getter
 *   CAS wait-block owner 0 -> self           s = state              (acquire C)
 *   CAS state pending -> computing           if ready: copy value
 *   write value (or message), time           else: waiters += 1, fence, re-check,
 *   CAS state computing -> ready  (seq_cst B)      FUTEX_WAIT(state, s)
 *   if waiters: FUTEX_WAKE(state)
 *
 * B pairs with C: a getter that sees ready sees the value. B is seq_cst and
 * the waiter count is read seq_cst after it: the event protocol of wait.c
 * (B as the changer's fence), with the state word itself as the sequence.
 * The owner word (futures created here) lets a getter that finds the setter
 * dead return the future to pending: CAS owner dead -> 0, then state
 * computing -> pending; the dead setter can never complete, so no ABA.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zeroipc/future.h>

#include "common_i.h"
#include "error_i.h"
#include "kinds_i.h"
#include "owner_i.h"
#include "registry_i.h"
#include "types_i.h"
#include "wait_i.h"

/* How often sleepers re-check: setters of other implementations do not wake us. */
#define RECHECK_NS (100 * 1000 * 1000LL)

struct zipc__future_hdr {
	struct zipc_event ev; /* ev.seq is the state word, ev.waiters the shared waiters */
	uint64_t completion_ns; /* CLOCK_REALTIME of the set, ns (ours; others differ) */
};
_Static_assert(sizeof(struct zipc__future_hdr) == 16, "future header is 16 bytes");

#define FUTURE_OVERHEAD (16u + ZIPC_ERROR_MESSAGE_MAX)

struct zipc_future {
	struct zipc_segment *seg;
	struct zipc__future_hdr *hdr;
	unsigned char *value;
	char *message;
	_Atomic uint64_t *owner; /* NULL for futures made elsewhere */
	/* Read once at open: */
	uint64_t value_size;
	struct zipc_type type;
};

int zipc__future_layout(uint64_t size, uint32_t elem_size, uint64_t *value_size)
{
	uint64_t v;

	if (size < FUTURE_OVERHEAD + 1 || elem_size == 0)
		return zipc__fail(-EBADMSG, "future of %llu bytes has no room for a value",
				  (unsigned long long)size);
	v = (size - FUTURE_OVERHEAD) / elem_size * elem_size;
	if (v == 0)
		return zipc__fail(-EBADMSG, "future of %llu bytes cannot hold a %u-byte element",
				  (unsigned long long)size, elem_size);
	*value_size = v;
	return 0;
}

static _Atomic uint32_t *state_word(const struct zipc_future *f)
{
	return &f->hdr->ev.seq;
}

ZIPC_EXPORT enum zipc_future_state zipc_future_state(const struct zipc_future *f)
{
	/* acquire (C): pairs with (B) */
	return (enum zipc_future_state)atomic_load_explicit(state_word(f), memory_order_acquire);
}

/*
 * Take the owner word (futures created here): from 0, or from a process
 * that died holding it. The owner word is the lock on every state change
 * but the final publication. Returns true if we hold it now.
 */
static bool take_owner(struct zipc_future *f)
{
	/* relaxed: the CAS below decides */
	uint64_t owner = atomic_load_explicit(f->owner, memory_order_relaxed);

	if (owner != 0 && zipc__owner_alive(owner))
		return false;
	/* acquire: pairs with the release in drop_owner() of the last holder */
	return atomic_compare_exchange_strong_explicit(f->owner, &owner, zipc__owner_self(),
						       memory_order_acquire, memory_order_relaxed);
}

static void drop_owner(struct zipc_future *f)
{
	uint64_t self = zipc__owner_self();

	/* release: what we did under the owner word is seen by the next holder */
	atomic_compare_exchange_strong_explicit(f->owner, &self, 0, memory_order_release,
						memory_order_relaxed);
}

/* Claim the right to set: owner word first (if any), then the state. */
static int claim(struct zipc_future *f)
{
	uint32_t pending = ZIPC_FUTURE_PENDING;

	if (zipc_future_state(f) != ZIPC_FUTURE_PENDING)
		return zipc__fail(-EALREADY, "the future is already set");
	if (f->owner && !take_owner(f))
		return zipc__fail(-EALREADY, "the future is being set");
	/* relaxed: the owner word decided; the state becomes visible with (B) */
	if (!atomic_compare_exchange_strong_explicit(state_word(f), &pending,
						     ZIPC_FUTURE_COMPUTING, memory_order_relaxed,
						     memory_order_relaxed)) {
		if (f->owner)
			drop_owner(f);
		return zipc__fail(-EALREADY, "the future is already set");
	}
	return 0;
}

static void complete(struct zipc_future *f, enum zipc_future_state to)
{
	uint32_t computing = ZIPC_FUTURE_COMPUTING;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	f->hdr->completion_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	/* seq_cst (B): publishes the value/message; pairs with (C); also the
	 * changer's fence of the wake protocol */
	atomic_compare_exchange_strong_explicit(state_word(f), &computing, to,
						memory_order_seq_cst, memory_order_relaxed);
	if (atomic_load_explicit(&f->hdr->ev.waiters, memory_order_seq_cst) != 0)
		zipc__futex_wake_all(state_word(f));
}

ZIPC_EXPORT int zipc_future_set(struct zipc_future *f, const void *value)
{
	int r = claim(f);

	if (r < 0)
		return r;
	memcpy(f->value, value, f->value_size);
	complete(f, ZIPC_FUTURE_READY);
	return 0;
}

ZIPC_EXPORT int zipc_future_fail(struct zipc_future *f, const char *message)
{
	size_t n = strnlen(message ? message : "", ZIPC_ERROR_MESSAGE_MAX - 1);
	int r = claim(f);

	if (r < 0)
		return r;
	memcpy(f->message, message ? message : "", n);
	f->message[n] = '\0';
	complete(f, ZIPC_FUTURE_ERROR);
	return 0;
}

/* Copy out a finished future: 0, -EIO (failed), or -EAGAIN (not finished). */
static int read_result(struct zipc_future *f, void *out)
{
	char msg[ZIPC_ERROR_MESSAGE_MAX];

	switch (zipc_future_state(f)) {
	case ZIPC_FUTURE_READY:
		memcpy(out, f->value, f->value_size);
		return 0;
	case ZIPC_FUTURE_ERROR:
		zipc__message_copy(msg, sizeof(msg), f->message);
		return zipc__fail(-EIO, "%s", msg);
	default:
		return -EAGAIN;
	}
}

ZIPC_EXPORT int zipc_future_try_get(struct zipc_future *f, void *out)
{
	return read_result(f, out);
}

/*
 * The setter died while computing: under the owner word, taken from the
 * dead setter, return the future to pending so another process may set it.
 */
static void recover(struct zipc_future *f)
{
	uint32_t computing = ZIPC_FUTURE_COMPUTING;

	if (!take_owner(f))
		return;
	/* relaxed: published by drop_owner()'s release */
	atomic_compare_exchange_strong_explicit(state_word(f), &computing, ZIPC_FUTURE_PENDING,
						memory_order_relaxed, memory_order_relaxed);
	drop_owner(f);
}

struct get_op {
	struct zipc_future *f;
	void *out;
};

static long get_attempt(void *ctx, struct zipc__waiter *w)
{
	struct get_op *op = ctx;
	int r = read_result(op->f, op->out);
	int64_t now;

	if (r != -EAGAIN)
		return r;
	now = zipc__now_ns();
	if (w->recheck_at != ZIPC__NEVER && now < w->recheck_at)
		return r;
	/* A recheck period passed (or this is the first attempt). */
	if (w->recheck_at != ZIPC__NEVER && op->f->owner &&
	    zipc_future_state(op->f) == ZIPC_FUTURE_COMPUTING)
		recover(op->f);
	w->recheck_at = now + RECHECK_NS;
	return r;
}

ZIPC_EXPORT int zipc_future_get(struct zipc_future *f, void *out, int64_t timeout_ns)
{
	struct get_op op = {.f = f, .out = out};
	struct zipc__waiter w = {
		.ev = &f->hdr->ev,
		.timeout_ns = timeout_ns,
		.deadline = ZIPC__DEADLINE_UNSET,
	};

	return (int)zipc__wait_for(&w, get_attempt, &op);
}

ZIPC_EXPORT int zipc_future_error(const struct zipc_future *f, char *buf, size_t len)
{
	if (zipc_future_state(f) != ZIPC_FUTURE_ERROR)
		return -EAGAIN;
	zipc__message_copy(buf, len, f->message);
	return 0;
}

ZIPC_EXPORT struct zipc_event *zipc_future_event(struct zipc_future *f)
{
	return &f->hdr->ev;
}

ZIPC_EXPORT size_t zipc_future_value_size(const struct zipc_future *f)
{
	return f->value_size;
}

ZIPC_EXPORT struct zipc_type zipc_future_type(const struct zipc_future *f)
{
	return f->type;
}

static int future_from(struct zipc_segment *seg, const struct zipc__located *loc,
		       const struct zipc__create_req *want, struct zipc_future **out)
{
	unsigned char *base = seg->base + loc->rec.offset;
	struct zipc__wait_block *wb = NULL;
	struct zipc_type type = {.elem = ZIPC_ELEM_NONE, .size = 1};
	struct zipc_future *f;
	uint64_t value_size = 0;
	int r;

	if (loc->tagged) {
		if (loc->tag.kind != ZIPC_KIND_FUTURE)
			return zipc__fail(want ? -EEXIST : -EINVAL, "'%s' is a %s, not a future",
					  loc->rec.name, zipc_kind_name(loc->tag.kind));
		type = zipc__tag_type(&loc->tag);
		if (zipc__type_check(type) < 0)
			return zipc__fail(-EBADMSG, "'%s': tag has a bad element type", loc->rec.name);
		wb = zipc__wait_block_of(seg, &loc->tag);
	}
	r = zipc__future_layout(loc->rec.size, type.size, &value_size);
	if (r < 0)
		return r;
	if (!loc->tagged)
		type.size = value_size > ZIPC_ELEM_SIZE_MAX ? 1 : (uint32_t)value_size;
	if (want) {
		/* Writers elsewhere may round the entry up to 8; ours never do. */
		uint64_t v = want->size - FUTURE_OVERHEAD;
		uint64_t most = loc->tagged ? want->size : zipc__align8(want->size);
		if (loc->rec.size < want->size || loc->rec.size > most)
			return zipc__fail(-EEXIST, "'%s' exists with a %llu-byte value",
					  loc->rec.name, (unsigned long long)value_size);
		value_size = v;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return zipc__fail(-ENOMEM, "out of memory");
	zipc__segment_ref(seg);
	f->seg = seg;
	f->hdr = (struct zipc__future_hdr *)base;
	f->value = base + 16;
	f->message = (char *)base + 16 + value_size;
	f->owner = wb ? &wb->owner : NULL;
	f->value_size = value_size;
	f->type = type;
	*out = f;
	return 0;
}

ZIPC_EXPORT int zipc_future_create(struct zipc_segment *seg, const char *name,
				   struct zipc_type type, uint32_t count,
				   struct zipc_future **out)
{
	struct zipc__create_req req = {
		.name = name,
		.kind = ZIPC_KIND_FUTURE,
		.type = type,
		.align = 8,
		.wait_block = true,
	};
	struct zipc__located loc;
	bool created;
	int r = zipc__type_check(type);

	if (r < 0)
		return r;
	if (count == 0 || (uint64_t)count * type.size > ZIPC_ELEM_SIZE_MAX * 64ull)
		return zipc__fail(-EINVAL, "future count must be 1..%llu",
				  ZIPC_ELEM_SIZE_MAX * 64ull / type.size);
	/* Fresh space is zero: state pending, no waiters, empty message. */
	req.size = FUTURE_OVERHEAD + (uint64_t)count * type.size;
	r = zipc__registry_create(seg, &req, &loc, &created);
	if (r < 0)
		return r;
	return future_from(seg, &loc, &req, out);
}

ZIPC_EXPORT int zipc_future_open(struct zipc_segment *seg, const char *name,
				 struct zipc_future **out)
{
	struct zipc__located loc;
	int r = zipc__registry_locate(seg, name, 0, &loc);
	if (r < 0)
		return r;
	return future_from(seg, &loc, NULL, out);
}

ZIPC_EXPORT void zipc_future_close(struct zipc_future *f)
{
	if (!f)
		return;
	zipc__segment_unref(f->seg);
	free(f);
}
