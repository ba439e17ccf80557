/* SPDX-License-Identifier: MIT */
/* The fetcher's byte transport to an IMAP server: TCP with deadlines,
 * TLS through OpenSSL (implicit or upgraded by STARTTLS), verified. */
#ifndef OTPBOX_IMAP_CONN_H
#define OTPBOX_IMAP_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otpbox_err.h"

/* How much of the transport uses TLS from the first byte. */
enum imap_conn_tls {
	IMAP_CONN_TLS_NOW = 0, /* implicit TLS: handshake right after connect */
	IMAP_CONN_TLS_LATER,   /* plain until imap_conn_starttls() */
	IMAP_CONN_TLS_NEVER,   /* plain text (the caller checked permission) */
};

struct imap_conn_opts {
	const char *host; /* name to connect to and to verify */
	int port;
	enum imap_conn_tls tls;
	const char *ca_file; /* extra trust anchor, or NULL/"" */
	int timeout_ms;      /* connect/handshake/write deadline */
};

struct imap_conn;

/*
 * Connects to opts->host:port, trying every address it resolves to, and
 * for IMAP_CONN_TLS_NOW completes a TLS 1.2+ handshake that verifies the
 * certificate chain and the host name. Errors: OTPBOX_ERR_NET (resolve,
 * connect, time-out), OTPBOX_ERR_TLS (handshake or verification; errbuf
 * says which), OTPBOX_ERR_NOMEM. *out is freed with imap_conn_free().
 */
enum otpbox_err imap_conn_open(const struct imap_conn_opts *opts,
                               struct imap_conn **out, char *errbuf,
                               size_t errlen);

/* Upgrades a plain connection to verified TLS (after the server's OK to
 * STARTTLS). Errors as for imap_conn_open(). */
enum otpbox_err imap_conn_starttls(struct imap_conn *c, char *errbuf,
                                   size_t errlen);

/* Closes the connection (TLS close_notify is best effort) and frees c. */
void imap_conn_free(struct imap_conn *c);

/* Writes all len bytes before the timeout. OTPBOX_ERR_NET on failure. */
enum otpbox_err imap_conn_write(struct imap_conn *c, const void *buf,
                                size_t len);

/*
 * Reads what is available (at least one byte) into buf, waiting at most
 * timeout_ms (-1: for ever). OTPBOX_ERR_TIMEOUT when nothing came,
 * OTPBOX_ERR_INTERRUPTED when a signal arrived while waiting,
 * OTPBOX_ERR_NET when the peer closed or the socket failed.
 */
enum otpbox_err imap_conn_read(struct imap_conn *c, void *buf, size_t cap,
                               int timeout_ms, size_t *n);

/* Bytes read from the server so far (after decryption). */
uint64_t imap_conn_bytes_read(const struct imap_conn *c);

/* True when bytes are already decrypted and waiting (poll would not see
 * them). */
bool imap_conn_pending(const struct imap_conn *c);
/* The socket, for poll(). Belongs to c. */
int imap_conn_fd(const struct imap_conn *c);
/* Whether the connection is encrypted now. */
bool imap_conn_is_tls(const struct imap_conn *c);
/* The negotiated protocol ("TLSv1.3"), static; NULL when not encrypted. */
const char *imap_conn_tls_version(const struct imap_conn *c);
/* The last error's message. Belongs to c. */
const char *imap_conn_errmsg(const struct imap_conn *c);

#endif
