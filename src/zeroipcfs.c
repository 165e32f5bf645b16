/*
 * zeroipcfs: mount zeroipc's shared-memory segments as a filesystem.
 *
 *   zeroipcfs [SOURCE] MOUNTPOINT [-f] [-d] [-o OPTIONS]
 *
 * Every segment in /dev/shm is a directory, every structure a file (see
 * fs/ and the README). This main only parses options and runs the mount
 * (libfuse's hello_ll shape); SOURCE is accepted and ignored so that
 * `mount -t fuse.zeroipcfs zeroipc /mnt/zeroipc` and fstab work.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zeroipcfs.h"

struct options {
	char *seg_size;
	char *prefix;
	char *threads;
	int foreground;
	int help;
	int version;
	char *source;
	char *mountpoint;
};

enum { KEY_HELP, KEY_VERSION, KEY_FOREGROUND, KEY_DEBUG };

#define OPT(t, p)                                                                                  \
	{                                                                                          \
		t, offsetof(struct options, p), 1                                                  \
	}
static const struct fuse_opt option_spec[] = {
    OPT("seg_size=%s", seg_size),
    OPT("prefix=%s", prefix),
    OPT("threads=%s", threads),
    FUSE_OPT_KEY("-h", KEY_HELP),
    FUSE_OPT_KEY("--help", KEY_HELP),
    FUSE_OPT_KEY("-V", KEY_VERSION),
    FUSE_OPT_KEY("--version", KEY_VERSION),
    FUSE_OPT_KEY("-f", KEY_FOREGROUND),
    FUSE_OPT_KEY("-d", KEY_DEBUG),
    FUSE_OPT_KEY("debug", KEY_DEBUG),
    FUSE_OPT_END,
};

static void usage(const char *prog)
{
	printf("usage: %s [SOURCE] MOUNTPOINT [-f] [-d] [-o OPTION[,OPTION...]]\n"
	       "\n"
	       "Shows every zeroipc segment in /dev/shm as a directory and every structure\n"
	       "in it as a file. SOURCE is ignored (for mount -t fuse.zeroipcfs and fstab).\n"
	       "\n"
	       "    -f                   stay in the foreground, log to stderr\n"
	       "    -d, -o debug         log every FUSE request (implies -f)\n"
	       "    -o seg_size=SIZE     size of segments made by mkdir (default 16M)\n"
	       "    -o prefix=STR        show and make only segments named STR...\n"
	       "    -o threads=N         N threads serve requests (default 2)\n"
	       "\n"
	       "allow_other and default_permissions are always on: the kernel checks each\n"
	       "segment's owner and mode. Other -o options go to FUSE (see mount.fuse3(8)).\n",
	       prog);
}

static int process(void *data, const char *arg, int key, struct fuse_args *out)
{
	struct options *o = data;

	(void)out;
	switch (key) {
	case FUSE_OPT_KEY_NONOPT:
		if (!o->mountpoint) {
			o->mountpoint = strdup(arg);
			return 0;
		}
		if (!o->source) {
			/* two words: the first was the source */
			o->source = o->mountpoint;
			o->mountpoint = strdup(arg);
			return 0;
		}
		fprintf(stderr, "zeroipcfs: unexpected argument '%s'\n", arg);
		return -1;
	case KEY_HELP:
		o->help = 1;
		return 0;
	case KEY_VERSION:
		o->version = 1;
		return 0;
	case KEY_FOREGROUND:
		o->foreground = 1;
		return 0;
	case KEY_DEBUG:
		o->foreground = 1;
		return 1; /* keep: fuse_session_new turns debugging on */
	default:
		return 1;
	}
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct options o = {0};
	struct zipc_fs_config cfg = {.seg_size = ZIPC_FS_SEG_SIZE_DEFAULT};
	uint64_t threads = 0;
	int ret = 1, r;

	if (fuse_opt_parse(&args, &o, option_spec, process) != 0)
		goto out;
	if (o.help) {
		usage(argv[0]);
		ret = 0;
		goto out;
	}
	if (o.version) {
		printf("zeroipcfs 0.1.0 (libfuse %s)\n", fuse_pkgversion());
		ret = 0;
		goto out;
	}
	if (!o.mountpoint) {
		usage(argv[0]);
		goto out;
	}
	if (o.seg_size && zipc_fs_parse_size(o.seg_size, &cfg.seg_size) < 0) {
		fprintf(stderr, "zeroipcfs: bad seg_size '%s'\n", o.seg_size);
		goto out;
	}
	if (o.threads && (zipc_fs_parse_size(o.threads, &threads) < 0 || threads > 1024)) {
		fprintf(stderr, "zeroipcfs: bad threads '%s'\n", o.threads);
		goto out;
	}
	cfg.prefix = o.prefix ? o.prefix : "";
	cfg.foreground = o.foreground;
	cfg.threads = (unsigned)threads;

	r = zipc_fs_mount(&args, o.mountpoint, &cfg);
	if (r < 0) {
		fprintf(stderr, "zeroipcfs: cannot mount at %s: %s\n", o.mountpoint, strerror(-r));
		goto out;
	}
	r = zipc_fs_run();
	zipc_fs_unmount();
	ret = r < 0 ? 1 : 0;
out:
	free(o.seg_size);
	free(o.prefix);
	free(o.threads);
	free(o.source);
	free(o.mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}
