/* SPDX-License-Identifier: MIT */
/* Scoring candidate codes: shapes, labels, code words, old codes. */
#include "extract_p.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const struct extract_kw_hit *
extract_attached_label(const struct extract_seg *seg, size_t start);

static bool extract_near_currency(const struct extract_seg *seg, size_t start,
                                  size_t end);

/* Times, dates and sums of money: numbers that explain themselves. */
static bool
extract_plain_quantity(const struct extract_seg *seg, size_t start, size_t end)
{
	const char *t = seg->text;

	if (memchr(t + start, ':', end - start) ||
	    memchr(t + start, '/', end - start))
		return true;
	if (end - start >= 4 && (t[end - 3] == '.' || t[end - 3] == ',') &&
	    isdigit((unsigned char)t[end - 1]))
		return true;
	return extract_near_currency(seg, start, end);
}

/* Records every run of three or more digits ("2025", "400-820-8820")
 * and whether a label names it. */
enum otpbox_err
extract_code_find_numbers(struct extract_ctx *ctx, struct extract_seg *seg)
{
	const char *t = seg->text;
	size_t i = 0, start, digits;

	seg->nums = ctx->nums;
	while (i < seg->len && seg->nnums < EXTRACT_MAX_NUMS) {
		if (!isdigit((unsigned char)t[i])) {
			i++;
			continue;
		}
		start = i;
		digits = 0;
		for (;;) {
			while (i < seg->len && isdigit((unsigned char)t[i]))
				i++, digits++;
			if (i + 1 < seg->len && strchr(" .,/:-", t[i]) &&
			    isdigit((unsigned char)t[i + 1]))
				i++;
			else
				break;
		}
		if (digits < 3)
			continue;
		seg->nums[seg->nnums].start = start;
		seg->nums[seg->nnums].end = i;
		seg->nums[seg->nnums].labelled =
		    extract_attached_label(seg, start) != NULL ||
		    extract_plain_quantity(seg, start, i);
		seg->nnums++;
	}
	return OTPBOX_OK;
}

/* ---- code scoring ---- */

/* Distance from a to b (a <= b) in characters, a line break counting
 * 12 (so "Code:" on the line above is still near). O(1). */
static size_t
extract_distance(const struct extract_seg *seg, size_t a, size_t b)
{
	return seg->units[b] - seg->units[a];
}

static double
extract_decay(size_t d, size_t full, size_t zero)
{
	if (d <= full)
		return 1.0;
	if (d >= zero)
		return 0.0;
	return 1.0 - (double)(d - full) / (double)(zero - full);
}

/* Whether a sentence ends between offsets a and b: . ! ? followed by a
 * space or line break, a blank line, or (in HTML) any line break. */
static bool
extract_sentence_break(const struct extract_seg *seg, size_t a, size_t b)
{
	return a < b && seg->breaks[b] != seg->breaks[a];
}

static const char *const extract_kw_names[] = {
    [EXTRACT_KW_NOTCODE] = "not-a-code phrase",
    [EXTRACT_KW_PROMO] = "sales word",
    [EXTRACT_KW_CODE] = "code word",
    [EXTRACT_KW_LABEL] = "label",
    [EXTRACT_KW_NOUN] = "label",
    [EXTRACT_KW_ENTER] = "instruction",
    [EXTRACT_KW_INTENT] = "sign-in word",
    [EXTRACT_KW_NOTYOU] = "security notice",
};

