/* SPDX-License-Identifier: Apache-2.0 */
/* A stand-in for xcni-worker (XCNI_WORKER=this) that speaks the fd-3
 * protocol and nothing else, so the supervisor's tests control exactly when
 * a worker is ready, crashes or exits. Everything it receives it records in
 * the state-dir it is given (its own directory):
 *   NET.json     a state file, as the real worker writes it
 *   config       the config message
 *   creds        the last creds message
 * Environment (the supervisor passes its own through):
 *   XCNI_FAKE_EXIT=NET:CODE   NET exits with CODE after its config
 *   XCNI_FAKE_READY_MS=N      report ready N ms after the config (0)
 *   XCNI_FAKE_ADDRESSES=LIST  the node addresses it reports
 *   XCNI_FAKE_ROUTES=N        the route count it reports (3)
 *   XCNI_FAKE_IGNORE_TERM=1   ignore SIGTERM (a worker that hangs)
 * SIGUSR1 sends "creds?". */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "atomic.h"
#include "ipc.h"
#include "log.h"

static char buf[IPC_MAX];
static char net[256], dir[4096];

static void
record(const char *name, const char *data, size_t len)
{
	char path[sizeof(dir) + 320];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (atomic_write(path, data, len, 0644) < 0)
		fatal(1, "%s", path);
}

/* The two values the fake needs from the INI text. */
static void
config_scan(const char *text)
{
	const char *line, *end, *v;

	for (line = text; *line != '\0'; line = *end ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		if (*line == '[' && strncmp(line, "[global]", 8) != 0)
			snprintf(net, sizeof(net), "%.*s",
			    (int)(strcspn(line, "]") - 1), line + 1);
		else if (strncmp(line, "state-dir", 9) == 0 &&
		    (v = memchr(line, '=', (size_t)(end - line))) != NULL) {
			v += 1 + strspn(v + 1, " \t");
			snprintf(dir, sizeof(dir), "%.*s", (int)(end - v), v);
		}
	}
	if (net[0] == '\0' || dir[0] == '\0')
		fatalx(1, "config without network or state-dir");
}

static void
exit_if_asked(void)
{
	const char *e = getenv("XCNI_FAKE_EXIT");
	size_t n = strlen(net);

	if (e != NULL && strncmp(e, net, n) == 0 && e[n] == ':')
		exit(atoi(e + n + 1));
}

static void
report(const char *type)
{
	const char *routes = getenv("XCNI_FAKE_ROUTES");
	const char *addrs = getenv("XCNI_FAKE_ADDRESSES");
	char msg[512];
	int n;

	n = snprintf(msg, sizeof(msg), "routes=%s failed=0 addresses=%s",
	    routes != NULL ? routes : "3", addrs != NULL ? addrs : "");
	if (ipc_send(IPC_FD, type, msg, (size_t)n) < 0)
		fatal(1, "send %s", type);
}

int
main(void)
{
	const char *ms = getenv("XCNI_FAKE_READY_MS");
	struct pollfd pfd[2];
	const char *type, *payload;
	char state[600], file[sizeof(net) + 8];
	sigset_t set;
	size_t len;
	int timeout = -1, rc;

	log_init("fake-worker");
	if (getenv("XCNI_FAKE_IGNORE_TERM") != NULL)
		signal(SIGTERM, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pfd[0] = (struct pollfd){ .fd = IPC_FD, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = signalfd(-1, &set, 0), .events = POLLIN };
	for (;;) {
		if ((rc = poll(pfd, 2, timeout)) < 0)
			fatal(1, "poll");
		if (rc == 0) {
			report(IPC_READY);
			timeout = -1;
		}
		if (pfd[1].revents != 0) {
			struct signalfd_siginfo si;

			if (read(pfd[1].fd, &si, sizeof(si)) > 0 &&
			    ipc_send(IPC_FD, IPC_CREDS_REQ, "", 0) < 0)
				fatal(1, "send creds?");
		}
		if (pfd[0].revents == 0)
			continue;
		if ((rc = ipc_recv(IPC_FD, buf, sizeof(buf), &type, &payload,
		    &len)) <= 0) {
			if (rc == 0)
				return 0;
			fatal(1, "recv");
		}
		if (strcmp(type, IPC_CONFIG) == 0) {
			config_scan(payload);
			record("config", payload, len);
			exit_if_asked();
			snprintf(state, sizeof(state), "{\"network\":\"%s\"}\n", net);
			snprintf(file, sizeof(file), "%s.json", net);
			record(file, state, strlen(state));
			timeout = ms != NULL ? atoi(ms) : 0;
		} else if (strcmp(type, IPC_CREDS) == 0)
			record("creds", payload, len);
		else
			fatalx(1, "unexpected message %s", type);
	}
}
