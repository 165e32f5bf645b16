/* Internal error helpers: set the calling thread's detail message and return an errno. */
#ifndef ZEROIPC_ERROR_I_H
#define ZEROIPC_ERROR_I_H

/* Record a printf-style detail for zipc_last_error() and return err (negative). */
int zipc__fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
