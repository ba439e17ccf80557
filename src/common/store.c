/* SPDX-License-Identifier: MIT */
/* Opens the otpbox database safely: checks what the file is, migrates the
 * schema, and sets the per-connection pragmas WAL mode needs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safe_file.h"
#include "schema_sql.h"
#include "store_p.h"

enum otpbox_err
store_p_fail(struct store *st, int rc)
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
store_p_prepare(struct store *st, const char *const *sql, sqlite3_stmt **stmts,
                size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = sqlite3_prepare_v3(st->db, sql[i], -1,
		                        SQLITE_PREPARE_PERSISTENT, &stmts[i],
		                        NULL);
		if (rc != SQLITE_OK) {
			enum otpbox_err err = store_p_fail(st, rc);

			store_p_finalize(stmts, i);
			return err;
		}
	}
	return OTPBOX_OK;
}

void
store_p_finalize(sqlite3_stmt **stmts, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		sqlite3_finalize(stmts[i]);
		stmts[i] = NULL;
	}
}

int
store_schema_version(void)
{
	return schema_sql_count;
}

/* Runs a query that returns one integer. */
static enum otpbox_err
store_int_query(struct store *st, const char *sql, int64_t *out)
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
		err = store_p_fail(st, rc);
	sqlite3_finalize(stmt);
	return err;
}

static enum otpbox_err
store_exec(struct store *st, const char *sql)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? OTPBOX_OK : store_p_fail(st, rc);
}

/* Creates the directory of path (one level) and the file itself, mode 0600,
 * so that the database never exists with wider permissions. */
static enum otpbox_err
store_create_file(const char *path, char *errbuf, size_t errlen)
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
store_identify(struct store *st, int64_t *version, char *errbuf, size_t errlen)
{
	int64_t app_id = 0, tables = 0;
	enum otpbox_err err;

	err = store_int_query(st, "PRAGMA application_id", &app_id);
	if (!err)
		err = store_int_query(st, "PRAGMA user_version", version);
	if (!err)
		err = store_int_query(st, "SELECT count(*) FROM sqlite_master",
		                      &tables);
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
store_migrate(struct store *st, char *errbuf, size_t errlen)
{
	enum otpbox_err err;
	int64_t version = 0;
	char sql[64];

	if ((err = store_begin(st)) != OTPBOX_OK)
		goto out;
	if ((err = store_int_query(st, "PRAGMA user_version", &version)))
		goto out;
	for (; version < schema_sql_count; version++) {
		if ((err = store_exec(st, schema_sql[version])))
			goto out;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld",
		         (long long)version + 1);
		if ((err = store_exec(st, sql)))
			goto out;
	}
	err = store_commit(st);
out:
	if (err) {
		store_rollback(st);
		snprintf(errbuf, errlen, "cannot upgrade schema of %s: %s",
		         st->path, st->errmsg);
	}
	return err;
}

static enum otpbox_err
store_configure(struct store *st, char *errbuf, size_t errlen)
{
	static const char pragmas[] = "PRAGMA journal_mode = WAL;"
	                              "PRAGMA synchronous = NORMAL;"
	                              "PRAGMA foreign_keys = ON;"
	                              "PRAGMA journal_size_limit = 67108864;";
	enum otpbox_err err;

	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	err = store_exec(st, pragmas);
	if (err)
		snprintf(errbuf, errlen, "cannot configure %s: %s", st->path,
		         st->errmsg);
	return err;
}

static enum otpbox_err
store_prepare_parts(struct store *st, char *errbuf, size_t errlen)
{
	static const char *const sql[] = {"PRAGMA data_version"};
	enum otpbox_err err;

	err = store_p_prepare(st, sql, &st->data_version, 1);
	if (!err)
		err = store_fetch_prepare(st);
	if (!err)
		err = store_wait_prepare(st);
	if (!err)
		err = store_status_prepare(st);
	if (err)
		snprintf(errbuf, errlen, "cannot prepare statements on %s: %s",
		         st->path, st->errmsg);
	return err;
}

enum otpbox_err
store_open(const char *path, bool create, struct store **out, char *errbuf,
           size_t errlen)
{
	struct store *st;
	enum otpbox_err err;
	int64_t version = 0;
	int rc;

	*out = NULL;
	if (access(path, F_OK) < 0) {
		if (!create) {
			snprintf(errbuf, errlen,
			         "database %s does not exist; "
			         "run 'otpbox fetch' first or pass --db",
			         path);
			return OTPBOX_ERR_NO_DB;
		}
		if ((err = store_create_file(path, errbuf, errlen)))
			return err;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->path = strdup(path)) == NULL) {
		free(st);
		return OTPBOX_ERR_NOMEM;
	}
	rc = sqlite3_open_v2(path, &st->db,
	                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		err = store_p_fail(st, rc);
		snprintf(errbuf, errlen, "cannot open %s: %s", path,
		         st->errmsg);
		goto out;
	}
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	if ((err = store_identify(st, &version, errbuf, errlen)))
		goto out;
	if ((err = store_configure(st, errbuf, errlen)))
		goto out;
	if (version < schema_sql_count &&
	    (err = store_migrate(st, errbuf, errlen)))
		goto out;
	err = store_prepare_parts(st, errbuf, errlen);
out:
	if (err) {
		store_close(st);
		return err;
	}
	*out = st;
	return OTPBOX_OK;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	store_fetch_finalize(st);
	store_wait_finalize(st);
	store_status_finalize(st);
	sqlite3_finalize(st->data_version);
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

enum otpbox_err
store_begin(struct store *st)
{
	return store_exec(st, "BEGIN IMMEDIATE");
}

enum otpbox_err
store_commit(struct store *st)
{
	return store_exec(st, "COMMIT");
}

void
store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

enum otpbox_err
store_data_version(struct store *st, int64_t *out)
{
	int rc = sqlite3_step(st->data_version);

	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st->data_version, 0);
	sqlite3_reset(st->data_version);
	return rc == SQLITE_ROW ? OTPBOX_OK : store_p_fail(st, rc);
}

const char *
store_errmsg(const struct store *st)
{
	return st->errmsg;
}

const char *
store_get_path(const struct store *st)
{
	return st->path;
}
