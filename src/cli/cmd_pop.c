/*
 * zeroipc pop SEG NAME [-n N] [-t SECONDS]: pop values from a queue or stack
 * and print one per line. Each value is printed and flushed as soon as it is
 * popped: it is gone from the segment, so it must not wait in a buffer for a
 * later failure (or a signal) to lose it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "target.h"
#include "values.h"

static int values_pop(const struct cli_args *args, struct cli_container *c, void *elem,
		      uint64_t count, bool wait, int64_t timeout_ns)
{
	const char *seg = args->pos[0], *name = args->pos[1];
	int r;

	for (uint64_t i = 0; i < count; i++) {
		r = cli_container_pop(c, elem, wait, timeout_ns);
		if (r == -EAGAIN)
			return cli_error("pop: %s/%s: empty; %llu of %llu values popped", seg, name,
					 (unsigned long long)i, (unsigned long long)count);
		if (r == -ETIMEDOUT)
			return cli_error("pop: %s/%s: still empty after the timeout; %llu of %llu "
					 "values popped",
					 seg, name, (unsigned long long)i,
					 (unsigned long long)count);
		if (r < 0)
			return cli_fail(r, "pop: %s/%s: %llu of %llu values popped", seg, name,
					(unsigned long long)i, (unsigned long long)count);
		if (cli_value_print(stdout, c->type, elem) < 0 || fflush(stdout) != 0)
			return cli_error("pop: writing the output: %s", strerror(errno));
	}
	return CLI_OK;
}

static int pop_run(const struct cli_args *args)
{
	const char *timeout = args->opt[CLI_OPT_TIMEOUT];
	struct zipc_segment *seg;
	struct cli_container c;
	int64_t timeout_ns = 0;
	uint64_t count = 1;
	void *elem;
	int r;

	if ((timeout && cli_parse_timeout("pop", timeout, &timeout_ns)) ||
	    (args->opt[CLI_OPT_COUNT] &&
	     cli_parse_u64("pop", "count", args->opt[CLI_OPT_COUNT], 1, UINT64_MAX, &count)))
		return CLI_USAGE;
	r = cli_segment_open("pop", args->pos[0], &seg);
	if (r != CLI_OK)
		return r;
	r = cli_container_open("pop", seg, args->pos[1], &c);
	zipc_segment_close(seg);
	if (r != CLI_OK)
		return r;
	elem = malloc(c.type.size);
	if (!elem)
		r = cli_fail(-ENOMEM, "pop");
	else
		r = values_pop(args, &c, elem, count, timeout != NULL, timeout_ns);
	free(elem);
	cli_container_close(&c);
	return r;
}

const struct cli_command cli_cmd_pop = {
	.name = "pop",
	.synopsis = "SEG NAME [-n N] [-t SECONDS]",
	.summary = "Pop values from a queue or stack and print them",
	.help = "Prints one value per line, in the order popped.\n"
		"Options:\n"
		"  -n, --count N          pop N values (default 1)\n"
		"  -t, --timeout SECONDS  wait up to SECONDS (fractions allowed, inf: no\n"
		"                         limit) for each value; without -t an empty queue\n"
		"                         or stack fails at once\n"
		"Fails (exit 1) when fewer than N values could be popped; those popped\n"
		"are printed.\n\n" CLI_VALUES_HELP,
	.options = CLI_OPT_BIT(CLI_OPT_COUNT) | CLI_OPT_BIT(CLI_OPT_TIMEOUT),
	.min_pos = 2,
	.max_pos = 2,
	.run = pop_run,
};
