/*
 * Future: one value (elem type x count) that some process will provide.
 *
 * Layout: the shared format's Future (FORMAT.md), so futures of the C++ and
 * Python implementations work here and ours there. Set once; or fail with a
 * message every reader receives. Getters sleep on the state word (futex)
 * until it is set; setters wake them.
 *
 * Dead peers: a setter claims the future (state "computing") before writing
 * the value; one that dies there would leave it computing forever. Futures
 * created here record the claimer (pid and start time) in their wait block:
 * a getter that finds the claimer dead returns the future to pending, so
 * another process may set it. Getters of futures made elsewhere cannot know
 * and rely on their timeout. Other implementations do not wake our sleepers:
 * sleepers re-check every 100 ms in case one of them sets the future.
 */
#ifndef ZEROIPC_FUTURE_H
#define ZEROIPC_FUTURE_H

#include <stddef.h>
#include <stdint.h>

#include <zeroipc/event.h>
#include <zeroipc/segment.h>
#include <zeroipc/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct zipc_future;

enum zipc_future_state {
	ZIPC_FUTURE_PENDING = 0,
	ZIPC_FUTURE_COMPUTING = 1, /* a setter is writing the value */
	ZIPC_FUTURE_READY = 2,
	ZIPC_FUTURE_ERROR = 3,
};

/* Longest error message, with its NUL. */
#define ZIPC_ERROR_MESSAGE_MAX 256

/*
 * Create the future NAME holding count elements of type, or open it if it
 * exists with the same value size. Returns 0, -EINVAL, -ENAMETOOLONG,
 * -EEXIST, -ENOSPC, -EBADMSG, -ENOMEM.
 */
int zipc_future_create(struct zipc_segment *seg, const char *name, struct zipc_type type,
		       uint32_t count, struct zipc_future **out);

/*
 * Open the future NAME. An untagged future (made elsewhere) opens with a
 * value of entry size - 272 bytes (type ZIPC_ELEM_NONE), unless it was
 * tagged with zipc_entry_tag: then the largest multiple of the element size
 * that fits. A writer that rounded the entry up to 8 makes that ambiguous;
 * zipc_future_create() with the intended type and count resolves it. Returns 0, -ENOENT, -EINVAL, -EBADMSG, -ENOMEM.
 */
int zipc_future_open(struct zipc_segment *seg, const char *name, struct zipc_future **out);

void zipc_future_close(struct zipc_future *f);

/* Set the value (value_size bytes). Returns 0 or -EALREADY (set or failed before). */
int zipc_future_set(struct zipc_future *f, const void *value);

/* Fail the future with message (truncated to 255 bytes). Returns 0 or -EALREADY. */
int zipc_future_fail(struct zipc_future *f, const char *message);

/*
 * Copy the value into out once set, waiting up to timeout_ns (ZIPC_FOREVER:
 * no limit). Returns 0; -EIO if the future failed (the message is in
 * zipc_last_error() and zipc_future_error()); -ETIMEDOUT; -EINTR.
 */
int zipc_future_get(struct zipc_future *f, void *out, int64_t timeout_ns);

/* As zipc_future_get without waiting: -EAGAIN while pending. */
int zipc_future_try_get(struct zipc_future *f, void *out);

enum zipc_future_state zipc_future_state(const struct zipc_future *f);

/* Copy the error message into buf. Returns 0, or -EAGAIN if not failed. */
int zipc_future_error(const struct zipc_future *f, char *buf, size_t len);

/*
 * The future's state word as an event (zipc_event_arm/wait/disarm): it
 * changes, and sleepers are woken, when the future is set or failed.
 */
struct zipc_event *zipc_future_event(struct zipc_future *f);

size_t zipc_future_value_size(const struct zipc_future *f);
struct zipc_type zipc_future_type(const struct zipc_future *f);

#ifdef __cplusplus
}
#endif
#endif
