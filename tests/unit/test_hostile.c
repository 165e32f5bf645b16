/* Description: hostile segments are refused with -EBADMSG and a detail, never a crash. */
#include "zt.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

/*
 * The baseline: a valid 4096-byte segment of 4 entries written by hand with
 * a queue, a stack and an array. Each test breaks one thing.
 */
#define B_MAX 4
#define B_TABLE_END (32 + 48 * B_MAX)
#define B_Q B_TABLE_END
#define B_Q_SIZE (16 + 16 + 16) /* 4 x u32 */
#define B_S (B_Q + B_Q_SIZE)
#define B_S_SIZE (16 + 8 + 8) /* 2 x u32 */
#define B_A (B_S + B_S_SIZE)
#define B_A_SIZE (8 + 4 * 8) /* 4 x u64 */
#define B_NEXT (B_A + B_A_SIZE)
#define B_SIZE 4096

static void build(struct zt_raw *r, const char *what)
{
	zt_raw_create(r, what, B_SIZE);
	zt_raw_header(r->p, 3, B_MAX, B_SIZE, B_NEXT);
	zt_raw_entry(r->p, 0, "q", B_Q, B_Q_SIZE);
	zt_raw_entry(r->p, 1, "s", B_S, B_S_SIZE);
	zt_raw_entry(r->p, 2, "a", B_A, B_A_SIZE);
	zt_raw_queue(r->p, B_Q, 4, 4);
	zt_raw_stack(r->p, B_S, 2, 4);
	zt_raw_array(r->p, B_A, 4);
}

/* ---- calls made in a fresh thread (its last error starts empty) ---------------- */

static long open_segment(void *arg)
{
	struct zipc_segment *seg = NULL;
	int rc = zipc_segment_open(arg, &seg);

	if (rc == 0)
		zipc_segment_close(seg);
	return rc;
}

struct open_args {
	const char *seg;
	enum zipc_kind kind;
	const char *name;
};

/* Open the segment, then the structure; the first failure is the result. */
static long open_structure(void *arg)
{
	const struct open_args *a = arg;
	struct zipc_segment *seg = NULL;
	int rc = zipc_segment_open(a->seg, &seg);

	if (rc != 0)
		return rc;
	switch (a->kind) {
	case ZIPC_KIND_QUEUE: {
		struct zipc_queue *q;

		rc = zipc_queue_open(seg, a->name, &q);
		if (rc == 0)
			zipc_queue_close(q);
		break;
	}
	case ZIPC_KIND_STACK: {
		struct zipc_stack *s;

		rc = zipc_stack_open(seg, a->name, &s);
		if (rc == 0)
			zipc_stack_close(s);
		break;
	}
	default: {
		struct zipc_array *ar;

		rc = zipc_array_open(seg, a->name, &ar);
		if (rc == 0)
			zipc_array_close(ar);
		break;
	}
	}
	zipc_segment_close(seg);
	return rc;
}

static void assert_open_rejected_(struct zt_raw *r, const char *file, int line)
{
	char msg[256];
	long rc;

	rc = zt_call_fresh(open_segment, r->name, msg, sizeof(msg));
	zt__assert_fails_detail(rc, -EBADMSG, msg, "zipc_segment_open", file, line);
	zt_raw_close(r);
}
/* zipc_segment_open of r fails with -EBADMSG and a detail message; closes r. */
#define assert_open_rejected(r) assert_open_rejected_((r), __FILE__, __LINE__)

static void assert_structure_rejected_(struct zt_raw *r, enum zipc_kind kind, const char *name,
				       const char *file, int line)
{
	struct open_args a = {.seg = r->name, .kind = kind, .name = name};
	char msg[256];
	long rc;

	rc = zt_call_fresh(open_structure, &a, msg, sizeof(msg));
	zt__assert_fails_detail(rc, -EBADMSG, msg, "zipc_segment_open + zipc_*_open", file, line);
	zt_raw_close(r);
}
/* Opening the segment or the structure NAME in it fails with -EBADMSG and a detail. */
#define assert_structure_rejected(r, kind, name)                                                   \
	assert_structure_rejected_((r), (kind), (name), __FILE__, __LINE__)

