/* SPDX-License-Identifier: MIT */
/* --since parsing: Unix seconds and the ISO-8601 forms bots send. */
#include "../cunit_main.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "since.h"

#define TEST_SUITE_NAME "since"

static void
test_since_table(void)
{
	static const struct {
		const char *text;
		enum otpbox_err err;
		int64_t want;
	} cases[] = {
	    {"0", OTPBOX_OK, 0},
	    {"1795600800", OTPBOX_OK, 1795600800},
	    {"2026-11-25T10:00:00Z", OTPBOX_OK, 1795600800},
	    {"2026-11-25T10:00:00z", OTPBOX_OK, 1795600800},
	    {"2026-11-25 10:00:00Z", OTPBOX_OK, 1795600800},
	    {"2026-11-25T10:00:00.987Z", OTPBOX_OK, 1795600800},
	    {"2026-11-25T12:00:00+02:00", OTPBOX_OK, 1795600800},
	    {"2026-11-25T12:00:00+0200", OTPBOX_OK, 1795600800},
	    {"2026-11-25T07:30:00-02:30", OTPBOX_OK, 1795600800},
	    {"2026-11-25T10:00:00+00", OTPBOX_OK, 1795600800},
	    {"2024-02-29T00:00:00Z", OTPBOX_OK, 1709164800},
	    {"1970-01-01T00:00:00Z", OTPBOX_OK, 0},
	    {"", OTPBOX_ERR_PARSE, 0},
	    {"-5", OTPBOX_ERR_PARSE, 0},
	    {"12abc", OTPBOX_ERR_PARSE, 0},
	    {"now", OTPBOX_ERR_PARSE, 0},
	    {"2026-11-25", OTPBOX_ERR_PARSE, 0},
	    {"2026-13-25T10:00:00Z", OTPBOX_ERR_PARSE, 0},
	    {"2026-11-25T25:00:00Z", OTPBOX_ERR_PARSE, 0},
	    {"2026-11-25T10:00Z", OTPBOX_ERR_PARSE, 0},
	    {"2026-11-25T10:00:00+2", OTPBOX_ERR_PARSE, 0},
	    {"2026-11-25T10:00:00 UTC", OTPBOX_ERR_PARSE, 0},
	    {"99999999999999999999", OTPBOX_ERR_PARSE, 0},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t got = 0;
		enum otpbox_err err = since_parse(cases[i].text, &got);

		TEST_EXPECT_INT(cases[i].text, err, cases[i].err);
		if (cases[i].err == OTPBOX_OK)
			TEST_EXPECT_INT(cases[i].text, got, cases[i].want);
	}
}

/* Without a zone the time is local, as ISO 8601 says. */
static void
test_since_local(void)
{
	int64_t got = 0;

	setenv("TZ", "TST-3", 1); /* POSIX form: UTC+3, no tzdata needed */
	tzset();
	TEST_EXPECT_INT("local", since_parse("2026-11-25T13:00:00", &got),
	                OTPBOX_OK);
	TEST_EXPECT_INT("local value", got, 1795600800);
	setenv("TZ", "UTC0", 1);
	tzset();
}

static CU_TestInfo test_cases[] = {
    {"formats (table)", test_since_table},
    {"no zone is local time", test_since_local},
    CU_TEST_INFO_NULL,
};

#include "../cunit_main.h"
