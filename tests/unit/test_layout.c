/* Description: golden bytes per docs/FORMAT.md, both written by us and written by hand. */
#include "zt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MiB (1024u * 1024u)

static struct zipc_type ty(enum zipc_elem e, uint32_t size)
{
	return (struct zipc_type){.elem = e, .size = size};
}

/* ---- segment header and table -------------------------------------------- */

static void test_layout_header(void **state)
{
	char name[64];
	struct zipc_segment *seg;
	struct zipc_segment_usage u;
	unsigned char *b;
	size_t len;

	(void)state;
	seg = zt_seg_create("lay_hdr", 65536, 16, name);
	b = zt_read_shm(name, &len);
	assert_int_equal(len, 65536);
	assert_le32(b, 0, 0x5A49504Du);
	assert_le32(b, 4, 2);
	assert_le32(b, 8, 0);
	assert_le32(b, 12, 16);
	assert_le64(b, 16, 65536);
	assert_le64(b, 24, 32 + 48 * 16);
	assert_zeros(b, 32, 48 * 16);
	/* The mapping is the object. */
	assert_memory_equal(zipc_segment_base(seg), b, 32 + 48 * 16);
	assert_string_equal(zipc_segment_name(seg), name);

	assert_zipc_ok(zipc_segment_usage(seg, &u));
	assert_int_equal(u.size, 65536);
	assert_int_equal(u.used, 32 + 48 * 16);
	assert_int_equal(u.entries, 0);
	assert_int_equal(u.max_entries, 16);
	free(b);
	zipc_segment_close(seg);
}

static void test_layout_header_default_entries(void **state)
{
	char name[64];
	struct zipc_segment *seg;
	struct zipc_segment_usage u;
	unsigned char *b;
	size_t len;
	uint32_t max;

	(void)state;
	seg = zt_seg_create("lay_hdr64", 65536, 0, name);
	b = zt_read_shm(name, &len);
	max = zt_get32(b, 12);
	/* FORMAT.md: 0 means 64; libzeroipc creates segments with 64 entries. */
	assert_true(max == 64 || max == 0);
	assert_le64(b, 24, 32 + 48 * 64);
	assert_zipc_ok(zipc_segment_usage(seg, &u));
	assert_int_equal(u.max_entries, ZIPC_DEFAULT_ENTRIES);
	assert_int_equal(u.used, 32 + 48 * 64);
	free(b);
	zipc_segment_close(seg);
}

static void test_layout_entries_in_creation_order(void **state)
{
	char name[64];
	struct zipc_segment *seg;
	struct zipc_queue *q;
	struct zipc_stack *s;
	struct zipc_array *a;
	unsigned char *b;
	size_t len;
	uint64_t prev_end = 32 + 48 * 8;
	const char *names[] = {"first", "second.q", "third-stack"};

	(void)state;
	seg = zt_seg_create("lay_order", MiB, 8, name);
	assert_zipc_ok(zipc_queue_create(seg, names[0], ty(ZIPC_ELEM_I64, 8), 16, &q));
	assert_zipc_ok(zipc_array_create(seg, names[1], ty(ZIPC_ELEM_F64, 8), 3, &a));
	assert_zipc_ok(zipc_stack_create(seg, names[2], ty(ZIPC_ELEM_I8, 1), 5, &s));
	b = zt_read_shm(name, &len);
	assert_le32(b, 8, 3);
	for (uint32_t i = 0; i < 3; i++) {
		uint64_t e = 32 + 48 * (uint64_t)i;
		uint64_t off = zt_get64(b, e + 32);
		uint64_t size = zt_get64(b, e + 40);
		struct zipc_entry ent;

		assert_name32(b, e, names[i]);
		assert_int_equal(off % 8, 0);
		/* Each reservation starts at or after the previous one's end. */
		assert_true(off - 96 >= prev_end);
		assert_zipc_ok(zipc_entry_find(seg, names[i], &ent));
		assert_int_equal(ent.offset, off);
		assert_int_equal(ent.size, size);
		assert_true(ent.tagged);
		prev_end = off + size;
	}
	assert_le64(b, 24, zt_align8(prev_end));
	assert_zeros(b, 32 + 48 * 3, 48 * 5);
	free(b);
	zipc_queue_close(q);
	zipc_array_close(a);
	zipc_stack_close(s);
	zipc_segment_close(seg);
}

/* ---- array ------------------------------------------------------------------ */