/* ---- the baseline is fine -------------------------------------------------- */

static void test_hostile_baseline_opens(void **state)
{
	struct zt_raw r;
	struct zipc_segment *seg;
	struct zipc_queue *q;
	struct zipc_stack *s;
	struct zipc_array *a;

	(void)state;
	build(&r, "h_base");
	assert_zipc_ok(zipc_segment_open(r.name, &seg));
	assert_zipc_ok(zipc_queue_open(seg, "q", &q));
	assert_zipc_ok(zipc_stack_open(seg, "s", &s));
	assert_zipc_ok(zipc_array_open(seg, "a", &a));
	assert_int_equal(zipc_array_type(a).size, 8);
	zipc_queue_close(q);
	zipc_stack_close(s);
	zipc_array_close(a);
	zipc_segment_close(seg);
	zt_raw_close(&r);
}

static void test_hostile_object_larger_than_memory_size_opens(void **state)
{
	struct zt_raw r;
	struct zipc_segment *seg;

	(void)state;
	build(&r, "h_larger");
	zt_raw_resize(&r, 2 * B_SIZE); /* memory_size stays 4096: "at most the object's size" */
	assert_zipc_ok(zipc_segment_open(r.name, &seg));
	zipc_segment_close(seg);
	zt_raw_close(&r);
}

/* ---- header --------------------------------------------------------------- */

static void test_hostile_empty_object(void **state)
{
	struct zt_raw r;

	(void)state;
	zt_raw_create(&r, "h_empty", 0);
	assert_open_rejected(&r);
}

static void test_hostile_truncated_below_header(void **state)
{
	struct zt_raw r;

	(void)state;
	zt_raw_create(&r, "h_trunc_hdr", 16);
	zt_put32(r.p, 0, 0x5A49504Du);
	zt_put32(r.p, 4, 2);
	assert_open_rejected(&r);
}

static void test_hostile_truncated_below_memory_size(void **state)
{
	struct zt_raw r;

	(void)state;
	build(&r, "h_trunc_mem");
	zt_put64(r.p, 16, 2 * B_SIZE);
	assert_open_rejected(&r);
}

static void test_hostile_truncated_after_creation(void **state)
{
	struct zt_raw r;

	(void)state;
	build(&r, "h_trunc_obj");
	zt_raw_resize(&r, B_SIZE - 1024);
	assert_open_rejected(&r);
}

static void test_hostile_wrong_magic(void **state)
{
	struct zt_raw r;

	(void)state;
	build(&r, "h_magic");
	zt_put32(r.p, 0, 0x4D50495Au); /* byte-swapped */
	assert_open_rejected(&r);
}

static void test_hostile_wrong_version(void **state)
{
	struct zt_raw r;

	(void)state;
	build(&r, "h_v1");
	zt_put32(r.p, 4, 1);
	assert_open_rejected(&r);
	build(&r, "h_v3");
	zt_put32(r.p, 4, 3);
	assert_open_rejected(&r);
}

static void test_hostile_entry_count_above_max_entries(void **state)
{
	struct zt_raw r;

	(void)state;
	build(&r, "h_count");
	zt_put32(r.p, 8, B_MAX + 1);
	assert_open_rejected(&r);
	build(&r, "h_count_huge");
	zt_put32(r.p, 8, UINT32_MAX);
	assert_open_rejected(&r);
	/* max_entries 0 means 64. */
	zt_raw_create(&r, "h_count64", B_SIZE);
	zt_raw_header(r.p, 65, 0, B_SIZE, 32 + 48 * 64);
	assert_open_rejected(&r);
}

