/* SPDX-License-Identifier: MIT */
/* The SQLite backend: opens the database file safely (checks what the file
 * is, migrates the schema, sets the per-connection pragmas WAL mode needs),
 * transactions and the fetcher's lock file; its operations table. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safe_file.h"
#include "schema_sql.h"
#include "store_feed.h"
#include "store_sqlite_p.h"

static void store_sqlite_lock_release(struct store *base);

enum otpbox_err
store_sqlite_fail(struct store_sqlite *st, int rc)
{
	snprintf(st->errmsg, sizeof(st->errmsg), "%s",
	         st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return OTPBOX_ERR_BUSY;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return OTPBOX_ERR_NOT_OTPBOX_DB;
	case SQLITE_NOMEM:
		return OTPBOX_ERR_NOMEM;
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
	case SQLITE_READONLY:
	case SQLITE_FULL:
		return OTPBOX_ERR_IO;
	default:
		return OTPBOX_ERR_DB;
	}
}

enum otpbox_err
store_sqlite_prepare(struct store_sqlite *st, const char *const *sql,
                     sqlite3_stmt **stmts, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = sqlite3_prepare_v3(st->db, sql[i], -1,
		                        SQLITE_PREPARE_PERSISTENT, &stmts[i],
		                        NULL);
		if (rc != SQLITE_OK) {
			enum otpbox_err err = store_sqlite_fail(st, rc);

			store_sqlite_finalize(stmts, i);
			return err;
		}
	}
	return OTPBOX_OK;
}

void
store_sqlite_finalize(sqlite3_stmt **stmts, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		sqlite3_finalize(stmts[i]);
		stmts[i] = NULL;
	}
}

/* Runs a query that returns one integer. */
static enum otpbox_err
store_sqlite_int_query(struct store_sqlite *st, const char *sql, int64_t *out)
{
	sqlite3_stmt *stmt = NULL;
	enum otpbox_err err = OTPBOX_OK;
	int rc;

	rc = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(stmt, 0);
	else
		err = store_sqlite_fail(st, rc);
	sqlite3_finalize(stmt);
	return err;
}

static enum otpbox_err
store_sqlite_exec(struct store_sqlite *st, const char *sql)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? OTPBOX_OK : store_sqlite_fail(st, rc);
}

/* Creates the directory of path (one level) and the file itself, mode 0600,
 * so that the database never exists with wider permissions. */
static enum otpbox_err
store_sqlite_create_file(const char *path, char *errbuf, size_t errlen)
{
	char *dir = strdup(path), *slash;
	int fd;

	if (dir == NULL)
		return OTPBOX_ERR_NOMEM;
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			snprintf(errbuf, errlen,
			         "cannot create directory %s: "
			         "%s",
			         dir, strerror(errno));
			free(dir);
			return OTPBOX_ERR_IO;
		}
	}
	free(dir);
	if (safe_file_open(path, O_WRONLY | O_CREAT, 0600, SAFE_FILE_SHARED,
	                   &fd, errbuf, errlen))
		return OTPBOX_ERR_IO;
	close(fd);
	return OTPBOX_OK;
}

/* Refuses files that are not ours before anything is written to them. */
static enum otpbox_err
store_sqlite_identify(struct store_sqlite *st, int64_t *version, char *errbuf,
                      size_t errlen)
{
	int64_t app_id = 0, tables = 0;
	enum otpbox_err err;

	err = store_sqlite_int_query(st, "PRAGMA application_id", &app_id);
	if (!err)
		err =
		    store_sqlite_int_query(st, "PRAGMA user_version", version);
	if (!err)
		err = store_sqlite_int_query(
		    st, "SELECT count(*) FROM sqlite_master", &tables);
	if (err) {
		snprintf(errbuf, errlen,
		         "%s is not an otpbox database (%s); "
		         "point --db at another file",
		         st->path, st->errmsg);
		return err == OTPBOX_ERR_BUSY ? err : OTPBOX_ERR_NOT_OTPBOX_DB;
	}
	if (app_id != STORE_APPLICATION_ID && (tables > 0 || *version > 0)) {
		snprintf(errbuf, errlen,
		         "%s is an SQLite database of another "
		         "program, not an otpbox database; it was left "
		         "unchanged",
		         st->path);
		return OTPBOX_ERR_NOT_OTPBOX_DB;
	}
	if (*version > schema_sql_count) {
		snprintf(errbuf, errlen,
		         "%s has schema version %lld but this "
		         "otpbox knows only up to %d; upgrade otpbox",
		         st->path, (long long)*version, schema_sql_count);
		return OTPBOX_ERR_SCHEMA_TOO_NEW;
	}
	return OTPBOX_OK;
}

/* Applies the migrations newer than the file's user_version in one
 * transaction, re-reading the version under the write lock. */
