/* Description: the computing process or provider is killed mid-compute; another takes over. */
#include "fl.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * The first compute call, in whichever process makes it, stops its own
 * process (SIGSTOP); the test SIGKILLs it there. Sleepers re-check the
 * owner every 20 ms (zipc_lazy_set_check_period), so the takeover is quick;
 * the bound asserted is only a hang bound. Documented outcome (lazy.h):
 * everyone gets the value and compute_count is 2.
 */

#define FORCERS 8
#define ROUNDS 3
#define VALUE_N 4
#define CHECK_NS (20 * FL_MS)
#define TAKEOVER_BOUND_NS (5000 * FL_MS)

static const struct zipc_type U64 = {ZIPC_ELEM_U64, 8};

struct result {
	int rc;
	uint64_t v[VALUE_N];
	int64_t done_ns;
};

struct shared {
	struct fl_barrier start;
	_Atomic uint32_t calls;
	_Atomic uint32_t stopped_pid;
	_Atomic uint32_t serving;
	struct result res[FORCERS + 2];
};

static int compute_first_stops(void *ctx, void *out, char *err, size_t errlen)
{
	struct shared *sh = ctx;
	uint64_t *v = out;

	(void)err;
	(void)errlen;
	if (atomic_fetch_add(&sh->calls, 1) == 0) {
		atomic_store(&sh->stopped_pid, (uint32_t)getpid());
		raise(SIGSTOP); /* killed here */
	}
	for (int i = 0; i < VALUE_N; i++)
		v[i] = 0xC0DE0000u + (uint64_t)i;
	return 0;
}

static void check_value_(const struct result *res, const char *file, int line)
{
	fl__assert_rc(res->rc, 0, "survivor's blocking call", file, line);
	for (int i = 0; i < VALUE_N; i++) {
		if (res->v[i] != 0xC0DE0000u + (uint64_t)i) {
			print_error("element %d is %#llx\n", i, (unsigned long long)res->v[i]);
			_fail(file, line);
		}
	}
}
#define check_value(res) check_value_((res), __FILE__, __LINE__)

static struct zipc_lazy *child_open(const char *segname, const char *name)
{
	struct zipc_segment *seg;
	struct zipc_lazy *lz;

	FL_CHILD_CHECK(zipc_segment_open(segname, &seg) == 0, "open segment");
	FL_CHILD_CHECK(zipc_lazy_open(seg, name, &lz) == 0, "open lazy");
	FL_CHILD_CHECK(zipc_lazy_set_check_period(lz, CHECK_NS) == 0, "check period");
	return lz;
}

static void forcer(const char *segname, struct shared *sh, int k, bool with_compute)
{
	struct zipc_lazy *lz = child_open(segname, "lz");
	struct result *res = &sh->res[k];

	FL_CHILD_CHECK(fl_barrier_wait(&sh->start, 30000) == 0, "barrier");
	res->rc = zipc_lazy_force(lz, with_compute ? compute_first_stops : NULL, sh, res->v,
				  20000 * FL_MS);
	res->done_ns = fl_now_ns();
	_exit(0);
}

static void provider(const char *segname, struct shared *sh, int k)
{
	struct zipc_lazy *lz = child_open(segname, "lz");
	struct result *res = &sh->res[k];

	atomic_fetch_add(&sh->serving, 1);
	res->rc = zipc_lazy_serve(lz, compute_first_stops, sh, 20000 * FL_MS);
	res->done_ns = fl_now_ns();
	if (res->rc == 0)
		zipc_lazy_try_get(lz, res->v);
	_exit(0);
}

static pid_t spawn_forcer(const char *segname, struct shared *sh, int k, bool with_compute)
{
	pid_t pid = fl_fork();

	assert_true(pid >= 0);
	if (pid == 0)
		forcer(segname, sh, k, with_compute);
	return pid;
}

static pid_t spawn_provider(const char *segname, struct shared *sh, int k)
{
	pid_t pid = fl_fork();

	assert_true(pid >= 0);
	if (pid == 0)
		provider(segname, sh, k);
	return pid;
}

/* Wait for the first compute call to stop its process; check the lazy shows it computing. */
static pid_t await_stopped_computer(struct shared *sh, struct zipc_lazy *lz)
{
	struct zipc_lazy_info info;
	pid_t victim;

	assert_int_equal(fl_await_u32(&sh->calls, 1, 20000), 0);
	assert_int_equal(fl_await_u32(&sh->stopped_pid, 1, 20000), 0);
	victim = (pid_t)atomic_load(&sh->stopped_pid);
	assert_int_equal(fl_wait_stopped(victim, 20000), 0);
	fl_sleep_ms(100); /* the others are asleep behind it by now */
	zipc_lazy_info(lz, &info);
	assert_int_equal(info.state, ZIPC_LAZY_COMPUTING);
	assert_int_equal(info.owner_pid, (uint32_t)victim);
	assert_int_equal(info.compute_count, 1);
	assert_int_equal(atomic_load(&sh->calls), 1);
	return victim;
}

/* compute_count as the segment holds it (FORMAT.md "Lazy": u32 at +24). */
static void assert_count_in_segment_(struct zipc_segment *seg, uint32_t want, const char *file,
				     int line)
{
	uint64_t off;

	fl__entry(seg, "lz", &off, NULL, file, line);
	fl__assert_le(zipc_segment_base(seg), off + 24, 4, want, "compute_count", file, line);
}
#define assert_count_in_segment(seg, want)                                                         \
	assert_count_in_segment_((seg), (want), __FILE__, __LINE__)

