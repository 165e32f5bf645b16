/*
 * Growable buffers of open files: the unread rest of a record and the
 * partial line (or record) a write left for the next one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs_i.h"

int fs_buf_reserve(char **buf, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 64;
	char *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*buf, n);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = n;
	return 0;
}

int fs_pend_append(struct fs_file *f, const char *data, size_t len)
{
	int r;

	if (len == 0)
		return 0;
	r = fs_buf_reserve(&f->pend, &f->pcap, f->plen + len);
	if (r < 0)
		return r;
	memcpy(f->pend + f->plen, data, len);
	f->plen += len;
	return 0;
}
