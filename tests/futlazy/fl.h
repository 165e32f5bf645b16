/*
 * Helpers for the Future and Lazy acceptance tests (tests/futlazy): shm names
 * "zt_fl_<pid>_..." that are always unlinked (teardown, exit, SIGTERM),
 * children that are always killed and reaped and die with the test, shared
 * anonymous mappings for counters and a futex barrier, raw little-endian
 * access to segment bytes, and domain asserts that forward __FILE__/__LINE__
 * to cmocka's underscore asserts (apk-tools' assert_blob_equal).
 *
 * Children never return into cmocka: they report with FL_CHILD_CHECK and
 * leave with _exit().
 */
#ifndef FL_H
#define FL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdatomic.h>
#include <stdbool.h>
#include <sys/types.h>

#include <zeroipc/zeroipc.h>

#define FL_MS 1000000LL

/* ---- names, children, cleanup -------------------------------------------- */

/* A fresh shm name "zt_fl_<pid>_<what><n>" (buf >= 64 bytes), unlinked by fl_cleanup(). */
void fl_name(char *buf, size_t len, const char *what);

/* Kill and reap every tracked child, unlink every name. Does nothing in children. */
void fl_cleanup(void);

/* cmocka fixtures: fl_setup installs the exit and SIGTERM cleanup; fl_teardown runs it. */
int fl_setup(void **state);
int fl_teardown(void **state);
#define fl_test(f) cmocka_unit_test_setup_teardown(f, fl_setup, fl_teardown)

/*
 * fork(); the parent tracks the child. The child gets SIGKILL when the
 * test process dies, and must leave with _exit().
 */
pid_t fl_fork(void);

/* Exit status of a tracked child (0..255, 128+signal), or -1 after timeout_ms (it is killed). */
int fl_wait_child(pid_t pid, int timeout_ms);

/* Wait until a tracked child is stopped. Returns 0, or -1 (timeout or it exited). */
int fl_wait_stopped(pid_t pid, int timeout_ms);

void fl__child_failed(const char *file, int line, const char *cond, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), noreturn));
/* In a child: unless cond holds, say why on stderr and _exit(1). */
#define FL_CHILD_CHECK(cond, ...)                                                                  \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fl__child_failed(__FILE__, __LINE__, #cond, __VA_ARGS__);                  \
	} while (0)

/* ---- shared scratch memory -------------------------------------------------- */

/* A zeroed MAP_SHARED | MAP_ANONYMOUS mapping, inherited by children. */
void *fl__shared(size_t len, const char *file, int line);
#define fl_shared(len) fl__shared((len), __FILE__, __LINE__)
void fl_unshare(void *p, size_t len);

/* A reusable barrier for n processes, in shared memory (futex). */
struct fl_barrier {
	_Atomic uint32_t arrived;
	_Atomic uint32_t generation;
	uint32_t n;
};
void fl_barrier_init(struct fl_barrier *b, uint32_t n);
/* Returns 0 when all n arrived, -1 after timeout_ms. */
int fl_barrier_wait(struct fl_barrier *b, int timeout_ms);

/* Wait (sleeping in 1 ms steps) until *word >= want. Returns 0, or -1 after timeout_ms. */
int fl_await_u32(_Atomic uint32_t *word, uint32_t want, int timeout_ms);

/* ---- segments ----------------------------------------------------------------- */

struct zipc_segment *fl__seg_create(const char *what, char *name_out, const char *file,
				    int line);
/* A 1 MiB segment with 64 entries; its name goes to name_out (>= 64 bytes). */
#define fl_seg_create(what, name_out) fl__seg_create((what), (name_out), __FILE__, __LINE__)

/* Offset and size of the live entry NAME, asserting it exists. */
void fl__entry(struct zipc_segment *seg, const char *name, uint64_t *off, uint64_t *size,
	       const char *file, int line);
#define fl_entry(seg, name, off, size) fl__entry((seg), (name), (off), (size), __FILE__, __LINE__)

