/*
 * zeroipcfs internals: the mount, the tree of nodes, open files, and the
 * table of per-kind handlers that every file operation dispatches through.
 *
 * Layering: fuse ops (ops.c) find the node (tree.c), then call the node's
 * engine (how a file of that family behaves: records.c for queue, stack,
 * stream and channel; value.c for future and lazy; array.c; bytes.c for
 * untyped entries), which calls the kind's primitives (kind_*.c: thin
 * wrappers over libzeroipc). A new kind is one kind_*.c file and one line in
 * kinds.c. Waiting is park.c's business: no handler ever blocks.
 *
 * Locks, in the order they may be taken: fs_tree_lock -> park lock ->
 * fs_file.lock -> array sync lock. libfuse's req->lock comes before the park
 * lock (interrupt callbacks take it). Waiters are re-tried without the park
 * lock (park.c), under their file's lock.
 */
#ifndef ZEROIPC_FS_I_H
#define ZEROIPC_FS_I_H

#define FUSE_USE_VERSION 312

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include <zeroipc/zeroipc.h>

#include "zeroipcfs.h"

/* The one mount of this process. Read-only after fs_mount_new(). */
struct fs_mount {
	struct fuse_session *se;
	uint64_t seg_size;
	char prefix[ZIPC_SEGMENT_NAME_MAX + 1];
	size_t prefix_len;
	bool foreground;
};
extern struct fs_mount fs_mnt;

/* Logging: stderr in the foreground, syslog once daemonized. */
void fs_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- tree (tree.c) ---- */

enum fs_ntype {
	FS_ROOT,     /* the mount point: one directory per segment */
	FS_ROOT_CTL, /* /.new: "segment NAME [SIZE [ENTRIES]]" */
	FS_SEG,	     /* a segment directory */
	FS_SEG_CTL,  /* SEG/.new: "KIND NAME TYPE [ARGS]" */
	FS_VIEWDIR,  /* SEG/.raw or SEG/.text */
	FS_STRUCT,   /* a structure, in one of its views */
};

enum fs_view {
	FS_VIEW_MAIN = 0,
	FS_VIEW_RAW = 1,  /* binary records */
	FS_VIEW_TEXT = 2, /* an array as text */
};

/* An open segment, shared by the nodes under it. Fields are read-only after
 * creation except refs (fs_tree_lock). */
struct fs_seg {
	char name[ZIPC_SEGMENT_NAME_MAX + 1];
	struct zipc_segment *seg; /* NULL when the segment could not be opened */
	int err;		  /* why not (negative errno) */
	dev_t dev;		  /* identity of the shm object */
	ino_t ino;
	unsigned refs;
	struct fs_seg *next;
};

struct fs_kind;
struct fs_sync;

struct fs_node {
	fuse_ino_t ino;	    /* read-only */
	enum fs_ntype type; /* read-only */
	enum fs_view view;  /* read-only */
	struct fs_seg *seg; /* read-only; NULL for the root */
	char name[ZIPC_NAME_MAX + 1];
	struct zipc_entry entry;    /* FS_STRUCT: what lookup found (offset = identity) */
	const struct fs_kind *kind; /* FS_STRUCT */
	void *h;	      /* the structure's handle: set once (fs_tree_lock), then read-only */
	struct fs_sync *sync; /* arrays: change detection state (array.c) */
	uint64_t nlookup;     /* fs_tree_lock */
	unsigned refs;	      /* open files and other holders; fs_tree_lock */
	struct fs_node *next; /* inode hash chain; fs_tree_lock */
	struct fs_node *next_name; /* name hash chain; fs_tree_lock */
};

extern pthread_mutex_t fs_tree_lock;

int fs_tree_init(void);
void fs_tree_fini(void);
/* Find a node by inode number and take a reference (fs_node_put). NULL if unknown. */
struct fs_node *fs_node_get(fuse_ino_t ino);
void fs_node_put(struct fs_node *n);
/*
 * Look NAME up under parent: fill *e (attributes, timeouts) and count one
 * lookup on the node. Returns 0 or a negative errno.
 */
