/*
 * Error reporting for libzeroipc.
 *
 * Every function that can fail returns 0 (or a count) on success and a negative
 * errno on failure; nothing reports through errno. When a failure has a detail
 * worth reading (which field of a segment is corrupt, which name is invalid) the
 * library also leaves a one-line message for the calling thread, readable with
 * zipc_last_error() until the next failing call on that thread.
 */
#ifndef ZEROIPC_ERROR_H
#define ZEROIPC_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* A short description of a negative errno returned by this library. */
const char *zipc_strerror(int err);

/*
 * The detail message of the calling thread's most recent failure ("" if
 * none). Meaningful right after a call that failed with an error other than
 * -EAGAIN, -ETIMEDOUT or -EINTR (those are routine and set no message, so
 * an older message may still be there).
 */
const char *zipc_last_error(void);

#ifdef __cplusplus
}
#endif
#endif
