/*
 * zeroipc new SEG NAME KIND TYPE CAPACITY: a new array, queue or stack. The
 * library's create opens a structure that exists already; a command named
 * "new" refuses instead, so that a typo cannot silently reuse a structure.
 */
#include <errno.h>

#include "cli.h"
#include "target.h"

static int structure_create(struct zipc_segment *seg, const char *name, enum zipc_kind kind,
			    struct zipc_type type, uint64_t capacity)
{
	struct zipc_array *arr;
	struct zipc_queue *q;
	struct zipc_stack *s;
	int r;

	if (kind == ZIPC_KIND_ARRAY) {
		r = zipc_array_create(seg, name, type, capacity, &arr);
		if (r == 0)
			zipc_array_close(arr);
	} else if (kind == ZIPC_KIND_QUEUE) {
		r = zipc_queue_create(seg, name, type, (uint32_t)capacity, &q);
		if (r == 0)
			zipc_queue_close(q);
	} else {
		r = zipc_stack_create(seg, name, type, (uint32_t)capacity, &s);
		if (r == 0)
			zipc_stack_close(s);
	}
	return r;
}

static int new_run(const struct cli_args *args)
{
	const char *seg_name = args->pos[0], *name = args->pos[1];
	struct zipc_segment *seg;
	struct zipc_entry entry;
	struct zipc_type type;
	enum zipc_kind kind;
	uint64_t capacity, max = UINT64_MAX;
	int r;

	if (zipc_kind_parse(args->pos[2], &kind) < 0 ||
	    (kind != ZIPC_KIND_ARRAY && kind != ZIPC_KIND_QUEUE && kind != ZIPC_KIND_STACK))
		return cli_usage("new", "kind '%.64s' is not array, queue or stack", args->pos[2]);
	if (zipc_type_parse(args->pos[3], &type) < 0)
		return cli_usage("new",
				 "type '%.64s' is not one of i8, i16, i32, i64, u8, u16, "
				 "u32, u64, f32, f64, bytes:N",
				 args->pos[3]);
	if (kind == ZIPC_KIND_QUEUE)
		max = ZIPC_QUEUE_CAPACITY_MAX;
	else if (kind == ZIPC_KIND_STACK)
		max = ZIPC_STACK_CAPACITY_MAX;
	if (cli_parse_u64("new", "capacity", args->pos[4], 1, max, &capacity))
		return CLI_USAGE;

	r = cli_segment_open("new", seg_name, &seg);
	if (r != CLI_OK)
		return r;
	r = zipc_entry_find(seg, name, &entry);
	if (r == 0) {
		r = cli_error("new: %s/%s: already exists (kind %s)", seg_name, name,
			      zipc_kind_name(entry.kind));
	} else if (r == -ENOENT) {
		cli_detail_forget();
		r = structure_create(seg, name, kind, type, capacity);
		r = r < 0 ? cli_fail(r, "new: %s/%s", seg_name, name) : CLI_OK;
	} else {
		r = cli_fail(r, "new: %s/%s", seg_name, name);
	}
	zipc_segment_close(seg);
	return r;
}

const struct cli_command cli_cmd_new = {
	.name = "new",
	.synopsis = "SEG NAME array|queue|stack TYPE CAPACITY",
	.summary = "Create an array, queue or stack in a segment",
	.help = "TYPE is i8, i16, i32, i64, u8, u16, u32, u64, f32, f64 or bytes:N (N bytes,\n"
		"1 <= N <= 1048576). CAPACITY is in elements; a queue's is rounded up to a\n"
		"power of two. Arrays start zero-filled. Fails if NAME exists.\n",
	.options = 0,
	.min_pos = 5,
	.max_pos = 5,
	.run = new_run,
};
