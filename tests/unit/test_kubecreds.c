/* SPDX-License-Identifier: Apache-2.0 */
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

#include "kubecreds.h"

/* A real self-signed certificate: only the form of a CA bundle is checked. */
#define CA_PEM \
	"-----BEGIN CERTIFICATE-----\n" \
	"MIIBbDCCAROgAwIBAgIUNvily12TvsGi/Y8BstIi3+BJr4kwCgYIKoZIzj0EAwIw\n" \
	"DDEKMAgGA1UEAwwBdDAeFw0yNjEyMDQyMjAzMTVaFw0zNjEyMDEyMjAzMTVaMAwx\n" \
	"CjAIBgNVBAMMAXQwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASKL7fNRyGIM6NT\n" \
	"t7xwOiRPE0e8Y/VoNigekLGAah2RiuErqcAPYYlXpKeC1ERKeOX92EnLycrlKs48\n" \
	"kldn7gW0o1MwUTAdBgNVHQ4EFgQUjBZpwPhxs4LRwwrn9Uz8e5tKNZowHwYDVR0j\n" \
	"BBgwFoAUjBZpwPhxs4LRwwrn9Uz8e5tKNZowDwYDVR0TAQH/BAUwAwEB/zAKBggq\n" \
	"hkjOPQQDAgNHADBEAiBg54wHHUuMuL36UioONPiHpjtx3Mf+uWtpPBxA4hb7YQIg\n" \
	"WpDZhxGMawcyTO31Snf5qOctaVCoZCnSabOKJnSFDHQ=\n" \
	"-----END CERTIFICATE-----\n"
/* The same, base64 for certificate-authority-data. */
#define CA_B64 \
	"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJiRENDQVJPZ0F3SUJBZ0lV" \
	"TnZpbHkxMlR2c0dpL1k4QnN0SWkzK0JKcjRrd0NnWUlLb1pJemowRUF3SXcKRERF" \
	"S01BZ0dBMVVFQXd3QmREQWVGdzB5TmpFeU1EUXlNakF6TVRWYUZ3MHpOakV5TURF" \
	"eU1qQXpNVFZhTUF3eApDakFJQmdOVkJBTU1BWFF3V1RBVEJnY3Foa2pPUFFJQkJn" \
	"Z3Foa2pPUFFNQkJ3TkNBQVNLTDdmTlJ5R0lNNk5UCnQ3eHdPaVJQRTBlOFkvVm9O" \
	"aWdla0xHQWFoMlJpdUVycWNBUFlZbFhwS2VDMUVSS2VPWDkyRW5MeWNybEtzNDgK" \
	"a2xkbjdnVzBvMU13VVRBZEJnTlZIUTRFRmdRVWpCWnB3UGh4czRMUnd3cm45VXo4" \
	"ZTV0S05ab3dId1lEVlIwagpCQmd3Rm9BVWpCWnB3UGh4czRMUnd3cm45VXo4ZTV0" \
	"S05ab3dEd1lEVlIwVEFRSC9CQVV3QXdFQi96QUtCZ2dxCmhrak9QUVFEQWdOSEFE" \
	"QkVBaUJnNTR3SEhVdU11TDM2VWlvT05QaUhwanR4M01mK3VXdHBQQnhBNGhiN1lR" \
	"SWcKV3BEWmh4R01hd2N5VE8zMVNuZjVxT2N0YVZDb1pDblNhYk9LSm5TRkRIUT0K" \
	"LS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="

static char dir[64];
static char err[512];

static void
put(const char *name, const char *content)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_non_null(f = fopen(p, "w"));
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
}

