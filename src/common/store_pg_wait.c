/* SPDX-License-Identifier: MIT */
/* The wait side for PostgreSQL: recording waits, finding and claiming codes
 * exactly once across hosts (FOR NO KEY UPDATE SKIP LOCKED), and sleeping
 * on LISTEN until a commit names the watched address. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "store_pg_p.h"

/* A claim that found its codes locked by another claimer tries again
 * after about this long, for at most STORE_PG_CLAIM_PATIENCE_MS. */
#define STORE_PG_CLAIM_RETRY_US 2000
#define STORE_PG_CLAIM_PATIENCE_MS 5000

/*
 * The parameters of a look: $1 address, $2 want, $3 window start, $4 JSON
 * array of sender patterns, $5 Subject text, $6 authenticated only; the
 * claim adds $7 now, $8 claimed_by, $9 wait_id. The rules are SQLite's
 * (store_sqlite_wait.c) and docs/audit.md's PostgreSQL statement: the
 * newest unclaimed code in the window passing the filters, unless a copy
 * of its message or a newer message's code of its kind was claimed.
 */
#define STORE_PG_ARGS                                                          \
	"WITH a AS (SELECT $1::citext AS address, $2::text AS want,"           \
	" $3::bigint AS window_start, $4::json AS senders,"                    \
	" $5::text AS subject, coalesce($6::integer, 0) AS authenticated"

#define STORE_PG_PICK                                                          \
	" pick AS (SELECT c.id, c.address, c.kind, m.copy_of,"                 \
	"  least(c.received_at, m.fetched_at) AS t"                            \
	"  FROM a JOIN codes c ON c.address = a.address"                       \
	"  JOIN messages m ON m.id = c.message_id"                             \
	"  WHERE c.claimed_at IS NULL"                                         \
	"   AND (a.want = 'any' OR c.kind = a.want)"                           \
	"   AND c.received_at >= a.window_start"                               \
	"   AND (a.senders IS NULL OR EXISTS (SELECT 1"                        \
	"     FROM json_array_elements_text(a.senders) p(pattern)"             \
	"     WHERE otpbox_sender_match(p.pattern, m.from_address,"            \
	"                               m.from_domain)))"                      \
	"   AND (a.subject IS NULL OR strpos(lower(coalesce(m.subject, '')),"  \
	"        lower(a.subject)) > 0)"                                       \
	"   AND (a.authenticated = 0 OR m.authenticated = 1)"                  \
	"   AND NOT EXISTS (SELECT 1 FROM messages xm JOIN codes x"            \
	"     ON x.message_id = xm.id WHERE xm.copy_of = m.copy_of"            \
	"     AND x.address = c.address AND (a.want = 'any' OR x.kind = "      \
	"c.kind)"                                                              \
	"     AND x.claimed_at IS NOT NULL)"                                   \
	"   AND NOT EXISTS (SELECT 1 FROM codes n"                             \
	"     JOIN messages nm ON nm.id = n.message_id"                        \
	"     WHERE n.address = c.address"                                     \
	"     AND (a.want = 'any' OR n.kind = c.kind)"                         \
	"     AND n.claimed_at IS NOT NULL"                                    \
	"     AND n.received_at >= least(c.received_at, m.fetched_at)"         \
	"     AND nm.fetched_at >= least(c.received_at, m.fetched_at)"         \
	"     AND (least(n.received_at, nm.fetched_at)"                        \
	"          > least(c.received_at, m.fetched_at)"                       \
	"          OR nm.copy_of > m.copy_of))"                                \
	"  ORDER BY c.received_at DESC, c.id DESC LIMIT 1)"

static const char store_pg_find_sql[] =
    STORE_PG_ARGS ")," STORE_PG_PICK " SELECT id FROM pick";

/* The claim locks the code it picks and every code whose claim decides
 * against it (its copies, the newer codes of the address), without
 * waiting, and claims only when it holds them all and none is claimed. */
