/*
 * Arrays through the page cache: change detection and write-back merging.
 *
 * The kernel caches array pages; it never learns of stores made directly in
 * the segment, and libfuse 3.14 writes mapped pages back whole. So, per
 * array with open files, we keep a shadow copy of exactly what the kernel was
 * served (plus the write()s it passed through) and a per-page "may be
 * cached" bit:
 * - a detector thread compares cached pages with the segment every
 *   DETECT_NS and invalidates those that differ
 *   (fuse_lowlevel_notify_inval_inode; the kernel writes dirty pages back
 *   first), so direct stores show in mappings and read() within about
 *   DETECT_NS plus a page fault (measured 1-3 ms). Comparing costs about
 *   1 ms per 4-8 MiB of cached pages; when a pass takes longer than
 *   DETECT_NS / 2 the period grows to twice the pass, so the bound grows
 *   with the cached size (about 10 ms at 16 MiB) and the detector never
 *   takes more than a third of a CPU;
 * - page write-back (fi->writepage) applies only the bytes that differ from
 *   the shadow, i.e. the bytes the mapper changed; stores others made to the
 *   rest of the page in the meantime survive.
 * Lock order: sync_list_lock, then a sync's lock; notifications are sent
 * holding neither (the kernel may call back into us to write pages back).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fs_i.h"

#define PAGE 4096u
#define DETECT_NS (2 * 1000 * 1000L)
/* Pages compared per hold of a sync's lock. */
#define LOCK_PAGES 64

struct fs_sync {
	pthread_mutex_t lock;
	fuse_ino_t ino;	       /* read-only */
	unsigned char *data;   /* the elements in the segment; read-only pointer */
	size_t len;	       /* read-only */
	unsigned char *shadow; /* lock: what the kernel holds */
	unsigned char *cached; /* lock: per page, the kernel may hold it */
	size_t pages;	       /* read-only */
	unsigned opens;	       /* sync_list_lock */
	struct fs_sync *next;  /* in the active list; sync_list_lock */
};

static pthread_mutex_t sync_list_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sync_cond = PTHREAD_COND_INITIALIZER;
static struct fs_sync *active; /* sync_list_lock */
static bool sync_stopping;     /* sync_list_lock */
static pthread_t detector;
static bool detector_running;

int fs_sync_attach(struct fs_node *n, unsigned char *data, size_t len, bool *first)
{
	struct fs_sync *s;

	pthread_mutex_lock(&sync_list_lock);
	s = n->sync;
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			goto nomem;
		s->pages = (len + PAGE - 1) / PAGE;
		s->shadow = malloc(s->pages * PAGE);
		s->cached = calloc(s->pages ? s->pages : 1, 1);
		if (!s->shadow || !s->cached) {
			free(s->shadow);
			free(s->cached);
			free(s);
			goto nomem;
		}
		pthread_mutex_init(&s->lock, NULL);
		s->ino = n->ino;
		s->data = data;
		s->len = len;
		n->sync = s;
	}
	*first = s->opens == 0;
	if (s->opens++ == 0) {
		/* the kernel drops its cached pages at this open (keep_cache off) */
		pthread_mutex_lock(&s->lock);
		memcpy(s->shadow, s->data, s->len);
		memset(s->cached, 0, s->pages);
		pthread_mutex_unlock(&s->lock);
		s->next = active;
		active = s;
		pthread_cond_signal(&sync_cond);
	}
	pthread_mutex_unlock(&sync_list_lock);
	return 0;
nomem:
	pthread_mutex_unlock(&sync_list_lock);
	return -ENOMEM;
}

void fs_sync_detach(struct fs_node *n)
{
	struct fs_sync *s = n->sync, **pp;

	pthread_mutex_lock(&sync_list_lock);
	if (s && --s->opens == 0)
		for (pp = &active; *pp; pp = &(*pp)->next)
			if (*pp == s) {
				*pp = s->next;
				break;
			}
	pthread_mutex_unlock(&sync_list_lock);
}

void fs_sync_free(struct fs_node *n)
{
	struct fs_sync *s = n->sync;

	if (!s)
		return;
	n->sync = NULL;
	pthread_mutex_destroy(&s->lock);
	free(s->shadow);
	free(s->cached);
	free(s);
}

static void mark_cached(struct fs_sync *s, size_t off, size_t len, bool partial_too)
{
	size_t first = off / PAGE, last = (off + len + PAGE - 1) / PAGE;

	for (size_t p = first; p < last && p < s->pages; p++) {
		bool whole = p * PAGE >= off && (p + 1) * PAGE <= off + len;

		/* the last page counts as whole when the write reaches the end */
		if (!whole && (p + 1) * PAGE > s->len && p * PAGE >= off && off + len >= s->len)
			whole = true;
		if (whole || partial_too)
			s->cached[p] = 1;
	}
}

