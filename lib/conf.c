/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <ini.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "conf.h"
#include "kname.h"
#include "policy.h"
#include "util.h"

#define CONF_SIZE_MAX		(1024 * 1024)
#define CONF_LINE_MAX		4096
#define CONF_ERRORS_MAX		100
#define PATH_LEN_MAX		1024
#define DEFAULT_USER		"xcni"
#define DEFAULT_PROTOCOL	202
#define DEFAULT_BRIDGE		"cbr0"
#define RT_TABLE_MAIN		254
#define RT_TABLE_LOCAL		255
#define IFNAME_MAX		15

enum gkey {
	G_NODE_NAME, G_KUBECONFIG, G_USER, G_STATE_DIR, G_CNI_CONF_DIR,
	G_CNI_BIN_DIR, G_LOG_LEVEL, G_COUNT
};

enum nkey {
	N_CIDR_ANNOTATION, N_ADDRESS_ANNOTATION, N_PROTOCOL, N_TABLE, N_METRIC,
	N_MTU, N_CNI_CONF, N_BRIDGE, N_IPAM_DATA_DIR, N_ALLOWED_CIDRS,
	N_MIN_PREFIX_V4, N_MIN_PREFIX_V6, N_COUNT
};

#define KEYS_MAX N_COUNT
_Static_assert((int)G_COUNT <= (int)KEYS_MAX, "room for every key");

static const char *const gkey_names[G_COUNT] = {
	"node-name", "kubeconfig", "user", "state-dir", "cni-conf-dir",
	"cni-bin-dir", "log-level",
};

static const char *const nkey_names[N_COUNT] = {
	"cidr-annotation", "address-annotation", "protocol", "table",
	"metric", "mtu", "cni-conf", "bridge", "ipam-data-dir",
	"allowed-cidrs", "min-prefix-v4", "min-prefix-v6",
};

/* iproute2's rt_protos: numbers routing daemons put on their routes. A
 * worker deletes every route of its protocol, so sharing one with a daemon
 * deletes that daemon's routes. */
static const struct {
	unsigned number;
	const char *name;
} daemon_protos[] = {
	{ 8, "gated" }, { 9, "ra" }, { 10, "mrt" }, { 11, "zebra" },
	{ 12, "bird" }, { 13, "dnrouted" }, { 14, "xorp" }, { 15, "ntk" },
	{ 16, "dhcp" }, { 18, "keepalived" }, { 42, "babel" }, { 99, "openr" },
	{ 186, "bgp" }, { 187, "isis" }, { 188, "ospf" }, { 189, "rip" },
	{ 192, "eigrp" },
};

struct slot {
	char *value;		/* as inih gave it; NULL: key absent */
	unsigned line;
};

struct section {
	char *name;
	unsigned line;
	bool global;
	bool ignore;		/* bad or repeated header: checked only */
	bool primary;		/* no cidr-annotation: spec.podCIDRs */
	struct slot slot[KEYS_MAX];
};

struct diag {
	unsigned line;
	unsigned seq;
	bool warning;
	char *msg;
};

struct parser {
	const char *name;
	const char *text;
	size_t len, pos;
	unsigned line;
	bool key_pending;	/* key line given to inih, no handler call */
	bool stop;		/* after a NUL byte: not text, read no more */
	struct section *sects;
	size_t n_sects;
	struct section *cur;	/* the last header's; NULL before any */
	struct diag *diags;
	size_t n_diags;
	unsigned n_errors;
	unsigned n_dropped;
	/* From the environment: diagnostics name the origin of a value
	 * (origins[line]) instead of a line, and no worker user is needed
	 * (no supervisor starts the worker). */
	const char *const *origins;
	bool nomem;		/* an allocation failed */
};

/* A value shown in a message, cut short so a 4 KB line stays readable. */
struct shown {
	char s[72];
};

/* The allocators of the parser: a failure marks p out of memory and
 * returns NULL (ptr untouched); parsing goes on as best it can, and the
 * result is one error, "out of memory", nothing half-made. */
static void *
xrealloc(struct parser *p, void *ptr, size_t n, size_t size)
{
	void *r = NULL;

	if (size == 0 || n <= SIZE_MAX / size)
		r = realloc(ptr, n * size);
	if (r == NULL && n * size != 0)
		p->nomem = true;
	return r;
}

/* NULL for NULL: a value whose allocation failed stays missing. */
static char *
xstrdup(struct parser *p, const char *s)
{
	char *d = s != NULL ? strdup(s) : NULL;

	if (d == NULL)
		p->nomem = true;
	return d;
}

static char *
xasprintf(struct parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static char *
xasprintf(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		p->nomem = true;
		s = NULL;
	}
	va_end(ap);
	return s;
}

/* Control characters (which only the environment can put in a value) are
 * shown as \xHH, so a message stays one line. */
static struct shown
show(const char *v)
{
	const unsigned char *c = (const unsigned char *)v;
	size_t k = 0, cut = 0, max = sizeof(((struct shown *)0)->s) - 1;
	struct shown r;

	for (; *c != '\0'; c++) {
		bool ctl = *c < 0x20 || *c == 0x7f;

		if (k + (ctl ? 4 : 1) > max) {
			memcpy(r.s + cut, "...", 4);
			return r;
		}
		/* Cut before a character, never inside one. */
		if ((*c & 0xc0) != 0x80 && k + 3 <= max)
			cut = k;
		if (ctl)
			k += (size_t)snprintf(r.s + k, 5, "\\x%02x", *c);
		else
			r.s[k++] = (char)*c;
	}
	r.s[k] = '\0';
	return r;
}

static void diag_at(struct parser *, unsigned, bool, const char *, ...)
    __attribute__((format(printf, 4, 5)));

/* Records an error or a warning about line (0: the whole file). */
static void
diag_at(struct parser *p, unsigned line, bool warning, const char *fmt, ...)
{
	struct diag *d;
	va_list ap;
	char *msg;
	int r;

	if (!warning)
		p->n_errors++;
	if (p->n_diags >= CONF_ERRORS_MAX) {
		p->n_dropped++;
		return;
	}
	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0) {
		p->nomem = true;
		return;
	}
	if ((d = xrealloc(p, p->diags, p->n_diags + 1, sizeof(*d))) == NULL) {
		free(msg);
		return;
	}
	p->diags = d;
	d = &p->diags[p->n_diags];
	d->line = line;
	d->seq = (unsigned)p->n_diags++;
	d->warning = warning;
	d->msg = msg;
}

#define error_at(p, line, ...)		diag_at(p, line, false, __VA_ARGS__)
#define warning_at(p, line, ...)	diag_at(p, line, true, __VA_ARGS__)

