#!/bin/sh
# SPDX-License-Identifier: MIT
# wait_fetch.sh with the store in PostgreSQL (tests/on_pg.sh).
exec sh "${OTPBOX_SRCDIR:-.}/tests/on_pg.sh" tests/worker/wait_fetch.sh
