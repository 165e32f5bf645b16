/*
 * zeroipc close SEG NAME: close a stream or a channel. Later emits and sends
 * fail; readers and receivers drain what is left, then see the end (EOF on
 * the filesystem's files); every sleeper is woken. Closing again is a no-op.
 */
#include <errno.h>

#include "cli.h"
#include "target.h"

static int close_run(const struct cli_args *args)
{
	const char *seg_name = args->pos[0], *name = args->pos[1];
	struct zipc_stream *st = NULL;
	struct zipc_channel *ch = NULL;
	struct zipc_segment *seg;
	struct zipc_entry entry;
	int r = cli_segment_open("close", seg_name, &seg);

	if (r != CLI_OK)
		return r;
	r = cli_entry_find("close", seg, name, &entry);
	if (r == CLI_OK) {
		if (entry.kind == ZIPC_KIND_STREAM)
			r = zipc_stream_open(seg, name, &st);
		else if (entry.kind == ZIPC_KIND_CHANNEL)
			r = zipc_channel_open(seg, name, &ch);
		else
			r = cli_wrong_kind("close", seg, name, &entry, "streams and channels");
		if (r < 0)
			r = cli_fail(r, "close: %s/%s", seg_name, name);
	}
	zipc_segment_close(seg);
	if (st) {
		r = zipc_stream_close(st);
		zipc_stream_close_handle(st);
	} else if (ch) {
		r = zipc_channel_close(ch);
		zipc_channel_close_handle(ch);
	}
	return r < 0 ? cli_fail(r, "close: %s/%s", seg_name, name) : r;
}

const struct cli_command cli_cmd_close = {
    .name = "close",
    .synopsis = "SEG NAME",
    .summary = "Close a stream or a channel",
    .help = "After close, emits and sends fail; subscribers and receivers get what is\n"
	    "left, then the end (EOF when reading the structure's file); every process\n"
	    "waiting on it is woken. Closing a closed stream or channel does nothing.\n",
    .options = 0,
    .min_pos = 2,
    .max_pos = 2,
    .run = close_run,
};
