/* SPDX-License-Identifier: MIT */
/* Store statements used by the wait side; prepared once at open. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "store_feed.h"
#include "store_wait.h"
#include "store_sqlite_p.h"

/* A waiter that finds the write lock taken tries again after about 1 ms,
 * then up to 16 ms; SQLite's own handler backs off to 100 ms between tries
 * and lets a crowd of waiters starve. Recording a wait is worth more
 * patience than the store's default 5 s: a storm of a thousand waiters
 * starting at once takes longer than that to get through. */
#define STORE_WAIT_RETRY_MIN_US 1000
#define STORE_WAIT_RETRY_MAX_US 16000
#define STORE_WAIT_BUSY_MS 30000

enum store_wait_stmt {
	STORE_WAIT_INSERT,
	STORE_WAIT_FIND,
	STORE_WAIT_CLAIM,
	STORE_WAIT_END,
	STORE_WAIT_GET,
	STORE_WAIT_SKEW,
	STORE_WAIT_MISSED,
	STORE_WAIT_NSTMT
};

struct store_wait {
	sqlite3_stmt *stmt[STORE_WAIT_NSTMT];
	int64_t busy_since_mono_ms; /* first try of the current lock wait */
	unsigned jitter;            /* rand_r() state for the retry delay */
	int codes_added;            /* this transaction inserted codes */
};

/* WAL frames after which a commit checkpoints: SQLite's default, which the
 * WAL hook below takes over from sqlite3_wal_autocheckpoint(). */
#define STORE_WAIT_AUTOCHECKPOINT 1000

/*
 * The filters of a wait on the message m: ?4 a JSON array of sender
 * patterns (an address, a domain that also matches its subdomains, or a
 * glob, on the address when it has an @, else on the domain), ?5 a
 * Subject substring (ASCII case ignored), ?6 authenticated senders only.
 * docs/audit.md gives bots the same text.
 */
#define STORE_WAIT_FILTERS                                                     \
	" AND (?4 IS NULL OR EXISTS (SELECT 1 FROM json_each(?4) p"            \
	"   WHERE CASE"                                                        \
	"    WHEN instr(p.value, '*') OR instr(p.value, '?')"                  \
	"    THEN (CASE WHEN instr(p.value, '@') THEN m.from_address"          \
	"          ELSE m.from_domain END) GLOB lower(p.value)"                \
	"    WHEN instr(p.value, '@') THEN m.from_address = lower(p.value)"    \
	"    ELSE m.from_domain = lower(p.value)"                              \
	"      OR substr(m.from_domain, -length(p.value) - 1)"                 \
	"         = '.' || lower(p.value)"                                     \
	"   END))"                                                             \
	" AND (?5 IS NULL"                                                     \
	"   OR instr(lower(coalesce(m.subject, '')), lower(?5)) > 0)"          \
	" AND (coalesce(?6, 0) = 0 OR m.authenticated = 1)"

/*
 * The newest unclaimed code for ?1 received at or after ?2, of kind ?3 (or
 * any kind), from a message passing the filters, provided neither a copy
 * of its message (same copy_of) nor a newer message's code of its kind
 * (of any kind for 'any') was already claimed: a code superseded by a
 * resend stays unclaimable even though nobody took it. A message's time
 * T is min(received_at, fetched_at) (a server clock that jumped ahead
 * must not block later codes); "newer" is a later T, or the same T and
 * a later copy_of. The range conditions on n.received_at and
 * nm.fetched_at restate "T(n) >= T(c)" so that the index on codes
 * (address, kind, received_at) applies; CROSS JOIN makes SQLite look
 * the copies up by copy_of, not every code of the address. The claim
 * repeats this inside the UPDATE, which SQLite runs under the write lock:
 * this single statement is the whole claim protocol, and docs/audit.md
 * gives bots in other languages the same statement.
 */
