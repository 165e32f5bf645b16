/* Description: Lazy: compute once, errors, constants, provide/demand/serve, signals, takeover. */
#include "fl.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct zipc_type U32 = {ZIPC_ELEM_U32, 4};
static const struct zipc_type U64 = {ZIPC_ELEM_U64, 8};
static const struct zipc_type I64 = {ZIPC_ELEM_I64, 8};
static const struct zipc_type F64 = {ZIPC_ELEM_F64, 8};

struct calls {
	_Atomic uint32_t n;     /* compute calls, in any process */
	_Atomic uint32_t ready; /* a child is about to block */
	_Atomic uint32_t stop;  /* compute stops itself (SIGSTOP) on this call number + 1 */
	unsigned char *state_word; /* for the interleaving test */
};

/* Fills four u64 with 100, 101, 102, 103 and counts its calls. */
static int compute_four(void *ctx, void *out, char *err, size_t errlen)
{
	struct calls *c = ctx;
	uint64_t v[4] = {100, 101, 102, 103};

	(void)err;
	(void)errlen;
	atomic_fetch_add(&c->n, 1);
	memcpy(out, v, sizeof(v));
	return 0;
}

static const uint64_t FOUR[4] = {100, 101, 102, 103};

static int compute_domain_error(void *ctx, void *out, char *err, size_t errlen)
{
	struct calls *c = ctx;

	(void)out;
	atomic_fetch_add(&c->n, 1);
	snprintf(err, errlen, "domain error: sqrt(-1)");
	return -EDOM;
}

static int compute_silent_error(void *ctx, void *out, char *err, size_t errlen)
{
	(void)ctx;
	(void)out;
	(void)err;
	(void)errlen;
	return -ENOSPC;
}

static void test_lazy_force_computes_once(void **state)
{
	struct zipc_segment *seg = fl_seg_create("once", NULL);
	struct calls *c = fl_shared(sizeof(*c));
	struct zipc_lazy *lz;
	struct zipc_lazy_info info;
	uint64_t out[4] = {0};

	(void)state;
	assert_zipc_ok(zipc_lazy_create(seg, "lz", U64, 4, &lz));
	assert_int_equal(zipc_lazy_value_size(lz), 32);
	assert_int_equal(zipc_lazy_type(lz).elem, ZIPC_ELEM_U64);
	assert_lazy(lz, ZIPC_LAZY_EMPTY, 0);
	assert_zipc_rc(zipc_lazy_try_get(lz, out), -EAGAIN);
	assert_zipc_ok(zipc_lazy_force(lz, compute_four, c, out, ZIPC_FOREVER));
	assert_memory_equal(out, FOUR, sizeof(FOUR));
	assert_int_equal(atomic_load(&c->n), 1);
	memset(out, 0, sizeof(out));
	assert_zipc_ok(zipc_lazy_force(lz, compute_four, c, out, 0));
	assert_memory_equal(out, FOUR, sizeof(FOUR));
	memset(out, 0, sizeof(out));
	assert_zipc_ok(zipc_lazy_try_get(lz, out));
	assert_memory_equal(out, FOUR, sizeof(FOUR));
	assert_int_equal(atomic_load(&c->n), 1);
	zipc_lazy_info(lz, &info);
	assert_int_equal(info.state, ZIPC_LAZY_READY);
	assert_int_equal(info.compute_count, 1);
	assert_int_equal(info.owner_pid, (uint32_t)getpid());
	assert_int_equal(info.demand, 0);
	assert_zipc_rc(zipc_lazy_error(lz, (char[8]){0}, 8), -EAGAIN);
	fl_unshare(c, sizeof(*c));
	zipc_lazy_close(lz);
	zipc_segment_close(seg);
}

