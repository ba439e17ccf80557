/* SPDX-License-Identifier: MIT */
/* Health figures for PostgreSQL: fetcher heartbeats (rate-limited by the
 * upsert itself, so that fetchers on several hosts agree) and the figures
 * `otpbox status` and `otpbox doctor` read; the same SQL as SQLite's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_pg_p.h"

/*
 * The heartbeat upsert. The rate limit lives in its WHERE clause: an
 * existing row is rewritten only when STORE_STATUS_BEAT_SECONDS passed,
 * another process or host writes it, or the outcome changed ($11: 1 a
 * success, 2 a failure). $10: this beat has an outcome.
 */
static const char store_pg_beat_sql[] =
    "INSERT INTO fetch_status (account, folder, mode, pid, host,"
    " heartbeat_at, attempt_at, success_at, error, error_since, error_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
    " CASE WHEN $9::text IS NULL THEN NULL ELSE $6::bigint END,"
    " CASE WHEN $9::text IS NULL THEN NULL ELSE $6::bigint END)"
    " ON CONFLICT (account, folder) DO UPDATE SET"
    " mode = excluded.mode, pid = excluded.pid, host = excluded.host,"
    " heartbeat_at = excluded.heartbeat_at,"
    " attempt_at = coalesce(excluded.attempt_at, fetch_status.attempt_at),"
    " success_at = nullif(greatest(coalesce(excluded.success_at, 0),"
    " coalesce(fetch_status.success_at, 0)), 0),"
    " error = CASE WHEN $10::boolean THEN excluded.error"
    " ELSE fetch_status.error END,"
    " error_since = CASE WHEN NOT $10::boolean THEN fetch_status.error_since"
    " WHEN excluded.error IS NULL THEN NULL"
    " WHEN fetch_status.error IS NULL THEN excluded.heartbeat_at"
    " ELSE fetch_status.error_since END,"
    " error_at = CASE WHEN $10::boolean AND excluded.error IS NOT NULL"
    " THEN excluded.heartbeat_at ELSE fetch_status.error_at END"
    " WHERE fetch_status.heartbeat_at <= $6::bigint - $12::bigint"
    " OR fetch_status.pid <> excluded.pid"
    " OR fetch_status.host <> excluded.host"
    " OR ($11::integer = 1 AND fetch_status.error IS NOT NULL)"
    " OR ($11::integer = 2"
    " AND fetch_status.error IS DISTINCT FROM excluded.error)"
    " RETURNING 1";

enum otpbox_err
store_pg_status_beat(struct store *st, const struct store_status_beat *b,
                     int64_t now, bool *written)
{
	bool outcome = b->event != STORE_STATUS_ALIVE;
	struct store_pg_args a = {0};
	char host[256] = "";
	enum otpbox_err err;
	PGresult *res;

	if (written)
		*written = false;
	gethostname(host, sizeof(host) - 1);
	store_pg_arg_text(&a, b->account);
	store_pg_arg_text(&a, b->folder);
	store_pg_arg_text(&a, b->mode == STORE_STATUS_WATCH ? "watch" : "once");
	store_pg_arg_int(&a, (int64_t)getpid());
	store_pg_arg_text(&a, host);
	store_pg_arg_int(&a, now);
	if (outcome)
		store_pg_arg_int(&a, now);
	else
		store_pg_arg_text(&a, NULL);
	if (b->event == STORE_STATUS_SYNCED)
		store_pg_arg_int(&a, now);
	else
		store_pg_arg_text(&a, NULL);
	store_pg_arg_text(&a, b->event != STORE_STATUS_FAILED ? NULL
	                      : b->error                      ? b->error
	                                 : "unknown error");
	store_pg_arg_text(&a, outcome ? "t" : "f");
	store_pg_arg_int(&a, b->event == STORE_STATUS_SYNCED   ? 1
	                     : b->event == STORE_STATUS_FAILED ? 2
	                                                       : 0);
	store_pg_arg_int(&a, STORE_STATUS_BEAT_SECONDS);
	err = store_pg_exec(store_pg_of(st), store_pg_beat_sql, &a, &res);
	if (err)
		return err;
	if (written)
		*written = PQntuples(res) > 0;
	PQclear(res);
	return OTPBOX_OK;
}

