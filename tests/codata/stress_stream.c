/* Description: streams across processes: fan-out, overwrite accounting, dead peers, sleeping readers. */
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
 * Children are forked after the stream is created and use the inherited
 * mapping and handles; results come back through an anonymous shared
 * mapping and exit statuses. Victims stop themselves at a fault point
 * (core/fault_i.h) and are then killed. Stall timeouts are 200 ms; bounds
 * allow seconds and only prove that nothing hangs.
 */

#define MS 1000000LL
#define STALL_NS (200 * MS)
#define OP_BOUND_NS (5000 * MS)
#define CHILD_BOUND_MS 120000

static const struct zipc_type U64 = {ZIPC_ELEM_U64, 8};

static char segname[64];
static struct zipc_segment *seg;

/* Shared with children. */
struct board {
	_Atomic int ready;
	_Atomic uint64_t seen[4];
	_Atomic uint64_t missed[4];
	_Atomic uint64_t gaps[4];
	_Atomic int64_t cpu_ns[4];
	_Atomic int64_t wall_ns[4];
};
static struct board *board;

static int setup(void **state)
{
	zt_setup(state);
	seg = zt_seg_create("cd", 64u << 20, 32, segname);
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

static struct zipc_stream *make(const char *name, uint32_t cap, enum zipc_stream_policy policy)
{
	struct zipc_stream *st;

	assert_zipc_ok(zipc_stream_create(seg, name, U64, cap, policy, 0, &st));
	assert_zipc_ok(zipc_stream_set_stall_timeout(st, STALL_NS));
	return st;
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

/*
 * A subscriber child: reads until end of stream, checking that every value
 * it sees is the sequence number it was emitted at (values = numbers), and
 * accounts what it saw, missed, and the gaps between what it saw.
 */
static void reader(struct zipc_stream *st, int me, int slow_every)
{
	struct zipc_sub *sub;
	uint64_t v, next = 0, seen = 0, gaps = 0;
	int r;

	ZT_CHILD_CHECK(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &sub) == 0, "subscribe");
	atomic_fetch_add(&board->ready, 1);
	while ((r = zipc_stream_next(sub, &v, OP_BOUND_NS * 4)) == 0) {
		ZT_CHILD_CHECK(v >= next, "reader %d: %llu after %llu", me, (unsigned long long)v,
			       (unsigned long long)next);
		ZT_CHILD_CHECK(zipc_stream_cursor(sub) == v + 1, "cursor %llu after value %llu",
			       (unsigned long long)zipc_stream_cursor(sub), (unsigned long long)v);
		gaps += v - next;
		next = v + 1;
		seen++;
		if (slow_every && seen % (uint64_t)slow_every == 0)
			zt_sleep_ms(1);
	}
	ZT_CHILD_CHECK(r == -EPIPE, "reader %d ended with %d", me, r);
	gaps += zipc_stream_emitted(st) - next;
	atomic_store(&board->seen[me], seen);
	atomic_store(&board->missed[me], zipc_stream_missed(sub));
	atomic_store(&board->gaps[me], gaps);
	zipc_stream_unsubscribe(sub);
	_exit(0);
}

static pid_t fork_reader(struct zipc_stream *st, int me, int slow_every)
{
	pid_t pid = zt_fork();

	assert_true(pid >= 0);
	if (pid == 0)
		reader(st, me, slow_every);
	return pid;
}

/* ---- fan-out ------------------------------------------------------------------ */

/* Block policy: 1 writer, 3 subscribers, 1e6 elements, each sees all in order. */
static void test_stream_block_fanout_million(void **state)
{
	const uint64_t n = 1000000;
	struct zipc_stream *st = make("s", 1024, ZIPC_STREAM_BLOCK);
	pid_t pids[3];
	int64_t t0;

	(void)state;
	for (int i = 0; i < 3; i++)
		pids[i] = fork_reader(st, i, 0);
	await_ready(3);
	t0 = zt_now_ns();
	for (uint64_t v = 0; v < n;) {
		uint64_t batch[16];
		size_t k = v % 3 == 0 && n - v >= 16 ? 16 : 1; /* mix single and batch emits */

		for (size_t j = 0; j < k; j++)
			batch[j] = v + j;
		if (k == 1)
			assert_zipc_ok(zipc_stream_emit(st, batch, OP_BOUND_NS));
		else
			assert_int_equal(zipc_stream_emit_batch(st, batch, k, OP_BOUND_NS), (ssize_t)k);
		v += k;
	}
	assert_zipc_ok(zipc_stream_close(st));
	assert_int_equal(zipc_stream_emitted(st), n);
	for (int i = 0; i < 3; i++) {
		wait_ok(pids[i]);
		assert_int_equal(atomic_load(&board->seen[i]), n);
		assert_int_equal(atomic_load(&board->missed[i]), 0);
		assert_int_equal(atomic_load(&board->gaps[i]), 0);
	}
	print_message("block fan-out: %llu elements x 3 subscribers in %.0f ms\n",
		      (unsigned long long)zipc_stream_emitted(st), (double)(zt_now_ns() - t0) / 1e6);
	zipc_stream_close_handle(st);
}

/* Overwrite policy: a slow subscriber's missed count is exactly what it did not see. */
static void test_stream_overwrite_slow_subscriber(void **state)
{
	const uint64_t n = 300000;
	struct zipc_stream *st = make("s", 256, ZIPC_STREAM_OVERWRITE);
	pid_t fast, slow;

	(void)state;
	fast = fork_reader(st, 0, 0);
	slow = fork_reader(st, 1, 64);
	await_ready(2);
	for (uint64_t v = 0; v < n; v++) {
		assert_zipc_ok(zipc_stream_emit(st, &v, 0));
		if (v % 4096 == 0)
			zt_sleep_ms(1); /* let the fast one keep up, mostly */
	}
	assert_zipc_ok(zipc_stream_close(st));
	wait_ok(fast);
	wait_ok(slow);
	for (int i = 0; i < 2; i++) {
		uint64_t seen = atomic_load(&board->seen[i]), missed = atomic_load(&board->missed[i]);

		print_message("%s subscriber: seen %llu, missed %llu of %llu\n", i ? "slow" : "fast",
			      (unsigned long long)seen, (unsigned long long)missed,
			      (unsigned long long)n);
		assert_int_equal(seen + missed, n);
		assert_int_equal(missed, atomic_load(&board->gaps[i]));
	}
	assert_true(atomic_load(&board->missed[1]) > 0);
	zipc_stream_close_handle(st);
}

/* Three writers, two subscribers, block policy: per-writer order and totals. */
static void test_stream_many_writers(void **state)
{
	const uint64_t per = 100000;
	struct zipc_stream *st = make("s", 64, ZIPC_STREAM_BLOCK);
	struct zipc_sub *subs[2];
	pid_t writers[3], readers[2];

	(void)state;
	for (int r = 0; r < 2; r++) {
		readers[r] = zt_fork();
		assert_true(readers[r] >= 0);
		if (readers[r] == 0) {
			uint64_t last[3] = {0}, v, total = 0;
			int rc;

			ZT_CHILD_CHECK(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &subs[r]) == 0,
				       "subscribe");
			atomic_fetch_add(&board->ready, 1);
			while ((rc = zipc_stream_next(subs[r], &v, OP_BOUND_NS * 4)) == 0) {
				uint64_t w = v >> 32, seq = v & 0xffffffffu;

				ZT_CHILD_CHECK(w < 3 && seq == last[w] + 1, "writer %llu seq %llu after %llu",
					       (unsigned long long)w, (unsigned long long)seq,
					       (unsigned long long)last[w]);
				last[w] = seq;
				total++;
			}
			ZT_CHILD_CHECK(rc == -EPIPE, "ended with %d", rc);
			ZT_CHILD_CHECK(total == 3 * per, "saw %llu", (unsigned long long)total);
			ZT_CHILD_CHECK(zipc_stream_missed(subs[r]) == 0, "missed");
			_exit(0);
		}
	}
	await_ready(2);
	for (int w = 0; w < 3; w++) {
		writers[w] = zt_fork();
		assert_true(writers[w] >= 0);
		if (writers[w] == 0) {
			for (uint64_t s = 1; s <= per; s++) {
				uint64_t v = (uint64_t)w << 32 | s;
				ZT_CHILD_CHECK(zipc_stream_emit(st, &v, OP_BOUND_NS) == 0, "emit");
			}
			_exit(0);
		}
	}
	for (int w = 0; w < 3; w++)
		wait_ok(writers[w]);
	assert_int_equal(zipc_stream_emitted(st), 3 * per);
	assert_zipc_ok(zipc_stream_close(st));
	for (int r = 0; r < 2; r++)
		wait_ok(readers[r]);
	zipc_stream_close_handle(st);
}