static void test_layout_array(void **state)
{
	char name[64];
	struct zipc_segment *seg;
	struct zipc_array *a;
	struct zipc_entry ent;
	unsigned char *b, *base;
	size_t len;
	uint64_t off, size;
	uint32_t v;

	(void)state;
	seg = zt_seg_create("lay_arr", MiB, 16, name);
	assert_zipc_ok(zipc_array_create(seg, "arr", ty(ZIPC_ELEM_U32, 4), 10, &a));
	for (uint64_t i = 0; i < 10; i++) {
		v = 12345;
		assert_zipc_ok(zipc_array_get(a, i, &v));
		assert_int_equal(v, 0); /* zero-filled */
		v = (uint32_t)(i * 7 + 1);
		assert_zipc_ok(zipc_array_set(a, i, &v));
	}
	b = zt_read_shm(name, &len);
	assert_le32(b, 8, 1);
	assert_name32(b, 32, "arr");
	off = zt_get64(b, 32 + 32);
	size = zt_get64(b, 32 + 40);
	assert_int_equal(size, 8 + 10 * 4);
	assert_int_equal(off % 4096, 4088); /* element 0 on a page boundary */
	assert_le64(b, off, 10);
	for (uint64_t i = 0; i < 10; i++)
		assert_le32(b, off + 8 + 4 * i, i * 7 + 1);
	assert_le64(b, 24, zt_align8(off + size));
	assert_tag(b, off, size, ZIPC_KIND_ARRAY, ZIPC_ELEM_U32, 4, false, "arr");

	base = zipc_segment_base(seg);
	assert_int_equal(zipc_array_data_offset(a), off + 8);
	assert_ptr_equal(zipc_array_data(a), base + off + 8);
	assert_int_equal(zipc_array_capacity(a), 10);
	assert_int_equal(zipc_array_type(a).elem, ZIPC_ELEM_U32);
	assert_int_equal(zipc_array_type(a).size, 4);
	/* A store into the mapping is what get reads back. */
	zt_put32(base, off + 8 + 4 * 3, 0xDEADBEEFu);
	assert_zipc_ok(zipc_array_get(a, 3, &v));
	assert_int_equal(v, 0xDEADBEEFu);

	assert_zipc_ok(zipc_entry_find(seg, "arr", &ent));
	assert_int_equal(ent.offset, off);
	assert_int_equal(ent.size, size);
	assert_int_equal(ent.kind, ZIPC_KIND_ARRAY);
	assert_int_equal(ent.type.elem, ZIPC_ELEM_U32);
	assert_int_equal(ent.type.size, 4);
	assert_true(ent.tagged);
	free(b);
	zipc_array_close(a);
	zipc_segment_close(seg);
}

/* ---- queue ------------------------------------------------------------------ */

/*
 * Model of a queue at rest: positions head..tail-1 hold elements; slot s's
 * seq is last+1 when its last position (the largest p < tail with p % cap ==
 * s) is still queued, else last+cap (popped, or the initial value).
 */
static void check_queue(const unsigned char *base, uint64_t off, uint32_t cap, uint32_t es,
			uint32_t head, uint32_t tail, void (*elem_of)(uint32_t, unsigned char *),
			const char *file, int line)
{
	uint64_t side = off + zt_side_offset(cap, es);
	unsigned char want[16];

	zt__assert_le(base, off + 0, 4, head, "queue head", file, line);
	zt__assert_le(base, off + 4, 4, tail, "queue tail", file, line);
	zt__assert_le(base, off + 8, 4, cap, "queue capacity", file, line);
	zt__assert_le(base, off + 12, 4, es, "queue elem_size", file, line);
	for (uint32_t s = 0; s < cap; s++) {
		uint32_t last = tail - 1 - ((tail - 1 - s) & (cap - 1));
		int32_t queued = (int32_t)(last - head) >= 0;

		zt__assert_le(base, side + 4 * (uint64_t)s, 4, queued ? last + 1 : last + cap,
			      "queue seq[s]", file, line);
	}
	for (uint32_t p = head; p != tail; p++) {
		elem_of(p, want);
		if (memcmp(base + off + 16 + (uint64_t)(p & (cap - 1)) * es, want, es) != 0) {
			print_error("queue slot of position %u does not hold its element\n", p);
			_fail(file, line);
		}
	}
}

static void elem3(uint32_t p, unsigned char *out)
{
	out[0] = (unsigned char)p;
	out[1] = (unsigned char)(p >> 8);
	out[2] = 0xA5;
}

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