/* A shm object written by hand, as another implementation would. */
struct fl_raw {
	char name[64];
	int fd;
	unsigned char *p; /* MAP_SHARED, len bytes */
	size_t len;
};
void fl__raw_create(struct fl_raw *r, const char *what, size_t len, const char *file, int line);
#define fl_raw_create(r, what, len) fl__raw_create((r), (what), (len), __FILE__, __LINE__)
/* Map an existing shm object by name, read-write (another implementation's view). */
void fl__raw_map(struct fl_raw *r, const char *name, const char *file, int line);
#define fl_raw_map(r, name) fl__raw_map((r), (name), __FILE__, __LINE__)
void fl_raw_close(struct fl_raw *r);

/* ---- raw bytes and processes ----------------------------------------------- */

void fl_put32(void *base, uint64_t off, uint32_t v);
void fl_put64(void *base, uint64_t off, uint64_t v);
uint32_t fl_get32(const void *base, uint64_t off);
uint64_t fl_get64(const void *base, uint64_t off);
uint64_t fl_align8(uint64_t n);
uint32_t fl_fnv1a(const void *p, size_t n);

/* Field 22 of /proc/PID/stat (start time in clock ticks), or 0. */
uint64_t fl_start_time(pid_t pid);
/* The owner word FORMAT.md gives process pid: pid | (start_time & 0xFFFFFFFF) << 32. */
uint64_t fl_owner_word(pid_t pid);
/* The owner word of a process that has exited and been reaped. */
uint64_t fl_dead_owner_word(void);

int64_t fl_now_ns(void);
int64_t fl_realtime_ns(void);
void fl_sleep_ms(int ms);
/* CPU time (user + system) of the calling process, ns. */
int64_t fl_cpu_ns(void);

/* Install handler for sig without SA_RESTART (a blocked call gets EINTR). */
void fl_on_signal(int sig);

/* ---- domain asserts ------------------------------------------------------- */

void fl__assert_rc(long got, long want, const char *expr, const char *file, int line);
/* expr returns exactly want; on failure say which errno it was and zipc_last_error(). */
#define assert_zipc_rc(expr, want)                                                                 \
	fl__assert_rc((long)(expr), (long)(want), #expr, __FILE__, __LINE__)
#define assert_zipc_ok(expr) assert_zipc_rc((expr), 0)

void fl__assert_le(const void *base, uint64_t off, int width, uint64_t want, const char *what,
		   const char *file, int line);
/* The little-endian integer of width bytes at base+off equals want. */
#define assert_le32(base, off, want)                                                               \
	fl__assert_le((base), (off), 4, (want), #off, __FILE__, __LINE__)
#define assert_le64(base, off, want)                                                               \
	fl__assert_le((base), (off), 8, (want), #off, __FILE__, __LINE__)

void fl__assert_bytes(const void *base, uint64_t off, const void *want, size_t len,
		      const char *what, const char *file, int line);
/* len bytes at base+off equal want. */
#define assert_bytes(base, off, want, len)                                                         \
	fl__assert_bytes((base), (off), (want), (len), #off, __FILE__, __LINE__)

void fl__assert_zeros(const void *base, uint64_t off, uint64_t len, const char *file, int line);
#define assert_zeros(base, off, len) fl__assert_zeros((base), (off), (len), __FILE__, __LINE__)

void fl__assert_tag(const void *base, uint64_t struct_off, uint64_t struct_size, uint8_t kind,
		    uint8_t elem, uint32_t elem_size, bool has_wait, const char *name,
		    const char *file, int line);
/*
 * The type tag right before the structure at struct_off (FORMAT.md "Type
 * tag") is valid and describes it; with has_wait it points to a 64-byte,
 * 64-aligned wait block just before it, else wait_offset and wait_size are 0.
 */
#define assert_tag(base, off, size, kind, elem, es, has_wait, name)                                \
	fl__assert_tag((base), (off), (size), (kind), (elem), (es), (has_wait), (name), __FILE__,  \
		       __LINE__)

void fl__assert_lazy(struct zipc_lazy *lz, enum zipc_lazy_state state, uint32_t count,
		     const char *file, int line);
/* The lazy's state and compute count, as zipc_lazy_info reports them. */
#define assert_lazy(lz, state, count) fl__assert_lazy((lz), (state), (count), __FILE__, __LINE__)

void fl__assert_last_error(const char *want, const char *file, int line);
/* zipc_last_error() of this thread is exactly want. */
#define assert_last_error(want) fl__assert_last_error((want), __FILE__, __LINE__)

#endif
