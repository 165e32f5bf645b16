/*
 * Kind: future. "future NAME TYPE [COUNT]" in SEG/.new (COUNT elements,
 * default 1). A value file: read waits until set, write sets it once.
 */
#include <string.h>

#include "fs_i.h"
#include "kind_i.h"

#define RECHECK_NS (100 * 1000 * 1000LL) /* setters of other implementations do not wake */

static int create(struct zipc_segment *seg, const char *name, const struct fs_spec *spec)
{
	struct zipc_future *fu;
	uint32_t count = 1;
	int r;

	if (spec->argc > 1 ||
	    (spec->argc == 1 && fs_parse_u32(spec->argv[0], 1, 1u << 20, &count) < 0))
		return -EINVAL;
	r = zipc_future_create(seg, name, spec->type, count, &fu);
	if (r == 0)
		zipc_future_close(fu);
	return r;
}

static int open_(struct zipc_segment *seg, const char *name, void **h)
{
	return zipc_future_open(seg, name, (struct zipc_future **)h);
}

static void close_(void *h)
{
	zipc_future_close(h);
}

static struct zipc_type type(const void *h)
{
	return zipc_future_type(h);
}

static void info(void *h, struct fs_info *in)
{
	static const char *const names[] = {"pending", "computing", "ready", "error"};
	enum zipc_future_state st = zipc_future_state(h);
	struct zipc_type t = zipc_future_type(h);

	in->capacity = zipc_future_value_size(h) / (t.size ? t.size : 1);
	in->count = st == ZIPC_FUTURE_READY ? in->capacity : 0;
	in->state = (unsigned)st < 4 ? names[st] : "unknown";
	if (zipc_future_error(h, in->error, sizeof(in->error)) < 0)
		in->error[0] = '\0';
}

static size_t value_size(const void *h)
{
	return zipc_future_value_size(h);
}

static int get(void *h, void *out)
{
	return zipc_future_try_get(h, out);
}

static int set(void *h, const void *in)
{
	return zipc_future_set(h, in);
}

static struct zipc_event *value_event(void *h)
{
	return zipc_future_event(h);
}

const struct fs_kind fs_kind_future = {
    .kind = ZIPC_KIND_FUTURE,
    .engine = &fs_engine_value,
    .has_raw = true,
    .create = create,
    .open = open_,
    .close = close_,
    .type = type,
    .info = info,
    .recheck_ns = RECHECK_NS,
    .value_size = value_size,
    .get = get,
    .set = set,
    .value_event = value_event,
};
