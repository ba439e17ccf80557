/* SPDX-License-Identifier: MIT */
/* Fast keyword search: every keyword list of extract_rules.c at once. */
#ifndef OTPBOX_EXTRACT_KW_H
#define OTPBOX_EXTRACT_KW_H

#include <stddef.h>

#include "extract_rules.h"
#include "otpbox_err.h"

struct extract_kw_hit {
	size_t start, end;
	enum extract_rules_class cls;
};

struct extract_kw;

/*
 * Compiles the keyword lists. Rather than one pattern with hundreds of
 * alternatives tried at every position, keywords are bucketed by their
 * first two characters (case-folded) and each bucket is a small PCRE2
 * pattern tried, anchored, only where its two characters occur.
 * Keywords without two plain leading characters go to one fallback
 * pattern scanned the slow way. *out belongs to the caller.
 */
enum otpbox_err extract_kw_new(struct extract_kw **out);
void extract_kw_free(struct extract_kw *kw);

/* How many keywords fell back to the slow scan (the rules should keep
 * this at zero). */
size_t extract_kw_nfallback(const struct extract_kw *kw);

/*
 * Finds non-overlapping keyword hits in text[0..len), in order; at one
 * position the class listed first in extract_rules_keywords wins. At
 * most max hits are stored; returns how many.
 */
size_t extract_kw_scan(struct extract_kw *kw, const char *text, size_t len,
                       struct extract_kw_hit *hits, size_t max);

#endif