static void test_hostile_table_beyond_memory_size(void **state)
{
	struct zt_raw r;

	(void)state;
	zt_raw_create(&r, "h_table", B_SIZE);
	zt_raw_header(r.p, 0, 100, B_SIZE, B_SIZE); /* table_end 4832 > 4096 */
	assert_open_rejected(&r);
	zt_raw_create(&r, "h_table_huge", B_SIZE);
	zt_raw_header(r.p, 0, UINT32_MAX, B_SIZE, B_SIZE);
	assert_open_rejected(&r);
}

static void test_hostile_next_offset_out_of_range(void **state)
{
	struct zt_raw r;

	(void)state;
	build(&r, "h_next_lo");
	zt_put64(r.p, 24, B_TABLE_END - 8);
	assert_open_rejected(&r);
	build(&r, "h_next_hi");
	zt_put64(r.p, 24, B_SIZE + 8);
	assert_open_rejected(&r);
	build(&r, "h_next_max");
	zt_put64(r.p, 24, UINT64_MAX);
	assert_open_rejected(&r);
}

/* ---- entries ---------------------------------------------------------------- */

static void test_hostile_entry_beyond_memory_size(void **state)
{
	struct zt_raw r;

	(void)state;
	build(&r, "h_ent_end");
	zt_put64(r.p, 32 + 96 + 40, B_SIZE - B_A + 8);
	assert_open_rejected(&r);
	build(&r, "h_ent_far");
	zt_put64(r.p, 32 + 96 + 32, (uint64_t)1 << 40);
	assert_open_rejected(&r);
}

static void test_hostile_entry_offset_plus_size_overflows(void **state)
{
	struct zt_raw r;

	(void)state;
	build(&r, "h_ent_ovf");
	/* B_A + size wraps to a small number inside the segment. */
	zt_put64(r.p, 32 + 96 + 40, UINT64_MAX - B_A + 200);
	assert_open_rejected(&r);
	build(&r, "h_ent_ovf2");
	zt_put64(r.p, 32 + 96 + 32, UINT64_MAX - 7);
	zt_put64(r.p, 32 + 96 + 40, 16);
	assert_open_rejected(&r);
}

static void test_hostile_entry_misaligned_offset(void **state)
{
	struct zt_raw r;

	(void)state;
	build(&r, "h_ent_align");
	zt_put64(r.p, 32 + 96 + 32, B_A + 4);
	assert_open_rejected(&r);
}

static void test_hostile_entry_inside_table(void **state)
{
	struct zt_raw r;

	(void)state;
	build(&r, "h_ent_table");
	zt_put64(r.p, 32 + 96 + 32, 64);
	assert_open_rejected(&r);
	build(&r, "h_ent_zero");
	zt_put64(r.p, 32 + 96 + 32, 0);
	assert_open_rejected(&r);
}

static void test_hostile_entries_overlap(void **state)
{
	struct zt_raw r;

	(void)state;
	build(&r, "h_overlap");
	zt_put64(r.p, 32 + 96 + 32, B_S + 8); /* the array starts inside the stack */
	assert_open_rejected(&r);
	build(&r, "h_overlap_same");
	zt_raw_entry(r.p, 2, "a", B_Q, B_Q_SIZE); /* two names, one structure */
	assert_open_rejected(&r);
}

static void test_hostile_entry_zero_size(void **state)
{
	struct zt_raw r;

	(void)state;
	build(&r, "h_size0");
	zt_put64(r.p, 32 + 48 + 40, 0);
	assert_open_rejected(&r);
}

static void test_hostile_entry_name_without_nul(void **state)
{
	struct zt_raw r;

	(void)state;
	build(&r, "h_nonul");
	memset(r.p + 32 + 48, 'x', 32);
	assert_open_rejected(&r);
}

static void test_hostile_entry_incomplete_under_count(void **state)
{
	struct zt_raw r;

	(void)state;
	build(&r, "h_incomplete");
	zt_put32(r.p, 8, 4); /* entry 3 is all zero */
	assert_open_rejected(&r);
}

/* ---- structures --------------------------------------------------------------- */

