/*
 * Description: the zeroipc queue measurements: push+pop pairs in one
 * thread, SPSC throughput from this process to a forked consumer, and
 * ping-pong round trips through two queues.
 *
 * Each cross-process run makes its own segment "zipc-bench-PID-N". The
 * parent creates it and closes its handles; then both processes open it by
 * name, as unrelated programs would, meet at the start barrier, and the
 * parent unlinks the name before the clock starts, so nothing is left in
 * /dev/shm even if the run is killed. The name is unlinked again after every
 * run, whatever happened (-ENOENT ignored). Consumers check every element.
 */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <zeroipc/zeroipc.h>

#define BENCH_SEG_SIZE (1u << 20)
/* Throughput queue: 32 KiB of slots, so both sides run in cache. */
#define BENCH_QUEUE_CAP 4096u
/* Ping-pong queues hold at most one element at a time. */
#define BENCH_PINGPONG_CAP 64u

static const struct zipc_type bench_u64 = {ZIPC_ELEM_U64, 8};
static const char *const bench_qnames[2] = {"to-child", "to-parent"};

struct qrun {
	enum bench_qmode mode;
	char name[64];	  /* the segment */
	uint64_t n;	  /* elements to send, or round trips to record */
	int64_t *samples; /* round trips (ping-pong); written by the parent only */
	size_t warmup;	  /* round trips before samples are recorded */
};

/* One process's handles on a run's segment. */
struct qside {
	struct zipc_segment *seg;
	struct zipc_queue *q[2];
};

const char *bench_qmode_name(enum bench_qmode mode)
{
	switch (mode) {
	case BENCH_Q_BLOCKING:
		return "push/pop (blocking)";
	case BENCH_Q_TRY:
		return "try_push/try_pop (spin)";
	case BENCH_Q_BATCH:
		return "try_*_batch of 64 (spin)";
	}
	return "?";
}

static void bench_qerr(const char *what, const char *name, int err)
{
	fprintf(stderr, "bench: %s %s: %s (%s)\n", what, name, zipc_strerror(err),
		zipc_last_error());
}

/* Make the segment NAME with nq queues of cap elements, and close it. */
static int qrun_create(struct qrun *r, unsigned nq, uint32_t cap)
{
	static unsigned counter;
	struct zipc_segment *seg;
	struct zipc_queue *q;
	int err;

	snprintf(r->name, sizeof(r->name), "zipc-bench-%d-%u", (int)getpid(), counter++);
	err = zipc_segment_create(r->name, BENCH_SEG_SIZE, 0, 0600, &seg);
	if (err == -EEXIST) {
		/* Left by a dead process that had our pid: the name is ours now. */
		zipc_segment_unlink(r->name);
		err = zipc_segment_create(r->name, BENCH_SEG_SIZE, 0, 0600, &seg);
	}
	if (err < 0) {
		bench_qerr("create segment", r->name, err);
		return err;
	}
	for (unsigned i = 0; i < nq && err == 0; i++) {
		err = zipc_queue_create(seg, bench_qnames[i], bench_u64, cap, &q);
		if (err < 0)
			bench_qerr("create queue", bench_qnames[i], err);
		else
			zipc_queue_close(q);
	}
	zipc_segment_close(seg);
	if (err < 0)
		zipc_segment_unlink(r->name);
	return err;
}

/* Close what is open; closing twice is harmless. */
static void qside_close(struct qside *s)
{
	for (unsigned i = 0; i < 2; i++)
		if (s->q[i])
			zipc_queue_close(s->q[i]);
	if (s->seg)
		zipc_segment_close(s->seg);
	*s = (struct qside){0};
}

/* Open the run's segment and its nq queues by name. */
static int qside_open(const struct qrun *r, unsigned nq, struct qside *s)
{
	int err;

	*s = (struct qside){0};
	err = zipc_segment_open(r->name, &s->seg);
	if (err < 0) {
		bench_qerr("open segment", r->name, err);
		return err;
	}
	for (unsigned i = 0; i < nq; i++) {
		err = zipc_queue_open(s->seg, bench_qnames[i], &s->q[i]);
		if (err < 0) {
			bench_qerr("open queue", bench_qnames[i], err);
			qside_close(s);
			return err;
		}
	}
	return 0;
}

