/* SPDX-License-Identifier: Apache-2.0 */
/* Replace a file so that readers see the old or the new content, never a
 * mix, and the new content survives a crash once the call returns. */
#ifndef XCNI_ATOMIC_H
#define XCNI_ATOMIC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Writes data to a temp file in the same directory, named ".NAME.xcni-XXXXXX"
 * so CNI runtimes (which read *.conf, *.conflist, *.json) ignore it, then
 * fsync, rename over path, fsync the directory. Returns 0, or -1 with errno
 * set and nothing left behind. */
int atomic_write(const char *path, const void *data, size_t len, mode_t mode);

/* Like atomic_write, but leaves the file alone (mtime included) when it
 * already holds exactly data with that mode. Returns 1 when written, 0 when
 * unchanged, -1 on error. */
int atomic_update(const char *path, const void *data, size_t len, mode_t mode);

/* Reads a whole regular file of at most max bytes into a NUL-terminated
 * buffer the caller frees. Returns NULL with errno set (EFBIG: too large). */
char *file_read(const char *path, size_t max, size_t *len);
/* The same from an open descriptor, which stays open (the caller opens it
 * with the flags and checks it needs, e.g. O_NOFOLLOW, fstat). */
char *file_read_fd(int fd, size_t max, size_t *len);

#endif
