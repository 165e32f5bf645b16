/* Description: golden bytes of futures and lazies; futures shared with other implementations. */
#include "fl.h"

#include <errno.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/*
 * Offsets come from docs/FORMAT.md ("Future", "Lazy", "Type tag", "Wait
 * block") and the shared /work/shared/FORMAT.md; nothing here includes a
 * private header. "Another implementation" is played by code in this file
 * that maps the shm object itself and follows only the shared format.
 */

#define FUT_OVERHEAD 272u /* 16-byte header + 256-byte message */
#define LAZY_HEADER 40u
#define MSG_MAX 256u

static const struct zipc_type I32 = {ZIPC_ELEM_I32, 4};
static const struct zipc_type U16 = {ZIPC_ELEM_U16, 2};
static const struct zipc_type U32 = {ZIPC_ELEM_U32, 4};
static const struct zipc_type U64 = {ZIPC_ELEM_U64, 8};
static const struct zipc_type I64 = {ZIPC_ELEM_I64, 8};
static const struct zipc_type F64 = {ZIPC_ELEM_F64, 8};

static void assert_time_between_(uint64_t t, int64_t lo, int64_t hi, const char *file, int line)
{
	if ((int64_t)t >= lo && (int64_t)t <= hi)
		return;
	print_error("completion time %llu is not within [%lld, %lld] (CLOCK_REALTIME ns)\n",
		    (unsigned long long)t, (long long)lo, (long long)hi);
	_fail(file, line);
}
#define assert_time_between(t, lo, hi) assert_time_between_((t), (lo), (hi), __FILE__, __LINE__)

/* ---- Future: golden bytes -------------------------------------------------- */

static void test_future_golden_pending(void **state)
{
	struct zipc_segment *seg = fl_seg_create("fg", NULL);
	struct zipc_future *f;
	unsigned char *b = zipc_segment_base(seg);
	uint64_t off, size;

	(void)state;
	assert_zipc_ok(zipc_future_create(seg, "fut", I32, 3, &f));
	fl_entry(seg, "fut", &off, &size);
	/* Size: 16 + value size + 256, exactly (no rounding by us). */
	assert_int_equal(size, 16 + 12 + MSG_MAX);
	assert_int_equal(off % 8, 0);
	assert_int_equal(zipc_future_value_size(f), 12);
	assert_tag(b, off, size, ZIPC_KIND_FUTURE, ZIPC_ELEM_I32, 4, true, "fut");
	/* Pending: state 0, no waiters, no time, zero value and message. */
	assert_zeros(b, off, size);
	/* The wait block is all zero, owner word included. */
	assert_zeros(b, fl_get64(b, off - 96 + 32), 64);
	assert_int_equal(zipc_future_state(f), ZIPC_FUTURE_PENDING);
	zipc_future_close(f);
	zipc_segment_close(seg);
}

static void test_future_golden_set(void **state)
{
	struct zipc_segment *seg = fl_seg_create("fs", NULL);
	struct zipc_future *f;
	unsigned char *b = zipc_segment_base(seg);
	int32_t v[3] = {1, -2, 0x7fffffff};
	uint64_t off, size, wb;
	int64_t t0, t1;

	(void)state;
	assert_zipc_ok(zipc_future_create(seg, "fut", I32, 3, &f));
	fl_entry(seg, "fut", &off, &size);
	t0 = fl_realtime_ns();
	assert_zipc_ok(zipc_future_set(f, v));
	t1 = fl_realtime_ns();

	assert_le32(b, off + 0, 2);  /* state: ready */
	assert_le32(b, off + 4, 0);  /* waiters: nobody slept */
	assert_time_between(fl_get64(b, off + 8), t0, t1);
	assert_le32(b, off + 16, 1);
	assert_le32(b, off + 20, (uint32_t)-2);
	assert_le32(b, off + 24, 0x7fffffff);
	assert_zeros(b, off + 16 + 12, MSG_MAX); /* message at 16 + value size: untouched */
	/* The tag is still valid, and the wait block holds only the owner word. */
	assert_tag(b, off, size, ZIPC_KIND_FUTURE, ZIPC_ELEM_I32, 4, true, "fut");
	wb = fl_get64(b, off - 96 + 32);
	assert_zeros(b, wb, 32);
	assert_le64(b, wb + 32, fl_owner_word(getpid()));
	assert_le32(b, wb + 32, (uint32_t)getpid());
	assert_zeros(b, wb + 40, 24);
	zipc_future_close(f);
	zipc_segment_close(seg);
}

static void test_future_golden_fail(void **state)
{
	struct zipc_segment *seg = fl_seg_create("ff", NULL);
	struct zipc_future *f;
	unsigned char *b = zipc_segment_base(seg);
	const char *msg = "disk on fire";
	uint64_t off, size, wb;
	int64_t t0, t1;

	(void)state;
	assert_zipc_ok(zipc_future_create(seg, "fut", I32, 3, &f));
	fl_entry(seg, "fut", &off, &size);
	t0 = fl_realtime_ns();
	assert_zipc_ok(zipc_future_fail(f, msg));
	t1 = fl_realtime_ns();
	assert_le32(b, off + 0, 3); /* state: error */
	assert_le32(b, off + 4, 0);
	assert_time_between(fl_get64(b, off + 8), t0, t1);
	assert_zeros(b, off + 16, 12); /* the value is not written */
	assert_bytes(b, off + 28, msg, strlen(msg) + 1);
	assert_zeros(b, off + 28 + strlen(msg), MSG_MAX - strlen(msg));
	wb = fl_get64(b, off - 96 + 32);
	assert_le64(b, wb + 32, fl_owner_word(getpid()));
	zipc_future_close(f);
	zipc_segment_close(seg);
}

/* ---- Lazy: golden bytes ---------------------------------------------------- */

static int compute_u16x3(void *ctx, void *out, char *err, size_t errlen)
{
	uint16_t v[3] = {0x1111, 0x2222, 0x3333};

	(void)ctx;
	(void)err;
	(void)errlen;
	memcpy(out, v, sizeof(v));
	return 0;
}

static void test_lazy_golden_computed(void **state)
{
	struct zipc_segment *seg = fl_seg_create("lg", NULL);
	struct zipc_lazy *lz;
	unsigned char *b = zipc_segment_base(seg);
	uint16_t out[3] = {0};
	uint64_t off, size;
	int64_t t0, t1;

	(void)state;
	assert_zipc_ok(zipc_lazy_create(seg, "lazy", U16, 3, &lz));
	fl_entry(seg, "lazy", &off, &size);
	/* 40 + align8(6) + 256 */
	assert_int_equal(size, LAZY_HEADER + 8 + MSG_MAX);
	assert_int_equal(off % 8, 0);
	assert_tag(b, off, size, ZIPC_KIND_LAZY, ZIPC_ELEM_U16, 2, false, "lazy");
	/* Empty: everything zero except value_size. */
	assert_zeros(b, off, 28);
	assert_le32(b, off + 28, 6);
	assert_zeros(b, off + 32, size - 32);

	t0 = fl_realtime_ns();
	assert_zipc_ok(zipc_lazy_force(lz, compute_u16x3, NULL, out, ZIPC_FOREVER));
	t1 = fl_realtime_ns();
	assert_int_equal(out[0], 0x1111);
	assert_int_equal(out[2], 0x3333);
	assert_le32(b, off + 0, 2);  /* state: ready */
	assert_le32(b, off + 4, 0);  /* state_waiters */
	assert_le32(b, off + 8, 0);  /* demand: forced with a compute function */
	assert_le32(b, off + 12, 0); /* demand_waiters */
	assert_le64(b, off + 16, fl_owner_word(getpid()));
	assert_le32(b, off + 16, (uint32_t)getpid());
	assert_le32(b, off + 24, 1); /* compute_count */
	assert_le32(b, off + 28, 6); /* value_size */
	assert_time_between(fl_get64(b, off + 32), t0, t1);
	assert_bytes(b, off + 40, ((const uint16_t[]){0x1111, 0x2222, 0x3333}), 6);
	assert_zeros(b, off + 46, 2);          /* padding to align8 */
	assert_zeros(b, off + 48, MSG_MAX);    /* message */
	zipc_lazy_close(lz);
	zipc_segment_close(seg);
}

static int compute_fails(void *ctx, void *out, char *err, size_t errlen)
{
	(void)ctx;
	(void)out;
	snprintf(err, errlen, "no such number");
	return -EDOM;
}

static void test_lazy_golden_error(void **state)
{
	struct zipc_segment *seg = fl_seg_create("le", NULL);
	struct zipc_lazy *lz;
	unsigned char *b = zipc_segment_base(seg);
	uint64_t off, size;
	double out;

	(void)state;
	assert_zipc_ok(zipc_lazy_create(seg, "lazy", F64, 1, &lz));
	fl_entry(seg, "lazy", &off, &size);
	assert_int_equal(size, LAZY_HEADER + 8 + MSG_MAX);
	assert_zipc_rc(zipc_lazy_force(lz, compute_fails, NULL, &out, ZIPC_FOREVER), -EIO);
	assert_le32(b, off + 0, 3); /* state: error */
	assert_le32(b, off + 24, 1);
	assert_le32(b, off + 28, 8);
	assert_le64(b, off + 16, fl_owner_word(getpid()));
	assert_bytes(b, off + 48, "no such number", 15);
	zipc_lazy_close(lz);
	zipc_segment_close(seg);
}

static void test_lazy_golden_const_and_demand(void **state)
{
	struct zipc_segment *seg = fl_seg_create("lc", NULL);
	struct zipc_lazy *c, *d;
	unsigned char *b = zipc_segment_base(seg);
	int64_t v[2] = {-5, 1LL << 40}, out[2];
	uint64_t off, size;

	(void)state;
	assert_zipc_ok(zipc_lazy_create_const(seg, "const", I64, 2, v, &c));
	fl_entry(seg, "const", &off, &size);
	assert_int_equal(size, LAZY_HEADER + 16 + MSG_MAX);
	assert_tag(b, off, size, ZIPC_KIND_LAZY, ZIPC_ELEM_I64, 8, false, "const");
	assert_le32(b, off + 0, 2);  /* ready from the start */
	assert_zeros(b, off + 4, 20); /* no waiters, no demand, no owner */
	assert_le32(b, off + 24, 0); /* compute_count 0 */
	assert_le32(b, off + 28, 16);
	assert_bytes(b, off + 40, v, 16);
	assert_zeros(b, off + 56, MSG_MAX);

	assert_zipc_ok(zipc_lazy_create(seg, "demanded", I64, 2, &d));
	fl_entry(seg, "demanded", &off, &size);
	assert_zipc_ok(zipc_lazy_demand(d));
	assert_le32(b, off + 8, 1); /* demand bumped */
	/* A force without a compute function signals demand too (then times out). */
	assert_zipc_rc(zipc_lazy_force(d, NULL, NULL, out, 0), -ETIMEDOUT);
	assert_le32(b, off + 8, 2);
	assert_le32(b, off + 0, 0); /* still empty */
	assert_le32(b, off + 4, 0); /* nobody left asleep */
	assert_le32(b, off + 12, 0);
	assert_le32(b, off + 24, 0);
	zipc_lazy_close(c);
	zipc_lazy_close(d);
	zipc_segment_close(seg);
}

/* ---- Futures and other implementations ------------------------------------ */

/*
 * Another implementation's lookup, by the shared format only: the entry NAME
 * of the table in p. Returns its offset and size.
 */
static void foreign_find_(const unsigned char *p, size_t len, const char *name, uint64_t *off,
			  uint64_t *size, const char *file, int line)
{
	uint32_t count = fl_get32(p, 8), max = fl_get32(p, 12);

	fl__assert_le(p, 0, 4, 0x5A49504D, "magic", file, line);
	fl__assert_le(p, 4, 4, 2, "version", file, line);
	if (max == 0)
		max = 64;
	for (uint32_t i = 0; i < count && i < max; i++) {
		const unsigned char *e = p + 32 + 48 * (uint64_t)i;

		if (strncmp((const char *)e, name, 32) == 0) {
			*off = fl_get64(e, 32);
			*size = fl_get64(e, 40);
			if (*off + *size > len) {
				print_error("entry '%s' lies beyond the object\n", name);
				_fail(file, line);
			}
			return;
		}
	}
	print_error("another implementation finds no entry '%s'\n", name);
	_fail(file, line);
}
#define foreign_find(p, len, name, off, size)                                                      \
	foreign_find_((p), (len), (name), (off), (size), __FILE__, __LINE__)

static void test_future_ours_read_by_foreign_reader(void **state)
{
	char segname[64];
	struct zipc_segment *seg = fl_seg_create("fr", segname);
	struct zipc_future *ok, *bad;
	struct fl_raw raw;
	double v = 3.25, got;
	uint64_t off, size;

	(void)state;
	assert_zipc_ok(zipc_future_create(seg, "answer", F64, 1, &ok));
	assert_zipc_ok(zipc_future_create(seg, "broken", I64, 1, &bad));
	assert_zipc_ok(zipc_future_set(ok, &v));
	assert_zipc_ok(zipc_future_fail(bad, "no answer today"));

	/* Its own mapping, its own parsing: only the shared format. */
	fl_raw_map(&raw, segname);
	foreign_find(raw.p, raw.len, "answer", &off, &size);
	assert_true(size >= 16 + 8 + MSG_MAX);
	assert_le32(raw.p, off + 0, 2);
	memcpy(&got, raw.p + off + 16, sizeof(got));
	assert_true(got == 3.25);
	foreign_find(raw.p, raw.len, "broken", &off, &size);
	assert_true(size >= 16 + 8 + MSG_MAX);
	assert_le32(raw.p, off + 0, 3);
	assert_string_equal((const char *)raw.p + off + 16 + 8, "no answer today");
	fl_raw_close(&raw);
	zipc_future_close(ok);
	zipc_future_close(bad);
	zipc_segment_close(seg);
}

/*
 * A segment as another implementation writes it: header, one entry, one
 * future of fut_size bytes at the first structure offset; no tag, no wait
 * block. max_field is the header's max_entries (0 means 64).
 */
static uint64_t hand_segment(struct fl_raw *r, uint32_t max_field, const char *name,
			     uint64_t fut_size)
{
	size_t len = 64 * 1024;
	uint32_t max = max_field ? max_field : 64;
	uint64_t off = fl_align8(32 + 48 * (uint64_t)max);

	fl_raw_create(r, "hand", len);
	fl_put32(r->p, 0, 0x5A49504D);
	fl_put32(r->p, 4, 2);
	fl_put32(r->p, 8, 1);
	fl_put32(r->p, 12, max_field);
	fl_put64(r->p, 16, len);
	fl_put64(r->p, 24, fl_align8(off + fut_size));
	strncpy((char *)r->p + 32, name, 31);
	fl_put64(r->p, 32 + 32, off);
	fl_put64(r->p, 32 + 40, fut_size);
	return off;
}

/* Every byte of p equals before, except [skip_off, skip_off + skip_len). */
static void assert_unchanged_except_(const unsigned char *p, const unsigned char *before,
				     size_t len, uint64_t skip_off, uint64_t skip_len,
				     const char *file, int line)
{
	for (size_t i = 0; i < len; i++) {
		if (i >= skip_off && i < skip_off + skip_len)
			continue;
		if (p[i] != before[i]) {
			print_error("byte %zu changed from %#x to %#x\n", i, before[i], p[i]);
			_fail(file, line);
		}
	}
}
#define assert_unchanged_except(p, before, len, off, n)                                            \
	assert_unchanged_except_((p), (before), (len), (off), (n), __FILE__, __LINE__)

static void read_hand_built_ready(uint32_t max_field)
{
	struct fl_raw raw;
	struct zipc_segment *seg;
	struct zipc_future *f;
	uint64_t v = 0x0123456789abcdefull, out = 0, off;
	unsigned char *before;

	off = hand_segment(&raw, max_field, "remote", 16 + 8 + MSG_MAX);
	fl_put32(raw.p, off + 0, 2);
	fl_put64(raw.p, off + 8, 12345); /* some other clock */
	fl_put64(raw.p, off + 16, v);
	before = malloc(raw.len);
	memcpy(before, raw.p, raw.len);

	assert_zipc_ok(zipc_segment_open(raw.name, &seg));
	assert_zipc_ok(zipc_future_open(seg, "remote", &f));
	assert_int_equal(zipc_future_value_size(f), 8);
	assert_int_equal(zipc_future_type(f).elem, ZIPC_ELEM_NONE);
	assert_int_equal(zipc_future_state(f), ZIPC_FUTURE_READY);
	assert_zipc_ok(zipc_future_get(f, &out, 0));
	assert_true(out == v);
	out = 0;
	assert_zipc_ok(zipc_future_try_get(f, &out));
	assert_true(out == v);
	assert_zipc_rc(zipc_future_set(f, &out), -EALREADY);
	/* Reading wrote nothing, anywhere. */
	assert_unchanged_except(raw.p, before, raw.len, 0, 0);
	free(before);
	zipc_future_close(f);
	zipc_segment_close(seg);
	fl_raw_close(&raw);
}

static void test_future_hand_built_ready_is_read(void **state)
{
	(void)state;
	read_hand_built_ready(64);
	read_hand_built_ready(0);
}

static void test_future_hand_built_error_is_read(void **state)
{
	struct fl_raw raw;
	struct zipc_segment *seg;
	struct zipc_future *f;
	char buf[MSG_MAX];
	uint64_t out, off;

	(void)state;
	off = hand_segment(&raw, 64, "remote", 16 + 8 + MSG_MAX);
	fl_put32(raw.p, off + 0, 3);
	strcpy((char *)raw.p + off + 16 + 8, "remote failure: out of cheese");

	assert_zipc_ok(zipc_segment_open(raw.name, &seg));
	assert_zipc_ok(zipc_future_open(seg, "remote", &f));
	assert_int_equal(zipc_future_state(f), ZIPC_FUTURE_ERROR);
	assert_zipc_rc(zipc_future_get(f, &out, ZIPC_FOREVER), -EIO);
	assert_last_error("remote failure: out of cheese");
	assert_zipc_rc(zipc_future_try_get(f, &out), -EIO);
	assert_zipc_ok(zipc_future_error(f, buf, sizeof(buf)));
	assert_string_equal(buf, "remote failure: out of cheese");
	zipc_future_close(f);
	zipc_segment_close(seg);
	fl_raw_close(&raw);
}

/* A 4-byte value, entry not rounded: 16 + 4 + 256 = 276 bytes, message at 20. */
static void test_future_hand_built_small_value_is_read(void **state)
{
	struct fl_raw raw;
	struct zipc_segment *seg;
	struct zipc_future *f;
	uint32_t out = 0;
	uint64_t off;

	(void)state;
	off = hand_segment(&raw, 64, "small", 16 + 4 + MSG_MAX);
	fl_put32(raw.p, off + 0, 3);
	strcpy((char *)raw.p + off + 16 + 4, "small failure");
	assert_zipc_ok(zipc_segment_open(raw.name, &seg));
	assert_zipc_ok(zipc_future_open(seg, "small", &f));
	assert_int_equal(zipc_future_value_size(f), 4);
	assert_zipc_rc(zipc_future_get(f, &out, 0), -EIO);
	assert_last_error("small failure");
	zipc_future_close(f);
	/* And the same future ready, opened through create-or-open with its type. */
	fl_put32(raw.p, off + 0, 2);
	fl_put32(raw.p, off + 16, 0xfeedbeef);
	assert_zipc_ok(zipc_future_create(seg, "small", U32, 1, &f));
	assert_int_equal(zipc_future_value_size(f), 4);
	assert_zipc_ok(zipc_future_get(f, &out, 0));
	assert_int_equal(out, 0xfeedbeef);
	zipc_future_close(f);
	zipc_segment_close(seg);
	fl_raw_close(&raw);
}

/*
 * A writer that rounds its entry up to 8 (shared FORMAT.md: "A reader must
 * accept any entry size of at least 16 + value size + 256"): a u32 future in
 * 280 bytes, its message at 16 + 4. Whoever knows the type (create-or-open
 * with u32 x 1) must be able to read it.
 */
static void test_future_hand_built_rounded_entry_opens_with_its_type(void **state)
{
	struct fl_raw raw;
	struct zipc_segment *seg;
	struct zipc_future *f = NULL;
	uint32_t out = 0;
	uint64_t off;

	(void)state;
	off = hand_segment(&raw, 64, "rounded", fl_align8(16 + 4 + MSG_MAX));
	fl_put32(raw.p, off + 0, 3);
	strcpy((char *)raw.p + off + 16 + 4, "rounded failure");
	assert_zipc_ok(zipc_segment_open(raw.name, &seg));
	assert_zipc_ok(zipc_future_create(seg, "rounded", U32, 1, &f));
	assert_int_equal(zipc_future_value_size(f), 4);
	assert_zipc_rc(zipc_future_get(f, &out, 0), -EIO);
	assert_last_error("rounded failure");
	zipc_future_close(f);
	zipc_segment_close(seg);
	fl_raw_close(&raw);
}

static void test_future_hand_built_set_by_us(void **state)
{
	struct fl_raw raw;
	struct zipc_segment *seg;
	struct zipc_future *f;
	uint64_t v = 0xa5a5a5a5deadbeefull, off;
	unsigned char *before;
	int64_t t0, t1;

	(void)state;
	off = hand_segment(&raw, 64, "pending", 16 + 8 + MSG_MAX);
	before = malloc(raw.len);
	memcpy(before, raw.p, raw.len);
	assert_zipc_ok(zipc_segment_open(raw.name, &seg));
	assert_zipc_ok(zipc_future_open(seg, "pending", &f));
	assert_int_equal(zipc_future_state(f), ZIPC_FUTURE_PENDING);
	t0 = fl_realtime_ns();
	assert_zipc_ok(zipc_future_set(f, &v));
	t1 = fl_realtime_ns();
	/* What another implementation expects: state 2 at +0, the value at +16. */
	assert_le32(raw.p, off + 0, 2);
	assert_le32(raw.p, off + 4, 0);
	assert_time_between(fl_get64(raw.p, off + 8), t0, t1);
	assert_le64(raw.p, off + 16, v);
	/* Nothing else was written: no tag, no wait block, no owner word. */
	assert_unchanged_except(raw.p, before, raw.len, off, 24);
	assert_zipc_rc(zipc_future_set(f, &v), -EALREADY);
	assert_zipc_rc(zipc_future_fail(f, "late"), -EALREADY);
	assert_unchanged_except(raw.p, before, raw.len, off, 24);
	zipc_future_close(f);
	zipc_segment_close(seg);
	free(before);
	fl_raw_close(&raw);

	/* Failing one: state 3 and the message at 16 + value size. */
	off = hand_segment(&raw, 64, "doomed", 16 + 8 + MSG_MAX);
	before = malloc(raw.len);
	memcpy(before, raw.p, raw.len);
	assert_zipc_ok(zipc_segment_open(raw.name, &seg));
	assert_zipc_ok(zipc_future_open(seg, "doomed", &f));
	assert_zipc_ok(zipc_future_fail(f, "we gave up"));
	assert_le32(raw.p, off + 0, 3);
	assert_bytes(raw.p, off + 24, "we gave up", 11);
	assert_unchanged_except(raw.p, before, raw.len, off, 24 + 11);
	zipc_future_close(f);
	zipc_segment_close(seg);
	free(before);
	fl_raw_close(&raw);
}

/*
 * A future made elsewhere, tagged later (zipc_entry_tag): it opens with the
 * tagged type, and our set still writes only the shared layout in the entry
 * (the owner word goes to the new wait block, outside every entry).
 */
static void test_future_hand_built_tagged_later(void **state)
{
	struct fl_raw raw;
	struct zipc_segment *seg;
	struct zipc_future *f;
	struct zipc_entry e;
	uint64_t v = 1234567, off;
	unsigned char *entry_before;

	(void)state;
	off = hand_segment(&raw, 64, "remote", 16 + 8 + MSG_MAX);
	assert_zipc_ok(zipc_segment_open(raw.name, &seg));
	assert_zipc_ok(zipc_entry_tag(seg, "remote", ZIPC_KIND_FUTURE, U64));
	assert_zipc_ok(zipc_entry_find(seg, "remote", &e));
	assert_true(e.tagged);
	assert_int_equal(e.kind, ZIPC_KIND_FUTURE);
	assert_int_equal(e.offset, off);
	entry_before = malloc(off);
	memcpy(entry_before, raw.p, off); /* header and table */
	assert_zipc_ok(zipc_future_open(seg, "remote", &f));
	assert_int_equal(zipc_future_type(f).elem, ZIPC_ELEM_U64);
	assert_int_equal(zipc_future_value_size(f), 8);
	assert_zipc_ok(zipc_future_set(f, &v));
	assert_le32(raw.p, off + 0, 2);
	assert_le64(raw.p, off + 16, v);
	assert_zeros(raw.p, off + 24, MSG_MAX);
	assert_bytes(raw.p, 0, entry_before, off);
	free(entry_before);
	zipc_future_close(f);
	zipc_segment_close(seg);
	fl_raw_close(&raw);
}

static long sys_futex(void *word, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, word, op, val, ts, NULL, 0);
}