/* Random single and batch pushes and pops, checked against the model after every step. */
static void exercise_queue(struct zipc_queue *q, const unsigned char *base, uint64_t off,
			   uint32_t head, uint32_t steps, uint32_t seed)
{
	const uint32_t cap = 4, es = 3;
	uint32_t tail = head;
	unsigned char buf[3 * 8], want[3];

	for (uint32_t i = 0; i < steps; i++) {
		uint32_t op = lcg(&seed) % 4, k = 1 + lcg(&seed) % 6, used = tail - head;
		ssize_t n;

		switch (op) {
		case 0:
			elem3(tail, buf);
			if (used == cap) {
				assert_zipc_rc(zipc_queue_try_push(q, buf), -EAGAIN);
			} else {
				assert_zipc_ok(zipc_queue_try_push(q, buf));
				tail++;
			}
			break;
		case 1:
			if (used == 0) {
				assert_zipc_rc(zipc_queue_try_pop(q, buf), -EAGAIN);
			} else {
				assert_zipc_ok(zipc_queue_try_pop(q, buf));
				elem3(head, want);
				assert_memory_equal(buf, want, 3);
				head++;
			}
			break;
		case 2:
			for (uint32_t j = 0; j < k; j++)
				elem3(tail + j, buf + 3 * j);
			n = zipc_queue_try_push_batch(q, buf, k);
			if (used == cap) {
				assert_zipc_rc(n, -EAGAIN);
			} else {
				assert_int_equal(n, k < cap - used ? k : cap - used);
				tail += (uint32_t)n;
			}
			break;
		default:
			n = zipc_queue_try_pop_batch(q, buf, k);
			if (used == 0) {
				assert_zipc_rc(n, -EAGAIN);
			} else {
				assert_int_equal(n, k < used ? k : used);
				for (ssize_t j = 0; j < n; j++) {
					elem3(head + (uint32_t)j, want);
					assert_memory_equal(buf + 3 * j, want, 3);
				}
				head += (uint32_t)n;
			}
			break;
		}
		check_queue(base, off, cap, es, head, tail, elem3, __FILE__, __LINE__);
		assert_int_equal(zipc_queue_count(q), tail - head);
	}
}

static void test_layout_queue(void **state)
{
	char name[64];
	struct zipc_segment *seg;
	struct zipc_queue *q;
	unsigned char *b, *base;
	unsigned char e[3];
	size_t len;
	uint64_t off, size;

	(void)state;
	seg = zt_seg_create("lay_q", MiB, 16, name);
	/* bytes:3 x 3 -> capacity 4; 12 bytes of slots padded to 16. */
	assert_zipc_ok(zipc_queue_create(seg, "q", ty(ZIPC_ELEM_BYTES, 3), 3, &q));
	assert_int_equal(zipc_queue_capacity(q), 4);
	b = zt_read_shm(name, &len);
	assert_name32(b, 32, "q");
	off = zt_get64(b, 32 + 32);
	size = zt_get64(b, 32 + 40);
	assert_int_equal(off % 8, 0);
	assert_int_equal(size, 16 + 16 + 4 * 4);
	assert_int_equal(zt_queue_size(4, 3), size);
	assert_le64(b, 24, zt_align8(off + size));
	assert_le32(b, off + 0, 0);
	assert_le32(b, off + 4, 0);
	assert_le32(b, off + 8, 4);
	assert_le32(b, off + 12, 3);
	for (uint32_t i = 0; i < 4; i++)
		assert_le32(b, off + 32 + 4 * i, i);
	assert_tag(b, off, size, ZIPC_KIND_QUEUE, ZIPC_ELEM_BYTES, 3, true, "q");
	free(b);

	/* Push at p sets seq = p + 1, pop at p sets seq = p + capacity. */
	base = zipc_segment_base(seg);
	for (uint32_t p = 0; p < 3; p++) {
		elem3(p, e);
		assert_zipc_ok(zipc_queue_try_push(q, e));
	}
	check_queue(base, off, 4, 3, 0, 3, elem3, __FILE__, __LINE__);
	assert_le32(base, off + 32 + 0, 1);
	assert_le32(base, off + 32 + 8, 3);
	assert_le32(base, off + 32 + 12, 3);
	assert_zipc_ok(zipc_queue_try_pop(q, e));
	assert_le32(base, off + 32 + 0, 0 + 4);
	check_queue(base, off, 4, 3, 1, 3, elem3, __FILE__, __LINE__);
	for (uint32_t p = 1; p < 3; p++) {
		assert_zipc_ok(zipc_queue_try_pop(q, e));
		assert_le32(base, off + 32 + 4 * p, p + 4);
	}
	check_queue(base, off, 4, 3, 3, 3, elem3, __FILE__, __LINE__);
	/* Wrap around many times past the capacity. */
	exercise_queue(q, base, off, 3, 3000, 7);
	zipc_queue_close(q);
	zipc_segment_close(seg);
}

static void test_layout_queue_positions_wrap_u32(void **state)
{
	struct zipc_segment *seg;
	struct zipc_queue *q;
	unsigned char *base;
	uint64_t off;
	const uint32_t start = 0xFFFFFFF0u;

	(void)state;
	seg = zt_seg_create("lay_qwrap", MiB, 16, NULL);
	assert_zipc_ok(zipc_queue_create(seg, "q", ty(ZIPC_ELEM_BYTES, 3), 4, &q));
	base = zipc_segment_base(seg);
	off = zt_entry_offset(seg, "q");
	/* An idle queue 16 positions before the u32 wrap, as the protocol would leave it. */
	zt_put32(base, off + 0, start);
	zt_put32(base, off + 4, start);
	for (uint32_t s = 0; s < 4; s++) {
		uint32_t last = start - 1 - ((start - 1 - s) & 3);

		zt_put32(base, off + 32 + 4 * s, last + 4);
	}
	check_queue(base, off, 4, 3, start, start, elem3, __FILE__, __LINE__);
	exercise_queue(q, base, off, start, 400, 99);
	zipc_queue_close(q);
	zipc_segment_close(seg);
}

