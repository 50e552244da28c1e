/* SPDX-License-Identifier: Apache-2.0 */
/* Running the plugins kube-node calls: host-local, kube-node-api. */
#ifndef XCNI_PLUGIN_RUN_H
#define XCNI_PLUGIN_RUN_H

#include <limits.h>

#include "cni.h"

struct prog {
	char path[PATH_MAX];
	int stderr_fd;		/* the runtime's stderr, for the program's */
};

/* Finds an executable name in the colon-separated CNI_PATH. Returns 0, or
 * -1 with e set (code 4). */
int prog_find(struct prog *pr, const char *name, const char *cni_path,
    struct cni_error *e);

/* Runs the program with envp and input on its stdin, for a caller that
 * reads its answer: its stdout is collected in *out (NULL on entry;
 * NUL-terminated, up to 64 KiB, caller frees); its stderr is pr->stderr_fd.
 * Returns its exit status, or -1 with e set when it could not be run or
 * was killed. */
int prog_run(const struct prog *pr, char *const envp[], const char *input,
    char **out, struct cni_error *e);

/* Replaces this process with the program, for a caller that passes its
 * result through: stdout, exit status and the runtime's view of the process
 * become the program's, one process start fewer than prog_run. Its stdin is
 * input (on a memfd), its stderr pr->stderr_fd, SIGPIPE back to its default;
 * stdio is flushed first. Returns only on failure: -1 with e set, stderr
 * and SIGPIPE as they were, stdin replaced. */
int prog_exec(const struct prog *pr, char *const envp[], const char *input,
    struct cni_error *e);

#endif