int fs_tree_lookup(struct fs_node *parent, const char *name, struct fuse_entry_param *e);
void fs_tree_forget(fuse_ino_t ino, uint64_t n);
/* Attributes of a node. Returns 0 or a negative errno. */
int fs_node_stat(struct fs_node *n, struct stat *st);
/* The structure's handle, opened on first use. Returns 0 or a negative errno. */
int fs_node_handle(struct fs_node *n, void **h);
/* Check that the node still names the live structure (not removed or replaced). */
int fs_node_check(struct fs_node *n);
/* Drop cached segment handles whose shm object is gone (after unlink/rmdir). */
void fs_seg_forget(const char *name);
/* Open (or reuse) the segment NAME, validated against /dev/shm. */
int fs_seg_get(const char *name, struct fs_seg **out);
void fs_seg_put(struct fs_seg *s);

/* ---- kinds (kinds.c and kind_*.c) ---- */

struct fs_file;

/* What xattrs report; filled by a kind's info(). */
struct fs_info {
	uint64_t capacity;
	uint64_t count;	   /* fill level */
	const char *state; /* NULL when the kind has no state */
	char error[ZIPC_ERROR_MESSAGE_MAX];
	uint64_t shm_offset; /* of the structure's memory (array: element 0) */
	uint64_t shm_length;
};

/* Arguments of a "KIND NAME TYPE ..." line after NAME and TYPE. */
struct fs_spec {
	struct zipc_type type;
	int argc;
	char **argv;
};

struct fs_engine;

struct fs_kind {
	enum zipc_kind kind;
	const struct fs_engine *engine;
	bool has_raw;  /* SEG/.raw/NAME exists */
	bool has_text; /* SEG/.text/NAME exists */

	int (*create)(struct zipc_segment *seg, const char *name, const struct fs_spec *spec);
	int (*open)(struct zipc_segment *seg, const char *name, void **h);
	void (*close)(void *h);
	struct zipc_type (*type)(const void *h);
	void (*info)(void *h, struct fs_info *info);

	/* records engine: non-blocking; -EAGAIN to wait, -EPIPE for end of data */
	ssize_t (*take)(struct fs_file *f, void *out, size_t max);
	ssize_t (*put)(struct fs_file *f, const void *in, size_t n);
	struct zipc_event *(*event)(struct fs_file *f, enum zipc_ready what);
	unsigned (*ready)(struct fs_file *f); /* POLLIN / POLLOUT as the structure stands */
	int (*shut)(void *h); /* close (stream, channel): user.zeroipc.state=closed */
	int (*file_open)(struct fs_file *f); /* per open file state (subscriptions) */
	void (*file_release)(struct fs_file *f);
	bool drain;	    /* reads end (EOF) once empty after this file's first record */
	int64_t recheck_ns; /* re-try waiters this often even without events (0: never) */

	/* value engine */
	size_t (*value_size)(const void *h);
	int (*get)(void *h, void *out); /* 0, -EAGAIN (not yet), -EIO (failed) */
	int (*set)(void *h, const void *in);
	int (*demand)(void *h); /* ask providers (lazy); NULL otherwise */
	struct zipc_event *(*value_event)(void *h);
};

const struct fs_kind *fs_kind_get(enum zipc_kind kind);
/* Parse "KIND NAME TYPE ARGS..." and create the structure in seg. */
int fs_kind_create_line(struct zipc_segment *seg, char *line);

extern const struct fs_kind fs_kind_array, fs_kind_queue, fs_kind_stack, fs_kind_future,
    fs_kind_lazy, fs_kind_stream, fs_kind_channel, fs_kind_untyped;

/* ---- open files and engines ---- */

struct fs_waiter;

struct fs_file {
	pthread_mutex_t lock; /* protects everything below that changes */
	struct fs_node *node; /* holds a reference */
	const struct fs_kind *kind;
	void *h;    /* node's handle */
	void *priv; /* the kind's per-file state (a stream subscription) */
	struct zipc_type type;
	size_t esz; /* record size in bytes */
	bool text;  /* text records (one per line) */
	int flags;  /* open flags */

