/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "kube.h"
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
/* A watch the server did not end this long after its timeoutSeconds is
 * ended here (the server is wedged but its TCP alive). */
#define WATCH_GRACE_S		60
#define GET_MAX_BODY		(16 << 20)
#define RELIST_RESET_MS		120000	/* quiet time that resets the spacing */
#define ERR_BODY_MAX		(64 << 10)	/* kept of a non-200 reply */

/* Jitter only needs to spread clients apart, not be unpredictable. */
static uint64_t
rnd(void)
{
	static uint64_t s;

	if (s == 0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		s = (((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
		    ((uint64_t)getpid() << 40)) | 1;
	}
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

/* Makes room for need bytes in *p, doubling, never beyond max. */
static int
grow(char **p, size_t *cap, size_t need, size_t max)
{
	size_t c = *cap != 0 ? *cap : 4096;
	char *n;

	if (need > max)
		return -1;
	while (c < need)
		c *= 2;
	if (c > max)
		c = max;
	if ((n = realloc(*p, c)) == NULL)
		return -1;
	*p = n;
	*cap = c;
	return 0;
}

/* A growable byte buffer with a hard bound. */
struct buf {
	char *p;
	size_t len, cap;
};

static int
buf_append(struct buf *b, const char *data, size_t len, size_t max)
{
	if (len > max || b->len > max - len)
		return -1;
	if (b->len + len + 1 > b->cap &&
	    grow(&b->p, &b->cap, b->len + len + 1, max + 1) < 0)
		return -1;
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
	return 0;
}

static void
buf_free(struct buf *b)
{
	free(b->p);
	*b = (struct buf){ 0 };
}

/* --- what can be read of an object that cannot be decoded --------------- */

/* Strict UTF-8 (RFC 3629): no overlong forms, surrogates, or code points
 * past U+10FFFF. JSON text must be UTF-8, and cJSON does not check. */
static bool
utf8_valid(const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text, *end = p + len;

	while (p < end) {
		unsigned c = *p++, n, min, cp;

		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, min = 0x80, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, min = 0x800, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, min = 0x10000, cp = c & 0x07;
		else
			return false;
		if ((size_t)(end - p) < n)
			return false;
		while (n-- > 0) {
			if ((*p & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (*p++ & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
	}
	return true;
}

/* A cursor over JSON text that may end anywhere. */
struct peek {
	const char *p, *end;
	unsigned depth;
};

/* Matches no key: a raw key never holds an unescaped quote. */
static const char *const peek_none[] = { "\"", NULL };

static void
peek_ws(struct peek *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
	    *s->p == '\r' || *s->p == '\n'))
		s->p++;
}

/* At a '"': the string's raw bytes (escapes left as they are). */
static int
peek_str(struct peek *s, const char **b, size_t *n)
{
	const char *q = ++s->p;

	while (q < s->end && *q != '"')
		if (*q++ == '\\' && q++ >= s->end)
			return -1;
	if (q >= s->end)
		return -1;
	*b = s->p;
	*n = (size_t)(q - s->p);
	s->p = q + 1;
	return 0;
}

/* Walks the value at s->p looking for the string at path (keys of nested
 * objects, NULL-terminated). Returns 1 with its raw bytes in *b, *n; 0 when
 * the value is complete and holds no such string; -1 where the text ends,
 * is malformed, or nests too deep to be worth reading. */
static int
peek_value(struct peek *s, const char *const *path, const char **b,
    size_t *n)
{
	const char *k, *start;
	size_t kn;
	int r;

	peek_ws(s);
	if (s->p >= s->end)
		return -1;
	if (*s->p == '"') {
		if (peek_str(s, b, n) < 0)
			return -1;
		return path[0] == NULL ? 1 : 0;
	}
	if (*s->p == '{' || *s->p == '[') {
		char close = *s->p == '{' ? '}' : ']';

		if (++s->depth > 32)
			return -1;
		for (s->p++;;) {
			const char *const *sub = peek_none;

			peek_ws(s);
			if (s->p >= s->end)
				return -1;
			if (*s->p == close) {
				s->p++;
				s->depth--;
				return 0;
			}
			if (close == '}') {
				if (*s->p != '"' || peek_str(s, &k, &kn) < 0)
					return -1;
				if (path[0] != NULL && strlen(path[0]) == kn &&
				    memcmp(path[0], k, kn) == 0)
					sub = path + 1;
				peek_ws(s);
				if (s->p >= s->end || *s->p++ != ':')
					return -1;
			}
			if ((r = peek_value(s, sub, b, n)) != 0)
				return r;
			peek_ws(s);
			if (s->p < s->end && *s->p == ',')
				s->p++;
		}
	}
	/* A number, true, false or null: at least one byte of it. */
	start = s->p;
	while (s->p < s->end && *s->p != '\0' &&
	    strchr(",}] \t\r\n", *s->p) == NULL)
		s->p++;
	return s->p < s->end && s->p > start ? 0 : -1;
}

/* Copies the string at path into out, or "" when it is absent or does not
 * fit. */
static void
peek_string(const char *text, size_t len, const char *const *path,
    char *out, size_t outsz)
{
	struct peek s = { text, text + len, 0 };
	const char *b;
	size_t n;

	out[0] = '\0';
	if (peek_value(&s, path, &b, &n) != 1 || n >= outsz)
		return;
	memcpy(out, b, n);
	out[n] = '\0';
}

/* Printable ASCII without a backslash: what names and versions are, and
 * what a JSON string means as it is written. */
static bool
plain(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s >= 0x7f || *s == '\\')
			return false;
	return true;
}

/* C-style escapes for anything but printable ASCII. */
static void
escape(const char *in, char *out, size_t outsz)
{
	size_t o = 0;

	for (; *in != '\0' && o + 5 < outsz; in++) {
		unsigned char c = (unsigned char)*in;

		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, outsz - o, "\\x%02x", c);
	}
	out[o] = '\0';
}

void
kube_bad_read(const char *text, size_t len, bool event, struct kube_bad *bad)
{
	static const char *const type[] = { "type", NULL };
	static const char *const name[][4] = {
		{ "metadata", "name", NULL },
		{ "object", "metadata", "name", NULL },
	};
	static const char *const rv[][4] = {
		{ "metadata", "resourceVersion", NULL },
		{ "object", "metadata", "resourceVersion", NULL },
	};
	char raw[sizeof(bad->name)];

	memset(bad, 0, sizeof(*bad));
	if (event)
		peek_string(text, len, type, bad->type, sizeof(bad->type));
	peek_string(text, len, name[event], raw, sizeof(raw));
	peek_string(text, len, rv[event], bad->rv, sizeof(bad->rv));
	escape(raw, bad->shown, sizeof(bad->shown));
	if (plain(raw))
		memcpy(bad->name, raw, sizeof(raw));
	if (!plain(bad->rv) || !plain(bad->type))
		bad->rv[0] = bad->type[0] = '\0';
}

/* --- client ------------------------------------------------------------- */

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
 * Debian's libcurl would negotiate h2 with an API server, and keeps a
 * multiplexed connection after an aborted transfer: a watch cut short
 * would come back on the connection, and to the replica, it left. Over
 * HTTP/1.1 an aborted transfer closes its connection, and a new one may
 * reach another replica; the watches are few and long, so h2's
 * multiplexing buys nothing here. */
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
	if (asprintf(&kc->base, "%s://%s:%s%s", scheme, c->tls_server_name,
	    port, path) < 0 ||
	    asprintf(&kc->connect_to, "%s:%s:%s:%s", c->tls_server_name, port,
	    host, port) < 0 ||
	    asprintf(&kc->host_header, "Host: %s:%s", host, port) < 0) {
		kc->base = kc->connect_to = kc->host_header = NULL;
		seterr(err, errsz, "%s", strerror(ENOMEM));
		goto out;
	}
	rc = 0;
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
kube_client_set_creds(struct kube_client *kc, const struct kube_creds *creds)
{
	struct kube_creds *old = kc->creds;
	char err[256];

	if ((kc->creds = kube_creds_dup(creds)) == NULL) {
		kc->creds = old;
		return -1;
	}
	if (client_urls(kc, err, sizeof(err)) < 0) {
		log_warnx("kube: new credentials: %s", err);
		kube_creds_free(kc->creds);
		kc->creds = old;
		client_urls(kc, err, sizeof(err));
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

/* Returns 1 when the token changed. */
static int
client_refresh(struct kube_client *kc, bool force)
{
	char err[512];
	int rc;

	if (kc->hook != NULL) {
		if (force)
			kc->hook(kc->hook_arg);
		return 0;
	}
	if (kc->creds->token_file == NULL ||
	    (!force && now_ms() - kc->token_read_ms < TOKEN_MAX_AGE_MS))
		return 0;
	kc->token_read_ms = now_ms();
	if ((rc = kube_creds_refresh_token(kc->creds, err, sizeof(err))) < 0)
		log_warnx("kube: %s: keeping the old token", err);
	else if (rc > 0)
		log_info("kube: token re-read from %s", kc->creds->token_file);
	return rc;
}

/* What curl keeps pointers to for as long as a transfer runs. */
struct req_lists {
	struct curl_slist *hdrs, *connect_to;
	/* curl's own account of a failure: which certificate check failed,
	 * where curl_easy_strerror only says that one did. */
	char err[CURL_ERROR_SIZE];
};

static const char *
req_error(const struct req_lists *l, CURLcode rc)
{
	return l->err[0] != '\0' ? l->err : curl_easy_strerror(rc);
}

static void
req_lists_free(struct req_lists *l)
{
	curl_slist_free_all(l->hdrs);
	curl_slist_free_all(l->connect_to);
	*l = (struct req_lists){ 0 };
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

/* Sets everything but the write callback on a fresh easy handle. */
static CURL *
client_easy(struct kube_client *kc, const char *path, struct req_lists *lists)
{
	const struct kube_creds *c = kc->creds;
	struct curl_slist *h = NULL, *t;
	char *url = NULL, *auth = NULL;
	CURL *e;

	client_refresh(kc, false);
	*lists = (struct req_lists){ 0 };
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
		if ((lists->connect_to = curl_slist_append(NULL,
		    kc->connect_to)) == NULL)
			goto fail;
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, lists->connect_to);
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_USERAGENT, kc->user_agent);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, kc->http_version);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, lists->err);
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
	lists->hdrs = h;
	return e;
fail:
	free(url);
	curl_slist_free_all(h);
	curl_slist_free_all(lists->connect_to);
	lists->connect_to = NULL;
	curl_easy_cleanup(e);
	return NULL;
}

static size_t
get_write(char *p, size_t size, size_t n, void *arg)
{
	return buf_append(arg, p, n, GET_MAX_BODY) < 0 ? 0 : n;
}

int
kube_get(struct kube_client *kc, const char *path, long *status, char **body,
    size_t *len)
{
	int attempt;

	for (attempt = 0;; attempt++) {
		struct req_lists l;
		struct buf b = { 0 };
		CURLcode rc;
		CURL *e;

		if ((e = client_easy(kc, path, &l)) == NULL) {
			log_warnx("kube: GET %s: out of memory", path);
			return -1;
		}
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, kc->timeout_ms);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, get_write);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
		rc = curl_easy_perform(e);
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
		curl_easy_cleanup(e);
		if (rc != CURLE_OK)
			log_warnx("kube: GET %s%s: %s%s", kc->creds->server,
			    path, req_error(&l, rc),
			    rc == CURLE_WRITE_ERROR ? " (over 16 MiB)" : "");
		req_lists_free(&l);
		if (rc != CURLE_OK) {
			buf_free(&b);
			return -1;
		}
		if (*status == 401 && attempt == 0 &&
		    client_refresh(kc, true) > 0) {
			buf_free(&b);
			continue;
		}
		if (b.p == NULL && buf_append(&b, "", 0, 1) < 0) {
			log_warnx("kube: GET %s: out of memory", path);
			return -1;
		}
		*body = b.p;
		*len = b.len;
		return 0;
	}
}

