/*
 * The request loop: a fixed set of threads (threads=N, default
 * FS_LOOP_THREADS) that take requests from the session's /dev/fuse
 * descriptor and process them, and the signals that end it.
 *
 * Ours rather than libfuse's fuse_session_loop_mt(), which blocks its
 * threads in read() on the descriptor: the kernel then wakes exactly one of
 * them per request. On a VM, waking a thread whose vCPU idles costs tens of
 * microseconds. Here the descriptor is non-blocking and idle threads sleep
 * in poll(), whose wake-up is not exclusive: every idle thread wakes, the
 * first to read takes the request, usually one that shares a CPU with the
 * caller. Measured on a 2-vCPU VM (tests/fuse/fs_bench.sh): an 8-byte
 * read of a static file takes 5 us (libfuse's loop: 18 us; one thread per
 * request woken through EPOLLEXCLUSIVE: 75-85 us), `seq 1 1000000 > q`
 * with a reader 36 ms (libfuse's loop: 70-80 ms). Handlers never block (parked requests are
 * answered by the waker threads, park.c), so two threads suffice; more only
 * wake more threads per request.
 *
 * The loop ends when the session is marked exited: by SIGINT, SIGTERM or
 * SIGHUP, unless ignored when the daemon started (our handler marks it and
 * makes the stop eventfd readable, which wakes every idle thread, even one
 * that looked at the mark just before the signal and was about to poll; a
 * busy one sees the mark after its request), or by an unmount (reads fail
 * with ENODEV and libfuse marks it; the thread that saw it signals the
 * others the same way). Every other thread of the daemon starts with
 * signals blocked (fs_thread_start), so the handler runs on the main thread
 * and no helper's sleep is cut short.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "fs_i.h"

#define NSTOP 3
static int stop_fd = -1;
static const int stop_signals[NSTOP] = {SIGINT, SIGTERM, SIGHUP};
static bool taken[NSTOP]; /* we replaced its action */

static void signal_stop(void)
{
	uint64_t one = 1;

	/* an eventfd write of 1 only fails if the count would overflow */
	(void)!write(stop_fd, &one, sizeof(one));
}

static void on_stop_signal(int sig)
{
	int saved = errno;

	(void)sig;
	fuse_session_exit(fs_mnt.se);
	signal_stop();
	errno = saved;
}

int fs_loop_init(void)
{
	struct sigaction sa;

	stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (stop_fd < 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < NSTOP; i++) {
		struct sigaction old;

		/* an ignored signal stays ignored, as libfuse does: a script that
		 * starts the daemon in the background unmounts it on Ctrl-C itself */
		if (sigaction(stop_signals[i], NULL, &old) < 0)
			return -errno;
		if (old.sa_handler == SIG_IGN)
			continue;
		if (sigaction(stop_signals[i], &sa, NULL) < 0)
			return -errno;
		taken[i] = true;
	}
	return 0;
}

void fs_loop_fini(void)
{
	for (int i = 0; i < NSTOP; i++)
		if (taken[i])
			signal(stop_signals[i], SIG_DFL);
	memset(taken, 0, sizeof(taken));
	if (stop_fd >= 0)
		close(stop_fd);
	stop_fd = -1;
}

/* Sleep until a request may be there or the loop stops. */
static void wait_for_request(int fuse_fd)
{
	struct pollfd p[2] = {{.fd = fuse_fd, .events = POLLIN}, {.fd = stop_fd, .events = POLLIN}};

	/* EINTR or the stop eventfd: the loop condition looks at the session again */
	poll(p, 2, -1);
}

/* One loop thread. Returns 0, or a negative errno that ended the loop. */
static int serve(void)
{
	struct fuse_session *se = fs_mnt.se;
	struct fuse_buf buf;
	int fd = fuse_session_fd(se), r = 0;

	memset(&buf, 0, sizeof(buf));
	while (!fuse_session_exited(se)) {
		r = fuse_session_receive_buf(se, &buf);
		if (r > 0) {
			fuse_session_process_buf(se, &buf);
		} else if (r == -EAGAIN) {
			wait_for_request(fd);
		} else if (r != -EINTR) {
			break; /* 0: unmounted; < 0: the device failed */
		}
	}
	free(buf.mem);
	fuse_session_exit(se);
	signal_stop();
	return r < 0 && r != -EAGAIN && r != -EINTR ? r : 0;
}

int fs_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int r;

	/* the new thread blocks every signal: the main thread takes them */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -r;
}

static void *serve_thread(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)serve();
}

int fs_loop_run(unsigned threads)
{
	int fd = fuse_session_fd(fs_mnt.se), flags = fcntl(fd, F_GETFL);
	pthread_t *extra;
	unsigned started = 0;
	int r;

	if (threads == 0)
		threads = FS_LOOP_THREADS;
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	extra = calloc(threads, sizeof(*extra));
	if (!extra)
		return -ENOMEM;
	while (started + 1 < threads && fs_thread_start(&extra[started], serve_thread, NULL) == 0)
		started++;
	if (started + 1 < threads)
		fs_log("zeroipcfs: started %u of %u loop threads", started + 1, threads);
	r = serve();
	for (unsigned i = 0; i < started; i++) {
		void *res;

		pthread_join(extra[i], &res);
		if (r == 0)
			r = (int)(intptr_t)res;
	}
	free(extra);
	return r;
}