static void test_layout_queue_capacity_rounding(void **state)
{
	char name[64];
	struct zipc_segment *seg;
	struct zipc_queue *q5, *q1, *q8;
	unsigned char *b;
	size_t len;
	uint64_t off;

	(void)state;
	seg = zt_seg_create("lay_qround", MiB, 16, name);
	assert_zipc_ok(zipc_queue_create(seg, "q5", ty(ZIPC_ELEM_U64, 8), 5, &q5));
	assert_zipc_ok(zipc_queue_create(seg, "q1", ty(ZIPC_ELEM_U16, 2), 1, &q1));
	assert_zipc_ok(zipc_queue_create(seg, "q8", ty(ZIPC_ELEM_U8, 1), 8, &q8));
	assert_int_equal(zipc_queue_capacity(q5), 8);
	assert_int_equal(zipc_queue_capacity(q1), 2);
	assert_int_equal(zipc_queue_capacity(q8), 8);
	b = zt_read_shm(name, &len);
	off = zt_entry_offset(seg, "q5");
	assert_le32(b, off + 8, 8);
	assert_le32(b, off + 12, 8);
	assert_le64(b, 32 + 40, zt_queue_size(8, 8));
	off = zt_entry_offset(seg, "q1");
	assert_le32(b, off + 8, 2);
	assert_le32(b, off + 12, 2);
	assert_le64(b, 32 + 48 + 40, 16 + 8 + 8);
	assert_tag(b, off, 32, ZIPC_KIND_QUEUE, ZIPC_ELEM_U16, 2, true, "q1");
	off = zt_entry_offset(seg, "q8");
	assert_le32(b, off + 8, 8);
	assert_le64(b, 32 + 96 + 40, 16 + 8 + 32);
	for (uint32_t i = 0; i < 8; i++)
		assert_le32(b, off + 24 + 4 * i, i);
	free(b);
	zipc_queue_close(q5);
	zipc_queue_close(q1);
	zipc_queue_close(q8);
	zipc_segment_close(seg);
}

/* ---- stack ------------------------------------------------------------------ */

static void check_stack(const unsigned char *base, uint64_t off, uint32_t cap, int32_t top,
			const char *file, int line)
{
	uint64_t side = off + zt_side_offset(cap, 2);

	zt__assert_le(base, off + 0, 4, (uint32_t)top, "stack top", file, line);
	for (uint32_t i = 0; i < cap; i++) {
		zt__assert_le(base, side + 4 * (uint64_t)i, 4, (int32_t)i <= top ? 2 : 0,
			      "stack state[i]", file, line);
		if ((int32_t)i <= top)
			zt__assert_le(base, off + 16 + 2 * (uint64_t)i, 2, 0x100 + i, "stack slot",
				      file, line);
	}
}

static void test_layout_stack(void **state)
{
	char name[64];
	struct zipc_segment *seg;
	struct zipc_stack *s;
	unsigned char *b, *base;
	size_t len;
	uint64_t off, size;
	uint16_t v;

	(void)state;
	seg = zt_seg_create("lay_s", MiB, 16, name);
	assert_zipc_ok(zipc_stack_create(seg, "s", ty(ZIPC_ELEM_U16, 2), 3, &s));
	b = zt_read_shm(name, &len);
	assert_name32(b, 32, "s");
	off = zt_get64(b, 32 + 32);
	size = zt_get64(b, 32 + 40);
	/* 6 bytes of slots padded to 8, then 3 states. */
	assert_int_equal(size, 16 + 8 + 12);
	assert_le64(b, 24, zt_align8(off + size));
	assert_le32(b, off + 0, 0xFFFFFFFFu); /* top = -1 */
	assert_le32(b, off + 4, 3);
	assert_le32(b, off + 8, 2);
	assert_le32(b, off + 12, 0);
	assert_zeros(b, off + 24, 12);
	assert_tag(b, off, size, ZIPC_KIND_STACK, ZIPC_ELEM_U16, 2, true, "s");
	free(b);

	base = zipc_segment_base(seg);
	check_stack(base, off, 3, -1, __FILE__, __LINE__);
	for (int32_t t = 0; t < 3; t++) {
		v = (uint16_t)(0x100 + t);
		assert_zipc_ok(zipc_stack_try_push(s, &v));
		check_stack(base, off, 3, t, __FILE__, __LINE__);
	}
	v = 0;
	assert_zipc_rc(zipc_stack_try_push(s, &v), -EAGAIN);
	for (int32_t t = 2; t >= 0; t--) {
		assert_zipc_ok(zipc_stack_try_pop(s, &v));
		assert_int_equal(v, 0x100 + t);
		check_stack(base, off, 3, t - 1, __FILE__, __LINE__);
	}
	/* Push, pop, push again reuses the slot cleanly. */
	for (int i = 0; i < 100; i++) {
		v = 0x100;
		assert_zipc_ok(zipc_stack_try_push(s, &v));
		check_stack(base, off, 3, 0, __FILE__, __LINE__);
		assert_zipc_ok(zipc_stack_try_pop(s, &v));
		check_stack(base, off, 3, -1, __FILE__, __LINE__);
	}
	zipc_stack_close(s);
	zipc_segment_close(seg);
}

