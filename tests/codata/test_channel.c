/* Description: channels in one process: layout, buffered and unbuffered, close, select. */
#include "zt.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define MiB (1024u * 1024u)
#define MS 1000000LL

static const struct zipc_type I64 = {ZIPC_ELEM_I64, 8};
static const struct zipc_type U32 = {ZIPC_ELEM_U32, 4};

static char segname[64];
static struct zipc_segment *seg;

static int setup(void **state)
{
	zt_setup(state);
	seg = zt_seg_create("cd", MiB, 32, segname);
	return 0;
}

static int teardown(void **state)
{
	zipc_segment_close(seg);
	seg = NULL;
	return zt_teardown(state);
}

#define cd_test(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static struct zipc_channel *make(const char *name, uint32_t cap)
{
	struct zipc_channel *ch = NULL;

	assert_zipc_ok(zipc_channel_create(seg, name, I64, cap, &ch));
	return ch;
}

static void expect_recv_(struct zipc_channel *ch, int64_t want, const char *file, int line)
{
	int64_t v = -1;

	zt__assert_rc(zipc_channel_recv(ch, &v, 0), 0, "zipc_channel_recv", file, line);
	if (v != want) {
		print_error("recv gave %lld, expected %lld\n", (long long)v, (long long)want);
		_fail(file, line);
	}
}
#define expect_recv(ch, want) expect_recv_((ch), (want), __FILE__, __LINE__)

/* A thread blocked in one channel call. */
struct call {
	struct zipc_channel *ch;
	int64_t value;
	int64_t delay_ms;
	int rc;
	pthread_t thread;
};

static void *recv_main(void *arg)
{
	struct call *c = arg;

	zt_sleep_ms((int)c->delay_ms);
	c->rc = zipc_channel_recv(c->ch, &c->value, ZIPC_FOREVER);
	return NULL;
}

static void *send_main(void *arg)
{
	struct call *c = arg;

	zt_sleep_ms((int)c->delay_ms);
	c->rc = zipc_channel_send(c->ch, &c->value, ZIPC_FOREVER);
	return NULL;
}

static void start(struct call *c, void *(*fn)(void *))
{
	c->rc = 1;
	assert_int_equal(pthread_create(&c->thread, NULL, fn, c), 0);
}

static void finish(struct call *c, int want)
{
	assert_int_equal(pthread_join(c->thread, NULL), 0);
	assert_zipc_rc(c->rc, want);
}

/* Wait until the channel holds n values (a parked sender counts). */
static void await_count(struct zipc_channel *ch, uint32_t n)
{
	for (int i = 0; i < 2000 && zipc_channel_count(ch) != n; i++)
		zt_sleep_ms(1);
	assert_int_equal(zipc_channel_count(ch), n);
}

/* Wait until the ring's tail (FORMAT.md: channel +128, queue +4) is at pos. */
static void await_tail(const char *name, uint32_t pos)
{
	unsigned char *p = zipc_segment_base(seg);
	/* An atomic load: senders move the tail meanwhile (little-endian host). */
	_Atomic uint32_t *tail = (_Atomic uint32_t *)(p + zt_entry_offset(seg, name) + 128 + 4);

	for (int i = 0; i < 2000 && atomic_load(tail) != pos; i++)
		zt_sleep_ms(1);
	assert_int_equal(atomic_load(tail), pos);
}

/* ---- layout ----------------------------------------------------------------- */

