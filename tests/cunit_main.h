/* SPDX-License-Identifier: MIT */
/* A shared main() for the CUnit test programs: each test file defines
 * TEST_SUITE_NAME and an array of CU_TestInfo named test_cases, then includes
* this header last (after including <CUnit/Basic.h> at the top). Exit status is non-zero when any assertion failed. */
#ifndef OTPBOX_CUNIT_MAIN_H
#define OTPBOX_CUNIT_MAIN_H

#include <CUnit/Basic.h>
#include <stdio.h>

/* Prints what a table case got and wanted before failing it. */
#define TEST_EXPECT_STR(name, got, want)                                      \
	do {                                                                   \
		const char *got_ = (got), *want_ = (want);                     \
		int ok_ = (got_ == NULL && want_ == NULL) ||                   \
			  (got_ && want_ && strcmp(got_, want_) == 0);         \
		if (!ok_)                                                      \
			fprintf(stderr, "  %s: got '%s', wanted '%s'\n",       \
				(name), got_ ? got_ : "(null)",                \
				want_ ? want_ : "(null)");                     \
		CU_ASSERT(ok_);                                                \
	} while (0)

#define TEST_EXPECT_INT(name, got, want)                                      \
	do {                                                                   \
		long long got_ = (long long)(got), want_ = (long long)(want);  \
		if (got_ != want_)                                             \
			fprintf(stderr, "  %s: got %lld, wanted %lld\n",       \
				(name), got_, want_);                          \
		CU_ASSERT_EQUAL(got_, want_);                                  \
	} while (0)

int
main(void)
{
	CU_SuiteInfo suites[] = {
		{ TEST_SUITE_NAME, NULL, NULL, NULL, NULL, test_cases },
		CU_SUITE_INFO_NULL,
	};
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 99;
	if (CU_register_suites(suites) != CUE_SUCCESS)
		return 99;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() +
		 CU_get_number_of_tests_failed();
	if (CU_get_number_of_tests_run() == 0)
		failed = 1;
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

#endif
