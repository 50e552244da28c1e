/* SPDX-License-Identifier: Apache-2.0 */
/* Lists and watches /api/v1/nodes with lib/kube and prints what the
 * callbacks see, one line each, for tests/kube/test-watch.py:
 *   begin | obj TYPE NAME RV | skip TYPE NAME | end RV COUNT | rv RV |
 *   stats k=v... |
 *   rusage maxrss_kb=N user_ms=N sys_ms=N (maxrss: VmHWM)
 * It runs the poll loop the worker runs: the watch's fd, a signalfd, and
 * kube_watch_timeout_ms. SIGUSR1 prints the stats, SIGTERM ends it.
 * XCNI_PROBE_FAIL_STRDUP=S1,S2,... makes the first strdup of each Si fail
 * with ENOMEM (linked with -Wl,--wrap=strdup, which reaches lib/ too). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "kubewatch.h"
#include "log.h"

/* ASan's shadow memory and quarantine make RSS meaningless. */
#ifdef __SANITIZE_ADDRESS__
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

static struct {
	bool quiet, exit_after_list, hook;
	const char *kubeconfig;
	struct kube_client *kc;
	struct kube_watch *w;
	unsigned long count;
	bool done;
} p;

char *__real_strdup(const char *s);
char *__wrap_strdup(const char *s);

/* Fails once for each of up to 8 strings in XCNI_PROBE_FAIL_STRDUP. */
char *
__wrap_strdup(const char *s)
{
	static char fail[8][64];
	static bool loaded;
	size_t i;

	if (!loaded) {
		const char *env = getenv("XCNI_PROBE_FAIL_STRDUP");

		loaded = true;
		for (i = 0; env != NULL && *env != '\0' && i < 8; i++) {
			size_t n = strcspn(env, ",");

			snprintf(fail[i], sizeof(fail[i]), "%.*s", (int)n, env);
			env += n + (env[n] == ',');
		}
	}
	for (i = 0; i < 8; i++)
		if (fail[i][0] != '\0' && strcmp(fail[i], s) == 0) {
			fail[i][0] = '\0';
			errno = ENOMEM;
			return NULL;
		}
	return __real_strdup(s);
}

static void
on_begin(void *arg)
{
	p.count = 0;
	printf("begin\n");
}

static void
on_object(void *arg, enum kube_event_type t, const cJSON *obj)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(md, "name");
	const cJSON *rv = cJSON_GetObjectItemCaseSensitive(md, "resourceVersion");

	p.count++;
	if (!p.quiet)
		printf("obj %s %s %s\n", kube_event_type_name(t),
		    cJSON_IsString(name) ? name->valuestring : "-",
		    cJSON_IsString(rv) ? rv->valuestring : "-");
}

static void
on_skipped(void *arg, enum kube_event_type t, const char *name)
{
	printf("skip %s %s\n", kube_event_type_name(t), name[0] != '\0' ?
	    name : "-");
}

/* Peak RSS of this image: getrusage's ru_maxrss would include the peak of
 * the process before exec (a Python test driver's fork). */
static long
hwm_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmHWM: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void
print_stats(void)
{
	const struct kube_watch_stats *s = kube_watch_stats(p.w);

	printf("stats lists=%ju lists_cached=%ju lists_consistent=%ju "
	    "lists_done=%ju pages=%ju watches=%ju events=%ju "
	    "bookmarks=%ju relists_410=%ju errors=%ju http_401=%ju bytes=%ju "
	    "skipped=%ju synced=%d maxrss_kb=%ld sanitized=%d\n",
	    (uintmax_t)s->lists, (uintmax_t)s->lists_cached,
	    (uintmax_t)s->lists_consistent, (uintmax_t)s->lists_done,
	    (uintmax_t)s->pages, (uintmax_t)s->watches, (uintmax_t)s->events,
	    (uintmax_t)s->bookmarks, (uintmax_t)s->relists_410,
	    (uintmax_t)s->errors, (uintmax_t)s->http_401, (uintmax_t)s->bytes,
	    (uintmax_t)s->skipped, kube_watch_synced(p.w), hwm_kb(), SANITIZED);
}

static void
on_end(void *arg, const char *rv)
{
	printf("end %s %lu\n", rv, p.count);
	print_stats();
	if (p.exit_after_list)
		p.done = true;
}

static void
on_rv(void *arg, const char *rv)
{
	if (!p.quiet)
		printf("rv %s\n", rv);
}

/* What a worker does through its supervisor: fetch fresh credentials and
 * swap them in. */
