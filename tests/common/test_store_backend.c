/* SPDX-License-Identifier: MIT */
/* The store interface: which backend a database string names, that the
 * public functions reach the backend that opened the store, and that no
 * message ever shows a password. */
#include "../cunit_main.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

static const struct {
	const char *database;
	enum store_kind kind;
	const char *shown;
} test_dbs[] = {
    {"/var/lib/otpbox/otpbox.db", STORE_KIND_SQLITE,
     "/var/lib/otpbox/otpbox.db"},
    {"otpbox.db", STORE_KIND_SQLITE, "otpbox.db"},
    {"./a=b.db", STORE_KIND_SQLITE, "./a=b.db"},
    {"postgresql://otpbox@db.example/otpbox", STORE_KIND_POSTGRESQL,
     "postgresql://otpbox@db.example/otpbox"},
    {"postgresql://otpbox:s3cret@db.example:5433/otpbox", STORE_KIND_POSTGRESQL,
     "postgresql://otpbox:***@db.example:5433/otpbox"},
    {"postgres://u:p@ss/w@rd@h/db", STORE_KIND_POSTGRESQL,
     "postgres://u:***@h/db"},
    {"postgresql://u@h/db?sslmode=require&password=s3cret&x=1",
     STORE_KIND_POSTGRESQL,
     "postgresql://u@h/db?sslmode=require&password=***&x=1"},
    {"postgresql://u@h/db?password=s3cret", STORE_KIND_POSTGRESQL,
     "postgresql://u@h/db?password=***"},
    {"host=db user=otpbox password=s3cret dbname=otpbox", STORE_KIND_POSTGRESQL,
     "host=db user=otpbox password=*** dbname=otpbox"},
    {"host=db password = 's3 \\' cret' dbname=o", STORE_KIND_POSTGRESQL,
     "host=db password = *** dbname=o"},
    {"PASSWORD=s3cret host=h", STORE_KIND_POSTGRESQL, "PASSWORD=*** host=h"},
    {"dbname=otpbox", STORE_KIND_POSTGRESQL, "dbname=otpbox"},
    {"host=h mypassword=x", STORE_KIND_POSTGRESQL, "host=h mypassword=x"},
    {"host=/run/postgresql dbname=otpbox", STORE_KIND_POSTGRESQL,
     "host=/run/postgresql dbname=otpbox"},
    {"/srv/a=b/otpbox.db", STORE_KIND_SQLITE, "/srv/a=b/otpbox.db"},
};

static void
test_kind_and_redact(void)
{
	char out[256];
	size_t i;

	for (i = 0; i < sizeof(test_dbs) / sizeof(test_dbs[0]); i++) {
		TEST_EXPECT_INT(test_dbs[i].database,
		                store_kind_of(test_dbs[i].database),
		                test_dbs[i].kind);
		TEST_EXPECT_STR(
		    test_dbs[i].database,
		    store_redact(test_dbs[i].database, out, sizeof(out)),
		    test_dbs[i].shown);
	}
	/* A short buffer is cut, still terminated, and never shows more. */
	TEST_EXPECT_STR("cut", store_redact("host=h password=abc", out, 12),
	                "host=h pass");
}

