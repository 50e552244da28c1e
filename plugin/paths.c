/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"

#define BAD_CONFIG "invalid configuration"

const char *const paths_data_places[] = { "/var/lib/cni", "/run", NULL };
const char *const paths_log_places[] = { "/var/log", NULL };

/* Whether path is below dir[0..n), at a component boundary. */
static bool
below(const char *path, const char *dir, size_t n)
{
	while (n > 1 && dir[n - 1] == '/')
		n--;
	return n > 1 && dir[0] == '/' && strncmp(path, dir, n) == 0 &&
	    path[n] == '/' && path[n + 1] != '\0';
}

static bool
in_places(const char *path, const char *const places[])
{
	const char *env = getenv(PATHS_ENV), *p, *end;

	for (; *places != NULL; places++)
		if (below(path, *places, strlen(*places)))
			return true;
	for (p = env; p != NULL && *p != '\0'; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		if (below(path, p, (size_t)(end - p)))
			return true;
	}
	return false;
}

/* Absolute, and no component empty, "." or "..". */
static bool
plain(const char *path)
{
	const char *p = path, *end;

	if (*p != '/')
		return false;
	for (p++;; p = end + 1) {
		end = strchrnul(p, '/');
		if (end == p || (end - p == 1 && p[0] == '.') ||
		    (end - p == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (*end == '\0')
			return true;
	}
}

static int
refuse(struct cni_error *e, const char *key, const char *path,
    const char *const places[])
{
	char list[256] = "";
	size_t i;

	for (i = 0; places[i] != NULL; i++) {
		strncat(list, i == 0 ? "" : " or ", sizeof(list) -
		    strlen(list) - 1);
		strncat(list, places[i], sizeof(list) - strlen(list) - 1);
	}
	return cni_fail(e, CNI_ERR_INVALID_CONFIG, BAD_CONFIG, "%s: \"%s\" is "
	    "not allowed; use a plain absolute path below %s (or %s)", key,
	    path, list, PATHS_ENV);
}

/*
 * Opens the directories of path from "/", never through a link: up to the
 * last one when file is true (the last component is then the file's name),
 * else all, stopping at the first missing one. Returns the last directory
 * opened, or -1 with e set.
 */
static int
walk(const char *key, const char *path, bool file, struct cni_error *e)
{
	char comp[NAME_MAX + 1];
	const char *p = path + 1, *end;
	int fd, next;

	if ((fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return cni_fail(e, CNI_ERR_IO, "I/O error", "/: %s",
		    strerror(errno));
	for (; *p != '\0'; p = *end ? end + 1 : end) {
		end = strchrnul(p, '/');
		if (file && *end == '\0')
			break;
		snprintf(comp, sizeof(comp), "%.*s", (int)(end - p), p);
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (next < 0 && errno == ENOENT && !file)
			break;
		if (next < 0) {
			int err = errno;

			close(fd);
			if (err == ELOOP || err == ENOTDIR)
				return cni_fail(e, CNI_ERR_INVALID_CONFIG,
				    BAD_CONFIG, "%s: %.*s is a symbolic link "
				    "or not a directory", key,
				    (int)(end - path), path);
			return cni_fail(e, CNI_ERR_IO, "I/O error", "%s: "
			    "%.*s: %s", key, (int)(end - path), path,
			    strerror(err));
		}
		close(fd);
		fd = next;
	}
	return fd;
}

int
paths_check_dir(const char *key, const char *path,
    const char *const places[], struct cni_error *e)
{
	int fd;

	if (!plain(path) || strlen(path) >= PATH_MAX ||
	    !in_places(path, places))
		return refuse(e, key, path, places);
	if ((fd = walk(key, path, false, e)) < 0)
		return -1;
	close(fd);
	return 0;
}

int
paths_open_log(const char *key, const char *path, struct cni_error *e)
{
	struct stat st;
	int dfd, fd;

	if (!plain(path) || strlen(path) >= PATH_MAX ||
	    !in_places(path, paths_log_places))
		return refuse(e, key, path, paths_log_places);
	if ((dfd = walk(key, path, true, e)) < 0)
		return -1;
	fd = openat(dfd, strrchr(path, '/') + 1, O_WRONLY | O_APPEND |
	    O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0640);
	close(dfd);
	if (fd < 0 && errno == ELOOP)
		return cni_fail(e, CNI_ERR_INVALID_CONFIG, BAD_CONFIG,
		    "%s: %s is a symbolic link", key, path);
	if (fd < 0 && errno == ENXIO)	/* a FIFO nobody reads */
		return cni_fail(e, CNI_ERR_INVALID_CONFIG, BAD_CONFIG,
		    "%s: %s is not a regular file", key, path);
	if (fd < 0)
		return cni_fail(e, CNI_ERR_IO, "I/O error", "%s: %s: %s", key,
		    path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return cni_fail(e, CNI_ERR_INVALID_CONFIG, BAD_CONFIG,
		    "%s: %s is not a regular file", key, path);
	}
	return fd;
}
