/* SPDX-License-Identifier: MIT */
/* The SQLite store's change feed (store_feed.h): per-bucket sequence
 * counters in a mapped file beside the database, slept on with futexes.
 *
 * Why not inotify on a notify file: Linux gives each user 128 inotify
 * instances by default, so waiters past the 128th had to poll, and every
 * commit woke every waiter. A futex on a shared file mapping costs no
 * kernel object while nobody sleeps, has no per-user limit, and a wake
 * reaches only the sleepers of one counter. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "safe_file.h"
#include "store_feed.h"

#define STORE_FEED_MAGIC 0x6670746fu /* "otpf" in a little-endian file */
#define STORE_FEED_VERSION 1u
/* How often an incomplete feed is looked at again, 1 ms apart, before
 * it is refused: another process may be writing it. */
#define STORE_FEED_TRIES 100
/* Without a helper thread, how often a sleeper looks at cancel_fd. */
#define STORE_FEED_SLICE_MS 50

struct store_feed_map {
	uint32_t magic;
	uint32_t version;
	uint32_t buckets;
	uint32_t reserved[13];
	uint32_t seq[STORE_FEED_BUCKETS];
};

/* What a stat() says of one file, to tell that it changed. */
struct store_feed_stamp {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

/* The helper thread that watches a wait's cancel descriptor, and what it
 * shares with the sleeper. */
struct store_feed_cancel {
	pthread_t tid;
	int running;    /* tid is to be joined */
	int cancel_fd;  /* what it watches */
	int stop_fd;    /* eventfd that ends it; -1 until needed */
	uint32_t *word; /* atomic: the counter slept on, NULL when awake */
	int cancelled;  /* atomic: cancel_fd became readable */
};

struct store_feed {
	struct store_feed_map *map;
	struct store_feed_cancel cancel;
	char *files[2]; /* the database and its WAL */
	struct store_feed_stamp stamps[2];
	int stamped; /* files_changed() was called */
	char *path;  /* DB-feed */
	dev_t dev;   /* and the file mapped */
	ino_t ino;
};

struct store_feed_pending {
	char *db_path;
	struct store_feed *feed; /* opened at the first publish */
	int any;                 /* something was collected */
	unsigned char bits[STORE_FEED_BUCKETS / 8];
};

static long
store_feed_futex(uint32_t *word, int op, uint32_t val,
                 const struct timespec *ts)
{
	/* Not FUTEX_PRIVATE_FLAG: the sleepers are in other processes. */
	return syscall(SYS_futex, word, op, val, ts, NULL, 0);
}

static void
store_feed_bump_word(uint32_t *word)
{
	__atomic_fetch_add(word, 1, __ATOMIC_SEQ_CST);
	(void)store_feed_futex(word, FUTEX_WAKE, INT_MAX, NULL);
}

uint32_t
store_feed_bucket(const char *address)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	unsigned char c;

	for (; *address; address++) {
		c = (unsigned char)*address;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		h = (h ^ c) * 16777619u;
	}
	return (h ^ (h >> 16)) % STORE_FEED_BUCKETS;
}

/* A file that is there but must not be used. */
static enum otpbox_err
store_feed_refuse(char *errbuf, size_t errlen, const char *path,
                  const char *why)
{
	if (errbuf && errlen)
		snprintf(errbuf, errlen,
		         "%s: %s; remove it and otpbox makes a new one", path,
		         why);
	return OTPBOX_ERR_IO;
}

/* A system call that failed on path. */
static enum otpbox_err
store_feed_fail(char *errbuf, size_t errlen, const char *path)
{
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "change feed %s: %s", path,
		         strerror(errno));
	return OTPBOX_ERR_IO;
}

/* Makes the feed at path, or finds that another process was first
 * (OTPBOX_OK with *fd -1). The file is complete once its size is: the
 * header and counters go out in one write after the permission bits. */
