/* libFuzzer target: the xcni.ini parser. Whatever it accepts, its printed
 * form (what a worker is sent) must parse back to the same configuration. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *
print(const struct config *cfg, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (f == NULL)
		__builtin_trap();
	config_print(cfg, NULL, f);
	if (fclose(f) != 0)
		__builtin_trap();
	return text;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config a, b;
	char *text, *again;
	size_t len, len2, i;

	setenv("NODE_NAME", "node-1", 0);
	if (config_parse("fuzz.ini", (const char *)data, size, &a, NULL) != 0)
		return 0;
	text = print(&a, &len);
	if (config_parse("printed", text, len, &b, NULL) != 0 ||
	    a.n_nets != b.n_nets)
		__builtin_trap();
	for (i = 0; i < a.n_nets; i++)
		if (!net_config_equal(&a.nets[i], &b.nets[i]))
			__builtin_trap();
	again = print(&b, &len2);
	if (len != len2 || memcmp(text, again, len) != 0)
		__builtin_trap();
	free(text);
	free(again);
	config_free(&a);
	config_free(&b);
	return 0;
}
