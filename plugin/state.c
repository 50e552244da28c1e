/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "log.h"
#include "policy.h"
#include "state.h"

#define BAD_STATE "decoding failed"
#define REFUSED "state file refused"

/* The plugin knows no addresses of the host; the rules alone judge. */
static const struct policy policy = {
	.min_prefix_v4 = POLICY_MIN_PREFIX_V4,
	.min_prefix_v6 = POLICY_MIN_PREFIX_V6,
};

/* The file's CIDRs as kube-node takes them. */
static int
take_cidrs(const struct statefile *sf, const char *name, struct ranges *r,
    struct cni_error *e)
{
	char buf[ADDR_STRLEN], why[128];
	size_t i, k;

	for (k = 0; k < sf->n_cidrs; k++) {
		const struct cidr *c = &sf->cidrs[k];

		/* A pod must never get a loopback or multicast address,
		 * whatever the worker (or whoever wrote this) says: the
		 * worker's own route policy judges the range, without the
		 * connected prefixes (the range is on this host's bridge). */
		if (policy_check_cidr(&policy, c, why, sizeof(why)) < 0)
			return cni_fail(e, CNI_ERR_DECODE, BAD_STATE,
			    "%s: cidrs: %s, refused", name, why);
		for (i = 0; i < r->n; i++)
			if (r->cidr[i].addr.family == c->addr.family)
				break;
		if (i < r->n) {
			log_warnx("%s: cidrs: %s ignored, one range per "
			    "family", name, cidr_format(c, buf));
			continue;
		}
		r->cidr[r->n++] = *c;
	}
	return 0;
}

int
state_parse(const char *buf, size_t len, const char *name, struct state *st,
    struct cni_error *e)
{
	char why[128];

	memset(st, 0, sizeof(*st));
	if (statefile_parse(buf, len, &st->file, why, sizeof(why)) < 0)
		return cni_fail(e, CNI_ERR_DECODE, BAD_STATE, "%s: %s", name,
		    why);
	if (take_cidrs(&st->file, name, &st->ranges, e) < 0) {
		state_free(st);
		return -1;
	}
	st->network = st->file.network;
	st->node = st->file.node;
	st->annotation = st->file.annotation;
	return 0;
}

void
state_free(struct state *st)
{
	statefile_free(&st->file);
	memset(st, 0, sizeof(*st));
}

static int
io_fail(struct cni_error *e, const char *path)
{
	return cni_fail(e, CNI_ERR_IO, "I/O error", "%s: %s", path,
	    strerror(errno));
}

/* A directory that may hold trusted state: writable by its owner only, or
 * anyone could put a file there. Fills st. Returns 0, or -1 with e set. */
static int
dir_check(int fd, const char *path, struct stat *st, struct cni_error *e)
{
	if (fstat(fd, st) < 0)
		return io_fail(e, path);
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return cni_fail(e, CNI_ERR_IO, REFUSED, "%s: the directory is "
		    "writable by group or others", path);
	return 0;
}

/* Opens dir (the stateDir) for state_open. Returns 1 with *fd open, 0 when
 * it does not exist, -1 with e set. */
static int
state_dir_open(const char *dir, int *fd, struct cni_error *e)
{
	struct stat st;

	*fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return errno == ENOENT ? 0 : io_fail(e, dir);
	if (dir_check(*fd, dir, &st, e) < 0) {
		close(*fd);
		return -1;
	}
	return 1;
}

/* Opens NET, the directory the supervisor gave the network's worker, when
 * dir/NET.json is its link to NET/NET.json (the supervisor's layout); no
 * other link is followed. path names the directory then. Returns 1 with
 * *hfd open, 0 when the link or the directory is gone, -1 with e set. */
