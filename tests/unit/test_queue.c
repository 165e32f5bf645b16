/* Description: queue in one process: FIFO, full/empty, batches, wrap, timeouts, EINTR. */
#include "zt.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#define MiB (1024u * 1024u)
#define MS 1000000LL
#define HANG_BOUND_NS (5000 * MS) /* generous: only proves nothing hangs */

static const struct zipc_type U64 = {ZIPC_ELEM_U64, 8};

static struct zipc_segment *seg;

static int setup(void **state)
{
	zt_setup(state);
	seg = zt_seg_create("q", 4 * MiB, 32, NULL);
	return 0;
}

static int teardown(void **state)
{
	zipc_segment_close(seg);
	seg = NULL;
	return zt_teardown(state);
}

static struct zipc_queue *mkq(const char *name, uint32_t cap)
{
	struct zipc_queue *q;

	assert_zipc_ok(zipc_queue_create(seg, name, U64, cap, &q));
	return q;
}

/* The queue holds exactly first, first+1, ..., first+n-1, in that order (drains it). */
static void assert_queue_drains_(struct zipc_queue *q, uint64_t first, uint32_t n, const char *file,
				 int line)
{
	uint64_t v;

	zt__assert_rc(zipc_queue_count(q), n, "zipc_queue_count", file, line);
	for (uint32_t i = 0; i < n; i++) {
		zt__assert_rc(zipc_queue_try_pop(q, &v), 0, "zipc_queue_try_pop", file, line);
		if (v != first + i) {
			print_error("popped %llu, expected %llu\n", (unsigned long long)v,
				    (unsigned long long)(first + i));
			_fail(file, line);
		}
	}
	zt__assert_rc(zipc_queue_try_pop(q, &v), -EAGAIN, "zipc_queue_try_pop (empty)", file, line);
}
#define assert_queue_drains(q, first, n) assert_queue_drains_((q), (first), (n), __FILE__, __LINE__)

static void test_queue_fifo_order(void **state)
{
	struct zipc_queue *q = mkq("fifo", 8);
	uint64_t v;

	(void)state;
	assert_int_equal(zipc_queue_capacity(q), 8);
	assert_int_equal(zipc_queue_type(q).elem, ZIPC_ELEM_U64);
	assert_int_equal(zipc_queue_count(q), 0);
	assert_zipc_rc(zipc_queue_try_pop(q, &v), -EAGAIN);
	for (v = 100; v < 108; v++)
		assert_zipc_ok(zipc_queue_try_push(q, &v));
	assert_int_equal(zipc_queue_count(q), 8);
	v = 999;
	assert_zipc_rc(zipc_queue_try_push(q, &v), -EAGAIN);
	assert_queue_drains(q, 100, 8);
	zipc_queue_close(q);
}

static void test_queue_blocking_calls_succeed_when_possible(void **state)
{
	struct zipc_queue *q = mkq("blockok", 4);
	uint64_t v = 1;

	(void)state;
	assert_zipc_ok(zipc_queue_push(q, &v, ZIPC_FOREVER));
	v = 2;
	assert_zipc_ok(zipc_queue_push(q, &v, 0));
	v = 3;
	assert_zipc_ok(zipc_queue_push(q, &v, 10 * MS));
	assert_zipc_ok(zipc_queue_pop(q, &v, ZIPC_FOREVER));
	assert_int_equal(v, 1);
	assert_zipc_ok(zipc_queue_pop(q, &v, 0));
	assert_int_equal(v, 2);
	assert_zipc_ok(zipc_queue_pop(q, &v, 10 * MS));
	assert_int_equal(v, 3);
	zipc_queue_close(q);
}

