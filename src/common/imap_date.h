/* SPDX-License-Identifier: MIT */
/* IMAP date-time (INTERNALDATE) parsing: pure, no locale, no time zone. */
#ifndef IMAP_DATE_H
#define IMAP_DATE_H

#include <stddef.h>
#include <time.h>

#include "otpbox_err.h"

/*
 * Converts an IMAP date-time ("25-Nov-2026 10:14:00 +0100"; the day may be
 * one digit or space-padded) in s[0..len) to UTC seconds, the zone applied.
 * Checks the calendar (no 31 Feb). Errors: OTPBOX_ERR_PARSE.
 */
enum otpbox_err imap_date_parse(const char *s, size_t len, time_t *out);

#endif
