/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers more than one module needs. */
#ifndef XCNI_UTIL_H
#define XCNI_UTIL_H

#include <stdbool.h>
#include <stdint.h>

/* Milliseconds on the monotonic clock: for timeouts and spacing, never
 * for what another process compares. */
int64_t now_ms(void);

/* Whether a and b are the same string, or both NULL. */
bool str_eq(const char *a, const char *b);

#endif
