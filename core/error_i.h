/* Internal error helpers: set the calling thread's detail message and return an errno. */
#ifndef ZEROIPC_ERROR_I_H
#define ZEROIPC_ERROR_I_H

/* Record a printf-style detail for zipc_last_error() and return err (negative). */
int zipc__fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#include <stddef.h>

/*
 * Copy an error message of at most 255 bytes (ZIPC_ERROR_MESSAGE_MAX with
 * its NUL; src may be in the segment and lack a NUL) into buf of len bytes,
 * truncating, always NUL-terminated when len > 0.
 */
void zipc__message_copy(char *buf, size_t len, const char *src);

#endif
