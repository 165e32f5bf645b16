/*
 * Lazy (docs/FORMAT.md, "Lazy"): computed at most once for all processes.
 *
 *   forcer / provider                        forcer
 *   CAS owner 0 (or dead) -> self  (acq O)   s = state                 (acquire C)
 *   CAS state empty -> computing             if ready: copy value      <- fast path
 *   compute_count += 1
 *   compute into the value (or message)
 *   CAS state computing -> ready (seq_cst B) sleepers: waiters += 1, fence,
 *   if waiters: FUTEX_WAKE(state)              re-check, FUTEX_WAIT(state, s)
 *
 * B pairs with C, and serves as the changer's fence of wait.c's protocol
 * (state word as the sequence). The owner word is the lock on computing: a
 * sleeper that finds the owner dead (checked every check period) CASes it
 * from the dead owner to itself and computes (compute_count 2), or, without
 * a compute function, to 0 and the state back to empty, then asks providers
 * again. Providers sleep on the demand word, which forcers without a compute
 * function bump (seq_cst RMW as the changer's fence) before waking them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zeroipc/future.h>
#include <zeroipc/lazy.h>

#include <zeroipc/error.h>

#include "common_i.h"
#include "error_i.h"
#include "owner_i.h"
#include "registry_i.h"
#include "types_i.h"
#include "wait_i.h"

#define CHECK_PERIOD_DEFAULT_NS (100 * 1000 * 1000LL)

struct zipc__lazy_hdr {
	struct zipc_event state;       /* seq: the state word; waiters: sleepers on it */
	struct zipc_event demand;      /* seq: forces without compute; waiters: providers */
	_Atomic uint64_t owner;        /* owner word of the computer (owner_i.h), 0 none */
	_Atomic uint32_t compute_count;
	uint32_t value_size;           /* read-only after creation */
	uint64_t completion_ns;        /* CLOCK_REALTIME when published */
};
_Static_assert(sizeof(struct zipc__lazy_hdr) == 40, "lazy header is 40 bytes");
_Static_assert(offsetof(struct zipc__lazy_hdr, demand) == 8, "demand at 8");
_Static_assert(offsetof(struct zipc__lazy_hdr, owner) == 16, "owner at 16");
_Static_assert(offsetof(struct zipc__lazy_hdr, compute_count) == 24, "compute_count at 24");
_Static_assert(offsetof(struct zipc__lazy_hdr, completion_ns) == 32, "completion at 32");

#define LAZY_HEADER 40u

struct zipc_lazy {
	struct zipc_segment *seg;
	struct zipc__lazy_hdr *hdr;
	unsigned char *value;
	char *message;
	/* Read once at open: */
	uint32_t value_size;
	struct zipc_type type;
	int64_t check_ns;
};

static uint64_t lazy_size(uint64_t value_size)
{
	return LAZY_HEADER + zipc__align8(value_size) + ZIPC_ERROR_MESSAGE_MAX;
}

static _Atomic uint32_t *state_word(const struct zipc_lazy *lz)
{
	return &lz->hdr->state.seq;
}

static uint32_t load_state(const struct zipc_lazy *lz)
{
	/* acquire (C): pairs with (B) */
	return atomic_load_explicit(state_word(lz), memory_order_acquire);
}

/* Copy out a finished lazy: 0, -EIO (failed) or -EAGAIN. */
static int read_result(const struct zipc_lazy *lz, void *out)
{
	char msg[ZIPC_ERROR_MESSAGE_MAX];

	switch (load_state(lz)) {
	case ZIPC_LAZY_READY:
		memcpy(out, lz->value, lz->value_size);
		return 0;
	case ZIPC_LAZY_ERROR:
		zipc__message_copy(msg, sizeof(msg), lz->message);
		return zipc__fail(-EIO, "%s", msg);
	default:
		return -EAGAIN;
	}
}

ZIPC_EXPORT int zipc_lazy_try_get(struct zipc_lazy *lz, void *out)
{
	return read_result(lz, out);
}

/*
 * Become the computer: take the owner word from 0, or from a dead owner.
 * The owner word is the lock on every state change. Returns true if we own
 * the computation now (state computing).
 */
