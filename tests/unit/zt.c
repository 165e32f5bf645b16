/* Description: helpers for the unit and stress suites (see zt.h). */
#include "zt.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ZT_MAX_NAMES 256
#define ZT_MAX_CHILDREN 64

static char zt_names[ZT_MAX_NAMES][64];
static int zt_nnames;
static pid_t zt_children[ZT_MAX_CHILDREN];
static int zt_nchildren;
static pid_t zt_owner;
static bool zt_child;
static unsigned zt_counter;
static bool zt_atexit_done;

static void zt_atexit(void)
{
	zt_cleanup();
}

/* Present when a sanitizer runtime is linked: it reports, then _exits without atexit. */
extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

static void zt_install(void)
{
	if (!zt_atexit_done) {
		zt_atexit_done = true;
		zt_owner = getpid();
		atexit(zt_atexit);
		if (__sanitizer_set_death_callback)
			__sanitizer_set_death_callback(zt_atexit);
	}
}

void zt_name(char *buf, size_t len, const char *what)
{
	zt_install();
	snprintf(buf, len, "zt_%s_%ld_%u", what, (long)getpid(), zt_counter++);
	if (zt_nnames < ZT_MAX_NAMES) {
		snprintf(zt_names[zt_nnames], sizeof(zt_names[0]), "%s", buf);
		zt_nnames++;
	}
}

static void zt_forget_child(pid_t pid)
{
	for (int i = 0; i < zt_nchildren; i++) {
		if (zt_children[i] == pid) {
			zt_children[i] = zt_children[--zt_nchildren];
			return;
		}
	}
}

void zt_cleanup(void)
{
	if (zt_child || getpid() != zt_owner)
		return;
	zt_pester_stop();
	for (int i = 0; i < zt_nchildren; i++) {
		kill(zt_children[i], SIGKILL);
		waitpid(zt_children[i], NULL, 0);
	}
	zt_nchildren = 0;
	for (int i = 0; i < zt_nnames; i++) {
		char path[80];

		snprintf(path, sizeof(path), "/%.63s", zt_names[i]);
		shm_unlink(path);
	}
	zt_nnames = 0;
}

int zt_setup(void **state)
{
	(void)state;
	zt_install();
	return 0;
}

int zt_teardown(void **state)
{
	(void)state;
	zt_cleanup();
	return 0;
}

struct zipc_segment *zt__seg_create(const char *what, uint64_t size, uint32_t max_entries,
				    char *name_out, const char *file, int line)
{
	char name[64];
	struct zipc_segment *seg = NULL;

	zt_name(name, sizeof(name), what);
	zt__assert_rc(zipc_segment_create(name, size, max_entries, 0600, &seg), 0,
		      "zipc_segment_create", file, line);
	if (name_out)
		memcpy(name_out, name, sizeof(name));
	return seg;
}

uint64_t zt__entry_offset(struct zipc_segment *seg, const char *name, const char *file, int line)
{
	struct zipc_entry e;

	zt__assert_rc(zipc_entry_find(seg, name, &e), 0, "zipc_entry_find", file, line);
	return e.offset;
}

/* ---- raw bytes ----------------------------------------------------------- */

void zt_put8(void *base, uint64_t off, uint8_t v)
{
	((unsigned char *)base)[off] = v;
}

void zt_put16(void *base, uint64_t off, uint16_t v)
{
	for (int i = 0; i < 2; i++)
		((unsigned char *)base)[off + i] = (unsigned char)(v >> (8 * i));
}

void zt_put32(void *base, uint64_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		((unsigned char *)base)[off + i] = (unsigned char)(v >> (8 * i));
}

void zt_put64(void *base, uint64_t off, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		((unsigned char *)base)[off + i] = (unsigned char)(v >> (8 * i));
}

