/* SPDX-License-Identifier: MIT */
/* Fast keyword search: every keyword list of extract_rules.c at once. */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "extract_kw.h"
#include "extract_norm.h"

#define EXTRACT_KW_BUCKETS 4096
#define EXTRACT_KW_ANY 0x110000u /* "any second character" */
#define EXTRACT_KW_MATCH_LIMIT 100000
#define EXTRACT_KW_DEPTH_LIMIT 1000

struct extract_kw_bucket {
	char *pattern; /* alternation being built, NULL once compiled */
	pcre2_code *code;
	bool jit;
};

struct extract_kw {
	struct extract_kw_bucket buckets[EXTRACT_KW_BUCKETS];
	pcre2_code *fallback;
	bool fallback_jit;
	size_t nfallback;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
};

/* A simple lower-casing, good enough to put both cases of a keyword's
 * first letters in the same bucket (PCRE2 does the real caseless match). */
static unsigned long
extract_kw_fold(unsigned long c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 0xc0 && c <= 0xde && c != 0xd7) ||
	    (c >= 0x391 && c <= 0x3a9) || (c >= 0x410 && c <= 0x42f))
		return c + 0x20;
	if (c >= 0x400 && c <= 0x40f)
		return c + 0x50;
	if (c == 0x130 || c == 0x131)
		return 'i';
	if ((c >= 0x100 && c <= 0x137) || (c >= 0x14a && c <= 0x177))
		return c | 1;
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
		return (c & 1) ? c + 1 : c;
	return c;
}

static size_t
extract_kw_key(unsigned long a, unsigned long b)
{
	return (size_t)((extract_kw_fold(a) * 2654435761u) ^
	                (extract_kw_fold(b) * 40503u)) %
	       EXTRACT_KW_BUCKETS;
}

/* Reads one plain character of a fragment at *p; 0 when the next item
 * is not a single required literal (a class, a group, an escape like \d,
 * or a character made optional by ?, * or {). */
static unsigned long
extract_kw_literal(const char **p)
{
	const unsigned char *s = (const unsigned char *)*p;
	unsigned long c;
	size_t used = 1;

	if (s[0] == '\\') {
		if (!s[1] || !strchr(".()[]{}*+?|\\^$-/#%&", s[1]))
			return 0;
		c = s[1];
		used = 2;
	} else if (!s[0] || strchr("[](){}.*+?|^$", s[0])) {
		return 0;
	} else {
		c = extract_norm_decode(s, strlen(*p), &used);
	}
	if (s[used] == '?' || s[used] == '*' || s[used] == '{')
		return 0;
	*p += used;
	return c;
}

/* Whether the fragment has a '|' outside any group. */
static bool
extract_kw_top_alternation(const char *f)
{
	int depth = 0;

	for (; *f; f++) {
		if (*f == '\\' && f[1])
			f++;
		else if (*f == '(')
			depth++;
		else if (*f == ')')
			depth--;
		else if (*f == '|' && depth == 0)
			return true;
	}
	return false;
}

static bool
extract_kw_append(char **pattern, const char *frag, int cls)
{
	size_t old = *pattern ? strlen(*pattern) : 0;
	size_t need = old + strlen(frag) + 32;
	char *p = realloc(*pattern, need);

	if (!p)
		return false;
	snprintf(p + old, need - old, "%s(*MARK:%d)(?:%s)", old ? "|" : "", cls,
	         frag);
	*pattern = p;
	return true;
}

/* Files one fragment under the bucket of its first two characters. */
static enum otpbox_err
extract_kw_add(struct extract_kw *kw, char **fallback, const char *frag,
               int cls)
{
	const char *p = frag;
	unsigned long a, b;

	if (!strncmp(p, "\\b", 2))
		p += 2;
	a = extract_kw_top_alternation(frag) ? 0 : extract_kw_literal(&p);
	b = a ? extract_kw_literal(&p) : 0;
	if (a && !b && *p == '\0')
		b = EXTRACT_KW_ANY;
	if (!a || !b) {
		kw->nfallback++;
		return extract_kw_append(fallback, frag, cls)
		           ? OTPBOX_OK
		           : OTPBOX_ERR_NOMEM;
	}
	if (!extract_kw_append(&kw->buckets[extract_kw_key(a, b)].pattern, frag,
	                       cls))
		return OTPBOX_ERR_NOMEM;
	return OTPBOX_OK;
}

/* Buckets are compiled anchored: PCRE2 only runs JIT code for anchored
 * matches when the pattern itself is anchored. */
static pcre2_code *
extract_kw_compile(const char *pattern, uint32_t anchored, bool *jit)
{
	pcre2_code *code;
	int errcode;
	PCRE2_SIZE erroff;

	code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	                     PCRE2_UTF | PCRE2_NO_UTF_CHECK | PCRE2_CASELESS |
	                         PCRE2_UCP | anchored,
	                     &errcode, &erroff, NULL);
	*jit = code && pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
	return code;
}

static enum otpbox_err
extract_kw_compile_all(struct extract_kw *kw, char *fallback)
{
	size_t i;

	for (i = 0; i < EXTRACT_KW_BUCKETS; i++) {
		if (!kw->buckets[i].pattern)
			continue;
		kw->buckets[i].code =
		    extract_kw_compile(kw->buckets[i].pattern, PCRE2_ANCHORED,
		                       &kw->buckets[i].jit);
		free(kw->buckets[i].pattern);
		kw->buckets[i].pattern = NULL;
		if (!kw->buckets[i].code)
			return OTPBOX_ERR_CONFIG;
	}
	if (fallback && !(kw->fallback = extract_kw_compile(fallback, 0,
	                                                    &kw->fallback_jit)))
		return OTPBOX_ERR_CONFIG;
	return OTPBOX_OK;
}

