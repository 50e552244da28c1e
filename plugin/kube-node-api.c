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
#include "statefile.h"

int
main(void)
{
	struct cni_error e = { 0 };
	struct netconf c = { 0 };
	struct ranges r;
	char name[NODE_NAME_MAX + 1], *in = NULL, *text = NULL;
	struct statefile sf;
	const char *cmd;
	size_t len;

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
	sf = (struct statefile){ .network = c.network != NULL ? c.network :
	    c.name, .node = name, .annotation = c.annotation,
	    .cidrs = r.cidr, .n_cidrs = r.n };
	if ((text = statefile_render(&sf)) == NULL)
		cni_fail(&e, CNI_ERR_IO, "I/O error", "kube-node-api: out of "
		    "memory");
	else
		printf("%s\n", text);
done:
	/* kube-node logs the error it is handed. */
	if (e.code != 0)
		cni_error_write(stdout, c.version[0] != '\0' ? c.version :
		    CNI_VERSION_LATEST, &e);
	free(text);
	netconf_free(&c);
	free(in);
	return e.code != 0 || fflush(stdout) != 0 ? 1 : 0;
}
