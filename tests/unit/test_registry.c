/* Description: registry create-or-open, names, removal, listing, types and error strings. */
#include "zt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MiB (1024u * 1024u)

static struct zipc_type ty(enum zipc_elem e, uint32_t size)
{
	return (struct zipc_type){.elem = e, .size = size};
}

static const struct zipc_type U32 = {ZIPC_ELEM_U32, 4};

/* ---- names ------------------------------------------------------------------ */

static void test_name_check_rules(void **state)
{
	char n31[32], n32[33], n200[201];

	(void)state;
	memset(n31, 'a', 31);
	n31[31] = '\0';
	memset(n32, 'b', 32);
	n32[32] = '\0';
	memset(n200, 'c', 200);
	n200[200] = '\0';

	assert_zipc_ok(zipc_name_check("a"));
	assert_zipc_ok(zipc_name_check(n31));
	assert_zipc_ok(zipc_name_check("..."));
	assert_zipc_ok(zipc_name_check(".hidden"));
	assert_zipc_ok(zipc_name_check("a.b-c_d e"));
	assert_zipc_ok(zipc_name_check("\xc3\xa9t\xc3\xa9")); /* UTF-8 is fine */

	assert_zipc_rc(zipc_name_check(""), -EINVAL);
	assert_zipc_rc(zipc_name_check("/"), -EINVAL);
	assert_zipc_rc(zipc_name_check("a/b"), -EINVAL);
	assert_zipc_rc(zipc_name_check("/a"), -EINVAL);
	assert_zipc_rc(zipc_name_check("."), -EINVAL);
	assert_zipc_rc(zipc_name_check(".."), -EINVAL);
	assert_zipc_rc(zipc_name_check("a\x01"), -EINVAL);
	assert_zipc_rc(zipc_name_check("tab\there"), -EINVAL);
	assert_zipc_rc(zipc_name_check("nl\n"), -EINVAL);
	assert_zipc_rc(zipc_name_check("\x1f"), -EINVAL);
	assert_zipc_rc(zipc_name_check("del\x7f"), -EINVAL);
	assert_zipc_rc(zipc_name_check(n32), -ENAMETOOLONG);
	assert_zipc_rc(zipc_name_check(n200), -ENAMETOOLONG);
}

static void test_name_rules_apply_to_every_call(void **state)
{
	struct zipc_segment *seg;
	struct zipc_queue *q;
	struct zipc_stack *s;
	struct zipc_array *a;
	struct zipc_entry e;
	char n32[33], n31[32];

	(void)state;
	memset(n32, 'x', 32);
	n32[32] = '\0';
	memset(n31, 'y', 31);
	n31[31] = '\0';
	seg = zt_seg_create("r_names", MiB, 16, NULL);
	assert_zipc_rc(zipc_queue_create(seg, "a/b", U32, 4, &q), -EINVAL);
	assert_zipc_rc(zipc_queue_create(seg, "..", U32, 4, &q), -EINVAL);
	assert_zipc_rc(zipc_stack_create(seg, "", U32, 4, &s), -EINVAL);
	assert_zipc_rc(zipc_array_create(seg, "c\x02", U32, 4, &a), -EINVAL);
	assert_zipc_rc(zipc_queue_create(seg, n32, U32, 4, &q), -ENAMETOOLONG);
	assert_zipc_rc(zipc_stack_create(seg, n32, U32, 4, &s), -ENAMETOOLONG);
	assert_zipc_rc(zipc_array_create(seg, n32, U32, 4, &a), -ENAMETOOLONG);
	assert_zipc_rc(zipc_entry_find(seg, "a/b", &e), -EINVAL);
	assert_zipc_rc(zipc_entry_find(seg, n32, &e), -ENAMETOOLONG);
	assert_zipc_rc(zipc_entry_remove(seg, "."), -EINVAL);
	assert_zipc_rc(zipc_entry_remove(seg, n32), -ENAMETOOLONG);
	/* Nothing was created by the failures. */
	assert_int_equal(zipc_entry_list(seg, NULL, 0), 0);

	assert_zipc_ok(zipc_queue_create(seg, n31, U32, 4, &q));
	assert_zipc_ok(zipc_entry_find(seg, n31, &e));
	assert_string_equal(e.name, n31);
	zipc_queue_close(q);
	zipc_segment_close(seg);
}

