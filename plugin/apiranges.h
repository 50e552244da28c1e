/* SPDX-License-Identifier: Apache-2.0 */
/* This node's ranges from the Kubernetes API, for when no worker has
 * written a state file. */
#ifndef XCNI_PLUGIN_APIRANGES_H
#define XCNI_PLUGIN_APIRANGES_H

#include "cni.h"
#include "netconf.h"
#include "node.h"
#include "state.h"

/* GET /api/v1/nodes/NAME (name is set) with the credentials of ipam.kubeconfig (else
 * $KUBECONFIG, else in-cluster) and the CIDRs of spec.podCIDRs, or of
 * ipam.annotation. NAME is the node of any state file in stateDir, else
 * $NODE_NAME, else the host name. Returns 0 with r filled, or -1 with e
 * set: 11 (try again later) when the API cannot be reached, answers with
 * a server error or the node has no CIDRs; 7 for a kubeconfig that does
 * not work or a refusal (401, 403). */
int api_ranges(const struct netconf *c, char name[NODE_NAME_MAX + 1],
    struct ranges *r, struct cni_error *e);

#endif
