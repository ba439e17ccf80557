/* SPDX-License-Identifier: MIT */
/* The fetcher's SQL: checkpoints, message rows and their children,
 * retention and the "is anyone waiting" probe. Prepared once at open. */
#include <stdlib.h>

#include "store_feed.h"
#include "store_fetch.h"
#include "store_sqlite_p.h"

enum store_fetch_stmt {
	SF_ACCOUNT_UPSERT,
	SF_FOLDER_UPSERT,
	SF_FOLDER_GET,
	SF_DUPLICATE,
	SF_MESSAGE_INSERT,
	SF_RCPT_INSERT,
	SF_CAND_INSERT,
	SF_CODE_INSERT,
	SF_CHECKPOINT,
	SF_PURGE,
	SF_WAITING,
	SF_COUNT
};

static const char *const store_fetch_sql[SF_COUNT] = {
    [SF_ACCOUNT_UPSERT] =
        "INSERT INTO accounts (name, username, host) VALUES (?1, ?2, ?3)"
        " ON CONFLICT (name) DO UPDATE SET username = ?2, host = ?3",
    [SF_FOLDER_UPSERT] = "INSERT INTO folders (account_id, name)"
                         " SELECT id, ?2 FROM accounts WHERE name = ?1"
                         " ON CONFLICT (account_id, name) DO NOTHING",
    [SF_FOLDER_GET] = "SELECT f.id, coalesce(f.uidvalidity, 0), f.last_uid,"
                      " coalesce(f.uidnext, 0),"
                      " a.username IS ?3 AND a.host IS ?4 FROM folders f"
                      " JOIN accounts a ON a.id = f.account_id"
                      " WHERE a.name = ?1 AND f.name = ?2",
    [SF_DUPLICATE] = "SELECT 1 FROM messages WHERE folder_id = ?1"
                     " AND message_id IS ?2 AND content_hash = ?3"
                     " AND uidvalidity <> ?4 LIMIT 1",
    [SF_MESSAGE_INSERT] =
        "INSERT INTO messages (folder_id, uidvalidity, uid, message_id,"
        " content_hash, received_at, fetched_at, sender, subject, size,"
        " truncated, parse_status, parse_error, from_address, from_domain,"
        " auth_spf, auth_dkim, auth_dkim_domains, auth_dmarc,"
        " auth_dmarc_from, authenticated, copy_key, skipped)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
        " nullif(?14, ''), nullif(?15, ''), nullif(?16, ''),"
        " nullif(?17, ''), nullif(?18, ''), nullif(?19, ''),"
        " nullif(?20, ''), ?21, ?22, ?23)"
        " ON CONFLICT (folder_id, uidvalidity, uid) DO NOTHING",
    [SF_RCPT_INSERT] =
        "INSERT OR IGNORE INTO recipients (message_id, address, header)"
        " VALUES (?1, lower(?2), ?3)",
    [SF_CAND_INSERT] =
        "INSERT INTO candidates (message_id, kind, value, score, chosen,"
        " reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [SF_CODE_INSERT] =
        "INSERT OR IGNORE INTO codes (message_id, address, kind, code,"
        " received_at) VALUES (?1, lower(?2), ?3, ?4, ?5)",
    [SF_CHECKPOINT] = "UPDATE folders SET uidvalidity = ?2, last_uid = ?3,"
                      " uidnext = nullif(?4, 0), synced_at = ?5 WHERE id = ?1",
    [SF_PURGE] = "DELETE FROM messages WHERE received_at < ?1",
    [SF_WAITING] = "SELECT EXISTS (SELECT 1 FROM waits"
                   " WHERE outcome = 'waiting' AND started_at >= ?1)",
};

struct store_fetch {
	sqlite3_stmt *stmt[SF_COUNT];
};

enum otpbox_err
store_sqlite_fetch_prepare(struct store_sqlite *st)
{
	enum otpbox_err err;

	st->fetch = calloc(1, sizeof(*st->fetch));
	if (st->fetch == NULL)
		return OTPBOX_ERR_NOMEM;
	err = store_sqlite_prepare(st, store_fetch_sql, st->fetch->stmt,
	                           SF_COUNT);
	if (err) {
		free(st->fetch);
		st->fetch = NULL;
	}
	return err;
}

