/* SPDX-License-Identifier: MIT */
/* Names shared by extract.c, extract_code.c and extract_link.c only. */
#ifndef OTPBOX_EXTRACT_P_H
#define OTPBOX_EXTRACT_P_H

#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcre2.h>

#include "extract.h"
#include "extract_kw.h"
#include "extract_norm.h"
#include "extract_rules.h"

/* Bounds for every PCRE2 match, so no pattern and no input runs away. */
#define EXTRACT_MATCH_LIMIT 200000
#define EXTRACT_DEPTH_LIMIT 2000
#define EXTRACT_MAX_HITS 4096   /* keyword hits kept per segment */
#define EXTRACT_MAX_CUSTOM 64   /* custom patterns */
#define EXTRACT_MAX_RULES 64    /* operator rules per sender */
#define EXTRACT_CHOOSE_CODE 6.0 /* a code needs this score to be chosen */
#define EXTRACT_CHOOSE_LINK 8.0 /* and a link this */
#define EXTRACT_REASON_MAX 240
#define EXTRACT_MAX_URLS 64   /* URLs written out in one segment */
#define EXTRACT_MAX_NUMS 1024 /* numbers tracked in one segment */
/* Matches of one candidate pattern scored per segment: mail with more
 * is a catalogue or an attack, and the rest of it costs only the scan. */
#define EXTRACT_MAX_SCORED 2048

struct extract_re {
	pcre2_code *code;
	pcre2_match_data *md;
	bool jit; /* JIT-compiled: matched with pcre2_jit_match() */
};

struct extract_num {
	size_t start, end;
	bool labelled; /* a label names it: "order 1234" */
};

struct extract_cand;

struct extract_ctx {
	struct extract_re patterns[8];
	size_t scored[8]; /* matches of each pattern scored in this segment */
	struct extract_kw *kw; /* every keyword class */
	struct extract_re quote;
	struct extract_re urls;
	struct extract_re link_good;
	struct extract_re link_bad;
	struct extract_re link_login;
	struct extract_re custom[EXTRACT_MAX_CUSTOM];
	size_t ncustom;
	struct extract_rule {
		char *from; /* glob on the lower-cased From addr-spec */
		struct extract_re re;
	} rules[EXTRACT_MAX_RULES];
	size_t nrules;
	char *sender; /* lower-cased From addr-spec of this message */
	pcre2_match_context *mctx;
	/* Scratch space reused for every segment and message, so a run
	 * allocates little: hits, stale positions, numbers, candidates. */
	struct extract_kw_hit *hits;
	size_t *stale;
	struct extract_num *nums;
	struct extract_cand *cands;
	/* Steps taken by the context searches around candidates (hits
	 * visited): a test checks that they grow linearly with the text. */
	size_t steps;
	bool compiled; /* the default patterns are compiled (lazily) */
	const char *const *custom_src; /* custom patterns, borrowed */
};

/* One segment after normalisation, with its keyword hits. */
struct extract_seg {
	const struct extract_segment *in;
	struct extract_norm norm;
	char *text; /* norm.text, cut at a quoted reply, URLs blanked */
	size_t len;
	struct extract_kw_hit *hits;
	size_t nhits;
	size_t *stale; /* indices into hits of stale words */
	size_t nstale;
	/* Prefix counts over text, so that the distance between two
	 * offsets and whether a sentence ends between them cost O(1):
	 * units[i] = characters before i plus 12 per line break,
	 * stops[i] = full stops before i, breaks[i] = sentence breaks. */
	uint32_t *units, *stops, *breaks;
	size_t *steps; /* ctx->steps */
	struct extract_url {
		char *url;
		size_t start, end; /* where it was in text */
	} urls[EXTRACT_MAX_URLS];
	size_t nurls;
	struct extract_num *nums; /* runs of three digits or more */
	size_t nnums;
	/* Keyword classes the Subject (searched first) has, 1u << class. */
	unsigned subject_kw;
};

struct extract_cand {
	enum extract_kind kind;
	char *value;
	double score;
	char reason[EXTRACT_REASON_MAX];
	int occurrences;
	bool year; /* 19xx or 20xx, forgiven right after "code:" */
	bool stale;
	bool rejected;
};

struct extract_set {
	struct extract_cand *c;
	size_t n;
};

/* ---- extract.c ---- */
/* Runs re on s[0..len) from off: 1 with the match in re->md, else 0. */
int extract_find(struct extract_ctx *ctx, struct extract_re *re, const char *s,
                 size_t len, size_t off);
bool extract_matches(struct extract_ctx *ctx, struct extract_re *re,
                     const char *s);
/* Appends "; " and a formatted part to c->reason (truncating). */
void extract_reason(struct extract_cand *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Records one scored occurrence under its value. */
void extract_set_add(struct extract_set *set, const struct extract_cand *occ);

/* ---- extract_code.c ---- */
/* Records the runs of three or more digits of seg (needs its hits). */
enum otpbox_err extract_code_find_numbers(struct extract_ctx *ctx,
                                          struct extract_seg *seg);
/* Scores every candidate code of seg into set. */
void extract_code_scan(struct extract_ctx *ctx, const struct extract_seg *seg,
                       struct extract_set *set);
/* Copies the typed form of raw[0..n): letters and digits only; NULL
 * without memory. The caller frees it. */
char *extract_code_typed(const char *raw, size_t n);

/* ---- extract_shape.c ---- */
/* Base score of a digit run raw[0..n) typed as value, into c (score and
 * reason); false when it cannot be a code (length, date, dots). */
bool extract_shape_digits(const char *raw, size_t n, const char *value,
                          struct extract_cand *c);
/* The same for letters-and-digits forms. */
bool extract_shape_alnum(enum extract_rules_form form, const char *raw,
                         size_t n, const char *value, struct extract_cand *c);

/* ---- extract.c ---- */
/* Compiles one pattern into re (JIT when it can); OTPBOX_ERR_CONFIG with
 * errbuf saying why it does not compile. */
enum otpbox_err extract_compile(struct extract_re *re, const char *pattern,
                                uint32_t flags, char *errbuf, size_t errlen);
void extract_re_free(struct extract_re *re);

/* ---- extract_user.c ---- */
/* Adds the operator's matches (they win): rules whose sender scope
 * matches, then custom patterns. */
void extract_user_scan(struct extract_ctx *ctx, const struct extract_seg *seg,
                       struct extract_set *set);
/* Index of the last keyword hit ending at or before pos, or -1. */
long extract_code_hit_before(const struct extract_seg *seg, size_t pos);

/* ---- extract_link.c ---- */
/* Scores the links of seg (HTML anchors and written-out URLs). */
void extract_link_scan(struct extract_ctx *ctx, const struct extract_seg *seg,
                       struct extract_set *set);

#endif
