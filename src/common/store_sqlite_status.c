/* SPDX-License-Identifier: MIT */
/* Fetcher heartbeats and the health figures of the store: the only SQL
 * behind `otpbox status` and the store checks of `otpbox doctor`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_sqlite_p.h"
#include "store_status.h"

enum {
	SS_BEAT,
	SS_ROWS,
	SS_COUNTS,
	SS_WAITS,
	SS_LAST_CODE,
	SS_MISSED,
	SS_OFFSET,
	SS_HEADERS,
	SS_N
};

/* What this connection last wrote for one row (the rate limit). */
struct store_status_mem {
	struct store_status_mem *next;
	char *account, *folder;
	int64_t written_at;
	int64_t success_at; /* latest success seen, written or not */
	char *error;        /* last error written, NULL: none */
};

struct store_status {
	sqlite3_stmt *stmt[SS_N];
	struct store_status_mem *mem;
};

static const char *const store_status_sql[SS_N] = {
    /* SS_BEAT: the row keeps its error_since through a run of errors and
     * its older success/attempt times when this write has none. */
    "INSERT INTO fetch_status (account, folder, mode, pid, host, "
    "heartbeat_at, attempt_at, success_at, error, error_since, error_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
    "CASE WHEN ?9 IS NULL THEN NULL ELSE ?6 END, "
    "CASE WHEN ?9 IS NULL THEN NULL ELSE ?6 END) "
    "ON CONFLICT (account, folder) DO UPDATE SET "
    "mode = excluded.mode, pid = excluded.pid, host = excluded.host, "
    "heartbeat_at = excluded.heartbeat_at, "
    "attempt_at = coalesce(excluded.attempt_at, attempt_at), "
    "success_at = nullif(max(coalesce(excluded.success_at, 0), "
    "coalesce(success_at, 0)), 0), "
    "error = CASE WHEN ?10 THEN excluded.error ELSE error END, "
    "error_since = CASE WHEN NOT ?10 THEN error_since "
    "WHEN excluded.error IS NULL THEN NULL "
    "WHEN error IS NULL THEN excluded.heartbeat_at ELSE error_since END, "
    "error_at = CASE WHEN ?10 AND excluded.error IS NOT NULL "
    "THEN excluded.heartbeat_at ELSE error_at END",
    /* SS_ROWS */
    "WITH k AS (SELECT account, folder FROM fetch_status "
    "UNION SELECT a.name, f.name FROM folders f "
    "JOIN accounts a ON a.id = f.account_id) "
    "SELECT k.account, k.folder, s.mode, s.host, s.error, s.pid, "
    "s.heartbeat_at, s.attempt_at, s.success_at, s.error_since, "
    "s.error_at, f.synced_at, f.id "
    "FROM k LEFT JOIN fetch_status s "
    "ON s.account = k.account AND s.folder = k.folder "
    "LEFT JOIN accounts a ON a.name = k.account "
    "LEFT JOIN folders f ON f.account_id = a.id AND f.name = k.folder "
    "ORDER BY k.account, k.folder",
    /* SS_COUNTS: ?1 folder id, ?2 now. "+folder_id" keeps SQLite on the
     * received_at index: a day of messages, not the folder's history. */
    "SELECT "
    "(SELECT count(*) FROM messages WHERE received_at >= ?2 - 3600 "
    " AND +folder_id = ?1), "
    "(SELECT count(*) FROM messages WHERE received_at >= ?2 - 86400 "
    " AND +folder_id = ?1), "
    "(SELECT count(*) FROM messages m JOIN codes c ON c.message_id = m.id "
    " WHERE m.received_at >= ?2 - 3600 AND +m.folder_id = ?1), "
    "(SELECT count(*) FROM messages m JOIN codes c ON c.message_id = m.id "
    " WHERE m.received_at >= ?2 - 86400 AND +m.folder_id = ?1), "
    "(SELECT fetched_at - received_at FROM messages WHERE +folder_id = ?1 "
    " ORDER BY received_at DESC, id DESC LIMIT 1), "
    "(SELECT min(d) FROM (SELECT fetched_at - received_at AS d "
    " FROM messages WHERE +folder_id = ?1 ORDER BY id DESC LIMIT ?3))",
    /* SS_WAITS */
    "SELECT count(*) FROM active_waits",
    /* SS_LAST_CODE */
    "SELECT max(m.fetched_at) FROM messages m "
    "WHERE m.id = (SELECT max(message_id) FROM codes)",
    /* SS_MISSED: ?1 now */
    "SELECT reason, count(*) FROM missed_otps "
    "WHERE wait_ended >= ?1 - 3600 GROUP BY reason",
    /* SS_OFFSET: ?1 account, ?2 limit */
    "SELECT min(d) FROM (SELECT m.fetched_at - m.received_at AS d "
    "FROM messages m JOIN folders f ON f.id = m.folder_id "
    "JOIN accounts a ON a.id = f.account_id WHERE a.name = ?1 "
    "ORDER BY m.id DESC LIMIT ?2)",
    /* SS_HEADERS: ?1 limit */
    "WITH m AS (SELECT id FROM messages ORDER BY id DESC LIMIT ?1) "
    "SELECT r.header, count(*), (SELECT count(*) FROM m) FROM m "
    "JOIN recipients r ON r.message_id = m.id "
    "GROUP BY r.header ORDER BY 2 DESC, 1",
};

