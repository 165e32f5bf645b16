/*
 * Description: wake-up latency across processes: a getter asleep in
 * zipc_future_get() (its ~50 us spin long over), a setter in another process
 * that stamps CLOCK_MONOTONIC into the value just before zipc_future_set();
 * the latency is the getter's clock on return minus the stamp. Every round
 * uses a fresh future. The baseline is the same over a pipe: the reader
 * asleep in read(), the writer stamping the 8 bytes it writes.
 *
 * Each round: the getter (parent) announces it is about to wait and waits;
 * the setter (child) sees the announcement, sleeps cfg->wake_delay_ns so the
 * getter is surely asleep, then stamps and sets (or writes).
 */
#include "bench_codata.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define CD_WAKE_WARMUP 10

struct wake_shared {
	_Alignas(64) _Atomic uint64_t ready; /* rounds the getter has started */
};

struct wake_run {
	enum cd_wake_kind kind;
	char name[CD_NAME_MAX];
	size_t rounds; /* warm-up included */
	int64_t *samples;
	int64_t delay_ns;
	int pipefd[2];
	struct wake_shared *sh;
};

/* One process's futures of the run, opened by name. */
static int wake_open(struct wake_run *r, struct zipc_segment **seg, struct zipc_future ***f)
{
	char fname[32];
	int err;

	*f = calloc(r->rounds, sizeof(**f));
	if (!*f)
		return -ENOMEM;
	if ((err = zipc_segment_open(r->name, seg)) < 0)
		return cd_err("open segment", r->name, err);
	for (size_t i = 0; i < r->rounds; i++) {
		snprintf(fname, sizeof(fname), "f%zu", i);
		if ((err = zipc_future_open(*seg, fname, &(*f)[i])) < 0)
			return cd_err("open future", fname, err);
	}
	return 0;
}

static void wake_close(struct wake_run *r, struct zipc_segment *seg, struct zipc_future **f)
{
	for (size_t i = 0; f && i < r->rounds; i++)
		if (f[i])
			zipc_future_close(f[i]);
	free(f);
	if (seg)
		zipc_segment_close(seg);
}

static int wake_getter(void *arg, struct bench_ctl *ctl)
{
	struct wake_run *r = arg;
	struct zipc_segment *seg = NULL;
	struct zipc_future **f = NULL;
	int err = 0;

	if (r->kind == CD_WAKE_FUTURE)
		err = wake_open(r, &seg, &f);
	else {
		close(r->pipefd[1]); /* a dead setter then shows as EOF */
		r->pipefd[1] = -1;
	}
	if (err == 0)
		err = bench_sync(ctl);
	if (r->kind == CD_WAKE_FUTURE)
		zipc_segment_unlink(r->name);
	for (size_t i = 0; err == 0 && i < r->rounds; i++) {
		int64_t stamp = 0, t;

		atomic_store_explicit(&r->sh->ready, i + 1, memory_order_release);
		if (r->kind == CD_WAKE_FUTURE)
			err = zipc_future_get(f[i], &stamp, BENCH_STALL_NS);
		else
			err = bench_read_full(r->pipefd[0], &stamp, sizeof(stamp));
		t = bench_now_ns();
		if (err == 0 && i >= CD_WAKE_WARMUP)
			r->samples[i - CD_WAKE_WARMUP] = t - stamp;
	}
	wake_close(r, seg, f);
	return err;
}

static int wake_setter(void *arg, struct bench_ctl *ctl)
{
	struct wake_run *r = arg;
	struct timespec delay = {0, (long)r->delay_ns};
	struct zipc_segment *seg = NULL;
	struct zipc_future **f = NULL;
	int err = 0;

	if (r->kind == CD_WAKE_FUTURE)
		err = wake_open(r, &seg, &f);
	else
		close(r->pipefd[0]);
	if (err == 0)
		err = bench_sync(ctl);
	for (size_t i = 0; err == 0 && i < r->rounds; i++) {
		struct bench_spin s = bench_spin_init(ctl);
		int64_t stamp;

		while (atomic_load_explicit(&r->sh->ready, memory_order_acquire) < i + 1)
			if ((err = bench_spin(&s)) < 0)
				break;
		if (err < 0)
			break;
		nanosleep(&delay, NULL);
		stamp = bench_now_ns();
		if (r->kind == CD_WAKE_FUTURE)
			err = zipc_future_set(f[i], &stamp);
		else
			err = bench_write_full(r->pipefd[1], &stamp, sizeof(stamp));
	}
	wake_close(r, seg, f);
	return err;
}

/* The segment with one fresh future per round, handles closed. */
static int wake_create(struct wake_run *r)
{
	const struct zipc_type i64 = {ZIPC_ELEM_I64, 8};
	struct zipc_segment *seg;
	struct zipc_future *f;
	char fname[32];
	int err;

	err = cd_seg_create(r->name, (1u << 20) + (uint64_t)r->rounds * 1024,
			    (uint32_t)r->rounds + 8, &seg);
	if (err < 0)
		return err;
	for (size_t i = 0; err == 0 && i < r->rounds; i++) {
		snprintf(fname, sizeof(fname), "f%zu", i);
		if ((err = zipc_future_create(seg, fname, i64, 1, &f)) < 0)
			cd_err("create future", fname, err);
		else
			zipc_future_close(f);
	}
	zipc_segment_close(seg);
	return err;
}

int cd_wake(const struct cd_cfg *cfg, int kind, int64_t *samples, size_t n)
{
	struct wake_run r = {.kind = kind, .rounds = n + CD_WAKE_WARMUP, .samples = samples,
		.delay_ns = cfg->wake_delay_ns, .pipefd = {-1, -1}};
	int64_t t[2];
	int err;

	r.sh = cd_shared_alloc(sizeof(*r.sh));
	if (!r.sh)
		return -ENOMEM;
	if (kind == CD_WAKE_FUTURE)
		err = wake_create(&r);
	else
		err = pipe(r.pipefd) == 0 ? 0 : -errno;
	if (err == 0)
		err = bench_pair_run(wake_getter, wake_setter, &r, t);
	if (kind == CD_WAKE_FUTURE && r.name[0])
		zipc_segment_unlink(r.name);
	for (int i = 0; i < 2; i++)
		if (r.pipefd[i] >= 0)
			close(r.pipefd[i]);
	cd_shared_free(r.sh, sizeof(*r.sh));
	return err;
}
