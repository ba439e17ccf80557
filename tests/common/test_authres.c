/* SPDX-License-Identifier: MIT */
/* Sender facts: which Authentication-Results count, what they say, and
 * the From address, as a table of header blocks and wanted facts. */
#include "../cunit_main.h"
#include <stdlib.h>
#include <time.h>

#include "authres.h"

#define TEST_SUITE_NAME "authres"

/* Exchange Online Protection's stamp, as Microsoft documents it. */
#define EOP_PASS                                                               \
	"spf=pass (sender IP is 192.0.2.10) smtp.mailfrom=bank.example; "      \
	"dkim=pass (signature was verified) header.d=bank.example;"            \
	"dmarc=pass action=none header.from=bank.example;compauth=pass "       \
	"reason=100"
#define EOP_FAIL                                                               \
	"spf=fail (sender IP is 203.0.113.9) smtp.mailfrom=bank.example; "     \
	"dkim=none (message not signed) header.d=none;dmarc=fail "             \
	"action=quarantine header.from=bank.example;compauth=fail "            \
	"reason=000"

struct hdr {
	const char *name, *value;
};

struct authres_case {
	const char *name;
	struct hdr h[5];
	const char *authserv_id;
	/* from_address from_domain spf dkim [dkim_domains] dmarc
	 * dmarc_from authenticated trusted */
	const char *want;
};

static const struct authres_case cases[] = {
    {"Microsoft 365: topmost, no authserv-id",
     {{"Authentication-Results", EOP_PASS},
      {"From", "Bank <No-Reply@Bank.Example>"}},
     NULL,
     "no-reply@bank.example bank.example pass pass [bank.example] pass "
     "bank.example 1 1"},
    {"a forged lower header is the sender's text",
     {{"Authentication-Results", EOP_FAIL},
      {"From", "no-reply@bank.example"},
      {"Authentication-Results", EOP_PASS}},
     NULL,
     "no-reply@bank.example bank.example fail none [] fail bank.example 0 "
     "1"},
    {"no Authentication-Results at all",
     {{"From", "a@bank.example"}},
     NULL,
     "a@bank.example bank.example - - [] - - 0 0"},
    {"authserv_id: only matching headers, merged",
     {{"Authentication-Results", "mx.forged.example; dmarc=pass"
                                 " header.from=bank.example"},
      {"Authentication-Results", "MX.Our.Example 1; spf=softfail"
                                 " smtp.mailfrom=bank.example"},
      {"Authentication-Results", "mx.our.example; dkim=pass"
                                 " header.d=mail.bank.example"},
      {"From", "<a@bank.example>"}},
     "mx.our.example",
     "a@bank.example bank.example softfail pass [mail.bank.example] - - 1 "
     "2"},
    {"authserv_id set: Exchange's header (no id) does not count",
     {{"Authentication-Results", EOP_PASS}, {"From", "a@bank.example"}},
     "mx.our.example",
     "a@bank.example bank.example - - [] - - 0 0"},
    {"authserv-id without version, then none",
     {{"Authentication-Results", "mx.our.example; none"},
      {"From", "a@bank.example"}},
     "mx.our.example",
     "a@bank.example bank.example - - [] - - 0 1"},
    {"dkim pass for another domain: not authenticated",
     {{"Authentication-Results",
       "spf=pass smtp.mailfrom=mailer.example; dkim=pass"
       " header.d=mailer.example; dmarc=none header.from=bank.example"},
      {"From", "a@bank.example"}},
     NULL,
     "a@bank.example bank.example pass pass [mailer.example] none "
     "bank.example 0 1"},
    {"dkim pass aligned by subdomain, dmarc none",
     {{"Authentication-Results",
       "dkim=fail header.d=x.example; dkim=pass header.d=bank.example;"
       " dmarc=none"},
      {"From", "a@login.bank.example"}},
     NULL,
     "a@login.bank.example login.bank.example - pass [bank.example] none "
     "- 1 1"},
    {"dmarc pass for another header.from: not for our From",
     {{"Authentication-Results", "dmarc=pass header.from=evil.example"},
      {"From", "a@bank.example"}},
     NULL,
     "a@bank.example bank.example - - [] pass evil.example 0 1"},
    {"comments and quoted strings hide ; and =",
     {{"Authentication-Results",
       "spf=pass (a; dmarc=pass (nested) x) smtp.mailfrom=\"b;c\";"
       " dkim=pass header.d=\"bank.example\" (x=y; z)"},
      {"From", "\"Bank, <Inc>\" <a@bank.example> (note, here)"}},
     NULL,
     "a@bank.example bank.example pass pass [bank.example] - - 1 1"},
    {"method version and reason",
     {{"Authentication-Results",
       "dkim/1=pass reason=\"good sig\" header.d=bank.example"},
      {"From", "a@bank.example"}},
     NULL,
     "a@bank.example bank.example - pass [bank.example] - - 1 1"},
    {"empty value before ; does not merge resinfos",
     {{"Authentication-Results", "dkim=; dmarc=pass header.from=b.example"},
      {"From", "a@b.example"}},
     NULL,
     "a@b.example b.example - - [] pass b.example 1 1"},
    {"two From headers: no sender",
     {{"Authentication-Results", EOP_PASS},
      {"From", "a@bank.example"},
      {"From", "b@evil.example"}},
     NULL,
     "- - pass pass [bank.example] pass bank.example 0 1"},
    {"two mailboxes in From: no sender",
     {{"Authentication-Results", EOP_PASS},
      {"From", "a@bank.example, b@evil.example"}},
     NULL,
     "- - pass pass [bank.example] pass bank.example 0 1"},
    {"TLD does not align",
     {{"Authentication-Results", "dkim=pass header.d=example"},
      {"From", "a@bank.example"}},
     NULL,
     "a@bank.example bank.example - pass [example] - - 0 1"},
    {"look-alike suffix does not align",
     {{"Authentication-Results", "dkim=pass header.d=evilbank.example"},
      {"From", "a@bank.example"}},
     NULL,
     "a@bank.example bank.example - pass [evilbank.example] - - 0 1"},
    {"unclosed comment and quote",
     {{"Authentication-Results", "spf=pass (oops; dkim=pass \"x"},
      {"From", "(c a@b.example"}},
     NULL,
     "- - pass - [] - - 0 1"},
};

