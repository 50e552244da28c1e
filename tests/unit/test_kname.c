/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kname.h"

static const char *const good[] = {
	"a", "node-1", "node-1.example.com", "0", "a-b--c", "1.2.3",
};

/* Each refused for its own reason. */
static const char *const bad[] = {
	"",			/* empty */
	"-a", "a-",		/* a label starts or ends with "-" */
	"a..b", ".a", "a.",	/* an empty label */
	"a.-b", "a-.b",		/* a label around a dot ends with "-" */
	"Node-1", "NODE",	/* upper case: the API server refuses it */
	"a_b", "a b", "a/b", "a:b", "\xc3\xa9",
};

static void
test_good(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(kname_node_valid(good[i]));
}

static void
test_bad(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("refused: \"%s\"\n", bad[i]);
		assert_false(kname_node_valid(bad[i]));
	}
}

static void
test_length(void **state)
{
	char s[KNAME_SUBDOMAIN_MAX + 2];

	(void)state;
	memset(s, 'a', sizeof(s));
	s[KNAME_SUBDOMAIN_MAX] = '\0';
	assert_true(kname_node_valid(s));
	s[KNAME_SUBDOMAIN_MAX] = 'a';
	s[KNAME_SUBDOMAIN_MAX + 1] = '\0';
	assert_false(kname_node_valid(s));
}

/* The length bounds what is judged: a prefix of a longer string. */
static void
test_subdomain_prefix(void **state)
{
	(void)state;
	assert_true(kname_subdomain_valid("example.com/name", 11));
	assert_false(kname_subdomain_valid("example.com/name", 12));
	assert_false(kname_subdomain_valid("example.", 8));
	assert_true(kname_subdomain_valid("example.", 7));
}

static void
test_host_node(void **state)
{
	char buf[1];

	(void)state;
	/* No room even for "": refused, never a cut name. */
	assert_int_equal(kname_host_node(buf, 0), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_subdomain_prefix),
		cmocka_unit_test(test_host_node),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
