/*
 * The value engine: files that hold one value (future, lazy).
 *
 * read waits until the value exists (a lazy first asks its providers), then
 * returns it (text: one element per line) and EOF after it; a failed value
 * reads as EIO, its message in user.zeroipc.error. write collects elements
 * until the value is complete and sets it once; a later set fails with the
 * kind's error (EALREADY). A trailing partial line is taken at flush.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "park_i.h"
#include "text_i.h"

struct val_reply {
	char *data;
	size_t len;
	int err;
};

/* Format the value into the file's buffer. f->lock held. */
static int load_value(struct fs_file *f, const unsigned char *val, size_t size)
{
	size_t count = size / f->esz, n = 0;
	int r;

	if (!f->text) {
		r = fs_buf_reserve(&f->rbuf, &f->rcap, size);
		if (r < 0)
			return r;
		memcpy(f->rbuf, val, size);
		f->rlen = size;
		return 0;
	}
	r = fs_buf_reserve(&f->rbuf, &f->rcap, count * FS_TEXT_MAX);
	if (r < 0)
		return r;
	for (size_t i = 0; i < count; i++)
		n += fs_text_format(f->type, val + i * f->esz, f->rbuf + n);
	f->rlen = n;
	return 0;
}

static int read_try(struct fs_file *f, size_t size, bool nonblock, bool ask, struct val_reply *out)
{
	size_t vsize = f->kind->value_size(f->h);
	unsigned char *val;
	int r, ret = 0;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&f->lock);
	if (!f->got_first) {
		val = malloc(vsize ? vsize : 1);
		r = val ? f->kind->get(f->h, val) : -ENOMEM;
		if (r == 0)
			r = load_value(f, val, vsize);
		free(val);
		if (r == -EAGAIN) {
			if (ask && f->kind->demand)
				f->kind->demand(f->h);
			if (nonblock)
				out->err = EAGAIN;
			else
				ret = -EAGAIN;
			goto out;
		}
		if (r < 0) {
			out->err = -r;
			goto out;
		}
		f->got_first = true;
		f->roff = 0;
	}
	if (f->roff > f->rlen)
		f->roff = f->rlen;
	out->len = f->rlen - f->roff < size ? f->rlen - f->roff : size;
	out->data = malloc(out->len ? out->len : 1);
	if (!out->data) {
		out->err = ENOMEM;
		goto out;
	}
	memcpy(out->data, f->rbuf + f->roff, out->len);
	f->roff += out->len;
out:
	pthread_mutex_unlock(&f->lock);
	return ret;
}

static void reply(fuse_req_t req, struct val_reply *out)
{
	if (out->err)
		fuse_reply_err(req, out->err);
	else
		fuse_reply_buf(req, out->data, out->len);
	free(out->data);
}

struct val_waiter {
	struct fs_waiter w;
	struct fs_file *f;
	size_t size;
	struct val_reply out;
};

static int val_attempt(struct fs_waiter *w, enum fs_why why)
{
	struct val_waiter *vw = (struct val_waiter *)w;

	/* on the timer, ask providers again: that also frees a lazy whose
	 * computer died (zipc_lazy_demand) */
	return read_try(vw->f, vw->size, false, why == FS_WHY_TIMER, &vw->out);
}

static void val_finish(struct fs_waiter *w)
{
	struct val_waiter *vw = (struct val_waiter *)w;

	reply(w->req, &vw->out);
	free(vw);
}

static void val_cancel(struct fs_waiter *w)
{
	fuse_reply_err(w->req, EINTR);
	free(w);
}

static const struct fs_waiter_ops val_ops = {
    .attempt = val_attempt,
    .finish = val_finish,
    .cancel = val_cancel,
};

static void value_read(fuse_req_t req, struct fs_file *f, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct val_waiter *vw;
	struct val_reply out;

	(void)off;
	if (read_try(f, size, fi->flags & O_NONBLOCK, true, &out) == 0) {
		reply(req, &out);
		return;
	}
	vw = calloc(1, sizeof(*vw));
	if (!vw) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	vw->w.ops = &val_ops;
	vw->w.req = req;
	vw->f = f;
	vw->size = size;
	fs_park(&vw->w, f->kind->value_event(f->h), f->h, f->kind->recheck_ns, false);
}

