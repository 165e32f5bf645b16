/*
 * The registry: validated snapshots of the table and the lock-free
 * create-or-open protocol (docs/FORMAT.md, "Creating an entry").
 *
 * Protocol, with its ordering points:
 *
 *   creator                                    reader
 *   reserve space: CAS next_offset (relaxed)
 *   write structure, wait block, tag body
 *   tag magic                       (release T)
 *   n = entry_count                 (acquire C1)
 *   check entries 0..n-1 for the name
 *   CAS entry[n].offset 0 -> off    (release E)  -- helpers: load offset (acquire E'),
 *   CAS name words, size from 0     (release N)     read the tag, CAS the same words
 *   CAS entry_count n -> n+1        (release C2) -- n = entry_count (acquire C1)
 *                                                   read entries 0..n-1
 *
 * E/E' make the tag (and the structure) visible to a helper that finds the
 * claim; N with acquire on CAS failure lets a helper that lost every CAS
 * still carry the winner's words into its own C2; C2/C1 make complete
 * entries visible to every reader. entry_count only moves from n to n+1 once
 * entry n is complete, and any process can complete it, so a creator that
 * dies anywhere costs at most its reserved space.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zeroipc/registry.h>

#include "common_i.h"
#include "error_i.h"
#include "fault_i.h"
#include "kinds_i.h"
#include "names_i.h"
#include "registry_i.h"

/* First word of a removed entry's name: bytes 00 FF 00 00 00 00 00 00. */
#define TOMBSTONE_WORD 0xFF00u

static void name_to_words(const char *name, uint64_t words[ZIPC__NAME_WORDS])
{
	char buf[32] = {0};

	memcpy(buf, name, strnlen(name, sizeof(buf) - 1));
	memcpy(words, buf, sizeof(buf));
}

static void read_name(const struct zipc__entry *e, char name[32])
{
	uint64_t words[ZIPC__NAME_WORDS];

	for (int w = 0; w < ZIPC__NAME_WORDS; w++)
		/* relaxed: entries below entry_count were published by C2/C1 */
		words[w] = atomic_load_explicit(&e->name[w], memory_order_relaxed);
	memcpy(name, words, 32);
}

