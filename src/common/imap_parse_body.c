/* SPDX-License-Identifier: MIT */
/* BODYSTRUCTURE of a FETCH response as a flat list of leaf parts, so the
 * fetcher can ask for the text parts of a large message and nothing else.
 * Lenient about fields (servers get them wrong), strict about framing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_parse_p.h"

/* Skips spaces; 1 when a value follows, 0 after consuming the ')' that
 * ends the list, -1 (error recorded) at the end of the line. */
static int
list_next(struct imap_parse_cur *c)
{
	while (imap_parse_tok_peek(c) == ' ')
		c->i++;
	if (imap_parse_tok_peek(c) == ')') {
		c->i++;
		return 0;
	}
	if (imap_parse_tok_at_eol(c)) {
		imap_parse_tok_bad(c, "BODYSTRUCTURE list not closed");
		return -1;
	}
	return 1;
}

/*
 * One value: a string (quoted or literal) comes back NUL-terminated in
 * *out; NIL, a list or an atom give NULL (an atom's text is in *atom when
 * atom is not NULL). Whatever the shape, the value is consumed.
 */
static enum otpbox_err
value(struct imap_parse_cur *c, const char **out, const char **atom)
{
	const unsigned char *d;
	size_t start, len;
	int ch = imap_parse_tok_peek(c), nil;

	*out = NULL;
	if (ch == '"' || ch == '{' || ch == '~') {
		if (imap_parse_tok_nstring(c, &d, &len, &nil))
			return c->p->err;
		if (ch == '"') { /* already unescaped and terminated */
			*out = (const char *)d;
			return OTPBOX_OK;
		}
		return imap_parse_tok_dup(c->p, d, len, out);
	}
	if (ch == '(' || atom == NULL)
		return imap_parse_tok_skip_value(c);
	imap_parse_tok_atom(c, &start, &len);
	if (len == 0)
		return imap_parse_tok_skip_value(c);
	return imap_parse_tok_dup(c->p, c->s + start, len, atom);
}

/* ("name" "value" ...): keeps charset and name; NIL or junk is skipped. */
static enum otpbox_err
params(struct imap_parse_cur *c, struct imap_parse_part *pt)
{
	const char *k, *v;
	int more;

	if (imap_parse_tok_peek(c) != '(')
		return value(c, &k, NULL);
	c->i++;
	while ((more = list_next(c)) == 1) {
		if (value(c, &k, NULL))
			return c->p->err;
		if ((more = list_next(c)) != 1)
			break;
		if (value(c, &v, NULL))
			return c->p->err;
		if (k && v && strcasecmp(k, "charset") == 0)
			pt->charset = v;
		else if (k && v && strcasecmp(k, "name") == 0 && !*pt->filename)
			pt->filename = v;
	}
	return more < 0 ? c->p->err : OTPBOX_OK;
}

/* ("attachment" ("filename" "x")), or Exchange's bare "inline", or NIL. */
static enum otpbox_err
disposition(struct imap_parse_cur *c, struct imap_parse_part *pt)
{
	const char *d, *k, *v;
	int more;

	if (imap_parse_tok_peek(c) != '(') {
		if (value(c, &d, NULL))
			return c->p->err;
		pt->disposition = d ? d : "";
		return OTPBOX_OK;
	}
	c->i++;
	if ((more = list_next(c)) != 1)
		return more < 0 ? c->p->err : OTPBOX_OK;
	if (value(c, &d, NULL))
		return c->p->err;
	pt->disposition = d ? d : "";
	while ((more = list_next(c)) == 1) {
		if (imap_parse_tok_peek(c) != '(') {
			if (value(c, &k, NULL))
				return c->p->err;
			continue;
		}
		c->i++; /* the parameters: keep a filename */
		while ((more = list_next(c)) == 1) {
			if (value(c, &k, NULL))
				return c->p->err;
			if ((more = list_next(c)) != 1)
				break;
			if (value(c, &v, NULL))
				return c->p->err;
			if (k && v && strcasecmp(k, "filename") == 0)
				pt->filename = v;
		}
		if (more < 0)
			return c->p->err;
	}
	return more < 0 ? c->p->err : OTPBOX_OK;
}