void
store_sqlite_fetch_finalize(struct store_sqlite *st)
{
	if (st == NULL || st->fetch == NULL)
		return;
	store_sqlite_finalize(st->fetch->stmt, SF_COUNT);
	free(st->fetch);
	st->fetch = NULL;
}

static sqlite3_stmt *
store_sqlite_fetch_stmt(struct store_sqlite *st, enum store_fetch_stmt which)
{
	return st->fetch->stmt[which];
}

static void
store_sqlite_fetch_text(sqlite3_stmt *s, int col, const char *text)
{
	if (text)
		sqlite3_bind_text(s, col, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, col);
}

/* Steps a statement that returns no row, then resets it. */
static enum otpbox_err
store_sqlite_fetch_run(struct store_sqlite *st, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	enum otpbox_err err = OTPBOX_OK;

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = store_sqlite_fail(st, rc);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return err;
}

/* Reads the checkpoint; *current is false when the account row's user
 * or host differ from the configuration's. */
static enum otpbox_err
store_sqlite_fetch_folder_read(struct store_sqlite *st, const char *account,
                               const char *user, const char *host,
                               const char *folder,
                               struct store_fetch_folder *out, bool *current)
{
	sqlite3_stmt *s = store_sqlite_fetch_stmt(st, SF_FOLDER_GET);
	enum otpbox_err err = OTPBOX_OK;
	int rc;

	sqlite3_bind_text(s, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, folder, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, host, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(s, 0);
		out->uidvalidity = sqlite3_column_int64(s, 1);
		out->last_uid = sqlite3_column_int64(s, 2);
		out->uidnext = sqlite3_column_int64(s, 3);
		*current = sqlite3_column_int(s, 4) != 0;
	} else {
		err = rc == SQLITE_DONE ? OTPBOX_ERR_NOT_FOUND
		                        : store_sqlite_fail(st, rc);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return err;
}

/* Creates or updates the account and folder rows, then reads them. */
static enum otpbox_err
store_sqlite_fetch_folder_make(struct store_sqlite *st, const char *account,
                               const char *user, const char *host,
                               const char *folder,
                               struct store_fetch_folder *out)
{
	sqlite3_stmt *s;
	enum otpbox_err err;
	bool current;

	if ((err = store_sqlite_begin(&st->base)))
		return err;
	s = store_sqlite_fetch_stmt(st, SF_ACCOUNT_UPSERT);
	sqlite3_bind_text(s, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, host, -1, SQLITE_STATIC);
	if ((err = store_sqlite_fetch_run(st, s)))
		goto out;
	s = store_sqlite_fetch_stmt(st, SF_FOLDER_UPSERT);
	sqlite3_bind_text(s, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, folder, -1, SQLITE_STATIC);
	if ((err = store_sqlite_fetch_run(st, s)))
		goto out;
	err = store_sqlite_fetch_folder_read(st, account, user, host, folder,
	                                     out, &current);
	if (err == OTPBOX_OK)
		err = store_sqlite_commit(&st->base);
out:
	if (err)
		store_sqlite_rollback(&st->base);
	return err;
}

/* Nothing is written when the rows exist and match: a sync that finds
 * nothing new leaves the database (and its waiters) alone. */
enum otpbox_err
store_sqlite_fetch_folder_get(struct store *base, const char *account,
                              const char *user, const char *host,
                              const char *folder,
                              struct store_fetch_folder *out)
{
	struct store_sqlite *st = store_sqlite_of(base);
	enum otpbox_err err;
	bool current = false;