static void test_lazy_compute_error_reaches_every_forcer(void **state)
{
	struct zipc_segment *seg = fl_seg_create("err", NULL);
	struct calls *c = fl_shared(sizeof(*c));
	struct zipc_lazy *lz, *other;
	uint64_t out[4] = {0};
	char buf[256];

	(void)state;
	assert_zipc_ok(zipc_lazy_create(seg, "lz", U64, 4, &lz));
	assert_zipc_rc(zipc_lazy_force(lz, compute_domain_error, c, out, ZIPC_FOREVER), -EIO);
	assert_last_error("domain error: sqrt(-1)");
	/* Failed for good: nobody computes again, everyone gets the message. */
	assert_zipc_ok(zipc_lazy_open(seg, "lz", &other));
	assert_zipc_rc(zipc_lazy_force(other, compute_four, c, out, ZIPC_FOREVER), -EIO);
	assert_last_error("domain error: sqrt(-1)");
	assert_zipc_rc(zipc_lazy_force(other, NULL, NULL, out, ZIPC_FOREVER), -EIO);
	assert_zipc_rc(zipc_lazy_try_get(other, out), -EIO);
	assert_last_error("domain error: sqrt(-1)");
	assert_zipc_ok(zipc_lazy_error(other, buf, sizeof(buf)));
	assert_string_equal(buf, "domain error: sqrt(-1)");
	assert_zipc_rc(zipc_lazy_provide(other, FOUR), -EALREADY);
	assert_zipc_rc(zipc_lazy_serve(other, compute_four, c, 0), -EALREADY);
	assert_int_equal(atomic_load(&c->n), 1);
	assert_lazy(lz, ZIPC_LAZY_ERROR, 1);
	assert_zeros(out, 0, sizeof(out));

	/* A compute that gives no message: the errno's description. */
	zipc_lazy_close(other);
	assert_zipc_ok(zipc_lazy_create(seg, "quiet", U64, 1, &other));
	assert_zipc_rc(zipc_lazy_force(other, compute_silent_error, NULL, out, ZIPC_FOREVER), -EIO);
	assert_zipc_ok(zipc_lazy_error(other, buf, sizeof(buf)));
	assert_string_equal(buf, zipc_strerror(-ENOSPC));
	fl_unshare(c, sizeof(*c));
	zipc_lazy_close(other);
	zipc_lazy_close(lz);
	zipc_segment_close(seg);
}

static void test_lazy_const_is_there_at_once(void **state)
{
	struct zipc_segment *seg = fl_seg_create("const", NULL);
	struct calls *c = fl_shared(sizeof(*c));
	struct zipc_lazy *lz, *again, *empty;
	struct zipc_lazy_info info;
	uint64_t out[4] = {0};

	(void)state;
	assert_zipc_ok(zipc_lazy_create_const(seg, "k", U64, 4, FOUR, &lz));
	assert_zipc_ok(zipc_lazy_force(lz, compute_four, c, out, ZIPC_FOREVER));
	assert_memory_equal(out, FOUR, sizeof(FOUR));
	assert_int_equal(atomic_load(&c->n), 0);
	zipc_lazy_info(lz, &info);
	assert_int_equal(info.state, ZIPC_LAZY_READY);
	assert_int_equal(info.compute_count, 0);
	assert_int_equal(info.owner_pid, 0);
	assert_zipc_rc(zipc_lazy_provide(lz, out), -EALREADY);
	assert_zipc_rc(zipc_lazy_demand(lz), -EALREADY);
	assert_zipc_rc(zipc_lazy_serve(lz, compute_four, c, 0), -EALREADY);
	zipc_lazy_info(lz, &info);
	assert_int_equal(info.compute_count, 0);
	assert_int_equal(info.owner_pid, 0);
	/* Create-or-open: the existing constant stays. */
	assert_zipc_ok(zipc_lazy_create_const(seg, "k", U64, 4, (uint64_t[4]){9, 9, 9, 9}, &again));
	assert_zipc_ok(zipc_lazy_try_get(again, out));
	assert_memory_equal(out, FOUR, sizeof(FOUR));
	/* A constant is given only to a new lazy. */
	assert_zipc_ok(zipc_lazy_create(seg, "e", U64, 1, &empty));
	zipc_lazy_close(empty);
	assert_zipc_ok(zipc_lazy_create_const(seg, "e", U64, 1, FOUR, &empty));
	assert_lazy(empty, ZIPC_LAZY_EMPTY, 0);
	assert_zipc_rc(zipc_lazy_create_const(seg, "n", U64, 1, NULL, &lz), -EINVAL);
	fl_unshare(c, sizeof(*c));
	zipc_lazy_close(empty);
	zipc_lazy_close(again);
	zipc_lazy_close(lz);
	zipc_segment_close(seg);
}

