/*
 * Stream internals shared by stream.c (layout, handles, subscriptions),
 * stream_io.c (emit and next) and stream_ops.c (operators). The layout is
 * docs/FORMAT.md, "Stream"; the protocol is described atop stream_io.c.
 */
#ifndef ZEROIPC_STREAM_I_H
#define ZEROIPC_STREAM_I_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <zeroipc/stream.h>

#include "segment_i.h"
#include "wait_i.h"

#define ZIPC__STREAM_HEADER 128u
#define ZIPC__STREAM_SUB_SIZE 64u
#define ZIPC__STREAM_SLOT_SIZE 16u

struct zipc__stream_hdr {
	uint32_t capacity;         /* read-only after creation: a power of two */
	uint32_t elem_size;        /* read-only after creation */
	uint32_t max_subscribers;  /* read-only after creation */
	uint32_t policy;           /* read-only after creation */
	struct zipc_event readable; /* bumped when a sequence number is completed or skipped */
	struct zipc_event writable; /* bumped when a cursor advances or a slot is freed */
	_Atomic uint32_t sub_limit; /* subscriber records below this may be in use; grows */
	uint32_t reserved0;
	_Atomic uint64_t holes;        /* statistics: sequence numbers skipped */
	_Atomic uint64_t subs_removed; /* statistics: dead subscribers removed */
	uint64_t reserved1;
	_Atomic uint64_t claim; /* own cache line: seq | gen << 56 | closed << 63 */
	uint8_t reserved2[56];
};
_Static_assert(sizeof(struct zipc__stream_hdr) == ZIPC__STREAM_HEADER, "stream header is 128 bytes");
_Static_assert(offsetof(struct zipc__stream_hdr, policy) == 12, "policy at 12");
_Static_assert(offsetof(struct zipc__stream_hdr, readable) == 16, "readable at 16");
_Static_assert(offsetof(struct zipc__stream_hdr, writable) == 24, "writable at 24");
_Static_assert(offsetof(struct zipc__stream_hdr, sub_limit) == 32, "sub_limit at 32");
_Static_assert(offsetof(struct zipc__stream_hdr, holes) == 40, "holes at 40");
_Static_assert(offsetof(struct zipc__stream_hdr, subs_removed) == 48, "subs_removed at 48");
_Static_assert(offsetof(struct zipc__stream_hdr, claim) == 64, "claim at 64");

/* One subscriber record, on its own cache line (its cursor moves with every read). */
struct zipc__stream_sub_rec {
	_Atomic uint64_t owner;  /* owner word (owner_i.h) of the subscriber; 0 free */
	_Atomic uint64_t cursor; /* next sequence number to read; ZIPC__CURSOR_IDLE: none */
	_Atomic uint64_t missed; /* written only by the subscriber: elements overwritten unread */
	uint8_t reserved[40];
};
_Static_assert(sizeof(struct zipc__stream_sub_rec) == ZIPC__STREAM_SUB_SIZE, "record is 64 bytes");
_Static_assert(offsetof(struct zipc__stream_sub_rec, cursor) == 8, "cursor at 8");
_Static_assert(offsetof(struct zipc__stream_sub_rec, missed) == 16, "missed at 16");

/* Per ring slot: its version word and the owner word of the writer holding it. */
struct zipc__stream_slot {
	_Atomic uint64_t version; /* (seq + 1) << 2 | state; 0 before the first lap */
	_Atomic uint64_t writer;  /* owner word of the writer holding the slot; 0 none */
};
_Static_assert(sizeof(struct zipc__stream_slot) == ZIPC__STREAM_SLOT_SIZE, "slot is 16 bytes");

/* A record whose cursor writers ignore: free, or a subscription not started yet. */
#define ZIPC__CURSOR_IDLE UINT64_MAX

/* The claim word. */
#define ZIPC__CLAIM_SEQ_MASK ((1ull << 56) - 1)
#define ZIPC__CLAIM_GEN_ONE (1ull << 56)
#define ZIPC__CLAIM_GEN_MASK (0x7Full << 56)
#define ZIPC__CLAIM_CLOSED (1ull << 63)

/* Version states (low two bits); 0 only in the initial version word 0. */
#define ZIPC__V_WRITING 1u
#define ZIPC__V_COMPLETE 2u
#define ZIPC__V_HOLE 3u

static inline uint64_t zipc__version(uint64_t seq, unsigned state)
{
	return (seq + 1) << 2 | state;
}

struct zipc_stream {
	_Atomic int refs; /* this handle + each subscription made from it */
	struct zipc_segment *seg;
	struct zipc__stream_hdr *hdr;
	struct zipc__stream_sub_rec *subs;
	struct zipc__stream_slot *slots;
	_Atomic uint64_t *data; /* capacity slots of stride bytes */
	/* Read once at open, never re-read from the segment: */
	uint32_t capacity;
	uint32_t mask;
	uint32_t elem_size;
	uint32_t stride; /* align8(elem_size) */
	uint32_t max_subs;
	enum zipc_stream_policy policy;
	struct zipc_type type;
	int64_t stall_ns;
};

/* A subscription: used by one thread at a time. */
struct zipc_sub {
	struct zipc_stream *st;
	struct zipc__stream_sub_rec *rec;
	uint64_t cursor; /* next sequence number; rec->cursor is its copy for writers */
	uint64_t missed;
};

/* Drop one reference on st (the handle, or a subscription's); frees it at 0. */
void zipc__stream_unref(struct zipc_stream *st);

/* Records [0, n) that may be in use, clamped to the handle's max_subs. */
uint32_t zipc__stream_sub_limit(const struct zipc_stream *st);

/* Sequence number the next element will get (from the claim word). */
static inline uint64_t zipc__claim_seq(uint64_t claim)
{
	return claim & ZIPC__CLAIM_SEQ_MASK;
}

#endif
