/* Which kinds have wait blocks, and whether an untagged structure fits a kind. */
#include <errno.h>

#include "error_i.h"
#include "kinds_i.h"
#include "types_i.h"

bool zipc__kind_has_wait_block(enum zipc_kind kind)
{
	return kind == ZIPC_KIND_QUEUE || kind == ZIPC_KIND_STACK || kind == ZIPC_KIND_FUTURE;
}

/* The structure's bytes as kind with elements of type: 0 or a layout error. */
static int layout_fits(const struct zipc_segment *seg, const struct zipc__rec *rec,
		       enum zipc_kind kind, struct zipc_type type)
{
	const unsigned char *base = seg->base + rec->offset;
	uint32_t capacity, elem_size;
	uint64_t array_capacity, value_size;
	int r = zipc__type_check(type);

	if (r < 0)
		return r;
	switch (kind) {
	case ZIPC_KIND_ARRAY:
		return zipc__array_layout(base, rec->size, type.size, &array_capacity);
	case ZIPC_KIND_QUEUE:
	case ZIPC_KIND_STACK:
		r = kind == ZIPC_KIND_QUEUE
			    ? zipc__queue_layout(base, rec->size, &capacity, &elem_size)
			    : zipc__stack_layout(base, rec->size, &capacity, &elem_size);
		if (r < 0)
			return r;
		if (elem_size != type.size)
			return zipc__fail(-EINVAL, "'%s' holds %u-byte elements, not %u", rec->name,
					  elem_size, type.size);
		return 0;
	case ZIPC_KIND_FUTURE:
		return zipc__future_layout(rec->size, type.size, &value_size);
	default:
		return zipc__fail(-EINVAL, "cannot tag '%s' as %s", rec->name,
				  zipc_kind_name(kind));
	}
}

int zipc__kind_fits(const struct zipc_segment *seg, const struct zipc__rec *rec,
		    enum zipc_kind kind, struct zipc_type type)
{
	int r = layout_fits(seg, rec, kind, type);

	/* A structure that does not read as that kind is a wrong request here,
	 * not a corrupt segment: the detail message says what does not fit. */
	return r == -EBADMSG ? -EINVAL : r;
}
