/* SPDX-License-Identifier: MIT */
/* Whole raw messages through message_analyse: charsets, structure,
 * recipients and hostile input (the big inputs are generated here). */
#include <CUnit/Basic.h>
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "msgtest.h"

#define TEST_SUITE_NAME "message"

static char *test_domains[] = {"bots.test"};

static struct message_ctx *
test_ctx(void)
{
	struct message_opts opts = {
	    .mailbox = "catchall@bots.test",
	    .domains = test_domains,
	    .ndomains = 1,
	};
	struct message_ctx *ctx = NULL;
	char err[128];

	CU_ASSERT_FATAL(message_ctx_new(&opts, &ctx, err, sizeof(err)) ==
	                OTPBOX_OK);
	return ctx;
}

/* Recipients joined by ',' (static buffer). */
static const char *
test_recipients(const struct message_info *info)
{
	static char buf[4096];
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < info->nrecipients; i++) {
		if (i)
			strcat(buf, ",");
		strncat(buf, info->recipients[i].address,
		        sizeof(buf) - strlen(buf) - 2);
	}
	return info->nrecipients ? buf : NULL;
}

struct message_case {
	const char *name;
	const char *raw;
	const char *recipients;
	const char *code;
	const char *link;
};

static const struct message_case message_cases[] = {
    {"delivery header beats forged To",
     "Delivered-To: catchall@bots.test\r\n"
     "X-Original-To: bot7@bots.test\r\n"
     "From: Svc <no-reply@svc.example>\r\n"
     "To: bot99@bots.test\r\n"
     "X-Original-To: bot98@bots.test\r\n"
     "Subject: Your code\r\n\r\nYour code is 552910.\r\n",
     "bot7@bots.test", "552910", NULL},
    {"received for clause",
     "Received: from mx (mx [10.0.0.1]) by box for <catchall@bots.test>;"
     " Mon, 3 Mar 2025 10:00:00 +0000\n"
     "Received: from out.example by mx\n\tfor <Bot3@Bots.Test>; Mon, 3 Mar"
     " 2025 09:59:59 +0000\n"
     "To: undisclosed-recipients:;\nSubject: Login\n\n"
     "Login code: 7731\n",
     "bot3@bots.test", "7731", NULL},
    {"exchange envelope header",
     "X-MS-Exchange-Organization-OriginalEnvelopeRecipients: "
     "bot44@bots.test\nTo: someone@else.example\nSubject: c\n\n"
     "Your verification code: 310 884\n",
     "bot44@bots.test", "310884", NULL},
    {"resent-to",
     "Resent-To: bot29@bots.test\nTo: desk@clinic.example\nSubject: Fwd\n"
     "\nYour appointment PIN is 7712.\n",
     "bot29@bots.test", "7712", NULL},
    {"to and cc, two bots, catch-all and look-alike skipped",
     "To: \"bot1@bots.test\" <catchall@bots.test>, x@bots.test.example\n"
     "Cc: Bot Two <BOT2@bots.test>, bot3+signup@bots.test\n"
     "Subject: =?UTF-8?B?Q29kZTog4pyT?=\n\nCode: 901 442\n",
     "bot2@bots.test,bot3+signup@bots.test", "901442", NULL},
    {"rfc 2047 subject only",
     "To: bot5@bots.test\nSubject: =?ISO-8859-1?Q?Ihr_Code_lautet_40_93_17?="
     "\n\nBitte geben Sie den Code aus dem Betreff ein.\n",
     "bot5@bots.test", "409317", NULL},
    {"quoted-printable soft break inside the code",
     "To: bot6@bots.test\nSubject: Code\nMIME-Version: 1.0\n"
     "Content-Type: text/plain; charset=windows-1254\n"
     "Content-Transfer-Encoding: quoted-printable\n\n"
     "Do=F0rulama kodunuz: 58=\n20=\n44\nTe=FEekk=FCrler.\n",
     "bot6@bots.test", "582044", NULL},
    {"base64 html in multipart/alternative",
     "To: bot8@bots.test\nSubject: Sign in\nMIME-Version: 1.0\n"
     "Content-Type: multipart/alternative; boundary=\"b1\"\n\n--b1\n"
     "Content-Type: text/html; charset=utf-8\n"
     "Content-Transfer-Encoding: base64\n\n"
     "PHA+WW91ciBjb2RlOjwvcD48aDE+NzcwMTI0PC9oMT4=\n--b1--\n",
     "bot8@bots.test", "770124", NULL},
    {"attachments ignored",
     "To: bot9@bots.test\nSubject: Invoice\nMIME-Version: 1.0\n"
     "Content-Type: multipart/mixed; boundary=zz\n\n--zz\n"
     "Content-Type: text/plain\n\nYour invoice is attached.\n--zz\n"
     "Content-Type: text/plain; name=code.txt\n"
     "Content-Disposition: attachment; filename=code.txt\n\n"
     "Your code is 123456\n--zz--\n",
     "bot9@bots.test", NULL, NULL},
    {"link only",
     "To: bot10@bots.test\nSubject: Confirm your e-mail\n"
     "Content-Type: text/html\n\n<p>Confirm your address:</p>"
     "<a href=\"https://x.example/confirm?t=7f1e2d3c4b5a69&amp;u=9\">"
     "Confirm</a>\n",
     "bot10@bots.test", NULL, "https://x.example/confirm?t=7f1e2d3c4b5a69&u=9"},
    {"forwarded message/rfc822",
     "To: bot11@bots.test\nSubject: Fwd: code\nMIME-Version: 1.0\n"
     "Content-Type: multipart/mixed; boundary=q\n\n--q\n"
     "Content-Type: text/plain\n\nSee below.\n--q\n"
     "Content-Type: message/rfc822\n\nTo: other@else.example\n"
     "Subject: Your code\n\nYour sign-in code is 640021.\n--q--\n",
     "bot11@bots.test", "640021", NULL},
    {"no recipient on the bot domain",
     "To: someone@else.example\nSubject: Code\n\nCode: 401122\n", NULL,
     "401122", NULL},
};

