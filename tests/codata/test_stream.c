/* Description: streams in one process: layout, policies, close, batches, operators. */
#include "zt.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MiB (1024u * 1024u)
#define MS 1000000LL

static const struct zipc_type U32 = {ZIPC_ELEM_U32, 4};
static const struct zipc_type U64 = {ZIPC_ELEM_U64, 8};

static char segname[64];
static struct zipc_segment *seg;

static int setup(void **state)
{
	zt_setup(state);
	seg = zt_seg_create("cd", 4 * MiB, 32, segname);
	return 0;
}

static int teardown(void **state)
{
	zipc_segment_close(seg);
	seg = NULL;
	return zt_teardown(state);
}

#define cd_test(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static struct zipc_stream *make(const char *name, uint32_t cap, enum zipc_stream_policy policy)
{
	struct zipc_stream *st = NULL;

	assert_zipc_ok(zipc_stream_create(seg, name, U64, cap, policy, 0, &st));
	return st;
}

static void emit_range(struct zipc_stream *st, uint64_t from, uint64_t to)
{
	for (uint64_t v = from; v < to; v++)
		assert_zipc_ok(zipc_stream_emit(st, &v, 0));
}

static void expect_next_(struct zipc_sub *sub, uint64_t want, const char *file, int line)
{
	uint64_t v = ~0ull;

	zt__assert_rc(zipc_stream_next(sub, &v, 0), 0, "zipc_stream_next", file, line);
	if (v != want) {
		print_error("next gave %llu, expected %llu\n", (unsigned long long)v,
			    (unsigned long long)want);
		_fail(file, line);
	}
}
#define expect_next(sub, want) expect_next_((sub), (want), __FILE__, __LINE__)

/* ---- layout ----------------------------------------------------------------- */

static void test_stream_layout_golden(void **state)
{
	struct zipc_stream *st;
	struct zipc_sub *sub;
	const uint64_t hdr = 128, subs = hdr, slots = subs + 2 * 64, data = slots + 4 * 16;
	unsigned char *b, elem[3] = {0xA1, 0xA2, 0xA3};
	uint64_t off, got;
	size_t len;

	(void)state;
	assert_zipc_ok(zipc_stream_create(seg, "s", (struct zipc_type){ZIPC_ELEM_BYTES, 3}, 3,
					  ZIPC_STREAM_OVERWRITE, 2, &st));
	off = zt_entry_offset(seg, "s");
	assert_int_equal(off % 64, 0);
	b = zt_read_shm(segname, &len);
	assert_tag(b, off, data + 4 * 8, 6, ZIPC_ELEM_BYTES, 3, false, "s");
	assert_le32(b, off + 0, 4);  /* capacity, rounded up */
	assert_le32(b, off + 4, 3);  /* elem_size */
	assert_le32(b, off + 8, 2);  /* max_subscribers */
	assert_le32(b, off + 12, 1); /* policy: overwrite */
	assert_zeros(b, off + 16, 64 - 16);
	assert_le64(b, off + 64, 0); /* claim */
	assert_zeros(b, off + 72, 56);
	for (int i = 0; i < 2; i++) {
		assert_le64(b, off + subs + 64 * i, 0);
		assert_le64(b, off + subs + 64 * i + 8, UINT64_MAX);
		assert_zeros(b, off + subs + 64 * i + 16, 48);
	}
	assert_zeros(b, off + slots, 4 * 16 + 4 * 8);
	free(b);

	assert_zipc_ok(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &sub));
	assert_zipc_ok(zipc_stream_emit(st, elem, 0));
	elem[0] = 0xB1;
	assert_zipc_ok(zipc_stream_emit(st, elem, 0));
	assert_zipc_ok(zipc_stream_next(sub, elem, 0));
	assert_int_equal(elem[0], 0xA1);
	b = zt_read_shm(segname, &len);
	assert_le32(b, off + 32, 1);                   /* sub_limit */
	assert_le64(b, off + 64, 2 | 1ull << 56);      /* two claimed, one subscription */
	assert_le32(b, off + subs, (uint32_t)getpid()); /* owner word: pid | start << 32 */
	assert_le64(b, off + subs + 8, 1);             /* cursor */
	assert_le64(b, off + subs + 16, 0);            /* missed */
	assert_le64(b, off + subs + 64, 0);            /* record 1 free */
	assert_le64(b, off + slots + 0, (0 + 1) << 2 | 2); /* seq 0 complete */
	assert_le64(b, off + slots + 8, 0);                /* no writer holds it */
	assert_le64(b, off + slots + 16, (1 + 1) << 2 | 2);
	assert_le64(b, off + slots + 32, 0);
	got = zt_get64(b, off + data);
	assert_int_equal(got, 0xA3A2A1u); /* 3 bytes, zero-padded to the 8-byte stride */
	assert_int_equal(zt_get64(b, off + data + 8), 0xA3A2B1u);
	free(b);
	zipc_stream_unsubscribe(sub);
	b = zt_read_shm(segname, &len);
	assert_le64(b, off + subs, 0);
	assert_le64(b, off + subs + 8, UINT64_MAX);
	free(b);
	assert_zipc_ok(zipc_stream_close(st));
	b = zt_read_shm(segname, &len);
	assert_le64(b, off + 64, 2 | 1ull << 56 | 1ull << 63);
	free(b);
	zipc_stream_close_handle(st);
}