static uint64_t zt_get(const void *base, uint64_t off, int width)
{
	const volatile unsigned char *p = (const volatile unsigned char *)base + off;
	uint64_t v = 0;

	for (int i = width - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint8_t zt_get8(const void *base, uint64_t off)
{
	return (uint8_t)zt_get(base, off, 1);
}

uint16_t zt_get16(const void *base, uint64_t off)
{
	return (uint16_t)zt_get(base, off, 2);
}

uint32_t zt_get32(const void *base, uint64_t off)
{
	return (uint32_t)zt_get(base, off, 4);
}

uint64_t zt_get64(const void *base, uint64_t off)
{
	return zt_get(base, off, 8);
}

uint64_t zt_align8(uint64_t n)
{
	return (n + 7) & ~(uint64_t)7;
}

uint32_t zt_fnv1a(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint32_t h = 0x811C9DC5u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x01000193u;
	return h;
}

unsigned char *zt__read_shm(const char *name, size_t *len, const char *file, int line)
{
	char path[300];
	struct stat st;
	unsigned char *buf;
	size_t got = 0;
	int fd;

	snprintf(path, sizeof(path), "/dev/shm/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0) {
		print_error("cannot read %s: %s\n", path, strerror(errno));
		_fail(file, line);
	}
	buf = malloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t n = pread(fd, buf + got, (size_t)st.st_size - got, (off_t)got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != (size_t)st.st_size) {
		free(buf);
		print_error("short read of %s\n", path);
		_fail(file, line);
	}
	*len = got;
	return buf;
}

void zt__raw_create(struct zt_raw *r, const char *what, size_t len, const char *file, int line)
{
	char path[80];

	memset(r, 0, sizeof(*r));
	zt_name(r->name, sizeof(r->name), what);
	snprintf(path, sizeof(path), "/%s", r->name);
	r->fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (r->fd < 0) {
		print_error("shm_open %s: %s\n", path, strerror(errno));
		_fail(file, line);
	}
	r->p = NULL;
	r->len = 0;
	zt__raw_resize(r, len, file, line);
}

void zt__raw_resize(struct zt_raw *r, size_t len, const char *file, int line)
{
	if (r->p)
		munmap(r->p, r->len);
	r->p = NULL;
	if (ftruncate(r->fd, (off_t)len) != 0) {
		print_error("ftruncate %s: %s\n", r->name, strerror(errno));
		_fail(file, line);
	}
	r->len = len;
	if (len == 0)
		return;
	r->p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (r->p == MAP_FAILED) {
		r->p = NULL;
		print_error("mmap %s: %s\n", r->name, strerror(errno));
		_fail(file, line);
	}
}

void zt_raw_close(struct zt_raw *r)
{
	if (r->p)
		munmap(r->p, r->len);
	if (r->fd >= 0)
		close(r->fd);
	r->p = NULL;
	r->fd = -1;
}

uint64_t zt_table_end(uint32_t max_entries)
{
	return 32 + 48 * (uint64_t)(max_entries ? max_entries : 64);
}

void zt_raw_header(unsigned char *p, uint32_t entry_count, uint32_t max_entries,
		   uint64_t memory_size, uint64_t next_offset)
{
	zt_put32(p, 0, 0x5A49504Du);
	zt_put32(p, 4, 2);
	zt_put32(p, 8, entry_count);
	zt_put32(p, 12, max_entries);
	zt_put64(p, 16, memory_size);
	zt_put64(p, 24, next_offset);
}

void zt_raw_entry(unsigned char *p, uint32_t i, const char *name, uint64_t offset, uint64_t size)
{
	uint64_t e = 32 + 48 * (uint64_t)i;

	memset(p + e, 0, 32);
	memcpy(p + e, name, strnlen(name, 32));
	zt_put64(p, e + 32, offset);
	zt_put64(p, e + 40, size);
}

uint64_t zt_array_size(uint64_t cap, uint64_t es)
{
	return 8 + cap * es;
}

uint64_t zt_side_offset(uint64_t cap, uint64_t es)
{
	return 16 + zt_align8(cap * es);
}

uint64_t zt_queue_size(uint64_t cap, uint64_t es)
{
	return zt_side_offset(cap, es) + 4 * cap;
}

uint64_t zt_stack_size(uint64_t cap, uint64_t es)
{
	return zt_side_offset(cap, es) + 4 * cap;
}

void zt_raw_array(unsigned char *p, uint64_t off, uint64_t cap)
{
	zt_put64(p, off, cap);
}

void zt_raw_queue(unsigned char *p, uint64_t off, uint32_t cap, uint32_t es)
{
	zt_put32(p, off, 0);
	zt_put32(p, off + 4, 0);
	zt_put32(p, off + 8, cap);
	zt_put32(p, off + 12, es);
	for (uint32_t i = 0; i < cap; i++)
		zt_put32(p, off + zt_side_offset(cap, es) + 4 * (uint64_t)i, i);
}

void zt_raw_stack(unsigned char *p, uint64_t off, uint32_t cap, uint32_t es)
{
	zt_put32(p, off, 0xFFFFFFFFu);
	zt_put32(p, off + 4, cap);
	zt_put32(p, off + 8, es);
	zt_put32(p, off + 12, 0);
	for (uint32_t i = 0; i < cap; i++)
		zt_put32(p, off + zt_side_offset(cap, es) + 4 * (uint64_t)i, 0);
}

/* ---- calls in a fresh thread --------------------------------------------- */

struct zt_fresh {
	long (*fn)(void *);
	void *arg;
	long rc;
	char msg[256];
};

static void *zt_fresh_main(void *p)
{
	struct zt_fresh *f = p;

	f->rc = f->fn(f->arg);
	snprintf(f->msg, sizeof(f->msg), "%s", zipc_last_error());
	return NULL;
}

long zt_call_fresh(long (*fn)(void *), void *arg, char *msg, size_t msglen)
{
	struct zt_fresh f = {.fn = fn, .arg = arg};
	pthread_t t;

	if (pthread_create(&t, NULL, zt_fresh_main, &f) != 0) {
		print_error("pthread_create failed\n");
		fail();
	}
	pthread_join(t, NULL);
	if (msg && msglen)
		snprintf(msg, msglen, "%s", f.msg);
	return f.rc;
}

/* ---- children ------------------------------------------------------------ */

pid_t zt_fork(void)
{
	pid_t pid;

	zt_install();
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		zt_child = true;
		zt_nnames = 0;
		zt_nchildren = 0;
	} else if (pid > 0 && zt_nchildren < ZT_MAX_CHILDREN) {
		zt_children[zt_nchildren++] = pid;
	}
	return pid;
}

bool zt_in_child(void)
{
	return zt_child;
}

int zt_wait_child(pid_t pid, int timeout_ms)
{
	int64_t deadline = zt_now_ns() + (int64_t)timeout_ms * 1000000;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			zt_forget_child(pid);
			return -1;
		}
		if (zt_now_ns() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			zt_forget_child(pid);
			return -1;
		}
		zt_sleep_ms(2);
	}
	zt_forget_child(pid);
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

