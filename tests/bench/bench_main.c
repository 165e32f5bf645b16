/*
 * Description: benchmark of the zeroipc queue against pipes, Unix sockets
 * and shared-memory references, all measured in the same run.
 *
 * Every measurement runs once per round and the rounds repeat (--reps), so
 * that a noisy machine (vCPUs migrating, neighbours) disturbs every figure
 * alike instead of whichever happened to run at the wrong moment.
 *
 * Usage: bench-queue [--quick] [--scale=F] [--reps=N] [--samples=N]
 * --quick is a smoke run of a second or two (used by the test suite; it
 * checks that every measurement runs and every element arrives in order,
 * never how fast). ZIPC_BENCH_SCALE=F in the environment acts as --scale.
 * Exit status: 0, or 1 when a measurement failed (never because of a
 * timing: missed targets are reported, not failed).
 */
#include "bench.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sized for about 30 s on a noisy 2-CPU VM. */
static const struct bench_cfg bench_defaults = {
	.reps = 5,
	.samples = 100000,
	.local_ops = 5000000,
	.local_sys_ops = 100000,
	.spsc_ops = 3000000,
	.spsc_batch_ops = 30000000,
	.sys_ops = 300000,
	.sys_batch_ops = 5000000,
	.sys_samples = 20000,
};

static const struct bench_cfg bench_quick = {
	.reps = 1,
	.samples = 2000,
	.local_ops = 100000,
	.local_sys_ops = 5000,
	.spsc_ops = 100000,
	.spsc_batch_ops = 500000,
	.sys_ops = 5000,
	.sys_batch_ops = 50000,
	.sys_samples = 1000,
};

static void bench_usage(FILE *f)
{
	fprintf(f,
		"usage: bench-queue [--quick] [--scale=F] [--reps=N] [--samples=N]\n"
		"  --quick      smoke run: tiny counts, one repetition\n"
		"  --scale=F    multiply every count by F (also ZIPC_BENCH_SCALE=F)\n"
		"  --reps=N     rounds, 1..%d (throughputs: the median round)\n"
		"  --samples=N  ping-pong round trips over shared memory\n",
		BENCH_REPS_MAX);
}

static uint64_t bench_scaled(uint64_t n, double scale)
{
	double v = (double)n * scale;

	return v < 1000 ? 1000 : (uint64_t)v;
}

static int bench_parse_double(const char *text, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(text, &end);
	return errno || end == text || *end || !(*out > 0) ? -EINVAL : 0;
}

static int bench_parse_count(const char *text, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(text, &end, 10);
	return errno || end == text || *end || *out == 0 || *out > max ? -EINVAL : 0;
}

