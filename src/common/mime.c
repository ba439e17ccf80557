/* SPDX-License-Identifier: MIT */
/* MIME decoding with GMime: headers and every text part as UTF-8. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "mime.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none. */
static size_t
mime_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned int c = s[0];
	size_t len, i;
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

char *
mime_utf8_dup(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out, *o;
	size_t i = 0, n;

	/* Each bad byte grows to three (U+FFFD), so 3 * len is enough. */
	if (len > (SIZE_MAX - 1) / 3 || !(out = malloc(len * 3 + 1)))
		return NULL;
	o = out;
	while (i < len) {
		n = mime_utf8_seq(p + i, len - i);
		if (n == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		/* NUL and the control bytes html_text.c uses as markers go. */
		if (!(n == 1 && (p[i] < 0x09 || (p[i] >= 0x0e && p[i] < 0x20) ||
		                 p[i] == 0x7f))) {
			memcpy(o, p + i, n);
			o += n;
		}
		i += n;
	}
	*o = '\0';
	o = realloc(out, (size_t)(o - out) + 1);
	return o ? o : out;
}

void
mime_init(void)
{
	static int done;

	if (!done) {
		g_mime_init();
		done = 1;
	}
}

void
mime_doc_set_error(struct mime_doc *doc, const char *msg)
{
	if (!doc->error)
		doc->error = strdup(msg);
}

static char *
mime_str_dup(const char *s)
{
	return s ? mime_utf8_dup(s, strlen(s)) : NULL;
}

/* Copies a raw header value without its folding line breaks. */
static char *
mime_unfold_dup(const char *raw)
{
	size_t len = strlen(raw), i, j = 0;
	char *tmp, *out;

	if (len > MIME_MAX_HEADER_VALUE)
		len = MIME_MAX_HEADER_VALUE;
	if (!(tmp = malloc(len + 1)))
		return NULL;
	for (i = 0; i < len; i++)
		if (raw[i] != '\r' && raw[i] != '\n')
			tmp[j++] = raw[i];
	while (j > 0 && (tmp[j - 1] == ' ' || tmp[j - 1] == '\t'))
		j--;
	i = 0;
	while (i < j && (tmp[i] == ' ' || tmp[i] == '\t'))
		i++;
	out = mime_utf8_dup(tmp + i, j - i);
	free(tmp);
	return out;
}

static enum otpbox_err
mime_copy_headers(struct mime_doc *doc, GMimeObject *obj)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(obj);
	int count = list ? g_mime_header_list_get_count(list) : 0, i;
	GMimeHeader *h;
	const char *raw;

	if (count > MIME_MAX_HEADERS) {
		mime_doc_set_error(doc, "too many header fields; rest ignored");
		count = MIME_MAX_HEADERS;
	}
	if (count <= 0)
		return OTPBOX_OK;
	doc->headers = calloc((size_t)count, sizeof(*doc->headers));
	if (!doc->headers)
		return OTPBOX_ERR_NOMEM;
	for (i = 0; i < count; i++) {
		h = g_mime_header_list_get_header_at(list, i);
		raw = h ? g_mime_header_get_raw_value(h) : NULL;
		if (!h || !g_mime_header_get_name(h))
			continue;
		doc->headers[doc->nheaders].name =
		    mime_str_dup(g_mime_header_get_name(h));
		doc->headers[doc->nheaders].value =
		    mime_unfold_dup(raw ? raw : "");
		if (!doc->headers[doc->nheaders].name ||
		    !doc->headers[doc->nheaders].value) {
			doc->nheaders++;
			return OTPBOX_ERR_NOMEM;
		}
		doc->nheaders++;
	}
	return OTPBOX_OK;
}

/* Converts bytes that claim no (or an unknown) charset to UTF-8: valid
 * UTF-8 stays, anything else is read as windows-1252, then Latin-1. */
static char *
mime_fallback_utf8(const char *s, size_t len)
{
	char *conv;

	if (g_utf8_validate(s, (gssize)len, NULL))
		return mime_utf8_dup(s, len);
	conv = g_convert(s, (gssize)len, "UTF-8", "WINDOWS-1252", NULL, NULL,
	                 NULL);
	if (!conv)
		conv = g_convert(s, (gssize)len, "UTF-8", "ISO-8859-1", NULL,
		                 NULL, NULL);
	if (conv) {
		char *out = mime_utf8_dup(conv, strlen(conv));

		g_free(conv);
		return out;
	}
	return mime_utf8_dup(s, len);
}

