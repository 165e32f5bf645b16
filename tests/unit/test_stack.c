/* Description: stack in one process: LIFO, full/empty, timeouts, EINTR, wake-ups. */
#include "zt.h"

#include <errno.h>
#include <pthread.h>

#define MiB (1024u * 1024u)
#define MS 1000000LL
#define HANG_BOUND_NS (5000 * MS)

static const struct zipc_type I32 = {ZIPC_ELEM_I32, 4};

static struct zipc_segment *seg;

static int setup(void **state)
{
	zt_setup(state);
	seg = zt_seg_create("s", 4 * MiB, 32, NULL);
	return 0;
}

static int teardown(void **state)
{
	zipc_segment_close(seg);
	seg = NULL;
	return zt_teardown(state);
}

static struct zipc_stack *mks(const char *name, uint32_t cap)
{
	struct zipc_stack *s;

	assert_zipc_ok(zipc_stack_create(seg, name, I32, cap, &s));
	return s;
}

/* The stack pops exactly top, top-1, ..., top-n+1 and is then empty. */
static void assert_stack_drains_(struct zipc_stack *s, int32_t top, uint32_t n, const char *file,
				 int line)
{
	int32_t v;

	zt__assert_rc(zipc_stack_count(s), n, "zipc_stack_count", file, line);
	for (uint32_t i = 0; i < n; i++) {
		zt__assert_rc(zipc_stack_try_pop(s, &v), 0, "zipc_stack_try_pop", file, line);
		if (v != top - (int32_t)i) {
			print_error("popped %d, expected %d\n", v, top - (int32_t)i);
			_fail(file, line);
		}
	}
	zt__assert_rc(zipc_stack_try_pop(s, &v), -EAGAIN, "zipc_stack_try_pop (empty)", file, line);
}
#define assert_stack_drains(s, top, n) assert_stack_drains_((s), (top), (n), __FILE__, __LINE__)

static void test_stack_lifo_order(void **state)
{
	struct zipc_stack *s = mks("lifo", 5);
	int32_t v;

	(void)state;
	assert_int_equal(zipc_stack_capacity(s), 5);
	assert_int_equal(zipc_stack_type(s).elem, ZIPC_ELEM_I32);
	assert_int_equal(zipc_stack_count(s), 0);
	assert_zipc_rc(zipc_stack_try_pop(s, &v), -EAGAIN);
	for (v = -2; v < 3; v++)
		assert_zipc_ok(zipc_stack_try_push(s, &v));
	assert_zipc_rc(zipc_stack_try_push(s, &v), -EAGAIN);
	assert_stack_drains(s, 2, 5);
	zipc_stack_close(s);
}

static void test_stack_capacity_one(void **state)
{
	struct zipc_stack *s = mks("one", 1);
	int32_t v = 7;

	(void)state;
	assert_int_equal(zipc_stack_capacity(s), 1);
	for (int i = 0; i < 1000; i++) {
		v = i;
		assert_zipc_ok(zipc_stack_try_push(s, &v));
		assert_zipc_rc(zipc_stack_try_push(s, &v), -EAGAIN);
		assert_zipc_ok(zipc_stack_try_pop(s, &v));
		assert_int_equal(v, i);
		assert_zipc_rc(zipc_stack_try_pop(s, &v), -EAGAIN);
	}
	zipc_stack_close(s);
}

static void test_stack_interleaved_against_model(void **state)
{
	struct zipc_stack *s = mks("model", 8);
	int32_t model[8], v;
	int n = 0;
	uint32_t seed = 777;

	(void)state;
	for (int i = 0; i < 100000; i++) {
		seed = seed * 1103515245u + 12345u;
		if ((seed >> 10) & 1) {
			v = i;
			if (n == 8) {
				assert_zipc_rc(zipc_stack_try_push(s, &v), -EAGAIN);
			} else {
				assert_zipc_ok((seed >> 11) & 1 ? zipc_stack_try_push(s, &v)
								: zipc_stack_push(s, &v, 0));
				model[n++] = v;
			}
		} else if (n == 0) {
			assert_zipc_rc(zipc_stack_try_pop(s, &v), -EAGAIN);
		} else {
			assert_zipc_ok((seed >> 11) & 1 ? zipc_stack_try_pop(s, &v)
							: zipc_stack_pop(s, &v, ZIPC_FOREVER));
			assert_int_equal(v, model[--n]);
		}
		assert_int_equal(zipc_stack_count(s), n);
	}
	zipc_stack_close(s);
}