/* Open, meet the peer, and (parent) unlink the name: both sides hold it now. */
static int qside_start(const struct qrun *r, unsigned nq, struct qside *s, struct bench_ctl *ctl,
		       bool parent)
{
	int err = qside_open(r, nq, s);

	if (err == 0)
		err = bench_sync(ctl);
	if (parent)
		zipc_segment_unlink(r->name);
	return err;
}

/*
 * Single operations. Blocking calls get a finite timeout, as a careful
 * caller's would: a dead peer must end the run, not hang it.
 */
static int q_send(struct zipc_queue *q, enum bench_qmode mode, uint64_t v, struct bench_ctl *ctl)
{
	struct bench_spin s = bench_spin_init(ctl);
	int err;

	if (mode == BENCH_Q_BLOCKING)
		return zipc_queue_push(q, &v, BENCH_STALL_NS);
	while ((err = zipc_queue_try_push(q, &v)) == -EAGAIN)
		if ((err = bench_spin(&s)) < 0)
			break;
	return err;
}

static int q_recv(struct zipc_queue *q, enum bench_qmode mode, uint64_t *v, struct bench_ctl *ctl)
{
	struct bench_spin s = bench_spin_init(ctl);
	int err;

	if (mode == BENCH_Q_BLOCKING)
		return zipc_queue_pop(q, v, BENCH_STALL_NS);
	while ((err = zipc_queue_try_pop(q, v)) == -EAGAIN)
		if ((err = bench_spin(&s)) < 0)
			break;
	return err;
}

int bench_queue_local(const struct bench_cfg *cfg, int how, double *ns)
{
	struct qrun r = {0};
	struct qside s;
	int64_t t0;
	int err;

	(void)how;
	err = qrun_create(&r, 1, BENCH_QUEUE_CAP);
	if (err == 0)
		err = qside_open(&r, 1, &s);
	zipc_segment_unlink(r.name);
	if (err < 0)
		return err;
	t0 = bench_now_ns();
	for (uint64_t i = 0; i < cfg->local_ops; i++) {
		uint64_t v;

		if ((err = zipc_queue_try_push(s.q[0], &i)) < 0 ||
		    (err = zipc_queue_try_pop(s.q[0], &v)) < 0)
			break;
		if (v != i) {
			err = bench_mismatch(v, i);
			break;
		}
	}
	*ns = (double)(bench_now_ns() - t0) / (double)cfg->local_ops;
	qside_close(&s);
	return err;
}

static int spsc_produce(struct qrun *r, struct zipc_queue *q, struct bench_ctl *ctl)
{
	uint64_t buf[BENCH_BATCH];
	uint64_t i = 0;
	int err;

	if (r->mode != BENCH_Q_BATCH) {
		for (i = 0; i < r->n; i++)
			if ((err = q_send(q, r->mode, i, ctl)) < 0)
				return err;
		return 0;
	}
	while (i < r->n) {
		struct bench_spin s = bench_spin_init(ctl);
		size_t k = r->n - i < BENCH_BATCH ? (size_t)(r->n - i) : BENCH_BATCH;
		ssize_t got;

		for (size_t j = 0; j < k; j++)
			buf[j] = i + j;
		while ((got = zipc_queue_try_push_batch(q, buf, k)) == -EAGAIN)
			if ((err = bench_spin(&s)) < 0)
				return err;
		if (got < 0)
			return (int)got;
		i += (uint64_t)got;
	}
	return 0;
}

