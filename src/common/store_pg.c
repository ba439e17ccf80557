/* SPDX-License-Identifier: MIT */
/* The PostgreSQL backend: the connection (libpq finds the password in
 * .pgpass, PGPASSFILE or a service file, never in our messages), schema
 * migrations from sql/postgresql/, transactions, the fetcher's advisory
 * lock and the operations table. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "schema_sql.h"
#include "store_pg_p.h"

/* Back-off between reconnection attempts, in milliseconds. */
#define STORE_PG_RETRY_MIN_MS 100
#define STORE_PG_RETRY_MAX_MS 2000

void
store_pg_arg_text(struct store_pg_args *a, const char *s)
{
	if (a->n < STORE_PG_MAX_ARGS)
		a->v[a->n++] = s;
}

void
store_pg_arg_int(struct store_pg_args *a, int64_t x)
{
	if (a->n >= STORE_PG_MAX_ARGS)
		return;
	snprintf(a->num[a->n], sizeof(a->num[a->n]), "%" PRId64, x);
	a->v[a->n] = a->num[a->n];
	a->n++;
}

int64_t
store_pg_int(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return 0;
	return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

enum otpbox_err
store_pg_dup(const PGresult *res, int row, int col, char **out)
{
	*out = NULL;
	if (PQgetisnull(res, row, col))
		return OTPBOX_OK;
	*out = strdup(PQgetvalue(res, row, col));
	return *out ? OTPBOX_OK : OTPBOX_ERR_NOMEM;
}

/* Records libpq's message (one line) and maps the failure. */
static enum otpbox_err
store_pg_fail(struct store_pg *pg, const PGresult *res)
{
	const char *msg = res ? PQresultErrorMessage(res) : NULL;
	const char *state =
	    res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	size_t n;

	if (msg == NULL || *msg == '\0')
		msg = PQerrorMessage(pg->conn);
	snprintf(pg->errmsg, sizeof(pg->errmsg), "%s", msg);
	n = strlen(pg->errmsg);
	while (n && (pg->errmsg[n - 1] == '\n' || pg->errmsg[n - 1] == ' '))
		pg->errmsg[--n] = '\0';
	if (PQstatus(pg->conn) != CONNECTION_OK)
		return OTPBOX_ERR_NET;
	if (state &&
	    (strncmp(state, "40", 2) == 0 || strcmp(state, "55P03") == 0))
		return OTPBOX_ERR_BUSY;
	if (state && strcmp(state, "53300") == 0)
		return OTPBOX_ERR_BUSY; /* too many connections */
	return OTPBOX_ERR_DB;
}

/* LISTEN again on a new connection (notifications sent meanwhile are
 * gone: the caller looks at the database again). */
static enum otpbox_err
store_pg_relisten(struct store_pg *pg)
{
	PGresult *res;

	if (!pg->listening)
		return OTPBOX_OK;
	res = PQexec(pg->conn, "LISTEN " STORE_PG_CHANNEL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		enum otpbox_err err = store_pg_fail(pg, res);

		PQclear(res);
		return err;
	}
	PQclear(res);
	return OTPBOX_OK;
}

enum otpbox_err
store_pg_reconnect(struct store_pg *pg, int64_t deadline_ms)
{
	int64_t pause = STORE_PG_RETRY_MIN_MS, left;
	struct timespec ts;

	/* A session lock and prepared statements die with the session. */
	if (pg->locks)
		pg->lock_lost = 1;
	pg->in_tx = 0;
	pg->prepared = 0;
	for (;;) {
		PQreset(pg->conn);
		if (PQstatus(pg->conn) == CONNECTION_OK)
			return store_pg_relisten(pg);
		store_pg_fail(pg, NULL);
		left = deadline_ms - clock_mono_ms();
		if (left <= 0)
			return OTPBOX_ERR_NET;
		if (pause > left)
			pause = left;
		ts.tv_sec = pause / 1000;
		ts.tv_nsec = (pause % 1000) * 1000000L;
		nanosleep(&ts, NULL);
		pause *= 2;
		if (pause > STORE_PG_RETRY_MAX_MS)
			pause = STORE_PG_RETRY_MAX_MS;
	}
}

/* Outside a transaction nothing is lost by a new connection: opens one
 * when the last was lost. */
static enum otpbox_err
store_pg_ready(struct store_pg *pg)
{
	if (PQstatus(pg->conn) == CONNECTION_OK || pg->in_tx)
		return OTPBOX_OK;
	return store_pg_reconnect(pg, clock_mono_ms() + STORE_PG_RETRY_MAX_MS);
}

/* Checks res; hands it to *out (NULL: cleared). */
static enum otpbox_err
store_pg_result(struct store_pg *pg, PGresult *res, PGresult **out)
{
	enum otpbox_err err;

	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
		break;
	default:
		err = store_pg_fail(pg, res);
		PQclear(res);
		return err;
	}
	if (out)
		*out = res;
	else
		PQclear(res);
	return OTPBOX_OK;
}

