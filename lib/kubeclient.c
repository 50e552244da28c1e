/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kubeclient.h"
#include "kubestream.h"
#include "log.h"
#include "util.h"

#define TOKEN_MAX_AGE_MS	60000
#define CONNECT_TIMEOUT_S	10
/* A dead peer (a host gone, packets dropped) is found by TCP: keepalive
 * probes after 15 s of silence, 5 s apart, 3 unanswered, and
 * TCP_USER_TIMEOUT ending a connection whose data or probes stay
 * unacknowledged for 30 s: found within 30-35 s whether the watch is idle
 * or sending. This works for HTTP/1.1 and h2 alike and costs the server
 * nothing above TCP; libcurl offers no h2 PING with a deadline, which is
 * what client-go uses. A quiet but live watch is left alone: only the
 * server's own timeoutSeconds ends it. */
#define KEEPALIVE_IDLE_S	15
#define KEEPALIVE_INTVL_S	5
#define KEEPALIVE_CNT		3
#define USER_TIMEOUT_MS		30000
#define GET_MAX_BODY		(16 << 20)

struct kube_client {
	struct kube_creds *creds;
	char *base;		/* URL prefix requests are made to */
	char *connect_to;	/* tls-server-name: "NAME:PORT:HOST:PORT" */
	char *host_header;	/* and the real "Host: HOST:PORT" */
	int64_t token_read_ms;
	void (*hook)(void *);
	void *hook_arg;
	long timeout_ms;
	char *user_agent;
	long http_version;	/* CURL_HTTP_VERSION_* */
};

/* HTTP/1.1 unless XCNI_HTTP_VERSION=2 (for tests against a real server).
 * Every watch closes its connection whatever the version; a list given
 * up on (silent, or a page that does not decode) closes an HTTP/1.1
 * connection, where libcurl keeps an HTTP/2 connection after an aborted
 * stream and would send the retry to the same, perhaps wedged, replica.
 * The requests are few and long, so h2's multiplexing buys nothing. */
static long
http_version(void)
{
	const char *v = getenv("XCNI_HTTP_VERSION");

	if (v == NULL || *v == '\0' || strcmp(v, "1.1") == 0)
		return CURL_HTTP_VERSION_1_1;
	if (strcmp(v, "2") == 0)
		return CURL_HTTP_VERSION_2TLS;
	log_warnx("kube: XCNI_HTTP_VERSION=%.16s: not 1.1 or 2, using 1.1", v);
	return CURL_HTTP_VERSION_1_1;
}

/* curl verifies the server against the URL's host. To verify a
 * tls-server-name instead, the URL names it and CURLOPT_CONNECT_TO sends
 * the connection to the real host; the Host header stays the real one. */
static int
client_urls(struct kube_client *kc, char *err, size_t errsz)
{
	const struct kube_creds *c = kc->creds;
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	CURLU *u;
	int rc = -1;

	free(kc->base);
	free(kc->connect_to);
	free(kc->host_header);
	kc->base = kc->connect_to = kc->host_header = NULL;
	if (c->tls_server_name == NULL) {
		if ((kc->base = strdup(c->server)) == NULL)
			goto nomem;
		return 0;
	}
	if ((u = curl_url()) == NULL)
		goto nomem;
	if (curl_url_set(u, CURLUPART_URL, c->server, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port,
	    CURLU_DEFAULT_PORT) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
		seterr(err, errsz, "%s: server %s: not a valid URL", c->source,
		    c->server);
		goto out;
	}
	if (strcmp(path, "/") == 0)
		*path = '\0';
	/* asprintf leaves its pointer undefined on failure; the ones made
	 * before stay, for kube_client_free or the next client_urls. */
	if (asprintf(&kc->base, "%s://%s:%s%s", scheme, c->tls_server_name,
	    port, path) < 0)
		kc->base = NULL;
	else if (asprintf(&kc->connect_to, "%s:%s:%s:%s", c->tls_server_name,
	    port, host, port) < 0)
		kc->connect_to = NULL;
	else if (asprintf(&kc->host_header, "Host: %s:%s", host, port) < 0)
		kc->host_header = NULL;
	else
		rc = 0;
	if (rc < 0)
		seterr(err, errsz, "%s", strerror(ENOMEM));
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return rc;
nomem:
	seterr(err, errsz, "%s", strerror(ENOMEM));
	return -1;
}

