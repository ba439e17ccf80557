/* SPDX-License-Identifier: MIT */
/* The store's health records: fetcher heartbeats (written by the fetcher,
 * rate-limited) and the figures `otpbox status` and `otpbox doctor` read. */
#ifndef OTPBOX_STORE_STATUS_H
#define OTPBOX_STORE_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* A heartbeat row is rewritten at most this often while nothing changes;
 * a change (success after an error, an error after a success, another
 * error text) is written at once. */
#define STORE_STATUS_BEAT_SECONDS 30
/* How many of a folder's newest messages the clock offset looks at. */
#define STORE_STATUS_OFFSET_MESSAGES 50
/* How many of the newest messages the recipient-header census reads. */
#define STORE_STATUS_HEADER_MESSAGES 200

enum store_status_mode {
	STORE_STATUS_ONCE = 0, /* otpbox fetch --once (cron) */
	STORE_STATUS_WATCH,    /* otpbox fetch --watch (daemon) */
};

/* What happened to one account and folder. Strings are borrowed. */
enum store_status_event {
	STORE_STATUS_ALIVE = 0, /* the process runs; nothing was synced */
	STORE_STATUS_SYNCED,    /* a sync or a server round-trip succeeded */
	STORE_STATUS_FAILED,    /* a sync, connection or login failed */
};

struct store_status_beat {
	const char *account;
	const char *folder;
	enum store_status_mode mode;
	enum store_status_event event;
	const char *error; /* with STORE_STATUS_FAILED: what went wrong */
};

/*
 * Records a heartbeat for b->account/b->folder at time now, outside any
 * transaction (its own autocommit statement). Remembers per row, for this
 * connection, what it last wrote and writes again only when the outcome
 * changed or STORE_STATUS_BEAT_SECONDS passed; the latest success time
 * is kept in memory meanwhile and written with the next write. *written
 * (may be NULL) says whether the database was written. Errors: the
 * store's (OTPBOX_ERR_BUSY, ...), OTPBOX_ERR_NOMEM.
 */
enum otpbox_err store_status_beat(struct store *st,
                                  const struct store_status_beat *b,
                                  int64_t now, bool *written);

/* One account and folder as `otpbox status` shows it. Times are Unix
 * seconds, 0 when unknown; has_* say whether a figure exists. */
struct store_status_row {
	char *account;
	char *folder;
	char *mode; /* "once", "watch", or NULL: no fetcher heartbeat yet */
	char *host;
	char *error; /* NULL: none since the last success */
	int64_t pid;
	int64_t heartbeat_at, attempt_at, success_at;
	int64_t error_since, error_at;
	int64_t synced_at; /* the checkpoint's last move */
	int64_t msgs_hour, msgs_day, codes_hour, codes_day;
	bool has_lag;
	int64_t lag; /* fetched_at - received_at of the newest message */
	bool has_offset;
	int64_t offset; /* min(fetched_at - received_at), newest messages */
};

/*
 * Reads every account and folder known from heartbeats or checkpoints,
 * ordered by account and folder, with their counts relative to now.
 * *rows (free with store_status_rows_free()) and *n belong to the caller.
 */
enum otpbox_err store_status_rows(struct store *st, int64_t now,
                                  struct store_status_row **rows, size_t *n);
void store_status_rows_free(struct store_status_row *rows, size_t n);

/* The reasons of the missed_otps view, in this order. */
#define STORE_STATUS_NREASONS 4
extern const char *const store_status_reasons[STORE_STATUS_NREASONS];

struct store_status_summary {
	int64_t open_waits;   /* rows of active_waits */
	int64_t last_code_at; /* newest fetched_at of a message with a code */
	int64_t missed_hour[STORE_STATUS_NREASONS]; /* by reason, last hour */
};

/* Fills *out with the whole database's figures relative to now. */
enum otpbox_err store_status_summary(struct store *st, int64_t now,
                                     struct store_status_summary *out);

/* *at gets the newest fetched_at of a message with a code (0: none): one
 * indexed read, cheap enough for every STATUS= line. */
enum otpbox_err store_status_last_code(struct store *st, int64_t *at);

/*
 * The measured clock offset of account: the smallest fetched_at -
 * received_at over its newest STORE_STATUS_OFFSET_MESSAGES messages (a
 * message fetched at once shows the two clocks' difference; negative:
 * the server's clock is ahead). *known is false without messages.
 */
enum otpbox_err store_status_clock_offset(struct store *st, const char *account,
                                          int64_t *out, bool *known);

/* One recipient header and how many recent recipients it named. */
struct store_status_header {
	char header[64];
	int64_t count;
};

/*
 * Counts which headers named the recipients of the newest
 * STORE_STATUS_HEADER_MESSAGES messages, most used first, into out[0..cap)
 * and *n. *messages gets how many messages were read.
 */
enum otpbox_err store_status_headers(struct store *st,
                                     struct store_status_header *out,
                                     size_t cap, size_t *n, int64_t *messages);

#endif
