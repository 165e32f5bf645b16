/*
 * Helpers shared by the kind_*.c files: argument parsing for "KIND NAME TYPE
 * ARGS" lines, and the try-call conventions (a blocking call with timeout 0
 * reports a full or empty structure as -ETIMEDOUT; the engines want -EAGAIN).
 */
#ifndef ZEROIPC_FS_KIND_I_H
#define ZEROIPC_FS_KIND_I_H

#include <errno.h>
#include <stdint.h>

/* Parse a count: decimal, with an optional K, M or G (binary) suffix. Returns 0 or -EINVAL. */
int fs_parse_u64(const char *s, uint64_t *out);

/* Parse a u32 count within [min, max]. Returns 0 or -EINVAL. */
int fs_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

static inline long fs_try(long r)
{
	return r == -ETIMEDOUT ? -EAGAIN : r;
}

#endif