/* ---- sleeping ------------------------------------------------------------------- */

/* A reader blocked ~500 ms sleeps on the futex (CPU time), then wakes on emit and on close. */
static void test_stream_blocked_reader_sleeps(void **state)
{
	struct zipc_stream *st = make("s", 8, ZIPC_STREAM_BLOCK);
	pid_t pids[3];
	uint64_t v = 5;

	(void)state;
	for (int i = 0; i < 3; i++) {
		pids[i] = zt_fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct zipc_sub *sub;
			int64_t cpu0, t0;
			uint64_t got;

			ZT_CHILD_CHECK(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &sub) == 0, "sub");
			atomic_fetch_add(&board->ready, 1);
			cpu0 = zt_cpu_ns();
			t0 = zt_now_ns();
			ZT_CHILD_CHECK(zipc_stream_next(sub, &got, ZIPC_FOREVER) == 0 && got == 5, "next");
			atomic_store(&board->cpu_ns[i], zt_cpu_ns() - cpu0);
			atomic_store(&board->wall_ns[i], zt_now_ns() - t0);
			ZT_CHILD_CHECK(zipc_stream_next(sub, &got, ZIPC_FOREVER) == -EPIPE, "end");
			_exit(0);
		}
	}
	await_ready(3);
	zt_sleep_ms(500);
	assert_zipc_ok(zipc_stream_emit(st, &v, 0));
	zt_sleep_ms(100);
	assert_zipc_ok(zipc_stream_close(st));
	for (int i = 0; i < 3; i++) {
		wait_ok(pids[i]);
		assert_true(atomic_load(&board->wall_ns[i]) >= 400 * MS);
		assert_true(atomic_load(&board->cpu_ns[i]) < 50 * MS);
	}
	zipc_stream_close_handle(st);
}

