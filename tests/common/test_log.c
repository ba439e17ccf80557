/* SPDX-License-Identifier: MIT */
/* Log lines carry syslog priorities only when stderr is the journal
 * ($JOURNAL_STREAM names fd 2's device and inode), plain lines otherwise. */
#include "../cunit_main.h"
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static char test_file[64];

/* Points fd 2 at a fresh file; journal: name it in $JOURNAL_STREAM, else
 * name some other file. Returns the saved stderr. */
static int
test_redirect(int journal)
{
	char env[64];
	struct stat sb;
	int saved = dup(2), fd;

	snprintf(test_file, sizeof(test_file), "/tmp/otpbox-log.XXXXXX");
	fd = mkstemp(test_file);
	CU_ASSERT_FATAL(fd >= 0);
	dup2(fd, 2);
	close(fd);
	CU_ASSERT_FATAL(stat(journal ? test_file : "/", &sb) == 0);
	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)sb.st_dev,
	         (unsigned long long)sb.st_ino);
	setenv("JOURNAL_STREAM", env, 1);
	log_init("otpbox test", LOG_LEVEL_DEBUG);
	return saved;
}

/* Restores stderr and returns the file's first bytes. */
static void
test_restore(int saved, char *buf, size_t cap)
{
	FILE *f;
	size_t n;

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fopen(test_file, "r");
	CU_ASSERT_FATAL(f != NULL);
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(test_file);
	unsetenv("JOURNAL_STREAM");
}

static void
test_line(int which)
{
	switch (which) {
	case 0:
		log_warnx("warn %d", 1);
		break;
	case 1:
		log_info("info");
		break;
	case 2:
		log_verbose("verbose");
		break;
	default:
		log_debug("debug");
		break;
	}
}

static void
test_journal(void)
{
	static const struct {
		int which;
		const char *want;
	} cases[] = {
	    {0, "<4>otpbox test["},
	    {1, "<6>otpbox test["},
	    {2, "<6>otpbox test["},
	    {3, "<7>otpbox test["},
	};
	char buf[512];
	size_t i;
	int saved;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		saved = test_redirect(1);
		test_line(cases[i].which);
		test_restore(saved, buf, sizeof(buf));
		buf[strlen(cases[i].want)] = '\0';
		TEST_EXPECT_STR("journal prefix", buf, cases[i].want);
	}
}

static void
test_not_journal(void)
{
	char buf[512];
	int saved, i;

	for (i = 0; i < 4; i++) {
		saved = test_redirect(0);
		test_line(i);
		test_restore(saved, buf, sizeof(buf));
		if (buf[0] == '<')
			fprintf(stderr, "  got '%s'\n", buf);
		CU_ASSERT(buf[0] >= '0' && buf[0] <= '9'); /* the timestamp */
		CU_ASSERT(strstr(buf, "otpbox test[") != NULL);
	}
	setenv("JOURNAL_STREAM", "garbage", 1);
	CU_ASSERT(!log_stderr_is_journal());
	unsetenv("JOURNAL_STREAM");
	CU_ASSERT(!log_stderr_is_journal());
}

static CU_TestInfo test_cases[] = {
    {"journal: priority prefixes", test_journal},
    {"not the journal: plain lines", test_not_journal},
    CU_TEST_INFO_NULL,
};
#define TEST_SUITE_NAME "log"
#include "../cunit_main.h"