/* --- line splitter and event decoder ---------------------------------- */

void
kube_lines_init(struct kube_lines *l, size_t max)
{
	*l = (struct kube_lines){ .max = max };
}

void
kube_lines_reset(struct kube_lines *l)
{
	l->len = 0;
	l->discarding = false;
}

void
kube_lines_free(struct kube_lines *l)
{
	free(l->buf);
	kube_lines_init(l, l->max);
}

static int
lines_emit(const char *line, size_t len,
    int (*fn)(void *, const char *, size_t, bool), void *arg)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	return len == 0 ? 0 : fn(arg, line, len, true);
}

/* Keeps data for the line being received; of a line over the bound, only
 * its first max bytes, and the rest is discarded. */
static void
lines_keep(struct kube_lines *l, const char *data, size_t len)
{
	if (l->discarding)
		return;
	if (l->len + len > l->max) {
		len = l->max - l->len;
		l->discarding = true;
	}
	if (l->len + len > l->cap &&
	    grow(&l->buf, &l->cap, l->len + len, l->max) < 0) {
		l->discarding = true;	/* no memory: lose the line */
		return;
	}
	memcpy(l->buf + l->len, data, len);
	l->len += len;
}

int
kube_lines_feed(struct kube_lines *l, const char *data, size_t len,
    int (*fn)(void *, const char *, size_t, bool), void *arg)
{
	const char *end = data + len, *nl;
	int rc;
	size_t n;

	while (data < end) {
		if ((nl = memchr(data, '\n', (size_t)(end - data))) == NULL) {
			lines_keep(l, data, (size_t)(end - data));
			break;
		}
		n = (size_t)(nl - data);
		if (l->len == 0 && !l->discarding) {
			/* The common case: a whole line in a chunk, no copy. */
			rc = n > l->max ? fn(arg, data, l->max, false) :
			    lines_emit(data, n, fn, arg);
		} else {
			lines_keep(l, data, n);
			n = l->len;
			l->len = 0;
			if (l->discarding) {
				l->discarding = false;
				rc = fn(arg, l->buf, n, false);
			} else
				rc = lines_emit(l->buf, n, fn, arg);
		}
		if (rc != 0)
			return rc;
		data = nl + 1;
	}
	return 0;
}