static uint64_t
size_of(const char *atom)
{
	uint64_t v = 0;

	if (atom == NULL || *atom == '-')
		return 0;
	for (; *atom >= '0' && *atom <= '9'; atom++)
		v = v > UINT64_MAX / 10 - 10 ? UINT64_MAX
		                             : v * 10 + (*atom - '0');
	return v;
}

/* Which field index holds the disposition (body-ext-1part, RFC 3501). */
static size_t
disposition_field(const struct imap_parse_part *pt)
{
	if (strcasecmp(pt->type, "message") == 0 &&
	    strcasecmp(pt->subtype, "rfc822") == 0)
		return 11;
	return strcasecmp(pt->type, "text") == 0 ? 9 : 8;
}

/* The fields of a body-type-1part, after its "(", up to and with ")". */
static enum otpbox_err
single(struct imap_parse_cur *c, struct imap_parse_part *pt)
{
	const char *s, *a;
	size_t k;
	int more;

	pt->type = pt->subtype = pt->charset = pt->encoding = "";
	pt->disposition = pt->filename = "";
	for (k = 0; (more = list_next(c)) == 1; k++) {
		a = NULL;
		if (k == 2 && params(c, pt))
			return c->p->err;
		if (k == 2)
			continue;
		if (k >= 7 && k == disposition_field(pt)) {
			if (disposition(c, pt))
				return c->p->err;
			continue;
		}
		if (value(c, &s, k == 6 ? &a : NULL))
			return c->p->err;
		if (k == 0 && s)
			pt->type = s;
		else if (k == 1 && s)
			pt->subtype = s;
		else if (k == 5 && s)
			pt->encoding = s;
		else if (k == 6)
			pt->size = size_of(a);
	}
	return more < 0 ? c->p->err : OTPBOX_OK;
}

/* The leaf slot for the next part, or NULL past the limit (counted). */
static struct imap_parse_part *
leaf(struct imap_parse *p)
{
	struct imap_parse_fetch *f = &p->resp.fetch;

	if (f->nparts >= IMAP_PARSE_MAX_PARTS) {
		f->parts_omitted++;
		return NULL;
	}
	if (p->parts == NULL &&
	    !(p->parts = calloc(IMAP_PARSE_MAX_PARTS, sizeof(*p->parts))))
		return NULL;
	f->parts = p->parts;
	memset(&p->parts[f->nparts], 0, sizeof(p->parts[0]));
	return &p->parts[f->nparts];
}

/* One body at c ("(" next) whose part number is section. Recursion is
 * bounded by IMAP_PARSE_MAX_DEPTH; deeper bodies are skipped whole. */
static enum otpbox_err
body(struct imap_parse_cur *c, unsigned depth, const char *section)
{
	struct imap_parse_fetch *f = &c->p->resp.fetch;
	struct imap_parse_part *pt, scrap;
	char child[IMAP_PARSE_SECTION_MAX];
	unsigned n = 0;
	int more;

	if (depth >= IMAP_PARSE_MAX_DEPTH) {
		f->parts_omitted++;
		return imap_parse_tok_skip_value(c);
	}
	c->i++; /* "(" */
	if (imap_parse_tok_peek(c) != '(') {
		if ((pt = leaf(c->p)) == NULL)
			pt = &scrap;
		snprintf(pt->section, sizeof(pt->section), "%s",
		         *section ? section : "1");
		if (single(c, pt))
			return c->p->err;
		f->nparts += pt != &scrap;
		return OTPBOX_OK;
	}
	if (depth == 0)
		f->multipart = 1;
	while (imap_parse_tok_peek(c) == '(') {
		snprintf(child, sizeof(child), "%s%s%u", section,
		         *section ? "." : "", ++n);
		if (body(c, depth + 1, child))
			return c->p->err;
	}
	/* the subtype and extension data: not needed */
	while ((more = list_next(c)) == 1)
		if (imap_parse_tok_skip_value(c))
			return c->p->err;
	return more < 0 ? c->p->err : OTPBOX_OK;
}

enum otpbox_err
imap_parse_body_structure(struct imap_parse_cur *c)
{
	struct imap_parse_fetch *f = &c->p->resp.fetch;

	if (imap_parse_tok_peek(c) != '(')
		return imap_parse_tok_skip_value(c);
	f->has_bodystructure = 1;
	f->nparts = f->parts_omitted = 0;
	f->multipart = 0;
	return body(c, 0, "");
}
