/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "atomic.h"
#include "kubecreds.h"
#include "log.h"
#include "util.h"

#define SA_DIR		"/var/run/secrets/kubernetes.io/serviceaccount"
#define MAX_KUBECONFIG	(4 << 20)
#define MAX_CREDFILE	(1 << 20)

static void
str_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void
kube_creds_free(struct kube_creds *c)
{
	if (c == NULL)
		return;
	str_free(c->source);
	str_free(c->server);
	str_free(c->ca_pem);
	str_free(c->cert_pem);
	str_free(c->key_pem);
	str_free(c->token);
	str_free(c->token_file);
	str_free(c->tls_server_name);
	free(c);
}

/* Tokens come from files and YAML with blanks and newlines around them. */
static char *
trim_dup(const char *s, size_t n)
{
	char *t;

	while (n > 0 && strchr(" \t\r\n", *s) != NULL)
		s++, n--;
	while (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
		n--;
	t = strndup(s, n);
	return t;
}

/* A FIFO or device at a credential's path would block or feed garbage:
 * only regular files are read (opened without blocking to find out). */
static int
check_regular(const char *path)
{
	struct stat st;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC |
	    O_NOCTTY)) < 0)
		return -1;
	rc = fstat(fd, &st);
	close(fd);
	if (rc == 0 && !S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	return rc;
}

static char *
read_file(const char *path, const char *what, char *err, size_t errsz)
{
	size_t len;
	char *s;

	if (check_regular(path) < 0) {
		seterr(err, errsz, "%s %s: %s", what, path, errno == EINVAL ?
		    "not a regular file" : strerror(errno));
		return NULL;
	}
	if ((s = file_read(path, MAX_CREDFILE, &len)) == NULL)
		seterr(err, errsz, "%s %s: %s", what, path, strerror(errno));
	return s;
}

static char *
read_token(const char *path, char *err, size_t errsz)
{
	char *raw, *tok;

	if ((raw = read_file(path, "token file", err, errsz)) == NULL)
		return NULL;
	tok = trim_dup(raw, strlen(raw));
	str_free(raw);
	if (tok == NULL)
		seterr(err, errsz, "token file %s: %s", path, strerror(errno));
	else if (*tok == '\0') {
		seterr(err, errsz, "token file %s: empty", path);
		free(tok);
		tok = NULL;
	}
	return tok;
}

int
kube_creds_refresh_token(struct kube_creds *c, char *err, size_t errsz)
{
	char *tok;

	if (c->token_file == NULL)
		return 0;
	if ((tok = read_token(c->token_file, err, errsz)) == NULL)
		return -1;
	if (c->token != NULL && strcmp(c->token, tok) == 0) {
		str_free(tok);
		return 0;
	}
	str_free(c->token);
	c->token = tok;
	return 1;
}

/* --- base64 (certificate-authority-data and friends) ------------------- */

static int
b64val(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* Standard alphabet, padding optional, blanks ignored (YAML folding). */
static char *
b64_decode(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(n / 4 * 3 + 4), *o = out;
	unsigned acc = 0, bits = 0;
	bool pad = false;

	if (out == NULL)
		return NULL;
	for (; *s != '\0'; s++) {
		int v;

		if (strchr(" \t\r\n", *s) != NULL)
			continue;
		if (*s == '=') {
			pad = true;
			continue;
		}
		if (pad || (v = b64val((unsigned char)*s)) < 0)
			goto bad;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*o++ = (char)((acc >> bits) & 0xff);
		}
	}
	if (bits >= 6)
		goto bad;
	*o = '\0';
	return out;
bad:
	free(out);
	errno = EINVAL;
	return NULL;
}

/* --- kubeconfig ------------------------------------------------------- */

struct kc {
	yaml_document_t doc;
	const char *path;
	char *dir;		/* for relative file names */
	char *err;
	size_t errsz;
};

