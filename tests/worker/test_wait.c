/* SPDX-License-Identifier: MIT */
/* libotpbox on a real SQLite file: the window, the claim rules, races
 * between processes, waking on another process's commit, and the audit. */
#include "../cunit_main.h"
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "otpbox.h"
#include "testbox.h"
#include "testdb.h"

#define TEST_SUITE_NAME "wait"

struct row {
	const char *address;
	const char *kind;
	const char *code;
	int age; /* seconds before the test's now */
};

struct window_case {
	const char *name;
	struct row rows[3];
	const char *ask; /* address asked for */
	enum otpbox_want want;
	int since_age; /* since = now - since_age; 0: no since; <0: future */
	int max_age;   /* 0: default */
	int skew;
	const char *want_code; /* NULL: time-out */
};

#define BOT1 "bot1@x.test"
static const struct window_case window_cases[] = {
    {"the only code",
     {{BOT1, "code", "111111", 10}},
     BOT1,
     OTPBOX_WANT_CODE,
     0,
     0,
     0,
     "111111"},
    {"resend: the newest wins",
     {{BOT1, "code", "111111", 30}, {BOT1, "code", "222222", 10}},
     BOT1,
     OTPBOX_WANT_CODE,
     0,
     0,
     0,
     "222222"},
    {"resend stored out of order: still the newest",
     {{BOT1, "code", "222222", 10}, {BOT1, "code", "111111", 30}},
     BOT1,
     OTPBOX_WANT_CODE,
     0,
     0,
     0,
     "222222"},
    {"address without case",
     {{BOT1, "code", "333333", 10}},
     "BOT1@X.Test",
     OTPBOX_WANT_CODE,
     0,
     0,
     0,
     "333333"},
    {"another bot's code is not ours",
     {{"bot2@x.test", "code", "444444", 10}},
     BOT1,
     OTPBOX_WANT_CODE,
     0,
     0,
     0,
     NULL},
    {"plus address is another address",
     {{"bot1+a@x.test", "code", "444444", 10}},
     BOT1,
     OTPBOX_WANT_CODE,
     0,
     0,
     0,
     NULL},
    {"received exactly at since",
     {{BOT1, "code", "555555", 100}},
     BOT1,
     OTPBOX_WANT_CODE,
     100,
     0,
     0,
     "555555"},
    {"one second before since",
     {{BOT1, "code", "555555", 101}},
     BOT1,
     OTPBOX_WANT_CODE,
     100,
     0,
     0,
     NULL},
    {"skew takes since back",
     {{BOT1, "code", "666666", 102}},
     BOT1,
     OTPBOX_WANT_CODE,
     100,
     0,
     2,
     "666666"},
    {"skew is bounded",
     {{BOT1, "code", "666666", 103}},
     BOT1,
     OTPBOX_WANT_CODE,
     100,
     0,
     2,
     NULL},
    {"since older than max-age: max-age wins",
     {{BOT1, "code", "777777", 200}},
     BOT1,
     OTPBOX_WANT_CODE,
     900,
     100,
     0,
     NULL},
    {"inside max-age",
     {{BOT1, "code", "777777", 97}},
     BOT1,
     OTPBOX_WANT_CODE,
     0,
     100,
     0,
     "777777"},
    {"beyond max-age",
     {{BOT1, "code", "777777", 104}},
     BOT1,
     OTPBOX_WANT_CODE,
     0,
     100,
     0,
     NULL},
    {"since in the future",
     {{BOT1, "code", "888888", 5}},
     BOT1,
     OTPBOX_WANT_CODE,
     -1000,
     0,
     0,
     NULL},
    {"want code skips a link",
     {{BOT1, "link", "https://v.test/a", 5}},
     BOT1,
     OTPBOX_WANT_CODE,
     0,
     0,
     0,
     NULL},
    {"want link",
     {{BOT1, "code", "121212", 10}, {BOT1, "link", "https://v.test/b", 5}},
     BOT1,
     OTPBOX_WANT_LINK,
     0,
     0,
     0,
     "https://v.test/b"},
    {"want link skips a newer code",
     {{BOT1, "link", "https://v.test/c", 10}, {BOT1, "code", "131313", 5}},
     BOT1,
     OTPBOX_WANT_LINK,
     0,
     0,
     0,
     "https://v.test/c"},
    {"want any: the newest of both",
     {{BOT1, "link", "https://v.test/d", 10}, {BOT1, "code", "141414", 5}},
     BOT1,
     OTPBOX_WANT_ANY,
     0,
     0,
     0,
     "141414"},
    {"leading zeros kept",
     {{BOT1, "code", "000123", 5}},
     BOT1,
     OTPBOX_WANT_CODE,
     0,
     0,
     0,
     "000123"},
};

