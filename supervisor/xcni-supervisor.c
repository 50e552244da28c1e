/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "conf.h"
#include "log.h"
#include "spawn.h"
#include "supervise.h"

static void __attribute__((noreturn))
usage(int status)
{
	FILE *f = status == 0 ? stdout : stderr;

	fprintf(f,
	    "usage: xcni-supervisor [-c FILE] [-f] [--no-respawn] "
	    "[--install-cni-bin DIR]\n"
	    "       xcni-supervisor [-c FILE] --check | --status | --alive\n"
	    "       xcni-supervisor --version | --help\n"
	    "\n"
	    "  -c, --config FILE  the configuration file (default %s)\n"
	    "  -f, --foreground   stay in the foreground (systemd, containers)\n"
	    "      --no-respawn   do not restart workers that fail\n"
	    "      --install-cni-bin DIR\n"
	    "                     DaemonSet mode: install the CNI plugins into "
	    "DIR\n"
	    "  -n, --check        check the file, print the resolved "
	    "configuration and exit\n"
	    "  -s, --status       print the running supervisor's status; exit "
	    "0 when ready\n"
	    "      --alive        exit 0 when the running supervisor's loop "
	    "turns\n"
	    "  -V, --version      print the version and exit\n"
	    "  -h, --help         print this help and exit\n"
	    "\n"
	    "See xcni-supervisor(8) and xcni.ini(5).\n", CONFIG_DEFAULT_PATH);
	exit(status);
}

/* Every problem goes to stderr; a valid file is printed resolved, as INI
 * that reads back to the same configuration. A worker program that cannot
 * run is said too, as a warning: the file is valid, and may be checked
 * where xcni is not installed, but the supervisor would not start. */
static int
check(const char *path, const char *worker)
{
	struct config cfg;
	char why[PATH_MAX + 256];

	if (config_load(path, &cfg, stderr) != 0)
		return 1;
	if (worker_program_check(worker, why, sizeof(why)) < 0)
		fprintf(stderr, "%s: warning: %s; the supervisor will not "
		    "start\n", path, why);
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
		{ "alive", no_argument, NULL, 'A' },
		{ "check", no_argument, NULL, 'n' },
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "install-cni-bin", required_argument, NULL, 'I' },
		{ "no-respawn", no_argument, NULL, 'R' },
		{ "status", no_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CONFIG_DEFAULT_PATH;
	struct supervise_opts opts = { .respawn = true };
	struct config cfg;
	bool check_only = false, status = false, alive = false;
	char why[PATH_MAX + 256];
	int c;

	log_init("xcni-supervisor");
	while ((c = getopt_long(argc, argv, "c:fhnsV", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check_only = true;
			break;
		case 'f':
			opts.foreground = true;
			break;
		case 'I':
			opts.install_cni_bin = optarg;
			break;
		case 'R':
			opts.respawn = false;
			break;
		case 's':
			status = true;
			break;
		case 'A':
			alive = true;
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
		return check(path, worker_program(opts.worker));
	if (config_load(path, &cfg, stderr) != 0)
		return status || alive ? 1 : EX_CONFIG;
	log_set_level(cfg.log_level);
	if (status || alive) {
		c = status ? supervise_status(&cfg) : supervise_alive(&cfg);
		config_free(&cfg);
		return c;
	}
	/* Restarting a worker that cannot run would fail forever. */
	if (worker_program_check(worker_program(opts.worker), why,
	    sizeof(why)) < 0) {
		log_errx("%s", why);
		config_free(&cfg);
		return EX_CONFIG;
	}
	return supervise(&cfg, &opts);
}
