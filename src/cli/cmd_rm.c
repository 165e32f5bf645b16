/*
 * zeroipc rm SEG [NAME]: remove one structure, or the whole segment. A
 * segment is unlinked only after it opened as a zeroipc segment, so that a
 * typo cannot delete another program's shared memory; --force skips that
 * check (for corrupt segments). Processes that have it open keep using it.
 */
#include <errno.h>

#include "cli.h"
#include "target.h"

static int segment_remove(const char *name, bool force)
{
	struct zipc_segment *seg;
	int r;

	if (!force) {
		r = zipc_segment_open(name, &seg);
		if (r == -EBADMSG)
			return cli_error(
			    "rm: %s: not a zeroipc segment, or corrupt (%s); use --force "
			    "to remove it anyway",
			    name, zipc_last_error());
		if (r < 0)
			return cli_fail(r, "rm: %s", name);
		zipc_segment_close(seg);
	}
	r = zipc_segment_unlink(name);
	return r < 0 ? cli_fail(r, "rm: %s", name) : CLI_OK;
}

static int entry_remove(const char *seg_name, const char *name)
{
	struct zipc_segment *seg;
	int r = cli_segment_open("rm", seg_name, &seg);

	if (r != CLI_OK)
		return r;
	r = zipc_entry_remove(seg, name);
	zipc_segment_close(seg);
	return r < 0 ? cli_fail(r, "rm: %s/%s", seg_name, name) : CLI_OK;
}

static int rm_run(const struct cli_args *args)
{
	bool force = args->opt[CLI_OPT_FORCE] != NULL;

	if (args->npos == 1)
		return segment_remove(args->pos[0], force);
	if (force)
		return cli_usage("rm", "--force applies only to removing a whole segment");
	return entry_remove(args->pos[0], args->pos[1]);
}

const struct cli_command cli_cmd_rm = {
	.name = "rm",
	.synopsis = "SEG [NAME] [--force]",
	.summary = "Remove a structure, or unlink a whole segment",
	.help = "With NAME, removes that structure: no one can open it any more, its space is\n"
		"not reclaimed, and processes that have it open keep using it. Without NAME,\n"
		"unlinks the segment (processes that have it mapped keep it).\n"
		"Options:\n"
		"  -f, --force  unlink SEG even if it is not a valid zeroipc segment\n",
	.options = CLI_OPT_BIT(CLI_OPT_FORCE),
	.min_pos = 1,
	.max_pos = 2,
	.run = rm_run,
};
