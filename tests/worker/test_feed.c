/* SPDX-License-Identifier: MIT */
/* libotpbox waiters on the change feed, in forked processes: a commit
 * wakes the waiters of its addresses and no other, hundreds of waiters
 * (more than Linux's 128 inotify instances per user) all get their codes,
 * a planted link is refused, and a cancel descriptor ends a wait at once.
 * Whether a sleeping waiter woke is read from the kernel: a process
 * blocked on its feed bucket makes no voluntary context switch. */
#include "../cunit_main.h"
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "otpbox.h"
#include "store_feed.h"
#include "testdb.h"

#define TEST_SUITE_NAME "feed"

/* The waiters of the crowd test; more than fs.inotify.max_user_instances
 * (128 by default) to show that no per-waiter kernel object is needed. */
#define TEST_CROWD 300

/* Waits up to timeout_ms for address on box, ended early by cancel_fd
 * (-1: none). */
static enum otpbox_err
test_wait_for(struct otpbox *box, const char *address, int timeout_ms,
              int cancel_fd, struct otpbox_code **code)
{
	struct otpbox_wait_opts *o = NULL;
	enum otpbox_err e = otpbox_wait_opts_new(&o);

	if (!e)
		e = otpbox_wait_opts_set_timeout_ms(o, timeout_ms);
	if (!e)
		e = otpbox_wait_opts_set_cancel_fd(o, cancel_fd);
	if (!e)
		e = otpbox_wait(box, address, o, code);
	otpbox_wait_opts_free(o);
	return e;
}

/* Child: waits for address and writes "address code" (code "-" for
 * none) to fd. */
static void
test_child(const char *path, const char *address, int fd)
{
	struct otpbox_code *code = NULL;
	struct otpbox *box = NULL;
	char line[300];
	int st = 2;

	if (otpbox_open(path, &box, NULL, 0) == OTPBOX_OK)
		st = test_wait_for(box, address, 60000, -1, &code) ? 1 : 0;
	snprintf(line, sizeof(line), "%s %s\n", address,
	         code ? code->code : "-");
	if (write(fd, line, strlen(line)) < 0)
		st = 3;
	otpbox_code_free(code);
	otpbox_close(box);
	_exit(st);
}

static pid_t
test_fork(const char *path, const char *address, int fd)
{
	pid_t pid = fork();

	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0)
		test_child(path, address, fd);
	return pid;
}

/* Waits until n waits are open and the waiters have gone to sleep. */
static void
test_await(const char *path, int n)
{
	int i;

	for (i = 0; i < 3000; i++) {
		if (testdb_int(path, "SELECT count(*) FROM active_waits") >= n)
			break;
		usleep(10000);
	}
	CU_ASSERT_FATAL(i < 3000);
	usleep(300000); /* past their first look */
}

