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

/* Runs the program with envp and input on its stdin. Its stdout is ours
 * when out is NULL, else collected there (NUL-terminated, up to 64 KiB,
 * caller frees); its stderr is pr->stderr_fd. Returns its exit status, or
 * -1 with e set when it could not be run or was killed. */
int prog_run(const struct prog *pr, char *const envp[], const char *input,
    char **out, struct cni_error *e);

#endif
