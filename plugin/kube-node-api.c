/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube-node-api: kube-node's way to the Kubernetes API, for a node whose
 * worker has not written a state file. kube-node runs it with the same
 * config on stdin; it answers with this node's ranges in the state file
 * format, or with a CNI error and exit status 1.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apiranges.h"
#include "cni.h"
#include "netconf.h"
#include "log.h"

int
main(void)
{
	struct cni_error e = { 0 };
	struct netconf c = { 0 };
	struct ranges r;
	char name[NODE_NAME_MAX + 1], buf[ADDR_STRLEN], *in = NULL;
	const char *cmd;
	cJSON *out = NULL, *cidrs;
	char *text = NULL;
	size_t len, i;

	log_init("kube-node-api");
	/* It lives in the CNI bin dir, so it answers what is asked there. */
	if ((cmd = getenv("CNI_COMMAND")) != NULL && strcmp(cmd, "VERSION") == 0)
		return cni_version_write(stdout) < 0 ? 1 : 0;
	if ((in = netconf_read(0, &len, &e)) == NULL ||
	    netconf_parse(in, len, &c, &e) < 0)
		goto done;
	if (c.log_level >= 0)
		log_set_level((enum log_level)c.log_level);
	if (api_ranges(&c, name, &r, &e) < 0)
		goto done;
	if ((out = cJSON_CreateObject()) == NULL ||
	    !cJSON_AddStringToObject(out, "network",
	    c.network != NULL ? c.network : c.name) ||
	    !cJSON_AddStringToObject(out, "node", name) ||
	    !(c.annotation != NULL ?
	    cJSON_AddStringToObject(out, "annotation", c.annotation) :
	    cJSON_AddNullToObject(out, "annotation")) ||
	    (cidrs = cJSON_AddArrayToObject(out, "cidrs")) == NULL)
		goto nomem;
	for (i = 0; i < r.n; i++) {
		cJSON *s = cJSON_CreateString(cidr_format(&r.cidr[i], buf));

		if (s == NULL)
			goto nomem;
		cJSON_AddItemToArray(cidrs, s);
	}
	if ((text = cJSON_PrintUnformatted(out)) == NULL)
		goto nomem;
	printf("%s\n", text);
	goto done;

nomem:
	cni_fail(&e, CNI_ERR_IO, "I/O error", "kube-node-api: out of memory");
done:
	/* kube-node logs the error it is handed. */
	if (e.code != 0)
		cni_error_write(stdout, c.version[0] != '\0' ? c.version :
		    CNI_VERSION_LATEST, &e);
	free(text);
	cJSON_Delete(out);
	netconf_free(&c);
	free(in);
	return e.code != 0 || fflush(stdout) != 0 ? 1 : 0;
}
