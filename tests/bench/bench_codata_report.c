/*
 * Description: the codata benchmark's report: one table per measurement,
 * each codata figure beside its same-run baseline with the ratio, then the
 * verdict on each target of the project:
 * - cached lazy force <= 2 x an acquire load + memcpy through a call;
 * - future set -> get wake-up p50 <= a pipe write -> read wake-up p50;
 * - unbuffered channel round trip p50 <= 1/5 of a pipe ping-pong p50.
 * Stream fan-out has no target: it is shown beside the queue's SPSC figure.
 */
#include "bench_codata.h"

#include <stdio.h>

#define LABEL_W 40

#define TARGET_LAZY 2.0	   /* cached force <= 2 x plain get */
#define TARGET_WAKE 1.0	   /* future wake-up <= 1 x pipe wake-up */
#define TARGET_CHANNEL 5.0 /* channel round trip <= pipe round trip / 5 */

static void rate_row(const char *label, const struct bench_rate *r, const struct bench_rate *ref)
{
	if (!r->ok) {
		printf("  %-*s %10s\n", LABEL_W, label, "failed");
		return;
	}
	printf("  %-*s %10.2f %10.2f", LABEL_W, label, r->ns_per_op, r->mops);
	if (ref && ref->ok)
		printf(" %10.2f", r->ns_per_op / ref->ns_per_op);
	else
		printf(" %10s", "-");
	printf("   %.2f-%.2f\n", r->ns_min, r->ns_max);
}

static void rtt_row(const char *label, const struct bench_rtt *r, const struct bench_rtt *ref)
{
	if (!r->ok) {
		printf("  %-*s %9s\n", LABEL_W, label, "failed");
		return;
	}
	printf("  %-*s %9lld %9lld %9lld %9lld", LABEL_W, label, (long long)r->min,
	       (long long)r->p50, (long long)r->p99, (long long)r->max);
	if (ref->ok && ref->p50 > 0 && ref->p99 > 0)
		printf(" %8.2f %8.2f", (double)r->p50 / (double)ref->p50,
		       (double)r->p99 / (double)ref->p99);
	printf("\n");
}

static void report_lazy(const struct cd_results *res)
{
	char label[64];

	printf("\n1. getting a computed lazy value, one process (ns per get)\n");
	printf("  %-*s %10s %10s %10s   %s\n", LABEL_W, "", "ns/get", "M gets/s", "x plain",
	       "ns range");
	for (int s = 0; s < CD_LAZY_SIZES; s++) {
		unsigned bytes = cd_lazy_count[s] * 8;

		snprintf(label, sizeof(label), "zipc_lazy_force, f64 x %u (%u B)", cd_lazy_count[s],
			 bytes);
		rate_row(label, &res->lazy[s], &res->plain[s]);
		snprintf(label, sizeof(label), "plain acquire + memcpy %u B (baseline)", bytes);
		rate_row(label, &res->plain[s], &res->plain[s]);
	}
}

static void report_wake(const struct cd_cfg *cfg, const struct cd_results *res)
{
	const struct bench_rtt *pipe = &res->wake[CD_WAKE_PIPE];

	printf("\n2. wake-up across processes: setter's clock stamp -> sleeping getter returns"
	       " (ns);\n   fresh future each round, setter waits %lld us after the getter starts"
	       " waiting\n",
	       (long long)(cfg->wake_delay_ns / 1000));
	printf("  %-*s %9s %9s %9s %9s %8s %8s\n", LABEL_W, "", "min", "p50", "p99", "max",
	       "p50/pipe", "p99/pipe");
	rtt_row("zipc_future_set -> zipc_future_get", &res->wake[CD_WAKE_FUTURE], pipe);
	rtt_row("pipe write -> read (baseline)", pipe, pipe);
}

static void report_rtt(const struct cd_results *res)
{
	printf("\n3. round trip between two processes, 8-byte values (ns)\n");
	printf("  %-*s %9s %9s %9s %9s %8s %8s\n", LABEL_W, "", "min", "p50", "p99", "max",
	       "p50/pipe", "p99/pipe");
	rtt_row("unbuffered channels, send + recv", &res->rtt_channel, &res->rtt_pipe);
	rtt_row("pipe ping-pong (baseline)", &res->rtt_pipe, &res->rtt_pipe);
}

