/*
 * Description: the C side of the Python cross-language tests, one
 * subcommand per role, on a segment the Python test created:
 *   push-i64 SEG QUEUE N        push 0..N-1 (blocking)
 *   future-wait SEG FUTURE MS   wait for an f64 future, print it
 *   array-echo SEG ARRAY        ping-pong through an f64 array: wait for
 *                               a[0]==1, store a[1]=2; wait for a[2]==3,
 *                               store a[3]=4 (each wait at most 10 s)
 * Exits 0 on success, 1 on failure (with a message on stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zeroipc/zeroipc.h>

static int fail(const char *what, int r)
{
	fprintf(stderr, "c_helper: %s: %s (%s)\n", what, zipc_strerror(r), zipc_last_error());
	return 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Spin until *p == want: the other process's plain store must show up. */
static int await_value(const volatile double *p, double want)
{
	double deadline = now_s() + 10.0;

	while (*p != want)
		if (now_s() > deadline)
			return -1;
	return 0;
}

static int push_i64(struct zipc_segment *seg, const char *name, long long n)
{
	struct zipc_queue *q;
	int r = zipc_queue_open(seg, name, &q);

	if (r < 0)
		return fail("queue open", r);
	for (int64_t i = 0; i < n; i++) {
		r = zipc_queue_push(q, &i, ZIPC_FOREVER);
		if (r < 0)
			return fail("push", r);
	}
	zipc_queue_close(q);
	return 0;
}

static int future_wait(struct zipc_segment *seg, const char *name, long long ms)
{
	struct zipc_future *f;
	double v;
	int r = zipc_future_open(seg, name, &f);

	if (r < 0)
		return fail("future open", r);
	r = zipc_future_get(f, &v, ms * 1000000ll);
	if (r < 0)
		return fail("future get", r);
	printf("%.17g\n", v);
	zipc_future_close(f);
	return 0;
}

static int array_echo(struct zipc_segment *seg, const char *name)
{
	struct zipc_array *arr;
	volatile double *a;
	int r = zipc_array_open(seg, name, &arr);

	if (r < 0)
		return fail("array open", r);
	a = zipc_array_data(arr);
	if (await_value(&a[0], 1.0) < 0)
		return fail("a[0] never became 1", -62);
	a[1] = 2.0;
	if (await_value(&a[2], 3.0) < 0)
		return fail("a[2] never became 3", -62);
	a[3] = 4.0;
	zipc_array_close(arr);
	return 0;
}

int main(int argc, char **argv)
{
	struct zipc_segment *seg;
	int r, rc;

	if (argc < 4) {
		fprintf(stderr, "usage: c_helper CMD SEG NAME [ARG]\n");
		return 2;
	}
	r = zipc_segment_open(argv[2], &seg);
	if (r < 0)
		return fail("segment open", r);
	if (strcmp(argv[1], "push-i64") == 0 && argc == 5)
		rc = push_i64(seg, argv[3], atoll(argv[4]));
	else if (strcmp(argv[1], "future-wait") == 0 && argc == 5)
		rc = future_wait(seg, argv[3], atoll(argv[4]));
	else if (strcmp(argv[1], "array-echo") == 0)
		rc = array_echo(seg, argv[3]);
	else
		rc = 2;
	zipc_segment_close(seg);
	return rc;
}
