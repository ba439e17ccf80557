/* SPDX-License-Identifier: MIT */
/* Store tests on real SQLite files: creation, permissions, refusal of
 * foreign or newer files (unchanged), and migration from older schemas. */
#include "../cunit_main.h"
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schema_sql.h"
#include "store.h"

static char test_dir[256];

static const char *
test_path(const char *name)
{
	static char path[512];

	if (!test_dir[0]) {
		snprintf(test_dir, sizeof(test_dir),
		         "/tmp/otpbox-store.XXXXXX");
		CU_ASSERT_FATAL(mkdtemp(test_dir) != NULL);
	}
	snprintf(path, sizeof(path), "%s/%s", test_dir, name);
	return path;
}

/* Runs one SQL text on a raw connection (tests may speak SQL). */
static void
test_sql(const char *path, const char *sql)
{
	sqlite3 *db = NULL;

	CU_ASSERT_FATAL(sqlite3_open(path, &db) == SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fprintf(stderr, "  sql failed: %s\n", sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* The sqlite3_exec() result of sql on a new connection. */
static int
test_sql_rc(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc;

	CU_ASSERT_FATAL(sqlite3_open(path, &db) == SQLITE_OK);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static long long
test_sql_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	long long v = -1;

	CU_ASSERT_FATAL(sqlite3_open(path, &db) == SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

static char *
test_slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;

	CU_ASSERT_FATAL(fp != NULL);
	fseek(fp, 0, SEEK_END);
	*len = (size_t)ftell(fp);
	rewind(fp);
	buf = malloc(*len + 1);
	CU_ASSERT_FATAL(fread(buf, 1, *len, fp) == *len);
	fclose(fp);
	return buf;
}

static void
test_store_create(void)
{
	const char *path = test_path("sub/new.db");
	struct store *st = NULL;
	char errbuf[512], p[512];
	struct stat sb;

	snprintf(p, sizeof(p), "%s", path);
	CU_ASSERT(store_open(p, false, &st, errbuf, sizeof(errbuf)) ==
	          OTPBOX_ERR_NO_DB);
	CU_ASSERT(strstr(errbuf, "does not exist") != NULL);
	CU_ASSERT(access(p, F_OK) < 0);
	CU_ASSERT_FATAL(store_open(p, true, &st, errbuf, sizeof(errbuf)) ==
	                OTPBOX_OK);
	store_close(st);
	CU_ASSERT_FATAL(stat(p, &sb) == 0);
	TEST_EXPECT_INT("file mode", sb.st_mode & 0777, 0600);
	TEST_EXPECT_INT("user_version", test_sql_int(p, "PRAGMA user_version"),
	                store_schema_version());
	TEST_EXPECT_INT("application_id",
	                test_sql_int(p, "PRAGMA application_id"),
	                STORE_APPLICATION_ID);
	TEST_EXPECT_INT("wal",
	                test_sql_int(p, "SELECT journal_mode = 'wal' "
	                                "FROM pragma_journal_mode"),
	                1);
	TEST_EXPECT_INT(
	    "views",
	    test_sql_int(p, "SELECT count(*) FROM "
	                    "sqlite_master WHERE type = 'view' AND name IN "
	                    "('otp_codes', 'missed_otps')"),
	    2);
	TEST_EXPECT_INT("otp_codes empty",
	                test_sql_int(p, "SELECT count(*) FROM otp_codes"), 0);
	TEST_EXPECT_INT("missed_otps empty",
	                test_sql_int(p, "SELECT count(*) FROM missed_otps"), 0);
	/* Opening again is idempotent. */
	CU_ASSERT(store_open(p, false, &st, errbuf, sizeof(errbuf)) ==
	          OTPBOX_OK);
	store_close(st);
}

/* Files that are not ours must be refused and left byte for byte alone. */
struct refuse_case {
	const char *name;
	const char *setup_sql; /* NULL: write `text` as a plain file */
	const char *text;
	enum otpbox_err want;
	const char *want_msg;
};

static const struct refuse_case refuse_cases[] = {
    {"text file", NULL,
     "this is not a database, just some text\n"
     "spanning more than one hundred bytes so that SQLite reads a full "
     "header and decides\n",
     OTPBOX_ERR_NOT_OTPBOX_DB, "is not an otpbox database"},
    {"another program's database",
     "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);"
     "INSERT INTO notes (body) VALUES ('keep me');",
     NULL, OTPBOX_ERR_NOT_OTPBOX_DB, "of another program"},
    {"newer otpbox schema",
     "PRAGMA application_id = 1869901922; PRAGMA user_version = 999;"
     "CREATE TABLE future (x);",
     NULL, OTPBOX_ERR_SCHEMA_TOO_NEW, "upgrade otpbox"},
};

static void
test_store_refuse(void)
{
	struct store *st = NULL;
	char errbuf[512], p[512], wal[520];
	size_t i, before_len, after_len;
	char *before, *after;

	for (i = 0; i < sizeof(refuse_cases) / sizeof(refuse_cases[0]); i++) {
		const struct refuse_case *c = &refuse_cases[i];
		FILE *fp;

		snprintf(p, sizeof(p), "%s", test_path("refuse.db"));
		unlink(p);
		if (c->setup_sql) {
			test_sql(p, c->setup_sql);
		} else {
			fp = fopen(p, "w");
			fputs(c->text, fp);
			fclose(fp);
		}
		before = test_slurp(p, &before_len);
		errbuf[0] = '\0';
		TEST_EXPECT_INT(
		    c->name, store_open(p, true, &st, errbuf, sizeof(errbuf)),
		    c->want);
		CU_ASSERT(st == NULL);
		if (!strstr(errbuf, c->want_msg)) {
			fprintf(stderr, "  %s: message '%s' lacks '%s'\n",
			        c->name, errbuf, c->want_msg);
			CU_FAIL("message");
		}
		after = test_slurp(p, &after_len);
		CU_ASSERT(before_len == after_len &&
		          memcmp(before, after, before_len) == 0);
		snprintf(wal, sizeof(wal), "%s-wal", p);
		CU_ASSERT(access(wal, F_OK) < 0);
		free(before);
		free(after);
	}
}

/* A database left at every older version is migrated to the newest, and
 * what it held survives. */
static void
test_store_migrate(void)
{
	struct store *st = NULL;
	char errbuf[512], p[512], sql[64];
	int from, v;

	for (from = 0; from < schema_sql_count; from++) {
		snprintf(p, sizeof(p), "%s", test_path("old.db"));
		unlink(p);
		fclose(fopen(p, "w")); /* an empty file is schema version 0 */
		for (v = 0; v < from; v++) {
			test_sql(p, schema_sql[v]);
			snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
			         v + 1);
			test_sql(p, sql);
		}
		if (from > 0)
			test_sql(p,
			         "INSERT INTO accounts (name, username, host)"
			         " VALUES ('kept', 'u@x.test', 'h');");
		CU_ASSERT_FATAL(store_open(p, false, &st, errbuf,
		                           sizeof(errbuf)) == OTPBOX_OK);
		store_close(st);
		TEST_EXPECT_INT("migrated version",
		                test_sql_int(p, "PRAGMA user_version"),
		                schema_sql_count);
		/* Every path to the newest schema allows the same outcomes
		 * (a CHECK widened in place must reach old files too). */
		TEST_EXPECT_INT("cancelled allowed",
		                test_sql_rc(p, "INSERT INTO waits (address, "
		                               "window_start, started_at, "
		                               "outcome) VALUES ('a@x.test', "
		                               "0, 0, 'cancelled')"),
		                SQLITE_OK);
		TEST_EXPECT_INT("unknown outcome refused",
		                test_sql_rc(p, "INSERT INTO waits (address, "
		                               "window_start, started_at, "
		                               "outcome) VALUES ('a@x.test', "
		                               "0, 0, 'bogus')"),
		                SQLITE_CONSTRAINT);
		if (from > 0)
			TEST_EXPECT_INT(
			    "data kept",
			    test_sql_int(p, "SELECT count(*) FROM accounts "
			                    "WHERE name = 'kept'"),
			    1);
	}
}

static void
test_store_transactions(void)
{
	struct store *st = NULL;
	char errbuf[512], p[512];
	int64_t v1 = 0, v2 = 0;

	snprintf(p, sizeof(p), "%s", test_path("tx.db"));
	CU_ASSERT_FATAL(store_open(p, true, &st, errbuf, sizeof(errbuf)) ==
	                OTPBOX_OK);
	CU_ASSERT(store_data_version(st, &v1) == OTPBOX_OK);
	/* A commit by another connection changes data_version. */
	test_sql(p, "INSERT INTO accounts (name, username, host) "
	            "VALUES ('a', 'u', 'h');");
	CU_ASSERT(store_data_version(st, &v2) == OTPBOX_OK);
	CU_ASSERT(v2 != v1);
	CU_ASSERT(store_begin(st) == OTPBOX_OK);
	store_rollback(st);
	store_rollback(st); /* harmless without a transaction */
	CU_ASSERT(store_begin(st) == OTPBOX_OK);
	CU_ASSERT(store_commit(st) == OTPBOX_OK);
	store_close(st);
	store_close(NULL);
}

static void
test_cleanup(void)
{
	test_remove_tree(test_dir);
}

static CU_TestInfo test_cases[] = {
    {"create", test_store_create},
    {"refuse foreign and newer files", test_store_refuse},
    {"migrate older schemas", test_store_migrate},
    {"transactions and data_version", test_store_transactions},
    {"cleanup", test_cleanup},
    CU_TEST_INFO_NULL,
};
#define TEST_SUITE_NAME "store"
#include "../cunit_main.h"
