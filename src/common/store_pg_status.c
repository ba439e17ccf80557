/* SPDX-License-Identifier: MIT */
/* Health figures for PostgreSQL. Fetcher heartbeats have no table there
 * yet (sql/postgresql/ stops at the trust migration): a beat writes
 * nothing, and `otpbox status` says it needs the SQLite store. */
#include <stdio.h>
#include <string.h>

#include "store_pg_p.h"

enum otpbox_err
store_pg_status_beat(struct store *st, const struct store_status_beat *b,
                     int64_t now, bool *written)
{
	(void)st;
	(void)b;
	(void)now;
	if (written)
		*written = false;
	return OTPBOX_OK;
}

/* The figures that rest on heartbeats. */
static enum otpbox_err
store_pg_status_none(struct store *st)
{
	snprintf(store_pg_of(st)->errmsg, sizeof(store_pg_of(st)->errmsg),
	         "fetcher heartbeats are not kept in PostgreSQL yet");
	return OTPBOX_ERR_USAGE;
}

enum otpbox_err
store_pg_status_rows(struct store *st, int64_t now,
                     struct store_status_row **rows, size_t *n)
{
	(void)now;
	*rows = NULL;
	*n = 0;
	return store_pg_status_none(st);
}

enum otpbox_err
store_pg_status_summary(struct store *st, int64_t now,
                        struct store_status_summary *out)
{
	(void)now;
	memset(out, 0, sizeof(*out));
	return store_pg_status_none(st);
}

enum otpbox_err
store_pg_status_last_code(struct store *st, int64_t *at)
{
	enum otpbox_err err;
	PGresult *res;

	*at = 0;
	err = store_pg_exec(store_pg_of(st),
	                    "SELECT max(m.fetched_at) FROM codes c"
	                    " JOIN messages m ON m.id = c.message_id",
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
