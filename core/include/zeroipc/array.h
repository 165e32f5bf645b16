/*
 * Array: a fixed number of elements in shared memory, accessed in place.
 *
 * Layout (FORMAT.md): u64 capacity, then the elements. Arrays created here
 * put their first element on a page boundary, so the elements can be mapped
 * on their own (mmap of /dev/shm/SEG at zipc_array_data_offset()).
 * Element access is plain memory: the library adds no synchronisation, so
 * concurrent writers of one element need their own protocol (or atomics on
 * elements of 1, 2, 4 or 8 bytes, which are naturally aligned).
 */
#ifndef ZEROIPC_ARRAY_H
#define ZEROIPC_ARRAY_H

#include <stdint.h>

#include <zeroipc/segment.h>
#include <zeroipc/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct zipc_array;

/*
 * Create the array NAME of capacity elements of type, or open it if it
 * exists with the same kind and element size (its capacity is then what it
 * was created with). New arrays are zero-filled.
 * Returns 0, -EINVAL (capacity 0, bad type), -EINVAL/-ENAMETOOLONG (bad name),
 * -EEXIST (NAME exists as something else), -ENOSPC (table or segment full),
 * -EBADMSG, -ENOMEM.
 */
int zipc_array_create(struct zipc_segment *seg, const char *name, struct zipc_type type,
		      uint64_t capacity, struct zipc_array **out);

/*
 * Open the existing array NAME. An untagged array (made elsewhere) opens with
 * element size (entry size - 8) / capacity and type ZIPC_ELEM_NONE.
 * Returns 0, -ENOENT, -EINVAL (NAME is not an array), -EBADMSG, -ENOMEM.
 */
int zipc_array_open(struct zipc_segment *seg, const char *name, struct zipc_array **out);

void zipc_array_close(struct zipc_array *arr);

/* Address of element 0 in this process's mapping. */
void *zipc_array_data(const struct zipc_array *arr);
uint64_t zipc_array_capacity(const struct zipc_array *arr);
struct zipc_type zipc_array_type(const struct zipc_array *arr);
/* Offset of element 0 from the start of the segment. */
uint64_t zipc_array_data_offset(const struct zipc_array *arr);

/* Copy element index out / in. Returns 0 or -ERANGE. */
int zipc_array_get(const struct zipc_array *arr, uint64_t index, void *out);
int zipc_array_set(struct zipc_array *arr, uint64_t index, const void *in);

#ifdef __cplusplus
}
#endif
#endif
