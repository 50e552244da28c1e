/* SPDX-License-Identifier: Apache-2.0 */
/* xcni-worker: keeps the kernel routes of one network's protocol equal to
 * what the Node objects say, and publishes the own node's ranges. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <cap-ng.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <linux/capability.h>

#include "atomic.h"
#include "conf.h"
#include "ipc.h"
#include "kubewatch.h"
#include "kubecreds.h"
#include "link.h"
#include "log.h"
#include "node.h"
#include "nodes.h"
#include "policy.h"
#include "routes.h"
#include "signals.h"
#include "statefile.h"
#include "util.h"

#define RETRY_MS		10000	/* the state file, the host's addresses */
#define CREDS_ASK_MS		1000

struct worker {
	const char *node;		/* own node name */
	const char *network;
	const char *cidr_annotation;
	const char *address_annotation;
	char state_path[PATH_MAX];
	int ipc;			/* fd 3, or -1 standalone */

	struct rt *rt;
	struct policy policy;		/* what a route may be (nodes judge) */
	char peer[INET6_ADDRSTRLEN + 8];	/* the API server last seen */
	struct nodes *nodes;
	struct kube_client *kc;
	struct kube_watch *watch;
	bool synced;			/* the first full list is applied */
	enum { SELF_UNKNOWN, SELF_FOUND, SELF_MISSING } self_state;

	/* The state file: what it should say; retried until written. */
	bool self_seen;			/* the own Node, at least once */
	bool self_has[NODE_NFAM];
	struct cidr self_cidr[NODE_NFAM];
	char self_rv[NODE_RV_MAX + 1];
	char *state;			/* its text; NULL: to be rendered */
	int64_t state_retry_at;	/* 0: nothing pending */
	int64_t local_retry_at;	/* the host's addresses; 0: none pending */

	/* What the supervisor was last told. */
	bool ready_sent;
	unsigned sent_routes, sent_failed;
	char addresses[2 * ADDR_STRLEN + 1], sent_addresses[2 * ADDR_STRLEN + 1];
	int64_t creds_asked_at;
};

/* --- the state file (own ranges for kube-node) --------------------------- */

/* The state file's text for the own node's last ranges. Returns NULL
 * when memory ran out. */
static char *
state_render(const struct worker *w)
{
	struct cidr cidrs[NODE_NFAM];
	struct statefile sf = {
		.network = w->network, .node = w->node,
		.annotation = w->cidr_annotation, .cidrs = cidrs,
		.resource_version = w->self_rv,
	};
	int fam;

	for (fam = 0; fam < NODE_NFAM; fam++)
		if (w->self_has[fam])
			cidrs[sf.n_cidrs++] = w->self_cidr[fam];
	return statefile_render(&sf);
}

/* Writes the state file, or logs why not and retries later. */
static void
state_write(struct worker *w)
{
	int r = -1;

	if (!w->self_seen)
		return;
	if (w->state != NULL || (w->state = state_render(w)) != NULL)
		r = atomic_update(w->state_path, w->state, strlen(w->state),
		    0644);
	if (r < 0) {
		log_warn("%s: cannot %s, retrying in %d s", w->state_path,
		    w->state != NULL ? "write" : "render", RETRY_MS / 1000);
		w->state_retry_at = now_ms() + RETRY_MS;
		return;
	}
	if (r > 0)
		log_info("%s: written", w->state_path);
	w->state_retry_at = 0;
}

/* --- the route policy's view of this host ------------------------------- */

/* The host's own addresses and connected prefixes become p's entries.
 * Returns 0, or -1 (logged) with p's entries of those kinds incomplete. */
static int
local_load(struct policy *p)
{
	struct link_addr *v;
	struct cidr c;
	int n, i, r = 0;

	if ((n = link_addrs(AF_UNSPEC, &v)) < 0) {
		log_warn("addresses: cannot read the node's addresses");
		return -1;
	}
	policy_clear(p, POLICY_OWN);
	policy_clear(p, POLICY_CONNECTED);
	for (i = 0; i < n && r == 0; i++) {
		c.addr = v[i].addr;
		c.len = v[i].prefixlen;
		cidr_mask(&c);
		if (policy_add(p, POLICY_CONNECTED, &c) < 0 ||
		    policy_add(p, POLICY_OWN, &(struct cidr){ v[i].addr, 0 }) < 0) {
			log_warn("addresses: cannot take them all");
			r = -1;
		}
	}
	free(v);
	return r;
}

