/*
 * Kind: lazy. "lazy NAME TYPE [COUNT]" in SEG/.new. A value file: read
 * forces it (signals demand to providers such as `zeroipc serve`, then
 * waits); write provides the value if none exists yet.
 */
#include <string.h>

#include "fs_i.h"
#include "kind_i.h"

/* Waiting readers ask again this often; that also recovers from a dead computer. */
#define RECHECK_NS (100 * 1000 * 1000LL)

static int create(struct zipc_segment *seg, const char *name, const struct fs_spec *spec)
{
	struct zipc_lazy *lz;
	uint32_t count = 1;
	int r;

	if (spec->argc > 1 ||
	    (spec->argc == 1 && fs_parse_u32(spec->argv[0], 1, 1u << 20, &count) < 0))
		return -EINVAL;
	r = zipc_lazy_create(seg, name, spec->type, count, &lz);
	if (r == 0)
		zipc_lazy_close(lz);
	return r;
}

static int open_(struct zipc_segment *seg, const char *name, void **h)
{
	return zipc_lazy_open(seg, name, (struct zipc_lazy **)h);
}

static void close_(void *h)
{
	zipc_lazy_close(h);
}

static struct zipc_type type(const void *h)
{
	return zipc_lazy_type(h);
}

static void info(void *h, struct fs_info *in)
{
	static const char *const names[] = {"empty", "computing", "ready", "error"};
	struct zipc_lazy_info li;
	struct zipc_type t = zipc_lazy_type(h);

	zipc_lazy_info(h, &li);
	in->capacity = zipc_lazy_value_size(h) / (t.size ? t.size : 1);
	in->count = li.state == ZIPC_LAZY_READY ? in->capacity : 0;
	in->state = (unsigned)li.state < 4 ? names[li.state] : "unknown";
	if (zipc_lazy_error(h, in->error, sizeof(in->error)) < 0)
		in->error[0] = '\0';
}

static size_t value_size(const void *h)
{
	return zipc_lazy_value_size(h);
}

static int get(void *h, void *out)
{
	return zipc_lazy_try_get(h, out);
}

static int set(void *h, const void *in)
{
	return zipc_lazy_provide(h, in);
}

static int demand(void *h)
{
	return zipc_lazy_demand(h);
}

static struct zipc_event *value_event(void *h)
{
	return zipc_lazy_event(h);
}

const struct fs_kind fs_kind_lazy = {
    .kind = ZIPC_KIND_LAZY,
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
    .demand = demand,
    .value_event = value_event,
};
