/* SPDX-License-Identifier: Apache-2.0 */
/* The route policy: which destinations and nexthops a Node object may give
 * a route. Every CIDR and address in a Node may come from a compromised
 * kubelet, so nothing it says reaches netlink without passing here. Pure
 * functions over struct cidr / struct addr: the worker checks its routes
 * with them, and a plugin may check the CIDRs of a state file the same
 * way. The caller fills in what the host knows (its own addresses, its
 * connected prefixes, the API server's addresses). A caller judging the
 * own node's ranges adds no POLICY_CONNECTED entries: once pods run, the
 * own range is on a bridge of this host. */
#ifndef XCNI_POLICY_H
#define XCNI_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* Defaults of min-prefix-v4 and min-prefix-v6: shorter prefixes take
 * whole slices of the address space (0.0.0.0/1 + 128.0.0.0/1 is a default
 * route in two halves). */
#define POLICY_MIN_PREFIX_V4	8
#define POLICY_MIN_PREFIX_V6	32

/* What a protected prefix is, for the reason given when a CIDR or nexthop
 * touches it. */
enum policy_kind {
	POLICY_OWN,		/* an address of this host (a full-length prefix) */
	POLICY_CONNECTED,	/* a prefix on one of this host's links */
	POLICY_SERVER,		/* an address of the API server */
	POLICY_NKINDS,
};

/* The entries of one kind: sorted by address, then length, without
 * duplicates, so that a check costs a few binary searches, not a scan (a
 * node with kube-proxy in IPVS mode has an address per Service). */
struct policy_set {
	struct cidr *v;			/* owned */
	size_t n, cap;
	uint8_t lens[2][17];		/* the prefix lengths present, a bit
					 * per length 0..128; [0] IPv4 */
};

/* Initialise with policy_init, free with policy_free. */
struct policy {
	unsigned min_prefix_v4, min_prefix_v6;
	struct policy_set set[POLICY_NKINDS];
};

void policy_init(struct policy *p, unsigned min_prefix_v4,
    unsigned min_prefix_v6);
void policy_free(struct policy *p);

/* Protects c as kind (an own or server address is added with its full
 * length). Returns 1 when added, 0 when it was there, or -1 with errno
 * ENOMEM. */
int policy_add(struct policy *p, enum policy_kind kind, const struct cidr *c);
/* Forgets every entry of kind (e.g. before re-reading the addresses). */
void policy_clear(struct policy *p, enum policy_kind kind);
/* The entries of kind in dst become those in src. Returns 0, or -1 with
 * errno ENOMEM leaving dst as it was. */
int policy_take(struct policy *dst, const struct policy *src,
    enum policy_kind kind);
size_t policy_count(const struct policy *p, enum policy_kind kind);
/* True when a and b protect the same entries of kind. */
bool policy_same(const struct policy *a, const struct policy *b,
    enum policy_kind kind);

/* Whether c may be a route's destination: not shorter than the family's
 * minimum, not overlapping a special-purpose range (loopback, "this
 * network", unspecified, multicast, link-local, broadcast, reserved,
 * IPv4-mapped) nor any protected entry. Returns 0 when it may, or -1 with
 * the reason in why (NUL-terminated, truncated to whysz). */
int policy_check_cidr(const struct policy *p, const struct cidr *c,
    char *why, size_t whysz);
/* Whether a may be a route's nexthop: a unicast address (not unspecified,
 * loopback, multicast, broadcast, reserved, "this network") that is not
 * one of the host's own (POLICY_OWN). An IPv6 link-local nexthop passes.
 * Returns 0, or -1 with the reason in why. */
int policy_check_nexthop(const struct policy *p, const struct addr *a,
    char *why, size_t whysz);

#endif
