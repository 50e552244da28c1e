/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: Node JSON to node record (node_decode), for the
 * primary network (spec.podCIDRs, InternalIP) and a secondary one
 * (annotations). A record must be self-consistent, canonical and the same
 * for the same object. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const cJSON *node, const char *cidr_ann, const char *addr_ann)
{
	struct node_rec rec, again;
	char buf[ADDR_STRLEN];
	struct cidr c;
	int f, r;

	memset(&rec, 0xa5, sizeof(rec));
	r = node_decode(node, cidr_ann, addr_ann, &rec);
	if (memchr(rec.note, '\0', sizeof(rec.note)) == NULL)
		__builtin_trap();
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
	    strcmp(rec.name, again.name) != 0 ||
	    strcmp(rec.resource_version, again.resource_version) != 0 ||
	    strcmp(rec.note, again.note) != 0 ||
	    rec.created != again.created || rec.deleting != again.deleting)
		__builtin_trap();
	for (f = 0; f < NODE_NFAM; f++)
		if (rec.has_cidr[f] != again.has_cidr[f] ||
		    rec.has_via[f] != again.has_via[f] ||
		    (rec.has_cidr[f] &&
		    cidr_cmp(&rec.cidr[f], &again.cidr[f]) != 0) ||
		    (rec.has_via[f] &&
		    addr_cmp(&rec.via[f], &again.via[f]) != 0))
			__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *node;

	if ((node = cJSON_ParseWithLength((const char *)data, size)) == NULL)
		return 0;
	check(node, NULL, NULL);
	check(node, "cidr.example.com/net3", "adr.example.com/net3");
	check(node, "cidr.example.com/net3", NULL);
	cJSON_Delete(node);
	return 0;
}
