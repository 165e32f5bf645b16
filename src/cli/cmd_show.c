/*
 * zeroipc show SEG: the segment's usage, then one line per live structure.
 * Capacity and fill come from opening the structure; "-" marks what a kind
 * does not have (an array's fill, an untyped entry's everything) or what the
 * library does not report (dead-peer recovery counters exist for queues only).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "target.h"

#define FIELD_MAX 24

/* The columns of a structure that need it opened, as text. */
struct columns {
	char capacity[FIELD_MAX];
	char count[FIELD_MAX];
	char holes[FIELD_MAX];
	char reclaimed[FIELD_MAX];
};

static void field_set(char field[FIELD_MAX], uint64_t value)
{
	snprintf(field, FIELD_MAX, "%llu", (unsigned long long)value);
}

static int queue_columns(struct zipc_segment *seg, const char *name, struct columns *col)
{
	struct zipc_queue_stats stats;
	struct zipc_queue *q;
	int r = zipc_queue_open(seg, name, &q);

	if (r < 0)
		return r;
	field_set(col->capacity, zipc_queue_capacity(q));
	field_set(col->count, zipc_queue_count(q));
	zipc_queue_stats(q, &stats);
	field_set(col->holes, stats.holes_skipped);
	field_set(col->reclaimed, stats.claims_reclaimed);
	zipc_queue_close(q);
	return 0;
}

static int stack_columns(struct zipc_segment *seg, const char *name, struct columns *col)
{
	struct zipc_stack_stats stats;
	struct zipc_stack *s;
	int r = zipc_stack_open(seg, name, &s);

	if (r < 0)
		return r;
	field_set(col->capacity, zipc_stack_capacity(s));
	field_set(col->count, zipc_stack_count(s));
	zipc_stack_stats(s, &stats);
	field_set(col->holes, stats.pushes_abandoned);
	field_set(col->reclaimed, stats.pops_reclaimed);
	zipc_stack_close(s);
	return 0;
}

static int array_columns(struct zipc_segment *seg, const char *name, struct columns *col)
{
	struct zipc_array *arr;
	int r = zipc_array_open(seg, name, &arr);

	if (r < 0)
		return r;
	field_set(col->capacity, zipc_array_capacity(arr));
	zipc_array_close(arr);
	return 0;
}

/* Print one structure's line. Returns CLI_OK, or CLI_FAILED if it could not be opened. */
static int entry_print(struct zipc_segment *seg, const struct zipc_entry *e, int width)
{
	struct columns col = {"-", "-", "-", "-"};
	char type[ZIPC_TYPE_STR_MAX] = "-";
	int r = 0;

	if (e->tagged)
		zipc_type_format(e->type, type, sizeof(type));
	if (e->kind == ZIPC_KIND_QUEUE)
		r = queue_columns(seg, e->name, &col);
	else if (e->kind == ZIPC_KIND_STACK)
		r = stack_columns(seg, e->name, &col);
	else if (e->kind == ZIPC_KIND_ARRAY)
		r = array_columns(seg, e->name, &col);
	if (r == -ENOENT)
		return CLI_OK; /* removed since it was listed */
	if (r < 0) {
		cli_fail(r, "show: %s/%s", zipc_segment_name(seg), e->name);
		cli_detail_forget();
		strcpy(col.capacity, "?");
		strcpy(col.count, "?");
	}
	printf("%-*s %-8s %-14s %12s %12s %14llu %8s %10s\n", width, e->name,
	       zipc_kind_name(e->kind), type, col.capacity, col.count, (unsigned long long)e->size,
	       col.holes, col.reclaimed);
	return r < 0 ? CLI_FAILED : CLI_OK;
}

static int show_entries(struct zipc_segment *seg, uint32_t max)
{
	struct zipc_entry *entries = calloc(max ? max : 1, sizeof(*entries));
	int width = 4, r = CLI_OK;
	long n;

	if (!entries)
		return cli_fail(-ENOMEM, "show: %s", zipc_segment_name(seg));
	n = zipc_entry_list(seg, entries, max);
	if (n < 0) {
		free(entries);
		return cli_fail((int)n, "show: %s", zipc_segment_name(seg));
	}
	if (n > (long)max)
		n = max; /* cannot happen: live entries are table entries */
	for (long i = 0; i < n; i++)
		if ((int)strlen(entries[i].name) > width)
			width = (int)strlen(entries[i].name);
	printf("%-*s %-8s %-14s %12s %12s %14s %8s %10s\n", width, "NAME", "KIND", "TYPE",
	       "CAPACITY", "COUNT", "SIZE", "HOLES", "RECLAIMED");
	for (long i = 0; i < n; i++)
		if (entry_print(seg, &entries[i], width) != CLI_OK)
			r = CLI_FAILED;
	free(entries);
	return r;
}

static int show_run(const struct cli_args *args)
{
	struct zipc_segment_usage usage;
	struct zipc_segment *seg;
	int r = cli_segment_open("show", args->pos[0], &seg);

	if (r != CLI_OK)
		return r;
	r = zipc_segment_usage(seg, &usage);
	if (r < 0) {
		r = cli_fail(r, "show: %s", args->pos[0]);
	} else {
		printf("segment %s: %llu bytes, %llu used, %u of %u table entries used\n",
		       zipc_segment_name(seg), (unsigned long long)usage.size,
		       (unsigned long long)usage.used, usage.entries, usage.max_entries);
		r = show_entries(seg, usage.max_entries);
	}
	zipc_segment_close(seg);
	return r;
}

const struct cli_command cli_cmd_show = {
	.name = "show",
	.synopsis = "SEG",
	.summary = "Show a segment's structures",
	.help = "Prints a line on the segment, then one per structure: NAME, KIND (array,\n"
		"queue, stack, ...; \"untyped\" for entries made by other implementations,\n"
		"which carry no type tag), element TYPE, CAPACITY in elements, COUNT of\n"
		"elements held now (queues and stacks), SIZE in bytes, and for queues the\n"
		"dead-peer recovery counters: HOLES (positions of dead producers skipped)\n"
		"and RECLAIMED (elements of dead consumers given up). \"-\" marks a column\n"
		"that does not apply. Exits 1 if a structure could not be opened.\n",
	.options = 0,
	.min_pos = 1,
	.max_pos = 1,
	.run = show_run,
};