static void test_queue_batch_counts_and_order(void **state)
{
	struct zipc_queue *q = mkq("batch", 8);
	uint64_t in[16], out[16];

	(void)state;
	for (int i = 0; i < 16; i++)
		in[i] = 1000 + (uint64_t)i;
	assert_int_equal(zipc_queue_try_push_batch(q, in, 5), 5);
	/* Only the first 3 of the next 5 fit. */
	assert_int_equal(zipc_queue_try_push_batch(q, in + 5, 5), 3);
	assert_zipc_rc(zipc_queue_try_push_batch(q, in + 8, 1), -EAGAIN);
	assert_int_equal(zipc_queue_count(q), 8);
	assert_int_equal(zipc_queue_try_pop_batch(q, out, 3), 3);
	assert_int_equal(out[0], 1000);
	assert_int_equal(out[2], 1002);
	assert_int_equal(zipc_queue_try_pop_batch(q, out, 16), 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(out[i], 1003 + i);
	assert_zipc_rc(zipc_queue_try_pop_batch(q, out, 4), -EAGAIN);

	/* Blocking forms with room or data available. */
	assert_int_equal(zipc_queue_push_batch(q, in, 8, ZIPC_FOREVER), 8);
	assert_int_equal(zipc_queue_pop_batch(q, out, 2, ZIPC_FOREVER), 2);
	assert_int_equal(out[1], 1001);
	assert_int_equal(zipc_queue_pop_batch(q, out, 16, 0), 6);
	assert_int_equal(out[5], 1007);
	/* Single and batch operations interleave in one order. */
	assert_int_equal(zipc_queue_try_push_batch(q, in, 2), 2);
	assert_zipc_ok(zipc_queue_try_push(q, &in[2]));
	assert_int_equal(zipc_queue_try_push_batch(q, in + 3, 3), 3);
	assert_queue_drains(q, 1000, 6);
	zipc_queue_close(q);
}

static void test_queue_wrap_around_many_times(void **state)
{
	struct zipc_queue *q = mkq("wrap", 4);
	uint64_t next_in = 0, next_out = 0, buf[8];
	uint32_t seed = 12345;
	unsigned char *base = zipc_segment_base(seg);
	uint64_t off = zt_entry_offset(seg, "wrap");

	(void)state;
	for (int i = 0; i < 200000; i++) {
		uint32_t used = (uint32_t)(next_in - next_out), k;
		ssize_t n;

		seed = seed * 1103515245u + 12345u;
		k = 1 + (seed >> 16) % 5;
		if ((seed >> 8) & 1) {
			for (uint32_t j = 0; j < k; j++)
				buf[j] = next_in + j;
			n = (seed >> 9) & 1 ? zipc_queue_try_push_batch(q, buf, k)
			    : zipc_queue_try_push(q, buf) == 0 ? 1
							       : -EAGAIN;
			if (used == 4) {
				assert_zipc_rc(n, -EAGAIN);
			} else {
				assert_true(n >= 1);
				next_in += (uint64_t)n;
			}
		} else {
			n = (seed >> 9) & 1		      ? zipc_queue_try_pop_batch(q, buf, k)
			    : zipc_queue_try_pop(q, buf) == 0 ? 1
							      : -EAGAIN;
			if (used == 0) {
				assert_zipc_rc(n, -EAGAIN);
			} else {
				assert_true(n >= 1);
				for (ssize_t j = 0; j < n; j++)
					assert_int_equal(buf[j], next_out + (uint64_t)j);
				next_out += (uint64_t)n;
			}
		}
	}
	assert_true(next_out > 100000);
	/* Positions are the running totals. */
	assert_le32(base, off + 0, (uint32_t)next_out);
	assert_le32(base, off + 4, (uint32_t)next_in);
	assert_queue_drains(q, next_out, (uint32_t)(next_in - next_out));
	zipc_queue_close(q);
}

static void test_queue_timeouts(void **state)
{
	struct zipc_queue *q = mkq("timeout", 2);
	uint64_t v = 1, in[4] = {10, 11, 12, 13}, out[4];
	int64_t t0;

	(void)state;
	t0 = zt_now_ns();
	assert_zipc_rc(zipc_queue_pop(q, &v, 30 * MS), -ETIMEDOUT);
	assert_zipc_rc(zipc_queue_pop(q, &v, 0), -ETIMEDOUT);
	assert_zipc_rc(zipc_queue_pop_batch(q, out, 4, 30 * MS), -ETIMEDOUT);
	assert_zipc_rc(zipc_queue_pop_batch(q, out, 4, 0), -ETIMEDOUT);
	/* Push as many as fit, then time out: the count is returned. */
	assert_int_equal(zipc_queue_push_batch(q, in, 4, 30 * MS), 2);
	assert_zipc_rc(zipc_queue_push(q, &v, 30 * MS), -ETIMEDOUT);
	assert_zipc_rc(zipc_queue_push(q, &v, 0), -ETIMEDOUT);
	assert_zipc_rc(zipc_queue_push_batch(q, in, 4, 30 * MS), -ETIMEDOUT);
	assert_true(zt_now_ns() - t0 < HANG_BOUND_NS);
	/* Nothing extra went in. */
	assert_queue_drains(q, 10, 2);
	zipc_queue_close(q);
}

static void test_queue_blocking_pop_eintr(void **state)
{
	struct zipc_queue *q = mkq("eintr_pop", 4);
	uint64_t v = 77, out[4];

	(void)state;
	zt_pester_start();
	assert_zipc_rc(zipc_queue_pop(q, &v, ZIPC_FOREVER), -EINTR);
	assert_zipc_rc(zipc_queue_pop(q, &v, 60000 * MS), -EINTR);
	assert_zipc_rc(zipc_queue_pop_batch(q, out, 4, ZIPC_FOREVER), -EINTR);
	zt_pester_stop();
	assert_int_equal(zipc_queue_count(q), 0);
	v = 5;
	assert_zipc_ok(zipc_queue_try_push(q, &v));
	assert_queue_drains(q, 5, 1);
	zipc_queue_close(q);
}

static void test_queue_blocking_push_eintr(void **state)
{
	struct zipc_queue *q = mkq("eintr_push", 2);
	uint64_t v, in[3] = {50, 51, 52};

	(void)state;
	for (v = 1; v <= 2; v++)
		assert_zipc_ok(zipc_queue_try_push(q, &v));
	zt_pester_start();
	v = 3;
	assert_zipc_rc(zipc_queue_push(q, &v, ZIPC_FOREVER), -EINTR);
	assert_zipc_rc(zipc_queue_push(q, &v, 60000 * MS), -EINTR);
	assert_zipc_rc(zipc_queue_push_batch(q, in, 3, ZIPC_FOREVER), -EINTR);
	zt_pester_stop();
	/* Nothing pushed. */
	assert_queue_drains(q, 1, 2);
	zipc_queue_close(q);
}

struct waiter {
	struct zipc_queue *q;
	int rc;
	uint64_t v;
};

static void *pop_forever(void *arg)
{
	struct waiter *w = arg;

	w->rc = zipc_queue_pop(w->q, &w->v, ZIPC_FOREVER);
	return NULL;
}

static void *push_forever(void *arg)
{
	struct waiter *w = arg;

	w->rc = zipc_queue_push(w->q, &w->v, ZIPC_FOREVER);
	return NULL;
}

static void test_queue_blocking_wakes_other_thread(void **state)
{
	struct zipc_queue *q = mkq("wake", 2);
	struct waiter w = {.q = q, .rc = 1};
	pthread_t t;
	uint64_t v = 42;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, pop_forever, &w), 0);
	zt_sleep_ms(50);
	assert_zipc_ok(zipc_queue_push(q, &v, ZIPC_FOREVER));
	pthread_join(t, NULL);
	assert_zipc_ok(w.rc);
	assert_int_equal(w.v, 42);

	for (v = 0; v < 2; v++)
		assert_zipc_ok(zipc_queue_try_push(q, &v));
	w.rc = 1;
	w.v = 2;
	assert_int_equal(pthread_create(&t, NULL, push_forever, &w), 0);
	zt_sleep_ms(50);
	assert_zipc_ok(zipc_queue_pop(q, &v, ZIPC_FOREVER));
	assert_int_equal(v, 0);
	pthread_join(t, NULL);
	assert_zipc_ok(w.rc);
	assert_queue_drains(q, 1, 2);
	zipc_queue_close(q);
}