static void
test_window_table(void)
{
	size_t i, j;

	for (i = 0; i < sizeof(window_cases) / sizeof(window_cases[0]); i++) {
		const struct window_case *c = &window_cases[i];
		struct otpbox_wait_opts *o = testbox_opts();
		int64_t now = time(NULL);
		char path[PATH_MAX];
		struct otpbox *box;

		testdb_create(path);
		for (j = 0; j < 3 && c->rows[j].address; j++)
			testdb_add(path, c->rows[j].address, c->rows[j].kind,
			           c->rows[j].code, now - c->rows[j].age, now);
		CU_ASSERT(otpbox_wait_opts_set_want(o, c->want) == OTPBOX_OK);
		CU_ASSERT(otpbox_wait_opts_set_skew(o, c->skew) == OTPBOX_OK);
		if (c->since_age)
			CU_ASSERT(otpbox_wait_opts_set_since(
			              o, now - c->since_age) == OTPBOX_OK);
		if (c->max_age)
			CU_ASSERT(otpbox_wait_opts_set_max_age(o, c->max_age) ==
			          OTPBOX_OK);
		box = testbox_open(path);
		TEST_EXPECT_STR(c->name, testbox_take(box, c->ask, o, 0),
		                c->want_code);
		/* Whatever was handed out is never handed out again. */
		if (c->want_code)
			TEST_EXPECT_STR(c->name,
			                testbox_take(box, c->ask, o, 0), NULL);
		otpbox_close(box);
		otpbox_wait_opts_free(o);
		testdb_remove(path);
	}
}

/* A claimed code, and any code older than it, stays taken; a newer one
 * (a resend) is handed out. */
static void
test_claimed_never_again(void)
{
	int64_t now = time(NULL);
	char path[PATH_MAX];
	struct otpbox *box;

	testdb_create(path);
	box = testbox_open(path);
	testdb_add(path, BOT1, "code", "100001", now - 20, now);
	TEST_EXPECT_STR("first claim", testbox_take(box, BOT1, NULL, 0),
	                "100001");
	TEST_EXPECT_STR("second claim", testbox_take(box, BOT1, NULL, 0), NULL);
	testdb_add(path, BOT1, "code", "100000", now - 40, now);
	TEST_EXPECT_STR("older code stored late",
	                testbox_take(box, BOT1, NULL, 0), NULL);
	testdb_add(path, BOT1, "code", "100002", now - 5, now);
	TEST_EXPECT_STR("resent code", testbox_take(box, BOT1, NULL, 0),
	                "100002");
	otpbox_close(box);
	testdb_remove(path);
}

