#!/bin/sh
# SPDX-License-Identifier: MIT
# The command line contract: help, version, usage errors and exit codes.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"

expect_status 0 "--help exits 0" -- "$OTPBOX" --help
expect_grep "usage: otpbox" "$TEST_DIR/out" "--help prints usage on stdout"
expect_status 0 "--version exits 0" -- "$OTPBOX" --version
expect_grep "^otpbox [0-9]" "$TEST_DIR/out" "--version prints the version"
expect_status 64 "no command exits 64" -- "$OTPBOX"
expect_status 64 "unknown command exits 64" -- "$OTPBOX" frobnicate
expect_grep "usage:" "$TEST_DIR/err" "unknown command prints a usage line"
for cmd in fetch wait extract status doctor; do
	expect_status 0 "$cmd --help exits 0" -- "$OTPBOX" "$cmd" --help
	expect_grep "usage: otpbox $cmd" "$TEST_DIR/out" \
		"$cmd --help prints its usage"
	expect_status 64 "$cmd with an unknown option exits 64" -- \
		"$OTPBOX" "$cmd" --no-such-option
	expect_grep "usage:" "$TEST_DIR/err" \
		"$cmd unknown option prints a usage line"
done
test_done