static void test_queue_stall_timeout_argument(void **state)
{
	struct zipc_queue *q = mkq("stall", 2);

	(void)state;
	assert_zipc_rc(zipc_queue_set_stall_timeout(q, 999999), -EINVAL);
	assert_zipc_rc(zipc_queue_set_stall_timeout(q, 0), -EINVAL);
	assert_zipc_rc(zipc_queue_set_stall_timeout(q, -1), -EINVAL);
	assert_zipc_ok(zipc_queue_set_stall_timeout(q, 1000000));
	assert_zipc_ok(zipc_queue_set_stall_timeout(q, 3600LL * 1000000000));
	zipc_queue_close(q);
}

static void test_queue_large_elements(void **state)
{
	struct zipc_queue *q;
	unsigned char in[3][1000], out[1000];

	(void)state;
	assert_zipc_ok(
	    zipc_queue_create(seg, "large", (struct zipc_type){ZIPC_ELEM_BYTES, 1000}, 3, &q));
	assert_int_equal(zipc_queue_capacity(q), 4);
	for (int i = 0; i < 3; i++) {
		memset(in[i], 'a' + i, sizeof(in[i]));
		in[i][999] = (unsigned char)i;
	}
	assert_int_equal(zipc_queue_try_push_batch(q, in, 3), 3);
	for (int i = 0; i < 3; i++) {
		assert_zipc_ok(zipc_queue_try_pop(q, out));
		assert_memory_equal(out, in[i], 1000);
	}
	zipc_queue_close(q);
}

