/* SPDX-License-Identifier: MIT */
/* The store's API for the wait side: recording waits, finding and claiming
 * codes (see store.h for opening). All of its SQL lives in store_wait.c. */
#ifndef OTPBOX_STORE_WAIT_H
#define OTPBOX_STORE_WAIT_H

#include <stdbool.h>
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
#define STORE_WAIT_CANCELLED "cancelled" /* cancel_fd ended it */

/*
 * What one wait looks for: the newest unclaimed code for address (any
 * case) of kind want received at or after window_start, from a message
 * that passes the filters. Strings are borrowed.
 */
struct store_wait_query {
	const char *address;
	const char *want;     /* STORE_WAIT_WANT_* */
	int64_t window_start; /* Unix seconds, server time */
	/* JSON array of sender patterns, lower-cased (an address, a domain
	 * with its subdomains, or a glob); NULL: any sender. */
	const char *from_json;
	const char *subject; /* substring of the Subject (ASCII case); NULL */
	bool authenticated;  /* only messages the server authenticated */
};

/* A new row of the waits table. Strings are borrowed. */
struct store_wait_start {
	const struct store_wait_query *query; /* recorded with its filters */
	const char *worker;                   /* NULL: none given */
	int64_t pid;
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
	char *from_address; /* the single From mailbox, lower-cased */
	char *from_domain;
	bool authenticated;
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
 * Looks for the code q asks for without locking or claiming anything.
 * Unclaimed means: neither this row nor a copy of its message (same
 * messages.copy_of) was claimed for the address, and no code of the kind
 * claimed for the address belongs to a newer message (a resend
 * supersedes). A message's time there is its received_at, but never later
 * than its fetched_at, so a server clock that jumped ahead cannot block
 * later codes. OTPBOX_ERR_NOT_FOUND when there is none.
 */
enum otpbox_err store_wait_find(struct store *st,
                                const struct store_wait_query *q,
                                int64_t *code_id);

/*
 * Claims the code store_wait_find() would choose and ends wait wait_id as
 * 'claimed', in one write transaction: the same code (or message) never
 * goes to two claimers. claimed_by and now are recorded. On success *out
 * is filled (free it with store_wait_code_free()); when another claimer
 * was faster and nothing is left, OTPBOX_ERR_NOT_FOUND and nothing changes.
 */
enum otpbox_err store_wait_claim(struct store *st, int64_t wait_id,
                                 const struct store_wait_query *q,
                                 const char *claimed_by, int64_t now,
                                 struct store_wait_code *out);

/* The skew without samples, and its upper bound, in seconds. */
#define STORE_WAIT_SKEW_FALLBACK 2
#define STORE_WAIT_SKEW_MAX 300
/* Messages looked at to measure the skew (the newest ones). */
#define STORE_WAIT_SKEW_SAMPLES 200

/*
 * Measures how far the mail server's clock runs behind ours: the least
 * fetched_at - received_at over the newest STORE_WAIT_SKEW_SAMPLES
 * messages (a message is never fetched before it arrived, so the least
 * delay bounds the lag), leaving out delays above STORE_WAIT_SKEW_MAX
 * (a backlog, not a clock). Floor 0. *seconds gets the bound, *samples
 * how many messages it rests on; with none, STORE_WAIT_SKEW_FALLBACK.
 */
enum otpbox_err store_wait_skew(struct store *st, int *seconds, int *samples);

/* Why a finished wait got no code, from the view missed_otps. Strings
 * are owned by the struct: free with store_wait_missed_free(). */
struct store_wait_missed {
	char *reason;       /* claimed_by_other, filtered, late, ... */
	int64_t message_id; /* 0: none */
	char *filtered_by;  /* 'from', 'subject', 'authenticated' or NULL */
	char *from_address; /* of message_id */
};

/* Reads missed_otps for wait_id; OTPBOX_ERR_NOT_FOUND when the wait is
 * not (or not yet) missed. */
enum otpbox_err store_wait_missed_get(struct store *st, int64_t wait_id,
                                      struct store_wait_missed *out);
void store_wait_missed_free(struct store_wait_missed *m);

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
