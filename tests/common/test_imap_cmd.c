/* SPDX-License-Identifier: MIT */
/* IMAP command pieces: quoted strings and modified UTF-7 mailbox names. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#include "imap_cmd.h"

struct cmd_case {
	const char *in;
	enum otpbox_err want_err;
	const char *want;
};

static void
check(const char *fn, const struct cmd_case *tc, enum otpbox_err err,
      const char *got)
{
	int ok = err == tc->want_err && strcmp(got, tc->want) == 0;

	if (!ok)
		fprintf(stderr, "\n  %s('%s'): got %d '%s', wanted %d '%s'\n",
		        fn, tc->in, err, got, tc->want_err, tc->want);
	CU_ASSERT(ok);
}

static const struct cmd_case mailbox_cases[] = {
    {"INBOX", OTPBOX_OK, "\"INBOX\""},
    {"Junk Email", OTPBOX_OK, "\"Junk Email\""},
    {"Courrier ind\xc3\xa9sirable", OTPBOX_OK, "\"Courrier ind&AOk-sirable\""},
    {"\xd0\x9d\xd0\xb5\xd0\xb6\xd0\xb5\xd0\xbb\xd0\xb0\xd1\x82\xd0\xb5"
     "\xd0\xbb\xd1\x8c\xd0\xbd\xd0\xb0\xd1\x8f \xd0\xbf\xd0\xbe\xd1\x87"
     "\xd1\x82\xd0\xb0",
     OTPBOX_OK, "\"&BB0ENQQ2BDUEOwQwBEIENQQ7BEwEPQQwBE8- &BD8EPgRHBEIEMA-\""},
    {"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", OTPBOX_OK, "\"&ZeVnLIqe-\""},
    {"\xc3\x9cnl\xc3\xbc/Gereksiz", OTPBOX_OK, "\"&ANw-nl&APw-/Gereksiz\""},
    {"\xf0\x9f\x98\x80 emoji", OTPBOX_OK, "\"&2D3eAA- emoji\""},
    {"Tab\there", OTPBOX_OK, "\"Tab&AAk-here\""},
    {"a&b", OTPBOX_OK, "\"a&-b\""},
    {"say \"hi\" \\o/", OTPBOX_OK, "\"say \\\"hi\\\" \\\\o/\""},
    {"", OTPBOX_ERR_PARSE, ""},
    {"bad \xff byte", OTPBOX_ERR_PARSE, ""},
    {"overlong \xc0\xaf", OTPBOX_ERR_PARSE, ""},
    {"surrogate \xed\xa0\x80", OTPBOX_ERR_PARSE, ""},
    {"cut \xe6\x97", OTPBOX_ERR_PARSE, ""},
    {"too far \xf4\x90\x80\x80", OTPBOX_ERR_PARSE, ""},
};

static void
test_mailbox(void)
{
	char out[256];
	size_t k;

	for (k = 0; k < sizeof(mailbox_cases) / sizeof(mailbox_cases[0]); k++)
		check("imap_cmd_mailbox", &mailbox_cases[k],
		      imap_cmd_mailbox(mailbox_cases[k].in, out, sizeof(out)),
		      out);
}

static const struct cmd_case quote_cases[] = {
    {"plain", OTPBOX_OK, "\"plain\""},
    {"", OTPBOX_OK, "\"\""},
    {"p\"a\\ss", OTPBOX_OK, "\"p\\\"a\\\\ss\""},
    {"line\r\nbreak", OTPBOX_ERR_PARSE, ""},
    {"lf\n", OTPBOX_ERR_PARSE, ""},
};

static void
test_quote(void)
{
	char out[64];
	size_t k;

	for (k = 0; k < sizeof(quote_cases) / sizeof(quote_cases[0]); k++)
		check("imap_cmd_quote", &quote_cases[k],
		      imap_cmd_quote(quote_cases[k].in, out, sizeof(out)), out);
}

/* Exactly enough room works; one byte less is refused, never cut. */
static void
test_room(void)
{
	static const struct cmd_case fits = {"Courrier ind\xc3\xa9sirable",
	                                     OTPBOX_OK,
	                                     "\"Courrier ind&AOk-sirable\""};
	static const struct cmd_case small = {"Courrier ind\xc3\xa9sirable",
	                                      OTPBOX_ERR_TOO_BIG, ""};
	size_t need = strlen(fits.want) + 1;
	char out[64];

	check("exact room", &fits, imap_cmd_mailbox(fits.in, out, need), out);
	check("one byte short", &small,
	      imap_cmd_mailbox(small.in, out, need - 1), out);
	check("utf7 one byte short", &small,
	      imap_cmd_utf7(small.in, out, need - 3), out);
	CU_ASSERT_EQUAL(imap_cmd_quote("x", out, 0), OTPBOX_ERR_TOO_BIG);
}

static CU_TestInfo test_cases[] = {
    {"mailbox names", test_mailbox},
    {"quoted strings", test_quote},
    {"output room", test_room},
    CU_TEST_INFO_NULL,
};
#define TEST_SUITE_NAME "imap_cmd"
#include "../cunit_main.h"