static int
diag_cmp(const void *a, const void *b)
{
	const struct diag *x = a, *y = b;
	/* Messages about the whole file (line 0) come last. */
	unsigned lx = x->line - 1, ly = y->line - 1;

	if (lx != ly)
		return lx < ly ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
diag_flush(struct parser *p, FILE *err)
{
	size_t i;

	if (p->nomem) {
		/* What was found may be made up by what went missing. */
		if (err != NULL)
			fprintf(err, "%s: out of memory\n", p->name);
		err = NULL;
	}
	if (p->n_diags > 0)
		qsort(p->diags, p->n_diags, sizeof(*p->diags), diag_cmp);
	for (i = 0; i < p->n_diags; i++) {
		const struct diag *d = &p->diags[i];

		if (err != NULL && d->line > 0 && p->origins != NULL)
			fprintf(err, "%s: %s: %s%s\n", p->name,
			    p->origins[d->line], d->warning ? "warning: " : "",
			    d->msg);
		else if (err != NULL && d->line > 0)
			fprintf(err, "%s:%u: %s%s\n", p->name, d->line,
			    d->warning ? "warning: " : "", d->msg);
		else if (err != NULL)
			fprintf(err, "%s: %s%s\n", p->name,
			    d->warning ? "warning: " : "", d->msg);
		free(d->msg);
	}
	if (err != NULL && p->n_dropped > 0)
		fprintf(err, "%s: %u more problems not shown\n", p->name,
		    p->n_dropped);
	free(p->diags);
	p->diags = NULL;
	p->n_diags = 0;
}

/* --- lexical checks ------------------------------------------------------- */

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Offset of the first byte that is not printable UTF-8 text (tab allowed),
 * or n. */
static size_t
text_check(const unsigned char *s, size_t n)
{
	size_t i = 0, k, need;
	uint32_t cp, min;

	while (i < n) {
		unsigned c = s[i];

		if (c < 0x80) {
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return i;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1, cp = c & 0x1f, min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2, cp = c & 0x0f, min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3, cp = c & 0x07, min = 0x10000;
		} else
			return i;
		if (n - i <= need)
			return i;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += need + 1;
	}
	return n;
}

/* Whether s[0..n) is all A-Z a-z 0-9 - . _, the characters of the names
 * below. */
static bool
name_chars_valid(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_alnum(s[i]) && strchr("-._", s[i]) == NULL)
			return false;
	return true;
}

/* [prefix/]name: prefix a DNS subdomain, name 1..63 of [-._a-zA-Z0-9]
 * starting and ending with an alphanumeric. */
static bool
annotation_key_valid(const char *s)
{
	const char *slash = strchr(s, '/');
	const char *name = slash != NULL ? slash + 1 : s;
	size_t n = strlen(name);

	if (slash != NULL && !kname_subdomain_valid(s, (size_t)(slash - s)))
		return false;
	return n > 0 && n <= 63 && is_alnum(name[0]) && is_alnum(name[n - 1]) &&
	    name_chars_valid(name, n);
}

/* What libcni accepts as a network name, capped like a DNS label. */
static bool
network_name_valid(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 63 && is_alnum(s[0]) && name_chars_valid(s, n);
}

static bool
ifname_valid(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= IFNAME_MAX && strcmp(s, ".") != 0 &&
	    strcmp(s, "..") != 0 && name_chars_valid(s, n);
}

static bool
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && strcmp(s + n - k, suffix) == 0;
}

static bool
conf_file_name_valid(const char *s)
{
	size_t n = strlen(s);

	return s[0] != '.' && n <= 255 && name_chars_valid(s, n) &&
	    (has_suffix(s, ".conflist") || has_suffix(s, ".conf"));
}

/* Absolute, no blanks or control characters (so the printed file reads
 * back the same), no "." or ".." component (so a prefix check means what
 * it says). */
static bool
path_valid(const char *s)
{
	const char *c;
	size_t n = strlen(s);

	if (s[0] != '/' || n > PATH_LEN_MAX ||
	    text_check((const unsigned char *)s, n) < n)
		return false;
	for (c = s; *c != '\0'; c++)
		if (*c == ' ' || *c == '\t')
			return false;
	for (c = s; c != NULL; c = strchr(c + 1, '/')) {
		if (strncmp(c, "/./", 3) == 0 || strcmp(c, "/.") == 0 ||
		    strncmp(c, "/../", 4) == 0 || strcmp(c, "/..") == 0)
			return false;
	}
	return true;
}

/* Decimal only: "0x10" and "-1" are mistakes, not numbers. */
static bool
uint_parse(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (s[0] == '\0' || strlen(s) > 10)
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (!is_digit(s[i]))
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* --- reading: inih with a reader that counts lines ------------------------ */

/* Returns the new section, or NULL when memory ran out. */
static struct section *
section_add(struct parser *p, const char *name, unsigned line, bool ignore)
{
	struct section *s;
	char *copy;

	if ((s = xrealloc(p, p->sects, p->n_sects + 1, sizeof(*s))) == NULL)
		return NULL;
	p->sects = s;
	if ((copy = xstrdup(p, name)) == NULL)
		return NULL;
	s = &p->sects[p->n_sects++];
	memset(s, 0, sizeof(*s));
	s->name = copy;
	s->line = line;
	s->global = strcmp(name, "global") == 0;
	s->ignore = ignore;
	return s;
}

static struct section *
section_find(struct parser *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n_sects; i++)
		if (!p->sects[i].ignore && strcmp(p->sects[i].name, name) == 0)
			return &p->sects[i];
	return NULL;
}

/* inih does not tell about section headers (and cuts their names at 50
 * bytes), so headers are read here and never reach it. */
static void
section_begin(struct parser *p, const char *s, size_t n)
{
	const char *close = memchr(s, ']', n);
	const char *rest;
	struct section *first;
	char *name;
	bool bad = false;

	if (close == NULL) {
		error_at(p, p->line, "section header without \"]\"");
		p->cur = section_add(p, "", p->line, true);
		return;
	}
	if ((name = xasprintf(p, "%.*s", (int)(close - s - 1), s + 1)) ==
	    NULL) {
		p->cur = NULL;
		return;
	}
	for (rest = close + 1; rest < s + n; rest++) {
		if (*rest == ';' || *rest == '#')
			break;
		if (*rest != ' ' && *rest != '\t') {
			/* The name is clear: keep the section. */
			error_at(p, p->line, "text after \"[%s]\"; only a "
			    "comment may follow a section header",
			    show(name).s);
			break;
		}
	}
	first = section_find(p, name);
	if (first != NULL) {
		error_at(p, p->line, "duplicate section [%s] (first on line "
		    "%u)", show(name).s, first->line);
		bad = true;
	} else if (strcmp(name, "global") != 0 &&
	    strcasecmp(name, "global") == 0) {
		error_at(p, p->line, "section [%s]: did you mean [global]?",
		    name);
		bad = true;
	} else if (strcmp(name, "global") != 0 && !network_name_valid(name)) {
		error_at(p, p->line, "network name \"%s\" is not allowed; use "
		    "1..63 of A-Z a-z 0-9 _ . - starting with a letter or "
		    "digit", show(name).s);
		bad = true;
	}
	p->cur = section_add(p, name, p->line, bad);
	free(name);
}

