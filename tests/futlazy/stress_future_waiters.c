/* Description: 4 processes wait on one future: all wake on set, all get the message on fail. */
#include "fl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * Waiters are forked children that open the segment by name and meet the
 * parent at a futex barrier each round, then block in zipc_future_get. The
 * parent sets (or fails) the future after a short pause in odd rounds, at
 * once in even rounds (racing the getters as they arrive).
 */

#define WAITERS 4
#define ROUNDS 60
#define VALUE_N 4

static const struct zipc_type U64 = {ZIPC_ELEM_U64, 8};

struct result {
	int rc;
	uint64_t v[VALUE_N];
	char msg[ZIPC_ERROR_MESSAGE_MAX];
	char error[ZIPC_ERROR_MESSAGE_MAX];
};

struct shared {
	struct fl_barrier start;
	struct result res[ROUNDS][WAITERS];
	_Atomic uint32_t set_won[ROUNDS];
	_Atomic uint32_t set_lost[ROUNDS];
	_Atomic uint32_t winner[ROUNDS];
};

static bool failing(int r)
{
	return r % 3 == 2;
}

static void waiter(const char *segname, struct shared *sh, int k)
{
	struct zipc_segment *seg;

	FL_CHILD_CHECK(zipc_segment_open(segname, &seg) == 0, "open segment");
	for (int r = 0; r < ROUNDS; r++) {
		struct result *res = &sh->res[r][k];
		struct zipc_future *f;
		char name[32];

		snprintf(name, sizeof(name), "f%d", r);
		FL_CHILD_CHECK(zipc_future_open(seg, name, &f) == 0, "open %s", name);
		FL_CHILD_CHECK(fl_barrier_wait(&sh->start, 30000) == 0, "barrier");
		res->rc = zipc_future_get(f, res->v, 20000 * FL_MS);
		if (res->rc == -EIO) {
			snprintf(res->msg, sizeof(res->msg), "%s", zipc_last_error());
			zipc_future_error(f, res->error, sizeof(res->error));
		}
		zipc_future_close(f);
	}
	_exit(0);
}

static void test_future_four_waiters_wake_on_set_and_fail(void **state)
{
	char segname[64];
	struct zipc_segment *seg = fl_seg_create("fw", segname);
	struct shared *sh = fl_shared(sizeof(*sh));
	struct zipc_future *f[ROUNDS];
	pid_t pids[WAITERS];

	(void)state;
	fl_barrier_init(&sh->start, WAITERS + 1);
	for (int r = 0; r < ROUNDS; r++) {
		char name[32];

		snprintf(name, sizeof(name), "f%d", r);
		assert_zipc_ok(zipc_future_create(seg, name, U64, VALUE_N, &f[r]));
	}
	for (int k = 0; k < WAITERS; k++) {
		pids[k] = fl_fork();
		assert_true(pids[k] >= 0);
		if (pids[k] == 0)
			waiter(segname, sh, k);
	}
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t v[VALUE_N];
		char msg[64];

		assert_int_equal(fl_barrier_wait(&sh->start, 30000), 0);
		if (r % 2)
			fl_sleep_ms(30); /* all four asleep */
		if (failing(r)) {
			snprintf(msg, sizeof(msg), "round %d: sensor unplugged", r);
			assert_zipc_ok(zipc_future_fail(f[r], msg));
		} else {
			for (int i = 0; i < VALUE_N; i++)
				v[i] = (uint64_t)r << 32 | (uint64_t)i;
			assert_zipc_ok(zipc_future_set(f[r], v));
		}
	}
	for (int k = 0; k < WAITERS; k++)
		assert_int_equal(fl_wait_child(pids[k], 120000), 0);
	for (int r = 0; r < ROUNDS; r++) {
		char name[32];
		uint64_t off;

		for (int k = 0; k < WAITERS; k++) {
			const struct result *res = &sh->res[r][k];

			if (failing(r)) {
				char msg[64];

				snprintf(msg, sizeof(msg), "round %d: sensor unplugged", r);
				assert_zipc_rc(res->rc, -EIO);
				assert_string_equal(res->msg, msg);
				assert_string_equal(res->error, msg);
				continue;
			}
			assert_zipc_rc(res->rc, 0);
			for (int i = 0; i < VALUE_N; i++)
				assert_true(res->v[i] == ((uint64_t)r << 32 | (uint64_t)i));
		}
		/* Every getter left: the shared waiter count (+4) is back to 0. */
		snprintf(name, sizeof(name), "f%d", r);
		fl_entry(seg, name, &off, NULL);
		assert_le32(zipc_segment_base(seg), off + 4, 0);
		zipc_future_close(f[r]);
	}
	fl_unshare(sh, sizeof(*sh));
	zipc_segment_close(seg);
}

