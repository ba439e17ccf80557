/* SPDX-License-Identifier: MIT */
/* Fetching a large message by its parts: the header and the text parts,
 * never an attachment, rebuilt into one message within max_bytes. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fetch_parts.h"

/* Header and MIME lines written around each rebuilt part. */
#define FETCH_PARTS_OVERHEAD 256
/* Least text asked for of a part, however many parts share the budget. */
#define FETCH_PARTS_MIN_PART 256

/* Appends to plan->skipped, "; "-separated; a full record ends in "...". */
static void
fetch_parts_note(struct fetch_parts_plan *plan, const char *fmt, ...)
{
	size_t n = strlen(plan->skipped), cap = sizeof(plan->skipped);
	va_list ap;
	int m;

	if (n + 8 >= cap)
		return;
	if (n)
		n += (size_t)snprintf(plan->skipped + n, cap - n, "; ");
	va_start(ap, fmt);
	m = vsnprintf(plan->skipped + n, cap - n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= cap - n)
		memcpy(plan->skipped + cap - 4, "...", 4);
}

/* Copies a MIME token, or leaves "" when it holds anything but token
 * characters: it goes into a header line we write, so no CR, LF, quote
 * or semicolon may come through from the server. */
static void
fetch_parts_token(char *dst, const char *src)
{
	size_t i;

	dst[0] = 0;
	for (i = 0; src[i]; i++) {
		if (i + 1 >= FETCH_PARTS_TOKEN ||
		    !(isalnum((unsigned char)src[i]) ||
		      strchr("!#$%&'*+-.^_`|~", src[i])))
			return;
	}
	memcpy(dst, src, i + 1);
}

static bool
fetch_parts_is_text(const struct imap_parse_part *pt)
{
	return strcasecmp(pt->type, "text") == 0 &&
	       (strcasecmp(pt->subtype, "plain") == 0 ||
	        strcasecmp(pt->subtype, "html") == 0) &&
	       strcasecmp(pt->disposition, "attachment") != 0;
}

static void
fetch_parts_add(struct fetch_parts_plan *plan, const struct imap_parse_part *pt,
                bool root)
{
	struct fetch_parts_text *t = &plan->text[plan->ntext++];
	char sub[FETCH_PARTS_TOKEN];

	snprintf(t->section, sizeof(t->section), "%s",
	         root ? "TEXT" : pt->section);
	fetch_parts_token(sub, pt->subtype);
	snprintf(t->type, sizeof(t->type), "text/%.50s",
	         sub[0] ? sub : "plain");
	fetch_parts_token(t->charset, pt->charset);
	fetch_parts_token(t->encoding, pt->encoding);
	t->size = pt->size;
}

void
fetch_parts_plan(const struct imap_parse_fetch *fe, size_t max_bytes,
                 struct fetch_parts_plan *plan)
{
	const struct imap_parse_part *pt;
	size_t i, budget;

	memset(plan, 0, sizeof(*plan));
	plan->max_bytes = max_bytes;
	plan->whole = !fe->has_bodystructure || fe->nparts == 0;
	plan->multipart = fe->multipart;
	for (i = 0; !plan->whole && i < fe->nparts; i++) {
		pt = &fe->parts[i];
		if (fetch_parts_is_text(pt) &&
		    plan->ntext < FETCH_PARTS_MAX_TEXT)
			fetch_parts_add(plan, pt, !fe->multipart);
		else
			fetch_parts_note(plan,
			                 "part %.40s %.30s/%.30s%s%.60s "
			                 "(%llu bytes)",
			                 pt->section, pt->type, pt->subtype,
			                 *pt->filename ? " " : "", pt->filename,
			                 (unsigned long long)pt->size);
	}
	if (fe->parts_omitted)
		fetch_parts_note(plan, "%zu parts nested too deep or too many",
		                 fe->parts_omitted);
	plan->header_max = max_bytes / 2;
	budget = max_bytes - plan->header_max;
	if (plan->ntext) {
		budget /= plan->ntext;
		budget = budget > FETCH_PARTS_OVERHEAD
		             ? budget - FETCH_PARTS_OVERHEAD
		             : 0;
	}
	plan->part_max =
	    budget < FETCH_PARTS_MIN_PART ? FETCH_PARTS_MIN_PART : budget;
}

enum otpbox_err
fetch_parts_items(const struct fetch_parts_plan *plan, char *out, size_t cap)
{
	size_t i, n;
	int m;

	if (plan->whole) {
		m = snprintf(out, cap, "BODY.PEEK[]<0.%zu>", plan->max_bytes);
		return m < 0 || (size_t)m >= cap ? OTPBOX_ERR_TOO_BIG
		                                 : OTPBOX_OK;
	}
	m = snprintf(out, cap, "BODY.PEEK[HEADER]<0.%zu>", plan->header_max);
	if (m < 0 || (size_t)m >= cap)
		return OTPBOX_ERR_TOO_BIG;
	n = (size_t)m;
	for (i = 0; i < plan->ntext; i++) {
		m = snprintf(out + n, cap - n, " BODY.PEEK[%s]<0.%zu>",
		             plan->text[i].section, plan->part_max);
		if (m < 0 || (size_t)m >= cap - n)
			return OTPBOX_ERR_TOO_BIG;
		n += (size_t)m;
	}
	return OTPBOX_OK;
}

