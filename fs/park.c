/*
 * Parked requests and the waker threads (park_i.h).
 *
 * Every watch holds one armed registration on its event (zipc_event_arm), so
 * every change of the structure bumps the event's sequence. A waker reads the
 * sequence (token), re-tries the watch's waiters, then sleeps in
 * zipc_event_wait_any until a token is stale: a change made after the re-try
 * bumps the sequence past the token, so no wake-up is lost (core/wait.c).
 * Its own wake word joins the set so that parking a new waiter, which bumps
 * it, makes the waker pick the waiter up at once.
 *
 * Waiter states, under the park lock: NEW (interrupt callback registered,
 * not yet linked), PARKED (linked on a watch), ATTEMPTING (a waker is trying
 * it without the lock: attempts may wait briefly, e.g. an unbuffered
 * channel's try_send for a receiver that another waker serves), DONE
 * (claimed by whoever will reply: a waker, the interrupt callback, or
 * shutdown), CANCELLED (interrupted while NEW: fs_park replies). An interrupt
 * during an attempt only marks the waiter; the waker then cancels it unless
 * the attempt finished it. A waker unregisters the interrupt callback (which
 * waits for a running one, under req->lock) before it replies and frees, so
 * the callback never sees a freed waiter.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "park_i.h"

enum { W_NEW, W_PARKED, W_ATTEMPTING, W_DONE, W_CANCELLED };

/* Most events one futex_waitv call takes, minus the waker's own word. */
#define SHARD_WATCHES 127
/* Structures without events (made by other implementations) are re-tried this often. */
#define FOREIGN_RECHECK_NS (10 * 1000 * 1000LL)

/*
 * The waker's private wake word. zipc_event_wait_any takes struct
 * zipc_event pointers; the layout of an event (u32 sequence, then u32 waiter
 * count) is the wait block's, fixed by docs/FORMAT.md, so a private one is
 * laid out the same (a private-event API in the core would replace this).
 */
struct fs_wake {
	_Atomic uint32_t seq;
	_Atomic uint32_t waiters;
};

struct fs_shard;

struct fs_watch {
	struct zipc_event *ev; /* NULL: no events, re-try on the timer */
	const void *key;       /* identity: ev, or the structure's handle */
	uint32_t token;
	bool armed;
	bool fresh; /* waiters were added since the last re-try */
	int64_t recheck_ns;
	int64_t recheck_at;
	struct fs_waiter *head, *tail;
	struct fs_shard *shard;
	struct fs_watch *next; /* in the shard */
};

struct fs_shard {
	pthread_t thread;
	bool writers; /* watches parked writers only */
	struct fs_wake wake;
	struct fs_watch *watches;
	unsigned nwatches;
	struct fs_shard *next;
};

static pthread_mutex_t park_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t attempt_cond = PTHREAD_COND_INITIALIZER; /* an attempt ended */
static struct fs_shard *shards;				       /* park_lock */
static bool stopping;					       /* park_lock */

void fs_park_lock(void)
{
	pthread_mutex_lock(&park_lock);
}