static const char *
dash(const char *s)
{
	return *s ? s : "-";
}

static void
test_table(void)
{
	struct mime_header h[5];
	struct authres_facts f;
	char got[4096];
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (n = 0; n < 5 && cases[i].h[n].name; n++) {
			h[n].name = (char *)cases[i].h[n].name;
			h[n].value = (char *)cases[i].h[n].value;
		}
		authres_parse(h, n, cases[i].authserv_id, &f);
		snprintf(got, sizeof(got), "%s %s %s %s [%s] %s %s %d %zu",
		         dash(f.from_address), dash(f.from_domain), dash(f.spf),
		         dash(f.dkim), f.dkim_domains, dash(f.dmarc),
		         dash(f.dmarc_from), f.authenticated, f.trusted);
		TEST_EXPECT_STR(cases[i].name, got, cases[i].want);
	}
}

static void
test_aligned(void)
{
	static const struct {
		const char *a, *b;
		int want;
	} pairs[] = {
	    {"bank.example", "bank.example", 1},
	    {"Bank.Example", "bank.example", 1},
	    {"mail.bank.example", "bank.example", 1},
	    {"bank.example", "a.b.bank.example", 1},
	    {"evilbank.example", "bank.example", 0},
	    {"bank.example", "example", 0},
	    {"", "bank.example", 0},
	    {"x.example", "y.example", 0},
	};
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		TEST_EXPECT_INT(pairs[i].a,
		                authres_aligned(pairs[i].a, pairs[i].b),
		                pairs[i].want);
}

/* Hostile input: a megabyte of nested comments, of '=', of ';', of
 * unbalanced quotes. Each is read in linear time (a quadratic reader
 * would take minutes); the clock only guards against a hang. */
static void
test_hostile(void)
{
	static const char *const fills[] = {"(", "=", ";", "\"", "a=b ", "\\"};
	size_t len = 1 << 20, i, j;
	struct mime_header h[2];
	struct authres_facts f;
	char *v = malloc(len + 1);
	clock_t t0 = clock();

	CU_ASSERT_FATAL(v != NULL);
	for (i = 0; i < sizeof(fills) / sizeof(fills[0]); i++) {
		size_t fl = strlen(fills[i]);

		for (j = 0; j + fl <= len; j += fl)
			memcpy(v + j, fills[i], fl);
		v[j] = '\0';
		h[0] = (struct mime_header){"Authentication-Results", v};
		h[1] = (struct mime_header){"From", v};
		authres_parse(h, 2, NULL, &f);
		CU_ASSERT(!f.authenticated);
		authres_parse(h, 2, "x", &f);
		CU_ASSERT(!f.authenticated);
	}
	CU_ASSERT((clock() - t0) / CLOCKS_PER_SEC < 20);
	free(v);
}

static CU_TestInfo test_cases[] = {
    {"table", test_table},
    {"alignment", test_aligned},
    {"hostile input", test_hostile},
    CU_TEST_INFO_NULL,
};

#include "../cunit_main.h"
