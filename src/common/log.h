/* SPDX-License-Identifier: MIT */
/* Process-level logging to stderr; library code never calls these. */
#ifndef OTPBOX_LOG_H
#define OTPBOX_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LEVEL_QUIET = 0, /* errors only */
	LOG_LEVEL_INFO,      /* one line per sync, start/stop */
	LOG_LEVEL_VERBOSE,   /* per-message decisions (-v) */
	LOG_LEVEL_DEBUG,     /* protocol traffic without secrets (-vv) */
};

/* Sets the name printed before each line and the verbosity, and looks
 * whether stderr is the journal (then each line starts with its syslog
 * priority: <3> fatal, <4> warnings, <6> info and -v, <7> debug, and
 * carries no timestamp of its own). */
void log_init(const char *progname, enum log_level level);
enum log_level log_get_level(void);
/* Whether fd 2 is the stream systemd named in $JOURNAL_STREAM
 * ("DEVICE:INODE" of the journal socket). */
bool log_stderr_is_journal(void);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends strerror(errno); log_warnx does not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For start-up failures and broken invariants: log, then exit(status). */
void fatalx(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

#endif