int zt_wait_stopped(pid_t pid, int timeout_ms)
{
	int64_t deadline = zt_now_ns() + (int64_t)timeout_ms * 1000000;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG | WUNTRACED);

		if (r == pid) {
			if (WIFSTOPPED(st))
				return 0;
			zt_forget_child(pid);
			return -1; /* exited or killed */
		}
		if (r < 0 && errno != EINTR)
			return -1;
		if (zt_now_ns() > deadline)
			return -1;
		zt_sleep_ms(1);
	}
}

void zt_child_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "child %ld: ", (long)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (last error: %s)\n", zipc_last_error());
	fflush(stderr);
	_exit(1);
}

void zt__child_check_failed(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "child %ld: %s:%d: %s: ", (long)getpid(), file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (last error: %s)\n", zipc_last_error());
	fflush(stderr);
	_exit(1);
}

/* ---- signals ----------------------------------------------------------------- */

static pthread_t zt_pester_thread, zt_pester_target;
static _Atomic int zt_pester_stop_flag;
static bool zt_pester_running;

static void zt_on_sigusr1(int sig)
{
	(void)sig;
}

static void *zt_pester_main(void *arg)
{
	(void)arg;
	while (!atomic_load(&zt_pester_stop_flag)) {
		pthread_kill(zt_pester_target, SIGUSR1);
		zt_sleep_ms(20);
	}
	return NULL;
}

void zt_pester_start(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = zt_on_sigusr1;
	sa.sa_flags = 0; /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	atomic_store(&zt_pester_stop_flag, 0);
	zt_pester_target = pthread_self();
	if (pthread_create(&zt_pester_thread, NULL, zt_pester_main, NULL) != 0) {
		print_error("pthread_create failed\n");
		fail();
	}
	zt_pester_running = true;
}

void zt_pester_stop(void)
{
	if (!zt_pester_running)
		return;
	atomic_store(&zt_pester_stop_flag, 1);
	pthread_join(zt_pester_thread, NULL);
	zt_pester_running = false;
}

/* ---- time ------------------------------------------------------------------ */

int64_t zt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void zt_sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int64_t zt_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
	       ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

/* ---- domain asserts ------------------------------------------------------- */

static const char *zt_errname(long rc)
{
	return rc < 0 && rc > -4096 ? zipc_strerror((int)rc) : "a count";
}

void zt__assert_rc(long got, long want, const char *expr, const char *file, int line)
{
	if (got == want)
		return;
	print_error("%s returned %ld (%s), expected %ld (%s); last error: \"%s\"\n", expr, got,
		    got < 0 ? zt_errname(got) : "ok", want, want < 0 ? zt_errname(want) : "ok",
		    zipc_last_error());
	_fail(file, line);
}

