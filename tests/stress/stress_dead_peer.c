/* Description: a process killed mid-operation does not stop the others. */
#include "zt.h"

#include "fault_i.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * Each test forks a victim that arms zipc__fault_hook to raise(SIGSTOP) at one
 * fault point (core/fault_i.h). The parent waits until the victim is stopped
 * there (waitpid WUNTRACED), kills it with SIGKILL, and then works the
 * structure from itself and from helper processes that open the segment by
 * name. Stall timeouts are 200 ms; the bounds allow seconds and only prove
 * that nothing hangs.
 */

#define MS 1000000LL
#define STALL_NS (200 * MS)
#define OP_BOUND_NS (5000 * MS)
#define CHILD_BOUND_MS 15000

/*
 * core/fault_i.h declares the hook but no core file defines it (yet): a weak
 * definition here links either way, and yields to the library's if it has one.
 */

static const struct zipc_type U64 = {ZIPC_ELEM_U64, 8};

static char segname[64];
static struct zipc_segment *seg;

static int setup(void **state)
{
	zt_setup(state);
	seg = zt_seg_create("dead", 4u << 20, 16, segname);
	return 0;
}

static int teardown(void **state)
{
	zipc_segment_close(seg);
	seg = NULL;
	return zt_teardown(state);
}

/* ---- victims and helpers ---------------------------------------------------- */

static enum zipc__fault_point stop_point;

static void stop_hook(enum zipc__fault_point point)
{
	if (point == stop_point)
		raise(SIGSTOP);
}

/* Fork a victim running fn(arg) with the hook armed at point; return once it is stopped there. */
static pid_t stop_victim_at_(enum zipc__fault_point point, void (*fn)(void *), void *arg,
			     const char *file, int line)
{
	pid_t pid = zt_fork();

	if (pid < 0) {
		print_error("fork failed\n");
		_fail(file, line);
	}
	if (pid == 0) {
		stop_point = point;
		zipc__fault_hook = stop_hook;
		fn(arg);
		zt_child_fail("the operation finished without reaching fault point %d", (int)point);
	}
	if (zt_wait_stopped(pid, CHILD_BOUND_MS) != 0) {
		print_error("victim never stopped at fault point %d\n", (int)point);
		_fail(file, line);
	}
	return pid;
}
#define stop_victim_at(point, fn, arg) stop_victim_at_((point), (fn), (arg), __FILE__, __LINE__)

static void kill_victim_(pid_t pid, const char *file, int line)
{
	kill(pid, SIGKILL);
	zt__assert_rc(zt_wait_child(pid, CHILD_BOUND_MS), 128 + SIGKILL, "victim killed", file,
		      line);
}
#define kill_victim(pid) kill_victim_((pid), __FILE__, __LINE__)

/* Fork a helper process that runs fn() and exits with its result. */
static pid_t start_helper(int (*fn)(void))
{
	pid_t pid = zt_fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	return pid;
}

static void wait_helper_(pid_t pid, const char *file, int line)
{
	zt__assert_rc(zt_wait_child(pid, CHILD_BOUND_MS), 0, "helper process exit status", file,
		      line);
}
#define wait_helper(pid) wait_helper_((pid), __FILE__, __LINE__)

static struct zipc_queue *helper_queue(const char *name)
{
	struct zipc_segment *s;
	struct zipc_queue *q;

	ZT_CHILD_CHECK(zipc_segment_open(segname, &s) == 0, "open segment");
	ZT_CHILD_CHECK(zipc_queue_open(s, name, &q) == 0, "open queue %s", name);
	ZT_CHILD_CHECK(zipc_queue_set_stall_timeout(q, STALL_NS) == 0, "stall timeout");
	zipc_segment_close(s);
	return q;
}

static struct zipc_stack *helper_stack(const char *name)
{
	struct zipc_segment *s;
	struct zipc_stack *st;