/* --- streaming list decoder ----------------------------------------------- */

void
kube_listdec_init(struct kube_listdec *d, size_t max)
{
	*d = (struct kube_listdec){ .max = max };
}

void
kube_listdec_reset(struct kube_listdec *d)
{
	d->rest_len = d->item_len = 0;
	d->depth = 0;
	d->in_str = d->esc = d->in_items = d->in_item = d->item_over = false;
}

void
kube_listdec_free(struct kube_listdec *d)
{
	free(d->rest);
	free(d->item);
	kube_listdec_init(d, d->max);
}

/* Copies data[0..n) to the rest, the current item, or nowhere (separators
 * between elements, non-object elements). */
static int
listdec_keep(struct kube_listdec *d, const char *data, size_t n)
{
	if (n == 0 || (d->in_items && !d->in_item))
		return 0;
	if (d->in_item) {
		if (d->item_over)
			return 0;
		if (d->item_len + n > d->max) {
			/* Its first bytes name it; the rest streams past. */
			n = d->max - d->item_len;
			d->item_over = true;
		}
		if (d->item_len + n > d->item_cap &&
		    grow(&d->item, &d->item_cap, d->item_len + n, d->max) < 0)
			return -1;
		memcpy(d->item + d->item_len, data, n);
		d->item_len += n;
		return 0;
	}
	if (d->rest_len + n > d->rest_cap &&
	    grow(&d->rest, &d->rest_cap, d->rest_len + n, d->max) < 0)
		return -1;
	memcpy(d->rest + d->rest_len, data, n);
	d->rest_len += n;
	return 0;
}

/* Whether the rest ends with '"items"' and a colon: the array about to
 * open is the list's items. */
static bool
listdec_at_items(const struct kube_listdec *d)
{
	size_t i = d->rest_len;

	while (i > 0 && strchr(" \t\r\n", d->rest[i - 1]) != NULL)
		i--;
	if (i == 0 || d->rest[--i] != ':')
		return false;
	while (i > 0 && strchr(" \t\r\n", d->rest[i - 1]) != NULL)
		i--;
	return i >= 7 && memcmp(d->rest + i - 7, "\"items\"", 7) == 0;
}

/* Hands the element just completed to fn, decoded or as a bad one. */
static int
listdec_item(struct kube_listdec *d,
    int (*fn)(void *, const cJSON *, const struct kube_bad *), void *arg)
{
	struct kube_bad bad;
	cJSON *item = NULL;
	int rc;

	if (d->item_over)
		bad.why = "too large";
	else if (!utf8_valid(d->item, d->item_len))
		bad.why = "not UTF-8";
	else if ((item = cJSON_ParseWithLength(d->item, d->item_len)) == NULL)
		bad.why = "not valid JSON";
	if (item != NULL)
		rc = fn(arg, item, NULL);
	else {
		const char *why = bad.why;

		kube_bad_read(d->item, d->item_len, false, &bad);
		bad.why = why;
		rc = fn(arg, NULL, &bad);
	}
	cJSON_Delete(item);
	return rc;
}

int
kube_listdec_feed(struct kube_listdec *d, const char *data, size_t len,
    int (*fn)(void *, const cJSON *, const struct kube_bad *), void *arg)
{
	const char *end = data + len, *run = data, *p;
	int rc;

	/* Bytes are copied in runs; only brackets outside strings change
	 * where the following bytes go. */
	for (p = data; p < end; p++) {
		char c = *p;

		if (d->in_str) {
			if (d->esc)
				d->esc = false;
			else if (c == '\\')
				d->esc = true;
			else if (c == '"')
				d->in_str = false;
			continue;
		}
		switch (c) {
		case '"':
			d->in_str = true;
			continue;
		case '{':
		case '[':
			if (d->depth == 1 && c == '[') {
				if (listdec_keep(d, run, (size_t)(p - run)) < 0)
					return -1;
				run = p;
				if (listdec_at_items(d)) {
					/* '[' to the rest, elements not. */
					if (listdec_keep(d, p, 1) < 0)
						return -1;
					run = p + 1;
					d->in_items = true;
				}
			} else if (d->in_items && d->depth == 2 && c == '{') {
				run = p;
				d->in_item = true;
				d->item_over = false;
				d->item_len = 0;
			}
			if (++d->depth > 1000)
				return -1;
			continue;
		case '}':
		case ']':
			if (d->depth == 0)
				return -1;
			d->depth--;
			if (d->in_item && d->depth == 2) {
				if (listdec_keep(d, run,
				    (size_t)(p + 1 - run)) < 0)
					return -1;
				run = p + 1;
				d->in_item = false;
				if ((rc = listdec_item(d, fn, arg)) != 0)
					return rc;
			} else if (d->in_items && d->depth == 1) {
				run = p;
				d->in_items = false;
			}
			continue;
		default:
			continue;
		}
	}
	return listdec_keep(d, run, (size_t)(end - run));
}

