/* SPDX-License-Identifier: Apache-2.0 */
/* systemd's readiness protocol (sd_notify(3)) without libsystemd: one
 * datagram per state change to the socket named by $NOTIFY_SOCKET. */
#ifndef XCNI_NOTIFY_H
#define XCNI_NOTIFY_H

#include "log.h"

/* Opens $NOTIFY_SOCKET (a path, or "@name" for an abstract socket) and
 * removes it from the environment so workers do not inherit it. Without the
 * variable every notify() is a no-op. Returns 0, or -1 when it is set but
 * unusable (logged). */
int notify_init(void);
/* Sends one state string, e.g. "READY=1" or "STATUS=...". Failures are
 * logged, never fatal: the service runs on without its manager's view. */
void notify(const char *fmt, ...) LOG_PRINTF(1, 2);

#endif
