/* SPDX-License-Identifier: MIT */
/* Files beside the database: links, foreign owners and odd file types
 * planted there are refused and their targets left alone. */
#include "../cunit_main.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safe_file.h"
#include "store.h"
#include "store_feed.h"
#include "store_wait.h"

static char test_dir[256];
static char test_db[512];
static char test_target[512];

/* A fresh folder with the database path and a target file outside it (the
 * previous test's folder is removed). */
static void
test_setup(const char *target_text)
{
	FILE *fp;

	test_remove_tree(test_dir);
	snprintf(test_dir, sizeof(test_dir), "/tmp/otpbox-safe.XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(test_dir) != NULL);
	snprintf(test_db, sizeof(test_db), "%s/otpbox.db", test_dir);
	snprintf(test_target, sizeof(test_target), "%s/victim", test_dir);
	if (target_text == NULL)
		return;
	fp = fopen(test_target, "w");
	CU_ASSERT_FATAL(fp != NULL);
	fputs(target_text, fp);
	fclose(fp);
	chmod(test_target, 0644);
}

/* The change feed belongs to a database: an empty file stands for it. */
static void
test_touch_db(void)
{
	FILE *fp = fopen(test_db, "w");

	CU_ASSERT_FATAL(fp != NULL);
	fclose(fp);
}

/* The victim's content, or "(missing)" (static buffer). */
static const char *
test_target_text(void)
{
	static char buf[256];
	FILE *fp = fopen(test_target, "r");
	size_t n;

	if (fp == NULL)
		return "(missing)";
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static int
test_target_mode(void)
{
	struct stat st;

	return stat(test_target, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* Opens the store of test_db (creating it) and takes its fetch lock; the
 * store stays open (*lk) while the lock is held. */
static enum otpbox_err
test_lock_take(struct store **lk, char *errbuf, size_t errlen)
{
	enum otpbox_err err;

	*lk = NULL;
	err = store_open(test_db, true, lk, errbuf, errlen);
	if (!err)
		err = store_lock_take(*lk, "test", errbuf, errlen);
	return err;
}

static void
test_lock_release(struct store **lk)
{
	store_lock_release(*lk);
	store_close(*lk);
	*lk = NULL;
}

static void
test_lock_symlink(void)
{
	char path[600], errbuf[512] = "";
	struct store *lk = NULL;

	/* Pointing at a file that does not exist: it is not created. */
	test_setup(NULL);
	snprintf(path, sizeof(path), "%s.lock", test_db);
	CU_ASSERT_FATAL(symlink(test_target, path) == 0);
	TEST_EXPECT_INT("lock via dangling link",
	                test_lock_take(&lk, errbuf, sizeof(errbuf)),
	                OTPBOX_ERR_IO);
	TEST_EXPECT_STR("target", test_target_text(), "(missing)");
	CU_ASSERT(strstr(errbuf, path) && strstr(errbuf, "symbolic link"));
	test_lock_release(&lk);

	/* Pointing at an existing file: content and mode stay. */
	test_setup("keep me\n");
	snprintf(path, sizeof(path), "%s.lock", test_db);
	CU_ASSERT_FATAL(symlink(test_target, path) == 0);
	TEST_EXPECT_INT("lock via link",
	                test_lock_take(&lk, errbuf, sizeof(errbuf)),
	                OTPBOX_ERR_IO);
	TEST_EXPECT_STR("target", test_target_text(), "keep me\n");
	TEST_EXPECT_INT("target mode", test_target_mode(), 0644);
	test_lock_release(&lk);
}

static void
test_lock_hardlink_fifo(void)
{
	char path[600], errbuf[512] = "";
	struct store *lk = NULL;

	test_setup("keep me\n");
	snprintf(path, sizeof(path), "%s.lock", test_db);
	CU_ASSERT_FATAL(link(test_target, path) == 0);
	TEST_EXPECT_INT("lock via hard link",
	                test_lock_take(&lk, errbuf, sizeof(errbuf)),
	                OTPBOX_ERR_IO);
	CU_ASSERT(strstr(errbuf, "hard links") != NULL);
	TEST_EXPECT_STR("target", test_target_text(), "keep me\n");
	test_lock_release(&lk);

	CU_ASSERT_FATAL(unlink(path) == 0 && mkfifo(path, 0600) == 0);
	TEST_EXPECT_INT("lock on a FIFO",
	                test_lock_take(&lk, errbuf, sizeof(errbuf)),
	                OTPBOX_ERR_IO);
	CU_ASSERT(strstr(errbuf, "not a regular file") != NULL);
	test_lock_release(&lk);

	/* The plain case still works. */
	CU_ASSERT_FATAL(unlink(path) == 0);
	TEST_EXPECT_INT("lock", test_lock_take(&lk, errbuf, sizeof(errbuf)),
	                OTPBOX_OK);
	test_lock_release(&lk);
}

/* The fetcher writes the change feed after each commit: through a hard
 * link that write would land in the victim. */
static void
test_notify_links(void)
{
	char path[600];

	test_setup("hello");
	test_touch_db();
	snprintf(path, sizeof(path), "%s%s", test_db, STORE_FEED_SUFFIX);
	CU_ASSERT_FATAL(link(test_target, path) == 0);
	TEST_EXPECT_INT("notify via hard link", store_wait_notify(test_db),
	                OTPBOX_ERR_IO);
	TEST_EXPECT_STR("target", test_target_text(), "hello");

	CU_ASSERT_FATAL(unlink(path) == 0);
	CU_ASSERT_FATAL(symlink(test_target, path) == 0);
	TEST_EXPECT_INT("notify via symlink", store_wait_notify(test_db),
	                OTPBOX_ERR_IO);
	TEST_EXPECT_STR("target", test_target_text(), "hello");

	CU_ASSERT_FATAL(unlink(path) == 0);
	TEST_EXPECT_INT("notify", store_wait_notify(test_db), OTPBOX_OK);
}

/* A file another user put there is refused, except in the README's shared
 * folder (set-group-ID, the file in its group). Needs root to chown. */
static void
test_foreign_owner(void)
{
	char path[600], errbuf[512] = "";
	struct store *lk = NULL;
	int fd = -1;

	if (geteuid() != 0)
		return;
	test_setup(NULL);
	snprintf(path, sizeof(path), "%s.lock", test_db);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	CU_ASSERT_FATAL(chown(path, 65534, 65534) == 0);
	TEST_EXPECT_INT("foreign lock",
	                test_lock_take(&lk, errbuf, sizeof(errbuf)),
	                OTPBOX_ERR_IO);
	CU_ASSERT(strstr(errbuf, "belongs to uid 65534") != NULL);
	test_lock_release(&lk);

	snprintf(path, sizeof(path), "%s%s", test_db, STORE_FEED_SUFFIX);
	test_touch_db();
	CU_ASSERT_FATAL(store_wait_notify(test_db) == OTPBOX_OK);
	CU_ASSERT_FATAL(chown(path, 65534, 65534) == 0);
	TEST_EXPECT_INT("foreign notify", store_wait_notify(test_db),
	                OTPBOX_ERR_IO);
	/* The shared folder: chgrp G dir; chmod 2770 dir. */
	CU_ASSERT_FATAL(chown(test_dir, 0, 65534) == 0 &&
	                chmod(test_dir, 02770) == 0);
	TEST_EXPECT_INT("group member's notify", store_wait_notify(test_db),
	                OTPBOX_OK);
	TEST_EXPECT_INT(
	    "group member's notify, strict",
	    safe_file_open(path, O_RDONLY, 0, SAFE_FILE_OURS, &fd, NULL, 0),
	    OTPBOX_ERR_IO);
}

/* The database file itself: a planted link is not followed on creation. */
static void
test_db_symlink(void)
{
	char errbuf[512] = "";
	struct store *st = NULL;

	test_setup(NULL);
	CU_ASSERT_FATAL(symlink(test_target, test_db) == 0);
	CU_ASSERT(store_open(test_db, true, &st, errbuf, sizeof(errbuf)) !=
	          OTPBOX_OK);
	TEST_EXPECT_STR("target", test_target_text(), "(missing)");
	CU_ASSERT(strstr(errbuf, "symbolic link") != NULL);
	store_close(st);
}

static void
test_cleanup(void)
{
	test_remove_tree(test_dir);
}

static CU_TestInfo test_cases[] = {
    {"lock file through a symlink", test_lock_symlink},
    {"lock file as hard link or FIFO", test_lock_hardlink_fifo},
    {"change feed through links", test_notify_links},
    {"files of another user", test_foreign_owner},
    {"database through a symlink", test_db_symlink},
    {"cleanup", test_cleanup},
    CU_TEST_INFO_NULL,
};
#define TEST_SUITE_NAME "safe_file"
#include "../cunit_main.h"
