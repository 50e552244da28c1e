/* SPDX-License-Identifier: Apache-2.0 */
/* The worker's state file: this node's ranges for one network. */
#ifndef XCNI_PLUGIN_STATE_H
#define XCNI_PLUGIN_STATE_H

#include <stddef.h>

#include "addr.h"
#include "cni.h"
#include "netconf.h"
#include "statefile.h"

/* At most one CIDR per family, in the order given. */
struct ranges {
	struct cidr cidr[2];
	size_t n;
};

struct state {
	struct statefile file;	/* as read (lib/statefile.h) */
	const char *network;	/* file's; NULL: st holds nothing */
	const char *node;
	const char *annotation;	/* NULL: the primary network */
	struct ranges ranges;	/* file's CIDRs as the plugin takes them */
};

/* Parses one state file's text; name is used in messages. Every CIDR must
 * pass the route policy's rules; of several of a family the first is
 * taken, the others logged. Returns 0, or -1 with e set (code 6). */
int state_parse(const char *buf, size_t len, const char *name,
    struct state *st, struct cni_error *e);
void state_free(struct state *st);

/* Finds the state file for c: stateDir/<network>.json when ipam.network is
 * given, else the one whose annotation equals ipam.annotation (null when
 * absent); of several, the one named like the CNI network, else an error.
 * Returns 1 with st filled, 0 when there is none, -1 with e set. */
int state_find(const struct netconf *c, struct state *st,
    struct cni_error *e);

/* The node name in the first state file of dir that has one that fits.
 * Returns 0, or -1 when there is none. */
int state_node(const char *dir, char *buf, size_t size);

#endif
