/* Special-purpose address ranges no pod network can be. To be merged with
 * the worker's route policy (lib/policy) once both are in one tree. */
#ifndef XCNI_PLUGIN_SPECIAL_H
#define XCNI_PLUGIN_SPECIAL_H

#include <stddef.h>

#include "addr.h"

/* Whether c overlaps a special-purpose range: loopback, "this network" and
 * the unspecified address, link-local, multicast, reserved and limited
 * broadcast (cidr_parse reads IPv4-mapped CIDRs as IPv4). Returns 0 when it does not, or -1 with the range
 * and its name in why (NUL-terminated, truncated to whysz). */
int special_range(const struct cidr *c, char *why, size_t whysz);

#endif
