/* Internal type checks shared by the structure modules. */
#ifndef ZEROIPC_TYPES_I_H
#define ZEROIPC_TYPES_I_H

#include <zeroipc/types.h>

/* 0 if type is a known element type with its right size; else -EINVAL. */
int zipc__type_check(struct zipc_type type);

#endif