static void test_stream_create_rules(void **state)
{
	struct zipc_stream *st, *again;
	struct zipc_queue *q;

	(void)state;
	assert_zipc_rc(zipc_stream_create(seg, "s", U64, 0, ZIPC_STREAM_BLOCK, 0, &st), -EINVAL);
	assert_zipc_rc(zipc_stream_create(seg, "s", U64, (1u << 30) + 1, ZIPC_STREAM_BLOCK, 0, &st),
		       -EINVAL);
	assert_zipc_rc(zipc_stream_create(seg, "s", U64, 4, (enum zipc_stream_policy)7, 0, &st),
		       -EINVAL);
	assert_zipc_rc(zipc_stream_create(seg, "s", U64, 4, ZIPC_STREAM_BLOCK, 4097, &st), -EINVAL);
	assert_zipc_rc(zipc_stream_open(seg, "s", &st), -ENOENT);
	assert_zipc_ok(zipc_stream_create(seg, "s", U64, 5, ZIPC_STREAM_BLOCK, 0, &st));
	assert_int_equal(zipc_stream_capacity(st), 8);
	assert_int_equal(zipc_stream_policy(st), ZIPC_STREAM_BLOCK);
	assert_int_equal(zipc_stream_type(st).elem, ZIPC_ELEM_U64);
	/* Create of an existing stream opens it as it is. */
	assert_zipc_ok(zipc_stream_create(seg, "s", U64, 64, ZIPC_STREAM_OVERWRITE, 1, &again));
	assert_int_equal(zipc_stream_capacity(again), 8);
	assert_int_equal(zipc_stream_policy(again), ZIPC_STREAM_BLOCK);
	zipc_stream_close_handle(again);
	assert_zipc_rc(zipc_stream_create(seg, "s", U32, 8, ZIPC_STREAM_BLOCK, 0, &again), -EEXIST);
	assert_zipc_ok(zipc_queue_create(seg, "q", U64, 4, &q));
	assert_zipc_rc(zipc_stream_open(seg, "q", &again), -EINVAL);
	assert_zipc_rc(zipc_stream_create(seg, "q", U64, 4, ZIPC_STREAM_BLOCK, 0, &again), -EEXIST);
	zipc_queue_close(q);
	zipc_stream_close_handle(st);
}

