/*
 * Element values as text.
 *
 * Integers: decimal or 0x-hex with an optional sign, checked against the
 * type's range. Floats: anything strtod takes (1.5, 1e-3, 0x1p4, inf, nan);
 * printed with the fewest digits that read back to the same value. bytes:N
 * and untyped elements: "0x" and up to 2N hex digits, or text of up to N
 * bytes; either is padded with NULs. They print as text when the element is
 * printable text padded with NULs (and does not itself start with "0x"),
 * otherwise as 0x and 2N hex digits, so that every printed value reads back
 * to the same bytes.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "values.h"

static bool elem_is_signed(enum zipc_elem elem)
{
	return elem >= ZIPC_ELEM_I8 && elem <= ZIPC_ELEM_I64;
}

static bool elem_is_unsigned(enum zipc_elem elem)
{
	return elem >= ZIPC_ELEM_U8 && elem <= ZIPC_ELEM_U64;
}

static int int_parse(struct zipc_type type, const char *text, void *elem, char *why, size_t why_len)
{
	unsigned bits = 8 * type.size;
	bool is_signed = elem_is_signed(type.elem);
	uint64_t umax = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
	uint64_t limit, mag;
	bool negative = text[0] == '-';
	const char *end;
	int64_t v;
	int r;

	r = cli_digits_parse(text + (text[0] == '-' || text[0] == '+'), &mag, &end);
	if (r == 0 && *end)
		r = -EINVAL;
	if (r == -EINVAL) {
		snprintf(why, why_len, "is not an integer");
		return r;
	}
	if (is_signed)
		limit = negative ? UINT64_C(1) << (bits - 1) : umax >> 1;
	else
		limit = negative ? 0 : umax;
	if (r < 0 || mag > limit) {
		if (is_signed)
			snprintf(why, why_len, "is out of range for i%u (%lld..%llu)", bits,
				 -(long long)(umax >> 1) - 1, (unsigned long long)(umax >> 1));
		else
			snprintf(why, why_len, "is out of range for u%u (0..%llu)", bits,
				 (unsigned long long)umax);
		return -ERANGE;
	}
	/* Two's complement by hand: converting mag > INT64_MAX is implementation-defined. */
	v = !negative || mag == 0 ? (int64_t)mag : -(int64_t)(mag - 1) - 1;
	switch (type.size) {
	case 1: {
		int8_t x = (int8_t)v;
		memcpy(elem, &x, 1);
		break;
	}
	case 2: {
		int16_t x = (int16_t)v;
		memcpy(elem, &x, 2);
		break;
	}
	case 4: {
		int32_t x = (int32_t)v;
		memcpy(elem, &x, 4);
		break;
	}
	default:
		memcpy(elem, is_signed ? (const void *)&v : (const void *)&mag, 8);
		break;
	}
	return 0;
}

static int float_parse(struct zipc_type type, const char *text, void *elem, char *why,
		       size_t why_len)
{
	bool overflow;
	char *end;

	if (!text[0] || isspace((unsigned char)text[0])) {
		snprintf(why, why_len, "is not a number");
		return -EINVAL;
	}
	errno = 0;
	if (type.elem == ZIPC_ELEM_F32) {
		float f = strtof(text, &end);
		overflow = errno == ERANGE && isinf(f);
		memcpy(elem, &f, sizeof(f));
	} else {
		double d = strtod(text, &end);
		overflow = errno == ERANGE && isinf(d);
		memcpy(elem, &d, sizeof(d));
	}
	if (*end) {
		snprintf(why, why_len, "is not a number");
		return -EINVAL;
	}
	if (overflow) {
		snprintf(why, why_len, "is out of range for f%u", 8 * type.size);
		return -ERANGE;
	}
	return 0;
}

static bool is_hex_prefix(const char *text)
{
	return text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
}

static unsigned hex_value(char c)
{
	return isdigit((unsigned char)c) ? (unsigned)(c - '0')
					 : (unsigned)(tolower((unsigned char)c) - 'a' + 10);
}

