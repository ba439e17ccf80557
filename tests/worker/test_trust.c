/* SPDX-License-Identifier: MIT */
/* libotpbox's options and the trust rules on a real SQLite file: sender
 * filters, copies of one message as one claim, future-dated claims and
 * the measured clock skew. */
#include "../cunit_main.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "otpbox.h"
#include "testbox.h"
#include "testdb.h"

#define TEST_SUITE_NAME "trust"
#define BOT1 "bot1@x.test"

/* Setters refuse bad values and then leave the options as they were: a
 * claim with options whose max-age setter failed still uses the old one. */
static void
test_opts_setters(void)
{
	static const struct {
		const char *name;
		enum otpbox_err (*set_int)(struct otpbox_wait_opts *, int);
		int value;
		enum otpbox_err want;
	} ints[] = {
	    {"max_age 0", otpbox_wait_opts_set_max_age, 0, OTPBOX_ERR_USAGE},
	    {"max_age 1", otpbox_wait_opts_set_max_age, 1, OTPBOX_OK},
	    {"skew -2", otpbox_wait_opts_set_skew, -2, OTPBOX_ERR_USAGE},
	    {"skew measured", otpbox_wait_opts_set_skew, OTPBOX_SKEW_MEASURED,
	     OTPBOX_OK},
	    {"timeout -1", otpbox_wait_opts_set_timeout_ms, -1,
	     OTPBOX_ERR_USAGE},
	    {"cancel_fd -2", otpbox_wait_opts_set_cancel_fd, -2,
	     OTPBOX_ERR_USAGE},
	    {"cancel_fd -1", otpbox_wait_opts_set_cancel_fd, -1, OTPBOX_OK},
	};
	static const struct {
		const char *pattern;
		enum otpbox_err want;
	} froms[] = {
	    {"no-reply@bank.example", OTPBOX_OK},
	    {"bank.example", OTPBOX_OK},
	    {"*@*.bank.example", OTPBOX_OK},
	    {"", OTPBOX_ERR_USAGE},
	    {"a b@bank.example", OTPBOX_ERR_USAGE},
	    {"<a@bank.example>", OTPBOX_ERR_USAGE},
	    {"a@b@bank.example", OTPBOX_ERR_USAGE},
	    {".bank.example", OTPBOX_ERR_USAGE},
	    {"bank.example\n", OTPBOX_ERR_USAGE},
	};
	struct otpbox_wait_opts *o = testbox_opts();
	int64_t now = time(NULL);
	char path[PATH_MAX];
	struct otpbox *box;
	size_t i;

	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		TEST_EXPECT_INT(ints[i].name, ints[i].set_int(o, ints[i].value),
		                ints[i].want);
	for (i = 0; i < sizeof(froms) / sizeof(froms[0]); i++)
		TEST_EXPECT_INT(froms[i].pattern,
		                otpbox_wait_opts_add_from(o, froms[i].pattern),
		                froms[i].want);
	TEST_EXPECT_INT("since -1", otpbox_wait_opts_set_since(o, -1),
	                OTPBOX_ERR_USAGE);
	TEST_EXPECT_INT("want 7",
	                otpbox_wait_opts_set_want(o, (enum otpbox_want)7),
	                OTPBOX_ERR_USAGE);
	TEST_EXPECT_INT("worker of 128 bytes",
	                otpbox_wait_opts_set_worker(
	                    o,
	                    "0123456789abcdef0123456789abcdef0123456789abcdef"
	                    "0123456789abcdef0123456789abcdef0123456789abcdef"
	                    "0123456789abcdef0123456789abcdef"),
	                OTPBOX_ERR_USAGE);
	TEST_EXPECT_INT("subject with a newline",
	                otpbox_wait_opts_set_subject(o, "a\nb"),
	                OTPBOX_ERR_USAGE);
	otpbox_wait_opts_free(o);
	otpbox_wait_opts_free(NULL);
	/* max_age 100 stays after a refused 0. */
	o = testbox_opts();
	CU_ASSERT(otpbox_wait_opts_set_max_age(o, 100) == OTPBOX_OK);
	CU_ASSERT(otpbox_wait_opts_set_max_age(o, 0) == OTPBOX_ERR_USAGE);
	testdb_create(path);
	testdb_add(path, BOT1, "code", "818181", now - 200, now);
	box = testbox_open(path);
	TEST_EXPECT_STR("refused setter leaves max_age",
	                testbox_take(box, BOT1, o, 1), NULL);
	otpbox_close(box);
	testdb_remove(path);
	otpbox_wait_opts_free(o);
}

/* One message of a filter case: its code, From, authenticated, subject. */
struct sender_row {
	const char *code;
	const char *from;
	int authenticated;
	const char *subject;
	int age;
};

