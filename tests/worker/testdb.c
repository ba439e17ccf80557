/* SPDX-License-Identifier: MIT */
/* Test-only helpers that write otpbox rows with plain SQL (see testdb.h). */
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "store_wait.h"
#include "testdb.h"

static void
testdb_die(const char *what, const char *detail)
{
	fprintf(stderr, "testdb: %s: %s\n", what, detail);
	abort();
}

void
testdb_create(char *path)
{
	char tmpl[] = "/tmp/otpbox-wait.XXXXXX", err[256];
	struct store *st;

	if (mkdtemp(tmpl) == NULL)
		testdb_die("mkdtemp", tmpl);
	snprintf(path, PATH_MAX, "%s/otpbox.db", tmpl);
	if (store_open(path, true, &st, err, sizeof(err)))
		testdb_die("store_open", err);
	store_close(st);
}

void
testdb_remove(const char *path)
{
	static const char *const suffix[] = {"", "-wal", "-shm"};
	char name[PATH_MAX + 8], *slash;
	size_t i;

	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "%s%s", path, suffix[i]);
		unlink(name);
	}
	snprintf(name, sizeof(name), "%s", path);
	if ((slash = strrchr(name, '/')) != NULL) {
		*slash = '\0';
		rmdir(name);
	}
}

static sqlite3 *
testdb_open(const char *path)
{
	sqlite3 *db;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL))
		testdb_die("open", sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 10000);
	return db;
}

static sqlite3_stmt *
testdb_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL))
		testdb_die(sql, sqlite3_errmsg(db));
	return stmt;
}

static void
testdb_step_done(sqlite3 *db, sqlite3_stmt *stmt)
{
	if (sqlite3_step(stmt) != SQLITE_DONE)
		testdb_die(sqlite3_sql(stmt), sqlite3_errmsg(db));
	sqlite3_finalize(stmt);
}

/* Account 1 and folder 1 exist in every test database. */
static void
testdb_folder(sqlite3 *db)
{
	if (sqlite3_exec(
	        db,
	        "INSERT OR IGNORE INTO accounts (id, name,"
	        " username, host) VALUES (1, 'test', 'catchall@t.test',"
	        " 'localhost'); INSERT OR IGNORE INTO folders (id,"
	        " account_id, name, uidvalidity) VALUES (1, 1, 'INBOX',"
	        " 7)",
	        NULL, NULL, NULL))
		testdb_die("folder", sqlite3_errmsg(db));
}

static int64_t
testdb_message(sqlite3 *db, const char *address, int64_t received_at,
               int64_t fetched_at)
{
	sqlite3_stmt *stmt;
	int64_t id;

	stmt = testdb_prepare(db,
	                      "INSERT INTO messages (folder_id,"
	                      " uidvalidity, uid, message_id, content_hash,"
	                      " received_at, fetched_at, sender, subject, size)"
	                      " VALUES (1, 7, (SELECT coalesce(max(uid), 0) + 1"
	                      " FROM messages), NULL, hex(randomblob(8)), ?1,"
	                      " ?2, 'noreply@service.test', 'Your code', 100)");
	sqlite3_bind_int64(stmt, 1, received_at);
	sqlite3_bind_int64(stmt, 2, fetched_at);
	testdb_step_done(db, stmt);
	id = sqlite3_last_insert_rowid(db);
	stmt = testdb_prepare(db, "INSERT INTO recipients (message_id,"
	                          " address, header) VALUES (?1, lower(?2),"
	                          " 'X-Original-To')");
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_text(stmt, 2, address, -1, SQLITE_STATIC);
	testdb_step_done(db, stmt);
	return id;
}

void
testdb_notify(const char *path)
{
	if (store_wait_notify(path) != OTPBOX_OK)
		testdb_die("notify", path);
}

sqlite3 *
testdb_writer(const char *path)
{
	sqlite3 *db = testdb_open(path);

	if (sqlite3_exec(db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL))
		testdb_die("synchronous", sqlite3_errmsg(db));
	return db;
}

int64_t
testdb_add_db(sqlite3 *db, const char *address, const char *kind,
              const char *code, int64_t received_at, int64_t fetched_at)
{
	sqlite3_stmt *stmt;
	int64_t id;

	testdb_folder(db);
	id = testdb_message(db, address, received_at, fetched_at);
	if (code == NULL)
		return id;
	stmt = testdb_prepare(db, "INSERT INTO codes (message_id,"
	                          " address, kind, code, received_at)"
	                          " VALUES (?1, lower(?2), ?3, ?4, ?5)");
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_text(stmt, 2, address, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, code, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, received_at);
	testdb_step_done(db, stmt);
	return id;
}

int64_t
testdb_add(const char *path, const char *address, const char *kind,
           const char *code, int64_t received_at, int64_t fetched_at)
{
	sqlite3 *db = testdb_open(path);
	int64_t id;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL))
		testdb_die("begin", sqlite3_errmsg(db));
	id = testdb_add_db(db, address, kind, code, received_at, fetched_at);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL))
		testdb_die("commit", sqlite3_errmsg(db));
	sqlite3_close(db);
	/* A raw connection has no store hooks: wake waiters as one would. */
	testdb_notify(path);
	return id;
}

void
testdb_sender(const char *path, int64_t message_id, const char *from,
              int authenticated, const char *subject, int64_t copy_of)
{
	sqlite3 *db = testdb_open(path);
	sqlite3_stmt *stmt = testdb_prepare(
	    db, "UPDATE messages SET from_address = lower(?2),"
	        " from_domain = lower(substr(?2, instr(?2, '@') + 1)),"
	        " authenticated = ?3, subject = coalesce(?4, subject),"
	        " copy_of = CASE WHEN ?5 > 0 THEN ?5 ELSE copy_of END"
	        " WHERE id = ?1");

	sqlite3_bind_int64(stmt, 1, message_id);
	if (from)
		sqlite3_bind_text(stmt, 2, from, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 3, authenticated);
	if (subject)
		sqlite3_bind_text(stmt, 4, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, copy_of);
	testdb_step_done(db, stmt);
	sqlite3_close(db);
}

int64_t
testdb_int(const char *path, const char *sql)
{
	sqlite3 *db = testdb_open(path);
	sqlite3_stmt *stmt = testdb_prepare(db, sql);
	int64_t v = -1;

	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

const char *
testdb_text(const char *path, const char *sql)
{
	static char buf[1024];
	sqlite3 *db = testdb_open(path);
	sqlite3_stmt *stmt = testdb_prepare(db, sql);
	const unsigned char *s;

	snprintf(buf, sizeof(buf), "(none)");
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		s = sqlite3_column_text(stmt, 0);
		snprintf(buf, sizeof(buf), "%s", s ? (const char *)s : "NULL");
	}
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return buf;
}

void
testdb_exec(const char *path, const char *sql)
{
	sqlite3 *db = testdb_open(path);

	if (sqlite3_exec(db, sql, NULL, NULL, NULL))
		testdb_die(sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}