static char *
conf_reader(char *str, int num, void *stream)
{
	struct parser *p = stream;
	size_t limit = (size_t)num - 3, n, bad;
	const char *s, *nl;

	if (p->key_pending)
		error_at(p, p->line, "expected \"key = value\", \"[section]\" "
		    "or a comment");
	p->key_pending = false;
	if (p->stop || p->pos >= p->len)
		return NULL;
	s = p->text + p->pos;
	nl = memchr(s, '\n', p->len - p->pos);
	n = nl != NULL ? (size_t)(nl - s) : p->len - p->pos;
	p->pos += n + (nl != NULL);
	p->line++;
	str[0] = '\0';
	if (limit > CONF_LINE_MAX)
		limit = CONF_LINE_MAX;
	if (p->line == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		n -= 3;
	}
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (memchr(s, '\0', n) != NULL) {
		error_at(p, p->line, "NUL byte: this is not a text file");
		p->stop = true;
		return str;
	}
	if (n > limit) {
		error_at(p, p->line, "line too long (%zu bytes, at most %zu)",
		    n, limit);
		return str;
	}
	if ((bad = text_check((const unsigned char *)s, n)) < n) {
		error_at(p, p->line, "byte 0x%02x in column %zu: the file must "
		    "be UTF-8 text without control characters",
		    (unsigned char)s[bad], bad + 1);
		return str;
	}
	/* Leading blanks would make inih join the line to the previous
	 * value; a continued value is a mistake here, so strip them. */
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (n == 0 || *s == ';' || *s == '#')
		return str;
	if (*s == '[') {
		section_begin(p, s, n);
		return str;
	}
	memcpy(str, s, n);
	str[n] = '\0';
	p->key_pending = true;
	return str;
}

static int
key_index(const char *const *names, size_t count, const char *name)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

static char *
key_list(struct parser *p, const char *const *names, size_t count)
{
	size_t i, len = 0;
	char *s;

	for (i = 0; i < count; i++)
		len += strlen(names[i]) + 2;
	if ((s = xrealloc(p, NULL, len + 1, 1)) == NULL)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < count; i++) {
		if (i > 0)
			strcat(s, ", ");
		strcat(s, names[i]);
	}
	return s;
}

static int
conf_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct parser *p = user;
	struct section *s = p->cur;
	const char *const *names;
	size_t count;
	char *list;
	int k;

	p->key_pending = false;
	if (*name == '\0') {
		error_at(p, p->line, "missing key name before \"=\"");
		return 1;
	}
	if (s == NULL) {
		error_at(p, p->line, "key \"%s\" outside a section; keys "
		    "belong under [global] or a [NETWORK] header",
		    show(name).s);
		return 1;
	}
	names = s->global ? gkey_names : nkey_names;
	count = s->global ? G_COUNT : N_COUNT;
	k = key_index(names, count, name);
	if (k < 0) {
		if ((list = key_list(p, names, count)) == NULL)
			return 1;
		error_at(p, p->line, "unknown key \"%s\" in %s; allowed: %s",
		    show(name).s, s->global ? "[global]" : "a network section",
		    list);
		free(list);
		return 1;
	}
	if (s->slot[k].value != NULL) {
		error_at(p, p->line, "duplicate key \"%s\" (first set on line "
		    "%u)", name, s->slot[k].line);
		return 1;
	}
	s->slot[k].value = xstrdup(p, value);
	s->slot[k].line = p->line;
	return 1;
}

/* --- values --------------------------------------------------------------- */

/* ${NAME} from the environment, $$ for a literal $. Returns 1 with *out set
 * to the expanded value, 0 when the key is absent or empty (the default
 * applies), -1 after reporting an error. */
static int
value_get(struct parser *p, const struct slot *sl, const char *key,
    char **out)
{
	const char *v = sl->value, *c, *end;
	char *buf = NULL, *name, *env;
	size_t size = 0;
	FILE *f;
	bool bad = false;

	*out = NULL;
	if (v == NULL || *v == '\0')
		return 0;
	if ((f = open_memstream(&buf, &size)) == NULL) {
		p->nomem = true;
		return -1;
	}
	for (c = v; *c != '\0'; c++) {
		if (*c != '$') {
			putc(*c, f);
			continue;
		}
		if (c[1] == '$') {
			putc('$', f);
			c++;
			continue;
		}
		end = c + 1;
		if (*end == '{')
			while (is_alnum(*++end) || *end == '_')
				;
		if (c[1] != '{' || *end != '}' || end == c + 2 ||
		    is_digit(c[2])) {
			error_at(p, sl->line, "%s: \"$\" must start ${NAME} "
			    "(NAME of letters, digits and _); write $$ for a "
			    "literal $", key);
			bad = true;
			continue;
		}
		if ((name = xasprintf(p, "%.*s", (int)(end - c - 2), c + 2)) ==
		    NULL) {
			bad = true;
			break;
		}
		if ((env = getenv(name)) == NULL) {
			error_at(p, sl->line, "%s: ${%s} is not set in the "
			    "environment", key, name);
			bad = true;
		} else
			fputs(env, f);
		free(name);
		c = end;
	}
	if (fclose(f) != 0) {
		p->nomem = true;
		free(buf);
		return -1;
	}
	/* The file's own text was checked line by line; what the
	 * environment put in is checked here, or a newline in a path would
	 * pass --check and then break the file a worker is sent. */
	if (!bad && text_check((const unsigned char *)buf, size) < size) {
		error_at(p, sl->line, "%s: the environment put a control "
		    "character or bytes that are not UTF-8 text in the value; "
		    "values must be UTF-8 text without control characters",
		    key);
		bad = true;
	}
	if (bad || *buf == '\0') {
		free(buf);
		return bad ? -1 : 0;
	}
	*out = buf;
	return 1;
}

static bool
path_get(struct parser *p, const struct slot *sl, const char *key,
    const char *dflt, char **out)
{
	char *v;
	int r = value_get(p, sl, key, &v);

	if (r < 0)
		return false;
	if (r == 0) {
		*out = xstrdup(p, dflt);
		return true;
	}
	if (!path_valid(v)) {
		error_at(p, sl->line, "%s: \"%s\" is not allowed; use an "
		    "absolute path of at most %d bytes without blanks, \".\" "
		    "or \"..\"", key, show(v).s, PATH_LEN_MAX);
		free(v);
		return false;
	}
	*out = v;
	return true;
}

/* What state-dir and cni-conf-dir must not be: the supervisor makes,
 * chowns to the worker's user and empties state-dir/NETWORK, and writes
 * and removes files in cni-conf-dir. */
static const char *const system_dirs[] = {
	"/", "/etc", "/home", "/media", "/mnt", "/opt", "/root", "/run",
	"/srv", "/tmp", "/var", "/var/cache", "/var/lib", "/var/lib/cni",
	"/var/log", "/var/run", "/var/spool", "/var/tmp",
};
/* Trees that hold neither: at or below them is refused. */
static const char *const system_trees[] = {
	"/bin", "/boot", "/dev", "/lib", "/lib32", "/lib64", "/libx32",
	"/proc", "/sbin", "/sys", "/usr",
};

