#!/bin/sh
# SPDX-License-Identifier: MIT
# Wait-side benchmarks on a real SQLite file, no mail server: wake-up
# latency of 100 waiters, and the cost of 1,000 idle waiters (forked
# libotpbox workers and `otpbox wait` processes).
# Usage: bench/wait_bench.sh BUILDDIR  (WAIT_BENCH_IDLE=N, WAIT_BENCH_SECS=S)
set -u
BUILDDIR=${1:-.}
BIN=$BUILDDIR/bench/wait_bench
dir=$(mktemp -d "${TMPDIR:-/tmp}/otpbox-wait-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
idle=${WAIT_BENCH_IDLE:-1000}
secs=${WAIT_BENCH_SECS:-10}
limit=$(cat /proc/sys/fs/inotify/max_user_instances 2>/dev/null || echo '?')
echo "wait: fs.inotify.max_user_instances = $limit (waiters beyond it" \
	"poll every 100 ms instead of sleeping on inotify)"
"$BIN" latency "$dir" 100
"$BIN" idle "$dir" "$idle" "$secs"
"$BIN" idle "$dir" "$idle" "$secs" "$BUILDDIR/otpbox"
