/*
 * Description: the measurements of the queue benchmark and their settings.
 *
 * Each zeroipc figure has baselines taken in the same run (bench_main.c runs
 * them, bench_report.c prints them side by side): bench_queue.c measures the
 * queue, bench_fd.c pipes and Unix sockets, bench_shm.c the shared-memory
 * references (one bounced cache line, a minimal SPSC ring).
 */
#ifndef ZEROIPC_BENCH_H
#define ZEROIPC_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench_util.h"

/* Elements per batch in the batched measurements. */
#define BENCH_BATCH 64

struct bench_cfg {
	unsigned reps;		 /* 1..BENCH_REPS_MAX rounds of every measurement */
	size_t samples;		 /* ping-pong round trips recorded over shared memory */
	uint64_t local_ops;	 /* push+pop pairs in one thread, shared memory */
	uint64_t local_sys_ops;	 /* write+read pairs in one thread, pipes and sockets */
	uint64_t spsc_ops;	 /* elements per cross-process run, single operations */
	uint64_t spsc_batch_ops; /* elements per cross-process run, batches */
	uint64_t sys_ops;	 /* messages per run, one per syscall */
	uint64_t sys_batch_ops;	 /* messages per run, BENCH_BATCH per syscall */
	size_t sys_samples;	 /* ping-pong round trips over pipes and sockets */
};

/* How the queue measurements drive the queue. */
enum bench_qmode {
	BENCH_Q_BLOCKING, /* zipc_queue_push / zipc_queue_pop */
	BENCH_Q_TRY,	  /* zipc_queue_try_push / try_pop, spinning on -EAGAIN */
	BENCH_Q_BATCH,	  /* zipc_queue_try_push_batch / try_pop_batch of BENCH_BATCH */
};

/* The kernel transports of the baselines. */
enum bench_fd_kind {
	BENCH_PIPE,
	BENCH_STREAM,	 /* socketpair(AF_UNIX, SOCK_STREAM) */
	BENCH_SEQPACKET, /* socketpair(AF_UNIX, SOCK_SEQPACKET) */
};

const char *bench_qmode_name(enum bench_qmode mode);
const char *bench_fd_name(enum bench_fd_kind kind);

/*
 * A measurement is one run of one transport; bench_main.c repeats them,
 * interleaved, so that a noisy machine disturbs every figure alike. `how`
 * is the variant: a bench_qmode for the queue, a bench_fd_kind for the
 * kernel transports, unused otherwise. Each returns 0 or a negative errno.
 */
/* A throughput run: ns per operation (or per message) in *ns. */
typedef int (*bench_rate_fn)(const struct bench_cfg *cfg, int how, double *ns);
/* A ping-pong run: n round trips, in ns, into samples (after n / 10 + 100 of warm-up). */
typedef int (*bench_rtt_fn)(int how, int64_t *samples, size_t n);

/* Push+pop pairs (try_push then try_pop) on one queue in this thread. */
int bench_queue_local(const struct bench_cfg *cfg, int how, double *ns);
/* Elements from this process to a forked consumer through one queue. */
int bench_queue_spsc(const struct bench_cfg *cfg, int mode, double *ns);
/* Round trips through two queues: push to the child, pop its echo. */
int bench_queue_pingpong(int mode, int64_t *samples, size_t n);

/* The same over a pipe or socket pair, one message per syscall... */
int bench_fd_local(const struct bench_cfg *cfg, int kind, double *ns);
int bench_fd_spsc(const struct bench_cfg *cfg, int kind, double *ns);
int bench_fd_pingpong(int kind, int64_t *samples, size_t n);
/* ... or BENCH_BATCH messages per syscall. */
int bench_fd_spsc_batch(const struct bench_cfg *cfg, int kind, double *ns);

/* A minimal Lamport SPSC ring in shared memory: the reference for a queue. */
int bench_ring_local(const struct bench_cfg *cfg, int how, double *ns);
int bench_ring_spsc(const struct bench_cfg *cfg, int how, double *ns);
/* Round trips through two such rings. */
int bench_ring_pingpong(int how, int64_t *samples, size_t n);
/* Two processes bouncing one cache line: the floor for a round trip. */
int bench_line_pingpong(int how, int64_t *samples, size_t n);

/* Every figure of one benchmark run; a figure whose runs failed has ok == false. */
struct bench_results {
	struct bench_rate local_queue, local_ring, local_fd[3]; /* local_fd by bench_fd_kind */
	struct bench_rate spsc[3];				/* by bench_qmode */
	struct bench_rate spsc_ring, spsc_fd[3], spsc_stream_batch;
	struct bench_rtt rtt_line, rtt_ring, rtt_queue[2]; /* rtt_queue: blocking, try */
	struct bench_rtt rtt_fd[3];
	double seconds; /* wall time of the whole run */
};

/* Print the table, the ratios and the verdict on each target (bench_report.c). */
void bench_report(const struct bench_cfg *cfg, const struct bench_results *res);

#endif