enum otpbox_err
store_pg_exec(struct store_pg *pg, const char *sql,
              const struct store_pg_args *args, PGresult **out)
{
	enum otpbox_err err;

	if (out)
		*out = NULL;
	if ((err = store_pg_ready(pg)))
		return err;
	return store_pg_result(pg,
	                       PQexecParams(pg->conn, sql, args ? args->n : 0,
	                                    NULL, args ? args->v : NULL, NULL,
	                                    NULL, 0),
	                       out);
}

enum otpbox_err
store_pg_exec_stmt(struct store_pg *pg, enum store_pg_stmt which,
                   const char *sql, const struct store_pg_args *args,
                   PGresult **out)
{
	enum otpbox_err err;
	char name[32];

	if (out)
		*out = NULL;
	if ((err = store_pg_ready(pg)))
		return err;
	snprintf(name, sizeof(name), "otpbox_%d", (int)which);
	/* Prepared statements outlive transactions, not connections. */
	if (!(pg->prepared & (1u << which))) {
		err = store_pg_result(
		    pg, PQprepare(pg->conn, name, sql, 0, NULL), NULL);
		if (err)
			return err;
		pg->prepared |= 1u << which;
	}
	return store_pg_result(
	    pg,
	    PQexecPrepared(pg->conn, name, args ? args->n : 0,
	                   args ? args->v : NULL, NULL, NULL, 0),
	    out);
}

/* Runs a script of several statements (a migration). */
static enum otpbox_err
store_pg_script(struct store_pg *pg, const char *sql)
{
	PGresult *res = PQexec(pg->conn, sql);
	enum otpbox_err err = OTPBOX_OK;

	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK)
		err = store_pg_fail(pg, res);
	PQclear(res);
	return err;
}

enum otpbox_err
store_pg_begin(struct store *st)
{
	struct store_pg *pg = store_pg_of(st);
	enum otpbox_err err = store_pg_exec(pg, "BEGIN", NULL, NULL);

	pg->in_tx = err == OTPBOX_OK;
	return err;
}

enum otpbox_err
store_pg_commit(struct store *st)
{
	struct store_pg *pg = store_pg_of(st);
	enum otpbox_err err = store_pg_exec(pg, "COMMIT", NULL, NULL);

	pg->in_tx = 0;
	return err;
}

void
store_pg_rollback(struct store *st)
{
	struct store_pg *pg = store_pg_of(st);

	if (pg->in_tx && PQstatus(pg->conn) == CONNECTION_OK)
		(void)store_pg_exec(pg, "ROLLBACK", NULL, NULL);
	pg->in_tx = 0;
}

/* The schema version (0 without otpbox_schema) and whether the current
 * schema holds tables of another program. */
static enum otpbox_err
store_pg_version(struct store_pg *pg, int64_t *version, int *foreign)
{
	PGresult *res;
	enum otpbox_err err;

	err = store_pg_exec(pg,
	                    "SELECT to_regclass('otpbox_schema') IS NOT NULL,"
	                    " (SELECT count(*) FROM pg_catalog.pg_tables"
	                    "   WHERE schemaname = current_schema())",
	                    NULL, &res);
	if (err)
		return err;
	*version = 0;
	*foreign = 0;
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
		*foreign = store_pg_int(res, 0, 1) > 0;
		PQclear(res);
		return OTPBOX_OK;
	}
	PQclear(res);
	err =
	    store_pg_exec(pg, "SELECT version FROM otpbox_schema", NULL, &res);
	if (err)
		return err;
	*version = PQntuples(res) ? store_pg_int(res, 0, 0) : 0;
	PQclear(res);
	return OTPBOX_OK;
}

/* Applies migration v in a transaction of its own, serialised with other
 * processes migrating at the same moment by an advisory lock. */
