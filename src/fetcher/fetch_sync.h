/* SPDX-License-Identifier: MIT */
/* One folder's incremental sync: EXAMINE, pipelined UID FETCH batches,
 * each batch and its checkpoint committed together. */
#ifndef OTPBOX_FETCH_SYNC_H
#define OTPBOX_FETCH_SYNC_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imap_client.h"
#include "message.h"
#include "otpbox_err.h"
#include "store_fetch.h"

/* UID FETCH commands kept in flight at once. */
#define FETCH_SYNC_PIPELINE 4
/* A message shorter than this (or max_bytes) comes whole with the first
 * FETCH; a longer one is fetched by its header and text parts only. */
#define FETCH_SYNC_WHOLE_MAX 65536

/* What a sync needs; every pointer is borrowed. */
struct fetch_sync_ctx {
	struct store *st;
	struct message_ctx *mctx;
	const char *account; /* account name (the accounts row) */
	const char *user;
	const char *host;
	size_t max_bytes; /* bytes of one message analysed, at most */
	unsigned batch;   /* UIDs per UID FETCH */
	/* Set by a signal handler: stop after the batch being committed. */
	volatile sig_atomic_t *stop;
};

/* Counts for the one log line per sync. */
struct fetch_sync_stats {
	unsigned fetched;    /* FETCH responses with a body */
	unsigned stored;     /* new rows in messages */
	unsigned duplicates; /* already stored (same UID, or dedupe) */
	unsigned errors;     /* stored with a parse error */
	unsigned truncated;  /* cut: a part or the header over its share */
	unsigned partial;    /* fetched by parts (large messages) */
	unsigned codes;      /* messages with a code or a link */
};

/* A folder as the sync knows it between calls (the selected one). */
struct fetch_sync_folder {
	const char *name;
	struct store_fetch_folder cp; /* the stored checkpoint */
};

/*
 * EXAMINEs f->name and fetches every message above the checkpoint; a
 * changed UIDVALIDITY restarts from UID 1 (the store drops messages it
 * already has). Nothing is fetched when UIDNEXT says nothing is new.
 * OTPBOX_ERR_INTERRUPTED when *ctx->stop ended it between batches (what
 * was committed stays). Other errors: the session's (NET, PROTOCOL...),
 * the store's. errbuf says what happened.
 */
enum otpbox_err fetch_sync_folder(const struct fetch_sync_ctx *ctx,
                                  struct imap_client *cl,
                                  struct fetch_sync_folder *f,
                                  struct fetch_sync_stats *stats, char *errbuf,
                                  size_t errlen);

/*
 * For the folder selected by fetch_sync_folder(): fetches UIDs above the
 * checkpoint with "last+1:*" (after an EXISTS). Errors as above.
 */
enum otpbox_err fetch_sync_new(const struct fetch_sync_ctx *ctx,
                               struct imap_client *cl,
                               struct fetch_sync_folder *f,
                               struct fetch_sync_stats *stats, char *errbuf,
                               size_t errlen);

#endif