/* Header fields are checked against the entry at open: never trusted. */
static void test_stream_corrupt_header_rejected(void **state)
{
	struct zipc_stream *st, *bad;
	unsigned char *p = zipc_segment_base(seg);
	uint64_t off;
	const struct {
		uint64_t at;
		uint32_t value;
	} cases[] = {
		{0, 3},          /* capacity not a power of two */
		{0, 1u << 20},   /* ring no longer fits the entry */
		{4, 4},          /* elem_size disagrees with the tag */
		{8, 0},          /* no subscriber records */
		{8, 100},        /* records beyond the entry */
		{12, 2},         /* unknown policy */
	};

	(void)state;
	st = make("s", 8, ZIPC_STREAM_BLOCK);
	off = zt_entry_offset(seg, "s");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t saved = zt_get32(p, off + cases[i].at);

		zt_put32(p, off + cases[i].at, cases[i].value);
		assert_zipc_rc(zipc_stream_open(seg, "s", &bad), -EBADMSG);
		zt_put32(p, off + cases[i].at, saved);
	}
	assert_zipc_ok(zipc_stream_open(seg, "s", &bad));
	zipc_stream_close_handle(bad);
	zipc_stream_close_handle(st);
}

/* ---- reading and writing ----------------------------------------------------- */

static void test_stream_emit_next_in_order(void **state)
{
	struct zipc_stream *st = make("s", 8, ZIPC_STREAM_BLOCK);
	struct zipc_sub *a, *b;
	uint64_t v;

	(void)state;
	assert_zipc_ok(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &a));
	assert_zipc_ok(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &b));
	assert_int_equal(zipc_stream_subscribers(st), 2);
	assert_zipc_rc(zipc_stream_try_next(a, &v), -EAGAIN);
	assert_zipc_rc(zipc_stream_next(a, &v, 10 * MS), -ETIMEDOUT);
	emit_range(st, 100, 105);
	assert_int_equal(zipc_stream_emitted(st), 5);
	for (uint64_t i = 100; i < 105; i++)
		expect_next(a, i);
	for (uint64_t i = 100; i < 105; i++)
		expect_next(b, i);
	assert_zipc_rc(zipc_stream_try_next(b, &v), -EAGAIN);
	assert_int_equal(zipc_stream_cursor(a), 5);
	assert_int_equal(zipc_stream_missed(a), 0);
	zipc_stream_unsubscribe(a);
	assert_int_equal(zipc_stream_subscribers(st), 1);
	zipc_stream_unsubscribe(b);
	zipc_stream_close_handle(st);
}

static void test_stream_from_now_and_oldest(void **state)
{
	struct zipc_stream *st = make("s", 4, ZIPC_STREAM_BLOCK);
	struct zipc_sub *now, *old;
	uint64_t v;

	(void)state;
	/* Nobody subscribed: writers never wait. */
	emit_range(st, 0, 10);
	assert_zipc_ok(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &now));
	assert_zipc_ok(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_OLDEST, &old));
	assert_int_equal(zipc_stream_cursor(now), 10);
	assert_int_equal(zipc_stream_cursor(old), 6);
	assert_zipc_rc(zipc_stream_try_next(now, &v), -EAGAIN);
	for (uint64_t i = 6; i < 10; i++)
		expect_next(old, i);
	emit_range(st, 10, 11);
	expect_next(now, 10);
	expect_next(old, 10);
	zipc_stream_unsubscribe(now);
	zipc_stream_unsubscribe(old);
	zipc_stream_close_handle(st);
}

static void test_stream_block_backpressure(void **state)
{
	struct zipc_stream *st = make("s", 4, ZIPC_STREAM_BLOCK);
	struct zipc_sub *sub;
	uint64_t v = 7;

	(void)state;
	assert_zipc_ok(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &sub));
	emit_range(st, 0, 4);
	assert_zipc_rc(zipc_stream_try_emit(st, &v), -EAGAIN);
	assert_zipc_rc(zipc_stream_emit(st, &v, 20 * MS), -ETIMEDOUT);
	assert_int_equal(zipc_stream_emitted(st), 4); /* failed emits claim nothing */
	expect_next(sub, 0);
	assert_zipc_ok(zipc_stream_try_emit(st, &v));
	assert_zipc_rc(zipc_stream_try_emit(st, &v), -EAGAIN);
	/* Leaving unblocks writers. */
	zipc_stream_unsubscribe(sub);
	emit_range(st, 0, 8);
	zipc_stream_close_handle(st);
}

