/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: kube-node's stdin config and state file parsers, and
 * the host-local config built from a parsed config. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "netconf.h"
#include "hostlocal.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_error e = { 0 };
	struct netconf c;
	struct state st;
	char *text;

	if (netconf_parse((const char *)data, size, &c, &e) == 0) {
		struct ranges r = { .n = 0 };

		/* The same bytes as a state file give the ranges, if any. */
		if (state_parse((const char *)data, size, "fuzz", &st, &e) == 0) {
			r = st.ranges;
			state_free(&st);
		}
		(void)netconf_ipv4_allowed(&c, "default");
		if ((text = hostlocal_config(&c, &r, &e)) != NULL)
			free(text);
		netconf_free(&c);
	} else if (e.code == 0) {
		__builtin_trap();	/* a failure must say why */
	}
	e.code = 0;
	if (state_parse((const char *)data, size, "fuzz", &st, &e) == 0) {
		if (st.ranges.n > 2)
			__builtin_trap();
		state_free(&st);
	}
	return 0;
}