/* An SQLite path reaches the SQLite backend: a file, no server feed. */
static void
test_dispatch_sqlite(void)
{
	char dir[] = "/tmp/otpbox-backend.XXXXXX", path[64], err[256] = "";
	char feed[80];
	struct store *st = NULL, *other = NULL;
	enum store_changes_event ev;
	bool look;

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/o.db", dir);
	TEST_EXPECT_INT("open", store_open(path, true, &st, err, sizeof(err)),
	                OTPBOX_OK);
	CU_ASSERT_FATAL(st != NULL);
	TEST_EXPECT_STR("backend", store_backend_name(st), "sqlite");
	TEST_EXPECT_STR("path", store_get_path(st), path);
	TEST_EXPECT_STR("name", store_display_name(st), path);
	/* doctor's check of the feed creates none */
	TEST_EXPECT_INT("feed check", store_changes_check(st, err, sizeof(err)),
	                OTPBOX_OK);
	CU_ASSERT(strstr(err, "not made yet") != NULL);
	snprintf(feed, sizeof(feed), "%s-feed", path);
	TEST_EXPECT_INT("no feed made", access(feed, F_OK), -1);
	/* the first look of a wait always happens; a quiet re-look does not
	 * ask the database */
	TEST_EXPECT_INT("watch", store_changes_watch(st, "a@b.c", &look),
	                OTPBOX_OK);
	TEST_EXPECT_INT("first look", look, 1);
	TEST_EXPECT_INT("feed made", access(feed, F_OK), 0);
	TEST_EXPECT_INT("sleep", store_changes_sleep(st, 1, -1, &ev),
	                OTPBOX_OK);
	TEST_EXPECT_INT("timed out", ev, STORE_CHANGES_TIMEOUT);
	TEST_EXPECT_INT("watch again", store_changes_watch(st, "a@b.c", &look),
	                OTPBOX_OK);
	TEST_EXPECT_INT("nothing changed", look, 0);
	store_changes_done(st);
	TEST_EXPECT_INT("feed checked",
	                store_changes_check(st, err, sizeof(err)), OTPBOX_OK);
	CU_ASSERT(strstr(err, "wakes each bot") != NULL);
	TEST_EXPECT_INT("lock", store_lock_take(st, "t", err, sizeof(err)),
	                OTPBOX_OK);
	TEST_EXPECT_INT("lock held", store_lock_check(st), OTPBOX_OK);
	/* Without its connection (before fork()), the lock stays. */
	store_keep_lock_only(st);
	TEST_EXPECT_INT("lock kept", store_lock_check(st), OTPBOX_OK);
	TEST_EXPECT_INT("open",
	                store_open(path, false, &other, err, sizeof(err)),
	                OTPBOX_OK);
	TEST_EXPECT_INT("another's lock",
	                store_lock_take(other, "t", err, sizeof(err)),
	                OTPBOX_ERR_LOCKED);
	/* One file for the database: every account's name is covered. */
	TEST_EXPECT_INT("a second account's lock",
	                store_lock_fetch(st, "second", err, sizeof(err)),
	                OTPBOX_OK);
	TEST_EXPECT_INT("not for another process",
	                store_lock_fetch(other, "second", err, sizeof(err)),
	                OTPBOX_ERR_LOCKED);
	store_lock_release(st);
	TEST_EXPECT_INT("lock gone", store_lock_check(st), OTPBOX_ERR_LOCKED);
	TEST_EXPECT_INT("another's lock now",
	                store_lock_take(other, "t", err, sizeof(err)),
	                OTPBOX_OK);
	store_close(other);
	store_close(st);
	snprintf(path, sizeof(path), "%s/o.db.lock", dir);
	unlink(path);
	unlink(feed);
	snprintf(path, sizeof(path), "%s/o.db", dir);
	unlink(path);
	rmdir(dir);
}

/* A conninfo reaches libpq; its failure names the server without the
 * password. */
static void
test_dispatch_pg(void)
{
	const char *db = "host=/nonexistent-otpbox-dir port=1 dbname=otpbox"
	                 " password=t0psecret";
	struct store *st = NULL;
	char err[512] = "";

	TEST_EXPECT_INT("connect", store_open(db, false, &st, err, sizeof(err)),
	                OTPBOX_ERR_NET);
	CU_ASSERT(st == NULL);
	CU_ASSERT(strstr(err, "cannot connect to host=/nonexistent") != NULL);
	CU_ASSERT(strstr(err, "password=***") != NULL);
	CU_ASSERT(strstr(err, "t0psecret") == NULL);
	if (strstr(err, "t0psecret"))
		fprintf(stderr, "  message shows the password: %s\n", err);
}

static CU_TestInfo test_cases[] = {
    {"backend kind and password redaction", test_kind_and_redact},
    {"dispatch to SQLite", test_dispatch_sqlite},
    {"dispatch to PostgreSQL", test_dispatch_pg},
    CU_TEST_INFO_NULL,
};
#define TEST_SUITE_NAME "store_backend"
#include "../cunit_main.h"
