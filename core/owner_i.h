/*
 * Process identity for dead-peer detection: a 64-bit word holding a pid and
 * the low 32 bits of that process's start time (clock ticks since boot, from
 * /proc), so that a recycled pid is not mistaken for the original process.
 * Words are stored in the segment by whoever owns something (a computation,
 * a subscription) and checked by whoever waits on it.
 */
#ifndef ZEROIPC_OWNER_I_H
#define ZEROIPC_OWNER_I_H

#include <stdbool.h>
#include <stdint.h>

/* The calling process's owner word (never 0). Cached; correct after fork(). */
uint64_t zipc__owner_self(void);

/* The pid in an owner word. */
static inline uint32_t zipc__owner_pid(uint64_t owner)
{
	return (uint32_t)owner;
}

/* False only if the process named by owner has certainly exited. */
bool zipc__owner_alive(uint64_t owner);

#endif
