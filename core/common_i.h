/*
 * Internal basics shared by every core file: symbol export, alignment, and the
 * build-time guarantees cross-process atomics rely on.
 */
#ifndef ZEROIPC_COMMON_I_H
#define ZEROIPC_COMMON_I_H

#include <stdatomic.h>
#include <stdint.h>

#define ZIPC_EXPORT __attribute__((visibility("default")))

/* A lock-based atomic would lock a process-local lock: useless across processes. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "32-bit atomics must be lock-free");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free");
_Static_assert(sizeof(_Atomic uint32_t) == 4 && _Alignof(_Atomic uint32_t) == 4,
	       "atomic u32 must have the layout of u32");
_Static_assert(sizeof(_Atomic uint64_t) == 8 && _Alignof(_Atomic uint64_t) == 8,
	       "atomic u64 must have the layout of u64");

#define ZIPC_CACHE_LINE 64
#define ZIPC_PAGE 4096u

static inline uint64_t zipc__align8(uint64_t n)
{
	return (n + 7) & ~(uint64_t)7;
}

static inline uint64_t zipc__align_up(uint64_t n, uint64_t a)
{
	return (n + a - 1) & ~(a - 1);
}

static inline void zipc__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

#endif
