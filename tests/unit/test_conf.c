/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"

static const char two_nets[] =
    "[global]\n"
    "user = 65534:65534\n"
    "\n"
    "[xcluster]\n"
    "\n"
    "[net3]\n"
    "cidr-annotation = cidr.example.com/net3\n"
    "address-annotation = adr.example.com/net3\n"
    "protocol = 200\n"
    "mtu = 9000\n"
    "cni-conf = none\n";

/* Parses text; messages land in *msgs (caller frees). */
static int
parse(const char *text, size_t len, struct config *cfg, char **msgs)
{
	size_t size;
	FILE *err = open_memstream(msgs, &size);
	int r;

	assert_non_null(err);
	r = config_parse("t.ini", text, len, cfg, err);
	fclose(err);
	return r;
}

static int
parse_ok(const char *text, struct config *cfg)
{
	char *msgs;
	int r = parse(text, strlen(text), cfg, &msgs);

	if (r != 0)
		print_error("%s", msgs);
	free(msgs);
	return r;
}

static char *
print(const struct config *cfg, const char *only)
{
	char *text;
	size_t size;
	FILE *out = open_memstream(&text, &size);

	assert_non_null(out);
	config_print(cfg, only, out);
	fclose(out);
	return text;
}

static int
setup(void **state)
{
	setenv("NODE_NAME", "node-1", 1);
	unsetenv("KUBECONFIG");
	unsetenv("LOG_LEVEL");
	return 0;
}

static void
test_defaults(void **state)
{
	struct config cfg;
	const struct net_config *x, *n3;

	assert_int_equal(parse_ok(two_nets, &cfg), 0);
	assert_string_equal(cfg.path, "t.ini");
	assert_string_equal(cfg.node_name, "node-1");
	assert_null(cfg.kubeconfig);
	assert_int_equal(cfg.uid, 65534);
	assert_int_equal(cfg.gid, 65534);
	assert_string_equal(cfg.state_dir, "/run/xcni");
	assert_string_equal(cfg.cni_conf_dir, "/etc/cni/net.d");
	assert_string_equal(cfg.cni_bin_dir, CNIBINDIR);
	assert_int_equal(cfg.log_level, LOG_LVL_INFO);
	assert_int_equal(cfg.n_nets, 2);

	x = config_network(&cfg, "xcluster");
	assert_ptr_equal(x, &cfg.nets[0]);
	assert_int_equal(x->line, 4);
	assert_null(x->cidr_annotation);
	assert_null(x->address_annotation);
	assert_int_equal(x->protocol, 202);
	assert_int_equal(x->table, 254);
	assert_int_equal(x->metric, 0);
	assert_int_equal(x->mtu, 0);
	assert_string_equal(x->cni_conf, "10-xcluster.conflist");
	assert_string_equal(x->bridge, "cbr0");
	assert_string_equal(x->ipam_data_dir, "/run/xcni/ipam/xcluster");
	assert_int_equal(x->n_allowed_cidrs, 0);

	n3 = config_network(&cfg, "net3");
	assert_non_null(n3);
	assert_string_equal(n3->cidr_annotation, "cidr.example.com/net3");
	assert_string_equal(n3->address_annotation, "adr.example.com/net3");
	assert_int_equal(n3->protocol, 200);
	assert_int_equal(n3->mtu, 9000);
	assert_null(n3->cni_conf);
	assert_null(n3->bridge);
	assert_null(n3->ipam_data_dir);
	assert_null(config_network(&cfg, "net4"));
	config_free(&cfg);
}

static const char every_key[] =
    "[global]\n"
    "node-name = worker-7.example.com\n"
    "kubeconfig = /etc/xcni/a$$b.kubeconfig\n"
    "user = 1000:1001\n"
    "state-dir = /run/x\n"
    "cni-conf-dir = /etc/cni/x\n"
    "cni-bin-dir = /usr/lib/cni\n"
    "log-level = debug\n"
    "[pods]\n"
    "address-annotation = adr\n"
    "protocol = 17\n"
    "table = 100\n"
    "metric = 4294967295\n"
    "mtu = 68\n"
    "cni-conf = 05-pods.conf\n"
    "bridge = br-pods\n"
    "ipam-data-dir = /run/ipam\n"
    "allowed-cidrs = 198.18.0.0/15, fd00:1::/64, ::ffff:198.19.0.0/112\n"
    "[net.3]\n"
    "cidr-annotation = example.com/c\n"
    "protocol = 255\n"
    "table = 4294967295\n"
    "cni-conf = 20-c.conflist\n";