static int bench_parse_args(int argc, char **argv, struct bench_cfg *cfg)
{
	static const struct option opts[] = {
		{"quick", no_argument, NULL, 'q'},
		{"scale", required_argument, NULL, 's'},
		{"reps", required_argument, NULL, 'r'},
		{"samples", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *env = getenv("ZIPC_BENCH_SCALE");
	double scale = 1;
	unsigned long reps = 0, samples = 0;
	int c;

	*cfg = bench_defaults;
	if (env && *env && bench_parse_double(env, &scale) < 0) {
		fprintf(stderr, "bench: bad ZIPC_BENCH_SCALE '%s'\n", env);
		return -EINVAL;
	}
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			*cfg = bench_quick;
			break;
		case 's':
			if (bench_parse_double(optarg, &scale) < 0)
				return -EINVAL;
			break;
		case 'r':
			if (bench_parse_count(optarg, BENCH_REPS_MAX, &reps) < 0)
				return -EINVAL;
			break;
		case 'n':
			if (bench_parse_count(optarg, 100000000, &samples) < 0)
				return -EINVAL;
			break;
		case 'h':
			bench_usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (optind != argc)
		return -EINVAL;
	cfg->local_ops = bench_scaled(cfg->local_ops, scale);
	cfg->local_sys_ops = bench_scaled(cfg->local_sys_ops, scale);
	cfg->spsc_ops = bench_scaled(cfg->spsc_ops, scale);
	cfg->spsc_batch_ops = bench_scaled(cfg->spsc_batch_ops, scale);
	cfg->sys_ops = bench_scaled(cfg->sys_ops, scale);
	cfg->sys_batch_ops = bench_scaled(cfg->sys_batch_ops, scale);
	cfg->samples = bench_scaled(cfg->samples, scale);
	cfg->sys_samples = bench_scaled(cfg->sys_samples, scale);
	if (reps > 0)
		cfg->reps = (unsigned)reps;
	if (samples > 0)
		cfg->samples = samples;
	return 0;
}

/* One figure: the measurement that gives it, and where it goes. */
struct rate_job {
	bench_rate_fn fn;
	int how;
	const char *what;
	struct bench_rate *out;
};

struct rtt_job {
	bench_rtt_fn fn;
	int how;
	const char *what;
	struct bench_rtt *out;
	size_t total; /* round trips to record over all rounds */
};

/* Report a failed round; the figure is skipped from then on and shows as "failed". */
static bool bench_failed(int err, const char *what, unsigned round, bool *failed)
{
	if (err >= 0)
		return false;
	fprintf(stderr, "bench: %s failed in round %u: %s\n", what, round + 1, strerror(-err));
	*failed = true;
	return true;
}

static void bench_run_rates(const struct bench_cfg *cfg, const struct rate_job *jobs, size_t njobs)
{
	for (unsigned round = 0; round < cfg->reps; round++)
		for (size_t j = 0; j < njobs; j++) {
			struct bench_rate *r = jobs[j].out;
			double ns = 0;

			if (!r->failed && !bench_failed(jobs[j].fn(cfg, jobs[j].how, &ns),
							jobs[j].what, round, &r->failed))
				r->runs[r->nruns++] = ns;
		}
	for (size_t j = 0; j < njobs; j++)
		bench_rate_finish(jobs[j].out);
}

/* Each round records its share of every figure's round trips. */
static void bench_run_rtts(const struct bench_cfg *cfg, const struct rtt_job *jobs, size_t njobs)
{
	for (size_t j = 0; j < njobs; j++) {
		struct bench_rtt *r = jobs[j].out;

		r->samples = malloc(jobs[j].total * sizeof(*r->samples));
		bench_failed(r->samples ? 0 : -ENOMEM, jobs[j].what, 0, &r->failed);
	}
	for (unsigned round = 0; round < cfg->reps; round++)
		for (size_t j = 0; j < njobs; j++) {
			struct bench_rtt *r = jobs[j].out;
			size_t share = (jobs[j].total - r->nsamples) / (cfg->reps - round);

			if (!r->failed && share > 0 &&
			    !bench_failed(jobs[j].fn(jobs[j].how, r->samples + r->nsamples, share),
					  jobs[j].what, round, &r->failed))
				r->nsamples += share;
		}
	for (size_t j = 0; j < njobs; j++)
		bench_rtt_finish(jobs[j].out);
}

static void bench_run_all(const struct bench_cfg *cfg, struct bench_results *res, int *status)
{
	struct rate_job rates[] = {
		{bench_queue_local, 0, "queue push+pop", &res->local_queue},
		{bench_ring_local, 0, "ring push+pop", &res->local_ring},
		{bench_fd_local, BENCH_PIPE, "pipe write+read", &res->local_fd[BENCH_PIPE]},
		{bench_fd_local, BENCH_STREAM, "stream write+read", &res->local_fd[BENCH_STREAM]},
		{bench_fd_local, BENCH_SEQPACKET, "seqpacket write+read",
		 &res->local_fd[BENCH_SEQPACKET]},
		{bench_queue_spsc, BENCH_Q_BLOCKING, "SPSC queue blocking",
		 &res->spsc[BENCH_Q_BLOCKING]},
		{bench_queue_spsc, BENCH_Q_TRY, "SPSC queue try", &res->spsc[BENCH_Q_TRY]},
		{bench_queue_spsc, BENCH_Q_BATCH, "SPSC queue batch", &res->spsc[BENCH_Q_BATCH]},
		{bench_ring_spsc, 0, "SPSC ring", &res->spsc_ring},
		{bench_fd_spsc, BENCH_PIPE, "SPSC pipe", &res->spsc_fd[BENCH_PIPE]},
		{bench_fd_spsc, BENCH_STREAM, "SPSC stream", &res->spsc_fd[BENCH_STREAM]},
		{bench_fd_spsc, BENCH_SEQPACKET, "SPSC seqpacket", &res->spsc_fd[BENCH_SEQPACKET]},
		{bench_fd_spsc_batch, BENCH_STREAM, "SPSC stream batch", &res->spsc_stream_batch},
	};
	struct rtt_job rtts[] = {
		{bench_line_pingpong, 0, "cache-line ping-pong", &res->rtt_line, cfg->samples},
		{bench_ring_pingpong, 0, "ring ping-pong", &res->rtt_ring, cfg->samples},
		{bench_queue_pingpong, BENCH_Q_BLOCKING, "queue ping-pong blocking",
		 &res->rtt_queue[BENCH_Q_BLOCKING], cfg->samples},
		{bench_queue_pingpong, BENCH_Q_TRY, "queue ping-pong try",
		 &res->rtt_queue[BENCH_Q_TRY], cfg->samples},
		{bench_fd_pingpong, BENCH_PIPE, "pipe ping-pong", &res->rtt_fd[BENCH_PIPE],
		 cfg->sys_samples},
		{bench_fd_pingpong, BENCH_STREAM, "stream ping-pong", &res->rtt_fd[BENCH_STREAM],
		 cfg->sys_samples},
		{bench_fd_pingpong, BENCH_SEQPACKET, "seqpacket ping-pong",
		 &res->rtt_fd[BENCH_SEQPACKET], cfg->sys_samples},
	};

	bench_run_rates(cfg, rates, sizeof(rates) / sizeof(rates[0]));
	bench_run_rtts(cfg, rtts, sizeof(rtts) / sizeof(rtts[0]));
	for (size_t j = 0; j < sizeof(rates) / sizeof(rates[0]); j++)
		*status |= !rates[j].out->ok;
	for (size_t j = 0; j < sizeof(rtts) / sizeof(rtts[0]); j++)
		*status |= !rtts[j].out->ok;
}

int main(int argc, char **argv)
{
	struct bench_results res = {0};
	struct bench_cfg cfg;
	int status = 0;
	int64_t t0;

	if (bench_parse_args(argc, argv, &cfg) < 0) {
		bench_usage(stderr);
		return 2;
	}
	/* A peer that died must show as EPIPE from write(), not kill us. */
	signal(SIGPIPE, SIG_IGN);
	bench_cpus_init();
	t0 = bench_now_ns();
	bench_run_all(&cfg, &res, &status);
	res.seconds = (double)(bench_now_ns() - t0) / 1e9;
	bench_report(&cfg, &res);
	return status;
}
