/* libFuzzer target: the watch stream's line splitter and event decoder,
 * and the streaming list decoder. The first byte chooses how the rest is
 * cut into chunks; the result must not depend on the cut. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kube.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX 4096

struct sum {
	uint64_t hash;
	size_t n;
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

static int
on_line(void *arg, const char *line, size_t len)
{
	struct kube_event ev;
	char err[128];

	if (len > MAX)
		__builtin_trap();
	mix(arg, line, len);
	if (kube_event_decode(line, len, &ev, err, sizeof(err)) == 0) {
		if (ev.object == NULL || (ev.type != KUBE_ERROR && ev.rv == NULL))
			__builtin_trap();
		kube_event_free(&ev);
	}
	return 0;
}

static int
on_item(void *arg, const cJSON *item)
{
	char *s = cJSON_PrintUnformatted(item);

	if (s == NULL)
		__builtin_trap();
	mix(arg, s, strlen(s));
	free(s);
	return 0;
}

/* Feeds p[0..len) in chunks whose sizes come from seed. */
static void
run(const char *p, size_t len, unsigned seed, struct sum *lines,
    struct sum *items, int *lrc, int *irc)
{
	struct kube_lines l;
	struct kube_listdec d;
	size_t off = 0;
	cJSON *rest;

	kube_lines_init(&l, MAX);
	kube_listdec_init(&d, MAX);
	*lrc = *irc = 0;
	while (off < len) {
		size_t n = seed == 0 ? len - off : 1 + (seed * (off + 7)) % 97;
		int rc;

		if (n > len - off)
			n = len - off;
		if ((rc = kube_lines_feed(&l, p + off, n, on_line, lines)) != 0)
			*lrc = rc;
		if (*irc == 0)
			*irc = kube_listdec_feed(&d, p + off, n, on_item, items);
		if (l.cap > MAX || d.item_cap > MAX || d.rest_cap > MAX)
			__builtin_trap();
		off += n;
	}
	if (*irc == 0 && (rest = kube_listdec_finish(&d)) != NULL)
		cJSON_Delete(rest);
	kube_lines_free(&l);
	kube_listdec_free(&d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sum l1 = { 0 }, l2 = { 0 }, i1 = { 0 }, i2 = { 0 };
	int lrc1, lrc2, irc1, irc2;

	if (size < 1)
		return 0;
	run((const char *)data + 1, size - 1, 0, &l1, &i1, &lrc1, &irc1);
	run((const char *)data + 1, size - 1, data[0] | 1u, &l2, &i2, &lrc2, &irc2);
	/* Lines do not depend on the cut. Items do up to the first error (a
	 * chunked feed may deliver items of a chunk before the bad byte). */
	if (l1.hash != l2.hash || l1.n != l2.n || lrc1 != lrc2)
		__builtin_trap();
	if (irc1 != irc2 || (irc1 == 0 && (i1.hash != i2.hash || i1.n != i2.n)))
		__builtin_trap();
	return 0;
}
