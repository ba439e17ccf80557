#!/bin/sh
# SPDX-License-Identifier: MIT
# Formatting is checked by this script, not by review: every C file must
# be as .clang-format says. Runs with Debian 12's clang-format 14 (other
# versions format differently) and skips where that is not installed.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
cd "$OTPBOX_SRCDIR" || exit 99
if ! clang-format --version 2>/dev/null | grep -q 'version 14\.'; then
	echo "skip: clang-format 14 (Debian 12's) is not installed"
	exit 77
fi
for f in $(find src tests bench examples -name '*.[ch]' ! -name schema_sql.c \
	! -name schema_pg_sql.c |
	sort); do
	if clang-format --style=file "$f" | cmp -s "$f" -; then
		pass "$f"
	else
		fail "$f is not formatted; run: clang-format -i $f"
		clang-format --style=file "$f" | diff "$f" - | head -6 | sed 's/^/    /'
	fi
done
test_done
