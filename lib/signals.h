/* SPDX-License-Identifier: Apache-2.0 */
/* Signals as file descriptor events, for the daemons' poll loops. */
#ifndef XCNI_SIGNALS_H
#define XCNI_SIGNALS_H

/* Blocks the signals in sigs (a list ending with 0) and returns a
 * non-blocking, close-on-exec signalfd that reads them. SIGPIPE is
 * ignored: a write to a closed peer fails with EPIPE where it is made.
 * Returns -1 with errno set. */
int signals_open(const int *sigs);

#endif
