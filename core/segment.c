/*
 * Segments: creating, opening (with validation of everything in the header
 * and table), reference-counted closing, unlinking and listing shm objects in
 * the zeroipc format. The table's entries are validated by registry.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zeroipc/error.h>
#include <zeroipc/segment.h>

#include "common_i.h"
#include "error_i.h"
#include "names_i.h"
#include "registry_i.h"
#include "segment_i.h"

#define SHM_DIR "/dev/shm"

/* Strip one leading '/', check the rest, and build "/name" for shm_open. */
static int shm_path(const char *name, char path[ZIPC_SEGMENT_NAME_MAX + 2])
{
	int r;

	if (name && name[0] == '/')
		name++;
	r = zipc__name_check(name, ZIPC_SEGMENT_NAME_MAX, "segment");
	if (r < 0)
		return r;
	path[0] = '/';
	strcpy(path + 1, name);
	return 0;
}

static uint64_t table_end_of(uint32_t max_entries)
{
	return ZIPC__HEADER_SIZE + (uint64_t)max_entries * ZIPC__ENTRY_SIZE;
}

static struct zipc_segment *segment_new(int fd, void *base, uint64_t size, uint32_t max_entries,
					const char *path)
{
	struct zipc_segment *seg = calloc(1, sizeof(*seg));

	if (!seg)
		return NULL;
	atomic_init(&seg->refs, 1);
	seg->fd = fd;
	seg->base = base;
	seg->size = size;
	seg->max_entries = max_entries;
	seg->table_end = table_end_of(max_entries);
	strcpy(seg->name, path + 1);
	return seg;
}

ZIPC_EXPORT int zipc_segment_create(const char *name, uint64_t size, uint32_t max_entries,
				    mode_t mode, struct zipc_segment **out)
{
	char path[ZIPC_SEGMENT_NAME_MAX + 2];
	struct zipc__header *hdr;
	struct zipc_segment *seg;
	void *base;
	int fd, r;

	r = shm_path(name, path);
	if (r < 0)
		return r;
	if (max_entries == 0)
		max_entries = ZIPC_DEFAULT_ENTRIES;
	if (max_entries > ZIPC__ENTRIES_MAX)
		return zipc__fail(-EINVAL, "at most %u table entries", ZIPC__ENTRIES_MAX);
	if (size < table_end_of(max_entries) || size > (uint64_t)INT64_MAX)
		return zipc__fail(-EINVAL, "size %llu cannot hold a table of %u entries",
				  (unsigned long long)size, max_entries);

	fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return zipc__fail(-errno, "shm_open %s: %s", path, strerror(errno));
	if (ftruncate(fd, (off_t)size) < 0) {
		r = zipc__fail(-errno, "ftruncate %s: %s", path, strerror(errno));
		goto err_unlink;
	}
	base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		r = zipc__fail(-errno, "mmap %s: %s", path, strerror(errno));
		goto err_unlink;
	}
	hdr = base;
	hdr->version = ZIPC_FORMAT_VERSION;
	hdr->max_entries = max_entries;
	hdr->memory_size = size;
	atomic_store_explicit(&hdr->entry_count, 0, memory_order_relaxed);
	atomic_store_explicit(&hdr->next_offset, table_end_of(max_entries), memory_order_relaxed);
	/* release: the magic goes last, so a process opening the segment while it
	 * is being created sees no magic (and refuses) rather than half a header. */
	__atomic_store_n(&hdr->magic, ZIPC_MAGIC, __ATOMIC_RELEASE);

	seg = segment_new(fd, base, size, max_entries, path);
	if (!seg) {
		r = zipc__fail(-ENOMEM, "out of memory");
		goto err_unmap;
	}
	*out = seg;
	return 0;

err_unmap:
	munmap(base, size);
err_unlink:
	shm_unlink(path);
	close(fd);
	return r;
}

/* Validate the header as read from the file, before mapping anything. */
static int header_check(const struct zipc__header *hdr, uint64_t file_size, uint32_t *max_entries)
{
	uint64_t next;

	if (hdr->magic != ZIPC_MAGIC)
		return zipc__fail(-EBADMSG, "bad magic 0x%08x (want 0x%08x)", hdr->magic, ZIPC_MAGIC);
	if (hdr->version != ZIPC_FORMAT_VERSION)
		return zipc__fail(-EBADMSG, "unsupported format version %u (want %u)", hdr->version,
				  ZIPC_FORMAT_VERSION);
	*max_entries = hdr->max_entries ? hdr->max_entries : ZIPC_DEFAULT_ENTRIES;
	if (*max_entries > ZIPC__ENTRIES_MAX)
		return zipc__fail(-EBADMSG, "max_entries %u is absurd", *max_entries);
	if (hdr->memory_size > file_size)
		return zipc__fail(-EBADMSG, "truncated: memory_size %llu but the object has %llu bytes",
				  (unsigned long long)hdr->memory_size,
				  (unsigned long long)file_size);
	if (table_end_of(*max_entries) > hdr->memory_size)
		return zipc__fail(-EBADMSG, "a table of %u entries does not fit in %llu bytes",
				  *max_entries, (unsigned long long)hdr->memory_size);
	if (atomic_load_explicit(&hdr->entry_count, memory_order_relaxed) > *max_entries)
		return zipc__fail(-EBADMSG, "entry_count %u exceeds max_entries %u",
				  atomic_load_explicit(&hdr->entry_count, memory_order_relaxed),
				  *max_entries);
	next = atomic_load_explicit(&hdr->next_offset, memory_order_relaxed);
	if (next < table_end_of(*max_entries) || next > hdr->memory_size)
		return zipc__fail(-EBADMSG, "next_offset %llu outside the segment",
				  (unsigned long long)next);
	return 0;
}

