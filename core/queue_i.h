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
#include "wait_i.h"

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

/* What withdrawing a pushed element found. */
enum zipc__withdrawal {
	ZIPC__WITHDRAWN, /* no consumer will ever return it */
	ZIPC__TAKEN,     /* a consumer took it */
	ZIPC__BUSY,      /* a consumer claimed it and is copying it: ask again */
};

/*
 * Withdraw the element pushed at pos unless a consumer claimed or took it.
 * Never frees a slot a consumer may still be copying.
 */
enum zipc__withdrawal zipc__queue_withdraw(struct zipc_queue *q, uint32_t pos);

/*
 * Take the element at pos back even though a consumer claimed it (that
 * consumer is presumed dead: its release will fail and it drops the copy).
 * True if revoked; false if it was released meanwhile.
 */
bool zipc__queue_revoke(struct zipc_queue *q, uint32_t pos);

/* Dead-peer detection for one blocking call: the stuck state and since when. */
struct zipc__queue_stall {
	bool active;
	uint32_t pos;
	uint32_t seq;
	int64_t since;
};

/*
 * Has (pos, seq) been stuck for q's stall timeout? Starts the clock when the
 * state is new and asks w to come back in time.
 */
bool zipc__queue_stalled(struct zipc__queue_stall *st, const struct zipc_queue *q,
			 struct zipc__waiter *w, uint32_t pos, uint32_t seq);

/*
 * The recovery step of a blocking pop, after a try found the queue empty:
 * skip a dead producer's hole at the head once it has been stuck for the
 * stall timeout. Returns 1 (the producer published after all: one element
 * is in out), 0 (the head moved on: try again at once), or -EAGAIN.
 */
long zipc__queue_recover_head(struct zipc_queue *q, void *out, struct zipc__queue_stall *st,
			      struct zipc__waiter *w);

/*
 * The recovery step of a blocking push, after a try found the queue full:
 * reclaim the slot of a dead consumer at the tail once stuck for the stall
 * timeout. True if a slot was freed (try again at once).
 */
bool zipc__queue_recover_tail(struct zipc_queue *q, struct zipc__queue_stall *st,
			      struct zipc__waiter *w);

#endif
