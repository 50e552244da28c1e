/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: CIDR, address and comma-list parsing. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
check_item(const char *item, size_t len, void *arg)
{
	char buf[ADDR_STRLEN], again[ADDR_STRLEN];
	struct cidr c, c2;
	struct addr a, a2;

	/* Canonical output must parse back to the same value. */
	if (cidr_parse(item, len, &c, NULL) == 0) {
		cidr_format(&c, buf);
		if (cidr_parse(buf, strlen(buf), &c2, NULL) != 0 ||
		    cidr_cmp(&c, &c2) != 0 || !cidr_contains(&c, &c2))
			__builtin_trap();
		cidr_format(&c2, again);
		if (strcmp(buf, again) != 0)
			__builtin_trap();
	}
	if (addr_parse(item, len, &a) == 0) {
		addr_format(&a, buf);
		if (addr_parse(buf, strlen(buf), &a2) != 0 ||
		    addr_cmp(&a, &a2) != 0)
			__builtin_trap();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	addr_list_each((const char *)data, size, check_item, NULL);
	return 0;
}
