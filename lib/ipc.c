/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "ipc.h"

int
ipc_send(int fd, const char *type, const void *payload, size_t len)
{
	struct iovec iov[3] = {
		{ .iov_base = (void *)(uintptr_t)type, .iov_len = strlen(type) },
		{ .iov_base = (void *)(uintptr_t)"\n", .iov_len = 1 },
		{ .iov_base = (void *)(uintptr_t)payload, .iov_len = len },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 3 };
	ssize_t n;

	if (iov[0].iov_len + 1 + len > IPC_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	do
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}

int
ipc_recv(int fd, char *buf, size_t size, const char **type,
    const char **payload, size_t *len)
{
	ssize_t n;
	char *nl;

	do
		n = recv(fd, buf, size - 1, MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return (int)n;
	if ((size_t)n > size - 1) {
		errno = EMSGSIZE;
		return -1;
	}
	buf[n] = '\0';
	if ((nl = memchr(buf, '\n', (size_t)n)) == NULL || nl == buf) {
		errno = EBADMSG;
		return -1;
	}
	*nl = '\0';
	*type = buf;
	*payload = nl + 1;
	*len = (size_t)(buf + n - (nl + 1));
	return 1;
}

const char *
ipc_field(const char *payload, const char *key, size_t *len)
{
	size_t klen = strlen(key);
	const char *p = payload;

	while (*p != '\0') {
		size_t wlen;

		p += strspn(p, " \t\n");
		wlen = strcspn(p, " \t\n");
		if (wlen > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			*len = wlen - klen - 1;
			return p + klen + 1;
		}
		p += wlen;
	}
	return NULL;
}

bool
ipc_field_uint(const char *payload, const char *key, unsigned long *val)
{
	const char *v;
	char *end;
	size_t len;

	if ((v = ipc_field(payload, key, &len)) == NULL || len == 0 ||
	    *v < '0' || *v > '9')
		return false;
	errno = 0;
	*val = strtoul(v, &end, 10);
	return errno == 0 && end == v + len;
}