static int
state_link(int dfd, const char *dir, const char *name, int *hfd,
    char *path, size_t size, struct cni_error *e)
{
	char target[2 * NAME_MAX + 2], want[2 * NAME_MAX + 2], net[NAME_MAX];
	ssize_t n;

	snprintf(path, size, "%s/%s", dir, name);
	snprintf(net, sizeof(net), "%.*s", (int)(strlen(name) - 5), name);
	if ((n = readlinkat(dfd, name, target, sizeof(target) - 1)) < 0)
		return errno == ENOENT ? 0 : io_fail(e, path);
	target[n] = '\0';
	snprintf(want, sizeof(want), "%s/%s", net, name);
	if (strcmp(target, want) != 0)
		return cni_fail(e, CNI_ERR_IO, REFUSED, "%s: a symbolic link "
		    "to %s; only one to %s is followed", path, target, want);
	snprintf(path, size, "%s/%s", dir, net);
	*hfd = openat(dfd, net, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (*hfd < 0 && errno == ENOENT)
		return 0;
	if (*hfd < 0 && (errno == ELOOP || errno == ENOTDIR))
		return cni_fail(e, CNI_ERR_IO, REFUSED, "%s: not a directory",
		    path);
	return *hfd < 0 ? io_fail(e, path) : 1;
}

/* The checks of a state file open as fd in the directory hfd (path). */
static int
state_check(int fd, int hfd, const char *path, struct cni_error *e)
{
	struct stat st, ds;

	if (dir_check(hfd, path, &ds, e) < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		return io_fail(e, path);
	if (!S_ISREG(st.st_mode))
		return cni_fail(e, CNI_ERR_IO, REFUSED, "%s: not a regular "
		    "file", path);
	if (st.st_uid != 0 && st.st_uid != ds.st_uid)
		return cni_fail(e, CNI_ERR_IO, REFUSED, "%s: owned by uid %u, "
		    "neither root nor its directory's owner (uid %u)", path,
		    (unsigned)st.st_uid, (unsigned)ds.st_uid);
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return cni_fail(e, CNI_ERR_IO, REFUSED, "%s: writable by group "
		    "or others", path);
	return 0;
}

/*
 * Opens dir/name (a NET.json in the stateDir open as dfd) as a state file
 * kube-node trusts: a regular file, owned by root or by the owner of the
 * directory holding it (the network's worker user, to whom the supervisor
 * gave that directory), writable by its owner only, in a directory writable
 * by its owner only. Opening never blocks: a FIFO is refused, not read.
 * Returns 1 with *fd open, 0 when there is no such file, -1 with e set.
 */
static int
state_open(int dfd, const char *dir, const char *name, int *fd,
    struct cni_error *e)
{
	char path[PATH_MAX];
	struct stat st;
	int hfd = -1, r = 1;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : io_fail(e, path);
	if (S_ISLNK(st.st_mode) && (r = state_link(dfd, dir, name, &hfd,
	    path, sizeof(path), e)) <= 0)
		return r;
	*fd = openat(hfd >= 0 ? hfd : dfd, name, O_RDONLY | O_NONBLOCK |
	    O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (hfd >= 0)
		snprintf(path + strlen(path), sizeof(path) - strlen(path),
		    "/%s", name);
	if (*fd < 0 && errno == ENOENT)
		r = 0;
	else if (*fd < 0 && errno == ELOOP)
		r = cni_fail(e, CNI_ERR_IO, REFUSED, "%s: a symbolic link",
		    path);
	else if (*fd < 0)
		r = io_fail(e, path);
	else if (state_check(*fd, hfd >= 0 ? hfd : dfd, path, e) < 0) {
		close(*fd);
		r = -1;
	}
	if (hfd >= 0)
		close(hfd);
	return r;
}

/* Returns 1 read, 0 gone, -1 with e set. */
static int
state_load(int dfd, const char *dir, const char *name, struct state *st,
    struct cni_error *e)
{
	char path[PATH_MAX];
	size_t len;
	char *buf;
	int fd = -1, r;

	if ((r = state_open(dfd, dir, name, &fd, e)) <= 0)
		return r;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf = file_read_fd(fd, STATEFILE_MAX, &len);
	close(fd);
	if (buf == NULL)
		return io_fail(e, path);
	r = state_parse(buf, len, path, st, e) < 0 ? -1 : 1;
	free(buf);
	return r;
}

static int
json_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	/* Dot files are the atomic writer's temporaries. */
	return d->d_name[0] != '.' && n > 5 &&
	    strcmp(d->d_name + n - 5, ".json") == 0;
}

/* Calls fn, which owns st from then on, for every state file in dir that
 * parses and is trusted, in name order, until fn returns non-zero. Any
 * other file is logged and skipped: a broken file of another network must
 * not stop this one. Returns fn's last value, or -1 with e set when dir
 * cannot be used (a missing dir has no files). */
static int
state_each(const char *dir, int (*fn)(struct state *st, void *arg),
    void *arg, struct cni_error *e)
{
	struct dirent **names;
	int i, n, dfd, ret;

	if ((ret = state_dir_open(dir, &dfd, e)) <= 0)
		return ret;
	ret = 0;
	if ((n = scandirat(dfd, ".", &names, json_file, alphasort)) < 0) {
		ret = io_fail(e, dir);
		close(dfd);
		return ret;
	}
	for (i = 0; i < n && ret == 0; i++) {
		struct cni_error skip = { 0 };
		struct state st;

		if (state_load(dfd, dir, names[i]->d_name, &st, &skip) > 0)
			ret = fn(&st, arg);
		else if (skip.code != 0)
			log_warnx("%s, skipped", skip.details);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	close(dfd);
	return ret;
}

static bool
same_annotation(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

struct search {
	const struct netconf *c;
	struct state first;	/* the first match */
	struct state named;	/* the match named like the CNI network */
	char other[256];	/* a second match's network, if any */
};

static int
search_match(struct state *st, void *arg)
{
	struct search *s = arg;

	if (!same_annotation(s->c->annotation, st->annotation))
		state_free(st);
	else if (s->named.network == NULL && strcmp(st->network, s->c->name) == 0)
		s->named = *st;
	else if (s->first.network == NULL)
		s->first = *st;
	else {
		snprintf(s->other, sizeof(s->other), "%s", st->network);
		state_free(st);
	}
	return 0;
}

static int
state_search(const struct netconf *c, struct state *st, struct cni_error *e)
{
	struct search s = { .c = c };
	int ret = 1;

	if (state_each(c->state_dir, search_match, &s, e) < 0)
		return -1;
	/* Several networks with one annotation: only the one named like the
	 * CNI network is an unambiguous choice. */
	if (s.named.network != NULL) {
		*st = s.named;
		state_free(&s.first);
	} else if (s.other[0] != '\0') {
		ret = cni_fail(e, CNI_ERR_INVALID_CONFIG,
		    "invalid configuration", "networks %s and %s both have "
		    "annotation %s: set ipam.network", s.first.network,
		    s.other, c->annotation != NULL ? c->annotation : "null");
		state_free(&s.first);
	} else if (s.first.network != NULL) {
		*st = s.first;
	} else {
		ret = 0;
	}
	return ret;
}

struct node_name {
	char *buf;
	size_t size;
};

static int
copy_node(struct state *st, void *arg)
{
	struct node_name *out = arg;
	int fits;

	fits = (size_t)snprintf(out->buf, out->size, "%s", st->node) <
	    out->size;
	state_free(st);
	return fits ? 1 : 0;
}

int
state_node(const char *dir, char *buf, size_t size)
{
	struct cni_error ignored = { 0 };
	struct node_name out = { buf, size };

	return state_each(dir, copy_node, &out, &ignored) > 0 ? 0 : -1;
}

int
state_find(const struct netconf *c, struct state *st, struct cni_error *e)
{
	char name[NAME_MAX + 1];
	int dfd, r;

	if (c->network == NULL)
		return state_search(c, st, e);
	if ((size_t)snprintf(name, sizeof(name), "%s.json", c->network) >=
	    sizeof(name))
		return cni_fail(e, CNI_ERR_INVALID_CONFIG,
		    "invalid configuration", "ipam.network: too long");
	if ((r = state_dir_open(c->state_dir, &dfd, e)) <= 0)
		return r;
	r = state_load(dfd, c->state_dir, name, st, e);
	close(dfd);
	if (r > 0 && strcmp(st->network, c->network) != 0)
		log_warnx("%s/%s: network is \"%s\", not \"%s\"",
		    c->state_dir, name, st->network, c->network);
	return r;
}
