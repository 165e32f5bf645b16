/* Description: array get/set round trips, bounds (-ERANGE), zero fill, page alignment. */
#include "zt.h"

#include <errno.h>
#include <string.h>

#define MiB (1024u * 1024u)

static struct zipc_segment *seg;

static int setup(void **state)
{
	zt_setup(state);
	seg = zt_seg_create("a", 4 * MiB, 32, NULL);
	return 0;
}

static int teardown(void **state)
{
	zipc_segment_close(seg);
	seg = NULL;
	return zt_teardown(state);
}

static void test_array_get_set_bounds(void **state)
{
	struct zipc_array *a;
	int64_t v;

	(void)state;
	assert_zipc_ok(zipc_array_create(seg, "b", (struct zipc_type){ZIPC_ELEM_I64, 8}, 5, &a));
	for (uint64_t i = 0; i < 5; i++) {
		v = -(int64_t)i * 1000;
		assert_zipc_ok(zipc_array_set(a, i, &v));
	}
	for (uint64_t i = 0; i < 5; i++) {
		assert_zipc_ok(zipc_array_get(a, i, &v));
		assert_int_equal(v, -(int64_t)i * 1000);
	}
	v = 123;
	assert_zipc_rc(zipc_array_set(a, 5, &v), -ERANGE);
	assert_zipc_rc(zipc_array_get(a, 5, &v), -ERANGE);
	assert_zipc_rc(zipc_array_set(a, UINT64_MAX, &v), -ERANGE);
	assert_zipc_rc(zipc_array_get(a, UINT64_MAX, &v), -ERANGE);
	assert_zipc_rc(zipc_array_get(a, (uint64_t)1 << 61, &v), -ERANGE);
	assert_int_equal(v, 123); /* untouched on failure */
	assert_zipc_ok(zipc_array_get(a, 4, &v));
	assert_int_equal(v, -4000);
	zipc_array_close(a);
}

static void test_array_zero_filled_and_page_aligned(void **state)
{
	struct zipc_array *a, *b;
	unsigned char *base = zipc_segment_base(seg);
	unsigned char buf[100];
	unsigned char zero[100] = {0};

	(void)state;
	assert_zipc_ok(
	    zipc_array_create(seg, "x", (struct zipc_type){ZIPC_ELEM_BYTES, 100}, 7, &a));
	assert_zipc_ok(zipc_array_create(seg, "y", (struct zipc_type){ZIPC_ELEM_U8, 1}, 1, &b));
	for (int k = 0; k < 2; k++) {
		struct zipc_array *arr = k ? b : a;

		assert_int_equal(zipc_array_data_offset(arr) % 4096, 0);
		assert_ptr_equal(zipc_array_data(arr), base + zipc_array_data_offset(arr));
	}
	assert_int_equal(zipc_array_type(a).elem, ZIPC_ELEM_BYTES);
	assert_int_equal(zipc_array_type(a).size, 100);
	assert_int_equal(zipc_array_capacity(a), 7);
	for (uint64_t i = 0; i < 7; i++) {
		assert_zipc_ok(zipc_array_get(a, i, buf));
		assert_memory_equal(buf, zero, 100);
	}
	memset(buf, 0x5C, sizeof(buf));
	assert_zipc_ok(zipc_array_set(a, 6, buf));
	assert_memory_equal((unsigned char *)zipc_array_data(a) + 600, buf, 100);
	/* The neighbouring array is untouched. */
	assert_zipc_ok(zipc_array_get(b, 0, buf));
	assert_int_equal(buf[0], 0);
	assert_zipc_rc(zipc_array_get(b, 1, buf), -ERANGE);
	zipc_array_close(a);
	zipc_array_close(b);
}

static void test_array_open_sees_same_elements(void **state)
{
	struct zipc_array *a, *b;
	float f = 1.5f;

	(void)state;
	assert_zipc_ok(zipc_array_create(seg, "f", (struct zipc_type){ZIPC_ELEM_F32, 4}, 3, &a));
	assert_zipc_ok(zipc_array_set(a, 2, &f));
	assert_zipc_ok(zipc_array_open(seg, "f", &b));
	assert_int_equal(zipc_array_capacity(b), 3);
	assert_int_equal(zipc_array_type(b).elem, ZIPC_ELEM_F32);
	f = 0;
	assert_zipc_ok(zipc_array_get(b, 2, &f));
	assert_true(f == 1.5f);
	zipc_array_close(a);
	zipc_array_close(b);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_array_get_set_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_array_zero_filled_and_page_aligned, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_array_open_sees_same_elements, setup, teardown),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