static void
test_message_cases(void)
{
	struct message_ctx *ctx = test_ctx();
	struct message_info *info;
	size_t i;

	for (i = 0; i < sizeof(message_cases) / sizeof(message_cases[0]); i++) {
		const struct message_case *tc = &message_cases[i];

		CU_ASSERT_FATAL(message_analyse(ctx, tc->raw, strlen(tc->raw),
		                                &info) == OTPBOX_OK);
		msgtest_str(tc->name, "recipients", test_recipients(info),
		            tc->recipients);
		msgtest_str(tc->name, "code", info->code, tc->code);
		msgtest_str(tc->name, "link", info->link, tc->link);
		message_info_free(info);
	}
	message_ctx_free(ctx);
}

/* The header that won is recorded with each recipient. */
static void
test_message_provenance(void)
{
	struct message_ctx *ctx = test_ctx();
	struct message_info *info;
	const char *raw = message_cases[0].raw;

	CU_ASSERT_FATAL(message_analyse(ctx, raw, strlen(raw), &info) ==
	                OTPBOX_OK);
	CU_ASSERT_FATAL(info->nrecipients == 1);
	msgtest_str("provenance", "header", info->recipients[0].header,
	            "X-Original-To");
	message_info_free(info);
	message_ctx_free(ctx);
}

/* One whole message per family of harder mail, through MIME decoding,
 * and the operator's rules scoped by the From address. */