struct kube_client *
kube_client_new(const struct kube_creds *creds, char *err, size_t errsz)
{
	static bool curl_ready;
	struct kube_client *kc;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			seterr(err, errsz, "libcurl initialisation failed");
			return NULL;
		}
		curl_ready = true;
	}
	if ((kc = calloc(1, sizeof(*kc))) == NULL ||
	    (kc->creds = kube_creds_dup(creds)) == NULL) {
		seterr(err, errsz, "%s", strerror(ENOMEM));
		free(kc);
		return NULL;
	}
	kc->timeout_ms = 10000;
	kc->http_version = http_version();
	kc->token_read_ms = now_ms();
	if (kube_client_set_user_agent(kc, PACKAGE_NAME "/" PACKAGE_VERSION) <
	    0) {
		seterr(err, errsz, "%s", strerror(ENOMEM));
		kube_client_free(kc);
		return NULL;
	}
	if (creds->insecure)
		log_warnx("kube: %s: insecure-skip-tls-verify: the API "
		    "server's certificate is not checked", creds->source);
	if (client_urls(kc, err, errsz) < 0) {
		kube_client_free(kc);
		return NULL;
	}
	return kc;
}

void
kube_client_free(struct kube_client *kc)
{
	if (kc == NULL)
		return;
	kube_creds_free(kc->creds);
	free(kc->base);
	free(kc->connect_to);
	free(kc->host_header);
	free(kc->user_agent);
	free(kc);
}

int
kube_client_set_user_agent(struct kube_client *kc, const char *agent)
{
	char *a = strdup(agent);

	if (a == NULL)
		return -1;
	free(kc->user_agent);
	kc->user_agent = a;
	return 0;
}

int
kube_client_set_creds(struct kube_client *kc, const struct kube_creds *creds,
    char *err, size_t errsz)
{
	struct kube_creds *old = kc->creds;
	char again[64];

	if ((kc->creds = kube_creds_dup(creds)) == NULL) {
		kc->creds = old;
		seterr(err, errsz, "%s", strerror(ENOMEM));
		return -1;
	}
	if (client_urls(kc, err, errsz) < 0) {
		kube_creds_free(kc->creds);
		kc->creds = old;
		/* The old ones made these once; only memory can fail. */
		client_urls(kc, again, sizeof(again));
		return -1;
	}
	kube_creds_free(old);
	kc->token_read_ms = now_ms();
	return 0;
}

void
kube_client_set_refresh_hook(struct kube_client *kc, void (*hook)(void *),
    void *arg)
{
	kc->hook = hook;
	kc->hook_arg = arg;
}

void
kube_client_set_timeout(struct kube_client *kc, long ms)
{
	kc->timeout_ms = ms;
}

int
kube_client_refresh(struct kube_client *kc, bool force, char *err,
    size_t errsz)
{
	if (kc->hook != NULL) {
		if (force)
			kc->hook(kc->hook_arg);
		return 0;
	}
	if (kc->creds->token_file == NULL ||
	    (!force && now_ms() - kc->token_read_ms < TOKEN_MAX_AGE_MS))
		return 0;
	kc->token_read_ms = now_ms();
	return kube_creds_refresh_token(kc->creds, err, errsz);
}

const char *
kube_req_error(const struct kube_req *req, CURLcode rc)
{
	return req->err[0] != '\0' ? req->err : curl_easy_strerror(rc);
}

void
kube_req_free(struct kube_req *req)
{
	curl_slist_free_all(req->hdrs);
	curl_slist_free_all(req->connect_to);
	*req = (struct kube_req){ 0 };
}

/* See KEEPALIVE_IDLE_S. A socket without these still works: logged. */
static int
dead_peer_sockopts(void *arg, curl_socket_t fd, curlsocktype purpose)
{
	const int on = 1, idle = KEEPALIVE_IDLE_S, intvl = KEEPALIVE_INTVL_S,
	    cnt = KEEPALIVE_CNT;
	const unsigned user_timeout = USER_TIMEOUT_MS;

	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKOPT_OK;
	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle,
	    sizeof(idle)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl,
	    sizeof(intvl)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout,
	    sizeof(user_timeout)) < 0)
		log_warn("kube: keepalive options");
	return CURL_SOCKOPT_OK;
}

