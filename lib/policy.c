/* SPDX-License-Identifier: Apache-2.0 */
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
policy_clear(struct policy *p, enum policy_kind kind)
{
	struct policy_set *set = &p->set[kind];

	free(set->v);
	memset(set, 0, sizeof(*set));
}

void
policy_free(struct policy *p)
{
	int k;

	for (k = 0; k < POLICY_NKINDS; k++)
		policy_clear(p, (enum policy_kind)k);
}

static int
fam_index(const struct addr *a)
{
	return a->family == AF_INET ? 0 : 1;
}

/* The index of the first entry not below c; *found when it is c. */
static size_t
set_find(const struct policy_set *set, const struct cidr *c, bool *found)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cidr_cmp(&set->v[mid], c) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < set->n && cidr_cmp(&set->v[lo], c) == 0;
	return lo;
}

int
policy_add(struct policy *p, enum policy_kind kind, const struct cidr *c)
{
	struct policy_set *set = &p->set[kind];
	struct cidr full = *c, *v;
	bool found;
	size_t i;

	if (kind == POLICY_OWN || kind == POLICY_SERVER)
		full.len = (uint8_t)(addr_len(&c->addr) * 8);
	cidr_mask(&full);
	i = set_find(set, &full, &found);
	if (found)
		return 0;
	if (set->n == set->cap) {
		size_t cap = set->cap == 0 ? 8 : set->cap * 2;

		if ((v = realloc(set->v, cap * sizeof(*v))) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		set->v = v;
		set->cap = cap;
	}
	memmove(&set->v[i + 1], &set->v[i], (set->n - i) * sizeof(*v));
	set->v[i] = full;
	set->n++;
	set->lens[fam_index(&full.addr)][full.len / 8] |=
	    (uint8_t)(1u << (full.len % 8));
	return 1;
}

int
policy_take(struct policy *dst, const struct policy *src,
    enum policy_kind kind)
{
	const struct policy_set *from = &src->set[kind];
	struct policy_set *to = &dst->set[kind];
	struct cidr *v = NULL;

	if (from->n > 0 && (v = malloc(from->n * sizeof(*v))) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if (from->n > 0)
		memcpy(v, from->v, from->n * sizeof(*v));
	free(to->v);
	*to = *from;
	to->v = v;
	to->cap = from->n;
	return 0;
}

size_t
policy_count(const struct policy *p, enum policy_kind kind)
{
	return p->set[kind].n;
}

bool
policy_same(const struct policy *a, const struct policy *b,
    enum policy_kind kind)
{
	const struct policy_set *x = &a->set[kind], *y = &b->set[kind];

	/* Sorted and unique: equal sets are equal arrays. */
	return x->n == y->n &&
	    (x->n == 0 || memcmp(x->v, y->v, x->n * sizeof(*x->v)) == 0);
}

/* An entry of set that overlaps c, or NULL. One that contains c has one
 * of the lengths present up to c's: look each up. One inside c sorts at
 * or after c's address, and the first entry there starts with c's bits
 * exactly when some entry does. */
static const struct cidr *
set_overlap(const struct policy_set *set, const struct cidr *c)
{
	const uint8_t *lens = set->lens[fam_index(&c->addr)];
	struct cidr m;
	bool found;
	size_t i;
	unsigned len;

	if (set->n == 0)
		return NULL;
	for (len = 0; len <= c->len; len++) {
		if (!(lens[len / 8] & (1u << (len % 8))))
			continue;
		m = *c;
		m.len = (uint8_t)len;
		cidr_mask(&m);
		i = set_find(set, &m, &found);
		if (found)
			return &set->v[i];
	}
	i = set_find(set, c, &found);
	if (i < set->n && cidr_contains(c, &set->v[i]))
		return &set->v[i];
	return NULL;
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
		if (cidr_overlap(c, &sc)) {
			seterr(why, whysz, "%s overlaps the %s range %s",
			    cidr_format(c, buf), specials[i].what,
			    cidr_format(&sc, sbuf));
			return -1;
		}
	}
	/* The most telling reason first. */
	for (k = 0; k < POLICY_NKINDS; k++) {
		const struct cidr *e = set_overlap(&p->set[kind_order[k]], c);

		if (e != NULL) {
			seterr(why, whysz, "%s overlaps %s, %s",
			    cidr_format(c, buf), kind_what[kind_order[k]],
			    cidr_format(e, sbuf));
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
	bool found;
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
	set_find(&p->set[POLICY_OWN], &host, &found);
	if (found) {
		seterr(why, whysz, "nexthop %s is an address of this node",
		    addr_format(a, buf));
		return -1;
	}
	return 0;
}
