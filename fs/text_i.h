/*
 * Elements as text lines, for the numeric element types.
 *
 * Integers print in decimal and parse from decimal or 0x-hex with an
 * optional sign, checked against the type's range; floats print with the
 * fewest digits that read back to the same value and parse with strtod. The
 * same conventions as the zeroipc CLI, so that `zeroipc pop` and `cat` agree.
 */
#ifndef ZEROIPC_FS_TEXT_I_H
#define ZEROIPC_FS_TEXT_I_H

#include <stdbool.h>
#include <stddef.h>

#include <zeroipc/types.h>

/* Longest line fs_text_format writes, newline and NUL included. */
#define FS_TEXT_MAX 64

/* Whether elements of type are shown as text (numbers) or binary records. */
bool fs_text_type(struct zipc_type type);

/* Write elem and a newline into buf (FS_TEXT_MAX bytes). Returns the length. */
size_t fs_text_format(struct zipc_type type, const void *elem, char *buf);

/* Parse one element from s[0..len) (surrounding blanks allowed). Returns 0 or -EINVAL. */
int fs_text_parse(struct zipc_type type, const char *s, size_t len, void *elem);

/*
 * Parse every complete line of the n bytes at s into elements at out (room
 * for max). Returns the number of elements and sets *used to the bytes
 * consumed (through the last newline); ends[i] (if not NULL) is the offset
 * just past element i's newline. -EINVAL if a line is malformed, -ENOSPC if
 * there are more than max lines.
 */
long fs_text_parse_lines(struct zipc_type type, const char *s, size_t n, void *out, size_t max,
			 size_t *used, size_t *ends);

/* Count newlines in s[0..n). */
size_t fs_text_count_lines(const char *s, size_t n);

#endif
