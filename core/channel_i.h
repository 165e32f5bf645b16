/*
 * Channel internals shared by channel.c (layout, send, receive, close) and
 * channel_select.c. The layout is docs/FORMAT.md, "Channel": our header,
 * a wait block, then a queue in the shared format.
 */
#ifndef ZEROIPC_CHANNEL_I_H
#define ZEROIPC_CHANNEL_I_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zeroipc/channel.h>

#include "queue_i.h"
#include "tag_i.h"
#include "wait_i.h"

#define ZIPC__CHANNEL_HEADER 128u

struct zipc__channel_hdr {
	uint32_t capacity;        /* read-only after creation: 0 unbuffered, else the ring's */
	uint32_t elem_size;       /* read-only after creation */
	_Atomic uint32_t closed;  /* 0 -> 1 once, by zipc_channel_close() */
	uint32_t reserved0;
	uint8_t reserved[48];
	struct zipc__wait_block wb; /* the queue's events and counters; owner unused */
};
_Static_assert(sizeof(struct zipc__channel_hdr) == ZIPC__CHANNEL_HEADER, "channel header is 128 bytes");
_Static_assert(offsetof(struct zipc__channel_hdr, closed) == 8, "closed at 8");
_Static_assert(offsetof(struct zipc__channel_hdr, wb) == 64, "wait block at 64");

struct zipc_channel {
	struct zipc_segment *seg;
	struct zipc__channel_hdr *hdr;
	struct zipc_queue q; /* bound to the queue at +128; its wb is hdr->wb */
	/* Read once at open: */
	uint32_t capacity;
	struct zipc_type type;
};

/* One receive, for zipc__wait_for() or select. */
struct zipc__recv_op {
	struct zipc_channel *ch;
	void *out;
	bool recover; /* a blocking call: skip the holes of dead senders */
	struct zipc__queue_stall stall;
};

/*
 * Try to receive into op->out: 0, -EPIPE (closed and drained), -EAGAIN, or
 * -EBADMSG. With op->recover, skips a dead sender's hole once stuck for the
 * stall timeout, asking w to come back by then.
 */
long zipc__channel_recv_attempt(void *ctx, struct zipc__waiter *w);

#endif
