/* SPDX-License-Identifier: MIT */
/* Tokens of an IMAP response already framed by imap_parse.c: atoms,
 * numbers, strings, literals, and skipping values of any shape. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_parse_p.h"

int
imap_parse_tok_at_eol(const struct imap_parse_cur *c)
{
	return c->i >= c->n || c->s[c->i] == '\r' || c->s[c->i] == '\n';
}

int
imap_parse_tok_peek(const struct imap_parse_cur *c)
{
	return c->i < c->n ? c->s[c->i] : -1;
}

enum otpbox_err
imap_parse_tok_bad(struct imap_parse_cur *c, const char *what)
{
	return imap_parse_fail(c->p, OTPBOX_ERR_PROTOCOL,
	                       "malformed response: %s at byte %zu", what,
	                       c->i);
}

enum otpbox_err
imap_parse_tok_expect(struct imap_parse_cur *c, int ch, const char *what)
{
	if (imap_parse_tok_peek(c) != ch)
		return imap_parse_tok_bad(c, what);
	c->i++;
	return OTPBOX_OK;
}

/* Skips one or more spaces (one is the grammar; servers are lenient). */
enum otpbox_err
imap_parse_tok_sp(struct imap_parse_cur *c)
{
	if (imap_parse_tok_peek(c) != ' ')
		return imap_parse_tok_bad(c, "expected a space");
	while (imap_parse_tok_peek(c) == ' ')
		c->i++;
	return OTPBOX_OK;
}

/* Consumes CRLF (or a bare LF). */
enum otpbox_err
imap_parse_tok_eol(struct imap_parse_cur *c)
{
	if (imap_parse_tok_peek(c) == '\r')
		c->i++;
	return imap_parse_tok_expect(c, '\n', "expected end of line");
}

int
imap_parse_tok_atom_char(int ch)
{
	return ch > ' ' && ch < 0x7f && ch != '(' && ch != ')' && ch != '{' &&
	       ch != '"' && ch != '%' && ch != '*' && ch != ']';
}

/* An atom (may be empty); [start, end) of it. */
void
imap_parse_tok_atom(struct imap_parse_cur *c, size_t *start, size_t *len)
{
	*start = c->i;
	while (c->i < c->n && imap_parse_tok_atom_char(c->s[c->i]))
		c->i++;
	*len = c->i - *start;
}

int
imap_parse_tok_atom_is(const struct imap_parse_cur *c, size_t start, size_t len,
                       const char *word)
{
	return strlen(word) == len &&
	       strncasecmp((const char *)c->s + start, word, len) == 0;
}

enum otpbox_err
imap_parse_tok_number64(struct imap_parse_cur *c, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t start = c->i;

	while (c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9') {
		if (v > (max - (uint64_t)(c->s[c->i] - '0')) / 10)
			return imap_parse_tok_bad(c, "number too large");
		v = v * 10 + (uint64_t)(c->s[c->i++] - '0');
	}
	if (c->i == start)
		return imap_parse_tok_bad(c, "expected a number");
	*out = v;
	return OTPBOX_OK;
}

enum otpbox_err
imap_parse_tok_number32(struct imap_parse_cur *c, uint32_t *out)
{
	uint64_t v = 0;
	enum otpbox_err err = imap_parse_tok_number64(c, UINT32_MAX, &v);

	*out = (uint32_t)v;
	return err;
}

/* Copies len bytes into the response's string area, NUL-terminated. */
enum otpbox_err
imap_parse_tok_dup(struct imap_parse *p, const void *src, size_t len,
                   const char **out)
{
	char *d;

	if (len >= p->scratch_cap - p->scratch_len)
		return imap_parse_fail(p, OTPBOX_ERR_PROTOCOL,
		                       "string area exhausted");
	d = p->scratch + p->scratch_len;
	memcpy(d, src, len);
	d[len] = '\0';
	p->scratch_len += len + 1;
	*out = d;
	return OTPBOX_OK;
}

/* "{N}" or "~{N}" then CRLF then N bytes, as framed. */
enum otpbox_err
imap_parse_tok_literal(struct imap_parse_cur *c, const unsigned char **data,
                       size_t *len)
{
	enum otpbox_err err;
	uint64_t n = 0;

	if (imap_parse_tok_peek(c) == '~')
		c->i++;
	if ((err = imap_parse_tok_expect(c, '{', "expected a literal")) ||
	    (err = imap_parse_tok_number64(c, UINT64_MAX / 2, &n)))
		return err;
	if (imap_parse_tok_peek(c) == '+')
		c->i++;
	if ((err =
	         imap_parse_tok_expect(c, '}', "unterminated literal size")) ||
	    (err = imap_parse_tok_eol(c)))
		return err;
	if (n > c->n - c->i)
		return imap_parse_tok_bad(c, "literal runs past the response");
	*data = c->s + c->i;
	*len = (size_t)n;
	c->i += (size_t)n;
	return OTPBOX_OK;
}

