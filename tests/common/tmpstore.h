/* SPDX-License-Identifier: MIT */
/* Test-only: one SQLite store per test program in a private temporary
 * directory, opened through the store module as the fetcher opens it, and
 * read or written behind its back over a separate connection. The helpers
 * fail the running test (CU_ASSERT_FATAL) when SQLite cannot be reached. */
#ifndef OTPBOX_TMPSTORE_H
#define OTPBOX_TMPSTORE_H

#include "store.h"

/* Opens (creating on first use) the program's database; the caller closes
 * the handle with store_close(). */
struct store *tmpstore_open(void);

/* The database's path (valid after the first tmpstore_open()). */
const char *tmpstore_path(void);

/* Runs sql and returns the first column of its first row: -1 without a
 * row (the failure is printed), -2 for NULL. */
long long tmpstore_int(const char *sql);

/* Runs statements that return nothing; a failure fails the test. */
void tmpstore_exec(const char *sql);

/* Removes the database and its directory. */
void tmpstore_remove(void);

#endif
