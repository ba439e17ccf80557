/* SPDX-License-Identifier: MIT */
/* The shape of a candidate code on its own: digit groups, dates, letters
 * and digits, coupon names, random mixed-case keys. */
#include "extract_p.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Splits a digit run "12 34-56" into group lengths; returns the count
 * of digits and sets *dots when a '.' separated groups. */
static size_t
extract_digit_groups(const char *s, size_t n, int *groups, int *ngroups,
                     bool *dots)
{
	size_t i, digits = 0;

	*ngroups = 0;
	*dots = false;
	groups[0] = 0;
	for (i = 0; i < n; i++) {
		if (isdigit((unsigned char)s[i])) {
			digits++;
			groups[*ngroups]++;
		} else if (*ngroups < 15 && groups[*ngroups] > 0) {
			/* " - " is one separator, not two. */
			*dots |= s[i] == '.';
			groups[++*ngroups] = 0;
		}
	}
	(*ngroups)++;
	return digits;
}

static bool
extract_is_date(const int *g, int ng, const char *v)
{
	if (ng != 3)
		return false;
	if (g[0] == 4 && g[1] <= 2 && g[2] <= 2)
		return !strncmp(v, "19", 2) || !strncmp(v, "20", 2);
	if (g[0] <= 2 && g[1] <= 2 && (g[2] == 4 || g[2] == 2))
		return atoi(v) <= 31;
	return false;
}

/* Base score of a digit run; false when it cannot be a code. */
bool
extract_shape_digits(const char *raw, size_t n, const char *value,
                     struct extract_cand *c)
{
	int g[16], ng, i;
	bool dots, even = true;
	size_t digits = extract_digit_groups(raw, n, g, &ng, &dots);

	if (digits < 4 || digits > 8)
		return false;
	for (i = 1; i < ng; i++)
		if (g[i] != g[0])
			even = false;
	/* Dots group amounts and versions; a code only in even groups of
	 * two or three ("482.913", "48.29.13"), never a date. */
	if (dots && !(even && ng <= 3 && g[0] >= 2 && digits >= 6))
		return false;
	if (extract_is_date(g, ng, value))
		return false;
	c->score = digits == 6 ? 3.0 : 1.5;
	extract_reason(c, "%zu digits", digits);
	if (ng > 1 && !even && !(ng == 2 && g[0] >= 3 && g[1] >= 2)) {
		c->score -= 1.5;
		extract_reason(c, "uneven groups");
	}
	if (digits == 4 && ng == 1 &&
	    (!strncmp(value, "19", 2) || !strncmp(value, "20", 2))) {
		c->score -= 5;
		c->year = true;
		extract_reason(c, "looks like a year");
	}
	return true;
}

/* Whether value switches between upper case, lower case and digits at
 * least at every other character, as random keys do ("x7Kp29",
 * "bR7mQ2wZ") and words with a number do not ("iPhone15"). */
static bool
extract_case_mix(const char *value)
{
	size_t n = strlen(value), i, changes = 0;
	int kind, last = -1;

	for (i = 0; i < n; i++) {
		kind = isdigit((unsigned char)value[i])   ? 0
		       : isupper((unsigned char)value[i]) ? 1
		                                          : 2;
		changes += last >= 0 && kind != last;
		last = kind;
	}
	return changes * 2 >= n;
}

/* Base score of letters-and-digits forms; false when it cannot be one. */
bool
extract_shape_alnum(enum extract_rules_form form, const char *raw, size_t n,
                    const char *value, struct extract_cand *c)
{
	size_t len = strlen(value), i, letters = 0, digits = 0, first = 0;
	const char *dash = memchr(raw, '-', n);

	for (i = 0; i < len; i++) {
		if (isdigit((unsigned char)value[i]))
			digits++;
		else
			letters++;
	}
	if (len < 4 || len > 10 || (letters == 0 && form != EXTRACT_FORM_LINES))
		return false;
	while (first < n && raw[first] != '-')
		first++;
	if (form == EXTRACT_FORM_LINES && letters == 0 && len <= 8) {
		c->score = 2.5;
		extract_reason(c, "one digit per line");
		return true;
	}
	if ((form == EXTRACT_FORM_CELLS || form == EXTRACT_FORM_LINES) &&
	    digits == 0)
		return false;
	if (form == EXTRACT_FORM_MIXED) {
		if (len < 5 || digits < 2 || letters < 2)
			return false;
		/* Upper and lower case and digits: a random key, not a
		 * word ("iPhone15" has one capital at most). */
		c->score = extract_case_mix(value) ? 1.5 : 0;
		extract_reason(c, "mixed-case letters and digits");
		return true;
	}
	if (digits == 0) {
		/* Only "WDJB-MJHT": even groups of at least four letters. */
		if (!dash || first < 4 || n - first - 1 != first ||
		    memchr(dash + 1, '-', n - first - 1))
			return false;
		c->score = 0.5;
		extract_reason(c, "grouped letters");
		return true;
	}
	if (dash && first <= 3 && digits >= 4 &&
	    digits == (size_t)(n - first - 1))
		return false; /* "AB-1234" is a prefixed code */
	c->score = form == EXTRACT_FORM_ALNUM ? 1.5 : 2.5;
	extract_reason(c, form == EXTRACT_FORM_ALNUM
	                      ? "letters and digits"
	                      : "one character per cell");
	/* "SPRING25", "SAVE-20": a word and a small number is how coupons
	 * are named; random codes mix letters and digits. */
	if (letters >= 4 && digits <= 3 &&
	    strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == letters) {
		c->score -= 3;
		extract_reason(c, "a word and a number, like a coupon");
	}
	return true;
}

/* Copies the typed form of raw: letters and digits only. */
char *
extract_code_typed(const char *raw, size_t n)
{
	char *out = malloc(n + 1), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++)
		if (isalnum((unsigned char)raw[i]))
			*o++ = raw[i];
	*o = '\0';
	return out;
}
