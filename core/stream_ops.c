/*
 * Stream operators: library calls that run in the calling process and move
 * elements from a subscription to a stream (pipe, map, filter, take) or
 * into an accumulator (fold). Built on the public calls only; every wait
 * is a blocking next or emit without a time limit, so a signal (-EINTR)
 * or the source's close ends them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zeroipc/stream.h>

#include "common_i.h"
#include "error_i.h"
#include "stream_i.h"

struct buffers {
	unsigned char *in;
	unsigned char *out;
};

static int buffers_get(struct buffers *b, const struct zipc_sub *src, const struct zipc_stream *dst)
{
	b->in = malloc(src->st->elem_size);
	b->out = dst ? malloc(dst->elem_size) : NULL;
	if (!b->in || (dst && !b->out)) {
		free(b->in);
		free(b->out);
		return zipc__fail(-ENOMEM, "out of memory");
	}
	return 0;
}

static void buffers_put(struct buffers *b)
{
	free(b->in);
	free(b->out);
}

/* Pump until src ends; the element, once read, goes through fn into dst. */
static ssize_t pump(struct zipc_sub *src, struct zipc_stream *dst, zipc_stream_fn fn, void *ctx,
		    uint64_t limit)
{
	struct buffers b;
	ssize_t emitted = 0;
	uint64_t read = 0;
	int r = buffers_get(&b, src, dst);

	if (r < 0)
		return r;
	while (read < limit) {
		r = zipc_stream_next(src, b.in, ZIPC_FOREVER);
		if (r == -EPIPE)
			break;
		if (r < 0)
			goto out;
		read++;
		r = fn(ctx, b.in, b.out);
		if (r < 0)
			goto out;
		if (r == 0)
			continue;
		r = zipc_stream_emit(dst, b.out, ZIPC_FOREVER);
		if (r < 0)
			goto out;
		emitted++;
	}
	r = zipc_stream_close(dst);
out:
	buffers_put(&b);
	return r < 0 ? r : emitted;
}

ZIPC_EXPORT ssize_t zipc_stream_pipe(struct zipc_sub *src, struct zipc_stream *dst,
				     zipc_stream_fn fn, void *ctx)
{
	return pump(src, dst, fn, ctx, UINT64_MAX);
}

ZIPC_EXPORT ssize_t zipc_stream_map(struct zipc_sub *src, struct zipc_stream *dst,
				    zipc_stream_fn fn, void *ctx)
{
	return zipc_stream_pipe(src, dst, fn, ctx);
}

struct filter_ctx {
	zipc_stream_pred pred;
	void *ctx;
	uint32_t size;
};

static int filter_fn(void *ctx, const void *in, void *out)
{
	struct filter_ctx *f = ctx;

	if (!f->pred(f->ctx, in))
		return 0;
	memcpy(out, in, f->size);
	return 1;
}

ZIPC_EXPORT ssize_t zipc_stream_filter(struct zipc_sub *src, struct zipc_stream *dst,
				       zipc_stream_pred pred, void *ctx)
{
	struct filter_ctx f = {.pred = pred, .ctx = ctx, .size = dst->elem_size};

	if (src->st->elem_size != dst->elem_size)
		return zipc__fail(-EINVAL, "filter: %u-byte source into %u-byte destination",
				  src->st->elem_size, dst->elem_size);
	return pump(src, dst, filter_fn, &f, UINT64_MAX);
}

static int copy_fn(void *ctx, const void *in, void *out)
{
	memcpy(out, in, *(const uint32_t *)ctx);
	return 1;
}

ZIPC_EXPORT ssize_t zipc_stream_take(struct zipc_sub *src, struct zipc_stream *dst, uint64_t n)
{
	uint32_t size = dst->elem_size;

	if (src->st->elem_size != size)
		return zipc__fail(-EINVAL, "take: %u-byte source into %u-byte destination",
				  src->st->elem_size, size);
	return pump(src, dst, copy_fn, &size, n);
}

ZIPC_EXPORT ssize_t zipc_stream_fold(struct zipc_sub *src, void *acc, zipc_stream_fold_fn fn,
				     void *ctx)
{
	struct buffers b;
	ssize_t folded = 0;
	int r = buffers_get(&b, src, NULL);

	if (r < 0)
		return r;
	while ((r = zipc_stream_next(src, b.in, ZIPC_FOREVER)) == 0) {
		fn(ctx, acc, b.in);
		folded++;
	}
	buffers_put(&b);
	return r == -EPIPE ? folded : r;
}
