/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The state file: what a worker tells kube-node(8) about its node's ranges
 * for one network, and what kube-node-api answers in its place. One JSON
 * object, written and read only here:
 *   {"network":"xcluster","node":"node-1","annotation":null,
 *    "cidrs":["198.18.0.0/24","fd00::/64"],"resourceVersion":"7"}
 * annotation is null for the network that takes spec.podCIDRs;
 * resourceVersion (the Node's) is for people and may be left out.
 */
#ifndef XCNI_STATEFILE_H
#define XCNI_STATEFILE_H

#include <stddef.h>

#include "addr.h"

/* The most a reader reads of one. */
#define STATEFILE_MAX (64 * 1024)

struct statefile {
	const char *network;
	const char *node;
	const char *annotation;		/* NULL: the primary network (null) */
	const struct cidr *cidrs;	/* in the file's order */
	size_t n_cidrs;
	const char *resource_version;	/* NULL: none */
	void *priv;			/* statefile_parse's memory */
};

/* sf as one line of JSON text, without a newline; priv is not used.
 * network and node must be set. Returns the text (the caller frees it),
 * or NULL with errno ENOMEM: never a file with a member left out. */
char *statefile_render(const struct statefile *sf);

/* Parses buf[0..len). network, node and cidrs (each a CIDR as
 * cidr_parse reads it) are required, annotation is a string or null,
 * resourceVersion is read when it is a string; other members are ignored.
 * Returns 0 with sf filled (its strings and CIDRs live until
 * statefile_free), or -1 with sf empty, errno EINVAL (or ENOMEM) and the
 * reason in err (errsz bytes): "not a JSON object" or "MEMBER: why".
 * Nothing judges the CIDRs beyond their syntax: that is the reader's
 * policy. */
int statefile_parse(const char *buf, size_t len, struct statefile *sf,
    char *err, size_t errsz);

/* Frees what statefile_parse allocated and empties sf; an empty sf is
 * fine. */
void statefile_free(struct statefile *sf);

#endif
