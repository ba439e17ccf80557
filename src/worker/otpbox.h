/* SPDX-License-Identifier: MIT */
/* libotpbox: wait for, claim or peek at the one-time code that otpbox fetch
 * stored for an address (link with `pkg-config --libs otpbox`). */
#ifndef OTPBOX_H
#define OTPBOX_H

#include <stddef.h>
#include <stdint.h>

#include "otpbox_err.h"
#include "otpbox_version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Non-zero when the headers are version major.minor.micro or newer:
 *   #if OTPBOX_CHECK_VERSION(0, 2, 0) ... #endif */
#define OTPBOX_CHECK_VERSION(major, minor, micro)                              \
	(OTPBOX_VERSION_MAJOR > (major) ||                                     \
	 (OTPBOX_VERSION_MAJOR == (major) &&                                   \
	  OTPBOX_VERSION_MINOR > (minor)) ||                                   \
	 (OTPBOX_VERSION_MAJOR == (major) &&                                   \
	  OTPBOX_VERSION_MINOR == (minor) && OTPBOX_VERSION_MICRO >= (micro)))

/* The version of the library loaded at run time ("0.2.0"), which may be
 * newer than OTPBOX_VERSION of the headers the program was built with.
 * Static string. Since 0.2. */
const char *otpbox_version(void);

/* Defaults, the same as `otpbox wait` without a configuration file. */
#define OTPBOX_DEFAULT_TIMEOUT_MS 120000
#define OTPBOX_DEFAULT_MAX_AGE 600
/* Seconds by which --since is moved back to absorb a mail server clock that
 * runs behind this machine's (codes are dated by the server). */
#define OTPBOX_DEFAULT_SKEW 2

/* One open database connection. Not shared between threads; never carried
 * across fork(): open one per process, after the fork. */
struct otpbox;

enum otpbox_want {
	OTPBOX_WANT_CODE = 0, /* a one-time code */
	OTPBOX_WANT_LINK,     /* a verification link */
	OTPBOX_WANT_ANY,      /* whichever is newest */
};

/* How to wait. Start from otpbox_wait_opts_init(); every field may then be
 * changed. */
struct otpbox_wait_opts {
	int64_t since;  /* Unix seconds; 0: no bound but max_age */
	int max_age;    /* seconds (> 0): oldest code accepted */
	int skew;       /* seconds taken off since (>= 0) */
	int timeout_ms; /* 0: look once and do not wait */
	enum otpbox_want want;
	int peek;           /* non-zero: return the code without claiming */
	const char *worker; /* recorded as the claimer; NULL: "pid N" */
	int cancel_fd;      /* readable fd ends the wait early; -1: none */
};

/* A code handed out, with the message it came from. Strings are NULL when
 * unknown. Owned by the caller: free with otpbox_code_free(). */
struct otpbox_code {
	char *code;          /* the code, or the link when kind is "link" */
	char *kind;          /* "code" or "link" */
	char *address;       /* the address as the fetcher stored it */
	int64_t received_at; /* the server's INTERNALDATE, Unix seconds */
	int64_t fetched_at;  /* when otpbox fetch stored it */
	int64_t claimed_at;  /* 0 for a peek at an unclaimed code */
	char *claimed_by;
	char *subject;
	char *sender;
	char *account;
	char *folder;
	int64_t uid;        /* IMAP UID in folder */
	int64_t code_id;    /* codes.id */
	int64_t message_id; /* messages.id */
	int64_t wait_id;    /* waits.id of this call's audit row */
};

/*
 * Opens the database read-write (waits are recorded). path NULL resolves
 * like `otpbox wait`: $OTPBOX_DB, the configuration's `database`, the
 * default location. Errors: OTPBOX_ERR_NO_DB (missing file),
 * OTPBOX_ERR_NOT_OTPBOX_DB, OTPBOX_ERR_SCHEMA_TOO_NEW, OTPBOX_ERR_CONFIG;
 * errbuf (may be NULL) then says what to do. *out is freed by
 * otpbox_close().
 */
enum otpbox_err otpbox_open(const char *path, struct otpbox **out, char *errbuf,
                            size_t errlen);
void otpbox_close(struct otpbox *box);

/* The detail of the last error on box; belongs to box, valid until the
 * next call on it. */
const char *otpbox_errmsg(const struct otpbox *box);

/* Fills opts with the defaults above, want code, no peek, cancel_fd -1. */
void otpbox_wait_opts_init(struct otpbox_wait_opts *opts);

/* OTPBOX_OK when address looks like local@domain (ASCII letters compared
 * without case), else OTPBOX_ERR_BAD_ADDRESS. */
enum otpbox_err otpbox_address_check(const char *address);

/*
 * Waits up to opts->timeout_ms for the newest unclaimed code for address
 * received inside the window [max(since - skew, now - max_age), now] and
 * claims it (or, with opts->peek, returns it unclaimed). A claimed code
 * is never returned again, to anyone. Every call is recorded in the waits
 * table. Errors: OTPBOX_ERR_BAD_ADDRESS, OTPBOX_ERR_TIMEOUT,
 * OTPBOX_ERR_INTERRUPTED (cancel_fd), OTPBOX_ERR_USAGE (bad opts), database
 * errors. On success *out belongs to the caller.
 */
enum otpbox_err otpbox_wait(struct otpbox *box, const char *address,
                            const struct otpbox_wait_opts *opts,
                            struct otpbox_code **out);

/* otpbox_wait() without waiting: claims what is there now, or
 * OTPBOX_ERR_TIMEOUT when nothing is (opts may be NULL for defaults). */
enum otpbox_err otpbox_claim(struct otpbox *box, const char *address,
                             const struct otpbox_wait_opts *opts,
                             struct otpbox_code **out);
/* The same as otpbox_claim() but without claiming. */
enum otpbox_err otpbox_peek(struct otpbox *box, const char *address,
                            const struct otpbox_wait_opts *opts,
                            struct otpbox_code **out);

void otpbox_code_free(struct otpbox_code *code);

#ifdef __cplusplus
}
#endif

#endif
