/* SPDX-License-Identifier: MIT */
/* The default extraction rules: candidate patterns and keyword lists. */
#ifndef OTPBOX_EXTRACT_RULES_H
#define OTPBOX_EXTRACT_RULES_H

#include <stddef.h>

/* How a candidate pattern's match becomes a code. */
enum extract_rules_form {
	EXTRACT_FORM_DIGITS = 0, /* digit groups, separators dropped */
	EXTRACT_FORM_ALNUM,      /* upper-case letters and digits */
	EXTRACT_FORM_CELLS,      /* one character per cell: "3 B 7 K Q" */
	EXTRACT_FORM_PREFIXED,   /* "G-123456": capture group 1 is typed */
	EXTRACT_FORM_LETTERS,    /* "WDJB-MJHT": letters only, grouped */
	EXTRACT_FORM_MIXED,      /* "x7Kp29": lower-case letters and digits */
	EXTRACT_FORM_LINES,      /* one character per line (block per digit) */
};

struct extract_rules_pattern {
	const char *name;
	enum extract_rules_form form;
	const char *regex; /* PCRE2, UTF mode, case-sensitive */
};

/* Keyword classes, searched case-insensitively in one pass
 * (extract_kw.c). Each keyword should start with two plain characters
 * (after an optional \\b) so that it can be looked up by them. */
enum extract_rules_class {
	EXTRACT_KW_NOTCODE = 0, /* "promo code", "postal code": not an OTP */
	EXTRACT_KW_PROMO,       /* "checkout", "% off", "meeting" */
	EXTRACT_KW_CODE,        /* "code", "OTP", "код", "验证码"... */
	EXTRACT_KW_LABEL,       /* "order", "tracking", "phone"... */
	EXTRACT_KW_NOUN,        /* "request", "application": weak labels */
	EXTRACT_KW_ENTER,       /* "enter", "type": type this number */
	EXTRACT_KW_INTENT,      /* "verify", "sign in", "activate"... */
	EXTRACT_KW_STALE,       /* "earlier", "no longer": an old code */
	EXTRACT_KW_LINKWORD,    /* "link", "click", "button" */
	EXTRACT_KW_NOTYOU,      /* "if this wasn't you": a security notice */
	EXTRACT_KW_COUNT,
};

struct extract_rules_keywords {
	enum extract_rules_class cls;
	const char *name;
	const char *const *words; /* PCRE2 fragments, NULL-terminated */
};

extern const struct extract_rules_pattern extract_rules_patterns[];
extern const size_t extract_rules_npatterns;
extern const struct extract_rules_keywords extract_rules_keywords[];

/* Lines that introduce a quoted earlier message; the rest is ignored. */
extern const char *const extract_rules_quote_intro[];
/* Currency signs and codes: a number next to one is an amount. */
extern const char *const extract_rules_currency[];
/* URL words of a verification link, of a sign-in page (weaker: many
 * ordinary links go there), and of links that never are one. */
extern const char *const extract_rules_link_good[];
extern const char *const extract_rules_link_login[];
extern const char *const extract_rules_link_bad[];

#endif
