/* SPDX-License-Identifier: Apache-2.0 */
/* The supervisor's runtime: workers, restarts, reload, CNI conf files,
 * readiness. main() parses the command line and the configuration, then
 * hands over to supervise(). */
#ifndef XCNI_SUPERVISE_H
#define XCNI_SUPERVISE_H

#include <stdbool.h>

#include "conf.h"

/* The status file in state-dir (a name no network can have), read by
 * --status and --alive: "ready=0|1", "pid=N", "alive=HEARTBEAT", then one
 * line per network. */
#define SUPERVISE_STATUS_FILE ".status"

struct supervise_opts {
	const char *worker;		/* NULL: $XCNI_WORKER, else the installed one */
	const char *install_cni_bin;	/* DaemonSet mode: the host's CNI bin dir */
	bool foreground;		/* false: detach from the terminal */
	bool respawn;			/* false (--no-respawn): no restarts */
};

/* Runs until SIGTERM or SIGINT, then stops the workers (their routes stay)
 * and returns the exit status. Takes over cfg and frees it. */
int supervise(struct config *cfg, const struct supervise_opts *opts);

/* --status, a probe that needs no shell: prints the status file of the
 * supervisor running with cfg's state-dir and returns 0 when it is alive
 * and every network is synced, else 1. */
int supervise_status(const struct config *cfg);

/* --alive, a liveness probe: returns 0 when the supervisor is running and
 * its loop turned within the last three minutes, else 1. */
int supervise_alive(const struct config *cfg);

#endif