/* Whether path[0..n) is dir, or below it when below is true. */
static bool
path_is(const char *path, size_t n, const char *dir, bool below)
{
	size_t k = strlen(dir);

	if (strncmp(path, dir, k) != 0)
		return false;
	return n == k || (below && path[k] == '/');
}

/* The system directory path is, or is below (*below tells); NULL when
 * none. With state, nothing below /etc either (its subdirectories have
 * owners of their own). */
static const char *
system_place(const char *path, bool state, bool *below)
{
	size_t n = strlen(path), i;
	const char *sys = NULL;

	while (n > 1 && path[n - 1] == '/')
		n--;
	for (i = 0; i < sizeof(system_trees) / sizeof(system_trees[0]); i++)
		if (path_is(path, n, system_trees[i], true))
			sys = system_trees[i];
	for (i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]); i++)
		if (path_is(path, n, system_dirs[i], false))
			sys = system_dirs[i];
	if (sys == NULL && state && path_is(path, n, "/etc", true))
		sys = "/etc";
	*below = sys != NULL && n > strlen(sys);
	return sys;
}

static void
dir_place_check(struct parser *p, const struct slot *sl, const char *key,
    const char *path, bool state)
{
	const char *sys;
	bool below;

	if (path == NULL || (sys = system_place(path, state, &below)) == NULL)
		return;
	error_at(p, sl->line, "%s: \"%s\" is not allowed: it is %sthe "
	    "system's %s; use a directory of xcni's own, such as %s", key,
	    show(path).s, below ? "below " : "", sys,
	    state ? "/run/xcni" : "/etc/cni/net.d");
}

static bool
id_parse(const char *s, unsigned long *id)
{
	/* (uid_t)-1 means "unchanged" to setresuid: never a real id. */
	return uint_parse(s, UINT32_MAX - 1, id);
}

/* NAME or UID, optionally ":GROUP" or ":GID". Without a group, the user's
 * primary group, or for a UID without a passwd entry the same number. */
static void
user_resolve(struct parser *p, unsigned line, const char *spec, bool dflt,
    struct config *cfg)
{
	const char *colon = strchr(spec, ':');
	char *user = xasprintf(p, "%.*s", (int)(colon != NULL ?
	    (size_t)(colon - spec) : strlen(spec)), spec);
	const char *group = colon != NULL ? colon + 1 : NULL;
	struct passwd *pw = NULL;
	struct group *gr;
	unsigned long id;
	bool ok = true;

	if (user == NULL)
		return;
	if (id_parse(user, &id)) {
		cfg->uid = (uid_t)id;
		pw = getpwuid(cfg->uid);
		cfg->gid = pw != NULL ? pw->pw_gid : (gid_t)id;
	} else if (user[0] != '\0' && (pw = getpwnam(user)) != NULL) {
		cfg->uid = pw->pw_uid;
		cfg->gid = pw->pw_gid;
	} else if (dflt) {
		error_at(p, line, "user: the default user \"%s\" does not "
		    "exist; create it (useradd --system %s) or set user = NAME "
		    "or UID[:GID]", user, user);
		ok = false;
	} else {
		error_at(p, line, "user: no user \"%s\"; use a user name or "
		    "UID, optionally with :GROUP or :GID", show(user).s);
		ok = false;
	}
	if (group != NULL) {
		if (id_parse(group, &id))
			cfg->gid = (gid_t)id;
		else if (group[0] != '\0' && (gr = getgrnam(group)) != NULL)
			cfg->gid = gr->gr_gid;
		else {
			error_at(p, line, "user: no group \"%s\"; use a group "
			    "name or GID after the \":\"", show(group).s);
			ok = false;
		}
	}
	if (ok && cfg->uid == 0)
		error_at(p, line, "user: workers must not run as root (uid 0); "
		    "use an unprivileged user");
	else if (ok && cfg->gid == 0)
		error_at(p, line, "user: workers must not run with group root "
		    "(gid 0); give a GID");
	free(user);
}

static void
node_name_resolve(struct parser *p, const struct slot *sl,
    struct config *cfg)
{
	char host[HOST_NAME_MAX + 1], *v, *c;
	const char *from = NULL;
	int r = value_get(p, sl, "node-name", &v);

	if (r < 0)
		return;
	if (r == 0 && (c = getenv("NODE_NAME")) != NULL && *c != '\0') {
		v = xstrdup(p, c);
		from = "$NODE_NAME";
	} else if (r == 0) {
		if (kname_host_node(host, sizeof(host)) < 0) {
			error_at(p, sl->line, "node-name: not set, and no host "
			    "name: %s; set node-name or $NODE_NAME",
			    strerror(errno));
			return;
		}
		v = xstrdup(p, host);
		from = "the host name";
	}
	if (v == NULL)
		return;
	if (!kname_node_valid(v)) {
		error_at(p, sl->line, "node-name: \"%s\"%s%s is not a valid "
		    "node name; use a DNS subdomain (lowercase a-z 0-9 - ., at "
		    "most 253)", show(v).s, from != NULL ? " from " : "",
		    from != NULL ? from : "");
		free(v);
		return;
	}
	cfg->node_name = v;
}

/* The key, else $KUBECONFIG; in-cluster (NULL) without either. */
static void
kubeconfig_resolve(struct parser *p, const struct slot *sl,
    struct config *cfg)
{
	const char *env = getenv("KUBECONFIG"), *path = NULL;
	char *v;
	int r = value_get(p, sl, "kubeconfig", &v);
	bool from_env = r == 0 && env != NULL && *env != '\0';

	if (from_env)
		path = env;
	else if (r > 0 && strcmp(v, "in-cluster") != 0)
		path = v;
	if (path != NULL && path_valid(path))
		cfg->kubeconfig = xstrdup(p, path);
	else if (from_env)
		error_at(p, sl->line, "kubeconfig: $KUBECONFIG \"%s\" is not an "
		    "absolute path without blanks; set kubeconfig",
		    show(env).s);
	else if (path != NULL)
		error_at(p, sl->line, "kubeconfig: \"%s\" is not allowed; use "
		    "in-cluster or an absolute path without blanks",
		    show(v).s);
	free(v);
}

/* Without networks no worker runs, so the default user need not exist. */
static void
global_resolve(struct parser *p, const struct section *s, bool nets,
    struct config *cfg)
{
	static const struct section none;
	const struct slot *sl;
	char *v;
	const char *env;
	int r;

	if (s == NULL)
		s = &none;
	node_name_resolve(p, &s->slot[G_NODE_NAME], cfg);

	kubeconfig_resolve(p, &s->slot[G_KUBECONFIG], cfg);

	sl = &s->slot[G_USER];
	r = value_get(p, sl, "user", &v);
	if (r > 0 || (r == 0 && nets)) {
		cfg->user = xstrdup(p, r > 0 ? v : DEFAULT_USER);
		if (cfg->user != NULL)
			user_resolve(p, sl->line, cfg->user, r == 0, cfg);
	}
	free(v);