static void test_lazy_provide_sets_once(void **state)
{
	struct zipc_segment *seg = fl_seg_create("prov", NULL);
	struct zipc_lazy *lz;
	struct zipc_lazy_info info;
	uint64_t out[4] = {0}, other[4] = {1, 2, 3, 4};

	(void)state;
	assert_zipc_ok(zipc_lazy_create(seg, "lz", U64, 4, &lz));
	assert_zipc_ok(zipc_lazy_provide(lz, FOUR));
	assert_zipc_ok(zipc_lazy_try_get(lz, out));
	assert_memory_equal(out, FOUR, sizeof(FOUR));
	zipc_lazy_info(lz, &info);
	assert_int_equal(info.state, ZIPC_LAZY_READY);
	assert_int_equal(info.compute_count, 1); /* provided: a computation */
	assert_int_equal(info.owner_pid, (uint32_t)getpid());
	assert_zipc_rc(zipc_lazy_provide(lz, other), -EALREADY);
	memset(out, 0, sizeof(out));
	assert_zipc_ok(zipc_lazy_force(lz, NULL, NULL, out, 0));
	assert_memory_equal(out, FOUR, sizeof(FOUR));
	zipc_lazy_close(lz);
	zipc_segment_close(seg);
}

/* Child: open lazy NAME and force it without a compute function; exit 0 if it got FOUR. */
static void child_force_expect_four(const char *segname, const char *name, struct calls *c)
{
	struct zipc_segment *s;
	struct zipc_lazy *lz;
	uint64_t out[4] = {0};
	int rc;

	FL_CHILD_CHECK(zipc_segment_open(segname, &s) == 0, "open");
	FL_CHILD_CHECK(zipc_lazy_open(s, name, &lz) == 0, "open lazy");
	atomic_store(&c->ready, 1);
	rc = zipc_lazy_force(lz, NULL, NULL, out, 20000 * FL_MS);
	FL_CHILD_CHECK(rc == 0, "force returned %d", rc);
	FL_CHILD_CHECK(memcmp(out, FOUR, sizeof(FOUR)) == 0, "value %llu",
		       (unsigned long long)out[0]);
	_exit(0);
}

static void test_lazy_provide_wakes_forcer(void **state)
{
	char segname[64];
	struct zipc_segment *seg = fl_seg_create("pw", segname);
	struct calls *c = fl_shared(sizeof(*c));
	struct zipc_lazy *lz;
	struct zipc_lazy_info info;
	pid_t pid;

	(void)state;
	assert_zipc_ok(zipc_lazy_create(seg, "lz", U64, 4, &lz));
	pid = fl_fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_force_expect_four(segname, "lz", c);
	assert_int_equal(fl_await_u32(&c->ready, 1, 10000), 0);
	/* Its demand shows once it forces. */
	do {
		fl_sleep_ms(5);
		zipc_lazy_info(lz, &info);
	} while (info.demand == 0);
	fl_sleep_ms(50);
	assert_zipc_ok(zipc_lazy_provide(lz, FOUR));
	assert_int_equal(fl_wait_child(pid, 20000), 0);
	fl_unshare(c, sizeof(*c));
	zipc_lazy_close(lz);
	zipc_segment_close(seg);
}

/* Child: serve lazy NAME with compute_four; exit 0 if serve returned want. */
static void child_serve(const char *segname, const char *name, struct calls *c, int want)
{
	struct zipc_segment *s;
	struct zipc_lazy *lz;
	int rc;

	FL_CHILD_CHECK(zipc_segment_open(segname, &s) == 0, "open");
	FL_CHILD_CHECK(zipc_lazy_open(s, name, &lz) == 0, "open lazy");
	atomic_store(&c->ready, 1);
	rc = zipc_lazy_serve(lz, compute_four, c, 20000 * FL_MS);
	FL_CHILD_CHECK(rc == want, "serve returned %d (%s), expected %d", rc, zipc_strerror(rc),
		       want);
	_exit(0);
}