static void
refresh_hook(void *arg)
{
	struct kube_creds *c;
	char err[512];

	printf("hook\n");
	if ((c = kube_creds_load(p.kubeconfig, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return;
	}
	if (kube_client_set_creds(p.kc, c, err, sizeof(err)) < 0)
		log_warnx("cannot swap credentials: %s", err);
	kube_creds_free(c);
}

static void
usage(void)
{
	fprintf(stderr, "usage: watch-probe [-q] [-1] [-H] [-p page-size] "
	    "[-m max-message] [-i idle-s] [-t watch-timeout-s] "
	    "[-b backoff-min-ms:max-ms] [-r relist-min-ms:max-ms] "
	    "kubeconfig\n"
	    "       watch-probe -g kubeconfig  (GET each path read from stdin)\n");
	exit(2);
}

/* kube_get of each path on stdin: prints "get STATUS LENGTH" and the
 * body's first line, or "get failed". */
static void
get_loop(void)
{
	char path[512], err[512];

	while (fgets(path, sizeof(path), stdin) != NULL) {
		long status = 0;
		size_t len;
		char *body;

		path[strcspn(path, "\n")] = '\0';
		if (kube_get(p.kc, path, &status, &body, &len, err,
		    sizeof(err)) < 0) {
			/* The reason on stderr: tests read the verdict. */
			fprintf(stderr, "GET %s: %s\n", path, err);
			printf("get failed\n");
			continue;
		}
		printf("get %ld %zu\n%.*s\n", status, len,
		    (int)strcspn(body, "\n"), body);
		free(body);
	}
}

int
main(int argc, char **argv)
{
	struct kube_watch_opts o = { 0 };
	struct kube_watch_cb cb = {
		.list_begin = on_begin, .object = on_object,
		.list_end = on_end, .resource_version = on_rv,
		.skipped = on_skipped,
	};
	struct kube_creds *creds;
	bool get = false;
	struct pollfd pfd[2];
	struct rusage ru;
	char err[512];
	sigset_t mask;
	int ch;

	log_init("watch-probe");
	while ((ch = getopt(argc, argv, "1b:gHi:m:p:qr:t:")) != -1)
		switch (ch) {
		case '1':
			p.exit_after_list = true;
			break;
		case 'b':
			if (sscanf(optarg, "%u:%u", &o.backoff_min_ms,
			    &o.backoff_max_ms) != 2)
				usage();
			break;
		case 'g':
			get = true;
			break;
		case 'H':
			p.hook = true;
			break;
		case 'i':
			o.idle_timeout = (unsigned)atoi(optarg);
			break;
		case 'm':
			o.max_message = (size_t)atol(optarg);
			break;
		case 'p':
			o.page_size = (unsigned)atoi(optarg);
			break;
		case 'q':
			p.quiet = true;
			break;
		case 'r':
			if (sscanf(optarg, "%u:%u", &o.relist_min_ms,
			    &o.relist_max_ms) != 2)
				usage();
			break;
		case 't':
			o.timeout_min = o.timeout_max = (unsigned)atoi(optarg);
			break;
		default:
			usage();
		}
	if (optind + 1 != argc)
		usage();
	p.kubeconfig = argv[optind];
	setvbuf(stdout, NULL, _IOLBF, 0);

	if ((creds = kube_creds_load(p.kubeconfig, err, sizeof(err))) == NULL)
		fatalx(1, "%s", err);
	if ((p.kc = kube_client_new(creds, err, sizeof(err))) == NULL)
		fatalx(1, "%s", err);
	kube_creds_free(creds);
	if (kube_client_set_user_agent(p.kc, "watch-probe/" PACKAGE_VERSION) <
	    0)
		fatal(1, "user agent");
	if (p.hook)
		kube_client_set_refresh_hook(p.kc, refresh_hook, NULL);
	if (get) {
		get_loop();
		kube_client_free(p.kc);
		return 0;
	}
	if ((p.w = kube_watch_new(p.kc, "/api/v1/nodes", &o, &cb, NULL)) == NULL)
		fatal(1, "kube_watch_new");

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	pfd[0] = (struct pollfd){ .fd = kube_watch_fd(p.w), .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = signalfd(-1, &mask, SFD_CLOEXEC),
	    .events = POLLIN };
	if (pfd[1].fd < 0)
		fatal(1, "signalfd");

	while (!p.done) {
		long t = kube_watch_timeout_ms(p.w);

		if (poll(pfd, 2, t > INT32_MAX ? INT32_MAX : (int)t) < 0)
			fatal(1, "poll");
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(pfd[1].fd, &si, sizeof(si)) != sizeof(si))
				fatal(1, "signalfd read");
			if (si.ssi_signo == SIGUSR1)
				print_stats();
			else
				break;
		}
		kube_watch_process(p.w);
	}
	print_stats();
	getrusage(RUSAGE_SELF, &ru);
	printf("rusage maxrss_kb=%ld user_ms=%ld sys_ms=%ld\n", hwm_kb(),
	    ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000,
	    ru.ru_stime.tv_sec * 1000 + ru.ru_stime.tv_usec / 1000);
	kube_watch_free(p.w);
	kube_client_free(p.kc);
	close(pfd[1].fd);
	return 0;
}