static void test_channel_layout_golden(void **state)
{
	struct zipc_channel *buf, *unbuf;
	uint64_t off, uoff, q;
	unsigned char *b;
	int64_t v = 0x1122334455667788;
	size_t len;

	(void)state;
	buf = make("c", 3);
	unbuf = make("u", 0);
	off = zt_entry_offset(seg, "c");
	uoff = zt_entry_offset(seg, "u");
	b = zt_read_shm(segname, &len);
	assert_tag(b, off, 128 + 16 + 4 * 8 + 4 * 4, 7, ZIPC_ELEM_I64, 8, false, "c");
	assert_le32(b, off + 0, 4); /* capacity, rounded up */
	assert_le32(b, off + 4, 8); /* elem_size */
	assert_le32(b, off + 8, 0); /* closed */
	assert_zeros(b, off + 12, 52);
	assert_zeros(b, off + 64, 64); /* wait block */
	q = off + 128;                 /* the queue, shared format */
	assert_le32(b, q + 0, 0);
	assert_le32(b, q + 4, 0);
	assert_le32(b, q + 8, 4);
	assert_le32(b, q + 12, 8);
	for (uint32_t i = 0; i < 4; i++)
		assert_le32(b, q + 16 + 32 + 4 * i, i);
	/* Unbuffered: capacity 0, a ring of 2. */
	assert_tag(b, uoff, 128 + 16 + 2 * 8 + 2 * 4, 7, ZIPC_ELEM_I64, 8, false, "u");
	assert_le32(b, uoff + 0, 0);
	assert_le32(b, uoff + 128 + 8, 2);
	free(b);

	assert_zipc_ok(zipc_channel_send(buf, &v, 0));
	assert_zipc_ok(zipc_channel_close(buf));
	b = zt_read_shm(segname, &len);
	assert_le32(b, off + 8, 1);
	assert_le32(b, q + 4, 1); /* tail */
	assert_le64(b, q + 16, 0x1122334455667788);
	assert_le32(b, q + 16 + 32, 1); /* seq[0]: published */
	free(b);
	zipc_channel_close_handle(buf);
	zipc_channel_close_handle(unbuf);
}

static void test_channel_create_rules(void **state)
{
	struct zipc_channel *ch, *again;
	struct zipc_queue *q;

	(void)state;
	assert_zipc_rc(zipc_channel_create(seg, "c", I64, (1u << 30) + 1, &ch), -EINVAL);
	assert_zipc_rc(zipc_channel_open(seg, "c", &ch), -ENOENT);
	ch = make("c", 1);
	assert_int_equal(zipc_channel_capacity(ch), 2);
	assert_int_equal(zipc_channel_type(ch).elem, ZIPC_ELEM_I64);
	assert_zipc_ok(zipc_channel_create(seg, "c", I64, 0, &again)); /* opens it as it is */
	assert_int_equal(zipc_channel_capacity(again), 2);
	zipc_channel_close_handle(again);
	assert_zipc_ok(zipc_channel_open(seg, "c", &again));
	zipc_channel_close_handle(again);
	assert_zipc_rc(zipc_channel_create(seg, "c", U32, 2, &again), -EEXIST);
	assert_zipc_ok(zipc_queue_create(seg, "q", I64, 4, &q));
	assert_zipc_rc(zipc_channel_open(seg, "q", &again), -EINVAL);
	zipc_queue_close(q);
	zipc_channel_close_handle(ch);
	ch = make("u", 0);
	assert_int_equal(zipc_channel_capacity(ch), 0);
	zipc_channel_close_handle(ch);
}

static void test_channel_corrupt_header_rejected(void **state)
{
	struct zipc_channel *ch = make("c", 4), *bad;
	unsigned char *p = zipc_segment_base(seg);
	uint64_t off = zt_entry_offset(seg, "c");
	const struct {
		uint64_t at;
		uint32_t value;
	} cases[] = {
		{0, 3},         /* capacity not a power of two */
		{0, 8},         /* disagrees with the ring */
		{0, 0},         /* unbuffered with a ring of 4 */
		{4, 4},         /* elem_size disagrees with the tag */
		{128 + 8, 64},  /* ring beyond the entry */
		{128 + 12, 4},  /* queue elem_size */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t saved = zt_get32(p, off + cases[i].at);

		zt_put32(p, off + cases[i].at, cases[i].value);
		assert_zipc_rc(zipc_channel_open(seg, "c", &bad), -EBADMSG);
		zt_put32(p, off + cases[i].at, saved);
	}
	assert_zipc_ok(zipc_channel_open(seg, "c", &bad));
	zipc_channel_close_handle(bad);
	zipc_channel_close_handle(ch);
}