/* The per-folder counts of r (folder_id), as SQLite's SS_COUNTS. */
static enum otpbox_err
store_pg_status_counts(struct store_pg *pg, const char *folder_id, int64_t now,
                       struct store_status_row *r)
{
	struct store_pg_args a = {0};
	enum otpbox_err err;
	PGresult *res;

	store_pg_arg_text(&a, folder_id);
	store_pg_arg_int(&a, now);
	store_pg_arg_int(&a, STORE_STATUS_OFFSET_MESSAGES);
	err = store_pg_exec(
	    pg,
	    "SELECT (SELECT count(*) FROM messages WHERE received_at"
	    " >= $2::bigint - 3600 AND folder_id = $1),"
	    " (SELECT count(*) FROM messages WHERE received_at"
	    " >= $2::bigint - 86400 AND folder_id = $1),"
	    " (SELECT count(*) FROM messages m JOIN codes c"
	    " ON c.message_id = m.id WHERE m.received_at >= $2::bigint - 3600"
	    " AND m.folder_id = $1),"
	    " (SELECT count(*) FROM messages m JOIN codes c"
	    " ON c.message_id = m.id WHERE m.received_at >= $2::bigint - 86400"
	    " AND m.folder_id = $1),"
	    " (SELECT fetched_at - received_at FROM messages"
	    " WHERE folder_id = $1 ORDER BY received_at DESC, id DESC LIMIT 1),"
	    " (SELECT min(d) FROM (SELECT fetched_at - received_at AS d"
	    " FROM messages WHERE folder_id = $1 ORDER BY id DESC LIMIT $3) s)",
	    &a, &res);
	if (err)
		return err;
	r->msgs_hour = store_pg_int(res, 0, 0);
	r->msgs_day = store_pg_int(res, 0, 1);
	r->codes_hour = store_pg_int(res, 0, 2);
	r->codes_day = store_pg_int(res, 0, 3);
	r->has_lag = !PQgetisnull(res, 0, 4);
	r->lag = store_pg_int(res, 0, 4);
	r->has_offset = !PQgetisnull(res, 0, 5);
	r->offset = store_pg_int(res, 0, 5);
	PQclear(res);
	return OTPBOX_OK;
}

static enum otpbox_err
store_pg_status_row_read(const PGresult *res, int i, struct store_status_row *r)
{
	char **text[] = {&r->account, &r->folder, &r->mode, &r->host,
	                 &r->error};
	int64_t *num[] = {&r->pid,        &r->heartbeat_at, &r->attempt_at,
	                  &r->success_at, &r->error_since,  &r->error_at,
	                  &r->synced_at};
	enum otpbox_err err = OTPBOX_OK;
	int c;

	for (c = 0; c < 5 && !err; c++)
		err = store_pg_dup(res, i, c, text[c]);
	for (c = 0; c < 7; c++)
		*num[c] = store_pg_int(res, i, 5 + c);
	return err;
}

enum otpbox_err
store_pg_status_rows(struct store *st, int64_t now,
                     struct store_status_row **rows, size_t *n)
{
	struct store_pg *pg = store_pg_of(st);
	struct store_status_row *v = NULL;
	enum otpbox_err err;
	PGresult *res;
	int i, len;

	*rows = NULL;
	*n = 0;
	err = store_pg_exec(
	    pg,
	    "WITH k AS (SELECT account, folder FROM fetch_status"
	    " UNION SELECT a.name, f.name FROM folders f"
	    " JOIN accounts a ON a.id = f.account_id)"
	    " SELECT k.account, k.folder, s.mode, s.host, s.error, s.pid,"
	    " s.heartbeat_at, s.attempt_at, s.success_at, s.error_since,"
	    " s.error_at, f.synced_at, f.id"
	    " FROM k LEFT JOIN fetch_status s"
	    " ON s.account = k.account AND s.folder = k.folder"
	    " LEFT JOIN accounts a ON a.name = k.account"
	    " LEFT JOIN folders f ON f.account_id = a.id AND f.name = k.folder"
	    " ORDER BY k.account, k.folder",
	    NULL, &res);
	if (err)
		return err;
	len = PQntuples(res);
	if (len && (v = calloc((size_t)len, sizeof(*v))) == NULL)
		err = OTPBOX_ERR_NOMEM;
	for (i = 0; i < len && !err; i++) {
		err = store_pg_status_row_read(res, i, &v[i]);
		if (!err && !PQgetisnull(res, i, 12))
			err = store_pg_status_counts(pg, PQgetvalue(res, i, 12),
			                             now, &v[i]);
	}
	PQclear(res);
	if (err) {
		store_status_rows_free(v, (size_t)len);
		return err;
	}
	*rows = v;
	*n = (size_t)len;
	return OTPBOX_OK;
}

