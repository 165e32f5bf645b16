/*
 * Description: the benchmark's report: one table per measurement with each
 * zeroipc figure beside its baselines and the ratios, then the verdict on
 * each target. Targets compare against the SOCK_STREAM socket pair carrying
 * one 8-byte message per syscall, and against the bounced cache line.
 */
#include "bench.h"

#include <stdio.h>

#define LABEL_W 42

/* Targets of the project, as ratios to the baselines. */
#define TARGET_SINGLE 10.0 /* SPSC single op >= 10 x unix socket */
#define TARGET_BATCH 50.0  /* SPSC batch of 64 >= 50 x unix socket */
#define TARGET_RTT 3.0	   /* ping-pong p50 <= 3 x cache-line floor */

static void rate_row(const char *label, const struct bench_rate *r, const struct bench_rate *ref)
{
	if (!r->ok) {
		printf("  %-*s %10s\n", LABEL_W, label, "failed");
		return;
	}
	printf("  %-*s %10.1f %10.3f", LABEL_W, label, r->ns_per_op, r->mops);
	if (ref->ok)
		printf(" %10.1f", r->mops / ref->mops);
	else
		printf(" %10s", "-");
	printf("   %.1f-%.1f\n", r->ns_min, r->ns_max);
}

static void rtt_row(const char *label, const struct bench_rtt *r, const struct bench_rtt *floor)
{
	if (!r->ok) {
		printf("  %-*s %9s\n", LABEL_W, label, "failed");
		return;
	}
	printf("  %-*s %9lld %9lld %9lld %9lld", LABEL_W, label, (long long)r->min,
	       (long long)r->p50, (long long)r->p99, (long long)r->max);
	if (floor->ok && floor->p50 > 0)
		printf(" %8.1f", (double)r->p50 / (double)floor->p50);
	printf("\n");
}

static void report_local(const struct bench_results *res)
{
	const struct bench_rate *ref = &res->local_fd[BENCH_STREAM];
	char label[64];

	printf("\n1. push+pop pairs in one process, one thread\n");
	printf("  %-*s %10s %10s %10s   %s\n", LABEL_W, "", "ns/pair", "M pairs/s", "x socket",
	       "ns range");
	rate_row("zeroipc queue try_push+try_pop", &res->local_queue, ref);
	rate_row("Lamport SPSC ring (reference)", &res->local_ring, ref);
	for (int k = 0; k < 3; k++) {
		snprintf(label, sizeof(label), "%s write+read", bench_fd_name(k));
		rate_row(label, &res->local_fd[k], ref);
	}
}

static void report_spsc(const struct bench_results *res)
{
	const struct bench_rate *ref = &res->spsc_fd[BENCH_STREAM];
	char label[64];

	printf("\n2. cross-process SPSC throughput, 8-byte elements\n");
	printf("  %-*s %10s %10s %10s   %s\n", LABEL_W, "", "ns/msg", "M msgs/s", "x socket",
	       "ns range");
	for (int m = 0; m < 3; m++) {
		snprintf(label, sizeof(label), "zeroipc %s", bench_qmode_name(m));
		rate_row(label, &res->spsc[m], ref);
	}
	rate_row("Lamport SPSC ring (reference)", &res->spsc_ring, ref);
	for (int k = 0; k < 3; k++) {
		snprintf(label, sizeof(label), "%s, 1 msg per syscall", bench_fd_name(k));
		rate_row(label, &res->spsc_fd[k], ref);
	}
	snprintf(label, sizeof(label), "%s, %d msgs per syscall", bench_fd_name(BENCH_STREAM),
		 BENCH_BATCH);
	rate_row(label, &res->spsc_stream_batch, ref);
}

static void report_rtt(const struct bench_results *res)
{
	char label[64];

	printf("\n3. ping-pong round trip between two processes (ns)\n");
	printf("  %-*s %9s %9s %9s %9s %8s\n", LABEL_W, "", "min", "p50", "p99", "max", "x floor");
	rtt_row("one cache line (floor)", &res->rtt_line, &res->rtt_line);
	rtt_row("Lamport SPSC rings (reference)", &res->rtt_ring, &res->rtt_line);
	for (int m = 0; m < 2; m++) {
		snprintf(label, sizeof(label), "zeroipc %s", bench_qmode_name(m));
		rtt_row(label, &res->rtt_queue[m], &res->rtt_line);
	}
	for (int k = 0; k < 3; k++)
		rtt_row(bench_fd_name(k), &res->rtt_fd[k], &res->rtt_line);
}

static void target_rate(const char *what, const struct bench_rate *r, const struct bench_rate *ref,
			double goal)
{
	double ratio;

	if (!r->ok || !ref->ok) {
		printf("  %-30s not measured\n", what);
		return;
	}
	ratio = r->mops / ref->mops;
	printf("  %-30s %8.2f M/s = %7.1f x unix socket (target >= %.0fx): %s\n", what, r->mops,
	       ratio, goal, ratio >= goal ? "MET" : "MISSED");
}

static void target_rtt(const char *what, const struct bench_rtt *r, const struct bench_rtt *floor,
		       double goal)
{
	double ratio;

	if (!r->ok || !floor->ok || floor->p50 <= 0) {
		printf("  %-30s not measured\n", what);
		return;
	}
	ratio = (double)r->p50 / (double)floor->p50;
	printf("  %-30s %8lld ns  = %7.1f x cache-line floor (target <= %.0fx): %s\n", what,
	       (long long)r->p50, ratio, goal, ratio <= goal ? "MET" : "MISSED");
}

void bench_report(const struct bench_cfg *cfg, const struct bench_results *res)
{
	const struct bench_rate *sock = &res->spsc_fd[BENCH_STREAM];

	printf("zeroipc queue benchmark: 8-byte elements, processes pinned to %s\n",
	       bench_cpus_describe());
	printf("%u round%s, each running every measurement once: throughputs are the median "
	       "round;\nping-pong pools %zu round trips over shared memory, %zu over the kernel\n",
	       cfg->reps, cfg->reps == 1 ? "" : "s", cfg->samples, cfg->sys_samples);
	report_local(res);
	report_spsc(res);
	report_rtt(res);

	printf("\ntargets (unix socket = %s, 1 msg per syscall)\n", bench_fd_name(BENCH_STREAM));
	target_rate("SPSC single op, blocking:", &res->spsc[BENCH_Q_BLOCKING], sock, TARGET_SINGLE);
	target_rate("SPSC single op, try+spin:", &res->spsc[BENCH_Q_TRY], sock, TARGET_SINGLE);
	target_rate("SPSC batch 64:", &res->spsc[BENCH_Q_BATCH], sock, TARGET_BATCH);
	target_rtt("ping-pong p50, blocking:", &res->rtt_queue[BENCH_Q_BLOCKING], &res->rtt_line,
		   TARGET_RTT);
	target_rtt("ping-pong p50, try+spin:", &res->rtt_queue[BENCH_Q_TRY], &res->rtt_line,
		   TARGET_RTT);
	printf("\ntotal time %.1f s\n", res->seconds);
}
