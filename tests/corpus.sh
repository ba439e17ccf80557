#!/bin/sh
# SPDX-License-Identifier: MIT
# make check hook for the corpus check: runs tests/corpus_check.sh on each
# directory of $OTPBOX_CORPUS_DIR (one, or several separated by ':') with
# $OTPBOX_CORPUS_OPTS (extract options), and skips when no corpus is given
# (a user's clone has none). Fails when any corpus has a failing case.
: "${OTPBOX:?run through make check (OTPBOX unset)}"
if [ -z "${OTPBOX_CORPUS_DIR:-}" ]; then
	echo "skip: OTPBOX_CORPUS_DIR is not set"
	exit 77
fi
status=0
old_ifs=$IFS
IFS=:
# shellcheck disable=SC2086 # split on ':' on purpose
set -- $OTPBOX_CORPUS_DIR
IFS=$old_ifs
for dir in "$@"; do
	[ -n "$dir" ] || continue
	echo "corpus $dir"
	# shellcheck disable=SC2086 # the options are meant to split into words
	sh "${OTPBOX_SRCDIR:-.}/tests/corpus_check.sh" "$dir" \
		${OTPBOX_CORPUS_OPTS:-} || status=1
done
exit "$status"
