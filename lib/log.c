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

static void
log_vemit(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	char msg[1024];

	if (level > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* One fprintf per line, so lines of concurrent processes do not mix. */
	if (errnum != 0)
		fprintf(stderr, "%s: %s: %s: %s\n", log_ident,
		    level_names[level], msg, strerror(errnum));
	else
		fprintf(stderr, "%s: %s: %s\n", log_ident, level_names[level],
		    msg);
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
