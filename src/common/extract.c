/* SPDX-License-Identifier: MIT */
/* Finding and scoring one-time codes and verification links in text:
 * the context, segment preparation, the candidate set and the result. */
#include "extract_p.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum otpbox_err
extract_compile(struct extract_re *re, const char *pattern, uint32_t flags,
                char *errbuf, size_t errlen)
{
	int errcode;
	PCRE2_SIZE erroff;
	PCRE2_UCHAR msg[160];

	/* re->code may be left from an earlier attempt that failed later. */
	if (!re->code) {
		re->code =
		    pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
		                  flags | PCRE2_UTF | PCRE2_NO_UTF_CHECK,
		                  &errcode, &erroff, NULL);
		if (!re->code) {
			pcre2_get_error_message(errcode, msg, sizeof(msg));
			if (errbuf && errlen)
				snprintf(errbuf, errlen,
				         "pattern '%.80s' at offset %zu: %s",
				         pattern, (size_t)erroff,
				         (const char *)msg);
			return OTPBOX_ERR_CONFIG;
		}
		re->jit = pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0;
	}
	if (!re->md)
		re->md = pcre2_match_data_create_from_pattern(re->code, NULL);
	return re->md ? OTPBOX_OK : OTPBOX_ERR_NOMEM;
}

/* Joins NULL-terminated fragments into "(?:a|b|c)". */
static char *
extract_join(const char *const *words)
{
	size_t len = 5, i;
	char *out;

	for (i = 0; words[i]; i++)
		len += strlen(words[i]) + 5;
	if (!(out = malloc(len)))
		return NULL;
	strcpy(out, "(?:");
	for (i = 0; words[i]; i++) {
		if (i)
			strcat(out, "|");
		strcat(out, words[i]);
	}
	strcat(out, ")");
	return out;
}

static enum otpbox_err
extract_compile_list(struct extract_ctx *ctx, struct extract_re *re,
                     const char *const *words, uint32_t flags)
{
	char *pat = extract_join(words);
	enum otpbox_err err;

	if (!pat)
		return OTPBOX_ERR_NOMEM;
	err = extract_compile(re, pat, flags, NULL, 0);
	free(pat);
	return err;
}

static enum otpbox_err
extract_compile_defaults(struct extract_ctx *ctx)
{
	enum otpbox_err err = OTPBOX_OK;
	size_t i;

	for (i = 0; i < extract_rules_npatterns && !err; i++)
		err = extract_compile(&ctx->patterns[i],
		                      extract_rules_patterns[i].regex, 0, NULL,
		                      0);
	if (err || (!ctx->kw && (err = extract_kw_new(&ctx->kw))) ||
	    (err = extract_compile_list(ctx, &ctx->quote,
	                                extract_rules_quote_intro,
	                                PCRE2_MULTILINE)) ||
	    (err = extract_compile(&ctx->urls,
	                           "(?:https?://|www\\.)[^\\s<>\"]+"
	                           "|[\\w.+-]+@[\\w-]+(?:\\.[\\w-]+)+",
	                           PCRE2_CASELESS, NULL, 0)) ||
	    (err = extract_compile_list(ctx, &ctx->link_good,
	                                extract_rules_link_good,
	                                PCRE2_CASELESS | PCRE2_UCP)))
		return err;
	if ((err = extract_compile_list(ctx, &ctx->link_login,
	                                extract_rules_link_login,
	                                PCRE2_CASELESS | PCRE2_UCP)))
		return err;
	return extract_compile_list(ctx, &ctx->link_bad, extract_rules_link_bad,
	                            PCRE2_CASELESS | PCRE2_UCP);
}

enum otpbox_err
extract_ctx_new(const char *const *custom, size_t ncustom,
                struct extract_ctx **out, char *errbuf, size_t errlen)
{
	struct extract_ctx *ctx;
	enum otpbox_err err;
	size_t i;

