/* Kinds and element types: names, parsing, and the size each element type has. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zeroipc/types.h>

#include "common_i.h"
#include "error_i.h"
#include "types_i.h"

static const struct {
	const char *name;
	enum zipc_elem elem;
	uint32_t size;
} elem_table[] = {
	{"i8", ZIPC_ELEM_I8, 1},   {"i16", ZIPC_ELEM_I16, 2}, {"i32", ZIPC_ELEM_I32, 4},
	{"i64", ZIPC_ELEM_I64, 8}, {"u8", ZIPC_ELEM_U8, 1},   {"u16", ZIPC_ELEM_U16, 2},
	{"u32", ZIPC_ELEM_U32, 4}, {"u64", ZIPC_ELEM_U64, 8}, {"f32", ZIPC_ELEM_F32, 4},
	{"f64", ZIPC_ELEM_F64, 8},
};

static const char *const kind_names[] = {
	[ZIPC_KIND_UNTYPED] = "untyped", [ZIPC_KIND_ARRAY] = "array",
	[ZIPC_KIND_QUEUE] = "queue",     [ZIPC_KIND_STACK] = "stack",
	[ZIPC_KIND_FUTURE] = "future",   [ZIPC_KIND_LAZY] = "lazy",
	[ZIPC_KIND_STREAM] = "stream",   [ZIPC_KIND_CHANNEL] = "channel",
};

#define BYTES_PREFIX "bytes:"

ZIPC_EXPORT int zipc_type_parse(const char *text, struct zipc_type *type)
{
	if (!text)
		return zipc__fail(-EINVAL, "missing element type");
	for (size_t i = 0; i < sizeof(elem_table) / sizeof(elem_table[0]); i++) {
		if (strcmp(text, elem_table[i].name) == 0) {
			type->elem = elem_table[i].elem;
			type->size = elem_table[i].size;
			return 0;
		}
	}
	if (strncmp(text, BYTES_PREFIX, strlen(BYTES_PREFIX)) == 0) {
		const char *digits = text + strlen(BYTES_PREFIX);
		char *end;
		unsigned long n;

		if (*digits < '0' || *digits > '9')
			return zipc__fail(-EINVAL, "bad element type '%s'", text);
		errno = 0;
		n = strtoul(digits, &end, 10);
		if (errno || *end || n == 0 || n > ZIPC_ELEM_SIZE_MAX)
			return zipc__fail(-EINVAL, "bad element size in '%s' (1..%u)", text,
					  ZIPC_ELEM_SIZE_MAX);
		type->elem = ZIPC_ELEM_BYTES;
		type->size = (uint32_t)n;
		return 0;
	}
	return zipc__fail(-EINVAL,
			  "unknown element type '%s' (i8..i64, u8..u64, f32, f64, bytes:N)", text);
}

ZIPC_EXPORT int zipc_type_format(struct zipc_type type, char *buf, size_t len)
{
	int n = -1;

	for (size_t i = 0; i < sizeof(elem_table) / sizeof(elem_table[0]); i++)
		if (elem_table[i].elem == type.elem)
			n = snprintf(buf, len, "%s", elem_table[i].name);
	if (n < 0)
		n = snprintf(buf, len, BYTES_PREFIX "%u", type.size);
	return n >= 0 && (size_t)n < len ? 0 : -ENOSPC;
}

ZIPC_EXPORT const char *zipc_kind_name(enum zipc_kind kind)
{
	if ((unsigned)kind < sizeof(kind_names) / sizeof(kind_names[0]) && kind_names[kind])
		return kind_names[kind];
	return "unknown";
}

ZIPC_EXPORT int zipc_kind_parse(const char *text, enum zipc_kind *kind)
{
	for (unsigned k = ZIPC_KIND_ARRAY; k < sizeof(kind_names) / sizeof(kind_names[0]); k++) {
		if (text && strcmp(text, kind_names[k]) == 0) {
			*kind = (enum zipc_kind)k;
			return 0;
		}
	}
	return zipc__fail(-EINVAL, "unknown kind '%s'", text ? text : "");
}

int zipc__type_check(struct zipc_type type)
{
	for (size_t i = 0; i < sizeof(elem_table) / sizeof(elem_table[0]); i++)
		if (elem_table[i].elem == type.elem)
			return type.size == elem_table[i].size
				       ? 0
				       : zipc__fail(-EINVAL, "element size %u does not match its type",
						    type.size);
	if ((type.elem == ZIPC_ELEM_BYTES || type.elem == ZIPC_ELEM_NONE) && type.size >= 1 &&
	    type.size <= ZIPC_ELEM_SIZE_MAX)
		return 0;
	return zipc__fail(-EINVAL, "bad element type %d of size %u", (int)type.elem, type.size);
}
