/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube-node: a CNI IPAM plugin that allocates from this node's address
 * ranges. The ranges come from the state file the xcni worker keeps, so a
 * pod start makes no Kubernetes API call; allocation itself is delegated to
 * the reference host-local plugin.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cni.h"
#include "netconf.h"
#include "hostlocal.h"
#include "log.h"
#include "paths.h"
#include "state.h"

enum cmd { CMD_ADD, CMD_DEL, CMD_CHECK, CMD_GC, CMD_STATUS };

static const struct {
	const char *name;
	enum cmd cmd;
	/* Environment variables the command needs (CNI_ + name). */
	const char *needs[4];
} commands[] = {
	{ "ADD", CMD_ADD, { "CONTAINERID", "NETNS", "IFNAME", "PATH" } },
	{ "DEL", CMD_DEL, { "CONTAINERID", "IFNAME", "PATH" } },
	{ "CHECK", CMD_CHECK, { "CONTAINERID", "NETNS", "IFNAME", "PATH" } },
	{ "GC", CMD_GC, { "PATH" } },
	{ "STATUS", CMD_STATUS, { "PATH" } },
};

#define BAD_ENV "invalid environment"

/* host-local needs at least one range even where it ignores them: DEL and
 * GC release by container ID and attachment. This documentation prefix
 * stands in when the node's ranges are unknown. */
static const char placeholder_range[] = "192.0.2.0/24";

/* K8S_POD_NAMESPACE from CNI_ARGS ("K=V;K=V"), or NULL. */
static char *
pod_namespace(void)
{
	const char *args = getenv("CNI_ARGS"), *p, *end;
	static const char key[] = "K8S_POD_NAMESPACE=";

	for (p = args; p != NULL && *p != '\0'; p = *end ? end + 1 : end) {
		end = strchrnul(p, ';');
		if ((size_t)(end - p) >= sizeof(key) - 1 &&
		    strncmp(p, key, sizeof(key) - 1) == 0)
			return strndup(p + sizeof(key) - 1,
			    (size_t)(end - p) - (sizeof(key) - 1));
	}
	return NULL;
}

/*
 * Without a state file, kube-node-api asks the API server. It is a program
 * of its own so that kube-node does not load libcurl and its TLS stack on
 * every pod start: that would make its start-up several times slower.
 * It gets the same config and answers with a state file or an error.
 */
static int
ranges_from_api(const struct netconf *c, const char *input,
    struct ranges *r, struct cni_error *e)
{
	struct prog api = { .stderr_fd = 2 };
	struct cni_error missing = { 0 };
	struct state st;
	char *out = NULL;
	int status;

	if (prog_find(&api, "kube-node-api", getenv("CNI_PATH"), &missing) < 0)
		return cni_fail(e, CNI_ERR_TRY_AGAIN, "ranges not known",
		    "no state file for network %s in %s, and %s",
		    c->network != NULL ? c->network : c->name, c->state_dir,
		    missing.details);
	if ((status = prog_run(&api, environ, input, &out, e)) < 0)
		return -1;
	if (status != 0) {
		if (out == NULL || cni_error_parse(out, e) < 0)
			cni_fail(e, CNI_ERR_IO, "I/O error", "%s exited with "
			    "status %d", api.path, status);
	} else if (state_parse(out, strlen(out), api.path, &st, e) == 0) {
		*r = st.ranges;
		state_free(&st);
	}
	free(out);
	return e->code != 0 ? -1 : 0;
}

/*
 * The node's ranges for ADD, CHECK and STATUS: from the state file, else
 * from the API. A state file without CIDRs means they are not known yet
 * (try again later); the worker knows better than a second look at the API.
 */
static int
ranges_required(const struct netconf *c, const char *input, struct ranges *r,
    struct cni_error *e)
{
	struct state st;
	int found;

	if ((found = state_find(c, &st, e)) < 0)
		return -1;
	if (found == 0)
		return ranges_from_api(c, input, r, e);
	*r = st.ranges;
	if (r->n == 0)
		cni_fail(e, CNI_ERR_TRY_AGAIN, "ranges not known",
		    "network %s: node %s has no CIDRs yet", st.network,
		    st.node);
	state_free(&st);
	return r->n == 0 ? -1 : 0;
}

