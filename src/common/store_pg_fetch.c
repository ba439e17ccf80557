/* SPDX-License-Identifier: MIT */
/* The fetcher's SQL for PostgreSQL: checkpoints, message rows and their
 * children, retention, the "is anyone waiting" probe, and the NOTIFY that
 * wakes the waiters of each address that got a code. */
#include <stdlib.h>
#include <string.h>

#include "store_pg_p.h"

/* Reads the checkpoint; *current is false when the account row's user
 * or host differ from the configuration's. */
static enum otpbox_err
store_pg_fetch_folder_read(struct store_pg *pg, const char *account,
                           const char *user, const char *host,
                           const char *folder, struct store_fetch_folder *out,
                           bool *current)
{
	struct store_pg_args a = {0};
	enum otpbox_err err;
	PGresult *res;

	store_pg_arg_text(&a, account);
	store_pg_arg_text(&a, folder);
	store_pg_arg_text(&a, user);
	store_pg_arg_text(&a, host);
	err = store_pg_exec(
	    pg,
	    "SELECT f.id, coalesce(f.uidvalidity, 0), f.last_uid,"
	    " coalesce(f.uidnext, 0), a.username IS NOT DISTINCT FROM $3"
	    " AND a.host IS NOT DISTINCT FROM $4 FROM folders f"
	    " JOIN accounts a ON a.id = f.account_id"
	    " WHERE a.name = $1 AND f.name = $2",
	    &a, &res);
	if (err)
		return err;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return OTPBOX_ERR_NOT_FOUND;
	}
	out->id = store_pg_int(res, 0, 0);
	out->uidvalidity = store_pg_int(res, 0, 1);
	out->last_uid = store_pg_int(res, 0, 2);
	out->uidnext = store_pg_int(res, 0, 3);
	*current = strcmp(PQgetvalue(res, 0, 4), "t") == 0;
	PQclear(res);
	return OTPBOX_OK;
}

/* Creates or updates the account and folder rows, then reads them. */
static enum otpbox_err
store_pg_fetch_folder_make(struct store_pg *pg, const char *account,
                           const char *user, const char *host,
                           const char *folder, struct store_fetch_folder *out)
{
	struct store_pg_args a = {0}, b = {0};
	enum otpbox_err err;
	bool current;

	if ((err = store_pg_begin(&pg->base)))
		return err;
	store_pg_arg_text(&a, account);
	store_pg_arg_text(&a, user);
	store_pg_arg_text(&a, host);
	err = store_pg_exec(pg,
	                    "INSERT INTO accounts (name, username, host)"
	                    " VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE"
	                    " SET username = $2, host = $3",
	                    &a, NULL);
	store_pg_arg_text(&b, account);
	store_pg_arg_text(&b, folder);
	if (!err)
		err =
		    store_pg_exec(pg,
		                  "INSERT INTO folders (account_id, name)"
		                  " SELECT id, $2 FROM accounts WHERE name = $1"
		                  " ON CONFLICT (account_id, name) DO NOTHING",
		                  &b, NULL);
	if (!err)
		err = store_pg_fetch_folder_read(pg, account, user, host,
		                                 folder, out, &current);
	if (!err)
		err = store_pg_commit(&pg->base);
	if (err)
		store_pg_rollback(&pg->base);
	return err;
}

enum otpbox_err
store_pg_fetch_folder_get(struct store *st, const char *account,
                          const char *user, const char *host,
                          const char *folder, struct store_fetch_folder *out)
{
	struct store_pg *pg = store_pg_of(st);
	enum otpbox_err err;
	bool current = false;

	err = store_pg_fetch_folder_read(pg, account, user, host, folder, out,
	                                 &current);
	if (err == OTPBOX_OK && current)
		return OTPBOX_OK;
	if (err && err != OTPBOX_ERR_NOT_FOUND)
		return err;
	/* Two hosts may create the rows at once: the loser's unique
	 * violation is worth one more try. */
	err = store_pg_fetch_folder_make(pg, account, user, host, folder, out);
	if (err == OTPBOX_ERR_DB)
		err = store_pg_fetch_folder_make(pg, account, user, host,
		                                 folder, out);
	return err;
}

/* True when the same message was stored under an earlier UIDVALIDITY. */
static enum otpbox_err
store_pg_fetch_seen(struct store_pg *pg, int64_t folder_id, int64_t uidvalidity,
                    const struct store_fetch_msg *msg, bool *seen)
{
	struct store_pg_args a = {0};
	enum otpbox_err err;
	PGresult *res;

	store_pg_arg_int(&a, folder_id);
	store_pg_arg_text(&a, msg->message_id);
	store_pg_arg_text(&a, msg->content_hash);
	store_pg_arg_int(&a, uidvalidity);
	err = store_pg_exec(pg,
	                    "SELECT 1 FROM messages WHERE folder_id = $1"
	                    " AND message_id IS NOT DISTINCT FROM $2"
	                    " AND content_hash = $3 AND uidvalidity <> $4"
	                    " LIMIT 1",
	                    &a, &res);
	if (err)
		return err;
	*seen = PQntuples(res) > 0;
	PQclear(res);
	return OTPBOX_OK;
}