/* What --check prints is what a worker is sent: it must read back to the
 * same configuration, and print the same again. */
static void
test_print_reads_back(void **state)
{
	struct config a, b;
	char *text, *again;
	size_t i;

	assert_int_equal(parse_ok(every_key, &a), 0);
	text = print(&a, NULL);
	assert_int_equal(parse_ok(text, &b), 0);
	again = print(&b, NULL);
	assert_string_equal(text, again);
	assert_int_equal(a.n_nets, b.n_nets);
	for (i = 0; i < a.n_nets; i++)
		assert_true(net_config_equal(&a.nets[i], &b.nets[i]));
	assert_string_equal(b.kubeconfig, "/etc/xcni/a$b.kubeconfig");
	assert_string_equal(b.node_name, "worker-7.example.com");
	assert_int_equal(b.uid, 1000);
	assert_int_equal(b.gid, 1001);
	assert_int_equal(b.log_level, LOG_LVL_DEBUG);
	assert_int_equal(b.nets[0].n_allowed_cidrs, 3);
	assert_string_equal(b.nets[1].bridge, "xcni-net.3");
	assert_non_null(strstr(text, "allowed-cidrs = 198.18.0.0/15, "
	    "fd00:1::/64, 198.19.0.0/16\n"));
	assert_non_null(strstr(text, "kubeconfig = /etc/xcni/a$$b.kubeconfig\n"));
	free(text);
	free(again);
	config_free(&a);
	config_free(&b);
}

static void
test_print_only(void **state)
{
	static const char want[] =
	    "[global]\n"
	    "node-name = node-1\n"
	    "kubeconfig = in-cluster\n"
	    "user = 65534:65534\n"
	    "state-dir = /run/xcni\n"
	    "cni-conf-dir = /etc/cni/net.d\n"
	    "cni-bin-dir = " CNIBINDIR "\n"
	    "log-level = info\n"
	    "\n"
	    "[net3]\n"
	    "cidr-annotation = cidr.example.com/net3\n"
	    "address-annotation = adr.example.com/net3\n"
	    "protocol = 200\n"
	    "table = 254\n"
	    "metric = 0\n"
	    "mtu = 9000\n"
	    "cni-conf = none\n"
	    "bridge = none\n"
	    "ipam-data-dir = none\n"
	    "allowed-cidrs = any\n"
	    "min-prefix-v4 = 8\n"
	    "min-prefix-v6 = 32\n";
	struct config cfg, one;
	char *text;

	assert_int_equal(parse_ok(two_nets, &cfg), 0);
	text = print(&cfg, "net3");
	assert_string_equal(text, want);
	assert_int_equal(parse_ok(text, &one), 0);
	assert_int_equal(one.n_nets, 1);
	assert_true(net_config_equal(&one.nets[0], &cfg.nets[1]));
	free(text);
	config_free(&one);
	config_free(&cfg);
}

static void
test_every_error_sorted(void **state)
{
	static const char text[] =
	    "[global]\n"
	    "user = 65534:65534\n"
	    "[b]\n"
	    "cidr-annotation = example.com/b\n"
	    "protocol = 300\n"
	    "mtu = 1\n"
	    "[a]\n"
	    "cidr-annotation = example.com/b\n"
	    "protocol = 200\n"
	    "[b]\n"
	    "bogus\n";
	struct config cfg;
	char *msgs;

	assert_int_equal(parse(text, strlen(text), &cfg, &msgs), 5);
	assert_string_equal(msgs,
	    "t.ini:5: protocol: \"300\" is not allowed; use a number in "
	    "5..255\n"
	    "t.ini:6: mtu: \"1\" is not allowed; use auto or a number in "
	    "68..65535\n"
	    "t.ini:8: cidr-annotation: \"example.com/b\" is also used by "
	    "[b] (line 4); every network needs CIDRs of its own\n"
	    "t.ini:10: duplicate section [b] (first on line 3)\n"
	    "t.ini:11: expected \"key = value\", \"[section]\" or a comment\n");
	/* Nothing is left in a rejected configuration. */
	assert_int_equal(cfg.n_nets, 0);
	assert_null(cfg.nets);
	assert_null(cfg.node_name);
	free(msgs);
}

