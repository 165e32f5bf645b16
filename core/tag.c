/*
 * Type tags (docs/FORMAT.md, "Type tag"): filling, publishing, validating and
 * finding the 96-byte records that say what a structure is. A tag is either
 * right before its structure (created here) or anywhere in uncovered space
 * (tagged later, "retro" tags); the highest valid retro tag wins.
 */
#include <string.h>

#include "common_i.h"
#include "tag_i.h"

/* Upper bound on uncovered bytes scanned for retro tags per lookup. */
#define RETRO_SCAN_MAX (16u << 20)

static uint32_t fnv1a(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t h = 0x811C9DC5u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x01000193u;
	return h;
}

static uint32_t tag_check(const struct zipc__tag *tag)
{
	return fnv1a((const unsigned char *)tag + 8, sizeof(*tag) - 8);
}

void zipc__tag_fill(struct zipc__tag *tag, enum zipc_kind kind, struct zipc_type type,
		    uint64_t target_offset, uint64_t target_size, uint64_t wait_offset,
		    const char *name)
{
	memset(tag, 0, sizeof(*tag));
	tag->version = ZIPC__TAG_VERSION;
	tag->kind = (uint8_t)kind;
	tag->elem = (uint8_t)type.elem;
	tag->elem_size = type.size;
	tag->target_offset = target_offset;
	tag->target_size = target_size;
	tag->wait_offset = wait_offset;
	tag->wait_size = wait_offset ? ZIPC__WAIT_BLOCK_SIZE : 0;
	memcpy(tag->name, name, strnlen(name, sizeof(tag->name) - 1));
	tag->check = tag_check(tag);
}

void zipc__tag_publish(struct zipc_segment *seg, uint64_t off, const struct zipc__tag *tag)
{
	struct zipc__tag *dst = (struct zipc__tag *)(seg->base + off);

	memcpy((unsigned char *)dst + 4, (const unsigned char *)tag + 4, sizeof(*tag) - 4);
	/* release: the body before the magic; pairs with the acquire in zipc__tag_read() */
	__atomic_store_n(&dst->magic, ZIPC__TAG_MAGIC, __ATOMIC_RELEASE);
}

bool zipc__tag_read(const struct zipc_segment *seg, uint64_t off, uint64_t target_offset,
		    uint64_t target_size, struct zipc__tag *out)
{
	const struct zipc__tag *src;

	if (off % 8 || !zipc__in_bounds(seg, off, ZIPC__TAG_SIZE))
		return false;
	src = (const struct zipc__tag *)(seg->base + off);
	/* acquire: pairs with the release in zipc__tag_publish(); the body is
	 * never written again once the magic is there */
	if (__atomic_load_n(&src->magic, __ATOMIC_ACQUIRE) != ZIPC__TAG_MAGIC)
		return false;
	memcpy(out, src, sizeof(*out));
	if (out->magic != ZIPC__TAG_MAGIC || out->check != tag_check(out))
		return false;
	if (out->version != ZIPC__TAG_VERSION || out->target_offset != target_offset)
		return false;
	if (target_size && out->target_size != target_size)
		return false;
	if (memchr(out->name, 0, sizeof(out->name)) == NULL)
		return false;
	return true;
}

/* True if no entry covers any byte of [off, off + len); recs sorted by offset. */
static bool uncovered(const struct zipc__rec *recs, uint32_t n, uint64_t off, uint64_t len)
{
	for (uint32_t i = 0; i < n; i++) {
		if (recs[i].offset >= off + len)
			break;
		if (recs[i].offset + recs[i].size > off)
			return false;
	}
	return true;
}

/* Scan [lo, hi) downwards for the highest valid retro tag naming rec. */
static bool scan_gap(const struct zipc_segment *seg, uint64_t lo, uint64_t hi,
		     const struct zipc__rec *rec, struct zipc__tag *out, uint64_t *budget,
		     uint64_t *tag_off)
{
	uint64_t p;

	lo = zipc__align8(lo);
	if (hi < lo + ZIPC__TAG_SIZE)
		return false;
	for (p = (hi - ZIPC__TAG_SIZE) & ~(uint64_t)7; p >= lo && *budget > 0; p -= 8) {
		*budget -= 8;
		if (zipc__tag_read(seg, p, rec->offset, rec->size, out)) {
			*tag_off = p;
			return true;
		}
	}
	return false;
}

bool zipc__tag_find(const struct zipc_segment *seg, const struct zipc__rec *recs, uint32_t n,
		    const struct zipc__rec *rec, struct zipc__tag *out, uint64_t *tag_off)
{
	uint64_t budget = RETRO_SCAN_MAX;
	uint64_t top, next;

	if (rec->offset >= seg->table_end + ZIPC__TAG_SIZE &&
	    uncovered(recs, n, rec->offset - ZIPC__TAG_SIZE, ZIPC__TAG_SIZE) &&
	    zipc__tag_read(seg, rec->offset - ZIPC__TAG_SIZE, rec->offset, rec->size, out)) {
		*tag_off = rec->offset - ZIPC__TAG_SIZE;
		return true;
	}

	/* relaxed: retro tags below next_offset are found through their magic (acquire) */
	next = atomic_load_explicit(&zipc__hdr(seg)->next_offset, memory_order_relaxed);
	top = next < seg->size ? next : seg->size;
	for (uint32_t i = n; i-- > 0;) {
		uint64_t end = recs[i].offset + recs[i].size;
		if (end < top && scan_gap(seg, end, top, rec, out, &budget, tag_off))
			return true;
		if (recs[i].offset < top)
			top = recs[i].offset;
	}
	return scan_gap(seg, seg->table_end, top, rec, out, &budget, tag_off);
}

struct zipc__wait_block *zipc__wait_block_of(const struct zipc_segment *seg,
					     const struct zipc__tag *tag)
{
	if (!tag->wait_offset || tag->wait_size != ZIPC__WAIT_BLOCK_SIZE ||
	    tag->wait_offset % 8 || !zipc__in_bounds(seg, tag->wait_offset, ZIPC__WAIT_BLOCK_SIZE))
		return NULL;
	return (struct zipc__wait_block *)(seg->base + tag->wait_offset);
}

struct zipc_type zipc__tag_type(const struct zipc__tag *tag)
{
	struct zipc_type t = {.elem = (enum zipc_elem)tag->elem, .size = tag->elem_size};
	return t;
}
