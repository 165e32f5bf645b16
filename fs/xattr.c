/*
 * Extended attributes: what a structure is, and where its memory is.
 *
 *   user.zeroipc.kind, .type, .capacity, .count (fill level), .state and
 *   .error (future, lazy, stream, channel), .shm_path + .shm_offset +
 *   .shm_length (map the structure's bytes directly: coherent at once, no
 *   daemon involved; an array's offset is its page-aligned element 0).
 *
 * Setting user.zeroipc.type to "KIND:TYPE" (or just "TYPE", the kind then
 * being whichever one the structure's header fits) tags an untyped entry
 * made by another implementation (zipc_entry_tag). Setting
 * user.zeroipc.state to "closed" closes a stream or channel (readers drain,
 * then read EOF), as `zeroipc close` does.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fs_i.h"

#define PREFIX "user.zeroipc."

static const char *const struct_attrs[] = {"kind",  "type",	"capacity",   "count",	   "state",
					   "error", "shm_path", "shm_offset", "shm_length"};
static const char *const seg_attrs[] = {"shm_path", "size", "used", "entries", "max_entries"};

/* Value of attribute attr of n into buf. Returns its length or a negative errno. */
static int attr_value(struct fs_node *n, const char *attr, char *buf, size_t len)
{
	struct fs_info in;
	struct zipc_type t;
	void *h;
	int r;

	if (n->type == FS_SEG) {
		struct zipc_segment_usage u;

		if (!strcmp(attr, "shm_path"))
			return snprintf(buf, len, "/dev/shm/%s", n->seg->name);
		if (!n->seg->seg)
			return -EIO;
		if (zipc_segment_usage(n->seg->seg, &u) < 0)
			return -EIO;
		if (!strcmp(attr, "size"))
			return snprintf(buf, len, "%" PRIu64, u.size);
		if (!strcmp(attr, "used"))
			return snprintf(buf, len, "%" PRIu64, u.used);
		if (!strcmp(attr, "entries"))
			return snprintf(buf, len, "%" PRIu32, u.entries);
		if (!strcmp(attr, "max_entries"))
			return snprintf(buf, len, "%" PRIu32, u.max_entries);
		return -ENODATA;
	}
	if (n->type != FS_STRUCT)
		return -ENODATA;
	r = fs_node_handle(n, &h);
	if (r < 0)
		return r;
	memset(&in, 0, sizeof(in));
	in.shm_offset = n->entry.offset;
	in.shm_length = n->entry.size;
	n->kind->info(h, &in);
	t = n->kind->type(h);
	if (!strcmp(attr, "kind"))
		return snprintf(buf, len, "%s", zipc_kind_name(n->kind->kind));
	if (!strcmp(attr, "type")) {
		if (zipc_type_format(t, buf, len) < 0)
			return -ERANGE;
		return (int)strlen(buf);
	}
	if (!strcmp(attr, "capacity"))
		return snprintf(buf, len, "%" PRIu64, in.capacity);
	if (!strcmp(attr, "count"))
		return snprintf(buf, len, "%" PRIu64, in.count);
	if (!strcmp(attr, "state"))
		return in.state ? snprintf(buf, len, "%s", in.state) : -ENODATA;
	if (!strcmp(attr, "error"))
		return in.error[0] ? snprintf(buf, len, "%s", in.error) : -ENODATA;
	if (!strcmp(attr, "shm_path"))
		return snprintf(buf, len, "/dev/shm/%s", n->seg->name);
	if (!strcmp(attr, "shm_offset"))
		return snprintf(buf, len, "%" PRIu64, in.shm_offset);
	if (!strcmp(attr, "shm_length"))
		return snprintf(buf, len, "%" PRIu64, in.shm_length);
	return -ENODATA;
}

