/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the watch stream's line splitter and event decoder,
 * and the streaming list decoder. The input is a split header, then the
 * stream: the first byte's low four bits count the header bytes that
 * follow, each the size of one chunk (0 meaning 256), used in turn. What
 * comes out must not depend on the cut, and neither may hold more than
 * its limit; likewise for the list decoder keeping only some members of
 * each item, and an event decoded whole keeps its type and version when
 * decoded pruned. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kubestream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small enough that the fuzzer reaches it; a trimmed Node is 1 KB. */
#define MAX 2048

struct sum {
	uint64_t hash;
	size_t n;
};

static const struct kube_keep keep_ann[] = { { "a", NULL }, { NULL, NULL } };
static const struct kube_keep keep_md[] = {
	{ "name", NULL }, { "resourceVersion", NULL },
	{ "annotations", keep_ann }, { NULL, NULL },
};
static const struct kube_keep keep_node[] = {
	{ "metadata", keep_md }, { "spec", NULL }, { NULL, NULL },
};

static void
mix(struct sum *s, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		s->hash = (s->hash ^ (uint8_t)p[i]) * 0x100000001b3ULL;
	s->hash = (s->hash ^ 0xff) * 0x100000001b3ULL;
	s->n++;
}

/* Whatever is read of a bad object is plain and NUL-terminated. */
static void
check_bad(const char *text, size_t len, bool event)
{
	struct kube_bad bad;

	kube_bad_read(text, len, event, &bad);
	if (strlen(bad.name) > KUBE_NAME_MAX || strlen(bad.rv) >= sizeof(bad.rv) ||
	    strchr(bad.name, '\\') != NULL || strchr(bad.shown, '\n') != NULL)
		__builtin_trap();
}

/* The event ev, decoded whole, decodes pruned too, to the same type,
 * version and Status. */
static void
check_pruned(const char *line, size_t len, const struct kube_event *ev)
{
	struct kube_event p;
	char err[128];

	if (kube_event_decode(line, len, keep_node, &p, err, sizeof(err)) != 0)
		__builtin_trap();
	if (p.type != ev->type || p.code != ev->code ||
	    (ev->rv == NULL) != (p.rv == NULL) ||
	    (ev->rv != NULL && strcmp(ev->rv, p.rv) != 0) ||
	    (ev->message == NULL) != (p.message == NULL) ||
	    (ev->message != NULL && strcmp(ev->message, p.message) != 0))
		__builtin_trap();
	kube_event_free(&p);
}

static int
on_line(void *arg, const char *line, size_t len, bool whole)
{
	struct kube_event ev;
	char err[128];

	if (len == 0 || len > MAX || memchr(line, '\n', len) != NULL ||
	    (!whole && len != MAX))
		__builtin_trap();
	mix(arg, line, len);
	check_bad(line, len, true);
	if (!whole)
		return 0;
	err[0] = '\0';
	if (kube_event_decode(line, len, NULL, &ev, err, sizeof(err)) == 0) {
		if (ev.object == NULL || (ev.type != KUBE_ERROR &&
		    (ev.rv == NULL || *ev.rv == '\0')))
			__builtin_trap();
		check_pruned(line, len, &ev);
		kube_event_free(&ev);
	} else if (err[0] == '\0' || ev.root != NULL) {
		__builtin_trap();	/* a bad event must say why, and own nothing */
	}
	return 0;
}

static int
on_item(void *arg, const cJSON *item, const struct kube_bad *bad)
{
	char *s;

	if (bad != NULL) {
		if (item != NULL || bad->why == NULL)
			__builtin_trap();
		mix(arg, bad->name, strlen(bad->name));
		return 0;
	}

	if (!cJSON_IsObject(item) || (s = cJSON_PrintUnformatted(item)) == NULL)
		__builtin_trap();
	mix(arg, s, strlen(s));
	free(s);
	return 0;
}

/* Feeds p[0..len) in chunks of the sizes in cut[0..ncut), or at once. */
static void
run(const char *p, size_t len, const uint8_t *cut, size_t ncut,
    const struct kube_keep *keep, struct sum *lines, struct sum *items,
    int *lrc, int *irc)
{
	struct kube_lines l;
	struct kube_listdec d;
	size_t off = 0, k = 0, n;
	cJSON *rest;
	char *s;
	int rc;

	kube_lines_init(&l, MAX);
	kube_listdec_init(&d, MAX);
	d.keep = keep;
	*lrc = *irc = 0;
	while (off < len) {
		n = ncut == 0 ? len - off : cut[k++ % ncut];
		if (n == 0)
			n = 256;
		if (n > len - off)
			n = len - off;
		if ((rc = kube_lines_feed(&l, p + off, n, on_line, lines)) != 0)
			*lrc = rc;
		if (*irc == 0)
			*irc = kube_listdec_feed(&d, p + off, n, on_item, items);
		if (l.len > MAX || l.cap > MAX || d.item_cap > MAX ||
		    d.rest_cap > MAX || d.kept_cap > MAX)
			__builtin_trap();
		off += n;
	}
	/* What is left of the list, its metadata, belongs to the result. */
	if (*irc == 0 && (rest = kube_listdec_finish(&d)) != NULL) {
		if ((s = cJSON_PrintUnformatted(rest)) == NULL)
			__builtin_trap();
		mix(items, s, strlen(s));
		free(s);
		cJSON_Delete(rest);
	}
	kube_lines_free(&l);
	kube_listdec_free(&d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct kube_keep *keep;
	struct sum l1, l2, i1, i2;
	int lrc1, lrc2, irc1, irc2;
	size_t ncut;

	if (size < 1 || (ncut = data[0] & 15) >= size)
		return 0;
	data += 1 + ncut;
	size -= 1 + ncut;
	for (keep = NULL;; keep = keep_node) {
		l1 = l2 = i1 = i2 = (struct sum){ 0 };
		run((const char *)data, size, NULL, 0, keep, &l1, &i1, &lrc1,
		    &irc1);
		run((const char *)data, size, data - ncut, ncut, keep, &l2,
		    &i2, &lrc2, &irc2);
		/* Items up to a bad byte are handed over in either case: an
		 * overlong element or remainder is caught before the next
		 * element starts. */
		if (l1.hash != l2.hash || l1.n != l2.n || lrc1 != lrc2 ||
		    i1.hash != i2.hash || i1.n != i2.n || irc1 != irc2)
			__builtin_trap();
		if (keep != NULL)
			return 0;
	}
}