/* ---- dead peers ------------------------------------------------------------------- */

/* A killed subscriber stops stalling writers; a stopped (live) one does not. */
static void test_stream_killed_subscriber(void **state)
{
	struct zipc_stream *st = make("s", 16, ZIPC_STREAM_BLOCK);
	pid_t victim, live;
	int64_t t0, took;
	uint64_t v = 0;

	(void)state;
	victim = zt_fork();
	assert_true(victim >= 0);
	if (victim == 0) {
		struct zipc_sub *sub;

		ZT_CHILD_CHECK(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &sub) == 0, "sub");
		atomic_fetch_add(&board->ready, 1);
		raise(SIGSTOP); /* never reads */
		_exit(0);
	}
	assert_int_equal(zt_wait_stopped(victim, CHILD_BOUND_MS), 0);
	live = fork_reader(st, 0, 0);
	await_ready(2);
	for (v = 0; v < 16; v++)
		assert_zipc_ok(zipc_stream_emit(st, &v, 0));
	/* Stopped is alive: the writer keeps waiting for it. */
	assert_zipc_rc(zipc_stream_emit(st, &v, 3 * STALL_NS), -ETIMEDOUT);
	assert_int_equal(zipc_stream_subscribers(st), 2);
	kill(victim, SIGKILL);
	assert_int_equal(zt_wait_child(victim, CHILD_BOUND_MS), 128 + SIGKILL);
	t0 = zt_now_ns();
	for (; v < 1000; v++)
		assert_zipc_ok(zipc_stream_emit(st, &v, OP_BOUND_NS));
	took = zt_now_ns() - t0;
	assert_true(took < OP_BOUND_NS);
	assert_int_equal(zipc_stream_subscribers(st), 1);
	assert_zipc_ok(zipc_stream_close(st));
	wait_ok(live);
	assert_int_equal(atomic_load(&board->seen[0]), 1000);
	print_message("dead subscriber removed; 984 emits took %.0f ms\n", (double)took / 1e6);
	zipc_stream_close_handle(st);
}

