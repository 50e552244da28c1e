/* Delegation to the reference host-local IPAM plugin. */
#ifndef XCNI_PLUGIN_HOSTLOCAL_H
#define XCNI_PLUGIN_HOSTLOCAL_H

#include <limits.h>

#include "cni.h"
#include "cniconf.h"
#include "state.h"

struct hostlocal {
	char path[PATH_MAX];
	int stderr_fd;		/* the runtime's stderr, for host-local's */
};

/* Finds an executable host-local in the colon-separated CNI_PATH.
 * Returns 0, or -1 with e set (code 4). */
int hostlocal_find(struct hostlocal *h, const char *cni_path,
    struct cni_error *e);

/* Replaces c's ipam with host-local's: one range set per CIDR, dataDir and
 * routes as given. Returns the config text (caller frees) or NULL with e
 * set. */
char *hostlocal_config(struct cniconf *c, const struct ranges *r,
    struct cni_error *e);

/* Runs host-local with this process's environment and config on stdin;
 * its stdout and stderr are the runtime's. Returns its exit status, or -1
 * with e set when it could not be run or was killed. */
int hostlocal_run(const struct hostlocal *h, const char *config,
    struct cni_error *e);

/* Asks host-local (CNI_COMMAND=VERSION) whether it supports version.
 * Returns 1 or 0, or -1 with e set. */
int hostlocal_supports(const struct hostlocal *h, const char *version,
    struct cni_error *e);

#endif
