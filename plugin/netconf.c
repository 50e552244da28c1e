/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netconf.h"
#include "conf.h"
#include "log.h"

#define BAD_CONFIG "invalid configuration"

/* host-local keys whose value kube-node computes: a user's value would be
 * silently replaced, so it is refused instead. */
static const char *const owned_keys[] = {
	"ranges", "range", "subnet", "rangeStart", "rangeEnd", "gateway", NULL
};

/* The keys kube-node reads; anything else in ipam is ignored, as upstream
 * kube-node did, so existing NetworkAttachmentDefinitions keep working. */
static const char *const known_keys[] = {
	"type", "network", "annotation", "kubeconfig", "dataDir", "stateDir",
	"logFile", "logfile", "logLevel", "loglevel", "ipv4-namespaces",
	"routes", NULL
};

static bool
in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static int
get_string(const cJSON *obj, const char *where, const char *key,
    const char **out, struct cni_error *e)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (it == NULL || cJSON_IsNull(it))
		return 0;
	if (!cJSON_IsString(it))
		return cni_fail(e, CNI_ERR_INVALID_CONFIG, BAD_CONFIG,
		    "%s%s: not a string", where, key);
	if (it->valuestring[0] == '\0')
		return cni_fail(e, CNI_ERR_INVALID_CONFIG, BAD_CONFIG,
		    "%s%s: empty", where, key);
	*out = it->valuestring;
	return 0;
}

/* The CNI specification's network name: [a-zA-Z0-9][a-zA-Z0-9_.-]*. It is
 * also a file name under stateDir, so this keeps "/" and ".." out. */
static bool
valid_network_name(const char *s)
{
	if (!isalnum((unsigned char)*s))
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("_.-", *s) == NULL)
			return false;
	return true;
}

/*
 * Without ipam.dataDir, the one xcni-supervisor writes by default rather
 * than host-local's: a runtime that rewrites the conf between ADD and DEL
 * still releases where ADD allocated. Multus 4.2 does that with its default
 * network: on DEL it passes a conflist that keeps only each plugin's "type"
 * and "ipam": {"type"}. The path lives in c->ipam. Returns 0, or -1 with e
 * set.
 */
static int
default_data_dir(struct netconf *c, struct cni_error *e)
{
	char path[PATH_MAX];
	const cJSON *it;

	if (!valid_network_name(c->name))
		return 0;
	if ((size_t)snprintf(path, sizeof(path), CONF_IPAM_DATA_DIR "%s",
	    c->name) >= sizeof(path))
		return cni_fail(e, CNI_ERR_INVALID_CONFIG, BAD_CONFIG,
		    "name: too long for a default ipam.dataDir");
	if ((it = cJSON_AddStringToObject(c->ipam, "dataDir", path)) == NULL)
		return cni_fail(e, CNI_ERR_IO, "I/O error", "config: %s",
		    strerror(ENOMEM));
	c->data_dir = it->valuestring;
	return 0;
}

static int
parse_ipam(struct netconf *c, struct cni_error *e)
{
	const cJSON *ipam = c->ipam, *it;
	const char *unused = NULL;

	cJSON_ArrayForEach(it, ipam) {
		if (in_list(owned_keys, it->string))
			return cni_fail(e, CNI_ERR_UNSUPPORTED_FIELD,
			    "unsupported field", "ipam.%s: kube-node sets "
			    "the ranges from the node's CIDRs", it->string);
		if (!in_list(known_keys, it->string))
			log_debug("config: ipam.%s: unknown key, ignored",
			    it->string);
	}
	if (get_string(ipam, "ipam.", "type", &unused, e) < 0 ||
	    get_string(ipam, "ipam.", "network", &c->network, e) < 0 ||
	    get_string(ipam, "ipam.", "annotation", &c->annotation, e) < 0 ||
	    get_string(ipam, "ipam.", "kubeconfig", &c->kubeconfig, e) < 0 ||
	    get_string(ipam, "ipam.", "dataDir", &c->data_dir, e) < 0 ||
	    get_string(ipam, "ipam.", "stateDir", &c->state_dir, e) < 0 ||
	    get_string(ipam, "ipam.", "logFile", &c->log_file, e) < 0 ||
	    (c->log_file == NULL &&
	    get_string(ipam, "ipam.", "logfile", &c->log_file, e) < 0))
		return -1;
	if (c->network != NULL && !valid_network_name(c->network))
		return cni_fail(e, CNI_ERR_INVALID_CONFIG, BAD_CONFIG,
		    "ipam.network: \"%s\" is not a valid network name",
		    c->network);
	if (c->state_dir == NULL)
		c->state_dir = NETCONF_STATE_DIR;
	else if (c->state_dir[0] != '/')
		return cni_fail(e, CNI_ERR_INVALID_CONFIG, BAD_CONFIG,
		    "ipam.stateDir: \"%s\" is not an absolute path",
		    c->state_dir);
	if (c->data_dir == NULL && default_data_dir(c, e) < 0)
		return -1;

	it = cJSON_GetObjectItemCaseSensitive(ipam, "logLevel");
	if (it == NULL)
		it = cJSON_GetObjectItemCaseSensitive(ipam, "loglevel");
	if (it != NULL) {
		enum log_level level;
		char num[32];
		const char *s = num;

		/* Upstream took a verbosity number as well as a name. */
		if (cJSON_IsNumber(it))
			snprintf(num, sizeof(num), "%g", it->valuedouble);
		else if (cJSON_IsString(it))
			s = it->valuestring;
		else
			return cni_fail(e, CNI_ERR_INVALID_CONFIG, BAD_CONFIG,
			    "ipam.%s: not a string or number", it->string);
		if (log_level_parse(s, &level) < 0)
			return cni_fail(e, CNI_ERR_INVALID_CONFIG, BAD_CONFIG,
			    "ipam.%s: \"%s\" is not a log level (error, "
			    "warning, info, debug, trace or 0, 1, 2)",
			    it->string, s);
		c->log_level = (int)level;
	}

	it = cJSON_GetObjectItemCaseSensitive(ipam, "ipv4-namespaces");
	if (it != NULL) {
		const cJSON *ns;

		if (!cJSON_IsArray(it))
			return cni_fail(e, CNI_ERR_INVALID_CONFIG, BAD_CONFIG,
			    "ipam.ipv4-namespaces: not a list");
		cJSON_ArrayForEach(ns, it)
			if (!cJSON_IsString(ns))
				return cni_fail(e, CNI_ERR_INVALID_CONFIG,
				    BAD_CONFIG, "ipam.ipv4-namespaces: "
				    "an item is not a string");
		c->ipv4_namespaces = it;
	}

	it = cJSON_GetObjectItemCaseSensitive(ipam, "routes");
	if (it != NULL) {
		if (!cJSON_IsArray(it))
			return cni_fail(e, CNI_ERR_INVALID_CONFIG, BAD_CONFIG,
			    "ipam.routes: not a list");
		c->routes = it;
	}
	return 0;
}

