/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kubestream.h"

/* What the splitter delivered, lines joined with "|". */
struct got {
	char s[4096];
	int n;
};

/* A line over the bound shows as "!" and the first bytes it came with. */
static int
collect(void *arg, const char *line, size_t len, bool whole)
{
	struct got *g = arg;
	size_t l = strlen(g->s);

	assert_true(l + len + 3 < sizeof(g->s));
	if (g->n++ > 0)
		g->s[l++] = '|';
	if (!whole)
		g->s[l++] = '!';
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

/* An overlong line is handed over as its first max bytes, never buffered
 * whole, in one chunk or many, and the lines around it survive. */
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
		assert_int_equal(kube_lines_feed(&l, big, 10, collect, &g), 0);
		assert_true(l.cap <= 16);
	}
	assert_int_equal(kube_lines_feed(&l, "tail\nb\n", 7, collect, &g), 0);
	assert_string_equal(g.s, "0123456789abcdef|a|!xxxxxxxxxxxxxxxx|b");

	/* All in one chunk. */
	memset(&g, 0, sizeof(g));
	kube_lines_reset(&l);
	{
		char chunk[200];

		snprintf(chunk, sizeof(chunk), "c\n%.*s\nd\n", 50, big);
		assert_int_equal(kube_lines_feed(&l, chunk, strlen(chunk),
		    collect, &g), 0);
	}
	assert_string_equal(g.s, "c|!xxxxxxxxxxxxxxxx|d");
	/* Overflow while completing a buffered line. */
	memset(&g, 0, sizeof(g));
	assert_int_equal(kube_lines_feed(&l, big, 10, collect, &g), 0);
	assert_int_equal(kube_lines_feed(&l, "0123456789\ne\n", 13, collect, &g), 0);
	assert_string_equal(g.s, "!xxxxxxxxxx012345|e");
	assert_int_equal(l.len, 0);
	assert_false(l.discarding);
	kube_lines_free(&l);
}

static int
stop_at_second(void *arg, const char *line, size_t len, bool whole)
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

	if (kube_event_decode(line, strlen(line), NULL, ev, err,
	    sizeof(err)) < 0)
		fail_msg("%s: %s", line, err);
}

static void
decode_bad(const char *line, const char *msg)
{
	struct kube_event ev;
	char err[128];

	assert_int_equal(kube_event_decode(line, strlen(line), NULL, &ev, err,
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

	assert_int_equal(kube_event_decode(two, sizeof(two) - 1 - 8, NULL, &ev,
	    err, sizeof(err)), 0);
	assert_string_equal(ev.rv, "1");
	kube_event_free(&ev);
	assert_int_equal(kube_event_decode(two, 10, NULL, &ev, err,
	    sizeof(err)), -1);
}

/* A bad element shows as "!why:name". */
static int
collect_item(void *arg, const cJSON *item, const struct kube_bad *bad)
{
	char *s;
	int rc;

	if (bad != NULL) {
		char b[512];

		snprintf(b, sizeof(b), "%s:%s", bad->why, bad->name);
		return collect(arg, b, strlen(b), false);
	}
	s = cJSON_PrintUnformatted(item);
	rc = collect(arg, s, strlen(s), true);
	free(s);
	return rc;
}

/* Brackets and the word items inside strings, a nested "items" key, a
 * non-object element: only the top-level items' objects come out. */
static const char list[] =
    "{\"kind\":\"NodeList\",\"metadata\":{\"resourceVersion\":\"7\","
    "\"continue\":\"c]\\\"[{\",\"items\":[{\"no\":1}]},\"items\" : [ "
    "{\"metadata\":{\"name\":\"a]}\\\"\"},\"items\":[{\"x\":1}]},"
    "\"skip\",[{\"y\":2}],"
    "{\"metadata\":{\"name\":\"b\"}}\n],\"tail\":[1]}";

static const char list_items[] =
    "{\"metadata\":{\"name\":\"a]}\\\"\"},\"items\":[{\"x\":1}]}|"
    "{\"metadata\":{\"name\":\"b\"}}";

static void
check_rest(struct kube_listdec *d)
{
	cJSON *root = kube_listdec_finish(d);
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(root, "metadata");

	assert_non_null(root);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(md,
	    "continue")->valuestring, "c]\"[{");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
	    root, "items")), 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
	    root, "tail")), 1);
	cJSON_Delete(root);
}