static void test_hostile_queue_capacity_huge_for_entry(void **state)
{
	struct zt_raw r;

	(void)state;
	build(&r, "h_q_huge");
	zt_put32(r.p, B_Q + 8, 1u << 20);
	assert_structure_rejected(&r, ZIPC_KIND_QUEUE, "q");
	build(&r, "h_q_2p31");
	zt_put32(r.p, B_Q + 8, 1u << 31);
	assert_structure_rejected(&r, ZIPC_KIND_QUEUE, "q");
	build(&r, "h_q_es_huge");
	zt_put32(r.p, B_Q + 12, UINT32_MAX);
	assert_structure_rejected(&r, ZIPC_KIND_QUEUE, "q");
}

static void test_hostile_queue_slots_overflow_u32(void **state)
{
	struct zt_raw r;
	const uint64_t size = 16 + 0 + 4 * 65536; /* what 65536 x 65536 computed in u32 gives */

	(void)state;
	zt_raw_create(&r, "h_q_u32", 1u << 20);
	zt_raw_header(r.p, 1, B_MAX, 1u << 20, B_TABLE_END + size);
	zt_raw_entry(r.p, 0, "q", B_TABLE_END, size);
	zt_put32(r.p, B_TABLE_END + 8, 65536);
	zt_put32(r.p, B_TABLE_END + 12, 65536);
	assert_structure_rejected(&r, ZIPC_KIND_QUEUE, "q");
}

/* A queue of cap x u32 with a consistent entry size at B_Q, alone in the table. */
static void build_queue(struct zt_raw *r, const char *what, uint32_t cap, uint32_t es)
{
	uint64_t size = zt_queue_size(cap, es);

	zt_raw_create(r, what, B_SIZE);
	zt_raw_header(r->p, 1, B_MAX, B_SIZE, zt_align8(B_Q + size));
	zt_raw_entry(r->p, 0, "q", B_Q, size);
	zt_raw_queue(r->p, B_Q, cap, es);
}

static void test_hostile_queue_capacity_not_power_of_two(void **state)
{
	struct zt_raw r;

	(void)state;
	build_queue(&r, "h_q_cap3", 3, 4);
	assert_structure_rejected(&r, ZIPC_KIND_QUEUE, "q");
	build_queue(&r, "h_q_cap12", 12, 8);
	assert_structure_rejected(&r, ZIPC_KIND_QUEUE, "q");
}

static void test_hostile_queue_capacity_one_or_zero(void **state)
{
	struct zt_raw r;

	(void)state;
	build_queue(&r, "h_q_cap1", 1, 4);
	assert_structure_rejected(&r, ZIPC_KIND_QUEUE, "q");
	build_queue(&r, "h_q_cap0", 0, 4);
	assert_structure_rejected(&r, ZIPC_KIND_QUEUE, "q");
}

static void test_hostile_queue_zero_elem_size(void **state)
{
	struct zt_raw r;

	(void)state;
	build_queue(&r, "h_q_es0", 4, 0);
	assert_structure_rejected(&r, ZIPC_KIND_QUEUE, "q");
}

static void test_hostile_queue_garbage_positions_no_crash(void **state)
{
	struct zt_raw r;
	struct zipc_segment *seg;
	struct zipc_queue *q;
	uint32_t v = 5;
	int rc;

	(void)state;
	build(&r, "h_q_pos");
	zt_put32(r.p, B_Q + 0, 0x12345678u);
	zt_put32(r.p, B_Q + 4, 9);
	zt_put32(r.p, B_Q + 16 + 16 + 4, 0xFFFFFFFFu);
	assert_zipc_ok(zipc_segment_open(r.name, &seg));
	rc = zipc_queue_open(seg, "q", &q);
	assert_true(rc == 0 || rc == -EBADMSG);
	if (rc == 0) {
		assert_true(zipc_queue_count(q) <= 4);
		for (int i = 0; i < 8; i++) {
			rc = zipc_queue_try_push(q, &v);
			assert_true(rc == 0 || rc == -EAGAIN || rc == -EBADMSG);
			rc = zipc_queue_try_pop(q, &v);
			assert_true(rc == 0 || rc == -EAGAIN || rc == -EBADMSG);
		}
		zipc_queue_close(q);
	}
	zipc_segment_close(seg);
	zt_raw_close(&r);
}

