/* SPDX-License-Identifier: MIT */
/* Understanding one raw message: its recipients, its code and its link. */
#ifndef OTPBOX_MESSAGE_H
#define OTPBOX_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "authres.h"
#include "otpbox_err.h"

/* Largest input analysed when message_opts.max_bytes is 0. */
#define MESSAGE_DEFAULT_MAX_BYTES (32u * 1024 * 1024)
/* At most this many recipients are kept; the rest is reported in error. */
#define MESSAGE_MAX_RECIPIENTS 64

/* Settings for message_ctx_new(); every pointer is borrowed for the
 * lifetime of the context, so the caller keeps them alive until
 * message_ctx_free(). */
struct message_opts {
	const char *mailbox; /* catch-all's own address, skipped; may be NULL */
	char **domains;      /* bot domains; ndomains 0 means any domain */
	size_t ndomains;
	char **custom_patterns; /* PCRE2; the first capture group wins */
	size_t ncustom_patterns;
	/* Operator rules (extract.rules): rule i tries rule_pattern[i]
	 * first on mail whose From addr-spec matches rule_from[i]. */
	char **rule_from, **rule_pattern;
	size_t nrules;
	size_t max_bytes; /* input above this is trimmed; 0: the default */
	/* Whose Authentication-Results count (authres_parse()); NULL or "":
	 * the topmost one. */
	const char *authserv_id;
	/* Recipient headers in trust order; NULL: the generic order of
	 * recipient_headers_for_host(NULL). */
	const char *const *recipient_headers;
	size_t nrecipient_headers;
};

/* Compiled patterns and settings; one per process, not thread-safe. */
struct message_ctx;

/*
 * Compiles the patterns and initialises GMime (once per process).
 * OTPBOX_ERR_CONFIG when a custom pattern or rule does not compile:
 * errbuf names it. On success *out belongs to the caller (message_ctx_free()).
 */
enum otpbox_err message_ctx_new(const struct message_opts *opts,
                                struct message_ctx **out, char *errbuf,
                                size_t errlen);
void message_ctx_free(struct message_ctx *ctx);

struct message_recipient {
	char *address; /* lower-cased addr-spec */
	char *header;  /* the header it came from, e.g. "X-Original-To" */
};

struct message_candidate {
	char *kind;  /* "code" or "link" */
	char *value; /* the code as typed (separators removed) or the URL */
	double score;
	bool chosen;
	char *reason; /* why it scored as it did, for humans */
};

struct message_info {
	char *message_id, *sender, *subject; /* decoded UTF-8, may be NULL */
	time_t date;                         /* Date header, 0 if none */
	struct message_recipient *recipients;
	size_t nrecipients;
	struct message_candidate *candidates; /* best first */
	size_t ncandidates;
	const char *code, *link; /* winners (point into candidates) or NULL */
	char *error;             /* non-fatal parse problem, NULL if none */
	/* The From address and what the receiving server vouched for. */
	struct authres_facts auth;
	/* Names this message wherever it is stored (another folder, again
	 * after a UIDVALIDITY change): hex SHA-256 of Message-ID, From
	 * address, Date, code and link; never NULL after analysis. Not the
	 * raw bytes, which Exchange changes when it moves a message. */
	char *copy_key;
};

/*
 * Analyses the raw bytes of one message (any bytes: a broken message
 * still yields a result, with info->error saying what was wrong).
 * Fails only with OTPBOX_ERR_NOMEM or OTPBOX_ERR_USAGE. On success *out
 * belongs to the caller (message_info_free()).
 */
enum otpbox_err message_analyse(struct message_ctx *ctx, const char *raw,
                                size_t len, struct message_info **out);
void message_info_free(struct message_info *info);

#endif
