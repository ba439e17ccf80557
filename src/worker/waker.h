/* SPDX-License-Identifier: MIT */
/* Sleeping until new codes may have been committed for one address: the
 * store's change feed (store_feed.h), with a re-check interval as the
 * safety net for writers that do not announce. */
#ifndef OTPBOX_WAKER_H
#define OTPBOX_WAKER_H

#include <stddef.h>

#include "otpbox_err.h"

/* The longest sleep between two looks at the database: a commit that was
 * not announced (plain SQL from another tool) costs at most this much
 * latency, and an idle waiter wakes this often. */
#define WAKER_SAFETY_MS 10000

enum waker_event {
	WAKER_TIMEOUT = 0, /* the time given passed without a hint */
	WAKER_HINT,        /* codes were committed for the watched address
	                    * (or another one of its feed bucket) */
	WAKER_CANCEL,      /* the cancel descriptor became readable */
};

struct waker;

/*
 * Opens the change feed of the database db_path (creating it when
 * missing). Errors as store_feed_open(), with the sentence in errbuf
 * (may be NULL). *out belongs to the caller (waker_free()).
 */
enum otpbox_err waker_new(const char *db_path, struct waker **out, char *errbuf,
                          size_t errlen);
void waker_free(struct waker *w);

/* Starts watching address; call it before each look at the database, so
 * that a commit after the look is never slept through. address is not
 * kept. */
void waker_watch(struct waker *w, const char *address);

/* How long a caller may sleep before it must look again anyway. */
int waker_interval_ms(const struct waker *w);

/* Whether the database may have changed since the previous call (true at
 * the first): a cheap test for the look after a time-out, see
 * store_feed_files_changed(). Also opens the feed again when its file was
 * replaced (then true: wake-ups may have gone to the new one). */
int waker_maybe_changed(struct waker *w);

/*
 * Sleeps up to timeout_ms (>= 0), until codes are committed for the
 * watched address after the last waker_watch() (at once if they already
 * were), or until cancel_fd (-1: none) becomes readable or hangs up. *ev
 * says which. Errors: OTPBOX_ERR_IO (a closed cancel_fd, a failing futex).
 */
enum otpbox_err waker_sleep(struct waker *w, int timeout_ms, int cancel_fd,
                            enum waker_event *ev);

/* Ends what the sleeps of one wait set up (the thread watching its cancel
 * descriptor): call it when the wait is over. */
void waker_done(struct waker *w);

#endif
