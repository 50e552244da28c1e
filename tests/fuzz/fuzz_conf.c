/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the INI parser and validator (config_parse). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	/* The same environment for every input, with one variable that
	 * ${...} can find. */
	setenv("NODE_NAME", "node-1", 1);
	setenv("FUZZ", "x", 1);
	unsetenv("KUBECONFIG");
	unsetenv("LOG_LEVEL");
	return 0;
}

static char *
print(const struct config *cfg, const char *only, size_t *len)
{
	char *buf = NULL;
	FILE *f;

	if ((f = open_memstream(&buf, len)) == NULL)
		abort();
	config_print(cfg, only, f);
	if (fclose(f) != 0)
		abort();
	return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg, again, one;
	char *text, *text2;
	size_t len, len2, i;

	if (config_parse("fuzz.ini", (const char *)data, size, &cfg,
	    devnull) != 0)
		return 0;

	/* What config_print writes must read back to the same model and
	 * print the same again: the supervisor sends it to the worker. */
	text = print(&cfg, NULL, &len);
	if (config_parse("printed.ini", text, len, &again, devnull) != 0 ||
	    again.n_nets != cfg.n_nets)
		__builtin_trap();
	for (i = 0; i < cfg.n_nets; i++)
		if (!net_config_equal(&cfg.nets[i], &again.nets[i]))
			__builtin_trap();
	text2 = print(&again, NULL, &len2);
	if (len != len2 || memcmp(text, text2, len) != 0)
		__builtin_trap();
	free(text2);

	/* A worker's share: [global] and its one network. */
	text2 = print(&cfg, cfg.nets[0].name, &len2);
	if (config_parse("worker.ini", text2, len2, &one, devnull) != 0 ||
	    one.n_nets != 1 || !net_config_equal(&cfg.nets[0], &one.nets[0]))
		__builtin_trap();
	config_free(&one);
	free(text2);

	free(text);
	config_free(&again);
	config_free(&cfg);
	return 0;
}