static enum otpbox_err
store_feed_create(const char *path, const struct stat *db, int *fd,
                  char *errbuf, size_t errlen)
{
	static const struct store_feed_map head = {
	    .magic = STORE_FEED_MAGIC,
	    .version = STORE_FEED_VERSION,
	    .buckets = STORE_FEED_BUCKETS};

	if (safe_file_open(path, O_RDWR | O_CREAT | O_EXCL, 0600,
	                   SAFE_FILE_SHARED, fd, errbuf, errlen))
		return errno == EEXIST ? OTPBOX_OK : OTPBOX_ERR_IO;
	/* The database's mode, as SQLite gives its -wal and -shm files:
	 * every member of a shared group uses it. The owner stays the
	 * creator, which safe_file_open() accepts (not so a file root gave
	 * away to the database's owner). */
	if (fchmod(*fd, db->st_mode & 0666) == 0 &&
	    pwrite(*fd, &head, sizeof(head), 0) == (ssize_t)sizeof(head))
		return OTPBOX_OK;
	(void)store_feed_fail(errbuf, errlen, path);
	close(*fd);
	*fd = -1;
	unlink(path);
	return OTPBOX_ERR_IO;
}

/* Opens the feed at path, making it when missing. A feed shorter than
 * its size may be one another process is still writing: it is given a
 * moment before it is refused. */
static enum otpbox_err
store_feed_open_file(const char *db_path, const char *path, int *fd,
                     char *errbuf, size_t errlen)
{
	enum otpbox_err err;
	struct stat db, st;
	int tries;

	if (stat(db_path, &db) < 0)
		return store_feed_fail(errbuf, errlen, db_path);
	for (tries = 0; tries < STORE_FEED_TRIES; tries++) {
		err = safe_file_open(path, O_RDWR, 0, SAFE_FILE_SHARED, fd,
		                     errbuf, errlen);
		if (err && errno == ENOENT)
			err = store_feed_create(path, &db, fd, errbuf, errlen);
		if (err)
			return err;
		if (*fd < 0)
			continue; /* made by another process just now */
		if (fstat(*fd, &st) < 0)
			return store_feed_fail(errbuf, errlen, path);
		if (st.st_size == (off_t)sizeof(struct store_feed_map))
			return OTPBOX_OK;
		if (st.st_size > (off_t)sizeof(struct store_feed_map))
			break;
		close(*fd);
		*fd = -1;
		usleep(1000);
	}
	return store_feed_refuse(errbuf, errlen, path,
	                         "not an otpbox feed (wrong size)");
}

