#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "conf.h"
#include "log.h"

static void __attribute__((noreturn))
usage(int status)
{
	FILE *f = status == 0 ? stdout : stderr;

	fprintf(f,
	    "usage: xcni-supervisor [-c FILE] [--check]\n"
	    "       xcni-supervisor --version | --help\n"
	    "\n"
	    "  -c, --config FILE  the configuration file (default %s)\n"
	    "  -n, --check        check the file, print the resolved "
	    "configuration and exit\n"
	    "  -V, --version      print the version and exit\n"
	    "  -h, --help         print this help and exit\n"
	    "\n"
	    "See xcni-supervisor(8) and xcni.ini(5).\n", CONFIG_DEFAULT_PATH);
	exit(status);
}

/* Every problem goes to stderr; a valid file is printed resolved, as INI
 * that reads back to the same configuration. */
static int
check(const char *path)
{
	struct config cfg;

	if (config_load(path, &cfg, stderr) != 0)
		return 1;
	config_print(&cfg, NULL, stdout);
	config_free(&cfg);
	if (fflush(stdout) != 0) {
		log_err("--check: writing the configuration");
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "check", no_argument, NULL, 'n' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CONFIG_DEFAULT_PATH;
	bool check_only = false;
	int c;

	log_init("xcni-supervisor");
	while ((c = getopt_long(argc, argv, "c:hnV", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check_only = true;
			break;
		case 'V':
			printf("xcni-supervisor (%s) %s\n", PACKAGE_NAME,
			    PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(0);
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc)
		usage(EX_USAGE);
	if (check_only)
		return check(path);
	fatalx(EX_USAGE, "running workers is not in this build yet; use "
	    "--check");
}
