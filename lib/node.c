/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "node.h"

static const char *const fam_name[NODE_NFAM] = { "IPv4", "IPv6" };

int
node_family_index(const struct addr *a)
{
	return a->family == AF_INET ? NODE_V4 : NODE_V6;
}

bool
node_routable(const struct node_rec *rec, int fam)
{
	return rec->has_cidr[fam] && rec->has_via[fam];
}

/* Appends to the note; the first problems are the ones worth reading, so a
 * full note simply stops growing. */
static void __attribute__((format(printf, 2, 3)))
note(struct node_rec *rec, const char *fmt, ...)
{
	size_t n = strlen(rec->note);
	va_list ap;

	if (n + 3 >= sizeof(rec->note))
		return;
	if (n > 0) {
		memcpy(rec->note + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(rec->note + n, sizeof(rec->note) - n, fmt, ap);
	va_end(ap);
}

static const char *
string_item(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(item) ? item->valuestring : NULL;
}

static const char *
annotation(const cJSON *node, const char *key)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(node, "metadata");

	return string_item(cJSON_GetObjectItemCaseSensitive(meta, "annotations"),
	    key);
}

struct collect {
	struct node_rec *rec;
	const char *what;	/* "CIDR" or "address" */
	const char *where;	/* where the text came from, for the note */
};

static int
add_cidr(const char *s, size_t n, void *arg)
{
	struct collect *c = arg;
	struct node_rec *rec = c->rec;
	struct cidr cidr;
	char buf[ADDR_STRLEN];
	int fam;

	if (cidr_parse(s, n, &cidr, NULL) < 0) {
		note(rec, "malformed CIDR \"%.*s\" in %s", (int)(n > 64 ? 64 : n),
		    s, c->where);
		return 0;
	}
	if (cidr.len == 0) {
		/* A node must never take over a default route. */
		note(rec, "CIDR %s in %s ignored", cidr_format(&cidr, buf),
		    c->where);
		return 0;
	}
	fam = node_family_index(&cidr.addr);
	if (rec->has_cidr[fam]) {
		note(rec, "second %s CIDR %s in %s ignored", fam_name[fam],
		    cidr_format(&cidr, buf), c->where);
		return 0;
	}
	rec->has_cidr[fam] = true;
	rec->cidr[fam] = cidr;
	return 0;
}

static int
add_addr(const char *s, size_t n, void *arg)
{
	struct collect *c = arg;
	struct node_rec *rec = c->rec;
	struct addr a;
	int fam;

	if (addr_parse(s, n, &a) < 0) {
		note(rec, "malformed address \"%.*s\" in %s",
		    (int)(n > 64 ? 64 : n), s, c->where);
		return 0;
	}
	fam = node_family_index(&a);
	if (!rec->has_via[fam]) {
		rec->has_via[fam] = true;
		rec->via[fam] = a;
	}
	return 0;
}

/* An array element is one item; a comma inside one is malformed. */
static void
from_string_array(const cJSON *arr, struct collect *c,
    int (*fn)(const char *, size_t, void *))
{
	const cJSON *item;

	cJSON_ArrayForEach(item, arr) {
		if (cJSON_IsString(item))
			fn(item->valuestring, strlen(item->valuestring), c);
		else
			note(c->rec, "non-string %s in %s", c->what, c->where);
	}
}

/* With a key, the comma list in that annotation is the only source: its
 * items go to fn. Returns whether there is a key. */
static bool
from_annotation(const cJSON *node, const char *key, struct collect *c,
    int (*fn)(const char *, size_t, void *))
{
	const char *s;

	if (key == NULL)
		return false;
	c->where = "annotation";
	if ((s = annotation(node, key)) == NULL)
		note(c->rec, "no annotation %s", key);
	else
		addr_list_each(s, strlen(s), fn, c);
	return true;
}

static void
decode_cidrs(const cJSON *node, const char *key, struct node_rec *rec)
{
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(node, "spec");
	const cJSON *arr;
	const char *s;
	struct collect c = { rec, "CIDR", NULL };

	if (from_annotation(node, key, &c, add_cidr))
		return;
	arr = cJSON_GetObjectItemCaseSensitive(spec, "podCIDRs");
	if (cJSON_IsArray(arr) && cJSON_GetArraySize(arr) > 0) {
		c.where = "spec.podCIDRs";
		from_string_array(arr, &c, add_cidr);
	} else if ((s = string_item(spec, "podCIDR")) != NULL && *s != '\0') {
		c.where = "spec.podCIDR";
		add_cidr(s, strlen(s), &c);
	}
}

static void
decode_addrs(const cJSON *node, const char *key, struct node_rec *rec)
{
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(node, "status");
	const cJSON *item;
	const char *s;
	struct collect c = { rec, "address", NULL };

	if (from_annotation(node, key, &c, add_addr))
		return;
	c.where = "status.addresses";
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(status,
	    "addresses")) {
		const char *type = string_item(item, "type");

		if (type == NULL || strcmp(type, "InternalIP") != 0)
			continue;
		if ((s = string_item(item, "address")) == NULL) {
			note(rec, "InternalIP without address");
			continue;
		}
		add_addr(s, strlen(s), &c);
	}
}