	ZT_CHILD_CHECK(zipc_segment_open(segname, &s) == 0, "open segment");
	ZT_CHILD_CHECK(zipc_stack_open(s, name, &st) == 0, "open stack %s", name);
	ZT_CHILD_CHECK(zipc_stack_set_stall_timeout(st, STALL_NS) == 0, "stall timeout");
	zipc_segment_close(s);
	return st;
}

static struct zipc_queue *mkq(const char *name, uint32_t cap)
{
	struct zipc_queue *q;

	assert_zipc_ok(zipc_queue_create(seg, name, U64, cap, &q));
	assert_zipc_ok(zipc_queue_set_stall_timeout(q, STALL_NS));
	return q;
}

static struct zipc_stack *mks(const char *name, uint32_t cap)
{
	struct zipc_stack *s;

	assert_zipc_ok(zipc_stack_create(seg, name, U64, cap, &s));
	assert_zipc_ok(zipc_stack_set_stall_timeout(s, STALL_NS));
	return s;
}

static void push_val_(struct zipc_queue *q, uint64_t v, const char *file, int line)
{
	zt__assert_rc(zipc_queue_try_push(q, &v), 0, "zipc_queue_try_push", file, line);
}
#define push_val(q, v) push_val_((q), (v), __FILE__, __LINE__)

/* A blocking pop (bounded) returns want, within the hang bound. */
static void assert_pops_(struct zipc_queue *q, uint64_t want, const char *file, int line)
{
	uint64_t v = 0;
	int64_t t0 = zt_now_ns();

	zt__assert_rc(zipc_queue_pop(q, &v, OP_BOUND_NS), 0, "zipc_queue_pop", file, line);
	if (v != want || zt_now_ns() - t0 > OP_BOUND_NS) {
		print_error("popped %llu after %.0f ms, expected %llu\n", (unsigned long long)v,
			    (double)(zt_now_ns() - t0) / 1e6, (unsigned long long)want);
		_fail(file, line);
	}
}
#define assert_pops(q, want) assert_pops_((q), (want), __FILE__, __LINE__)

static void assert_stack_pops_(struct zipc_stack *s, uint64_t want, const char *file, int line)
{
	uint64_t v = 0;

	zt__assert_rc(zipc_stack_pop(s, &v, OP_BOUND_NS), 0, "zipc_stack_pop", file, line);
	if (v != want) {
		print_error("popped %llu, expected %llu\n", (unsigned long long)v,
			    (unsigned long long)want);
		_fail(file, line);
	}
}
#define assert_stack_pops(s, want) assert_stack_pops_((s), (want), __FILE__, __LINE__)

/* The queue works normally again: many rounds through every slot. */
static void assert_queue_healthy_(struct zipc_queue *q, const char *file, int line)
{
	uint64_t v;

	for (uint64_t i = 0; i < 200; i++) {
		zt__assert_rc(zipc_queue_push(q, &i, OP_BOUND_NS), 0, "zipc_queue_push", file,
			      line);
		zt__assert_rc(zipc_queue_try_pop(q, &v), 0, "zipc_queue_try_pop", file, line);
		if (v != i) {
			print_error("popped %llu, expected %llu\n", (unsigned long long)v,
				    (unsigned long long)i);
			_fail(file, line);
		}
	}
	zt__assert_rc(zipc_queue_try_pop(q, &v), -EAGAIN, "zipc_queue_try_pop (empty)", file, line);
}
#define assert_queue_healthy(q) assert_queue_healthy_((q), __FILE__, __LINE__)

static void assert_stack_healthy_(struct zipc_stack *s, const char *file, int line)
{
	uint32_t cap = zipc_stack_capacity(s);
	uint64_t v;

	for (int round = 0; round < 50; round++) {
		for (uint64_t i = 0; i < cap; i++)
			zt__assert_rc(zipc_stack_push(s, &i, OP_BOUND_NS), 0, "zipc_stack_push",
				      file, line);
		for (uint64_t i = cap; i-- > 0;) {
			zt__assert_rc(zipc_stack_try_pop(s, &v), 0, "zipc_stack_try_pop", file,
				      line);
			if (v != i) {
				print_error("popped %llu, expected %llu\n", (unsigned long long)v,
					    (unsigned long long)i);
				_fail(file, line);
			}
		}
	}
	zt__assert_rc(zipc_stack_try_pop(s, &v), -EAGAIN, "zipc_stack_try_pop (empty)", file, line);
}
#define assert_stack_healthy(s) assert_stack_healthy_((s), __FILE__, __LINE__)