/* ---- buffered ------------------------------------------------------------------ */

static void test_channel_buffered_fifo_try_timed(void **state)
{
	struct zipc_channel *ch = make("c", 4);
	int64_t v;

	(void)state;
	assert_zipc_rc(zipc_channel_try_recv(ch, &v), -EAGAIN);
	assert_zipc_rc(zipc_channel_recv(ch, &v, 10 * MS), -ETIMEDOUT);
	for (v = 0; v < 4; v++)
		assert_zipc_ok(v % 2 ? zipc_channel_try_send(ch, &v) : zipc_channel_send(ch, &v, 0));
	assert_int_equal(zipc_channel_count(ch), 4);
	assert_zipc_rc(zipc_channel_try_send(ch, &v), -EAGAIN);
	assert_zipc_rc(zipc_channel_send(ch, &v, 10 * MS), -ETIMEDOUT);
	expect_recv(ch, 0);
	assert_zipc_ok(zipc_channel_try_recv(ch, &v));
	assert_int_equal(v, 1);
	expect_recv(ch, 2);
	expect_recv(ch, 3);
	assert_int_equal(zipc_channel_count(ch), 0);
	zipc_channel_close_handle(ch);
}

static void test_channel_close_drains_then_epipe(void **state)
{
	struct zipc_channel *ch = make("c", 4);
	int64_t v = 5;

	(void)state;
	assert_zipc_ok(zipc_channel_send(ch, &v, 0));
	v = 6;
	assert_zipc_ok(zipc_channel_send(ch, &v, 0));
	assert_int_equal(zipc_channel_is_closed(ch), 0);
	assert_zipc_ok(zipc_channel_close(ch));
	assert_zipc_ok(zipc_channel_close(ch));
	assert_int_equal(zipc_channel_is_closed(ch), 1);
	assert_zipc_rc(zipc_channel_send(ch, &v, ZIPC_FOREVER), -EPIPE);
	assert_zipc_rc(zipc_channel_try_send(ch, &v), -EPIPE);
	expect_recv(ch, 5);
	expect_recv(ch, 6);
	assert_zipc_rc(zipc_channel_recv(ch, &v, ZIPC_FOREVER), -EPIPE);
	assert_zipc_rc(zipc_channel_try_recv(ch, &v), -EPIPE);
	zipc_channel_close_handle(ch);
}

static void test_channel_close_wakes_blocked_threads(void **state)
{
	struct zipc_channel *ch = make("c", 2), *full = make("f", 2);
	struct call r[3], s = {.ch = full, .value = 9};
	int64_t v = 1;

	(void)state;
	for (int i = 0; i < 3; i++) {
		r[i] = (struct call){.ch = ch};
		start(&r[i], recv_main);
	}
	assert_zipc_ok(zipc_channel_send(full, &v, 0));
	assert_zipc_ok(zipc_channel_send(full, &v, 0));
	start(&s, send_main);
	zt_sleep_ms(50);
	assert_zipc_ok(zipc_channel_close(ch));
	assert_zipc_ok(zipc_channel_close(full));
	for (int i = 0; i < 3; i++)
		finish(&r[i], -EPIPE);
	finish(&s, -EPIPE);
	zipc_channel_close_handle(ch);
	zipc_channel_close_handle(full);
}

/* ---- unbuffered ------------------------------------------------------------------ */

