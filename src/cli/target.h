/*
 * What a command works on: a segment, an entry in it, an array, or a queue
 * or stack behind one push/pop interface. The open calls report their own
 * failures (one line on stderr) and return an exit code.
 */
#ifndef ZEROIPC_CLI_TARGET_H
#define ZEROIPC_CLI_TARGET_H

#include <stdbool.h>
#include <stdint.h>

#include <zeroipc/zeroipc.h>

/* A queue or a stack: exactly one of the two handles is set. */
struct cli_container {
	struct zipc_queue *queue;
	struct zipc_stack *stack;
	struct zipc_type type;
};

int cli_segment_open(const char *cmd, const char *name, struct zipc_segment **seg);

int cli_entry_find(const char *cmd, struct zipc_segment *seg, const char *name,
		   struct zipc_entry *entry);

/*
 * Refuse entry NAME, which is not of a kind cmd works on (wanted: "arrays",
 * ...), naming its actual kind. Returns CLI_FAILED.
 */
int cli_wrong_kind(const char *cmd, struct zipc_segment *seg, const char *name,
		   const struct zipc_entry *entry, const char *wanted);

/* Open NAME as an array: a tagged array, or an untagged entry (as untyped bytes). */
int cli_array_open(const char *cmd, struct zipc_segment *seg, const char *name,
		   struct zipc_array **arr);

/* Open NAME, which must be a tagged queue or stack. */
int cli_container_open(const char *cmd, struct zipc_segment *seg, const char *name,
		       struct cli_container *c);

void cli_container_close(struct cli_container *c);

/*
 * Push or pop one element: a try when !wait (0 or -EAGAIN), else waiting up
 * to timeout_ns (0, -ETIMEDOUT or -EINTR). Either may return -EBADMSG.
 */
int cli_container_push(struct cli_container *c, const void *elem, bool wait, int64_t timeout_ns);
int cli_container_pop(struct cli_container *c, void *elem, bool wait, int64_t timeout_ns);

#endif
