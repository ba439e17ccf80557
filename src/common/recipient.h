/* SPDX-License-Identifier: MIT */
/* Which bot a message is for, from its delivery and address headers. */
#ifndef OTPBOX_RECIPIENT_H
#define OTPBOX_RECIPIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "mime.h"
#include "otpbox_err.h"

/* Who counts as a bot: the catch-all's own address never does. */
struct recipient_filter {
	const char *mailbox;  /* may be NULL */
	char *const *domains; /* exact domain match, case-insensitive */
	size_t ndomains;      /* 0: any domain */
	size_t max;           /* most addresses returned */
	/* Headers to trust, in trust order (To and Cc next to each other
	 * are merged); NULL: recipient_headers_for_host(NULL). Borrowed. */
	const char *const *headers;
	size_t nheaders;
};

struct recipient {
	char *address;      /* lower-cased addr-spec */
	const char *header; /* name of the header that won (borrowed from
	                       the filter's list or static) */
};

/*
 * Returns the default trust order for the IMAP server host (static; *n
 * gets its length). Microsoft 365 (outlook.office365.com,
 * outlook.office.com, *.outlook.com, *.office365.com): the Exchange
 * envelope header X-MS-Exchange-Organization-OriginalEnvelopeRecipients,
 * Received "for", then To and Cc; Exchange never writes X-Original-To or
 * Delivered-To, so a sender's copies of them are not trusted there.
 * Other servers (and host NULL): X-Original-To, Delivered-To,
 * Envelope-To, X-Envelope-To, the Exchange header, X-Forwarded-To,
 * X-Forwarded-For, Received, Resent-To, To and Cc.
 */
const char *const *recipient_headers_for_host(const char *host, size_t *n);

/*
 * Resolves the recipients from headers (in message order) by trust: the
 * topmost occurrence of each header in filter->headers (RFC 2047 decoded
 * except in address lists; for Received the topmost whose "for <...>"
 * names a bot), in that order, To and Cc together. The first source that
 * names a bot wins. *out is an
 * array the caller frees with recipient_free(); *truncated says whether
 * more than filter->max bots were named.
 */
enum otpbox_err recipient_resolve(const struct mime_header *headers,
                                  size_t nheaders,
                                  const struct recipient_filter *filter,
                                  struct recipient **out, size_t *n,
                                  bool *truncated);
void recipient_free(struct recipient *list, size_t n);

/* Whether address (any case) is a bot under filter. */
bool recipient_is_bot(const char *address,
                      const struct recipient_filter *filter);

#endif