static const char store_pg_claim_sql[] =
    STORE_PG_ARGS ", $7::bigint AS now, $8::text AS me,"
                  " $9::bigint AS wait_id)," STORE_PG_PICK ","
                  " related AS MATERIALIZED ("
                  "  SELECT n.id, n.received_at, nm.fetched_at, nm.copy_of"
                  "  FROM pick p CROSS JOIN a"
                  "  JOIN codes n ON n.address = p.address"
                  "   AND (a.want = 'any' OR n.kind = p.kind)"
                  "   AND n.received_at >= p.t"
                  "  JOIN messages nm ON nm.id = n.message_id"
                  "  WHERE nm.fetched_at >= p.t"
                  "  UNION"
                  "  SELECT n.id, n.received_at, nm.fetched_at, nm.copy_of"
                  "  FROM pick p CROSS JOIN a"
                  "  JOIN messages nm ON nm.copy_of = p.copy_of"
                  "  JOIN codes n ON n.message_id = nm.id"
                  "   AND n.address = p.address"
                  "   AND (a.want = 'any' OR n.kind = p.kind)),"
                  " locked AS MATERIALIZED ("
                  "  SELECT n.id, n.claimed_at FROM codes n"
                  "  WHERE n.id IN (SELECT id FROM related)"
                  "  FOR NO KEY UPDATE OF n SKIP LOCKED),"
                  " ok AS (SELECT p.id FROM pick p"
                  "  WHERE (SELECT count(*) FROM locked)"
                  "        = (SELECT count(*) FROM related)"
                  "   AND NOT EXISTS (SELECT 1 FROM locked l"
                  "    JOIN related r ON r.id = l.id"
                  "    WHERE l.claimed_at IS NOT NULL"
                  "     AND (r.copy_of = p.copy_of"
                  "      OR least(r.received_at, r.fetched_at) > p.t"
                  "      OR r.copy_of > p.copy_of)))"
                  " UPDATE codes u SET claimed_at = a.now,"
                  " claimed_by = a.me, wait_id = a.wait_id"
                  " FROM ok, a WHERE u.id = ok.id AND u.claimed_at IS NULL"
                  " RETURNING u.id";

static void
store_pg_wait_args(struct store_pg_args *a, const struct store_wait_query *q)
{
	store_pg_arg_text(a, q->address);
	store_pg_arg_text(a, q->want);
	store_pg_arg_int(a, q->window_start);
	store_pg_arg_text(a, q->from_json);
	store_pg_arg_text(a, q->subject);
	store_pg_arg_int(a, q->authenticated);
}

enum otpbox_err
store_pg_wait_begin(struct store *st, const struct store_wait_start *w,
                    int64_t *wait_id)
{
	struct store_pg_args a = {0};
	enum otpbox_err err;
	PGresult *res;

	store_pg_arg_text(&a, w->query->address);
	store_pg_arg_text(&a, w->worker);
	store_pg_arg_int(&a, w->pid);
	store_pg_arg_text(&a, w->query->want);
	store_pg_arg_int(&a, w->query->window_start);
	store_pg_arg_int(&a, w->started_at);
	store_pg_arg_int(&a, w->deadline);
	store_pg_arg_text(&a, w->query->from_json);
	store_pg_arg_text(&a, w->query->subject);
	store_pg_arg_int(&a, w->query->authenticated);
	err = store_pg_exec_stmt(
	    store_pg_of(st), STORE_PG_WAIT_BEGIN,
	    "INSERT INTO waits (address, worker, pid, want,"
	    " window_start, started_at, deadline, from_filter,"
	    " subject_filter, require_authenticated)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
	    " RETURNING id",
	    &a, &res);
	if (err)
		return err;
	*wait_id = store_pg_int(res, 0, 0);
	PQclear(res);
	return OTPBOX_OK;
}

enum otpbox_err
store_pg_wait_find(struct store *st, const struct store_wait_query *q,
                   int64_t *code_id)
{
	struct store_pg_args a = {0};
	enum otpbox_err err;
	PGresult *res;

	store_pg_wait_args(&a, q);
	err = store_pg_exec_stmt(store_pg_of(st), STORE_PG_FIND,
	                         store_pg_find_sql, &a, &res);
	if (err)
		return err;
	if (PQntuples(res) == 0)
		err = OTPBOX_ERR_NOT_FOUND;
	else
		*code_id = store_pg_int(res, 0, 0);
	PQclear(res);
	return err;
}