/* ---- wait block ----------------------------------------------------------- */

static void test_layout_wait_block_events(void **state)
{
	struct zipc_segment *seg;
	struct zipc_queue *q;
	struct zipc_event *rd, *wr;
	unsigned char *base;
	uint64_t off, w;
	uint32_t tok, seq0, v = 1;

	(void)state;
	seg = zt_seg_create("lay_wait", MiB, 16, NULL);
	assert_zipc_ok(zipc_queue_create(seg, "q", ty(ZIPC_ELEM_U32, 4), 2, &q));
	base = zipc_segment_base(seg);
	off = zt_entry_offset(seg, "q");
	w = zt_get64(base, off - 96 + 32);
	assert_int_equal(w % 64, 0);
	assert_int_equal(w + 64, off - 96);
	assert_le32(base, w + 4, 0);
	assert_le32(base, w + 12, 0);
	rd = zipc_queue_event(q, ZIPC_READABLE);
	wr = zipc_queue_event(q, ZIPC_WRITABLE);
	assert_non_null(rd);
	assert_non_null(wr);

	/* Without waiters a change costs one load: seq stays. */
	seq0 = zt_get32(base, w + 0);
	assert_int_equal(zipc_event_sequence(rd), seq0);
	assert_zipc_ok(zipc_queue_try_push(q, &v));
	assert_le32(base, w + 0, seq0);

	/* An armed waiter is counted at +4; the next push bumps readable.seq. */
	tok = zipc_event_arm(rd);
	assert_int_equal(tok, seq0);
	assert_le32(base, w + 4, 1);
	assert_zipc_ok(zipc_queue_try_push(q, &v));
	assert_true(zt_get32(base, w + 0) != tok);
	assert_int_equal(zipc_event_sequence(rd), zt_get32(base, w + 0));
	assert_zipc_ok(zipc_event_wait(rd, tok, ZIPC_FOREVER)); /* already moved: no sleep */
	zipc_event_disarm(rd);
	assert_le32(base, w + 4, 0);

	/* Writable lives at +8/+12. */
	seq0 = zt_get32(base, w + 8);
	assert_int_equal(zipc_event_sequence(wr), seq0);
	tok = zipc_event_arm(wr);
	assert_le32(base, w + 12, 1);
	assert_zipc_rc(zipc_event_wait(wr, tok, 1000000), -ETIMEDOUT);
	assert_zipc_ok(zipc_queue_try_pop(q, &v));
	assert_true(zt_get32(base, w + 8) != tok);
	zipc_event_disarm(wr);
	assert_le32(base, w + 12, 0);
	assert_le64(base, w + 16, 0);
	assert_le64(base, w + 24, 0);
	assert_zeros(base, w + 32, 32);
	zipc_queue_close(q);
	zipc_segment_close(seg);
}

/* ---- removal ---------------------------------------------------------------- */

static void test_layout_tombstone(void **state)
{
	char name[64];
	struct zipc_segment *seg;
	struct zipc_queue *q1, *q2;
	struct zipc_segment_usage u;
	unsigned char *b;
	size_t len;
	uint64_t off, size;
	static const unsigned char tomb[8] = {0x00, 0xFF, 0, 0, 0, 0, 0, 0};

	(void)state;
	seg = zt_seg_create("lay_tomb", MiB, 16, name);
	assert_zipc_ok(zipc_queue_create(seg, "gone", ty(ZIPC_ELEM_U32, 4), 4, &q1));
	assert_zipc_ok(zipc_queue_create(seg, "kept", ty(ZIPC_ELEM_U32, 4), 4, &q2));
	off = zt_entry_offset(seg, "gone");
	size = zt_get64(zipc_segment_base(seg), 32 + 40);
	assert_zipc_ok(zipc_entry_remove(seg, "gone"));
	b = zt_read_shm(name, &len);
	assert_memory_equal(b + 32, tomb, 8);
	assert_le64(b, 32 + 32, off);
	assert_le64(b, 32 + 40, size);
	assert_le32(b, 8, 2);
	assert_name32(b, 32 + 48, "kept");
	assert_zipc_ok(zipc_segment_usage(seg, &u));
	assert_int_equal(u.entries, 2);
	free(b);
	zipc_queue_close(q1);
	zipc_queue_close(q2);
	zipc_segment_close(seg);
}

