/* SPDX-License-Identifier: MIT */
/* The otpbox store: opening, schema migration, transactions, the fetcher's
 * lock and the change feed, dispatched to one of two backends (SQLite, a
 * file; PostgreSQL, a server) chosen by the database string. */
#ifndef OTPBOX_STORE_H
#define OTPBOX_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otpbox_err.h"

/* Application id written into every otpbox database ('otpb'). */
#define STORE_APPLICATION_ID 1869901922
/* Milliseconds a connection waits on a lock before OTPBOX_ERR_BUSY. */
#define STORE_BUSY_TIMEOUT_MS 5000

struct store;

/* Which backend a database string names: a postgresql:// or postgres://
 * URI, or a conninfo (it starts with a keyword and "=": "host=db
 * dbname=otpbox"), is PostgreSQL; anything else is the path of an SQLite
 * file (./NAME for a file whose name looks like a conninfo). */
enum store_kind {
	STORE_KIND_SQLITE = 0,
	STORE_KIND_POSTGRESQL,
};
enum store_kind store_kind_of(const char *database);

/*
 * Copies database into out (outlen bytes, always terminated) with any
 * password replaced by "***": the "user:pass@" of a URI, a "password="
 * query parameter or conninfo keyword. For every message and log line that
 * names a database. Returns out.
 */
char *store_redact(const char *database, char *out, size_t outlen);

/*
 * Opens the database at path (an SQLite file, or a PostgreSQL URI or
 * conninfo: store_kind_of()). With create, a missing file (and its
 * directory) is created readable by its owner only; without it, a missing
 * file is OTPBOX_ERR_NO_DB. A file that is not an otpbox database gives
 * OTPBOX_ERR_NOT_OTPBOX_DB, one from a newer otpbox
 * OTPBOX_ERR_SCHEMA_TOO_NEW; in both cases nothing is changed. Older
 * schemas are migrated. errbuf receives a message a user can act on.
 * Open a store after fork(), never before: connections do not survive it.
 */
enum otpbox_err store_open(const char *path, bool create, struct store **out,
                           char *errbuf, size_t errlen);
/* store_open() with the password of a server (NULL: libpq's own means;
 * not used for SQLite). The password is not kept beyond the connection's
 * own use of it and never appears in messages. */
enum otpbox_err store_open_password(const char *database, const char *password,
                                    bool create, struct store **out,
                                    char *errbuf, size_t errlen);
void store_close(struct store *st);

/* The schema version this program writes (the highest migration). */
int store_schema_version(void);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. rollback is safe without begin. */
enum otpbox_err store_begin(struct store *st);
enum otpbox_err store_commit(struct store *st);
void store_rollback(struct store *st);

/* SQLite's PRAGMA data_version: changes when another connection commits.
 * A backend without such a counter (PostgreSQL) gives a value that
 * changes every second, so that callers look again that often. */
enum otpbox_err store_data_version(struct store *st, int64_t *out);

/* The last database message on st; belongs to st, valid until its next
 * call. */
const char *store_errmsg(const struct store *st);
/* The database file name, or NULL when the store is a server; belongs to
 * st. */
const char *store_get_path(const struct store *st);
/* The database for messages (store_redact()); belongs to st. */
const char *store_display_name(const struct store *st);
/* The backend's name: "sqlite" or "postgresql". */
const char *store_backend_name(const struct store *st);

/*
 * The fetcher's locks: only one `otpbox fetch` works on an account at a
 * time. st may hold several (one per account name); each stays until
 * store_lock_release(), store_close() or the end of the session. SQLite:
 * one flock(2) on the file DB.lock beside the database for every name
 * (one host works on the file); taking it again while st holds it is
 * OTPBOX_OK. PostgreSQL: one session advisory lock per name, keyed by a
 * hash of "otpbox fetch " name, held by st's connection (a killed
 * fetcher's locks go with its connection). OTPBOX_ERR_LOCKED with a
 * sentence in errbuf when another process holds it; OTPBOX_ERR_IO,
 * OTPBOX_ERR_NOMEM, the store's errors.
 */
enum otpbox_err store_lock_take(struct store *st, const char *name,
                                char *errbuf, size_t errlen);
/* store_lock_take() of the lock of one account: "fetch:" account. */
enum otpbox_err store_lock_fetch(struct store *st, const char *account,
                                 char *errbuf, size_t errlen);
/* OTPBOX_OK while st still holds all its locks; OTPBOX_ERR_LOCKED when it
 * holds none or lost them (PostgreSQL: the connection dropped; then call
 * store_lock_release() before taking them again), or another error. */
enum otpbox_err store_lock_check(struct store *st);
/* Releases every lock st holds; NULL ok. */
void store_lock_release(struct store *st);
/*
 * Closes what st holds beyond its lock, where the lock does not need it:
 * SQLite's database connection (its lock file stays locked), for a
 * process that forks others which open the store themselves (an SQLite
 * connection must not cross fork()). Afterwards only store_lock_take(),
 * store_lock_fetch(), store_lock_check(), store_lock_release(),
 * store_errmsg(), store_display_name() and store_close() may be called on
 * st. PostgreSQL keeps its connection: it holds the locks.
 */
void store_keep_lock_only(struct store *st);

/*
 * The change feed: whether a commit may have added codes for one address.
 * store_changes_watch(): call it before each look at the database, so
 * that a commit after the look is never slept through; *may_have_changed
 * false means the database has surely not changed since the previous
 * look of this wait (the look can be skipped). SQLite opens its feed at
 * the first watch (errors as store_feed_open(), the sentence in
 * store_errmsg()); a call that never sleeps need not watch.
 * store_changes_sleep(): sleeps up to timeout_ms, until codes are
 * committed for the watched address, or until cancel_fd (-1: none) is
 * readable or hangs up; *ev says which. A server store reconnects a lost
 * connection (then *ev is WOKEN: look again). Errors: the store's.
 * store_changes_done(): ends a wait (the helper thread that watches the
 * cancel descriptor); call it before that descriptor may be closed.
 * store_changes_interval_ms(): the longest sleep between two looks, for
 * writers that do not announce.
 * store_changes_check(): whether waiters can use the feed, for doctor,
 * creating nothing; OTPBOX_OK with a sentence in errbuf saying what wakes
 * the bots, or an error with the reason in errbuf.
 */
enum store_changes_event {
	STORE_CHANGES_TIMEOUT = 0,
	STORE_CHANGES_WOKEN,
	STORE_CHANGES_CANCELLED,
};
enum otpbox_err store_changes_watch(struct store *st, const char *address,
                                    bool *may_have_changed);
enum otpbox_err store_changes_sleep(struct store *st, int timeout_ms,
                                    int cancel_fd,
                                    enum store_changes_event *ev);
void store_changes_done(struct store *st);
int store_changes_interval_ms(const struct store *st);
enum otpbox_err store_changes_check(struct store *st, char *errbuf,
                                    size_t errlen);

#endif