static enum otpbox_err
store_sqlite_migrate(struct store_sqlite *st, char *errbuf, size_t errlen)
{
	enum otpbox_err err;
	int64_t version = 0;
	char sql[64];

	if ((err = store_sqlite_begin(&st->base)) != OTPBOX_OK)
		goto out;
	if ((err = store_sqlite_int_query(st, "PRAGMA user_version", &version)))
		goto out;
	for (; version < schema_sql_count; version++) {
		if ((err = store_sqlite_exec(st, schema_sql[version])))
			goto out;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld",
		         (long long)version + 1);
		if ((err = store_sqlite_exec(st, sql)))
			goto out;
	}
	err = store_sqlite_commit(&st->base);
out:
	if (err) {
		store_sqlite_rollback(&st->base);
		snprintf(errbuf, errlen, "cannot upgrade schema of %s: %s",
		         st->path, st->errmsg);
	}
	return err;
}

static enum otpbox_err
store_sqlite_configure(struct store_sqlite *st, char *errbuf, size_t errlen)
{
	static const char pragmas[] = "PRAGMA journal_mode = WAL;"
	                              "PRAGMA synchronous = NORMAL;"
	                              "PRAGMA foreign_keys = ON;"
	                              "PRAGMA journal_size_limit = 67108864;";
	enum otpbox_err err;

	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	err = store_sqlite_exec(st, pragmas);
	if (err)
		snprintf(errbuf, errlen, "cannot configure %s: %s", st->path,
		         st->errmsg);
	return err;
}

static enum otpbox_err
store_sqlite_prepare_parts(struct store_sqlite *st, char *errbuf, size_t errlen)
{
	static const char *const sql[] = {"PRAGMA data_version"};
	enum otpbox_err err;

	err = store_sqlite_prepare(st, sql, &st->data_version, 1);
	if (!err)
		err = store_feed_pending_new(st->path, &st->feed);
	if (!err)
		err = store_sqlite_fetch_prepare(st);
	if (!err)
		err = store_sqlite_wait_prepare(st);
	if (!err)
		err = store_sqlite_status_prepare(st);
	if (err)
		snprintf(errbuf, errlen, "cannot prepare statements on %s: %s",
		         st->path, st->errmsg);
	return err;
}

enum otpbox_err
store_sqlite_open(const char *path, const char *password, bool create,
                  struct store **out, char *errbuf, size_t errlen)
{
	struct store_sqlite *st;
	enum otpbox_err err;
	int64_t version = 0;
	int rc;

	(void)password; /* a file has none */
	*out = NULL;
	if (access(path, F_OK) < 0) {
		if (!create) {
			snprintf(errbuf, errlen,
			         "database %s does not exist; "
			         "run 'otpbox fetch' first or pass --db",
			         path);
			return OTPBOX_ERR_NO_DB;
		}
		if ((err = store_sqlite_create_file(path, errbuf, errlen)))
			return err;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->path = strdup(path)) == NULL) {
		free(st);
		return OTPBOX_ERR_NOMEM;
	}
	st->base.backend = &store_sqlite_backend;
	st->lock_fd = -1;
	st->watch_seen = -1;
	rc = sqlite3_open_v2(path, &st->db,
	                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		err = store_sqlite_fail(st, rc);
		snprintf(errbuf, errlen, "cannot open %s: %s", path,
		         st->errmsg);
		goto out;
	}
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	if ((err = store_sqlite_identify(st, &version, errbuf, errlen)))
		goto out;
	if ((err = store_sqlite_configure(st, errbuf, errlen)))
		goto out;
	if (version < schema_sql_count &&
	    (err = store_sqlite_migrate(st, errbuf, errlen)))
		goto out;
	err = store_sqlite_prepare_parts(st, errbuf, errlen);
out:
	if (err) {
		store_sqlite_close(&st->base);
		return err;
	}
	*out = &st->base;
	return OTPBOX_OK;
}

/* Closes the connection and its statements; the lock file stays. */
static void
store_sqlite_keep_lock_only(struct store *base)
{
	struct store_sqlite *st = store_sqlite_of(base);

	store_sqlite_fetch_finalize(st);
	store_sqlite_wait_finalize(st);
	store_sqlite_status_finalize(st);
	store_feed_pending_free(st->feed);
	st->feed = NULL;
	store_feed_close(st->watch_feed);
	st->watch_feed = NULL;
	sqlite3_finalize(st->data_version);
	st->data_version = NULL;
	sqlite3_close(st->db);
	st->db = NULL;
}

void
store_sqlite_close(struct store *base)
{
	struct store_sqlite *st = store_sqlite_of(base);

	if (st == NULL)
		return;
	store_sqlite_keep_lock_only(base);
	store_sqlite_lock_release(base);
	free(st->path);
	free(st);
}

enum otpbox_err
store_sqlite_begin(struct store *base)
{
	struct store_sqlite *st = store_sqlite_of(base);

	return store_sqlite_exec(st, "BEGIN IMMEDIATE");
}