static void test_lazy_demand_wakes_provider(void **state)
{
	char segname[64];
	struct zipc_segment *seg = fl_seg_create("dem", segname);
	struct calls *c = fl_shared(sizeof(*c));
	struct zipc_lazy *lz;
	struct zipc_lazy_info info;
	uint64_t out[4] = {0};
	pid_t pid;

	(void)state;
	assert_zipc_ok(zipc_lazy_create(seg, "lz", U64, 4, &lz));
	pid = fl_fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_serve(segname, "lz", c, 0);
	assert_int_equal(fl_await_u32(&c->ready, 1, 10000), 0);
	fl_sleep_ms(100);
	/* No demand yet: the provider computes nothing. */
	assert_int_equal(atomic_load(&c->n), 0);
	assert_lazy(lz, ZIPC_LAZY_EMPTY, 0);
	assert_zipc_ok(zipc_lazy_demand(lz));
	zipc_lazy_info(lz, &info);
	assert_int_equal(info.demand, 1);
	assert_int_equal(fl_wait_child(pid, 20000), 0);
	assert_zipc_ok(zipc_lazy_try_get(lz, out));
	assert_memory_equal(out, FOUR, sizeof(FOUR));
	zipc_lazy_info(lz, &info);
	assert_int_equal(info.compute_count, 1);
	assert_int_equal(info.owner_pid, (uint32_t)pid);
	assert_int_equal(atomic_load(&c->n), 1);
	assert_zipc_rc(zipc_lazy_demand(lz), -EALREADY);
	fl_unshare(c, sizeof(*c));
	zipc_lazy_close(lz);
	zipc_segment_close(seg);
}

static void test_lazy_serve_errors(void **state)
{
	struct zipc_segment *seg = fl_seg_create("serr", NULL);
	struct calls *c = fl_shared(sizeof(*c));
	struct zipc_lazy *lz, *bad;
	uint64_t out[4];
	int64_t t0;

	(void)state;
	assert_zipc_ok(zipc_lazy_create(seg, "lz", U64, 4, &lz));
	assert_zipc_rc(zipc_lazy_serve(lz, NULL, NULL, 0), -EINVAL);
	t0 = fl_now_ns();
	assert_zipc_rc(zipc_lazy_serve(lz, compute_four, c, 50 * FL_MS), -ETIMEDOUT);
	assert_true(fl_now_ns() - t0 >= 50 * FL_MS);
	assert_int_equal(atomic_load(&c->n), 0);
	/* Demanded: the provider computes at once, and reports 0. */
	assert_zipc_ok(zipc_lazy_demand(lz));
	assert_zipc_ok(zipc_lazy_serve(lz, compute_four, c, 1000 * FL_MS));
	assert_int_equal(atomic_load(&c->n), 1);
	assert_zipc_rc(zipc_lazy_serve(lz, compute_four, c, 1000 * FL_MS), -EALREADY);
	/* A provider whose computation fails published the error: 0 too. */
	assert_zipc_ok(zipc_lazy_create(seg, "bad", U64, 4, &bad));
	assert_zipc_ok(zipc_lazy_demand(bad));
	assert_zipc_ok(zipc_lazy_serve(bad, compute_domain_error, c, 1000 * FL_MS));
	assert_zipc_rc(zipc_lazy_force(bad, NULL, NULL, out, 0), -EIO);
	assert_last_error("domain error: sqrt(-1)");
	fl_unshare(c, sizeof(*c));
	zipc_lazy_close(bad);
	zipc_lazy_close(lz);
	zipc_segment_close(seg);
}

static void test_lazy_force_without_compute_times_out(void **state)
{
	struct zipc_segment *seg = fl_seg_create("ftmo", NULL);
	struct zipc_lazy *lz;
	struct zipc_lazy_info info;
	uint64_t out = 5;
	int64_t t0, dt;

	(void)state;
	assert_zipc_ok(zipc_lazy_create(seg, "lz", U64, 1, &lz));
	t0 = fl_now_ns();
	assert_zipc_rc(zipc_lazy_force(lz, NULL, NULL, &out, 150 * FL_MS), -ETIMEDOUT);
	dt = fl_now_ns() - t0;
	assert_true(dt >= 150 * FL_MS && dt < 5000 * FL_MS);
	assert_int_equal(out, 5);
	zipc_lazy_info(lz, &info);
	assert_int_equal(info.state, ZIPC_LAZY_EMPTY);
	assert_int_equal(info.demand, 1);
	assert_int_equal(info.owner_pid, 0);
	zipc_lazy_close(lz);
	zipc_segment_close(seg);
}

