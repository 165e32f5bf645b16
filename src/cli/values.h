/*
 * Element values as text, by element type (parse for push and set, print for
 * pop and get). The text forms are described in `zeroipc --help`.
 */
#ifndef ZEROIPC_CLI_VALUES_H
#define ZEROIPC_CLI_VALUES_H

#include <stddef.h>
#include <stdio.h>

#include <zeroipc/types.h>

/* The value syntax, for the help of the commands that take or print values. */
#define CLI_VALUES_HELP                                                                            \
	"Values, by element type:\n"                                                               \
	"  i8 .. i64, u8 .. u64  decimal or 0x-hex integers within the type's range\n"             \
	"  f32, f64              decimal or hex floats, inf, nan\n"                                \
	"  bytes:N               0x and up to 2N hex digits, or text of up to N bytes;\n"          \
	"                        both are padded with NUL bytes (text cannot start with 0x)\n"     \
	"  untyped elements      as bytes:N, N being the element size\n"                           \
	"Values print in the same forms: bytes as text if they are printable text\n"               \
	"padded with NULs, else as 0x and 2N hex digits. Put -- before values that\n"              \
	"start with '-' and a letter (-- -inf).\n"

/*
 * Parse text as one element of type into elem (type.size bytes).
 * Returns 0, or -EINVAL (not a value of the type) or -ERANGE (out of the
 * type's range) with the reason written into why.
 */
int cli_value_parse(struct zipc_type type, const char *text, void *elem, char *why, size_t why_len);

/* Print the element at elem and a newline. Returns 0 or -EIO. */
int cli_value_print(FILE *out, struct zipc_type type, const void *elem);

#endif
