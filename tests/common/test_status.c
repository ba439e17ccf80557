/* SPDX-License-Identifier: MIT */
/* Fetcher heartbeats on a real SQLite file (what is written when, the run
 * of errors kept across connections), the figures `otpbox status` reads,
 * and the health rules. */
#include "../cunit_main.h"
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "status_health.h"
#include "store_status.h"
#include "tmpstore.h"

/* Successive beats on one row: when each one writes, and what the row
 * says afterwards (-2: NULL). */
struct beat_case {
	int64_t now;
	enum store_status_event event;
	const char *error;
	bool written;
	long long success_at, error_since, error_at;
};

static const struct beat_case beat_cases[] = {
    /* the first beat always writes */
    {100, STORE_STATUS_SYNCED, NULL, true, 100, -2, -2},
    /* an empty sync a second later does not write... */
    {101, STORE_STATUS_SYNCED, NULL, false, 100, -2, -2},
    {110, STORE_STATUS_ALIVE, NULL, false, 100, -2, -2},
    /* ...an error does at once, and starts the run of errors */
    {111, STORE_STATUS_FAILED, "connection refused", true, 101, 111, 111},
    {112, STORE_STATUS_FAILED, "connection refused", false, 101, 111, 111},
    /* another text is news; error_since stays */
    {113, STORE_STATUS_FAILED, "login refused", true, 101, 111, 113},
    /* success clears the error at once (error_at keeps its history) */
    {114, STORE_STATUS_SYNCED, NULL, true, 114, -2, 113},
    {120, STORE_STATUS_SYNCED, NULL, false, 114, -2, 113},
    /* after STORE_STATUS_BEAT_SECONDS the latest success is written */
    {144, STORE_STATUS_ALIVE, NULL, true, 120, -2, 113},
};

static void
test_beats(void)
{
	struct store *st = tmpstore_open();
	struct store_status_beat b = {
	    .account = "acct", .folder = "INBOX", .mode = STORE_STATUS_WATCH};
	char name[64];
	bool written;
	size_t i;

	for (i = 0; i < sizeof(beat_cases) / sizeof(beat_cases[0]); i++) {
		const struct beat_case *c = &beat_cases[i];

		b.event = c->event;
		b.error = c->error;
		CU_ASSERT_FATAL(store_status_beat(st, &b, c->now, &written) ==
		                OTPBOX_OK);
		snprintf(name, sizeof(name), "case %zu written", i);
		TEST_EXPECT_INT(name, written, c->written);
		snprintf(name, sizeof(name), "case %zu success_at", i);
		TEST_EXPECT_INT(
		    name, tmpstore_int("SELECT success_at FROM fetch_status"),
		    c->success_at);
		snprintf(name, sizeof(name), "case %zu error_since", i);
		TEST_EXPECT_INT(
		    name, tmpstore_int("SELECT error_since FROM fetch_status"),
		    c->error_since);
		snprintf(name, sizeof(name), "case %zu error_at", i);
		TEST_EXPECT_INT(
		    name, tmpstore_int("SELECT error_at FROM fetch_status"),
		    c->error_at);
	}
	TEST_EXPECT_INT("one row",
	                tmpstore_int("SELECT count(*) FROM fetch_status"), 1);
	/* a failure without words still records one, and compares safely */
	b.event = STORE_STATUS_FAILED;
	b.error = NULL;
	CU_ASSERT(store_status_beat(st, &b, 200, &written) == OTPBOX_OK);
	TEST_EXPECT_INT("wordless error written", written, 1);
	CU_ASSERT(store_status_beat(st, &b, 201, &written) == OTPBOX_OK);
	TEST_EXPECT_INT("same wordless error not rewritten", written, 0);
	TEST_EXPECT_INT("wordless error text",
	                tmpstore_int("SELECT error = 'unknown error' FROM "
	                             "fetch_status"),
	                1);
	TEST_EXPECT_INT("pid", tmpstore_int("SELECT pid FROM fetch_status"),
	                getpid());
	store_close(st);
}

/* A cron fetch is a new process each time: the run of errors (its
 * start) and the last success survive from one connection to the next. */
static void
test_beats_across_runs(void)
{
	struct store_status_beat b = {
	    .account = "cron", .folder = "INBOX", .mode = STORE_STATUS_ONCE};
	struct store *st;

	st = tmpstore_open();
	b.event = STORE_STATUS_SYNCED;
	CU_ASSERT(store_status_beat(st, &b, 1000, NULL) == OTPBOX_OK);
	store_close(st);
	st = tmpstore_open();
	b.event = STORE_STATUS_FAILED;
	b.error = "down";
	CU_ASSERT(store_status_beat(st, &b, 1060, NULL) == OTPBOX_OK);
	store_close(st);
	st = tmpstore_open();
	CU_ASSERT(store_status_beat(st, &b, 1120, NULL) == OTPBOX_OK);
	store_close(st);
	TEST_EXPECT_INT("success kept",
	                tmpstore_int("SELECT success_at FROM "
	                             "fetch_status WHERE account "
	                             "= 'cron'"),
	                1000);
	TEST_EXPECT_INT(
	    "error since the first failure",
	    tmpstore_int("SELECT error_since FROM fetch_status WHERE "
	                 "account = 'cron'"),
	    1060);
	TEST_EXPECT_INT("latest failure",
	                tmpstore_int("SELECT error_at FROM fetch_status WHERE "
	                             "account = 'cron'"),
	                1120);
}

