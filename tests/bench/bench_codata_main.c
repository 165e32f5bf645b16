/*
 * Description: benchmark of the codata structures (Lazy, Future, Channel,
 * Stream), each figure beside a baseline measured in the same run
 * (bench_codata.h lists them). As in the queue benchmark, every measurement
 * runs once per round and the rounds repeat (--reps), interleaved, so that
 * a noisy machine disturbs every figure alike.
 *
 * Usage: bench-codata [--quick] [--scale=F] [--reps=N] [--samples=N]
 * --quick is a smoke run of a few seconds (used by the test suite; it checks
 * that every measurement runs and every value arrives, never how fast).
 * ZIPC_BENCH_SCALE=F in the environment acts as --scale. The options are
 * those of bench-queue, so that scripts/bench passes its arguments to both.
 * Exit status: 0, or 1 when a measurement failed (never because of a
 * timing: missed targets are reported, not failed).
 */
#include "bench_codata.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sized for well under a minute on a noisy 2-CPU VM. */
static const struct cd_cfg cd_defaults = {
	.reps = 5,
	.lazy_ops = {20000000, 2000000},
	.wake_samples = 3000,
	.rtt_samples = 50000,
	.pipe_samples = 20000,
	.stream_ops = {200000, 1000000},
	.queue = {.spsc_ops = 200000, .spsc_batch_ops = 1000000},
	.wake_delay_ns = 200000,
};

static const struct cd_cfg cd_quick = {
	.reps = 1,
	.lazy_ops = {100000, 10000},
	.wake_samples = 50,
	.rtt_samples = 1000,
	.pipe_samples = 500,
	.stream_ops = {20000, 100000},
	.queue = {.spsc_ops = 20000, .spsc_batch_ops = 100000},
	.wake_delay_ns = 200000,
};

static void cd_usage(FILE *f)
{
	fprintf(f,
		"usage: bench-codata [--quick] [--scale=F] [--reps=N] [--samples=N]\n"
		"  --quick      smoke run: tiny counts, one repetition\n"
		"  --scale=F    multiply every count by F (also ZIPC_BENCH_SCALE=F)\n"
		"  --reps=N     rounds, 1..%d (throughputs: the median round)\n"
		"  --samples=N  unbuffered channel round trips\n",
		BENCH_REPS_MAX);
}

static uint64_t cd_scaled(uint64_t n, double scale, uint64_t min)
{
	double v = (double)n * scale;

	return v < (double)min ? min : (uint64_t)v;
}

static int cd_parse_args(int argc, char **argv, struct cd_cfg *cfg)
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
	char *end;
	int c;

	*cfg = cd_defaults;
	if (env && *env) {
		scale = strtod(env, &end);
		if (*end || !(scale > 0)) {
			fprintf(stderr, "bench: bad ZIPC_BENCH_SCALE '%s'\n", env);
			return -EINVAL;
		}
	}
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			*cfg = cd_quick;
			break;
		case 's':
			scale = strtod(optarg, &end);
			if (*end || end == optarg || !(scale > 0))
				return -EINVAL;
			break;
		case 'r':
			reps = strtoul(optarg, &end, 10);
			if (*end || end == optarg || reps < 1 || reps > BENCH_REPS_MAX)
				return -EINVAL;
			break;
		case 'n':
			samples = strtoul(optarg, &end, 10);
			if (*end || end == optarg || samples < 1 || samples > 100000000)
				return -EINVAL;
			break;
		case 'h':
			cd_usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (optind != argc)
		return -EINVAL;
	for (int i = 0; i < CD_LAZY_SIZES; i++)
		cfg->lazy_ops[i] = cd_scaled(cfg->lazy_ops[i], scale, 1000);
	for (int i = 0; i < CD_STREAM_MODES; i++)
		cfg->stream_ops[i] = cd_scaled(cfg->stream_ops[i], scale, 1000);
	cfg->queue.spsc_ops = cd_scaled(cfg->queue.spsc_ops, scale, 1000);
	cfg->queue.spsc_batch_ops = cd_scaled(cfg->queue.spsc_batch_ops, scale, 1000);
	cfg->wake_samples = cd_scaled(cfg->wake_samples, scale, 10);
	cfg->rtt_samples = cd_scaled(cfg->rtt_samples, scale, 100);
	cfg->pipe_samples = cd_scaled(cfg->pipe_samples, scale, 100);
	if (reps > 0)
		cfg->reps = (unsigned)reps;
	if (samples > 0)
		cfg->rtt_samples = samples;
	return 0;
}

/* The measurements, in one signature each: a figure's variant is (a, b). */
typedef int (*cd_rate_fn)(const struct cd_cfg *cfg, int a, int b, double *ns);
typedef int (*cd_rtt_fn)(const struct cd_cfg *cfg, int how, int64_t *samples, size_t n);

static int rate_lazy(const struct cd_cfg *cfg, int size, int b, double *ns)
{
	(void)b;
	return cd_lazy_force(cfg, size, ns);
}

static int rate_plain(const struct cd_cfg *cfg, int size, int b, double *ns)
{
	(void)b;
	return cd_plain_get(cfg, size, ns);
}

static int rate_fanout(const struct cd_cfg *cfg, int mode, int nsubs, double *ns)
{
	return cd_stream_fanout(cfg, mode, (unsigned)nsubs, ns);
}

static int rate_queue(const struct cd_cfg *cfg, int mode, int b, double *ns)
{
	(void)b;
	return bench_queue_spsc(&cfg->queue,
				mode == CD_STREAM_SINGLE ? BENCH_Q_BLOCKING : BENCH_Q_BATCH, ns);
}

