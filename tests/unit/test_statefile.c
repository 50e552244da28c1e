/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "statefile.h"

static struct cidr
cidr(const char *s)
{
	struct cidr c;

	assert_int_equal(cidr_parse(s, strlen(s), &c, NULL), 0);
	return c;
}

/* What the worker writes, byte for byte: kube-node's tests and older
 * readers depend on it. */
static void
test_render(void **state)
{
	struct cidr c[2] = { cidr("198.18.0.0/24"), cidr("fd00::/64") };
	struct statefile sf = { "xcluster", "node-1", NULL, c, 2, "7", NULL };
	char *text = statefile_render(&sf);

	(void)state;
	assert_string_equal(text, "{\"network\":\"xcluster\",\"node\":\"node-1\","
	    "\"annotation\":null,\"cidrs\":[\"198.18.0.0/24\",\"fd00::/64\"],"
	    "\"resourceVersion\":\"7\"}");
	free(text);
	sf = (struct statefile){ "net3", "n", "cidr.example.com/net3", NULL, 0,
	    NULL, NULL };
	text = statefile_render(&sf);
	assert_string_equal(text, "{\"network\":\"net3\",\"node\":\"n\","
	    "\"annotation\":\"cidr.example.com/net3\",\"cidrs\":[]}");
	free(text);
}

static void
round_trip(const struct statefile *in)
{
	char *text = statefile_render(in), err[128];
	struct statefile out;
	size_t i;

	assert_non_null(text);
	assert_int_equal(statefile_parse(text, strlen(text), &out, err,
	    sizeof(err)), 0);
	assert_string_equal(out.network, in->network);
	assert_string_equal(out.node, in->node);
	if (in->annotation == NULL)
		assert_null(out.annotation);
	else
		assert_string_equal(out.annotation, in->annotation);
	if (in->resource_version == NULL)
		assert_null(out.resource_version);
	else
		assert_string_equal(out.resource_version,
		    in->resource_version);
	assert_int_equal(out.n_cidrs, in->n_cidrs);
	for (i = 0; i < in->n_cidrs; i++)
		assert_int_equal(cidr_cmp(&out.cidrs[i], &in->cidrs[i]), 0);
	statefile_free(&out);
	free(text);
}

/* Whatever is rendered parses back to the same, escapes included; the
 * reader takes several CIDRs of a family as written (judging is its
 * caller's). */
static void
test_round_trip(void **state)
{
	struct cidr c[3] = { cidr("fd00:1::/64"), cidr("198.18.1.0/24"),
	    cidr("198.18.2.0/24") };
	struct statefile cases[] = {
		{ "xcluster", "node-1", NULL, c, 2, "123", NULL },
		{ "net3", "node-1.example.com", "cidr.example.com/net3", c, 3,
		    NULL, NULL },
		{ "a\"b\\\n", "n\x01", "", NULL, 0, "", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		round_trip(&cases[i]);
}

static const struct {
	const char *text;
	const char *why;
} refused[] = {
	{ "", "not a JSON object" },
	{ "{\"network\":", "not a JSON object" },
	{ "[]", "not a JSON object" },
	{ "\"x\"", "not a JSON object" },
	{ "{\"node\":\"n\",\"annotation\":null,\"cidrs\":[]}",
	  "network: missing or not a string" },
	{ "{\"network\":1,\"node\":\"n\",\"annotation\":null,\"cidrs\":[]}",
	  "network: missing or not a string" },
	{ "{\"network\":\"x\",\"annotation\":null,\"cidrs\":[]}",
	  "node: missing or not a string" },
	{ "{\"network\":\"x\",\"node\":null,\"annotation\":null,\"cidrs\":[]}",
	  "node: missing or not a string" },
	{ "{\"network\":\"x\",\"node\":\"n\",\"cidrs\":[]}",
	  "annotation: missing or not a string or null" },
	{ "{\"network\":\"x\",\"node\":\"n\",\"annotation\":[],\"cidrs\":[]}",
	  "annotation: missing or not a string or null" },
	{ "{\"network\":\"x\",\"node\":\"n\",\"annotation\":null}",
	  "cidrs: not a list" },
	{ "{\"network\":\"x\",\"node\":\"n\",\"annotation\":null,"
	  "\"cidrs\":\"198.18.0.0/24\"}", "cidrs: not a list" },
	{ "{\"network\":\"x\",\"node\":\"n\",\"annotation\":null,"
	  "\"cidrs\":[\"198.18.0.0/24\",\"x\"]}", "cidrs: an item is not a CIDR" },
	{ "{\"network\":\"x\",\"node\":\"n\",\"annotation\":null,"
	  "\"cidrs\":[\"198.18.0.1\"]}", "cidrs: an item is not a CIDR" },
	{ "{\"network\":\"x\",\"node\":\"n\",\"annotation\":null,"
	  "\"cidrs\":[24]}", "cidrs: an item is not a CIDR" },
};

static void
test_refused(void **state)
{
	struct statefile sf;
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		print_message("%s\n", refused[i].text);
		memset(&sf, 0xa5, sizeof(sf));
		errno = 0;
		assert_int_equal(statefile_parse(refused[i].text,
		    strlen(refused[i].text), &sf, err, sizeof(err)), -1);
		assert_int_equal(errno, EINVAL);
		assert_string_equal(err, refused[i].why);
		/* Nothing is left to free or to use. */
		assert_null(sf.network);
		assert_null(sf.priv);
		assert_int_equal(sf.n_cidrs, 0);
		statefile_free(&sf);
	}
}

/* A reader reads what it does not know past: the format may grow. */
static void
test_extra_members(void **state)
{
	static const char text[] = "{\"network\":\"x\",\"node\":\"n\","
	    "\"annotation\":null,\"cidrs\":[],\"resourceVersion\":5,"
	    "\"future\":{}}";
	struct statefile sf;
	char err[128];

	(void)state;
	assert_int_equal(statefile_parse(text, strlen(text), &sf, err,
	    sizeof(err)), 0);
	assert_null(sf.resource_version);
	assert_int_equal(sf.n_cidrs, 0);
	statefile_free(&sf);
	statefile_free(&sf);	/* an empty one is fine */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_extra_members),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
