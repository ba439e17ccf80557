# SPDX-License-Identifier: MIT
# tests/pg: the PostgreSQL side that needs no C: the private test cluster
# (tests/pg.sh), the migrations of sql/postgresql/ and the claim statement
# docs/audit.md gives for PostgreSQL. Each test skips (77) without root or
# postgresql-15.
TESTS += tests/pg_selftest.sh
EXTRA_DIST += tests/pg/local.mk tests/pg.sh tests/pg_selftest.sh
