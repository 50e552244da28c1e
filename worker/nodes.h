/* SPDX-License-Identifier: Apache-2.0 */
/* The node table: every node's routing-relevant facts, and the routes they
 * make, kept up to date one node at a time. */
#ifndef XCNI_NODES_H
#define XCNI_NODES_H

#include <stddef.h>

#include "addr.h"
#include "node.h"
#include "policy.h"
#include "routes.h"

/* What the table does with its results; a function table so that the table
 * can be tested without netlink. */
struct nodes_ops {
	/* The route to r->dst is now r (new, or a changed via/oif). */
	void (*want)(void *arg, const struct route *r);
	/* No route to dst is wanted any more. */
	void (*unwant)(void *arg, const struct cidr *dst);
	/* The ifindex of the link carrying the local address a: link-local
	 * nexthops go out of the link that carries the own node's address.
	 * Returns 0, or -1 when there is none. */
	int (*link)(void *arg, const struct addr *a, unsigned *ifindex);
	/* The own node was seen with other CIDRs or addresses than before. */
	void (*self)(void *arg, const struct node_rec *rec);
};

struct nodes;

/* self is the own node's name: its CIDRs are never routed, and another
 * node's CIDR that overlaps one of them gets no route (a refusal). allowed (n_allowed > 0) limits
 * the routed CIDRs to those inside one of its entries. Every CIDR and
 * nexthop must pass policy (kept by the caller, who may change it and then
 * calls nodes_recheck); a refusal is logged once per change, as a
 * warning naming the node and the reason. */
struct nodes *nodes_new(const char *self, const struct cidr *allowed,
    size_t n_allowed, const struct policy *policy,
    const struct nodes_ops *ops, void *arg);	/* NULL: ENOMEM */
void nodes_free(struct nodes *t);

/* A node was added or modified (also: reported by a list). Calls ops only
 * for what changed; an update that changes nothing routing-relevant calls
 * nothing and logs nothing above debug. Returns 0, or -1 (ENOMEM, not
 * logged) when a node new to the table found no memory: it stays unknown,
 * and the table as it was, until the node is reported again. */
int nodes_update(struct nodes *t, const struct node_rec *rec);
/* A node was deleted. */
void nodes_remove(struct nodes *t, const char *name);
/* The policy changed (the host's addresses did): every node is judged
 * again, and only the routes whose verdict changed are touched. */
void nodes_recheck(struct nodes *t);

/* A full list starts: nodes_sweep removes every node that no nodes_update
 * reported since the last nodes_mark. A list that fails is never swept;
 * the next one marks again.
 * Two nodes claiming one CIDR: the claim seen first since the first sweep (a node that moves into a CIDR claims it
 * anew; a new nexthop keeps its place); between claims already there
 * before it, the oldest node (creationTimestamp), then the first name. */
void nodes_mark(struct nodes *t);
void nodes_sweep(struct nodes *t);
/* Node name, if known, was seen but could not be decoded: it keeps its
 * routes, and the next nodes_sweep keeps it. */
void nodes_keep(struct nodes *t, const char *name);

size_t nodes_count(const struct nodes *t);	/* nodes known, own included */
size_t nodes_routes(const struct nodes *t);	/* routes wanted */
bool nodes_self_known(const struct nodes *t);	/* the own node is listed */

#endif