static int bytes_parse(struct zipc_type type, const char *text, void *elem, char *why,
		       size_t why_len)
{
	unsigned char *out = elem;
	const char *hex = text + 2;
	size_t len;

	memset(elem, 0, type.size);
	if (!is_hex_prefix(text)) {
		len = strlen(text);
		if (len > type.size) {
			snprintf(why, why_len, "is longer than %u bytes", type.size);
			return -ERANGE;
		}
		memcpy(elem, text, len);
		return 0;
	}
	len = strlen(hex);
	if (len == 0 || len % 2 || strspn(hex, "0123456789abcdefABCDEF") != len) {
		snprintf(why, why_len, "is not 0x and an even number of hex digits");
		return -EINVAL;
	}
	if (len / 2 > type.size) {
		snprintf(why, why_len, "is longer than %u bytes", type.size);
		return -ERANGE;
	}
	for (size_t i = 0; i < len / 2; i++)
		out[i] = (unsigned char)(hex_value(hex[2 * i]) << 4 | hex_value(hex[2 * i + 1]));
	return 0;
}

int cli_value_parse(struct zipc_type type, const char *text, void *elem, char *why, size_t why_len)
{
	if (elem_is_signed(type.elem) || elem_is_unsigned(type.elem))
		return int_parse(type, text, elem, why, why_len);
	if (type.elem == ZIPC_ELEM_F32 || type.elem == ZIPC_ELEM_F64)
		return float_parse(type, text, elem, why, why_len);
	return bytes_parse(type, text, elem, why, why_len);
}

static int int_print(FILE *out, struct zipc_type type, const void *elem)
{
	union {
		int8_t i8;
		int16_t i16;
		int32_t i32;
		int64_t i64;
		uint8_t u8;
		uint16_t u16;
		uint32_t u32;
		uint64_t u64;
	} v;

	memcpy(&v, elem, type.size);
	switch (type.elem) {
	case ZIPC_ELEM_I8:
		return fprintf(out, "%d\n", v.i8);
	case ZIPC_ELEM_I16:
		return fprintf(out, "%d\n", v.i16);
	case ZIPC_ELEM_I32:
		return fprintf(out, "%ld\n", (long)v.i32);
	case ZIPC_ELEM_I64:
		return fprintf(out, "%lld\n", (long long)v.i64);
	case ZIPC_ELEM_U8:
		return fprintf(out, "%u\n", v.u8);
	case ZIPC_ELEM_U16:
		return fprintf(out, "%u\n", v.u16);
	case ZIPC_ELEM_U32:
		return fprintf(out, "%lu\n", (unsigned long)v.u32);
	default:
		return fprintf(out, "%llu\n", (unsigned long long)v.u64);
	}
}

/* The shortest %g form that reads back as the same value. */
static int float_print(FILE *out, struct zipc_type type, const void *elem)
{
	bool is_f32 = type.elem == ZIPC_ELEM_F32;
	char buf[40];
	double d;
	float f;

	if (is_f32) {
		memcpy(&f, elem, sizeof(f));
		d = f;
	} else {
		memcpy(&d, elem, sizeof(d));
	}
	if (isnan(d))
		return fprintf(out, "%snan\n", signbit(d) ? "-" : "");
	for (int digits = 1; digits <= (is_f32 ? 9 : 17); digits++) {
		snprintf(buf, sizeof(buf), "%.*g", digits, d);
		if (is_f32 ? strtof(buf, NULL) == f : strtod(buf, NULL) == d)
			break;
	}
	return fprintf(out, "%s\n", buf);
}

/* Length of the text if elem is printable text padded with NULs, else -1. */
static long text_length(const unsigned char *elem, size_t size)
{
	size_t len = 0;

	while (len < size && elem[len] >= 0x20 && elem[len] < 0x7f)
		len++;
	for (size_t i = len; i < size; i++)
		if (elem[i])
			return -1;
	if (len == 0 || (len >= 2 && is_hex_prefix((const char *)elem)))
		return -1;
	return (long)len;
}

static int bytes_print(FILE *out, struct zipc_type type, const void *elem)
{
	const unsigned char *bytes = elem;
	long len = text_length(bytes, type.size);

	if (len >= 0)
		return fprintf(out, "%.*s\n", (int)len, (const char *)bytes);
	fputs("0x", out);
	for (size_t i = 0; i < type.size; i++)
		fprintf(out, "%02x", bytes[i]);
	return fputc('\n', out);
}

int cli_value_print(FILE *out, struct zipc_type type, const void *elem)
{
	int r;

	if (elem_is_signed(type.elem) || elem_is_unsigned(type.elem))
		r = int_print(out, type, elem);
	else if (type.elem == ZIPC_ELEM_F32 || type.elem == ZIPC_ELEM_F64)
		r = float_print(out, type, elem);
	else
		r = bytes_print(out, type, elem);
	return r < 0 || ferror(out) ? -EIO : 0;
}
