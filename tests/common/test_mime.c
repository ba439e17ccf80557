/* SPDX-License-Identifier: MIT */
/* Table tests for MIME decoding: transfer encodings, charsets, headers. */
#include <CUnit/Basic.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "mime.h"
#include "msgtest.h"

#define TEST_SUITE_NAME "mime"

struct mime_case {
	const char *name;
	const char *raw;
	const char *subject;
	const char *text; /* first text part, NULL if none */
	int html;         /* first text part is HTML */
};

static const struct mime_case mime_cases[] = {
    {"plain 7bit", "Subject: Hi\n\nBody text\n", "Hi", "Body text\n", 0},
    {"quoted-printable soft breaks",
     "Subject: q\nContent-Transfer-Encoding: quoted-printable\n\n"
     "12=\n34=3D56\n",
     "q", "1234=56\n", 0},
    {"base64",
     "Subject: b\nContent-Transfer-Encoding: base64\n\n"
     "SGVsbG8gNDI=\n",
     "b", "Hello 42", 0},
    {"latin-1 converted",
     "Subject: l\nContent-Type: text/plain; charset=iso-8859-1\n"
     "Content-Transfer-Encoding: quoted-printable\n\nf=FCr\n",
     "l", "für\n", 0},
    {"no charset, 8-bit bytes read as windows-1252",
     "Subject: w\nContent-Transfer-Encoding: 8bit\n\nCaf\xe9 \x80\n", "w",
     "Café €\n", 0},
    {"unknown charset falls back",
     "Subject: u\nContent-Type: text/plain; charset=x-nonsense\n\n"
     "na\xefve\n",
     "u", "naïve\n", 0},
    {"lying utf-8 charset never gives invalid UTF-8",
     "Subject: y\nContent-Type: text/plain; charset=utf-8\n\nbad \xff ok\n",
     "y", NULL, 0},
    {"rfc 2047 subject", "Subject: =?UTF-8?Q?Caf=C3=A9_=E2=9C=93?=\n\nx\n",
     "Café ✓", "x\n", 0},
    {"html part",
     "Subject: h\nContent-Type: text/html; charset=utf-8\n\n<p>x</p>\n", "h",
     "<p>x</p>\n", 1},
    {"calendar and images skipped",
     "Subject: c\nMIME-Version: 1.0\nContent-Type: multipart/mixed; "
     "boundary=B\n\n--B\nContent-Type: text/calendar\n\nDTSTART:1\n"
     "--B\nContent-Type: image/png\n\nxx\n--B--\n",
     "c", NULL, 0},
};

static void
test_mime_cases(void)
{
	struct mime_doc *doc;
	size_t i;

	mime_init();
	for (i = 0; i < sizeof(mime_cases) / sizeof(mime_cases[0]); i++) {
		const struct mime_case *tc = &mime_cases[i];

		CU_ASSERT_FATAL(mime_parse(tc->raw, strlen(tc->raw), &doc) ==
		                OTPBOX_OK);
		msgtest_str(tc->name, "subject", doc->subject, tc->subject);
		if (tc->text || !doc->ntexts)
			msgtest_str(tc->name, "text",
			            doc->ntexts ? doc->texts[0].text : NULL,
			            tc->text);
		if (doc->ntexts) {
			CU_ASSERT(
			    g_utf8_validate(doc->texts[0].text, -1, NULL));
			msgtest_int(tc->name, "html", doc->texts[0].html,
			            tc->html);
		}
		mime_doc_free(doc);
	}
}

/* Headers come back in order, unfolded, with their raw values. */
static void
test_mime_headers(void)
{
	const char *raw = "Received: from a\n\tby b for <x@y.example>;\n"
	                  "To: =?UTF-8?B?w5w=?= <t@y.example>\n"
	                  "Date: Tue, 04 Mar 2025 10:00:00 +0000\n"
	                  "Message-ID: <abc@y.example>\n\nbody\n";
	struct mime_doc *doc;

	mime_init();
	CU_ASSERT_FATAL(mime_parse(raw, strlen(raw), &doc) == OTPBOX_OK);
	CU_ASSERT_FATAL(doc->nheaders == 4);
	msgtest_str("headers", "name 0", doc->headers[0].name, "Received");
	msgtest_str("headers", "unfolded", doc->headers[0].value,
	            "from a\tby b for <x@y.example>;");
	msgtest_str("headers", "raw To", doc->headers[1].value,
	            "=?UTF-8?B?w5w=?= <t@y.example>");
	msgtest_str("headers", "message-id", doc->message_id, "abc@y.example");
	msgtest_int("headers", "date", (long long)doc->date, 1741082400LL);
	mime_doc_free(doc);
}

struct utf8_case {
	const char *name;
	const char *in;
	size_t len;
	const char *out;
};

static const struct utf8_case utf8_cases[] = {
    {"ascii", "abc", 3, "abc"},
    {"valid multibyte", "\xc3\xa9\xe2\x82\xac", 5, "é€"},
    {"stray byte", "a\xffz", 3, "a\xef\xbf\xbdz"},
    {"overlong", "\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd"},
    {"surrogate", "\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
    {"truncated at end", "ok\xe2\x82", 4, "ok\xef\xbf\xbd\xef\xbf\xbd"},
    {"NUL and controls dropped",
     "a\0b\x01\x02\x03"
     "c\td",
     9, "abc\td"},
};

static void
test_mime_utf8(void)
{
	size_t i;
	char *s;

	for (i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
		s = mime_utf8_dup(utf8_cases[i].in, utf8_cases[i].len);
		msgtest_str(utf8_cases[i].name, "utf8", s, utf8_cases[i].out);
		free(s);
	}
}

static CU_TestInfo test_cases[] = {
    {"decoding", test_mime_cases},
    {"headers", test_mime_headers},
    {"UTF-8 cleaning", test_mime_utf8},
    CU_TEST_INFO_NULL,
};

#include "../cunit_main.h"