static void
test_peek(void)
{
	int64_t now = time(NULL);
	char path[PATH_MAX];
	struct otpbox *box;

	testdb_create(path);
	box = testbox_open(path);
	testdb_add(path, BOT1, "code", "424242", now - 5, now);
	TEST_EXPECT_STR("peek", testbox_take(box, BOT1, NULL, 1), "424242");
	TEST_EXPECT_STR("peek again", testbox_take(box, BOT1, NULL, 1),
	                "424242");
	TEST_EXPECT_INT("peek claims nothing",
	                testdb_int(path, "SELECT count(*) FROM codes"
	                                 " WHERE claimed_at IS NOT NULL"),
	                0);
	TEST_EXPECT_STR("peek recorded",
	                testdb_text(path, "SELECT outcome"
	                                  " FROM waits WHERE id = 1"),
	                "peeked");
	TEST_EXPECT_STR("claim after peek", testbox_take(box, BOT1, NULL, 0),
	                "424242");
	TEST_EXPECT_STR("peek after claim", testbox_take(box, BOT1, NULL, 1),
	                NULL);
	otpbox_close(box);
	testdb_remove(path);
}

/* The audit trail of one claim: the waits row and the code's claim. */
static void
test_audit_row(void)
{
	struct otpbox_code *code = NULL;
	struct otpbox_wait_opts *o = testbox_opts();
	int64_t now = time(NULL);
	char path[PATH_MAX], sql[256];
	struct otpbox *box;

	testdb_create(path);
	box = testbox_open(path);
	testdb_add(path, "Bot7@X.test", "code", "707070", now - 5, now);
	CU_ASSERT(otpbox_wait_opts_set_worker(o, "bot-7") == OTPBOX_OK);
	CU_ASSERT_FATAL(otpbox_wait(box, "BOT7@x.test", o, &code) == OTPBOX_OK);
	TEST_EXPECT_STR("code", code->code, "707070");
	TEST_EXPECT_STR("subject", code->subject, "Your code");
	TEST_EXPECT_STR("account", code->account, "test");
	TEST_EXPECT_STR("folder", code->folder, "INBOX");
	TEST_EXPECT_STR("claimed_by", code->claimed_by, "bot-7");
	snprintf(sql, sizeof(sql),
	         "SELECT outcome || ' ' || worker || ' ' ||"
	         " (pid = %ld) || ' ' || (code_id = %lld) || ' ' ||"
	         " (ended_at IS NOT NULL) FROM waits WHERE id = %lld",
	         (long)getpid(), (long long)code->code_id,
	         (long long)code->wait_id);
	TEST_EXPECT_STR("waits row", testdb_text(path, sql),
	                "claimed bot-7 1 1 1");
	snprintf(sql, sizeof(sql),
	         "SELECT claimed_by || ' ' || wait_id"
	         " FROM otp_codes WHERE code_id = %lld",
	         (long long)code->code_id);
	TEST_EXPECT_STR("otp_codes row", testdb_text(path, sql), "bot-7 1");
	otpbox_code_free(code);
	otpbox_wait_opts_free(o);
	otpbox_close(box);
	testdb_remove(path);
}

/* Child: waits for address and writes the code (or "-") to fd. */
static void
test_child_wait(const char *path, const char *address, int timeout_ms, int fd)
{
	struct otpbox_code *code = NULL;
	struct otpbox_wait_opts *o = NULL;
	struct otpbox *box = NULL;
	char line[300];
	int st = 2;

	if (otpbox_open(path, &box, NULL, 0) == OTPBOX_OK) {
		o = testbox_opts();
		(void)otpbox_wait_opts_set_timeout_ms(o, timeout_ms);
		st = otpbox_wait(box, address, o, &code) ? 1 : 0;
	}
	snprintf(line, sizeof(line), "%s\n", code ? code->code : "-");
	if (write(fd, line, strlen(line)) < 0)
		st = 3;
	otpbox_code_free(code);
	otpbox_wait_opts_free(o);
	otpbox_close(box);
	_exit(st);
}

static pid_t
test_fork_waiter(const char *path, const char *address, int timeout_ms, int fd)
{
	pid_t pid = fork();

	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0)
		test_child_wait(path, address, timeout_ms, fd);
	return pid;
}