/* The ranges for DEL and GC: whatever is known, never an error. */
static void
ranges_tolerant(const struct netconf *c, struct ranges *r)
{
	struct cni_error ignored = { 0 };
	struct state st;
	int found;

	r->n = 0;
	if ((found = state_find(c, &st, &ignored)) > 0) {
		*r = st.ranges;
		state_free(&st);
	} else if (found < 0) {
		log_warnx("%s: %s", ignored.msg, ignored.details);
	}
	if (r->n == 0) {
		log_info("%s: ranges unknown, delegating with a placeholder",
		    c->name);
		cidr_parse(placeholder_range, sizeof(placeholder_range) - 1,
		    &r->cidr[0], NULL);
		r->n = 1;
	}
}

static int
drop_ipv4(const struct netconf *c, struct ranges *r, struct cni_error *e)
{
	char *ns = pod_namespace();
	size_t i, j;

	if (!netconf_ipv4_allowed(c, ns)) {
		for (i = j = 0; i < r->n; i++)
			if (r->cidr[i].addr.family != AF_INET)
				r->cidr[j++] = r->cidr[i];
		r->n = j;
		log_debug("%s: namespace %s not in ipv4-namespaces, IPv6 only",
		    c->name, ns != NULL ? ns : "(none)");
	}
	if (r->n == 0)
		cni_fail(e, CNI_ERR_INVALID_CONFIG, "invalid configuration",
		    "ipam.ipv4-namespaces: namespace %s may not have IPv4 and "
		    "network %s has no IPv6 range", ns != NULL ? ns : "(none)",
		    c->network != NULL ? c->network : c->name);
	free(ns);
	return r->n == 0 ? -1 : 0;
}

/* Sends our log lines to the file; host-local keeps the runtime's stderr.
 * Returns 0, or -1 with e set when the file is refused or cannot be
 * opened. */
