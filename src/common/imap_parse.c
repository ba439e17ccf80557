/* SPDX-License-Identifier: MIT */
/* Streaming IMAP response parser: frames by CRLF and exact literal sizes. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_parse_p.h"

#define IMAP_PARSE_DEF_LINE (64u * 1024)
#define IMAP_PARSE_DEF_LITERAL (32u * 1024 * 1024)
#define IMAP_PARSE_DEF_ITEMS 4096u

enum otpbox_err
imap_parse_fail(struct imap_parse *p, enum otpbox_err err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->errmsg, sizeof(p->errmsg), fmt, ap);
	va_end(ap);
	p->err = err;
	return err;
}

static int
limits_fill(struct imap_parse_limits *l)
{
	if (!l->max_line)
		l->max_line = IMAP_PARSE_DEF_LINE;
	if (!l->max_literal)
		l->max_literal = IMAP_PARSE_DEF_LITERAL;
	if (!l->max_items)
		l->max_items = IMAP_PARSE_DEF_ITEMS;
	if (!l->max_response) {
		if (l->max_literal > SIZE_MAX / 2 - 2 * l->max_line)
			return -1;
		l->max_response = l->max_literal + 2 * l->max_line;
	}
	if (l->max_response < l->max_line ||
	    l->max_response > SIZE_MAX / 2 - l->max_line ||
	    l->max_items > SIZE_MAX / sizeof(uint32_t))
		return -1;
	return 0;
}

enum otpbox_err
imap_parse_new(const struct imap_parse_limits *lim, struct imap_parse **out)
{
	struct imap_parse *p;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return OTPBOX_ERR_NOMEM;
	if (lim)
		p->lim = *lim;
	if (limits_fill(&p->lim) < 0) {
		free(p);
		return OTPBOX_ERR_USAGE;
	}
	*out = p;
	return OTPBOX_OK;
}

void
imap_parse_free(struct imap_parse *p)
{
	if (!p)
		return;
	free(p->in);
	free(p->raw);
	free(p->scratch);
	free(p->search);
	free(p->parts);
	free(p);
}

const char *
imap_parse_errmsg(const struct imap_parse *p)
{
	return p->errmsg;
}

size_t
imap_parse_pending(const struct imap_parse *p)
{
	return p->in_len - p->in_off;
}

/* Makes room for need bytes in *buf (capacity *cap), never past max. */
static int
grow(void *bufp, size_t *cap, size_t need, size_t max)
{
	unsigned char **buf = bufp;
	size_t ncap = *cap ? *cap : 4096;
	unsigned char *nbuf;

	if (need <= *cap)
		return 0;
	if (need > max)
		return -1;
	while (ncap < need)
		ncap = ncap > max / 2 ? max : ncap * 2;
	nbuf = realloc(*buf, ncap);
	if (!nbuf)
		return -1;
	*buf = nbuf;
	*cap = ncap;
	return 0;
}

enum otpbox_err
imap_parse_feed(struct imap_parse *p, const void *data, size_t len)
{
	size_t pending = p->in_len - p->in_off;
	size_t max = p->lim.max_response + p->lim.max_line;

	if (p->err)
		return p->err;
	if (len > max - pending)
		return imap_parse_fail(
		    p, OTPBOX_ERR_TOO_BIG,
		    "more than %zu bytes of unparsed server input", max);
	if (p->in_off) {
		memmove(p->in, p->in + p->in_off, pending);
		p->in_off = 0;
		p->in_len = pending;
	}
	if (grow(&p->in, &p->in_cap, pending + len, max) < 0)
		return imap_parse_fail(p, OTPBOX_ERR_NOMEM,
		                       "out of memory for input");
	if (len)
		memcpy(p->in + p->in_len, data, len);
	p->in_len += len;
	return OTPBOX_OK;
}

/*
 * Parses a literal announcement "{N}", "{N+}" (the "~" of literal8 is part
 * of the line before it) ending the line segment s[0..n). Returns 1 and the
 * size, 0 when the line does not end in one, -1 when N does not fit.
 */