	path_get(p, &s->slot[G_STATE_DIR], "state-dir", "/run/xcni",
	    &cfg->state_dir);
	dir_place_check(p, &s->slot[G_STATE_DIR], "state-dir",
	    cfg->state_dir, true);
	path_get(p, &s->slot[G_CNI_CONF_DIR], "cni-conf-dir",
	    "/etc/cni/net.d", &cfg->cni_conf_dir);
	dir_place_check(p, &s->slot[G_CNI_CONF_DIR], "cni-conf-dir",
	    cfg->cni_conf_dir, false);
	path_get(p, &s->slot[G_CNI_BIN_DIR], "cni-bin-dir", CNIBINDIR,
	    &cfg->cni_bin_dir);

	sl = &s->slot[G_LOG_LEVEL];
	r = value_get(p, sl, "log-level", &v);
	cfg->log_level = LOG_LVL_INFO;
	if (r == 0 && (env = getenv("LOG_LEVEL")) != NULL && *env != '\0') {
		if (log_level_parse(env, &cfg->log_level) < 0)
			error_at(p, sl->line, "log-level: $LOG_LEVEL \"%s\" is "
			    "not allowed; use error, warning, info, debug or "
			    "trace", show(env).s);
	} else if (r > 0 && log_level_parse(v, &cfg->log_level) < 0)
		error_at(p, sl->line, "log-level: \"%s\" is not allowed; use "
		    "error, warning, info, debug or trace", show(v).s);
	free(v);
}

static int
annotation_get(struct parser *p, const struct slot *sl, const char *key,
    char **out)
{
	char *v;
	int r = value_get(p, sl, key, &v);

	if (r <= 0)
		return r;
	if (!annotation_key_valid(v)) {
		error_at(p, sl->line, "%s: \"%s\" is not a Kubernetes "
		    "annotation key; use [PREFIX/]NAME, PREFIX a DNS subdomain "
		    "(lowercase, at most 253), NAME 1..63 of A-Z a-z 0-9 - . _ "
		    "starting and ending with a letter or digit", key,
		    show(v).s);
		free(v);
		return -1;
	}
	*out = v;
	return 1;
}

static void
protocol_resolve(struct parser *p, const struct section *s,
    struct net_config *net)
{
	const struct slot *sl = &s->slot[N_PROTOCOL];
	unsigned long n;
	size_t i;
	char *v;
	int r = value_get(p, sl, "protocol", &v);

	if (r < 0)
		return;
	if (r == 0 && s->primary) {
		/* upstream's PROTOCOL default */
		net->protocol = DEFAULT_PROTOCOL;
		return;
	}
	if (r == 0) {
		error_at(p, s->line, "protocol: missing in [%s]; a network "
		    "with cidr-annotation needs its own protocol number "
		    "(5..255)", s->name);
		return;
	}
	if (!uint_parse(v, 255, &n))
		error_at(p, sl->line, "protocol: \"%s\" is not allowed; use a "
		    "number in 5..255", show(v).s);
	else if (n <= 4)
		error_at(p, sl->line, "protocol: %lu is reserved for the "
		    "kernel (0..4); use 5..255", n);
	else
		net->protocol = (unsigned)n;
	for (i = 0; i < sizeof(daemon_protos) / sizeof(daemon_protos[0]); i++)
		if (daemon_protos[i].number == net->protocol)
			warning_at(p, sl->line, "protocol: %u is \"%s\" in "
			    "iproute2's rt_protos; the worker would delete "
			    "the routes of a %s daemon on this node",
			    net->protocol, daemon_protos[i].name,
			    daemon_protos[i].name);
	free(v);
}

static void
table_resolve(struct parser *p, const struct slot *sl, struct net_config *net)
{
	unsigned long n;
	char *v;

	net->table = RT_TABLE_MAIN;
	if (value_get(p, sl, "table", &v) <= 0)
		return;
	if (strcmp(v, "main") == 0)
		net->table = RT_TABLE_MAIN;
	else if (!uint_parse(v, UINT32_MAX, &n) || n == 0 ||
	    n == RT_TABLE_LOCAL)
		error_at(p, sl->line, "table: \"%s\" is not allowed; use main "
		    "or a number in 1..4294967295 other than 255 (local)",
		    show(v).s);
	else
		net->table = (unsigned)n;
	free(v);
}

static void
metric_resolve(struct parser *p, const struct slot *sl, struct net_config *net)
{
	unsigned long n;
	char *v;

	if (value_get(p, sl, "metric", &v) <= 0)
		return;
	if (!uint_parse(v, UINT32_MAX, &n))
		error_at(p, sl->line, "metric: \"%s\" is not allowed; use a "
		    "number in 0..4294967295", show(v).s);
	else
		net->metric = (unsigned)n;
	free(v);
}

/* Shorter route prefixes than this are refused (lib/policy.h); a network
 * that really routes bigger ranges may lower it, to 1 at least: a /0 is
 * a default route, never a node's range. */
static void
min_prefix_resolve(struct parser *p, const struct slot *sl, const char *key,
    unsigned bits, unsigned *out)
{
	unsigned long n;
	char *v;

	if (value_get(p, sl, key, &v) <= 0)
		return;
	if (!uint_parse(v, bits, &n) || n == 0)
		error_at(p, sl->line, "%s: \"%s\" is not allowed; use a number "
		    "in 1..%u", key, show(v).s, bits);
	else
		*out = (unsigned)n;
	free(v);
}

static void
mtu_resolve(struct parser *p, const struct slot *sl, struct net_config *net)
{
	unsigned long n;
	char *v;

	if (value_get(p, sl, "mtu", &v) <= 0 || strcmp(v, "auto") == 0) {
		free(v);
		return;
	}
	if (!uint_parse(v, 65535, &n) || n < 68)
		error_at(p, sl->line, "mtu: \"%s\" is not allowed; use auto or "
		    "a number in 68..65535", show(v).s);
	else if (n < 1280)
		warning_at(p, sl->line, "mtu: %lu is below 1280, too small for "
		    "IPv6", n);
	if (n >= 68 && n <= 65535)
		net->mtu = (unsigned)n;
	free(v);
}

/* Returns false after an error. */
static bool
cni_conf_resolve(struct parser *p, const struct section *s,
    struct net_config *net)
{
	const struct slot *sl = &s->slot[N_CNI_CONF];
	char *v;
	int r = value_get(p, sl, "cni-conf", &v);
	bool ok = r >= 0;

	if (r == 0 && s->primary)
		net->cni_conf = xasprintf(p, "10-%s.conflist", s->name);
	else if (r > 0 && strcmp(v, "none") != 0) {
		if (conf_file_name_valid(v))
			net->cni_conf = xstrdup(p, v);
		else {
			error_at(p, sl->line, "cni-conf: \"%s\" is not "
			    "allowed; use none or a file name of A-Z a-z 0-9 "
			    "- . _ ending in .conflist or .conf", show(v).s);
			ok = false;
		}
	}
	free(v);
	return ok;
}

