/* SPDX-License-Identifier: MIT */
/* Test-only helpers over libotpbox's public calls, shared by the CUnit
 * programs that open a database from testdb.h and claim from it. Each
 * fails the running test (CU_ASSERT_FATAL) where the call it wraps must
 * not fail. */
#ifndef OTPBOX_TESTBOX_H
#define OTPBOX_TESTBOX_H

#include "otpbox.h"

/* New default wait options; the caller frees them. */
struct otpbox_wait_opts *testbox_opts(void);

/* Opens the database at path; the caller closes the handle. */
struct otpbox *testbox_open(const char *path);

/* Claims (peek == 0) or peeks at address's code without waiting. Returns
 * the code in a static buffer overwritten by the next call, or NULL when
 * there is none; errors other than a time-out are printed. */
const char *testbox_take(struct otpbox *box, const char *address,
                         const struct otpbox_wait_opts *opts, int peek);

/* Returns once n waits are open in the database at path (the waiters are
 * asleep or about to be); fails the test after 20 s. */
void testbox_await_waiters(const char *path, int n);

#endif
