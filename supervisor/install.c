/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "install.h"
#include "log.h"

#define PLUGIN_MAX	(256 << 20)

/* Where the plugins come from: the image's own directories. */
static const char *
source_find(const char *name, char *path, size_t size)
{
	const char *dirs[] = { getenv("XCNI_PLUGIN_DIR"), CNIBINDIR,
	    "/usr/lib/cni" };
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (dirs[i] == NULL || *dirs[i] == '\0')
			continue;
		snprintf(path, size, "%s/%s", dirs[i], name);
		if (access(path, X_OK) == 0)
			return path;
	}
	return NULL;
}

/* Never an in-place copy: a runtime may exec the file at any moment. */
static int
install_one(const char *bin_dir, const char *name, bool only_if_missing)
{
	char src[4096], dst[4096];
	char *data;
	size_t len;
	int rc;

	snprintf(dst, sizeof(dst), "%s/%s", bin_dir, name);
	if (only_if_missing && access(dst, F_OK) == 0)
		return 0;
	if (source_find(name, src, sizeof(src)) == NULL) {
		log_errx("install: %s: not found in $XCNI_PLUGIN_DIR, %s or "
		    "/usr/lib/cni", name, CNIBINDIR);
		return -1;
	}
	if ((data = file_read(src, PLUGIN_MAX, &len)) == NULL) {
		log_err("install: %s", src);
		return -1;
	}
	if ((rc = atomic_update(dst, data, len, 0755)) < 0)
		log_err("install: %s", dst);
	else if (rc > 0)
		log_info("install: %s from %s", dst, src);
	free(data);
	return rc < 0 ? -1 : 0;
}

int
install_plugins(const char *bin_dir)
{
	int rc = 0;

	if (install_one(bin_dir, "kube-node", false) < 0)
		rc = -1;
	if (install_one(bin_dir, "kube-node-api", false) < 0)
		rc = -1;
	if (install_one(bin_dir, "bridge", true) < 0)
		rc = -1;
	if (install_one(bin_dir, "host-local", true) < 0)
		rc = -1;
	return rc;
}

/* A YAML double-quoted scalar; control characters never occur in paths and
 * URLs xcni writes, but a quote or backslash might. */
static void
yaml_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static int
write_secret(const char *what, const char *path, const char *data)
{
	int rc;

	if ((rc = atomic_update(path, data, strlen(data), 0600)) < 0)
		log_err("install: %s %s", what, path);
	else if (rc > 0)
		log_info("install: wrote %s %s", what, path);
	return rc < 0 ? -1 : 0;
}

int
install_kubeconfig(const struct config *cfg, const struct kube_creds *creds)
{
	char kc[4096], token[4096], ca[4096];
	char *text = NULL;
	size_t len;
	FILE *f;
	int rc = 0;

	if (creds->token == NULL) {
		log_errx("install: %s has no token for the plugin's kubeconfig",
		    creds->source);
		return -1;
	}
	snprintf(kc, sizeof(kc), "%s/%s", cfg->cni_conf_dir, INSTALL_KUBECONFIG);
	snprintf(token, sizeof(token), "%s/%s", cfg->cni_conf_dir, INSTALL_TOKEN);
	snprintf(ca, sizeof(ca), "%s/%s", cfg->cni_conf_dir, INSTALL_CA);
	if (write_secret("token", token, creds->token) < 0)
		rc = -1;
	if (creds->ca_pem != NULL && write_secret("ca", ca, creds->ca_pem) < 0)
		rc = -1;

	if ((f = open_memstream(&text, &len)) == NULL)
		return -1;
	fputs("# Written by xcni-supervisor for the kube-node CNI plugin.\n"
	    "apiVersion: v1\nkind: Config\nclusters:\n- name: xcni\n"
	    "  cluster:\n    server: ", f);
	yaml_string(f, creds->server);
	if (creds->ca_pem != NULL) {
		fputs("\n    certificate-authority: ", f);
		yaml_string(f, ca);
	}
	if (creds->tls_server_name != NULL) {
		fputs("\n    tls-server-name: ", f);
		yaml_string(f, creds->tls_server_name);
	}
	if (creds->insecure)
		fputs("\n    insecure-skip-tls-verify: true", f);
	fputs("\nusers:\n- name: xcni\n  user:\n    tokenFile: ", f);
	yaml_string(f, token);
	fputs("\ncontexts:\n- name: xcni\n  context:\n    cluster: xcni\n"
	    "    user: xcni\ncurrent-context: xcni\n", f);
	if (fclose(f) != 0 || write_secret("kubeconfig", kc, text) < 0)
		rc = -1;
	free(text);
	return rc;
}