CURL *
kube_req_new(struct kube_client *kc, const char *path, struct kube_req *req)
{
	const struct kube_creds *c = kc->creds;
	struct curl_slist *h = NULL, *t;
	char *url = NULL, *auth = NULL;
	CURL *e;

	*req = (struct kube_req){ 0 };
	if ((e = curl_easy_init()) == NULL)
		return NULL;
	if (asprintf(&url, "%s%s", kc->base, path) < 0)
		goto fail;
	if ((t = curl_slist_append(h, "Accept: application/json")) == NULL)
		goto fail;
	h = t;
	if (c->token != NULL) {
		if (asprintf(&auth, "Authorization: Bearer %s", c->token) < 0) {
			auth = NULL;
			goto fail;
		}
		t = curl_slist_append(h, auth);
		explicit_bzero(auth, strlen(auth));
		free(auth);
		if (t == NULL)
			goto fail;
		h = t;
	}
	if (kc->host_header != NULL) {
		if ((t = curl_slist_append(h, kc->host_header)) == NULL)
			goto fail;
		h = t;
		if ((req->connect_to = curl_slist_append(NULL,
		    kc->connect_to)) == NULL)
			goto fail;
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, req->connect_to);
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_USERAGENT, kc->user_agent);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, kc->http_version);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, req->err);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)CONNECT_TIMEOUT_S);
	curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, dead_peer_sockopts);
	if (c->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (c->ca_pem != NULL) {
		struct curl_blob ca = { .data = c->ca_pem,
		    .len = strlen(c->ca_pem), .flags = CURL_BLOB_COPY };

		/* Only the cluster's CA: no system bundle beside it. */
		curl_easy_setopt(e, CURLOPT_CAINFO, NULL);
		curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
		curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &ca);
	}
	if (c->cert_pem != NULL) {
		struct curl_blob cert = { .data = c->cert_pem,
		    .len = strlen(c->cert_pem), .flags = CURL_BLOB_COPY };
		struct curl_blob key = { .data = c->key_pem,
		    .len = strlen(c->key_pem), .flags = CURL_BLOB_COPY };

		curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
		curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &cert);
		curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
		curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &key);
	}
	free(url);
	req->hdrs = h;
	return e;
fail:
	free(url);
	curl_slist_free_all(h);
	curl_slist_free_all(req->connect_to);
	req->connect_to = NULL;
	curl_easy_cleanup(e);
	return NULL;
}

/* A GET goes on with the old token when the new one cannot be read. */
static int
get_refresh(struct kube_client *kc, bool force)
{
	char err[256];
	int rc;

	if ((rc = kube_client_refresh(kc, force, err, sizeof(err))) < 0)
		log_debug("kube: %s: keeping the old token", err);
	else if (rc > 0)
		log_debug("kube: token re-read from %s", kc->creds->token_file);
	return rc;
}

/* The body of a kube_get as it arrives. */
struct get_body {
	char *p;
	size_t len, cap;
};

static size_t
get_write(char *p, size_t size, size_t n, void *arg)
{
	struct get_body *b = arg;

	return kube_bytes_append(&b->p, &b->len, &b->cap, p, n,
	    GET_MAX_BODY) < 0 ? 0 : n;
}

/* One GET. Returns 0 with the body (NUL-terminated) and status, or -1 with
 * the reason in err. */
static int
get_once(struct kube_client *kc, const char *path, long *status,
    struct get_body *b, char *err, size_t errsz)
{
	struct kube_req req;
	CURLcode rc;
	CURL *e;

	if ((e = kube_req_new(kc, path, &req)) == NULL) {
		seterr(err, errsz, "%s", strerror(ENOMEM));
		return -1;
	}
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, kc->timeout_ms);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, get_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, b);
	rc = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(e);
	if (rc != CURLE_OK)
		seterr(err, errsz, "%s%s", kube_req_error(&req, rc),
		    rc == CURLE_WRITE_ERROR ? " (over 16 MiB)" : "");
	kube_req_free(&req);
	if (rc != CURLE_OK)
		return -1;
	if (kube_bytes_append(&b->p, &b->len, &b->cap, "", 1,
	    GET_MAX_BODY + 1) < 0) {
		seterr(err, errsz, "%s", strerror(ENOMEM));
		return -1;
	}
	b->len--;
	return 0;
}

int
kube_get(struct kube_client *kc, const char *path, long *status, char **body,
    size_t *len, char *err, size_t errsz)
{
	struct get_body b = { 0 };

	get_refresh(kc, false);
	if (get_once(kc, path, status, &b, err, errsz) < 0)
		goto fail;
	if (*status == 401 && get_refresh(kc, true) > 0) {
		b.len = 0;
		if (get_once(kc, path, status, &b, err, errsz) < 0)
			goto fail;
	}
	*body = b.p;
	*len = b.len;
	return 0;
fail:
	free(b.p);
	return -1;
}
