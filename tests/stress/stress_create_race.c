/* Description: 8 processes create-or-open one fresh name at once, 200 rounds. */
#include "zt.h"

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * A barrier in a MAP_SHARED anonymous mapping starts all processes of a
 * round together on the name "r<round>" (a queue, a stack or an array by
 * round). Each records the result and the entry's offset, and leaves a mark
 * through its own handle (pushes its id, or sets element id), so the parent
 * can prove that every handle is on the one structure that won.
 */

#ifdef ZT_SLOW_CLAIMS
/*
 * Built a second time against the fault-injection library: every creator
 * sleeps right after claiming its table entry, so the others find the entry
 * claimed but incomplete and must help complete it (docs/FORMAT.md,
 * "Creating an entry"). The weak definition links whether or not the
 * library defines the hook itself.
 */
#include "fault_i.h"


static void slow_claim_hook(enum zipc__fault_point point)
{
	if (point == ZIPC__FP_REGISTRY_CLAIMED)
		zt_sleep_ms(1);
}
#endif

#define PROCS 8
#define ROUNDS 200
#define MS 1000000LL
#define BARRIER_LIMIT_NS (60000 * MS)

struct ctl {
	_Atomic uint32_t arrived;
	_Atomic uint32_t generation;
	int rc[PROCS][ROUNDS];
	uint64_t offset[PROCS][ROUNDS];
};

static int barrier_wait(struct ctl *c)
{
	uint32_t gen = atomic_load_explicit(&c->generation, memory_order_acquire);
	int64_t deadline = zt_now_ns() + BARRIER_LIMIT_NS;

	if (atomic_fetch_add_explicit(&c->arrived, 1, memory_order_acq_rel) == PROCS - 1) {
		atomic_store_explicit(&c->arrived, 0, memory_order_relaxed);
		atomic_fetch_add_explicit(&c->generation, 1, memory_order_release);
		return 0;
	}
	for (unsigned spins = 0; atomic_load_explicit(&c->generation, memory_order_acquire) == gen;
	     spins++) {
		if (spins > 64)
			sched_yield();
		if ((spins & 1023) == 0 && zt_now_ns() > deadline)
			return -1;
	}
	return 0;
}

static void round_name(char *buf, size_t len, int round)
{
	snprintf(buf, len, "r%d", round);
}

static const struct zipc_type U32 = {ZIPC_ELEM_U32, 4};

static void child(const char *segname, struct ctl *c, uint32_t id)
{
	struct zipc_segment *seg;

#ifdef ZT_SLOW_CLAIMS
	zipc__fault_hook = slow_claim_hook;
#endif
	ZT_CHILD_CHECK(zipc_segment_open(segname, &seg) == 0, "open segment");
	for (int r = 0; r < ROUNDS; r++) {
		char name[16];
		uint32_t v = id;
		struct zipc_entry e;
		int rc;

		round_name(name, sizeof(name), r);
		ZT_CHILD_CHECK(barrier_wait(c) == 0, "barrier timed out in round %d", r);
		switch (r % 3) {
		case 0: {
			struct zipc_queue *q;

			rc = zipc_queue_create(seg, name, U32, PROCS, &q);
			if (rc == 0) {
				ZT_CHILD_CHECK(zipc_queue_try_push(q, &v) == 0, "push in %s", name);
				zipc_queue_close(q);
			}
			break;
		}
		case 1: {
			struct zipc_stack *s;

			rc = zipc_stack_create(seg, name, U32, PROCS, &s);
			if (rc == 0) {
				ZT_CHILD_CHECK(zipc_stack_try_push(s, &v) == 0, "push in %s", name);
				zipc_stack_close(s);
			}
			break;
		}
		default: {
			struct zipc_array *a;

			rc = zipc_array_create(seg, name, U32, PROCS, &a);
			if (rc == 0) {
				v = id + 1;
				ZT_CHILD_CHECK(zipc_array_set(a, id, &v) == 0, "set in %s", name);
				zipc_array_close(a);
			}
			break;
		}
		}
		c->rc[id][r] = rc;
		c->offset[id][r] = zipc_entry_find(seg, name, &e) == 0 ? e.offset : 0;
	}
	zipc_segment_close(seg);
	_exit(0);
}

