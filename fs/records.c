/*
 * The records engine: files that are a sequence of elements (queue, stack,
 * stream, channel). Text files carry one element per line, binary files
 * (bytes:N types, SEG/.raw/NAME) whole records.
 *
 * read takes elements with the kind's take(): one per read() on text files,
 * so that head, bash read and Python line iteration consume exactly what
 * they use (an element split by a short read keeps its rest in the file's
 * buffer); as many whole records as fit on binary files. An empty structure
 * parks the read (see park_i.h), except that "drain" kinds (queue, stack)
 * end the file (EOF) once this file has delivered an element, so cat ends.
 * write parses the whole buffer first (a malformed line fails the write with
 * EINVAL, nothing pushed), then puts; a full structure parks the rest. A
 * line split across writes is joined; a trailing partial one goes at flush.
 * Nothing taken is dropped: a taken element is either in the reply or in
 * the file's buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "park_i.h"
#include "text_i.h"

/* ---- read ---- */

struct rd_reply {
	char *data; /* malloc'd, or NULL */
	size_t len;
	int err; /* positive errno, or 0 */
};

static void reply_read(fuse_req_t req, struct rd_reply *out)
{
	if (out->err)
		fuse_reply_err(req, out->err);
	else
		fuse_reply_buf(req, out->data, out->len);
	free(out->data);
	out->data = NULL;
}

/* Serve up to size bytes of the file's buffered rest. f->lock held. */
static int serve_rest(struct fs_file *f, size_t size, struct rd_reply *out)
{
	size_t n = f->rlen - f->roff;

	if (n > size)
		n = size;
	out->data = malloc(n ? n : 1);
	if (!out->data) {
		out->err = ENOMEM;
		return 0;
	}
	memcpy(out->data, f->rbuf + f->roff, n);
	out->len = n;
	f->roff += n;
	if (f->roff == f->rlen)
		f->roff = f->rlen = 0;
	return 0;
}

/* Keep bytes as the file's rest, then serve from it. f->lock held. */
static int keep_and_serve(struct fs_file *f, const char *bytes, size_t n, size_t size,
			  struct rd_reply *out)
{
	if (fs_buf_reserve(&f->rbuf, &f->rcap, n) < 0) {
		/* cannot happen for one record of at most 1 MiB unless memory is gone;
		 * the element is lost then, so say so */
		fs_log("zeroipcfs: out of memory holding a taken element");
		out->err = ENOMEM;
		return 0;
	}
	memcpy(f->rbuf, bytes, n);
	f->rlen = n;
	f->roff = 0;
	return serve_rest(f, size, out);
}

/* One read attempt: 0 when *out is ready to send, -EAGAIN to wait. */
static int read_try(struct fs_file *f, size_t size, bool nonblock, struct rd_reply *out)
{
	size_t max;
	ssize_t r;
	char *tmp;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&f->lock);
	if (f->roff < f->rlen) {
		serve_rest(f, size, out);
		goto out;
	}
	max = f->text ? 1 : size / f->esz;
	if (max == 0)
		max = 1;
	tmp = malloc(max * f->esz);
	if (!tmp) {
		out->err = ENOMEM;
		goto out;
	}
	r = f->kind->take(f, tmp, max);
	if (r > 0) {
		f->got_first = true;
		if (f->text) {
			char line[FS_TEXT_MAX];
			size_t n = fs_text_format(f->type, tmp, line);

			keep_and_serve(f, line, n, size, out);
			free(tmp);
		} else if ((size_t)r * f->esz <= size) {
			out->data = tmp;
			out->len = (size_t)r * f->esz;
		} else {
			keep_and_serve(f, tmp, f->esz, size, out);
			free(tmp);
		}
		goto out;
	}
	free(tmp);
	if (r == -EAGAIN) {
		if (f->kind->drain && f->got_first)
			out->len = 0; /* end of this file's contents */
		else if (nonblock)
			out->err = EAGAIN;
		else
			ret = -EAGAIN;
	} else if (r == -EPIPE) {
		out->len = 0; /* closed and drained */
	} else {
		out->err = (int)-r;
	}
out:
	pthread_mutex_unlock(&f->lock);
	return ret;
}

struct rd_waiter {
	struct fs_waiter w;
	struct fs_file *f;
	size_t size;
	struct rd_reply out;
};

static int rd_attempt(struct fs_waiter *w, enum fs_why why)
{
	struct rd_waiter *rw = (struct rd_waiter *)w;

	(void)why;
	return read_try(rw->f, rw->size, false, &rw->out);
}

static void rd_finish(struct fs_waiter *w)
{
	struct rd_waiter *rw = (struct rd_waiter *)w;

	reply_read(w->req, &rw->out);
	free(rw);
}

static void rd_cancel(struct fs_waiter *w)
{
	fuse_reply_err(w->req, EINTR);
	free(w);
}

static const struct fs_waiter_ops rd_ops = {
    .attempt = rd_attempt,
    .finish = rd_finish,
    .cancel = rd_cancel,
};