static void test_channel_unbuffered_needs_a_receiver(void **state)
{
	struct zipc_channel *ch = make("u", 0);
	int64_t v = 3;

	(void)state;
	assert_zipc_rc(zipc_channel_try_send(ch, &v), -EAGAIN);
	assert_int_equal(zipc_channel_count(ch), 0); /* withdrawn */
	assert_zipc_rc(zipc_channel_send(ch, &v, 20 * MS), -ETIMEDOUT);
	assert_int_equal(zipc_channel_count(ch), 0);
	assert_zipc_rc(zipc_channel_try_recv(ch, &v), -EAGAIN);
	zipc_channel_close_handle(ch);
}

static void test_channel_unbuffered_send_waits_for_receipt(void **state)
{
	struct zipc_channel *ch = make("u", 0);
	struct call r = {.ch = ch, .delay_ms = 100};
	int64_t v = 42, t0, took;

	(void)state;
	start(&r, recv_main);
	t0 = zt_now_ns();
	assert_zipc_ok(zipc_channel_send(ch, &v, ZIPC_FOREVER));
	took = zt_now_ns() - t0;
	assert_true(took >= 90 * MS); /* no receiver for 100 ms: send waited */
	finish(&r, 0);
	assert_int_equal(r.value, 42);
	assert_int_equal(zipc_channel_count(ch), 0);
	zipc_channel_close_handle(ch);
}

struct spinner {
	struct zipc_channel *ch;
	_Atomic int stop;
	_Atomic int64_t got;
};

static void *spin_recv(void *arg)
{
	struct spinner *s = arg;
	int64_t v;

	while (!atomic_load(&s->stop))
		if (zipc_channel_try_recv(s->ch, &v) == 0)
			atomic_store(&s->got, v);
	return NULL;
}

static void test_channel_unbuffered_try_send_meets_receiver(void **state)
{
	struct spinner s = {.ch = make("u", 0), .got = -1};
	int64_t v = 77;
	pthread_t t;
	int rc = -EAGAIN;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, spin_recv, &s), 0);
	for (int i = 0; i < 2000 && rc == -EAGAIN; i++)
		rc = zipc_channel_try_send(s.ch, &v);
	atomic_store(&s.stop, 1);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_zipc_ok(rc);
	assert_int_equal(atomic_load(&s.got), 77);
	zipc_channel_close_handle(s.ch);
}

static void test_channel_unbuffered_close_fails_parked_sender(void **state)
{
	struct zipc_channel *ch = make("u", 0);
	struct call s = {.ch = ch, .value = 1};
	int64_t v;

	(void)state;
	start(&s, send_main);
	await_count(ch, 1);
	assert_zipc_ok(zipc_channel_close(ch));
	finish(&s, -EPIPE);
	assert_zipc_rc(zipc_channel_try_recv(ch, &v), -EPIPE);
	zipc_channel_close_handle(ch);
}

/*
 * A value withdrawn behind a parked one, its slot reused before the head
 * reached it: receivers must move past it (queue.c, claim_pop).
 */
static void test_channel_withdrawn_slot_reuse(void **state)
{
	struct zipc_channel *ch = make("u", 0);
	struct call a = {.ch = ch, .value = 10}, b = {.ch = ch, .value = 12},
		    c = {.ch = ch, .value = 13};
	int64_t v = 11;

	(void)state;
	start(&a, send_main);
	await_count(ch, 1);                               /* 10 parked at 0 */
	assert_zipc_rc(zipc_channel_try_send(ch, &v), -EAGAIN); /* 11 at 1, withdrawn */
	expect_recv(ch, 10);
	finish(&a, 0);
	start(&b, send_main);
	await_tail("u", 3); /* 12 at 2 */
	start(&c, send_main);
	await_tail("u", 4); /* 13 at 3: the slot of 1, before the head got past 1 */
	expect_recv(ch, 12);
	expect_recv(ch, 13);
	finish(&b, 0);
	finish(&c, 0);
	zipc_channel_close_handle(ch);
}

/* ---- select ------------------------------------------------------------------- */