static void test_stream_overwrite_counts_missed(void **state)
{
	struct zipc_stream *st = make("s", 4, ZIPC_STREAM_OVERWRITE);
	struct zipc_sub *sub;
	uint64_t v;

	(void)state;
	assert_zipc_ok(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &sub));
	emit_range(st, 0, 10); /* never waits */
	expect_next(sub, 6);
	assert_int_equal(zipc_stream_missed(sub), 6);
	expect_next(sub, 7);
	emit_range(st, 10, 20);
	expect_next(sub, 16);
	assert_int_equal(zipc_stream_missed(sub), 6 + 8);
	for (uint64_t i = 17; i < 20; i++)
		expect_next(sub, i);
	assert_zipc_rc(zipc_stream_try_next(sub, &v), -EAGAIN);
	assert_int_equal(zipc_stream_cursor(sub), 20);
	assert_int_equal(zipc_stream_missed(sub) + 6, 20); /* seen 6 + missed 14 */
	zipc_stream_unsubscribe(sub);
	zipc_stream_close_handle(st);
}

static void test_stream_close_drains_then_epipe(void **state)
{
	struct zipc_stream *st = make("s", 8, ZIPC_STREAM_BLOCK);
	struct zipc_sub *sub, *late;
	uint64_t v = 1;

	(void)state;
	assert_zipc_ok(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &sub));
	emit_range(st, 0, 3);
	assert_false(zipc_stream_is_closed(st));
	assert_zipc_ok(zipc_stream_close(st));
	assert_zipc_ok(zipc_stream_close(st)); /* idempotent */
	assert_true(zipc_stream_is_closed(st));
	assert_zipc_rc(zipc_stream_emit(st, &v, 0), -EPIPE);
	assert_zipc_rc(zipc_stream_try_emit(st, &v), -EPIPE);
	assert_zipc_rc(zipc_stream_emit_batch(st, &v, 1, 0), -EPIPE);
	for (uint64_t i = 0; i < 3; i++)
		expect_next(sub, i);
	assert_zipc_rc(zipc_stream_next(sub, &v, ZIPC_FOREVER), -EPIPE);
	assert_zipc_rc(zipc_stream_try_next(sub, &v), -EPIPE);
	/* A subscription to a closed stream reads what is retained, then ends. */
	assert_zipc_ok(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_OLDEST, &late));
	expect_next(late, 0);
	assert_int_equal(zipc_stream_next_batch(late, &v, 1, 0), 1);
	expect_next(late, 2);
	assert_zipc_rc(zipc_stream_next_batch(late, &v, 4, 0), -EPIPE);
	zipc_stream_unsubscribe(late);
	zipc_stream_unsubscribe(sub);
	zipc_stream_close_handle(st);
}

struct blocked {
	struct zipc_sub *sub;
	int rc;
};

static void *next_forever(void *arg)
{
	struct blocked *b = arg;
	uint64_t v;

	b->rc = zipc_stream_next(b->sub, &v, ZIPC_FOREVER);
	return NULL;
}

static void test_stream_close_wakes_blocked_reader(void **state)
{
	struct zipc_stream *st = make("s", 8, ZIPC_STREAM_BLOCK);
	struct blocked b = {.rc = 1};
	pthread_t t;

	(void)state;
	assert_zipc_ok(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &b.sub));
	assert_int_equal(pthread_create(&t, NULL, next_forever, &b), 0);
	zt_sleep_ms(50);
	assert_zipc_ok(zipc_stream_close(st));
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_zipc_rc(b.rc, -EPIPE);
	zipc_stream_unsubscribe(b.sub);
	zipc_stream_close_handle(st);
}

