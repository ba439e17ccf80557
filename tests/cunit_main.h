/* SPDX-License-Identifier: MIT */
/* Shared helpers and main() for the CUnit test programs. A test file
 * includes this header at the top (for the TEST_EXPECT_* macros), defines an
 * array of CU_TestInfo named test_cases and TEST_SUITE_NAME, and includes it
 * again at the end, which adds main(). Exit status is non-zero when any
 * assertion failed or no test ran. */
#ifndef OTPBOX_CUNIT_MACROS_H
#define OTPBOX_CUNIT_MACROS_H

#include <CUnit/Basic.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints what a table case got and wanted before failing it. */
#define TEST_EXPECT_STR(name, got, want)                                       \
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

#define TEST_EXPECT_INT(name, got, want)                                       \
	do {                                                                   \
		long long got_ = (long long)(got), want_ = (long long)(want);  \
		if (got_ != want_)                                             \
			fprintf(stderr, "  %s: got %lld, wanted %lld\n",       \
			        (name), got_, want_);                          \
		CU_ASSERT_EQUAL(got_, want_);                                  \
	} while (0)

/* Removes a test's scratch directory dir (a mkdtemp() name; "" when none)
 * with everything in it, and empties dir so a second call does nothing. */
static inline void
test_remove_tree(char *dir)
{
	char cmd[PATH_MAX + 16];

	if (!dir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CU_ASSERT(system(cmd) == 0);
	dir[0] = '\0';
}

#endif

#if defined(TEST_SUITE_NAME) && !defined(OTPBOX_CUNIT_MAIN_H)
#define OTPBOX_CUNIT_MAIN_H
int
main(void)
{
	CU_SuiteInfo suites[] = {
	    {TEST_SUITE_NAME, NULL, NULL, NULL, NULL, test_cases},
	    CU_SUITE_INFO_NULL,
	};
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 99;
	if (CU_register_suites(suites) != CUE_SUCCESS)
		return 99;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	if (CU_get_number_of_tests_run() == 0)
		failed = 1;
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

#endif
