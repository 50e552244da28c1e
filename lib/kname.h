/* SPDX-License-Identifier: Apache-2.0 */
/* Kubernetes' rules for names: what a Node name may be, and how a host
 * name becomes one. The one place every program judges them. */
#ifndef XCNI_KNAME_H
#define XCNI_KNAME_H

#include <stdbool.h>
#include <stddef.h>

#define KNAME_SUBDOMAIN_MAX 253

/* Whether s[0..n) is a DNS-1123 subdomain: 1..253 of lowercase a-z, 0-9,
 * "-" and ".", every dot-separated label starting and ending with a letter
 * or digit. Node names and annotation key prefixes must be one. */
bool kname_subdomain_valid(const char *s, size_t n);

/* Whether s (NUL-terminated) may name a Node. */
bool kname_node_valid(const char *s);

/* The node name the kubelet registers by default for a host name: the
 * host name lowercased. Writes it to buf (NUL-terminated). Returns 0, or
 * -1 with errno set when gethostname fails or size is 0. The result is
 * not checked: kname_node_valid says whether it is a node name. */
int kname_host_node(char *buf, size_t size);

#endif
