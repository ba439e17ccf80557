/* SPDX-License-Identifier: MIT */
/* IMAP response parser tests: every case fed whole, bytewise and split. */
#include <CUnit/Basic.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_date.h"
#include "imap_parse.h"

#define OUT_MAX 8192

/* Small limits so that the cap cases need little input. */
static const struct imap_parse_limits small_limits = {
    .max_line = 256,
    .max_literal = 4096,
    .max_response = 8192,
    .max_items = 32,
};

/* Checks with got/wanted printed (cunit_main.h's macros come too late). */
static void
expect_int(const char *name, long long got, long long want)
{
	if (got != want)
		fprintf(stderr, "\n  %s: got %lld, wanted %lld\n", name, got,
		        want);
	CU_ASSERT_EQUAL(got, want);
}

static void
expect_str(const char *name, const char *got, const char *want)
{
	if (strcmp(got, want) != 0)
		fprintf(stderr, "\n  %s: got '%s', wanted '%s'\n", name, got,
		        want);
	CU_ASSERT_STRING_EQUAL(got, want);
}

/* A growing text summary of what the parser returned. */
struct out {
	char s[OUT_MAX];
	size_t len;
};

static void out_add(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
out_add(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->s + o->len, OUT_MAX - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n < OUT_MAX - o->len ? (size_t)n
		                                       : OUT_MAX - o->len - 1;
}

/* Bytes with CR, LF, NUL, quote and backslash made visible. */
static void
out_bytes(struct out *o, const unsigned char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (b[i] == '\r')
			out_add(o, "\\r");
		else if (b[i] == '\n')
			out_add(o, "\\n");
		else if (b[i] < 0x20 || b[i] >= 0x7f)
			out_add(o, "\\x%02x", b[i]);
		else
			out_add(o, "%c", b[i]);
	}
}

static const char *
status_name(enum imap_parse_status st)
{
	static const char *const names[] = {"",    "OK",  "NO",
	                                    "BAD", "BYE", "PREAUTH"};

	return names[st];
}

static const char *
data_name(enum imap_parse_data d)
{
	static const char *const names[] = {
	    "",           "EXISTS", "EXPUNGE", "RECENT", "FETCH",
	    "CAPABILITY", "SEARCH", "FLAGS",   "LIST",   "OTHER"};

	return names[d];
}

static void
describe_fetch(struct out *o, const struct imap_parse_fetch *f)
{
	if (f->has_uid)
		out_add(o, " uid=%u", f->uid);
	if (f->has_internaldate)
		out_add(o, " date=%lld", (long long)f->internaldate);
	if (f->has_size)
		out_add(o, " size=%llu", (unsigned long long)f->size);
	if (f->has_flags)
		out_add(o, " flags=(%s)", f->flags);
	if (f->has_origin)
		out_add(o, " origin=%llu", (unsigned long long)f->origin);
	if (f->has_body && f->body_nil)
		out_add(o, " body=NIL");
	else if (f->has_body) {
		out_add(o, " body[%zu]=", f->body_len);
		out_bytes(o, f->body, f->body_len);
	}
}

static void
describe(struct out *o, const struct imap_parse_resp *r)
{
	size_t k;

	if (o->len)
		out_add(o, " | ");
	if (r->type == IMAP_PARSE_CONTINUATION)
		out_add(o, "+");
	else
		out_add(o, "%s", r->type == IMAP_PARSE_TAGGED ? r->tag : "*");
	if (r->data == IMAP_PARSE_DATA_EXISTS ||
	    r->data == IMAP_PARSE_DATA_EXPUNGE ||
	    r->data == IMAP_PARSE_DATA_RECENT ||
	    r->data == IMAP_PARSE_DATA_FETCH)
		out_add(o, " %u", r->number);
	if (r->data)
		out_add(o, " %s", data_name(r->data));
	if (r->status)
		out_add(o, " %s", status_name(r->status));
	if (r->code)
		out_add(o, " [%s]", r->code_text);
	if (r->code_number)
		out_add(o, " n=%u", r->code_number);
	if (r->data == IMAP_PARSE_DATA_FETCH)
		describe_fetch(o, &r->fetch);
	for (k = 0; k < r->nsearch; k++)
		out_add(o, " %u", r->search[k]);
	if (*r->cap_list)
		out_add(o, " caps=%s", r->cap_list);
	if (*r->text && r->data != IMAP_PARSE_DATA_CAPABILITY)
		out_add(o, " \"%s\"", r->text);
}

static const char *
err_name(enum otpbox_err err)
{
	switch (err) {
	case OTPBOX_ERR_TOO_BIG:
		return "TOO_BIG";
	case OTPBOX_ERR_PROTOCOL:
		return "PROTOCOL";
	case OTPBOX_ERR_NOMEM:
		return "NOMEM";
	default:
		return "OTHER";
	}
}

/* Drains every response available now; returns the error, if any. */
static enum otpbox_err
drain(struct imap_parse *p, struct out *o)
{
	const struct imap_parse_resp *r;
	enum otpbox_err err;

	while ((err = imap_parse_next(p, &r)) == OTPBOX_OK && r)
		describe(o, r);
	return err;
}

