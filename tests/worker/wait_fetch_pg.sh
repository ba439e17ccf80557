#!/bin/sh
# SPDX-License-Identifier: MIT
# wait_fetch.sh against PostgreSQL: the same fetcher, Dovecot, 50 forked
# workers and checks, with the store in a private PostgreSQL 15 cluster,
# or in the database OTPBOX_TEST_DB names when it is a postgresql:// URI.
case "${OTPBOX_TEST_DB:-}" in
postgres*://*) ;;
*) OTPBOX_TEST_DB=postgresql ;;
esac
export OTPBOX_TEST_DB
exec sh "${OTPBOX_SRCDIR:-.}/tests/worker/wait_fetch.sh"
