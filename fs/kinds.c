/*
 * The table of kinds, and "KIND NAME TYPE ARGS..." lines (the SEG/.new
 * control file). Adding a kind: write kind_NAME.c and list it here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs_i.h"
#include "kind_i.h"

static const struct fs_kind *const kinds[] = {
    &fs_kind_array, &fs_kind_queue,  &fs_kind_stack,   &fs_kind_future,
    &fs_kind_lazy,  &fs_kind_stream, &fs_kind_channel,
};

const struct fs_kind *fs_kind_get(enum zipc_kind kind)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i]->kind == kind)
			return kinds[i];
	return NULL;
}

int fs_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	uint64_t v, mul = 1;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		mul = 1ull << 10;
		end++;
		break;
	case 'm':
	case 'M':
		mul = 1ull << 20;
		end++;
		break;
	case 'g':
	case 'G':
		mul = 1ull << 30;
		end++;
		break;
	default:
		break;
	}
	if (*end || (v && mul > UINT64_MAX / v))
		return -EINVAL;
	*out = v * mul;
	return 0;
}

int fs_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (fs_parse_u64(s, &v) < 0 || v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

#define MAX_WORDS 16

int fs_kind_create_line(struct zipc_segment *seg, char *line)
{
	char *words[MAX_WORDS], *save = NULL, *w;
	const struct fs_kind *k;
	struct zipc_entry e;
	struct fs_spec spec;
	enum zipc_kind kind;
	int n = 0, r;

	for (w = strtok_r(line, " \t\r", &save); w; w = strtok_r(NULL, " \t\r", &save)) {
		if (n == MAX_WORDS)
			return -EINVAL;
		words[n++] = w;
	}
	if (n == 0 || words[0][0] == '#')
		return 0; /* blank lines and comments */
	if (n < 3 || zipc_kind_parse(words[0], &kind) < 0 || !(k = fs_kind_get(kind)) || !k->create)
		return -EINVAL;
	r = zipc_name_check(words[1]);
	if (r < 0)
		return r;
	if (zipc_type_parse(words[2], &spec.type) < 0)
		return -EINVAL;
	/* like the CLI's new: never reuse an existing name silently */
	r = zipc_entry_find(seg, words[1], &e);
	if (r == 0)
		return -EEXIST;
	if (r != -ENOENT)
		return r;
	spec.argc = n - 3;
	spec.argv = words + 3;
	return k->create(seg, words[1], &spec);
}
