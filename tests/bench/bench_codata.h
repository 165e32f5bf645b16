/*
 * Description: the measurements of the codata benchmark (bench-codata) and
 * their settings.
 *
 * Each codata figure has a baseline measured in the same run:
 * bench_codata_lazy.c  cached zipc_lazy_force vs an acquire load and a
 *                      memcpy through a non-inlined call;
 * bench_codata_wake.c  future set -> get wake-up across processes vs a pipe
 *                      write -> read wake-up, measured the same way;
 * bench_codata_chan.c  unbuffered channel round trip vs a pipe ping-pong
 *                      (bench_fd_pingpong of the queue benchmark);
 * bench_codata_stream.c stream fan-out to 1, 2 and 4 subscribers vs the
 *                      queue's SPSC throughput (bench_queue_spsc).
 * bench_codata_main.c runs them in interleaved rounds and
 * bench_codata_report.c prints the tables and the verdict on each target.
 * Segments are named zipc-bench-codata-PID-N (bench_codata_seg.c) and are
 * unlinked once both sides hold them and again after every run.
 */
#ifndef ZEROIPC_BENCH_CODATA_H
#define ZEROIPC_BENCH_CODATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zeroipc/zeroipc.h>

#include "bench.h"

/* The lazy values measured: f64 x 1 and f64 x 512 (4 KiB). */
#define CD_LAZY_SIZES 2
/* Stream fan-out: 1, 2 and 4 subscribers; single elements or batches of BENCH_BATCH. */
#define CD_FANOUTS 3
#define CD_STREAM_MODES 2

struct cd_cfg {
	unsigned reps;		    /* rounds of every measurement (1..BENCH_REPS_MAX) */
	uint64_t lazy_ops[CD_LAZY_SIZES]; /* gets per run, by value size */
	size_t wake_samples;	    /* wake-ups recorded over all rounds, per transport */
	size_t rtt_samples;	    /* channel round trips recorded over all rounds */
	size_t pipe_samples;	    /* pipe round trips recorded over all rounds */
	uint64_t stream_ops[CD_STREAM_MODES]; /* elements per fan-out run, by mode */
	struct bench_cfg queue;	    /* the queue baseline's counts (spsc_ops, spsc_batch_ops) */
	int64_t wake_delay_ns;	    /* setter's pause: the getter spins, then sleeps */
};

extern const uint32_t cd_lazy_count[CD_LAZY_SIZES];
extern const unsigned cd_fanout[CD_FANOUTS];

/* Wake-up transports. */
enum cd_wake_kind {
	CD_WAKE_FUTURE,
	CD_WAKE_PIPE,
};

/* Stream modes: zipc_stream_emit/next, or emit_batch/next_batch of BENCH_BATCH. */
enum cd_stream_mode {
	CD_STREAM_SINGLE,
	CD_STREAM_BATCH,
};

/* ns per get of a cached lazy of cd_lazy_count[size] f64 (plain: the baseline). */
int cd_lazy_force(const struct cd_cfg *cfg, int size, double *ns);
int cd_plain_get(const struct cd_cfg *cfg, int size, double *ns);

/* n wake-ups, in ns from the setter's stamp to the getter's return, into samples. */
int cd_wake(const struct cd_cfg *cfg, int kind, int64_t *samples, size_t n);

/* n unbuffered channel round trips (after n / 10 + 100 of warm-up), in ns. */
int cd_channel_pingpong(const struct cd_cfg *cfg, int how, int64_t *samples, size_t n);

/*
 * One writer, nsubs subscribers (block policy, 8-byte elements): ns per
 * element as seen by one subscriber, from the first emit to the last
 * subscriber's last element.
 */
int cd_stream_fanout(const struct cd_cfg *cfg, int mode, unsigned nsubs, double *ns);

/* Segments of the codata benchmark (bench_codata_seg.c). */
#define CD_NAME_MAX 64
/* Create a new segment zipc-bench-codata-PID-N into name, open in *seg. */
int cd_seg_create(char name[CD_NAME_MAX], uint64_t size, uint32_t max_entries,
		  struct zipc_segment **seg);
/* Report a zeroipc error with zipc_last_error(). Returns err. */
int cd_err(const char *what, const char *name, int err);
/* A zeroed MAP_SHARED anonymous mapping (both processes see it after fork), or NULL. */
void *cd_shared_alloc(size_t size);
void cd_shared_free(void *p, size_t size);

struct cd_results {
	struct bench_rate lazy[CD_LAZY_SIZES], plain[CD_LAZY_SIZES];
	struct bench_rtt wake[2]; /* by cd_wake_kind */
	struct bench_rtt rtt_channel, rtt_pipe;
	struct bench_rate fanout[CD_STREAM_MODES][CD_FANOUTS];
	struct bench_rate queue[CD_STREAM_MODES]; /* queue SPSC: blocking, batch */
	double seconds;
};

void cd_report(const struct cd_cfg *cfg, const struct cd_results *res);

#endif
