/*
 * Kind: channel. "channel NAME TYPE CAPACITY" in SEG/.new (0: unbuffered).
 * read receives (waits for a value; EOF after close and drain); write sends.
 */
#include <poll.h>

#include <zeroipc/channel.h>

#include "fs_i.h"
#include "kind_i.h"

/*
 * Parked writers retry this often: an unbuffered send succeeds only while a
 * receiver is there to take it, and a receiver's arrival moves no event the
 * writer watches (a two-step send in the core would let it park instead).
 */
#define RECHECK_NS (2 * 1000 * 1000LL)

static int create(struct zipc_segment *seg, const char *name, const struct fs_spec *spec)
{
	struct zipc_channel *ch;
	uint32_t cap;
	int r;

	if (spec->argc != 1 || fs_parse_u32(spec->argv[0], 0, 1u << 30, &cap) < 0)
		return -EINVAL;
	r = zipc_channel_create(seg, name, spec->type, cap, &ch);
	if (r == 0)
		zipc_channel_close_handle(ch);
	return r;
}

static int open_(struct zipc_segment *seg, const char *name, void **h)
{
	return zipc_channel_open(seg, name, (struct zipc_channel **)h);
}

static void close_(void *h)
{
	zipc_channel_close_handle(h);
}

static struct zipc_type type(const void *h)
{
	return zipc_channel_type(h);
}

static void info(void *h, struct fs_info *in)
{
	in->capacity = zipc_channel_capacity(h);
	in->count = zipc_channel_count(h);
	in->state = zipc_channel_is_closed(h) ? "closed" : "open";
}

static int shut(void *h)
{
	return zipc_channel_close(h);
}

static ssize_t take(struct fs_file *f, void *out, size_t max)
{
	size_t n = 0;
	int r = 0;

	while (n < max && (r = zipc_channel_try_recv(f->h, (char *)out + n * f->esz)) == 0)
		n++;
	return n ? (ssize_t)n : r;
}

static ssize_t put(struct fs_file *f, const void *in, size_t count)
{
	size_t n = 0;
	int r = 0;

	while (n < count && (r = zipc_channel_try_send(f->h, (const char *)in + n * f->esz)) == 0)
		n++;
	return n ? (ssize_t)n : r;
}

static struct zipc_event *event(struct fs_file *f, enum zipc_ready what)
{
	return zipc_channel_event(f->h, what);
}

static unsigned ready(struct fs_file *f)
{
	bool closed = zipc_channel_is_closed(f->h);
	uint32_t n = zipc_channel_count(f->h), cap = zipc_channel_capacity(f->h);

	return (n > 0 || closed ? POLLIN : 0) | (!closed && n < cap ? POLLOUT : 0);
}

const struct fs_kind fs_kind_channel = {
    .kind = ZIPC_KIND_CHANNEL,
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
    .shut = shut,
};
