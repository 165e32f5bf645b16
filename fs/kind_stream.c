/*
 * Kind: stream. "stream NAME TYPE CAPACITY [block|overwrite [SUBSCRIBERS]]"
 * in SEG/.new. Each open for reading is a subscriber from that moment on;
 * read follows the stream (waits for new elements, EOF only after close and
 * drain); write emits.
 */
#include <fcntl.h>
#include <poll.h>
#include <string.h>

#include <zeroipc/stream.h>

#include "fs_i.h"
#include "kind_i.h"

static int create(struct zipc_segment *seg, const char *name, const struct fs_spec *spec)
{
	enum zipc_stream_policy policy = ZIPC_STREAM_BLOCK;
	struct zipc_stream *st;
	uint32_t cap, subs = 0;
	int r;

	if (spec->argc < 1 || spec->argc > 3 || fs_parse_u32(spec->argv[0], 1, 1u << 30, &cap) < 0)
		return -EINVAL;
	if (spec->argc >= 2) {
		if (!strcmp(spec->argv[1], "overwrite"))
			policy = ZIPC_STREAM_OVERWRITE;
		else if (strcmp(spec->argv[1], "block") != 0)
			return -EINVAL;
	}
	if (spec->argc == 3 &&
	    fs_parse_u32(spec->argv[2], 1, ZIPC_STREAM_SUBSCRIBERS_MAX, &subs) < 0)
		return -EINVAL;
	r = zipc_stream_create(seg, name, spec->type, cap, policy, subs, &st);
	if (r == 0)
		zipc_stream_close_handle(st);
	return r;
}

static int open_(struct zipc_segment *seg, const char *name, void **h)
{
	return zipc_stream_open(seg, name, (struct zipc_stream **)h);
}

static void close_(void *h)
{
	zipc_stream_close_handle(h);
}

static struct zipc_type type(const void *h)
{
	return zipc_stream_type(h);
}

static void info(void *h, struct fs_info *in)
{
	in->capacity = zipc_stream_capacity(h);
	in->count = zipc_stream_emitted(h);
	in->state = zipc_stream_is_closed(h) ? "closed" : "open";
}

static int shut(void *h)
{
	return zipc_stream_close(h);
}

static int file_open(struct fs_file *f)
{
	if ((f->flags & O_ACCMODE) == O_WRONLY)
		return 0;
	return zipc_stream_subscribe(f->h, ZIPC_STREAM_FROM_NOW, (struct zipc_sub **)&f->priv);
}

static void file_release(struct fs_file *f)
{
	if (f->priv)
		zipc_stream_unsubscribe(f->priv);
	f->priv = NULL;
}

static ssize_t take(struct fs_file *f, void *out, size_t max)
{
	int r;

	if (!f->priv)
		return -EBADF;
	if (max > 1)
		return fs_try(zipc_stream_next_batch(f->priv, out, max, 0));
	r = zipc_stream_try_next(f->priv, out);
	return r < 0 ? r : 1;
}

static ssize_t put(struct fs_file *f, const void *in, size_t n)
{
	if (n == 1) {
		int r = zipc_stream_try_emit(f->h, in);

		return r < 0 ? r : 1;
	}
	return fs_try(zipc_stream_emit_batch(f->h, in, n, 0));
}

static struct zipc_event *event(struct fs_file *f, enum zipc_ready what)
{
	return zipc_stream_event(f->h, what);
}

static unsigned ready(struct fs_file *f)
{
	bool closed = zipc_stream_is_closed(f->h);
	unsigned ev = closed ? 0 : POLLOUT;

	if (f->priv && (closed || zipc_stream_emitted(f->h) > zipc_stream_cursor(f->priv)))
		ev |= POLLIN;
	return ev;
}

const struct fs_kind fs_kind_stream = {
    .kind = ZIPC_KIND_STREAM,
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
    .file_open = file_open,
    .file_release = file_release,
};