static int
literal_at_end(const unsigned char *s, size_t n, uint64_t *size)
{
	size_t end, i;
	uint64_t v = 0;

	if (n < 3 || s[n - 1] != '}')
		return 0;
	end = n - 1;
	if (s[end - 1] == '+')
		end--;
	i = end;
	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	if (i == end || i == 0 || s[i - 1] != '{')
		return 0;
	if (end - i > 19)
		return -1;
	for (; i < end; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	*size = v;
	return 1;
}

/* A line segment ended at LF (offset eol, relative): literal or the end. */
static int
frame_eol(struct imap_parse *p, const unsigned char *r, size_t eol)
{
	size_t end = eol;
	uint64_t n;
	int lit;

	if (end > p->line_start && r[end - 1] == '\r')
		end--;
	lit = literal_at_end(r + p->line_start, end - p->line_start, &n);
	p->scan = eol + 1;
	p->line_start = p->scan;
	if (lit == 0)
		return 1;
	if (lit < 0 || n > p->lim.max_literal)
		return imap_parse_fail(p, OTPBOX_ERR_TOO_BIG,
		                       "literal too large (limit %zu bytes)",
		                       p->lim.max_literal),
		       -1;
	if (++p->nlit > p->lim.max_items)
		return imap_parse_fail(p, OTPBOX_ERR_TOO_BIG,
		                       "too many literals"),
		       -1;
	if (n > p->lim.max_response - p->scan)
		return imap_parse_fail(p, OTPBOX_ERR_TOO_BIG,
		                       "response too large (limit %zu bytes)",
		                       p->lim.max_response),
		       -1;
	p->lit_left = (size_t)n;
	return 0;
}

/*
 * Advances the framing over the buffered bytes. Returns 1 when a complete
 * response of p->scan bytes starts at in + in_off, 0 when more bytes are
 * needed, -1 on error.
 */
static int
frame(struct imap_parse *p)
{
	const unsigned char *r = p->in + p->in_off, *lf;
	size_t avail = p->in_len - p->in_off, take;
	int done;

	while (p->scan < avail) {
		if (p->lit_left) {
			take = avail - p->scan < p->lit_left ? avail - p->scan
			                                     : p->lit_left;
			p->scan += take;
			p->lit_left -= take;
			p->line_start = p->scan;
			continue;
		}
		lf = memchr(r + p->scan, '\n', avail - p->scan);
		if (!lf) {
			p->scan = avail;
			break;
		}
		if ((size_t)(lf - r) - p->line_start > p->lim.max_line)
			return imap_parse_fail(
			           p, OTPBOX_ERR_TOO_BIG,
			           "line too long (limit %zu bytes)",
			           p->lim.max_line),
			       -1;
		done = frame_eol(p, r, (size_t)(lf - r));
		if (done)
			return done;
	}
	if (!p->lit_left && p->scan - p->line_start > p->lim.max_line)
		return imap_parse_fail(p, OTPBOX_ERR_TOO_BIG,
		                       "line too long (limit %zu bytes)",
		                       p->lim.max_line),
		       -1;
	if (p->scan > p->lim.max_response)
		return imap_parse_fail(p, OTPBOX_ERR_TOO_BIG,
		                       "response too large (limit %zu bytes)",
		                       p->lim.max_response),
		       -1;
	return 0;
}

/* ---- capabilities and response codes ---- */

static const struct {
	const char *name;
	unsigned bit;
} cap_names[] = {
    {"IMAP4rev1", IMAP_PARSE_CAP_IMAP4REV1},
    {"IMAP4rev2", IMAP_PARSE_CAP_IMAP4REV2},
    {"IDLE", IMAP_PARSE_CAP_IDLE},
    {"STARTTLS", IMAP_PARSE_CAP_STARTTLS},
    {"LOGINDISABLED", IMAP_PARSE_CAP_LOGINDISABLED},
    {"AUTH=PLAIN", IMAP_PARSE_CAP_AUTH_PLAIN},
    {"AUTH=LOGIN", IMAP_PARSE_CAP_AUTH_LOGIN},
    {"AUTH=XOAUTH2", IMAP_PARSE_CAP_AUTH_XOAUTH2},
    {"AUTH=OAUTHBEARER", IMAP_PARSE_CAP_AUTH_OAUTHBEARER},
    {"SASL-IR", IMAP_PARSE_CAP_SASL_IR},
    {"LITERAL+", IMAP_PARSE_CAP_LITERALPLUS},
    {"LITERAL-", IMAP_PARSE_CAP_LITERALMINUS},
    {"UIDPLUS", IMAP_PARSE_CAP_UIDPLUS},
    {"CONDSTORE", IMAP_PARSE_CAP_CONDSTORE},
    {"ENABLE", IMAP_PARSE_CAP_ENABLE},
    {"ID", IMAP_PARSE_CAP_ID},
    {"NAMESPACE", IMAP_PARSE_CAP_NAMESPACE},
    {"ESEARCH", IMAP_PARSE_CAP_ESEARCH},
    {"UTF8=ACCEPT", IMAP_PARSE_CAP_UTF8_ACCEPT},
};

static unsigned
cap_bit(const char *name, size_t len)
{
	size_t k;

	for (k = 0; k < sizeof(cap_names) / sizeof(cap_names[0]); k++)
		if (strlen(cap_names[k].name) == len &&
		    strncasecmp(cap_names[k].name, name, len) == 0)
			return cap_names[k].bit;
	return 0;
}

/* Capability names in s[0..len), any spacing: normalised list and bits. */
static enum otpbox_err
caps_parse(struct imap_parse *p, const char *s, size_t len)
{
	struct imap_parse_resp *r = &p->resp;
	size_t i = 0, start, count = 0;
	char *list;

	if (imap_parse_tok_dup(p, "", 0, &r->cap_list) ||
	    len >= p->scratch_cap - p->scratch_len)
		return p->err ? p->err
		              : imap_parse_fail(p, OTPBOX_ERR_PROTOCOL,
		                                "string area exhausted");
	list = p->scratch + p->scratch_len - 1;
	while (i < len) {
		while (i < len && s[i] == ' ')
			i++;
		for (start = i; i < len && s[i] != ' '; i++)
			;
		if (i == start)
			break;
		if (++count > p->lim.max_items)
			return imap_parse_fail(p, OTPBOX_ERR_TOO_BIG,
			                       "too many capabilities");
		r->caps |= cap_bit(s + start, i - start);
		if (count > 1)
			*list++ = ' ';
		memcpy(list, s + start, i - start);
		list += i - start;
	}
	*list = '\0';
	p->scratch_len += (size_t)(list - r->cap_list);
	return OTPBOX_OK;
}

int
imap_parse_has_capability(const struct imap_parse_resp *r, const char *cap)
{
	const char *s = r->cap_list, *end;
	size_t n = strlen(cap);

	while (s && *s) {
		while (*s == ' ')
			s++;
		end = strchr(s, ' ');
		if (!end)
			end = s + strlen(s);
		if ((size_t)(end - s) == n && n && strncasecmp(s, cap, n) == 0)
			return 1;
		s = end;
	}
	return 0;
}

static const struct {
	const char *name;
	enum imap_parse_code code;
} code_names[] = {
    {"ALERT", IMAP_PARSE_CODE_ALERT},
    {"AUTHENTICATIONFAILED", IMAP_PARSE_CODE_AUTHENTICATIONFAILED},
    {"AUTHORIZATIONFAILED", IMAP_PARSE_CODE_AUTHORIZATIONFAILED},
    {"EXPIRED", IMAP_PARSE_CODE_EXPIRED},
    {"UNAVAILABLE", IMAP_PARSE_CODE_UNAVAILABLE},
    {"LIMIT", IMAP_PARSE_CODE_LIMIT},
    {"INUSE", IMAP_PARSE_CODE_INUSE},
    {"SERVERBUG", IMAP_PARSE_CODE_SERVERBUG},
    {"TRYCREATE", IMAP_PARSE_CODE_TRYCREATE},
    {"NONEXISTENT", IMAP_PARSE_CODE_NONEXISTENT},
    {"UIDVALIDITY", IMAP_PARSE_CODE_UIDVALIDITY},
    {"UIDNEXT", IMAP_PARSE_CODE_UIDNEXT},
    {"UNSEEN", IMAP_PARSE_CODE_UNSEEN},
    {"CAPABILITY", IMAP_PARSE_CODE_CAPABILITY},
    {"PERMANENTFLAGS", IMAP_PARSE_CODE_PERMANENTFLAGS},
    {"READ-ONLY", IMAP_PARSE_CODE_READ_ONLY},
    {"READ-WRITE", IMAP_PARSE_CODE_READ_WRITE},
    {"CLOSED", IMAP_PARSE_CODE_CLOSED},
    {"PARSE", IMAP_PARSE_CODE_PARSE},
};

static enum imap_parse_code
code_lookup(const char *s, size_t len)
{
	size_t k;

	for (k = 0; k < sizeof(code_names) / sizeof(code_names[0]); k++)
		if (strlen(code_names[k].name) == len &&
		    strncasecmp(code_names[k].name, s, len) == 0)
			return code_names[k].code;
	return IMAP_PARSE_CODE_OTHER;
}

/* The argument of a numeric code: exactly one number. */
static enum otpbox_err
code_number(struct imap_parse_cur *c, size_t arg, size_t end)
{
	struct imap_parse_cur sub = {c->p, c->s, end, arg};

	if (imap_parse_tok_number32(&sub, &c->p->resp.code_number))
		return c->p->err;
	if (sub.i != end)
		return imap_parse_tok_bad(&sub,
		                          "junk after a response code number");
	return OTPBOX_OK;
}

/* "[" code "]": classified, its text kept. */
static enum otpbox_err
resp_code(struct imap_parse_cur *c)
{
	struct imap_parse_resp *r = &c->p->resp;
	size_t start = ++c->i, word, arg;

	while (imap_parse_tok_peek(c) != ']') {
		if (imap_parse_tok_at_eol(c))
			return imap_parse_tok_bad(c,
			                          "unterminated response code");
		c->i++;
	}
	if (imap_parse_tok_dup(c->p, c->s + start, c->i - start, &r->code_text))
		return c->p->err;
	for (word = start; word < c->i && c->s[word] != ' '; word++)
		;
	r->code = code_lookup((const char *)c->s + start, word - start);
	arg = word < c->i ? word + 1 : word;
	c->i++;
	switch (r->code) {
	case IMAP_PARSE_CODE_UIDVALIDITY:
	case IMAP_PARSE_CODE_UIDNEXT:
	case IMAP_PARSE_CODE_UNSEEN:
		return code_number(c, arg, c->i - 1);
	case IMAP_PARSE_CODE_CAPABILITY:
		return caps_parse(c->p, (const char *)c->s + arg,
		                  c->i - 1 - arg);
	default:
		return OTPBOX_OK;
	}
}

/* Text to the end of the line, which must end the response. */
static enum otpbox_err
rest_of_line(struct imap_parse_cur *c, const char **out)
{
	size_t start = c->i;

	while (!imap_parse_tok_at_eol(c))
		c->i++;
	if (imap_parse_tok_dup(c->p, c->s + start, c->i - start, out) ||
	    imap_parse_tok_eol(c))
		return c->p->err;
	if (c->i != c->n)
		return imap_parse_tok_bad(c,
		                          "data after the end of the response");
	return OTPBOX_OK;
}

/* [SP] ["[" code "]" [SP]] text CRLF */
static enum otpbox_err
resp_text(struct imap_parse_cur *c)
{
	while (imap_parse_tok_peek(c) == ' ')
		c->i++;
	if (imap_parse_tok_peek(c) == '[') {
		if (resp_code(c))
			return c->p->err;
		while (imap_parse_tok_peek(c) == ' ')
			c->i++;
	}
	return rest_of_line(c, &c->p->resp.text);
}

/* ---- response dispatch ---- */

static enum otpbox_err
search_add(struct imap_parse *p, uint32_t v)
{
	struct imap_parse_resp *r = &p->resp;

	if (r->nsearch >= p->lim.max_items)
		return imap_parse_fail(p, OTPBOX_ERR_TOO_BIG,
		                       "too many SEARCH results");
	if (grow(&p->search, &p->search_cap,
	         (r->nsearch + 1) * sizeof(uint32_t),
	         p->lim.max_items * sizeof(uint32_t)) < 0)
		return imap_parse_fail(p, OTPBOX_ERR_NOMEM,
		                       "out of memory for SEARCH");
	p->search[r->nsearch++] = v;
	r->search = p->search;
	return OTPBOX_OK;
}

/* "* SEARCH" numbers; anything else (e.g. "(MODSEQ n)") is skipped. */
static enum otpbox_err
search_data(struct imap_parse_cur *c)
{
	uint32_t v;

	c->p->resp.data = IMAP_PARSE_DATA_SEARCH;
	while (!imap_parse_tok_at_eol(c)) {
		if (imap_parse_tok_sp(c))
			return c->p->err;
		if (imap_parse_tok_at_eol(c))
			break;
		if (imap_parse_tok_peek(c) >= '0' &&
		    imap_parse_tok_peek(c) <= '9') {
			if (imap_parse_tok_number32(c, &v) ||
			    search_add(c->p, v))
				return c->p->err;
		} else if (imap_parse_tok_skip_value(c)) {
			return c->p->err;
		}
	}
	if (imap_parse_tok_eol(c))
		return c->p->err;
	return c->i == c->n ? OTPBOX_OK
	                    : imap_parse_tok_bad(
	                          c, "data after the end of the response");
}

/* "* n ATOM ...": EXISTS, EXPUNGE, RECENT, FETCH or other. */
static enum otpbox_err
numbered_data(struct imap_parse_cur *c)
{
	struct imap_parse_resp *r = &c->p->resp;
	size_t start, len;

	if (imap_parse_tok_number32(c, &r->number) || imap_parse_tok_sp(c))
		return c->p->err;
	imap_parse_tok_atom(c, &start, &len);
	if (imap_parse_tok_atom_is(c, start, len, "FETCH")) {
		r->data = IMAP_PARSE_DATA_FETCH;
		return imap_parse_tok_sp(c) ? c->p->err
		                            : imap_parse_fetch_list(c);
	}
	if (imap_parse_tok_atom_is(c, start, len, "EXISTS"))
		r->data = IMAP_PARSE_DATA_EXISTS;
	else if (imap_parse_tok_atom_is(c, start, len, "EXPUNGE"))
		r->data = IMAP_PARSE_DATA_EXPUNGE;
	else if (imap_parse_tok_atom_is(c, start, len, "RECENT"))
		r->data = IMAP_PARSE_DATA_RECENT;
	else
		return len ? (r->data = IMAP_PARSE_DATA_OTHER, OTPBOX_OK)
		           : imap_parse_tok_bad(c, "expected a data name");
	return rest_of_line(c, &r->text)
	           ? c->p->err
	           : (*r->text
	                  ? imap_parse_tok_bad(c, "junk after a message number")
	                  : OTPBOX_OK);
}

static enum imap_parse_status
status_lookup(const struct imap_parse_cur *c, size_t start, size_t len)
{
	static const char *const names[] = {"OK", "NO", "BAD", "BYE",
	                                    "PREAUTH"};
	static const enum imap_parse_status st[] = {
	    IMAP_PARSE_STATUS_OK, IMAP_PARSE_STATUS_NO, IMAP_PARSE_STATUS_BAD,
	    IMAP_PARSE_STATUS_BYE, IMAP_PARSE_STATUS_PREAUTH};
	size_t k;

	for (k = 0; k < 5; k++)
		if (imap_parse_tok_atom_is(c, start, len, names[k]))
			return st[k];
	return IMAP_PARSE_STATUS_NONE;
}

/* "* ATOM ...": status, CAPABILITY, SEARCH, FLAGS, LIST, other. */
static enum otpbox_err
untagged(struct imap_parse_cur *c)
{
	struct imap_parse_resp *r = &c->p->resp;
	size_t start, len;

	if (imap_parse_tok_peek(c) >= '0' && imap_parse_tok_peek(c) <= '9')
		return numbered_data(c);
	imap_parse_tok_atom(c, &start, &len);
	r->status = status_lookup(c, start, len);
	if (r->status)
		return resp_text(c);
	if (imap_parse_tok_atom_is(c, start, len, "SEARCH"))
		return search_data(c);
	if (!len)
		return imap_parse_tok_bad(c, "expected a response name");
	if (imap_parse_tok_atom_is(c, start, len, "CAPABILITY")) {
		r->data = IMAP_PARSE_DATA_CAPABILITY;
		if (rest_of_line(c, &r->text))
			return c->p->err;
		return caps_parse(c->p, r->text, strlen(r->text));
	}
	if (imap_parse_tok_atom_is(c, start, len, "FLAGS"))
		r->data = IMAP_PARSE_DATA_FLAGS;
	else if (imap_parse_tok_atom_is(c, start, len, "LIST") ||
	         imap_parse_tok_atom_is(c, start, len, "LSUB"))
		r->data = IMAP_PARSE_DATA_LIST;
	else
		r->data = IMAP_PARSE_DATA_OTHER;
	return OTPBOX_OK;
}

static int
tag_char(int ch)
{
	return imap_parse_tok_atom_char(ch) && ch != '+';
}

static enum otpbox_err
tagged(struct imap_parse_cur *c)
{
	struct imap_parse_resp *r = &c->p->resp;
	size_t start = c->i, len;

	while (c->i < c->n && tag_char(c->s[c->i]))
		c->i++;
	if (c->i == start)
		return imap_parse_tok_bad(c, "expected a tag");
	if (imap_parse_tok_dup(c->p, c->s + start, c->i - start, &r->tag) ||
	    imap_parse_tok_sp(c))
		return c->p->err;
	imap_parse_tok_atom(c, &start, &len);
	r->status = status_lookup(c, start, len);
	if (!r->status)
		return imap_parse_tok_bad(
		    c, "expected OK, NO or BAD after the tag");
	return resp_text(c);
}

static enum otpbox_err
parse_response(struct imap_parse *p, size_t len)
{
	struct imap_parse_cur c = {p, p->raw, len, 0};
	struct imap_parse_resp *r = &p->resp;

	memset(r, 0, sizeof(*r));
	r->tag = r->code_text = r->text = r->cap_list = "";
	r->fetch.flags = "";
	r->raw = p->raw;
	r->raw_len = len;
	if (imap_parse_tok_peek(&c) == '+') {
		r->type = IMAP_PARSE_CONTINUATION;
		c.i++;
		return resp_text(&c);
	}
	if (imap_parse_tok_peek(&c) == '*') {
		r->type = IMAP_PARSE_UNTAGGED;
		c.i++;
		return imap_parse_tok_sp(&c) ? p->err : untagged(&c);
	}
	r->type = IMAP_PARSE_TAGGED;
	return tagged(&c);
}

/* Moves the framed response out of the input into its own buffers. */
static enum otpbox_err
take_response(struct imap_parse *p, size_t len)
{
	size_t max = p->lim.max_response + 1;

	if (grow(&p->raw, &p->raw_cap, len + 1, max) < 0 ||
	    grow(&p->scratch, &p->scratch_cap, 2 * len + 64, 2 * max + 64) < 0)
		return imap_parse_fail(p, OTPBOX_ERR_NOMEM,
		                       "out of memory for a response");
	memcpy(p->raw, p->in + p->in_off, len);
	p->raw[len] = '\0';
	p->scratch_len = 0;
	p->in_off += len;
	p->scan = p->line_start = p->lit_left = p->nlit = 0;
	return OTPBOX_OK;
}

enum otpbox_err
imap_parse_next(struct imap_parse *p, const struct imap_parse_resp **out)
{
	size_t len;
	int ready;

	*out = NULL;
	if (p->err)
		return p->err;
	ready = frame(p);
	if (ready <= 0)
		return ready < 0 ? p->err : OTPBOX_OK;
	len = p->scan;
	if (take_response(p, len) || parse_response(p, len))
		return p->err;
	*out = &p->resp;
	return OTPBOX_OK;
}
