/*
 * Description: kernel baselines for the queue benchmark: a pipe, a
 * SOCK_STREAM and a SOCK_SEQPACKET Unix socket pair carrying the same 8-byte
 * messages as the queue, one message per write()/read() (or BENCH_BATCH per
 * syscall in the batched run), in one thread, between two processes, and as
 * ping-pong.
 *
 * Pipes are one-way, so a link is two pipes; a socket pair is one link both
 * ways. After fork each process closes the other's ends, so a peer's death
 * shows as EOF (or EPIPE: SIGPIPE is ignored) rather than a hang.
 */
#include "bench.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct fdrun {
	bool batch;
	uint64_t n;	  /* messages to send, or round trips to record */
	int64_t *samples; /* round trips (ping-pong); written by the parent only */
	size_t warmup;	  /* round trips before samples are recorded */
	int fd[4];	  /* every descriptor of the link; -1 once closed */
	struct {
		int rfd, wfd;
	} end[2]; /* 0: the parent's, 1: the child's */
};

const char *bench_fd_name(enum bench_fd_kind kind)
{
	switch (kind) {
	case BENCH_PIPE:
		return "pipe";
	case BENCH_STREAM:
		return "unix stream socket";
	case BENCH_SEQPACKET:
		return "unix seqpacket socket";
	}
	return "?";
}

static void fdrun_close(struct fdrun *r)
{
	for (int i = 0; i < 4; i++)
		if (r->fd[i] >= 0) {
			close(r->fd[i]);
			r->fd[i] = -1;
		}
}

static int fdrun_open(struct fdrun *r, enum bench_fd_kind kind)
{
	int a[2], b[2] = {-1, -1};

	for (int i = 0; i < 4; i++)
		r->fd[i] = -1;
	if (kind == BENCH_PIPE) {
		if (pipe(a) != 0)
			return -errno;
		if (pipe(b) != 0) {
			int err = -errno;

			close(a[0]);
			close(a[1]);
			return err;
		}
		/* a: parent -> child, b: child -> parent */
		r->end[0].rfd = b[0];
		r->end[0].wfd = a[1];
		r->end[1].rfd = a[0];
		r->end[1].wfd = b[1];
	} else {
		int type = kind == BENCH_STREAM ? SOCK_STREAM : SOCK_SEQPACKET;

		if (socketpair(AF_UNIX, type, 0, a) != 0)
			return -errno;
		r->end[0].rfd = r->end[0].wfd = a[0];
		r->end[1].rfd = r->end[1].wfd = a[1];
	}
	r->fd[0] = a[0];
	r->fd[1] = a[1];
	r->fd[2] = b[0];
	r->fd[3] = b[1];
	return 0;
}

/* After fork: close the descriptors that belong to the other side. */
static void fdrun_keep(struct fdrun *r, int side)
{
	for (int i = 0; i < 4; i++)
		if (r->fd[i] >= 0 && r->fd[i] != r->end[side].rfd && r->fd[i] != r->end[side].wfd) {
			close(r->fd[i]);
			r->fd[i] = -1;
		}
}

int bench_fd_local(const struct bench_cfg *cfg, int kind, double *ns)
{
	struct fdrun r = {0};
	int64_t t0;
	int err = fdrun_open(&r, kind);

	if (err < 0)
		return err;
	t0 = bench_now_ns();
	for (uint64_t i = 0; i < cfg->local_sys_ops; i++) {
		uint64_t v;

		if ((err = bench_write_full(r.end[0].wfd, &i, sizeof(i))) < 0 ||
		    (err = bench_read_full(r.end[1].rfd, &v, sizeof(v))) < 0)
			break;
		if (v != i) {
			err = bench_mismatch(v, i);
			break;
		}
	}
	*ns = (double)(bench_now_ns() - t0) / (double)cfg->local_sys_ops;
	fdrun_close(&r);
	return err;
}

static int fd_produce(struct fdrun *r, int fd)
{
	uint64_t buf[BENCH_BATCH];
	size_t per = r->batch ? BENCH_BATCH : 1;
	int err;

	for (uint64_t i = 0; i < r->n;) {
		size_t k = r->n - i < per ? (size_t)(r->n - i) : per;

		for (size_t j = 0; j < k; j++)
			buf[j] = i++;
		if ((err = bench_write_full(fd, buf, k * sizeof(buf[0]))) < 0)
			return err;
	}
	return 0;
}

