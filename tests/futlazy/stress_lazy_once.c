/* Description: 8 processes force one lazy at once: computed (or provided) once, one value. */
#include "fl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * Forcers are forked children that open the segment by name, meet at a
 * futex barrier in a separate shared mapping, and force together. Compute
 * calls are counted twice: by the lazy itself (compute_count in the
 * segment) and by an atomic counter in the shared mapping, which no library
 * code touches.
 */

#define FORCERS 8
#define ROUNDS 40
#define VALUE_N 8

static const struct zipc_type U64 = {ZIPC_ELEM_U64, 8};

struct result {
	int rc;
	uint64_t v[VALUE_N];
	char msg[ZIPC_ERROR_MESSAGE_MAX];
};

struct shared {
	struct fl_barrier start;
	_Atomic uint32_t calls[ROUNDS];
	_Atomic uint32_t serve_ok, serve_already, serve_other;
	struct result res[ROUNDS][FORCERS];
};

struct compute_ctx {
	struct shared *sh;
	int round;
};

/* Rounds r % 5 == 4 fail; odd rounds compute slowly so the others fall asleep. */
static int compute_round(void *ctx, void *out, char *err, size_t errlen)
{
	struct compute_ctx *c = ctx;
	uint64_t *v = out;

	atomic_fetch_add(&c->sh->calls[c->round], 1);
	if (c->round % 2)
		fl_sleep_ms(20);
	if (c->round % 5 == 4) {
		snprintf(err, errlen, "round %d failed", c->round);
		return -EDOM;
	}
	for (int i = 0; i < VALUE_N; i++)
		v[i] = (uint64_t)c->round * 1000 + (uint64_t)i;
	return 0;
}

static void expect_round_(struct shared *sh, int r, int nforcers, const char *file, int line)
{
	for (int k = 0; k < nforcers; k++) {
		const struct result *res = &sh->res[r][k];

		if (r % 5 == 4) {
			char want[64];

			snprintf(want, sizeof(want), "round %d failed", r);
			fl__assert_rc(res->rc, -EIO, "forcer's zipc_lazy_force", file, line);
			if (strcmp(res->msg, want) != 0) {
				print_error("round %d forcer %d got message \"%s\"\n", r, k,
					    res->msg);
				_fail(file, line);
			}
			continue;
		}
		fl__assert_rc(res->rc, 0, "forcer's zipc_lazy_force", file, line);
		for (int i = 0; i < VALUE_N; i++) {
			if (res->v[i] != (uint64_t)r * 1000 + (uint64_t)i) {
				print_error("round %d forcer %d: element %d is %llu\n", r, k, i,
					    (unsigned long long)res->v[i]);
				_fail(file, line);
			}
		}
	}
}
#define expect_round(sh, r, n) expect_round_((sh), (r), (n), __FILE__, __LINE__)

/* compute_count as the segment holds it (FORMAT.md "Lazy": u32 at +24). */
static void assert_count_in_segment_(struct zipc_segment *seg, const char *name, uint32_t want,
				     const char *file, int line)
{
	uint64_t off;

	fl__entry(seg, name, &off, NULL, file, line);
	fl__assert_le(zipc_segment_base(seg), off + 24, 4, want, "compute_count", file, line);
}
#define assert_count_in_segment(seg, name, want)                                                   \
	assert_count_in_segment_((seg), (name), (want), __FILE__, __LINE__)

static void record(struct result *res, int rc, const uint64_t *v)
{
	res->rc = rc;
	memcpy(res->v, v, sizeof(res->v));
	snprintf(res->msg, sizeof(res->msg), "%s", rc == -EIO ? zipc_last_error() : "");
}

static void forcer_compute(const char *segname, struct shared *sh, int k)
{
	struct zipc_segment *seg;

	FL_CHILD_CHECK(zipc_segment_open(segname, &seg) == 0, "open segment");
	for (int r = 0; r < ROUNDS; r++) {
		struct compute_ctx ctx = {.sh = sh, .round = r};
		struct zipc_lazy *lz;
		uint64_t v[VALUE_N] = {0};
		char name[32];
		int rc;

		snprintf(name, sizeof(name), "lz%d", r);
		/* Everyone creates-or-opens the same name at once, too. */
		rc = zipc_lazy_create(seg, name, U64, VALUE_N, &lz);
		FL_CHILD_CHECK(rc == 0, "create %s: %d", name, rc);
		FL_CHILD_CHECK(fl_barrier_wait(&sh->start, 30000) == 0, "barrier");
		rc = zipc_lazy_force(lz, compute_round, &ctx, v, 20000 * FL_MS);
		record(&sh->res[r][k], rc, v);
		zipc_lazy_close(lz);
	}
	_exit(0);
}

static void test_lazy_eight_forcers_compute_once(void **state)
{
	char segname[64];
	struct zipc_segment *seg = fl_seg_create("once", segname);
	struct shared *sh = fl_shared(sizeof(*sh));
	pid_t pids[FORCERS];

	(void)state;
	fl_barrier_init(&sh->start, FORCERS);
	for (int k = 0; k < FORCERS; k++) {
		pids[k] = fl_fork();
		assert_true(pids[k] >= 0);
		if (pids[k] == 0)
			forcer_compute(segname, sh, k);
	}
	for (int k = 0; k < FORCERS; k++)
		assert_int_equal(fl_wait_child(pids[k], 200000), 0);
	for (int r = 0; r < ROUNDS; r++) {
		struct zipc_lazy *lz;
		char name[32];

		snprintf(name, sizeof(name), "lz%d", r);
		assert_zipc_ok(zipc_lazy_open(seg, name, &lz));
		assert_int_equal(atomic_load(&sh->calls[r]), 1);
		assert_lazy(lz, r % 5 == 4 ? ZIPC_LAZY_ERROR : ZIPC_LAZY_READY, 1);
		assert_count_in_segment(seg, name, 1);
		expect_round(sh, r, FORCERS);
		zipc_lazy_close(lz);
	}
	fl_unshare(sh, sizeof(*sh));
	zipc_segment_close(seg);
}