static int by_offset(const void *a, const void *b)
{
	const struct zipc__rec *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/*
 * Read entries 0..entry_count-1 into a malloc'ed array sorted by offset,
 * rejecting anything FORMAT.md forbids.
 */
static int snapshot(struct zipc_segment *seg, struct zipc__rec **out, uint32_t *count)
{
	/* acquire (C1): pairs with the release CAS (C2) that counted each entry */
	uint32_t n = atomic_load_explicit(&zipc__hdr(seg)->entry_count, memory_order_acquire);
	struct zipc__rec *recs;

	if (n > seg->max_entries)
		return zipc__fail(-EBADMSG, "%s: entry_count %u exceeds max_entries %u", seg->name,
				  n, seg->max_entries);
	recs = malloc((n ? n : 1) * sizeof(*recs));
	if (!recs)
		return zipc__fail(-ENOMEM, "out of memory");
	for (uint32_t i = 0; i < n; i++) {
		const struct zipc__entry *e = zipc__entry_at(seg, i);
		struct zipc__rec *r = &recs[i];

		read_name(e, r->name);
		/* relaxed: published by C2/C1 as the name is */
		r->offset = atomic_load_explicit(&e->offset, memory_order_relaxed);
		r->size = atomic_load_explicit(&e->size, memory_order_relaxed);
		r->index = i;
		if (memchr(r->name, 0, sizeof(r->name)) == NULL) {
			free(recs);
			return zipc__fail(-EBADMSG, "%s: entry %u: name is not NUL-terminated",
					  seg->name, i);
		}
		if (r->offset % 8 || r->size == 0 || !zipc__in_bounds(seg, r->offset, r->size)) {
			int err = zipc__fail(-EBADMSG,
					     "%s: entry %u '%s': offset %llu size %llu outside the "
					     "structure area or misaligned",
					     seg->name, i, r->name, (unsigned long long)r->offset,
					     (unsigned long long)r->size);
			free(recs);
			return err;
		}
	}
	qsort(recs, n, sizeof(*recs), by_offset);
	for (uint32_t i = 1; i < n; i++) {
		if (recs[i - 1].offset + recs[i - 1].size > recs[i].offset) {
			uint32_t a = recs[i - 1].index, b = recs[i].index;
			free(recs);
			return zipc__fail(-EBADMSG, "%s: entries %u and %u overlap", seg->name, a, b);
		}
	}
	*out = recs;
	*count = n;
	return 0;
}

int zipc__table_validate(struct zipc_segment *seg)
{
	struct zipc__rec *recs;
	uint32_t n;
	int r = snapshot(seg, &recs, &n);

	if (r == 0)
		free(recs);
	return r;
}

/* Locate within a snapshot; tag_off gets where the tag was found (0 if none). */
static int locate_in(struct zipc_segment *seg, struct zipc__rec *recs, uint32_t n,
		     const char *name, uint64_t offset, struct zipc__located *out,
		     uint64_t *tag_off)
{
	const struct zipc__rec *best = NULL;

	for (uint32_t i = 0; i < n; i++) {
		const struct zipc__rec *r = &recs[i];
		bool match = offset ? r->offset == offset
				    : r->name[0] != '\0' && strcmp(r->name, name) == 0;
		if (match && (!best || r->index < best->index))
			best = r;
	}
	if (!best)
		return offset ? zipc__fail(-ENOENT, "%s: no entry at offset %llu", seg->name,
					   (unsigned long long)offset)
			      : zipc__fail(-ENOENT, "%s: no structure named '%s'", seg->name, name);
	out->rec = *best;
	out->tagged = zipc__tag_find(seg, recs, n, best, &out->tag, tag_off);
	if (!out->tagged)
		*tag_off = 0;
	return 0;
}

int zipc__registry_locate(struct zipc_segment *seg, const char *name, uint64_t offset,
			  struct zipc__located *out)
{
	struct zipc__rec *recs;
	uint64_t tag_off;
	uint32_t n;
	int r = offset ? 0 : zipc_name_check(name);

	if (r < 0)
		return r;
	r = snapshot(seg, &recs, &n);
	if (r < 0)
		return r;
	r = locate_in(seg, recs, n, name, offset, out, &tag_off);
	free(recs);
	return r;
}

ZIPC_EXPORT int zipc_entry_find(struct zipc_segment *seg, const char *name, struct zipc_entry *out)
{
	struct zipc__located loc;
	int r = zipc__registry_locate(seg, name, 0, &loc);

	if (r < 0)
		return r;
	zipc__entry_from(&loc, out);
	return 0;
}

void zipc__entry_from(const struct zipc__located *loc, struct zipc_entry *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->name, loc->rec.name, sizeof(out->name));
	out->offset = loc->rec.offset;
	out->size = loc->rec.size;
	out->tagged = loc->tagged;
	if (loc->tagged) {
		out->kind = (enum zipc_kind)loc->tag.kind;
		out->type = zipc__tag_type(&loc->tag);
	}
}

static int by_index(const void *a, const void *b)
{
	const struct zipc__rec *x = a, *y = b;
	return x->index < y->index ? -1 : x->index > y->index;
}

ZIPC_EXPORT long zipc_entry_list(struct zipc_segment *seg, struct zipc_entry *out, size_t max)
{
	struct zipc__rec *recs, *ordered;
	uint32_t n;
	long live = 0;
	int r = snapshot(seg, &recs, &n);

	if (r < 0)
		return r;
	ordered = malloc((n ? n : 1) * sizeof(*ordered));
	if (!ordered) {
		free(recs);
		return zipc__fail(-ENOMEM, "out of memory");
	}
	memcpy(ordered, recs, n * sizeof(*recs));
	qsort(ordered, n, sizeof(*ordered), by_index);
	for (uint32_t i = 0; i < n; i++) {
		struct zipc__located loc = {.rec = ordered[i]};
		uint64_t tag_off;

		if (ordered[i].name[0] == '\0')
			continue;
		if ((size_t)live < max) {
			loc.tagged = zipc__tag_find(seg, recs, n, &ordered[i], &loc.tag, &tag_off);
			zipc__entry_from(&loc, &out[live]);
		}
		live++;
	}
	free(ordered);
	free(recs);
	return live;
}

ZIPC_EXPORT int zipc_entry_remove(struct zipc_segment *seg, const char *name)
{
	int r = zipc_name_check(name);

	if (r < 0)
		return r;
	for (;;) {
		struct zipc__located loc;
		uint64_t words[ZIPC__NAME_WORDS];
		struct zipc__entry *e;

		r = zipc__registry_locate(seg, name, 0, &loc);
		if (r < 0)
			return r;
		e = zipc__entry_at(seg, loc.rec.index);
		name_to_words(loc.rec.name, words);
		/* relaxed: the tombstone publishes nothing but itself */
		if (atomic_compare_exchange_strong_explicit(&e->name[0], &words[0], TOMBSTONE_WORD,
							    memory_order_relaxed,
							    memory_order_relaxed))
			return 0;
	}
}

