/* SPDX-License-Identifier: MIT */
/* The SQLite store's change feed: which addresses got new codes, shared
 * between processes through a small mapped file beside the database. */
#ifndef OTPBOX_STORE_FEED_H
#define OTPBOX_STORE_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "otpbox_err.h"

/*
 * The feed is the file DB_PATH STORE_FEED_SUFFIX: a header and
 * STORE_FEED_BUCKETS 32-bit sequence counters. A commit that inserted
 * codes for an address increments the counter of the address's bucket
 * (a hash of the lower-cased address) and wakes, with a shared futex,
 * the waiters sleeping on that counter; waiters of other buckets sleep
 * on. Nothing in it is secret or authoritative: a counter only says
 * "look again", and a waiter re-checks the database every few seconds
 * anyway for writers that do not bump (plain SQL from another tool).
 */
#define STORE_FEED_SUFFIX "-feed"
#define STORE_FEED_BUCKETS 4096

struct store_feed;

/* What a waiter watches: a bucket and the counter value it saw. */
struct store_feed_token {
	uint32_t bucket;
	uint32_t seq;
};

enum store_feed_event {
	STORE_FEED_TIMEOUT = 0, /* the time given passed, nothing bumped */
	STORE_FEED_WOKEN,       /* the watched bucket was bumped */
	STORE_FEED_CANCELLED,   /* the cancel descriptor became readable */
};

/*
 * Opens the feed of the database db_path, creating it when missing with
 * the database's permission bits (as SQLite makes its -wal and -shm
 * files). What safe_file_open() refuses (a link, a file that is not
 * regular, one of another user outside a shared folder's group) and a
 * file without the feed's size and header are refused: OTPBOX_ERR_IO with
 * a sentence in errbuf (may be NULL) that names the file. OTPBOX_ERR_NOMEM.
 * *out belongs to the caller (store_feed_close()).
 */
enum otpbox_err store_feed_open(const char *db_path, struct store_feed **out,
                                char *errbuf, size_t errlen);
/* Unmaps and frees f; accepts NULL. */
void store_feed_close(struct store_feed *f);

/* Whether DB-feed is still the file f mapped: false once it was deleted or
 * replaced (by hand), when f must be closed and opened again. */
int store_feed_is_current(const struct store_feed *f);

/* The bucket of address (ASCII case ignored, as SQL lower() does). */
uint32_t store_feed_bucket(const char *address);

/* Writer side. Bumps the bucket of address (NULL: every bucket) and
 * wakes its sleepers. Call after the commit is visible. */
void store_feed_bump(struct store_feed *f, const char *address);

/*
 * Opens the feed of db_path, bumps address (NULL: every bucket) and
 * closes it: for programs that insert codes without the store (tests).
 * Errors as store_feed_open().
 */
enum otpbox_err store_feed_notify(const char *db_path, const char *address);

/*
 * Writer side inside a transaction: a pending set of the database db_path
 * that store_feed_publish() bumps once the commit is visible, and
 * store_feed_discard() forgets on rollback. The feed file is opened at
 * the first publish. *out belongs to the caller (store_feed_pending_free(),
 * which accepts NULL). store_feed_pending_new: OTPBOX_ERR_NOMEM.
 */
struct store_feed_pending;
enum otpbox_err store_feed_pending_new(const char *db_path,
                                       struct store_feed_pending **out);
void store_feed_pending_free(struct store_feed_pending *p);
/* Notes that this transaction inserted codes for address. */
void store_feed_collect(struct store_feed_pending *p, const char *address);
/*
 * After a commit that inserted codes: bumps the collected buckets (in a
 * feed opened again if its file was replaced since), or
 * every bucket when codes came in without collect() (plain SQL through
 * the store's connection), then empties the set. Returns the open error
 * (the commit stands; waiters then find the codes at their next re-check).
 */
enum otpbox_err store_feed_publish(struct store_feed_pending *p);
void store_feed_discard(struct store_feed_pending *p);

/* Waiter side. Reads the counter of address's bucket into *tok: call it
 * before looking at the database, so that a commit after the look is
 * never missed. */
void store_feed_watch(struct store_feed *f, const char *address,
                      struct store_feed_token *tok);

/*
 * Whether the database file or its WAL changed on disk (size, time or
 * file) since the previous call; true at the first. For the waiters'
 * safety re-check of writers that do not announce: a stat() of each,
 * without the lock on the WAL index that asking SQLite takes (with a
 * thousand connections open, each of those walks a thousand locks).
 */
int store_feed_files_changed(struct store_feed *f);

/*
 * Sleeps until the bucket of tok moves past tok->seq (at once if it
 * already has), timeout_ms (>= 0) passes, or cancel_fd (-1: none) becomes
 * readable or hangs up; *ev says which. A cancel descriptor is watched by
 * a helper thread, which wakes the sleeper at once; it lives from the
 * first sleep on that descriptor until store_feed_unwatch(). Errors:
 * OTPBOX_ERR_IO (a closed cancel_fd, a failing futex).
 */
enum otpbox_err store_feed_sleep(struct store_feed *f,
                                 const struct store_feed_token *tok,
                                 int timeout_ms, int cancel_fd,
                                 enum store_feed_event *ev);

/* Ends the helper thread of store_feed_sleep(), if any: call it when a
 * wait is over, before its cancel descriptor may be closed. Implied by
 * store_feed_close(). */
void store_feed_unwatch(struct store_feed *f);

#endif
