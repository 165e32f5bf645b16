/*
 * Parking: requests that must wait are kept, not their threads.
 *
 * A handler that cannot answer yet fills a waiter (its request and what to
 * re-try) and parks it on a watch: an event in a segment (the structure's
 * futex word) shared by every waiter on that structure. Waker threads, each
 * with up to 127 watches and a private wake word, sleep in futex_waitv over
 * their watches; when one moves they re-try its waiters in order and reply
 * for those that can go. Interrupts reply at once. Poll notifications are
 * waiters without a request. No thread or fd is held per waiter.
 */
#ifndef ZEROIPC_FS_PARK_I_H
#define ZEROIPC_FS_PARK_I_H

#include "fs_i.h"

struct fs_waiter;
struct fs_watch;

/* Why a waiter is re-tried. */
enum fs_why {
	FS_WHY_EVENT = 1, /* its event moved, or it was just parked */
	FS_WHY_TIMER = 2, /* its recheck period passed */
};

struct fs_waiter_ops {
	/*
	 * On a waker thread, without the park lock (attempts of one waker run
	 * one at a time): try again. Return 0 when the waiter is done (its
	 * reply is prepared; finish() will send it), -EAGAIN to keep waiting.
	 * Must not reply, nor block for long.
	 */
	int (*attempt)(struct fs_waiter *w, enum fs_why why);
	/* Outside any lock: send the prepared reply and free the waiter. */
	void (*finish)(struct fs_waiter *w);
	/* Outside the park lock, after an interrupt or at shutdown: reply and free. */
	void (*cancel)(struct fs_waiter *w);
};

struct fs_waiter {
	const struct fs_waiter_ops *ops;
	fuse_req_t req; /* NULL for poll notifications */
	/* cleared (under the park lock) when a waker takes the waiter */
	struct fs_waiter **owner_ref;
	/* the rest belongs to park.c; park lock */
	struct fs_watch *watch;
	struct fs_waiter *prev, *next;
	int state;
	int result;	  /* of the last attempt */
	bool interrupted; /* while being attempted */
	bool cancelled;	  /* taken to be cancelled rather than finished */
};

int fs_park_start(void);
/* Stop the wakers and cancel every waiter (requests get EINTR). */
void fs_park_stop(void);

/*
 * Park w until ev moves (ev NULL: a structure without events, re-tried
 * every 10 ms; key then names the structure). recheck_ns > 0 re-tries it
 * that often as well. Writers (writer true) are watched by other waker
 * threads than readers, so that a writer's attempt that waits briefly for a
 * receiver (an unbuffered channel's try_send) never holds up the thread that
 * would serve that receiver. The caller must not touch w afterwards: it may
 * already be finished. Always succeeds (on allocation failure it is
 * cancelled).
 */
void fs_park(struct fs_waiter *w, struct zipc_event *ev, const void *key, int64_t recheck_ns,
	     bool writer);

/*
 * Remove a parked waiter without a request (a poll registration), park lock
 * held. Returns 1 if removed (the caller frees it), 0 if a waker has taken
 * it, -EAGAIN if a waker was trying it: the lock was dropped while waiting
 * for that, so the caller must look the waiter up again (through its
 * owner_ref, which a waker clears when it takes the waiter).
 */
int fs_unpark_locked(struct fs_waiter *w);

/* The park lock, for engines that must serialise with attempts. */
void fs_park_lock(void);
void fs_park_unlock(void);

#endif
