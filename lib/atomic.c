/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "util.h"

static int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

int
atomic_write(const char *path, const void *data, size_t len, mode_t mode)
{
	char dir[PATH_MAX], base[PATH_MAX], tmp[PATH_MAX];
	int fd, saved;

	if (strlen(path) >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(dir, path);
	strcpy(base, path);
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.xcni-XXXXXX", dirname(dir),
	    basename(base)) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 ||
	    fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	/* The rename is done; a failed directory sync only weakens durability. */
	(void)fsync_dir(dir);
	return 0;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}

static bool
same_content(const char *path, const void *data, size_t len, mode_t mode)
{
	struct stat st;
	char *old;
	size_t oldlen;
	bool same;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 07777) != mode || (size_t)st.st_size != len)
		return false;
	old = file_read(path, len, &oldlen);
	if (old == NULL)
		return false;
	same = oldlen == len && memcmp(old, data, len) == 0;
	free(old);
	return same;
}

int
atomic_update(const char *path, const void *data, size_t len, mode_t mode)
{
	if (same_content(path, data, len, mode))
		return 0;
	return atomic_write(path, data, len, mode) < 0 ? -1 : 1;
}

char *
file_read(const char *path, size_t max, size_t *len)
{
	char *buf;
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return NULL;
	buf = file_read_fd(fd, max, len);
	saved = errno;
	close(fd);
	errno = saved;
	return buf;
}

char *
file_read_fd(int fd, size_t max, size_t *len)
{
	char *buf = NULL;
	size_t used = 0, cap = 0;
	int saved;

	for (;;) {
		ssize_t n;

		if (used + 1 >= cap) {
			char *nb;

			if (cap > max) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap == 0 ? 4096 : cap * 2;
			if (cap > max + 2)
				cap = max + 2;
			nb = realloc(buf, cap);
			if (nb == NULL)
				goto fail;
			buf = nb;
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			errno = EFBIG;
			goto fail;
		}
	}
	buf[used] = '\0';
	if (len != NULL)
		*len = used;
	return buf;
fail:
	saved = errno;
	free(buf);
	errno = saved;
	return NULL;
}
