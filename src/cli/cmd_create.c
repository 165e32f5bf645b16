/*
 * zeroipc create SEG --size BYTES [--entries N] [--mode OCTAL]: a new, empty
 * segment. --mode sets exactly those permission bits (as mkdir -m does), the
 * umask notwithstanding; without it the segment is 0600 less the umask.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

#define DEFAULT_MODE 0600

static int create_run(const struct cli_args *args)
{
	const char *name = args->pos[0];
	struct zipc_segment *seg;
	uint64_t size, entries = 0;
	mode_t mode = DEFAULT_MODE;
	int r;

	if (!args->opt[CLI_OPT_SIZE])
		return cli_usage("create", "--size is required");
	if (cli_parse_size("create", args->opt[CLI_OPT_SIZE], &size) ||
	    (args->opt[CLI_OPT_ENTRIES] &&
	     cli_parse_u64("create", "entries", args->opt[CLI_OPT_ENTRIES], 1, UINT32_MAX,
			   &entries)) ||
	    (args->opt[CLI_OPT_MODE] && cli_parse_mode("create", args->opt[CLI_OPT_MODE], &mode)))
		return CLI_USAGE;
	r = zipc_segment_create(name, size, (uint32_t)entries, mode, &seg);
	if (r < 0)
		return cli_fail(r, "create: %s", name);
	if (args->opt[CLI_OPT_MODE] && fchmod(zipc_segment_fd(seg), mode) < 0) {
		r = cli_error("create: %s: setting mode %o: %s", name, (unsigned)mode,
			      strerror(errno));
		zipc_segment_unlink(name);
	}
	zipc_segment_close(seg);
	return r;
}

const struct cli_command cli_cmd_create = {
	.name = "create",
	.synopsis = "SEG --size BYTES [--entries N] [--mode OCTAL]",
	.summary = "Create a segment",
	.help = "Options:\n"
		"  -s, --size BYTES   size of the segment; K, M and G multiply by 1024,\n"
		"                     1024^2 and 1024^3 (64M)\n"
		"  -e, --entries N    structures the table can hold (default 64; other\n"
		"                     implementations may expect 64)\n"
		"  -m, --mode OCTAL   permission bits, set exactly (default 0600 less\n"
		"                     the umask)\n"
		"Fails if SEG exists.\n",
	.options = CLI_OPT_BIT(CLI_OPT_SIZE) | CLI_OPT_BIT(CLI_OPT_ENTRIES) |
		   CLI_OPT_BIT(CLI_OPT_MODE),
	.min_pos = 1,
	.max_pos = 1,
	.run = create_run,
};
