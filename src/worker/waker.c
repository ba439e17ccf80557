/* SPDX-License-Identifier: MIT */
/* Sleeping until new codes may have been committed. Every store connection
 * writes the database's notify file after a commit that inserted codes
 * (store_wait.h); each waiter has an inotify watch on that one file.
 * Watching the -wal file, or the directory, would instead cost every
 * write() of every commit one event per waiter (with a thousand waiters a
 * single INSERT took 10 ms) and wake every waiter for each other's waits
 * and claims. A hint is only a hint: the caller confirms with PRAGMA
 * data_version, and looks on its own every WAKER_SAFETY_MS for writers
 * that do not notify. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "store_wait.h"
#include "waker.h"

#define WAKER_EVENTS (IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)

struct waker {
	int fd;                /* inotify descriptor, -1 when unavailable */
	char *path;            /* the notify file */
	char *db_path;         /* the database it belongs to */
	struct timespec mtime; /* without inotify: last seen change time */
};

static int64_t
waker_now_ms(void)
{
	return clock_mono_ms();
}

/* Creates the notify file when missing (a waiter may start before any code
 * was ever stored) and watches it; -1 on failure. */
static int
waker_watch(struct waker *w)
{
	if (store_wait_notify_create(w->db_path) != OTPBOX_OK)
		return -1;
	return inotify_add_watch(w->fd, w->path, WAKER_EVENTS) < 0 ? -1 : 0;
}

/* Without inotify: true when the notify file's change time moved since
 * the last call (a stat() costs far less than asking SQLite). */
static int
waker_stat_changed(struct waker *w)
{
	struct stat st;
	int changed;

	if (stat(w->path, &st) < 0)
		return 0;
	changed = st.st_mtim.tv_sec != w->mtime.tv_sec ||
	          st.st_mtim.tv_nsec != w->mtime.tv_nsec;
	w->mtime = st.st_mtim;
	return changed;
}

enum otpbox_err
waker_new(const char *db_path, struct waker **out)
{
	size_t len = strlen(db_path) + sizeof(STORE_WAIT_NOTIFY_SUFFIX);
	struct waker *w;

	*out = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return OTPBOX_ERR_NOMEM;
	w->fd = -1;
	if ((w->path = malloc(len)) == NULL ||
	    (w->db_path = strdup(db_path)) == NULL) {
		waker_free(w);
		return OTPBOX_ERR_NOMEM;
	}
	snprintf(w->path, len, "%s%s", db_path, STORE_WAIT_NOTIFY_SUFFIX);
	/* Also without inotify (every instance taken): the file then exists
	 * with the database's mode before any fetcher writes it. */
	(void)store_wait_notify_create(db_path);
	/* Any failure here leaves a timer-only waker: slower, still right. */
	w->fd = getenv(WAKER_NO_INOTIFY_ENV)
	            ? -1
	            : inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd >= 0 && waker_watch(w) < 0) {
		close(w->fd);
		w->fd = -1;
	}
	if (w->fd < 0)
		(void)waker_stat_changed(w);
	*out = w;
	return OTPBOX_OK;
}

void
waker_free(struct waker *w)
{
	if (w == NULL)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w->path);
	free(w->db_path);
	free(w);
}

int
waker_has_inotify(const struct waker *w)
{
	return w->fd >= 0;
}

int
waker_interval_ms(const struct waker *w)
{
	(void)w;
	return WAKER_SAFETY_MS;
}

/* The timer-only sleep: polls the notify file every WAKER_POLL_MS. */
static enum otpbox_err
waker_sleep_polling(struct waker *w, int timeout_ms, int cancel_fd,
                    enum waker_event *ev)
{
	int64_t end = waker_now_ms() + timeout_ms, left;
	struct pollfd pfd = {.fd = cancel_fd, .events = POLLIN};
	int n;

	while ((left = end - waker_now_ms()) > 0) {
		n = poll(&pfd, 1,
		         left < WAKER_POLL_MS ? (int)left : WAKER_POLL_MS);
		if (n < 0 && errno != EINTR)
			return OTPBOX_ERR_IO;
		if (n > 0) {
			*ev = WAKER_CANCEL;
			return OTPBOX_OK;
		}
		if (waker_stat_changed(w)) {
			*ev = WAKER_HINT;
			return OTPBOX_OK;
		}
	}
	return OTPBOX_OK;
}

/* Reads every queued event. Any event is a hint; when the file went away
 * (deleted or renamed by hand), a new one is made and watched. */
static int
waker_drain(struct waker *w)
{
	char buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	int hint = 0, lost = 0;
	ssize_t n, off;

	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n;
		     off += (ssize_t)sizeof(*ev) + (ssize_t)ev->len) {
			ev = (const struct inotify_event *)(buf + off);
			hint = 1;
			if (ev->mask &
			    (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF))
				lost = 1;
		}
	}
	if (lost && waker_watch(w) < 0) {
		close(w->fd);
		w->fd = -1;
	}
	return hint;
}

enum otpbox_err
waker_sleep(struct waker *w, int timeout_ms, int cancel_fd,
            enum waker_event *ev)
{
	int64_t end = waker_now_ms() + timeout_ms, left;
	struct pollfd pfd[2];
	int n;

	*ev = WAKER_TIMEOUT;
	if (w->fd < 0)
		return waker_sleep_polling(w, timeout_ms, cancel_fd, ev);
	pfd[0] = (struct pollfd){.fd = w->fd, .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = cancel_fd, .events = POLLIN};
	while ((left = end - waker_now_ms()) > 0) {
		n = poll(pfd, 2, (int)left);
		if (n < 0 && errno == EINTR)
			return OTPBOX_OK;
		if (n < 0)
			return OTPBOX_ERR_IO;
		if (n > 0 && (pfd[1].revents & (POLLIN | POLLHUP))) {
			*ev = WAKER_CANCEL;
			return OTPBOX_OK;
		}
		if (n > 0 && waker_drain(w)) {
			*ev = WAKER_HINT;
			return OTPBOX_OK;
		}
		pfd[0].fd = w->fd; /* -1 if the watch could not be renewed */
	}
	return OTPBOX_OK;
}

enum otpbox_err
waker_pause(struct waker *w, int timeout_ms, int cancel_fd,
            enum waker_event *ev)
{
	struct pollfd pfd = {.fd = cancel_fd, .events = POLLIN};
	int n;

	(void)w;
	*ev = WAKER_TIMEOUT;
	n = poll(&pfd, 1, timeout_ms);
	if (n < 0 && errno != EINTR)
		return OTPBOX_ERR_IO;
	if (n > 0)
		*ev = WAKER_CANCEL;
	return OTPBOX_OK;
}
