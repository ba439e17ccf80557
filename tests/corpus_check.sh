#!/bin/sh
# SPDX-License-Identifier: MIT
# Compares `otpbox extract` with a labelled corpus: DIR/expected.tsv has a
# header line and the columns file, recipient, code, link, note.
# Usage: corpus_check.sh DIR [extract options...]
# Prints each case that differs and a closing "corpus: N passed, M failed";
# exits non-zero when any case fails. $OTPBOX names the program (default:
# otpbox from PATH).
set -u
if [ $# -lt 1 ] || [ ! -f "$1/expected.tsv" ]; then
	echo "usage: corpus_check.sh DIR [extract options...]" >&2
	echo "(DIR must hold expected.tsv and the .eml files it names)" >&2
	exit 64
fi
dir=$1
shift
prog=${OTPBOX:-otpbox}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/otpbox-corpus.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The labelled files, without the header line.
tail -n +2 "$dir/expected.tsv" | tr -d '\r' | awk -F'\t' 'NF >= 4' \
	>"$tmp/expected"
cut -f1 "$tmp/expected" >"$tmp/files"
(cd "$dir" && xargs "$prog" extract "$@" <"$tmp/files") >"$tmp/got" \
	2>"$tmp/err"
status=$?
if [ "$status" -ne 0 ]; then
	echo "otpbox extract exited $status:" >&2
	head -5 "$tmp/err" >&2
fi

awk -F'\t' '
function sorted(list,    n, a, i, j, t, out) {
	n = split(list, a, ",")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	out = a[1]
	for (i = 2; i <= n; i++)
		out = out "," a[i]
	return out
}
FNR == NR { rcpt[$1] = $2; code[$1] = $3; link[$1] = $4; seen[$1] = 1; next }
{
	f = $1
	if (!(f in seen))
		next
	done[f] = 1
	bad = ""
	if (sorted(rcpt[f]) != sorted($2))
		bad = bad sprintf(" recipient: got %s, wanted %s;", $2, rcpt[f])
	if (code[f] != $3)
		bad = bad sprintf(" code: got %s, wanted %s;", $3, code[f])
	if (link[f] != $4)
		bad = bad sprintf(" link: got %s, wanted %s;", $4, link[f])
	if (bad == "") {
		pass++
	} else {
		fail++
		printf "FAIL %s:%s\n", f, bad
	}
}
END {
	for (f in seen)
		if (!(f in done)) {
			fail++
			printf "FAIL %s: no output\n", f
		}
	printf "corpus: %d passed, %d failed\n", pass, fail
	exit fail > 0
}' "$tmp/expected" "$tmp/got"