void fs_park_unlock(void)
{
	pthread_mutex_unlock(&park_lock);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void wake_shard(struct fs_shard *s)
{
	/* release: the waker that sees the new value sees what was parked (under
	 * the lock anyway); the futex wake gets it out of futex_waitv */
	atomic_fetch_add_explicit(&s->wake.seq, 1, memory_order_release);
	syscall(SYS_futex, &s->wake.seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static void unlink_waiter(struct fs_waiter *w)
{
	struct fs_watch *wt = w->watch;

	if (w->prev)
		w->prev->next = w->next;
	else
		wt->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		wt->tail = w->prev;
	w->prev = w->next = NULL;
}

/* Take w for replying (park lock held). */
static void claim(struct fs_waiter *w, bool cancelled, struct fs_waiter **done)
{
	unlink_waiter(w);
	w->state = W_DONE;
	w->cancelled = cancelled;
	if (w->owner_ref)
		*w->owner_ref = NULL;
	w->next = *done;
	*done = w;
}

/*
 * Re-try the waiters of wt in order, without the park lock (dropped and
 * taken again); move finished ones to *done. Only this shard's thread frees
 * wt, so it outlives the unlocked stretch.
 */
static void run_watch(struct fs_watch *wt, enum fs_why why, struct fs_waiter **done)
{
	struct fs_waiter *w, **batch;
	size_t n = 0, i;

	for (w = wt->head; w; w = w->next)
		n++;
	batch = malloc(n * sizeof(*batch));
	if (!batch) {
		wt->fresh = true; /* try again on the next round */
		return;
	}
	n = 0;
	for (w = wt->head; w; w = w->next)
		if (w->state == W_PARKED) {
			w->state = W_ATTEMPTING;
			w->interrupted = false;
			batch[n++] = w;
		}
	pthread_mutex_unlock(&park_lock);
	for (i = 0; i < n; i++)
		batch[i]->result = batch[i]->ops->attempt(batch[i], why);
	pthread_mutex_lock(&park_lock);
	for (i = 0; i < n; i++) {
		w = batch[i];
		if (w->result != -EAGAIN)
			claim(w, false, done);
		else if (w->interrupted)
			claim(w, true, done);
		else
			w->state = W_PARKED;
	}
	pthread_cond_broadcast(&attempt_cond);
	free(batch);
}

static void finish_all(struct fs_waiter *done)
{
	while (done) {
		struct fs_waiter *w = done;

		done = w->next;
		w->next = NULL;
		if (w->req)
			/* waits for a running interrupt callback; none comes after */
			fuse_req_interrupt_func(w->req, NULL, NULL);
		if (w->cancelled)
			w->ops->cancel(w);
		else
			w->ops->finish(w);
	}
}

static void *waker_main(void *arg)
{
	struct fs_shard *s = arg;
	struct zipc_event *evs[SHARD_WATCHES + 1];
	uint32_t tokens[SHARD_WATCHES + 1];

	pthread_mutex_lock(&park_lock);
	while (!stopping) {
		struct fs_waiter *done = NULL;
		struct fs_watch **pp = &s->watches, *wt;
		int64_t now = now_ns(), until = INT64_MAX, timeout;
		size_t n = 1;

		/* acquire: pairs with the release bump in wake_shard() */
		tokens[0] = atomic_load_explicit(&s->wake.seq, memory_order_acquire);
		evs[0] = (struct zipc_event *)(void *)&s->wake;
		while ((wt = *pp) != NULL) {
			enum fs_why why = 0;

			if (wt->fresh)
				why = FS_WHY_EVENT;
			wt->fresh = false;
			if (wt->ev && !wt->armed) {
				wt->token = zipc_event_arm(wt->ev);
				wt->armed = true;
				why = FS_WHY_EVENT;
			} else if (wt->ev) {
				uint32_t seq = zipc_event_sequence(wt->ev);

				if (seq != wt->token) {
					wt->token = seq;
					why = FS_WHY_EVENT;
				}
			}
			if (wt->recheck_ns > 0 && now >= wt->recheck_at) {
				why = why ? why : FS_WHY_TIMER;
				wt->recheck_at = now + wt->recheck_ns;
			}
			if (why) {
				run_watch(wt, why, &done);
				/* the list may have changed while unlocked */
				for (pp = &s->watches; *pp != wt; pp = &(*pp)->next)
					;
			}
			if (!wt->head) {
				*pp = wt->next;
				if (wt->armed)
					zipc_event_disarm(wt->ev);
				s->nwatches--;
				free(wt);
				continue;
			}
			if (wt->ev) {
				evs[n] = wt->ev;
				tokens[n] = wt->token;
				n++;
			}
			if (wt->recheck_ns > 0 && wt->recheck_at < until)
				until = wt->recheck_at;
			pp = &wt->next;
		}
		pthread_mutex_unlock(&park_lock);
		finish_all(done);
		timeout = until == INT64_MAX ? ZIPC_FOREVER : until - now_ns();
		if (timeout != ZIPC_FOREVER && timeout < 1)
			timeout = 1;
		zipc_event_wait_any(evs, tokens, n, timeout);
		pthread_mutex_lock(&park_lock);
	}
	pthread_mutex_unlock(&park_lock);
	return NULL;
}

/* A shard with room for one more watch; park_lock held. NULL on failure. */
static struct fs_shard *shard_with_room(bool writers)
{
	struct fs_shard *s;

	for (s = shards; s; s = s->next)
		if (s->writers == writers && s->nwatches < SHARD_WATCHES)
			return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->writers = writers;
	if (fs_thread_start(&s->thread, waker_main, s) < 0) {
		free(s);
		return NULL;
	}
	s->next = shards;
	shards = s;
	return s;
}

static struct fs_watch *watch_get(struct zipc_event *ev, const void *key, int64_t recheck_ns,
				  bool writer)
{
	struct fs_shard *s;
	struct fs_watch *wt;

	if (!ev && recheck_ns <= 0)
		recheck_ns = FOREIGN_RECHECK_NS;
	if (ev)
		key = ev;
	for (s = shards; s; s = s->next)
		for (wt = s->watches; wt; wt = wt->next)
			if (wt->key == key && s->writers == writer) {
				if (recheck_ns > 0 &&
				    (wt->recheck_ns == 0 || recheck_ns < wt->recheck_ns)) {
					wt->recheck_ns = recheck_ns;
					wt->recheck_at = now_ns() + recheck_ns;
				}
				return wt;
			}
	s = shard_with_room(writer);
	if (!s)
		return NULL;
	wt = calloc(1, sizeof(*wt));
	if (!wt)
		return NULL;
	wt->ev = ev;
	wt->key = key;
	wt->recheck_ns = recheck_ns;
	wt->recheck_at = now_ns() + recheck_ns;
	wt->shard = s;
	wt->next = s->watches;
	s->watches = wt;
	s->nwatches++;
	return wt;
}

static void on_interrupt(fuse_req_t req, void *data)
{
	struct fs_waiter *w = data;
	int prev;

	(void)req;
	pthread_mutex_lock(&park_lock);
	prev = w->state;
	if (prev == W_NEW) {
		w->state = W_CANCELLED; /* fs_park sees it and replies */
	} else if (prev == W_ATTEMPTING) {
		w->interrupted = true; /* the waker cancels it after the attempt */
	} else if (prev == W_PARKED) {
		unlink_waiter(w);
		w->state = W_DONE;
	}
	pthread_mutex_unlock(&park_lock);
	if (prev == W_PARKED)
		w->ops->cancel(w);
}

void fs_park(struct fs_waiter *w, struct zipc_event *ev, const void *key, int64_t recheck_ns,
	     bool writer)
{
	struct fs_watch *wt;

	w->state = W_NEW;
	w->prev = w->next = NULL;
	if (w->req)
		fuse_req_interrupt_func(w->req, on_interrupt, w);
	pthread_mutex_lock(&park_lock);
	if (w->state == W_CANCELLED || stopping) {
		pthread_mutex_unlock(&park_lock);
		goto cancel;
	}
	wt = watch_get(ev, key, recheck_ns, writer);
	if (!wt) {
		pthread_mutex_unlock(&park_lock);
		fs_log("zeroipcfs: cannot park a request (out of memory or threads)");
		goto cancel;
	}
	w->watch = wt;
	w->prev = wt->tail;
	if (wt->tail)
		wt->tail->next = w;
	else
		wt->head = w;
	wt->tail = w;
	w->state = W_PARKED;
	wt->fresh = true;
	wake_shard(wt->shard);
	pthread_mutex_unlock(&park_lock);
	return;
cancel:
	if (w->req)
		fuse_req_interrupt_func(w->req, NULL, NULL);
	w->ops->cancel(w);
}

int fs_unpark_locked(struct fs_waiter *w)
{
	if (w->state == W_ATTEMPTING) {
		pthread_cond_wait(&attempt_cond, &park_lock);
		return -EAGAIN;
	}
	if (w->state != W_PARKED)
		return 0;
	unlink_waiter(w);
	w->state = W_DONE;
	return 1;
}

int fs_park_start(void)
{
	stopping = false;
	return 0;
}

void fs_park_stop(void)
{
	struct fs_waiter *left = NULL;
	struct fs_shard *s, *next;

	pthread_mutex_lock(&park_lock);
	stopping = true;
	for (s = shards; s; s = s->next)
		wake_shard(s);
	pthread_mutex_unlock(&park_lock);
	for (s = shards; s; s = s->next)
		pthread_join(s->thread, NULL);

	pthread_mutex_lock(&park_lock);
	for (s = shards; s; s = next) {
		struct fs_watch *wt, *wnext;

		next = s->next;
		for (wt = s->watches; wt; wt = wnext) {
			wnext = wt->next;
			while (wt->head) {
				struct fs_waiter *w = wt->head;

				unlink_waiter(w);
				w->state = W_DONE;
				w->next = left;
				left = w;
			}
			if (wt->armed)
				zipc_event_disarm(wt->ev);
			free(wt);
		}
		free(s);
	}
	shards = NULL;
	pthread_mutex_unlock(&park_lock);
	while (left) {
		struct fs_waiter *w = left;

		left = w->next;
		if (w->req)
			fuse_req_interrupt_func(w->req, NULL, NULL);
		w->ops->cancel(w);
	}
}