static void test_lazy_create_or_open(void **state)
{
	struct zipc_segment *seg = fl_seg_create("coo", NULL);
	struct zipc_lazy *a, *b, *d = NULL;
	struct zipc_future *f;

	(void)state;
	assert_zipc_ok(zipc_lazy_create(seg, "lz", U64, 1, &a));
	assert_zipc_ok(zipc_lazy_create(seg, "lz", U64, 1, &b));
	assert_zipc_ok(zipc_lazy_provide(a, FOUR));
	assert_lazy(b, ZIPC_LAZY_READY, 1);
	/* Same value size, another type: opens (documented). */
	assert_zipc_ok(zipc_lazy_create(seg, "lz", F64, 1, &d));
	assert_int_equal(zipc_lazy_value_size(d), 8);
	zipc_lazy_close(d);
	d = NULL;
	/* Another value size: refused. */
	assert_zipc_rc(zipc_lazy_create(seg, "lz", U64, 2, &d), -EEXIST);
	assert_zipc_ok(zipc_lazy_create(seg, "small", U32, 1, &d));
	zipc_lazy_close(d);
	d = NULL;
	assert_zipc_rc(zipc_lazy_create(seg, "small", U32, 3, &d), -EEXIST);
	/* Kinds are not confused. */
	assert_zipc_ok(zipc_future_create(seg, "fut", I64, 1, &f));
	assert_zipc_rc(zipc_lazy_open(seg, "fut", &d), -EINVAL);
	assert_zipc_rc(zipc_lazy_create(seg, "fut", I64, 1, &d), -EEXIST);
	assert_zipc_rc(zipc_lazy_open(seg, "nothing", &d), -ENOENT);
	assert_zipc_rc(zipc_lazy_create(seg, "zero", I64, 0, &d), -EINVAL);
	assert_zipc_rc(zipc_lazy_set_check_period(a, FL_MS - 1), -EINVAL);
	assert_zipc_ok(zipc_lazy_set_check_period(a, FL_MS));
	zipc_future_close(f);
	zipc_lazy_close(a);
	zipc_lazy_close(b);
	zipc_segment_close(seg);
}

/*
 * u32 x 1 and u32 x 2 have the same entry size (40 + align8(v) + 256 = 304)
 * but not the same value size: create-or-open must refuse, not hand out a
 * 4-byte lazy to a caller that asked for 8 bytes.
 */
static void test_lazy_create_refuses_other_value_size_with_same_padding(void **state)
{
	struct zipc_segment *seg = fl_seg_create("pad", NULL);
	struct zipc_lazy *a, *d = NULL;
	uint8_t eight[8] = {1, 2, 3, 4, 5, 6, 7, 8};

	(void)state;
	assert_zipc_ok(zipc_lazy_create(seg, "small", U32, 1, &a));
	assert_zipc_rc(zipc_lazy_create(seg, "small", U32, 2, &d), -EEXIST);
	zipc_lazy_close(d);
	d = NULL;
	assert_zipc_rc(zipc_lazy_create_const(seg, "small", (struct zipc_type){ZIPC_ELEM_U8, 1}, 8,
					      eight, &d),
		       -EEXIST);
	zipc_lazy_close(d);
	zipc_lazy_close(a);
	zipc_segment_close(seg);
}

/* Send sig to pid every 20 ms until it exits; its exit status. */
static int pester_until_exit(pid_t pid, int sig, int timeout_ms)
{
	int64_t deadline = fl_now_ns() + timeout_ms * FL_MS;
	int st;

	while (fl_now_ns() < deadline) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			fl_wait_child(pid, 0);
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		kill(pid, sig);
		fl_sleep_ms(20);
	}
	return fl_wait_child(pid, 0);
}

static enum zipc_lazy_state lazy_state(struct zipc_lazy *lz)
{
	struct zipc_lazy_info info;

	zipc_lazy_info(lz, &info);
	return info.state;
}

enum blocked_call { FORCE_NO_COMPUTE, FORCE_BEHIND_COMPUTER, SERVE };

static int compute_slowly(void *ctx, void *out, char *err, size_t errlen)
{
	(void)ctx;
	(void)err;
	(void)errlen;
	fl_sleep_ms(5000);
	memcpy(out, FOUR, sizeof(FOUR));
	return 0;
}

