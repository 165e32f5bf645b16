/*
 * Untyped entries (made by another implementation, never tagged): shown as
 * read-only files of the entry's bytes until someone tags them with
 * `setfattr -n user.zeroipc.type -v KIND:TYPE` (xattr.c).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "fs_i.h"

struct bytes {
	const unsigned char *p;
	size_t len;
};

static int open_(struct zipc_segment *seg, const char *name, void **h)
{
	struct zipc_entry e;
	struct bytes *b;
	int r = zipc_entry_find(seg, name, &e);

	if (r < 0)
		return r;
	b = malloc(sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->p = (const unsigned char *)zipc_segment_base(seg) + e.offset;
	b->len = e.size;
	*h = b;
	return 0;
}

static void close_(void *h)
{
	free(h);
}

static struct zipc_type type(const void *h)
{
	(void)h;
	return (struct zipc_type){ZIPC_ELEM_NONE, 1};
}

static void info(void *h, struct fs_info *in)
{
	const struct bytes *b = h;

	in->capacity = b->len;
	in->count = b->len;
}

static int bytes_open(struct fs_file *f, struct fuse_file_info *fi)
{
	(void)f;
	fi->direct_io = 1;
	return 0;
}

static void bytes_read(fuse_req_t req, struct fs_file *f, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	const struct bytes *b = f->h;

	(void)fi;
	if (off < 0 || (size_t)off >= b->len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	fuse_reply_buf(req, (const char *)b->p + off,
		       b->len - (size_t)off < size ? b->len - (size_t)off : size);
}

static void bytes_write(fuse_req_t req, struct fs_file *f, const char *buf, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	(void)f, (void)buf, (void)size, (void)off, (void)fi;
	fuse_reply_err(req, EBADF);
}

static void bytes_flush(fuse_req_t req, struct fs_file *f)
{
	(void)f;
	fuse_reply_err(req, 0);
}

static unsigned always_ready(struct fs_file *f)
{
	(void)f;
	return POLLIN;
}

static void bytes_poll(fuse_req_t req, struct fs_file *f, struct fuse_file_info *fi,
		       struct fuse_pollhandle *ph)
{
	fs_poll_reply(req, f, fi, ph, always_ready, NULL, NULL, f->h, 0);
}

static void bytes_release(struct fs_file *f)
{
	fs_poll_drop(f);
}

const struct fs_engine fs_engine_bytes = {
    .open = bytes_open,
    .read = bytes_read,
    .write = bytes_write,
    .flush = bytes_flush,
    .poll = bytes_poll,
    .release = bytes_release,
};

const struct fs_kind fs_kind_untyped = {
    .kind = ZIPC_KIND_UNTYPED,
    .engine = &fs_engine_bytes,
    .open = open_,
    .close = close_,
    .type = type,
    .info = info,
};
