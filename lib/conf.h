/* SPDX-License-Identifier: Apache-2.0 */
/* The configuration model: the INI file of xcni.ini(5), resolved. */
#ifndef XCNI_CONF_H
#define XCNI_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "addr.h"
#include "log.h"

#define CONFIG_DEFAULT_PATH SYSCONFDIR "/xcni/xcni.ini"
/* A network's host-local dataDir is this followed by its name, unless
 * ipam-data-dir says otherwise; kube-node takes the same default. */
#define CONF_IPAM_DATA_DIR "/run/xcni/ipam/"

struct net_config {
	char *name;			/* section name, a valid CNI network name */
	unsigned line;			/* line of the [section] header */
	char *cidr_annotation;		/* NULL: spec.podCIDRs (primary network) */
	char *address_annotation;	/* NULL: InternalIP addresses */
	unsigned protocol;		/* rtm_protocol, 5..255, unique */
	unsigned table;			/* routing table, default 254 (main) */
	unsigned metric;		/* route priority, default 0 */
	unsigned mtu;			/* 0: auto */
	char *cni_conf;			/* file name in cni-conf-dir; NULL: none */
	char *bridge;			/* bridge in the conflist; NULL: no conflist */
	char *ipam_data_dir;		/* host-local dataDir under /run; NULL: no conflist */
	struct cidr *allowed_cidrs;	/* empty: any CIDR is routed */
	size_t n_allowed_cidrs;
	unsigned min_prefix_v4;		/* shortest routed prefix, 1..32 */
	unsigned min_prefix_v6;		/* 1..128 */
};

struct config {
	char *path;			/* the file read */
	char *node_name;		/* resolved: key, $NODE_NAME, host name */
	char *kubeconfig;		/* resolved: key, $KUBECONFIG; NULL: in-cluster */
	char *user;			/* worker user as written */
	uid_t uid;			/* resolved worker credentials */
	gid_t gid;
	char *state_dir;
	char *cni_conf_dir;
	char *cni_bin_dir;
	enum log_level log_level;	/* resolved: key, $LOG_LEVEL, info */
	struct net_config *nets;	/* in file order */
	size_t n_nets;
};

/* Parse and validate. Every problem is printed to err as "FILE:LINE: msg"
 * (all of them, sorted by line, warnings as "FILE:LINE: warning: msg"; err
 * may be NULL). Returns 0 with cfg filled, or the number of errors (> 0)
 * with cfg empty. name is used in messages. When memory runs out the one
 * message is "NAME: out of memory" and errno is ENOMEM; nothing exits. */
int config_load(const char *path, struct config *cfg, FILE *err);
int config_parse(const char *name, const char *text, size_t len,
    struct config *cfg, FILE *err);

/* A standalone worker's settings: the upstream router's environment
 * (NODE_NAME, KUBECONFIG, LOG_LEVEL, PROTOCOL, CIDR_ANNOTATION,
 * ADDRESS_ANNOTATION) and the worker's command line, as one network. */
#define CONF_STANDALONE_NETWORK "xcluster"
struct config_env {
	const char *network;		/* NULL: CONF_STANDALONE_NETWORK */
	const char *state_dir;		/* NULL: the default */
	const char *table;		/* as written; NULL: the default */
	const char *metric;		/* as written; NULL: the default */
};

/* The configuration config_parse would make of an INI file with these
 * values, through the same defaults and checks, except that PROTOCOL
 * defaults to 202 for every network (upstream's default), no conflist is
 * written (cni-conf = none) and no worker user is resolved. A "$" in a
 * value is taken literally. Problems are printed to err (may be NULL) as
 * "environment: ORIGIN: msg", ORIGIN the variable or option ($PROTOCOL,
 * --table), or "environment: msg". Returns 0 with cfg filled, or the
 * number of errors (> 0) with cfg empty. */
int config_from_env(const struct config_env *env, struct config *cfg,
    FILE *err);

/* The resolved configuration as INI text that config_parse accepts, every
 * default explicit, in a stable order. With only != NULL, [global] and that
 * one network (what a worker is sent). */
void config_print(const struct config *cfg, const char *only, FILE *out);

const struct net_config *config_network(const struct config *cfg,
    const char *name);
/* Whether a and b hold the same settings. The readback check of the tests
 * and the fuzz target (what config_print writes parses to the same
 * settings; the environment gives what the file gives); the supervisor
 * does not use it: it restarts a worker when the text config_print makes
 * for it changes. */
bool net_config_equal(const struct net_config *a, const struct net_config *b);
void config_free(struct config *cfg);

#endif
