/* SPDX-License-Identifier: MIT */
/* The store as an interface: the table of operations each backend (SQLite,
 * PostgreSQL) fills in. Only store.c and the backends include this. */
#ifndef OTPBOX_STORE_BACKEND_P_H
#define OTPBOX_STORE_BACKEND_P_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "store_fetch.h"
#include "store_status.h"
#include "store_wait.h"

/* Every backend's handle begins with this; the backend's own struct
 * (struct store_sqlite, struct store_pg) embeds it as its first member. */
struct store {
	const struct store_backend *backend;
};

/*
 * The operations of one backend, in the manner of isync's struct driver.
 * Each does what the public store_*() function of the same name documents
 * (store.h, store_fetch.h, store_wait.h, store_status.h): the public
 * functions only dispatch through st->backend. Every operation is
 * required unless its comment says NULL is allowed.
 */
struct store_backend {
	const char *name; /* "sqlite", "postgresql" */

	/* open, migrate, close; database is the path or the conninfo,
	 * password NULL or the server's (not kept) */
	enum otpbox_err (*open)(const char *database, const char *password,
	                        bool create, struct store **out, char *errbuf,
	                        size_t errlen);
	void (*close)(struct store *st);
	const char *(*errmsg)(const struct store *st);
	/* a name for messages, never with a password */
	const char *(*display_name)(const struct store *st);
	/* the database file, NULL for a server */
	const char *(*file_path)(const struct store *st);

	/* transactions */
	enum otpbox_err (*begin)(struct store *st);
	enum otpbox_err (*commit)(struct store *st);
	void (*rollback)(struct store *st);
	/* NULL: the backend has no such counter (store_data_version() then
	 * returns a value that changes every second) */
	enum otpbox_err (*data_version)(struct store *st, int64_t *out);

	/* the fetch side (store_fetch.h) */
	enum otpbox_err (*fetch_folder_get)(struct store *st,
	                                    const char *account,
	                                    const char *user, const char *host,
	                                    const char *folder,
	                                    struct store_fetch_folder *out);
	enum otpbox_err (*fetch_insert)(struct store *st, int64_t folder_id,
	                                int64_t uidvalidity,
	                                const struct store_fetch_msg *msg,
	                                bool *stored);
	enum otpbox_err (*fetch_checkpoint)(struct store *st,
	                                    const struct store_fetch_folder *f,
	                                    int64_t synced_at);
	enum otpbox_err (*fetch_purge)(struct store *st, int64_t before,
	                               int64_t *deleted);
	enum otpbox_err (*fetch_waiting)(struct store *st, int64_t now,
	                                 bool *waiting);

	/* the wait side (store_wait.h); retry_often may be NULL */
	void (*wait_retry_often)(struct store *st);
	enum otpbox_err (*wait_begin)(struct store *st,
	                              const struct store_wait_start *w,
	                              int64_t *wait_id);
	enum otpbox_err (*wait_find)(struct store *st,
	                             const struct store_wait_query *q,
	                             int64_t *code_id);
	enum otpbox_err (*wait_claim)(struct store *st, int64_t wait_id,
	                              const struct store_wait_query *q,
	                              const char *claimed_by, int64_t now,
	                              struct store_wait_code *out);
	enum otpbox_err (*wait_code_get)(struct store *st, int64_t code_id,
	                                 struct store_wait_code *out);
	enum otpbox_err (*wait_end)(struct store *st, int64_t wait_id,
	                            const char *outcome, int64_t code_id,
	                            int64_t now);
	enum otpbox_err (*wait_skew)(struct store *st, int *seconds,
	                             int *samples);
	enum otpbox_err (*wait_missed_get)(struct store *st, int64_t wait_id,
	                                   struct store_wait_missed *out);

	/* status (store_status.h) */
	enum otpbox_err (*status_beat)(struct store *st,
	                               const struct store_status_beat *b,
	                               int64_t now, bool *written);
	enum otpbox_err (*status_rows)(struct store *st, int64_t now,
	                               struct store_status_row **rows,
	                               size_t *n);
	enum otpbox_err (*status_summary)(struct store *st, int64_t now,
	                                  struct store_status_summary *out);
	enum otpbox_err (*status_last_code)(struct store *st, int64_t *at);
	enum otpbox_err (*status_clock_offset)(struct store *st,
	                                       const char *account,
	                                       int64_t *out, bool *known);
	enum otpbox_err (*status_headers)(struct store *st,
	                                  struct store_status_header *out,
	                                  size_t cap, size_t *n,
	                                  int64_t *messages);

	/* the fetcher's lock (store_lock_take()) */
	enum otpbox_err (*lock_take)(struct store *st, const char *name,
	                             char *errbuf, size_t errlen);
	enum otpbox_err (*lock_check)(struct store *st);
	void (*lock_release)(struct store *st);
	/* NULL: the lock needs everything st holds */
	void (*keep_lock_only)(struct store *st);

	/* the change feed (store_changes_*()) */
	enum otpbox_err (*changes_watch)(struct store *st, const char *address,
	                                 bool *may_have_changed);
	enum otpbox_err (*changes_sleep)(struct store *st, int timeout_ms,
	                                 int cancel_fd,
	                                 enum store_changes_event *ev);
	/* NULL: nothing to end */
	void (*changes_done)(struct store *st);
	int (*changes_interval_ms)(const struct store *st);
	/* NULL: nothing to check beyond the connection */
	enum otpbox_err (*changes_check)(struct store *st, char *errbuf,
	                                 size_t errlen);
};

extern const struct store_backend store_sqlite_backend;
extern const struct store_backend store_pg_backend;

#endif