static enum otpbox_err
mime_add_text(struct mime_doc *doc, GMimeObject *part, bool html,
              bool forwarded)
{
	struct mime_text *t;
	char *raw;
	size_t len;

	if (doc->ntexts >= MIME_MAX_TEXTS) {
		mime_doc_set_error(doc, "too many text parts; rest ignored");
		return OTPBOX_OK;
	}
	raw = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
	if (!raw)
		return OTPBOX_OK;
	len = strlen(raw);
	if (len > MIME_MAX_TEXT_BYTES) {
		mime_doc_set_error(doc, "text part too large; truncated");
		len = MIME_MAX_TEXT_BYTES;
	}
	t = &doc->texts[doc->ntexts];
	/* GMime converted a known charset to UTF-8; bytes of an unknown or
	 * lying charset come back as they were and fall back here. */
	t->text = mime_fallback_utf8(raw, len);
	g_free(raw);
	if (!t->text)
		return OTPBOX_ERR_NOMEM;
	t->len = strlen(t->text);
	t->html = html;
	t->forwarded = forwarded;
	doc->ntexts++;
	return OTPBOX_OK;
}

static bool
mime_is_attachment(GMimeObject *part)
{
	const char *disp = g_mime_object_get_disposition(part);

	return disp && !g_ascii_strcasecmp(disp, "attachment");
}

static enum otpbox_err
mime_walk(struct mime_doc *doc, GMimeObject *obj, int depth, bool fwd)
{
	GMimeContentType *ct;
	GMimeMessage *inner;
	enum otpbox_err err = OTPBOX_OK;
	int i, n;

	if (!obj)
		return OTPBOX_OK;
	if (depth > MIME_MAX_DEPTH) {
		mime_doc_set_error(doc,
		                   "parts nested too deeply; rest ignored");
		return OTPBOX_OK;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (i = 0; i < n && !err; i++)
			err = mime_walk(
			    doc,
			    g_mime_multipart_get_part(GMIME_MULTIPART(obj), i),
			    depth + 1, fwd);
		return err;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		inner =
		    g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (inner)
			err =
			    mime_walk(doc, g_mime_message_get_mime_part(inner),
			              depth + 1, true);
		return err;
	}
	if (!GMIME_IS_TEXT_PART(obj) || mime_is_attachment(obj))
		return OTPBOX_OK;
	ct = g_mime_object_get_content_type(obj);
	if (g_mime_content_type_is_type(ct, "text", "plain"))
		return mime_add_text(doc, obj, false, fwd);
	if (g_mime_content_type_is_type(ct, "text", "html"))
		return mime_add_text(doc, obj, true, fwd);
	return OTPBOX_OK;
}

static enum otpbox_err
mime_copy_summary(struct mime_doc *doc, GMimeMessage *msg)
{
	InternetAddressList *from = g_mime_message_get_from(msg);
	GDateTime *date = g_mime_message_get_date(msg);
	char *s;

	if (g_mime_message_get_message_id(msg) &&
	    !(doc->message_id =
	          mime_str_dup(g_mime_message_get_message_id(msg))))
		return OTPBOX_ERR_NOMEM;
	if (g_mime_message_get_subject(msg) &&
	    !(doc->subject = mime_str_dup(g_mime_message_get_subject(msg))))
		return OTPBOX_ERR_NOMEM;
	if (from && internet_address_list_length(from) > 0) {
		s = internet_address_list_to_string(from, NULL, FALSE);
		doc->sender = s ? mime_str_dup(s) : NULL;
		g_free(s);
	}
	if (date)
		doc->date = (time_t)g_date_time_to_unix(date);
	return OTPBOX_OK;
}

enum otpbox_err
mime_parse(const char *raw, size_t len, struct mime_doc **out)
{
	struct mime_doc *doc;
	GMimeStream *stream = NULL;
	GMimeParser *parser = NULL;
	GMimeMessage *msg = NULL;
	enum otpbox_err err = OTPBOX_ERR_NOMEM;

	*out = NULL;
	if (!(doc = calloc(1, sizeof(*doc))))
		return OTPBOX_ERR_NOMEM;
	doc->texts = calloc(MIME_MAX_TEXTS, sizeof(*doc->texts));
	if (!doc->texts)
		goto out;
	stream = g_mime_stream_mem_new_with_buffer(raw, len);
	parser = g_mime_parser_new_with_stream(stream);
	msg = g_mime_parser_construct_message(parser, NULL);
	if (!msg) {
		mime_doc_set_error(doc, "not a MIME message");
		err = OTPBOX_OK;
		goto out;
	}
	if ((err = mime_copy_headers(doc, GMIME_OBJECT(msg))) ||
	    (err = mime_copy_summary(doc, msg)))
		goto out;
	err = mime_walk(doc, g_mime_message_get_mime_part(msg), 0, false);
out:
	if (msg)
		g_object_unref(msg);
	if (parser)
		g_object_unref(parser);
	if (stream)
		g_object_unref(stream);
	if (err) {
		mime_doc_free(doc);
		return err;
	}
	*out = doc;
	return OTPBOX_OK;
}

void
mime_doc_free(struct mime_doc *doc)
{
	size_t i;

	if (!doc)
		return;
	for (i = 0; i < doc->nheaders; i++) {
		free(doc->headers[i].name);
		free(doc->headers[i].value);
	}
	for (i = 0; i < doc->ntexts; i++)
		free(doc->texts[i].text);
	free(doc->headers);
	free(doc->texts);
	free(doc->message_id);
	free(doc->sender);
	free(doc->subject);
	free(doc->error);
	free(doc);
}