static void test_segment_name_rules(void **state)
{
	struct zipc_segment *seg;
	char longname[260];
	char name[64];

	(void)state;
	memset(longname, 'z', 201);
	longname[201] = '\0';
	assert_zipc_rc(zipc_segment_create(longname, MiB, 0, 0600, &seg), -ENAMETOOLONG);
	assert_zipc_rc(zipc_segment_create("a/b", MiB, 0, 0600, &seg), -EINVAL);
	assert_zipc_rc(zipc_segment_create("", MiB, 0, 0600, &seg), -EINVAL);
	assert_zipc_rc(zipc_segment_open(longname, &seg), -ENAMETOOLONG);
	assert_zipc_rc(zipc_segment_unlink("a/b"), -EINVAL);

	zt_name(name, sizeof(name), "r_segname");
	assert_zipc_rc(zipc_segment_open(name, &seg), -ENOENT);
	assert_zipc_rc(zipc_segment_unlink(name), -ENOENT);
	/* The name may start with '/'. */
	{
		char slashed[70];

		snprintf(slashed, sizeof(slashed), "/%s", name);
		assert_zipc_ok(zipc_segment_create(slashed, MiB, 0, 0600, &seg));
		assert_string_equal(zipc_segment_name(seg), name);
		zipc_segment_close(seg);
	}
	assert_zipc_rc(zipc_segment_create(name, MiB, 0, 0600, &seg), -EEXIST);
	assert_zipc_ok(zipc_segment_open(name, &seg));
	zipc_segment_close(seg);
	assert_zipc_ok(zipc_segment_unlink(name));
	assert_zipc_rc(zipc_segment_open(name, &seg), -ENOENT);
}

static void test_segment_create_rejects_bad_sizes(void **state)
{
	struct zipc_segment *seg;
	char name[64];

	(void)state;
	zt_name(name, sizeof(name), "r_segsize");
	/* Too small for the table: 32 + 48 * 64 = 3104. */
	assert_zipc_rc(zipc_segment_create(name, 3000, 0, 0600, &seg), -EINVAL);
	assert_zipc_rc(zipc_segment_create(name, 16, 0, 0600, &seg), -EINVAL);
	assert_zipc_rc(zipc_segment_create(name, 4096, 100, 0600, &seg), -EINVAL);
	assert_zipc_rc(zipc_segment_create(name, MiB, UINT32_MAX, 0600, &seg), -EINVAL);
	/* The failures left nothing behind. */
	assert_zipc_rc(zipc_segment_open(name, &seg), -ENOENT);
}

struct visit {
	const char *want;
	int seen;
};

static int visit_fn(const char *name, void *ctx)
{
	struct visit *v = ctx;

	if (strcmp(name, v->want) == 0)
		v->seen++;
	return 0;
}

static int stop_fn(const char *name, void *ctx)
{
	(void)name;
	(void)ctx;
	return 42;
}

static void test_segment_list_finds_segment(void **state)
{
	struct zipc_segment *seg;
	char name[64];
	struct visit v = {.want = name};

	(void)state;
	seg = zt_seg_create("r_list", MiB, 0, name);
	assert_zipc_ok(zipc_segment_list(visit_fn, &v));
	assert_int_equal(v.seen, 1);
	assert_int_equal(zipc_segment_list(stop_fn, NULL), 42);
	zipc_segment_close(seg);
}

/* ---- create-or-open ------------------------------------------------------- */

