# SPDX-License-Identifier: MIT
# tests/pg: the PostgreSQL side that needs no C: the private test cluster
# (tests/pg.sh), the migrations of sql/postgresql/ and the claim statement
# docs/audit.md gives for PostgreSQL. Each test skips (77) without root or
# postgresql-15.
TESTS += tests/pg_selftest.sh
EXTRA_DIST += tests/pg/local.mk tests/pg.sh tests/pg_selftest.sh

# the migrations as compiled in (schema_dump prints them) against SQLite's
check_PROGRAMS += tests/pg/schema_dump
tests_pg_schema_dump_SOURCES = tests/pg/schema_dump.c
nodist_tests_pg_schema_dump_SOURCES = src/common/schema_sql.c \
	src/common/schema_pg_sql.c
# Own flags: the library compiles the same generated files with libtool.
tests_pg_schema_dump_CFLAGS = $(AM_CFLAGS)
TESTS += tests/pg/columns.sh
EXTRA_DIST += tests/pg/columns.sh

# the claim statement of docs/audit.md for PostgreSQL, as written
TESTS += tests/pg/claim.sh
EXTRA_DIST += tests/pg/claim.sh tests/pg/claim.py

# the audit views: the same rows on both engines for the same data
TESTS += tests/pg/views.sh
EXTRA_DIST += tests/pg/views.sh tests/pg/views.py

# the migration protocol: several hosts at once, a foreign database
TESTS += tests/pg/migrate.sh
EXTRA_DIST += tests/pg/migrate.sh
