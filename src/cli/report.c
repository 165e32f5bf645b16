/*
 * Error lines on stderr. Every failure of the tool ends in exactly one line,
 * "zeroipc: <what>: <reason>": control characters that came from the
 * command line or the segment are shown as '?' so that the line stays one
 * line, and overlong lines are cut rather than wrapped.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define LINE_MAX_BYTES 1024

/*
 * The library keeps a detail message until the next failure that sets one,
 * and has no call to clear it: a failure that sets none would show the
 * detail of an earlier one. cli_detail_forget() remembers the current detail
 * as stale; cli_fail() leaves out a detail equal to it.
 */
static char stale_detail[LINE_MAX_BYTES];

void cli_detail_forget(void)
{
	snprintf(stale_detail, sizeof(stale_detail), "%s", zipc_last_error());
}

static void emit(char *line)
{
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	fprintf(stderr, "zeroipc: %s\n", line);
}

int cli_fail(int err, const char *fmt, ...)
{
	const char *detail = zipc_last_error();
	char line[LINE_MAX_BYTES];
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	len = strlen(line);
	if (detail[0] && strcmp(detail, stale_detail) != 0)
		snprintf(line + len, sizeof(line) - len, ": %s (%s)", zipc_strerror(err), detail);
	else
		snprintf(line + len, sizeof(line) - len, ": %s", zipc_strerror(err));
	emit(line);
	return CLI_FAILED;
}

int cli_error(const char *fmt, ...)
{
	char line[LINE_MAX_BYTES];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	emit(line);
	return CLI_FAILED;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	char line[LINE_MAX_BYTES];
	size_t len;
	va_list ap;

	len = (size_t)snprintf(line, sizeof(line), "%s: ", cmd);
	va_start(ap, fmt);
	vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	va_end(ap);
	len = strlen(line);
	snprintf(line + len, sizeof(line) - len, " (try 'zeroipc %s --help')", cmd);
	emit(line);
	return CLI_USAGE;
}