/* Add elements to the collected value; set it when complete. f->lock held. */
static int collect(struct fs_file *f, const unsigned char *elems, size_t bytes)
{
	size_t vsize = f->kind->value_size(f->h);
	unsigned char *p;
	int r;

	if (f->vlen + bytes > vsize)
		return -EINVAL;
	p = realloc(f->vals, vsize ? vsize : 1);
	if (!p)
		return -ENOMEM;
	f->vals = p;
	memcpy(f->vals + f->vlen, elems, bytes);
	f->vlen += bytes;
	if (f->vlen < vsize)
		return 0;
	r = f->kind->set(f->h, f->vals);
	f->vlen = 0;
	return r;
}

static void value_write(fuse_req_t req, struct fs_file *f, const char *buf, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	unsigned char *elems = NULL;
	char *joined;
	size_t len, used = 0, n;
	long count;
	int r = -ENOMEM;

	(void)off;
	(void)fi;
	pthread_mutex_lock(&f->lock);
	len = f->plen + size;
	joined = malloc(len + 1);
	if (!joined)
		goto out;
	if (f->plen)
		memcpy(joined, f->pend, f->plen);
	memcpy(joined + f->plen, buf, size);
	if (f->text) {
		n = fs_text_count_lines(joined, len);
		elems = malloc(n ? n * f->esz : 1);
		if (!elems)
			goto out;
		count = fs_text_parse_lines(f->type, joined, len, elems, n, &used, NULL);
		if (count < 0) {
			r = (int)count;
			goto out;
		}
		r = count ? collect(f, elems, (size_t)count * f->esz) : 0;
	} else {
		used = len;
		r = collect(f, (unsigned char *)joined, len);
	}
	if (r == 0) {
		f->plen = 0;
		fs_pend_append(f, joined + used, len - used);
	}
out:
	pthread_mutex_unlock(&f->lock);
	free(joined);
	free(elems);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_write(req, size);
}

static void value_flush(fuse_req_t req, struct fs_file *f)
{
	unsigned char *elem;
	int r = 0;

	pthread_mutex_lock(&f->lock);
	if (f->text && f->plen) {
		elem = malloc(f->esz);
		r = elem ? fs_text_parse(f->type, f->pend, f->plen, elem) : -ENOMEM;
		if (r == 0)
			r = collect(f, elem, f->esz);
		free(elem);
		f->plen = 0;
	}
	if (r == 0 && f->vlen) {
		r = -EINVAL; /* fewer elements than the value has */
		f->vlen = 0;
	}
	pthread_mutex_unlock(&f->lock);
	fuse_reply_err(req, -r);
}

static int value_open(struct fs_file *f, struct fuse_file_info *fi)
{
	(void)f;
	/* direct_io: the kernel would answer EOF itself for a file of size 0.
	 * Not nonseekable: head(1) seeks by 0 after its last line and reports
	 * an error on a regular file that cannot; offsets are ignored anyway. */
	fi->direct_io = 1;
	return 0;
}

static unsigned value_ready(struct fs_file *f)
{
	size_t vsize = f->kind->value_size(f->h);
	unsigned char *val = malloc(vsize ? vsize : 1);
	unsigned ev = POLLOUT;

	if (val && (f->got_first || f->kind->get(f->h, val) != -EAGAIN))
		ev |= POLLIN;
	free(val);
	return ev;
}

static void value_poll(fuse_req_t req, struct fs_file *f, struct fuse_file_info *fi,
		       struct fuse_pollhandle *ph)
{
	struct zipc_event *ev = f->kind->value_event(f->h);

	fs_poll_reply(req, f, fi, ph, value_ready, ev, ev, f->h, f->kind->recheck_ns);
}

static void value_release(struct fs_file *f)
{
	fs_poll_drop(f);
}

const struct fs_engine fs_engine_value = {
    .open = value_open,
    .read = value_read,
    .write = value_write,
    .flush = value_flush,
    .poll = value_poll,
    .release = value_release,
};
