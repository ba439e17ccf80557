/* SPDX-License-Identifier: MIT */
/* Finding and scoring one-time codes and verification links in text. */
#ifndef OTPBOX_EXTRACT_H
#define OTPBOX_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>

#include "html_text.h"
#include "otpbox_err.h"

#define EXTRACT_MAX_CANDIDATES 64         /* candidates kept per kind */
#define EXTRACT_MAX_SEGMENT (256u * 1024) /* bytes of one text examined */

enum extract_kind {
	EXTRACT_KIND_CODE = 0,
	EXTRACT_KIND_LINK,
};

/* One piece of text to search: the subject, a plain part or the text of
 * an HTML part (with html_text.h markers and its links). Borrowed. */
struct extract_segment {
	const char *text;
	size_t len;
	bool subject;
	bool html;      /* line breaks end sentences */
	bool forwarded; /* from an attached message */
	const struct html_text_link *links;
	size_t nlinks;
};

struct extract_candidate {
	enum extract_kind kind;
	char *value;
	double score;
	bool chosen;
	char *reason;
};

struct extract_result {
	struct extract_candidate *candidates; /* best first, codes first */
	size_t ncandidates;
};

struct extract_ctx;

/*
 * Compiles the custom patterns (PCRE2; the first capture group, else the
 * whole match, is the code); the default rules (extract_rules.c) are
 * compiled, with JIT, by the first extract_run(). OTPBOX_ERR_CONFIG with
 * errbuf naming the pattern that does not compile.
 */
enum otpbox_err extract_ctx_new(const char *const *custom, size_t ncustom,
                                struct extract_ctx **out, char *errbuf,
                                size_t errlen);
void extract_ctx_free(struct extract_ctx *ctx);

/*
 * Adds an operator rule: pattern (PCRE2, run on the normalised text; the
 * first capture group, else the whole match, is the code) is tried, before
 * custom patterns and the default rules, on messages whose From addr-spec
 * matches from: a glob on the lower-cased addr-spec ("*@accounts.example")
 * or a bare domain, which also matches its subdomains. OTPBOX_ERR_CONFIG
 * with errbuf saying why (pattern does not compile, no scope, too many
 * rules); OTPBOX_ERR_NOMEM. Strings are copied.
 */
enum otpbox_err extract_ctx_add_rule(struct extract_ctx *ctx, const char *from,
                                     const char *pattern, char *errbuf,
                                     size_t errlen);

/* Sets the From addr-spec (copied, lower-cased; NULL: none) the rules
 * of the next extract_run() are scoped by. OTPBOX_ERR_NOMEM. */
enum otpbox_err extract_ctx_set_sender(struct extract_ctx *ctx,
                                       const char *addr);

/* Whether the rule scope matches the lower-cased addr-spec addr. */
bool extract_scope_matches(const char *scope, const char *addr);

/* OTPBOX_OK when pattern compiles as a rule or custom pattern, else
 * OTPBOX_ERR_CONFIG with errbuf saying why (for checks at load). */
enum otpbox_err extract_pattern_check(const char *pattern, char *errbuf,
                                      size_t errlen);

/* Whether the default rules have been compiled yet (by extract_run()). */
bool extract_ctx_compiled(const struct extract_ctx *ctx);

/* Keyword hits visited so far by the context searches around candidates
 * (a work counter: it grows linearly with the text searched). */
size_t extract_ctx_steps(const struct extract_ctx *ctx);

/*
 * Scores every candidate code in the segments and chooses at most one;
 * when no code is chosen, scores the links and chooses at most one.
 * OTPBOX_ERR_NOMEM (also when the default rules cannot be compiled).
 * *out belongs to the caller (extract_result_free()).
 */
enum otpbox_err extract_run(struct extract_ctx *ctx,
                            const struct extract_segment *segs, size_t nsegs,
                            struct extract_result **out);
void extract_result_free(struct extract_result *res);

#endif
