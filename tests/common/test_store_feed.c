/* SPDX-License-Identifier: MIT */
/* The change feed on real files: which files beside the database it
 * refuses, and that the store announces codes only once they are
 * committed, and only for their addresses. */
#include "../cunit_main.h"
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "store_feed.h"
#include "store_fetch.h"

#define TEST_SUITE_NAME "store_feed"

static char test_dir[PATH_MAX], test_db[PATH_MAX + 16],
    test_feed[PATH_MAX + 32];
static char test_target[PATH_MAX + 16];

/* A fresh directory with an empty database of mode 0640. */
static void
test_fresh(void)
{
	char err[256];
	struct store *st;

	snprintf(test_dir, sizeof(test_dir), "/tmp/otpbox-feed.XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(test_dir) != NULL);
	snprintf(test_db, sizeof(test_db), "%s/otpbox.db", test_dir);
	snprintf(test_feed, sizeof(test_feed), "%s%s", test_db,
	         STORE_FEED_SUFFIX);
	snprintf(test_target, sizeof(test_target), "%s/target", test_dir);
	CU_ASSERT_FATAL(store_open(test_db, true, &st, err, sizeof(err)) ==
	                OTPBOX_OK);
	store_close(st);
	CU_ASSERT_FATAL(chmod(test_db, 0640) == 0);
}

static void
test_cleanup(void)
{
	test_remove_tree(test_dir);
}

static void
test_write(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT(fwrite(text, 1, len, f) == len);
	fclose(f);
}

/* What may lie at DB-feed before the feed is opened. */
static void
setup_none(void)
{
}

static void
setup_symlink(void)
{
	test_write(test_target, "keep", 4);
	CU_ASSERT(symlink(test_target, test_feed) == 0);
}

static void
setup_dangling(void)
{
	CU_ASSERT(symlink(test_target, test_feed) == 0);
}

static void
setup_fifo(void)
{
	CU_ASSERT(mkfifo(test_feed, 0600) == 0);
}

static void
setup_short(void)
{
	test_write(test_feed, "keep", 4);
}

/* A hard link to another file: writing counters would change it. */
static void
setup_hard_link(void)
{
	test_write(test_target, "keep", 4);
	CU_ASSERT(link(test_target, test_feed) == 0);
}

/* The right size but no header: e.g. a hard link to another file. */
static void
setup_no_magic(void)
{
	char *zero = calloc(1, 64 + 4 * STORE_FEED_BUCKETS);

	test_write(test_feed, zero, 64 + 4 * STORE_FEED_BUCKETS);
	free(zero);
}

/* A valid feed made by someone else: by another user of the database's
 * group, or by a stranger. */
static void
test_feed_by(uid_t uid, gid_t gid)
{
	struct store_feed *f = NULL;

	CU_ASSERT_FATAL(store_feed_open(test_db, &f, NULL, 0) == OTPBOX_OK);
	store_feed_close(f);
	CU_ASSERT(chown(test_feed, uid, gid) == 0);
}

/* The README's shared folder: set-group-ID, the feed in its group. */
static void
setup_group_member(void)
{
	CU_ASSERT_FATAL(chown(test_dir, 0, 4242) == 0 &&
	                chmod(test_dir, 02770) == 0);
	test_feed_by(4242, 4242);
}

static void
setup_stranger(void)
{
	test_feed_by(4242, 4242);
}

static const struct {
	const char *name;
	void (*setup)(void);
	bool needs_root; /* chown to another user */
	enum otpbox_err want;
	const char *target; /* what test_target must hold after */
} open_cases[] = {
    {"missing: created", setup_none, false, OTPBOX_OK, NULL},
    {"symbolic link", setup_symlink, false, OTPBOX_ERR_IO, "keep"},
    {"dangling symbolic link", setup_dangling, false, OTPBOX_ERR_IO, NULL},
    {"FIFO", setup_fifo, false, OTPBOX_ERR_IO, NULL},
    {"wrong size", setup_short, false, OTPBOX_ERR_IO, NULL},
    {"hard link", setup_hard_link, false, OTPBOX_ERR_IO, "keep"},
    {"no header", setup_no_magic, false, OTPBOX_ERR_IO, NULL},
    {"made by a member of the group", setup_group_member, true, OTPBOX_OK,
     NULL},
    {"owned by a stranger", setup_stranger, true, OTPBOX_ERR_IO, NULL},
};

/* The target's content, "(none)" when missing. */
static const char *
test_target_text(void)
{
	static char buf[64];
	FILE *f = fopen(test_target, "r");
	size_t n;

	if (f == NULL)
		return "(none)";
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
test_open_rules(void)
{
	struct store_feed *f;
	char err[512];
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(open_cases) / sizeof(open_cases[0]); i++) {
		if (open_cases[i].needs_root && geteuid() != 0)
			continue;
		test_fresh();
		open_cases[i].setup();
		f = NULL;
		TEST_EXPECT_INT(open_cases[i].name,
		                store_feed_open(test_db, &f, err, sizeof(err)),
		                open_cases[i].want);
		if (open_cases[i].want)
			CU_ASSERT(strstr(err, test_feed) != NULL);
		TEST_EXPECT_STR(open_cases[i].name, test_target_text(),
		                open_cases[i].target ? open_cases[i].target
		                                     : "(none)");
		if (i == 0) {
			CU_ASSERT(lstat(test_feed, &st) == 0);
			TEST_EXPECT_INT("new feed has the database's mode",
			                st.st_mode & 0777, 0640);
		}
		store_feed_close(f);
		test_cleanup();
	}
}

static const struct store_fetch_rcpt test_rcpt[] = {
    {"Bot1@Feed.test", "X-Original-To"}};

/* Stores one message with a code for bot1 in a transaction that ends with
 * commit or rollback. */
static void
test_store_code(struct store *st, int64_t uid, bool commit)
{
	struct store_fetch_msg m = {
	    .uid = uid,
	    .content_hash = "h",
	    .received_at = 2000,
	    .rcpts = test_rcpt,
	    .nrcpts = 1,
	    .code = "123456",
	};
	struct store_fetch_folder f;
	bool stored;

	CU_ASSERT_FATAL(store_fetch_folder_get(st, "a", "u@x", "h", "INBOX",
	                                       &f) == OTPBOX_OK);
	CU_ASSERT_FATAL(store_begin(st) == OTPBOX_OK);
	CU_ASSERT(store_fetch_insert(st, f.id, 5, &m, &stored) == OTPBOX_OK);
	CU_ASSERT(stored);
	if (commit) {
		CU_ASSERT(store_commit(st) == OTPBOX_OK);
	} else {
		store_rollback(st);
	}
}

static uint32_t
test_seq(struct store_feed *f, const char *address)
{
	struct store_feed_token tok;

	store_feed_watch(f, address, &tok);
	return tok.seq;
}

/* The fetcher's commit bumps the bucket of its code's address only; a
 * rolled-back transaction bumps nothing. */
static void
test_publish_on_commit(void)
{
	static const char *const other = "bot2@feed.test";
	struct store_feed *f = NULL;
	struct store *st = NULL;
	uint32_t mine, theirs;
	char err[256];

	test_fresh();
	CU_ASSERT_FATAL(store_open(test_db, false, &st, err, sizeof(err)) ==
	                OTPBOX_OK);
	CU_ASSERT_FATAL(store_feed_open(test_db, &f, NULL, 0) == OTPBOX_OK);
	CU_ASSERT_FATAL(store_feed_bucket("bot1@feed.test") !=
	                store_feed_bucket(other));
	mine = test_seq(f, "bot1@feed.test");
	theirs = test_seq(f, other);
	test_store_code(st, 1, false);
	TEST_EXPECT_INT("rollback", test_seq(f, "BOT1@feed.test"), mine);
	test_store_code(st, 2, true);
	TEST_EXPECT_INT("commit", test_seq(f, "BOT1@feed.test"), mine + 1);
	TEST_EXPECT_INT("other address", test_seq(f, other), theirs);
	/* The rolled-back message is not announced by a later commit. */
	test_store_code(st, 3, true);
	TEST_EXPECT_INT("next commit", test_seq(f, "bot1@feed.test"), mine + 2);
	/* Deleted by hand and made anew by a waiter: the store follows. */
	store_feed_close(f);
	CU_ASSERT(unlink(test_feed) == 0);
	CU_ASSERT_FATAL(store_feed_open(test_db, &f, NULL, 0) == OTPBOX_OK);
	test_store_code(st, 4, true);
	TEST_EXPECT_INT("replaced feed", test_seq(f, "bot1@feed.test"), 1);
	store_feed_close(f);
	store_close(st);
	test_cleanup();
}

/* A waiter that already missed a bump, or whose cancel descriptor is
 * readable, does not sleep at all; otherwise it sleeps out its time. */
static void
test_sleep_events(void)
{
	struct store_feed_token tok;
	struct store_feed *f = NULL;
	enum store_feed_event ev;
	int fds[2];

	test_fresh();
	CU_ASSERT_FATAL(store_feed_open(test_db, &f, NULL, 0) == OTPBOX_OK);
	CU_ASSERT_FATAL(pipe(fds) == 0);
	store_feed_watch(f, "a@feed.test", &tok);
	CU_ASSERT(store_feed_sleep(f, &tok, 20, fds[0], &ev) == OTPBOX_OK);
	TEST_EXPECT_INT("nothing happened", ev, STORE_FEED_TIMEOUT);
	CU_ASSERT(store_feed_notify(test_db, "A@feed.test") == OTPBOX_OK);
	CU_ASSERT(store_feed_sleep(f, &tok, 60000, -1, &ev) == OTPBOX_OK);
	TEST_EXPECT_INT("bumped before the sleep", ev, STORE_FEED_WOKEN);
	store_feed_watch(f, "a@feed.test", &tok);
	CU_ASSERT(store_feed_notify(test_db, NULL) == OTPBOX_OK);
	CU_ASSERT(store_feed_sleep(f, &tok, 60000, -1, &ev) == OTPBOX_OK);
	TEST_EXPECT_INT("every bucket bumped", ev, STORE_FEED_WOKEN);
	store_feed_watch(f, "a@feed.test", &tok);
	CU_ASSERT(write(fds[1], "x", 1) == 1);
	CU_ASSERT(store_feed_sleep(f, &tok, 60000, fds[0], &ev) == OTPBOX_OK);
	TEST_EXPECT_INT("cancelled before the sleep", ev, STORE_FEED_CANCELLED);
	close(fds[0]);
	close(fds[1]);
	store_feed_close(f);
	test_cleanup();
}

static CU_TestInfo test_cases[] = {
    {"files the feed refuses (table)", test_open_rules},
    {"the store announces committed codes only", test_publish_on_commit},
    {"sleep events", test_sleep_events},
    CU_TEST_INFO_NULL,
};

#include "../cunit_main.h"
