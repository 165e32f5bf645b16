/*
 * zeroipcfs as a library for src/zeroipcfs.c: mount a filesystem that shows
 * every zeroipc segment as a directory and every structure as a file, serve
 * it until a signal, unmount. One mount per process.
 */
#ifndef ZEROIPC_FS_ZEROIPCFS_H
#define ZEROIPC_FS_ZEROIPCFS_H

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 312
#endif

#include <fuse_lowlevel.h>
#include <stdbool.h>
#include <stdint.h>

struct zipc_fs_config {
	uint64_t seg_size;  /* size of segments made by mkdir */
	const char *prefix; /* show (and make) only segments whose name starts so; "" all */
	bool foreground;    /* do not daemonize; log to stderr */
	unsigned threads;   /* of the request loop; 0: the default (2) */
};

/* Default segment size for mkdir: 16 MiB. */
#define ZIPC_FS_SEG_SIZE_DEFAULT (16u << 20)

/*
 * Create the session and mount it at mountpoint. args are the FUSE options
 * left after the caller took its own (allow_other and default_permissions
 * are added). Returns 0 or a negative errno; a message was logged.
 */
int zipc_fs_mount(struct fuse_args *args, const char *mountpoint, const struct zipc_fs_config *cfg);

/* Daemonize (unless foreground) and serve until SIGINT/SIGTERM/SIGHUP or unmount. */
int zipc_fs_run(void);

/* Unmount and free everything zipc_fs_mount made. */
void zipc_fs_unmount(void);

/* Parse a size: decimal with an optional K, M or G suffix. Returns 0 or -EINVAL. */
int zipc_fs_parse_size(const char *s, uint64_t *out);

#endif
