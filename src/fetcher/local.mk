# SPDX-License-Identifier: MIT
# src/fetcher: `otpbox fetch` — IMAP over TLS, sync, IDLE, supervisor, and
# OAuth2 tokens for XOAUTH2.
otpbox_SOURCES += \
	src/fetcher/fetch.c \
	src/fetcher/fetch_account.c src/fetcher/fetch_account.h \
	src/fetcher/fetch_parts.c src/fetcher/fetch_parts.h \
	src/fetcher/fetch_super.c src/fetcher/fetch_super.h \
	src/fetcher/fetch_sync.c src/fetcher/fetch_sync.h \
	src/fetcher/fetch_watch.c src/fetcher/fetch_watch.h \
	src/fetcher/imap_client.c src/fetcher/imap_client.h \
	src/fetcher/imap_conn.c src/fetcher/imap_conn.h \
	src/fetcher/oauth2.c src/fetcher/oauth2.h \
	src/fetcher/oauth2_explain.c src/fetcher/oauth2_explain.h
otpbox_LDADD += libotpbox_common.la $(DEP_LIBS)
EXTRA_DIST += src/fetcher/local.mk

# `otpbox doctor`, and what the fetcher tells the outside: heartbeats in
# the store, systemd notifications, the progress line.
otpbox_SOURCES += \
	src/fetcher/doctor.c src/fetcher/doctor_p.h \
	src/fetcher/doctor_net.c src/fetcher/doctor_local.c \
	src/fetcher/fetch_progress.c src/fetcher/fetch_progress.h \
	src/fetcher/fetch_report.c src/fetcher/fetch_report.h \
	src/fetcher/sd_notify.c src/fetcher/sd_notify.h
