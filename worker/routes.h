/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel routes of one protocol in one table, kept equal to a desired
 * set over netlink. */
#ifndef XCNI_ROUTES_H
#define XCNI_ROUTES_H

#include <stdbool.h>

#include "addr.h"

/* One route per destination. via has the family of dst; oif 0 lets the
 * kernel pick the device (an IPv6 link-local via needs an oif). */
struct route {
	struct cidr dst;
	struct addr via;
	unsigned oif;
};

struct rt_stats {
	unsigned wanted;	/* routes in the desired set */
	unsigned installed;	/* desired routes the kernel has as desired */
	unsigned failed;	/* desired routes whose last operation failed */
	unsigned conflicts;	/* desired destinations held by another protocol */
	unsigned long changes;	/* route changes sent to the kernel, ever */
	unsigned long nh_changes; /* nexthop object changes sent, ever */
	unsigned long errors;	/* route operations that failed, ever */
	unsigned long resyncs;	/* full resyncs (dumps), ever */
};

struct rt;

/* Opens the request socket and the notification socket (route and link
 * groups) and dumps the kernel's routes. Nothing is changed in the kernel
 * until rt_commit or rt_resync. Returns NULL with errno set after logging
 * why. */
struct rt *rt_open(unsigned protocol, unsigned table, unsigned metric);
/* Closes the sockets; the routes stay in the kernel. */
void rt_close(struct rt *rt);

/* Change the desired set, in O(1); nothing is sent until rt_commit.
 * rt_want replaces the desired route to the same dst;
 * wanting what is already wanted costs no netlink traffic. Returns 0, or
 * -1 (EINVAL: via of another family, no via and no oif, or an IPv6
 * link-local via without oif; ENOMEM). */
int rt_want(struct rt *rt, const struct route *r);
void rt_unwant(struct rt *rt, const struct cidr *dst);

/* Reads the pending notifications (repairing drift), applies the changed
 * part of the desired set in batches, and does whatever retry or periodic
 * resync is due: call after a burst of rt_want/rt_unwant, when the
 * notification socket is readable and when rt_timeout_ms expires. Until the first rt_resync it deletes only
 * what was unwanted; after it, any route of the protocol that is not
 * desired goes too. Returns 0, or -1 when netlink itself failed (route
 * errors are logged, counted and retried, not returned). */
int rt_commit(struct rt *rt);

/* Dumps the kernel's routes of the table and applies the whole difference:
 * missing or different routes of ours are set, routes of ours that are not
 * desired are deleted, destinations held by another protocol are reported
 * as conflicts and left alone. Call once the desired set is complete (the
 * first full list); a desired set that is still incomplete would delete
 * routes. Returns 0, or -1 when the dump failed (retried later). */
int rt_resync(struct rt *rt);

/* The notification socket: poll it for POLLIN, then call rt_commit, which
 * reads every pending notification and repairs drift (a route of ours
 * deleted or changed, a link back up, lost notifications). */
int rt_monitor_fd(const struct rt *rt);
/* True, once, when rt_commit saw the host's addresses change (or
 * lost notifications, which may have been such a change) since the last
 * call: the caller re-reads them. */
bool rt_addresses_changed(struct rt *rt);

/* Milliseconds until rt_commit has work (a retry, the periodic resync);
 * -1 for none. */
int rt_timeout_ms(const struct rt *rt);

/* Desired routes the kernel has as desired. */
unsigned rt_count(const struct rt *rt);
void rt_get_stats(const struct rt *rt, struct rt_stats *st);

/* Deletes every route of protocol in table (both families), whatever its
 * metric. Returns the number deleted, or -1 with errno set. */
int rt_cleanup(unsigned protocol, unsigned table);

#endif
