/*
 * Kind: queue. "queue NAME TYPE CAPACITY" in SEG/.new. A records file with
 * drain semantics: reads pop (waiting only for this file's first element),
 * writes push in batches (one claim and one wake per write).
 */
#include <poll.h>

#include "fs_i.h"
#include "kind_i.h"

static int create(struct zipc_segment *seg, const char *name, const struct fs_spec *spec)
{
	struct zipc_queue *q;
	uint32_t cap;
	int r;

	if (spec->argc != 1 || fs_parse_u32(spec->argv[0], 1, ZIPC_QUEUE_CAPACITY_MAX, &cap) < 0)
		return -EINVAL;
	r = zipc_queue_create(seg, name, spec->type, cap, &q);
	if (r == 0)
		zipc_queue_close(q);
	return r;
}

static int open_(struct zipc_segment *seg, const char *name, void **h)
{
	return zipc_queue_open(seg, name, (struct zipc_queue **)h);
}

static void close_(void *h)
{
	zipc_queue_close(h);
}

static struct zipc_type type(const void *h)
{
	return zipc_queue_type(h);
}

static void info(void *h, struct fs_info *in)
{
	in->capacity = zipc_queue_capacity(h);
	in->count = zipc_queue_count(h);
}

static ssize_t take(struct fs_file *f, void *out, size_t max)
{
	if (max == 1) {
		int r = zipc_queue_try_pop(f->h, out);

		return r < 0 ? r : 1;
	}
	return zipc_queue_try_pop_batch(f->h, out, max);
}

static ssize_t put(struct fs_file *f, const void *in, size_t n)
{
	return zipc_queue_try_push_batch(f->h, in, n);
}

static struct zipc_event *event(struct fs_file *f, enum zipc_ready what)
{
	return zipc_queue_event(f->h, what);
}

static unsigned ready(struct fs_file *f)
{
	uint32_t n = zipc_queue_count(f->h);

	return (n > 0 ? POLLIN : 0) | (n < zipc_queue_capacity(f->h) ? POLLOUT : 0);
}

const struct fs_kind fs_kind_queue = {
    .kind = ZIPC_KIND_QUEUE,
    .engine = &fs_engine_records,
    .has_raw = true,
    .create = create,
    .open = open_,
    .close = close_,
    .type = type,
    .info = info,
    .take = take,
    .put = put,
    .event = event,
    .ready = ready,
    .drain = true,
};
