/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "conflist.h"
#include "log.h"

#define MANIFEST_MAX	(64 * 1024)

/* The bridge plugin with kube-node IPAM, added to plugins. Returns 0, or -1
 * when an allocation failed. */
static int
bridge_add(cJSON *plugins, const struct config *cfg,
    const struct net_config *net, unsigned mtu, const char *kubeconfig)
{
	bool primary = net->cidr_annotation == NULL;
	cJSON *bridge, *ipam;

	if ((bridge = cJSON_CreateObject()) == NULL)
		return -1;
	if (!cJSON_AddItemToArray(plugins, bridge)) {
		cJSON_Delete(bridge);
		return -1;
	}
	if (cJSON_AddStringToObject(bridge, "type", "bridge") == NULL ||
	    cJSON_AddStringToObject(bridge, "bridge", net->bridge) == NULL ||
	    cJSON_AddBoolToObject(bridge, "isGateway", true) == NULL ||
	    cJSON_AddBoolToObject(bridge, "isDefaultGateway", primary) == NULL ||
	    cJSON_AddBoolToObject(bridge, "hairpinMode", true) == NULL ||
	    cJSON_AddNumberToObject(bridge, "mtu", mtu) == NULL ||
	    (ipam = cJSON_AddObjectToObject(bridge, "ipam")) == NULL ||
	    cJSON_AddStringToObject(ipam, "type", "kube-node") == NULL ||
	    cJSON_AddStringToObject(ipam, "network", net->name) == NULL ||
	    (!primary && cJSON_AddStringToObject(ipam, "annotation",
	    net->cidr_annotation) == NULL) ||
	    cJSON_AddStringToObject(ipam, "stateDir", cfg->state_dir) == NULL ||
	    cJSON_AddStringToObject(ipam, "dataDir", net->ipam_data_dir) == NULL ||
	    (kubeconfig != NULL && cJSON_AddStringToObject(ipam, "kubeconfig",
	    kubeconfig) == NULL))
		return -1;
	return 0;
}

char *
conflist_text(const struct config *cfg, const struct net_config *net,
    unsigned mtu, const char *kubeconfig)
{
	cJSON *list, *plugins;
	char *text = NULL;

	/* A runtime reads the file: it is complete or not written. */
	if ((list = cJSON_CreateObject()) != NULL &&
	    cJSON_AddStringToObject(list, "cniVersion", "1.0.0") != NULL &&
	    cJSON_AddStringToObject(list, "name", net->name) != NULL &&
	    (plugins = cJSON_AddArrayToObject(list, "plugins")) != NULL &&
	    bridge_add(plugins, cfg, net, mtu, kubeconfig) == 0)
		text = cJSON_Print(list);
	cJSON_Delete(list);
	if (text == NULL)
		errno = ENOMEM;
	return text;
}

static char *
conf_path(const char *dir, const char *name)
{
	char *path;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return NULL;
	return path;
}

int
conflist_write(const struct config *cfg, const struct net_config *net,
    unsigned mtu, const char *kubeconfig)
{
	char *text, *path;
	size_t len;
	int rc = -1;

	text = conflist_text(cfg, net, mtu, kubeconfig);
	path = conf_path(cfg->cni_conf_dir, net->cni_conf);
	if (text == NULL || path == NULL) {
		log_err("network %s: cni conf", net->name);
		goto out;
	}
	len = strlen(text);
	text[len++] = '\n';	/* a text file ends with one: replaces the NUL */
	if ((rc = atomic_update(path, text, len, 0644)) < 0)
		log_err("network %s: %s: cannot write", net->name, path);
	else if (rc > 0)
		log_info("network %s: wrote %s (mtu %u)", net->name, path, mtu);
out:
	free(text);
	free(path);
	return rc;
}

static bool
declared(const struct config *cfg, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < cfg->n_nets; i++) {
		const char *f = cfg->nets[i].cni_conf;

		if (f != NULL && strlen(f) == len && memcmp(f, name, len) == 0)
			return true;
	}
	return false;
}

int
conflist_prune(const struct config *cfg)
{
	char *path, *old, *line, *next, *text = NULL;
	size_t len, i, off = 0;
	int rc = 0;

	if ((path = conf_path(cfg->cni_conf_dir, CONFLIST_MANIFEST)) == NULL)
		return -1;
	if ((old = file_read(path, MANIFEST_MAX, &len)) == NULL && errno != ENOENT) {
		log_err("cni conf: %s", path);
		rc = -1;
	}
	for (line = old; line != NULL && *line != '\0'; line = next) {
		char *file;

		len = strcspn(line, "\n");
		next = line[len] == '\n' ? line + len + 1 : line + len;
		line[len] = '\0';
		/* A name xcni could have written: no path, no hidden file. */
		if (len == 0 || line[0] == '.' || strchr(line, '/') != NULL ||
		    declared(cfg, line, len))
			continue;
		if ((file = conf_path(cfg->cni_conf_dir, line)) == NULL) {
			rc = -1;
			break;
		}
		if (unlink(file) == 0)
			log_info("cni conf: removed %s", file);
		else if (errno != ENOENT) {
			log_err("cni conf: %s", file);
			rc = -1;
		}
		free(file);
	}
	free(old);

	for (i = 0, len = 0; i < cfg->n_nets; i++)
		if (cfg->nets[i].cni_conf != NULL)
			len += strlen(cfg->nets[i].cni_conf) + 1;
	if ((text = malloc(len + 1)) == NULL)
		rc = -1;
	for (i = 0; text != NULL && i < cfg->n_nets; i++)
		if (cfg->nets[i].cni_conf != NULL)
			off += (size_t)sprintf(text + off, "%s\n",
			    cfg->nets[i].cni_conf);
	if (text != NULL && atomic_update(path, text, off, 0644) < 0) {
		log_err("cni conf: %s: cannot write", path);
		rc = -1;
	}
	free(text);
	free(path);
	return rc;
}