/*
 * Feeds in[0..n) in chunks: cuts[] lists the chunk ends (ascending, the
 * last one n). Returns the summary, "ERR <name>" at the end on error and
 * "MORE" when bytes are left over at the end.
 */
static void
run_chunks(const struct imap_parse_limits *lim, const char *in, size_t n,
           const size_t *cuts, size_t ncuts, struct out *o)
{
	struct imap_parse *p = NULL;
	enum otpbox_err err = OTPBOX_OK;
	size_t k, at = 0;

	memset(o, 0, sizeof(*o));
	CU_ASSERT_FATAL(imap_parse_new(lim, &p) == OTPBOX_OK);
	for (k = 0; k < ncuts && !err; k++) {
		err = imap_parse_feed(p, in + at, cuts[k] - at);
		if (!err)
			err = drain(p, o);
		at = cuts[k];
	}
	if (err)
		out_add(o, "%sERR %s", o->len ? " | " : "", err_name(err));
	else if (imap_parse_pending(p))
		out_add(o, "%sMORE", o->len ? " | " : "");
	if (err)
		CU_ASSERT(*imap_parse_errmsg(p) != '\0');
	imap_parse_free(p);
}

struct parse_case {
	const char *name;
	const char *in;
	size_t len; /* 0: strlen(in) */
	const char *want;
};

static int
check_one(const struct parse_case *tc, const char *how, const struct out *o)
{
	if (strcmp(o->s, tc->want) == 0)
		return 1;
	fprintf(stderr, "\n  %s (%s):\n    got    '%s'\n    wanted '%s'\n",
	        tc->name, how, o->s, tc->want);
	return 0;
}

/* Whole, byte by byte, and every split into two chunks. */
static void
run_case(const struct parse_case *tc)
{
	size_t n = tc->len ? tc->len : strlen(tc->in), k, cuts[2];
	size_t *bytes = calloc(n + 1, sizeof(*bytes));
	struct out *o = malloc(sizeof(*o));
	char how[64];
	int ok;

	CU_ASSERT_FATAL(bytes && o);
	run_chunks(&small_limits, tc->in, n, &n, 1, o);
	ok = check_one(tc, "whole", o);
	for (k = 0; k < n; k++)
		bytes[k] = k + 1;
	run_chunks(&small_limits, tc->in, n, bytes, n, o);
	ok = ok && check_one(tc, "byte by byte", o);
	for (k = 1; ok && k < n; k++) {
		cuts[0] = k;
		cuts[1] = n;
		run_chunks(&small_limits, tc->in, n, cuts, 2, o);
		snprintf(how, sizeof(how), "split at %zu", k);
		ok = check_one(tc, how, o);
	}
	CU_ASSERT(ok);
	free(bytes);
	free(o);
}

static void
run_table(const struct parse_case *cases, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		run_case(&cases[k]);
}

#define RUN_TABLE(t) run_table((t), sizeof(t) / sizeof((t)[0]))

static const struct parse_case status_cases[] = {
    {"greeting with capabilities",
     "* OK [CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN] Dovecot ready.\r\n", 0,
     "* OK [CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN] "
     "caps=IMAP4rev1 IDLE AUTH=PLAIN \"Dovecot ready.\""},
    {"tagged OK", "A1 OK Logged in\r\n", 0, "A1 OK \"Logged in\""},
    {"tagged NO with code",
     "a2 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n", 0,
     "a2 NO [AUTHENTICATIONFAILED] \"Authentication failed.\""},
    {"tagged BAD, no text", "x.9 BAD\r\n", 0, "x.9 BAD"},
    {"UIDVALIDITY and UIDNEXT",
     "* OK [UIDVALIDITY 1700000000] UIDs valid\r\n"
     "* OK [UIDNEXT 42] Predicted next UID\r\n"
     "A3 OK [READ-ONLY] Examine completed (0.001 + 0.000 secs).\r\n",
     0,
     "* OK [UIDVALIDITY 1700000000] n=1700000000 \"UIDs valid\" | "
     "* OK [UIDNEXT 42] n=42 \"Predicted next UID\" | "
     "A3 OK [READ-ONLY] \"Examine completed (0.001 + 0.000 secs).\""},
    {"unknown code kept raw", "* NO [X-WEIRD a b] hmm\r\n", 0,
     "* NO [X-WEIRD a b] \"hmm\""},
    {"BYE", "* BYE Server shutting down.\r\n", 0,
     "* BYE \"Server shutting down.\""},
    {"PREAUTH", "* PREAUTH [ALERT] welcome\r\n", 0,
     "* PREAUTH [ALERT] \"welcome\""},
    {"continuation", "+ idling\r\n", 0, "+ \"idling\""},
    {"bare continuation", "+\r\n", 0, "+"},
    {"SASL challenge", "+ eyJzdGF0dXMiOiI0MDEifQ==\r\n", 0,
     "+ \"eyJzdGF0dXMiOiI0MDEifQ==\""},
    {"bare LF tolerated", "A1 OK done\n", 0, "A1 OK \"done\""},
    {"CAPABILITY data",
     "* CAPABILITY IMAP4rev1 LITERAL+ SASL-IR AUTH=XOAUTH2 IDLE\r\n", 0,
     "* CAPABILITY caps=IMAP4rev1 LITERAL+ SASL-IR AUTH=XOAUTH2 IDLE"},
    {"numeric data", "* 23 EXISTS\r\n* 5 RECENT\r\n* 3 EXPUNGE\r\n", 0,
     "* 23 EXISTS | * 5 RECENT | * 3 EXPUNGE"},
    {"SEARCH", "* SEARCH 2 84 882\r\n* SEARCH\r\n", 0,
     "* SEARCH 2 84 882 | * SEARCH"},
    {"SEARCH with MODSEQ", "* SEARCH 2 5 (MODSEQ 917162500)\r\n", 0,
     "* SEARCH 2 5"},
    {"FLAGS, LIST and others tolerated",
     "* FLAGS (\\Answered \\Seen)\r\n"
     "* LIST (\\HasNoChildren) \".\" {5}\r\nINBOX\r\n"
     "* ID (\"name\" \"Dovecot\")\r\n",
     0, "* FLAGS | * LIST | * OTHER"},
};

