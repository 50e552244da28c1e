/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers more than one module needs. */
#ifndef XCNI_UTIL_H
#define XCNI_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Milliseconds on the monotonic clock: for timeouts and spacing, never
 * for what another process compares. */
int64_t now_ms(void);

/* Milliseconds on clock, unsigned: for deadlines kept as uint64_t
 * (UINT64_MAX for none); CLOCK_BOOTTIME for what another process
 * compares, as suspend does not stop it. */
uint64_t clock_ms(clockid_t clock);

/* Whether a and b are the same string, or both NULL. */
bool str_eq(const char *a, const char *b);

/* FNV-1a over the n bytes at p, continuing from h (FNV1A_INIT to start):
 * a hash table's hash, not a checksum. */
#define FNV1A_INIT 2166136261u
uint32_t fnv1a(uint32_t h, const void *p, size_t n);

/* Writes all len bytes of data to fd, retrying short writes and EINTR.
 * Returns 0, or -1 with errno set (some bytes may have been written). */
int write_all(int fd, const void *data, size_t len);

#endif
