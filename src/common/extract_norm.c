/* SPDX-License-Identifier: MIT */
/* Text normalisation before code search: one spelling for each digit. */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "extract_norm.h"
#include "html_text.h"

unsigned long
extract_norm_decode(const unsigned char *s, size_t n, size_t *used)
{
	unsigned long cp = s[0];
	size_t len = 1, i;

	if (cp >= 0xf0 && n >= 4)
		len = 4, cp &= 0x07;
	else if (cp >= 0xe0 && n >= 3)
		len = 3, cp &= 0x0f;
	else if (cp >= 0xc0 && n >= 2)
		len = 2, cp &= 0x1f;
	for (i = 1; i < len; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	*used = len;
	return cp;
}

/* What cp becomes: an ASCII byte (>0), 0 to copy it, -1 to drop it. */
static int
extract_norm_map(unsigned long cp)
{
	if (cp >= 0xff01 && cp <= 0xff5e)
		return (int)(cp - 0xfee0);
	if (cp >= 0x660 && cp <= 0x669)
		return (int)('0' + cp - 0x660);
	if (cp >= 0x6f0 && cp <= 0x6f9)
		return (int)('0' + cp - 0x6f0);
	if (cp == 0xa0 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x202f ||
	    cp == 0x205f || cp == 0x3000 || cp == '\t' || cp == '\f' ||
	    cp == '\v')
		return ' ';
	if ((cp >= 0x200b && cp <= 0x200f) || cp == 0x2060 || cp == 0xfeff ||
	    cp == 0xad || cp == '\r' || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069))
		return -1;
	if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 || cp == 0xfe58 ||
	    cp == 0xfe63)
		return '-';
	if (cp == 0x3002 || cp == 0xff61)
		return '.';
	if (cp == 0x3001)
		return ',';
	return 0;
}

/* 1 for ASCII letters and digits, 2 for scripts written without
 * spaces (CJK, kana, hangul, Thai), 0 for anything else. */
static int
extract_norm_kind(unsigned long cp)
{
	if (cp < 0x80)
		return isalnum((int)cp) ? 1 : 0;
	if ((cp >= 0x0e00 && cp <= 0x0e7f) || (cp >= 0x3040 && cp <= 0x30ff) ||
	    (cp >= 0x3400 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af) ||
	    (cp >= 0xf900 && cp <= 0xfaff))
		return 2;
	return 0;
}

struct extract_norm_out {
	char *buf;
	size_t len;
	struct extract_norm *norm;
	int emph_depth;
	bool line_quoted; /* the current line started with '>' */
	bool line_start;  /* nothing but spaces seen on this line */
	size_t line_begin;
};

/* Records an html_text.h marker at the current output position. */
static void
extract_norm_mark(struct extract_norm_out *o, char m)
{
	struct extract_norm *nm = o->norm;

	if (m == HTML_TEXT_LINK_MARK) {
		if (nm->nlinks < EXTRACT_NORM_MAX_MARKS)
			nm->links[nm->nlinks++] = o->len;
	} else if (m == HTML_TEXT_EMPH_ON) {
		if (o->emph_depth++ == 0 && nm->nemph < EXTRACT_NORM_MAX_MARKS)
			nm->emph[nm->nemph][0] = nm->emph[nm->nemph][1] =
			    o->len;
	} else if (o->emph_depth > 0 && --o->emph_depth == 0 &&
	           nm->nemph < EXTRACT_NORM_MAX_MARKS) {
		nm->emph[nm->nemph][1] = o->len;
		if (nm->emph[nm->nemph][1] > nm->emph[nm->nemph][0])
			nm->nemph++;
	}
}

/* Records that a quoted line was dropped at pos. */
static void
extract_norm_quoted(struct extract_norm *nm, size_t pos)
{
	if (nm->nquoted && nm->quoted[nm->nquoted - 1] == pos)
		return;
	if (nm->nquoted < EXTRACT_NORM_MAX_MARKS)
		nm->quoted[nm->nquoted++] = pos;
}

static void
extract_norm_put(struct extract_norm_out *o, const char *s, size_t n)
{
	if (n == 1 &&
	    (s[0] == HTML_TEXT_EMPH_ON || s[0] == HTML_TEXT_EMPH_OFF ||
	     s[0] == HTML_TEXT_LINK_MARK)) {
		extract_norm_mark(o, s[0]);
		return;
	}
	if (n == 1 && s[0] == ' ') {
		if (o->line_start || (o->len && o->buf[o->len - 1] == ' '))
			return;
	}
	if (n == 1 && s[0] == '\n') {
		while (o->len > o->line_begin && o->buf[o->len - 1] == ' ')
			o->len--;
		if (o->line_quoted) {
			o->len = o->line_begin;
			extract_norm_quoted(o->norm, o->len);
		} else if (o->len >= 2 && o->buf[o->len - 1] == '\n' &&
		           o->buf[o->len - 2] == '\n')
			goto newline;
		else if (o->len == 0)
			goto newline;
		else
			o->buf[o->len++] = '\n';
	newline:
		o->line_begin = o->len;
		o->line_start = true;
		o->line_quoted = false;
		return;
	}
	if (o->line_start && s[0] == '>')
		o->line_quoted = true;
	o->line_start = false;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

enum otpbox_err
extract_norm_text(const char *in, size_t len, size_t max,
                  struct extract_norm *out)
{
	const unsigned char *s = (const unsigned char *)in;
	struct extract_norm_out o = {.line_start = true, .norm = out};
	size_t i = 0, used;
	unsigned long cp;
	int m, kind = 0, last_kind = 0;
	char c;

	/* The mark arrays are large; only their counts need resetting. */
	out->text = NULL;
	out->len = out->nemph = out->nlinks = out->nquoted = 0;
	if (len > max)
		len = max;
	/* Room for a space at every script change (see below). */
	if (!(o.buf = malloc(len * 2 + 2)))
		return OTPBOX_ERR_NOMEM;
	while (i < len) {
		cp = extract_norm_decode(s + i, len - i, &used);
		m = extract_norm_map(cp);
		/* Chinese, Japanese, Korean and Thai write no spaces: split
		 * "验证码123456请" so the code stands as a word of its own. */
		kind = m > 0    ? extract_norm_kind((unsigned long)m)
		       : m == 0 ? extract_norm_kind(cp)
		                : kind;
		if (kind && last_kind && kind != last_kind)
			extract_norm_put(&o, " ", 1);
		if (m >= 0 && cp > (unsigned long)HTML_TEXT_LINK_MARK)
			last_kind = kind;
		if (m > 0) {
			c = (char)m;
			extract_norm_put(&o, &c, 1);
			/* CJK punctuation carries its own spacing. */
			if (cp == 0x3001 || cp == 0x3002 ||
			    (cp >= 0xff01 && strchr(",:;!?", c)))
				extract_norm_put(&o, " ", 1);
		} else if (m == 0) {
			extract_norm_put(&o, in + i, used);
		}
		i += used;
	}
	c = '\n';
	extract_norm_put(&o, &c, 1);
	o.buf[o.len] = '\0';
	out->text = o.buf;
	out->len = o.len;
	return OTPBOX_OK;
}

void
extract_norm_free(struct extract_norm *norm)
{
	if (norm)
		free(norm->text);
}
