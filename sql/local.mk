# SPDX-License-Identifier: MIT
# sql: the schema. It is compiled in so the program works wherever it is
# copied; the same files are installed for operators who read them.
# Migration N is the Nth file of SCHEMA_FILES: keep them in order.
#   001 tables and views, 002 waits, 003 sender trust and copies,
#   004 fetcher heartbeats (otpbox status), 005 cancelled waits
SCHEMA_FILES = sql/001_init.sql sql/002_wait.sql sql/003_trust.sql \
	sql/004_status.sql sql/005_cancelled.sql
dist_pkgdata_DATA = $(SCHEMA_FILES)
BUILT_SOURCES += src/common/schema_sql.c
CLEANFILES += src/common/schema_sql.c
EXTRA_DIST += sql/embed.sh sql/local.mk
src/common/schema_sql.c: $(SCHEMA_FILES) $(srcdir)/sql/embed.sh
	$(AM_V_GEN)$(MKDIR_P) src/common && \
	sh $(srcdir)/sql/embed.sh $(addprefix $(srcdir)/,$(SCHEMA_FILES)) > $@.tmp && \
	mv $@.tmp $@
# PostgreSQL (database = "postgresql://..."): migration N of
# PG_SCHEMA_FILES gives the tables and views of SQLite's migration N, with
# the same columns in the same order. Compiled in as schema_pg_sql[];
# installed in $(pkgdatadir)/postgresql.
PG_SCHEMA_FILES = sql/postgresql/001_init.sql sql/postgresql/002_wait.sql \
	sql/postgresql/003_trust.sql sql/postgresql/004_status.sql \
	sql/postgresql/005_cancelled.sql
pgschemadir = $(pkgdatadir)/postgresql
dist_pgschema_DATA = $(PG_SCHEMA_FILES)
BUILT_SOURCES += src/common/schema_pg_sql.c
CLEANFILES += src/common/schema_pg_sql.c
src/common/schema_pg_sql.c: $(PG_SCHEMA_FILES) $(srcdir)/sql/embed.sh
	$(AM_V_GEN)$(MKDIR_P) src/common && \
	sh $(srcdir)/sql/embed.sh -a schema_pg_sql \
		$(addprefix $(srcdir)/,$(PG_SCHEMA_FILES)) > $@.tmp && \
	mv $@.tmp $@