/* ---- a segment written by hand, as another implementation would -------------- */

#define F_TABLE_END (32 + 48 * 64)
#define F_ARR (F_TABLE_END)
#define F_ARR_SIZE (8 + 4 * 4)
#define F_Q (F_ARR + F_ARR_SIZE)
#define F_Q_SIZE (16 + 32 + 16)
#define F_S (F_Q + F_Q_SIZE)
#define F_S_SIZE (16 + 16 + 16)
#define F_NEXT (F_S + F_S_SIZE)

static void write_foreign(struct zt_raw *r)
{
	unsigned char *p = r->p;

	/* max_entries 0 means 64; no tags, no wait blocks. */
	zt_raw_header(p, 3, 0, 8192, F_NEXT);
	zt_raw_entry(p, 0, "arr", F_ARR, F_ARR_SIZE);
	zt_raw_entry(p, 1, "q", F_Q, F_Q_SIZE);
	zt_raw_entry(p, 2, "s", F_S, F_S_SIZE);
	zt_raw_array(p, F_ARR, 4);
	for (int i = 0; i < 4; i++)
		zt_put32(p, F_ARR + 8 + 4 * i, 10 * (i + 1));
	/* Queue of 4 u64: pushed 100, 101, 102 at positions 0..2, popped position 0. */
	zt_raw_queue(p, F_Q, 4, 8);
	zt_put32(p, F_Q + 0, 1);
	zt_put32(p, F_Q + 4, 3);
	for (int i = 0; i < 3; i++)
		zt_put64(p, F_Q + 16 + 8 * i, 100 + i);
	zt_put32(p, F_Q + 48 + 0, 0 + 4);
	zt_put32(p, F_Q + 48 + 4, 2);
	zt_put32(p, F_Q + 48 + 8, 3);
	zt_put32(p, F_Q + 48 + 12, 3);
	/* Stack of 4 u32 holding 7, 8 (top = 1). */
	zt_raw_stack(p, F_S, 4, 4);
	zt_put32(p, F_S + 0, 1);
	zt_put32(p, F_S + 16, 7);
	zt_put32(p, F_S + 20, 8);
	zt_put32(p, F_S + 32, 2);
	zt_put32(p, F_S + 36, 2);
}