struct foreign_scratch {
	_Atomic uint32_t waiting;
	_Atomic uint32_t timed_out;
};

/*
 * Another implementation's getter: waiters += 1, then FUTEX_WAIT on state,
 * with no periodic re-check: only a setter that wakes it ends its sleep
 * before 10 s.
 */
static void foreign_getter(const char *segname, uint64_t off, struct foreign_scratch *sc)
{
	struct fl_raw raw;
	_Atomic uint32_t *st, *waiters;

	fl_raw_map(&raw, segname);
	st = (_Atomic uint32_t *)(raw.p + off);
	waiters = (_Atomic uint32_t *)(raw.p + off + 4);
	atomic_fetch_add(waiters, 1);
	atomic_store(&sc->waiting, 1);
	while (atomic_load(st) < 2) {
		struct timespec ts = {.tv_sec = 10};
		uint32_t s = atomic_load(st);

		if (s >= 2)
			break;
		if (sys_futex(st, FUTEX_WAIT, s, &ts) < 0 && errno == ETIMEDOUT)
			atomic_store(&sc->timed_out, 1);
	}
	atomic_fetch_sub(waiters, 1);
	FL_CHILD_CHECK(atomic_load(st) == 2, "state %u", atomic_load(st));
	FL_CHILD_CHECK(fl_get64(raw.p, off + 16) == 77, "value %llu",
		       (unsigned long long)fl_get64(raw.p, off + 16));
	_exit(atomic_load(&sc->timed_out) ? 2 : 0);
}

