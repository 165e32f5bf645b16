/*
 * Stream: layout, handles, subscriptions and close (docs/FORMAT.md,
 * "Stream"); emit and next are in stream_io.c, whose top comment has the
 * ring protocol.
 *
 *   subscriber                                     writer (stream_io.c)
 *   CAS owner 0 (or dead) -> self      (acquire)   x = claim               (acquire A)
 *   loop: x = claim                    (acquire)   scan owners, cursors
 *         cursor = x's seq (- capacity, oldest)    CAS claim x -> x + k
 *         CAS claim x -> x + 1 gen     (release S)
 *
 * S pairs with A: a writer whose claim word read comes after the
 * subscription sees its cursor; a writer that read the claim word before S
 * fails its CAS (the generation changed) and checks again, or claimed before
 * S, and then the subscriber's cursor starts past what it overwrites. This
 * is what makes "from the oldest retained" exact in block policy.
 * close sets the claim word's closed bit (seq_cst RMW): no claim can follow,
 * so a reader whose cursor reached the claimed count of a closed stream has
 * drained it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zeroipc/stream.h>

#include "common_i.h"
#include "error_i.h"
#include "owner_i.h"
#include "registry_i.h"
#include "stream_i.h"
#include "types_i.h"
#include "wait_i.h"

static uint64_t stream_size(uint32_t cap, uint32_t elem_size, uint32_t subs)
{
	return ZIPC__STREAM_HEADER + (uint64_t)ZIPC__STREAM_SUB_SIZE * subs +
	       (uint64_t)ZIPC__STREAM_SLOT_SIZE * cap + (uint64_t)cap * zipc__align8(elem_size);
}

struct stream_init {
	uint32_t capacity;
	uint32_t max_subs;
	enum zipc_stream_policy policy;
};

static void stream_init(unsigned char *base, const struct zipc__create_req *req)
{
	const struct stream_init *init = req->init_ctx;
	struct zipc__stream_hdr *hdr = (struct zipc__stream_hdr *)base;
	struct zipc__stream_sub_rec *subs = (struct zipc__stream_sub_rec *)(base + ZIPC__STREAM_HEADER);

	/* Fresh space is zero: no claims, no subscribers, version words 0.
	 * relaxed: the entry claim (release E in registry.c) publishes all of this. */
	hdr->capacity = init->capacity;
	hdr->elem_size = req->type.size;
	hdr->max_subscribers = init->max_subs;
	hdr->policy = (uint32_t)init->policy;
	for (uint32_t i = 0; i < init->max_subs; i++)
		atomic_store_explicit(&subs[i].cursor, ZIPC__CURSOR_IDLE, memory_order_relaxed);
}

static int stream_from(struct zipc_segment *seg, const struct zipc__located *loc,
		       const struct zipc_type *want, struct zipc_stream **out)
{
	unsigned char *base = seg->base + loc->rec.offset;
	const struct zipc__stream_hdr *hdr = (const struct zipc__stream_hdr *)base;
	uint32_t cap, elem, subs, policy;
	struct zipc_stream *st;
	struct zipc_type type;

	if (!loc->tagged || loc->tag.kind != ZIPC_KIND_STREAM)
		return zipc__fail(want ? -EEXIST : -EINVAL, "'%s' is not a stream", loc->rec.name);
	type = zipc__tag_type(&loc->tag);
	if (zipc__type_check(type) < 0 || loc->rec.size < ZIPC__STREAM_HEADER)
		return zipc__fail(-EBADMSG, "'%s': bad stream tag or size", loc->rec.name);
	cap = hdr->capacity;
	elem = hdr->elem_size;
	subs = hdr->max_subscribers;
	policy = hdr->policy;
	if (cap == 0 || cap > ZIPC_STREAM_CAPACITY_MAX || (cap & (cap - 1)) || elem != type.size ||
	    subs == 0 || subs > ZIPC_STREAM_SUBSCRIBERS_MAX || policy > ZIPC_STREAM_OVERWRITE ||
	    stream_size(cap, elem, subs) > loc->rec.size)
		return zipc__fail(-EBADMSG, "'%s': stream header (%u x %u, %u subscribers) is invalid",
				  loc->rec.name, cap, elem, subs);
	if (want && want->size != elem)
		return zipc__fail(-EEXIST, "'%s' exists with %u-byte elements", loc->rec.name, elem);
	st = calloc(1, sizeof(*st));
	if (!st)
		return zipc__fail(-ENOMEM, "out of memory");
	atomic_init(&st->refs, 1);
	zipc__segment_ref(seg);
	st->seg = seg;
	st->hdr = (struct zipc__stream_hdr *)base;
	st->subs = (struct zipc__stream_sub_rec *)(base + ZIPC__STREAM_HEADER);
	st->slots = (struct zipc__stream_slot *)(base + ZIPC__STREAM_HEADER +
						 (uint64_t)ZIPC__STREAM_SUB_SIZE * subs);
	st->data = (_Atomic uint64_t *)((unsigned char *)st->slots +
					(uint64_t)ZIPC__STREAM_SLOT_SIZE * cap);
	st->capacity = cap;
	st->mask = cap - 1;
	st->elem_size = elem;
	st->stride = (uint32_t)zipc__align8(elem);
	st->max_subs = subs;
	st->policy = (enum zipc_stream_policy)policy;
	st->type = type;
	st->stall_ns = ZIPC__STALL_DEFAULT_NS;
	*out = st;
	return 0;
}

