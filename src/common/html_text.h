/* SPDX-License-Identifier: MIT */
/* HTML to plain text with libxml2's HTML parser, keeping links. */
#ifndef OTPBOX_HTML_TEXT_H
#define OTPBOX_HTML_TEXT_H

#include <stddef.h>

#include "otpbox_err.h"

#define HTML_TEXT_MAX_OUT (1u << 20) /* bytes of text produced at most */
#define HTML_TEXT_MAX_LINKS 256      /* links kept at most */

/* Marker bytes in the text (mail text never carries them: mime.c drops
 * control characters): emphasis (bold, large, spaced letters) starts and
 * ends, and the end of each kept link's anchor, in link order. */
#define HTML_TEXT_EMPH_ON '\x01'
#define HTML_TEXT_EMPH_OFF '\x02'
#define HTML_TEXT_LINK_MARK '\x03'

struct html_text_link {
	char *url;  /* href with entities decoded (http/https only) */
	char *text; /* the anchor's visible text */
};

struct html_text {
	char *text; /* UTF-8; blocks end in '\n', table cells in ' ' */
	size_t len;
	struct html_text_link *links;
	size_t nlinks;
};

/*
 * Converts UTF-8 HTML to text: drops head, style, script, comments,
 * hidden elements (display:none, visibility:hidden, opacity:0,
 * max-height:0, mso-hide:all, the hidden attribute) and blockquotes
 * (quoted earlier mail); decodes entities; breaks lines at block
 * elements and separates table cells by one space; adds the markers
 * above. Broken HTML still
 * gives text. *out belongs to the caller (html_text_free()).
 */
enum otpbox_err html_text_convert(const char *html, size_t len,
                                  struct html_text **out);
void html_text_free(struct html_text *ht);

#endif