static void test_registry_create_or_open_same_structure(void **state)
{
	struct zipc_segment *seg;
	struct zipc_queue *q1, *q2;
	struct zipc_stack *s1, *s2;
	struct zipc_array *a1, *a2;
	uint32_t v;

	(void)state;
	seg = zt_seg_create("r_cro", MiB, 16, NULL);
	assert_zipc_ok(zipc_queue_create(seg, "q", U32, 8, &q1));
	assert_zipc_ok(zipc_queue_create(seg, "q", U32, 8, &q2));
	v = 77;
	assert_zipc_ok(zipc_queue_try_push(q1, &v));
	v = 0;
	assert_zipc_ok(zipc_queue_try_pop(q2, &v));
	assert_int_equal(v, 77);

	assert_zipc_ok(zipc_stack_create(seg, "s", U32, 8, &s1));
	assert_zipc_ok(zipc_stack_create(seg, "s", U32, 8, &s2));
	v = 78;
	assert_zipc_ok(zipc_stack_try_push(s2, &v));
	assert_zipc_ok(zipc_stack_try_pop(s1, &v));
	assert_int_equal(v, 78);

	assert_zipc_ok(zipc_array_create(seg, "a", U32, 8, &a1));
	/* An existing array keeps the capacity it was created with. */
	assert_zipc_ok(zipc_array_create(seg, "a", U32, 100, &a2));
	assert_int_equal(zipc_array_capacity(a2), 8);
	assert_int_equal(zipc_array_data_offset(a1), zipc_array_data_offset(a2));
	v = 79;
	assert_zipc_ok(zipc_array_set(a1, 7, &v));
	v = 0;
	assert_zipc_ok(zipc_array_get(a2, 7, &v));
	assert_int_equal(v, 79);

	assert_int_equal(zipc_entry_list(seg, NULL, 0), 3);
	zipc_queue_close(q1);
	zipc_queue_close(q2);
	zipc_stack_close(s1);
	zipc_stack_close(s2);
	zipc_array_close(a1);
	zipc_array_close(a2);
	zipc_segment_close(seg);
}

static void test_registry_open_existing(void **state)
{
	char name[64];
	struct zipc_segment *seg, *seg2;
	struct zipc_queue *q, *q2;
	struct zipc_stack *s;
	struct zipc_array *a;
	uint32_t v = 5;

	(void)state;
	seg = zt_seg_create("r_open", MiB, 16, name);
	assert_zipc_rc(zipc_queue_open(seg, "q", &q), -ENOENT);
	assert_zipc_ok(zipc_queue_create(seg, "q", ty(ZIPC_ELEM_I32, 4), 4, &q));
	assert_zipc_ok(zipc_queue_try_push(q, &v));
	assert_zipc_ok(zipc_array_create(seg, "a", U32, 4, &a));
	zipc_array_close(a);
	/* Another handle on the same segment sees both. */
	assert_zipc_ok(zipc_segment_open(name, &seg2));
	assert_zipc_ok(zipc_queue_open(seg2, "q", &q2));
	assert_int_equal(zipc_queue_type(q2).elem, ZIPC_ELEM_I32);
	assert_int_equal(zipc_queue_capacity(q2), 4);
	assert_int_equal(zipc_queue_count(q2), 1);
	/* Opening as the wrong kind. */
	assert_zipc_rc(zipc_stack_open(seg2, "q", &s), -EINVAL);
	assert_zipc_rc(zipc_queue_open(seg2, "a", &q), -EINVAL);
	assert_zipc_rc(zipc_stack_open(seg2, "nope", &s), -ENOENT);
	assert_zipc_rc(zipc_array_open(seg2, "nope", &a), -ENOENT);
	zipc_queue_close(q2);
	zipc_queue_close(q);
	zipc_segment_close(seg2);
	zipc_segment_close(seg);
}

static void test_registry_mismatch_is_eexist(void **state)
{
	struct zipc_segment *seg;
	struct zipc_queue *q;
	struct zipc_stack *s;
	struct zipc_array *a;

	(void)state;
	seg = zt_seg_create("r_mismatch", MiB, 16, NULL);
	assert_zipc_ok(zipc_queue_create(seg, "x", U32, 4, &q));
	zipc_queue_close(q);
	assert_zipc_rc(zipc_stack_create(seg, "x", U32, 4, &s), -EEXIST);
	assert_zipc_rc(zipc_array_create(seg, "x", U32, 4, &a), -EEXIST);
	assert_zipc_rc(zipc_queue_create(seg, "x", ty(ZIPC_ELEM_U64, 8), 4, &q), -EEXIST);
	assert_zipc_rc(zipc_queue_create(seg, "x", ty(ZIPC_ELEM_BYTES, 5), 4, &q), -EEXIST);
	/* Same element size: the queue opens (documented as "same element size"). */
	assert_zipc_ok(zipc_queue_create(seg, "x", ty(ZIPC_ELEM_F32, 4), 4, &q));
	zipc_queue_close(q);

	assert_zipc_ok(zipc_array_create(seg, "y", ty(ZIPC_ELEM_U16, 2), 4, &a));
	zipc_array_close(a);
	assert_zipc_rc(zipc_array_create(seg, "y", ty(ZIPC_ELEM_U64, 8), 4, &a), -EEXIST);
	assert_zipc_rc(zipc_queue_create(seg, "y", ty(ZIPC_ELEM_U16, 2), 4, &q), -EEXIST);
	assert_zipc_ok(zipc_stack_create(seg, "z", ty(ZIPC_ELEM_U8, 1), 4, &s));
	zipc_stack_close(s);
	assert_zipc_rc(zipc_stack_create(seg, "z", ty(ZIPC_ELEM_U16, 2), 4, &s), -EEXIST);
	assert_int_equal(zipc_entry_list(seg, NULL, 0), 3);
	zipc_segment_close(seg);
}

