/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "run.h"
#include "util.h"

#define OUT_MAX (64 * 1024)

int
prog_find(struct prog *pr, const char *name, const char *cni_path,
    struct cni_error *e)
{
	const char *p = cni_path, *end;

	for (; *p != '\0'; p = *end == '\0' ? end : end + 1) {
		size_t n;

		end = strchrnul(p, ':');
		n = (size_t)(end - p);
		if (n == 0)
			continue;
		if ((size_t)snprintf(pr->path, sizeof(pr->path), "%.*s/%s",
		    (int)n, p, name) >= sizeof(pr->path))
			continue;
		if (access(pr->path, X_OK) == 0)
			return 0;
	}
	return cni_fail(e, CNI_ERR_INVALID_ENV, "invalid environment",
	    "CNI_PATH=%s: no executable %s", cni_path, name);
}

int
prog_run(const struct prog *pr, char *const envp[], const char *input,
    char **out, struct cni_error *e)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t sigs;
	char *argv[] = { NULL, NULL };
	int in[2] = { -1, -1 }, outp[2] = { -1, -1 }, status, ret = -1;
	size_t len = strlen(input), used = 0, cap = 0;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0) {
		cni_fail(e, CNI_ERR_IO, "running a plugin failed", "pipe: %s",
		    strerror(errno));
		goto done;
	}
	argv[0] = strrchr(pr->path, '/') + 1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
	if (pr->stderr_fd != 2)
		posix_spawn_file_actions_adddup2(&fa, pr->stderr_fd, 2);
	/* SIGPIPE is ignored here (a host-local that exits early must not
	 * kill kube-node); host-local gets the default back. */
	posix_spawnattr_init(&attr);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &sigs);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	errno = posix_spawn(&pid, pr->path, &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (errno != 0) {
		cni_fail(e, CNI_ERR_IO, "running a plugin failed", "%s: %s", pr->path,
		    strerror(errno));
		goto done;
	}
	close(in[0]);
	in[0] = -1;
	close(outp[1]);
	outp[1] = -1;

	/* EPIPE: it stopped reading; its status says why. */
	if (write_all(in[1], input, len) < 0 && errno != EPIPE)
		log_warn("host-local: writing config");
	close(in[1]);
	in[1] = -1;

	for (;;) {
		ssize_t n;

		if (used + 1 >= cap) {
			char *nb;

			if (cap >= OUT_MAX || (nb = realloc(*out,
			    cap = cap == 0 ? 4096 : cap * 2)) == NULL)
				break;
			*out = nb;
		}
		n = read(outp[0], *out + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	if (*out != NULL)
		(*out)[used] = '\0';
	/* Output too large to keep must not block the program's exit. */
	close(outp[0]);
	outp[0] = -1;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			cni_fail(e, CNI_ERR_IO, "running a plugin failed", "waitpid: %s",
			    strerror(errno));
			goto done;
		}
	}
	if (WIFSIGNALED(status))
		cni_fail(e, CNI_ERR_IO, "running a plugin failed", "%s: killed by signal %d",
		    pr->path, WTERMSIG(status));
	else
		ret = WEXITSTATUS(status);

done:
	if (in[0] >= 0)
		close(in[0]);
	if (in[1] >= 0)
		close(in[1]);
	if (outp[0] >= 0)
		close(outp[0]);
	if (outp[1] >= 0)
		close(outp[1]);
	return ret;
}

/* The input as a file at offset 0: a memfd, so that input of any size is
 * there before the program starts and nobody has to feed a pipe. Returns
 * the descriptor (close-on-exec) or -1 with errno set. */
static int
input_memfd(const char *input)
{
	int fd, saved;

	if ((fd = memfd_create("cni-config", MFD_CLOEXEC)) < 0)
		return -1;
	if (write_all(fd, input, strlen(input)) < 0 ||
	    lseek(fd, 0, SEEK_SET) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int
prog_exec(const struct prog *pr, char *const envp[], const char *input,
    struct cni_error *e)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old;
	char *argv[] = { strrchr(pr->path, '/') + 1, NULL };
	int fd, ours = -1, saved;

	if ((fd = input_memfd(input)) < 0 || dup2(fd, 0) < 0) {
		saved = errno;
		if (fd >= 0)
			close(fd);
		return cni_fail(e, CNI_ERR_IO, "running a plugin failed",
		    "config for %s: %s", pr->path, strerror(saved));
	}
	close(fd);
	/* Our log file stays ours until the exec succeeds: a failure is
	 * logged there. */
	fflush(NULL);
	if (pr->stderr_fd != 2 && ((ours = fcntl(2, F_DUPFD_CLOEXEC, 3)) < 0 ||
	    dup2(pr->stderr_fd, 2) < 0)) {
		saved = errno;
		if (ours >= 0)
			close(ours);
		return cni_fail(e, CNI_ERR_IO, "running a plugin failed",
		    "stderr for %s: %s", pr->path, strerror(saved));
	}
	/* An ignored SIGPIPE would stay ignored across exec. */
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGPIPE, &dfl, &old);
	execve(pr->path, argv, envp);
	saved = errno;
	sigaction(SIGPIPE, &old, NULL);
	if (ours >= 0) {
		dup2(ours, 2);
		close(ours);
	}
	return cni_fail(e, CNI_ERR_IO, "running a plugin failed", "%s: %s",
	    pr->path, strerror(saved));
}
