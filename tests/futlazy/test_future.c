/* Description: Future: set once, fail with a message, try/timeout/interrupt, dead setters. */
#include "fl.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct zipc_type I64 = {ZIPC_ELEM_I64, 8};
static const struct zipc_type F64 = {ZIPC_ELEM_F64, 8};

/* Byte offset of the future's owner word (FORMAT.md: wait block +32). */
static uint64_t owner_offset(struct zipc_segment *seg, const char *name)
{
	uint64_t off;

	fl_entry(seg, name, &off, NULL);
	return fl_get64(zipc_segment_base(seg), off - 96 + 32) + 32;
}

static void test_future_set_once(void **state)
{
	struct zipc_segment *seg = fl_seg_create("set", NULL);
	struct zipc_future *f;
	int64_t v[2] = {7, -7}, w[2] = {1, 1}, out[2] = {0};

	(void)state;
	assert_zipc_ok(zipc_future_create(seg, "f", I64, 2, &f));
	assert_int_equal(zipc_future_value_size(f), 16);
	assert_int_equal(zipc_future_type(f).elem, ZIPC_ELEM_I64);
	assert_int_equal(zipc_future_state(f), ZIPC_FUTURE_PENDING);
	assert_zipc_ok(zipc_future_set(f, v));
	assert_int_equal(zipc_future_state(f), ZIPC_FUTURE_READY);
	assert_zipc_ok(zipc_future_get(f, out, ZIPC_FOREVER));
	assert_memory_equal(out, v, sizeof(v));
	/* Set once: later sets and fails change nothing. */
	assert_zipc_rc(zipc_future_set(f, w), -EALREADY);
	assert_zipc_rc(zipc_future_fail(f, "too late"), -EALREADY);
	memset(out, 0, sizeof(out));
	assert_zipc_ok(zipc_future_try_get(f, out));
	assert_memory_equal(out, v, sizeof(v));
	assert_zipc_rc(zipc_future_error(f, (char[8]){0}, 8), -EAGAIN);
	zipc_future_close(f);
	zipc_segment_close(seg);
}

static void test_future_fail_gives_message(void **state)
{
	struct zipc_segment *seg = fl_seg_create("fail", NULL);
	struct zipc_future *f, *g;
	int64_t v = 5, out = 99;
	char buf[300], big[300];

	(void)state;
	assert_zipc_ok(zipc_future_create(seg, "f", I64, 1, &f));
	assert_zipc_ok(zipc_future_fail(f, "sensor unplugged"));
	assert_int_equal(zipc_future_state(f), ZIPC_FUTURE_ERROR);
	assert_zipc_rc(zipc_future_get(f, &out, ZIPC_FOREVER), -EIO);
	assert_last_error("sensor unplugged");
	assert_zipc_rc(zipc_future_try_get(f, &out), -EIO);
	assert_last_error("sensor unplugged");
	assert_int_equal(out, 99); /* out untouched */
	assert_zipc_ok(zipc_future_error(f, buf, sizeof(buf)));
	assert_string_equal(buf, "sensor unplugged");
	assert_zipc_ok(zipc_future_error(f, buf, 7));
	assert_string_equal(buf, "sensor");
	assert_zipc_rc(zipc_future_set(f, &v), -EALREADY);
	assert_zipc_rc(zipc_future_fail(f, "again"), -EALREADY);
	assert_zipc_ok(zipc_future_error(f, buf, sizeof(buf)));
	assert_string_equal(buf, "sensor unplugged");

	/* Messages are truncated to 255 bytes. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_zipc_ok(zipc_future_create(seg, "g", I64, 1, &g));
	assert_zipc_ok(zipc_future_fail(g, big));
	assert_zipc_ok(zipc_future_error(g, buf, sizeof(buf)));
	assert_int_equal(strlen(buf), ZIPC_ERROR_MESSAGE_MAX - 1);
	assert_zipc_rc(zipc_future_get(g, &out, 0), -EIO);
	assert_int_equal(strlen(zipc_last_error()), ZIPC_ERROR_MESSAGE_MAX - 1);
	zipc_future_close(f);
	zipc_future_close(g);
	zipc_segment_close(seg);
}

static void test_future_pending_try_get_and_timeout(void **state)
{
	struct zipc_segment *seg = fl_seg_create("tmo", NULL);
	struct zipc_future *f;
	int64_t out = 42, t0, dt;
	char buf[16];

	(void)state;
	assert_zipc_ok(zipc_future_create(seg, "f", I64, 1, &f));
	assert_zipc_rc(zipc_future_try_get(f, &out), -EAGAIN);
	assert_zipc_rc(zipc_future_get(f, &out, 0), -ETIMEDOUT);
	t0 = fl_now_ns();
	assert_zipc_rc(zipc_future_get(f, &out, 50 * FL_MS), -ETIMEDOUT);
	dt = fl_now_ns() - t0;
	/* Not before the timeout; the upper bound only catches a hang. */
	assert_true(dt >= 50 * FL_MS);
	assert_true(dt < 5000 * FL_MS);
	assert_int_equal(out, 42);
	assert_zipc_rc(zipc_future_error(f, buf, sizeof(buf)), -EAGAIN);
	assert_int_equal(zipc_future_state(f), ZIPC_FUTURE_PENDING);
	/* Getters never claim the future. */
	assert_le64(zipc_segment_base(seg), owner_offset(seg, "f"), 0);
	zipc_future_close(f);
	zipc_segment_close(seg);
}

