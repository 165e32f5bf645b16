/*
 * The zeroipc command-line tool: what its files share.
 *
 * main.c dispatches to one `struct cli_command` per command (cmd_*.c). A
 * command gets its arguments already split by args.c into positionals and
 * options, and returns an exit code. Every failure is reported on stderr as
 * one line, "zeroipc: <what>: <reason>" (report.c), so scripts can rely on
 * the exit code and people can read the line.
 */
#ifndef ZEROIPC_CLI_H
#define ZEROIPC_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <zeroipc/zeroipc.h>

/* Exit codes. */
enum {
	CLI_OK = 0,
	CLI_FAILED = 1, /* the operation failed: empty, full, not found, ... */
	CLI_USAGE = 2,	/* the command line is wrong */
};

/* Options, each accepted only by the commands that list it. */
enum cli_opt {
	CLI_OPT_SIZE,	 /* -s, --size BYTES */
	CLI_OPT_ENTRIES, /* -e, --entries N */
	CLI_OPT_MODE,	 /* -m, --mode OCTAL */
	CLI_OPT_TIMEOUT, /* -t, --timeout SECONDS */
	CLI_OPT_COUNT,	 /* -n, --count N */
	CLI_OPT_FORCE,	 /* -f, --force (a flag) */
	CLI_OPT_NR,
};

#define CLI_OPT_BIT(opt) (1u << (opt))

/* A command line after parsing: positionals in order, options by kind. */
struct cli_args {
	const char *cmd; /* the command's name, for messages */
	char **pos;	 /* positional arguments (points into argv) */
	size_t npos;
	const char *opt[CLI_OPT_NR]; /* value of each option, NULL if absent ("" for a flag) */
};

struct cli_command {
	const char *name;
	const char *synopsis; /* the arguments, as in "usage: zeroipc NAME SYNOPSIS" */
	const char *summary;  /* one line for `zeroipc --help` */
	const char *help;     /* the rest of `zeroipc NAME --help` */
	unsigned options;     /* CLI_OPT_BIT()s of the options it accepts */
	size_t min_pos;	      /* positional arguments it needs ... */
	size_t max_pos;	      /* ... and accepts (SIZE_MAX: any number) */
	int (*run)(const struct cli_args *args);
};

extern const struct cli_command cli_cmd_ls, cli_cmd_show, cli_cmd_create, cli_cmd_new;
extern const struct cli_command cli_cmd_push, cli_cmd_pop, cli_cmd_get, cli_cmd_set;
extern const struct cli_command cli_cmd_rm, cli_cmd_tag, cli_cmd_serve, cli_cmd_close;

/* args.c */

/*
 * Split argv (the words after the command name) into *args for cmd. Sets
 * *help when -h/--help was given (nothing else is then checked). Returns
 * CLI_OK, or CLI_USAGE after reporting the problem.
 */
int cli_args_parse(const struct cli_command *cmd, int argc, char **argv, struct cli_args *args,
		   bool *help);

/* report.c: every function prints one line on stderr and returns the exit code. */

/* "zeroipc: <what>: <zipc_strerror(err)> (<zipc_last_error()>)"; returns CLI_FAILED. */
int cli_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* After a library failure the tool handled itself: do not show its detail later. */
void cli_detail_forget(void);

/* "zeroipc: <message>"; returns CLI_FAILED. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "zeroipc: <cmd>: <message> (try 'zeroipc <cmd> --help')"; returns CLI_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * numbers.c: command-line numbers. Each returns 0 or CLI_USAGE after
 * reporting "zeroipc: <cmd>: <what> '<text>' ..." on stderr.
 */

/*
 * The digits of an unsigned number, decimal or 0x-hex (no sign, no blanks);
 * *end is left after them. Returns 0, -EINVAL (no digits) or -ERANGE.
 */
int cli_digits_parse(const char *text, uint64_t *out, const char **end);

/* A decimal or 0x-hex integer in min..max. */
int cli_parse_u64(const char *cmd, const char *what, const char *text, uint64_t min, uint64_t max,
		  uint64_t *out);

/* A byte count with an optional K, M or G suffix (powers of 1024). */
int cli_parse_size(const char *cmd, const char *text, uint64_t *out);

/* Permission bits in octal, at most 07777. */
int cli_parse_mode(const char *cmd, const char *text, mode_t *out);

/* Seconds (fractions allowed, "inf" for no limit) as ns or ZIPC_FOREVER. */
int cli_parse_timeout(const char *cmd, const char *text, int64_t *out);

#endif
