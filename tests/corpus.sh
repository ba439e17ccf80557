#!/bin/sh
# SPDX-License-Identifier: MIT
# make check hook for the corpus check: runs tests/corpus_check.sh on
# $OTPBOX_CORPUS_DIR with $OTPBOX_CORPUS_OPTS (extract options), and skips
# when no corpus is given (a user's clone has none).
: "${OTPBOX:?run through make check (OTPBOX unset)}"
if [ -z "${OTPBOX_CORPUS_DIR:-}" ]; then
	echo "skip: OTPBOX_CORPUS_DIR is not set"
	exit 77
fi
# shellcheck disable=SC2086 # the options are meant to split into words
exec sh "${OTPBOX_SRCDIR:-.}/tests/corpus_check.sh" "$OTPBOX_CORPUS_DIR" \
	${OTPBOX_CORPUS_OPTS:-}
