/* Description: zipc_file_map() maps the bytes a structure file's zeroipc xattrs name, coherently. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "zt.h"

/* A path under /dev/shm with a test name, so zt_cleanup() removes it too. */
static void file_name(char file[96], const char *what)
{
	char name[64];

	zt_name(name, sizeof(name), what);
	snprintf(file, 96, "/dev/shm/%s", name);
}

/* A stand-in for a zeroipcfs file: a plain file carrying the three xattrs. */
static void make_file(const char *file, const char *shm, uint64_t off, uint64_t len)
{
	char num[32];
	int fd = open(file, O_CREAT | O_WRONLY | O_TRUNC, 0600);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(setxattr(file, "user.zeroipc.shm_path", shm, strlen(shm), 0), 0);
	snprintf(num, sizeof(num), "%" PRIu64, off);
	assert_int_equal(setxattr(file, "user.zeroipc.shm_offset", num, strlen(num), 0), 0);
	snprintf(num, sizeof(num), "%" PRIu64, len);
	assert_int_equal(setxattr(file, "user.zeroipc.shm_length", num, strlen(num), 0), 0);
}

static void test_filemap_array_is_coherent(void **state)
{
	char name[64], file[96], shm[128];
	struct zipc_segment *seg = zt_seg_create("fm", 1 << 20, 0, name);
	struct zipc_type i64 = {ZIPC_ELEM_I64, 8};
	struct zipc_file_map map = {0};
	struct zipc_array *arr;
	int64_t *core;

	(void)state;
	assert_zipc_ok(zipc_array_create(seg, "a", i64, 1000, &arr));
	core = zipc_array_data(arr);
	core[7] = 77;
	file_name(file, "fmfile");
	snprintf(shm, sizeof(shm), "/dev/shm/%s", name);
	make_file(file, shm, zipc_array_data_offset(arr), 1000 * 8);
	assert_zipc_ok(zipc_file_map(file, &map));
	assert_int_equal(map.len, 8000);
	assert_int_equal(((int64_t *)map.addr)[7], 77);
	((int64_t *)map.addr)[9] = 99;
	assert_int_equal(core[9], 99);
	zipc_file_unmap(&map);
	unlink(file);
	zipc_array_close(arr);
	zipc_segment_close(seg);
}

static void test_filemap_unaligned_offset(void **state)
{
	char name[64], file[96], shm[128];
	struct zipc_segment *seg = zt_seg_create("fmq", 1 << 20, 0, name);
	struct zipc_type i32 = {ZIPC_ELEM_I32, 4};
	struct zipc_file_map map = {0};
	struct zipc_queue *q;
	struct zipc_entry e;
	int32_t v = 5;

	(void)state;
	assert_zipc_ok(zipc_queue_create(seg, "q", i32, 8, &q));
	assert_zipc_ok(zipc_queue_try_push(q, &v));
	assert_zipc_ok(zipc_entry_find(seg, "q", &e));
	assert_true(e.offset % 4096 != 0);
	file_name(file, "fmqfile");
	snprintf(shm, sizeof(shm), "/dev/shm/%s", name);
	make_file(file, shm, e.offset, e.size);
	assert_zipc_ok(zipc_file_map(file, &map));
	assert_memory_equal(map.addr, (unsigned char *)zipc_segment_base(seg) + e.offset, e.size);
	/* tail of the queue header is 1 after one push */
	assert_int_equal(((uint32_t *)map.addr)[1], 1);
	zipc_file_unmap(&map);
	unlink(file);
	zipc_queue_close(q);
	zipc_segment_close(seg);
}

static void test_filemap_errors(void **state)
{
	char name[64], file[96], shm[128];
	struct zipc_segment *seg = zt_seg_create("fme", 1 << 20, 0, name);
	struct zipc_file_map map = {0};
	int fd;

	(void)state;
	file_name(file, "fmefile");
	fd = open(file, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_zipc_rc(zipc_file_map(file, &map), -ENODATA);
	snprintf(shm, sizeof(shm), "/dev/shm/%s", name);
	make_file(file, shm, (1 << 20) - 8, 64); /* runs past the object */
	assert_zipc_rc(zipc_file_map(file, &map), -EBADMSG);
	assert_true(zipc_last_error()[0] != '\0');
	unlink(file);
	zipc_segment_close(seg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		zt_test(test_filemap_array_is_coherent),
		zt_test(test_filemap_unaligned_offset),
		zt_test(test_filemap_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