static void test_queue_events_wait_any(void **state)
{
	struct zipc_queue *a = mkq("ev_a", 2), *b = mkq("ev_b", 2);
	struct zipc_event *evs[2];
	uint32_t toks[2];
	uint64_t v = 1;

	(void)state;
	evs[0] = zipc_queue_event(a, ZIPC_READABLE);
	evs[1] = zipc_queue_event(b, ZIPC_READABLE);
	assert_non_null(evs[0]);
	assert_non_null(evs[1]);
	toks[0] = zipc_event_arm(evs[0]);
	toks[1] = zipc_event_arm(evs[1]);
	assert_zipc_rc(zipc_event_wait_any(evs, toks, 2, 10 * MS), -ETIMEDOUT);
	assert_zipc_rc(zipc_event_wait_any(evs, toks, 0, 0), -EINVAL);
	assert_zipc_rc(zipc_event_wait_any(evs, toks, 129, 0), -EINVAL);
	assert_zipc_ok(zipc_queue_try_push(b, &v));
	assert_zipc_ok(zipc_event_wait_any(evs, toks, 2, ZIPC_FOREVER));
	assert_int_equal(zipc_event_sequence(evs[0]), toks[0]);
	assert_true(zipc_event_sequence(evs[1]) != toks[1]);
	zipc_event_disarm(evs[0]);
	zipc_event_disarm(evs[1]);
	/* A wait on an unchanged event times out; signals interrupt it. */
	toks[0] = zipc_event_arm(evs[0]);
	assert_zipc_rc(zipc_event_wait(evs[0], toks[0], 10 * MS), -ETIMEDOUT);
	zt_pester_start();
	assert_zipc_rc(zipc_event_wait(evs[0], toks[0], ZIPC_FOREVER), -EINTR);
	zt_pester_stop();
	zipc_event_disarm(evs[0]);
	zipc_queue_close(a);
	zipc_queue_close(b);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queue_fifo_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_blocking_calls_succeed_when_possible,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_batch_counts_and_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_wrap_around_many_times, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_timeouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_blocking_pop_eintr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_blocking_push_eintr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_blocking_wakes_other_thread, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_queue_stall_timeout_argument, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_large_elements, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_events_wait_any, setup, teardown),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
