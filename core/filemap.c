/*
 * zipc_file_map(): from a zeroipcfs file's extended attributes to a direct
 * mapping of the shm object at the structure's offset. Everything read from
 * the attributes is checked against the object's real size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <zeroipc/filemap.h>

#include "common_i.h"
#include "error_i.h"

static int read_attr(const char *path, const char *name, char *buf, size_t len)
{
	ssize_t n = getxattr(path, name, buf, len - 1);

	if (n < 0)
		return zipc__fail(errno == ENOTSUP ? -ENODATA : -errno, "%s: %s: %s", path, name,
				  strerror(errno));
	buf[n] = '\0';
	return 0;
}

static int read_number(const char *path, const char *name, uint64_t *out)
{
	char buf[32], *end;
	int r = read_attr(path, name, buf, sizeof(buf));

	if (r < 0)
		return r;
	errno = 0;
	*out = strtoull(buf, &end, 10);
	if (errno || end == buf || *end)
		return zipc__fail(-EBADMSG, "%s: %s is not a number", path, name);
	return 0;
}

ZIPC_EXPORT int zipc_file_map(const char *path, struct zipc_file_map *map)
{
	char shm[512];
	uint64_t off, len, start;
	struct stat st;
	void *base;
	int fd, r;

	r = read_attr(path, "user.zeroipc.shm_path", shm, sizeof(shm));
	if (r == 0)
		r = read_number(path, "user.zeroipc.shm_offset", &off);
	if (r == 0)
		r = read_number(path, "user.zeroipc.shm_length", &len);
	if (r < 0)
		return r;
	fd = open(shm, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return zipc__fail(-errno, "open %s: %s", shm, strerror(errno));
	if (fstat(fd, &st) < 0) {
		r = zipc__fail(-errno, "fstat %s: %s", shm, strerror(errno));
		goto out;
	}
	if (len == 0 || off > (uint64_t)st.st_size || len > (uint64_t)st.st_size - off) {
		r = zipc__fail(-EBADMSG, "%s: %llu bytes at %llu are not inside %s", path,
			       (unsigned long long)len, (unsigned long long)off, shm);
		goto out;
	}
	start = off & ~(uint64_t)(ZIPC_PAGE - 1);
	base = mmap(NULL, (size_t)(off - start + len), PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    (off_t)start);
	if (base == MAP_FAILED) {
		r = zipc__fail(-errno, "mmap %s: %s", shm, strerror(errno));
		goto out;
	}
	map->base = base;
	map->span = (size_t)(off - start + len);
	map->addr = (unsigned char *)base + (off - start);
	map->len = (size_t)len;
	r = 0;
out:
	close(fd);
	return r;
}

ZIPC_EXPORT void zipc_file_unmap(struct zipc_file_map *map)
{
	if (map->base)
		munmap(map->base, map->span);
	map->base = NULL;
	map->addr = NULL;
}