static void test_registry_bad_arguments(void **state)
{
	struct zipc_segment *seg;
	struct zipc_queue *q;
	struct zipc_stack *s;
	struct zipc_array *a;

	(void)state;
	seg = zt_seg_create("r_badarg", MiB, 16, NULL);
	assert_zipc_rc(zipc_queue_create(seg, "q", U32, 0, &q), -EINVAL);
	assert_zipc_rc(zipc_queue_create(seg, "q", U32, ZIPC_QUEUE_CAPACITY_MAX + 1, &q), -EINVAL);
	assert_zipc_rc(zipc_stack_create(seg, "s", U32, 0, &s), -EINVAL);
	assert_zipc_rc(zipc_stack_create(seg, "s", U32, ZIPC_STACK_CAPACITY_MAX + 1, &s), -EINVAL);
	assert_zipc_rc(zipc_array_create(seg, "a", U32, 0, &a), -EINVAL);
	assert_zipc_rc(zipc_queue_create(seg, "q", ty(ZIPC_ELEM_BYTES, 0), 4, &q), -EINVAL);
	assert_zipc_rc(
	    zipc_queue_create(seg, "q", ty(ZIPC_ELEM_BYTES, ZIPC_ELEM_SIZE_MAX + 1), 4, &q),
	    -EINVAL);
	assert_zipc_rc(zipc_array_create(seg, "a", ty(ZIPC_ELEM_I32, 8), 4, &a), -EINVAL);
	assert_zipc_rc(zipc_stack_create(seg, "s", ty(ZIPC_ELEM_F64, 4), 4, &s), -EINVAL);
	assert_int_equal(zipc_entry_list(seg, NULL, 0), 0);
	zipc_segment_close(seg);
}

/* ---- space ------------------------------------------------------------------ */

static void test_registry_full_table_is_enospc(void **state)
{
	struct zipc_segment *seg;
	struct zipc_queue *q;
	struct zipc_segment_usage u;
	char n[16];

	(void)state;
	seg = zt_seg_create("r_fulltab", MiB, 4, NULL);
	for (int i = 0; i < 4; i++) {
		snprintf(n, sizeof(n), "q%d", i);
		assert_zipc_ok(zipc_queue_create(seg, n, U32, 4, &q));
		zipc_queue_close(q);
	}
	assert_zipc_rc(zipc_queue_create(seg, "q4", U32, 4, &q), -ENOSPC);
	/* Existing names still create-or-open. */
	assert_zipc_ok(zipc_queue_create(seg, "q2", U32, 4, &q));
	zipc_queue_close(q);
	assert_zipc_ok(zipc_segment_usage(seg, &u));
	assert_int_equal(u.entries, 4);
	/* A removed entry still occupies its slot. */
	assert_zipc_ok(zipc_entry_remove(seg, "q0"));
	assert_zipc_rc(zipc_queue_create(seg, "q4", U32, 4, &q), -ENOSPC);
	zipc_segment_close(seg);
}

