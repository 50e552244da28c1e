#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostlocal.h"
#include "log.h"

#define RUN_FAILED "running host-local failed"
#define VERSION_MAX (64 * 1024)

extern char **environ;

int
hostlocal_find(struct hostlocal *h, const char *cni_path, struct cni_error *e)
{
	const char *p = cni_path, *end;

	for (; *p != '\0'; p = *end == '\0' ? end : end + 1) {
		size_t n;

		end = strchrnul(p, ':');
		n = (size_t)(end - p);
		if (n == 0)
			continue;
		if ((size_t)snprintf(h->path, sizeof(h->path), "%.*s/host-local",
		    (int)n, p) >= sizeof(h->path))
			continue;
		if (access(h->path, X_OK) == 0)
			return 0;
	}
	return cni_fail(e, CNI_ERR_INVALID_ENV, "invalid environment",
	    "CNI_PATH=%s: no executable host-local", cni_path);
}

char *
hostlocal_config(struct cniconf *c, const struct ranges *r,
    struct cni_error *e)
{
	cJSON *ipam, *ranges, *set, *range;
	char buf[ADDR_STRLEN], *text = NULL;
	size_t i;

	if ((ipam = cJSON_AddObjectToObject(c->root, "ipam")) == NULL ||
	    cJSON_AddStringToObject(ipam, "type", "host-local") == NULL ||
	    (ranges = cJSON_AddArrayToObject(ipam, "ranges")) == NULL)
		goto nomem;
	for (i = 0; i < r->n; i++) {
		if ((set = cJSON_CreateArray()) == NULL)
			goto nomem;
		cJSON_AddItemToArray(ranges, set);
		if ((range = cJSON_CreateObject()) == NULL)
			goto nomem;
		cJSON_AddItemToArray(set, range);
		if (cJSON_AddStringToObject(range, "subnet",
		    cidr_format(&r->cidr[i], buf)) == NULL)
			goto nomem;
	}
	if (c->data_dir != NULL &&
	    cJSON_AddStringToObject(ipam, "dataDir", c->data_dir) == NULL)
		goto nomem;
	if (c->routes != NULL && !cJSON_AddItemToObject(ipam, "routes",
	    cJSON_Duplicate(c->routes, true)))
		goto nomem;
	if ((text = cJSON_PrintUnformatted(c->root)) == NULL)
		goto nomem;
	return text;

nomem:
	cni_fail(e, CNI_ERR_IO, "I/O error", "host-local config: %s",
	    strerror(ENOMEM));
	return NULL;
}

/* Starts host-local with envp, writes input to its stdin, and, when out is
 * not NULL, collects its stdout there (NUL-terminated, caller frees). */
static int
spawn(const struct hostlocal *h, char *const envp[], const char *input,
    char **out, struct cni_error *e)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t sigs;
	static char arg0[] = "host-local";
	char *const argv[] = { arg0, NULL };
	int in[2] = { -1, -1 }, outp[2] = { -1, -1 }, status, ret = -1;
	size_t len = strlen(input), used = 0, cap = 0;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0 ||
	    (out != NULL && pipe2(outp, O_CLOEXEC) < 0)) {
		cni_fail(e, CNI_ERR_IO, RUN_FAILED, "pipe: %s",
		    strerror(errno));
		goto done;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	if (out != NULL)
		posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
	if (h->stderr_fd != 2)
		posix_spawn_file_actions_adddup2(&fa, h->stderr_fd, 2);
	/* SIGPIPE is ignored here (a host-local that exits early must not
	 * kill kube-node); host-local gets the default back. */
	posix_spawnattr_init(&attr);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &sigs);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	errno = posix_spawn(&pid, h->path, &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (errno != 0) {
		cni_fail(e, CNI_ERR_IO, RUN_FAILED, "%s: %s", h->path,
		    strerror(errno));
		goto done;
	}
	close(in[0]);
	in[0] = -1;
	if (out != NULL) {
		close(outp[1]);
		outp[1] = -1;
	}

	while (len > 0) {
		ssize_t n = write(in[1], input, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* EPIPE: it stopped reading; its status says why. */
			if (errno != EPIPE)
				log_warn("host-local: writing config");
			break;
		}
		input += n;
		len -= (size_t)n;
	}
	close(in[1]);
	in[1] = -1;

	while (out != NULL) {
		ssize_t n;

		if (used + 1 >= cap) {
			char *nb;

			if (cap >= VERSION_MAX || (nb = realloc(*out,
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
	if (out != NULL && *out != NULL)
		(*out)[used] = '\0';
	/* A reply too large to keep must not block host-local's exit. */
	if (outp[0] >= 0) {
		close(outp[0]);
		outp[0] = -1;
	}

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			cni_fail(e, CNI_ERR_IO, RUN_FAILED, "waitpid: %s",
			    strerror(errno));
			goto done;
		}
	}
	if (WIFSIGNALED(status))
		cni_fail(e, CNI_ERR_IO, RUN_FAILED, "%s: killed by signal %d",
		    h->path, WTERMSIG(status));
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

int
hostlocal_run(const struct hostlocal *h, const char *config,
    struct cni_error *e)
{
	return spawn(h, environ, config, NULL, e);
}

int
hostlocal_supports(const struct hostlocal *h, const char *version,
    struct cni_error *e)
{
	static char version_cmd[] = "CNI_COMMAND=VERSION";
	char **envp, *out = NULL, *input = NULL;
	cJSON *reply = NULL;
	const cJSON *list, *it;
	size_t n, i, j;
	int ret = -1, status;

	for (n = 0; environ[n] != NULL; n++)
		;
	if ((envp = calloc(n + 2, sizeof(*envp))) == NULL) {
		cni_fail(e, CNI_ERR_IO, RUN_FAILED, "%s", strerror(errno));
		return -1;
	}
	for (i = j = 0; i < n; i++)
		if (strncmp(environ[i], "CNI_COMMAND=", 12) != 0)
			envp[j++] = environ[i];
	envp[j] = version_cmd;

	if (asprintf(&input, "{\"cniVersion\":\"%s\"}", version) < 0) {
		input = NULL;
		cni_fail(e, CNI_ERR_IO, RUN_FAILED, "%s", strerror(errno));
		goto done;
	}
	status = spawn(h, envp, input, &out, e);
	if (status < 0)
		goto done;
	if (status != 0 || out == NULL) {
		cni_fail(e, CNI_ERR_IO, RUN_FAILED, "%s: VERSION exited with "
		    "status %d", h->path, status);
		goto done;
	}
	reply = cJSON_ParseWithLength(out, strlen(out));
	list = cJSON_GetObjectItemCaseSensitive(reply, "supportedVersions");
	if (!cJSON_IsArray(list)) {
		cni_fail(e, CNI_ERR_DECODE, "decoding failed", "%s: VERSION "
		    "reply has no supportedVersions", h->path);
		goto done;
	}
	ret = 0;
	cJSON_ArrayForEach(it, list)
		if (cJSON_IsString(it) && strcmp(it->valuestring, version) == 0)
			ret = 1;

done:
	cJSON_Delete(reply);
	free(out);
	free(input);
	free(envp);
	return ret;
}
