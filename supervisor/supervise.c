/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "atomic.h"
#include "conflist.h"
#include "conf.h"
#include "install.h"
#include "ipc.h"
#include "kubecreds.h"
#include "link.h"
#include "log.h"
#include "notify.h"
#include "signals.h"
#include "spawn.h"
#include "supervise.h"
#include "util.h"

/* Times in seconds; XCNI_SECOND_MS shortens the second for tests. Restart
 * delays: 1, 2, 4 .. 60, back to 1 after a minute of uptime. */
#define BACKOFF_MAX		60
#define BACKOFF_STABLE		60
#define CREDS_INTERVAL		60
#define CREDS_ASK_MIN		1
#define CNI_RETRY		10
#define STOP_TIMEOUT		10
/* The status file's heartbeat moves at each credentials refresh; --alive
 * fails after three missed ones. */
#define ALIVE_MAX		(3 * CREDS_INTERVAL)
#define MTU_FALLBACK		1500
#define NEVER			UINT64_MAX

enum wstate {
	W_RUNNING,
	W_WAITING,	/* crashed; restarts at deadline */
	W_STOPPING,	/* SIGTERM sent; SIGKILL at deadline */
	W_STOPPED,	/* stopped on purpose (shutdown) */
	W_FAILED,	/* not restarted until a reload */
};

static const char *const wstate_names[] = {
	[W_RUNNING] = "running", [W_WAITING] = "restarting",
	[W_STOPPING] = "stopping", [W_STOPPED] = "stopped",
	[W_FAILED] = "failed",
};

enum cni_state {
	CNI_NONE,	/* no file, or not written yet */
	CNI_OK,
	CNI_FAILED,	/* the last write failed; retried */
};

static const char *const cni_state_names[] = {
	[CNI_NONE] = "-",
	[CNI_OK] = "ok",
	[CNI_FAILED] = "failed",
};

struct worker {
	char *name;
	const struct net_config *net;	/* NULL: removed, goes once stopped */
	char *conf;			/* the config message it is sent */
	uid_t uid;
	gid_t gid;
	enum wstate state;
	bool restart;			/* start again as soon as it stopped */
	bool ready;			/* first sync reported */
	pid_t pid;
	int fd;
	unsigned long routes, failed;
	unsigned mtu;			/* of the node address' link; 0: unknown */
	enum cni_state cni;		/* of its CNI conf file */
	unsigned restarts;
	unsigned backoff;		/* next restart delay, in units */
	int status;			/* wait status of the last exit */
	uint64_t since;			/* start time */
	uint64_t deadline;		/* restart (W_WAITING), kill (W_STOPPING) */
};

static struct {
	struct config cfg;
	struct worker **w;
	size_t n;
	size_t cap;			/* room in w, pfd and polled */
	struct pollfd *pfd;		/* [0] signals, then workers' */
	struct worker **polled;		/* the worker of each pfd[i > 0] */
	const char *worker_path;
	const char *install_bin;
	bool respawn;
	uint64_t second;		/* ms */
	bool stopping;
	bool started;			/* READY=1 sent */
	char *creds;			/* serialized, as last sent */
	size_t creds_len;
	char creds_err[256];		/* last failure, to log each one once */
	uint64_t creds_at;		/* next periodic refresh */
	uint64_t creds_asked;		/* last refresh a worker asked for */
	uint64_t cni_retry_at;		/* a conf file write failed */
	uint64_t reload_at;		/* a reload ran out of memory */
	char *status;			/* last STATUS= */
} sup;

static char msgbuf[IPC_MAX];

static uint64_t
mono_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

/* The heartbeat is read by another process (--alive): a clock every
 * process shares, which suspend does not stop. */
static uint64_t
heartbeat_ms(void)
{
	return clock_ms(CLOCK_BOOTTIME);
}

static uint64_t
second_ms(void)
{
	const char *env = getenv("XCNI_SECOND_MS");
	uint64_t ms;

	if (env == NULL || (ms = strtoull(env, NULL, 10)) == 0)
		return 1000;
	return ms;
}

static const char *
plugin_kubeconfig(void)
{
	static char path[PATH_MAX];

	if (sup.install_bin == NULL)
		return sup.cfg.kubeconfig;
	snprintf(path, sizeof(path), "%s/%s", sup.cfg.cni_conf_dir,
	    INSTALL_KUBECONFIG);
	return path;
}