enum otpbox_err
store_pg_status_summary(struct store *st, int64_t now,
                        struct store_status_summary *out)
{
	struct store_pg_args a = {0};
	enum otpbox_err err;
	PGresult *res;
	int i, k;

	memset(out, 0, sizeof(*out));
	err = store_pg_exec(store_pg_of(st),
	                    "SELECT count(*) FROM active_waits", NULL, &res);
	if (err)
		return err;
	out->open_waits = store_pg_int(res, 0, 0);
	PQclear(res);
	if ((err = store_pg_status_last_code(st, &out->last_code_at)))
		return err;
	store_pg_arg_int(&a, now);
	err = store_pg_exec(store_pg_of(st),
	                    "SELECT reason, count(*) FROM missed_otps"
	                    " WHERE wait_ended >= $1::bigint - 3600"
	                    " GROUP BY reason",
	                    &a, &res);
	if (err)
		return err;
	for (i = 0; i < PQntuples(res); i++)
		for (k = 0; k < STORE_STATUS_NREASONS; k++)
			if (!strcmp(PQgetvalue(res, i, 0),
			            store_status_reasons[k]))
				out->missed_hour[k] = store_pg_int(res, i, 1);
	PQclear(res);
	return OTPBOX_OK;
}

enum otpbox_err
store_pg_status_last_code(struct store *st, int64_t *at)
{
	enum otpbox_err err;
	PGresult *res;

	*at = 0;
	err = store_pg_exec(store_pg_of(st),
	                    "SELECT max(m.fetched_at) FROM messages m"
	                    " WHERE m.id = (SELECT max(message_id) FROM codes)",
	                    NULL, &res);
	if (err)
		return err;
	*at = store_pg_int(res, 0, 0);
	PQclear(res);
	return OTPBOX_OK;
}

enum otpbox_err
store_pg_status_clock_offset(struct store *st, const char *account,
                             int64_t *out, bool *known)
{
	struct store_pg_args a = {0};
	enum otpbox_err err;
	PGresult *res;

	*out = 0;
	*known = false;
	store_pg_arg_text(&a, account);
	store_pg_arg_int(&a, STORE_STATUS_OFFSET_MESSAGES);
	err = store_pg_exec(store_pg_of(st),
	                    "SELECT min(d) FROM (SELECT m.fetched_at"
	                    " - m.received_at AS d FROM messages m"
	                    " JOIN folders f ON f.id = m.folder_id"
	                    " JOIN accounts a ON a.id = f.account_id"
	                    " WHERE a.name = $1 ORDER BY m.id DESC LIMIT $2) s",
	                    &a, &res);
	if (err)
		return err;
	*known = !PQgetisnull(res, 0, 0);
	*out = store_pg_int(res, 0, 0);
	PQclear(res);
	return OTPBOX_OK;
}

enum otpbox_err
store_pg_status_headers(struct store *st, struct store_status_header *out,
                        size_t cap, size_t *n, int64_t *messages)
{
	struct store_pg_args a = {0};
	enum otpbox_err err;
	PGresult *res;
	int i;

	*n = 0;
	*messages = 0;
	store_pg_arg_int(&a, STORE_STATUS_HEADER_MESSAGES);
	err = store_pg_exec(store_pg_of(st),
	                    "WITH m AS (SELECT id FROM messages"
	                    " ORDER BY id DESC LIMIT $1)"
	                    " SELECT r.header, count(*), (SELECT count(*)"
	                    " FROM m) FROM m JOIN recipients r"
	                    " ON r.message_id = m.id"
	                    " GROUP BY r.header ORDER BY 2 DESC, 1",
	                    &a, &res);
	if (err)
		return err;
	for (i = 0; i < PQntuples(res) && *n < cap; i++) {
		snprintf(out[*n].header, sizeof(out[*n].header), "%s",
		         PQgetvalue(res, i, 0));
		out[*n].count = store_pg_int(res, i, 1);
		*messages = store_pg_int(res, i, 2);
		(*n)++;
	}
	PQclear(res);
	return OTPBOX_OK;
}
