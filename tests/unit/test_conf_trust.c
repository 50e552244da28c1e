/* SPDX-License-Identifier: Apache-2.0 */
/* What the configuration trusts: the places of state-dir and cni-conf-dir,
 * values the environment fills in, and the file it is read from. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"

/* Parses [global] with the line given and one network; returns the number
 * of errors, messages in *msgs (caller frees). */
static int
parse_global(const char *line, char **msgs)
{
	struct config cfg;
	char *text;
	size_t size;
	FILE *err = open_memstream(msgs, &size);
	int r;

	assert_non_null(err);
	assert_true(asprintf(&text, "[global]\nuser = 65534:65534\n%s\n"
	    "\n[xcluster]\n", line) > 0);
	r = config_parse("t.ini", text, strlen(text), &cfg, err);
	fclose(err);
	if (r == 0)
		config_free(&cfg);
	free(text);
	return r;
}

static void
expect_refused(const char *line, const char *msg)
{
	char *msgs;

	assert_int_equal(parse_global(line, &msgs), 1);
	if (strstr(msgs, msg) == NULL)
		fail_msg("%s: got \"%s\", want \"%s\"", line, msgs, msg);
	free(msgs);
}

static void
expect_accepted(const char *line)
{
	char *msgs;

	if (parse_global(line, &msgs) != 0)
		fail_msg("%s: %s", line, msgs);
	free(msgs);
}

static void
test_system_dirs(void **state)
{
	static const char *const refused[][2] = {
		{ "state-dir = /", "it is the system's /;" },
		{ "state-dir = /etc", "it is the system's /etc;" },
		{ "state-dir = /etc/", "it is the system's /etc;" },
		{ "state-dir = /etc/systemd", "it is below the system's /etc;" },
		{ "state-dir = /run", "it is the system's /run;" },
		{ "state-dir = /var/lib", "it is the system's /var/lib;" },
		{ "state-dir = /tmp", "it is the system's /tmp;" },
		{ "state-dir = /usr/local/xcni", "below the system's /usr;" },
		{ "state-dir = /proc/1", "below the system's /proc;" },
		{ "state-dir = /sys", "it is the system's /sys;" },
		{ "cni-conf-dir = /etc", "it is the system's /etc;" },
		{ "cni-conf-dir = /", "it is the system's /;" },
		{ "cni-conf-dir = /usr/lib/cni", "below the system's /usr;" },
		{ "cni-conf-dir = /dev/shm", "below the system's /dev;" },
		{ "cni-conf-dir = /var/log", "it is the system's /var/log;" },
	};
	static const char *const accepted[] = {
		"state-dir = /run/xcni", "state-dir = /var/lib/xcni",
		"state-dir = /tmp/xcni-test", "state-dir = /etcetera",
		"cni-conf-dir = /etc/cni/net.d",
		"cni-conf-dir = /host/etc/cni/net.d",
		"cni-conf-dir = /var/lib/rancher/k3s/agent/etc/cni/net.d",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		expect_refused(refused[i][0], refused[i][1]);
	for (i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++)
		expect_accepted(accepted[i]);
}

static void
test_expanded_values(void **state)
{
	static const char *const evil[] = {
		"/opt/cni/bin\n[evil]", "/opt/\033[2Jcni",
		"/opt/\x7f", "/opt/\xff", "/opt/\xc3", "/opt/\r",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
		assert_int_equal(setenv("XCNI_TEST_EVIL", evil[i], 1), 0);
		expect_refused("cni-bin-dir = ${XCNI_TEST_EVIL}",
		    "t.ini:3: cni-bin-dir: the environment put a control "
		    "character or bytes that are not UTF-8 text in the value");
		expect_refused("node-name = ${XCNI_TEST_EVIL}",
		    "node-name: the environment put a control character");
	}
	assert_int_equal(setenv("XCNI_TEST_EVIL", "/opt/cni/bin", 1), 0);
	expect_accepted("cni-bin-dir = ${XCNI_TEST_EVIL}");
	assert_int_equal(setenv("XCNI_TEST_EVIL", "/opt/\xc3\xa9", 1), 0);
	expect_accepted("cni-bin-dir = ${XCNI_TEST_EVIL}");
	unsetenv("XCNI_TEST_EVIL");
}

/* A control character from the environment is shown escaped: the message
 * stays one line. */
static void
test_shown_escaped(void **state)
{
	char *msgs;

	(void)state;
	assert_int_equal(setenv("KUBECONFIG", "relative\n[evil]\033", 1), 0);
	assert_int_equal(parse_global("", &msgs), 1);
	assert_string_equal(msgs, "t.ini: kubeconfig: $KUBECONFIG "
	    "\"relative\\x0a[evil]\\x1b\" is not an absolute path without "
	    "blanks; set kubeconfig\n");
	free(msgs);
	unsetenv("KUBECONFIG");
}

static int
load(const char *path, char **msgs)
{
	struct config cfg;
	size_t size;
	FILE *err = open_memstream(msgs, &size);
	int r;

	assert_non_null(err);
	r = config_load(path, &cfg, err);
	fclose(err);
	if (r == 0)
		config_free(&cfg);
	return r;
}

static void
test_file(void **state)
{
	char dir[] = "/tmp/xcni-conf-trust.XXXXXX", path[64], want[128];
	char *msgs;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/x.ini", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("[global]\nuser = 65534:65534\n\n[xcluster]\n", f);
	fclose(f);

	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(load(path, &msgs), 0);
	free(msgs);

	assert_int_equal(chmod(path, 0620), 0);
	assert_int_equal(load(path, &msgs), 1);
	snprintf(want, sizeof(want), "%s: refused: writable by group or "
	    "others; chmod go-w\n", path);
	assert_string_equal(msgs, want);
	free(msgs);

	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(load(path, &msgs), 1);
	snprintf(want, sizeof(want), "%s: refused: not a regular file\n", path);
	assert_string_equal(msgs, want);
	free(msgs);

	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_system_dirs),
		cmocka_unit_test(test_expanded_values),
		cmocka_unit_test(test_shown_escaped),
		cmocka_unit_test(test_file),
	};

	unsetenv("KUBECONFIG");
	setenv("NODE_NAME", "node-1", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