/* --- state directories ------------------------------------------------
 * state-dir is root's; each worker gets state-dir/NET, owned by its user,
 * as its own state-dir, so it writes state-dir/NET/NET.json. The plugin
 * reads state-dir/NET.json, a root-owned symlink to that file: a worker can
 * write only its own network's state, and nothing of the supervisor's. */

static int
state_dir_open(const char *dir)
{
	int fd;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd;
}

static int
state_prepare(const struct config *cfg, const struct net_config *net)
{
	char target[NAME_MAX * 2 + 8], link[NAME_MAX + 8], tmp[NAME_MAX + 32];
	char cur[sizeof(target)];
	int dfd, fd = -1, rc = -1;
	struct stat st;
	ssize_t n;

	if ((dfd = state_dir_open(cfg->state_dir)) < 0) {
		log_err("state dir %s", cfg->state_dir);
		return -1;
	}
	/* Without CAP_FOWNER only the owner may chmod: root's for that. */
	if ((mkdirat(dfd, net->name, 0755) < 0 && errno != EEXIST) ||
	    (fd = openat(dfd, net->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0 || fstat(fd, &st) < 0 ||
	    ((st.st_uid != cfg->uid || st.st_gid != cfg->gid ||
	    (st.st_mode & 07777) != 0755) && (fchown(fd, 0, 0) < 0 ||
	    fchmod(fd, 0755) < 0 || fchown(fd, cfg->uid, cfg->gid) < 0))) {
		log_err("network %s: state dir %s/%s", net->name, cfg->state_dir,
		    net->name);
		goto out;
	}
	snprintf(target, sizeof(target), "%s/%s.json", net->name, net->name);
	snprintf(link, sizeof(link), "%s.json", net->name);
	n = readlinkat(dfd, link, cur, sizeof(cur) - 1);
	if (n >= 0 && (size_t)n == strlen(target) &&
	    memcmp(cur, target, (size_t)n) == 0) {
		rc = 0;
		goto out;
	}
	snprintf(tmp, sizeof(tmp), ".%s.xcni-link", link);
	(void)unlinkat(dfd, tmp, 0);
	if (symlinkat(target, dfd, tmp) < 0 ||
	    renameat(dfd, tmp, dfd, link) < 0) {
		log_err("network %s: state link %s/%s", net->name,
		    cfg->state_dir, link);
		(void)unlinkat(dfd, tmp, 0);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	close(dfd);
	return rc;
}

/* A removed network's state must go, or the plugin would keep handing out
 * its stale ranges. */
static void
state_remove(const char *name)
{
	char link[NAME_MAX + 8];
	struct dirent *de;
	DIR *d = NULL;
	int dfd, fd;

	if ((dfd = open(sup.cfg.state_dir, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0)
		return;
	snprintf(link, sizeof(link), "%s.json", name);
	if (unlinkat(dfd, link, 0) < 0 && errno != ENOENT)
		log_warn("network %s: %s/%s", name, sup.cfg.state_dir, link);
	/* Root's again first: the supervisor may lack CAP_DAC_OVERRIDE. */
	if ((fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) >= 0 && (fchown(fd, 0, 0) < 0 ||
	    (d = fdopendir(fd)) == NULL))
		close(fd);
	while (d != NULL && (de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    unlinkat(dirfd(d), de->d_name, 0) < 0)
			log_warn("network %s: %s/%s/%s", name, sup.cfg.state_dir,
			    name, de->d_name);
	if (d != NULL)
		closedir(d);
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		log_warn("network %s: %s/%s", name, sup.cfg.state_dir, name);
	else
		log_info("network %s: state removed", name);
	close(dfd);
}

/* --- CNI conf files ---------------------------------------------------- */

/* A conf dir that is read-only or full for a while must not leave the node
 * without its conf files until the next reload: the writes are retried. */
static void
cni_retry(void)
{
	if (sup.cni_retry_at != NEVER)
		return;
	sup.cni_retry_at = mono_ms() + CNI_RETRY * sup.second;
	log_warnx("cni conf: retrying in %d s", CNI_RETRY);
}

static void
cni_sync(struct worker *w)
{
	const struct net_config *net = w->net;
	unsigned mtu;

	if (net == NULL || net->cni_conf == NULL) {
		w->cni = CNI_NONE;
		return;
	}
	/* Until the worker names the node's address, an existing file stays
	 * as it is rather than being written with a guessed MTU. */
	if ((mtu = net->mtu != 0 ? net->mtu : w->mtu) == 0)
		return;
	if (conflist_write(&sup.cfg, net, mtu, plugin_kubeconfig()) < 0) {
		w->cni = CNI_FAILED;
		cni_retry();
	} else
		w->cni = CNI_OK;
}

static void
cni_sync_all(void)
{
	size_t i;

	sup.cni_retry_at = NEVER;
	for (i = 0; i < sup.n; i++)
		cni_sync(sup.w[i]);
	if (conflist_prune(&sup.cfg) < 0)
		cni_retry();
}

static int
addr_mtu(const char *item, size_t len, void *arg)
{
	struct addr a;

	return addr_parse(item, len, &a) == 0 &&
	    link_by_addr(&a, NULL, arg) == 0;
}

/* The MTU of the link that carries the node's own address on this network,
 * as the worker reported it. */
static void
worker_mtu(struct worker *w, const char *payload)
{
	const char *addrs;
	unsigned mtu = 0;
	size_t len;

	/* A node that lost its address for a moment keeps its MTU. */
	if ((addrs = ipc_field(payload, "addresses", &len)) == NULL ||
	    len == 0) {
		if (w->mtu != 0)
			return;
		addrs = "";
		len = 0;
	}
	if (addr_list_each(addrs, len, addr_mtu, &mtu) == 0 || mtu == 0) {
		mtu = MTU_FALLBACK;
		if (w->mtu != mtu && len == 0)
			log_warnx("network %s: node address unknown, mtu %u",
			    w->name, mtu);
		else if (w->mtu != mtu)
			log_warnx("network %s: no local link carries the node "
			    "address %.*s, mtu %u", w->name, (int)len, addrs, mtu);
	}
	if (w->mtu != mtu) {
		w->mtu = mtu;
		cni_sync(w);
	}
}

/* --- credentials ------------------------------------------------------- */

static void
creds_send(struct worker *w)
{
	if (w->fd >= 0 && sup.creds != NULL &&
	    ipc_send(w->fd, IPC_CREDS, sup.creds, sup.creds_len) < 0)
		log_warn("network %s: sending credentials", w->name);
}

static void
creds_free(void)
{
	if (sup.creds != NULL)
		explicit_bzero(sup.creds, sup.creds_len);
	free(sup.creds);
	sup.creds = NULL;
}

/* Re-resolves the credentials (token files rotate) and hands changed ones
 * to every worker. Returns true when they changed. */
static bool
creds_refresh(void)
{
	struct kube_creds *c;
	char err[sizeof(sup.creds_err)];
	size_t len, i;
	char *s;

	sup.creds_at = mono_ms() + CREDS_INTERVAL * sup.second;
	if ((c = kube_creds_load(sup.cfg.kubeconfig, err, sizeof(err))) == NULL) {
		if (strcmp(err, sup.creds_err) != 0)
			log_errx("credentials: %s", err);
		memcpy(sup.creds_err, err, sizeof(err));
		return false;
	}
	sup.creds_err[0] = '\0';
	if (sup.install_bin != NULL)
		install_kubeconfig(&sup.cfg, c);
	s = kube_creds_serialize(c, &len);
	kube_creds_free(c);
	if (s == NULL) {
		log_err("credentials");
		return false;
	}
	if (sup.creds != NULL && len == sup.creds_len &&
	    memcmp(s, sup.creds, len) == 0) {
		explicit_bzero(s, len);
		free(s);
		return false;
	}
	log_info("credentials: %s", sup.creds == NULL ? "loaded" : "changed");
	creds_free();
	sup.creds = s;
	sup.creds_len = len;
	for (i = 0; i < sup.n; i++)
		creds_send(sup.w[i]);
	return true;
}

/* --- workers ----------------------------------------------------------- */

/* What the worker is told: the resolved configuration of [global] and its
 * network, with its own directory as state-dir. */
static char *
worker_conf(const struct config *cfg, const struct net_config *net)
{
	struct config view = *cfg;
	char *text = NULL, *dir;
	size_t len;
	FILE *f;

	if (asprintf(&dir, "%s/%s", cfg->state_dir, net->name) < 0)
		return NULL;
	view.state_dir = dir;
	if ((f = open_memstream(&text, &len)) != NULL) {
		config_print(&view, net->name, f);
		if (fclose(f) != 0) {
			free(text);
			text = NULL;
		}
	}
	free(dir);
	return text;
}

static void
worker_start(struct worker *w)
{
	w->ready = false;
	w->routes = w->failed = 0;
	w->since = mono_ms();
	w->state = W_RUNNING;
	w->restart = false;
	if ((w->pid = spawn_worker(sup.worker_path, w->name, w->uid, w->gid,
	    &w->fd)) < 0) {
		log_err("network %s: starting worker", w->name);
		w->pid = 0;
		w->fd = -1;
		w->state = W_WAITING;
		w->deadline = mono_ms() + sup.second * w->backoff;
		return;
	}
	log_info("network %s: worker %d started", w->name, (int)w->pid);
	if (ipc_send(w->fd, IPC_CONFIG, w->conf, strlen(w->conf)) < 0) {
		/* It cannot run without its configuration: a crash. */
		log_err("network %s: sending configuration", w->name);
		kill(w->pid, SIGKILL);
		return;
	}
	creds_send(w);
}

static void
worker_stop(struct worker *w, bool restart)
{
	w->restart = restart;
	switch (w->state) {
	case W_RUNNING:
		log_info("network %s: stopping worker %d", w->name, (int)w->pid);
		kill(w->pid, SIGTERM);
		w->state = W_STOPPING;
		w->deadline = mono_ms() + STOP_TIMEOUT * sup.second;
		break;
	case W_WAITING:
	case W_FAILED:
		w->state = W_STOPPED;
		break;
	case W_STOPPING:
	case W_STOPPED:
		break;
	}
}

static struct worker *
worker_find(const char *name)
{
	size_t i;

	for (i = 0; i < sup.n; i++)
		if (strcmp(sup.w[i]->name, name) == 0)
			return sup.w[i];
	return NULL;
}

/* Room for n workers in sup.w and the poll arrays, which the loop then
 * fills without allocating. Returns 0, or -1 (ENOMEM) with sup.cap as it
 * was. */
static int
workers_room(size_t n)
{
	struct pollfd *pfd;
	struct worker **v;

	if (n <= sup.cap && sup.pfd != NULL)
		return 0;
	if ((v = reallocarray(sup.w, n + 1, sizeof(*v))) == NULL)
		return -1;
	sup.w = v;
	if ((v = reallocarray(sup.polled, n + 1, sizeof(*v))) == NULL)
		return -1;
	sup.polled = v;
	if ((pfd = reallocarray(sup.pfd, n + 1, sizeof(*pfd))) == NULL)
		return -1;
	sup.pfd = pfd;
	sup.cap = n;
	return 0;
}

/* A new stopped worker for name, without a network yet. Returns it, or
 * NULL (ENOMEM) with nothing added. */
static struct worker *
worker_add(const char *name)
{
	struct worker *w;

	if (workers_room(sup.n + 1) < 0 || (w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	if ((w->name = strdup(name)) == NULL) {
		free(w);
		return NULL;
	}
	w->fd = -1;
	w->backoff = 1;
	w->state = W_STOPPED;
	sup.w[sup.n++] = w;
	return w;
}

static void
worker_free(struct worker *w)
{
	free(w->name);
	free(w->conf);
	free(w);
}

static void
worker_remove(struct worker *w)
{
	size_t i;

	state_remove(w->name);
	for (i = 0; i < sup.n; i++)
		if (sup.w[i] == w)
			sup.w[i] = sup.w[--sup.n];
	worker_free(w);
}

static void
worker_close(struct worker *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

static void
describe_exit(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
	else
		snprintf(buf, size, "ended (wait status %#x)", status);
}

static void
worker_exited(struct worker *w, int status)
{
	char how[128];
	unsigned delay;

	worker_close(w);
	w->pid = 0;
	w->ready = false;
	w->status = status;
	describe_exit(status, how, sizeof(how));

	if (w->state == W_STOPPING) {
		log_info("network %s: worker %s", w->name, how);
		w->state = W_STOPPED;
		if (w->net == NULL)
			worker_remove(w);
		else if (w->restart && !sup.stopping) {
			w->backoff = 1;
			worker_start(w);
		}
		return;
	}
	if (WIFEXITED(status) && (WEXITSTATUS(status) == EX_CONFIG ||
	    WEXITSTATUS(status) == EX_NOPERM)) {
		log_errx("network %s: worker %s (%s), not restarted", w->name,
		    how, WEXITSTATUS(status) == EX_CONFIG ?
		    "configuration error" : "permission denied");
		w->state = W_FAILED;
		return;
	}
	if (!sup.respawn) {
		log_errx("network %s: worker %s, not restarted (--no-respawn)",
		    w->name, how);
		w->state = W_FAILED;
		return;
	}
	if (mono_ms() - w->since >= BACKOFF_STABLE * sup.second)
		w->backoff = 1;
	delay = w->backoff;
	w->backoff = delay * 2 > BACKOFF_MAX ? BACKOFF_MAX : delay * 2;
	w->restarts++;
	w->state = W_WAITING;
	w->deadline = mono_ms() + delay * sup.second;
	log_warnx("network %s: worker %s, restart %u in %u s", w->name, how,
	    w->restarts, delay);
}

static void
reap(void)
{
	int status;
	pid_t pid;
	size_t i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (i = 0; i < sup.n; i++)
			if (sup.w[i]->pid == pid) {
				worker_exited(sup.w[i], status);
				break;
			}
}

static void
worker_report(struct worker *w, const char *type, const char *payload)
{
	unsigned long routes = 0, failed = 0;

	if (!ipc_field_uint(payload, "routes", &routes))
		log_warnx("network %s: %s without routes=", w->name, type);
	(void)ipc_field_uint(payload, "failed", &failed);
	if (!w->ready && strcmp(type, IPC_READY) == 0) {
		w->ready = true;
		log_info("network %s: worker ready, %lu routes", w->name, routes);
	}
	w->routes = routes;
	w->failed = failed;
	if (w->net != NULL && w->net->cni_conf != NULL && w->net->mtu == 0)
		worker_mtu(w, payload);
}

static void
worker_read(struct worker *w)
{
	const char *type, *payload;
	size_t len;
	int rc;

	while (w->fd >= 0) {
		if ((rc = ipc_recv(w->fd, msgbuf, sizeof(msgbuf), &type,
		    &payload, &len)) == 0) {
			worker_close(w);
			return;
		}
		if (rc < 0) {
			if (errno == EAGAIN)
				return;
			log_warn("network %s: worker message", w->name);
			if (errno != EMSGSIZE && errno != EBADMSG)
				worker_close(w);
			continue;
		}
		log_debug("network %s: %s %s", w->name, type, payload);
		if (strcmp(type, IPC_READY) == 0 || strcmp(type, IPC_STATUS) == 0)
			worker_report(w, type, payload);
		else if (strcmp(type, IPC_CREDS_REQ) == 0) {
			/* One re-read a second is enough for any number of
			 * workers; an unchanged answer still goes to the asker. */
			if (mono_ms() - sup.creds_asked >= CREDS_ASK_MIN * sup.second) {
				sup.creds_asked = mono_ms();
				if (creds_refresh())
					continue;
			}
			creds_send(w);
		} else
			log_warnx("network %s: unknown message \"%s\"", w->name,
			    type);
	}
}

/* --- configuration ----------------------------------------------------- */

/* A network of the next configuration: its worker and what it is told. */
struct next_net {
	struct worker *w;
	char *conf;
};

/* What next needs allocated before anything changes: each network's
 * worker, new ones added stopped, and its configuration message (nn[i],
 * conf for the caller to free). Returns 0, or -1 (ENOMEM) with the confs
 * freed and no worker added. */
static int
config_prepare(const struct config *next, struct next_net *nn)
{
	size_t i, n = sup.n;

	for (i = 0; i < next->n_nets; i++) {
		const char *name = next->nets[i].name;

		if ((nn[i].conf = worker_conf(next, &next->nets[i])) == NULL ||
		    ((nn[i].w = worker_find(name)) == NULL &&
		    (nn[i].w = worker_add(name)) == NULL))
			break;
	}
	if (i == next->n_nets)
		return 0;
	while (sup.n > n)
		worker_free(sup.w[--sup.n]);
	for (i = 0; i < next->n_nets; i++)
		free(nn[i].conf);
	errno = ENOMEM;
	return -1;
}

/* Moves to next (taking it over): starts added networks, stops removed
 * ones, restarts changed ones, leaves the rest alone. Returns 0, or -1
 * (ENOMEM) with nothing changed and next still the caller's. */
static int
config_apply(struct config *next)
{
	struct next_net *nn;
	size_t i;
	int fd;

	if ((nn = calloc(next->n_nets + 1, sizeof(*nn))) == NULL)
		return -1;
	if (config_prepare(next, nn) < 0) {
		free(nn);
		return -1;
	}
	if ((fd = state_dir_open(next->state_dir)) < 0)
		log_err("state dir %s", next->state_dir);
	else
		close(fd);
	if (mkdir(next->cni_conf_dir, 0755) < 0 && errno != EEXIST)
		log_err("cni conf dir %s", next->cni_conf_dir);
	for (i = 0; i < next->n_nets; i++) {
		const struct net_config *net = &next->nets[i];
		struct worker *w = nn[i].w;
		char *conf = nn[i].conf;
		bool changed;

		state_prepare(next, net);
		changed = w->conf == NULL || strcmp(w->conf, conf) != 0 ||
		    w->uid != next->uid || w->gid != next->gid;
		w->net = net;
		if (changed) {
			free(w->conf);
			w->conf = conf;
			w->uid = next->uid;
			w->gid = next->gid;
			w->mtu = 0;
		} else
			free(conf);
		switch (w->state) {
		case W_RUNNING:
			if (changed)
				worker_stop(w, true);
			break;
		case W_STOPPING:
			w->restart = true;
			break;
		case W_WAITING:
			if (!changed)
				break;
			/* FALLTHROUGH */
		case W_FAILED:	/* a reload is the operator's retry */
		case W_STOPPED:
			w->backoff = 1;
			worker_start(w);
			break;
		}
	}
	for (i = sup.n; i-- > 0; ) {
		struct worker *w = sup.w[i];

		if (config_network(next, w->name) != NULL)
			continue;
		log_info("network %s: removed", w->name);
		w->net = NULL;
		worker_stop(w, false);
		if (w->state == W_STOPPED)
			worker_remove(w);
	}
	free(nn);
	config_free(&sup.cfg);
	sup.cfg = *next;
	sup.reload_at = NEVER;
	log_set_level(sup.cfg.log_level);
	creds_refresh();
	cni_sync_all();
	return 0;
}

static void
reload(void)
{
	struct config next;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	notify("RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000 +
	    (unsigned long long)ts.tv_nsec / 1000);
	log_info("reloading %s", sup.cfg.path);
	if (config_load(sup.cfg.path, &next, stderr) != 0)
		log_errx("%s: not valid, configuration unchanged", sup.cfg.path);
	else if (config_apply(&next) < 0) {
		log_err("%s: not applied, configuration unchanged, retrying "
		    "in %d s", sup.cfg.path, CNI_RETRY);
		config_free(&next);
		sup.reload_at = now_ms() + CNI_RETRY * sup.second;
	}
	if (sup.started)
		notify("READY=1");
}

/* --- status ------------------------------------------------------------ */

/* Pods cannot start on a network whose CNI conf file could not be
 * written, so the readiness file says not ready. */
static bool
cni_failed(void)
{
	size_t i;

	for (i = 0; i < sup.n; i++)
		if (sup.w[i]->net != NULL && sup.w[i]->cni == CNI_FAILED)
			return true;
	return false;
}

static bool
all_synced(bool failed_counts)
{
	size_t i;

	for (i = 0; i < sup.n; i++) {
		const struct worker *w = sup.w[i];

		if (w->net == NULL)
			continue;
		if (!(w->state == W_RUNNING && w->ready) &&
		    !(failed_counts && w->state == W_FAILED))
			return false;
	}
	return true;
}

/* The status for systemd (*text) and for the status file (*file, *flen
 * bytes); the caller frees both. Returns 0, or -1 (ENOMEM) with both
 * NULL. */
static int
status_render(char **text, char **file, size_t *flen)
{
	FILE *t = NULL, *f = NULL;
	size_t tlen, i;
	bool ok;

	*text = *file = NULL;
	if ((t = open_memstream(text, &tlen)) == NULL ||
	    (f = open_memstream(file, flen)) == NULL) {
		ok = false;
		goto out;
	}
	fprintf(f, "ready=%d\npid=%d\nalive=%llu\n",
	    all_synced(false) && !cni_failed(),
	    (int)getpid(), (unsigned long long)(heartbeat_ms() /
	    (CREDS_INTERVAL * sup.second) * (CREDS_INTERVAL * sup.second)));
	for (i = 0; i < sup.n; i++) {
		const struct worker *w = sup.w[i];

		fprintf(f, "network=%s pid=%d state=%s ready=%d routes=%lu "
		    "failed=%lu restarts=%u cni=%s\n", w->name, (int)w->pid,
		    wstate_names[w->state], w->ready, w->routes, w->failed,
		    w->restarts, cni_state_names[w->cni]);
		if (w->net == NULL)
			continue;
		fprintf(t, "%s%s: ", i == 0 ? "" : "; ", w->name);
		if (w->state == W_RUNNING && w->ready)
			fprintf(t, "%lu routes", w->routes);
		else if (w->state == W_RUNNING)
			fprintf(t, "syncing");
		else
			fprintf(t, "%s", wstate_names[w->state]);
		if (w->failed != 0)
			fprintf(t, ", %lu failed", w->failed);
		if (w->cni == CNI_FAILED)
			fprintf(t, ", CNI conf not written");
	}
	ok = true;
out:
	if (t != NULL && fclose(t) != 0)
		ok = false;
	if (f != NULL && fclose(f) != 0)
		ok = false;
	if (!ok) {
		free(*text);
		free(*file);
		*text = *file = NULL;
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* Out of memory, the status is left as it was: the next turn of the loop
 * publishes it again. */
static void
status_publish(void)
{
	char *text, *file, *path = NULL;
	size_t flen;

	if (status_render(&text, &file, &flen) < 0) {
		log_err("status");
		return;
	}
	if (sup.status == NULL || strcmp(sup.status, text) != 0) {
		notify("STATUS=%s", text);
		free(sup.status);
		sup.status = text;
		text = NULL;
	}
	if (!sup.started && !sup.stopping && all_synced(true)) {
		sup.started = true;
		log_info("ready: %s", sup.status);
		notify("READY=1");
	}
	if (asprintf(&path, "%s/%s", sup.cfg.state_dir,
	    SUPERVISE_STATUS_FILE) < 0) {
		path = NULL;
		log_err("status file");
	} else if (atomic_update(path, file, flen, 0644) < 0)
		log_err("status: %s", path);
	free(path);
	free(file);
	free(text);
}

/* The status file of the supervisor of cfg's state-dir, when that
 * supervisor is alive (else NULL, logged). */
static char *
status_load(const struct config *cfg)
{
	char *path, *text;
	unsigned long pid = 0;
	size_t len;

	if (asprintf(&path, "%s/%s", cfg->state_dir, SUPERVISE_STATUS_FILE) < 0)
		fatal(1, "status");
	if ((text = file_read(path, 1 << 20, &len)) == NULL)
		log_err("%s", path);
	else if (!ipc_field_uint(text, "pid", &pid) || pid == 0 ||
	    pid > INT_MAX || (kill((pid_t)pid, 0) < 0 && errno == ESRCH)) {
		log_errx("%s: supervisor %lu is not running", path, pid);
		free(text);
		text = NULL;
	}
	free(path);
	return text;
}

int
supervise_status(const struct config *cfg)
{
	char *text;
	int ready;

	if ((text = status_load(cfg)) == NULL)
		return 1;
	fputs(text, stdout);
	ready = strncmp(text, "ready=1\n", 8) == 0;
	free(text);
	return ready ? 0 : 1;
}

int
supervise_alive(const struct config *cfg)
{
	uint64_t second = second_ms(), now = heartbeat_ms();
	unsigned long beat = 0;
	char *text;
	int alive;

	if ((text = status_load(cfg)) == NULL)
		return 1;
	alive = ipc_field_uint(text, "alive", &beat) &&
	    now - beat <= ALIVE_MAX * second;
	if (!alive)
		log_errx("supervisor: no heartbeat for %llu s",
		    (unsigned long long)((now - beat) / second));
	free(text);
	return alive ? 0 : 1;
}

/* --- the loop ---------------------------------------------------------- */

static void
shutdown_begin(int sig)
{
	size_t i;

	log_info("%s: stopping workers, routes stay", strsignal(sig));
	notify("STOPPING=1");
	sup.stopping = true;
	for (i = 0; i < sup.n; i++)
		worker_stop(sup.w[i], false);
}

static void
signals_read(int fd)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap();
			break;
		case SIGHUP:
			if (!sup.stopping)
				reload();
			break;
		case SIGTERM:
		case SIGINT:
			if (!sup.stopping)
				shutdown_begin((int)si.ssi_signo);
			break;
		}
	}
}

static void
timers_run(void)
{
	uint64_t now = mono_ms();
	size_t i;

	for (i = 0; i < sup.n; i++) {
		struct worker *w = sup.w[i];

		if ((w->state != W_WAITING && w->state != W_STOPPING) ||
		    w->deadline > now)
			continue;
		w->deadline = NEVER;
		if (w->state == W_WAITING && !sup.stopping)
			worker_start(w);
		else if (w->state == W_STOPPING) {
			log_warnx("network %s: worker %d did not stop, killing it",
			    w->name, (int)w->pid);
			kill(w->pid, SIGKILL);
		}
	}
	if (sup.creds_at <= now && !sup.stopping)
		creds_refresh();
	if (sup.cni_retry_at <= now && !sup.stopping)
		cni_sync_all();
	if (sup.reload_at <= now && !sup.stopping) {
		sup.reload_at = NEVER;
		reload();
	}
}

static int
next_timeout(void)
{
	uint64_t next = sup.creds_at, now = mono_ms();
	size_t i;

	if (sup.cni_retry_at < next)
		next = sup.cni_retry_at;
	if (sup.reload_at < next)
		next = sup.reload_at;
	for (i = 0; i < sup.n; i++)
		if ((sup.w[i]->state == W_WAITING ||
		    sup.w[i]->state == W_STOPPING) && sup.w[i]->deadline < next)
			next = sup.w[i]->deadline;
	if (next <= now)
		return 0;
	return next - now > INT_MAX ? INT_MAX : (int)(next - now);
}

static bool
workers_running(void)
{
	size_t i;

	for (i = 0; i < sup.n; i++)
		if (sup.w[i]->pid != 0)
			return true;
	return false;
}

static void
daemonize(void)
{
	pid_t pid;

	if ((pid = fork()) < 0)
		fatal(1, "fork");
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		fatal(1, "setsid");
}

int
supervise(struct config *cfg, const struct supervise_opts *opts)
{
	struct pollfd *pfd;
	struct worker **polled;
	char *path;
	int sigfd;
	size_t i, n;

	/* Descriptors 0-2 open, so no socket lands there and a worker's
	 * stdio cannot write into one. */
	while ((sigfd = open("/dev/null", O_RDWR)) >= 0 && sigfd <= 2)
		;
	if (sigfd > 2)
		close(sigfd);

	sup.respawn = opts->respawn;
	sup.install_bin = opts->install_cni_bin;
	sup.worker_path = worker_program(opts->worker);
	sup.second = second_ms();
	sup.creds_err[0] = '\0';
	sup.cni_retry_at = NEVER;
	sup.reload_at = NEVER;

	if (!opts->foreground)
		daemonize();
	notify_init();
	if ((sigfd = signals_open((const int[]){ SIGCHLD, SIGHUP, SIGTERM,
	    SIGINT, 0 })) < 0)
		fatal(1, "signalfd");
	umask(022);
	if (sup.install_bin != NULL && install_plugins(sup.install_bin) < 0) {
		config_free(cfg);
		return 1;
	}
	log_info("starting %zu networks, worker %s", cfg->n_nets,
	    sup.worker_path);
	if (workers_room(0) < 0 || config_apply(cfg) < 0)
		fatal(1, "configuration");

	for (;;) {
		status_publish();
		if (sup.stopping && !workers_running())
			break;
		pfd = sup.pfd;
		polled = sup.polled;
		pfd[0] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		for (i = 0, n = 1; i < sup.n; i++)
			if (sup.w[i]->fd >= 0) {
				polled[n] = sup.w[i];
				pfd[n++] = (struct pollfd){ .fd = sup.w[i]->fd,
				    .events = POLLIN };
			}
		if (poll(pfd, n, next_timeout()) < 0 && errno != EINTR)
			fatal(1, "poll");
		/* Messages first: a worker's last report counts before its
		 * exit is handled (and its worker struct possibly freed). */
		for (i = 1; i < n; i++)
			if (pfd[i].revents != 0)
				worker_read(polled[i]);
		if (pfd[0].revents != 0)
			signals_read(sigfd);
		timers_run();
	}

	log_info("stopped");
	if (asprintf(&path, "%s/%s", sup.cfg.state_dir,
	    SUPERVISE_STATUS_FILE) >= 0) {
		(void)unlink(path);
		free(path);
	}
	while (sup.n > 0)
		worker_free(sup.w[--sup.n]);
	free(sup.w);
	free(sup.pfd);
	free(sup.polled);
	free(sup.status);
	creds_free();
	config_free(&sup.cfg);
	close(sigfd);
	return 0;
}