static int rtt_pipe(const struct cd_cfg *cfg, int how, int64_t *samples, size_t n)
{
	(void)cfg;
	(void)how;
	return bench_fd_pingpong(BENCH_PIPE, samples, n);
}

struct rate_job {
	cd_rate_fn fn;
	int a, b;
	const char *what;
	struct bench_rate *out;
};

struct rtt_job {
	cd_rtt_fn fn;
	int how;
	const char *what;
	struct bench_rtt *out;
	size_t total; /* samples to record over all rounds */
};

static bool cd_failed(int err, const char *what, unsigned round, bool *failed)
{
	if (err >= 0)
		return false;
	fprintf(stderr, "bench: %s failed in round %u: %s\n", what, round + 1, strerror(-err));
	*failed = true;
	return true;
}

/* Each round runs every measurement once: rates record a run, rtts their share of samples. */
static void cd_run(const struct cd_cfg *cfg, struct rate_job *rates, size_t nrates,
		   struct rtt_job *rtts, size_t nrtts)
{
	for (size_t j = 0; j < nrtts; j++) {
		struct bench_rtt *r = rtts[j].out;

		r->samples = malloc(rtts[j].total * sizeof(*r->samples));
		cd_failed(r->samples ? 0 : -ENOMEM, rtts[j].what, 0, &r->failed);
	}
	for (unsigned round = 0; round < cfg->reps; round++) {
		for (size_t j = 0; j < nrates; j++) {
			struct bench_rate *r = rates[j].out;
			double ns = 0;

			if (!r->failed &&
			    !cd_failed(rates[j].fn(cfg, rates[j].a, rates[j].b, &ns), rates[j].what,
				       round, &r->failed))
				r->runs[r->nruns++] = ns;
		}
		for (size_t j = 0; j < nrtts; j++) {
			struct bench_rtt *r = rtts[j].out;
			size_t share = (rtts[j].total - r->nsamples) / (cfg->reps - round);

			if (!r->failed && share > 0 &&
			    !cd_failed(rtts[j].fn(cfg, rtts[j].how, r->samples + r->nsamples, share),
				       rtts[j].what, round, &r->failed))
				r->nsamples += share;
		}
	}
	for (size_t j = 0; j < nrates; j++)
		bench_rate_finish(rates[j].out);
	for (size_t j = 0; j < nrtts; j++)
		bench_rtt_finish(rtts[j].out);
}

static int cd_run_all(const struct cd_cfg *cfg, struct cd_results *res)
{
	static const char *const lazy_what[CD_LAZY_SIZES] = {"lazy force f64", "lazy force 4 KiB"};
	static const char *const plain_what[CD_LAZY_SIZES] = {"plain get f64", "plain get 4 KiB"};
	static const char *const fan_what[CD_STREAM_MODES][CD_FANOUTS] = {
		{"stream fan-out 1", "stream fan-out 2", "stream fan-out 4"},
		{"stream batch fan-out 1", "stream batch fan-out 2", "stream batch fan-out 4"},
	};
	static const char *const queue_what[CD_STREAM_MODES] = {"SPSC queue blocking",
								"SPSC queue batch"};
	struct rate_job rates[2 * CD_LAZY_SIZES + CD_STREAM_MODES * (CD_FANOUTS + 1)];
	struct rtt_job rtts[] = {
		{cd_wake, CD_WAKE_FUTURE, "future wake-up", &res->wake[CD_WAKE_FUTURE],
		 cfg->wake_samples},
		{cd_wake, CD_WAKE_PIPE, "pipe wake-up", &res->wake[CD_WAKE_PIPE], cfg->wake_samples},
		{cd_channel_pingpong, 0, "channel round trip", &res->rtt_channel, cfg->rtt_samples},
		{rtt_pipe, 0, "pipe ping-pong", &res->rtt_pipe, cfg->pipe_samples},
	};
	size_t nrates = 0;
	int status = 0;

	for (int s = 0; s < CD_LAZY_SIZES; s++) {
		rates[nrates++] = (struct rate_job){rate_lazy, s, 0, lazy_what[s], &res->lazy[s]};
		rates[nrates++] = (struct rate_job){rate_plain, s, 0, plain_what[s], &res->plain[s]};
	}
	for (int m = 0; m < CD_STREAM_MODES; m++) {
		for (int f = 0; f < CD_FANOUTS; f++)
			rates[nrates++] = (struct rate_job){rate_fanout, m, (int)cd_fanout[f],
							    fan_what[m][f], &res->fanout[m][f]};
		rates[nrates++] = (struct rate_job){rate_queue, m, 0, queue_what[m], &res->queue[m]};
	}
	cd_run(cfg, rates, nrates, rtts, sizeof(rtts) / sizeof(rtts[0]));
	for (size_t j = 0; j < nrates; j++)
		status |= !rates[j].out->ok;
	for (size_t j = 0; j < sizeof(rtts) / sizeof(rtts[0]); j++)
		status |= !rtts[j].out->ok;
	return status;
}

int main(int argc, char **argv)
{
	struct cd_results res = {0};
	struct cd_cfg cfg;
	int status;
	int64_t t0;

	if (cd_parse_args(argc, argv, &cfg) < 0) {
		cd_usage(stderr);
		return 2;
	}
	/* A peer that died must show as EPIPE from write(), not kill us. */
	signal(SIGPIPE, SIG_IGN);
	bench_cpus_init();
	t0 = bench_now_ns();
	status = cd_run_all(&cfg, &res);
	res.seconds = (double)(bench_now_ns() - t0) / 1e9;
	cd_report(&cfg, &res);
	return status;
}