#define PROVIDER_ROUNDS 10

static void forcer_demand(const char *segname, struct shared *sh, int k)
{
	struct zipc_segment *seg;

	FL_CHILD_CHECK(zipc_segment_open(segname, &seg) == 0, "open segment");
	for (int r = 0; r < PROVIDER_ROUNDS; r++) {
		struct zipc_lazy *lz;
		uint64_t v[VALUE_N] = {0};
		char name[32];
		int rc;

		snprintf(name, sizeof(name), "p%d", r);
		FL_CHILD_CHECK(zipc_lazy_open(seg, name, &lz) == 0, "open %s", name);
		FL_CHILD_CHECK(fl_barrier_wait(&sh->start, 30000) == 0, "barrier");
		rc = zipc_lazy_force(lz, NULL, NULL, v, 20000 * FL_MS);
		record(&sh->res[r][k], rc, v);
		zipc_lazy_close(lz);
	}
	_exit(0);
}

static void provider(const char *segname, struct shared *sh)
{
	struct zipc_segment *seg;

	FL_CHILD_CHECK(zipc_segment_open(segname, &seg) == 0, "open segment");
	for (int r = 0; r < PROVIDER_ROUNDS; r++) {
		struct compute_ctx ctx = {.sh = sh, .round = r};
		struct zipc_lazy *lz;
		char name[32];
		int rc;

		snprintf(name, sizeof(name), "p%d", r);
		FL_CHILD_CHECK(zipc_lazy_open(seg, name, &lz) == 0, "open %s", name);
		rc = zipc_lazy_serve(lz, compute_round, &ctx, 20000 * FL_MS);
		if (rc == 0)
			atomic_fetch_add(&sh->serve_ok, 1);
		else if (rc == -EALREADY)
			atomic_fetch_add(&sh->serve_already, 1);
		else
			atomic_fetch_add(&sh->serve_other, 1);
		zipc_lazy_close(lz);
	}
	_exit(0);
}

static void run_providers(int nproviders)
{
	char segname[64];
	struct zipc_segment *seg = fl_seg_create("prov", segname);
	struct shared *sh = fl_shared(sizeof(*sh));
	pid_t pids[FORCERS + 2];
	int n = 0;

	fl_barrier_init(&sh->start, FORCERS);
	for (int r = 0; r < PROVIDER_ROUNDS; r++) {
		struct zipc_lazy *lz;
		char name[32];

		snprintf(name, sizeof(name), "p%d", r);
		assert_zipc_ok(zipc_lazy_create(seg, name, U64, VALUE_N, &lz));
		zipc_lazy_close(lz);
	}
	for (int p = 0; p < nproviders; p++) {
		pids[n] = fl_fork();
		assert_true(pids[n] >= 0);
		if (pids[n] == 0)
			provider(segname, sh);
		n++;
	}
	for (int k = 0; k < FORCERS; k++) {
		pids[n] = fl_fork();
		assert_true(pids[n] >= 0);
		if (pids[n] == 0)
			forcer_demand(segname, sh, k);
		n++;
	}
	for (int i = 0; i < n; i++)
		assert_int_equal(fl_wait_child(pids[i], 200000), 0);
	for (int r = 0; r < PROVIDER_ROUNDS; r++) {
		struct zipc_lazy *lz;
		char name[32];

		snprintf(name, sizeof(name), "p%d", r);
		assert_zipc_ok(zipc_lazy_open(seg, name, &lz));
		assert_int_equal(atomic_load(&sh->calls[r]), 1);
		assert_lazy(lz, r % 5 == 4 ? ZIPC_LAZY_ERROR : ZIPC_LAZY_READY, 1);
		assert_count_in_segment(seg, name, 1);
		expect_round(sh, r, FORCERS);
		zipc_lazy_close(lz);
	}
	/* Per round exactly one provider computed; the others found it done. */
	assert_int_equal(atomic_load(&sh->serve_ok), PROVIDER_ROUNDS);
	assert_int_equal(atomic_load(&sh->serve_already), (nproviders - 1) * PROVIDER_ROUNDS);
	assert_int_equal(atomic_load(&sh->serve_other), 0);
	fl_unshare(sh, sizeof(*sh));
	zipc_segment_close(seg);
}

static void test_lazy_eight_forcers_one_provider(void **state)
{
	(void)state;
	run_providers(1);
}

static void test_lazy_eight_forcers_two_providers(void **state)
{
	(void)state;
	run_providers(2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		fl_test(test_lazy_eight_forcers_compute_once),
		fl_test(test_lazy_eight_forcers_one_provider),
		fl_test(test_lazy_eight_forcers_two_providers),
	};

	return cmocka_run_group_tests_name("lazy_once", tests, NULL, NULL);
}