/* Collects the children's exit codes: how many got a code. */
static int
test_reap(const pid_t *pids, int n)
{
	int i, status, winners = 0;

	for (i = 0; i < n; i++) {
		CU_ASSERT(waitpid(pids[i], &status, 0) == pids[i]);
		CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) <= 1);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			winners++;
	}
	return winners;
}

/* A row committed by another process while the waiter sleeps wakes it.
 * The waiter's own safety look comes only every 10 s and its time-out is a
 * minute, so an answer within 5 s (a guard against a hang, a thousand
 * times the expected delay) can only come from the notification. */
static void
test_late_arrival(void)
{
	char path[PATH_MAX], line[64] = "";
	struct pollfd pfd;
	int fds[2], ready;
	pid_t pid;

	testdb_create(path);
	CU_ASSERT_FATAL(pipe(fds) == 0);
	pid = test_fork_waiter(path, BOT1, 60000, fds[1]);
	close(fds[1]);
	testbox_await_waiters(path, 1);
	usleep(200000); /* past its first look: asleep */
	testdb_add(path, "bot9@x.test", "code", "999999", time(NULL),
	           time(NULL));
	testdb_add(path, BOT1, "code", "515151", time(NULL), time(NULL));
	pfd = (struct pollfd){.fd = fds[0], .events = POLLIN};
	ready = poll(&pfd, 1, 5000);
	TEST_EXPECT_INT("woken by the notification", ready, 1);
	if (ready != 1)
		kill(pid, SIGKILL);
	CU_ASSERT(ready == 1 && read(fds[0], line, sizeof(line) - 1) > 0);
	TEST_EXPECT_STR("late arrival", strtok(line, "\n"), "515151");
	TEST_EXPECT_INT("waiter exit", test_reap(&pid, 1), ready == 1);
	close(fds[0]);
	testdb_remove(path);
}

/* Reads every line the children wrote; counts codes and duplicates. */
static void
test_collect(int fd, int *codes, int *dups)
{
	char buf[4096], *line, *save = NULL, seen[64][16];
	size_t len = 0;
	ssize_t n;
	int i;

	*codes = *dups = 0;
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strcmp(line, "-") || *codes >= 64)
			continue;
		for (i = 0; i < *codes; i++)
			if (!strcmp(seen[i], line))
				(*dups)++;
		snprintf(seen[(*codes)++], sizeof(seen[0]), "%s", line);
	}
}

/* N processes wait on one address; codes arrive one by one. Each code
 * goes to at most one of them, and the rest time out. */
static void
test_claim_race(void)
{
	enum { WAITERS = 8, CODES = 3 };
	pid_t pids[WAITERS];
	char path[PATH_MAX], code[16];
	int fds[2], i, codes, dups, winners;
	int64_t now = time(NULL);

	testdb_create(path);
	CU_ASSERT_FATAL(pipe(fds) == 0);
	for (i = 0; i < WAITERS; i++)
		pids[i] = test_fork_waiter(path, BOT1, 3000, fds[1]);
	close(fds[1]);
	testbox_await_waiters(path, WAITERS);
	for (i = 0; i < CODES; i++) {
		snprintf(code, sizeof(code), "90000%d", i);
		testdb_add(path, BOT1, "code", code, now + i, now + i);
		usleep(50000);
	}
	winners = test_reap(pids, WAITERS);
	test_collect(fds[0], &codes, &dups);
	close(fds[0]);
	TEST_EXPECT_INT("no code twice", dups, 0);
	TEST_EXPECT_INT("winners = codes printed", winners, codes);
	CU_ASSERT(winners >= 1 && winners <= CODES);
	TEST_EXPECT_INT("claims recorded",
	                testdb_int(path,
	                           "SELECT count(*)"
	                           " FROM waits WHERE outcome = 'claimed'"),
	                winners);
	TEST_EXPECT_INT("others timed out",
	                testdb_int(path,
	                           "SELECT count(*)"
	                           " FROM waits WHERE outcome = 'timeout'"),
	                WAITERS - winners);
	testdb_remove(path);
}

