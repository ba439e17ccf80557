/* SPDX-License-Identifier: MIT */
/* The items of a "* n FETCH (...)" response that otpbox uses; the rest is
 * skipped whatever its shape. */
#include <string.h>

#include "imap_date.h"
#include "imap_parse_p.h"

/* The name of one FETCH item: "UID", "BODY[<section>]<origin>", ... */
struct item {
	size_t name, name_len;
	int has_section;
	size_t section_len;
	int has_origin;
	uint64_t origin;
};

static enum otpbox_err
item_name(struct imap_parse_cur *c, struct item *it)
{
	size_t start;

	memset(it, 0, sizeof(*it));
	it->name = c->i;
	while (c->i < c->n && imap_parse_tok_atom_char(c->s[c->i]) &&
	       c->s[c->i] != '[')
		c->i++;
	it->name_len = c->i - it->name;
	if (!it->name_len)
		return imap_parse_tok_bad(c, "expected a FETCH item");
	if (imap_parse_tok_peek(c) == '[') {
		start = ++c->i;
		while (imap_parse_tok_peek(c) != ']') {
			if (imap_parse_tok_at_eol(c) ||
			    imap_parse_tok_peek(c) == '[')
				return imap_parse_tok_bad(
				    c, "unterminated section");
			c->i++;
		}
		it->has_section = 1;
		it->section_len = c->i++ - start;
	}
	if (imap_parse_tok_peek(c) != '<')
		return OTPBOX_OK;
	c->i++;
	it->has_origin = 1;
	if (imap_parse_tok_number64(c, UINT64_MAX, &it->origin))
		return c->p->err;
	return imap_parse_tok_expect(c, '>', "unterminated origin");
}

/* BODY[], BODY.PEEK[], BINARY[] (with any origin) or RFC822. */
static int
item_is_body(const struct imap_parse_cur *c, const struct item *it)
{
	if (!it->has_section)
		return !it->has_origin &&
		       imap_parse_tok_atom_is(c, it->name, it->name_len,
		                              "RFC822");
	if (it->section_len)
		return 0;
	return imap_parse_tok_atom_is(c, it->name, it->name_len, "BODY") ||
	       imap_parse_tok_atom_is(c, it->name, it->name_len, "BODY.PEEK") ||
	       imap_parse_tok_atom_is(c, it->name, it->name_len, "BINARY") ||
	       imap_parse_tok_atom_is(c, it->name, it->name_len, "BINARY.PEEK");
}

static enum otpbox_err
fetch_body(struct imap_parse_cur *c, const struct item *it)
{
	struct imap_parse_fetch *f = &c->p->resp.fetch;

	if (imap_parse_tok_nstring(c, &f->body, &f->body_len, &f->body_nil))
		return c->p->err;
	f->has_body = 1;
	f->has_origin = it->has_origin;
	f->origin = it->origin;
	return OTPBOX_OK;
}

/* BODY[HEADER], BODY[1.2]<0>...: kept while there is room, else skipped. */
static int
item_is_section(const struct imap_parse_cur *c, const struct item *it)
{
	return it->has_section && it->section_len &&
	       (imap_parse_tok_atom_is(c, it->name, it->name_len, "BODY") ||
	        imap_parse_tok_atom_is(c, it->name, it->name_len, "BODY.PEEK"));
}

static enum otpbox_err
fetch_section(struct imap_parse_cur *c, const struct item *it)
{
	struct imap_parse_fetch *f = &c->p->resp.fetch;
	struct imap_parse_section *s;
	size_t start = it->name + it->name_len + 1;

	if (f->nsections >= IMAP_PARSE_MAX_SECTIONS)
		return imap_parse_tok_skip_value(c);
	s = &f->sections[f->nsections];
	memset(s, 0, sizeof(*s));
	if (imap_parse_tok_dup(c->p, c->s + start, it->section_len, &s->name))
		return c->p->err;
	if (imap_parse_tok_nstring(c, &s->data, &s->len, &s->nil))
		return c->p->err;
	s->has_origin = it->has_origin;
	s->origin = it->origin;
	f->nsections++;
	return OTPBOX_OK;
}