#define STORE_WAIT_NEWEST                                                      \
	"SELECT c.id FROM codes c JOIN messages m ON m.id = c.message_id"      \
	" WHERE c.address = ?1 AND c.claimed_at IS NULL"                       \
	"   AND c.received_at >= ?2 AND (?3 = 'any' OR c.kind = "              \
	"?3)" STORE_WAIT_FILTERS                                               \
	"   AND NOT EXISTS (SELECT 1 FROM messages xm"                         \
	"     CROSS JOIN codes x ON x.message_id = xm.id"                      \
	"     WHERE xm.copy_of = m.copy_of AND x.address = c.address"          \
	"       AND (?3 = 'any' OR x.kind = c.kind)"                           \
	"       AND x.claimed_at IS NOT NULL)"                                 \
	"   AND NOT EXISTS (SELECT 1 FROM codes n"                             \
	"     JOIN messages nm ON nm.id = n.message_id"                        \
	"     WHERE n.address = c.address AND (?3 = 'any' OR n.kind = c.kind)" \
	"       AND n.claimed_at IS NOT NULL"                                  \
	"       AND n.received_at >= min(c.received_at, m.fetched_at)"         \
	"       AND nm.fetched_at >= min(c.received_at, m.fetched_at)"         \
	"       AND (min(n.received_at, nm.fetched_at)"                        \
	"            > min(c.received_at, m.fetched_at)"                       \
	"         OR nm.copy_of > m.copy_of))"                                 \
	" ORDER BY c.received_at DESC, c.id DESC LIMIT 1"

static const char *const store_wait_sql[STORE_WAIT_NSTMT] = {
    [STORE_WAIT_INSERT] =
        "INSERT INTO waits (address, worker, pid, want, window_start,"
        " started_at, deadline, from_filter, subject_filter,"
        " require_authenticated)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [STORE_WAIT_FIND] = STORE_WAIT_NEWEST,
    [STORE_WAIT_CLAIM] =
        "UPDATE codes SET claimed_at = ?7, claimed_by = ?8, wait_id = ?9"
        " WHERE id = (" STORE_WAIT_NEWEST ") AND claimed_at IS NULL"
        " RETURNING id",
    [STORE_WAIT_END] =
        "UPDATE waits SET ended_at = ?2, outcome = ?3, code_id = ?4"
        " WHERE id = ?1",
    [STORE_WAIT_GET] =
        "SELECT c.id, c.message_id, c.code, c.kind, c.address,"
        " c.received_at, m.fetched_at, c.claimed_at, c.claimed_by,"
        " m.subject, m.sender, a.name, f.name, m.uid, m.from_address,"
        " m.from_domain, m.authenticated"
        " FROM codes c JOIN messages m ON m.id = c.message_id"
        " LEFT JOIN folders f ON f.id = m.folder_id"
        " LEFT JOIN accounts a ON a.id = f.account_id"
        " WHERE c.id = ?1",
    [STORE_WAIT_SKEW] =
        "SELECT min(d), count(d) FROM (SELECT fetched_at - received_at AS d"
        " FROM messages ORDER BY id DESC LIMIT ?1) WHERE d <= ?2",
    [STORE_WAIT_MISSED] =
        "SELECT o.reason, coalesce(o.message_id, 0), o.filtered_by,"
        " m.from_address FROM missed_otps o"
        " LEFT JOIN messages m ON m.id = o.message_id WHERE o.wait_id = ?1",
};

/* sqlite3_busy_handler callback: count is 0 on the first try of a lock.
 * The delay doubles from STORE_WAIT_RETRY_MIN_US to STORE_WAIT_RETRY_MAX_US
 * and is drawn at random below that bound, so that many claimers spread
 * out instead of retrying in step. */
static int
store_sqlite_wait_busy(void *arg, int count)
{
	struct store_wait *w = arg;
	unsigned bound;

	if (count == 0)
		w->busy_since_mono_ms = clock_mono_ms();
	else if (clock_mono_ms() - w->busy_since_mono_ms >= STORE_WAIT_BUSY_MS)
		return 0;
	bound = count < 5 ? STORE_WAIT_RETRY_MIN_US << count
	                  : STORE_WAIT_RETRY_MAX_US;
	if (bound > STORE_WAIT_RETRY_MAX_US)
		bound = STORE_WAIT_RETRY_MAX_US;
	usleep(bound / 4 + (unsigned)rand_r(&w->jitter) % bound);
	return 1;
}

void
store_sqlite_wait_retry_often(struct store *base)
{
	struct store_sqlite *st = store_sqlite_of(base);

	st->wait->jitter = (unsigned)getpid() ^ (unsigned)time(NULL);
	sqlite3_busy_handler(st->db, store_sqlite_wait_busy, st->wait);
}

enum otpbox_err
store_wait_notify(const char *db_path)
{
	return store_feed_notify(db_path, NULL);
}