static void build_stack(struct zt_raw *r, const char *what, uint32_t cap, uint32_t es)
{
	uint64_t size = zt_stack_size(cap, es);

	zt_raw_create(r, what, B_SIZE);
	zt_raw_header(r->p, 1, B_MAX, B_SIZE, zt_align8(B_S + size));
	zt_raw_entry(r->p, 0, "s", B_S, size);
	zt_raw_stack(r->p, B_S, cap, es);
}

static void test_hostile_stack_bad_header(void **state)
{
	struct zt_raw r;

	(void)state;
	build_stack(&r, "h_s_es0", 4, 0);
	assert_structure_rejected(&r, ZIPC_KIND_STACK, "s");
	build_stack(&r, "h_s_cap0", 0, 4);
	assert_structure_rejected(&r, ZIPC_KIND_STACK, "s");
	build(&r, "h_s_huge");
	zt_put32(r.p, B_S + 4, 1u << 24);
	assert_structure_rejected(&r, ZIPC_KIND_STACK, "s");
	build(&r, "h_s_neg");
	zt_put32(r.p, B_S + 4, 0x80000000u); /* does not fit top's i32 */
	assert_structure_rejected(&r, ZIPC_KIND_STACK, "s");
}

struct stack_op {
	struct zipc_stack *s;
	int op; /* 0 try_push, 1 try_pop, 2 push, 3 pop */
};

static long stack_op(void *arg)
{
	struct stack_op *o = arg;
	uint32_t v = 1;

	switch (o->op) {
	case 0:
		return zipc_stack_try_push(o->s, &v);
	case 1:
		return zipc_stack_try_pop(o->s, &v);
	case 2:
		return zipc_stack_push(o->s, &v, 100000000);
	default:
		return zipc_stack_pop(o->s, &v, 100000000);
	}
}

static void test_hostile_stack_top_out_of_range(void **state)
{
	static const int32_t tops[] = {2, 3, 1000, INT32_MAX, -2, -1000, INT32_MIN};
	struct zt_raw r;
	struct zipc_segment *seg;
	struct zipc_stack *s;
	char msg[256];

	(void)state;
	build(&r, "h_s_top");
	assert_zipc_ok(zipc_segment_open(r.name, &seg));
	assert_zipc_ok(zipc_stack_open(seg, "s", &s));
	for (size_t i = 0; i < sizeof(tops) / sizeof(tops[0]); i++) {
		for (int op = 0; op < 4; op++) {
			struct stack_op o = {.s = s, .op = op};
			long rc;

			zt_put32(r.p, B_S, (uint32_t)tops[i]);
			rc = zt_call_fresh(stack_op, &o, msg, sizeof(msg));
			if (rc != -EBADMSG)
				print_error("top %d, op %d\n", tops[i], op);
			assert_fails_with_detail(rc, -EBADMSG, msg);
			/* Nothing was moved. */
			assert_le32(r.p, B_S, (uint32_t)tops[i]);
		}
	}
	zipc_stack_close(s);
	zipc_segment_close(seg);
	zt_raw_close(&r);
}

/*
 * An untagged entry whose bytes cannot be an array (capacity 0, elements that
 * do not fit) is refused: as corrupt (-EBADMSG) or as "not an array"
 * (-EINVAL, zipc_array_open's word for another kind), never opened.
 */
static void test_hostile_untagged_array_bad_capacity(void **state)
{
	static const uint64_t caps[] = {0, 33, (uint64_t)1 << 61, UINT64_MAX};
	struct zt_raw r;

	(void)state;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		struct open_args a = {.kind = ZIPC_KIND_ARRAY, .name = "a"};
		char msg[256];
		long rc;

		build(&r, "h_a_cap");
		zt_put64(r.p, B_A, caps[i]);
		a.seg = r.name;
		rc = zt_call_fresh(open_structure, &a, msg, sizeof(msg));
		assert_true(rc == -EBADMSG || rc == -EINVAL);
		assert_true(msg[0] != '\0');
		zt_raw_close(&r);
	}
}

