# SPDX-License-Identifier: MIT
# sql: the schema. It is compiled in so the program works wherever it is
# copied; the same files are installed for operators who read them.
# Migration N is the Nth file of SCHEMA_FILES: keep them in order.
SCHEMA_FILES = sql/001_init.sql sql/002_wait.sql sql/003_trust.sql
dist_pkgdata_DATA = $(SCHEMA_FILES)
BUILT_SOURCES += src/common/schema_sql.c
# fetcher heartbeats (otpbox status); after every migration above
SCHEMA_FILES += sql/004_status.sql
CLEANFILES += src/common/schema_sql.c
EXTRA_DIST += sql/embed.sh sql/local.mk
src/common/schema_sql.c: $(SCHEMA_FILES) $(srcdir)/sql/embed.sh
	$(AM_V_GEN)$(MKDIR_P) src/common && \
	sh $(srcdir)/sql/embed.sh $(addprefix $(srcdir)/,$(SCHEMA_FILES)) > $@.tmp && \
	mv $@.tmp $@
