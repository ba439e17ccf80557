/* SPDX-License-Identifier: MIT */
/* Sleeping until new codes may have been committed: inotify on the
 * database's notify file (see store_wait.h), with a timer as fallback. */
#ifndef OTPBOX_WAKER_H
#define OTPBOX_WAKER_H

#include "otpbox_err.h"

/* Safety re-check interval (a missed hint costs at most this much
 * latency), and how often the notify file is stat()ed without inotify. */
#define WAKER_SAFETY_MS 10000
#define WAKER_POLL_MS 100

/* Set in the environment, makes every waker poll as if inotify were
 * unavailable (for the tests of that path). */
#define WAKER_NO_INOTIFY_ENV "OTPBOX_WAKER_NO_INOTIFY"

enum waker_event {
	WAKER_TIMEOUT = 0, /* the time given passed without a hint */
	WAKER_HINT,        /* the notify file was written or created */
	WAKER_CANCEL,      /* the cancel descriptor became readable */
};

struct waker;

/*
 * Prepares to watch the notify file of the database db_path. When inotify
 * cannot be used (no instance left: fs.inotify.max_user_instances), the
 * waker stat()s the file every WAKER_POLL_MS instead. *out belongs to the
 * caller (waker_free()).
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
