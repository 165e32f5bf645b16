/*
 * Description: round trips through two unbuffered channels between two
 * processes: A sends to B on one (the send returns once B has taken the
 * value), B sends it back on the other, A receives it. Both sides use the
 * blocking calls, which spin ~50 us before they sleep, with a finite
 * timeout as a careful caller would. The baseline is the queue benchmark's
 * pipe ping-pong (bench_fd_pingpong), run by bench_codata_main.c.
 */
#include "bench_codata.h"

#include <errno.h>

static const char *const chan_names[2] = {"a-to-b", "b-to-a"};

struct chan_run {
	char name[CD_NAME_MAX];
	uint64_t n, warmup;
	int64_t *samples; /* written by the parent (A) only */
};

struct chan_side {
	struct zipc_segment *seg;
	struct zipc_channel *ch[2];
};

static void chan_close(struct chan_side *s)
{
	for (int i = 0; i < 2; i++)
		if (s->ch[i])
			zipc_channel_close_handle(s->ch[i]);
	if (s->seg)
		zipc_segment_close(s->seg);
	*s = (struct chan_side){0};
}

/* Open both channels by name, meet the peer, and (parent) unlink the segment. */
static int chan_start(struct chan_run *r, struct chan_side *s, struct bench_ctl *ctl, bool parent)
{
	int err;

	*s = (struct chan_side){0};
	if ((err = zipc_segment_open(r->name, &s->seg)) < 0)
		cd_err("open segment", r->name, err);
	for (int i = 0; err == 0 && i < 2; i++)
		if ((err = zipc_channel_open(s->seg, chan_names[i], &s->ch[i])) < 0)
			cd_err("open channel", chan_names[i], err);
	if (err == 0)
		err = bench_sync(ctl);
	if (parent)
		zipc_segment_unlink(r->name);
	return err;
}

static int chan_a(void *arg, struct bench_ctl *ctl)
{
	struct chan_run *r = arg;
	struct chan_side s;
	int err = chan_start(r, &s, ctl, true);

	for (uint64_t i = 0; err == 0 && i < r->warmup + r->n; i++) {
		int64_t t0 = bench_now_ns();
		uint64_t v = 0;

		if ((err = zipc_channel_send(s.ch[0], &i, BENCH_STALL_NS)) < 0 ||
		    (err = zipc_channel_recv(s.ch[1], &v, BENCH_STALL_NS)) < 0)
			break;
		if (i >= r->warmup)
			r->samples[i - r->warmup] = bench_now_ns() - t0;
		if (v != i)
			err = bench_mismatch(v, i);
	}
	chan_close(&s);
	return err;
}

static int chan_b(void *arg, struct bench_ctl *ctl)
{
	struct chan_run *r = arg;
	struct chan_side s;
	int err = chan_start(r, &s, ctl, false);

	for (uint64_t i = 0; err == 0 && i < r->warmup + r->n; i++) {
		uint64_t v;

		if ((err = zipc_channel_recv(s.ch[0], &v, BENCH_STALL_NS)) < 0)
			break;
		err = zipc_channel_send(s.ch[1], &v, BENCH_STALL_NS);
	}
	chan_close(&s);
	return err;
}

int cd_channel_pingpong(const struct cd_cfg *cfg, int how, int64_t *samples, size_t n)
{
	const struct zipc_type u64 = {ZIPC_ELEM_U64, 8};
	struct chan_run r = {.n = n, .warmup = n / 10 + 100, .samples = samples};
	struct zipc_segment *seg;
	struct zipc_channel *ch;
	int64_t t[2];
	int err;

	(void)cfg;
	(void)how;
	if ((err = cd_seg_create(r.name, 1u << 20, 0, &seg)) < 0)
		return err;
	for (int i = 0; err == 0 && i < 2; i++) {
		if ((err = zipc_channel_create(seg, chan_names[i], u64, 0, &ch)) < 0)
			cd_err("create channel", chan_names[i], err);
		else
			zipc_channel_close_handle(ch);
	}
	zipc_segment_close(seg);
	if (err == 0)
		err = bench_pair_run(chan_a, chan_b, &r, t);
	zipc_segment_unlink(r.name);
	return err;
}
