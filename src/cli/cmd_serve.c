/*
 * zeroipc serve SEG NAME [-t SECONDS] -- CMD [ARG...]: be the provider of a
 * lazy. Sleeps until some process forces it without a compute function
 * (a `cat` of its file, a Python force()), then runs CMD once, with its
 * stdout captured, and publishes what it printed as the lazy's value. If CMD
 * fails, or its output is not a value of the lazy's type, every forcer gets
 * that error instead (and serve exits 1): nobody is left waiting.
 *
 * The output: for numeric types, one element per line in the forms of
 * values.c (as push takes them), exactly as many lines as the lazy has
 * elements; for bytes:N, the raw bytes, at most the value's size, padded
 * with NUL bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "target.h"
#include "values.h"

extern char **environ;

/* Text output longer than this per element (plus a margin) is refused. */
#define LINE_BYTES_MAX 4096

struct serve_ctx {
	char **argv; /* CMD and its arguments, NULL-terminated */
	struct zipc_type type;
	size_t size; /* of the whole value */
	bool failed; /* the error below was published */
	char error[512];
};

/* Record a failure for the forcers (err) and for serve's own message. */
static int serve_error(struct serve_ctx *ctx, char *err, size_t errlen, int code, const char *fmt,
		       ...) __attribute__((format(printf, 5, 6)));

static int serve_error(struct serve_ctx *ctx, char *err, size_t errlen, int code, const char *fmt,
		       ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->error, sizeof(ctx->error), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s", ctx->error);
	ctx->failed = true;
	return code;
}

static bool is_text_type(struct zipc_type type)
{
	return type.elem >= ZIPC_ELEM_I8 && type.elem <= ZIPC_ELEM_F64;
}

/*
 * Run CMD with its stdout into a pipe; read up to limit + 1 bytes of it into
 * *out (*len bytes), then wait for it. Returns 0 (with *status) or -errno
 * (the command could not be run).
 */
static int command_run(char **argv, size_t limit, char **out, size_t *len, int *status)
{
	posix_spawn_file_actions_t fa;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap), *bigger;
	int fds[2], r;
	pid_t pid;
	ssize_t k;

	if (!buf)
		return -ENOMEM;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		free(buf);
		return -errno;
	}
	r = posix_spawn_file_actions_init(&fa);
	if (r == 0)
		r = posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	if (r == 0)
		r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (r != 0) {
		close(fds[0]);
		free(buf);
		return -r;
	}
	/* Read to EOF, or one byte past the limit: then stop reading (the
	 * command gets SIGPIPE if it writes on), as its output is refused. */
	for (;;) {
		if (n == cap) {
			bigger = realloc(buf, 2 * cap);
			if (!bigger) {
				r = -ENOMEM;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
		k = read(fds[0], buf + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
		if (n > limit)
			break;
	}
	close(fds[0]);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR) {
			*status = 0x7f00; /* unknown: reported as a failure */
			break;
		}
	if (r < 0) {
		free(buf);
		return r;
	}
	/* here n < cap (the read that ended it had room), or n > limit */
	*out = buf;
	*len = n;
	return 0;
}

/* Parse text output: exactly size / type.size lines, each one value. */
static int text_parse(struct serve_ctx *ctx, char *text, size_t len, void *out, char *err,
		      size_t errlen)
{
	size_t count = ctx->size / ctx->type.size, line = 0;
	char *p = text, *end = text + len, *nl;
	char why[96];

	if (memchr(text, '\0', len))
		return serve_error(ctx, err, errlen, -EINVAL,
				   "%s: output is not text (it holds a NUL byte)", ctx->argv[0]);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl)
			*nl = '\0';
		else
			*end = '\0'; /* the buffer has room: see command_run */
		if (line < count &&
		    cli_value_parse(ctx->type, p, (char *)out + line * ctx->type.size, why,
				    sizeof(why)) < 0)
			return serve_error(ctx, err, errlen, -EINVAL,
					   "%s: output line %zu '%.64s' %s", ctx->argv[0], line + 1,
					   p, why);
		line++;
		p = nl ? nl + 1 : end;
	}
	if (line != count)
		return serve_error(ctx, err, errlen, -EINVAL,
				   "%s: output has %zu line%s; the lazy holds %zu value%s",
				   ctx->argv[0], line, line == 1 ? "" : "s", count,
				   count == 1 ? "" : "s");
	return 0;
}

