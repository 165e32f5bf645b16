/* Description: helpers shared by the unit and stress suites. */
/*
 * Per-process shm names that are always unlinked, raw little-endian access
 * to segment bytes, a builder for segments written by hand per
 * docs/FORMAT.md, child processes that are always reaped, and domain
 * asserts that forward __FILE__/__LINE__ to cmocka's underscore asserts
 * (apk-tools' assert_blob_equal).
 *
 * The helpers only need the public headers; each test links either
 * zeroipc_dep or zeroipc_faulty_dep itself.
 */
#ifndef ZT_H
#define ZT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <sys/types.h>

#include <zeroipc/zeroipc.h>

/* ---- names and cleanup ------------------------------------------------- */

/*
 * Make a fresh shm name "zt_<what>_<pid>_<n>" into buf (>= 64 bytes) and
 * remember it: zt_cleanup() (run by zt_teardown and at exit) unlinks it.
 */
void zt_name(char *buf, size_t len, const char *what);

/* Unlink every remembered name and kill/reap every child still tracked. */
void zt_cleanup(void);

/* cmocka fixtures: zt_setup installs the at-exit cleanup; zt_teardown runs it. */
int zt_setup(void **state);
int zt_teardown(void **state);

/* Run a group with zt_setup/zt_teardown around every test. */
#define zt_test(f) cmocka_unit_test_setup_teardown(f, zt_setup, zt_teardown)

/* ---- segments through the API ------------------------------------------ */

struct zipc_segment *zt__seg_create(const char *what, uint64_t size, uint32_t max_entries,
				    char *name_out, const char *file, int line);
/* Create a segment (asserting success); its name goes to name_out (>= 64 bytes) if non-NULL. */
#define zt_seg_create(what, size, max, name_out)                                                   \
	zt__seg_create((what), (size), (max), (name_out), __FILE__, __LINE__)

/* Offset of the live entry NAME, asserting it exists. */
uint64_t zt__entry_offset(struct zipc_segment *seg, const char *name, const char *file, int line);
#define zt_entry_offset(seg, name) zt__entry_offset((seg), (name), __FILE__, __LINE__)

/* ---- raw bytes ----------------------------------------------------------- */

void zt_put8(void *base, uint64_t off, uint8_t v);
void zt_put16(void *base, uint64_t off, uint16_t v);
void zt_put32(void *base, uint64_t off, uint32_t v);
void zt_put64(void *base, uint64_t off, uint64_t v);
uint8_t zt_get8(const void *base, uint64_t off);
uint16_t zt_get16(const void *base, uint64_t off);
uint32_t zt_get32(const void *base, uint64_t off);
uint64_t zt_get64(const void *base, uint64_t off);

uint64_t zt_align8(uint64_t n);
uint32_t zt_fnv1a(const void *p, size_t n);

/* Whole content of /dev/shm/NAME (malloc'd; free it). Asserts on failure. */
unsigned char *zt__read_shm(const char *name, size_t *len, const char *file, int line);
#define zt_read_shm(name, len) zt__read_shm((name), (len), __FILE__, __LINE__)

/* A shm object written by hand, as another implementation would. */
struct zt_raw {
	char name[64];
	int fd;
	unsigned char *p; /* MAP_SHARED mapping of len bytes */
	size_t len;
};

void zt__raw_create(struct zt_raw *r, const char *what, size_t len, const char *file, int line);
#define zt_raw_create(r, what, len) zt__raw_create((r), (what), (len), __FILE__, __LINE__)
void zt_raw_close(struct zt_raw *r);
/* Change the object's size (ftruncate) and remap. */
void zt__raw_resize(struct zt_raw *r, size_t len, const char *file, int line);
#define zt_raw_resize(r, len) zt__raw_resize((r), (len), __FILE__, __LINE__)

uint64_t zt_table_end(uint32_t max_entries);
void zt_raw_header(unsigned char *p, uint32_t entry_count, uint32_t max_entries,
		   uint64_t memory_size, uint64_t next_offset);
void zt_raw_entry(unsigned char *p, uint32_t i, const char *name, uint64_t offset, uint64_t size);

uint64_t zt_array_size(uint64_t cap, uint64_t es);
uint64_t zt_queue_size(uint64_t cap, uint64_t es);
uint64_t zt_stack_size(uint64_t cap, uint64_t es);
/* Offset of the queue's seq array / the stack's state array, from the structure. */
uint64_t zt_side_offset(uint64_t cap, uint64_t es);
/* Write empty structures at off (queue: head = tail = 0, seq[i] = i; stack: top -1). */
void zt_raw_array(unsigned char *p, uint64_t off, uint64_t cap);
void zt_raw_queue(unsigned char *p, uint64_t off, uint32_t cap, uint32_t es);
void zt_raw_stack(unsigned char *p, uint64_t off, uint32_t cap, uint32_t es);

/* ---- calls in a fresh thread --------------------------------------------- */