/* The host's addresses changed: judge every node again if the policy
 * changed with them. A failure is retried in RETRY_MS. */
static void
local_reload(struct worker *w)
{
	struct policy fresh;

	w->local_retry_at = 0;
	policy_init(&fresh, 0, 0);
	if (local_load(&fresh) < 0) {
		w->local_retry_at = now_ms() + RETRY_MS;
	} else if (!policy_same(&fresh, &w->policy, POLICY_OWN) ||
	    !policy_same(&fresh, &w->policy, POLICY_CONNECTED)) {
		if (policy_take(&w->policy, &fresh, POLICY_OWN) < 0 ||
		    policy_take(&w->policy, &fresh, POLICY_CONNECTED) < 0) {
			log_warn("addresses: cannot take the new ones, "
			    "retrying in %d s", RETRY_MS / 1000);
			w->local_retry_at = now_ms() + RETRY_MS;
		} else
			log_info("addresses: changed, checking every node "
			    "again");
		/* Even half taken, the policy changed: judge every node by
		 * it now, and again after the retry. */
		nodes_recheck(w->nodes);
	}
	policy_free(&fresh);
}

/* Protects one address of the API server (text, maybe with a "%zone"):
 * a route covering it would take the worker's own connection, and with it
 * every later fix. Returns 1 when it is new, 0 when it was known or is no
 * address, -1 (logged) when memory ran out. */
static int
server_add(struct worker *w, const char *text)
{
	struct cidr c = { .len = 0 };
	int r;

	if (addr_parse(text, strcspn(text, "%"), &c.addr) < 0)
		return 0;
	if ((r = policy_add(&w->policy, POLICY_SERVER, &c)) < 0)
		log_warn("API server address %s: cannot protect it", text);
	else if (r > 0)
		log_info("API server address %s: no route may cover it", text);
	return r;
}

/* Every address the server URL's host resolves to now. A name that does
 * not resolve here is protected once connected (server_seen). */
static void
server_protect(struct worker *w, const char *server)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char *host = NULL, text[NI_MAXHOST];
	CURLU *u = curl_url();
	size_t n;
	int r;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, server, 0) !=
	    CURLUE_OK || curl_url_get(u, CURLUPART_HOST, &host, 0) !=
	    CURLUE_OK) {
		log_warnx("API server %s: no host in the URL", server);
		goto out;
	}
	n = strlen(host);
	if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
		memmove(host, host + 1, n - 2);
		host[n - 2] = '\0';
	}
	if ((r = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		log_warnx("API server %s: %s; its address is protected once "
		    "connected", host, gai_strerror(r));
		goto out;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, text,
		    sizeof(text), NULL, 0, NI_NUMERICHOST) == 0)
			server_add(w, text);
	freeaddrinfo(res);
out:
	curl_free(host);
	curl_url_cleanup(u);
}

/* The address libcurl connected to: a name may resolve otherwise for it
 * than for getaddrinfo at start (round robin, a changed record). */
static void
server_seen(struct worker *w)
{
	const char *peer = kube_watch_peer(w->watch);
	int r;

	if (peer == NULL || strcmp(peer, w->peer) == 0)
		return;
	/* Not remembered when it failed: tried again at the next event. */
	if ((r = server_add(w, peer)) < 0)
		return;
	snprintf(w->peer, sizeof(w->peer), "%s", peer);
	if (r > 0)
		nodes_recheck(w->nodes);
}

/* --- the node table's effects -------------------------------------------- */

static void
op_want(void *arg, const struct route *r)
{
	struct worker *w = arg;
	char d[ADDR_STRLEN], v[ADDR_STRLEN];

	log_debug("route %s via %s: wanted", cidr_format(&r->dst, d),
	    addr_format(&r->via, v));
	if (rt_want(w->rt, r) < 0)
		log_warn("route %s via %s", d, v);
}

static void
op_unwant(void *arg, const struct cidr *dst)
{
	struct worker *w = arg;
	char d[ADDR_STRLEN];

	log_debug("route %s: unwanted", cidr_format(dst, d));
	rt_unwant(w->rt, dst);
}

static int
op_link(void *arg, const struct addr *a, unsigned *ifindex)
{
	return link_by_addr(a, ifindex, NULL);
}

