/*
 * Description: segments and shared scratch memory of the codata benchmark.
 *
 * Every run makes its own segment zipc-bench-codata-PID-N; one left by a
 * dead process that had our pid is ours now and is replaced.
 */
#include "bench_codata.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int cd_err(const char *what, const char *name, int err)
{
	fprintf(stderr, "bench: %s %s: %s (%s)\n", what, name, zipc_strerror(err),
		zipc_last_error());
	return err;
}

int cd_seg_create(char name[CD_NAME_MAX], uint64_t size, uint32_t max_entries,
		  struct zipc_segment **seg)
{
	static unsigned counter;
	int err;

	snprintf(name, CD_NAME_MAX, "zipc-bench-codata-%d-%u", (int)getpid(), counter++);
	err = zipc_segment_create(name, size, max_entries, 0600, seg);
	if (err == -EEXIST) {
		zipc_segment_unlink(name);
		err = zipc_segment_create(name, size, max_entries, 0600, seg);
	}
	if (err < 0)
		return cd_err("create segment", name, err);
	return 0;
}

void *cd_shared_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, size);
	return p;
}

void cd_shared_free(void *p, size_t size)
{
	if (p)
		munmap(p, size);
}
