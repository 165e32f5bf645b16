/*
 * Description: syscall-level helpers for the zeroipcfs tests (fs_test.sh):
 * poll wake-up, many parked readers, mmap coherence of array files against
 * a direct writer, the zero-copy xattrs, a writer that records what was
 * acknowledged, and a lazy provider. Each subcommand exits 0 on success and
 * prints why on failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <zeroipc/zeroipc.h>

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		fprintf(stderr, "fs_helper: " __VA_ARGS__);                                        \
		fputc('\n', stderr);                                                               \
		exit(1);                                                                           \
	} while (0)

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* poll FILE: wait for POLLIN (someone pushes), print the wait in ms. */
static int cmd_poll(char **argv)
{
	int fd = open(argv[0], O_RDONLY);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	double t0 = now_ms();
	char buf[64];
	ssize_t n;
	int r;

	if (fd < 0)
		FAIL("open %s: %s", argv[0], strerror(errno));
	r = poll(&p, 1, 0);
	if (r != 0)
		FAIL("poll on an empty queue reported %d (revents %#x)", r, p.revents);
	printf("waiting\n");
	fflush(stdout);
	r = poll(&p, 1, 20000);
	if (r != 1 || !(p.revents & POLLIN))
		FAIL("poll returned %d revents %#x", r, p.revents);
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		FAIL("read after poll: %zd", n);
	buf[n] = '\0';
	printf("woke after %.1f ms with %s", now_ms() - t0, buf);
	return 0;
}

struct reader {
	pthread_t t;
	int fd;
	long value;
	int err;
};

static _Atomic int started;

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	char buf[64];
	ssize_t n;

	atomic_fetch_add(&started, 1);
	n = read(rd->fd, buf, sizeof(buf) - 1);
	if (n <= 0) {
		rd->err = n < 0 ? errno : -1;
		return NULL;
	}
	buf[n] = '\0';
	rd->value = strtol(buf, NULL, 10);
	return NULL;
}

/* parked N FILE: N threads each block in read() on its own fd; prints
 * "parked" once all are started, then checks each got one distinct element. */
static int cmd_parked(char **argv)
{
	int n = atoi(argv[0]);
	struct reader *rs = calloc((size_t)n, sizeof(*rs));
	char *seen = calloc((size_t)n + 1, 1);
	pthread_attr_t at;

	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 256 * 1024); /* room for sanitizers */
	for (int i = 0; i < n; i++) {
		rs[i].fd = open(argv[1], O_RDONLY);
		if (rs[i].fd < 0)
			FAIL("open #%d: %s", i, strerror(errno));
		if (pthread_create(&rs[i].t, &at, reader_main, &rs[i]) != 0)
			FAIL("pthread_create #%d", i);
	}
	while (atomic_load(&started) < n)
		usleep(1000);
	printf("parked\n");
	fflush(stdout);
	for (int i = 0; i < n; i++) {
		pthread_join(rs[i].t, NULL);
		if (rs[i].err)
			FAIL("reader %d failed: %d", i, rs[i].err);
		if (rs[i].value < 1 || rs[i].value > n || seen[rs[i].value])
			FAIL("reader %d got %ld (duplicate or out of range)", i, rs[i].value);
		seen[rs[i].value] = 1;
		close(rs[i].fd);
	}
	printf("all %d readers got one distinct element\n", n);
	free(rs);
	free(seen);
	return 0;
}

static void *map_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDWR);
	off_t size;
	void *p;

	if (fd < 0)
		FAIL("open %s: %s", path, strerror(errno));
	size = lseek(fd, 0, SEEK_END);
	p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		FAIL("mmap %s: %s", path, strerror(errno));
	close(fd);
	*len = (size_t)size;
	return p;
}

static struct zipc_array *open_array(const char *seg_name, const char *name)
{
	struct zipc_segment *seg;
	struct zipc_array *arr;
	int r = zipc_segment_open(seg_name, &seg);

