/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "policy.h"

/* The node of the attacks: 192.0.2.1/24 and 2001:db8::1/64 on its link,
 * the API server at 203.0.113.10. */
static void
node_policy(struct policy *p)
{
	static const struct {
		enum policy_kind kind;
		const char *cidr;
	} entries[] = {
		{ POLICY_OWN, "192.0.2.1/32" },
		{ POLICY_OWN, "2001:db8::1/128" },
		{ POLICY_CONNECTED, "192.0.2.0/24" },
		{ POLICY_CONNECTED, "2001:db8::/64" },
		{ POLICY_SERVER, "203.0.113.10/32" },
	};
	struct cidr c;
	size_t i;

	policy_init(p, POLICY_MIN_PREFIX_V4, POLICY_MIN_PREFIX_V6);
	for (i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
		assert_int_equal(cidr_parse(entries[i].cidr,
		    strlen(entries[i].cidr), &c, NULL), 0);
		assert_int_equal(policy_add(p, entries[i].kind, &c), 1);
	}
}

struct check_case {
	const char *in;
	const char *why;	/* NULL: allowed; else a part of the reason */
};

static const struct check_case cidr_cases[] = {
	/* The attacks: the default route in halves, ... */
	{ "0.0.0.0/1", "0.0.0.0/1 is shorter than min-prefix-v4 8" },
	{ "128.0.0.0/1", "shorter than min-prefix-v4 8" },
	{ "0.0.0.0/0", "shorter than min-prefix-v4" },
	{ "::/0", "shorter than min-prefix-v6 32" },
	{ "8000::/1", "shorter than min-prefix-v6 32" },
	/* ... the API server, the node network, the own address, ... */
	{ "203.0.113.10/32", "overlaps the API server's address, "
	    "203.0.113.10/32" },
	{ "203.0.113.0/24", "the API server's address" },
	{ "192.0.2.0/25", "overlaps an address of this node, 192.0.2.1/32" },
	{ "192.0.2.128/26", "overlaps a prefix on this node's links, "
	    "192.0.2.0/24" },
	{ "192.0.0.0/16", "an address of this node" },
	{ "2001:db8::/65", "an address of this node, 2001:db8::1/128" },
	{ "2001:db8::8000:0:0:0/65", "a prefix on this node's links, 2001:db8::/64" },
	{ "192.0.2.1/32", "overlaps an address of this node, 192.0.2.1/32" },
	{ "2001:db8::1/128", "an address of this node" },
	/* ... the special-purpose ranges. */
	{ "169.254.0.0/16", "overlaps the link-local range 169.254.0.0/16" },
	{ "169.254.169.254/32", "link-local" },
	{ "224.0.0.0/4", "shorter than min-prefix-v4 8" },
	{ "224.0.0.0/8", "overlaps the multicast range 224.0.0.0/4" },
	{ "239.1.0.0/16", "multicast" },
	{ "fe80::/10", "shorter than min-prefix-v6 32" },
	{ "fe80::/32", "overlaps the link-local range fe80::/10" },
	{ "fe80::/64", "link-local" },
	{ "127.0.0.0/8", "overlaps the loopback range 127.0.0.0/8" },
	{ "127.0.0.1/32", "loopback" },
	{ "::1/128", "overlaps the loopback range ::1/128" },
	{ "::/128", "overlaps the unspecified range ::/128" },
	{ "::/64", "unspecified" },
	{ "0.0.0.0/8", "the \"this network\" range 0.0.0.0/8" },
	{ "255.255.255.255/32", "the limited broadcast range" },
	{ "255.0.0.0/8", "limited broadcast" },
	{ "248.0.0.0/8", "the reserved range 240.0.0.0/4" },
	{ "ff02::/32", "overlaps the multicast range ff00::/8" },
	/* What clusters use stays usable. */
	{ "198.18.1.0/24", NULL },
	{ "198.18.0.0/15", NULL },
	{ "10.0.0.0/8", NULL },
	{ "172.16.5.0/24", NULL },
	{ "192.168.0.0/16", NULL },
	{ "100.64.0.0/10", NULL },
	{ "198.51.100.0/24", NULL },
	{ "203.0.113.11/32", NULL },
	{ "192.0.2.128/25", "a prefix on this node's links" },
	{ "192.0.3.0/24", NULL },
	{ "fd00:1::/64", NULL },
	{ "fd00::/32", NULL },
	{ "fd00::/8", "shorter than min-prefix-v6 32" },
	{ "2001:db8:1::/48", NULL },
	{ "2001::/32", NULL },
	{ "1.0.0.0/8", NULL },
};