static void test_layout_foreign_segment_reads(void **state)
{
	struct zt_raw r;
	struct zipc_segment *seg;
	struct zipc_segment_usage u;
	struct zipc_entry ents[4];
	struct zipc_array *a;
	struct zipc_queue *q;
	struct zipc_stack *s;
	struct zipc_queue_stats st;
	uint32_t v32;
	uint64_t v64;
	const char *names[] = {"arr", "q", "s"};
	const uint64_t offs[] = {F_ARR, F_Q, F_S}, sizes[] = {F_ARR_SIZE, F_Q_SIZE, F_S_SIZE};

	(void)state;
	zt_raw_create(&r, "foreign", 8192);
	write_foreign(&r);
	assert_zipc_ok(zipc_segment_open(r.name, &seg));
	assert_zipc_ok(zipc_segment_usage(seg, &u));
	assert_int_equal(u.size, 8192);
	assert_int_equal(u.used, F_NEXT);
	assert_int_equal(u.entries, 3);
	assert_int_equal(u.max_entries, 64);

	assert_int_equal(zipc_entry_list(seg, ents, 4), 3);
	for (int i = 0; i < 3; i++) {
		assert_string_equal(ents[i].name, names[i]);
		assert_int_equal(ents[i].offset, offs[i]);
		assert_int_equal(ents[i].size, sizes[i]);
		assert_false(ents[i].tagged);
		assert_int_equal(ents[i].kind, ZIPC_KIND_UNTYPED);
		assert_int_equal(ents[i].type.elem, ZIPC_ELEM_NONE);
	}

	assert_zipc_ok(zipc_array_open(seg, "arr", &a));
	assert_int_equal(zipc_array_capacity(a), 4);
	assert_int_equal(zipc_array_type(a).elem, ZIPC_ELEM_NONE);
	assert_int_equal(zipc_array_type(a).size, 4);
	assert_int_equal(zipc_array_data_offset(a), F_ARR + 8);
	for (uint64_t i = 0; i < 4; i++) {
		assert_zipc_ok(zipc_array_get(a, i, &v32));
		assert_int_equal(v32, 10 * (i + 1));
	}
	assert_zipc_rc(zipc_array_get(a, 4, &v32), -ERANGE);

	assert_zipc_ok(zipc_queue_open(seg, "q", &q));
	assert_int_equal(zipc_queue_capacity(q), 4);
	assert_int_equal(zipc_queue_type(q).elem, ZIPC_ELEM_NONE);
	assert_int_equal(zipc_queue_type(q).size, 8);
	assert_int_equal(zipc_queue_count(q), 2);
	assert_null(zipc_queue_event(q, ZIPC_READABLE));
	assert_null(zipc_queue_event(q, ZIPC_WRITABLE));
	zipc_queue_stats(q, &st);
	assert_int_equal(st.holes_skipped, 0);
	assert_int_equal(st.claims_reclaimed, 0);
	assert_zipc_ok(zipc_queue_try_pop(q, &v64));
	assert_int_equal(v64, 101);
	assert_le32(r.p, F_Q + 48 + 4, 1 + 4);
	assert_zipc_ok(zipc_queue_pop(q, &v64, 1000000000));
	assert_int_equal(v64, 102);
	assert_le32(r.p, F_Q + 48 + 8, 2 + 4);
	assert_zipc_rc(zipc_queue_try_pop(q, &v64), -EAGAIN);
	/* No wait block: the blocking call polls, and still times out. */
	assert_zipc_rc(zipc_queue_pop(q, &v64, 30000000), -ETIMEDOUT);
	v64 = 200;
	assert_zipc_ok(zipc_queue_try_push(q, &v64));
	assert_le32(r.p, F_Q + 4, 4);
	assert_le32(r.p, F_Q + 48 + 12, 3 + 1);
	assert_le64(r.p, F_Q + 16 + 24, 200);

	assert_zipc_ok(zipc_stack_open(seg, "s", &s));
	assert_int_equal(zipc_stack_capacity(s), 4);
	assert_int_equal(zipc_stack_type(s).size, 4);
	assert_int_equal(zipc_stack_count(s), 2);
	assert_null(zipc_stack_event(s, ZIPC_READABLE));
	assert_zipc_ok(zipc_stack_try_pop(s, &v32));
	assert_int_equal(v32, 8);
	assert_le32(r.p, F_S + 36, 0);
	assert_le32(r.p, F_S, 0);
	assert_zipc_ok(zipc_stack_try_pop(s, &v32));
	assert_int_equal(v32, 7);
	assert_zipc_rc(zipc_stack_try_pop(s, &v32), -EAGAIN);
	assert_le32(r.p, F_S, 0xFFFFFFFFu);

	zipc_array_close(a);
	zipc_queue_close(q);
	zipc_stack_close(s);
	zipc_segment_close(seg);
	zt_raw_close(&r);
}

/* Find a valid tag naming target in [from, to) of the segment image. */
static uint64_t find_tag(const unsigned char *p, uint64_t from, uint64_t to, uint64_t target)
{
	uint64_t found = 0;

	for (uint64_t t = zt_align8(from); t + 96 <= to; t += 8) {
		if (zt_get32(p, t) == 0x4741545Au &&
		    zt_get32(p, t + 4) == zt_fnv1a(p + t + 8, 88) && zt_get64(p, t + 16) == target)
			found = t;
	}
	return found;
}