/* N processes claim one code at the same instant: exactly one wins. */
static void
test_claim_same_instant(void)
{
	enum { CLAIMERS = 8 };
	pid_t pids[CLAIMERS];
	char path[PATH_MAX], go;
	int gate[2], i, status, winners = 0;

	testdb_create(path);
	testdb_add(path, BOT1, "code", "303030", time(NULL), time(NULL));
	CU_ASSERT_FATAL(pipe(gate) == 0);
	for (i = 0; i < CLAIMERS; i++) {
		pids[i] = fork();
		CU_ASSERT_FATAL(pids[i] >= 0);
		if (pids[i] == 0) {
			struct otpbox *box = NULL;
			struct otpbox_code *c = NULL;
			int st = 2;

			close(gate[1]);
			if (otpbox_open(path, &box, NULL, 0) == OTPBOX_OK &&
			    read(gate[0], &go, 1) == 0)
				st = otpbox_claim(box, BOT1, NULL, &c) ? 1 : 0;
			otpbox_code_free(c);
			otpbox_close(box);
			_exit(st);
		}
	}
	close(gate[0]);
	close(gate[1]); /* opens the gate: every read returns 0 at once */
	for (i = 0; i < CLAIMERS; i++) {
		CU_ASSERT(waitpid(pids[i], &status, 0) == pids[i]);
		CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) <= 1);
		winners += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	TEST_EXPECT_INT("exactly one claimer wins", winners, 1);
	testdb_remove(path);
}

/* A sleeping waiter holds no read transaction: a TRUNCATE checkpoint
 * completes while it waits (busy = 0). */
static void
test_no_snapshot_while_asleep(void)
{
	char path[PATH_MAX], line[64] = "";
	int fds[2];
	pid_t pid;

	testdb_create(path);
	CU_ASSERT_FATAL(pipe(fds) == 0);
	pid = test_fork_waiter(path, BOT1, 60000, fds[1]);
	close(fds[1]);
	testbox_await_waiters(path, 1);
	testdb_add(path, "decoy@x.test", "code", "111", time(NULL), time(NULL));
	usleep(100000);
	TEST_EXPECT_INT("checkpoint not blocked",
	                testdb_int(path, "PRAGMA wal_checkpoint(TRUNCATE)"), 0);
	testdb_add(path, BOT1, "code", "616161", time(NULL), time(NULL));
	CU_ASSERT(read(fds[0], line, sizeof(line) - 1) > 0);
	TEST_EXPECT_STR("woken after checkpoint", strtok(line, "\n"), "616161");
	test_reap(&pid, 1);
	close(fds[0]);
	testdb_remove(path);
}

static void
test_cancel(void)
{
	struct otpbox_code *code = NULL;
	struct otpbox_wait_opts *o = testbox_opts();
	char path[PATH_MAX];
	struct otpbox *box;
	int fds[2];

	testdb_create(path);
	box = testbox_open(path);
	CU_ASSERT_FATAL(pipe(fds) == 0);
	CU_ASSERT(write(fds[1], "x", 1) == 1);
	CU_ASSERT(otpbox_wait_opts_set_cancel_fd(o, fds[0]) == OTPBOX_OK);
	CU_ASSERT(otpbox_wait_opts_set_timeout_ms(o, 60000) == OTPBOX_OK);
	TEST_EXPECT_INT("cancelled", otpbox_wait(box, BOT1, o, &code),
	                OTPBOX_ERR_INTERRUPTED);
	TEST_EXPECT_STR("recorded as cancelled",
	                testdb_text(path, "SELECT"
	                                  " outcome FROM waits"),
	                "cancelled");
	close(fds[0]);
	close(fds[1]);
	otpbox_wait_opts_free(o);
	otpbox_close(box);
	testdb_remove(path);
}

