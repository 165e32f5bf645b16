/* libzeroipc: lock-free IPC in POSIX shared memory. Includes every public header. */
#ifndef ZEROIPC_H
#define ZEROIPC_H

#include <zeroipc/array.h>
#include <zeroipc/channel.h>
#include <zeroipc/error.h>
#include <zeroipc/event.h>
#include <zeroipc/filemap.h>
#include <zeroipc/future.h>
#include <zeroipc/lazy.h>
#include <zeroipc/queue.h>
#include <zeroipc/registry.h>
#include <zeroipc/segment.h>
#include <zeroipc/stack.h>
#include <zeroipc/stream.h>
#include <zeroipc/types.h>

#endif
