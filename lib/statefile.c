/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "statefile.h"

struct parsed {
	cJSON *root;
	struct cidr cidrs[];
};

static bool
add_string(cJSON *o, const char *key, const char *value)
{
	return (value != NULL ? cJSON_AddStringToObject(o, key, value) :
	    cJSON_AddNullToObject(o, key)) != NULL;
}

static bool
add_cidrs(cJSON *o, const struct statefile *sf)
{
	cJSON *list = cJSON_AddArrayToObject(o, "cidrs"), *s;
	char buf[ADDR_STRLEN];
	size_t i;

	if (list == NULL)
		return false;
	for (i = 0; i < sf->n_cidrs; i++) {
		s = cJSON_CreateString(cidr_format(&sf->cidrs[i], buf));
		if (s == NULL || !cJSON_AddItemToArray(list, s)) {
			cJSON_Delete(s);
			return false;
		}
	}
	return true;
}

char *
statefile_render(const struct statefile *sf)
{
	cJSON *o = cJSON_CreateObject();
	char *text = NULL;

	if (o != NULL && add_string(o, "network", sf->network) &&
	    add_string(o, "node", sf->node) &&
	    add_string(o, "annotation", sf->annotation) && add_cidrs(o, sf) &&
	    (sf->resource_version == NULL ||
	    add_string(o, "resourceVersion", sf->resource_version)))
		text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text == NULL)
		errno = ENOMEM;
	return text;
}

static const char *
string_member(const cJSON *root, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, key);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* The CIDRs of list, with root. Returns NULL with errno EINVAL when an
 * item is not a CIDR, ENOMEM when memory ran out. */
static struct parsed *
parse_cidrs(cJSON *root, const cJSON *list, size_t *n)
{
	size_t count = (size_t)cJSON_GetArraySize(list);
	struct parsed *p = malloc(sizeof(*p) + count * sizeof(p->cidrs[0]));
	const cJSON *it;

	if (p == NULL)
		return NULL;
	p->root = root;
	*n = 0;
	cJSON_ArrayForEach(it, list) {
		if (!cJSON_IsString(it) || cidr_parse(it->valuestring,
		    strlen(it->valuestring), &p->cidrs[*n], NULL) < 0) {
			free(p);
			errno = EINVAL;
			return NULL;
		}
		(*n)++;
	}
	return p;
}

int
statefile_parse(const char *buf, size_t len, struct statefile *sf,
    char *err, size_t errsz)
{
	cJSON *root = cJSON_ParseWithLength(buf, len);
	const cJSON *ann = cJSON_GetObjectItemCaseSensitive(root, "annotation");
	const cJSON *cidrs = cJSON_GetObjectItemCaseSensitive(root, "cidrs");
	const char *why = NULL;
	struct parsed *p = NULL;
	int error = EINVAL;

	memset(sf, 0, sizeof(*sf));
	if (!cJSON_IsObject(root))
		why = "not a JSON object";
	else if ((sf->network = string_member(root, "network")) == NULL)
		why = "network: missing or not a string";
	else if ((sf->node = string_member(root, "node")) == NULL)
		why = "node: missing or not a string";
	else if ((sf->annotation = string_member(root, "annotation")) ==
	    NULL && !cJSON_IsNull(ann))
		why = "annotation: missing or not a string or null";
	else if (!cJSON_IsArray(cidrs))
		why = "cidrs: not a list";
	else if ((p = parse_cidrs(root, cidrs, &sf->n_cidrs)) == NULL) {
		error = errno;
		why = error == ENOMEM ? "out of memory" :
		    "cidrs: an item is not a CIDR";
	}
	if (why != NULL) {
		seterr(err, errsz, "%s", why);
		cJSON_Delete(root);
		memset(sf, 0, sizeof(*sf));
		errno = error;
		return -1;
	}
	sf->resource_version = string_member(root, "resourceVersion");
	sf->cidrs = p->cidrs;
	sf->priv = p;
	return 0;
}

void
statefile_free(struct statefile *sf)
{
	struct parsed *p = sf->priv;

	if (p != NULL) {
		cJSON_Delete(p->root);
		free(p);
	}
	memset(sf, 0, sizeof(*sf));
}
