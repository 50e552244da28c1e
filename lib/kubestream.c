/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kubestream.h"
#include "log.h"

/* Makes room for need bytes in *p, doubling, never beyond max. */
static int
grow(char **p, size_t *cap, size_t need, size_t max)
{
	size_t c = *cap != 0 ? *cap : 4096;
	char *n;

	if (need > max)
		return -1;
	while (c < need)
		c *= 2;
	if (c > max)
		c = max;
	if ((n = realloc(*p, c)) == NULL)
		return -1;
	*p = n;
	*cap = c;
	return 0;
}

int
kube_bytes_append(char **p, size_t *len, size_t *cap, const char *data,
    size_t n, size_t max)
{
	if (n > max || *len > max - n)
		return -1;
	if (*len + n > *cap && grow(p, cap, *len + n, max) < 0)
		return -1;
	memcpy(*p + *len, data, n);
	*len += n;
	return 0;
}

/* --- what can be read of an object that cannot be decoded --------------- */

/* Strict UTF-8 (RFC 3629): no overlong forms, surrogates, or code points
 * past U+10FFFF. JSON text must be UTF-8, and cJSON does not check. */
static bool
utf8_valid(const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text, *end = p + len;

	while (p < end) {
		unsigned c = *p++, n, min, cp;

		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, min = 0x80, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, min = 0x800, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, min = 0x10000, cp = c & 0x07;
		else
			return false;
		if ((size_t)(end - p) < n)
			return false;
		while (n-- > 0) {
			if ((*p & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (*p++ & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
	}
	return true;
}

/* A cursor over JSON text that may end anywhere. */
struct peek {
	const char *p, *end;
	unsigned depth;
};

/* Matches no key: a raw key never holds an unescaped quote. */
static const char *const peek_none[] = { "\"", NULL };

static void
peek_ws(struct peek *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
	    *s->p == '\r' || *s->p == '\n'))
		s->p++;
}

/* At a '"': the string's raw bytes (escapes left as they are). */
static int
peek_str(struct peek *s, const char **b, size_t *n)
{
	const char *q = ++s->p;

	while (q < s->end && *q != '"')
		if (*q++ == '\\' && q++ >= s->end)
			return -1;
	if (q >= s->end)
		return -1;
	*b = s->p;
	*n = (size_t)(q - s->p);
	s->p = q + 1;
	return 0;
}

/* Walks the value at s->p looking for the string at path (keys of nested
 * objects, NULL-terminated). Returns 1 with its raw bytes in *b, *n; 0 when
 * the value is complete and holds no such string; -1 where the text ends,
 * is malformed, or nests too deep to be worth reading. */
static int
peek_value(struct peek *s, const char *const *path, const char **b,
    size_t *n)
{
	const char *k, *start;
	size_t kn;
	int r;

	peek_ws(s);
	if (s->p >= s->end)
		return -1;
	if (*s->p == '"') {
		if (peek_str(s, b, n) < 0)
			return -1;
		return path[0] == NULL ? 1 : 0;
	}
	if (*s->p == '{' || *s->p == '[') {
		char close = *s->p == '{' ? '}' : ']';

		if (++s->depth > 32)
			return -1;
		for (s->p++;;) {
			const char *const *sub = peek_none;

			peek_ws(s);
			if (s->p >= s->end)
				return -1;
			if (*s->p == close) {
				s->p++;
				s->depth--;
				return 0;
			}
			if (close == '}') {
				if (*s->p != '"' || peek_str(s, &k, &kn) < 0)
					return -1;
				if (path[0] != NULL && strlen(path[0]) == kn &&
				    memcmp(path[0], k, kn) == 0)
					sub = path + 1;
				peek_ws(s);
				if (s->p >= s->end || *s->p++ != ':')
					return -1;
			}
			if ((r = peek_value(s, sub, b, n)) != 0)
				return r;
			peek_ws(s);
			if (s->p < s->end && *s->p == ',')
				s->p++;
		}
	}
	/* A number, true, false or null: at least one byte of it. */
	start = s->p;
	while (s->p < s->end && *s->p != '\0' &&
	    strchr(",}] \t\r\n", *s->p) == NULL)
		s->p++;
	return s->p < s->end && s->p > start ? 0 : -1;
}

/* Copies the string at path into out, or "" when it is absent or does not
 * fit. */
static void
peek_string(const char *text, size_t len, const char *const *path,
    char *out, size_t outsz)
{
	struct peek s = { text, text + len, 0 };
	const char *b;
	size_t n;

	out[0] = '\0';
	if (peek_value(&s, path, &b, &n) != 1 || n >= outsz)
		return;
	memcpy(out, b, n);
	out[n] = '\0';
}

/* Printable ASCII without a backslash: what names and versions are, and
 * what a JSON string means as it is written. */
static bool
plain(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s >= 0x7f || *s == '\\')
			return false;
	return true;
}

/* C-style escapes for anything but printable ASCII. */
static void
escape(const char *in, char *out, size_t outsz)
{
	size_t o = 0;

	for (; *in != '\0' && o + 5 < outsz; in++) {
		unsigned char c = (unsigned char)*in;

		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, outsz - o, "\\x%02x", c);
	}
	out[o] = '\0';
}

