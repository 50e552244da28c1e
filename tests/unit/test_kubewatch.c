#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kube.h"

/* What the splitter delivered, lines joined with "|". */
struct got {
	char s[4096];
	int n;
};

static int
collect(void *arg, const char *line, size_t len)
{
	struct got *g = arg;
	size_t l = strlen(g->s);

	assert_true(l + len + 2 < sizeof(g->s));
	if (g->n++ > 0)
		g->s[l++] = '|';
	memcpy(g->s + l, line, len);
	g->s[l + len] = '\0';
	return 0;
}

static const char stream[] =
    "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"1\"}}}\n"
    "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":\"2\"}}}\r\n"
    "\n"
    "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"3\"}}}\n";

static const char expect[] =
    "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"1\"}}}|"
    "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":\"2\"}}}|"
    "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"3\"}}}";

/* Any split into three pieces gives the same lines. */
static void
test_split_everywhere(void **state)
{
	size_t len = sizeof(stream) - 1, i, j;
	struct kube_lines l;

	for (i = 0; i <= len; i++)
		for (j = i; j <= len; j++) {
			struct got g = { 0 };

			kube_lines_init(&l, 1024);
			assert_int_equal(kube_lines_feed(&l, stream, i, collect, &g), 0);
			assert_int_equal(kube_lines_feed(&l, stream + i, j - i,
			    collect, &g), 0);
			assert_int_equal(kube_lines_feed(&l, stream + j, len - j,
			    collect, &g), 0);
			assert_string_equal(g.s, expect);
			assert_int_equal(l.len, 0);
			kube_lines_free(&l);
		}
}

static void
test_byte_at_a_time(void **state)
{
	struct kube_lines l;
	struct got g = { 0 };
	size_t i;

	kube_lines_init(&l, 1024);
	for (i = 0; i < sizeof(stream) - 1; i++)
		assert_int_equal(kube_lines_feed(&l, stream + i, 1, collect, &g), 0);
	assert_string_equal(g.s, expect);
	assert_int_equal(g.n, 3);
	kube_lines_free(&l);
}

/* A partial last line stays pending and is not delivered. */
static void
test_partial_tail(void **state)
{
	struct kube_lines l;
	struct got g = { 0 };

	kube_lines_init(&l, 64);
	assert_int_equal(kube_lines_feed(&l, "one\ntw", 6, collect, &g), 0);
	assert_string_equal(g.s, "one");
	assert_int_equal(l.len, 2);
	kube_lines_reset(&l);
	assert_int_equal(kube_lines_feed(&l, "three\n", 6, collect, &g), 0);
	assert_string_equal(g.s, "one|three");
	kube_lines_free(&l);
}

/* An overlong line is dropped without being buffered, in one chunk or
 * many, and the lines around it survive. */
static void
test_overlong(void **state)
{
	char big[100];
	struct kube_lines l;
	struct got g = { 0 };
	size_t i;

	memset(big, 'x', sizeof(big));
	kube_lines_init(&l, 16);
	assert_int_equal(kube_lines_feed(&l, "0123456789abcdef\n", 17, collect,
	    &g), 0);	/* exactly max */
	assert_int_equal(kube_lines_feed(&l, "a\n", 2, collect, &g), 0);
	for (i = 0; i < 10; i++) {
		int rc = kube_lines_feed(&l, big, 10, collect, &g);

		/* -1 once the line passes the bound; then silence. */
		assert_int_equal(rc, i == 1 ? -1 : 0);
		assert_true(l.cap <= 16);
	}
	assert_int_equal(kube_lines_feed(&l, "tail\nb\n", 7, collect, &g), 0);
	assert_string_equal(g.s, "0123456789abcdef|a|b");

	/* All in one chunk. */
	memset(&g, 0, sizeof(g));
	kube_lines_reset(&l);
	{
		char chunk[200];

		snprintf(chunk, sizeof(chunk), "c\n%.*s\nd\n", 50, big);
		assert_int_equal(kube_lines_feed(&l, chunk, strlen(chunk),
		    collect, &g), -1);
	}
	assert_string_equal(g.s, "c|d");
	/* Overflow while completing a buffered line. */
	memset(&g, 0, sizeof(g));
	assert_int_equal(kube_lines_feed(&l, big, 10, collect, &g), 0);
	assert_int_equal(kube_lines_feed(&l, "0123456789\ne\n", 13, collect, &g), -1);
	assert_string_equal(g.s, "e");
	assert_int_equal(l.len, 0);
	assert_false(l.discarding);
	kube_lines_free(&l);
}

