/*
 * zeroipc ls: one line per segment in /dev/shm, sorted by name, with its
 * size, bytes allocated, and table entries. A segment that cannot be opened
 * (corrupt, no permission) gets a warning on stderr and does not fail the
 * listing: /dev/shm is shared with everyone, and one bad object should not
 * hide the others.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct names {
	char **v;
	size_t n, cap;
};

static int names_add(const char *name, void *ctx)
{
	struct names *names = ctx;
	char **v;

	if (names->n == names->cap) {
		names->cap = names->cap ? 2 * names->cap : 16;
		v = realloc(names->v, names->cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		names->v = v;
	}
	names->v[names->n] = strdup(name);
	if (!names->v[names->n])
		return -ENOMEM;
	names->n++;
	return 0;
}

static void names_free(struct names *names)
{
	for (size_t i = 0; i < names->n; i++)
		free(names->v[i]);
	free(names->v);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Usage and live entries of the segment NAME. Returns 0 or a negative errno. */
static int segment_usage(const char *name, struct zipc_segment_usage *usage, long *live)
{
	struct zipc_segment *seg;
	struct zipc_entry unused;
	int r = zipc_segment_open(name, &seg);

	if (r < 0)
		return r;
	r = zipc_segment_usage(seg, usage);
	if (r == 0) {
		*live = zipc_entry_list(seg, &unused, 0);
		if (*live < 0)
			r = (int)*live;
	}
	zipc_segment_close(seg);
	return r;
}

static void segment_print(const char *name, int width)
{
	struct zipc_segment_usage usage;
	long live = 0;
	int r = segment_usage(name, &usage, &live);

	if (r == -ENOENT)
		return; /* unlinked since it was listed */
	if (r < 0) {
		cli_fail(r, "ls: %s", name);
		cli_detail_forget();
		return;
	}
	printf("%-*s %14llu %14llu %8ld %8ld %11lu\n", width, name, (unsigned long long)usage.size,
	       (unsigned long long)usage.used, live,
	       (long)usage.entries > live ? (long)usage.entries - live : 0L,
	       (unsigned long)usage.max_entries);
}

static int ls_run(const struct cli_args *args)
{
	struct names names = {0};
	int width = 4;
	int r;

	(void)args;
	r = zipc_segment_list(names_add, &names);
	if (r < 0) {
		names_free(&names);
		return cli_fail(r, "ls: listing /dev/shm");
	}
	qsort(names.v, names.n, sizeof(*names.v), name_cmp);
	for (size_t i = 0; i < names.n; i++)
		if ((int)strlen(names.v[i]) > width)
			width = (int)strlen(names.v[i]);
	printf("%-*s %14s %14s %8s %8s %11s\n", width, "NAME", "SIZE", "USED", "ENTRIES", "REMOVED",
	       "MAX_ENTRIES");
	for (size_t i = 0; i < names.n; i++)
		segment_print(names.v[i], width);
	names_free(&names);
	return CLI_OK;
}

const struct cli_command cli_cmd_ls = {
	.name = "ls",
	.synopsis = "",
	.summary = "List the segments in /dev/shm",
	.help = "Prints, for each segment: NAME, SIZE in bytes, USED bytes (allocated so far),\n"
		"ENTRIES (live structures), REMOVED (table entries of removed structures,\n"
		"which still take room in the table) and MAX_ENTRIES (size of the table).\n"
		"Segments that cannot be opened are reported on stderr and skipped.\n",
	.options = 0,
	.min_pos = 0,
	.max_pos = 0,
	.run = ls_run,
};