static void test_hostile_tagged_array_capacity_zero(void **state)
{
	char name[64];
	struct zipc_segment *seg;
	struct zipc_array *a;
	struct zt_raw r = {.fd = -1};

	(void)state;
	seg = zt_seg_create("h_a_cap0", 1u << 20, 8, name);
	assert_zipc_ok(zipc_array_create(seg, "a", (struct zipc_type){ZIPC_ELEM_U64, 8}, 10, &a));
	zipc_array_close(a);
	zt_put64(zipc_segment_base(seg), zt_entry_offset(seg, "a"), 0);
	snprintf(r.name, sizeof(r.name), "%s", name);
	assert_structure_rejected(&r, ZIPC_KIND_ARRAY, "a");
	/* 11 elements do not fit an entry made for 10. */
	zt_put64(zipc_segment_base(seg), zt_entry_offset(seg, "a"), 11);
	assert_structure_rejected(&r, ZIPC_KIND_ARRAY, "a");
	zipc_segment_close(seg);
}

static void test_hostile_tagged_array_capacity_overflow(void **state)
{
	char name[64];
	struct zipc_segment *seg;
	struct zipc_array *a;
	struct zt_raw r = {.fd = -1};
	uint64_t off;
	unsigned char *base;

	(void)state;
	seg = zt_seg_create("h_a_ovf", 1u << 20, 8, name);
	assert_zipc_ok(zipc_array_create(seg, "a", (struct zipc_type){ZIPC_ELEM_U64, 8}, 10, &a));
	zipc_array_close(a);
	off = zt_entry_offset(seg, "a");
	base = zipc_segment_base(seg);
	/* (2^61 + 1) * 8 wraps to 8: 8 + 8 "fits" the entry when computed carelessly. */
	zt_put64(base, off, ((uint64_t)1 << 61) + 1);
	snprintf(r.name, sizeof(r.name), "%s", name);
	assert_structure_rejected(&r, ZIPC_KIND_ARRAY, "a");
	zt_put64(base, off, UINT64_MAX);
	assert_structure_rejected(&r, ZIPC_KIND_ARRAY, "a");
	zipc_segment_close(seg);
}

/* A tag whose check is right but whose wait block is outside the segment or in the table. */
static void test_hostile_tag_wait_offset_no_crash(void **state)
{
	static const uint64_t bad[] = {1u << 20, 64, (1u << 20) - 32, UINT64_MAX - 63};
	char name[64];
	struct zipc_segment *seg, *seg2;
	struct zipc_queue *q;
	uint64_t off, t;
	unsigned char *base;
	uint32_t v = 3;

	(void)state;
	seg = zt_seg_create("h_tag_wait", 1u << 20, 8, name);
	assert_zipc_ok(zipc_queue_create(seg, "q", (struct zipc_type){ZIPC_ELEM_U32, 4}, 4, &q));
	zipc_queue_close(q);
	off = zt_entry_offset(seg, "q");
	base = zipc_segment_base(seg);
	t = off - 96;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned char table[32 + 48 * 8];
		int rc;

		zt_put64(base, t + 32, bad[i]);
		zt_put32(base, t + 4, zt_fnv1a(base + t + 8, 88));
		memcpy(table, base, sizeof(table));
		assert_zipc_ok(zipc_segment_open(name, &seg2));
		rc = zipc_queue_open(seg2, "q", &q);
		assert_true(rc == 0 || rc == -EBADMSG);
		if (rc == 0) {
			struct zipc_event *ev = zipc_queue_event(q, ZIPC_READABLE);
			uint32_t tok = ev ? zipc_event_arm(ev) : 0;

			assert_zipc_ok(zipc_queue_try_push(q, &v));
			assert_zipc_ok(zipc_queue_pop(q, &v, 100000000));
			if (ev)
				zipc_event_disarm(ev);
			(void)tok;
			zipc_queue_close(q);
		}
		/* The header and table were not scribbled on by event words. */
		assert_memory_equal(table, base, sizeof(table));
		zipc_segment_close(seg2);
	}
	zipc_segment_close(seg);
}