/* ---- queue: dead producer ------------------------------------------------- */

static void victim_push(void *arg)
{
	uint64_t v = 1000;

	zipc_queue_push(arg, &v, ZIPC_FOREVER);
}

static void victim_push_batch(void *arg)
{
	uint64_t v[3] = {1000, 1001, 1002};

	zipc_queue_push_batch(arg, v, 3, ZIPC_FOREVER);
}

/* Another process pops 1, 2, 3, 4 in order, blocking across the hole. */
static int consume_1_to_4(void)
{
	struct zipc_queue *q = helper_queue("q");
	uint64_t v;

	for (uint64_t i = 1; i <= 4; i++) {
		int rc = zipc_queue_pop(q, &v, OP_BOUND_NS);

		ZT_CHILD_CHECK(rc == 0, "pop %llu: %s", (unsigned long long)i, zipc_strerror(rc));
		ZT_CHILD_CHECK(v == i, "popped %llu, expected %llu", (unsigned long long)v,
			       (unsigned long long)i);
	}
	return 0;
}

static void test_queue_dead_producer_hole_is_skipped(void **state)
{
	struct zipc_queue *q = mkq("q", 8);
	struct zipc_queue_stats st;
	unsigned char *base = zipc_segment_base(seg);
	uint64_t off = zt_entry_offset(seg, "q"), v;
	pid_t victim, helper;

	(void)state;
	victim = stop_victim_at(ZIPC__FP_QUEUE_PUSH_CLAIMED, victim_push, q);
	kill_victim(victim);
	/* Position 0 is claimed and never published. */
	assert_le32(base, off + 0, 0);
	assert_le32(base, off + 4, 1);
	assert_le32(base, off + 16 + 64, 0);
	assert_zipc_rc(zipc_queue_try_pop(q, &v), -EAGAIN);
	push_val(q, 1);
	push_val(q, 2);
	/* try_* do not recover holes. */
	assert_zipc_rc(zipc_queue_try_pop(q, &v), -EAGAIN);

	helper = start_helper(consume_1_to_4);
	zt_sleep_ms(300);
	push_val(q, 3);
	push_val(q, 4);
	wait_helper(helper);
	zipc_queue_stats(q, &st);
	assert_int_equal(st.holes_skipped, 1);
	assert_int_equal(st.claims_reclaimed, 0);
	assert_int_equal(zipc_queue_count(q), 0);

	/* Again, with this process blocking at the hole. */
	victim = stop_victim_at(ZIPC__FP_QUEUE_PUSH_CLAIMED, victim_push, q);
	kill_victim(victim);
	push_val(q, 5);
	assert_pops(q, 5);
	zipc_queue_stats(q, &st);
	assert_int_equal(st.holes_skipped, 2);
	assert_queue_healthy(q);
	zipc_queue_close(q);
}

static void test_queue_dead_batch_producer_holes_are_skipped(void **state)
{
	struct zipc_queue *q = mkq("qb", 8);
	struct zipc_queue_stats st;
	unsigned char *base = zipc_segment_base(seg);
	uint64_t off = zt_entry_offset(seg, "qb");
	pid_t victim;

	(void)state;
	push_val(q, 1);
	victim = stop_victim_at(ZIPC__FP_QUEUE_PUSH_CLAIMED, victim_push_batch, q);
	kill_victim(victim);
	assert_le32(base, off + 4, 4); /* 1 + a claim of 3 */
	push_val(q, 2);
	assert_pops(q, 1);
	assert_pops(q, 2);
	zipc_queue_stats(q, &st);
	assert_int_equal(st.holes_skipped, 3);
	assert_queue_healthy(q);
	zipc_queue_close(q);
}