/* An error about the kubeconfig: "PATH: message". */
static void
kc_err(struct kc *k, const char *fmt, ...)
{
	int n = snprintf(k->err, k->errsz, "%s: ", k->path);
	va_list ap;

	if (n < 0 || (size_t)n >= k->errsz)
		return;
	va_start(ap, fmt);
	vsnprintf(k->err + n, k->errsz - (size_t)n, fmt, ap);
	va_end(ap);
}

static yaml_node_t *
map_get(struct kc *k, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(&k->doc, p->key);

		if (kn != NULL && kn->type == YAML_SCALAR_NODE &&
		    strcmp((char *)kn->data.scalar.value, key) == 0)
			return yaml_document_get_node(&k->doc, p->value);
	}
	return NULL;
}

/* A scalar value, NULL when absent; an empty or non-scalar value is an
 * error (*bad set). */
static const char *
map_str(struct kc *k, yaml_node_t *map, const char *key, const char *where,
    bool *bad)
{
	yaml_node_t *n = map_get(k, map, key);

	if (n == NULL)
		return NULL;
	if (n->type != YAML_SCALAR_NODE) {
		kc_err(k, "%s: %s is not a string", where, key);
		*bad = true;
		return NULL;
	}
	if (n->data.scalar.length == 0)
		return NULL;
	return (const char *)n->data.scalar.value;
}

/* Finds the entry of a named list ("clusters", "contexts", "users") whose
 * name is name, and returns its inner map (entry[field]). */
static yaml_node_t *
named_entry(struct kc *k, yaml_node_t *root, const char *list,
    const char *field, const char *name)
{
	yaml_node_t *seq = map_get(k, root, list);
	yaml_node_item_t *it;

	if (seq != NULL && seq->type == YAML_SEQUENCE_NODE)
		for (it = seq->data.sequence.items.start;
		    it < seq->data.sequence.items.top; it++) {
			yaml_node_t *e = yaml_document_get_node(&k->doc, *it);
			yaml_node_t *n = map_get(k, e, "name");

			if (n != NULL && n->type == YAML_SCALAR_NODE &&
			    strcmp((char *)n->data.scalar.value, name) == 0) {
				yaml_node_t *inner = map_get(k, e, field);

				if (inner == NULL ||
				    inner->type != YAML_MAPPING_NODE) {
					kc_err(k, "%s \"%s\" has no %s map",
					    field, name, field);
					return NULL;
				}
				return inner;
			}
		}
	kc_err(k, "%s \"%s\" not found in %s", field, name, list);
	return NULL;
}

static char *
resolve_path(struct kc *k, const char *file)
{
	char *p;

	if (file[0] == '/' || k->dir == NULL)
		return strdup(file);
	if (asprintf(&p, "%s/%s", k->dir, file) < 0)
		return NULL;
	return p;
}

/* Loads a PEM from KEY-data (base64) or KEY (a file), data first as in
 * client-go. *out stays NULL when neither is given. */
static int
load_blob(struct kc *k, yaml_node_t *map, const char *key, const char *where,
    char **out)
{
	char datakey[64];
	const char *data, *file;
	bool bad = false;
	char *path;

	snprintf(datakey, sizeof(datakey), "%s-data", key);
	data = map_str(k, map, datakey, where, &bad);
	file = map_str(k, map, key, where, &bad);
	if (bad)
		return -1;
	if (data != NULL) {
		if ((*out = b64_decode(data)) == NULL) {
			kc_err(k, "%s: %s: not valid base64", where, datakey);
			return -1;
		}
		return 0;
	}
	if (file == NULL)
		return 0;
	if ((path = resolve_path(k, file)) == NULL) {
		kc_err(k, "%s", strerror(errno));
		return -1;
	}
	*out = read_file(path, key, k->err, k->errsz);
	free(path);
	return *out == NULL ? -1 : 0;
}

