/*
 * Description: helpers shared by the benchmark's measurements: the clock,
 * bounded spinning, CPU pinning, running a measurement as two pinned
 * processes (fork, start barrier, kill-and-reap on failure) and statistics.
 *
 * Every wait here is bounded (BENCH_STALL_NS), so a peer that dies turns a
 * measurement into an error instead of a hang.
 */
#ifndef ZEROIPC_BENCH_UTIL_H
#define ZEROIPC_BENCH_UTIL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Longest any single wait of a measurement may take before it is an error. */
#define BENCH_STALL_NS (10 * 1000000000LL)

/* CLOCK_MONOTONIC in ns: one clock for both processes of a measurement. */
int64_t bench_now_ns(void);

/*
 * Pick two CPUs from this process's affinity mask and pin the caller to the
 * first; children of bench_pair_run() pin to the second. With one CPU
 * nothing is pinned and spinning yields the CPU instead (see bench_spin).
 */
void bench_cpus_init(void);
/* "CPU 0 and CPU 1" or "none (1 CPU)": for the report header. */
const char *bench_cpus_describe(void);

/*
 * State shared by the two processes of one measurement, in an anonymous
 * MAP_SHARED mapping. Fields the two sides write are on separate lines.
 */
struct bench_ctl {
	_Alignas(64) atomic_int arrived; /* start barrier: processes arrived */
	atomic_int failed;		 /* set by either side on an error */
	int nproc;			 /* processes at the barrier (bench_group_run) */
	_Alignas(64) int64_t t_start;	 /* written by the side that starts the clock */
	_Alignas(64) int64_t t_end;	 /* written by the side that stops it */
};

/* One side of a measurement: 0 on success, negative errno on failure. */
typedef int (*bench_role_fn)(void *arg, struct bench_ctl *ctl);

/*
 * Fork a child pinned to the second CPU that runs child_fn(arg, ctl), run
 * parent_fn(arg, ctl) here, then reap the child (killing it if the parent
 * side failed or it outlives BENCH_STALL_NS). *times receives the ctl's
 * t_start and t_end. Returns 0, or a negative errno when either side failed.
 */
int bench_pair_run(bench_role_fn parent_fn, bench_role_fn child_fn, void *arg, int64_t times[2]);

/*
 * The same with nchildren (1..BENCH_CHILDREN_MAX) children, all pinned to
 * the second CPU; they learn their number from bench_self. The barrier of
 * bench_sync() then waits for all nchildren + 1 processes. Any side's
 * failure kills and reaps every child.
 */
#define BENCH_CHILDREN_MAX 16
int bench_group_run(bench_role_fn parent_fn, bench_role_fn child_fn, void *arg,
		    unsigned nchildren, int64_t times[2]);

/* In a process of bench_group_run(): 0 in the parent, 1..nchildren in the children. */
extern unsigned bench_self;

/* Start barrier of all processes of a run. Returns 0, -ECANCELED (peer failed), -ETIMEDOUT. */
int bench_sync(struct bench_ctl *ctl);

/* Record that this side failed, so that the peer's waits end early. */
void bench_fail(struct bench_ctl *ctl);

/*
 * Bounded busy-waiting. Declare `struct bench_spin s = bench_spin_init(ctl);`
 * before a wait and call bench_spin(&s) once per unsuccessful poll: it
 * returns 0 to go on, -ETIMEDOUT after BENCH_STALL_NS, -ECANCELED when the
 * peer failed. The clock is read only every 64k polls, so a short wait costs
 * no clock read at all.
 */
struct bench_spin {
	unsigned n;
	int64_t deadline;
	const struct bench_ctl *ctl;
};

/* True when only one CPU is allowed: spinning then yields it to the peer. */
extern bool bench_one_cpu;

static inline struct bench_spin bench_spin_init(const struct bench_ctl *ctl)
{
	return (struct bench_spin){.n = 0, .deadline = 0, .ctl = ctl};
}

int bench_spin_slow(struct bench_spin *s);

static inline int bench_spin(struct bench_spin *s)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
	if ((++s->n & 0xffffu) == 0 || bench_one_cpu)
		return bench_spin_slow(s);
	return 0;
}

/* Report a received element that is not the one expected. Returns -EBADMSG. */
int bench_mismatch(uint64_t got, uint64_t want);

/* Write or read exactly len bytes. Returns 0, -EPIPE on EOF, or -errno. */
int bench_write_full(int fd, const void *buf, size_t len);
int bench_read_full(int fd, void *buf, size_t len);

/* Most rounds of measurements (throughputs report the median round). */
#define BENCH_REPS_MAX 25

/* A throughput: ns per operation of each round, then their median. */
struct bench_rate {
	double runs[BENCH_REPS_MAX];
	unsigned nruns;
	bool failed; /* a round failed: the figure is not reported */
	/* Set by bench_rate_finish(): */
	double ns_per_op;
	double mops;	       /* million operations per second */
	double ns_min, ns_max; /* fastest and slowest round */
	bool ok;	       /* measured without error */
};

/* A round-trip latency distribution, in ns. */
struct bench_rtt {
	int64_t *samples; /* malloc'ed; nsamples of them recorded so far */
	size_t nsamples;
	bool failed; /* a round failed: the figure is not reported */
	/* Set by bench_rtt_finish(): */
	int64_t min, p50, p99, max;
	bool ok;
};

/* Compute the figures of a throughput from its rounds. */
void bench_rate_finish(struct bench_rate *r);

/* Compute the figures of a distribution from its samples (sorted, then freed). */
void bench_rtt_finish(struct bench_rtt *r);

#endif