/* bridge and ipam-data-dir only go into the conflist xcni writes: with
 * cni-conf = none they stay NULL. */
static void
conflist_key_resolve(struct parser *p, const struct section *s, int key,
    const struct net_config *net, bool conf_ok, char *dflt, char **out)
{
	const struct slot *sl = &s->slot[key];
	const char *name = nkey_names[key];
	char *v;
	int r = value_get(p, sl, name, &v);

	if (r > 0 && strcmp(v, "none") == 0) {
		free(v);
		v = NULL;
		r = 0;
	}
	if (r > 0 && net->cni_conf == NULL && conf_ok)
		error_at(p, sl->line, "%s: only used in the cni-conf file, and "
		    "[%s] has cni-conf = none", name, s->name);
	else if (r > 0 && key == N_BRIDGE && !ifname_valid(v))
		error_at(p, sl->line, "bridge: \"%s\" is not allowed; use an "
		    "interface name of 1..15 A-Z a-z 0-9 - . _", show(v).s);
	else if (r > 0 && key == N_IPAM_DATA_DIR && (!path_valid(v) ||
	    strncmp(v, "/run/", 5) != 0))
		error_at(p, sl->line, "ipam-data-dir: \"%s\" is not allowed; "
		    "use a directory under /run/ (IP allocations must not "
		    "outlive a reboot)", show(v).s);
	else if (net->cni_conf != NULL)
		*out = xstrdup(p, r > 0 ? v : dflt);
	free(v);
}

struct cidr_ctx {
	struct parser *p;
	unsigned line;
	struct net_config *net;
	bool bad;
};

static int
allowed_cidr_add(const char *item, size_t len, void *arg)
{
	struct cidr_ctx *ctx = arg;
	struct net_config *net = ctx->net;
	char *text = xasprintf(ctx->p, "%.*s", (int)len, item);
	char buf[ADDR_STRLEN];
	struct cidr c, *grown;
	bool host_bits;

	if (text == NULL)
		return 0;
	if (cidr_parse(item, len, &c, &host_bits) < 0) {
		error_at(ctx->p, ctx->line, "allowed-cidrs: \"%s\" is not a "
		    "CIDR; use ADDRESS/LENGTH, e.g. 198.18.0.0/15 or fd00::/8",
		    show(text).s);
		ctx->bad = true;
	} else {
		if (host_bits)
			warning_at(ctx->p, ctx->line, "allowed-cidrs: %s has "
			    "host bits set; using %s", text,
			    cidr_format(&c, buf));
		grown = xrealloc(ctx->p, net->allowed_cidrs,
		    net->n_allowed_cidrs + 1, sizeof(c));
		if (grown != NULL) {
			net->allowed_cidrs = grown;
			grown[net->n_allowed_cidrs++] = c;
		}
	}
	free(text);
	return 0;
}

static void
allowed_cidrs_resolve(struct parser *p, const struct section *s,
    struct net_config *net)
{
	const struct slot *sl = &s->slot[N_ALLOWED_CIDRS];
	struct cidr_ctx ctx = { p, sl->line, net, false };
	char *v;

	if (value_get(p, sl, "allowed-cidrs", &v) <= 0)
		return;
	if (strcmp(v, "any") != 0) {
		addr_list_each(v, strlen(v), allowed_cidr_add, &ctx);
		if (!ctx.bad && net->n_allowed_cidrs == 0)
			error_at(p, sl->line, "allowed-cidrs: no CIDR in "
			    "\"%s\"; use any or a comma list of CIDRs",
			    show(v).s);
	}
	free(v);
}

static void
net_resolve(struct parser *p, struct section *s, struct net_config *net)
{
	char *dflt;
	bool conf_ok;

	net->name = xstrdup(p, s->name);
	net->line = s->line;
	s->primary = annotation_get(p, &s->slot[N_CIDR_ANNOTATION],
	    "cidr-annotation", &net->cidr_annotation) == 0;
	annotation_get(p, &s->slot[N_ADDRESS_ANNOTATION], "address-annotation",
	    &net->address_annotation);
	protocol_resolve(p, s, net);
	table_resolve(p, &s->slot[N_TABLE], net);
	metric_resolve(p, &s->slot[N_METRIC], net);
	mtu_resolve(p, &s->slot[N_MTU], net);
	conf_ok = cni_conf_resolve(p, s, net);
	/* Upstream's bridge for the primary network; for the others a name
	 * of their own (duplicates after the cut are reported). */
	dflt = s->primary ? xstrdup(p, DEFAULT_BRIDGE) :
	    xasprintf(p, "xcni-%.10s", s->name);
	conflist_key_resolve(p, s, N_BRIDGE, net, conf_ok, dflt, &net->bridge);
	free(dflt);
	dflt = xasprintf(p, CONF_IPAM_DATA_DIR "%s", s->name);
	conflist_key_resolve(p, s, N_IPAM_DATA_DIR, net, conf_ok, dflt,
	    &net->ipam_data_dir);
	free(dflt);
	allowed_cidrs_resolve(p, s, net);
	net->min_prefix_v4 = POLICY_MIN_PREFIX_V4;
	net->min_prefix_v6 = POLICY_MIN_PREFIX_V6;
	min_prefix_resolve(p, &s->slot[N_MIN_PREFIX_V4], "min-prefix-v4", 32,
	    &net->min_prefix_v4);
	min_prefix_resolve(p, &s->slot[N_MIN_PREFIX_V6], "min-prefix-v6", 128,
	    &net->min_prefix_v6);
}

static unsigned
key_line(const struct section *s, int key)
{
	return s->slot[key].value != NULL ? s->slot[key].line : s->line;
}

/* What two networks must not share; each clash is reported once, against
 * the first network that has it. nets[i] came from sects[i]. */
static void
nets_cross_check(struct parser *p, const struct net_config *nets,
    const struct section *const *sects, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		const struct net_config *a = &nets[i];
		const struct section *sa = sects[i];
		bool proto = false, source = false, conf = false;
		bool bridge = false;

		for (j = 0; j < i; j++) {
			const struct net_config *b = &nets[j];
			const struct section *sb = sects[j];

			if (!proto && a->protocol != 0 &&
			    a->protocol == b->protocol) {
				error_at(p, key_line(sa, N_PROTOCOL),
				    "protocol: %u is also used by [%s] (line "
				    "%u); every network needs its own protocol "
				    "number",
				    a->protocol, b->name,
				    key_line(sb, N_PROTOCOL));
				proto = true;
			}
			/* Two networks publishing the same node CIDRs would
			 * hand out the same pod addresses twice. */
			if (!source && sa->primary && sb->primary) {
				error_at(p, sa->line, "[%s] and [%s] (line %u) "
				    "both take their CIDRs from spec.podCIDRs; "
				    "set cidr-annotation in one of them",
				    a->name, b->name, sb->line);
				source = bridge = true;
			} else if (!source && a->cidr_annotation != NULL &&
			    str_eq(a->cidr_annotation, b->cidr_annotation)) {
				error_at(p, key_line(sa, N_CIDR_ANNOTATION),
				    "cidr-annotation: \"%s\" is also used by "
				    "[%s] (line %u); every network needs CIDRs "
				    "of its own", a->cidr_annotation, b->name,
				    key_line(sb, N_CIDR_ANNOTATION));
				source = true;
			}
			if (!conf && a->cni_conf != NULL &&
			    str_eq(a->cni_conf, b->cni_conf)) {
				error_at(p, key_line(sa, N_CNI_CONF),
				    "cni-conf: \"%s\" is also written by [%s] "
				    "(line %u)",
				    a->cni_conf, b->name,
				    key_line(sb, N_CNI_CONF));
				conf = true;
			}
			if (!bridge && a->bridge != NULL &&
			    str_eq(a->bridge, b->bridge)) {
				error_at(p, key_line(sa, N_BRIDGE), "bridge: "
				    "\"%s\" is also used by [%s] (line %u)%s",
				    a->bridge, b->name, key_line(sb, N_BRIDGE),
				    sa->slot[N_BRIDGE].value == NULL ?
				    "; set bridge" : "");
				bridge = true;
			}
		}
	}
}

