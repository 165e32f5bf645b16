/*
 * The low-level FUSE operations: find the node, then hand the request to
 * the tree (lookup, attributes, directories), the control files, the
 * xattrs, or the file's engine. Every handler replies or parks; none blocks.
 * Errors from libzeroipc go to the kernel unchanged, except -EBADMSG (a
 * corrupt segment or structure), which reads as EIO.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "fs_i.h"
#include "ops_i.h"

#define CACHE_S 1.0

static int fuse_err(int r)
{
	return r == -EBADMSG ? EIO : -r;
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* we invalidate array pages ourselves (sync.c); attribute changes must not */
	conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fs_node *p = fs_node_get(parent);
	struct fuse_entry_param e;
	int r;

	if (!p) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	r = fs_tree_lookup(p, name, &e);
	fs_node_put(p);
	if (r < 0)
		fuse_reply_err(req, fuse_err(r));
	else
		fuse_reply_entry(req, &e);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	fs_tree_forget(ino, nlookup);
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		fs_tree_forget(forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_node *n = fs_node_get(ino);
	struct stat st;
	int r;

	(void)fi;
	if (!n) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	r = fs_node_stat(n, &st);
	fs_node_put(n);
	if (r < 0)
		fuse_reply_err(req, fuse_err(r));
	else
		fuse_reply_attr(req, &st, CACHE_S);
}

/* chmod/chown of a segment directory change the shm object. */
static int seg_setattr(struct fs_node *n, struct stat *attr, int to_set)
{
	char path[sizeof("/dev/shm/") + ZIPC_SEGMENT_NAME_MAX];
	uid_t uid = (to_set & FUSE_SET_ATTR_UID) ? attr->st_uid : (uid_t)-1;
	gid_t gid = (to_set & FUSE_SET_ATTR_GID) ? attr->st_gid : (gid_t)-1;
	mode_t mode = attr->st_mode & 07666; /* no x bits on a shm object */
	bool chown_too = to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID);
	int fd;

	if (n->seg->seg) {
		/* the object we show, even if the name was reused meanwhile */
		fd = zipc_segment_fd(n->seg->seg);
		if ((to_set & FUSE_SET_ATTR_MODE) && fchmod(fd, mode) < 0)
			return -errno;
		if (chown_too && fchown(fd, uid, gid) < 0)
			return -errno;
		return 0;
	}
	/* a corrupt segment has no handle: by name */
	snprintf(path, sizeof(path), "/dev/shm/%s", n->seg->name);
	if ((to_set & FUSE_SET_ATTR_MODE) && chmod(path, mode) < 0)
		return -errno;
	if (chown_too && chown(path, uid, gid) < 0)
		return -errno;
	return 0;
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	struct fs_node *n = fs_node_get(ino);
	struct stat st;
	int r = 0;

	if (!n) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	if (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))
		r = n->type == FS_SEG ? seg_setattr(n, attr, to_set) : -EPERM;
	if (r == 0 && (to_set & FUSE_SET_ATTR_SIZE)) {
		struct fs_file *f = fi ? (struct fs_file *)(uintptr_t)fi->fh : NULL;

		if (n->type == FS_ROOT || n->type == FS_SEG || n->type == FS_VIEWDIR)
			r = -EISDIR;
		else if (f && n->type == FS_STRUCT && f->kind->engine->setsize)
			r = f->kind->engine->setsize(f, attr->st_size);
		else if (n->type == FS_STRUCT && n->kind->engine == &fs_engine_array &&
			 attr->st_size)
			r = -EINVAL;
		else
			/* structure files: truncation is accepted and does nothing, so
			 * `echo 42 > q` works without O_TRUNC support */
			r = attr->st_size == 0 || n->kind ? 0 : -EINVAL;
	}
	/* times: accepted and ignored (touch works); they come from the shm object */
	if (r == 0)
		r = fs_node_stat(n, &st);
	fs_node_put(n);
	if (r < 0)
		fuse_reply_err(req, fuse_err(r));
	else
		fuse_reply_attr(req, &st, CACHE_S);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct fs_node *p;
	struct fuse_entry_param e;
	int r;

	if (parent != FUSE_ROOT_ID) {
		fuse_reply_err(req, EPERM);
		return;
	}
	r = fs_seg_create(req, name, fs_mnt.seg_size, 0, mode);
	if (r == 0) {
		p = fs_node_get(parent);
		r = fs_tree_lookup(p, name, &e);
		fs_node_put(p);
	}
	if (r < 0)
		fuse_reply_err(req, fuse_err(r));
	else
		fuse_reply_entry(req, &e);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct zipc_segment_usage u;
	struct zipc_entry one;
	struct fs_seg *s;
	int r;

	if (parent != FUSE_ROOT_ID) {
		fuse_reply_err(req, EPERM);
		return;
	}
	r = fs_seg_get(name, &s);
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	/* a corrupt segment can be removed: nothing can be read from it anyway */
	if (s->seg && (r = zipc_segment_usage(s->seg, &u)) == 0 &&
	    zipc_entry_list(s->seg, &one, 1) > 0)
		r = -ENOTEMPTY;
	fs_seg_put(s);
	if (r == 0)
		r = zipc_segment_unlink(name);
	if (r == 0)
		fs_seg_forget(name);
	fuse_reply_err(req, fuse_err(r));
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fs_node *p = fs_node_get(parent);
	int r;

	if (!p) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	if (p->type != FS_SEG || !strcmp(name, ".new"))
		r = -EPERM;
	else if (!p->seg->seg)
		r = -EIO;
	else
		r = zipc_entry_remove(p->seg->seg, name);
	fs_node_put(p);
	fuse_reply_err(req, fuse_err(r));
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	(void)parent, (void)name, (void)mode, (void)fi;
	/* a structure needs a kind, a type and a size: see SEG/.new */
	fuse_reply_err(req, EPERM);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;

	(void)ino;
	if (statvfs("/dev/shm", &sv) < 0)
		memset(&sv, 0, sizeof(sv));
	sv.f_namemax = ZIPC_SEGMENT_NAME_MAX;
	fuse_reply_statfs(req, &sv);
}

const struct fuse_lowlevel_ops fs_ops = {
    .init = op_init,
    .lookup = op_lookup,
    .forget = op_forget,
    .forget_multi = op_forget_multi,
    .getattr = op_getattr,
    .setattr = op_setattr,
    .mkdir = op_mkdir,
    .rmdir = op_rmdir,
    .unlink = op_unlink,
    .create = op_create,
    .statfs = op_statfs,
    .open = fs_op_open,
    .read = fs_op_read,
    .write = fs_op_write,
    .flush = fs_op_flush,
    .release = fs_op_release,
    .fsync = fs_op_fsync,
    .poll = fs_op_poll,
    .opendir = fs_op_opendir,
    .readdir = fs_op_readdir,
    .releasedir = fs_op_releasedir,
    .getxattr = fs_op_getxattr,
    .listxattr = fs_op_listxattr,
    .setxattr = fs_op_setxattr,
    .removexattr = fs_op_removexattr,
};
