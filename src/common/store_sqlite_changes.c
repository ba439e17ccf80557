/* SPDX-License-Identifier: MIT */
/* The SQLite store's change feed on the waiting side. The fetcher's
 * commit bumps the feed bucket of each address it brought codes for
 * (store_feed.h); a waiter sleeps on its own bucket only, so commits for
 * other bots, other waits starting and ending, and claims wake nobody,
 * and no kernel object per waiter is needed (inotify's 128 instances per
 * user made waiters past the 128th poll). A hint is only a hint: the
 * caller confirms by looking, and looks on its own every
 * STORE_SQLITE_SAFETY_MS for writers that do not announce. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "store_feed.h"
#include "store_sqlite_p.h"

/* The longest sleep between two looks at the database: a commit that was
 * not announced (plain SQL from another tool) costs at most this much
 * latency, and an idle waiter wakes this often. */
#define STORE_SQLITE_SAFETY_MS 10000

/* Opens the waiter's feed at the first watch, and again when its file
 * was replaced; *reopened then. A failed reopen keeps the old one. */
static enum otpbox_err
store_sqlite_changes_feed(struct store_sqlite *st, bool *reopened)
{
	struct store_feed *fresh;
	enum otpbox_err err;

	*reopened = false;
	if (st->watch_feed == NULL) {
		err = store_feed_open(st->path, &st->watch_feed, st->errmsg,
		                      sizeof(st->errmsg));
		*reopened = err == OTPBOX_OK;
		return err;
	}
	if (st->watch_quiet && !store_feed_is_current(st->watch_feed) &&
	    store_feed_open(st->path, &fresh, NULL, 0) == OTPBOX_OK) {
		store_feed_close(st->watch_feed);
		st->watch_feed = fresh;
		*reopened = true;
	}
	return OTPBOX_OK;
}

enum otpbox_err
store_sqlite_changes_watch(struct store *base, const char *address,
                           bool *may_have_changed)
{
	struct store_sqlite *st = store_sqlite_of(base);
	enum otpbox_err err;
	bool reopened;
	int64_t version;

	*may_have_changed = true;
	if ((err = store_sqlite_changes_feed(st, &reopened)))
		return err;
	/* Watch first: a commit after the caller's look ends the sleep. */
	store_feed_watch(st->watch_feed, address, &st->watch_tok);
	/* After a quiet time-out, PRAGMA data_version is asked only when the
	 * files changed: it takes a lock on the WAL index, which costs a walk
	 * over every other waiter's lock. */
	if (st->watch_quiet && !reopened &&
	    !store_feed_files_changed(st->watch_feed)) {
		*may_have_changed = false;
		return OTPBOX_OK;
	}
	if ((err = store_sqlite_data_version(base, &version)))
		return err;
	*may_have_changed = version != st->watch_seen;
	st->watch_seen = version;
	return OTPBOX_OK;
}

enum otpbox_err
store_sqlite_changes_sleep(struct store *base, int timeout_ms, int cancel_fd,
                           enum store_changes_event *ev)
{
	struct store_sqlite *st = store_sqlite_of(base);
	enum store_feed_event fev;
	enum otpbox_err err;

	*ev = STORE_CHANGES_TIMEOUT;
	if (st->watch_feed == NULL)
		return OTPBOX_ERR_USAGE;
	err = store_feed_sleep(st->watch_feed, &st->watch_tok, timeout_ms,
	                       cancel_fd, &fev);
	st->watch_quiet = !err && fev == STORE_FEED_TIMEOUT;
	if (!err && fev == STORE_FEED_WOKEN)
		*ev = STORE_CHANGES_WOKEN;
	else if (!err && fev == STORE_FEED_CANCELLED)
		*ev = STORE_CHANGES_CANCELLED;
	return err;
}

void
store_sqlite_changes_done(struct store *base)
{
	struct store_sqlite *st = store_sqlite_of(base);

	if (st->watch_feed)
		store_feed_unwatch(st->watch_feed);
	st->watch_seen = -1;
	st->watch_quiet = false;
}

int
store_sqlite_changes_interval_ms(const struct store *base)
{
	(void)base;
	return STORE_SQLITE_SAFETY_MS;
}

/* Refused files make every wait fail; a missing one is made by the first
 * waiter, not here. */
enum otpbox_err
store_sqlite_changes_check(struct store *base, char *errbuf, size_t errlen)
{
	struct store_sqlite *st = store_sqlite_of(base);
	struct store_feed *f = NULL;
	struct stat sb;
	enum otpbox_err err;

	snprintf(errbuf, errlen, "%s%s", st->path, STORE_FEED_SUFFIX);
	if (lstat(errbuf, &sb) < 0 && errno == ENOENT) {
		snprintf(errbuf, errlen,
		         "%s%s not made yet (the first waiting bot makes it)",
		         st->path, STORE_FEED_SUFFIX);
		return OTPBOX_OK;
	}
	if ((err = store_feed_open(st->path, &f, errbuf, errlen)))
		return err;
	store_feed_close(f);
	snprintf(errbuf, errlen, "%s%s wakes each bot for its own address",
	         st->path, STORE_FEED_SUFFIX);
	return OTPBOX_OK;
}