/* A subscriber that exits without unsubscribing leaves a record that subscribe takes back. */
static void test_stream_dead_record_reclaimed(void **state)
{
	struct zipc_stream *st;
	struct zipc_sub *sub;
	pid_t pid;

	(void)state;
	assert_zipc_ok(zipc_stream_create(seg, "s", U64, 4, ZIPC_STREAM_BLOCK, 1, &st));
	pid = zt_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		ZT_CHILD_CHECK(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &sub) == 0, "sub");
		_exit(0);
	}
	wait_ok(pid);
	assert_int_equal(zipc_stream_subscribers(st), 1);
	assert_zipc_ok(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &sub));
	assert_int_equal(zipc_stream_subscribers(st), 1);
	zipc_stream_unsubscribe(sub);
	zipc_stream_close_handle(st);
}

static enum zipc__fault_point stop_point;

/* Stop once at stop_point. */
static void stop_hook(enum zipc__fault_point point)
{
	if (point != stop_point)
		return;
	zipc__fault_hook = NULL;
	raise(SIGSTOP);
}

/* Fork a writer that stops at point while emitting value; return once it is stopped. */
static pid_t stopped_writer(struct zipc_stream *st, enum zipc__fault_point point, uint64_t value)
{
	pid_t pid = zt_fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		stop_point = point;
		zipc__fault_hook = stop_hook;
		ZT_CHILD_CHECK(zipc_stream_emit(st, &value, ZIPC_FOREVER) == 0, "emit");
		_exit(0);
	}
	assert_int_equal(zt_wait_stopped(pid, CHILD_BOUND_MS), 0);
	return pid;
}

static void next_is_(struct zipc_sub *sub, uint64_t want, const char *file, int line)
{
	uint64_t v = ~0ull;
	int64_t t0 = zt_now_ns();

	zt__assert_rc(zipc_stream_next(sub, &v, OP_BOUND_NS), 0, "zipc_stream_next", file, line);
	if (v != want || zt_now_ns() - t0 > OP_BOUND_NS) {
		print_error("next gave %llu, expected %llu\n", (unsigned long long)v,
			    (unsigned long long)want);
		_fail(file, line);
	}
}
#define next_is(sub, want) next_is_((sub), (want), __FILE__, __LINE__)

/* A writer killed after claiming (or while writing) leaves a hole readers skip. */
static void test_stream_killed_writer_hole(void **state)
{
	const enum zipc__fault_point points[] = {ZIPC__FP_STREAM_EMIT_CLAIMED,
						 ZIPC__FP_STREAM_EMIT_WRITING};

	(void)state;
	for (int p = 0; p < 2; p++) {
		struct zipc_stream *st;
		struct zipc_sub *sub;
		char name[8];
		uint64_t v = 2;
		pid_t victim;

		snprintf(name, sizeof(name), "h%d", p);
		st = make(name, 4, p ? ZIPC_STREAM_OVERWRITE : ZIPC_STREAM_BLOCK);
		assert_zipc_ok(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &sub));
		v = 1;
		assert_zipc_ok(zipc_stream_emit(st, &v, 0));
		victim = stopped_writer(st, points[p], 666);
		kill(victim, SIGKILL);
		assert_int_equal(zt_wait_child(victim, CHILD_BOUND_MS), 128 + SIGKILL);
		v = 3;
		assert_zipc_ok(zipc_stream_emit(st, &v, OP_BOUND_NS));
		next_is(sub, 1);
		next_is(sub, 3); /* the victim's number was skipped */
		assert_int_equal(zipc_stream_cursor(sub), 3);
		assert_int_equal(zipc_stream_missed(sub), 0);
		/* Writers get past the hole's slot: fill several laps. */
		for (v = 10; v < 30; v++) {
			assert_zipc_ok(zipc_stream_emit(st, &v, OP_BOUND_NS));
			next_is(sub, v);
		}
		zipc_stream_unsubscribe(sub);
		zipc_stream_close_handle(st);
	}
}