	*out = NULL;
	if (ncustom > EXTRACT_MAX_CUSTOM) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "more than %d custom patterns",
			         EXTRACT_MAX_CUSTOM);
		return OTPBOX_ERR_CONFIG;
	}
	if (!(ctx = calloc(1, sizeof(*ctx))))
		return OTPBOX_ERR_NOMEM;
	ctx->mctx = pcre2_match_context_create(NULL);
	if (!ctx->mctx) {
		err = OTPBOX_ERR_NOMEM;
		goto out;
	}
	ctx->hits = malloc(EXTRACT_MAX_HITS * sizeof(*ctx->hits));
	ctx->stale = malloc(EXTRACT_MAX_HITS * sizeof(*ctx->stale));
	ctx->nums = malloc(EXTRACT_MAX_NUMS * sizeof(*ctx->nums));
	ctx->cands = malloc(EXTRACT_MAX_CANDIDATES * 2 * sizeof(*ctx->cands));
	if (!ctx->hits || !ctx->stale || !ctx->nums || !ctx->cands) {
		err = OTPBOX_ERR_NOMEM;
		goto out;
	}
	pcre2_set_match_limit(ctx->mctx, EXTRACT_MATCH_LIMIT);
	pcre2_set_depth_limit(ctx->mctx, EXTRACT_DEPTH_LIMIT);
	/* The default rules are compiled by the first extract_run(): a
	 * fetch that finds no new mail never pays for them. Custom
	 * patterns are compiled now, so that a bad one is a load error. */
	for (i = 0; i < ncustom; i++) {
		err = extract_compile(&ctx->custom[i], custom[i], 0, errbuf,
		                      errlen);
		if (err)
			goto out;
		ctx->ncustom++;
	}
out:
	if (err) {
		extract_ctx_free(ctx);
		return err;
	}
	*out = ctx;
	return OTPBOX_OK;
}

void
extract_re_free(struct extract_re *re)
{
	pcre2_match_data_free(re->md);
	pcre2_code_free(re->code);
}

void
extract_ctx_free(struct extract_ctx *ctx)
{
	size_t i;

	if (!ctx)
		return;
	for (i = 0; i < sizeof(ctx->patterns) / sizeof(ctx->patterns[0]); i++)
		extract_re_free(&ctx->patterns[i]);
	extract_kw_free(ctx->kw);
	extract_re_free(&ctx->quote);
	extract_re_free(&ctx->urls);
	extract_re_free(&ctx->link_good);
	extract_re_free(&ctx->link_bad);
	extract_re_free(&ctx->link_login);
	for (i = 0; i < ctx->ncustom; i++)
		extract_re_free(&ctx->custom[i]);
	for (i = 0; i < ctx->nrules; i++) {
		free(ctx->rules[i].from);
		extract_re_free(&ctx->rules[i].re);
	}
	free(ctx->sender);
	pcre2_match_context_free(ctx->mctx);
	free(ctx->hits);
	free(ctx->stale);
	free(ctx->nums);
	free(ctx->cands);
	free(ctx);
}

/* Runs re on s[0..len) from off; returns 1 with the match in md, 0 when
 * there is none (or a limit was hit). */
int
extract_find(struct extract_ctx *ctx, struct extract_re *re, const char *s,
             size_t len, size_t off)
{
	int rc;

	if (!re->code || off > len)
		return 0;
	if (re->jit)
		rc = pcre2_jit_match(re->code, (PCRE2_SPTR)s, len, off, 0,
		                     re->md, ctx->mctx);
	else
		rc = pcre2_match(re->code, (PCRE2_SPTR)s, len, off,
		                 PCRE2_NO_UTF_CHECK, re->md, ctx->mctx);
	return rc > 0;
}

bool
extract_matches(struct extract_ctx *ctx, struct extract_re *re, const char *s)
{
	return extract_find(ctx, re, s, strlen(s), 0);
}