enum otpbox_err
extract_kw_new(struct extract_kw **out)
{
	struct extract_kw *kw = calloc(1, sizeof(*kw));
	const struct extract_rules_keywords *list;
	char *fallback = NULL;
	enum otpbox_err err = OTPBOX_OK;
	size_t i, j;

	*out = NULL;
	if (!kw)
		return OTPBOX_ERR_NOMEM;
	for (i = 0; i < EXTRACT_KW_COUNT && !err; i++) {
		list = &extract_rules_keywords[i];
		for (j = 0; list->words[j] && !err; j++)
			err = extract_kw_add(kw, &fallback, list->words[j],
			                     (int)list->cls);
	}
	if (!err)
		err = extract_kw_compile_all(kw, fallback);
	free(fallback);
	kw->md = pcre2_match_data_create(2, NULL);
	kw->mctx = pcre2_match_context_create(NULL);
	if (!err && (!kw->md || !kw->mctx))
		err = OTPBOX_ERR_NOMEM;
	if (err) {
		extract_kw_free(kw);
		return err;
	}
	pcre2_set_match_limit(kw->mctx, EXTRACT_KW_MATCH_LIMIT);
	pcre2_set_depth_limit(kw->mctx, EXTRACT_KW_DEPTH_LIMIT);
	*out = kw;
	return OTPBOX_OK;
}

void
extract_kw_free(struct extract_kw *kw)
{
	size_t i;

	if (!kw)
		return;
	for (i = 0; i < EXTRACT_KW_BUCKETS; i++) {
		free(kw->buckets[i].pattern);
		pcre2_code_free(kw->buckets[i].code);
	}
	pcre2_code_free(kw->fallback);
	pcre2_match_data_free(kw->md);
	pcre2_match_context_free(kw->mctx);
	free(kw);
}

size_t
extract_kw_nfallback(const struct extract_kw *kw)
{
	return kw->nfallback;
}

/* Tries code anchored at pos; fills *hit on a match. */
static bool
extract_kw_try(struct extract_kw *kw, pcre2_code *code, bool jit,
               const char *text, size_t len, size_t pos,
               struct extract_kw_hit *hit)
{
	PCRE2_SIZE *ov;
	PCRE2_SPTR mark;
	int rc;

	if (!code)
		return false;
	if (jit)
		rc = pcre2_jit_match(code, (PCRE2_SPTR)text, len, pos, 0,
		                     kw->md, kw->mctx);
	else
		rc = pcre2_match(code, (PCRE2_SPTR)text, len, pos,
		                 PCRE2_NO_UTF_CHECK, kw->md, kw->mctx);
	if (rc <= 0)
		return false;
	ov = pcre2_get_ovector_pointer(kw->md);
	mark = pcre2_get_mark(kw->md);
	if (ov[1] <= ov[0])
		return false;
	hit->start = ov[0];
	hit->end = ov[1];
	hit->cls = mark ? (enum extract_rules_class)atoi((const char *)mark)
	                : EXTRACT_KW_INTENT;
	return true;
}

/* The bucketed hit starting at pos, if any. */
static bool
extract_kw_at(struct extract_kw *kw, const char *text, size_t len, size_t pos,
              struct extract_kw_hit *hit)
{
	const unsigned char *s = (const unsigned char *)text;
	struct extract_kw_bucket *bk;
	unsigned long a, b = 0;
	size_t used, used2;

	a = extract_norm_decode(s + pos, len - pos, &used);
	if (pos + used < len)
		b = extract_norm_decode(s + pos + used, len - pos - used,
		                        &used2);
	if (b) {
		bk = &kw->buckets[extract_kw_key(a, b)];
		if (extract_kw_try(kw, bk->code, bk->jit, text, len, pos, hit))
			return true;
	}
	bk = &kw->buckets[extract_kw_key(a, EXTRACT_KW_ANY)];
	return extract_kw_try(kw, bk->code, bk->jit, text, len, pos, hit);
}

static int
extract_kw_hit_cmp(const void *a, const void *b)
{
	const struct extract_kw_hit *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (int)x->cls - (int)y->cls;
}

/* Adds the fallback pattern's hits, then drops hits overlapping an
 * earlier one. */
static size_t
extract_kw_merge_fallback(struct extract_kw *kw, const char *text, size_t len,
                          struct extract_kw_hit *hits, size_t n, size_t max)
{
	struct extract_kw_hit hit;
	size_t pos = 0, i, out = 0;

	while (n < max && pos < len &&
	       extract_kw_try(kw, kw->fallback, kw->fallback_jit, text, len,
	                      pos, &hit)) {
		hits[n++] = hit;
		pos = hit.end;
	}
	qsort(hits, n, sizeof(*hits), extract_kw_hit_cmp);
	for (i = 0; i < n; i++)
		if (out == 0 || hits[i].start >= hits[out - 1].end)
			hits[out++] = hits[i];
	return out;
}

size_t
extract_kw_scan(struct extract_kw *kw, const char *text, size_t len,
                struct extract_kw_hit *hits, size_t max)
{
	struct extract_kw_hit hit;
	const unsigned char *s = (const unsigned char *)text;
	size_t n = 0, pos = 0;

	while (pos < len && n < max) {
		if ((s[pos] >= 0x80 || (s[pos] > ' ' && s[pos] != 0x7f)) &&
		    extract_kw_at(kw, text, len, pos, &hit)) {
			hits[n++] = hit;
			pos = hit.end;
			continue;
		}
		pos++;
		while (pos < len && (s[pos] & 0xc0) == 0x80)
			pos++;
	}
	if (kw->fallback)
		n = extract_kw_merge_fallback(kw, text, len, hits, n, max);
	return n;
}
