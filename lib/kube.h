/* SPDX-License-Identifier: Apache-2.0 */
/* Kubernetes API client: one blocking GET, and a non-blocking list+watch
 * of a collection that a caller's own poll loop drives. */
#ifndef XCNI_KUBE_H
#define XCNI_KUBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "kubecreds.h"

struct kube_client;

/* Takes a copy of creds. TLS peer verification is on unless creds->insecure.
 * Returns NULL with a message in err. */
struct kube_client *kube_client_new(const struct kube_creds *creds, char *err,
    size_t errsz);
void kube_client_free(struct kube_client *kc);

/* Swaps in new credentials (copied) for every request started afterwards
 * (an open watch keeps its connection). Returns 0, or -1 (logged) leaving
 * the old ones in place. */
int kube_client_set_creds(struct kube_client *kc,
    const struct kube_creds *creds);

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
 * the GET is tried once more), or -1 on a transport error, logged. Bodies
 * over 16 MiB are an error. */
int kube_get(struct kube_client *kc, const char *path, long *status,
    char **body, size_t *len);

/* --- list + watch ------------------------------------------------------ */

enum kube_event_type {
	KUBE_ADDED,
	KUBE_MODIFIED,
	KUBE_DELETED,
	KUBE_BOOKMARK,
	KUBE_ERROR,
};

const char *kube_event_type_name(enum kube_event_type t);

struct kube_watch_cb {
	/* A (re)list starts. Objects that the list does not report before
	 * list_end are gone. list_begin may come again without a list_end
	 * (a list that failed half-way is abandoned, never completed). */
	void (*list_begin)(void *arg);
	/* One object from a list page (KUBE_ADDED) or a watch event
	 * (KUBE_ADDED, KUBE_MODIFIED, KUBE_DELETED). obj is valid only during
	 * the call. */
	void (*object)(void *arg, enum kube_event_type type, const cJSON *obj);
	/* The list is complete and consistent as of resource version rv. */
	void (*list_end)(void *arg, const char *rv);
	/* The resource version the client will resume from, after every
	 * event (bookmarks included). May be NULL. */
	void (*resource_version)(void *arg, const char *rv);
	/* An object (list item, or ADDED/MODIFIED watch event) that cannot
	 * be decoded (over max_message, not JSON, not UTF-8) was skipped,
	 * logged with its name escaped; name is its metadata.name (a plain
	 * printable string), or "" when that could not be read. The object
	 * is not gone: a list that skips it must not count it as missing,
	 * so the caller keeps what it knew of it. A DELETED event that
	 * cannot be decoded but names its object is delivered as an object
	 * with only metadata.name (and resourceVersion). May be NULL. */
	void (*skipped)(void *arg, enum kube_event_type type,
	    const char *name);
};

/* Zero fields mean the default. */
struct kube_watch_opts {
	unsigned page_size;	/* limit of a consistent list (500); every
				 * list is decoded as it streams, one object
				 * at a time */
	size_t max_message;	/* longest object or watch event line (4 MiB) */
	unsigned timeout_min;	/* watch timeoutSeconds, uniformly random */
	unsigned timeout_max;	/* in [min, max] (300, 600) */
	unsigned idle_timeout;	/* seconds without a byte before a list's
				 * connection is taken for dead (180); a
				 * quiet watch is never (see kube.c) */
	unsigned backoff_min_ms; /* retry delay after a failure, doubled up */
	unsigned backoff_max_ms; /* to the max, with jitter (500, 30 000) */
	unsigned relist_min_ms;	/* every relist waits this, doubled while */
	unsigned relist_max_ms;	/* relists keep coming, to the max, back to
				 * the min after 2 quiet minutes (800,
				 * 30 000: client-go's reflector) */
};

struct kube_watch_stats {
	uint64_t lists;		/* list attempts (first pages) */
	uint64_t lists_cached;	/* of them at resourceVersion 0 or the last
				 * one seen: served from the watch cache */
	uint64_t lists_consistent; /* of them without a resourceVersion,
				 * paged: read from etcd */
	uint64_t lists_done;	/* lists completed (list_end) */
	uint64_t pages;		/* list pages received */
	uint64_t watches;	/* watch requests started */
	uint64_t events;	/* watch events decoded (bookmarks included) */
	uint64_t bookmarks;
	uint64_t relists_410;	/* 410 Gone seen (status, event, or continue) */
	uint64_t errors;	/* failed requests, bad events, timeouts */
	uint64_t http_401;
	uint64_t bytes;		/* response body bytes received */
	uint64_t skipped;	/* objects skipped (see cb.skipped) */
};

struct kube_watch;

/* Lists and then watches path (a collection, e.g. "/api/v1/nodes") with
 * kc, calling cb with arg. As client-go's reflector does, the first list
 * asks for resourceVersion=0 and a relist for the last resource version
 * seen (resourceVersionMatch=NotOlderThan), both served whole from the
 * API server's watch cache; only when such a list is refused (410, or 504
 * "too large resource version") does a consistent, paged list follow. Nothing happens until kube_watch_process; the
 * first call starts the list. The client must outlive the watch. */
struct kube_watch *kube_watch_new(struct kube_client *kc, const char *path,
    const struct kube_watch_opts *opts, const struct kube_watch_cb *cb,
    void *arg);
void kube_watch_free(struct kube_watch *w);

