/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "util.h"

/* The published FNV-1a 32-bit test vectors, and a hash continued over
 * two pieces equal to the hash of the whole. */
static void
test_fnv1a(void **state)
{
	assert_int_equal(fnv1a(FNV1A_INIT, "", 0), 0x811c9dc5u);
	assert_int_equal(fnv1a(FNV1A_INIT, "a", 1), 0xe40c292cu);
	assert_int_equal(fnv1a(FNV1A_INIT, "foobar", 6), 0xbf9cf968u);
	assert_int_equal(fnv1a(fnv1a(FNV1A_INIT, "foo", 3), "bar", 3),
	    0xbf9cf968u);
}

/* clock_ms is the clock in milliseconds, and now_ms the monotonic one. */
static void
test_clock_ms(void **state)
{
	struct timespec ts;
	uint64_t before, ms, mono;
	int64_t now;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	before = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	ms = clock_ms(CLOCK_BOOTTIME);
	assert_true(ms >= before && ms - before < 1000);
	mono = clock_ms(CLOCK_MONOTONIC);
	now = now_ms();
	assert_true(now >= 0 && (uint64_t)now >= mono &&
	    (uint64_t)now - mono < 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fnv1a),
		cmocka_unit_test(test_clock_ms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