static bool claim(struct zipc_lazy *lz, bool check_dead)
{
	/* relaxed: the CAS below decides */
	uint64_t owner = atomic_load_explicit(&lz->hdr->owner, memory_order_relaxed);
	uint32_t st = load_state(lz);

	if (st == ZIPC_LAZY_READY || st == ZIPC_LAZY_ERROR)
		return false;
	if (owner != 0 && (!check_dead || zipc__owner_alive(owner)))
		return false;
	/* acquire (O): pairs with the release of the last holder (give_up()) */
	if (!atomic_compare_exchange_strong_explicit(&lz->hdr->owner, &owner, zipc__owner_self(),
						     memory_order_acquire, memory_order_relaxed))
		return false;
	st = load_state(lz);
	if (st >= ZIPC_LAZY_READY)
		return false; /* finished between our checks: the owner word stays as a record */
	/* relaxed: only the owner changes the state; the value is published by (B) */
	atomic_store_explicit(state_word(lz), ZIPC_LAZY_COMPUTING, memory_order_relaxed);
	/* relaxed: a counter for inspection */
	atomic_fetch_add_explicit(&lz->hdr->compute_count, 1, memory_order_relaxed);
	return true;
}

/* Publish as the owner: the state goes computing -> to. */
static void publish(struct zipc_lazy *lz, enum zipc_lazy_state to)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	lz->hdr->completion_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	/* seq_cst (B): publishes value/message; pairs with (C); changer's fence.
	 * An exchange, not a store: a locked RMW, as wait.c's protocol wants. */
	atomic_exchange_explicit(state_word(lz), to, memory_order_seq_cst);
	if (atomic_load_explicit(&lz->hdr->state.waiters, memory_order_seq_cst) != 0)
		zipc__futex_wake_all(state_word(lz));
}

/* Run compute as the owner and publish its value or error. */
static int compute_and_publish(struct zipc_lazy *lz, zipc_lazy_compute_fn compute, void *ctx)
{
	char err[ZIPC_ERROR_MESSAGE_MAX] = "";
	int r = compute(ctx, lz->value, err, sizeof(err));

	if (r < 0) {
		if (err[0] == '\0')
			strncpy(err, zipc_strerror(r), sizeof(err) - 1);
		zipc__message_copy(lz->message, ZIPC_ERROR_MESSAGE_MAX, err);
		publish(lz, ZIPC_LAZY_ERROR);
		return zipc__fail(-EIO, "%s", err);
	}
	publish(lz, ZIPC_LAZY_READY);
	return 0;
}

/* Ask providers: bump demand (seq_cst RMW: the changer's fence), wake sleepers. */
static void signal_demand(struct zipc_lazy *lz)
{
	atomic_fetch_add_explicit(&lz->hdr->demand.seq, 1, memory_order_seq_cst);
	if (atomic_load_explicit(&lz->hdr->demand.waiters, memory_order_seq_cst) != 0)
		zipc__futex_wake_all(&lz->hdr->demand.seq);
}

/*
 * The computer died and nobody here can compute: under the owner word, taken
 * from the dead computer, return the lazy to empty; then ask providers again.
 */
static void give_up(struct zipc_lazy *lz)
{
	/* relaxed: the CAS below decides */
	uint64_t owner = atomic_load_explicit(&lz->hdr->owner, memory_order_relaxed);
	uint64_t self = zipc__owner_self();

	if (owner == 0 || load_state(lz) >= ZIPC_LAZY_READY || zipc__owner_alive(owner))
		return;
	/* acquire (O) */
	if (!atomic_compare_exchange_strong_explicit(&lz->hdr->owner, &owner, self,
						     memory_order_acquire, memory_order_relaxed))
		return;
	if (load_state(lz) == ZIPC_LAZY_COMPUTING)
		/* relaxed: published by the release below */
		atomic_store_explicit(state_word(lz), ZIPC_LAZY_EMPTY, memory_order_relaxed);
	/* release: pairs with acquire (O) of the next claimer */
	atomic_compare_exchange_strong_explicit(&lz->hdr->owner, &self, 0, memory_order_release,
						memory_order_relaxed);
	signal_demand(lz);
}

/*
 * Rate-limit liveness checks: true once per check period (never on the
 * first attempt), and arrange for the waiter to come back by then.
 */
static bool check_due(const struct zipc_lazy *lz, struct zipc__waiter *w)
{
	int64_t now = zipc__now_ns();
	bool due = w->recheck_at != ZIPC__NEVER && now >= w->recheck_at;

	if (w->recheck_at == ZIPC__NEVER || due)
		w->recheck_at = now + lz->check_ns;
	return due;
}

struct force_op {
	struct zipc_lazy *lz;
	zipc_lazy_compute_fn compute;
	void *ctx;
	void *out;
	bool demanded;
};

static long force_attempt(void *ctx, struct zipc__waiter *w)
{
	struct force_op *op = ctx;
	struct zipc_lazy *lz = op->lz;
	int r = read_result(lz, op->out);
	bool due;

	if (r != -EAGAIN)
		return r;
	due = check_due(lz, w);
	if (op->compute) {
		if (!claim(lz, due))
			return -EAGAIN;
		r = compute_and_publish(lz, op->compute, op->ctx);
		return r < 0 ? r : read_result(lz, op->out);
	}
	if (!op->demanded) {
		signal_demand(lz);
		op->demanded = true;
	} else if (due) {
		give_up(lz);
	}
	return -EAGAIN;
}