enum otpbox_err
store_sqlite_status_prepare(struct store_sqlite *st)
{
	enum otpbox_err err;

	st->status = calloc(1, sizeof(*st->status));
	if (st->status == NULL)
		return OTPBOX_ERR_NOMEM;
	err =
	    store_sqlite_prepare(st, store_status_sql, st->status->stmt, SS_N);
	if (err) {
		free(st->status);
		st->status = NULL;
	}
	return err;
}

void
store_sqlite_status_finalize(struct store_sqlite *st)
{
	struct store_status_mem *m, *next;

	if (st->status == NULL)
		return;
	store_sqlite_finalize(st->status->stmt, SS_N);
	for (m = st->status->mem; m; m = next) {
		next = m->next;
		free(m->account);
		free(m->folder);
		free(m->error);
		free(m);
	}
	free(st->status);
	st->status = NULL;
}

static struct store_status_mem *
store_sqlite_status_mem_get(struct store_status *ss, const char *account,
                            const char *folder)
{
	struct store_status_mem *m;

	for (m = ss->mem; m; m = m->next)
		if (!strcmp(m->account, account) && !strcmp(m->folder, folder))
			return m;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->account = strdup(account);
	m->folder = strdup(folder);
	if (m->account == NULL || m->folder == NULL) {
		free(m->account);
		free(m->folder);
		free(m);
		return NULL;
	}
	m->next = ss->mem;
	ss->mem = m;
	return m;
}

/* Whether b changes what the row says, or the row is due anyway. */
static bool
store_sqlite_status_due(const struct store_status_mem *m,
                        const struct store_status_beat *b, int64_t now)
{
	if (m->written_at == 0 ||
	    now - m->written_at >= STORE_STATUS_BEAT_SECONDS)
		return true;
	if (b->event == STORE_STATUS_SYNCED)
		return m->error != NULL;
	if (b->event == STORE_STATUS_FAILED)
		return m->error == NULL || strcmp(m->error, b->error) != 0;
	return false;
}