char *
netconf_read(int fd, size_t *len, struct cni_error *e)
{
	size_t cap = 4096, used = 0;
	char *buf = malloc(cap), *nb;
	ssize_t n;

	while (buf != NULL) {
		if (used + 1 == cap) {
			if (cap >= NETCONF_MAX) {
				free(buf);
				cni_fail(e, CNI_ERR_DECODE, "decoding failed",
				    "config: larger than %d bytes",
				    NETCONF_MAX);
				return NULL;
			}
			if ((nb = realloc(buf, cap *= 2)) == NULL)
				break;
			buf = nb;
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n == 0) {
			buf[used] = '\0';
			*len = used;
			return buf;
		}
		used += (size_t)n;
	}
	cni_fail(e, CNI_ERR_IO, "I/O error", "reading the config: %s",
	    strerror(errno));
	free(buf);
	return NULL;
}

int
netconf_parse(const char *buf, size_t len, struct netconf *c,
    struct cni_error *e)
{
	const char *end = NULL;
	const cJSON *it;

	memset(c, 0, sizeof(*c));
	c->log_level = -1;
	c->root = cJSON_ParseWithLengthOpts(buf, len, &end, false);
	if (c->root == NULL || !cJSON_IsObject(c->root)) {
		cni_fail(e, CNI_ERR_DECODE, "decoding failed",
		    "config: not a JSON object");
		goto fail;
	}
	for (; end < buf + len; end++) {
		if (!isspace((unsigned char)*end)) {
			cni_fail(e, CNI_ERR_DECODE, "decoding failed",
			    "config: text after the JSON object");
			goto fail;
		}
	}

	it = cJSON_GetObjectItemCaseSensitive(c->root, "cniVersion");
	if (it == NULL) {
		cni_fail(e, CNI_ERR_INVALID_CONFIG, BAD_CONFIG,
		    "cniVersion: missing");
		goto fail;
	}
	if (!cJSON_IsString(it)) {
		cni_fail(e, CNI_ERR_INVALID_CONFIG, BAD_CONFIG,
		    "cniVersion: not a string");
		goto fail;
	}
	if (!cni_version_supported(it->valuestring)) {
		cni_fail(e, CNI_ERR_INCOMPATIBLE_VERSION,
		    "incompatible CNI versions", "config is \"%.32s\", "
		    "kube-node supports 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0",
		    it->valuestring);
		goto fail;
	}
	snprintf(c->version, sizeof(c->version), "%s", it->valuestring);

	if (get_string(c->root, "", "name", &c->name, e) < 0)
		goto fail;
	if (c->name == NULL) {
		cni_fail(e, CNI_ERR_INVALID_CONFIG, BAD_CONFIG,
		    "name: missing");
		goto fail;
	}
	c->ipam = cJSON_DetachItemFromObjectCaseSensitive(c->root, "ipam");
	if (!cJSON_IsObject(c->ipam)) {
		cni_fail(e, CNI_ERR_INVALID_CONFIG, BAD_CONFIG,
		    c->ipam == NULL ? "ipam: missing" : "ipam: not an object");
		goto fail;
	}
	if (parse_ipam(c, e) < 0)
		goto fail;
	return 0;

fail:
	cJSON_Delete(c->ipam);
	cJSON_Delete(c->root);
	c->ipam = c->root = NULL;
	return -1;
}

void
netconf_free(struct netconf *c)
{
	cJSON_Delete(c->ipam);
	cJSON_Delete(c->root);
	c->ipam = c->root = NULL;
}

bool
netconf_ipv4_allowed(const struct netconf *c, const char *ns)
{
	const cJSON *it;

	if (c->ipv4_namespaces == NULL)
		return true;
	if (ns == NULL)
		return false;
	cJSON_ArrayForEach(it, c->ipv4_namespaces)
		if (strcmp(it->valuestring, ns) == 0)
			return true;
	return false;
}