/*
 * Complete entry n, claimed with offset off, from the tag before off (see
 * the protocol above). Every write is a CAS from 0, so it is idempotent and
 * cannot resurrect a name removed meanwhile.
 */
static int help_complete(struct zipc_segment *seg, uint32_t n, uint64_t off)
{
	struct zipc__entry *e = zipc__entry_at(seg, n);
	uint64_t words[ZIPC__NAME_WORDS];
	struct zipc__tag tag;
	uint64_t zero;

	if (off < seg->table_end + ZIPC__TAG_SIZE ||
	    !zipc__tag_read(seg, off - ZIPC__TAG_SIZE, off, 0, &tag)) {
		/* No tag: written by another implementation, which fills the entry
		 * before counting it. Accept it once it looks complete. */
		/* relaxed: only deciding whether to count it; readers validate */
		if (atomic_load_explicit(&e->size, memory_order_relaxed) != 0 &&
		    (atomic_load_explicit(&e->name[0], memory_order_relaxed) & 0xff) != 0)
			return 0;
		return zipc__fail(-EBADMSG, "%s: entry %u is claimed but incomplete and untagged",
				  seg->name, n);
	}
	if (tag.target_size == 0 || !zipc__in_bounds(seg, off, tag.target_size))
		return zipc__fail(-EBADMSG, "%s: entry %u: tag gives an impossible size", seg->name,
				  n);
	name_to_words(tag.name, words);
	for (int w = 0; w < ZIPC__NAME_WORDS; w++) {
		zero = 0;
		/* release (N) / acquire on failure: see the protocol above */
		if (words[w])
			atomic_compare_exchange_strong_explicit(&e->name[w], &zero, words[w],
								memory_order_release,
								memory_order_acquire);
	}
	zero = 0;
	atomic_compare_exchange_strong_explicit(&e->size, &zero, tag.target_size,
						memory_order_release, memory_order_acquire);
	return 0;
}

static void count_entry(struct zipc_segment *seg, uint32_t n)
{
	uint32_t expected = n;

	/* release (C2): entry n is complete; pairs with acquire (C1) in readers */
	atomic_compare_exchange_strong_explicit(&zipc__hdr(seg)->entry_count, &expected, n + 1,
						memory_order_release, memory_order_relaxed);
}

/* Reserve space for [wait block][tag][structure]; see docs/FORMAT.md. */
static int reserve(struct zipc_segment *seg, const struct zipc__create_req *req,
		   uint64_t *wait_off, uint64_t *struct_off)
{
	struct zipc__header *hdr = zipc__hdr(seg);
	/* relaxed: a reservation publishes nothing; the entry claim (E) does */
	uint64_t o = atomic_load_explicit(&hdr->next_offset, memory_order_relaxed);

	for (;;) {
		uint64_t w, s, end;

		if (o < seg->table_end || o > seg->size)
			return zipc__fail(-EBADMSG, "%s: next_offset %llu outside the segment",
					  seg->name, (unsigned long long)o);
		w = req->wait_block ? zipc__align_up(o, ZIPC_CACHE_LINE) : 0;
		s = zipc__align8((req->wait_block ? w + ZIPC__WAIT_BLOCK_SIZE : o) + ZIPC__TAG_SIZE);
		if (req->align > 8)
			s = zipc__align_up(s + req->align_bias, req->align) - req->align_bias;
		if (s > seg->size || req->size > seg->size - s)
			return zipc__fail(-ENOSPC,
					  "%s: no room for %llu bytes (%llu of %llu used)",
					  seg->name, (unsigned long long)req->size,
					  (unsigned long long)o, (unsigned long long)seg->size);
		end = zipc__align8(s + req->size);
		if (end > seg->size)
			end = seg->size;
		if (atomic_compare_exchange_weak_explicit(&hdr->next_offset, &o, end,
							  memory_order_relaxed,
							  memory_order_relaxed)) {
			*wait_off = w;
			*struct_off = s;
			return 0;
		}
	}
}

/* Write the new structure, its wait block and its tag into reserved space. */
static void build(struct zipc_segment *seg, const struct zipc__create_req *req, uint64_t wait_off,
		  uint64_t struct_off)
{
	struct zipc__tag tag;

	if (req->init)
		req->init(seg->base + struct_off, req);
	if (wait_off)
		memset(seg->base + wait_off, 0, ZIPC__WAIT_BLOCK_SIZE);
	zipc__tag_fill(&tag, req->kind, req->type, struct_off, req->size, wait_off, req->name);
	zipc__tag_publish(seg, struct_off - ZIPC__TAG_SIZE, &tag);
}

