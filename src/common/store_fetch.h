/* SPDX-License-Identifier: MIT */
/* The store's API for the fetcher: folder checkpoints, storing a fetched
 * message with its recipients, candidates and codes, retention, and whether
 * a bot is waiting right now. Open the store with store_open() first. */
#ifndef OTPBOX_STORE_FETCH_H
#define OTPBOX_STORE_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "authres.h"
#include "store.h"

/* A waits row older than this no longer counts as someone waiting: a bot
 * that crashed mid-wait must not keep the fast path on for ever. */
#define STORE_FETCH_WAIT_STALE_SECONDS 900

/* The sync checkpoint of one account and folder. */
struct store_fetch_folder {
	int64_t id;
	int64_t uidvalidity; /* 0 when never synced */
	int64_t last_uid;    /* every UID <= last_uid is stored */
	int64_t uidnext; /* the server's UIDNEXT at the last sync, 0 unknown */
};

struct store_fetch_rcpt {
	const char *address;
	const char *header; /* the header that named it */
};

struct store_fetch_cand {
	const char *kind; /* "code" or "link" */
	const char *value;
	double score;
	bool chosen;
	const char *reason;
};

/* One fetched message. Strings may be NULL except content_hash. Borrowed:
 * the store copies what it keeps. */
struct store_fetch_msg {
	int64_t uid;
	const char *message_id;
	const char *content_hash; /* hex SHA-256 of the fetched bytes */
	int64_t received_at;      /* INTERNALDATE */
	int64_t fetched_at;
	const char *sender;
	const char *subject;
	int64_t size; /* RFC822.SIZE */
	bool truncated;
	const char *parse_error; /* non-NULL: stored with status 'error' */
	const struct store_fetch_rcpt *rcpts;
	size_t nrcpts;
	const struct store_fetch_cand *cands;
	size_t ncands;
	const char *code; /* the chosen code, or NULL */
	const char *link; /* the chosen link, or NULL */
	/* The sender facts (NULL: unknown, stored as not authenticated). */
	const struct authres_facts *auth;
	/* Names the message in every folder (message_info.copy_key). */
	const char *copy_key;
	/* Parts of a large message that were not fetched, for humans;
	 * NULL: nothing was left out. */
	const char *skipped;
};

/*
 * Makes sure the account and folder rows exist (and the account's user and
 * host are current) and reads the folder's checkpoint into *out. Writes,
 * in its own transaction, only when something was missing or changed:
 * call it outside a transaction.
 */
enum otpbox_err store_fetch_folder_get(struct store *st, const char *account,
                                       const char *user, const char *host,
                                       const char *folder,
                                       struct store_fetch_folder *out);

/*
 * Stores msg for folder_id under uidvalidity, inside the caller's
 * transaction. *stored is false when the message was already there: the
 * same UID, or (after a UIDVALIDITY change) the same Message-ID and content
 * hash under an earlier UIDVALIDITY.
 */
enum otpbox_err store_fetch_insert(struct store *st, int64_t folder_id,
                                   int64_t uidvalidity,
                                   const struct store_fetch_msg *msg,
                                   bool *stored);

/* Moves the checkpoint; call in the transaction that stored the batch. */
enum otpbox_err store_fetch_checkpoint(struct store *st,
                                       const struct store_fetch_folder *f,
                                       int64_t synced_at);

/* Deletes messages received before `before` (with their recipients,
 * candidates and codes); *deleted gets the count. Own transaction. */
enum otpbox_err store_fetch_purge(struct store *st, int64_t before,
                                  int64_t *deleted);

/* *waiting is true when some bot has an open wait started after
 * now - STORE_FETCH_WAIT_STALE_SECONDS. A short read, no transaction kept. */
enum otpbox_err store_fetch_waiting(struct store *st, int64_t now,
                                    bool *waiting);

#endif