/* Runs the cases through check (which parses tc->in itself) against
 * the node's policy. */
static void
run_cases(const struct check_case *cases, size_t n,
    int (*check)(const struct policy *, const char *, char *, size_t))
{
	struct policy p;
	char why[256];
	size_t i;
	int r;

	node_policy(&p);
	for (i = 0; i < n; i++) {
		const struct check_case *tc = &cases[i];

		why[0] = '\0';
		r = check(&p, tc->in, why, sizeof(why));
		if (tc->why == NULL && r != 0)
			fail_msg("%s: refused (%s), want allowed", tc->in, why);
		if (tc->why != NULL && (r != -1 || strstr(why, tc->why) ==
		    NULL))
			fail_msg("%s: %d \"%s\", want refused for \"%s\"",
			    tc->in, r, why, tc->why);
	}
	policy_free(&p);
}

static int
check_cidr(const struct policy *p, const char *s, char *why, size_t whysz)
{
	struct cidr c;

	assert_int_equal(cidr_parse(s, strlen(s), &c, NULL), 0);
	return policy_check_cidr(p, &c, why, whysz);
}

static int
check_nexthop(const struct policy *p, const char *s, char *why, size_t whysz)
{
	struct addr a;

	assert_int_equal(addr_parse(s, strlen(s), &a), 0);
	return policy_check_nexthop(p, &a, why, whysz);
}

static void
test_cidr(void **state)
{
	run_cases(cidr_cases, sizeof(cidr_cases) / sizeof(cidr_cases[0]),
	    check_cidr);
}

static const struct check_case nexthop_cases[] = {
	{ "127.0.0.1", "nexthop 127.0.0.1 is loopback, not unicast" },
	{ "192.0.2.1", "nexthop 192.0.2.1 is an address of this node" },
	{ "2001:db8::1", "an address of this node" },
	{ "0.0.0.0", "is \"this network\"" },
	{ "255.255.255.255", "is limited broadcast" },
	{ "224.0.0.1", "is multicast" },
	{ "::", "nexthop :: is unspecified" },
	{ "::1", "loopback" },
	{ "ff02::1", "multicast" },
	{ "240.0.0.1", "reserved" },
	{ "192.0.2.3", NULL },
	{ "2001:db8::3", NULL },
	{ "fe80::3", NULL },
	{ "169.254.1.1", NULL },
	{ "203.0.113.10", NULL },
};

static void
test_nexthop(void **state)
{
	run_cases(nexthop_cases, sizeof(nexthop_cases) /
	    sizeof(nexthop_cases[0]), check_nexthop);
}

/* IPv4-mapped IPv6 is refused even if a caller builds one by hand (the
 * parser turns the text form into IPv4). */
static void
test_mapped(void **state)
{
	struct policy p;
	struct cidr c;
	char why[128];

	policy_init(&p, 8, 32);
	memset(&c, 0, sizeof(c));
	c.addr.family = AF_INET6;
	c.addr.bytes[10] = c.addr.bytes[11] = 0xff;
	c.addr.bytes[12] = 198;
	c.len = 120;
	assert_int_equal(policy_check_cidr(&p, &c, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "IPv4-mapped"));
	assert_int_equal(policy_check_nexthop(&p, &c.addr, why, sizeof(why)),
	    -1);
	policy_free(&p);
}

/* A network may lower the minimum; the ranges stay refused. */
static void
test_min_prefix(void **state)
{
	struct policy p;
	struct cidr c;
	char why[128];

	policy_init(&p, 1, 1);
	assert_int_equal(cidr_parse("16.0.0.0/4", 10, &c, NULL), 0);
	assert_int_equal(policy_check_cidr(&p, &c, why, sizeof(why)), 0);
	p.min_prefix_v4 = 8;
	assert_int_equal(policy_check_cidr(&p, &c, why, sizeof(why)), -1);
	p.min_prefix_v4 = 1;
	assert_int_equal(cidr_parse("128.0.0.0/1", 11, &c, NULL), 0);
	assert_int_equal(policy_check_cidr(&p, &c, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "overlaps the link-local range"));
	assert_int_equal(cidr_parse("0.0.0.0/1", 9, &c, NULL), 0);
	assert_int_equal(policy_check_cidr(&p, &c, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "\"this network\""));
	assert_int_equal(cidr_parse("10.0.0.0/7", 10, &c, NULL), 0);
	assert_int_equal(policy_check_cidr(&p, &c, why, sizeof(why)), 0);
	policy_free(&p);
}