/* A tag that is invalid (bad check, or for another entry) is ignored: the entry is untyped. */
static void test_hostile_tag_invalid_is_ignored(void **state)
{
	struct zipc_segment *seg;
	struct zipc_queue *q;
	struct zipc_entry e;
	uint64_t off;
	unsigned char *base;

	(void)state;
	seg = zt_seg_create("h_tag_bad", 1u << 20, 8, NULL);
	assert_zipc_ok(zipc_queue_create(seg, "q", (struct zipc_type){ZIPC_ELEM_U32, 4}, 4, &q));
	zipc_queue_close(q);
	off = zt_entry_offset(seg, "q");
	base = zipc_segment_base(seg);
	base[off - 96 + 10] ^= 0xFF; /* element type flipped, check now wrong */
	assert_zipc_ok(zipc_entry_find(seg, "q", &e));
	assert_false(e.tagged);
	assert_int_equal(e.kind, ZIPC_KIND_UNTYPED);
	base[off - 96 + 10] ^= 0xFF;
	assert_zipc_ok(zipc_entry_find(seg, "q", &e));
	assert_true(e.tagged);
	/* Valid check, wrong target size. */
	zt_put64(base, off - 96 + 24, zt_get64(base, off - 96 + 24) + 8);
	zt_put32(base, off - 96 + 4, zt_fnv1a(base + off - 96 + 8, 88));
	assert_zipc_ok(zipc_entry_find(seg, "q", &e));
	assert_false(e.tagged);
	assert_zipc_ok(zipc_queue_open(seg, "q", &q));
	assert_int_equal(zipc_queue_capacity(q), 4);
	zipc_queue_close(q);
	zipc_segment_close(seg);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		zt_test(test_hostile_baseline_opens),
		zt_test(test_hostile_object_larger_than_memory_size_opens),
		zt_test(test_hostile_empty_object),
		zt_test(test_hostile_truncated_below_header),
		zt_test(test_hostile_truncated_below_memory_size),
		zt_test(test_hostile_truncated_after_creation),
		zt_test(test_hostile_wrong_magic),
		zt_test(test_hostile_wrong_version),
		zt_test(test_hostile_entry_count_above_max_entries),
		zt_test(test_hostile_table_beyond_memory_size),
		zt_test(test_hostile_next_offset_out_of_range),
		zt_test(test_hostile_entry_beyond_memory_size),
		zt_test(test_hostile_entry_offset_plus_size_overflows),
		zt_test(test_hostile_entry_misaligned_offset),
		zt_test(test_hostile_entry_inside_table),
		zt_test(test_hostile_entries_overlap),
		zt_test(test_hostile_entry_zero_size),
		zt_test(test_hostile_entry_name_without_nul),
		zt_test(test_hostile_entry_incomplete_under_count),
		zt_test(test_hostile_queue_capacity_huge_for_entry),
		zt_test(test_hostile_queue_slots_overflow_u32),
		zt_test(test_hostile_queue_capacity_not_power_of_two),
		zt_test(test_hostile_queue_capacity_one_or_zero),
		zt_test(test_hostile_queue_zero_elem_size),
		zt_test(test_hostile_queue_garbage_positions_no_crash),
		zt_test(test_hostile_stack_bad_header),
		zt_test(test_hostile_stack_top_out_of_range),
		zt_test(test_hostile_untagged_array_bad_capacity),
		zt_test(test_hostile_tagged_array_capacity_zero),
		zt_test(test_hostile_tagged_array_capacity_overflow),
		zt_test(test_hostile_tag_wait_offset_no_crash),
		zt_test(test_hostile_tag_invalid_is_ignored),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