static void
test_env_expansion(void **state)
{
	static const char text[] =
	    "[global]\n"
	    "user = ${XCNI_T_UID}:${XCNI_T_UID}\n"
	    "state-dir = /run/${XCNI_T_DIR}$$\n"
	    "[n${XCNI_T_DIR}]\n"
	    "mtu = ${XCNI_T_MTU}\n";
	struct config cfg;
	char *msgs;

	setenv("XCNI_T_UID", "4242", 1);
	setenv("XCNI_T_DIR", "x", 1);
	setenv("XCNI_T_MTU", "9000", 1);
	assert_int_equal(parse(text, strlen(text), &cfg, &msgs), 1);
	/* Section names are not expanded. */
	assert_string_equal(msgs, "t.ini:4: network name \"n${XCNI_T_DIR}\" "
	    "is not allowed; use 1..63 of A-Z a-z 0-9 _ . - starting with a "
	    "letter or digit\n");
	free(msgs);

	assert_int_equal(parse_ok("[global]\n"
	    "user = ${XCNI_T_UID}:${XCNI_T_UID}\n"
	    "state-dir = /run/${XCNI_T_DIR}$$\n"
	    "[n]\n"
	    "mtu = ${XCNI_T_MTU}\n", &cfg), 0);
	assert_int_equal(cfg.uid, 4242);
	assert_string_equal(cfg.state_dir, "/run/x$");
	assert_int_equal(cfg.nets[0].mtu, 9000);
	config_free(&cfg);

	/* An empty variable means the default, like an empty value. */
	setenv("XCNI_T_MTU", "", 1);
	assert_int_equal(parse_ok("[global]\nuser = 1:1\n[n]\n"
	    "mtu = ${XCNI_T_MTU}\n", &cfg), 0);
	assert_int_equal(cfg.nets[0].mtu, 0);
	config_free(&cfg);

	unsetenv("XCNI_T_MTU");
	assert_int_equal(parse(text, strlen(text), &cfg, &msgs), 2);
	assert_non_null(strstr(msgs, "t.ini:5: mtu: ${XCNI_T_MTU} is not set "
	    "in the environment\n"));
	free(msgs);
}