/* One descriptor (epoll) that becomes readable when process has work. */
int kube_watch_fd(const struct kube_watch *w);
/* Milliseconds until process must be called even without fd activity;
 * -1 for no deadline. */
long kube_watch_timeout_ms(const struct kube_watch *w);
/* Does all pending work without blocking; callbacks run from here, and may
 * call kube_watch_relist but not kube_watch_free. */
void kube_watch_process(struct kube_watch *w);
/* Drops the connection and relists (e.g. the caller's state is suspect),
 * after the relist spacing like every relist. */
void kube_watch_relist(struct kube_watch *w);
/* True from the end of a complete list until a relist starts (a watch
 * that reconnects and resumes stays synced). */
bool kube_watch_synced(const struct kube_watch *w);
const struct kube_watch_stats *kube_watch_stats(const struct kube_watch *w);
/* The address the current transfer is connected to (libcurl's
 * CURLINFO_PRIMARY_IP, as text), or NULL outside a transfer or before it
 * connects; callable from the object callback. Valid until the next call
 * into the watch. */
const char *kube_watch_peer(const struct kube_watch *w);

/* --- building blocks, exposed for tests and fuzzing --------------------- */

/* Splits a byte stream into lines of at most max bytes (excluding "\n"). */
struct kube_lines {
	char *buf;
	size_t len, cap, max;
	bool discarding;	/* skipping the rest of an overlong line */
};

void kube_lines_init(struct kube_lines *l, size_t max);
void kube_lines_reset(struct kube_lines *l);
void kube_lines_free(struct kube_lines *l);
/* Feeds len bytes; calls fn for every complete non-empty line (a trailing
 * "\r" removed), in order, with whole true. A line longer than max is
 * handed over at its end as its first max bytes with whole false (the rest
 * is discarded as it streams, never buffered). fn returning non-zero stops
 * the feed, which returns that value; otherwise it returns 0. Holds at most
 * max bytes. */
int kube_lines_feed(struct kube_lines *l, const char *data, size_t len,
    int (*fn)(void *arg, const char *line, size_t len, bool whole),
    void *arg);

/* Decodes a List reply as it streams: each element of "items" is parsed
 * and handed over as soon as its last byte arrives, so memory is bounded by
 * the largest object, not the page. */
struct kube_listdec {
	char *rest;		/* the reply without its items: '"items":[]' */
	char *item;		/* the element being received */
	size_t rest_len, rest_cap, item_len, item_cap, max;
	unsigned depth;
	bool in_str, esc;
	bool in_items;		/* inside the top-level "items" array */
	bool in_item;		/* inside an object element of it */
	bool item_over;		/* the element outgrew max: item holds its
				 * first max bytes, the rest is dropped */
};

#define KUBE_NAME_MAX	253	/* a DNS subdomain, the longest name */

/* What can be read of an object that cannot be decoded. */
struct kube_bad {
	char name[KUBE_NAME_MAX + 1];	/* metadata.name, "" if unreadable or
					 * not plain printable ASCII */
	char shown[KUBE_NAME_MAX * 4 + 1]; /* the name escaped for a log */
	char rv[64];			/* metadata.resourceVersion, or "" */
	char type[16];			/* a watch event's type, or "" */
	const char *why;		/* a static description */
};

/* Reads what it can of a JSON object's text that may be cut short (the
 * first bytes of an oversized one) or invalid further on: metadata.name
 * and resourceVersion, or for a watch event (event true) type and
 * object.metadata.name and resourceVersion. Never fails: what cannot be
 * read stays "". */
void kube_bad_read(const char *text, size_t len, bool event,
    struct kube_bad *bad);

void kube_listdec_init(struct kube_listdec *d, size_t max);
void kube_listdec_reset(struct kube_listdec *d);
void kube_listdec_free(struct kube_listdec *d);
/* Feeds len bytes; calls fn for every object element of the top-level
 * "items" array as soon as it is complete: with item set, or when the
 * element is over max bytes, not JSON or not UTF-8, with item NULL and bad
 * describing it (an oversized element is streamed past, never held whole).
 * Returns 0, fn's non-zero value (which stops the feed), or -1 when the
 * rest of the reply outgrows max or the brackets do not nest. */
int kube_listdec_feed(struct kube_listdec *d, const char *data, size_t len,
    int (*fn)(void *arg, const cJSON *item, const struct kube_bad *bad),
    void *arg);
/* At the end of the reply: the list without its items (to read metadata),
 * for the caller to cJSON_Delete, or NULL when the reply was incomplete or
 * not a JSON object. */
cJSON *kube_listdec_finish(struct kube_listdec *d);

/* One decoded watch event. */
struct kube_event {
	enum kube_event_type type;
	cJSON *root;		/* the whole event, owned */
	const cJSON *object;	/* root.object */
	const char *rv;		/* metadata.resourceVersion (not ERROR) */
	int code;		/* ERROR: the Status code (0 if absent) */
	const char *message;	/* ERROR: the Status message, or NULL */
};

/* Decodes one event line. Returns 0, or -1 with a message in err (not JSON,
 * no known type, no object, an ADDED/MODIFIED/DELETED/BOOKMARK object
 * without metadata.resourceVersion). */
int kube_event_decode(const char *line, size_t len, struct kube_event *ev,
    char *err, size_t errsz);
void kube_event_free(struct kube_event *ev);

#endif
