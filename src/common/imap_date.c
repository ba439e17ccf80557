/* SPDX-License-Identifier: MIT */
/* IMAP date-time ("25-Nov-2026 10:14:00 +0100") to UTC seconds. */
#include <stdint.h>
#include <strings.h>

#include "imap_date.h"

static int
date_digits(const char *s, size_t len, size_t *i, size_t nmin, size_t nmax,
            int *out)
{
	size_t start = *i;
	int v = 0;

	while (*i < len && *i - start < nmax && s[*i] >= '0' && s[*i] <= '9')
		v = v * 10 + (s[(*i)++] - '0');
	*out = v;
	return *i - start >= nmin ? 0 : -1;
}

static int
date_sep(const char *s, size_t len, size_t *i, char sep)
{
	if (*i >= len || s[*i] != sep)
		return -1;
	(*i)++;
	return 0;
}

static int
date_month(const char *s, size_t len, size_t *i, int *mon)
{
	static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	int m;

	if (len - *i < 3)
		return -1;
	for (m = 0; m < 12; m++) {
		if (strncasecmp(s + *i, names + 3 * m, 3) == 0) {
			*mon = m + 1;
			*i += 3;
			return 0;
		}
	}
	return -1;
}

static int
date_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian, y >= 1). */
static int64_t
date_days(int y, int m, int d)
{
	static const int before[] = {0,   31,  59,  90,  120, 151,
	                             181, 212, 243, 273, 304, 334};
	int64_t leaps = (y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400;
	int64_t leaps1970 = 1969 / 4 - 1969 / 100 + 1969 / 400;

	return 365 * ((int64_t)y - 1970) + (leaps - leaps1970) + before[m - 1] +
	       (m > 2 && date_leap(y)) + (d - 1);
}

static int
date_valid(int y, int mon, int d, int h, int mi, int sec)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
	                            31, 31, 30, 31, 30, 31};

	if (y < 1 || d < 1 || d > mdays[mon - 1] + (mon == 2 && date_leap(y)))
		return 0;
	return h < 24 && mi < 60 && sec <= 60;
}

enum otpbox_err
imap_date_parse(const char *s, size_t len, time_t *out)
{
	int d, mon, y, h, mi, sec, zone, zsign;
	size_t i = 0;

	if (len && s[0] == ' ')
		i++;
	if (date_digits(s, len, &i, 1, 2, &d) || date_sep(s, len, &i, '-') ||
	    date_month(s, len, &i, &mon) || date_sep(s, len, &i, '-') ||
	    date_digits(s, len, &i, 4, 4, &y) || date_sep(s, len, &i, ' ') ||
	    date_digits(s, len, &i, 2, 2, &h) || date_sep(s, len, &i, ':') ||
	    date_digits(s, len, &i, 2, 2, &mi) || date_sep(s, len, &i, ':') ||
	    date_digits(s, len, &i, 2, 2, &sec) || date_sep(s, len, &i, ' '))
		return OTPBOX_ERR_PARSE;
	if (i >= len || (s[i] != '+' && s[i] != '-'))
		return OTPBOX_ERR_PARSE;
	zsign = s[i++] == '-' ? -1 : 1;
	if (date_digits(s, len, &i, 4, 4, &zone) || i != len ||
	    zone % 100 >= 60 || zone / 100 > 23)
		return OTPBOX_ERR_PARSE;
	if (!date_valid(y, mon, d, h, mi, sec))
		return OTPBOX_ERR_PARSE;
	*out =
	    (time_t)(date_days(y, mon, d) * 86400 + h * 3600 + mi * 60 + sec -
	             zsign * ((zone / 100) * 3600 + (zone % 100) * 60));
	return OTPBOX_OK;
}
