# SPDX-License-Identifier: MIT
# tests/common: unit tests of src/common, one program per module family.
COMMON_TESTS = tests/common/test_config tests/common/test_store \
	tests/common/test_store_fetch tests/common/test_extract \
	tests/common/test_message tests/common/test_recipient \
	tests/common/test_html_text tests/common/test_mime \
	tests/common/test_imap_parse tests/common/test_imap_cmd \
	tests/common/test_authres tests/common/test_store_feed \
	tests/common/test_store_backend
check_PROGRAMS += $(COMMON_TESTS)
TESTS += $(COMMON_TESTS)
EXTRA_DIST += tests/common/local.mk tests/common/msgtest.h

tests_common_test_config_SOURCES = tests/common/test_config.c
tests_common_test_config_CFLAGS = $(TEST_CFLAGS)
tests_common_test_config_LDADD = libotpbox_worker.la $(TEST_LIBS)
# conf.c checks patterns through a weak reference (libotpbox has no
# extractor): link the extractor's check in, as the otpbox program does.
tests_common_test_config_LDFLAGS = $(AM_LDFLAGS) -Wl,-u,extract_pattern_check
tests_common_test_store_SOURCES = tests/common/test_store.c
tests_common_test_store_CFLAGS = $(TEST_CFLAGS)
tests_common_test_store_LDADD = $(TEST_LIBS)
tests_common_test_store_backend_SOURCES = tests/common/test_store_backend.c
tests_common_test_store_backend_CFLAGS = $(TEST_CFLAGS)
tests_common_test_store_backend_LDADD = $(TEST_LIBS)
tests_common_test_store_feed_SOURCES = tests/common/test_store_feed.c
tests_common_test_store_feed_CFLAGS = $(TEST_CFLAGS)
tests_common_test_store_feed_LDADD = $(TEST_LIBS)
tests_common_test_store_fetch_SOURCES = tests/common/test_store_fetch.c \
	tests/common/tmpstore.c tests/common/tmpstore.h
tests_common_test_store_fetch_CFLAGS = $(TEST_CFLAGS)
tests_common_test_store_fetch_LDADD = $(TEST_LIBS)
tests_common_test_extract_SOURCES = tests/common/test_extract.c
tests_common_test_extract_CFLAGS = $(TEST_CFLAGS)
tests_common_test_extract_LDADD = $(TEST_LIBS)
tests_common_test_message_SOURCES = tests/common/test_message.c
tests_common_test_message_CFLAGS = $(TEST_CFLAGS)
tests_common_test_message_LDADD = $(TEST_LIBS)
tests_common_test_recipient_SOURCES = tests/common/test_recipient.c
tests_common_test_recipient_CFLAGS = $(TEST_CFLAGS)
tests_common_test_recipient_LDADD = $(TEST_LIBS)
tests_common_test_html_text_SOURCES = tests/common/test_html_text.c
tests_common_test_html_text_CFLAGS = $(TEST_CFLAGS)
tests_common_test_html_text_LDADD = $(TEST_LIBS)
tests_common_test_mime_SOURCES = tests/common/test_mime.c
tests_common_test_mime_CFLAGS = $(TEST_CFLAGS)
tests_common_test_mime_LDADD = $(TEST_LIBS)
tests_common_test_imap_parse_SOURCES = tests/common/test_imap_parse.c
tests_common_test_imap_parse_CFLAGS = $(TEST_CFLAGS)
tests_common_test_imap_parse_LDADD = $(TEST_LIBS)
tests_common_test_imap_cmd_SOURCES = tests/common/test_imap_cmd.c
tests_common_test_imap_cmd_CFLAGS = $(TEST_CFLAGS)
tests_common_test_imap_cmd_LDADD = $(TEST_LIBS)
tests_common_test_authres_SOURCES = tests/common/test_authres.c
tests_common_test_authres_CFLAGS = $(TEST_CFLAGS)
tests_common_test_authres_LDADD = $(TEST_LIBS)

# fetcher heartbeats, status figures and health rules; log priorities
check_PROGRAMS += tests/common/test_status tests/common/test_log
TESTS += tests/common/test_status tests/common/test_log
tests_common_test_status_SOURCES = tests/common/test_status.c \
	tests/common/tmpstore.c tests/common/tmpstore.h
tests_common_test_status_CFLAGS = $(TEST_CFLAGS)
tests_common_test_status_LDADD = $(TEST_LIBS)
tests_common_test_log_SOURCES = tests/common/test_log.c
tests_common_test_log_CFLAGS = $(TEST_CFLAGS)
tests_common_test_log_LDADD = $(TEST_LIBS)

# Prints how the parser sees a transcript (the .parsed files beside them).
check_PROGRAMS += tests/common/imap_dump
tests_common_imap_dump_SOURCES = tests/common/imap_dump.c
tests_common_imap_dump_LDADD = libotpbox_common.la $(DEP_LIBS)

# files beside the database, the shared clock and secret buffers
CONF_TESTS = tests/common/test_safe_file tests/common/test_clock
check_PROGRAMS += $(CONF_TESTS)
TESTS += $(CONF_TESTS) tests/common/config_file.sh
EXTRA_DIST += tests/common/config_file.sh
tests_common_test_safe_file_SOURCES = tests/common/test_safe_file.c
tests_common_test_safe_file_CFLAGS = $(TEST_CFLAGS)
tests_common_test_safe_file_LDADD = $(TEST_LIBS)
tests_common_test_clock_SOURCES = tests/common/test_clock.c
tests_common_test_clock_CFLAGS = $(TEST_CFLAGS)
tests_common_test_clock_LDADD = $(TEST_LIBS)