static void test_stream_batches(void **state)
{
	struct zipc_stream *st = make("s", 4, ZIPC_STREAM_BLOCK);
	struct zipc_sub *sub;
	uint64_t in[10], out[10] = {0};

	(void)state;
	for (int i = 0; i < 10; i++)
		in[i] = 50 + (uint64_t)i;
	assert_zipc_ok(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &sub));
	assert_zipc_rc(zipc_stream_emit_batch(st, in, 0, 0), -EINVAL);
	/* Room for 4: a batch of 10 emits 4 and reports it. */
	assert_int_equal(zipc_stream_emit_batch(st, in, 10, 20 * MS), 4);
	assert_int_equal(zipc_stream_next_batch(sub, out, 3, 0), 3);
	assert_int_equal(zipc_stream_next_batch(sub, out + 3, 10, 0), 1);
	assert_memory_equal(in, out, 4 * sizeof(uint64_t));
	assert_zipc_rc(zipc_stream_next_batch(sub, out, 0, 0), -EINVAL);
	assert_int_equal(zipc_stream_emit_batch(st, in + 4, 3, 0), 3);
	assert_int_equal(zipc_stream_next_batch(sub, out + 4, 10, 0), 3);
	assert_memory_equal(in, out, 7 * sizeof(uint64_t));
	zipc_stream_unsubscribe(sub);
	zipc_stream_close_handle(st);
}

static void test_stream_element_sizes(void **state)
{
	const uint32_t sizes[] = {1, 3, 8, 13, 16, 1000};
	unsigned char in[1000], out[1000];

	(void)state;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct zipc_type type = {ZIPC_ELEM_BYTES, sizes[s]};
		struct zipc_stream *st;
		struct zipc_sub *sub;
		char name[16];

		snprintf(name, sizeof(name), "s%zu", s);
		assert_zipc_ok(zipc_stream_create(seg, name, type, 2, ZIPC_STREAM_OVERWRITE, 1, &st));
		assert_zipc_ok(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &sub));
		for (int round = 0; round < 5; round++) {
			for (uint32_t i = 0; i < sizes[s]; i++)
				in[i] = (unsigned char)(i * 7 + (uint32_t)round + 1);
			memset(out, 0xEE, sizeof(out));
			assert_zipc_ok(zipc_stream_emit(st, in, 0));
			assert_zipc_ok(zipc_stream_next(sub, out, 0));
			assert_memory_equal(in, out, sizes[s]);
			if (sizes[s] < sizeof(out))
				assert_int_equal(out[sizes[s]], 0xEE); /* no padding copied out */
		}
		zipc_stream_unsubscribe(sub);
		zipc_stream_close_handle(st);
	}
}

static void test_stream_subscriber_table_full(void **state)
{
	struct zipc_stream *st;
	struct zipc_sub *a, *b, *c;
	uint64_t v;

	(void)state;
	assert_zipc_ok(zipc_stream_create(seg, "s", U64, 4, ZIPC_STREAM_BLOCK, 2, &st));
	assert_zipc_ok(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &a));
	assert_zipc_ok(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &b));
	assert_zipc_rc(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &c), -ENOSPC);
	assert_zipc_rc(zipc_stream_subscribe(st, (enum zipc_stream_start)5, &c), -EINVAL);
	zipc_stream_unsubscribe(a);
	assert_zipc_ok(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &c));
	assert_int_equal(zipc_stream_subscribers(st), 2);
	/* A subscription keeps its stream handle alive. */
	zipc_stream_close_handle(st);
	assert_zipc_rc(zipc_stream_try_next(b, &v), -EAGAIN);
	zipc_stream_unsubscribe(b);
	zipc_stream_unsubscribe(c);
}