static const struct message_case family_cases[] = {
    {"separators: no-break spaces in ISO-8859-1",
     "To: bot1@bots.test\nSubject: =?iso-8859-1?q?C=F3digo?=\n"
     "Content-Type: text/plain; charset=iso-8859-1\n"
     "Content-Transfer-Encoding: 8bit\n\nSu c\xf3"
     "digo: 614\xa0"
     "093\n"
     "Tel\xe9"
     "fono 900\xa0"
     "614\xa0"
     "093\n",
     "bot1@bots.test", "614093", NULL},
    {"letter boxes: one cell per digit, base64 HTML",
     "To: bot2@bots.test\nSubject: Sign in\nContent-Type: text/html\n"
     "Content-Transfer-Encoding: base64\n\n"
     "PHA+WW91ciBjb2RlOjwvcD48dGFibGU+PHRyPjx0ZD4wPC90ZD48dGQ+Nzwv\n"
     "dGQ+PHRkPjE8L3RkPjx0ZD41PC90ZD48L3RyPjwvdGFibGU+\n",
     "bot2@bots.test", "0715", NULL},
    {"invisible: zero-width non-joiner in quoted-printable",
     "To: bot3@bots.test\nSubject: Kode\nContent-Type: text/plain; "
     "charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
     "Kode Anda: 274=E2=80=8C519\n",
     "bot3@bots.test", "274519", NULL},
    {"hidden: a class rule hides the decoy",
     "To: bot4@bots.test\nSubject: Code\nContent-Type: text/html\n\n"
     "<style>.x{display:none}</style><p class=\"x\">Code: 111111</p>"
     "<p>Code: <b>222222</b></p>\n",
     "bot4@bots.test", "222222", NULL},
    {"decoys: IBAN and amount on the code's line",
     "To: bot5@bots.test\nSubject: Uw code\n\nUw code: 582017 voor "
     "€ 58,20 naar NL91 ABNA 0417 1643 00.\n",
     "bot5@bots.test", "582017", NULL},
    {"links: tracking redirect in HTML only",
     "To: bot6@bots.test\nSubject: Bevestig je e-mailadres\n"
     "Content-Type: text/html\n\n<p>Bevestig je adres:</p><a href=\""
     "https://click.example/ls/click?upn=u001.Kx7Qm2Lz9Pw4Rt8Vb3&amp;m=5"
     "\">Bevestigen</a>\n",
     "bot6@bots.test", NULL,
     "https://click.example/ls/click?upn=u001.Kx7Qm2Lz9Pw4Rt8Vb3&m=5"},
    {"negatives: a meeting passcode is not a code",
     "To: bot7@bots.test\nSubject: Invitation: planning\n\nJoin the "
     "meeting\nMeeting ID: 842 9917 3305\nPasscode: 591204\n",
     "bot7@bots.test", NULL, NULL},
};

static void
test_message_families(void)
{
	struct message_ctx *ctx = test_ctx();
	struct message_info *info;
	size_t i;

	for (i = 0; i < sizeof(family_cases) / sizeof(family_cases[0]); i++) {
		const struct message_case *tc = &family_cases[i];

		CU_ASSERT_FATAL(message_analyse(ctx, tc->raw, strlen(tc->raw),
		                                &info) == OTPBOX_OK);
		msgtest_str(tc->name, "recipients", test_recipients(info),
		            tc->recipients);
		msgtest_str(tc->name, "code", info->code, tc->code);
		msgtest_str(tc->name, "link", info->link, tc->link);
		message_info_free(info);
	}
	message_ctx_free(ctx);
}

/* extract.rules: scoped by the From addr-spec (display names and case
 * do not matter), tried first, refused at start when broken. */
static void
test_message_rules(void)
{
	static char *from[] = {"*@accounts.example", "bank.example"};
	static char *pattern[] = {"ref: ([A-Z]{3}[0-9]{3})", "TAN=([0-9]{5})"};
	static char *bad[] = {"code: (\\d{6}"};
	static const struct {
		const char *from, *code;
	} cases[] = {
	    {"\"accounts.example <x@evil.example>\" "
	     "<No-Reply@Accounts.Example>",
	     "ABC123"},
	    {"Bank <tan@eu.bank.example>", "54321"},
	    {"Accounts <x@evil.example>", "777888"},
	    {"no-reply@accounts.example.evil", "777888"},
	};
	struct message_opts opts = {
	    .rule_from = from, .rule_pattern = pattern, .nrules = 2};
	struct message_ctx *ctx = NULL;
	struct message_info *info;
	char raw[512], err[200] = "";
	size_t i;

	CU_ASSERT_FATAL(message_ctx_new(&opts, &ctx, err, sizeof(err)) ==
	                OTPBOX_OK);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(raw, sizeof(raw),
		         "From: %s\nTo: bot1@bots.test\nSubject: Code\n\n"
		         "Your code is 777888. ref: ABC123, TAN=54321\n",
		         cases[i].from);
		CU_ASSERT_FATAL(message_analyse(ctx, raw, strlen(raw), &info) ==
		                OTPBOX_OK);
		msgtest_str(cases[i].from, "code", info->code, cases[i].code);
		message_info_free(info);
	}
	message_ctx_free(ctx);
	opts.rule_pattern = bad;
	opts.nrules = 1;
	CU_ASSERT(message_ctx_new(&opts, &ctx, err, sizeof(err)) ==
	          OTPBOX_ERR_CONFIG);
	CU_ASSERT(strstr(err, "missing closing parenthesis") != NULL);
}

