/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <cjson/cJSON.h>
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
#include "conflist.h"

static char dir[64];
static struct net_config nets[2] = {
	{ .name = (char[]){ "xcluster" }, .protocol = 202, .cni_conf =
	    (char[]){ "10-xcluster.conflist" }, .bridge = (char[]){ "cbr0" },
	    .ipam_data_dir = (char[]){ "/run/xcni/ipam/xcluster" } },
	{ .name = (char[]){ "net3" }, .cidr_annotation =
	    (char[]){ "cidr.example.com/net3" }, .protocol = 200, .mtu = 9000,
	    .cni_conf = (char[]){ "20-net3.conflist" }, .bridge = (char[]){ "br3" },
	    .ipam_data_dir = (char[]){ "/run/xcni/ipam/net3" } },
};
static struct config cfg = {
	.state_dir = (char[]){ "/run/xcni" },
	.cni_conf_dir = dir,
	.nets = nets,
	.n_nets = 2,
};

static int
setup(void **state)
{
	strcpy(dir, "/tmp/xcni-conflist-XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static const cJSON *
get(const cJSON *o, const char *key, int type)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	assert_non_null(v);
	assert_int_equal(v->type & 0xff, type);
	return v;
}

static void
test_primary(void **state)
{
	char *text = conflist_text(&cfg, &nets[0], 1450, "/etc/cni/net.d/k");
	const cJSON *plugins, *bridge, *ipam;
	cJSON *root;

	assert_non_null(text);
	root = cJSON_Parse(text);
	assert_non_null(root);
	assert_string_equal(get(root, "cniVersion", cJSON_String)->valuestring,
	    "1.0.0");
	assert_string_equal(get(root, "name", cJSON_String)->valuestring,
	    "xcluster");
	plugins = get(root, "plugins", cJSON_Array);
	assert_int_equal(cJSON_GetArraySize(plugins), 1);
	bridge = cJSON_GetArrayItem(plugins, 0);
	assert_string_equal(get(bridge, "type", cJSON_String)->valuestring,
	    "bridge");
	assert_string_equal(get(bridge, "bridge", cJSON_String)->valuestring,
	    "cbr0");
	get(bridge, "isGateway", cJSON_True);
	get(bridge, "isDefaultGateway", cJSON_True);
	get(bridge, "hairpinMode", cJSON_True);
	assert_int_equal(get(bridge, "mtu", cJSON_Number)->valueint, 1450);
	ipam = get(bridge, "ipam", cJSON_Object);
	assert_string_equal(get(ipam, "type", cJSON_String)->valuestring,
	    "kube-node");
	assert_string_equal(get(ipam, "network", cJSON_String)->valuestring,
	    "xcluster");
	assert_string_equal(get(ipam, "stateDir", cJSON_String)->valuestring,
	    "/run/xcni");
	assert_string_equal(get(ipam, "dataDir", cJSON_String)->valuestring,
	    "/run/xcni/ipam/xcluster");
	assert_string_equal(get(ipam, "kubeconfig", cJSON_String)->valuestring,
	    "/etc/cni/net.d/k");
	assert_null(cJSON_GetObjectItem(ipam, "annotation"));
	cJSON_Delete(root);
	free(text);
}

static void
test_secondary(void **state)
{
	char *text = conflist_text(&cfg, &nets[1], 9000, NULL);
	const cJSON *bridge, *ipam;
	cJSON *root;

	assert_non_null(text);
	root = cJSON_Parse(text);
	assert_non_null(root);
	bridge = cJSON_GetArrayItem(get(root, "plugins", cJSON_Array), 0);
	get(bridge, "isDefaultGateway", cJSON_False);
	ipam = get(bridge, "ipam", cJSON_Object);
	assert_string_equal(get(ipam, "annotation", cJSON_String)->valuestring,
	    "cidr.example.com/net3");
	assert_null(cJSON_GetObjectItem(ipam, "kubeconfig"));
	cJSON_Delete(root);
	free(text);
}

/* cJSON's allocator, failing the one allocation numbered fail_at. */
static size_t allocs, fail_at;

static void *
malloc_failing(size_t size)
{
	return allocs++ == fail_at ? NULL : malloc(size);
}

/* Any one failed allocation gives no text rather than a partial one. */
static void
test_nomem(void **state)
{
	cJSON_Hooks hooks = { .malloc_fn = malloc_failing, .free_fn = free };
	char *full, *text;
	size_t n;

	for (n = 0; n < 2; n++) {
		full = conflist_text(&cfg, &nets[n], 1450, "/etc/cni/net.d/k");
		assert_non_null(full);
		cJSON_InitHooks(&hooks);
		for (fail_at = 0, allocs = 0; ; fail_at++, allocs = 0) {
			errno = 0;
			text = conflist_text(&cfg, &nets[n], 1450,
			    "/etc/cni/net.d/k");
			if (allocs <= fail_at)
				break;
			assert_null(text);
			assert_int_equal(errno, ENOMEM);
		}
		cJSON_InitHooks(NULL);
		assert_true(fail_at > 10);
		assert_non_null(text);
		assert_string_equal(text, full);
		free(text);
		free(full);
	}
}

static char *
path_of(const char *name)
{
	static char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static void
test_write_once(void **state)
{
	struct stat a, b;

	assert_int_equal(conflist_write(&cfg, &nets[0], 1500, NULL), 1);
	assert_int_equal(stat(path_of("10-xcluster.conflist"), &a), 0);
	assert_int_equal(a.st_mode & 07777, 0644);
	assert_int_equal(conflist_write(&cfg, &nets[0], 1500, NULL), 0);
	assert_int_equal(stat(path_of("10-xcluster.conflist"), &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(conflist_write(&cfg, &nets[0], 1400, NULL), 1);
}

static void
test_prune(void **state)
{
	struct config one = cfg;
	char *text;
	size_t len;

	assert_int_equal(conflist_write(&cfg, &nets[0], 1500, NULL), 1);
	assert_int_equal(conflist_write(&cfg, &nets[1], 9000, NULL), 1);
	assert_int_equal(atomic_write(path_of("99-other.conflist"), "{}", 2,
	    0644), 0);
	assert_int_equal(conflist_prune(&cfg), 0);
	text = file_read(path_of(CONFLIST_MANIFEST), 4096, &len);
	assert_non_null(text);
	assert_string_equal(text, "10-xcluster.conflist\n20-net3.conflist\n");
	free(text);

	/* net3 removed: its file goes, someone else's file stays. */
	one.n_nets = 1;
	assert_int_equal(conflist_prune(&one), 0);
	assert_int_equal(access(path_of("20-net3.conflist"), F_OK), -1);
	assert_int_equal(access(path_of("10-xcluster.conflist"), F_OK), 0);
	assert_int_equal(access(path_of("99-other.conflist"), F_OK), 0);
	text = file_read(path_of(CONFLIST_MANIFEST), 4096, &len);
	assert_non_null(text);
	assert_string_equal(text, "10-xcluster.conflist\n");
	free(text);

	/* A manifest naming paths outside the directory is not obeyed. */
	assert_int_equal(atomic_write(path_of(CONFLIST_MANIFEST),
	    "../escape\n.hidden\n99-other.conflist\n", 36, 0644), 0);
	assert_int_equal(atomic_write(path_of(".hidden"), "x", 1, 0644), 0);
	assert_int_equal(conflist_prune(&one), 0);
	assert_int_equal(access(path_of(".hidden"), F_OK), 0);
	assert_int_equal(access(path_of("99-other.conflist"), F_OK), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_primary),
		cmocka_unit_test(test_secondary),
		cmocka_unit_test(test_nomem),
		cmocka_unit_test_setup_teardown(test_write_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
