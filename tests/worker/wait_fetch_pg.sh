#!/bin/sh
# SPDX-License-Identifier: MIT
# wait_fetch.sh against PostgreSQL: the same fetcher, Dovecot, 50 forked
# workers and checks, with the store in a private PostgreSQL 15 cluster.
OTPBOX_TEST_DB=postgresql
export OTPBOX_TEST_DB
exec sh "${OTPBOX_SRCDIR:-.}/tests/worker/wait_fetch.sh"