static const char *
at(const char *name)
{
	static char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static int
setup(void **state)
{
	strcpy(dir, "/tmp/xcni-kubecreds-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	mkdir(at("certs"), 0700);
	mkdir(at("sa"), 0700);
	unsetenv("KUBECONFIG");
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	setenv("XCNI_SA_DIR", at("sa"), 1);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

#define HEAD \
	"apiVersion: v1\nkind: Config\ncurrent-context: ctx\n" \
	"contexts:\n- name: other\n  context: {cluster: c2, user: u2}\n" \
	"- name: ctx\n  context:\n    cluster: c1\n    user: u1\n"

static struct kube_creds *
load_kc(const char *yaml)
{
	struct kube_creds *c;

	put("kc.yaml", yaml);
	err[0] = '\0';
	c = kube_creds_load(at("kc.yaml"), err, sizeof(err));
	if (c == NULL)
		print_message("# %s\n", err);
	return c;
}

static void
expect_error(const char *yaml, const char *needle)
{
	assert_null(load_kc(yaml));
	if (strstr(err, needle) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, needle);
}

static void
test_inline_data(void **state)
{
	struct kube_creds *c = load_kc(HEAD
	    "clusters:\n- name: c1\n  cluster:\n"
	    "    server: https://192.0.2.1:6443/\n"
	    "    certificate-authority-data: " CA_B64 "\n"
	    "    tls-server-name: api.example\n"
	    "users:\n- name: u1\n  user:\n"
	    "    client-certificate-data: Q0VSVCBQRU0K\n"
	    "    client-key-data: S0VZIFBFTQo=\n"
	    "    token: \" tok \"\n");

	assert_non_null(c);
	assert_string_equal(c->server, "https://192.0.2.1:6443");
	assert_string_equal(c->ca_pem, CA_PEM);
	assert_string_equal(c->cert_pem, "CERT PEM\n");
	assert_string_equal(c->key_pem, "KEY PEM\n");
	assert_string_equal(c->token, "tok");
	assert_string_equal(c->tls_server_name, "api.example");
	assert_null(c->token_file);
	assert_false(c->insecure);
	assert_non_null(strstr(c->source, "kc.yaml"));
	kube_creds_free(c);
}

/* Files named relative to the kubeconfig's directory, not the cwd. */
static void
test_relative_files(void **state)
{
	struct kube_creds *c;

	put("certs/ca.crt", CA_PEM);
	put("certs/c.crt", "CERT PEM\n");
	put("certs/c.key", "KEY PEM\n");
	put("tok", "file-token\n");
	assert_int_equal(chdir("/"), 0);
	c = load_kc(HEAD
	    "clusters:\n- name: c1\n  cluster:\n"
	    "    server: https://[2001:db8::1]:6443\n"
	    "    certificate-authority: certs/ca.crt\n"
	    "    insecure-skip-tls-verify: false\n"
	    "users:\n- name: u1\n  user:\n"
	    "    client-certificate: certs/c.crt\n"
	    "    client-key: certs/c.key\n"
	    "    token: ignored-when-tokenFile-given\n"
	    "    tokenFile: tok\n");
	assert_non_null(c);
	assert_string_equal(c->server, "https://[2001:db8::1]:6443");
	assert_string_equal(c->ca_pem, CA_PEM);
	assert_string_equal(c->cert_pem, "CERT PEM\n");
	assert_string_equal(c->key_pem, "KEY PEM\n");
	assert_string_equal(c->token, "file-token");
	assert_string_equal(c->token_file, at("tok"));

	/* Rotation. */
	assert_int_equal(kube_creds_refresh_token(c, err, sizeof(err)), 0);
	put("tok", "rotated");
	assert_int_equal(kube_creds_refresh_token(c, err, sizeof(err)), 1);
	assert_string_equal(c->token, "rotated");
	unlink(at("tok"));
	assert_int_equal(kube_creds_refresh_token(c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
	assert_string_equal(c->token, "rotated");
	kube_creds_free(c);
}

static void
test_insecure_anonymous(void **state)
{
	struct kube_creds *c = load_kc(
	    "current-context: ctx\n"
	    "contexts:\n- name: ctx\n  context: {cluster: c1}\n"
	    "clusters:\n- name: c1\n  cluster:\n"
	    "    server: http://127.0.0.1:8080\n"
	    "    insecure-skip-tls-verify: true\n");

	assert_non_null(c);
	assert_true(c->insecure);
	assert_null(c->token);
	assert_null(c->ca_pem);
	kube_creds_free(c);
}

#define C1 "clusters:\n- name: c1\n  cluster:\n    server: https://192.0.2.1\n"

static void
test_errors(void **state)
{
	expect_error(HEAD C1 "users:\n- name: u1\n  user:\n    exec:\n"
	    "      command: aws\n", "user \"u1\": exec credentials are not supported");
	expect_error(HEAD C1 "users:\n- name: u1\n  user:\n    auth-provider:\n"
	    "      name: gcp\n", "auth-provider credentials are not supported");
	expect_error(HEAD C1, "user \"u1\" not found in users");
	expect_error("current-context: nope\n" "contexts: []\n" C1,
	    "context \"nope\" not found in contexts");
	expect_error("contexts: []\n" C1, "current-context is not set");
	expect_error(HEAD "clusters:\n- name: c1\n  cluster:\n"
	    "    certificate-authority-data: Q0EgUEVNCg==\n", "cluster \"c1\": no server");
	expect_error(HEAD "clusters:\n- name: c1\n  cluster:\n"
	    "    server: ftp://x\n", "not an http(s) URL");
	expect_error(HEAD "clusters:\n- name: c1\n  cluster:\n"
	    "    server: https://x\n    certificate-authority-data: '%%%'\n",
	    "certificate-authority-data: not valid base64");
	expect_error(HEAD "clusters:\n- name: c1\n  cluster:\n"
	    "    server: https://x\n    certificate-authority: missing.crt\n",
	    "missing.crt: No such file");
	expect_error(HEAD "clusters:\n- name: c1\n  cluster:\n"
	    "    server: https://x\n    insecure-skip-tls-verify: maybe\n",
	    "not true or false");
	expect_error(HEAD C1 "users:\n- name: u1\n  user:\n"
	    "    client-certificate-data: Q0VSVCBQRU0K\n",
	    "a client certificate needs a client key");
	expect_error(HEAD C1 "users:\n- name: u1\n  user:\n    token: [a]\n",
	    "token is not a string");
	expect_error("current-context: [\n", "kc.yaml:");
	expect_error("", "empty");
	assert_null(kube_creds_load(at("absent.yaml"), err, sizeof(err)));
	assert_non_null(strstr(err, "absent.yaml: No such file"));
}

/* Error messages must not carry secrets. */
static void
test_no_secret_in_errors(void **state)
{
	expect_error(HEAD C1 "users:\n- name: u1\n  user:\n"
	    "    token: s3cr3t\n    client-key-data: S0VZIFBFTQo=\n",
	    "a client certificate needs a client key");
	assert_null(strstr(err, "s3cr3t"));
	assert_null(strstr(err, "S0VZ"));
}

static void
test_in_cluster(void **state)
{
	struct kube_creds *c;

	put("sa/token", "sa-token\n");
	put("sa/ca.crt", CA_PEM);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);

	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	assert_non_null(c = kube_creds_load(NULL, err, sizeof(err)));
	assert_string_equal(c->server, "https://[fd00::1]:443");
	assert_string_equal(c->token, "sa-token");
	assert_string_equal(c->ca_pem, CA_PEM);
	assert_string_equal(c->token_file, at("sa/token"));
	assert_string_equal(c->source, "in-cluster");
	kube_creds_free(c);

	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	assert_non_null(c = kube_creds_load(NULL, err, sizeof(err)));
	assert_string_equal(c->server, "https://10.96.0.1:443");
	kube_creds_free(c);

	/* $KUBECONFIG beats in-cluster; an explicit path beats both. */
	put("env.yaml", HEAD "clusters:\n- name: c1\n  cluster:\n"
	    "    server: https://from-env\n"
	    "users:\n- name: u1\n  user: {token: t}\n");
	setenv("KUBECONFIG", at("env.yaml"), 1);
	assert_non_null(c = kube_creds_load(NULL, err, sizeof(err)));
	assert_string_equal(c->server, "https://from-env");
	kube_creds_free(c);
	/* A kubectl-style list: the first file decides. */
	{
		char list[600];

		snprintf(list, sizeof(list), "%s:%s", at("env.yaml"),
		    at("absent.yaml"));
		setenv("KUBECONFIG", list, 1);
		assert_non_null(c = kube_creds_load(NULL, err, sizeof(err)));
		assert_string_equal(c->server, "https://from-env");
		kube_creds_free(c);
		setenv("KUBECONFIG", at("env.yaml"), 1);
	}
	put("kc.yaml", HEAD "clusters:\n- name: c1\n  cluster:\n"
	    "    server: https://explicit\n"
	    "users:\n- name: u1\n  user: {token: t}\n");
	assert_non_null(c = kube_creds_load(at("kc.yaml"), err, sizeof(err)));
	assert_string_equal(c->server, "https://explicit");
	kube_creds_free(c);
	unsetenv("KUBECONFIG");

	unlink(at("sa/ca.crt"));
	assert_null(kube_creds_load(NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "ca.crt"));
	unsetenv("KUBERNETES_SERVICE_HOST");
	assert_null(kube_creds_load(NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "KUBERNETES_SERVICE_HOST"));
	unsetenv("KUBERNETES_SERVICE_PORT");
}

/* No secret over plain http; a CA that can verify nothing, or a credential
 * file that is not a regular file, is a configuration error at once. */
static void
test_refused(void **state)
{
#define HTTP "clusters:\n- name: c1\n  cluster:\n    server: http://192.0.2.1\n"
#define CA(file) "clusters:\n- name: c1\n  cluster:\n    server: https://x\n" \
	"    certificate-authority: " file "\n" \
	"users:\n- name: u1\n  user: {token: t}\n"
	struct kube_creds *c;
	char *s;
	size_t len;

	expect_error(HEAD HTTP "users:\n- name: u1\n  user: {token: t}\n",
	    "refusing to send a bearer token over plain http");
	expect_error(HEAD HTTP "users:\n- name: u1\n  user:\n"
	    "    client-certificate-data: Q0VSVCBQRU0K\n"
	    "    client-key-data: S0VZIFBFTQo=\n",
	    "refusing to send a client key over plain http");
	put("certs/empty.crt", "");
	expect_error(HEAD CA("certs/empty.crt"), "no valid PEM certificate");
	put("certs/garbage.crt", "garbage\n");
	expect_error(HEAD CA("certs/garbage.crt"), "no valid PEM certificate");
	put("certs/bad.crt", CA_PEM "-----BEGIN CERTIFICATE-----\nQUJD\n"
	    "-----END CERTIFICATE-----\n");
	expect_error(HEAD CA("certs/bad.crt"), "no valid PEM certificate");
	expect_error(HEAD CA("certs"), "certs: not a regular file");
	assert_int_equal(mkfifo(at("fifo"), 0600), 0);
	expect_error(HEAD CA("fifo"), "fifo: not a regular file");
	expect_error(HEAD C1 "users:\n- name: u1\n  user: {tokenFile: fifo}\n",
	    "token file");
	assert_non_null(strstr(err, "fifo: not a regular file"));
	put("certs/two.crt", CA_PEM CA_PEM);
	assert_non_null(c = load_kc(HEAD CA("certs/two.crt")));
	kube_creds_free(c);

	/* The worker's side refuses what a supervisor should not send. */
	{
		char source[] = "kubeconfig /x", server[] = "http://a",
		    tok[] = "t";
		struct kube_creds in = { .source = source, .server = server,
		    .token = tok };

		assert_non_null(s = kube_creds_serialize(&in, &len));
		assert_null(kube_creds_parse(s, len, err, sizeof(err)));
		assert_non_null(strstr(err, "plain http"));
		free(s);
	}
}

static void
test_serialize_roundtrip(void **state)
{
	char source[] = "kubeconfig /x", server[] = "https://[fd00::1]:443",
	    ca[] = "-----BEGIN\nline 2 with spaces\n\n-----END\n",
	    cert[] = "cert\n", key[] = "key 12\nnot a header\n", tok[] = "t",
	    tokfile[] = "/run/tok", sni[] = "api", srv2[] = "https://a";
	struct kube_creds in = {
		.source = source, .server = server, .ca_pem = ca,
		.cert_pem = cert, .key_pem = key, .token = tok,
		.token_file = tokfile, .tls_server_name = sni, .insecure = true,
	}, minimal = { .server = srv2 };
	struct kube_creds *out;
	char *s;
	size_t len;

	assert_non_null(s = kube_creds_serialize(&in, &len));
	assert_int_equal(strlen(s), len);
	assert_non_null(out = kube_creds_parse(s, len, err, sizeof(err)));
	assert_true(kube_creds_equal(&in, out));
	assert_string_equal(out->key_pem, in.key_pem);
	free(out->token);
	out->token = strdup("u");
	assert_false(kube_creds_equal(&in, out));
	kube_creds_free(out);

	/* Every truncation is an error, never a crash or a shorter value. */
	for (size_t i = 1; i < len; i++) {
		out = kube_creds_parse(s, i, err, sizeof(err));
		if (out != NULL) {
			assert_false(kube_creds_equal(&in, out));
			kube_creds_free(out);
		}
	}
	free(s);

	assert_non_null(s = kube_creds_serialize(&minimal, &len));
	assert_non_null(out = kube_creds_parse(s, len, err, sizeof(err)));
	assert_true(kube_creds_equal(&minimal, out));
	assert_false(out->insecure);
	assert_null(out->token);
	kube_creds_free(out);
	free(s);
}

static void
test_parse_errors(void **state)
{
	static const struct {
		const char *in, *msg;
	} cases[] = {
		{ "", "no server" },
		{ "token 1\nt\n", "no server" },
		{ "server 8\nhttps://a\n", "bad length" },
		{ "server 10\nhttps://a\n", "bad length" },
		{ "server 99999999999999999999\nx\n", "bad field length" },
		{ "server x\nx\n", "bad field length" },
		{ "server\n", "bad field header" },
		{ "color 3\nred\nserver 9\nhttps://a\n", "unknown field color" },
		{ "server 1\na\nserver 1\nb\n", "duplicate field server" },
		{ "server 1\na\ninsecure 1\n0\n", "bad insecure" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_null(kube_creds_parse(cases[i].in, strlen(cases[i].in),
		    err, sizeof(err)));
		if (strstr(err, cases[i].msg) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err,
			    cases[i].msg);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inline_data),
		cmocka_unit_test(test_relative_files),
		cmocka_unit_test(test_insecure_anonymous),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_no_secret_in_errors),
		cmocka_unit_test(test_in_cluster),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_serialize_roundtrip),
		cmocka_unit_test(test_parse_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
