/* SPDX-License-Identifier: MIT */
/* The SQLite backend's internals, shared by the store_sqlite*.c files;
 * nothing else includes this. Each part prepares its statements when the
 * store opens. */
#ifndef OTPBOX_STORE_SQLITE_P_H
#define OTPBOX_STORE_SQLITE_P_H

#include <sqlite3.h>

#include "store_backend_p.h"
#include "store_feed.h"

struct store_fetch;
struct store_wait;
struct store_status;
struct store_feed_pending;
struct store_feed;

struct store_sqlite {
	struct store base; /* first: a struct store * points here */
	sqlite3 *db;
	char *path;
	struct store_fetch *fetch;       /* owned by store_fetch.c */
	struct store_wait *wait;         /* owned by store_wait.c */
	struct store_status *status;     /* owned by store_status.c */
	struct store_feed_pending *feed; /* codes to announce at commit */
	sqlite3_stmt *data_version;
	/* the waiting side's change feed (store_sqlite_changes.c) */
	struct store_feed *watch_feed;     /* opened at the first watch */
	struct store_feed_token watch_tok; /* the last watch */
	int64_t watch_seen;                /* data_version at the last look */
	bool watch_quiet;                  /* the last sleep timed out */
	int lock_fd;                       /* DB.lock while held, else -1 */
	char errmsg[512];
};

/* The SQLite handle behind st (which the SQLite backend opened). */
static inline struct store_sqlite *
store_sqlite_of(const struct store *st)
{
	return (struct store_sqlite *)st;
}

/* Records SQLite's message for rc on st and maps rc to an otpbox error. */
enum otpbox_err store_sqlite_fail(struct store_sqlite *st, int rc);
/* Prepares n statements; on failure finalizes those already made. */
enum otpbox_err store_sqlite_prepare(struct store_sqlite *st,
                                     const char *const *sql,
                                     sqlite3_stmt **stmts, size_t n);
void store_sqlite_finalize(sqlite3_stmt **stmts, size_t n);

/* Called by store_sqlite_open()/store_sqlite_close(); defined in
 * store_sqlite_fetch.c, store_sqlite_wait.c and store_sqlite_status.c. */
enum otpbox_err store_sqlite_fetch_prepare(struct store_sqlite *st);
void store_sqlite_fetch_finalize(struct store_sqlite *st);
enum otpbox_err store_sqlite_wait_prepare(struct store_sqlite *st);
void store_sqlite_wait_finalize(struct store_sqlite *st);
enum otpbox_err store_sqlite_status_prepare(struct store_sqlite *st);
void store_sqlite_status_finalize(struct store_sqlite *st);

/* The operations of store_sqlite_backend, one per public store_*()
 * function of the same name (store_backend_p.h). */
enum otpbox_err store_sqlite_open(const char *path, const char *password,
                                  bool create, struct store **out, char *errbuf,
                                  size_t errlen);
void store_sqlite_close(struct store *st);
enum otpbox_err store_sqlite_begin(struct store *st);
enum otpbox_err store_sqlite_commit(struct store *st);
void store_sqlite_rollback(struct store *st);
enum otpbox_err store_sqlite_data_version(struct store *st, int64_t *out);
enum otpbox_err store_sqlite_changes_watch(struct store *st,
                                           const char *address,
                                           bool *may_have_changed);
enum otpbox_err store_sqlite_changes_sleep(struct store *st, int timeout_ms,
                                           int cancel_fd,
                                           enum store_changes_event *ev);
void store_sqlite_changes_done(struct store *st);
int store_sqlite_changes_interval_ms(const struct store *st);
enum otpbox_err store_sqlite_changes_check(struct store *st, char *errbuf,
                                           size_t errlen);
enum otpbox_err store_sqlite_fetch_folder_get(
    struct store *st, const char *account, const char *user, const char *host,
    const char *folder, struct store_fetch_folder *out);
enum otpbox_err store_sqlite_fetch_insert(struct store *st, int64_t folder_id,
                                          int64_t uidvalidity,
                                          const struct store_fetch_msg *msg,
                                          bool *stored);
enum otpbox_err store_sqlite_fetch_checkpoint(
    struct store *st, const struct store_fetch_folder *f, int64_t synced_at);
enum otpbox_err store_sqlite_fetch_purge(struct store *st, int64_t before,
                                         int64_t *deleted);
enum otpbox_err store_sqlite_fetch_waiting(struct store *st, int64_t now,
                                           bool *waiting);
void store_sqlite_wait_retry_often(struct store *st);
enum otpbox_err store_sqlite_wait_begin(struct store *st,
                                        const struct store_wait_start *w,
                                        int64_t *wait_id);
enum otpbox_err store_sqlite_wait_find(struct store *st,
                                       const struct store_wait_query *q,
                                       int64_t *code_id);
enum otpbox_err store_sqlite_wait_claim(struct store *st, int64_t wait_id,
                                        const struct store_wait_query *q,
                                        const char *claimed_by, int64_t now,
                                        struct store_wait_code *out);
enum otpbox_err store_sqlite_wait_code_get(struct store *st, int64_t code_id,
                                           struct store_wait_code *out);
enum otpbox_err store_sqlite_wait_end(struct store *st, int64_t wait_id,
                                      const char *outcome, int64_t code_id,
                                      int64_t now);
enum otpbox_err store_sqlite_wait_skew(struct store *st, int *seconds,
                                       int *samples);
enum otpbox_err store_sqlite_wait_missed_get(struct store *st, int64_t wait_id,
                                             struct store_wait_missed *out);
enum otpbox_err store_sqlite_status_beat(struct store *st,
                                         const struct store_status_beat *b,
                                         int64_t now, bool *written);
enum otpbox_err store_sqlite_status_rows(struct store *st, int64_t now,
                                         struct store_status_row **rows,
                                         size_t *n);
enum otpbox_err store_sqlite_status_summary(struct store *st, int64_t now,
                                            struct store_status_summary *out);
enum otpbox_err store_sqlite_status_last_code(struct store *st, int64_t *at);
enum otpbox_err store_sqlite_status_clock_offset(struct store *st,
                                                 const char *account,
                                                 int64_t *out, bool *known);
enum otpbox_err store_sqlite_status_headers(struct store *st,
                                            struct store_status_header *out,
                                            size_t cap, size_t *n,
                                            int64_t *messages);

#endif