/* A quoted string, unescaped into the string area. */
enum otpbox_err
imap_parse_tok_quoted(struct imap_parse_cur *c, const char **out, size_t *len)
{
	struct imap_parse *p = c->p;
	char *d;
	int ch;

	if (imap_parse_tok_expect(c, '"', "expected a quoted string"))
		return p->err;
	if (p->scratch_cap - p->scratch_len < c->n - c->i + 1)
		return imap_parse_fail(p, OTPBOX_ERR_PROTOCOL,
		                       "string area exhausted");
	d = p->scratch + p->scratch_len;
	*out = d;
	while ((ch = imap_parse_tok_peek(c)) != '"') {
		if (ch < 0 || ch == '\r' || ch == '\n')
			return imap_parse_tok_bad(c,
			                          "unterminated quoted string");
		if (ch == '\\' && ++c->i >= c->n)
			return imap_parse_tok_bad(c,
			                          "unterminated quoted string");
		*d++ = (char)c->s[c->i++];
	}
	c->i++;
	*d = '\0';
	*len = (size_t)(d - *out);
	p->scratch_len += *len + 1;
	return OTPBOX_OK;
}

/* NIL, a quoted string or a literal: data/len, *nil set for NIL. */
enum otpbox_err
imap_parse_tok_nstring(struct imap_parse_cur *c, const unsigned char **data,
                       size_t *len, int *nil)
{
	size_t start, alen;
	const char *q = NULL;

	*nil = 0;
	switch (imap_parse_tok_peek(c)) {
	case '"':
		if (imap_parse_tok_quoted(c, &q, len))
			return c->p->err;
		*data = (const unsigned char *)q;
		return OTPBOX_OK;
	case '{':
	case '~':
		return imap_parse_tok_literal(c, data, len);
	}
	imap_parse_tok_atom(c, &start, &alen);
	if (!imap_parse_tok_atom_is(c, start, alen, "NIL"))
		return imap_parse_tok_bad(
		    c, "expected NIL, a string or a literal");
	*nil = 1;
	*data = (const unsigned char *)"";
	*len = 0;
	return OTPBOX_OK;
}

static int
skip_char(int ch)
{
	return ch > ' ' && ch != 0x7f && ch != '(' && ch != ')' && ch != '{' &&
	       ch != '"';
}

/* Passes over a quoted string without copying it. */
static enum otpbox_err
quoted_skip(struct imap_parse_cur *c)
{
	int ch;

	c->i++;
	while ((ch = imap_parse_tok_peek(c)) != '"') {
		if (ch < 0 || ch == '\r' || ch == '\n')
			return imap_parse_tok_bad(c,
			                          "unterminated quoted string");
		if (ch == '\\' && ++c->i >= c->n)
			return imap_parse_tok_bad(c,
			                          "unterminated quoted string");
		c->i++;
	}
	c->i++;
	return OTPBOX_OK;
}

/* One token that is not a list: string, literal, atom or number. */
static enum otpbox_err
skip_token(struct imap_parse_cur *c)
{
	const unsigned char *d;
	size_t len, start = c->i;
	int ch = imap_parse_tok_peek(c);

	if (ch == '"')
		return quoted_skip(c);
	if (ch == '{' ||
	    (ch == '~' && c->i + 1 < c->n && c->s[c->i + 1] == '{'))
		return imap_parse_tok_literal(c, &d, &len);
	while (c->i < c->n && skip_char(c->s[c->i]))
		c->i++;
	return c->i == start ? imap_parse_tok_bad(c, "expected a value")
	                     : OTPBOX_OK;
}

/*
 * Skips one value of any shape, parenthesised lists nested to any depth
 * included. Iterative, so hostile nesting cannot exhaust the stack.
 */
enum otpbox_err
imap_parse_tok_skip_value(struct imap_parse_cur *c)
{
	size_t depth = 0;
	enum otpbox_err err;
	int ch;

	do {
		ch = imap_parse_tok_peek(c);
		if (ch == '(') {
			depth++;
			c->i++;
			continue;
		}
		if (ch == ')' && depth) {
			depth--;
			c->i++;
		} else if (ch == ' ' && depth) {
			c->i++;
		} else if ((err = skip_token(c))) {
			return err;
		}
	} while (depth);
	return OTPBOX_OK;
}