static void test_stream_signal_interrupts(void **state)
{
	struct zipc_stream *st = make("s", 2, ZIPC_STREAM_BLOCK);
	struct zipc_sub *sub;
	uint64_t v = 0;

	(void)state;
	assert_zipc_ok(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &sub));
	zt_pester_start();
	assert_zipc_rc(zipc_stream_next(sub, &v, ZIPC_FOREVER), -EINTR);
	emit_range(st, 0, 2);
	assert_zipc_rc(zipc_stream_emit(st, &v, ZIPC_FOREVER), -EINTR);
	zt_pester_stop();
	assert_zipc_ok(zipc_stream_set_stall_timeout(st, 5 * MS));
	assert_zipc_rc(zipc_stream_set_stall_timeout(st, 1000), -EINVAL);
	zipc_stream_unsubscribe(sub);
	zipc_stream_close_handle(st);
}

static void test_stream_events(void **state)
{
	struct zipc_stream *st = make("s", 2, ZIPC_STREAM_BLOCK);
	struct zipc_event *ev = zipc_stream_event(st, ZIPC_READABLE);
	uint32_t token;

	(void)state;
	assert_non_null(ev);
	assert_ptr_not_equal(ev, zipc_stream_event(st, ZIPC_WRITABLE));
	token = zipc_event_arm(ev);
	emit_range(st, 0, 1);
	assert_zipc_ok(zipc_event_wait(ev, token, 0));
	zipc_event_disarm(ev);
	zipc_stream_close_handle(st);
}

/* ---- threads (what TSan examines) ------------------------------------------------- */

#define T_PER 20000

struct t_writer {
	struct zipc_stream *st;
	uint64_t id;
	int rc;
};

static void *t_write(void *arg)
{
	struct t_writer *w = arg;

	for (uint64_t i = 1; i <= T_PER && w->rc == 0; i++) {
		uint64_t v = w->id << 32 | i;
		w->rc = zipc_stream_emit(w->st, &v, ZIPC_FOREVER);
	}
	return NULL;
}

struct t_reader {
	struct zipc_sub *sub;
	uint64_t count;
	uint64_t last[2];
	int bad;
	int rc;
};

static void *t_read(void *arg)
{
	struct t_reader *r = arg;
	uint64_t v;

	while ((r->rc = zipc_stream_next(r->sub, &v, ZIPC_FOREVER)) == 0) {
		uint64_t id = v >> 32, seq = v & 0xffffffffu;

		if (id > 1 || seq != r->last[id] + 1)
			r->bad++;
		else
			r->last[id] = seq;
		r->count++;
	}
	return NULL;
}

static void *t_write_triples(void *arg)
{
	struct t_writer *w = arg;

	for (uint64_t i = 0; i < 10 * T_PER && w->rc == 0; i++) {
		uint64_t v[3] = {i, ~i, i * 3};
		w->rc = zipc_stream_emit(w->st, v, 0);
	}
	return NULL;
}

static void *t_read_triples(void *arg)
{
	struct t_reader *r = arg;
	uint64_t v[3], next = 0;

	while ((r->rc = zipc_stream_next(r->sub, v, ZIPC_FOREVER)) == 0) {
		if (v[1] != ~v[0] || v[2] != v[0] * 3 || v[0] < next)
			r->bad++;
		next = v[0] + 1;
		r->count++;
	}
	return NULL;
}

static void test_stream_threads_block(void **state)
{
	struct zipc_stream *st = make("s", 16, ZIPC_STREAM_BLOCK);
	struct t_writer w[2] = {{.st = st, .id = 0}, {.st = st, .id = 1}};
	struct t_reader r[2] = {{0}};
	pthread_t wt[2], rt[2];

	(void)state;
	for (int i = 0; i < 2; i++) {
		assert_zipc_ok(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &r[i].sub));
		assert_int_equal(pthread_create(&rt[i], NULL, t_read, &r[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&wt[i], NULL, t_write, &w[i]), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(wt[i], NULL), 0);
		assert_zipc_ok(w[i].rc);
	}
	assert_zipc_ok(zipc_stream_close(st));
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(rt[i], NULL), 0);
		assert_zipc_rc(r[i].rc, -EPIPE);
		assert_int_equal(r[i].bad, 0);
		assert_int_equal(r[i].count, 2 * T_PER);
		zipc_stream_unsubscribe(r[i].sub);
	}
	zipc_stream_close_handle(st);
}