struct charset_case {
	const char *charset;
	const char *encoding; /* transfer encoding written */
	const char *text;     /* UTF-8, converted to charset by the test */
	const char *code;
};

static const struct charset_case charset_cases[] = {
    {"windows-1254", "8bit", "Doğrulama kodunuz: 318 204. Şifre.\n", "318204"},
    {"ISO-8859-9", "base64", "Giriş için kod: 7740\n", "7740"},
    {"KOI8-R", "8bit", "Ваш код подтверждения: 55021\n", "55021"},
    {"ISO-2022-JP", "7bit", "認証コード：３８１９０５\n有効期限は30分です。\n",
     "381905"},
    {"GB2312", "base64", "您的验证码是：604411，请勿泄露。\n", "604411"},
    {"Big5", "base64", "您的驗證碼為 271730，十分鐘內有效。\n", "271730"},
    {"ISO-8859-2", "8bit", "Twój kod: 902 113. Łódź 90-006.\n", "902113"},
    {"windows-1256", "8bit", "رمز التحقق: 448201\n", "448201"},
};

static char *
test_convert(const char *text, const char *charset, gsize *len)
{
	char *out = g_convert(text, -1, charset, "UTF-8", NULL, len, NULL);

	CU_ASSERT_FATAL(out != NULL);
	return out;
}

static void
test_message_charsets(void)
{
	struct message_ctx *ctx = test_ctx();
	struct message_info *info;
	GString *raw;
	char *body, *b64;
	gsize len;
	size_t i;

	for (i = 0; i < sizeof(charset_cases) / sizeof(charset_cases[0]); i++) {
		const struct charset_case *tc = &charset_cases[i];

		body = test_convert(tc->text, tc->charset, &len);
		raw = g_string_new(NULL);
		g_string_append_printf(raw,
		                       "To: bot1@bots.test\nSubject: x\n"
		                       "MIME-Version: 1.0\nContent-Type: "
		                       "text/plain; charset=%s\n"
		                       "Content-Transfer-Encoding: %s\n\n",
		                       tc->charset, tc->encoding);
		if (!strcmp(tc->encoding, "base64")) {
			b64 = g_base64_encode((const guchar *)body, len);
			g_string_append(raw, b64);
			g_free(b64);
		} else {
			g_string_append_len(raw, body, (gssize)len);
		}
		CU_ASSERT_FATAL(message_analyse(ctx, raw->str, raw->len,
		                                &info) == OTPBOX_OK);
		msgtest_str(tc->charset, "code", info->code, tc->code);
		message_info_free(info);
		g_string_free(raw, TRUE);
		g_free(body);
	}
	message_ctx_free(ctx);
}

/* Every string in info is valid UTF-8 and the recipients are capped. */
static void
test_check_sane(const char *name, const struct message_info *info)
{
	size_t i;
	bool ok = true;

	ok &= !info->subject || g_utf8_validate(info->subject, -1, NULL);
	ok &= !info->sender || g_utf8_validate(info->sender, -1, NULL);
	ok &= !info->message_id || g_utf8_validate(info->message_id, -1, NULL);
	for (i = 0; i < info->ncandidates; i++)
		ok &= g_utf8_validate(info->candidates[i].value, -1, NULL) &&
		      g_utf8_validate(info->candidates[i].reason, -1, NULL);
	ok &= info->nrecipients <= MESSAGE_MAX_RECIPIENTS;
	if (!ok)
		fprintf(stderr, "\n  %s: invalid UTF-8 or too many recipients",
		        name);
	CU_ASSERT(ok);
}

static GString *
test_nested(int depth)
{
	GString *s = g_string_new("To: bot1@bots.test\nSubject: deep\n"
	                          "MIME-Version: 1.0\n");
	int i;

	for (i = 0; i < depth; i++)
		g_string_append_printf(s,
		                       "Content-Type: multipart/mixed; "
		                       "boundary=\"b%d\"\n\n--b%d\n",
		                       i, i);
	g_string_append(s, "Content-Type: text/plain\n\nYour code: 660215\n");
	for (i = depth - 1; i >= 0; i--)
		g_string_append_printf(s, "\n--b%d--\n", i);
	return s;
}

