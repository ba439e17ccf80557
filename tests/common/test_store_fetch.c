/* SPDX-License-Identifier: MIT */
/* The fetcher's store calls on a real SQLite file: duplicates by UID and
 * by Message-ID + content hash across UIDVALIDITY, children rows,
 * checkpoints, retention and the "is a bot waiting" probe. */
#include "../cunit_main.h"
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_fetch.h"
#include "tmpstore.h"

struct insert_case {
	const char *name;
	int64_t uidvalidity, uid;
	const char *message_id, *hash;
	bool want_stored;
};

static const struct insert_case insert_cases[] = {
    {"first message", 10, 1, "<a@x>", "h1", true},
    {"same UID again", 10, 1, "<a@x>", "h1", false},
    {"second message", 10, 2, "<b@x>", "h2", true},
    {"same message, new UIDVALIDITY", 20, 1, "<a@x>", "h1", false},
    {"same Message-ID, other content", 20, 3, "<a@x>", "h9", true},
    {"no Message-ID", 20, 4, NULL, "h4", true},
    {"no Message-ID, same content, new UIDVALIDITY", 30, 1, NULL, "h4", false},
    {"new message after the change", 30, 5, "<c@x>", "h5", true},
};

static void
test_insert_dedupe(void)
{
	struct store *st = tmpstore_open();
	struct store_fetch_folder f;
	struct store_fetch_msg m;
	bool stored;
	size_t i;

	CU_ASSERT_FATAL(store_fetch_folder_get(st, "acct", "u@x", "h", "INBOX",
	                                       &f) == OTPBOX_OK);
	TEST_EXPECT_INT("fresh folder uidvalidity", f.uidvalidity, 0);
	for (i = 0; i < sizeof(insert_cases) / sizeof(insert_cases[0]); i++) {
		const struct insert_case *c = &insert_cases[i];

		memset(&m, 0, sizeof(m));
		m.uid = c->uid;
		m.message_id = c->message_id;
		m.content_hash = c->hash;
		m.received_at = 1000;
		CU_ASSERT_FATAL(store_begin(st) == OTPBOX_OK);
		CU_ASSERT(store_fetch_insert(st, f.id, c->uidvalidity, &m,
		                             &stored) == OTPBOX_OK);
		CU_ASSERT(store_commit(st) == OTPBOX_OK);
		TEST_EXPECT_INT(c->name, stored, c->want_stored);
	}
	TEST_EXPECT_INT("rows stored",
	                tmpstore_int("select count(*) from "
	                             "messages"),
	                5);
	store_close(st);
}

static void
test_children_and_checkpoint(void)
{
	struct store *st = tmpstore_open();
	struct store_fetch_rcpt rc[2] = {{"Bot1@Bots.test", "X-Original-To"},
	                                 {"bot2@bots.test", "To"}};
	struct store_fetch_cand cd[2] = {{"code", "123456", 0.9, true, "w"},
	                                 {"code", "2026", 0.1, false, "y"}};
	struct store_fetch_msg m = {
	    .uid = 7,
	    .message_id = "<k@x>",
	    .content_hash = "hk",
	    .received_at = 2000,
	    .rcpts = rc,
	    .nrcpts = 2,
	    .cands = cd,
	    .ncands = 2,
	    .code = "123456",
	    .link = "https://x.test/v",
	};
	struct store_fetch_folder f, again;
	bool stored;

	CU_ASSERT_FATAL(store_fetch_folder_get(st, "acct", "u@x", "h", "Junk",
	                                       &f) == OTPBOX_OK);
	CU_ASSERT_FATAL(store_begin(st) == OTPBOX_OK);
	CU_ASSERT(store_fetch_insert(st, f.id, 5, &m, &stored) == OTPBOX_OK);
	f.uidvalidity = 5;
	f.last_uid = 7;
	f.uidnext = 8;
	CU_ASSERT(store_fetch_checkpoint(st, &f, 3000) == OTPBOX_OK);
	CU_ASSERT(store_commit(st) == OTPBOX_OK);
	TEST_EXPECT_INT(
	    "recipients",
	    tmpstore_int(
	        "select count(*) from recipients"
	        " where address in ('bot1@bots.test', 'bot2@bots.test')"),
	    2);
	TEST_EXPECT_INT(
	    "candidates",
	    tmpstore_int("select count(*) from "
	                 "candidates c join messages m on m.id = c.message_id "
	                 "where m.uid = 7"),
	    2);
	TEST_EXPECT_INT(
	    "codes: one per recipient and kind",
	    tmpstore_int("select count(*) from codes where received_at = 2000"),
	    4);
	CU_ASSERT(store_fetch_folder_get(st, "acct", "u@x", "h", "Junk",
	                                 &again) == OTPBOX_OK);
	TEST_EXPECT_INT("checkpoint uidvalidity", again.uidvalidity, 5);
	TEST_EXPECT_INT("checkpoint last uid", again.last_uid, 7);
	TEST_EXPECT_INT("checkpoint uidnext", again.uidnext, 8);
	store_close(st);
}

