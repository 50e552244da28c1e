/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "apiranges.h"
#include "kname.h"
#include "kubeclient.h"
#include "kubecreds.h"
#include "kubestream.h"
#include "log.h"
#include "node.h"

/* A pod start waits for this at most; the runtime retries on code 11. */
#define API_TIMEOUT_MS 5000

#define NOT_KNOWN "ranges not known"

static int
node_name(const struct netconf *c, char *buf, size_t size,
    struct cni_error *e)
{
	const char *env = getenv("NODE_NAME"), *from = "the state files";

	if (state_node(c->state_dir, buf, size) < 0) {
		if (env != NULL && *env != '\0') {
			snprintf(buf, size, "%s", env);
			from = "NODE_NAME";
		} else if (kname_host_node(buf, size) == 0) {
			from = "the host name";
		} else {
			return cni_fail(e, CNI_ERR_INVALID_ENV,
			    "invalid environment", "no node name: NODE_NAME "
			    "is not set and gethostname failed");
		}
	}
	/* Also keeps the URL path free of anything that needs escaping. */
	if (!kname_node_valid(buf))
		return cni_fail(e, CNI_ERR_INVALID_ENV, "invalid environment",
		    "node name \"%s\" from %s is not a valid node name", buf,
		    from);
	return 0;
}

int
api_ranges(const struct netconf *c, char name[NODE_NAME_MAX + 1],
    struct ranges *r, struct cni_error *e)
{
	char path[NODE_NAME_MAX + 16], err[256];
	const char *net = c->network != NULL ? c->network : c->name;
	struct kube_creds *creds = NULL;
	struct kube_client *kc = NULL;
	struct node_rec rec;
	cJSON *node = NULL;
	char *body = NULL;
	size_t len, fam;
	long status;
	int ret = -1;

	if (node_name(c, name, NODE_NAME_MAX + 1, e) < 0)
		return -1;
	/* Without a kubeconfig key the API is only a guess ($KUBECONFIG or
	 * in-cluster): its absence means "wait for the worker". */
	if ((creds = kube_creds_load(c->kubeconfig, err, sizeof(err))) == NULL) {
		cni_fail(e, c->kubeconfig != NULL ? CNI_ERR_INVALID_CONFIG :
		    CNI_ERR_TRY_AGAIN, c->kubeconfig != NULL ?
		    "invalid configuration" : NOT_KNOWN, "no state file for "
		    "network %s in %s, and no API access: %s", net,
		    c->state_dir, err);
		goto done;
	}
	if ((kc = kube_client_new(creds, err, sizeof(err))) == NULL) {
		cni_fail(e, CNI_ERR_INVALID_CONFIG, "invalid configuration",
		    "%s: %s", creds->source, err);
		goto done;
	}
	kube_client_set_timeout(kc, API_TIMEOUT_MS);
	kube_client_set_user_agent(kc, "kube-node/" PACKAGE_VERSION);
	snprintf(path, sizeof(path), "/api/v1/nodes/%s", name);
	log_debug("%s: no state file, GET %s%s", net, creds->server, path);
	if (kube_get(kc, path, &status, &body, &len, err, sizeof(err)) < 0) {
		cni_fail(e, CNI_ERR_TRY_AGAIN, NOT_KNOWN, "no state file for "
		    "network %s, and GET %s%s failed: %s", net, creds->server,
		    path, err);
		goto done;
	}
	if (status != 200) {
		bool refused = status == 401 || status == 403;
		char msg[256];

		/* The server's own words name the user and the verb a 403
		 * refused, which is what an operator has to fix. */
		cni_fail(e, refused ? CNI_ERR_INVALID_CONFIG :
		    CNI_ERR_TRY_AGAIN, refused ? "invalid configuration" :
		    NOT_KNOWN, "no state file for network %s, and GET %s%s "
		    "answered %ld: %s", net, creds->server, path, status,
		    kube_status_message(body, len, msg, sizeof(msg)));
		goto done;
	}
	node = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(node) ||
	    node_decode(node, c->annotation, NULL, &rec) < 0) {
		cni_fail(e, CNI_ERR_DECODE, "decoding failed", "GET %s%s: "
		    "not a Node", creds->server, path);
		goto done;
	}
	if (rec.note[0] != '\0')
		log_info("node %s: %s", name, rec.note);
	r->n = 0;
	for (fam = 0; fam < NODE_NFAM; fam++)
		if (rec.has_cidr[fam])
			r->cidr[r->n++] = rec.cidr[fam];
	if (r->n == 0) {
		cni_fail(e, CNI_ERR_TRY_AGAIN, NOT_KNOWN, "node %s has no "
		    "CIDRs in %s%s", name, c->annotation != NULL ?
		    "annotation " : "spec.podCIDRs", c->annotation != NULL ?
		    c->annotation : "");
		goto done;
	}
	ret = 0;

done:
	cJSON_Delete(node);
	free(body);
	kube_client_free(kc);
	kube_creds_free(creds);
	return ret;
}