static void
test_open_errors(void)
{
	struct otpbox *box = NULL;
	char path[PATH_MAX], err[256];
	int fd;

	TEST_EXPECT_INT(
	    "missing file",
	    otpbox_open("/nonexistent/otpbox.db", &box, err, sizeof(err)),
	    OTPBOX_ERR_NO_DB);
	CU_ASSERT(box == NULL);
	testdb_create(path);
	testdb_exec(path, "PRAGMA application_id = 0; PRAGMA user_version = 0;"
	                  " DROP VIEW otp_codes");
	TEST_EXPECT_INT("foreign SQLite file",
	                otpbox_open(path, &box, err, sizeof(err)),
	                OTPBOX_ERR_NOT_OTPBOX_DB);
	testdb_remove(path);
	snprintf(path, sizeof(path), "/tmp/otpbox-wait-text.%ld",
	         (long)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT(write(fd, "hello, I am not a database at all\n", 34) == 34);
	close(fd);
	TEST_EXPECT_INT("text file", otpbox_open(path, &box, err, sizeof(err)),
	                OTPBOX_ERR_NOT_OTPBOX_DB);
	unlink(path);
}

static void
test_addresses(void)
{
	static const struct {
		const char *address;
		enum otpbox_err want;
	} cases[] = {
	    {"bot1@x.test", OTPBOX_OK},
	    {"Bot.One+tag@sub.x.test", OTPBOX_OK},
	    {"vize-0042@x", OTPBOX_OK},
	    {"", OTPBOX_ERR_BAD_ADDRESS},
	    {"bot1", OTPBOX_ERR_BAD_ADDRESS},
	    {"@x.test", OTPBOX_ERR_BAD_ADDRESS},
	    {"bot1@", OTPBOX_ERR_BAD_ADDRESS},
	    {"a@b@x.test", OTPBOX_ERR_BAD_ADDRESS},
	    {"a b@x.test", OTPBOX_ERR_BAD_ADDRESS},
	    {"<a@x.test>", OTPBOX_ERR_BAD_ADDRESS},
	    {"Bot <a@x.test>", OTPBOX_ERR_BAD_ADDRESS},
	    {"a@x..test", OTPBOX_ERR_BAD_ADDRESS},
	    {"a@.x.test", OTPBOX_ERR_BAD_ADDRESS},
	    {"a@x.test.", OTPBOX_ERR_BAD_ADDRESS},
	    {"a@x.test\n", OTPBOX_ERR_BAD_ADDRESS},
	};
	struct otpbox_code *code = NULL;
	char path[PATH_MAX];
	struct otpbox *box;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		TEST_EXPECT_INT(cases[i].address,
		                otpbox_address_check(cases[i].address),
		                cases[i].want);
	testdb_create(path);
	box = testbox_open(path);
	TEST_EXPECT_INT("wait refuses a bad address",
	                otpbox_claim(box, "bot1", NULL, &code),
	                OTPBOX_ERR_BAD_ADDRESS);
	TEST_EXPECT_INT("and records nothing",
	                testdb_int(path, "SELECT count(*) FROM waits"), 0);
	otpbox_close(box);
	testdb_remove(path);
}

/* Ends one wait on address without a code, after setup() ran; returns
 * the reason missed_otps gives. */
static const char *
test_missed(const char *path, const char *address, enum otpbox_want want)
{
	struct otpbox_code *code = NULL;
	struct otpbox_wait_opts *o = testbox_opts();
	struct otpbox *box = testbox_open(path);
	enum otpbox_err e;
	char sql[256];

	CU_ASSERT(otpbox_wait_opts_set_want(o, want) == OTPBOX_OK);
	CU_ASSERT(otpbox_wait_opts_set_timeout_ms(o, 0) == OTPBOX_OK);
	e = otpbox_wait(box, address, o, &code);
	otpbox_wait_opts_free(o);
	TEST_EXPECT_INT(address, e, OTPBOX_ERR_TIMEOUT);
	otpbox_code_free(code);
	otpbox_close(box);
	snprintf(sql, sizeof(sql),
	         "SELECT reason FROM missed_otps WHERE"
	         " wait_id = (SELECT max(id) FROM waits WHERE address = '%s')",
	         address);
	return testdb_text(path, sql);
}

static void
test_missed_reasons(void)
{
	int64_t now = time(NULL);
	char path[PATH_MAX];
	struct otpbox *box;

	testdb_create(path);
	TEST_EXPECT_STR("no_message",
	                test_missed(path, "a@x.test", OTPBOX_WANT_CODE),
	                "no_message");
	testdb_add(path, "b@x.test", NULL, NULL, now - 5, now);
	TEST_EXPECT_STR("no_code",
	                test_missed(path, "b@x.test", OTPBOX_WANT_CODE),
	                "no_code");
	testdb_add(path, "c@x.test", "code", "313131", now - 5, now);
	TEST_EXPECT_STR("no_code: a code, but a link was wanted",
	                test_missed(path, "c@x.test", OTPBOX_WANT_LINK),
	                "no_code");
	box = testbox_open(path);
	TEST_EXPECT_STR("other claims", testbox_take(box, "c@x.test", NULL, 0),
	                "313131");
	otpbox_close(box);
	TEST_EXPECT_STR("claimed_by_other",
	                test_missed(path, "c@x.test", OTPBOX_WANT_CODE),
	                "claimed_by_other");
	TEST_EXPECT_STR("late: before",
	                test_missed(path, "d@x.test", OTPBOX_WANT_CODE),
	                "no_message");
	testdb_add(path, "d@x.test", "code", "414141", now, now + 30);
	TEST_EXPECT_STR("late",
	                testdb_text(path,
	                            "SELECT reason FROM"
	                            " missed_otps WHERE address = 'd@x.test'"),
	                "late");
	/* A waiter killed by SIGKILL leaves 'waiting': after its deadline it
	 * is missed, before it an active wait. */
	testdb_exec(path,
	            "INSERT INTO waits (address, want, window_start,"
	            " started_at, deadline) VALUES ('e@x.test', 'code', 0,"
	            " strftime('%s','now') - 200, strftime('%s','now') - 80),"
	            " ('f@x.test', 'code', 0, strftime('%s','now'),"
	            " strftime('%s','now') + 100)");
	TEST_EXPECT_STR(
	    "killed waiter",
	    testdb_text(path, "SELECT outcome ||"
	                      " ' ' || reason FROM missed_otps WHERE address ="
	                      " 'e@x.test'"),
	    "waiting no_message");
	TEST_EXPECT_STR("active waits",
	                testdb_text(path,
	                            "SELECT"
	                            " group_concat(address) FROM active_waits"),
	                "f@x.test");
	TEST_EXPECT_INT(
	    "claimed waits are not missed",
	    testdb_int(path,
	               "SELECT count(*) FROM missed_otps m JOIN waits w"
	               " ON w.id = m.wait_id WHERE w.outcome = 'claimed'"),
	    0);
	testdb_remove(path);
}

static CU_TestInfo test_cases[] = {
    {"window, case, want (table)", test_window_table},
    {"a claimed code is never returned again", test_claimed_never_again},
    {"peek does not claim", test_peek},
    {"every wait is recorded", test_audit_row},
    {"late arrival wakes the waiter", test_late_arrival},
    {"claim race between waiting processes", test_claim_race},
    {"claim race at the same instant", test_claim_same_instant},
    {"no read transaction while asleep", test_no_snapshot_while_asleep},
    {"cancel descriptor", test_cancel},
    {"open errors", test_open_errors},
    {"addresses", test_addresses},
    {"missed_otps reasons", test_missed_reasons},
    CU_TEST_INFO_NULL,
};

#include "../cunit_main.h"
