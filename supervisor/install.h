/* SPDX-License-Identifier: Apache-2.0 */
/* DaemonSet mode: what a pod must put on its host so the container runtime
 * can use xcni (plugin binaries, and the plugin's API credentials). */
#ifndef XCNI_INSTALL_H
#define XCNI_INSTALL_H

#include "conf.h"
#include "kubecreds.h"

/* The plugin's kubeconfig and the token copy it names, in cni-conf-dir. */
#define INSTALL_KUBECONFIG	"xcni.kubeconfig"
#define INSTALL_TOKEN		"xcni.token"
#define INSTALL_CA		"xcni-ca.crt"

/* Installs kube-node into bin_dir, and bridge and host-local when bin_dir
 * has none, each atomically and only when its content differs. Sources:
 * $XCNI_PLUGIN_DIR, the CNI bin dir xcni was built for, /usr/lib/cni.
 * Returns 0, or -1 (logged). */
int install_plugins(const char *bin_dir);

/* Writes the plugin's kubeconfig for creds, with a tokenFile that holds a
 * copy of creds' token (mode 0600, atomic, rewritten only on change, so a
 * rotated projected token reaches the plugin). Returns 0, or -1 (logged). */
int install_kubeconfig(const struct config *cfg, const struct kube_creds *creds);

#endif
