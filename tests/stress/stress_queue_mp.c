/* Description: producer and consumer processes: no loss, no duplicates, per-producer order. */
#include "zt.h"

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * In the style of Concurrency Kit's regressions/<ring>/validate, across
 * fork(): every element is (producer << 32 | seq). Producers push their
 * sequence with a random mix of single, batch, blocking and try calls;
 * consumers pop with a random mix too, check that each producer's sequence
 * only grows (FIFO per producer as one consumer sees it), and mark each
 * element in a shared "seen" array, which the parent checks: every element
 * exactly once. The children open the segment by name, as separate programs
 * would.
 */

#define MS 1000000LL
#define CHILD_BUDGET_MS 120000 /* only a hang bound */

enum { OP_BLOCKING_ONE, OP_BLOCKING_BATCH, OP_TRY_ONE, OP_TRY_BATCH };

struct run {
	char seg[64];
	uint32_t producers, consumers, per_producer, capacity;
};

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

struct shared {
	struct zipc_segment *seg;
	struct zipc_queue *q;
	_Atomic uint64_t *consumed; /* elements popped by all consumers */
	unsigned char *seen;	    /* producers * per_producer counters */
};

static void child_open(const struct run *r, struct shared *sh)
{
	struct zipc_array *ctl, *seen;

	ZT_CHILD_CHECK(zipc_segment_open(r->seg, &sh->seg) == 0, "open segment");
	ZT_CHILD_CHECK(zipc_queue_open(sh->seg, "q", &sh->q) == 0, "open queue");
	/* A dead peer is not expected here: never let a slow one be taken for dead. */
	ZT_CHILD_CHECK(zipc_queue_set_stall_timeout(sh->q, 600000 * MS) == 0, "stall timeout");
	ZT_CHILD_CHECK(zipc_array_open(sh->seg, "ctl", &ctl) == 0, "open ctl");
	ZT_CHILD_CHECK(zipc_array_open(sh->seg, "seen", &seen) == 0, "open seen");
	sh->consumed = zipc_array_data(ctl);
	sh->seen = zipc_array_data(seen);
}

static void producer(const struct run *r, uint32_t id)
{
	struct shared sh;
	uint64_t buf[32];
	uint32_t seed = 0x9E3779B9u * (id + 1), seq = 0;

	child_open(r, &sh);
	while (seq < r->per_producer) {
		uint32_t k = 1 + rnd(&seed) % 32, done = 0;
		int op = (int)(rnd(&seed) % 4);

		if (k > r->per_producer - seq)
			k = r->per_producer - seq;
		for (uint32_t j = 0; j < k; j++)
			buf[j] = (uint64_t)id << 32 | (seq + j);
		while (done < k) {
			ssize_t n;

			switch (op) {
			case OP_BLOCKING_ONE:
				n = zipc_queue_push(sh.q, &buf[done], ZIPC_FOREVER);
				n = n == 0 ? 1 : n;
				break;
			case OP_BLOCKING_BATCH:
				n = zipc_queue_push_batch(sh.q, &buf[done], k - done, ZIPC_FOREVER);
				ZT_CHILD_CHECK(n == (ssize_t)(k - done), "push_batch returned %zd",
					       n);
				break;
			case OP_TRY_ONE:
				n = zipc_queue_try_push(sh.q, &buf[done]);
				n = n == 0 ? 1 : n;
				break;
			default:
				n = zipc_queue_try_push_batch(sh.q, &buf[done], k - done);
				break;
			}
			if (n == -EAGAIN) {
				sched_yield();
				continue;
			}
			ZT_CHILD_CHECK(n >= 1 && n <= (ssize_t)(k - done), "push returned %zd", n);
			done += (uint32_t)n;
		}
		seq += k;
	}
	_exit(0);
}

static void consumer(const struct run *r, uint32_t id)
{
	struct shared sh;
	uint64_t buf[32], total = (uint64_t)r->producers * r->per_producer;
	int64_t last[8];
	uint32_t seed = 0x85EBCA6Bu * (id + 7);
	int64_t deadline = zt_now_ns() + CHILD_BUDGET_MS * MS;

	child_open(r, &sh);
	for (uint32_t p = 0; p < r->producers; p++)
		last[p] = -1;
	while (atomic_load_explicit(sh.consumed, memory_order_acquire) < total) {
		uint32_t max = 1 + rnd(&seed) % 32;
		ssize_t n;

		ZT_CHILD_CHECK(zt_now_ns() < deadline, "consumer %u stuck at %llu of %llu", id,
			       (unsigned long long)*sh.consumed, (unsigned long long)total);
		switch (rnd(&seed) % 4) {
		case OP_BLOCKING_ONE:
			n = zipc_queue_pop(sh.q, buf, 20 * MS);
			n = n == 0 ? 1 : n;
			break;
		case OP_BLOCKING_BATCH:
			n = zipc_queue_pop_batch(sh.q, buf, max, 20 * MS);
			break;
		case OP_TRY_ONE:
			n = zipc_queue_try_pop(sh.q, buf);
			n = n == 0 ? 1 : n;
			break;
		default:
			n = zipc_queue_try_pop_batch(sh.q, buf, max);
			break;
		}
		if (n == -EAGAIN) {
			sched_yield();
			continue;
		}
		if (n == -ETIMEDOUT)
			continue;
		ZT_CHILD_CHECK(n >= 1 && n <= (ssize_t)max, "pop returned %zd", n);
		for (ssize_t j = 0; j < n; j++) {
			uint32_t p = (uint32_t)(buf[j] >> 32), s = (uint32_t)buf[j];
			unsigned char before;

			ZT_CHILD_CHECK(p < r->producers && s < r->per_producer,
				       "garbage element %016llx", (unsigned long long)buf[j]);
			ZT_CHILD_CHECK((int64_t)s > last[p],
				       "producer %u: seq %u after %lld (out of order)", p, s,
				       (long long)last[p]);
			last[p] = s;
			before = __atomic_fetch_add(&sh.seen[(uint64_t)p * r->per_producer + s], 1,
						    __ATOMIC_RELAXED);
			ZT_CHILD_CHECK(before == 0, "producer %u seq %u popped twice", p, s);
		}
		atomic_fetch_add_explicit(sh.consumed, (uint64_t)n, memory_order_acq_rel);
	}
	_exit(0);
}