static enum otpbox_err
store_pg_migrate_one(struct store_pg *pg, int v)
{
	enum otpbox_err err;
	int64_t version;
	int foreign;

	if ((err = store_pg_begin(&pg->base)))
		return err;
	err = store_pg_exec(
	    pg,
	    "SELECT pg_advisory_xact_lock(" STORE_PG_LOCK_MIGRATE_KEY ", 0)",
	    NULL, NULL);
	if (!err)
		err = store_pg_version(pg, &version, &foreign);
	if (!err && version == v)
		err = store_pg_script(pg, schema_pg_sql[v]);
	if (!err)
		err = store_pg_commit(&pg->base);
	if (err)
		store_pg_rollback(&pg->base);
	return err;
}

/* Refuses databases that are not ours, then migrates. */
static enum otpbox_err
store_pg_prepare(struct store_pg *pg, bool create, char *errbuf, size_t errlen)
{
	enum otpbox_err err;
	int64_t version;
	int foreign, v;

	if ((err = store_pg_version(pg, &version, &foreign)))
		goto out;
	if (version == 0 && foreign) {
		snprintf(errbuf, errlen,
		         "%s holds tables of another program, not an otpbox "
		         "database; it was left unchanged",
		         pg->display);
		return OTPBOX_ERR_NOT_OTPBOX_DB;
	}
	if (version == 0 && !create) {
		snprintf(errbuf, errlen,
		         "%s has no otpbox tables yet; run 'otpbox fetch' "
		         "first",
		         pg->display);
		return OTPBOX_ERR_NO_DB;
	}
	if (version > schema_pg_sql_count) {
		snprintf(errbuf, errlen,
		         "%s has schema version %lld but this otpbox knows "
		         "only up to %d; upgrade otpbox",
		         pg->display, (long long)version, schema_pg_sql_count);
		return OTPBOX_ERR_SCHEMA_TOO_NEW;
	}
	for (v = (int)version; v < schema_pg_sql_count && !err; v++)
		err = store_pg_migrate_one(pg, v);
out:
	if (err)
		snprintf(errbuf, errlen, "cannot set up the schema of %s: %s",
		         pg->display, pg->errmsg);
	return err;
}

static void
store_pg_close(struct store *st)
{
	struct store_pg *pg = store_pg_of(st);

	if (pg == NULL)
		return;
	PQfinish(pg->conn); /* ends the session and its locks */
	free(pg->conninfo);
	free(pg->display);
	free(pg->watch_address);
	free(pg);
}

/* Connects; the message names the redacted database only. A password
 * given (NULL: none) overrides one in the conninfo; libpq keeps it for
 * reconnecting. The defaults before dbname (which the conninfo may
 * override) bound a connection attempt and notice a server that vanished
 * within about 25 s instead of TCP's two hours. */
static enum otpbox_err
store_pg_connect(struct store_pg *pg, const char *password, char *errbuf,
                 size_t errlen)
{
	static const char *const keys[] = {"connect_timeout",
	                                   "keepalives_idle",
	                                   "keepalives_interval",
	                                   "keepalives_count",
	                                   "dbname",
	                                   "fallback_application_name",
	                                   "password",
	                                   NULL};
	const char *values[] = {"10",         "10",     "5",      "3",
	                        pg->conninfo, "otpbox", password, NULL};

	pg->conn = PQconnectdbParams(keys, values, 1);
	if (pg->conn == NULL)
		return OTPBOX_ERR_NOMEM;
	if (PQstatus(pg->conn) == CONNECTION_OK)
		return OTPBOX_OK;
	store_pg_fail(pg, NULL);
	snprintf(errbuf, errlen, "cannot connect to %s: %s", pg->display,
	         pg->errmsg);
	return OTPBOX_ERR_NET;
}

static enum otpbox_err
store_pg_open(const char *database, const char *password, bool create,
              struct store **out, char *errbuf, size_t errlen)
{
	struct store_pg *pg = calloc(1, sizeof(*pg));
	char shown[1024];
	enum otpbox_err err;

	*out = NULL;
	if (pg == NULL)
		return OTPBOX_ERR_NOMEM;
	pg->base.backend = &store_pg_backend;
	store_redact(database, shown, sizeof(shown));
	pg->conninfo = strdup(database);
	pg->display = strdup(shown);
	if (pg->conninfo == NULL || pg->display == NULL) {
		err = OTPBOX_ERR_NOMEM;
		goto out;
	}
	if ((err = store_pg_connect(pg, password, errbuf, errlen)))
		goto out;
	err = store_pg_prepare(pg, create, errbuf, errlen);
out:
	if (err) {
		store_pg_close(&pg->base);
		return err;
	}
	*out = &pg->base;
	return OTPBOX_OK;
}

