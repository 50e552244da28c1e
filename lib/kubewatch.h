/* SPDX-License-Identifier: Apache-2.0 */
/* The list+watch of a Kubernetes collection, as client-go's reflector does
 * it, driven by a caller's own poll loop: lists (from the watch cache,
 * else consistent and paged), watches from the last resource version,
 * relists after 410 Gone, and retries every failure with backoff, logging
 * and counting what it retries. */
#ifndef XCNI_KUBEWATCH_H
#define XCNI_KUBEWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "kubeclient.h"
#include "kubestream.h"

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
				 * quiet watch is never (see kubeclient.c) */
	unsigned backoff_min_ms; /* retry delay after a failure, doubled up */
	unsigned backoff_max_ms; /* to the max, with jitter (500, 30 000) */
	unsigned relist_min_ms;	/* every relist waits this, doubled while */
	unsigned relist_max_ms;	/* relists keep coming, to the max, back to
				 * the min after 2 quiet minutes (800,
				 * 30 000: client-go's reflector) */
	const struct kube_keep *keep; /* what of each object to decode (see
				 * kube_prune; it must keep
				 * metadata.resourceVersion), NULL: all */
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
 * "too large resource version") does a consistent, paged list follow.
 * Nothing happens until kube_watch_process; the first call starts the
 * list. The client must outlive the watch. Returns NULL when out of
 * memory or descriptors. */
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

#endif