cJSON *
kube_listdec_finish(struct kube_listdec *d)
{
	if (d->depth != 0 || d->in_str || d->rest_len == 0)
		return NULL;
	return cJSON_ParseWithLength(d->rest, d->rest_len);
}

const char *
kube_event_type_name(enum kube_event_type t)
{
	static const char *const names[] = {
		[KUBE_ADDED] = "ADDED",
		[KUBE_MODIFIED] = "MODIFIED",
		[KUBE_DELETED] = "DELETED",
		[KUBE_BOOKMARK] = "BOOKMARK",
		[KUBE_ERROR] = "ERROR",
	};

	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

int
kube_event_decode(const char *line, size_t len, struct kube_event *ev,
    char *err, size_t errsz)
{
	const cJSON *type, *obj, *md, *rv, *code, *msg;
	unsigned t;

	*ev = (struct kube_event){ 0 };
	if (!utf8_valid(line, len)) {
		seterr(err, errsz, "event is not UTF-8");
		goto fail;
	}
	if ((ev->root = cJSON_ParseWithLength(line, len)) == NULL ||
	    !cJSON_IsObject(ev->root)) {
		seterr(err, errsz, "event is not a JSON object");
		goto fail;
	}
	type = cJSON_GetObjectItemCaseSensitive(ev->root, "type");
	if (!cJSON_IsString(type)) {
		seterr(err, errsz, "event without a type");
		goto fail;
	}
	for (t = KUBE_ADDED; t <= KUBE_ERROR; t++)
		if (strcmp(type->valuestring, kube_event_type_name(t)) == 0)
			break;
	if (t > KUBE_ERROR) {
		seterr(err, errsz, "event of unknown type %.32s",
		    type->valuestring);
		goto fail;
	}
	ev->type = t;
	obj = cJSON_GetObjectItemCaseSensitive(ev->root, "object");
	if (!cJSON_IsObject(obj)) {
		seterr(err, errsz, "%s event without an object",
		    kube_event_type_name(t));
		goto fail;
	}
	ev->object = obj;
	if (t == KUBE_ERROR) {
		code = cJSON_GetObjectItemCaseSensitive(obj, "code");
		msg = cJSON_GetObjectItemCaseSensitive(obj, "message");
		if (cJSON_IsNumber(code))
			ev->code = code->valueint;
		if (cJSON_IsString(msg))
			ev->message = msg->valuestring;
		return 0;
	}
	md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	rv = cJSON_GetObjectItemCaseSensitive(md, "resourceVersion");
	if (!cJSON_IsString(rv) || *rv->valuestring == '\0') {
		seterr(err, errsz, "%s event without metadata.resourceVersion",
		    kube_event_type_name(t));
		goto fail;
	}
	ev->rv = rv->valuestring;
	return 0;
fail:
	kube_event_free(ev);
	return -1;
}

void
kube_event_free(struct kube_event *ev)
{
	cJSON_Delete(ev->root);
	*ev = (struct kube_event){ 0 };
}

/* --- list + watch ------------------------------------------------------- */

enum step {
	STEP_LIST,		/* first page of a fresh list */
	STEP_PAGE,		/* the page at w->cont */
	STEP_WATCH,		/* watch from w->rv */
};

/* Why a transfer was cut short from inside the write callback. */
enum abort_reason {
	ABORT_NONE,
	ABORT_BAD_PAGE,
	ABORT_LINE_TOO_LONG,
	ABORT_BAD_EVENT,
	ABORT_GONE,		/* ERROR event 410 */
	ABORT_ERROR_EVENT,	/* another ERROR event */
	ABORT_RELIST,		/* kube_watch_relist */
};

struct kube_watch {
	struct kube_client *kc;
	char *path;
	struct kube_watch_opts o;
	struct kube_watch_cb cb;
	void *arg;
	struct kube_watch_stats stats;

	CURLM *multi;
	int epfd;
	int64_t curl_deadline;	/* -1: curl wants no timer */

	/* The transfer in flight, if any. */
	CURL *easy;
	struct req_lists lists;
	enum step step;
	long status;
	int64_t started, last_byte;
	int64_t watch_end;	/* a watch's timeoutSeconds plus grace */
	enum abort_reason abort;
	struct buf errbody;	/* a non-200 reply, for the message */
	struct kube_listdec list;
	struct kube_lines lines;
	uint64_t events_this_watch;

	/* What happens next, and when. */
	enum step next;
	int64_t next_at;	/* -1: nothing scheduled (a transfer runs) */
	unsigned backoff_ms;
	unsigned relist_ms;	/* the relist spacing now */
	int64_t relist_at;	/* when the last relist was scheduled, or 0 */
	bool consistent;	/* the cached list was refused: list from etcd */
	bool listing;		/* list_begin delivered, list_end not yet */
	bool synced;
	bool relist_asked;
	char *rv;
	char *cont;
};

static int
sock_cb(CURL *e, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct kube_watch *w = arg;
	struct epoll_event ev = { .data.fd = s };

	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, s, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev.events |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev.events |= EPOLLOUT;
	if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, s, &ev) < 0 &&
	    (errno != ENOENT || epoll_ctl(w->epfd, EPOLL_CTL_ADD, s, &ev) < 0))
		log_warn("kube: epoll_ctl socket %d", s);
	return 0;
}

static int
timer_cb(CURLM *m, long ms, void *arg)
{
	struct kube_watch *w = arg;

	w->curl_deadline = ms < 0 ? -1 : now_ms() + ms;
	return 0;
}