/* ---- queue: dead consumer -------------------------------------------------- */

static void victim_pop(void *arg)
{
	uint64_t v;

	zipc_queue_pop(arg, &v, ZIPC_FOREVER);
}

/* Another process pushes 5 and 6 into a queue whose next slot a dead consumer holds. */
static int produce_5_6(void)
{
	struct zipc_queue *q = helper_queue("qc");

	for (uint64_t v = 5; v <= 6; v++) {
		int rc = zipc_queue_push(q, &v, OP_BOUND_NS);

		ZT_CHILD_CHECK(rc == 0, "push %llu: %s", (unsigned long long)v, zipc_strerror(rc));
	}
	return 0;
}

static void test_queue_dead_consumer_slot_is_reclaimed(void **state)
{
	struct zipc_queue *q = mkq("qc", 4);
	struct zipc_queue_stats st;
	unsigned char *base = zipc_segment_base(seg);
	uint64_t off = zt_entry_offset(seg, "qc"), v = 5;
	pid_t victim, helper;

	(void)state;
	push_val(q, 1);
	push_val(q, 2);
	victim = stop_victim_at(ZIPC__FP_QUEUE_POP_CLAIMED, victim_pop, q);
	kill_victim(victim);
	/* Position 0 is claimed by the dead consumer: element 1 is the documented loss. */
	assert_le32(base, off + 0, 1);
	assert_le32(base, off + 4, 2);
	assert_pops(q, 2);
	push_val(q, 3);
	push_val(q, 4);
	/* Position 4 needs slot 0, still held; try_push does not recover it. */
	assert_zipc_rc(zipc_queue_try_push(q, &v), -EAGAIN);

	helper = start_helper(produce_5_6);
	wait_helper(helper);
	for (v = 3; v <= 6; v++)
		assert_pops(q, v);
	assert_zipc_rc(zipc_queue_try_pop(q, &v), -EAGAIN);
	zipc_queue_stats(q, &st);
	assert_int_equal(st.claims_reclaimed, 1);
	assert_int_equal(st.holes_skipped, 0);

	/* Again, with this process reclaiming. */
	push_val(q, 7);
	victim = stop_victim_at(ZIPC__FP_QUEUE_POP_CLAIMED, victim_pop, q);
	kill_victim(victim);
	for (v = 8; v <= 11; v++)
		assert_zipc_ok(zipc_queue_push(q, &v, OP_BOUND_NS));
	for (v = 8; v <= 11; v++)
		assert_pops(q, v);
	zipc_queue_stats(q, &st);
	assert_int_equal(st.claims_reclaimed, 2);
	assert_queue_healthy(q);
	zipc_queue_close(q);
}

/* ---- stack: dead pusher ------------------------------------------------------ */

static void victim_stack_push(void *arg)
{
	uint64_t v = 1000;

	zipc_stack_push(arg, &v, ZIPC_FOREVER);
}

static int stack_push_3_later(void)
{
	struct zipc_stack *s = helper_stack("s");
	uint64_t v = 3;
	int rc;

	zt_sleep_ms(1000);
	rc = zipc_stack_push(s, &v, OP_BOUND_NS);
	ZT_CHILD_CHECK(rc == 0, "push: %s", zipc_strerror(rc));
	return 0;
}

