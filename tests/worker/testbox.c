/* SPDX-License-Identifier: MIT */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <unistd.h>

#include "testbox.h"
#include "testdb.h"

struct otpbox_wait_opts *
testbox_opts(void)
{
	struct otpbox_wait_opts *o = NULL;

	CU_ASSERT_FATAL(otpbox_wait_opts_new(&o) == OTPBOX_OK);
	return o;
}

struct otpbox *
testbox_open(const char *path)
{
	struct otpbox *box = NULL;
	char err[256];
	enum otpbox_err e = otpbox_open(path, &box, err, sizeof(err));

	if (e)
		fprintf(stderr, "  open %s: %s\n", path, err);
	CU_ASSERT_FATAL(e == OTPBOX_OK);
	return box;
}

const char *
testbox_take(struct otpbox *box, const char *address,
             const struct otpbox_wait_opts *opts, int peek)
{
	static char buf[256];
	struct otpbox_code *code = NULL;
	enum otpbox_err e;

	e = peek ? otpbox_peek(box, address, opts, &code)
	         : otpbox_claim(box, address, opts, &code);
	if (e && e != OTPBOX_ERR_TIMEOUT)
		fprintf(stderr, "  %s: %s\n", otpbox_strerror(e),
		        otpbox_errmsg(box));
	if (e)
		return NULL;
	snprintf(buf, sizeof(buf), "%s", code->code);
	otpbox_code_free(code);
	return buf;
}

void
testbox_await_waiters(const char *path, int n)
{
	int i;

	for (i = 0; i < 2000; i++) {
		if (testdb_int(path, "SELECT count(*) FROM active_waits") >= n)
			return;
		usleep(10000);
	}
	CU_FAIL("waiters did not start");
}