/* The piece named name in got, or NULL. */
static const struct fetch_parts_piece *
fetch_parts_find(const struct fetch_parts_got *got, const char *name)
{
	size_t i;

	for (i = 0; i < got->n; i++)
		if (strcasecmp(got->piece[i].name, name) == 0)
			return &got->piece[i];
	return NULL;
}

static enum otpbox_err
fetch_parts_keep(struct fetch_parts_got *got, const char *name,
                 const unsigned char *data, size_t len)
{
	struct fetch_parts_piece *pc;

	if (fetch_parts_find(got, name) ||
	    got->n >= IMAP_PARSE_MAX_SECTIONS + 1)
		return OTPBOX_OK;
	pc = &got->piece[got->n];
	if ((pc->data = malloc(len + 1)) == NULL)
		return OTPBOX_ERR_NOMEM;
	memcpy(pc->data, data, len);
	pc->len = len;
	snprintf(pc->name, sizeof(pc->name), "%s", name);
	got->n++;
	return OTPBOX_OK;
}

enum otpbox_err
fetch_parts_take(struct fetch_parts_got *got, const struct imap_parse_fetch *fe)
{
	enum otpbox_err err = OTPBOX_OK;
	size_t i;

	if (fe->has_body && !fe->body_nil)
		err = fetch_parts_keep(got, "", fe->body, fe->body_len);
	for (i = 0; i < fe->nsections && err == OTPBOX_OK; i++)
		if (!fe->sections[i].nil)
			err = fetch_parts_keep(got, fe->sections[i].name,
			                       fe->sections[i].data,
			                       fe->sections[i].len);
	return err;
}

void
fetch_parts_got_free(struct fetch_parts_got *got)
{
	size_t i;

	for (i = 0; i < got->n; i++)
		free(got->piece[i].data);
	got->n = 0;
}

/* A growing output buffer; err is sticky. */
struct fetch_parts_buf {
	char *p;
	size_t len, cap;
	enum otpbox_err err;
};

static void
fetch_parts_put(struct fetch_parts_buf *b, const void *data, size_t len)
{
	char *np;
	size_t cap;

	if (b->err)
		return;
	if (b->len + len + 1 > b->cap) {
		cap = (b->len + len + 1) * 2;
		if (!(np = realloc(b->p, cap))) {
			b->err = OTPBOX_ERR_NOMEM;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = 0;
}

static void
fetch_parts_puts(struct fetch_parts_buf *b, const char *s)
{
	fetch_parts_put(b, s, strlen(s));
}

/* Whether the header line at s (a field start) names a MIME field that
 * the rebuilt message replaces. */
static bool
fetch_parts_mime_field(const char *s, size_t len)
{
	static const char *const names[] = {
	    "content-type:", "content-transfer-encoding:", "mime-version:"};
	size_t i, n;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		n = strlen(names[i]);
		if (len >= n && strncasecmp(s, names[i], n) == 0)
			return true;
	}
	return false;
}

/*
 * Copies the header's fields without its MIME fields and without the
 * blank line that ends it. A header the limit cut loses its last, partial
 * line (a cut address would be a wrong address); a single line longer
 * than the limit is kept cut rather than lost.
 */
static void
fetch_parts_header(struct fetch_parts_buf *b, const unsigned char *h,
                   size_t len, bool was_cut)
{
	const char *s = (const char *)h, *nl, *end = s + len;
	bool skip = false;
	size_t n;

	if (was_cut && (nl = memrchr(s, '\n', len)) != NULL)
		end = nl + 1;
	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		n = nl ? (size_t)(nl - s) + 1 : (size_t)(end - s);
		if (n <= 2 && (s[0] == '\n' || s[0] == '\r'))
			break; /* the blank line: end of the header */
		if (s[0] != ' ' && s[0] != '\t')
			skip = fetch_parts_mime_field(s, n);
		if (!skip) {
			fetch_parts_put(b, s, n);
			if (nl == NULL)
				fetch_parts_puts(b, "\r\n");
		}
		s += n;
	}
}

/* Content-Type and Content-Transfer-Encoding lines of one text part. */
static void
fetch_parts_mime(struct fetch_parts_buf *b, const struct fetch_parts_text *t)
{
	char line[3 * FETCH_PARTS_TOKEN + 80];

	snprintf(line, sizeof(line), "Content-Type: %s%s%s%s\r\n", t->type,
	         t->charset[0] ? "; charset=\"" : "", t->charset,
	         t->charset[0] ? "\"" : "");
	fetch_parts_puts(b, line);
	if (t->encoding[0]) {
		snprintf(line, sizeof(line),
		         "Content-Transfer-Encoding: %s\r\n", t->encoding);
		fetch_parts_puts(b, line);
	}
}

