/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

static int notify_fd = -1;

int
notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len;

	if (path == NULL || *path == '\0')
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sun.sun_path)) {
		log_errx("NOTIFY_SOCKET=%s: not a socket path", path);
		return -1;
	}
	memcpy(sun.sun_path, path, len);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	if ((notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(notify_fd, (struct sockaddr *)&sun,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0) {
		log_err("NOTIFY_SOCKET=%s", path);
		if (notify_fd >= 0)
			close(notify_fd);
		notify_fd = -1;
		return -1;
	}
	unsetenv("NOTIFY_SOCKET");
	return 0;
}

void
notify(const char *fmt, ...)
{
	char msg[4096];
	va_list ap;
	int n;

	if (notify_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = (int)strlen(msg);
	log_debug("notify: %s", msg);
	if (send(notify_fd, msg, (size_t)n, MSG_NOSIGNAL) < 0)
		log_warn("notify: %.40s", msg);
}