/* The sender facts as $14..$21 ("" is stored as NULL). */
static void
store_pg_fetch_auth(struct store_pg_args *a, const struct authres_facts *f)
{
	const char *text[7] = {NULL};
	int i;

	if (f) {
		text[0] = f->from_address;
		text[1] = f->from_domain;
		text[2] = f->spf;
		text[3] = f->dkim;
		text[4] = f->dkim_domains;
		text[5] = f->dmarc;
		text[6] = f->dmarc_from;
	}
	for (i = 0; i < 7; i++)
		store_pg_arg_text(a, text[i]);
	store_pg_arg_int(a, f && f->authenticated);
}

/* Inserts the message row; *rowid is 0 when it was already there. */
static enum otpbox_err
store_pg_fetch_message_row(struct store_pg *pg, int64_t folder_id,
                           int64_t uidvalidity,
                           const struct store_fetch_msg *msg, int64_t *rowid)
{
	struct store_pg_args a = {0};
	enum otpbox_err err;
	PGresult *res;

	store_pg_arg_int(&a, folder_id);
	store_pg_arg_int(&a, uidvalidity);
	store_pg_arg_int(&a, msg->uid);
	store_pg_arg_text(&a, msg->message_id);
	store_pg_arg_text(&a, msg->content_hash);
	store_pg_arg_int(&a, msg->received_at);
	store_pg_arg_int(&a, msg->fetched_at);
	store_pg_arg_text(&a, msg->sender);
	store_pg_arg_text(&a, msg->subject);
	store_pg_arg_int(&a, msg->size);
	store_pg_arg_int(&a, msg->truncated);
	store_pg_arg_text(&a, msg->parse_error ? "error" : "ok");
	store_pg_arg_text(&a, msg->parse_error);
	store_pg_fetch_auth(&a, msg->auth);
	store_pg_arg_text(&a, msg->copy_key);
	store_pg_arg_text(&a, msg->skipped);
	err = store_pg_exec(
	    pg,
	    "INSERT INTO messages (folder_id, uidvalidity, uid, message_id,"
	    " content_hash, received_at, fetched_at, sender, subject, size,"
	    " truncated, parse_status, parse_error, from_address, from_domain,"
	    " auth_spf, auth_dkim, auth_dkim_domains, auth_dmarc,"
	    " auth_dmarc_from, authenticated, copy_key, skipped)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,"
	    " nullif($14, ''), nullif($15, ''), nullif($16, ''),"
	    " nullif($17, ''), nullif($18, ''), nullif($19, ''),"
	    " nullif($20, ''), $21, $22, $23)"
	    " ON CONFLICT (folder_id, uidvalidity, uid) DO NOTHING RETURNING "
	    "id",
	    &a, &res);
	if (err)
		return err;
	*rowid = PQntuples(res) ? store_pg_int(res, 0, 0) : 0;
	PQclear(res);
	return OTPBOX_OK;
}

static enum otpbox_err
store_pg_fetch_rcpts(struct store_pg *pg, int64_t rowid,
                     const struct store_fetch_msg *msg)
{
	enum otpbox_err err = OTPBOX_OK;
	size_t i;

	for (i = 0; i < msg->nrcpts && !err; i++) {
		struct store_pg_args a = {0};

		store_pg_arg_int(&a, rowid);
		store_pg_arg_text(&a, msg->rcpts[i].address);
		store_pg_arg_text(
		    &a, msg->rcpts[i].header ? msg->rcpts[i].header : "");
		err =
		    store_pg_exec(pg,
		                  "INSERT INTO recipients (message_id, address,"
		                  " header) VALUES ($1, lower($2), $3)"
		                  " ON CONFLICT DO NOTHING",
		                  &a, NULL);
	}
	return err;
}

static enum otpbox_err
store_pg_fetch_cands(struct store_pg *pg, int64_t rowid,
                     const struct store_fetch_msg *msg)
{
	enum otpbox_err err = OTPBOX_OK;
	char score[32];
	size_t i;

	for (i = 0; i < msg->ncands && !err; i++) {
		const struct store_fetch_cand *c = &msg->cands[i];
		struct store_pg_args a = {0};

		snprintf(score, sizeof(score), "%.17g", c->score);
		store_pg_arg_int(&a, rowid);
		store_pg_arg_text(&a, c->kind);
		store_pg_arg_text(&a, c->value);
		store_pg_arg_text(&a, score);
		store_pg_arg_int(&a, c->chosen);
		store_pg_arg_text(&a, c->reason ? c->reason : "");
		err = store_pg_exec(pg,
		                    "INSERT INTO candidates (message_id, kind,"
		                    " value, score, chosen, reason)"
		                    " VALUES ($1, $2, $3, $4, $5, $6)",
		                    &a, NULL);
	}
	return err;
}