void fs_sync_read(struct fs_node *n, char *out, size_t off, size_t len)
{
	struct fs_sync *s = n->sync;

	pthread_mutex_lock(&s->lock);
	memcpy(out, s->data + off, len);
	memcpy(s->shadow + off, out, len);
	mark_cached(s, off, len, true);
	pthread_mutex_unlock(&s->lock);
}

void fs_sync_write(struct fs_node *n, const char *in, size_t off, size_t len, bool writepage)
{
	struct fs_sync *s = n->sync;
	const unsigned char *src = (const unsigned char *)in;

	pthread_mutex_lock(&s->lock);
	if (writepage) {
		/* only the bytes the mapper changed relative to what it was served */
		for (size_t i = 0; i < len; i++)
			if (src[i] != s->shadow[off + i]) {
				s->data[off + i] = src[i];
				s->shadow[off + i] = src[i];
			}
	} else {
		/* write(2) passes through the page cache: the kernel's page (if
		 * any) now holds these bytes too */
		memcpy(s->data + off, src, len);
		memcpy(s->shadow + off, src, len);
		mark_cached(s, off, len, false);
	}
	pthread_mutex_unlock(&s->lock);
}

struct inval {
	fuse_ino_t ino;
	off_t off, len;
};

/* One pass: find changed cached pages, invalidate them. */
static void detect_once(void)
{
	struct inval *inv = NULL;
	size_t ninv = 0, cap = 0;

	pthread_mutex_lock(&sync_list_lock);
	for (struct fs_sync *s = active; s; s = s->next) {
		pthread_mutex_lock(&s->lock);
		for (size_t p = 0; p < s->pages; p++) {
			size_t off = p * PAGE, plen = s->len - off < PAGE ? s->len - off : PAGE;

			if (p % LOCK_PAGES == LOCK_PAGES - 1) {
				/* let reads and write-backs in between chunks */
				pthread_mutex_unlock(&s->lock);
				pthread_mutex_lock(&s->lock);
			}
			if (!s->cached[p] || memcmp(s->data + off, s->shadow + off, plen) == 0)
				continue;
			s->cached[p] = 0;
			if (ninv && inv[ninv - 1].ino == s->ino &&
			    inv[ninv - 1].off + inv[ninv - 1].len == (off_t)off) {
				inv[ninv - 1].len += PAGE;
				continue;
			}
			if (ninv == cap) {
				struct inval *bigger =
				    realloc(inv, (cap ? cap * 2 : 16) * sizeof(*inv));

				if (!bigger) {
					s->cached[p] = 1; /* try again next time */
					continue;
				}
				inv = bigger;
				cap = cap ? cap * 2 : 16;
			}
			inv[ninv++] = (struct inval){s->ino, (off_t)off, PAGE};
		}
		pthread_mutex_unlock(&s->lock);
	}
	pthread_mutex_unlock(&sync_list_lock);
	for (size_t i = 0; i < ninv; i++)
		fuse_lowlevel_notify_inval_inode(fs_mnt.se, inv[i].ino, inv[i].off, inv[i].len);
	free(inv);
}

static void *detector_main(void *arg)
{
	struct timespec next, start;
	long took;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &next);
	pthread_mutex_lock(&sync_list_lock);
	while (!sync_stopping) {
		if (!active) {
			pthread_cond_wait(&sync_cond, &sync_list_lock);
			clock_gettime(CLOCK_MONOTONIC, &next);
			continue;
		}
		pthread_mutex_unlock(&sync_list_lock);
		clock_gettime(CLOCK_MONOTONIC, &start);
		detect_once();
		clock_gettime(CLOCK_MONOTONIC, &next);
		/* sleep DETECT_NS, or twice the pass when comparing takes longer
		 * (large cached arrays): at most a third of a CPU */
		took = (next.tv_sec - start.tv_sec) * 1000000000L + next.tv_nsec - start.tv_nsec;
		next.tv_nsec += took * 2 > DETECT_NS ? took * 2 : DETECT_NS;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		/* a periodic check: the only way to see plain stores to memory */
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		pthread_mutex_lock(&sync_list_lock);
	}
	pthread_mutex_unlock(&sync_list_lock);
	return NULL;
}

int fs_sync_start(void)
{
	int r = fs_thread_start(&detector, detector_main, NULL);

	detector_running = r == 0;
	return r;
}

void fs_sync_stop(void)
{
	if (!detector_running)
		return;
	pthread_mutex_lock(&sync_list_lock);
	sync_stopping = true;
	pthread_cond_signal(&sync_cond);
	pthread_mutex_unlock(&sync_list_lock);
	pthread_join(detector, NULL);
	detector_running = false;
}