	if (r < 0)
		FAIL("segment %s: %s", seg_name, zipc_strerror(r));
	r = zipc_array_open(seg, name, &arr);
	if (r < 0)
		FAIL("array %s: %s", name, zipc_strerror(r));
	zipc_segment_close(seg);
	return arr;
}

/* Wait until *word reads want; returns ms waited or -1 after limit_ms. */
static double wait_for(volatile int64_t *word, int64_t want, double limit_ms)
{
	double t0 = now_ms();

	while (*word != want) {
		if (now_ms() - t0 > limit_ms)
			return -1;
		usleep(100);
	}
	return now_ms() - t0;
}

/* mmap FILE SEG NAME: an i64 array file mapped MAP_SHARED against direct stores. */
static int cmd_mmap(char **argv)
{
	size_t len;
	int64_t *map = map_file(argv[0], &len);
	struct zipc_array *arr = open_array(argv[1], argv[2]);
	volatile int64_t *direct = zipc_array_data(arr);
	size_t n = len / 8;
	double worst = 0, ms;

	if (n != zipc_array_capacity(arr) || n < 1024)
		FAIL("file has %zu elements, array %llu (need >= 1024)", n,
		     (unsigned long long)zipc_array_capacity(arr));
	/* mapping -> segment: at msync(MS_SYNC) */
	for (int round = 0; round < 20; round++) {
		size_t i = (size_t)(round * 97) % n;

		map[i] = 1000 + round;
		if (msync(map, len, MS_SYNC) < 0)
			FAIL("msync: %s", strerror(errno));
		if (direct[i] != 1000 + round)
			FAIL("store through the mapping not in the segment after msync");
	}
	/* segment -> mapping: within the detection bound */
	for (int round = 0; round < 20; round++) {
		size_t i = (size_t)(round * 131 + 7) % n;
		volatile int64_t *m = map;

		(void)m[i]; /* fault the page in first */
		direct[i] = 5000 + round;
		ms = wait_for(&m[i], 5000 + round, 2000);
		if (ms < 0)
			FAIL("direct store not visible in the mapping after 2 s");
		if (ms > worst)
			worst = ms;
	}
	printf("mapping sees direct stores within %.1f ms (worst of 20)\n", worst);
	/* segment -> read(): the same bound */
	{
		int fd = open(argv[0], O_RDONLY);
		int64_t v = 0;
		double t0;

		if (pread(fd, &v, 8, 8 * 3) != 8)
			FAIL("pread");
		direct[3] = 777;
		t0 = now_ms();
		while (pread(fd, &v, 8, 8 * 3) == 8 && v != 777 && now_ms() - t0 < 2000)
			usleep(200);
		if (v != 777)
			FAIL("direct store not visible to read() after 2 s");
		printf("read() sees direct stores within %.1f ms\n", now_ms() - t0);
		close(fd);
	}
	munmap(map, len);
	zipc_array_close(arr);
	return 0;
}

struct direct_writer {
	volatile int64_t *data;
	size_t n;
	int rounds;
};

static void *direct_main(void *arg)
{
	struct direct_writer *w = arg;

	for (int r = 1; r <= w->rounds; r++) {
		for (size_t i = 1; i < w->n; i += 2)
			w->data[i] = r * 1000000 + (int64_t)i;
		usleep(300);
	}
	return NULL;
}

/* interleave FILE SEG NAME ROUNDS: the mapper stores even elements and
 * msyncs, a direct writer stores odd ones of the same pages; none is lost. */
