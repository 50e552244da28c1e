/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: Node JSON to node record (node_decode), for the
 * primary network (spec.podCIDRs, InternalIP) and a secondary one
 * (annotations). A record must be self-consistent, canonical and the same
 * for the same object, and for the object pruned to what node_keep lists
 * (kube_prune), as the worker decodes it. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
rec_equal(const struct node_rec *a, const struct node_rec *b)
{
	int f;

	if (strcmp(a->name, b->name) != 0 ||
	    strcmp(a->resource_version, b->resource_version) != 0 ||
	    strcmp(a->note, b->note) != 0 || a->created != b->created ||
	    a->deleting != b->deleting)
		return false;
	for (f = 0; f < NODE_NFAM; f++)
		if (a->has_cidr[f] != b->has_cidr[f] ||
		    a->has_via[f] != b->has_via[f] ||
		    (a->has_cidr[f] && cidr_cmp(&a->cidr[f], &b->cidr[f]) != 0) ||
		    (a->has_via[f] && addr_cmp(&a->via[f], &b->via[f]) != 0))
			return false;
	return true;
}

/* The text pruned as the worker's decoders prune it decodes to the same
 * record, whenever it can be walked. */
static void
check_pruned(const uint8_t *data, size_t size, const struct node_rec *rec,
    int r, const char *cidr_ann, const char *addr_ann)
{
	struct node_keep k;
	struct node_rec p;
	char *out = malloc(size + 1);
	cJSON *node;
	size_t n;

	if (out == NULL)
		return;
	n = kube_prune((const char *)data, size, node_keep(&k, cidr_ann,
	    addr_ann), out);
	if (n > size)
		__builtin_trap();
	if (n > 0) {
		if ((node = cJSON_ParseWithLength(out, n)) == NULL)
			__builtin_trap();
		memset(&p, 0x3c, sizeof(p));
		if (node_decode(node, cidr_ann, addr_ann, &p) != r ||
		    (r == 0 && !rec_equal(rec, &p)) ||
		    (r != 0 && strcmp(rec->note, p.note) != 0))
			__builtin_trap();
		cJSON_Delete(node);
	}
	free(out);
}

static void
check(const cJSON *node, const uint8_t *data, size_t size,
    const char *cidr_ann, const char *addr_ann)
{
	struct node_rec rec, again;
	char buf[ADDR_STRLEN];
	struct cidr c;
	int f, r;

	memset(&rec, 0xa5, sizeof(rec));
	r = node_decode(node, cidr_ann, addr_ann, &rec);
	if (memchr(rec.note, '\0', sizeof(rec.note)) == NULL)
		__builtin_trap();
	check_pruned(data, size, &rec, r, cidr_ann, addr_ann);
	if (r != 0) {
		if (rec.note[0] == '\0')
			__builtin_trap();	/* a failure must say why */
		return;
	}
	if (memchr(rec.name, '\0', sizeof(rec.name)) == NULL ||
	    rec.name[0] == '\0' ||
	    memchr(rec.resource_version, '\0',
	    sizeof(rec.resource_version)) == NULL)
		__builtin_trap();
	for (f = 0; f < NODE_NFAM; f++) {
		if (rec.has_cidr[f]) {
			if (node_family_index(&rec.cidr[f].addr) != f)
				__builtin_trap();
			/* Canonical: host bits masked, prints and reads back. */
			cidr_format(&rec.cidr[f], buf);
			if (cidr_parse(buf, strlen(buf), &c, NULL) != 0 ||
			    cidr_cmp(&c, &rec.cidr[f]) != 0)
				__builtin_trap();
		}
		if (rec.has_via[f] && node_family_index(&rec.via[f]) != f)
			__builtin_trap();
	}
	memset(&again, 0x5a, sizeof(again));
	if (node_decode(node, cidr_ann, addr_ann, &again) != 0 ||
	    !rec_equal(&rec, &again))
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *node;

	if ((node = cJSON_ParseWithLength((const char *)data, size)) == NULL)
		return 0;
	check(node, data, size, NULL, NULL);
	check(node, data, size, "cidr.example.com/net3",
	    "adr.example.com/net3");
	check(node, data, size, "cidr.example.com/net3", NULL);
	cJSON_Delete(node);
	return 0;
}