/* The counts, lag and clock offset of one folder, from messages stored
 * by hand with known times. */
static void
test_rows(void)
{
	struct store_status_row *rows = NULL;
	struct store_status_summary sum;
	struct store *st = tmpstore_open();
	int64_t off = 0;
	bool known = false;
	size_t n = 0, i;

	tmpstore_exec(
	    "INSERT INTO accounts (id, name, username, host) VALUES "
	    "(7, 'box', 'u', 'h');"
	    "INSERT INTO folders (id, account_id, name, synced_at) VALUES "
	    "(70, 7, 'INBOX', 99990);"
	    /* received_at, fetched_at: stored 4 s, 2 s, 30 s late; one a
	     * day ago */
	    "INSERT INTO messages (id, folder_id, uidvalidity, uid, "
	    "content_hash, received_at, fetched_at, size) VALUES "
	    "(1, 70, 1, 1, 'a', 99000, 99004, 1),"
	    "(2, 70, 1, 2, 'b', 99500, 99502, 1),"
	    "(3, 70, 1, 3, 'c', 99900, 99930, 1),"
	    "(4, 70, 1, 4, 'd', 10000, 10003, 1);"
	    "INSERT INTO codes (message_id, address, kind, code, received_at) "
	    "VALUES (3, 'bot@x', 'code', '123456', 99900);"
	    "INSERT INTO waits (address, window_start, started_at, ended_at, "
	    "outcome) VALUES ('bot@y', 99800, 99800, 99810, 'timeout');");
	CU_ASSERT_FATAL(store_status_rows(st, 100000, &rows, &n) == OTPBOX_OK);
	for (i = 0; i < n && strcmp(rows[i].account, "box"); i++)
		;
	CU_ASSERT_FATAL(i < n);
	TEST_EXPECT_INT("messages last hour", rows[i].msgs_hour, 3);
	TEST_EXPECT_INT("messages last day", rows[i].msgs_day, 3);
	TEST_EXPECT_INT("codes last hour", rows[i].codes_hour, 1);
	TEST_EXPECT_INT("lag of the newest", rows[i].lag, 30);
	TEST_EXPECT_INT("offset", rows[i].offset, 2);
	TEST_EXPECT_INT("checkpoint", rows[i].synced_at, 99990);
	TEST_EXPECT_STR("no heartbeat", rows[i].mode, NULL);
	store_status_rows_free(rows, n);
	CU_ASSERT(store_status_clock_offset(st, "box", &off, &known) ==
	          OTPBOX_OK);
	TEST_EXPECT_INT("account offset known", known, 1);
	TEST_EXPECT_INT("account offset", off, 2);
	CU_ASSERT(store_status_summary(st, 100000, &sum) == OTPBOX_OK);
	TEST_EXPECT_INT("last code", sum.last_code_at, 99930);
	CU_ASSERT(store_status_last_code(st, &off) == OTPBOX_OK);
	TEST_EXPECT_INT("last code alone", off, 99930);
	TEST_EXPECT_INT("missed no_message", sum.missed_hour[3], 1);
	TEST_EXPECT_INT("open waits", sum.open_waits, 0);
	store_close(st);
}

struct health_case {
	const char *name;
	const char *mode;
	int64_t heartbeat_at, success_at, error_at;
	const char *error;
	unsigned want;
};

/* now = 10000, max sync age 900, max heartbeat age 120 */
static const struct health_case health_cases[] = {
    {"fresh watch", "watch", 9990, 9995, 0, NULL, 0},
    {"fresh once", "once", 9000, 9500, 0, NULL, 0},
    {"never synced", NULL, 0, 0, 0, NULL, STATUS_HEALTH_NEVER_SYNCED},
    {"sync too old", "once", 9000, 9000, 0, NULL, STATUS_HEALTH_SYNC_OLD},
    {"sync at the limit", "once", 9100, 9100, 0, NULL, 0},
    {"error after success", "once", 9990, 9900, 9990, "refused",
     STATUS_HEALTH_FAILING},
    {"old error, newer success", "once", 9990, 9990, 9900, "refused", 0},
    {"silent watcher", "watch", 9800, 9950, 0, NULL,
     STATUS_HEALTH_NO_HEARTBEAT},
    {"silent once is fine", "once", 9800, 9950, 0, NULL, 0},
};

static void
test_health(void)
{
	struct status_health_limits lim = {900, 120};
	size_t i;

	for (i = 0; i < sizeof(health_cases) / sizeof(health_cases[0]); i++) {
		const struct health_case *c = &health_cases[i];
		struct store_status_row r = {
		    .mode = (char *)c->mode,
		    .error = (char *)c->error,
		    .heartbeat_at = c->heartbeat_at,
		    .success_at = c->success_at,
		    .error_at = c->error_at,
		};

		TEST_EXPECT_INT(c->name, status_health_check(&r, &lim, 10000),
		                c->want);
	}
}

static void
test_cleanup(void)
{
	tmpstore_remove();
}

static CU_TestInfo test_cases[] = {
    {"heartbeats are rate-limited", test_beats},
    {"a run of errors survives reconnecting", test_beats_across_runs},
    {"folder figures", test_rows},
    {"health rules", test_health},
    {"cleanup", test_cleanup},
    CU_TEST_INFO_NULL,
};
#define TEST_SUITE_NAME "status"
#include "../cunit_main.h"
