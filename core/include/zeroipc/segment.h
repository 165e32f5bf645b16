/*
 * Segments: POSIX shared-memory objects in the zeroipc format.
 *
 * A segment is one shm object (/dev/shm/NAME) holding a table of named
 * structures followed by the structures (docs/FORMAT.md). Opening a segment
 * validates the whole table: a corrupt or hostile segment yields -EBADMSG with
 * a detail in zipc_last_error(), never a crash. Structures opened from a
 * segment keep it mapped; the mapping goes away when the segment handle and
 * every structure handle opened from it are closed.
 *
 * One caveat no library can remove: if another process shrinks the shm object
 * (ftruncate) while it is mapped here, touching the lost pages raises SIGBUS.
 */
#ifndef ZEROIPC_SEGMENT_H
#define ZEROIPC_SEGMENT_H

#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ZIPC_MAGIC 0x5A49504Du
#define ZIPC_FORMAT_VERSION 2u
/* Table entries a segment gets unless asked otherwise (see FORMAT.md). */
#define ZIPC_DEFAULT_ENTRIES 64u
/* Longest structure name, in bytes, without the NUL. */
#define ZIPC_NAME_MAX 31
/* Longest segment name, in bytes, without the leading '/' and the NUL. */
#define ZIPC_SEGMENT_NAME_MAX 200

struct zipc_segment;

/*
 * Create a new segment of size bytes with room for max_entries structures
 * (0: ZIPC_DEFAULT_ENTRIES) and permission bits mode (before umask). The name
 * may start with '/'. The new segment is open in *out.
 * Returns 0, -EEXIST (a shm object of that name exists), -EINVAL (bad name,
 * size too small for the table, max_entries too large), -ENAMETOOLONG, or the
 * errno of shm_open/ftruncate/mmap (-EACCES, -ENOMEM, ...).
 */
int zipc_segment_create(const char *name, uint64_t size, uint32_t max_entries, mode_t mode,
			struct zipc_segment **out);

/*
 * Open an existing segment read-write and validate its header and table.
 * Returns 0, -ENOENT, -EACCES, -EINVAL/-ENAMETOOLONG (bad name), or -EBADMSG
 * (not in this format or corrupt; zipc_last_error() says what is wrong).
 */
int zipc_segment_open(const char *name, struct zipc_segment **out);

/* Drop this handle. The mapping stays while structures opened from it are open. */
void zipc_segment_close(struct zipc_segment *seg);

/*
 * Remove the shm object NAME. Processes that have it open keep using it.
 * Returns 0, -ENOENT, -EACCES, -EINVAL/-ENAMETOOLONG.
 */
int zipc_segment_unlink(const char *name);

/* The segment's name, without the leading '/'. */
const char *zipc_segment_name(const struct zipc_segment *seg);

/* File descriptor of the shm object (for fstat, fchmod, fchown). Owned by seg. */
int zipc_segment_fd(const struct zipc_segment *seg);

/* Base address of the mapping; the segment's byte 0. */
void *zipc_segment_base(const struct zipc_segment *seg);

struct zipc_segment_usage {
	uint64_t size;         /* memory_size */
	uint64_t used;         /* next_offset: bytes allocated so far */
	uint32_t entries;      /* table entries in use, removed ones included */
	uint32_t max_entries;  /* capacity of the table */
};

/* Fill *usage from the live header. Returns 0 or -EBADMSG. */
int zipc_segment_usage(const struct zipc_segment *seg, struct zipc_segment_usage *usage);

/*
 * Call fn(name, ctx) for every object in /dev/shm that starts with this
 * format's magic and version (the name is without '/'). Stops early and
 * returns fn's value when it is non-zero. Returns 0 or a negative errno from
 * reading the directory.
 */
typedef int (*zipc_segment_visit_fn)(const char *name, void *ctx);
int zipc_segment_list(zipc_segment_visit_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