ZIPC_EXPORT int zipc_stream_create(struct zipc_segment *seg, const char *name, struct zipc_type type,
				   uint32_t capacity, enum zipc_stream_policy policy,
				   uint32_t max_subscribers, struct zipc_stream **out)
{
	struct stream_init init = {.capacity = 1, .policy = policy};
	struct zipc__create_req req = {
		.name = name,
		.kind = ZIPC_KIND_STREAM,
		.type = type,
		.align = ZIPC_CACHE_LINE,
		.init = stream_init,
		.init_ctx = &init,
	};
	struct zipc__located loc;
	bool created;
	int r = zipc__type_check(type);

	if (r < 0)
		return r;
	if (capacity == 0 || capacity > ZIPC_STREAM_CAPACITY_MAX)
		return zipc__fail(-EINVAL, "stream capacity must be 1..%u", ZIPC_STREAM_CAPACITY_MAX);
	if (policy != ZIPC_STREAM_BLOCK && policy != ZIPC_STREAM_OVERWRITE)
		return zipc__fail(-EINVAL, "unknown stream policy %d", (int)policy);
	if (max_subscribers > ZIPC_STREAM_SUBSCRIBERS_MAX)
		return zipc__fail(-EINVAL, "at most %u subscribers", ZIPC_STREAM_SUBSCRIBERS_MAX);
	while (init.capacity < capacity)
		init.capacity <<= 1;
	init.max_subs = max_subscribers ? max_subscribers : ZIPC_STREAM_SUBSCRIBERS_DEFAULT;
	req.size = stream_size(init.capacity, type.size, init.max_subs);
	r = zipc__registry_create(seg, &req, &loc, &created);
	if (r < 0)
		return r;
	return stream_from(seg, &loc, &type, out);
}

ZIPC_EXPORT int zipc_stream_open(struct zipc_segment *seg, const char *name, struct zipc_stream **out)
{
	struct zipc__located loc;
	int r = zipc__registry_locate(seg, name, 0, &loc);
	if (r < 0)
		return r;
	return stream_from(seg, &loc, NULL, out);
}

void zipc__stream_unref(struct zipc_stream *st)
{
	/* acq_rel: the last holder sees every other holder's use before freeing */
	if (atomic_fetch_sub_explicit(&st->refs, 1, memory_order_acq_rel) != 1)
		return;
	zipc__segment_unref(st->seg);
	free(st);
}

ZIPC_EXPORT void zipc_stream_close_handle(struct zipc_stream *st)
{
	if (st)
		zipc__stream_unref(st);
}

uint32_t zipc__stream_sub_limit(const struct zipc_stream *st)
{
	/* acquire: pairs with the release raise in subscribe(); never trusted
	 * beyond the table size copied at open */
	uint32_t n = atomic_load_explicit(&st->hdr->sub_limit, memory_order_acquire);

	return n < st->max_subs ? n : st->max_subs;
}

