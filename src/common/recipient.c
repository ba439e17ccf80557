/* SPDX-License-Identifier: MIT */
/* Which bot a message is for, from its delivery and address headers. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "recipient.h"

/* Headers in trust order. Sources sharing a group are merged (To and Cc
 * together name every addressee); the first group naming a bot wins. */
static const struct recipient_source {
	const char *name;
	int group;
} recipient_sources[] = {
    {"X-Original-To", 0},
    {"Delivered-To", 1},
    {"Envelope-To", 2},
    {"X-Envelope-To", 3},
    {"X-MS-Exchange-Organization-OriginalEnvelopeRecipients", 4},
    {"X-Forwarded-To", 5},
    {"X-Forwarded-For", 6},
    {"Received", 7},
    {"Resent-To", 8},
    {"To", 9},
    {"Cc", 9},
};

#define RECIPIENT_NSOURCES                                                     \
	(sizeof(recipient_sources) / sizeof(recipient_sources[0]))

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

static enum otpbox_err
recipient_add_header(struct recipient_set *set, const char *value,
                     const char *header)
{
	InternetAddressList *list = internet_address_list_parse(NULL, value);
	enum otpbox_err err;

	err = recipient_add_list(set, list, header, 0);
	if (list)
		g_object_unref(list);
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
	enum otpbox_err err = OTPBOX_OK;
	size_t i;

	*out = NULL;
	*n = 0;
	*truncated = false;
	set.cap = filter->max ? filter->max : 1;
	if (!(set.list = calloc(set.cap, sizeof(*set.list))))
		return OTPBOX_ERR_NOMEM;
	for (i = 0; i < RECIPIENT_NSOURCES && !err; i++) {
		if (set.n > 0 && (i == 0 || recipient_sources[i].group !=
		                                recipient_sources[i - 1].group))
			break;
		err = recipient_from_source(&set, headers, nheaders,
		                            recipient_sources[i].name);
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