static int cmd_interleave(char **argv)
{
	size_t len;
	int64_t *map = map_file(argv[0], &len);
	struct zipc_array *arr = open_array(argv[1], argv[2]);
	int rounds = atoi(argv[3]);
	struct direct_writer w = {zipc_array_data(arr), len / 8, rounds};
	volatile int64_t *direct = w.data;
	pthread_t t;

	pthread_create(&t, NULL, direct_main, &w);
	for (int r = 1; r <= rounds; r++) {
		for (size_t i = 0; i < w.n; i += 2)
			map[i] = -(r * 1000000 + (int64_t)i);
		if (msync(map, len, MS_SYNC) < 0)
			FAIL("msync: %s", strerror(errno));
	}
	pthread_join(t, NULL);
	for (size_t i = 0; i < w.n; i++) {
		int64_t want =
		    i % 2 ? rounds * 1000000 + (int64_t)i : -(rounds * 1000000 + (int64_t)i);

		if (direct[i] != want)
			FAIL("element %zu is %lld in the segment, want %lld (a store was lost)", i,
			     (long long)direct[i], (long long)want);
	}
	munmap(map, len);
	zipc_array_close(arr);
	printf("%d rounds of interleaved stores: nothing lost\n", rounds);
	return 0;
}

static long xattr_num(const char *path, const char *name, char *buf, size_t len)
{
	ssize_t n = getxattr(path, name, buf, len - 1);

	if (n < 0)
		FAIL("getxattr %s %s: %s", path, name, strerror(errno));
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/* xattr-map FILE SEG NAME: map the array's memory through the xattrs. */
static int cmd_xattr_map(char **argv)
{
	char shm[512], buf[64];
	long off, len, page = sysconf(_SC_PAGESIZE);
	struct zipc_array *arr = open_array(argv[1], argv[2]);
	unsigned char *p;
	int fd;

	xattr_num(argv[0], "user.zeroipc.shm_path", shm, sizeof(shm));
	off = xattr_num(argv[0], "user.zeroipc.shm_offset", buf, sizeof(buf));
	len = xattr_num(argv[0], "user.zeroipc.shm_length", buf, sizeof(buf));
	if (off % page != 0)
		FAIL("array data offset %ld is not page-aligned", off);
	if ((uint64_t)off != zipc_array_data_offset(arr) ||
	    (uint64_t)len != zipc_array_capacity(arr) * zipc_array_type(arr).size)
		FAIL("xattrs say %ld+%ld, the core %llu", off, len,
		     (unsigned long long)zipc_array_data_offset(arr));
	fd = open(shm, O_RDWR);
	if (fd < 0)
		FAIL("open %s: %s", shm, strerror(errno));
	p = mmap(NULL, (size_t)len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
	if (p == MAP_FAILED)
		FAIL("mmap: %s", strerror(errno));
	if (memcmp(p, zipc_array_data(arr), (size_t)len) != 0)
		FAIL("mapped bytes differ from the core's");
	p[5] = 0x5a;
	if (((unsigned char *)zipc_array_data(arr))[5] != 0x5a)
		FAIL("store through the xattr mapping not seen by the core");
	printf("xattr mapping: %ld bytes at %ld, the same bytes the core sees\n", len, off);
	munmap(p, (size_t)len);
	close(fd);
	zipc_array_close(arr);
	return 0;
}

/* writer FILE FIRST LAST: one element per write(); print each acknowledged one. */
static int cmd_writer(char **argv)
{
	int fd = open(argv[0], O_WRONLY);
	long first = atol(argv[1]), last = atol(argv[2]);
	char buf[32];

	if (fd < 0)
		FAIL("open: %s", strerror(errno));
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long i = first; i <= last; i++) {
		int n = snprintf(buf, sizeof(buf), "%ld\n", i);

		if (write(fd, buf, (size_t)n) != n)
			return 0; /* the daemon went away: stop */
		printf("%ld\n", i);
	}
	return 0;
}

static int provide(void *ctx, void *out, char *err, size_t errlen)
{
	const char *count_file = ctx;
	int64_t v = 42;
	FILE *f = fopen(count_file, "a");

	(void)err, (void)errlen;
	if (f) {
		fputs("computed\n", f);
		fclose(f);
	}
	usleep(200 * 1000); /* let every forcer arrive while computing */
	memcpy(out, &v, sizeof(v));
	return 0;
}

/* provider SEG NAME COUNTFILE: serve the lazy once (value 42). */
static int cmd_provider(char **argv)
{
	struct zipc_segment *seg;
	struct zipc_lazy *lz;
	int r = zipc_segment_open(argv[0], &seg);

	if (r == 0)
		r = zipc_lazy_open(seg, argv[1], &lz);
	if (r < 0)
		FAIL("lazy %s/%s: %s", argv[0], argv[1], zipc_strerror(r));
	printf("serving\n");
	fflush(stdout);
	r = zipc_lazy_serve(lz, provide, argv[2], 30LL * 1000 * 1000 * 1000);
	zipc_lazy_close(lz);
	zipc_segment_close(seg);
	if (r < 0)
		FAIL("serve: %s", zipc_strerror(r));
	return 0;
}

/* nonblock FILE: a read with O_NONBLOCK on an empty structure gives EAGAIN. */
static int cmd_nonblock(char **argv)
{
	int fd = open(argv[0], O_RDONLY | O_NONBLOCK);
	char buf[16];

	if (fd < 0)
		FAIL("open: %s", strerror(errno));
	if (read(fd, buf, sizeof(buf)) >= 0 || errno != EAGAIN)
		FAIL("read gave %s, want EAGAIN", strerror(errno));
	printf("EAGAIN\n");
	return 0;
}

/* rawread FILE N ESZ: read N records of ESZ bytes (reopening at each drain EOF). */
static int cmd_rawread(char **argv)
{
	long long want = atoll(argv[1]) * atoll(argv[2]), got = 0;
	static char buf[1 << 16];
	double t0 = now_ms();
	int fd = open(argv[0], O_RDONLY);

	while (fd >= 0 && got < want) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0)
			FAIL("read: %s", strerror(errno));
		if (n == 0) {
			close(fd);
			fd = open(argv[0], O_RDONLY);
			continue;
		}
		got += n;
	}
	if (fd < 0)
		FAIL("open %s: %s", argv[0], strerror(errno));
	printf("%.1f\n", now_ms() - t0);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * rtt QFILE STATIC N: one-element write-then-read round trips vs 8-byte reads
 * of STATIC, in microseconds: the medians of N of each, interleaved one by
 * one so that both see the same state of the machine (after N to warm up).
 */
