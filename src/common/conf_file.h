/* SPDX-License-Identifier: MIT */
/* Where the configuration file and the database are, and reading the file
 * safely before anything parses it. */
#ifndef OTPBOX_CONF_FILE_H
#define OTPBOX_CONF_FILE_H

#include "otpbox_err.h"

/* The configuration file to read: path (-c) if given, else
 * $OTPBOX_CONFIG, else CONF_SYSTEM_FILE when it exists, else NULL (none).
 * Borrowed from the argument, the environment or a constant. */
const char *conf_file_pick(const char *path);

/*
 * Reads the configuration file path whole into *text (NUL-terminated, the
 * caller frees it) after checking that it is a regular file of at most
 * 1 MiB. Returns OTPBOX_OK, OTPBOX_ERR_NOMEM, or OTPBOX_ERR_CONFIG with
 * one line in *errors (when errors is not NULL and *errors is NULL; the
 * caller frees it) naming the file and the problem: cannot open, is a
 * directory, is not a regular file, is too large, cannot read.
 */
enum otpbox_err conf_file_read(const char *path, char **text, char **errors);

/*
 * The database path, in order: override (--db), $OTPBOX_DB, configured
 * (the file's `database`), then /var/lib/otpbox/otpbox.db for root or
 * $XDG_STATE_HOME/otpbox/otpbox.db (~/.local/state/...) for others.
 * Returns a new string the caller frees, NULL when out of memory.
 */
char *conf_file_database_dup(const char *override, const char *configured);

/* Formats one message into *errors when errors is not NULL and *errors is
 * still NULL (the first problem wins; the caller frees it). Returns
 * OTPBOX_ERR_CONFIG, so a caller can `return conf_file_fail(...)`. */
enum otpbox_err conf_file_fail(char **errors, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
