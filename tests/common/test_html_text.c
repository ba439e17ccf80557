/* SPDX-License-Identifier: MIT */
/* Table tests for HTML to text conversion. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#include "html_text.h"
#include "msgtest.h"

#define TEST_SUITE_NAME "html_text"

struct html_case {
	const char *name;
	const char *html;
	const char *text; /* markers written as <e>, </e> and <L> */
	const char *link; /* first link "url|text" or NULL */
};

static const struct html_case html_cases[] = {
    {"paragraphs and breaks", "<p>Hello</p><p>World<br>again</p>",
     "Hello\nWorld\nagain", NULL},
    {"entities decoded", "<p>A &amp; B &lt;3 &eacute;t&eacute; &#8364;5</p>",
     "A & B <3 été €5", NULL},
    {"head, style, script, comments dropped",
     "<html><head><title>T</title><style>p{color:#333333}</style></head>"
     "<body><script>var x=123456;</script><!-- 654321 --><p>Text</p>"
     "</body></html>",
     "Text", NULL},
    {"hidden preheaders dropped",
     "<div style=\"display: none; max-height:0\">pre 111111</div>"
     "<span style=\"opacity:0\">x</span><span style=\"opacity:0.9\">"
     "shown</span><div hidden>h</div><p style=\"mso-hide:all\">m</p>",
     "shown", NULL},
    {"table cells on one line",
     "<table><tr><td>8</td><td>&nbsp;</td><td>1</td><td>5</td></tr>"
     "<tr><td>next</td></tr></table>",
     "8 \xc2\xa0 1 5\nnext", NULL},
    {"emphasis marked", "<p>Code: <strong>123</strong></p>", "Code: <e>123</e>",
     NULL},
    {"big type is emphasis",
     "<p>Code:</p><div style=\"font-size:28px\">42</div>", "Code:\n<e>42</e>",
     NULL},
    {"links kept with their text",
     "<p>Go <a href=\"https://x.example/c?a=1&amp;b=2\">confirm</a> now"
     "</p><a href=\"mailto:a@b.example\">mail</a>",
     "Go confirm<L> now\nmail", "https://x.example/c?a=1&b=2|confirm"},
    {"blockquote dropped", "<p>New 1</p><blockquote>Old 2</blockquote>",
     "New 1", NULL},
    {"gmail quote dropped",
     "<div>New</div><div class=\"gmail_quote\">On Mon wrote: 999</div>", "New",
     NULL},
    {"broken html still gives text", "<p>Unclosed <b>bold <td>cell",
     "Unclosed <e>bold</e>\ncell", NULL},
    {"not html at all", "just text 123", "just text 123", NULL},
    /* hidden text: the patterns senders use for preheaders and decoys */
    {"class rule display:none hides",
     "<html><head><style type=\"text/css\">\n .alt, .x { display : none "
     "!important; }\n .otp { font-size:30px }</style></head><body>"
     "<p class=\"alt\">111</p><p class=\"otp big\">222</p></body></html>",
     "<e>222</e>", NULL},
    {"tag.class and #id rules hide",
     "<style>p.pre{visibility:hidden} #ghost{opacity:0}</style>"
     "<p class=\"pre\">a</p><div id=\"ghost\">b</div><p>c</p>",
     "c", NULL},
    {"rules in @media and descendant rules do not hide",
     "<style>@media (max-width:600px){.m{display:none}} div .d{display:none}"
     "/* .c{display:none} */</style><p class=\"m\">m</p><p class=\"d\">d"
     "</p><p class=\"c\">c</p>",
     "m\nd\nc", NULL},
    {"font-size:0 and transparent text hide",
     "<div style=\"font-size:0\">a</div><div style=\"color:transparent\">b"
     "</div><div style=\"font-size:0.9em\">c</div><div style=\""
     "background-color:transparent;line-height:0\">d</div>",
     "c\nd", NULL},
    {"height 0 with overflow hidden hides",
     "<div style=\"height:0;overflow:hidden\">a</div><div style=\"height:0\">"
     "b</div>",
     "b", NULL},
    {"text coloured like its background hides",
     "<table><tr><td bgcolor=\"#FFF\"><font color=\"white\">a</font></td>"
     "<td style=\"background:#1a73e8\"><span style=\"color:#ffffff\">b"
     "</span></td><td style=\"background-color:rgb(255,255,255)\"><span "
     "style=\"color:#fff\">c</span></td></tr></table><p style=\"color:#fff\">"
     "d</p>",
     "b\nd", NULL},

    {"empty", "", "", NULL},
};

/* Writes text with its marker bytes made visible. */
static void
html_visible(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in && o + 5 < len; in++) {
		const char *rep = *in == HTML_TEXT_EMPH_ON     ? "<e>"
		                  : *in == HTML_TEXT_EMPH_OFF  ? "</e>"
		                  : *in == HTML_TEXT_LINK_MARK ? "<L>"
		                                               : NULL;

		if (rep) {
			memcpy(out + o, rep, strlen(rep));
			o += strlen(rep);
		} else {
			out[o++] = *in;
		}
	}
	while (o > 0 && out[o - 1] == '\n')
		o--;
	out[o] = '\0';
}

static void
test_html_cases(void)
{
	struct html_text *ht;
	char text[1024], link[512];
	size_t i;

	for (i = 0; i < sizeof(html_cases) / sizeof(html_cases[0]); i++) {
		const struct html_case *tc = &html_cases[i];

		CU_ASSERT_FATAL(html_text_convert(tc->html, strlen(tc->html),
		                                  &ht) == OTPBOX_OK);
		html_visible(ht->text, text, sizeof(text));
		msgtest_str(tc->name, "text", text, tc->text);
		if (ht->nlinks)
			snprintf(link, sizeof(link), "%s|%s", ht->links[0].url,
			         ht->links[0].text);
		msgtest_str(tc->name, "link", ht->nlinks ? link : NULL,
		            tc->link);
		html_text_free(ht);
	}
}

/* Deep nesting and a huge document stay bounded. */
static void
test_html_hostile(void)
{
	static char deep[200000], big[3u << 20];
	struct html_text *ht;
	size_t i;

	for (i = 0; i + 5 < sizeof(deep); i += 5)
		memcpy(deep + i, "<div>", 5);
	CU_ASSERT_FATAL(html_text_convert(deep, strlen(deep), &ht) ==
	                OTPBOX_OK);
	html_text_free(ht);
	for (i = 0; i + 8 < sizeof(big); i += 8)
		memcpy(big + i, "<p>ab</p", 8);
	CU_ASSERT_FATAL(html_text_convert(big, strlen(big), &ht) == OTPBOX_OK);
	CU_ASSERT(ht->len <= HTML_TEXT_MAX_OUT);
	html_text_free(ht);
}

static CU_TestInfo test_cases[] = {
    {"conversion", test_html_cases},
    {"hostile documents", test_html_hostile},
    CU_TEST_INFO_NULL,
};

#include "../cunit_main.h"
