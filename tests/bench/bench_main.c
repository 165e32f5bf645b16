/*
 * Description: benchmark of the zeroipc queue against pipes, Unix sockets
 * and the physical floors, all measured in the same run.
 *
 * Usage: bench_queue [--quick] [--scale=F] [--reps=N] [--samples=N]
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

/* Sized for about 40 s on a noisy 2-CPU VM. */
static const struct bench_cfg bench_defaults = {
	.reps = 5,
	.samples = 100000,
	.local_ops = 10000000,
	.local_sys_ops = 200000,
	.spsc_ops = 10000000,
	.spsc_batch_ops = 50000000,
	.sys_ops = 500000,
	.sys_batch_ops = 5000000,
	.sys_samples = 50000,
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
	fprintf(f, "usage: bench_queue [--quick] [--scale=F] [--reps=N] [--samples=N]\n"
		   "  --quick      smoke run: tiny counts, one repetition\n"
		   "  --scale=F    multiply message counts by F (also ZIPC_BENCH_SCALE=F)\n"
		   "  --reps=N     throughput repetitions, 1..%d (median reported)\n"
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

static int bench_parse_args(int argc, char **argv, struct bench_cfg *cfg)
{
	static const struct option opts[] = {
		{"quick", no_argument, NULL, 'q'},   {"scale", required_argument, NULL, 's'},
		{"reps", required_argument, NULL, 'r'}, {"samples", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},    {NULL, 0, NULL, 0},
	};
	const char *env = getenv("ZIPC_BENCH_SCALE");
	double scale = 1, reps = 0, samples = 0;
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
			if (bench_parse_double(optarg, &reps) < 0 || reps > BENCH_REPS_MAX)
				return -EINVAL;
			break;
		case 'n':
			if (bench_parse_double(optarg, &samples) < 0 || samples < 10)
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
	if (reps > 0)
		cfg->reps = (unsigned)reps;
	if (samples > 0)
		cfg->samples = (size_t)samples;
	return 0;
}

/* Note a failed measurement; the report shows it as "failed". */
static void bench_check(int err, const char *what, int *status)
{
	if (err < 0) {
		fprintf(stderr, "bench: %s failed: %s\n", what, strerror(-err));
		*status = 1;
	}
}

static void bench_run_all(const struct bench_cfg *cfg, struct bench_results *res, int *status)
{
	static const enum bench_fd_kind kinds[] = {BENCH_PIPE, BENCH_STREAM, BENCH_SEQPACKET};
	static const enum bench_qmode modes[] = {BENCH_Q_BLOCKING, BENCH_Q_TRY, BENCH_Q_BATCH};

	bench_check(bench_queue_local(cfg, &res->local_queue), "local queue", status);
	bench_check(bench_ring_local(cfg, &res->local_ring), "local ring", status);
	for (int k = 0; k < 3; k++)
		bench_check(bench_fd_local(cfg, kinds[k], &res->local_fd[k]), bench_fd_name(kinds[k]),
			    status);

	for (int m = 0; m < 3; m++)
		bench_check(bench_queue_spsc(cfg, modes[m], &res->spsc[m]),
			    bench_qmode_name(modes[m]), status);
	bench_check(bench_ring_spsc(cfg, &res->spsc_ring), "SPSC ring", status);
	for (int k = 0; k < 3; k++)
		bench_check(bench_fd_spsc(cfg, kinds[k], false, &res->spsc_fd[k]),
			    bench_fd_name(kinds[k]), status);
	bench_check(bench_fd_spsc(cfg, BENCH_STREAM, true, &res->spsc_stream_batch),
		    "batched stream socket", status);

	bench_check(bench_line_pingpong(cfg, &res->rtt_line), "cache-line ping-pong", status);
	for (int m = 0; m < 2; m++)
		bench_check(bench_queue_pingpong(cfg, modes[m], &res->rtt_queue[m]),
			    bench_qmode_name(modes[m]), status);
	for (int k = 0; k < 3; k++)
		bench_check(bench_fd_pingpong(cfg, kinds[k], &res->rtt_fd[k]),
			    bench_fd_name(kinds[k]), status);
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
