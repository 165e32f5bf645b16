/*
 * Per-kind knowledge the registry needs without depending on every module:
 * whether a kind has a wait block, and whether an existing structure's bytes
 * fit a kind and element type (for tagging entries made elsewhere).
 */
#ifndef ZEROIPC_KINDS_I_H
#define ZEROIPC_KINDS_I_H

#include <stdbool.h>

#include <zeroipc/types.h>

#include "segment_i.h"
#include "tag_i.h"

bool zipc__kind_has_wait_block(enum zipc_kind kind);

/* 0 if the structure of rec reads as kind with elements of type; else -EINVAL/-EBADMSG. */
int zipc__kind_fits(const struct zipc_segment *seg, const struct zipc__rec *rec,
		    enum zipc_kind kind, struct zipc_type type);

/* Layout checks of the shared-format structures (implemented by each module). */
int zipc__array_layout(const unsigned char *base, uint64_t size, uint32_t elem_size,
		       uint64_t *capacity);
int zipc__queue_layout(const unsigned char *base, uint64_t size, uint32_t *capacity,
		       uint32_t *elem_size);
int zipc__stack_layout(const unsigned char *base, uint64_t size, uint32_t *capacity,
		       uint32_t *elem_size);

/*
 * A future of entry size `size` whose value is made of elem_size-byte
 * elements: its value size (size - 272, accepting writers that round the
 * entry up to 8 by taking the largest multiple of elem_size that fits).
 */
int zipc__future_layout(uint64_t size, uint32_t elem_size, uint64_t *value_size);

/* Size of a queue or stack: 16-byte header, slots, then a u32 per slot. */
static inline uint64_t zipc__slotted_size(uint32_t capacity, uint32_t elem_size)
{
	return 16 + zipc__align8((uint64_t)capacity * elem_size) + 4 * (uint64_t)capacity;
}

#endif