static void
test_purge(void)
{
	struct store *st = tmpstore_open();
	int64_t deleted = -1;

	CU_ASSERT(store_fetch_purge(st, 1500, &deleted) == OTPBOX_OK);
	TEST_EXPECT_INT("purged (received before 1500)", deleted, 5);
	TEST_EXPECT_INT("left", tmpstore_int("select count(*) from messages"),
	                1);
	TEST_EXPECT_INT("codes of the kept message",
	                tmpstore_int("select count(*) from codes"), 4);
	CU_ASSERT(store_fetch_purge(st, 2500, &deleted) == OTPBOX_OK);
	TEST_EXPECT_INT(
	    "children go with the message",
	    tmpstore_int(
	        "select (select count(*) from codes) + (select count(*) from "
	        "recipients) + (select count(*) from candidates)"),
	    0);
	store_close(st);
}

/* PRAGMA data_version of an observer connection: it changes when any
 * other connection commits. */
static long long
test_data_version(sqlite3 *db)
{
	sqlite3_stmt *s = NULL;
	long long v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &s, NULL) ==
	        SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* A sync that finds the account and folder as they were neither writes
 * nor takes the write lock (another connection holds it here: the look-up
 * must still succeed at once); a changed user or host is written. */
static void
test_folder_no_write(void)
{
	struct store *st = tmpstore_open();
	struct store_fetch_folder f;
	sqlite3 *obs = NULL;
	long long v0;

	CU_ASSERT_FATAL(sqlite3_open(tmpstore_path(), &obs) == SQLITE_OK);
	CU_ASSERT(store_fetch_folder_get(st, "quiet", "u@x", "h", "INBOX",
	                                 &f) == OTPBOX_OK);
	v0 = test_data_version(obs);
	CU_ASSERT_FATAL(sqlite3_exec(obs, "BEGIN IMMEDIATE", NULL, NULL,
	                             NULL) == SQLITE_OK);
	TEST_EXPECT_INT(
	    "unchanged folder: no write lock",
	    store_fetch_folder_get(st, "quiet", "u@x", "h", "INBOX", &f),
	    OTPBOX_OK);
	CU_ASSERT(sqlite3_exec(obs, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
	TEST_EXPECT_INT("unchanged folder: no commit", test_data_version(obs),
	                v0);
	CU_ASSERT(store_fetch_folder_get(st, "quiet", "u2@x", "h2", "INBOX",
	                                 &f) == OTPBOX_OK);
	CU_ASSERT(test_data_version(obs) != v0);
	TEST_EXPECT_INT(
	    "user and host updated",
	    tmpstore_int("select count(*) from accounts where name ="
	                 " 'quiet' and username = 'u2@x' and host ="
	                 " 'h2'"),
	    1);
	sqlite3_close(obs);
	store_close(st);
}

/* The sender facts are stored; copies of one message in two folders
 * share copy_of, another message does not. */
static void
test_sender_and_copies(void)
{
	struct store *st = tmpstore_open();
	struct store_fetch_rcpt rc[1] = {{"bot1@bots.test", "To"}};
	struct authres_facts a;
	struct store_fetch_folder inbox, junk;
	struct store_fetch_msg m = {
	    .message_id = "<copy@x>",
	    .content_hash = "c1",
	    .received_at = 5000,
	    .rcpts = rc,
	    .nrcpts = 1,
	    .code = "424242",
	    .auth = &a,
	    .copy_key = "k1",
	    .skipped = "1 attachment (2 MB)",
	};
	struct mime_header h[2] = {
	    {"Authentication-Results", "dmarc=pass header.from=bank.example"},
	    {"From", "No-Reply@Bank.Example"}};
	bool stored;

	authres_parse(h, 2, NULL, &a);
	CU_ASSERT_FATAL(store_fetch_folder_get(st, "copies", "u", "h", "INBOX",
	                                       &inbox) == OTPBOX_OK);
	CU_ASSERT_FATAL(store_fetch_folder_get(st, "copies", "u", "h",
	                                       "Junk Email",
	                                       &junk) == OTPBOX_OK);
	CU_ASSERT_FATAL(store_begin(st) == OTPBOX_OK);
	m.uid = 1;
	CU_ASSERT(store_fetch_insert(st, inbox.id, 1, &m, &stored) ==
	          OTPBOX_OK);
	m.uid = 9;
	m.content_hash = "c2"; /* Exchange changed the bytes moving it */
	m.skipped = NULL;
	CU_ASSERT(store_fetch_insert(st, junk.id, 1, &m, &stored) == OTPBOX_OK);
	m.uid = 2;
	m.copy_key = "k2";
	CU_ASSERT(store_fetch_insert(st, inbox.id, 1, &m, &stored) ==
	          OTPBOX_OK);
	CU_ASSERT(store_commit(st) == OTPBOX_OK);
	TEST_EXPECT_INT(
	    "copies share copy_of",
	    tmpstore_int("select count(distinct copy_of) from messages"
	                 " where copy_key = 'k1'"),
	    1);
	TEST_EXPECT_INT(
	    "another message is another",
	    tmpstore_int("select count(distinct copy_of) from messages"
	                 " where received_at = 5000"),
	    2);
	TEST_EXPECT_INT(
	    "sender facts stored",
	    tmpstore_int("select count(*) from otp_codes where"
	                 " from_address = 'no-reply@bank.example' and"
	                 " from_domain = 'bank.example' and"
	                 " authenticated = 1 and auth_dmarc = 'pass'"
	                 " and auth_spf is null"),
	    3);
	TEST_EXPECT_INT("skipped stored",
	                tmpstore_int("select count(*) from messages where"
	                             " skipped = '1 attachment (2 MB)'"),
	                1);
	store_close(st);
}

static void
test_waiting(void)
{
	struct store *st = tmpstore_open();
	int64_t now = 1000000;
	bool w = true;

	CU_ASSERT(store_fetch_waiting(st, now, &w) == OTPBOX_OK);
	TEST_EXPECT_INT("nobody waits", w, false);
	tmpstore_exec("insert into waits (address, window_start, started_at) "
	              "values ('b@x', 0, 999000)");
	CU_ASSERT(store_fetch_waiting(st, now, &w) == OTPBOX_OK);
	TEST_EXPECT_INT("a stale wait does not count", w, false);
	tmpstore_exec("insert into waits (address, window_start, started_at) "
	              "values ('b@x', 0, 999990)");
	CU_ASSERT(store_fetch_waiting(st, now, &w) == OTPBOX_OK);
	TEST_EXPECT_INT("a bot waits", w, true);
	tmpstore_exec("update waits set outcome = 'claimed'");
	CU_ASSERT(store_fetch_waiting(st, now, &w) == OTPBOX_OK);
	TEST_EXPECT_INT("a finished wait does not count", w, false);
	store_close(st);
	tmpstore_remove();
}

#define TEST_SUITE_NAME "store_fetch"
static CU_TestInfo test_cases[] = {
    {"insert and dedupe", test_insert_dedupe},
    {"children and checkpoint", test_children_and_checkpoint},
    {"retention purge", test_purge},
    {"an unchanged folder writes nothing", test_folder_no_write},
    {"sender facts and copies", test_sender_and_copies},
    {"waiting probe", test_waiting},
    CU_TEST_INFO_NULL,
};
#include "../cunit_main.h"
