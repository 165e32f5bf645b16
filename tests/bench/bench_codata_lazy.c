/*
 * Description: the cost of getting a lazy value that is already computed:
 * zipc_lazy_force()'s fast path (an acquire load of the state word and a
 * copy of the value) against the same work done by hand: a non-inlined
 * function that loads a state word with acquire and copies a value of the
 * same size from shared memory. The library call goes through the shared
 * library's PLT; the baseline is a direct call the compiler cannot see
 * into or specialise (noinline, noipa), with the size read at run time as
 * the library reads it from its handle.
 */
#include "bench_codata.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const uint32_t cd_lazy_count[CD_LAZY_SIZES] = {1, 512};

#if defined(__GNUC__) && !defined(__clang__)
#define CD_OPAQUE __attribute__((noinline, noipa))
#else
#define CD_OPAQUE __attribute__((noinline))
#endif

/* Keep the compiler from dropping copies nobody reads. */
#define CD_CLOBBER(p) __asm__ __volatile__("" : : "r"(p) : "memory")

static int cd_compute(void *ctx, void *out, char *err, size_t errlen)
{
	const uint32_t *count = ctx;
	double *v = out;

	(void)err;
	(void)errlen;
	for (uint32_t i = 0; i < *count; i++)
		v[i] = 1.0 + (double)i;
	return 0;
}

int cd_lazy_force(const struct cd_cfg *cfg, int size, double *ns)
{
	const struct zipc_type f64 = {ZIPC_ELEM_F64, 8};
	uint32_t count = cd_lazy_count[size];
	uint64_t n = cfg->lazy_ops[size];
	char name[CD_NAME_MAX];
	struct zipc_segment *seg;
	struct zipc_lazy *lz = NULL;
	double *out;
	int64_t t0;
	int err;

	out = aligned_alloc(64, 4096 > count * 8 ? 4096 : (size_t)count * 8);
	if (!out)
		return -ENOMEM;
	err = cd_seg_create(name, 1u << 20, 0, &seg);
	if (err < 0)
		goto out_free;
	zipc_segment_unlink(name);
	err = zipc_lazy_create(seg, "lazy", f64, count, &lz);
	zipc_segment_close(seg);
	if (err < 0) {
		cd_err("create lazy in", name, err);
		goto out_free;
	}
	/* The first force computes; every later one takes the fast path. */
	err = zipc_lazy_force(lz, cd_compute, &count, out, BENCH_STALL_NS);
	if (err == 0 && out[count - 1] != (double)count)
		err = -EBADMSG;
	if (err < 0)
		goto out_close;
	t0 = bench_now_ns();
	for (uint64_t i = 0; i < n; i++) {
		if ((err = zipc_lazy_force(lz, cd_compute, &count, out, BENCH_STALL_NS)) < 0)
			break;
		CD_CLOBBER(out);
	}
	*ns = (double)(bench_now_ns() - t0) / (double)n;
	if (err == 0 && out[count - 1] != (double)count)
		err = -EBADMSG;
out_close:
	zipc_lazy_close(lz);
out_free:
	free(out);
	return err;
}

/* The baseline's shared value: a state word, then the value on its own line. */
struct cd_plain {
	_Alignas(64) _Atomic uint32_t state;
	_Alignas(64) double value[];
};

CD_OPAQUE static int cd_plain_copy(const struct cd_plain *p, void *out, size_t size)
{
	if (atomic_load_explicit(&p->state, memory_order_acquire) != 2)
		return -EAGAIN;
	memcpy(out, p->value, size);
	return 0;
}

int cd_plain_get(const struct cd_cfg *cfg, int size, double *ns)
{
	uint32_t count = cd_lazy_count[size];
	uint64_t n = cfg->lazy_ops[size];
	/* volatile: the size is data, as in the lazy's handle */
	volatile size_t vsize = (size_t)count * 8;
	size_t bytes = sizeof(struct cd_plain) + (size_t)count * 8;
	struct cd_plain *p = cd_shared_alloc(bytes);
	double *out;
	int64_t t0;
	int err = 0;

	out = aligned_alloc(64, 4096 > count * 8 ? 4096 : (size_t)count * 8);
	if (!p || !out) {
		free(out);
		cd_shared_free(p, bytes);
		return -ENOMEM;
	}
	cd_compute(&count, p->value, NULL, 0);
	atomic_store_explicit(&p->state, 2, memory_order_release);
	t0 = bench_now_ns();
	for (uint64_t i = 0; i < n; i++) {
		if ((err = cd_plain_copy(p, out, vsize)) < 0)
			break;
		CD_CLOBBER(out);
	}
	*ns = (double)(bench_now_ns() - t0) / (double)n;
	if (err == 0 && out[count - 1] != (double)count)
		err = -EBADMSG;
	free(out);
	cd_shared_free(p, bytes);
	return err;
}
