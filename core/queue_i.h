/*
 * Queue internals shared with structures that embed a queue in the shared
 * format (the channel): the handle, binding a handle to a queue at any
 * offset, and the per-position calls an unbuffered channel needs.
 */
#ifndef ZEROIPC_QUEUE_I_H
#define ZEROIPC_QUEUE_I_H

#include <stdbool.h>
#include <stdint.h>

#include <zeroipc/queue.h>

#include "segment_i.h"
#include "tag_i.h"

struct zipc__queue_hdr {
	_Atomic uint32_t head;
	_Atomic uint32_t tail;
	uint32_t capacity;  /* read-only after creation */
	uint32_t elem_size; /* read-only after creation */
};
_Static_assert(sizeof(struct zipc__queue_hdr) == 16, "queue header is 16 bytes");

struct zipc_queue {
	struct zipc_segment *seg;
	struct zipc__queue_hdr *hdr;
	unsigned char *slots;
	_Atomic uint32_t *seq;
	struct zipc__wait_block *wb; /* NULL for queues made elsewhere */
	/* Read once at open, never re-read from the segment: */
	uint32_t capacity;
	uint32_t mask;
	uint32_t elem_size;
	struct zipc_type type;
	int64_t stall_ns;
	/* Where this handle expects the next claim: where its last one ended.
	 * Starting a claim there instead of loading head/tail keeps a spinning
	 * consumer (producer) on the one seq word that will change, and lets the
	 * claim CAS take the header line exclusively in one transfer. A stale
	 * hint only costs a retry: the CAS reports the real position. */
	_Atomic uint32_t head_hint;
	_Atomic uint32_t tail_hint;
};

/* Write the initial state of a queue of cap (power of two >= 2) x elem_size at base. */
void zipc__queue_format(unsigned char *base, uint32_t cap, uint32_t elem_size);

/*
 * Initialise *q (caller-owned memory, not a reference on seg) over the queue
 * at base, validating its layout against size. Returns 0 or -EBADMSG.
 */
int zipc__queue_bind(struct zipc_queue *q, struct zipc_segment *seg, unsigned char *base,
		     uint64_t size, struct zipc__wait_block *wb, struct zipc_type type);

/* Push one element as zipc_queue_push, reporting its position in *pos. */
int zipc__queue_push_at(struct zipc_queue *q, const void *elem, int64_t timeout_ns,
			uint32_t *pos);

/* Has the element pushed at pos been taken (read and released) or withdrawn? */
bool zipc__queue_taken(const struct zipc_queue *q, uint32_t pos);

/*
 * Withdraw the element pushed at pos unless a consumer already took it.
 * True if withdrawn: no consumer will ever return it.
 */
bool zipc__queue_withdraw(struct zipc_queue *q, uint32_t pos);

#endif
