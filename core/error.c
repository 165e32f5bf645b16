/*
 * Error strings and per-thread detail messages.
 *
 * The errno table is one X-macro list, as libuv's UV_ERRNO_MAP: every errno the
 * library returns has a short description in the library's own words.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <zeroipc/error.h>
#include <zeroipc/future.h>

#include "common_i.h"
#include "error_i.h"

#define ZIPC_ERRNO_MAP(X)                                                                          \
	X(EAGAIN, "would block: the structure is empty or full")                                  \
	X(ENOENT, "no such segment or structure")                                                 \
	X(EEXIST, "already exists")                                                                \
	X(ENOSPC, "no space left in the segment or its table")                                    \
	X(EINVAL, "invalid argument")                                                              \
	X(ENAMETOOLONG, "name too long")                                                           \
	X(EBADMSG, "corrupt segment or not in the zeroipc format")                                \
	X(ETIMEDOUT, "timed out")                                                                  \
	X(EINTR, "interrupted by a signal")                                                        \
	X(ERANGE, "index out of range")                                                            \
	X(EACCES, "permission denied")                                                             \
	X(ENOMEM, "out of memory")                                                                 \
	X(EPIPE, "closed")                                                                         \
	X(EALREADY, "already set")                                                                 \
	X(EPERM, "operation not permitted")                                                        \
	X(EBUSY, "busy")

#define ZIPC_ERRNO_CASE(code, text)                                                                \
	case code:                                                                                 \
		return text;

static _Thread_local char last_error[256];

ZIPC_EXPORT const char *zipc_strerror(int err)
{
	switch (-err) {
		ZIPC_ERRNO_MAP(ZIPC_ERRNO_CASE)
	case 0:
		return "success";
	default:
		return strerror(-err);
	}
}

ZIPC_EXPORT const char *zipc_last_error(void)
{
	return last_error;
}

int zipc__fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return err;
}

void zipc__message_copy(char *buf, size_t len, const char *src)
{
	size_t n = strnlen(src, ZIPC_ERROR_MESSAGE_MAX - 1);

	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(buf, src, n);
	buf[n] = '\0';
}

#ifdef ZIPC_FAULT_INJECTION
#include "fault_i.h"

void (*zipc__fault_hook)(enum zipc__fault_point point);
#endif