static void test_stack_dead_pusher_slot_is_abandoned(void **state)
{
	struct zipc_stack *s = mks("s", 4);
	unsigned char *base = zipc_segment_base(seg);
	uint64_t off = zt_entry_offset(seg, "s"), v;
	int64_t t0;
	pid_t victim, helper;

	(void)state;
	victim = stop_victim_at(ZIPC__FP_STACK_PUSH_CLAIMED, victim_stack_push, s);
	kill_victim(victim);
	assert_le32(base, off, 0); /* top moved to slot 0, which never became ready */
	v = 1;
	assert_zipc_ok(zipc_stack_try_push(s, &v));
	v = 2;
	assert_zipc_ok(zipc_stack_try_push(s, &v));
	assert_stack_pops(s, 2);
	assert_stack_pops(s, 1);
	/* The next pop reaches the dead slot, gives it up, and waits for a real push. */
	helper = start_helper(stack_push_3_later);
	t0 = zt_now_ns();
	assert_stack_pops(s, 3);
	assert_true(zt_now_ns() - t0 < 2 * OP_BOUND_NS);
	wait_helper(helper);
	assert_int_equal(zipc_stack_count(s), 0);
	assert_zipc_rc(zipc_stack_try_pop(s, &v), -EAGAIN);
	assert_stack_healthy(s);
	zipc_stack_close(s);
}

/* ---- stack: dead popper ------------------------------------------------------ */

static void victim_stack_pop(void *arg)
{
	uint64_t v;

	zipc_stack_pop(arg, &v, ZIPC_FOREVER);
}

static int stack_push_4(void)
{
	struct zipc_stack *s = helper_stack("s2");
	uint64_t v = 4;
	int rc = zipc_stack_push(s, &v, OP_BOUND_NS);

	ZT_CHILD_CHECK(rc == 0, "push: %s", zipc_strerror(rc));
	return 0;
}

static void test_stack_dead_popper_loses_only_its_element(void **state)
{
	struct zipc_stack *s = mks("s2", 4);
	unsigned char *base = zipc_segment_base(seg);
	uint64_t off = zt_entry_offset(seg, "s2"), v;
	pid_t victim, helper;

	(void)state;
	v = 1;
	assert_zipc_ok(zipc_stack_try_push(s, &v));
	v = 2;
	assert_zipc_ok(zipc_stack_try_push(s, &v));
	victim = stop_victim_at(ZIPC__FP_STACK_POP_CLAIMED, victim_stack_pop, s);
	kill_victim(victim);
	assert_le32(base, off, 0); /* the victim took the top (element 2: the documented loss) */
	assert_stack_pops(s, 1);
	v = 3;
	assert_zipc_ok(zipc_stack_try_push(s, &v));
	/* The next push lands on the dead popper's slot: another process takes it over. */
	helper = start_helper(stack_push_4);
	wait_helper(helper);
	assert_stack_pops(s, 4);
	assert_stack_pops(s, 3);
	assert_zipc_rc(zipc_stack_try_pop(s, &v), -EAGAIN);

	/* Again, with this process taking the slot over. */
	v = 5;
	assert_zipc_ok(zipc_stack_try_push(s, &v));
	victim = stop_victim_at(ZIPC__FP_STACK_POP_CLAIMED, victim_stack_pop, s);
	kill_victim(victim);
	v = 6;
	assert_zipc_ok(zipc_stack_push(s, &v, OP_BOUND_NS));
	assert_stack_pops(s, 6);
	assert_zipc_rc(zipc_stack_try_pop(s, &v), -EAGAIN);
	assert_stack_healthy(s);
	zipc_stack_close(s);
}

/* ---- registry: dead creator -------------------------------------------------- */

static void victim_create(void *arg)
{
	struct zipc_queue *q;

	(void)arg;
	zipc_queue_create(seg, "victim", U64, 4, &q);
}

static int create_after2(void)
{
	struct zipc_segment *s;
	struct zipc_stack *st;
	int rc;

	ZT_CHILD_CHECK(zipc_segment_open(segname, &s) == 0, "open segment");
	rc = zipc_stack_create(s, "after2", U64, 4, &st);
	ZT_CHILD_CHECK(rc == 0, "create: %s", zipc_strerror(rc));
	return 0;
}

