/* Starting one worker: a fresh, locked-down process image. */
#ifndef XCNI_SPAWN_H
#define XCNI_SPAWN_H

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

#endif