static void interrupt_one(enum blocked_call call)
{
	char segname[64];
	struct zipc_segment *seg = fl_seg_create("intr", segname);
	struct calls *c = fl_shared(sizeof(*c));
	struct zipc_lazy *lz;
	pid_t computer = -1, pid;

	assert_zipc_ok(zipc_lazy_create(seg, "lz", U64, 4, &lz));
	if (call == FORCE_BEHIND_COMPUTER) {
		computer = fl_fork();
		assert_true(computer >= 0);
		if (computer == 0) {
			uint64_t out[4];

			zipc_lazy_force(lz, compute_slowly, NULL, out, ZIPC_FOREVER);
			_exit(0);
		}
		/* Until the computer holds it. */
		for (int i = 0; i < 5000 && lazy_state(lz) != ZIPC_LAZY_COMPUTING; i++)
			fl_sleep_ms(2);
		assert_int_equal(lazy_state(lz), ZIPC_LAZY_COMPUTING);
	}
	pid = fl_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct zipc_segment *s;
		struct zipc_lazy *l;
		uint64_t out[4];
		int rc = 0;

		fl_on_signal(SIGUSR1);
		FL_CHILD_CHECK(zipc_segment_open(segname, &s) == 0, "open");
		FL_CHILD_CHECK(zipc_lazy_open(s, "lz", &l) == 0, "open lazy");
		atomic_store(&c->ready, 1);
		switch (call) {
		case FORCE_NO_COMPUTE:
			rc = zipc_lazy_force(l, NULL, NULL, out, 20000 * FL_MS);
			break;
		case FORCE_BEHIND_COMPUTER:
			rc = zipc_lazy_force(l, compute_four, c, out, 20000 * FL_MS);
			break;
		case SERVE:
			rc = zipc_lazy_serve(l, compute_four, c, 20000 * FL_MS);
			break;
		}
		FL_CHILD_CHECK(rc == -EINTR, "call %d returned %d (%s)", (int)call, rc,
			       zipc_strerror(rc));
		_exit(0);
	}
	assert_int_equal(fl_await_u32(&c->ready, 1, 10000), 0);
	assert_int_equal(pester_until_exit(pid, SIGUSR1, 10000), 0);
	assert_int_equal(atomic_load(&c->n), 0);
	if (computer > 0)
		fl_wait_child(computer, 0);
	fl_unshare(c, sizeof(*c));
	zipc_lazy_close(lz);
	zipc_segment_close(seg);
}

static void test_lazy_blocked_calls_interrupted_by_signal(void **state)
{
	(void)state;
	interrupt_one(FORCE_NO_COMPUTE);
	interrupt_one(FORCE_BEHIND_COMPUTER);
	interrupt_one(SERVE);
}

/* Stops its own process (SIGSTOP) in the middle of computing. */
static int compute_stops(void *ctx, void *out, char *err, size_t errlen)
{
	struct calls *c = ctx;

	(void)err;
	(void)errlen;
	atomic_fetch_add(&c->n, 1);
	raise(SIGSTOP);
	memcpy(out, FOUR, sizeof(FOUR));
	return 0;
}

/*
 * A provider killed mid-compute: zipc_lazy_demand returns the lazy to empty
 * (owner 0) and signals demand again; a later forcer computes (count 2).
 */
