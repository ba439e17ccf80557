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

/* Defaults, the same as `otpbox wait` without a configuration file.
 * Since 0.1. */
#define OTPBOX_DEFAULT_TIMEOUT_MS 120000
#define OTPBOX_DEFAULT_MAX_AGE 600
/* Seconds by which --since is moved back when the store has no recent
 * messages to measure the mail server's clock lag from (codes are dated
 * by the server). Since 0.1. Since 0.2. */
#define OTPBOX_DEFAULT_SKEW 2
/* otpbox_wait_opts_set_skew() value: measure the lag from the store (the
 * default). Since 0.2. */
#define OTPBOX_SKEW_MEASURED (-1)

/* One open database connection. Not shared between threads; never carried
 * across fork(): open one per process, after the fork. Since 0.1. */
struct otpbox;

/* What a wait hands out. Since 0.1. */
enum otpbox_want {
	OTPBOX_WANT_CODE = 0, /* a one-time code */
	OTPBOX_WANT_LINK,     /* a verification link */
	OTPBOX_WANT_ANY,      /* whichever is newest */
};

/* How to wait: opaque so that options can be added without breaking
 * compiled callers. Made by otpbox_wait_opts_new(), changed by the
 * setters, freed by otpbox_wait_opts_free(). One opts may serve any
 * number of calls (the calls only read it), but is not locked: do not
 * change it while another thread waits with it. Since 0.2. */
struct otpbox_wait_opts;

/* A code handed out, with the message it came from. Strings are NULL when
 * unknown. Allocated by the library, owned by the caller: free with
 * otpbox_code_free(). Fields are only ever added at its end. Since 0.1. */
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
	/* Since 0.2: the sender as the message's From says (lower-cased
	 * addr-spec, NULL when there was none) and whether the receiving
	 * server's Authentication-Results vouched for it (DMARC pass, or
	 * DKIM pass aligned with From; see docs/sender-trust.md). */
	char *sender_address;
	char *sender_domain;
	int authenticated;
};

/*
 * Opens the database read-write (waits are recorded). path NULL resolves
 * like `otpbox wait`: $OTPBOX_DB, the configuration's `database`, the
 * default location. Errors: OTPBOX_ERR_NO_DB (missing file),
 * OTPBOX_ERR_NOT_OTPBOX_DB, OTPBOX_ERR_SCHEMA_TOO_NEW, OTPBOX_ERR_CONFIG,
 * OTPBOX_ERR_USAGE (a postgresql:// URL: not supported yet);
 * errbuf (may be NULL) then says what to do. On success *out belongs to
 * the caller: close it with otpbox_close(). Since 0.1.
 */
enum otpbox_err otpbox_open(const char *path, struct otpbox **out, char *errbuf,
                            size_t errlen);
/* Closes the database and frees box (NULL is fine). Since 0.1. */
void otpbox_close(struct otpbox *box);

/* Returns the detail of the last error on box ("" when none); the string
 * belongs to box and is valid until the next call on it. Since 0.1. */
const char *otpbox_errmsg(const struct otpbox *box);

/* Makes options with the defaults: no since, OTPBOX_DEFAULT_MAX_AGE,
 * measured skew, OTPBOX_DEFAULT_TIMEOUT_MS, want code, no peek, worker
 * "pid N", no cancel_fd, no sender filters. Returns OTPBOX_OK or
 * OTPBOX_ERR_NOMEM (*out is then NULL). *out belongs to the caller: free
 * it with otpbox_wait_opts_free(). Since 0.2. */
enum otpbox_err otpbox_wait_opts_new(struct otpbox_wait_opts **out);

/* Frees opts and the strings it copied (NULL is fine). Since 0.2. */
void otpbox_wait_opts_free(struct otpbox_wait_opts *opts);

/* Every setter returns OTPBOX_OK, OTPBOX_ERR_USAGE for a bad value (opts
 * is then unchanged) or OTPBOX_ERR_NOMEM (likewise unchanged). Strings are
 * copied: the caller keeps its own. All since 0.2. */

/* Codes received before unix_seconds (moved back by the skew) are not
 * handed out; 0: no bound but max_age. USAGE when negative. Since 0.2. */
enum otpbox_err otpbox_wait_opts_set_since(struct otpbox_wait_opts *opts,
                                           int64_t unix_seconds);
/* The oldest code accepted, in seconds before now; USAGE unless > 0. Since 0.2.
 */
enum otpbox_err otpbox_wait_opts_set_max_age(struct otpbox_wait_opts *opts,
                                             int seconds);
/* Seconds taken off since to absorb a mail server clock that runs behind
 * (>= 0), or OTPBOX_SKEW_MEASURED: the lag measured from the store's
 * recent messages (OTPBOX_DEFAULT_SKEW when there are none). Since 0.2.
 */
enum otpbox_err otpbox_wait_opts_set_skew(struct otpbox_wait_opts *opts,
                                          int seconds);