static void test_future_create_or_open(void **state)
{
	struct zipc_segment *seg = fl_seg_create("coo", NULL);
	struct zipc_future *a, *b, *c, *d = NULL;
	struct zipc_lazy *lz;
	int64_t v = 11, out = 0;

	(void)state;
	assert_zipc_ok(zipc_future_create(seg, "f", I64, 1, &a));
	assert_zipc_ok(zipc_future_create(seg, "f", I64, 1, &b));
	assert_zipc_ok(zipc_future_open(seg, "f", &c));
	assert_zipc_ok(zipc_future_set(a, &v));
	assert_zipc_ok(zipc_future_get(b, &out, 0));
	assert_int_equal(out, 11);
	assert_zipc_rc(zipc_future_set(c, &v), -EALREADY);
	/* A different value size is another future: refused. */
	assert_zipc_rc(zipc_future_create(seg, "f", I64, 2, &d), -EEXIST);
	assert_zipc_rc(zipc_future_create(seg, "f", (struct zipc_type){ZIPC_ELEM_I32, 4}, 1, &d),
		       -EEXIST);
	/* The same value size opens it (documented: "with the same value size"). */
	assert_zipc_ok(zipc_future_create(seg, "f", F64, 1, &d));
	assert_int_equal(zipc_future_value_size(d), 8);
	zipc_future_close(d);

	/* Kinds are not confused. */
	assert_zipc_ok(zipc_lazy_create(seg, "lz", I64, 1, &lz));
	assert_zipc_rc(zipc_future_open(seg, "lz", &d), -EINVAL);
	assert_zipc_rc(zipc_future_create(seg, "lz", I64, 1, &d), -EEXIST);
	assert_zipc_rc(zipc_future_open(seg, "nothing", &d), -ENOENT);
	assert_zipc_rc(zipc_future_create(seg, "zero", I64, 0, &d), -EINVAL);
	assert_zipc_rc(zipc_future_create(seg, "a/b", I64, 1, &d), -EINVAL);
	zipc_lazy_close(lz);
	zipc_future_close(a);
	zipc_future_close(b);
	zipc_future_close(c);
	zipc_segment_close(seg);
}

static void test_future_event_changes_on_set(void **state)
{
	struct zipc_segment *seg = fl_seg_create("ev", NULL);
	struct zipc_future *f;
	struct zipc_event *ev;
	uint32_t token;
	int64_t v = 1;

	(void)state;
	assert_zipc_ok(zipc_future_create(seg, "f", I64, 1, &f));
	ev = zipc_future_event(f);
	assert_non_null(ev);
	token = zipc_event_arm(ev);
	assert_zipc_rc(zipc_event_wait(ev, token, 0), -ETIMEDOUT);
	assert_zipc_ok(zipc_future_set(f, &v));
	assert_zipc_ok(zipc_event_wait(ev, token, 0));
	assert_zipc_ok(zipc_event_wait(ev, token, 1000 * FL_MS));
	zipc_event_disarm(ev);
	zipc_future_close(f);
	zipc_segment_close(seg);
}