struct kube_watch *
kube_watch_new(struct kube_client *kc, const char *path,
    const struct kube_watch_opts *opts, const struct kube_watch_cb *cb,
    void *arg)
{
	struct kube_watch *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->epfd = -1;
	if ((w->path = strdup(path)) == NULL)
		goto fail;
	if (opts != NULL)
		w->o = *opts;
	if (w->o.page_size == 0)
		w->o.page_size = 500;
	if (w->o.max_message == 0)
		w->o.max_message = 4 << 20;
	if (w->o.timeout_min == 0)
		w->o.timeout_min = 300;
	if (w->o.timeout_max < w->o.timeout_min)
		w->o.timeout_max = w->o.timeout_min == 300 ? 600 :
		    w->o.timeout_min;
	if (w->o.idle_timeout == 0)
		w->o.idle_timeout = 180;
	if (w->o.backoff_min_ms == 0)
		w->o.backoff_min_ms = 500;
	if (w->o.backoff_max_ms < w->o.backoff_min_ms)
		w->o.backoff_max_ms = w->o.backoff_min_ms < 30000 ? 30000 :
		    w->o.backoff_min_ms;
	if (w->o.relist_min_ms == 0)
		w->o.relist_min_ms = 800;
	if (w->o.relist_max_ms < w->o.relist_min_ms)
		w->o.relist_max_ms = w->o.relist_min_ms < 30000 ? 30000 :
		    w->o.relist_min_ms;
	w->kc = kc;
	w->cb = *cb;
	w->arg = arg;
	w->backoff_ms = w->o.backoff_min_ms;
	w->curl_deadline = -1;
	w->next = STEP_LIST;
	w->next_at = 0;
	kube_lines_init(&w->lines, w->o.max_message);
	kube_listdec_init(&w->list, w->o.max_message);
	if ((w->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (w->multi = curl_multi_init()) == NULL)
		goto fail;
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETDATA, w);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERDATA, w);
	return w;
fail:
	kube_watch_free(w);
	return NULL;
}

static void
transfer_end(struct kube_watch *w)
{
	if (w->easy == NULL)
		return;
	curl_multi_remove_handle(w->multi, w->easy);
	curl_easy_cleanup(w->easy);
	req_lists_free(&w->lists);
	w->easy = NULL;
	w->errbody.len = 0;
	kube_lines_free(&w->lines);	/* give a long line's room back */
}

void
kube_watch_free(struct kube_watch *w)
{
	if (w == NULL)
		return;
	transfer_end(w);
	if (w->multi != NULL)
		curl_multi_cleanup(w->multi);
	if (w->epfd >= 0)
		close(w->epfd);
	buf_free(&w->errbody);
	kube_listdec_free(&w->list);
	kube_lines_free(&w->lines);
	free(w->rv);
	free(w->cont);
	free(w->path);
	free(w);
}

int
kube_watch_fd(const struct kube_watch *w)
{
	return w->epfd;
}

bool
kube_watch_synced(const struct kube_watch *w)
{
	return w->synced;
}

const struct kube_watch_stats *
kube_watch_stats(const struct kube_watch *w)
{
	return &w->stats;
}

long
kube_watch_timeout_ms(const struct kube_watch *w)
{
	int64_t now = now_ms(), at = -1;

	if (w->relist_asked)
		return 0;
	if (w->next_at >= 0)
		at = w->next_at;
	if (w->curl_deadline >= 0 && (at < 0 || w->curl_deadline < at))
		at = w->curl_deadline;
	if (w->easy != NULL) {
		int64_t end = w->step == STEP_WATCH ? w->watch_end :
		    w->last_byte + (int64_t)w->o.idle_timeout * 1000;

		if (at < 0 || end < at)
			at = end;
	}
	if (at < 0)
		return -1;
	return at <= now ? 0 : (long)(at - now);
}

static void
set_str(char **slot, const char *s)
{
	char *d = s != NULL ? strdup(s) : NULL;

	if (s != NULL && d == NULL)
		fatal(1, "kube: strdup");
	free(*slot);
	*slot = d;
}

/* After an API server restart every watch of every client gets a 410 at
 * once: relists are spaced as client-go's reflector spaces them, 800 ms
 * doubling to 30 s while they keep coming, back to 800 ms after two quiet
 * minutes, each delay up to half again longer at random. */
static unsigned
relist_spacing(struct kube_watch *w)
{
	int64_t now = now_ms();
	unsigned d;

	if (w->relist_at == 0 || now - w->relist_at >= RELIST_RESET_MS)
		w->relist_ms = w->o.relist_min_ms;
	else
		w->relist_ms = w->relist_ms >= w->o.relist_max_ms / 2 ?
		    w->o.relist_max_ms : w->relist_ms * 2;
	w->relist_at = now;
	d = w->relist_ms + (unsigned)(rnd() % (w->relist_ms / 2 + 1));
	return d < w->o.relist_max_ms ? d : w->o.relist_max_ms;
}

/* A relist waits at least its spacing. */
static void
schedule(struct kube_watch *w, enum step next, unsigned delay_ms)
{
	if (next == STEP_LIST) {
		unsigned spacing = relist_spacing(w);

		if (spacing > delay_ms)
			delay_ms = spacing;
		set_str(&w->cont, NULL);
		if (w->synced)
			log_debug("kube: %s: no longer in sync", w->path);
		w->synced = false;
	}
	w->next = next;
	w->next_at = now_ms() + delay_ms;
}

/* Exponential backoff with jitter: the delay is drawn from [d/2, d], and d
 * doubles up to the cap; at least retry_after seconds when the server said
 * so. */
static void
schedule_backoff(struct kube_watch *w, enum step next, long retry_after_s)
{
	unsigned d = w->backoff_ms;
	unsigned delay = d / 2 + (unsigned)(rnd() % (d / 2 + 1));

	if (retry_after_s > 0 && (uint64_t)retry_after_s * 1000 > delay)
		delay = (unsigned)((uint64_t)retry_after_s * 1000 >
		    w->o.backoff_max_ms * 4ULL ? w->o.backoff_max_ms * 4ULL :
		    (uint64_t)retry_after_s * 1000);
	w->backoff_ms = d >= w->o.backoff_max_ms / 2 ? w->o.backoff_max_ms :
	    d * 2;
	log_debug("kube: %s: retrying in %u ms", w->path, delay);
	schedule(w, next, delay);
}