void
kube_bad_read(const char *text, size_t len, bool event, struct kube_bad *bad)
{
	static const char *const type[] = { "type", NULL };
	static const char *const name[][4] = {
		{ "metadata", "name", NULL },
		{ "object", "metadata", "name", NULL },
	};
	static const char *const rv[][4] = {
		{ "metadata", "resourceVersion", NULL },
		{ "object", "metadata", "resourceVersion", NULL },
	};
	char raw[sizeof(bad->name)];

	memset(bad, 0, sizeof(*bad));
	if (event)
		peek_string(text, len, type, bad->type, sizeof(bad->type));
	peek_string(text, len, name[event], raw, sizeof(raw));
	peek_string(text, len, rv[event], bad->rv, sizeof(bad->rv));
	escape(raw, bad->shown, sizeof(bad->shown));
	if (plain(raw))
		memcpy(bad->name, raw, sizeof(raw));
	if (!plain(bad->rv) || !plain(bad->type))
		bad->rv[0] = bad->type[0] = '\0';
}

/* --- what a decoder keeps of an object ---------------------------------- */

struct prune {
	const char *in, *end;
	char *out;
};

/* Whitespace as the parser takes it: any byte up to a space. */
static bool
prune_is_ws(char c)
{
	return (unsigned char)c <= ' ';
}

static void
prune_ws(struct prune *p)
{
	while (p->in < p->end && prune_is_ws(*p->in))
		p->in++;
}

/* Past the string at p->in (its opening quote); false if it never ends.
 * *odd says whether it holds a backslash or a control byte (a NUL ends
 * the key the parser sees): its meaning is not its bytes. */
static bool
prune_skip_str(struct prune *p, bool *odd)
{
	*odd = false;
	for (p->in++; p->in < p->end; p->in++) {
		if (*p->in == '"') {
			p->in++;
			return true;
		}
		if ((unsigned char)*p->in < 0x20)
			*odd = true;
		if (*p->in == '\\') {
			*odd = true;
			if (++p->in == p->end)
				return false;
		}
	}
	return false;
}

/* Past one value of any kind, nested ones counted, not recursed into. */
static bool
prune_skip_value(struct prune *p)
{
	const char *start = p->in;
	unsigned depth = 0;
	bool odd;

	if (p->in < p->end && *p->in != '{' && *p->in != '[' &&
	    *p->in != '"') {
		while (p->in < p->end && !prune_is_ws(*p->in) &&
		    *p->in != ',' && *p->in != '}' && *p->in != ']')
			p->in++;
		return p->in > start;
	}
	do {
		if (p->in >= p->end)
			return false;
		if (*p->in == '"') {
			if (!prune_skip_str(p, &odd))
				return false;
			continue;
		}
		if (*p->in == '{' || *p->in == '[')
			depth++;
		else if (*p->in == '}' || *p->in == ']')
			depth--;
		p->in++;
	} while (depth > 0);
	return true;
}

/* The entry of keep named by the key k[0..n), or NULL. */
static const struct kube_keep *
prune_find(const struct kube_keep *keep, const char *k, size_t n)
{
	for (; keep->key != NULL; keep++)
		if (strlen(keep->key) == n && memcmp(keep->key, k, n) == 0)
			return keep;
	return NULL;
}

/* Writes the input from from up to where it has been read, after a comma
 * unless it is the object's first member written. */
static void
prune_emit(struct prune *p, const char *from, bool *first)
{
	if (!*first)
		*p->out++ = ',';
	memmove(p->out, from, (size_t)(p->in - from));
	p->out += p->in - from;
	*first = false;
}

/* Copies the object at p->in (its '{') to p->out, keeping keep's members.
 * The output never outruns the input: a kept member costs at most the
 * bytes it had, its comma included. */