static void test_registry_dead_creator_entry_is_completed(void **state)
{
	struct zipc_queue *pre, *vq, *vq2;
	struct zipc_array *a;
	struct zipc_entry list[8], e;
	struct zipc_segment *again;
	unsigned char *base = zipc_segment_base(seg);
	uint64_t v = 77;
	pid_t victim, helper;
	long n;

	(void)state;
	pre = mkq("pre", 4);
	victim = stop_victim_at(ZIPC__FP_REGISTRY_CLAIMED, victim_create, NULL);
	kill_victim(victim);
	/* Entry 1 is claimed but not counted: readers see only complete entries. */
	assert_le32(base, 8, 1);
	assert_true(zt_get64(base, 32 + 48 + 32) != 0);
	assert_int_equal(zipc_entry_list(seg, list, 8), 1);
	assert_zipc_rc(zipc_entry_find(seg, "victim", &e), -ENOENT);

	/* Others still create; the first one completes the dead creator's entry. */
	assert_zipc_ok(zipc_array_create(seg, "after1", U64, 4, &a));
	zipc_array_close(a);
	helper = start_helper(create_after2);
	wait_helper(helper);
	n = zipc_entry_list(seg, list, 8);
	assert_int_equal(n, 4);
	assert_string_equal(list[0].name, "pre");
	assert_string_equal(list[1].name, "victim");
	assert_string_equal(list[2].name, "after1");
	assert_string_equal(list[3].name, "after2");
	assert_name32(base, 32 + 48, "victim");
	assert_true(list[1].tagged);
	assert_int_equal(list[1].kind, ZIPC_KIND_QUEUE);
	assert_int_equal(list[1].size, zt_queue_size(4, 8));

	/* The completed structure is whole; create-or-open finds it. */
	assert_zipc_ok(zipc_queue_open(seg, "victim", &vq));
	assert_zipc_ok(zipc_queue_create(seg, "victim", U64, 4, &vq2));
	assert_zipc_ok(zipc_queue_try_push(vq, &v));
	v = 0;
	assert_zipc_ok(zipc_queue_try_pop(vq2, &v));
	assert_int_equal(v, 77);
	assert_le32(base, 8, 4);
	assert_zipc_ok(zipc_segment_open(segname, &again));
	zipc_segment_close(again);
	zipc_queue_close(vq);
	zipc_queue_close(vq2);
	zipc_queue_close(pre);
}

/* A dead creator, and the next creations come from several processes at once. */
static int create_mine(void)
{
	struct zipc_segment *s;
	struct zipc_array *a;
	char name[32];
	int rc;

	snprintf(name, sizeof(name), "p%ld", (long)getpid());
	ZT_CHILD_CHECK(zipc_segment_open(segname, &s) == 0, "open segment");
	rc = zipc_array_create(s, name, U64, 2, &a);
	ZT_CHILD_CHECK(rc == 0, "create: %s", zipc_strerror(rc));
	rc = zipc_array_create(s, "shared", U64, 2, &a);
	ZT_CHILD_CHECK(rc == 0, "create shared: %s", zipc_strerror(rc));
	return 0;
}

static void test_registry_dead_creator_many_helpers(void **state)
{
	pid_t victim, helpers[4];

	(void)state;
	victim = stop_victim_at(ZIPC__FP_REGISTRY_CLAIMED, victim_create, NULL);
	kill_victim(victim);
	for (int i = 0; i < 4; i++)
		helpers[i] = start_helper(create_mine);
	for (int i = 0; i < 4; i++)
		wait_helper(helpers[i]);
	/* victim + 4 own + 1 shared */
	assert_int_equal(zipc_entry_list(seg, NULL, 0), 6);
	assert_le32(zipc_segment_base(seg), 8, 6);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queue_dead_producer_hole_is_skipped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_queue_dead_batch_producer_holes_are_skipped,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_dead_consumer_slot_is_reclaimed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stack_dead_pusher_slot_is_abandoned, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stack_dead_popper_loses_only_its_element, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_registry_dead_creator_entry_is_completed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_registry_dead_creator_many_helpers, setup,
						teardown),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