struct filter_case {
	const char *name;
	struct sender_row rows[3];
	const char *from[2]; /* --from patterns */
	const char *subject;
	int authenticated;
	const char *want_code;   /* NULL: time-out */
	const char *filtered_by; /* missed_otps.filtered_by on a time-out */
};

static const struct filter_case filter_cases[] = {
    {"no filter: the newest",
     {{"111111", "a@bank.example", 1, "Code", 20},
      {"222222", "x@evil.example", 0, "Code", 10}},
     {NULL},
     NULL,
     0,
     "222222",
     NULL},
    {"--from address",
     {{"111111", "no-reply@bank.example", 1, "Code", 20},
      {"222222", "other@bank.example", 1, "Code", 10}},
     {"No-Reply@Bank.Example"},
     NULL,
     0,
     "111111",
     NULL},
    {"--from domain matches subdomains",
     {{"111111", "a@login.bank.example", 0, "Code", 20},
      {"222222", "x@evilbank.example", 0, "Code", 10}},
     {"bank.example"},
     NULL,
     0,
     "111111",
     NULL},
    {"--from glob",
     {{"111111", "a@mail.bank.example", 0, "Code", 20},
      {"222222", "a@bank.example", 0, "Code", 10}},
     {"*@*.bank.example"},
     NULL,
     0,
     "111111",
     NULL},
    {"--from repeated: any matches",
     {{"111111", "a@one.example", 0, "Code", 20},
      {"222222", "b@two.example", 0, "Code", 30},
      {"333333", "c@three.example", 0, "Code", 10}},
     {"two.example", "one.example"},
     NULL,
     0,
     "111111",
     NULL},
    {"--from refuses all",
     {{"111111", "x@evil.example", 1, "Code", 20}},
     {"bank.example"},
     NULL,
     0,
     NULL,
     "from"},
    {"--from without a From",
     {{"111111", NULL, 1, "Code", 20}},
     {"bank.example"},
     NULL,
     0,
     NULL,
     "from"},
    {"--subject any case",
     {{"111111", "a@b.example", 0, "Your Login Code", 20},
      {"222222", "a@b.example", 0, "Newsletter", 10}},
     {NULL},
     "login code",
     0,
     "111111",
     NULL},
    {"--subject refuses",
     {{"111111", "a@b.example", 0, "Newsletter", 20}},
     {NULL},
     "login",
     0,
     NULL,
     "subject"},
    {"--authenticated: forged newer one refused",
     {{"111111", "a@bank.example", 1, "Code", 20},
      {"222222", "a@bank.example", 0, "Code", 10}},
     {NULL},
     NULL,
     1,
     "111111",
     NULL},
    {"--authenticated refuses",
     {{"111111", "a@bank.example", 0, "Code", 20}},
     {NULL},
     NULL,
     1,
     NULL,
     "authenticated"},
    {"done-when: --from bank.example --authenticated",
     {{"111111", "a@bank.example", 0, "Code", 30},
      {"222222", "a@evil.example", 1, "Code", 20},
      {"333333", "a@bank.example", 1, "Code", 25}},
     {"bank.example"},
     NULL,
     1,
     "333333",
     NULL},
};

static void
test_filter_table(void)
{
	size_t i, j;

	for (i = 0; i < sizeof(filter_cases) / sizeof(filter_cases[0]); i++) {
		const struct filter_case *c = &filter_cases[i];
		struct otpbox_wait_opts *o = testbox_opts();
		int64_t now = time(NULL), id;
		char path[PATH_MAX], want[64];
		struct otpbox *box;

		testdb_create(path);
		for (j = 0; j < 3 && c->rows[j].code; j++) {
			id = testdb_add(path, BOT1, "code", c->rows[j].code,
			                now - c->rows[j].age, now);
			testdb_sender(path, id, c->rows[j].from,
			              c->rows[j].authenticated,
			              c->rows[j].subject, 0);
		}
		for (j = 0; j < 2 && c->from[j]; j++)
			CU_ASSERT(otpbox_wait_opts_add_from(o, c->from[j]) ==
			          OTPBOX_OK);
		CU_ASSERT(otpbox_wait_opts_set_subject(o, c->subject) ==
		          OTPBOX_OK);
		CU_ASSERT(otpbox_wait_opts_set_authenticated(
		              o, c->authenticated) == OTPBOX_OK);
		box = testbox_open(path);
		TEST_EXPECT_STR(c->name, testbox_take(box, BOT1, o, 1),
		                c->want_code);
		TEST_EXPECT_STR(c->name, testbox_take(box, BOT1, o, 0),
		                c->want_code);
		if (!c->want_code) {
			snprintf(want, sizeof(want), "filtered %s",
			         c->filtered_by);
			TEST_EXPECT_STR(
			    c->name,
			    testdb_text(path, "SELECT reason || ' ' ||"
			                      " filtered_by FROM missed_otps"
			                      " ORDER BY wait_id DESC"),
			    want);
		}
		otpbox_close(box);
		otpbox_wait_opts_free(o);
		testdb_remove(path);
	}
}

