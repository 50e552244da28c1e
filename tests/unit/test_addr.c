/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "addr.h"

struct cidr_case {
	const char *in;
	const char *out;	/* NULL: must be rejected */
	bool host_bits;
};

static const struct cidr_case cidr_cases[] = {
	{ "198.18.1.0/24", "198.18.1.0/24", false },
	{ "  198.18.1.7/24\t", "198.18.1.0/24", true },
	{ "198.18.1.7/32", "198.18.1.7/32", false },
	{ "0.0.0.0/0", "0.0.0.0/0", false },
	{ "fd00:5::1:0/112", "fd00:5::1:0/112", false },
	{ "fd00:5::1:7/112", "fd00:5::1:0/112", true },
	{ "FD00::/8", "fd00::/8", false },
	{ "::ffff:198.18.3.0/120", "198.18.3.0/24", false },
	{ "::ffff:198.18.3.9/128", "198.18.3.9/32", false },
	{ "::ffff:198.18.3.0/95", NULL, false },
	{ "198.18.1.0/33", NULL, false },
	{ "198.18.1.0/", NULL, false },
	{ "198.18.1.0", NULL, false },
	{ "198.18.1.0/024", NULL, false },
	{ "198.18.1.0/-1", NULL, false },
	{ "198.18.1.0/2x", NULL, false },
	{ "198.18.1/24", NULL, false },
	{ "fd00::/129", NULL, false },
	{ "fd00::/1000", NULL, false },
	{ "", NULL, false },
	{ "/24", NULL, false },
	{ "hello/8", NULL, false },
};

static void
test_cidr_parse(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(cidr_cases) / sizeof(cidr_cases[0]); i++) {
		const struct cidr_case *tc = &cidr_cases[i];
		char buf[ADDR_STRLEN];
		struct cidr c;
		bool hb = !tc->host_bits;
		int r = cidr_parse(tc->in, strlen(tc->in), &c, &hb);

		if (tc->out == NULL) {
			if (r != -1)
				fail_msg("accepted \"%s\"", tc->in);
			continue;
		}
		if (r != 0)
			fail_msg("rejected \"%s\"", tc->in);
		assert_string_equal(cidr_format(&c, buf), tc->out);
		assert_int_equal(hb, tc->host_bits);
	}
}

static void
test_addr_parse(void **state)
{
	char buf[ADDR_STRLEN];
	struct addr a;

	assert_int_equal(addr_parse(" 192.0.2.3 ", 11, &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_string_equal(addr_format(&a, buf), "192.0.2.3");
	assert_int_equal(addr_parse("::ffff:192.0.2.3", 16, &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_string_equal(addr_format(&a, buf), "192.0.2.3");
	assert_int_equal(addr_parse("1000::1:c0a8:203", 16, &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_false(addr_is_v6_linklocal(&a));
	assert_int_equal(addr_parse("fe80::1", 7, &a), 0);
	assert_true(addr_is_v6_linklocal(&a));
	/* The length bounds the text: the tail is not part of the address. */
	assert_int_equal(addr_parse("192.0.2.3garbage", 9, &a), 0);
	assert_int_equal(addr_parse("192.0.2.3/32", 12, &a), -1);
	assert_int_equal(addr_parse("", 0, &a), -1);
	assert_int_equal(addr_parse("192.0.2.256", 11, &a), -1);
	assert_int_equal(addr_parse("1.2.3.4\0", 8, &a), -1);
}

static void
test_cidr_contains(void **state)
{
	struct cidr outer, inner;

	assert_int_equal(cidr_parse("198.18.0.0/15", 13, &outer, NULL), 0);
	assert_int_equal(cidr_parse("198.19.4.0/24", 13, &inner, NULL), 0);
	assert_true(cidr_contains(&outer, &inner));
	assert_false(cidr_contains(&inner, &outer));
	assert_int_equal(cidr_parse("198.20.0.0/24", 13, &inner, NULL), 0);
	assert_false(cidr_contains(&outer, &inner));
	assert_int_equal(cidr_parse("fd00::/8", 8, &outer, NULL), 0);
	assert_false(cidr_contains(&outer, &inner));
	assert_int_equal(cidr_parse("fd00:1::/64", 11, &inner, NULL), 0);
	assert_true(cidr_contains(&outer, &inner));
	assert_int_equal(cidr_parse("0.0.0.0/0", 9, &outer, NULL), 0);
	assert_int_equal(cidr_parse("198.20.0.1/32", 13, &inner, NULL), 0);
	assert_true(cidr_contains(&outer, &inner));
}

struct collect {
	char items[4][32];
	int n;
};

static int
collect_item(const char *item, size_t len, void *arg)
{
	struct collect *c = arg;

	if (c->n == 4)
		return -1;
	snprintf(c->items[c->n++], 32, "%.*s", (int)len, item);
	return 0;
}

static void
test_list_each(void **state)
{
	const char *s = " 192.168.55.0/26 ,, fd00:5::1:0/112 ,";
	struct collect c = { .n = 0 };

	assert_int_equal(addr_list_each(s, strlen(s), collect_item, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.items[0], "192.168.55.0/26");
	assert_string_equal(c.items[1], "fd00:5::1:0/112");
	c.n = 0;
	assert_int_equal(addr_list_each("a,b,c,d,e", 9, collect_item, &c), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cidr_parse),
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_cidr_contains),
		cmocka_unit_test(test_list_each),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
