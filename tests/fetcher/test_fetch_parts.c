/* SPDX-License-Identifier: MIT */
/* fetch_parts: what a large message's BODYSTRUCTURE makes us ask for,
 * and the message rebuilt from the pieces, through the real parser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cunit_main.h"
#include "fetch_parts.h"
#include "imap_parse.h"

/* Parses one FETCH response; the parser stays alive for its memory. */
static const struct imap_parse_fetch *
parse(struct imap_parse **p, const char *line)
{
	const struct imap_parse_resp *r = NULL;

	*p = NULL;
	if (imap_parse_new(NULL, p) != OTPBOX_OK ||
	    imap_parse_feed(*p, line, strlen(line)) != OTPBOX_OK ||
	    imap_parse_next(*p, &r) != OTPBOX_OK || r == NULL) {
		fprintf(stderr, "  cannot parse: %s\n",
		        *p ? imap_parse_errmsg(*p) : "no parser");
		return NULL;
	}
	return &r->fetch;
}

struct plan_case {
	const char *name;
	const char *bodystructure; /* NULL: none sent */
	size_t max_bytes;
	const char *items, *skipped;
};

static const struct plan_case plan_cases[] = {
    {"text parts asked for, the attachment named",
     "(((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"qp\" 10 1)"
     "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"base64\" 20 1) "
     "\"alternative\")(\"application\" \"pdf\" NIL NIL NIL \"base64\" 5000000 "
     "NIL (\"attachment\" (\"filename\" \"b.pdf\")) NIL) \"mixed\")",
     262144,
     "BODY.PEEK[HEADER]<0.131072> BODY.PEEK[1.1]<0.65280> "
     "BODY.PEEK[1.2]<0.65280>",
     "part 2 application/pdf b.pdf (5000000 bytes)"},
    {"one text part: its body is TEXT",
     "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 100000 9 "
     "NIL NIL NIL NIL)",
     262144, "BODY.PEEK[HEADER]<0.131072> BODY.PEEK[TEXT]<0.130816>", ""},
    {"a text attachment is an attachment",
     "((\"text\" \"plain\" NIL NIL NIL \"7bit\" 5 1)(\"text\" \"plain\" NIL "
     "NIL NIL \"7bit\" 900000 9 NIL (\"attachment\" (\"filename\" "
     "\"log.txt\")) NIL) \"mixed\")",
     262144, "BODY.PEEK[HEADER]<0.131072> BODY.PEEK[1]<0.130816>",
     "part 2 text/plain log.txt (900000 bytes)"},
    {"no BODYSTRUCTURE: the beginning of the whole message", NULL, 262144,
     "BODY.PEEK[]<0.262144>", ""},
    {"only an image: the header alone",
     "(\"image\" \"png\" NIL NIL NIL \"base64\" 300000 NIL NIL NIL NIL)",
     262144, "BODY.PEEK[HEADER]<0.131072>", "part 1 image/png (300000 bytes)"},
};

static void
test_plan(void)
{
	struct fetch_parts_plan plan;
	char line[2048], items[FETCH_PARTS_ITEMS_MAX];
	size_t i;

	for (i = 0; i < sizeof(plan_cases) / sizeof(plan_cases[0]); i++) {
		const struct plan_case *c = &plan_cases[i];
		const struct imap_parse_fetch *fe;
		struct imap_parse *p;

		snprintf(line, sizeof(line), "* 1 FETCH (UID 5%s%s)\r\n",
		         c->bodystructure ? " BODYSTRUCTURE " : "",
		         c->bodystructure ? c->bodystructure : "");
		fe = parse(&p, line);
		CU_ASSERT_PTR_NOT_NULL_FATAL(fe);
		fetch_parts_plan(fe, c->max_bytes, &plan);
		CU_ASSERT_EQUAL(fetch_parts_items(&plan, items, sizeof(items)),
		                OTPBOX_OK);
		TEST_EXPECT_STR(c->name, items, c->items);
		TEST_EXPECT_STR(c->name, plan.skipped, c->skipped);
		imap_parse_free(p);
	}
}

struct build_case {
	const char *name;
	const char *bodystructure;
	size_t max_bytes;
	const char *answer; /* the items of the parts' FETCH response */
	const char *want;   /* the rebuilt message */
	int cut;
};

