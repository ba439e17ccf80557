/* SPDX-License-Identifier: MIT */
/* Levelled log lines on stderr for the otpbox processes: timestamped on a
 * terminal or in a file, with syslog priority prefixes ("<4>") when stderr
 * is the journal, so journald files each line at its level. */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* Set once at start-up by log_init(), like the configuration. */
static const char *log_progname = "otpbox";
static enum log_level log_level = LOG_LEVEL_INFO;
static bool log_journal;

/* syslog(3) priorities, as journald reads them at the start of a line. */
#define LOG_PRI_ERR 3
#define LOG_PRI_WARNING 4
#define LOG_PRI_INFO 6
#define LOG_PRI_DEBUG 7

bool
log_stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat sb;
	char end;

	if (env == NULL || sscanf(env, "%llu:%llu%c", &dev, &ino, &end) != 2 ||
	    fstat(STDERR_FILENO, &sb) < 0)
		return false;
	return (unsigned long long)sb.st_dev == dev &&
	       (unsigned long long)sb.st_ino == ino;
}

void
log_init(const char *progname, enum log_level level)
{
	log_progname = progname;
	log_level = level;
	log_journal = log_stderr_is_journal();
}

enum log_level
log_get_level(void)
{
	return log_level;
}

/* The journal stamps each line itself: only the priority goes first. */
static void
log_journal_line(int pri, const char *tag, int errnum, const char *msg)
{
	fprintf(stderr, "<%d>%s[%ld]: %s%s%s%s\n", pri, log_progname,
	        (long)getpid(), tag, msg, errnum ? ": " : "",
	        errnum ? strerror(errnum) : "");
}

static void
log_vline(int pri, const char *tag, int errnum, const char *fmt, va_list ap)
{
	char msg[2048], stamp[32];
	struct timespec ts;
	struct tm tm;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_journal) {
		log_journal_line(pri, tag, errnum, msg);
		return;
	}
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

#define LOG_AT(level, pri, tag, errnum)                                        \
	do {                                                                   \
		va_list ap;                                                    \
		if (log_level < (level))                                       \
			return;                                                \
		va_start(ap, fmt);                                             \
		log_vline(pri, tag, errnum, fmt, ap);                          \
		va_end(ap);                                                    \
	} while (0)

void
log_info(const char *fmt, ...)
{
	LOG_AT(LOG_LEVEL_INFO, LOG_PRI_INFO, "", 0);
}

void
log_verbose(const char *fmt, ...)
{
	LOG_AT(LOG_LEVEL_VERBOSE, LOG_PRI_INFO, "", 0);
}

void
log_debug(const char *fmt, ...)
{
	LOG_AT(LOG_LEVEL_DEBUG, LOG_PRI_DEBUG, "debug: ", 0);
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;

	LOG_AT(LOG_LEVEL_QUIET, LOG_PRI_WARNING, "", saved);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_AT(LOG_LEVEL_QUIET, LOG_PRI_WARNING, "", 0);
}

void
fatalx(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_PRI_ERR, "fatal: ", 0, fmt, ap);
	va_end(ap);
	exit(status);
}
