/* SPDX-License-Identifier: MIT */
/* Quoting and modified UTF-7 for IMAP command lines. */
#include <stdint.h>
#include <string.h>

#include "imap_cmd.h"

/* Output with a capacity; a write past it only marks the buffer full. */
struct imap_cmd_out {
	char *s;
	size_t cap, len;
	int full;
};

static void
out_ch(struct imap_cmd_out *o, char ch)
{
	if (o->len + 1 >= o->cap) {
		o->full = 1;
		return;
	}
	o->s[o->len++] = ch;
	o->s[o->len] = '\0';
}

static enum otpbox_err
out_end(struct imap_cmd_out *o)
{
	if (!o->full)
		return OTPBOX_OK;
	if (o->cap)
		o->s[0] = '\0';
	return OTPBOX_ERR_TOO_BIG;
}

enum otpbox_err
imap_cmd_quote(const char *s, char *out, size_t cap)
{
	struct imap_cmd_out o = {out, cap, 0, 0};

	if (cap)
		out[0] = '\0';
	if (strpbrk(s, "\r\n"))
		return OTPBOX_ERR_PARSE;
	out_ch(&o, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			out_ch(&o, '\\');
		out_ch(&o, *s);
	}
	out_ch(&o, '"');
	return out_end(&o);
}

/*
 * Decodes one UTF-8 sequence at *s (advanced past it) into *cp. Refuses
 * overlong forms, surrogates and values over U+10FFFF.
 */
static int
utf8_next(const unsigned char **s, uint32_t *cp)
{
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	const unsigned char *p = *s;
	int n, k;

	if (p[0] < 0x80)
		n = 1;
	else if ((p[0] & 0xe0) == 0xc0)
		n = 2;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((p[0] & 0xf8) == 0xf0)
		n = 4;
	else
		return -1;
	*cp = n == 1 ? p[0] : p[0] & (0x7f >> n);
	for (k = 1; k < n; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return -1;
		*cp = (*cp << 6) | (p[k] & 0x3f);
	}
	if (*cp < min[n] || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return -1;
	*s = p + n;
	return 0;
}

/* Base64 of modified UTF-7: "," where RFC 4648 has "/". */
static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/* A run of base64 over UTF-16BE units, between & and -. */
struct utf7_run {
	uint32_t bits;
	int nbits, open;
};

static void
run_unit(struct imap_cmd_out *o, struct utf7_run *r, uint32_t unit)
{
	if (!r->open) {
		out_ch(o, '&');
		r->open = 1;
	}
	r->bits = (r->bits << 16) | unit;
	r->nbits += 16;
	while (r->nbits >= 6) {
		r->nbits -= 6;
		out_ch(o, b64[(r->bits >> r->nbits) & 0x3f]);
	}
	r->bits &= (1u << r->nbits) - 1;
}

static void
run_close(struct imap_cmd_out *o, struct utf7_run *r)
{
	if (!r->open)
		return;
	if (r->nbits)
		out_ch(o, b64[(r->bits << (6 - r->nbits)) & 0x3f]);
	out_ch(o, '-');
	r->bits = 0;
	r->nbits = r->open = 0;
}

static void
utf7_char(struct imap_cmd_out *o, struct utf7_run *r, uint32_t cp)
{
	if (cp >= 0x20 && cp <= 0x7e) {
		run_close(o, r);
		out_ch(o, (char)cp);
		if (cp == '&')
			out_ch(o, '-');
	} else if (cp >= 0x10000) {
		cp -= 0x10000;
		run_unit(o, r, 0xd800 | (cp >> 10));
		run_unit(o, r, 0xdc00 | (cp & 0x3ff));
	} else {
		run_unit(o, r, cp);
	}
}

enum otpbox_err
imap_cmd_utf7(const char *name, char *out, size_t cap)
{
	struct imap_cmd_out o = {out, cap, 0, 0};
	const unsigned char *s = (const unsigned char *)name;
	struct utf7_run r = {0, 0, 0};
	uint32_t cp;

	if (cap)
		out[0] = '\0';
	if (!*s)
		return OTPBOX_ERR_PARSE;
	while (*s) {
		if (utf8_next(&s, &cp) < 0) {
			if (cap)
				out[0] = '\0';
			return OTPBOX_ERR_PARSE;
		}
		utf7_char(&o, &r, cp);
	}
	run_close(&o, &r);
	return out_end(&o);
}

enum otpbox_err
imap_cmd_mailbox(const char *name, char *out, size_t cap)
{
	char utf7[1024];
	enum otpbox_err err;

	err = imap_cmd_utf7(name, utf7, sizeof(utf7));
	if (err == OTPBOX_OK)
		err = imap_cmd_quote(utf7, out, cap);
	else if (cap)
		out[0] = '\0';
	return err;
}
