/*
 * The registry: the segment's table of named structures.
 *
 * Structures are created by their own modules (zipc_queue_create, ...), which
 * all go through one lock-free create-or-open protocol: any number of
 * processes may create the same name at once and all end up holding the one
 * structure that won. The calls here list, find, remove and tag entries.
 *
 * Removal hides a name from every reader, ours and other implementations'
 * (the entry's name is blanked). Its space is not reclaimed: the format has
 * no free list, and processes that hold the structure keep using it.
 */
#ifndef ZEROIPC_REGISTRY_H
#define ZEROIPC_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zeroipc/segment.h>
#include <zeroipc/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One structure as the registry sees it. */
struct zipc_entry {
	char name[ZIPC_NAME_MAX + 1];
	uint64_t offset;       /* of the structure, from the segment's start */
	uint64_t size;         /* of the structure, in bytes */
	enum zipc_kind kind;   /* ZIPC_KIND_UNTYPED when it carries no tag */
	struct zipc_type type; /* element type; ZIPC_ELEM_NONE when untagged */
	bool tagged;
};

/*
 * Check a structure name: 1..31 bytes, no '/', not "." or "..", no control
 * characters. Returns 0, -EINVAL or -ENAMETOOLONG.
 */
int zipc_name_check(const char *name);

/*
 * Copy up to max live entries (removed ones skipped) into out, in table
 * order. Returns how many live entries the segment has (which may exceed
 * max), or -EBADMSG when the table is corrupt. May run concurrently with
 * creations and removals; sees each entry either before or after.
 */
long zipc_entry_list(struct zipc_segment *seg, struct zipc_entry *out, size_t max);

/* Find a live entry by name. Returns 0, -ENOENT, -EINVAL/-ENAMETOOLONG, -EBADMSG. */
int zipc_entry_find(struct zipc_segment *seg, const char *name, struct zipc_entry *out);

/*
 * Remove the entry NAME. Returns 0, -ENOENT, -EINVAL/-ENAMETOOLONG, -EBADMSG.
 * Lock-free; concurrent removals of one name: exactly one returns 0.
 */
int zipc_entry_remove(struct zipc_segment *seg, const char *name);

/*
 * Tag an untagged entry (one made by another implementation) with a kind and
 * element type, so that it can be opened as that kind with that type. The tag
 * is placed in newly allocated space and names the entry; the entry itself is
 * not changed. The structure's header must agree with the kind and type (a
 * queue's elem_size, an array's size). Retagging an entry tagged this way
 * replaces the tag; an entry created by libzeroipc cannot be retagged.
 * Returns 0, -ENOENT, -EEXIST (created with a tag), -EINVAL (kind or type
 * does not fit the structure), -ENOSPC, -EBADMSG.
 */
int zipc_entry_tag(struct zipc_segment *seg, const char *name, enum zipc_kind kind,
		   struct zipc_type type);

#ifdef __cplusplus
}
#endif
#endif