static bool
prune_object(struct prune *p, const struct kube_keep *keep)
{
	const struct kube_keep *k;
	const char *key;
	bool first = true, odd;

	*p->out++ = *p->in++;
	prune_ws(p);
	if (p->in < p->end && *p->in == '}') {
		*p->out++ = *p->in++;
		return true;
	}
	for (;;) {
		prune_ws(p);
		if (p->in >= p->end || *p->in != '"')
			return false;
		key = p->in;
		if (!prune_skip_str(p, &odd))
			return false;
		k = odd ? NULL : prune_find(keep, key + 1,
		    (size_t)(p->in - key - 2));
		prune_ws(p);
		if (p->in >= p->end || *p->in++ != ':')
			return false;
		prune_ws(p);
		if (k != NULL && k->sub != NULL && p->in < p->end &&
		    *p->in == '{') {
			prune_emit(p, key, &first);
			if (!prune_object(p, k->sub))
				return false;
		} else {
			if (!prune_skip_value(p))
				return false;
			if (k != NULL || odd)
				prune_emit(p, key, &first);
		}
		prune_ws(p);
		if (p->in < p->end && *p->in == ',') {
			p->in++;
			continue;
		}
		if (p->in < p->end && *p->in == '}') {
			*p->out++ = *p->in++;
			return true;
		}
		return false;
	}
}

size_t
kube_prune(const char *text, size_t len, const struct kube_keep *keep,
    char *out)
{
	struct prune p = { text, text + len, out };

	prune_ws(&p);
	if (p.in >= p.end || *p.in != '{' || !prune_object(&p, keep))
		return 0;
	return (size_t)(p.out - out);
}

/* --- watch event lines -------------------------------------------------- */

void
kube_lines_init(struct kube_lines *l, size_t max)
{
	*l = (struct kube_lines){ .max = max };
}

void
kube_lines_reset(struct kube_lines *l)
{
	l->len = 0;
	l->discarding = false;
}

void
kube_lines_free(struct kube_lines *l)
{
	free(l->buf);
	kube_lines_init(l, l->max);
}

static int
lines_emit(const char *line, size_t len,
    int (*fn)(void *, const char *, size_t, bool), void *arg)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	return len == 0 ? 0 : fn(arg, line, len, true);
}

/* Keeps data for the line being received; of a line over the bound, only
 * its first max bytes, and the rest is discarded. */
static void
lines_keep(struct kube_lines *l, const char *data, size_t len)
{
	if (l->discarding)
		return;
	if (l->len + len > l->max) {
		len = l->max - l->len;
		l->discarding = true;
	}
	if (kube_bytes_append(&l->buf, &l->len, &l->cap, data, len,
	    l->max) < 0)
		l->discarding = true;	/* no memory: lose the line */
}

int
kube_lines_feed(struct kube_lines *l, const char *data, size_t len,
    int (*fn)(void *, const char *, size_t, bool), void *arg)
{
	const char *end = data + len, *nl;
	int rc;
	size_t n;

	while (data < end) {
		if ((nl = memchr(data, '\n', (size_t)(end - data))) == NULL) {
			lines_keep(l, data, (size_t)(end - data));
			break;
		}
		n = (size_t)(nl - data);
		if (l->len == 0 && !l->discarding) {
			/* The common case: a whole line in a chunk, no copy. */
			rc = n > l->max ? fn(arg, data, l->max, false) :
			    lines_emit(data, n, fn, arg);
		} else {
			lines_keep(l, data, n);
			n = l->len;
			l->len = 0;
			if (l->discarding) {
				l->discarding = false;
				rc = fn(arg, l->buf, n, false);
			} else
				rc = lines_emit(l->buf, n, fn, arg);
		}
		if (rc != 0)
			return rc;
		data = nl + 1;
	}
	return 0;
}

/* --- streaming list decoder ----------------------------------------------- */

void
kube_listdec_init(struct kube_listdec *d, size_t max)
{
	*d = (struct kube_listdec){ .max = max };
}

void
kube_listdec_reset(struct kube_listdec *d)
{
	d->rest_len = d->item_len = 0;
	d->depth = 0;
	d->in_str = d->esc = d->in_items = d->in_item = d->item_over = false;
}

void
kube_listdec_free(struct kube_listdec *d)
{
	const struct kube_keep *keep = d->keep;

	free(d->rest);
	free(d->item);
	free(d->kept);
	kube_listdec_init(d, d->max);
	d->keep = keep;
}

/* Copies data[0..n) to the rest, the current item, or nowhere (separators
 * between elements, non-object elements). */