static void test_future_foreign_getter_woken_by_our_set(void **state)
{
	char segname[64];
	struct zipc_segment *seg = fl_seg_create("fw", segname);
	struct foreign_scratch *sc = fl_shared(sizeof(*sc));
	struct zipc_future *f;
	uint64_t off, v = 77;
	pid_t pid;

	(void)state;
	assert_zipc_ok(zipc_future_create(seg, "fut", I64, 1, &f));
	fl_entry(seg, "fut", &off, NULL);
	pid = fl_fork();
	assert_true(pid >= 0);
	if (pid == 0)
		foreign_getter(segname, off, sc);
	assert_int_equal(fl_await_u32(&sc->waiting, 1, 10000), 0);
	fl_sleep_ms(50); /* let it fall asleep */
	assert_zipc_ok(zipc_future_set(f, &v));
	/* 0: woken by our FUTEX_WAKE; 2: it had to time out. */
	assert_int_equal(fl_wait_child(pid, 30000), 0);
	fl_unshare(sc, sizeof(*sc));
	zipc_future_close(f);
	zipc_segment_close(seg);
}

/* Another implementation's setter: value, then state 2 (release), then maybe wake. */
static void foreign_setter(const char *segname, uint64_t off, bool wake)
{
	struct fl_raw raw;
	_Atomic uint32_t *st, *waiters;
	uint32_t pending = 0;

	fl_raw_map(&raw, segname);
	st = (_Atomic uint32_t *)(raw.p + off);
	waiters = (_Atomic uint32_t *)(raw.p + off + 4);
	fl_sleep_ms(150); /* the parent is asleep in zipc_future_get by now */
	FL_CHILD_CHECK(atomic_compare_exchange_strong(st, &pending, 1), "state %u", pending);
	fl_put64(raw.p, off + 16, 0x1122334455667788ull);
	atomic_store_explicit(st, 2, memory_order_release);
	if (wake && atomic_load(waiters) != 0)
		sys_futex(st, FUTEX_WAKE, 0x7fffffff, NULL);
	_exit(0);
}