static void test_lazy_demand_resets_dead_provider(void **state)
{
	char segname[64];
	struct zipc_segment *seg = fl_seg_create("dp", segname);
	struct calls *c = fl_shared(sizeof(*c));
	struct zipc_lazy *lz;
	struct zipc_lazy_info info;
	uint64_t out[4] = {0};
	pid_t pid;

	(void)state;
	assert_zipc_ok(zipc_lazy_create(seg, "lz", U64, 4, &lz));
	pid = fl_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct zipc_segment *s;
		struct zipc_lazy *l;

		FL_CHILD_CHECK(zipc_segment_open(segname, &s) == 0, "open");
		FL_CHILD_CHECK(zipc_lazy_open(s, "lz", &l) == 0, "open lazy");
		atomic_store(&c->ready, 1);
		zipc_lazy_serve(l, compute_stops, c, 20000 * FL_MS);
		_exit(3);
	}
	assert_int_equal(fl_await_u32(&c->ready, 1, 10000), 0);
	assert_zipc_ok(zipc_lazy_demand(lz));
	assert_int_equal(fl_wait_stopped(pid, 10000), 0);
	zipc_lazy_info(lz, &info);
	assert_int_equal(info.state, ZIPC_LAZY_COMPUTING);
	assert_int_equal(info.owner_pid, (uint32_t)pid);
	assert_int_equal(info.compute_count, 1);
	/* Alive (stopped): demand leaves it alone. */
	assert_zipc_ok(zipc_lazy_demand(lz));
	zipc_lazy_info(lz, &info);
	assert_int_equal(info.state, ZIPC_LAZY_COMPUTING);
	assert_int_equal(info.demand, 2);
	kill(pid, SIGKILL);
	assert_int_equal(fl_wait_child(pid, 10000), 128 + SIGKILL);
	assert_zipc_ok(zipc_lazy_demand(lz));
	zipc_lazy_info(lz, &info);
	assert_int_equal(info.state, ZIPC_LAZY_EMPTY);
	assert_int_equal(info.owner_pid, 0);
	assert_true(info.demand >= 3);
	assert_zipc_ok(zipc_lazy_force(lz, compute_four, c, out, 1000 * FL_MS));
	assert_memory_equal(out, FOUR, sizeof(FOUR));
	assert_lazy(lz, ZIPC_LAZY_READY, 2);
	assert_int_equal(atomic_load(&c->n), 2);
	fl_unshare(c, sizeof(*c));
	zipc_lazy_close(lz);
	zipc_segment_close(seg);
}

/* Plays the other process's delayed step: state word 1 -> 0, then computes. */
static int compute_while_give_up_completes(void *ctx, void *out, char *err, size_t errlen)
{
	struct calls *c = ctx;

	(void)err;
	(void)errlen;
	atomic_fetch_add(&c->n, 1);
	fl_put32(c->state_word, 0, ZIPC_LAZY_EMPTY);
	memcpy(out, FOUR, sizeof(FOUR));
	return 0;
}

/*
 * Giving up on a dead computer is two CASes (owner dead -> 0, then state
 * 1 -> 0). A forcer with a compute function that claims between them
 * (owner 0, state still 1) computes; the giver-up's state CAS lands during
 * that computation. The forcer must still deliver its value and leave the
 * lazy ready, not wedged empty with a live owner. The interleaving is
 * written into the segment step by step.
 */
static void test_lazy_claim_during_give_up(void **state)
{
	struct zipc_segment *seg = fl_seg_create("gu", NULL);
	struct calls *c = fl_shared(sizeof(*c));
	unsigned char *b = zipc_segment_base(seg);
	struct zipc_lazy *lz;
	uint64_t off, out[4] = {0};

	(void)state;
	assert_zipc_ok(zipc_lazy_create(seg, "lz", U64, 4, &lz));
	fl_entry(seg, "lz", &off, NULL);
	/* The giver-up did its first CAS: owner 0, state still computing. */
	fl_put32(b, off + 0, ZIPC_LAZY_COMPUTING);
	fl_put32(b, off + 24, 1);
	c->state_word = b + off;
	assert_zipc_ok(zipc_lazy_set_check_period(lz, 20 * FL_MS));
	assert_zipc_ok(zipc_lazy_force(lz, compute_while_give_up_completes, c, out, 2000 * FL_MS));
	assert_memory_equal(out, FOUR, sizeof(FOUR));
	assert_int_equal(zipc_lazy_try_get(lz, out), 0);
	fl_unshare(c, sizeof(*c));
	zipc_lazy_close(lz);
	zipc_segment_close(seg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		fl_test(test_lazy_force_computes_once),
		fl_test(test_lazy_compute_error_reaches_every_forcer),
		fl_test(test_lazy_const_is_there_at_once),
		fl_test(test_lazy_provide_sets_once),
		fl_test(test_lazy_provide_wakes_forcer),
		fl_test(test_lazy_demand_wakes_provider),
		fl_test(test_lazy_serve_errors),
		fl_test(test_lazy_force_without_compute_times_out),
		fl_test(test_lazy_create_or_open),
		fl_test(test_lazy_create_refuses_other_value_size_with_same_padding),
		fl_test(test_lazy_blocked_calls_interrupted_by_signal),
		fl_test(test_lazy_demand_resets_dead_provider),
		fl_test(test_lazy_claim_during_give_up),
	};

	return cmocka_run_group_tests_name("lazy", tests, NULL, NULL);
}
