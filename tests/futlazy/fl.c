/* Description: helpers for the Future and Lazy acceptance tests (see fl.h). */
#include "fl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FL_MAX_NAMES 64
#define FL_MAX_CHILDREN 64

static char fl_names[FL_MAX_NAMES][64];
static volatile sig_atomic_t fl_nnames;
static pid_t fl_children[FL_MAX_CHILDREN];
static volatile sig_atomic_t fl_nchildren;
static pid_t fl_owner;
static unsigned fl_counter;

static void fl_forget(pid_t pid)
{
	for (int i = 0; i < fl_nchildren; i++) {
		if (fl_children[i] == pid) {
			fl_children[i] = fl_children[fl_nchildren - 1];
			fl_nchildren--;
			return;
		}
	}
}

/* Async-signal-safe enough for SIGTERM: kill, waitpid and unlink are syscalls. */
void fl_cleanup(void)
{
	if (fl_owner == 0 || getpid() != fl_owner)
		return;
	for (int i = 0; i < fl_nchildren; i++) {
		kill(fl_children[i], SIGKILL);
		waitpid(fl_children[i], NULL, 0);
	}
	fl_nchildren = 0;
	for (int i = 0; i < fl_nnames; i++) {
		char path[80];

		snprintf(path, sizeof(path), "/%.63s", fl_names[i]);
		shm_unlink(path);
	}
	fl_nnames = 0;
}

static void fl_on_term(int sig)
{
	fl_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void fl_install(void)
{
	struct sigaction sa;

	if (fl_owner != 0)
		return;
	fl_owner = getpid();
	atexit(fl_cleanup);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fl_on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

void fl_name(char *buf, size_t len, const char *what)
{
	fl_install();
	snprintf(buf, len, "zt_fl_%ld_%s%u", (long)getpid(), what, fl_counter++);
	if (fl_nnames < FL_MAX_NAMES) {
		snprintf(fl_names[fl_nnames], sizeof(fl_names[0]), "%s", buf);
		fl_nnames++;
	}
}

int fl_setup(void **state)
{
	(void)state;
	fl_install();
	return 0;
}

int fl_teardown(void **state)
{
	(void)state;
	fl_cleanup();
	return 0;
}

pid_t fl_fork(void)
{
	pid_t parent = getpid();
	pid_t pid;

	fl_install();
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		/* Never outlive the test: a child blocked forever would hang meson. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(99);
		return 0;
	}
	if (pid > 0 && fl_nchildren < FL_MAX_CHILDREN) {
		fl_children[fl_nchildren] = pid;
		fl_nchildren++;
	}
	return pid;
}

static int fl_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

int fl_wait_child(pid_t pid, int timeout_ms)
{
	int64_t deadline = fl_now_ns() + timeout_ms * FL_MS;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid) {
			fl_forget(pid);
			return fl_status(st);
		}
		if (r < 0) {
			fl_forget(pid);
			return -1;
		}
		if (fl_now_ns() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			fl_forget(pid);
			return -1;
		}
		fl_sleep_ms(1);
	}
}

int fl_wait_stopped(pid_t pid, int timeout_ms)
{
	int64_t deadline = fl_now_ns() + timeout_ms * FL_MS;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG | WUNTRACED);

		if (r == pid) {
			if (WIFSTOPPED(st))
				return 0;
			fl_forget(pid);
			return -1;
		}
		if (r < 0 || fl_now_ns() >= deadline)
			return -1;
		fl_sleep_ms(1);
	}
}

void fl__child_failed(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "child %ld: %s:%d: check failed: %s: ", (long)getpid(), file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (last error: %s)\n", zipc_last_error());
	_exit(1);
}

/* ---- shared scratch memory -------------------------------------------------- */

void *fl__shared(size_t len, const char *file, int line)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		print_error("mmap of %zu shared bytes: %s\n", len, strerror(errno));
		_fail(file, line);
	}
	return p;
}

void fl_unshare(void *p, size_t len)
{
	if (p)
		munmap(p, len);
}

static long fl_futex(_Atomic uint32_t *word, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, word, op, val, ts, NULL, 0);
}

void fl_barrier_init(struct fl_barrier *b, uint32_t n)
{
	atomic_store(&b->arrived, 0);
	atomic_store(&b->generation, 0);
	b->n = n;
}

int fl_barrier_wait(struct fl_barrier *b, int timeout_ms)
{
	uint32_t gen = atomic_load(&b->generation);
	int64_t deadline = fl_now_ns() + timeout_ms * FL_MS;

	if (atomic_fetch_add(&b->arrived, 1) + 1 == b->n) {
		atomic_store(&b->arrived, 0);
		atomic_fetch_add(&b->generation, 1);
		fl_futex(&b->generation, FUTEX_WAKE, INT_MAX, NULL);
		return 0;
	}
	while (atomic_load(&b->generation) == gen) {
		int64_t left = deadline - fl_now_ns();
		struct timespec ts;

		if (left <= 0)
			return -1;
		ts.tv_sec = left / 1000000000LL;
		ts.tv_nsec = left % 1000000000LL;
		fl_futex(&b->generation, FUTEX_WAIT, gen, &ts);
	}
	return 0;
}

