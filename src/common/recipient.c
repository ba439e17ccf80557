/* SPDX-License-Identifier: MIT */
/* Which bot a message is for, from its delivery and address headers. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "recipient.h"

/* The generic trust order: every delivery header a receiving server may
 * prepend, then the addresses the sender wrote. */
static const char *const recipient_generic[] = {
    "X-Original-To",
    "Delivered-To",
    "Envelope-To",
    "X-Envelope-To",
    "X-MS-Exchange-Organization-OriginalEnvelopeRecipients",
    "X-Forwarded-To",
    "X-Forwarded-For",
    "Received",
    "Resent-To",
    "To",
    "Cc",
};

/* Exchange Online writes its envelope header (when IMAP shows it) and
 * Received lines; X-Original-To or Delivered-To there came from the
 * sender. */
static const char *const recipient_exchange[] = {
    "X-MS-Exchange-Organization-OriginalEnvelopeRecipients",
    "Received",
    "To",
    "Cc",
};

#define RECIPIENT_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Whether host is name or ends in "." name, without case. */
static bool
recipient_host_is(const char *host, const char *name, bool subdomains)
{
	size_t lh = strlen(host), ln = strlen(name);

	if (lh == ln)
		return !strcasecmp(host, name);
	return subdomains && lh > ln && host[lh - ln - 1] == '.' &&
	       !strcasecmp(host + lh - ln, name);
}

const char *const *
recipient_headers_for_host(const char *host, size_t *n)
{
	if (host && (recipient_host_is(host, "outlook.office.com", false) ||
	             recipient_host_is(host, "office365.com", true) ||
	             recipient_host_is(host, "outlook.com", true))) {
		*n = RECIPIENT_COUNT(recipient_exchange);
		return recipient_exchange;
	}
	*n = RECIPIENT_COUNT(recipient_generic);
	return recipient_generic;
}

/* To and Cc name the addressees together. */
static bool
recipient_is_addressee(const char *name)
{
	return !strcasecmp(name, "To") || !strcasecmp(name, "Cc");
}

/* Address lists the sender wrote: their encoded words are display names
 * and decoding them first could invent commas or angle brackets. */
static bool
recipient_is_address_list(const char *name)
{
	return recipient_is_addressee(name) || !strcasecmp(name, "Resent-To");
}

struct recipient_set {
	struct recipient *list;
	size_t n, cap;
	bool truncated;
	const struct recipient_filter *filter;
};

bool
recipient_is_bot(const char *address, const struct recipient_filter *filter)
{
	const char *at = strrchr(address, '@');
	size_t i;

	if (!at || at == address || !at[1] || strchr(address, ' '))
		return false;
	if (filter->mailbox && !strcasecmp(address, filter->mailbox))
		return false;
	if (filter->ndomains == 0)
		return true;
	for (i = 0; i < filter->ndomains; i++)
		if (!strcasecmp(at + 1, filter->domains[i]))
			return true;
	return false;
}

/* Adds addr (lower-cased) when it is a bot not yet in the set. */
static enum otpbox_err
recipient_add(struct recipient_set *set, const char *addr, size_t len,
              const char *header)
{
	char *copy;
	size_t i;

	while (len > 0 && (*addr == '<' || isspace((unsigned char)*addr)))
		addr++, len--;
	while (len > 0 &&
	       (addr[len - 1] == '>' || isspace((unsigned char)addr[len - 1])))
		len--;
	if (len == 0 || len > 320 || !(copy = strndup(addr, len)))
		return len == 0 || len > 320 ? OTPBOX_OK : OTPBOX_ERR_NOMEM;
	for (i = 0; i < len; i++)
		copy[i] = (char)tolower((unsigned char)copy[i]);
	for (i = 0; i < set->n; i++)
		if (!strcmp(set->list[i].address, copy))
			break;
	if (i < set->n || !recipient_is_bot(copy, set->filter) ||
	    set->n >= set->cap) {
		if (i == set->n && set->n >= set->cap &&
		    recipient_is_bot(copy, set->filter))
			set->truncated = true;
		free(copy);
		return OTPBOX_OK;
	}
	set->list[set->n].address = copy;
	set->list[set->n].header = header;
	set->n++;
	return OTPBOX_OK;
}