/* One claim transaction: the UPDATE, the end of the wait and the code's
 * row, committed before anything is handed out. *code_id is 0 when the
 * statement claimed nothing (then nothing is written). */
static enum otpbox_err
store_pg_wait_claim_once(struct store_pg *pg, int64_t wait_id,
                         const struct store_wait_query *q,
                         const char *claimed_by, int64_t now,
                         struct store_wait_code *out, int64_t *code_id)
{
	struct store_pg_args a = {0};
	enum otpbox_err err;
	PGresult *res = NULL;

	*code_id = 0;
	store_pg_wait_args(&a, q);
	store_pg_arg_int(&a, now);
	store_pg_arg_text(&a, claimed_by);
	if (wait_id)
		store_pg_arg_int(&a, wait_id);
	else
		store_pg_arg_text(&a, NULL);
	if ((err = store_pg_begin(&pg->base)))
		return err;
	err = store_pg_exec_stmt(pg, STORE_PG_CLAIM, store_pg_claim_sql, &a,
	                         &res);
	if (!err && PQntuples(res) == 1)
		*code_id = store_pg_int(res, 0, 0);
	PQclear(res);
	if (!err && *code_id && wait_id)
		err = store_pg_wait_end(&pg->base, wait_id, STORE_WAIT_CLAIMED,
		                        *code_id, now);
	if (!err && *code_id)
		err = store_pg_wait_code_get(&pg->base, *code_id, out);
	if (!err && *code_id)
		err = store_pg_commit(&pg->base);
	if (err || *code_id == 0) {
		store_pg_rollback(&pg->base);
		store_wait_code_free(out);
	}
	return err;
}

enum otpbox_err
store_pg_wait_claim(struct store *st, int64_t wait_id,
                    const struct store_wait_query *q, const char *claimed_by,
                    int64_t now, struct store_wait_code *out)
{
	struct store_pg *pg = store_pg_of(st);
	int64_t give_up = clock_mono_ms() + STORE_PG_CLAIM_PATIENCE_MS;
	struct timespec pause = {0, STORE_PG_CLAIM_RETRY_US * 1000L};
	enum otpbox_err err;
	int64_t code_id, seen;

	memset(out, 0, sizeof(*out));
	for (;;) {
		err = store_pg_wait_claim_once(pg, wait_id, q, claimed_by, now,
		                               out, &code_id);
		if (err || code_id)
			return err;
		/* Nothing claimed: either nothing is left, or another
		 * claimer holds the codes this moment and may yet roll
		 * back; only the first ends the look. */
		err = store_pg_wait_find(st, q, &seen);
		if (err || clock_mono_ms() >= give_up)
			return err ? err : OTPBOX_ERR_NOT_FOUND;
		nanosleep(&pause, NULL);
	}
}

static enum otpbox_err
store_pg_wait_code_read(const PGresult *res, struct store_wait_code *c)
{
	char **text[] = {&c->code,       &c->kind,    &c->address,
	                 &c->claimed_by, &c->subject, &c->sender,
	                 &c->account,    &c->folder,  &c->from_address,
	                 &c->from_domain};
	static const int cols[] = {2, 3, 4, 8, 9, 10, 11, 12, 14, 15};
	enum otpbox_err err = OTPBOX_OK;
	size_t i;

	c->code_id = store_pg_int(res, 0, 0);
	c->message_id = store_pg_int(res, 0, 1);
	c->received_at = store_pg_int(res, 0, 5);
	c->fetched_at = store_pg_int(res, 0, 6);
	c->claimed_at = store_pg_int(res, 0, 7);
	c->uid = store_pg_int(res, 0, 13);
	c->authenticated = store_pg_int(res, 0, 16) != 0;
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]) && !err; i++)
		err = store_pg_dup(res, 0, cols[i], text[i]);
	return err;
}

