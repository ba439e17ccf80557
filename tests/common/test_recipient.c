/* SPDX-License-Identifier: MIT */
/* Table tests for recipient resolution from header lists. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#include <gmime/gmime.h>

#include "msgtest.h"
#include "recipient.h"

#define TEST_SUITE_NAME "recipient"

#define RCPT_MAXH 8

struct rcpt_case {
	const char *name;
	struct mime_header headers[RCPT_MAXH]; /* name NULL ends the list */
	const char *want; /* "addr<header>,addr<header>" or NULL */
};

static const struct rcpt_case rcpt_cases[] = {
    {"to only", {{"To", "Bot 4 <Bot4@Bots.Test>"}}, "bot4@bots.test<To>"},
    {"x-original-to beats a forged to",
     {{"Delivered-To", "catchall@bots.test"},
      {"X-Original-To", "bot1@bots.test"},
      {"To", "bot2@bots.test"}},
     "bot1@bots.test<X-Original-To>"},
    {"only the topmost x-original-to counts",
     {{"X-Original-To", "bot1@bots.test"}, {"X-Original-To", "bot9@bots.test"}},
     "bot1@bots.test<X-Original-To>"},
    {"topmost delivery header naming the catch-all gives nothing",
     {{"X-Original-To", "catchall@bots.test"},
      {"X-Original-To", "bot9@bots.test"},
      {"To", "bot3@bots.test"}},
     "bot3@bots.test<To>"},
    {"delivered-to when it names a bot",
     {{"Delivered-To", "bot5@bots.test"}, {"To", "x@y.example"}},
     "bot5@bots.test<Delivered-To>"},
    {"envelope-to",
     {{"Envelope-To", "bot6@bots.test"}, {"To", "undisclosed-recipients:;"}},
     "bot6@bots.test<Envelope-To>"},
    {"exchange original envelope recipients",
     {{"X-MS-Exchange-Organization-OriginalEnvelopeRecipients",
       "bot7@bots.test"},
      {"To", "list@other.example"}},
     "bot7@bots.test<X-MS-Exchange-Organization-OriginalEnvelopeRecipients>"},
    {"received for, catch-all hop skipped",
     {{"Received", "from a by b for <catchall@bots.test>; Mon, 1 Jan"},
      {"Received", "from c by a with ESMTPS id 1 for <bot8@bots.test>;"
                   " Mon, 1 Jan"},
      {"To", "undisclosed-recipients:;"}},
     "bot8@bots.test<Received>"},
    {"resent-to before to",
     {{"Resent-To", "bot9@bots.test"}, {"To", "desk@x.example"}},
     "bot9@bots.test<Resent-To>"},
    {"to and cc merged",
     {{"To", "bot1@bots.test, outside@x.example"},
      {"Cc", "\"Two\" <bot2@bots.test>"}},
     "bot1@bots.test<To>,bot2@bots.test<Cc>"},
    {"display name that looks like an address is ignored",
     {{"To", "\"bot5@bots.test\" <catchall@bots.test>"}},
     NULL},
    {"look-alike domain is not a bot",
     {{"To", "bot1@bots.test.example, bot2@xbots.test"}},
     NULL},
    {"plus address kept as written",
     {{"To", "Bot7+Signup@bots.test"}},
     "bot7+signup@bots.test<To>"},
    {"rfc 2047 display name",
     {{"To", "=?UTF-8?B?w5xtaXQ=?= <bot12@bots.test>"}},
     "bot12@bots.test<To>"},
    {"group syntax",
     {{"To", "Bots: bot1@bots.test, bot2@bots.test;"}},
     "bot1@bots.test<To>,bot2@bots.test<To>"},
    {"garbage",
     {{"To", "<<<@@@>>> ,,, \"unclosed"}, {"Received", "for"}},
     NULL},
    {"duplicates once",
     {{"To", "bot1@bots.test, BOT1@bots.test"}},
     "bot1@bots.test<To>"},
};

static void
rcpt_format(const struct recipient *r, size_t n, char *buf, size_t len)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s<%s>",
		         i ? "," : "", r[i].address, r[i].header);
}

static void
test_recipient_cases(void)
{
	char *domains[] = {"bots.test"};
	struct recipient_filter filter = {
	    "catchall@bots.test", domains, 1, 64, NULL, 0};
	struct recipient *r;
	char buf[1024];
	size_t i, nh, n;
	bool truncated;

	for (i = 0; i < sizeof(rcpt_cases) / sizeof(rcpt_cases[0]); i++) {
		const struct rcpt_case *tc = &rcpt_cases[i];

		for (nh = 0; nh < RCPT_MAXH && tc->headers[nh].name; nh++)
			;
		CU_ASSERT_FATAL(recipient_resolve(tc->headers, nh, &filter, &r,
		                                  &n, &truncated) == OTPBOX_OK);
		rcpt_format(r, n, buf, sizeof(buf));
		msgtest_str(tc->name, "recipients", n ? buf : NULL, tc->want);
		recipient_free(r, n);
	}
}

/* With no domain configured any address counts, the mailbox still not. */
static void
test_recipient_any_domain(void)
{
	struct mime_header h[] = {{"To", "a@x.example, box@y.example"}};
	struct recipient_filter filter = {
	    "BOX@y.example", NULL, 0, 64, NULL, 0};
	struct recipient *r;
	size_t n;
	bool truncated;
	char buf[256];

	CU_ASSERT_FATAL(recipient_resolve(h, 1, &filter, &r, &n, &truncated) ==
	                OTPBOX_OK);
	rcpt_format(r, n, buf, sizeof(buf));
	msgtest_str("any domain", "recipients", buf, "a@x.example<To>");
	recipient_free(r, n);
}

