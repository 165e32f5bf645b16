/*
 * Mounting and serving: the session, the waker and detector threads
 * (started after daemonizing, which would lose them) and the request loop
 * (loop.c, which also takes SIGINT, SIGTERM and SIGHUP: they end the loop,
 * then we unmount cleanly). Handlers never block, so any number of loop
 * threads works, one included (the detector's invalidations run on their
 * own thread, leaving the loop free for the page write-backs they cause).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "fs_i.h"
#include "kind_i.h"
#include "ops_i.h"
#include "park_i.h"

struct fs_mount fs_mnt;
static unsigned threads;
static bool mounted;

void fs_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (fs_mnt.foreground) {
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else {
		vsyslog(LOG_WARNING, fmt, ap);
	}
	va_end(ap);
}

int zipc_fs_parse_size(const char *s, uint64_t *out)
{
	return fs_parse_u64(s, out);
}

int zipc_fs_mount(struct fuse_args *args, const char *mountpoint, const struct zipc_fs_config *cfg)
{
	int r;

	fs_mnt.seg_size = cfg->seg_size ? cfg->seg_size : ZIPC_FS_SEG_SIZE_DEFAULT;
	snprintf(fs_mnt.prefix, sizeof(fs_mnt.prefix), "%s", cfg->prefix ? cfg->prefix : "");
	fs_mnt.prefix_len = strlen(fs_mnt.prefix);
	fs_mnt.foreground = cfg->foreground;
	threads = cfg->threads;
	/* modes of new segments are the callers' (their umask is applied by hand) */
	umask(0);
	signal(SIGPIPE, SIG_IGN);
	if (fuse_opt_add_arg(
		args, "-oallow_other,default_permissions,fsname=zeroipc,subtype=zeroipcfs") < 0)
		return -ENOMEM;
	r = fs_tree_init();
	if (r < 0)
		return r;
	fs_mnt.se = fuse_session_new(args, &fs_ops, sizeof(fs_ops), NULL);
	if (!fs_mnt.se)
		return -EINVAL;
	r = fs_loop_init();
	if (r < 0)
		goto fail;
	if (fuse_session_mount(fs_mnt.se, mountpoint) != 0) {
		r = -EIO;
		goto fail;
	}
	mounted = true;
	return 0;
fail:
	fs_loop_fini();
	fuse_session_destroy(fs_mnt.se);
	fs_mnt.se = NULL;
	return r;
}

int zipc_fs_run(void)
{
	int r;

	if (fuse_daemonize(fs_mnt.foreground) != 0)
		return -EIO;
	r = fs_park_start();
	if (r == 0)
		r = fs_sync_start();
	if (r < 0) {
		fs_log("zeroipcfs: cannot start threads: %s", strerror(-r));
		return r;
	}
	r = fs_loop_run(threads);
	if (r < 0)
		fs_log("zeroipcfs: the FUSE device failed: %s", strerror(-r));
	/* stop waking before unmounting: parked requests get EINTR */
	fs_sync_stop();
	fs_park_stop();
	return r < 0 ? r : 0;
}

void zipc_fs_unmount(void)
{
	if (!fs_mnt.se)
		return;
	if (mounted)
		fuse_session_unmount(fs_mnt.se);
	mounted = false;
	fs_loop_fini(); /* its signal handler uses the session */
	fuse_session_destroy(fs_mnt.se);
	fs_mnt.se = NULL;
	fs_tree_fini();
}
