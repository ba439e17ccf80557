# SPDX-License-Identifier: MIT
# tests/fetcher: `otpbox fetch` against the private Dovecot and the
# scripted IMAP server, and OAuth2 against tests/token_server.py.
TESTS += tests/fetch_once.sh tests/fetch_transcripts.sh tests/fetch_watch.sh \
	tests/fetch_reconnect.sh tests/fetch_large.sh tests/fetch_exchange.sh
EXTRA_DIST += tests/fetcher/local.mk tests/fetch_once.sh \
	tests/fetch_transcripts.sh tests/fetch_watch.sh tests/fetch_reconnect.sh \
	tests/fetch_large.sh tests/fetch_exchange.sh
# the same on PostgreSQL (tests/on_pg.sh)
TESTS += tests/fetch_reconnect_pg.sh tests/fetch_large_pg.sh
EXTRA_DIST += tests/fetch_reconnect_pg.sh tests/fetch_large_pg.sh

check_PROGRAMS += tests/fetcher/test_fetch_parts
TESTS += tests/fetcher/test_fetch_parts
tests_fetcher_test_fetch_parts_SOURCES = tests/fetcher/test_fetch_parts.c \
	src/fetcher/fetch_parts.c src/fetcher/fetch_parts.h
tests_fetcher_test_fetch_parts_CFLAGS = $(TEST_CFLAGS)
tests_fetcher_test_fetch_parts_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/fetcher/test_oauth2
tests_fetcher_test_oauth2_SOURCES = tests/fetcher/test_oauth2.c \
	src/fetcher/oauth2.c src/fetcher/oauth2.h \
	src/fetcher/oauth2_explain.c src/fetcher/oauth2_explain.h
tests_fetcher_test_oauth2_CFLAGS = $(TEST_CFLAGS)
tests_fetcher_test_oauth2_LDADD = $(TEST_LIBS)
TESTS += tests/fetcher/oauth2_unit.sh tests/fetcher/oauth2_fetch.sh \
	tests/fetcher/oauth2_refusals.sh
EXTRA_DIST += tests/token_server.py tests/oauth2_lib.sh \
	tests/fetcher/oauth2_unit.sh tests/fetcher/oauth2_fetch.sh \
	tests/fetcher/oauth2_refusals.sh
