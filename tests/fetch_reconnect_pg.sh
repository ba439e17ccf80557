#!/bin/sh
# SPDX-License-Identifier: MIT
# fetch_reconnect.sh with the store in PostgreSQL (tests/on_pg.sh).
exec sh "${OTPBOX_SRCDIR:-.}/tests/on_pg.sh" tests/fetch_reconnect.sh
