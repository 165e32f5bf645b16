/*
 * Lazy: a value computed at most once for all processes, on demand.
 *
 * zipc_lazy_force() with a compute function: if the value is there it is
 * copied out (one acquire load and a copy: no syscall, no lock); otherwise
 * exactly one forcer computes while the others sleep on a futex, and all
 * get the same value or the same error. Without a compute function, force
 * signals demand and sleeps until a provider blocked in zipc_lazy_serve()
 * computes it.
 *
 * Dead peers: the computing process is recorded (pid and start time). A
 * sleeper re-checks it every check period (100 ms); if it died, one sleeper
 * with a compute function takes the computation over (so the compute count
 * becomes 2), or, with only providers, the lazy returns to empty and
 * demand is signalled again. Nobody waits forever on a dead computer.
 */
#ifndef ZEROIPC_LAZY_H
#define ZEROIPC_LAZY_H

#include <stddef.h>
#include <stdint.h>

#include <zeroipc/event.h>
#include <zeroipc/segment.h>
#include <zeroipc/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct zipc_lazy;

enum zipc_lazy_state {
	ZIPC_LAZY_EMPTY = 0,
	ZIPC_LAZY_COMPUTING = 1,
	ZIPC_LAZY_READY = 2,
	ZIPC_LAZY_ERROR = 3,
};

/*
 * Compute the value into out (value_size bytes). Return 0, or a negative
 * errno after writing a message into err (errlen bytes, NUL-terminated):
 * every forcer then gets -EIO with that message.
 */
typedef int (*zipc_lazy_compute_fn)(void *ctx, void *out, char *err, size_t errlen);

/*
 * Create the lazy NAME of count elements of type, empty, or open it if it
 * exists with the same value size. Returns 0, -EINVAL, -ENAMETOOLONG,
 * -EEXIST, -ENOSPC, -EBADMSG, -ENOMEM.
 */
int zipc_lazy_create(struct zipc_segment *seg, const char *name, struct zipc_type type,
		     uint32_t count, struct zipc_lazy **out);

/* As zipc_lazy_create, but a new lazy already holds value (computed, count 0). */
int zipc_lazy_create_const(struct zipc_segment *seg, const char *name, struct zipc_type type,
			   uint32_t count, const void *value, struct zipc_lazy **out);

/* Returns 0, -ENOENT, -EINVAL (not a lazy), -EBADMSG, -ENOMEM. */
int zipc_lazy_open(struct zipc_segment *seg, const char *name, struct zipc_lazy **out);

void zipc_lazy_close(struct zipc_lazy *lz);

/*
 * Get the value into out, computing it with compute(ctx, ...) if nobody has
 * (compute may be NULL: then wait for a provider). Waits up to timeout_ns.
 * Returns 0; -EIO (the computation failed; message in zipc_last_error());
 * -ETIMEDOUT; -EINTR. Thread- and process-safe; lock-free fast path.
 */
int zipc_lazy_force(struct zipc_lazy *lz, zipc_lazy_compute_fn compute, void *ctx, void *out,
		    int64_t timeout_ns);

/* The value if already computed: 0, -EAGAIN (not yet), -EIO (failed). */
int zipc_lazy_try_get(struct zipc_lazy *lz, void *out);

/*
 * Be a provider: sleep until some process forces the lazy without a compute
 * function, then compute it with compute(ctx, ...) and publish it. Returns 0
 * when this call computed it (or published its error), -EALREADY if it is
 * already computed (or being computed by a live process when demand ends),
 * -ETIMEDOUT, -EINTR.
 */
int zipc_lazy_serve(struct zipc_lazy *lz, zipc_lazy_compute_fn compute, void *ctx,
		    int64_t timeout_ns);

/*
 * Provide the value from outside (the filesystem's write, a CLI): as a
 * computation that returns value. Returns 0 or -EALREADY.
 */
int zipc_lazy_provide(struct zipc_lazy *lz, const void *value);

/*
 * Signal demand without waiting (wakes providers). For callers that wait on
 * zipc_lazy_event() themselves, like the filesystem. Returns 0, or
 * -EALREADY if the value (or error) is already there.
 */
int zipc_lazy_demand(struct zipc_lazy *lz);

/* The lazy's state word as an event: it changes when computing starts or ends. */
struct zipc_event *zipc_lazy_event(struct zipc_lazy *lz);

struct zipc_lazy_info {
	enum zipc_lazy_state state;
	uint32_t compute_count; /* computations started, takeovers included */
	uint32_t owner_pid;     /* the computing (or last computing) process, 0 if none */
	uint32_t demand;        /* forces without a compute function so far */
};

void zipc_lazy_info(const struct zipc_lazy *lz, struct zipc_lazy_info *info);

/* Copy the error message into buf. Returns 0, or -EAGAIN if not failed. */
int zipc_lazy_error(const struct zipc_lazy *lz, char *buf, size_t len);

size_t zipc_lazy_value_size(const struct zipc_lazy *lz);
struct zipc_type zipc_lazy_type(const struct zipc_lazy *lz);

/* Set the dead-computer check period of this handle (>= 1 ms). Returns 0 or -EINVAL. */
int zipc_lazy_set_check_period(struct zipc_lazy *lz, int64_t ns);

#ifdef __cplusplus
}
#endif
#endif