/* Index of the last hit ending at or before pos, or -1. */
long
extract_code_hit_before(const struct extract_seg *seg, size_t pos)
{
	size_t lo = 0, hi = seg->nhits;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (seg->hits[mid].end <= pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}

/* Whether a sentence ends between a and b: only punctuation or a blank
 * line count, not a plain line break. */
static bool
extract_full_stop(const struct extract_seg *seg, size_t a, size_t b)
{
	return a < b && seg->stops[b] != seg->stops[a];
}

/* Whether a hit of class cls lies in the same sentence as pos, before
 * it (or after it too, when both is set). */
static bool
extract_sentence_has2(const struct extract_seg *seg, size_t pos,
                      enum extract_rules_class cls, size_t reach, bool both)
{
	long i;
	size_t j;

	for (i = extract_code_hit_before(seg, pos); i >= 0; i--) {
		const struct extract_kw_hit *h = &seg->hits[i];

		++*seg->steps;
		if (pos - h->end > reach || extract_full_stop(seg, h->end, pos))
			break;
		if (h->cls == cls)
			return true;
	}
	for (j = (size_t)(extract_code_hit_before(seg, pos) + 1);
	     both && j < seg->nhits; j++) {
		const struct extract_kw_hit *h = &seg->hits[j];

		++*seg->steps;
		if (h->start < pos)
			continue;
		if (h->start - pos > reach ||
		    extract_full_stop(seg, pos, h->start))
			break;
		if (h->cls == cls)
			return true;
	}
	return false;
}

static bool
extract_sentence_has(const struct extract_seg *seg, size_t pos,
                     enum extract_rules_class cls, size_t reach)
{
	return extract_sentence_has2(seg, pos, cls, reach, false);
}

/* Index of the first number starting at or after pos (nnums if none). */
static size_t
extract_num_from(const struct extract_seg *seg, size_t pos)
{
	size_t lo = 0, hi = seg->nnums, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (seg->nums[mid].start < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Whether a number that no label names lies in (a, b). */
static bool
extract_free_number_between(const struct extract_seg *seg, size_t a, size_t b)
{
	size_t i;

	for (i = extract_num_from(seg, a); i < seg->nnums; i++) {
		++*seg->steps;
		if (seg->nums[i].end > b)
			break;
		if (!seg->nums[i].labelled)
			return true;
	}
	return false;
}

/* Whether a number lies in (a, b): numbers do not overlap, so only the
 * first one starting after a can. */
static bool
extract_number_between(const struct extract_seg *seg, size_t a, size_t b)
{
	size_t i = extract_num_from(seg, a);

	return i < seg->nnums && seg->nums[i].end <= b;
}

/* The label that names the number at start ("Order #", "Tel.", "ID"):
 * the nearest keyword before it, at most 30 bytes away, on the same line
 * (or ending a line with ':'), with no other number in between. A noun
 * such as "request" only counts when no code word came earlier in the
 * sentence. */
static const struct extract_kw_hit *
extract_attached_label(const struct extract_seg *seg, size_t start)
{
	long i = extract_code_hit_before(seg, start);
	const struct extract_kw_hit *h;
	size_t a;

	if (i < 0)
		return NULL;
	h = &seg->hits[i];
	if ((h->cls != EXTRACT_KW_LABEL && h->cls != EXTRACT_KW_NOTCODE &&
	     h->cls != EXTRACT_KW_NOUN) ||
	    start - h->end > 30 || extract_number_between(seg, h->end, start))
		return NULL;
	if (memchr(seg->text + h->end, '\n', start - h->end)) {
		a = start;
		while (a > h->end &&
		       (seg->text[a - 1] == ' ' || seg->text[a - 1] == '\n'))
			a--;
		if (a == h->end || seg->text[a - 1] != ':')
			return NULL;
	}
	if (h->cls == EXTRACT_KW_NOUN &&
	    extract_sentence_has(seg, h->start, EXTRACT_KW_CODE, 200))
		return NULL;
	return h;
}

/* Whether n looks like a card number: 12 to 19 digits in groups of four
 * (the last may be shorter), or in one run no label names. */
static bool
extract_is_card(const struct extract_seg *seg, const struct extract_num *n)
{
	size_t k, digits = 0, group = 0;
	bool fours = true;

	for (k = n->start; k <= n->end; k++) {
		if (k < n->end && isdigit((unsigned char)seg->text[k])) {
			digits++, group++;
			continue;
		}
		if (k < n->end && seg->text[k] != ' ' && seg->text[k] != '-')
			return false; /* a date and time, a decimal */
		/* Cards print groups of four; the last may be shorter. */
		fours &= group == 4 || (k == n->end && group < 4);
		group = 0;
	}
	return digits >= 12 && digits <= 19 &&
	       (fours ? digits > 12
	              : (digits == k - n->start - 1 && !n->labelled));
}

/* Whether a card number ends at most 120 bytes before pos: a PIN or
 * code named after it belongs to the card (gift cards, payment cards),
 * not to a sign-in. */
static bool
extract_after_card(const struct extract_seg *seg, size_t pos)
{
	size_t i = extract_num_from(seg, pos);

	/* The card's other numbers (CVC, expiry) may come in between. */
	while (i-- > 0 && seg->nums[i].end <= pos &&
	       pos - seg->nums[i].end <= 120)
		if (extract_is_card(seg, &seg->nums[i]))
			return true;
	return false;
}

/* Weight of the best code word before start (0 when none). */
static double
extract_code_before(const struct extract_seg *seg, size_t start, size_t *dist,
                    const char **why)
{
	double best = 0, w;
	long i;
	size_t d;

	*why = NULL;
	for (i = extract_code_hit_before(seg, start); i >= 0; i--) {
		const struct extract_kw_hit *h = &seg->hits[i];

		++*seg->steps;
		if ((d = extract_distance(seg, h->end, start)) > 260)
			break;
		if (h->cls != EXTRACT_KW_CODE)
			continue;
		if (extract_after_card(seg, h->start)) {
			if (best == 0 && !*why)
				*why = "a card's PIN";
			continue;
		}
		if (extract_sentence_has2(seg, h->start, EXTRACT_KW_PROMO, 150,
		                          true)) {
			/* The nearest code word talks about a discount. */
			if (best == 0 && !*why)
				*why = "a discount or meeting code";
			continue;
		}
		if (!*why)
			*why = "";
		w = 6 * extract_decay(d, 40, 260);
		if (extract_free_number_between(seg, h->end, start))
			w *= 0.3;
		if (extract_full_stop(seg, h->end, start))
			w *= 0.4;
		/* The nearest usable code word weighs most: one farther
		 * away decays more and crosses the same numbers and full
		 * stops, so the search ends here. */
		best = w;
		*dist = d;
		break;
	}
	return best;
}

/* Whether a number follows pos closely on its line (a code word there
 * introduces that number). */
static bool
extract_names_next(const struct extract_seg *seg, size_t pos)
{
	size_t i = extract_num_from(seg, pos);

	return i < seg->nnums && seg->nums[i].start - pos <= 30 &&
	       !memchr(seg->text + pos, '\n', seg->nums[i].start - pos);
}

/* Scores the keywords after end in the same sentence: a code word
 * ("... is your code"), a sign-in word, or a label right after. */
static void
extract_score_after(const struct extract_seg *seg, size_t end,
                    struct extract_cand *c, double *intent)
{
	const struct extract_kw_hit *h;
	size_t i, d;

	for (i = (size_t)(extract_code_hit_before(seg, end) + 1);
	     i < seg->nhits; i++) {
		h = &seg->hits[i];
		++*seg->steps;
		d = extract_distance(seg, end, h->start);
		if (d > 60 || extract_full_stop(seg, end, h->start))
			break;
		if (h->cls == EXTRACT_KW_CODE) {
			/* "Code: 7155" below an account number names the
			 * number after it, not the one before. */
			if (extract_names_next(seg, h->end))
				break;
			c->score += 4 * extract_decay(d, 25, 60);
			extract_reason(c, "code word after it");
			break;
		}
		if (h->cls == EXTRACT_KW_INTENT && *intent < 1.5)
			*intent = 1.5;
		if ((h->cls == EXTRACT_KW_LABEL ||
		     h->cls == EXTRACT_KW_NOTCODE) &&
		    d <= 12) {
			c->score -= 3;
			extract_reason(c, "followed by a %s",
			               extract_kw_names[h->cls]);
			break;
		}
	}
}

/* Scores the keywords before and after [start, end). */
static void
extract_score_context(const struct extract_seg *seg, size_t start, size_t end,
                      struct extract_cand *c)
{
	const struct extract_kw_hit *label = extract_attached_label(seg, start);
	const struct extract_kw_hit *h;
	const char *why;
	double code, intent = 0;
	size_t d = 0;
	long j;

	code = extract_code_before(seg, start, &d, &why);
	if (why && *why) {
		c->score -= 4;
		extract_reason(c, "%s", why);
	}
	if (label) {
		c->score -= label->cls == EXTRACT_KW_NOTCODE ? 8 : 6;
		code *= 0.4;
		extract_reason(
		    c, "named by a %s '%.*s'", extract_kw_names[label->cls],
		    (int)(label->end - label->start), seg->text + label->start);
	}
	if (code > 0) {
		c->score += code;
		extract_reason(c, "code word %zu characters before", d);
		if (c->year && !label && d <= 15 && code > 5.9) {
			c->score += 3.5;
			extract_reason(c, "but right after it");
		}
	}
	for (j = extract_code_hit_before(seg, start); j >= 0; j--) {
		h = &seg->hits[j];
		++*seg->steps;
		d = extract_distance(seg, h->end, start);
		if (d > 200)
			break;
		if (h->cls == EXTRACT_KW_ENTER && d <= 20 && !label) {
			c->score += 4;
			extract_reason(c, "after '%.*s'",
			               (int)(h->end - h->start),
			               seg->text + h->start);
		}
		if ((h->cls == EXTRACT_KW_INTENT ||
		     h->cls == EXTRACT_KW_ENTER) &&
		    intent == 0)
			intent = 2 * extract_decay(d, 40, 200);
	}
	extract_score_after(seg, end, c, &intent);
	c->score += intent;
	if (extract_sentence_has2(seg, start, EXTRACT_KW_PROMO, 150, true)) {
		c->score -= 3;
		extract_reason(c, "in a sales pitch");
	}
}

/* Whether nothing but spaces and punctuation follow end on its line: a
 * code ending a line ends its sentence, even in wrapped plain text. */
static bool
extract_ends_line(const struct extract_seg *seg, size_t end)
{
	while (end < seg->len && strchr(" .,;:!?)]", seg->text[end]))
		end++;
	return end >= seg->len || seg->text[end] == '\n';
}

/* Whether a stale word ("earlier", "no longer", "for example") shares
 * the sentence: up to 160 bytes before the code (counted from the
 * word's end) or 100 after it. */
static bool
extract_is_stale(const struct extract_seg *seg, size_t start, size_t end)
{
	size_t lo = 0, hi = seg->nstale, mid,
	       from = start > 160 ? start - 160 : 0;
	const struct extract_kw_hit *h;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (seg->hits[seg->stale[mid]].end < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < seg->nstale; lo++) {
		h = &seg->hits[seg->stale[lo]];
		++*seg->steps;
		if (h->start >= end + 100)
			break;
		if (h->end <= start &&
		    !extract_sentence_break(seg, h->end, start))
			return true;
		if (h->start >= end &&
		    !extract_sentence_break(seg, end, h->start) &&
		    !extract_ends_line(seg, end))
			return true;
	}
	return false;
}

/* Whether the quotation mark ending at or starting at s (UTF-8) is one
 * (straight, curly, low or guillemet): its length, else 0. */
static size_t
extract_quote_mark(const char *s, size_t n)
{
	static const char *const marks[] = {"\"",           "\xe2\x80\x9c",
	                                    "\xe2\x80\x9d", "\xe2\x80\x9e",
	                                    "\xc2\xab",     "\xc2\xbb"};
	size_t i, k;

	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		k = strlen(marks[i]);
		if (k <= n && !memcmp(s, marks[i], k))
			return k;
	}
	return 0;
}

/* Whether the code sits in a quoted sentence that itself names a code
 * ("Your verification code is 123456" in a text about such mail): a
 * quotation mark opens before a code word on the same line and closes
 * right after the code. */
static bool
extract_quoted_example(const struct extract_seg *seg, size_t start, size_t end)
{
	const char *t = seg->text;
	size_t a = start, b = end;
	long h;

	while (b < seg->len && b - end < 2 && strchr(".,!?", t[b]))
		b++;
	if (b >= seg->len || !extract_quote_mark(t + b, seg->len - b))
		return false;
	while (a > 0 && start - a < 120 && t[a - 1] != '\n' &&
	       !extract_quote_mark(t + a - 1, 1) &&
	       !(a >= 2 && extract_quote_mark(t + a - 2, 2)) &&
	       !(a >= 3 && extract_quote_mark(t + a - 3, 3)))
		a--;
	if (a == 0 || t[a - 1] == '\n' || start - a >= 120 || a == start)
		return false;
	h = extract_code_hit_before(seg, start);
	return h >= 0 && seg->hits[h].start >= a &&
	       seg->hits[h].cls == EXTRACT_KW_CODE;
}

/* A code shown on a line of its own, or after "Code:" on its line. */
static bool
extract_standalone(const struct extract_seg *seg, size_t start, size_t end)
{
	const char *t = seg->text;
	size_t a = start, b = end;

	while (b < seg->len && t[b] != '\n' && strchr(" .!)]\"'", t[b]))
		b++;
	if (b < seg->len && t[b] != '\n')
		return false;
	while (a > 0 && t[a - 1] == ' ')
		a--;
	if (a == 0 || t[a - 1] == '\n')
		return true;
	if (t[a - 1] != ':' && (a < 3 || strncmp(t + a - 3, "\xef\xbc\x9a", 3)))
		return false;
	while (a > 0 && t[a - 1] != '\n' && start - a < 60)
		a--;
	return a == 0 || t[a - 1] == '\n';
}

/* Offset of the line after an introducing line (one that ends with a
 * colon: "paste this into the app:"), from the '\n' at nl; 0 if the
 * line before nl does not end with a colon. */
static size_t
extract_after_colon_line(const struct extract_seg *seg, size_t nl)
{
	const char *t = seg->text;
	size_t a = nl;

	while (a > 0 && t[a - 1] == ' ')
		a--;
	if (a > 0 && t[a - 1] == ':')
		return nl + 1;
	if (a >= 3 && !strncmp(t + a - 3, "\xef\xbc\x9a", 3))
		return nl + 1;
	return 0;
}

/* Whether [start, end) is alone on its line and the line before (blank
 * lines apart) ends with a colon: shown for the user to copy. */
static bool
extract_introduced(const struct extract_seg *seg, size_t start, size_t end)
{
	const char *t = seg->text;
	size_t a = start, b = end;

	while (b < seg->len && t[b] == ' ')
		b++;
	if (b < seg->len && t[b] != '\n')
		return false;
	while (a > 0 && t[a - 1] == ' ')
		a--;
	if (a == 0 || t[a - 1] != '\n')
		return false;
	for (a--; a > 0 && t[a - 1] == '\n'; a--)
		;
	return extract_after_colon_line(seg, a) != 0;
}

static bool
extract_emphasised(const struct extract_seg *seg, size_t start, size_t end)
{
	size_t i;

	for (i = 0; i < seg->norm.nemph; i++)
		if (seg->norm.emph[i][0] < end && seg->norm.emph[i][1] > start)
			return true;
	return false;
}

/* Whether a currency sign or code sits right before or after. */
static bool
extract_near_currency(const struct extract_seg *seg, size_t start, size_t end)
{
	const char *t = seg->text, *cur;
	size_t i, n, b = end;

	while (b < seg->len && t[b] == ' ' && b - end < 1)
		b++;
	for (i = 0; (cur = extract_rules_currency[i]) != NULL; i++) {
		n = strlen(cur);
		/* First bytes compared first: this runs for every number. */
		if (b + n <= seg->len && t[b] == cur[0] &&
		    !memcmp(t + b, cur, n) &&
		    (b + n == seg->len || !isalpha((unsigned char)t[b + n])))
			return true;
		if (start >= n && t[start - n] == cur[0] &&
		    !memcmp(t + start - n, cur, n))
			return true;
		if (start >= n + 1 && t[start - 1] == ' ' &&
		    t[start - 1 - n] == cur[0] &&
		    !memcmp(t + start - 1 - n, cur, n))
			return true;
	}
	return false;
}

/* Scores one match of a candidate pattern at [start, end); [vs, ve) is
 * the part the user types. */
static void
extract_code_occurrence(const struct extract_seg *seg,
                        enum extract_rules_form form, size_t start, size_t end,
                        size_t vs, size_t ve, struct extract_set *set)
{
	struct extract_cand occ = {.kind = EXTRACT_KIND_CODE};
	char *value = extract_code_typed(seg->text + vs, ve - vs);
	bool ok;

	if (!value)
		return;
	occ.value = value;
	if (form == EXTRACT_FORM_DIGITS)
		ok = extract_shape_digits(seg->text + vs, ve - vs, value, &occ);
	else if (form == EXTRACT_FORM_PREFIXED)
		ok = (occ.score = 3.5, extract_reason(&occ, "prefixed code"),
		      true);
	else
		ok = extract_shape_alnum(form, seg->text + vs, ve - vs, value,
		                         &occ);
	if (!ok)
		goto out;
	if (form != EXTRACT_FORM_ALNUM &&
	    extract_near_currency(seg, start, end)) {
		occ.score -= 10;
		extract_reason(&occ, "an amount of money");
	}
	if (start >= 2 && seg->text[start - 1] == ' ' &&
	    seg->text[start - 2] == ')') {
		occ.score -= 6;
		extract_reason(&occ, "after a bracketed area code");
	}
	extract_score_context(seg, start, end, &occ);
	if (extract_standalone(seg, start, end)) {
		occ.score += 1.5;
		extract_reason(&occ, "on a line of its own");
	}
	if (extract_introduced(seg, start, end)) {
		occ.score += 2;
		extract_reason(&occ, "introduced by the line before");
	}
	if (extract_emphasised(seg, start, end)) {
		occ.score += 1.5;
		extract_reason(&occ, "emphasised");
	}
	if ((seg->subject_kw & (1u << EXTRACT_KW_CODE)) && !seg->in->subject) {
		occ.score += 1;
		extract_reason(&occ, "the subject is about a code");
	}
	if (seg->subject_kw & (1u << EXTRACT_KW_PROMO)) {
		occ.score -= 8;
		extract_reason(&occ, "the subject is a sales pitch");
	}
	if (seg->in->subject) {
		occ.score += 1;
		extract_reason(&occ, "in the subject");
	}
	if ((occ.stale = extract_is_stale(seg, start, end)))
		extract_reason(&occ, "an earlier code");
	if (extract_quoted_example(seg, start, end)) {
		occ.score -= 8;
		extract_reason(&occ, "quoted as an example");
	}
	extract_set_add(set, &occ);
out:
	free(value);
}

/* Runs candidate pattern i over text[from, to) (matches may run a few
 * bytes past to, so a token at the edge is read whole). */
static void
extract_code_run(struct extract_ctx *ctx, const struct extract_seg *seg,
                 size_t i, size_t from, size_t to, struct extract_set *set)
{
	const struct extract_rules_pattern *p = &extract_rules_patterns[i];
	struct extract_re *re = &ctx->patterns[i];
	size_t off = from, len = to + 16 < seg->len ? to + 16 : seg->len;
	PCRE2_SIZE *ov;

	while (off < to && ctx->scored[i] < EXTRACT_MAX_SCORED &&
	       extract_find(ctx, re, seg->text, len, off)) {
		ov = pcre2_get_ovector_pointer(re->md);
		if (ov[0] >= to)
			break;
		ctx->scored[i]++;
		if (p->form == EXTRACT_FORM_PREFIXED &&
		    pcre2_get_ovector_count(re->md) > 1)
			extract_code_occurrence(seg, p->form, ov[0], ov[1],
			                        ov[2], ov[3], set);
		else
			extract_code_occurrence(seg, p->form, ov[0], ov[1],
			                        ov[0], ov[1], set);
		off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
	}
}

void
extract_code_scan(struct extract_ctx *ctx, const struct extract_seg *seg,
                  struct extract_set *set)
{
	size_t i, j, k, end;

	memset(ctx->scored, 0, sizeof(ctx->scored));
	for (i = 0; i < extract_rules_npatterns; i++) {
		if (extract_rules_patterns[i].form != EXTRACT_FORM_MIXED) {
			extract_code_run(ctx, seg, i, 0, seg->len, set);
			continue;
		}
		/* Lower-case codes only count right after a code word or
		 * alone on a line introduced by a colon, so only those
		 * places are searched (this pattern is costly). */
		for (j = 0; j + 1 < seg->len; j++)
			if (seg->text[j] == '\n' &&
			    (k = extract_after_colon_line(seg, j)) != 0) {
				while (k < seg->len && seg->text[k] == '\n')
					k++;
				end = k;
				while (end < seg->len && end - k < 40 &&
				       seg->text[end] != '\n')
					end++;
				extract_code_run(ctx, seg, i, k, end, set);
			}
		for (j = 0; j < seg->nhits; j++)
			if (seg->hits[j].cls == EXTRACT_KW_CODE)
				extract_code_run(ctx, seg, i, seg->hits[j].end,
				                 seg->hits[j].end + 40 <
				                         seg->len
				                     ? seg->hits[j].end + 40
				                     : seg->len,
				                 set);
	}
}