/* Overwrite: the reader races the writer on the same slots (the seqlock path). */
static void test_stream_threads_overwrite(void **state)
{
	struct zipc_stream *st;
	struct t_writer w;
	struct t_reader r = {0};
	pthread_t wt, rt;

	(void)state;
	/* 24-byte elements: a torn copy would show as words that disagree. */
	assert_zipc_ok(zipc_stream_create(seg, "s", (struct zipc_type){ZIPC_ELEM_BYTES, 24}, 8,
					  ZIPC_STREAM_OVERWRITE, 0, &st));
	w = (struct t_writer){.st = st};
	assert_zipc_ok(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &r.sub));
	assert_int_equal(pthread_create(&rt, NULL, t_read_triples, &r), 0);
	assert_int_equal(pthread_create(&wt, NULL, t_write_triples, &w), 0);
	assert_int_equal(pthread_join(wt, NULL), 0);
	assert_zipc_ok(w.rc);
	assert_zipc_ok(zipc_stream_close(st));
	assert_int_equal(pthread_join(rt, NULL), 0);
	assert_zipc_rc(r.rc, -EPIPE);
	assert_int_equal(r.bad, 0);
	assert_int_equal(r.count + zipc_stream_missed(r.sub), 10 * T_PER);
	zipc_stream_unsubscribe(r.sub);
	zipc_stream_close_handle(st);
}

/* ---- operators -------------------------------------------------------------- */

static int twice(void *ctx, const void *in, void *out)
{
	uint32_t v;
	uint64_t w;

	(void)ctx;
	memcpy(&v, in, 4);
	if (v == 3)
		return 0; /* dropped */
	w = 2ull * v;
	memcpy(out, &w, 8);
	return 1;
}

static int fail_at_five(void *ctx, const void *in, void *out)
{
	uint64_t v;

	memcpy(&v, in, 8);
	memcpy(out, in, 8);
	++*(int *)ctx;
	return v == 5 ? -ECANCELED : 1;
}

static bool even(void *ctx, const void *in)
{
	uint64_t v;

	(void)ctx;
	memcpy(&v, in, 8);
	return v % 2 == 0;
}

static void sum(void *ctx, void *acc, const void *in)
{
	uint64_t v;

	(void)ctx;
	memcpy(&v, in, 8);
	*(uint64_t *)acc += v;
}

/* A closed source stream of u64 from..to-1 with a subscription on it. */
static struct zipc_sub *source(const char *name, uint64_t from, uint64_t to, bool close)
{
	struct zipc_stream *st = make(name, 128, ZIPC_STREAM_BLOCK);
	struct zipc_sub *sub;

	assert_zipc_ok(zipc_stream_subscribe(st, ZIPC_STREAM_FROM_NOW, &sub));
	emit_range(st, from, to);
	if (close)
		assert_zipc_ok(zipc_stream_close(st));
	zipc_stream_close_handle(st); /* the subscription holds it */
	return sub;
}

static void drain_expect(struct zipc_sub *sub, const uint64_t *want, size_t n)
{
	uint64_t v;

	for (size_t i = 0; i < n; i++)
		expect_next(sub, want[i]);
	assert_zipc_rc(zipc_stream_next(sub, &v, 0), -EPIPE);
}