static enum otpbox_err
recipient_add_list(struct recipient_set *set, InternetAddressList *list,
                   const char *header, int depth)
{
	InternetAddress *ia;
	const char *addr;
	enum otpbox_err err = OTPBOX_OK;
	int i, n = list ? internet_address_list_length(list) : 0;

	for (i = 0; i < n && !err; i++) {
		ia = internet_address_list_get_address(list, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
			addr = internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(ia));
			if (addr)
				err = recipient_add(set, addr, strlen(addr),
				                    header);
		} else if (INTERNET_ADDRESS_IS_GROUP(ia) && depth < 2) {
			err = recipient_add_list(
			    set,
			    internet_address_group_get_members(
			        INTERNET_ADDRESS_GROUP(ia)),
			    header, depth + 1);
		}
	}
	return err;
}

/* A delivery header written by a server holds bare addresses, which
 * Exchange writes as RFC 2047 words (=?us-ascii?Q?bot2=40x.test?=):
 * those are decoded before parsing. */
static enum otpbox_err
recipient_add_header(struct recipient_set *set, const char *value,
                     const char *header)
{
	InternetAddressList *list;
	char *decoded = NULL;
	enum otpbox_err err;

	if (!recipient_is_address_list(header) &&
	    (decoded = g_mime_utils_header_decode_text(NULL, value)) == NULL)
		return OTPBOX_ERR_NOMEM;
	list = internet_address_list_parse(NULL, decoded ? decoded : value);
	err = recipient_add_list(set, list, header, 0);
	if (list)
		g_object_unref(list);
	g_free(decoded);
	return err;
}

/* The address of a Received header's "for <addr>" clause, if any. */
static enum otpbox_err
recipient_add_received(struct recipient_set *set, const char *value)
{
	const char *p = value, *start;

	while ((p = strcasestr(p, "for")) != NULL) {
		if ((p == value || isspace((unsigned char)p[-1])) &&
		    isspace((unsigned char)p[3])) {
			start = p + 3;
			while (isspace((unsigned char)*start))
				start++;
			p = start;
			while (*p && *p != ';' && !isspace((unsigned char)*p))
				p++;
			if (memchr(start, '@', (size_t)(p - start)))
				return recipient_add(set, start,
				                     (size_t)(p - start),
				                     "Received");
		} else {
			p += 3;
		}
	}
	return OTPBOX_OK;
}

/* Collects the bots named by the topmost header called source->name
 * (for Received: by the topmost one whose "for" clause names a bot). */
static enum otpbox_err
recipient_from_source(struct recipient_set *set, const struct mime_header *h,
                      size_t nh, const char *name)
{
	enum otpbox_err err = OTPBOX_OK;
	bool received = !strcasecmp(name, "Received");
	size_t i, before = set->n;

	for (i = 0; i < nh && !err; i++) {
		if (strcasecmp(h[i].name, name))
			continue;
		if (!received)
			return recipient_add_header(set, h[i].value, name);
		err = recipient_add_received(set, h[i].value);
		if (set->n > before)
			break;
	}
	return err;
}

enum otpbox_err
recipient_resolve(const struct mime_header *headers, size_t nheaders,
                  const struct recipient_filter *filter, struct recipient **out,
                  size_t *n, bool *truncated)
{
	struct recipient_set set = {.filter = filter};
	const char *const *src = filter->headers;
	size_t i, nsrc = filter->nheaders;
	enum otpbox_err err = OTPBOX_OK;

	if (src == NULL)
		src = recipient_headers_for_host(NULL, &nsrc);
	*out = NULL;
	*n = 0;
	*truncated = false;
	set.cap = filter->max ? filter->max : 1;
	if (!(set.list = calloc(set.cap, sizeof(*set.list))))
		return OTPBOX_ERR_NOMEM;
	for (i = 0; i < nsrc && !err; i++) {
		if (set.n > 0 && !(i > 0 && recipient_is_addressee(src[i]) &&
		                   recipient_is_addressee(src[i - 1])))
			break;
		err = recipient_from_source(&set, headers, nheaders, src[i]);
	}
	if (err) {
		recipient_free(set.list, set.n);
		return err;
	}
	*out = set.list;
	*n = set.n;
	*truncated = set.truncated;
	return OTPBOX_OK;
}

void
recipient_free(struct recipient *list, size_t n)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < n; i++)
		free(list[i].address);
	free(list);
}
