/* SPDX-License-Identifier: Apache-2.0 */
/* Kubernetes API credentials: where the API server is and how to prove who
 * we are. Needs libyaml only, so the supervisor can resolve credentials
 * without linking libcurl, and pass them to an unprivileged worker that
 * cannot read the files itself. */
#ifndef XCNI_KUBECREDS_H
#define XCNI_KUBECREDS_H

#include <stdbool.h>
#include <stddef.h>

/* Every string is NUL-terminated and heap-allocated, or NULL when absent.
 * File contents are held in memory, so a client never opens files (except
 * token_file, see kube_creds_refresh_token). */
struct kube_creds {
	char *source;		/* "kubeconfig PATH" or "in-cluster" */
	char *server;		/* "https://host:port", no trailing slash */
	char *ca_pem;		/* NULL: the system's trust store */
	char *cert_pem;		/* client certificate and key, or neither */
	char *key_pem;
	char *token;		/* bearer token, trimmed */
	char *token_file;	/* where token came from; re-read to rotate */
	char *tls_server_name;	/* verified (and SNI) instead of the host */
	bool insecure;		/* insecure-skip-tls-verify */
};

/* Resolves credentials, in this order:
 *   1. kubeconfig, when not NULL (the [global] kubeconfig key);
 *   2. $KUBECONFIG, when set and not empty (first entry of a ':' list);
 *   3. in-cluster: $KUBERNETES_SERVICE_HOST and _PORT with the service
 *      account's token and ca.crt in /var/run/secrets/kubernetes.io/
 *      serviceaccount (or $XCNI_SA_DIR, for tests).
 * An explicit choice wins over the ambient one; this differs from upstream
 * xcluster-cni (in-cluster first), and is what xcni.ini(5) documents: the
 * kubeconfig key defaults to $KUBECONFIG, else in-cluster.
 * From a kubeconfig the current-context's cluster and user are used;
 * relative file names are relative to the kubeconfig's directory; an exec
 * or auth-provider user is an error. Returns NULL with a message in err
 * (never containing a secret). */
struct kube_creds *kube_creds_load(const char *kubeconfig, char *err,
    size_t errsz);

/* Re-reads token_file into token (a no-op without token_file). Returns 1
 * when the token changed, 0 when not, -1 with a message in err (the old
 * token is kept). */
int kube_creds_refresh_token(struct kube_creds *c, char *err, size_t errsz);

/* A length-safe text form for the supervisor -> worker fd-3 message:
 * per present field "NAME LEN\n" followed by LEN bytes and "\n". Returns a
 * heap buffer (NUL-terminated, *len excludes the NUL) or NULL on ENOMEM. */
char *kube_creds_serialize(const struct kube_creds *c, size_t *len);
/* Parses kube_creds_serialize's output. Returns NULL with a message in err
 * on malformed input (unknown field, bad length, no server). */
struct kube_creds *kube_creds_parse(const char *buf, size_t len, char *err,
    size_t errsz);

struct kube_creds *kube_creds_dup(const struct kube_creds *c);
bool kube_creds_equal(const struct kube_creds *a, const struct kube_creds *b);
/* Clears secrets from memory before freeing. NULL is a no-op. */
void kube_creds_free(struct kube_creds *c);

#endif
