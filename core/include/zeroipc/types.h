/*
 * Type tags: what a structure is (its kind) and what its elements are.
 *
 * The shared format stores no types. Structures created by libzeroipc carry a
 * tag of our own next to them in the segment (docs/FORMAT.md, "Type tag"), so
 * that tools and the filesystem can show and convert their elements. Entries
 * made by other implementations have no tag and are reported as untyped.
 */
#ifndef ZEROIPC_TYPES_H
#define ZEROIPC_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Kind of a structure. Values are stored in the segment: never renumber. */
enum zipc_kind {
	ZIPC_KIND_UNTYPED = 0,
	ZIPC_KIND_ARRAY = 1,
	ZIPC_KIND_QUEUE = 2,
	ZIPC_KIND_STACK = 3,
	ZIPC_KIND_FUTURE = 4,
	ZIPC_KIND_LAZY = 5,
	ZIPC_KIND_STREAM = 6,
	ZIPC_KIND_CHANNEL = 7,
};

/* Element type. Values are stored in the segment: never renumber. */
enum zipc_elem {
	ZIPC_ELEM_NONE = 0, /* unknown: elements are opaque bytes */
	ZIPC_ELEM_I8 = 1,
	ZIPC_ELEM_I16 = 2,
	ZIPC_ELEM_I32 = 3,
	ZIPC_ELEM_I64 = 4,
	ZIPC_ELEM_U8 = 5,
	ZIPC_ELEM_U16 = 6,
	ZIPC_ELEM_U32 = 7,
	ZIPC_ELEM_U64 = 8,
	ZIPC_ELEM_F32 = 9,
	ZIPC_ELEM_F64 = 10,
	ZIPC_ELEM_BYTES = 11, /* bytes:N, N = size */
};

/* An element type with its size in bytes. */
struct zipc_type {
	enum zipc_elem elem;
	uint32_t size;
};

/* Largest element this library creates (bytes:N). */
#define ZIPC_ELEM_SIZE_MAX (1u << 20)

/* Longest string zipc_type_format() writes, with its NUL. */
#define ZIPC_TYPE_STR_MAX 24

/*
 * Parse "i8".."i64", "u8".."u64", "f32", "f64" or "bytes:N" (1 <= N <=
 * ZIPC_ELEM_SIZE_MAX) into *type. Returns 0 or -EINVAL.
 */
int zipc_type_parse(const char *text, struct zipc_type *type);

/*
 * Write the name of type into buf ("i64", "bytes:16"; an untyped element of
 * size N is "bytes:N"). Returns 0, or -ENOSPC when len is too small.
 */
int zipc_type_format(struct zipc_type type, char *buf, size_t len);

/* Name of a kind ("array", "queue", ...; "untyped" for ZIPC_KIND_UNTYPED). */
const char *zipc_kind_name(enum zipc_kind kind);

/* Parse a kind name. Returns 0 or -EINVAL. */
int zipc_kind_parse(const char *text, enum zipc_kind *kind);

#ifdef __cplusplus
}
#endif
#endif
