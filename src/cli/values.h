/*
 * Element values as text, by element type (parse for push and set, print for
 * pop and get). The text forms are described in `zeroipc --help`.
 */
#ifndef ZEROIPC_CLI_VALUES_H
#define ZEROIPC_CLI_VALUES_H

#include <stddef.h>
#include <stdio.h>

#include <zeroipc/types.h>

/*
 * Parse text as one element of type into elem (type.size bytes).
 * Returns 0, or -EINVAL (not a value of the type) or -ERANGE (out of the
 * type's range) with the reason written into why.
 */
int cli_value_parse(struct zipc_type type, const char *text, void *elem, char *why,
		    size_t why_len);

/* Print the element at elem and a newline. Returns 0 or -EIO. */
int cli_value_print(FILE *out, struct zipc_type type, const void *elem);

#endif
