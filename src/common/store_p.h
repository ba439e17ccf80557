/* SPDX-License-Identifier: MIT */
/* Internals shared by the store_*.c files; nothing outside them includes
 * this. Each part prepares its statements when the store opens. */
#ifndef OTPBOX_STORE_P_H
#define OTPBOX_STORE_P_H

#include <sqlite3.h>

#include "store.h"

struct store_fetch;
struct store_wait;
struct store_status;

struct store {
	sqlite3 *db;
	char *path;
	struct store_fetch *fetch;   /* owned by store_fetch.c */
	struct store_wait *wait;     /* owned by store_wait.c */
	struct store_status *status; /* owned by store_status.c */
	sqlite3_stmt *data_version;
	char errmsg[512];
};

/* Records SQLite's message for rc on st and maps rc to an otpbox error. */
enum otpbox_err store_p_fail(struct store *st, int rc);
/* Prepares n statements; on failure finalizes those already made. */
enum otpbox_err store_p_prepare(struct store *st, const char *const *sql,
                                sqlite3_stmt **stmts, size_t n);
void store_p_finalize(sqlite3_stmt **stmts, size_t n);

/* Called by store_open()/store_close(); defined in store_fetch.c and
 * store_wait.c. */
enum otpbox_err store_fetch_prepare(struct store *st);
void store_fetch_finalize(struct store *st);
enum otpbox_err store_wait_prepare(struct store *st);
void store_wait_finalize(struct store *st);
enum otpbox_err store_status_prepare(struct store *st);
void store_status_finalize(struct store *st);

#endif
