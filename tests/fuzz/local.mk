# SPDX-License-Identifier: MIT
# tests/fuzz: libFuzzer harnesses (configure --enable-fuzz, needs clang).
EXTRA_DIST += tests/fuzz/local.mk tests/fuzz/imap.dict \
	tests/fuzz/fuzz_imap.c tests/fuzz/fuzz_oauth2.c tests/fuzz/fuzz_message.c
if ENABLE_FUZZ
noinst_PROGRAMS += tests/fuzz/fuzz_imap
tests_fuzz_fuzz_imap_SOURCES = tests/fuzz/fuzz_imap.c \
	src/common/imap_parse.c src/common/imap_parse.h \
	src/common/imap_parse_p.h src/common/imap_parse_tok.c \
	src/common/imap_parse_fetch.c src/common/imap_parse_body.c \
	src/common/imap_date.c src/common/imap_date.h \
	src/common/imap_cmd.c src/common/imap_cmd.h
tests_fuzz_fuzz_imap_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_imap_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
noinst_PROGRAMS += tests/fuzz/fuzz_oauth2
tests_fuzz_fuzz_oauth2_SOURCES = tests/fuzz/fuzz_oauth2.c \
	src/fetcher/oauth2.c src/fetcher/oauth2.h \
	src/fetcher/oauth2_explain.c src/fetcher/oauth2_explain.h
tests_fuzz_fuzz_oauth2_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_oauth2_LDADD = libotpbox_common.la $(DEP_LIBS)
tests_fuzz_fuzz_oauth2_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
noinst_PROGRAMS += tests/fuzz/fuzz_message
tests_fuzz_fuzz_message_SOURCES = tests/fuzz/fuzz_message.c
tests_fuzz_fuzz_message_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_message_LDADD = libotpbox_common.la $(DEP_LIBS)
tests_fuzz_fuzz_message_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
endif