/* The compute function: run CMD, turn its output into the value. */
static int serve_compute(void *arg, void *out, char *err, size_t errlen)
{
	struct serve_ctx *ctx = arg;
	bool text = is_text_type(ctx->type);
	size_t count = ctx->size / ctx->type.size;
	size_t limit = text ? count * LINE_BYTES_MAX + LINE_BYTES_MAX : ctx->size;
	int status = 0, r;
	size_t len = 0;
	char *buf = NULL;

	r = command_run(ctx->argv, limit, &buf, &len, &status);
	if (r < 0)
		return serve_error(ctx, err, errlen, r, "%s: cannot run it: %s", ctx->argv[0],
				   strerror(-r));
	if (len > limit)
		r = serve_error(ctx, err, errlen, -EFBIG, "%s: output is longer than %zu bytes",
				ctx->argv[0], limit);
	else if (WIFSIGNALED(status))
		r = serve_error(ctx, err, errlen, -EIO, "%s: killed by signal %d (%s)",
				ctx->argv[0], WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		r = serve_error(ctx, err, errlen, -EIO, "%s: exited with status %d", ctx->argv[0],
				WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	else if (text)
		r = text_parse(ctx, buf, len, out, err, errlen);
	else {
		memset(out, 0, ctx->size);
		memcpy(out, buf, len);
		r = 0;
	}
	free(buf);
	return r;
}

static int lazy_open(const struct cli_args *args, struct zipc_lazy **lz)
{
	struct zipc_segment *seg;
	struct zipc_entry entry;
	int r = cli_segment_open("serve", args->pos[0], &seg);

	if (r != CLI_OK)
		return r;
	r = cli_entry_find("serve", seg, args->pos[1], &entry);
	if (r == CLI_OK && entry.kind != ZIPC_KIND_LAZY)
		r = cli_wrong_kind("serve", seg, args->pos[1], &entry, "lazies");
	if (r == CLI_OK && (r = zipc_lazy_open(seg, args->pos[1], lz)) < 0)
		r = cli_fail(r, "serve: %s/%s", args->pos[0], args->pos[1]);
	zipc_segment_close(seg);
	return r;
}

static int serve_result(const struct cli_args *args, const struct serve_ctx *ctx, int r)
{
	const char *seg = args->pos[0], *name = args->pos[1];

	if (r == 0 && ctx->failed)
		return cli_error("serve: %s/%s: %s; the forcers get this error", seg, name,
				 ctx->error);
	if (r == 0)
		return CLI_OK;
	if (r == -EALREADY)
		return cli_error("serve: %s/%s: already computed; %s not run", seg, name,
				 ctx->argv[0]);
	if (r == -ETIMEDOUT)
		return cli_error("serve: %s/%s: no demand within the timeout; %s not run", seg,
				 name, ctx->argv[0]);
	return cli_fail(r, "serve: %s/%s", seg, name);
}

static int serve_run(const struct cli_args *args)
{
	const char *timeout = args->opt[CLI_OPT_TIMEOUT];
	const char *seg = args->pos[0], *name = args->pos[1];
	struct serve_ctx ctx = {0};
	int64_t timeout_ns = ZIPC_FOREVER;
	struct zipc_lazy *lz;
	int r;

	if (timeout && cli_parse_timeout("serve", timeout, &timeout_ns))
		return CLI_USAGE;
	r = lazy_open(args, &lz);
	if (r != CLI_OK)
		return r;
	ctx.type = zipc_lazy_type(lz);
	ctx.size = zipc_lazy_value_size(lz);
	if (ctx.type.size == 0 || ctx.size == 0) {
		zipc_lazy_close(lz);
		return cli_error("serve: %s/%s: the lazy has no elements", seg, name);
	}
	/* CMD's argv, NULL-terminated (args->pos is a compacted argv: no NULL) */
	ctx.argv = calloc(args->npos - 1, sizeof(*ctx.argv));
	if (!ctx.argv) {
		zipc_lazy_close(lz);
		return cli_fail(-ENOMEM, "serve");
	}
	memcpy(ctx.argv, args->pos + 2, (args->npos - 2) * sizeof(*ctx.argv));
	r = zipc_lazy_serve(lz, serve_compute, &ctx, timeout_ns);
	zipc_lazy_close(lz);
	r = serve_result(args, &ctx, r);
	free(ctx.argv);
	return r;
}

const struct cli_command cli_cmd_serve = {
    .name = "serve",
    .synopsis = "SEG NAME [-t SECONDS] -- CMD [ARG...]",
    .summary = "Provide a lazy: run a command once on demand, publish its output",
    .help = "Waits until some process forces the lazy NAME without computing it itself\n"
	    "(a read of its file, a force without a function), then runs CMD once with\n"
	    "its standard output captured and publishes that output as the lazy's value;\n"
	    "every process waiting on the lazy gets it. Exits 0 once it is published.\n"
	    "The output, by the lazy's element type:\n"
	    "  numbers   one value per line, as many lines as the lazy has elements\n"
	    "  bytes:N   the raw bytes, at most the value's size, padded with NUL bytes\n"
	    "If CMD cannot be run, exits non-zero or is killed, or its output is not a\n"
	    "value, the forcers get that error (the lazy is then failed for good) and\n"
	    "serve exits 1. It also exits 1, without running CMD, if the lazy already has\n"
	    "a value or no demand came within the timeout.\n"
	    "Options:\n"
	    "  -t, --timeout SECONDS  wait up to SECONDS (fractions allowed, inf: no\n"
	    "                         limit, the default) for demand\n\n" CLI_VALUES_HELP,
    .options = CLI_OPT_BIT(CLI_OPT_TIMEOUT),
    .min_pos = 3,
    .max_pos = SIZE_MAX,
    .run = serve_run,
};