/* The time-out says which filter refused which message, and the wait's
 * filters are on its row. */
static void
test_filter_explained(void)
{
	struct otpbox_wait_opts *o = testbox_opts();
	struct otpbox_code *code = NULL;
	int64_t now = time(NULL), id;
	char path[PATH_MAX];
	struct otpbox *box;

	testdb_create(path);
	id = testdb_add(path, BOT1, "code", "123123", now - 5, now);
	testdb_sender(path, id, "x@evil.example", 1, "Your code", 0);
	CU_ASSERT(otpbox_wait_opts_add_from(o, "bank.example") == OTPBOX_OK);
	CU_ASSERT(otpbox_wait_opts_add_from(o, "*@*.bank.example") ==
	          OTPBOX_OK);
	CU_ASSERT(otpbox_wait_opts_set_timeout_ms(o, 0) == OTPBOX_OK);
	box = testbox_open(path);
	TEST_EXPECT_INT("refused", otpbox_wait(box, BOT1, o, &code),
	                OTPBOX_ERR_TIMEOUT);
	CU_ASSERT(strstr(otpbox_errmsg(box), "filter --from refused message") !=
	          NULL);
	CU_ASSERT(strstr(otpbox_errmsg(box), "x@evil.example") != NULL);
	if (!strstr(otpbox_errmsg(box), "x@evil.example"))
		fprintf(stderr, "  errmsg: %s\n", otpbox_errmsg(box));
	TEST_EXPECT_STR("filters recorded",
	                testdb_text(path, "SELECT from_filter || ' ' ||"
	                                  " require_authenticated FROM waits"),
	                "[\"bank.example\",\"*@*.bank.example\"] 0");
	otpbox_close(box);
	otpbox_wait_opts_free(o);
	testdb_remove(path);
}

/* A forged message first, the genuine one later: a waiter with filters
 * that is already asleep gets the genuine one. */
static void
test_forged_then_genuine(void)
{
	struct otpbox_wait_opts *o = testbox_opts();
	struct otpbox_code *code = NULL;
	char path[PATH_MAX];
	struct otpbox *box;
	int64_t id;
	pid_t pid;
	int st;

	testdb_create(path);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		testbox_await_waiters(path, 1);
		id = testdb_add(path, BOT1, "code", "666666", time(NULL),
		                time(NULL));
		testdb_sender(path, id, "no-reply@bank.example", 0, NULL, 0);
		testdb_notify(path);
		usleep(300000);
		id = testdb_add(path, BOT1, "code", "777777", time(NULL),
		                time(NULL));
		testdb_sender(path, id, "no-reply@bank.example", 1, NULL, 0);
		testdb_notify(path);
		_exit(0);
	}
	CU_ASSERT(otpbox_wait_opts_add_from(o, "bank.example") == OTPBOX_OK);
	CU_ASSERT(otpbox_wait_opts_set_authenticated(o, 1) == OTPBOX_OK);
	CU_ASSERT(otpbox_wait_opts_set_timeout_ms(o, 10000) == OTPBOX_OK);
	box = testbox_open(path);
	TEST_EXPECT_INT("waited", otpbox_wait(box, BOT1, o, &code), OTPBOX_OK);
	TEST_EXPECT_STR("the genuine code", code ? code->code : NULL, "777777");
	TEST_EXPECT_STR("sender", code ? code->sender_address : NULL,
	                "no-reply@bank.example");
	TEST_EXPECT_INT("authenticated", code ? code->authenticated : 0, 1);
	CU_ASSERT(waitpid(pid, &st, 0) == pid);
	otpbox_code_free(code);
	otpbox_close(box);
	otpbox_wait_opts_free(o);
	testdb_remove(path);
}

/* Copies of one message (same copy_of, e.g. INBOX and Junk Email) are
 * one claim: claiming either claims both; a resend is still handed out;
 * a copy of an older message stays superseded. */
