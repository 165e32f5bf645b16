/* Description: a process blocked in pop/push sleeps on a futex and wakes on demand. */
#include "zt.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * The child opens the segment by name and blocks with ZIPC_FOREVER; the
 * parent waits 500 ms, checks the child is asleep (state S in
 * /proc/PID/stat), then makes the change. The child measures its own CPU
 * time (getrusage) across the call: a spinning waiter would burn ~500 ms.
 */

#define MS 1000000LL
#define WAIT_MS 500
#define CPU_LIMIT_NS (50 * MS)

enum op { QUEUE_POP, QUEUE_PUSH, QUEUE_POP_BATCH, STACK_POP, STACK_PUSH };

struct result {
	int rc;
	int64_t value;
	int64_t cpu_ns;
	int64_t wall_ns;
};

static void child(const char *segname, enum op op, int ready_fd, int result_fd)
{
	struct zipc_segment *seg;
	struct zipc_queue *q = NULL;
	struct zipc_stack *s = NULL;
	struct result res = {.rc = 1};
	int64_t cpu0, t0, v = 4242, buf[4];

	ZT_CHILD_CHECK(zipc_segment_open(segname, &seg) == 0, "open segment");
	if (op == STACK_POP || op == STACK_PUSH)
		ZT_CHILD_CHECK(zipc_stack_open(seg, "x", &s) == 0, "open stack");
	else
		ZT_CHILD_CHECK(zipc_queue_open(seg, "x", &q) == 0, "open queue");
	ZT_CHILD_CHECK(write(ready_fd, "r", 1) == 1, "ready");
	cpu0 = zt_cpu_ns();
	t0 = zt_now_ns();
	switch (op) {
	case QUEUE_POP:
		res.rc = zipc_queue_pop(q, &v, ZIPC_FOREVER);
		break;
	case QUEUE_PUSH:
		res.rc = zipc_queue_push(q, &v, ZIPC_FOREVER);
		break;
	case QUEUE_POP_BATCH:
		res.rc = (int)zipc_queue_pop_batch(q, buf, 4, ZIPC_FOREVER);
		v = buf[0];
		res.rc = res.rc == 1 ? 0 : res.rc;
		break;
	case STACK_POP:
		res.rc = zipc_stack_pop(s, &v, ZIPC_FOREVER);
		break;
	case STACK_PUSH:
		res.rc = zipc_stack_push(s, &v, ZIPC_FOREVER);
		break;
	}
	res.cpu_ns = zt_cpu_ns() - cpu0;
	res.wall_ns = zt_now_ns() - t0;
	res.value = v;
	ZT_CHILD_CHECK(write(result_fd, &res, sizeof(res)) == sizeof(res), "result");
	_exit(0);
}

/* State letter of /proc/PID/stat ('S' sleeping, 'R' running, ...). */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

static void read_fd_(int fd, void *buf, size_t len, int timeout_ms, const char *file, int line)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	if (poll(&pfd, 1, timeout_ms) != 1 || read(fd, buf, len) != (ssize_t)len) {
		print_error("no message from the child within %d ms\n", timeout_ms);
		_fail(file, line);
	}
}
#define read_fd(fd, buf, len, ms) read_fd_((fd), (buf), (len), (ms), __FILE__, __LINE__)

static void run(enum op op)
{
	char name[64];
	struct zipc_segment *seg;
	struct zipc_queue *q = NULL;
	struct zipc_stack *s = NULL;
	const struct zipc_type I64 = {ZIPC_ELEM_I64, 8};
	int ready[2], result[2];
	struct result res;
	int64_t v;
	pid_t pid;
	char c, state;

	seg = zt_seg_create("sleep", 1u << 20, 8, name);
	if (op == STACK_POP || op == STACK_PUSH)
		assert_zipc_ok(zipc_stack_create(seg, "x", I64, 2, &s));
	else
		assert_zipc_ok(zipc_queue_create(seg, "x", I64, 2, &q));
	/* Fill it for the push cases. */
	for (v = 1; v <= 2; v++) {
		if (op == QUEUE_PUSH)
			assert_zipc_ok(zipc_queue_try_push(q, &v));
		if (op == STACK_PUSH)
			assert_zipc_ok(zipc_stack_try_push(s, &v));
	}
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(result), 0);
	pid = zt_fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child(name, op, ready[1], result[1]);

	read_fd(ready[0], &c, 1, 10000);
	zt_sleep_ms(WAIT_MS);
	state = proc_state(pid);
	/* Still blocked: no result yet. */
	{
		struct pollfd pfd = {.fd = result[0], .events = POLLIN};

		assert_int_equal(poll(&pfd, 1, 0), 0);
	}
	v = 777;
	switch (op) {
	case QUEUE_POP:
	case QUEUE_POP_BATCH:
		assert_zipc_ok(zipc_queue_try_push(q, &v));
		break;
	case QUEUE_PUSH:
		assert_zipc_ok(zipc_queue_try_pop(q, &v));
		assert_int_equal(v, 1);
		break;
	case STACK_POP:
		assert_zipc_ok(zipc_stack_try_push(s, &v));
		break;
	case STACK_PUSH:
		assert_zipc_ok(zipc_stack_try_pop(s, &v));
		assert_int_equal(v, 2);
		break;
	}
	read_fd(result[0], &res, sizeof(res), 10000);
	assert_int_equal(zt_wait_child(pid, 10000), 0);
	print_message("op %d: child state while blocked '%c', cpu %.2f ms over %.0f ms\n", (int)op,
		      state, (double)res.cpu_ns / 1e6, (double)res.wall_ns / 1e6);
	assert_zipc_ok(res.rc);
	assert_true(state == 'S');
	assert_true(res.cpu_ns < CPU_LIMIT_NS);
	switch (op) {
	case QUEUE_POP:
	case QUEUE_POP_BATCH:
	case STACK_POP:
		assert_int_equal(res.value, 777);
		break;
	case QUEUE_PUSH:
		/* The child's element went in after 2. */
		assert_zipc_ok(zipc_queue_try_pop(q, &v));
		assert_int_equal(v, 2);
		assert_zipc_ok(zipc_queue_try_pop(q, &v));
		assert_int_equal(v, 4242);
		break;
	case STACK_PUSH:
		assert_zipc_ok(zipc_stack_try_pop(s, &v));
		assert_int_equal(v, 4242);
		break;
	}
	close(ready[0]);
	close(ready[1]);
	close(result[0]);
	close(result[1]);
	if (q)
		zipc_queue_close(q);
	if (s)
		zipc_stack_close(s);
	zipc_segment_close(seg);
}

static void test_queue_blocking_pop_sleeps(void **state)
{
	(void)state;
	run(QUEUE_POP);
}

static void test_queue_blocking_push_sleeps(void **state)
{
	(void)state;
	run(QUEUE_PUSH);
}

static void test_queue_blocking_pop_batch_sleeps(void **state)
{
	(void)state;
	run(QUEUE_POP_BATCH);
}

static void test_stack_blocking_pop_sleeps(void **state)
{
	(void)state;
	run(STACK_POP);
}

static void test_stack_blocking_push_sleeps(void **state)
{
	(void)state;
	run(STACK_PUSH);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		zt_test(test_queue_blocking_pop_sleeps),
		zt_test(test_queue_blocking_push_sleeps),
		zt_test(test_queue_blocking_pop_batch_sleeps),
		zt_test(test_stack_blocking_pop_sleeps),
		zt_test(test_stack_blocking_push_sleeps),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
