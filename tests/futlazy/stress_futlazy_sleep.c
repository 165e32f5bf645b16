/* Description: processes blocked in future get, lazy force or lazy serve sleep, not spin. */
#include "fl.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/*
 * The child opens the segment by name, says it is ready, and measures its
 * own CPU time (getrusage, user + system) across one blocking call of about
 * 500 ms: either the call's own timeout, or the parent acting after 500 ms.
 * A spinning waiter would burn ~500 ms; sleepers wake only for the
 * documented re-checks (100 ms for futures, the check period for lazies).
 * The bound is generous: 60 ms.
 */

#define WAIT_MS 500
#define CPU_LIMIT_NS (60 * FL_MS)

static const struct zipc_type U64 = {ZIPC_ELEM_U64, 8};

enum op {
	FUTURE_GET_TIMEOUT,
	FUTURE_GET_SET,
	LAZY_FORCE_TIMEOUT,
	LAZY_FORCE_PROVIDED,
	LAZY_FORCE_BEHIND_COMPUTER,
	LAZY_SERVE_DEMANDED,
};

struct shared {
	_Atomic uint32_t ready;
	_Atomic uint32_t computing;
	int rc;
	uint64_t value;
	int64_t cpu_ns;
	int64_t wall_ns;
};

static int compute_now(void *ctx, void *out, char *err, size_t errlen)
{
	uint64_t v = 4242;

	(void)ctx;
	(void)err;
	(void)errlen;
	memcpy(out, &v, sizeof(v));
	return 0;
}

static int compute_slowly(void *ctx, void *out, char *err, size_t errlen)
{
	struct shared *sh = ctx;

	atomic_store(&sh->computing, 1);
	fl_sleep_ms(WAIT_MS + 200);
	return compute_now(ctx, out, err, errlen);
}

static void child(const char *segname, enum op op, struct shared *sh)
{
	struct zipc_segment *seg;
	struct zipc_future *f = NULL;
	struct zipc_lazy *lz = NULL;
	int64_t cpu0, t0;
	uint64_t v = 0;

	FL_CHILD_CHECK(zipc_segment_open(segname, &seg) == 0, "open segment");
	if (op == FUTURE_GET_TIMEOUT || op == FUTURE_GET_SET)
		FL_CHILD_CHECK(zipc_future_open(seg, "x", &f) == 0, "open future");
	else
		FL_CHILD_CHECK(zipc_lazy_open(seg, "x", &lz) == 0, "open lazy");
	atomic_store(&sh->ready, 1);
	cpu0 = fl_cpu_ns();
	t0 = fl_now_ns();
	switch (op) {
	case FUTURE_GET_TIMEOUT:
		sh->rc = zipc_future_get(f, &v, WAIT_MS * FL_MS);
		break;
	case FUTURE_GET_SET:
		sh->rc = zipc_future_get(f, &v, 20000 * FL_MS);
		break;
	case LAZY_FORCE_TIMEOUT:
		sh->rc = zipc_lazy_force(lz, NULL, NULL, &v, WAIT_MS * FL_MS);
		break;
	case LAZY_FORCE_PROVIDED:
		sh->rc = zipc_lazy_force(lz, NULL, NULL, &v, 20000 * FL_MS);
		break;
	case LAZY_FORCE_BEHIND_COMPUTER:
		sh->rc = zipc_lazy_force(lz, compute_now, NULL, &v, 20000 * FL_MS);
		break;
	case LAZY_SERVE_DEMANDED:
		sh->rc = zipc_lazy_serve(lz, compute_now, NULL, 20000 * FL_MS);
		zipc_lazy_try_get(lz, &v);
		break;
	}
	sh->cpu_ns = fl_cpu_ns() - cpu0;
	sh->wall_ns = fl_now_ns() - t0;
	sh->value = v;
	_exit(0);
}