static void test_channel_select(void **state)
{
	struct zipc_channel *chans[3] = {make("a", 2), make("b", 2), make("c", 0)};
	struct call late = {.ch = chans[2], .value = 99, .delay_ms = 50};
	int64_t v = 7, out = 0;
	int status = 1;

	(void)state;
	assert_zipc_rc(zipc_channel_select(chans, 0, &out, &status, 0), -EINVAL);
	assert_zipc_rc(zipc_channel_select(chans, 65, &out, &status, 0), -EINVAL);
	assert_zipc_rc(zipc_channel_select(chans, 3, &out, &status, 0), -ETIMEDOUT);
	assert_zipc_rc(zipc_channel_select(chans, 3, &out, &status, 20 * MS), -ETIMEDOUT);
	assert_zipc_ok(zipc_channel_send(chans[1], &v, 0));
	assert_int_equal(zipc_channel_select(chans, 3, &out, &status, ZIPC_FOREVER), 1);
	assert_int_equal(status, 0);
	assert_int_equal(out, 7);
	/* A sender that comes later wakes the select (unbuffered: a rendezvous). */
	start(&late, send_main);
	assert_int_equal(zipc_channel_select(chans, 3, &out, &status, ZIPC_FOREVER), 2);
	assert_int_equal(status, 0);
	assert_int_equal(out, 99);
	finish(&late, 0);
	/* Closed and drained is ready too. */
	assert_zipc_ok(zipc_channel_close(chans[0]));
	assert_int_equal(zipc_channel_select(chans, 3, &out, &status, ZIPC_FOREVER), 0);
	assert_int_equal(status, -EPIPE);
	for (int i = 0; i < 3; i++)
		zipc_channel_close_handle(chans[i]);
}

struct selector {
	struct zipc_channel **chans;
	int rc;
	int status;
	int64_t out;
};

static void *select_main(void *arg)
{
	struct selector *s = arg;

	s->rc = zipc_channel_select(s->chans, 2, &s->out, &s->status, ZIPC_FOREVER);
	return NULL;
}

static void test_channel_select_woken_by_close(void **state)
{
	struct zipc_channel *chans[2] = {make("a", 2), make("b", 2)};
	struct selector s = {.chans = chans, .rc = -100};
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, select_main, &s), 0);
	zt_sleep_ms(50);
	assert_zipc_ok(zipc_channel_close(chans[1]));
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(s.rc, 1);
	assert_int_equal(s.status, -EPIPE);
	zipc_channel_close_handle(chans[0]);
	zipc_channel_close_handle(chans[1]);
}

/* ---- threads (what TSan examines) ------------------------------------------------- */

#define T_PER 20000

struct t_side {
	struct zipc_channel *ch;
	int64_t id;
	int rc;
	_Atomic uint8_t *seen; /* [2][T_PER] */
};

static void *t_send(void *arg)
{
	struct t_side *s = arg;

	for (int64_t i = 0; i < T_PER && s->rc == 0; i++) {
		int64_t v = s->id << 32 | i;
		s->rc = zipc_channel_send(s->ch, &v, ZIPC_FOREVER);
	}
	return NULL;
}

static void *t_recv(void *arg)
{
	struct t_side *s = arg;
	int64_t v;

	while ((s->rc = zipc_channel_recv(s->ch, &v, ZIPC_FOREVER)) == 0)
		atomic_fetch_add(&s->seen[(v >> 32) * T_PER + (v & 0xffffffff)], 1);
	return NULL;
}