static void
store_sqlite_wait_update_hook(void *arg, int op, const char *db,
                              const char *table, sqlite3_int64 rowid)
{
	struct store_wait *w = arg;

	(void)db;
	(void)rowid;
	if (op == SQLITE_INSERT && strcmp(table, "codes") == 0)
		w->codes_added = 1;
}

static void
store_sqlite_wait_rollback_hook(void *arg)
{
	struct store_sqlite *st = arg;

	st->wait->codes_added = 0;
	store_feed_discard(st->feed);
}

/* Runs after every commit of this connection, once it is visible to
 * others: wakes the waiters of the addresses it added codes for (the
 * change feed, store_feed.h), then checkpoints as
 * SQLite's default hook would have. */
static int
store_sqlite_wait_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store_sqlite *st = arg;

	if (st->wait->codes_added) {
		st->wait->codes_added = 0;
		(void)store_feed_publish(st->feed);
	}
	if (frames >= STORE_WAIT_AUTOCHECKPOINT)
		(void)sqlite3_wal_checkpoint_v2(
		    db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return SQLITE_OK;
}

enum otpbox_err
store_sqlite_wait_prepare(struct store_sqlite *st)
{
	enum otpbox_err err;

	st->wait = calloc(1, sizeof(*st->wait));
	if (st->wait == NULL)
		return OTPBOX_ERR_NOMEM;
	err = store_sqlite_prepare(st, store_wait_sql, st->wait->stmt,
	                           STORE_WAIT_NSTMT);
	if (err) {
		free(st->wait);
		st->wait = NULL;
		return err;
	}
	/* Every connection, the fetcher's included, announces new codes. */
	sqlite3_update_hook(st->db, store_sqlite_wait_update_hook, st->wait);
	sqlite3_rollback_hook(st->db, store_sqlite_wait_rollback_hook, st);
	sqlite3_wal_hook(st->db, store_sqlite_wait_wal_hook, st);
	return OTPBOX_OK;
}

void
store_sqlite_wait_finalize(struct store_sqlite *st)
{
	if (st == NULL || st->wait == NULL)
		return;
	sqlite3_update_hook(st->db, NULL, NULL);
	sqlite3_rollback_hook(st->db, NULL, NULL);
	sqlite3_wal_hook(st->db, NULL, NULL);
	store_sqlite_finalize(st->wait->stmt, STORE_WAIT_NSTMT);
	free(st->wait);
	st->wait = NULL;
}

/* Binds a string or NULL; SQLITE_TRANSIENT because callers' strings may
 * not outlive the statement's next step. */
static int
store_sqlite_wait_bind_text(sqlite3_stmt *stmt, int i, const char *s)
{
	if (s == NULL)
		return sqlite3_bind_null(stmt, i);
	return sqlite3_bind_text(stmt, i, s, -1, SQLITE_TRANSIENT);
}

static int
store_sqlite_wait_bind_newest(sqlite3_stmt *stmt,
                              const struct store_wait_query *q)
{
	int rc = store_sqlite_wait_bind_text(stmt, 1, q->address);

	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(stmt, 2, q->window_start);
	if (rc == SQLITE_OK)
		rc = store_sqlite_wait_bind_text(stmt, 3, q->want);
	if (rc == SQLITE_OK)
		rc = store_sqlite_wait_bind_text(stmt, 4, q->from_json);
	if (rc == SQLITE_OK)
		rc = store_sqlite_wait_bind_text(stmt, 5, q->subject);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(stmt, 6, q->authenticated);
	return rc;
}

/* Steps a statement that changes rows and returns nothing. */
static enum otpbox_err
store_sqlite_wait_run(struct store_sqlite *st, sqlite3_stmt *stmt, int rc)
{
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return rc == SQLITE_DONE ? OTPBOX_OK : store_sqlite_fail(st, rc);
}

enum otpbox_err
store_sqlite_wait_begin(struct store *base, const struct store_wait_start *w,
                        int64_t *wait_id)
{
	struct store_sqlite *st = store_sqlite_of(base);
	sqlite3_stmt *stmt = st->wait->stmt[STORE_WAIT_INSERT];
	enum otpbox_err err;
	int rc;

	rc = store_sqlite_wait_bind_text(stmt, 1, w->query->address);
	if (rc == SQLITE_OK)
		rc = store_sqlite_wait_bind_text(stmt, 2, w->worker);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(stmt, 3, w->pid);
	if (rc == SQLITE_OK)
		rc = store_sqlite_wait_bind_text(stmt, 4, w->query->want);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(stmt, 5, w->query->window_start);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(stmt, 6, w->started_at);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(stmt, 7, w->deadline);
	if (rc == SQLITE_OK)
		rc = store_sqlite_wait_bind_text(stmt, 8, w->query->from_json);
	if (rc == SQLITE_OK)
		rc = store_sqlite_wait_bind_text(stmt, 9, w->query->subject);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(stmt, 10, w->query->authenticated);
	err = store_sqlite_wait_run(st, stmt, rc);
	if (!err)
		*wait_id = sqlite3_last_insert_rowid(st->db);
	return err;
}