static void test_layout_foreign_segment_tag(void **state)
{
	struct zt_raw r;
	struct zipc_segment *seg;
	struct zipc_entry ents[8];
	struct zipc_queue *q;
	struct zipc_array *a;
	unsigned char table[F_TABLE_END - 32];
	uint64_t next, t;

	(void)state;
	zt_raw_create(&r, "foreign_tag", 8192);
	write_foreign(&r);
	assert_zipc_ok(zipc_segment_open(r.name, &seg));
	memcpy(table, r.p + 32, sizeof(table));

	assert_zipc_ok(zipc_entry_tag(seg, "q", ZIPC_KIND_QUEUE, ty(ZIPC_ELEM_U64, 8)));
	/* The entries are not changed; the tag is in newly allocated space. */
	assert_memory_equal(table, r.p + 32, sizeof(table));
	assert_le32(r.p, 8, 3);
	next = zt_get64(r.p, 24);
	assert_true(next > F_NEXT);
	assert_true(next <= 8192);
	t = find_tag(r.p, F_NEXT, next, F_Q);
	assert_true(t != 0);
	assert_le8(r.p, t + 8, 1);
	assert_le8(r.p, t + 9, ZIPC_KIND_QUEUE);
	assert_le8(r.p, t + 10, ZIPC_ELEM_U64);
	assert_le32(r.p, t + 12, 8);
	assert_le64(r.p, t + 24, F_Q_SIZE);
	assert_name32(r.p, t + 64, "q");

	assert_int_equal(zipc_entry_list(seg, ents, 8), 3);
	assert_false(ents[0].tagged);
	assert_true(ents[1].tagged);
	assert_int_equal(ents[1].kind, ZIPC_KIND_QUEUE);
	assert_int_equal(ents[1].type.elem, ZIPC_ELEM_U64);
	assert_int_equal(ents[1].type.size, 8);
	assert_false(ents[2].tagged);

	assert_zipc_rc(zipc_entry_tag(seg, "nope", ZIPC_KIND_QUEUE, ty(ZIPC_ELEM_U64, 8)), -ENOENT);
	/* Retagging a tag made this way replaces it. */
	assert_zipc_ok(zipc_entry_tag(seg, "q", ZIPC_KIND_QUEUE, ty(ZIPC_ELEM_F64, 8)));
	assert_zipc_ok(zipc_entry_tag(seg, "arr", ZIPC_KIND_ARRAY, ty(ZIPC_ELEM_I32, 4)));
	assert_zipc_rc(zipc_array_open(seg, "q", &a), -EINVAL);
	zipc_segment_close(seg);

	/* A fresh open finds the latest tags. */
	assert_zipc_ok(zipc_segment_open(r.name, &seg));
	assert_int_equal(zipc_entry_list(seg, ents, 8), 3);
	assert_true(ents[0].tagged);
	assert_int_equal(ents[0].kind, ZIPC_KIND_ARRAY);
	assert_int_equal(ents[0].type.elem, ZIPC_ELEM_I32);
	assert_true(ents[1].tagged);
	assert_int_equal(ents[1].type.elem, ZIPC_ELEM_F64);
	assert_zipc_ok(zipc_queue_open(seg, "q", &q));
	assert_int_equal(zipc_queue_type(q).elem, ZIPC_ELEM_F64);
	assert_int_equal(zipc_queue_count(q), 2);
	zipc_queue_close(q);

	/* The library's own structures go after; they cannot be retagged. */
	assert_zipc_ok(zipc_queue_create(seg, "mine", ty(ZIPC_ELEM_U8, 1), 4, &q));
	assert_true(zt_entry_offset(seg, "mine") >= next);
	assert_zipc_rc(zipc_entry_tag(seg, "mine", ZIPC_KIND_QUEUE, ty(ZIPC_ELEM_I8, 1)), -EEXIST);
	assert_le32(r.p, 8, 4);
	zipc_queue_close(q);
	zipc_segment_close(seg);
	zt_raw_close(&r);
}

/* zipc_entry_tag: "-EINVAL (kind or type does not fit the structure)"; nothing is allocated. */
static void test_layout_foreign_tag_misfit_is_einval(void **state)
{
	struct zt_raw r;
	struct zipc_segment *seg;
	struct zipc_entry ents[4];

	(void)state;
	zt_raw_create(&r, "foreign_misfit", 8192);
	write_foreign(&r);
	assert_zipc_ok(zipc_segment_open(r.name, &seg));
	/* Element size differs from the queue's / stack's elem_size. */
	assert_zipc_rc(zipc_entry_tag(seg, "q", ZIPC_KIND_QUEUE, ty(ZIPC_ELEM_U32, 4)), -EINVAL);
	assert_zipc_rc(zipc_entry_tag(seg, "s", ZIPC_KIND_STACK, ty(ZIPC_ELEM_U64, 8)), -EINVAL);
	/* 4 elements of 8 bytes do not fit the array's 24 bytes. */
	assert_zipc_rc(zipc_entry_tag(seg, "arr", ZIPC_KIND_ARRAY, ty(ZIPC_ELEM_U64, 8)), -EINVAL);
	/* The array's bytes are not a queue (capacity 10 is not a power of two). */
	assert_zipc_rc(zipc_entry_tag(seg, "arr", ZIPC_KIND_QUEUE, ty(ZIPC_ELEM_U32, 4)), -EINVAL);
	/* A kind the library cannot tag an untyped entry with. */
	assert_zipc_rc(zipc_entry_tag(seg, "arr", ZIPC_KIND_UNTYPED, ty(ZIPC_ELEM_U32, 4)),
		       -EINVAL);
	assert_le64(r.p, 24, F_NEXT);
	assert_int_equal(zipc_entry_list(seg, ents, 4), 3);
	for (int i = 0; i < 3; i++)
		assert_false(ents[i].tagged);
	zipc_segment_close(seg);
	zt_raw_close(&r);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		zt_test(test_layout_header),
		zt_test(test_layout_header_default_entries),
		zt_test(test_layout_entries_in_creation_order),
		zt_test(test_layout_array),
		zt_test(test_layout_queue),
		zt_test(test_layout_queue_positions_wrap_u32),
		zt_test(test_layout_queue_capacity_rounding),
		zt_test(test_layout_stack),
		zt_test(test_layout_wait_block_events),
		zt_test(test_layout_tombstone),
		zt_test(test_layout_foreign_segment_reads),
		zt_test(test_layout_foreign_segment_tag),
		zt_test(test_layout_foreign_tag_misfit_is_einval),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
