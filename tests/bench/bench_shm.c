/*
 * Description: the physical references for the queue benchmark, in an
 * anonymous MAP_SHARED mapping shared across fork:
 * - one cache line bounced between two processes (A writes odd values, B
 *   answers each with the next even one): no round trip through shared
 *   memory can beat it, so it is the floor for ping-pong;
 * - a minimal Lamport SPSC ring (CK's ck_ring shape: head and tail on their
 *   own lines, each side caching the other's index): what a queue of 8-byte
 *   elements reaches on this machine without the MPMC format's costs.
 *
 * Ring protocol (free-running u32 indices, compared by unsigned difference):
 *
 *	producer                           consumer
 *	if tail - head_cache == CAP:
 *	   head_cache = head      (D) <--- (C) head = h + 1 after reading slot
 *	slot[tail % CAP] = v
 *	tail = t + 1              (A) ---> (B) tail_cache = tail; read slot
 */
#include "bench.h"

#include <errno.h>
#include <sys/mman.h>

#define RING_CAP 4096u

struct ring {
	_Alignas(64) atomic_uint head; /* written only by the consumer */
	_Alignas(64) atomic_uint tail; /* written only by the producer */
	_Alignas(64) uint64_t slot[RING_CAP];
};

/* One side's view: its own index and its cache of the other's. */
struct ring_end {
	struct ring *ring;
	unsigned mine, theirs;
};

struct shmrun {
	void *map;
	size_t map_len;
	uint64_t n;	  /* elements to send, or round trips to record */
	int64_t *samples; /* round trips; written by the parent only */
	size_t warmup;	  /* round trips before samples are recorded */
};

static void *shm_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static inline int ring_push(struct ring_end *e, uint64_t v, struct bench_ctl *ctl)
{
	struct bench_spin s = bench_spin_init(ctl);
	int err;

	while (e->mine - e->theirs == RING_CAP) {
		/* acquire (D): the consumer is done with the slot; pairs with release (C). */
		e->theirs = atomic_load_explicit(&e->ring->head, memory_order_acquire);
		if (e->mine - e->theirs == RING_CAP && (err = bench_spin(&s)) < 0)
			return err;
	}
	e->ring->slot[e->mine % RING_CAP] = v;
	/* release (A): publishes the slot; pairs with acquire (B) in ring_pop. */
	atomic_store_explicit(&e->ring->tail, ++e->mine, memory_order_release);
	return 0;
}

static inline int ring_pop(struct ring_end *e, uint64_t *v, struct bench_ctl *ctl)
{
	struct bench_spin s = bench_spin_init(ctl);
	int err;

	while (e->mine == e->theirs) {
		/* acquire (B): pairs with release (A) in ring_push. */
		e->theirs = atomic_load_explicit(&e->ring->tail, memory_order_acquire);
		if (e->mine == e->theirs && (err = bench_spin(&s)) < 0)
			return err;
	}
	*v = e->ring->slot[e->mine % RING_CAP];
	/* release (C): the slot's read is done before the producer reuses it; pairs with (D). */
	atomic_store_explicit(&e->ring->head, ++e->mine, memory_order_release);
	return 0;
}

int bench_ring_local(const struct bench_cfg *cfg, int how, double *ns)
{
	struct ring *ring = shm_map(sizeof(*ring));
	struct ring_end prod = {ring, 0, 0}, cons = {ring, 0, 0};
	int64_t t0;
	int err = 0;

	(void)how;
	if (!ring)
		return -ENOMEM;
	t0 = bench_now_ns();
	for (uint64_t i = 0; i < cfg->local_ops; i++) {
		uint64_t v;

		if ((err = ring_push(&prod, i, NULL)) < 0 || (err = ring_pop(&cons, &v, NULL)) < 0)
			break;
		if (v != i) {
			err = bench_mismatch(v, i);
			break;
		}
	}
	*ns = (double)(bench_now_ns() - t0) / (double)cfg->local_ops;
	munmap(ring, sizeof(*ring));
	return err;
}

static int ring_parent(void *arg, struct bench_ctl *ctl)
{
	struct shmrun *r = arg;
	struct ring_end e = {r->map, 0, 0};
	int err = bench_sync(ctl);

	if (err < 0)
		return err;
	ctl->t_start = bench_now_ns();
	for (uint64_t i = 0; i < r->n; i++)
		if ((err = ring_push(&e, i, ctl)) < 0)
			return err;
	return 0;
}

