/* SPDX-License-Identifier: MIT */
/* Sleeping until new codes may have been committed: inotify on the
 * database's notify file (see store_wait.h), with a timer as fallback. */
#ifndef OTPBOX_WAKER_H
#define OTPBOX_WAKER_H

#include "otpbox_err.h"

/* Safety re-check interval while inotify works (a missed hint costs at
 * most this much latency), and the polling interval when it does not. */
#define WAKER_SAFETY_MS 10000
#define WAKER_POLL_MS 100

enum waker_event {
	WAKER_TIMEOUT = 0, /* the time given passed without a hint */
	WAKER_HINT,        /* the notify file was written or created */
	WAKER_CANCEL,      /* the cancel descriptor became readable */
};

struct waker;

/*
 * Prepares to watch the database file db_path. When inotify cannot be used
 * (no instance left: fs.inotify.max_user_instances), the waker still works
 * but only as a timer; waker_interval_ms() then says how often to look.
 * *out belongs to the caller (waker_free()).
 */
enum otpbox_err waker_new(const char *db_path, struct waker **out);
void waker_free(struct waker *w);

/* True when writes are signalled by inotify. */
int waker_has_inotify(const struct waker *w);
/* How long a caller may sleep before it must look again anyway. */
int waker_interval_ms(const struct waker *w);

/*
 * Sleeps up to timeout_ms (>= 0) or until a hint arrives or cancel_fd
 * (-1: none) becomes readable; pending hints are drained so that a burst of
 * writes gives one wake-up. *ev says which. Errors only for a failing
 * poll() (OTPBOX_ERR_IO); EINTR counts as a time-out.
 */
enum otpbox_err waker_sleep(struct waker *w, int timeout_ms, int cancel_fd,
                            enum waker_event *ev);

/* Sleeps up to timeout_ms or until cancel_fd is readable, without waking
 * for hints; they stay queued for the next waker_sleep(). */
enum otpbox_err waker_pause(struct waker *w, int timeout_ms, int cancel_fd,
			    enum waker_event *ev);

#endif
