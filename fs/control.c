/*
 * Control files: creating segments and structures with plain writes.
 *
 *   echo 'segment NAME [SIZE [ENTRIES]]' > MOUNT/.new
 *   echo 'KIND NAME TYPE ARGS...'        > MOUNT/SEG/.new
 *
 * One command per line; a write runs its complete lines in order and fails
 * with the first error (EEXIST for a name in use, EINVAL for a bad line);
 * the lines before it have taken effect. Reading a control file shows this
 * help. A segment made here (or by mkdir) belongs to the caller.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs_i.h"
#include "kind_i.h"

static const char root_help[] =
    "# Write one line per segment to create:\n"
    "#   segment NAME [SIZE [ENTRIES]]     SIZE in bytes, K/M/G suffixes allowed\n"
    "# mkdir MOUNT/NAME does the same with the mount's default size.\n";

static const char seg_help[] = "# Write one line per structure to create:\n"
			       "#   array   NAME TYPE CAPACITY\n"
			       "#   queue   NAME TYPE CAPACITY\n"
			       "#   stack   NAME TYPE CAPACITY\n"
			       "#   future  NAME TYPE [COUNT]\n"
			       "#   lazy    NAME TYPE [COUNT]\n"
			       "#   stream  NAME TYPE CAPACITY [block|overwrite [SUBSCRIBERS]]\n"
			       "#   channel NAME TYPE CAPACITY          (0: unbuffered)\n"
			       "# TYPE: i8 i16 i32 i64 u8 u16 u32 u64 f32 f64 bytes:N\n";

const char *fs_ctl_help(enum fs_ntype type)
{
	return type == FS_ROOT_CTL ? root_help : seg_help;
}

int fs_seg_create(fuse_req_t req, const char *name, uint64_t size, uint32_t entries, mode_t mode)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct zipc_segment *seg;
	int r;

	if (strncmp(name, fs_mnt.prefix, fs_mnt.prefix_len) != 0)
		return -EPERM; /* it would not be shown */
	if (name[0] == '.')
		return -EINVAL;
	r = zipc_segment_create(name, size, entries, mode & 0666 & ~ctx->umask, &seg);
	if (r < 0)
		return r;
	if (ctx->uid != 0 || ctx->gid != 0)
		if (fchown(zipc_segment_fd(seg), ctx->uid, ctx->gid) < 0)
			fs_log("zeroipcfs: chown of new segment %s failed", name);
	zipc_segment_close(seg);
	return 0;
}

static int root_line(fuse_req_t req, char *line)
{
	char *words[5], *save = NULL, *w;
	uint64_t size = fs_mnt.seg_size;
	uint32_t entries = 0;
	int n = 0;

	for (w = strtok_r(line, " \t\r", &save); w && n < 5; w = strtok_r(NULL, " \t\r", &save))
		words[n++] = w;
	if (n == 0 || words[0][0] == '#')
		return 0;
	if (n < 2 || n > 4 || strcmp(words[0], "segment") != 0)
		return -EINVAL;
	if (n >= 3 && fs_parse_u64(words[2], &size) < 0)
		return -EINVAL;
	if (n == 4 && fs_parse_u32(words[3], 1, 1u << 20, &entries) < 0)
		return -EINVAL;
	return fs_seg_create(req, words[1], size, entries, 0666);
}

static int run_line(fuse_req_t req, struct fs_node *n, char *line)
{
	if (n->type == FS_ROOT_CTL)
		return root_line(req, line);
	if (!n->seg->seg)
		return -EIO;
	return fs_kind_create_line(n->seg->seg, line);
}

void fs_ctl_write(fuse_req_t req, struct fs_node *n, struct fs_file *f, const char *buf,
		  size_t size)
{
	char *joined, *line, *nl;
	int r = 0;

	pthread_mutex_lock(&f->lock);
	joined = malloc(f->plen + size + 1);
	if (!joined) {
		pthread_mutex_unlock(&f->lock);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (f->plen)
		memcpy(joined, f->pend, f->plen);
	memcpy(joined + f->plen, buf, size);
	joined[f->plen + size] = '\0';
	f->plen = 0;
	for (line = joined; r == 0 && (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = '\0';
		r = run_line(req, n, line);
	}
	if (r == 0)
		r = fs_pend_append(f, line, strlen(line));
	pthread_mutex_unlock(&f->lock);
	free(joined);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_write(req, size);
}

void fs_ctl_flush(fuse_req_t req, struct fs_node *n, struct fs_file *f)
{
	int r = 0;

	pthread_mutex_lock(&f->lock);
	if (f->plen) {
		char *line = malloc(f->plen + 1);

		if (line) {
			memcpy(line, f->pend, f->plen);
			line[f->plen] = '\0';
			r = run_line(req, n, line);
			free(line);
		} else {
			r = -ENOMEM;
		}
		f->plen = 0;
	}
	pthread_mutex_unlock(&f->lock);
	fuse_reply_err(req, -r);
}