int fl_await_u32(_Atomic uint32_t *word, uint32_t want, int timeout_ms)
{
	int64_t deadline = fl_now_ns() + timeout_ms * FL_MS;

	while (atomic_load(word) < want) {
		if (fl_now_ns() >= deadline)
			return -1;
		fl_sleep_ms(1);
	}
	return 0;
}

/* ---- segments ----------------------------------------------------------------- */

struct zipc_segment *fl__seg_create(const char *what, char *name_out, const char *file, int line)
{
	struct zipc_segment *seg = NULL;
	char name[64];

	fl_name(name, sizeof(name), what);
	fl__assert_rc(zipc_segment_create(name, 1u << 20, 0, 0600, &seg), 0,
		      "zipc_segment_create", file, line);
	if (name_out)
		memcpy(name_out, name, sizeof(name));
	return seg;
}

void fl__entry(struct zipc_segment *seg, const char *name, uint64_t *off, uint64_t *size,
	       const char *file, int line)
{
	struct zipc_entry e;

	fl__assert_rc(zipc_entry_find(seg, name, &e), 0, "zipc_entry_find", file, line);
	if (off)
		*off = e.offset;
	if (size)
		*size = e.size;
}

static void fl_raw_open(struct fl_raw *r, int flags, size_t len, const char *file, int line)
{
	char path[80];
	struct stat st;

	snprintf(path, sizeof(path), "/%s", r->name);
	r->fd = shm_open(path, flags, 0600);
	if (r->fd < 0) {
		print_error("shm_open %s: %s\n", path, strerror(errno));
		_fail(file, line);
	}
	if (len) {
		if (ftruncate(r->fd, (off_t)len) != 0) {
			print_error("ftruncate %s: %s\n", path, strerror(errno));
			_fail(file, line);
		}
	} else {
		if (fstat(r->fd, &st) != 0 || st.st_size <= 0) {
			print_error("fstat %s: %s\n", path, strerror(errno));
			_fail(file, line);
		}
		len = (size_t)st.st_size;
	}
	r->len = len;
	r->p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (r->p == MAP_FAILED) {
		r->p = NULL;
		print_error("mmap %s: %s\n", path, strerror(errno));
		_fail(file, line);
	}
}

void fl__raw_create(struct fl_raw *r, const char *what, size_t len, const char *file, int line)
{
	memset(r, 0, sizeof(*r));
	fl_name(r->name, sizeof(r->name), what);
	fl_raw_open(r, O_RDWR | O_CREAT | O_EXCL, len, file, line);
}

void fl__raw_map(struct fl_raw *r, const char *name, const char *file, int line)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	fl_raw_open(r, O_RDWR, 0, file, line);
}

void fl_raw_close(struct fl_raw *r)
{
	if (r->p)
		munmap(r->p, r->len);
	if (r->fd > 0)
		close(r->fd);
	r->p = NULL;
	r->fd = -1;
}

/* ---- raw bytes and processes ----------------------------------------------- */

void fl_put32(void *base, uint64_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		((unsigned char *)base)[off + i] = (unsigned char)(v >> (8 * i));
}

void fl_put64(void *base, uint64_t off, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		((unsigned char *)base)[off + i] = (unsigned char)(v >> (8 * i));
}

static uint64_t fl_get(const void *base, uint64_t off, int width)
{
	const volatile unsigned char *p = (const volatile unsigned char *)base + off;
	uint64_t v = 0;

	for (int i = width - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint32_t fl_get32(const void *base, uint64_t off)
{
	return (uint32_t)fl_get(base, off, 4);
}

uint64_t fl_get64(const void *base, uint64_t off)
{
	return fl_get(base, off, 8);
}

uint64_t fl_align8(uint64_t n)
{
	return (n + 7) & ~(uint64_t)7;
}

uint32_t fl_fnv1a(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint32_t h = 0x811C9DC5u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x01000193u;
	return h;
}

uint64_t fl_start_time(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long start = 0;
	const char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* After "pid (comm)": fields 3 (state) .. 21, then 22 (starttime); proc(5). */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1,
			 " %*c %*d %*d %*d %*d %*d"       /* 3..8 */
			 " %*u %*u %*u %*u %*u %*u %*u"   /* 9..15 */
			 " %*d %*d %*d %*d %*d %*d %llu", /* 16..22 */
			 &start) != 1)
		return 0;
	return start;
}

uint64_t fl_owner_word(pid_t pid)
{
	return (uint64_t)(uint32_t)pid | (fl_start_time(pid) & 0xFFFFFFFFu) << 32;
}

uint64_t fl_dead_owner_word(void)
{
	uint64_t word;
	pid_t pid = fl_fork();

	if (pid == 0)
		_exit(0);
	/* A zombie's /proc entry still has its start time; then reap it. */
	while (fl_start_time(pid) == 0 && kill(pid, 0) == 0)
		fl_sleep_ms(1);
	word = fl_owner_word(pid);
	fl_wait_child(pid, 10000);
	return word;
}