static int
stop_at_second(void *arg, const char *line, size_t len)
{
	return ++*(int *)arg == 2 ? 7 : 0;
}

static void
test_callback_stops(void **state)
{
	struct kube_lines l;
	int n = 0;

	kube_lines_init(&l, 64);
	assert_int_equal(kube_lines_feed(&l, "a\nb\nc\n", 6, stop_at_second, &n), 7);
	assert_int_equal(n, 2);
	kube_lines_free(&l);
}

static void
decode_ok(const char *line, struct kube_event *ev)
{
	char err[128];

	if (kube_event_decode(line, strlen(line), ev, err, sizeof(err)) < 0)
		fail_msg("%s: %s", line, err);
}

static void
decode_bad(const char *line, const char *msg)
{
	struct kube_event ev;
	char err[128];

	assert_int_equal(kube_event_decode(line, strlen(line), &ev, err,
	    sizeof(err)), -1);
	assert_null(ev.root);
	if (strstr(err, msg) == NULL)
		fail_msg("%s: \"%s\" lacks \"%s\"", line, err, msg);
}

static void
test_decode(void **state)
{
	struct kube_event ev;
	const cJSON *name;

	decode_ok("{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Node\",\"metadata\":"
	    "{\"name\":\"n1\",\"resourceVersion\":\"42\"}}}", &ev);
	assert_int_equal(ev.type, KUBE_MODIFIED);
	assert_string_equal(ev.rv, "42");
	name = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    ev.object, "metadata"), "name");
	assert_string_equal(name->valuestring, "n1");
	kube_event_free(&ev);

	decode_ok("{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Node\",\"metadata\":"
	    "{\"resourceVersion\":\"99\",\"annotations\":{\"k8s.io/initial-events-end\":"
	    "\"true\"}}}}", &ev);
	assert_int_equal(ev.type, KUBE_BOOKMARK);
	assert_string_equal(ev.rv, "99");
	kube_event_free(&ev);

	decode_ok("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"status\":"
	    "\"Failure\",\"message\":\"too old resource version: 1 (5)\","
	    "\"reason\":\"Expired\",\"code\":410}}", &ev);
	assert_int_equal(ev.type, KUBE_ERROR);
	assert_int_equal(ev.code, 410);
	assert_string_equal(ev.message, "too old resource version: 1 (5)");
	assert_null(ev.rv);
	kube_event_free(&ev);

	decode_ok("{\"type\":\"ERROR\",\"object\":{}}", &ev);
	assert_int_equal(ev.code, 0);
	assert_null(ev.message);
	kube_event_free(&ev);

	decode_bad("{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"resourceVersion\":\"1\"}", "not a JSON object");
	decode_bad("this is not json", "not a JSON object");
	decode_bad("[1,2]", "not a JSON object");
	decode_bad("{\"object\":{}}", "without a type");
	decode_bad("{\"type\":7,\"object\":{}}", "without a type");
	decode_bad("{\"type\":\"RENAMED\",\"object\":{}}", "unknown type RENAMED");
	decode_bad("{\"type\":\"ADDED\"}", "ADDED event without an object");
	decode_bad("{\"type\":\"DELETED\",\"object\":\"x\"}", "without an object");
	decode_bad("{\"type\":\"ADDED\",\"object\":{\"metadata\":{}}}",
	    "without metadata.resourceVersion");
	decode_bad("{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":"
	    "{\"resourceVersion\":5}}}", "without metadata.resourceVersion");
	decode_bad("{\"type\":\"ADDED\",\"object\":{\"metadata\":"
	    "{\"resourceVersion\":\"\"}}}", "without metadata.resourceVersion");
}

/* The decoder honours the length, not a NUL: a line is a slice. */
static void
test_decode_slice(void **state)
{
	const char two[] = "{\"type\":\"ADDED\",\"object\":{\"metadata\":"
	    "{\"resourceVersion\":\"1\"}}}{garbage";
	struct kube_event ev;
	char err[64];

	assert_int_equal(kube_event_decode(two, sizeof(two) - 1 - 8, &ev, err,
	    sizeof(err)), 0);
	assert_string_equal(ev.rv, "1");
	kube_event_free(&ev);
	assert_int_equal(kube_event_decode(two, 10, &ev, err, sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_everywhere),
		cmocka_unit_test(test_byte_at_a_time),
		cmocka_unit_test(test_partial_tail),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_decode_slice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
