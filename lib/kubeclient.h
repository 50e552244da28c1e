/* SPDX-License-Identifier: Apache-2.0 */
/* Kubernetes API client over libcurl: where the server is, how to prove
 * who we are (token, client certificate, rotated token), TLS, and one
 * blocking GET; and the transfers lib/kubewatch.c streams. */
#ifndef XCNI_KUBECLIENT_H
#define XCNI_KUBECLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "kubecreds.h"

struct kube_client;

/* Takes a copy of creds. TLS peer verification is on unless creds->insecure.
 * Returns NULL with a message in err. */
struct kube_client *kube_client_new(const struct kube_creds *creds, char *err,
    size_t errsz);
void kube_client_free(struct kube_client *kc);

/* Swaps in new credentials (copied) for every request started afterwards
 * (an open watch keeps its connection). Returns 0, or -1 with a message in
 * err, leaving the old ones in place. */
int kube_client_set_creds(struct kube_client *kc,
    const struct kube_creds *creds, char *err, size_t errsz);

/* After a 401 the client re-reads creds->token_file, and it does so at least
 * once a minute anyway. A process that cannot read the file (a worker whose
 * supervisor holds the secrets) sets a hook instead: it is called after
 * every 401, and is expected to arrange a later kube_client_set_creds. */
void kube_client_set_refresh_hook(struct kube_client *kc,
    void (*hook)(void *arg), void *arg);

/* The User-Agent of every request started afterwards, by which audit logs
 * and API Priority and Fairness tell clients apart: "PROGRAM/VERSION" and
 * what tells instances apart, e.g. "xcni-worker/0.1.0 (network blue)"
 * (copied). The default is "xcni/VERSION". Returns 0, or -1 on ENOMEM
 * (the old one kept). */
int kube_client_set_user_agent(struct kube_client *kc, const char *agent);

/* Total time a kube_get may take (default 10 000 ms). */
void kube_client_set_timeout(struct kube_client *kc, long ms);

/* Blocking GET of path ("/api/v1/nodes/NAME"). Returns 0 when the server
 * answered (any status in *status; *body NUL-terminated, *len bytes, freed
 * by the caller; after a 401 the token is refreshed and, when it changed,
 * the GET is tried once more), or -1 with what failed in err, as libcurl
 * says it (no connection, a certificate check, a timeout), or a body over
 * 16 MiB, or out of memory; the caller names the server and path. Logs
 * nothing above debug. */
int kube_get(struct kube_client *kc, const char *path, long *status,
    char **body, size_t *len, char *err, size_t errsz);

/* --- transfers, for lib/kubewatch.c ------------------------------------- */

/* Re-reads the token: with force (after a 401) always, or calls the hook
 * instead; without, only when a minute has passed since the last read.
 * Returns 1 when the token changed, 0 when not (or the hook was called),
 * -1 with a message in err (the old token kept). */
int kube_client_refresh(struct kube_client *kc, bool force, char *err,
    size_t errsz);

/* What curl keeps pointers to for as long as a transfer runs. */
struct kube_req {
	struct curl_slist *hdrs, *connect_to;
	/* curl's own account of a failure: which certificate check failed,
	 * where curl_easy_strerror only says that one did. */
	char err[CURL_ERROR_SIZE];
};

/* A fresh easy handle for a GET of path with the client's URL,
 * credentials, TLS settings, User-Agent and dead-peer detection (TCP
 * keepalive and user timeout); the caller sets the write callback and
 * timeouts. The token is not refreshed here (kube_client_refresh). Returns
 * NULL on ENOMEM. req must live until kube_req_free, which comes after
 * curl_easy_cleanup. */
CURL *kube_req_new(struct kube_client *kc, const char *path,
    struct kube_req *req);
/* Why the transfer failed with rc, as precisely as curl knows. */
const char *kube_req_error(const struct kube_req *req, CURLcode rc);
void kube_req_free(struct kube_req *req);

#endif