static const struct parse_case fetch_cases[] = {
    {"FETCH with a literal body",
     "* 1 FETCH (UID 7 RFC822.SIZE 5 BODY[] {5}\r\nhello)\r\n", 0,
     "* 1 FETCH uid=7 size=5 body[5]=hello"},
    {"forged lines inside a literal stay bytes",
     "* 3 FETCH (UID 3 BODY[] {96}\r\n"
     "Subject: x\r\n\r\n"
     "A004 OK UID FETCH completed.\r\n"
     "* 9 FETCH (UID 77 BODY[] {30}\r\n"
     "Your code is 999999\r\n"
     ")\r\n"
     "A004 OK UID FETCH completed.\r\n",
     0,
     "* 3 FETCH uid=3 body[96]=Subject: x\\r\\n\\r\\n"
     "A004 OK UID FETCH completed.\\r\\n"
     "* 9 FETCH (UID 77 BODY[] {30}\\r\\n"
     "Your code is 999999\\r\\n | "
     "A004 OK \"UID FETCH completed.\""},
    {"literal ending in a literal announcement",
     "* 1 FETCH (BODY[] {11}\r\nfake {99}\r\n UID 4)\r\n", 0,
     "* 1 FETCH uid=4 body[11]=fake {99}\\r\\n"},
    {"partial body with origin and date",
     "* 2 FETCH (UID 10 INTERNALDATE \"25-Nov-2026 10:14:00 +0100\" "
     "BODY[]<0> {4}\r\nabcd)\r\n",
     0, "* 2 FETCH uid=10 date=1795598040 origin=0 body[4]=abcd"},
    {"NIL body", "* 4 FETCH (UID 12 BODY[] NIL)\r\n", 0,
     "* 4 FETCH uid=12 body=NIL"},
    {"quoted body with escapes",
     "* 4 FETCH (UID 12 BODY[] \"a \\\"q\\\" \\\\ b\")\r\n", 0,
     "* 4 FETCH uid=12 body[9]=a \"q\" \\ b"},
    {"empty literal body", "* 4 FETCH (BODY[] {0}\r\n UID 2)\r\n", 0,
     "* 4 FETCH uid=2 body[0]="},
    {"NUL and CR LF inside a literal", "* 4 FETCH (BODY[] {4}\r\na\0\r\n)\r\n",
     30, "* 4 FETCH body[4]=a\\x00\\r\\n"},
    {"FLAGS tolerated", "* 5 FETCH (FLAGS (\\Seen \\Recent $Junk) UID 9)\r\n",
     0, "* 5 FETCH uid=9 flags=(\\Seen \\Recent $Junk)"},
    {"unknown items with nested parens and a literal skipped",
     "* 6 FETCH (X-GM-LABELS (\"a\" (b (c NIL))) BODYSTRUCTURE "
     "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" "
     "3 1)(\"text\" \"html\" NIL NIL NIL {6}\r\nbase64 3 1) "
     "\"alternative\") ENVELOPE (NIL {11}\r\nA004 OK bye NIL) UID 99)\r\n",
     0, "* 6 FETCH uid=99"},
    {"other sections skipped, BODY[] kept",
     "* 7 FETCH (BODY[HEADER.FIELDS (SUBJECT FROM)] {8}\r\nSubj: x\n "
     "BODY[] {2}\r\nok UID 1)\r\n",
     0, "* 7 FETCH uid=1 body[2]=ok"},
    {"BINARY[] with literal8", "* 8 FETCH (BINARY[] ~{3}\r\n\x01\x02\x03)\r\n",
     0, "* 8 FETCH body[3]=\\x01\\x02\\x03"},
    {"RFC822 item as body", "* 8 FETCH (RFC822 {2}\r\nhi UID 3)\r\n", 0,
     "* 8 FETCH uid=3 body[2]=hi"},
    {"unsolicited EXISTS and EXPUNGE between FETCHes",
     "* 1 FETCH (UID 5 BODY[] {1}\r\na)\r\n"
     "* 3 EXPUNGE\r\n* 9 EXISTS\r\n"
     "* 2 FETCH (UID 6 BODY[] {1}\r\nb)\r\n"
     "A9 OK done\r\n",
     0,
     "* 1 FETCH uid=5 body[1]=a | * 3 EXPUNGE | * 9 EXISTS | "
     "* 2 FETCH uid=6 body[1]=b | A9 OK \"done\""},
    {"BYE in the middle of a FETCH stream",
     "* 1 FETCH (UID 5 BODY[] {1}\r\na)\r\n"
     "* BYE going away\r\n",
     0, "* 1 FETCH uid=5 body[1]=a | * BYE \"going away\""},
    {"malformed INTERNALDATE gives no date",
     "* 1 FETCH (UID 5 INTERNALDATE \"31-Feb-2026 10:00:00 +0000\")\r\n"
     "* 2 FETCH (UID 6 INTERNALDATE \"yesterday\")\r\n"
     "* 3 FETCH (UID 7 INTERNALDATE NIL)\r\n",
     0, "* 1 FETCH uid=5 | * 2 FETCH uid=6 | * 3 FETCH uid=7"},
    {"literal of an unknown item holding a FETCH line",
     "* 1 FETCH (UID 5 X-FOO {12}\r\n* 2 FETCH (U UID 8)\r\n", 0,
     "* 1 FETCH uid=8"},
};

