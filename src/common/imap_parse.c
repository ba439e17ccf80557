/* SPDX-License-Identifier: MIT */
/* Streaming IMAP response parser: frames by CRLF and exact literal sizes. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_parse.h"

#define IMAP_PARSE_DEF_LINE (64u * 1024)
#define IMAP_PARSE_DEF_LITERAL (32u * 1024 * 1024)
#define IMAP_PARSE_DEF_ITEMS 4096u

struct imap_parse {
	struct imap_parse_limits lim;
	unsigned char *in; /* fed bytes; [in_off, in_len) not yet returned */
	size_t in_off, in_len, in_cap;
	/* framing of the response starting at in + in_off (relative) */
	size_t scan;       /* bytes framed so far */
	size_t line_start; /* start of the current line segment */
	size_t lit_left;   /* literal bytes still to pass over */
	size_t nlit;       /* literals seen in this response */
	unsigned char *raw; /* copy of the returned response */
	size_t raw_cap;
	char *scratch; /* NUL-terminated strings of the returned response */
	size_t scratch_len, scratch_cap;
	uint32_t *search;
	size_t search_cap;
	struct imap_parse_resp resp;
	enum otpbox_err err; /* sticky */
	char errmsg[160];
};

/* A read position inside the response being parsed. */
struct cur {
	struct imap_parse *p;
	const unsigned char *s;
	size_t n, i;
};

static enum otpbox_err
fail(struct imap_parse *p, enum otpbox_err err, const char *fmt, ...)
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
		return fail(p, OTPBOX_ERR_TOO_BIG,
		    "more than %zu bytes of unparsed server input", max);
	if (p->in_off) {
		memmove(p->in, p->in + p->in_off, pending);
		p->in_off = 0;
		p->in_len = pending;
	}
	if (grow(&p->in, &p->in_cap, pending + len, max) < 0)
		return fail(p, OTPBOX_ERR_NOMEM, "out of memory for input");
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
		return fail(p, OTPBOX_ERR_TOO_BIG,
		    "literal too large (limit %zu bytes)", p->lim.max_literal),
		       -1;
	if (++p->nlit > p->lim.max_items)
		return fail(p, OTPBOX_ERR_TOO_BIG, "too many literals"), -1;
	if (n > p->lim.max_response - p->scan)
		return fail(p, OTPBOX_ERR_TOO_BIG,
		    "response too large (limit %zu bytes)",
		    p->lim.max_response), -1;
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
			take = avail - p->scan < p->lit_left ?
			    avail - p->scan : p->lit_left;
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
			return fail(p, OTPBOX_ERR_TOO_BIG,
			    "line too long (limit %zu bytes)",
			    p->lim.max_line), -1;
		done = frame_eol(p, r, (size_t)(lf - r));
		if (done)
			return done;
	}
	if (!p->lit_left && p->scan - p->line_start > p->lim.max_line)
		return fail(p, OTPBOX_ERR_TOO_BIG,
		    "line too long (limit %zu bytes)", p->lim.max_line), -1;
	if (p->scan > p->lim.max_response)
		return fail(p, OTPBOX_ERR_TOO_BIG,
		    "response too large (limit %zu bytes)",
		    p->lim.max_response), -1;
	return 0;
}

/* ---- tokens ---- */

static int
cur_eol(const struct cur *c)
{
	return c->i >= c->n || c->s[c->i] == '\r' || c->s[c->i] == '\n';
}

static int
cur_peek(const struct cur *c)
{
	return c->i < c->n ? c->s[c->i] : -1;
}

static enum otpbox_err
bad(struct cur *c, const char *what)
{
	return fail(c->p, OTPBOX_ERR_PROTOCOL, "malformed response: %s at byte %zu",
	    what, c->i);
}

static enum otpbox_err
expect(struct cur *c, int ch, const char *what)
{
	if (cur_peek(c) != ch)
		return bad(c, what);
	c->i++;
	return OTPBOX_OK;
}