/* A boundary that occurs in none of the parts. */
static void
fetch_parts_boundary(const struct fetch_parts_plan *plan,
                     const struct fetch_parts_got *got, char *out, size_t cap)
{
	const struct fetch_parts_piece *s;
	unsigned k;
	size_t i;
	bool clash;

	for (k = 0; k < 1000; k++) {
		snprintf(out, cap, "=_otpbox_parts_%u", k);
		clash = false;
		for (i = 0; i < plan->ntext && !clash; i++) {
			s = fetch_parts_find(got, plan->text[i].section);
			clash = s && memmem(s->data, s->len, out, strlen(out));
		}
		if (!clash)
			return;
	}
}

/* Appends text part i (its data, cut notes) to b. */
static void
fetch_parts_text_body(struct fetch_parts_buf *b, struct fetch_parts_plan *plan,
                      const struct fetch_parts_got *got, size_t i, bool *cut)
{
	const struct fetch_parts_text *t = &plan->text[i];
	const struct fetch_parts_piece *s = fetch_parts_find(got, t->section);

	if (s == NULL) {
		fetch_parts_note(plan, "part %s not sent by the server",
		                 t->section);
		*cut = true;
		return;
	}
	fetch_parts_put(b, s->data, s->len);
	if (s->len >= plan->part_max) {
		fetch_parts_note(plan, "part %s %s cut at %zu of %llu bytes",
		                 t->section, t->type, plan->part_max,
		                 (unsigned long long)t->size);
		*cut = true;
	}
}

static void
fetch_parts_body(struct fetch_parts_buf *b, struct fetch_parts_plan *plan,
                 const struct fetch_parts_got *got, bool *cut)
{
	static const struct fetch_parts_text empty = {.type = "text/plain"};
	char bnd[64];
	size_t i;

	fetch_parts_puts(b, "MIME-Version: 1.0\r\n");
	if (!plan->multipart || plan->ntext == 0) {
		fetch_parts_mime(b, plan->ntext ? &plan->text[0] : &empty);
		fetch_parts_puts(b, "\r\n");
		if (plan->ntext)
			fetch_parts_text_body(b, plan, got, 0, cut);
		return;
	}
	fetch_parts_boundary(plan, got, bnd, sizeof(bnd));
	fetch_parts_puts(b, "Content-Type: multipart/mixed; boundary=\"");
	fetch_parts_puts(b, bnd);
	fetch_parts_puts(b, "\"\r\n\r\n");
	for (i = 0; i < plan->ntext; i++) {
		fetch_parts_puts(b, "--");
		fetch_parts_puts(b, bnd);
		fetch_parts_puts(b, "\r\n");
		fetch_parts_mime(b, &plan->text[i]);
		fetch_parts_puts(b, "\r\n");
		fetch_parts_text_body(b, plan, got, i, cut);
		fetch_parts_puts(b, "\r\n");
	}
	fetch_parts_puts(b, "--");
	fetch_parts_puts(b, bnd);
	fetch_parts_puts(b, "--\r\n");
}

/* No BODYSTRUCTURE: the message's first max_bytes, as fetched. */
static void
fetch_parts_whole(struct fetch_parts_buf *b, struct fetch_parts_plan *plan,
                  const struct fetch_parts_got *got, bool *cut)
{
	const struct fetch_parts_piece *all = fetch_parts_find(got, "");

	if (all == NULL) {
		fetch_parts_note(plan, "the server sent no body");
		*cut = true;
		return;
	}
	fetch_parts_put(b, all->data, all->len);
	if (all->len >= plan->max_bytes) {
		fetch_parts_note(plan, "cut at %zu bytes (no BODYSTRUCTURE)",
		                 plan->max_bytes);
		*cut = true;
	}
}

enum otpbox_err
fetch_parts_build(struct fetch_parts_plan *plan,
                  const struct fetch_parts_got *got, char **out, size_t *len,
                  bool *cut)
{
	struct fetch_parts_buf b = {0};
	const struct fetch_parts_piece *h;

	*out = NULL;
	*len = 0;
	*cut = false;
	fetch_parts_put(&b, "", 0);
	if (plan->whole) {
		fetch_parts_whole(&b, plan, got, cut);
	} else {
		h = fetch_parts_find(got, "HEADER");
		if (h && h->len >= plan->header_max) {
			fetch_parts_note(plan, "header cut at %zu bytes",
			                 plan->header_max);
			*cut = true;
		}
		if (h)
			fetch_parts_header(&b, h->data, h->len,
			                   h->len >= plan->header_max);
		else
			fetch_parts_note(plan, "the server sent no header");
		fetch_parts_body(&b, plan, got, cut);
	}
	if (b.err) {
		free(b.p);
		return b.err;
	}
	*out = b.p;
	*len = b.len;
	return OTPBOX_OK;
}
