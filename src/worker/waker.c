/* SPDX-License-Identifier: MIT */
/* Sleeping until the database may have changed. SQLite appends every commit
 * to the -wal file with write(), so an inotify watch on the directory sees
 * each commit of any process; the -wal file can be deleted and recreated,
 * which is why the directory is watched, not the file. A hint is only a
 * hint: the caller confirms with PRAGMA data_version. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "waker.h"

struct waker {
	int fd;    /* inotify descriptor, -1 when unavailable */
	char *wal; /* base name of the -wal file */
	size_t wal_len;
};

static int64_t
waker_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Splits db_path into a directory to watch and the -wal base name. */
static enum otpbox_err
waker_names(struct waker *w, const char *db_path, char **dir)
{
	const char *slash = strrchr(db_path, '/');
	const char *base = slash ? slash + 1 : db_path;

	w->wal_len = strlen(base) + 4;
	w->wal = malloc(w->wal_len + 1);
	if (slash == NULL)
		*dir = strdup(".");
	else if (slash == db_path)
		*dir = strdup("/");
	else
		*dir = strndup(db_path, (size_t)(slash - db_path));
	if (w->wal == NULL || *dir == NULL)
		return OTPBOX_ERR_NOMEM;
	memcpy(w->wal, base, w->wal_len - 4);
	memcpy(w->wal + w->wal_len - 4, "-wal", 5);
	return OTPBOX_OK;
}

enum otpbox_err
waker_new(const char *db_path, struct waker **out)
{
	struct waker *w;
	enum otpbox_err err;
	char *dir = NULL;

	*out = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return OTPBOX_ERR_NOMEM;
	w->fd = -1;
	if ((err = waker_names(w, db_path, &dir)))
		goto out;
	/* Any failure here leaves a timer-only waker: slower, still right. */
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd >= 0 &&
	    inotify_add_watch(w->fd, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO) <
	        0) {
		close(w->fd);
		w->fd = -1;
	}
out:
	free(dir);
	if (err) {
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
	if (w->fd >= 0)
		close(w->fd);
	free(w->wal);
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
	return w->fd >= 0 ? WAKER_SAFETY_MS : WAKER_POLL_MS;
}

/* Reads every queued event; true if one concerns the -wal file (or the
 * queue overflowed and events were lost). */
static int
waker_drain(struct waker *w)
{
	char buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n, off;
	int hint = 0;

	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n;
		     off += (ssize_t)sizeof(*ev) + (ssize_t)ev->len) {
			ev = (const struct inotify_event *)(buf + off);
			if (ev->mask & IN_Q_OVERFLOW)
				hint = 1;
			else if (ev->len > 0 && strcmp(ev->name, w->wal) == 0)
				hint = 1;
		}
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
	}
	return OTPBOX_OK;
}