void fs_xattr_get(fuse_req_t req, struct fs_node *n, const char *name, size_t size)
{
	char buf[ZIPC_ERROR_MESSAGE_MAX + 64];
	int len;

	if (strncmp(name, PREFIX, strlen(PREFIX)) != 0) {
		fuse_reply_err(req, ENODATA);
		return;
	}
	len = attr_value(n, name + strlen(PREFIX), buf, sizeof(buf));
	if (len < 0)
		fuse_reply_err(req, -len);
	else if (size == 0)
		fuse_reply_xattr(req, (size_t)len);
	else if ((size_t)len > size)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, buf, (size_t)len);
}

void fs_xattr_list(fuse_req_t req, struct fs_node *n, size_t size)
{
	char list[512], val[ZIPC_ERROR_MESSAGE_MAX + 64];
	const char *const *attrs = n->type == FS_SEG ? seg_attrs : struct_attrs;
	size_t count = n->type == FS_SEG ? sizeof(seg_attrs) / sizeof(seg_attrs[0])
					 : sizeof(struct_attrs) / sizeof(struct_attrs[0]);
	size_t len = 0;

	if (n->type != FS_SEG && n->type != FS_STRUCT)
		count = 0;
	for (size_t i = 0; i < count; i++) {
		if (attr_value(n, attrs[i], val, sizeof(val)) < 0)
			continue; /* not for this kind, or not now */
		len += (size_t)snprintf(list + len, sizeof(list) - len, PREFIX "%s", attrs[i]) + 1;
	}
	if (size == 0)
		fuse_reply_xattr(req, len);
	else if (len > size)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, list, len);
}

/* Tag an untyped entry. value: "KIND:TYPE", "KIND TYPE" or "TYPE". */
static int tag(struct fs_node *n, const char *value)
{
	static const enum zipc_kind guesses[] = {ZIPC_KIND_QUEUE, ZIPC_KIND_STACK, ZIPC_KIND_ARRAY,
						 ZIPC_KIND_FUTURE};
	char kind_s[16] = "", type_s[ZIPC_TYPE_STR_MAX];
	const char *sep = strpbrk(value, ": ");
	struct zipc_type type;
	enum zipc_kind kind;
	int r = -EINVAL;

	if (sep && (size_t)(sep - value) < sizeof(kind_s)) {
		memcpy(kind_s, value, (size_t)(sep - value));
		kind_s[sep - value] = '\0';
		if (zipc_kind_parse(kind_s, &kind) == 0)
			value = sep + 1;
		else
			kind_s[0] = '\0';
	}
	if (strlen(value) >= sizeof(type_s))
		return -EINVAL;
	memcpy(type_s, value, strlen(value) + 1);
	type_s[strcspn(type_s, "\n")] = '\0';
	if (zipc_type_parse(type_s, &type) < 0)
		return -EINVAL;
	if (kind_s[0])
		return zipc_entry_tag(n->seg->seg, n->name, kind, type);
	for (size_t i = 0; i < sizeof(guesses) / sizeof(guesses[0]) && r == -EINVAL; i++)
		r = zipc_entry_tag(n->seg->seg, n->name, guesses[i], type);
	return r;
}

void fs_xattr_set(fuse_req_t req, struct fs_node *n, const char *name, const char *value,
		  size_t size)
{
	char buf[64];
	int r;

	if (n->type == FS_STRUCT && strcmp(name, PREFIX "state") == 0) {
		void *h;

		r = fs_node_handle(n, &h);
		if (r == 0)
			r = n->kind->shut && size == 6 && !memcmp(value, "closed", 6)
				? n->kind->shut(h)
				: -EINVAL;
		fuse_reply_err(req, -r);
		return;
	}
	if (n->type != FS_STRUCT || strcmp(name, PREFIX "type") != 0) {
		fuse_reply_err(req, strncmp(name, PREFIX, strlen(PREFIX)) ? ENOTSUP : EPERM);
		return;
	}
	if (size >= sizeof(buf)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	memcpy(buf, value, size);
	buf[size] = '\0';
	r = tag(n, buf);
	fuse_reply_err(req, r == -EBADMSG ? EIO : -r);
}