/* Voluntary context switches of pid so far: how often it blocked. */
static long
test_switches(pid_t pid)
{
	char name[64], line[256];
	long n = -1;
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%d/status", (int)pid);
	if ((f = fopen(name, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "voluntary_ctxt_switches:", 24))
			n = atol(line + 24);
	fclose(f);
	return n;
}

/* An address whose feed bucket is none of the n addresses' buckets. */
static void
test_decoy(char (*addresses)[64], int n, char *out)
{
	int d, i, clash = 1;

	for (d = 0; clash; d++) {
		snprintf(out, 64, "decoy%d@x.test", d);
		clash = 0;
		for (i = 0; i < n && !clash; i++)
			clash = store_feed_bucket(out) ==
			        store_feed_bucket(addresses[i]);
	}
}

/* Commits codes for decoy five times, 50 ms apart, then lets a woken
 * waiter run. */
static void
test_decoy_commits(const char *path, const char *decoy)
{
	int i;

	for (i = 0; i < 5; i++) {
		testdb_add(path, decoy, "code", "999999", time(NULL),
		           time(NULL));
		usleep(50000);
	}
	usleep(100000);
}

/* Reads lines "address code" until n arrived or no line came for 8 s: a
 * guard against a hang, below the 10 s between a waiter's own safety
 * re-checks, so only the feed can have woken them all in time. */
static int
test_read_codes(int fd, char (*addresses)[64], int n)
{
	char buf[65536], *line, *save = NULL, want[80];
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	size_t len = 0;
	int lines = 0, right = 0, i;
	ssize_t got;

	while (lines < n && poll(&pfd, 1, 8000) == 1 &&
	       (got = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
		for (i = 0; i < got; i++)
			lines += buf[len + (size_t)i] == '\n';
		len += (size_t)got;
	}
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		for (i = 0; i < n; i++) {
			snprintf(want, sizeof(want), "%s 1%05d", addresses[i],
			         i);
			right += !strcmp(line, want);
		}
	return right;
}

static void
test_reap(const pid_t *pids, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
}

/* A commit for a wakes a's waiter; b's waiter sleeps through it and
 * through commits for others, and still gets its own code. */
static void
test_only_own_address(void)
{
	char addresses[2][64] = {"a@x.test", "b@x.test"}, decoy[64];
	char path[PATH_MAX];
	long before, after;
	int fds[2], i;
	pid_t pids[2];

	CU_ASSERT_FATAL(store_feed_bucket(addresses[0]) !=
	                store_feed_bucket(addresses[1]));
	test_decoy(addresses, 2, decoy);
	testdb_create(path);
	CU_ASSERT_FATAL(pipe(fds) == 0);
	for (i = 0; i < 2; i++)
		pids[i] = test_fork(path, addresses[i], fds[1]);
	close(fds[1]);
	test_await(path, 2);
	before = test_switches(pids[1]);
	testdb_add(path, addresses[0], "code", "100000", time(NULL),
	           time(NULL));
	test_decoy_commits(path, decoy);
	after = test_switches(pids[1]);
	CU_ASSERT(before >= 0);
	TEST_EXPECT_INT("b's waiter woke for a's and others' codes",
	                after - before, 0);
	testdb_add(path, addresses[1], "code", "100001", time(NULL),
	           time(NULL));
	TEST_EXPECT_INT("both got their codes",
	                test_read_codes(fds[0], addresses, 2), 2);
	test_reap(pids, 2);
	close(fds[0]);
	testdb_remove(path);
}

/* TEST_CROWD waiters in as many processes: commits for others wake none
 * of them, and one batch with all their codes reaches every one. */
static void
test_crowd(void)
{
	static char addresses[TEST_CROWD][64];
	static pid_t pids[TEST_CROWD];
	static long before[TEST_CROWD];
	char path[PATH_MAX], decoy[64], code[16];
	int fds[2], i, woken = 0;
	sqlite3 *db;

	for (i = 0; i < TEST_CROWD; i++)
		snprintf(addresses[i], sizeof(addresses[i]), "bot%03d@x.test",
		         i);
	test_decoy(addresses, TEST_CROWD, decoy);
	testdb_create(path);
	CU_ASSERT_FATAL(pipe(fds) == 0);
	for (i = 0; i < TEST_CROWD; i++)
		pids[i] = test_fork(path, addresses[i], fds[1]);
	close(fds[1]);
	test_await(path, TEST_CROWD);
	for (i = 0; i < TEST_CROWD; i++)
		before[i] = test_switches(pids[i]);
	test_decoy_commits(path, decoy);
	/* At most one safety re-check may fall into the window. */
	for (i = 0; i < TEST_CROWD; i++)
		woken += test_switches(pids[i]) - before[i] > 1;
	TEST_EXPECT_INT("waiters woken by others' codes", woken, 0);
	db = testdb_writer(path);
	CU_ASSERT_FATAL(sqlite3_exec(db, "BEGIN IMMEDIATE", 0, 0, 0) == 0);
	for (i = 0; i < TEST_CROWD; i++) {
		snprintf(code, sizeof(code), "1%05d", i);
		testdb_add_db(db, addresses[i], "code", code, time(NULL),
		              time(NULL));
	}
	CU_ASSERT_FATAL(sqlite3_exec(db, "COMMIT", 0, 0, 0) == 0);
	sqlite3_close(db);
	for (i = 0; i < TEST_CROWD; i++)
		CU_ASSERT(store_feed_notify(path, addresses[i]) == OTPBOX_OK);
	TEST_EXPECT_INT("waiters that got their code",
	                test_read_codes(fds[0], addresses, TEST_CROWD),
	                TEST_CROWD);
	test_reap(pids, TEST_CROWD);
	close(fds[0]);
	testdb_remove(path);
}

/* A link planted at DB-feed is refused, and its target left alone. */
static void
test_symlink_refused(void)
{
	char path[PATH_MAX], feed[PATH_MAX + 16], target[PATH_MAX + 16];
	struct otpbox_code *code = NULL;
	struct otpbox *box = NULL;
	char buf[16] = "";
	FILE *f;

	testdb_create(path);
	snprintf(feed, sizeof(feed), "%s%s", path, STORE_FEED_SUFFIX);
	snprintf(target, sizeof(target), "%s.target", path);
	f = fopen(target, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs("keep", f);
	fclose(f);
	CU_ASSERT_FATAL(symlink(target, feed) == 0);
	CU_ASSERT_FATAL(otpbox_open(path, &box, NULL, 0) == OTPBOX_OK);
	TEST_EXPECT_INT("wait", test_wait_for(box, "a@x.test", 1000, -1, &code),
	                OTPBOX_ERR_IO);
	CU_ASSERT(strstr(otpbox_errmsg(box), feed) != NULL);
	TEST_EXPECT_INT("announcing", store_feed_notify(path, "a@x.test"),
	                OTPBOX_ERR_IO);
	f = fopen(target, "r");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT(fgets(buf, sizeof(buf), f) != NULL);
	fclose(f);
	TEST_EXPECT_STR("target", buf, "keep");
	otpbox_close(box);
	unlink(target);
	testdb_remove(path);
}

/* A descriptor that becomes readable while the waiter sleeps ends the
 * wait at once: well before the 10 s safety re-check that a sleep in
 * slices of that length would need (the limit is a guard, not a
 * measurement). */
static void
test_cancel_while_asleep(void)
{
	struct otpbox_code *code = NULL;
	struct otpbox *box = NULL;
	struct timespec t0, t1;
	char path[PATH_MAX];
	int fds[2];
	long ms;
	pid_t pid;

	testdb_create(path);
	CU_ASSERT_FATAL(otpbox_open(path, &box, NULL, 0) == OTPBOX_OK);
	CU_ASSERT_FATAL(pipe(fds) == 0);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		usleep(300000);
		_exit(write(fds[1], "x", 1) == 1 ? 0 : 1);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	TEST_EXPECT_INT("cancelled",
	                test_wait_for(box, "a@x.test", 60000, fds[0], &code),
	                OTPBOX_ERR_INTERRUPTED);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	     (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CU_ASSERT(ms >= 250 && ms < 3000);
	if (ms >= 3000)
		fprintf(stderr, "  cancel took %ld ms\n", ms);
	/* The box stays usable: the next wait sleeps and times out. */
	close(fds[0]);
	close(fds[1]);
	CU_ASSERT_FATAL(pipe(fds) == 0);
	TEST_EXPECT_INT("next wait",
	                test_wait_for(box, "a@x.test", 100, fds[0], &code),
	                OTPBOX_ERR_TIMEOUT);
	waitpid(pid, NULL, 0);
	close(fds[0]);
	close(fds[1]);
	otpbox_close(box);
	testdb_remove(path);
}

static CU_TestInfo test_cases[] = {
    {"a commit wakes its address's waiter only", test_only_own_address},
    {"300 waiters", test_crowd},
    {"a link at the feed's name is refused", test_symlink_refused},
    {"cancel while asleep", test_cancel_while_asleep},
    CU_TEST_INFO_NULL,
};

#include "../cunit_main.h"
