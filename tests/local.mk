# SPDX-License-Identifier: MIT
# tests: what the areas' tests share (the shell library, the private
# Dovecot, the scripted IMAP server) and the whole-program checks.
EXTRA_DIST += tests/local.mk tests/lib.sh tests/dovecot.sh tests/backend.sh tests/on_pg.sh \
	tests/cunit_main.h
TESTS += tests/cli.sh tests/format_check.sh
EXTRA_DIST += tests/cli.sh tests/format_check.sh

# extraction through the program, and the labelled corpus when given
TESTS += tests/corpus.sh tests/extract_cli.sh
EXTRA_DIST += tests/corpus.sh tests/corpus_check.sh tests/extract_cli.sh

# the scripted IMAP server, its self-test and its transcripts
IMAP_TRANSCRIPTS = tests/transcripts/basic.txt \
	tests/transcripts/literal_forged.txt \
	tests/transcripts/bye_mid_fetch.txt \
	tests/transcripts/cut_half_way.txt \
	tests/transcripts/absurd_literal.txt \
	tests/transcripts/unsolicited.txt \
	tests/transcripts/star_quirk.txt \
	tests/transcripts/large_parts.txt \
	tests/transcripts/xoauth2_refused.txt \
	tests/transcripts/xoauth2_not_connected.txt \
	tests/transcripts/xoauth2_throttled.txt \
	tests/transcripts/xoauth2_token_expired.txt \
	tests/transcripts/exchange_starttls.txt \
	tests/transcripts/exchange_login_refused.txt \
	tests/transcripts/exchange_not_connected.txt \
	tests/transcripts/exchange_throttled.txt \
	tests/transcripts/exchange_unavailable.txt \
	tests/transcripts/exchange_idle.txt \
	tests/transcripts/exchange_idle_silent.txt \
	tests/transcripts/exchange_throttled_watch.txt
IMAP_PARSED = $(IMAP_TRANSCRIPTS:.txt=.parsed)
TESTS += tests/imapd_script_test.py
EXTRA_DIST += tests/imapd_script.py tests/imapd_script_test.py \
	$(IMAP_TRANSCRIPTS) $(IMAP_PARSED)

# two fetchers on one PostgreSQL store: standby, failover, nothing twice
TESTS += tests/fetch_failover.sh
EXTRA_DIST += tests/fetch_failover.sh
# accounts split across fetchers: one lock per account
TESTS += tests/fetch_split.sh
EXTRA_DIST += tests/fetch_split.sh
TESTS += tests/pg_reconnect.sh
EXTRA_DIST += tests/pg_reconnect.sh
TESTS += tests/pg_password.sh
EXTRA_DIST += tests/pg_password.sh