static void
net_config_free(struct net_config *net)
{
	free(net->name);
	free(net->cidr_annotation);
	free(net->address_annotation);
	free(net->cni_conf);
	free(net->bridge);
	free(net->ipam_data_dir);
	free(net->allowed_cidrs);
	memset(net, 0, sizeof(*net));
}

static void
resolve(struct parser *p, struct config *cfg)
{
	const struct section **sects;
	struct net_config scratch;
	struct section *global = NULL;
	size_t i;

	sects = xrealloc(p, NULL, p->n_sects, sizeof(*sects));
	cfg->nets = xrealloc(p, NULL, p->n_sects, sizeof(*cfg->nets));
	if (p->nomem) {
		free(sects);
		return;
	}
	for (i = 0; i < p->n_sects; i++) {
		struct section *s = &p->sects[i];

		if (s->global) {
			/* Of a repeated [global] only the key names are
			 * checked: its defaults would repeat the first's
			 * errors. */
			if (!s->ignore)
				global = s;
		} else if (s->ignore) {
			memset(&scratch, 0, sizeof(scratch));
			net_resolve(p, s, &scratch);
			net_config_free(&scratch);
		} else {
			memset(&cfg->nets[cfg->n_nets], 0, sizeof(*cfg->nets));
			net_resolve(p, s, &cfg->nets[cfg->n_nets]);
			sects[cfg->n_nets++] = s;
		}
	}
	for (i = 0; i < p->n_sects && p->sects[i].global; i++)
		;
	if (i == p->n_sects)
		error_at(p, 0, "no network defined; add a [NAME] section (see "
		    "xcni.ini(5))");
	global_resolve(p, global, i < p->n_sects && p->origins == NULL, cfg);
	/* A network without its name can be no one's clash. */
	if (!p->nomem)
		nets_cross_check(p, cfg->nets, sects, cfg->n_nets);
	free(sects);
}

/* Resolves what p read into cfg, frees p and prints its diagnostics.
 * Returns the number of errors, cfg empty when there are any. */
static int
finish(struct parser *p, struct config *cfg, FILE *err)
{
	size_t i;
	int k;

	resolve(p, cfg);
	cfg->path = xstrdup(p, p->name);
	for (i = 0; i < p->n_sects; i++) {
		free(p->sects[i].name);
		for (k = 0; k < KEYS_MAX; k++)
			free(p->sects[i].slot[k].value);
	}
	free(p->sects);
	diag_flush(p, err);
	if (p->nomem)
		p->n_errors++;
	if (p->n_errors > 0)
		config_free(cfg);
	if (p->nomem)
		errno = ENOMEM;
	return (int)p->n_errors;
}

int
config_parse(const char *name, const char *text, size_t len,
    struct config *cfg, FILE *err)
{
	struct parser p = { .name = name, .text = text, .len = len };

	memset(cfg, 0, sizeof(*cfg));
#if HAVE_DECL_INI_MAX_LINE
	/* Debian's inih sizes its line buffer at run time. */
	ini_max_line = CONF_LINE_MAX + 3;
#endif
	/* inih's own verdict adds nothing: the reader and the handler see
	 * every line, bad ones included. */
	ini_parse_stream(conf_reader, &p, conf_handler, &p);
	return finish(&p, cfg, err);
}

/* Where each value of the environment's configuration came from; its
 * index is the "line" of the value's slot. */
enum origin {
	O_NONE, O_NETWORK, O_STATE_DIR, O_TABLE, O_METRIC, O_PROTOCOL,
	O_CIDR_ANNOTATION, O_ADDRESS_ANNOTATION, O_COUNT
};

static const char *const origin_names[O_COUNT] = {
	"", "--network", "--state-dir", "--table", "--metric", "$PROTOCOL",
	"$CIDR_ANNOTATION", "$ADDRESS_ANNOTATION",
};

/* Sets a slot to a value taken literally: a "$" in it is no ${NAME}. */
static void
slot_set(struct parser *p, struct section *s, int key, const char *value,
    enum origin o)
{
	const char *c;
	char *d;

	if (s == NULL || value == NULL || *value == '\0' ||
	    (d = xrealloc(p, NULL, 2 * strlen(value) + 1, 1)) == NULL)
		return;
	s->slot[key].value = d;
	for (c = value; *c != '\0'; c++) {
		if (*c == '$')
			*d++ = '$';
		*d++ = *c;
	}
	*d = '\0';
	s->slot[key].line = o;
}

int
config_from_env(const struct config_env *env, struct config *cfg, FILE *err)
{
	struct parser p = { .name = "environment", .origins = origin_names };
	const char *name = env->network != NULL ? env->network :
	    CONF_STANDALONE_NETWORK;
	const char *cidr_annotation = getenv("CIDR_ANNOTATION");
	const char *protocol = getenv("PROTOCOL");
	bool bad = !network_name_valid(name) || strcmp(name, "global") == 0;
	char dflt[16];
	struct section *s;

	memset(cfg, 0, sizeof(*cfg));
	s = section_add(&p, "global", O_NONE, false);
	slot_set(&p, s, G_STATE_DIR, env->state_dir, O_STATE_DIR);
	if (bad)
		error_at(&p, O_NETWORK, "network name \"%s\" is not allowed; "
		    "use 1..63 of A-Z a-z 0-9 _ . - starting with a letter or "
		    "digit, other than global", show(name).s);
	/* A bad name is not used (global would make the network [global]);
	 * the values are still checked, as under a bad header in a file. */
	s = section_add(&p, bad ? "" : name, O_NETWORK, bad);
	slot_set(&p, s, N_CIDR_ANNOTATION, cidr_annotation, O_CIDR_ANNOTATION);
	slot_set(&p, s, N_ADDRESS_ANNOTATION, getenv("ADDRESS_ANNOTATION"),
	    O_ADDRESS_ANNOTATION);
	/* Upstream's PROTOCOL default holds for every network, the
	 * annotated ones too. */
	snprintf(dflt, sizeof(dflt), "%d", DEFAULT_PROTOCOL);
	if ((protocol == NULL || *protocol == '\0') &&
	    cidr_annotation != NULL && *cidr_annotation != '\0')
		protocol = dflt;
	slot_set(&p, s, N_PROTOCOL, protocol, O_PROTOCOL);
	slot_set(&p, s, N_TABLE, env->table, O_TABLE);
	slot_set(&p, s, N_METRIC, env->metric, O_METRIC);
	/* A standalone worker writes no conflist. */
	slot_set(&p, s, N_CNI_CONF, "none", O_NONE);
	return finish(&p, cfg, err);
}

