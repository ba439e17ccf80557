/* SPDX-License-Identifier: MIT */
/* An IMAP client session for the fetcher: greeting, capabilities,
 * STARTTLS, login (password or XOAUTH2), tagged commands, EXAMINE, IDLE
 * and NOOP, on top of imap_conn (bytes) and imap_parse (responses). */
#ifndef OTPBOX_IMAP_CLIENT_H
#define OTPBOX_IMAP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imap_conn.h"
#include "imap_parse.h"
#include "otpbox_err.h"

/* Longest tag this client makes ("T" + up to 10 digits). */
#define IMAP_CLIENT_TAG_MAX 16

struct imap_client_opts {
	struct imap_conn_opts conn; /* conn.tls: LATER means STARTTLS */
	size_t max_literal;         /* largest literal accepted (a body) */
};

/* What the server said about the selected mailbox, updated from every
 * untagged response read. */
struct imap_client_mailbox {
	uint32_t uidvalidity;
	uint32_t uidnext; /* 0 when the server did not say */
	uint32_t exists;
	bool
	    changed; /* EXISTS or EXPUNGE arrived since the caller cleared it */
};

struct imap_client;

/*
 * Connects, reads the greeting, upgrades with STARTTLS when asked (a server
 * that does not offer it is refused: OTPBOX_ERR_TLS) and learns the
 * capabilities: from the greeting, else by asking CAPABILITY (before
 * STARTTLS too: Exchange's greeting lists none), and again after TLS. Errors as
 * imap_conn_open(), OTPBOX_ERR_PROTOCOL for a greeting that is not OK,
 * OTPBOX_ERR_NET for BYE. errbuf says what to do.
 */
enum otpbox_err imap_client_open(const struct imap_client_opts *opts,
                                 struct imap_client **out, char *errbuf,
                                 size_t errlen);
/* Sends LOGOUT without waiting long, closes, frees. Accepts NULL. */
void imap_client_free(struct imap_client *cl);

/*
 * Logs in with a password: AUTHENTICATE PLAIN (SASL-IR when offered), else
 * LOGIN. The secret is never logged and is wiped from our buffers. The
 * capabilities are asked again unless the login's reply carried them.
 * OTPBOX_ERR_AUTH when the server refused the credentials (its text is in
 * errbuf), OTPBOX_ERR_NET when it was temporarily unavailable.
 */
enum otpbox_err imap_client_login_password(struct imap_client *cl,
                                           const char *user,
                                           const char *password, char *errbuf,
                                           size_t errlen);

/*
 * Logs in with SASL XOAUTH2 and an OAuth2 access token (issue 6). Errors
 * as imap_client_login_password(); on refusal errbuf also carries the
 * server's decoded JSON status when it sent one.
 */
enum otpbox_err imap_client_login_xoauth2(struct imap_client *cl,
                                          const char *user, const char *token,
                                          char *errbuf, size_t errlen);

/* The session's TLS protocol ("TLSv1.3"), static; NULL in plain text. */
const char *imap_client_tls_version(const struct imap_client *cl);

/* Whether the server offers a capability (e.g. "IDLE"). */
bool imap_client_has_cap(const struct imap_client *cl, const char *cap);

/* EXAMINEs mailbox (read-only) and resets the mailbox state from the
 * reply. OTPBOX_ERR_NOT_FOUND when the server says NO; OTPBOX_ERR_NET
 * when the NO says "later" (unavailable, throttled); OTPBOX_ERR_PROTOCOL
 * for BAD. */
enum otpbox_err imap_client_examine(struct imap_client *cl, const char *mailbox,
                                    char *errbuf, size_t errlen);

/* The selected mailbox's state; belongs to cl. */
struct imap_client_mailbox *imap_client_get_mailbox(struct imap_client *cl);

/*
 * Sends one command line ("TAG " + the formatted text + CRLF) and stores
 * its tag in tag. Nothing secret may pass through here: commands are
 * logged at debug level.
 */
enum otpbox_err imap_client_send(struct imap_client *cl,
                                 char tag[IMAP_CLIENT_TAG_MAX], const char *fmt,
                                 ...) __attribute__((format(printf, 3, 4)));

/*
 * Returns the next response, reading from the server for at most
 * timeout_ms (-1: the session's timeout). Untagged mailbox data updates
 * the mailbox state first. *out belongs to cl until the next call.
 * Errors: OTPBOX_ERR_TIMEOUT, OTPBOX_ERR_INTERRUPTED (a signal; call
 * again), OTPBOX_ERR_NET (closed or BYE), OTPBOX_ERR_PROTOCOL and
 * OTPBOX_ERR_TOO_BIG (the stream is unusable; drop the session).
 */
enum otpbox_err imap_client_next(struct imap_client *cl, int timeout_ms,
                                 const struct imap_parse_resp **out);

/* Sends a command and reads until its tagged reply; untagged responses
 * only update state. OTPBOX_ERR_PROTOCOL on NO/BAD (text in errbuf). */
enum otpbox_err imap_client_simple(struct imap_client *cl, const char *cmd,
                                   char *errbuf, size_t errlen);

/* Enters IDLE (waits for the server's "+"). */
enum otpbox_err imap_client_idle_start(struct imap_client *cl);
/*
 * While idling: reads untagged responses for at most timeout_ms.
 * OTPBOX_OK when the mailbox changed, OTPBOX_ERR_TIMEOUT when it did not,
 * other errors as imap_client_next().
 */
enum otpbox_err imap_client_idle_wait(struct imap_client *cl, int timeout_ms);
/* Leaves IDLE: sends DONE and reads until the tagged reply. */
enum otpbox_err imap_client_idle_done(struct imap_client *cl);

/* Bytes read from the server in this session. */
uint64_t imap_client_bytes_read(const struct imap_client *cl);

/* The session's last error message. Belongs to cl. */
const char *imap_client_errmsg(const struct imap_client *cl);

#endif