static void
set_rv(struct kube_watch *w, const char *rv)
{
	set_str(&w->rv, rv);
	if (w->cb.resource_version != NULL)
		w->cb.resource_version(w->arg, w->rv);
}

/* One object that cannot be decoded is skipped, so that the others are
 * still routed; the caller keeps what it knew of it. */
static void
skip(struct kube_watch *w, enum kube_event_type type,
    const struct kube_bad *bad)
{
	w->stats.skipped++;
	log_warnx("kube: %s: %s: object %s%s%s (%s) skipped: %s", w->path,
	    w->step == STEP_WATCH ? "watch" : "list",
	    bad->shown[0] != '\0' ? "\"" : "", bad->shown[0] != '\0' ?
	    bad->shown : "without a readable name", bad->shown[0] != '\0' ?
	    "\"" : "", kube_event_type_name(type), bad->why);
	if (w->cb.skipped != NULL)
		w->cb.skipped(w->arg, type, bad->name);
}

/* A DELETED event that cannot be decoded still says which object is gone:
 * pass that on, as an object with only its name and version. */
static void
deleted_stub(struct kube_watch *w, const struct kube_bad *bad)
{
	cJSON *obj = cJSON_CreateObject(), *md = cJSON_AddObjectToObject(obj,
	    "metadata");

	if (cJSON_AddStringToObject(md, "name", bad->name) == NULL ||
	    cJSON_AddStringToObject(md, "resourceVersion", bad->rv) == NULL)
		fatalx(1, "kube: out of memory");
	log_warnx("kube: %s: watch: object \"%s\" deleted (its event could "
	    "not be decoded: %s)", w->path, bad->shown, bad->why);
	w->cb.object(w->arg, KUBE_DELETED, obj);
	cJSON_Delete(obj);
}

/* A watch event line that is too long or cannot be decoded. Returns 0 when
 * it named an object change, skipped (the watch goes on), or 1 when it
 * cannot be placed and only a relist is sure to be right. */
static int
bad_line(struct kube_watch *w, const char *line, size_t len, const char *why)
{
	enum kube_event_type t;
	struct kube_bad bad;

	kube_bad_read(line, len, true, &bad);
	bad.why = why;
	for (t = KUBE_ADDED; t <= KUBE_DELETED; t++)
		if (strcmp(bad.type, kube_event_type_name(t)) == 0)
			break;
	if (t > KUBE_DELETED || bad.name[0] == '\0' || bad.rv[0] == '\0') {
		log_warnx("kube: %s: watch: %s, relisting", w->path, why);
		return 1;
	}
	w->stats.events++;
	w->events_this_watch++;
	if (t == KUBE_DELETED)
		deleted_stub(w, &bad);
	else
		skip(w, t, &bad);
	set_rv(w, bad.rv);
	return 0;
}

static int
on_line(void *arg, const char *line, size_t len, bool whole)
{
	struct kube_watch *w = arg;
	struct kube_event ev;
	char err[128];

	if (!whole || kube_event_decode(line, len, &ev, err,
	    sizeof(err)) < 0) {
		if (bad_line(w, line, len, whole ? err : "too large") == 0)
			return 0;
		w->abort = whole ? ABORT_BAD_EVENT : ABORT_LINE_TOO_LONG;
		return 1;
	}
	w->stats.events++;
	w->events_this_watch++;
	switch (ev.type) {
	case KUBE_ERROR:
		if (ev.code == 410) {
			log_info("kube: %s: watch: resource version %s "
			    "expired, relisting", w->path, w->rv);
			w->abort = ABORT_GONE;
		} else {
			log_warnx("kube: %s: watch: error %d: %s", w->path,
			    ev.code, ev.message != NULL ? ev.message :
			    "no message");
			w->abort = ABORT_ERROR_EVENT;
		}
		kube_event_free(&ev);
		return 1;
	case KUBE_BOOKMARK:
		w->stats.bookmarks++;
		break;
	default:
		w->cb.object(w->arg, ev.type, ev.object);
		break;
	}
	w->backoff_ms = w->o.backoff_min_ms;	/* the server is well */
	set_rv(w, ev.rv);
	kube_event_free(&ev);
	return 0;
}

static void
list_begin(struct kube_watch *w)
{
	if (w->step == STEP_LIST && !w->listing) {
		w->listing = true;
		if (w->cb.list_begin != NULL)
			w->cb.list_begin(w->arg);
	}
}

static int
on_item(void *arg, const cJSON *item, const struct kube_bad *bad)
{
	struct kube_watch *w = arg;

	list_begin(w);
	if (bad != NULL)
		skip(w, KUBE_ADDED, bad);
	else if (cJSON_IsObject(item))
		w->cb.object(w->arg, KUBE_ADDED, item);
	return 0;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct kube_watch *w = arg;
	int rc;

	if (w->relist_asked) {
		w->abort = ABORT_RELIST;
		return 0;
	}
	w->last_byte = now_ms();
	w->stats.bytes += n;
	if (w->status == 0)
		curl_easy_getinfo(w->easy, CURLINFO_RESPONSE_CODE, &w->status);
	if (w->status != 200) {
		if (w->errbody.len < ERR_BODY_MAX)
			buf_append(&w->errbody, p, n < ERR_BODY_MAX -
			    w->errbody.len ? n : ERR_BODY_MAX - w->errbody.len,
			    ERR_BODY_MAX);
		return n;
	}
	if (w->step != STEP_WATCH) {
		if ((rc = kube_listdec_feed(&w->list, p, n, on_item, w)) < 0) {
			log_warnx("kube: %s: list: a reply that is not "
			    "a JSON list, or its metadata over %zu bytes",
			    w->path, w->o.max_message);
			w->abort = ABORT_BAD_PAGE;
		}
		return rc == 0 ? n : 0;
	}
	return kube_lines_feed(&w->lines, p, n, on_line, w) == 0 ? n : 0;
}