void
extract_reason(struct extract_cand *c, const char *fmt, ...)
{
	size_t used = strlen(c->reason);
	va_list ap;

	if (used + 3 >= sizeof(c->reason))
		return;
	if (used) {
		strcpy(c->reason + used, "; ");
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(c->reason + used, sizeof(c->reason) - used, fmt, ap);
	va_end(ap);
}

/* ---- segment preparation ---- */

/* Whether lines quoted with '>' were dropped right after pos (spaces
 * and line breaks apart). */
static bool
extract_quoted_after(const struct extract_seg *seg, size_t pos)
{
	size_t i, end = pos;

	while (end < seg->len &&
	       (seg->text[end] == '\n' || seg->text[end] == ' '))
		end++;
	for (i = 0; i < seg->norm.nquoted; i++)
		if (seg->norm.quoted[i] >= pos && seg->norm.quoted[i] <= end)
			return true;
	return false;
}

/* Cuts the text at the first line that introduces a quoted reply. An
 * introduction followed by '>' lines (already dropped) only loses its
 * own line: what follows is a bottom-posted answer, not the old mail. */
static void
extract_cut_quote(struct extract_ctx *ctx, struct extract_seg *seg)
{
	PCRE2_SIZE *ov;
	size_t off = 0;

	if (seg->in->subject)
		return;
	while (extract_find(ctx, &ctx->quote, seg->text, seg->len, off)) {
		ov = pcre2_get_ovector_pointer(ctx->quote.md);
		if (!extract_quoted_after(seg, ov[1])) {
			seg->len = ov[0];
			seg->text[seg->len] = '\0';
			return;
		}
		memset(seg->text + ov[0], ' ', ov[1] - ov[0]);
		off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
	}
}

/* Blanks URLs and e-mail addresses: their digits are never codes. */
static void
extract_blank_urls(struct extract_ctx *ctx, struct extract_seg *seg)
{
	size_t off = 0;
	PCRE2_SIZE *ov;

	while (extract_find(ctx, &ctx->urls, seg->text, seg->len, off)) {
		ov = pcre2_get_ovector_pointer(ctx->urls.md);
		if (!strncasecmp(seg->text + ov[0], "http", 4) &&
		    seg->nurls < EXTRACT_MAX_URLS &&
		    (seg->urls[seg->nurls].url =
		         strndup(seg->text + ov[0], ov[1] - ov[0])))
			seg->urls[seg->nurls].start = ov[0],
			seg->urls[seg->nurls++].end = ov[1];
		memset(seg->text + ov[0], ' ', ov[1] - ov[0]);
		off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
	}
}

static enum otpbox_err
extract_find_hits(struct extract_ctx *ctx, struct extract_seg *seg)
{
	size_t i;

	seg->hits = ctx->hits;
	seg->stale = ctx->stale;
	seg->nhits = extract_kw_scan(ctx->kw, seg->text, seg->len, seg->hits,
	                             EXTRACT_MAX_HITS);
	for (i = 0; i < seg->nhits; i++)
		if (seg->hits[i].cls == EXTRACT_KW_STALE)
			seg->stale[seg->nstale++] = i;
	return OTPBOX_OK;
}

/* Whether a sentence ends at i: . ! ? before a space or line break, a
 * blank line, an ideographic full stop (for stops); in HTML any line
 * break and a full-width '!' too (for breaks). */
static void
extract_stop_at(const struct extract_seg *seg, size_t i, bool *stop, bool *brk)
{
	const char *t = seg->text;

	*stop = *brk = false;
	if (i + 1 >= seg->len)
		return;
	if ((t[i] == '.' || t[i] == '!' || t[i] == '?') &&
	    (t[i + 1] == ' ' || t[i + 1] == '\n'))
		*stop = *brk = true;
	else if (t[i] == '\n' && t[i + 1] == '\n')
		*stop = *brk = true;
	else if (t[i] == '\xe3' && !strncmp(t + i, "\xe3\x80\x82", 3))
		*stop = *brk = true;
	else if (t[i] == '\n' && seg->in->html)
		*brk = true;
	else if (t[i] == '\xef' && !strncmp(t + i, "\xef\xbc\x81", 3))
		*brk = true;
}

/* Fills the prefix counts of extract_p.h in one pass over the text. */
static enum otpbox_err
extract_prefix_counts(struct extract_seg *seg)
{
	size_t i, n = seg->len + 1;
	bool stop, brk;

	seg->units = malloc(n * sizeof(*seg->units));
	seg->stops = malloc(n * sizeof(*seg->stops));
	seg->breaks = malloc(n * sizeof(*seg->breaks));
	if (!seg->units || !seg->stops || !seg->breaks)
		return OTPBOX_ERR_NOMEM;
	seg->units[0] = seg->stops[0] = seg->breaks[0] = 0;
	for (i = 0; i < seg->len; i++) {
		extract_stop_at(seg, i, &stop, &brk);
		seg->units[i + 1] =
		    seg->units[i] + (seg->text[i] == '\n' ? 12 : 0) +
		    (((unsigned char)seg->text[i] & 0xc0) != 0x80);
		seg->stops[i + 1] = seg->stops[i] + stop;
		seg->breaks[i + 1] = seg->breaks[i] + brk;
	}
	return OTPBOX_OK;
}

static enum otpbox_err
extract_prepare(struct extract_ctx *ctx, const struct extract_segment *in,
                struct extract_seg *seg)
{
	enum otpbox_err err;

	seg->in = in;
	err = extract_norm_text(in->text ? in->text : "", in->len,
	                        EXTRACT_MAX_SEGMENT, &seg->norm);
	if (err)
		return err;
	seg->text = seg->norm.text;
	seg->len = seg->norm.len;
	extract_cut_quote(ctx, seg);
	extract_blank_urls(ctx, seg);
	seg->steps = &ctx->steps;
	if ((err = extract_prefix_counts(seg)) ||
	    (err = extract_find_hits(ctx, seg)))
		return err;
	return extract_code_find_numbers(ctx, seg);
}

/* Resets a segment without clearing its large arrays (only counts). */
static void
extract_seg_init(struct extract_seg *seg, unsigned subject_kw)
{
	seg->in = NULL;
	seg->norm.text = NULL;
	seg->norm.len = seg->norm.nemph = seg->norm.nlinks = 0;
	seg->text = NULL;
	seg->len = seg->nhits = seg->nstale = seg->nurls = seg->nnums = 0;
	seg->hits = NULL;
	seg->stale = NULL;
	seg->nums = NULL;
	seg->units = seg->stops = seg->breaks = NULL;
	seg->subject_kw = subject_kw;
}

static void
extract_seg_free(struct extract_seg *seg)
{
	size_t i;

	for (i = 0; i < seg->nurls; i++)
		free(seg->urls[i].url);
	free(seg->units);
	free(seg->stops);
	free(seg->breaks);
	extract_norm_free(&seg->norm);
}

/* ---- candidate set ---- */

static struct extract_cand *
extract_set_get(struct extract_set *set, enum extract_kind kind,
                const char *value, size_t len, double score)
{
	struct extract_cand *c;
	char *copy;
	size_t i;

	for (i = 0; i < set->n; i++)
		if (set->c[i].kind == kind && strlen(set->c[i].value) == len &&
		    !memcmp(set->c[i].value, value, len))
			return &set->c[i];
	if (!(copy = strndup(value, len)))
		return NULL;
	if (set->n < EXTRACT_MAX_CANDIDATES * 2) {
		c = &set->c[set->n++];
	} else {
		/* Full (a long newsletter): the weakest value makes room. */
		c = &set->c[0];
		for (i = 1; i < set->n; i++)
			if (set->c[i].score < c->score)
				c = &set->c[i];
		if (c->score >= score) {
			free(copy);
			return NULL;
		}
		free(c->value);
	}
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->score = -1e9;
	c->value = copy;
	return c;
}

/* Records one scored occurrence: the best occurrence gives the score and
 * the reason, a stale occurrence marks the value stale for good. */
void
extract_set_add(struct extract_set *set, const struct extract_cand *occ)
{
	struct extract_cand *c;

	c = extract_set_get(set, occ->kind, occ->value, strlen(occ->value),
	                    occ->score);
	if (!c)
		return;
	c->occurrences++;
	c->stale |= occ->stale;
	if (occ->score > c->score) {
		c->score = occ->score;
		c->rejected = occ->rejected;
		memcpy(c->reason, occ->reason, sizeof(c->reason));
	}
}

/* ---- the whole run ---- */

static int
extract_cand_cmp(const void *a, const void *b)
{
	const struct extract_cand *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind == EXTRACT_KIND_CODE ? -1 : 1;
	return (x->score < y->score) - (x->score > y->score);
}

/* Final adjustments per value: earlier codes and repeats. */
static void
extract_settle(struct extract_set *set)
{
	struct extract_cand *c;
	size_t i;

	for (i = 0; i < set->n; i++) {
		c = &set->c[i];
		if (c->stale) {
			c->score -= 12;
			if (!strstr(c->reason, "earlier code"))
				extract_reason(c, "an earlier code");
		}
		if (c->kind == EXTRACT_KIND_CODE && c->occurrences > 1 &&
		    c->score < 50) {
			c->score += c->occurrences > 3 ? 1.0 : 0.5;
			extract_reason(c, "seen %d times", c->occurrences);
		}
	}
	qsort(set->c, set->n, sizeof(*set->c), extract_cand_cmp);
}

/* Why a candidate won or lost, for "wrong OTP returned" questions. */
static const char *
extract_outcome(const struct extract_cand *c, size_t rank, bool have_code,
                bool *chosen)
{
	double need = c->kind == EXTRACT_KIND_CODE ? EXTRACT_CHOOSE_CODE
	                                           : EXTRACT_CHOOSE_LINK;

	*chosen = false;
	if (c->kind == EXTRACT_KIND_LINK && have_code)
		return "lost: the message has a code";
	if (rank > 1)
		return "lost: ranked below the best candidate";
	if (c->score < need)
		return c->kind == EXTRACT_KIND_CODE
		           ? "lost: score below the code threshold (6)"
		           : "lost: score below the link threshold (8)";
	*chosen = true;
	return "won: highest score";
}

static enum otpbox_err
extract_result_from(struct extract_set *set, struct extract_result **out)
{
	struct extract_result *res = calloc(1, sizeof(*res));
	struct extract_candidate *r;
	struct extract_cand *c;
	size_t i, ncode = 0, nlink = 0, rank;
	bool have_code = false;
	const char *outcome;

	if (!res || !(res->candidates = calloc(set->n ? set->n : 1,
	                                       sizeof(*res->candidates)))) {
		free(res);
		return OTPBOX_ERR_NOMEM;
	}
	*out = res;
	for (i = 0; i < set->n; i++) {
		c = &set->c[i];
		rank = c->kind == EXTRACT_KIND_CODE ? ++ncode : ++nlink;
		if (rank > EXTRACT_MAX_CANDIDATES)
			continue;
		r = &res->candidates[res->ncandidates++];
		r->kind = c->kind;
		r->value = c->value;
		c->value = NULL;
		r->score = c->score;
		outcome = extract_outcome(c, rank, have_code, &r->chosen);
		have_code |= r->chosen && c->kind == EXTRACT_KIND_CODE;
		r->reason = malloc(strlen(outcome) + strlen(c->reason) + 3);
		if (!r->reason)
			return OTPBOX_ERR_NOMEM;
		sprintf(r->reason, "%s; %s", outcome, c->reason);
	}
	return OTPBOX_OK;
}

bool
extract_ctx_compiled(const struct extract_ctx *ctx)
{
	return ctx->compiled;
}

size_t
extract_ctx_steps(const struct extract_ctx *ctx)
{
	return ctx->steps;
}

enum otpbox_err
extract_run(struct extract_ctx *ctx, const struct extract_segment *segs,
            size_t nsegs, struct extract_result **out)
{
	struct extract_set set = {0};
	struct extract_seg seg;
	enum otpbox_err err = OTPBOX_OK;
	unsigned subject_kw = 0;
	size_t i, j;

	*out = NULL;
	if (!ctx->compiled) {
		if ((err = extract_compile_defaults(ctx)))
			return err;
		ctx->compiled = true;
	}
	set.c = ctx->cands;
	for (i = 0; i < nsegs && !err; i++) {
		extract_seg_init(&seg, subject_kw);
		err = extract_prepare(ctx, &segs[i], &seg);
		for (j = 0; !err && segs[i].subject && j < seg.nhits; j++)
			subject_kw |= 1u << seg.hits[j].cls;
		if (!err) {
			extract_user_scan(ctx, &seg, &set);
			extract_code_scan(ctx, &seg, &set);
			extract_link_scan(ctx, &seg, &set);
		}
		extract_seg_free(&seg);
	}
	if (!err) {
		extract_settle(&set);
		err = extract_result_from(&set, out);
	}
	for (i = 0; i < set.n; i++)
		free(set.c[i].value);
	if (err) {
		extract_result_free(*out);
		*out = NULL;
	}
	return err;
}

void
extract_result_free(struct extract_result *res)
{
	size_t i;

	if (!res)
		return;
	for (i = 0; i < res->ncandidates; i++) {
		free(res->candidates[i].value);
		free(res->candidates[i].reason);
	}
	free(res->candidates);
	free(res);
}
