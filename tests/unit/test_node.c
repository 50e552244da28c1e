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

#include "node.h"

#define ANN_C "cidr.example.com/net3"
#define ANN_A "adr.example.com/net3"

struct node_case {
	const char *name;	/* of the case */
	const char *json;
	bool annotations;	/* decode with ANN_C / ANN_A */
	int ret;
	const char *cidr4, *cidr6, *via4, *via6;	/* NULL: none */
	bool deleting;
	const char *note;	/* "" exact; else a substring */
};

#define META(extra) "\"metadata\":{\"name\":\"n1\",\"resourceVersion\":\"7\"," \
	"\"creationTimestamp\":\"2026-01-02T03:04:05Z\"" extra "}"
#define ADDRS "\"status\":{\"addresses\":[{\"type\":\"Hostname\"," \
	"\"address\":\"n1\"},{\"type\":\"ExternalIP\",\"address\":\"203.0.113.1\"}," \
	"{\"type\":\"InternalIP\",\"address\":\"192.0.2.1\"}," \
	"{\"type\":\"InternalIP\",\"address\":\"2001:db8::1\"}," \
	"{\"type\":\"InternalIP\",\"address\":\"192.0.2.99\"}]}"
#define ANNS(c, a) ",\"annotations\":{\"" ANN_C "\":\"" c "\",\"" ANN_A "\":\"" a "\"}"