static void test_stream_operators(void **state)
{
	struct zipc_stream *src32, *dst;
	struct zipc_sub *in, *out;
	uint64_t acc = 0;
	int calls = 0;

	(void)state;
	/* map: u32 -> u64, 3 dropped */
	assert_zipc_ok(zipc_stream_create(seg, "m_in", U32, 16, ZIPC_STREAM_BLOCK, 0, &src32));
	assert_zipc_ok(zipc_stream_subscribe(src32, ZIPC_STREAM_FROM_NOW, &in));
	for (uint32_t v = 1; v <= 5; v++)
		assert_zipc_ok(zipc_stream_emit(src32, &v, 0));
	assert_zipc_ok(zipc_stream_close(src32));
	dst = make("m_out", 16, ZIPC_STREAM_BLOCK);
	assert_zipc_ok(zipc_stream_subscribe(dst, ZIPC_STREAM_FROM_NOW, &out));
	assert_int_equal(zipc_stream_map(in, dst, twice, NULL), 4);
	assert_true(zipc_stream_is_closed(dst));
	drain_expect(out, (const uint64_t[]){2, 4, 8, 10}, 4);
	zipc_stream_unsubscribe(out);
	zipc_stream_unsubscribe(in);
	zipc_stream_close_handle(dst);
	zipc_stream_close_handle(src32);

	/* filter */
	in = source("f_in", 0, 10, true);
	dst = make("f_out", 16, ZIPC_STREAM_BLOCK);
	assert_zipc_ok(zipc_stream_subscribe(dst, ZIPC_STREAM_FROM_NOW, &out));
	assert_int_equal(zipc_stream_filter(in, dst, even, NULL), 5);
	drain_expect(out, (const uint64_t[]){0, 2, 4, 6, 8}, 5);
	zipc_stream_unsubscribe(out);
	zipc_stream_unsubscribe(in);
	zipc_stream_close_handle(dst);

	/* take: the source stays open */
	in = source("t_in", 20, 30, false);
	dst = make("t_out", 16, ZIPC_STREAM_BLOCK);
	assert_zipc_ok(zipc_stream_subscribe(dst, ZIPC_STREAM_FROM_NOW, &out));
	assert_int_equal(zipc_stream_take(in, dst, 3), 3);
	drain_expect(out, (const uint64_t[]){20, 21, 22}, 3);
	expect_next(in, 23);
	zipc_stream_unsubscribe(out);
	zipc_stream_unsubscribe(in);
	zipc_stream_close_handle(dst);

	/* fold */
	in = source("s_in", 1, 101, true);
	assert_int_equal(zipc_stream_fold(in, &acc, sum, NULL), 100);
	assert_int_equal(acc, 5050);
	zipc_stream_unsubscribe(in);

	/* pipe: fn's error stops it and dst stays open */
	in = source("p_in", 0, 10, true);
	dst = make("p_out", 16, ZIPC_STREAM_BLOCK);
	assert_int_equal(zipc_stream_pipe(in, dst, fail_at_five, &calls), -ECANCELED);
	assert_int_equal(calls, 6);
	assert_false(zipc_stream_is_closed(dst));
	assert_int_equal(zipc_stream_emitted(dst), 5);
	zipc_stream_unsubscribe(in);

	/* element sizes must agree for filter and take */
	in = source("x_in", 0, 1, true);
	assert_zipc_ok(zipc_stream_create(seg, "x_out", U32, 4, ZIPC_STREAM_BLOCK, 0, &src32));
	assert_zipc_rc(zipc_stream_take(in, src32, 1), -EINVAL);
	assert_zipc_rc(zipc_stream_filter(in, src32, even, NULL), -EINVAL);
	zipc_stream_unsubscribe(in);
	zipc_stream_close_handle(src32);
	zipc_stream_close_handle(dst);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cd_test(test_stream_layout_golden),
		cd_test(test_stream_create_rules),
		cd_test(test_stream_corrupt_header_rejected),
		cd_test(test_stream_emit_next_in_order),
		cd_test(test_stream_from_now_and_oldest),
		cd_test(test_stream_block_backpressure),
		cd_test(test_stream_overwrite_counts_missed),
		cd_test(test_stream_close_drains_then_epipe),
		cd_test(test_stream_close_wakes_blocked_reader),
		cd_test(test_stream_batches),
		cd_test(test_stream_element_sizes),
		cd_test(test_stream_subscriber_table_full),
		cd_test(test_stream_signal_interrupts),
		cd_test(test_stream_events),
		cd_test(test_stream_threads_block),
		cd_test(test_stream_threads_overwrite),
		cd_test(test_stream_operators),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
