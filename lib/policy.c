#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "policy.h"

/* The special-purpose ranges (RFC 6890) no pod network can be. Private,
 * shared, benchmarking and documentation ranges are not here: clusters
 * use them. Link-local is refused as a destination only: an IPv6 nexthop
 * is often link-local, and the worker gives it its link. */
static const struct special {
	uint8_t family, len;
	uint8_t bytes[16];
	bool nexthop_ok;
	const char *what;
} specials[] = {
	{ AF_INET, 8, { 0 }, false, "\"this network\"" },
	{ AF_INET, 8, { 127 }, false, "loopback" },
	{ AF_INET, 16, { 169, 254 }, true, "link-local" },
	{ AF_INET, 4, { 224 }, false, "multicast" },
	/* Before 240/4, which holds it, for the clearer name. */
	{ AF_INET, 32, { 255, 255, 255, 255 }, false, "limited broadcast" },
	{ AF_INET, 4, { 240 }, false, "reserved" },
	{ AF_INET6, 128, { 0 }, false, "unspecified" },
	{ AF_INET6, 128, { [15] = 1 }, false, "loopback" },
	{ AF_INET6, 96, { [10] = 0xff, [11] = 0xff }, false, "IPv4-mapped" },
	{ AF_INET6, 10, { 0xfe, 0x80 }, true, "link-local" },
	{ AF_INET6, 8, { 0xff }, false, "multicast" },
};

static const char *const kind_what[POLICY_NKINDS] = {
	[POLICY_OWN] = "an address of this node",
	[POLICY_CONNECTED] = "a prefix on this node's links",
	[POLICY_SERVER] = "the API server's address",
};

static const enum policy_kind kind_order[POLICY_NKINDS] = {
	POLICY_SERVER, POLICY_OWN, POLICY_CONNECTED,
};

void
policy_init(struct policy *p, unsigned min_prefix_v4, unsigned min_prefix_v6)
{
	memset(p, 0, sizeof(*p));
	p->min_prefix_v4 = min_prefix_v4;
	p->min_prefix_v6 = min_prefix_v6;
}

void
policy_free(struct policy *p)
{
	free(p->entries);
	p->entries = NULL;
	p->n = p->cap = 0;
}

static bool
has_entry(const struct policy *p, enum policy_kind kind, const struct cidr *c)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->entries[i].kind == kind &&
		    cidr_cmp(&p->entries[i].cidr, c) == 0)
			return true;
	return false;
}

int
policy_add(struct policy *p, enum policy_kind kind, const struct cidr *c)
{
	struct policy_entry *e;
	struct cidr full = *c;

	if (kind == POLICY_OWN || kind == POLICY_SERVER)
		full.len = (uint8_t)(addr_len(&c->addr) * 8);
	if (has_entry(p, kind, &full))
		return 0;
	if (p->n == p->cap) {
		size_t cap = p->cap == 0 ? 8 : p->cap * 2;

		if ((e = realloc(p->entries, cap * sizeof(*e))) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		p->entries = e;
		p->cap = cap;
	}
	p->entries[p->n].cidr = full;
	p->entries[p->n++].kind = kind;
	return 0;
}

void
policy_clear(struct policy *p, enum policy_kind kind)
{
	size_t i, n = 0;

	for (i = 0; i < p->n; i++)
		if (p->entries[i].kind != kind)
			p->entries[n++] = p->entries[i];
	p->n = n;
}

static size_t
count_kind(const struct policy *p, enum policy_kind kind)
{
	size_t i, n = 0;

	for (i = 0; i < p->n; i++)
		n += p->entries[i].kind == kind;
	return n;
}

bool
policy_same(const struct policy *a, const struct policy *b,
    enum policy_kind kind)
{
	size_t i;

	/* Entries are unique, so equal counts and inclusion is equality. */
	if (count_kind(a, kind) != count_kind(b, kind))
		return false;
	for (i = 0; i < a->n; i++)
		if (a->entries[i].kind == kind &&
		    !has_entry(b, kind, &a->entries[i].cidr))
			return false;
	return true;
}

static bool
overlap(const struct cidr *a, const struct cidr *b)
{
	return cidr_contains(a, b) || cidr_contains(b, a);
}

static void
special_cidr(const struct special *s, struct cidr *c)
{
	memset(c, 0, sizeof(*c));
	c->addr.family = s->family;
	memcpy(c->addr.bytes, s->bytes, sizeof(s->bytes));
	c->len = s->len;
}

int
policy_check_cidr(const struct policy *p, const struct cidr *c,
    char *why, size_t whysz)
{
	unsigned min = c->addr.family == AF_INET ? p->min_prefix_v4 :
	    p->min_prefix_v6;
	char buf[ADDR_STRLEN], sbuf[ADDR_STRLEN];
	struct cidr sc;
	size_t i, k;

	if (c->len < min) {
		seterr(why, whysz, "%s is shorter than min-prefix-%s %u",
		    cidr_format(c, buf), c->addr.family == AF_INET ? "v4" :
		    "v6", min);
		return -1;
	}
	for (i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
		special_cidr(&specials[i], &sc);
		if (overlap(c, &sc)) {
			seterr(why, whysz, "%s overlaps the %s range %s",
			    cidr_format(c, buf), specials[i].what,
			    cidr_format(&sc, sbuf));
			return -1;
		}
	}
	/* The most telling reason first, whatever order entries came in. */
	for (k = 0; k < POLICY_NKINDS; k++) {
		for (i = 0; i < p->n; i++) {
			const struct policy_entry *e = &p->entries[i];

			if (e->kind != kind_order[k] || !overlap(c, &e->cidr))
				continue;
			seterr(why, whysz, "%s overlaps %s, %s",
			    cidr_format(c, buf), kind_what[e->kind],
			    cidr_format(&e->cidr, sbuf));
			return -1;
		}
	}
	return 0;
}

int
policy_check_nexthop(const struct policy *p, const struct addr *a,
    char *why, size_t whysz)
{
	char buf[ADDR_STRLEN];
	struct cidr host, sc;
	size_t i;

	host.addr = *a;
	host.len = (uint8_t)(addr_len(a) * 8);
	for (i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
		special_cidr(&specials[i], &sc);
		if (!specials[i].nexthop_ok && cidr_contains(&sc, &host)) {
			seterr(why, whysz, "nexthop %s is %s, not unicast",
			    addr_format(a, buf), specials[i].what);
			return -1;
		}
	}
	for (i = 0; i < p->n; i++) {
		if (p->entries[i].kind == POLICY_OWN &&
		    cidr_cmp(&p->entries[i].cidr, &host) == 0) {
			seterr(why, whysz, "nexthop %s is an address of this "
			    "node", addr_format(a, buf));
			return -1;
		}
	}
	return 0;
}
