/* SPDX-License-Identifier: MIT */
/* The store's API for the wait side: recording waits, finding and claiming
 * codes (see store.h for opening). All of its SQL lives in store_wait.c. */
#ifndef OTPBOX_STORE_WAIT_H
#define OTPBOX_STORE_WAIT_H

#include <stdint.h>

#include "store.h"

/* What a wait looks for: the codes.kind value, or "any". */
#define STORE_WAIT_WANT_CODE "code"
#define STORE_WAIT_WANT_LINK "link"
#define STORE_WAIT_WANT_ANY "any"

/*
 * Waking waiters. Every store connection (the fetcher's too) announces on
 * the change feed (store_feed.h) the addresses each commit inserted codes
 * for; other commits (waits starting and ending, claims) wake nobody.
 * store_wait_notify() wakes every waiter of the database db_path, for
 * programs that insert codes without the store (tests); errors as
 * store_feed_open().
 */
enum otpbox_err store_wait_notify(const char *db_path);

/* Outcomes a finished wait is recorded with (waits.outcome). */
#define STORE_WAIT_CLAIMED "claimed"
#define STORE_WAIT_PEEKED "peeked"
#define STORE_WAIT_TIMEOUT "timeout"
#define STORE_WAIT_ERROR "error"

/* A new row of the waits table. Strings are borrowed. */
struct store_wait_start {
	const char *address;
	const char *worker; /* NULL: none given */
	int64_t pid;
	const char *want;     /* STORE_WAIT_WANT_* */
	int64_t window_start; /* Unix seconds, server time */
	int64_t started_at;
	int64_t deadline;
};

/* A code and the message it came from. Every string is owned by the
 * struct and freed by store_wait_code_free(); NULL when unknown. */
struct store_wait_code {
	int64_t code_id;
	int64_t message_id;
	char *code;
	char *kind; /* "code" or "link" */
	char *address;
	int64_t received_at; /* server INTERNALDATE */
	int64_t fetched_at;
	int64_t claimed_at; /* 0 when unclaimed */
	char *claimed_by;
	char *subject;
	char *sender;
	char *account;
	char *folder;
	int64_t uid;
};

/*
 * Makes st retry a busy lock soon and often (about 1 ms, backing off to
 * 16 ms, with jitter) instead of SQLite's back-off to 100 ms: when one
 * fetch batch hands codes to many waiters, their claims queue for the
 * write lock, each holding it well under a millisecond. Gives up after
 * 30 s. For waiters' connections; the fetcher keeps the default.
 */
void store_wait_retry_often(struct store *st);

/* Inserts a row with outcome 'waiting' and commits it at once, so that a
 * fetcher sees the waiter (view active_waits). *wait_id gets its id. */
enum otpbox_err store_wait_begin(struct store *st,
                                 const struct store_wait_start *w,
                                 int64_t *wait_id);

/*
 * Looks for the newest unclaimed code for address (case-insensitive) of
 * the wanted kind received at or after window_start, without locking or
 * claiming anything. OTPBOX_ERR_NOT_FOUND when there is none.
 */
enum otpbox_err store_wait_find(struct store *st, const char *address,
                                const char *want, int64_t window_start,
                                int64_t *code_id);

/*
 * Claims the newest unclaimed code as store_wait_find() would choose it and
 * ends wait wait_id as 'claimed', in one write transaction: the same code
 * never goes to two claimers. claimed_by and now are recorded. On success
 * *out is filled (free it with store_wait_code_free()); when another claimer
 * was faster and nothing is left, OTPBOX_ERR_NOT_FOUND and nothing changes.
 */
enum otpbox_err store_wait_claim(struct store *st, int64_t wait_id,
                                 const char *address, const char *want,
                                 int64_t window_start, const char *claimed_by,
                                 int64_t now, struct store_wait_code *out);

/* Reads a code and its message; OTPBOX_ERR_NOT_FOUND for an unknown id. */
enum otpbox_err store_wait_code_get(struct store *st, int64_t code_id,
                                    struct store_wait_code *out);
/* Frees the strings of c (not c itself) and zeroes it; accepts NULL. */
void store_wait_code_free(struct store_wait_code *c);

/* Ends a wait with outcome (STORE_WAIT_*) at time now; code_id 0 = none. */
enum otpbox_err store_wait_end(struct store *st, int64_t wait_id,
                               const char *outcome, int64_t code_id,
                               int64_t now);

#endif