static int
load_cluster(struct kc *k, yaml_node_t *cluster, const char *where,
    struct kube_creds *c)
{
	const char *server, *sni, *insecure;
	bool bad = false;
	size_t n;

	server = map_str(k, cluster, "server", where, &bad);
	sni = map_str(k, cluster, "tls-server-name", where, &bad);
	insecure = map_str(k, cluster, "insecure-skip-tls-verify", where, &bad);
	if (bad)
		return -1;
	if (server == NULL) {
		kc_err(k, "%s: no server", where);
		return -1;
	}
	if (strncmp(server, "https://", 8) != 0 &&
	    strncmp(server, "http://", 7) != 0) {
		kc_err(k, "%s: server %s: not an http(s) URL", where, server);
		return -1;
	}
	n = strlen(server);
	while (n > 0 && server[n - 1] == '/')
		n--;
	if ((c->server = strndup(server, n)) == NULL)
		goto nomem;
	if (sni != NULL && (c->tls_server_name = strdup(sni)) == NULL)
		goto nomem;
	if (insecure != NULL) {
		if (strcmp(insecure, "true") == 0)
			c->insecure = true;
		else if (strcmp(insecure, "false") != 0) {
			kc_err(k, "%s: insecure-skip-tls-verify: "
			    "%s: not true or false", where, insecure);
			return -1;
		}
	}
	return load_blob(k, cluster, "certificate-authority", where,
	    &c->ca_pem);
nomem:
	kc_err(k, "%s", strerror(errno));
	return -1;
}

static int
load_user(struct kc *k, yaml_node_t *user, const char *where,
    struct kube_creds *c)
{
	static const char *const unsupported[] = {
		"exec", "auth-provider", "username", "password",
	};
	const char *token, *tokfile;
	bool bad = false;
	size_t i;

