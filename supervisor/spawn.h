/* SPDX-License-Identifier: Apache-2.0 */
/* Starting one worker: a fresh, locked-down process image. */
#ifndef XCNI_SPAWN_H
#define XCNI_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

/* Forks and execs path for network name as uid:gid, holding only
 * CAP_NET_ADMIN, with no_new_privs, default signal handling, a parent-death
 * signal, and no descriptors but 0-2 and IPC_FD (its end of a SEQPACKET
 * socketpair). Returns the pid with the supervisor's end (non-blocking,
 * close-on-exec) in *fd, or -1 with errno set. The child exits with
 * EX_NOPERM when it cannot drop privileges and EX_OSERR when it cannot exec,
 * before running any worker code. */
pid_t spawn_worker(const char *path, const char *name, uid_t uid, gid_t gid,
    int *fd);

/* The worker program: worker when not NULL, else $XCNI_WORKER when set and
 * not empty, else the installed LIBEXECDIR/xcni-worker. */
const char *worker_program(const char *worker);

/* Whether path can be run as the worker: an executable regular file.
 * Returns 0, or -1 with a message in why (truncated to size) that names
 * the path, where it came from and what to do. */
int worker_program_check(const char *path, char *why, size_t size);

#endif
