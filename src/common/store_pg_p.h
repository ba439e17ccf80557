/* SPDX-License-Identifier: MIT */
/* The PostgreSQL backend's internals, shared by the store_pg*.c files;
 * nothing else includes this. */
#ifndef OTPBOX_STORE_PG_P_H
#define OTPBOX_STORE_PG_P_H

#include <libpq-fe.h>

#include "store_backend_p.h"

/* The NOTIFY channel on which a commit that inserted codes names their
 * addresses: the payload is the first STORE_PG_HASH_LEN hex digits of
 * sha256(lower(address)), so that waiters wake only for their own. */
#define STORE_PG_CHANNEL "otpbox"
#define STORE_PG_HASH_LEN 16
/* SQL for that payload, of the text expression X. */
#define STORE_PG_HASH(x)                                                       \
	"left(encode(sha256(convert_to(lower(" x "), 'UTF8')), 'hex'), 16)"

/* The first key of otpbox's advisory locks, as SQL text (the second is a
 * hash of the name, or 0). The schema's copy_of trigger uses
 * STORE_APPLICATION_ID itself. */
#define STORE_PG_LOCK_FETCH_KEY "1869901923"
#define STORE_PG_LOCK_MIGRATE_KEY "1869901924"

#define STORE_PG_MAX_ARGS 24

/* Statements prepared once per connection: the hot path of a wait. */
enum store_pg_stmt {
	STORE_PG_FIND = 0,
	STORE_PG_CLAIM,
	STORE_PG_CODE_GET,
	STORE_PG_WAIT_BEGIN,
	STORE_PG_WAIT_END,
};

struct store_pg {
	struct store base; /* first: a struct store * points here */
	PGconn *conn;
	char *conninfo; /* as given; may hold a password: never shown */
	char *display;  /* conninfo with any password redacted */
	int in_tx;      /* between begin and commit or rollback */
	int listening;  /* LISTEN was sent on this connection */
	char watch_hash[STORE_PG_HASH_LEN + 1]; /* "" before any watch */
	char *watch_address;                    /* the address it is of */
	unsigned prepared; /* bit i: statement i is prepared */
	int locks;         /* advisory locks taken, 0: none */
	int lock_lost;     /* a connection that held some was lost */
	char errmsg[512];
};

/* Query parameters in libpq's text form; NULL is SQL NULL. */
struct store_pg_args {
	const char *v[STORE_PG_MAX_ARGS];
	char num[STORE_PG_MAX_ARGS][24];
	int n;
};

static inline struct store_pg *
store_pg_of(const struct store *st)
{
	return (struct store_pg *)st;
}

void store_pg_arg_text(struct store_pg_args *a, const char *s);
void store_pg_arg_int(struct store_pg_args *a, int64_t x);

/*
 * Runs sql with args (NULL: none) on pg's connection. *res (NULL: not
 * wanted) gets the result, which the caller PQclear()s. A connection
 * found lost outside a transaction is opened again first. Errors:
 * OTPBOX_ERR_NET (the connection is lost), OTPBOX_ERR_BUSY (a
 * serialization failure or deadlock), OTPBOX_ERR_DB; the message is
 * recorded in pg->errmsg.
 */
enum otpbox_err store_pg_exec(struct store_pg *pg, const char *sql,
                              const struct store_pg_args *args, PGresult **res);
/* store_pg_exec() of a statement prepared on the connection at its first
 * use (and again after a reconnection); sql must always be the same for
 * which. */
enum otpbox_err store_pg_exec_stmt(struct store_pg *pg,
                                   enum store_pg_stmt which, const char *sql,
                                   const struct store_pg_args *args,
                                   PGresult **res);
/* The integer in row 0, column col of res (0 for NULL). */
int64_t store_pg_int(const PGresult *res, int row, int col);
/* A copy of a text value, NULL for SQL NULL; OTPBOX_ERR_NOMEM. */
enum otpbox_err store_pg_dup(const PGresult *res, int row, int col, char **out);

/* Opens the connection again after it was lost, and LISTENs again;
 * gives up at the monotonic time deadline_ms. */
enum otpbox_err store_pg_reconnect(struct store_pg *pg, int64_t deadline_ms);

/* The operations of store_pg_backend (store_backend_p.h). */
enum otpbox_err store_pg_begin(struct store *st);
enum otpbox_err store_pg_commit(struct store *st);
void store_pg_rollback(struct store *st);
enum otpbox_err store_pg_fetch_folder_get(struct store *st, const char *account,
                                          const char *user, const char *host,
                                          const char *folder,
                                          struct store_fetch_folder *out);
enum otpbox_err store_pg_fetch_insert(struct store *st, int64_t folder_id,
                                      int64_t uidvalidity,
                                      const struct store_fetch_msg *msg,
                                      bool *stored);
enum otpbox_err store_pg_fetch_checkpoint(struct store *st,
                                          const struct store_fetch_folder *f,
                                          int64_t synced_at);
enum otpbox_err store_pg_fetch_purge(struct store *st, int64_t before,
                                     int64_t *deleted);
enum otpbox_err store_pg_fetch_waiting(struct store *st, int64_t now,
                                       bool *waiting);
enum otpbox_err store_pg_wait_begin(struct store *st,
                                    const struct store_wait_start *w,
                                    int64_t *wait_id);
enum otpbox_err store_pg_wait_find(struct store *st,
                                   const struct store_wait_query *q,
                                   int64_t *code_id);
enum otpbox_err store_pg_wait_claim(struct store *st, int64_t wait_id,
                                    const struct store_wait_query *q,
                                    const char *claimed_by, int64_t now,
                                    struct store_wait_code *out);
enum otpbox_err store_pg_wait_code_get(struct store *st, int64_t code_id,
                                       struct store_wait_code *out);
enum otpbox_err store_pg_wait_end(struct store *st, int64_t wait_id,
                                  const char *outcome, int64_t code_id,
                                  int64_t now);
enum otpbox_err store_pg_wait_skew(struct store *st, int *seconds,
                                   int *samples);
enum otpbox_err store_pg_wait_missed_get(struct store *st, int64_t wait_id,
                                         struct store_wait_missed *out);
enum otpbox_err store_pg_changes_watch(struct store *st, const char *address,
                                       bool *may_have_changed);
int store_pg_changes_interval_ms(const struct store *st);
enum otpbox_err store_pg_changes_sleep(struct store *st, int timeout_ms,
                                       int cancel_fd,
                                       enum store_changes_event *ev);
enum otpbox_err store_pg_status_beat(struct store *st,
                                     const struct store_status_beat *b,
                                     int64_t now, bool *written);
enum otpbox_err store_pg_status_rows(struct store *st, int64_t now,
                                     struct store_status_row **rows, size_t *n);
enum otpbox_err store_pg_status_summary(struct store *st, int64_t now,
                                        struct store_status_summary *out);
enum otpbox_err store_pg_status_last_code(struct store *st, int64_t *at);
enum otpbox_err store_pg_status_clock_offset(struct store *st,
                                             const char *account, int64_t *out,
                                             bool *known);
enum otpbox_err store_pg_status_headers(struct store *st,
                                        struct store_status_header *out,
                                        size_t cap, size_t *n,
                                        int64_t *messages);

#endif