enum otpbox_err
store_sqlite_wait_find(struct store *base, const struct store_wait_query *q,
                       int64_t *code_id)
{
	struct store_sqlite *st = store_sqlite_of(base);
	sqlite3_stmt *stmt = st->wait->stmt[STORE_WAIT_FIND];
	enum otpbox_err err = OTPBOX_OK;
	int rc;

	rc = store_sqlite_wait_bind_newest(stmt, q);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*code_id = sqlite3_column_int64(stmt, 0);
	else if (rc == SQLITE_DONE)
		err = OTPBOX_ERR_NOT_FOUND;
	else
		err = store_sqlite_fail(st, rc);
	/* Reset at once: a statement left open holds a read transaction,
	 * which would keep the fetcher's checkpoints from finishing. */
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return err;
}

/* Runs the claim UPDATE; *code_id is 0 when nothing was left to claim. */
static enum otpbox_err
store_sqlite_wait_claim_row(struct store_sqlite *st, int64_t wait_id,
                            const struct store_wait_query *q,
                            const char *claimed_by, int64_t now,
                            int64_t *code_id)
{
	sqlite3_stmt *stmt = st->wait->stmt[STORE_WAIT_CLAIM];
	enum otpbox_err err = OTPBOX_OK;
	int rc;

	*code_id = 0;
	rc = store_sqlite_wait_bind_newest(stmt, q);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(stmt, 7, now);
	if (rc == SQLITE_OK)
		rc = store_sqlite_wait_bind_text(stmt, 8, claimed_by);
	if (rc == SQLITE_OK)
		rc = wait_id ? sqlite3_bind_int64(stmt, 9, wait_id)
		             : sqlite3_bind_null(stmt, 9);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*code_id = sqlite3_column_int64(stmt, 0);
		rc = sqlite3_step(stmt);
	}
	if (rc != SQLITE_DONE)
		err = store_sqlite_fail(st, rc);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return err;
}

enum otpbox_err
store_sqlite_wait_claim(struct store *base, int64_t wait_id,
                        const struct store_wait_query *q,
                        const char *claimed_by, int64_t now,
                        struct store_wait_code *out)
{
	struct store_sqlite *st = store_sqlite_of(base);
	enum otpbox_err err;
	int64_t code_id = 0;

	memset(out, 0, sizeof(*out));
	if ((err = store_sqlite_begin(&st->base)))
		goto out;
	err = store_sqlite_wait_claim_row(st, wait_id, q, claimed_by, now,
	                                  &code_id);
	if (!err && code_id == 0)
		err = OTPBOX_ERR_NOT_FOUND;
	if (!err && wait_id)
		err = store_sqlite_wait_end(&st->base, wait_id,
		                            STORE_WAIT_CLAIMED, code_id, now);
	if (!err)
		err = store_sqlite_wait_code_get(&st->base, code_id, out);
	if (!err)
		err = store_sqlite_commit(&st->base);
out:
	if (err) {
		store_sqlite_rollback(&st->base);
		store_wait_code_free(out);
	}
	return err;
}

/* A copy of a text column, or NULL for SQL NULL. */
static enum otpbox_err
store_sqlite_wait_column_dup(sqlite3_stmt *stmt, int i, char **out)
{
	const unsigned char *s = sqlite3_column_text(stmt, i);

	*out = NULL;
	if (s == NULL)
		return sqlite3_column_type(stmt, i) == SQLITE_NULL
		           ? OTPBOX_OK
		           : OTPBOX_ERR_NOMEM;
	*out = strdup((const char *)s);
	return *out ? OTPBOX_OK : OTPBOX_ERR_NOMEM;
}

