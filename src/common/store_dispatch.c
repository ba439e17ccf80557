/* SPDX-License-Identifier: MIT */
/* The fetch, wait and status functions of the store: each dispatches to
 * the operation of the handle's backend (store_backend_p.h). */
#include <stdlib.h>
#include <string.h>

#include "store_backend_p.h"

enum otpbox_err
store_fetch_folder_get(struct store *st, const char *account, const char *user,
                       const char *host, const char *folder,
                       struct store_fetch_folder *out)
{
	return st->backend->fetch_folder_get(st, account, user, host, folder,
	                                     out);
}

enum otpbox_err
store_fetch_insert(struct store *st, int64_t folder_id, int64_t uidvalidity,
                   const struct store_fetch_msg *msg, bool *stored)
{
	return st->backend->fetch_insert(st, folder_id, uidvalidity, msg,
	                                 stored);
}

enum otpbox_err
store_fetch_checkpoint(struct store *st, const struct store_fetch_folder *f,
                       int64_t synced_at)
{
	return st->backend->fetch_checkpoint(st, f, synced_at);
}

enum otpbox_err
store_fetch_purge(struct store *st, int64_t before, int64_t *deleted)
{
	return st->backend->fetch_purge(st, before, deleted);
}

enum otpbox_err
store_fetch_waiting(struct store *st, int64_t now, bool *waiting)
{
	return st->backend->fetch_waiting(st, now, waiting);
}

void
store_wait_retry_often(struct store *st)
{
	if (st->backend->wait_retry_often)
		st->backend->wait_retry_often(st);
}

enum otpbox_err
store_wait_begin(struct store *st, const struct store_wait_start *w,
                 int64_t *wait_id)
{
	return st->backend->wait_begin(st, w, wait_id);
}

enum otpbox_err
store_wait_find(struct store *st, const struct store_wait_query *q,
                int64_t *code_id)
{
	return st->backend->wait_find(st, q, code_id);
}

enum otpbox_err
store_wait_claim(struct store *st, int64_t wait_id,
                 const struct store_wait_query *q, const char *claimed_by,
                 int64_t now, struct store_wait_code *out)
{
	return st->backend->wait_claim(st, wait_id, q, claimed_by, now, out);
}

enum otpbox_err
store_wait_code_get(struct store *st, int64_t code_id,
                    struct store_wait_code *out)
{
	return st->backend->wait_code_get(st, code_id, out);
}

enum otpbox_err
store_wait_end(struct store *st, int64_t wait_id, const char *outcome,
               int64_t code_id, int64_t now)
{
	return st->backend->wait_end(st, wait_id, outcome, code_id, now);
}

enum otpbox_err
store_wait_skew(struct store *st, int *seconds, int *samples)
{
	return st->backend->wait_skew(st, seconds, samples);
}

enum otpbox_err
store_wait_missed_get(struct store *st, int64_t wait_id,
                      struct store_wait_missed *out)
{
	return st->backend->wait_missed_get(st, wait_id, out);
}

enum otpbox_err
store_status_beat(struct store *st, const struct store_status_beat *b,
                  int64_t now, bool *written)
{
	return st->backend->status_beat(st, b, now, written);
}

enum otpbox_err
store_status_rows(struct store *st, int64_t now, struct store_status_row **rows,
                  size_t *n)
{
	return st->backend->status_rows(st, now, rows, n);
}

enum otpbox_err
store_status_summary(struct store *st, int64_t now,
                     struct store_status_summary *out)
{
	return st->backend->status_summary(st, now, out);
}

enum otpbox_err
store_status_last_code(struct store *st, int64_t *at)
{
	return st->backend->status_last_code(st, at);
}

enum otpbox_err
store_status_clock_offset(struct store *st, const char *account, int64_t *out,
                          bool *known)
{
	return st->backend->status_clock_offset(st, account, out, known);
}

enum otpbox_err
store_status_headers(struct store *st, struct store_status_header *out,
                     size_t cap, size_t *n, int64_t *messages)
{
	return st->backend->status_headers(st, out, cap, n, messages);
}

const char *const store_status_reasons[STORE_STATUS_NREASONS] = {
    "claimed_by_other", "late", "no_code", "no_message"};

void
store_wait_code_free(struct store_wait_code *c)
{
	if (c == NULL)
		return;
	free(c->code);
	free(c->kind);
	free(c->address);
	free(c->claimed_by);
	free(c->subject);
	free(c->sender);
	free(c->account);
	free(c->folder);
	free(c->from_address);
	free(c->from_domain);
	memset(c, 0, sizeof(*c));
}

void
store_wait_missed_free(struct store_wait_missed *m)
{
	if (m == NULL)
		return;
	free(m->reason);
	free(m->filtered_by);
	free(m->from_address);
	memset(m, 0, sizeof(*m));
}

void
store_status_rows_free(struct store_status_row *rows, size_t n)
{
	size_t i;

	for (i = 0; rows && i < n; i++) {
		free(rows[i].account);
		free(rows[i].folder);
		free(rows[i].mode);
		free(rows[i].host);
		free(rows[i].error);
	}
	free(rows);
}
