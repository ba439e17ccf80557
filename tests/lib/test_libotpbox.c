/* SPDX-License-Identifier: MIT */
/* libotpbox's calls for programs built on it: the version, and why the
 * last wait missed (the missed_otps reason) read back through the handle. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../cunit_main.h"
#include "otpbox.h"
#include "testdb.h"

static void
test_version(void)
{
	char want[32];

	snprintf(want, sizeof(want), "%d.%d.%d", OTPBOX_VERSION_MAJOR,
	         OTPBOX_VERSION_MINOR, OTPBOX_VERSION_MICRO);
	TEST_EXPECT_STR("OTPBOX_VERSION", OTPBOX_VERSION, want);
	TEST_EXPECT_STR("otpbox_version()", otpbox_version(), OTPBOX_VERSION);
	TEST_EXPECT_INT("CHECK_VERSION(0, 2, 0)", OTPBOX_CHECK_VERSION(0, 2, 0),
	                1);
	TEST_EXPECT_INT("CHECK_VERSION(0, 1, 9)", OTPBOX_CHECK_VERSION(0, 1, 9),
	                1);
	TEST_EXPECT_INT("CHECK_VERSION(0, 2, 1)", OTPBOX_CHECK_VERSION(0, 2, 1),
	                0);
	TEST_EXPECT_INT("CHECK_VERSION(0, 3, 0)", OTPBOX_CHECK_VERSION(0, 3, 0),
	                0);
	TEST_EXPECT_INT("CHECK_VERSION(1, 0, 0)", OTPBOX_CHECK_VERSION(1, 0, 0),
	                0);
}

/* One call on a fresh handle: its result, last_wait_id and reason. */
struct miss_case {
	const char *address;
	enum otpbox_want want;
	enum otpbox_err err; /* wanted result */
	const char *reason;  /* wanted otpbox_last_miss_reason() */
	int recorded;        /* a waits row is expected */
};

static void
test_miss_one(const char *path, const struct miss_case *c)
{
	struct otpbox_wait_opts *o = NULL;
	struct otpbox_code *code = NULL;
	struct otpbox *box = NULL;
	char sql[128];
	int64_t id;

	CU_ASSERT_FATAL(otpbox_open(path, &box, NULL, 0) == OTPBOX_OK);
	CU_ASSERT_FATAL(otpbox_wait_opts_new(&o) == OTPBOX_OK);
	otpbox_wait_opts_set_want(o, c->want);
	otpbox_wait_opts_set_timeout_ms(o, 0);
	TEST_EXPECT_INT(c->address, otpbox_wait(box, c->address, o, &code),
	                c->err);
	TEST_EXPECT_STR(c->address, otpbox_last_miss_reason(box), c->reason);
	id = otpbox_last_wait_id(box);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM waits WHERE id = %lld",
	         (long long)id);
	TEST_EXPECT_INT(c->address, testdb_int(path, sql), c->recorded);
	if (code)
		TEST_EXPECT_INT("code->wait_id", code->wait_id, id);
	otpbox_code_free(code);
	otpbox_wait_opts_free(o);
	otpbox_close(box);
}

static void
test_miss_reason(void)
{
	static const struct miss_case cases[] = {
	    {"got@x.test", OTPBOX_WANT_CODE, OTPBOX_OK, NULL, 1},
	    {"again@x.test", OTPBOX_WANT_CODE, OTPBOX_ERR_TIMEOUT,
	     "claimed_by_other", 1},
	    {"none@x.test", OTPBOX_WANT_CODE, OTPBOX_ERR_TIMEOUT, "no_message",
	     1},
	    {"linkonly@x.test", OTPBOX_WANT_CODE, OTPBOX_ERR_TIMEOUT, "no_code",
	     1},
	    {"bad address", OTPBOX_WANT_CODE, OTPBOX_ERR_BAD_ADDRESS, NULL, 0},
	};
	char path[PATH_MAX];
	struct otpbox *box = NULL;
	int64_t now = time(NULL);
	size_t i;

	testdb_create(path);
	testdb_add(path, "got@x.test", "code", "111111", now - 5, now - 4);
	testdb_add(path, "again@x.test", "code", "222222", now - 5, now - 4);
	testdb_add(path, "linkonly@x.test", "link", "https://x.test/l", now - 5,
	           now - 4);
	/* again@ is claimed first, so the case's own wait finds it taken. */
	test_miss_one(path,
	              &(struct miss_case){"again@x.test", OTPBOX_WANT_CODE,
	                                  OTPBOX_OK, NULL, 1});
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_miss_one(path, &cases[i]);
	CU_ASSERT_FATAL(otpbox_open(path, &box, NULL, 0) == OTPBOX_OK);
	TEST_EXPECT_INT("no call yet: no wait id", otpbox_last_wait_id(box), 0);
	TEST_EXPECT_STR("no call yet: no reason", otpbox_last_miss_reason(box),
	                NULL);
	otpbox_close(box);
	testdb_remove(path);
}

/* A PostgreSQL URL goes to the PostgreSQL store (not "no such file"),
 * from the argument and from $OTPBOX_DB alike; a server out of reach is
 * OTPBOX_ERR_NET, and the password is not repeated. */
static void
test_postgres_url(void)
{
	static const char url[] =
	    "postgresql://bot:s3cret@/otpbox?host=/nonexistent-otpbox-dir";
	struct otpbox *box = NULL;
	char err[512];

	TEST_EXPECT_INT("open a URL", otpbox_open(url, &box, err, sizeof(err)),
	                OTPBOX_ERR_NET);
	CU_ASSERT(strstr(err, "cannot connect to postgresql://bot:***@") !=
	          NULL);
	CU_ASSERT(strstr(err, "s3cret") == NULL);
	CU_ASSERT(box == NULL);
	setenv("OTPBOX_DB", url, 1);
	TEST_EXPECT_INT("$OTPBOX_DB a URL",
	                otpbox_open(NULL, &box, err, sizeof(err)),
	                OTPBOX_ERR_NET);
	unsetenv("OTPBOX_DB");
	CU_ASSERT(strstr(err, "s3cret") == NULL);
}

static CU_TestInfo test_cases[] = {
    {"version macros and otpbox_version()", test_version},
    {"last wait id and miss reason", test_miss_reason},
    {"PostgreSQL URLs opened with libpq", test_postgres_url},
    CU_TEST_INFO_NULL,
};
#define TEST_SUITE_NAME "libotpbox"
#include "../cunit_main.h"
