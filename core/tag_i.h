/*
 * Type tags and wait blocks: our extension records placed in space no table
 * entry covers (docs/FORMAT.md, "Type tag", "Wait block").
 */
#ifndef ZEROIPC_TAG_I_H
#define ZEROIPC_TAG_I_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zeroipc/types.h>

#include "segment_i.h"
#include "wait_i.h"

#define ZIPC__TAG_MAGIC 0x4741545Au
#define ZIPC__TAG_VERSION 1u
#define ZIPC__TAG_SIZE 96u
#define ZIPC__WAIT_BLOCK_SIZE 64u

struct zipc__tag {
	uint32_t magic; /* written last (release) */
	uint32_t check; /* FNV-1a 32 of bytes 8..95 */
	uint8_t version;
	uint8_t kind;
	uint8_t elem;
	uint8_t flags;
	uint32_t elem_size;
	uint64_t target_offset;
	uint64_t target_size;
	uint64_t wait_offset;
	uint32_t wait_size;
	uint32_t reserved0;
	uint64_t reserved[2];
	char name[32];
};
_Static_assert(sizeof(struct zipc__tag) == ZIPC__TAG_SIZE, "tag is 96 bytes");
_Static_assert(offsetof(struct zipc__tag, elem_size) == 12, "elem_size at 12");
_Static_assert(offsetof(struct zipc__tag, target_offset) == 16, "target_offset at 16");
_Static_assert(offsetof(struct zipc__tag, wait_offset) == 32, "wait_offset at 32");
_Static_assert(offsetof(struct zipc__tag, name) == 64, "name at 64");

/* The wait block of queues and stacks. */
struct zipc__wait_block {
	struct zipc_event readable;
	struct zipc_event writable;
	_Atomic uint64_t holes_skipped;
	_Atomic uint64_t claims_reclaimed;
	_Atomic uint64_t owner; /* futures: owner word of the setter (owner_i.h) */
	uint8_t reserved[24];
};
_Static_assert(sizeof(struct zipc__wait_block) == ZIPC__WAIT_BLOCK_SIZE, "wait block is 64 bytes");
_Static_assert(offsetof(struct zipc__wait_block, writable) == 8, "writable at 8");
_Static_assert(offsetof(struct zipc__wait_block, holes_skipped) == 16, "holes_skipped at 16");
_Static_assert(offsetof(struct zipc__wait_block, owner) == 32, "owner at 32");

/* A table entry as read and validated, with its tag if it has one. */
struct zipc__rec {
	char name[32];
	uint64_t offset;
	uint64_t size;
	uint32_t index; /* position in the table */
};

/* What a structure's open function needs to know about its entry. */
struct zipc__located {
	struct zipc__rec rec;
	bool tagged;
	struct zipc__tag tag; /* valid when tagged */
};

/* Fill *tag (check included; magic left 0 until zipc__tag_publish). */
void zipc__tag_fill(struct zipc__tag *tag, enum zipc_kind kind, struct zipc_type type,
		    uint64_t target_offset, uint64_t target_size, uint64_t wait_offset,
		    const char *name);

/* Copy tag into the segment at off, magic last (release). */
void zipc__tag_publish(struct zipc_segment *seg, uint64_t off, const struct zipc__tag *tag);

/*
 * Read the tag at off if it is a valid tag (magic, check, in bounds) for the
 * structure (target_offset, target_size); target_size 0 accepts any size.
 * Returns true and fills *out, or false.
 */
bool zipc__tag_read(const struct zipc_segment *seg, uint64_t off, uint64_t target_offset,
		    uint64_t target_size, struct zipc__tag *out);

/*
 * Find the tag of entry rec among the validated entries recs (sorted by
 * offset): the one ending at rec->offset, else the highest retro tag in the
 * uncovered gaps. Returns true and fills *out and *tag_off (where the tag
 * is), or false (untagged).
 */
bool zipc__tag_find(const struct zipc_segment *seg, const struct zipc__rec *recs, uint32_t n,
		    const struct zipc__rec *rec, struct zipc__tag *out, uint64_t *tag_off);

/* The wait block a tag points to, or NULL if it has none or it is out of bounds. */
struct zipc__wait_block *zipc__wait_block_of(const struct zipc_segment *seg,
					     const struct zipc__tag *tag);

/* The type recorded in a tag. */
struct zipc_type zipc__tag_type(const struct zipc__tag *tag);

#endif