static void
test_listdec_split_everywhere(void **state)
{
	size_t len = sizeof(list) - 1, i, j;
	struct kube_listdec d;

	for (i = 0; i <= len; i++)
		for (j = i; j <= len; j++) {
			struct got g = { 0 };

			kube_listdec_init(&d, 256);
			assert_int_equal(kube_listdec_feed(&d, list, i,
			    collect_item, &g), 0);
			assert_int_equal(kube_listdec_feed(&d, list + i, j - i,
			    collect_item, &g), 0);
			assert_int_equal(kube_listdec_feed(&d, list + j, len - j,
			    collect_item, &g), 0);
			assert_string_equal(g.s, list_items);
			check_rest(&d);
			kube_listdec_free(&d);
		}
}

static void
test_listdec_incomplete(void **state)
{
	struct kube_listdec d;
	struct got g = { 0 };
	size_t i;

	/* Every proper prefix is incomplete: never a finished list. */
	for (i = 0; i < sizeof(list) - 1; i++) {
		kube_listdec_init(&d, 256);
		assert_int_equal(kube_listdec_feed(&d, list, i, collect_item, &g), 0);
		assert_null(kube_listdec_finish(&d));
		kube_listdec_free(&d);
	}
	kube_listdec_init(&d, 256);
	assert_int_equal(kube_listdec_feed(&d, "{\"items\":[]}", 11,
	    collect_item, &g), 0);
	assert_null(kube_listdec_finish(&d));	/* no final '}' */
	kube_listdec_reset(&d);
	assert_int_equal(kube_listdec_feed(&d, "{\"items\":[]}", 12,
	    collect_item, &g), 0);
	cJSON_Delete(kube_listdec_finish(&d));
	kube_listdec_free(&d);
}

static void
test_listdec_errors(void **state)
{
	static const char *const bad[] = {
		"{\"items\":[]}}",			/* unbalanced */
		"]",
	};
	struct kube_listdec d;
	struct got g = { 0 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kube_listdec_init(&d, 256);
		assert_int_equal(kube_listdec_feed(&d, bad[i], strlen(bad[i]),
		    collect_item, &g), -1);
		kube_listdec_free(&d);
	}
	assert_int_equal(g.n, 0);
}

/* Elements that cannot be decoded (too large, a lone surrogate, not UTF-8,
 * not JSON) are skipped by name and the list goes on; the oversized one is
 * streamed past, never held whole. */
static void
test_listdec_bad_items(void **state)
{
	char text[2048];
	struct kube_listdec d;
	struct got g = { 0 };
	size_t i, len;
	cJSON *root;

	len = (size_t)snprintf(text, sizeof(text), "{\"metadata\":"
	    "{\"resourceVersion\":\"9\"},\"items\":["
	    "{\"metadata\":{\"name\":\"a\"}},"
	    "{\"metadata\":{\"name\":\"big\",\"annotations\":{\"p\":\"%0400d\"}}},"
	    "{\"metadata\":{\"name\":\"sur\",\"annotations\":{\"p\":\"\\ud800\"}}},"
	    "{\"metadata\":{\"name\":\"utf\",\"annotations\":{\"p\":\"\xc0\xaf\"}}},"
	    "{\"metadata\":{\"name\":\"syn\",\"x\":}},"
	    "{\"metadata\":{\"name\":\"e\"}}]}", 0);
	kube_listdec_init(&d, 100);
	for (i = 0; i < len; i += 7) {
		assert_int_equal(kube_listdec_feed(&d, text + i,
		    len - i < 7 ? len - i : 7, collect_item, &g), 0);
		assert_true(d.item_cap <= 100 && d.rest_cap <= 100);
	}
	assert_string_equal(g.s, "{\"metadata\":{\"name\":\"a\"}}|"
	    "!too large:big|!not valid JSON:sur|!not UTF-8:utf|"
	    "!not valid JSON:syn|{\"metadata\":{\"name\":\"e\"}}");
	assert_non_null(root = kube_listdec_finish(&d));
	cJSON_Delete(root);
	kube_listdec_free(&d);
}

/* What is read of a bad object: from a prefix, past nested values, never a
 * name that is not plain; escaped for the log. */
/* --- kube_prune ----------------------------------------------------------- */

static const struct kube_keep keep_ann[] = { { "a/b", NULL }, { NULL, NULL } };
static const struct kube_keep keep_md[] = {
	{ "name", NULL }, { "resourceVersion", NULL },
	{ "annotations", keep_ann }, { NULL, NULL },
};
static const struct kube_keep keep_status[] = {
	{ "addresses", NULL }, { NULL, NULL },
};
static const struct kube_keep keep_node[] = {
	{ "metadata", keep_md }, { "status", keep_status }, { NULL, NULL },
};

