/*
 * Description: stream fan-out throughput: one writer (this process) emits
 * n 8-byte elements into a block-policy stream, and nsubs forked
 * subscribers each read all n, in order (checked). The figure is ns per
 * element as one subscriber sees it, from the first emit to the last
 * element of the slowest subscriber; the total rate is nsubs times that.
 * Single elements use zipc_stream_emit/next, batches emit_batch/next_batch
 * of BENCH_BATCH. The writer has the first CPU; the subscribers share the
 * second (bench_group_run).
 */
#include "bench_codata.h"

#include <errno.h>

/* 32 KiB of elements, as the queue benchmark's queue. */
#define CD_STREAM_CAP 4096u

const unsigned cd_fanout[CD_FANOUTS] = {1, 2, 4};

struct fan_shared {
	_Alignas(64) int64_t end[BENCH_CHILDREN_MAX]; /* each subscriber's last element */
};

struct fan_run {
	enum cd_stream_mode mode;
	char name[CD_NAME_MAX];
	uint64_t n;
	struct fan_shared *sh;
};

static int fan_open(struct fan_run *r, struct zipc_segment **seg, struct zipc_stream **st)
{
	int err;

	*seg = NULL;
	*st = NULL;
	if ((err = zipc_segment_open(r->name, seg)) < 0)
		return cd_err("open segment", r->name, err);
	if ((err = zipc_stream_open(*seg, "fan", st)) < 0)
		return cd_err("open stream", "fan", err);
	return 0;
}

static void fan_close(struct zipc_segment *seg, struct zipc_stream *st)
{
	if (st)
		zipc_stream_close_handle(st);
	if (seg)
		zipc_segment_close(seg);
}

static int fan_emit(struct fan_run *r, struct zipc_stream *st)
{
	uint64_t buf[BENCH_BATCH];
	uint64_t i = 0;
	int err;

	if (r->mode == CD_STREAM_SINGLE) {
		for (i = 0; i < r->n; i++)
			if ((err = zipc_stream_emit(st, &i, BENCH_STALL_NS)) < 0)
				return err;
		return 0;
	}
	while (i < r->n) {
		size_t k = r->n - i < BENCH_BATCH ? (size_t)(r->n - i) : BENCH_BATCH;
		ssize_t got;

		for (size_t j = 0; j < k; j++)
			buf[j] = i + j;
		if ((got = zipc_stream_emit_batch(st, buf, k, BENCH_STALL_NS)) < 0)
			return (int)got;
		i += (uint64_t)got;
	}
	return 0;
}

static int fan_read(struct fan_run *r, struct zipc_sub *sub)
{
	uint64_t buf[BENCH_BATCH];
	uint64_t want = 0;
	int err;

	if (r->mode == CD_STREAM_SINGLE) {
		for (; want < r->n; want++) {
			if ((err = zipc_stream_next(sub, &buf[0], BENCH_STALL_NS)) < 0)
				return err;
			if (buf[0] != want)
				return bench_mismatch(buf[0], want);
		}
		return 0;
	}
	while (want < r->n) {
		ssize_t got = zipc_stream_next_batch(sub, buf, BENCH_BATCH, BENCH_STALL_NS);

		if (got < 0)
			return (int)got;
		for (ssize_t j = 0; j < got; j++, want++)
			if (buf[j] != want)
				return bench_mismatch(buf[j], want);
	}
	return 0;
}

static int fan_writer(void *arg, struct bench_ctl *ctl)
{
	struct fan_run *r = arg;
	struct zipc_segment *seg;
	struct zipc_stream *st;
	int err = fan_open(r, &seg, &st);

	if (err == 0)
		err = bench_sync(ctl);
	zipc_segment_unlink(r->name);
	if (err == 0) {
		ctl->t_start = bench_now_ns();
		err = fan_emit(r, st);
		zipc_stream_close(st);
	}
	fan_close(seg, st);
	return err;
}

static int fan_subscriber(void *arg, struct bench_ctl *ctl)
{
	struct fan_run *r = arg;
	struct zipc_segment *seg;
	struct zipc_stream *st;
	struct zipc_sub *sub = NULL;
	int err = fan_open(r, &seg, &st);

	/* Subscribed before the barrier: the writer's first element is ours too. */
	if (err == 0 && (err = zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &sub)) < 0)
		cd_err("subscribe to", r->name, err);
	if (err == 0)
		err = bench_sync(ctl);
	if (err == 0)
		err = fan_read(r, sub);
	r->sh->end[bench_self - 1] = bench_now_ns();
	if (sub)
		zipc_stream_unsubscribe(sub);
	fan_close(seg, st);
	return err;
}

int cd_stream_fanout(const struct cd_cfg *cfg, int mode, unsigned nsubs, double *ns)
{
	const struct zipc_type u64 = {ZIPC_ELEM_U64, 8};
	struct fan_run r = {.mode = mode, .n = cfg->stream_ops[mode]};
	struct zipc_segment *seg;
	struct zipc_stream *st;
	int64_t t[2], end = 0;
	int err;

	r.sh = cd_shared_alloc(sizeof(*r.sh));
	if (!r.sh)
		return -ENOMEM;
	if ((err = cd_seg_create(r.name, 1u << 20, 0, &seg)) < 0)
		goto out;
	err = zipc_stream_create(seg, "fan", u64, CD_STREAM_CAP, ZIPC_STREAM_BLOCK, 0, &st);
	if (err < 0)
		cd_err("create stream in", r.name, err);
	else
		zipc_stream_close_handle(st);
	zipc_segment_close(seg);
	if (err == 0)
		err = bench_group_run(fan_writer, fan_subscriber, &r, nsubs, t);
	zipc_segment_unlink(r.name);
	for (unsigned i = 0; err == 0 && i < nsubs; i++)
		end = r.sh->end[i] > end ? r.sh->end[i] : end;
	if (err == 0)
		*ns = (double)(end - t[0]) / (double)r.n;
out:
	cd_shared_free(r.sh, sizeof(*r.sh));
	return err;
}
