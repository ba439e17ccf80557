/* SPDX-License-Identifier: MIT */
/* Parsing the --since argument of otpbox wait: Unix seconds or ISO-8601. */
#ifndef OTPBOX_SINCE_H
#define OTPBOX_SINCE_H

#include <stdint.h>

#include "otpbox_err.h"

/*
 * Parses text as Unix seconds ("1764064800") or an ISO-8601 date and time
 * ("2026-11-25T10:00:00Z", "...T10:00:00.25+02:00", "2026-11-25 10:00:00";
 * fractions are dropped; no zone means this machine's local time, as ISO
 * 8601 says). *out gets Unix seconds. OTPBOX_ERR_PARSE when text is neither.
 */
enum otpbox_err since_parse(const char *text, int64_t *out);

#endif
