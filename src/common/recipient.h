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
};

struct recipient {
	char *address;      /* lower-cased addr-spec */
	const char *header; /* static name of the header that won */
};

/*
 * Resolves the recipients from headers (in message order) by trust:
 * the topmost occurrence of each delivery header a receiving server
 * writes (X-Original-To, Delivered-To, Envelope-To, X-Envelope-To,
 * X-MS-Exchange-Organization-OriginalEnvelopeRecipients, X-Forwarded-To,
 * X-Forwarded-For, then Received "for <...>"), then Resent-To, then To
 * and Cc together. The first source that names a bot wins. *out is an
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