static void
test_environment_defaults(void **state)
{
	static const char text[] = "[global]\nuser = 1:1\n[n]\n";
	char host[HOST_NAME_MAX + 1], *c;
	struct config cfg;

	setenv("KUBECONFIG", "/etc/kube/config", 1);
	setenv("LOG_LEVEL", "2", 1);
	setenv("NODE_NAME", "from-env", 1);
	assert_int_equal(parse_ok(text, &cfg), 0);
	assert_string_equal(cfg.kubeconfig, "/etc/kube/config");
	assert_int_equal(cfg.log_level, LOG_LVL_TRACE);
	assert_string_equal(cfg.node_name, "from-env");
	config_free(&cfg);

	/* The file wins over the environment. */
	assert_int_equal(parse_ok("[global]\nuser = 1:1\nkubeconfig = "
	    "in-cluster\nlog-level = error\nnode-name = n1\n[n]\n", &cfg), 0);
	assert_null(cfg.kubeconfig);
	assert_int_equal(cfg.log_level, LOG_LVL_ERROR);
	assert_string_equal(cfg.node_name, "n1");
	config_free(&cfg);

	/* No $NODE_NAME: the host name, lowercased as the kubelet does. */
	unsetenv("NODE_NAME");
	unsetenv("KUBECONFIG");
	unsetenv("LOG_LEVEL");
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	for (c = host; *c != '\0'; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	assert_int_equal(parse_ok(text, &cfg), 0);
	assert_string_equal(cfg.node_name, host);
	config_free(&cfg);
	setenv("NODE_NAME", "node-1", 1);
}

/* config_from_env; messages land in *msgs (caller frees). */
static int
from_env(const struct config_env *env, struct config *cfg, char **msgs)
{
	size_t size;
	FILE *err = open_memstream(msgs, &size);
	int r;

	assert_non_null(err);
	r = config_from_env(env, cfg, err);
	fclose(err);
	return r;
}

static void
env_clear(void)
{
	unsetenv("PROTOCOL");
	unsetenv("CIDR_ANNOTATION");
	unsetenv("ADDRESS_ANNOTATION");
}

/* The environment's settings are the INI file's, defaults included. */
static void
test_from_env_is_ini(void **state)
{
	struct config_env env = { NULL, NULL, NULL, NULL };
	struct config e, ini;
	char *msgs;

	env_clear();
	assert_int_equal(from_env(&env, &e, &msgs), 0);
	free(msgs);
	assert_int_equal(parse_ok("[global]\nuser = 1:1\n[xcluster]\n"
	    "cni-conf = none\n", &ini), 0);
	assert_int_equal(e.n_nets, 1);
	assert_true(net_config_equal(&e.nets[0], &ini.nets[0]));
	assert_string_equal(e.nets[0].name, "xcluster");
	assert_int_equal(e.nets[0].protocol, 202);
	assert_int_equal(e.nets[0].table, 254);
	assert_null(e.nets[0].cni_conf);
	assert_string_equal(e.state_dir, ini.state_dir);
	assert_string_equal(e.node_name, "node-1");
	assert_null(e.user);
	config_free(&e);
	config_free(&ini);

	/* An annotated network: upstream's protocol default still holds. */
	setenv("CIDR_ANNOTATION", "cidr.example.com/net3", 1);
	setenv("ADDRESS_ANNOTATION", "adr.example.com/net3", 1);
	env = (struct config_env){ "net3", "/run/t", "100", "5" };
	assert_int_equal(from_env(&env, &e, &msgs), 0);
	free(msgs);
	assert_int_equal(parse_ok("[global]\nuser = 1:1\nstate-dir = /run/t\n"
	    "[net3]\ncidr-annotation = cidr.example.com/net3\n"
	    "address-annotation = adr.example.com/net3\nprotocol = 202\n"
	    "table = 100\nmetric = 5\ncni-conf = none\n", &ini), 0);
	assert_true(net_config_equal(&e.nets[0], &ini.nets[0]));
	assert_string_equal(e.state_dir, "/run/t");
	config_free(&e);
	config_free(&ini);
	env_clear();
}

/* Bad values get the INI file's messages, each naming its origin; "$" is
 * a literal. Nothing is left of a refused configuration. */
static void
test_from_env_errors(void **state)
{
	struct config_env env = { "bad name", "/tmp", "255", "x" };
	struct config cfg;
	char *msgs;

	setenv("PROTOCOL", "abc", 1);
	setenv("CIDR_ANNOTATION", "a$b", 1);
	setenv("NODE_NAME", "Node_1", 1);
	setenv("KUBECONFIG", "kube config", 1);
	assert_int_equal(from_env(&env, &cfg, &msgs), 8);
	assert_string_equal(msgs,
	    "environment: --network: network name \"bad name\" is not "
	    "allowed; use 1..63 of A-Z a-z 0-9 _ . - starting with a letter "
	    "or digit, other than global\n"
	    "environment: --state-dir: state-dir: \"/tmp\" is not allowed: "
	    "it is the system's /tmp; use a directory of xcni's own, such as "
	    "/run/xcni\n"
	    "environment: --table: table: \"255\" is not allowed; use main or "
	    "a number in 1..4294967295 other than 255 (local)\n"
	    "environment: --metric: metric: \"x\" is not allowed; use a "
	    "number in 0..4294967295\n"
	    "environment: $PROTOCOL: protocol: \"abc\" is not allowed; use a "
	    "number in 5..255\n"
	    "environment: $CIDR_ANNOTATION: cidr-annotation: \"a$b\" is not a "
	    "Kubernetes annotation key; use [PREFIX/]NAME, PREFIX a DNS "
	    "subdomain (lowercase, at most 253), NAME 1..63 of A-Z a-z 0-9 - . "
	    "_ starting and ending with a letter or digit\n"
	    "environment: node-name: \"Node_1\" from $NODE_NAME is not a "
	    "valid node name; use a DNS subdomain (lowercase a-z 0-9 - ., at "
	    "most 253)\n"
	    "environment: kubeconfig: $KUBECONFIG \"kube config\" is not an "
	    "absolute path without blanks; set kubeconfig\n");
	unsetenv("KUBECONFIG");
	assert_int_equal(cfg.n_nets, 0);
	assert_null(cfg.nets);
	assert_null(cfg.node_name);
	free(msgs);

	setenv("NODE_NAME", "node-1", 1);
	setenv("PROTOCOL", "3", 1);
	unsetenv("CIDR_ANNOTATION");
	env = (struct config_env){ "global", NULL, NULL, NULL };
	assert_int_equal(from_env(&env, &cfg, &msgs), 2);
	assert_string_equal(msgs,
	    "environment: --network: network name \"global\" is not "
	    "allowed; use 1..63 of A-Z a-z 0-9 _ . - starting with a letter "
	    "or digit, other than global\n"
	    "environment: $PROTOCOL: protocol: 3 is reserved for the kernel "
	    "(0..4); use 5..255\n");
	free(msgs);
	env_clear();
}

static void
test_user(void **state)
{
	static const char root[] = "[global]\nuser = root\n[n]\n";
	static const char group_root[] = "[global]\nuser = 65534:root\n[n]\n";
	static const char minus_one[] = "[global]\nuser = 4294967295\n[n]\n";
	struct config cfg;
	char *msgs;

	assert_int_equal(parse(root, strlen(root), &cfg, &msgs), 1);
	assert_string_equal(msgs, "t.ini:2: user: workers must not run as "
	    "root (uid 0); use an unprivileged user\n");
	free(msgs);
	assert_int_equal(parse(group_root, strlen(group_root), &cfg, &msgs), 1);
	assert_string_equal(msgs, "t.ini:2: user: workers must not run with "
	    "group root (gid 0); give a GID\n");
	free(msgs);

	/* A UID without a passwd entry keeps its own number as GID. */
	assert_int_equal(parse_ok("[global]\nuser = 4000000000\n[n]\n", &cfg),
	    0);
	assert_int_equal(cfg.uid, 4000000000u);
	assert_int_equal(cfg.gid, 4000000000u);
	config_free(&cfg);

	/* (uid_t)-1 means "unchanged" to setresuid: not an id. */
	assert_int_equal(parse(minus_one, strlen(minus_one), &cfg, &msgs), 1);
	assert_non_null(strstr(msgs, "no user \"4294967295\""));
	free(msgs);
}

static void
test_line_limit(void **state)
{
	/* 4096 bytes fit (inih's own limit is raised to match), one more
	 * does not. */
	size_t n = 4096, len;
	char *text = malloc(n + 64), *msgs;
	struct config cfg;

	assert_non_null(text);
	len = (size_t)sprintf(text, "[global]\nuser = 1:1\n[n]\n;");
	memset(text + len, 'x', n - 1);
	len += n - 1;
	memcpy(text + len, "\n", 2);
	len++;
	assert_int_equal(parse(text, len, &cfg, &msgs), 0);
	assert_string_equal(msgs, "");
	free(msgs);
	config_free(&cfg);

	memcpy(text + len - 1, "x\n", 3);
	assert_int_equal(parse(text, len + 1, &cfg, &msgs), 1);
	assert_string_equal(msgs, "t.ini:4: line too long (4097 bytes, at "
	    "most 4096)\n");
	free(msgs);
	free(text);
}

static void
test_long_value(void **state)
{
	/* 250 CIDRs on one line: values longer than inih's default 200. */
	char text[8192];
	size_t len, i;
	struct config cfg;

	len = (size_t)sprintf(text, "[global]\nuser = 1:1\n[n]\n"
	    "allowed-cidrs = ");
	for (i = 0; i < 250; i++)
		len += (size_t)sprintf(text + len, "%s198.18.%zu.0/24",
		    i > 0 ? "," : "", i);
	strcpy(text + len, "\n");
	assert_true(len > 3000 && len < 4096);
	assert_int_equal(parse_ok(text, &cfg), 0);
	assert_int_equal(cfg.nets[0].n_allowed_cidrs, 250);
	config_free(&cfg);
}

static void
test_nul_and_no_err_stream(void **state)
{
	static const char text[] = "[global]\nuser = 1:1\n[n]\nmtu = 1\0x\n";
	struct config cfg;

	/* The length counts, not the NUL; err may be NULL. */
	assert_int_equal(config_parse("t.ini", text, sizeof(text) - 1, &cfg,
	    NULL), 1);
	assert_int_equal(config_parse("t.ini", text, 19, &cfg, NULL), 1);
	assert_int_equal(config_parse("t.ini", text, 24, &cfg, NULL), 0);
	config_free(&cfg);
}

static void
test_too_many_errors(void **state)
{
	char text[4096], *msgs, *last;
	size_t len, i;
	struct config cfg;

	len = (size_t)sprintf(text, "[global]\nuser = 1:1\n[n]\n");
	for (i = 0; i < 150; i++)
		len += (size_t)sprintf(text + len, "x%zu = 1\n", i);
	assert_int_equal(parse(text, len, &cfg, &msgs), 150);
	last = strrchr(msgs, '\n');
	assert_non_null(last);
	*last = '\0';
	last = strrchr(msgs, '\n');
	assert_string_equal(last + 1, "t.ini: 50 more problems not shown");
	assert_non_null(strstr(msgs, "t.ini:103: unknown key \"x99\""));
	assert_null(strstr(msgs, "\"x100\""));
	free(msgs);
}

static void
test_load(void **state)
{
	struct config cfg;
	char path[] = "/tmp/xcni-conf-XXXXXX", *msgs, *want;
	size_t size;
	FILE *err;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, two_nets, strlen(two_nets)),
	    (ssize_t)strlen(two_nets));
	close(fd);
	assert_int_equal(config_load(path, &cfg, stderr), 0);
	assert_string_equal(cfg.path, path);
	assert_int_equal(cfg.n_nets, 2);
	config_free(&cfg);
	unlink(path);

	err = open_memstream(&msgs, &size);
	assert_int_equal(config_load(path, &cfg, err), 1);
	fclose(err);
	assert_true(asprintf(&want, "%s: cannot read: No such file or "
	    "directory\n", path) > 0);
	assert_string_equal(msgs, want);
	free(want);
	free(msgs);
}

