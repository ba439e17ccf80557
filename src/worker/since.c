/* SPDX-License-Identifier: MIT */
/* Parsing the --since argument of otpbox wait: Unix seconds or ISO-8601.
 * Hand-written rather than strptime(), whose %z and fraction handling
 * differ between C libraries. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "since.h"

/* Reads exactly n digits at *p into *out and advances *p. */
static int
since_digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

/* Consumes the separator c at *p, or fails. */
static int
since_sep(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

/* Parses "Z", "+hh:mm", "+hhmm", "-hh" into seconds east of UTC;
 * *has_zone is 0 when the text ends without a zone. */
static int
since_zone(const char *p, int *has_zone, long *offset)
{
	int sign, hh = 0, mm = 0;

	*has_zone = 1;
	*offset = 0;
	if (*p == '\0') {
		*has_zone = 0;
		return 0;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		return 0;
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if (since_digits(&p, 2, &hh) < 0)
		return -1;
	if (*p == ':')
		p++;
	if (*p && since_digits(&p, 2, &mm) < 0)
		return -1;
	if (*p || hh > 23 || mm > 59)
		return -1;
	*offset = sign * (hh * 3600L + mm * 60L);
	return 0;
}

static int
since_iso(const char *p, int64_t *out)
{
	struct tm tm = {0};
	int y, mo, d, h, mi, s, has_zone;
	long offset;

	if (since_digits(&p, 4, &y) || since_sep(&p, '-') ||
	    since_digits(&p, 2, &mo) || since_sep(&p, '-') ||
	    since_digits(&p, 2, &d) ||
	    (since_sep(&p, 'T') && since_sep(&p, ' ')) ||
	    since_digits(&p, 2, &h) || since_sep(&p, ':') ||
	    since_digits(&p, 2, &mi) || since_sep(&p, ':') ||
	    since_digits(&p, 2, &s))
		return -1;
	if (*p == '.' || *p == ',')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (since_zone(p, &has_zone, &offset) < 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return -1;
	tm = (struct tm){.tm_year = y - 1900,
	                 .tm_mon = mo - 1,
	                 .tm_mday = d,
	                 .tm_hour = h,
	                 .tm_min = mi,
	                 .tm_sec = s,
	                 .tm_isdst = -1};
	if (!has_zone) {
		time_t t = mktime(&tm);

		if (t == (time_t)-1)
			return -1;
		*out = t;
		return 0;
	}
	/* timegm() ignores TZ: the fields are UTC once offset is taken. */
	*out = (int64_t)timegm(&tm) - offset;
	return 0;
}

enum otpbox_err
since_parse(const char *text, int64_t *out)
{
	char *end;
	long long v;

	if (text == NULL || *text == '\0')
		return OTPBOX_ERR_PARSE;
	if (strlen(text) > 10 && text[4] == '-')
		return since_iso(text, out) < 0 ? OTPBOX_ERR_PARSE : OTPBOX_OK;
	if (!isdigit((unsigned char)*text))
		return OTPBOX_ERR_PARSE;
	v = strtoll(text, &end, 10);
	if (*end != '\0' || v < 0 || v > 253402300799LL)
		return OTPBOX_ERR_PARSE;
	*out = v;
	return OTPBOX_OK;
}