static int
log_to_file(const char *path, struct prog *h, struct cni_error *e)
{
	int fd;

	if ((fd = paths_open_log("ipam.logFile", path, e)) < 0)
		return -1;
	fflush(stderr);
	if ((h->stderr_fd = fcntl(2, F_DUPFD_CLOEXEC, 3)) < 0 ||
	    dup2(fd, 2) < 0) {
		cni_fail(e, CNI_ERR_IO, "I/O error", "ipam.logFile: %s: %s",
		    path, strerror(errno));
		if (h->stderr_fd >= 0)
			close(h->stderr_fd);
		h->stderr_fd = 2;
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* The paths the config names: refused ones fail ADD, CHECK and STATUS, but
 * DEL and GC go on without them (with dataDir refused, nothing could have
 * been allocated there). Returns 0, or -1 with e set; *skip tells DEL and
 * GC to leave host-local alone. */
static int
paths_check(enum cmd cmd, const struct netconf *c, struct prog *h,
    bool *skip, struct cni_error *e)
{
	bool strict = cmd != CMD_DEL && cmd != CMD_GC;
	struct cni_error lax = { 0 };
	struct cni_error *to = strict ? e : &lax;

	*skip = false;
	if (c->log_file != NULL && log_to_file(c->log_file, h, to) < 0 &&
	    strict)
		return -1;
	if (lax.code != 0)
		log_warnx("%s: %s, ignored", lax.msg, lax.details);
	lax.code = 0;
	if (c->data_dir != NULL && paths_check_dir("ipam.dataDir",
	    c->data_dir, paths_data_places, to) < 0) {
		if (strict)
			return -1;
		log_warnx("%s: %s, nothing released", lax.msg, lax.details);
		*skip = true;
	}
	return 0;
}

/* host-local's result is passed through as it is, so kube-node becomes
 * host-local: the runtime waits for one process start, not two. Returns
 * only when host-local could not be started: -1 with e set. */
static int
delegate(struct netconf *c, const struct prog *h, const struct ranges *r,
    struct cni_error *e)
{
	char *text;

	if ((text = hostlocal_config(c, r, e)) == NULL)
		return -1;
	log_trace("%s: host-local config %s", c->name, text);
	log_debug("%s: exec %s", c->name, h->path);
	prog_exec(h, environ, text, e);
	free(text);
	return -1;
}

static int
run(enum cmd cmd, struct netconf *c, const char *input, struct prog *h,
    struct cni_error *e)
{
	struct ranges r;
	int ok;

	if (prog_find(h, "host-local", getenv("CNI_PATH"), e) < 0)
		return -1;
	switch (cmd) {
	case CMD_ADD:
	case CMD_CHECK:
		if (ranges_required(c, input, &r, e) < 0 ||
		    drop_ipv4(c, &r, e) < 0)
			return -1;
		return delegate(c, h, &r, e);
	case CMD_DEL:
		ranges_tolerant(c, &r);
		return delegate(c, h, &r, e);
	case CMD_GC:
		/* GC came with CNI 1.1.0; an older host-local has nothing
		 * to collect with, and its data dir is cleared at boot. */
		if ((ok = hostlocal_supports(h, "1.1.0", e)) < 0)
			return -1;
		if (ok == 0) {
			log_debug("%s: host-local has no GC, nothing to do",
			    c->name);
			return 0;
		}
		ranges_tolerant(c, &r);
		return delegate(c, h, &r, e);
	case CMD_STATUS:
		/* Ready when an ADD would find ranges and host-local. */
		if (ranges_required(c, input, &r, e) < 0) {
			if (e->code == CNI_ERR_TRY_AGAIN)
				e->code = CNI_ERR_NOT_AVAILABLE;
			return -1;
		}
		return 0;
	}
	return -1;
}

int
main(void)
{
	struct cni_error e = { 0 };
	struct netconf c = { 0 };
	struct prog h = { .stderr_fd = 2 };
	const char *name, *version = CNI_VERSION_LATEST;
	char *buf = NULL;
	size_t len, i, k;
	int status = -1;
	bool skip = false;

	log_init("kube-node");
	signal(SIGPIPE, SIG_IGN);

	if ((name = getenv("CNI_COMMAND")) == NULL || *name == '\0') {
		cni_fail(&e, CNI_ERR_INVALID_ENV, BAD_ENV,
		    "CNI_COMMAND: not set");
		goto done;
	}
	if (strcmp(name, "VERSION") == 0)
		return cni_version_write(stdout) < 0 ? 1 : 0;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(name, commands[i].name) == 0)
			break;
	if (i == sizeof(commands) / sizeof(commands[0])) {
		cni_fail(&e, CNI_ERR_INVALID_ENV, BAD_ENV,
		    "CNI_COMMAND=%s: unknown command", name);
		goto done;
	}

	if ((buf = netconf_read(0, &len, &e)) == NULL)
		goto done;
	if (netconf_parse(buf, len, &c, &e) < 0) {
		if (c.version[0] != '\0')
			version = c.version;
		goto done;
	}
	version = c.version;
	if (c.log_level >= 0)
		log_set_level((enum log_level)c.log_level);

	for (k = 0; k < 4 && commands[i].needs[k] != NULL; k++) {
		char var[32];
		const char *val;

		snprintf(var, sizeof(var), "CNI_%s", commands[i].needs[k]);
		if ((val = getenv(var)) == NULL || *val == '\0') {
			cni_fail(&e, CNI_ERR_INVALID_ENV, BAD_ENV,
			    "%s: not set", var);
			goto done;
		}
	}
	if (paths_check(commands[i].cmd, &c, &h, &skip, &e) < 0)
		goto done;
	log_debug("%s %s container %s", name, c.name,
	    getenv("CNI_CONTAINERID") != NULL ? getenv("CNI_CONTAINERID") :
	    "-");
	status = skip ? 0 : run(commands[i].cmd, &c, buf, &h, &e);

done:
	if (e.code != 0) {
		log_errx("%s: %s", e.msg, e.details);
		cni_error_write(stdout, version, &e);
	}
	netconf_free(&c);
	free(buf);
	return e.code != 0 ? 1 : status;
}
