/*
 * The segment's table header and entries as C structs (docs/FORMAT.md,
 * "Segment"), and the process-local segment handle.
 */
#ifndef ZEROIPC_SEGMENT_I_H
#define ZEROIPC_SEGMENT_I_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <zeroipc/segment.h>

#include "common_i.h"

struct zipc__header {
	uint32_t magic;               /* read-only after creation */
	uint32_t version;             /* read-only after creation */
	_Atomic uint32_t entry_count; /* grows by CAS; see registry.c */
	uint32_t max_entries;         /* read-only after creation; 0 means 64 */
	uint64_t memory_size;         /* read-only after creation */
	_Atomic uint64_t next_offset; /* bump allocator, grows by CAS */
};
_Static_assert(sizeof(struct zipc__header) == 32, "header is 32 bytes");
_Static_assert(offsetof(struct zipc__header, entry_count) == 8, "entry_count at 8");
_Static_assert(offsetof(struct zipc__header, max_entries) == 12, "max_entries at 12");
_Static_assert(offsetof(struct zipc__header, memory_size) == 16, "memory_size at 16");
_Static_assert(offsetof(struct zipc__header, next_offset) == 24, "next_offset at 24");

/* The name is accessed as four 8-byte words so that it can be written by CAS. */
#define ZIPC__NAME_WORDS 4
struct zipc__entry {
	_Atomic uint64_t name[ZIPC__NAME_WORDS];
	_Atomic uint64_t offset;
	_Atomic uint64_t size;
};
_Static_assert(sizeof(struct zipc__entry) == 48, "entry is 48 bytes");
_Static_assert(offsetof(struct zipc__entry, offset) == 32, "offset at 32");
_Static_assert(offsetof(struct zipc__entry, size) == 40, "size at 40");

#define ZIPC__HEADER_SIZE 32u
#define ZIPC__ENTRY_SIZE 48u
/* Largest table we accept: keeps table arithmetic far from overflow. */
#define ZIPC__ENTRIES_MAX (1u << 20)

struct zipc_segment {
	_Atomic int refs;      /* this handle + every structure opened from it */
	int fd;
	unsigned char *base;   /* mapping of size bytes */
	uint64_t size;         /* memory_size, validated against the object's size */
	uint32_t max_entries;  /* validated; 0 in the header resolved to 64 */
	uint64_t table_end;    /* 32 + 48 * max_entries */
	char name[ZIPC_SEGMENT_NAME_MAX + 1];
};

static inline struct zipc__header *zipc__hdr(const struct zipc_segment *seg)
{
	return (struct zipc__header *)seg->base;
}

static inline struct zipc__entry *zipc__entry_at(const struct zipc_segment *seg, uint32_t i)
{
	return (struct zipc__entry *)(seg->base + ZIPC__HEADER_SIZE + (uint64_t)i * ZIPC__ENTRY_SIZE);
}

/* Structures hold a reference on their segment while open. */
void zipc__segment_ref(struct zipc_segment *seg);
void zipc__segment_unref(struct zipc_segment *seg);

/* True if [off, off+len) lies inside the segment's structure area. */
static inline int zipc__in_bounds(const struct zipc_segment *seg, uint64_t off, uint64_t len)
{
	return off >= seg->table_end && off <= seg->size && len <= seg->size - off;
}

#endif