ZIPC_EXPORT int zipc_lazy_force(struct zipc_lazy *lz, zipc_lazy_compute_fn compute, void *ctx,
				void *out, int64_t timeout_ns)
{
	struct force_op op = {.lz = lz, .compute = compute, .ctx = ctx, .out = out};
	struct zipc__waiter w = {.ev = &lz->hdr->state, .timeout_ns = timeout_ns,
		.deadline = ZIPC__DEADLINE_UNSET};

	/* Fast path: one acquire load and a copy. */
	if (load_state(lz) == ZIPC_LAZY_READY) {
		memcpy(out, lz->value, lz->value_size);
		return 0;
	}
	return (int)zipc__wait_for(&w, force_attempt, &op);
}

struct serve_op {
	struct zipc_lazy *lz;
	zipc_lazy_compute_fn compute;
	void *ctx;
};

static long serve_attempt(void *ctx, struct zipc__waiter *w)
{
	struct serve_op *op = ctx;
	struct zipc_lazy *lz = op->lz;
	uint32_t st = load_state(lz);
	bool due = check_due(lz, w);
	int r;

	if (st == ZIPC_LAZY_READY || st == ZIPC_LAZY_ERROR)
		return zipc__fail(-EALREADY, "the lazy value is already there");
	/* relaxed: demand only decides whether to start; the claim orders the rest */
	if (st == ZIPC_LAZY_EMPTY &&
	    atomic_load_explicit(&lz->hdr->demand.seq, memory_order_relaxed) == 0)
		return -EAGAIN;
	if (!claim(lz, due))
		return -EAGAIN;
	r = compute_and_publish(lz, op->compute, op->ctx);
	return r == -EIO ? 0 : r;
}

ZIPC_EXPORT int zipc_lazy_serve(struct zipc_lazy *lz, zipc_lazy_compute_fn compute, void *ctx,
				int64_t timeout_ns)
{
	struct serve_op op = {.lz = lz, .compute = compute, .ctx = ctx};
	struct zipc__waiter w = {.ev = &lz->hdr->demand, .timeout_ns = timeout_ns,
		.deadline = ZIPC__DEADLINE_UNSET};

	if (!compute)
		return zipc__fail(-EINVAL, "a provider needs a compute function");
	return (int)zipc__wait_for(&w, serve_attempt, &op);
}

ZIPC_EXPORT int zipc_lazy_provide(struct zipc_lazy *lz, const void *value)
{
	if (!claim(lz, true))
		return zipc__fail(-EALREADY, "the lazy value is there or being computed");
	memcpy(lz->value, value, lz->value_size);
	publish(lz, ZIPC_LAZY_READY);
	return 0;
}

ZIPC_EXPORT int zipc_lazy_demand(struct zipc_lazy *lz)
{
	if (load_state(lz) >= ZIPC_LAZY_READY)
		return -EALREADY;
	give_up(lz);
	signal_demand(lz);
	return 0;
}

ZIPC_EXPORT struct zipc_event *zipc_lazy_event(struct zipc_lazy *lz)
{
	return &lz->hdr->state;
}

ZIPC_EXPORT void zipc_lazy_info(const struct zipc_lazy *lz, struct zipc_lazy_info *info)
{
	/* relaxed: a snapshot for inspection */
	info->state = (enum zipc_lazy_state)load_state(lz);
	info->compute_count =
		atomic_load_explicit(&lz->hdr->compute_count, memory_order_relaxed);
	info->owner_pid =
		zipc__owner_pid(atomic_load_explicit(&lz->hdr->owner, memory_order_relaxed));
	info->demand = atomic_load_explicit(&lz->hdr->demand.seq, memory_order_relaxed);
}

ZIPC_EXPORT int zipc_lazy_error(const struct zipc_lazy *lz, char *buf, size_t len)
{
	if (load_state(lz) != ZIPC_LAZY_ERROR)
		return -EAGAIN;
	zipc__message_copy(buf, len, lz->message);
	return 0;
}

ZIPC_EXPORT size_t zipc_lazy_value_size(const struct zipc_lazy *lz)
{
	return lz->value_size;
}

ZIPC_EXPORT struct zipc_type zipc_lazy_type(const struct zipc_lazy *lz)
{
	return lz->type;
}

ZIPC_EXPORT int zipc_lazy_set_check_period(struct zipc_lazy *lz, int64_t ns)
{
	if (ns < ZIPC__STALL_MIN_NS)
		return zipc__fail(-EINVAL, "check period below 1 ms");
	lz->check_ns = ns;
	return 0;
}

struct lazy_init {
	uint32_t value_size;
	const void *value; /* NULL: empty */
};

