/* SPDX-License-Identifier: Apache-2.0 */
/* The network configuration kube-node reads on stdin. */
#ifndef XCNI_PLUGIN_NETCONF_H
#define XCNI_PLUGIN_NETCONF_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "cni.h"
#include "log.h"

#define NETCONF_MAX (1024 * 1024)
#define NETCONF_STATE_DIR "/run/xcni"

/* String fields point into root/ipam; NULL when the key is absent. */
struct netconf {
	cJSON *root;		/* the whole config, without "ipam" */
	cJSON *ipam;		/* detached from root, so it can be replaced */
	char version[16];	/* cniVersion; "" when missing or too long */
	const char *name;
	const char *network;	/* state file to read, overrides the search */
	const char *annotation;	/* node annotation holding the CIDRs */
	const char *kubeconfig;
	const char *data_dir;	/* host-local dataDir; default
				 * CONF_IPAM_DATA_DIR name */
	const char *state_dir;	/* never NULL: default NETCONF_STATE_DIR */
	const char *log_file;
	int log_level;		/* enum log_level; -1 when not given */
	const cJSON *ipv4_namespaces;	/* array of strings */
	const cJSON *routes;	/* passed to host-local as is */
};

/* Reads a whole config (less than NETCONF_MAX bytes) from fd. Returns it
 * NUL-terminated (caller frees), or NULL with e set. */
char *netconf_read(int fd, size_t *len, struct cni_error *e);

/* Parses and type-checks buf[0..len). Returns 0, or -1 with e set (code 6
 * for text that is not a JSON object, 1 for an unsupported cniVersion, 2 for
 * a host-local key kube-node owns, 7 for anything else wrong). On success
 * the caller owns c and frees it with netconf_free; on failure only
 * c->version is left (for the error reply). */
int netconf_parse(const char *buf, size_t len, struct netconf *c,
    struct cni_error *e);
void netconf_free(struct netconf *c);

/* True when the namespace is listed in ipv4-namespaces, or when the key
 * is absent (every namespace gets IPv4). ns may be NULL. */
bool netconf_ipv4_allowed(const struct netconf *c, const char *ns);

#endif