/* One claimable row per recipient for the code and one for the link; a
 * new row sends NOTIFY with its address's hash, which the server delivers
 * when (and only if) the transaction commits. */
static enum otpbox_err
store_pg_fetch_codes(struct store_pg *pg, int64_t rowid,
                     const struct store_fetch_msg *msg)
{
	const char *kinds[2] = {"code", "link"};
	const char *values[2] = {msg->code, msg->link};
	enum otpbox_err err = OTPBOX_OK;
	size_t i, k;

	for (k = 0; k < 2; k++) {
		for (i = 0; values[k] && i < msg->nrcpts && !err; i++) {
			struct store_pg_args a = {0};

			store_pg_arg_int(&a, rowid);
			store_pg_arg_text(&a, msg->rcpts[i].address);
			store_pg_arg_text(&a, kinds[k]);
			store_pg_arg_text(&a, values[k]);
			store_pg_arg_int(&a, msg->received_at);
			err = store_pg_exec(
			    pg,
			    "WITH ins AS (INSERT INTO codes (message_id,"
			    " address, kind, code, received_at)"
			    " VALUES ($1, lower($2), $3, $4, $5)"
			    " ON CONFLICT DO NOTHING RETURNING address)"
			    " SELECT pg_notify('" STORE_PG_CHANNEL "', "
			    "" STORE_PG_HASH("address::text") ") FROM ins",
			    &a, NULL);
		}
	}
	return err;
}

enum otpbox_err
store_pg_fetch_insert(struct store *st, int64_t folder_id, int64_t uidvalidity,
                      const struct store_fetch_msg *msg, bool *stored)
{
	struct store_pg *pg = store_pg_of(st);
	enum otpbox_err err;
	int64_t rowid = 0;
	bool seen;

	*stored = false;
	err = store_pg_fetch_seen(pg, folder_id, uidvalidity, msg, &seen);
	if (err || seen)
		return err;
	err =
	    store_pg_fetch_message_row(pg, folder_id, uidvalidity, msg, &rowid);
	if (err || rowid == 0)
		return err;
	if ((err = store_pg_fetch_rcpts(pg, rowid, msg)))
		return err;
	if ((err = store_pg_fetch_cands(pg, rowid, msg)))
		return err;
	if ((err = store_pg_fetch_codes(pg, rowid, msg)))
		return err;
	*stored = true;
	return OTPBOX_OK;
}

enum otpbox_err
store_pg_fetch_checkpoint(struct store *st, const struct store_fetch_folder *f,
                          int64_t synced_at)
{
	struct store_pg_args a = {0};

	store_pg_arg_int(&a, f->id);
	store_pg_arg_int(&a, f->uidvalidity);
	store_pg_arg_int(&a, f->last_uid);
	store_pg_arg_int(&a, f->uidnext);
	store_pg_arg_int(&a, synced_at);
	return store_pg_exec(store_pg_of(st),
	                     "UPDATE folders SET uidvalidity = $2,"
	                     " last_uid = $3, uidnext = nullif($4::bigint, 0),"
	                     " synced_at = $5 WHERE id = $1",
	                     &a, NULL);
}

enum otpbox_err
store_pg_fetch_purge(struct store *st, int64_t before, int64_t *deleted)
{
	struct store_pg *pg = store_pg_of(st);
	struct store_pg_args a = {0};
	enum otpbox_err err;
	PGresult *res;

	*deleted = 0;
	store_pg_arg_int(&a, before);
	err = store_pg_exec(pg, "DELETE FROM messages WHERE received_at < $1",
	                    &a, &res);
	if (err)
		return err;
	*deleted = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return OTPBOX_OK;
}

enum otpbox_err
store_pg_fetch_waiting(struct store *st, int64_t now, bool *waiting)
{
	struct store_pg_args a = {0};
	enum otpbox_err err;
	PGresult *res;

	*waiting = false;
	store_pg_arg_int(&a, now - STORE_FETCH_WAIT_STALE_SECONDS);
	err = store_pg_exec(store_pg_of(st),
	                    "SELECT EXISTS (SELECT 1 FROM waits"
	                    " WHERE outcome = 'waiting' AND started_at >= $1)",
	                    &a, &res);
	if (err)
		return err;
	*waiting = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return OTPBOX_OK;
}
