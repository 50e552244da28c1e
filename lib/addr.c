/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"

static const uint8_t v4mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && is_blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_blank((*s)[*n - 1]))
		(*n)--;
}

static int
parse_plain(const char *s, size_t n, struct addr *a)
{
	char buf[ADDR_STRLEN];

	if (n == 0 || n >= sizeof(buf) || memchr(s, '\0', n) != NULL)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, buf, a->bytes) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, a->bytes) != 1)
		return -1;
	a->family = AF_INET6;
	if (memcmp(a->bytes, v4mapped_prefix, 12) == 0) {
		memmove(a->bytes, a->bytes + 12, 4);
		memset(a->bytes + 4, 0, 12);
		a->family = AF_INET;
		return 1;	/* mapped: a prefix length shrinks by 96 */
	}
	return 0;
}

int
addr_parse(const char *s, size_t n, struct addr *a)
{
	trim(&s, &n);
	return parse_plain(s, n, a) < 0 ? -1 : 0;
}

int
cidr_parse(const char *s, size_t n, struct cidr *c, bool *had_host_bits)
{
	const char *slash;
	size_t i, alen;
	unsigned len = 0;
	int mapped;
	bool host_bits;

	trim(&s, &n);
	slash = memchr(s, '/', n);
	if (slash == NULL)
		return -1;
	alen = (size_t)(slash - s);
	if (alen + 1 == n || n - alen - 1 > 3)
		return -1;
	for (i = alen + 1; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		len = len * 10 + (unsigned)(s[i] - '0');
	}
	if (n - alen - 1 > 1 && s[alen + 1] == '0')
		return -1;	/* "/024" is not a prefix length */
	mapped = parse_plain(s, alen, &c->addr);
	if (mapped < 0)
		return -1;
	if (mapped == 1) {
		if (len < 96 || len > 128)
			return -1;
		len -= 96;
	}
	if (len > addr_len(&c->addr) * 8)
		return -1;
	c->len = (uint8_t)len;
	host_bits = cidr_mask(c);
	if (had_host_bits != NULL)
		*had_host_bits = host_bits;
	return 0;
}

bool
cidr_mask(struct cidr *c)
{
	bool host_bits = false;
	unsigned i;

	for (i = 0; i < 16; i++) {
		unsigned bits = i * 8 >= c->len ? 0 : c->len - i * 8;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);

		if (c->addr.bytes[i] & ~mask)
			host_bits = true;
		c->addr.bytes[i] &= mask;
	}
	return host_bits;
}

size_t
addr_len(const struct addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

int
addr_cmp(const struct addr *a, const struct addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, sizeof(a->bytes));
}

int
cidr_cmp(const struct cidr *a, const struct cidr *b)
{
	int r = addr_cmp(&a->addr, &b->addr);

	if (r != 0)
		return r;
	return a->len == b->len ? 0 : a->len < b->len ? -1 : 1;
}

bool
addr_is_v6_linklocal(const struct addr *a)
{
	return a->family == AF_INET6 && a->bytes[0] == 0xfe &&
	    (a->bytes[1] & 0xc0) == 0x80;
}

bool
cidr_contains(const struct cidr *c, const struct cidr *inner)
{
	unsigned full = c->len / 8, rest = c->len % 8;

	if (c->addr.family != inner->addr.family || inner->len < c->len)
		return false;
	if (memcmp(c->addr.bytes, inner->addr.bytes, full) != 0)
		return false;
	return rest == 0 || ((c->addr.bytes[full] ^ inner->addr.bytes[full]) &
	    (uint8_t)(0xff00 >> rest)) == 0;
}

bool
cidr_overlap(const struct cidr *a, const struct cidr *b)
{
	return cidr_contains(a, b) || cidr_contains(b, a);
}

char *
addr_format(const struct addr *a, char *buf)
{
	if (inet_ntop(a->family, a->bytes, buf, ADDR_STRLEN) == NULL)
		strcpy(buf, "?");
	return buf;
}

char *
cidr_format(const struct cidr *c, char *buf)
{
	size_t n;

	addr_format(&c->addr, buf);
	n = strlen(buf);
	snprintf(buf + n, ADDR_STRLEN - n, "/%u", c->len);
	return buf;
}

int
addr_list_each(const char *s, size_t n,
    int (*fn)(const char *item, size_t len, void *arg), void *arg)
{
	const char *end = s + n;

	while (s < end) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *stop = comma != NULL ? comma : end;
		const char *item = s;
		size_t len = (size_t)(stop - s);
		int r;

		trim(&item, &len);
		if (len > 0 && (r = fn(item, len, arg)) != 0)
			return r;
		s = stop + 1;
	}
	return 0;
}