/* RFC 3339 as the API server writes it: "2026-01-02T03:04:05Z". */
static int64_t
parse_time(const char *s)
{
	struct tm tm;
	const char *end;

	if (s == NULL)
		return NODE_CREATED_UNKNOWN;
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end == NULL)
		return NODE_CREATED_UNKNOWN;
	if (*end == '.')
		while (*++end >= '0' && *end <= '9')
			;
	if (strcmp(end, "Z") != 0)
		return NODE_CREATED_UNKNOWN;
	return (int64_t)timegm(&tm);
}

const struct kube_keep *
node_keep(struct node_keep *k, const char *cidr_annotation,
    const char *address_annotation)
{
	struct kube_keep *a = k->annotations;

	if (cidr_annotation != NULL)
		*a++ = (struct kube_keep){ cidr_annotation, NULL };
	if (address_annotation != NULL)
		*a++ = (struct kube_keep){ address_annotation, NULL };
	*a = (struct kube_keep){ NULL, NULL };
	memcpy(k->metadata, (struct kube_keep[]){
		{ "name", NULL }, { "resourceVersion", NULL },
		{ "creationTimestamp", NULL }, { "deletionTimestamp", NULL },
		{ "annotations", k->annotations }, { NULL, NULL },
	}, sizeof(k->metadata));
	memcpy(k->spec, (struct kube_keep[]){
		{ "podCIDR", NULL }, { "podCIDRs", NULL }, { NULL, NULL },
	}, sizeof(k->spec));
	memcpy(k->status, (struct kube_keep[]){
		{ "addresses", NULL }, { NULL, NULL },
	}, sizeof(k->status));
	memcpy(k->node, (struct kube_keep[]){
		{ "metadata", k->metadata }, { "spec", k->spec },
		{ "status", k->status }, { NULL, NULL },
	}, sizeof(k->node));
	return k->node;
}

int
node_decode(const cJSON *node, const char *cidr_annotation,
    const char *address_annotation, struct node_rec *out)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(node, "metadata");
	const char *name, *rv, *created;
	int fam;

	memset(out, 0, sizeof(*out));
	name = string_item(meta, "name");
	if (name == NULL || *name == '\0' || strlen(name) > NODE_NAME_MAX) {
		note(out, "node without a valid metadata.name");
		return -1;
	}
	strcpy(out->name, name);
	if ((rv = string_item(meta, "resourceVersion")) != NULL &&
	    strlen(rv) <= NODE_RV_MAX)
		strcpy(out->resource_version, rv);
	created = string_item(meta, "creationTimestamp");
	out->created = parse_time(created);
	if (created != NULL && out->created == NODE_CREATED_UNKNOWN)
		note(out, "malformed creationTimestamp");
	out->deleting = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(meta,
	    "deletionTimestamp"));

	decode_cidrs(node, cidr_annotation, out);
	decode_addrs(node, address_annotation, out);
	if (!out->has_cidr[NODE_V4] && !out->has_cidr[NODE_V6])
		note(out, "no pod CIDR");
	for (fam = 0; fam < NODE_NFAM; fam++) {
		if (out->has_cidr[fam] && !out->has_via[fam]) {
			char buf[ADDR_STRLEN];

			note(out, "no %s address for %s", fam_name[fam],
			    cidr_format(&out->cidr[fam], buf));
		}
	}
	return 0;
}