static void threads_many_to_many(uint32_t cap)
{
	struct zipc_channel *ch = make("t", cap);
	_Atomic uint8_t *seen = calloc(2 * T_PER, 1);
	struct t_side tx[2], rx[2];
	pthread_t tt[2], rt[2];

	assert_non_null(seen);
	for (int i = 0; i < 2; i++) {
		rx[i] = (struct t_side){.ch = ch, .seen = seen};
		tx[i] = (struct t_side){.ch = ch, .id = i};
		assert_int_equal(pthread_create(&rt[i], NULL, t_recv, &rx[i]), 0);
		assert_int_equal(pthread_create(&tt[i], NULL, t_send, &tx[i]), 0);
	}
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(tt[i], NULL), 0);
		assert_zipc_ok(tx[i].rc);
	}
	assert_zipc_ok(zipc_channel_close(ch));
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(rt[i], NULL), 0);
		assert_zipc_rc(rx[i].rc, -EPIPE);
	}
	for (int i = 0; i < 2 * T_PER; i++)
		assert_int_equal(atomic_load(&seen[i]), 1);
	free((void *)seen);
	zipc_channel_close_handle(ch);
}

static void test_channel_threads_unbuffered(void **state)
{
	(void)state;
	threads_many_to_many(0);
}

static void test_channel_threads_buffered(void **state)
{
	(void)state;
	threads_many_to_many(4);
}

/* ---- signals and events ----------------------------------------------------------- */

static void test_channel_signal_interrupts(void **state)
{
	struct zipc_channel *ch = make("c", 2), *u = make("u", 0);
	int64_t v = 1, out;
	int status;

	(void)state;
	assert_zipc_ok(zipc_channel_set_stall_timeout(ch, 5 * MS));
	assert_zipc_rc(zipc_channel_set_stall_timeout(ch, 1000), -EINVAL);
	zt_pester_start();
	assert_zipc_rc(zipc_channel_recv(ch, &out, ZIPC_FOREVER), -EINTR);
	assert_zipc_rc(zipc_channel_select(&ch, 1, &out, &status, ZIPC_FOREVER), -EINTR);
	assert_zipc_rc(zipc_channel_send(u, &v, ZIPC_FOREVER), -EINTR);
	assert_int_equal(zipc_channel_count(u), 0); /* withdrawn */
	assert_zipc_ok(zipc_channel_send(ch, &v, 0));
	assert_zipc_ok(zipc_channel_send(ch, &v, 0));
	assert_zipc_rc(zipc_channel_send(ch, &v, ZIPC_FOREVER), -EINTR);
	zt_pester_stop();
	zipc_channel_close_handle(ch);
	zipc_channel_close_handle(u);
}

static void test_channel_events(void **state)
{
	struct zipc_channel *ch = make("c", 2);
	struct zipc_event *rd = zipc_channel_event(ch, ZIPC_READABLE);
	struct zipc_event *wr = zipc_channel_event(ch, ZIPC_WRITABLE);
	int64_t v = 1;
	uint32_t token;

	(void)state;
	assert_ptr_not_equal(rd, wr);
	token = zipc_event_arm(rd);
	assert_zipc_ok(zipc_channel_send(ch, &v, 0));
	assert_zipc_ok(zipc_event_wait(rd, token, 0));
	zipc_event_disarm(rd);
	token = zipc_event_arm(wr);
	expect_recv(ch, 1);
	assert_zipc_ok(zipc_event_wait(wr, token, 0));
	zipc_event_disarm(wr);
	zipc_channel_close_handle(ch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cd_test(test_channel_layout_golden),
		cd_test(test_channel_create_rules),
		cd_test(test_channel_corrupt_header_rejected),
		cd_test(test_channel_buffered_fifo_try_timed),
		cd_test(test_channel_close_drains_then_epipe),
		cd_test(test_channel_close_wakes_blocked_threads),
		cd_test(test_channel_unbuffered_needs_a_receiver),
		cd_test(test_channel_unbuffered_send_waits_for_receipt),
		cd_test(test_channel_unbuffered_try_send_meets_receiver),
		cd_test(test_channel_unbuffered_close_fails_parked_sender),
		cd_test(test_channel_withdrawn_slot_reuse),
		cd_test(test_channel_select),
		cd_test(test_channel_select_woken_by_close),
		cd_test(test_channel_threads_unbuffered),
		cd_test(test_channel_threads_buffered),
		cd_test(test_channel_signal_interrupts),
		cd_test(test_channel_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
