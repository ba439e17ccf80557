/* SPDX-License-Identifier: MIT */
/* The single error type of otpbox: every fallible function returns one. */
#ifndef OTPBOX_ERR_H
#define OTPBOX_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

enum otpbox_err {
	OTPBOX_OK = 0,             /* success */
	OTPBOX_ERR_NOMEM,          /* out of memory */
	OTPBOX_ERR_IO,             /* a file or socket operation failed */
	OTPBOX_ERR_USAGE,          /* the caller passed invalid arguments */
	OTPBOX_ERR_CONFIG,         /* the configuration is invalid */
	OTPBOX_ERR_NO_DB,          /* the database file does not exist */
	OTPBOX_ERR_NOT_OTPBOX_DB,  /* the file is not an otpbox database */
	OTPBOX_ERR_SCHEMA_TOO_NEW, /* written by a newer otpbox */
	OTPBOX_ERR_DB,             /* SQLite reported an error */
	OTPBOX_ERR_BUSY,           /* the database stayed locked too long */
	OTPBOX_ERR_LOCKED,         /* another otpbox process holds the lock */
	OTPBOX_ERR_TIMEOUT,        /* nothing arrived before the deadline */
	OTPBOX_ERR_BAD_ADDRESS,    /* not a usable e-mail address */
	OTPBOX_ERR_NOT_FOUND,      /* the thing asked for does not exist */
	OTPBOX_ERR_PARSE,          /* input is malformed */
	OTPBOX_ERR_TOO_BIG,        /* input exceeds a configured limit */
	OTPBOX_ERR_PROTOCOL,       /* the server broke the IMAP protocol */
	OTPBOX_ERR_NET,            /* server unreachable or connection lost */
	OTPBOX_ERR_TLS,            /* TLS handshake or verification failed */
	OTPBOX_ERR_AUTH,           /* the server refused our credentials */
	OTPBOX_ERR_TOKEN,          /* the OAuth2 token endpoint failed */
	OTPBOX_ERR_INTERRUPTED,    /* stopped by a signal */
	OTPBOX_ERR_SECRET,         /* a secret could not be read safely */
};

/* Returns a static, human-readable description of err. */
const char *otpbox_strerror(enum otpbox_err err);

#ifdef __cplusplus
}
#endif

#endif
