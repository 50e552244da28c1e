/* SPDX-License-Identifier: Apache-2.0 */
/* A Kubernetes Node object reduced to what routing needs. */
#ifndef XCNI_NODE_H
#define XCNI_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "addr.h"
#include "kname.h"
#include "kubestream.h"

/* Families are indexed NODE_V4, NODE_V6 in the arrays below. */
enum { NODE_V4, NODE_V6, NODE_NFAM };

#define NODE_NAME_MAX	KNAME_SUBDOMAIN_MAX
#define NODE_RV_MAX	63
#define NODE_NOTE_MAX	255

/* A node that never says when it was created sorts as the youngest. */
#define NODE_CREATED_UNKNOWN INT64_MAX

struct node_rec {
	char name[NODE_NAME_MAX + 1];
	char resource_version[NODE_RV_MAX + 1];
	bool has_cidr[NODE_NFAM];
	struct cidr cidr[NODE_NFAM];	/* the first of each family */
	bool has_via[NODE_NFAM];
	struct addr via[NODE_NFAM];	/* the first address of each family */
	int64_t created;		/* creationTimestamp, seconds */
	bool deleting;			/* metadata.deletionTimestamp is set */
	/* Why something was dropped: "" when every CIDR found has a
	 * same-family nexthop and nothing was malformed. Stable for equal
	 * input, so a caller can log it only when it changes. */
	char note[NODE_NOTE_MAX + 1];
};

/* Fills out from a Node object. cidr_annotation NULL: CIDRs from
 * spec.podCIDRs, else spec.podCIDR; otherwise only from that annotation.
 * address_annotation NULL: InternalIP entries of status.addresses;
 * otherwise only from that annotation. Returns 0, or -1 when the object
 * has no usable metadata.name (out->note says why). */
int node_decode(const cJSON *node, const char *cidr_annotation,
    const char *address_annotation, struct node_rec *out);

/* The lists of what node_decode reads of a Node, for a decoder to keep
 * (kube_prune): the rest of a Node (images, conditions, managedFields)
 * is most of its bytes. */
struct node_keep {
	struct kube_keep node[4], metadata[6], annotations[3], spec[3],
	    status[2];
};

/* Fills k for node_decode with these annotations (either may be NULL; k
 * points at them, so they must outlive its use) and returns its top
 * list. */
const struct kube_keep *node_keep(struct node_keep *k,
    const char *cidr_annotation, const char *address_annotation);

/* True when the family has a CIDR and a nexthop of that family. */
bool node_routable(const struct node_rec *rec, int fam);

int node_family_index(const struct addr *a);

#endif
