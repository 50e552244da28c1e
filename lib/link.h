/* SPDX-License-Identifier: Apache-2.0 */
/* Network links, looked up over netlink. */
#ifndef XCNI_LINK_H
#define XCNI_LINK_H

#include <stdint.h>

#include "addr.h"

/* The link that carries the local address a (exactly), else the link with
 * the longest local prefix that contains a (never for a link-local a, whose
 * prefix every link has): its ifindex and MTU (either pointer may be NULL).
 * Returns 0, or -1 with errno set (ENOENT: no such link). */
int link_by_addr(const struct addr *a, unsigned *ifindex, unsigned *mtu);

/* One address on a link: the local address and its prefix length. */
struct link_addr {
	struct addr addr;
	uint8_t prefixlen;
	unsigned ifindex;
};

/* Every address of family (AF_UNSPEC: both) on every link, in one
 * consistent dump. Returns the count with *out a heap array for the caller
 * to free (NULL when none), or -1 with errno set. */
int link_addrs(int family, struct link_addr **out);

#endif