static GString *
test_big_body(size_t bytes)
{
	GString *s = g_string_new("To: bot1@bots.test\nSubject: big\n\n"
	                          "Your code: 404211\n");

	while (s->len < bytes)
		g_string_append(s, "Lorem ipsum 2025 dolor 12:30 sit amet, "
		                   "order 55120 consectetur.\n");
	return s;
}

static GString *
test_garbage(size_t bytes)
{
	GString *s = g_string_sized_new(bytes);
	unsigned int x = 12345;

	while (s->len < bytes) {
		x = x * 1103515245u + 12345u;
		g_string_append_c(s, (char)(x >> 16));
	}
	return s;
}

static GString *
test_many_recipients(int n)
{
	GString *s = g_string_new("Subject: many\nTo: ");
	int i;

	for (i = 0; i < n; i++)
		g_string_append_printf(s, "%sbot%d@bots.test", i ? ", " : "",
		                       i);
	g_string_append(s, "\n\nYour code: 551200\n");
	return s;
}

static GString *
test_long_header(size_t bytes)
{
	GString *s = g_string_new("To: bot1@bots.test\nX-Long: ");

	while (s->len < bytes)
		g_string_append(s, "abcdefgh 1234 ");
	g_string_append(s, "\nSubject: x\n\nYour code: 771002\n");
	return s;
}

/* Hostile input: each gives a result (and maybe an error), no crash. */
static void
test_message_hostile(void)
{
	static const char truncated[] =
	    "To: bot1@bots.test\nSubject: cut\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/alternative; boundary=\"x\"\n\n--x\n"
	    "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
	    "WW91ciBjb2RlOiA0";
	static const char noboundary[] =
	    "To: bot1@bots.test\nSubject: nb\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed\n\n--zzz\nContent-Type: text/plain"
	    "\n\nYour code: 303030\n--zzz--\n";
	static const char badutf8[] =
	    "To: bot1@bots.test\nSubject: Code \xff\xfe\xc3 for you\n"
	    "From: \xe2\x82 <a@b.example>\n\nCode: 118\xff"
	    "822\n";
	static const char nuls[] = "To: bot1@bots.test\nSubject: n\0ul\n\n"
	                           "Your code:\0 919191\n";
	struct message_ctx *ctx = test_ctx();
	struct message_info *info;
	GString *inputs[7];
	const char *names[7] = {"100 deep",
	                        "20 MB",
	                        "binary garbage",
	                        "10,000 recipients",
	                        "1 MB header line",
	                        "1000 deep",
	                        "garbage with headers"};
	size_t i;

	inputs[0] = test_nested(100);
	inputs[1] = test_big_body(20u << 20);
	inputs[2] = test_garbage(1u << 20);
	inputs[3] = test_many_recipients(10000);
	inputs[4] = test_long_header(1u << 20);
	inputs[5] = test_nested(1000);
	inputs[6] = test_garbage(4096);
	g_string_prepend(inputs[6], "To: bot1@bots.test\n\n");
	for (i = 0; i < 7; i++) {
		CU_ASSERT_FATAL(message_analyse(ctx, inputs[i]->str,
		                                inputs[i]->len,
		                                &info) == OTPBOX_OK);
		test_check_sane(names[i], info);
		if (i == 1)
			msgtest_str(names[i], "code", info->code, "404211");
		if (i == 3) {
			msgtest_int(names[i], "recipients", info->nrecipients,
			            MESSAGE_MAX_RECIPIENTS);
			CU_ASSERT(info->error != NULL);
			msgtest_str(names[i], "code", info->code, "551200");
		}
		if (i == 4)
			msgtest_str(names[i], "code", info->code, "771002");
		message_info_free(info);
		g_string_free(inputs[i], TRUE);
	}
	CU_ASSERT_FATAL(message_analyse(ctx, truncated, sizeof(truncated) - 1,
	                                &info) == OTPBOX_OK);
	test_check_sane("truncated", info);
	message_info_free(info);
	CU_ASSERT_FATAL(message_analyse(ctx, noboundary, sizeof(noboundary) - 1,
	                                &info) == OTPBOX_OK);
	test_check_sane("missing boundary", info);
	message_info_free(info);
	CU_ASSERT_FATAL(message_analyse(ctx, badutf8, sizeof(badutf8) - 1,
	                                &info) == OTPBOX_OK);
	test_check_sane("invalid UTF-8", info);
	msgtest_str("invalid UTF-8", "recipient", test_recipients(info),
	            "bot1@bots.test");
	message_info_free(info);
	CU_ASSERT_FATAL(message_analyse(ctx, nuls, sizeof(nuls) - 1, &info) ==
	                OTPBOX_OK);
	test_check_sane("NUL bytes", info);
	message_info_free(info);
	CU_ASSERT_FATAL(message_analyse(ctx, "", 0, &info) == OTPBOX_OK);
	msgtest_str("empty", "code", info->code, NULL);
	message_info_free(info);
	message_ctx_free(ctx);
}

