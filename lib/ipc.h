/* SPDX-License-Identifier: Apache-2.0 */
/* The supervisor <-> worker protocol on fd 3: an AF_UNIX SOCK_SEQPACKET
 * socketpair, one message per datagram, "TYPE\n" followed by a payload.
 *
 * supervisor -> worker:
 *   config   INI text of [global] and the worker's one network (sent first)
 *   creds    kube_creds_serialize() output, after config and on every change
 * worker -> supervisor:
 *   ready    "routes=N failed=M addresses=A[,B]" after the first full sync
 *   status   same fields, whenever one of them changes
 *   creds?   empty; asks for fresh credentials (after a 401)
 *
 * addresses= is the own node's address of each family for this network (what
 * other nodes route this node's ranges to); the supervisor resolves
 * "mtu = auto" from the link that carries it. Unknown keys are ignored, so
 * either side can add fields. */
#ifndef XCNI_IPC_H
#define XCNI_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define IPC_FD		3
/* Largest message either side accepts: room for a CA bundle in creds. */
#define IPC_MAX		(512 * 1024)

#define IPC_CONFIG	"config"
#define IPC_CREDS	"creds"
#define IPC_READY	"ready"
#define IPC_STATUS	"status"
#define IPC_CREDS_REQ	"creds?"

/* Sends one message. Returns 0, or -1 with errno set (EMSGSIZE when it does
 * not fit in one datagram). */
int ipc_send(int fd, const char *type, const void *payload, size_t len);

/* Receives one message into buf (size bytes, at most IPC_MAX useful) and
 * NUL-terminates type and payload in place. Returns 1 with a message, 0 at
 * end of file, -1 with errno set: EMSGSIZE for a truncated message,
 * EBADMSG for one without "TYPE\n", or the recv error (EAGAIN included). */
int ipc_recv(int fd, char *buf, size_t size, const char **type,
    const char **payload, size_t *len);

/* Finds "key=value" among the blank- or newline-separated words of payload;
 * *len gets the value's length. Returns NULL when absent. */
const char *ipc_field(const char *payload, const char *key, size_t *len);
/* The value of key as an unsigned number; false when absent or malformed. */
bool ipc_field_uint(const char *payload, const char *key, unsigned long *val);

#endif
