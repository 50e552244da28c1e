/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the kubeconfig reader and the fd-3 credentials format.
 * The input is read both as a kubeconfig (from a file: kube_creds_load
 * reads a path, and relative file names resolve beside it, where a CA and
 * a token wait) and as serialized credentials. Whatever either accepts
 * must serialize, parse back equal and serialize to the same bytes. */
#include "config.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kubecreds.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/xcni-fuzz-kubecreds.XXXXXX";
static char path[sizeof(dir) + 16];

static void
put(const char *name, const char *text)
{
	char p[sizeof(dir) + 16];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if ((f = fopen(p, "w")) == NULL || fputs(text, f) < 0 ||
	    fclose(f) != 0)
		abort();
}

static void
cleanup(void)
{
	char p[sizeof(dir) + 16];

	snprintf(p, sizeof(p), "%s/ca.crt", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/token", dir);
	unlink(p);
	unlink(path);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd;

	(void)argc;
	(void)argv;
	/* A kubeconfig may name /dev/stdin: let it read nothing. */
	if ((fd = open("/dev/null", O_RDONLY)) < 0 || dup2(fd, 0) < 0)
		abort();
	close(fd);
	if (mkdtemp(dir) == NULL)
		abort();
	atexit(cleanup);
	snprintf(path, sizeof(path), "%s/kubeconfig", dir);
	put("ca.crt", "-----BEGIN CERTIFICATE-----\nMIIB\n"
	    "-----END CERTIFICATE-----\n");
	put("token", " fuzz-token\n");
	return 0;
}

static void
round_trip(const struct kube_creds *c)
{
	struct kube_creds *back, *dup;
	char *text, *text2, err[256];
	size_t len, len2;

	if ((text = kube_creds_serialize(c, &len)) == NULL)
		abort();
	if ((back = kube_creds_parse(text, len, err, sizeof(err))) == NULL ||
	    !kube_creds_equal(c, back))
		__builtin_trap();
	if ((text2 = kube_creds_serialize(back, &len2)) == NULL)
		abort();
	if (len != len2 || memcmp(text, text2, len) != 0)
		__builtin_trap();
	if ((dup = kube_creds_dup(c)) == NULL)
		abort();
	if (!kube_creds_equal(c, dup))
		__builtin_trap();
	kube_creds_free(dup);
	kube_creds_free(back);
	free(text);
	free(text2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kube_creds *c;
	char err[256];
	FILE *f;

	if ((f = fopen(path, "w")) == NULL ||
	    fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	err[0] = '\0';
	if ((c = kube_creds_load(path, err, sizeof(err))) != NULL) {
		if (c->server == NULL)
			__builtin_trap();
		round_trip(c);
		kube_creds_free(c);
	} else if (err[0] == '\0') {
		__builtin_trap();	/* a failure must say why */
	}

	err[0] = '\0';
	if ((c = kube_creds_parse((const char *)data, size, err,
	    sizeof(err))) != NULL) {
		round_trip(c);
		kube_creds_free(c);
	} else if (err[0] == '\0') {
		__builtin_trap();
	}
	return 0;
}