/* text pruned by keep_node, or "(0)" when it cannot be walked. */
static const char *
pruned(const char *text, char *out)
{
	size_t n = kube_prune(text, strlen(text), keep_node, out);

	assert_true(n <= strlen(text));
	out[n] = '\0';
	return n > 0 ? out : "(0)";
}

/* Only the listed members, nested lists in turn, the whitespace between
 * members gone; what is dropped may hold anything bracketed or quoted. */
static void
test_prune(void **state)
{
	static const char node[] =
	    " {\"kind\" : \"Node\", \"metadata\":{\"name\":\"n-1\","
	    "\"managedFields\":[{\"f:x\":{\"}\":\"]\\\"[\"}}],"
	    "\"annotations\":{\"x\":\"{\",\"a/b\":\"1\"},"
	    "\"resourceVersion\":\"7\"},\n\"spec\":{\"podCIDR\":1},"
	    "\"status\":{\"images\":[[[]]],\"addresses\":[{\"type\":"
	    "\"InternalIP\"}],\"phase\":null}}";
	char out[sizeof(node)];

	(void)state;
	assert_string_equal(pruned(node, out), "{\"metadata\":{\"name\":"
	    "\"n-1\",\"annotations\":{\"a/b\":\"1\"},\"resourceVersion\":"
	    "\"7\"},\"status\":{\"addresses\":[{\"type\":\"InternalIP\"}]}}");
	/* A listed member whose value is no object is kept whole. */
	assert_string_equal(pruned("{\"metadata\":[1,{\"x\":2}],\"v\":-1.5e3}",
	    out), "{\"metadata\":[1,{\"x\":2}]}");
	/* A key with an escape may name a listed member, and the parser
	 * reads a key only up to a control byte NUL: both kept. */
	assert_string_equal(pruned("{\"x\":1,\"n\\u0061me\":{\"y\":[]}}",
	    out), "{\"n\\u0061me\":{\"y\":[]}}");
	assert_string_equal(pruned("{\"x\":1,\"status\x01\":2}", out),
	    "{\"status\x01\":2}");
	/* Any byte up to a space separates, as the parser has it. */
	assert_string_equal(pruned("{\"x\":1\x13,\x01\"metadata\":\x13{"
	    "\"name\":\"a\"\x1f}}", out), "{\"metadata\":\x13{\"name\":"
	    "\"a\"}}");
	assert_string_equal(pruned("{}", out), "{}");
	assert_string_equal(pruned("{ \"x\" : true }", out), "{}");
	assert_string_equal(pruned("{\"metadata\" :{ } }", out),
	    "{\"metadata\" :{}}");
}

/* Text that is not an object, or ends or breaks where it is walked,
 * gives 0 and leaves the parser to say why. */
static void
test_prune_refused(void **state)
{
	static const char *const bad[] = {
		"", " ", "[1]", "\"x\"", "{", "{\"x\"", "{\"x\":", "{\"x\":1",
		"{\"x\":1,", "{\"x\" 1}", "{\"x\":1 \"y\":2}", "{x:1}",
		"{\"x\":\"1}", "{\"x\":{\"y\":1}", "{\"x\":[1,2}",
		"{\"metadata\":{\"name\":}}", "{\"x\":}", "{\"x\\",
		"{\"metadata\":{\"name\":\"a\"", "{,}",
	};
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (kube_prune(bad[i], strlen(bad[i]), keep_node, out) != 0)
			fail_msg("walked: %s", bad[i]);
}

/* A list decoder with keep hands over pruned elements, and judges only
 * what it keeps: bytes that are not UTF-8 in a dropped member pass. */
static void
test_listdec_keep(void **state)
{
	static const char text[] = "{\"items\":["
	    "{\"metadata\":{\"name\":\"a\",\"uid\":\"\xc0\xaf\"},\"spec\":1},"
	    "{\"metadata\":{\"name\":\"\xc0\xaf\"}},"
	    "{\"metadata\":{\"name\":\"c\"},\"status\":{\"images\":[1]}}]}";
	struct kube_listdec d;
	struct got g = { 0 };

	(void)state;
	kube_listdec_init(&d, 1024);
	d.keep = keep_node;
	assert_int_equal(kube_listdec_feed(&d, text, sizeof(text) - 1,
	    collect_item, &g), 0);
	assert_string_equal(g.s, "{\"metadata\":{\"name\":\"a\"}}|"
	    "!not UTF-8:|{\"metadata\":{\"name\":\"c\"},\"status\":{}}");
	kube_listdec_free(&d);
	assert_ptr_equal(d.keep, keep_node);
}

/* An event decoded with keep: its type and the kept object; an ERROR's
 * Status whole, code and message included. */