static void run(enum op op)
{
	char segname[64];
	struct zipc_segment *seg = fl_seg_create("sleep", segname);
	struct shared *sh = fl_shared(sizeof(*sh));
	struct zipc_future *f = NULL;
	struct zipc_lazy *lz = NULL;
	uint64_t v = 4242;
	pid_t pid, computer = -1;
	int want_rc = 0;

	if (op == FUTURE_GET_TIMEOUT || op == FUTURE_GET_SET)
		assert_zipc_ok(zipc_future_create(seg, "x", U64, 1, &f));
	else
		assert_zipc_ok(zipc_lazy_create(seg, "x", U64, 1, &lz));
	if (op == LAZY_FORCE_BEHIND_COMPUTER) {
		computer = fl_fork();
		assert_true(computer >= 0);
		if (computer == 0) {
			uint64_t out;
			int rc = zipc_lazy_force(lz, compute_slowly, sh, &out, ZIPC_FOREVER);

			_exit(rc == 0 ? 0 : 1);
		}
		assert_int_equal(fl_await_u32(&sh->computing, 1, 10000), 0);
	}
	pid = fl_fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child(segname, op, sh);
	assert_int_equal(fl_await_u32(&sh->ready, 1, 10000), 0);
	switch (op) {
	case FUTURE_GET_TIMEOUT:
	case LAZY_FORCE_TIMEOUT:
		want_rc = -ETIMEDOUT;
		break;
	case FUTURE_GET_SET:
		fl_sleep_ms(WAIT_MS);
		assert_zipc_ok(zipc_future_set(f, &v));
		break;
	case LAZY_FORCE_PROVIDED:
		fl_sleep_ms(WAIT_MS);
		assert_zipc_ok(zipc_lazy_provide(lz, &v));
		break;
	case LAZY_FORCE_BEHIND_COMPUTER:
		break;
	case LAZY_SERVE_DEMANDED:
		fl_sleep_ms(WAIT_MS);
		assert_zipc_ok(zipc_lazy_demand(lz));
		break;
	}
	assert_int_equal(fl_wait_child(pid, 30000), 0);
	if (computer > 0)
		assert_int_equal(fl_wait_child(computer, 30000), 0);
	assert_zipc_rc(sh->rc, want_rc);
	if (want_rc == 0)
		assert_int_equal(sh->value, 4242);
	print_message("op %d: %lld us of CPU in %lld ms blocked\n", (int)op,
		      (long long)(sh->cpu_ns / 1000), (long long)(sh->wall_ns / FL_MS));
	/* The measurement spanned a real wait... */
	if (sh->wall_ns < 300 * FL_MS) {
		print_error("op %d: the call returned after %lld ms\n", (int)op,
			    (long long)(sh->wall_ns / FL_MS));
		fail();
	}
	/* ...and the waiter slept through it. */
	if (sh->cpu_ns >= CPU_LIMIT_NS) {
		print_error("op %d: %lld ms of CPU in %lld ms blocked\n", (int)op,
			    (long long)(sh->cpu_ns / FL_MS), (long long)(sh->wall_ns / FL_MS));
		fail();
	}
	if (f)
		zipc_future_close(f);
	if (lz)
		zipc_lazy_close(lz);
	fl_unshare(sh, sizeof(*sh));
	zipc_segment_close(seg);
}

static void test_future_get_sleeps_until_timeout(void **state)
{
	(void)state;
	run(FUTURE_GET_TIMEOUT);
}

static void test_future_get_sleeps_until_set(void **state)
{
	(void)state;
	run(FUTURE_GET_SET);
}

static void test_lazy_force_without_compute_sleeps_until_timeout(void **state)
{
	(void)state;
	run(LAZY_FORCE_TIMEOUT);
}

static void test_lazy_force_without_compute_sleeps_until_provided(void **state)
{
	(void)state;
	run(LAZY_FORCE_PROVIDED);
}

static void test_lazy_force_sleeps_behind_computer(void **state)
{
	(void)state;
	run(LAZY_FORCE_BEHIND_COMPUTER);
}

static void test_lazy_serve_sleeps_until_demand(void **state)
{
	(void)state;
	run(LAZY_SERVE_DEMANDED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		fl_test(test_future_get_sleeps_until_timeout),
		fl_test(test_future_get_sleeps_until_set),
		fl_test(test_lazy_force_without_compute_sleeps_until_timeout),
		fl_test(test_lazy_force_without_compute_sleeps_until_provided),
		fl_test(test_lazy_force_sleeps_behind_computer),
		fl_test(test_lazy_serve_sleeps_until_demand),
	};

	return cmocka_run_group_tests_name("futlazy_sleep", tests, NULL, NULL);
}
