/* SPDX-License-Identifier: Apache-2.0 */
/* Logging: one API for every xcni program, to stderr. */
#ifndef XCNI_LOG_H
#define XCNI_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level {
	LOG_LVL_ERROR,
	LOG_LVL_WARNING,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
	LOG_LVL_TRACE,
};

#define LOG_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* ident prefixes every line; LOG_LEVEL from the environment sets the level. */
void log_init(const char *ident);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Accepts error|warning|info|debug|trace, or the upstream verbosity number
 * (0 info, 1 debug, 2 or more trace). Returns -1 for anything else. */
int log_level_parse(const char *s, enum log_level *level);
const char *log_level_name(enum log_level level);

/* The *x forms do not append strerror(errno). */
void log_err(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_errx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_trace(const char *fmt, ...) LOG_PRINTF(1, 2);
/* The longest message logged (bytes, escaped); a longer one ends in
 * LOG_CUT. */
#define LOG_MSG_MAX	1024
#define LOG_CUT		"..."
/* Copies in to out (outsz bytes, NUL-terminated) with every control
 * character (C0, DEL, C1) and every byte that is not UTF-8 written as
 * \n, \r, \t or \xHH, so that text from outside cannot start a line or
 * send a terminal escape; cut with LOG_CUT where out is full. Every log_*
 * message passes through it. */
void log_escape(const char *in, char *out, size_t outsz);
/* Formats an error message for a caller's buffer (err, errsz), for
 * functions that report rather than log. */
void seterr(char *err, size_t errsz, const char *fmt, ...) LOG_PRINTF(3, 4);

void fatal(int status, const char *fmt, ...) LOG_PRINTF(2, 3) __attribute__((noreturn));
void fatalx(int status, const char *fmt, ...) LOG_PRINTF(2, 3) __attribute__((noreturn));

#endif
