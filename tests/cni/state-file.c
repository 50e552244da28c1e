/* SPDX-License-Identifier: Apache-2.0 */
/*
 * state-file NETWORK NODE ANNOTATION RV [CIDR...]: prints a state file as
 * the worker writes it (lib/statefile), for the kube-node tests.
 * ANNOTATION and RV "-": null and none. A CIDR is only parsed, never
 * judged: the tests hand kube-node ranges it must refuse.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statefile.h"

int
main(int argc, char **argv)
{
	struct statefile sf = { 0 };
	struct cidr *cidrs;
	char *text;
	int i;

	if (argc < 5) {
		fprintf(stderr, "usage: state-file NETWORK NODE ANNOTATION|- "
		    "RV|- [CIDR...]\n");
		return 2;
	}
	if ((cidrs = calloc((size_t)argc, sizeof(*cidrs))) == NULL)
		return 1;
	sf.network = argv[1];
	sf.node = argv[2];
	sf.annotation = strcmp(argv[3], "-") != 0 ? argv[3] : NULL;
	sf.resource_version = strcmp(argv[4], "-") != 0 ? argv[4] : NULL;
	for (i = 5; i < argc; i++)
		if (cidr_parse(argv[i], strlen(argv[i]), &cidrs[sf.n_cidrs++],
		    NULL) < 0) {
			fprintf(stderr, "state-file: %s: not a CIDR\n", argv[i]);
			return 2;
		}
	sf.cidrs = cidrs;
	if ((text = statefile_render(&sf)) == NULL) {
		perror("state-file");
		return 1;
	}
	printf("%s\n", text);
	free(text);
	free(cidrs);
	return fflush(stdout) != 0;
}