static int cmd_rtt(char **argv)
{
	int w = open(argv[0], O_WRONLY), r = open(argv[0], O_RDONLY), st = open(argv[1], O_RDONLY);
	long n = atol(argv[2]);
	double *rt = calloc((size_t)n + 1, sizeof(double)),
	       *sr = calloc((size_t)n + 1, sizeof(double));
	char buf[64];

	if (w < 0 || r < 0 || st < 0)
		FAIL("open: %s", strerror(errno));
	if (!rt || !sr || n < 1)
		FAIL("rtt: bad count or no memory");
	for (long i = -n; i < n; i++) {
		double t0 = now_ms(), t1, t2;

		if (write(w, "1\n", 2) != 2 || read(r, buf, sizeof(buf)) != 2)
			FAIL("round trip %ld: %s", i, strerror(errno));
		t1 = now_ms();
		if (pread(st, buf, 8, 0) != 8)
			FAIL("static read: %s", strerror(errno));
		t2 = now_ms();
		if (i >= 0) {
			rt[i] = (t1 - t0) * 1000;
			sr[i] = (t2 - t1) * 1000;
		}
	}
	qsort(rt, (size_t)n, sizeof(rt[0]), cmp_double);
	qsort(sr, (size_t)n, sizeof(sr[0]), cmp_double);
	printf("%.2f %.2f\n", rt[n / 2], sr[n / 2]);
	free(rt);
	free(sr);
	return 0;
}