static const struct parse_case truncated_cases[] = {
    {"line without end", "A1 OK done", 0, "MORE"},
    {"literal not complete", "* 1 FETCH (UID 5 BODY[] {10}\r\nA1 OK x\r\n", 0,
     "MORE"},
    {"literal complete, line not", "* 1 FETCH (UID 5 BODY[] {2}\r\nab", 0,
     "MORE"},
    {"first response kept, second cut",
     "* 2 EXISTS\r\n* 1 FETCH (UID 5 BODY[] {2}\r\nab)", 0,
     "* 2 EXISTS | MORE"},
    {"CR without LF", "A1 OK done\r", 0, "MORE"},
};

static const struct parse_case error_cases[] = {
    {"literal over the cap refused at once",
     "* 1 FETCH (UID 5 BODY[] {4097}\r\n", 0, "ERR TOO_BIG"},
    {"absurd literal size refused at once",
     "* 1 FETCH (BODY[] {18446744073709551615}\r\n", 0, "ERR TOO_BIG"},
    {"literal size with 30 digits",
     "* 1 FETCH (BODY[] {123456789012345678901234567890}\r\n", 0,
     "ERR TOO_BIG"},
    {"large literal under the cap waits for its bytes",
     "* 1 FETCH (BODY[] {4000}\r\n", 0, "MORE"},
    {"too many literals",
     "* 1 X {0}\r\n{0}\r\n{0}\r\n{0}\r\n{0}\r\n{0}\r\n{0}\r\n{0}\r\n"
     "{0}\r\n{0}\r\n{0}\r\n{0}\r\n{0}\r\n{0}\r\n{0}\r\n{0}\r\n"
     "{0}\r\n{0}\r\n{0}\r\n{0}\r\n{0}\r\n{0}\r\n{0}\r\n{0}\r\n"
     "{0}\r\n{0}\r\n{0}\r\n{0}\r\n{0}\r\n{0}\r\n{0}\r\n{0}\r\n{0}\r\n",
     0, "ERR TOO_BIG"},
    {"response before a bad one is returned",
     "* 1 EXISTS\r\n* 1 FETCH (UID x)\r\n", 0, "* 1 EXISTS | ERR PROTOCOL"},
    {"UID not a number", "* 1 FETCH (UID x)\r\n", 0, "ERR PROTOCOL"},
    {"UID over 32 bits", "* 1 FETCH (UID 4294967296)\r\n", 0, "ERR PROTOCOL"},
    {"FETCH without list", "* 1 FETCH UID 5\r\n", 0, "ERR PROTOCOL"},
    {"FETCH list not closed", "* 1 FETCH (UID 5\r\n", 0, "ERR PROTOCOL"},
    {"junk after FETCH", "* 1 FETCH (UID 5) x\r\n", 0, "ERR PROTOCOL"},
    {"unbalanced nested list", "* 1 FETCH (BODYSTRUCTURE ((a) UID 5)\r\n", 0,
     "ERR PROTOCOL"},
    {"quoted string with a line break", "* 1 FETCH (BODY[] \"ab\r\ncd\")\r\n",
     0, "ERR PROTOCOL"},
    {"literal not at end of line", "* 1 FETCH (BODY[] {2} ab)\r\n", 0,
     "ERR PROTOCOL"},
    {"tagged without status", "A1 MAYBE\r\n", 0, "ERR PROTOCOL"},
    {"empty line", "\r\n", 0, "ERR PROTOCOL"},
    {"star without space", "*OK\r\n", 0, "ERR PROTOCOL"},
    {"UIDNEXT not a number", "* OK [UIDNEXT soon] x\r\n", 0, "ERR PROTOCOL"},
    {"response code not closed", "* OK [ALERT x\r\n", 0, "ERR PROTOCOL"},
    {"literal in status text", "A1 OK see {3}\r\nabc\r\n", 0, "ERR PROTOCOL"},
    {"EXISTS with junk", "* 3 EXISTS now\r\n", 0, "ERR PROTOCOL"},
    {"SEARCH with junk", "* SEARCH 1 2 x)\r\n", 0, "ERR PROTOCOL"},
};