static enum otpbox_err
store_feed_map_fd(int fd, const char *path, struct store_feed *f, char *errbuf,
                  size_t errlen)
{
	void *p = mmap(NULL, sizeof(struct store_feed_map),
	               PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	struct stat st;

	if (fstat(fd, &st) == 0) {
		f->dev = st.st_dev;
		f->ino = st.st_ino;
	}
	if (p == MAP_FAILED)
		return store_feed_fail(errbuf, errlen, path);
	f->map = p;
	if (f->map->magic != STORE_FEED_MAGIC ||
	    f->map->version != STORE_FEED_VERSION ||
	    f->map->buckets != STORE_FEED_BUCKETS)
		return store_feed_refuse(errbuf, errlen, path,
		                         "not an otpbox feed of this version");
	return OTPBOX_OK;
}

enum otpbox_err
store_feed_open(const char *db_path, struct store_feed **out, char *errbuf,
                size_t errlen)
{
	size_t len = strlen(db_path) + sizeof(STORE_FEED_SUFFIX);
	struct store_feed *f = NULL;
	char *path = malloc(len);
	enum otpbox_err err = OTPBOX_ERR_NOMEM;
	int fd = -1;

	*out = NULL;
	if (path == NULL || (f = calloc(1, sizeof(*f))) == NULL)
		goto out;
	f->cancel.stop_fd = -1;
	if ((f->files[0] = strdup(db_path)) == NULL ||
	    (f->files[1] = malloc(len)) == NULL)
		goto out;
	snprintf(f->files[1], len, "%s-wal", db_path);
	snprintf(path, len, "%s%s", db_path, STORE_FEED_SUFFIX);
	err = store_feed_open_file(db_path, path, &fd, errbuf, errlen);
	if (!err)
		err = store_feed_map_fd(fd, path, f, errbuf, errlen);
out:
	if (fd >= 0)
		close(fd); /* the mapping stays valid without it */
	if (f)
		f->path = path;
	else
		free(path);
	if (err) {
		store_feed_close(f);
		return err;
	}
	*out = f;
	return OTPBOX_OK;
}

void
store_feed_close(struct store_feed *f)
{
	if (f == NULL)
		return;
	if (f->map)
		munmap(f->map, sizeof(*f->map));
	store_feed_unwatch(f);
	if (f->cancel.stop_fd >= 0)
		close(f->cancel.stop_fd);
	free(f->files[0]);
	free(f->files[1]);
	free(f->path);
	free(f);
}

int
store_feed_is_current(const struct store_feed *f)
{
	struct stat st;

	return lstat(f->path, &st) == 0 && st.st_dev == f->dev &&
	       st.st_ino == f->ino;
}

/* Stamps file (all zero when it is missing); 1 when that changed it. */
static int
store_feed_restamp(const char *file, struct store_feed_stamp *stamp)
{
	struct store_feed_stamp now = {0};
	struct stat st;
	int changed;

	if (stat(file, &st) == 0)
		now = (struct store_feed_stamp){st.st_dev, st.st_ino,
		                                st.st_size, st.st_mtim};
	changed = now.dev != stamp->dev || now.ino != stamp->ino ||
	          now.size != stamp->size ||
	          now.mtime.tv_sec != stamp->mtime.tv_sec ||
	          now.mtime.tv_nsec != stamp->mtime.tv_nsec;
	*stamp = now;
	return changed;
}

int
store_feed_files_changed(struct store_feed *f)
{
	int i, changed = !f->stamped;

	for (i = 0; i < 2; i++)
		changed |= store_feed_restamp(f->files[i], &f->stamps[i]);
	f->stamped = 1;
	return changed;
}

void
store_feed_bump(struct store_feed *f, const char *address)
{
	uint32_t b;

	if (address) {
		store_feed_bump_word(&f->map->seq[store_feed_bucket(address)]);
		return;
	}
	for (b = 0; b < STORE_FEED_BUCKETS; b++)
		store_feed_bump_word(&f->map->seq[b]);
}

enum otpbox_err
store_feed_notify(const char *db_path, const char *address)
{
	struct store_feed *f;
	enum otpbox_err err;

	if ((err = store_feed_open(db_path, &f, NULL, 0)))
		return err;
	store_feed_bump(f, address);
	store_feed_close(f);
	return OTPBOX_OK;
}

enum otpbox_err
store_feed_pending_new(const char *db_path, struct store_feed_pending **out)
{
	struct store_feed_pending *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (p == NULL || (p->db_path = strdup(db_path)) == NULL) {
		free(p);
		return OTPBOX_ERR_NOMEM;
	}
	*out = p;
	return OTPBOX_OK;
}

void
store_feed_pending_free(struct store_feed_pending *p)
{
	if (p == NULL)
		return;
	store_feed_close(p->feed);
	free(p->db_path);
	free(p);
}

void
store_feed_collect(struct store_feed_pending *p, const char *address)
{
	uint32_t b = store_feed_bucket(address);

	p->bits[b / 8] |= (unsigned char)(1u << (b % 8));
	p->any = 1;
}

void
store_feed_discard(struct store_feed_pending *p)
{
	if (p->any)
		memset(p->bits, 0, sizeof(p->bits));
	p->any = 0;
}

enum otpbox_err
store_feed_publish(struct store_feed_pending *p)
{
	enum otpbox_err err = OTPBOX_OK;
	uint32_t b;

	if (p->feed && !store_feed_is_current(p->feed)) {
		store_feed_close(p->feed);
		p->feed = NULL;
	}
	if (p->feed == NULL)
		err = store_feed_open(p->db_path, &p->feed, NULL, 0);
	if (!err && !p->any)
		store_feed_bump(p->feed, NULL);
	for (b = 0; !err && p->any && b < STORE_FEED_BUCKETS; b++)
		if (p->bits[b / 8] & (1u << (b % 8)))
			store_feed_bump_word(&p->feed->map->seq[b]);
	store_feed_discard(p);
	return err;
}

void
store_feed_watch(struct store_feed *f, const char *address,
                 struct store_feed_token *tok)
{
	tok->bucket = store_feed_bucket(address);
	tok->seq = __atomic_load_n(&f->map->seq[tok->bucket], __ATOMIC_SEQ_CST);
}

/* 1 when fd is readable or hung up, 0 when not, -1 when it is no open
 * descriptor. */
static int
store_feed_fd_ready(int fd, int timeout_ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	if (pfd.revents & POLLNVAL)
		return -1;
	return (pfd.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

/* The helper thread: when cancel_fd becomes readable, sets cancelled and
 * bumps the counter being slept on, if any (so that the sleeper's futex
 * wait cannot miss it, whatever the timing), which wakes the sleeper.
 * Others sleeping on that bucket look once for nothing; a cancel is rare.
 * The sleeper stores word before it reads cancelled, the helper stores
 * cancelled before it reads word: one of them sees the other. */
static void *
store_feed_cancel_main(void *arg)
{
	struct store_feed_cancel *c = arg;
	struct pollfd pfd[2] = {{.fd = c->cancel_fd, .events = POLLIN},
	                        {.fd = c->stop_fd, .events = POLLIN}};
	uint32_t *word;

	while (poll(pfd, 2, -1) < 0)
		if (errno != EINTR)
			return NULL;
	if (pfd[1].revents)
		return NULL;
	__atomic_store_n(&c->cancelled, 1, __ATOMIC_SEQ_CST);
	if ((word = __atomic_load_n(&c->word, __ATOMIC_SEQ_CST)) != NULL)
		store_feed_bump_word(word);
	return NULL;
}

void
store_feed_unwatch(struct store_feed *f)
{
	struct store_feed_cancel *c = &f->cancel;
	uint64_t one = 1;

	if (!c->running)
		return;
	/* Fails only at 2^64 - 1 pending writes; the helper may also have
	 * ended on its own (a cancel). */
	(void)!write(c->stop_fd, &one, sizeof(one));
	pthread_join(c->tid, NULL);
	(void)!read(c->stop_fd, &one, sizeof(one));
	c->running = 0;
}

/* Starts the helper for cancel_fd unless it already watches it; 0 when
 * none could be started. */
static int
store_feed_cancel_start(struct store_feed *f, int cancel_fd)
{
	struct store_feed_cancel *c = &f->cancel;

	if (c->running && c->cancel_fd == cancel_fd &&
	    !__atomic_load_n(&c->cancelled, __ATOMIC_SEQ_CST))
		return 1;
	store_feed_unwatch(f);
	if (c->stop_fd < 0)
		c->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->stop_fd < 0)
		return 0;
	c->cancel_fd = cancel_fd;
	c->cancelled = 0;
	c->word = NULL;
	c->running =
	    pthread_create(&c->tid, NULL, store_feed_cancel_main, c) == 0;
	return c->running;
}

/* Sets *ev when the sleep is over for a reason other than time: a
 * cancel, or the counter moved. OTPBOX_ERR_IO for a closed cancel_fd. */
static enum otpbox_err
store_feed_event_now(uint32_t *word, uint32_t seq, const int *cancelled,
                     int cancel_fd, enum store_feed_event *ev)
{
	int ready = cancel_fd >= 0 ? store_feed_fd_ready(cancel_fd, 0) : 0;

	if (ready < 0)
		return OTPBOX_ERR_IO;
	if (ready ||
	    (cancelled && __atomic_load_n(cancelled, __ATOMIC_SEQ_CST)))
		*ev = STORE_FEED_CANCELLED;
	else if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != seq)
		*ev = STORE_FEED_WOKEN;
	return OTPBOX_OK;
}

/* Waits on the counter until it moves, *cancelled is set, or end_ms;
 * with cancel_fd >= 0 it also returns every STORE_FEED_SLICE_MS to look
 * at cancel_fd. */
static enum otpbox_err
store_feed_wait(uint32_t *word, uint32_t seq, int64_t end_ms,
                const int *cancelled, int cancel_fd, enum store_feed_event *ev)
{
	enum otpbox_err err;
	struct timespec ts;
	int64_t left;

	for (;;) {
		err = store_feed_event_now(word, seq, cancelled, cancel_fd, ev);
		if (err || *ev != STORE_FEED_TIMEOUT)
			return err;
		if ((left = end_ms - clock_mono_ms()) <= 0)
			return OTPBOX_OK;
		if (cancel_fd >= 0 && left > STORE_FEED_SLICE_MS)
			left = STORE_FEED_SLICE_MS;
		ts.tv_sec = (time_t)(left / 1000);
		ts.tv_nsec = (long)(left % 1000) * 1000000;
		if (store_feed_futex(word, FUTEX_WAIT, seq, &ts) < 0 &&
		    errno != EAGAIN && errno != ETIMEDOUT && errno != EINTR)
			return OTPBOX_ERR_IO;
	}
}

/* The sleep with the helper thread on cancel_fd; without one (no
 * eventfd, no thread) it falls back to looking every STORE_FEED_SLICE_MS. */
static enum otpbox_err
store_feed_sleep_cancel(struct store_feed *f, uint32_t *word, uint32_t seq,
                        int64_t end_ms, int cancel_fd,
                        enum store_feed_event *ev)
{
	struct store_feed_cancel *c = &f->cancel;
	enum otpbox_err err;

	if (!store_feed_cancel_start(f, cancel_fd))
		return store_feed_wait(word, seq, end_ms, NULL, cancel_fd, ev);
	__atomic_store_n(&c->word, word, __ATOMIC_SEQ_CST);
	err = store_feed_wait(word, seq, end_ms, &c->cancelled, -1, ev);
	__atomic_store_n(&c->word, NULL, __ATOMIC_SEQ_CST);
	/* The helper may have bumped after the wait ended for another
	 * reason: the cancel still counts. */
	if (!err && __atomic_load_n(&c->cancelled, __ATOMIC_SEQ_CST))
		*ev = STORE_FEED_CANCELLED;
	return err;
}

enum otpbox_err
store_feed_sleep(struct store_feed *f, const struct store_feed_token *tok,
                 int timeout_ms, int cancel_fd, enum store_feed_event *ev)
{
	uint32_t *word = &f->map->seq[tok->bucket % STORE_FEED_BUCKETS];
	int64_t end_ms = clock_mono_ms() + timeout_ms;
	enum otpbox_err err;

	*ev = STORE_FEED_TIMEOUT;
	if (cancel_fd < 0)
		return store_feed_wait(word, tok->seq, end_ms, NULL, -1, ev);
	/* Already cancelled or woken: no thread for that. */
	err = store_feed_event_now(word, tok->seq, NULL, cancel_fd, ev);
	if (err || *ev != STORE_FEED_TIMEOUT)
		return err;
	return store_feed_sleep_cancel(f, word, tok->seq, end_ms, cancel_fd,
	                               ev);
}
