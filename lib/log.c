/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

static const char *log_ident = "xcni";
static enum log_level log_level = LOG_LVL_INFO;

static const char *const level_names[] = {
	[LOG_LVL_ERROR] = "error",
	[LOG_LVL_WARNING] = "warning",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
	[LOG_LVL_TRACE] = "trace",
};

void
log_init(const char *ident)
{
	const char *env = getenv("LOG_LEVEL");
	enum log_level level;

	log_ident = ident;
	if (env == NULL || *env == '\0')
		return;
	if (log_level_parse(env, &level) == 0)
		log_level = level;
	else
		log_warnx("LOG_LEVEL=%s: not a log level, using %s", env,
		    level_names[log_level]);
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

int
log_level_parse(const char *s, enum log_level *level)
{
	char *end;
	long n;
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*level = (enum log_level)i;
			return 0;
		}
	}
	if (strcasecmp(s, "warn") == 0) {
		*level = LOG_LVL_WARNING;
		return 0;
	}
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < 0)
		return -1;
	*level = n == 0 ? LOG_LVL_INFO : n == 1 ? LOG_LVL_DEBUG : LOG_LVL_TRACE;
	return 0;
}

const char *
log_level_name(enum log_level level)
{
	return level_names[level];
}

/* Length of the valid UTF-8 sequence at s[0..n) that is not a control
 * character (C1 included), or 0. */
static size_t
utf8_printable(const unsigned char *s, size_t n)
{
	size_t len, i;

	if (s[0] < 0x80)
		return s[0] >= 0x20 && s[0] != 0x7f;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* C1 controls; overlong forms, surrogates, beyond U+10FFFF. */
	if ((s[0] == 0xc2 && s[1] < 0xa0) || (s[0] == 0xe0 && s[1] < 0xa0) ||
	    (s[0] == 0xed && s[1] >= 0xa0) || (s[0] == 0xf0 && s[1] < 0x90) ||
	    (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return len;
}

void
log_escape(const char *in, char *out, size_t outsz)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t n = strlen(in), o = 0, len;
	char esc[5];

	if (outsz == 0)
		return;
	while (n > 0) {
		if ((len = utf8_printable(s, n)) == 0) {
			len = 1;
			if (*s == '\n' || *s == '\r' || *s == '\t')
				snprintf(esc, sizeof(esc), "\\%c", *s == '\n' ?
				    'n' : *s == '\r' ? 'r' : 't');
			else
				snprintf(esc, sizeof(esc), "\\x%02x", *s);
		} else {
			memcpy(esc, s, len);
			esc[len] = '\0';
		}
		if (o + strlen(esc) + sizeof(LOG_CUT) > outsz) {
			memcpy(out + o, LOG_CUT, sizeof(LOG_CUT));
			return;
		}
		memcpy(out + o, esc, strlen(esc));
		o += strlen(esc);
		s += len;
		n -= len;
	}
	out[o] = '\0';
}

/* Every message is escaped here rather than at the call sites: Node
 * names, annotations and the API server's messages reach the log from
 * many places, and one newline or ESC among them would forge a line or
 * drive the reader's terminal. Here no call site can forget. */
static void
log_vemit(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	char msg[LOG_MSG_MAX + 1], out[LOG_MSG_MAX + 1];
	int n;

	if (level > log_level)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n > LOG_MSG_MAX)
		memcpy(msg + LOG_MSG_MAX - strlen(LOG_CUT), LOG_CUT,
		    sizeof(LOG_CUT));
	log_escape(msg, out, sizeof(out));
	/* One fprintf per line, so lines of concurrent processes do not mix. */
	if (errnum != 0)
		fprintf(stderr, "%s: %s: %s: %s\n", log_ident,
		    level_names[level], out, strerror(errnum));
	else
		fprintf(stderr, "%s: %s: %s\n", log_ident, level_names[level],
		    out);
}

#define LOG_BODY(level, errnum) do {			\
	int saved_errno = errno;			\
	va_list ap;					\
	va_start(ap, fmt);				\
	log_vemit(level, errnum, fmt, ap);		\
	va_end(ap);					\
	errno = saved_errno;				\
} while (0)

void log_err(const char *fmt, ...) { LOG_BODY(LOG_LVL_ERROR, errno); }
void log_errx(const char *fmt, ...) { LOG_BODY(LOG_LVL_ERROR, 0); }
void log_warn(const char *fmt, ...) { LOG_BODY(LOG_LVL_WARNING, errno); }
void log_warnx(const char *fmt, ...) { LOG_BODY(LOG_LVL_WARNING, 0); }
void log_info(const char *fmt, ...) { LOG_BODY(LOG_LVL_INFO, 0); }
void log_debug(const char *fmt, ...) { LOG_BODY(LOG_LVL_DEBUG, 0); }
void log_trace(const char *fmt, ...) { LOG_BODY(LOG_LVL_TRACE, 0); }

void
seterr(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

void
fatal(int status, const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_ERROR, errno);
	exit(status);
}

void
fatalx(int status, const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_ERROR, 0);
	exit(status);
}
