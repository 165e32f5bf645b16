/* Description: channels across processes: rendezvous order, many-to-many, close, dead peers, sleeping. */
#include "zt.h"

#include "fault_i.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * Children are forked after the channel is created and use the inherited
 * mapping and handles; results come back through an anonymous shared
 * mapping and exit statuses. Victims stop themselves at a fault point
 * (core/fault_i.h) and are then killed. Stall timeouts are 200 ms.
 */

#define MS 1000000LL
#define STALL_NS (200 * MS)
#define OP_BOUND_NS (5000 * MS)
#define CHILD_BOUND_MS 300000

#define SENDERS 3
#define RECEIVERS 3
#define PER_SENDER 100000

static const struct zipc_type I64 = {ZIPC_ELEM_I64, 8};

static char segname[64];
static struct zipc_segment *seg;

struct board {
	_Atomic int ready;
	_Atomic uint64_t claimed; /* receiver's claims, counted at the fault point */
	_Atomic int64_t cpu_ns[8];
	_Atomic int64_t wall_ns[8];
	_Atomic int64_t got[8];
	_Atomic uint8_t seen[SENDERS][PER_SENDER];
};
static struct board *board;

static int setup(void **state)
{
	zt_setup(state);
	seg = zt_seg_create("cd", 4u << 20, 32, segname);
	board = mmap(NULL, sizeof(*board), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(board != MAP_FAILED);
	memset(board, 0, sizeof(*board));
	return 0;
}

static int teardown(void **state)
{
	munmap(board, sizeof(*board));
	zipc_segment_close(seg);
	seg = NULL;
	return zt_teardown(state);
}

#define cd_test(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static struct zipc_channel *make(const char *name, uint32_t cap)
{
	struct zipc_channel *ch;

	assert_zipc_ok(zipc_channel_create(seg, name, I64, cap, &ch));
	assert_zipc_ok(zipc_channel_set_stall_timeout(ch, STALL_NS));
	return ch;
}

static void await_ready(int n)
{
	for (int i = 0; i < 20000 && atomic_load(&board->ready) < n; i++)
		zt_sleep_ms(1);
	assert_int_equal(atomic_load(&board->ready), n);
}

static void wait_ok_(pid_t pid, const char *file, int line)
{
	zt__assert_rc(zt_wait_child(pid, CHILD_BOUND_MS), 0, "child exit status", file, line);
}
#define wait_ok(pid) wait_ok_((pid), __FILE__, __LINE__)

static pid_t fork_or_fail(void)
{
	pid_t pid = zt_fork();

	assert_true(pid >= 0);
	return pid;
}

/* ---- rendezvous ---------------------------------------------------------------- */

static void count_claims(enum zipc__fault_point point)
{
	if (point == ZIPC__FP_QUEUE_POP_CLAIMED)
		atomic_fetch_add(&board->claimed, 1);
}

/*
 * Unbuffered: send returns only after receipt. The receiver counts, at the
 * fault point inside its receive (after it claimed the value, before it
 * released the slot), every value it takes; when send(k) returns, that
 * count is already k+1. The receiver pauses now and then, so senders wait.
 */
static void test_channel_unbuffered_send_returns_after_receipt(void **state)
{
	const int64_t n = 2000;
	struct zipc_channel *ch = make("u", 0);
	int64_t slow = 0;
	pid_t rx;

	(void)state;
	rx = fork_or_fail();
	if (rx == 0) {
		int64_t v;

		zipc__fault_hook = count_claims;
		for (int64_t k = 0; k < n; k++) {
			if (k % 100 == 0)
				zt_sleep_ms(5);
			ZT_CHILD_CHECK(zipc_channel_recv(ch, &v, OP_BOUND_NS) == 0 && v == k,
				       "recv %lld", (long long)k);
		}
		_exit(0);
	}
	for (int64_t k = 0; k < n; k++) {
		int64_t t0 = zt_now_ns();

		assert_zipc_ok(zipc_channel_send(ch, &k, OP_BOUND_NS));
		/* The receiver has taken k (and nothing more: it needs k+1 sent). */
		assert_int_equal(atomic_load(&board->claimed), (uint64_t)k + 1);
		slow += k % 100 == 0 && zt_now_ns() - t0 >= 4 * MS;
	}
	assert_true(slow >= n / 100 / 2); /* sends waited for the pausing receiver */
	wait_ok(rx);
	zipc_channel_close_handle(ch);
}

/* ---- many to many ---------------------------------------------------------------- */

static void receiver_main(struct zipc_channel *ch)
{
	uint64_t last[SENDERS] = {0}, total = 0;
	int64_t v;
	int r;

	while ((r = zipc_channel_recv(ch, &v, OP_BOUND_NS * 12)) == 0) {
		uint64_t s = (uint64_t)v >> 32, seq = (uint64_t)v & 0xffffffffu;

		ZT_CHILD_CHECK(s < SENDERS && seq >= 1 && seq <= PER_SENDER, "value %llx",
			       (unsigned long long)v);
		/* One sender's values reach any one receiver in order. */
		ZT_CHILD_CHECK(seq > last[s], "sender %llu: %llu after %llu", (unsigned long long)s,
			       (unsigned long long)seq, (unsigned long long)last[s]);
		last[s] = seq;
		atomic_fetch_add(&board->seen[s][seq - 1], 1);
		total++;
	}
	ZT_CHILD_CHECK(r == -EPIPE, "receiver ended with %d", r);
	_exit(0);
}

static void many_to_many(uint32_t capacity)
{
	struct zipc_channel *ch = make("m", capacity);
	pid_t rx[RECEIVERS], tx[SENDERS];
	int64_t t0 = zt_now_ns();

	for (int i = 0; i < RECEIVERS; i++) {
		rx[i] = fork_or_fail();
		if (rx[i] == 0)
			receiver_main(ch);
	}
	for (int s = 0; s < SENDERS; s++) {
		tx[s] = fork_or_fail();
		if (tx[s] == 0) {
			for (int64_t q = 1; q <= PER_SENDER; q++) {
				int64_t v = (int64_t)s << 32 | q;
				ZT_CHILD_CHECK(zipc_channel_send(ch, &v, OP_BOUND_NS) == 0, "send");
			}
			_exit(0);
		}
	}
	for (int s = 0; s < SENDERS; s++)
		wait_ok(tx[s]);
	assert_zipc_ok(zipc_channel_close(ch));
	for (int i = 0; i < RECEIVERS; i++)
		wait_ok(rx[i]);
	for (int s = 0; s < SENDERS; s++)
		for (int q = 0; q < PER_SENDER; q++)
			if (atomic_load(&board->seen[s][q]) != 1)
				fail_msg("sender %d value %d received %d times", s, q + 1,
					 atomic_load(&board->seen[s][q]));
	print_message("capacity %u: %d x %d values through %d receivers in %.0f ms\n", capacity,
		      SENDERS, PER_SENDER, RECEIVERS, (double)(zt_now_ns() - t0) / 1e6);
	zipc_channel_close_handle(ch);
}

static void test_channel_many_to_many_unbuffered(void **state)
{
	(void)state;
	many_to_many(0);
}

static void test_channel_many_to_many_buffered(void **state)
{
	(void)state;
	many_to_many(64);
}

/* ---- close and sleeping ---------------------------------------------------------------- */

/*
 * Receivers (one of them in select) and a sender blocked on a full buffer
 * sleep (CPU time over ~500 ms), and close wakes every one of them.
 */
static void test_channel_close_wakes_every_sleeper(void **state)
{
	struct zipc_channel *ch = make("c", 2), *full = make("f", 2), *idle = make("e", 2);
	struct zipc_channel *both[2] = {idle, ch};
	pid_t pids[6];
	int64_t v = 1;

	(void)state;
	assert_zipc_ok(zipc_channel_send(full, &v, 0));
	assert_zipc_ok(zipc_channel_send(full, &v, 0));
	for (int i = 0; i < 6; i++) {
		pids[i] = fork_or_fail();
		if (pids[i] == 0) {
			int64_t cpu0, t0, out;
			int r, status = 0;

			atomic_fetch_add(&board->ready, 1);
			cpu0 = zt_cpu_ns();
			t0 = zt_now_ns();
			if (i < 4)
				r = zipc_channel_recv(ch, &out, ZIPC_FOREVER);
			else if (i == 4)
				r = zipc_channel_send(full, &v, ZIPC_FOREVER);
			else
				r = zipc_channel_select(both, 2, &out, &status, ZIPC_FOREVER) == 1
					    ? status
					    : -1;
			atomic_store(&board->cpu_ns[i], zt_cpu_ns() - cpu0);
			atomic_store(&board->wall_ns[i], zt_now_ns() - t0);
			ZT_CHILD_CHECK(r == -EPIPE, "sleeper %d woke with %d", i, r);
			_exit(0);
		}
	}
	await_ready(6);
	zt_sleep_ms(500);
	assert_zipc_ok(zipc_channel_close(full));
	assert_zipc_ok(zipc_channel_close(ch));
	for (int i = 0; i < 6; i++) {
		wait_ok(pids[i]);
		assert_true(atomic_load(&board->wall_ns[i]) >= 400 * MS);
		assert_true(atomic_load(&board->cpu_ns[i]) < 50 * MS);
	}
	zipc_channel_close_handle(ch);
	zipc_channel_close_handle(full);
	zipc_channel_close_handle(idle);
}

/* A parked unbuffered sender sleeps too while no receiver comes. */
static void test_channel_parked_sender_sleeps(void **state)
{
	struct zipc_channel *ch = make("u", 0);
	int64_t v;
	pid_t pid;

	(void)state;
	pid = fork_or_fail();
	if (pid == 0) {
		int64_t cpu0 = zt_cpu_ns(), t0 = zt_now_ns(), x = 31;

		ZT_CHILD_CHECK(zipc_channel_send(ch, &x, ZIPC_FOREVER) == 0, "send");
		atomic_store(&board->cpu_ns[0], zt_cpu_ns() - cpu0);
		atomic_store(&board->wall_ns[0], zt_now_ns() - t0);
		_exit(0);
	}
	zt_sleep_ms(500);
	assert_zipc_ok(zipc_channel_recv(ch, &v, OP_BOUND_NS));
	assert_int_equal(v, 31);
	wait_ok(pid);
	assert_true(atomic_load(&board->wall_ns[0]) >= 400 * MS);
	assert_true(atomic_load(&board->cpu_ns[0]) < 50 * MS);
	zipc_channel_close_handle(ch);
}

/* ---- dead peers ---------------------------------------------------------------------- */

static enum zipc__fault_point stop_point;

/* Stop once at stop_point. */
static void stop_hook(enum zipc__fault_point point)
{
	if (point != stop_point)
		return;
	zipc__fault_hook = NULL;
	raise(SIGSTOP);
}

/* Fork a victim that sends (value >= 0) or receives, stopping at point; kill it there. */
static void kill_victim_at(struct zipc_channel *ch, enum zipc__fault_point point, int64_t value)
{
	pid_t pid = fork_or_fail();

	if (pid == 0) {
		int64_t v = value;

		stop_point = point;
		zipc__fault_hook = stop_hook;
		if (value >= 0)
			zipc_channel_send(ch, &v, ZIPC_FOREVER);
		else
			zipc_channel_recv(ch, &v, ZIPC_FOREVER);
		zt_child_fail("the victim finished without reaching fault point %d", (int)point);
	}
	assert_int_equal(zt_wait_stopped(pid, CHILD_BOUND_MS), 0);
	kill(pid, SIGKILL);
	assert_int_equal(zt_wait_child(pid, CHILD_BOUND_MS), 128 + SIGKILL);
}

static void recv_is_(struct zipc_channel *ch, int64_t want, const char *file, int line)
{
	int64_t v = -1;

	zt__assert_rc(zipc_channel_recv(ch, &v, OP_BOUND_NS), 0, "zipc_channel_recv", file, line);
	if (v != want) {
		print_error("received %lld, expected %lld\n", (long long)v, (long long)want);
		_fail(file, line);
	}
}
#define recv_is(ch, want) recv_is_((ch), (want), __FILE__, __LINE__)

/* The channel works normally again: rounds through every slot. */
static void assert_healthy(struct zipc_channel *ch)
{
	int64_t v;

	for (int64_t i = 0; i < 100; i++) {
		assert_zipc_ok(zipc_channel_send(ch, &i, OP_BOUND_NS));
		assert_zipc_ok(zipc_channel_recv(ch, &v, OP_BOUND_NS));
		assert_int_equal(v, i);
	}
}

/* A sender killed after claiming a position: receivers skip its hole. */
static void test_channel_killed_sender(void **state)
{
	struct zipc_channel *ch = make("c", 4);
	int64_t v = 2;

	(void)state;
	kill_victim_at(ch, ZIPC__FP_QUEUE_PUSH_CLAIMED, 1);
	assert_zipc_ok(zipc_channel_send(ch, &v, 0));
	recv_is(ch, 2);
	assert_healthy(ch);
	zipc_channel_close_handle(ch);
}

/* A receiver killed after claiming a value: senders reclaim its slot. */
static void test_channel_killed_receiver(void **state)
{
	struct zipc_channel *ch = make("c", 2);
	int64_t v;

	(void)state;
	v = 1;
	assert_zipc_ok(zipc_channel_send(ch, &v, 0));
	kill_victim_at(ch, ZIPC__FP_QUEUE_POP_CLAIMED, -1); /* took 1 and died */
	v = 2;
	assert_zipc_ok(zipc_channel_send(ch, &v, 0));
	v = 3;
	assert_zipc_ok(zipc_channel_send(ch, &v, OP_BOUND_NS)); /* reclaims the dead slot */
	recv_is(ch, 2);
	recv_is(ch, 3);
	assert_healthy(ch);
	zipc_channel_close_handle(ch);
}

/*
 * Unbuffered: the receiver that took a parked value dies before releasing
 * it; the sender gives it up after the stall timeout and sends it again, to
 * a live receiver.
 */
static void test_channel_unbuffered_killed_receiver_resend(void **state)
{
	struct zipc_channel *ch = make("u", 0);
	pid_t tx;
	int64_t v;

	(void)state;
	tx = fork_or_fail();
	if (tx == 0) {
		int64_t x = 9;

		ZT_CHILD_CHECK(zipc_channel_send(ch, &x, OP_BOUND_NS) == 0, "send");
		_exit(0);
	}
	kill_victim_at(ch, ZIPC__FP_QUEUE_POP_CLAIMED, -1);
	recv_is(ch, 9);
	wait_ok(tx);
	assert_zipc_rc(zipc_channel_try_recv(ch, &v), -EAGAIN);
	zipc_channel_close_handle(ch);
}

/* Unbuffered: a sender killed while its value is parked; the value is still received. */
static void test_channel_unbuffered_killed_parked_sender(void **state)
{
	struct zipc_channel *ch = make("u", 0);
	pid_t rx;

	(void)state;
	kill_victim_at(ch, ZIPC__FP_CHANNEL_SEND_PARKED, 5);
	recv_is(ch, 5);
	rx = fork_or_fail();
	if (rx == 0) {
		int64_t v;

		for (int64_t i = 0; i < 100; i++)
			ZT_CHILD_CHECK(zipc_channel_recv(ch, &v, OP_BOUND_NS) == 0 && v == i, "recv");
		_exit(0);
	}
	for (int64_t i = 0; i < 100; i++)
		assert_zipc_ok(zipc_channel_send(ch, &i, OP_BOUND_NS));
	wait_ok(rx);
	zipc_channel_close_handle(ch);
}

/* select skips a dead sender's hole too. */
static void test_channel_select_past_dead_sender(void **state)
{
	struct zipc_channel *chans[2] = {make("a", 4), make("b", 4)};
	int64_t v = 8, out = 0;
	int status = 1;

	(void)state;
	kill_victim_at(chans[0], ZIPC__FP_QUEUE_PUSH_CLAIMED, 1);
	assert_zipc_ok(zipc_channel_send(chans[0], &v, 0));
	assert_int_equal(zipc_channel_select(chans, 2, &out, &status, OP_BOUND_NS), 0);
	assert_int_equal(status, 0);
	assert_int_equal(out, 8);
	zipc_channel_close_handle(chans[0]);
	zipc_channel_close_handle(chans[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cd_test(test_channel_unbuffered_send_returns_after_receipt),
		cd_test(test_channel_many_to_many_unbuffered),
		cd_test(test_channel_many_to_many_buffered),
		cd_test(test_channel_close_wakes_every_sleeper),
		cd_test(test_channel_parked_sender_sleeps),
		cd_test(test_channel_killed_sender),
		cd_test(test_channel_killed_receiver),
		cd_test(test_channel_unbuffered_killed_receiver_resend),
		cd_test(test_channel_unbuffered_killed_parked_sender),
		cd_test(test_channel_select_past_dead_sender),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