	for (i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (map_get(k, user, unsupported[i]) != NULL) {
			kc_err(k, "%s: %s credentials are not "
			    "supported (use a token, tokenFile or client "
			    "certificate)", where, unsupported[i]);
			return -1;
		}
	token = map_str(k, user, "token", where, &bad);
	tokfile = map_str(k, user, "tokenFile", where, &bad);
	if (bad)
		return -1;
	if (load_blob(k, user, "client-certificate", where, &c->cert_pem) < 0 ||
	    load_blob(k, user, "client-key", where, &c->key_pem) < 0)
		return -1;
	if ((c->cert_pem == NULL) != (c->key_pem == NULL)) {
		kc_err(k, "%s: a client certificate needs "
		    "a client key and vice versa", where);
		return -1;
	}
	/* As in client-go, a token file overrides the inline token: it is
	 * what rotates. */
	if (tokfile != NULL) {
		if ((c->token_file = resolve_path(k, tokfile)) == NULL) {
			kc_err(k, "%s", strerror(errno));
			return -1;
		}
		c->token = read_token(c->token_file, k->err, k->errsz);
		if (c->token == NULL)
			return -1;
	} else if (token != NULL &&
	    (c->token = trim_dup(token, strlen(token))) == NULL) {
		kc_err(k, "%s", strerror(errno));
		return -1;
	}
	return 0;
}

static int
parse_yaml(struct kc *k, const char *text, size_t len)
{
	yaml_parser_t parser;
	int ok;

	if (!yaml_parser_initialize(&parser)) {
		kc_err(k, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	ok = yaml_parser_load(&parser, &k->doc);
	if (!ok)
		seterr(k->err, k->errsz, "%s:%zu:%zu: %s", k->path,
		    parser.problem_mark.line + 1,
		    parser.problem_mark.column + 1, parser.problem != NULL ?
		    parser.problem : "YAML syntax error");
	yaml_parser_delete(&parser);
	if (ok && yaml_document_get_root_node(&k->doc) == NULL) {
		kc_err(k, "empty");
		yaml_document_delete(&k->doc);
		ok = 0;
	}
	return ok ? 0 : -1;
}

/* Loads the entry named name of list (a cluster or a user) into c. */
static int
load_named(struct kc *k, yaml_node_t *root, const char *list,
    const char *field, const char *name,
    int (*load)(struct kc *, yaml_node_t *, const char *,
    struct kube_creds *), struct kube_creds *c)
{
	yaml_node_t *entry = named_entry(k, root, list, field, name);
	char where[300];

	if (entry == NULL)
		return -1;
	snprintf(where, sizeof(where), "%s \"%s\"", field, name);
	return load(k, entry, where, c);
}

static struct kube_creds *
load_kubeconfig(const char *path, char *err, size_t errsz)
{
	struct kc k = { .path = path, .err = err, .errsz = errsz };
	struct kube_creds *c;
	yaml_node_t *root, *ctx;
	const char *cur, *cname, *uname, *slash;
	char where[300];
	bool bad = false;
	char *text;
	size_t len;

	if ((text = file_read(path, MAX_KUBECONFIG, &len)) == NULL) {
		seterr(err, errsz, "kubeconfig %s: %s", path, strerror(errno));
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    asprintf(&c->source, "kubeconfig %s", path) < 0) {
		seterr(err, errsz, "kubeconfig %s: %s", path, strerror(errno));
		free(c);
		str_free(text);
		return NULL;
	}
	if ((slash = strrchr(path, '/')) != NULL &&
	    (k.dir = strndup(path, slash == path ? 1 :
	    (size_t)(slash - path))) == NULL) {
		seterr(err, errsz, "kubeconfig %s: %s", path, strerror(errno));
		goto fail_text;
	}
	if (parse_yaml(&k, text, len) < 0)
		goto fail_text;
	root = yaml_document_get_root_node(&k.doc);
	cur = map_str(&k, root, "current-context", "top level", &bad);
	if (cur == NULL) {
		if (!bad)
			kc_err(&k, "current-context is not set");
		goto fail;
	}
	if ((ctx = named_entry(&k, root, "contexts", "context", cur)) == NULL)
		goto fail;
	snprintf(where, sizeof(where), "context \"%s\"", cur);
	cname = map_str(&k, ctx, "cluster", where, &bad);
	uname = map_str(&k, ctx, "user", where, &bad);
	if (bad)
		goto fail;
	if (cname == NULL) {
		seterr(err, errsz, "%s: %s: no cluster", path, where);
		goto fail;
	}
	if (load_named(&k, root, "clusters", "cluster", cname, load_cluster,
	    c) < 0)
		goto fail;
	/* A context without a user talks to the API anonymously. */
	if (uname != NULL && load_named(&k, root, "users", "user", uname,
	    load_user, c) < 0)
		goto fail;
	yaml_document_delete(&k.doc);
	free(k.dir);
	str_free(text);
	return c;
fail:
	yaml_document_delete(&k.doc);
fail_text:
	free(k.dir);
	str_free(text);
	kube_creds_free(c);
	return NULL;
}

/* --- what no client may use -------------------------------------------- */

static const char pem_begin[] = "-----BEGIN CERTIFICATE-----";
static const char pem_end[] = "-----END CERTIFICATE-----";

/* One PEM certificate at *p: base64 of a DER SEQUENCE between the markers.
 * Advances *p past it. */
static bool
pem_cert(const char **p)
{
	const char *body = *p + sizeof(pem_begin) - 1, *end;
	char *b64, *der;
	bool ok;

	if ((end = strstr(body, pem_end)) == NULL ||
	    (b64 = strndup(body, (size_t)(end - body))) == NULL)
		return false;
	der = b64_decode(b64);
	ok = der != NULL && (unsigned char)der[0] == 0x30;
	free(der);
	free(b64);
	*p = end + sizeof(pem_end) - 1;
	return ok;
}

/* A CA bundle that curl would reject on every request (empty, garbage, a
 * key instead of certificates) is a configuration error, found at once:
 * at least one certificate, every one well-formed. This checks the form
 * only; the TLS library judges the contents. */
static bool
ca_valid(const char *pem)
{
	const char *p = pem;
	unsigned n = 0;

	while ((p = strstr(p, pem_begin)) != NULL) {
		if (!pem_cert(&p))
			return false;
		n++;
	}
	return n > 0;
}

/* What a client must refuse whatever the source: a secret sent in clear,
 * a CA that can verify nothing. */
static int
creds_check(const struct kube_creds *c, char *err, size_t errsz)
{
	if (strncmp(c->server, "https://", 8) != 0 &&
	    (c->token != NULL || c->key_pem != NULL)) {
		seterr(err, errsz, "%s: server %s: refusing to send a %s over "
		    "plain http (use https://)", c->source != NULL ? c->source :
		    "credentials", c->server, c->token != NULL ?
		    "bearer token" : "client key");
		return -1;
	}
	if (c->ca_pem != NULL && !c->insecure && !ca_valid(c->ca_pem)) {
		seterr(err, errsz, "%s: certificate authority: no valid PEM "
		    "certificate (empty or garbage)", c->source != NULL ?
		    c->source : "credentials");
		return -1;
	}
	return 0;
}

/* --- in-cluster -------------------------------------------------------- */

static struct kube_creds *
load_in_cluster(char *err, size_t errsz)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	const char *dir = getenv("XCNI_SA_DIR");
	struct kube_creds *c;
	char path[PATH_MAX];
	bool v6;

	if (host == NULL || *host == '\0' || port == NULL || *port == '\0') {
		seterr(err, errsz, "no kubeconfig given, $KUBECONFIG not set, "
		    "and not in a cluster ($KUBERNETES_SERVICE_HOST/PORT not "
		    "set)");
		return NULL;
	}
	if (dir == NULL || *dir == '\0')
		dir = SA_DIR;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto nomem;
	v6 = strchr(host, ':') != NULL;
	if ((c->source = strdup("in-cluster")) == NULL ||
	    asprintf(&c->server, "https://%s%s%s:%s", v6 ? "[" : "", host,
	    v6 ? "]" : "", port) < 0) {
		c->server = NULL;
		goto nomem;
	}
	snprintf(path, sizeof(path), "%s/token", dir);
	if ((c->token_file = strdup(path)) == NULL)
		goto nomem;
	if ((c->token = read_token(path, err, errsz)) == NULL)
		goto fail;
	snprintf(path, sizeof(path), "%s/ca.crt", dir);
	c->ca_pem = read_file(path, "service account CA", err, errsz);
	if (c->ca_pem == NULL)
		goto fail;
	return c;
nomem:
	seterr(err, errsz, "in-cluster credentials: %s", strerror(errno));
fail:
	kube_creds_free(c);
	return NULL;
}

struct kube_creds *
kube_creds_load(const char *kubeconfig, char *err, size_t errsz)
{
	const char *env = getenv("KUBECONFIG");
	struct kube_creds *c;
	char *first;

	if (kubeconfig != NULL && *kubeconfig != '\0')
		c = load_kubeconfig(kubeconfig, err, errsz);
	else if (env == NULL || *env == '\0')
		c = load_in_cluster(err, errsz);
	else {
		/* kubectl merges a ':' list; one cluster is all we need, so
		 * the first file decides. */
		if ((first = strndup(env, strcspn(env, ":"))) == NULL) {
			seterr(err, errsz, "KUBECONFIG: %s", strerror(errno));
			return NULL;
		}
		c = load_kubeconfig(first, err, errsz);
		free(first);
	}
	if (c != NULL && creds_check(c, err, errsz) < 0) {
		kube_creds_free(c);
		return NULL;
	}
	return c;
}

/* --- fd-3 form ---------------------------------------------------------- */

#define FIELDS(X) \
	X(source) X(server) X(ca_pem) X(cert_pem) X(key_pem) X(token) \
	X(token_file) X(tls_server_name)

char *
kube_creds_serialize(const struct kube_creds *c, size_t *len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f;

	if ((f = open_memstream(&buf, &size)) == NULL)
		return NULL;
#define X(name) \
	if (c->name != NULL) \
		fprintf(f, #name " %zu\n%s\n", strlen(c->name), c->name);
	FIELDS(X)
#undef X
	if (c->insecure)
		fputs("insecure 1\n1\n", f);
	if (fclose(f) != 0) {
		str_free(buf);
		return NULL;
	}
	*len = size;
	return buf;
}

static char **
field_of(struct kube_creds *c, const char *name, size_t n)
{
#define X(f) \
	if (n == sizeof(#f) - 1 && memcmp(name, #f, n) == 0) \
		return &c->f;
	FIELDS(X)
#undef X
	return NULL;
}

struct kube_creds *
kube_creds_parse(const char *buf, size_t len, char *err, size_t errsz)
{
	const char *p = buf, *end = buf + len;
	struct kube_creds *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		seterr(err, errsz, "credentials: %s", strerror(errno));
		return NULL;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *sp = nl == NULL ? NULL :
		    memchr(p, ' ', (size_t)(nl - p));
		unsigned long long n = 0;
		const char *d;
		char **slot;

		if (nl == NULL || sp == NULL || sp == p || sp + 1 == nl) {
			seterr(err, errsz, "credentials: bad field header");
			goto fail;
		}
		for (d = sp + 1; d < nl; d++) {
			if (*d < '0' || *d > '9' ||
			    n > (unsigned long long)len) {
				seterr(err, errsz, "credentials: bad field "
				    "length");
				goto fail;
			}
			n = n * 10 + (unsigned)(*d - '0');
		}
		if (n >= (unsigned long long)(end - nl - 1) ||
		    nl[1 + n] != '\n' ||
		    memchr(nl + 1, '\0', n) != NULL) {
			seterr(err, errsz, "credentials: field %.*s: bad "
			    "length",
			    (int)(sp - p), p);
			goto fail;
		}
		if ((size_t)(sp - p) == 8 && memcmp(p, "insecure", 8) == 0) {
			if (n != 1 || nl[1] != '1') {
				seterr(err, errsz, "credentials: bad insecure "
				    "value");
				goto fail;
			}
			c->insecure = true;
		} else if ((slot = field_of(c, p, (size_t)(sp - p))) == NULL) {
			seterr(err, errsz, "credentials: unknown field %.*s",
			    (int)(sp - p), p);
			goto fail;
		} else if (*slot != NULL) {
			seterr(err, errsz, "credentials: duplicate field %.*s",
			    (int)(sp - p), p);
			goto fail;
		} else if ((*slot = strndup(nl + 1, n)) == NULL) {
			seterr(err, errsz, "credentials: %s", strerror(errno));
			goto fail;
		}
		p = nl + 1 + n + 1;
	}
	if (c->server == NULL) {
		seterr(err, errsz, "credentials: no server");
		goto fail;
	}
	if (creds_check(c, err, errsz) < 0)
		goto fail;
	return c;
fail:
	kube_creds_free(c);
	return NULL;
}

bool
kube_creds_equal(const struct kube_creds *a, const struct kube_creds *b)
{
#define X(f) \
	if (!str_eq(a->f, b->f)) \
		return false;
	FIELDS(X)
#undef X
	return a->insecure == b->insecure;
}

struct kube_creds *
kube_creds_dup(const struct kube_creds *c)
{
	struct kube_creds *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
#define X(f) \
	if (c->f != NULL && (d->f = strdup(c->f)) == NULL) \
		goto fail;
	FIELDS(X)
#undef X
	d->insecure = c->insecure;
	return d;
fail:
	kube_creds_free(d);
	return NULL;
}
