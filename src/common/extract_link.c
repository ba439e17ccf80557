/* SPDX-License-Identifier: MIT */
/* Scoring verification links, for mail whose purpose is a click. */
#include "extract_p.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- links ---- */

/* Whether the query or path carries a long random-looking token. */
static bool
extract_has_token(const char *url)
{
	size_t run = 0;
	const char *p = strchr(url, '?');

	for (p = p ? p : url; *p; p++) {
		if (isalnum((unsigned char)*p) || *p == '-' || *p == '_')
			run++;
		else
			run = 0;
		if (run >= 12)
			return true;
	}
	return false;
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), 0 when it is not one. */
static size_t
extract_link_utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned char lo = 0x80, hi = 0xBF;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	for (i = 1; i < n; i++, lo = 0x80, hi = 0xBF)
		if (s[i] < lo || s[i] > hi)
			return 0;
	return n;
}

/* Replaces each byte of s that is not part of well-formed UTF-8 with '?':
 * decoded escapes may be any bytes, and the patterns run with PCRE2's JIT,
 * which trusts its subject to be valid UTF-8. */
static void
extract_link_utf8_fix(char *s)
{
	size_t n;

	while (*s) {
		if ((n = extract_link_utf8_len((const unsigned char *)s)) == 0)
			*s++ = '?';
		else
			s += n;
	}
}

/* A copy of s with %XX escapes decoded (twice-encoded ones once more) and
 * made valid UTF-8, or NULL without memory. */
static char *
extract_link_unescape(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	unsigned int byte;
	int pass;

	if (!out)
		return NULL;
	strcpy(out, s);
	for (pass = 0; pass < 2; pass++) {
		for (s = out, o = out; *s; s++) {
			if (s[0] == '%' && isxdigit((unsigned char)s[1]) &&
			    isxdigit((unsigned char)s[2]) &&
			    sscanf(s + 1, "%2x", &byte) == 1 && byte >= 0x20) {
				*o++ = (char)byte;
				s += 2;
			} else {
				*o++ = *s;
			}
		}
		*o = '\0';
	}
	extract_link_utf8_fix(out);
	return out;
}

static void
extract_link_occurrence(struct extract_ctx *ctx, const struct extract_seg *seg,
                        const char *url, const char *anchor, size_t pos,
                        struct extract_set *set)
{
	struct extract_cand occ = {.kind = EXTRACT_KIND_LINK};
	const char *path = strstr(url, "://");
	char *target = NULL;
	bool intent = false, word = false, notyou = false;
	size_t from;
	long i;

	path = path ? strchr(path + 3, '/') : NULL;
	occ.value = (char *)url;
	/* A click-tracking redirect carries the real link percent-encoded
	 * in its query: read the words of both. */
	if (path && !(target = extract_link_unescape(path)))
		return;
	if (path && extract_matches(ctx, &ctx->link_login, target) &&
	    !extract_matches(ctx, &ctx->link_good, target)) {
		occ.score += 2;
		extract_reason(&occ, "sign-in word in the URL");
	}
	if (path && extract_matches(ctx, &ctx->link_good, target)) {
		occ.score += 4;
		extract_reason(&occ, "verification word in the URL");
	}
	free(target);
	if (anchor && extract_matches(ctx, &ctx->link_good, anchor)) {
		occ.score += 4;
		extract_reason(&occ, "verification word in the link text");
	} else if (anchor && extract_matches(ctx, &ctx->link_login, anchor)) {
		occ.score += 2;
		extract_reason(&occ, "sign-in word in the link text");
	}
	if (seg->subject_kw & (1u << EXTRACT_KW_INTENT)) {
		occ.score += 3;
		extract_reason(&occ, "the subject asks to verify or sign in");
	}
	if (extract_has_token(url)) {
		occ.score += 2;
		extract_reason(&occ, "carries a token");
	}
	from = pos > 300 ? pos - 300 : 0;
	while (from > 0 && ((unsigned char)seg->text[from] & 0xc0) == 0x80)
		from--;
	for (i = extract_code_hit_before(seg, pos); i >= 0; i--) {
		if (seg->hits[i].end < from)
			break;
		if (seg->hits[i].cls == EXTRACT_KW_INTENT && !intent) {
			occ.score += 3;
			extract_reason(&occ, "verification words before it");
			intent = true;
		}
		if (seg->hits[i].cls == EXTRACT_KW_NOTYOU && !notyou &&
		    pos - seg->hits[i].end <= 200) {
			occ.score -= 6;
			extract_reason(&occ, "offered in case it was not you");
			notyou = true;
		}
		if (seg->hits[i].cls == EXTRACT_KW_LINKWORD && !word) {
			occ.score += 1;
			extract_reason(&occ, "the text points at a link");
			word = true;
		}
	}
	if (extract_matches(ctx, &ctx->link_bad, url) ||
	    (anchor && extract_matches(ctx, &ctx->link_bad, anchor))) {
		occ.score -= 10;
		extract_reason(&occ, "unsubscribe, help or tracking link");
	}
	extract_set_add(set, &occ);
}

void
extract_link_scan(struct extract_ctx *ctx, const struct extract_seg *seg,
                  struct extract_set *set)
{
	const struct extract_segment *in = seg->in;
	size_t i, pos;

	for (i = 0; i < in->nlinks; i++) {
		pos = i < seg->norm.nlinks ? seg->norm.links[i] : seg->len;
		if (pos > seg->len)
			continue;
		extract_link_occurrence(ctx, seg, in->links[i].url,
		                        in->links[i].text, pos, set);
	}
	for (i = 0; i < seg->nurls; i++) {
		char *u = seg->urls[i].url;
		size_t n = strlen(u);

		while (n > 0 && strchr(".,;:!?)]}>'\"", u[n - 1]))
			u[--n] = '\0';
		extract_link_occurrence(ctx, seg, u, NULL, seg->urls[i].start,
		                        set);
	}
}
