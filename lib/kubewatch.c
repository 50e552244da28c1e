/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "kubewatch.h"
#include "log.h"
#include "util.h"

/* A watch the server did not end this long after its timeoutSeconds is
 * ended here (the server is wedged but its TCP alive). */
#define WATCH_GRACE_S		60
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
	ABORT_NOMEM,		/* a resource version could not be kept */
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
	struct kube_req req;
	enum step step;
	long status;
	int64_t started, last_byte;
	int64_t watch_end;	/* a watch's timeoutSeconds plus grace */
	enum abort_reason abort;
	char *errbody;		/* a non-200 reply, for the message */
	size_t errbody_len, errbody_cap;
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
	w->list.keep = w->o.keep;
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
	kube_req_free(&w->req);
	w->easy = NULL;
	w->errbody_len = 0;
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
	free(w->errbody);
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

/* Returns 0, or -1 on ENOMEM with *slot as it was. */
static int
set_str(char **slot, const char *s)
{
	char *d = s != NULL ? strdup(s) : NULL;

	if (s != NULL && d == NULL)
		return -1;
	free(*slot);
	*slot = d;
	return 0;
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

/* Returns 0, or -1 on ENOMEM (logged; the transfer is to be aborted with
 * ABORT_NOMEM). */
static int
set_rv(struct kube_watch *w, const char *rv)
{
	if (set_str(&w->rv, rv) < 0) {
		log_warnx("kube: %s: watch: out of memory for resource version "
		    "%s, relisting", w->path, rv);
		return -1;
	}
	if (w->cb.resource_version != NULL)
		w->cb.resource_version(w->arg, w->rv);
	return 0;
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
 * pass that on, as an object with only its name and version. Returns 0, or
 * -1 on ENOMEM (logged; nothing delivered). */
static int
deleted_stub(struct kube_watch *w, const struct kube_bad *bad)
{
	cJSON *obj = cJSON_CreateObject(), *md = cJSON_AddObjectToObject(obj,
	    "metadata");

	if (cJSON_AddStringToObject(md, "name", bad->name) == NULL ||
	    cJSON_AddStringToObject(md, "resourceVersion", bad->rv) == NULL) {
		log_warnx("kube: %s: watch: out of memory for a DELETED "
		    "event, relisting", w->path);
		cJSON_Delete(obj);
		return -1;
	}
	log_warnx("kube: %s: watch: object \"%s\" deleted (its event could "
	    "not be decoded: %s)", w->path, bad->shown, bad->why);
	w->cb.object(w->arg, KUBE_DELETED, obj);
	cJSON_Delete(obj);
	return 0;
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
	if (t == KUBE_DELETED) {
		if (deleted_stub(w, &bad) < 0)
			return 1;
	} else
		skip(w, t, &bad);
	return set_rv(w, bad.rv) < 0 ? 1 : 0;
}

static int
on_line(void *arg, const char *line, size_t len, bool whole)
{
	struct kube_watch *w = arg;
	struct kube_event ev;
	char err[128];
	int rc;

	if (!whole || kube_event_decode(line, len, w->o.keep, &ev, err,
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
	rc = set_rv(w, ev.rv);
	kube_event_free(&ev);
	if (rc < 0) {
		w->abort = ABORT_NOMEM;
		return 1;
	}
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
		kube_bytes_append(&w->errbody, &w->errbody_len,
		    &w->errbody_cap, p, n < ERR_BODY_MAX - w->errbody_len ? n :
		    ERR_BODY_MAX - w->errbody_len, ERR_BODY_MAX);
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

/* The token is re-read before a transfer once a minute, and after a 401
 * (force). A token that cannot be read leaves the old one in use. Returns 1
 * when it changed. */
static int
refresh(struct kube_watch *w, bool force)
{
	char err[512];
	int rc;

	if ((rc = kube_client_refresh(w->kc, force, err, sizeof(err))) < 0)
		log_warnx("kube: %s: keeping the old token", err);
	else if (rc > 0)
		log_info("kube: %s: token re-read", w->path);
	return rc;
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
	refresh(w, false);
	if (r < 0 || (w->easy = kube_req_new(w->kc, q, &w->req)) == NULL) {
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
		kube_req_free(&w->req);
		w->easy = NULL;
		schedule_backoff(w, w->step, 0);
	}
}

/* A page ended well; its items are delivered already. */
static void
page_done(struct kube_watch *w)
{
	const cJSON *md, *items, *rv, *cont;
	const char *bad = NULL;
	cJSON *root;
	bool more;

	w->stats.pages++;
	root = kube_listdec_finish(&w->list);
	items = cJSON_GetObjectItemCaseSensitive(root, "items");
	md = cJSON_GetObjectItemCaseSensitive(root, "metadata");
	rv = cJSON_GetObjectItemCaseSensitive(md, "resourceVersion");
	cont = cJSON_GetObjectItemCaseSensitive(md, "continue");
	/* Go encodes an empty slice as null. */
	more = cJSON_IsString(cont) && *cont->valuestring != '\0';
	if (!cJSON_IsObject(root) ||
	    (!cJSON_IsArray(items) && !cJSON_IsNull(items)) ||
	    !cJSON_IsString(rv) || *rv->valuestring == '\0' ||
	    (cont != NULL && !cJSON_IsString(cont) && !cJSON_IsNull(cont)))
		bad = "a reply that is not a list with metadata.resourceVersion";
	else if (set_str(&w->rv, rv->valuestring) < 0 ||
	    (more && set_str(&w->cont, cont->valuestring) < 0))
		bad = "out of memory, relisting";
	cJSON_Delete(root);
	if (bad != NULL) {
		log_warnx("kube: %s: list: %s", w->path, bad);
		w->stats.errors++;
		schedule_backoff(w, STEP_LIST, 0);
		return;
	}
	list_begin(w);
	if (more) {
		schedule(w, STEP_PAGE, 0);
		return;
	}
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
			kube_status_message(w->errbody, w->errbody_len, msg,
			    sizeof(msg));
	} else
		snprintf(msg, sizeof(msg), "%s", kube_req_error(&w->req, rc));
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
	case ABORT_NOMEM:
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
		if (refresh(w, true) > 0) {
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