/* Is NAME among entries [from, n)? Entries below n are complete (C1). */
static bool named_among(struct zipc_segment *seg, const char *name, uint32_t from, uint32_t n)
{
	char buf[32];

	for (uint32_t i = from; i < n; i++) {
		read_name(zipc__entry_at(seg, i), buf);
		if (buf[0] != '\0' && strncmp(buf, name, sizeof(buf)) == 0)
			return true;
	}
	return false;
}

int zipc__registry_create(struct zipc_segment *seg, const struct zipc__create_req *req,
			  struct zipc__located *out, bool *created)
{
	struct zipc__header *hdr = zipc__hdr(seg);
	uint64_t wait_off = 0, struct_off = 0;
	uint32_t checked = 0;
	int r = zipc_name_check(req->name);

	if (r < 0)
		return r;
	*created = false;
	for (;;) {
		/* acquire (C1): entries below n are complete */
		uint32_t n = atomic_load_explicit(&hdr->entry_count, memory_order_acquire);
		struct zipc__entry *e;
		uint64_t claimed;

		if (n > seg->max_entries)
			return zipc__fail(-EBADMSG, "%s: entry_count %u exceeds max_entries %u",
					  seg->name, n, seg->max_entries);
		if (named_among(seg, req->name, checked, n)) {
			r = zipc__registry_locate(seg, req->name, 0, out);
			if (r != -ENOENT)
				return r;
			continue; /* removed meanwhile: look again */
		}
		checked = n;
		if (n == seg->max_entries)
			return zipc__fail(-ENOSPC, "%s: the table's %u entries are all used",
					  seg->name, seg->max_entries);
		e = zipc__entry_at(seg, n);
		/* acquire (E'): pairs with the claim (E), so the tag is visible */
		claimed = atomic_load_explicit(&e->offset, memory_order_acquire);
		if (claimed != 0) {
			r = help_complete(seg, n, claimed);
			if (r < 0)
				return r;
			count_entry(seg, n);
			continue;
		}
		if (!struct_off) {
			r = reserve(seg, req, &wait_off, &struct_off);
			if (r < 0)
				return r;
			build(seg, req, wait_off, struct_off);
			continue; /* time passed: look at the table again */
		}
		/* release (E): publishes the structure and tag written by build() */
		if (!atomic_compare_exchange_strong_explicit(&e->offset, &claimed, struct_off,
							     memory_order_release,
							     memory_order_relaxed))
			continue;
		ZIPC__FAULT(ZIPC__FP_REGISTRY_CLAIMED);
		r = help_complete(seg, n, struct_off);
		if (r < 0)
			return r;
		count_entry(seg, n);
		*created = true;
		return zipc__registry_locate(seg, NULL, struct_off, out);
	}
}

ZIPC_EXPORT int zipc_entry_tag(struct zipc_segment *seg, const char *name, enum zipc_kind kind,
			       struct zipc_type type)
{
	struct zipc__create_req req = {.name = name, .kind = kind, .type = type, .align = 8};
	struct zipc__rec *recs;
	struct zipc__located loc;
	uint64_t tag_off, wait_off, struct_off;
	struct zipc__tag tag;
	uint32_t n;
	int r = zipc_name_check(name);

	if (r < 0)
		return r;
	r = snapshot(seg, &recs, &n);
	if (r < 0)
		return r;
	r = locate_in(seg, recs, n, name, 0, &loc, &tag_off);
	free(recs);
	if (r < 0)
		return r;
	if (loc.tagged && tag_off == loc.rec.offset - ZIPC__TAG_SIZE)
		return zipc__fail(-EEXIST, "'%s' was created with a type; it cannot be retagged",
				  name);
	r = zipc__kind_fits(seg, &loc.rec, kind, type);
	if (r < 0)
		return r;
	/* A zero-size reservation: [wait block][tag], the tag naming the entry. */
	req.wait_block = zipc__kind_has_wait_block(kind);
	r = reserve(seg, &req, &wait_off, &struct_off);
	if (r < 0)
		return r;
	if (wait_off)
		memset(seg->base + wait_off, 0, ZIPC__WAIT_BLOCK_SIZE);
	zipc__tag_fill(&tag, kind, type, loc.rec.offset, loc.rec.size, wait_off, loc.rec.name);
	zipc__tag_publish(seg, struct_off - ZIPC__TAG_SIZE, &tag);
	return 0;
}
