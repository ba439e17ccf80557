#!/bin/sh
# SPDX-License-Identifier: MIT
# make bench: runs every benchmark and prints figures with the machine noted.
# Usage: bench/run.sh BUILDDIR SRCDIR
set -u
BUILDDIR=${1:-.}
SRCDIR=${2:-.}
export BUILDDIR SRCDIR
# mbsync (the fetch baseline) and GNU time (peak RSS) are only for benches.
sh "$SRCDIR/.ci/install-deps.sh" "$SRCDIR/bench/deps.txt" ||
	echo "warning: could not install bench/deps.txt; some figures will be missing"
echo "otpbox benchmarks on $(uname -srm), $(nproc) cores," \
	"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
# ---- extract ----
# Beside the checkout in CI sits ../shared with the labelled corpora and
# the seed's Python handler: when present, otpbox's rate and score on
# them are printed beside the handler's (nothing here needs them).
shared=${OTPBOX_SHARED:-$SRCDIR/../shared}
corpora=
for c in corpus corpus-next; do
	[ -f "$shared/$c/expected.tsv" ] && corpora="$corpora $shared/$c"
done
# shellcheck disable=SC2086 # the corpus list is split on purpose
"$BUILDDIR/bench/extract_bench" ${OTPBOX_CORPUS_DIR:+"$OTPBOX_CORPUS_DIR"} $corpora
for c in $corpora; do
	printf 'extract otpbox %s: ' "$(basename "$c")"
	OTPBOX="$BUILDDIR/otpbox" sh "$SRCDIR/tests/corpus_check.sh" "$c" \
		--mailbox admin@vizebox.test --domain vizebox.test | tail -n 1
done
if [ -n "$corpora" ] && [ -f "$shared/peer/seed_peer.py" ] &&
	python3 -c "import sys; sys.path.insert(0, sys.argv[1]); import seed_peer" \
		"$shared/peer" 2>/dev/null; then
	# shellcheck disable=SC2086
	python3 "$SRCDIR/bench/peer_extract.py" "$shared/peer" $corpora
else
	echo "extract: no ../shared corpus or runnable peer; comparison skipped"
fi
# ---- fetch ----
echo "load average before fetch: $(cut -d' ' -f1-3 /proc/loadavg)"
sh "$SRCDIR/bench/fetch_bench.sh" "$BUILDDIR" "$SRCDIR"
# ---- status ----
sh "$SRCDIR/bench/status_bench.sh" "$BUILDDIR" "$SRCDIR"
# ---- wait ----
sh "$SRCDIR/bench/wait_bench.sh" "$BUILDDIR"
# ---- Python bots ----
sh "$SRCDIR/bench/py_bench.sh" "$BUILDDIR" "$SRCDIR"
# ---- end to end (lead) ----
sh "$SRCDIR/bench/e2e.sh" "$BUILDDIR" "$SRCDIR"
