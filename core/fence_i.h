/*
 * Standalone fences for stream_io.c and channel.c. GCC's -Wtsan rejects a
 * fence once it is inlined into a caller (ThreadSanitizer does not model
 * fences; every fence here comes with acquire/release accesses that it does
 * model), so under -fsanitize=thread the fences stay out-of-line calls.
 */
#ifndef ZEROIPC_FENCE_I_H
#define ZEROIPC_FENCE_I_H

#include <stdatomic.h>

#if defined(__SANITIZE_THREAD__)
#define ZIPC__FENCE_FN static __attribute__((noinline, unused)) void
#else
#define ZIPC__FENCE_FN static inline void
#endif

ZIPC__FENCE_FN zipc__fence_acquire(void)
{
	atomic_thread_fence(memory_order_acquire);
}

ZIPC__FENCE_FN zipc__fence_release(void)
{
	atomic_thread_fence(memory_order_release);
}

ZIPC__FENCE_FN zipc__fence_seq_cst(void)
{
	atomic_thread_fence(memory_order_seq_cst);
}

#endif
