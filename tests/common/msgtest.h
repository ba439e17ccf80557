/* SPDX-License-Identifier: MIT */
/* Got/wanted checks for the message-understanding tests (cunit_main.h's
 * macros are defined after the test functions that need them). */
#ifndef OTPBOX_MSGTEST_H
#define OTPBOX_MSGTEST_H

#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

static inline void
msgtest_str(const char *name, const char *what, const char *got,
            const char *want)
{
	int ok = (!got && !want) || (got && want && !strcmp(got, want));

	if (!ok)
		fprintf(stderr, "\n  %s: %s: got '%s', wanted '%s'", name, what,
		        got ? got : "(none)", want ? want : "(none)");
	CU_ASSERT(ok);
}

static inline void
msgtest_int(const char *name, const char *what, long long got, long long want)
{
	if (got != want)
		fprintf(stderr, "\n  %s: %s: got %lld, wanted %lld", name, what,
		        got, want);
	CU_ASSERT_EQUAL(got, want);
}

#endif