static struct zipc_event *event_of(struct fs_file *f, enum zipc_ready what)
{
	return f->kind->event ? f->kind->event(f, what) : NULL;
}

static void records_read(fuse_req_t req, struct fs_file *f, size_t size, off_t off,
			 struct fuse_file_info *fi)
{
	struct rd_waiter *rw;
	struct rd_reply out;

	(void)off;
	if (read_try(f, size, fi->flags & O_NONBLOCK, &out) == 0) {
		reply_read(req, &out);
		return;
	}
	rw = calloc(1, sizeof(*rw));
	if (!rw) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	rw->w.ops = &rd_ops;
	rw->w.req = req;
	rw->f = f;
	rw->size = size;
	fs_park(&rw->w, event_of(f, ZIPC_READABLE), f->h, f->kind->recheck_ns, false);
}

/* ---- write ---- */

struct wr_waiter {
	struct fs_waiter w;
	struct fs_file *f;
	unsigned char *recs; /* n records */
	char *joined;	     /* the pending bytes and this write's, for short-write counts */
	size_t n, done;
	size_t pend_before; /* bytes of the joined buffer that came from earlier writes */
	size_t size;	    /* this write's size */
	char *rest;	    /* the new partial line once all is put */
	size_t rest_len;
	bool flush;
	int err; /* positive errno when failed */
};

static void wr_free(struct wr_waiter *ww)
{
	free(ww->recs);
	free(ww->joined);
	free(ww->rest);
	free(ww);
}

/* Put what fits. Returns 0 when finished (ww->err says how), -EAGAIN to wait. */
static int put_some(struct wr_waiter *ww, bool nonblock)
{
	struct fs_file *f = ww->f;
	ssize_t r = 0;

	while (ww->done < ww->n) {
		r = f->kind->put(f, ww->recs + ww->done * f->esz, ww->n - ww->done);
		if (r <= 0)
			break;
		ww->done += (size_t)r;
	}
	if (ww->done == ww->n) {
		pthread_mutex_lock(&f->lock);
		f->plen = 0;
		if (ww->rest_len)
			fs_pend_append(f, ww->rest, ww->rest_len);
		pthread_mutex_unlock(&f->lock);
		return 0;
	}
	if (r == -EAGAIN && !nonblock)
		return -EAGAIN;
	ww->err = r == -EAGAIN ? EAGAIN : (int)-r;
	return 0;
}

/* Offset in the joined buffer just past record k (k >= 1). */
static size_t end_of(const struct wr_waiter *ww, size_t k)
{
	const char *p = ww->joined;

	if (!ww->f->text)
		return k * ww->f->esz;
	while (k--)
		p = strchr(p, '\n') + 1; /* parsed lines hold no NUL */
	return (size_t)(p - ww->joined);
}

static void wr_reply(struct wr_waiter *ww, int err)
{
	fuse_req_t req = ww->w.req;
	struct fs_file *f = ww->f;

	if (ww->done == ww->n) {
		if (ww->flush)
			fuse_reply_err(req, 0);
		else
			fuse_reply_write(req, ww->size);
	} else if (ww->done > 0 && !ww->flush) {
		/* a short write: the writer sends the rest again */
		pthread_mutex_lock(&f->lock);
		f->plen = 0;
		pthread_mutex_unlock(&f->lock);
		fuse_reply_write(req, end_of(ww, ww->done) - ww->pend_before);
	} else {
		fuse_reply_err(req, err);
	}
	wr_free(ww);
}

static int wr_attempt(struct fs_waiter *w, enum fs_why why)
{
	(void)why;
	return put_some((struct wr_waiter *)w, false);
}

static void wr_finish(struct fs_waiter *w)
{
	struct wr_waiter *ww = (struct wr_waiter *)w;

	wr_reply(ww, ww->err);
}

static void wr_cancel(struct fs_waiter *w)
{
	wr_reply((struct wr_waiter *)w, EINTR);
}

static const struct fs_waiter_ops wr_ops = {
    .attempt = wr_attempt,
    .finish = wr_finish,
    .cancel = wr_cancel,
};

static void put_or_park(fuse_req_t req, struct wr_waiter *ww, bool nonblock)
{
	struct fs_file *f = ww->f;

	ww->w.ops = &wr_ops;
	ww->w.req = req;
	if (put_some(ww, nonblock) == 0) {
		wr_reply(ww, ww->err);
		return;
	}
	fs_park(&ww->w, event_of(f, ZIPC_WRITABLE), f->h, f->kind->recheck_ns, true);
}

/* Split the joined buffer into records. Returns 0 or a negative errno. */
static int split(struct fs_file *f, struct wr_waiter *ww, const char *joined, size_t len)
{
	size_t used = 0, n;
	long r;

	if (f->text) {
		n = len / 2 + 1; /* a line is at least a digit and a newline */
		ww->recs = malloc(n * f->esz);
		if (!ww->recs)
			return -ENOMEM;
		r = fs_text_parse_lines(f->type, joined, len, ww->recs, n, &used, NULL);
		if (r < 0)
			return (int)r;
		ww->n = (size_t)r;
	} else {
		n = len / f->esz;
		used = n * f->esz;
		ww->recs = malloc(used ? used : 1);
		if (!ww->recs)
			return -ENOMEM;
		memcpy(ww->recs, joined, used);
		ww->n = n;
	}
	ww->rest_len = len - used;
	ww->rest = malloc(ww->rest_len ? ww->rest_len : 1);
	if (!ww->rest)
		return -ENOMEM;
	memcpy(ww->rest, joined + used, ww->rest_len);
	return 0;
}