static const struct node_case cases[] = {
	{ "one peer, dual stack",
	  "{" META("") ",\"spec\":{\"podCIDRs\":[\"198.18.1.0/24\",\"fd00:1::/64\"]}," ADDRS "}",
	  false, 0, "198.18.1.0/24", "fd00:1::/64", "192.0.2.1", "2001:db8::1", false, "" },
	{ "IPv4-mapped CIDR counts as IPv4",
	  "{" META("") ",\"spec\":{\"podCIDRs\":[\"::ffff:198.18.3.0/120\"]}," ADDRS "}",
	  false, 0, "198.18.3.0/24", NULL, "192.0.2.1", "2001:db8::1", false, "" },
	{ "IPv4-mapped then IPv4: the second is the same family",
	  "{" META("") ",\"spec\":{\"podCIDRs\":[\"::ffff:198.18.3.0/120\",\"198.18.4.0/24\"]}," ADDRS "}",
	  false, 0, "198.18.3.0/24", NULL, "192.0.2.1", "2001:db8::1", false,
	  "second IPv4 CIDR 198.18.4.0/24 in spec.podCIDRs ignored" },
	{ "host bits are masked",
	  "{" META("") ",\"spec\":{\"podCIDRs\":[\"198.18.1.7/24\"]}," ADDRS "}",
	  false, 0, "198.18.1.0/24", NULL, "192.0.2.1", "2001:db8::1", false, "" },
	{ "annotation overrides spec",
	  "{" META(ANNS("198.18.5.0/24", "192.0.2.5")) ",\"spec\":{\"podCIDRs\":[\"198.18.1.0/24\"]}," ADDRS "}",
	  true, 0, "198.18.5.0/24", NULL, "192.0.2.5", NULL, false, "" },
	{ "missing annotation does not fall back to spec",
	  "{" META("") ",\"spec\":{\"podCIDRs\":[\"198.18.1.0/24\"]}," ADDRS "}",
	  true, 0, NULL, NULL, NULL, NULL, false, "no annotation " ANN_C },
	{ "same family twice",
	  "{" META("") ",\"spec\":{\"podCIDRs\":[\"198.18.1.0/24\",\"198.18.2.0/24\"]}," ADDRS "}",
	  false, 0, "198.18.1.0/24", NULL, "192.0.2.1", "2001:db8::1", false,
	  "second IPv4 CIDR 198.18.2.0/24 in spec.podCIDRs ignored" },
	{ "three CIDRs in the annotation",
	  "{" META(ANNS("198.18.1.0/24,fd00:1::/64,198.18.9.0/24", "192.0.2.3,2001:db8::3")) "}",
	  true, 0, "198.18.1.0/24", "fd00:1::/64", "192.0.2.3", "2001:db8::3", false,
	  "second IPv4 CIDR 198.18.9.0/24 in annotation ignored" },
	{ "no same-family nexthop",
	  "{" META(ANNS("fd00:1::/64,198.18.1.0/24", "192.0.2.3")) "}",
	  true, 0, "198.18.1.0/24", "fd00:1::/64", "192.0.2.3", NULL, false,
	  "no IPv6 address for fd00:1::/64" },
	{ "malformed CIDR",
	  "{" META("") ",\"spec\":{\"podCIDRs\":[\"198.18.1.0/33\",\"fd00:1::/64\"]}," ADDRS "}",
	  false, 0, NULL, "fd00:1::/64", "192.0.2.1", "2001:db8::1", false,
	  "malformed CIDR \"198.18.1.0/33\" in spec.podCIDRs" },
	{ "malformed address is skipped",
	  "{" META(ANNS("198.18.1.0/24", "192.0.2.300, 192.0.2.4")) "}",
	  true, 0, "198.18.1.0/24", NULL, "192.0.2.4", NULL, false,
	  "malformed address \"192.0.2.300\" in annotation" },
	{ "blanks in the annotation",
	  "{" META(ANNS(" 198.18.1.0/24 ,\\t fd00:1::/64 ,", "  192.0.2.3 , 2001:db8::3")) "}",
	  true, 0, "198.18.1.0/24", "fd00:1::/64", "192.0.2.3", "2001:db8::3", false, "" },
	{ "podCIDR fallback",
	  "{" META("") ",\"spec\":{\"podCIDR\":\"198.18.7.0/24\"}," ADDRS "}",
	  false, 0, "198.18.7.0/24", NULL, "192.0.2.1", "2001:db8::1", false, "" },
	{ "empty podCIDRs falls back to podCIDR",
	  "{" META("") ",\"spec\":{\"podCIDRs\":[],\"podCIDR\":\"198.18.7.0/24\"}," ADDRS "}",
	  false, 0, "198.18.7.0/24", NULL, "192.0.2.1", "2001:db8::1", false, "" },
	{ "a comma list in one podCIDRs entry is malformed",
	  "{" META("") ",\"spec\":{\"podCIDRs\":[\"198.18.1.0/24,fd00::/64\"]}," ADDRS "}",
	  false, 0, NULL, NULL, "192.0.2.1", "2001:db8::1", false, "malformed CIDR" },
	{ "link-local IPv6 nexthop",
	  "{" META(ANNS("fd00:1::/64", "fe80::1")) "}",
	  true, 0, NULL, "fd00:1::/64", NULL, "fe80::1", false, "" },
	{ "no CIDR at all",
	  "{" META("") ",\"spec\":{}," ADDRS "}",
	  false, 0, NULL, NULL, "192.0.2.1", "2001:db8::1", false, "no pod CIDR" },
	{ "a default route is never taken",
	  "{" META("") ",\"spec\":{\"podCIDRs\":[\"0.0.0.0/0\"]}," ADDRS "}",
	  false, 0, NULL, NULL, "192.0.2.1", "2001:db8::1", false,
	  "CIDR 0.0.0.0/0 in spec.podCIDRs ignored" },
	{ "deleting node",
	  "{" META(",\"deletionTimestamp\":\"2026-01-02T04:00:00Z\"") ",\"spec\":{\"podCIDRs\":[\"198.18.1.0/24\"]}," ADDRS "}",
	  false, 0, "198.18.1.0/24", NULL, "192.0.2.1", "2001:db8::1", true, "" },
	{ "wrong types everywhere",
	  "{" META(",\"annotations\":[1]") ",\"spec\":{\"podCIDRs\":\"198.18.1.0/24\",\"podCIDR\":7},"
	  "\"status\":{\"addresses\":{\"type\":\"InternalIP\"}}}",
	  false, 0, NULL, NULL, NULL, NULL, false, "no pod CIDR" },
	{ "non-string entries",
	  "{" META("") ",\"spec\":{\"podCIDRs\":[5,\"198.18.1.0/24\"]},"
	  "\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":null},"
	  "{\"type\":\"InternalIP\",\"address\":\"192.0.2.1\"}]}}",
	  false, 0, "198.18.1.0/24", NULL, "192.0.2.1", NULL, false,
	  "non-string CIDR in spec.podCIDRs; InternalIP without address" },
	{ "annotation values of the wrong type",
	  "{\"metadata\":{\"name\":\"n1\",\"annotations\":{\"" ANN_C "\":5}}}",
	  true, 0, NULL, NULL, NULL, NULL, false, "no annotation " ANN_C },
	{ "no name",
	  "{\"metadata\":{\"uid\":\"x\"},\"spec\":{\"podCIDRs\":[\"198.18.1.0/24\"]}}",
	  false, -1, NULL, NULL, NULL, NULL, false, "metadata.name" },
	{ "name of the wrong type",
	  "{\"metadata\":{\"name\":5}}", false, -1, NULL, NULL, NULL, NULL, false,
	  "metadata.name" },
	{ "not an object", "[1,2]", false, -1, NULL, NULL, NULL, NULL, false,
	  "metadata.name" },
};

