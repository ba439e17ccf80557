# SPDX-License-Identifier: MIT
# tests/worker: libotpbox and `otpbox wait`, alone and with the fetcher.
WAIT_TEST_LIBS = libotpbox_worker.la $(TEST_LIBS)
check_PROGRAMS += tests/worker/test_wait tests/worker/test_trust \
	tests/worker/test_since tests/worker/test_feed \
	tests/worker/testdb_tool examples/forked_bots
tests_worker_test_wait_SOURCES = tests/worker/test_wait.c \
	tests/worker/testbox.c tests/worker/testbox.h \
	tests/worker/testdb.c tests/worker/testdb.h
tests_worker_test_wait_CFLAGS = $(TEST_CFLAGS)
tests_worker_test_wait_LDADD = $(WAIT_TEST_LIBS)
tests_worker_test_trust_SOURCES = tests/worker/test_trust.c \
	tests/worker/testbox.c tests/worker/testbox.h \
	tests/worker/testdb.c tests/worker/testdb.h
tests_worker_test_trust_CFLAGS = $(TEST_CFLAGS)
tests_worker_test_trust_LDADD = $(WAIT_TEST_LIBS)
tests_worker_test_feed_SOURCES = tests/worker/test_feed.c \
	tests/worker/testdb.c tests/worker/testdb.h
tests_worker_test_feed_CFLAGS = $(TEST_CFLAGS)
tests_worker_test_feed_LDADD = $(WAIT_TEST_LIBS)
tests_worker_test_since_SOURCES = tests/worker/test_since.c \
	src/worker/since.c
tests_worker_test_since_CFLAGS = $(TEST_CFLAGS)
tests_worker_test_since_LDADD = $(WAIT_TEST_LIBS)
tests_worker_testdb_tool_SOURCES = tests/worker/testdb_tool.c \
	tests/worker/testdb.c tests/worker/testdb.h
tests_worker_testdb_tool_LDADD = $(TEST_LIBS)
# The example links the installed-style shared library, as a user's would.
examples_forked_bots_SOURCES = examples/forked_bots.c
examples_forked_bots_LDADD = libotpbox.la
TESTS += tests/worker/test_wait tests/worker/test_trust \
	tests/worker/test_since tests/worker/test_feed \
	tests/worker/wait_cli.sh tests/worker/forked_bots.sh \
	tests/worker/sql_claim.sh tests/worker/wait_fetch.sh \
	tests/worker/wait_fetch_pg.sh tests/worker/claim_race_pg.sh \
	tests/worker/wait_trust.sh tests/worker/wait_trust_pg.sh
EXTRA_DIST += tests/worker/local.mk tests/worker/wait_cli.sh \
	tests/worker/forked_bots.sh tests/worker/sql_claim.sh \
	tests/worker/sql_claim.py tests/worker/wait_fetch.sh \
	tests/worker/wait_fetch_pg.sh tests/worker/claim_race_pg.sh \
	tests/worker/wait_trust.sh tests/worker/wait_trust_pg.sh
