/*
 * Numbers on the command line: counts, indexes, sizes, modes and timeouts.
 * Everything is checked whole: no leading blanks, no trailing text, no
 * silent wrap-around (strtoull takes "-1" for a huge number; we do not).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A timeout above this (about 290 years) would overflow int64 ns. */
#define TIMEOUT_MAX_S 9.0e9

int cli_digits_parse(const char *text, uint64_t *out, const char **end)
{
	int base = 10;
	char *stop;

	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		base = 16;
		text += 2;
	}
	if (base == 16 ? !isxdigit((unsigned char)text[0]) : !isdigit((unsigned char)text[0]))
		return -EINVAL;
	errno = 0;
	*out = strtoull(text, &stop, base);
	if (errno == ERANGE)
		return -ERANGE;
	*end = stop;
	return 0;
}

int cli_parse_u64(const char *cmd, const char *what, const char *text, uint64_t min, uint64_t max,
		  uint64_t *out)
{
	const char *end;
	int r = cli_digits_parse(text, out, &end);

	if (r == 0 && *end)
		r = -EINVAL;
	if (r == 0 && (*out < min || *out > max))
		r = -ERANGE;
	if (r == -EINVAL)
		return cli_usage(cmd, "%s '%.64s' is not a number", what, text);
	if (r < 0)
		return cli_usage(cmd, "%s '%.64s' is out of range (%llu..%llu)", what, text,
				 (unsigned long long)min, (unsigned long long)max);
	return 0;
}

int cli_parse_size(const char *cmd, const char *text, uint64_t *out)
{
	static const char suffixes[] = "KMG";
	const char *end, *suffix;
	uint64_t n;
	int r = cli_digits_parse(text, &n, &end);

	if (r == 0 && *end) {
		suffix = strchr(suffixes, toupper((unsigned char)*end));
		if (!suffix || end[1])
			r = -EINVAL;
		else if (n > (UINT64_MAX >> (10 * (suffix - suffixes + 1))))
			r = -ERANGE;
		else
			n <<= 10 * (suffix - suffixes + 1);
	}
	if (r == 0 && n == 0)
		r = -ERANGE;
	if (r == -EINVAL)
		return cli_usage(cmd,
				 "size '%.64s' is not a number of bytes with an optional K, M "
				 "or G suffix",
				 text);
	if (r < 0)
		return cli_usage(cmd, "size '%.64s' is out of range", text);
	*out = n;
	return 0;
}

int cli_parse_mode(const char *cmd, const char *text, mode_t *out)
{
	unsigned long mode;
	char *end;

	if (!text[0] || strspn(text, "01234567") != strlen(text))
		return cli_usage(cmd, "mode '%.64s' is not an octal number", text);
	errno = 0;
	mode = strtoul(text, &end, 8);
	if (errno == ERANGE || mode > 07777)
		return cli_usage(cmd, "mode '%.64s' is out of range (0..7777)", text);
	*out = (mode_t)mode;
	return 0;
}

int cli_parse_timeout(const char *cmd, const char *text, int64_t *out)
{
	double s;
	char *end;

	if (!text[0] || isspace((unsigned char)text[0]))
		return cli_usage(cmd, "timeout '%.64s' is not a number of seconds", text);
	errno = 0;
	s = strtod(text, &end);
	if (*end || isnan(s))
		return cli_usage(cmd, "timeout '%.64s' is not a number of seconds", text);
	if (s < 0 || (s > TIMEOUT_MAX_S && !isinf(s)))
		return cli_usage(cmd, "timeout '%.64s' is out of range (0..%.0f seconds, or inf)",
				 text, TIMEOUT_MAX_S);
	*out = isinf(s) ? ZIPC_FOREVER : (int64_t)(s * 1e9);
	return 0;
}