/* Send sig to pid every 20 ms until it exits; its exit status. */
static int pester_until_exit(pid_t pid, int sig, int timeout_ms)
{
	int64_t deadline = fl_now_ns() + timeout_ms * FL_MS;
	int st;

	while (fl_now_ns() < deadline) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			fl_wait_child(pid, 0); /* forget it */
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		kill(pid, sig);
		fl_sleep_ms(20);
	}
	return fl_wait_child(pid, 0);
}

static void test_future_get_interrupted_by_signal(void **state)
{
	char segname[64];
	struct zipc_segment *seg = fl_seg_create("intr", segname);
	_Atomic uint32_t *ready = fl_shared(4096);
	struct zipc_future *f;
	uint64_t off;
	pid_t pid;

	(void)state;
	assert_zipc_ok(zipc_future_create(seg, "f", I64, 1, &f));
	fl_entry(seg, "f", &off, NULL);
	pid = fl_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct zipc_segment *s;
		struct zipc_future *g;
		int64_t out;
		int rc;

		fl_on_signal(SIGUSR1);
		FL_CHILD_CHECK(zipc_segment_open(segname, &s) == 0, "open");
		FL_CHILD_CHECK(zipc_future_open(s, "f", &g) == 0, "open future");
		atomic_store(ready, 1);
		rc = zipc_future_get(g, &out, 20000 * FL_MS);
		FL_CHILD_CHECK(rc == -EINTR, "get returned %d (%s)", rc, zipc_strerror(rc));
		_exit(0);
	}
	assert_int_equal(fl_await_u32(ready, 1, 10000), 0);
	assert_int_equal(pester_until_exit(pid, SIGUSR1, 10000), 0);
	/* The interrupted getter unregistered itself. */
	assert_le32(zipc_segment_base(seg), off + 4, 0);
	assert_int_equal(zipc_future_state(f), ZIPC_FUTURE_PENDING);
	fl_unshare(ready, 4096);
	zipc_future_close(f);
	zipc_segment_close(seg);
}

/*
 * A setter that died between claiming the future and completing it leaves
 * state 1 and its owner word (FORMAT.md "Future", ours). A getter returns
 * such a future to pending within its re-check period; a live setter's
 * claim is left alone.
 */
static void test_future_dead_setter_is_recovered(void **state)
{
	struct zipc_segment *seg = fl_seg_create("dead", NULL);
	unsigned char *b = zipc_segment_base(seg);
	struct zipc_future *f;
	uint64_t off, own;
	int64_t v = 314, out = 0;

	(void)state;
	assert_zipc_ok(zipc_future_create(seg, "f", I64, 1, &f));
	fl_entry(seg, "f", &off, NULL);
	own = owner_offset(seg, "f");
	fl_put64(b, own, fl_dead_owner_word());
	fl_put32(b, off, ZIPC_FUTURE_COMPUTING);
	assert_zipc_rc(zipc_future_set(f, &v), -EALREADY);
	/* A getter notices the dead setter within the 100 ms re-check. */
	assert_zipc_rc(zipc_future_get(f, &out, 1000 * FL_MS), -ETIMEDOUT);
	assert_int_equal(zipc_future_state(f), ZIPC_FUTURE_PENDING);
	assert_le64(b, own, 0);
	assert_zipc_ok(zipc_future_set(f, &v));
	assert_zipc_ok(zipc_future_get(f, &out, 0));
	assert_int_equal(out, 314);
	assert_le64(b, own, fl_owner_word(getpid()));
	zipc_future_close(f);
	zipc_segment_close(seg);
}