static void
op_self(void *arg, const struct node_rec *rec)
{
	struct worker *w = arg;
	char buf[ADDR_STRLEN];
	size_t n = 0;
	int fam;
	bool same = w->self_seen;

	w->addresses[0] = '\0';
	for (fam = 0; fam < NODE_NFAM; fam++) {
		if (!rec->has_via[fam])
			continue;
		n += (size_t)snprintf(w->addresses + n, sizeof(w->addresses) - n,
		    "%s%s", n > 0 ? "," : "", addr_format(&rec->via[fam], buf));
	}
	for (fam = 0; fam < NODE_NFAM; fam++) {
		if (w->self_has[fam] != rec->has_cidr[fam] || (rec->has_cidr[fam] &&
		    cidr_cmp(&w->self_cidr[fam], &rec->cidr[fam]) != 0))
			same = false;
		w->self_has[fam] = rec->has_cidr[fam];
		w->self_cidr[fam] = rec->cidr[fam];
	}
	if (same)
		return;		/* only the addresses changed */
	w->self_seen = true;
	snprintf(w->self_rv, sizeof(w->self_rv), "%s", rec->resource_version);
	free(w->state);
	w->state = NULL;
	state_write(w);
}

static const struct nodes_ops worker_ops = {
	op_want, op_unwant, op_link, op_self,
};

/* --- the list+watch callbacks -------------------------------------------- */

static void
cb_list_begin(void *arg)
{
	struct worker *w = arg;

	log_debug("nodes: list starts");
	nodes_mark(w->nodes);
}

/* Says once when the own Node is missing after a list, and when it
 * turns up again: without it the node has no ranges for its pods. */
static void
self_check(struct worker *w)
{
	if (nodes_self_known(w->nodes)) {
		if (w->self_state == SELF_MISSING)
			log_info("node \"%s\": own Node found; its ranges are "
			    "published", w->node);
		w->self_state = SELF_FOUND;
	} else if (w->self_state != SELF_MISSING) {
		log_warnx("node \"%s\": own Node not found among the %zu "
		    "listed; pods on this node get no ranges until it appears "
		    "(is node-name the Node's name?)", w->node,
		    nodes_count(w->nodes));
		w->self_state = SELF_MISSING;
	}
}

static void
cb_object(void *arg, enum kube_event_type type, const cJSON *obj)
{
	struct worker *w = arg;
	struct node_rec rec;

	server_seen(w);

	if (node_decode(obj, w->cidr_annotation, w->address_annotation,
	    &rec) < 0) {
		log_warnx("nodes: %s event ignored: %s",
		    kube_event_type_name(type), rec.note);
		return;
	}
	log_trace("node %s: %s rv %s", rec.name, kube_event_type_name(type),
	    rec.resource_version);
	if (type == KUBE_DELETED) {
		log_info("node %s: deleted", rec.name);
		nodes_remove(w->nodes, rec.name);
	} else if (nodes_update(w->nodes, &rec) < 0) {
		/* A relist reports it again. */
		log_warn("node %s: dropped, relisting", rec.name);
		kube_watch_relist(w->watch);
	}
	if (w->synced)
		self_check(w);
}

/* A node that cannot be decoded keeps its routes until it decodes again or
 * is deleted: a list that skipped it must not sweep it. */
static void
cb_skipped(void *arg, enum kube_event_type type, const char *name)
{
	struct worker *w = arg;

	if (name[0] != '\0')
		nodes_keep(w->nodes, name);
}

static void
cb_list_end(void *arg, const char *rv)
{
	struct worker *w = arg;

	nodes_sweep(w->nodes);
	log_info("nodes: %zu listed at resourceVersion %s, %zu routes",
	    nodes_count(w->nodes), rv, nodes_routes(w->nodes));
	self_check(w);
	if (w->synced)
		return;
	/* Only now is the desired set complete: a resync before this would
	 * delete the routes of nodes not listed yet. */
	if (rt_resync(w->rt) < 0)
		log_warnx("routes: first resync failed, retrying");
	w->synced = true;
}

static void
creds_ask(void *arg)
{
	struct worker *w = arg;
	int64_t now = now_ms();

	if (w->ipc < 0 || now - w->creds_asked_at < CREDS_ASK_MS)
		return;
	w->creds_asked_at = now;
	if (ipc_send(w->ipc, IPC_CREDS_REQ, "", 0) < 0)
		log_warn("supervisor: cannot ask for credentials");
}

/* --- the supervisor ------------------------------------------------------ */

