/*
 * Description: the benchmark's clock, CPU pinning, bounded spinning, the
 * two-process runner and statistics (see bench_util.h).
 *
 * The runner follows libuv's TEST_HELPER pairs: the measurement's two roles
 * run in a parent and a forked child that share one anonymous mapping for
 * the barrier and the timestamps. The child dies with its parent
 * (PR_SET_PDEATHSIG) and is always reaped, by SIGKILL if need be.
 */
#include "bench_util.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

bool bench_one_cpu;
unsigned bench_self;
static int bench_cpu[2] = {-1, -1};
static char bench_cpu_text[48] = "none";

int64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void bench_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		fprintf(stderr, "bench: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
}

void bench_cpus_init(void)
{
	cpu_set_t set;
	int found = 0;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		CPU_ZERO(&set);
	for (int cpu = 0; cpu < CPU_SETSIZE && found < 2; cpu++)
		if (CPU_ISSET(cpu, &set))
			bench_cpu[found++] = cpu;
	if (found < 2) {
		bench_cpu[0] = bench_cpu[1] = -1;
		bench_one_cpu = true;
		snprintf(bench_cpu_text, sizeof(bench_cpu_text), "none (1 CPU)");
		return;
	}
	bench_pin(bench_cpu[0]);
	snprintf(bench_cpu_text, sizeof(bench_cpu_text), "CPU %d and CPU %d", bench_cpu[0],
		 bench_cpu[1]);
}

const char *bench_cpus_describe(void)
{
	return bench_cpu_text;
}

int bench_spin_slow(struct bench_spin *s)
{
	int64_t now;

	if (bench_one_cpu)
		sched_yield();
	if ((s->n & 0xffffu) != 0)
		return 0;
	/* relaxed: the flag only ends waits early; nothing is published through it */
	if (s->ctl && atomic_load_explicit(&s->ctl->failed, memory_order_relaxed))
		return -ECANCELED;
	now = bench_now_ns();
	if (s->deadline == 0)
		s->deadline = now + BENCH_STALL_NS;
	else if (now > s->deadline)
		return -ETIMEDOUT;
	return 0;
}

void bench_fail(struct bench_ctl *ctl)
{
	/* relaxed: as the load in bench_spin_slow() */
	atomic_store_explicit(&ctl->failed, 1, memory_order_relaxed);
}

int bench_sync(struct bench_ctl *ctl)
{
	struct bench_spin s = bench_spin_init(ctl);
	int err;

	/* acq_rel: each side's setup (queues opened, fds closed) precedes the other's start. */
	atomic_fetch_add_explicit(&ctl->arrived, 1, memory_order_acq_rel);
	while (atomic_load_explicit(&ctl->arrived, memory_order_acquire) < ctl->nproc)
		if ((err = bench_spin(&s)) < 0)
			return err;
	return 0;
}

static void bench_child(bench_role_fn child_fn, void *arg, struct bench_ctl *ctl, pid_t parent)
{
	int err;

	/* Die with the parent, and close the race with a parent that died before prctl. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) {
		bench_fail(ctl);
		_exit(2);
	}
	bench_pin(bench_cpu[1]);
	err = child_fn(arg, ctl);
	if (err < 0) {
		bench_fail(ctl);
		fprintf(stderr, "bench: child side failed: %s\n", strerror(-err));
		_exit(1);
	}
	_exit(0);
}

/* Reap pid, killing it now or once it outlives BENCH_STALL_NS. Returns 0 or -ECHILD. */
static int bench_reap(pid_t pid, bool killed)
{
	int64_t deadline = bench_now_ns() + BENCH_STALL_NS;
	struct timespec ms = {0, 1000000};
	int status = 0;
	pid_t got;

	if (killed)
		kill(pid, SIGKILL);
	while ((got = waitpid(pid, &status, WNOHANG)) == 0 || (got < 0 && errno == EINTR)) {
		if (!killed && bench_now_ns() > deadline) {
			fprintf(stderr, "bench: child %d hangs: killing it\n", (int)pid);
			kill(pid, SIGKILL);
			killed = true;
		}
		nanosleep(&ms, NULL);
	}
	if (got < 0 || killed || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -ECHILD;
	return 0;
}

int bench_pair_run(bench_role_fn parent_fn, bench_role_fn child_fn, void *arg, int64_t times[2])
{
	return bench_group_run(parent_fn, child_fn, arg, 1, times);
}

int bench_group_run(bench_role_fn parent_fn, bench_role_fn child_fn, void *arg,
		    unsigned nchildren, int64_t times[2])
{
	struct bench_ctl *ctl;
	pid_t parent = getpid();
	pid_t pids[BENCH_CHILDREN_MAX];
	unsigned forked = 0;
	int err = 0, child_err;

	if (nchildren < 1 || nchildren > BENCH_CHILDREN_MAX)
		return -EINVAL;
	ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ctl == MAP_FAILED)
		return -errno;
	memset(ctl, 0, sizeof(*ctl));
	ctl->nproc = (int)nchildren + 1;
	fflush(NULL); /* or the child's exit could repeat buffered output */
	for (; forked < nchildren; forked++) {
		pid_t pid = fork();

		if (pid < 0) {
			err = -errno;
			break;
		}
		if (pid == 0) {
			bench_self = forked + 1;
			bench_child(child_fn, arg, ctl, parent);
		}
		pids[forked] = pid;
	}
	if (err == 0) {
		err = parent_fn(arg, ctl);
		if (err < 0)
			fprintf(stderr, "bench: parent side failed: %s\n", strerror(-err));
	}
	if (err < 0)
		bench_fail(ctl);
	for (unsigned i = 0; i < forked; i++) {
		child_err = bench_reap(pids[i], err < 0);
		if (err == 0 && child_err < 0) {
			/* The others' waits end early; the next reaps kill them. */
			err = child_err;
			bench_fail(ctl);
		}
	}
	times[0] = ctl->t_start;
	times[1] = ctl->t_end;
	munmap(ctl, sizeof(*ctl));
	return err;
}

int bench_mismatch(uint64_t got, uint64_t want)
{
	fprintf(stderr, "bench: received %llu, expected %llu\n", (unsigned long long)got,
		(unsigned long long)want);
	return -EBADMSG;
}

int bench_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int bench_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void bench_rate_finish(struct bench_rate *r)
{
	double *v = r->runs;
	unsigned n = r->nruns;

	if (r->failed || n == 0)
		return;
	qsort(v, n, sizeof(*v), bench_cmp_double);
	r->ns_per_op = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	r->mops = r->ns_per_op > 0 ? 1000.0 / r->ns_per_op : 0;
	r->ns_min = v[0];
	r->ns_max = v[n - 1];
	r->ok = true;
}

static int bench_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The p-quantile of n sorted samples (index rounded to the nearest). */
static int64_t bench_percentile(const int64_t *v, size_t n, double p)
{
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

void bench_rtt_finish(struct bench_rtt *r)
{
	int64_t *v = r->samples;
	size_t n = r->nsamples;

	if (!r->failed && n > 0) {
		qsort(v, n, sizeof(*v), bench_cmp_i64);
		r->min = v[0];
		r->p50 = bench_percentile(v, n, 0.50);
		r->p99 = bench_percentile(v, n, 0.99);
		r->max = v[n - 1];
		r->ok = true;
	}
	free(v);
	r->samples = NULL;
}
