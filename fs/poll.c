/*
 * poll/select/epoll on structure files: answer with what is ready now, and
 * when nothing asked for is, keep the kernel's poll handle as a waiter on
 * the structure's event; a waker calls fuse_lowlevel_notify_poll() when it
 * moves and the kernel polls again. One registration per open file.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "park_i.h"

struct poll_waiter {
	struct fs_waiter w;
	struct fs_file *f;
	struct fuse_pollhandle *ph;
	fs_ready_fn ready;
	unsigned events;
};

static int poll_attempt(struct fs_waiter *w, enum fs_why why)
{
	struct poll_waiter *p = (struct poll_waiter *)w;

	(void)why;
	/* the file stays open while the waiter is being attempted (fs_poll_drop) */
	return (p->ready(p->f) & p->events) ? 0 : -EAGAIN;
}

static void poll_finish(struct fs_waiter *w)
{
	struct poll_waiter *p = (struct poll_waiter *)w;

	fuse_lowlevel_notify_poll(p->ph);
	fuse_pollhandle_destroy(p->ph);
	free(p);
}

static void poll_cancel(struct fs_waiter *w)
{
	struct poll_waiter *p = (struct poll_waiter *)w;

	fuse_pollhandle_destroy(p->ph);
	free(p);
}

static const struct fs_waiter_ops poll_ops = {
    .attempt = poll_attempt,
    .finish = poll_finish,
    .cancel = poll_cancel,
};

void fs_poll_drop(struct fs_file *f)
{
	struct fs_waiter *w;
	int r = 0;

	fs_park_lock();
	/* a waker that takes the waiter clears f->pollw (owner_ref) */
	while ((w = f->pollw) != NULL && (r = fs_unpark_locked(w)) == -EAGAIN)
		;
	f->pollw = NULL;
	fs_park_unlock();
	if (w && r == 1)
		poll_cancel(w);
}

void fs_poll_reply(fuse_req_t req, struct fs_file *f, struct fuse_file_info *fi,
		   struct fuse_pollhandle *ph, fs_ready_fn ready, struct zipc_event *rev,
		   struct zipc_event *wev, const void *key, int64_t recheck_ns)
{
	unsigned want = fi->poll_events ? fi->poll_events : POLLIN | POLLOUT;
	unsigned now = ready(f);
	struct poll_waiter *p;

	fs_poll_drop(f);
	if ((now & want) || !ph) {
		if (ph)
			fuse_pollhandle_destroy(ph);
		fuse_reply_poll(req, now);
		return;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		fuse_pollhandle_destroy(ph);
		fuse_reply_poll(req, now);
		return;
	}
	p->w.ops = &poll_ops;
	p->w.owner_ref = &f->pollw;
	p->f = f;
	p->ph = ph;
	p->ready = ready;
	p->events = want & (POLLIN | POLLOUT);
	fs_park_lock();
	f->pollw = &p->w;
	fs_park_unlock();
	/* answer first: the notification may come before the kernel is ready for it
	 * otherwise; the kernel re-polls after every notification anyway */
	fuse_reply_poll(req, 0);
	fs_park(&p->w, (want & POLLIN) ? rev : wev, key, recheck_ns, false);
}
