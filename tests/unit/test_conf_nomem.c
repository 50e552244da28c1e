/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/conf.c when memory runs out: the supervisor reloads its
 * configuration while it runs, so a failed allocation must fail the
 * parse, cleanly, never end the program. Each allocation the parser makes
 * (realloc, strdup, vasprintf, open_memstream, wrapped at link time) fails
 * in turn: every run returns an error with errno ENOMEM, says only "out
 * of memory", and leaves an empty configuration (LeakSanitizer checks
 * that nothing was left behind).
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conf.h"

void *__real_realloc(void *ptr, size_t size);
char *__real_strdup(const char *s);
int __real_vasprintf(char **s, const char *fmt, va_list ap);
FILE *__real_open_memstream(char **buf, size_t *size);
void *__wrap_realloc(void *ptr, size_t size);
char *__wrap_strdup(const char *s);
int __wrap_vasprintf(char **s, const char *fmt, va_list ap);
FILE *__wrap_open_memstream(char **buf, size_t *size);

static long fail_at = -1;	/* the allocation that fails; -1: none */
static long calls;		/* allocations since armed */

static int
fail_now(void)
{
	if (fail_at < 0 || calls++ != fail_at)
		return 0;
	errno = ENOMEM;
	return 1;
}

void *
__wrap_realloc(void *ptr, size_t size)
{
	return fail_now() ? NULL : __real_realloc(ptr, size);
}

char *
__wrap_strdup(const char *s)
{
	return fail_now() ? NULL : __real_strdup(s);
}

int
__wrap_vasprintf(char **s, const char *fmt, va_list ap)
{
	return fail_now() ? -1 : __real_vasprintf(s, fmt, ap);
}

FILE *
__wrap_open_memstream(char **buf, size_t *size)
{
	return fail_now() ? NULL : __real_open_memstream(buf, size);
}

/* Every key, ${NAME}, a list, a warning and two errors: every kind of
 * allocation the parser makes. */
static const char text[] =
    "[global]\n"
    "node-name = node-1\n"
    "kubeconfig = /etc/xcni/${XCNI_T_NAME}.kubeconfig\n"
    "user = 1000:1000\n"
    "state-dir = /run/xcni-test\n"
    "cni-bin-dir = /usr/lib/cni\n"
    "log-level = debug\n"
    "[pods]\n"
    "protocol = 17\n"
    "mtu = 1000\n"
    "allowed-cidrs = 198.18.0.0/15, fd00:1::1/64\n"
    "[storage]\n"
    "cidr-annotation = storage.example.com/cidr\n"
    "address-annotation = adr\n"
    "protocol = 255\n"
    "[bad name]\n"
    "bogus = 1\n";

typedef int (*parse_fn)(struct config *cfg, FILE *err);

static int
parse_text(struct config *cfg, FILE *err)
{
	return config_parse("t.ini", text, sizeof(text) - 1, cfg, err);
}

static int
parse_env(struct config *cfg, FILE *err)
{
	static const struct config_env env = { "net3", "/run/t", "100", "7" };

	return config_from_env(&env, cfg, err);
}

static int
run(parse_fn fn, long fail, struct config *cfg, char **msgs)
{
	size_t size;
	FILE *err = open_memstream(msgs, &size);
	int r;

	assert_non_null(err);
	calls = 0;
	fail_at = fail;
	r = fn(cfg, err);
	fail_at = -1;
	fclose(err);
	return r;
}

/* Returns how many allocations a clean run makes. */
static long
each_failure(parse_fn fn, const char *name)
{
	struct config cfg;
	char *msgs, want[64];
	long n, total;
	int clean;

	clean = run(fn, -1, &cfg, &msgs);
	config_free(&cfg);
	free(msgs);
	snprintf(want, sizeof(want), "%s: out of memory\n", name);
	for (n = 0;; n++) {
		int r = run(fn, n, &cfg, &msgs);
		int e = errno;

		total = calls;
		if (total <= n) {
			/* Every allocation has had its turn. */
			assert_int_equal(r, clean);
			config_free(&cfg);
			free(msgs);
			break;
		}
		if (r <= 0 || e != ENOMEM || strcmp(msgs, want) != 0)
			print_error("allocation %ld of %ld failed: returned %d, "
			    "errno %d, said \"%s\"\n", n, total, r, e, msgs);
		assert_true(r > 0);
		assert_int_equal(e, ENOMEM);
		assert_string_equal(msgs, want);
		assert_int_equal(cfg.n_nets, 0);
		assert_null(cfg.nets);
		assert_null(cfg.node_name);
		assert_null(cfg.path);
		free(msgs);
	}
	return n;
}

static void
test_parse(void **state)
{
	(void)state;
	setenv("XCNI_T_NAME", "worker", 1);
	print_message("%ld allocations\n", each_failure(parse_text, "t.ini"));
}

static void
test_from_env(void **state)
{
	(void)state;
	setenv("NODE_NAME", "node-1", 1);
	setenv("PROTOCOL", "200", 1);
	setenv("CIDR_ANNOTATION", "cidr.example.com/net3", 1);
	setenv("ADDRESS_ANNOTATION", "adr.example.com/net3", 1);
	print_message("%ld allocations\n", each_failure(parse_env,
	    "environment"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_from_env),
	};

	unsetenv("KUBECONFIG");
	unsetenv("LOG_LEVEL");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
