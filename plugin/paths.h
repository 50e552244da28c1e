/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The paths kube-node writes to on its config's word: host-local's dataDir
 * and the logFile. A config may come from a NetworkAttachmentDefinition,
 * whose author is not root, so these paths are accepted only under fixed
 * places and never through a symbolic link: a config must not make root
 * write where it likes.
 */
#ifndef XCNI_PLUGIN_PATHS_H
#define XCNI_PLUGIN_PATHS_H

#include "cni.h"

/* Where dataDir and logFile may be (below, not at): NULL-terminated. */
extern const char *const paths_data_places[];
extern const char *const paths_log_places[];

/* The environment variable adding places to both lists: colon-separated
 * absolute directories. Only root sets a runtime's environment. */
#define PATHS_ENV "KUBE_NODE_DIRS"

/* Whether dataDir (key names it in messages) is an absolute path of plain
 * components (no "", "." or "..") below one of places or of $PATHS_ENV,
 * and no directory of it that exists is a symbolic link or not a
 * directory (host-local creates the missing ones). Returns 0, or -1 with
 * e set (code 7). */
int paths_check_dir(const char *key, const char *path,
    const char *const places[], struct cni_error *e);

/* Opens the log file path (checked like paths_check_dir, with every parent
 * present) for appending, creating it 0640; the file itself is never a link
 * and must be a regular file, and opening it never blocks. Returns the
 * descriptor, or -1 with e set: code 7 when the path is refused, 5 when it
 * cannot be opened. */
int paths_open_log(const char *key, const char *path, struct cni_error *e);

#endif