/* With no reader around, a writer reaching a dead writer's slot recovers it itself. */
static void test_stream_writer_recovers_dead_writer(void **state)
{
	struct zipc_stream *st = make("s", 2, ZIPC_STREAM_OVERWRITE);
	struct zipc_sub *sub;
	pid_t victim = stopped_writer(st, ZIPC__FP_STREAM_EMIT_WRITING, 1);
	int64_t t0;

	(void)state;
	kill(victim, SIGKILL);
	assert_int_equal(zt_wait_child(victim, CHILD_BOUND_MS), 128 + SIGKILL);
	t0 = zt_now_ns();
	for (uint64_t v = 0; v < 10; v++)
		assert_zipc_ok(zipc_stream_emit(st, &v, OP_BOUND_NS));
	assert_true(zt_now_ns() - t0 < OP_BOUND_NS);
	assert_zipc_ok(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_OLDEST, &sub));
	next_is(sub, 8);
	next_is(sub, 9);
	zipc_stream_unsubscribe(sub);
	zipc_stream_close_handle(st);
}

/* A writer stopped (alive) while writing is waited for, not skipped. */
static void test_stream_stopped_writer_is_waited_for(void **state)
{
	struct zipc_stream *st = make("s", 4, ZIPC_STREAM_BLOCK);
	struct zipc_sub *sub;
	uint64_t v;
	pid_t victim;

	(void)state;
	assert_zipc_ok(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &sub));
	victim = stopped_writer(st, ZIPC__FP_STREAM_EMIT_WRITING, 44);
	assert_zipc_rc(zipc_stream_next(sub, &v, 3 * STALL_NS), -ETIMEDOUT);
	kill(victim, SIGCONT);
	next_is(sub, 44);
	wait_ok(victim);
	zipc_stream_unsubscribe(sub);
	zipc_stream_close_handle(st);
}

/* A writer stopped (alive) between claim and write loses its number and emits again. */
static void test_stream_stopped_claimer_emits_again(void **state)
{
	struct zipc_stream *st = make("s", 4, ZIPC_STREAM_BLOCK);
	struct zipc_sub *sub;
	uint64_t v = 7;
	pid_t victim;

	(void)state;
	assert_zipc_ok(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &sub));
	victim = stopped_writer(st, ZIPC__FP_STREAM_EMIT_CLAIMED, 55);
	assert_zipc_ok(zipc_stream_emit(st, &v, 0));
	next_is(sub, 7); /* after the stall timeout, number 0 was skipped */
	assert_int_equal(zipc_stream_cursor(sub), 2);
	kill(victim, SIGCONT);
	wait_ok(victim);
	next_is(sub, 55); /* emitted again, as number 2 */
	assert_int_equal(zipc_stream_cursor(sub), 3);
	zipc_stream_unsubscribe(sub);
	zipc_stream_close_handle(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cd_test(test_stream_block_fanout_million),
		cd_test(test_stream_overwrite_slow_subscriber),
		cd_test(test_stream_many_writers),
		cd_test(test_stream_blocked_reader_sleeps),
		cd_test(test_stream_killed_subscriber),
		cd_test(test_stream_dead_record_reclaimed),
		cd_test(test_stream_killed_writer_hole),
		cd_test(test_stream_writer_recovers_dead_writer),
		cd_test(test_stream_stopped_writer_is_waited_for),
		cd_test(test_stream_stopped_claimer_emits_again),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
