/* SPDX-License-Identifier: MIT */
/* Timestamped, levelled log lines on stderr for the otpbox processes. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* Set once at start-up by log_init(), like the configuration. */
static const char *log_progname = "otpbox";
static enum log_level log_level = LOG_LEVEL_INFO;

void
log_init(const char *progname, enum log_level level)
{
	log_progname = progname;
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

static void
log_vline(const char *tag, int errnum, const char *fmt, va_list ap)
{
	char msg[2048], stamp[32];
	struct timespec ts;
	struct tm tm;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	if (errnum)
		fprintf(stderr, "%s.%03ldZ %s[%ld]: %s%s: %s\n", stamp,
		        ts.tv_nsec / 1000000, log_progname, (long)getpid(), tag,
		        msg, strerror(errnum));
	else
		fprintf(stderr, "%s.%03ldZ %s[%ld]: %s%s\n", stamp,
		        ts.tv_nsec / 1000000, log_progname, (long)getpid(), tag,
		        msg);
}

#define LOG_AT(level, tag, errnum)                                             \
	do {                                                                   \
		va_list ap;                                                    \
		if (log_level < (level))                                       \
			return;                                                \
		va_start(ap, fmt);                                             \
		log_vline(tag, errnum, fmt, ap);                               \
		va_end(ap);                                                    \
	} while (0)

void
log_info(const char *fmt, ...)
{
	LOG_AT(LOG_LEVEL_INFO, "", 0);
}

void
log_verbose(const char *fmt, ...)
{
	LOG_AT(LOG_LEVEL_VERBOSE, "", 0);
}

void
log_debug(const char *fmt, ...)
{
	LOG_AT(LOG_LEVEL_DEBUG, "debug: ", 0);
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;

	LOG_AT(LOG_LEVEL_QUIET, "", saved);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_AT(LOG_LEVEL_QUIET, "", 0);
}

void
fatalx(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline("fatal: ", 0, fmt, ap);
	va_end(ap);
	exit(status);
}