static void assert_bounded_(int64_t done_ns, int64_t kill_ns, const char *file, int line)
{
	if (done_ns - kill_ns < TAKEOVER_BOUND_NS)
		return;
	print_error("a survivor finished %lld ms after the kill\n",
		    (long long)((done_ns - kill_ns) / FL_MS));
	_fail(file, line);
}
#define assert_bounded(done, kill_ns) assert_bounded_((done), (kill_ns), __FILE__, __LINE__)

static void test_lazy_computer_killed_waiter_takes_over(void **state)
{
	(void)state;
	for (int round = 0; round < ROUNDS; round++) {
		char segname[64];
		struct zipc_segment *seg = fl_seg_create("tk", segname);
		struct shared *sh = fl_shared(sizeof(*sh));
		struct zipc_lazy *lz;
		struct zipc_lazy_info info;
		pid_t pids[FORCERS], victim;
		int64_t kill_ns;
		bool owner_is_survivor = false;

		fl_barrier_init(&sh->start, FORCERS);
		assert_zipc_ok(zipc_lazy_create(seg, "lz", U64, VALUE_N, &lz));
		for (int k = 0; k < FORCERS; k++)
			pids[k] = spawn_forcer(segname, sh, k, true);
		victim = await_stopped_computer(sh, lz);
		kill_ns = fl_now_ns();
		kill(victim, SIGKILL);
		/* Not reaped yet: the dead computer is a zombie while the others take over. */
		for (int k = 0; k < FORCERS; k++) {
			if (pids[k] == victim)
				continue;
			assert_int_equal(fl_wait_child(pids[k], 30000), 0);
			check_value(&sh->res[k]);
			assert_bounded(sh->res[k].done_ns, kill_ns);
		}
		assert_int_equal(fl_wait_child(victim, 10000), 128 + SIGKILL);
		assert_int_equal(atomic_load(&sh->calls), 2);
		zipc_lazy_info(lz, &info);
		assert_int_equal(info.state, ZIPC_LAZY_READY);
		assert_int_equal(info.compute_count, 2);
		assert_count_in_segment(seg, 2);
		for (int k = 0; k < FORCERS; k++) {
			if (pids[k] != victim && (uint32_t)pids[k] == info.owner_pid)
				owner_is_survivor = true;
		}
		assert_true(owner_is_survivor);
		fl_unshare(sh, sizeof(*sh));
		zipc_lazy_close(lz);
		zipc_segment_close(seg);
	}
}

/*
 * Providers: the first to compute is killed; the other provider (already
 * serving, or started only after the kill) computes; the 8 forcers, which
 * have no compute function, all get its value.
 */
static void provider_killed(bool second_starts_late)
{
	char segname[64];
	struct zipc_segment *seg = fl_seg_create("pk", segname);
	struct shared *sh = fl_shared(sizeof(*sh));
	struct zipc_lazy *lz;
	struct zipc_lazy_info info;
	pid_t forcers[FORCERS], prov[2], victim, survivor;
	int victim_slot, survivor_slot;
	int64_t kill_ns;

	fl_barrier_init(&sh->start, FORCERS);
	assert_zipc_ok(zipc_lazy_create(seg, "lz", U64, VALUE_N, &lz));
	prov[0] = spawn_provider(segname, sh, FORCERS);
	prov[1] = second_starts_late ? -1 : spawn_provider(segname, sh, FORCERS + 1);
	assert_int_equal(fl_await_u32(&sh->serving, second_starts_late ? 1 : 2, 20000), 0);
	for (int k = 0; k < FORCERS; k++)
		forcers[k] = spawn_forcer(segname, sh, k, false);
	victim = await_stopped_computer(sh, lz);
	victim_slot = victim == prov[0] ? 0 : 1;
	assert_true(victim == prov[victim_slot]);
	kill_ns = fl_now_ns();
	kill(victim, SIGKILL);
	assert_int_equal(fl_wait_child(victim, 10000), 128 + SIGKILL); /* reaped at once */
	if (second_starts_late)
		prov[1] = spawn_provider(segname, sh, FORCERS + 1);
	survivor_slot = 1 - victim_slot;
	survivor = prov[survivor_slot];
	for (int k = 0; k < FORCERS; k++) {
		assert_int_equal(fl_wait_child(forcers[k], 30000), 0);
		check_value(&sh->res[k]);
		assert_bounded(sh->res[k].done_ns, kill_ns);
	}
	assert_int_equal(fl_wait_child(survivor, 30000), 0);
	check_value(&sh->res[FORCERS + survivor_slot]); /* serve returned 0: it computed */
	assert_int_equal(atomic_load(&sh->calls), 2);
	zipc_lazy_info(lz, &info);
	assert_int_equal(info.state, ZIPC_LAZY_READY);
	assert_int_equal(info.compute_count, 2);
	assert_count_in_segment(seg, 2);
	assert_int_equal(info.owner_pid, (uint32_t)survivor);
	fl_unshare(sh, sizeof(*sh));
	zipc_lazy_close(lz);
	zipc_segment_close(seg);
}

static void test_lazy_provider_killed_serving_provider_takes_over(void **state)
{
	(void)state;
	for (int round = 0; round < ROUNDS; round++)
		provider_killed(false);
}

static void test_lazy_provider_killed_new_provider_takes_over(void **state)
{
	(void)state;
	for (int round = 0; round < ROUNDS; round++)
		provider_killed(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		fl_test(test_lazy_computer_killed_waiter_takes_over),
		fl_test(test_lazy_provider_killed_serving_provider_takes_over),
		fl_test(test_lazy_provider_killed_new_provider_takes_over),
	};

	return cmocka_run_group_tests_name("lazy_takeover", tests, NULL, NULL);
}