/* Skips one or more spaces (one is the grammar; servers are lenient). */
static enum otpbox_err
sp(struct cur *c)
{
	if (cur_peek(c) != ' ')
		return bad(c, "expected a space");
	while (cur_peek(c) == ' ')
		c->i++;
	return OTPBOX_OK;
}

/* Consumes CRLF (or a bare LF). */
static enum otpbox_err
eol(struct cur *c)
{
	if (cur_peek(c) == '\r')
		c->i++;
	return expect(c, '\n', "expected end of line");
}

static int
atom_char(int ch)
{
	return ch > ' ' && ch < 0x7f && ch != '(' && ch != ')' && ch != '{' &&
	    ch != '"' && ch != '%' && ch != '*' && ch != ']';
}

/* An atom (may be empty); [start, end) of it. */
static void
atom(struct cur *c, size_t *start, size_t *len)
{
	*start = c->i;
	while (c->i < c->n && atom_char(c->s[c->i]))
		c->i++;
	*len = c->i - *start;
}

static int
atom_is(const struct cur *c, size_t start, size_t len, const char *word)
{
	return strlen(word) == len &&
	    strncasecmp((const char *)c->s + start, word, len) == 0;
}

static enum otpbox_err
number64(struct cur *c, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t start = c->i;

	while (c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9') {
		if (v > (max - (uint64_t)(c->s[c->i] - '0')) / 10)
			return bad(c, "number too large");
		v = v * 10 + (uint64_t)(c->s[c->i++] - '0');
	}
	if (c->i == start)
		return bad(c, "expected a number");
	*out = v;
	return OTPBOX_OK;
}

static enum otpbox_err
number32(struct cur *c, uint32_t *out)
{
	uint64_t v = 0;
	enum otpbox_err err = number64(c, UINT32_MAX, &v);

	*out = (uint32_t)v;
	return err;
}

/* Copies len bytes into the response's string area, NUL-terminated. */
static enum otpbox_err
scratch_dup(struct imap_parse *p, const void *src, size_t len,
    const char **out)
{
	char *d;

	if (len >= p->scratch_cap - p->scratch_len)
		return fail(p, OTPBOX_ERR_PROTOCOL, "string area exhausted");
	d = p->scratch + p->scratch_len;
	memcpy(d, src, len);
	d[len] = '\0';
	p->scratch_len += len + 1;
	*out = d;
	return OTPBOX_OK;
}

/* "{N}" or "~{N}" then CRLF then N bytes, as framed. */
static enum otpbox_err
literal(struct cur *c, const unsigned char **data, size_t *len)
{
	enum otpbox_err err;
	uint64_t n = 0;

	if (cur_peek(c) == '~')
		c->i++;
	if ((err = expect(c, '{', "expected a literal")) ||
	    (err = number64(c, UINT64_MAX / 2, &n)))
		return err;
	if (cur_peek(c) == '+')
		c->i++;
	if ((err = expect(c, '}', "unterminated literal size")) ||
	    (err = eol(c)))
		return err;
	if (n > c->n - c->i)
		return bad(c, "literal runs past the response");
	*data = c->s + c->i;
	*len = (size_t)n;
	c->i += (size_t)n;
	return OTPBOX_OK;
}

/* A quoted string, unescaped into the string area. */
static enum otpbox_err
quoted(struct cur *c, const char **out, size_t *len)
{
	struct imap_parse *p = c->p;
	char *d;
	int ch;

	if (expect(c, '"', "expected a quoted string"))
		return p->err;
	if (p->scratch_cap - p->scratch_len < c->n - c->i + 1)
		return fail(p, OTPBOX_ERR_PROTOCOL, "string area exhausted");
	d = p->scratch + p->scratch_len;
	*out = d;
	while ((ch = cur_peek(c)) != '"') {
		if (ch < 0 || ch == '\r' || ch == '\n')
			return bad(c, "unterminated quoted string");
		if (ch == '\\' && ++c->i >= c->n)
			return bad(c, "unterminated quoted string");
		*d++ = (char)c->s[c->i++];
	}
	c->i++;
	*d = '\0';
	*len = (size_t)(d - *out);
	p->scratch_len += *len + 1;
	return OTPBOX_OK;
}