static int
listdec_keep(struct kube_listdec *d, const char *data, size_t n)
{
	if (n == 0 || (d->in_items && !d->in_item))
		return 0;
	if (d->in_item) {
		if (d->item_over)
			return 0;
		if (d->item_len + n > d->max) {
			/* Its first bytes name it; the rest streams past. */
			n = d->max - d->item_len;
			d->item_over = true;
		}
		return kube_bytes_append(&d->item, &d->item_len, &d->item_cap,
		    data, n, d->max);
	}
	return kube_bytes_append(&d->rest, &d->rest_len, &d->rest_cap, data,
	    n, d->max);
}

/* Whether the rest ends with '"items"' and a colon: the array about to
 * open is the list's items. */
static bool
listdec_at_items(const struct kube_listdec *d)
{
	size_t i = d->rest_len;

	while (i > 0 && strchr(" \t\r\n", d->rest[i - 1]) != NULL)
		i--;
	if (i == 0 || d->rest[--i] != ':')
		return false;
	while (i > 0 && strchr(" \t\r\n", d->rest[i - 1]) != NULL)
		i--;
	return i >= 7 && memcmp(d->rest + i - 7, "\"items\"", 7) == 0;
}

/* The element pruned by d->keep into d->kept, its length in *len; or the
 * element itself when there is no keep, no memory, or it cannot be
 * walked (the parser then says why). */
static const char *
listdec_kept(struct kube_listdec *d, size_t *len)
{
	size_t n;

	*len = d->item_len;
	if (d->keep == NULL || (d->item_len > d->kept_cap &&
	    grow(&d->kept, &d->kept_cap, d->item_len, d->max) < 0) ||
	    (n = kube_prune(d->item, d->item_len, d->keep, d->kept)) == 0)
		return d->item;
	*len = n;
	return d->kept;
}

/* Hands the element just completed to fn, decoded or as a bad one. */
static int
listdec_item(struct kube_listdec *d,
    int (*fn)(void *, const cJSON *, const struct kube_bad *), void *arg)
{
	struct kube_bad bad;
	cJSON *item = NULL;
	const char *text;
	size_t len;
	int rc;

	text = d->item_over ? NULL : listdec_kept(d, &len);
	if (text == NULL)
		bad.why = "too large";
	else if (!utf8_valid(text, len))
		bad.why = "not UTF-8";
	else if ((item = cJSON_ParseWithLength(text, len)) == NULL)
		bad.why = "not valid JSON";
	if (item != NULL)
		rc = fn(arg, item, NULL);
	else {
		const char *why = bad.why;

		kube_bad_read(d->item, d->item_len, false, &bad);
		bad.why = why;
		rc = fn(arg, NULL, &bad);
	}
	cJSON_Delete(item);
	return rc;
}

int
kube_listdec_feed(struct kube_listdec *d, const char *data, size_t len,
    int (*fn)(void *, const cJSON *, const struct kube_bad *), void *arg)
{
	const char *end = data + len, *run = data, *p;
	int rc;

	/* Bytes are copied in runs; only brackets outside strings change
	 * where the following bytes go. */
	for (p = data; p < end; p++) {
		char c = *p;

		if (d->in_str) {
			if (d->esc)
				d->esc = false;
			else if (c == '\\')
				d->esc = true;
			else if (c == '"')
				d->in_str = false;
			continue;
		}
		switch (c) {
		case '"':
			d->in_str = true;
			continue;
		case '{':
		case '[':
			if (d->depth == 1 && c == '[') {
				if (listdec_keep(d, run, (size_t)(p - run)) < 0)
					return -1;
				run = p;
				if (listdec_at_items(d)) {
					/* '[' to the rest, elements not. */
					if (listdec_keep(d, p, 1) < 0)
						return -1;
					run = p + 1;
					d->in_items = true;
				}
			} else if (d->in_items && d->depth == 2 && c == '{') {
				run = p;
				d->in_item = true;
				d->item_over = false;
				d->item_len = 0;
			}
			if (++d->depth > 1000)
				return -1;
			continue;
		case '}':
		case ']':
			if (d->depth == 0)
				return -1;
			d->depth--;
			if (d->in_item && d->depth == 2) {
				if (listdec_keep(d, run,
				    (size_t)(p + 1 - run)) < 0)
					return -1;
				run = p + 1;
				d->in_item = false;
				if ((rc = listdec_item(d, fn, arg)) != 0)
					return rc;
			} else if (d->in_items && d->depth == 1) {
				run = p;
				d->in_items = false;
			}
			continue;
		default:
			continue;
		}
	}
	return listdec_keep(d, run, (size_t)(end - run));
}