static void test_registry_full_segment_is_enospc(void **state)
{
	struct zipc_segment *seg;
	struct zipc_array *a;
	struct zipc_queue *q;
	struct zipc_segment_usage u, u2;

	(void)state;
	seg = zt_seg_create("r_fullseg", 64 * 1024, 64, NULL);
	assert_zipc_rc(zipc_array_create(seg, "big", ty(ZIPC_ELEM_U64, 8), 64 * 1024, &a), -ENOSPC);
	assert_zipc_rc(zipc_queue_create(seg, "bigq", ty(ZIPC_ELEM_U64, 8), 1u << 16, &q), -ENOSPC);
	assert_zipc_rc(zipc_queue_create(seg, "hugeq", ty(ZIPC_ELEM_BYTES, ZIPC_ELEM_SIZE_MAX),
					 ZIPC_QUEUE_CAPACITY_MAX, &q),
		       -ENOSPC);
	assert_int_equal(zipc_entry_list(seg, NULL, 0), 0);
	/* Fill it up with small arrays until it says no. */
	for (int i = 0;; i++) {
		char n[16];
		int rc;

		assert_true(i < 100);
		snprintf(n, sizeof(n), "a%d", i);
		rc = zipc_array_create(seg, n, ty(ZIPC_ELEM_U8, 1), 2000, &a);
		if (rc == -ENOSPC)
			break;
		assert_zipc_ok(rc);
		zipc_array_close(a);
	}
	assert_zipc_ok(zipc_segment_usage(seg, &u));
	assert_true(u.used <= u.size);
	/* Still usable for what fits. */
	assert_zipc_ok(zipc_queue_create(seg, "small", ty(ZIPC_ELEM_U8, 1), 2, &q));
	zipc_queue_close(q);
	assert_zipc_ok(zipc_segment_usage(seg, &u2));
	assert_true(u2.used <= u2.size);
	zipc_segment_close(seg);
}

/* ---- removal ---------------------------------------------------------------- */

static void test_registry_remove_hides_name(void **state)
{
	struct zipc_segment *seg;
	struct zipc_queue *q, *q2;
	struct zipc_entry e, list[8];
	uint64_t old_off;
	uint32_t v = 9;

	(void)state;
	seg = zt_seg_create("r_remove", MiB, 16, NULL);
	assert_zipc_ok(zipc_queue_create(seg, "a", U32, 4, &q));
	zipc_queue_close(q);
	assert_zipc_ok(zipc_queue_create(seg, "victim", U32, 4, &q));
	assert_zipc_ok(zipc_queue_create(seg, "c", U32, 4, &q2));
	zipc_queue_close(q2);
	old_off = zt_entry_offset(seg, "victim");
	assert_zipc_ok(zipc_entry_remove(seg, "victim"));
	assert_zipc_rc(zipc_entry_find(seg, "victim", &e), -ENOENT);
	assert_zipc_rc(zipc_queue_open(seg, "victim", &q2), -ENOENT);
	assert_zipc_rc(zipc_entry_remove(seg, "victim"), -ENOENT);
	assert_zipc_rc(zipc_entry_remove(seg, "never"), -ENOENT);
	assert_int_equal(zipc_entry_list(seg, list, 8), 2);
	assert_string_equal(list[0].name, "a");
	assert_string_equal(list[1].name, "c");

	/* The holder keeps using the removed structure. */
	assert_zipc_ok(zipc_queue_try_push(q, &v));
	assert_zipc_ok(zipc_queue_try_pop(q, &v));
	assert_int_equal(v, 9);
	zipc_queue_close(q);

	/* The name can be created again: a new, empty structure (even of another kind). */
	assert_zipc_ok(zipc_queue_create(seg, "victim", U32, 4, &q));
	assert_int_equal(zipc_queue_count(q), 0);
	assert_true(zt_entry_offset(seg, "victim") != old_off);
	zipc_queue_close(q);
	assert_zipc_ok(zipc_entry_remove(seg, "victim"));
	{
		struct zipc_array *a;

		assert_zipc_ok(zipc_array_create(seg, "victim", U32, 4, &a));
		zipc_array_close(a);
	}
	assert_zipc_ok(zipc_entry_find(seg, "victim", &e));
	assert_int_equal(e.kind, ZIPC_KIND_ARRAY);
	assert_int_equal(zipc_entry_list(seg, list, 8), 3);
	zipc_segment_close(seg);
}