static void
check_cidr(const char *what, bool has, const struct cidr *c, const char *want)
{
	char buf[ADDR_STRLEN];

	if (want == NULL) {
		if (has)
			fail_msg("%s: unexpected %s", what, cidr_format(c, buf));
		return;
	}
	if (!has)
		fail_msg("%s: missing, want %s", what, want);
	assert_string_equal(cidr_format(c, buf), want);
}

static void
check_addr(const char *what, bool has, const struct addr *a, const char *want)
{
	char buf[ADDR_STRLEN];

	if (want == NULL) {
		if (has)
			fail_msg("%s: unexpected %s", what, addr_format(a, buf));
		return;
	}
	if (!has)
		fail_msg("%s: missing, want %s", what, want);
	assert_string_equal(addr_format(a, buf), want);
}

static void
test_decode(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct node_case *tc = &cases[i];
		cJSON *j = cJSON_Parse(tc->json);
		struct node_rec rec;
		int r;

		print_message("# %s\n", tc->name);
		assert_non_null(j);
		r = node_decode(j, tc->annotations ? ANN_C : NULL,
		    tc->annotations ? ANN_A : NULL, &rec);
		cJSON_Delete(j);
		assert_int_equal(r, tc->ret);
		if (tc->note[0] == '\0')
			assert_string_equal(rec.note, "");
		else if (strstr(rec.note, tc->note) == NULL)
			fail_msg("note \"%s\" lacks \"%s\"", rec.note, tc->note);
		if (r < 0)
			continue;
		assert_string_equal(rec.name, "n1");
		check_cidr("cidr4", rec.has_cidr[NODE_V4], &rec.cidr[NODE_V4], tc->cidr4);
		check_cidr("cidr6", rec.has_cidr[NODE_V6], &rec.cidr[NODE_V6], tc->cidr6);
		check_addr("via4", rec.has_via[NODE_V4], &rec.via[NODE_V4], tc->via4);
		check_addr("via6", rec.has_via[NODE_V6], &rec.via[NODE_V6], tc->via6);
		assert_int_equal(rec.deleting, tc->deleting);
	}
}

static void
test_times(void **state)
{
	static const struct {
		const char *ts;
		int64_t want;
	} tcs[] = {
		{ "2026-01-02T03:04:05Z", 1767323045 },
		{ "2026-01-02T03:04:05.123Z", 1767323045 },
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2026-01-02T03:04:05+01:00", NODE_CREATED_UNKNOWN },
		{ "yesterday", NODE_CREATED_UNKNOWN },
	};
	size_t i;

	for (i = 0; i < sizeof(tcs) / sizeof(tcs[0]); i++) {
		char json[256];
		cJSON *j;
		struct node_rec rec;

		snprintf(json, sizeof(json), "{\"metadata\":{\"name\":\"n1\","
		    "\"resourceVersion\":\"42\",\"creationTimestamp\":\"%s\"}}",
		    tcs[i].ts);
		j = cJSON_Parse(json);
		assert_int_equal(node_decode(j, NULL, NULL, &rec), 0);
		cJSON_Delete(j);
		assert_true(rec.created == tcs[i].want);
		assert_string_equal(rec.resource_version, "42");
		if (tcs[i].want == NODE_CREATED_UNKNOWN)
			assert_non_null(strstr(rec.note, "creationTimestamp"));
	}
}

static void
test_routable(void **state)
{
	cJSON *j = cJSON_Parse("{" META(ANNS("fd00:1::/64,198.18.1.0/24", "192.0.2.3")) "}");
	struct node_rec rec;

	assert_int_equal(node_decode(j, ANN_C, ANN_A, &rec), 0);
	cJSON_Delete(j);
	assert_true(node_routable(&rec, NODE_V4));
	assert_false(node_routable(&rec, NODE_V6));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_routable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
