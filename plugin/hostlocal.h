/* SPDX-License-Identifier: Apache-2.0 */
/* Delegation to the reference host-local IPAM plugin. */
#ifndef XCNI_PLUGIN_HOSTLOCAL_H
#define XCNI_PLUGIN_HOSTLOCAL_H

#include "cni.h"
#include "netconf.h"
#include "run.h"
#include "state.h"

/* Replaces c's ipam with host-local's: one range set per CIDR, dataDir and
 * routes as given. Returns the config text (caller frees) or NULL with e
 * set. */
char *hostlocal_config(struct netconf *c, const struct ranges *r,
    struct cni_error *e);

/* Asks host-local (CNI_COMMAND=VERSION) whether it supports version.
 * Returns 1 or 0, or -1 with e set. */
int hostlocal_supports(const struct prog *h, const char *version,
    struct cni_error *e);

#endif