ZIPC_EXPORT int zipc_segment_open(const char *name, struct zipc_segment **out)
{
	char path[ZIPC_SEGMENT_NAME_MAX + 2];
	struct zipc__header hdr;
	struct zipc_segment *seg;
	uint32_t max_entries = 0;
	struct stat st;
	void *base;
	ssize_t got;
	int fd, r;

	r = shm_path(name, path);
	if (r < 0)
		return r;
	fd = shm_open(path, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0)
		return zipc__fail(-errno, "shm_open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		r = zipc__fail(-errno, "fstat %s: %s", path, strerror(errno));
		goto err_close;
	}
	got = pread(fd, &hdr, sizeof(hdr), 0);
	if (got < 0) {
		r = zipc__fail(-errno, "read %s: %s", path, strerror(errno));
		goto err_close;
	}
	if ((size_t)got < sizeof(hdr)) {
		r = zipc__fail(-EBADMSG, "truncated: %lld bytes, smaller than the header",
			       (long long)st.st_size);
		goto err_close;
	}
	r = header_check(&hdr, (uint64_t)st.st_size, &max_entries);
	if (r < 0)
		goto err_close;
	base = mmap(NULL, hdr.memory_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		r = zipc__fail(-errno, "mmap %s: %s", path, strerror(errno));
		goto err_close;
	}
	seg = segment_new(fd, base, hdr.memory_size, max_entries, path);
	if (!seg) {
		r = zipc__fail(-ENOMEM, "out of memory");
		goto err_unmap;
	}
	r = zipc__table_validate(seg);
	if (r < 0) {
		zipc__segment_unref(seg);
		return r;
	}
	*out = seg;
	return 0;

err_unmap:
	munmap(base, hdr.memory_size);
err_close:
	close(fd);
	return r;
}

void zipc__segment_ref(struct zipc_segment *seg)
{
	/* relaxed: taking a reference needs no ordering, the caller already holds one */
	atomic_fetch_add_explicit(&seg->refs, 1, memory_order_relaxed);
}

void zipc__segment_unref(struct zipc_segment *seg)
{
	/* acq_rel: the last dropper must see every other holder's use of the mapping */
	if (atomic_fetch_sub_explicit(&seg->refs, 1, memory_order_acq_rel) != 1)
		return;
	munmap(seg->base, seg->size);
	close(seg->fd);
	free(seg);
}

ZIPC_EXPORT void zipc_segment_close(struct zipc_segment *seg)
{
	if (seg)
		zipc__segment_unref(seg);
}

ZIPC_EXPORT int zipc_segment_unlink(const char *name)
{
	char path[ZIPC_SEGMENT_NAME_MAX + 2];
	int r = shm_path(name, path);

	if (r < 0)
		return r;
	if (shm_unlink(path) < 0)
		return zipc__fail(-errno, "shm_unlink %s: %s", path, strerror(errno));
	return 0;
}

ZIPC_EXPORT const char *zipc_segment_name(const struct zipc_segment *seg)
{
	return seg->name;
}

ZIPC_EXPORT int zipc_segment_fd(const struct zipc_segment *seg)
{
	return seg->fd;
}

ZIPC_EXPORT void *zipc_segment_base(const struct zipc_segment *seg)
{
	return seg->base;
}

ZIPC_EXPORT int zipc_segment_usage(const struct zipc_segment *seg, struct zipc_segment_usage *usage)
{
	struct zipc__header *hdr = zipc__hdr(seg);
	/* relaxed: a snapshot for display; nothing is read through these values */
	uint32_t count = atomic_load_explicit(&hdr->entry_count, memory_order_relaxed);
	uint64_t next = atomic_load_explicit(&hdr->next_offset, memory_order_relaxed);

	if (count > seg->max_entries || next > seg->size)
		return zipc__fail(-EBADMSG, "header of %s changed to impossible values", seg->name);
	usage->size = seg->size;
	usage->used = next;
	usage->entries = count;
	usage->max_entries = seg->max_entries;
	return 0;
}

/* True if the object starts with this format's magic and version. */
static int is_zeroipc_object(int dirfd, const char *name)
{
	uint32_t head[2];
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	ssize_t got;

	if (fd < 0)
		return 0;
	got = pread(fd, head, sizeof(head), 0);
	close(fd);
	return got == (ssize_t)sizeof(head) && head[0] == ZIPC_MAGIC &&
	       head[1] == ZIPC_FORMAT_VERSION;
}

ZIPC_EXPORT int zipc_segment_list(zipc_segment_visit_fn fn, void *ctx)
{
	DIR *dir = opendir(SHM_DIR);
	struct dirent *de;
	int r = 0;

	if (!dir)
		return zipc__fail(-errno, "opendir %s: %s", SHM_DIR, strerror(errno));
	while ((de = readdir(dir)) != NULL) {
		if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
			continue;
		if (strlen(de->d_name) > ZIPC_SEGMENT_NAME_MAX)
			continue;
		if (!is_zeroipc_object(dirfd(dir), de->d_name))
			continue;
		r = fn(de->d_name, ctx);
		if (r != 0)
			break;
	}
	closedir(dir);
	return r;
}