static void test_stack_timeouts(void **state)
{
	struct zipc_stack *s = mks("timeout", 2);
	int32_t v = 1;
	int64_t t0 = zt_now_ns();

	(void)state;
	assert_zipc_rc(zipc_stack_pop(s, &v, 30 * MS), -ETIMEDOUT);
	assert_zipc_rc(zipc_stack_pop(s, &v, 0), -ETIMEDOUT);
	assert_zipc_ok(zipc_stack_push(s, &v, 30 * MS));
	v = 2;
	assert_zipc_ok(zipc_stack_push(s, &v, 0));
	v = 3;
	assert_zipc_rc(zipc_stack_push(s, &v, 30 * MS), -ETIMEDOUT);
	assert_zipc_rc(zipc_stack_push(s, &v, 0), -ETIMEDOUT);
	assert_true(zt_now_ns() - t0 < HANG_BOUND_NS);
	assert_stack_drains(s, 2, 2);
	zipc_stack_close(s);
}

static void test_stack_blocking_eintr(void **state)
{
	struct zipc_stack *s = mks("eintr", 2);
	int32_t v = 0;

	(void)state;
	zt_pester_start();
	assert_zipc_rc(zipc_stack_pop(s, &v, ZIPC_FOREVER), -EINTR);
	assert_zipc_rc(zipc_stack_pop(s, &v, 60000 * MS), -EINTR);
	zt_pester_stop();
	assert_int_equal(zipc_stack_count(s), 0);
	for (v = 1; v <= 2; v++)
		assert_zipc_ok(zipc_stack_try_push(s, &v));
	zt_pester_start();
	v = 3;
	assert_zipc_rc(zipc_stack_push(s, &v, ZIPC_FOREVER), -EINTR);
	assert_zipc_rc(zipc_stack_push(s, &v, 60000 * MS), -EINTR);
	zt_pester_stop();
	assert_stack_drains(s, 2, 2);
	zipc_stack_close(s);
}

struct waiter {
	struct zipc_stack *s;
	int rc;
	int32_t v;
};

static void *pop_forever(void *arg)
{
	struct waiter *w = arg;

	w->rc = zipc_stack_pop(w->s, &w->v, ZIPC_FOREVER);
	return NULL;
}

static void *push_forever(void *arg)
{
	struct waiter *w = arg;

	w->rc = zipc_stack_push(w->s, &w->v, ZIPC_FOREVER);
	return NULL;
}

static void test_stack_blocking_wakes_other_thread(void **state)
{
	struct zipc_stack *s = mks("wake", 1);
	struct waiter w = {.s = s, .rc = 1};
	pthread_t t;
	int32_t v = 42;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, pop_forever, &w), 0);
	zt_sleep_ms(50);
	assert_zipc_ok(zipc_stack_push(s, &v, ZIPC_FOREVER));
	pthread_join(t, NULL);
	assert_zipc_ok(w.rc);
	assert_int_equal(w.v, 42);

	v = 1;
	assert_zipc_ok(zipc_stack_try_push(s, &v));
	w.rc = 1;
	w.v = 2;
	assert_int_equal(pthread_create(&t, NULL, push_forever, &w), 0);
	zt_sleep_ms(50);
	assert_zipc_ok(zipc_stack_pop(s, &v, ZIPC_FOREVER));
	assert_int_equal(v, 1);
	pthread_join(t, NULL);
	assert_zipc_ok(w.rc);
	assert_stack_drains(s, 2, 1);
	zipc_stack_close(s);
}

static void test_stack_events(void **state)
{
	struct zipc_stack *s = mks("events", 2);
	struct zipc_event *rd = zipc_stack_event(s, ZIPC_READABLE);
	struct zipc_event *wr = zipc_stack_event(s, ZIPC_WRITABLE);
	uint32_t tok;
	int32_t v = 1;

	(void)state;
	assert_non_null(rd);
	assert_non_null(wr);
	tok = zipc_event_arm(rd);
	assert_zipc_ok(zipc_stack_try_push(s, &v));
	assert_zipc_ok(zipc_event_wait(rd, tok, 0));
	zipc_event_disarm(rd);
	tok = zipc_event_arm(wr);
	assert_zipc_rc(zipc_event_wait(wr, tok, 0), -ETIMEDOUT);
	assert_zipc_ok(zipc_stack_try_pop(s, &v));
	assert_zipc_ok(zipc_event_wait(wr, tok, 0));
	zipc_event_disarm(wr);
	zipc_stack_close(s);
}

static void test_stack_stall_timeout_argument(void **state)
{
	struct zipc_stack *s = mks("stall", 2);

	(void)state;
	assert_zipc_rc(zipc_stack_set_stall_timeout(s, 999999), -EINVAL);
	assert_zipc_rc(zipc_stack_set_stall_timeout(s, -5), -EINVAL);
	assert_zipc_ok(zipc_stack_set_stall_timeout(s, 1000000));
	zipc_stack_close(s);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stack_lifo_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stack_capacity_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stack_interleaved_against_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stack_timeouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stack_blocking_eintr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stack_blocking_wakes_other_thread, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stack_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stack_stall_timeout_argument, setup, teardown),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