static enum otpbox_err
fetch_date(struct imap_parse_cur *c)
{
	struct imap_parse_fetch *f = &c->p->resp.fetch;
	const unsigned char *d;
	size_t len;
	int nil;

	if (imap_parse_tok_nstring(c, &d, &len, &nil))
		return c->p->err;
	f->has_internaldate =
	    !nil && imap_date_parse((const char *)d, len, &f->internaldate) ==
	                OTPBOX_OK;
	if (!f->has_internaldate)
		f->internaldate = 0;
	return OTPBOX_OK;
}

static enum otpbox_err
fetch_flags(struct imap_parse_cur *c)
{
	struct imap_parse_fetch *f = &c->p->resp.fetch;
	size_t start = c->i;

	if (imap_parse_tok_peek(c) != '(')
		return imap_parse_tok_bad(c, "expected a flag list");
	if (imap_parse_tok_skip_value(c))
		return c->p->err;
	f->has_flags = 1;
	return imap_parse_tok_dup(c->p, c->s + start + 1, c->i - start - 2,
	                          &f->flags);
}

static enum otpbox_err
fetch_item(struct imap_parse_cur *c)
{
	struct imap_parse_fetch *f = &c->p->resp.fetch;
	struct item it;
	uint64_t v;

	if (item_name(c, &it) || imap_parse_tok_sp(c))
		return c->p->err;
	if (item_is_body(c, &it))
		return fetch_body(c, &it);
	if (item_is_section(c, &it))
		return fetch_section(c, &it);
	if (it.has_section || it.has_origin)
		return imap_parse_tok_skip_value(c);
	if (imap_parse_tok_atom_is(c, it.name, it.name_len, "UID")) {
		f->has_uid = 1;
		return imap_parse_tok_number32(c, &f->uid);
	}
	if (imap_parse_tok_atom_is(c, it.name, it.name_len, "RFC822.SIZE")) {
		f->has_size = 1;
		return imap_parse_tok_number64(c, UINT64_MAX, &v)
		           ? c->p->err
		           : (f->size = v, OTPBOX_OK);
	}
	if (imap_parse_tok_atom_is(c, it.name, it.name_len, "INTERNALDATE"))
		return fetch_date(c);
	if (imap_parse_tok_atom_is(c, it.name, it.name_len, "FLAGS"))
		return fetch_flags(c);
	if (imap_parse_tok_atom_is(c, it.name, it.name_len, "BODYSTRUCTURE") ||
	    imap_parse_tok_atom_is(c, it.name, it.name_len, "BODY"))
		return imap_parse_body_structure(c);
	return imap_parse_tok_skip_value(c);
}

/* "(" item SP value *(SP item SP value) ")" CRLF, after "* n FETCH ". */
enum otpbox_err
imap_parse_fetch_list(struct imap_parse_cur *c)
{
	size_t count = 0;

	if (imap_parse_tok_expect(c, '(', "expected '(' after FETCH"))
		return c->p->err;
	while (imap_parse_tok_peek(c) == ' ')
		c->i++;
	while (imap_parse_tok_peek(c) != ')') {
		if (++count > c->p->lim.max_items)
			return imap_parse_fail(c->p, OTPBOX_ERR_TOO_BIG,
			                       "too many FETCH items");
		if (fetch_item(c))
			return c->p->err;
		while (imap_parse_tok_peek(c) == ' ')
			c->i++;
	}
	c->i++;
	if (imap_parse_tok_eol(c))
		return c->p->err;
	return c->i == c->n ? OTPBOX_OK
	                    : imap_parse_tok_bad(
	                          c, "data after the end of the response");
}