/* Entries: unique, cleared and copied by kind, compared by kind in any
 * order of adding. */
static void
test_entries(void **state)
{
	struct policy a, b;
	struct cidr c1, c2;
	char why[128];

	policy_init(&a, 8, 32);
	policy_init(&b, 8, 32);
	assert_int_equal(cidr_parse("192.0.2.1/24", 12, &c1, NULL), 0);
	assert_int_equal(cidr_parse("2001:db8::/64", 13, &c2, NULL), 0);
	assert_int_equal(policy_add(&a, POLICY_CONNECTED, &c1), 1);
	assert_int_equal(policy_add(&a, POLICY_CONNECTED, &c2), 1);
	assert_int_equal(policy_add(&a, POLICY_CONNECTED, &c1), 0);
	assert_int_equal(policy_count(&a, POLICY_CONNECTED), 2);
	assert_false(policy_same(&a, &b, POLICY_CONNECTED));
	assert_int_equal(policy_add(&b, POLICY_CONNECTED, &c2), 1);
	assert_int_equal(policy_add(&b, POLICY_CONNECTED, &c1), 1);
	assert_int_equal(policy_add(&b, POLICY_SERVER, &c1), 1);
	assert_true(policy_same(&a, &b, POLICY_CONNECTED));
	assert_false(policy_same(&a, &b, POLICY_SERVER));
	/* A server address is protected as a host. */
	assert_int_equal(b.set[POLICY_SERVER].v[0].len, 32);
	policy_clear(&a, POLICY_CONNECTED);
	assert_int_equal(policy_count(&a, POLICY_CONNECTED), 0);
	assert_int_equal(policy_check_cidr(&a, &c1, why, sizeof(why)), 0);
	assert_int_equal(policy_take(&a, &b, POLICY_CONNECTED), 0);
	assert_true(policy_same(&a, &b, POLICY_CONNECTED));
	assert_int_equal(policy_check_cidr(&a, &c1, why, sizeof(why)), -1);
	policy_clear(&b, POLICY_CONNECTED);
	assert_int_equal(policy_count(&b, POLICY_SERVER), 1);
	assert_int_equal(policy_count(&a, POLICY_CONNECTED), 2);
	policy_free(&a);
	policy_free(&b);
}

/* The binary searches against a scan of every entry: prefixes of every
 * length, inside, around and beside many entries of mixed lengths. */
static void
test_many(void **state)
{
	struct policy p;
	struct cidr e[600], c;
	char why[128];
	unsigned i, j, seed = 1;
	size_t n = 0;

	policy_init(&p, 1, 1);
	for (i = 0; i < 600; i++) {
		memset(&e[n], 0, sizeof(e[n]));
		e[n].addr.family = AF_INET;
		seed = seed * 1103515245 + 12345;
		e[n].addr.bytes[0] = 10;
		e[n].addr.bytes[1] = (uint8_t)(seed >> 16);
		e[n].addr.bytes[2] = (uint8_t)(seed >> 8);
		e[n].addr.bytes[3] = (uint8_t)seed;
		e[n].len = (uint8_t)(12 + seed % 21);
		cidr_mask(&e[n]);
		if (policy_add(&p, POLICY_CONNECTED, &e[n]) == 1)
			n++;
	}
	for (i = 0; i < 3000; i++) {
		bool want = false;

		memset(&c, 0, sizeof(c));
		c.addr.family = AF_INET;
		seed = seed * 1103515245 + 12345;
		c.addr.bytes[0] = 10;
		c.addr.bytes[1] = (uint8_t)(seed >> 16);
		c.addr.bytes[2] = (uint8_t)(seed >> 8);
		c.addr.bytes[3] = (uint8_t)(seed >> 24);
		c.len = (uint8_t)(8 + seed % 25);
		cidr_mask(&c);
		for (j = 0; j < n; j++)
			want |= cidr_contains(&c, &e[j]) ||
			    cidr_contains(&e[j], &c);
		if ((policy_check_cidr(&p, &c, why, sizeof(why)) < 0) != want)
			fail_msg("case %u: %s: want %s", i, why,
			    want ? "refused" : "allowed");
	}
	policy_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_nexthop),
		cmocka_unit_test(test_mapped),
		cmocka_unit_test(test_min_prefix),
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
