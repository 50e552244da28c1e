#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "special.h"

static const struct {
	const char *cidr;
	const char *name;
} ranges[] = {
	{ "0.0.0.0/8", "\"this network\"" },
	{ "127.0.0.0/8", "loopback" },
	{ "169.254.0.0/16", "link-local" },
	{ "224.0.0.0/4", "multicast" },
	{ "240.0.0.0/4", "reserved and limited broadcast" },
	{ "::/128", "unspecified" },
	{ "::1/128", "loopback" },
	{ "fe80::/10", "link-local" },
	{ "ff00::/8", "multicast" },
};

int
special_range(const struct cidr *c, char *why, size_t whysz)
{
	struct cidr r;
	size_t i;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		cidr_parse(ranges[i].cidr, strlen(ranges[i].cidr), &r, NULL);
		if (r.addr.family == c->addr.family &&
		    (cidr_contains(&r, c) || cidr_contains(c, &r))) {
			snprintf(why, whysz, "overlaps %s (%s)", ranges[i].cidr,
			    ranges[i].name);
			return -1;
		}
	}
	return 0;
}
