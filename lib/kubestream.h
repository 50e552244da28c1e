/* SPDX-License-Identifier: Apache-2.0 */
/* Decoders of what a Kubernetes API server streams: a watch's event lines
 * (kube_lines, kube_event_decode) and a List reply, an object at a time
 * (kube_listdec). Bounded by a caller's limit, whatever the input; pure
 * functions of the bytes fed, however they are cut. cJSON only: no
 * libcurl, so unit tests and fuzz targets link them alone. */
#ifndef XCNI_KUBESTREAM_H
#define XCNI_KUBESTREAM_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

enum kube_event_type {
	KUBE_ADDED,
	KUBE_MODIFIED,
	KUBE_DELETED,
	KUBE_BOOKMARK,
	KUBE_ERROR,
};

/* "ADDED", ..., as the API writes it; "?" for anything else. */
const char *kube_event_type_name(enum kube_event_type t);

/* The message of the Status object an API server answers a failed request
 * with (body, len bytes, not necessarily NUL-terminated), copied into out
 * (truncated to outsz); "no Status message" when the body holds none.
 * Returns out. */
const char *kube_status_message(const char *body, size_t len, char *out,
    size_t outsz);

/* Appends n bytes of data to *p, which holds *len bytes in *cap allocated,
 * doubling the allocation (from 4 KiB) but never past max bytes. Returns 0,
 * or -1 with nothing appended when *len + n would exceed max or memory runs
 * out. *p is the caller's to free. */
int kube_bytes_append(char **p, size_t *len, size_t *cap, const char *data,
    size_t n, size_t max);

/* --- what a decoder keeps of an object ---------------------------------- */

/* The members of a JSON object to keep, a list ended by a NULL key: with
 * sub NULL a member is kept whole; with sub, an object value keeps only
 * sub's members in turn (any other value is kept whole). */
struct kube_keep {
	const char *key;
	const struct kube_keep *sub;
};

/* Writes to out, which has room for len bytes, the JSON object
 * text[0..len) with only the members keep lists (and any member whose key
 * holds an escape or a control byte: its name is not its bytes), without
 * the whitespace between them. What is dropped is walked past (strings
 * and brackets), not judged: the parser judges what is kept. Returns the
 * length written, or 0 when text is not an object that can be walked.
 * Pure; bounded by len, whatever the input. */
size_t kube_prune(const char *text, size_t len, const struct kube_keep *keep,
    char *out);

/* --- watch event lines -------------------------------------------------- */

/* Splits a byte stream into lines of at most max bytes (excluding "\n"). */
struct kube_lines {
	char *buf;
	size_t len, cap, max;
	bool discarding;	/* skipping the rest of an overlong line */
};

void kube_lines_init(struct kube_lines *l, size_t max);
/* Forgets a partial line (a new stream), keeping the allocation. */
void kube_lines_reset(struct kube_lines *l);
/* Frees the allocation; l stays initialised with the same max. */
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

/* One decoded watch event. */
struct kube_event {
	enum kube_event_type type;
	cJSON *root;		/* the whole event, owned */
	const cJSON *object;	/* root.object */
	const char *rv;		/* metadata.resourceVersion (not ERROR) */
	int code;		/* ERROR: the Status code (0 if absent) */
	const char *message;	/* ERROR: the Status message, or NULL */
};

/* Decodes one event line, of its object only what keep lists (NULL: all;
 * an ERROR's Status always whole; see kube_prune). Returns 0 (ev owns
 * root until kube_event_free), or -1 with a message in err and nothing
 * owned (not UTF-8, not JSON, no known type, no object, an
 * ADDED/MODIFIED/DELETED/BOOKMARK object without
 * metadata.resourceVersion). */
int kube_event_decode(const char *line, size_t len,
    const struct kube_keep *keep, struct kube_event *ev, char *err,
    size_t errsz);
void kube_event_free(struct kube_event *ev);

/* --- what can be read of an object that cannot be decoded --------------- */

#define KUBE_NAME_MAX	253	/* a DNS subdomain, the longest name */

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

/* --- List replies --------------------------------------------------------- */

/* Decodes a List reply as it streams: each element of "items" is parsed
 * and handed over as soon as its last byte arrives, so memory is bounded by
 * the largest object, not the page. */
struct kube_listdec {
	const struct kube_keep *keep; /* what of each element to decode and
				 * check (kube_prune); NULL, as init sets
				 * it: all */
	char *rest;		/* the reply without its items: '"items":[]' */
	char *item;		/* the element being received */
	char *kept;		/* the element pruned by keep */
	size_t rest_len, rest_cap, item_len, item_cap, kept_cap, max;
	unsigned depth;
	bool in_str, esc;
	bool in_items;		/* inside the top-level "items" array */
	bool in_item;		/* inside an object element of it */
	bool item_over;		/* the element outgrew max: item holds its
				 * first max bytes, the rest is dropped */
};

void kube_listdec_init(struct kube_listdec *d, size_t max);
/* Starts a new reply, keeping the allocations. */
void kube_listdec_reset(struct kube_listdec *d);
/* Frees the allocations; d stays initialised with the same max. */
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

#endif