/*
 * Run fn(arg) in a new thread, whose zipc_last_error() starts empty, and
 * return its result; the thread's last error is copied into msg.
 */
long zt_call_fresh(long (*fn)(void *), void *arg, char *msg, size_t msglen);

/* ---- children ------------------------------------------------------------ */

/* fork(); the parent tracks the child (killed and reaped by zt_cleanup). */
pid_t zt_fork(void);

/* True in a child made by zt_fork. */
bool zt_in_child(void);

/*
 * Wait for a tracked child to exit, at most timeout_ms (then kill it).
 * Returns its exit status (0..255), 128+signal if killed by one, or -1 on timeout.
 */
int zt_wait_child(pid_t pid, int timeout_ms);

/* Wait until the child stops (WUNTRACED). Returns 0, or -1 on timeout or exit. */
int zt_wait_stopped(pid_t pid, int timeout_ms);

/* In a child: report and _exit(1). */
void zt_child_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void zt__child_check_failed(const char *file, int line, const char *cond, const char *fmt, ...)
    __attribute__((format(printf, 4, 5), noreturn));
/* In a child: unless cond holds, report (printf-style) and _exit(1). */
#define ZT_CHILD_CHECK(cond, ...)                                                                  \
	do {                                                                                       \
		if (!(cond))                                                                       \
			zt__child_check_failed(__FILE__, __LINE__, #cond, __VA_ARGS__);            \
	} while (0)

/* ---- signals ----------------------------------------------------------------- */

/*
 * Install a SIGUSR1 handler without SA_RESTART and start a thread that sends
 * SIGUSR1 to the calling thread every 20 ms until zt_pester_stop(): a
 * blocking call there must come back with -EINTR, whether the first signal
 * lands while it spins or while it sleeps.
 */
void zt_pester_start(void);
void zt_pester_stop(void);

/* ---- time ------------------------------------------------------------------ */

int64_t zt_now_ns(void);
void zt_sleep_ms(int ms);
/* CPU time (user + system) of the calling process, in ns. */
int64_t zt_cpu_ns(void);

/* ---- domain asserts ------------------------------------------------------- */

void zt__assert_rc(long got, long want, const char *expr, const char *file, int line);
/* expr returns 0 (or, for assert_zipc_rc, exactly want); says which errno otherwise. */
#define assert_zipc_ok(expr) zt__assert_rc((long)(expr), 0, #expr, __FILE__, __LINE__)
#define assert_zipc_rc(expr, want)                                                                 \
	zt__assert_rc((long)(expr), (long)(want), #expr, __FILE__, __LINE__)

void zt__assert_le(const void *base, uint64_t off, int width, uint64_t want, const char *what,
		   const char *file, int line);
/* The little-endian integer of width bytes at base+off equals want. */
#define assert_le8(base, off, want)                                                                \
	zt__assert_le((base), (off), 1, (want), #off, __FILE__, __LINE__)
#define assert_le16(base, off, want)                                                               \
	zt__assert_le((base), (off), 2, (want), #off, __FILE__, __LINE__)
#define assert_le32(base, off, want)                                                               \
	zt__assert_le((base), (off), 4, (want), #off, __FILE__, __LINE__)
#define assert_le64(base, off, want)                                                               \
	zt__assert_le((base), (off), 8, (want), #off, __FILE__, __LINE__)

void zt__assert_zeros(const void *base, uint64_t off, uint64_t len, const char *file, int line);
/* len bytes at base+off are all zero. */
#define assert_zeros(base, off, len) zt__assert_zeros((base), (off), (len), __FILE__, __LINE__)

void zt__assert_name(const void *base, uint64_t off, const char *name, const char *file, int line);
/* A char[32] at base+off holds name, NUL-padded to 32 bytes. */
#define assert_name32(base, off, name) zt__assert_name((base), (off), (name), __FILE__, __LINE__)

void zt__assert_tag(const void *base, uint64_t struct_off, uint64_t struct_size, uint8_t kind,
		    uint8_t elem, uint32_t elem_size, bool has_wait, const char *name,
		    const char *file, int line);
/*
 * The 96-byte type tag right before the structure at struct_off (FORMAT.md,
 * "Type tag") is valid and says what it should; with has_wait, its wait
 * block is 64-aligned, right before the tag and zero apart from the event
 * words.
 */
#define assert_tag(base, off, size, kind, elem, es, has_wait, name)                                \
	zt__assert_tag((base), (off), (size), (kind), (elem), (es), (has_wait), (name), __FILE__,  \
		       __LINE__)

void zt__assert_fails_detail(long got, long want, const char *msg, const char *expr,
			     const char *file, int line);
/* A zt_call_fresh result: exactly want, with a non-empty zipc_last_error(). */
#define assert_fails_with_detail(got, want, msg)                                                   \
	zt__assert_fails_detail((got), (want), (msg), #got, __FILE__, __LINE__)

#endif
