/*
 * zeroipc tag SEG NAME KIND TYPE: give an untagged entry (one made by another
 * implementation) a kind and element type, so that the other commands can
 * use it. The library checks the structure's header against them.
 */
#include "cli.h"
#include "target.h"

static int tag_run(const struct cli_args *args)
{
	const char *seg_name = args->pos[0], *name = args->pos[1];
	struct zipc_segment *seg;
	struct zipc_type type;
	enum zipc_kind kind;
	int r;

	if (zipc_kind_parse(args->pos[2], &kind) < 0 || kind == ZIPC_KIND_UNTYPED)
		return cli_usage("tag", "kind '%.64s' is not a kind (array, queue, stack, ...)",
				 args->pos[2]);
	if (zipc_type_parse(args->pos[3], &type) < 0)
		return cli_usage("tag",
				 "type '%.64s' is not one of i8, i16, i32, i64, u8, u16, "
				 "u32, u64, f32, f64, bytes:N",
				 args->pos[3]);
	r = cli_segment_open("tag", seg_name, &seg);
	if (r != CLI_OK)
		return r;
	r = zipc_entry_tag(seg, name, kind, type);
	zipc_segment_close(seg);
	return r < 0 ? cli_fail(r, "tag: %s/%s", seg_name, name) : CLI_OK;
}

const struct cli_command cli_cmd_tag = {
	.name = "tag",
	.synopsis = "SEG NAME KIND TYPE",
	.summary = "Give an untyped entry a kind and element type",
	.help = "For entries made by other implementations, which show as \"untyped\".\n"
		"KIND is array, queue, stack, ...; TYPE as for 'zeroipc new'. The element\n"
		"size must match the structure's header. An entry tagged this way can be\n"
		"tagged again; one created by zeroipc cannot.\n",
	.options = 0,
	.min_pos = 4,
	.max_pos = 4,
	.run = tag_run,
};