static int ring_child(void *arg, struct bench_ctl *ctl)
{
	struct shmrun *r = arg;
	struct ring_end e = {r->map, 0, 0};
	int err = bench_sync(ctl);

	for (uint64_t i = 0; err == 0 && i < r->n; i++) {
		uint64_t v;

		if ((err = ring_pop(&e, &v, ctl)) == 0 && v != i)
			err = bench_mismatch(v, i);
	}
	ctl->t_end = bench_now_ns();
	return err;
}

/* Run parent_fn and child_fn of r over a fresh shared mapping of r->map_len bytes. */
static int shm_pair(struct shmrun *r, bench_role_fn parent_fn, bench_role_fn child_fn, int64_t t[2])
{
	int err;

	r->map = shm_map(r->map_len);
	if (!r->map)
		return -ENOMEM;
	err = bench_pair_run(parent_fn, child_fn, r, t);
	munmap(r->map, r->map_len);
	return err;
}

int bench_ring_spsc(const struct bench_cfg *cfg, int how, double *ns)
{
	struct shmrun r = {.map_len = sizeof(struct ring), .n = cfg->spsc_ops};
	int64_t t[2];
	int err;

	(void)how;
	err = shm_pair(&r, ring_parent, ring_child, t);
	if (err == 0)
		*ns = (double)(t[1] - t[0]) / (double)r.n;
	return err;
}

static int ring_pp_parent(void *arg, struct bench_ctl *ctl)
{
	struct shmrun *r = arg;
	struct ring *rings = r->map;
	struct ring_end out = {&rings[0], 0, 0}, in = {&rings[1], 0, 0};
	int err = bench_sync(ctl);

	for (uint64_t i = 0; err == 0 && i < r->warmup + r->n; i++) {
		int64_t t0 = bench_now_ns();
		uint64_t v;

		if ((err = ring_push(&out, i, ctl)) < 0 || (err = ring_pop(&in, &v, ctl)) < 0)
			break;
		if (i >= r->warmup)
			r->samples[i - r->warmup] = bench_now_ns() - t0;
		if (v != i)
			err = bench_mismatch(v, i);
	}
	return err;
}

static int ring_pp_child(void *arg, struct bench_ctl *ctl)
{
	struct shmrun *r = arg;
	struct ring *rings = r->map;
	struct ring_end in = {&rings[0], 0, 0}, out = {&rings[1], 0, 0};
	int err = bench_sync(ctl);

	for (uint64_t i = 0; err == 0 && i < r->warmup + r->n; i++) {
		uint64_t v;

		if ((err = ring_pop(&in, &v, ctl)) == 0)
			err = ring_push(&out, v, ctl);
	}
	return err;
}

/*
 * The bounced line. Each side only waits for the value the other stores, so
 * acquire/release is enough: nothing else is published through it.
 */
static int line_parent(void *arg, struct bench_ctl *ctl)
{
	struct shmrun *r = arg;
	_Atomic uint64_t *word = r->map;
	int err = bench_sync(ctl);

	for (uint64_t i = 0; err == 0 && i < r->warmup + r->n; i++) {
		struct bench_spin s = bench_spin_init(ctl);
		int64_t t0 = bench_now_ns();

		atomic_store_explicit(word, 2 * i + 1, memory_order_release);
		while (atomic_load_explicit(word, memory_order_acquire) != 2 * i + 2)
			if ((err = bench_spin(&s)) < 0)
				return err;
		if (i >= r->warmup)
			r->samples[i - r->warmup] = bench_now_ns() - t0;
	}
	return err;
}

static int line_child(void *arg, struct bench_ctl *ctl)
{
	struct shmrun *r = arg;
	_Atomic uint64_t *word = r->map;
	int err = bench_sync(ctl);

	for (uint64_t i = 0; err == 0 && i < r->warmup + r->n; i++) {
		struct bench_spin s = bench_spin_init(ctl);

		while (atomic_load_explicit(word, memory_order_acquire) != 2 * i + 1)
			if ((err = bench_spin(&s)) < 0)
				return err;
		atomic_store_explicit(word, 2 * i + 2, memory_order_release);
	}
	return err;
}

int bench_line_pingpong(int how, int64_t *samples, size_t n)
{
	struct shmrun r = {.map_len = 64, .n = n, .samples = samples, .warmup = n / 10 + 100};
	int64_t t[2];

	(void)how;
	return shm_pair(&r, line_parent, line_child, t);
}

int bench_ring_pingpong(int how, int64_t *samples, size_t n)
{
	struct shmrun r = {
	    .map_len = 2 * sizeof(struct ring),
	    .n = n,
	    .samples = samples,
	    .warmup = n / 10 + 100,
	};
	int64_t t[2];

	(void)how;
	return shm_pair(&r, ring_pp_parent, ring_pp_child, t);
}
