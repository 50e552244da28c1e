/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kname.h"

static bool
lower_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
}

bool
kname_subdomain_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > KNAME_SUBDOMAIN_MAX)
		return false;
	for (i = 0; i < n; i++) {
		if (lower_alnum(s[i]))
			continue;
		if (s[i] != '-' && s[i] != '.')
			return false;
		if (i == 0 || i == n - 1)
			return false;
		if (s[i] == '.' && (!lower_alnum(s[i - 1]) ||
		    !lower_alnum(s[i + 1])))
			return false;
	}
	return true;
}

bool
kname_node_valid(const char *s)
{
	return kname_subdomain_valid(s, strlen(s));
}

int
kname_host_node(char *buf, size_t size)
{
	char *c;

	if (size == 0) {
		errno = EINVAL;
		return -1;
	}
	if (gethostname(buf, size) < 0)
		return -1;
	buf[size - 1] = '\0';
	for (c = buf; *c != '\0'; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	return 0;
}
