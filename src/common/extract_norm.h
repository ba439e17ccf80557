/* SPDX-License-Identifier: MIT */
/* Text normalisation before code search: one spelling for each digit. */
#ifndef OTPBOX_EXTRACT_NORM_H
#define OTPBOX_EXTRACT_NORM_H

#include <stddef.h>

#include "otpbox_err.h"

#define EXTRACT_NORM_MAX_MARKS 256 /* emphasis ranges and link marks kept */

struct extract_norm {
	char *text; /* NUL-terminated */
	size_t len;
	size_t emph[EXTRACT_NORM_MAX_MARKS][2]; /* emphasised [start, end) */
	size_t nemph;
	size_t links[EXTRACT_NORM_MAX_MARKS]; /* where link i's anchor ends */
	size_t nlinks;
	/* Where lines quoted with '>' were dropped (one entry per block). */
	size_t quoted[EXTRACT_NORM_MAX_MARKS];
	size_t nquoted;
};

/*
 * Copies at most max bytes of UTF-8 text into out->text, folding
 * full-width forms and Arabic-Indic digits to ASCII, dashes to '-',
 * every kind of space to ' ', dropping zero-width characters, soft
 * hyphens and '\r', dropping lines quoted with '>', squeezing runs of
 * spaces and of blank lines. html_text.h markers are removed and their
 * positions recorded. Free with extract_norm_free().
 */
enum otpbox_err extract_norm_text(const char *in, size_t len, size_t max,
                                  struct extract_norm *out);
void extract_norm_free(struct extract_norm *norm);

/* Decodes the UTF-8 character at s, reading at most n bytes (n >= 1);
 * *used is its length. Input is assumed valid (the MIME layer made it
 * so); a truncated sequence decodes as its first byte. */
unsigned long extract_norm_decode(const unsigned char *s, size_t n,
                                  size_t *used);

#endif
