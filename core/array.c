/*
 * Array (docs/FORMAT.md, "Array"): u64 capacity, then the elements, accessed
 * in place. Arrays created here put element 0 on a page boundary.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zeroipc/array.h>

#include "common_i.h"
#include "error_i.h"
#include "kinds_i.h"
#include "registry_i.h"
#include "types_i.h"

struct zipc_array {
	struct zipc_segment *seg;
	unsigned char *data;
	uint64_t capacity; /* read once at open; never re-read from the segment */
	uint64_t data_offset;
	struct zipc_type type;
};

int zipc__array_layout(const unsigned char *base, uint64_t size, uint32_t elem_size,
		       uint64_t *capacity)
{
	uint64_t cap;

	if (size < 8)
		return zipc__fail(-EBADMSG, "array of %llu bytes has no header",
				  (unsigned long long)size);
	memcpy(&cap, base, sizeof(cap));
	if (cap == 0 || elem_size == 0 || cap > (size - 8) / elem_size)
		return zipc__fail(-EBADMSG,
				  "array capacity %llu of %u-byte elements does not fit %llu bytes",
				  (unsigned long long)cap, elem_size, (unsigned long long)size);
	*capacity = cap;
	return 0;
}

static void array_init(unsigned char *base, const struct zipc__create_req *req)
{
	uint64_t cap = *(const uint64_t *)req->init_ctx;

	/* The elements are fresh space, zero since the object was created. */
	memcpy(base, &cap, sizeof(cap));
}

static int array_from(struct zipc_segment *seg, const struct zipc__located *loc,
		      const struct zipc_type *want, struct zipc_array **out)
{
	const unsigned char *base = seg->base + loc->rec.offset;
	struct zipc_type type;
	struct zipc_array *arr;
	uint64_t cap = 0;
	int r;

	if (loc->tagged) {
		if (loc->tag.kind != ZIPC_KIND_ARRAY)
			return zipc__fail(want ? -EEXIST : -EINVAL, "'%s' is a %s, not an array",
					  loc->rec.name, zipc_kind_name(loc->tag.kind));
		type = zipc__tag_type(&loc->tag);
		r = zipc__type_check(type);
		if (r < 0)
			return zipc__fail(-EBADMSG, "'%s': tag has a bad element type", loc->rec.name);
	} else {
		if (loc->rec.size < 16)
			return zipc__fail(-EBADMSG, "'%s' is too small for an array", loc->rec.name);
		memcpy(&cap, base, sizeof(cap));
		if (cap == 0 || (loc->rec.size - 8) % cap || (loc->rec.size - 8) / cap > ZIPC_ELEM_SIZE_MAX)
			return zipc__fail(-EINVAL, "'%s' does not look like an array", loc->rec.name);
		type.elem = ZIPC_ELEM_NONE;
		type.size = (uint32_t)((loc->rec.size - 8) / cap);
	}
	r = zipc__array_layout(base, loc->rec.size, type.size, &cap);
	if (r < 0)
		return r;
	if (want && want->size != type.size)
		return zipc__fail(-EEXIST, "'%s' exists with %u-byte elements", loc->rec.name,
				  type.size);
	arr = calloc(1, sizeof(*arr));
	if (!arr)
		return zipc__fail(-ENOMEM, "out of memory");
	zipc__segment_ref(seg);
	arr->seg = seg;
	arr->data_offset = loc->rec.offset + 8;
	arr->data = seg->base + arr->data_offset;
	arr->capacity = cap;
	arr->type = type;
	*out = arr;
	return 0;
}

ZIPC_EXPORT int zipc_array_create(struct zipc_segment *seg, const char *name, struct zipc_type type,
				  uint64_t capacity, struct zipc_array **out)
{
	struct zipc__create_req req = {
		.name = name,
		.kind = ZIPC_KIND_ARRAY,
		.type = type,
		.align = ZIPC_PAGE,
		.align_bias = 8,
		.init = array_init,
		.init_ctx = &capacity,
	};
	struct zipc__located loc;
	bool created;
	int r = zipc__type_check(type);

	if (r < 0)
		return r;
	if (capacity == 0 || capacity > (UINT64_MAX / 2) / type.size)
		return zipc__fail(-EINVAL, "array capacity must be 1..%llu",
				  (unsigned long long)((UINT64_MAX / 2) / type.size));
	req.size = 8 + capacity * type.size;
	r = zipc__registry_create(seg, &req, &loc, &created);
	if (r < 0)
		return r;
	return array_from(seg, &loc, &type, out);
}

ZIPC_EXPORT int zipc_array_open(struct zipc_segment *seg, const char *name, struct zipc_array **out)
{
	struct zipc__located loc;
	int r = zipc__registry_locate(seg, name, 0, &loc);
	if (r < 0)
		return r;
	return array_from(seg, &loc, NULL, out);
}

ZIPC_EXPORT void zipc_array_close(struct zipc_array *arr)
{
	if (!arr)
		return;
	zipc__segment_unref(arr->seg);
	free(arr);
}

ZIPC_EXPORT void *zipc_array_data(const struct zipc_array *arr)
{
	return arr->data;
}

ZIPC_EXPORT uint64_t zipc_array_capacity(const struct zipc_array *arr)
{
	return arr->capacity;
}

ZIPC_EXPORT struct zipc_type zipc_array_type(const struct zipc_array *arr)
{
	return arr->type;
}

ZIPC_EXPORT uint64_t zipc_array_data_offset(const struct zipc_array *arr)
{
	return arr->data_offset;
}

ZIPC_EXPORT int zipc_array_get(const struct zipc_array *arr, uint64_t index, void *out)
{
	if (index >= arr->capacity)
		return zipc__fail(-ERANGE, "index %llu beyond capacity %llu",
				  (unsigned long long)index, (unsigned long long)arr->capacity);
	memcpy(out, arr->data + index * arr->type.size, arr->type.size);
	return 0;
}

ZIPC_EXPORT int zipc_array_set(struct zipc_array *arr, uint64_t index, const void *in)
{
	if (index >= arr->capacity)
		return zipc__fail(-ERANGE, "index %llu beyond capacity %llu",
				  (unsigned long long)index, (unsigned long long)arr->capacity);
	memcpy(arr->data + index * arr->type.size, in, arr->type.size);
	return 0;
}