/* The 8 marks left in structure NAME: ids 0..7 exactly once each. */
static void check_marks(struct zipc_segment *seg, int round, const char *name)
{
	uint32_t got[PROCS] = {0}, v;

	switch (round % 3) {
	case 0: {
		struct zipc_queue *q;

		assert_zipc_ok(zipc_queue_open(seg, name, &q));
		for (int i = 0; i < PROCS; i++) {
			assert_zipc_ok(zipc_queue_try_pop(q, &v));
			assert_true(v < PROCS);
			got[v]++;
		}
		assert_zipc_rc(zipc_queue_try_pop(q, &v), -EAGAIN);
		zipc_queue_close(q);
		break;
	}
	case 1: {
		struct zipc_stack *s;

		assert_zipc_ok(zipc_stack_open(seg, name, &s));
		for (int i = 0; i < PROCS; i++) {
			assert_zipc_ok(zipc_stack_try_pop(s, &v));
			assert_true(v < PROCS);
			got[v]++;
		}
		assert_zipc_rc(zipc_stack_try_pop(s, &v), -EAGAIN);
		zipc_stack_close(s);
		break;
	}
	default: {
		struct zipc_array *a;

		assert_zipc_ok(zipc_array_open(seg, name, &a));
		for (uint32_t i = 0; i < PROCS; i++) {
			assert_zipc_ok(zipc_array_get(a, i, &v));
			assert_int_equal(v, i + 1);
			got[i]++;
		}
		zipc_array_close(a);
		break;
	}
	}
	for (int i = 0; i < PROCS; i++) {
		if (got[i] != 1)
			print_error("%s: mark of process %d seen %u times\n", name, i, got[i]);
		assert_int_equal(got[i], 1);
	}
}

static void test_registry_concurrent_create_or_open(void **state)
{
	char segname[64];
	struct zipc_segment *seg;
	struct zipc_entry *list;
	struct ctl *c;
	pid_t pids[PROCS];
	long n;
	int64_t t0 = zt_now_ns();

	(void)state;
	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(c != MAP_FAILED);
	memset(c, 0, sizeof(*c));
	/* Losers' reservations are not reclaimed: room for 8 per round. */
	seg = zt_seg_create("race", 64u << 20, ROUNDS + 8, segname);
	for (uint32_t i = 0; i < PROCS; i++) {
		pids[i] = zt_fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0)
			child(segname, c, i);
	}
	for (int i = 0; i < PROCS; i++) {
		int st = zt_wait_child(pids[i], 120000);

		if (st != 0)
			print_error("process %d ended with %d\n", i, st);
		assert_int_equal(st, 0);
	}

	list = calloc(ROUNDS + 8, sizeof(*list));
	n = zipc_entry_list(seg, list, ROUNDS + 8);
	assert_int_equal(n, ROUNDS);
	for (int r = 0; r < ROUNDS; r++) {
		char name[16];
		struct zipc_entry e;
		int count = 0;

		round_name(name, sizeof(name), r);
		for (long i = 0; i < n; i++)
			count += strcmp(list[i].name, name) == 0;
		if (count != 1)
			print_error("%s listed %d times\n", name, count);
		assert_int_equal(count, 1);
		assert_zipc_ok(zipc_entry_find(seg, name, &e));
		assert_int_equal(e.kind, r % 3 == 0   ? ZIPC_KIND_QUEUE
					 : r % 3 == 1 ? ZIPC_KIND_STACK
						      : ZIPC_KIND_ARRAY);
		for (int p = 0; p < PROCS; p++) {
			if (c->rc[p][r] != 0 || c->offset[p][r] != e.offset)
				print_error("%s: process %d got rc %d offset %llu, entry at %llu\n",
					    name, p, c->rc[p][r],
					    (unsigned long long)c->offset[p][r],
					    (unsigned long long)e.offset);
			assert_int_equal(c->rc[p][r], 0);
			assert_int_equal(c->offset[p][r], e.offset);
		}
		check_marks(seg, r, name);
	}
	{
		struct zipc_segment_usage u;

		/* Each round reserves space up to 8 times; more than once means it raced. */
		assert_zipc_ok(zipc_segment_usage(seg, &u));
		print_message("%d rounds x %d processes in %.2f s; %llu bytes reserved\n", ROUNDS,
			      PROCS, (double)(zt_now_ns() - t0) / 1e9, (unsigned long long)u.used);
	}
	free(list);
	/* A fresh open validates the table the race built. */
	{
		struct zipc_segment *again;

		assert_zipc_ok(zipc_segment_open(segname, &again));
		zipc_segment_close(again);
	}
	zipc_segment_close(seg);
	munmap(c, sizeof(*c));
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		zt_test(test_registry_concurrent_create_or_open),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