	/* read side: the unread rest of a record (or of a snapshot) */
	char *rbuf;
	size_t rlen, roff, rcap;
	bool got_first; /* this file delivered a record */
	bool eof;	/* value files: value fully read */

	/* write side: a partial line or record carried to the next write */
	char *pend;
	size_t plen, pcap;
	/* value files: elements collected toward one set() */
	unsigned char *vals;
	size_t vlen;

	struct fs_waiter *pollw; /* registered poll notification; park lock */
};

struct fs_engine {
	int (*open)(struct fs_file *f, struct fuse_file_info *fi);
	void (*read)(fuse_req_t req, struct fs_file *f, size_t size, off_t off,
		     struct fuse_file_info *fi);
	void (*write)(fuse_req_t req, struct fs_file *f, const char *buf, size_t size, off_t off,
		      struct fuse_file_info *fi);
	void (*flush)(fuse_req_t req, struct fs_file *f);
	void (*poll)(fuse_req_t req, struct fs_file *f, struct fuse_file_info *fi,
		     struct fuse_pollhandle *ph);
	void (*release)(struct fs_file *f);
	int (*setsize)(struct fs_file *f, off_t size); /* NULL: any size-0 truncate is a no-op */
};

extern const struct fs_engine fs_engine_records, fs_engine_value, fs_engine_array,
    fs_engine_array_text, fs_engine_bytes;

/* Buffers of a file (buf.c). */
int fs_buf_reserve(char **buf, size_t *cap, size_t need);
int fs_pend_append(struct fs_file *f, const char *data, size_t len);

/* Poll registration shared by engines (poll.c): ready(f) gives POLLIN/POLLOUT now. */
typedef unsigned (*fs_ready_fn)(struct fs_file *f);
void fs_poll_reply(fuse_req_t req, struct fs_file *f, struct fuse_file_info *fi,
		   struct fuse_pollhandle *ph, fs_ready_fn ready, struct zipc_event *rev,
		   struct zipc_event *wev, const void *key, int64_t recheck_ns);
void fs_poll_drop(struct fs_file *f);

/* ---- the request loop and the daemon's threads (loop.c) ---- */

#define FS_LOOP_THREADS 2 /* loop threads unless threads=N says otherwise */

/* Make the stop eventfd and take SIGINT, SIGTERM and SIGHUP. */
int fs_loop_init(void);
void fs_loop_fini(void);
/* Serve requests on threads threads (0: FS_LOOP_THREADS) until the session ends. */
int fs_loop_run(unsigned threads);
/* pthread_create() with every signal blocked in the new thread; 0 or -errno. */
int fs_thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

/* ---- array change detection and write-back merging (sync.c) ---- */

int fs_sync_start(void);
void fs_sync_stop(void);
int fs_sync_attach(struct fs_node *n, unsigned char *data, size_t len, bool *first);
void fs_sync_detach(struct fs_node *n);
void fs_sync_free(struct fs_node *n);
/* Copy [off, off+len) out for the page cache, remembering what was served. */
void fs_sync_read(struct fs_node *n, char *out, size_t off, size_t len);
/* Apply a write; page-cache write-back is merged against what was served. */
void fs_sync_write(struct fs_node *n, const char *in, size_t off, size_t len, bool writepage);

/* ---- control files (control.c) and xattrs (xattr.c) ---- */

void fs_ctl_write(fuse_req_t req, struct fs_node *n, struct fs_file *f, const char *buf,
		  size_t size);
void fs_ctl_flush(fuse_req_t req, struct fs_node *n, struct fs_file *f);
const char *fs_ctl_help(enum fs_ntype type);
/* Create the segment NAME for the caller of req (owner, umask). */
int fs_seg_create(fuse_req_t req, const char *name, uint64_t size, uint32_t entries, mode_t mode);

void fs_xattr_get(fuse_req_t req, struct fs_node *n, const char *name, size_t size);
void fs_xattr_list(fuse_req_t req, struct fs_node *n, size_t size);
void fs_xattr_set(fuse_req_t req, struct fs_node *n, const char *name, const char *value,
		  size_t size);

#endif
