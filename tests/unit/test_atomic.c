/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
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

#include "atomic.h"

static char dir[64];

static int
setup(void **state)
{
	strcpy(dir, "/tmp/xcni-atomic-XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && (e->d_name[1] == '\0' ||
		    strcmp(e->d_name, "..") == 0))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d != NULL)
		closedir(d);
	return rmdir(dir);
}

static int
count_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
test_write_and_read(void **state)
{
	char path[128];
	struct stat st;
	size_t len;
	char *s;

	snprintf(path, sizeof(path), "%s/10-x.conflist", dir);
	assert_int_equal(atomic_write(path, "hello", 5, 0640), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	s = file_read(path, 100, &len);
	assert_non_null(s);
	assert_int_equal(len, 5);
	assert_string_equal(s, "hello");
	free(s);
	/* Only the target is left: no temp file. */
	assert_int_equal(count_entries(), 1);
	assert_null(file_read(path, 4, &len));
	assert_int_equal(errno, EFBIG);
}

static void
test_update_unchanged(void **state)
{
	char path[128];
	struct stat a, b;

	snprintf(path, sizeof(path), "%s/state.json", dir);
	assert_int_equal(atomic_update(path, "{}", 2, 0644), 1);
	assert_int_equal(stat(path, &a), 0);
	assert_int_equal(atomic_update(path, "{}", 2, 0644), 0);
	assert_int_equal(stat(path, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_mtim.tv_nsec, b.st_mtim.tv_nsec);
	assert_int_equal(atomic_update(path, "{}", 2, 0600), 1);
	assert_int_equal(atomic_update(path, "{\"a\":1}", 7, 0600), 1);
	assert_int_equal(stat(path, &b), 0);
	assert_int_equal(b.st_mode & 07777, 0600);
	assert_int_equal(b.st_size, 7);
	assert_int_equal(count_entries(), 1);
}

static void
test_write_fails_cleanly(void **state)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/missing/x.conf", dir);
	assert_int_equal(atomic_write(path, "x", 1, 0644), -1);
	assert_int_equal(errno, ENOENT);
	/* A directory in the way: rename fails, the temp file is removed. */
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(atomic_write(path, "x", 1, 0644), -1);
	assert_int_equal(count_entries(), 1);
	rmdir(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_and_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_unchanged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_fails_cleanly, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
