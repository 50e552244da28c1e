/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostlocal.h"

char *
hostlocal_config(struct netconf *c, const struct ranges *r,
    struct cni_error *e)
{
	cJSON *ipam, *ranges, *set, *range;
	char buf[ADDR_STRLEN], *text = NULL;
	size_t i;

	if ((ipam = cJSON_AddObjectToObject(c->root, "ipam")) == NULL ||
	    cJSON_AddStringToObject(ipam, "type", "host-local") == NULL ||
	    (ranges = cJSON_AddArrayToObject(ipam, "ranges")) == NULL)
		goto nomem;
	for (i = 0; i < r->n; i++) {
		if ((set = cJSON_CreateArray()) == NULL)
			goto nomem;
		cJSON_AddItemToArray(ranges, set);
		if ((range = cJSON_CreateObject()) == NULL)
			goto nomem;
		cJSON_AddItemToArray(set, range);
		if (cJSON_AddStringToObject(range, "subnet",
		    cidr_format(&r->cidr[i], buf)) == NULL)
			goto nomem;
	}
	if (c->data_dir != NULL &&
	    cJSON_AddStringToObject(ipam, "dataDir", c->data_dir) == NULL)
		goto nomem;
	if (c->routes != NULL && !cJSON_AddItemToObject(ipam, "routes",
	    cJSON_Duplicate(c->routes, true)))
		goto nomem;
	if ((text = cJSON_PrintUnformatted(c->root)) == NULL)
		goto nomem;
	return text;

nomem:
	cni_fail(e, CNI_ERR_IO, "I/O error", "host-local config: %s",
	    strerror(ENOMEM));
	return NULL;
}

int
hostlocal_supports(const struct prog *h, const char *version,
    struct cni_error *e)
{
	static char version_cmd[] = "CNI_COMMAND=VERSION";
	char **envp, *out = NULL, *input = NULL;
	cJSON *reply = NULL;
	const cJSON *list, *it;
	size_t n, i, j;
	int ret = -1, status;

	for (n = 0; environ[n] != NULL; n++)
		;
	if ((envp = calloc(n + 2, sizeof(*envp))) == NULL) {
		cni_fail(e, CNI_ERR_IO, "running host-local failed", "%s", strerror(errno));
		return -1;
	}
	for (i = j = 0; i < n; i++)
		if (strncmp(environ[i], "CNI_COMMAND=", 12) != 0)
			envp[j++] = environ[i];
	envp[j] = version_cmd;

	if (asprintf(&input, "{\"cniVersion\":\"%s\"}", version) < 0) {
		input = NULL;
		cni_fail(e, CNI_ERR_IO, "running host-local failed", "%s", strerror(errno));
		goto done;
	}
	status = prog_run(h, envp, input, &out, e);
	if (status < 0)
		goto done;
	if (status != 0 || out == NULL) {
		cni_fail(e, CNI_ERR_IO, "running host-local failed", "%s: VERSION exited with "
		    "status %d", h->path, status);
		goto done;
	}
	reply = cJSON_ParseWithLength(out, strlen(out));
	list = cJSON_GetObjectItemCaseSensitive(reply, "supportedVersions");
	if (!cJSON_IsArray(list)) {
		cni_fail(e, CNI_ERR_DECODE, "decoding failed", "%s: VERSION "
		    "reply has no supportedVersions", h->path);
		goto done;
	}
	ret = 0;
	cJSON_ArrayForEach(it, list)
		if (cJSON_IsString(it) && strcmp(it->valuestring, version) == 0)
			ret = 1;

done:
	cJSON_Delete(reply);
	free(out);
	free(input);
	free(envp);
	return ret;
}
