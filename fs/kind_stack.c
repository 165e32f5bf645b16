/*
 * Kind: stack. "stack NAME TYPE CAPACITY" in SEG/.new. Like a queue file,
 * but last in, first out: a write pushes its elements in order, so the last
 * line of a write is the first read back.
 */
#include <poll.h>

#include "fs_i.h"
#include "kind_i.h"

static int create(struct zipc_segment *seg, const char *name, const struct fs_spec *spec)
{
	struct zipc_stack *s;
	uint32_t cap;
	int r;

	if (spec->argc != 1 || fs_parse_u32(spec->argv[0], 1, ZIPC_STACK_CAPACITY_MAX, &cap) < 0)
		return -EINVAL;
	r = zipc_stack_create(seg, name, spec->type, cap, &s);
	if (r == 0)
		zipc_stack_close(s);
	return r;
}

static int open_(struct zipc_segment *seg, const char *name, void **h)
{
	return zipc_stack_open(seg, name, (struct zipc_stack **)h);
}

static void close_(void *h)
{
	zipc_stack_close(h);
}

static struct zipc_type type(const void *h)
{
	return zipc_stack_type(h);
}

static void info(void *h, struct fs_info *in)
{
	in->capacity = zipc_stack_capacity(h);
	in->count = zipc_stack_count(h);
}

static ssize_t take(struct fs_file *f, void *out, size_t max)
{
	size_t n = 0;
	int r = 0;

	while (n < max && (r = zipc_stack_try_pop(f->h, (char *)out + n * f->esz)) == 0)
		n++;
	return n ? (ssize_t)n : r;
}

static ssize_t put(struct fs_file *f, const void *in, size_t count)
{
	size_t n = 0;
	int r = 0;

	while (n < count && (r = zipc_stack_try_push(f->h, (const char *)in + n * f->esz)) == 0)
		n++;
	return n ? (ssize_t)n : r;
}

static struct zipc_event *event(struct fs_file *f, enum zipc_ready what)
{
	return zipc_stack_event(f->h, what);
}

static unsigned ready(struct fs_file *f)
{
	uint32_t n = zipc_stack_count(f->h);

	return (n > 0 ? POLLIN : 0) | (n < zipc_stack_capacity(f->h) ? POLLOUT : 0);
}

const struct fs_kind fs_kind_stack = {
    .kind = ZIPC_KIND_STACK,
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
