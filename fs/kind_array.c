/*
 * Kind: array. "array NAME TYPE CAPACITY" in SEG/.new; the file is the
 * elements (array.c); SEG/.text/NAME lists them.
 */
#include <errno.h>
#include <stdlib.h>

#include "fs_i.h"
#include "kind_i.h"

static int create(struct zipc_segment *seg, const char *name, const struct fs_spec *spec)
{
	struct zipc_array *arr;
	uint64_t cap;
	int r;

	if (spec->argc != 1 || fs_parse_u64(spec->argv[0], &cap) < 0)
		return -EINVAL;
	r = zipc_array_create(seg, name, spec->type, cap, &arr);
	if (r == 0)
		zipc_array_close(arr);
	return r;
}

static int open_(struct zipc_segment *seg, const char *name, void **h)
{
	return zipc_array_open(seg, name, (struct zipc_array **)h);
}

static void close_(void *h)
{
	zipc_array_close(h);
}

static struct zipc_type type(const void *h)
{
	return zipc_array_type(h);
}

static void info(void *h, struct fs_info *in)
{
	in->capacity = zipc_array_capacity(h);
	in->count = in->capacity;
	in->shm_offset = zipc_array_data_offset(h);
	in->shm_length = in->capacity * zipc_array_type(h).size;
}

const struct fs_kind fs_kind_array = {
    .kind = ZIPC_KIND_ARRAY,
    .engine = &fs_engine_array,
    .has_text = true,
    .create = create,
    .open = open_,
    .close = close_,
    .type = type,
    .info = info,
};
