/* SPDX-License-Identifier: MIT */
/* OAuth2 access tokens for SASL XOAUTH2: obtained, cached and renewed. */
#ifndef OTPBOX_OAUTH2_H
#define OTPBOX_OAUTH2_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "otpbox_err.h"

/* Scopes Exchange Online wants for IMAP, per flow. */
#define OAUTH2_SCOPE_APP "https://outlook.office365.com/.default"
#define OAUTH2_SCOPE_DELEGATED                                                 \
	"https://outlook.office.com/IMAP.AccessAsUser.All offline_access"
/* A token is replaced this long before it lapses (at most a fifth of its
 * lifetime), so a --watch connection is renewed while the old one works. */
#define OAUTH2_RENEW_MARGIN 300
/* How long an access_token_command token is used when it does not say
 * (it is not a JWT with an exp claim). */
#define OAUTH2_COMMAND_TTL 600
/* When renewal fails while the cached token still works, it is used on
 * and renewal retried after this many seconds (or the Retry-After). */
#define OAUTH2_RETRY_SECONDS 30
/* Cap on a token endpoint reply; Microsoft's are a few kilobytes. */
#define OAUTH2_REPLY_MAX (64 * 1024)
/* Upper bound on one request to the token endpoint, in seconds. */
#define OAUTH2_HTTP_TIMEOUT 30

/* The token source of one account. */
struct oauth2;

/* What a successful token endpoint reply carried. Strings are owned by the
 * struct; oauth2_reply_clear() wipes and frees them. */
struct oauth2_reply {
	char *access_token;
	char *refresh_token; /* NULL when the endpoint issued none */
	long expires_in;     /* seconds; 0 when the reply did not say */
};

/*
 * Creates the token source for conf (borrowed: it must outlive *out). No
 * network traffic yet. OTPBOX_ERR_CONFIG when the endpoint cannot be
 * built (errbuf says why).
 */
enum otpbox_err oauth2_new(const struct conf_oauth2 *conf, struct oauth2 **out,
                           char *errbuf, size_t errlen);
/* Wipes every token and secret held, then frees o. NULL is fine. */
void oauth2_free(struct oauth2 *o);

/*
 * Sets *token to an access token valid now, fetching one (client secret
 * and refresh token read at this moment, a rotated refresh token saved)
 * when none is cached or the cached one is due for renewal. *token
 * belongs to o and lives until the next call on o. When renewal fails
 * but the cached token still works for OAUTH2_RETRY_SECONDS, that token
 * is returned with OTPBOX_OK and a warning (oauth2_warning_take()).
 * Errors, with oauth2_error() saying what to do:
 *   OTPBOX_ERR_TOKEN    the endpoint refused us: fix the configuration or
 *                       the app registration (a refused sign-in)
 *   OTPBOX_ERR_NET      endpoint unreachable, failing or throttling: try
 *                       again, not before oauth2_retry_after() seconds
 *   OTPBOX_ERR_TLS      the endpoint's certificate was not trusted
 *   OTPBOX_ERR_SECRET   the client secret or refresh token is unreadable
 *   OTPBOX_ERR_PROTOCOL the reply was not a token reply
 *   OTPBOX_ERR_CONFIG   the endpoint URL or ca_file is unusable
 */
enum otpbox_err oauth2_token_get(struct oauth2 *o, time_t now,
                                 const char **token);
/* The server refused the cached token: forget it, so that the next
 * oauth2_token_get() obtains a new one. */
void oauth2_token_reject(struct oauth2 *o);
/* When the cached token should be replaced (0 when none is cached). */
time_t oauth2_renew_at(const struct oauth2 *o);
/* Changes whenever a new token was obtained: a session that logged in
 * with serial s runs on an old token once this differs from s. */
unsigned oauth2_token_serial(const struct oauth2 *o);
/* The last error, phrased for the user; never contains a secret. */
const char *oauth2_error(const struct oauth2 *o);
/* Copies into buf a note about a problem that did not stop us (a rotated
 * refresh token that could not be saved, a renewal that failed while the
 * old token still works) and clears it; false if none. */
bool oauth2_warning_take(struct oauth2 *o, char *buf, size_t len);
/* Seconds the endpoint asked us to wait after the last error (0: none). */
long oauth2_retry_after(const struct oauth2 *o);

/*
 * Writes, for an IMAP server's refusal of our XOAUTH2 login (its reply
 * text, e.g. "AUTHENTICATE failed."), the likely cause and the fix into
 * buf, looking at the refused token's claims where they tell more.
 * *backoff is set to the seconds Microsoft asked us to wait, or 0.
 */
void oauth2_refusal_explain(const struct oauth2 *o, const char *server_text,
                            char *buf, size_t len, long *backoff);

/* The pure parts, exposed for tests. */

/* Replaces "{tenant}" in tmpl. The tenant must be a GUID or domain name
 * (letters, digits, '.', '-'). *out is the caller's to free. */
enum otpbox_err oauth2_endpoint_fmt(const char *tmpl, const char *tenant,
                                    char **out);
/* URL-encodes NULL-terminated name, value, name, value... pairs as an
 * application/x-www-form-urlencoded body. *out: wipe, then free. */
enum otpbox_err oauth2_form_fmt(const char *const *pairs, char **out);
/*
 * Reads a token endpoint reply (HTTP status and body). On success fills r.
 * Otherwise errbuf explains it: OTPBOX_ERR_TOKEN for a refusal,
 * OTPBOX_ERR_NET for a temporary failure (5xx, 429,
 * temporarily_unavailable), OTPBOX_ERR_PROTOCOL for a malformed reply.
 */
enum otpbox_err oauth2_reply_parse(long status, const char *body, size_t len,
                                   struct oauth2_reply *r, char *errbuf,
                                   size_t errlen);
/* Wipes and frees r's strings; the struct itself may be reused. */
void oauth2_reply_clear(struct oauth2_reply *r);
/*
 * Replaces the refresh token file at path with token, atomically: a
 * temporary file in the same directory, mode 0600, written, synced and
 * renamed over path, then the directory synced.
 */
enum otpbox_err oauth2_refresh_file_write(const char *path, const char *token,
                                          char *errbuf, size_t errlen);
#endif