static void test_registry_list_truncates_but_counts(void **state)
{
	struct zipc_segment *seg;
	struct zipc_stack *s;
	struct zipc_entry list[3];
	char n[16];

	(void)state;
	seg = zt_seg_create("r_listmax", MiB, 16, NULL);
	for (int i = 0; i < 6; i++) {
		snprintf(n, sizeof(n), "s%d", i);
		assert_zipc_ok(zipc_stack_create(seg, n, ty(ZIPC_ELEM_I16, 2), 2, &s));
		zipc_stack_close(s);
	}
	memset(list, 0xAB, sizeof(list));
	assert_int_equal(zipc_entry_list(seg, list, 2), 6);
	assert_string_equal(list[0].name, "s0");
	assert_string_equal(list[1].name, "s1");
	/* Nothing written past max. */
	assert_int_equal(((unsigned char *)&list[2])[0], 0xAB);
	assert_int_equal(list[1].kind, ZIPC_KIND_STACK);
	assert_int_equal(list[1].type.elem, ZIPC_ELEM_I16);
	assert_int_equal(list[1].type.size, 2);
	zipc_segment_close(seg);
}

static void test_registry_structures_outlive_segment_handle(void **state)
{
	char name[64];
	struct zipc_segment *seg;
	struct zipc_queue *q;
	uint32_t v = 11;

	(void)state;
	seg = zt_seg_create("r_refs", MiB, 16, name);
	assert_zipc_ok(zipc_queue_create(seg, "q", U32, 4, &q));
	zipc_segment_close(seg);
	assert_zipc_ok(zipc_segment_unlink(name));
	assert_zipc_ok(zipc_queue_try_push(q, &v));
	v = 0;
	assert_zipc_ok(zipc_queue_try_pop(q, &v));
	assert_int_equal(v, 11);
	zipc_queue_close(q);
}

/* ---- types ------------------------------------------------------------------ */

static void test_type_parse_format_round_trip(void **state)
{
	static const struct {
		const char *text;
		enum zipc_elem elem;
		uint32_t size;
	} cases[] = {
	    {"i8", ZIPC_ELEM_I8, 1},
	    {"i16", ZIPC_ELEM_I16, 2},
	    {"i32", ZIPC_ELEM_I32, 4},
	    {"i64", ZIPC_ELEM_I64, 8},
	    {"u8", ZIPC_ELEM_U8, 1},
	    {"u16", ZIPC_ELEM_U16, 2},
	    {"u32", ZIPC_ELEM_U32, 4},
	    {"u64", ZIPC_ELEM_U64, 8},
	    {"f32", ZIPC_ELEM_F32, 4},
	    {"f64", ZIPC_ELEM_F64, 8},
	    {"bytes:1", ZIPC_ELEM_BYTES, 1},
	    {"bytes:16", ZIPC_ELEM_BYTES, 16},
	    {"bytes:1048576", ZIPC_ELEM_BYTES, ZIPC_ELEM_SIZE_MAX},
	};
	char buf[ZIPC_TYPE_STR_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct zipc_type t = {ZIPC_ELEM_NONE, 0};

		assert_zipc_ok(zipc_type_parse(cases[i].text, &t));
		assert_int_equal(t.elem, cases[i].elem);
		assert_int_equal(t.size, cases[i].size);
		assert_zipc_ok(zipc_type_format(t, buf, sizeof(buf)));
		assert_string_equal(buf, cases[i].text);
	}
	/* An untyped element of size N formats as bytes:N. */
	assert_zipc_ok(zipc_type_format(ty(ZIPC_ELEM_NONE, 12), buf, sizeof(buf)));
	assert_string_equal(buf, "bytes:12");
	/* The longest name fits ZIPC_TYPE_STR_MAX. */
	assert_zipc_ok(zipc_type_format(ty(ZIPC_ELEM_BYTES, UINT32_MAX), buf, sizeof(buf)));
	assert_string_equal(buf, "bytes:4294967295");
}

static void test_type_parse_rejects(void **state)
{
	static const char *bad[] = {
	    "",
	    "i",
	    "i7",
	    "i65",
	    "u128",
	    "f16",
	    "int32",
	    "i32 ",
	    " i32",
	    "bytes",
	    "bytes:",
	    "bytes:0",
	    "bytes:-1",
	    "bytes:abc",
	    "bytes:1x",
	    "bytes:1048577",
	    "bytes:99999999999999999999",
	    "u8\n",
	};
	struct zipc_type t;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (zipc_type_parse(bad[i], &t) != -EINVAL) {
			print_error("zipc_type_parse(\"%s\") was accepted\n", bad[i]);
			fail();
		}
	}
}