enum otpbox_err
store_sqlite_commit(struct store *base)
{
	struct store_sqlite *st = store_sqlite_of(base);

	return store_sqlite_exec(st, "COMMIT");
}

void
store_sqlite_rollback(struct store *base)
{
	struct store_sqlite *st = store_sqlite_of(base);

	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

enum otpbox_err
store_sqlite_data_version(struct store *base, int64_t *out)
{
	struct store_sqlite *st = store_sqlite_of(base);
	int rc = sqlite3_step(st->data_version);

	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st->data_version, 0);
	sqlite3_reset(st->data_version);
	return rc == SQLITE_ROW ? OTPBOX_OK : store_sqlite_fail(st, rc);
}

static const char *
store_sqlite_errmsg(const struct store *base)
{
	return store_sqlite_of(base)->errmsg;
}

static const char *
store_sqlite_get_path(const struct store *base)
{
	return store_sqlite_of(base)->path;
}

/* flock(2) on DB.lock: released by the kernel when the holder dies, so a
 * crashed fetcher never leaves a stale lock. One lock for the whole
 * database, whatever the name: an SQLite file has a single host. */
static enum otpbox_err
store_sqlite_lock_take(struct store *base, const char *name, char *errbuf,
                       size_t errlen)
{
	struct store_sqlite *st = store_sqlite_of(base);
	size_t n = strlen(st->path) + sizeof(".lock");
	char *path;
	int fd;

	(void)name;
	/* One host, one file: the lock covers every account's name. */
	if (st->lock_fd >= 0)
		return OTPBOX_OK;
	path = malloc(n);
	if (path == NULL)
		return OTPBOX_ERR_NOMEM;
	snprintf(path, n, "%s.lock", st->path);
	/* The folder may be group-writable: never follow a planted link. */
	if (safe_file_open(path, O_RDWR | O_CREAT, 0600, SAFE_FILE_OURS, &fd,
	                   errbuf, errlen)) {
		free(path);
		return OTPBOX_ERR_IO;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(errbuf, errlen, "another otpbox fetch holds %s", path);
		close(fd);
		free(path);
		return OTPBOX_ERR_LOCKED;
	}
	free(path);
	store_sqlite_lock_release(base);
	st->lock_fd = fd;
	return OTPBOX_OK;
}

/* A lock on a local file cannot be lost while its descriptor is open. */
static enum otpbox_err
store_sqlite_lock_check(struct store *base)
{
	return store_sqlite_of(base)->lock_fd >= 0 ? OTPBOX_OK
	                                           : OTPBOX_ERR_LOCKED;
}

static void
store_sqlite_lock_release(struct store *base)
{
	struct store_sqlite *st = store_sqlite_of(base);

	if (st->lock_fd >= 0)
		close(st->lock_fd);
	st->lock_fd = -1;
}

const struct store_backend store_sqlite_backend = {
    .name = "sqlite",
    .open = store_sqlite_open,
    .close = store_sqlite_close,
    .errmsg = store_sqlite_errmsg,
    .display_name = store_sqlite_get_path,
    .file_path = store_sqlite_get_path,
    .begin = store_sqlite_begin,
    .commit = store_sqlite_commit,
    .rollback = store_sqlite_rollback,
    .data_version = store_sqlite_data_version,
    .fetch_folder_get = store_sqlite_fetch_folder_get,
    .fetch_insert = store_sqlite_fetch_insert,
    .fetch_checkpoint = store_sqlite_fetch_checkpoint,
    .fetch_purge = store_sqlite_fetch_purge,
    .fetch_waiting = store_sqlite_fetch_waiting,
    .wait_retry_often = store_sqlite_wait_retry_often,
    .wait_begin = store_sqlite_wait_begin,
    .wait_find = store_sqlite_wait_find,
    .wait_claim = store_sqlite_wait_claim,
    .wait_code_get = store_sqlite_wait_code_get,
    .wait_end = store_sqlite_wait_end,
    .wait_skew = store_sqlite_wait_skew,
    .wait_missed_get = store_sqlite_wait_missed_get,
    .status_beat = store_sqlite_status_beat,
    .status_rows = store_sqlite_status_rows,
    .status_summary = store_sqlite_status_summary,
    .status_last_code = store_sqlite_status_last_code,
    .status_clock_offset = store_sqlite_status_clock_offset,
    .status_headers = store_sqlite_status_headers,
    .lock_take = store_sqlite_lock_take,
    .lock_check = store_sqlite_lock_check,
    .lock_release = store_sqlite_lock_release,
    .keep_lock_only = store_sqlite_keep_lock_only,
    .changes_watch = store_sqlite_changes_watch,
    .changes_sleep = store_sqlite_changes_sleep,
    .changes_done = store_sqlite_changes_done,
    .changes_interval_ms = store_sqlite_changes_interval_ms,
    .changes_check = store_sqlite_changes_check,
};
