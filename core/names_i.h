/* Validation of segment and structure names (docs/FORMAT.md, "Segment"). */
#ifndef ZEROIPC_NAMES_I_H
#define ZEROIPC_NAMES_I_H

#include <stddef.h>

/*
 * Check name against the rules shared by segments and structures: 1..max
 * bytes, no '/', not "." or "..", no control characters. `what` names the
 * kind of name in the detail message. Returns 0, -EINVAL or -ENAMETOOLONG.
 */
int zipc__name_check(const char *name, size_t max, const char *what);

#endif
