/*
 * Directory listings and the xattr entry points. A listing is taken whole at
 * opendir (the segments in /dev/shm, or a segment's live entries) and served
 * by offset, so a listing never shows half of a change. The control file
 * and the .raw/.text views are not listed (like /proc's magic names): they
 * are found by name, and `rm -rf SEG` does not trip over them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_i.h"
#include "ops_i.h"

struct dirent_s {
	char name[ZIPC_SEGMENT_NAME_MAX + 1];
	mode_t mode;
};

struct dirlist {
	struct dirent_s *ents;
	size_t n, cap;
};

static int add(struct dirlist *d, const char *name, mode_t mode)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 32;
		struct dirent_s *p = realloc(d->ents, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		d->ents = p;
		d->cap = cap;
	}
	snprintf(d->ents[d->n].name, sizeof(d->ents[d->n].name), "%s", name);
	d->ents[d->n].mode = mode;
	d->n++;
	return 0;
}

static int add_segment(const char *name, void *ctx)
{
	if (strncmp(name, fs_mnt.prefix, fs_mnt.prefix_len) != 0)
		return 0;
	return add(ctx, name, S_IFDIR);
}

static int list_entries(struct fs_node *n, struct dirlist *d)
{
	struct zipc_entry *es = NULL;
	long count = 64, got;
	int r = 0;

	for (;;) {
		struct zipc_entry *p = realloc(es, (size_t)count * sizeof(*es));

		if (!p) {
			free(es);
			return -ENOMEM;
		}
		es = p;
		got = zipc_entry_list(n->seg->seg, es, (size_t)count);
		if (got < 0) {
			free(es);
			return got == -EBADMSG ? -EIO : (int)got;
		}
		if (got <= count)
			break;
		count = got;
	}
	for (long i = 0; i < got && r == 0; i++) {
		const struct fs_kind *k = es[i].tagged ? fs_kind_get(es[i].kind) : NULL;

		if (!k)
			k = &fs_kind_untyped;
		if (n->view == FS_VIEW_RAW && !k->has_raw)
			continue;
		if (n->view == FS_VIEW_TEXT && !k->has_text)
			continue;
		r = add(d, es[i].name, S_IFREG);
	}
	free(es);
	return r;
}

void fs_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_node *n = fs_node_get(ino);
	struct dirlist *d = calloc(1, sizeof(*d));
	int r = -ENOMEM;

	if (!n) {
		free(d);
		fuse_reply_err(req, ESTALE);
		return;
	}
	if (!d)
		goto out;
	r = add(d, ".", S_IFDIR);
	if (r == 0)
		r = add(d, "..", S_IFDIR);
	if (r < 0)
		goto out;
	if (n->type == FS_ROOT) {
		r = zipc_segment_list(add_segment, d);
	} else if (n->type == FS_SEG || n->type == FS_VIEWDIR) {
		if (!n->seg->seg) {
			fs_log("zeroipcfs: segment %s is unreadable: %s", n->seg->name,
			       zipc_strerror(n->seg->err));
			r = -EIO;
		} else {
			r = list_entries(n, d);
		}
	} else {
		r = -ENOTDIR;
	}
out:
	fs_node_put(n);
	if (r < 0) {
		if (d)
			free(d->ents);
		free(d);
		fuse_reply_err(req, -r);
		return;
	}
	fi->fh = (uintptr_t)d;
	if (fuse_reply_open(req, fi) != 0) {
		free(d->ents);
		free(d);
	}
}

static uint64_t pseudo_ino(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 0x100000001b3ull;
	return h | (1ull << 63);
}

void fs_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	struct dirlist *d = (struct dirlist *)(uintptr_t)fi->fh;
	char *buf = malloc(size);
	size_t used = 0;

	(void)ino;
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (size_t i = off < 0 ? 0 : (size_t)off; i < d->n; i++) {
		struct stat st = {.st_ino = pseudo_ino(d->ents[i].name),
				  .st_mode = d->ents[i].mode};
		size_t need = fuse_add_direntry(req, buf + used, size - used, d->ents[i].name, &st,
						(off_t)(i + 1));

		if (need > size - used)
			break;
		used += need;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

void fs_op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct dirlist *d = (struct dirlist *)(uintptr_t)fi->fh;

	(void)ino;
	free(d->ents);
	free(d);
	fuse_reply_err(req, 0);
}

void fs_op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct fs_node *n = fs_node_get(ino);

	if (!n) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	fs_xattr_get(req, n, name, size);
	fs_node_put(n);
}

void fs_op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct fs_node *n = fs_node_get(ino);

	if (!n) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	fs_xattr_list(req, n, size);
	fs_node_put(n);
}

void fs_op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
		    size_t size, int flags)
{
	struct fs_node *n = fs_node_get(ino);

	(void)flags;
	if (!n) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	fs_xattr_set(req, n, name, value, size);
	fs_node_put(n);
}

void fs_op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	(void)ino;
	fuse_reply_err(req, strncmp(name, "user.zeroipc.", 13) ? ENODATA : EPERM);
}