ZIPC_EXPORT struct zipc_type zipc_stream_type(const struct zipc_stream *st)
{
	return st->type;
}

ZIPC_EXPORT uint32_t zipc_stream_capacity(const struct zipc_stream *st)
{
	return st->capacity;
}

ZIPC_EXPORT enum zipc_stream_policy zipc_stream_policy(const struct zipc_stream *st)
{
	return st->policy;
}

ZIPC_EXPORT uint64_t zipc_stream_emitted(const struct zipc_stream *st)
{
	/* relaxed: a snapshot */
	return zipc__claim_seq(atomic_load_explicit(&st->hdr->claim, memory_order_relaxed));
}

ZIPC_EXPORT bool zipc_stream_is_closed(const struct zipc_stream *st)
{
	/* acquire: pairs with the seq_cst RMW in zipc_stream_close() */
	return atomic_load_explicit(&st->hdr->claim, memory_order_acquire) & ZIPC__CLAIM_CLOSED;
}

ZIPC_EXPORT uint32_t zipc_stream_subscribers(const struct zipc_stream *st)
{
	uint32_t n = zipc__stream_sub_limit(st), live = 0;

	for (uint32_t i = 0; i < n; i++)
		/* relaxed: a snapshot */
		live += atomic_load_explicit(&st->subs[i].owner, memory_order_relaxed) != 0;
	return live;
}

ZIPC_EXPORT struct zipc_event *zipc_stream_event(struct zipc_stream *st, enum zipc_ready what)
{
	return what == ZIPC_WRITABLE ? &st->hdr->writable : &st->hdr->readable;
}

ZIPC_EXPORT int zipc_stream_set_stall_timeout(struct zipc_stream *st, int64_t ns)
{
	if (ns < ZIPC__STALL_MIN_NS)
		return zipc__fail(-EINVAL, "stall timeout below 1 ms");
	st->stall_ns = ns;
	return 0;
}

ZIPC_EXPORT int zipc_stream_close(struct zipc_stream *st)
{
	/* seq_cst RMW: no claim can follow (claims CAS the same word); and it is
	 * fence (B) of the event protocol for both signals */
	atomic_fetch_or_explicit(&st->hdr->claim, ZIPC__CLAIM_CLOSED, memory_order_seq_cst);
	zipc__event_signal_after_rmw(&st->hdr->readable);
	zipc__event_signal_after_rmw(&st->hdr->writable);
	return 0;
}

/* Take record i for self if it is free or its owner died. */
static bool take_record(struct zipc_stream *st, uint32_t i, uint64_t self, bool reclaim)
{
	struct zipc__stream_sub_rec *rec = &st->subs[i];
	/* relaxed: the CAS below decides */
	uint64_t owner = atomic_load_explicit(&rec->owner, memory_order_relaxed);

	if (owner != 0 && (!reclaim || zipc__owner_alive(owner)))
		return false;
	/* acquire: pairs with the release that freed the record. A writer that
	 * sees us before start() may use the previous owner's cursor: harmless,
	 * since only a writer whose claim precedes (S) can act on what it saw,
	 * and start() counts that claim; we signal writable in case it waits. */
	if (!atomic_compare_exchange_strong_explicit(&rec->owner, &owner, self, memory_order_acquire,
						     memory_order_relaxed))
		return false;
	if (owner != 0)
		/* relaxed: statistics */
		atomic_fetch_add_explicit(&st->hdr->subs_removed, 1, memory_order_relaxed);
	/* relaxed: published by the claim CAS (S) in start() */
	atomic_store_explicit(&rec->cursor, ZIPC__CURSOR_IDLE, memory_order_relaxed);
	atomic_store_explicit(&rec->missed, 0, memory_order_relaxed);
	return true;
}

/* Take a free record, else one whose owner died. Returns its index or -1. */
static int64_t find_record(struct zipc_stream *st, uint64_t self)
{
	for (int reclaim = 0; reclaim < 2; reclaim++)
		for (uint32_t i = 0; i < st->max_subs; i++)
			if (take_record(st, i, self, reclaim))
				return i;
	return -1;
}