static const struct build_case build_cases[] = {
    {"MIME fields replaced, folded ones too; two parts in a multipart",
     "((\"text\" \"plain\" (\"charset\" \"iso-8859-1\") NIL NIL \"qp\" 4 1)"
     "(\"text\" \"html\" NIL NIL NIL \"base64\" 8 1) \"alternative\")",
     262144,
     "BODY[HEADER]<0> {79}\r\nTo: a@b.test\r\nContent-Type: multipart/"
     "alternative;\r\n boundary=x\r\nSubject: s\r\n\r\n BODY[1]<0> {4}\r\n"
     "=41x BODY[2]<0> {8}\r\nPGI+PC9i",
     "To: a@b.test\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: "
     "multipart/mixed; boundary=\"=_otpbox_parts_0\"\r\n\r\n"
     "--=_otpbox_parts_0\r\nContent-Type: text/plain; "
     "charset=\"iso-8859-1\"\r\nContent-Transfer-Encoding: qp\r\n\r\n=41x"
     "\r\n--=_otpbox_parts_0\r\nContent-Type: text/html\r\n"
     "Content-Transfer-Encoding: base64\r\n\r\nPGI+PC9i\r\n"
     "--=_otpbox_parts_0--\r\n",
     0},
    {"a cut header loses its partial last line",
     "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 4 1 NIL NIL NIL NIL)", 16,
     "BODY[HEADER]<0> {8}\r\nA: 1\r\nTo BODY[TEXT]<0> {4}\r\ncode",
     "A: 1\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n"
     "Content-Transfer-Encoding: 7bit\r\n\r\ncode",
     1},
    {"parts split over two responses, a flag update between, first wins",
     "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 4 1 NIL NIL NIL NIL)", 262144,
     "BODY[HEADER]<0> {6}\r\nA: 1\r\n|FLAGS (\\Seen)|BODY[TEXT]<0> "
     "{4}\r\ncode BODY[HEADER]<0> {6}\r\nB: 2\r\n",
     "A: 1\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n"
     "Content-Transfer-Encoding: 7bit\r\n\r\ncode",
     0},
    {"one over-long header line is kept cut, not lost",
     "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 4 1 NIL NIL NIL NIL)", 16,
     "BODY[HEADER]<0> {8}\r\nX: LLLLL BODY[TEXT]<0> {4}\r\ncode",
     "X: LLLLL\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n"
     "Content-Transfer-Encoding: 7bit\r\n\r\ncode",
     1},
    {"a boundary found in a part is not used; a hostile charset is dropped",
     "((\"text\" \"plain\" (\"charset\" \"x\\\"; evil=1\") NIL NIL \"7bit\" "
     "18 1)(\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1) \"mixed\")",
     262144,
     "BODY[HEADER]<0> {2}\r\n\r\n BODY[1]<0> {18}\r\n=_otpbox_parts_0 x "
     "BODY[2]<0> NIL",
     "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
     "boundary=\"=_otpbox_parts_1\"\r\n\r\n--=_otpbox_parts_1\r\n"
     "Content-Type: text/plain\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
     "=_otpbox_parts_0 x\r\n--=_otpbox_parts_1\r\nContent-Type: "
     "text/plain\r\nContent-Transfer-Encoding: 7bit\r\n\r\n\r\n"
     "--=_otpbox_parts_1--\r\n",
     1},
};

/* Feeds each "|"-separated answer as its own FETCH response into got. */
static void
take_answers(const char *answers, struct fetch_parts_got *got)
{
	char line[4200], one[4096];
	const char *p = answers, *bar;
	const struct imap_parse_fetch *fe;
	struct imap_parse *ps;
	size_t n;

	while (*p) {
		bar = strchr(p, '|');
		n = bar ? (size_t)(bar - p) : strlen(p);
		snprintf(one, sizeof(one), "%.*s", (int)n, p);
		snprintf(line, sizeof(line), "* 1 FETCH (UID 5 %s)\r\n", one);
		fe = parse(&ps, line);
		CU_ASSERT_PTR_NOT_NULL(fe);
		if (fe)
			CU_ASSERT_EQUAL(fetch_parts_take(got, fe), OTPBOX_OK);
		imap_parse_free(ps);
		p += n + (bar != NULL);
	}
}

static void
test_build(void)
{
	struct fetch_parts_plan plan;
	char line[4096];
	size_t i, len;

	for (i = 0; i < sizeof(build_cases) / sizeof(build_cases[0]); i++) {
		const struct build_case *c = &build_cases[i];
		struct fetch_parts_got got = {0};
		const struct imap_parse_fetch *fe;
		struct imap_parse *p;
		char *raw = NULL;
		bool cut;

		snprintf(line, sizeof(line),
		         "* 1 FETCH (UID 5 BODYSTRUCTURE %s)\r\n",
		         c->bodystructure);
		fe = parse(&p, line);
		CU_ASSERT_PTR_NOT_NULL_FATAL(fe);
		fetch_parts_plan(fe, c->max_bytes, &plan);
		imap_parse_free(p);
		take_answers(c->answer, &got);
		CU_ASSERT_EQUAL(
		    fetch_parts_build(&plan, &got, &raw, &len, &cut),
		    OTPBOX_OK);
		TEST_EXPECT_STR(c->name, raw, c->want);
		TEST_EXPECT_INT(c->name, cut, c->cut);
		free(raw);
		fetch_parts_got_free(&got);
	}
}

static CU_TestInfo test_cases[] = {
    {"what is asked for", test_plan},
    {"the message rebuilt", test_build},
    CU_TEST_INFO_NULL,
};
#define TEST_SUITE_NAME "fetch_parts"
#include "../cunit_main.h"
