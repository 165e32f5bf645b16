/*
 * Elements as text lines (text_i.h). Parsing never trusts its input: every
 * value is range-checked, and a line is rejected rather than truncated.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text_i.h"

bool fs_text_type(struct zipc_type type)
{
	return type.elem >= ZIPC_ELEM_I8 && type.elem <= ZIPC_ELEM_F64;
}

static bool is_signed(enum zipc_elem e)
{
	return e >= ZIPC_ELEM_I8 && e <= ZIPC_ELEM_I64;
}

static int64_t load_signed(const void *p, uint32_t size)
{
	switch (size) {
	case 1: {
		int8_t v;
		memcpy(&v, p, 1);
		return v;
	}
	case 2: {
		int16_t v;
		memcpy(&v, p, 2);
		return v;
	}
	case 4: {
		int32_t v;
		memcpy(&v, p, 4);
		return v;
	}
	default: {
		int64_t v;
		memcpy(&v, p, 8);
		return v;
	}
	}
}

static uint64_t load_unsigned(const void *p, uint32_t size)
{
	switch (size) {
	case 1: {
		uint8_t v;
		memcpy(&v, p, 1);
		return v;
	}
	case 2: {
		uint16_t v;
		memcpy(&v, p, 2);
		return v;
	}
	case 4: {
		uint32_t v;
		memcpy(&v, p, 4);
		return v;
	}
	default: {
		uint64_t v;
		memcpy(&v, p, 8);
		return v;
	}
	}
}

/* Shortest %g that reads back to the same double (or float). */
static size_t format_float(double v, bool single, char *buf)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, FS_TEXT_MAX - 1, "%.*g", prec, v);
		if (single ? (float)strtod(buf, NULL) == (float)v : strtod(buf, NULL) == v)
			break;
	}
	if (isnan(v))
		strcpy(buf, "nan");
	return strlen(buf);
}

size_t fs_text_format(struct zipc_type type, const void *elem, char *buf)
{
	size_t n;

	if (type.elem == ZIPC_ELEM_F32) {
		float f;

		memcpy(&f, elem, 4);
		n = format_float(f, true, buf);
	} else if (type.elem == ZIPC_ELEM_F64) {
		double d;

		memcpy(&d, elem, 8);
		n = format_float(d, false, buf);
	} else if (is_signed(type.elem)) {
		n = (size_t)snprintf(buf, FS_TEXT_MAX, "%" PRId64, load_signed(elem, type.size));
	} else {
		n = (size_t)snprintf(buf, FS_TEXT_MAX, "%" PRIu64, load_unsigned(elem, type.size));
	}
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

static void store(void *elem, uint32_t size, uint64_t v)
{
	switch (size) {
	case 1: {
		uint8_t x = (uint8_t)v;
		memcpy(elem, &x, 1);
		break;
	}
	case 2: {
		uint16_t x = (uint16_t)v;
		memcpy(elem, &x, 2);
		break;
	}
	case 4: {
		uint32_t x = (uint32_t)v;
		memcpy(elem, &x, 4);
		break;
	}
	default:
		memcpy(elem, &v, 8);
		break;
	}
}

static int parse_int(struct zipc_type type, const char *s, void *elem)
{
	unsigned bits = 8 * type.size;
	uint64_t umax = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
	bool neg = *s == '-';
	uint64_t mag, limit;
	char *end;

	if (*s == '-' || *s == '+')
		s++;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	mag = strtoull(s, &end, (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10);
	if (*end || errno == ERANGE)
		return -EINVAL;
	if (is_signed(type.elem))
		limit = neg ? UINT64_C(1) << (bits - 1) : umax >> 1;
	else
		limit = neg ? 0 : umax;
	if (mag > limit)
		return -EINVAL;
	store(elem, type.size, neg ? (uint64_t)0 - mag : mag);
	return 0;
}

/* Plain decimal integers without blanks: the common case, parsed in place. */
static int parse_decimal_fast(struct zipc_type type, const char *s, size_t len, void *elem)
{
	unsigned bits = 8 * type.size;
	uint64_t umax = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1, mag = 0, limit;
	bool neg = len && s[0] == '-';
	size_t i = neg;

	if (i >= len || len - i > 19)
		return -EAGAIN; /* 20 digits may overflow: the careful path */
	for (; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9)
			return -EAGAIN;
		mag = mag * 10 + d;
	}
	if (is_signed(type.elem))
		limit = neg ? UINT64_C(1) << (bits - 1) : umax >> 1;
	else
		limit = neg ? 0 : umax;
	if (mag > limit)
		return -EINVAL;
	store(elem, type.size, neg ? (uint64_t)0 - mag : mag);
	return 0;
}

int fs_text_parse(struct zipc_type type, const char *s, size_t len, void *elem)
{
	char buf[FS_TEXT_MAX];
	char *end;
	int r;

	if (type.elem != ZIPC_ELEM_F32 && type.elem != ZIPC_ELEM_F64) {
		r = parse_decimal_fast(type, s, len, elem);
		if (r != -EAGAIN)
			return r;
	}

	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
		len--;
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (memchr(buf, '\0', len))
		return -EINVAL;
	if (type.elem == ZIPC_ELEM_F32 || type.elem == ZIPC_ELEM_F64) {
		double d = strtod(buf, &end);

		if (*end)
			return -EINVAL;
		if (type.elem == ZIPC_ELEM_F32) {
			float f = (float)d;

			memcpy(elem, &f, 4);
		} else {
			memcpy(elem, &d, 8);
		}
		return 0;
	}
	return parse_int(type, buf, elem);
}

long fs_text_parse_lines(struct zipc_type type, const char *s, size_t n, void *out, size_t max,
			 size_t *used, size_t *ends)
{
	size_t pos = 0, count = 0;

	for (;;) {
		const char *nl = memchr(s + pos, '\n', n - pos);
		size_t len;

		if (!nl)
			break;
		len = (size_t)(nl - (s + pos));
		if (count == max)
			return -ENOSPC;
		if (fs_text_parse(type, s + pos, len, (char *)out + count * type.size) < 0)
			return -EINVAL;
		pos += len + 1;
		if (ends)
			ends[count] = pos;
		count++;
	}
	*used = pos;
	return (long)count;
}

size_t fs_text_count_lines(const char *s, size_t n)
{
	size_t c = 0;
	const char *p = s, *end = s + n;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		c++;
		p++;
	}
	return c;
}