/* Make sure writers scan records up to i. */
static void raise_sub_limit(struct zipc_stream *st, uint32_t i)
{
	/* relaxed: the claim CAS (S) in start() publishes the raise */
	uint32_t n = atomic_load_explicit(&st->hdr->sub_limit, memory_order_relaxed);

	while (n <= i && !atomic_compare_exchange_weak_explicit(&st->hdr->sub_limit, &n, i + 1,
								memory_order_release,
								memory_order_relaxed))
		;
}

/* Fix the subscriber's first sequence number against the claim word (S). */
static uint64_t start(struct zipc_stream *st, struct zipc__stream_sub_rec *rec,
		      enum zipc_stream_start from)
{
	/* acquire: the cursor is computed from the claims before it */
	uint64_t x = atomic_load_explicit(&st->hdr->claim, memory_order_acquire), c, bumped;

	for (;;) {
		c = zipc__claim_seq(x);
		if (from == ZIPC_STREAM_FROM_OLDEST)
			c = c > st->capacity ? c - st->capacity : 0;
		/* relaxed: published by the release CAS (S) */
		atomic_store_explicit(&rec->cursor, c, memory_order_relaxed);
		bumped = (x & ~ZIPC__CLAIM_GEN_MASK) | ((x + ZIPC__CLAIM_GEN_ONE) & ZIPC__CLAIM_GEN_MASK);
		/* release (S): pairs with acquire (A) in writers; acquire as the load */
		if (atomic_compare_exchange_weak_explicit(&st->hdr->claim, &x, bumped,
							  memory_order_acq_rel, memory_order_acquire))
			return c;
	}
}

ZIPC_EXPORT int zipc_stream_subscribe(struct zipc_stream *st, enum zipc_stream_start from,
				      struct zipc_sub **out)
{
	struct zipc_sub *sub;
	int64_t i;

	if (from != ZIPC_STREAM_FROM_NOW && from != ZIPC_STREAM_FROM_OLDEST)
		return zipc__fail(-EINVAL, "unknown subscription start %d", (int)from);
	sub = calloc(1, sizeof(*sub));
	if (!sub)
		return zipc__fail(-ENOMEM, "out of memory");
	/* A free record first; only a full table pays for liveness checks. */
	i = find_record(st, zipc__owner_self());
	if (i < 0) {
		free(sub);
		return zipc__fail(-ENOSPC, "all %u subscriber records are in use", st->max_subs);
	}
	raise_sub_limit(st, (uint32_t)i);
	sub->st = st;
	sub->rec = &st->subs[i];
	sub->cursor = start(st, sub->rec, from);
	/* relaxed: taking a reference on a handle we already hold */
	atomic_fetch_add_explicit(&st->refs, 1, memory_order_relaxed);
	/* A writer may have seen the record with an older owner's cursor. */
	zipc__event_signal(&st->hdr->writable);
	*out = sub;
	return 0;
}

ZIPC_EXPORT void zipc_stream_unsubscribe(struct zipc_sub *sub)
{
	uint64_t self;

	if (!sub)
		return;
	self = zipc__owner_self();
	/* relaxed: ordered before the owner release below */
	atomic_store_explicit(&sub->rec->cursor, ZIPC__CURSOR_IDLE, memory_order_relaxed);
	/* seq_cst: release for the next owner's acquire, and fence (B) of the
	 * event protocol; fails only if a writer took us for dead (we are not) */
	atomic_compare_exchange_strong_explicit(&sub->rec->owner, &self, 0, memory_order_seq_cst,
						memory_order_relaxed);
	zipc__event_signal_after_rmw(&sub->st->hdr->writable);
	zipc__stream_unref(sub->st);
	free(sub);
}

ZIPC_EXPORT uint64_t zipc_stream_missed(const struct zipc_sub *sub)
{
	return sub->missed;
}

ZIPC_EXPORT uint64_t zipc_stream_cursor(const struct zipc_sub *sub)
{
	return sub->cursor;
}
