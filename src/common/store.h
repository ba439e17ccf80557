/* SPDX-License-Identifier: MIT */
/* The otpbox SQLite store: opening, schema migration and transactions. */
#ifndef OTPBOX_STORE_H
#define OTPBOX_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "otpbox_err.h"

/* Application id written into every otpbox database ('otpb'). */
#define STORE_APPLICATION_ID 1869901922
/* Milliseconds a connection waits on a lock before OTPBOX_ERR_BUSY. */
#define STORE_BUSY_TIMEOUT_MS 5000

struct store;

/*
 * Opens the database at path. With create, a missing file (and its
 * directory) is created readable by its owner only; without it, a missing
 * file is OTPBOX_ERR_NO_DB. A file that is not an otpbox database gives
 * OTPBOX_ERR_NOT_OTPBOX_DB, one from a newer otpbox
 * OTPBOX_ERR_SCHEMA_TOO_NEW; in both cases nothing is changed. Older
 * schemas are migrated. errbuf receives a message a user can act on.
 * Open a store after fork(), never before: connections do not survive it.
 */
enum otpbox_err store_open(const char *path, bool create, struct store **out,
                           char *errbuf, size_t errlen);
void store_close(struct store *st);

/* The schema version this program writes (the highest migration). */
int store_schema_version(void);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. rollback is safe without begin. */
enum otpbox_err store_begin(struct store *st);
enum otpbox_err store_commit(struct store *st);
void store_rollback(struct store *st);

/* PRAGMA data_version: changes when another connection commits. */
enum otpbox_err store_data_version(struct store *st, int64_t *out);

/* The last SQLite message on st; belongs to st, valid until its next call. */
const char *store_errmsg(const struct store *st);
/* The database file name; belongs to st. */
const char *store_get_path(const struct store *st);

#endif