int64_t fl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t fl_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void fl_sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int64_t fl_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
	       ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
}

static void fl_ignore(int sig)
{
	(void)sig;
}

void fl_on_signal(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fl_ignore;
	sa.sa_flags = 0; /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* ---- domain asserts ------------------------------------------------------- */

void fl__assert_rc(long got, long want, const char *expr, const char *file, int line)
{
	if (got == want)
		return;
	print_error("%s returned %ld (%s), expected %ld (%s)%s%s%s\n", expr, got,
		    got < 0 ? zipc_strerror((int)got) : "ok", want,
		    want < 0 ? zipc_strerror((int)want) : "ok", got < 0 ? "; last error: \"" : "",
		    got < 0 ? zipc_last_error() : "", got < 0 ? "\"" : "");
	_fail(file, line);
}

void fl__assert_le(const void *base, uint64_t off, int width, uint64_t want, const char *what,
		   const char *file, int line)
{
	uint64_t got = fl_get(base, off, width);

	if (got == want)
		return;
	print_error("u%d at %s (%llu) is %llu (%#llx), expected %llu (%#llx)\n", width * 8, what,
		    (unsigned long long)off, (unsigned long long)got, (unsigned long long)got,
		    (unsigned long long)want, (unsigned long long)want);
	_fail(file, line);
}

void fl__assert_bytes(const void *base, uint64_t off, const void *want, size_t len,
		      const char *what, const char *file, int line)
{
	const unsigned char *p = (const unsigned char *)base + off, *w = want;

	for (size_t i = 0; i < len; i++) {
		if (p[i] != w[i]) {
			print_error("byte %zu of %zu at %s (%llu) is %#x, expected %#x\n", i, len,
				    what, (unsigned long long)off, p[i], w[i]);
			_fail(file, line);
		}
	}
}

void fl__assert_zeros(const void *base, uint64_t off, uint64_t len, const char *file, int line)
{
	const unsigned char *p = (const unsigned char *)base + off;

	for (uint64_t i = 0; i < len; i++) {
		if (p[i] != 0) {
			print_error("byte at %llu (+%llu of %llu zero bytes at %llu) is %#x\n",
				    (unsigned long long)(off + i), (unsigned long long)i,
				    (unsigned long long)len, (unsigned long long)off, p[i]);
			_fail(file, line);
		}
	}
}

void fl__assert_tag(const void *base, uint64_t off, uint64_t size, uint8_t kind, uint8_t elem,
		    uint32_t elem_size, bool has_wait, const char *name, const char *file, int line)
{
	const unsigned char *b = base;
	uint64_t t = off - 96, w;
	char want_name[32] = {0};

	strncpy(want_name, name, sizeof(want_name) - 1);
	fl__assert_le(b, t + 0, 4, 0x4741545A, "tag magic", file, line);
	fl__assert_le(b, t + 4, 4, fl_fnv1a(b + t + 8, 88), "tag check", file, line);
	fl__assert_le(b, t + 8, 1, 1, "tag version", file, line);
	fl__assert_le(b, t + 9, 1, kind, "tag kind", file, line);
	fl__assert_le(b, t + 10, 1, elem, "tag element type", file, line);
	fl__assert_le(b, t + 11, 1, 0, "tag flags", file, line);
	fl__assert_le(b, t + 12, 4, elem_size, "tag element size", file, line);
	fl__assert_le(b, t + 16, 8, off, "tag target_offset", file, line);
	fl__assert_le(b, t + 24, 8, size, "tag target_size", file, line);
	fl__assert_zeros(b, t + 44, 20, file, line);
	fl__assert_bytes(b, t + 64, want_name, 32, "tag name", file, line);
	w = fl_get(b, t + 32, 8);
	if (!has_wait) {
		fl__assert_le(b, t + 32, 8, 0, "tag wait_offset", file, line);
		fl__assert_le(b, t + 40, 4, 0, "tag wait_size", file, line);
		return;
	}
	fl__assert_le(b, t + 40, 4, 64, "tag wait_size", file, line);
	if (w % 64 != 0 || w + 64 != t) {
		print_error("wait block at %llu: not 64-aligned right before the tag at %llu\n",
			    (unsigned long long)w, (unsigned long long)t);
		_fail(file, line);
	}
}

void fl__assert_lazy(struct zipc_lazy *lz, enum zipc_lazy_state state, uint32_t count,
		     const char *file, int line)
{
	struct zipc_lazy_info info;

	zipc_lazy_info(lz, &info);
	if (info.state == state && info.compute_count == count)
		return;
	print_error("lazy is in state %d with compute count %u, expected state %d count %u\n",
		    (int)info.state, info.compute_count, (int)state, count);
	_fail(file, line);
}

void fl__assert_last_error(const char *want, const char *file, int line)
{
	if (strcmp(zipc_last_error(), want) == 0)
		return;
	print_error("zipc_last_error() is \"%s\", expected \"%s\"\n", zipc_last_error(), want);
	_fail(file, line);
}