static void
report(struct worker *w)
{
	struct rt_stats st;
	char msg[128 + sizeof(w->addresses)];
	int n;

	if (w->ipc < 0 || !w->synced)
		return;
	rt_get_stats(w->rt, &st);
	if (w->ready_sent && st.installed == w->sent_routes &&
	    st.failed == w->sent_failed &&
	    strcmp(w->addresses, w->sent_addresses) == 0)
		return;
	n = snprintf(msg, sizeof(msg), "routes=%u failed=%u addresses=%s",
	    st.installed, st.failed, w->addresses);
	if (ipc_send(w->ipc, w->ready_sent ? IPC_STATUS : IPC_READY, msg,
	    (size_t)n) < 0) {
		log_warn("supervisor: cannot report");
		return;
	}
	w->ready_sent = true;
	w->sent_routes = st.installed;
	w->sent_failed = st.failed;
	strcpy(w->sent_addresses, w->addresses);
}

static char ipc_buf[IPC_MAX];

/* Returns 1 with a message, 0 when the supervisor is gone. */
static int
ipc_read(int fd, const char **type, const char **payload, size_t *len)
{
	int r = ipc_recv(fd, ipc_buf, sizeof(ipc_buf), type, payload, len);

	if (r < 0 && errno != EAGAIN)
		fatal(1, "supervisor: receive");
	return r;
}

static struct kube_creds *
creds_from(const char *payload, size_t len)
{
	struct kube_creds *c;
	char err[256];

	if ((c = kube_creds_parse(payload, len, err, sizeof(err))) == NULL)
		log_errx("supervisor: credentials: %s", err);
	return c;
}

static void
ipc_handle(struct worker *w)
{
	const char *type, *payload;
	struct kube_creds *c;
	char err[256];
	size_t len;
	int r;

	while ((r = ipc_read(w->ipc, &type, &payload, &len)) > 0) {
		if (strcmp(type, IPC_CREDS) == 0) {
			if ((c = creds_from(payload, len)) == NULL)
				continue;
			if (kube_client_set_creds(w->kc, c, err,
			    sizeof(err)) < 0)
				log_warnx("supervisor: credentials not taken: "
				    "%s", err);
			else
				log_debug("supervisor: new credentials");
			kube_creds_free(c);
		} else {
			/* Settings never change under a running worker: the
			 * supervisor restarts it instead. */
			log_warnx("supervisor: unexpected %s message ignored",
			    type);
		}
	}
	if (r == 0) {
		log_info("supervisor: gone, exiting");
		exit(0);
	}
}

/* --- start-up ------------------------------------------------------------ */

struct options {
	bool cleanup;
	const char *network;
	const char *state_dir;
	long table, metric;
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: xcni-worker [--network NAME] [--state-dir DIR] [--table N]\n"
"                   [--metric N]\n"
"       xcni-worker --cleanup [--table N]\n"
"       xcni-worker --help | --version\n"
"Keeps the routes of one xcni network equal to the cluster's Node objects.\n"
"Started by xcni-supervisor with its settings on fd 3, or standalone with\n"
"NODE_NAME, CIDR_ANNOTATION, ADDRESS_ANNOTATION, PROTOCOL (default 202),\n"
"LOG_LEVEL and KUBECONFIG from the environment. See xcni-worker(8).\n");
}

static long
number_arg(const char *what, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		fatalx(EX_CONFIG, "%s %s: not a number in %ld..%ld", what, s,
		    min, max);
	return v;
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "cleanup", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "network", required_argument, NULL, 'n' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "table", required_argument, NULL, 't' },
		{ "metric", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->table = o->metric = -1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->cleanup = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("xcni-worker %s\n", PACKAGE_VERSION);
			exit(0);
		case 'n':
			o->network = optarg;
			break;
		case 's':
			o->state_dir = optarg;
			break;
		case 't':
			o->table = number_arg("--table", optarg, 1, 0xfffffffe);
			break;
		case 'm':
			o->metric = number_arg("--metric", optarg, 0,
			    0xffffffff);
			break;
		default:
			usage(stderr);
			exit(EX_USAGE);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(EX_USAGE);
	}
}