/* max_bytes trims the input and says so. */
static void
test_message_limit(void)
{
	struct message_opts opts = {.max_bytes = 64};
	struct message_ctx *ctx = NULL;
	struct message_info *info;
	const char *raw =
	    "To: bot1@bots.test\nSubject: x\n\n"
	    "Hello there, this is a long enough body. Code 552211";

	CU_ASSERT_FATAL(message_ctx_new(&opts, &ctx, NULL, 0) == OTPBOX_OK);
	CU_ASSERT_FATAL(message_analyse(ctx, raw, strlen(raw), &info) ==
	                OTPBOX_OK);
	CU_ASSERT(info->error != NULL);
	msgtest_str("limit", "code", info->code, NULL);
	message_info_free(info);
	message_ctx_free(ctx);
}

/* Copies of one message share a copy key even when the server added
 * headers moving it; another code or Message-ID gives another key. The
 * sender facts come from the topmost Authentication-Results. */
static void
test_message_copies(void)
{
	static const char *const raws[] = {
	    /* 0: as delivered */
	    "Authentication-Results: dmarc=pass header.from=bank.example\n"
	    "From: Bank <No-Reply@Bank.example>\nTo: bot1@bots.test\n"
	    "Message-ID: <m1@bank.example>\n"
	    "Date: Tue, 01 Dec 2026 05:00:00 +0000\nSubject: Your code\n\n"
	    "Your verification code is 552211.\n",
	    /* 1: moved to Junk Email: Exchange added headers */
	    "X-MS-Exchange-Organization-SCL: 5\n"
	    "X-Forefront-Antispam-Report: SFV:SPM\n"
	    "Authentication-Results: dmarc=pass header.from=bank.example\n"
	    "From: Bank <No-Reply@Bank.example>\nTo: bot1@bots.test\n"
	    "Message-ID: <m1@bank.example>\n"
	    "Date: Tue, 01 Dec 2026 05:00:00 +0000\nSubject: Your code\n\n"
	    "Your verification code is 552211.\n",
	    /* 2: a resend: same headers, another code */
	    "Authentication-Results: dmarc=pass header.from=bank.example\n"
	    "From: Bank <No-Reply@Bank.example>\nTo: bot1@bots.test\n"
	    "Message-ID: <m1@bank.example>\n"
	    "Date: Tue, 01 Dec 2026 05:00:00 +0000\nSubject: Your code\n\n"
	    "Your verification code is 889900.\n",
	};
	struct message_ctx *ctx = test_ctx();
	struct message_info *info[3];
	size_t i;

	for (i = 0; i < 3; i++)
		CU_ASSERT_FATAL(message_analyse(ctx, raws[i], strlen(raws[i]),
		                                &info[i]) == OTPBOX_OK);
	msgtest_str("copy", "from", info[0]->auth.from_address,
	            "no-reply@bank.example");
	msgtest_int("copy", "authenticated", info[0]->auth.authenticated, 1);
	msgtest_int("moved copy", "same key",
	            !strcmp(info[0]->copy_key, info[1]->copy_key), 1);
	msgtest_int("resend", "other key",
	            !strcmp(info[0]->copy_key, info[2]->copy_key), 0);
	for (i = 0; i < 3; i++)
		message_info_free(info[i]);
	message_ctx_free(ctx);
}

static CU_TestInfo test_cases[] = {
    {"copies and sender facts", test_message_copies},
    {"recipients, codes and links", test_message_cases},
    {"recipient provenance", test_message_provenance},
    {"charsets", test_message_charsets},
    {"hostile input", test_message_hostile},
    {"size limit", test_message_limit},
    {"families of harder mail", test_message_families},
    {"rules per sender", test_message_rules},
    CU_TEST_INFO_NULL,
};

#include "../cunit_main.h"