static void
test_status(void)
{
	RUN_TABLE(status_cases);
}

static void
test_fetch(void)
{
	RUN_TABLE(fetch_cases);
}

static void
test_truncated(void)
{
	RUN_TABLE(truncated_cases);
}

static void
test_errors(void)
{
	RUN_TABLE(error_cases);
}

/* Runs in with lim, whole and byte by byte; both must equal want. */
static void
run_limits(const char *name, const struct imap_parse_limits *lim,
           const char *in, size_t n, const char *want)
{
	struct parse_case tc = {name, in, n, want};
	size_t *bytes = calloc(n, sizeof(*bytes)), k;
	struct out *o = malloc(sizeof(*o));

	CU_ASSERT_FATAL(bytes && o);
	run_chunks(lim, in, n, &n, 1, o);
	CU_ASSERT(check_one(&tc, "whole", o));
	for (k = 0; k < n; k++)
		bytes[k] = k + 1;
	run_chunks(lim, in, n, bytes, n, o);
	CU_ASSERT(check_one(&tc, "byte by byte", o));
	free(bytes);
	free(o);
}

static void
test_limits(void)
{
	static const struct imap_parse_limits lim = {
	    .max_line = 40,
	    .max_literal = 64,
	    .max_response = 100,
	    .max_items = 3,
	};
	char buf[512];

	memset(buf, 'x', sizeof(buf));
	memcpy(buf, "A1 OK ", 6);
	run_limits("line over the cap, no end in sight", &lim, buf, 41,
	           "ERR TOO_BIG");
	run_limits("line at the cap", &lim, buf, 40, "MORE");
	memcpy(buf + 38, "\r\n", 2);
	run_limits("line with CRLF at the cap", &lim, buf, 40,
	           "A1 OK \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"");
	snprintf(buf, sizeof(buf), "* 1 FETCH (A {60}\r\n%060d B {60}\r\n", 0);
	run_limits("second literal over the response cap", &lim, buf,
	           strlen(buf), "ERR TOO_BIG");
	run_limits("literal over the cap", &lim, "* 1 FETCH (A {65}\r\n", 19,
	           "ERR TOO_BIG");
	run_limits("too many FETCH items", &lim,
	           "* 1 FETCH (A 1 B 2 C 3 D 4)\r\n", 29, "ERR TOO_BIG");
	run_limits("too many capabilities", &lim, "* CAPABILITY A B C D\r\n",
	           22, "ERR TOO_BIG");
	run_limits("too many SEARCH numbers", &lim, "* SEARCH 1 2 3 4\r\n", 18,
	           "ERR TOO_BIG");
	run_limits("three items are fine", &lim,
	           "* 1 FETCH (A 1 B 2 UID 3)\r\n", 27, "* 1 FETCH uid=3");
}

/* Feeding more than the unparsed-input cap without draining is refused. */
static void
test_feed_cap(void)
{
	static const struct imap_parse_limits lim = {
	    .max_line = 40,
	    .max_literal = 64,
	    .max_response = 100,
	};
	struct imap_parse *p = NULL;
	const struct imap_parse_resp *r;
	char buf[141];

	memset(buf, 'x', sizeof(buf));
	CU_ASSERT_FATAL(imap_parse_new(&lim, &p) == OTPBOX_OK);
	CU_ASSERT_EQUAL(imap_parse_feed(p, buf, 140), OTPBOX_OK);
	CU_ASSERT_EQUAL(imap_parse_feed(p, buf, 1), OTPBOX_ERR_TOO_BIG);
	CU_ASSERT_EQUAL(imap_parse_next(p, &r), OTPBOX_ERR_TOO_BIG);
	CU_ASSERT_PTR_NULL(r);
	imap_parse_free(p);
	imap_parse_free(NULL);
}

/* The default limits refuse a 4 GiB literal from its announcement alone. */
static void
test_default_limits(void)
{
	static const char in[] = "* 1 FETCH (BODY[] {4294967296}\r\n";
	struct imap_parse *p = NULL;
	const struct imap_parse_resp *r;

	CU_ASSERT_FATAL(imap_parse_new(NULL, &p) == OTPBOX_OK);
	CU_ASSERT_EQUAL(imap_parse_feed(p, in, sizeof(in) - 1), OTPBOX_OK);
	CU_ASSERT_EQUAL(imap_parse_next(p, &r), OTPBOX_ERR_TOO_BIG);
	expect_str("message", imap_parse_errmsg(p),
	           "literal too large (limit 33554432 bytes)");
	imap_parse_free(p);
}

static const struct {
	const char *cap;
	int want;
} cap_cases[] = {
    {"IDLE", 1},     {"idle", 1},     {"AUTH=PLAIN", 1}, {"auth=xoauth2", 1},
    {"LITERAL+", 1}, {"STARTTLS", 0}, {"AUTH", 0},       {"", 0},
    {"IDL", 0},      {"SASL-IR", 1},
};

static void
test_capabilities(void)
{
	static const char in[] = "* CAPABILITY IMAP4rev1  LITERAL+ SASL-IR "
	                         "AUTH=PLAIN AUTH=XOAUTH2 IDLE\r\n";
	unsigned want = IMAP_PARSE_CAP_IMAP4REV1 | IMAP_PARSE_CAP_LITERALPLUS |
	                IMAP_PARSE_CAP_SASL_IR | IMAP_PARSE_CAP_AUTH_PLAIN |
	                IMAP_PARSE_CAP_AUTH_XOAUTH2 | IMAP_PARSE_CAP_IDLE;
	struct imap_parse *p = NULL;
	const struct imap_parse_resp *r = NULL;
	size_t k;

	CU_ASSERT_FATAL(imap_parse_new(NULL, &p) == OTPBOX_OK);
	CU_ASSERT_FATAL(imap_parse_feed(p, in, sizeof(in) - 1) == OTPBOX_OK);
	CU_ASSERT_FATAL(imap_parse_next(p, &r) == OTPBOX_OK && r);
	expect_int("caps", r->caps, want);
	for (k = 0; k < sizeof(cap_cases) / sizeof(cap_cases[0]); k++)
		expect_int(cap_cases[k].cap,
		           imap_parse_has_capability(r, cap_cases[k].cap),
		           cap_cases[k].want);
	imap_parse_free(p);
}

static const struct {
	const char *in;
	long long want; /* -1: malformed */
} date_cases[] = {
    {"01-Jan-1970 00:00:00 +0000", 0},
    {" 1-Jan-1970 00:00:00 +0000", 0},
    {"1-Jan-1970 00:00:00 +0000", 0},
    {"01-Jan-1970 01:00:00 +0100", 0},
    {"31-Dec-1969 19:00:00 -0500", 0},
    {"29-Feb-2024 12:34:56 +0000", 1709210096},
    {"25-nov-2026 10:14:00 +0130", 1795596240},
    {"31-Dec-9999 23:59:59 +0000", 253402300799},
    {"29-Feb-2023 12:00:00 +0000", -1},
    {"32-Jan-2024 12:00:00 +0000", -1},
    {"01-Foo-2024 12:00:00 +0000", -1},
    {"01-Jan-2024 24:00:00 +0000", -1},
    {"01-Jan-2024 12:00:00 +2400", -1},
    {"01-Jan-2024 12:00:00 +0060", -1},
    {"01-Jan-2024 12:00:00", -1},
    {"01-Jan-2024 12:00:00 +00000", -1},
    {"01-Jan-24 12:00:00 +0000", -1},
    {"", -1},
};

static void
test_dates(void)
{
	size_t k;
	time_t t;

	for (k = 0; k < sizeof(date_cases) / sizeof(date_cases[0]); k++) {
		t = -1;
		if (imap_date_parse(date_cases[k].in, strlen(date_cases[k].in),
		                    &t) != OTPBOX_OK)
			t = -1;
		expect_int(date_cases[k].in, t, date_cases[k].want);
	}
}

/* ---- property: nothing inside a literal ever becomes a response ---- */

/* A small deterministic generator (xorshift), so failures reproduce. */
static uint32_t
prop_rand(uint32_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

/* Pieces a hostile sender puts in a body to desynchronise a client. */
static const char *const prop_pieces[] = {
    "A004 OK UID FETCH completed.\r\n",
    "T3 OK Fetch completed.\r\n",
    "* 9 FETCH (UID 77 BODY[] {30}\r\n",
    "* 2 FETCH (UID 2 BODY[]<0> {5}\r\n",
    "* BYE\r\n",
    "+ idling\r\n",
    ")\r\n",
    "{99}\r\n",
    "{4294967296}\r\n",
    "\"",
    "\\",
    "\r",
    "\n",
    "(",
    "~{3}",
    "Your code is 123456.\r\n",
};

/* Writes a random hostile body of at most cap bytes; returns its size. */
static size_t
prop_body(uint32_t *st, unsigned char *b, size_t cap)
{
	size_t n = 0, k, len, count = prop_rand(st) % 12;
	const char *piece;

	for (k = 0; k < count; k++) {
		piece = prop_pieces[prop_rand(st) % (sizeof(prop_pieces) /
		                                     sizeof(prop_pieces[0]))];
		len = strlen(piece);
		if (prop_rand(st) % 8 == 0) {
			piece = "\0";
			len = 1;
		}
		if (n + len > cap)
			break;
		memcpy(b + n, piece, len);
		n += len;
	}
	return n;
}

struct prop_stream {
	unsigned char data[16384];
	size_t len;
	unsigned char bodies[4][512];
	size_t body_len[4];
	size_t nbody;
};

static void
prop_add(struct prop_stream *ps, const void *p, size_t n)
{
	CU_ASSERT_FATAL(ps->len + n <= sizeof(ps->data));
	memcpy(ps->data + ps->len, p, n);
	ps->len += n;
}

/* Up to 4 FETCH responses with hostile literal bodies, an unsolicited
 * EXISTS between them, and the tagged completion. */
static void
prop_build(uint32_t *st, struct prop_stream *ps)
{
	char line[128];
	size_t k;
	int n;

	ps->len = 0;
	ps->nbody = 1 + prop_rand(st) % 4;
	for (k = 0; k < ps->nbody; k++) {
		ps->body_len[k] = prop_body(st, ps->bodies[k], 512);
		n = snprintf(line, sizeof(line),
		             "* %zu FETCH (UID %zu BODY[]<0> {%zu}\r\n", k + 1,
		             k + 10, ps->body_len[k]);
		prop_add(ps, line, (size_t)n);
		prop_add(ps, ps->bodies[k], ps->body_len[k]);
		prop_add(ps, " FLAGS (\\Seen))\r\n", 17);
		if (prop_rand(st) % 2)
			prop_add(ps, "* 7 EXISTS\r\n", 12);
	}
	prop_add(ps, "T9 OK done\r\n", 12);
}

/* Feeds in random chunks; checks every body and the single tagged OK. */
static int
prop_check(uint32_t *st, const struct prop_stream *ps)
{
	const struct imap_parse_resp *r;
	struct imap_parse *p = NULL;
	size_t at = 0, len, fetches = 0, tagged = 0;
	int ok = 1;

	CU_ASSERT_FATAL(imap_parse_new(NULL, &p) == OTPBOX_OK);
	while (at < ps->len && ok) {
		len = 1 + prop_rand(st) % 64;
		len = len < ps->len - at ? len : ps->len - at;
		ok = imap_parse_feed(p, ps->data + at, len) == OTPBOX_OK;
		at += len;
		while (ok && (ok = !imap_parse_next(p, &r)) && r) {
			if (r->type == IMAP_PARSE_TAGGED)
				tagged++;
			if (r->data != IMAP_PARSE_DATA_FETCH)
				continue;
			ok = fetches < ps->nbody &&
			     r->fetch.uid == fetches + 10 &&
			     r->fetch.body_len == ps->body_len[fetches] &&
			     memcmp(r->fetch.body, ps->bodies[fetches],
			            r->fetch.body_len) == 0;
			fetches++;
		}
	}
	ok = ok && fetches == ps->nbody && tagged == 1 &&
	     imap_parse_pending(p) == 0;
	imap_parse_free(p);
	return ok;
}

static void
test_hostile_bodies(void)
{
	static struct prop_stream ps;
	uint32_t st = 2463534242u, seed;
	int round, failures = 0;

	for (round = 0; round < 3000; round++) {
		seed = st;
		prop_build(&st, &ps);
		if (!prop_check(&st, &ps) && failures++ < 3)
			fprintf(stderr,
			        "\n  hostile bodies: round %d (state %u)"
			        " parsed wrongly\n",
			        round, seed);
	}
	expect_int("rounds parsed wrongly", failures, 0);
}

/* BODYSTRUCTURE: the leaves as "section type/subtype charset enc size
 * disposition filename", " | "-separated, then "multi" and omitted. */
struct bs_case {
	const char *name;
	const char *in;
	const char *want;
};

static void
bs_describe(const struct imap_parse_fetch *f, struct out *o)
{
	size_t i;

	if (!f->has_bodystructure) {
		out_add(o, "none");
		return;
	}
	for (i = 0; i < f->nparts; i++) {
		const struct imap_parse_part *pt = &f->parts[i];

		out_add(o, "%s%s %s/%s %s %s %llu %s %s", i ? " | " : "",
		        pt->section, pt->type, pt->subtype, pt->charset,
		        pt->encoding, (unsigned long long)pt->size,
		        pt->disposition, pt->filename);
	}
	out_add(o, "; multi=%d omitted=%zu", f->multipart, f->parts_omitted);
}

static const struct bs_case bs_cases[] = {
    {"one text part",
     "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 34 2 NIL "
     "NIL NIL NIL)",
     "1 TEXT/PLAIN utf-8 7BIT 34  ; multi=0 omitted=0"},
    {"alternative inside mixed with an attachment",
     "(((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"qp\" 10 1)"
     "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"base64\" 20 1) "
     "\"alternative\" (\"boundary\" \"b2\"))(\"application\" \"pdf\" "
     "(\"name\" \"a.pdf\") NIL NIL \"base64\" 5000000 NIL (\"attachment\" "
     "(\"filename\" \"b.pdf\")) NIL) \"mixed\" (\"boundary\" \"b1\") NIL "
     "NIL)",
     "1.1 text/plain us-ascii qp 10   | 1.2 text/html utf-8 base64 20   | "
     "2 application/pdf  base64 5000000 attachment b.pdf; multi=1 "
     "omitted=0"},
    {"Exchange: bare-string disposition",
     "((\"text\" \"plain\" (\"charset\" \"ISO-8859-1\") NIL NIL "
     "\"QUOTED-PRINTABLE\" 850 31 NIL \"inline\" NIL NIL) \"mixed\")",
     "1 text/plain ISO-8859-1 QUOTED-PRINTABLE 850 inline ; multi=1 "
     "omitted=0"},
    {"Exchange: (NIL NIL) disposition, negative size, all-NIL part",
     "((\"application\" \"msword\" NIL NIL NIL \"base64\" 50446 NIL (NIL "
     "NIL) NIL NIL)(\"multipart\" \"digest\" (\"boundary\" \"x\") NIL NIL "
     "\"7BIT\" -1 NIL NIL NIL NIL)(NIL NIL NIL NIL NIL \"7BIT\" 0 NIL NIL "
     "NIL NIL) \"mixed\")",
     "1 application/msword  base64 50446   | 2 multipart/digest  7BIT 0  "
     " | 3 /  7BIT 0  ; multi=1 omitted=0"},
    {"a literal inside, and NIL for the encoding",
     "((\"text\" \"plain\" (\"charset\" {5}\r\nutf-8) NIL NIL NIL 3 1) "
     "\"mixed\")",
     "1 text/plain utf-8  3  ; multi=1 omitted=0"},
    {"attached message: one leaf, its insides not listed",
     "((\"text\" \"plain\" NIL NIL NIL \"7bit\" 3 1)(\"message\" \"rfc822\" "
     "NIL NIL NIL \"7bit\" 300 (NIL \"s\" NIL NIL NIL NIL NIL NIL NIL NIL) "
     "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 3 1) 9 NIL (\"attachment\" "
     "NIL) NIL) \"mixed\")",
     "1 text/plain  7bit 3   | 2 message/rfc822  7bit 300 attachment ; "
     "multi=1 omitted=0"},
    {"nesting past the cap is skipped",
     "(((((((((((\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1) \"m\") \"m\") "
     "\"m\") \"m\") \"m\") \"m\") \"m\") \"m\") \"m\") \"m\")",
     "; multi=1 omitted=1"},
    {"a string where the multipart list should start",
     "(\"desc\" (\"text\" \"plain\" NIL NIL NIL \"7bit\" 3 1) \"mixed\")",
     "1 desc/   0  ; multi=0 omitted=0"},
};

static void
test_bodystructure(void)
{
	char line[2048];
	size_t i;

	for (i = 0; i < sizeof(bs_cases) / sizeof(bs_cases[0]); i++) {
		const struct imap_parse_resp *r = NULL;
		struct imap_parse *p = NULL;
		struct out o = {{0}, 0};

		snprintf(line, sizeof(line),
		         "* 1 FETCH (UID 7 BODYSTRUCTURE %s)\r\n",
		         bs_cases[i].in);
		CU_ASSERT_EQUAL_FATAL(imap_parse_new(NULL, &p), OTPBOX_OK);
		imap_parse_feed(p, line, strlen(line));
		if (imap_parse_next(p, &r) != OTPBOX_OK || r == NULL)
			out_add(&o, "ERR %s", imap_parse_errmsg(p));
		else
			bs_describe(&r->fetch, &o);
		expect_str(bs_cases[i].name, o.s, bs_cases[i].want);
		imap_parse_free(p);
	}
}

/* Sections other than BODY[] are kept with their names and origins. */
static void
test_sections(void)
{
	static const char in[] = "* 3 FETCH (UID 9 BODY[HEADER]<0> {4}\r\nH: "
	                         "x BODY[1.2] \"ab\" BODY[TEXT]<0> NIL)\r\n";
	const struct imap_parse_resp *r = NULL;
	struct imap_parse *p = NULL;
	const struct imap_parse_fetch *f;

	CU_ASSERT_EQUAL_FATAL(imap_parse_new(NULL, &p), OTPBOX_OK);
	imap_parse_feed(p, in, sizeof(in) - 1);
	CU_ASSERT_EQUAL_FATAL(imap_parse_next(p, &r), OTPBOX_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	f = &r->fetch;
	expect_int("sections", (long long)f->nsections, 3);
	expect_str("first name", f->sections[0].name, "HEADER");
	expect_int("first origin", f->sections[0].has_origin, 1);
	expect_int("first len", (long long)f->sections[0].len, 4);
	expect_str("second name", f->sections[1].name, "1.2");
	expect_int("second len", (long long)f->sections[1].len, 2);
	expect_int("third nil", f->sections[2].nil, 1);
	expect_int("no BODY[]", f->has_body, 0);
	imap_parse_free(p);
}

static CU_TestInfo test_cases[] = {
    {"status, codes, data", test_status},
    {"FETCH", test_fetch},
    {"truncated input needs more", test_truncated},
    {"errors and limits", test_errors},
    {"custom limits", test_limits},
    {"unparsed input cap", test_feed_cap},
    {"default limits", test_default_limits},
    {"capabilities", test_capabilities},
    {"INTERNALDATE", test_dates},
    {"hostile literal bodies", test_hostile_bodies},
    {"BODYSTRUCTURE", test_bodystructure},
    {"BODY[section] items", test_sections},
    CU_TEST_INFO_NULL,
};
#define TEST_SUITE_NAME "imap_parse"
#include "../cunit_main.h"
