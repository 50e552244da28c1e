/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "log.h"

static const struct {
	const char *in, *out;
} cases[] = {
	{ "plain text", "plain text" },
	{ "x\nxcni-supervisor: error: forged", "x\\nxcni-supervisor: error: forged" },
	{ "\x1b[31mred\r\t", "\\x1b[31mred\\r\\t" },
	{ "del\x7f", "del\\x7f" },
	{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
	/* C1 CSI, a lone continuation byte, a cut sequence, an overlong
	 * "/", a surrogate, beyond U+10FFFF */
	{ "\xc2\x9b" "2J", "\\xc2\\x9b2J" },
	{ "a\x80z", "a\\x80z" },
	{ "a\xe2\x82", "a\\xe2\\x82" },
	{ "\xc0\xaf", "\\xc0\\xaf" },
	{ "\xed\xa0\x80", "\\xed\\xa0\\x80" },
	{ "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80" },
};

static void
test_escape(void **state)
{
	char out[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		log_escape(cases[i].in, out, sizeof(out));
		assert_string_equal(out, cases[i].out);
	}
}

/* A full buffer ends in LOG_CUT, never in half an escape. */
static void
test_cut(void **state)
{
	char out[12];

	log_escape("0123456789abcdef", out, sizeof(out));
	assert_string_equal(out, "01234567...");
	log_escape("0123456\n89", out, sizeof(out));
	assert_string_equal(out, "0123456...");
	log_escape("01234567", out, sizeof(out));
	assert_string_equal(out, "01234567");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
