/* Name rules for segments and structures: what may appear in a directory listing. */
#include <errno.h>
#include <string.h>

#include <zeroipc/registry.h>

#include "common_i.h"
#include "error_i.h"
#include "names_i.h"

int zipc__name_check(const char *name, size_t max, const char *what)
{
	size_t len;

	if (!name)
		return zipc__fail(-EINVAL, "%s name is missing", what);
	len = strnlen(name, max + 1);
	if (len == 0)
		return zipc__fail(-EINVAL, "%s name is empty", what);
	if (len > max)
		return zipc__fail(-ENAMETOOLONG, "%s name is longer than %zu bytes", what, max);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return zipc__fail(-EINVAL, "%s name may not be '.' or '..'", what);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '/')
			return zipc__fail(-EINVAL, "%s name '%s' contains '/'", what, name);
		if (c < 0x20 || c == 0x7f)
			return zipc__fail(-EINVAL, "%s name contains a control character", what);
	}
	return 0;
}

ZIPC_EXPORT int zipc_name_check(const char *name)
{
	return zipc__name_check(name, ZIPC_NAME_MAX, "structure");
}