cJSON *
kube_listdec_finish(struct kube_listdec *d)
{
	if (d->depth != 0 || d->in_str || d->rest_len == 0)
		return NULL;
	return cJSON_ParseWithLength(d->rest, d->rest_len);
}

const char *
kube_status_message(const char *body, size_t len, char *out, size_t outsz)
{
	cJSON *root = cJSON_ParseWithLength(body != NULL ? body : "", len);
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(root, "message");

	snprintf(out, outsz, "%s", cJSON_IsString(msg) ? msg->valuestring :
	    "no Status message");
	cJSON_Delete(root);
	return out;
}

/* --- watch events ------------------------------------------------------- */

const char *
kube_event_type_name(enum kube_event_type t)
{
	static const char *const names[] = {
		[KUBE_ADDED] = "ADDED",
		[KUBE_MODIFIED] = "MODIFIED",
		[KUBE_DELETED] = "DELETED",
		[KUBE_BOOKMARK] = "BOOKMARK",
		[KUBE_ERROR] = "ERROR",
	};

	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

/* Parses the event line into ev->root: only its type and what keep lists
 * of its object, when keep is given and the line can be walked. Returns 0,
 * or -1 with err set. */
static int
event_parse(const char *line, size_t len, const struct kube_keep *keep,
    struct kube_event *ev, char *err, size_t errsz)
{
	const struct kube_keep top[] = {
		{ "type", NULL }, { "object", keep }, { NULL, NULL },
	};
	char *kept = NULL;
	size_t n;
	int r = -1;

	if (keep != NULL && (kept = malloc(len)) != NULL &&
	    (n = kube_prune(line, len, top, kept)) > 0) {
		line = kept;
		len = n;
	}
	if (!utf8_valid(line, len))
		seterr(err, errsz, "event is not UTF-8");
	else if ((ev->root = cJSON_ParseWithLength(line, len)) == NULL ||
	    !cJSON_IsObject(ev->root))
		seterr(err, errsz, "event is not a JSON object");
	else
		r = 0;
	free(kept);
	return r;
}

int
kube_event_decode(const char *line, size_t len, const struct kube_keep *keep,
    struct kube_event *ev, char *err, size_t errsz)
{
	const cJSON *type, *obj, *md, *rv, *code, *msg;
	unsigned t;

	*ev = (struct kube_event){ 0 };
	if (event_parse(line, len, keep, ev, err, errsz) < 0)
		goto fail;
	type = cJSON_GetObjectItemCaseSensitive(ev->root, "type");
	if (!cJSON_IsString(type)) {
		seterr(err, errsz, "event without a type");
		goto fail;
	}
	for (t = KUBE_ADDED; t <= KUBE_ERROR; t++)
		if (strcmp(type->valuestring, kube_event_type_name(t)) == 0)
			break;
	if (t > KUBE_ERROR) {
		seterr(err, errsz, "event of unknown type %.32s",
		    type->valuestring);
		goto fail;
	}
	ev->type = t;
	obj = cJSON_GetObjectItemCaseSensitive(ev->root, "object");
	if (!cJSON_IsObject(obj)) {
		seterr(err, errsz, "%s event without an object",
		    kube_event_type_name(t));
		goto fail;
	}
	ev->object = obj;
	if (t == KUBE_ERROR && keep != NULL) {
		/* A Status, not the kind keep was made for: read it whole. */
		kube_event_free(ev);
		return kube_event_decode(line, len, NULL, ev, err, errsz);
	}
	if (t == KUBE_ERROR) {
		code = cJSON_GetObjectItemCaseSensitive(obj, "code");
		msg = cJSON_GetObjectItemCaseSensitive(obj, "message");
		if (cJSON_IsNumber(code))
			ev->code = code->valueint;
		if (cJSON_IsString(msg))
			ev->message = msg->valuestring;
		return 0;
	}
	md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	rv = cJSON_GetObjectItemCaseSensitive(md, "resourceVersion");
	if (!cJSON_IsString(rv) || *rv->valuestring == '\0') {
		seterr(err, errsz, "%s event without metadata.resourceVersion",
		    kube_event_type_name(t));
		goto fail;
	}
	ev->rv = rv->valuestring;
	return 0;
fail:
	kube_event_free(ev);
	return -1;
}

void
kube_event_free(struct kube_event *ev)
{
	cJSON_Delete(ev->root);
	*ev = (struct kube_event){ 0 };
}