static void test_future_live_setter_is_not_recovered(void **state)
{
	struct zipc_segment *seg = fl_seg_create("live", NULL);
	unsigned char *b = zipc_segment_base(seg);
	struct zipc_future *f;
	uint64_t off, own, word;
	int64_t out = 0;
	pid_t pid;

	(void)state;
	assert_zipc_ok(zipc_future_create(seg, "f", I64, 1, &f));
	fl_entry(seg, "f", &off, NULL);
	own = owner_offset(seg, "f");
	pid = fl_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	word = fl_owner_word(pid);
	fl_put64(b, own, word);
	fl_put32(b, off, ZIPC_FUTURE_COMPUTING);
	assert_zipc_rc(zipc_future_get(f, &out, 350 * FL_MS), -ETIMEDOUT);
	assert_int_equal(zipc_future_state(f), ZIPC_FUTURE_COMPUTING);
	assert_le64(b, own, word);
	kill(pid, SIGKILL);
	fl_wait_child(pid, 10000);
	/* Now it is dead: recovered. */
	assert_zipc_rc(zipc_future_get(f, &out, 1000 * FL_MS), -ETIMEDOUT);
	assert_int_equal(zipc_future_state(f), ZIPC_FUTURE_PENDING);
	zipc_future_close(f);
	zipc_segment_close(seg);
}

/*
 * Recovery is two CASes: owner dead -> 0, then state 1 -> 0. A setter that
 * runs between them finds the owner free and the state still 1: its set
 * fails (-EALREADY), rightly. Once the recovery completes the future is
 * pending and nobody is setting it, so the next set must succeed.
 * The interleaving is written step by step into the segment.
 */
static void test_future_set_after_interrupted_recovery(void **state)
{
	struct zipc_segment *seg = fl_seg_create("race", NULL);
	unsigned char *b = zipc_segment_base(seg);
	struct zipc_future *f;
	uint64_t off, own;
	int64_t v = 8, out = 0;

	(void)state;
	assert_zipc_ok(zipc_future_create(seg, "f", I64, 1, &f));
	fl_entry(seg, "f", &off, NULL);
	own = owner_offset(seg, "f");
	/* The recovering getter did its first CAS (owner -> 0)... */
	fl_put32(b, off, ZIPC_FUTURE_COMPUTING);
	fl_put64(b, own, 0);
	/* ...a setter comes in now... */
	assert_zipc_rc(zipc_future_set(f, &v), -EALREADY);
	/* ...then the getter's second CAS (state 1 -> 0). */
	fl_put32(b, off, ZIPC_FUTURE_PENDING);
	assert_zipc_ok(zipc_future_set(f, &v));
	assert_zipc_ok(zipc_future_get(f, &out, 0));
	assert_int_equal(out, 8);
	zipc_future_close(f);
	zipc_segment_close(seg);
}

/*
 * A setter claims the owner word first, then the state. One that dies
 * between the two leaves the future pending with a dead owner: the future
 * was never being set, and must still be settable (nobody waits forever on
 * a dead setter). Getters get their chance to notice first.
 */
static void test_future_setter_dead_before_claiming_state(void **state)
{
	struct zipc_segment *seg = fl_seg_create("half", NULL);
	unsigned char *b = zipc_segment_base(seg);
	struct zipc_future *f;
	uint64_t own;
	int64_t v = 99, out = 0;

	(void)state;
	assert_zipc_ok(zipc_future_create(seg, "f", I64, 1, &f));
	own = owner_offset(seg, "f");
	fl_put64(b, own, fl_dead_owner_word());
	assert_int_equal(zipc_future_state(f), ZIPC_FUTURE_PENDING);
	assert_zipc_rc(zipc_future_get(f, &out, 300 * FL_MS), -ETIMEDOUT);
	assert_zipc_ok(zipc_future_set(f, &v));
	assert_zipc_ok(zipc_future_get(f, &out, 0));
	assert_int_equal(out, 99);
	zipc_future_close(f);
	zipc_segment_close(seg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		fl_test(test_future_set_once),
		fl_test(test_future_fail_gives_message),
		fl_test(test_future_pending_try_get_and_timeout),
		fl_test(test_future_create_or_open),
		fl_test(test_future_event_changes_on_set),
		fl_test(test_future_get_interrupted_by_signal),
		fl_test(test_future_dead_setter_is_recovered),
		fl_test(test_future_live_setter_is_not_recovered),
		fl_test(test_future_set_after_interrupted_recovery),
		fl_test(test_future_setter_dead_before_claiming_state),
	};

	return cmocka_run_group_tests_name("future", tests, NULL, NULL);
}
