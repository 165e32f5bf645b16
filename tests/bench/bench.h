/*
 * Description: the measurements of the queue benchmark and their settings.
 *
 * Each measurement has a zeroipc figure and baselines taken in the same run
 * (bench_main.c prints them side by side): bench_queue.c measures the queue,
 * bench_fd.c pipes and Unix sockets, bench_shm.c the physical floors (one
 * bounced cache line, a minimal SPSC ring in shared memory).
 */
#ifndef ZEROIPC_BENCH_H
#define ZEROIPC_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench_util.h"

/* Elements per batch in the batched measurements. */
#define BENCH_BATCH 64
/* Most repetitions of one throughput run. */
#define BENCH_REPS_MAX 25

struct bench_cfg {
	unsigned reps;  /* 1..BENCH_REPS_MAX runs of each throughput; the median is reported */
	size_t samples; /* ping-pong round trips recorded (after samples / 10 of warm-up) */
	uint64_t local_ops;       /* push+pop pairs in one thread, shared memory */
	uint64_t local_sys_ops;   /* write+read pairs in one thread, pipes and sockets */
	uint64_t spsc_ops;        /* elements per cross-process run, single operations */
	uint64_t spsc_batch_ops;  /* elements per cross-process run, batches */
	uint64_t sys_ops;         /* messages per run, one per syscall */
	uint64_t sys_batch_ops;   /* messages per run, BENCH_BATCH per syscall */
	size_t sys_samples;       /* ping-pong round trips over pipes and sockets */
};

/* How the queue measurements drive the queue. */
enum bench_qmode {
	BENCH_Q_BLOCKING, /* zipc_queue_push / zipc_queue_pop */
	BENCH_Q_TRY,      /* zipc_queue_try_push / try_pop, spinning on -EAGAIN */
	BENCH_Q_BATCH,    /* zipc_queue_try_push_batch / try_pop_batch of BENCH_BATCH */
};

/* The kernel transports of the baselines. */
enum bench_fd_kind {
	BENCH_PIPE,
	BENCH_STREAM,    /* socketpair(AF_UNIX, SOCK_STREAM) */
	BENCH_SEQPACKET, /* socketpair(AF_UNIX, SOCK_SEQPACKET) */
};

const char *bench_qmode_name(enum bench_qmode mode);
const char *bench_fd_name(enum bench_fd_kind kind);

/* Push+pop pairs (try_push then try_pop) on one queue in this thread. */
int bench_queue_local(const struct bench_cfg *cfg, struct bench_rate *out);
/* Elements from this process to a forked consumer through one queue. */
int bench_queue_spsc(const struct bench_cfg *cfg, enum bench_qmode mode,
		     struct bench_rate *out);
/* Round trips through two queues: push to the child, pop its echo. */
int bench_queue_pingpong(const struct bench_cfg *cfg, enum bench_qmode mode,
			 struct bench_rtt *out);

/* The same three over a pipe or socket pair; batch: BENCH_BATCH messages per syscall. */
int bench_fd_local(const struct bench_cfg *cfg, enum bench_fd_kind kind, struct bench_rate *out);
int bench_fd_spsc(const struct bench_cfg *cfg, enum bench_fd_kind kind, bool batch,
		  struct bench_rate *out);
int bench_fd_pingpong(const struct bench_cfg *cfg, enum bench_fd_kind kind,
		      struct bench_rtt *out);

/* Every figure of one benchmark run; a figure whose run failed has ok == false. */
struct bench_results {
	struct bench_rate local_queue, local_ring, local_fd[3]; /* local_fd by bench_fd_kind */
	struct bench_rate spsc[3];                              /* by bench_qmode */
	struct bench_rate spsc_ring, spsc_fd[3], spsc_stream_batch;
	struct bench_rtt rtt_line, rtt_queue[2];                /* rtt_queue: blocking, try */
	struct bench_rtt rtt_fd[3];
	double seconds; /* wall time of the whole run */
};

/* Print the table, the ratios and the verdict on each target (bench_report.c). */
void bench_report(const struct bench_cfg *cfg, const struct bench_results *res);

/* A minimal Lamport SPSC ring in shared memory: the ceiling for a queue. */
int bench_ring_local(const struct bench_cfg *cfg, struct bench_rate *out);
int bench_ring_spsc(const struct bench_cfg *cfg, struct bench_rate *out);
/* Two processes bouncing one cache line: the floor for a round trip. */
int bench_line_pingpong(const struct bench_cfg *cfg, struct bench_rtt *out);

#endif
