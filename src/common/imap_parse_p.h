/* SPDX-License-Identifier: MIT */
/* Internals shared by imap_parse.c, imap_parse_tok.c and imap_parse_fetch.c;
 * nothing outside them includes this. */
#ifndef IMAP_PARSE_P_H
#define IMAP_PARSE_P_H

#include <stddef.h>
#include <stdint.h>

#include "imap_parse.h"

struct imap_parse {
	struct imap_parse_limits lim;
	unsigned char *in; /* fed bytes; [in_off, in_len) not yet returned */
	size_t in_off, in_len, in_cap;
	/* framing of the response starting at in + in_off (relative) */
	size_t scan;        /* bytes framed so far */
	size_t line_start;  /* start of the current line segment */
	size_t lit_left;    /* literal bytes still to pass over */
	size_t nlit;        /* literals seen in this response */
	unsigned char *raw; /* copy of the returned response */
	size_t raw_cap;
	char *scratch; /* NUL-terminated strings of the returned response */
	size_t scratch_len, scratch_cap;
	uint32_t *search;
	size_t search_cap;
	struct imap_parse_part *parts; /* IMAP_PARSE_MAX_PARTS, made at need */
	struct imap_parse_resp resp;
	enum otpbox_err err; /* sticky */
	char errmsg[160];
};

/* A read position inside the response being parsed (s[0..n), at i). */
struct imap_parse_cur {
	struct imap_parse *p;
	const unsigned char *s;
	size_t n, i;
};

/* Records the error and its message on p (sticky); returns err. */
enum otpbox_err imap_parse_fail(struct imap_parse *p, enum otpbox_err err,
                                const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Tokens (imap_parse_tok.c). Errors are OTPBOX_ERR_PROTOCOL, recorded on
 * c->p by imap_parse_tok_bad(). */
int imap_parse_tok_at_eol(const struct imap_parse_cur *c);
int imap_parse_tok_peek(const struct imap_parse_cur *c); /* -1 at the end */
enum otpbox_err imap_parse_tok_bad(struct imap_parse_cur *c, const char *what);
enum otpbox_err imap_parse_tok_expect(struct imap_parse_cur *c, int ch,
                                      const char *what);
enum otpbox_err imap_parse_tok_sp(struct imap_parse_cur *c);
enum otpbox_err imap_parse_tok_eol(struct imap_parse_cur *c);
int imap_parse_tok_atom_char(int ch);
void imap_parse_tok_atom(struct imap_parse_cur *c, size_t *start, size_t *len);
int imap_parse_tok_atom_is(const struct imap_parse_cur *c, size_t start,
                           size_t len, const char *word);
enum otpbox_err imap_parse_tok_number64(struct imap_parse_cur *c, uint64_t max,
                                        uint64_t *out);
enum otpbox_err imap_parse_tok_number32(struct imap_parse_cur *c,
                                        uint32_t *out);
/* Copies len bytes into the response's string area, NUL-terminated. */
enum otpbox_err imap_parse_tok_dup(struct imap_parse *p, const void *src,
                                   size_t len, const char **out);
enum otpbox_err imap_parse_tok_literal(struct imap_parse_cur *c,
                                       const unsigned char **data, size_t *len);
enum otpbox_err imap_parse_tok_quoted(struct imap_parse_cur *c,
                                      const char **out, size_t *len);
enum otpbox_err imap_parse_tok_nstring(struct imap_parse_cur *c,
                                       const unsigned char **data, size_t *len,
                                       int *nil);
enum otpbox_err imap_parse_tok_skip_value(struct imap_parse_cur *c);

/* A BODYSTRUCTURE value at c into c->p->resp.fetch (imap_parse_body.c). */
enum otpbox_err imap_parse_body_structure(struct imap_parse_cur *c);

/* "(" items ")" CRLF after "* n FETCH " (imap_parse_fetch.c). */
enum otpbox_err imap_parse_fetch_list(struct imap_parse_cur *c);

#endif