static void setter(const char *segname, struct shared *sh, int k)
{
	struct zipc_segment *seg;

	FL_CHILD_CHECK(zipc_segment_open(segname, &seg) == 0, "open segment");
	for (int r = 0; r < ROUNDS; r++) {
		struct zipc_future *f;
		uint64_t v[VALUE_N];
		char name[32];
		int rc;

		snprintf(name, sizeof(name), "s%d", r);
		FL_CHILD_CHECK(zipc_future_create(seg, name, U64, VALUE_N, &f) == 0, "create %s",
			       name);
		for (int i = 0; i < VALUE_N; i++)
			v[i] = (uint64_t)k * 100 + (uint64_t)i;
		FL_CHILD_CHECK(fl_barrier_wait(&sh->start, 30000) == 0, "barrier");
		rc = k % 2 ? zipc_future_fail(f, (char[]){(char)('A' + k), '\0'})
			   : zipc_future_set(f, v);
		if (rc == 0) {
			atomic_fetch_add(&sh->set_won[r], 1);
			atomic_store(&sh->winner[r], (uint32_t)k);
		} else {
			FL_CHILD_CHECK(rc == -EALREADY, "set/fail returned %d", rc);
			atomic_fetch_add(&sh->set_lost[r], 1);
		}
		zipc_future_close(f);
	}
	_exit(0);
}

/* Four processes set or fail one future at once: one wins, three get -EALREADY. */
static void test_future_concurrent_setters_one_wins(void **state)
{
	char segname[64];
	struct zipc_segment *seg = fl_seg_create("fs", segname);
	struct shared *sh = fl_shared(sizeof(*sh));
	pid_t pids[WAITERS];

	(void)state;
	fl_barrier_init(&sh->start, WAITERS);
	for (int k = 0; k < WAITERS; k++) {
		pids[k] = fl_fork();
		assert_true(pids[k] >= 0);
		if (pids[k] == 0)
			setter(segname, sh, k);
	}
	for (int k = 0; k < WAITERS; k++)
		assert_int_equal(fl_wait_child(pids[k], 120000), 0);
	for (int r = 0; r < ROUNDS; r++) {
		struct zipc_future *f;
		uint32_t k = atomic_load(&sh->winner[r]);
		uint64_t v[VALUE_N];
		char name[32], buf[8];

		assert_int_equal(atomic_load(&sh->set_won[r]), 1);
		assert_int_equal(atomic_load(&sh->set_lost[r]), WAITERS - 1);
		snprintf(name, sizeof(name), "s%d", r);
		assert_zipc_ok(zipc_future_open(seg, name, &f));
		if (k % 2) {
			assert_zipc_rc(zipc_future_get(f, v, 0), -EIO);
			assert_zipc_ok(zipc_future_error(f, buf, sizeof(buf)));
			assert_int_equal(buf[0], 'A' + (int)k);
		} else {
			assert_zipc_ok(zipc_future_get(f, v, 0));
			for (int i = 0; i < VALUE_N; i++)
				assert_true(v[i] == (uint64_t)k * 100 + (uint64_t)i);
		}
		zipc_future_close(f);
	}
	fl_unshare(sh, sizeof(*sh));
	zipc_segment_close(seg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		fl_test(test_future_four_waiters_wake_on_set_and_fail),
		fl_test(test_future_concurrent_setters_one_wins),
	};

	return cmocka_run_group_tests_name("future_waiters", tests, NULL, NULL);
}