	err = store_sqlite_fetch_folder_read(st, account, user, host, folder,
	                                     out, &current);
	if (err == OTPBOX_OK && current)
		return OTPBOX_OK;
	if (err && err != OTPBOX_ERR_NOT_FOUND)
		return err;
	return store_sqlite_fetch_folder_make(st, account, user, host, folder,
	                                      out);
}

/* True when the same message was stored under an earlier UIDVALIDITY. */
static enum otpbox_err
store_sqlite_fetch_seen(struct store_sqlite *st, int64_t folder_id,
                        int64_t uidvalidity, const struct store_fetch_msg *msg,
                        bool *seen)
{
	sqlite3_stmt *s = store_sqlite_fetch_stmt(st, SF_DUPLICATE);
	enum otpbox_err err = OTPBOX_OK;
	int rc;

	sqlite3_bind_int64(s, 1, folder_id);
	store_sqlite_fetch_text(s, 2, msg->message_id);
	sqlite3_bind_text(s, 3, msg->content_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, uidvalidity);
	rc = sqlite3_step(s);
	*seen = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = store_sqlite_fail(st, rc);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return err;
}

/* Binds the sender facts to ?14..?21 ("" is stored as NULL). */
static void
store_sqlite_fetch_auth(sqlite3_stmt *s, const struct authres_facts *a)
{
	const char *text[7] = {NULL};
	int i;

	if (a) {
		text[0] = a->from_address;
		text[1] = a->from_domain;
		text[2] = a->spf;
		text[3] = a->dkim;
		text[4] = a->dkim_domains;
		text[5] = a->dmarc;
		text[6] = a->dmarc_from;
	}
	for (i = 0; i < 7; i++)
		store_sqlite_fetch_text(s, 14 + i, text[i]);
	sqlite3_bind_int(s, 21, a && a->authenticated);
}

static enum otpbox_err
store_sqlite_fetch_message_row(struct store_sqlite *st, int64_t folder_id,
                               int64_t uidvalidity,
                               const struct store_fetch_msg *msg,
                               int64_t *rowid)
{
	sqlite3_stmt *s = store_sqlite_fetch_stmt(st, SF_MESSAGE_INSERT);
	enum otpbox_err err;

	sqlite3_bind_int64(s, 1, folder_id);
	sqlite3_bind_int64(s, 2, uidvalidity);
	sqlite3_bind_int64(s, 3, msg->uid);
	store_sqlite_fetch_text(s, 4, msg->message_id);
	sqlite3_bind_text(s, 5, msg->content_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, msg->received_at);
	sqlite3_bind_int64(s, 7, msg->fetched_at);
	store_sqlite_fetch_text(s, 8, msg->sender);
	store_sqlite_fetch_text(s, 9, msg->subject);
	sqlite3_bind_int64(s, 10, msg->size);
	sqlite3_bind_int(s, 11, msg->truncated);
	sqlite3_bind_text(s, 12, msg->parse_error ? "error" : "ok", -1,
	                  SQLITE_STATIC);
	store_sqlite_fetch_text(s, 13, msg->parse_error);
	store_sqlite_fetch_auth(s, msg->auth);
	store_sqlite_fetch_text(s, 22, msg->copy_key);
	store_sqlite_fetch_text(s, 23, msg->skipped);
	err = store_sqlite_fetch_run(st, s);
	*rowid = 0;
	if (err == OTPBOX_OK && sqlite3_changes(st->db) == 1)
		*rowid = sqlite3_last_insert_rowid(st->db);
	return err;
}

static enum otpbox_err
store_sqlite_fetch_children_rcpts(struct store_sqlite *st, int64_t rowid,
                                  const struct store_fetch_msg *msg)
{
	enum otpbox_err err = OTPBOX_OK;
	sqlite3_stmt *s;
	size_t i;

	for (i = 0; i < msg->nrcpts && err == OTPBOX_OK; i++) {
		s = store_sqlite_fetch_stmt(st, SF_RCPT_INSERT);
		sqlite3_bind_int64(s, 1, rowid);
		sqlite3_bind_text(s, 2, msg->rcpts[i].address, -1,
		                  SQLITE_STATIC);
		sqlite3_bind_text(
		    s, 3, msg->rcpts[i].header ? msg->rcpts[i].header : "", -1,
		    SQLITE_STATIC);
		err = store_sqlite_fetch_run(st, s);
	}
	return err;
}

static enum otpbox_err
store_sqlite_fetch_children_cands(struct store_sqlite *st, int64_t rowid,
                                  const struct store_fetch_msg *msg)
{
	const struct store_fetch_cand *c;
	enum otpbox_err err = OTPBOX_OK;
	sqlite3_stmt *s;
	size_t i;

	for (i = 0; i < msg->ncands && err == OTPBOX_OK; i++) {
		c = &msg->cands[i];
		s = store_sqlite_fetch_stmt(st, SF_CAND_INSERT);
		sqlite3_bind_int64(s, 1, rowid);
		sqlite3_bind_text(s, 2, c->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, c->value, -1, SQLITE_STATIC);
		sqlite3_bind_double(s, 4, c->score);
		sqlite3_bind_int(s, 5, c->chosen);
		sqlite3_bind_text(s, 6, c->reason ? c->reason : "", -1,
		                  SQLITE_STATIC);
		err = store_sqlite_fetch_run(st, s);
	}
	return err;
}

/* One claimable row per recipient for the code and one for the link. */
static enum otpbox_err
store_sqlite_fetch_children_codes(struct store_sqlite *st, int64_t rowid,
                                  const struct store_fetch_msg *msg)
{
	const char *kinds[2] = {"code", "link"};
	const char *values[2] = {msg->code, msg->link};
	enum otpbox_err err = OTPBOX_OK;
	sqlite3_stmt *s;
	size_t i, k;

	for (k = 0; k < 2; k++) {
		for (i = 0; values[k] && i < msg->nrcpts && !err; i++) {
			s = store_sqlite_fetch_stmt(st, SF_CODE_INSERT);
			sqlite3_bind_int64(s, 1, rowid);
			sqlite3_bind_text(s, 2, msg->rcpts[i].address, -1,
			                  SQLITE_STATIC);
			sqlite3_bind_text(s, 3, kinds[k], -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 4, values[k], -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 5, msg->received_at);
			err = store_sqlite_fetch_run(st, s);
			if (!err && sqlite3_changes(st->db) > 0)
				store_feed_collect(st->feed,
				                   msg->rcpts[i].address);
		}
	}
	return err;
}

enum otpbox_err
store_sqlite_fetch_insert(struct store *base, int64_t folder_id,
                          int64_t uidvalidity,
                          const struct store_fetch_msg *msg, bool *stored)
{
	struct store_sqlite *st = store_sqlite_of(base);
	enum otpbox_err err;
	int64_t rowid = 0;
	bool seen;

	*stored = false;
	err = store_sqlite_fetch_seen(st, folder_id, uidvalidity, msg, &seen);
	if (err || seen)
		return err;
	err = store_sqlite_fetch_message_row(st, folder_id, uidvalidity, msg,
	                                     &rowid);
	if (err || rowid == 0)
		return err;
	if ((err = store_sqlite_fetch_children_rcpts(st, rowid, msg)))
		return err;
	if ((err = store_sqlite_fetch_children_cands(st, rowid, msg)))
		return err;
	if ((err = store_sqlite_fetch_children_codes(st, rowid, msg)))
		return err;
	*stored = true;
	return OTPBOX_OK;
}

enum otpbox_err
store_sqlite_fetch_checkpoint(struct store *base,
                              const struct store_fetch_folder *f,
                              int64_t synced_at)
{
	struct store_sqlite *st = store_sqlite_of(base);
	sqlite3_stmt *s = store_sqlite_fetch_stmt(st, SF_CHECKPOINT);

	sqlite3_bind_int64(s, 1, f->id);
	sqlite3_bind_int64(s, 2, f->uidvalidity);
	sqlite3_bind_int64(s, 3, f->last_uid);
	sqlite3_bind_int64(s, 4, f->uidnext);
	sqlite3_bind_int64(s, 5, synced_at);
	return store_sqlite_fetch_run(st, s);
}

enum otpbox_err
store_sqlite_fetch_purge(struct store *base, int64_t before, int64_t *deleted)
{
	struct store_sqlite *st = store_sqlite_of(base);
	sqlite3_stmt *s = store_sqlite_fetch_stmt(st, SF_PURGE);
	enum otpbox_err err;

	*deleted = 0;
	if ((err = store_sqlite_begin(&st->base)))
		return err;
	sqlite3_bind_int64(s, 1, before);
	err = store_sqlite_fetch_run(st, s);
	if (err == OTPBOX_OK)
		*deleted = sqlite3_changes(st->db);
	if (err == OTPBOX_OK)
		err = store_sqlite_commit(&st->base);
	if (err)
		store_sqlite_rollback(&st->base);
	return err;
}

enum otpbox_err
store_sqlite_fetch_waiting(struct store *base, int64_t now, bool *waiting)
{
	struct store_sqlite *st = store_sqlite_of(base);
	sqlite3_stmt *s = store_sqlite_fetch_stmt(st, SF_WAITING);
	enum otpbox_err err = OTPBOX_OK;
	int rc;

	sqlite3_bind_int64(s, 1, now - STORE_FETCH_WAIT_STALE_SECONDS);
	rc = sqlite3_step(s);
	*waiting = rc == SQLITE_ROW && sqlite3_column_int(s, 0) != 0;
	if (rc != SQLITE_ROW)
		err = store_sqlite_fail(st, rc);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return err;
}