static const char *
store_pg_errmsg(const struct store *st)
{
	return store_pg_of(st)->errmsg;
}

static const char *
store_pg_display_name(const struct store *st)
{
	return store_pg_of(st)->display;
}

static const char *
store_pg_file_path(const struct store *st)
{
	(void)st;
	return NULL;
}

/* A session advisory lock: the server drops it when the session ends, so
 * a fetcher killed on any host frees it at once (on TCP, once the server
 * notices: keepalives). */
static enum otpbox_err
store_pg_lock_take(struct store *st, const char *name, char *errbuf,
                   size_t errlen)
{
	struct store_pg *pg = store_pg_of(st);
	struct store_pg_args a = {0};
	enum otpbox_err err;
	PGresult *res;
	int got;

	store_pg_arg_text(&a, name);
	err = store_pg_exec(
	    pg,
	    "SELECT pg_try_advisory_lock(" STORE_PG_LOCK_FETCH_KEY ","
	    " hashtext('otpbox fetch ' || $1))",
	    &a, &res);
	if (err) {
		snprintf(errbuf, errlen, "cannot take the lock on %s: %s",
		         pg->display, pg->errmsg);
		return err;
	}
	got = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!got) {
		snprintf(errbuf, errlen,
		         "another otpbox fetch holds the lock '%s' on %s", name,
		         pg->display);
		return OTPBOX_ERR_LOCKED;
	}
	/* lock_lost stays: the locks of the lost session are gone until
	 * store_lock_release() forgets them. */
	pg->locks++;
	return OTPBOX_OK;
}

static enum otpbox_err
store_pg_lock_check(struct store *st)
{
	struct store_pg *pg = store_pg_of(st);
	enum otpbox_err err;
	PGresult *res;

	if (pg->locks == 0 || pg->lock_lost ||
	    PQstatus(pg->conn) != CONNECTION_OK)
		return OTPBOX_ERR_LOCKED;
	/* A round trip: a dead server or a cut connection shows here. */
	err = store_pg_exec(pg, "SELECT 1", NULL, &res);
	if (err == OTPBOX_ERR_NET || pg->lock_lost)
		return OTPBOX_ERR_LOCKED;
	PQclear(res);
	return err;
}

/* Releases every advisory lock of the session, also those taken after a
 * lost connection (and a lock taken twice, which counts twice). */
static void
store_pg_lock_release(struct store *st)
{
	struct store_pg *pg = store_pg_of(st);

	if (pg->locks == 0)
		return;
	if (PQstatus(pg->conn) == CONNECTION_OK)
		(void)store_pg_exec(pg, "SELECT pg_advisory_unlock_all()", NULL,
		                    NULL);
	pg->locks = 0;
	pg->lock_lost = 0;
}

const struct store_backend store_pg_backend = {
    .name = "postgresql",
    .open = store_pg_open,
    .close = store_pg_close,
    .errmsg = store_pg_errmsg,
    .display_name = store_pg_display_name,
    .file_path = store_pg_file_path,
    .begin = store_pg_begin,
    .commit = store_pg_commit,
    .rollback = store_pg_rollback,
    .data_version = NULL,
    .fetch_folder_get = store_pg_fetch_folder_get,
    .fetch_insert = store_pg_fetch_insert,
    .fetch_checkpoint = store_pg_fetch_checkpoint,
    .fetch_purge = store_pg_fetch_purge,
    .fetch_waiting = store_pg_fetch_waiting,
    .wait_retry_often = NULL,
    .wait_begin = store_pg_wait_begin,
    .wait_find = store_pg_wait_find,
    .wait_claim = store_pg_wait_claim,
    .wait_code_get = store_pg_wait_code_get,
    .wait_end = store_pg_wait_end,
    .wait_skew = store_pg_wait_skew,
    .wait_missed_get = store_pg_wait_missed_get,
    .status_beat = store_pg_status_beat,
    .status_rows = store_pg_status_rows,
    .status_summary = store_pg_status_summary,
    .status_last_code = store_pg_status_last_code,
    .status_clock_offset = store_pg_status_clock_offset,
    .status_headers = store_pg_status_headers,
    .lock_take = store_pg_lock_take,
    .lock_check = store_pg_lock_check,
    .lock_release = store_pg_lock_release,
    .changes_watch = store_pg_changes_watch,
    .changes_sleep = store_pg_changes_sleep,
    .changes_interval_ms = store_pg_changes_interval_ms,
};