/* arraybw FILE SEG NAME: read() bandwidth of the array file vs memcpy from the segment. */
static int cmd_arraybw(char **argv)
{
	struct zipc_array *arr = open_array(argv[1], argv[2]);
	size_t len = zipc_array_capacity(arr) * zipc_array_type(arr).size, chunk = 1 << 20;
	char *buf = malloc(chunk);
	int fd = open(argv[0], O_RDONLY);
	double t0, fs_ms, mem_ms;
	int reps = 20;

	if (fd < 0 || !buf)
		FAIL("open: %s", strerror(errno));
	for (size_t off = 0; off < len; off += chunk) /* warm the page cache */
		if (pread(fd, buf, chunk, (off_t)off) < 0)
			FAIL("pread");
	t0 = now_ms();
	for (int r = 0; r < reps; r++)
		for (size_t off = 0; off < len; off += chunk)
			if (pread(fd, buf, chunk, (off_t)off) < 0)
				FAIL("pread");
	fs_ms = now_ms() - t0;
	t0 = now_ms();
	for (int r = 0; r < reps; r++)
		for (size_t off = 0; off < len; off += chunk) {
			memcpy(buf, (char *)zipc_array_data(arr) + off,
			       len - off < chunk ? len - off : chunk);
			__asm__ volatile("" ::: "memory");
		}
	mem_ms = now_ms() - t0;
	printf("%.0f %.0f\n", reps * len / 1e3 / fs_ms, reps * len / 1e3 / mem_ms);
	free(buf);
	close(fd);
	zipc_array_close(arr);
	return 0;
}

static long long run_cmd(void *ctx)
{
	FILE *p = popen(ctx, "r");
	long long v = 0;

	if (!p || fscanf(p, "%lld", &v) != 1)
		v = -1;
	if (p)
		pclose(p);
	return v;
}

static int serve_cmd(void *ctx, void *out, char *err, size_t errlen)
{
	int64_t v = run_cmd(ctx);

	if (v < 0) {
		snprintf(err, errlen, "the command printed no number");
		return -EINVAL;
	}
	memcpy(out, &v, sizeof(v));
	return 0;
}

/* serve SEG NAME CMD: a provider for an i64 lazy: runs CMD (sh -c) once on demand. */
static int cmd_serve(char **argv)
{
	struct zipc_segment *seg;
	struct zipc_lazy *lz;
	int r = zipc_segment_open(argv[0], &seg);

	if (r == 0)
		r = zipc_lazy_open(seg, argv[1], &lz);
	if (r < 0)
		FAIL("lazy %s/%s: %s", argv[0], argv[1], zipc_strerror(r));
	r = zipc_lazy_serve(lz, serve_cmd, argv[2], ZIPC_FOREVER);
	zipc_lazy_close(lz);
	zipc_segment_close(seg);
	return r < 0 && r != -EALREADY;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int args;
		int (*fn)(char **argv);
	} cmds[] = {
	    {"poll", 1, cmd_poll},	     {"parked", 2, cmd_parked},
	    {"mmap", 3, cmd_mmap},	     {"interleave", 4, cmd_interleave},
	    {"xattr-map", 3, cmd_xattr_map}, {"writer", 3, cmd_writer},
	    {"provider", 3, cmd_provider},   {"nonblock", 1, cmd_nonblock},
	    {"rawread", 3, cmd_rawread},     {"rtt", 3, cmd_rtt},
	    {"arraybw", 3, cmd_arraybw},     {"serve", 3, cmd_serve},
	};

	for (size_t i = 0; argc >= 2 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name)) {
			if (argc - 2 != cmds[i].args)
				FAIL("%s takes %d arguments", cmds[i].name, cmds[i].args);
			return cmds[i].fn(argv + 2);
		}
	fprintf(stderr, "usage: fs_helper "
			"poll|parked|mmap|interleave|xattr-map|writer|provider|nonblock ...\n");
	return 2;
}