static void
test_decode_keep(void **state)
{
	static const char added[] = "{\"object\":{\"spec\":{\"x\":1},"
	    "\"metadata\":{\"resourceVersion\":\"5\",\"uid\":\"u\"}},"
	    "\"type\":\"ADDED\",\"extra\":[1]}";
	static const char error[] = "{\"type\":\"ERROR\",\"object\":{"
	    "\"kind\":\"Status\",\"code\":410,\"message\":\"too old\"}}";
	struct kube_event ev;
	char err[64], *s;

	(void)state;
	assert_int_equal(kube_event_decode(added, sizeof(added) - 1,
	    keep_node, &ev, err, sizeof(err)), 0);
	s = cJSON_PrintUnformatted(ev.root);
	assert_string_equal(s, "{\"object\":{\"metadata\":{"
	    "\"resourceVersion\":\"5\"}},\"type\":\"ADDED\"}");
	free(s);
	assert_string_equal(ev.rv, "5");
	kube_event_free(&ev);
	assert_int_equal(kube_event_decode(error, sizeof(error) - 1,
	    keep_node, &ev, err, sizeof(err)), 0);
	assert_int_equal(ev.type, KUBE_ERROR);
	assert_int_equal(ev.code, 410);
	assert_string_equal(ev.message, "too old");
	kube_event_free(&ev);
}

/* The message of a Status reply; anything else says there was none. */
static void
test_status_message(void **state)
{
	static const char forbidden[] = "{\"kind\":\"Status\",\"status\":"
	    "\"Failure\",\"message\":\"nodes \\\"n\\\" is forbidden\","
	    "\"code\":403}";
	char out[16];

	(void)state;
	assert_string_equal(kube_status_message(forbidden,
	    sizeof(forbidden) - 1, out, sizeof(out)), "nodes \"n\" is fo");
	/* A length that cuts the object off leaves no message. */
	assert_string_equal(kube_status_message(forbidden, 40, out,
	    sizeof(out)), "no Status messa");
	assert_string_equal(kube_status_message("{\"message\":7}", 13, out,
	    sizeof(out)), "no Status messa");
	assert_string_equal(kube_status_message("<html>", 6, out,
	    sizeof(out)), "no Status messa");
	assert_string_equal(kube_status_message(NULL, 0, out, sizeof(out)),
	    "no Status messa");
}

static void
test_bad_read(void **state)
{
	static const char ev[] = "{\"type\":\"MODIFIED\",\"object\":{\"kind\":"
	    "\"Node\",\"spec\":{\"a\":[1,{\"name\":\"no\"}],\"b\":true},"
	    "\"metadata\":{\"resourceVersion\":\"42\",\"name\":\"n-1\","
	    "\"annotations\":{\"x\":\"";
	static const char esc[] = "{\"metadata\":{\"name\":\"a\\nb\x1b\"}}";
	char deep[200];
	struct kube_bad b;

	kube_bad_read(ev, sizeof(ev) - 1, true, &b);
	assert_string_equal(b.type, "MODIFIED");
	assert_string_equal(b.name, "n-1");
	assert_string_equal(b.rv, "42");
	kube_bad_read(ev, 60, true, &b);	/* cut before metadata */
	assert_string_equal(b.type, "MODIFIED");
	assert_string_equal(b.name, "");
	kube_bad_read(ev + 28, sizeof(ev) - 29, false, &b);
	assert_string_equal(b.name, "n-1");
	assert_string_equal(b.type, "");
	kube_bad_read(esc, sizeof(esc) - 1, false, &b);
	assert_string_equal(b.name, "");
	assert_string_equal(b.shown, "a\\x5cnb\\x1b");
	memset(deep, '[', sizeof(deep));
	kube_bad_read(deep, sizeof(deep), false, &b);
	assert_string_equal(b.name, "");
	/* Malformed: a stray close or a NUL ends the reading, not a loop. */
	kube_bad_read("{\"a\":[x}],\"metadata\":{\"name\":\"n\"}}", 34,
	    false, &b);
	assert_string_equal(b.name, "");
	kube_bad_read("{\"a\":[1,\0]}", 11, false, &b);
	assert_string_equal(b.name, "");
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
		cmocka_unit_test(test_listdec_split_everywhere),
		cmocka_unit_test(test_listdec_incomplete),
		cmocka_unit_test(test_listdec_errors),
		cmocka_unit_test(test_listdec_bad_items),
		cmocka_unit_test(test_prune),
		cmocka_unit_test(test_prune_refused),
		cmocka_unit_test(test_listdec_keep),
		cmocka_unit_test(test_decode_keep),
		cmocka_unit_test(test_status_message),
		cmocka_unit_test(test_bad_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
