/*
 * The array engines. SEG/NAME is the elements themselves (st_size = capacity
 * x element size): seekable, pread/pwrite anywhere, mmap(MAP_SHARED) through
 * the page cache, kept coherent with the segment by sync.c. SEG/.text/NAME
 * is a read-only text listing, one element per line, taken at open.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "fs_i.h"
#include "text_i.h"

static size_t array_len(struct fs_file *f)
{
	return (size_t)zipc_array_capacity(f->h) * f->esz;
}

static int array_open(struct fs_file *f, struct fuse_file_info *fi)
{
	bool first;
	int r = fs_sync_attach(f->node, zipc_array_data(f->h), array_len(f), &first);

	if (r < 0)
		return r;
	/* the first open drops whatever the kernel cached while nobody watched */
	fi->keep_cache = !first;
	return 0;
}

static void array_read(fuse_req_t req, struct fs_file *f, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	size_t len = array_len(f), n;
	char *buf;

	(void)fi;
	if (off < 0 || (size_t)off >= len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	n = len - (size_t)off < size ? len - (size_t)off : size;
	buf = malloc(n);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fs_sync_read(f->node, buf, (size_t)off, n);
	fuse_reply_buf(req, buf, n);
	free(buf);
}

static void array_write(fuse_req_t req, struct fs_file *f, const char *buf, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	size_t len = array_len(f), n;

	if (off < 0 || (size_t)off >= len) {
		fuse_reply_err(req, size ? EFBIG : 0);
		return;
	}
	n = len - (size_t)off < size ? len - (size_t)off : size;
	fs_sync_write(f->node, buf, (size_t)off, n, fi->writepage);
	fuse_reply_write(req, n);
}

static void array_flush(fuse_req_t req, struct fs_file *f)
{
	(void)f;
	fuse_reply_err(req, 0);
}

static unsigned always_ready(struct fs_file *f)
{
	(void)f;
	return POLLIN | POLLOUT;
}

static void array_poll(fuse_req_t req, struct fs_file *f, struct fuse_file_info *fi,
		       struct fuse_pollhandle *ph)
{
	fs_poll_reply(req, f, fi, ph, always_ready, NULL, NULL, f->h, 0);
}

static void array_release(struct fs_file *f)
{
	fs_poll_drop(f);
	fs_sync_detach(f->node);
}

static int array_setsize(struct fs_file *f, off_t size)
{
	/* the size is the capacity: truncation to 0 (O_TRUNC, `>`) changes nothing */
	return size == 0 || (size_t)size == array_len(f) ? 0 : -EINVAL;
}

const struct fs_engine fs_engine_array = {
    .open = array_open,
    .read = array_read,
    .write = array_write,
    .flush = array_flush,
    .poll = array_poll,
    .release = array_release,
    .setsize = array_setsize,
};

static int text_open(struct fs_file *f, struct fuse_file_info *fi)
{
	uint64_t cap = zipc_array_capacity(f->h);
	const unsigned char *data = zipc_array_data(f->h);
	size_t n = 0;
	int r;

	fi->direct_io = 1;
	if (!fs_text_type(f->type))
		return -EINVAL;
	r = fs_buf_reserve(&f->rbuf, &f->rcap, cap * FS_TEXT_MAX + 1);
	if (r < 0)
		return r;
	for (uint64_t i = 0; i < cap; i++)
		n += fs_text_format(f->type, data + i * f->esz, f->rbuf + n);
	f->rlen = n;
	return 0;
}

static void text_read(fuse_req_t req, struct fs_file *f, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	(void)fi;
	if (off < 0 || (size_t)off >= f->rlen) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	fuse_reply_buf(req, f->rbuf + off,
		       f->rlen - (size_t)off < size ? f->rlen - (size_t)off : size);
}

static void text_write(fuse_req_t req, struct fs_file *f, const char *buf, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	(void)f, (void)buf, (void)size, (void)off, (void)fi;
	fuse_reply_err(req, EBADF);
}

static void text_release(struct fs_file *f)
{
	fs_poll_drop(f);
}

const struct fs_engine fs_engine_array_text = {
    .open = text_open,
    .read = text_read,
    .write = text_write,
    .flush = array_flush,
    .poll = array_poll,
    .release = text_release,
};
