/* SPDX-License-Identifier: MIT */
/* One configured account as the fetcher uses it: a logged-in session
 * and a sync of all its folders, with errors mapped to exit statuses. */
#ifndef OTPBOX_FETCH_ACCOUNT_H
#define OTPBOX_FETCH_ACCOUNT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "fetch_sync.h"
#include "imap_client.h"
#include "message.h"
#include "oauth2.h"
#include "otpbox_err.h"
#include "store.h"

/* Everything one account's sync needs; built by fetch_account_new(). */
struct fetch_account {
	const struct conf *conf;
	const struct conf_account *acct;
	struct store *st;
	struct message_ctx *mctx;
	struct fetch_sync_ctx sync;
	struct fetch_sync_folder *folders; /* one per acct->folders */
	size_t nfolders;
	struct oauth2 *oauth2; /* the token source when auth = "xoauth2" */
	unsigned token_serial; /* of the token the last login used */
};

/*
 * Prepares an account: opens no connection yet. st and conf are borrowed.
 * stop is the flag a signal handler sets. OTPBOX_ERR_CONFIG with errbuf
 * for a bad custom pattern.
 */
enum otpbox_err fetch_account_new(const struct conf *conf, size_t index,
                                  struct store *st, volatile sig_atomic_t *stop,
                                  struct fetch_account **out, char *errbuf,
                                  size_t errlen);
void fetch_account_free(struct fetch_account *fa);

/*
 * Connects and logs in. OTPBOX_ERR_AUTH when the server refused the
 * credentials, OTPBOX_ERR_CONFIG / OTPBOX_ERR_SECRET for local problems,
 * OTPBOX_ERR_NET / OTPBOX_ERR_TLS / OTPBOX_ERR_PROTOCOL otherwise.
 */
enum otpbox_err fetch_account_connect(struct fetch_account *fa,
                                      struct imap_client **out, char *errbuf,
                                      size_t errlen);

/*
 * Syncs every folder, the first one last (so it stays selected for IDLE),
 * logging one line per folder. Errors as fetch_sync_folder(); a folder the
 * server does not have is logged and skipped.
 */
enum otpbox_err fetch_account_sync_all(struct fetch_account *fa,
                                       struct imap_client *cl, char *errbuf,
                                       size_t errlen);

/* Syncs what is new in the selected (first) folder after an EXISTS. */
enum otpbox_err fetch_account_sync_new(struct fetch_account *fa,
                                       struct imap_client *cl, char *errbuf,
                                       size_t errlen);

/* Deletes messages older than retention_days (0 keeps everything). */
enum otpbox_err fetch_account_retention(const struct conf *conf,
                                        struct store *st);

/* When the access token of the last login must be replaced: a --watch
 * session calls fetch_account_renew() then (0: never, password login). */
time_t fetch_account_renew_at(const struct fetch_account *fa);
/*
 * Obtains the next access token ahead of its need. *fresh says whether a
 * new one came (reconnect with it) or the old one is kept for now (the
 * endpoint failed; a warning was logged). Errors as for connecting.
 */
enum otpbox_err fetch_account_renew(struct fetch_account *fa, bool *fresh,
                                    char *errbuf, size_t errlen);

/*
 * Called with the message of an error that ended a session. When the
 * server ended it because the access token expired (Exchange's "BYE
 * Session invalidated - AccessTokenExpired"), the token is dropped so the
 * next login asks for a new one instead of being refused with the old.
 */
void fetch_account_session_ended(struct fetch_account *fa, const char *why);

/* The sysexits.h status for an error (75, 77, 78, ...). */
int fetch_account_exit_status(enum otpbox_err err);

#endif
