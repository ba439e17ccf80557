/* SPDX-License-Identifier: MIT */
/* Sender facts of one message: its From address and what the receiving
 * server's Authentication-Results (RFC 8601) say about it. Pure. */
#ifndef OTPBOX_AUTHRES_H
#define OTPBOX_AUTHRES_H

#include <stdbool.h>
#include <stddef.h>

#include "mime.h"

/* Longest address and domain kept; longer ones count as absent. */
#define AUTHRES_ADDRESS_MAX 320
#define AUTHRES_DOMAIN_MAX 253
/* Longest result keyword kept ("pass", "temperror", ...). */
#define AUTHRES_RESULT_MAX 15
/* Most passing DKIM domains kept (space-separated in dkim_domains). */
#define AUTHRES_DKIM_MAX 8

/*
 * What the message says about its sender and what the receiving server
 * vouched for. Every string is "" when unknown; all are lower-cased.
 */
struct authres_facts {
	/* The addr-spec of the single From mailbox; "" when there is no
	 * From, several From headers, or several mailboxes in it. */
	char from_address[AUTHRES_ADDRESS_MAX + 1];
	char from_domain[AUTHRES_DOMAIN_MAX + 1];
	/* Results of the trusted Authentication-Results ("" when the
	 * method was not reported). dkim is "pass" when any signature
	 * passed, else the first result. */
	char spf[AUTHRES_RESULT_MAX + 1];
	char dkim[AUTHRES_RESULT_MAX + 1];
	/* header.d of every passing signature, space-separated. */
	char dkim_domains[AUTHRES_DKIM_MAX * (AUTHRES_DOMAIN_MAX + 1)];
	char dmarc[AUTHRES_RESULT_MAX + 1];
	char dmarc_from[AUTHRES_DOMAIN_MAX + 1]; /* dmarc's header.from */
	/* dmarc=pass for the From domain, or dkim=pass with a header.d
	 * aligned with it (authres_aligned()). */
	bool authenticated;
	/* How many Authentication-Results headers were trusted. */
	size_t trusted;
};

/*
 * Fills *out from headers (top-level, in message order, values raw and
 * unfolded). authserv_id NULL or "": only the topmost
 * Authentication-Results header counts (the receiving server prepends
 * it; Microsoft 365 writes it without an authserv-id); otherwise every
 * one whose authserv-id equals authserv_id (without case) counts and the
 * others are ignored. Headers below are the sender's text. Linear in the
 * size of the headers; never fails.
 */
void authres_parse(const struct mime_header *headers, size_t nheaders,
                   const char *authserv_id, struct authres_facts *out);

/*
 * Returns whether domains a and b are relaxed-aligned by a simple rule:
 * equal, or one is a subdomain of the other (without case), and the
 * shorter has at least two labels (so no one aligns through "com").
 * Without the Public Suffix List, a.github.io and b.github.io do not
 * align but a.github.io and github.io do.
 */
bool authres_aligned(const char *a, const char *b);

#endif