static void
store_sqlite_status_bind_opt(sqlite3_stmt *s, int i, int64_t v)
{
	if (v)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

static enum otpbox_err
store_sqlite_status_write(struct store_sqlite *st,
                          const struct store_status_beat *b,
                          const struct store_status_mem *m, int64_t now)
{
	sqlite3_stmt *s = st->status->stmt[SS_BEAT];
	bool outcome = b->event != STORE_STATUS_ALIVE;
	char host[256] = "";
	int rc;

	gethostname(host, sizeof(host) - 1);
	sqlite3_bind_text(s, 1, b->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, b->folder, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3,
	                  b->mode == STORE_STATUS_WATCH ? "watch" : "once", -1,
	                  SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (int64_t)getpid());
	sqlite3_bind_text(s, 5, host, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 6, now);
	store_sqlite_status_bind_opt(s, 7, outcome ? now : 0);
	store_sqlite_status_bind_opt(s, 8, m->success_at);
	if (b->event == STORE_STATUS_FAILED)
		sqlite3_bind_text(s, 9, b->error, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 9);
	sqlite3_bind_int(s, 10, outcome);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? OTPBOX_OK : store_sqlite_fail(st, rc);
}

enum otpbox_err
store_sqlite_status_beat(struct store *base,
                         const struct store_status_beat *beat, int64_t now,
                         bool *written)
{
	struct store_sqlite *st = store_sqlite_of(base);
	struct store_status_beat b = *beat;
	struct store_status_mem *m;
	enum otpbox_err err;
	char *error = NULL;

	if (written)
		*written = false;
	if (b.event == STORE_STATUS_FAILED && b.error == NULL)
		b.error = "unknown error";
	m = store_sqlite_status_mem_get(st->status, b.account, b.folder);
	if (m == NULL)
		return OTPBOX_ERR_NOMEM;
	if (b.event == STORE_STATUS_SYNCED)
		m->success_at = now;
	if (!store_sqlite_status_due(m, &b, now))
		return OTPBOX_OK;
	if (b.event == STORE_STATUS_FAILED && (error = strdup(b.error)) == NULL)
		return OTPBOX_ERR_NOMEM;
	err = store_sqlite_status_write(st, &b, m, now);
	if (err) {
		free(error);
		return err;
	}
	m->written_at = now;
	if (b.event != STORE_STATUS_ALIVE) {
		free(m->error);
		m->error = error;
	}
	if (written)
		*written = true;
	return OTPBOX_OK;
}

static char *
store_sqlite_status_col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? strdup((const char *)t) : NULL;
}

/* Fills the per-folder counts of r from folder folder_id. */
static enum otpbox_err
store_sqlite_status_counts(struct store_sqlite *st, int64_t folder_id,
                           int64_t now, struct store_status_row *r)
{
	sqlite3_stmt *s = st->status->stmt[SS_COUNTS];
	int rc;

	sqlite3_bind_int64(s, 1, folder_id);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int(s, 3, STORE_STATUS_OFFSET_MESSAGES);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		r->msgs_hour = sqlite3_column_int64(s, 0);
		r->msgs_day = sqlite3_column_int64(s, 1);
		r->codes_hour = sqlite3_column_int64(s, 2);
		r->codes_day = sqlite3_column_int64(s, 3);
		r->has_lag = sqlite3_column_type(s, 4) != SQLITE_NULL;
		r->lag = sqlite3_column_int64(s, 4);
		r->has_offset = sqlite3_column_type(s, 5) != SQLITE_NULL;
		r->offset = sqlite3_column_int64(s, 5);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? OTPBOX_OK : store_sqlite_fail(st, rc);
}

/* Copies the current row of SS_ROWS into r (strings duplicated). */
static enum otpbox_err
store_sqlite_status_row_read(sqlite3_stmt *s, struct store_status_row *r)
{
	r->account = store_sqlite_status_col_dup(s, 0);
	r->folder = store_sqlite_status_col_dup(s, 1);
	r->mode = store_sqlite_status_col_dup(s, 2);
	r->host = store_sqlite_status_col_dup(s, 3);
	r->error = store_sqlite_status_col_dup(s, 4);
	r->pid = sqlite3_column_int64(s, 5);
	r->heartbeat_at = sqlite3_column_int64(s, 6);
	r->attempt_at = sqlite3_column_int64(s, 7);
	r->success_at = sqlite3_column_int64(s, 8);
	r->error_since = sqlite3_column_int64(s, 9);
	r->error_at = sqlite3_column_int64(s, 10);
	r->synced_at = sqlite3_column_int64(s, 11);
	if (r->account == NULL || r->folder == NULL)
		return OTPBOX_ERR_NOMEM;
	return OTPBOX_OK;
}

enum otpbox_err
store_sqlite_status_rows(struct store *base, int64_t now,
                         struct store_status_row **rows, size_t *n)
{
	struct store_sqlite *st = store_sqlite_of(base);
	sqlite3_stmt *s = st->status->stmt[SS_ROWS];
	struct store_status_row *v = NULL, *grown;
	enum otpbox_err err = OTPBOX_OK;
	size_t len = 0;
	int rc;