static void our_getter_sees_foreign_set(bool wake)
{
	struct fl_raw raw;
	struct zipc_segment *seg;
	struct zipc_future *f;
	uint64_t out = 0, off;
	pid_t pid;

	off = hand_segment(&raw, 64, "remote", 16 + 8 + MSG_MAX);
	assert_zipc_ok(zipc_segment_open(raw.name, &seg));
	assert_zipc_ok(zipc_future_open(seg, "remote", &f));
	pid = fl_fork();
	assert_true(pid >= 0);
	if (pid == 0)
		foreign_setter(raw.name, off, wake);
	/* Generous: a setter that does not wake is seen at the next re-check. */
	assert_zipc_ok(zipc_future_get(f, &out, 10000 * FL_MS));
	assert_true(out == 0x1122334455667788ull);
	assert_int_equal(fl_wait_child(pid, 10000), 0);
	assert_le32(raw.p, off + 4, 0); /* our getter left the waiter count as it found it */
	zipc_future_close(f);
	zipc_segment_close(seg);
	fl_raw_close(&raw);
}

static void test_future_our_getter_sees_foreign_set(void **state)
{
	(void)state;
	our_getter_sees_foreign_set(true);
	our_getter_sees_foreign_set(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		fl_test(test_future_golden_pending),
		fl_test(test_future_golden_set),
		fl_test(test_future_golden_fail),
		fl_test(test_lazy_golden_computed),
		fl_test(test_lazy_golden_error),
		fl_test(test_lazy_golden_const_and_demand),
		fl_test(test_future_ours_read_by_foreign_reader),
		fl_test(test_future_hand_built_ready_is_read),
		fl_test(test_future_hand_built_error_is_read),
		fl_test(test_future_hand_built_small_value_is_read),
		fl_test(test_future_hand_built_rounded_entry_opens_with_its_type),
		fl_test(test_future_hand_built_set_by_us),
		fl_test(test_future_hand_built_tagged_later),
		fl_test(test_future_foreign_getter_woken_by_our_set),
		fl_test(test_future_our_getter_sees_foreign_set),
	};

	return cmocka_run_group_tests_name("futlazy_layout", tests, NULL, NULL);
}
