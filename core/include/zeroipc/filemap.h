/*
 * Zero-copy access to a structure through the filesystem: map the bytes
 * behind a zeroipcfs structure file directly from its shm object, using the
 * file's extended attributes user.zeroipc.shm_path, .shm_offset and
 * .shm_length. The mapping is the segment itself, so stores are coherent at
 * once in both directions (unlike mmap of the FUSE file, which goes through
 * the page cache and write-back).
 */
#ifndef ZEROIPC_FILEMAP_H
#define ZEROIPC_FILEMAP_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct zipc_file_map {
	void *addr;   /* first byte of the structure (an array's element 0) */
	size_t len;   /* its length in bytes (.shm_length) */
	void *base;   /* page-aligned start of the mapping (for unmapping) */
	size_t span;  /* length of the mapping */
};

/*
 * Map the memory behind path, read-write. Returns 0, -ENODATA (not a
 * zeroipcfs structure file), -EBADMSG (attributes not numbers, or the range
 * is not inside the shm object), or the errno of getxattr/open/mmap.
 */
int zipc_file_map(const char *path, struct zipc_file_map *map);

/* Undo zipc_file_map(). */
void zipc_file_unmap(struct zipc_file_map *map);

#ifdef __cplusplus
}
#endif
#endif