/* Read what the writer's syscalls carry (one message or a batch) until n arrived. */
static int fd_consume(struct fdrun *r, int fd)
{
	unsigned char buf[BENCH_BATCH * sizeof(uint64_t)];
	size_t chunk = r->batch ? sizeof(buf) : sizeof(uint64_t);
	size_t have = 0, words;
	uint64_t want = 0, v;

	while (want < r->n) {
		ssize_t got = read(fd, buf + have, chunk - have);

		if (got <= 0) {
			if (got < 0 && errno == EINTR)
				continue;
			return got < 0 ? -errno : -EPIPE;
		}
		have += (size_t)got;
		words = have / sizeof(v);
		for (size_t j = 0; j < words; j++, want++) {
			memcpy(&v, buf + j * sizeof(v), sizeof(v));
			if (v != want)
				return bench_mismatch(v, want);
		}
		have -= words * sizeof(v);
		memmove(buf, buf + words * sizeof(v), have);
	}
	return 0;
}

static int spsc_parent(void *arg, struct bench_ctl *ctl)
{
	struct fdrun *r = arg;
	int err;

	fdrun_keep(r, 0);
	err = bench_sync(ctl);
	if (err == 0) {
		ctl->t_start = bench_now_ns();
		err = fd_produce(r, r->end[0].wfd);
	}
	return err;
}

static int spsc_child(void *arg, struct bench_ctl *ctl)
{
	struct fdrun *r = arg;
	int err;

	fdrun_keep(r, 1);
	err = bench_sync(ctl);
	if (err == 0)
		err = fd_consume(r, r->end[1].rfd);
	ctl->t_end = bench_now_ns();
	return err;
}

static int fd_spsc(enum bench_fd_kind kind, bool batch, uint64_t n, double *ns)
{
	struct fdrun r = {.batch = batch, .n = n};
	int64_t t[2];
	int err = fdrun_open(&r, kind);

	if (err < 0)
		return err;
	err = bench_pair_run(spsc_parent, spsc_child, &r, t);
	fdrun_close(&r);
	if (err == 0)
		*ns = (double)(t[1] - t[0]) / (double)n;
	return err;
}

int bench_fd_spsc(const struct bench_cfg *cfg, int kind, double *ns)
{
	return fd_spsc(kind, false, cfg->sys_ops, ns);
}

int bench_fd_spsc_batch(const struct bench_cfg *cfg, int kind, double *ns)
{
	return fd_spsc(kind, true, cfg->sys_batch_ops, ns);
}

static int pingpong_parent(void *arg, struct bench_ctl *ctl)
{
	struct fdrun *r = arg;
	int err;

	fdrun_keep(r, 0);
	err = bench_sync(ctl);
	for (uint64_t i = 0; err == 0 && i < r->warmup + r->n; i++) {
		int64_t t0 = bench_now_ns();
		uint64_t v;

		if ((err = bench_write_full(r->end[0].wfd, &i, sizeof(i))) < 0 ||
		    (err = bench_read_full(r->end[0].rfd, &v, sizeof(v))) < 0)
			break;
		if (i >= r->warmup)
			r->samples[i - r->warmup] = bench_now_ns() - t0;
		if (v != i)
			err = bench_mismatch(v, i);
	}
	return err;
}

static int pingpong_child(void *arg, struct bench_ctl *ctl)
{
	struct fdrun *r = arg;
	int err;

	fdrun_keep(r, 1);
	err = bench_sync(ctl);
	for (uint64_t i = 0; err == 0 && i < r->warmup + r->n; i++) {
		uint64_t v;

		if ((err = bench_read_full(r->end[1].rfd, &v, sizeof(v))) < 0)
			break;
		err = bench_write_full(r->end[1].wfd, &v, sizeof(v));
	}
	return err;
}

int bench_fd_pingpong(int kind, int64_t *samples, size_t n)
{
	struct fdrun r = {.n = n, .samples = samples, .warmup = n / 10 + 100};
	int64_t t[2];
	int err = fdrun_open(&r, kind);

	if (err < 0)
		return err;
	err = bench_pair_run(pingpong_parent, pingpong_child, &r, t);
	fdrun_close(&r);
	return err;
}