enum otpbox_err
store_pg_wait_code_get(struct store *st, int64_t code_id,
                       struct store_wait_code *out)
{
	struct store_pg_args a = {0};
	enum otpbox_err err;
	PGresult *res;

	memset(out, 0, sizeof(*out));
	store_pg_arg_int(&a, code_id);
	err = store_pg_exec_stmt(
	    store_pg_of(st), STORE_PG_CODE_GET,
	    "SELECT c.id, c.message_id, c.code, c.kind, c.address,"
	    " c.received_at, m.fetched_at, c.claimed_at, c.claimed_by,"
	    " m.subject, m.sender, a.name, f.name, m.uid, m.from_address,"
	    " m.from_domain, m.authenticated"
	    " FROM codes c JOIN messages m ON m.id = c.message_id"
	    " LEFT JOIN folders f ON f.id = m.folder_id"
	    " LEFT JOIN accounts a ON a.id = f.account_id WHERE c.id = $1",
	    &a, &res);
	if (err)
		return err;
	if (PQntuples(res) == 0)
		err = OTPBOX_ERR_NOT_FOUND;
	else
		err = store_pg_wait_code_read(res, out);
	PQclear(res);
	if (err)
		store_wait_code_free(out);
	return err;
}

enum otpbox_err
store_pg_wait_end(struct store *st, int64_t wait_id, const char *outcome,
                  int64_t code_id, int64_t now)
{
	struct store_pg_args a = {0};

	store_pg_arg_int(&a, wait_id);
	store_pg_arg_int(&a, now);
	store_pg_arg_text(&a, outcome);
	if (code_id)
		store_pg_arg_int(&a, code_id);
	else
		store_pg_arg_text(&a, NULL);
	return store_pg_exec_stmt(
	    store_pg_of(st), STORE_PG_WAIT_END,
	    "UPDATE waits SET ended_at = $2, outcome = $3,"
	    " code_id = $4 WHERE id = $1",
	    &a, NULL);
}

enum otpbox_err
store_pg_wait_skew(struct store *st, int *seconds, int *samples)
{
	struct store_pg_args a = {0};
	enum otpbox_err err;
	PGresult *res;
	int64_t least;

	*seconds = STORE_WAIT_SKEW_FALLBACK;
	*samples = 0;
	store_pg_arg_int(&a, STORE_WAIT_SKEW_SAMPLES);
	store_pg_arg_int(&a, STORE_WAIT_SKEW_MAX);
	err = store_pg_exec(store_pg_of(st),
	                    "SELECT min(d), count(d) FROM (SELECT fetched_at"
	                    " - received_at AS d FROM messages"
	                    " ORDER BY id DESC LIMIT $1) s WHERE d <= $2",
	                    &a, &res);
	if (err)
		return err;
	if (!PQgetisnull(res, 0, 0)) {
		least = store_pg_int(res, 0, 0);
		*seconds = least < 0 ? 0 : (int)least;
		*samples = (int)store_pg_int(res, 0, 1);
	}
	PQclear(res);
	return OTPBOX_OK;
}

enum otpbox_err
store_pg_wait_missed_get(struct store *st, int64_t wait_id,
                         struct store_wait_missed *out)
{
	struct store_pg_args a = {0};
	enum otpbox_err err;
	PGresult *res;

	memset(out, 0, sizeof(*out));
	store_pg_arg_int(&a, wait_id);
	err = store_pg_exec(store_pg_of(st),
	                    "SELECT o.reason, coalesce(o.message_id, 0),"
	                    " o.filtered_by, m.from_address FROM missed_otps o"
	                    " LEFT JOIN messages m ON m.id = o.message_id"
	                    " WHERE o.wait_id = $1",
	                    &a, &res);
	if (err)
		return err;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return OTPBOX_ERR_NOT_FOUND;
	}
	out->message_id = store_pg_int(res, 0, 1);
	err = store_pg_dup(res, 0, 0, &out->reason);
	if (!err)
		err = store_pg_dup(res, 0, 2, &out->filtered_by);
	if (!err)
		err = store_pg_dup(res, 0, 3, &out->from_address);
	PQclear(res);
	if (err)
		store_wait_missed_free(out);
	return err;
}
