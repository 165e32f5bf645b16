/*
 * zeroipc get SEG NAME INDEX and zeroipc set SEG NAME INDEX VALUE: one
 * element of an array, copied out or in with the library's bounds check.
 * Untagged entries open as arrays of untyped bytes if their header fits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "target.h"
#include "values.h"

/* Open the array named by pos[0]/pos[1] and allocate one element's buffer. */
static int array_prepare(const struct cli_args *args, struct zipc_array **arr, void **elem)
{
	struct zipc_segment *seg;
	int r = cli_segment_open(args->cmd, args->pos[0], &seg);

	if (r != CLI_OK)
		return r;
	r = cli_array_open(args->cmd, seg, args->pos[1], arr);
	zipc_segment_close(seg);
	if (r != CLI_OK)
		return r;
	*elem = malloc(zipc_array_type(*arr).size);
	if (!*elem) {
		zipc_array_close(*arr);
		return cli_fail(-ENOMEM, "%s", args->cmd);
	}
	return CLI_OK;
}

static int out_of_range(const struct cli_args *args, const struct zipc_array *arr, uint64_t index)
{
	return cli_error("%s: %s/%s: index %llu out of range (capacity %llu)", args->cmd,
			 args->pos[0], args->pos[1], (unsigned long long)index,
			 (unsigned long long)zipc_array_capacity(arr));
}

static int get_run(const struct cli_args *args)
{
	struct zipc_array *arr;
	uint64_t index;
	void *elem;
	int r;

	if (cli_parse_u64("get", "index", args->pos[2], 0, UINT64_MAX, &index))
		return CLI_USAGE;
	r = array_prepare(args, &arr, &elem);
	if (r != CLI_OK)
		return r;
	r = zipc_array_get(arr, index, elem);
	if (r == -ERANGE)
		r = out_of_range(args, arr, index);
	else if (r < 0)
		r = cli_fail(r, "get: %s/%s", args->pos[0], args->pos[1]);
	else if (cli_value_print(stdout, zipc_array_type(arr), elem) < 0)
		r = cli_error("get: writing the output: %s", strerror(errno));
	free(elem);
	zipc_array_close(arr);
	return r;
}

static int set_run(const struct cli_args *args)
{
	struct zipc_array *arr;
	uint64_t index;
	char why[96];
	void *elem;
	int r;

	if (cli_parse_u64("set", "index", args->pos[2], 0, UINT64_MAX, &index))
		return CLI_USAGE;
	r = array_prepare(args, &arr, &elem);
	if (r != CLI_OK)
		return r;
	if (cli_value_parse(zipc_array_type(arr), args->pos[3], elem, why, sizeof(why)) < 0) {
		r = cli_usage("set", "value '%.64s' %s", args->pos[3], why);
	} else {
		r = zipc_array_set(arr, index, elem);
		if (r == -ERANGE)
			r = out_of_range(args, arr, index);
		else if (r < 0)
			r = cli_fail(r, "set: %s/%s", args->pos[0], args->pos[1]);
	}
	free(elem);
	zipc_array_close(arr);
	return r;
}

const struct cli_command cli_cmd_get = {
	.name = "get",
	.synopsis = "SEG NAME INDEX",
	.summary = "Print an array element",
	.help = "INDEX counts from 0.\n\n" CLI_VALUES_HELP,
	.options = 0,
	.min_pos = 3,
	.max_pos = 3,
	.run = get_run,
};

const struct cli_command cli_cmd_set = {
	.name = "set",
	.synopsis = "SEG NAME INDEX VALUE",
	.summary = "Set an array element",
	.help = "INDEX counts from 0.\n\n" CLI_VALUES_HELP,
	.options = 0,
	.min_pos = 4,
	.max_pos = 4,
	.run = set_run,
};