static int spsc_consume(struct qrun *r, struct zipc_queue *q, struct bench_ctl *ctl)
{
	uint64_t buf[BENCH_BATCH];
	uint64_t want = 0;
	int err;

	if (r->mode != BENCH_Q_BATCH) {
		for (; want < r->n; want++) {
			if ((err = q_recv(q, r->mode, &buf[0], ctl)) < 0)
				return err;
			if (buf[0] != want)
				return bench_mismatch(buf[0], want);
		}
		return 0;
	}
	while (want < r->n) {
		struct bench_spin s = bench_spin_init(ctl);
		ssize_t got;

		while ((got = zipc_queue_try_pop_batch(q, buf, BENCH_BATCH)) == -EAGAIN)
			if ((err = bench_spin(&s)) < 0)
				return err;
		if (got < 0)
			return (int)got;
		for (ssize_t j = 0; j < got; j++, want++)
			if (buf[j] != want)
				return bench_mismatch(buf[j], want);
	}
	return 0;
}

static int spsc_parent(void *arg, struct bench_ctl *ctl)
{
	struct qrun *r = arg;
	struct qside s;
	int err = qside_start(r, 1, &s, ctl, true);

	if (err == 0) {
		ctl->t_start = bench_now_ns();
		err = spsc_produce(r, s.q[0], ctl);
	}
	qside_close(&s);
	return err;
}

static int spsc_child(void *arg, struct bench_ctl *ctl)
{
	struct qrun *r = arg;
	struct qside s;
	int err = qside_start(r, 1, &s, ctl, false);

	if (err == 0)
		err = spsc_consume(r, s.q[0], ctl);
	ctl->t_end = bench_now_ns();
	qside_close(&s);
	return err;
}

int bench_queue_spsc(const struct bench_cfg *cfg, int mode, double *ns)
{
	struct qrun r = {.mode = mode};
	int64_t t[2];
	int err;

	r.n = mode == BENCH_Q_BATCH ? cfg->spsc_batch_ops : cfg->spsc_ops;
	err = qrun_create(&r, 1, BENCH_QUEUE_CAP);
	if (err < 0)
		return err;
	err = bench_pair_run(spsc_parent, spsc_child, &r, t);
	zipc_segment_unlink(r.name);
	if (err == 0)
		*ns = (double)(t[1] - t[0]) / (double)r.n;
	return err;
}

static int pingpong_parent(void *arg, struct bench_ctl *ctl)
{
	struct qrun *r = arg;
	struct qside s;
	int err = qside_start(r, 2, &s, ctl, true);

	for (uint64_t i = 0; err == 0 && i < r->warmup + r->n; i++) {
		int64_t t0 = bench_now_ns();
		uint64_t v;

		if ((err = q_send(s.q[0], r->mode, i, ctl)) < 0 ||
		    (err = q_recv(s.q[1], r->mode, &v, ctl)) < 0)
			break;
		if (i >= r->warmup)
			r->samples[i - r->warmup] = bench_now_ns() - t0;
		if (v != i)
			err = bench_mismatch(v, i);
	}
	qside_close(&s);
	return err;
}

static int pingpong_child(void *arg, struct bench_ctl *ctl)
{
	struct qrun *r = arg;
	struct qside s;
	int err = qside_start(r, 2, &s, ctl, false);

	for (uint64_t i = 0; err == 0 && i < r->warmup + r->n; i++) {
		uint64_t v;

		if ((err = q_recv(s.q[0], r->mode, &v, ctl)) < 0)
			break;
		err = q_send(s.q[1], r->mode, v, ctl);
	}
	qside_close(&s);
	return err;
}

int bench_queue_pingpong(int mode, int64_t *samples, size_t n)
{
	struct qrun r = {.mode = mode, .n = n, .samples = samples, .warmup = n / 10 + 100};
	int64_t t[2];
	int err;

	if (mode == BENCH_Q_BATCH)
		return -EINVAL;
	err = qrun_create(&r, 2, BENCH_PINGPONG_CAP);
	if (err < 0)
		return err;
	err = bench_pair_run(pingpong_parent, pingpong_child, &r, t);
	zipc_segment_unlink(r.name);
	return err;
}