static void
test_net_config_equal(void **state)
{
	struct config a, b;
	struct net_config *x, *y;
	struct cidr c;
	char other[] = "other", annotation[] = "example.com/other";
	char bridge[] = "br-other", dir[] = "/run/other";

	assert_int_equal(parse_ok(every_key, &a), 0);
	assert_int_equal(parse_ok(every_key, &b), 0);
	x = &a.nets[0];
	y = &b.nets[0];
	assert_true(net_config_equal(x, y));
	assert_false(net_config_equal(&a.nets[0], &a.nets[1]));

#define DIFFERS(field, other) do {				\
	__typeof__(y->field) saved = y->field;			\
	y->field = other;					\
	assert_false(net_config_equal(x, y));			\
	y->field = saved;					\
	assert_true(net_config_equal(x, y));			\
} while (0)
	DIFFERS(name, other);
	DIFFERS(cidr_annotation, annotation);
	DIFFERS(address_annotation, NULL);
	DIFFERS(protocol, 18);
	DIFFERS(table, 101);
	DIFFERS(metric, 1);
	DIFFERS(mtu, 0);
	DIFFERS(cni_conf, NULL);
	DIFFERS(bridge, bridge);
	DIFFERS(ipam_data_dir, dir);
	DIFFERS(n_allowed_cidrs, 2);
#undef DIFFERS
	c = y->allowed_cidrs[1];
	y->allowed_cidrs[1].len = 65;
	assert_false(net_config_equal(x, y));
	y->allowed_cidrs[1] = c;
	/* Where it was written does not matter. */
	y->line = 99;
	assert_true(net_config_equal(x, y));
	config_free(&a);
	config_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_print_reads_back),
		cmocka_unit_test(test_print_only),
		cmocka_unit_test(test_every_error_sorted),
		cmocka_unit_test(test_env_expansion),
		cmocka_unit_test(test_environment_defaults),
		cmocka_unit_test(test_from_env_is_ini),
		cmocka_unit_test(test_from_env_errors),
		cmocka_unit_test(test_user),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_long_value),
		cmocka_unit_test(test_nul_and_no_err_stream),
		cmocka_unit_test(test_too_many_errors),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_net_config_equal),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
