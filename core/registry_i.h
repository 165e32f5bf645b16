/*
 * The registry's internal interface: validated snapshots of the table, and
 * the lock-free create-or-open every structure module goes through
 * (docs/FORMAT.md, "Creating an entry").
 */
#ifndef ZEROIPC_REGISTRY_I_H
#define ZEROIPC_REGISTRY_I_H

#include <stdbool.h>
#include <stdint.h>

#include <zeroipc/registry.h>
#include <zeroipc/types.h>

#include "segment_i.h"
#include "tag_i.h"

/* Validate every entry of the table (called when a segment is opened). */
int zipc__table_validate(struct zipc_segment *seg);

/*
 * Find the live entry NAME (or, with offset != 0, the entry at that offset
 * whatever its name) and its tag. Returns 0, -ENOENT, -EBADMSG, -ENOMEM, or
 * the name's error (-EINVAL, -ENAMETOOLONG).
 */
int zipc__registry_locate(struct zipc_segment *seg, const char *name, uint64_t offset,
			  struct zipc__located *out);

/* Fill the public view of a located entry. */
void zipc__entry_from(const struct zipc__located *loc, struct zipc_entry *out);

/* How a new structure is laid out and initialised. */
struct zipc__create_req {
	const char *name;
	enum zipc_kind kind;
	struct zipc_type type;
	uint64_t size;       /* structure size in bytes */
	uint64_t align;      /* (offset + align_bias) % align == 0; align a power of 2 >= 8 */
	uint64_t align_bias;
	bool wait_block;     /* reserve a wait block before the tag */
	/* Write the structure's initial state at base (size bytes, fresh space). */
	void (*init)(unsigned char *base, const struct zipc__create_req *req);
	const void *init_ctx;
};

/*
 * Create-or-open: if a live entry NAME exists, locate it; otherwise create
 * the structure and its entry. *created says which. Lock-free; see registry.c.
 * Returns 0, -ENOSPC, -EBADMSG, -ENOMEM, or a name error.
 */
int zipc__registry_create(struct zipc_segment *seg, const struct zipc__create_req *req,
			  struct zipc__located *out, bool *created);

#endif
