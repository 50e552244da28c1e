/* Network links, looked up over netlink. */
#ifndef XCNI_LINK_H
#define XCNI_LINK_H

#include "addr.h"

/* The link that carries the local address a (exactly), else the link with
 * the longest local prefix that contains a (never for a link-local a, whose
 * prefix every link has): its ifindex and MTU (either pointer may be NULL).
 * Returns 0, or -1 with errno set (ENOENT: no such link). */
int link_by_addr(const struct addr *a, unsigned *ifindex, unsigned *mtu);

#endif