static void
test_copies_one_claim(void)
{
	int64_t now = time(NULL), first, copy, old;
	char path[PATH_MAX];
	struct otpbox *box;

	testdb_create(path);
	box = testbox_open(path);
	old = testdb_add(path, BOT1, "code", "100000", now - 50, now - 50);
	first = testdb_add(path, BOT1, "code", "121212", now - 20, now - 20);
	TEST_EXPECT_STR("claim", testbox_take(box, BOT1, NULL, 0), "121212");
	copy = testdb_add(path, BOT1, "code", "121212", now - 20, now);
	testdb_sender(path, copy, NULL, 0, NULL, first);
	TEST_EXPECT_STR("the copy is claimed too",
	                testbox_take(box, BOT1, NULL, 0), NULL);
	copy = testdb_add(path, BOT1, "code", "100000", now - 50, now);
	testdb_sender(path, copy, NULL, 0, NULL, old);
	TEST_EXPECT_STR("a copy of a superseded message",
	                testbox_take(box, BOT1, NULL, 0), NULL);
	testdb_add(path, BOT1, "code", "131313", now - 5, now);
	TEST_EXPECT_STR("a resend", testbox_take(box, BOT1, NULL, 0), "131313");
	TEST_EXPECT_STR("copies: second wait",
	                testdb_text(path, "SELECT reason FROM missed_otps"
	                                  " ORDER BY wait_id LIMIT 1"),
	                "claimed_by_other");
	otpbox_close(box);
	testdb_remove(path);
}

/* Two unclaimed copies: exactly one claim, whichever copy it takes. */
static void
test_copies_unclaimed(void)
{
	int64_t now = time(NULL), first, copy;
	char path[PATH_MAX];
	struct otpbox *box;

	testdb_create(path);
	box = testbox_open(path);
	first = testdb_add(path, BOT1, "code", "141414", now - 20, now);
	copy = testdb_add(path, BOT1, "code", "141414", now - 20, now);
	testdb_sender(path, copy, NULL, 0, NULL, first);
	TEST_EXPECT_STR("first claim", testbox_take(box, BOT1, NULL, 0),
	                "141414");
	TEST_EXPECT_STR("no second claim", testbox_take(box, BOT1, NULL, 0),
	                NULL);
	otpbox_close(box);
	testdb_remove(path);
}

/* A claimed code dated an hour ahead (the server clock jumped) does not
 * block the codes that come after it. */
static void
test_future_claim(void)
{
	int64_t now = time(NULL);
	char path[PATH_MAX];
	struct otpbox *box;

	testdb_create(path);
	box = testbox_open(path);
	testdb_add(path, BOT1, "code", "151515", now + 3600, now - 10);
	TEST_EXPECT_STR("future-dated code", testbox_take(box, BOT1, NULL, 0),
	                "151515");
	testdb_add(path, BOT1, "code", "161616", now - 5, now - 5);
	TEST_EXPECT_STR("a later code", testbox_take(box, BOT1, NULL, 0),
	                "161616");
	otpbox_close(box);
	testdb_remove(path);
}

/* The window's skew is measured from the store: with the clocks in step
 * a code received a second or more before --since is never handed out;
 * with the server 60 s behind, a code it dates 60 s before --since (that
 * arrived after it) is. */
static void
test_measured_skew(void)
{
	static const struct {
		const char *name;
		int lag;   /* server clock behind ours */
		int early; /* code dated this long before since */
		const char *want;
	} cases[] = {
	    {"in step: 1 s early", 0, 1, NULL},
	    {"in step: 2 s early (the old fixed skew)", 0, 2, NULL},
	    {"in step: at since", 0, 0, "171717"},
	    {"60 s behind: dated 60 s early", 60, 60, "171717"},
	    {"60 s behind: dated 61 s early", 60, 61, NULL},
	};
	int64_t now = time(NULL), since = now - 100;
	char path[PATH_MAX];
	struct otpbox_wait_opts *o;
	struct otpbox *box;
	size_t i;
	int j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		testdb_create(path);
		/* Earlier traffic, fetched the moment it arrived. */
		for (j = 0; j < 5; j++)
			testdb_add(path, "other@x.test", "code", "1",
			           now - 500 + j * 60 - cases[i].lag,
			           now - 500 + j * 60);
		testdb_add(path, BOT1, "code", "171717", since - cases[i].early,
		           now);
		o = testbox_opts();
		CU_ASSERT(otpbox_wait_opts_set_since(o, since) == OTPBOX_OK);
		box = testbox_open(path);
		TEST_EXPECT_STR(cases[i].name, testbox_take(box, BOT1, o, 0),
		                cases[i].want);
		otpbox_close(box);
		otpbox_wait_opts_free(o);
		testdb_remove(path);
	}
}

static CU_TestInfo test_cases[] = {
    {"options: setters check their values", test_opts_setters},
    {"sender filters (table)", test_filter_table},
    {"a refusal is explained", test_filter_explained},
    {"forged first, genuine later", test_forged_then_genuine},
    {"copies of a message are one claim", test_copies_one_claim},
    {"unclaimed copies give one claim", test_copies_unclaimed},
    {"a future-dated claim blocks nothing", test_future_claim},
    {"measured clock skew", test_measured_skew},
    CU_TEST_INFO_NULL,
};

#include "../cunit_main.h"