/* More bots than the cap: the first are kept and truncation is said. */
static void
test_recipient_cap(void)
{
	struct mime_header h[] = {{"To", "b1@bots.test, b2@bots.test, "
	                                 "b3@bots.test"}};
	char *domains[] = {"bots.test"};
	struct recipient_filter filter = {NULL, domains, 1, 2, NULL, 0};
	struct recipient *r;
	size_t n;
	bool truncated;

	CU_ASSERT_FATAL(recipient_resolve(h, 1, &filter, &r, &n, &truncated) ==
	                OTPBOX_OK);
	msgtest_int("cap", "count", (long long)n, 2);
	msgtest_int("cap", "truncated", truncated, 1);
	recipient_free(r, n);
}

/* Microsoft 365's order: the Exchange envelope header (RFC 2047 decoded),
 * Received "for", To/Cc; X-Original-To and Delivered-To, which Exchange
 * never writes, are the sender's and not trusted. */
static const struct rcpt_case exchange_cases[] = {
    {"envelope header, encoded as Exchange writes it",
     {{"X-Original-To", "bot9@bots.test"},
      {"X-MS-Exchange-Organization-OriginalEnvelopeRecipients",
       "=?us-ascii?Q?bot2=40bots.test?="},
      {"To", "bot3@bots.test"}},
     "bot2@bots.test<X-MS-Exchange-Organization-OriginalEnvelopeRecipients>"},
    {"forged x-original-to and delivered-to are not trusted",
     {{"X-Original-To", "bot9@bots.test"},
      {"Delivered-To", "bot8@bots.test"},
      {"To", "bot3@bots.test"}},
     "bot3@bots.test<To>"},
    {"received for before to",
     {{"Received", "from a by b with ESMTPS for <bot4@bots.test>; Mon"},
      {"Delivered-To", "bot8@bots.test"},
      {"To", "bot3@bots.test"}},
     "bot4@bots.test<Received>"},
};

static void
test_recipient_exchange(void)
{
	char *domains[] = {"bots.test"};
	struct recipient_filter filter = {
	    "catchall@bots.test", domains, 1, 64, NULL, 0};
	struct recipient *r;
	char buf[1024];
	size_t i, nh, n;
	bool truncated;

	filter.headers = recipient_headers_for_host("outlook.office365.com",
	                                            &filter.nheaders);
	for (i = 0; i < sizeof(exchange_cases) / sizeof(exchange_cases[0]);
	     i++) {
		const struct rcpt_case *tc = &exchange_cases[i];

		for (nh = 0; nh < RCPT_MAXH && tc->headers[nh].name; nh++)
			;
		CU_ASSERT_FATAL(recipient_resolve(tc->headers, nh, &filter, &r,
		                                  &n, &truncated) == OTPBOX_OK);
		rcpt_format(r, n, buf, sizeof(buf));
		msgtest_str(tc->name, "recipients", n ? buf : NULL, tc->want);
		recipient_free(r, n);
	}
}

/* Which hosts get Exchange's order. */
static void
test_recipient_hosts(void)
{
	static const struct {
		const char *host;
		const char *first;
	} cases[] = {
	    {"outlook.office365.com", "X-MS-Exchange-Organization-"
	                              "OriginalEnvelopeRecipients"},
	    {"OUTLOOK.OFFICE.COM", "X-MS-Exchange-Organization-"
	                           "OriginalEnvelopeRecipients"},
	    {"imap-mail.outlook.com", "X-MS-Exchange-Organization-"
	                              "OriginalEnvelopeRecipients"},
	    {"mail.example.com", "X-Original-To"},
	    {"notoutlook.com", "X-Original-To"},
	    {"office365.com.evil.example", "X-Original-To"},
	    {NULL, "X-Original-To"},
	};
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		msgtest_str(cases[i].host ? cases[i].host : "(null)", "first",
		            recipient_headers_for_host(cases[i].host, &n)[0],
		            cases[i].first);
}

/* A configured list replaces the order: here only To. */
static void
test_recipient_configured(void)
{
	static const char *const only_to[] = {"To"};
	struct mime_header h[] = {{"X-Original-To", "bot1@bots.test"},
	                          {"To", "bot2@bots.test"}};
	char *domains[] = {"bots.test"};
	struct recipient_filter filter = {NULL, domains, 1, 64, only_to, 1};
	struct recipient *r;
	size_t n;
	bool truncated;
	char buf[256];

	CU_ASSERT_FATAL(recipient_resolve(h, 2, &filter, &r, &n, &truncated) ==
	                OTPBOX_OK);
	rcpt_format(r, n, buf, sizeof(buf));
	msgtest_str("configured", "recipients", buf, "bot2@bots.test<To>");
	recipient_free(r, n);
}

static void
test_recipient_init(void)
{
	g_mime_init();
}

static CU_TestInfo test_cases[] = {
    {"init", test_recipient_init},
    {"trust order and filters", test_recipient_cases},
    {"any domain", test_recipient_any_domain},
    {"cap", test_recipient_cap},
    {"Microsoft 365 order", test_recipient_exchange},
    {"order by host", test_recipient_hosts},
    {"configured order", test_recipient_configured},
    CU_TEST_INFO_NULL,
};

#include "../cunit_main.h"
