/*
 * Opening what a command works on, with the tool's error lines: "SEG/NAME"
 * names an entry in messages, and a structure of the wrong kind is refused
 * here with its actual kind, before any library call could misread it.
 */
#include "target.h"
#include "cli.h"

int cli_segment_open(const char *cmd, const char *name, struct zipc_segment **seg)
{
	int r = zipc_segment_open(name, seg);

	return r < 0 ? cli_fail(r, "%s: %s", cmd, name) : CLI_OK;
}

int cli_entry_find(const char *cmd, struct zipc_segment *seg, const char *name,
		   struct zipc_entry *entry)
{
	int r = zipc_entry_find(seg, name, entry);

	return r < 0 ? cli_fail(r, "%s: %s/%s", cmd, zipc_segment_name(seg), name) : CLI_OK;
}

int cli_wrong_kind(const char *cmd, struct zipc_segment *seg, const char *name,
		   const struct zipc_entry *entry, const char *wanted)
{
	if (entry->kind == ZIPC_KIND_UNTYPED)
		return cli_error("%s: %s/%s: untyped entry; give it a kind and type first with "
				 "'zeroipc tag'",
				 cmd, zipc_segment_name(seg), name);
	return cli_error("%s: %s/%s: is a structure of kind %s; %s works on %s", cmd,
			 zipc_segment_name(seg), name, zipc_kind_name(entry->kind), cmd, wanted);
}

int cli_array_open(const char *cmd, struct zipc_segment *seg, const char *name,
		   struct zipc_array **arr)
{
	struct zipc_entry entry;
	int r = cli_entry_find(cmd, seg, name, &entry);

	if (r != CLI_OK)
		return r;
	if (entry.kind != ZIPC_KIND_ARRAY && entry.kind != ZIPC_KIND_UNTYPED)
		return cli_wrong_kind(cmd, seg, name, &entry, "arrays");
	r = zipc_array_open(seg, name, arr);
	return r < 0 ? cli_fail(r, "%s: %s/%s", cmd, zipc_segment_name(seg), name) : CLI_OK;
}

int cli_container_open(const char *cmd, struct zipc_segment *seg, const char *name,
		       struct cli_container *c)
{
	struct zipc_entry entry;
	int r = cli_entry_find(cmd, seg, name, &entry);

	if (r != CLI_OK)
		return r;
	c->queue = NULL;
	c->stack = NULL;
	if (entry.kind == ZIPC_KIND_QUEUE) {
		r = zipc_queue_open(seg, name, &c->queue);
		if (r == 0)
			c->type = zipc_queue_type(c->queue);
	} else if (entry.kind == ZIPC_KIND_STACK) {
		r = zipc_stack_open(seg, name, &c->stack);
		if (r == 0)
			c->type = zipc_stack_type(c->stack);
	} else {
		return cli_wrong_kind(cmd, seg, name, &entry, "queues and stacks");
	}
	return r < 0 ? cli_fail(r, "%s: %s/%s", cmd, zipc_segment_name(seg), name) : CLI_OK;
}

void cli_container_close(struct cli_container *c)
{
	if (c->queue)
		zipc_queue_close(c->queue);
	if (c->stack)
		zipc_stack_close(c->stack);
}

int cli_container_push(struct cli_container *c, const void *elem, bool wait, int64_t timeout_ns)
{
	if (c->queue)
		return wait ? zipc_queue_push(c->queue, elem, timeout_ns)
			    : zipc_queue_try_push(c->queue, elem);
	return wait ? zipc_stack_push(c->stack, elem, timeout_ns)
		    : zipc_stack_try_push(c->stack, elem);
}

int cli_container_pop(struct cli_container *c, void *elem, bool wait, int64_t timeout_ns)
{
	if (c->queue)
		return wait ? zipc_queue_pop(c->queue, elem, timeout_ns)
			    : zipc_queue_try_pop(c->queue, elem);
	return wait ? zipc_stack_pop(c->stack, elem, timeout_ns)
		    : zipc_stack_try_pop(c->stack, elem);
}