static void records_write(fuse_req_t req, struct fs_file *f, const char *buf, size_t size,
			  off_t off, struct fuse_file_info *fi)
{
	struct wr_waiter *ww = calloc(1, sizeof(*ww));
	char *joined = NULL;
	int r = -ENOMEM;

	(void)off;
	if (!f->kind->put) {
		free(ww);
		fuse_reply_err(req, EBADF);
		return;
	}
	if (!ww)
		goto fail;
	pthread_mutex_lock(&f->lock);
	/* the joined bytes are kept only for a text file's short-write count */
	if (f->plen || f->text) {
		joined = malloc(f->plen + size + 1);
		if (joined) {
			if (f->plen)
				memcpy(joined, f->pend, f->plen);
			memcpy(joined + f->plen, buf, size);
		}
	}
	if (joined || (!f->plen && !f->text)) {
		ww->pend_before = f->plen;
		r = split(f, ww, joined ? joined : buf, f->plen + size);
	}
	pthread_mutex_unlock(&f->lock);
	if (f->text)
		ww->joined = joined;
	else
		free(joined);
	if (r < 0)
		goto fail;
	ww->f = f;
	ww->size = size;
	put_or_park(req, ww, fi->flags & O_NONBLOCK);
	return;
fail:
	if (ww)
		wr_free(ww);
	fuse_reply_err(req, -r);
}

static void records_flush(fuse_req_t req, struct fs_file *f)
{
	struct wr_waiter *ww;
	int r = 0;

	pthread_mutex_lock(&f->lock);
	if (f->plen == 0 || !f->kind->put) {
		pthread_mutex_unlock(&f->lock);
		fuse_reply_err(req, 0);
		return;
	}
	ww = calloc(1, sizeof(*ww));
	if (ww)
		ww->recs = calloc(1, f->esz);
	if (!ww || !ww->recs) {
		r = -ENOMEM;
	} else if (f->text) {
		r = fs_text_parse(f->type, f->pend, f->plen, ww->recs);
	} else {
		memcpy(ww->recs, f->pend, f->plen); /* a short record, padded with NULs */
	}
	if (r < 0) {
		f->plen = 0; /* a malformed tail is reported once, then dropped */
		pthread_mutex_unlock(&f->lock);
		if (ww)
			wr_free(ww);
		fuse_reply_err(req, -r);
		return;
	}
	pthread_mutex_unlock(&f->lock);
	ww->f = f;
	ww->n = 1;
	ww->flush = true;
	put_or_park(req, ww, f->flags & O_NONBLOCK);
}

/* ---- open, poll, release ---- */

static int records_open(struct fs_file *f, struct fuse_file_info *fi)
{
	/* direct_io: the kernel would answer EOF itself for a file of size 0.
	 * Not nonseekable: head(1) seeks by 0 after its last line and reports
	 * an error on a regular file that cannot; offsets are ignored anyway. */
	fi->direct_io = 1;
	return f->kind->file_open ? f->kind->file_open(f) : 0;
}

static unsigned records_ready(struct fs_file *f)
{
	unsigned ev = f->kind->ready(f);

	pthread_mutex_lock(&f->lock);
	if (f->roff < f->rlen || (f->kind->drain && f->got_first))
		ev |= POLLIN;
	pthread_mutex_unlock(&f->lock);
	return ev;
}

static void records_poll(fuse_req_t req, struct fs_file *f, struct fuse_file_info *fi,
			 struct fuse_pollhandle *ph)
{
	fs_poll_reply(req, f, fi, ph, records_ready, event_of(f, ZIPC_READABLE),
		      event_of(f, ZIPC_WRITABLE), f->h, f->kind->recheck_ns);
}

static void records_release(struct fs_file *f)
{
	fs_poll_drop(f);
	if (f->plen && f->kind->put) {
		unsigned char *rec = calloc(1, f->esz);
		int r = rec ? 0 : -ENOMEM;

		if (r == 0 && f->text)
			r = fs_text_parse(f->type, f->pend, f->plen, rec);
		else if (r == 0)
			memcpy(rec, f->pend, f->plen);
		if (r == 0 && f->kind->put(f, rec, 1) != 1)
			r = -EAGAIN;
		if (r < 0)
			fs_log("zeroipcfs: %s/%s: a partial element left at close was dropped",
			       f->node->seg->name, f->node->name);
		free(rec);
	}
	if (f->kind->file_release)
		f->kind->file_release(f);
}

const struct fs_engine fs_engine_records = {
    .open = records_open,
    .read = records_read,
    .write = records_write,
    .flush = records_flush,
    .poll = records_poll,
    .release = records_release,
};