/* How long otpbox_wait() waits, in ms (>= 0; 0: look once). Since 0.2. */
enum otpbox_err otpbox_wait_opts_set_timeout_ms(struct otpbox_wait_opts *opts,
                                                int ms);
/* A code, a link, or the newest of both. Since 0.2. */
enum otpbox_err otpbox_wait_opts_set_want(struct otpbox_wait_opts *opts,
                                          enum otpbox_want want);
/* Non-zero: hand out the code without claiming it. Since 0.2. */
enum otpbox_err otpbox_wait_opts_set_peek(struct otpbox_wait_opts *opts,
                                          int peek);
/* The name recorded as the claimer (at most 127 bytes); NULL: "pid N". Since
 * 0.2. */
enum otpbox_err otpbox_wait_opts_set_worker(struct otpbox_wait_opts *opts,
                                            const char *worker);
/* A descriptor whose becoming readable ends the wait early with
 * OTPBOX_ERR_INTERRUPTED; -1: none. The caller keeps it open. Since 0.2. */
enum otpbox_err otpbox_wait_opts_set_cancel_fd(struct otpbox_wait_opts *opts,
                                               int fd);
/* Adds a sender the code may come from (repeatable; any one matches):
 * an address "no-reply@x.example", a domain "x.example" (its subdomains
 * match too), or a glob with * and ? matched against the address
 * ("*@*.x.example"). Compared without case against the message's From. Since
 * 0.2. */
enum otpbox_err otpbox_wait_opts_add_from(struct otpbox_wait_opts *opts,
                                          const char *pattern);
/* Only messages whose decoded Subject contains text (without case);
 * NULL or "": no subject filter. Since 0.2. */
enum otpbox_err otpbox_wait_opts_set_subject(struct otpbox_wait_opts *opts,
                                             const char *text);
/* Non-zero: only messages the receiving server authenticated (its
 * Authentication-Results says dmarc=pass, or dkim=pass for a domain
 * aligned with From; see docs/sender-trust.md). Since 0.2. */
enum otpbox_err
otpbox_wait_opts_set_authenticated(struct otpbox_wait_opts *opts, int required);

/* Returns OTPBOX_OK when address looks like local@domain (ASCII letters
 * compared without case), else OTPBOX_ERR_BAD_ADDRESS. Since 0.1. */
enum otpbox_err otpbox_address_check(const char *address);

/*
 * Waits up to the time-out for the newest unclaimed code for address
 * received inside the window [max(since - skew, now - max_age), now] from
 * a message that passes the sender filters, and claims it (or, with
 * peek, returns it unclaimed). A claimed code, and every copy of its
 * message in other folders, is never returned again, to anyone. opts
 * NULL: the defaults. Every call is recorded in the waits table.
 * Returns OTPBOX_OK, OTPBOX_ERR_BAD_ADDRESS, OTPBOX_ERR_TIMEOUT,
 * OTPBOX_ERR_INTERRUPTED (cancel_fd), database errors; the words are on
 * otpbox_errmsg(box). On success *out belongs to the caller (free with
 * otpbox_code_free()), else it is NULL. Since 0.1 (filters since 0.2).
 */
enum otpbox_err otpbox_wait(struct otpbox *box, const char *address,
                            const struct otpbox_wait_opts *opts,
                            struct otpbox_code **out);

/* otpbox_wait() without waiting and without peeking, whatever opts say:
 * claims what is there now, or returns OTPBOX_ERR_TIMEOUT when nothing
 * is (opts may be NULL for defaults). *out as for otpbox_wait().
 * Since 0.1. */
enum otpbox_err otpbox_claim(struct otpbox *box, const char *address,
                             const struct otpbox_wait_opts *opts,
                             struct otpbox_code **out);
/* The same as otpbox_claim() but without claiming: returns the code that
 * a claim would take now. *out as for otpbox_wait(). Since 0.1. */
enum otpbox_err otpbox_peek(struct otpbox *box, const char *address,
                            const struct otpbox_wait_opts *opts,
                            struct otpbox_code **out);

/* Returns the waits.id of the last otpbox_wait/claim/peek call on box, the
 * row that audits it (0 when the call failed before it was recorded, or
 * no call was made yet). Since 0.2. */
int64_t otpbox_last_wait_id(const struct otpbox *box);

/* Returns why the last call on box ended without a code, as the view
 * missed_otps says ("no_message", "no_code", "claimed_by_other",
 * "filtered", "late";
 * see docs/audit.md), for a bot to report after OTPBOX_ERR_TIMEOUT or
 * OTPBOX_ERR_INTERRUPTED. Returns NULL when that call got a code or was
 * never recorded, or when the database could not be read (then
 * otpbox_errmsg() says why). The string belongs to box and is valid until
 * the next call on it. Since 0.2. */
const char *otpbox_last_miss_reason(struct otpbox *box);

/* Frees code and its strings (NULL is fine). Since 0.1. */
void otpbox_code_free(struct otpbox_code *code);

#ifdef __cplusplus
}
#endif

#endif