static bool
ipc_present(void)
{
	int type;
	socklen_t len = sizeof(type);

	return getsockopt(IPC_FD, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
	    type == SOCK_SEQPACKET;
}

/* The upstream router's environment, for a drop-in replacement: the
 * same configuration an xcni.ini would give. */
static void
standalone_config(const struct options *o, struct config *cfg)
{
	struct config_env env = { o->network, o->state_dir, NULL, NULL };
	char table[24], metric[24];

	if (o->table >= 0) {
		snprintf(table, sizeof(table), "%ld", o->table);
		env.table = table;
	}
	if (o->metric >= 0) {
		snprintf(metric, sizeof(metric), "%ld", o->metric);
		env.metric = metric;
	}
	if (config_from_env(&env, cfg, stderr) != 0)
		exit(EX_CONFIG);
}

/* Waits for the supervisor's config and creds messages. */
static struct kube_creds *
supervised_config(struct config *cfg)
{
	const char *type, *payload;
	struct kube_creds *creds = NULL;
	size_t len;

	while (creds == NULL) {
		if (ipc_read(IPC_FD, &type, &payload, &len) <= 0)
			fatalx(1, "supervisor: gone before sending settings");
		if (strcmp(type, IPC_CONFIG) == 0) {
			config_free(cfg);
			if (config_parse("supervisor config", payload, len, cfg,
			    stderr) != 0)
				exit(EX_CONFIG);
			if (cfg->n_nets != 1)
				fatalx(EX_CONFIG, "supervisor config: %zu "
				    "networks, want one", cfg->n_nets);
		} else if (strcmp(type, IPC_CREDS) == 0) {
			if (cfg->n_nets == 0)
				fatalx(EX_CONFIG, "supervisor: credentials "
				    "before config");
			if ((creds = creds_from(payload, len)) == NULL)
				exit(EX_CONFIG);
		} else {
			log_warnx("supervisor: unexpected %s message ignored",
			    type);
		}
	}
	return creds;
}

/* Dumping routes needs no privilege, so without this check a worker
 * lacking the capability would only fail at its first route change. */
static void
need_net_admin(void)
{
	if (capng_get_caps_process() == 0 &&
	    !capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_ADMIN))
		fatalx(EX_NOPERM, "routes: no CAP_NET_ADMIN, cannot change "
		    "routes");
}

/* --- the loop ------------------------------------------------------------ */

/* Returns true when the worker should exit. */
static bool
signals_handle(int fd)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP ignored: settings come from the "
			    "supervisor or the environment at start");
			continue;
		}
		log_info("signal %u: exiting, routes stay", si.ssi_signo);
		return true;
	}
	return false;
}

static void
epoll_watch(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		fatal(1, "epoll_ctl");
}

static int
min_timeout(int a, int64_t b)
{
	if (b < 0)
		return a;
	if (b > INT_MAX)
		b = INT_MAX;
	return a < 0 || b < a ? (int)b : a;
}

/* timeout shortened to the retry at (0: none). */
static int
until(int timeout, int64_t at)
{
	int64_t now = now_ms();

	return at > 0 ? min_timeout(timeout, at > now ? at - now : 0) : timeout;
}

static bool
due(int64_t at)
{
	return at > 0 && at <= now_ms();
}

static int
run(struct worker *w)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, 0 };
	int ep, sfd = signals_open(sigs), kfd, rfd, timeout, n, i;
	struct epoll_event evs[8];

	if (sfd < 0)
		fatal(1, "signalfd");
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		fatal(1, "epoll_create1");
	kfd = kube_watch_fd(w->watch);
	rfd = rt_monitor_fd(w->rt);
	epoll_watch(ep, sfd);
	epoll_watch(ep, kfd);
	epoll_watch(ep, rfd);
	if (w->ipc >= 0) {
		if (fcntl(w->ipc, F_SETFL, O_NONBLOCK) < 0)
			fatal(1, "supervisor socket");
		epoll_watch(ep, w->ipc);
	}
	kube_watch_process(w->watch);		/* starts the first list */
	for (;;) {
		if (w->synced && rt_commit(w->rt) < 0)
			log_warnx("routes: commit failed, retrying");
		report(w);

		timeout = min_timeout(-1, kube_watch_timeout_ms(w->watch));
		if (w->synced)
			timeout = min_timeout(timeout, rt_timeout_ms(w->rt));
		timeout = until(timeout, w->state_retry_at);
		timeout = until(timeout, w->local_retry_at);
		n = epoll_wait(ep, evs, 8, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fatal(1, "epoll_wait");
		}
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == sfd && signals_handle(sfd))
				return 0;
			if (fd == rfd && rt_commit(w->rt) < 0)
				log_warnx("routes: monitor failed");
			if (fd == w->ipc)
				ipc_handle(w);
		}
		/* Heard by the monitor, or maybe missed during a resync. */
		if (rt_addresses_changed(w->rt) || due(w->local_retry_at))
			local_reload(w);
		/* The client decides itself whether its fd or a deadline has
		 * work; without either this returns at once. */
		kube_watch_process(w->watch);
		if (due(w->state_retry_at))
			state_write(w);
	}
}