static enum otpbox_err
store_sqlite_wait_code_read(sqlite3_stmt *stmt, struct store_wait_code *c)
{
	char **text[] = {&c->code,       &c->kind,    &c->address,
	                 &c->claimed_by, &c->subject, &c->sender,
	                 &c->account,    &c->folder,  &c->from_address,
	                 &c->from_domain};
	static const int cols[] = {2, 3, 4, 8, 9, 10, 11, 12, 14, 15};
	enum otpbox_err err = OTPBOX_OK;
	size_t i;

	c->code_id = sqlite3_column_int64(stmt, 0);
	c->message_id = sqlite3_column_int64(stmt, 1);
	c->received_at = sqlite3_column_int64(stmt, 5);
	c->fetched_at = sqlite3_column_int64(stmt, 6);
	c->claimed_at = sqlite3_column_int64(stmt, 7);
	c->uid = sqlite3_column_int64(stmt, 13);
	c->authenticated = sqlite3_column_int(stmt, 16) != 0;
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]) && !err; i++)
		err = store_sqlite_wait_column_dup(stmt, cols[i], text[i]);
	return err;
}

enum otpbox_err
store_sqlite_wait_code_get(struct store *base, int64_t code_id,
                           struct store_wait_code *out)
{
	struct store_sqlite *st = store_sqlite_of(base);
	sqlite3_stmt *stmt = st->wait->stmt[STORE_WAIT_GET];
	enum otpbox_err err;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = sqlite3_bind_int64(stmt, 1, code_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		err = store_sqlite_wait_code_read(stmt, out);
	else if (rc == SQLITE_DONE)
		err = OTPBOX_ERR_NOT_FOUND;
	else
		err = store_sqlite_fail(st, rc);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	if (err)
		store_wait_code_free(out);
	return err;
}

enum otpbox_err
store_sqlite_wait_end(struct store *base, int64_t wait_id, const char *outcome,
                      int64_t code_id, int64_t now)
{
	struct store_sqlite *st = store_sqlite_of(base);
	sqlite3_stmt *stmt = st->wait->stmt[STORE_WAIT_END];
	int rc;

	rc = sqlite3_bind_int64(stmt, 1, wait_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(stmt, 2, now);
	if (rc == SQLITE_OK)
		rc = store_sqlite_wait_bind_text(stmt, 3, outcome);
	if (rc == SQLITE_OK)
		rc = code_id ? sqlite3_bind_int64(stmt, 4, code_id)
		             : sqlite3_bind_null(stmt, 4);
	return store_sqlite_wait_run(st, stmt, rc);
}

enum otpbox_err
store_sqlite_wait_skew(struct store *base, int *seconds, int *samples)
{
	struct store_sqlite *st = store_sqlite_of(base);
	sqlite3_stmt *stmt = st->wait->stmt[STORE_WAIT_SKEW];
	enum otpbox_err err = OTPBOX_OK;
	int64_t least;
	int rc;

	*seconds = STORE_WAIT_SKEW_FALLBACK;
	*samples = 0;
	rc = sqlite3_bind_int(stmt, 1, STORE_WAIT_SKEW_SAMPLES);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(stmt, 2, STORE_WAIT_SKEW_MAX);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
		least = sqlite3_column_int64(stmt, 0);
		*seconds = least < 0 ? 0 : (int)least;
		*samples = sqlite3_column_int(stmt, 1);
	} else if (rc != SQLITE_ROW) {
		err = store_sqlite_fail(st, rc);
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return err;
}

enum otpbox_err
store_sqlite_wait_missed_get(struct store *base, int64_t wait_id,
                             struct store_wait_missed *out)
{
	struct store_sqlite *st = store_sqlite_of(base);
	sqlite3_stmt *stmt = st->wait->stmt[STORE_WAIT_MISSED];
	enum otpbox_err err = OTPBOX_OK;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = sqlite3_bind_int64(stmt, 1, wait_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		out->message_id = sqlite3_column_int64(stmt, 1);
		err = store_sqlite_wait_column_dup(stmt, 0, &out->reason);
		if (!err)
			err = store_sqlite_wait_column_dup(stmt, 2,
			                                   &out->filtered_by);
		if (!err)
			err = store_sqlite_wait_column_dup(stmt, 3,
			                                   &out->from_address);
	} else {
		err = rc == SQLITE_DONE ? OTPBOX_ERR_NOT_FOUND
		                        : store_sqlite_fail(st, rc);
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	if (err)
		store_wait_missed_free(out);
	return err;
}
