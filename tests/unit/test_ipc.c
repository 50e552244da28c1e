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
#include <unistd.h>
#include <cmocka.h>

#include "ipc.h"

static char buf[IPC_MAX];

static int
pair_setup(void **state)
{
	int *sv = malloc(2 * sizeof(int));

	if (sv == NULL || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
		return -1;
	*state = sv;
	return 0;
}

static int
pair_teardown(void **state)
{
	int *sv = *state;

	close(sv[0]);
	close(sv[1]);
	free(sv);
	return 0;
}

static void
test_roundtrip(void **state)
{
	int *sv = *state;
	const char *type, *payload;
	size_t len;

	assert_int_equal(ipc_send(sv[0], IPC_READY, "routes=3 failed=0", 17), 0);
	assert_int_equal(ipc_send(sv[0], IPC_CREDS_REQ, "", 0), 0);
	assert_int_equal(ipc_recv(sv[1], buf, sizeof(buf), &type, &payload,
	    &len), 1);
	assert_string_equal(type, "ready");
	assert_string_equal(payload, "routes=3 failed=0");
	assert_int_equal(len, 17);
	/* Message boundaries hold: the second one arrives alone. */
	assert_int_equal(ipc_recv(sv[1], buf, sizeof(buf), &type, &payload,
	    &len), 1);
	assert_string_equal(type, "creds?");
	assert_int_equal(len, 0);
	close(sv[0]);
	sv[0] = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	assert_int_equal(ipc_recv(sv[1], buf, sizeof(buf), &type, &payload,
	    &len), 0);
}

static void
test_binary_payload(void **state)
{
	int *sv = *state;
	const char data[] = "a\0b\nc";
	const char *type, *payload;
	size_t len;

	assert_int_equal(ipc_send(sv[0], IPC_CREDS, data, 5), 0);
	assert_int_equal(ipc_recv(sv[1], buf, sizeof(buf), &type, &payload,
	    &len), 1);
	assert_string_equal(type, "creds");
	assert_int_equal(len, 5);
	assert_memory_equal(payload, data, 5);
}

static void
test_bad_messages(void **state)
{
	int *sv = *state;
	const char *type, *payload;
	char small[8];
	size_t len;

	assert_int_equal(send(sv[0], "no newline", 10, 0), 10);
	assert_int_equal(ipc_recv(sv[1], buf, sizeof(buf), &type, &payload,
	    &len), -1);
	assert_int_equal(errno, EBADMSG);
	assert_int_equal(send(sv[0], "\nempty type", 11, 0), 11);
	assert_int_equal(ipc_recv(sv[1], buf, sizeof(buf), &type, &payload,
	    &len), -1);
	assert_int_equal(errno, EBADMSG);
	/* Too long for the buffer: an error, never a truncated message. */
	assert_int_equal(ipc_send(sv[0], IPC_STATUS, "routes=12345", 12), 0);
	assert_int_equal(ipc_recv(sv[1], small, sizeof(small), &type,
	    &payload, &len), -1);
	assert_int_equal(errno, EMSGSIZE);
}

static void
test_too_large(void **state)
{
	int *sv = *state;
	char *big = calloc(1, IPC_MAX);

	assert_non_null(big);
	assert_int_equal(ipc_send(sv[0], IPC_CONFIG, big, IPC_MAX), -1);
	assert_int_equal(errno, EMSGSIZE);
	free(big);
}

static void
test_fields(void **state)
{
	const char *p = "routes=12 failed=0\naddresses=192.0.2.1,2001:db8::1 "
	    "xroutes=5 routes2=7 empty=";
	unsigned long v;
	const char *s;
	size_t len;

	assert_true(ipc_field_uint(p, "routes", &v));
	assert_int_equal(v, 12);
	assert_true(ipc_field_uint(p, "failed", &v));
	assert_int_equal(v, 0);
	s = ipc_field(p, "addresses", &len);
	assert_non_null(s);
	assert_int_equal(len, strlen("192.0.2.1,2001:db8::1"));
	assert_memory_equal(s, "192.0.2.1,2001:db8::1", len);
	s = ipc_field(p, "empty", &len);
	assert_non_null(s);
	assert_int_equal(len, 0);
	assert_false(ipc_field_uint(p, "empty", &v));
	assert_null(ipc_field(p, "outes", &len));
	assert_null(ipc_field(p, "missing", &len));
	assert_false(ipc_field_uint("routes=-1", "routes", &v));
	assert_false(ipc_field_uint("routes=12x", "routes", &v));
	assert_false(ipc_field_uint("routes=99999999999999999999999", "routes",
	    &v));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, pair_setup,
		    pair_teardown),
		cmocka_unit_test_setup_teardown(test_binary_payload, pair_setup,
		    pair_teardown),
		cmocka_unit_test_setup_teardown(test_bad_messages, pair_setup,
		    pair_teardown),
		cmocka_unit_test_setup_teardown(test_too_large, pair_setup,
		    pair_teardown),
		cmocka_unit_test(test_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