/* NIL, a quoted string or a literal: data/len, *nil set for NIL. */
static enum otpbox_err
nstring(struct cur *c, const unsigned char **data, size_t *len, int *nil)
{
	size_t start, alen;
	const char *q = NULL;

	*nil = 0;
	switch (cur_peek(c)) {
	case '"':
		if (quoted(c, &q, len))
			return c->p->err;
		*data = (const unsigned char *)q;
		return OTPBOX_OK;
	case '{':
	case '~':
		return literal(c, data, len);
	}
	atom(c, &start, &alen);
	if (!atom_is(c, start, alen, "NIL"))
		return bad(c, "expected NIL, a string or a literal");
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
quoted_skip(struct cur *c)
{
	int ch;

	c->i++;
	while ((ch = cur_peek(c)) != '"') {
		if (ch < 0 || ch == '\r' || ch == '\n')
			return bad(c, "unterminated quoted string");
		if (ch == '\\' && ++c->i >= c->n)
			return bad(c, "unterminated quoted string");
		c->i++;
	}
	c->i++;
	return OTPBOX_OK;
}

/* One token that is not a list: string, literal, atom or number. */
static enum otpbox_err
skip_token(struct cur *c)
{
	const unsigned char *d;
	size_t len, start = c->i;
	int ch = cur_peek(c);

	if (ch == '"')
		return quoted_skip(c);
	if (ch == '{' || (ch == '~' && c->i + 1 < c->n &&
	    c->s[c->i + 1] == '{'))
		return literal(c, &d, &len);
	while (c->i < c->n && skip_char(c->s[c->i]))
		c->i++;
	return c->i == start ? bad(c, "expected a value") : OTPBOX_OK;
}

/*
 * Skips one value of any shape, parenthesised lists nested to any depth
 * included. Iterative, so hostile nesting cannot exhaust the stack.
 */
static enum otpbox_err
skip_value(struct cur *c)
{
	size_t depth = 0;
	enum otpbox_err err;
	int ch;

	do {
		ch = cur_peek(c);
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

/* ---- dates ---- */

static int
date_digits(const char *s, size_t len, size_t *i, size_t nmin, size_t nmax,
    int *out)
{
	size_t start = *i;
	int v = 0;

	while (*i < len && *i - start < nmax && s[*i] >= '0' && s[*i] <= '9')
		v = v * 10 + (s[(*i)++] - '0');
	*out = v;
	return *i - start >= nmin ? 0 : -1;
}

static int
date_sep(const char *s, size_t len, size_t *i, char sep)
{
	if (*i >= len || s[*i] != sep)
		return -1;
	(*i)++;
	return 0;
}

static int
date_month(const char *s, size_t len, size_t *i, int *mon)
{
	static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	int m;

	if (len - *i < 3)
		return -1;
	for (m = 0; m < 12; m++) {
		if (strncasecmp(s + *i, names + 3 * m, 3) == 0) {
			*mon = m + 1;
			*i += 3;
			return 0;
		}
	}
	return -1;
}

static int
date_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian, y >= 1). */
static int64_t
date_days(int y, int m, int d)
{
	static const int before[] = {0, 31, 59, 90, 120, 151, 181, 212, 243,
	    273, 304, 334};
	int64_t leaps = (y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400;
	int64_t leaps1970 = 1969 / 4 - 1969 / 100 + 1969 / 400;

	return 365 * ((int64_t)y - 1970) + (leaps - leaps1970) +
	    before[m - 1] + (m > 2 && date_leap(y)) + (d - 1);
}

static int
date_valid(int y, int mon, int d, int h, int mi, int sec)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31};

	if (y < 1 || d < 1 || d > mdays[mon - 1] + (mon == 2 && date_leap(y)))
		return 0;
	return h < 24 && mi < 60 && sec <= 60;
}

enum otpbox_err
imap_parse_date_time(const char *s, size_t len, time_t *out)
{
	int d, mon, y, h, mi, sec, zone, zsign;
	size_t i = 0;

	if (len && s[0] == ' ')
		i++;
	if (date_digits(s, len, &i, 1, 2, &d) || date_sep(s, len, &i, '-') ||
	    date_month(s, len, &i, &mon) || date_sep(s, len, &i, '-') ||
	    date_digits(s, len, &i, 4, 4, &y) || date_sep(s, len, &i, ' ') ||
	    date_digits(s, len, &i, 2, 2, &h) || date_sep(s, len, &i, ':') ||
	    date_digits(s, len, &i, 2, 2, &mi) || date_sep(s, len, &i, ':') ||
	    date_digits(s, len, &i, 2, 2, &sec) || date_sep(s, len, &i, ' '))
		return OTPBOX_ERR_PARSE;
	if (i >= len || (s[i] != '+' && s[i] != '-'))
		return OTPBOX_ERR_PARSE;
	zsign = s[i++] == '-' ? -1 : 1;
	if (date_digits(s, len, &i, 4, 4, &zone) || i != len ||
	    zone % 100 >= 60 || zone / 100 > 23)
		return OTPBOX_ERR_PARSE;
	if (!date_valid(y, mon, d, h, mi, sec))
		return OTPBOX_ERR_PARSE;
	*out = (time_t)(date_days(y, mon, d) * 86400 + h * 3600 + mi * 60 +
	    sec - zsign * ((zone / 100) * 3600 + (zone % 100) * 60));
	return OTPBOX_OK;
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

	if (scratch_dup(p, "", 0, &r->cap_list) || len >= p->scratch_cap -
	    p->scratch_len)
		return p->err ? p->err :
		    fail(p, OTPBOX_ERR_PROTOCOL, "string area exhausted");
	list = p->scratch + p->scratch_len - 1;
	while (i < len) {
		while (i < len && s[i] == ' ')
			i++;
		for (start = i; i < len && s[i] != ' '; i++)
			;
		if (i == start)
			break;
		if (++count > p->lim.max_items)
			return fail(p, OTPBOX_ERR_TOO_BIG,
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
code_number(struct cur *c, size_t arg, size_t end)
{
	struct cur sub = {c->p, c->s, end, arg};

	if (number32(&sub, &c->p->resp.code_number))
		return c->p->err;
	if (sub.i != end)
		return bad(&sub, "junk after a response code number");
	return OTPBOX_OK;
}

/* "[" code "]": classified, its text kept. */
static enum otpbox_err
resp_code(struct cur *c)
{
	struct imap_parse_resp *r = &c->p->resp;
	size_t start = ++c->i, word, arg;

	while (cur_peek(c) != ']') {
		if (cur_eol(c))
			return bad(c, "unterminated response code");
		c->i++;
	}
	if (scratch_dup(c->p, c->s + start, c->i - start, &r->code_text))
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
		return caps_parse(c->p, (const char *)c->s + arg, c->i - 1 - arg);
	default:
		return OTPBOX_OK;
	}
}

/* Text to the end of the line, which must end the response. */
static enum otpbox_err
rest_of_line(struct cur *c, const char **out)
{
	size_t start = c->i;

	while (!cur_eol(c))
		c->i++;
	if (scratch_dup(c->p, c->s + start, c->i - start, out) || eol(c))
		return c->p->err;
	if (c->i != c->n)
		return bad(c, "data after the end of the response");
	return OTPBOX_OK;
}

/* [SP] ["[" code "]" [SP]] text CRLF */
static enum otpbox_err
resp_text(struct cur *c)
{
	while (cur_peek(c) == ' ')
		c->i++;
	if (cur_peek(c) == '[') {
		if (resp_code(c))
			return c->p->err;
		while (cur_peek(c) == ' ')
			c->i++;
	}
	return rest_of_line(c, &c->p->resp.text);
}

/* ---- FETCH ---- */

/* The name of one FETCH item: "UID", "BODY[<section>]<origin>", ... */
struct item {
	size_t name, name_len;
	int has_section;
	size_t section_len;
	int has_origin;
	uint64_t origin;
};

static enum otpbox_err
item_name(struct cur *c, struct item *it)
{
	size_t start;

	memset(it, 0, sizeof(*it));
	it->name = c->i;
	while (c->i < c->n && atom_char(c->s[c->i]) && c->s[c->i] != '[')
		c->i++;
	it->name_len = c->i - it->name;
	if (!it->name_len)
		return bad(c, "expected a FETCH item");
	if (cur_peek(c) == '[') {
		start = ++c->i;
		while (cur_peek(c) != ']') {
			if (cur_eol(c) || cur_peek(c) == '[')
				return bad(c, "unterminated section");
			c->i++;
		}
		it->has_section = 1;
		it->section_len = c->i++ - start;
	}
	if (cur_peek(c) != '<')
		return OTPBOX_OK;
	c->i++;
	it->has_origin = 1;
	if (number64(c, UINT64_MAX, &it->origin))
		return c->p->err;
	return expect(c, '>', "unterminated origin");
}

/* BODY[], BODY.PEEK[], BINARY[] (with any origin) or RFC822. */
static int
item_is_body(const struct cur *c, const struct item *it)
{
	if (!it->has_section)
		return !it->has_origin &&
		    atom_is(c, it->name, it->name_len, "RFC822");
	if (it->section_len)
		return 0;
	return atom_is(c, it->name, it->name_len, "BODY") ||
	    atom_is(c, it->name, it->name_len, "BODY.PEEK") ||
	    atom_is(c, it->name, it->name_len, "BINARY") ||
	    atom_is(c, it->name, it->name_len, "BINARY.PEEK");
}

static enum otpbox_err
fetch_body(struct cur *c, const struct item *it)
{
	struct imap_parse_fetch *f = &c->p->resp.fetch;

	if (nstring(c, &f->body, &f->body_len, &f->body_nil))
		return c->p->err;
	f->has_body = 1;
	f->has_origin = it->has_origin;
	f->origin = it->origin;
	return OTPBOX_OK;
}

static enum otpbox_err
fetch_date(struct cur *c)
{
	struct imap_parse_fetch *f = &c->p->resp.fetch;
	const unsigned char *d;
	size_t len;
	int nil;

	if (nstring(c, &d, &len, &nil))
		return c->p->err;
	f->has_internaldate = !nil && imap_parse_date_time((const char *)d,
	    len, &f->internaldate) == OTPBOX_OK;
	if (!f->has_internaldate)
		f->internaldate = 0;
	return OTPBOX_OK;
}

static enum otpbox_err
fetch_flags(struct cur *c)
{
	struct imap_parse_fetch *f = &c->p->resp.fetch;
	size_t start = c->i;

	if (cur_peek(c) != '(')
		return bad(c, "expected a flag list");
	if (skip_value(c))
		return c->p->err;
	f->has_flags = 1;
	return scratch_dup(c->p, c->s + start + 1, c->i - start - 2, &f->flags);
}

static enum otpbox_err
fetch_item(struct cur *c)
{
	struct imap_parse_fetch *f = &c->p->resp.fetch;
	struct item it;
	uint64_t v;

	if (item_name(c, &it) || sp(c))
		return c->p->err;
	if (item_is_body(c, &it))
		return fetch_body(c, &it);
	if (it.has_section || it.has_origin)
		return skip_value(c);
	if (atom_is(c, it.name, it.name_len, "UID")) {
		f->has_uid = 1;
		return number32(c, &f->uid);
	}
	if (atom_is(c, it.name, it.name_len, "RFC822.SIZE")) {
		f->has_size = 1;
		return number64(c, UINT64_MAX, &v) ? c->p->err :
		    (f->size = v, OTPBOX_OK);
	}
	if (atom_is(c, it.name, it.name_len, "INTERNALDATE"))
		return fetch_date(c);
	if (atom_is(c, it.name, it.name_len, "FLAGS"))
		return fetch_flags(c);
	return skip_value(c);
}

/* "(" item SP value *(SP item SP value) ")" CRLF, after "* n FETCH ". */
static enum otpbox_err
fetch_list(struct cur *c)
{
	size_t count = 0;

	if (expect(c, '(', "expected '(' after FETCH"))
		return c->p->err;
	while (cur_peek(c) == ' ')
		c->i++;
	while (cur_peek(c) != ')') {
		if (++count > c->p->lim.max_items)
			return fail(c->p, OTPBOX_ERR_TOO_BIG,
			    "too many FETCH items");
		if (fetch_item(c))
			return c->p->err;
		while (cur_peek(c) == ' ')
			c->i++;
	}
	c->i++;
	if (eol(c))
		return c->p->err;
	return c->i == c->n ? OTPBOX_OK :
	    bad(c, "data after the end of the response");
}

/* ---- response dispatch ---- */

static enum otpbox_err
search_add(struct imap_parse *p, uint32_t v)
{
	struct imap_parse_resp *r = &p->resp;

	if (r->nsearch >= p->lim.max_items)
		return fail(p, OTPBOX_ERR_TOO_BIG, "too many SEARCH results");
	if (grow(&p->search, &p->search_cap,
	    (r->nsearch + 1) * sizeof(uint32_t),
	    p->lim.max_items * sizeof(uint32_t)) < 0)
		return fail(p, OTPBOX_ERR_NOMEM, "out of memory for SEARCH");
	p->search[r->nsearch++] = v;
	r->search = p->search;
	return OTPBOX_OK;
}

/* "* SEARCH" numbers; anything else (e.g. "(MODSEQ n)") is skipped. */
static enum otpbox_err
search_data(struct cur *c)
{
	uint32_t v;

	c->p->resp.data = IMAP_PARSE_DATA_SEARCH;
	while (!cur_eol(c)) {
		if (sp(c))
			return c->p->err;
		if (cur_eol(c))
			break;
		if (cur_peek(c) >= '0' && cur_peek(c) <= '9') {
			if (number32(c, &v) || search_add(c->p, v))
				return c->p->err;
		} else if (skip_value(c)) {
			return c->p->err;
		}
	}
	if (eol(c))
		return c->p->err;
	return c->i == c->n ? OTPBOX_OK :
	    bad(c, "data after the end of the response");
}

/* "* n ATOM ...": EXISTS, EXPUNGE, RECENT, FETCH or other. */
static enum otpbox_err
numbered_data(struct cur *c)
{
	struct imap_parse_resp *r = &c->p->resp;
	size_t start, len;

	if (number32(c, &r->number) || sp(c))
		return c->p->err;
	atom(c, &start, &len);
	if (atom_is(c, start, len, "FETCH")) {
		r->data = IMAP_PARSE_DATA_FETCH;
		return sp(c) ? c->p->err : fetch_list(c);
	}
	if (atom_is(c, start, len, "EXISTS"))
		r->data = IMAP_PARSE_DATA_EXISTS;
	else if (atom_is(c, start, len, "EXPUNGE"))
		r->data = IMAP_PARSE_DATA_EXPUNGE;
	else if (atom_is(c, start, len, "RECENT"))
		r->data = IMAP_PARSE_DATA_RECENT;
	else
		return len ? (r->data = IMAP_PARSE_DATA_OTHER, OTPBOX_OK) :
		    bad(c, "expected a data name");
	return rest_of_line(c, &r->text) ? c->p->err :
	    (*r->text ? bad(c, "junk after a message number") : OTPBOX_OK);
}

static enum imap_parse_status
status_lookup(const struct cur *c, size_t start, size_t len)
{
	static const char *const names[] = {"OK", "NO", "BAD", "BYE",
	    "PREAUTH"};
	static const enum imap_parse_status st[] = {IMAP_PARSE_STATUS_OK,
	    IMAP_PARSE_STATUS_NO, IMAP_PARSE_STATUS_BAD,
	    IMAP_PARSE_STATUS_BYE, IMAP_PARSE_STATUS_PREAUTH};
	size_t k;

	for (k = 0; k < 5; k++)
		if (atom_is(c, start, len, names[k]))
			return st[k];
	return IMAP_PARSE_STATUS_NONE;
}

/* "* ATOM ...": status, CAPABILITY, SEARCH, FLAGS, LIST, other. */
static enum otpbox_err
untagged(struct cur *c)
{
	struct imap_parse_resp *r = &c->p->resp;
	size_t start, len;

	if (cur_peek(c) >= '0' && cur_peek(c) <= '9')
		return numbered_data(c);
	atom(c, &start, &len);
	r->status = status_lookup(c, start, len);
	if (r->status)
		return resp_text(c);
	if (atom_is(c, start, len, "SEARCH"))
		return search_data(c);
	if (!len)
		return bad(c, "expected a response name");
	if (atom_is(c, start, len, "CAPABILITY")) {
		r->data = IMAP_PARSE_DATA_CAPABILITY;
		if (rest_of_line(c, &r->text))
			return c->p->err;
		return caps_parse(c->p, r->text, strlen(r->text));
	}
	if (atom_is(c, start, len, "FLAGS"))
		r->data = IMAP_PARSE_DATA_FLAGS;
	else if (atom_is(c, start, len, "LIST") ||
	    atom_is(c, start, len, "LSUB"))
		r->data = IMAP_PARSE_DATA_LIST;
	else
		r->data = IMAP_PARSE_DATA_OTHER;
	return OTPBOX_OK;
}

static int
tag_char(int ch)
{
	return atom_char(ch) && ch != '+';
}

static enum otpbox_err
tagged(struct cur *c)
{
	struct imap_parse_resp *r = &c->p->resp;
	size_t start = c->i, len;

	while (c->i < c->n && tag_char(c->s[c->i]))
		c->i++;
	if (c->i == start)
		return bad(c, "expected a tag");
	if (scratch_dup(c->p, c->s + start, c->i - start, &r->tag) || sp(c))
		return c->p->err;
	atom(c, &start, &len);
	r->status = status_lookup(c, start, len);
	if (!r->status)
		return bad(c, "expected OK, NO or BAD after the tag");
	return resp_text(c);
}

static enum otpbox_err
parse_response(struct imap_parse *p, size_t len)
{
	struct cur c = {p, p->raw, len, 0};
	struct imap_parse_resp *r = &p->resp;

	memset(r, 0, sizeof(*r));
	r->tag = r->code_text = r->text = r->cap_list = "";
	r->fetch.flags = "";
	r->raw = p->raw;
	r->raw_len = len;
	if (cur_peek(&c) == '+') {
		r->type = IMAP_PARSE_CONTINUATION;
		c.i++;
		return resp_text(&c);
	}
	if (cur_peek(&c) == '*') {
		r->type = IMAP_PARSE_UNTAGGED;
		c.i++;
		return sp(&c) ? p->err : untagged(&c);
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
		return fail(p, OTPBOX_ERR_NOMEM, "out of memory for a response");
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
