/* SPDX-License-Identifier: MIT */
#include "../cunit_main.h"
#include <sqlite3.h>

#include "tmpstore.h"

static char tmpstore_dir[64];
static char tmpstore_db[128];

struct store *
tmpstore_open(void)
{
	struct store *st = NULL;
	char errbuf[256];

	if (!tmpstore_dir[0]) {
		snprintf(tmpstore_dir, sizeof(tmpstore_dir),
		         "/tmp/otpbox-store.XXXXXX");
		CU_ASSERT_FATAL(mkdtemp(tmpstore_dir) != NULL);
		snprintf(tmpstore_db, sizeof(tmpstore_db), "%s/db",
		         tmpstore_dir);
	}
	if (store_open(tmpstore_db, true, &st, errbuf, sizeof(errbuf)))
		fprintf(stderr, "  store_open %s: %s\n", tmpstore_db, errbuf);
	CU_ASSERT_FATAL(st != NULL);
	return st;
}

const char *
tmpstore_path(void)
{
	return tmpstore_db;
}

long long
tmpstore_int(const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	long long v = -1;

	CU_ASSERT_FATAL(sqlite3_open(tmpstore_db, &db) == SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_type(s, 0) == SQLITE_NULL
		        ? -2
		        : sqlite3_column_int64(s, 0);
	else
		fprintf(stderr, "  query failed: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

void
tmpstore_exec(const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	CU_ASSERT_FATAL(sqlite3_open(tmpstore_db, &db) == SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fprintf(stderr, "  %s: %s\n", sql, msg ? msg : "?");
	CU_ASSERT(msg == NULL);
	sqlite3_free(msg);
	sqlite3_close(db);
}

void
tmpstore_remove(void)
{
	test_remove_tree(tmpstore_dir);
}