/* The file a configuration is read from: a regular file (opened without
 * blocking, so a FIFO is refused, not waited on) that only root, or the
 * user reading it, can change. Symbolic links are followed: a ConfigMap
 * mount is links to root's 0644 files. Returns the open descriptor, or -1
 * after printing why to err. */
static int
config_open(const char *path, FILE *err)
{
	const char *why = NULL;
	struct stat st;
	int fd, saved;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		fd = -1;
	} else if (fd >= 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		errno = EISDIR;
		fd = -1;
	}
	if (fd < 0) {
		if (err != NULL)
			fprintf(err, "%s: cannot read: %s\n", path,
			    strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_uid != 0 && st.st_uid != geteuid())
		why = "owned by another user than root; chown root";
	else if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		why = "writable by group or others; chmod go-w";
	if (why == NULL)
		return fd;
	if (err != NULL)
		fprintf(err, "%s: refused: %s\n", path, why);
	close(fd);
	return -1;
}

int
config_load(const char *path, struct config *cfg, FILE *err)
{
	size_t len;
	char *text;
	int fd, r;

	memset(cfg, 0, sizeof(*cfg));
	if ((fd = config_open(path, err)) < 0)
		return 1;
	text = file_read_fd(fd, CONF_SIZE_MAX, &len);
	close(fd);
	if (text == NULL && errno == EFBIG) {
		if (err != NULL)
			fprintf(err, "%s: cannot read: larger than %d bytes\n",
			    path, CONF_SIZE_MAX);
		return 1;
	}
	if (text == NULL) {
		if (err != NULL)
			fprintf(err, "%s: cannot read: %s\n", path,
			    strerror(errno));
		return 1;
	}
	r = config_parse(path, text, len, cfg, err);
	free(text);
	return r;
}

/* --- output --------------------------------------------------------------- */

static void
print_kv(FILE *out, const char *key, const char *value)
{
	const char *c;

	if (value == NULL || *value == '\0') {
		fprintf(out, "%s =\n", key);
		return;
	}
	fprintf(out, "%s = ", key);
	for (c = value; *c != '\0'; c++) {
		if (*c == '$')
			putc('$', out);	/* read back as a literal $ */
		putc(*c, out);
	}
	putc('\n', out);
}

static void
net_print(const struct net_config *net, FILE *out)
{
	char buf[ADDR_STRLEN];
	size_t i;

	fprintf(out, "\n[%s]\n", net->name);
	print_kv(out, "cidr-annotation", net->cidr_annotation);
	print_kv(out, "address-annotation", net->address_annotation);
	fprintf(out, "protocol = %u\n", net->protocol);
	fprintf(out, "table = %u\n", net->table);
	fprintf(out, "metric = %u\n", net->metric);
	if (net->mtu == 0)
		fprintf(out, "mtu = auto\n");
	else
		fprintf(out, "mtu = %u\n", net->mtu);
	print_kv(out, "cni-conf", net->cni_conf != NULL ? net->cni_conf :
	    "none");
	print_kv(out, "bridge", net->bridge != NULL ? net->bridge : "none");
	print_kv(out, "ipam-data-dir", net->ipam_data_dir != NULL ?
	    net->ipam_data_dir : "none");
	fprintf(out, "allowed-cidrs = ");
	if (net->n_allowed_cidrs == 0)
		fprintf(out, "any");
	for (i = 0; i < net->n_allowed_cidrs; i++)
		fprintf(out, "%s%s", i > 0 ? ", " : "",
		    cidr_format(&net->allowed_cidrs[i], buf));
	putc('\n', out);
	fprintf(out, "min-prefix-v4 = %u\n", net->min_prefix_v4);
	fprintf(out, "min-prefix-v6 = %u\n", net->min_prefix_v6);
}

void
config_print(const struct config *cfg, const char *only, FILE *out)
{
	size_t i;

	fprintf(out, "[global]\n");
	print_kv(out, "node-name", cfg->node_name);
	print_kv(out, "kubeconfig", cfg->kubeconfig != NULL ? cfg->kubeconfig :
	    "in-cluster");
	fprintf(out, "user = %lu:%lu\n", (unsigned long)cfg->uid,
	    (unsigned long)cfg->gid);
	print_kv(out, "state-dir", cfg->state_dir);
	print_kv(out, "cni-conf-dir", cfg->cni_conf_dir);
	print_kv(out, "cni-bin-dir", cfg->cni_bin_dir);
	print_kv(out, "log-level", log_level_name(cfg->log_level));
	for (i = 0; i < cfg->n_nets; i++)
		if (only == NULL || strcmp(only, cfg->nets[i].name) == 0)
			net_print(&cfg->nets[i], out);
}

const struct net_config *
config_network(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_nets; i++)
		if (strcmp(cfg->nets[i].name, name) == 0)
			return &cfg->nets[i];
	return NULL;
}

/* Every field, line numbers aside. */
bool
net_config_equal(const struct net_config *a, const struct net_config *b)
{
	return str_eq(a->name, b->name) &&
	    str_eq(a->cidr_annotation, b->cidr_annotation) &&
	    str_eq(a->address_annotation, b->address_annotation) &&
	    a->protocol == b->protocol && a->table == b->table &&
	    a->metric == b->metric && a->mtu == b->mtu &&
	    str_eq(a->cni_conf, b->cni_conf) && str_eq(a->bridge, b->bridge) &&
	    str_eq(a->ipam_data_dir, b->ipam_data_dir) &&
	    a->min_prefix_v4 == b->min_prefix_v4 &&
	    a->min_prefix_v6 == b->min_prefix_v6 &&
	    a->n_allowed_cidrs == b->n_allowed_cidrs &&
	    (a->n_allowed_cidrs == 0 || memcmp(a->allowed_cidrs,
	    b->allowed_cidrs, a->n_allowed_cidrs * sizeof(struct cidr)) == 0);
}

void
config_free(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_nets; i++)
		net_config_free(&cfg->nets[i]);
	free(cfg->nets);
	free(cfg->path);
	free(cfg->node_name);
	free(cfg->kubeconfig);
	free(cfg->user);
	free(cfg->state_dir);
	free(cfg->cni_conf_dir);
	free(cfg->cni_bin_dir);
	memset(cfg, 0, sizeof(*cfg));
}