static void lazy_init(unsigned char *base, const struct zipc__create_req *req)
{
	const struct lazy_init *init = req->init_ctx;
	struct zipc__lazy_hdr *hdr = (struct zipc__lazy_hdr *)base;

	/* Fresh space is zero: empty, no owner, no demand. relaxed: the entry
	 * claim (release E in registry.c) publishes all of this. */
	hdr->value_size = init->value_size;
	if (init->value) {
		memcpy(base + LAZY_HEADER, init->value, init->value_size);
		atomic_store_explicit(&hdr->state.seq, ZIPC_LAZY_READY, memory_order_relaxed);
	}
}

static int lazy_from(struct zipc_segment *seg, const struct zipc__located *loc,
		     const struct zipc__create_req *want, struct zipc_lazy **out)
{
	unsigned char *base = seg->base + loc->rec.offset;
	struct zipc__lazy_hdr *hdr = (struct zipc__lazy_hdr *)base;
	struct zipc_type type;
	struct zipc_lazy *lz;
	uint32_t value_size;

	if (!loc->tagged || loc->tag.kind != ZIPC_KIND_LAZY)
		return zipc__fail(want ? -EEXIST : -EINVAL, "'%s' is not a lazy", loc->rec.name);
	type = zipc__tag_type(&loc->tag);
	if (zipc__type_check(type) < 0 || loc->rec.size < LAZY_HEADER)
		return zipc__fail(-EBADMSG, "'%s': bad lazy tag or size", loc->rec.name);
	value_size = hdr->value_size;
	if (value_size == 0 || value_size % type.size || lazy_size(value_size) > loc->rec.size)
		return zipc__fail(-EBADMSG, "'%s': lazy value size %u does not fit", loc->rec.name,
				  value_size);
	if (want && (want->size != lazy_size(value_size) ||
		     want->type.size != type.size ||
		     ((const struct lazy_init *)want->init_ctx)->value_size != value_size))
		return zipc__fail(-EEXIST, "'%s' exists with a %u-byte value", loc->rec.name,
				  value_size);
	lz = calloc(1, sizeof(*lz));
	if (!lz)
		return zipc__fail(-ENOMEM, "out of memory");
	zipc__segment_ref(seg);
	lz->seg = seg;
	lz->hdr = hdr;
	lz->value = base + LAZY_HEADER;
	lz->message = (char *)base + LAZY_HEADER + zipc__align8(value_size);
	lz->value_size = value_size;
	lz->type = type;
	lz->check_ns = CHECK_PERIOD_DEFAULT_NS;
	*out = lz;
	return 0;
}

static int create(struct zipc_segment *seg, const char *name, struct zipc_type type,
		  uint32_t count, const void *value, struct zipc_lazy **out)
{
	struct lazy_init init = {.value = value};
	struct zipc__create_req req = {
		.name = name,
		.kind = ZIPC_KIND_LAZY,
		.type = type,
		.align = 8,
		.init = lazy_init,
		.init_ctx = &init,
	};
	struct zipc__located loc;
	bool created;
	int r = zipc__type_check(type);

	if (r < 0)
		return r;
	if (count == 0 || (uint64_t)count * type.size > ZIPC_ELEM_SIZE_MAX * 64ull)
		return zipc__fail(-EINVAL, "lazy count must be 1..%llu",
				  ZIPC_ELEM_SIZE_MAX * 64ull / type.size);
	init.value_size = count * type.size;
	req.size = lazy_size(init.value_size);
	r = zipc__registry_create(seg, &req, &loc, &created);
	if (r < 0)
		return r;
	return lazy_from(seg, &loc, &req, out);
}

ZIPC_EXPORT int zipc_lazy_create(struct zipc_segment *seg, const char *name, struct zipc_type type,
				 uint32_t count, struct zipc_lazy **out)
{
	return create(seg, name, type, count, NULL, out);
}

ZIPC_EXPORT int zipc_lazy_create_const(struct zipc_segment *seg, const char *name,
				       struct zipc_type type, uint32_t count, const void *value,
				       struct zipc_lazy **out)
{
	if (!value)
		return zipc__fail(-EINVAL, "missing constant value");
	return create(seg, name, type, count, value, out);
}

ZIPC_EXPORT int zipc_lazy_open(struct zipc_segment *seg, const char *name, struct zipc_lazy **out)
{
	struct zipc__located loc;
	int r = zipc__registry_locate(seg, name, 0, &loc);
	if (r < 0)
		return r;
	return lazy_from(seg, &loc, NULL, out);
}

ZIPC_EXPORT void zipc_lazy_close(struct zipc_lazy *lz)
{
	if (!lz)
		return;
	zipc__segment_unref(lz->seg);
	free(lz);
}