	while (err == OTPBOX_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		grown = realloc(v, (len + 1) * sizeof(*v));
		if (grown == NULL) {
			err = OTPBOX_ERR_NOMEM;
			break;
		}
		v = grown;
		memset(&v[len], 0, sizeof(v[len]));
		err = store_sqlite_status_row_read(s, &v[len]);
		if (err == OTPBOX_OK &&
		    sqlite3_column_type(s, 12) != SQLITE_NULL)
			err = store_sqlite_status_counts(
			    st, sqlite3_column_int64(s, 12), now, &v[len]);
		len++;
	}
	if (err == OTPBOX_OK && rc != SQLITE_DONE)
		err = store_sqlite_fail(st, rc);
	sqlite3_reset(s);
	if (err) {
		store_status_rows_free(v, len);
		return err;
	}
	*rows = v;
	*n = len;
	return OTPBOX_OK;
}

/* Steps a statement that returns one integer (NULL reads as 0). */
static enum otpbox_err
store_sqlite_status_int(struct store_sqlite *st, sqlite3_stmt *s, int64_t *out,
                        bool *known)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
		if (known)
			*known = sqlite3_column_type(s, 0) != SQLITE_NULL;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_ROW ? OTPBOX_OK : store_sqlite_fail(st, rc);
}

static enum otpbox_err
store_sqlite_status_missed(struct store_sqlite *st, int64_t now,
                           struct store_status_summary *out)
{
	sqlite3_stmt *s = st->status->stmt[SS_MISSED];
	const char *reason;
	int rc, i;

	sqlite3_bind_int64(s, 1, now);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		reason = (const char *)sqlite3_column_text(s, 0);
		for (i = 0; reason && i < STORE_STATUS_NREASONS; i++)
			if (!strcmp(reason, store_status_reasons[i]))
				out->missed_hour[i] =
				    sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? OTPBOX_OK : store_sqlite_fail(st, rc);
}

enum otpbox_err
store_sqlite_status_summary(struct store *base, int64_t now,
                            struct store_status_summary *out)
{
	struct store_sqlite *st = store_sqlite_of(base);
	enum otpbox_err err;

	memset(out, 0, sizeof(*out));
	err = store_sqlite_status_int(st, st->status->stmt[SS_WAITS],
	                              &out->open_waits, NULL);
	if (err == OTPBOX_OK)
		err =
		    store_sqlite_status_int(st, st->status->stmt[SS_LAST_CODE],
		                            &out->last_code_at, NULL);
	if (err == OTPBOX_OK)
		err = store_sqlite_status_missed(st, now, out);
	return err;
}

enum otpbox_err
store_sqlite_status_last_code(struct store *base, int64_t *at)
{
	struct store_sqlite *st = store_sqlite_of(base);

	*at = 0;
	return store_sqlite_status_int(st, st->status->stmt[SS_LAST_CODE], at,
	                               NULL);
}

enum otpbox_err
store_sqlite_status_clock_offset(struct store *base, const char *account,
                                 int64_t *out, bool *known)
{
	struct store_sqlite *st = store_sqlite_of(base);
	sqlite3_stmt *s = st->status->stmt[SS_OFFSET];

	*out = 0;
	*known = false;
	sqlite3_bind_text(s, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, STORE_STATUS_OFFSET_MESSAGES);
	return store_sqlite_status_int(st, s, out, known);
}

enum otpbox_err
store_sqlite_status_headers(struct store *base, struct store_status_header *out,
                            size_t cap, size_t *n, int64_t *messages)
{
	struct store_sqlite *st = store_sqlite_of(base);
	sqlite3_stmt *s = st->status->stmt[SS_HEADERS];
	const unsigned char *h;
	int rc;

	*n = 0;
	*messages = 0;
	sqlite3_bind_int(s, 1, STORE_STATUS_HEADER_MESSAGES);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*messages = sqlite3_column_int64(s, 2);
		if (*n == cap)
			continue;
		h = sqlite3_column_text(s, 0);
		snprintf(out[*n].header, sizeof(out[*n].header), "%s",
		         h ? (const char *)h : "");
		out[*n].count = sqlite3_column_int64(s, 1);
		(*n)++;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? OTPBOX_OK : store_sqlite_fail(st, rc);
}
