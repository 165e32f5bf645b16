/*
 * zeroipc push SEG NAME VALUE...: push values onto a queue or stack, in
 * order. Every value is checked before the first is pushed, so a typo pushes
 * nothing. Without -t a full structure fails at once; with -t each value
 * waits up to that long for room.
 */
#include <errno.h>
#include <stdlib.h>

#include "cli.h"
#include "target.h"
#include "values.h"

/* Parse every value into elem (one at a time, as a check). Returns CLI_OK or CLI_USAGE. */
static int values_check(const struct cli_args *args, struct zipc_type type, void *elem)
{
	char why[96];

	for (size_t i = 2; i < args->npos; i++)
		if (cli_value_parse(type, args->pos[i], elem, why, sizeof(why)) < 0)
			return cli_usage("push", "value '%.64s' %s", args->pos[i], why);
	return CLI_OK;
}

static int values_push(const struct cli_args *args, struct cli_container *c, void *elem, bool wait,
		       int64_t timeout_ns)
{
	const char *seg = args->pos[0], *name = args->pos[1];
	size_t total = args->npos - 2;
	char why[96];
	int r;

	for (size_t i = 0; i < total; i++) {
		cli_value_parse(c->type, args->pos[2 + i], elem, why, sizeof(why));
		r = cli_container_push(c, elem, wait, timeout_ns);
		if (r == -EAGAIN)
			return cli_error("push: %s/%s: full; %zu of %zu values pushed", seg, name,
					 i, total);
		if (r == -ETIMEDOUT)
			return cli_error("push: %s/%s: still full after the timeout; %zu of %zu "
					 "values pushed",
					 seg, name, i, total);
		if (r < 0)
			return cli_fail(r, "push: %s/%s: %zu of %zu values pushed", seg, name, i,
					total);
	}
	return CLI_OK;
}

static int push_run(const struct cli_args *args)
{
	const char *timeout = args->opt[CLI_OPT_TIMEOUT];
	struct zipc_segment *seg;
	struct cli_container c;
	int64_t timeout_ns = 0;
	void *elem;
	int r;

	if (timeout && cli_parse_timeout("push", timeout, &timeout_ns))
		return CLI_USAGE;
	r = cli_segment_open("push", args->pos[0], &seg);
	if (r != CLI_OK)
		return r;
	r = cli_container_open("push", seg, args->pos[1], &c);
	zipc_segment_close(seg);
	if (r != CLI_OK)
		return r;
	elem = malloc(c.type.size);
	if (!elem)
		r = cli_fail(-ENOMEM, "push");
	else
		r = values_check(args, c.type, elem);
	if (r == CLI_OK)
		r = values_push(args, &c, elem, timeout != NULL, timeout_ns);
	free(elem);
	cli_container_close(&c);
	return r;
}

const struct cli_command cli_cmd_push = {
	.name = "push",
	.synopsis = "SEG NAME VALUE... [-t SECONDS]",
	.summary = "Push values onto a queue or stack",
	.help = "All values are checked first: if one is bad, none is pushed.\n"
		"Options:\n"
		"  -t, --timeout SECONDS  wait up to SECONDS (fractions allowed, inf: no\n"
		"                         limit) for room for each value; without -t a\n"
		"                         full queue or stack fails at once\n\n" CLI_VALUES_HELP,
	.options = CLI_OPT_BIT(CLI_OPT_TIMEOUT),
	.min_pos = 3,
	.max_pos = SIZE_MAX,
	.run = push_run,
};
