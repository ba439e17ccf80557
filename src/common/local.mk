# SPDX-License-Identifier: MIT
# src/common: the shared code of every otpbox process, built once as a
# convenience library. Grouped by module family.
noinst_LTLIBRARIES += libotpbox_common.la
libotpbox_common_la_LIBADD = $(DEP_LIBS)

# errors, logging, configuration
libotpbox_common_la_SOURCES = \
	src/common/otpbox_err.c src/common/otpbox_err.h \
	src/common/log.c src/common/log.h \
	src/common/conf.c src/common/conf.h \
	src/common/conf_env.c src/common/conf_env.h \
	src/common/conf_file.c src/common/conf_file.h \
	src/common/conf_secret.c src/common/conf_secret.h \
	src/common/clock.c src/common/clock.h \
	src/common/secret_buf.c src/common/secret_buf.h \
	src/common/safe_file.c src/common/safe_file.h

# the store (schema: sql/local.mk): the interface and its dispatch
libotpbox_common_la_SOURCES += \
	src/common/store.c src/common/store.h \
	src/common/store_dispatch.c src/common/store_backend_p.h \
	src/common/store_conf.c src/common/store_conf.h \
	src/common/schema_sql.h \
	src/common/store_fetch.h src/common/store_wait.h \
	src/common/store_status.h \
	src/common/status_health.c src/common/status_health.h
# the SQLite backend
libotpbox_common_la_SOURCES += \
	src/common/store_sqlite.c src/common/store_sqlite_p.h \
	src/common/store_sqlite_fetch.c src/common/store_sqlite_wait.c \
	src/common/store_sqlite_status.c \
	src/common/store_feed.c src/common/store_feed.h
# the PostgreSQL backend: a library of its own, the only code that sees
# libpq's headers; linked into the library that holds the store
noinst_LTLIBRARIES += libotpbox_store_pg.la
libotpbox_store_pg_la_SOURCES = \
	src/common/store_pg.c src/common/store_pg_p.h \
	src/common/store_pg_fetch.c src/common/store_pg_wait.c \
	src/common/store_pg_changes.c src/common/store_pg_status.c
libotpbox_store_pg_la_CFLAGS = $(AM_CFLAGS) $(LIBPQ_CFLAGS)
libotpbox_store_pg_la_LIBADD = $(LIBPQ_LIBS)
libotpbox_common_la_LIBADD += libotpbox_store_pg.la
nodist_libotpbox_common_la_SOURCES = src/common/schema_sql.c
nodist_libotpbox_store_pg_la_SOURCES = src/common/schema_pg_sql.c

# message understanding: MIME, recipients, codes and links
libotpbox_common_la_SOURCES += \
	src/common/message.c src/common/message.h \
	src/common/mime.c src/common/mime.h \
	src/common/html_text.c src/common/html_text.h \
	src/common/recipient.c src/common/recipient.h \
	src/common/authres.c src/common/authres.h \
	src/common/extract.c src/common/extract.h src/common/extract_p.h \
	src/common/extract_code.c src/common/extract_link.c \
	src/common/extract_norm.c src/common/extract_norm.h \
	src/common/extract_kw.c src/common/extract_kw.h \
	src/common/extract_rules.c src/common/extract_rules.h \
	src/common/extract_shape.c src/common/extract_user.c

# the IMAP protocol: parser and command builder, no sockets
libotpbox_common_la_SOURCES += \
	src/common/imap_parse.c src/common/imap_parse.h \
	src/common/imap_parse_p.h src/common/imap_parse_tok.c \
	src/common/imap_parse_fetch.c src/common/imap_parse_body.c \
	src/common/imap_date.c src/common/imap_date.h \
	src/common/imap_cmd.c src/common/imap_cmd.h
