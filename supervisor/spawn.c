/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sysexits.h>
#include <unistd.h>

#include "ipc.h"
#include "log.h"
#include "spawn.h"

extern char **environ;

/* Runs in the child between fork and exec: _exit, never exit, so nothing
 * of the supervisor's (atexit handlers, stdio buffers) runs twice. */
#define child_fail(status, ...) do {	\
	log_err(__VA_ARGS__);		\
	_exit(status);			\
} while (0)

/* libc refuses to touch the signals it reserves for itself (32 and 33 in
 * glibc), but a disposition inherited for them survives exec all the same. */
static void
signal_default_raw(int sig)
{
	struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		uint64_t mask;
	} ksa = { .handler = SIG_DFL };

	(void)syscall(SYS_rt_sigaction, sig, &ksa, NULL, sizeof(ksa.mask));
}

static void __attribute__((noreturn))
spawn_child(int sock, const char *path, const char *name, uid_t uid,
    gid_t gid, pid_t parent)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	char *const argv[] = { (char *)(uintptr_t)path, NULL };
	sigset_t none;
	int sig, rc;

	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP &&
		    sigaction(sig, &dfl, NULL) < 0 && errno == EINVAL)
			signal_default_raw(sig);
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		child_fail(EX_OSERR, "network %s: worker: sigprocmask", name);

	/* dup2 clears close-on-exec on the copy; when the socket already is
	 * IPC_FD, clear it by hand. */
	if (sock == IPC_FD ? fcntl(IPC_FD, F_SETFD, 0) < 0 :
	    dup2(sock, IPC_FD) < 0)
		child_fail(EX_OSERR, "network %s: worker: fd %d", name, IPC_FD);
	if (close_range(IPC_FD + 1, ~0U, 0) < 0)
		child_fail(EX_OSERR, "network %s: worker: close_range", name);
	if (setsid() < 0 || chdir("/") < 0)
		child_fail(EX_OSERR, "network %s: worker: setsid", name);
	umask(022);

	if (uid == 0)
		child_fail(EX_CONFIG, "network %s: worker: refusing to run as root",
		    name);
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
	    CAPNG_INHERITABLE | CAPNG_AMBIENT, CAP_NET_ADMIN) < 0)
		child_fail(EX_NOPERM, "network %s: worker: capng_update", name);
	if ((rc = capng_change_id((int)uid, (int)gid,
	    CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING)) < 0)
		child_fail(EX_NOPERM, "network %s: worker: capng_change_id "
		    "%u:%u (%d)", name, (unsigned)uid, (unsigned)gid, rc);
	if (capng_apply(CAPNG_SELECT_AMBIENT) < 0)
		child_fail(EX_NOPERM, "network %s: worker: ambient capabilities",
		    name);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(EX_NOPERM, "network %s: worker: no_new_privs", name);
	/* Changing credentials clears the parent-death signal, so set it only
	 * now, then make sure the parent did not die before it was set. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) < 0)
		child_fail(EX_OSERR, "network %s: worker: parent-death signal",
		    name);
	if (getppid() != parent)
		_exit(EX_OSERR);

	execve(path, argv, environ);
	child_fail(EX_OSERR, "network %s: worker: exec %s", name, path);
}

pid_t
spawn_worker(const char *path, const char *name, uid_t uid, gid_t gid,
    int *fd)
{
	pid_t parent = getpid(), pid;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	/* Room for a whole config or credentials message in one datagram:
	 * root may exceed net.core.wmem_max. */
	if (setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &(int){ IPC_MAX + 4096 },
	    sizeof(int)) < 0)
		log_warn("network %s: worker socket buffer", name);
	if ((pid = fork()) < 0) {
		int saved = errno;

		close(sv[0]);
		close(sv[1]);
		errno = saved;
		return -1;
	}
	if (pid == 0)
		spawn_child(sv[1], path, name, uid, gid, parent);
	close(sv[1]);
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0)
		log_warn("network %s: worker socket", name);
	*fd = sv[0];
	return pid;
}

const char *
worker_program(const char *worker)
{
	const char *env = getenv("XCNI_WORKER");

	if (worker != NULL)
		return worker;
	return env != NULL && *env != '\0' ? env : LIBEXECDIR "/xcni-worker";
}

int
worker_program_check(const char *path, char *why, size_t size)
{
	const char *env = getenv("XCNI_WORKER"), *problem = NULL;
	struct stat st;

	if (stat(path, &st) < 0)
		problem = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		problem = "not a regular file";
	else if (access(path, X_OK) < 0)
		problem = "not executable";
	if (problem == NULL)
		return 0;
	if (env != NULL && strcmp(env, path) == 0)
		snprintf(why, size, "worker program %s (from $XCNI_WORKER): %s; "
		    "set XCNI_WORKER to the path of xcni-worker", path,
		    problem);
	else
		snprintf(why, size, "worker program %s (the install directory "
		    "%s): %s; install xcni-worker there, or set XCNI_WORKER to "
		    "its path", path, LIBEXECDIR, problem);
	return -1;
}