static void fan_row(const char *label, const struct bench_rate *r, unsigned nsubs,
		    const struct bench_rate *ref)
{
	if (!r->ok) {
		printf("  %-*s %10s\n", LABEL_W, label, "failed");
		return;
	}
	printf("  %-*s %10.1f %10.2f %10.2f", LABEL_W, label, r->ns_per_op, r->mops,
	       r->mops * nsubs);
	if (ref->ok)
		printf(" %10.2f", r->mops * nsubs / ref->mops);
	else
		printf(" %10s", "-");
	printf("   %.1f-%.1f\n", r->ns_min, r->ns_max);
}

static void report_fanout(const struct cd_results *res)
{
	static const char *const mode_name[CD_STREAM_MODES] = {"emit/next", "batches of 64"};
	static const char *const queue_name[CD_STREAM_MODES] = {
		"queue push/pop SPSC (baseline)", "queue try_*_batch 64 SPSC (baseline)"};
	char label[64];

	printf("\n4. stream fan-out, block policy, 8-byte elements: one writer on the first CPU,"
	       "\n   subscribers sharing the second; every subscriber reads every element\n");
	printf("  %-*s %10s %10s %10s %10s   %s\n", LABEL_W, "", "ns/elem", "M/s per sub",
	       "M/s total", "x queue", "ns range");
	for (int m = 0; m < CD_STREAM_MODES; m++) {
		for (int f = 0; f < CD_FANOUTS; f++) {
			snprintf(label, sizeof(label), "stream %s, %u subscriber%s", mode_name[m],
				 cd_fanout[f], cd_fanout[f] == 1 ? "" : "s");
			fan_row(label, &res->fanout[m][f], cd_fanout[f], &res->queue[m]);
		}
		fan_row(queue_name[m], &res->queue[m], 1, &res->queue[m]);
	}
}

static void target_lazy(const char *what, const struct bench_rate *r, const struct bench_rate *ref)
{
	double ratio;

	if (!r->ok || !ref->ok || ref->ns_per_op <= 0) {
		printf("  %-34s not measured\n", what);
		return;
	}
	ratio = r->ns_per_op / ref->ns_per_op;
	printf("  %-34s %8.2f ns = %5.2f x plain get   (target <= %.0fx): %s\n", what,
	       r->ns_per_op, ratio, TARGET_LAZY, ratio <= TARGET_LAZY ? "MET" : "MISSED");
}

void cd_report(const struct cd_cfg *cfg, const struct cd_results *res)
{
	const struct bench_rtt *fw = &res->wake[CD_WAKE_FUTURE], *pw = &res->wake[CD_WAKE_PIPE];
	const struct bench_rtt *ch = &res->rtt_channel, *pp = &res->rtt_pipe;

	printf("zeroipc codata benchmark: processes pinned to %s\n", bench_cpus_describe());
	printf("%u round%s, each running every measurement once: rates are the median round;\n"
	       "latencies pool %zu wake-ups per transport, %zu channel and %zu pipe round trips\n",
	       cfg->reps, cfg->reps == 1 ? "" : "s", cfg->wake_samples, cfg->rtt_samples,
	       cfg->pipe_samples);
	report_lazy(res);
	report_wake(cfg, res);
	report_rtt(res);
	report_fanout(res);

	printf("\ntargets\n");
	target_lazy("cached lazy force, f64 x 1:", &res->lazy[0], &res->plain[0]);
	target_lazy("cached lazy force, 4 KiB:", &res->lazy[1], &res->plain[1]);
	if (fw->ok && pw->ok && pw->p50 > 0)
		printf("  %-34s %8lld ns = %5.2f x pipe wake-up (target <= %.0fx): %s"
		       " (p99 %.2fx)\n",
		       "future wake-up p50:", (long long)fw->p50,
		       (double)fw->p50 / (double)pw->p50, TARGET_WAKE,
		       (double)fw->p50 <= TARGET_WAKE * (double)pw->p50 ? "MET" : "MISSED",
		       pw->p99 > 0 ? (double)fw->p99 / (double)pw->p99 : 0.0);
	else
		printf("  %-34s not measured\n", "future wake-up p50:");
	if (ch->ok && pp->ok && ch->p50 > 0)
		printf("  %-34s %8lld ns = 1/%.1f of pipe       (target <= 1/%.0f): %s\n",
		       "unbuffered channel round trip p50:", (long long)ch->p50,
		       (double)pp->p50 / (double)ch->p50, TARGET_CHANNEL,
		       (double)ch->p50 * TARGET_CHANNEL <= (double)pp->p50 ? "MET" : "MISSED");
	else
		printf("  %-34s not measured\n", "unbuffered channel round trip p50:");
	printf("  %-34s no target: shown beside the queue's SPSC figure\n", "stream fan-out:");
	printf("\ntotal time %.1f s\n", res->seconds);
}