void zt__assert_le(const void *base, uint64_t off, int width, uint64_t want, const char *what,
		   const char *file, int line)
{
	uint64_t got = zt_get(base, off, width);

	if (got == want)
		return;
	print_error("u%d at offset %llu (%s) is %llu (0x%llx), expected %llu (0x%llx)\n", width * 8,
		    (unsigned long long)off, what, (unsigned long long)got, (unsigned long long)got,
		    (unsigned long long)want, (unsigned long long)want);
	_fail(file, line);
}

void zt__assert_zeros(const void *base, uint64_t off, uint64_t len, const char *file, int line)
{
	const unsigned char *p = (const unsigned char *)base + off;

	for (uint64_t i = 0; i < len; i++) {
		if (p[i] != 0) {
			print_error(
			    "byte at offset %llu is 0x%02x, expected 0 (zero run %llu..%llu)\n",
			    (unsigned long long)(off + i), p[i], (unsigned long long)off,
			    (unsigned long long)(off + len - 1));
			_fail(file, line);
		}
	}
}

void zt__assert_name(const void *base, uint64_t off, const char *name, const char *file, int line)
{
	const unsigned char *p = (const unsigned char *)base + off;
	size_t n = strlen(name);

	if (memcmp(p, name, n) != 0) {
		print_error("name at offset %llu is \"%.32s\", expected \"%s\"\n",
			    (unsigned long long)off, (const char *)p, name);
		_fail(file, line);
	}
	zt__assert_zeros(base, off + n, 32 - n, file, line);
}

void zt__assert_tag(const void *base, uint64_t off, uint64_t size, uint8_t kind, uint8_t elem,
		    uint32_t elem_size, bool has_wait, const char *name, const char *file, int line)
{
	const unsigned char *p = base;
	uint64_t t = off - 96;

	zt__assert_le(p, t + 0, 4, 0x4741545Au, "tag magic", file, line);
	zt__assert_le(p, t + 4, 4, zt_fnv1a(p + t + 8, 88), "tag check (FNV-1a of +8..+95)", file,
		      line);
	zt__assert_le(p, t + 8, 1, 1, "tag version", file, line);
	zt__assert_le(p, t + 9, 1, kind, "tag kind", file, line);
	zt__assert_le(p, t + 10, 1, elem, "tag element type", file, line);
	zt__assert_le(p, t + 11, 1, 0, "tag flags", file, line);
	zt__assert_le(p, t + 12, 4, elem_size, "tag element size", file, line);
	zt__assert_le(p, t + 16, 8, off, "tag target_offset", file, line);
	zt__assert_le(p, t + 24, 8, size, "tag target_size", file, line);
	if (has_wait) {
		uint64_t w = zt_get(p, t + 32, 8);

		zt__assert_le(p, t + 40, 4, 64, "tag wait_size", file, line);
		if (w % 64 != 0 || w + 64 != t) {
			print_error("wait block at %llu: expected 64-aligned and right before the "
				    "tag at %llu\n",
				    (unsigned long long)w, (unsigned long long)t);
			_fail(file, line);
		}
		zt__assert_le(p, w + 16, 8, 0, "wait holes_skipped", file, line);
		zt__assert_le(p, w + 24, 8, 0, "wait claims_reclaimed", file, line);
		zt__assert_zeros(p, w + 32, 32, file, line);
	} else {
		zt__assert_le(p, t + 32, 8, 0, "tag wait_offset", file, line);
		zt__assert_le(p, t + 40, 4, 0, "tag wait_size", file, line);
	}
	zt__assert_le(p, t + 44, 4, 0, "tag reserved +44", file, line);
	zt__assert_zeros(p, t + 48, 16, file, line);
	zt__assert_name(p, t + 64, name, file, line);
}

void zt__assert_fails_detail(long got, long want, const char *msg, const char *expr,
			     const char *file, int line)
{
	if (got != want) {
		print_error("%s returned %ld (%s), expected %ld (%s); last error: \"%s\"\n", expr,
			    got, got < 0 ? zt_errname(got) : "ok", want, zt_errname(want), msg);
		_fail(file, line);
	}
	if (msg[0] == '\0') {
		print_error("%s returned %s but left zipc_last_error() empty\n", expr,
			    zt_errname(want));
		_fail(file, line);
	}
}