static void test_type_format_short_buffer(void **state)
{
	char buf[16];

	(void)state;
	assert_zipc_rc(zipc_type_format(ty(ZIPC_ELEM_I64, 8), buf, 3), -ENOSPC);
	assert_zipc_ok(zipc_type_format(ty(ZIPC_ELEM_I64, 8), buf, 4));
	assert_string_equal(buf, "i64");
	assert_zipc_rc(zipc_type_format(ty(ZIPC_ELEM_BYTES, 16), buf, 8), -ENOSPC);
	assert_zipc_rc(zipc_type_format(ty(ZIPC_ELEM_BYTES, 16), buf, 0), -ENOSPC);
}

static void test_kind_name_parse_round_trip(void **state)
{
	static const struct {
		enum zipc_kind kind;
		const char *name;
	} kinds[] = {
	    {ZIPC_KIND_ARRAY, "array"},	    {ZIPC_KIND_QUEUE, "queue"},
	    {ZIPC_KIND_STACK, "stack"},	    {ZIPC_KIND_FUTURE, "future"},
	    {ZIPC_KIND_LAZY, "lazy"},	    {ZIPC_KIND_STREAM, "stream"},
	    {ZIPC_KIND_CHANNEL, "channel"},
	};
	enum zipc_kind k;

	(void)state;
	assert_string_equal(zipc_kind_name(ZIPC_KIND_UNTYPED), "untyped");
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		assert_string_equal(zipc_kind_name(kinds[i].kind), kinds[i].name);
		assert_zipc_ok(zipc_kind_parse(kinds[i].name, &k));
		assert_int_equal(k, kinds[i].kind);
	}
	assert_zipc_rc(zipc_kind_parse("queues", &k), -EINVAL);
	assert_zipc_rc(zipc_kind_parse("", &k), -EINVAL);
	assert_non_null(zipc_kind_name((enum zipc_kind)99));
}

/* ---- errors ----------------------------------------------------------------- */

static void test_error_strerror_covers_every_errno(void **state)
{
	static const int errs[] = {EAGAIN,  ENOENT,    EEXIST, ENOSPC, EINVAL, ENAMETOOLONG,
				   EBADMSG, ETIMEDOUT, EINTR,  ERANGE, EACCES, ENOMEM,
				   EPIPE,   EALREADY,  EPERM,  EBUSY};
	const size_t n = sizeof(errs) / sizeof(errs[0]);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		const char *s = zipc_strerror(-errs[i]);

		assert_non_null(s);
		assert_true(strlen(s) > 0);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(s, zipc_strerror(-errs[j]));
	}
	assert_non_null(zipc_strerror(0));
	assert_non_null(zipc_strerror(-ENOTSUP));
	assert_non_null(zipc_strerror(-99999));
	assert_non_null(zipc_strerror(12345));
}

static long fail_name(void *arg)
{
	return zipc_name_check(arg);
}

static void test_error_last_error_detail(void **state)
{
	char msg[256];
	long rc;

	(void)state;
	rc = zt_call_fresh(fail_name, "a/b", msg, sizeof(msg));
	assert_fails_with_detail(rc, -EINVAL, msg);
	/* A fresh thread starts with no detail. */
	rc = zt_call_fresh(fail_name, "fine", msg, sizeof(msg));
	assert_int_equal(rc, 0);
	assert_string_equal(msg, "");
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		zt_test(test_name_check_rules),
		zt_test(test_name_rules_apply_to_every_call),
		zt_test(test_segment_name_rules),
		zt_test(test_segment_create_rejects_bad_sizes),
		zt_test(test_segment_list_finds_segment),
		zt_test(test_registry_create_or_open_same_structure),
		zt_test(test_registry_open_existing),
		zt_test(test_registry_mismatch_is_eexist),
		zt_test(test_registry_bad_arguments),
		zt_test(test_registry_full_table_is_enospc),
		zt_test(test_registry_full_segment_is_enospc),
		zt_test(test_registry_remove_hides_name),
		zt_test(test_registry_list_truncates_but_counts),
		zt_test(test_registry_structures_outlive_segment_handle),
		zt_test(test_type_parse_format_round_trip),
		zt_test(test_type_parse_rejects),
		zt_test(test_type_format_short_buffer),
		zt_test(test_kind_name_parse_round_trip),
		zt_test(test_error_strerror_covers_every_errno),
		zt_test(test_error_last_error_detail),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