static void run_mpmc(uint32_t producers, uint32_t consumers, uint32_t per_producer,
		     uint32_t capacity)
{
	struct run r = {.producers = producers,
			.consumers = consumers,
			.per_producer = per_producer,
			.capacity = capacity};
	uint64_t total = (uint64_t)producers * per_producer;
	struct zipc_segment *seg;
	struct zipc_queue *q;
	struct zipc_array *ctl, *seen;
	struct zipc_queue_stats st;
	pid_t pids[16];
	uint32_t n = 0;
	const unsigned char *s;
	uint64_t v;
	int64_t t0 = zt_now_ns();

	seg = zt_seg_create("mpmc", total + (8u << 20), 8, r.seg);
	assert_zipc_ok(
	    zipc_queue_create(seg, "q", (struct zipc_type){ZIPC_ELEM_U64, 8}, capacity, &q));
	assert_zipc_ok(
	    zipc_array_create(seg, "ctl", (struct zipc_type){ZIPC_ELEM_U64, 8}, 8, &ctl));
	assert_zipc_ok(
	    zipc_array_create(seg, "seen", (struct zipc_type){ZIPC_ELEM_U8, 1}, total, &seen));

	for (uint32_t i = 0; i < consumers; i++) {
		pids[n] = zt_fork();
		assert_true(pids[n] >= 0);
		if (pids[n] == 0)
			consumer(&r, i);
		n++;
	}
	for (uint32_t i = 0; i < producers; i++) {
		pids[n] = zt_fork();
		assert_true(pids[n] >= 0);
		if (pids[n] == 0)
			producer(&r, i);
		n++;
	}
	for (uint32_t i = 0; i < n; i++) {
		int st_code = zt_wait_child(pids[i], CHILD_BUDGET_MS + 10000);

		if (st_code != 0)
			print_error("child %u (%s) ended with %d\n", i,
				    i < consumers ? "consumer" : "producer", st_code);
		assert_int_equal(st_code, 0);
	}

	/* Every element exactly once. */
	s = zipc_array_data(seen);
	for (uint64_t i = 0; i < total; i++) {
		if (s[i] != 1) {
			print_error("producer %llu seq %llu seen %u times\n",
				    (unsigned long long)(i / per_producer),
				    (unsigned long long)(i % per_producer), s[i]);
			fail();
		}
	}
	assert_int_equal(*(const uint64_t *)zipc_array_data(ctl), total);
	assert_int_equal(zipc_queue_count(q), 0);
	assert_zipc_rc(zipc_queue_try_pop(q, &v), -EAGAIN);
	zipc_queue_stats(q, &st);
	assert_int_equal(st.holes_skipped, 0);
	assert_int_equal(st.claims_reclaimed, 0);
	print_message("%u->%u: %llu elements in %.2f s\n", producers, consumers,
		      (unsigned long long)total, (double)(zt_now_ns() - t0) / 1e9);
	zipc_queue_close(q);
	zipc_array_close(ctl);
	zipc_array_close(seen);
	zipc_segment_close(seg);
}

static void test_queue_mp_1_to_1(void **state)
{
	(void)state;
	run_mpmc(1, 1, 200000, 256);
}

static void test_queue_mp_2_to_2(void **state)
{
	(void)state;
	run_mpmc(2, 2, 200000, 256);
}

static void test_queue_mp_4_to_4(void **state)
{
	(void)state;
	run_mpmc(4, 4, 100000, 64);
}

static void test_queue_mp_4_to_1_tiny_queue(void **state)
{
	(void)state;
	run_mpmc(4, 1, 25000, 2);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		zt_test(test_queue_mp_1_to_1),
		zt_test(test_queue_mp_2_to_2),
		zt_test(test_queue_mp_4_to_4),
		zt_test(test_queue_mp_4_to_1_tiny_queue),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
