#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "log.h"
#include "state.h"

#define BAD_STATE "decoding failed"

static int
parse_cidrs(const cJSON *list, const char *name, struct ranges *r,
    struct cni_error *e)
{
	const cJSON *it;
	char buf[ADDR_STRLEN];

	if (!cJSON_IsArray(list))
		return cni_fail(e, CNI_ERR_DECODE, BAD_STATE,
		    "%s: cidrs: not a list", name);
	cJSON_ArrayForEach(it, list) {
		struct cidr c;
		size_t i;

		if (!cJSON_IsString(it) || cidr_parse(it->valuestring,
		    strlen(it->valuestring), &c, NULL) < 0)
			return cni_fail(e, CNI_ERR_DECODE, BAD_STATE,
			    "%s: cidrs: an item is not a CIDR", name);
		for (i = 0; i < r->n; i++)
			if (r->cidr[i].addr.family == c.addr.family)
				break;
		if (i < r->n) {
			log_warnx("%s: cidrs: %s ignored, one range per "
			    "family", name, cidr_format(&c, buf));
			continue;
		}
		r->cidr[r->n++] = c;
	}
	return 0;
}

int
state_parse(const char *buf, size_t len, const char *name, struct state *st,
    struct cni_error *e)
{
	const cJSON *it;

	memset(st, 0, sizeof(*st));
	st->root = cJSON_ParseWithLength(buf, len);
	if (!cJSON_IsObject(st->root)) {
		cni_fail(e, CNI_ERR_DECODE, BAD_STATE,
		    "%s: not a JSON object", name);
		goto fail;
	}
	it = cJSON_GetObjectItemCaseSensitive(st->root, "network");
	if (!cJSON_IsString(it)) {
		cni_fail(e, CNI_ERR_DECODE, BAD_STATE,
		    "%s: network: missing or not a string", name);
		goto fail;
	}
	st->network = it->valuestring;
	it = cJSON_GetObjectItemCaseSensitive(st->root, "node");
	if (!cJSON_IsString(it)) {
		cni_fail(e, CNI_ERR_DECODE, BAD_STATE,
		    "%s: node: missing or not a string", name);
		goto fail;
	}
	st->node = it->valuestring;
	it = cJSON_GetObjectItemCaseSensitive(st->root, "annotation");
	if (cJSON_IsString(it))
		st->annotation = it->valuestring;
	else if (!cJSON_IsNull(it)) {
		cni_fail(e, CNI_ERR_DECODE, BAD_STATE,
		    "%s: annotation: missing or not a string or null", name);
		goto fail;
	}
	if (parse_cidrs(cJSON_GetObjectItemCaseSensitive(st->root, "cidrs"),
	    name, &st->ranges, e) < 0)
		goto fail;
	return 0;

fail:
	state_free(st);
	return -1;
}

void
state_free(struct state *st)
{
	cJSON_Delete(st->root);
	memset(st, 0, sizeof(*st));
}

/* Returns 1 read, 0 gone, -1 other error with errno set. */
static int
state_load(const char *path, struct state *st, struct cni_error *e)
{
	size_t len;
	char *buf;
	int ret;

	if ((buf = file_read(path, STATE_MAX, &len)) == NULL)
		return errno == ENOENT ? 0 : -1;
	ret = state_parse(buf, len, path, st, e) < 0 ? -1 : 1;
	free(buf);
	return ret;
}

static int
json_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	/* Dot files are the atomic writer's temporaries. */
	return d->d_name[0] != '.' && n > 5 &&
	    strcmp(d->d_name + n - 5, ".json") == 0;
}

/* Calls fn, which owns st from then on, for every state file in dir that
 * parses, in name order, until fn returns non-zero. A file that does not
 * parse is logged and skipped: a broken file of another network must not
 * stop this one. Returns fn's last value, or -1 with e set when dir cannot
 * be read (a missing dir has no files). */
static int
state_each(const char *dir, int (*fn)(struct state *st, void *arg),
    void *arg, struct cni_error *e)
{
	struct dirent **names;
	char path[PATH_MAX];
	int i, n, ret = 0;

	if ((n = scandir(dir, &names, json_file, alphasort)) < 0) {
		if (errno == ENOENT)
			return 0;
		return cni_fail(e, CNI_ERR_IO, "I/O error", "%s: %s", dir,
		    strerror(errno));
	}
	for (i = 0; i < n && ret == 0; i++) {
		struct cni_error ignored = { 0 };
		struct state st;
		int r;

		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    names[i]->d_name) >= sizeof(path))
			continue;
		r = state_load(path, &st, &ignored);
		if (r < 0 && ignored.code == 0)
			log_warn("%s: skipped", path);
		else if (r < 0)
			log_warnx("%s, skipped", ignored.details);
		if (r > 0)
			ret = fn(&st, arg);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

static bool
same_annotation(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

struct search {
	const struct cniconf *c;
	struct state first;	/* the first match */
	struct state named;	/* the match named like the CNI network */
	char other[256];	/* a second match's network, if any */
};

static int
search_match(struct state *st, void *arg)
{
	struct search *s = arg;

	if (!same_annotation(s->c->annotation, st->annotation))
		state_free(st);
	else if (s->named.root == NULL && strcmp(st->network, s->c->name) == 0)
		s->named = *st;
	else if (s->first.root == NULL)
		s->first = *st;
	else {
		snprintf(s->other, sizeof(s->other), "%s", st->network);
		state_free(st);
	}
	return 0;
}

static int
state_search(const struct cniconf *c, struct state *st, struct cni_error *e)
{
	struct search s = { .c = c };
	int ret = 1;

	if (state_each(c->state_dir, search_match, &s, e) < 0)
		return -1;
	/* Several networks with one annotation: only the one named like the
	 * CNI network is an unambiguous choice. */
	if (s.named.root != NULL) {
		*st = s.named;
		state_free(&s.first);
	} else if (s.other[0] != '\0') {
		ret = cni_fail(e, CNI_ERR_INVALID_CONFIG,
		    "invalid configuration", "networks %s and %s both have "
		    "annotation %s: set ipam.network", s.first.network,
		    s.other, c->annotation != NULL ? c->annotation : "null");
		state_free(&s.first);
	} else if (s.first.root != NULL) {
		*st = s.first;
	} else {
		ret = 0;
	}
	return ret;
}

struct node_name {
	char *buf;
	size_t size;
};

static int
copy_node(struct state *st, void *arg)
{
	struct node_name *out = arg;
	int fits;

	fits = (size_t)snprintf(out->buf, out->size, "%s", st->node) <
	    out->size;
	state_free(st);
	return fits ? 1 : 0;
}

int
state_node(const char *dir, char *buf, size_t size)
{
	struct cni_error ignored = { 0 };
	struct node_name out = { buf, size };

	return state_each(dir, copy_node, &out, &ignored) > 0 ? 0 : -1;
}

int
state_find(const struct cniconf *c, struct state *st, struct cni_error *e)
{
	char path[PATH_MAX];
	int r;

	if (c->network == NULL)
		return state_search(c, st, e);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.json", c->state_dir,
	    c->network) >= sizeof(path))
		return cni_fail(e, CNI_ERR_INVALID_CONFIG,
		    "invalid configuration", "ipam.stateDir: too long");
	r = state_load(path, st, e);
	if (r < 0 && e->code == 0)
		return cni_fail(e, CNI_ERR_IO, "I/O error", "%s: %s", path,
		    strerror(errno));
	if (r > 0 && strcmp(st->network, c->network) != 0)
		log_warnx("%s: network is \"%s\", not \"%s\"", path,
		    st->network, c->network);
	return r;
}
