/* SPDX-License-Identifier: MIT */
/* Sleeping until new codes may have been committed for one address. The
 * fetcher's commit bumps the feed bucket of each address it brought codes
 * for (store_feed.h); a waiter sleeps on its own bucket only, so commits
 * for other bots, other waits starting and ending, and claims wake
 * nobody, and no kernel object per waiter is needed (inotify's 128
 * instances per user made waiters past the 128th poll). A hint is only a
 * hint: the caller confirms by looking, and looks on its own every
 * WAKER_SAFETY_MS for writers that do not announce. */
#include <stdlib.h>
#include <string.h>

#include "store_feed.h"
#include "waker.h"

struct waker {
	char *db_path;
	struct store_feed *feed;
	struct store_feed_token tok; /* the last waker_watch() */
};

enum otpbox_err
waker_new(const char *db_path, struct waker **out, char *errbuf, size_t errlen)
{
	struct waker *w;
	enum otpbox_err err;

	*out = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return OTPBOX_ERR_NOMEM;
	if ((w->db_path = strdup(db_path)) == NULL) {
		free(w);
		return OTPBOX_ERR_NOMEM;
	}
	if ((err = store_feed_open(db_path, &w->feed, errbuf, errlen))) {
		waker_free(w);
		return err;
	}
	*out = w;
	return OTPBOX_OK;
}

void
waker_free(struct waker *w)
{
	if (w == NULL)
		return;
	store_feed_close(w->feed);
	free(w->db_path);
	free(w);
}

void
waker_watch(struct waker *w, const char *address)
{
	store_feed_watch(w->feed, address, &w->tok);
}

int
waker_interval_ms(const struct waker *w)
{
	(void)w;
	return WAKER_SAFETY_MS;
}

int
waker_maybe_changed(struct waker *w)
{
	struct store_feed *fresh;
	int changed = store_feed_files_changed(w->feed);

	if (!store_feed_is_current(w->feed) &&
	    store_feed_open(w->db_path, &fresh, NULL, 0) == OTPBOX_OK) {
		store_feed_close(w->feed);
		w->feed = fresh;
		changed = 1;
	}
	return changed;
}

enum otpbox_err
waker_sleep(struct waker *w, int timeout_ms, int cancel_fd,
            enum waker_event *ev)
{
	enum store_feed_event fev;
	enum otpbox_err err;

	*ev = WAKER_TIMEOUT;
	err = store_feed_sleep(w->feed, &w->tok, timeout_ms, cancel_fd, &fev);
	if (!err && fev == STORE_FEED_WOKEN)
		*ev = WAKER_HINT;
	else if (!err && fev == STORE_FEED_CANCELLED)
		*ev = WAKER_CANCEL;
	return err;
}

void
waker_done(struct waker *w)
{
	store_feed_unwatch(w->feed);
}
