/*
 * Open files: a struct fs_file per open(), found again through fi->fh. A
 * structure file dispatches to its engine (the view picks it: SEG/.text/NAME
 * is the array's text engine, SEG/.raw/NAME the same engine in binary);
 * control files take command lines and read as help.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "fs_i.h"
#include "ops_i.h"
#include "text_i.h"

static struct fs_file *file_of(struct fuse_file_info *fi)
{
	return (struct fs_file *)(uintptr_t)fi->fh;
}

static const struct fs_engine *engine_of(const struct fs_file *f)
{
	if (f->node->view == FS_VIEW_TEXT)
		return &fs_engine_array_text;
	return f->kind->engine;
}

static void file_free(struct fs_file *f)
{
	pthread_mutex_destroy(&f->lock);
	free(f->rbuf);
	free(f->pend);
	free(f->vals);
	fs_node_put(f->node);
	free(f);
}

void fs_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_node *n = fs_node_get(ino);
	struct fs_file *f;
	int r = 0;

	if (!n) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	if (n->type != FS_STRUCT && n->type != FS_ROOT_CTL && n->type != FS_SEG_CTL) {
		fs_node_put(n);
		fuse_reply_err(req, EISDIR);
		return;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		fs_node_put(n);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_init(&f->lock, NULL);
	f->node = n; /* the reference taken above now belongs to f */
	f->flags = fi->flags;
	if (n->type != FS_STRUCT) {
		fi->direct_io = 1;
		goto done;
	}
	if (n->seg && !n->seg->seg) {
		r = -EIO;
		goto fail;
	}
	r = fs_node_check(n);
	if (r == 0)
		r = fs_node_handle(n, &f->h);
	if (r < 0)
		goto fail;
	f->kind = n->kind;
	f->type = n->kind->type(f->h);
	f->esz = f->type.size ? f->type.size : 1;
	f->text = n->view == FS_VIEW_MAIN && fs_text_type(f->type);
	/* O_TRUNC (`echo 42 > q`) is ignored: a structure is not truncated */
	r = engine_of(f)->open(f, fi);
	if (r < 0)
		goto fail;
done:
	fi->fh = (uintptr_t)f;
	if (fuse_reply_open(req, fi) != 0) {
		/* the opener is gone (interrupted): the kernel will not release it */
		if (f->kind)
			engine_of(f)->release(f);
		file_free(f);
	}
	return;
fail:
	file_free(f);
	fuse_reply_err(req, r == -EBADMSG ? EIO : -r);
}

void fs_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct fs_file *f = file_of(fi);
	const char *help;
	size_t len;

	(void)ino;
	if (f->kind) {
		engine_of(f)->read(req, f, size, off, fi);
		return;
	}
	help = fs_ctl_help(f->node->type);
	len = strlen(help);
	if (off < 0 || (size_t)off >= len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, help + off,
			       len - (size_t)off < size ? len - (size_t)off : size);
}

void fs_op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		 struct fuse_file_info *fi)
{
	struct fs_file *f = file_of(fi);

	(void)ino;
	if (f->kind)
		engine_of(f)->write(req, f, buf, size, off, fi);
	else
		fs_ctl_write(req, f->node, f, buf, size);
}

void fs_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_file *f = file_of(fi);

	(void)ino;
	if (f->kind)
		engine_of(f)->flush(req, f);
	else
		fs_ctl_flush(req, f->node, f);
}

void fs_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_file *f = file_of(fi);

	(void)ino;
	if (f->kind)
		engine_of(f)->release(f);
	file_free(f);
	fuse_reply_err(req, 0);
}

void fs_op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	(void)ino, (void)datasync, (void)fi;
	/* every write is in the segment when it is answered */
	fuse_reply_err(req, 0);
}

void fs_op_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		struct fuse_pollhandle *ph)
{
	struct fs_file *f = file_of(fi);

	(void)ino;
	if (f->kind) {
		engine_of(f)->poll(req, f, fi, ph);
		return;
	}
	if (ph)
		fuse_pollhandle_destroy(ph);
	fuse_reply_poll(req, POLLIN | POLLOUT);
}