static void
start(struct kube_watch *w)
{
	char *q = NULL, *esc = NULL;
	unsigned timeout;
	int r;

	w->next_at = -1;
	w->step = w->next;
	w->status = 0;
	w->abort = ABORT_NONE;
	w->events_this_watch = 0;
	kube_listdec_reset(&w->list);
	switch (w->step) {
	case STEP_LIST:
		w->stats.lists++;
		w->listing = false;
		if (w->consistent) {
			/* From etcd, a page at a time. */
			w->stats.lists_consistent++;
			r = asprintf(&q, "%s?limit=%u", w->path,
			    w->o.page_size);
			break;
		}
		/* From the watch cache, whole (it ignores limit): at 0 the
		 * first time, then at least as new as what was seen. */
		w->stats.lists_cached++;
		esc = curl_easy_escape(NULL, w->rv != NULL ? w->rv : "0", 0);
		r = esc == NULL ? -1 : w->rv == NULL ?
		    asprintf(&q, "%s?resourceVersion=0", w->path) :
		    asprintf(&q, "%s?resourceVersion=%s&"
		    "resourceVersionMatch=NotOlderThan", w->path, esc);
		break;
	case STEP_PAGE:
		esc = curl_easy_escape(NULL, w->cont, 0);
		r = esc == NULL ? -1 : asprintf(&q, "%s?limit=%u&continue=%s",
		    w->path, w->o.page_size, esc);
		break;
	case STEP_WATCH:
	default:
		w->stats.watches++;
		timeout = w->o.timeout_min + (unsigned)(rnd() %
		    (w->o.timeout_max - w->o.timeout_min + 1));
		w->watch_end = now_ms() + ((int64_t)timeout + WATCH_GRACE_S) *
		    1000;
		esc = curl_easy_escape(NULL, w->rv, 0);
		r = esc == NULL ? -1 : asprintf(&q, "%s?watch=1&"
		    "resourceVersion=%s&allowWatchBookmarks=true&"
		    "timeoutSeconds=%u", w->path, esc, timeout);
		break;
	}
	curl_free(esc);
	if (r < 0 || (w->easy = client_easy(w->kc, q, &w->lists)) == NULL) {
		if (r >= 0)
			free(q);
		log_warnx("kube: %s: cannot start a request: out of memory",
		    w->path);
		schedule_backoff(w, w->step, 0);
		return;
	}
	log_debug("kube: GET %s", q);
	free(q);
	curl_easy_setopt(w->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(w->easy, CURLOPT_WRITEDATA, w);
	/* A watch, however it ends, takes its connection with it (also an
	 * h2 one): the next may reach another API server replica. */
	if (w->step == STEP_WATCH)
		curl_easy_setopt(w->easy, CURLOPT_FORBID_REUSE, 1L);
	w->started = w->last_byte = now_ms();
	if (curl_multi_add_handle(w->multi, w->easy) != CURLM_OK) {
		curl_easy_cleanup(w->easy);
		req_lists_free(&w->lists);
		w->easy = NULL;
		schedule_backoff(w, w->step, 0);
	}
}

/* A page ended well; its items are delivered already. */
static void
page_done(struct kube_watch *w)
{
	const cJSON *md, *items, *rv, *cont;
	cJSON *root;

	w->stats.pages++;
	root = kube_listdec_finish(&w->list);
	items = cJSON_GetObjectItemCaseSensitive(root, "items");
	md = cJSON_GetObjectItemCaseSensitive(root, "metadata");
	rv = cJSON_GetObjectItemCaseSensitive(md, "resourceVersion");
	cont = cJSON_GetObjectItemCaseSensitive(md, "continue");
	/* Go encodes an empty slice as null. */
	if (!cJSON_IsObject(root) ||
	    (!cJSON_IsArray(items) && !cJSON_IsNull(items)) ||
	    !cJSON_IsString(rv) || *rv->valuestring == '\0' ||
	    (cont != NULL && !cJSON_IsString(cont) && !cJSON_IsNull(cont))) {
		log_warnx("kube: %s: list: a reply that is not a list with "
		    "metadata.resourceVersion", w->path);
		w->stats.errors++;
		cJSON_Delete(root);
		schedule_backoff(w, STEP_LIST, 0);
		return;
	}
	list_begin(w);
	set_str(&w->rv, rv->valuestring);
	if (cJSON_IsString(cont) && *cont->valuestring != '\0') {
		set_str(&w->cont, cont->valuestring);
		cJSON_Delete(root);
		schedule(w, STEP_PAGE, 0);
		return;
	}
	cJSON_Delete(root);
	w->stats.lists_done++;
	w->listing = false;
	w->consistent = false;
	w->synced = true;
	w->backoff_ms = w->o.backoff_min_ms;
	kube_listdec_free(&w->list);	/* a watch needs no list buffers */
	log_debug("kube: %s: listed at resource version %s", w->path, w->rv);
	if (w->cb.list_end != NULL)
		w->cb.list_end(w->arg, w->rv);
	if (w->cb.resource_version != NULL)
		w->cb.resource_version(w->arg, w->rv);
	schedule(w, STEP_WATCH, 0);
}

/* The Status message of an error reply, for the log. */
static const char *
status_message(struct kube_watch *w, char *out, size_t outsz)
{
	cJSON *root = cJSON_ParseWithLength(w->errbody.p != NULL ?
	    w->errbody.p : "", w->errbody.len);
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(root, "message");

	snprintf(out, outsz, "%s", cJSON_IsString(msg) ? msg->valuestring :
	    "no Status message");
	cJSON_Delete(root);
	return out;
}

/* A list from the watch cache refused because the cache no longer has, or
 * does not yet have, that resource version (an API server that restarted):
 * as client-go, fall back at once to a consistent list. Returns true when
 * it did. */
static bool
cached_list_refused(struct kube_watch *w, enum step step, long status,
    const char *msg)
{
	if (step != STEP_LIST || w->consistent || (status != 410 &&
	    (status != 504 || strstr(msg, "resource version") == NULL)))
		return false;
	log_info("kube: %s: list at resource version %s refused (%s), "
	    "listing from storage", w->path, w->rv != NULL ? w->rv : "0", msg);
	w->consistent = true;
	w->next = STEP_LIST;
	w->next_at = now_ms();
	return true;
}

static void
transfer_done(struct kube_watch *w, CURLcode rc)
{
	enum step step = w->step;
	enum abort_reason why = w->abort;
	long status = w->status, retry_after = 0;
	int64_t lasted = now_ms() - w->started;
	curl_off_t ra = 0;
	char msg[256];

	if (rc == CURLE_OK) {
		curl_easy_getinfo(w->easy, CURLINFO_RESPONSE_CODE, &status);
		if (curl_easy_getinfo(w->easy, CURLINFO_RETRY_AFTER,
		    &ra) == CURLE_OK)
			retry_after = (long)ra;
		if (status != 200)
			status_message(w, msg, sizeof(msg));
	} else
		snprintf(msg, sizeof(msg), "%s", req_error(&w->lists, rc));
	transfer_end(w);

	switch (why) {
	case ABORT_NONE:
		break;
	case ABORT_RELIST:
		return;
	case ABORT_GONE:
		w->stats.relists_410++;
		schedule(w, STEP_LIST, 0);
		return;
	case ABORT_BAD_PAGE:
	case ABORT_LINE_TOO_LONG:
	case ABORT_BAD_EVENT:
	case ABORT_ERROR_EVENT:
		/* An event was lost: only a relist is sure to be right. */
		w->stats.errors++;
		schedule_backoff(w, STEP_LIST, 0);
		return;
	}

	if (rc != CURLE_OK) {
		w->stats.errors++;
		log_warnx("kube: %s: %s: %s", w->path, step == STEP_WATCH ?
		    "watch" : "list", msg);
		schedule_backoff(w, step, 0);
		return;
	}
	switch (status) {
	case 200:
		if (step != STEP_WATCH) {
			page_done(w);
			return;
		}
		/* A server-side timeout: resume at once. A watch that ends
		 * early without news is a server in trouble: back off. */
		if (w->events_this_watch == 0 && lasted < 1000) {
			schedule_backoff(w, STEP_WATCH, 0);
			return;
		}
		w->backoff_ms = w->o.backoff_min_ms;
		log_debug("kube: %s: watch ended at resource version %s",
		    w->path, w->rv);
		schedule(w, STEP_WATCH, 0);
		return;
	case 410:
		w->stats.relists_410++;
		if (cached_list_refused(w, step, status, msg))
			return;
		log_info("kube: %s: %s: %s, relisting", w->path,
		    step == STEP_PAGE ? "continue token expired" :
		    "resource version expired", msg);
		if (step == STEP_LIST)
			schedule_backoff(w, STEP_LIST, 0);
		else
			schedule(w, STEP_LIST, 0);
		return;
	case 401:
		w->stats.http_401++;
		w->stats.errors++;
		log_warnx("kube: %s: unauthorized (401): %s", w->path, msg);
		if (client_refresh(w->kc, true) > 0) {
			schedule(w, step, 0);
			return;
		}
		schedule_backoff(w, step, 0);
		return;
	default:
		if (cached_list_refused(w, step, status, msg))
			return;
		w->stats.errors++;
		log_warnx("kube: %s: %s: HTTP %ld: %s", w->path,
		    step == STEP_WATCH ? "watch" : "list", status, msg);
		/* A server that refuses a watch for a reason other than load
		 * may never resume from our version (504 "too large resource
		 * version" after an etcd restore): a relist is always right. */
		schedule_backoff(w, step == STEP_WATCH && status != 429 ?
		    STEP_LIST : step, retry_after);
		return;
	}
}

/* Callbacks run inside curl, where a transfer cannot be removed: note the
 * wish and act on it in kube_watch_process. */
void
kube_watch_relist(struct kube_watch *w)
{
	w->relist_asked = true;
}

void
kube_watch_process(struct kube_watch *w)
{
	struct epoll_event evs[8];
	int i, n, running;
	CURLMsg *m;
	int64_t now;

	do {
		n = epoll_wait(w->epfd, evs, 8, 0);
		for (i = 0; i < n; i++) {
			int flags = 0;

			if (evs[i].events & EPOLLIN)
				flags |= CURL_CSELECT_IN;
			if (evs[i].events & EPOLLOUT)
				flags |= CURL_CSELECT_OUT;
			if (evs[i].events & (EPOLLERR | EPOLLHUP))
				flags |= CURL_CSELECT_ERR;
			curl_multi_socket_action(w->multi, evs[i].data.fd,
			    flags, &running);
		}
	} while (n == 8);
	now = now_ms();
	if (w->curl_deadline >= 0 && w->curl_deadline <= now) {
		w->curl_deadline = -1;
		curl_multi_socket_action(w->multi, CURL_SOCKET_TIMEOUT, 0,
		    &running);
	}
	while ((m = curl_multi_info_read(w->multi, &n)) != NULL)
		if (m->msg == CURLMSG_DONE && m->easy_handle == w->easy)
			transfer_done(w, m->data.result);
	now = now_ms();
	if (w->relist_asked) {
		w->relist_asked = false;
		transfer_end(w);
		schedule(w, STEP_LIST, 0);
	}
	if (w->easy != NULL && w->step == STEP_WATCH && now >= w->watch_end) {
		/* Quiet is not dead (TCP finds the dead): a watch silent for
		 * longer than its timeout is resumed, without a word. */
		log_debug("kube: %s: watch past its timeout, resuming at "
		    "resource version %s", w->path, w->rv);
		transfer_end(w);
		schedule(w, STEP_WATCH, 0);
	} else if (w->easy != NULL && w->step != STEP_WATCH &&
	    now - w->last_byte >= (int64_t)w->o.idle_timeout * 1000) {
		log_warnx("kube: %s: list: no data for %u s, reconnecting",
		    w->path, w->o.idle_timeout);
		w->stats.errors++;
		transfer_end(w);
		schedule_backoff(w, w->step, 0);
	}
	if (w->easy == NULL && w->next_at >= 0 && w->next_at <= now)
		start(w);
}

const char *
kube_watch_peer(const struct kube_watch *w)
{
	char *ip = NULL;

	if (w->easy == NULL ||
	    curl_easy_getinfo(w->easy, CURLINFO_PRIMARY_IP, &ip) != CURLE_OK ||
	    ip == NULL || *ip == '\0')
		return NULL;
	return ip;
}