int
main(int argc, char **argv)
{
	static const struct kube_watch_cb cb = {
		cb_list_begin, cb_object, cb_list_end, NULL, cb_skipped,
	};
	struct worker w = { .ipc = -1 };
	struct kube_watch_opts wopts = { 0 };
	struct node_keep keep;
	struct config cfg;
	struct net_config *net;
	struct kube_creds *creds;
	struct options o;
	static char ident[64];
	char err[256], agent[160];
	int r;

	parse_options(argc, argv, &o);
	log_init("xcni-worker");
	memset(&cfg, 0, sizeof(cfg));
	if (ipc_present()) {
		w.ipc = IPC_FD;
		creds = supervised_config(&cfg);
		net = &cfg.nets[0];
		if (o.table >= 0)
			net->table = (unsigned)o.table;
		if (o.metric >= 0)
			net->metric = (unsigned)o.metric;
	} else {
		standalone_config(&o, &cfg);
		net = &cfg.nets[0];
		creds = NULL;
	}
	log_set_level(cfg.log_level);
	snprintf(ident, sizeof(ident), "xcni-worker[%s]", net->name);
	log_init(ident);

	need_net_admin();
	if (o.cleanup) {
		if ((r = rt_cleanup(net->protocol, net->table)) < 0)
			fatal(errno == EPERM ? EX_NOPERM : 1,
			    "cleanup of protocol %u", net->protocol);
		log_info("cleanup: %d routes of protocol %u deleted", r,
		    net->protocol);
		config_free(&cfg);
		return 0;
	}

	/* The supervisor makes it when there is one. */
	if (w.ipc < 0 && mkdir(cfg.state_dir, 0755) < 0 && errno != EEXIST)
		log_warn("state-dir %s", cfg.state_dir);
	w.node = cfg.node_name;
	w.network = net->name;
	w.cidr_annotation = net->cidr_annotation;
	w.address_annotation = net->address_annotation;
	if ((size_t)snprintf(w.state_path, sizeof(w.state_path), "%s/%s.json",
	    cfg.state_dir, net->name) >= sizeof(w.state_path))
		fatalx(EX_CONFIG, "state-dir %s: too long", cfg.state_dir);
	if (creds == NULL &&
	    (creds = kube_creds_load(cfg.kubeconfig, err, sizeof(err))) == NULL)
		fatalx(EX_CONFIG, "credentials: %s", err);

	if ((w.rt = rt_open(net->protocol, net->table, net->metric)) == NULL)
		fatal(errno == EPERM ? EX_NOPERM : 1, "routes");
	/* After rt_open, whose socket hears of later address changes. */
	policy_init(&w.policy, net->min_prefix_v4, net->min_prefix_v6);
	if (local_load(&w.policy) < 0)
		fatalx(1, "addresses: no route policy without them");
	server_protect(&w, creds->server);
	if ((w.nodes = nodes_new(w.node, net->allowed_cidrs,
	    net->n_allowed_cidrs, &w.policy, &worker_ops, &w)) == NULL)
		fatal(1, "nodes");
	if ((w.kc = kube_client_new(creds, err, sizeof(err))) == NULL)
		fatalx(EX_CONFIG, "kubernetes client: %s", err);
	snprintf(agent, sizeof(agent), "xcni-worker/%s (network %s)",
	    PACKAGE_VERSION, net->name);
	if (kube_client_set_user_agent(w.kc, agent) < 0)
		fatal(1, "user agent");
	kube_creds_free(creds);
	if (w.ipc >= 0)
		kube_client_set_refresh_hook(w.kc, creds_ask, &w);
	wopts.keep = node_keep(&keep, net->cidr_annotation,
	    net->address_annotation);
	if ((w.watch = kube_watch_new(w.kc, "/api/v1/nodes", &wopts, &cb,
	    &w)) == NULL)
		fatalx(1, "nodes: cannot start the watch");
	log_info("node %s, protocol %u, table %u, %s%s%s", w.node,
	    net->protocol, net->table, net->cidr_annotation != NULL ?
	    "CIDRs from annotation " : "CIDRs from spec.podCIDRs",
	    net->cidr_annotation != NULL ? net->cidr_annotation : "",
	    w.ipc >= 0 ? ", supervised" : ", standalone");

	r = run(&w);
	kube_watch_free(w.watch);
	kube_client_free(w.kc);
	nodes_free(w.nodes);
	policy_free(&w.policy);
	rt_close(w.rt);
	free(w.state);
	config_free(&cfg);
	return r;
}
