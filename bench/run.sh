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
"$BUILDDIR/bench/extract_bench" ${OTPBOX_CORPUS_DIR:+"$OTPBOX_CORPUS_DIR"}
# ---- fetch ----
echo "load average before fetch: $(cut -d' ' -f1-3 /proc/loadavg)"
sh "$SRCDIR/bench/fetch_bench.sh" "$BUILDDIR" "$SRCDIR"
# ---- wait ----
sh "$SRCDIR/bench/wait_bench.sh" "$BUILDDIR"
# ---- Python bots ----
sh "$SRCDIR/bench/py_bench.sh" "$BUILDDIR" "$SRCDIR"
# ---- end to end (lead) ----
sh "$SRCDIR/bench/e2e.sh" "$BUILDDIR" "$SRCDIR"
