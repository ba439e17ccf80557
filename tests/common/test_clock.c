/* SPDX-License-Identifier: MIT */
/* The shared clock and secret-buffer helpers. */
#include "../cunit_main.h"
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "secret_buf.h"

static void
test_clock_agrees(void)
{
	int64_t a = clock_mono_ms(), b, wall_s = clock_wall_s(),
	        wall_ms = clock_wall_ms();
	struct timespec pause = {0, 20 * 1000 * 1000};

	nanosleep(&pause, NULL);
	b = clock_mono_ms();
	/* 20 ms asleep: the monotonic clock moved at least that far, in ms
	 * (a clock in seconds or microseconds would fail one side). */
	CU_ASSERT(b - a >= 20 && b - a < 5000);
	CU_ASSERT(wall_s - (int64_t)time(NULL) <= 1 &&
	          (int64_t)time(NULL) - wall_s <= 1);
	CU_ASSERT(wall_ms / 1000 - wall_s <= 1 && wall_s - wall_ms / 1000 <= 1);
}

/* A grown buffer keeps its bytes and really is as large as asked. */
static void
test_secret_buf_grow(void)
{
	static const struct {
		size_t cap, need, want_cap;
	} cases[] = {
	    {16, 10, 16},   /* fits: unchanged */
	    {16, 17, 32},   /* doubles */
	    {16, 100, 100}, /* more than double: what was asked */
	};
	size_t i, cap;
	char *buf;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cap = cases[i].cap;
		buf = malloc(cap);
		CU_ASSERT_FATAL(buf != NULL);
		memcpy(buf, "0123456789", 10);
		CU_ASSERT(secret_buf_grow(&buf, 10, &cap, cases[i].need) ==
		          OTPBOX_OK);
		TEST_EXPECT_INT("cap", cap, cases[i].want_cap);
		CU_ASSERT(malloc_usable_size(buf) >= cap);
		CU_ASSERT(memcmp(buf, "0123456789", 10) == 0);
		secret_buf_free(buf);
	}
	secret_buf_free(NULL);
}

/* Reading a descriptor to its end: whole when it fits, refused past max
 * (a secret longer than allowed is an error, never a truncated secret). */
static void
test_secret_buf_read_fd(void)
{
	static const struct {
		size_t len, max;
		enum otpbox_err want;
	} cases[] = {
	    {0, 4096, OTPBOX_OK},
	    {10, 4096, OTPBOX_OK},
	    {3000, 4096, OTPBOX_OK}, /* several grows */
	    {5000, 4096, OTPBOX_ERR_TOO_BIG},
	};
	char data[5000], *out;
	size_t i, got;
	int fds[2];

	memset(data, 'k', sizeof(data));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_FATAL(pipe(fds) == 0);
		CU_ASSERT_FATAL(write(fds[1], data, cases[i].len) ==
		                (ssize_t)cases[i].len);
		close(fds[1]);
		got = 12345;
		TEST_EXPECT_INT(
		    "err", secret_buf_read_fd(fds[0], cases[i].max, &out, &got),
		    cases[i].want);
		close(fds[0]);
		if (cases[i].want != OTPBOX_OK) {
			CU_ASSERT(out == NULL);
			continue;
		}
		TEST_EXPECT_INT("len", got, cases[i].len);
		CU_ASSERT(strlen(out) == cases[i].len);
		secret_buf_free(out);
	}
}

static CU_TestInfo test_cases[] = {
    {"clock units", test_clock_agrees},
    {"secret buffer grows", test_secret_buf_grow},
    {"secret buffer reads a descriptor", test_secret_buf_read_fd},
    CU_TEST_INFO_NULL,
};
#define TEST_SUITE_NAME "clock"
#include "../cunit_main.h"
