/* SPDX-License-Identifier: Apache-2.0 */
/* The CNI network configuration lists xcni installs for container
 * runtimes, and the record of which files in cni-conf-dir are xcni's. */
#ifndef XCNI_SUPERVISOR_CONFLIST_H
#define XCNI_SUPERVISOR_CONFLIST_H

#include "conf.h"

/* The record of the files xcni wrote: one name per line, in cni-conf-dir
 * (kept across reboots, like the files it lists; runtimes ignore it). */
#define CONFLIST_MANIFEST ".xcni-manifest"

/* The conflist of net (which must have cni_conf): bridge with kube-node
 * IPAM, mtu resolved. kubeconfig (may be NULL) is the plugin's API
 * fallback. Returns a NUL-terminated heap string, or NULL on ENOMEM. */
char *conflist_text(const struct config *cfg, const struct net_config *net,
    unsigned mtu, const char *kubeconfig);

/* Writes net's conflist atomically when its content differs. Returns 1
 * when written, 0 when unchanged, -1 on error (logged). */
int conflist_write(const struct config *cfg, const struct net_config *net,
    unsigned mtu, const char *kubeconfig);

/* Removes the files the manifest lists that no network of cfg declares,
 * then records cfg's files. Returns 0, or -1 on error (logged). */
int conflist_prune(const struct config *cfg);

#endif
