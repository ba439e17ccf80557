#!/bin/sh
# SPDX-License-Identifier: MIT
# on_pg.sh SCRIPT: runs the shell test SCRIPT (a path in the source tree)
# with its store in PostgreSQL (tests/backend.sh): a private PostgreSQL 15
# cluster from tests/pg.sh, or, for a test that can share it, the database
# OTPBOX_TEST_DB names when it is a postgresql:// URI. The *_pg.sh tests
# are one line over this.
case "${OTPBOX_TEST_DB:-}" in
postgres*://*) ;;
*) OTPBOX_TEST_DB=postgresql ;;
esac
export OTPBOX_TEST_DB
exec sh "${OTPBOX_SRCDIR:-.}/$1"
