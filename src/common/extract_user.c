/* SPDX-License-Identifier: MIT */
/* The operator's own patterns: rules scoped by sender, custom patterns. */
#include "extract_p.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lower-cased copy of s, or NULL without memory. */
static char *
extract_user_lower(const char *s)
{
	char *out = strdup(s), *p;

	for (p = out; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return out;
}

bool
extract_scope_matches(const char *scope, const char *addr)
{
	const char *domain = addr ? strrchr(addr, '@') : NULL;
	char sub[260];

	if (!scope || !*scope || !addr || !*addr)
		return false;
	if (strchr(scope, '@'))
		return fnmatch(scope, addr, 0) == 0;
	/* A bare domain: that domain and its subdomains. */
	if (!domain || fnmatch(scope, domain + 1, 0) == 0)
		return domain != NULL;
	if (snprintf(sub, sizeof(sub), "*.%s", scope) >= (int)sizeof(sub))
		return false;
	return fnmatch(sub, domain + 1, FNM_PERIOD) == 0;
}

enum otpbox_err
extract_pattern_check(const char *pattern, char *errbuf, size_t errlen)
{
	struct extract_re re = {0};
	enum otpbox_err err = extract_compile(&re, pattern, 0, errbuf, errlen);

	extract_re_free(&re);
	return err;
}

enum otpbox_err
extract_ctx_add_rule(struct extract_ctx *ctx, const char *from,
                     const char *pattern, char *errbuf, size_t errlen)
{
	struct extract_rule *r;
	enum otpbox_err err;

	if (ctx->nrules >= EXTRACT_MAX_RULES || !from || !*from) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s",
			         ctx->nrules >= EXTRACT_MAX_RULES
			             ? "too many extraction rules"
			             : "a rule needs a 'from' scope");
		return OTPBOX_ERR_CONFIG;
	}
	r = &ctx->rules[ctx->nrules];
	memset(r, 0, sizeof(*r));
	if ((err = extract_compile(&r->re, pattern, 0, errbuf, errlen))) {
		extract_re_free(&r->re);
		memset(&r->re, 0, sizeof(r->re));
		return err;
	}
	if (!(r->from = extract_user_lower(from))) {
		extract_re_free(&r->re);
		return OTPBOX_ERR_NOMEM;
	}
	ctx->nrules++;
	return OTPBOX_OK;
}

enum otpbox_err
extract_ctx_set_sender(struct extract_ctx *ctx, const char *addr)
{
	free(ctx->sender);
	ctx->sender = NULL;
	if (addr && !(ctx->sender = extract_user_lower(addr)))
		return OTPBOX_ERR_NOMEM;
	return OTPBOX_OK;
}

/* Adds re's first match in seg (its first capture group, else the whole
 * match) with score and reason. */
static void
extract_user_match(struct extract_ctx *ctx, struct extract_re *re,
                   const struct extract_seg *seg, double score, const char *why,
                   struct extract_set *set)
{
	struct extract_cand occ = {.kind = EXTRACT_KIND_CODE};
	PCRE2_SIZE *ov;
	size_t a, b;

	if (!extract_find(ctx, re, seg->text, seg->len, 0))
		return;
	ov = pcre2_get_ovector_pointer(re->md);
	a = ov[0], b = ov[1];
	if (pcre2_get_ovector_count(re->md) > 1 && ov[2] != PCRE2_UNSET)
		a = ov[2], b = ov[3];
	if (b <= a || !(occ.value = extract_code_typed(seg->text + a, b - a)))
		return;
	occ.score = score;
	extract_reason(&occ, "%s", why);
	if (occ.value[0])
		extract_set_add(set, &occ);
	free(occ.value);
}

void
extract_user_scan(struct extract_ctx *ctx, const struct extract_seg *seg,
                  struct extract_set *set)
{
	char why[EXTRACT_REASON_MAX / 2];
	size_t i;

	/* Rules first: the operator named this sender's own shape. */
	for (i = 0; i < ctx->nrules; i++) {
		if (!extract_scope_matches(ctx->rules[i].from, ctx->sender))
			continue;
		snprintf(why, sizeof(why), "rule %zu (from %.60s)", i + 1,
		         ctx->rules[i].from);
		extract_user_match(ctx, &ctx->rules[i].re, seg, 200 - (double)i,
		                   why, set);
	}
	for (i = 0; i < ctx->ncustom; i++) {
		snprintf(why, sizeof(why), "custom pattern %zu", i + 1);
		extract_user_match(ctx, &ctx->custom[i], seg, 100 - (double)i,
		                   why, set);
	}
}
